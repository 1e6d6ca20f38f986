// Hand-written PTX (NVIDIA "Parallel Thread Execution ISA" reference: .version/.target/.entry,
// ld.global.nc, st.global.v4, grid-stride loops). No CUDA toolkit is needed to build talgpu: the
// driver's JIT compiles this text for whatever GPU it runs on, Turing through Hopper and newer.
//
// Why these choices:
//  - `.version 6.0` (CUDA 9.0) with `.target sm_50` is the oldest ISA that has everything used here,
//    so any driver of the last several years can JIT it; CUDA_ERROR_UNSUPPORTED_PTX_VERSION only
//    comes from a driver older than CUDA 9.
//  - The copies move 16 bytes per load/store (v4.u32) and keep four or eight loads in flight per
//    thread before their stores, through the read-only path (.nc) since source and destination
//    never alias; talgpu_copy8cs also marks its stores evict-first (.cs, streaming). Threads stride
//    by the whole grid, so one launch covers any size. Which variant and launch shape is fastest
//    depends on the card (on an H200 they differ by a few percent, bench/README.md), so the probe
//    times each and reports the best, as a tuned library copy would pick its own.
//  - The three copy kernels were generated from one template (unroll, store cache operator) and
//    checked with ptxas for sm_75 and sm_90 on the device machine (bench/probe_device.sh).
//  - The vector add is a plain grid-stride loop; its job is correctness, not speed.

#include <gpu/kernels.hpp>

