// Sparkgrad CUDA kernels: shared definitions.
//
// Conventions (every .cu under src/main/cuda follows them; the Java side in org.sparkgrad.cuda mirrors them):
//  * Entry points are extern "C" and named sg_<family>_<variant>_<dtype>, dtype one of
//    f32 (float), f64 (double), bf16 (__nv_bfloat16), f16 (__half), i64 (long long), u8 (bool as 0/1 byte).
//  * A strided tensor operand is described by a TDesc passed BY VALUE (72 bytes, 18 x int32, no padding):
//      { ndim, offset, shape[8], stride[8] }   offset and strides in elements, row-major coordinates.
//    Operands of one elementwise launch share the iteration shape (the first descriptor's shape); an input that
//    is broadcast has stride 0 along the broadcast dims. Element offsets are computed in 32-bit arithmetic:
//    the engine's storages hold fewer than 2^31 elements.
//  * Elementwise loops are grid-stride loops over a 64-bit linear index, so any grid size is correct.
//  * Scalars that are parameters of an op are passed as double and converted to the element type once.
#pragma once

#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <stdint.h>

#define SG_MAX_DIMS 8
#define SG_MAX_SPATIAL 6

typedef long long i64;
typedef unsigned char u8;

struct TDesc {
    int ndim;
    int offset;
    int shape[SG_MAX_DIMS];
    int stride[SG_MAX_DIMS];
};

// Linear index i (row-major over d.shape) -> element offset.
__host__ __device__ __forceinline__ int sg_offset(const TDesc& d, unsigned int i) {
    if (d.ndim == 1) return d.offset + (int)i * d.stride[0];
    int off = d.offset;
#pragma unroll
    for (int k = SG_MAX_DIMS - 1; k >= 0; --k) {
        if (k >= d.ndim) continue;
        unsigned int s = (unsigned int)d.shape[k];
        unsigned int c = i % s;
        i /= s;
        off += (int)c * d.stride[k];
    }
    return off;
}

// Offsets of two operands that share the shape of `a` (coordinates decoded once).
__host__ __device__ __forceinline__ void sg_offset2(const TDesc& a, const TDesc& b, unsigned int i, int& oa, int& ob) {
    if (a.ndim == 1) {
        oa = a.offset + (int)i * a.stride[0];
        ob = b.offset + (int)i * b.stride[0];
        return;
    }
    oa = a.offset;
    ob = b.offset;
#pragma unroll
    for (int k = SG_MAX_DIMS - 1; k >= 0; --k) {
        if (k >= a.ndim) continue;
        unsigned int s = (unsigned int)a.shape[k];
        int c = (int)(i % s);
        i /= s;
        oa += c * a.stride[k];
        ob += c * b.stride[k];
    }
}

// Offsets of three operands that share the shape of `a`.
__host__ __device__ __forceinline__ void sg_offset3(const TDesc& a, const TDesc& b, const TDesc& c3, unsigned int i,
                                                    int& oa, int& ob, int& oc) {
    if (a.ndim == 1) {
        oa = a.offset + (int)i * a.stride[0];
        ob = b.offset + (int)i * b.stride[0];
        oc = c3.offset + (int)i * c3.stride[0];
        return;
    }
    oa = a.offset;
    ob = b.offset;
    oc = c3.offset;
#pragma unroll
    for (int k = SG_MAX_DIMS - 1; k >= 0; --k) {
        if (k >= a.ndim) continue;
        unsigned int s = (unsigned int)a.shape[k];
        int c = (int)(i % s);
        i /= s;
        oa += c * a.stride[k];
        ob += c * b.stride[k];
        oc += c * c3.stride[k];
    }
}

