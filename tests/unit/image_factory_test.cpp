// Installer and image URLs as talhelper builds them (pkg/talos/schematic.go, its tests and
// cmd/genurl*.go), and the Go-template subset behind imageFactory.*Tmpl.
#include <gtest/gtest.h>

#include <imagefactory/image_factory.hpp>
#include <talhelper/node_image.hpp>
#include <yaml/document.hpp>

using namespace talgpu;
using namespace talgpu::imagefactory;
using talgpu::talhelper::installer_image;
using talgpu::talhelper::node_schematic;
using talgpu::talhelper::Node;
using talgpu::talhelper::TalConfig;

namespace {

std::string render(std::string_view tmpl, const TemplateData& data) {
  auto r = render_go_template(tmpl, data, "tmpl");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().describe());
  return r ? *r : "<error>";
}

std::string render_error(std::string_view tmpl, const TemplateData& data = {}) {
  auto r = render_go_template(tmpl, data, "tmpl");
  EXPECT_FALSE(r.has_value()) << tmpl;
  return r ? "" : r.error().message;
}

TalConfig config(std::string version = "v1.11.1") {
  TalConfig c;
  c.talos_version = std::move(version);
  return c;
}

Node node_with_schematic(const std::string& yaml_text) {
  Node n;
  n.hostname = "n1";
  auto doc = yaml::parse_one(yaml_text, "talconfig.yaml");
  EXPECT_TRUE(doc.has_value());
  n.schematic = *doc;
  return n;
}

}  // namespace

TEST(GoTemplate, FieldsConditionsAndTrimming) {
  TemplateData d{{"A", std::string("x")}, {"B", true}, {"C", false}, {"E", std::string()}};
  EXPECT_EQ(render("{{.A}}-{{ .A }}", d), "x-x");
  EXPECT_EQ(render("{{if .B}}yes{{end}}{{if .C}}no{{end}}", d), "yes");
  EXPECT_EQ(render("{{if and .B .C}}1{{else}}2{{end}}", d), "2");
  EXPECT_EQ(render("{{if or .C .A}}1{{else}}2{{end}}", d), "1");
  EXPECT_EQ(render("{{if not .E}}empty{{end}}", d), "empty");
  EXPECT_EQ(render("{{if eq .A \"x\"}}eq{{else if .B}}b{{else}}none{{end}}", d), "eq");
  EXPECT_EQ(render("{{if eq .A \"y\"}}eq{{else if .B}}b{{else}}none{{end}}", d), "b");
  EXPECT_EQ(render("{{if ne .A `y`}}ne{{end}}", d), "ne");
  EXPECT_EQ(render("a  {{- .A -}}  b", d), "axb");
  EXPECT_EQ(render("{{if .B}}{{if .C}}c{{else}}!c{{end}}{{end}}", d), "!c");
  EXPECT_EQ(render("{{.B}}", d), "true");
}

TEST(GoTemplate, UnsupportedSyntaxIsAnError) {
  TemplateData d{{"A", std::string("x")}};
  EXPECT_NE(render_error("{{.A | upper}}", d).find("unsupported template syntax '|'"), std::string::npos);
  EXPECT_NE(render_error("{{trim .A}}", d).find("unsupported template syntax 'trim'"), std::string::npos);
  EXPECT_NE(render_error("{{range .A}}{{end}}", d).find("{{range}}"), std::string::npos);
  EXPECT_NE(render_error("{{$x := .A}}", d).find("unsupported"), std::string::npos);
  EXPECT_NE(render_error("{{if .A}}", d).find("unclosed"), std::string::npos);
  EXPECT_NE(render_error("{{end}}", d).find("unexpected"), std::string::npos);
  EXPECT_NE(render_error("{{.A", d).find("unclosed action"), std::string::npos);
  EXPECT_EQ(render_error("{{.Secureboot}}", TemplateData{{"SecureBoot", true}}),
            "tmpl: can't evaluate field Secureboot (did you mean 'SecureBoot'?)");
}

// talhelper's defaults: metal-installer for every node, the empty schematic when none is set.
TEST(InstallerImage, DefaultsToTheEmptySchematic) {
  TalConfig c = config();
  Node n;
  auto url = installer_image(c, n);
  ASSERT_TRUE(url.has_value()) << url.error().describe();
  EXPECT_EQ(*url, "factory.talos.dev/metal-installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.11.1");
}

TEST(InstallerImage, ReferenceScenario) {
  TalConfig c = config();
  Node n = node_with_schematic(
      "customization:\n  systemExtensions:\n    officialExtensions:\n"
      "      - siderolabs/nonfree-kmod-nvidia-lts\n      - siderolabs/nvidia-container-toolkit-lts\n");
  auto s = node_schematic(n);
  ASSERT_TRUE(s.has_value());
  auto url = installer_image(c, n);
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(*url, "factory.talos.dev/metal-installer/" + schematic_id(*s) + ":v1.11.1");
}

