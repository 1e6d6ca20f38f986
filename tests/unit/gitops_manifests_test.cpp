// talgpu manifests: the generated tree, proved with the check engine over the bundled example.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include <check/check.hpp>
#include <core/diff.hpp>
#include <core/fs.hpp>
#include <gitops/manifests.hpp>
#include <gitops/talos_patch.hpp>
#include <gitops/tree.hpp>
#include <kube/manifest_loader.hpp>
#include <nvidia/catalog.hpp>
#include <talhelper/talconfig.hpp>

#include "test_support.hpp"

using namespace talgpu;
using talgpu::test::read_text;
using talgpu::test::source_path;
using talgpu::test::TempDir;

namespace {

std::string example_talconfig() {
  return read_text(source_path("examples/goldentooth/talconfig.yaml"));
}

// The example talconfig with `from` replaced by `to` (each must occur).
std::string edited(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) {
    text.replace(at, from.size(), to);
  }
  return text;
}

struct Cluster {
  TempDir dir;
  talhelper::TalConfig cfg;
  Diagnostics diags;

  explicit Cluster(const std::string& talconfig) {
    talhelper::LoadOptions lo;
    lo.path = dir.write("talconfig.yaml", talconfig);
    auto c = talhelper::load_talconfig(lo, diags);
    EXPECT_TRUE(c) << (c ? "" : c.error().describe());
    if (c) {
      cfg = std::move(*c);
    }
  }
  std::string out() const { return dir.file("gitops/infrastructure/nvidia"); }

  gitops::GeneratedTree generate(const gitops::ManifestOptions& opts = {}) {
    auto tree = gitops::generate_manifests(cfg, opts, diags);
    EXPECT_TRUE(tree) << (tree ? "" : tree.error().describe());
    return tree ? std::move(*tree) : gitops::GeneratedTree{};
  }
  void write(const gitops::GeneratedTree& tree) {
    auto st = gitops::compare_tree(out(), tree.files);
    ASSERT_TRUE(st);
    ASSERT_TRUE(gitops::write_tree(*st));
  }
  // The check over the generated folder plus `extra` manifest paths.
  check::CheckReport check(std::vector<std::string> extra = {}) {
    kube::ManifestLoadOptions mo;
    mo.paths = {out()};
    for (auto& e : extra) {
      mo.paths.push_back(e);
    }
    Diagnostics load;
    auto m = kube::load_manifests(mo, load);
    EXPECT_TRUE(m);
    EXPECT_FALSE(load.has_errors()) << load.items().front().message;
    manifests = std::move(*m);
    check::CheckInputs in;
    in.config = &cfg;
    in.manifests = &manifests;
    return check::run_check(in);
  }
  kube::Manifests manifests;
};

const gitops::GeneratedFile* file(const gitops::GeneratedTree& t, const std::string& name) {
  for (const auto& f : t.files) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

std::vector<std::string> errors(const check::CheckReport& r) {
  std::vector<std::string> out;
  for (const auto& d : r.findings.items()) {
    if (d.severity == Severity::error) {
      out.push_back(d.rule + ": " + d.message);
    }
  }
  return out;
}

std::vector<std::string> fits(const check::CheckReport& r, const std::string& workload) {
  for (const auto& p : r.placements) {
    if (p.workload == workload) {
      return p.fits.names();
    }
  }
  ADD_FAILURE() << "no placement for " << workload;
  return {};
}

bool has_rule(const Diagnostics& d, const std::string& rule) {
  return std::any_of(d.items().begin(), d.items().end(), [&](const Diagnostic& x) { return x.rule == rule; });
}

const std::string k_runtimeclass_only_pod =
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: only-runtimeclass\n  namespace: nvidia\nspec:\n"
    "  runtimeClassName: nvidia\n  containers:\n    - name: app\n      image: busybox\n";

}  // namespace

