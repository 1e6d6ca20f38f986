#include <app/plan.hpp>
#include <app/load_config.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <check/check.hpp>
#include <check/policy.hpp>
#include <check/render.hpp>
#include <core/fs.hpp>
#include <core/strings.hpp>
#include <gitops/manifests.hpp>
#include <gitops/tree.hpp>
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

// A fresh private scratch folder for the generated configs (mkdtemp: mode 0700).
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

// The committed `talgpu manifests` tree of the cluster folder, regenerated with the flags in its
// header and compared; nullopt when the folder has no such tree (gitops/infrastructure/nvidia with
// a generated kustomization.yaml).
struct ManifestsState {
  std::string out_rel;
  gitops::ManifestOptions opts;
  gitops::TreeStatus status;
  std::string error;  // why it could not be regenerated
};

std::optional<ManifestsState> committed_manifests(const talhelper::TalConfig& cfg, const std::string& dir) {
  ManifestsState st;
  st.out_rel = "gitops/infrastructure/nvidia";
  auto head = read_file(join_path(join_path(dir, st.out_rel), "kustomization.yaml"), 4096);
  if (!head || !gitops::parse_header(*head, st.opts) || st.opts.out_rel != st.out_rel) {
    return std::nullopt;
  }
  Diagnostics ignored;  // the check reports the same GPU analysis
  auto tree = gitops::generate_manifests(cfg, st.opts, ignored);
  if (!tree) {
    st.error = tree.error().message;
    return st;
  }
  auto status = gitops::compare_tree(join_path(dir, st.out_rel), tree->files);
  if (!status) {
    st.error = status.error().message;
    return st;
  }
  st.status = std::move(*status);
  return st;
}

void print_manifests_state(Context& ctx, const ManifestsState& st) {
  out_line(ctx, "");
  std::string title = fmt::format("GitOps manifests ({})", st.out_rel);
  if (!st.error.empty()) {
    out_line(ctx, styled(fmt::format("{}: cannot regenerate: {}", title, st.error), TextStyle::bold, ctx.color_out));
    return;
  }
  std::vector<std::string> differ;
  for (const auto& f : st.status.files) {
    if (f.state != gitops::FileState::unchanged) {
      differ.push_back(fmt::format("{} ({})", f.name, gitops::file_state_name(f.state)));
    }
  }
  out_line(ctx, styled(differ.empty() ? fmt::format("{}: up to date, {} files", title, st.status.files.size())
                                      : fmt::format("{}: stale, {} of {} files differ", title, differ.size(),
                                                    st.status.files.size()),
                       TextStyle::bold, ctx.color_out));
  for (const auto& d : differ) {
    out_line(ctx, "  " + d);
  }
  out_line(ctx, fmt::format("  {} {}", differ.empty() ? "written by" : "regenerate:",
                            gitops::regenerate_command(st.opts)));
}

// What the plan learned, stage by stage, for the printers.
struct PlanState {
  const talhelper::TalConfig& cfg;
  Diagnostics diags;
  check::CheckReport checked;
  std::string scratch;
  bool kept = true;  // false: the scratch folder is removed when the plan ends
  std::optional<talhelper::GenconfigResult> generated;
  bool throwaway_secrets = false;
  std::map<std::string, const check::NodeInfo*> checked_nodes;         // by hostname, declared nodes
  std::map<std::string, const talhelper::NodeSummary*> summaries;      // by hostname
  std::optional<ManifestsState> manifests;  // the committed talgpu manifests tree, when there is one

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
    if (d.rule == "worker-taint-via-register" && registered.count(d.location.str()) != 0) {
      continue;
    }
    st.diags.add(d);
  }
  st.diags.sort();
}

