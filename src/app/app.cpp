// Entry point of the command line: global flags, the command table, "did you mean", help, and the
// single top-level catch that turns an Abort into an exit code.

#include <app/app.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <app/command.hpp>
#include <app/manpage.hpp>
#include <app/version.hpp>
#include <core/error.hpp>
#include <core/strings.hpp>
#include <core/term.hpp>

namespace talgpu {

namespace {

constexpr const char* k_tagline = "declare, configure and prove GPU nodes on Talos Linux";

std::string root_help() {
  std::string s = fmt::format("talgpu {} - {}\n\n", TALGPU_VERSION, k_tagline);
  s += "Usage: talgpu [global flags] <command> [args]\n\nCommands:\n";
  for (const auto& c : command_table()) {
    s += fmt::format("  {:<12} {}\n", c.name, c.summary);
  }
  s += fmt::format("  {:<12} {}\n", "help", "Show help for a command");
  s += "\nGlobal flags:\n"
       "  -o, --output FORMAT  text (default), json; sarif for check and plan\n"
       "      --color WHEN     auto (default: on a TTY without NO_COLOR), always, never\n"
       "  -v, --verbose        more detail on stderr\n"
       "  -q, --quiet          only errors\n"
       "      --version        print the version, build and catalogs (as 'talgpu version')\n"
       "  -h, --help           show help\n"
       "\nExit codes: 0 ok, 1 findings or errors in the inputs, 2 usage error or unreadable input.\n"
       "Run 'talgpu help <command>' for a command's flags.\n";
  return s;
}

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (const auto& c : command_table()) {
    names.emplace_back(c.name);
  }
  names.emplace_back("help");
  return names;
}

// Finds the first word that is not a global flag or its value: the command name.
std::optional<std::string> find_command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      return std::nullopt;
    }
    if (a == "-o" || a == "--output" || a == "--color") {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') {
      continue;
    }
    return std::string(a);
  }
  return std::nullopt;
}

int print_man_page();

}  // namespace

std::vector<CLI::App*> define_cli(CLI::App& root, GlobalFlags& g, Context& ctx, std::vector<CommandRun>& runs) {
  root.set_help_flag();  // we print our own root help
  root.add_flag("-h,--help", g.help, "Show help");
  root.add_flag("--version", g.version, "Print the version and exit");
  root.add_option("-o,--output", g.output, "Output format")->check(CLI::IsMember({"text", "json", "sarif"}));
  root.add_option("--color", g.color, "Colour")->check(CLI::IsMember({"auto", "always", "never"}));
  root.add_flag("-v,--verbose", g.verbose, "More detail on stderr");
  root.add_flag("-q,--quiet", g.quiet, "Only errors");
  const auto& table = command_table();
  runs.resize(table.size());
  std::vector<CLI::App*> subs;
  for (size_t i = 0; i < table.size(); ++i) {
    CLI::App* sub = root.add_subcommand(table[i].name, table[i].summary);
    sub->fallthrough();
    sub->set_help_flag("-h,--help", "Show this help");
    table[i].setup(*sub, ctx, runs[i]);
    subs.push_back(sub);
  }
  return subs;
}

namespace {

// `talgpu help --man`: the man page, made from the same help texts (the build installs it).
int print_man_page() {
  Context ctx;
  GlobalFlags g;
  CLI::App root(k_tagline, "talgpu");
  std::vector<CommandRun> runs;
  define_cli(root, g, ctx, runs);
  fmt::print("{}", man_page(root, root_help()));
  return k_exit_ok;
}

}  // namespace

