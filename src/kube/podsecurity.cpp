// Pod Security Standards, mirroring kubernetes/pod-security-admission policy/check_*.go.
//
// How upstream is organised, and so are we: each check has an id, a level and a list of versioned
// implementations; evaluating at version v1.N runs, for every check, the newest implementation
// whose minimum version is <= N (a check with no such implementation does not exist yet at that
// version). Restricted runs every baseline check plus the restricted ones, minus the baseline
// checks a restricted check overrides at that version (policy/registry.go). "latest" is the
// newest minimum version any check registers (k_psa_latest_minor). Details are built exactly as
// upstream builds them (pluralize, joinQuote, sorted sets), so our messages read the same as the
// API server's `violates PodSecurity "restricted:latest": ...`.

#include <kube/podsecurity.hpp>

#include <algorithm>
#include <functional>
#include <set>

#include <fmt/format.h>

namespace talgpu::kube {

namespace {

using Violation = std::optional<PsaViolation>;
using CheckFn = std::function<Violation(const PodTemplate&)>;

struct VersionedCheck {
  int min_minor;
  CheckFn fn;
  std::vector<std::string> overrides;  // baseline check ids this restricted version replaces
};

struct Check {
  std::string id;
  PsaLevel level;
  std::vector<VersionedCheck> versions;  // ascending min_minor
};

// --- helpers.go ---

std::string join_quote(const std::vector<std::string>& items) {
  if (items.empty()) {
    return {};
  }
  std::string out = "\"";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += "\", \"";
    }
    out += items[i];
  }
  return out + "\"";
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += sep;
    }
    out += items[i];
  }
  return out;
}

const char* pluralize(const char* singular, const char* plural, size_t n) {
  return n == 1 ? singular : plural;
}

std::vector<std::string> sorted(const std::set<std::string>& s) {
  return {s.begin(), s.end()};
}

// Go's %q for the strings we format (ASCII names and values).
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

bool relax_for_user_namespace(const PodTemplate& pod) {
  return pod.host_users.has_value() && !*pod.host_users;
}

bool is_windows(const PodTemplate& pod) {
  return pod.os_name && *pod.os_name == "windows";
}

const SecurityContext* sc(const Container* c) {
  return c->security_context ? &*c->security_context : nullptr;
}

PsaViolation make(std::string check, std::string reason, std::string detail) {
  return PsaViolation{std::move(check), std::move(reason), std::move(detail)};
}

std::string setters_with_containers(std::vector<std::string> setters, const std::vector<std::string>& containers) {
  if (!containers.empty()) {
    setters.push_back(fmt::format("{} {}", pluralize("container", "containers", containers.size()),
                                  join_quote(containers)));
  }
  return join(setters, " and ");
}

// --- baseline ---

Violation host_namespaces(const PodTemplate& pod) {
  // Upstream's order (check_hostNamespaces_test.go: "hostNetwork=true, hostPID=true, hostIPC=true").
  std::vector<std::string> ns;
  if (pod.host_network) {
    ns.push_back("hostNetwork=true");
  }
  if (pod.host_pid) {
    ns.push_back("hostPID=true");
  }
  if (pod.host_ipc) {
    ns.push_back("hostIPC=true");
  }
  if (ns.empty()) {
    return std::nullopt;
  }
  return make("hostNamespaces", "host namespaces", join(ns, ", "));
}

Violation privileged(const PodTemplate& pod) {
  std::vector<std::string> bad;
  for (const Container* c : pod.all_containers()) {
    if (sc(c) && sc(c)->privileged.value_or(false)) {
      bad.push_back(c->name);
    }
  }
  if (bad.empty()) {
    return std::nullopt;
  }
  return make("privileged", "privileged",
              fmt::format("{} {} must not set securityContext.privileged=true",
                          pluralize("container", "containers", bad.size()), join_quote(bad)));
}

