#pragma once
// The talconfig loading every command shares: load with talhelper semantics, and when the file
// cannot be loaded at all, print what the loader collected and stop with exit 2.

#include <app/context.hpp>
#include <talos/talconfig.hpp>

namespace talgpu {

talos::TalConfig load_talconfig_or_abort(const Context& ctx, const talos::LoadOptions& opts, Diagnostics& diags);

}  // namespace talgpu
