#include <check/context.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <core/strings.hpp>
#include <kube/resources.hpp>

namespace talgpu::check {

CheckContext::CheckContext(const talhelper::TalConfig* cfg, const kube::Manifests& m, const std::vector<NodeInfo>& n,
                           const Fleet& f, const std::vector<Placement>& p)
    : config(cfg), manifests(m), nodes(n), fleet(f), placements(p) {
  constexpr size_t k_none = static_cast<size_t>(-1);
  // m_first_named[name] is the first node of a name, m_next_named[i] the next node of node i's name.
  m_first_named.reserve(nodes.size());
  m_next_named.assign(nodes.size(), k_none);
  for (size_t i = nodes.size(); i-- > 0;) {
    auto [it, inserted] = m_first_named.try_emplace(nodes[i].node.name, i);
    if (!inserted) {
      m_next_named[i] = it->second;
      it->second = i;
    }
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].is_gpu) {
      gpu_nodes.push_back(i);
    }
  }
  for (size_t i : fleet.by_name) {
    if (nodes[i].gpu && !nodes[i].gpu->driver.empty()) {
      driver_nodes.push_back(i);
    }
  }
  gpu_workload.assign(m.workloads.size(), false);
  for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
    const auto& pod = m.workloads[wi].pod;
    bool requests_gpu = kube::requests_resource(pod);
    gpu_workload[wi] = requests_gpu || is_nvidia_runtime(pod, m);
    any_gpu_request = any_gpu_request || requests_gpu;
  }
}

std::vector<size_t> CheckContext::same_name(size_t node) const {
  constexpr size_t k_none = static_cast<size_t>(-1);
  std::vector<size_t> out;
  for (size_t j = first_of_name(node); j != k_none; j = m_next_named[j]) {
    out.push_back(j);
  }
  return out;
}

bool is_nvidia_runtime(const kube::PodTemplate& pod, const kube::Manifests& m) {
  if (!pod.runtime_class_name) {
    return false;
  }
  if (const auto* rc = m.find_runtime_class(*pod.runtime_class_name)) {
    return rc->handler == "nvidia";
  }
  return *pod.runtime_class_name == "nvidia";
}

bool is_device_plugin(const kube::Workload& w) {
  if (!w.is_daemon_set()) {
    return false;
  }
  if (w.name.find("nvidia-device-plugin") != std::string::npos) {
    return true;
  }
  for (const auto& c : w.pod.containers) {
    if (c.image.find("k8s-device-plugin") != std::string::npos) {
      return true;
    }
  }
  return false;
}

bool is_gpu_operator(const kube::HelmRelease& hr) {
  return hr.chart == "gpu-operator";
}

bool has_gpu_operator(const kube::Manifests& m) {
  return std::any_of(m.helm_releases.begin(), m.helm_releases.end(), is_gpu_operator);
}

bool gpus_advertised(const kube::Manifests& m) {
  return has_gpu_operator(m) || std::any_of(m.workloads.begin(), m.workloads.end(), is_device_plugin);
}

// libnvidia-container's brand name from GPU Feature Discovery's product label, when present
// ("NVIDIA-GeForce-RTX-2070-SUPER" -> GeForce). Unknown stays empty: brand terms then hold.
std::string brand_of(const kube::Node& n) {
  const std::string* product = n.labels.find("nvidia.com/gpu.product");
  if (product == nullptr) {
    return {};
  }
  std::string p = to_lower(*product);
  if (p.find("geforce") != std::string::npos) {
    return "GeForce";
  }
  if (p.find("titan") != std::string::npos) {
    return "TITAN";
  }
  if (p.find("quadro") != std::string::npos) {
    return "Quadro";
  }
  if (p.find("tesla") != std::string::npos) {
    return "Tesla";
  }
  return "Unknown";  // NVIDIA-branded data-center and RTX parts map to Unknown (src/driver.c)
}

std::string join_names(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) {
      s += ", ";
    }
    s += x;
  }
  return s;
}

// kube-scheduler's summary: "0/7 nodes are available: 3 node(s) had ..., 4 node(s) didn't match ...".
std::string reason_histogram(const std::map<std::string, size_t>& reasons) {
  std::map<std::string, size_t> counts;
  for (const auto& [reason, n] : reasons) {
    std::string r = reason;
    if (r.rfind("node(s) ", 0) == 0) {
      r = r.substr(8);
    }
    counts[r] += n;
  }
  std::string s;
  for (const auto& [reason, n] : counts) {
    s += s.empty() ? "" : ", ";
    // kube-scheduler: "3 node(s) had untolerated taint {...}", "1 Insufficient nvidia.com/gpu".
    s += reason.rfind("had ", 0) == 0 || reason.rfind("didn't ", 0) == 0 ? fmt::format("{} node(s) {}", n, reason)
                                                                       : fmt::format("{} {}", n, reason);
  }
  return s;
}

std::string scheduler_summary(const std::map<std::string, size_t>& reasons, size_t total) {
  std::string hist = reason_histogram(reasons);
  return fmt::format("0/{} nodes are available{}{}", total, hist.empty() ? "" : ": ", hist);
}

}  // namespace talgpu::check