Violation capabilities_baseline(const PodTemplate& pod) {
  static const std::set<std::string> k_allowed = {"AUDIT_WRITE", "CHOWN",           "DAC_OVERRIDE", "FOWNER", "FSETID",
                                                  "KILL",        "MKNOD",           "NET_BIND_SERVICE",
                                                  "SETFCAP",     "SETGID",          "SETPCAP",      "SETUID", "SYS_CHROOT"};
  std::vector<std::string> bad;
  std::set<std::string> caps;
  for (const Container* c : pod.all_containers()) {
    if (!sc(c) || !sc(c)->capabilities || !sc(c)->capabilities->add) {
      continue;
    }
    bool valid = true;
    for (const auto& cap : *sc(c)->capabilities->add) {
      if (!k_allowed.count(cap)) {
        valid = false;
        caps.insert(cap);
      }
    }
    if (!valid) {
      bad.push_back(c->name);
    }
  }
  if (bad.empty()) {
    return std::nullopt;
  }
  return make("capabilities_baseline", "non-default capabilities",
              fmt::format("{} {} must not include {} in securityContext.capabilities.add",
                          pluralize("container", "containers", bad.size()), join_quote(bad),
                          join_quote(sorted(caps))));
}

Violation host_path_volumes(const PodTemplate& pod) {
  std::vector<std::string> bad;
  for (const auto& v : pod.volumes) {
    if (v.source == "hostPath") {
      bad.push_back(v.name);
    }
  }
  if (bad.empty()) {
    return std::nullopt;
  }
  return make("hostPathVolumes", "hostPath volumes",
              fmt::format("{} {}", pluralize("volume", "volumes", bad.size()), join_quote(bad)));
}

Violation host_ports(const PodTemplate& pod) {
  std::vector<std::string> bad;
  std::set<int32_t> ports;
  for (const Container* c : pod.all_containers()) {
    bool valid = true;
    for (const auto& p : c->ports) {
      if (p.host_port != 0) {
        valid = false;
        ports.insert(p.host_port);
      }
    }
    if (!valid) {
      bad.push_back(c->name);
    }
  }
  if (bad.empty()) {
    return std::nullopt;
  }
  // sets.NewString of the decimal texts: sorted as strings.
  std::set<std::string> texts;
  for (int32_t p : ports) {
    texts.insert(std::to_string(p));
  }
  return make("hostPorts", "hostPort",
              fmt::format("{} {} {} {} {}", pluralize("container", "containers", bad.size()), join_quote(bad),
                          pluralize("uses", "use", bad.size()), pluralize("hostPort", "hostPorts", texts.size()),
                          join(sorted(texts), ", ")));
}

Violation app_armor_profile(const PodTemplate& pod) {
  auto allowed_type = [](const std::string& t) { return t == "RuntimeDefault" || t == "Localhost"; };
  auto allowed_annotation = [](const std::string& v) {
    return v.empty() || v == "runtime/default" || v.rfind("localhost/", 0) == 0;
  };
  std::vector<std::string> setters;
  std::set<std::string> bad_values;
  if (pod.security_context && pod.security_context->app_armor_profile &&
      !allowed_type(pod.security_context->app_armor_profile->type)) {
    setters.push_back("pod");
    bad_values.insert(pod.security_context->app_armor_profile->type);
  }
  std::vector<std::string> bad;
  for (const Container* c : pod.all_containers()) {
    if (sc(c) && sc(c)->app_armor_profile && !allowed_type(sc(c)->app_armor_profile->type)) {
      bad.push_back(c->name);
      bad_values.insert(sc(c)->app_armor_profile->type);
    }
  }
  if (!bad.empty()) {
    setters.push_back(fmt::format("{} {}", pluralize("container", "containers", bad.size()), join_quote(bad)));
  }
  std::vector<std::string> values = sorted(bad_values);
  std::vector<std::string> annotations;
  for (const auto& [k, v, k_at] : pod.annotations) {
    if (k.rfind("container.apparmor.security.beta.kubernetes.io/", 0) == 0 && !allowed_annotation(v)) {
      annotations.push_back(fmt::format("{}={}", k, go_quote(v)));
    }
  }
  if (!annotations.empty()) {
    std::sort(annotations.begin(), annotations.end());
    values.insert(values.end(), annotations.begin(), annotations.end());
    setters.push_back(pluralize("annotation", "annotations", annotations.size()));
  }
  if (setters.empty()) {
    return std::nullopt;
  }
  return make("appArmorProfile", pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values.size()),
              fmt::format("{} must not set AppArmor profile type to {}", join(setters, " and "), join_quote(values)));
}

