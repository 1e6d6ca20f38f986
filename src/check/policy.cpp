#include <check/policy.hpp>

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include <fmt/format.h>

#include <check/rules.hpp>
#include <core/fs.hpp>
#include <core/strings.hpp>
#include <yaml/document.hpp>
#include <yaml/reader.hpp>

namespace talgpu::check {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_rule = "project-file";

// "error", "warning", "note" -> that level; "off" -> nullopt. False for anything else.
bool parse_level(std::string_view s, std::optional<Severity>& out) {
  out.reset();
  if (s == "error") {
    out = Severity::error;
  } else if (s == "warning") {
    out = Severity::warning;
  } else if (s == "note") {
    out = Severity::note;
  } else if (s != "off") {
    return false;
  }
  return true;
}

// Document ranges of the manifests' objects: [start line, next object's start line) per file.
struct IgnoreRange {
  int first = 0;
  int last = 0;  // exclusive; 0 = to the end of the file
  std::vector<std::string> rules;
};

// The ranges of the objects that carry an ignore annotation, per file, sorted by first line.
// Ranges of one file never overlap (each ends where the next object starts; objects that start on
// the same line share a range), so a finding is looked up by binary search: linear in findings
// plus objects however many of them are annotated (issue 18).
using IgnoreIndex = std::unordered_map<std::string, std::vector<IgnoreRange>>;

IgnoreIndex ignore_ranges(const kube::Manifests& m) {
  IgnoreIndex out;
  bool any = std::any_of(m.workloads.begin(), m.workloads.end(),
                         [](const kube::Workload& w) { return !w.ignore_rules.empty() && w.derived_from.empty(); });
  if (!any) {
    return out;
  }
  std::unordered_map<std::string, std::vector<int>> starts;
  for (const auto& w : m.workloads) {
    starts[w.location.file.str()].push_back(w.location.line);
  }
  for (const auto& r : m.runtime_classes) {
    starts[r.location.file.str()].push_back(r.location.line);
  }
  for (const auto& n : m.namespaces) {
    starts[n.location.file.str()].push_back(n.location.line);
  }
  for (auto& [f, v] : starts) {
    std::sort(v.begin(), v.end());
  }
  for (const auto& w : m.workloads) {
    if (w.ignore_rules.empty() || !w.derived_from.empty()) {
      continue;
    }
    IgnoreRange r;
    const std::string file = w.location.file.str();
    r.first = w.location.line;
    const auto& v = starts[file];
    auto next = std::upper_bound(v.begin(), v.end(), r.first);
    r.last = next == v.end() ? 0 : *next;
    for (auto& id : split(w.ignore_rules, ',')) {
      std::string t(trim(id));
      if (!t.empty()) {
        r.rules.push_back(t);
      }
    }
    out[file].push_back(std::move(r));
  }
  for (auto& [f, v] : out) {
    std::stable_sort(v.begin(), v.end(), [](const IgnoreRange& a, const IgnoreRange& b) { return a.first < b.first; });
  }
  return out;
}

bool ignored(const Diagnostic& d, const IgnoreIndex& index) {
  auto it = index.find(d.location.file.str());
  if (it == index.end()) {
    return false;
  }
  const auto& ranges = it->second;
  const int line = d.location.line;
  // The ranges with the greatest first line at or before the finding's line: earlier ones end
  // where a later object starts, so only these can hold it.
  auto after = std::upper_bound(ranges.begin(), ranges.end(), line,
                                [](int l, const IgnoreRange& r) { return l < r.first; });
  if (after == ranges.begin()) {
    return false;
  }
  const int first = std::prev(after)->first;
  for (auto r = std::prev(after);; --r) {
    if (r->first != first) {
      break;
    }
    const bool inside = r->last == 0 || line < r->last;
    if (inside && (std::find(r->rules.begin(), r->rules.end(), d.rule) != r->rules.end() ||
                   std::find(r->rules.begin(), r->rules.end(), "all") != r->rules.end())) {
      return true;
    }
    if (r == ranges.begin()) {
      break;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> find_project_file(const std::string& start) {
  std::error_code ec;
  fs::path p = fs::absolute(start.empty() ? "." : start, ec);
  if (!fs::is_directory(p, ec)) {
    p = p.parent_path();
  }
  for (fs::path q = p; !q.empty(); q = q.parent_path()) {
    for (const char* name : {".talgpu.yaml", ".talgpu.yml"}) {
      if (fs::is_regular_file(q / name, ec)) {
        // Report it the way the user named the input: relative when the input was relative.
        fs::path rel = fs::relative(q / name, ec);
        return (ec || rel.empty() || fs::path(start).is_absolute()) ? (q / name).string() : rel.string();
      }
    }
    if (fs::exists(q / ".git", ec) || q == q.root_path()) {
      break;
    }
  }
  return std::nullopt;
}

std::optional<FailOn> parse_fail_on(std::string_view s) {
  if (s == "error") {
    return FailOn::error;
  }
  if (s == "warning") {
    return FailOn::warning;
  }
  return std::nullopt;
}

Result<Policy> load_policy(const std::string& path, Diagnostics& diags) {
  Policy p;
  p.file = path;
  auto docs = yaml::parse_file(path);
  if (!docs) {
    if (docs.error().rule.rfind("yaml-", 0) == 0 && !docs.error().location.empty()) {
      diags.error(docs.error().rule, docs.error().message, docs.error().location);
      return p;
    }
    return tl::unexpected(docs.error());
  }
  if (docs->empty() || docs->front().root.is_null()) {
    return p;
  }
  const yaml::Node& root = docs->front().root;
  if (!root.is_mapping()) {
    diags.error(k_rule, fmt::format("{} must be a mapping, not {}", path, yaml::describe_kind(root)), root.location());
    return p;
  }
  for (const auto& e : root.entries()) {
    const std::string& key = e.key.value();
    if (key == "failOn") {
      auto f = e.value.is_scalar() ? parse_fail_on(e.value.value()) : std::nullopt;
      if (!f) {
        diags.error(k_rule, "'failOn' must be 'error' or 'warning'", e.value.location());
      }
      p.fail_on = f;
    } else if (key == "rules") {
      if (!e.value.is_mapping()) {
        if (!e.value.is_null()) {
          diags.error(k_rule, "'rules' must map rule ids to error, warning, note or off", e.value.location());
        }
        continue;
      }
      for (const auto& r : e.value.entries()) {
        std::optional<Severity> level;
        if (!r.value.is_scalar() || !parse_level(r.value.value(), level)) {
          diags.error(k_rule, fmt::format("rule '{}': level must be error, warning, note or off", r.key.value()),
                      r.value.location(), "e.g. 'cuda-image-unknown: off'");
          continue;
        }
        if (find_rule(r.key.value()) == nullptr) {
          diags.note(k_rule,
                     fmt::format("rule '{}' is not in the check catalogue ('talgpu explain' lists it); it applies to "
                                 "any finding with that id",
                                 r.key.value()),
                     r.key.location());
        }
        p.rules[r.key.value()] = level;
      }
    } else {
      diags.warning(k_rule, fmt::format("unknown key '{}' (known: rules, failOn)", key), e.key.location());
    }
  }
  return p;
}

std::optional<Severity> effective_severity(const Policy& p, const std::string& rule, Severity dflt) {
  auto it = p.rules.find(rule);
  return it == p.rules.end() ? std::optional<Severity>(dflt) : it->second;
}

size_t apply_policy(Diagnostics& findings, const Policy& p, const kube::Manifests* manifests) {
  IgnoreIndex ranges = manifests ? ignore_ranges(*manifests) : IgnoreIndex{};
  if (p.rules.empty() && ranges.empty()) {
    return 0;
  }
  Diagnostics kept;
  size_t dropped = 0;
  for (Diagnostic d : findings.items()) {
    auto level = effective_severity(p, d.rule, d.severity);
    if (!level || ignored(d, ranges)) {
      ++dropped;
      continue;
    }
    d.severity = *level;
    kept.add(std::move(d));
  }
  findings = std::move(kept);
  return dropped;
}

bool fails(const Diagnostics& findings, FailOn threshold) {
  return findings.count(Severity::error) > 0 ||
         (threshold == FailOn::warning && findings.count(Severity::warning) > 0);
}

}  // namespace talgpu::check
