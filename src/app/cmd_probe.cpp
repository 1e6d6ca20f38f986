// `talgpu probe [--quick] [--gpu INDEX|UUID]`: health and bandwidth of the GPUs on this host, through
// the driver's own libraries loaded at run time (src/gpu/probe.hpp). Exit 0 when every check passes
// or only warns, 1 when a check fails or the driver cannot be used, 2 when --gpu names no GPU.

#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <app/command.hpp>
#include <core/error.hpp>
#include <gpu/probe.hpp>
#include <gpu/report.hpp>

namespace talgpu {

namespace {

struct Options {
  bool quick = false;
  std::string gpu;
  uint64_t copy_mib = 1024;
  uint64_t transfer_mib = 256;
};

// Tuning knobs for benchmarking the copy kernel's launch shape (bench/README.md), not for users.
unsigned env_unsigned(const char* name, unsigned fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    return fallback;
  }
  char* end = nullptr;
  unsigned long n = std::strtoul(v, &end, 10);
  return end != nullptr && *end == '\0' && n > 0 && n <= 4096 ? static_cast<unsigned>(n) : fallback;
}

int run_probe_command(Context& ctx, const Options& o) {
  gpu::ProbeOptions opts;
  opts.quick = o.quick;
  if (!o.gpu.empty()) {
    opts.gpu = o.gpu;
  }
  opts.nvml_library = gpu::nvml_library_path();
  opts.cuda_library = gpu::cuda_library_path();
  opts.copy_bytes = o.copy_mib << 20;
  opts.transfer_bytes = o.transfer_mib << 20;
  opts.copy_threads = env_unsigned("TALGPU_PROBE_COPY_THREADS", 256);
  if (opts.copy_threads % 32 != 0 || opts.copy_threads > 1024) {
    opts.copy_threads = 256;
  }
  opts.copy_blocks_per_sm = env_unsigned("TALGPU_PROBE_COPY_BLOCKS_PER_SM", 0);
  gpu::ProbeReport report = value_or_abort(gpu::run_probe(opts), k_exit_usage);
  if (ctx.json()) {
    fmt::print(ctx.out, "{}", gpu::render_json(report));
  } else {
    fmt::print(ctx.out, "{}", gpu::render_text(report, ctx.color_out));
  }
  return report.error || report.verdict == gpu::Verdict::fail ? k_exit_findings : k_exit_ok;
}

}  // namespace

void setup_probe(CLI::App& app, Context& ctx, CommandRun& run) {
  auto o = std::make_shared<Options>();
  app.add_flag("--quick", o->quick, "NVML readings only: no kernels, no copies (well under a second)");
  app.add_option("--gpu", o->gpu, "Probe only this GPU: NVML index (as nvidia-smi numbers them) or UUID");
  app.add_option("--copy-mib", o->copy_mib, "Size of each device buffer of the device-to-device copy (default 1024)")
      ->check(CLI::Range(1, 65536));
  app.add_option("--transfer-mib", o->transfer_mib, "Size of each host<->device copy (default 256)")
      ->check(CLI::Range(1, 65536));
  app.footer(
      "Loads libnvidia-ml.so.1 and libcuda.so.1 at run time ($TALGPU_NVML_LIBRARY, $TALGPU_CUDA_LIBRARY\n"
      "override the paths). Exit 0: every check passed or warned; 1: a check failed or the driver\n"
      "cannot be used; 2: --gpu names no GPU. Thresholds: docs/probe.md.\n"
      "\nExamples:\n"
      "  talgpu probe\n"
      "  talgpu -o json probe > probe.json");
  run = [&ctx, o]() -> int { return run_probe_command(ctx, *o); };
}

}  // namespace talgpu
