#include <verify/verify.hpp>

#include <map>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/strings.hpp>
#include <core/term.hpp>
#include <kube/declared_nodes.hpp>
#include <kube/drift.hpp>
#include <kube/live_status.hpp>
#include <nvidia/catalog.hpp>
#include <nvidia/cuda.hpp>
#include <nvidia/gpu_node.hpp>

namespace talgpu::verify {

using nlohmann::json;
namespace kc = kube::client;
using Clock = std::chrono::steady_clock;

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::timeout: return "timeout";
    case Verdict::interrupted: return "interrupted";
  }
  return "?";
}

bool VerifyReport::all_passed() const {
  for (const auto& n : nodes) {
    if (n.verdict != Verdict::pass) {
      return false;
    }
  }
  return !nodes.empty() && !interrupted;
}

namespace {

std::string default_image(const std::string& ceiling) {
  auto v = nvidia::CudaVersion::parse(ceiling.empty() ? "12.2" : ceiling);  // unknown driver: the 535 LTS ceiling
  auto img = v ? nvidia::cuda_base_image(*v) : std::nullopt;
  return img ? *img : "nvcr.io/nvidia/cuda:12.2.2-base-ubuntu22.04";
}

void fill_driver(Target& t, const std::string& driver, const char* source) {
  if (t.driver.empty() && !driver.empty()) {
    t.driver = driver;
    t.driver_source = source;
  }
}

}  // namespace

Result<std::vector<Target>> plan_targets(const talhelper::TalConfig* cfg, const std::vector<kc::ObservedNode>& observed,
                                         const std::vector<std::string>& only, const std::string& image_override) {
  std::map<std::string, const kc::ObservedNode*> seen;
  for (const auto& o : observed) {
    seen[o.node.name] = &o;
  }
  std::vector<Target> out;
  std::map<std::string, bool> done;
  std::vector<std::string> all_names;
  auto finish = [&](Target& t) {
    if (auto it = seen.find(t.node); it != seen.end()) {
      const auto& n = it->second->node;
      if (auto a = n.allocatable.find("nvidia.com/gpu"); a != n.allocatable.end() && a->second.milli && *a->second.milli > 0) {
        t.advertises_gpu = true;
        t.gpu_allocatable = static_cast<long>(*a->second.milli / 1000);
      }
      fill_driver(t, kube::driver_from_extension_labels(it->second->facts.extensions), "extension labels");
    }
    if (!t.driver.empty()) {
      if (auto c = nvidia::cuda_ceiling_for_driver(t.driver)) {
        t.cuda_ceiling = *c;
      }
    }
    t.image = image_override.empty() ? default_image(t.cuda_ceiling) : image_override;
  };
  if (cfg != nullptr) {
    for (const auto& tn : cfg->nodes) {
      all_names.push_back(tn.hostname);
      kube::Node d = kube::declared_node(tn, cfg->allow_scheduling_on_control_planes);
      if (!d.gpu) {
        continue;
      }
      Target t;
      t.node = d.name;
      t.declared = true;
      t.tolerate = d.taints;
      Diagnostics ignored;
      fill_driver(t, nvidia::analyze_gpu_node(*cfg, tn, ignored).driver, "declaration");
      finish(t);
      done[t.node] = true;
      out.push_back(std::move(t));
    }
  }
  for (const auto& o : observed) {
    all_names.push_back(o.node.name);
    if (done.count(o.node.name)) {
      continue;
    }
    bool gpu = !kube::driver_from_extension_labels(o.facts.extensions).empty();
    if (auto a = o.node.allocatable.find("nvidia.com/gpu"); a != o.node.allocatable.end() && a->second.milli && *a->second.milli > 0) {
      gpu = true;
    }
    if (!gpu) {
      continue;
    }
    Target t;
    t.node = o.node.name;
    for (const auto& taint : o.node.taints) {
      if (!kube::system_taint(taint.key)) {
        t.tolerate.push_back(taint);
      }
    }
    finish(t);
    out.push_back(std::move(t));
  }
  if (only.empty()) {
    return out;
  }
  std::vector<Target> picked;
  for (const auto& want : only) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Target& t) { return t.node == want; });
    if (it == out.end()) {
      bool known = std::find(all_names.begin(), all_names.end(), want) != all_names.end();
      return fail(known ? fmt::format("--node {}: not a GPU node (no NVIDIA extension declared, no nvidia.com/gpu, no "
                                      "NVIDIA extension label)", want)
                        : fmt::format("--node {}: no such node in the declaration or the cluster{}", want, did_you_mean(want, all_names)),
                  {}, "verify-node");
    }
    picked.push_back(*it);
  }
  return picked;
}

std::string pod_name(const std::string& node, const std::string& run_id) {
  std::string base;
  for (char c : node) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    base += (std::isalnum(static_cast<unsigned char>(l)) || l == '-') ? l : '-';
  }
  std::string name = "talgpu-verify-" + base;
  if (name.size() > 63 - 1 - run_id.size()) {
    // Long node names: keep the start and make it unique with a hash of the whole name.
    size_t h = std::hash<std::string>{}(node);
    name = name.substr(0, 63 - 1 - run_id.size() - 9) + "-" + fmt::format("{:08x}", static_cast<uint32_t>(h));
  }
  while (!name.empty() && name.back() == '-') {
    name.pop_back();
  }
  return name + "-" + run_id;
}

