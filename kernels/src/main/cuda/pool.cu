// N-dimensional pooling (1..SG_MAX_SPATIAL spatial dims), forward and backward, on contiguous (P, S_0, ...) data
// where P = N * C planes (SgGeom.channels is unused here; `total` is P * oprod forward, P * iprod backward).
//
// max pool:  window x_d = o_d * stride_d - pad_d + k_d * dil_d; value = max (NaN wins, as PyTorch), index = flat
//            position of the max inside the input plane (PyTorch's return_indices convention). The caller
//            computes out sizes (ceil_mode) on the host.
// avg pool:  PyTorch's divisor: window [o*s - p, min(o*s - p + k, in + p)) gives pool_size, then clipped to the
//            input; divisor = divisorOverride if > 0, else pool_size (countIncludePad) or the clipped size.
// adaptive:  window [floor(o * in / out), ceil((o + 1) * in / out)) per dim.
// Backward passes are gathers (one thread per input element summing the outputs whose window holds it), so they
// are deterministic and need no atomics.
#include <math_constants.h>
#include "sg_common.cuh"

__device__ __forceinline__ int sg_adaptive_start(int o, int in, int out) { return (int)(((long long)o * in) / out); }
__device__ __forceinline__ int sg_adaptive_end(int o, int in, int out) {
    return (int)((((long long)o + 1) * in + out - 1) / out);
}

template <typename T>
__device__ void maxpool_fwd(long long total, const SgGeom& g, const T* __restrict__ in, T* __restrict__ out,
                            i64* __restrict__ idx) {
    SG_GRID_LOOP(e, total) {
        const int of = (int)(e % g.oprod);
        const long long p = e / g.oprod;
        int o[SG_MAX_SPATIAL];
        sg_unflatten(of, g.nd, g.out, o);
        const T* plane = in + p * g.iprod;
        T best = -(T)CUDART_INF;
        int bestIdx = -1;
        for (int kf = 0; kf < g.kprod; ++kf) {
            int k[SG_MAX_SPATIAL];
            sg_unflatten(kf, g.nd, g.k, k);
            bool inside = true;
            int xf = 0;
#pragma unroll
            for (int d = 0; d < SG_MAX_SPATIAL; ++d) {
                if (d >= g.nd) continue;
                const int x = o[d] * g.stride[d] - g.pad[d] + k[d] * g.dil[d];
                inside = inside && x >= 0 && x < g.in[d];
                xf = xf * g.in[d] + x;
            }
            if (!inside) continue;
            const T v = plane[xf];
            if (bestIdx < 0 || v > best || v != v) {
                best = v;
                bestIdx = xf;
            }
        }
        out[e] = best;
        if (idx) idx[e] = bestIdx;
    }
}

template <typename T>
__device__ void maxpool_bwd(long long total, const SgGeom& g, const T* __restrict__ gout, const i64* __restrict__ idx,
                            T* __restrict__ gin) {
    SG_GRID_LOOP(e, total) {
        const int xf = (int)(e % g.iprod);
        const long long p = e / g.iprod;
        int x[SG_MAX_SPATIAL];
        sg_unflatten(xf, g.nd, g.in, x);
        T acc = T(0);
        for (int kf = 0; kf < g.kprod; ++kf) {
            int k[SG_MAX_SPATIAL];
            sg_unflatten(kf, g.nd, g.k, k);
            bool hit = true;
            int of = 0;
#pragma unroll
            for (int d = 0; d < SG_MAX_SPATIAL; ++d) {
                if (d >= g.nd) continue;
                const int t = x[d] + g.pad[d] - k[d] * g.dil[d];
                const int od = t / g.stride[d];
                hit = hit && t >= 0 && (t - od * g.stride[d]) == 0 && od < g.out[d];
                of = of * g.out[d] + od;
            }
            if (hit) {
                const long long oi = p * g.oprod + of;
                if (idx[oi] == xf) acc += gout[oi];
            }
        }
        gin[e] = acc;
    }
}

// divisor of output position o (avg pool, dilation 1)
__device__ __forceinline__ int sg_avg_divisor(const SgGeom& g, const int* o, int countIncludePad, int divisorOverride) {
    if (divisorOverride > 0) return divisorOverride;
    int poolSize = 1, clipped = 1;
#pragma unroll
    for (int d = 0; d < SG_MAX_SPATIAL; ++d) {
        if (d >= g.nd) continue;
        int s = o[d] * g.stride[d] - g.pad[d];
        int en = min(s + g.k[d], g.in[d] + g.pad[d]);
        poolSize *= en - s;
        s = max(s, 0);
        en = min(en, g.in[d]);
        clipped *= max(en - s, 0);
    }
    return countIncludePad ? poolSize : clipped;
}

