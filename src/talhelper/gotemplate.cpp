// A deliberately small Go-template evaluator; see gotemplate.hpp for what talhelper does and the
// subset we accept.
//
// Semantics mirrored from Go (text/template exec.go, html/template escape):
//  - a field of a struct that is absent from the config is a nil pointer for struct-typed fields
//    (Go: "nil pointer evaluating ..."), which is an error here too; absent string fields print "";
//    absent bool/int leaves are an error (Go would print a nil pointer) rather than a guess;
//  - lists print as `[a b]` and maps as `map[k:v]` with sorted keys, as fmt does;
//  - a pipeline's previous value is the last argument of the next command;
//  - the printed value of each action is HTML-escaped (html/template's htmlEscaper); literal text
//    between actions is copied unchanged.

#include <talhelper/gotemplate.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>

namespace talgpu::talhelper {

bool is_go_template(std::string_view text) {
  return text.find("{{") != std::string_view::npos || text.find("}}") != std::string_view::npos;
}

namespace {

using yaml::Node;

// --- the data model: Go field names of talos v1alpha1 types (pkg/machinery/config/types/v1alpha1/
// v1alpha1_types.go) to their YAML keys -------------------------------------------------------

enum class Kind { string, boolean, integer, list, map, strukt };

struct Field {
  const char* go;
  const char* yaml;
  Kind kind;
  const char* type;  // struct type name for Kind::strukt
};

const std::map<std::string, std::vector<Field>>& go_types() {
  static const std::map<std::string, std::vector<Field>> k_types = {
      {"Config",
       {{"ConfigVersion", "version", Kind::string, ""},
        {"ConfigDebug", "debug", Kind::boolean, ""},
        {"ConfigPersist", "persist", Kind::boolean, ""},
        {"MachineConfig", "machine", Kind::strukt, "MachineConfig"},
        {"ClusterConfig", "cluster", Kind::strukt, "ClusterConfig"}}},
      {"MachineConfig",
       {{"MachineType", "type", Kind::string, ""},
        {"MachineCertSANs", "certSANs", Kind::list, ""},
        {"MachineKubelet", "kubelet", Kind::strukt, "KubeletConfig"},
        {"MachineNetwork", "network", Kind::strukt, "NetworkConfig"},
        {"MachineInstall", "install", Kind::strukt, "InstallConfig"},
        {"MachineSysctls", "sysctls", Kind::map, ""},
        {"MachineNodeLabels", "nodeLabels", Kind::map, ""},
        {"MachineNodeAnnotations", "nodeAnnotations", Kind::map, ""},
        {"MachineNodeTaints", "nodeTaints", Kind::map, ""}}},
      {"KubeletConfig", {{"KubeletImage", "image", Kind::string, ""}}},
      {"NetworkConfig",
       {{"NetworkHostname", "hostname", Kind::string, ""},
        {"NameServers", "nameservers", Kind::list, ""},
        {"NetworkDisableSearchDomain", "disableSearchDomain", Kind::boolean, ""}}},
      {"InstallConfig",
       {{"InstallDisk", "disk", Kind::string, ""},
        {"InstallImage", "image", Kind::string, ""},
        {"InstallExtraKernelArgs", "extraKernelArgs", Kind::list, ""},
        {"InstallWipe", "wipe", Kind::boolean, ""},
        {"InstallLegacyBIOSSupport", "legacyBIOSSupport", Kind::boolean, ""}}},
      {"ClusterConfig",
       {{"ClusterName", "clusterName", Kind::string, ""},
        {"ControlPlane", "controlPlane", Kind::strukt, "ControlPlaneConfig"},
        {"ClusterNetwork", "network", Kind::strukt, "ClusterNetworkConfig"}}},
      // Endpoint is *v1alpha1.Endpoint wrapping *url.URL; fmt prints it through URL.String().
      {"ControlPlaneConfig",
       {{"Endpoint", "endpoint", Kind::string, ""}, {"LocalAPIServerPort", "localAPIServerPort", Kind::integer, ""}}},
      {"ClusterNetworkConfig",
       {{"DNSDomain", "dnsDomain", Kind::string, ""},
        {"PodSubnet", "podSubnets", Kind::list, ""},
        {"ServiceSubnet", "serviceSubnets", Kind::list, ""}}},
  };
  return k_types;
}

// Go fields that hold key material or tokens: named so the error says why.
bool is_secret_field(std::string_view name) {
  static const char* const k_secret[] = {"MachineToken", "MachineCA", "MachineAcceptedCAs", "ClusterSecret",
                                         "BootstrapToken", "ClusterCA", "ClusterAggregatorCA", "ClusterServiceAccount",
                                         "ClusterSecretboxEncryptionSecret", "ClusterAESCBCEncryptionSecret",
                                         "EtcdConfig", "ClusterID"};
  return std::any_of(std::begin(k_secret), std::end(k_secret), [&](const char* s) { return name == s; });
}

struct Value {
  Kind kind = Kind::string;
  std::string text;                                        // string, boolean ("true"), integer
  std::vector<std::string> list;                           // list
  std::vector<std::pair<std::string, std::string>> map;    // map, sorted by key
  const Node* node = nullptr;                              // strukt
  std::string type;                                        // strukt type
};

Value str(std::string s) {
  Value v;
  v.text = std::move(s);
  return v;
}

Value boolean(bool b) {
  Value v;
  v.kind = Kind::boolean;
  v.text = b ? "true" : "false";
  return v;
}

std::string print(const Value& v) {
  switch (v.kind) {
    case Kind::list: {
      std::string out = "[";
      for (size_t i = 0; i < v.list.size(); ++i) {
        out += (i ? " " : "") + v.list[i];
      }
      return out + "]";
    }
    case Kind::map: {
      std::string out = "map[";
      for (size_t i = 0; i < v.map.size(); ++i) {
        out += (i ? " " : "") + v.map[i].first + ":" + v.map[i].second;
      }
      return out + "]";
    }
    case Kind::strukt:
      return "{...}";  // never printed: refused in eval
    default:
      return v.text;
  }
}

// html/template's htmlEscaper for text content (html/template/html.go htmlReplacementTable).
std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\0': out += "\xEF\xBF\xBD"; break;
      case '"': out += "&#34;"; break;
      case '&': out += "&amp;"; break;
      case '\'': out += "&#39;"; break;
      case '+': out += "&#43;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

// --- lexer and evaluator for one action ------------------------------------------------------

struct Token {
  enum Type { field, ident, string, number, pipe, end } type;
  std::string text;
  size_t pos;  // offset in the whole template
};

using FieldFlat = std::vector<std::pair<std::string, std::string>>;

class Action {
 public:
  // Either `config` (a v1alpha1 document, html escaping) or `flat` (text/template, no escaping).
  Action(std::string_view body, size_t base, const Node* config, const FieldFlat* flat)
      : m_body(body), m_base(base), m_config(config), m_flat(flat) {}