namespace talgpu::gpu {

namespace {

constexpr std::string_view k_ptx = R"PTX(//
// talgpu probe kernels, hand-written PTX (src/gpu/kernels.cpp)
//
.version 6.0
.target sm_50
.address_size 64

.visible .entry talgpu_vecadd(
	.param .u64 p_a,
	.param .u64 p_b,
	.param .u64 p_c,
	.param .u64 p_n
)
{
	.reg .pred 	%p<2>;
	.reg .f32 	%f<4>;
	.reg .b32 	%r<5>;
	.reg .b64 	%rd<12>;

	ld.param.u64 	%rd1, [p_a];
	ld.param.u64 	%rd2, [p_b];
	ld.param.u64 	%rd3, [p_c];
	ld.param.u64 	%rd4, [p_n];
	cvta.to.global.u64 	%rd1, %rd1;
	cvta.to.global.u64 	%rd2, %rd2;
	cvta.to.global.u64 	%rd3, %rd3;
	mov.u32 	%r1, %ctaid.x;
	mov.u32 	%r2, %ntid.x;
	mov.u32 	%r3, %tid.x;
	mov.u32 	%r4, %nctaid.x;
	mul.wide.u32 	%rd5, %r1, %r2;
	cvt.u64.u32 	%rd6, %r3;
	add.u64 	%rd5, %rd5, %rd6;
	mul.wide.u32 	%rd7, %r4, %r2;
VECADD_LOOP:
	setp.ge.u64 	%p1, %rd5, %rd4;
	@%p1 bra 	VECADD_DONE;
	shl.b64 	%rd8, %rd5, 2;
	add.u64 	%rd9, %rd1, %rd8;
	ld.global.f32 	%f1, [%rd9];
	add.u64 	%rd10, %rd2, %rd8;
	ld.global.f32 	%f2, [%rd10];
	add.rn.f32 	%f3, %f1, %f2;
	add.u64 	%rd11, %rd3, %rd8;
	st.global.f32 	[%rd11], %f3;
	add.u64 	%rd5, %rd5, %rd7;
	bra.uni 	VECADD_LOOP;
VECADD_DONE:
	ret;
}

.visible .entry talgpu_copy4(
	.param .u64 p_dst,
	.param .u64 p_src,
	.param .u64 p_n16
)
{
	.reg .pred 	%p<3>;
	.reg .b32 	%r<21>;
	.reg .b64 	%rd<20>;

	ld.param.u64 	%rd1, [p_dst];
	ld.param.u64 	%rd2, [p_src];
	ld.param.u64 	%rd3, [p_n16];
	cvta.to.global.u64 	%rd1, %rd1;
	cvta.to.global.u64 	%rd2, %rd2;
	mov.u32 	%r1, %ctaid.x;
	mov.u32 	%r2, %ntid.x;
	mov.u32 	%r3, %tid.x;
	mov.u32 	%r4, %nctaid.x;
	mul.wide.u32 	%rd4, %r1, %r2;
	cvt.u64.u32 	%rd5, %r3;
	add.u64 	%rd4, %rd4, %rd5;	// i: this thread's first vector
	mul.wide.u32 	%rd6, %r4, %r2;	// stride: threads in the grid
	shl.b64 	%rd7, %rd6, 4;	// stride in bytes
	mul.lo.u64 	%rd8, %rd6, 3;	// (unroll-1) * stride
	mul.lo.u64 	%rd9, %rd6, 4;	// unroll * stride
TALGPU_COPY4_MAIN:
	add.u64 	%rd10, %rd4, %rd8;
	setp.ge.u64 	%p1, %rd10, %rd3;
	@%p1 bra 	TALGPU_COPY4_TAIL;
	shl.b64 	%rd11, %rd4, 4;
	add.u64 	%rd12, %rd2, %rd11;
	add.u64 	%rd13, %rd12, %rd7;
	add.u64 	%rd14, %rd13, %rd7;
	add.u64 	%rd15, %rd14, %rd7;
	ld.global.nc.v4.u32 	{%r5, %r6, %r7, %r8}, [%rd12];
	ld.global.nc.v4.u32 	{%r9, %r10, %r11, %r12}, [%rd13];
	ld.global.nc.v4.u32 	{%r13, %r14, %r15, %r16}, [%rd14];
	ld.global.nc.v4.u32 	{%r17, %r18, %r19, %r20}, [%rd15];
	add.u64 	%rd16, %rd1, %rd11;
	add.u64 	%rd17, %rd16, %rd7;
	add.u64 	%rd18, %rd17, %rd7;
	add.u64 	%rd19, %rd18, %rd7;
	st.global.v4.u32 	[%rd16], {%r5, %r6, %r7, %r8};
	st.global.v4.u32 	[%rd17], {%r9, %r10, %r11, %r12};
	st.global.v4.u32 	[%rd18], {%r13, %r14, %r15, %r16};
	st.global.v4.u32 	[%rd19], {%r17, %r18, %r19, %r20};
	add.u64 	%rd4, %rd4, %rd9;
	bra.uni 	TALGPU_COPY4_MAIN;
TALGPU_COPY4_TAIL:
	setp.ge.u64 	%p2, %rd4, %rd3;
	@%p2 bra 	TALGPU_COPY4_DONE;
	shl.b64 	%rd11, %rd4, 4;
	add.u64 	%rd12, %rd2, %rd11;
	add.u64 	%rd16, %rd1, %rd11;
	ld.global.nc.v4.u32 	{%r5, %r6, %r7, %r8}, [%rd12];
	st.global.v4.u32 	[%rd16], {%r5, %r6, %r7, %r8};
	add.u64 	%rd4, %rd4, %rd6;
	bra.uni 	TALGPU_COPY4_TAIL;
TALGPU_COPY4_DONE:
	ret;
}

.visible .entry talgpu_copy8(
	.param .u64 p_dst,
	.param .u64 p_src,
	.param .u64 p_n16
)
{
	.reg .pred 	%p<3>;
	.reg .b32 	%r<37>;
	.reg .b64 	%rd<28>;

	ld.param.u64 	%rd1, [p_dst];
	ld.param.u64 	%rd2, [p_src];
	ld.param.u64 	%rd3, [p_n16];
	cvta.to.global.u64 	%rd1, %rd1;
	cvta.to.global.u64 	%rd2, %rd2;
	mov.u32 	%r1, %ctaid.x;
	mov.u32 	%r2, %ntid.x;
	mov.u32 	%r3, %tid.x;
	mov.u32 	%r4, %nctaid.x;
	mul.wide.u32 	%rd4, %r1, %r2;
	cvt.u64.u32 	%rd5, %r3;
	add.u64 	%rd4, %rd4, %rd5;	// i: this thread's first vector
	mul.wide.u32 	%rd6, %r4, %r2;	// stride: threads in the grid
	shl.b64 	%rd7, %rd6, 4;	// stride in bytes
	mul.lo.u64 	%rd8, %rd6, 7;	// (unroll-1) * stride
	mul.lo.u64 	%rd9, %rd6, 8;	// unroll * stride
TALGPU_COPY8_MAIN:
	add.u64 	%rd10, %rd4, %rd8;
	setp.ge.u64 	%p1, %rd10, %rd3;
	@%p1 bra 	TALGPU_COPY8_TAIL;
	shl.b64 	%rd11, %rd4, 4;
	add.u64 	%rd12, %rd2, %rd11;
	add.u64 	%rd13, %rd12, %rd7;
	add.u64 	%rd14, %rd13, %rd7;
	add.u64 	%rd15, %rd14, %rd7;
	add.u64 	%rd16, %rd15, %rd7;
	add.u64 	%rd17, %rd16, %rd7;
	add.u64 	%rd18, %rd17, %rd7;
	add.u64 	%rd19, %rd18, %rd7;
	ld.global.nc.v4.u32 	{%r5, %r6, %r7, %r8}, [%rd12];
	ld.global.nc.v4.u32 	{%r9, %r10, %r11, %r12}, [%rd13];
	ld.global.nc.v4.u32 	{%r13, %r14, %r15, %r16}, [%rd14];
	ld.global.nc.v4.u32 	{%r17, %r18, %r19, %r20}, [%rd15];
	ld.global.nc.v4.u32 	{%r21, %r22, %r23, %r24}, [%rd16];
	ld.global.nc.v4.u32 	{%r25, %r26, %r27, %r28}, [%rd17];
	ld.global.nc.v4.u32 	{%r29, %r30, %r31, %r32}, [%rd18];
	ld.global.nc.v4.u32 	{%r33, %r34, %r35, %r36}, [%rd19];
	add.u64 	%rd20, %rd1, %rd11;
	add.u64 	%rd21, %rd20, %rd7;
	add.u64 	%rd22, %rd21, %rd7;
	add.u64 	%rd23, %rd22, %rd7;
	add.u64 	%rd24, %rd23, %rd7;
	add.u64 	%rd25, %rd24, %rd7;
	add.u64 	%rd26, %rd25, %rd7;
	add.u64 	%rd27, %rd26, %rd7;
	st.global.v4.u32 	[%rd20], {%r5, %r6, %r7, %r8};
	st.global.v4.u32 	[%rd21], {%r9, %r10, %r11, %r12};
	st.global.v4.u32 	[%rd22], {%r13, %r14, %r15, %r16};
	st.global.v4.u32 	[%rd23], {%r17, %r18, %r19, %r20};
	st.global.v4.u32 	[%rd24], {%r21, %r22, %r23, %r24};
	st.global.v4.u32 	[%rd25], {%r25, %r26, %r27, %r28};
	st.global.v4.u32 	[%rd26], {%r29, %r30, %r31, %r32};
	st.global.v4.u32 	[%rd27], {%r33, %r34, %r35, %r36};
	add.u64 	%rd4, %rd4, %rd9;
	bra.uni 	TALGPU_COPY8_MAIN;
TALGPU_COPY8_TAIL:
	setp.ge.u64 	%p2, %rd4, %rd3;
	@%p2 bra 	TALGPU_COPY8_DONE;
	shl.b64 	%rd11, %rd4, 4;
	add.u64 	%rd12, %rd2, %rd11;
	add.u64 	%rd20, %rd1, %rd11;
	ld.global.nc.v4.u32 	{%r5, %r6, %r7, %r8}, [%rd12];
	st.global.v4.u32 	[%rd20], {%r5, %r6, %r7, %r8};
	add.u64 	%rd4, %rd4, %rd6;
	bra.uni 	TALGPU_COPY8_TAIL;
TALGPU_COPY8_DONE:
	ret;
}

.visible .entry talgpu_copy8cs(
	.param .u64 p_dst,
	.param .u64 p_src,
	.param .u64 p_n16
)
{
	.reg .pred 	%p<3>;
	.reg .b32 	%r<37>;
	.reg .b64 	%rd<28>;

	ld.param.u64 	%rd1, [p_dst];
	ld.param.u64 	%rd2, [p_src];
	ld.param.u64 	%rd3, [p_n16];
	cvta.to.global.u64 	%rd1, %rd1;
	cvta.to.global.u64 	%rd2, %rd2;
	mov.u32 	%r1, %ctaid.x;
	mov.u32 	%r2, %ntid.x;
	mov.u32 	%r3, %tid.x;
	mov.u32 	%r4, %nctaid.x;
	mul.wide.u32 	%rd4, %r1, %r2;
	cvt.u64.u32 	%rd5, %r3;
	add.u64 	%rd4, %rd4, %rd5;	// i: this thread's first vector
	mul.wide.u32 	%rd6, %r4, %r2;	// stride: threads in the grid
	shl.b64 	%rd7, %rd6, 4;	// stride in bytes
	mul.lo.u64 	%rd8, %rd6, 7;	// (unroll-1) * stride
	mul.lo.u64 	%rd9, %rd6, 8;	// unroll * stride
TALGPU_COPY8CS_MAIN:
	add.u64 	%rd10, %rd4, %rd8;
	setp.ge.u64 	%p1, %rd10, %rd3;
	@%p1 bra 	TALGPU_COPY8CS_TAIL;
	shl.b64 	%rd11, %rd4, 4;
	add.u64 	%rd12, %rd2, %rd11;
	add.u64 	%rd13, %rd12, %rd7;
	add.u64 	%rd14, %rd13, %rd7;
	add.u64 	%rd15, %rd14, %rd7;
	add.u64 	%rd16, %rd15, %rd7;
	add.u64 	%rd17, %rd16, %rd7;
	add.u64 	%rd18, %rd17, %rd7;
	add.u64 	%rd19, %rd18, %rd7;
	ld.global.nc.v4.u32 	{%r5, %r6, %r7, %r8}, [%rd12];
	ld.global.nc.v4.u32 	{%r9, %r10, %r11, %r12}, [%rd13];
	ld.global.nc.v4.u32 	{%r13, %r14, %r15, %r16}, [%rd14];
	ld.global.nc.v4.u32 	{%r17, %r18, %r19, %r20}, [%rd15];
	ld.global.nc.v4.u32 	{%r21, %r22, %r23, %r24}, [%rd16];
	ld.global.nc.v4.u32 	{%r25, %r26, %r27, %r28}, [%rd17];
	ld.global.nc.v4.u32 	{%r29, %r30, %r31, %r32}, [%rd18];
	ld.global.nc.v4.u32 	{%r33, %r34, %r35, %r36}, [%rd19];
	add.u64 	%rd20, %rd1, %rd11;
	add.u64 	%rd21, %rd20, %rd7;
	add.u64 	%rd22, %rd21, %rd7;
	add.u64 	%rd23, %rd22, %rd7;
	add.u64 	%rd24, %rd23, %rd7;
	add.u64 	%rd25, %rd24, %rd7;
	add.u64 	%rd26, %rd25, %rd7;
	add.u64 	%rd27, %rd26, %rd7;
	st.global.cs.v4.u32 	[%rd20], {%r5, %r6, %r7, %r8};
	st.global.cs.v4.u32 	[%rd21], {%r9, %r10, %r11, %r12};
	st.global.cs.v4.u32 	[%rd22], {%r13, %r14, %r15, %r16};
	st.global.cs.v4.u32 	[%rd23], {%r17, %r18, %r19, %r20};
	st.global.cs.v4.u32 	[%rd24], {%r21, %r22, %r23, %r24};
	st.global.cs.v4.u32 	[%rd25], {%r25, %r26, %r27, %r28};
	st.global.cs.v4.u32 	[%rd26], {%r29, %r30, %r31, %r32};
	st.global.cs.v4.u32 	[%rd27], {%r33, %r34, %r35, %r36};
	add.u64 	%rd4, %rd4, %rd9;
	bra.uni 	TALGPU_COPY8CS_MAIN;
TALGPU_COPY8CS_TAIL:
	setp.ge.u64 	%p2, %rd4, %rd3;
	@%p2 bra 	TALGPU_COPY8CS_DONE;
	shl.b64 	%rd11, %rd4, 4;
	add.u64 	%rd12, %rd2, %rd11;
	add.u64 	%rd20, %rd1, %rd11;
	ld.global.nc.v4.u32 	{%r5, %r6, %r7, %r8}, [%rd12];
	st.global.cs.v4.u32 	[%rd20], {%r5, %r6, %r7, %r8};
	add.u64 	%rd4, %rd4, %rd6;
	bra.uni 	TALGPU_COPY8CS_TAIL;
TALGPU_COPY8CS_DONE:
	ret;
}
)PTX";

}  // namespace

std::string_view probe_ptx() {
  return k_ptx;
}

}  // namespace talgpu::gpu
