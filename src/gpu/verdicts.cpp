// One verdict per check, from the readings and measurements of a GPU. The thresholds and their
// reasons are in docs/probe.md; the short form:
//   nvml               fail: GPU lost (fallen off the bus) or NVML reports insufficient power;
//                      warn: corrupted infoROM
//   pcie-link          warn: the link runs narrower (or, under load, slower) than the slot and
//                      card allow. At idle a GPU lowers its link generation to save power, so the
//                      generation is judged only after the transfers (not with --quick)
//   ecc                fail: volatile uncorrected errors; warn: aggregate uncorrected errors, or ECC
//                      off on a card that has it; unrated: no ECC on this card
//   memory-retirement  fail: a row remapping failed; warn: remapping or retirement pending (reset
//                      the GPU); NVIDIA's "GPU Memory Error Management" guide
//   thermal            warn: at or above the slowdown temperature, or clocks held back by hardware
//                      slowdown, thermal slowdown or power brake
//   vector-add         fail: any element differs from the host's sum
//   copy-integrity     fail: the host->device->device->host round trip changed a byte
//   d2d-bandwidth      pass >= 70% of the published memory bandwidth, warn >= 50%, else fail
//   h2d/d2h-bandwidth  pass >= 60% of the link's max gen x max width, warn >= 35%, else fail

#include <fmt/format.h>

#include <gpu/probe.hpp>

namespace talgpu::gpu {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::skipped:
      return "skipped";
    case Verdict::unrated:
      return "unrated";
    case Verdict::pass:
      return "pass";
    case Verdict::warn:
      return "warn";
    case Verdict::fail:
      return "fail";
  }
  return "?";
}

Verdict worse(Verdict a, Verdict b) {
  return static_cast<int>(a) > static_cast<int>(b) ? a : b;
}

