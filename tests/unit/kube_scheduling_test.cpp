// Scheduling predicates against cases ported from upstream tables:
// k8s.io/api core/v1 toleration_test.go (TestTolerationToleratesTaint), component-helpers
// scheduling/corev1 nodeaffinity_test.go (TestPodMatchesNodeSelectorAndAffinityTerms) and
// pkg/scheduler/framework/plugins/tainttoleration taint_toleration_test.go (TestTaintTolerationFilter).

#include <gtest/gtest.h>

#include <kube/manifest_loader.hpp>
#include <kube/scheduling.hpp>
#include <yaml/document.hpp>

using namespace talgpu;
using namespace talgpu::kube;

namespace {

Toleration tol(std::string key, std::string op, std::string value, std::string effect) {
  Toleration t;
  t.key = std::move(key);
  t.op = std::move(op);
  t.value = std::move(value);
  t.effect = std::move(effect);
  return t;
}

Taint taint(std::string key, std::string value, std::string effect) {
  return Taint{std::move(key), std::move(value), std::move(effect), {}};
}

Node node_with(std::initializer_list<std::pair<const char*, const char*>> labels, std::string name = "node-1") {
  Node n;
  n.name = std::move(name);
  for (auto [k, v] : labels) {
    n.labels.set(k, v);
  }
  return n;
}

PodTemplate pod_from(const std::string& spec_yaml) {
  std::string doc = "kind: Pod\nmetadata: {name: p}\nspec:\n" + spec_yaml;
  auto docs = yaml::parse(doc, "pod.yaml");
  EXPECT_TRUE(docs.has_value()) << (docs ? "" : docs.error().describe());
  Diagnostics diags;
  auto w = read_workload((*docs)[0].root, diags);
  EXPECT_TRUE(w.has_value());
  return w ? w->pod : PodTemplate{};
}

}  // namespace

TEST(Tolerations, UpstreamTolerationToleratesTaint) {
  // toleration_test.go: Exists with same key/effect.
  EXPECT_TRUE(tolerates(tol("foo", "Exists", "", "NoSchedule"), taint("foo", "bar", "NoSchedule")));
  EXPECT_TRUE(tolerates(tol("foo", "Exists", "", "NoSchedule"), taint("foo", "", "NoSchedule")));
  // Empty key + Exists: every key.
  EXPECT_TRUE(tolerates(tol("", "Exists", "", "NoSchedule"), taint("foo", "bar", "NoSchedule")));
  // Equal compares values.
  EXPECT_TRUE(tolerates(tol("foo", "Equal", "bar", "NoSchedule"), taint("foo", "bar", "NoSchedule")));
  EXPECT_FALSE(tolerates(tol("foo", "Equal", "value1", "NoSchedule"), taint("foo", "value2", "NoSchedule")));
  // Same key/value, different effect.
  EXPECT_FALSE(tolerates(tol("foo", "Equal", "bar", "NoExecute"), taint("foo", "bar", "NoSchedule")));
  // Operator defaults to Equal; an unknown operator (even "exists") never matches.
  EXPECT_TRUE(tolerates(tol("foo", "", "bar", ""), taint("foo", "bar", "NoExecute")));
  EXPECT_FALSE(tolerates(tol("foo", "exists", "", ""), taint("foo", "bar", "NoExecute")));
  // Empty effect matches every effect.
  EXPECT_TRUE(tolerates(tol("foo", "Exists", "", ""), taint("foo", "x", "NoExecute")));
  // Gt/Lt only with the alpha gate, strict, decimal integers without leading zeros.
  EXPECT_FALSE(tolerates(tol("n", "Gt", "800", "NoSchedule"), taint("n", "950", "NoSchedule")));
  EXPECT_TRUE(tolerates(tol("n", "Gt", "800", "NoSchedule"), taint("n", "950", "NoSchedule"), true));
  EXPECT_TRUE(tolerates(tol("n", "Lt", "950", "NoSchedule"), taint("n", "750", "NoSchedule"), true));
  EXPECT_FALSE(tolerates(tol("n", "Gt", "950", "NoSchedule"), taint("n", "950", "NoSchedule"), true));
  EXPECT_FALSE(tolerates(tol("n", "Gt", "800", "NoSchedule"), taint("n", "high", "NoSchedule"), true));
  EXPECT_FALSE(tolerates(tol("n", "Gt", "-100", "NoSchedule"), taint("n", "-200", "NoSchedule"), true));
  EXPECT_FALSE(tolerates(tol("n", "Gt", "0100", "NoSchedule"), taint("n", "200", "NoSchedule"), true));
  EXPECT_FALSE(tolerates(tol("n", "Gt", "+100", "NoSchedule"), taint("n", "200", "NoSchedule"), true));
}