Violation se_linux_options(const PodTemplate& pod, const std::set<std::string>& allowed_types) {
  std::vector<std::string> setters;
  std::set<std::string> bad_types;
  bool set_user = false;
  bool set_role = false;
  auto valid = [&](const SELinuxOptions& o) {
    bool ok = true;
    std::string type = o.type.value_or("");
    if (!allowed_types.count(type)) {
      ok = false;
      bad_types.insert(type);
    }
    if (!o.user.value_or("").empty()) {
      ok = false;
      set_user = true;
    }
    if (!o.role.value_or("").empty()) {
      ok = false;
      set_role = true;
    }
    return ok;
  };
  if (pod.security_context && pod.security_context->se_linux_options && !valid(*pod.security_context->se_linux_options)) {
    setters.push_back("pod");
  }
  std::vector<std::string> bad;
  for (const Container* c : pod.all_containers()) {
    if (sc(c) && sc(c)->se_linux_options && !valid(*sc(c)->se_linux_options)) {
      bad.push_back(c->name);
    }
  }
  std::string who = setters_with_containers(setters, bad);
  if (who.empty()) {
    return std::nullopt;
  }
  // check_seLinuxOptions_test.go (seLinuxOptions1_31): "types \"bar\", \"foo\"; user may not be set; ...".
  std::vector<std::string> data;
  if (!bad_types.empty()) {
    data.push_back(fmt::format("{} {}", pluralize("type", "types", bad_types.size()), join_quote(sorted(bad_types))));
  }
  if (set_user) {
    data.push_back("user may not be set");
  }
  if (set_role) {
    data.push_back("role may not be set");
  }
  return make("seLinuxOptions", "seLinuxOptions",
              fmt::format("{} set forbidden securityContext.seLinuxOptions: {}", who, join(data, "; ")));
}

Violation proc_mount_1_0(const PodTemplate& pod, const char* id) {
  std::vector<std::string> bad;
  std::set<std::string> types;
  for (const Container* c : pod.all_containers()) {
    if (sc(c) && sc(c)->proc_mount && *sc(c)->proc_mount != "Default") {
      bad.push_back(c->name);
      types.insert(*sc(c)->proc_mount);
    }
  }
  if (bad.empty()) {
    return std::nullopt;
  }
  return make(id, "procMount",
              fmt::format("{} {} must not set securityContext.procMount to {}",
                          pluralize("container", "containers", bad.size()), join_quote(bad),
                          join_quote(sorted(types))));
}

bool valid_seccomp_type(const std::string& t) {
  return t == "Localhost" || t == "RuntimeDefault";
}

Violation seccomp_baseline_1_0(const PodTemplate& pod) {
  auto valid = [](const std::string& v) {
    return v == "runtime/default" || v == "docker/default" || v.rfind("localhost/", 0) == 0;
  };
  std::set<std::string> bad;
  const std::string pod_key = "seccomp.security.alpha.kubernetes.io/pod";
  if (const std::string* v = pod.annotations.find(pod_key); v && !valid(*v)) {
    bad.insert(fmt::format("{}={}", pod_key, go_quote(*v)));
  }
  for (const Container* c : pod.all_containers()) {
    std::string key = "container.seccomp.security.alpha.kubernetes.io/" + c->name;
    if (const std::string* v = pod.annotations.find(key); v && !valid(*v)) {
      bad.insert(fmt::format("{}={}", key, go_quote(*v)));
    }
  }
  if (bad.empty()) {
    return std::nullopt;
  }
  return make("seccompProfile_baseline", "seccompProfile",
              fmt::format("forbidden {} {}", pluralize("annotation", "annotations", bad.size()),
                          join(sorted(bad), ", ")));
}

Violation seccomp_baseline_1_19(const PodTemplate& pod) {
  std::vector<std::string> setters;
  std::set<std::string> values;
  if (pod.security_context && pod.security_context->seccomp_profile &&
      !valid_seccomp_type(pod.security_context->seccomp_profile->type)) {
    setters.push_back("pod");
    values.insert(pod.security_context->seccomp_profile->type);
  }
  std::vector<std::string> bad;
  for (const Container* c : pod.all_containers()) {
    if (sc(c) && sc(c)->seccomp_profile && !valid_seccomp_type(sc(c)->seccomp_profile->type)) {
      bad.push_back(c->name);
      values.insert(sc(c)->seccomp_profile->type);
    }
  }
  std::string who = setters_with_containers(setters, bad);
  if (who.empty()) {
    return std::nullopt;
  }
  return make("seccompProfile_baseline", "seccompProfile",
              fmt::format("{} must not set securityContext.seccompProfile.type to {}", who, join_quote(sorted(values))));
}