  Result<std::string> run() {
    TRY_ASSIGN(auto tokens, lex());
    m_tokens = std::move(tokens);
    if (m_tokens.size() == 1) {
      return fail("empty action", at(m_base));
    }
    std::optional<Value> prev;
    size_t i = 0;
    while (true) {
      size_t start = i;
      while (m_tokens[i].type != Token::pipe && m_tokens[i].type != Token::end) {
        ++i;
      }
      if (start == i) {
        return fail("missing command in pipeline", at(m_tokens[i].pos));
      }
      TRY_ASSIGN(Value v, command(start, i, prev));
      prev = std::move(v);
      if (m_tokens[i].type == Token::end) {
        break;
      }
      ++i;
    }
    if (prev->kind == Kind::strukt) {
      return fail("cannot print a whole struct; name one of its fields", at(m_tokens[0].pos));
    }
    return m_flat != nullptr ? print(*prev) : html_escape(print(*prev));
  }

 private:
  static SourceLocation at(size_t pos) { return SourceLocation{"", 1, static_cast<int>(pos) + 1}; }

  Result<std::vector<Token>> lex() {
    std::vector<Token> out;
    size_t i = 0;
    while (i < m_body.size()) {
      char c = m_body[i];
      size_t pos = m_base + i;
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '|') {
        out.push_back({Token::pipe, "|", pos});
        ++i;
      } else if (c == '.') {
        size_t j = i;
        while (j < m_body.size() && (m_body[j] == '.' || std::isalnum(static_cast<unsigned char>(m_body[j])) ||
                                     m_body[j] == '_')) {
          ++j;
        }
        out.push_back({Token::field, std::string(m_body.substr(i, j - i)), pos});
        i = j;
      } else if (c == '"' || c == '`') {
        std::string s;
        size_t j = i + 1;
        for (; j < m_body.size() && m_body[j] != c; ++j) {
          if (c == '"' && m_body[j] == '\\' && j + 1 < m_body.size()) {
            char e = m_body[++j];
            s += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          } else {
            s += m_body[j];
          }
        }
        if (j >= m_body.size()) {
          return fail("unterminated string", at(pos));
        }
        out.push_back({Token::string, s, pos});
        i = j + 1;
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
        size_t j = i + 1;
        while (j < m_body.size() && std::isdigit(static_cast<unsigned char>(m_body[j]))) {
          ++j;
        }
        out.push_back({Token::number, std::string(m_body.substr(i, j - i)), pos});
        i = j;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t j = i;
        while (j < m_body.size() && (std::isalnum(static_cast<unsigned char>(m_body[j])) || m_body[j] == '_')) {
          ++j;
        }
        out.push_back({Token::ident, std::string(m_body.substr(i, j - i)), pos});
        i = j;
      } else {
        return fail(fmt::format("'{}' is not supported in templates by talgpu", c), at(pos));
      }
    }
    out.push_back({Token::end, "", m_base + m_body.size()});
    return out;
  }

