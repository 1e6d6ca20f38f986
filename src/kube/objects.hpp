#pragma once
// The typed subset of Kubernetes objects talgpu reasons about.
//
// These are plain values built by the manifest loader (manifest_loader.hpp) and the nodes.json
// reader (nodes_json.hpp). They carry only the fields that scheduling, RuntimeClass admission,
// extended-resource validation and Pod Security need, and every field a finding may point at keeps
// its `SourceLocation` (file:line:col of the YAML node). Optional API fields stay `std::optional`
// so "unset" and "set to the zero value" remain different: Pod Security depends on it
// (`allowPrivilegeEscalation` unset fails restricted, `runAsUser: 0` fails while unset passes).
//
// Field names follow the Kubernetes API (k8s.io/api core/v1, node/v1, apps/v1, batch/v1).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <core/source.hpp>
#include <kube/quantity.hpp>

namespace talgpu::kube {

// The extended resource the NVIDIA device plugin advertises.
inline constexpr std::string_view k_gpu_resource = "nvidia.com/gpu";

// A string map (labels, annotations, nodeSelector) that remembers where each key was written.
// A sorted vector rather than a std::map: these maps hold a handful of entries, and a fleet holds
// tens of thousands of them (one allocation per map instead of two per entry).
struct StringMap {
  struct Entry {
    std::string key;
    std::string value;
    SourceLocation location;  // of the key; empty when set in code
  };
  std::vector<Entry> entries;  // sorted by key, keys unique
  SourceLocation location;     // of the map itself (empty when absent)

  bool empty() const { return entries.empty(); }
  size_t size() const { return entries.size(); }
  std::vector<Entry>::const_iterator begin() const { return entries.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries.end(); }
  const std::string* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  SourceLocation location_of(std::string_view key) const;  // falls back to the map's location
  // Sets key to value. An empty `loc` keeps the location an existing key had.
  void set(std::string key, std::string value, SourceLocation loc = {});
};

// core/v1 Taint. Effect is one of NoSchedule, PreferNoSchedule, NoExecute.
struct Taint {
  std::string key;
  std::string value;
  std::string effect;
  SourceLocation location;

  // Taint.ToString(): "key=value:effect", "key:effect", "key=value:" or "key".
  std::string str() const;
};

// core/v1 Toleration. `op` is the raw `operator` ("" means Equal).
struct Toleration {
  std::string key;
  std::string op;
  std::string value;
  std::string effect;
  std::optional<int64_t> toleration_seconds;
  SourceLocation location;
  // Where the toleration came from when it was not written in the pod template:
  // "" (written), "daemonset" (controller default), "runtimeclass:<name>" (admission merge).
  std::string origin;
};

// core/v1 NodeSelectorRequirement (matchExpressions and matchFields items).
struct NodeSelectorRequirement {
  std::string key;
  std::string op;  // In, NotIn, Exists, DoesNotExist, Gt, Lt
  std::vector<std::string> values;
  SourceLocation location;
};

struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> match_expressions;
  std::vector<NodeSelectorRequirement> match_fields;
  SourceLocation location;
};

// core/v1 NodeSelector: terms are ORed.
struct NodeSelector {
  std::vector<NodeSelectorTerm> terms;
  SourceLocation location;
};

struct PreferredSchedulingTerm {
  int32_t weight = 0;
  NodeSelectorTerm preference;
};

struct NodeAffinity {
  std::optional<NodeSelector> required;  // requiredDuringSchedulingIgnoredDuringExecution
  std::vector<PreferredSchedulingTerm> preferred;  // ignored for fit
  SourceLocation location;
};

// A resource quantity as written, with its location.
struct ResourceValue {
  Quantity quantity;
  SourceLocation location;
};

struct ResourceList {
  std::map<std::string, ResourceValue, std::less<>> items;
  SourceLocation location;  // of the `requests:` / `limits:` mapping

  bool empty() const { return items.empty(); }
  const ResourceValue* find(std::string_view name) const;
};