Violation sysctls(const PodTemplate& pod, int minor) {
  static const std::vector<std::pair<int, std::string>> k_safe = {
      {0, "kernel.shm_rmid_forced"},
      {0, "net.ipv4.ip_local_port_range"},
      {0, "net.ipv4.tcp_syncookies"},
      {0, "net.ipv4.ping_group_range"},
      {0, "net.ipv4.ip_unprivileged_port_start"},
      {27, "net.ipv4.ip_local_reserved_ports"},
      {29, "net.ipv4.tcp_keepalive_time"},
      {29, "net.ipv4.tcp_fin_timeout"},
      {29, "net.ipv4.tcp_keepalive_intvl"},
      {29, "net.ipv4.tcp_keepalive_probes"},
      {32, "net.ipv4.tcp_rmem"},
      {32, "net.ipv4.tcp_wmem"},
      {37, "net.ipv4.tcp_slow_start_after_idle"},
      {37, "net.ipv4.tcp_notsent_lowat"},
  };
  if (!pod.security_context) {
    return std::nullopt;
  }
  std::vector<std::string> bad;
  for (const auto& s : pod.security_context->sysctls) {
    bool ok = false;
    for (const auto& [since, name] : k_safe) {
      if (since <= minor && name == s.name) {
        ok = true;
        break;
      }
    }
    if (!ok) {
      bad.push_back(s.name);
    }
  }
  if (bad.empty()) {
    return std::nullopt;
  }
  return make("sysctls", "forbidden sysctls", join(bad, ", "));
}

Violation windows_host_process(const PodTemplate& pod) {
  std::vector<std::string> bad;
  for (const Container* c : pod.all_containers()) {
    if (sc(c) && sc(c)->windows_options && sc(c)->windows_options->host_process.value_or(false)) {
      bad.push_back(c->name);
    }
  }
  std::vector<std::string> setters;
  if (pod.security_context && pod.security_context->windows_options &&
      pod.security_context->windows_options->host_process.value_or(false)) {
    setters.push_back("pod");
  }
  std::string who = setters_with_containers(setters, bad);
  if (who.empty()) {
    return std::nullopt;
  }
  return make("windowsHostProcess", "hostProcess",
              fmt::format("{} must not set securityContext.windowsOptions.hostProcess=true", who));
}

Violation host_probes_and_lifecycle(const PodTemplate& pod) {
  std::set<std::string> bad;
  std::set<std::string> hosts;
  for (const Container* c : pod.all_containers()) {
    for (const auto& h : c->handler_hosts) {
      if (!h.host.empty()) {
        bad.insert(c->name);
        hosts.insert(h.host);
      }
    }
  }
  if (bad.empty()) {
    return std::nullopt;
  }
  return make("hostProbesAndHostLifecycle", "probe or lifecycle host",
              fmt::format("{} {} {} {} {}", pluralize("container", "containers", bad.size()), join_quote(sorted(bad)),
                          pluralize("uses", "use", bad.size()),
                          pluralize("probe or lifecycle host", "probe or lifecycle hosts", hosts.size()),
                          join_quote(sorted(hosts))));
}

// --- restricted ---

