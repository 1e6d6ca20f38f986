#include <app/completion.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace talgpu {

namespace {

// CLI11 writes an IsMember validator into the type name: "TEXT:{error,warning}".
std::vector<std::string> choices_of(const std::string& type_name) {
  std::vector<std::string> out;
  auto open = type_name.find('{');
  auto close = type_name.find('}', open);
  if (open == std::string::npos || close == std::string::npos) {
    return out;
  }
  std::string list = type_name.substr(open + 1, close - open - 1);
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) {
      out.push_back(item);
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

ValueKind value_kind(const CLI::Option& opt, const std::vector<std::string>& choices) {
  const auto& l = opt.get_lnames();
  if (std::find(l.begin(), l.end(), "node") != l.end()) {
    return ValueKind::nodes;
  }
  if (!choices.empty()) {
    return ValueKind::choices;
  }
  std::string type = opt.get_type_name();
  bool numeric = type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0 || type.rfind("FLOAT", 0) == 0;
  bool version = std::any_of(l.begin(), l.end(), [](const std::string& n) { return n.find("version") != std::string::npos; });
  return numeric || version ? ValueKind::none : ValueKind::file;
}

CliCommand walk(const CLI::App& app, const std::string& name) {
  CliCommand cmd;
  cmd.name = name;
  cmd.help = app.get_description();
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional() && opt->get_lnames().empty() && opt->get_snames().empty()) {
      cmd.positional = name == "explain" ? ValueKind::rules : ValueKind::file;
      continue;
    }
    CliOption o;
    for (const auto& s : opt->get_snames()) {
      o.names.push_back("-" + s);
    }
    for (const auto& l : opt->get_lnames()) {
      o.names.push_back("--" + l);
    }
    if (o.names.empty()) {
      continue;
    }
    o.takes_value = opt->get_type_size_max() > 0;
    o.help = opt->get_description();
    if (o.takes_value) {
      o.choices = choices_of(opt->get_type_name());
      o.kind = value_kind(*opt, o.choices);
    }
    cmd.options.push_back(std::move(o));
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    cmd.subcommands.push_back(walk(*sub, sub->get_name()));
  }
  return cmd;
}

// Every command path ("talgpu", "talgpu gen", "talgpu gen config") with its command.
void flatten(const CliCommand& c, const std::string& path, std::vector<std::pair<std::string, const CliCommand*>>& out) {
  out.emplace_back(path, &c);
  for (const auto& s : c.subcommands) {
    flatten(s, path + " " + s.name, out);
  }
}

std::string join_names(const CliCommand& c, bool values_only) {
  std::string s;
  for (const auto& o : c.options) {
    if (values_only && !o.takes_value) {
      continue;
    }
    for (const auto& n : o.names) {
      s += (s.empty() ? "" : " ") + n;
    }
  }
  return s;
}

std::string kind_word(const CliOption& o) {
  switch (o.kind) {
    case ValueKind::nodes: return "nodes";
    case ValueKind::rules: return "rules";
    case ValueKind::file: return "file";
    case ValueKind::choices: {
      std::string s = "choice";
      for (const auto& c : o.choices) {
        s += ":" + c;
      }
      return s;
    }
    case ValueKind::none: break;
  }
  return "none";
}

