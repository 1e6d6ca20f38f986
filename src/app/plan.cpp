#include <app/plan.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <check/check.hpp>
#include <check/render.hpp>
#include <core/fs.hpp>
#include <kube/manifest_loader.hpp>
#include <nvidia/catalog.hpp>
#include <talhelper/genconfig.hpp>
#include <talos/secrets.hpp>
#include <talhelper/talconfig.hpp>
#include <yaml/document.hpp>
#include <yaml/reader.hpp>

namespace talgpu {

namespace {

namespace fs = std::filesystem;

// A fresh scratch folder for the generated configs (kept, so the user can look at them).
std::string make_scratch_dir() {
  std::string tmpl = (fs::temp_directory_path() / "talgpu-plan-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw Abort("cannot create a scratch folder for the generated configs", k_exit_usage);
  }
  return tmpl;
}

std::string gpu_summary(const nvidia::GpuNodeInfo& g) {
  std::string s = "nvidia";
  if (g.tier) {
    s += std::string(" ") + nvidia::tier_name(*g.tier);
  }
  if (g.flavor) {
    s += std::string(" ") + nvidia::flavor_name(*g.flavor);
  }
  return s;
}

// What the plan learned, stage by stage, for the printers.
struct PlanState {
  const talhelper::TalConfig& cfg;
  Diagnostics diags;
  check::CheckReport checked;
  std::string scratch;
  std::optional<talhelper::GenconfigResult> generated;
  bool throwaway_secrets = false;
  std::map<std::string, const check::NodeInfo*> checked_nodes;         // by hostname, declared nodes
  std::map<std::string, const talhelper::NodeSummary*> summaries;      // by hostname