TEST(GitopsManifests, ExampleTreeChecksCleanAndRuntimeClassAlonePlacesOnVelaryon) {
  Cluster c(example_talconfig());
  auto tree = c.generate();
  EXPECT_EQ(tree.selection.hostnames, std::vector<std::string>{"velaryon"});
  EXPECT_EQ(tree.selection.label_key, "role");
  EXPECT_EQ(tree.selection.label_value, "gpu");
  EXPECT_EQ(tree.plugin_version, "0.17.2");  // Talos v1.11
  EXPECT_EQ(tree.smoke_image, "nvcr.io/nvidia/cuda:12.2.2-base-ubuntu22.04");  // 535 driver -> CUDA 12.2
  EXPECT_EQ(tree.psa_version, "v1.34");
  c.write(tree);
  TempDir pod;
  pod.write("pod.yaml", k_runtimeclass_only_pod);
  auto report = c.check({source_path("examples/goldentooth/apps"), pod.path()});
  EXPECT_TRUE(errors(report).empty()) << errors(report).front();
  EXPECT_EQ(fits(report, "nvidia/Pod/only-runtimeclass"), std::vector<std::string>{"velaryon"});
  EXPECT_EQ(fits(report, "nvidia/Pod/gpu-smoke-test"), std::vector<std::string>{"velaryon"});
  EXPECT_EQ(fits(report, "nvidia/DaemonSet/nvidia-device-plugin"), std::vector<std::string>{"velaryon"});
  EXPECT_EQ(fits(report, "nvidia/Pod/gpu-test"), std::vector<std::string>{"velaryon"});
}

TEST(GitopsManifests, EveryFileStartsWithTheHeaderAndIsListed) {
  Cluster c(example_talconfig());
  gitops::ManifestOptions o;
  o.flux = true;
  o.time_slicing = 4;
  auto tree = c.generate(o);
  std::vector<std::string> names;
  for (const auto& f : tree.files) {
    names.push_back(f.name);
    EXPECT_EQ(f.content.rfind(gitops::header_line(o) + "\n", 0), 0u) << f.name;
    gitops::ManifestOptions back;
    ASSERT_TRUE(gitops::parse_header(f.content, back));
    EXPECT_EQ(gitops::regenerate_command(back), gitops::regenerate_command(o));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"namespace.yaml", "runtimeclass.yaml", "time-slicing.yaml",
                                             "device-plugin.yaml", "gpu-smoke-test.yaml", "kustomization.yaml",
                                             "flux-kustomization.yaml"}));
  const std::string& k = file(tree, "kustomization.yaml")->content;
  EXPECT_NE(k.find("\n- time-slicing.yaml\n"), std::string::npos);
  EXPECT_EQ(k.find("flux-kustomization.yaml"), std::string::npos);  // not applied by itself
  const std::string& flux = file(tree, "flux-kustomization.yaml")->content;
  EXPECT_NE(flux.find("apiVersion: kustomize.toolkit.fluxcd.io/v1\n"), std::string::npos);
  EXPECT_NE(flux.find("  path: ./gitops/infrastructure/nvidia\n  prune: true\n"), std::string::npos);
}

TEST(GitopsManifests, SecondTaintIsToleratedEverywhereAndTheOldTreeIsStale) {
  Cluster old_cluster(example_talconfig());
  auto old_tree = old_cluster.generate();
  old_cluster.write(old_tree);

  Cluster c(edited(example_talconfig(), "      gpu: \"true:NoSchedule\"\n",
                   "      gpu: \"true:NoSchedule\"\n      platform: \"x86:NoSchedule\"\n"));
  // The old tree against the new declaration: the plugin no longer covers velaryon.
  {
    std::filesystem::copy(old_cluster.dir.path() + "/gitops", c.dir.path() + "/gitops",
                          std::filesystem::copy_options::recursive);
    auto report = c.check();
    auto errs = errors(report);
    EXPECT_TRUE(std::any_of(errs.begin(), errs.end(), [](const std::string& e) {
      return e.rfind("nvidia-device-plugin-coverage", 0) == 0;
    })) << ::testing::PrintToString(errs);
  }
  auto tree = c.generate();
  auto status = gitops::compare_tree(c.out(), tree.files);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->stale());
  std::vector<std::string> changed;
  for (const auto& f : status->files) {
    if (f.state != gitops::FileState::unchanged) {
      changed.push_back(f.name);
    }
  }
  EXPECT_EQ(changed, (std::vector<std::string>{"runtimeclass.yaml", "device-plugin.yaml"}));
  for (const char* name : {"runtimeclass.yaml", "device-plugin.yaml"}) {
    const std::string& text = file(tree, name)->content;
    EXPECT_NE(text.find("- key: gpu\n"), std::string::npos) << name;
    EXPECT_NE(text.find("- key: platform\n"), std::string::npos) << name;
    EXPECT_NE(text.find("value: x86\n"), std::string::npos) << name;
  }
  ASSERT_TRUE(gitops::write_tree(*status));
  TempDir pod;
  pod.write("pod.yaml", k_runtimeclass_only_pod);
  auto report = c.check({pod.path()});
  EXPECT_TRUE(errors(report).empty()) << errors(report).front();
  EXPECT_EQ(fits(report, "nvidia/DaemonSet/nvidia-device-plugin"), std::vector<std::string>{"velaryon"});
  EXPECT_EQ(fits(report, "nvidia/Pod/only-runtimeclass"), std::vector<std::string>{"velaryon"});
  auto again = gitops::compare_tree(c.out(), c.generate().files);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->stale());
}