// Single-quoted for sh/bash/zsh: ' becomes '\''.
std::string sq(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

// The bash function (also used by zsh through bashcompinit). Tables are generated; the logic is
// generic: find the command path, then complete an option value, a subcommand, an option or a
// positional.
std::string bash_body(const CliCommand& root) {
  std::vector<std::pair<std::string, const CliCommand*>> paths;
  flatten(root, "talgpu", paths);
  std::string s;
  s += "declare -gA _talgpu_subs=(\n";
  for (const auto& [path, c] : paths) {
    std::string subs;
    for (const auto& sub : c->subcommands) {
      subs += (subs.empty() ? "" : " ") + sub.name;
    }
    if (!subs.empty()) {
      s += fmt::format("  [{}]={}\n", sq(path), sq(subs));
    }
  }
  s += ")\ndeclare -gA _talgpu_opts=(\n";
  for (const auto& [path, c] : paths) {
    s += fmt::format("  [{}]={}\n", sq(path), sq(join_names(*c, false)));
  }
  s += ")\ndeclare -gA _talgpu_value_opts=(\n";
  for (const auto& [path, c] : paths) {
    s += fmt::format("  [{}]={}\n", sq(path), sq(join_names(*c, true)));
  }
  s += ")\ndeclare -gA _talgpu_kinds=(\n";
  for (const auto& [path, c] : paths) {
    for (const auto& o : c->options) {
      if (o.takes_value) {
        for (const auto& n : o.names) {
          s += fmt::format("  [{}]={}\n", sq(path + "|" + n), sq(kind_word(o)));
        }
      }
    }
  }
  s += ")\ndeclare -gA _talgpu_positional=(\n";
  for (const auto& [path, c] : paths) {
    if (c->positional != ValueKind::none) {
      s += fmt::format("  [{}]={}\n", sq(path), c->positional == ValueKind::rules ? "rules" : "file");
    }
  }
  s += R"BASH()

# The talconfig a command line names (-c/--config/--config-file/--talconfig), for node names.
_talgpu_config() {
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      -c|--config|--config-file|--talconfig) echo "--config ${COMP_WORDS[i+1]}"; return ;;
    esac
  done
}

_talgpu_values() {
  local kind=$1 cur=$2
  case "$kind" in
    nodes) COMPREPLY=($(compgen -W "$(talgpu completion --list nodes $(_talgpu_config) 2>/dev/null)" -- "$cur")) ;;
    rules) COMPREPLY=($(compgen -W "$(talgpu completion --list rules 2>/dev/null)" -- "$cur")) ;;
    file) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null ;;
    choice:*) local list=${kind#choice:}; COMPREPLY=($(compgen -W "${list//:/ }" -- "$cur")) ;;
    *) COMPREPLY=() ;;
  esac
}

_talgpu() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local path=talgpu i w skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if ((skip)); then skip=0; continue; fi
    if [[ $w == -* ]]; then
      if [[ $w != *=* && " ${_talgpu_value_opts[$path]} ${_talgpu_value_opts[talgpu]} " == *" $w "* ]]; then
        skip=1
      fi
      continue
    fi
    if [[ " ${_talgpu_subs[$path]} " == *" $w "* ]]; then
      path="$path $w"
    elif [[ $path == talgpu && $w == help ]]; then
      path="talgpu help"
    fi
  done
  local kind=${_talgpu_kinds[$path|$prev]:-${_talgpu_kinds[talgpu|$prev]}}
  if [[ -n $kind ]]; then
    _talgpu_values "$kind" "$cur"
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${_talgpu_opts[$path]}" -- "$cur"))
    return
  fi
  if [[ $path == "talgpu help" ]]; then
    COMPREPLY=($(compgen -W "${_talgpu_subs[talgpu]}" -- "$cur"))
    return
  fi
  if [[ -n ${_talgpu_subs[$path]} ]]; then
    COMPREPLY=($(compgen -W "${_talgpu_subs[$path]}" -- "$cur"))
    return
  fi
  _talgpu_values "${_talgpu_positional[$path]:-none}" "$cur"
}
)BASH";
  return s;
}

}  // namespace

CliCommand cli_model(const CLI::App& root) {
  return walk(root, "");
}

std::string bash_completion(const CliCommand& root) {
  return "# bash completion for talgpu, generated by `talgpu completion bash` from its command definitions.\n"
         "# Install: talgpu completion bash > /etc/bash_completion.d/talgpu (or source it from ~/.bashrc)\n" +
         bash_body(root) + "complete -F _talgpu talgpu\n";
}

