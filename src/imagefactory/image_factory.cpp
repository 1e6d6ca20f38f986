#include <imagefactory/image_factory.hpp>

#include <algorithm>
#include <cctype>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include <core/strings.hpp>

namespace talgpu::imagefactory {

namespace {

// ---------------------------------------------------------------------------------------------
// A Go text/template subset. Lexing splits text from `{{ }}` actions (honouring `{{-` / `-}}`);
// parsing builds a tree of text, expressions and if/else chains; evaluation follows Go's truth
// rules (empty string and false are false).

struct Expr {
  enum class Kind { field, literal, call } kind = Kind::literal;
  std::string name;  // field name or function name
  TemplateValue literal;
  std::vector<Expr> args;
};

struct Item;
using Items = std::vector<Item>;

struct Branch {
  Expr cond;
  Items body;
};

struct Item {
  enum class Kind { text, expr, cond } kind = Kind::text;
  std::string text;
  Expr expr;
  std::vector<Branch> branches;
  Items else_body;
};

struct Action {
  std::vector<std::string> words;
  size_t pos = 0;  // byte offset of "{{" in the template
};

struct Token {
  bool is_action = false;
  std::string text;
  Action action;
};

class TemplateParser {
 public:
  TemplateParser(std::string_view tmpl, std::string_view what) : m_tmpl(tmpl), m_what(what) {}

  Result<Items> parse() {
    TRY(lex());
    size_t i = 0;
    std::string terminator;
    TRY_ASSIGN(Items items, parse_list(i, terminator));
    if (!terminator.empty()) {
      return error(fmt::format("unexpected {{{{{}}}}}", terminator));
    }
    return items;
  }

 private:
  tl::unexpected<Error> error(std::string msg) const {
    return fail(fmt::format("{}: {}", m_what, msg), {}, "imagefactory-template");
  }

  Result<void> lex() {
    size_t i = 0;
    bool trim_next = false;
    while (i < m_tmpl.size()) {
      size_t open = m_tmpl.find("{{", i);
      std::string text(m_tmpl.substr(i, open == std::string_view::npos ? std::string_view::npos : open - i));
      if (trim_next) {
        size_t k = 0;
        while (k < text.size() && std::isspace(static_cast<unsigned char>(text[k]))) {
          ++k;
        }
        text.erase(0, k);
        trim_next = false;
      }
      if (open == std::string_view::npos) {
        push_text(std::move(text));
        break;
      }
      size_t close = m_tmpl.find("}}", open + 2);
      if (close == std::string_view::npos) {
        return error(fmt::format("unclosed action at offset {}", open));
      }
      std::string_view body = m_tmpl.substr(open + 2, close - open - 2);
      if (!body.empty() && body.front() == '-' && (body.size() == 1 || std::isspace(static_cast<unsigned char>(body[1])))) {
        body.remove_prefix(1);
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
          text.pop_back();
        }
      }
      if (!body.empty() && body.back() == '-' && (body.size() == 1 || std::isspace(static_cast<unsigned char>(body[body.size() - 2])))) {
        body.remove_suffix(1);
        trim_next = true;
      }
      push_text(std::move(text));
      TRY_ASSIGN(auto words, split_words(body, open));
      Token t;
      t.is_action = true;
      t.action = Action{std::move(words), open};
      m_tokens.push_back(std::move(t));
      i = close + 2;
    }
    return {};
  }

  void push_text(std::string text) {
    if (!text.empty()) {
      Token t;
      t.text = std::move(text);
      m_tokens.push_back(std::move(t));
    }
  }

  Result<std::vector<std::string>> split_words(std::string_view body, size_t pos) const {
    std::vector<std::string> words;
    size_t i = 0;
    while (i < body.size()) {
      char c = body[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      if (c == '"' || c == '`') {
        size_t end = i + 1;
        while (end < body.size() && body[end] != c) {
          end += (c == '"' && body[end] == '\\') ? 2 : 1;
        }
        if (end >= body.size()) {
          return error(fmt::format("unterminated string at offset {}", pos));
        }
        words.emplace_back(body.substr(i, end - i + 1));
        i = end + 1;
        continue;
      }
      size_t end = i;
      while (end < body.size() && !std::isspace(static_cast<unsigned char>(body[end]))) {
        ++end;
      }
      words.emplace_back(body.substr(i, end - i));
      i = end;
    }
    if (words.empty()) {
      return error(fmt::format("empty action at offset {}", pos));
    }
    return words;
  }

  Result<Expr> operand(const std::string& w, size_t pos) const {
    Expr e;
    if (w.size() > 1 && w[0] == '.' && std::all_of(w.begin() + 1, w.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        })) {
      e.kind = Expr::Kind::field;
      e.name = w.substr(1);
      return e;
    }
    if (w.size() >= 2 && (w[0] == '"' || w[0] == '`')) {
      std::string s;
      for (size_t i = 1; i + 1 < w.size(); ++i) {
        if (w[0] == '"' && w[i] == '\\' && i + 2 < w.size()) {
          ++i;
          char c = w[i];
          s += c == 'n' ? '\n' : c == 't' ? '\t' : c;
        } else {
          s += w[i];
        }
      }
      e.literal = s;
      return e;
    }
    if (w == "true" || w == "false") {
      e.literal = (w == "true");
      return e;
    }
    return error(fmt::format("unsupported template syntax {} at offset {} (supported: .Field, if/else/end, and, "
                             "or, not, eq, ne, string literals)",
                             talgpu::quoted(w), pos));
  }