TEST(GitopsManifests, TimeSlicingConfigMapIsWhatTheCheckReads) {
  Cluster c(example_talconfig());
  gitops::ManifestOptions o;
  o.time_slicing = 4;
  auto tree = c.generate(o);
  c.write(tree);
  auto report = c.check();
  EXPECT_TRUE(errors(report).empty()) << errors(report).front();
  ASSERT_EQ(c.manifests.device_plugin_sharing.size(), 1u);
  EXPECT_EQ(c.manifests.device_plugin_sharing[0].replicas, 4);
  EXPECT_EQ(c.manifests.gpu_time_slicing_replicas(), 4);
  const std::string& plugin = file(tree, "device-plugin.yaml")->content;
  EXPECT_NE(plugin.find("    config:\n      name: nvidia-device-plugin-config\n      default: default\n"),
            std::string::npos)
      << plugin;
}

TEST(GitopsManifests, StaticDaemonSetCoversTheGpuNode) {
  Cluster c(example_talconfig());
  gitops::ManifestOptions o;
  o.static_plugin = true;
  o.time_slicing = 2;
  auto tree = c.generate(o);
  const std::string& plugin = file(tree, "device-plugin.yaml")->content;
  EXPECT_NE(plugin.find("kind: DaemonSet\n"), std::string::npos);
  EXPECT_NE(plugin.find("image: nvcr.io/nvidia/k8s-device-plugin:v0.17.2\n"), std::string::npos);
  EXPECT_NE(plugin.find("runtimeClassName: nvidia\n"), std::string::npos);
  EXPECT_NE(plugin.find("value: /etc/nvidia-device-plugin/default\n"), std::string::npos);
  EXPECT_EQ(plugin.find("HelmRelease"), std::string::npos);
  c.write(tree);
  auto report = c.check();
  EXPECT_TRUE(errors(report).empty()) << errors(report).front();
  EXPECT_EQ(fits(report, "nvidia/DaemonSet/nvidia-device-plugin-daemonset"), std::vector<std::string>{"velaryon"});
  EXPECT_EQ(c.manifests.gpu_time_slicing_replicas(), 2);
}

TEST(GitopsManifests, SmokeTestFollowsTheOlderDriver) {
  // A second GPU node on the production tier: Talos 1.11 ships 570.172.08 (CUDA 12.8) there and
  // 535.247.01 (CUDA 12.2) on LTS; the smoke test must run on both.
  std::string second =
      "  - hostname: vhagar\n    ipAddress: 10.4.0.31\n    controlPlane: false\n    installDisk: /dev/nvme0n1\n"
      "    nodeLabels:\n      role: gpu\n    nodeTaints:\n      gpu: \"true:NoSchedule\"\n    schematic:\n"
      "      customization:\n        systemExtensions:\n          officialExtensions:\n"
      "            - siderolabs/nonfree-kmod-nvidia-production\n"
      "            - siderolabs/nvidia-container-toolkit-production\n";
  std::string text = example_talconfig() + second;
  Cluster c(text);
  auto tree = c.generate();
  EXPECT_EQ(tree.selection.hostnames, (std::vector<std::string>{"velaryon", "vhagar"}));
  EXPECT_EQ(tree.selection.label_key, "role");
  EXPECT_EQ(tree.smoke_image, "nvcr.io/nvidia/cuda:12.2.2-base-ubuntu22.04");
  EXPECT_NE(file(tree, "gpu-smoke-test.yaml")->content.find("535.247.01 on velaryon"), std::string::npos);
  c.write(tree);
  auto report = c.check();
  EXPECT_EQ(fits(report, "nvidia/DaemonSet/nvidia-device-plugin"), (std::vector<std::string>{"velaryon", "vhagar"}));
  EXPECT_EQ(fits(report, "nvidia/Pod/gpu-smoke-test"), (std::vector<std::string>{"velaryon", "vhagar"}));
}