std::string zsh_completion(const CliCommand& root) {
  // zsh runs the bash completion through bashcompinit (zsh's documented bridge,
  // zshcompsys(1) "bashcompinit"), so both shells complete from the same generated tables.
  return "#compdef talgpu\n"
         "# zsh completion for talgpu, generated by `talgpu completion zsh` from its command definitions.\n"
         "# Install: talgpu completion zsh > \"${fpath[1]}/_talgpu\" (or source it from ~/.zshrc)\n"
         "autoload -U +X bashcompinit && bashcompinit\n" +
         bash_body(root) + "complete -F _talgpu talgpu\n";
}

std::string fish_completion(const CliCommand& root) {
  auto fq = [](std::string_view s) {  // fish single quotes: \\ and \' are the escapes
    std::string out = "'";
    for (char c : s) {
      if (c == '\\' || c == '\'') {
        out += '\\';
      }
      out += c == '\n' ? ' ' : c;
    }
    return out + "'";
  };
  std::string top;
  for (const auto& c : root.subcommands) {
    top += (top.empty() ? "" : " ") + c.name;
  }
  std::string s =
      "# fish completion for talgpu, generated by `talgpu completion fish` from its command definitions.\n"
      "# Install: talgpu completion fish > ~/.config/fish/completions/talgpu.fish\n"
      "complete -c talgpu -f\n";
  auto option_lines = [&](const CliCommand& c, const std::string& cond) {
    for (const auto& o : c.options) {
      std::string line = "complete -c talgpu" + (cond.empty() ? "" : " -n " + fq(cond));
      for (const auto& n : o.names) {
        line += n.size() == 2 ? " -s " + n.substr(1) : " -l " + n.substr(2);
      }
      if (o.takes_value) {
        line += " -r";
        if (o.kind == ValueKind::nodes) {
          line += " -a " + fq("(talgpu completion --list nodes 2>/dev/null)");
        } else if (o.kind == ValueKind::choices) {
          std::string list;
          for (const auto& ch : o.choices) {
            list += (list.empty() ? "" : " ") + ch;
          }
          line += " -a " + fq(list);
        } else if (o.kind == ValueKind::file) {
          line += " -F";
        }
      }
      if (!o.help.empty()) {
        line += " -d " + fq(o.help);
      }
      s += line + "\n";
    }
  };
  option_lines(root, "");
  for (const auto& c : root.subcommands) {
    s += fmt::format("complete -c talgpu -n {} -a {} -d {}\n", fq("not __fish_seen_subcommand_from " + top + " help"),
                     c.name, fq(c.help));
    std::string cond = "__fish_seen_subcommand_from " + c.name;
    option_lines(c, cond);
    if (c.positional == ValueKind::rules) {
      s += fmt::format("complete -c talgpu -n {} -a {}\n", fq(cond), fq("(talgpu completion --list rules 2>/dev/null)"));
    } else if (c.positional == ValueKind::file) {
      s += fmt::format("complete -c talgpu -n {} -F\n", fq(cond));
    }
    std::string subs;
    for (const auto& sub : c.subcommands) {
      subs += (subs.empty() ? "" : " ") + sub.name;
    }
    for (const auto& sub : c.subcommands) {
      s += fmt::format("complete -c talgpu -n {} -a {} -d {}\n",
                       fq(cond + "; and not __fish_seen_subcommand_from " + subs), sub.name, fq(sub.help));
      option_lines(sub, cond + "; and __fish_seen_subcommand_from " + sub.name);
    }
  }
  s += fmt::format("complete -c talgpu -n {} -a help -d {}\n", fq("not __fish_seen_subcommand_from " + top + " help"),
                   fq("Show help for a command"));
  s += fmt::format("complete -c talgpu -n {} -a {}\n", fq("__fish_seen_subcommand_from help"), fq(top));
  return s;
}

}  // namespace talgpu
