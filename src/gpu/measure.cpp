// The CUDA part of the probe on one GPU.
//
// Order and why:
//  1. the primary context (the one the CUDA runtime and PyTorch use) and the PTX module, JIT-compiled
//     by the driver: a driver too old for the PTX ISA fails here with
//     CUDA_ERROR_UNSUPPORTED_PTX_VERSION, which we report as such;
//  2. a vector add (4 Mi floats by default), every element compared bit for bit with the host's sum (IEEE
//     round-to-nearest addition gives one answer on both sides);
//  3. host -> device: a pseudo-random pattern from pinned memory, timed with CUDA events;
//  4. device -> device: the copy kernels over the whole device buffer, timed the same way, each
//     kernel variant at a few launch shapes; the best is reported (and copies last);
//  5. device -> host: the copied buffer back into pinned memory, then compared with the pattern, so
//     the three copies are verified end to end, not just timed.
// Each timed figure is the best of three repetitions of several back-to-back operations (the first
// one is a warm-up), as bandwidth benchmarks (and the PyTorch comparison in bench/) measure.
// A copy counts its read and its write (2 x bytes), the convention of STREAM and of the torch
// figures in the issue; host transfers count bytes once.

#include <algorithm>
#include <optional>
#include <cstring>

#include <fmt/format.h>

#include <gpu/kernels.hpp>
#include <gpu/probe.hpp>

