// Text and JSON output of `talgpu verify`.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/term.hpp>
#include <verify/verify.hpp>

namespace talgpu::verify {

using nlohmann::json;

namespace {

std::string esc(std::string_view v) {
  std::string out;
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string gpu_summary(const nvidia::SmiReport& smi) {
  std::vector<std::string> gpus;
  for (const auto& g : smi.gpus) {
    std::string s = g.name + (g.name_truncated ? "..." : "");
    if (g.memory_total_mib) {
      s += fmt::format(" {} MiB", *g.memory_total_mib);
    }
    s += " @ " + g.bus_id;
    gpus.push_back(s);
  }
  return fmt::format("driver {}, CUDA {}, {}", smi.driver_version, smi.cuda_version, fmt::join(gpus, "; "));
}

std::string probe_summary(const ProbeResult& p) {
  std::string s = fmt::format("probe {}: driver {}, CUDA {}, {} GPU{} ({} pass, {} warn, {} fail)", p.verdict,
                              p.driver.empty() ? "?" : p.driver, p.cuda.empty() ? "?" : p.cuda, p.gpus,
                              p.gpus == 1 ? "" : "s", p.pass, p.warn, p.fail);
  if (!p.weakest.empty()) {
    s += "; weakest " + p.weakest;
  }
  return s;
}

}  // namespace

std::string render_verify_text(const VerifyReport& r, bool color) {
  std::string out;
  for (const auto& name : r.leftovers_removed) {
    out += fmt::format("removed leftover pod {} of an earlier, interrupted run\n", esc(name));
  }
  size_t width = 4;
  for (const auto& n : r.nodes) {
    width = std::max(width, n.node.size());
  }
  size_t passed = 0;
  for (const auto& n : r.nodes) {
    bool ok = n.verdict == Verdict::pass;
    passed += ok ? 1 : 0;
    std::string tag = ok ? "PASS" : n.verdict == Verdict::timeout ? "TIMEOUT" : n.verdict == Verdict::interrupted ? "STOPPED" : "FAIL";
    std::string styled_tag = styled(fmt::format("{:<7}", tag), ok ? TextStyle::good : TextStyle::error, color);
    if (ok && n.smi) {
      out += fmt::format("{:<{}}  {} {} ({:.1f}s)\n", esc(n.node), width, styled_tag, esc(gpu_summary(*n.smi)), n.seconds);
    } else if (ok && n.probe) {
      out += fmt::format("{:<{}}  {} {} ({:.1f}s)\n", esc(n.node), width, styled_tag, esc(probe_summary(*n.probe)), n.seconds);
    } else {
      out += fmt::format("{:<{}}  {} {}{}\n", esc(n.node), width, styled_tag,
                         n.why.code.empty() ? "" : "[" + n.why.code + "] ", esc(n.why.message));
      if (!n.why.fix.empty()) {
        out += fmt::format("{:<{}}  fix: {}\n", "", width + 8, esc(n.why.fix));
      }
    }
  }
  for (const auto& e : r.cleanup_errors) {
    out += fmt::format("warning: could not delete {}\n", esc(e));
  }
  out += fmt::format("{} GPU node{}: {} passed, {} not{} ({:.1f}s)\n", r.nodes.size(), r.nodes.size() == 1 ? "" : "s", passed,
                     r.nodes.size() - passed, r.interrupted ? "; interrupted, pods deleted" : "", r.seconds);
  return out;
}

std::string render_verify_json(const VerifyReport& r) {
  json j = {{"nodes", json::array()}, {"leftoversRemoved", r.leftovers_removed}, {"cleanupErrors", r.cleanup_errors},
            {"interrupted", r.interrupted}, {"passed", r.all_passed()}, {"seconds", r.seconds}};
  for (const auto& n : r.nodes) {
    json o = {{"node", n.node}, {"verdict", verdict_name(n.verdict)}, {"pod", n.pod}, {"seconds", n.seconds},
              {"mismatches", n.mismatches}};
    if (!n.why.code.empty()) {
      o["reason"] = {{"code", n.why.code}, {"message", n.why.message}, {"fix", n.why.fix}};
    }
    if (n.smi) {
      json gpus = json::array();
      for (const auto& g : n.smi->gpus) {
        json gj = {{"index", g.index}, {"name", g.name}, {"nameTruncated", g.name_truncated}, {"busId", g.bus_id}};
        gj["memoryTotalMiB"] = g.memory_total_mib ? json(*g.memory_total_mib) : json(nullptr);
        gj["memoryUsedMiB"] = g.memory_used_mib ? json(*g.memory_used_mib) : json(nullptr);
        gpus.push_back(gj);
      }
      o["nvidiaSmi"] = {{"driverVersion", n.smi->driver_version}, {"cudaVersion", n.smi->cuda_version}, {"gpus", gpus}};
    }
    if (n.probe) {
      o["probe"] = n.probe->report;  // the whole talgpu.probe/v1 document (docs/probe.schema.json)
    }
    j["nodes"].push_back(o);
  }
  return j.dump(2) + "\n";
}

}  // namespace talgpu::verify
