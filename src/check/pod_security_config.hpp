#pragma once
// The cluster-wide Pod Security defaults and exemptions the API server runs with, read from the
// declaration: Talos writes cluster.apiServer.admissionControl with a PodSecurity plugin
// configuration into every control plane's machine config (enforce baseline, warn and audit
// restricted, kube-system exempt; talos pkg/machinery/config/types/k8s
// DefaultPodSecurityAdmissionControlConfig), and patches may change it (Talos merges the
// admissionControl list by plugin name). Without a declaration the Kubernetes default holds:
// everything privileged (pod-security-admission's SetDefaults_PodSecurityDefaults).

#include <string>
#include <vector>

#include <core/source.hpp>
#include <kube/podsecurity.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::check {

struct ClusterPodSecurity {
  kube::PsaDefaults defaults;  // privileged:latest unless declared otherwise
  std::vector<std::string> exempt_namespaces;
  std::vector<std::string> exempt_runtime_classes;
  bool declared = false;      // read from a Talos declaration (Talos's default, maybe patched)
  bool patched = false;       // a patch changed cluster.apiServer.admissionControl
  SourceLocation location;    // the patch that changed it, else the talconfig
  bool exempt(const std::string& ns, const std::string* runtime_class) const;
};

// The effective PodSecurity configuration of the first control plane's machine config (every
// control plane normally carries the same): Talos's default, then the node's (group and node)
// patches, then the global patches, as talhelper applies them. A patch that cannot be applied is
// ignored here (genconfig reports it).
ClusterPodSecurity cluster_pod_security(const talhelper::TalConfig* cfg);

}  // namespace talgpu::check
