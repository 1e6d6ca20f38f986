// Pod Security: every upstream conformance fixture (kubernetes/pod-security-admission
// test/testdata, vendored in tests/fixtures/upstream/pod-security) must be allowed (pass/) or denied
// (fail/) at exactly its level and version, and a denied fixture must fail the check it is named
// after (or the restricted check that overrides it).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include <core/diagnostic.hpp>
#include <kube/manifest_loader.hpp>
#include <kube/podsecurity.hpp>
#include <yaml/document.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::kube;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  std::string rel;  // baseline/v1.28/fail/hostpathvolumes0.yaml
  std::string level;
  int minor = 0;
  bool pass = false;
  std::string check;  // lower-case check id from the file name ("" for base*)
};

std::vector<Fixture> all_fixtures() {
  std::vector<Fixture> out;
  fs::path root = test::upstream_path("pod-security");
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file() || it->path().extension() != ".yaml") {
      continue;
    }
    fs::path rel = fs::relative(it->path(), root);
    std::vector<std::string> parts;
    for (const auto& p : rel) {
      parts.push_back(p.string());
    }
    if (parts.size() != 4) {
      continue;
    }
    Fixture f;
    f.rel = rel.string();
    f.level = parts[0];
    f.minor = std::stoi(parts[1].substr(3));
    f.pass = parts[2] == "pass";
    std::string stem = it->path().stem().string();
    while (!stem.empty() && std::isdigit(static_cast<unsigned char>(stem.back()))) {
      stem.pop_back();
    }
    f.check = stem.rfind("base", 0) == 0 ? "" : stem;
    out.push_back(f);
  }
  std::sort(out.begin(), out.end(), [](const Fixture& a, const Fixture& b) { return a.rel < b.rel; });
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

PodTemplate load_pod(const std::string& path) {
  auto docs = yaml::parse_file(path);
  EXPECT_TRUE(docs.has_value()) << path;
  Diagnostics diags;
  auto w = read_workload((*docs)[0].root, diags);
  EXPECT_TRUE(w.has_value()) << path;
  EXPECT_FALSE(diags.has_errors()) << render_text(diags);
  return w ? w->pod : PodTemplate{};
}

}  // namespace

class PodSecurityFixture : public ::testing::TestWithParam<Fixture> {};

TEST_P(PodSecurityFixture, MatchesUpstreamVerdict) {
  const Fixture& f = GetParam();
  PodTemplate pod = load_pod(test::upstream_path("pod-security/" + f.rel));
  PsaPolicy policy{*parse_psa_level(f.level), PsaVersion::v1(f.minor)};
  PsaResult r = evaluate_pod_security(pod, policy);
  if (f.pass) {
    EXPECT_TRUE(r.allowed) << f.rel << ": " << r.message(policy);
    return;
  }
  ASSERT_FALSE(r.allowed) << f.rel << " should be denied at " << policy.str();
  // The named check, or the restricted check that overrides it at this version.
  std::vector<std::string> accept = {f.check};
  if (f.level == "restricted") {
    if (f.check == "hostpathvolumes") {
      accept.push_back("restrictedvolumes");
    }
    if (f.check == "capabilities_baseline" && f.minor >= 22) {
      accept.push_back("capabilities_restricted");
    }
    if (f.check == "seccompprofile_baseline" && f.minor >= 19) {
      accept.push_back("seccompprofile_restricted");
    }
    if (f.check == "procmount" && f.minor >= 35) {
      accept.push_back("procmount_restricted");
    }
  }
  bool found = false;
  for (const auto& v : r.violations) {
    found = found || std::find(accept.begin(), accept.end(), lower(v.check)) != accept.end();
  }
  EXPECT_TRUE(found) << f.rel << ": " << r.message(policy);
}

INSTANTIATE_TEST_SUITE_P(Upstream, PodSecurityFixture, ::testing::ValuesIn(all_fixtures()),
                         [](const ::testing::TestParamInfo<Fixture>& info) {
                           std::string name = info.param.rel;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) {
                               c = '_';
                             }
                           }
                           return name;
                         });

TEST(PodSecurity, FixtureCorpusIsComplete) {
  // 3310 files: both levels, v1.0 to v1.28.
  EXPECT_GT(all_fixtures().size(), 3000u);
}

namespace {

PodTemplate parse_pod(const std::string& text) {
  auto docs = yaml::parse(text, "pod.yaml");
  EXPECT_TRUE(docs.has_value());
  Diagnostics diags;
  auto w = read_workload((*docs)[0].root, diags);
  EXPECT_TRUE(w.has_value());
  return w ? w->pod : PodTemplate{};
}

}  // namespace

