// The probe report for a terminal: the driver line, then per GPU its readings and one line per
// check, then the summary naming the weakest GPU.

#include <gpu/report.hpp>

#include <fmt/format.h>

#include <core/term.hpp>

namespace talgpu::gpu {

namespace {

// Strings from the driver (names, versions) are printed with control characters escaped.
std::string clean(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

template <typename T>
std::string show(const Reading<T>& r, std::string_view unit = "") {
  if (!r.ok()) {
    if (r.status == ReadStatus::lost) {
      return "?";  // the GPU's own line says it is lost
    }
    return r.status == ReadStatus::unsupported ? "n/a" : fmt::format("? ({})", r.why);
  }
  return fmt::format("{}{}", *r.value, unit);
}

std::string show_text(const Reading<std::string>& r) {
  return r.ok() ? clean(*r.value) : show(r);
}

TextStyle style_of(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return TextStyle::good;
    case Verdict::warn:
      return TextStyle::warning;
    case Verdict::fail:
      return TextStyle::error;
    default:
      return TextStyle::dim;
  }
}

std::string verdict_word(Verdict v, bool color) {
  return styled(fmt::format("{:<8}", verdict_name(v)), style_of(v), color);
}

std::string mib(const Reading<uint64_t>& r) {
  return r.ok() ? fmt::format("{} MiB", *r.value >> 20) : show(r);
}

std::string watts(const Reading<unsigned>& mw) {
  return mw.ok() ? fmt::format("{:.0f} W", *mw.value / 1000.0) : show(mw);
}

void gpu_text(std::string& s, const GpuReport& r, bool color) {
  const NvmlGpu& g = r.nvml;
  const NvmlDynamic& d = g.dynamic;
  s += fmt::format("GPU {}  {}  {}  {}\n", g.index, show_text(g.name), show_text(g.uuid), show_text(g.pci_bus_id));
  if (!g.lost) {
    std::string cc = g.cc_major.ok() && g.cc_minor.ok() ? fmt::format("{}.{}", *g.cc_major.value, *g.cc_minor.value)
                                                        : show(g.cc_major);
    auto onoff = [](const Reading<bool>& b) { return b.ok() ? (*b.value ? "on" : "off") : show(b); };
    s += fmt::format("  memory {} (used {}), compute capability {}, persistence {}, MIG {}\n", mib(g.memory_total_bytes),
                     mib(g.memory_used_bytes), cc, onoff(g.persistence_mode), onoff(g.mig_enabled));
    std::string limit = r.pcie_limit_gbps ? fmt::format(", limit {:.1f} GB/s", *r.pcie_limit_gbps) : "";
    s += fmt::format("  PCIe gen {} x{} at idle, max gen {} x{} (GPU max gen {}){}\n", show(d.link_gen_current),
                     show(d.link_width_current), show(g.link_gen_max), show(g.link_width_max), show(g.link_gen_gpu_max),
                     limit);
    if (r.under_load) {
      s += fmt::format("  under load: PCIe gen {} x{}, {} C, {}, SM {} MHz, memory {} MHz\n",
                       show(r.under_load->link_gen_current), show(r.under_load->link_width_current),
                       show(r.under_load->temperature_c), watts(r.under_load->power_mw), show(r.under_load->clock_sm_mhz),
                       show(r.under_load->clock_mem_mhz));
    }
    std::string throttle = "n/a";
    if (d.throttle_reasons.ok()) {
      auto names = throttle::names(*d.throttle_reasons);
      throttle = names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
    }
    s += fmt::format("  {} C (slowdown {} C), power {} of {}, SM {}/{} MHz, memory {}/{} MHz, clock events: {}\n",
                     show(d.temperature_c), show(g.temperature_slowdown_c), watts(d.power_mw), watts(g.power_limit_mw),
                     show(d.clock_sm_mhz), show(g.clock_sm_max_mhz), show(d.clock_mem_mhz), show(g.clock_mem_max_mhz),
                     throttle);
  }
  for (const auto& c : r.checks) {
    s += fmt::format("  {} {:<18} {}\n", verdict_word(c.verdict, color), c.id, clean(c.detail));
  }
}

}  // namespace

std::string render_text(const ProbeReport& r, bool color) {
  std::string s;
  if (r.error) {
    s += fmt::format("probe: {} {} [{}]\n", styled("error:", TextStyle::error, color), clean(r.error->message), r.error->rule);
    s += fmt::format("summary: verdict {}\n", styled("fail", TextStyle::error, color));
    return s;
  }
  std::string cuda = r.system.cuda_version.ok()
                         ? fmt::format("{}.{}", *r.system.cuda_version.value / 1000, (*r.system.cuda_version.value % 1000) / 10)
                         : show(r.system.cuda_version);
  s += fmt::format("driver {}, CUDA {} (NVML {}){}\n", show_text(r.system.driver_version), cuda,
                   show_text(r.system.nvml_version), r.quick ? ", quick: NVML only, no kernels or copies run" : "");
  if (r.cuda_error) {
    s += fmt::format("cuda: {} {} [{}]\n", styled("error:", TextStyle::error, color), clean(r.cuda_error->message),
                     r.cuda_error->rule);
  }
  for (const auto& g : r.gpus) {
    gpu_text(s, g, color);
  }
  size_t pass = 0, warn = 0, failed = 0;
  for (const auto& g : r.gpus) {
    pass += g.verdict == Verdict::pass;
    warn += g.verdict == Verdict::warn;
    failed += g.verdict == Verdict::fail;
  }
  s += fmt::format("summary: {} GPU{}: {} pass, {} warn, {} fail; verdict {}\n", r.gpus.size(), r.gpus.size() == 1 ? "" : "s",
                   pass, warn, failed, styled(verdict_name(r.verdict), style_of(r.verdict), color));
  if (r.weakest && r.gpus.size() > 1) {
    const GpuReport& w = r.gpus[*r.weakest];
    s += fmt::format("weakest: GPU {} ({}): {}\n", w.nvml.index, show_text(w.nvml.name), clean(r.weakest_reason));
  }
  return s;
}

}  // namespace talgpu::gpu
