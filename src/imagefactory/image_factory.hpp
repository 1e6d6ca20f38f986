#pragma once
// Image Factory URLs as talhelper builds them (budimanjojo/talhelper pkg/talos/schematic.go,
// cmd/genurl_installer.go, cmd/genurl_image.go; defaults in pkg/config/defaults.go).
//
// talhelper renders user-overridable Go text/templates (`imageFactory.installerURLTmpl`,
// `imageFactory.ISOURLTmpl`) over a small struct. We implement the part of text/template those
// templates use -- `{{.Field}}`, `{{if X}}..{{else if Y}}..{{else}}..{{end}}` with `and`, `or`,
// `not`, `eq`, `ne` on fields and string literals, and `{{-`/`-}}` trimming -- and reject anything
// else (pipelines, sprig functions, variables) with an error that names the construct, rather
// than guess.

#include <map>
#include <string>
#include <string_view>
#include <variant>

#include <core/error.hpp>
#include <imagefactory/schematic.hpp>
#include <imagefactory/settings.hpp>

namespace talgpu::imagefactory {

using TemplateValue = std::variant<std::string, bool>;
using TemplateData = std::map<std::string, TemplateValue, std::less<>>;

// Renders `tmpl` over `data`. `what` names the template in errors ("imageFactory.installerURLTmpl").
Result<std::string> render_go_template(std::string_view tmpl, const TemplateData& data, std::string_view what);

// talhelper's current image template (v3.1+, with the boot-method suffix). The older default
// (ending in `.iso{{end}}`) is what ImageFactory{}.iso_url_tmpl still holds; an unchanged old
// default is upgraded to this one so `--boot-method disk-image|pxe` works.
inline constexpr std::string_view k_default_image_url_tmpl =
    "{{.Protocol}}://{{.RegistryURL}}/image/{{.ID}}/{{.Version}}/{{.Mode}}-{{.Arch}}{{if .Secureboot}}-secureboot{{end}}"
    "{{if and .Secureboot .UseUKI}}-uki.efi{{else}}{{.Suffix}}{{end}}";

// The Talos version as an image tag: "v1.11.1" (a missing 'v' is added, as talhelper does).
std::string talos_tag(std::string_view talos_version);

// `<protocol>://<registryURL>` of the factory API.
std::string factory_base_url(const ImageFactory& f);

// `installerURLTmpl` rendered with RegistryURL, ID, Version, Mode, Secureboot.
Result<std::string> installer_url(const ImageFactory& f, const MachineSpec& spec, std::string_view schematic_id,
                                  std::string_view version);

// talhelper's parseImageSuffix: ".iso"; ".efi" for iso with secureboot+UKI; "" for pxe; for
// disk-image talhelper writes the typo ".raw.zxt" -- we write ".raw.zst", the file the factory
// serves for metal disk images. An explicit `imageSuffix` wins (with a leading dot added).
Result<std::string> image_suffix(const MachineSpec& spec);
// The ISO / disk image / PXE URL (`ISOURLTmpl`) with BootMethod, Suffix, Protocol, RegistryURL,
// ID, Version, Mode, Arch, Secureboot, UseUKI.
Result<std::string> image_url(const ImageFactory& f, const MachineSpec& spec, std::string_view schematic_id,
                              std::string_view version);

}  // namespace talgpu::imagefactory
