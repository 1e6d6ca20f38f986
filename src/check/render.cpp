#include <check/render.hpp>

#include <core/term.hpp>

#include <set>
#include <unordered_map>

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
  std::string out = j.dump(2);
  if (report.placements.empty()) {
    return out + "\n";
  }
  // The placement table is O(workloads x nodes) bytes: written directly, in the exact layout of
  // nlohmann's dump(2) (strings escaped by nlohmann), each node name escaped once.
  constexpr std::string_view k_tail = "[]\n}";
  out.resize(out.size() - k_tail.size());
  const auto& fleet = *report.placements.front().fits.fleet;
  std::vector<std::string> names;
  names.reserve(fleet.names.size());
  for (const auto& n : fleet.names) {
    names.push_back(nlohmann::ordered_json(n).dump());
  }
  std::unordered_map<std::string, std::string> escaped_reasons;
  auto escaped = [&](const std::string& r) -> const std::string& {
    auto it = escaped_reasons.find(r);
    if (it == escaped_reasons.end()) {
      it = escaped_reasons.emplace(r, nlohmann::ordered_json(r).dump()).first;
    }
    return it->second;
  };
  out += "[\n";
  bool first_p = true;
  for (const auto& p : report.placements) {
    out += first_p ? "    {\n" : ",\n    {\n";
    first_p = false;
    out += "      \"workload\": ";
    out += nlohmann::ordered_json(p.workload).dump();
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
  return out;
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
