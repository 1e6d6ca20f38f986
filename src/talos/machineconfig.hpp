#pragma once
// Talos machine configs as `talosctl gen config` writes them (comments off).
//
// Generation mirrors talos pkg/machinery/config/generate/{init.go,controlplane.go,worker.go} for
// the version contracts 1.3 to 1.13: which fields exist, their defaults per contract, and the key
// order of the Go structs. Configs are plain yaml::Node documents; `canonicalize` puts any
// config (generated, patched, or written by a user) into the order Talos itself would encode it
// in: struct fields in declaration order (taken from the published JSON schemas), Go maps sorted
// the way go-yaml sorts them. Encoding with goyaml_v3_options(4) then gives Talos's bytes.

#include <nlohmann/json_fwd.hpp>

#include <core/diagnostic.hpp>
#include <core/error.hpp>
#include <talos/secrets.hpp>
#include <yaml/node.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace talgpu::talos {

enum class MachineType { controlplane, worker };
const char* machine_type_name(MachineType t);

struct RegistryMirror {
  std::string host;
  std::vector<std::string> endpoints;
};

// The inputs of talos generate.NewInput + its options (options.go), as talosctl exposes them.
struct GenOptions {
  std::string cluster_name;
  std::string endpoint;            // "https://host:6443"
  std::string kubernetes_version;  // "1.34.1" (a leading 'v' is dropped)
  Contract contract;
  std::string install_disk;   // empty: no install.disk (talosctl's flag default is /dev/sda)
  std::string install_image;  // empty: no install.image
  std::vector<std::string> install_extra_kernel_args;
  std::string dns_domain = "cluster.local";
  std::vector<std::string> additional_sans;  // machine.certSANs (and apiServer.certSANs by default)
  // apiServer.certSANs besides the endpoint host when they differ from additional_sans
  // (talhelper: additionalApiServerCertSans vs additionalMachineCertSans).
  std::optional<std::vector<std::string>> api_server_sans;
  bool allow_scheduling_on_control_planes = false;
  int local_api_server_port = 0;
  std::vector<std::pair<std::string, std::string>> sysctls;
  std::string cni_custom_url;  // cni {name: custom, urls: [url]}
  std::vector<RegistryMirror> registry_mirrors;
  std::vector<std::string> pod_subnets = {"10.244.0.0/16"};
  std::vector<std::string> service_subnets = {"10.96.0.0/12"};
  bool discovery = true;
};

// The documents of one machine config: the v1alpha1 document first.
Result<std::vector<yaml::Node>> generate_config(MachineType type, const GenOptions& opts, const SecretsBundle& secrets);

// go-yaml v3 text of a config stream (4-space indent, documents separated by ---).
std::string encode_config(const std::vector<yaml::Node>& docs);

// cluster.apiServer.admissionControl as Talos generates it (k8s.DefaultPodSecurityAdmissionControlConfig,
// pkg/machinery/config/types/k8s): PodSecurity with defaults enforce baseline, warn and audit
// restricted, all at latest, and kube-system exempt.
yaml::Node default_pod_security_admission();

// Reorders every mapping of a config document into Talos's struct order (see the file comment).
// Unknown keys keep their relative order after the known ones.
void canonicalize(yaml::Node& doc);
void canonicalize(std::vector<yaml::Node>& docs);

// The secrets bundle held by a controlplane machine config, in the shape of a talsecret.yaml
// (talos pkg/machinery/config/generate/secrets/bundle.go NewBundleFromConfig; talhelper
// `gensecret -f`): cluster id/secret, cluster.token, the encryption secret, machine.token and the
// etcd, Kubernetes, aggregator, service-account and OS CAs. Values are copied with their source
// positions; fields the config lacks (a worker config has no CA keys) are left out, so
// `secrets_from_node` reports them. `docs` is the config stream; the v1alpha1 document is used.
Result<yaml::Node> secrets_node_from_config(const std::vector<yaml::Node>& docs);

// go-yaml v3's ordering of map keys (sorter.go: numbers inside keys compare numerically).
bool goyaml_key_less(std::string_view a, std::string_view b);

// The document identity used by multi-document patching: "v1alpha1" for the main document,
// else "<apiVersion>/<kind>/<name>".
std::string document_id(const yaml::Node& doc);

// Schema-derived field order (machineconfig_schema_order.cpp, generated).
struct SchemaProp {
  const char* name;
  char shape;  // 's' scalar, 'o' object (ref), 'a' list of ref, 'm' map of ref, 'u' map/unstructured
  const char* ref;
};
struct SchemaDef {
  const char* name;
  const char* kind;  // document kind for top-level documents, else ""
  std::vector<SchemaProp> props;
};
const std::vector<SchemaDef>& schema_order_defs();

// A JSON-schema validator for the subset the Talos config schemas use: type, properties,
// additionalProperties, patternProperties, items, enum, required, pattern, $ref into $defs,
// oneOf/anyOf/allOf. Each problem is a diagnostic (rule `machineconfig-schema`) at the node.
class SchemaValidator {
 public:
  explicit SchemaValidator(const nlohmann::json& schema);
  ~SchemaValidator();
  SchemaValidator(const SchemaValidator&) = delete;
  SchemaValidator& operator=(const SchemaValidator&) = delete;

  // Validates one document against the root schema (its oneOf picks the document type).
  void validate(const yaml::Node& doc, Diagnostics& diags) const;

 private:
  struct Impl;
  Impl* m_impl;
};

// Loads a schema file (JSON).
Result<nlohmann::json> load_schema(const std::string& path);

}  // namespace talgpu::talos
