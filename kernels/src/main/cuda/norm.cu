// Layer norm and RMS norm over the last D elements of a contiguous (R, D) view, forward and backward.
//
// layer norm: mean, var = biased variance (Welford across the block), rstd = 1 / sqrt(var + eps)
//             y = (x - mean) * rstd * gamma + beta          (gamma, beta optional: null = 1, 0)
// rms norm:   rstd = 1 / sqrt(mean(x^2) + eps),  y = x * rstd * gamma
// mean and rstd are saved per row (optional outputs) for the backward:
//   xhat = (x - mean) * rstd (mean = 0 for rms), wg = g * gamma
//   layer norm: dx = rstd * (wg - sum(wg) / D - xhat * sum(wg * xhat) / D)
//   rms norm:   dx = rstd * (wg - xhat * sum(wg * xhat) / D)
//   dgamma_j = sum_r g_rj * xhat_rj,   dbeta_j = sum_r g_rj
// The parameter gradients come from sg_layernorm_bwd_params_<dt>, a column reduction over row chunks:
// block (32 x 8), grid.x over column tiles, grid.y = chunks of rows; chunk c writes row c of (gridDim.y, D)
// partial outputs, which the caller sums over dim 0 (with gridDim.y == 1 they are the result).
#include "sg_reduce.cuh"

template <typename T>
__device__ void norm_fwd(int R, int D, const T* __restrict__ x, const T* __restrict__ gamma,
                         const T* __restrict__ beta, double epsD, T* __restrict__ y, T* __restrict__ meanOut,
                         T* __restrict__ rstdOut, bool rms) {
    const T eps = (T)epsD;
    const SgWelfordOp<T> wop;
    for (long long row = blockIdx.x; row < R; row += gridDim.x) {
        const T* xr = x + row * D;
        T* yr = y + row * D;
        T mean, var;
        if (rms) {
            T ss = T(0);
            for (int j = threadIdx.x; j < D; j += blockDim.x) ss += xr[j] * xr[j];
            ss = sg_block_reduce(ss, SgSum(), T(0));
            mean = T(0);
            var = ss / (T)D;
        } else {
            SgWelfordAcc<T> acc = wop.identity();
            for (int j = threadIdx.x; j < D; j += blockDim.x) acc = wop(acc, wop.load(xr[j], j));
            acc = sg_block_reduce(acc, wop, wop.identity());
            mean = acc.mean;
            var = acc.m2 / (T)D;
        }
        const T rstd = T(1) / sqrt(var + eps);
        for (int j = threadIdx.x; j < D; j += blockDim.x) {
            T v = (xr[j] - mean) * rstd;
            if (gamma) v *= gamma[j];
            if (beta) v += beta[j];
            yr[j] = v;
        }
        if (threadIdx.x == 0) {
            if (meanOut) meanOut[row] = mean;
            if (rstdOut) rstdOut[row] = rstd;
        }
    }
}

template <typename T>
__device__ void norm_bwd_input(int R, int D, const T* __restrict__ x, const T* __restrict__ g,
                               const T* __restrict__ gamma, const T* __restrict__ mean, const T* __restrict__ rstd,
                               T* __restrict__ gx, bool rms) {
    for (long long row = blockIdx.x; row < R; row += gridDim.x) {
        const T* xr = x + row * D;
        const T* gr = g + row * D;
        T* gxr = gx + row * D;
        const T mu = rms ? T(0) : mean[row];
        const T rs = rstd[row];
        T sa = T(0), sb = T(0);
        for (int j = threadIdx.x; j < D; j += blockDim.x) {
            const T wg = gamma ? gr[j] * gamma[j] : gr[j];
            sa += wg;
            sb += wg * (xr[j] - mu) * rs;
        }
        sa = sg_block_reduce(sa, SgSum(), T(0));
        sb = sg_block_reduce(sb, SgSum(), T(0));
        const T invD = T(1) / (T)D;
        for (int j = threadIdx.x; j < D; j += blockDim.x) {
            const T wg = gamma ? gr[j] * gamma[j] : gr[j];
            const T xhat = (xr[j] - mu) * rs;
            gxr[j] = rms ? rs * (wg - xhat * sb * invD) : rs * (wg - sa * invD - xhat * sb * invD);
        }
    }
}