TEST(PodSecurity, DevicePluginDetailsReadLikeTheApiServer) {
  PodTemplate pod = load_pod(test::upstream_path("manifests/nvidia/nvidia-device-plugin.yml"));
  PsaPolicy baseline{PsaLevel::baseline, PsaVersion::make_latest()};
  PsaResult b = evaluate_pod_security(pod, baseline);
  ASSERT_FALSE(b.allowed);
  ASSERT_EQ(b.violations.size(), 1u);
  EXPECT_EQ(b.violations[0].check, "hostPathVolumes");
  EXPECT_EQ(b.message(baseline),
            "violates PodSecurity \"baseline:latest\": hostPath volumes (volume \"kubelet-device-plugins-dir\")");

  PsaPolicy restricted{PsaLevel::restricted, PsaVersion::make_latest()};
  PsaResult r = evaluate_pod_security(pod, restricted);
  std::vector<std::string> ids;
  for (const auto& v : r.violations) {
    ids.push_back(v.check);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"restrictedVolumes", "runAsNonRoot", "seccompProfile_restricted"}));
  EXPECT_EQ(r.violations[0].detail,
            "volume \"kubelet-device-plugins-dir\" uses restricted volume type \"hostPath\"");
  EXPECT_EQ(r.violations[1].detail,
            "pod or container \"nvidia-device-plugin-ctr\" must set securityContext.runAsNonRoot=true");
  EXPECT_EQ(r.violations[2].detail,
            "pod or container \"nvidia-device-plugin-ctr\" must set securityContext.seccompProfile.type to "
            "\"RuntimeDefault\" or \"Localhost\"");
}

TEST(PodSecurity, NvidiaSmiPodFailsRestrictedOnly) {
  PodTemplate pod = parse_pod(R"(apiVersion: v1
kind: Pod
metadata: {name: smi}
spec:
  runtimeClassName: nvidia
  containers:
  - name: smi
    image: nvcr.io/nvidia/cuda:12.2.0-base-ubuntu22.04
    resources: {limits: {nvidia.com/gpu: 1}}
)");
  EXPECT_TRUE(evaluate_pod_security(pod, {PsaLevel::baseline, PsaVersion::make_latest()}).allowed);
  PsaResult r = evaluate_pod_security(pod, {PsaLevel::restricted, PsaVersion::make_latest()});
  std::vector<std::string> reasons;
  for (const auto& v : r.violations) {
    reasons.push_back(v.reason);
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{"allowPrivilegeEscalation != false", "unrestricted capabilities",
                                               "runAsNonRoot != true", "seccompProfile"}));
  EXPECT_TRUE(evaluate_pod_security(pod, {PsaLevel::privileged, PsaVersion::make_latest()}).allowed);
}

TEST(PodSecurity, VersionsChangeTheRules) {
  PodTemplate pod = parse_pod(R"(kind: Pod
metadata: {name: p}
spec:
  securityContext:
    sysctls: [{name: net.ipv4.tcp_keepalive_time, value: "60"}]
  containers:
  - name: c
    image: x
    livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}
)");
  auto at = [&](int minor) { return evaluate_pod_security(pod, {PsaLevel::baseline, PsaVersion::v1(minor)}); };
  // tcp_keepalive_time is safe from v1.29; probe hosts are forbidden from v1.34.
  ASSERT_FALSE(at(28).allowed);
  EXPECT_EQ(at(28).violations[0].check, "sysctls");
  EXPECT_EQ(at(28).violations[0].detail, "net.ipv4.tcp_keepalive_time");
  EXPECT_TRUE(at(29).allowed);
  ASSERT_FALSE(at(34).allowed);
  EXPECT_EQ(at(34).violations[0].detail, "container \"c\" uses probe or lifecycle host \"10.0.0.1\"");
}

TEST(PodSecurity, UserNamespacesRelaxRunAsNonRootFrom135) {
  PodTemplate pod = parse_pod(R"(kind: Pod
metadata: {name: p}
spec:
  hostUsers: false
  securityContext: {seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: x
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, runAsUser: 0}
)");
  auto r34 = evaluate_pod_security(pod, {PsaLevel::restricted, PsaVersion::v1(34)});
  ASSERT_EQ(r34.violations.size(), 2u);
  EXPECT_EQ(r34.violations[0].check, "runAsNonRoot");
  EXPECT_EQ(r34.violations[1].detail, "container \"c\" must not set runAsUser=0");
  EXPECT_TRUE(evaluate_pod_security(pod, {PsaLevel::restricted, PsaVersion::v1(35)}).allowed);
}

TEST(PodSecurity, CheckOrderAndOverrides) {
  auto ids = psa_check_ids({PsaLevel::restricted, PsaVersion::make_latest()});
  EXPECT_EQ(ids, (std::vector<std::string>{"appArmorProfile", "hostNamespaces", "hostPorts",
                                           "hostProbesAndHostLifecycle", "privileged", "seLinuxOptions", "sysctls",
                                           "windowsHostProcess", "allowPrivilegeEscalation", "capabilities_restricted",
                                           "procMount_restricted", "restrictedVolumes", "runAsNonRoot", "runAsUser",
                                           "seccompProfile_restricted"}));
  EXPECT_TRUE(psa_check_ids({PsaLevel::privileged, PsaVersion::make_latest()}).empty());
  // Before v1.19 the seccomp annotations are checked, also under restricted.
  auto old = psa_check_ids({PsaLevel::restricted, PsaVersion::v1(18)});
  EXPECT_NE(std::find(old.begin(), old.end(), "seccompProfile_baseline"), old.end());
}

