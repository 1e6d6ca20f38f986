// A small JSON-schema validator, enough for the Talos machine config schemas
// (website/content/<v>/schemas/config.schema.json in siderolabs/talos): draft 2020-12 documents
// that use type, properties, additionalProperties, patternProperties, items, enum, required,
// pattern, $ref into $defs and a top-level oneOf over the document kinds.
//
// Scalars are judged the way Go's YAML decoder would take them into Talos's structs: a string
// field accepts any scalar (go-yaml decodes `1` into a string), booleans and integers must
// resolve to their type, and null is always accepted (a nil pointer or empty value).

#include <talos/machineconfig.hpp>

#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/fs.hpp>
#include <core/strings.hpp>
#include <yaml/reader.hpp>

namespace talgpu::talos {

using json = nlohmann::json;
using yaml::Node;

// Fields Talos still writes and accepts but leaves out of its published schemas (marked
// deprecated in v1alpha1_types.go): `persist` is in every generated config.
bool is_hidden_field(const std::string& path) {
  return path == "persist";
}

struct SchemaValidator::Impl {
  json schema;

  const json* resolve(const json& s) const {
    const json* cur = &s;
    for (int depth = 0; depth < 32 && cur->is_object() && cur->contains("$ref"); ++depth) {
      std::string ref = (*cur)["$ref"].get<std::string>();
      const std::string prefix = "#/$defs/";
      if (ref.rfind(prefix, 0) != 0) {
        return nullptr;
      }
      auto defs = schema.find("$defs");
      if (defs == schema.end()) {
        return nullptr;
      }
      auto it = defs->find(ref.substr(prefix.size()));
      if (it == defs->end()) {
        return nullptr;
      }
      cur = &*it;
    }
    return cur;
  }

  static bool type_matches(const Node& n, const std::string& type) {
    if (n.is_scalar() && n.is_null()) {
      return true;
    }
    if (type == "object") {
      return n.is_mapping();
    }
    if (type == "array") {
      return n.is_sequence();
    }
    if (!n.is_scalar()) {
      return false;
    }
    switch (n.scalar_type()) {
      case yaml::ScalarType::boolean:
        return type == "boolean" || type == "string";
      case yaml::ScalarType::integer:
        return type == "integer" || type == "number" || type == "string";
      case yaml::ScalarType::floating:
        return type == "number" || type == "string";
      default:
        return type == "string";
    }
  }

  static std::string type_word(const std::string& t) {
    if (t == "object") return "a mapping";
    if (t == "array") return "a list";
    if (t == "integer") return "an integer";
    if (t == "number") return "a number";
    if (t == "boolean") return "true or false";
    return "a " + t;
  }

  static std::string where(const std::string& path) { return path.empty() ? "the document" : "'" + path + "'"; }

  static bool enum_matches(const Node& n, const json& values) {
    for (const auto& v : values) {
      if (v.is_string() && n.is_scalar() && n.value() == v.get<std::string>()) {
        return true;
      }
      if (v.is_boolean() && n.is_scalar() && n.scalar_type() == yaml::ScalarType::boolean &&
          (to_lower(n.value()) == "true") == v.get<bool>()) {
        return true;
      }
      if (v.is_number_integer() && n.is_scalar() && n.value() == std::to_string(v.get<int64_t>())) {
        return true;
      }
    }
    return false;
  }

  void check(const Node& n, const json& s_in, const std::string& path, Diagnostics& diags) const {
    const json* sp = resolve(s_in);
    if (sp == nullptr || !sp->is_object()) {
      return;
    }
    const json& s = *sp;
    if (auto t = s.find("type"); t != s.end()) {
      std::vector<std::string> types;
      if (t->is_string()) {
        types.push_back(t->get<std::string>());
      } else if (t->is_array()) {
        for (const auto& x : *t) {
          types.push_back(x.get<std::string>());
        }
      }
      bool ok = types.empty();
      for (const auto& ty : types) {
        ok = ok || type_matches(n, ty);
      }
      if (!ok) {
        diags.error("machineconfig-schema",
                    fmt::format("{} must be {}, not {}", where(path), type_word(types.front()), yaml::describe_kind(n)),
                    n.location());
        return;
      }
    }
    if (n.is_scalar() && n.is_null()) {
      return;
    }
    if (auto e = s.find("enum"); e != s.end() && n.is_scalar() && !enum_matches(n, *e)) {
      std::vector<std::string> allowed;
      for (const auto& v : *e) {
        allowed.push_back(v.is_string() ? v.get<std::string>() : v.dump());
      }
      std::string list;
      for (const auto& a : allowed) {
        list += (list.empty() ? "" : ", ") + a;
      }
      diags.error("machineconfig-schema",
                  fmt::format("{} is '{}', expected one of: {}{}", where(path), n.value(), list,
                              did_you_mean(n.value(), allowed)),
                  n.location());
    }
    if (auto p = s.find("pattern"); p != s.end() && n.is_scalar()) {
      try {
        std::regex re(p->get<std::string>(), std::regex::ECMAScript);
        if (!std::regex_search(n.value(), re)) {
          diags.error("machineconfig-schema",
                      fmt::format("{} ('{}') does not match the pattern {}", where(path), n.value(), p->get<std::string>()),
                      n.location());
        }
      } catch (const std::regex_error&) {
        // A pattern outside ECMAScript's dialect: not checked.
      }
    }
    if (n.is_mapping()) {
      check_object(n, s, path, diags);
    }
    if (n.is_sequence()) {
      if (auto items = s.find("items"); items != s.end()) {
        for (size_t i = 0; i < n.items().size(); ++i) {
          check(n.items()[i], *items, yaml::path_index(path, i), diags);
        }
      }
    }
    for (const char* key : {"oneOf", "anyOf"}) {
      if (auto alts = s.find(key); alts != s.end() && alts->is_array()) {
        check_alternatives(n, *alts, path, diags, std::string(key) == "oneOf");
      }
    }
    if (auto all = s.find("allOf"); all != s.end() && all->is_array()) {
      for (const auto& sub : *all) {
        check(n, sub, path, diags);
      }
    }
  }