  Result<Value> operand(const Token& t) {
    switch (t.type) {
      case Token::string:
        return str(t.text);
      case Token::number: {
        Value v = str(t.text);
        v.kind = Kind::integer;
        return v;
      }
      case Token::ident:
        if (t.text == "true" || t.text == "false") {
          return boolean(t.text == "true");
        }
        return fail(fmt::format("function '{}' needs to be the first word of a command", t.text), at(t.pos));
      case Token::field:
        return field(t);
      default:
        return fail("unexpected '" + t.text + "'", at(t.pos));
    }
  }

  Result<Value> flat_field(const Token& t) {
    std::string name = t.text.substr(1);
    if (name.empty() || name.find('.') != std::string::npos) {
      return fail("only a single field such as .Hostname is supported here", at(t.pos));
    }
    std::string known;
    for (const auto& [k, v] : *m_flat) {
      if (k == name) {
        return str(v);
      }
      known += (known.empty() ? "" : ", ") + k;
    }
    return fail(fmt::format("can't evaluate field {} (available: {})", name, known), at(t.pos));
  }

  Result<Value> field(const Token& t) {
    if (m_flat != nullptr) {
      return flat_field(t);
    }
    Value cur;
    cur.kind = Kind::strukt;
    cur.node = m_config;
    cur.type = "Config";
    if (t.text == ".") {
      return cur;
    }
    std::string path = "Config";
    size_t start = 1;
    while (start <= t.text.size()) {
      size_t dot = t.text.find('.', start);
      std::string name = t.text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (name.empty()) {
        return fail("malformed field chain '" + t.text + "'", at(t.pos));
      }
      if (cur.kind != Kind::strukt) {
        return fail(fmt::format("can't evaluate field {} in a {} value", name, path), at(t.pos));
      }
      if (is_secret_field(name)) {
        return fail(fmt::format("field {} holds secrets or certificates; talgpu does not put them in labels or "
                                "annotations",
                                name),
                    at(t.pos));
      }
      const auto& fields = go_types().at(cur.type);
      auto f = std::find_if(fields.begin(), fields.end(), [&](const Field& x) { return name == x.go; });
      if (f == fields.end()) {
        std::string known;
        for (const auto& x : fields) {
          known += (known.empty() ? "" : ", ") + std::string(x.go);
        }
        return fail(fmt::format("field {} of {} is not supported by talgpu's template evaluator (supported: {})", name,
                                cur.type, known),
                    at(t.pos));
      }
      const Node* child = cur.node != nullptr && cur.node->is_mapping() ? cur.node->find(f->yaml) : nullptr;
      std::string where = path + "." + name;
      Value next;
      next.kind = f->kind;
      switch (f->kind) {
        case Kind::strukt:
          if (child == nullptr || !child->is_mapping()) {
            return fail(fmt::format("nil pointer evaluating {} ('{}' is not set in the generated config)", where,
                                    f->yaml),
                        at(t.pos));
          }
          next.node = child;
          next.type = f->type;
          break;
        case Kind::string:
          next.text = child != nullptr && child->is_scalar() ? child->value() : std::string();
          break;
        case Kind::boolean:
        case Kind::integer:
          if (child == nullptr || !child->is_scalar()) {
            return fail(fmt::format("{} ('{}') is not set in the generated config", where, f->yaml), at(t.pos));
          }
          next.text = child->value();
          break;
        case Kind::list:
          if (child != nullptr && child->is_sequence()) {
            for (const auto& item : child->items()) {
              next.list.push_back(item.is_scalar() ? item.value() : std::string("?"));
            }
          }
          break;
        case Kind::map:
          if (child != nullptr && child->is_mapping()) {
            for (const auto& e : child->entries()) {
              next.map.emplace_back(e.key.value(), e.value.is_scalar() ? e.value.value() : std::string("?"));
            }
            std::sort(next.map.begin(), next.map.end());
          }
          break;
      }
      cur = std::move(next);
      path = where;
      if (dot == std::string::npos) {
        break;
      }
      start = dot + 1;
    }
    return cur;
  }

