#include <check/render.hpp>

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
    for (const auto& n : p.fits) {
      fits += fits.empty() ? n : ", " + n;
    }
    s += fmt::format("  {} -> {}\n", p.workload, fits.empty() ? "(no node)" : fits);
    for (const auto& [node, reason] : p.rejected) {
      s += fmt::format("      {}: {}\n", node, reason);
    }
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

std::string render_report_json(const CheckReport& report) {
  nlohmann::ordered_json j;
  j["findings"] = nlohmann::ordered_json::array();
  for (const auto& d : report.findings.items()) {
    j["findings"].push_back({{"rule", d.rule},
                             {"severity", severity_name(d.severity)},
                             {"message", d.message},
                             {"file", d.location.file},
                             {"line", d.location.line},
                             {"column", d.location.column}});
  }
  j["placements"] = nlohmann::ordered_json::array();
  for (const auto& p : report.placements) {
    nlohmann::ordered_json rejected = nlohmann::ordered_json::object();
    for (const auto& [node, reason] : p.rejected) {
      rejected[node] = reason;
    }
    j["placements"].push_back({{"workload", p.workload}, {"fits", p.fits}, {"rejected", rejected}});
  }
  return j.dump(2) + "\n";
}

std::string render_report_sarif(const CheckReport& report) {
  using json = nlohmann::ordered_json;
  // Rules: the catalogue, plus ids reported by the loaders and the GPU analysis, sorted.
  std::vector<std::string> ids = rule_ids();
  std::set<std::string> extra;
  for (const auto& d : report.findings.items()) {
    if (find_rule(d.rule) == nullptr) {
      extra.insert(d.rule);
    }
  }
  ids.insert(ids.end(), extra.begin(), extra.end());
  std::sort(ids.begin(), ids.end());
  std::map<std::string, size_t> index;
  json rules = json::array();
  for (const auto& id : ids) {
    index[id] = rules.size();
    json r;
    r["id"] = id;
    if (const RuleInfo* info = find_rule(id)) {
      r["shortDescription"] = {{"text", info->summary}};
      r["fullDescription"] = {{"text", info->why}};
      std::string help = fmt::format("{}\n\nFix: {}", info->why, info->fix);
      if (info->snippet[0] != '\0') {
        help += fmt::format("\n\n{}", info->snippet);
      }
      r["help"] = {{"text", help}};
      r["defaultConfiguration"] = {{"level", sarif_level(info->severity)}};
    } else {
      r["shortDescription"] = {{"text", id}};
      r["help"] = {{"text", fmt::format("run 'talgpu explain {}' or see the talgpu documentation", id)}};
    }
    rules.push_back(std::move(r));
  }
  json results = json::array();
  for (const auto& d : report.findings.items()) {
    json res;
    res["ruleId"] = d.rule;
    res["ruleIndex"] = index[d.rule];
    res["level"] = sarif_level(d.severity);
    res["message"] = {{"text", d.message}};
    if (!d.location.file.empty()) {
      json phys;
      phys["artifactLocation"] = {{"uri", d.location.file}};
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
  json run;
  run["tool"] = {{"driver",
                  {{"name", "talgpu"},
                   {"version", TALGPU_VERSION},
                   {"informationUri", "https://github.com/talgpu/talgpu"},
                   {"rules", std::move(rules)}}}};
  run["results"] = std::move(results);
  json doc;
  doc["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  doc["version"] = "2.1.0";
  doc["runs"] = json::array({std::move(run)});
  return doc.dump(2) + "\n";
}

}  // namespace talgpu::check