TEST(Tolerations, FindMatchingUntoleratedTaint) {
  std::vector<Taint> taints = {taint("a", "1", "PreferNoSchedule"), taint("b", "2", "NoSchedule"),
                               taint("c", "3", "NoExecute")};
  std::vector<Toleration> ts = {tol("b", "Exists", "", "")};
  auto all = find_untolerated_taint(taints, ts);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->key, "a");  // nil filter: every taint, in node order
  auto blocking = find_untolerated_taint(taints, ts, is_blocking_taint);
  ASSERT_TRUE(blocking);
  EXPECT_EQ(blocking->key, "c");
  EXPECT_FALSE(find_untolerated_taint({}, {}));
  EXPECT_FALSE(find_untolerated_taint(taints, ts, [](const Taint&) { return false; }));
}

TEST(Taints, ToString) {
  EXPECT_EQ(taint("foo", "bar", "NoSchedule").str(), "foo=bar:NoSchedule");
  EXPECT_EQ(taint("foo", "", "NoSchedule").str(), "foo:NoSchedule");
  EXPECT_EQ(taint("foo", "", "").str(), "foo");
  EXPECT_EQ(taint("foo", "bar", "").str(), "foo=bar:");
}

// taint_toleration_test.go TestTaintTolerationFilter.
TEST(Fit, TaintTolerationFilter) {
  Node n = node_with({});
  n.taints = {taint("dedicated", "user1", "NoSchedule")};
  FitResult r = fits(pod_from("  containers: [{name: c, image: x}]\n"), n);
  EXPECT_FALSE(r.fit);
  EXPECT_EQ(r.failure, FitFailure::taint);
  EXPECT_EQ(r.message, "node(s) had untolerated taint {dedicated: user1}");

  PodTemplate ok = pod_from(
      "  tolerations: [{key: dedicated, value: user1, effect: NoSchedule}]\n  containers: [{name: c, image: x}]\n");
  EXPECT_TRUE(fits(ok, n).fit);
  // A PreferNoSchedule toleration does not tolerate a NoSchedule taint.
  PodTemplate pref = pod_from(
      "  tolerations: [{key: dedicated, operator: Equal, value: user1, effect: PreferNoSchedule}]\n"
      "  containers: [{name: c, image: x}]\n");
  EXPECT_FALSE(fits(pref, n).fit);
  // Empty effect tolerates all effects.
  PodTemplate any = pod_from(
      "  tolerations: [{key: dedicated, operator: Equal, value: user1}]\n  containers: [{name: c, image: x}]\n");
  EXPECT_TRUE(fits(any, n).fit);
  // PreferNoSchedule taints never block.
  Node soft = node_with({});
  soft.taints = {taint("dedicated", "user1", "PreferNoSchedule")};
  EXPECT_TRUE(fits(pod_from("  containers: [{name: c, image: x}]\n"), soft).fit);
}

struct AffinityCase {
  const char* name;
  std::string spec;
  std::vector<std::pair<const char*, const char*>> labels;
  bool want;
};

class NodeAffinityTable : public ::testing::TestWithParam<AffinityCase> {};

TEST_P(NodeAffinityTable, MatchesUpstream) {
  const auto& c = GetParam();
  Node n;
  n.name = "node_1";
  for (auto [k, v] : c.labels) {
    n.labels.set(k, v);
  }
  PodTemplate pod = pod_from(c.spec + "  containers: [{name: c, image: x}]\n");
  EXPECT_EQ(match_required_node_affinity(pod, n), c.want) << c.name;
}