template <typename T>
__device__ void avgpool_fwd(long long total, const SgGeom& g, const T* __restrict__ in, T* __restrict__ out,
                            int countIncludePad, int divisorOverride) {
    SG_GRID_LOOP(e, total) {
        const int of = (int)(e % g.oprod);
        const long long p = e / g.oprod;
        int o[SG_MAX_SPATIAL];
        sg_unflatten(of, g.nd, g.out, o);
        const T* plane = in + p * g.iprod;
        T acc = T(0);
        for (int kf = 0; kf < g.kprod; ++kf) {
            int k[SG_MAX_SPATIAL];
            sg_unflatten(kf, g.nd, g.k, k);
            bool inside = true;
            int xf = 0;
#pragma unroll
            for (int d = 0; d < SG_MAX_SPATIAL; ++d) {
                if (d >= g.nd) continue;
                const int x = o[d] * g.stride[d] - g.pad[d] + k[d];
                inside = inside && x >= 0 && x < g.in[d];
                xf = xf * g.in[d] + x;
            }
            if (inside) acc += plane[xf];
        }
        const int div = sg_avg_divisor(g, o, countIncludePad, divisorOverride);
        out[e] = div > 0 ? acc / (T)div : (T)CUDART_NAN;
    }
}

template <typename T>
__device__ void avgpool_bwd(long long total, const SgGeom& g, const T* __restrict__ gout, T* __restrict__ gin,
                            int countIncludePad, int divisorOverride) {
    SG_GRID_LOOP(e, total) {
        const int xf = (int)(e % g.iprod);
        const long long p = e / g.iprod;
        int x[SG_MAX_SPATIAL];
        sg_unflatten(xf, g.nd, g.in, x);
        T acc = T(0);
        for (int kf = 0; kf < g.kprod; ++kf) {
            int k[SG_MAX_SPATIAL];
            sg_unflatten(kf, g.nd, g.k, k);
            bool hit = true;
            int of = 0;
            int o[SG_MAX_SPATIAL];
#pragma unroll
            for (int d = 0; d < SG_MAX_SPATIAL; ++d) {
                o[d] = 0;
                if (d >= g.nd) continue;
                const int t = x[d] + g.pad[d] - k[d];
                const int od = t / g.stride[d];
                hit = hit && t >= 0 && (t - od * g.stride[d]) == 0 && od < g.out[d];
                o[d] = od;
                of = of * g.out[d] + od;
            }
            if (hit) {
                const int div = sg_avg_divisor(g, o, countIncludePad, divisorOverride);
                acc += gout[p * g.oprod + of] / (T)div;
            }
        }
        gin[e] = acc;
    }
}

// Adaptive pools. mode 0 = average, 1 = max (with indices).
template <typename T>
__device__ void adaptive_fwd(long long total, const SgGeom& g, const T* __restrict__ in, T* __restrict__ out,
                             i64* __restrict__ idx, int isMax) {
    SG_GRID_LOOP(e, total) {
        const int of = (int)(e % g.oprod);
        const long long p = e / g.oprod;
        int o[SG_MAX_SPATIAL], s[SG_MAX_SPATIAL], len[SG_MAX_SPATIAL];
        sg_unflatten(of, g.nd, g.out, o);
        int count = 1;
#pragma unroll
        for (int d = 0; d < SG_MAX_SPATIAL; ++d) {
            s[d] = 0;
            len[d] = 1;
            if (d >= g.nd) continue;
            s[d] = sg_adaptive_start(o[d], g.in[d], g.out[d]);
            len[d] = sg_adaptive_end(o[d], g.in[d], g.out[d]) - s[d];
            count *= len[d];
        }
        const T* plane = in + p * g.iprod;
        T acc = isMax ? -(T)CUDART_INF : T(0);
        int bestIdx = -1;
        for (int w = 0; w < count; ++w) {
            int c[SG_MAX_SPATIAL];
            sg_unflatten(w, g.nd, len, c);
            int xf = 0;
#pragma unroll
            for (int d = 0; d < SG_MAX_SPATIAL; ++d) {
                if (d >= g.nd) continue;
                xf = xf * g.in[d] + s[d] + c[d];
            }
            const T v = plane[xf];
            if (isMax) {
                if (bestIdx < 0 || v > acc || v != v) {
                    acc = v;
                    bestIdx = xf;
                }
            } else {
                acc += v;
            }
        }
        if (isMax) {
            out[e] = acc;
            if (idx) idx[e] = bestIdx;
        } else {
            out[e] = acc / (T)count;
        }
    }
}

