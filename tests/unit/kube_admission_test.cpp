// RuntimeClass admission (plugin/pkg/admission/runtimeclass admission_test.go TestSetScheduling /
// TestSetOverhead, pkg/util/tolerations tolerations_test.go TestMergeTolerations), extended
// resource validation (pkg/apis/core/validation validateResourceRequirements), quantities and the
// NodeRestriction label rule (plugin/pkg/admission/noderestriction admission_test.go label cases).

#include <gtest/gtest.h>

#include <kube/noderestriction.hpp>
#include <kube/quantity.hpp>
#include <kube/resources.hpp>
#include <kube/runtimeclass.hpp>

using namespace talgpu;
using namespace talgpu::kube;

namespace {

Toleration tol(std::string key, std::string op, std::string value, std::string effect,
               std::optional<int64_t> seconds = std::nullopt) {
  Toleration t;
  t.key = std::move(key);
  t.op = std::move(op);
  t.value = std::move(value);
  t.effect = std::move(effect);
  t.toleration_seconds = seconds;
  return t;
}

std::vector<std::string> keys(const std::vector<Toleration>& ts) {
  std::vector<std::string> out;
  for (const auto& t : ts) {
    out.push_back(t.key + ":" + t.op + ":" + t.effect);
  }
  return out;
}

RuntimeClass nvidia_class() {
  RuntimeClass rc;
  rc.name = "nvidia";
  rc.handler = "nvidia";
  rc.has_scheduling = true;
  rc.node_selector.set("foo", "bar");
  rc.tolerations = {tol("nvidia.com/gpu", "Exists", "", "NoSchedule")};
  return rc;
}

Container gpu_container(std::optional<std::string> request, std::optional<std::string> limit) {
  Container c;
  c.name = "c";
  if (request) {
    c.resources.requests.items["nvidia.com/gpu"] = {Quantity::parse(*request), {}};
  }
  if (limit) {
    c.resources.limits.items["nvidia.com/gpu"] = {Quantity::parse(*limit), {}};
  }
  return c;
}

}  // namespace

TEST(MergeTolerations, SupersetsWin) {
  // tolerations_test.go TestMergeTolerations, in spirit: duplicates collapse, a wider toleration
  // (empty effect, Exists, empty key + Exists) absorbs narrower ones, order otherwise kept.
  auto a = tol("foo", "Exists", "", "NoSchedule");
  auto b = tol("foo", "Exists", "", "");
  auto c = tol("bar", "Equal", "v", "NoExecute");
  EXPECT_EQ(keys(merge_tolerations({a}, {a})), (std::vector<std::string>{"foo:Exists:NoSchedule"}));
  EXPECT_EQ(keys(merge_tolerations({a, c}, {b})), (std::vector<std::string>{"bar:Equal:NoExecute", "foo:Exists:"}));
  EXPECT_EQ(keys(merge_tolerations({a, c}, {tol("", "Exists", "", "")})), (std::vector<std::string>{":Exists:"}));
  // tolerationSeconds: a bounded NoExecute toleration does not absorb an unbounded one.
  auto bounded = tol("n", "Exists", "", "NoExecute", 300);
  auto unbounded = tol("n", "Exists", "", "NoExecute");
  EXPECT_EQ(merge_tolerations({bounded}, {unbounded}).size(), 1u);
  EXPECT_FALSE(merge_tolerations({bounded}, {unbounded})[0].toleration_seconds);
  EXPECT_EQ(merge_tolerations({unbounded}, {bounded}).size(), 1u);
  // An empty operator means Equal: it absorbs the same toleration written with Equal.
  EXPECT_EQ(merge_tolerations({tol("k", "", "v", "")}, {tol("k", "Equal", "v", "")}).size(), 1u);
}

