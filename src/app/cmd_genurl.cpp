// `talgpu genurl installer|image`: talhelper's genurl (cmd/genurl.go, genurl_installer.go,
// genurl_image.go) with the same flags and output: with a talconfig.yaml, one URL per node
// ("host: url", or just the URL when one node is selected); without one, a URL built from
// --extension / --kernel-arg. Offline by default (talhelper's --offline-mode is accepted and is the
// default); --online registers the schematic with the factory first.

#include <algorithm>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <app/load_config.hpp>
#include <core/error.hpp>
#include <core/fs.hpp>
#include <core/http.hpp>
#include <core/strings.hpp>
#include <imagefactory/factory_client.hpp>
#include <imagefactory/image_factory.hpp>
#include <talhelper/node_image.hpp>
#include <imagefactory/schematic.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu {

namespace {

struct GenurlArgs {
  std::string config = "talconfig.yaml";
  bool config_given = false;  // -c named a file: it must exist
  std::vector<std::string> env_files;
  std::string node;
  std::string registry_url = "factory.talos.dev";
  std::string version = talhelper::k_latest_talos_version;  // talhelper: config.LatestTalosVersion
  std::vector<std::string> extensions;
  std::vector<std::string> kernel_args;
  bool offline = false;
  bool online = false;
  bool secureboot = false;
  // image only
  std::string mode = "metal";
  std::string arch = "amd64";
  bool use_uki = false;
  std::string boot_method = "iso";
  std::string suffix;
};

enum class UrlKind { installer, image };

Result<std::string> url_for(UrlKind kind, const imagefactory::ImageFactory& f, const talhelper::MachineSpec& spec,
                            const imagefactory::Schematic& s, const std::string& version, imagefactory::FactoryClient* factory) {
  std::string id = imagefactory::schematic_id(s);
  if (factory != nullptr) {
    TRY_ASSIGN(id, factory->submit(s));
  }
  return kind == UrlKind::installer ? imagefactory::installer_url(f, spec, id, version) : imagefactory::image_url(f, spec, id, version);
}

int run_genurl(Context& ctx, const GenurlArgs& args, UrlKind kind) {
  if (kind == UrlKind::image && args.boot_method != "iso" && args.boot_method != "disk-image" &&
      args.boot_method != "pxe") {
    throw Abort("invalid boot-method, should be one of iso, disk-image, pxe", k_exit_usage);
  }
  std::unique_ptr<http::Transport> transport;
  std::unique_ptr<imagefactory::FactoryClient> factory;
  std::vector<std::pair<std::string, std::string>> urls;  // node, url
  Diagnostics diags;

  // Without -c, a missing talconfig.yaml means "URLs from the flags" (talhelper's behaviour). A
  // file named with -c that is missing is an error: a default URL without the NVIDIA extensions
  // would look like an answer for the cluster.
  if (args.config_given && !file_exists(args.config)) {
    throw Abort(fmt::format("cannot read '{}': no such file", args.config), k_exit_usage);
  }
  if (file_exists(args.config)) {
    talhelper::LoadOptions lo;
    lo.path = args.config;
    lo.env_files = args.env_files;
    const talhelper::TalConfig cfg = load_talconfig_or_abort(ctx, lo, diags);
    if (args.online) {
      transport = http::make_curl_transport();
      factory = std::make_unique<imagefactory::FactoryClient>(*transport, cfg.image_factory);
    }
    std::string tag = imagefactory::talos_tag(cfg.talos_version);
    for (const auto& n : cfg.nodes) {
      auto ips = n.ip_addresses();
      bool selected = n.hostname == args.node || std::find(ips.begin(), ips.end(), args.node) != ips.end();
      if (!args.node.empty() && !selected) {
        continue;
      }
      Result<std::string> url = "";
      if (kind == UrlKind::installer && !n.talos_image_url.empty()) {
        url = n.talos_image_url + ":" + tag;
      } else {
        auto s = kind == UrlKind::installer ? talhelper::node_schematic(n) : talhelper::node_image_schematic(n);
        url = s ? url_for(kind, cfg.image_factory, n.machine_spec, *s, tag, factory.get())
                : Result<std::string>(tl::unexpected(s.error()));
      }
      if (!url) {
        print_diagnostics(ctx, diags);
        throw Abort(fmt::format("failed to generate {} url for {}: {}", kind == UrlKind::installer ? "installer" : "image",
                                n.hostname, url.error().describe()),
                    k_exit_findings);
      }
      urls.emplace_back(n.hostname, *url);
      if (selected) {
        break;
      }
    }
    if (urls.empty()) {
      print_diagnostics(ctx, diags);
      throw Abort(fmt::format("node with IP address or hostname of {} is not found in {}", args.node, args.config),
                  k_exit_usage);
    }
  } else {
    imagefactory::Schematic s;
    s.customization.extra_kernel_args = args.kernel_args;
    s.customization.official_extensions = args.extensions;
    imagefactory::ImageFactory f;
    f.registry_url = args.registry_url;
    talhelper::MachineSpec spec;
    spec.secureboot = args.secureboot;
    if (kind == UrlKind::image) {
      spec.mode = args.mode;
      spec.arch = args.arch;
      spec.use_uki = args.use_uki;
      spec.boot_method = args.boot_method;
      spec.image_suffix = args.suffix;
    }
    if (args.online) {
      transport = http::make_curl_transport();
      factory = std::make_unique<imagefactory::FactoryClient>(*transport, f);
    }
    auto url = url_for(kind, f, spec, s, imagefactory::talos_tag(args.version), factory.get());
    if (!url) {
      throw Abort(url.error().describe(), k_exit_findings);
    }
    urls.emplace_back("", *url);
  }

  print_diagnostics(ctx, diags);
  if (ctx.json()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& [node, url] : urls) {
      nlohmann::ordered_json j;
      j["node"] = node.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(node);
      j["url"] = url;
      out.push_back(std::move(j));
    }
    out_line(ctx, out.dump(2));
  } else if (urls.size() == 1) {
    out_line(ctx, urls[0].second);
  } else {
    for (const auto& [node, url] : urls) {
      out_line(ctx, node + ": " + url);
    }
  }
  return diags.has_errors() ? k_exit_findings : k_exit_ok;
}

