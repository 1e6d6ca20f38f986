#include <app/plan.hpp>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/fs.hpp>
#include <yaml/document.hpp>
#include <yaml/reader.hpp>

namespace talgpu {

namespace {

namespace fs = std::filesystem;

struct ManifestRef {
  std::string file;
  int line = 0;
  std::string kind;
  std::string name;
  std::string ns;
};

bool is_yaml(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

// Files that belong to talhelper, not to the cluster's manifests.
bool is_talhelper_file(const std::string& name) {
  return name.rfind("talconfig", 0) == 0 || name.rfind("talenv", 0) == 0 || name.rfind("talsecret", 0) == 0 ||
         name == ".sops.yaml";
}

std::vector<std::string> yaml_files_under(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      break;
    }
    const auto& p = it->path();
    std::string fname = p.filename().string();
    if (it->is_directory() && (fname == "clusterconfig" || (!fname.empty() && fname[0] == '.'))) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_yaml(p) && !is_talhelper_file(fname)) {
      out.push_back(p.lexically_normal().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int run_plan(Context& ctx, const std::string& dir) {
  if (!is_directory(dir)) {
    throw Abort(fmt::format("'{}' is not a folder", dir), k_exit_usage);
  }
  Diagnostics diags;
  std::string talconfig = join_path(dir, "talconfig.yaml");
  nlohmann::ordered_json report;
  report["dir"] = dir;

  struct NodeRow {
    std::string hostname;
    std::string role;
    std::string ip;
    bool gpu = false;
  };
  std::vector<NodeRow> nodes;
  std::string cluster;
  // A talconfig.yaml that cannot be loaded stops the plan with exit 2, its diagnostic on stderr
  // (or in the JSON report).
  auto stop_unreadable = [&](Diagnostics d) {
    if (ctx.json()) {
      report["diagnostics"] = nlohmann::ordered_json::parse(render_json(d));
      fmt::print(ctx.out, "{}\n", report.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    } else {
      print_diagnostics(ctx, d);
    }
    return k_exit_usage;
  };
  std::error_code talconfig_ec;
  // symlink_status: a dangling or looping talconfig.yaml is unreadable, not absent.
  if (fs::symlink_status(talconfig, talconfig_ec).type() == fs::file_type::not_found) {
    diags.error("plan-no-talconfig", fmt::format("no talconfig.yaml in '{}'", dir));
  } else {
    auto root = yaml::parse_file(talconfig);
    if (!root) {
      Diagnostics d;
      d.error(root.error().rule, root.error().message, root.error().location);
      return stop_unreadable(std::move(d));
    }
    if (root->empty() || root->front().root.is_null()) {
      Diagnostics d;
      d.error("plan-talconfig-empty", "talconfig.yaml is empty", SourceLocation{talconfig, 0, 0},
              "start from talhelper's template: clusterName, endpoint and a list of nodes");
      return stop_unreadable(std::move(d));
    }
    if (!root->front().root.is_mapping()) {
      const yaml::Node& r = root->front().root;
      Diagnostics d;
      d.error("plan-talconfig-type", fmt::format("talconfig.yaml must be a mapping, not {}", yaml::describe_kind(r)),
              r.location());
      return stop_unreadable(std::move(d));
    }
    {
      const yaml::Node& cfg = root->front().root;
      if (const yaml::Node* n = cfg.find("clusterName"); n != nullptr && n->is_scalar()) {
        cluster = n->value();
      }
      if (const yaml::Node* list = cfg.find("nodes"); list != nullptr && list->is_sequence()) {
        for (const auto& n : list->items()) {
          NodeRow row;
          if (const auto* h = n.find("hostname")) {
            row.hostname = h->value();
          }
          if (const auto* ip = n.find("ipAddress")) {
            row.ip = ip->value();
          }
          const auto* cp = n.find("controlPlane");
          row.role = cp != nullptr && cp->value() == "true" ? "controlplane" : "worker";
          // Until the talconfig model lands: a node with an NVIDIA extension is a GPU node.
          if (const auto* s = n.find("schematic")) {
            std::function<bool(const yaml::Node&)> has_nvidia = [&](const yaml::Node& x) -> bool {
              if (x.is_scalar()) {
                return x.value().find("nvidia") != std::string::npos;
              }
              for (const auto& i : x.items()) {
                if (has_nvidia(i)) {
                  return true;
                }
              }
              for (const auto& e : x.entries()) {
                if (has_nvidia(e.value)) {
                  return true;
                }
              }
              return false;
            };
            row.gpu = has_nvidia(*s);
          }
          nodes.push_back(row);
        }
      }
    }
  }

  std::vector<ManifestRef> manifests;
  bool unreadable = false;
  for (const auto& file : yaml_files_under(dir)) {
    auto docs = yaml::parse_file(file);
    if (!docs) {
      diags.error(docs.error().rule, docs.error().message, docs.error().location);
      unreadable = true;
      continue;
    }
    for (const auto& d : *docs) {
      if (!d.root.is_mapping()) {
        continue;
      }
      ManifestRef m;
      m.file = file;
      m.line = d.root.mark().line;
      if (const auto* k = d.root.find("kind")) {
        m.kind = k->value();
      }
      if (const auto* md = d.root.find("metadata")) {
        if (const auto* nm = md->find("name")) {
          m.name = nm->value();
        }
        if (const auto* ns = md->find("namespace")) {
          m.ns = ns->value();
        }
      }
      manifests.push_back(m);
    }
  }

  if (ctx.json()) {
    report["cluster"] = cluster;
    report["nodes"] = nlohmann::ordered_json::array();
    for (const auto& n : nodes) {
      report["nodes"].push_back({{"hostname", n.hostname}, {"role", n.role}, {"ip", n.ip}, {"gpu", n.gpu}});
    }
    report["manifests"] = nlohmann::ordered_json::array();
    for (const auto& m : manifests) {
      report["manifests"].push_back(
          {{"file", m.file}, {"line", m.line}, {"kind", m.kind}, {"name", m.name}, {"namespace", m.ns}});
    }
    report["diagnostics"] = nlohmann::ordered_json::parse(render_json(diags));
    fmt::print(ctx.out, "{}\n", report.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  } else {
    out_line(ctx, fmt::format("cluster {} ({} nodes)", cluster, nodes.size()));
    for (const auto& n : nodes) {
      out_line(ctx, fmt::format("  {:<12} {:<13} {:<15}{}", n.hostname, n.role, n.ip, n.gpu ? " gpu" : ""));
    }
    out_line(ctx, fmt::format("manifests: {}", manifests.size()));
    for (const auto& m : manifests) {
      out_line(ctx, fmt::format("  {}:{}  {} {}{}", m.file, m.line, m.kind, m.ns.empty() ? "" : m.ns + "/", m.name));
    }
    print_diagnostics(ctx, diags);
  }
  if (unreadable) {
    return k_exit_usage;
  }
  return diags.has_errors() ? k_exit_findings : k_exit_ok;
}

}  // namespace talgpu