// Offsets of four operands that share the shape of `a`.
__host__ __device__ __forceinline__ void sg_offset4(const TDesc& a, const TDesc& b, const TDesc& c3, const TDesc& d4,
                                                    unsigned int i, int& oa, int& ob, int& oc, int& od) {
    oa = a.offset;
    ob = b.offset;
    oc = c3.offset;
    od = d4.offset;
#pragma unroll
    for (int k = SG_MAX_DIMS - 1; k >= 0; --k) {
        if (k >= a.ndim) continue;
        unsigned int s = (unsigned int)a.shape[k];
        int c = (int)(i % s);
        i /= s;
        oa += c * a.stride[k];
        ob += c * b.stride[k];
        oc += c * c3.stride[k];
        od += c * d4.stride[k];
    }
}

#define SG_GRID_LOOP(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
         i += (long long)blockDim.x * gridDim.x)

// ---------------------------------------------------------------------------------------------------------
// Element conversions. Everything goes through float or double; bf16/f16 are storage formats only.
// ---------------------------------------------------------------------------------------------------------
template <typename T> struct SgConv;
template <> struct SgConv<float> {
    __device__ static float toF(float v) { return v; }
    __device__ static double toD(float v) { return (double)v; }
    __device__ static i64 toL(float v) { return (i64)v; }
    __device__ static float fromF(float v) { return v; }
    __device__ static float fromD(double v) { return (float)v; }
    __device__ static float fromL(i64 v) { return (float)v; }
};
template <> struct SgConv<double> {
    __device__ static float toF(double v) { return (float)v; }
    __device__ static double toD(double v) { return v; }
    __device__ static i64 toL(double v) { return (i64)v; }
    __device__ static double fromF(float v) { return (double)v; }
    __device__ static double fromD(double v) { return v; }
    __device__ static double fromL(i64 v) { return (double)v; }
};
template <> struct SgConv<__nv_bfloat16> {
    __device__ static float toF(__nv_bfloat16 v) { return __bfloat162float(v); }
    __device__ static double toD(__nv_bfloat16 v) { return (double)__bfloat162float(v); }
    __device__ static i64 toL(__nv_bfloat16 v) { return (i64)__bfloat162float(v); }
    __device__ static __nv_bfloat16 fromF(float v) { return __float2bfloat16_rn(v); }
    __device__ static __nv_bfloat16 fromD(double v) { return __double2bfloat16(v); }
    __device__ static __nv_bfloat16 fromL(i64 v) { return __float2bfloat16_rn((float)v); }
};
template <> struct SgConv<__half> {
    __device__ static float toF(__half v) { return __half2float(v); }
    __device__ static double toD(__half v) { return (double)__half2float(v); }
    __device__ static i64 toL(__half v) { return (i64)__half2float(v); }
    __device__ static __half fromF(float v) { return __float2half_rn(v); }
    __device__ static __half fromD(double v) { return __double2half(v); }
    __device__ static __half fromL(i64 v) { return __float2half_rn((float)v); }
};
template <> struct SgConv<i64> {
    __device__ static float toF(i64 v) { return (float)v; }
    __device__ static double toD(i64 v) { return (double)v; }
    __device__ static i64 toL(i64 v) { return v; }
    __device__ static i64 fromF(float v) { return (i64)v; }
    __device__ static i64 fromD(double v) { return (i64)v; }
    __device__ static i64 fromL(i64 v) { return v; }
};
template <> struct SgConv<u8> {
    __device__ static float toF(u8 v) { return v ? 1.0f : 0.0f; }
    __device__ static double toD(u8 v) { return v ? 1.0 : 0.0; }
    __device__ static i64 toL(u8 v) { return v ? 1 : 0; }
    // bool semantics: any non-zero (NaN included) is true
    __device__ static u8 fromF(float v) { return v != 0.0f ? 1 : 0; }
    __device__ static u8 fromD(double v) { return v != 0.0 ? 1 : 0; }
    __device__ static u8 fromL(i64 v) { return v != 0 ? 1 : 0; }
};