template <typename T>
__device__ void adaptive_bwd(long long total, const SgGeom& g, const T* __restrict__ gout, const i64* __restrict__ idx,
                             T* __restrict__ gin, int isMax) {
    SG_GRID_LOOP(e, total) {
        const int xf = (int)(e % g.iprod);
        const long long p = e / g.iprod;
        int x[SG_MAX_SPATIAL], lo[SG_MAX_SPATIAL], len[SG_MAX_SPATIAL];
        sg_unflatten(xf, g.nd, g.in, x);
        int count = 1;
#pragma unroll
        for (int d = 0; d < SG_MAX_SPATIAL; ++d) {
            lo[d] = 0;
            len[d] = 1;
            if (d >= g.nd) continue;
            // outputs whose window holds x: o in [floor(x*out/in), ceil((x+1)*out/in) - 1]
            const int a = (int)(((long long)x[d] * g.out[d]) / g.in[d]);
            const int b = (int)((((long long)x[d] + 1) * g.out[d] + g.in[d] - 1) / g.in[d]) - 1;
            lo[d] = a;
            len[d] = max(min(b, g.out[d] - 1) - a + 1, 0);
            count *= len[d];
        }
        T acc = T(0);
        for (int w = 0; w < count; ++w) {
            int c[SG_MAX_SPATIAL];
            sg_unflatten(w, g.nd, len, c);
            int of = 0, wcount = 1;
            bool hit = true;
#pragma unroll
            for (int d = 0; d < SG_MAX_SPATIAL; ++d) {
                if (d >= g.nd) continue;
                const int od = lo[d] + c[d];
                const int st = sg_adaptive_start(od, g.in[d], g.out[d]);
                const int en = sg_adaptive_end(od, g.in[d], g.out[d]);
                hit = hit && x[d] >= st && x[d] < en;
                wcount *= en - st;
                of = of * g.out[d] + od;
            }
            if (!hit) continue;
            const long long oi = p * g.oprod + of;
            if (isMax) {
                if (idx[oi] == xf) acc += gout[oi];
            } else {
                acc += gout[oi] / (T)wcount;
            }
        }
        gin[e] = acc;
    }
}

#define SG_POOL(SUF, T)                                                                                          \
    extern "C" __global__ void sg_maxpool_fwd_##SUF(long long total, SgGeom g, const T* in, T* out, i64* idx) {   \
        maxpool_fwd<T>(total, g, in, out, idx);                                                                  \
    }                                                                                                            \
    extern "C" __global__ void sg_maxpool_bwd_##SUF(long long total, SgGeom g, const T* gout, const i64* idx,     \
                                                    T* gin) {                                                    \
        maxpool_bwd<T>(total, g, gout, idx, gin);                                                                \
    }                                                                                                            \
    extern "C" __global__ void sg_avgpool_fwd_##SUF(long long total, SgGeom g, const T* in, T* out,               \
                                                    int countIncludePad, int divisorOverride) {                  \
        avgpool_fwd<T>(total, g, in, out, countIncludePad, divisorOverride);                                     \
    }                                                                                                            \
    extern "C" __global__ void sg_avgpool_bwd_##SUF(long long total, SgGeom g, const T* gout, T* gin,             \
                                                    int countIncludePad, int divisorOverride) {                  \
        avgpool_bwd<T>(total, g, gout, gin, countIncludePad, divisorOverride);                                   \
    }                                                                                                            \
    extern "C" __global__ void sg_adaptive_avgpool_fwd_##SUF(long long total, SgGeom g, const T* in, T* out) {    \
        adaptive_fwd<T>(total, g, in, out, (i64*)0, 0);                                                          \
    }                                                                                                            \
    extern "C" __global__ void sg_adaptive_avgpool_bwd_##SUF(long long total, SgGeom g, const T* gout, T* gin) {  \
        adaptive_bwd<T>(total, g, gout, (const i64*)0, gin, 0);                                                  \
    }                                                                                                            \
    extern "C" __global__ void sg_adaptive_maxpool_fwd_##SUF(long long total, SgGeom g, const T* in, T* out,      \
                                                             i64* idx) {                                         \
        adaptive_fwd<T>(total, g, in, out, idx, 1);                                                              \
    }                                                                                                            \
    extern "C" __global__ void sg_adaptive_maxpool_bwd_##SUF(long long total, SgGeom g, const T* gout,            \
                                                             const i64* idx, T* gin) {                           \
        adaptive_bwd<T>(total, g, gout, idx, gin, 1);                                                            \
    }

SG_POOL(f32, float)
SG_POOL(f64, double)
