#include <check/render.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/term.hpp>

#include <check/context.hpp>

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

namespace {

// The old table, one line per rejected node: small fleets and -v.
void append_placement_lines(std::string& s, const Placement& p) {
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

// kube-scheduler's summary (framework/types.go FitError.Error: "0/N nodes are available: <count>
// <reason>, ...") and the first fitting nodes; then a line for each node asked for by name.
void append_placement_summary(std::string& s, const Placement& p, const std::vector<size_t>& asked) {
  const Fleet& fleet = *p.fits.fleet;
  const PlacementSummary sum = p.summarize(k_placement_sample_text);
  s += "  ";
  s += terminal_safe(p.workload);
  s += " -> ";
  if (sum.fit_count > 0) {
    s += fmt::format("{} of {} nodes: ", sum.fit_count, sum.total);
    for (size_t k = 0; k < sum.fit_nodes.size(); ++k) {
      s += k == 0 ? "" : ", ";
      s += terminal_safe(fleet.names[sum.fit_nodes[k]]);
    }
    if (sum.fit_count > sum.fit_nodes.size()) {
      s += fmt::format(", ... ({} more)", sum.fit_count - sum.fit_nodes.size());
    }
  } else {
    s += !p.pending.empty() ? p.pending : std::string("(no node)");
  }
  s += '\n';
  if (!sum.rejected.empty()) {
    std::string hist = sum.fit_count == 0 ? scheduler_summary(sum.reason_counts(), sum.total)
                                          : fmt::format("rejected by {} of {} nodes: {}", sum.total - sum.fit_count,
                                                        sum.total, reason_histogram(sum.reason_counts()));
    s += "      ";
    s += terminal_safe(hist);
    s += '\n';
  }
  for (size_t i : asked) {
    s += "      ";
    s += terminal_safe(fleet.names[i]);
    s += ": ";
    s += p.fits_node(i) ? std::string("fits") : terminal_safe(p.reason_of(i));
    s += '\n';
  }
}

// The first node of each name asked for, in name order; unknown names are left out.
std::vector<size_t> asked_nodes(const Fleet& fleet, const std::vector<std::string>& names) {
  std::vector<size_t> out;
  for (const auto& want : names) {
    auto it = std::lower_bound(fleet.by_name.begin(), fleet.by_name.end(), want,
                               [&](size_t i, const std::string& n) { return fleet.names[i] < n; });
    if (it != fleet.by_name.end() && fleet.names[*it] == want) {
      out.push_back(*it);
    }
  }
  std::sort(out.begin(), out.end(), [&](size_t a, size_t b) { return fleet.rank[a] < fleet.rank[b]; });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::vector<std::string> unknown_detail_nodes(const CheckReport& report, const PlacementDetail& detail) {
  std::vector<std::string> out;
  for (const auto& want : detail.nodes) {
    bool found = false;
    for (const auto& n : report.nodes) {
      if (n.node.name == want) {
        found = true;
        break;
      }
    }
    if (!found) {
      out.push_back(want);
    }
  }
  return out;
}

std::string render_placements_text(const CheckReport& report, const PlacementDetail& detail) {
  std::string s;
  if (report.placements.empty()) {
    return s;
  }
  s += "placement:\n";
  const Fleet& fleet = *report.placements.front().fits.fleet;
  const bool every_node = detail.all || (detail.nodes.empty() && fleet.names.size() <= k_placement_detail_nodes);
  const std::vector<size_t> asked = asked_nodes(fleet, detail.nodes);
  for (const auto& p : report.placements) {
    if (every_node) {
      append_placement_lines(s, p);
    } else {
      append_placement_summary(s, p, asked);
    }
  }
  return s;
}

std::string render_report_text(const CheckReport& report, const RenderOptions& opts, const PlacementDetail& detail) {
  std::string s = render_text(report.findings, opts);
  std::string summary = summary_line(report.findings);
  s += summary.empty() ? "no findings\n" : summary + "\n";
  std::string table = render_placements_text(report, detail);
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

// dump(2)'s layout of an array whose items are already JSON text, at nesting `indent` (spaces).
void append_array(std::string& out, size_t indent, const std::vector<std::string_view>& items) {
  if (items.empty()) {
    out += "[]";
    return;
  }
  const std::string pad(indent + 2, ' ');
  out += "[\n";
  for (size_t k = 0; k < items.size(); ++k) {
    out += pad;
    out += items[k];
    out += k + 1 < items.size() ? ",\n" : "\n";
  }
  out.append(indent, ' ');
  out += ']';
}

std::string json_string(const std::string& s) {
  return nlohmann::ordered_json(s).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// Appends the placements array in the exact layout of nlohmann's dump(2) (strings escaped by
// nlohmann), each node name escaped once. Per workload: the first nodes it fits and, per rejection
// reason, a count and the first nodes, plus the shapes (indices into "nodeShapes", which lists
// every node once), so the document is whole in O(workloads x shapes + nodes). Name-pinned
// workloads (fitted node by node) list their nodes by name instead. The node -> reason map
// "rejected" of schema 1 stays for fleets of at most k_placement_detail_nodes nodes.
void append_placements(std::string& out, const CheckReport& report) {
  const auto& fleet = *report.placements.front().fits.fleet;
  std::vector<std::string> names;
  names.reserve(fleet.names.size());
  for (const auto& n : fleet.names) {
    names.push_back(json_string(n));
  }
  std::vector<std::string> shape_ids;
  for (size_t k = 0; k < fleet.shape_nodes.size(); ++k) {
    shape_ids.push_back(std::to_string(k));
  }
  auto node_items = [&](const std::vector<size_t>& v) {
    std::vector<std::string_view> items;
    items.reserve(v.size());
    for (size_t i : v) {
      items.emplace_back(names[i]);
    }
    return items;
  };
  auto shape_items = [&](const std::vector<size_t>& v) {
    std::vector<std::string_view> items;
    items.reserve(v.size());
    for (size_t i : v) {
      items.emplace_back(shape_ids[i]);
    }
    return items;
  };
  const bool small = fleet.names.size() <= k_placement_detail_nodes;
  out += "[\n";
  bool first_p = true;
  for (const auto& p : report.placements) {
    const PlacementSummary sum = p.summarize(k_placement_sample_json, true);
    out += first_p ? "    {\n" : ",\n    {\n";
    first_p = false;
    out += "      \"workload\": ";
    out += json_string(p.workload);
    out += ",\n      \"fits\": ";
    append_array(out, 6, node_items(sum.fit_nodes));
    if (!p.pending.empty()) {
      out += ",\n      \"pending\": ";
      out += nlohmann::ordered_json(p.pending).dump();
    }
    if (small) {
      out += ",\n      \"rejected\": ";
      bool any = false;
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
        out += json_string(r);
        any = true;
      }
      out += any ? "\n      }" : "{}";
    }
    out += fmt::format(",\n      \"fitCount\": {},\n      \"byShape\": {}", sum.fit_count, sum.by_shape);
    if (sum.by_shape) {
      out += ",\n      \"fitShapes\": ";
      append_array(out, 6, shape_items(sum.fit_shapes));
    }
    out += ",\n      \"rejectedByReason\": ";
    if (sum.rejected.empty()) {
      out += "[]";
    } else {
      out += "[\n";
      for (size_t k = 0; k < sum.rejected.size(); ++k) {
        const ReasonGroup& g = sum.rejected[k];
        out += "        {\n          \"reason\": ";
        out += json_string(g.reason);
        out += fmt::format(",\n          \"count\": {},\n          \"nodes\": ", g.count);
        append_array(out, 10, node_items(g.nodes));
        if (sum.by_shape) {
          out += ",\n          \"shapes\": ";
          append_array(out, 10, shape_items(g.shapes));
        }
        out += k + 1 < sum.rejected.size() ? "\n        },\n" : "\n        }\n";
      }
      out += "      ]";
    }
    out += "\n    }";
  }
  out += "\n  ],\n  \"nodeShapes\": ";
  if (fleet.shape_by_name.empty()) {
    out += "[]";
  } else {
    out += "[\n";
    for (size_t k = 0; k < fleet.shape_by_name.size(); ++k) {
      out += "    ";
      append_array(out, 4, node_items(fleet.shape_by_name[k]));
      out += k + 1 < fleet.shape_by_name.size() ? ",\n" : "\n";
    }
    out += "  ]";
  }
  out += "\n}\n";
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
