#pragma once
// The probe's kernels, as PTX text embedded in the binary (see kernels.cpp for how it was written).

#include <string_view>

namespace talgpu::gpu {

// One PTX module with these entry points:
//   talgpu_vecadd(const float* a, const float* b, float* c, u64 n): c[i] = a[i] + b[i]
//   talgpu_copy4 / talgpu_copy8 / talgpu_copy8cs(u128* dst, const u128* src, u64 n16):
//     dst[i] = src[i], 16 bytes at a time, 4 or 8 loads in flight per thread (cs: streaming stores)
std::string_view probe_ptx();
inline constexpr const char* k_vecadd_kernel = "talgpu_vecadd";
inline constexpr const char* k_copy_kernels[] = {"talgpu_copy4", "talgpu_copy8", "talgpu_copy8cs"};
// The PTX ISA version the module declares (".version"): a driver must support it to JIT it.
inline constexpr const char* k_ptx_isa_version = "6.0";

}  // namespace talgpu::gpu
