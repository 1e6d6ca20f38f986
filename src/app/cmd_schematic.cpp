// `talgpu schematic`: per node, the canonical Image Factory schematic, its ID and the installer
// image (machine.install.image), offline by default. `--online` POSTs each schematic to the
// factory and requires it to return the same ID. The text output is valid YAML (one document per
// node, facts in comments), so it can be piped straight to the factory.

#include <algorithm>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <app/load_config.hpp>
#include <core/error.hpp>
#include <core/http.hpp>
#include <core/strings.hpp>
#include <nvidia/gpu_node.hpp>
#include <imagefactory/factory_client.hpp>
#include <imagefactory/image_factory.hpp>
#include <talhelper/node_image.hpp>
#include <imagefactory/schematic.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu {

namespace {

struct SchematicArgs {
  std::string config = "talconfig.yaml";
  std::vector<std::string> env_files;
  std::string node;
  bool online = false;
};

std::string gpu_line(const nvidia::GpuNodeInfo& g) {
  if (!g.gpu) {
    return {};
  }
  std::string s = "nvidia:";
  if (g.flavor) {
    s += fmt::format(" {}", nvidia::flavor_name(*g.flavor));
  }
  if (g.tier) {
    s += fmt::format(" {}", nvidia::tier_name(*g.tier));
  }
  s += g.driver.empty() ? " driver unknown" : fmt::format(" driver {}", g.driver);
  if (!g.cuda.empty()) {
    s += fmt::format(", CUDA {}", g.cuda);
  }
  s += fmt::format(" ({})", nvidia::evidence_name(g.evidence));
  return s;
}

int run_schematic(Context& ctx, const SchematicArgs& args) {
  Diagnostics diags;
  talhelper::LoadOptions lo;
  lo.path = args.config;
  lo.env_files = args.env_files;
  const talhelper::TalConfig cfg = load_talconfig_or_abort(ctx, lo, diags);
  std::vector<const talhelper::Node*> nodes;
  for (const auto& n : cfg.nodes) {
    auto ips = n.ip_addresses();
    if (args.node.empty() || n.hostname == args.node || std::find(ips.begin(), ips.end(), args.node) != ips.end()) {
      nodes.push_back(&n);
    }
  }
  if (nodes.empty()) {
    print_diagnostics(ctx, diags);
    throw Abort(args.node.empty() ? fmt::format("{}: no nodes", args.config)
                                  : fmt::format("node {} is not in {}", talgpu::quoted(args.node), args.config),
                k_exit_usage);
  }

  std::unique_ptr<http::Transport> transport;
  std::unique_ptr<imagefactory::FactoryClient> factory;
  if (args.online) {
    transport = http::make_curl_transport();
    factory = std::make_unique<imagefactory::FactoryClient>(*transport, cfg.image_factory);
  }

  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  std::string text;
  for (const talhelper::Node* n : nodes) {
    nvidia::GpuAnalysisOptions gopts;
    gopts.factory = factory.get();
    nvidia::GpuNodeInfo gpu = nvidia::analyze_gpu_node(cfg, *n, diags, gopts);
    auto schematic = talhelper::node_schematic(*n);
    if (!schematic) {
      continue;  // analyze_gpu_node reported every problem of it
    }
    std::string id = n->talos_image_url.empty() ? imagefactory::schematic_id(*schematic) : gpu.schematic_id;
    if (factory && n->talos_image_url.empty()) {
      auto online = factory->submit(*schematic);
      if (!online) {
        diags.error(online.error().rule, online.error().message,
                    n->schematic ? n->schematic->location() : n->location);
      }
    }
    if (ctx.json()) {
      nlohmann::ordered_json j;
      j["node"] = n->hostname;
      j["id"] = id.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(id);
      j["installer"] = gpu.installer;
      j["schematic"] = imagefactory::schematic_json(*schematic);
      out.push_back(std::move(j));
      continue;
    }
    if (!text.empty()) {
      text += "---\n";
    }
    text += fmt::format("# node: {}\n", n->hostname);
    text += fmt::format("# id: {}\n", id.empty() ? "unknown (talosImageURL is not a factory installer)" : id);
    text += fmt::format("# installer: {}\n", gpu.installer);
    if (std::string g = gpu_line(gpu); !g.empty()) {
      text += "# " + g + "\n";
    }
    if (!n->talos_image_url.empty()) {
      text += "# (the installer comes from talosImageURL; the schematic below is only used for boot images)\n";
    }
    text += imagefactory::canonical_yaml(*schematic);
  }
  diags.sort();
  print_diagnostics(ctx, diags);
  if (ctx.json()) {
    out_line(ctx, out.dump(2));
  } else {
    std::fputs(text.c_str(), ctx.out);
  }
  return diags.has_errors() ? k_exit_findings : k_exit_ok;
}

}  // namespace

void setup_schematic(CLI::App& app, Context& ctx, CommandRun& run) {
  auto args = std::make_shared<SchematicArgs>();
  app.add_option("-c,--config,--config-file", args->config, "talconfig.yaml to read (default: talconfig.yaml)");
  app.add_option("--env-file", args->env_files, "Extra env files for ${VAR} substitution");
  app.add_option("-n,--node", args->node, "Only this node (hostname or IP address)");
  app.add_flag("--online", args->online,
               "POST each schematic to the Image Factory and check that it returns the same ID");
  app.footer(
      "\nExamples:\n"
      "  talgpu schematic -c examples/goldentooth/talconfig.yaml --node velaryon\n"
      "  talgpu -o json schematic -c clusters/prod/talconfig.yaml");
  run = [&ctx, args]() -> int { return run_schematic(ctx, *args); };
}

}  // namespace talgpu