void common_flags(CLI::App& sub, GenurlArgs& a) {
  sub.add_option("-c,--config,--config-file", a.config, "talconfig.yaml to read (default: talconfig.yaml)")
      ->each([&a](const std::string&) { a.config_given = true; });
  sub.add_option("--env-file", a.env_files, "Extra env files for ${VAR} substitution");
  sub.add_option("-n,--node", a.node, "Only this node (hostname or IP address)");
  sub.add_option("-r,--registry-url", a.registry_url, "Registry of the image (without talconfig.yaml)");
  // talhelper: -v/--version (cmd/genurl.go, default config.LatestTalosVersion); --talos-version
  // as in talgpu's other commands.
  sub.add_option("-v,--version,--talos-version", a.version,
                 fmt::format("Talos version (without talconfig.yaml; default {})", talhelper::k_latest_talos_version));
  sub.add_option("-e,--extension", a.extensions, "Official extension to include (without talconfig.yaml)")
      ->delimiter(',');
  sub.add_option("-k,--kernel-arg", a.kernel_args, "Kernel argument (without talconfig.yaml)")->delimiter(',');
  sub.add_flag("--secure-boot,--secureboot", a.secureboot, "Secure Boot image (without talconfig.yaml; talhelper: --secure-boot)");
  sub.add_flag("--offline-mode", a.offline, "Compute the schematic ID locally (the default)");
  sub.add_flag("--online", a.online, "Register the schematic with the Image Factory and check its ID");
}

}  // namespace

void setup_genurl(CLI::App& app, Context& ctx, CommandRun& run) {
  auto args = std::make_shared<GenurlArgs>();
  auto kind = std::make_shared<UrlKind>(UrlKind::installer);
  CLI::App* installer = app.add_subcommand("installer", "Installer image URL per node (machine.install.image)");
  CLI::App* image = app.add_subcommand("image", "ISO, disk image or PXE URL per node (uses imageSchematic)");
  // talhelper declares these as persistent flags of genurl (cmd/genurl.go), so they may come
  // before the subcommand too: `genurl -v v1.12.0 installer`.
  common_flags(app, *args);
  common_flags(*installer, *args);
  common_flags(*image, *args);
  image->add_option("-m,--talos-mode", args->mode, "Talos platform (default: metal)");
  image->add_option("-a,--arch", args->arch, "CPU architecture (default: amd64)");
  image->add_flag("--use-uki", args->use_uki, "UKI image when Secure Boot is on");
  image->add_option("--boot-method", args->boot_method, "iso (default), disk-image or pxe");
  image->add_option("--suffix", args->suffix, "Image file extension for disk images (raw.xz, qcow2, ...)");
  installer->callback([kind] { *kind = UrlKind::installer; });
  image->callback([kind] { *kind = UrlKind::image; });
  app.require_subcommand(1);
  const char* examples =
      "\nExamples:\n"
      "  talgpu genurl installer -c clusters/prod/talconfig.yaml -n velaryon\n"
      "  talgpu genurl image -v v1.13.9 -e siderolabs/nonfree-kmod-nvidia-lts --secure-boot";
  app.footer(examples);
  installer->footer(examples);
  image->footer(examples);
  run = [&ctx, args, kind]() -> int { return run_genurl(ctx, *args, *kind); };
}

}  // namespace talgpu