Violation restricted_volumes(const PodTemplate& pod) {
  static const std::set<std::string> k_allowed = {"configMap", "csi",       "downwardAPI", "emptyDir", "ephemeral",
                                                  "image",     "persistentVolumeClaim", "projected", "secret", ""};
  static const std::set<std::string> k_known = {
      "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo",   "nfs",        "iscsi",
      "glusterfs", "rbd",              "flexVolume",           "cinder",    "cephfs",     "flocker",
      "fc",        "azureFile",        "vsphereVolume",        "quobyte",   "azureDisk",  "photonPersistentDisk",
      "portworxVolume", "scaleIO",     "storageos"};
  std::vector<std::string> bad;
  std::set<std::string> types;
  for (const auto& v : pod.volumes) {
    if (k_allowed.count(v.source)) {
      continue;
    }
    bad.push_back(v.name);
    types.insert(k_known.count(v.source) ? v.source : "unknown");
  }
  if (bad.empty()) {
    return std::nullopt;
  }
  return make("restrictedVolumes", "restricted volume types",
              fmt::format("{} {} {} {} {}", pluralize("volume", "volumes", bad.size()), join_quote(bad),
                          pluralize("uses", "use", bad.size()),
                          pluralize("restricted volume type", "restricted volume types", types.size()),
                          join_quote(sorted(types))));
}

Violation allow_privilege_escalation_1_8(const PodTemplate& pod) {
  std::vector<std::string> bad;
  for (const Container* c : pod.all_containers()) {
    if (!sc(c) || !sc(c)->allow_privilege_escalation || *sc(c)->allow_privilege_escalation) {
      bad.push_back(c->name);
    }
  }
  if (bad.empty()) {
    return std::nullopt;
  }
  return make("allowPrivilegeEscalation", "allowPrivilegeEscalation != false",
              fmt::format("{} {} must set securityContext.allowPrivilegeEscalation=false",
                          pluralize("container", "containers", bad.size()), join_quote(bad)));
}

Violation capabilities_restricted_1_22(const PodTemplate& pod) {
  std::vector<std::string> missing_drop;
  std::vector<std::string> adding;
  std::set<std::string> caps;
  for (const Container* c : pod.all_containers()) {
    if (!sc(c) || !sc(c)->capabilities) {
      missing_drop.push_back(c->name);
      continue;
    }
    const Capabilities& k = *sc(c)->capabilities;
    bool dropped_all = false;
    for (const auto& d : k.drop.value_or(std::vector<std::string>{})) {
      if (d == "ALL") {
        dropped_all = true;
        break;
      }
    }
    if (!dropped_all) {
      missing_drop.push_back(c->name);
    }
    bool forbidden = false;
    for (const auto& a : k.add.value_or(std::vector<std::string>{})) {
      if (a != "NET_BIND_SERVICE") {
        forbidden = true;
        caps.insert(a);
      }
    }
    if (forbidden) {
      adding.push_back(c->name);
    }
  }
  std::vector<std::string> details;
  if (!missing_drop.empty()) {
    details.push_back(fmt::format("{} {} must set securityContext.capabilities.drop=[\"ALL\"]",
                                  pluralize("container", "containers", missing_drop.size()), join_quote(missing_drop)));
  }
  if (!adding.empty()) {
    details.push_back(fmt::format("{} {} must not include {} in securityContext.capabilities.add",
                                  pluralize("container", "containers", adding.size()), join_quote(adding),
                                  join_quote(sorted(caps))));
  }
  if (details.empty()) {
    return std::nullopt;
  }
  return make("capabilities_restricted", "unrestricted capabilities", join(details, "; "));
}

Violation run_as_non_root(const PodTemplate& pod) {
  std::vector<std::string> setters;
  bool pod_non_root = false;
  if (pod.security_context && pod.security_context->run_as_non_root) {
    if (!*pod.security_context->run_as_non_root) {
      setters.push_back("pod");
    } else {
      pod_non_root = true;
    }
  }
  std::vector<std::string> explicit_bad;
  std::vector<std::string> implicit_bad;
  for (const Container* c : pod.all_containers()) {
    if (sc(c) && sc(c)->run_as_non_root) {
      if (!*sc(c)->run_as_non_root) {
        explicit_bad.push_back(c->name);
      }
    } else if (!pod_non_root) {
      implicit_bad.push_back(c->name);
    }
  }
  std::string who = setters_with_containers(setters, explicit_bad);
  if (!who.empty()) {
    return make("runAsNonRoot", "runAsNonRoot != true",
                fmt::format("{} must not set securityContext.runAsNonRoot=false", who));
  }
  if (!implicit_bad.empty()) {
    return make("runAsNonRoot", "runAsNonRoot != true",
                fmt::format("pod or {} {} must set securityContext.runAsNonRoot=true",
                            pluralize("container", "containers", implicit_bad.size()), join_quote(implicit_bad)));
  }
  return std::nullopt;
}

