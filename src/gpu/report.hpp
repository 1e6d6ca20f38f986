#pragma once
// Renders a probe report: JSON (schema docs/probe.schema.json) or text for a terminal.

#include <string>

#include <gpu/probe.hpp>

namespace talgpu::gpu {

std::string render_json(const ProbeReport& r);
// `color`: ANSI colours for the verdicts. Control characters in driver-supplied strings are escaped.
std::string render_text(const ProbeReport& r, bool color);

}  // namespace talgpu::gpu