// blockDim = (32, 8)
template <typename T>
__device__ void norm_bwd_params(int R, int D, const T* __restrict__ x, const T* __restrict__ g,
                                const T* __restrict__ mean, const T* __restrict__ rstd, T* __restrict__ dgamma,
                                T* __restrict__ dbeta) {
    __shared__ T shG[8][33];
    __shared__ T shB[8][33];
    const int chunk = (R + gridDim.y - 1) / gridDim.y;
    const int r0 = blockIdx.y * chunk;
    const int r1 = min(R, r0 + chunk);
    for (int c0 = blockIdx.x * 32; c0 < D; c0 += gridDim.x * 32) {
        const int j = c0 + threadIdx.x;
        T ag = T(0), ab = T(0);
        if (j < D) {
            for (int r = r0 + threadIdx.y; r < r1; r += 8) {
                const long long k = (long long)r * D + j;
                const T mu = mean ? mean[r] : T(0);
                ag += g[k] * (x[k] - mu) * rstd[r];
                ab += g[k];
            }
        }
        shG[threadIdx.y][threadIdx.x] = ag;
        shB[threadIdx.y][threadIdx.x] = ab;
        __syncthreads();
        if (threadIdx.y == 0 && j < D) {
            T sg = T(0), sbv = T(0);
#pragma unroll
            for (int t = 0; t < 8; ++t) {
                sg += shG[t][threadIdx.x];
                sbv += shB[t][threadIdx.x];
            }
            if (dgamma) dgamma[(long long)blockIdx.y * D + j] = sg;
            if (dbeta) dbeta[(long long)blockIdx.y * D + j] = sbv;
        }
        __syncthreads();
    }
}

#define SG_NORM(SUF, T)                                                                                         \
    extern "C" __global__ void sg_layernorm_fwd_##SUF(int R, int D, const T* x, const T* gamma, const T* beta,   \
                                                      double eps, T* y, T* mean, T* rstd) {                     \
        norm_fwd<T>(R, D, x, gamma, beta, eps, y, mean, rstd, false);                                           \
    }                                                                                                           \
    extern "C" __global__ void sg_layernorm_bwd_input_##SUF(int R, int D, const T* x, const T* g,               \
                                                            const T* gamma, const T* mean, const T* rstd,       \
                                                            T* gx) {                                            \
        norm_bwd_input<T>(R, D, x, g, gamma, mean, rstd, gx, false);                                            \
    }                                                                                                           \
    extern "C" __global__ void sg_layernorm_bwd_params_##SUF(int R, int D, const T* x, const T* g,              \
                                                             const T* mean, const T* rstd, T* dgamma,           \
                                                             T* dbeta) {                                        \
        norm_bwd_params<T>(R, D, x, g, mean, rstd, dgamma, dbeta);                                              \
    }                                                                                                           \
    extern "C" __global__ void sg_rmsnorm_fwd_##SUF(int R, int D, const T* x, const T* gamma, double eps, T* y,  \
                                                    T* rstd) {                                                  \
        norm_fwd<T>(R, D, x, gamma, (const T*)0, eps, y, (T*)0, rstd, true);                                    \
    }                                                                                                           \
    extern "C" __global__ void sg_rmsnorm_bwd_input_##SUF(int R, int D, const T* x, const T* g, const T* gamma,  \
                                                          const T* rstd, T* gx) {                               \
        norm_bwd_input<T>(R, D, x, g, gamma, (const T*)0, rstd, gx, true);                                      \
    }

SG_NORM(f32, float)
SG_NORM(f64, double)