int app_main(int argc, char** argv) {
  Context ctx;

  std::optional<std::string> word = find_command_word(argc, argv);
  if (word && *word == "help") {
    // `talgpu help [command]`, handled before CLI11 so a command name is a topic, not a command.
    // `talgpu help genurl installer`: every word after `help` names the (sub)command.
    std::optional<std::string> topic;
    std::vector<std::string> rest;
    for (int i = 1; i < argc; ++i) {
      if (std::string_view(argv[i]) == "help" && i + 1 < argc) {
        topic = argv[i + 1];
        for (int j = i + 2; j < argc; ++j) {
          rest.emplace_back(argv[j]);
        }
        break;
      }
    }
    if (!topic) {
      fmt::print("{}", root_help());
      return k_exit_ok;
    }
    if (*topic == "--man") {
      return print_man_page();
    }
    std::vector<std::string> args = {"talgpu", *topic};
    args.insert(args.end(), rest.begin(), rest.end());
    args.emplace_back("--help");
    std::vector<char*> ptrs;
    for (auto& a : args) {
      ptrs.push_back(a.data());
    }
    auto names = command_names();
    if (std::find(names.begin(), names.end(), *topic) == names.end() || *topic == "help") {
      if (*topic == "help") {
        fmt::print("{}", root_help());
        return k_exit_ok;
      }
      fmt::print(stderr, "talgpu: unknown command '{}'{}\n", terminal_safe(*topic), did_you_mean(*topic, names));
      return k_exit_usage;
    }
    return app_main(static_cast<int>(ptrs.size()), ptrs.data());
  }
  if (word) {
    auto names = command_names();
    if (std::find(names.begin(), names.end(), *word) == names.end()) {
      fmt::print(stderr, "talgpu: unknown command '{}'{}\nRun 'talgpu help' for the list of commands.\n",
                 terminal_safe(*word),
                 did_you_mean(*word, names));
      return k_exit_usage;
    }
  }

  CLI::App root(k_tagline, "talgpu");
  GlobalFlags g;
  const auto& table = command_table();
  std::vector<CommandRun> runs;
  std::vector<CLI::App*> subs = define_cli(root, g, ctx, runs);

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    // A (sub)command's -h/--help: the help of the deepest command named.
    std::string prefix = "talgpu";
    CLI::App* shown = nullptr;
    for (CLI::App* at = &root; !at->get_subcommands().empty();) {
      if (shown != nullptr) {
        prefix += " " + shown->get_name();
      }
      shown = at->get_subcommands().front();
      at = shown;
    }
    if (shown != nullptr) {
      fmt::print("{}", shown->help(prefix));
      return k_exit_ok;
    }
    fmt::print("{}", root_help());
    return k_exit_ok;
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    fmt::print(stderr, "talgpu: error: {}\n", terminal_safe(msg));
    return k_exit_usage;
  }

  ctx.output = g.output == "json" ? OutputFormat::json : g.output == "sarif" ? OutputFormat::sarif : OutputFormat::text;
  if (g.version) {  // the same as `talgpu version`
    fmt::print("{}", ctx.json() ? version_json_text() : version_text());
    return k_exit_ok;
  }
  ctx.color_mode = g.color == "always" ? ColorMode::always : g.color == "never" ? ColorMode::never : ColorMode::auto_detect;
  ctx.verbosity = g.quiet ? -1 : (g.verbose ? 1 : 0);
  ctx.color_out = ctx.output == OutputFormat::text && use_color(ctx.color_mode, stdout);
  ctx.color_err = use_color(ctx.color_mode, stderr);

  if (g.help) {
    fmt::print("{}", root_help());
    return k_exit_ok;
  }
  CommandRun run;
  for (size_t i = 0; i < subs.size(); ++i) {
    if (subs[i]->parsed()) {
      run = runs[i];
      // SARIF is a findings format: only the commands that produce findings write it.
      std::string_view name = table[i].name;
      if (ctx.output == OutputFormat::sarif && name != "check" && name != "plan") {
        fmt::print(stderr, "talgpu: error: '{}' has no SARIF output (use -o json or -o text; SARIF: check, plan)\n",
                   name);
        return k_exit_usage;
      }
    }
  }
  if (!run) {
    fmt::print(stderr, "{}", root_help());
    return k_exit_usage;
  }

  try {
    return run();
  } catch (const Abort& a) {
    if (a.what()[0] != '\0') {
      fmt::print(stderr, "talgpu: {} {}\n", styled("error:", TextStyle::error, ctx.color_err), terminal_safe(a.what()));
    }
    return a.exit_code();
  } catch (const std::exception& e) {
    fmt::print(stderr, "talgpu: internal error: {}\n", terminal_safe(e.what()));
    return k_exit_findings;
  }
}

void print_diagnostics(const Context& ctx, const Diagnostics& diags) {
  if (ctx.json() || diags.empty()) {
    return;
  }
  for (const auto& d : diags.items()) {
    if (ctx.quiet() && d.severity != Severity::error) {
      continue;
    }
    fmt::print(ctx.err, "{}", render_text(d, ctx.render_options()));
  }
  if (!ctx.quiet()) {
    fmt::print(ctx.err, "{}\n", summary_line(diags));
  }
}

// Lines are assembled by talgpu from input-derived pieces: escaped once here (colour kept).
void out_line(const Context& ctx, std::string_view text) {
  fmt::print(ctx.out, "{}\n", terminal_safe_text(text));
}

void err_line(const Context& ctx, std::string_view text) {
  fmt::print(ctx.err, "{}\n", terminal_safe_text(text));
}

void verbose(const Context& ctx, std::string_view text) {
  if (ctx.verbosity > 0) {
    fmt::print(ctx.err, "{}\n", terminal_safe_text(text));
  }
}

}  // namespace talgpu