Violation run_as_user(const PodTemplate& pod) {
  std::vector<std::string> setters;
  if (pod.security_context && pod.security_context->run_as_user && *pod.security_context->run_as_user == 0) {
    setters.push_back("pod");
  }
  std::vector<std::string> bad;
  for (const Container* c : pod.all_containers()) {
    if (sc(c) && sc(c)->run_as_user && *sc(c)->run_as_user == 0) {
      bad.push_back(c->name);
    }
  }
  std::string who = setters_with_containers(setters, bad);
  if (who.empty()) {
    return std::nullopt;
  }
  return make("runAsUser", "runAsUser=0", fmt::format("{} must not set runAsUser=0", who));
}

Violation seccomp_restricted_1_19(const PodTemplate& pod) {
  std::vector<std::string> setters;
  std::set<std::string> values;
  bool pod_set = false;
  if (pod.security_context && pod.security_context->seccomp_profile) {
    if (!valid_seccomp_type(pod.security_context->seccomp_profile->type)) {
      setters.push_back("pod");
      values.insert(pod.security_context->seccomp_profile->type);
    } else {
      pod_set = true;
    }
  }
  std::vector<std::string> explicit_bad;
  std::vector<std::string> implicit_bad;
  for (const Container* c : pod.all_containers()) {
    if (sc(c) && sc(c)->seccomp_profile) {
      if (!valid_seccomp_type(sc(c)->seccomp_profile->type)) {
        explicit_bad.push_back(c->name);
        values.insert(sc(c)->seccomp_profile->type);
      }
    } else if (!pod_set) {
      implicit_bad.push_back(c->name);
    }
  }
  std::string who = setters_with_containers(setters, explicit_bad);
  if (!who.empty()) {
    return make("seccompProfile_restricted", "seccompProfile",
                fmt::format("{} must not set securityContext.seccompProfile.type to {}", who,
                            join_quote(sorted(values))));
  }
  if (!implicit_bad.empty()) {
    return make("seccompProfile_restricted", "seccompProfile",
                fmt::format("pod or {} {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or "
                            "\"Localhost\"",
                            pluralize("container", "containers", implicit_bad.size()), join_quote(implicit_bad)));
  }
  return std::nullopt;
}

// Windows pods are exempt from these restricted checks from v1.25 on.
CheckFn windows_exempt(Violation (*fn)(const PodTemplate&)) {
  return [fn](const PodTemplate& pod) -> Violation {
    if (is_windows(pod)) {
      return std::nullopt;
    }
    return fn(pod);
  };
}

// From v1.35 runAsNonRoot, runAsUser and baseline procMount are skipped for hostUsers: false.
CheckFn userns_relaxed(CheckFn fn) {
  return [fn = std::move(fn)](const PodTemplate& pod) -> Violation {
    if (relax_for_user_namespace(pod)) {
      return std::nullopt;
    }
    return fn(pod);
  };
}

