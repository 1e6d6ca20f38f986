// Config patching, after talos pkg/machinery/config/merge/merge.go (strategic merge),
// configpatcher/{load.go,apply.go,json6902.go} and configloader/internal/decoder/delete.go.
//
// Talos merges into Go structs, so "which lists are replaced or merged by key" is a property of
// the field's type. We keep that as a table of field paths (per document kind) below; the rest of
// the rules are generic. After a merge the documents are canonicalized into Talos's key order.

#include <talos/patch.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <core/fs.hpp>
#include <core/strings.hpp>
#include <talos/machineconfig.hpp>
#include <yaml/document.hpp>
#include <yaml/reader.hpp>

namespace talgpu::talos {

using yaml::Node;

namespace {

// Fields tagged `merge:"replace"` (lists and unstructured values replaced wholesale).
bool is_replace_path(const std::string& path) {
  static const char* k_paths[] = {
      "v1alpha1:cluster.network.podSubnets", "v1alpha1:cluster.network.serviceSubnets",
      "v1alpha1:cluster.apiServer.auditPolicy", "NetworkRuleConfig:ingress", "NetworkRuleConfig:portSelector.ports",
  };
  return std::any_of(std::begin(k_paths), std::end(k_paths), [&](const char* p) { return path == p; });
}

// Lists with a custom Merge that matches items by a key; empty when the list simply appends.
std::vector<std::string> merge_keys(const std::string& path) {
  if (path == "v1alpha1:machine.network.interfaces") {
    return {"interface", "deviceSelector"};
  }
  if (path == "v1alpha1:machine.network.interfaces.vlans") {
    return {"vlanId"};
  }
  if (path == "v1alpha1:cluster.apiServer.admissionControl") {
    return {"name"};
  }
  if (path == "ExtensionServiceConfig:configFiles") {
    return {"mountPath"};
  }
  return {};
}

bool is_delete_directive(const Node& n) {
  const Node* p = n.is_mapping() ? n.find("$patch") : nullptr;
  return p != nullptr && p->is_scalar() && p->value() == "delete";
}

// Go's zero values never overwrite in merge.go: "" and 0 (and null).
bool is_zero_scalar(const Node& n) {
  if (!n.is_scalar()) {
    return false;
  }
  if (n.is_null()) {
    return true;
  }
  if (n.scalar_type() == yaml::ScalarType::string) {
    return n.value().empty();
  }
  if (n.scalar_type() == yaml::ScalarType::integer) {
    return n.value() == "0";
  }
  return false;
}

Node strip_directives(const Node& n) {
  if (n.is_mapping()) {
    Node out = n;
    out.entries().clear();
    for (const auto& e : n.entries()) {
      if (e.key.value() == "$patch") {
        continue;
      }
      out.entries().push_back({e.key, strip_directives(e.value)});
    }
    return out;
  }
  if (n.is_sequence()) {
    Node out = n;
    out.items().clear();
    for (const auto& item : n.items()) {
      if (!is_delete_directive(item)) {
        out.items().push_back(strip_directives(item));
      }
    }
    return out;
  }
  return n;
}

std::string join(const std::string& base, const std::string& key) {
  return base.back() == ':' ? base + key : base + "." + key;
}

// The selector of a `$patch: delete` list item: its first other field.
const yaml::MapEntry* delete_selector(const Node& item) {
  for (const auto& e : item.entries()) {
    if (e.key.value() != "$patch") {
      return &e;
    }
  }
  return nullptr;
}

Result<void> merge_node(Node& target, const Node& patch, const std::string& path);

Result<void> merge_list(Node& target, const Node& patch, const std::string& path) {
  if (is_replace_path(path)) {
    target = strip_directives(patch);
    return {};
  }
  auto keys = merge_keys(path);
  for (const auto& item : patch.items()) {
    if (is_delete_directive(item)) {
      const yaml::MapEntry* sel = delete_selector(item);
      if (sel == nullptr) {
        return fail("a list item with '$patch: delete' needs a field that selects the item to delete",
                    item.location(), "patch-invalid");
      }
      auto& items = target.items();
      items.erase(std::remove_if(items.begin(), items.end(),
                                 [&](const Node& t) {
                                   const Node* v = t.is_mapping() ? t.find(sel->key.value()) : nullptr;
                                   return v != nullptr && v->equals(sel->value);
                                 }),
                  items.end());
      continue;
    }
    Node* match = nullptr;
    if (!keys.empty() && item.is_mapping()) {
      for (const auto& key : keys) {
        const Node* want = item.find(key);
        if (want == nullptr) {
          continue;
        }
        for (auto& t : target.items()) {
          const Node* have = t.is_mapping() ? t.find(key) : nullptr;
          if (have != nullptr && have->equals(*want)) {
            match = &t;
            break;
          }
        }
        break;
      }
    }
    if (match != nullptr) {
      TRY(merge_node(*match, item, path));
    } else {
      target.push_back(strip_directives(item));
    }
  }
  return {};
}

Result<void> merge_node(Node& target, const Node& patch, const std::string& path) {
  if (patch.is_mapping()) {
    if (!target.is_mapping()) {
      if (is_zero_scalar(target)) {
        target = strip_directives(patch);
        return {};
      }
      return fail(fmt::format("cannot merge a mapping into {} at '{}'", yaml::describe_kind(target), path),
                  patch.location(), "patch-type");
    }
    if (is_replace_path(path)) {
      target = strip_directives(patch);
      return {};
    }
    for (const auto& e : patch.entries()) {
      const std::string& key = e.key.value();
      if (key == "$patch") {
        continue;
      }
      if (is_delete_directive(e.value)) {
        target.erase(key);
        continue;
      }
      Node* existing = target.find(key);
      if (existing == nullptr) {
        if (!is_zero_scalar(e.value)) {
          target.set(key, strip_directives(e.value));
        }
        continue;
      }
      TRY(merge_node(*existing, e.value, join(path, key)));
    }
    return {};
  }
  if (patch.is_sequence()) {
    if (!target.is_sequence()) {
      if (is_zero_scalar(target)) {
        target = strip_directives(patch);
        return {};
      }
      return fail(fmt::format("cannot merge a list into {} at '{}'", yaml::describe_kind(target), path),
                  patch.location(), "patch-type");
    }
    return merge_list(target, patch, path);
  }
  if (!is_zero_scalar(patch)) {
    if (!target.is_scalar() && !target.is_null()) {
      return fail(fmt::format("cannot replace {} with a scalar at '{}'", yaml::describe_kind(target), path),
                  patch.location(), "patch-type");
    }
    target = patch;
  }
  return {};
}

std::string doc_kind_prefix(const Node& doc) {
  const Node* kind = doc.is_mapping() ? doc.find("kind") : nullptr;
  return kind != nullptr && kind->is_scalar() ? kind->value() + ":" : std::string("v1alpha1:");
}

// A patch document without `version` or `kind` patches the v1alpha1 document.
std::string patch_document_id(const Node& doc) {
  if (doc.is_mapping() && !doc.contains("kind")) {
    return "v1alpha1";
  }
  return document_id(doc);
}

// --- RFC 6902 ------------------------------------------------------------------------------

Result<std::vector<std::string>> split_pointer(const std::string& ptr, const SourceLocation& loc) {
  std::vector<std::string> parts;
  if (ptr.empty()) {
    return parts;
  }
  if (ptr[0] != '/') {
    return fail("JSON pointer '" + ptr + "' must start with '/'", loc, "patch-invalid");
  }
  for (auto& raw : split(std::string_view(ptr).substr(1), '/')) {
    std::string p;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size()) {
        p += raw[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        p += raw[i];
      }
    }
    parts.push_back(std::move(p));
  }
  return parts;
}

Result<size_t> list_index(const Node& list, const std::string& token, bool allow_end, const JsonPatchOp& op) {
  if (allow_end && token == "-") {
    return list.items().size();
  }
  size_t idx = 0;
  bool digits = !token.empty() && std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    idx = std::stoul(token);
  }
  size_t limit = list.items().size() + (allow_end ? 1 : 0);
  if (!digits || idx >= limit) {
    return fail(fmt::format("{}: index '{}' is out of range in '{}'", op.op, token, op.path), op.location,
                "patch-json6902");
  }
  return idx;
}