  const nvidia::GpuNodeInfo* gpu_of(const std::string& hostname) const {
    auto it = checked_nodes.find(hostname);
    return it != checked_nodes.end() && it->second->gpu && it->second->gpu->gpu ? &*it->second->gpu : nullptr;
  }
};

// Shape problems that make the file unusable as a talconfig at all.
std::optional<Diagnostics> unusable_talconfig(const std::string& talconfig) {
  auto root = yaml::parse_file(talconfig);
  Diagnostics d;
  if (!root) {
    d.error(root.error().rule, root.error().message, root.error().location);
    return d;
  }
  if (root->empty() || root->front().root.is_null()) {
    d.error("plan-talconfig-empty", "talconfig.yaml is empty", SourceLocation{talconfig, 0, 0},
            "start from talhelper's template: clusterName, endpoint and a list of nodes");
    return d;
  }
  if (!root->front().root.is_mapping()) {
    const yaml::Node& r = root->front().root;
    d.error("plan-talconfig-type", fmt::format("talconfig.yaml must be a mapping, not {}", yaml::describe_kind(r)),
            r.location());
    return d;
  }
  return std::nullopt;
}

// 3. Configure: machine configs into the scratch folder, with the cluster's secrets bundle when
// there is one, else a throwaway bundle (nothing is written next to the user's files).
void generate_configs(PlanState& st) {
  Diagnostics gen_diags;
  auto secrets = talhelper::load_cluster_secrets(st.cfg, "", gen_diags);
  if (secrets) {
    talhelper::GenconfigOptions go;
    go.out_dir = st.scratch;
    go.gitignore = false;
    auto result = talhelper::generate_cluster(st.cfg, *secrets, go, gen_diags);
    if (result) {
      st.generated = std::move(*result);
    } else {
      gen_diags.error(result.error().rule.empty() ? "genconfig" : result.error().rule, result.error().message,
                      result.error().location);
    }
  } else {
    gen_diags.error(secrets.error().rule.empty() ? "secrets-invalid" : secrets.error().rule, secrets.error().message,
                    secrets.error().location);
  }
  for (const auto& d : gen_diags.items()) {
    if (d.rule != "secrets-generated") {  // said plainly in the summary instead
      st.diags.add(d);
    }
  }
}

// The check's findings join the declaration's; genconfig and the check both explain the
// worker-taint trap at the same line, so it is said once.
void merge_check_findings(PlanState& st) {
  std::set<std::string> registered;
  for (const auto& d : st.diags.items()) {
    if (d.rule == "worker-taint-via-register") {
      registered.insert(d.location.str());
    }
  }
  for (const auto& d : st.checked.findings.items()) {
    if (d.rule == "node-taints-noderestriction" && registered.count(d.location.str()) != 0) {
      continue;
    }
    st.diags.add(d);
  }
  st.diags.sort();
}

void print_plan_json(Context& ctx, const PlanState& st, nlohmann::ordered_json& report) {
  const talhelper::TalConfig& cfg = st.cfg;
  const auto& summaries = st.summaries;
  const auto& generated = st.generated;
  const auto& scratch = st.scratch;
  const bool throwaway_secrets = st.throwaway_secrets;
  const auto& checked = st.checked;
  const auto& diags = st.diags;
  report["cluster"] = cfg.cluster_name;
  report["talosVersion"] = cfg.talos_version;
  report["kubernetesVersion"] = cfg.kubernetes_version;
  report["endpoint"] = cfg.endpoint;
  report["nodes"] = nlohmann::ordered_json::array();
  for (const auto& n : cfg.nodes) {
    nlohmann::ordered_json j;
    j["hostname"] = n.hostname;
    j["role"] = n.role();
    j["ip"] = n.ip_addresses();
    j["installDisk"] = n.install_disk;
    auto sit = summaries.find(n.hostname);
    j["installImage"] = sit != summaries.end() ? sit->second->install_image : "";
    j["config"] = sit != summaries.end() ? sit->second->file : "";
    if (const nvidia::GpuNodeInfo* gpu = st.gpu_of(n.hostname)) {
      const auto& g = *gpu;
      j["gpu"] = {{"evidence", nvidia::evidence_name(g.evidence)},
                  {"tier", g.tier ? nvidia::tier_name(*g.tier) : ""},
                  {"flavor", g.flavor ? nvidia::flavor_name(*g.flavor) : ""},
                  {"schematicId", g.schematic_id},
                  {"installer", g.installer},
                  {"driver", g.driver},
                  {"toolkit", g.toolkit},
                  {"cudaCeiling", g.cuda},
                  {"unverified", g.unverified}};
    } else {
      j["gpu"] = nullptr;
    }
    report["nodes"].push_back(std::move(j));
  }
  report["configs"] = {{"dir", generated ? scratch : ""},
                       {"throwawaySecrets", throwaway_secrets},
                       {"files", generated ? generated->written : std::vector<std::string>{}}};
  report["check"] = nlohmann::ordered_json::parse(check::render_report_json(checked));
  report["diagnostics"] = nlohmann::ordered_json::parse(render_json(diags));
  fmt::print(ctx.out, "{}\n", report.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

void print_nodes_text(Context& ctx, const PlanState& st) {
  const talhelper::TalConfig& cfg = st.cfg;
  auto head = [&](std::string_view t) { return styled(t, TextStyle::bold, ctx.color_out); };
  out_line(ctx, fmt::format("{} {}  Talos {}  Kubernetes {}  endpoint {}", head("cluster"), cfg.cluster_name,
                            cfg.talos_version, cfg.kubernetes_version, cfg.endpoint));
  out_line(ctx, "");
  out_line(ctx, head(fmt::format("nodes ({})", cfg.nodes.size())));
  out_line(ctx, fmt::format("  {:<12} {:<13} {:<15} {:<14} {}", "HOST", "ROLE", "IP", "INSTALL DISK", "GPU"));
  for (const auto& n : cfg.nodes) {
    std::string gpu = "-";
    if (const nvidia::GpuNodeInfo* g = st.gpu_of(n.hostname)) {
      gpu = gpu_summary(*g);
    }
    std::string disk = !n.install_disk.empty() ? n.install_disk : (n.install_disk_selector ? "selector" : "-");
    out_line(ctx, fmt::format("  {:<12} {:<13} {:<15} {:<14} {}", n.hostname, n.role(),
                              fmt::format("{}", fmt::join(n.ip_addresses(), ",")), disk, gpu));
  }
  for (const auto& n : cfg.nodes) {
    const nvidia::GpuNodeInfo* gpu = st.gpu_of(n.hostname);
    if (gpu == nullptr) {
      continue;
    }
    const auto& g = *gpu;
    out_line(ctx, "");
    out_line(ctx, head(fmt::format("GPU node {}", n.hostname)));
    out_line(ctx, fmt::format("  schematic  {} ({})", g.schematic_id.empty() ? "unknown" : g.schematic_id,
                              nvidia::evidence_name(g.evidence)));
    out_line(ctx, fmt::format("  installer  {}", g.installer.empty() ? "unknown" : g.installer));
    out_line(ctx, fmt::format("  driver     {}{}", g.driver.empty() ? "unknown" : g.driver,
                              g.toolkit.empty() ? "" : fmt::format(" (container toolkit {})", g.toolkit)));
    out_line(ctx, fmt::format("  CUDA       up to {}", g.cuda.empty() ? "unknown" : g.cuda));
    if (auto sit = st.summaries.find(n.hostname); sit != st.summaries.end() && !sit->second->taints.empty()) {
      out_line(ctx, fmt::format("  taints     {} via {}", fmt::join(sit->second->taints, ", "),
                                sit->second->taints_placement));
    }
    for (const auto& u : g.unverified) {
      out_line(ctx, fmt::format("  unverified {}", u));
    }
  }
}

void print_configs_text(Context& ctx, const PlanState& st) {
  auto head = [&](std::string_view t) { return styled(t, TextStyle::bold, ctx.color_out); };
  if (st.generated) {
    out_line(ctx, head(fmt::format("machine configs ({} files in {})", st.generated->written.size(), st.scratch)));
    if (st.throwaway_secrets) {
      out_line(ctx, "  no talsecret*.yaml next to talconfig.yaml: generated with a throwaway secrets bundle");
      out_line(ctx, "  (run 'talgpu gensecret -o talsecret.yaml' and keep it, SOPS-encrypted, with the cluster)");
    }
    for (const auto& s : st.generated->nodes) {
      out_line(ctx, fmt::format("  {:<12} {}  image {}", s.hostname, s.file, s.install_image));
    }
  } else {
    out_line(ctx, head("machine configs: not generated (fix the errors in talconfig.yaml first)"));
  }
}

void print_check_text(Context& ctx, const PlanState& st) {
  auto head = [&](std::string_view t) { return styled(t, TextStyle::bold, ctx.color_out); };
  const auto& checked = st.checked;
  const check::Placement* gpu_test = nullptr;
  size_t errors = checked.findings.count(Severity::error);
  size_t warnings = checked.findings.count(Severity::warning);
  auto count = [](size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); };
  out_line(ctx, head(fmt::format("check: {} on {} ({}): {}, {}", count(checked.placements.size(), "workload"),
                                 count(checked.nodes.size(), "node"), count(checked.node_shapes, "shape"),
                                 count(errors, "error"), count(warnings, "warning"))));
  std::string placements = check::render_placements_text(checked);
  fmt::print(ctx.out, "{}", placements);
  for (const auto& p : checked.placements) {
    if (p.object != nullptr && p.object->name == "gpu-test") {
      gpu_test = &p;
    }
  }
  if (gpu_test != nullptr) {
    out_line(ctx, "");
    out_line(ctx, fmt::format("GPU test pod {} runs on: {}", gpu_test->workload,
                              gpu_test->fits.empty() ? "no node" : fmt::format("{}", fmt::join(gpu_test->fits, ", "))));
  }
}

}  // namespace

int run_plan(Context& ctx, const std::string& dir, const std::string& scratch_arg) {
  if (!is_directory(dir)) {
    throw Abort(fmt::format("'{}' is not a folder", dir), k_exit_usage);
  }
  std::string talconfig = join_path(dir, "talconfig.yaml");
  nlohmann::ordered_json report;
  report["dir"] = dir;

  // A talconfig.yaml that cannot be loaded stops the plan with exit 2, its diagnostic on stderr
  // (or in the JSON report).
  auto stop_unreadable = [&](Diagnostics d) {
    if (ctx.json()) {
      report["diagnostics"] = nlohmann::ordered_json::parse(render_json(d));
      fmt::print(ctx.out, "{}\n", report.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    } else {
      print_diagnostics(ctx, d);
    }
    return k_exit_usage;
  };
  std::error_code talconfig_ec;
  // symlink_status: a dangling or looping talconfig.yaml is unreadable, not absent.
  if (fs::symlink_status(talconfig, talconfig_ec).type() == fs::file_type::not_found) {
    Diagnostics d;
    d.error("plan-no-talconfig", fmt::format("no talconfig.yaml in '{}'", dir), {},
            "talgpu plan reads a cluster folder: talconfig.yaml plus the GitOps manifests");
    return stop_unreadable(std::move(d));
  }
  if (auto d = unusable_talconfig(talconfig)) {
    return stop_unreadable(std::move(*d));
  }

  // 1. Declare: talhelper semantics (env files, substitution, SOPS, group merge, validation).
  Diagnostics diags;
  talhelper::LoadOptions lo;
  lo.path = talconfig;
  auto loaded = talhelper::load_talconfig(lo, diags);
  if (!loaded) {
    Diagnostics d = diags;
    d.error(loaded.error().rule.empty() ? "talconfig-load" : loaded.error().rule, loaded.error().message,
            loaded.error().location);
    return stop_unreadable(std::move(d));
  }
  PlanState st{*loaded, std::move(diags)};
  const talhelper::TalConfig& cfg = st.cfg;
  bool declaration_ok = !st.diags.has_errors();

  // 2. Prove: manifests and the check (which also analyses each node's schematic and driver).
  kube::ManifestLoadOptions mo;
  mo.paths = {dir};
  auto manifests = kube::load_manifests(mo, st.diags);
  if (!manifests) {
    Diagnostics d = st.diags;
    d.error(manifests.error().rule.empty() ? "manifest-read" : manifests.error().rule, manifests.error().message,
            manifests.error().location);
    return stop_unreadable(std::move(d));
  }
  check::CheckInputs in;
  in.config = &cfg;
  in.manifests = &*manifests;
  st.checked = check::run_check(in);

  st.scratch = scratch_arg.empty() ? make_scratch_dir() : scratch_arg;
  st.throwaway_secrets = !talos::find_secrets_file(cfg.dir).has_value();
  if (declaration_ok) {
    generate_configs(st);
  }
  merge_check_findings(st);

  // Per-node facts, joined from the three stages.
  for (const auto& n : st.checked.nodes) {
    if (n.declared != nullptr) {
      st.checked_nodes[n.declared->hostname] = &n;
    }
  }
  if (st.generated) {
    for (const auto& s : st.generated->nodes) {
      st.summaries[s.hostname] = &s;
    }
  }
  if (ctx.json()) {
    print_plan_json(ctx, st, report);
  } else {
    print_nodes_text(ctx, st);
    out_line(ctx, "");
    print_configs_text(ctx, st);
    out_line(ctx, "");
    print_check_text(ctx, st);
    print_diagnostics(ctx, st.diags);
  }
  return st.diags.has_errors() ? k_exit_findings : k_exit_ok;
}

}  // namespace talgpu
