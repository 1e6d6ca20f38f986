#pragma once
// Talos's own validation of a machine config, for the rules a talconfig (its fields or its
// patches) can break in a config talgpu generates: Talos refuses such a config when it is applied
// (`talosctl apply-config`, or at boot), so genconfig and validate report them first.
//
// Mirrors siderolabs/talos pkg/machinery/config/types/v1alpha1/v1alpha1_validation.go
// (Config.Validate) for the rules listed in validate.cpp; the mode is `metal` (an installed node).

#include <core/diagnostic.hpp>
#include <yaml/node.hpp>

#include <string>
#include <vector>

namespace talgpu::talos {

// Reports each broken rule (rule `talos-config-invalid`) at the field that breaks it when the
// field came from a file (a patch, the talconfig), else at `fallback`. `who` names the node.
void validate_machine_config(const std::vector<yaml::Node>& docs, const std::string& who,
                             const SourceLocation& fallback, Diagnostics& diags);

}  // namespace talgpu::talos
