// Loading manifest trees: kustomizations, folders, Lists, Flux objects, the NVIDIA device plugin
// (static manifests from NVIDIA/k8s-device-plugin deployments/static and the Helm chart through a
// HelmRelease), and `kubectl get nodes -o json`.

#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/format.h>

#include <kube/manifest_loader.hpp>
#include <kube/nodes_json.hpp>
#include <kube/podsecurity.hpp>
#include <kube/scheduling.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::kube;

namespace {

const Workload* find(const Manifests& m, std::string_view name) {
  for (const auto& w : m.workloads) {
    if (w.name == name) {
      return &w;
    }
  }
  return nullptr;
}

bool has_rule(const Diagnostics& d, std::string_view rule) {
  return std::any_of(d.items().begin(), d.items().end(), [&](const Diagnostic& x) { return x.rule == rule; });
}

Manifests load_repo(Diagnostics& diags) {
  ManifestLoadOptions opts;
  opts.paths = {test::source_path("tests/fixtures/kube/repo")};
  opts.repo_root = test::source_path("tests/fixtures/kube/repo");
  auto m = load_manifests(opts, diags);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().describe());
  return m ? *m : Manifests{};
}

}  // namespace

TEST(ManifestLoader, NvidiaStaticManifestsAreDaemonSets) {
  for (const char* f : {"nvidia-device-plugin.yml", "nvidia-device-plugin-privileged-with-service-account.yml",
                        "gpu-feature-discovery-daemonset.yaml"}) {
    Diagnostics diags;
    ManifestLoadOptions opts;
    opts.paths = {test::upstream_path(std::string("manifests/nvidia/") + f)};
    opts.follow_flux = false;
    auto m = load_manifests(opts, diags);
    ASSERT_TRUE(m.has_value()) << f;
    EXPECT_FALSE(diags.has_errors()) << f << "\n" << render_text(diags);
    auto ds = std::count_if(m->workloads.begin(), m->workloads.end(), [](const Workload& w) { return w.is_daemon_set(); });
    EXPECT_EQ(ds, 1) << f;
  }
  Diagnostics diags;
  ManifestLoadOptions opts;
  opts.paths = {test::upstream_path("manifests/nvidia/nvidia-device-plugin.yml")};
  auto m = load_manifests(opts, diags);
  ASSERT_TRUE(m.has_value());
  const Workload& w = m->workloads.at(0);
  EXPECT_EQ(w.display_name(), "DaemonSet kube-system/nvidia-device-plugin-daemonset");
  ASSERT_EQ(w.pod.tolerations.size(), 1u);
  EXPECT_EQ(w.pod.tolerations[0].key, "nvidia.com/gpu");
  EXPECT_EQ(w.pod.tolerations[0].location.line, 32);
  ASSERT_EQ(w.pod.containers.size(), 1u);
  EXPECT_EQ(w.pod.containers[0].image, "nvcr.io/nvidia/k8s-device-plugin:v0.20.0");
  EXPECT_EQ(w.pod.containers[0].image_location.line, 41);
  EXPECT_EQ(w.pod.volumes.at(0).source, "hostPath");
  EXPECT_EQ(w.pod.priority_class_name, "system-node-critical");
}