// ---------------------------------------------------------------------------------------------------------
// Warp / block reductions. A reduction is a combine functor over an accumulator type with a shuffle.
// ---------------------------------------------------------------------------------------------------------
__device__ __forceinline__ float sg_shfl_down(float v, int o) { return __shfl_down_sync(0xffffffffu, v, o); }
__device__ __forceinline__ double sg_shfl_down(double v, int o) { return __shfl_down_sync(0xffffffffu, v, o); }
__device__ __forceinline__ int sg_shfl_down(int v, int o) { return __shfl_down_sync(0xffffffffu, v, o); }
__device__ __forceinline__ i64 sg_shfl_down(i64 v, int o) { return __shfl_down_sync(0xffffffffu, v, o); }

struct SgSum {
    template <typename A> __device__ __forceinline__ A operator()(A a, A b) const { return a + b; }
};
struct SgMax {
    template <typename A> __device__ __forceinline__ A operator()(A a, A b) const { return a > b ? a : b; }
};

// Reduces v over the warp; lane 0 holds the result.
template <typename A, typename F>
__device__ __forceinline__ A sg_warp_reduce(A v, F f) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = f(v, sg_shfl_down(v, o));
    return v;
}

// Reduces v over the block (blockDim.x a multiple of 32, at most 1024). Every thread gets the result.
// `identity` fills the slots of absent warps. Contains __syncthreads: call from all threads of the block.
template <typename A, typename F>
__device__ __forceinline__ A sg_block_reduce(A v, F f, A identity) {
    __shared__ A sh[33];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    v = sg_warp_reduce(v, f);
    __syncthreads();  // sh may still be read by a previous call
    if (lane == 0) sh[warp] = v;
    __syncthreads();
    const int nWarps = (blockDim.x + 31) >> 5;
    if (warp == 0) {
        A w = lane < nWarps ? sh[lane] : identity;
        w = sg_warp_reduce(w, f);
        if (lane == 0) sh[32] = w;
    }
    __syncthreads();
    return sh[32];
}

// Numerically stable sigmoid and softplus helpers shared by several families.
template <typename T> __device__ __forceinline__ T sg_sigmoid(T x) {
    if (x >= T(0)) return T(1) / (T(1) + exp(-x));
    T e = exp(x);
    return e / (T(1) + e);
}
template <typename T> __device__ __forceinline__ T sg_softplus(T x, T beta, T threshold) {
    T bx = x * beta;
    return bx > threshold ? x : log1p(exp(bx)) / beta;
}

// ---------------------------------------------------------------------------------------------------------
// N-d sliding-window geometry shared by im2col/col2im (conv.cu) and pooling (pool.cu); passed by value
// (164 bytes, 41 x int32). Spatial sizes are row-major, the last spatial dim fastest.
//   nd: number of spatial dims (1..SG_MAX_SPATIAL); channels: C for conv (per sample), unused by pooling;
//   kprod/oprod/iprod: products of k, out, in; in/k/stride/pad/dil/out per spatial dim.
// ---------------------------------------------------------------------------------------------------------
struct SgGeom {
    int nd;
    int channels;
    int kprod;
    int oprod;
    int iprod;
    int in[SG_MAX_SPATIAL];
    int k[SG_MAX_SPATIAL];
    int stride[SG_MAX_SPATIAL];
    int pad[SG_MAX_SPATIAL];
    int dil[SG_MAX_SPATIAL];
    int out[SG_MAX_SPATIAL];
};

// Decodes a row-major flat index over dims sizes[0..nd) into coords (constant-indexed: stays in registers).
__host__ __device__ __forceinline__ void sg_unflatten(int flat, int nd, const int* sizes, int* coords) {
#pragma unroll
    for (int d = SG_MAX_SPATIAL - 1; d >= 0; --d) {
        if (d >= nd) {
            coords[d] = 0;
            continue;
        }
        coords[d] = flat % sizes[d];
        flat /= sizes[d];
    }
}
