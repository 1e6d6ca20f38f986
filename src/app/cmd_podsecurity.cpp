// `talgpu podsecurity --level L [--version V] FILE...`: would these pods (or the pod templates of
// these workloads) be admitted by Pod Security Admission at level L and version V? The checks are
// kube/podsecurity.hpp's mirror of kubernetes/pod-security-admission, so the violations read as
// the API server writes them. Exit 1 when any object is denied or an input is malformed.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <core/error.hpp>
#include <core/fs.hpp>
#include <core/term.hpp>
#include <kube/manifest_loader.hpp>
#include <kube/podsecurity.hpp>
#include <yaml/document.hpp>

namespace talgpu {

namespace {

struct Options {
  std::string level;
  std::string version = "latest";
  std::vector<std::string> files;
};

struct ObjectResult {
  std::string name;  // "Pod default/x"
  SourceLocation location;  // the object's document: file and line
  kube::PsaResult result;
};

struct FileResult {
  std::string file;
  std::vector<ObjectResult> objects;
  bool allowed() const {
    for (const auto& o : objects) {
      if (!o.result.allowed) {
        return false;
      }
    }
    return true;
  }
};

int run_podsecurity(Context& ctx, const Options& opts) {
  auto level = kube::parse_psa_level(opts.level);
  if (!level) {
    throw Abort(fmt::format("unknown level '{}' (expected privileged, baseline or restricted)", opts.level),
                k_exit_usage);
  }
  auto version = kube::parse_psa_version(opts.version);
  if (!version) {
    throw Abort(fmt::format("invalid version '{}' (expected latest or v1.N, e.g. v1.28)", opts.version), k_exit_usage);
  }
  kube::PsaPolicy policy{*level, *version};

  Diagnostics diags;
  std::vector<FileResult> results;
  for (const auto& file : opts.files) {
    if (!is_stdin_path(file) && (!file_exists(file) || is_directory(file))) {
      throw Abort(fmt::format("{}: no such file", file), k_exit_usage);
    }
    auto docs = yaml::parse_file(file);
    if (!docs && (docs.error().rule == "io-read" || docs.error().rule == "io-too-large")) {
      throw Abort(docs.error().describe(), k_exit_usage);  // unreadable input: exit 2, as documented
    }
    if (!docs) {
      const Error& e = docs.error();
      diags.error(e.rule.empty() ? "yaml-syntax" : e.rule, e.message, e.location);
      continue;
    }
    FileResult fr;
    fr.file = file;
    kube::Manifests m;
    for (const auto& d : *docs) {
      kube::add_document(d.root, file, m, diags);
    }
    for (const auto& w : m.workloads) {
      fr.objects.push_back({w.display_name(), w.location, kube::evaluate_pod_security(w.pod, policy)});
    }
    if (fr.objects.empty()) {
      diags.error("podsecurity-no-pods", "no Pod or workload with a pod template found",
                  SourceLocation{file, 0, 0});
      continue;
    }
    results.push_back(std::move(fr));
  }

  bool denied = false;
  for (const auto& r : results) {
    denied = denied || !r.allowed();
  }
  // One verdict per object, located at its document (file:line), as the API server judges each
  // object on its own.
  auto where = [](const ObjectResult& o, const std::string& file) {
    return o.location.line > 0 ? fmt::format("{}:{}", file, o.location.line) : file;
  };
  if (ctx.json()) {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& r : results) {
      for (const auto& o : r.objects) {
        nlohmann::ordered_json j;
        j["file"] = r.file;
        j["line"] = o.location.line;
        j["object"] = o.name;
        j["allowed"] = o.result.allowed;
        nlohmann::ordered_json vs = nlohmann::ordered_json::array();
        for (const auto& v : o.result.violations) {
          vs.push_back({{"check", v.check}, {"reason", v.reason}, {"detail", v.detail}});
        }
        j["violations"] = vs;
        arr.push_back(j);
      }
    }
    fmt::print(ctx.out, "{}\n", arr.dump(2));
  } else {
    for (const auto& r : results) {
      for (const auto& o : r.objects) {
        std::string who = fmt::format("{}: {}", where(o, r.file), o.name);
        if (o.result.allowed) {
          fmt::print(ctx.out, "{}: {} ({})\n", terminal_safe(who), styled("allowed", TextStyle::good, ctx.color_out), policy.str());
          continue;
        }
        fmt::print(ctx.out, "{}: {} ({})\n", terminal_safe(who), styled("denied", TextStyle::error, ctx.color_out), policy.str());
        for (const auto& v : o.result.violations) {
          fmt::print(ctx.out, "  {}{} [{}]\n", terminal_safe(v.reason),
                     v.detail.empty() ? "" : fmt::format(" ({})", terminal_safe(v.detail)), v.check);
        }
      }
    }
  }
  print_diagnostics(ctx, diags);
  return denied || diags.has_errors() ? k_exit_findings : k_exit_ok;
}

}  // namespace

void setup_podsecurity(CLI::App& app, Context& ctx, CommandRun& run) {
  auto opts = std::make_shared<Options>();
  app.add_option("--level", opts->level, "Pod Security level: privileged, baseline or restricted")
      ->required()
      ->check(CLI::IsMember({"privileged", "baseline", "restricted"}));
  app.add_option("--version", opts->version, "Policy version: latest (default) or v1.N");
  app.add_option("files", opts->files, "Manifest files with Pods or workloads ('-': standard input)")->required();
  app.footer(
      "One verdict per object (file:line), as the API server's Pod Security admission would give it.\n"
      "\nExamples:\n"
      "  talgpu podsecurity --level baseline deploy/gpu-job.yaml\n"
      "  kubectl kustomize apps/ | talgpu podsecurity --level restricted --version v1.30 -");
  run = [&ctx, opts]() -> int { return run_podsecurity(ctx, *opts); };
}

}  // namespace talgpu