namespace {

std::string required(const std::string& terms) {
  return "  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms: " +
         terms + "\n";
}

}  // namespace

// nodeaffinity_test.go TestPodMatchesNodeSelectorAndAffinityTerms (selection).
INSTANTIATE_TEST_SUITE_P(
    Upstream, NodeAffinityTable,
    ::testing::Values(
        AffinityCase{"no selector", "", {}, true},
        AffinityCase{"missing labels", "  nodeSelector: {foo: bar}\n", {}, false},
        AffinityCase{"same labels", "  nodeSelector: {foo: bar}\n", {{"foo", "bar"}}, true},
        AffinityCase{"node labels are superset", "  nodeSelector: {foo: bar}\n", {{"foo", "bar"}, {"baz", "blah"}},
                     true},
        AffinityCase{"node labels are subset", "  nodeSelector: {foo: bar, baz: blah}\n", {{"baz", "blah"}}, false},
        AffinityCase{"empty value still needs the key", "  nodeSelector: {foo: ''}\n", {}, false},
        AffinityCase{"In matches", required("[{matchExpressions: [{key: foo, operator: In, values: [bar, value2]}]}]"),
                     {{"foo", "bar"}}, true},
        AffinityCase{"Gt parses leading zeros",
                     required("[{matchExpressions: [{key: kernel-version, operator: Gt, values: ['0204']}]}]"),
                     {{"kernel-version", "0206"}}, true},
        AffinityCase{"Gt non-integer label",
                     required("[{matchExpressions: [{key: kernel-version, operator: Gt, values: ['0204']}]}]"),
                     {{"kernel-version", "v206"}}, false},
        AffinityCase{"NotIn matches when the key is absent",
                     required("[{matchExpressions: [{key: mem-type, operator: NotIn, values: [DDR, DDR2]}]}]"), {},
                     true},
        AffinityCase{"Exists", required("[{matchExpressions: [{key: GPU, operator: Exists}]}]"), {{"GPU", "NVIDIA-GRID-K1"}},
                     true},
        AffinityCase{"DoesNotExist", required("[{matchExpressions: [{key: GPU, operator: DoesNotExist}]}]"),
                     {{"GPU", "x"}}, false},
        AffinityCase{"affinity does not match", required("[{matchExpressions: [{key: foo, operator: In, values: [bar]}]}]"),
                     {{"foo", "baz"}}, false},
        AffinityCase{"empty term list matches nothing", required("[]"), {{"foo", "bar"}}, false},
        AffinityCase{"empty term matches nothing", required("[{matchExpressions: []}]"), {{"foo", "bar"}}, false},
        AffinityCase{"affinity without required terms", "  affinity: {nodeAffinity: {}}\n", {{"foo", "bar"}}, true},
        AffinityCase{"expressions are ANDed",
                     required("[{matchExpressions: [{key: GPU, operator: Exists}, {key: GPU, operator: NotIn, values: "
                              "[AMD, INTER]}]}]"),
                     {{"GPU", "NVIDIA-GRID-K1"}}, true},
        AffinityCase{"ANDed expressions fail",
                     required("[{matchExpressions: [{key: GPU, operator: Exists}, {key: GPU, operator: In, values: "
                              "[AMD, INTER]}]}]"),
                     {{"GPU", "NVIDIA-GRID-K1"}}, false},
        AffinityCase{"terms are ORed",
                     required("[{matchExpressions: [{key: foo, operator: In, values: [bar]}]}, {matchExpressions: "
                              "[{key: diffkey, operator: In, values: [wrong, value2]}]}]"),
                     {{"diffkey", "value2"}}, true},
        AffinityCase{"nodeSelector AND affinity",
                     "  nodeSelector: {foo: bar}\n" + required("[{matchExpressions: [{key: foo, operator: Exists}]}]"),
                     {{"foo", "bar"}}, true},
        AffinityCase{"nodeSelector fails, affinity matches",
                     "  nodeSelector: {foo: bar}\n" + required("[{matchExpressions: [{key: foo, operator: Exists}]}]"),
                     {{"foo", "barrrrrr"}}, false},
        AffinityCase{"invalid value never matches",
                     required("[{matchExpressions: [{key: foo, operator: In, values: ['invalid value: ___@#$%^']}]}]"),
                     {{"foo", "bar"}}, false},
        AffinityCase{"matchFields hit", required("[{matchFields: [{key: metadata.name, operator: In, values: [node_1]}]}]"),
                     {}, true},
        AffinityCase{"matchFields miss", required("[{matchFields: [{key: metadata.name, operator: In, values: [node_2]}]}]"),
                     {}, false},
        AffinityCase{"one term needs fields and labels",
                     required("[{matchFields: [{key: metadata.name, operator: In, values: [node_1]}], "
                              "matchExpressions: [{key: foo, operator: In, values: [bar]}]}]"),
                     {{"foo", "bar"}}, true},
        AffinityCase{"one term, labels miss",
                     required("[{matchFields: [{key: metadata.name, operator: In, values: [node_1]}], "
                              "matchExpressions: [{key: foo, operator: In, values: [bar]}]}]"),
                     {{"foo", "baz"}}, false},
        AffinityCase{"two terms, either",
                     required("[{matchFields: [{key: metadata.name, operator: In, values: [node_2]}]}, "
                              "{matchExpressions: [{key: foo, operator: In, values: [bar]}]}]"),
                     {{"foo", "bar"}}, true},
        AffinityCase{"matchFields with two values is a parse error",
                     required("[{matchFields: [{key: metadata.name, operator: In, values: [node_1, node_2]}]}]"), {},
                     false}),
    [](const ::testing::TestParamInfo<AffinityCase>& info) {
      std::string n = info.param.name;
      for (char& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
          c = '_';
        }
      }
      return n;
    });