TEST(PodSecurity, ParsesLevelsAndVersions) {
  EXPECT_EQ(parse_psa_level("baseline"), PsaLevel::baseline);
  EXPECT_FALSE(parse_psa_level("Baseline"));
  EXPECT_TRUE(parse_psa_version("latest")->latest);
  EXPECT_EQ(parse_psa_version("v1.28")->minor, 28);
  EXPECT_FALSE(parse_psa_version("v1.028"));
  EXPECT_FALSE(parse_psa_version("1.28"));
  EXPECT_FALSE(parse_psa_version("v2.0"));
  EXPECT_FALSE(parse_psa_version("v1."));
  // Newer than we know: evaluated as the newest.
  EXPECT_EQ(PsaVersion::v1(99).effective_minor(), k_psa_latest_minor);
}

TEST(PodSecurity, NamespaceLabels) {
  Namespace ns;
  ns.name = "gpu";
  ns.labels.set("pod-security.kubernetes.io/enforce", "baseline");
  ns.labels.set("pod-security.kubernetes.io/enforce-version", "v1.30");
  NamespacePolicy p = namespace_policy(&ns);
  EXPECT_EQ(p.enforce.str(), "baseline:v1.30");
  EXPECT_EQ(p.warn.str(), "baseline:v1.30");  // warn follows a stricter enforce
  EXPECT_EQ(p.audit.str(), "privileged:latest");
  EXPECT_TRUE(p.errors.empty());

  Namespace bad;
  bad.name = "bad";
  bad.labels.set("pod-security.kubernetes.io/enforce", "strict");
  bad.labels.set("pod-security.kubernetes.io/audit", "strict");
  bad.labels.set("pod-security.kubernetes.io/enforce-version", "1.30");
  NamespacePolicy q = namespace_policy(&bad);
  EXPECT_EQ(q.enforce.str(), "restricted:latest");  // fail closed
  EXPECT_EQ(q.audit.level, PsaLevel::privileged);   // fail open
  EXPECT_EQ(q.errors.size(), 3u);

  EXPECT_EQ(namespace_policy(nullptr).enforce.level, PsaLevel::privileged);
}

// check_hostNamespaces_test.go and check_seLinuxOptions_test.go expectDetail strings.
TEST(PodSecurity, UpstreamDetails) {
  PodTemplate ns = parse_pod(R"(kind: Pod
metadata: {name: p}
spec: {hostNetwork: true, hostIPC: true, hostPID: true, containers: [{name: c, image: x}]}
)");
  auto r = evaluate_pod_security(ns, {PsaLevel::baseline, PsaVersion::make_latest()});
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].reason, "host namespaces");
  EXPECT_EQ(r.violations[0].detail, "hostNetwork=true, hostPID=true, hostIPC=true");

  PodTemplate se = parse_pod(R"(kind: Pod
metadata: {name: p}
spec:
  securityContext: {seLinuxOptions: {type: foo, user: bar, role: baz}}
  containers:
  - {name: a, image: x, securityContext: {seLinuxOptions: {type: container_t}}}
  - {name: d, image: x, securityContext: {seLinuxOptions: {type: container_engine_t}}}
  - {name: e, image: x, securityContext: {seLinuxOptions: {type: bar}}}
  - {name: f, image: x, securityContext: {seLinuxOptions: {user: bar}}}
  - {name: g, image: x, securityContext: {seLinuxOptions: {role: baz}}}
)");
  r = evaluate_pod_security(se, {PsaLevel::baseline, PsaVersion::v1(31)});
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].detail,
            "pod and containers \"e\", \"f\", \"g\" set forbidden securityContext.seLinuxOptions: types \"bar\", "
            "\"foo\"; user may not be set; role may not be set");
  // container_engine_t is allowed from v1.31 only.
  r = evaluate_pod_security(se, {PsaLevel::baseline, PsaVersion::v1(30)});
  EXPECT_NE(r.violations[0].detail.find("\"container_engine_t\""), std::string::npos);

  PodTemplate user = parse_pod(R"(kind: Pod
metadata: {name: p}
spec: {securityContext: {seLinuxOptions: {user: bad}}, containers: [{name: c, image: x}]}
)");
  r = evaluate_pod_security(user, {PsaLevel::baseline, PsaVersion::make_latest()});
  EXPECT_EQ(r.violations.at(0).detail, "pod set forbidden securityContext.seLinuxOptions: user may not be set");
}