  static Result<std::string> as_string(const Value& v, const std::string& fn, size_t pos) {
    if (v.kind != Kind::string) {
      return fail(fmt::format("{} expects text arguments", fn), at(pos));
    }
    return v.text;
  }

  // sprig functions (Masterminds/sprig v3 functions.go) that are pure string operations.
  Result<Value> call(const Token& fn, std::vector<Value> args) {
    const std::string& n = fn.text;
    auto need = [&](size_t count) -> Result<void> {
      if (args.size() != count) {
        return fail(fmt::format("wrong number of args for {}: want {} got {}", n, count, args.size()), at(fn.pos));
      }
      return {};
    };
    std::vector<std::string> s;
    auto strings = [&]() -> Result<void> {
      for (const auto& a : args) {
        TRY_ASSIGN(std::string t, as_string(a, n, fn.pos));
        s.push_back(std::move(t));
      }
      return {};
    };
    if (n == "upper" || n == "lower" || n == "trim") {
      TRY(need(1));
      TRY(strings());
      std::string r = s[0];
      if (n == "trim") {
        size_t b = r.find_first_not_of(" \t\r\n\v\f");
        size_t e = r.find_last_not_of(" \t\r\n\v\f");
        return str(b == std::string::npos ? std::string() : r.substr(b, e - b + 1));
      }
      for (char& c : r) {
        c = static_cast<char>(n == "upper" ? std::toupper(static_cast<unsigned char>(c))
                                           : std::tolower(static_cast<unsigned char>(c)));
      }
      return str(r);
    }
    if (n == "contains" || n == "hasPrefix" || n == "hasSuffix" || n == "trimPrefix" || n == "trimSuffix") {
      TRY(need(2));
      TRY(strings());
      const std::string& a = s[0];  // substring / prefix / suffix
      const std::string& b = s[1];  // the text
      bool prefix = b.compare(0, a.size(), a) == 0;
      bool suffix = b.size() >= a.size() && b.compare(b.size() - a.size(), a.size(), a) == 0;
      if (n == "contains") {
        return boolean(b.find(a) != std::string::npos);
      }
      if (n == "hasPrefix") {
        return boolean(prefix);
      }
      if (n == "hasSuffix") {
        return boolean(suffix);
      }
      if (n == "trimPrefix") {
        return str(prefix ? b.substr(a.size()) : b);
      }
      return str(suffix ? b.substr(0, b.size() - a.size()) : b);
    }
    if (n == "replace") {
      TRY(need(3));
      TRY(strings());
      std::string out;
      const std::string& from = s[0];
      const std::string& src = s[2];
      if (from.empty()) {
        return str(src);
      }
      size_t i = 0;
      for (size_t j; (j = src.find(from, i)) != std::string::npos; i = j + from.size()) {
        out += src.substr(i, j - i) + s[1];
      }
      return str(out + src.substr(i));
    }
    if (n == "default") {
      TRY(need(2));
      const Value& given = args[1];
      bool empty = given.kind == Kind::list   ? given.list.empty()
                   : given.kind == Kind::map  ? given.map.empty()
                   : given.kind == Kind::boolean ? given.text == "false"
                   : given.kind == Kind::integer ? given.text == "0"
                                                 : given.text.empty();
      return empty ? args[0] : given;
    }
    return fail(fmt::format("function '{}' is not supported by talgpu's template evaluator (supported: upper, lower, "
                            "trim, contains, hasPrefix, hasSuffix, trimPrefix, trimSuffix, replace, default)",
                            n),
                at(fn.pos));
  }