TEST(RuntimeClassAdmission, SetScheduling) {
  std::vector<RuntimeClass> classes = {nvidia_class()};
  PodTemplate pod;
  pod.runtime_class_name = "nvidia";
  // Nil pod selector takes the RuntimeClass's; tolerations merged.
  auto r = admit_runtime_class(pod, classes);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r.pod.node_selector.find("foo"), "bar");
  ASSERT_EQ(r.pod.tolerations.size(), 1u);
  EXPECT_EQ(r.pod.tolerations[0].origin, "runtimeclass:nvidia");
  // Same key and value: fine. Distinct keys: merged.
  pod.node_selector.set("foo", "bar");
  pod.node_selector.set("zone", "a");
  r = admit_runtime_class(pod, classes);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.pod.node_selector.size(), 2u);
  // Conflict.
  pod.node_selector.set("foo", "baz");
  r = admit_runtime_class(pod, classes);
  EXPECT_FALSE(r);
  EXPECT_EQ(r.error, "conflict: runtimeClass.scheduling.nodeSelector[foo] = bar; pod.spec.nodeSelector[foo] = baz");
  // Not found.
  pod.runtime_class_name = "kata";
  r = admit_runtime_class(pod, classes);
  EXPECT_FALSE(r);
  EXPECT_EQ(r.error, "pod rejected: RuntimeClass \"kata\" not found");
  // No runtime class: untouched.
  PodTemplate plain;
  EXPECT_TRUE(admit_runtime_class(plain, {}));
}

TEST(RuntimeClassAdmission, Overhead) {
  RuntimeClass rc = nvidia_class();
  rc.overhead.items["cpu"] = {Quantity::parse("250m"), {}};
  std::vector<RuntimeClass> classes = {rc};
  PodTemplate pod;
  pod.runtime_class_name = "nvidia";
  auto r = admit_runtime_class(pod, classes);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.pod.overhead.find("cpu"));
  pod.overhead.items["cpu"] = {Quantity::parse("0.25"), {}};
  EXPECT_TRUE(admit_runtime_class(pod, classes));
  pod.overhead.items["cpu"] = {Quantity::parse("1"), {}};
  EXPECT_EQ(admit_runtime_class(pod, classes).error,
            "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
  PodTemplate no_rc;
  no_rc.overhead.items["cpu"] = {Quantity::parse("1"), {}};
  EXPECT_EQ(admit_runtime_class(no_rc, {}).error,
            "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead");
}

TEST(Quantity, Parses) {
  EXPECT_EQ(Quantity::parse("1").milli, 1000);
  EXPECT_EQ(Quantity::parse("500m").milli, 500);
  EXPECT_EQ(Quantity::parse("0.5").milli, 500);
  EXPECT_EQ(Quantity::parse("2Ki").milli, 2048000);
  EXPECT_EQ(Quantity::parse("1e3").whole(), 1000);
  EXPECT_EQ(Quantity::parse("1.5").whole(), 2);  // Value() rounds up
  EXPECT_TRUE(Quantity::parse("2").is_integer());
  EXPECT_FALSE(Quantity::parse("500m").is_integer());
  EXPECT_TRUE(Quantity::parse("1000m").is_integer());
  EXPECT_FALSE(Quantity::parse("one").valid);
  EXPECT_FALSE(Quantity::parse("1Gb").valid);
  EXPECT_FALSE(Quantity::parse("").valid);
  EXPECT_TRUE(Quantity::parse("-1").negative());
  EXPECT_TRUE(Quantity::parse("1").same_amount(Quantity::parse("1000m")));
}

