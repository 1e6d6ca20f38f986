#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <imagefactory/schematic.hpp>
#include <yaml/document.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::imagefactory;

namespace {

Schematic parse_ok(const std::string& text) {
  auto r = parse_schematic_text(text, "schematic.yaml");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().describe()) << "\ninput: " << text;
  return r ? *r : Schematic{};
}

std::string parse_error(const std::string& text) {
  auto r = parse_schematic_text(text, "bad.yaml");
  EXPECT_FALSE(r.has_value()) << "input: " << text;
  return r ? std::string() : r.error().describe();
}

nlohmann::json vectors() {
  return nlohmann::json::parse(
      test::read_text(test::shared_path("fixtures/image-factory/schematic-vectors.json")));
}

}  // namespace

// Every canonical vector from image-factory's pkg/schematic/schematic_test.go: parsing the
// canonical text and re-encoding it gives the same bytes, and the ID matches upstream.
TEST(Schematic, UpstreamCanonicalVectors) {
  auto v = vectors();
  ASSERT_GE(v["canonical"].size(), 7u);
  for (const auto& c : v["canonical"]) {
    std::string text = c["canonical_yaml"];
    Schematic s = parse_ok(text);
    EXPECT_EQ(canonical_yaml(s), text) << c["name"];
    EXPECT_EQ(schematic_id(s), c["id"].get<std::string>()) << c["name"];
    EXPECT_EQ(sha256_hex(text), c["id"].get<std::string>()) << c["name"];
  }
}

// Differently formatted inputs (JSON, flow style, empty sub-objects) give upstream's ID.
TEST(Schematic, UpstreamEquivalentInputs) {
  auto v = vectors();
  ASSERT_GE(v["equivalent_inputs"].size(), 9u);
  for (const auto& c : v["equivalent_inputs"]) {
    Schematic s = parse_ok(c["input"]);
    EXPECT_EQ(schematic_id(s), c["id"].get<std::string>()) << c["input"];
  }
}

// The remaining rows of the research table (talos.md §6.2), recomputed from upstream tests/docs.
TEST(Schematic, MoreKnownIds) {
  EXPECT_EQ(schematic_id(parse_ok("customization:\n  extraKernelArgs: [nolapic, nomodeset]\n")),
            "e0fb1129bbbdfb5d002e94af4cdce712a8370e850950a33a242d4c3f178c532d");
  EXPECT_EQ(schematic_id(parse_ok(R"({"customization":{"meta":[{"key":10,"value":"{\"externalIPs\":[\"1.2.3.4\"]}"}]}})")),
            "fe866116408a5a13dab7d5003eb57a00954ea81ebeec3fbbcd1a6d4462a00036");
  EXPECT_EQ(schematic_id(parse_ok("customization:\n  extraKernelArgs: [net.ifnames=0]\n  systemExtensions:\n"
                                  "    officialExtensions: [siderolabs/gvisor, siderolabs/intel-ucode]\n")),
            "b8e8fbbe1b520989e6c52c8dc8303070cb42095997e76e812fa8892393e1d176");
  // talhelper docs/guides.md example (talhelper.md §3.3).
  EXPECT_EQ(schematic_id(parse_ok("customization:\n    systemExtensions:\n        officialExtensions:\n"
                                  "            - siderolabs/drbd\n            - siderolabs/zfs\n"))
                .substr(0, 8),
            "98442b5b");
}

TEST(Schematic, EmptyAndNullGiveTheEmptySchematic) {
  EXPECT_EQ(schematic_id(parse_ok("")), k_empty_schematic_id);
  EXPECT_EQ(schematic_id(parse_ok("customization: ~\n")), k_empty_schematic_id);
  EXPECT_EQ(schematic_id(Schematic{}), k_empty_schematic_id);
  EXPECT_EQ(canonical_yaml(Schematic{}), "customization: {}\n");
}

TEST(Schematic, FieldOrderFollowsTheStructNotTheInput) {
  Schematic s = parse_ok(
      "customization:\n"
      "  diskImage: {sectorSize: 512}\n"
      "  secureboot: {includeWellKnownCertificates: yes, enrollKeys: force}\n"
      "  bootloader: SD-Boot\n"
      "  systemExtensions: {officialExtensions: [siderolabs/b]}\n"
      "  meta: [{value: x, key: 0x0c}]\n"
      "  extraKernelArgs: [a]\n"
      "  embeddedMachineConfiguration: |\n    version: v1alpha1\n"
      "overlay: {options: {b: 1, a: [x], A10: 1.50, A9: ~}, name: n, image: i}\n"
      "owner: me\n");
  EXPECT_EQ(canonical_yaml(s),
            "owner: me\n"
            "overlay:\n"
            "    image: i\n"
            "    name: \"n\"\n"  // go-yaml quotes YAML 1.1 booleans such as n
            "    options:\n"
            "        A9: null\n"
            "        A10: 1.5\n"
            "        a:\n"
            "            - x\n"
            "        b: 1\n"
            "customization:\n"
            "    embeddedMachineConfiguration: |\n"
            "        version: v1alpha1\n"
            "    extraKernelArgs:\n"
            "        - a\n"
            "    meta:\n"
            "        - key: 12\n"
            "          value: x\n"
            "    systemExtensions:\n"
            "        officialExtensions:\n"
            "            - siderolabs/b\n"
            "    bootloader: sd-boot\n"
            "    secureboot:\n"
            "        enrollKeys: force\n"
            "        includeWellKnownCertificates: true\n"
            "    diskImage:\n"
            "        sectorSize: 512\n");
}