Result<Node*> walk(Node& root, const std::vector<std::string>& parts, size_t count, const JsonPatchOp& op,
                   const std::string& ptr) {
  Node* cur = &root;
  for (size_t i = 0; i < count; ++i) {
    if (cur->is_mapping()) {
      cur = cur->find(parts[i]);
    } else if (cur->is_sequence()) {
      TRY_ASSIGN(size_t idx, list_index(*cur, parts[i], false, op));
      cur = &cur->items()[idx];
    } else {
      cur = nullptr;
    }
    if (cur == nullptr) {
      return fail(fmt::format("{}: path '{}' does not exist in the config", op.op, ptr), op.location, "patch-json6902");
    }
  }
  return cur;
}

Result<Node> remove_at(Node& root, const std::string& ptr, const JsonPatchOp& op) {
  TRY_ASSIGN(auto parts, split_pointer(ptr, op.location));
  if (parts.empty()) {
    return fail("cannot remove the whole document", op.location, "patch-json6902");
  }
  TRY_ASSIGN(Node * parent, walk(root, parts, parts.size() - 1, op, ptr));
  const std::string& last = parts.back();
  if (parent->is_mapping()) {
    const Node* v = parent->find(last);
    if (v == nullptr) {
      return fail(fmt::format("{}: path '{}' does not exist in the config", op.op, ptr), op.location, "patch-json6902");
    }
    Node out = *v;
    parent->erase(last);
    return out;
  }
  if (parent->is_sequence()) {
    TRY_ASSIGN(size_t idx, list_index(*parent, last, false, op));
    Node out = parent->items()[idx];
    parent->items().erase(parent->items().begin() + static_cast<std::ptrdiff_t>(idx));
    return out;
  }
  return fail(fmt::format("{}: path '{}' does not exist in the config", op.op, ptr), op.location, "patch-json6902");
}

