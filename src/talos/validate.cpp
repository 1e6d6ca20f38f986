#include <talos/validate.hpp>

#include <fmt/format.h>

namespace talgpu::talos {

namespace {

using yaml::Node;

const Node* v1alpha1(const std::vector<Node>& docs) {
  for (const auto& d : docs) {
    // The v1alpha1 document is the one without `kind` (talos/pkg/machinery/config/configloader).
    if (d.is_mapping() && d.find("kind") == nullptr && d.find("machine") != nullptr) {
      return &d;
    }
  }
  return nullptr;
}

SourceLocation at(const Node* n, const SourceLocation& fallback) {
  if (n != nullptr) {
    SourceLocation l = n->location();
    if (!l.empty()) {
      return l;
    }
  }
  return fallback;
}

bool is_true(const Node* n) {
  return n != nullptr && n->is_scalar() && n->scalar_type() == yaml::ScalarType::boolean &&
         (n->value() == "true" || n->value() == "True" || n->value() == "TRUE");
}

// v1alpha1_validation.go, Config.Validate, under `mode.RequiresInstall() && MachineInstall != nil`
// (Talos 1.12+, "feat: unify cmdline handling GRUB/systemd-boot"): with grubUseUKICmdline GRUB
// takes the kernel command line from the UKI, so install.extraKernelArgs would be ignored;
// Talos refuses the two together.
void install_rules(const Node& install, const std::string& who, const SourceLocation& fallback, Diagnostics& diags) {
  const Node* args = install.find("extraKernelArgs");
  const Node* uki = install.find("grubUseUKICmdline");
  if (args != nullptr && args->is_sequence() && !args->items().empty() && is_true(uki)) {
    diags.error("talos-config-invalid",
                fmt::format("{}: install.extraKernelArgs and install.grubUseUKICmdline can't be used together "
                            "(Talos refuses this config)",
                            who),
                at(uki, at(args, fallback)),
                "with grubUseUKICmdline the kernel arguments come from the image: put them in the schematic's "
                "customization.extraKernelArgs (or drop grubUseUKICmdline)");
  }
}

}  // namespace

void validate_machine_config(const std::vector<Node>& docs, const std::string& who, const SourceLocation& fallback,
                             Diagnostics& diags) {
  const Node* doc = v1alpha1(docs);
  if (doc == nullptr) {
    return;
  }
  const Node* machine = doc->find("machine");
  if (machine == nullptr || !machine->is_mapping()) {
    return;
  }
  if (const Node* install = machine->find("install"); install != nullptr && install->is_mapping()) {
    install_rules(*install, who, fallback, diags);
  }
}

}  // namespace talgpu::talos