  void check_object(const Node& n, const json& s, const std::string& path, Diagnostics& diags) const {
    const json* props = s.contains("properties") ? &s["properties"] : nullptr;
    const json* patterns = s.contains("patternProperties") ? &s["patternProperties"] : nullptr;
    bool closed = s.contains("additionalProperties") && s["additionalProperties"].is_boolean() &&
                  !s["additionalProperties"].get<bool>();
    const json* additional =
        s.contains("additionalProperties") && s["additionalProperties"].is_object() ? &s["additionalProperties"] : nullptr;
    for (const auto& e : n.entries()) {
      const std::string& key = e.key.value();
      std::string child = yaml::path_join(path, key);
      if (props != nullptr && props->contains(key)) {
        check(e.value, (*props)[key], child, diags);
        continue;
      }
      bool matched = false;
      if (patterns != nullptr) {
        for (const auto& [pat, sub] : patterns->items()) {
          bool hit = pat == ".*";
          if (!hit) {
            try {
              hit = std::regex_search(key, std::regex(pat));
            } catch (const std::regex_error&) {
              hit = true;
            }
          }
          if (hit) {
            matched = true;
            check(e.value, sub, child, diags);
          }
        }
      }
      if (matched) {
        continue;
      }
      if (additional != nullptr) {
        check(e.value, *additional, child, diags);
      } else if (closed && !is_hidden_field(child)) {
        std::vector<std::string> known;
        if (props != nullptr) {
          for (const auto& [k, v] : props->items()) {
            known.push_back(k);
          }
        }
        diags.error("machineconfig-schema", fmt::format("unknown field '{}'{}", child, did_you_mean(key, known)),
                    e.key.location());
      }
    }
    if (auto req = s.find("required"); req != s.end()) {
      for (const auto& r : *req) {
        if (!n.contains(r.get<std::string>())) {
          diags.error("machineconfig-schema",
                      fmt::format("{} is missing the required field '{}'", where(path), r.get<std::string>()),
                      n.location());
        }
      }
    }
  }

  // Picks the alternative named by the document's discriminator (kind, or version for v1alpha1)
  // so errors come from the schema the user meant; otherwise counts the alternatives that pass.
  void check_alternatives(const Node& n, const json& alts, const std::string& path, Diagnostics& diags,
                          bool exactly_one) const {
    if (n.is_mapping()) {
      for (const char* disc : {"kind", "version"}) {
        const Node* v = n.find(disc);
        if (v == nullptr || !v->is_scalar()) {
          continue;
        }
        if (std::string(disc) == "version" && n.contains("kind")) {
          continue;
        }
        std::vector<std::string> names;
        for (const auto& alt : alts) {
          const json* r = resolve(alt);
          if (r == nullptr || !r->contains("properties") || !(*r)["properties"].contains(disc)) {
            continue;
          }
          const json& d = (*r)["properties"][disc];
          if (d.contains("enum")) {
            for (const auto& x : d["enum"]) {
              names.push_back(x.get<std::string>());
            }
            if (enum_matches(*v, d["enum"])) {
              check(n, alt, path, diags);
              return;
            }
          }
        }
        if (!names.empty()) {
          diags.error("machineconfig-schema",
                      fmt::format("unknown document {} '{}'{}", disc, v->value(), did_you_mean(v->value(), names)),
                      v->location());
          return;
        }
      }
    }
    size_t passing = 0;
    for (const auto& alt : alts) {
      Diagnostics trial;
      check(n, alt, path, trial);
      if (!trial.has_errors()) {
        ++passing;
      }
    }
    if (passing == 0 || (exactly_one && passing > 1)) {
      diags.error("machineconfig-schema",
                  fmt::format("{} matches {} of the allowed shapes", where(path), passing == 0 ? "none" : "more than one"),
                  n.location());
    }
  }
};

SchemaValidator::SchemaValidator(const json& schema) : m_impl(new Impl{schema}) {}
SchemaValidator::~SchemaValidator() { delete m_impl; }

void SchemaValidator::validate(const Node& doc, Diagnostics& diags) const {
  m_impl->check(doc, m_impl->schema, "", diags);
}

Result<json> load_schema(const std::string& path) {
  TRY_ASSIGN(auto text, read_file(path));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return fail("cannot parse JSON schema " + path);
  }
  return j;
}

}  // namespace talgpu::talos