struct ResourceRequirements {
  ResourceList requests;
  ResourceList limits;
  SourceLocation location;  // of `resources:`
};

// Security context types (core/v1). Every field optional: Pod Security distinguishes unset.
struct SELinuxOptions {
  std::optional<std::string> user;
  std::optional<std::string> role;
  std::optional<std::string> type;
  std::optional<std::string> level;
};

struct SeccompProfile {
  std::string type;  // RuntimeDefault, Localhost, Unconfined
  std::optional<std::string> localhost_profile;
};

struct AppArmorProfile {
  std::string type;  // RuntimeDefault, Localhost, Unconfined
  std::optional<std::string> localhost_profile;
};

struct WindowsOptions {
  std::optional<bool> host_process;
};

struct Capabilities {
  std::optional<std::vector<std::string>> add;
  std::optional<std::vector<std::string>> drop;
};

struct Sysctl {
  std::string name;
  std::string value;
};

struct PodSecurityContext {
  std::optional<bool> run_as_non_root;
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::optional<int64_t> fs_group;
  std::optional<SELinuxOptions> se_linux_options;
  std::optional<SeccompProfile> seccomp_profile;
  std::optional<AppArmorProfile> app_armor_profile;
  std::optional<WindowsOptions> windows_options;
  std::vector<Sysctl> sysctls;
  SourceLocation location;
};

struct SecurityContext {
  std::optional<bool> privileged;
  std::optional<bool> allow_privilege_escalation;
  std::optional<Capabilities> capabilities;
  std::optional<bool> run_as_non_root;
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::optional<bool> read_only_root_filesystem;
  std::optional<std::string> proc_mount;
  std::optional<SELinuxOptions> se_linux_options;
  std::optional<SeccompProfile> seccomp_profile;
  std::optional<AppArmorProfile> app_armor_profile;
  std::optional<WindowsOptions> windows_options;
  SourceLocation location;
};

struct ContainerPort {
  std::string name;
  int32_t container_port = 0;
  int32_t host_port = 0;
  std::string protocol;
  SourceLocation location;
};

struct EnvVar {
  std::string name;
  std::optional<std::string> value;  // nullopt when set through valueFrom
  SourceLocation location;
};

// A probe or lifecycle handler that names a `host` (Pod Security hostProbesAndHostLifecycle).
struct HandlerHost {
  std::string field;  // e.g. "livenessProbe.httpGet.host", "lifecycle.preStop.tcpSocket.host"
  std::string host;
  SourceLocation location;
};

enum class ContainerKind { init, regular, ephemeral };

struct Container {
  ContainerKind kind = ContainerKind::regular;
  std::string name;
  std::string image;
  SourceLocation image_location;
  std::optional<std::string> restart_policy;  // init containers: "Always" = sidecar
  ResourceRequirements resources;
  std::optional<SecurityContext> security_context;
  std::vector<ContainerPort> ports;
  std::vector<EnvVar> env;
  std::vector<HandlerHost> handler_hosts;
  SourceLocation location;  // the container's entry

  const EnvVar* find_env(std::string_view name) const;
};

// A volume: its name and which source it uses (the first key besides `name`, e.g. "hostPath").
struct Volume {
  std::string name;
  std::string source;        // "" when no source key is set (an emptyDir by API defaulting)
  std::string host_path;     // for hostPath
  SourceLocation location;
};

// A pod spec together with the template metadata (labels/annotations feed Pod Security's
// annotation-based checks for old versions).
struct PodTemplate {
  StringMap labels;
  StringMap annotations;

  StringMap node_selector;
  std::optional<NodeAffinity> node_affinity;
  std::vector<Toleration> tolerations;
  SourceLocation tolerations_location;
  std::optional<std::string> runtime_class_name;
  SourceLocation runtime_class_location;
  std::string node_name;
  SourceLocation node_name_location;
  std::string priority_class_name;
  std::string service_account_name;
  bool host_network = false;
  bool host_pid = false;
  bool host_ipc = false;
  std::optional<bool> host_users;
  std::optional<std::string> os_name;  // spec.os.name
  std::optional<PodSecurityContext> security_context;
  std::vector<Volume> volumes;
  ResourceList overhead;  // spec.overhead
  std::vector<Container> init_containers;
  std::vector<Container> containers;
  std::vector<Container> ephemeral_containers;
  SourceLocation location;  // the pod spec

