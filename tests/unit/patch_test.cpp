#include <gtest/gtest.h>

#include <talos/machineconfig.hpp>
#include <talos/patch.hpp>
#include <yaml/document.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::talos;

namespace {

std::vector<yaml::Node> docs_of(const std::string& text) {
  auto parsed = yaml::parse(text, "base.yaml");
  EXPECT_TRUE(parsed.has_value());
  std::vector<yaml::Node> out;
  for (auto& d : *parsed) {
    out.push_back(d.root);
  }
  return out;
}

std::string patched(const std::string& base, const std::string& patch_text) {
  auto docs = docs_of(base);
  auto patch = parse_patch(patch_text, "patch.yaml");
  EXPECT_TRUE(patch.has_value()) << (patch ? "" : patch.error().describe());
  auto r = apply_patch(docs, *patch);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().describe());
  return encode_config(docs);
}

const char* k_base =
    "version: v1alpha1\n"
    "machine:\n"
    "  type: worker\n"
    "  certSANs: [a]\n"
    "  network:\n"
    "    hostname: old\n"
    "    interfaces:\n"
    "      - interface: eth0\n"
    "        mtu: 1500\n"
    "        vlans: [{vlanId: 10, mtu: 1400}]\n"
    "  kernel:\n"
    "    modules: [{name: nvidia}, {name: nvidia_uvm}]\n"
    "cluster:\n"
    "  network:\n"
    "    podSubnets: [10.244.0.0/16]\n"
    "  apiServer:\n"
    "    admissionControl:\n"
    "      - name: PodSecurity\n"
    "        configuration: {defaults: {enforce: baseline}}\n";

}  // namespace

TEST(StrategicMerge, ListsAppendAndScalarsOverride) {
  std::string out = patched(k_base, "machine:\n  certSANs: [b]\n  network:\n    hostname: new\n");
  EXPECT_NE(out.find("    certSANs:\n        - a\n        - b\n"), std::string::npos) << out;
  EXPECT_NE(out.find("hostname: new"), std::string::npos) << out;
}

TEST(StrategicMerge, ZeroValuesDoNotOverwriteButFalseDoes) {
  std::string out = patched("version: v1alpha1\nmachine:\n  install: {disk: /dev/sda, wipe: true}\n",
                            "machine:\n  install: {disk: \"\", wipe: false}\n");
  EXPECT_NE(out.find("disk: /dev/sda"), std::string::npos) << out;
  EXPECT_NE(out.find("wipe: false"), std::string::npos) << out;
}

TEST(StrategicMerge, ReplaceTaggedFieldsAreReplaced) {
  std::string out = patched(k_base, "cluster:\n  network:\n    podSubnets: [10.42.0.0/16]\n");
  EXPECT_NE(out.find("podSubnets:\n            - 10.42.0.0/16\n    apiServer"), std::string::npos) << out;
}

TEST(StrategicMerge, InterfacesVlansAndAdmissionPluginsMergeByKey) {
  std::string out = patched(k_base,
                            "machine:\n  network:\n    interfaces:\n      - interface: eth0\n        mtu: 9000\n"
                            "        vlans: [{vlanId: 10, mtu: 1500}, {vlanId: 20}]\n      - interface: eth1\n"
                            "cluster:\n  apiServer:\n    admissionControl:\n      - name: PodSecurity\n"
                            "        configuration: {defaults: {enforce: privileged}}\n");
  auto docs = docs_of(out);
  const auto& ifaces = docs[0]["machine"]["network"]["interfaces"];
  ASSERT_EQ(ifaces.size(), 2u) << out;
  EXPECT_EQ(ifaces.items()[0].find("mtu")->value(), "9000");
  ASSERT_EQ(ifaces.items()[0].find("vlans")->size(), 2u) << out;
  EXPECT_EQ(ifaces.items()[0].find("vlans")->items()[0].find("mtu")->value(), "1500");
  const auto& plugins = docs[0]["cluster"]["apiServer"]["admissionControl"];
  ASSERT_EQ(plugins.size(), 1u) << out;
  EXPECT_NE(out.find("enforce: privileged"), std::string::npos) << out;
}

TEST(StrategicMerge, KernelModulesHaveNoMergeKeySoTheyAppend) {
  std::string out = patched(k_base, "machine:\n  kernel:\n    modules: [{name: nvidia}]\n");
  EXPECT_EQ(docs_of(out)[0]["machine"]["kernel"]["modules"].size(), 3u) << out;
}

TEST(StrategicMerge, DeleteDirectives) {
  std::string out = patched(k_base,
                            "machine:\n  network:\n    hostname:\n      $patch: delete\n"
                            "  kernel:\n    modules:\n      - name: nvidia_uvm\n        $patch: delete\n");
  EXPECT_EQ(out.find("hostname"), std::string::npos) << out;
  auto docs = docs_of(out);
  ASSERT_EQ(docs[0]["machine"]["kernel"]["modules"].size(), 1u);
  EXPECT_EQ(out.find("$patch"), std::string::npos) << out;
}