  Result<Value> command(size_t begin, size_t end, const std::optional<Value>& prev) {
    const Token& head = m_tokens[begin];
    if (head.type == Token::ident && head.text != "true" && head.text != "false") {
      static const char* const k_functions[] = {"upper",      "lower",      "trim",    "contains",
                                                "hasPrefix",  "hasSuffix",  "trimPrefix", "trimSuffix",
                                                "replace",    "default"};
      if (std::none_of(std::begin(k_functions), std::end(k_functions), [&](const char* f) { return head.text == f; })) {
        return call(head, {});  // reports the unsupported function before its arguments
      }
      std::vector<Value> args;
      for (size_t k = begin + 1; k < end; ++k) {
        TRY_ASSIGN(Value v, operand(m_tokens[k]));
        args.push_back(std::move(v));
      }
      if (prev) {
        args.push_back(*prev);
      }
      return call(head, std::move(args));
    }
    if (end - begin != 1 || prev) {
      return fail("only a function can take arguments or a piped value", at(m_tokens[begin + (prev ? 0 : 1)].pos));
    }
    return operand(head);
  }

  std::string_view m_body;
  size_t m_base;
  const Node* m_config;
  const FieldFlat* m_flat;
  std::vector<Token> m_tokens;
};

Result<std::string> render(std::string_view text, const Node* config, const FieldFlat* flat) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("{{", i);
    size_t stray = text.find("}}", i);
    if (stray != std::string_view::npos && (open == std::string_view::npos || stray < open)) {
      return fail("unexpected '}}' outside an action", SourceLocation{"", 1, static_cast<int>(stray) + 1});
    }
    if (open == std::string_view::npos) {
      out += text.substr(i);
      break;
    }
    std::string_view literal = text.substr(i, open - i);
    size_t body = open + 2;
    if (body + 1 < text.size() && text[body] == '-' && text[body + 1] == ' ') {  // "{{- " trims left
      while (!literal.empty() && std::isspace(static_cast<unsigned char>(literal.back()))) {
        literal.remove_suffix(1);
      }
      body += 1;
    }
    out += literal;
    size_t close = text.find("}}", body);
    if (close == std::string_view::npos) {
      return fail("unclosed action", SourceLocation{"", 1, static_cast<int>(open) + 1});
    }
    size_t body_end = close;
    bool trim_right = close >= 2 && text[close - 1] == '-' && text[close - 2] == ' ';  // " -}}"
    if (trim_right) {
      body_end -= 1;
    }
    std::string_view inner = text.substr(body, body_end - body);
    if (inner.find("/*") != std::string_view::npos) {
      return fail("template comments are not supported", SourceLocation{"", 1, static_cast<int>(open) + 1});
    }
    Action action(inner, body, config, flat);
    TRY_ASSIGN(std::string value, action.run());
    out += value;
    i = close + 2;
    if (trim_right) {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) {
        ++i;
      }
    }
  }
  return out;
}

}  // namespace

Result<std::string> render_go_template(std::string_view text, const Node& config) {
  return render(text, &config, nullptr);
}

Result<std::string> render_text_template(std::string_view text, const FieldFlat& fields) {
  return render(text, nullptr, &fields);
}

}  // namespace talgpu::talhelper
