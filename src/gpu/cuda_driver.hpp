#pragma once
// The CUDA driver API, reduced to the calls the probe makes, behind an interface so tests can swap
// it (tests/fakes builds a fake libcuda.so.1 that runs the kernels on the CPU).
//
// Each method returns the driver's CUresult (0 = CUDA_SUCCESS). The types are opaque handles, as in
// cuda.h; device memory is a 64-bit address (CUdeviceptr).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <core/error.hpp>

namespace talgpu::gpu {

// cuda.h CUresult values the probe names in its messages.
namespace cu {
inline constexpr int success = 0;
inline constexpr int not_initialized = 3;
inline constexpr int stub_library = 34;
inline constexpr int insufficient_driver = 35;
inline constexpr int no_device = 100;
inline constexpr int ecc_uncorrectable = 214;
inline constexpr int invalid_ptx = 218;
inline constexpr int jit_compiler_not_found = 221;
inline constexpr int unsupported_ptx_version = 222;
inline constexpr int illegal_address = 700;
inline constexpr int launch_failed = 719;
inline constexpr int system_driver_mismatch = 803;
inline constexpr int compat_not_supported_on_device = 804;

// cuda.h CUdevice_attribute values.
inline constexpr int attr_multiprocessor_count = 16;
inline constexpr int attr_pci_bus_id = 33;
inline constexpr int attr_pci_device_id = 34;
inline constexpr int attr_max_threads_per_multiprocessor = 39;
inline constexpr int attr_pci_domain_id = 50;
inline constexpr int attr_cc_major = 75;
inline constexpr int attr_cc_minor = 76;
}  // namespace cu

using CuContext = struct CUctx_st*;
using CuModule = struct CUmod_st*;
using CuFunction = struct CUfunc_st*;
using CuStream = struct CUstream_st*;
using CuEvent = struct CUevent_st*;
using CuDevicePtr = unsigned long long;

class CudaDriver {
 public:
  virtual ~CudaDriver() = default;
  virtual int init() = 0;
  virtual int driver_version(int* version) = 0;
  virtual int device_count(int* count) = 0;
  virtual int device_get(int* device, int ordinal) = 0;
  virtual int device_name(std::string* name, int device) = 0;
  virtual int device_attribute(int* value, int attribute, int device) = 0;
  virtual int primary_ctx_retain(CuContext* ctx, int device) = 0;
  virtual int primary_ctx_release(int device) = 0;
  virtual int ctx_set_current(CuContext ctx) = 0;
  virtual int ctx_synchronize() = 0;
  // Loads PTX text; on failure `log` holds the JIT compiler's error log.
  virtual int module_load_ptx(CuModule* module, const std::string& ptx, std::string* log) = 0;
  virtual int module_unload(CuModule module) = 0;
  virtual int module_function(CuFunction* fn, CuModule module, const char* name) = 0;
  virtual int mem_alloc(CuDevicePtr* ptr, size_t bytes) = 0;
  virtual int mem_free(CuDevicePtr ptr) = 0;
  virtual int mem_alloc_host(void** ptr, size_t bytes) = 0;  // page-locked ("pinned")
  virtual int mem_free_host(void* ptr) = 0;
  virtual int memcpy_htod_async(CuDevicePtr dst, const void* src, size_t bytes, CuStream stream) = 0;
  virtual int memcpy_dtoh_async(void* dst, CuDevicePtr src, size_t bytes, CuStream stream) = 0;
  virtual int stream_create(CuStream* stream) = 0;
  virtual int stream_destroy(CuStream stream) = 0;
  virtual int stream_synchronize(CuStream stream) = 0;
  virtual int event_create(CuEvent* event) = 0;
  virtual int event_destroy(CuEvent event) = 0;
  virtual int event_record(CuEvent event, CuStream stream) = 0;
  virtual int event_synchronize(CuEvent event) = 0;
  virtual int event_elapsed_ms(float* ms, CuEvent start, CuEvent end) = 0;
  virtual int launch(CuFunction fn, unsigned grid, unsigned block, CuStream stream, void** params) = 0;
  // "CUDA_ERROR_UNSUPPORTED_PTX_VERSION" and cuGetErrorString's text.
  virtual std::string error_name(int code) = 0;
  virtual std::string error_string(int code) = 0;
};

// $TALGPU_CUDA_LIBRARY when set, else "libcuda.so.1".
std::string cuda_library_path();

// dlopen()s `library` and resolves every symbol the probe uses (errors: gpu-cuda-missing,
// gpu-cuda-symbol). cuInit is not called here.
Result<std::unique_ptr<CudaDriver>> open_cuda(const std::string& library);

}  // namespace talgpu::gpu
