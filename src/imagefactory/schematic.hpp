#pragma once
// Image Factory schematics: the model, the strict reader and the canonical encoding whose SHA-256
// is the schematic ID.
//
// Why this is byte-exact work: the factory (siderolabs/image-factory pkg/schematic/schematic.go)
// decodes a POSTed schematic into a Go struct with KnownFields(true), re-marshals it with go-yaml
// v3 and hashes the bytes. The ID therefore depends on the struct's field order, its `omitempty`
// tags, go-yaml's scalar quoting and its key order for free-form maps (overlay options) -- but not
// on how the user formatted the input. We mirror that: read any YAML/JSON into typed fields, then
// rebuild a yaml::Node in struct order and emit it with goyaml_v3_options(4).
//
// Field set and order (struct = serialization order), all `omitempty` except `customization`:
//   owner, overlay{image, name, options}, customization{embeddedMachineConfiguration,
//   extraKernelArgs, meta[{key: uint8, value}], systemExtensions{officialExtensions},
//   bootloader, secureboot{enrollKeys, includeWellKnownCertificates}, diskImage{sectorSize}}.
// `bootloader` is Talos's imager BootloaderKind enum (pkg/imager/profile imageropts): an int whose
// zero value "none" is omitted, written by name, read case-insensitively.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <core/diagnostic.hpp>
#include <core/error.hpp>
#include <yaml/node.hpp>

namespace talgpu::imagefactory {

// ID of `customization: {}`, what talhelper uses for nodes without a schematic.
inline constexpr std::string_view k_empty_schematic_id =
    "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";

struct SchematicMeta {
  uint8_t key = 0;
  std::string value;
};

struct SchematicOverlay {
  std::string image;
  std::string name;
  yaml::Node options = yaml::Node::mapping();  // normalised: Go `map[string]any` semantics

  bool empty() const { return image.empty() && name.empty() && options.size() == 0; }
};

struct SchematicSecureBoot {
  std::string enroll_keys;  // "", off, manual, if-safe, force
  bool include_well_known_certificates = false;
};

struct SchematicCustomization {
  std::string embedded_machine_configuration;
  std::vector<std::string> extra_kernel_args;
  std::vector<SchematicMeta> meta;
  std::vector<std::string> official_extensions;
  std::vector<SourceLocation> official_extension_locations;  // parallel to official_extensions
  std::string bootloader;  // "" (none), dual-boot, sd-boot, grub
  SchematicSecureBoot secureboot;
  uint64_t disk_image_sector_size = 0;
};

struct Schematic {
  std::string owner;
  SchematicOverlay overlay;
  SchematicCustomization customization;
  SourceLocation location;  // where it was declared (empty when built in code)
};

// Strict read of a schematic node (YAML or JSON, any formatting): unknown fields, wrong types and
// out-of-range values are errors (rules `schematic-unknown-field`, `schematic-type`,
// `schematic-value`), every one reported into `diags` at its location. Returns nullopt when any
// error was found.
std::optional<Schematic> read_schematic(const yaml::Node& node, Diagnostics& diags);
// The same, returning the first error.
Result<Schematic> parse_schematic(const yaml::Node& node);
// Parses YAML or JSON text (`name` is used in locations).
Result<Schematic> parse_schematic_text(std::string_view text, std::string name);

// The canonical document as go-yaml v3 writes it (a yaml::Node in struct order).
yaml::Node canonical_node(const Schematic& s);
// The bytes the factory hashes.
std::string canonical_yaml(const Schematic& s);
// Lowercase hex SHA-256 of canonical_yaml.
std::string schematic_id(const Schematic& s);
// The canonical document as a JSON object (keys in struct order).
nlohmann::ordered_json schematic_json(const Schematic& s);

// A schematic with just these official extensions (in the given order).
Schematic schematic_with_extensions(std::vector<std::string> extensions);

// Lowercase hex SHA-256 of `data` (OpenSSL).
std::string sha256_hex(std::string_view data);
// True for 64 lowercase hex characters.
bool looks_like_schematic_id(std::string_view s);

}  // namespace talgpu::imagefactory