namespace talgpu::gpu {

namespace {

constexpr int k_reps = 3;
constexpr int k_copy_iters = 10;
constexpr int k_transfer_iters = 4;

// Owns what one GPU's run allocates and frees it on every path out.
class Session {
 public:
  Session(CudaDriver& cu, int device) : m_cu(cu), m_device(device) {}
  ~Session() {
    if (m_ctx == nullptr) {
      return;
    }
    m_cu.ctx_synchronize();
    for (CuEvent e : m_events) {
      m_cu.event_destroy(e);
    }
    for (CuDevicePtr p : m_device_buffers) {
      m_cu.mem_free(p);
    }
    for (void* p : m_host_buffers) {
      m_cu.mem_free_host(p);
    }
    if (m_stream != nullptr) {
      m_cu.stream_destroy(m_stream);
    }
    if (m_module != nullptr) {
      m_cu.module_unload(m_module);
    }
    m_cu.primary_ctx_release(m_device);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Turns a CUresult into an Error naming the call: "cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (out of memory)".
  Result<void> check(int rc, const char* call, const char* rule = "gpu-cuda-call") {
    if (rc == cu::success) {
      return {};
    }
    return fail(fmt::format("{}: {} ({})", call, m_cu.error_name(rc), m_cu.error_string(rc)), {}, rule);
  }

  Result<void> open() {
    TRY(check(m_cu.primary_ctx_retain(&m_ctx, m_device), "cuDevicePrimaryCtxRetain"));
    TRY(check(m_cu.ctx_set_current(m_ctx), "cuCtxSetCurrent"));
    TRY(check(m_cu.stream_create(&m_stream), "cuStreamCreate"));
    for (int i = 0; i < 2; ++i) {
      CuEvent e = nullptr;
      TRY(check(m_cu.event_create(&e), "cuEventCreate"));
      m_events.push_back(e);
    }
    return {};
  }

  Result<void> load(std::string* log) {
    int rc = m_cu.module_load_ptx(&m_module, std::string(probe_ptx()), log);
    if (rc == cu::unsupported_ptx_version) {
      return fail(fmt::format("cuModuleLoadDataEx: {}: the driver cannot compile PTX ISA {}; it is older than "
                              "CUDA 9.0's driver or its JIT is damaged",
                              m_cu.error_name(rc), k_ptx_isa_version),
                  {}, "gpu-ptx-unsupported");
    }
    TRY(check(rc, "cuModuleLoadDataEx", "gpu-ptx-load"));
    TRY(check(m_cu.module_function(&m_vecadd, m_module, k_vecadd_kernel), "cuModuleGetFunction"));
    for (const char* name : k_copy_kernels) {
      CuFunction f = nullptr;
      TRY(check(m_cu.module_function(&f, m_module, name), "cuModuleGetFunction"));
      m_copies.push_back(f);
    }
    return {};
  }

  Result<CuDevicePtr> device_buffer(uint64_t bytes) {
    CuDevicePtr p = 0;
    TRY(check(m_cu.mem_alloc(&p, bytes), "cuMemAlloc"));
    m_device_buffers.push_back(p);
    return p;
  }

  Result<void*> host_buffer(uint64_t bytes) {
    void* p = nullptr;
    TRY(check(m_cu.mem_alloc_host(&p, bytes), "cuMemAllocHost"));
    m_host_buffers.push_back(p);
    return p;
  }

  // Runs `op` once (warm-up), then k_reps times `iters` in a row between two events; returns the
  // shortest repetition in milliseconds.
  template <typename Op>
  Result<double> time_best(int iters, Op&& op) {
    TRY(op());
    double best = 0;
    for (int r = 0; r < k_reps; ++r) {
      TRY(check(m_cu.event_record(m_events[0], m_stream), "cuEventRecord"));
      for (int i = 0; i < iters; ++i) {
        TRY(op());
      }
      TRY(check(m_cu.event_record(m_events[1], m_stream), "cuEventRecord"));
      TRY(check(m_cu.event_synchronize(m_events[1]), "cuEventSynchronize"));
      float ms = 0;
      TRY(check(m_cu.event_elapsed_ms(&ms, m_events[0], m_events[1]), "cuEventElapsedTime"));
      if (ms > 0 && (best == 0 || ms < best)) {
        best = ms;
      }
    }
    if (best <= 0) {
      return fail("cuEventElapsedTime reported no time for the timed copies", {}, "gpu-cuda-call");
    }
    return best;
  }

  CudaDriver& cu() { return m_cu; }
  CuStream stream() const { return m_stream; }
  CuFunction vecadd() const { return m_vecadd; }
  const std::vector<CuFunction>& copies() const { return m_copies; }

 private:
  CudaDriver& m_cu;
  int m_device;
  CuContext m_ctx = nullptr;
  CuModule m_module = nullptr;
  CuFunction m_vecadd = nullptr;
  std::vector<CuFunction> m_copies;  // k_copy_kernels, in order
  CuStream m_stream = nullptr;
  std::vector<CuEvent> m_events;
  std::vector<CuDevicePtr> m_device_buffers;
  std::vector<void*> m_host_buffers;
};

// xorshift-multiply of the word index: every word differs from its neighbours and from a shifted
// copy of the buffer, so a copy that drops, repeats or misplaces data cannot match.
uint32_t pattern_word(uint64_t i) {
  uint64_t x = i * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  return static_cast<uint32_t>(x ^ (x >> 32));
}

Result<void> run_vecadd(Session& s, CudaMeasure& m, void* staging, uint64_t n) {
  const uint64_t bytes = n * sizeof(float);
  auto* host = static_cast<float*>(staging);  // a | b | c, 3n floats
  for (uint64_t i = 0; i < n; ++i) {
    host[i] = static_cast<float>(i % 65536) * 0.5f;
    host[n + i] = static_cast<float>((i * 7919) % 100003) - 50000.25f;
    host[2 * n + i] = -1.0f;
  }
  TRY_ASSIGN(CuDevicePtr a, s.device_buffer(bytes));
  TRY_ASSIGN(CuDevicePtr b, s.device_buffer(bytes));
  TRY_ASSIGN(CuDevicePtr c, s.device_buffer(bytes));
  CudaDriver& cu = s.cu();
  TRY(s.check(cu.memcpy_htod_async(a, host, bytes, s.stream()), "cuMemcpyHtoDAsync"));
  TRY(s.check(cu.memcpy_htod_async(b, host + n, bytes, s.stream()), "cuMemcpyHtoDAsync"));
  uint64_t count = n;
  void* params[] = {&a, &b, &c, &count};
  TRY(s.check(cu.launch(s.vecadd(), 1024, 256, s.stream(), params), "cuLaunchKernel"));
  TRY(s.check(cu.memcpy_dtoh_async(host + 2 * n, c, bytes, s.stream()), "cuMemcpyDtoHAsync"));
  TRY(s.check(cu.stream_synchronize(s.stream()), "cuStreamSynchronize (vector add)"));
  uint64_t bad = 0;
  for (uint64_t i = 0; i < n; ++i) {
    float want = host[i] + host[n + i];
    if (std::memcmp(&want, &host[2 * n + i], sizeof want) != 0) {
      if (bad == 0) {
        m.vecadd_first_mismatch = fmt::format("c[{}] = {} (expected {})", i, host[2 * n + i], want);
      }
      ++bad;
    }
  }
  m.vecadd_elements = n;
  m.vecadd_mismatches = bad;
  return {};
}

struct LaunchShape {
  size_t kernel;  // index into k_copy_kernels
  unsigned threads;
  unsigned blocks;
};

// The copy launches to try: each kernel with 512 resident threads per SM split three ways and a
// lighter 256 (from the sweep in bench/README.md: fewer, busier threads win on an H200), or only
// the shape the TALGPU_PROBE_COPY_* knobs ask for.
std::vector<LaunchShape> copy_shapes(CudaDriver& cu, int device, const ProbeOptions& opts) {
  int sms = 0;
  if (cu.device_attribute(&sms, cu::attr_multiprocessor_count, device) != cu::success || sms <= 0) {
    sms = 16;
  }
  const unsigned n = static_cast<unsigned>(sms);
  std::vector<std::pair<unsigned, unsigned>> per_sm = {{128, 4}, {256, 2}, {512, 1}, {128, 2}};
  if (opts.copy_blocks_per_sm != 0) {
    per_sm = {{opts.copy_threads, opts.copy_blocks_per_sm}};
  }
  std::vector<LaunchShape> out;
  for (size_t k = 0; k < std::size(k_copy_kernels); ++k) {
    for (const auto& [threads, blocks] : per_sm) {
      out.push_back(LaunchShape{k, threads, blocks * n});
    }
  }
  return out;
}

Result<void> run_copies(Session& s, CudaMeasure& m, int device, const ProbeOptions& opts, uint64_t copy_bytes,
                        uint64_t transfer_bytes, void* pattern, void* back) {
  CudaDriver& cu = s.cu();
  TRY_ASSIGN(CuDevicePtr src, s.device_buffer(copy_bytes));
  TRY_ASSIGN(CuDevicePtr dst, s.device_buffer(copy_bytes));

  m.failed_step = "transfer";
  TRY_ASSIGN(double h2d_ms, s.time_best(k_transfer_iters, [&]() {
    return s.check(cu.memcpy_htod_async(src, pattern, transfer_bytes, s.stream()), "cuMemcpyHtoDAsync");
  }));
  m.h2d = Bandwidth{transfer_bytes, transfer_bytes * k_transfer_iters / h2d_ms / 1e6, {}, {}};

  m.failed_step = "copy";
  uint64_t n16 = copy_bytes / 16;
  void* params[] = {&dst, &src, &n16};
  std::optional<LaunchShape> best;
  double best_ms = 0;
  for (const LaunchShape& shape : copy_shapes(cu, device, opts)) {
    CuFunction fn = s.copies()[shape.kernel];
    TRY_ASSIGN(double ms, s.time_best(k_copy_iters, [&]() {
      return s.check(cu.launch(fn, shape.blocks, shape.threads, s.stream(), params), "cuLaunchKernel (copy)");
    }));
    if (!best || ms < best_ms) {
      best = shape;
      best_ms = ms;
    }
  }
  m.d2d = Bandwidth{2 * copy_bytes, 2.0 * copy_bytes * k_copy_iters / best_ms / 1e6, {}, {}};
  m.d2d_launch = fmt::format("{} {}x{}", k_copy_kernels[best->kernel], best->blocks, best->threads);
  // The winner copies once more, so the round trip below checks the kernel whose speed is reported.
  TRY(s.check(cu.launch(s.copies()[best->kernel], best->blocks, best->threads, s.stream(), params),
              "cuLaunchKernel (copy)"));

  m.failed_step = "transfer";
  TRY_ASSIGN(double d2h_ms, s.time_best(k_transfer_iters, [&]() {
    return s.check(cu.memcpy_dtoh_async(back, dst, transfer_bytes, s.stream()), "cuMemcpyDtoHAsync");
  }));
  m.d2h = Bandwidth{transfer_bytes, transfer_bytes * k_transfer_iters / d2h_ms / 1e6, {}, {}};
  TRY(s.check(cu.stream_synchronize(s.stream()), "cuStreamSynchronize (copies)"));

  const auto* want = static_cast<const uint32_t*>(pattern);
  const auto* got = static_cast<const uint32_t*>(back);
  m.copies_intact = std::memcmp(want, got, transfer_bytes) == 0;
  if (!*m.copies_intact) {
    for (uint64_t i = 0; i < transfer_bytes / 4; ++i) {
      if (want[i] != got[i]) {
        m.copies_first_mismatch = fmt::format("word {} is 0x{:08x} (expected 0x{:08x})", i, got[i], want[i]);
        break;
      }
    }
  }
  m.failed_step.clear();
  return {};
}

Result<void> run_all(Session& s, CudaMeasure& m, int device, const ProbeOptions& opts, uint64_t memory_total) {
  m.failed_step = "context";
  TRY(s.open());
  m.failed_step = "module";
  TRY(s.load(&m.jit_log));

  // Sizes: at most the requested ones, at most an eighth of the card's memory for each device
  // buffer, whole 16-byte vectors, and the host transfer never larger than the device buffer.
  uint64_t copy_bytes = opts.copy_bytes;
  if (memory_total > 0) {
    copy_bytes = std::min(copy_bytes, memory_total / 8);
  }
  copy_bytes = std::max<uint64_t>(copy_bytes & ~uint64_t{15}, 16);
  uint64_t transfer_bytes = std::max<uint64_t>(std::min(opts.transfer_bytes, copy_bytes) & ~uint64_t{15}, 16);
  uint64_t staging_bytes = std::max(transfer_bytes, 3 * opts.vecadd_elements * sizeof(float));

  TRY_ASSIGN(void* pattern, s.host_buffer(staging_bytes));
  TRY_ASSIGN(void* back, s.host_buffer(staging_bytes));

  m.failed_step = "vector-add";
  TRY(run_vecadd(s, m, back, opts.vecadd_elements));

  auto* words = static_cast<uint32_t*>(pattern);
  for (uint64_t i = 0; i < transfer_bytes / 4; ++i) {
    words[i] = pattern_word(i);
  }
  std::memset(back, 0, transfer_bytes);
  return run_copies(s, m, device, opts, copy_bytes, transfer_bytes, pattern, back);
}

}  // namespace

CudaMeasure measure_gpu(CudaDriver& cuda, int ordinal, const ProbeOptions& opts, uint64_t memory_total_bytes) {
  CudaMeasure m;
  m.ordinal = ordinal;
  int device = 0;
  int rc = cuda.device_get(&device, ordinal);
  if (rc != cu::success) {
    m.failed_step = "context";
    m.error = Error(fmt::format("cuDeviceGet: {} ({})", cuda.error_name(rc), cuda.error_string(rc)), {}, "gpu-cuda-call");
    return m;
  }
  Session s(cuda, device);
  auto r = run_all(s, m, device, opts, memory_total_bytes);
  if (!r) {
    m.error = r.error();
  }
  return m;
}

}  // namespace talgpu::gpu