TEST(GitopsManifests, NoSharedLabelMeansNoSelectorAndAWarning) {
  // velaryon's only exclusive labels are removed: role=gpu moves to a worker too.
  std::string text = edited(example_talconfig(), "      role: gpu\n      slot: X\n", "      role: worker\n");
  text = edited(text, "  - hostname: fenn\n    ipAddress: 10.4.0.15\n    controlPlane: false\n",
                "  - hostname: fenn\n    ipAddress: 10.4.0.15\n    controlPlane: false\n    nodeLabels:\n"
                "      role: worker\n");
  Cluster c(text);
  auto tree = c.generate();
  EXPECT_FALSE(tree.selection.has_selector());
  EXPECT_TRUE(has_rule(c.diags, "manifests-no-shared-label"));
  const std::string& rc = file(tree, "runtimeclass.yaml")->content;
  EXPECT_EQ(rc.find("  nodeSelector:"), std::string::npos);
  EXPECT_NE(rc.find("tolerations"), std::string::npos);
  EXPECT_NE(rc.find("nvidia.com/gpu.present: \"true\""), std::string::npos);  // the suggestion
  // The plugin still targets exactly the GPU nodes, by hostname.
  const std::string& plugin = file(tree, "device-plugin.yaml")->content;
  EXPECT_NE(plugin.find("key: kubernetes.io/hostname"), std::string::npos);
  c.write(tree);
  auto report = c.check();
  EXPECT_EQ(fits(report, "nvidia/DaemonSet/nvidia-device-plugin"), std::vector<std::string>{"velaryon"});
  EXPECT_EQ(fits(report, "nvidia/Pod/gpu-smoke-test"), std::vector<std::string>{"velaryon"});
}

TEST(GitopsManifests, TaintsFromPatchesAreTolerated) {
  std::string text = edited(example_talconfig(), "          sysctls:\n            net.core.bpf_jit_harden: 1\n",
                            "          sysctls:\n            net.core.bpf_jit_harden: 1\n          kubelet:\n"
                            "            extraConfig:\n              registerWithTaints:\n"
                            "                - key: nvidia.com/gpu\n                  value: present\n"
                            "                  effect: NoExecute\n");
  Cluster c(text);
  auto tree = c.generate();
  std::vector<std::string> taints;
  for (const auto& t : tree.selection.taints) {
    taints.push_back(t.str());
  }
  EXPECT_EQ(taints, (std::vector<std::string>{"gpu=true:NoSchedule", "nvidia.com/gpu=present:NoExecute"}));
  EXPECT_NE(file(tree, "runtimeclass.yaml")->content.find("    value: present\n    effect: NoExecute\n"),
            std::string::npos);
}

TEST(GitopsManifests, NoGpuNodeIsAnErrorAndNothingIsGenerated) {
  std::string text = example_talconfig();
  text = text.substr(0, text.find("  # The x86 GPU worker"));
  Cluster c(text);
  auto tree = gitops::generate_manifests(c.cfg, {}, c.diags);
  ASSERT_FALSE(tree);
  EXPECT_EQ(tree.error().rule, "manifests-no-gpu-node");
}

