#pragma once
// The Image Factory's settings and a machine's description, as talhelper names them
// (budimanjojo/talhelper pkg/config/config.go `ImageFactory`, `MachineSpec`; defaults in
// pkg/config/defaults.go). They live here, not in talhelper/, so that imagefactory/ knows nothing
// of talconfig.yaml: talhelper/ fills them in, imagefactory/ turns them into URLs.

#include <string>

namespace talgpu::imagefactory {

struct MachineSpec {
  std::string mode = "metal";
  std::string arch = "amd64";
  bool secureboot = false;
  bool use_uki = false;
  std::string boot_method = "iso";
  std::string image_suffix;
};

// talhelper `ImageFactory` settings with its defaults.
struct ImageFactory {
  std::string registry_url = "factory.talos.dev";
  std::string schematic_endpoint = "/schematics";
  std::string protocol = "https";
  std::string installer_url_tmpl =
      "{{.RegistryURL}}/{{.Mode}}-installer{{if .Secureboot}}-secureboot{{end}}/{{.ID}}:{{.Version}}";
  std::string iso_url_tmpl =
      "{{.Protocol}}://{{.RegistryURL}}/image/{{.ID}}/{{.Version}}/{{.Mode}}-{{.Arch}}{{if .Secureboot}}-secureboot{{end}}{{if and .Secureboot .UseUKI}}-uki.efi{{else}}.iso{{end}}";
};

}  // namespace talgpu::imagefactory