TEST(ManifestLoader, GitOpsRepository) {
  Diagnostics diags;
  Manifests m = load_repo(diags);
  // Namespace and RuntimeClass.
  ASSERT_NE(m.find_namespace("gpu-workloads"), nullptr);
  EXPECT_EQ(namespace_policy(m.find_namespace("gpu-workloads")).enforce.str(), "baseline:v1.28");
  const RuntimeClass* rc = m.find_runtime_class("nvidia");
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(rc->handler, "nvidia");
  EXPECT_EQ(rc->tolerations.size(), 1u);
  // Workloads from the folder (sorted file order), the List and the Flux-referenced HelmRelease.
  std::vector<std::string> names;
  for (const auto& w : m.workloads) {
    names.push_back(w.display_name());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Job gpu-workloads/smoke", "CronJob gpu-workloads/nightly",
                                             "Deployment gpu-workloads/inference",
                                             "DaemonSet nvidia-device-plugin/nvidia-device-plugin"}));
  const Workload* inf = find(m, "inference");
  ASSERT_NE(inf, nullptr);
  EXPECT_EQ(*inf->replicas, 2);
  EXPECT_EQ(*inf->pod.runtime_class_name, "nvidia");
  const EnvVar* vis = inf->pod.containers.at(0).find_env("NVIDIA_VISIBLE_DEVICES");
  ASSERT_NE(vis, nullptr);
  EXPECT_EQ(*vis->value, "all");
  EXPECT_EQ(inf->pod.containers.at(0).resources.limits.find("nvidia.com/gpu")->quantity.whole(), 1);
  EXPECT_EQ(inf->pod.containers.at(0).resources.limits.find("nvidia.com/gpu")->location.line, 26);
  EXPECT_EQ(find(m, "nightly")->pod.containers.at(0).name, "train");
  // Remote resources are noted, the malformed Deployment is reported at its lines.
  EXPECT_EQ(m.skipped_remote.size(), 1u);
  EXPECT_TRUE(has_rule(diags, "manifest-remote"));
  int errors = 0;
  for (const auto& d : diags.items()) {
    if (d.severity == Severity::error) {
      ++errors;
      EXPECT_NE(d.location.file.str().find("other.yaml"), std::string::npos) << d.message;
      EXPECT_EQ(d.rule, "manifest-type");
    }
  }
  EXPECT_EQ(errors, 2);  // hostNetwork not a boolean, containers not a list
  // Flux.
  ASSERT_EQ(m.flux_kustomizations.size(), 1u);
  EXPECT_FALSE(m.flux_kustomizations[0].resolved_path.empty());
  ASSERT_EQ(m.helm_releases.size(), 1u);
  EXPECT_EQ(m.helm_releases[0].chart, "nvidia-device-plugin");
  EXPECT_EQ(m.gpu_time_slicing_replicas(), 4);
}

TEST(ManifestLoader, DevicePluginHelmReleaseRendersLikeTheChart) {
  Diagnostics diags;
  Manifests m = load_repo(diags);
  const Workload* ds = find(m, "nvidia-device-plugin");
  ASSERT_NE(ds, nullptr);
  EXPECT_TRUE(ds->is_daemon_set());
  EXPECT_EQ(ds->derived_from, "HelmRelease flux-system/nvidia-device-plugin");
  // Chart defaults: CriticalAddonsOnly + nvidia.com/gpu tolerations, NFD/GPU-present affinity.
  ASSERT_EQ(ds->pod.tolerations.size(), 2u);
  EXPECT_EQ(ds->pod.tolerations[1].key, "nvidia.com/gpu");
  ASSERT_TRUE(ds->pod.node_affinity && ds->pod.node_affinity->required);
  EXPECT_EQ(ds->pod.node_affinity->required->terms.size(), 3u);
  // Values from the HelmRelease keep their location.
  EXPECT_EQ(*ds->pod.runtime_class_name, "nvidia");
  EXPECT_NE(ds->pod.runtime_class_location.file.str().find("helmrelease.yaml"), std::string::npos);
  EXPECT_EQ(ds->pod.runtime_class_location.line, 17);
  EXPECT_EQ(ds->pod.node_selector.location_of("nvidia.com/gpu.present").line, 19);
  EXPECT_EQ(ds->pod.containers.at(0).image, "nvcr.io/nvidia/k8s-device-plugin:v0.17.1");

  Node gpu;
  gpu.name = "gpu-1";
  gpu.labels.set("nvidia.com/gpu.present", "true");
  gpu.taints = {Taint{"nvidia.com/gpu", "present", "NoSchedule", {}}};
  FitOptions opts;
  opts.runtime_classes = &m.runtime_classes;
  EXPECT_TRUE(fits(*ds, gpu, opts).fit);
  Node cpu;
  cpu.name = "cpu-1";
  EXPECT_EQ(fits(*ds, cpu, opts).failure, FitFailure::node_affinity);
}

TEST(ManifestLoader, MissingInputIsAnError) {
  Diagnostics diags;
  ManifestLoadOptions opts;
  opts.paths = {"/nonexistent/manifests"};
  auto m = load_manifests(opts, diags);
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message.find("/nonexistent/manifests"), std::string::npos);
}

TEST(ManifestLoader, KustomizationWithMissingResource) {
  test::TempDir dir;
  dir.write("kustomization.yaml", "resources:\n  - gone.yaml\n");
  Diagnostics diags;
  ManifestLoadOptions opts;
  opts.paths = {dir.path()};
  auto m = load_manifests(opts, diags);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags.items()[0].rule, "manifest-path");
  EXPECT_EQ(diags.items()[0].location.line, 2);
}