TEST(InstallerImage, TalosImageUrlWinsAndGetsTheVersionTag) {
  TalConfig c = config("1.10.3");  // talhelper adds the missing 'v'
  Node n = node_with_schematic("customization:\n  extraKernelArgs: [a]\n");
  n.talos_image_url = "factory.talos.dev/installer/abc";
  EXPECT_EQ(*installer_image(c, n), "factory.talos.dev/installer/abc:v1.10.3");
}

TEST(InstallerImage, SecurebootModeAndOverrides) {
  TalConfig c = config();
  Node n;
  n.machine_spec.secureboot = true;
  n.machine_spec.mode = "nocloud";
  EXPECT_EQ(*installer_image(c, n),
            "factory.talos.dev/nocloud-installer-secureboot/" + std::string(k_empty_schematic_id) + ":v1.11.1");
  // The pre-3.0.24 talhelper template and a private registry.
  c.image_factory.installer_url_tmpl = "{{.RegistryURL}}/installer{{if .Secureboot}}-secureboot{{end}}/{{.ID}}:{{.Version}}";
  c.image_factory.registry_url = "factory.example.com";
  EXPECT_EQ(*installer_image(c, n),
            "factory.example.com/installer-secureboot/" + std::string(k_empty_schematic_id) + ":v1.11.1");
  c.image_factory.installer_url_tmpl = "{{.RegistryURL}}/{{.Nope}}";
  auto bad = installer_image(c, n);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().rule, "imagefactory-template");
}

TEST(InstallerImage, InvalidSchematicIsAnError) {
  TalConfig c = config();
  Node n = node_with_schematic("customization:\n  extensions: [a]\n");
  auto url = installer_image(c, n);
  ASSERT_FALSE(url.has_value());
  EXPECT_EQ(url.error().rule, "schematic-unknown-field");
  EXPECT_EQ(url.error().location.str(), "talconfig.yaml:2:3");
}

// talhelper pkg/talos/schematic.go parseImageSuffix + the default ISOURLTmpl.
TEST(ImageUrl, BootMethodsAndSuffixes) {
  ImageFactory f;
  MachineSpec spec;
  std::string id(k_empty_schematic_id);
  EXPECT_EQ(*image_url(f, spec, id, "v1.11.1"), "https://factory.talos.dev/image/" + id + "/v1.11.1/metal-amd64.iso");
  spec.secureboot = true;
  EXPECT_EQ(*image_url(f, spec, id, "v1.11.1"),
            "https://factory.talos.dev/image/" + id + "/v1.11.1/metal-amd64-secureboot.iso");
  spec.use_uki = true;
  EXPECT_EQ(*image_url(f, spec, id, "v1.11.1"),
            "https://factory.talos.dev/image/" + id + "/v1.11.1/metal-amd64-secureboot-uki.efi");
  spec = MachineSpec{};
  spec.arch = "arm64";
  spec.boot_method = "disk-image";
  EXPECT_EQ(*image_url(f, spec, id, "v1.11.1"),
            "https://factory.talos.dev/image/" + id + "/v1.11.1/metal-arm64.raw.zst");
  spec.image_suffix = "raw.xz";
  EXPECT_EQ(*image_url(f, spec, id, "v1.11.1"),
            "https://factory.talos.dev/image/" + id + "/v1.11.1/metal-arm64.raw.xz");
  spec = MachineSpec{};
  spec.boot_method = "pxe";
  EXPECT_EQ(*image_url(f, spec, id, "v1.11.1"), "https://factory.talos.dev/image/" + id + "/v1.11.1/metal-amd64");
  spec.boot_method = "floppy";
  auto bad = image_url(f, spec, id, "v1.11.1");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("iso, disk-image, pxe"), std::string::npos);
}

TEST(ImageUrl, CustomTemplate) {
  ImageFactory f;
  f.iso_url_tmpl = "{{.Protocol}}://{{.RegistryURL}}/image/{{.ID}}/{{.Version}}/{{.Mode}}-{{.Arch}}.iso";
  f.protocol = "http";
  MachineSpec spec;
  EXPECT_EQ(*image_url(f, spec, "id", "v1.9.0"), "http://factory.talos.dev/image/id/v1.9.0/metal-amd64.iso");
}

TEST(ImageUrl, ImageSchematicWins) {
  Node n = node_with_schematic("customization:\n  extraKernelArgs: [a]\n");
  auto doc = yaml::parse_one("customization:\n  extraKernelArgs: [b]\n", "x.yaml");
  n.image_schematic = *doc;
  auto s = node_image_schematic(n);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->customization.extra_kernel_args, std::vector<std::string>{"b"});
}

TEST(ImageFactoryHelpers, TagAndBase) {
  EXPECT_EQ(talos_tag("1.11.1"), "v1.11.1");
  EXPECT_EQ(talos_tag("v1.11.1"), "v1.11.1");
  EXPECT_EQ(factory_base_url(ImageFactory{}), "https://factory.talos.dev");
}
