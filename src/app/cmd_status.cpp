// `talgpu status [--config talconfig.yaml] [--namespace nvidia] [gitops/...]`: the declaration against the live
// cluster (kube/live_status.hpp). Exit 1 when anything drifted, 2 when the cluster or the
// declaration cannot be read.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <app/live.hpp>
#include <kube/client/nodes.hpp>
#include <kube/live_status.hpp>
#include <kube/manifest_loader.hpp>

namespace talgpu {

namespace {

struct StatusOptions {
  LiveOptions live;
  std::string config;
  std::string gpu_namespace = "nvidia";
  std::vector<std::string> gitops;  // manifest folders/files the cluster should run
};

std::shared_ptr<const nlohmann::json> get_optional(kube::client::Client& c, const std::string& path) {
  auto r = c.get(path);
  if (!r) {
    if (r.error().code == 404) {
      return nullptr;
    }
    throw Abort(r.error().message, k_exit_usage);
  }
  return std::make_shared<const nlohmann::json>(std::move(*r));
}

int run_status(Context& ctx, const StatusOptions& o) {
  talhelper::TalConfig cfg = load_declaration_or_abort(ctx, o.config);
  auto client = connect_or_abort(ctx, o.live);
  kube::StatusInputs in;
  in.config = &cfg;
  in.observed = value_or_abort(kube::client::fetch_nodes(*client).map_error([](const auto& e) { return e.error(); }));
  in.gpu_namespace = o.gpu_namespace;
  in.runtime_class = get_optional(*client, "/apis/node.k8s.io/v1/runtimeclasses/nvidia");
  in.namespace_ = get_optional(*client, "/api/v1/namespaces/" + kube::client::url_escape(o.gpu_namespace));
  std::optional<kube::Manifests> manifests;
  if (!o.gitops.empty()) {
    Diagnostics load_diags;  // findings are check's business; status needs the objects
    kube::ManifestLoadOptions mo;
    mo.paths = o.gitops;
    manifests.emplace(value_or_abort(kube::load_manifests(mo, load_diags)));
    in.manifests = &*manifests;
  }
  kube::ClusterStatus s = kube::compute_status(in);
  if (ctx.json()) {
    fmt::print(ctx.out, "{}", kube::render_status_json(s));
  } else {
    fmt::print(ctx.out, "{}", kube::render_status_text(s, ctx.color_out));
  }
  return s.drift.empty() ? k_exit_ok : k_exit_findings;
}

}  // namespace

void setup_status(CLI::App& app, Context& ctx, CommandRun& run) {
  auto o = std::make_shared<StatusOptions>();
  app.add_option("gitops", o->gitops,
                 "GitOps manifests (files or folders) the cluster should run: the live RuntimeClass nvidia and GPU "
                 "namespace are compared with them");
  app.add_option("-c,--config,--config-file", o->config, "talconfig.yaml with the declared nodes (default: ./talconfig.yaml)");
  app.add_option("--namespace", o->gpu_namespace, "the GPU namespace whose Pod Security labels to show (default nvidia)");
  add_live_flags(app, o->live);
  app.footer(
      "Output: -o text or -o json. Exit codes: 0 no drift, 1 drift, 2 unreadable declaration or cluster.\n"
      "\nExamples:\n"
      "  talgpu status -c clusters/prod/talconfig.yaml\n"
      "  talgpu -o json status --context prod");
  run = [&ctx, o]() -> int { return run_status(ctx, *o); };
}

}  // namespace talgpu