TEST(NodesJson, KubectlOutput) {
  Diagnostics diags;
  auto nodes = load_nodes_json(test::source_path("tests/fixtures/kube/nodes.json"), diags);
  ASSERT_TRUE(nodes.has_value()) << nodes.error().describe();
  EXPECT_TRUE(diags.empty()) << render_text(diags);
  ASSERT_EQ(nodes->size(), 2u);
  const Node& gpu = (*nodes)[0];
  EXPECT_EQ(gpu.name, "gpu-1");
  EXPECT_EQ(gpu.source, NodeSource::observed);
  EXPECT_TRUE(gpu.gpu);
  EXPECT_EQ(gpu.allocatable.at("nvidia.com/gpu").whole(), 4);
  ASSERT_EQ(gpu.taints.size(), 1u);
  EXPECT_EQ(gpu.taints[0].str(), "nvidia.com/gpu=present:NoSchedule");
  EXPECT_EQ(gpu.taints[0].location.line, 17);
  const Node& cp = (*nodes)[1];
  EXPECT_TRUE(cp.control_plane);
  EXPECT_TRUE(cp.unschedulable);
  EXPECT_FALSE(cp.gpu);
}

// find_namespace uses an index: the first Namespace of a name wins (as a scan from the front),
// Namespaces added after a lookup are found, and a copy keeps answering from its own objects.
TEST(ManifestLoader, NamespaceIndexFirstWinsGrowsAndCopies) {
  Manifests m;
  EXPECT_EQ(m.find_namespace("nvidia"), nullptr);
  for (int i = 0; i < 300; ++i) {
    Namespace ns;
    ns.name = "ns-" + std::to_string(i);
    m.namespaces.push_back(ns);
  }
  Namespace first;
  first.name = "nvidia";
  first.labels.set("which", "first", {});
  m.namespaces.push_back(first);
  ASSERT_NE(m.find_namespace("nvidia"), nullptr);
  Namespace second = first;
  second.labels.set("which", "second", {});
  m.namespaces.push_back(second);
  for (int i = 300; i < 600; ++i) {  // grows past the indexed size: re-indexed on the next lookup
    Namespace ns;
    ns.name = "ns-" + std::to_string(i);
    m.namespaces.push_back(ns);
  }
  ASSERT_NE(m.find_namespace("ns-599"), nullptr);
  EXPECT_EQ(*m.find_namespace("nvidia")->labels.find("which"), "first");
  EXPECT_EQ(m.find_namespace("ns-42"), &m.namespaces[42]);
  Manifests copy = m;
  EXPECT_EQ(copy.find_namespace("ns-42"), &copy.namespaces[42]);
  EXPECT_EQ(copy.find_namespace("absent"), nullptr);
}

namespace {

std::string deployment(const std::string& name, bool malformed = false) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
         "\nspec:\n  template:\n    spec:\n      containers:" +
         (malformed ? " not-a-list\n" : "\n      - name: c\n        image: x\n");
}

// Loads `paths` without following Flux; the load itself must succeed.
Manifests load_paths(std::vector<std::string> paths, Diagnostics& diags) {
  ManifestLoadOptions opts;
  opts.paths = std::move(paths);
  opts.follow_flux = false;
  auto m = load_manifests(opts, diags);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().describe());
  return m ? std::move(*m) : Manifests{};
}

std::vector<std::string> names(const Manifests& m) {
  std::vector<std::string> out;
  for (const auto& w : m.workloads) {
    out.push_back(w.name);
  }
  return out;
}

std::vector<std::string> rendered(const Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& x : d.items()) {
    out.push_back(x.rule + " " + x.location.file.str() + ":" + std::to_string(x.location.line) + " " + x.message);
  }
  return out;
}

}  // namespace

