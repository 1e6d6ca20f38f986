// Validation rules. Compatibility data from siderolabs/talos pkg/machinery/compatibility; label and
// taint rules from Kubernetes apimachinery validation and Talos pkg/machinery/labels; the other
// checks after talhelper pkg/config/validator.go and validate/validator_test.go.

#include <gtest/gtest.h>

#include <imagefactory/extensions_catalog.hpp>
#include <talhelper/talconfig.hpp>
#include <talhelper/talconfig_validate.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::talhelper;
using namespace talgpu::imagefactory;

TEST(TalconfigValidate, KubernetesCompatibilityMatrix) {
  EXPECT_EQ(check_kubernetes_compat("v1.11.1", "1.34.0"), "");
  EXPECT_EQ(check_kubernetes_compat("v1.11.1", "1.29.0"), "");
  EXPECT_EQ(check_kubernetes_compat("v1.11.1", "1.34.98"), "");
  EXPECT_NE(check_kubernetes_compat("v1.11.1", "1.34.99"), "");  // Talos's maximum is exclusive
  EXPECT_EQ(check_kubernetes_compat("v1.11.1", "1.35.0"),
            "version of Kubernetes 1.35.0 is too new to be used with Talos 1.11.1 (supported: 1.29 to 1.34)");
  EXPECT_EQ(check_kubernetes_compat("v1.5.4", "1.25.9"),
            "version of Kubernetes 1.25.9 is too old to be used with Talos 1.5.4 (supported: 1.26 to 1.28)");
  EXPECT_EQ(check_kubernetes_compat("v1.5.4", "1.27.0"), "");        // talhelper loader_test versions
  EXPECT_EQ(check_kubernetes_compat("v1.12.0", "1.35.0"), "");       // talhelper example/
  EXPECT_EQ(check_kubernetes_compat("v1.7.0", "1.25.0"), "");
  EXPECT_EQ(check_kubernetes_compat("v1.15.0-alpha.0", "1.38.1"), "");
  EXPECT_NE(check_kubernetes_compat("v1.1.0", "1.23.0"), "");
}

TEST(TalconfigValidate, Hostnames) {
  for (const char* ok : {"a", "node-1", "gpu.example.com", "A1"}) {
    EXPECT_TRUE(is_valid_hostname(ok)) << ok;
  }
  for (const char* bad : {"", "gpu_node", "-a", "a-", "a..b", "has space"}) {
    EXPECT_FALSE(is_valid_hostname(bad)) << bad;
  }
}

TEST(TalconfigValidate, UpstreamDomainAndIp) {
  // talhelper pkg/config/validate/validator_test.go style cases.
  EXPECT_TRUE(is_valid_domain("cluster.local"));
  EXPECT_TRUE(is_valid_domain("example.com."));
  EXPECT_FALSE(is_valid_domain("-bad.com"));
  EXPECT_FALSE(is_valid_domain("a b"));
  EXPECT_TRUE(is_valid_ip("192.168.1.1"));
  EXPECT_TRUE(is_valid_ip("fd00::1"));
  EXPECT_FALSE(is_valid_ip("192.168.1.256"));
  EXPECT_TRUE(is_valid_cidr("10.244.0.0/16"));
  EXPECT_TRUE(is_valid_cidr("fc00:db8:10::/56"));
  EXPECT_FALSE(is_valid_cidr("10.244.0.0"));
  EXPECT_FALSE(is_valid_cidr("10.244.0.0/33"));
}