  // Init containers, then containers, then ephemeral containers (Pod Security's visit order).
  std::vector<const Container*> all_containers() const;
};

// The workload kinds whose pod templates we check.
enum class WorkloadKind { pod, deployment, stateful_set, daemon_set, replica_set, replication_controller, job, cron_job };

const char* workload_kind_name(WorkloadKind k);  // "Deployment", ...
std::optional<WorkloadKind> parse_workload_kind(std::string_view kind);

struct Workload {
  WorkloadKind kind = WorkloadKind::pod;
  std::string api_version;
  std::string name;
  std::string namespace_;  // "" when not set in the manifest
  std::optional<int64_t> replicas;
  PodTemplate pod;
  SourceLocation location;  // start of the document
  // Set when the workload was derived rather than written, e.g. "HelmRelease flux-system/nvidia-device-plugin".
  std::string derived_from;
  // metadata.annotations["talgpu.dev/ignore"]: rule ids (comma-separated) whose findings in this
  // object's document are suppressed (like kube-linter's ignore-check.kube-linter.io/<check>).
  std::string ignore_rules;

  bool is_daemon_set() const { return kind == WorkloadKind::daemon_set; }
  // "DaemonSet kube-system/nvidia-device-plugin-daemonset"
  std::string display_name() const;
};

// node.k8s.io/v1 RuntimeClass.
struct RuntimeClass {
  std::string name;
  std::string handler;
  SourceLocation handler_location;
  bool has_scheduling = false;
  StringMap node_selector;  // scheduling.nodeSelector
  std::vector<Toleration> tolerations;  // scheduling.tolerations
  ResourceList overhead;  // overhead.podFixed
  SourceLocation location;
};

struct Namespace {
  std::string name;
  StringMap labels;
  SourceLocation location;
};

enum class NodeSource { declared, observed };

struct Node {
  std::string name;
  NodeSource source = NodeSource::declared;
  StringMap labels;
  std::vector<Taint> taints;
  bool unschedulable = false;
  std::map<std::string, Quantity> capacity;
  std::map<std::string, Quantity> allocatable;
  bool control_plane = false;  // for declared nodes: the talconfig role
  bool gpu = false;            // declared as a GPU node (NVIDIA extensions / labels)
  SourceLocation location;
};

// Flux helm.toolkit.fluxcd.io HelmRelease (only what we need to recognise charts).
struct HelmRelease {
  std::string name;
  std::string namespace_;
  std::string chart;  // spec.chart.spec.chart, or the chartRef name
  std::string chart_version;
  std::string target_namespace;  // spec.targetNamespace ("" = the release's namespace)
  std::string operator_runtime_class;  // GPU Operator values operator.runtimeClass, when set
  SourceLocation location;
};

// Flux kustomize.toolkit.fluxcd.io Kustomization.
struct FluxKustomization {
  std::string name;
  std::string namespace_;
  std::string path;           // spec.path as written
  std::string target_namespace;  // spec.targetNamespace: set on every namespaced object of the path
  std::string resolved_path;  // on disk, "" when it could not be resolved
  SourceLocation location;
};

// NVIDIA device plugin configuration found in the manifests (HelmRelease values `config.map`, or a
// ConfigMap with a device-plugin config): time-slicing multiplies the advertised GPUs.
struct DevicePluginSharing {
  std::string config_name;               // the key under config.map / the ConfigMap data key
  std::string resource = std::string(k_gpu_resource);
  int64_t replicas = 1;                  // sharing.timeSlicing.resources[].replicas
  bool rename_by_default = false;        // renameByDefault: advertises nvidia.com/gpu.shared
  SourceLocation location;
};

}  // namespace talgpu::kube
