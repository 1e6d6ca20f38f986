#pragma once
// Validation of a loaded talconfig, after talhelper's pkg/config/validator.go (plus the checks it
// delegates to Talos: pkg/machinery/compatibility, pkg/machinery/labels). Every problem carries
// the field path in its message and the source location of the offending value.
//
// Rule ids: talconfig-required, talconfig-talos-version, talconfig-k8s-version,
// talconfig-endpoint, talconfig-domain, talconfig-cidr, talconfig-cni, talconfig-inline-manifest,
// talconfig-hostname, talconfig-duplicate-hostname, talconfig-ip, talconfig-install-disk,
// talconfig-label, talconfig-annotation, talconfig-taint, talconfig-extension,
// talconfig-duplicate-extension, talconfig-overlay, talconfig-nameserver, talconfig-image-url,
// talconfig-machine-file, talconfig-machine-spec, talconfig-extra-manifest,
// talconfig-deprecated, talconfig-user-volume.

#include <optional>
#include <string>
#include <string_view>

#include <core/diagnostic.hpp>
#include <core/version.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::talhelper {

void validate_talconfig(const TalConfig& cfg, Diagnostics& diags);

// The Kubernetes range a Talos minor supports (pkg/machinery/compatibility/talosXY/talosXY.go):
// minimum inclusive, maximum exclusive (Talos writes it as "1.34.99" and refuses >= it).
struct KubernetesRange {
  Version minimum;
  Version maximum;
};
std::optional<KubernetesRange> kubernetes_range_for_talos(const Version& talos);
// Empty when supported, else Talos's message ("version of Kubernetes 1.36.0 is too new to be used
// with Talos 1.11.1").
std::string check_kubernetes_compat(std::string_view talos_version, std::string_view kubernetes_version);

// Building blocks (exposed for tests and for other checks).
bool is_valid_hostname(std::string_view s);                 // RFC 1123 labels, dots allowed
bool is_valid_domain(std::string_view s);                   // talhelper IsDomain
bool is_valid_ip(std::string_view s);                       // IPv4 or IPv6 literal
bool is_valid_cidr(std::string_view s);
std::string validate_endpoint_uri(std::string_view ep);     // siderolabs/net ValidateEndpointURI; "" = ok
std::string validate_label_key(std::string_view key);       // Kubernetes qualified name; "" = ok
std::string validate_label_value(std::string_view value);   // "" = ok
std::string validate_taint(std::string_view key, std::string_view value);  // "" = ok

}  // namespace talgpu::talhelper