  Result<Expr> expression(const std::vector<std::string>& words, size_t first, size_t pos) const {
    if (first >= words.size()) {
      return error(fmt::format("missing value in action at offset {}", pos));
    }
    static const std::vector<std::string> k_funcs = {"and", "or", "not", "eq", "ne"};
    const std::string& head = words[first];
    if (std::find(k_funcs.begin(), k_funcs.end(), head) != k_funcs.end()) {
      Expr call;
      call.kind = Expr::Kind::call;
      call.name = head;
      for (size_t i = first + 1; i < words.size(); ++i) {
        TRY_ASSIGN(Expr arg, operand(words[i], pos));
        call.args.push_back(std::move(arg));
      }
      size_t n = call.args.size();
      if ((head == "not" && n != 1) || ((head == "eq" || head == "ne") && n != 2) || n == 0) {
        return error(fmt::format("wrong number of arguments for {} at offset {}", head, pos));
      }
      return call;
    }
    if (words.size() - first != 1) {
      // `trim .A`: an unknown function; `.A | x` or `.A .B`: an unsupported pipeline.
      bool head_is_value = head[0] == '.' || head[0] == '"' || head[0] == '`';
      const std::string& bad = head_is_value ? words[first + 1] : head;
      return error(fmt::format("unsupported template syntax {} at offset {} (supported: .Field, if/else/end, and, "
                               "or, not, eq, ne, string literals)",
                               talgpu::quoted(bad), pos));
    }
    return operand(head, pos);
  }

  // Parses items until {{end}}, {{else}} or {{else if}}; `terminator` receives which one.
  Result<Items> parse_list(size_t& i, std::string& terminator) {
    Items items;
    terminator.clear();
    while (i < m_tokens.size()) {
      const Token& t = m_tokens[i++];
      if (!t.is_action) {
        Item it;
        it.text = t.text;
        items.push_back(std::move(it));
        continue;
      }
      const auto& w = t.action.words;
      if (w[0] == "end") {
        terminator = "end";
        return items;
      }
      if (w[0] == "else") {
        terminator = w.size() > 1 && w[1] == "if" ? "else if" : "else";
        m_pending = t.action;
        return items;
      }
      if (w[0] == "if") {
        Item it;
        it.kind = Item::Kind::cond;
        TRY_ASSIGN(Expr cond, expression(w, 1, t.action.pos));
        for (;;) {
          std::string term;
          TRY_ASSIGN(Items body, parse_list(i, term));
          it.branches.push_back(Branch{std::move(cond), std::move(body)});
          if (term == "end") {
            break;
          }
          if (term == "else if") {
            TRY_ASSIGN(cond, expression(m_pending.words, 2, m_pending.pos));
            continue;
          }
          if (term == "else") {
            if (m_pending.words.size() > 1) {
              return error(fmt::format("unsupported template syntax after else at offset {}", m_pending.pos));
            }
            TRY_ASSIGN(it.else_body, parse_list(i, term));
            if (term != "end") {
              return error(fmt::format("expected {{{{end}}}} after {{{{else}}}} at offset {}", m_pending.pos));
            }
            break;
          }
          return error(fmt::format("unclosed {{{{if}}}} at offset {}", t.action.pos));
        }
        items.push_back(std::move(it));
        continue;
      }
      static const std::vector<std::string> k_unsupported = {"range", "with", "define", "template", "block", "break",
                                                             "continue"};
      if (std::find(k_unsupported.begin(), k_unsupported.end(), w[0]) != k_unsupported.end()) {
        return error(fmt::format("unsupported template syntax {{{{{}}}}} at offset {}", w[0], t.action.pos));
      }
      Item it;
      it.kind = Item::Kind::expr;
      TRY_ASSIGN(it.expr, expression(w, 0, t.action.pos));
      items.push_back(std::move(it));
    }
    return items;
  }

  std::string_view m_tmpl;
  std::string_view m_what;
  std::vector<Token> m_tokens;
  Action m_pending;
};

bool truthy(const TemplateValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) {
    return *b;
  }
  return !std::get<std::string>(v).empty();
}