namespace {

void add(GpuReport& g, const char* id, Verdict v, std::string detail) {
  g.checks.push_back(Check{id, v, std::move(detail)});
}

template <typename T>
std::string why_not(const Reading<T>& r) {
  return r.why.empty() ? "unknown" : r.why;
}

void judge_presence(GpuReport& g) {
  const NvmlGpu& n = g.nvml;
  if (n.lost) {
    add(g, "nvml", Verdict::fail,
        fmt::format("GPU is not reachable ({}): it has fallen off the bus or needs a reset; look for Xid 79 in the "
                    "kernel log, then reset the GPU or reboot",
                    n.lost_reason));
    return;
  }
  Verdict v = Verdict::pass;
  std::string detail = "GPU answers NVML";
  for (const auto& e : n.hardware_errors) {
    v = worse(v, e.code == k_nvml_insufficient_power ? Verdict::fail : Verdict::warn);
    detail = fmt::format("{}; {}", detail == "GPU answers NVML" ? "hardware problem" : detail, e.text);
  }
  add(g, "nvml", v, detail);
}

void judge_link(GpuReport& g, bool quick) {
  const NvmlGpu& n = g.nvml;
  const NvmlDynamic& now = g.under_load ? *g.under_load : n.dynamic;
  if (!now.link_width_current.ok() || !n.link_width_max.ok()) {
    add(g, "pcie-link", Verdict::unrated,
        fmt::format("link width unknown ({})", why_not(now.link_width_current.ok() ? n.link_width_max : now.link_width_current)));
    return;
  }
  unsigned w = *now.link_width_current, wmax = *n.link_width_max;
  std::string gen = now.link_gen_current.ok() ? fmt::format("gen {}", *now.link_gen_current) : "gen ?";
  std::string gen_max = n.link_gen_max.ok() ? fmt::format("gen {}", *n.link_gen_max) : "gen ?";
  std::string when = g.under_load ? "under load" : "at idle";
  if (w < wmax) {
    add(g, "pcie-link", Verdict::warn,
        fmt::format("link is x{} of x{} {}: reseat the card or check the slot and riser", w, wmax, when));
    return;
  }
  if (g.under_load && now.link_gen_current.ok() && n.link_gen_max.ok() && *now.link_gen_current < *n.link_gen_max) {
    add(g, "pcie-link", Verdict::warn,
        fmt::format("link is {} x{} under load, the slot and card allow {}: check BIOS PCIe settings and risers",
                    gen, w, gen_max));
    return;
  }
  std::string note = quick ? "; generation not judged at idle" : "";
  add(g, "pcie-link", Verdict::pass, fmt::format("{} x{} {} (max {} x{}){}", gen, w, when, gen_max, wmax, note));
}

void judge_ecc(GpuReport& g) {
  const NvmlGpu& n = g.nvml;
  if (!n.ecc_enabled.ok()) {
    add(g, "ecc", Verdict::unrated, fmt::format("ECC: {}", why_not(n.ecc_enabled)));
    return;
  }
  if (!*n.ecc_enabled) {
    bool pending_on = n.ecc_pending.value.value_or(false);
    add(g, "ecc", Verdict::warn,
        pending_on ? "ECC is off until the next reboot (enabled, pending)"
                   : "ECC is off on a card that has it: memory errors go undetected (nvidia-smi -e 1, then reboot)");
    return;
  }
  uint64_t vol = n.ecc_volatile_uncorrected.value.value_or(0);
  uint64_t agg = n.ecc_aggregate_uncorrected.value.value_or(0);
  uint64_t corr = n.ecc_volatile_corrected.value.value_or(0);
  if (vol > 0) {
    add(g, "ecc", Verdict::fail,
        fmt::format("{} uncorrected ECC error{} since the driver loaded: drain the node and reset the GPU", vol,
                    vol == 1 ? "" : "s"));
  } else if (agg > 0) {
    add(g, "ecc", Verdict::warn,
        fmt::format("{} uncorrected ECC error{} over the card's life (none since the driver loaded)", agg,
                    agg == 1 ? "" : "s"));
  } else if (!n.ecc_volatile_uncorrected.ok()) {
    add(g, "ecc", Verdict::unrated, fmt::format("ECC on; error counts: {}", why_not(n.ecc_volatile_uncorrected)));
  } else {
    add(g, "ecc", Verdict::pass, fmt::format("ECC on, no uncorrected errors ({} corrected since the driver loaded)", corr));
  }
}

void judge_retirement(GpuReport& g) {
  const NvmlGpu& n = g.nvml;
  if (n.remapped_rows.ok()) {
    const RemappedRows& r = *n.remapped_rows;
    if (r.failure) {
      add(g, "memory-retirement", Verdict::fail,
          "a row remapping failed: the card has run out of spare rows (NVIDIA: replace the GPU)");
    } else if (r.pending) {
      add(g, "memory-retirement", Verdict::warn,
          fmt::format("row remapping pending ({} correctable, {} uncorrectable rows): reset the GPU to apply it",
                      r.correctable, r.uncorrectable));
    } else {
      add(g, "memory-retirement", Verdict::pass,
          fmt::format("{} rows remapped for correctable, {} for uncorrectable errors; none pending", r.correctable,
                      r.uncorrectable));
    }
    return;
  }
  if (n.retired_pages_pending.ok() || n.retired_pages_dbe.ok()) {
    unsigned sbe = n.retired_pages_sbe.value.value_or(0), dbe = n.retired_pages_dbe.value.value_or(0);
    if (n.retired_pages_pending.value.value_or(false)) {
      add(g, "memory-retirement", Verdict::warn,
          fmt::format("page retirement pending ({} single-bit, {} double-bit pages): reboot or reset the GPU", sbe, dbe));
    } else {
      add(g, "memory-retirement", Verdict::pass,
          fmt::format("{} pages retired for single-bit, {} for double-bit errors; none pending", sbe, dbe));
    }
    return;
  }
  add(g, "memory-retirement", Verdict::unrated,
      fmt::format("no row remapping or page retirement data ({})", why_not(n.remapped_rows)));
}

void judge_thermal(GpuReport& g) {
  const NvmlGpu& n = g.nvml;
  const NvmlDynamic& now = g.under_load ? *g.under_load : n.dynamic;
  std::vector<std::string> problems;
  if (now.temperature_c.ok() && n.temperature_slowdown_c.ok() && *now.temperature_c >= *n.temperature_slowdown_c) {
    problems.push_back(fmt::format("{} C, at or above the slowdown temperature {} C", *now.temperature_c,
                                   *n.temperature_slowdown_c));
  }
  if (now.throttle_reasons.ok() && (*now.throttle_reasons & throttle::harmful) != 0) {
    std::string names;
    for (const auto& s : throttle::names(*now.throttle_reasons & throttle::harmful)) {
      names += (names.empty() ? "" : ", ") + s;
    }
    problems.push_back(fmt::format("clocks held back: {}", names));
  }
  if (!problems.empty()) {
    std::string d;
    for (const auto& p : problems) {
      d += (d.empty() ? "" : "; ") + p;
    }
    add(g, "thermal", Verdict::warn, d + ": check cooling and power delivery");
    return;
  }
  if (!now.temperature_c.ok() && !now.throttle_reasons.ok()) {
    add(g, "thermal", Verdict::unrated, fmt::format("temperature: {}", why_not(now.temperature_c)));
    return;
  }
  std::string t = now.temperature_c.ok() ? fmt::format("{} C", *now.temperature_c) : "temperature unknown";
  add(g, "thermal", Verdict::pass, fmt::format("{}, no hardware or thermal slowdown", t));
}

Verdict by_fraction(double f, double pass, double warn) {
  return f >= pass ? Verdict::pass : f >= warn ? Verdict::warn : Verdict::fail;
}

void judge_bandwidth(GpuReport& g, const char* id, Bandwidth& b, std::optional<double> reference,
                     const std::string& reference_name, double pass, double warn) {
  if (!reference || *reference <= 0) {
    add(g, id, Verdict::unrated, fmt::format("{:.1f} GB/s ({})", b.gbps, reference_name));
    return;
  }
  b.reference_gbps = reference;
  b.fraction = b.gbps / *reference;
  add(g, id, by_fraction(*b.fraction, pass, warn),
      fmt::format("{:.1f} GB/s = {:.1f}% of {:.1f} GB/s {}", b.gbps, *b.fraction * 100, *reference, reference_name));
}

void judge_cuda(GpuReport& g, const std::optional<Error>& cuda_error) {
  static constexpr const char* k_ids[] = {"vector-add", "copy-integrity", "d2d-bandwidth", "h2d-bandwidth",
                                          "d2h-bandwidth"};
  auto fail_all = [&](const std::string& why) {
    for (const char* id : k_ids) {
      add(g, id, Verdict::fail, why);
    }
  };
  if (cuda_error) {
    fail_all(cuda_error->message);
    return;
  }
  if (g.nvml.mig_enabled.value.value_or(false)) {
    for (const char* id : k_ids) {
      add(g, id, Verdict::skipped, "MIG is on: CUDA sees MIG instances, not the whole GPU");
    }
    return;
  }
  if (!g.cuda || !g.cuda->ordinal) {
    fail_all("no CUDA device has this GPU's PCI address (hidden by CUDA_VISIBLE_DEVICES, or the driver cannot use it)");
    return;
  }
  CudaMeasure& m = *g.cuda;
  // Checks whose measurement exists are judged; the first one without fails with the error that
  // stopped the run, the later ones point back at it.
  bool told = false;
  auto stop_reason = [&]() {
    if (!m.error) {
      return std::string("not run");
    }
    std::string s = told ? fmt::format("not run: the {} step failed", m.failed_step)
                         : fmt::format("{} step failed: {}", m.failed_step, m.error->message);
    told = true;
    return s;
  };
  if (m.vecadd_mismatches) {
    if (*m.vecadd_mismatches == 0) {
      add(g, "vector-add", Verdict::pass, fmt::format("{} elements verified", *m.vecadd_elements));
    } else {
      add(g, "vector-add", Verdict::fail,
          fmt::format("{} of {} elements wrong, first {}", *m.vecadd_mismatches, *m.vecadd_elements,
                      m.vecadd_first_mismatch));
    }
  } else {
    add(g, "vector-add", Verdict::fail, stop_reason());
  }
  if (m.copies_intact) {
    add(g, "copy-integrity", *m.copies_intact ? Verdict::pass : Verdict::fail,
        *m.copies_intact ? fmt::format("{} bytes host -> device -> device -> host unchanged", m.h2d->bytes)
                         : fmt::format("round trip changed data: {}", m.copies_first_mismatch));
  } else {
    add(g, "copy-integrity", Verdict::fail, stop_reason());
  }
  std::optional<double> mem_ref = g.card ? std::optional<double>(g.card->memory_gbps) : std::nullopt;
  std::string mem_name = g.card ? fmt::format("published ({})", g.card->source) : "no published figure for this card";
  std::string link_name = g.pcie_limit_gbps ? "PCIe link limit" : "PCIe link limit unknown";
  if (m.d2d) {
    judge_bandwidth(g, "d2d-bandwidth", *m.d2d, mem_ref, mem_name, k_memory_pass, k_memory_warn);
  } else {
    add(g, "d2d-bandwidth", Verdict::fail, stop_reason());
  }
  if (m.h2d) {
    judge_bandwidth(g, "h2d-bandwidth", *m.h2d, g.pcie_limit_gbps, link_name, k_pcie_pass, k_pcie_warn);
  } else {
    add(g, "h2d-bandwidth", Verdict::fail, stop_reason());
  }
  if (m.d2h) {
    judge_bandwidth(g, "d2h-bandwidth", *m.d2h, g.pcie_limit_gbps, link_name, k_pcie_pass, k_pcie_warn);
  } else {
    add(g, "d2h-bandwidth", Verdict::fail, stop_reason());
  }
}

}  // namespace

