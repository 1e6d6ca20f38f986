#include <imagefactory/schematic.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <core/strings.hpp>
#include <yaml/document.hpp>
#include <yaml/emit.hpp>
#include <yaml/json.hpp>
#include <yaml/reader.hpp>

namespace talgpu::imagefactory {

namespace {

using yaml::Node;
using yaml::ScalarType;

// ---------------------------------------------------------------------------------------------
// Decoding the way go-yaml v3 decodes into the factory's struct (decode.go): any scalar fits a
// string field (its text; null gives ""), bools accept the YAML 1.1 spellings when the target is
// a bool, integers must resolve as integers and fit the Go type.

struct Decoder {
  Diagnostics& diags;
  size_t errors_before = diags.count(Severity::error);

  bool ok() const { return diags.count(Severity::error) == errors_before; }

  void type_error(const Node& n, std::string_view path, std::string_view go_type) {
    diags.error("schematic-type",
                fmt::format("{}: cannot unmarshal {} into {}", path, yaml::describe_kind(n), go_type),
                n.location());
  }

  // Checks a mapping's keys against the struct's fields; returns false when `n` is not a mapping
  // (null counts as an empty mapping and returns false without an error).
  bool fields(const Node& n, std::string_view path, std::string_view go_type,
              const std::vector<std::string>& known) {
    if (n.is_null()) {
      return false;
    }
    if (!n.is_mapping()) {
      type_error(n, path, go_type);
      return false;
    }
    for (const auto& e : n.entries()) {
      if (std::find(known.begin(), known.end(), e.key.value()) == known.end()) {
        diags.error("schematic-unknown-field",
                    fmt::format("{}: field {} not found in type {}{}", path, e.key.value(), go_type,
                                did_you_mean(e.key.value(), known)),
                    e.key.location(), "the Image Factory rejects unknown fields (strict decoding)");
      }
    }
    return true;
  }

  std::string string(const Node& n, std::string_view path) {
    if (n.is_null()) {
      return {};
    }
    if (!n.is_scalar()) {
      type_error(n, path, "string");
      return {};
    }
    return n.value();
  }

  std::vector<std::string> strings(const Node& n, std::string_view path, std::vector<SourceLocation>* locs = nullptr) {
    std::vector<std::string> out;
    if (n.is_null()) {
      return out;
    }
    if (!n.is_sequence()) {
      type_error(n, path, "[]string");
      return out;
    }
    for (size_t i = 0; i < n.items().size(); ++i) {
      out.push_back(string(n.items()[i], yaml::path_index(path, i)));
      if (locs != nullptr) {
        locs->push_back(n.items()[i].location());
      }
    }
    return out;
  }

  bool boolean(const Node& n, std::string_view path) {
    if (n.is_null()) {
      return false;
    }
    if (n.is_scalar()) {
      if (n.scalar_type() == ScalarType::boolean) {
        return to_lower(n.value()) == "true";
      }
      // go-yaml v3 keeps YAML 1.1 compatibility when the target is a typed bool.
      static const std::vector<std::string> k_true = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"};
      static const std::vector<std::string> k_false = {"n", "N", "no", "No", "NO", "off", "Off", "OFF"};
      if (std::find(k_true.begin(), k_true.end(), n.value()) != k_true.end()) {
        return true;
      }
      if (std::find(k_false.begin(), k_false.end(), n.value()) != k_false.end()) {
        return false;
      }
    }
    type_error(n, path, "bool");
    return false;
  }

  std::optional<uint64_t> unsigned_int(const Node& n, std::string_view path, std::string_view go_type, uint64_t max);
};

// Parses an integer as go-yaml v3 resolves it (strconv.ParseInt/ParseUint with base 0 after
// dropping '_'): 0x.., 0o.., 0b.., a leading 0 for octal, an optional sign.
std::optional<__int128> parse_go_int(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (c != '_') {
      s += c;
    }
  }
  bool neg = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    ++i;
  }
  int base = 10;
  if (s.size() - i > 1 && s[i] == '0') {
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i + 1])));
    if (p == 'x') {
      base = 16;
      i += 2;
    } else if (p == 'o') {
      base = 8;
      i += 2;
    } else if (p == 'b') {
      base = 2;
      i += 2;
    } else {
      base = 8;
      i += 1;
    }
  }
  if (i >= s.size()) {
    return std::nullopt;
  }
  __int128 v = 0;
  for (; i < s.size(); ++i) {
    int d;
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    if (d >= base) {
      return std::nullopt;
    }
    v = v * base + d;
    if (v > (static_cast<__int128>(1) << 65)) {
      return std::nullopt;
    }
  }
  return neg ? -v : v;
}

