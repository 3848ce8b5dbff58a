// N-dimensional im2col / col2im (vol2col generalised), the data movement behind Conv1d..Conv4d (and more: up to
// SG_MAX_SPATIAL spatial dims) forward and backward. Convolution = im2col + GEMM; the input gradient = GEMM +
// col2im; groups are GEMM batch strides on the caller's side.
//
// Layouts (contiguous): image (N, C, S_0, ..., S_{nd-1}); columns (N, C * kprod, oprod) where the row index is
// c * kprod + kflat (kflat row-major over the kernel window) and the column index is the flat output position.
//   im2col: col[n, c*kprod + kf, of] = image[n, c, of_d * stride_d - pad_d + k_d * dil_d] (0 outside the image)
//   col2im: image[n, c, x] = sum over (kf, of) with of_d * stride_d - pad_d + k_d * dil_d == x_d of col[...]
// col2im is a gather (one thread per image element, no atomics), so it is deterministic.
#include "sg_common.cuh"

template <typename T>
__device__ void im2col_kernel(long long total, const SgGeom& g, const T* __restrict__ im, T* __restrict__ col) {
    SG_GRID_LOOP(e, total) {
        long long t = e;
        const int of = (int)(t % g.oprod);
        t /= g.oprod;
        const int kf = (int)(t % g.kprod);
        const long long nc = t / g.kprod;
        int o[SG_MAX_SPATIAL], k[SG_MAX_SPATIAL];
        sg_unflatten(of, g.nd, g.out, o);
        sg_unflatten(kf, g.nd, g.k, k);
        bool inside = true;
        int off = 0;
#pragma unroll
        for (int d = 0; d < SG_MAX_SPATIAL; ++d) {
            if (d >= g.nd) continue;
            const int x = o[d] * g.stride[d] - g.pad[d] + k[d] * g.dil[d];
            inside = inside && x >= 0 && x < g.in[d];
            off = off * g.in[d] + x;
        }
        col[e] = inside ? im[nc * g.iprod + off] : T(0);
    }
}

template <typename T>
__device__ void col2im_kernel(long long total, const SgGeom& g, const T* __restrict__ col, T* __restrict__ im) {
    SG_GRID_LOOP(e, total) {
        const int xf = (int)(e % g.iprod);
        const long long nc = e / g.iprod;
        int x[SG_MAX_SPATIAL];
        sg_unflatten(xf, g.nd, g.in, x);
        const T* colnc = col + nc * (long long)g.kprod * g.oprod;
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
            if (hit) acc += colnc[(long long)kf * g.oprod + of];
        }
        im[e] = acc;
    }
}

#define SG_CONV(SUF, T)                                                                                   \
    extern "C" __global__ void sg_im2col_##SUF(long long total, SgGeom g, const T* im, T* col) {           \
        im2col_kernel<T>(total, g, im, col);                                                              \
    }                                                                                                     \
    extern "C" __global__ void sg_col2im_##SUF(long long total, SgGeom g, const T* col, T* im) {           \
        col2im_kernel<T>(total, g, col, im);                                                              \
    }

SG_CONV(f32, float)
SG_CONV(f64, double)
