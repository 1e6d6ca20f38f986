#include "fake_kubelet.hpp"

#include <fmt/format.h>

#include <nvidia/catalog.hpp>
#include <nvidia/cuda.hpp>

namespace talgpu::test {

using nlohmann::json;

namespace {

const std::string k_nodes = "/api/v1/nodes";

bool tolerated(const json& taint, const json& tolerations) {
  for (const auto& t : tolerations) {
    std::string op = t.value("operator", "Equal");
    bool key_ok = t.value("key", "") == taint.value("key", "") || (op == "Exists" && t.value("key", "").empty());
    bool value_ok = op == "Exists" || t.value("value", "") == taint.value("value", "");
    bool effect_ok = t.value("effect", "").empty() || t.value("effect", "") == taint.value("effect", "");
    if (key_ok && value_ok && effect_ok) {
      return true;
    }
  }
  return false;
}

std::string driver_of(const json& node) {
  const json labels = node["metadata"].value("labels", json::object());  // items() views it: keep it alive
  for (const auto& [k, v] : labels.items()) {
    if (k.find("kmod-nvidia") != std::string::npos || k.find("nvidia-open-gpu-kernel-modules") != std::string::npos) {
      std::string s = v.get<std::string>();
      return s.substr(0, s.find('-'));
    }
  }
  return {};
}

}  // namespace

FakeKubelet::FakeKubelet(FakeKube& kube, KubeletOptions opts) : m_kube(kube), m_opts(std::move(opts)) {
  m_kube.on_create = [this](const std::string& coll, const json& obj) {
    if (!coll.ends_with("/pods")) {
      return;
    }
    std::lock_guard<std::mutex> lock(m_mu);
    m_threads.emplace_back([this, obj] { run_pod(obj); });
  };
}

FakeKubelet::~FakeKubelet() {
  m_kube.server().stop();
  m_stop = true;
  std::lock_guard<std::mutex> lock(m_mu);
  for (auto& t : m_threads) {
    t.join();
  }
}

bool FakeKubelet::sleep(std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (m_stop) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return !m_stop;
}

void FakeKubelet::run_pod(json pod) {
  std::string ns = pod["metadata"]["namespace"];
  std::string name = pod["metadata"]["name"];
  std::string coll = "/api/v1/namespaces/" + ns + "/pods";
  std::string events = "/api/v1/namespaces/" + ns + "/events";
  int event_no = 0;
  auto event = [&](const std::string& type, const std::string& reason, const std::string& message) {
    m_kube.put(events, {{"apiVersion", "v1"}, {"kind", "Event"},
                        {"metadata", {{"name", name + "." + std::to_string(++event_no)}, {"namespace", ns}}},
                        {"involvedObject", {{"kind", "Pod"}, {"name", name}, {"namespace", ns}}},
                        {"type", type}, {"reason", reason}, {"message", message}});
  };
  if (!sleep(m_opts.schedule_delay)) {
    return;
  }
  const json& spec = pod["spec"];
  std::string host = spec.value("nodeSelector", json::object()).value("kubernetes.io/hostname", "");
  auto nodes = m_kube.all(k_nodes);
  const json* node = nullptr;
  for (const auto& n : nodes) {
    if (n["metadata"].value("labels", json::object()).value("kubernetes.io/hostname", "") == host) {
      node = &n;
    }
  }
  size_t others = nodes.size() - (node ? 1 : 0);
  std::string reason;
  if (node == nullptr) {
    reason = fmt::format("{} node(s) didn't match Pod's node affinity/selector", nodes.size());
  } else {
    for (const auto& t : (*node)["spec"].value("taints", json::array())) {
      std::string effect = t.value("effect", "");
      if ((effect == "NoSchedule" || effect == "NoExecute") && !tolerated(t, spec.value("tolerations", json::array()))) {
        reason = fmt::format("1 node(s) had untolerated taint {{{}: {}}}", t.value("key", ""), t.value("value", ""));
        break;
      }
    }
    std::string want = spec["containers"][0].value("resources", json::object()).value("limits", json::object()).value("nvidia.com/gpu", "0");
    std::string have = (*node)["status"].value("allocatable", json::object()).value("nvidia.com/gpu", "0");
    if (reason.empty() && std::stoi(want) > std::stoi(have)) {
      reason = "1 Insufficient nvidia.com/gpu";
    }
    if (!reason.empty() && others > 0) {
      reason += fmt::format(", {} node(s) didn't match Pod's node affinity/selector", others);
    }
  }
  if (!reason.empty()) {
    // pkg/scheduler/schedule_one.go: FitError "0/N nodes are available: ..." plus the preemption note.
    std::string msg = fmt::format("0/{} nodes are available: {}. preemption: 0/{} nodes are available: {} Preemption is not "
                                  "helpful for scheduling.", nodes.size(), reason, nodes.size(), nodes.size());
    m_kube.modify(coll, name, [&](json& p) {
      p["status"] = {{"phase", "Pending"},
                     {"conditions", {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"}, {"message", msg}}}}};
    });
    event("Warning", "FailedScheduling", msg);
    return;
  }
  std::string node_name = (*node)["metadata"]["name"];
  std::string driver = driver_of(*node);
  std::string image = spec["containers"][0].value("image", "");
  bool alive = m_kube.modify(coll, name, [&](json& p) {
    p["spec"]["nodeName"] = node_name;
    p["status"] = {{"phase", "Pending"},
                   {"conditions", {{{"type", "PodScheduled"}, {"status", "True"}}}},
                   {"containerStatuses", {{{"name", "smi"}, {"image", image}, {"ready", false}, {"restartCount", 0},
                                           {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}}}}};
  });
  event("Normal", "Scheduled", fmt::format("Successfully assigned {}/{} to {}", ns, name, node_name));
  if (!alive || m_opts.never_start.count(node_name) || !sleep(m_opts.start_delay)) {
    return;
  }
  // The image's CUDA against the driver's ceiling, as nvidia-container-cli checks NVIDIA_REQUIRE_CUDA.
  auto colon = image.rfind(':');
  auto tag_cuda = nvidia::CudaVersion::parse(colon == std::string::npos ? "" : image.substr(colon + 1, image.find('-', colon) - colon - 1));
  auto ceiling = nvidia::CudaVersion::parse(nvidia::cuda_ceiling_for_driver(driver).value_or(""));
  auto terminated = [&](int code, const std::string& reason_text, const std::string& message) {
    m_kube.modify(coll, name, [&](json& p) {
      p["status"]["phase"] = "Failed";
      json t = {{"exitCode", code}, {"reason", reason_text}};
      if (!message.empty()) {
        t["message"] = message;
      }
      p["status"]["containerStatuses"][0]["state"] = {{"terminated", t}};
    });
  };
  if (tag_cuda && ceiling && *ceiling < *tag_cuda) {
    std::string msg = fmt::format(
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: "
        "unable to start container process: error during container init: error running hook #0: error running hook: "
        "exit status 1, stdout: , stderr: Auto-detected mode as 'legacy'\nnvidia-container-cli: requirement error: "
        "unsatisfied condition: cuda>={}, please update your driver to a newer version, or use an earlier cuda container: unknown",
        tag_cuda->minor_str());
    terminated(128, "StartError", msg);
    event("Warning", "Failed", "Error: " + msg);
    return;
  }
  if (!m_kube.modify(coll, name, [&](json& p) {
        p["status"]["phase"] = "Running";
        p["status"]["containerStatuses"][0]["state"] = {{"running", {{"startedAt", "2026-01-05T10:00:01Z"}}}};
      }) ||
      !sleep(m_opts.run_time)) {
    return;
  }
  if (m_opts.smi_fails.count(node_name)) {
    m_kube.set_log(ns + "/" + name, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the "
                                    "latest NVIDIA driver is installed and running.\n\n");
    terminated(9, "Error", "");
    return;
  }
  auto log = m_opts.smi_logs.find(node_name);
  m_kube.set_log(ns + "/" + name, log == m_opts.smi_logs.end() ? "" : log->second);
  if (auto code = m_opts.exit_codes.find(node_name); code != m_opts.exit_codes.end() && code->second != 0) {
    terminated(code->second, "Error", "");
    return;
  }
  m_kube.modify(coll, name, [&](json& p) {
    p["status"]["phase"] = "Succeeded";
    p["status"]["containerStatuses"][0]["state"] = {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}};
  });
}

}  // namespace talgpu::test
