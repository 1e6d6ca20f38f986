#include "entry_points.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include <check/check.hpp>
#include <core/diagnostic.hpp>
#include <core/linear_regex.hpp>
#include <imagefactory/schematic.hpp>
#include <kube/manifest_loader.hpp>
#include <kube/nodes_json.hpp>
#include <talhelper/sops.hpp>
#include <talhelper/talconfig.hpp>
#include <talos/patch.hpp>
#include <yaml/document.hpp>
#include <yaml/emit.hpp>
#include <core/source.hpp>
#include <yaml/fast_parse.hpp>
#include <yaml/limits.hpp>

namespace talgpu::fuzz {

namespace {

[[noreturn]] void broken(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz invariant broken: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}


// Two nodes are the same data: kind, scalar value and resolved type, entries in order.
bool same_data(const yaml::Node& a, const yaml::Node& b, std::string& where) {
  if (a.is_mapping() != b.is_mapping() || a.is_sequence() != b.is_sequence() || a.is_scalar() != b.is_scalar()) {
    where = "kind";
    return false;
  }
  if (a.is_scalar()) {
    // A null is the same data however it is spelled ("", ~, null): an empty root document is
    // read back as the null scalar, whose text is "null" (found by this target: `!tag #c`).
    if (a.scalar_type() == yaml::ScalarType::null && b.scalar_type() == yaml::ScalarType::null) {
      return true;
    }
    if (a.value() != b.value() || a.scalar_type() != b.scalar_type()) {
      where = "scalar '" + a.value() + "' vs '" + b.value() + "'";
      return false;
    }
    return true;
  }
  if (a.is_sequence()) {
    if (a.items().size() != b.items().size()) {
      where = "sequence length";
      return false;
    }
    for (size_t i = 0; i < a.items().size(); ++i) {
      if (!same_data(a.items()[i], b.items()[i], where)) {
        return false;
      }
    }
    return true;
  }
  if (a.entries().size() != b.entries().size()) {
    where = "mapping size";
    return false;
  }
  for (size_t i = 0; i < a.entries().size(); ++i) {
    if (!same_data(a.entries()[i].key, b.entries()[i].key, where) ||
        !same_data(a.entries()[i].value, b.entries()[i].value, where)) {
      return false;
    }
  }
  return true;
}

// Same data and the same marks (line:column) everywhere.
bool same_marks(const yaml::Node& a, const yaml::Node& b, std::string& where) {
  if (a.mark().line != b.mark().line || a.mark().column != b.mark().column || a.style() != b.style()) {
    where = "mark or style of '" + a.value() + "'";
    return false;
  }
  for (size_t i = 0; i < a.items().size() && i < b.items().size(); ++i) {
    if (!same_marks(a.items()[i], b.items()[i], where)) {
      return false;
    }
  }
  for (size_t i = 0; i < a.entries().size() && i < b.entries().size(); ++i) {
    if (!same_marks(a.entries()[i].key, b.entries()[i].key, where) ||
        !same_marks(a.entries()[i].value, b.entries()[i].value, where)) {
      return false;
    }
  }
  return true;
}

// Where the fast path steps aside, the documents it handed over before (parse_each streams them
// to the manifest loader) must be libyaml's first documents, as libyaml completes them before any
// error of its own.
void yaml_prefix(std::string_view data, const yaml::ParseOptions& opts) {
  auto& reg = SourceRegistry::instance();
  int32_t id = reg.add("fuzz-fast-each.yaml", std::string(data));
  std::vector<yaml::Document> handed;
  size_t count = 0;
  (void)yaml::detail::parse_fast_each(reg.text(id), id, opts,
                                      [&](yaml::Document&& d) { handed.push_back(std::move(d)); }, count);
  reg.release(id);
  if (count != handed.size()) {
    broken("the fast path counted other documents than it handed over", data);
  }
  if (handed.empty()) {
    return;
  }
  std::vector<yaml::Document> ref;
  (void)yaml::detail::parse_reference_each(data, "fuzz-ref-each.yaml", opts,
                                           [&](yaml::Document&& d) { ref.push_back(std::move(d)); });
  if (!ref.empty()) {
    reg.release(ref[0].root.mark().file);
  }
  if (handed.size() > ref.size()) {
    broken("the fast path handed over documents libyaml does not complete", data);
  }
  for (size_t i = 0; i < handed.size(); ++i) {
    std::string where;
    if (handed[i].empty != ref[i].empty || !same_data(handed[i].root, ref[i].root, where) ||
        !same_marks(handed[i].root, ref[i].root, where)) {
      broken("the fast path handed over another document than libyaml reads", where);
    }
  }
}

// Both parser paths: whatever the fast path (what parse() tries first) accepts, libyaml (the
// reference) must accept too and read as the same documents, data, styles and marks. Inputs that
// parse() refuses before either path runs (encoding, the limits pre-scan) are skipped. The texts
// registered for quoting are released, so a long run does not grow the registry.
void yaml_both(std::string_view data) {
  const yaml::ParseOptions opts;
  if (!yaml::check_text_encoding(data, "fuzz.yaml") || !yaml::check_limits_before_parse(data, "fuzz.yaml", opts)) {
    return;
  }
  auto& reg = SourceRegistry::instance();
  int32_t id = reg.add("fuzz-fast.yaml", std::string(data));
  auto fast = yaml::detail::parse_fast(reg.text(id), id, opts);
  reg.release(id);
  auto ref = yaml::detail::parse_reference(data, "fuzz-ref.yaml", opts);
  if (ref && !ref->empty()) {
    reg.release((*ref)[0].root.mark().file);
  }
  if (!fast) {
    yaml_prefix(data, opts);
    return;
  }
  if (!ref) {
    broken("the fast path accepted what libyaml refuses", ref.error().message);
  }
  if (fast->size() != ref->size()) {
    broken("the fast path read another number of documents", data);
  }
  for (size_t i = 0; i < fast->size(); ++i) {
    std::string where;
    if ((*fast)[i].empty != (*ref)[i].empty || !same_data((*fast)[i].root, (*ref)[i].root, where) ||
        !same_marks((*fast)[i].root, (*ref)[i].root, where)) {
      broken("the fast path read other data than libyaml", where);
    }
  }
}

// Emit -> parse -> compare, in both house styles: whatever parses must be written so that it
// parses back to the same data (issue 11 item 9).
void yaml_roundtrip(std::string_view data) {
  auto docs = yaml::parse(data, "fuzz-rt.yaml");
  if (!docs) {
    return;
  }
  for (const auto& d : *docs) {
    for (const auto& opts : {yaml::goyaml_v3_options(4), yaml::goyaml_v3_options(2), yaml::kubernetes_options()}) {
      std::string text = yaml::emit(d.root, opts);
      auto again = yaml::parse_one(text, "fuzz-rt-emitted.yaml");
      if (!again) {
        broken("emitted YAML does not parse", text + "\n" + again.error().message);
      }
      std::string where;
      if (!same_data(d.root, *again, where)) {
        broken("emit -> parse changed the data", where + "\n" + text);
      }
    }
  }
}

void nodes_json(std::string_view data) {
  Diagnostics diags;
  auto fast = kube::detail::read_nodes_json_fast(data, "fuzz-nodes.json");
  auto generic = kube::detail::read_nodes_json_generic(data, "fuzz-nodes.json", diags);
  (void)fast;
  (void)generic;
}

// A per-process scratch folder for the inputs that are read from files.
const std::string& scratch() {
  static const std::string dir = [] {
    std::string tmpl = "/tmp/talgpu-fuzz-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::abort();
    }
    return tmpl;
  }();
  return dir;
}

void write(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// talconfig.yaml, optionally followed by "\n#talenv\n" and a talenv.yaml for ${VAR} substitution.
void talconfig(std::string_view data) {
  constexpr std::string_view k_split = "\n#talenv\n";
  size_t cut = data.find(k_split);
  std::string cfg = scratch() + "/talconfig.yaml";
  std::string env = scratch() + "/talenv.yaml";
  write(cfg, data.substr(0, cut));
  if (cut != std::string_view::npos) {
    write(env, data.substr(cut + k_split.size()));
  } else {
    ::unlink(env.c_str());
  }
  talhelper::LoadOptions lo;
  lo.path = cfg;
  Diagnostics diags;
  auto loaded = talhelper::load_talconfig(lo, diags);
  (void)render_text(diags);
}

// The SOPS reader with a fixed data key (no `age` process): metadata validation, the ENC[...]
// scanner, the encryption-rule regexes and the tree walk; all three formats.
void sops(std::string_view data) {
  static const std::string k_key(32, '\x42');
  for (auto format : {talhelper::SopsFormat::yaml, talhelper::SopsFormat::json, talhelper::SopsFormat::dotenv}) {
    (void)talhelper::is_sops_encrypted(data);
    auto out = talhelper::detail::sops_decrypt_with_data_key(data, "fuzz.sops.yaml", format, k_key);
    (void)out;
  }
}

// Manifests as `check` reads them, then the check engine over what was read.
void manifests(std::string_view data) {
  auto docs = yaml::parse(data, "fuzz-manifest.yaml");
  if (!docs) {
    return;
  }
  Diagnostics diags;
  kube::Manifests m;
  for (const auto& d : *docs) {
    kube::add_document(d.root, "fuzz-manifest.yaml", m, diags);
  }
  check::CheckInputs in;
  in.manifests = &m;
  auto report = check::run_check(in);
  (void)report;
}

void schematic(std::string_view data) {
  auto s = imagefactory::parse_schematic_text(data, "fuzz-schematic.yaml");
  if (s) {
    (void)imagefactory::schematic_id(*s);
  }
}

void patch(std::string_view data) {
  auto p = talos::parse_patch(data, "fuzz-patch.yaml");
  (void)p;
}

// A pattern (first line) and a subject (the rest) for the linear matcher.
void regex(std::string_view data) {
  size_t nl = data.find('\n');
  auto re = LinearRegex::compile(data.substr(0, nl));
  if (re && nl != std::string_view::npos) {
    (void)re->search(data.substr(nl + 1));
  }
}

}  // namespace

const std::vector<Target>& targets() {
  static const std::vector<Target> k_targets = {
      {"yaml", yaml_both},           {"yaml_roundtrip", yaml_roundtrip}, {"nodes_json", nodes_json},
      {"talconfig", talconfig},      {"sops", sops},                     {"manifests", manifests},
      {"schematic", schematic},      {"patch", patch},                   {"regex", regex},
  };
  return k_targets;
}

const Target* find_target(std::string_view name) {
  for (const auto& t : targets()) {
    if (name == t.name) {
      return &t;
    }
  }
  return nullptr;
}

}  // namespace talgpu::fuzz