TEST(ExtendedResources, Validation) {
  PodTemplate pod;
  pod.containers = {gpu_container("1", "1")};
  EXPECT_TRUE(validate_resources(pod).empty());
  pod.containers = {gpu_container(std::nullopt, "2")};
  EXPECT_TRUE(validate_resources(pod).empty());

  pod.containers = {gpu_container("2", "1")};
  auto p = validate_resources(pod);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rule, "resource-request-not-equal-limit");
  EXPECT_EQ(p[0].field, "spec.containers[0].resources.requests[nvidia.com/gpu]");
  EXPECT_EQ(p[0].message, "must be equal to nvidia.com/gpu limit of 1");

  pod.containers = {gpu_container("1", std::nullopt)};
  p = validate_resources(pod);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rule, "resource-limit-missing");
  EXPECT_EQ(p[0].field, "spec.containers[0].resources.limits");

  pod.containers = {gpu_container(std::nullopt, "0.5")};
  p = validate_resources(pod);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rule, "resource-not-integer");

  Container bad;
  bad.name = "b";
  bad.resources.limits.items["gpu"] = {Quantity::parse("1"), {}};
  bad.resources.limits.items["kubernetes.io/gpu"] = {Quantity::parse("1"), {}};
  bad.resources.requests.items["cpu"] = {Quantity::parse("2"), {}};
  bad.resources.limits.items["cpu"] = {Quantity::parse("1"), {}};
  pod.containers = {bad};
  p = validate_resources(pod);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].field, "spec.containers[0].resources.limits[gpu]");
  EXPECT_EQ(p[0].message, "must be a standard resource for containers");
  EXPECT_EQ(p[1].message, "must be a standard resource for containers");
  EXPECT_EQ(p[2].message, "must be less than or equal to cpu limit of 1");

  EXPECT_TRUE(is_extended_resource_name("nvidia.com/gpu"));
  EXPECT_FALSE(is_extended_resource_name("requests.nvidia.com/gpu"));
  EXPECT_FALSE(is_extended_resource_name("cpu"));
}

TEST(ExtendedResources, PodRequests) {
  PodTemplate pod;
  pod.containers = {gpu_container(std::nullopt, "1"), gpu_container("2", "2")};
  EXPECT_EQ(pod_request(pod), 3);
  Container init = gpu_container(std::nullopt, "4");
  init.kind = ContainerKind::init;
  pod.init_containers = {init};
  EXPECT_EQ(pod_request(pod), 4);  // max(init, sum)
  Container sidecar = gpu_container(std::nullopt, "1");
  sidecar.kind = ContainerKind::init;
  sidecar.restart_policy = "Always";
  pod.init_containers = {sidecar};
  EXPECT_EQ(pod_request(pod), 4);  // sidecars add to the regular sum
}

TEST(ExtendedResources, NodeGpuCount) {
  Node observed;
  observed.source = NodeSource::observed;
  observed.allocatable["nvidia.com/gpu"] = Quantity::parse("4");
  EXPECT_EQ(*node_gpu_count(observed).count, 4);
  EXPECT_EQ(node_gpu_count(observed).source, "allocatable");
  Node bare;
  bare.source = NodeSource::observed;
  EXPECT_EQ(*node_gpu_count(bare).count, 0);
  Node labelled;
  labelled.labels.set("nvidia.com/gpu.count", "2");
  EXPECT_EQ(*node_gpu_count(labelled, 3).count, 6);
  Node declared;
  declared.gpu = true;
  EXPECT_EQ(*node_gpu_count(declared).count, 1);
}

TEST(NodeRestriction, KubeletLabels) {
  // Allowed: kubelet labels, node.kubernetes.io / kubelet.kubernetes.io namespaces, other domains.
  for (const char* ok : {"kubernetes.io/hostname", "topology.kubernetes.io/zone", "kubernetes.io/arch",
                         "node.kubernetes.io/instance-type", "node.kubernetes.io/exclude-from-external-load-balancers",
                         "feature.node.kubernetes.io/pci-10de.present", "kubelet.kubernetes.io/x",
                         "nvidia.com/gpu.present", "example.com/x", "plain", "other.k8s.io.example.com/foo"}) {
    EXPECT_FALSE(is_forbidden_node_label(ok)) << ok;
  }
  // Forbidden: node-restriction.kubernetes.io, other kubernetes.io / k8s.io labels.
  for (const char* bad : {"node-restriction.kubernetes.io/gpu", "example.node-restriction.kubernetes.io/x",
                          "node-role.kubernetes.io/worker", "node-role.kubernetes.io/gpu", "other.kubernetes.io/foo",
                          "other.k8s.io/foo", "k8s.io/foo", "kubernetes.io/foo"}) {
    EXPECT_TRUE(is_forbidden_node_label(bad)) << bad;
    EXPECT_FALSE(forbidden_node_label_reason(bad).empty());
  }
  EXPECT_TRUE(is_kubelet_label("beta.kubernetes.io/os"));
  EXPECT_EQ(label_namespace("a.b/c"), "a.b");
  EXPECT_EQ(label_namespace("c"), "");
}
