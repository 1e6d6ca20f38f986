#pragma once
// `talgpu verify`: one nvidia-smi pod per GPU node, made the way a user's GPU pod is made, run
// in parallel and watched; each node's verdict read from nvidia-smi against the declaration.
//
// The pod: runtimeClassName nvidia; nodeSelector kubernetes.io/hostname (never spec.nodeName,
// which bypasses the scheduler and would hide taint and resource problems); tolerations for the
// node's *declared* taints (for a node the declaration does not list, its observed ones), so an
// undeclared taint shows up as what it is: a taint GPU workloads cannot pass; restartPolicy
// Never; nvidia.com/gpu: 1 when the node advertises GPUs; a CUDA base image the node's driver
// supports; a restricted-compliant security context; labels that mark it as talgpu's.
//
// Kubernetes does the work: talgpu creates pods, watches them (one list+watch on a label
// selector, not a poll), reads logs and events, and deletes every pod it created -- on success,
// failure, timeout and interruption -- unless told to keep them. A run first removes the pods an
// interrupted run left behind.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <kube/client/client.hpp>
#include <kube/client/nodes.hpp>
#include <nvidia/smi.hpp>
#include <talhelper/talconfig.hpp>
#include <verify/explain.hpp>

namespace talgpu::verify {

inline constexpr const char* k_managed_label = "app.kubernetes.io/managed-by";
inline constexpr const char* k_component_label = "app.kubernetes.io/component";
inline constexpr const char* k_run_label = "talgpu.dev/verify-run";

struct Target {
  std::string node;
  bool declared = false;
  std::vector<kube::Taint> tolerate;
  bool advertises_gpu = false;
  long gpu_allocatable = 0;
  std::string driver;         // expected NVIDIA driver ("535.247.01"), empty when unknown
  std::string driver_source;  // "declaration", "extension labels"
  std::string cuda_ceiling;   // of that driver
  std::string image;
  bool probe = false;  // run `talgpu -o json probe` (talgpu's image) instead of nvidia-smi
};

// What `talgpu probe -o json` reported in a verify pod (docs/probe.md: verdict, error, summary,
// gpus[].checks[] are the stable parts a consumer reads).
struct ProbeResult {
  std::string verdict;  // pass, warn, fail, unrated, skipped
  std::string error_rule;
  std::string error_message;
  std::string driver;  // driver.version
  std::string cuda;    // driver.cuda_version
  long gpus = 0, pass = 0, warn = 0, fail = 0;
  std::string weakest;                   // "GPU 0 (NVIDIA H200): <reason>"
  std::vector<std::string> failed_checks;  // "GPU 0 d2d-bandwidth: <detail>"
  nlohmann::json report;                 // the whole document, for -o json
};

// Reads the probe's JSON document from a pod log (stderr lines before it are skipped; the log is
// bounded by the caller). An error when no talgpu.probe/v1 document is there.
Result<ProbeResult> parse_probe_log(std::string_view log);

// The probe image when --probe-image is not given: the Dockerfile's image under this version's tag.
std::string default_probe_image();

// GPU nodes to verify: declared GPU nodes and observed nodes with nvidia.com/gpu or an NVIDIA
// kernel-module extension label, restricted to `only` when not empty (unknown names: error).
Result<std::vector<Target>> plan_targets(const talhelper::TalConfig* cfg, const std::vector<kube::client::ObservedNode>& observed,
                                         const std::vector<std::string>& only, const std::string& image_override);

// The Pod object for one target.
nlohmann::json make_pod(const Target& t, const std::string& namespace_, const std::string& run_id);
// A DNS-1123 pod name for the node (<= 63 characters, unique per node within a run).
std::string pod_name(const std::string& node, const std::string& run_id);

enum class Verdict { pass, fail, timeout, interrupted };
const char* verdict_name(Verdict v);

struct NodeResult {
  std::string node;
  Verdict verdict = Verdict::fail;
  std::string pod;
  Explanation why;                    // for failures
  std::optional<nvidia::SmiReport> smi;
  std::optional<ProbeResult> probe;
  std::vector<std::string> mismatches;  // nvidia-smi against the declaration
  double seconds = 0;                  // pod created → settled
};

struct VerifyOptions {
  std::string namespace_ = "nvidia";
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  int parallel = 0;  // 0: all at once
  bool keep = false;
  std::string run_id;  // empty: random
  std::function<bool()> cancelled;
  // Progress: called with a node and its new state ("created", "scheduled", "running", "passed", ...).
  std::function<void(const std::string& node, const std::string& state)> progress;
};

struct VerifyReport {
  std::vector<NodeResult> nodes;
  std::vector<std::string> leftovers_removed;  // pods of an earlier, interrupted run
  std::vector<std::string> cleanup_errors;
  bool interrupted = false;
  double seconds = 0;
  bool all_passed() const;
};

// Runs the verification. `cleanup` is the client used to delete pods (it must not be cancelled by
// the same Ctrl-C, so that an interrupted run still cleans up).
Result<VerifyReport> run_verify(kube::client::Client& client, kube::client::Client& cleanup, const std::vector<Target>& targets,
                                const VerifyOptions& opts);

// The container of the verify pod (its logs are read by name).
const char* container_name(const Target& t);

// Compares the probe's report with what the target promises.
std::vector<std::string> compare_probe(const ProbeResult& p, const Target& t);

// Compares nvidia-smi's report with what the target promises.
std::vector<std::string> compare_smi(const nvidia::SmiReport& smi, const Target& t);

std::string render_verify_text(const VerifyReport& r, bool color);
std::string render_verify_json(const VerifyReport& r);

}  // namespace talgpu::verify
