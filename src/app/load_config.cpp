#include <app/load_config.hpp>

#include <fmt/format.h>

#include <core/error.hpp>

namespace talgpu {

void verbose_declaration(const Context& ctx, const talhelper::TalConfig& cfg) {
  if (ctx.verbosity <= 0) {
    return;
  }
  size_t control_planes = 0;
  for (const auto& n : cfg.nodes) {
    control_planes += n.control_plane ? 1 : 0;
  }
  verbose(ctx, fmt::format("talconfig: {}: cluster {}, Talos {}, Kubernetes {}, {} node(s) ({} control plane)", cfg.path,
                           cfg.cluster_name, cfg.talos_version, cfg.kubernetes_version, cfg.nodes.size(),
                           control_planes));
}

talhelper::TalConfig load_talconfig_or_abort(const Context& ctx, const talhelper::LoadOptions& opts, Diagnostics& diags) {
  auto cfg = talhelper::load_talconfig(opts, diags);
  if (!cfg) {
    print_diagnostics(ctx, diags);
    throw Abort(cfg.error().describe(), k_exit_usage);
  }
  verbose_declaration(ctx, *cfg);
  return std::move(*cfg);
}

}  // namespace talgpu