TEST(GitopsManifests, OutputIsByteStableAndUnchangedFilesAreNotRewritten) {
  Cluster c(example_talconfig());
  auto a = c.generate();
  auto b = c.generate();
  ASSERT_EQ(a.files.size(), b.files.size());
  for (size_t i = 0; i < a.files.size(); ++i) {
    EXPECT_EQ(a.files[i].content, b.files[i].content);
  }
  c.write(a);
  struct stat before {};
  ASSERT_EQ(::stat((c.out() + "/runtimeclass.yaml").c_str(), &before), 0);
  auto st = gitops::compare_tree(c.out(), b.files);
  ASSERT_TRUE(st);
  EXPECT_FALSE(st->stale());
  ASSERT_TRUE(gitops::write_tree(*st));
  struct stat after {};
  ASSERT_EQ(::stat((c.out() + "/runtimeclass.yaml").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
}

TEST(GitopsManifests, ObsoleteGeneratedFilesAreRemovedOthersKept) {
  Cluster c(example_talconfig());
  gitops::ManifestOptions ts;
  ts.time_slicing = 3;
  c.write(c.generate(ts));
  ASSERT_TRUE(write_file_atomic(c.out() + "/mine.yaml", "# hand-written\n"));
  auto st = gitops::compare_tree(c.out(), c.generate().files);
  ASSERT_TRUE(st);
  ASSERT_FALSE(st->files.empty());
  EXPECT_EQ(st->files.back().name, "time-slicing.yaml");
  EXPECT_EQ(st->files.back().state, gitops::FileState::removed);
  ASSERT_TRUE(gitops::write_tree(*st));
  EXPECT_FALSE(file_exists(c.out() + "/time-slicing.yaml"));
  EXPECT_TRUE(file_exists(c.out() + "/mine.yaml"));
}

TEST(GitopsManifests, UnwritableOutputLeavesNothingBehind) {
  Cluster c(example_talconfig());
  auto tree = c.generate();
  // A folder below a regular file cannot be created (ENOTDIR), whoever runs the test.
  c.dir.write("blocker", "x");
  auto st = gitops::compare_tree(c.dir.file("blocker/nvidia"), tree.files);
  ASSERT_TRUE(st);
  auto w = gitops::write_tree(*st);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("nothing was written"), std::string::npos) << w.error().message;
  EXPECT_EQ(read_text(c.dir.file("blocker")), "x");
}

TEST(GitopsManifests, TalosPatchAndNodeEntry) {
  Cluster c(example_talconfig());
  std::string patch = gitops::talos_gpu_patch();
  EXPECT_NE(patch.find("machine:\n  kernel:\n    modules:\n    - name: nvidia\n    - name: nvidia_uvm\n"
                       "    - name: nvidia_drm\n    - name: nvidia_modeset\n  sysctls:\n"
                       "    net.core.bpf_jit_harden: 1\n"),
            std::string::npos)
      << patch;
  auto sel = gitops::select_gpu_nodes(c.cfg, c.diags);
  gitops::NodeEntryOptions no;
  no.hostname = "vhagar";
  no.patch_ref = "@./patches/nvidia.yaml";
  std::string entry = gitops::talconfig_node_entry(c.cfg, sel, no);
  EXPECT_NE(entry.find("- hostname: vhagar\n"), std::string::npos);
  EXPECT_NE(entry.find("    role: gpu\n"), std::string::npos);
  EXPECT_NE(entry.find("    gpu: true:NoSchedule\n"), std::string::npos) << entry;
  EXPECT_NE(entry.find("- siderolabs/nonfree-kmod-nvidia-lts\n"), std::string::npos);
  EXPECT_NE(entry.find("- siderolabs/nvidia-container-toolkit-lts\n"), std::string::npos);
  EXPECT_NE(entry.find("- '@./patches/nvidia.yaml'\n"), std::string::npos) << entry;
}

TEST(CoreDiff, RemovalsComeBeforeAdditions) {
  std::string d = unified_diff("a\nb\nc\n", "a\nB\nc\n", "x", "x");
  EXPECT_EQ(d, "--- x\n+++ x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  EXPECT_EQ(unified_diff("same\n", "same\n", "x", "x"), "");
  EXPECT_EQ(unified_diff("", "new\n", "/dev/null", "f"), "--- /dev/null\n+++ f\n@@ -0,0 +1,1 @@\n+new\n");
}

TEST(NvidiaCatalog, DevicePluginPinsAndCudaImages) {
  EXPECT_EQ(nvidia::device_plugin_for(*Version::parse("v1.11.1")).version, "0.17.2");
  EXPECT_EQ(nvidia::device_plugin_for(*Version::parse("v1.12.3")).version, "0.18.0");
  EXPECT_EQ(nvidia::device_plugin_for(*Version::parse("v1.10.4")).version, "0.14.1");
  EXPECT_FALSE(nvidia::device_plugin_for(*Version::parse("v1.13.0")).pinned);
  EXPECT_EQ(nvidia::cuda_base_image("12.2"), "nvcr.io/nvidia/cuda:12.2.2-base-ubuntu22.04");
  EXPECT_EQ(nvidia::cuda_base_image("12.7"), "nvcr.io/nvidia/cuda:12.6.3-base-ubuntu22.04");  // no 12.7
  EXPECT_EQ(nvidia::cuda_base_image("13.0"), "nvcr.io/nvidia/cuda:13.0.3-base-ubuntu22.04");
  EXPECT_EQ(nvidia::cuda_base_image("11.8"), std::nullopt);
}