std::optional<uint64_t> Decoder::unsigned_int(const Node& n, std::string_view path, std::string_view go_type,
                                              uint64_t max) {
  if (n.is_null()) {
    return 0;
  }
  if (!n.is_scalar() || n.scalar_type() != ScalarType::integer) {
    type_error(n, path, go_type);
    return std::nullopt;
  }
  auto v = parse_go_int(n.value());
  if (!v || *v < 0 || *v > static_cast<__int128>(max)) {
    diags.error("schematic-value", fmt::format("{}: {} does not fit {}", path, n.value(), go_type), n.location());
    return std::nullopt;
  }
  return static_cast<uint64_t>(*v);
}

// Go's strconv.FormatFloat(f, 'g', -1, 64) with go-yaml's spellings of the specials.
std::string go_float(double f) {
  if (std::isnan(f)) {
    return ".nan";
  }
  if (std::isinf(f)) {
    return f > 0 ? ".inf" : "-.inf";
  }
  if (f == 0) {
    return std::signbit(f) ? "-0" : "0";
  }
  // Shortest round-trip digits.
  char buf[64];
  int prec = 1;
  for (; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec - 1, f);
    if (std::strtod(buf, nullptr) == f) {
      break;
    }
  }
  std::string e(buf);  // d.ddddde±XX
  size_t epos = e.find('e');
  std::string mant = e.substr(0, epos);
  int exp = std::atoi(e.c_str() + epos + 1);
  bool neg = mant[0] == '-';
  std::string digits;
  for (char c : mant) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits += c;
    }
  }
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
  }
  std::string out = neg ? "-" : "";
  // %g with shortest precision: exponent form when exp < -4 || exp >= 21.
  if (exp < -4 || exp >= 21) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) {
      out += "." + digits.substr(1);
    }
    out += fmt::format("e{}{:02d}", exp < 0 ? '-' : '+', std::abs(exp));
    return out;
  }
  if (exp < 0) {
    out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
    out += digits + std::string(static_cast<size_t>(exp) + 1 - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(exp) + 1) + "." + digits.substr(static_cast<size_t>(exp) + 1);
  }
  return out;
}