Result<void> add_at(Node& root, const std::string& ptr, Node value, const JsonPatchOp& op, bool replace) {
  TRY_ASSIGN(auto parts, split_pointer(ptr, op.location));
  if (parts.empty()) {
    root = std::move(value);
    return {};
  }
  TRY_ASSIGN(Node * parent, walk(root, parts, parts.size() - 1, op, ptr));
  const std::string& last = parts.back();
  if (parent->is_mapping()) {
    if (replace && parent->find(last) == nullptr) {
      return fail(fmt::format("replace: path '{}' does not exist in the config", ptr), op.location, "patch-json6902");
    }
    parent->set(last, std::move(value));
    return {};
  }
  if (parent->is_sequence()) {
    TRY_ASSIGN(size_t idx, list_index(*parent, last, !replace, op));
    if (replace) {
      parent->items()[idx] = std::move(value);
    } else {
      parent->items().insert(parent->items().begin() + static_cast<std::ptrdiff_t>(idx), std::move(value));
    }
    return {};
  }
  return fail(fmt::format("{}: the parent of '{}' is not a mapping or a list", op.op, ptr), op.location,
              "patch-json6902");
}

Result<void> apply_op(Node& root, const JsonPatchOp& op) {
  if (op.op == "add") {
    return add_at(root, op.path, op.value, op, false);
  }
  if (op.op == "replace") {
    return add_at(root, op.path, op.value, op, true);
  }
  if (op.op == "remove") {
    TRY(remove_at(root, op.path, op));
    return {};
  }
  if (op.op == "move") {
    TRY_ASSIGN(Node v, remove_at(root, op.from, op));
    return add_at(root, op.path, std::move(v), op, false);
  }
  if (op.op == "copy") {
    TRY_ASSIGN(auto parts, split_pointer(op.from, op.location));
    TRY_ASSIGN(Node * src, walk(root, parts, parts.size(), op, op.from));
    return add_at(root, op.path, *src, op, false);
  }
  if (op.op == "test") {
    TRY_ASSIGN(auto parts, split_pointer(op.path, op.location));
    TRY_ASSIGN(Node * cur, walk(root, parts, parts.size(), op, op.path));
    if (!cur->equals(op.value)) {
      return fail(fmt::format("test: the value at '{}' differs", op.path), op.location, "patch-json6902");
    }
    return {};
  }
  return fail("unknown JSON patch operation '" + op.op + "'" +
                  did_you_mean(op.op, {"add", "remove", "replace", "move", "copy", "test"}),
              op.location, "patch-json6902");
}

Result<std::vector<JsonPatchOp>> parse_ops(const Node& list) {
  std::vector<JsonPatchOp> ops;
  Diagnostics diags;
  for (size_t i = 0; i < list.items().size(); ++i) {
    const Node& item = list.items()[i];
    yaml::MapReader r(item, yaml::path_index("", i), diags, "patch");
    JsonPatchOp op;
    op.location = item.location();
    op.op = r.string("op", yaml::Need::required).value_or("");
    op.path = r.string("path", yaml::Need::required).value_or("");
    op.from = r.string("from").value_or("");
    if (const Node* v = r.get("value")) {
      op.value = *v;
    }
    r.finish(Severity::error);
    if ((op.op == "move" || op.op == "copy") && op.from.empty()) {
      diags.error("patch-missing-key", "a '" + op.op + "' operation needs 'from'", item.location());
    }
    ops.push_back(std::move(op));
  }
  if (diags.has_errors()) {
    const auto& d = diags.items().front();
    return fail(d.message, d.location, d.rule);
  }
  return ops;
}

}  // namespace

