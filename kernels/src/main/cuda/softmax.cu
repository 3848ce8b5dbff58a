// Softmax and log-softmax along one dim of a contiguous tensor viewed as (outer, D, inner), forward and backward.
// Numerically stable: one online pass computes (m = max, s = sum exp(x - m)) per row (SgLseOp), a second writes
//   softmax:     y = exp(x - m) / s
//   log-softmax: y = (x - m) - log(s)
// Backward (y = the forward output, g = dL/dy):
//   softmax:     dx = y * (g - sum(g * y))
//   log-softmax: dx = g - exp(y) * sum(g)
// Two layouts: *_lastdim (inner == 1): one block per row, tree reduction across the block;
//              *_inner   (inner > 1):  one thread per (outer, inner) column, loads coalesced across columns.
#include "sg_reduce.cuh"

template <typename T>
__device__ void softmax_fwd_lastdim(int outer, int D, const T* x, T* y, int logSm) {
    const SgLseOp<T> op;
    for (long long row = blockIdx.x; row < outer; row += gridDim.x) {
        const T* xr = x + row * D;
        T* yr = y + row * D;
        SgLseAcc<T> acc = op.identity();
        for (int j = threadIdx.x; j < D; j += blockDim.x) acc = op(acc, op.load(xr[j], j));
        acc = sg_block_reduce(acc, op, op.identity());
        const T m = acc.m;
        if (logSm) {
            const T logS = log(acc.s);
            for (int j = threadIdx.x; j < D; j += blockDim.x) yr[j] = (xr[j] - m) - logS;
        } else {
            const T s = acc.s;
            for (int j = threadIdx.x; j < D; j += blockDim.x) yr[j] = exp(xr[j] - m) / s;
        }
    }
}

template <typename T>
__device__ void softmax_fwd_inner(int outer, int D, int inner, const T* x, T* y, int logSm) {
    const SgLseOp<T> op;
    SG_GRID_LOOP(col, (long long)outer * inner) {
        const long long o = col / inner;
        const long long in = col - o * inner;
        const long long base = o * (long long)D * inner + in;
        SgLseAcc<T> acc = op.identity();
        for (int j = 0; j < D; ++j) acc = op(acc, op.load(x[base + (long long)j * inner], j));
        const T m = acc.m;
        if (logSm) {
            const T logS = log(acc.s);
            for (int j = 0; j < D; ++j) y[base + (long long)j * inner] = (x[base + (long long)j * inner] - m) - logS;
        } else {
            for (int j = 0; j < D; ++j) y[base + (long long)j * inner] = exp(x[base + (long long)j * inner] - m) / acc.s;
        }
    }
}

template <typename T>
__device__ void softmax_bwd_lastdim(int outer, int D, const T* y, const T* g, T* gx, int logSm) {
    for (long long row = blockIdx.x; row < outer; row += gridDim.x) {
        const T* yr = y + row * D;
        const T* gr = g + row * D;
        T* gxr = gx + row * D;
        T acc = T(0);
        if (logSm) {
            for (int j = threadIdx.x; j < D; j += blockDim.x) acc += gr[j];
        } else {
            for (int j = threadIdx.x; j < D; j += blockDim.x) acc += gr[j] * yr[j];
        }
        const T sum = sg_block_reduce(acc, SgSum(), T(0));
        if (logSm) {
            for (int j = threadIdx.x; j < D; j += blockDim.x) gxr[j] = gr[j] - exp(yr[j]) * sum;
        } else {
            for (int j = threadIdx.x; j < D; j += blockDim.x) gxr[j] = yr[j] * (gr[j] - sum);
        }
    }
}

template <typename T>
__device__ void softmax_bwd_inner(int outer, int D, int inner, const T* y, const T* g, T* gx, int logSm) {
    SG_GRID_LOOP(col, (long long)outer * inner) {
        const long long o = col / inner;
        const long long in = col - o * inner;
        const long long base = o * (long long)D * inner + in;
        T sum = T(0);
        for (int j = 0; j < D; ++j) {
            const long long k = base + (long long)j * inner;
            sum += logSm ? g[k] : g[k] * y[k];
        }
        for (int j = 0; j < D; ++j) {
            const long long k = base + (long long)j * inner;
            gx[k] = logSm ? g[k] - exp(y[k]) * sum : y[k] * (g[k] - sum);
        }
    }
}

#define SG_SOFTMAX(SUF, T)                                                                                   \
    extern "C" __global__ void sg_softmax_fwd_lastdim_##SUF(int outer, int D, int inner, const T* x, T* y,   \
                                                            int logSoftmax) {                                \
        softmax_fwd_lastdim<T>(outer, D, x, y, logSoftmax);                                                  \
    }                                                                                                        \
    extern "C" __global__ void sg_softmax_fwd_inner_##SUF(int outer, int D, int inner, const T* x, T* y,     \
                                                          int logSoftmax) {                                  \
        softmax_fwd_inner<T>(outer, D, inner, x, y, logSoftmax);                                             \
    }                                                                                                        \
    extern "C" __global__ void sg_softmax_bwd_lastdim_##SUF(int outer, int D, int inner, const T* y,         \
                                                            const T* g, T* gx, int logSoftmax) {             \
        softmax_bwd_lastdim<T>(outer, D, y, g, gx, logSoftmax);                                              \
    }                                                                                                        \
    extern "C" __global__ void sg_softmax_bwd_inner_##SUF(int outer, int D, int inner, const T* y,           \
                                                          const T* g, T* gx, int logSoftmax) {               \
        softmax_bwd_inner<T>(outer, D, inner, y, g, gx, logSoftmax);                                         \
    }

SG_SOFTMAX(f32, float)
SG_SOFTMAX(f64, double)
