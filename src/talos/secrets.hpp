#pragma once
// Talos secrets bundles (`talosctl gen secrets`, talhelper's talsecret.yaml) and the Talos
// version contract that decides which defaults a generated config gets.
//
// On disk the bundle is go-yaml's encoding of talos `secrets.Bundle`
// (pkg/machinery/config/generate/secrets/bundle.go): lowercase field names, certificates and keys
// as base64 of their PEM text. We keep the PEM text decoded and re-encode on output, which gives
// the same bytes because standard base64 is canonical.

#include <core/diagnostic.hpp>
#include <core/error.hpp>
#include <core/version.hpp>
#include <yaml/node.hpp>

#include <optional>
#include <string>
#include <vector>

namespace talgpu::talos {

// talos pkg/machinery/config/contract.go: feature switches keyed by the Talos minor version the
// config targets (`talosctl gen config --talos-version`).
struct Contract {
  int major = 1;
  int minor = 11;

  static std::optional<Contract> parse(std::string_view talos_version);  // "v1.11.2", "1.12"
  std::string str() const { return "v" + std::to_string(major) + "." + std::to_string(minor); }
  bool greater(int ma, int mi) const { return major > ma || (major == ma && minor > mi); }
  bool at_least(int ma, int mi) const { return major > ma || (major == ma && minor >= mi); }

  bool secretbox_encryption() const { return greater(1, 2); }
  bool rsa_service_account_key() const { return greater(1, 6); }
  bool stable_hostname_default() const { return greater(1, 1); }
  bool apid_ext_key_usage_default() const { return greater(1, 2); }
  bool disk_quota_default() const { return greater(1, 4); }
  bool kubeprism_default() const { return greater(1, 5); }
  bool host_dns_default() const { return greater(1, 6); }
  bool host_dns_forward_kube_dns() const { return greater(1, 7); }
  bool cluster_name_on_workers() const { return greater(1, 7); }
  bool exclude_from_lb_label() const { return greater(1, 7); }
  // 1.12: HostnameConfig document, grubUseUKICmdline, several defaults no longer written.
  bool multidoc_hostname() const { return greater(1, 11); }
  // MultidocNetworkConfigSupported (> 1.11): the generator writes HostnameConfig and, for
  // `--registry-mirror`, RegistryMirrorConfig documents (talos pkg/machinery/config/generate/
  // network.go, registry.go). GrubUseUKICmdlineDefault shares the gate (init.go, worker.go).
  bool multidoc_network() const { return greater(1, 11); }
  bool grub_use_uki_cmdline_default() const { return greater(1, 11); }
  // KubeSpanMultidocConfig (> 1.12): no empty `machine.network: {}` any more (generate/network.go;
  // stability/v1.13 fixtures).
  bool kubespan_multidoc() const { return greater(1, 12); }
  // MultidocKubernetesConfigSupported (> 1.13, Talos 1.14): Kubernetes settings move into
  // Kube*Config documents. talgpu generates up to the 1.13 contract.
  static constexpr int k_newest_minor = 13;

  bool operator==(const Contract&) const = default;
};

struct CertPair {
  std::string crt;  // PEM (empty for key-only entries)
  std::string key;  // PEM
};

struct SecretsBundle {
  std::string cluster_id;      // base64url(32 random bytes), padded
  std::string cluster_secret;  // base64(32 random bytes)
  std::string bootstrap_token;
  std::string aescbc_encryption_secret;     // legacy (contract <= 1.2)
  std::string secretbox_encryption_secret;  // base64(32 random bytes)
  std::string trustd_token;
  CertPair etcd;
  CertPair k8s;
  CertPair k8s_aggregator;
  CertPair k8s_service_account;  // key only
  CertPair os;
};

// A Talos token: 6 and 16 characters of [0-9a-z] joined by '.'.
std::string generate_token();
bool is_valid_token(std::string_view token);

// A fresh bundle with Talos's key types and subjects for `contract`.
Result<SecretsBundle> generate_secrets(const Contract& contract);

// The bundle as YAML (key order of secrets.Bundle; empty optional fields left out).
yaml::Node secrets_to_node(const SecretsBundle& bundle);
// go-yaml v3 text at `indent` (Talos writes 4; talhelper's gensecret prints 2).
std::string secrets_to_yaml(const SecretsBundle& bundle, int indent = 4);

// Reads a bundle from YAML. Problems (missing keys, unknown keys, bad tokens, undecodable or
// mismatched certificates) are located diagnostics with rule ids `secrets-*`; the result is an
// error only when the document is not a mapping at all.
Result<SecretsBundle> secrets_from_node(const yaml::Node& root, Diagnostics& diags);
// Reads and parses a bundle file. SOPS-encrypted files must be decrypted by the caller first
// (`text` is then the plain YAML; `name` is used in locations).
Result<SecretsBundle> parse_secrets(std::string_view text, const std::string& name, Diagnostics& diags);
Result<SecretsBundle> load_secrets_file(const std::string& path, Diagnostics& diags);

// talhelper's default list, in order; the last one that exists wins.
const std::vector<std::string>& default_secret_files();
// The secrets file to use in `dir`: `explicit_path` when given, else the last existing default.
std::optional<std::string> find_secrets_file(const std::string& dir, const std::string& explicit_path = {});

// Writes the bundle (mode 0600) atomically.
Result<void> write_secrets(const std::string& path, const SecretsBundle& bundle, int indent = 4);

}  // namespace talgpu::talos
