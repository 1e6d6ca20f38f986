#include <app/load_config.hpp>

#include <core/error.hpp>

namespace talgpu {

talhelper::TalConfig load_talconfig_or_abort(const Context& ctx, const talhelper::LoadOptions& opts, Diagnostics& diags) {
  auto cfg = talhelper::load_talconfig(opts, diags);
  if (!cfg) {
    print_diagnostics(ctx, diags);
    throw Abort(cfg.error().describe(), k_exit_usage);
  }
  return std::move(*cfg);
}

}  // namespace talgpu