json make_pod(const Target& t, const std::string& ns, const std::string& run_id) {
  json tolerations = json::array();
  for (const auto& taint : t.tolerate) {
    json tol = {{"key", taint.key}, {"effect", taint.effect}};
    if (taint.value.empty()) {
      tol["operator"] = "Exists";
    } else {
      tol["operator"] = "Equal";
      tol["value"] = taint.value;
    }
    tolerations.push_back(tol);
  }
  json container = {{"name", container_name(t)},
                    {"image", t.image},
                    {"securityContext", {{"allowPrivilegeEscalation", false}, {"capabilities", {{"drop", {"ALL"}}}}}}};
  if (t.probe) {
    // talgpu's image (Dockerfile): the NVIDIA runtime mounts NVML ("utility") and the CUDA driver
    // library ("compute"); the probe dlopen()s them. JSON on stdout, exit 1 when a check fails.
    container["command"] = {"/usr/local/bin/talgpu"};
    container["args"] = {"-o", "json", "probe"};
    container["env"] = json::array({{{"name", "NVIDIA_DRIVER_CAPABILITIES"}, {"value", "compute,utility"}}});
  } else {
    container["command"] = {"nvidia-smi"};
  }
  if (t.advertises_gpu) {
    container["resources"] = {{"limits", {{"nvidia.com/gpu", "1"}}}};
  }
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", pod_name(t.node, run_id)},
            {"namespace", ns},
            {"labels", {{k_managed_label, "talgpu"}, {k_component_label, "verify"}, {k_run_label, run_id}}},
            {"annotations", {{"talgpu.dev/node", t.node}}}}},
          {"spec",
           {{"runtimeClassName", "nvidia"},
            {"nodeSelector", {{"kubernetes.io/hostname", t.node}}},
            {"tolerations", tolerations},
            {"restartPolicy", "Never"},
            {"automountServiceAccountToken", false},
            {"enableServiceLinks", false},
            {"terminationGracePeriodSeconds", 1},
            {"securityContext",
             {{"runAsNonRoot", true}, {"runAsUser", 65534}, {"runAsGroup", 65534}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
            {"containers", {container}}}}};
}

const char* container_name(const Target& t) {
  return t.probe ? "probe" : "smi";
}

std::string default_probe_image() {
  return fmt::format("ghcr.io/talgpu/talgpu:{}", TALGPU_VERSION);
}

Result<ProbeResult> parse_probe_log(std::string_view log) {
  // kubectl logs interleaves stderr; the document starts at a line that is exactly "{".
  size_t start = log.rfind("\n{\n");
  start = log.starts_with("{\n") ? 0 : start == std::string_view::npos ? start : start + 1;
  if (start == std::string_view::npos) {
    return fail("the probe printed no JSON report", {}, "verify-probe-output");
  }
  json doc = json::parse(log.substr(start), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("schema", "") != "talgpu.probe/v1") {
    return fail("the probe's log is not a talgpu.probe/v1 report", {}, "verify-probe-output");
  }
  auto str = [](const json& o, const char* key) {
    return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
  };
  auto num = [](const json& o, const char* key) {
    return o.is_object() && o.contains(key) && o[key].is_number_integer() ? o[key].get<long>() : 0L;
  };
  ProbeResult r;
  r.verdict = str(doc, "verdict");
  const json& err = doc["error"];
  r.error_rule = str(err, "rule");
  r.error_message = str(err, "message");
  r.driver = str(doc["driver"], "version");
  r.cuda = str(doc["driver"], "cuda_version");
  const json& sum = doc["summary"];
  r.gpus = num(sum, "gpus");
  r.pass = num(sum, "pass");
  r.warn = num(sum, "warn");
  r.fail = num(sum, "fail");
  if (sum.is_object() && sum.contains("weakest") && sum["weakest"].is_object()) {
    const json& w = sum["weakest"];
    r.weakest = fmt::format("GPU {} ({}): {}", num(w, "index"), str(w, "name"), str(w, "reason"));
  }
  if (doc["gpus"].is_array()) {
    for (const auto& g : doc["gpus"]) {
      if (!g.is_object() || !g.contains("checks") || !g["checks"].is_array()) {
        continue;
      }
      for (const auto& c : g["checks"]) {
        if (str(c, "verdict") == "fail") {
          r.failed_checks.push_back(fmt::format("GPU {} {}: {}", num(g, "index"), str(c, "id"), str(c, "detail")));
        }
      }
    }
  }
  r.report = std::move(doc);
  return r;
}

std::vector<std::string> compare_probe(const ProbeResult& p, const Target& t) {
  std::vector<std::string> out;
  if (p.error_rule.empty() && p.gpus == 0) {
    out.push_back("the probe found no GPU");
  }
  if (!t.driver.empty() && !p.driver.empty() && p.driver != t.driver) {
    out.push_back(fmt::format("driver {} is running, the {} gives {}", p.driver, t.driver_source, t.driver));
  }
  return out;
}

std::vector<std::string> compare_smi(const nvidia::SmiReport& smi, const Target& t) {
  std::vector<std::string> out;
  if (smi.gpus.empty()) {
    out.push_back("nvidia-smi lists no GPU");
  }
  if (!t.driver.empty() && smi.driver_version != t.driver) {
    out.push_back(fmt::format("driver {} is running, the {} gives {}", smi.driver_version, t.driver_source, t.driver));
  }
  if (!t.cuda_ceiling.empty() && !smi.cuda_version.empty() && smi.cuda_version != t.cuda_ceiling && smi.driver_version == t.driver) {
    out.push_back(fmt::format("CUDA {} reported, driver {} should give {}", smi.cuda_version, t.driver, t.cuda_ceiling));
  }
  return out;
}

}  // namespace talgpu::verify