// go-yaml v3's key order for maps (sorter.go keyList.Less): letters before/after digits as
// there, runs of digits compared as numbers.
bool goyaml_key_less(std::string_view a, std::string_view b) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto is_letter = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || static_cast<unsigned char>(c) >= 0x80; };
  bool digits = false;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) {
      digits = is_digit(a[i]);
      continue;
    }
    bool al = is_letter(a[i]);
    bool bl = is_letter(b[i]);
    if (al && bl) {
      return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
    }
    if (al || bl) {
      return digits ? al : bl;
    }
    int64_t an = 0;
    int64_t bn = 0;
    if (a[i] == '0' || b[i] == '0') {
      for (size_t j = i; j-- > 0 && is_digit(a[j]);) {
        if (a[j] != '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    size_t ai = i;
    size_t bi = i;
    for (; ai < a.size() && is_digit(a[ai]); ++ai) {
      an = an * 10 + (a[ai] - '0');
    }
    for (; bi < b.size() && is_digit(b[bi]); ++bi) {
      bn = bn * 10 + (b[bi] - '0');
    }
    if (an != bn) {
      return an < bn;
    }
    if (ai != bi) {
      return ai < bi;
    }
    return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

// A value decoded into Go's `any` and encoded back: scalars retyped, mapping keys sorted.
Node normalise_any(const Node& n) {
  if (n.is_mapping()) {
    std::vector<const yaml::MapEntry*> entries;
    for (const auto& e : n.entries()) {
      entries.push_back(&e);
    }
    std::stable_sort(entries.begin(), entries.end(), [](const yaml::MapEntry* x, const yaml::MapEntry* y) {
      return goyaml_key_less(x->key.value(), y->key.value());
    });
    Node m = Node::mapping();
    for (const auto* e : entries) {
      m.set(e->key.value(), normalise_any(e->value));
    }
    return m;
  }
  if (n.is_sequence()) {
    Node s = Node::sequence();
    for (const auto& item : n.items()) {
      s.push_back(normalise_any(item));
    }
    return s;
  }
  switch (n.scalar_type()) {
    case ScalarType::null:
      return Node::null();
    case ScalarType::boolean:
      return Node::boolean(to_lower(n.value()) == "true");
    case ScalarType::integer: {
      auto v = parse_go_int(n.value());
      if (v) {
        if (*v >= 0) {
          return Node::plain(fmt::format("{}", static_cast<unsigned long long>(*v)));
        }
        return Node::plain(fmt::format("{}", static_cast<long long>(*v)));
      }
      return Node::string(n.value());
    }
    case ScalarType::floating: {
      std::string t = to_lower(n.value());
      std::string clean;
      for (char c : t) {
        if (c != '_') {
          clean += c;
        }
      }
      double f;
      if (clean == ".inf" || clean == "+.inf") {
        f = HUGE_VAL;
      } else if (clean == "-.inf") {
        f = -HUGE_VAL;
      } else if (clean == ".nan") {
        f = NAN;
      } else {
        f = std::strtod(clean.c_str(), nullptr);
      }
      return Node::plain(go_float(f));
    }
    case ScalarType::timestamp:  // go-yaml keeps timestamps as strings inside `any`
    case ScalarType::string:
      break;
  }
  return Node::string(n.value());
}

const std::vector<std::string> k_bootloaders = {"none", "dual-boot", "sd-boot", "grub"};
const std::vector<std::string> k_enroll_keys = {"if-safe", "manual", "force", "off"};

void read_customization(Decoder& d, const Node& n, SchematicCustomization& c) {
  const std::string path = "customization";
  if (!d.fields(n, path, "schematic.Customization",
                {"embeddedMachineConfiguration", "extraKernelArgs", "meta", "systemExtensions", "bootloader",
                 "secureboot", "diskImage"})) {
    return;
  }
  for (const auto& e : n.entries()) {
    const std::string& k = e.key.value();
    const Node& v = e.value;
    std::string p = yaml::path_join(path, k);
    if (k == "embeddedMachineConfiguration") {
      c.embedded_machine_configuration = d.string(v, p);
    } else if (k == "extraKernelArgs") {
      c.extra_kernel_args = d.strings(v, p);
    } else if (k == "meta") {
      if (v.is_null()) {
        continue;
      }
      if (!v.is_sequence()) {
        d.type_error(v, p, "[]schematic.MetaValue");
        continue;
      }
      for (size_t i = 0; i < v.items().size(); ++i) {
        const Node& item = v.items()[i];
        std::string ip = yaml::path_index(p, i);
        SchematicMeta m;
        if (d.fields(item, ip, "schematic.MetaValue", {"key", "value"})) {
          for (const auto& me : item.entries()) {
            if (me.key.value() == "key") {
              m.key = static_cast<uint8_t>(d.unsigned_int(me.value, ip + ".key", "uint8", 255).value_or(0));
            } else if (me.key.value() == "value") {
              m.value = d.string(me.value, ip + ".value");
            }
          }
        }
        c.meta.push_back(std::move(m));
      }
    } else if (k == "systemExtensions") {
      if (d.fields(v, p, "schematic.SystemExtensions", {"officialExtensions"})) {
        if (const Node* ext = v.find("officialExtensions")) {
          c.official_extensions = d.strings(*ext, p + ".officialExtensions", &c.official_extension_locations);
        }
      }
    } else if (k == "bootloader") {
      std::string b = to_lower(d.string(v, p));
      if (std::find(k_bootloaders.begin(), k_bootloaders.end(), b) == k_bootloaders.end()) {
        if (!v.is_null() && v.is_scalar()) {
          d.diags.error("schematic-value",
                        fmt::format("{}: {} does not belong to BootloaderKind values (none, dual-boot, sd-boot, grub)",
                                    p, talgpu::quoted(v.value())),
                        v.location());
        }
        b.clear();
      }
      c.bootloader = b == "none" ? "" : b;
    } else if (k == "secureboot") {
      if (d.fields(v, p, "schematic.SecureBoot", {"enrollKeys", "includeWellKnownCertificates"})) {
        for (const auto& se : v.entries()) {
          std::string sp = yaml::path_join(p, se.key.value());
          if (se.key.value() == "enrollKeys") {
            std::string ek = d.string(se.value, sp);
            if (!ek.empty() && std::find(k_enroll_keys.begin(), k_enroll_keys.end(), ek) == k_enroll_keys.end()) {
              d.diags.error("schematic-value",
                            fmt::format("{}: {} is not one of if-safe, manual, force, off", sp, talgpu::quoted(ek)),
                            se.value.location());
            }
            c.secureboot.enroll_keys = ek;
          } else if (se.key.value() == "includeWellKnownCertificates") {
            c.secureboot.include_well_known_certificates = d.boolean(se.value, sp);
          }
        }
      }
    } else if (k == "diskImage") {
      if (d.fields(v, p, "schematic.DiskImage", {"sectorSize"})) {
        if (const Node* ss = v.find("sectorSize")) {
          c.disk_image_sector_size = d.unsigned_int(*ss, p + ".sectorSize", "uint", UINT64_MAX).value_or(0);
        }
      }
    }
  }
}

}  // namespace

std::optional<Schematic> read_schematic(const yaml::Node& node, Diagnostics& diags) {
  Decoder d{diags};
  Schematic s;
  s.location = node.location();
  if (d.fields(node, "schematic", "schematic.Schematic", {"owner", "overlay", "customization"})) {
    for (const auto& e : node.entries()) {
      const std::string& k = e.key.value();
      if (k == "owner") {
        s.owner = d.string(e.value, "owner");
      } else if (k == "overlay") {
        if (d.fields(e.value, "overlay", "schematic.Overlay", {"image", "name", "options"})) {
          for (const auto& oe : e.value.entries()) {
            std::string p = yaml::path_join("overlay", oe.key.value());
            if (oe.key.value() == "image") {
              s.overlay.image = d.string(oe.value, p);
            } else if (oe.key.value() == "name") {
              s.overlay.name = d.string(oe.value, p);
            } else if (oe.key.value() == "options") {
              if (oe.value.is_null()) {
                continue;
              }
              if (!oe.value.is_mapping()) {
                d.type_error(oe.value, p, "map[string]interface {}");
                continue;
              }
              s.overlay.options = normalise_any(oe.value);
            }
          }
        }
      } else if (k == "customization") {
        read_customization(d, e.value, s.customization);
      }
    }
  }
  if (!d.ok()) {
    return std::nullopt;
  }
  return s;
}

Result<Schematic> parse_schematic(const yaml::Node& node) {
  Diagnostics diags;
  auto s = read_schematic(node, diags);
  if (!s) {
    for (const auto& item : diags.items()) {
      if (item.severity == Severity::error) {
        return fail(item.message, item.location, item.rule);
      }
    }
    return fail("invalid schematic", node.location(), "schematic-type");
  }
  return std::move(*s);
}

Result<Schematic> parse_schematic_text(std::string_view text, std::string name) {
  TRY_ASSIGN(Node root, yaml::parse_one(text, std::move(name)));
  return parse_schematic(root);
}

yaml::Node canonical_node(const Schematic& s) {
  Node root = Node::mapping();
  if (!s.owner.empty()) {
    root.set("owner", Node::string(s.owner));
  }
  if (!s.overlay.empty()) {
    Node o = Node::mapping();
    o.set("image", Node::string(s.overlay.image));
    o.set("name", Node::string(s.overlay.name));
    if (s.overlay.options.size() > 0) {
      o.set("options", s.overlay.options);
    }
    root.set("overlay", std::move(o));
  }
  const auto& c = s.customization;
  Node cu = Node::mapping();
  if (!c.embedded_machine_configuration.empty()) {
    cu.set("embeddedMachineConfiguration", Node::string(c.embedded_machine_configuration));
  }
  if (!c.extra_kernel_args.empty()) {
    Node seq = Node::sequence();
    for (const auto& a : c.extra_kernel_args) {
      seq.push_back(Node::string(a));
    }
    cu.set("extraKernelArgs", std::move(seq));
  }
  if (!c.meta.empty()) {
    Node seq = Node::sequence();
    for (const auto& m : c.meta) {
      Node item = Node::mapping();
      item.set("key", Node::integer(m.key));
      item.set("value", Node::string(m.value));
      seq.push_back(std::move(item));
    }
    cu.set("meta", std::move(seq));
  }
  if (!c.official_extensions.empty()) {
    Node seq = Node::sequence();
    for (const auto& x : c.official_extensions) {
      seq.push_back(Node::string(x));
    }
    Node se = Node::mapping();
    se.set("officialExtensions", std::move(seq));
    cu.set("systemExtensions", std::move(se));
  }
  if (!c.bootloader.empty()) {
    cu.set("bootloader", Node::string(c.bootloader));
  }
  if (!c.secureboot.enroll_keys.empty() || c.secureboot.include_well_known_certificates) {
    Node sb = Node::mapping();
    if (!c.secureboot.enroll_keys.empty()) {
      sb.set("enrollKeys", Node::string(c.secureboot.enroll_keys));
    }
    if (c.secureboot.include_well_known_certificates) {
      sb.set("includeWellKnownCertificates", Node::boolean(true));
    }
    cu.set("secureboot", std::move(sb));
  }
  if (c.disk_image_sector_size != 0) {
    Node di = Node::mapping();
    di.set("sectorSize", Node::plain(std::to_string(c.disk_image_sector_size)));
    cu.set("diskImage", std::move(di));
  }
  root.set("customization", std::move(cu));
  return root;
}

std::string canonical_yaml(const Schematic& s) {
  return yaml::emit(canonical_node(s), yaml::goyaml_v3_options(4));
}

std::string schematic_id(const Schematic& s) {
  return sha256_hex(canonical_yaml(s));
}

nlohmann::ordered_json schematic_json(const Schematic& s) {
  return yaml::to_ordered_json(canonical_node(s));
}

Schematic schematic_with_extensions(std::vector<std::string> extensions) {
  Schematic s;
  s.customization.official_extensions = std::move(extensions);
  return s;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* k_hex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += k_hex[digest[i] >> 4];
    out += k_hex[digest[i] & 0xf];
  }
  return out;
}

bool looks_like_schematic_id(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace talgpu::imagefactory
