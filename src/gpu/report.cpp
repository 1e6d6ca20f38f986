// The probe report as text for people and as JSON for machines (`talgpu verify --probe` parses it).
// The JSON shape is versioned ("schema": "talgpu.probe/v1") and described by docs/probe.schema.json;
// every key is always present, with null where a value is unknown, and "unavailable" says why.

#include <gpu/report.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/term.hpp>

namespace talgpu::gpu {

namespace {

using Json = nlohmann::ordered_json;

template <typename T>
Json value(const Reading<T>& r) {
  return r.ok() ? Json(*r.value) : Json(nullptr);
}

std::string cuda_version_text(int v) {
  // NVML_CUDA_DRIVER_VERSION_MAJOR/MINOR (nvml.h): 13000 -> "13.0".
  return fmt::format("{}.{}", v / 1000, (v % 1000) / 10);
}

Json error_json(const std::optional<Error>& e) {
  if (!e) {
    return nullptr;
  }
  return Json{{"rule", e->rule}, {"message", e->message}};
}

Json bandwidth_json(const std::optional<Bandwidth>& b) {
  if (!b) {
    return nullptr;
  }
  return Json{{"bytes", b->bytes},
              {"gbps", std::round(b->gbps * 10) / 10},
              {"reference_gbps", b->reference_gbps ? Json(std::round(*b->reference_gbps * 10) / 10) : Json(nullptr)},
              {"fraction", b->fraction ? Json(std::round(*b->fraction * 1000) / 1000) : Json(nullptr)}};
}

// Every reading with its JSON name, for the "unavailable" map.
template <typename Fn>
void each_reading(const NvmlGpu& g, const NvmlDynamic& d, Fn&& fn) {
  fn("name", g.name.ok(), g.name.why);
  fn("uuid", g.uuid.ok(), g.uuid.why);
  fn("pci_bus_id", g.pci_bus_id.ok(), g.pci_bus_id.why);
  fn("pcie.gen_max", g.link_gen_max.ok(), g.link_gen_max.why);
  fn("pcie.gen_gpu_max", g.link_gen_gpu_max.ok(), g.link_gen_gpu_max.why);
  fn("pcie.width_max", g.link_width_max.ok(), g.link_width_max.why);
  fn("pcie.gen_current", d.link_gen_current.ok(), d.link_gen_current.why);
  fn("pcie.width_current", d.link_width_current.ok(), d.link_width_current.why);
  fn("memory", g.memory_total_bytes.ok(), g.memory_total_bytes.why);
  fn("compute_capability", g.cc_major.ok(), g.cc_major.why);
  fn("ecc.enabled", g.ecc_enabled.ok(), g.ecc_enabled.why);
  fn("ecc.counts", g.ecc_volatile_uncorrected.ok(), g.ecc_volatile_uncorrected.why);
  fn("retired_pages", g.retired_pages_dbe.ok(), g.retired_pages_dbe.why);
  fn("remapped_rows", g.remapped_rows.ok(), g.remapped_rows.why);
  fn("temperature_c", d.temperature_c.ok(), d.temperature_c.why);
  fn("temperature_slowdown_c", g.temperature_slowdown_c.ok(), g.temperature_slowdown_c.why);
  fn("power.draw_w", d.power_mw.ok(), d.power_mw.why);
  fn("power.limit_w", g.power_limit_mw.ok(), g.power_limit_mw.why);
  fn("clocks", d.clock_sm_mhz.ok(), d.clock_sm_mhz.why);
  fn("clocks_max", g.clock_sm_max_mhz.ok(), g.clock_sm_max_mhz.why);
  fn("throttle_reasons", d.throttle_reasons.ok(), d.throttle_reasons.why);
  fn("mig_enabled", g.mig_enabled.ok(), g.mig_enabled.why);
  fn("persistence_mode", g.persistence_mode.ok(), g.persistence_mode.why);
}

Json watts(const Reading<unsigned>& mw) {
  return mw.ok() ? Json(std::round(*mw.value / 100.0) / 10) : Json(nullptr);
}

Json dynamic_json(const NvmlDynamic& d) {
  Json t = nullptr;
  if (d.throttle_reasons.ok()) {
    t = throttle::names(*d.throttle_reasons);
  }
  return Json{{"pcie_gen", value(d.link_gen_current)},    {"pcie_width", value(d.link_width_current)},
              {"temperature_c", value(d.temperature_c)},  {"power_draw_w", watts(d.power_mw)},
              {"sm_clock_mhz", value(d.clock_sm_mhz)},    {"mem_clock_mhz", value(d.clock_mem_mhz)},
              {"throttle_reasons", t}};
}

Json gpu_json(const GpuReport& r) {
  const NvmlGpu& g = r.nvml;
  const NvmlDynamic& d = g.dynamic;
  Json j;
  j["index"] = g.index;
  j["name"] = value(g.name);
  j["uuid"] = value(g.uuid);
  j["pci_bus_id"] = value(g.pci_bus_id);
  j["lost"] = g.lost;
  j["lost_reason"] = g.lost ? Json(g.lost_reason) : Json(nullptr);
  Json hw = Json::array();
  for (const auto& e : g.hardware_errors) {
    hw.push_back(e.text);
  }
  j["hardware_errors"] = hw;
  j["pcie"] = {{"gen_current", value(d.link_gen_current)}, {"width_current", value(d.link_width_current)},
               {"gen_max", value(g.link_gen_max)},         {"gen_gpu_max", value(g.link_gen_gpu_max)},
               {"width_max", value(g.link_width_max)},
               {"limit_gbps", r.pcie_limit_gbps ? Json(std::round(*r.pcie_limit_gbps * 10) / 10) : Json(nullptr)}};
  j["memory"] = {{"total_bytes", value(g.memory_total_bytes)}, {"used_bytes", value(g.memory_used_bytes)}};
  j["compute_capability"] =
      g.cc_major.ok() && g.cc_minor.ok() ? Json(fmt::format("{}.{}", *g.cc_major.value, *g.cc_minor.value)) : Json(nullptr);
  j["ecc"] = {{"enabled", value(g.ecc_enabled)},
              {"pending", value(g.ecc_pending)},
              {"volatile_corrected", value(g.ecc_volatile_corrected)},
              {"volatile_uncorrected", value(g.ecc_volatile_uncorrected)},
              {"aggregate_corrected", value(g.ecc_aggregate_corrected)},
              {"aggregate_uncorrected", value(g.ecc_aggregate_uncorrected)}};
  j["retired_pages"] = {{"single_bit", value(g.retired_pages_sbe)},
                        {"double_bit", value(g.retired_pages_dbe)},
                        {"pending", value(g.retired_pages_pending)}};
  if (g.remapped_rows.ok()) {
    const RemappedRows& rr = *g.remapped_rows.value;
    j["remapped_rows"] = {{"correctable", rr.correctable}, {"uncorrectable", rr.uncorrectable},
                          {"pending", rr.pending}, {"failure", rr.failure}};
  } else {
    j["remapped_rows"] = nullptr;
  }
  j["temperature_c"] = value(d.temperature_c);
  j["temperature_slowdown_c"] = value(g.temperature_slowdown_c);
  j["power"] = {{"draw_w", watts(d.power_mw)}, {"limit_w", watts(g.power_limit_mw)}};
  j["clocks"] = {{"sm_mhz", value(d.clock_sm_mhz)}, {"sm_max_mhz", value(g.clock_sm_max_mhz)},
                 {"mem_mhz", value(d.clock_mem_mhz)}, {"mem_max_mhz", value(g.clock_mem_max_mhz)}};
  j["throttle_reasons"] = d.throttle_reasons.ok() ? Json(throttle::names(*d.throttle_reasons)) : Json(nullptr);
  j["mig_enabled"] = value(g.mig_enabled);
  j["persistence_mode"] = value(g.persistence_mode);
  Json unavailable = Json::object();
  each_reading(g, d, [&](const char* name, bool ok, const std::string& why) {
    if (!ok) {
      unavailable[name] = why.empty() ? "unknown" : why;
    }
  });
  j["unavailable"] = unavailable;
  j["published"] = r.card ? Json{{"name", r.card->name}, {"memory_gbps", r.card->memory_gbps}, {"source", r.card->source}}
                          : Json(nullptr);
  j["under_load"] = r.under_load ? dynamic_json(*r.under_load) : Json(nullptr);
  if (r.cuda) {
    const CudaMeasure& m = *r.cuda;
    j["measurements"] = {
        {"cuda_ordinal", m.ordinal ? Json(*m.ordinal) : Json(nullptr)},
        {"vector_add", m.vecadd_elements ? Json{{"elements", *m.vecadd_elements}, {"mismatches", *m.vecadd_mismatches}}
                                         : Json(nullptr)},
        {"d2d", bandwidth_json(m.d2d)},
        {"d2d_launch", m.d2d ? Json(m.d2d_launch) : Json(nullptr)},
        {"h2d", bandwidth_json(m.h2d)},
        {"d2h", bandwidth_json(m.d2h)},
        {"copies_intact", m.copies_intact ? Json(*m.copies_intact) : Json(nullptr)},
        {"error", error_json(m.error)},
        {"jit_log", m.jit_log}};
  } else {
    j["measurements"] = nullptr;
  }
  Json checks = Json::array();
  for (const auto& c : r.checks) {
    checks.push_back({{"id", c.id}, {"verdict", verdict_name(c.verdict)}, {"detail", c.detail}});
  }
  j["checks"] = checks;
  j["verdict"] = verdict_name(r.verdict);
  return j;
}

}  // namespace

std::string render_json(const ProbeReport& r) {
  Json j;
  j["schema"] = "talgpu.probe/v1";
  j["mode"] = r.quick ? "quick" : "full";
  j["verdict"] = verdict_name(r.verdict);
  j["error"] = error_json(r.error);
  j["libraries"] = {{"nvml", r.nvml_library}, {"cuda", r.quick ? Json(nullptr) : Json(r.cuda_library)}};
  j["driver"] = {
      {"version", value(r.system.driver_version)},
      {"nvml_version", value(r.system.nvml_version)},
      {"cuda_version", r.system.cuda_version.ok() ? Json(cuda_version_text(*r.system.cuda_version.value)) : Json(nullptr)},
      {"cuda_driver_api_version", r.cuda_driver_version ? Json(cuda_version_text(*r.cuda_driver_version)) : Json(nullptr)}};
  j["cuda_error"] = error_json(r.cuda_error);
  Json gpus = Json::array();
  size_t counts[5] = {};
  for (const auto& g : r.gpus) {
    gpus.push_back(gpu_json(g));
    ++counts[static_cast<int>(g.verdict)];
  }
  j["gpus"] = gpus;
  Json weakest = nullptr;
  if (r.weakest) {
    const GpuReport& w = r.gpus[*r.weakest];
    weakest = {{"index", w.nvml.index}, {"name", value(w.nvml.name)}, {"reason", r.weakest_reason}};
  }
  j["summary"] = {{"gpus", r.gpus.size()},
                  {"pass", counts[static_cast<int>(Verdict::pass)]},
                  {"warn", counts[static_cast<int>(Verdict::warn)]},
                  {"fail", counts[static_cast<int>(Verdict::fail)]},
                  {"weakest", weakest}};
  return j.dump(2) + "\n";
}

}  // namespace talgpu::gpu