TEST(StrategicMerge, MultiDocumentPatchesAddMergeAndDeleteDocuments) {
  std::string base = std::string(k_base) + "---\napiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: nut\n"
                                           "configFiles: [{content: a, mountPath: /a}]\n";
  std::string out = patched(base,
                            "apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: nut\n"
                            "configFiles: [{content: b, mountPath: /a}, {content: c, mountPath: /c}]\n"
                            "---\napiVersion: v1alpha1\nkind: UserVolumeConfig\nname: data\n");
  auto docs = docs_of(out);
  ASSERT_EQ(docs.size(), 3u) << out;
  EXPECT_EQ(docs[1]["configFiles"].size(), 2u) << out;
  EXPECT_EQ(docs[1]["configFiles"].items()[0].find("content")->value(), "b");
  std::string deleted =
      patched(out, "apiVersion: v1alpha1\nkind: ExtensionServiceConfig\nname: nut\n$patch: delete\n");
  EXPECT_EQ(docs_of(deleted).size(), 2u) << deleted;
}

TEST(StrategicMerge, DeletingTheMainDocumentIsRefused) {
  auto docs = docs_of(k_base);
  auto patch = parse_patch("version: v1alpha1\n$patch: delete\n", "p.yaml");
  ASSERT_TRUE(patch.has_value());
  auto r = apply_patch(docs, *patch);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().location.str(), "p.yaml:1:1");
}

TEST(StrategicMerge, PatchedKeysFollowTalosStructOrder) {
  // talos testdata/stability/patch.yaml writes source before destination; Talos emits struct order.
  std::string out = patched("version: v1alpha1\nmachine:\n  kubelet:\n    image: k\n",
                            test::read_text(test::upstream_path("talos/stability/patch.yaml")));
  EXPECT_NE(out.find("            - destination: /var/opt\n              type: bind\n              source: /var/opt\n"),
            std::string::npos)
      << out;
}

TEST(StrategicMerge, TypeConflictsPointAtThePatchLine) {
  auto docs = docs_of(k_base);
  auto patch = parse_patch("machine:\n  certSANs:\n    key: value\n", "conflict.yaml");
  ASSERT_TRUE(patch.has_value());
  auto r = apply_patch(docs, *patch);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().location.str(), "conflict.yaml:3:5");
  EXPECT_EQ(r.error().rule, "patch-type");
}

TEST(Json6902, OperationsInYamlAndJsonForm) {
  std::string out = patched(k_base,
                            "- op: add\n  path: /machine/certSANs/-\n  value: c\n"
                            "- op: replace\n  path: /machine/network/hostname\n  value: h\n"
                            "- op: remove\n  path: /machine/kernel\n");
  EXPECT_NE(out.find("- a\n        - c\n"), std::string::npos) << out;
  EXPECT_NE(out.find("hostname: h"), std::string::npos) << out;
  EXPECT_EQ(out.find("kernel"), std::string::npos) << out;
  std::string json = patched(k_base, R"([{"op": "add", "path": "/machine/install", "value": {"disk": "/dev/nvme0n1"}}])");
  EXPECT_NE(json.find("install:\n        disk: /dev/nvme0n1"), std::string::npos) << json;
}

TEST(Json6902, ErrorsAreLocatedAndMultiDocConfigsRefused) {
  auto docs = docs_of(k_base);
  auto patch = parse_patch("- op: replace\n  path: /machine/missing\n  value: 1\n", "j.yaml");
  ASSERT_TRUE(patch.has_value());
  auto r = apply_patch(docs, *patch);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().location.str(), "j.yaml:1:3");
  EXPECT_NE(r.error().message.find("/machine/missing"), std::string::npos);

  auto multi = docs_of(std::string(k_base) + "---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n");
  auto ok_patch = parse_patch("- op: add\n  path: /debug\n  value: true\n", "j2.yaml");
  auto r2 = apply_patch(multi, *ok_patch);
  ASSERT_FALSE(r2.has_value());
  EXPECT_NE(r2.error().message.find("multi-document"), std::string::npos);

  auto bad_op = parse_patch("- op: ad\n  path: /debug\n", "j3.yaml");
  ASSERT_TRUE(bad_op.has_value());
  auto r3 = apply_patch(docs, *bad_op);
  ASSERT_FALSE(r3.has_value());
  EXPECT_NE(r3.error().message.find("did you mean 'add'"), std::string::npos) << r3.error().message;
}

TEST(PatchArgument, FileAndInlineForms) {
  test::TempDir dir;
  dir.write("p.yaml", "machine:\n  network:\n    hostname: fromfile\n");
  auto f = load_patch_argument("@p.yaml", dir.path());
  ASSERT_TRUE(f.has_value()) << f.error().describe();
  EXPECT_EQ(f->documents.size(), 1u);
  auto bare = load_patch_argument("p.yaml", dir.path());  // Talos reads bare words as file names
  ASSERT_TRUE(bare.has_value());
  auto inline_patch = load_patch_argument("machine: {network: {hostname: x}}");
  ASSERT_TRUE(inline_patch.has_value());
  auto missing = load_patch_argument("@nope.yaml", dir.path());
  EXPECT_FALSE(missing.has_value());
}