void judge_gpu(GpuReport& g, bool quick, const std::optional<Error>& cuda_error) {
  g.checks.clear();
  judge_presence(g);
  if (!g.nvml.lost) {
    judge_link(g, quick);
    judge_ecc(g);
    judge_retirement(g);
    judge_thermal(g);
    if (!quick) {
      judge_cuda(g, cuda_error);
    }
  }
  g.verdict = Verdict::skipped;
  for (const auto& c : g.checks) {
    g.verdict = worse(g.verdict, c.verdict);
  }
  if (g.verdict == Verdict::unrated) {
    g.verdict = Verdict::pass;  // nothing failed; "unrated" checks stay visible in the list
  }
}

void summarise(ProbeReport& r) {
  r.verdict = r.error ? Verdict::fail : Verdict::skipped;
  r.weakest.reset();
  r.weakest_reason.clear();
  // Weakest: the worst verdict, then the lowest fraction of the published memory bandwidth, then
  // the lowest host transfer fraction.
  auto key = [](const GpuReport& g) {
    double d2d = g.cuda && g.cuda->d2d && g.cuda->d2d->fraction ? *g.cuda->d2d->fraction : 2.0;
    double h2d = g.cuda && g.cuda->h2d && g.cuda->h2d->fraction ? *g.cuda->h2d->fraction : 2.0;
    return std::make_tuple(-static_cast<int>(g.verdict), d2d, h2d);
  };
  for (size_t i = 0; i < r.gpus.size(); ++i) {
    r.verdict = worse(r.verdict, r.gpus[i].verdict);
    if (!r.weakest || key(r.gpus[i]) < key(r.gpus[*r.weakest])) {
      r.weakest = i;
    }
  }
  if (!r.weakest) {
    return;
  }
  const GpuReport& w = r.gpus[*r.weakest];
  for (const auto& c : w.checks) {
    if (c.verdict == w.verdict && (w.verdict == Verdict::fail || w.verdict == Verdict::warn)) {
      r.weakest_reason = fmt::format("{}: {}", c.id, c.detail);
      break;
    }
  }
  if (r.weakest_reason.empty()) {
    for (const auto& c : w.checks) {
      if (c.id == "d2d-bandwidth") {
        r.weakest_reason = fmt::format("{}: {}", c.id, c.detail);
      }
    }
  }
  if (r.weakest_reason.empty()) {
    r.weakest_reason = fmt::format("verdict {}", verdict_name(w.verdict));
  }
}

}  // namespace talgpu::gpu