std::vector<Check> build_registry() {
  static const std::set<std::string> k_selinux_1_0 = {"", "container_t", "container_init_t", "container_kvm_t"};
  static const std::set<std::string> k_selinux_1_31 = {"", "container_t", "container_init_t", "container_kvm_t",
                                                       "container_engine_t"};
  auto sysctl_at = [](int minor) { return [minor](const PodTemplate& p) { return sysctls(p, minor); }; };
  auto proc_mount = [](const PodTemplate& p) { return proc_mount_1_0(p, "procMount"); };
  std::vector<Check> checks = {
      {"appArmorProfile", PsaLevel::baseline, {{0, app_armor_profile, {}}}},
      {"capabilities_baseline", PsaLevel::baseline, {{0, capabilities_baseline, {}}}},
      {"hostNamespaces", PsaLevel::baseline, {{0, host_namespaces, {}}}},
      {"hostPathVolumes", PsaLevel::baseline, {{0, host_path_volumes, {}}}},
      {"hostPorts", PsaLevel::baseline, {{0, host_ports, {}}}},
      {"hostProbesAndHostLifecycle", PsaLevel::baseline, {{34, host_probes_and_lifecycle, {}}}},
      {"privileged", PsaLevel::baseline, {{0, privileged, {}}}},
      {"procMount", PsaLevel::baseline, {{0, proc_mount, {}}, {35, userns_relaxed(proc_mount), {}}}},
      {"seLinuxOptions",
       PsaLevel::baseline,
       {{0, [](const PodTemplate& p) { return se_linux_options(p, k_selinux_1_0); }, {}},
        {31, [](const PodTemplate& p) { return se_linux_options(p, k_selinux_1_31); }, {}}}},
      {"seccompProfile_baseline", PsaLevel::baseline, {{0, seccomp_baseline_1_0, {}}, {19, seccomp_baseline_1_19, {}}}},
      {"sysctls",
       PsaLevel::baseline,
       {{0, sysctl_at(0), {}}, {27, sysctl_at(27), {}}, {29, sysctl_at(29), {}}, {32, sysctl_at(32), {}},
        {37, sysctl_at(37), {}}}},
      {"windowsHostProcess", PsaLevel::baseline, {{0, windows_host_process, {}}}},

      {"allowPrivilegeEscalation",
       PsaLevel::restricted,
       {{8, allow_privilege_escalation_1_8, {}}, {25, windows_exempt(allow_privilege_escalation_1_8), {}}}},
      {"capabilities_restricted",
       PsaLevel::restricted,
       {{22, capabilities_restricted_1_22, {"capabilities_baseline"}},
        {25, windows_exempt(capabilities_restricted_1_22), {"capabilities_baseline"}}}},
      {"procMount_restricted",
       PsaLevel::restricted,
       {{35, [](const PodTemplate& p) { return proc_mount_1_0(p, "procMount_restricted"); }, {"procMount"}}}},
      {"restrictedVolumes", PsaLevel::restricted, {{0, restricted_volumes, {"hostPathVolumes"}}}},
      {"runAsNonRoot", PsaLevel::restricted, {{0, run_as_non_root, {}}, {35, userns_relaxed(run_as_non_root), {}}}},
      {"runAsUser", PsaLevel::restricted, {{23, run_as_user, {}}, {35, userns_relaxed(run_as_user), {}}}},
      {"seccompProfile_restricted",
       PsaLevel::restricted,
       {{19, seccomp_restricted_1_19, {"seccompProfile_baseline"}},
        {25, windows_exempt(seccomp_restricted_1_19), {"seccompProfile_baseline"}}}},
  };
  return checks;
}

const std::vector<Check>& registry() {
  static const std::vector<Check> k_registry = build_registry();
  return k_registry;
}

const VersionedCheck* version_for(const Check& c, int minor) {
  const VersionedCheck* found = nullptr;
  for (const auto& v : c.versions) {
    if (v.min_minor <= minor) {
      found = &v;
    }
  }
  return found;
}

struct Selected {
  const Check* check;
  const VersionedCheck* version;
};

std::vector<Selected> select_checks(const PsaPolicy& policy) {
  std::vector<Selected> out;
  if (policy.level == PsaLevel::privileged) {
    return out;
  }
  int minor = policy.version.effective_minor();
  std::set<std::string> overridden;
  if (policy.level == PsaLevel::restricted) {
    for (const auto& c : registry()) {
      if (c.level == PsaLevel::restricted) {
        if (const auto* v = version_for(c, minor)) {
          overridden.insert(v->overrides.begin(), v->overrides.end());
        }
      }
    }
  }
  // Baseline ids sorted, then restricted ids sorted (the registry is written in that order).
  for (PsaLevel level : {PsaLevel::baseline, PsaLevel::restricted}) {
    if (level == PsaLevel::restricted && policy.level != PsaLevel::restricted) {
      break;
    }
    std::vector<Selected> part;
    for (const auto& c : registry()) {
      if (c.level != level || overridden.count(c.id)) {
        continue;
      }
      if (const auto* v = version_for(c, minor)) {
        part.push_back({&c, v});
      }
    }
    std::sort(part.begin(), part.end(), [](const Selected& a, const Selected& b) { return a.check->id < b.check->id; });
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

}  // namespace

std::string PsaVersion::str() const {
  return latest ? std::string("latest") : fmt::format("v1.{}", minor);
}

std::string PsaPolicy::str() const {
  return fmt::format("{}:{}", psa_level_name(level), version.str());
}

const char* psa_level_name(PsaLevel l) {
  switch (l) {
    case PsaLevel::privileged:
      return "privileged";
    case PsaLevel::baseline:
      return "baseline";
    case PsaLevel::restricted:
      return "restricted";
  }
  return "privileged";
}

std::optional<PsaLevel> parse_psa_level(std::string_view s) {
  if (s == "privileged") {
    return PsaLevel::privileged;
  }
  if (s == "baseline") {
    return PsaLevel::baseline;
  }
  if (s == "restricted") {
    return PsaLevel::restricted;
  }
  return std::nullopt;
}

std::optional<PsaVersion> parse_psa_version(std::string_view s) {
  if (s == "latest") {
    return PsaVersion::make_latest();
  }
  if (s.substr(0, 3) != "v1." || s.size() == 3) {
    return std::nullopt;
  }
  std::string_view digits = s.substr(3);
  if (digits.size() > 1 && digits[0] == '0') {
    return std::nullopt;
  }
  int minor = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || minor > 100000) {
      return std::nullopt;
    }
    minor = minor * 10 + (c - '0');
  }
  return PsaVersion::v1(minor);
}