Result<void> merge_document(Node& target, const Node& patch) {
  return merge_node(target, patch, doc_kind_prefix(target));
}

Result<ConfigPatch> parse_patch(std::string_view text, const std::string& name, SourceLocation declared_at) {
  TRY_ASSIGN(auto docs, yaml::parse(text, name));
  ConfigPatch patch;
  patch.name = name;
  patch.location = declared_at.empty() ? SourceLocation{name, 1, 1} : declared_at;
  std::vector<Node> roots;
  for (auto& d : docs) {
    if (!d.empty && !d.root.is_null()) {
      roots.push_back(std::move(d.root));
    }
  }
  if (roots.empty()) {
    return patch;  // an empty patch changes nothing (talhelper skips empty files)
  }
  if (roots.front().is_sequence()) {
    // Consecutive JSON patches behave as one list.
    patch.kind = ConfigPatch::Kind::json6902;
    for (const auto& r : roots) {
      if (!r.is_sequence()) {
        return fail("a JSON patch and a strategic merge patch cannot share one file", r.location(), "patch-invalid");
      }
      TRY_ASSIGN(auto ops, parse_ops(r));
      patch.ops.insert(patch.ops.end(), ops.begin(), ops.end());
    }
    return patch;
  }
  for (auto& r : roots) {
    if (!r.is_mapping()) {
      return fail("a config patch document must be a mapping, not " + yaml::describe_kind(r), r.location(),
                  "patch-invalid");
    }
  }
  patch.documents = std::move(roots);
  return patch;
}

Result<ConfigPatch> load_patch_argument(const std::string& arg, const std::string& base_dir) {
  std::string trimmed(trim(arg));
  bool file = !trimmed.empty() && trimmed[0] == '@';
  std::string path = file ? trimmed.substr(1) : trimmed;
  // configpatcher.LoadPatch: inline text without whitespace that does not look like JSON is a file name.
  if (!file && !trimmed.empty() && trimmed.find_first_of(" \n\t") == std::string::npos && trimmed[0] != '[' &&
      trimmed[0] != '{') {
    file = true;
  }
  if (!file) {
    return parse_patch(arg, "inline patch");
  }
  std::string full = path.empty() || path[0] == '/' ? path : join_path(base_dir, path);
  TRY_ASSIGN(auto text, read_file(full));
  return parse_patch(text, full);
}

Result<void> apply_patch(std::vector<Node>& docs, const ConfigPatch& patch) {
  if (patch.kind == ConfigPatch::Kind::json6902) {
    if (patch.ops.empty()) {
      return {};
    }
    if (docs.size() != 1) {
      return fail("JSON6902 patches are not supported for multi-document machine configuration", patch.location,
                  "patch-json6902");
    }
    for (const auto& op : patch.ops) {
      TRY(apply_op(docs.front(), op));
    }
    canonicalize(docs);
    return {};
  }
  std::vector<std::string> patched;
  for (const auto& pdoc : patch.documents) {
    std::string id = patch_document_id(pdoc);
    if (std::find(patched.begin(), patched.end(), id) != patched.end()) {
      return fail("the document " + id + " is patched twice in one patch", pdoc.location(), "patch-invalid");
    }
    patched.push_back(id);
    auto it = std::find_if(docs.begin(), docs.end(), [&](const Node& d) { return document_id(d) == id; });
    if (is_delete_directive(pdoc)) {
      if (id == "v1alpha1") {
        return fail("the v1alpha1 document cannot be deleted", pdoc.location(), "patch-invalid");
      }
      if (it != docs.end()) {
        docs.erase(it);
      }
      continue;
    }
    if (it == docs.end()) {
      docs.push_back(strip_directives(pdoc));
      continue;
    }
    TRY(merge_node(*it, pdoc, doc_kind_prefix(*it)));
  }
  canonicalize(docs);
  return {};
}

Result<void> apply_patches(std::vector<Node>& docs, const std::vector<ConfigPatch>& patches) {
  for (const auto& p : patches) {
    TRY(apply_patch(docs, p));
  }
  return {};
}

}  // namespace talgpu::talos