TEST(Fit, SelectorParseErrorsAreReported) {
  NodeSelector sel;
  NodeSelectorTerm term;
  term.match_fields.push_back({"metadata.name", "In", {"a", "b"}, {}});
  sel.terms.push_back(term);
  std::vector<SelectorError> errors;
  EXPECT_FALSE(match_node_selector_terms(sel, node_with({}), &errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("unexpected number of value (2)"), std::string::npos);
}

TEST(Fit, NodeNameAndUnschedulable) {
  PodTemplate pod = pod_from("  nodeName: gpu-1\n  containers: [{name: c, image: x}]\n");
  FitResult r = fits(pod, node_with({}, "cpu-1"));
  EXPECT_EQ(r.failure, FitFailure::node_name);
  EXPECT_EQ(r.message, "node(s) didn't match the requested node name");
  EXPECT_EQ(r.location.line, 4);
  EXPECT_TRUE(fits(pod, node_with({}, "gpu-1")).fit);

  Node cordoned = node_with({});
  cordoned.unschedulable = true;
  PodTemplate plain = pod_from("  containers: [{name: c, image: x}]\n");
  EXPECT_EQ(fits(plain, cordoned).message, "node(s) were unschedulable");
  // DaemonSets tolerate node.kubernetes.io/unschedulable.
  FitOptions ds;
  ds.daemon_set = true;
  EXPECT_TRUE(fits(plain, cordoned, ds).fit);
}

TEST(Fit, DaemonSetTolerations) {
  PodTemplate pod = pod_from("  containers: [{name: c, image: x}]\n");
  auto ts = with_daemonset_tolerations(pod);
  ASSERT_EQ(ts.size(), 6u);
  EXPECT_EQ(ts[0].key, "node.kubernetes.io/not-ready");
  EXPECT_EQ(ts[0].effect, "NoExecute");
  EXPECT_EQ(ts[5].key, "node.kubernetes.io/unschedulable");
  EXPECT_EQ(ts[5].origin, "daemonset");
  PodTemplate host = pod_from("  hostNetwork: true\n  containers: [{name: c, image: x}]\n");
  EXPECT_EQ(with_daemonset_tolerations(host).size(), 7u);
  // No automatic toleration for a GPU taint.
  Node gpu = node_with({});
  gpu.taints = {taint("nvidia.com/gpu", "present", "NoSchedule")};
  FitOptions ds;
  ds.daemon_set = true;
  FitResult r = fits(pod, gpu, ds);
  EXPECT_EQ(r.message, "node(s) had untolerated taint {nvidia.com/gpu: present}");
  Node not_ready = node_with({});
  not_ready.taints = {taint("node.kubernetes.io/not-ready", "", "NoExecute")};
  EXPECT_TRUE(fits(pod, not_ready, ds).fit);
  EXPECT_FALSE(fits(pod, not_ready).fit);
}

TEST(Fit, RuntimeClassMergeFeedsScheduling) {
  RuntimeClass rc;
  rc.name = "nvidia";
  rc.handler = "nvidia";
  rc.has_scheduling = true;
  rc.node_selector.set("nvidia.com/gpu.present", "true");
  rc.tolerations = {tol("nvidia.com/gpu", "Exists", "", "NoSchedule")};
  std::vector<RuntimeClass> classes = {rc};
  FitOptions opts;
  opts.runtime_classes = &classes;

  PodTemplate pod = pod_from("  runtimeClassName: nvidia\n  containers: [{name: c, image: x}]\n");
  Node gpu = node_with({{"nvidia.com/gpu.present", "true"}});
  gpu.taints = {taint("nvidia.com/gpu", "present", "NoSchedule")};
  EXPECT_TRUE(fits(pod, gpu, opts).fit);
  FitResult cpu = fits(pod, node_with({}), opts);
  EXPECT_EQ(cpu.failure, FitFailure::node_affinity);
  EXPECT_EQ(cpu.message, "node(s) didn't match Pod's node affinity/selector");

  PodTemplate missing = pod_from("  runtimeClassName: nvidia-cdi\n  containers: [{name: c, image: x}]\n");
  FitResult m = fits(missing, gpu, opts);
  EXPECT_EQ(m.failure, FitFailure::runtime_class_missing);
  EXPECT_EQ(m.message, "pod rejected: RuntimeClass \"nvidia-cdi\" not found");
  EXPECT_EQ(m.location.line, 4);

  PodTemplate conflict = pod_from(
      "  runtimeClassName: nvidia\n  nodeSelector: {nvidia.com/gpu.present: 'false'}\n  containers: [{name: c, image: "
      "x}]\n");
  FitResult c = fits(conflict, gpu, opts);
  EXPECT_EQ(c.failure, FitFailure::runtime_class_conflict);
  EXPECT_EQ(c.message,
            "conflict: runtimeClass.scheduling.nodeSelector[nvidia.com/gpu.present] = true; "
            "pod.spec.nodeSelector[nvidia.com/gpu.present] = false");
}

TEST(Fit, GpuCountsAndValidity) {
  Node gpu = node_with({{"nvidia.com/gpu.count", "1"}});
  PodTemplate two = pod_from("  containers: [{name: c, image: x, resources: {limits: {nvidia.com/gpu: 2}}}]\n");
  FitResult r = fits(two, gpu);
  EXPECT_EQ(r.failure, FitFailure::gpu_insufficient);
  EXPECT_EQ(r.message, "Insufficient nvidia.com/gpu");
  FitOptions sliced;
  sliced.time_slicing_replicas = 4;
  EXPECT_TRUE(fits(two, gpu, sliced).fit);

  PodTemplate half = pod_from("  containers: [{name: c, image: x, resources: {limits: {nvidia.com/gpu: 500m}}}]\n");
  FitResult h = fits(half, gpu);
  EXPECT_EQ(h.failure, FitFailure::gpu_invalid);
  EXPECT_EQ(h.message, "spec.containers[0].resources.limits[nvidia.com/gpu]: must be an integer");

  // A node that is not a GPU node has none.
  EXPECT_EQ(fits(two, node_with({})).failure, FitFailure::gpu_insufficient);
  Node declared = node_with({});
  declared.gpu = true;
  PodTemplate one = pod_from("  containers: [{name: c, image: x, resources: {limits: {nvidia.com/gpu: 1}}}]\n");
  EXPECT_TRUE(fits(one, declared).fit);
}