// Files are read one document at a time; a file whose YAML breaks after some documents contributes
// only its error (no objects, no findings of its earlier documents), as when it was parsed whole.
// Folders of many files are read ahead on a second thread: the result must be exactly what loading
// the same files one by one gives.
TEST(ManifestLoader, ABrokenFileContributesOnlyItsErrorAndReadingAheadChangesNothing) {
  test::TempDir t;
  std::vector<std::string> files;
  // More files than the read-ahead's probe (64), so the reader thread takes over.
  constexpr int k_files = 150;
  size_t want_workloads = 0;
  size_t want_syntax = 0;
  for (int i = 0; i < k_files; ++i) {
    want_workloads += i % 9 == 4 ? 0 : i % 9 == 6 || i % 9 == 7 ? 2 : 1;
    want_syntax += i % 9 == 4 ? 1 : 0;
    std::string text = deployment("app-" + std::to_string(i));
    if (i % 9 == 4) {  // a malformed object, then a syntax error in the last document
      text += "---\n" + deployment("bad-" + std::to_string(i), true) + "---\napiVersion: v1\nkind: Namespace\n"
              "metadata:\n  name: ns-" + std::to_string(i) + "\n---\nkind: [unclosed\n";
    } else if (i % 9 == 6) {  // a malformed object in a valid file: reported, the rest kept
      text += "---\n" + deployment("bad-" + std::to_string(i), true) + "---\n" + deployment("ok-" + std::to_string(i));
    } else if (i % 9 == 7) {  // the fast path steps aside in the second document (a tag)
      text += "---\n" + deployment("tagged-" + std::to_string(i)) + "  annotations: !!map {a: b}\n";
    }
    files.push_back(t.write(fmt::format("tree/{:03}.yaml", i), text));
  }
  Diagnostics walked_diags;
  const Manifests walked_m = load_paths({t.file("tree")}, walked_diags);
  const Manifests* walked = &walked_m;
  Diagnostics one_diags;
  const Manifests one_m = load_paths(files, one_diags);
  const Manifests* one_by_one = &one_m;

  EXPECT_EQ(names(*walked), names(*one_by_one));
  EXPECT_EQ(rendered(walked_diags), rendered(one_diags));
  EXPECT_EQ(walked->files, one_by_one->files);
  EXPECT_EQ(walked->files.size(), static_cast<size_t>(k_files));
  // Plain files one workload each, broken ones none, those with a malformed object two (kept),
  // those where the fast path steps aside two: each document counted once.
  EXPECT_EQ(walked->workloads.size(), want_workloads);
  for (const auto& n : names(*walked)) {
    EXPECT_EQ(n.rfind("bad-", 0), std::string::npos) << n;  // malformed objects are never kept
  }
  EXPECT_EQ(find(*walked, "app-4"), nullptr);  // broken files contribute nothing
  EXPECT_NE(find(*walked, "app-3"), nullptr);
  EXPECT_NE(find(*walked, "ok-6"), nullptr);
  EXPECT_EQ(walked->namespaces.size(), 0u);
  size_t syntax = 0;
  size_t malformed = 0;
  for (const auto& d : walked_diags.items()) {
    syntax += d.rule == "yaml-syntax";
    malformed += d.rule.rfind("manifest-", 0) == 0;
    if (d.rule.rfind("manifest-", 0) == 0) {  // only from the valid files (i % 9 == 6)
      const std::string f = d.location.file.str();
      const int i = std::stoi(f.substr(f.size() - 8, 3));
      EXPECT_EQ(i % 9, 6) << f;
    }
  }
  EXPECT_EQ(syntax, want_syntax);
  EXPECT_GE(malformed, 4u);
  EXPECT_NE(find(*walked, "tagged-7"), nullptr);
}

// A folder walk reads files in the byte order of their full paths (as sorting them all would),
// though it sorts each folder's entries only: a folder counts as its name plus '/', so "a-c.yaml"
// ('-' < '/') comes before "a/b.yaml", and "a0.yaml" ('0' > '/') after it.
TEST(ManifestLoader, FolderWalkReadsFilesInFullPathOrder) {
  test::TempDir t;
  const std::vector<std::string> names = {
      "a/b.yaml", "a-c.yaml", "a.yaml", "a0.yaml", "ab/x.yaml", "ab.yaml", "A.yaml", "a/a/a.yaml", "a/a.yaml",
      "a/a-.yaml", "a/a0/z.yaml", "\xc3\xa9.yaml", "z/\xc3\xa9/y.yaml", "z/e.yaml", "b/.hidden/skip.yaml",
      "a/README.md", "0.json", "a/x.yml"};
  std::vector<std::string> expected;
  for (const auto& n : names) {
    t.write("tree/" + n, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    if (n.find(".hidden") == std::string::npos && !n.ends_with(".md")) {
      expected.push_back(t.file("tree/" + n));
    }
  }
  std::sort(expected.begin(), expected.end());
  for (size_t copies : {size_t{1}, size_t{20}}) {  // also past the read-ahead threshold
    std::vector<std::string> want = expected;
    if (copies > 1) {
      for (size_t c = 0; c < copies; ++c) {
        std::string f = t.write(fmt::format("tree/m/{:02}.yaml", c), "kind: ConfigMap\n");
        want.push_back(f);
      }
      std::sort(want.begin(), want.end());
    }
    Diagnostics diags;
    EXPECT_EQ(load_paths({t.file("tree")}, diags).files, want);
  }
}
