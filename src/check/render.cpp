#include <check/render.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/term.hpp>

#include <check/rules.hpp>

namespace talgpu::check {

namespace {

const char* sarif_level(Severity s) {
  switch (s) {
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::note:
      return "note";
  }
  return "note";
}

}  // namespace

std::string render_placements_text(const CheckReport& report) {
  std::string s;
  if (report.placements.empty()) {
    return s;
  }
  s += "placement:\n";
  for (const auto& p : report.placements) {
    std::string fits;
    p.for_each_node([&](const std::string& name, const std::string& reason) {
      if (reason.empty()) {
        if (!fits.empty()) {
          fits += ", ";
        }
        fits += terminal_safe(name);
      }
    });
    s += "  ";
    s += terminal_safe(p.workload);
    s += " -> ";
    s += !fits.empty() ? fits : !p.pending.empty() ? p.pending : std::string("(no node)");
    s += '\n';
    const std::string* last = nullptr;  // a repeated name is listed once, with its first reason
    p.for_each_node([&](const std::string& name, const std::string& reason) {
      if (!reason.empty() && (last == nullptr || *last != name)) {
        s += "      ";
        s += terminal_safe(name);
        s += ": ";
        s += terminal_safe(reason);
        s += '\n';
        last = &name;
      }
    });
  }
  return s;
}

std::string render_report_text(const CheckReport& report, const RenderOptions& opts) {
  std::string s = render_text(report.findings, opts);
  std::string summary = summary_line(report.findings);
  s += summary.empty() ? "no findings\n" : summary + "\n";
  std::string table = render_placements_text(report);
  if (!table.empty()) {
    s += "\n" + table;
  }
  return s;
}

namespace {

nlohmann::ordered_json finding_json(const Diagnostic& d) {
  return {{"rule", d.rule},
          {"severity", severity_name(d.severity)},
          {"message", d.message},
          {"file", d.location.file.str()},
          {"line", d.location.line},
          {"column", d.location.column},
          {"hint", d.hint.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(d.hint)}};
}

// Appends the placements array (O(workloads x nodes) bytes) in the exact layout of nlohmann's
// dump(2) (strings escaped by nlohmann), each node name escaped once.
void append_placements(std::string& out, const CheckReport& report) {
  const auto& fleet = *report.placements.front().fits.fleet;
  std::vector<std::string> names;
  names.reserve(fleet.names.size());
  for (const auto& n : fleet.names) {
    names.push_back(nlohmann::ordered_json(n).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  }
  std::unordered_map<std::string, std::string> escaped_reasons;
  auto escaped = [&](const std::string& r) -> const std::string& {
    auto it = escaped_reasons.find(r);
    if (it == escaped_reasons.end()) {
      it = escaped_reasons.emplace(r, nlohmann::ordered_json(r).dump(-1, ' ', false,
                                                                      nlohmann::ordered_json::error_handler_t::replace))
               .first;
    }
    return it->second;
  };
  out += "[\n";
  bool first_p = true;
  for (const auto& p : report.placements) {
    out += first_p ? "    {\n" : ",\n    {\n";
    first_p = false;
    out += "      \"workload\": ";
    out += nlohmann::ordered_json(p.workload).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    out += ",\n      \"fits\": ";
    bool any = false;
    for (size_t i : fleet.by_name) {
      if (p.fits_node(i)) {
        out += any ? ",\n        " : "[\n        ";
        out += names[i];
        any = true;
      }
    }
    out += any ? "\n      ]" : "[]";
    if (!p.pending.empty()) {
      out += ",\n      \"pending\": ";
      out += nlohmann::ordered_json(p.pending).dump();
    }
    out += ",\n      \"rejected\": ";
    any = false;
    const std::string* last = nullptr;  // a repeated name is listed once, with its first reason
    for (size_t i : fleet.by_name) {
      const std::string& r = p.reason_of(i);
      if (r.empty() || (last != nullptr && *last == fleet.names[i])) {
        continue;
      }
      last = &fleet.names[i];
      out += any ? ",\n        " : "{\n        ";
      out += names[i];
      out += ": ";
      out += escaped(r);
      any = true;
    }
    out += any ? "\n      }\n    }" : "{}\n    }";
  }
  out += "\n  ]\n}\n";
}

}  // namespace

std::string render_findings_json(const Diagnostics& findings, const CheckReport* report, const RunOutcome& outcome,
                                 const nlohmann::ordered_json* body) {
  nlohmann::ordered_json j;
  j["schemaVersion"] = k_findings_schema_version;
  j["tool"] = {{"name", "talgpu"}, {"version", TALGPU_VERSION}};
  j["command"] = outcome.command;
  j["success"] = outcome.success;
  if (!outcome.success) {
    j["failure"] = outcome.failure;
  }
  j["summary"] = {{"errors", findings.count(Severity::error)},
                  {"warnings", findings.count(Severity::warning)},
                  {"notes", findings.count(Severity::note)}};
  if (body != nullptr) {
    for (const auto& [k, v] : body->items()) {
      j[k] = v;
    }
  }
  j["findings"] = nlohmann::ordered_json::array();
  for (const auto& d : findings.items()) {
    j["findings"].push_back(finding_json(d));
  }
  j["placements"] = nlohmann::ordered_json::array();
  // Messages quote user input, which may hold invalid UTF-8: replace it rather than throw.
  std::string out = j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  if (report == nullptr || report->placements.empty()) {
    return out + "\n";
  }
  constexpr std::string_view k_tail = "[]\n}";
  out.resize(out.size() - k_tail.size());
  append_placements(out, *report);
  return out;
}

std::string render_report_json(const CheckReport& report) {
  return render_findings_json(report.findings, &report, RunOutcome{});
}

std::string sarif_uri(const std::string& path, const std::string& base, bool& relative) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec).lexically_normal();
  fs::path b = fs::absolute(base.empty() ? fs::current_path(ec) : fs::path(base), ec).lexically_normal();
  fs::path rel = abs.lexically_relative(b);
  relative = !rel.empty() && *rel.begin() != "..";
  std::string p = relative ? rel.generic_string() : abs.generic_string();
  // RFC 3986: unreserved characters and '/' stay; everything else is percent-encoded.
  std::string out = relative ? "" : "file://";
  for (unsigned char c : p) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

namespace {

nlohmann::ordered_json sarif_rules(const Diagnostics& findings, const RunOutcome& outcome,
                                   std::map<std::string, size_t>& index) {
  using json = nlohmann::ordered_json;
  // Rules: the catalogue, plus ids reported by the loaders and the GPU analysis, sorted.
  std::vector<std::string> ids = rule_ids();
  std::map<std::string, Severity> first_level;
  for (const auto& d : findings.items()) {
    first_level.emplace(d.rule, d.severity);
    if (find_rule(d.rule) == nullptr && std::find(ids.begin(), ids.end(), d.rule) == ids.end()) {
      ids.push_back(d.rule);
    }
  }
  std::sort(ids.begin(), ids.end());
  static const Policy k_no_policy;
  const Policy& policy = outcome.policy ? *outcome.policy : k_no_policy;
  json rules = json::array();
  for (const auto& id : ids) {
    index[id] = rules.size();
    json r;
    r["id"] = id;
    const RuleInfo* info = find_rule(id);
    // The level a finding of this rule is emitted at: the project's override, else the level it
    // was reported at here, else the catalogue's.
    auto it = first_level.find(id);
    Severity dflt = it != first_level.end() ? it->second : (info ? info->severity : Severity::warning);
    auto level = it != first_level.end() ? std::optional<Severity>(dflt) : effective_severity(policy, id, dflt);
    if (info != nullptr) {
      r["shortDescription"] = {{"text", info->summary}};
      r["fullDescription"] = {{"text", info->why}};
      std::string help = fmt::format("{}\n\nFix: {}", info->why, info->fix);
      if (info->snippet[0] != '\0') {
        help += fmt::format("\n\n{}", info->snippet);
      }
      r["help"] = {{"text", help}};
    } else {
      r["shortDescription"] = {{"text", id}};
      r["help"] = {{"text", fmt::format("Run 'talgpu explain {}' or see the talgpu README.", id)}};
    }
    r["defaultConfiguration"] = level ? json{{"level", sarif_level(*level)}} : json{{"enabled", false}};
    rules.push_back(std::move(r));
  }
  return rules;
}

}  // namespace

std::string render_sarif(const Diagnostics& findings, const RunOutcome& outcome) {
  using json = nlohmann::ordered_json;
  std::map<std::string, size_t> index;
  json rules = sarif_rules(findings, outcome, index);
  json results = json::array();
  for (const auto& d : findings.items()) {
    json res;
    res["ruleId"] = d.rule;
    res["ruleIndex"] = index[d.rule];
    res["level"] = sarif_level(d.severity);
    res["message"] = {{"text", d.hint.empty() ? d.message : fmt::format("{}\nhint: {}", d.message, d.hint)}};
    if (!d.location.file.empty()) {
      json phys;
      bool relative = false;
      std::string uri = sarif_uri(d.location.file.str(), outcome.base_dir, relative);
      phys["artifactLocation"] = relative ? json{{"uri", uri}, {"uriBaseId", "%SRCROOT%"}} : json{{"uri", uri}};
      if (d.location.line > 0) {
        json region;
        region["startLine"] = d.location.line;
        if (d.location.column > 0) {
          region["startColumn"] = d.location.column;
        }
        phys["region"] = std::move(region);
      }
      res["locations"] = json::array({{{"physicalLocation", std::move(phys)}}});
    }
    results.push_back(std::move(res));
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path base = fs::absolute(outcome.base_dir.empty() ? fs::current_path(ec) : fs::path(outcome.base_dir), ec);
  bool ignored_relative = false;
  std::string base_uri = sarif_uri(base.lexically_normal().string(), "/nonexistent-base", ignored_relative);
  if (base_uri.empty() || base_uri.back() != '/') {
    base_uri += '/';  // SARIF §3.14.14: a base URI ends with a slash
  }
  json run;
  json driver = {{"name", "talgpu"}, {"version", TALGPU_VERSION}};
  // The project's home page, set at build time (-DTALGPU_HOMEPAGE=...); SARIF makes it optional and
  // a made-up address would send users nowhere, so it is left out when unset.
  if (std::string_view(TALGPU_HOMEPAGE).size() > 0) {
    driver["informationUri"] = TALGPU_HOMEPAGE;
  }
  driver["rules"] = std::move(rules);
  run["tool"] = {{"driver", std::move(driver)}};
  run["originalUriBaseIds"] = {{"%SRCROOT%", {{"uri", base_uri}}}};
  json invocation;
  invocation["executionSuccessful"] = outcome.success;
  if (!outcome.success) {
    invocation["toolExecutionNotifications"] =
        json::array({{{"level", "error"}, {"message", {{"text", outcome.failure}}}}});
  }
  run["invocations"] = json::array({std::move(invocation)});
  run["results"] = std::move(results);
  json doc;
  doc["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  doc["version"] = "2.1.0";
  doc["runs"] = json::array({std::move(run)});
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string render_report_sarif(const CheckReport& report) {
  return render_sarif(report.findings, RunOutcome{});
}

}  // namespace talgpu::check