TEST(TalconfigValidate, EndpointUri) {
  EXPECT_EQ(validate_endpoint_uri("https://10.4.0.10:6443"), "");
  EXPECT_EQ(validate_endpoint_uri("https://[fd00::1]:6443"), "");
  EXPECT_EQ(validate_endpoint_uri("https://cluster.example"), "");
  EXPECT_NE(validate_endpoint_uri("10.0.0.10:6443"), "");
  EXPECT_EQ(validate_endpoint_uri("https://fd00::1:6443"), "IPv6 addresses MUST be enclosed by square brackets");
  EXPECT_EQ(validate_endpoint_uri("https://c:99999"), "port number must be between 1 and 65535");
  EXPECT_EQ(validate_endpoint_uri("https://c:http"), "port number must be numeric");
  EXPECT_EQ(validate_endpoint_uri("https://:6443"), "hostname must not be blank");
}

TEST(TalconfigValidate, LabelsAndTaints) {
  EXPECT_EQ(validate_label_key("nvidia.com/gpu.present"), "");
  EXPECT_EQ(validate_label_key("node-role.kubernetes.io/worker"), "");
  EXPECT_NE(validate_label_key("bad key"), "");
  EXPECT_NE(validate_label_key("Upper.Case/x"), "");
  EXPECT_NE(validate_label_key(std::string(64, 'a')), "");
  EXPECT_EQ(validate_label_value(""), "");
  EXPECT_NE(validate_label_value("-x"), "");
  EXPECT_EQ(validate_taint("nvidia.com/gpu", "present:NoSchedule"), "");
  EXPECT_EQ(validate_taint("gpu", "NoExecute"), "");
  EXPECT_EQ(validate_taint("gpu", "true:PreferNoSchedule"), "");
  EXPECT_NE(validate_taint("gpu", "present"), "");
  EXPECT_NE(validate_taint("gpu", "x:NoSchedul"), "");
  EXPECT_NE(validate_taint("gpu", "bad value!:NoSchedule"), "");
}

TEST(TalconfigValidate, ExtensionCatalog) {
  EXPECT_TRUE(catalog_has_version("v1.11.1"));
  EXPECT_TRUE(catalog_has_version("1.11.1"));
  EXPECT_FALSE(catalog_has_version("v1.11.99"));
  EXPECT_EQ(catalog_nearest_version("v1.11.99").substr(0, 6), "v1.11.");
  EXPECT_EQ(catalog_versions().size(), 766u);
  auto exts = catalog_extensions("v1.11.1");
  EXPECT_TRUE(std::binary_search(exts.begin(), exts.end(), "siderolabs/nonfree-kmod-nvidia-lts"));
  EXPECT_FALSE(std::binary_search(exts.begin(), exts.end(), "siderolabs/nvidia-open-gpu-kernel-modules"));
  auto old = catalog_extensions("v1.5.4");
  EXPECT_TRUE(std::binary_search(old.begin(), old.end(), "siderolabs/nvidia-open-gpu-kernel-modules"));
  bool rpi = false;
  for (const auto& o : catalog_overlays("v1.11.1")) {
    rpi = rpi || (o.name == "rpi_generic" && o.image == "siderolabs/sbc-raspberrypi");
  }
  EXPECT_TRUE(rpi);
}

TEST(TalconfigValidate, BadFixtureReportsEveryProblem) {
  LoadOptions o;
  o.path = test::source_path("tests/fixtures/talconfig/bad/talconfig.yaml");
  Diagnostics d;
  auto cfg = load_talconfig(o, d);
  ASSERT_TRUE(cfg.has_value());
  d.sort();
  std::vector<std::pair<std::string, int>> got;
  for (const auto& i : d.items()) {
    got.emplace_back(i.rule, i.location.line);
  }
  std::vector<std::pair<std::string, int>> want{
      {"talconfig-k8s-version", 4},     {"talconfig-endpoint", 5},
      {"talconfig-hostname", 7},        {"talconfig-label", 12},
      {"talconfig-taint", 14},          {"talconfig-extension", 19},
      {"talconfig-duplicate-extension", 21}, {"talconfig-install-disk", 22},
      {"talconfig-unknown-key", 24},    {"talconfig-duplicate-hostname", 25},
      {"talconfig-ip", 26}};
  EXPECT_EQ(got, want) << render_text(d);
}