Result<TemplateValue> eval(const Expr& e, const TemplateData& data, std::string_view what) {
  switch (e.kind) {
    case Expr::Kind::literal:
      return e.literal;
    case Expr::Kind::field: {
      auto it = data.find(e.name);
      if (it == data.end()) {
        std::vector<std::string> names;
        for (const auto& [k, v] : data) {
          names.push_back(k);
        }
        return fail(fmt::format("{}: can't evaluate field {}{}", what, e.name, did_you_mean(e.name, names)), {},
                    "imagefactory-template");
      }
      return it->second;
    }
    case Expr::Kind::call:
      break;
  }
  std::vector<TemplateValue> args;
  for (const auto& a : e.args) {
    TRY_ASSIGN(auto v, eval(a, data, what));
    args.push_back(std::move(v));
  }
  if (e.name == "not") {
    return TemplateValue(!truthy(args[0]));
  }
  if (e.name == "and" || e.name == "or") {
    bool want = e.name == "or";
    for (const auto& a : args) {
      if (truthy(a) == want) {
        return a;
      }
    }
    return args.back();
  }
  if (args[0].index() != args[1].index()) {
    return fail(fmt::format("{}: incompatible types for comparison in {}", what, e.name), {},
                "imagefactory-template");
  }
  bool equal = args[0] == args[1];
  return TemplateValue(e.name == "eq" ? equal : !equal);
}

Result<void> render(const Items& items, const TemplateData& data, std::string_view what, std::string& out) {
  for (const auto& it : items) {
    switch (it.kind) {
      case Item::Kind::text:
        out += it.text;
        break;
      case Item::Kind::expr: {
        TRY_ASSIGN(auto v, eval(it.expr, data, what));
        if (const bool* b = std::get_if<bool>(&v)) {
          out += *b ? "true" : "false";
        } else {
          out += std::get<std::string>(v);
        }
        break;
      }
      case Item::Kind::cond: {
        bool done = false;
        for (const auto& br : it.branches) {
          TRY_ASSIGN(auto v, eval(br.cond, data, what));
          if (truthy(v)) {
            TRY(render(br.body, data, what, out));
            done = true;
            break;
          }
        }
        if (!done) {
          TRY(render(it.else_body, data, what, out));
        }
        break;
      }
    }
  }
  return {};
}

}  // namespace

Result<std::string> render_go_template(std::string_view tmpl, const TemplateData& data, std::string_view what) {
  TemplateParser parser(tmpl, what);
  TRY_ASSIGN(Items items, parser.parse());
  std::string out;
  TRY(render(items, data, what, out));
  return out;
}

std::string talos_tag(std::string_view talos_version) {
  if (!talos_version.empty() && talos_version.front() != 'v') {
    return "v" + std::string(talos_version);
  }
  return std::string(talos_version);
}

std::string factory_base_url(const ImageFactory& f) {
  return f.protocol + "://" + f.registry_url;
}

Result<std::string> installer_url(const ImageFactory& f, const MachineSpec& spec, std::string_view schematic_id,
                                  std::string_view version) {
  TemplateData data{{"RegistryURL", f.registry_url},
                    {"ID", std::string(schematic_id)},
                    {"Version", std::string(version)},
                    {"Mode", spec.mode},
                    {"Secureboot", spec.secureboot}};
  return render_go_template(f.installer_url_tmpl, data, "imageFactory.installerURLTmpl");
}

Result<std::string> image_suffix(const MachineSpec& spec) {
  if (!spec.image_suffix.empty()) {
    return spec.image_suffix.front() == '.' ? spec.image_suffix : "." + spec.image_suffix;
  }
  const std::string& bm = spec.boot_method;
  if (bm.empty()) {
    return std::string(".iso");
  }
  if (bm == "iso") {
    return std::string(spec.secureboot && spec.use_uki ? ".efi" : ".iso");
  }
  if (bm == "disk-image") {
    return std::string(".raw.zst");
  }
  if (bm == "pxe") {
    return std::string();
  }
  return fail(fmt::format("invalid boot method {}: should be one of iso, disk-image, pxe", talgpu::quoted(bm)), {},
              "imagefactory-boot-method");
}

Result<std::string> image_url(const ImageFactory& f, const MachineSpec& spec, std::string_view schematic_id,
                              std::string_view version) {
  TRY_ASSIGN(std::string suffix, image_suffix(spec));
  TemplateData data{{"BootMethod", spec.boot_method},
                    {"Suffix", suffix},
                    {"Protocol", f.protocol},
                    {"RegistryURL", f.registry_url},
                    {"ID", std::string(schematic_id)},
                    {"Version", std::string(version)},
                    {"Mode", spec.mode},
                    {"Arch", spec.arch},
                    {"Secureboot", spec.secureboot},
                    {"UseUKI", spec.use_uki}};
  std::string tmpl = f.iso_url_tmpl;
  if (tmpl.empty() || tmpl == ImageFactory{}.iso_url_tmpl) {
    tmpl = std::string(k_default_image_url_tmpl);
  }
  return render_go_template(tmpl, data, "imageFactory.ISOURLTmpl");
}

}  // namespace talgpu::imagefactory