std::string PsaResult::message(const PsaPolicy& policy) const {
  if (allowed) {
    return {};
  }
  std::vector<std::string> parts;
  for (const auto& v : violations) {
    parts.push_back(v.detail.empty() ? v.reason : fmt::format("{} ({})", v.reason, v.detail));
  }
  return fmt::format("violates PodSecurity \"{}\": {}", policy.str(), join(parts, ", "));
}

PsaResult evaluate_pod_security(const PodTemplate& pod, const PsaPolicy& policy) {
  PsaResult result;
  for (const auto& s : select_checks(policy)) {
    if (auto v = s.version->fn(pod)) {
      result.allowed = false;
      result.violations.push_back(std::move(*v));
    }
  }
  return result;
}

std::vector<std::string> psa_check_ids(const PsaPolicy& policy) {
  std::vector<std::string> ids;
  for (const auto& s : select_checks(policy)) {
    ids.push_back(s.check->id);
  }
  return ids;
}

NamespacePolicy namespace_policy(const Namespace* ns, const PsaDefaults& defaults) {
  // api/helpers.go PolicyToEvaluate.
  NamespacePolicy out;
  out.enforce = defaults.enforce;
  out.audit = defaults.audit;
  out.warn = defaults.warn;
  if (!ns) {
    return out;
  }
  const std::string prefix = "pod-security.kubernetes.io/";
  auto read = [&](const std::string& mode, PsaPolicy& policy, PsaLevel invalid_level) {
    if (const std::string* level = ns->labels.find(prefix + mode)) {
      if (auto l = parse_psa_level(*level)) {
        policy.level = *l;
      } else {
        policy.level = invalid_level;
        out.errors.push_back(fmt::format("{}{}: invalid level \"{}\"", prefix, mode, *level));
      }
    }
    if (const std::string* version = ns->labels.find(prefix + mode + "-version")) {
      if (auto v = parse_psa_version(*version)) {
        policy.version = *v;
      } else {
        policy.version = PsaVersion::make_latest();
        out.errors.push_back(fmt::format("{}{}-version: invalid version \"{}\"", prefix, mode, *version));
      }
    }
  };
  read("enforce", out.enforce, PsaLevel::restricted);
  read("audit", out.audit, PsaLevel::privileged);
  bool warn_set = ns->labels.contains(prefix + "warn") || ns->labels.contains(prefix + "warn-version");
  read("warn", out.warn, PsaLevel::privileged);
  // Warn follows enforce when it is unset and enforce is stricter than the default warn level.
  if (!warn_set && ns->labels.contains(prefix + "enforce") && out.enforce.level > defaults.warn.level) {
    out.warn = out.enforce;
  }
  out.enforce_location = ns->labels.location_of(prefix + "enforce");
  return out;
}

PsaResult evaluate_in_namespace(const PodTemplate& pod, const Namespace* ns, const PsaDefaults& defaults) {
  return evaluate_pod_security(pod, namespace_policy(ns, defaults).enforce);
}

}  // namespace talgpu::kube