// The plan-specific keys of the findings document (docs/schemas/plan.schema.json).
void plan_json_body(const PlanState& st, nlohmann::ordered_json& report) {
  const talhelper::TalConfig& cfg = st.cfg;
  const auto& summaries = st.summaries;
  const auto& generated = st.generated;
  const auto& scratch = st.scratch;
  const bool throwaway_secrets = st.throwaway_secrets;
  const auto& checked = st.checked;
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
  report["configs"] = {{"dir", generated && st.kept ? scratch : ""},
                       {"kept", generated.has_value() && st.kept},
                       {"throwawaySecrets", throwaway_secrets},
                       {"files", generated ? generated->written : std::vector<std::string>{}}};
  if (st.manifests) {
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (const auto& f : st.manifests->status.files) {
      files.push_back({{"name", f.name}, {"state", gitops::file_state_name(f.state)}});
    }
    report["manifests"] = {{"dir", st.manifests->out_rel},
                           {"command", gitops::regenerate_command(st.manifests->opts)},
                           {"stale", !st.manifests->error.empty() || st.manifests->status.stale()},
                           {"files", files}};
  }
  report["check"] = {{"workloads", checked.placements.size()},
                     {"nodes", checked.nodes.size()},
                     {"nodeShapes", checked.node_shapes}};
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
    out_line(ctx, st.kept ? head(fmt::format("machine configs ({} files, kept in {})", st.generated->written.size(),
                                             st.scratch))
                          : head(fmt::format("machine configs ({} files, built in a temporary folder that is removed "
                                             "at exit; --keep keeps them)",
                                             st.generated->written.size())));
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

// The nodes the GPU test pod fits: every name for a small fleet, else the count and the first few.
std::string gpu_test_nodes(const check::Placement& p) {
  if (p.fits.empty()) {
    return p.pending.empty() ? std::string("no node") : p.pending;
  }
  const bool small = p.fits.fleet->names.size() <= check::k_placement_detail_nodes;
  const check::PlacementSummary sum = p.summarize(small ? check::k_placement_detail_nodes : check::k_placement_sample_text);
  std::vector<std::string> names;
  for (size_t i : sum.fit_nodes) {
    names.push_back(p.fits.fleet->names[i]);
  }
  std::string s = fmt::format("{}", fmt::join(names, ", "));
  if (sum.fit_count > names.size()) {
    s = fmt::format("{} of {} nodes: {}, ... ({} more)", sum.fit_count, sum.total, s, sum.fit_count - names.size());
  }
  return s;
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
  check::PlacementDetail detail;
  detail.all = ctx.verbosity > 0;
  std::string placements = check::render_placements_text(checked, detail);
  fmt::print(ctx.out, "{}", placements);
  for (const auto& p : checked.placements) {
    if (p.object != nullptr && p.object->name == "gpu-test") {
      gpu_test = &p;
    }
  }
  if (gpu_test != nullptr) {
    out_line(ctx, "");
    out_line(ctx, fmt::format("GPU test pod {} runs on: {}", gpu_test->workload, gpu_test_nodes(*gpu_test)));
  }
}

// The talconfig the plan reads: absent (a dangling or looping link is unreadable, not absent:
// symlink_status) or unusable gives the diagnostics that stop the plan.
std::optional<Diagnostics> missing_or_unusable_talconfig(const std::string& talconfig, const std::string& dir,
                                                         bool named_by_flag) {
  std::error_code ec;
  if (fs::symlink_status(talconfig, ec).type() == fs::file_type::not_found) {
    Diagnostics d;
    if (!named_by_flag) {
      d.error("plan-no-talconfig", fmt::format("no talconfig.yaml in '{}'", dir), {},
              "talgpu plan reads a cluster folder: talconfig.yaml plus the GitOps manifests");
    } else {
      d.error("plan-no-talconfig", fmt::format("{}: no such file", talgpu::quoted(talconfig)), {},
              "-c names the talconfig file; the manifests are read from its folder (or DIR when given)");
    }
    return d;
  }
  return unusable_talconfig(talconfig);
}

// A committed manifests tree that is not what the declaration generates is a warning.
void warn_stale_manifests(PlanState& st, const std::string& dir) {
  if (!st.manifests || (st.manifests->error.empty() && !st.manifests->status.stale())) {
    return;
  }
  st.diags.warning("manifests-stale",
                   fmt::format("{} is not what talconfig.yaml generates{}", st.manifests->out_rel,
                               st.manifests->error.empty() ? "" : ": " + st.manifests->error),
                   SourceLocation{join_path(join_path(dir, st.manifests->out_rel), "kustomization.yaml"), 0, 0},
                   fmt::format("run '{}' in {}", gitops::regenerate_command(st.manifests->opts), dir));
}

// Per-node facts, joined from the three stages.
void join_node_facts(PlanState& st) {
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
}

void print_plan_text(Context& ctx, const PlanState& st) {
  if (ctx.quiet()) {
    print_diagnostics(ctx, st.diags);
    return;
  }
  print_nodes_text(ctx, st);
  out_line(ctx, "");
  print_configs_text(ctx, st);
  if (st.manifests) {
    print_manifests_state(ctx, *st.manifests);
  }
  out_line(ctx, "");
  print_check_text(ctx, st);
  print_diagnostics(ctx, st.diags);
}

}  // namespace

