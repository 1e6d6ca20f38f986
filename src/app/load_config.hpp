#pragma once
// The talconfig loading every command shares: load with talhelper semantics, and when the file
// cannot be loaded at all, print what the loader collected and stop with exit 2.

#include <app/context.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu {

// -v: one line saying which declaration was read and what it holds.
void verbose_declaration(const Context& ctx, const talhelper::TalConfig& cfg);

talhelper::TalConfig load_talconfig_or_abort(const Context& ctx, const talhelper::LoadOptions& opts, Diagnostics& diags);

}  // namespace talgpu
