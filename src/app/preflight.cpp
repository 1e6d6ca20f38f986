#include <app/preflight.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <core/version.hpp>
#include <talhelper/genconfig.hpp>
#include <talos/secrets.hpp>

namespace talgpu {

void check_generation(const talhelper::TalConfig& cfg, Diagnostics& diags) {
  auto contract = talos::Contract::parse(cfg.talos_version);
  if (!contract) {
    return;  // the loader reported the version
  }
  auto secrets = talos::generate_secrets(*contract);
  if (!secrets) {
    diags.error(secrets.error().rule.empty() ? "secrets-generate" : secrets.error().rule, secrets.error().message,
                SourceLocation{cfg.path, 0, 0});
    return;
  }
  talhelper::GenconfigOptions opts;
  for (const auto& node : cfg.nodes) {
    auto docs = talhelper::node_config(cfg, node, *secrets, opts, diags);
    if (!docs) {
      const Error& e = docs.error();
      // Located in the user's file, the location names the node; else say which node.
      diags.error(e.rule.empty() ? "genconfig" : e.rule,
                  e.location.empty() ? fmt::format("node {}: {}", node.hostname, e.message) : e.message,
                  e.location.empty() ? node.location : e.location);
    }
  }
}

std::vector<nvidia::GpuNodeInfo> check_gpu_nodes(const talhelper::TalConfig& cfg, Diagnostics& diags,
                                                 const std::string& only, Severity installer_severity) {
  std::vector<nvidia::GpuNodeInfo> out;
  for (const auto& node : cfg.nodes) {
    if (!only.empty() && cfg.find_node(only) != &node) {
      continue;
    }
    nvidia::GpuNodeInfo info = nvidia::analyze_gpu_node(cfg, node, diags);
    if (auto why = nvidia::installer_drops_nvidia(info)) {
      SourceLocation where = node.talos_image_url.empty() ? node.field_location("schematic")
                                                          : node.field_location("talosImageURL");
      diags.add({installer_severity, "nvidia-installer-image",
                 fmt::format("{}: installing or upgrading drops the NVIDIA extensions: {}", node.hostname, *why),
                 where,
                 "use the factory installer of a schematic with the node's NVIDIA extensions (declare the node's "
                 "`schematic:` with them, or set talosImageURL to that installer)"});
    }
    out.push_back(std::move(info));
  }
  return out;
}

void drop_repeats(Diagnostics& diags) {
  Diagnostics kept;
  std::vector<Diagnostic> seen;
  for (const auto& d : diags.items()) {
    auto same = [&](const Diagnostic& o) {
      return o.severity == d.severity && o.rule == d.rule && o.message == d.message &&
             o.location.str() == d.location.str();
    };
    auto it = std::find_if(seen.begin(), seen.end(), same);
    if (it == seen.end()) {
      seen.push_back(d);
    } else if (it->hint.empty()) {
      it->hint = d.hint;
    }
  }
  for (auto& d : seen) {
    kept.add(std::move(d));
  }
  diags = std::move(kept);
}

}  // namespace talgpu
