#include <talhelper/envsubst.hpp>

#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

#include <core/strings.hpp>

namespace talgpu::talhelper {

std::optional<std::string> EnvVars::get(std::string_view name) const {
  auto it = values.find(std::string(name));
  if (it != values.end()) {
    return it->second;
  }
  if (use_process_env) {
    if (const char* v = std::getenv(std::string(name).c_str())) {
      return std::string(v);
    }
  }
  return std::nullopt;
}

const char* const* default_env_file_names() {
  // talhelper cmd/root.go: the default of --env-file.
  static const char* const k_names[] = {"talenv.yaml", "talenv.sops.yaml", "talenv.yml", "talenv.sops.yml", nullptr};
  return k_names;
}

// ---------------------------------------------------------------------------------------------
// Env files (joho/godotenv's parser, the subset that matters for flat YAML-ish files).

namespace {

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

std::string unescape_double(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      switch (n) {
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        default:
          out.push_back(n);
      }
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> parse_env_file(std::string_view text, const std::string& name) {
  std::map<std::string, std::string> out;
  auto lines = split(text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = trim(lines[i]);
    int lineno = static_cast<int>(i + 1);
    if (line.empty() || line.front() == '#' || line == "---") {
      continue;
    }
    if (line.substr(0, 7) == "export ") {
      line = trim(line.substr(7));
    }
    size_t k = 0;
    while (k < line.size() && is_key_char(line[k])) {
      ++k;
    }
    std::string key(line.substr(0, k));
    std::string_view rest = trim(line.substr(k));
    if (key.empty() || rest.empty() || (rest.front() != '=' && rest.front() != ':')) {
      return fail(fmt::format("cannot parse line as KEY: value or KEY=value"), SourceLocation{name, lineno, 1},
                  "talenv-parse");
    }
    std::string_view value = trim(rest.substr(1));
    std::string parsed;
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      char q = value.front();
      size_t end = 1;
      while (end < value.size() && !(value[end] == q && (q == '\'' || value[end - 1] != '\\'))) {
        ++end;
      }
      if (end >= value.size()) {
        return fail(fmt::format("unterminated quoted value for '{}'", key), SourceLocation{name, lineno, 1},
                    "talenv-parse");
      }
      std::string_view inner = value.substr(1, end - 1);
      parsed = q == '"' ? unescape_double(inner) : std::string(inner);
    } else {
      // Unquoted: an inline comment starts at " #".
      size_t hash = value.find(" #");
      parsed = std::string(trim(value.substr(0, hash)));
    }
    out[key] = parsed;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Comment stripping.

namespace {

size_t indent_of(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') {
    ++n;
  }
  return n;
}

// True when a stripped line opens a block scalar: it ends in `|` or `>` (plus chomping/indent
// indicators) right after a key's `:`, a sequence dash, or at the start of the line.
bool opens_block_scalar(std::string_view line) {
  std::string_view t = line;
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r')) {
    t.remove_suffix(1);
  }
  size_t n = 0;
  while (n < 3 && !t.empty() && (t.back() == '+' || t.back() == '-' || std::isdigit(static_cast<unsigned char>(t.back())))) {
    t.remove_suffix(1);
    ++n;
  }
  if (t.empty() || (t.back() != '|' && t.back() != '>')) {
    return false;
  }
  t.remove_suffix(1);
  std::string_view before = t;
  while (!before.empty() && before.back() == ' ') {
    before.remove_suffix(1);
  }
  if (before.size() == t.size() && !t.empty()) {
    return false;  // `a|` is plain text
  }
  return before.empty() || before.back() == ':' || before.back() == '-' || before.back() == '[' ||
         before.back() == ',';
}

}  // namespace

std::string strip_yaml_comments(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto lines = split(text, '\n');
  bool in_block = false;
  size_t block_parent_indent = 0;
  char quote = 0;  // open quoted scalar carried across lines
  for (size_t li = 0; li < lines.size(); ++li) {
    std::string_view line = lines[li];
    if (li > 0) {
      out.push_back('\n');
    }
    if (in_block) {
      std::string_view t = trim(line);
      if (t.empty() || indent_of(line) > block_parent_indent) {
        out.append(line);
        continue;
      }
      in_block = false;
    }
    std::string kept;
    size_t cut = line.size();
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (quote == '\'') {
        if (c == '\'') {
          if (i + 1 < line.size() && line[i + 1] == '\'') {
            ++i;
          } else {
            quote = 0;
          }
        }
        continue;
      }
      if (quote == '"') {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          quote = 0;
        }
        continue;
      }
      bool token_start = i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t' || line[i - 1] == ':' ||
                         line[i - 1] == '-' || line[i - 1] == '[' || line[i - 1] == '{' || line[i - 1] == ',';
      if ((c == '\'' || c == '"') && token_start) {
        quote = c;
        continue;
      }
      if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        cut = i;
        break;
      }
    }
    std::string_view keep = line.substr(0, cut);
    if (cut < line.size()) {
      while (!keep.empty() && (keep.back() == ' ' || keep.back() == '\t')) {
        keep.remove_suffix(1);
      }
    }
    out.append(keep);
    if (quote == 0 && opens_block_scalar(keep)) {
      in_block = true;
      block_parent_indent = indent_of(keep);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Substitution (a8m/envsubst parse/lex.go + parse/node.go, restricted mode).

namespace {

bool is_name_char(char c) {
  // a8m accepts Unicode letters and digits; bytes >= 0x80 stand in for those.
  return c == '_' || std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
}

enum class Op { none, dash, colon_dash, equals, colon_equals, plus, colon_plus };

struct Problem {
  std::string rule;
  std::string message;
};

// The value of a reference, or the problem a8m's restricted mode reports for it.
struct Outcome {
  std::string value;
  std::optional<Problem> problem;
};

Outcome check(const std::string& outer, const std::optional<std::string>& value, bool is_variable) {
  if (is_variable && !value) {
    return {{}, Problem{"envsubst-unset", fmt::format("variable ${{{}}} not set", outer)}};
  }
  if (value->empty()) {
    return {{}, Problem{"envsubst-empty", fmt::format("variable ${{{}}} set but empty", outer)}};
  }
  return {*value, std::nullopt};
}

}  // namespace

std::string envsubst(std::string_view text, const EnvVars& env, const std::string& file, Diagnostics& diags) {
  std::string out;
  out.reserve(text.size());
  int line = 1;
  size_t line_start = 0;
  auto report = [&](size_t pos, const Problem& p) {
    diags.error(p.rule, p.message, SourceLocation{file, line, static_cast<int>(pos - line_start + 1)});
  };
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      out.push_back(c);
      ++i;
      ++line;
      line_start = i;
      continue;
    }
    if (c != '$' || i + 1 >= text.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    char n = text[i + 1];
    if (n == '$') {  // `$$` is a literal dollar
      out.push_back('$');
      i += 2;
      continue;
    }
    if (n == '{') {
      size_t p = i + 2;
      size_t name_start = p;
      while (p < text.size() && is_name_char(text[p])) {
        ++p;
      }
      if (p == name_start) {  // `${` not followed by a name stays as text
        out.append("${");
        i += 2;
        continue;
      }
      std::string name(text.substr(name_start, p - name_start));
      Op op = Op::none;
      if (p < text.size()) {
        switch (text[p]) {
          case '-':
            op = Op::dash, ++p;
            break;
          case '=':
            op = Op::equals, ++p;
            break;
          case '+':
            op = Op::plus, ++p;
            break;
          case ':':
            if (p + 1 < text.size() && text[p + 1] == '-') {
              op = Op::colon_dash;
            } else if (p + 1 < text.size() && text[p + 1] == '=') {
              op = Op::colon_equals;
            } else if (p + 1 < text.size() && text[p + 1] == '+') {
              op = Op::colon_plus;
            }
            p += op == Op::none ? 1 : 2;  // a8m drops an unknown `:x` operator and keeps `${VAR}`
            break;
          default:
            break;
        }
      }
      size_t close = p;
      while (close < text.size() && text[close] != '}' && text[close] != '\n' && text[close] != '\r') {
        ++close;
      }
      if (close >= text.size() || text[close] != '}') {
        report(i, {"envsubst-syntax", fmt::format("closing brace expected for ${{{}", name)});
        out.append(text.substr(i, close - i));
        i = close;
        continue;
      }
      std::string_view def = text.substr(p, close - p);
      // The default is a variable when it starts with `$NAME` and nothing follows; a8m treats any
      // text after it as the default instead (and never expands variables inside text).
      std::optional<std::string> def_var;
      std::string def_text(def);
      if (def.size() > 1 && def[0] == '$') {
        size_t e = 1;
        while (e < def.size() && is_name_char(def[e])) {
          ++e;
        }
        if (e > 1 && e == def.size()) {
          def_var = std::string(def.substr(1));
        } else if (e > 1) {
          def_text = std::string(def.substr(e));
        }
      }
      bool has_default = !def.empty() && op != Op::none;
      auto var_value = env.get(name);
      auto eval_default = [&]() -> Outcome {
        if (def_var) {
          return check(name, env.get(*def_var), true);
        }
        return check(name, def_text, false);
      };
      Outcome result;
      if (!has_default) {
        result = check(name, var_value, true);
      } else if (op == Op::colon_dash || op == Op::colon_equals) {
        result = (var_value && !var_value->empty()) ? Outcome{*var_value, std::nullopt} : eval_default();
      } else if (op == Op::plus || op == Op::colon_plus) {
        result = var_value ? eval_default() : Outcome{};
      } else {
        result = !var_value ? eval_default() : check(name, var_value, true);
      }
      if (result.problem) {
        report(i, *result.problem);
        out.append(text.substr(i, close + 1 - i));
      } else {
        out.append(result.value);
      }
      i = close + 1;
      continue;
    }
    if (is_name_char(n)) {
      size_t p = i + 1;
      while (p < text.size() && is_name_char(text[p])) {
        ++p;
      }
      std::string name(text.substr(i + 1, p - i - 1));
      if (name == "_") {
        out.append("$_");
        i = p;
        continue;
      }
      Outcome r = check(name, env.get(name), true);
      if (r.problem) {
        report(i, *r.problem);
        out.append(text.substr(i, p - i));
      } else {
        out.append(r.value);
      }
      i = p;
      continue;
    }
    out.push_back('$');
    ++i;
  }
  return out;
}

Result<std::string> envsubst_string(std::string_view text, const EnvVars& env) {
  Diagnostics diags;
  std::string out = envsubst(text, env, "", diags);
  if (diags.has_errors()) {
    const Diagnostic& d = diags.items().front();
    return fail(d.message, {}, d.rule);
  }
  return out;
}

}  // namespace talgpu::talhelper