TEST(Schematic, ZeroValuesAreOmitted) {
  // bootloader none is the enum's zero value; false and 0 are omitempty zeros.
  Schematic s = parse_ok(
      "customization:\n  bootloader: none\n  secureboot: {includeWellKnownCertificates: false}\n"
      "  diskImage: {sectorSize: 0}\n  meta: []\noverlay: {options: {}}\n");
  EXPECT_EQ(schematic_id(s), k_empty_schematic_id);
}

TEST(Schematic, ScalarsKeepStringSemantics) {
  // go-yaml decodes any scalar into a string field by its text, and quotes it on output when it
  // would read back as another type.
  Schematic s = parse_ok("customization:\n  extraKernelArgs: [1, 'true', 'a: b']\n  meta: [{key: 1, value: 10}]\n");
  EXPECT_EQ(canonical_yaml(s),
            "customization:\n    extraKernelArgs:\n        - \"1\"\n        - \"true\"\n        - 'a: b'\n"
            "    meta:\n        - key: 1\n          value: \"10\"\n");
}

TEST(Schematic, UnknownFieldsAreLocatedErrors) {
  std::string e = parse_error("customization:\n  systemExtension:\n    officialExtensions: [a]\n");
  EXPECT_EQ(e,
            "bad.yaml:2:3: customization: field systemExtension not found in type schematic.Customization "
            "(did you mean 'systemExtensions'?)");
  EXPECT_NE(parse_error("extensions: [a]\n").find("field extensions not found in type schematic.Schematic"),
            std::string::npos);
  EXPECT_NE(parse_error("overlay: {image: a, name: b, option: {}}\n").find("schematic.Overlay"), std::string::npos);
}

TEST(Schematic, ReportsEveryProblem) {
  auto doc = yaml::parse_one("customization:\n  extraKernelArgs: a\n  meta: [{key: 300, value: x}]\n  foo: 1\n",
                             "many.yaml");
  ASSERT_TRUE(doc.has_value());
  Diagnostics diags;
  EXPECT_FALSE(read_schematic(*doc, diags).has_value());
  ASSERT_EQ(diags.size(), 3u) << render_text(diags);
  EXPECT_EQ(diags.items()[0].rule, "schematic-unknown-field");
  EXPECT_EQ(diags.items()[1].rule, "schematic-type");
  EXPECT_EQ(diags.items()[1].location.line, 2);
  EXPECT_EQ(diags.items()[2].rule, "schematic-value");
  EXPECT_EQ(diags.items()[2].location.str(), "many.yaml:3:16");
}

TEST(Schematic, TypeErrors) {
  EXPECT_NE(parse_error("customization:\n  meta: [{key: x, value: y}]\n").find("into uint8"), std::string::npos);
  EXPECT_NE(parse_error("customization:\n  secureboot: {includeWellKnownCertificates: maybe}\n").find("into bool"),
            std::string::npos);
  EXPECT_NE(parse_error("customization:\n  bootloader: lilo\n").find("BootloaderKind"), std::string::npos);
  EXPECT_NE(parse_error("customization:\n  secureboot: {enrollKeys: always}\n").find("if-safe"), std::string::npos);
  EXPECT_NE(parse_error("- a\n").find("cannot unmarshal"), std::string::npos);
  EXPECT_NE(parse_error("customization:\n  diskImage: {sectorSize: -1}\n").find("does not fit uint"),
            std::string::npos);
}

TEST(Schematic, JsonObjectInStructOrder) {
  Schematic s = parse_ok("customization:\n  systemExtensions: {officialExtensions: [siderolabs/x]}\n"
                         "  meta: [{key: 10, value: foo}]\n");
  EXPECT_EQ(schematic_json(s).dump(),
            R"({"customization":{"meta":[{"key":10,"value":"foo"}],"systemExtensions":{"officialExtensions":["siderolabs/x"]}}})");
}

TEST(Schematic, ExtensionLocationsArePreserved) {
  Schematic s = parse_ok("customization:\n  systemExtensions:\n    officialExtensions:\n      - a\n      - b\n");
  ASSERT_EQ(s.customization.official_extension_locations.size(), 2u);
  EXPECT_EQ(s.customization.official_extension_locations[1].str(), "schematic.yaml:5:9");
}

TEST(Schematic, LooksLikeId) {
  EXPECT_TRUE(looks_like_schematic_id(k_empty_schematic_id));
  EXPECT_FALSE(looks_like_schematic_id("376567988AD370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"));
  EXPECT_FALSE(looks_like_schematic_id("abc"));
}