int run_plan(Context& ctx, const std::string& dir, const PlanOptions& o) {
  nlohmann::ordered_json report;
  report["dir"] = dir;
  check::RunOutcome outcome;
  outcome.command = "plan";
  // Machine output is one whole document on every exit, 2 included.
  auto print_document = [&](const Diagnostics& d, const check::CheckReport* checked) {
    if (ctx.output == OutputFormat::sarif) {
      fmt::print(ctx.out, "{}", check::render_sarif(d, outcome));
    } else {
      fmt::print(ctx.out, "{}", check::render_findings_json(d, checked, outcome, &report));
    }
  };
  // A talconfig.yaml that cannot be loaded stops the plan with exit 2, its diagnostic on stderr
  // (or in the JSON/SARIF document).
  auto stop_unreadable = [&](Diagnostics d) {
    if (ctx.output != OutputFormat::text) {
      outcome.success = false;
      outcome.failure = d.empty() ? "stopped" : d.items().back().message;
      print_document(d, nullptr);
    } else {
      print_diagnostics(ctx, d);
    }
    return k_exit_usage;
  };
  if (!is_directory(dir)) {
    if (ctx.output == OutputFormat::text) {
      throw Abort(fmt::format("'{}' is not a folder", dir), k_exit_usage);
    }
    Diagnostics d;
    d.error("plan-not-a-folder", fmt::format("'{}' is not a folder", dir));
    return stop_unreadable(std::move(d));
  }
  Diagnostics policy_diags;
  check::Policy policy;
  if (auto file = o.project_file.empty() ? check::find_project_file(dir) : std::optional(o.project_file)) {
    verbose(ctx, fmt::format("project file: {}", *file));
    auto p = check::load_policy(*file, policy_diags);
    if (!p) {
      Diagnostics d;
      d.error(p.error().rule.empty() ? "project-file" : p.error().rule, p.error().describe());
      return stop_unreadable(std::move(d));
    }
    policy = std::move(*p);
  }
  outcome.policy = &policy;
  const std::string talconfig = o.talconfig.empty() ? join_path(dir, "talconfig.yaml") : o.talconfig;
  if (auto d = missing_or_unusable_talconfig(talconfig, dir, !o.talconfig.empty())) {
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
  verbose_declaration(ctx, *loaded);
  PlanState st{*loaded, std::move(diags)};
  const talhelper::TalConfig& cfg = st.cfg;
  bool declaration_ok = !st.diags.has_errors();

  // 2. Prove: manifests and the check (which also analyses each node's schematic and driver).
  kube::ManifestLoadOptions mo;
  mo.paths = {dir};
  mo.repo_root = o.repo_root;
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

  // The configs are built from the real (decrypted) secrets bundle: a folder talgpu made is removed
  // when the plan ends (and on SIGINT/SIGTERM/SIGHUP), unless --keep; a --scratch folder is the
  // user's and stays.
  std::optional<ScratchDir> scratch_guard;
  if (o.scratch.empty()) {
    scratch_guard.emplace(make_scratch_dir());
    if (o.keep) {
      scratch_guard->keep();
    }
  }
  st.scratch = scratch_guard ? scratch_guard->path() : o.scratch;
  st.kept = !scratch_guard || o.keep;
  st.throwaway_secrets = !talos::find_secrets_file(cfg.dir).has_value();
  if (declaration_ok) {
    generate_configs(st);
  }
  st.manifests = committed_manifests(cfg, dir);
  warn_stale_manifests(st, dir);
  merge_check_findings(st);
  st.diags.append(policy_diags);
  if (size_t suppressed = check::apply_policy(st.diags, policy, &*manifests)) {
    verbose(ctx, fmt::format("{} finding(s) suppressed by the project file or talgpu.dev/ignore annotations",
                             suppressed));
  }
  st.diags.sort();

  join_node_facts(st);
  if (ctx.output != OutputFormat::text) {
    plan_json_body(st, report);
    print_document(st.diags, &st.checked);
  } else {
    print_plan_text(ctx, st);
  }
  check::FailOn threshold = policy.fail_on.value_or(check::FailOn::error);
  if (auto f = check::parse_fail_on(o.fail_on)) {
    threshold = *f;
  }
  return check::fails(st.diags, threshold) ? k_exit_findings : k_exit_ok;
}

}  // namespace talgpu
