#pragma once
// Talos config patches (talos pkg/machinery/config/configpatcher, merge/merge.go):
//  - strategic merge: the patch looks like (part of) a config, possibly several documents.
//    Maps merge key by key; lists are appended, except the fields Talos tags `merge:"replace"`
//    and the lists it merges by a key (network interfaces, VLANs, admission plugins, extension
//    config files); a zero scalar ("" or 0) never overwrites; `$patch: delete` removes a key, a
//    list item (selected by its first other field) or a whole non-v1alpha1 document.
//  - RFC 6902 JSON patches (a YAML or JSON list of {op, path, value}), only for configs with a
//    single document, as Talos allows.
// The format is detected as configpatcher.LoadPatch does. Errors carry the patch's location.

#include <core/error.hpp>
#include <yaml/node.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace talgpu::talos {

struct JsonPatchOp {
  std::string op;  // add, remove, replace, move, copy, test
  std::string path;
  std::string from;
  yaml::Node value;
  SourceLocation location;
};

struct ConfigPatch {
  enum class Kind { strategic, json6902 };
  Kind kind = Kind::strategic;
  std::vector<yaml::Node> documents;  // strategic
  std::vector<JsonPatchOp> ops;       // json6902
  std::string name;                   // file name or a description of the inline patch
  SourceLocation location;            // where the patch starts
};

// Parses patch text. `name` appears in locations (a file name, or "talconfig.yaml:12 (inline patch)").
Result<ConfigPatch> parse_patch(std::string_view text, const std::string& name, SourceLocation declared_at = {});

// A `--config-patch` argument: `@file` (relative to `base_dir`) or inline YAML/JSON.
Result<ConfigPatch> load_patch_argument(const std::string& arg, const std::string& base_dir = ".");

// Applies one patch / several in order to a config stream. The result is canonicalized.
Result<void> apply_patch(std::vector<yaml::Node>& docs, const ConfigPatch& patch);
Result<void> apply_patches(std::vector<yaml::Node>& docs, const std::vector<ConfigPatch>& patches);

// The strategic merge of one document into another (exposed for tests and talconfig overrides).
Result<void> merge_document(yaml::Node& target, const yaml::Node& patch);

}  // namespace talgpu::talos
