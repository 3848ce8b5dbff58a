// Batched, tiled shared-memory GEMM with register blocking, row-major:
//   C[b] (M x N) = alpha * op(A[b]) (M x K) * op(B[b]) (K x N) + beta * C[b]
// op(X) = X or X^T (transA / transB). Element (m, k) of op(A) is A[m * lda + k] (transA == 0) or
// A[k * lda + m] (transA != 0); likewise B. Batch b uses A + b * strideA, B + b * strideB, C + b * strideC; a
// stride of 0 broadcasts one operand over the batch. beta == 0 never reads C (so C may hold garbage or NaN).
//
// Tiles: 64 x 64 outputs per block of 256 threads, K in steps of 16 staged in shared memory; each thread keeps a
// 4 x 4 register tile (rows ty + 16 i, cols tx + 16 j) so that shared reads are conflict-free and global stores
// coalesce. Global loads coalesce along whichever index is contiguous for the transpose flag in use.
// Grid: x = ceil(N / 64), y = ceil(M / 64), z = min(batch, 65535) (z strides over the batch); block = 256.
//
// Variants: f32 and f64 (accumulating in their own type); bf16 and f16 inputs accumulate in fp32 and write either
// the input type (rounded to nearest even) or fp32 (*_f32 variants).
#include "sg_common.cuh"

#define SG_GEMM_BM 64
#define SG_GEMM_BN 64
#define SG_GEMM_BK 16
#define SG_GEMM_THREADS 256

template <typename A> struct SgTo;
template <> struct SgTo<float> {
    template <typename S> __device__ static float from(S v) { return SgConv<S>::toF(v); }
    template <typename D> __device__ static D to(float v) { return SgConv<D>::fromF(v); }
};
template <> struct SgTo<double> {
    template <typename S> __device__ static double from(S v) { return SgConv<S>::toD(v); }
    template <typename D> __device__ static D to(double v) { return SgConv<D>::fromD(v); }
};

template <typename TIn, typename TOut, typename A>
__device__ void gemm_kernel(int transA, int transB, int M, int N, int K, double alphaD, const TIn* __restrict__ Ag,
                            int lda, long long strideA, const TIn* __restrict__ Bg, int ldb, long long strideB,
                            double betaD, TOut* __restrict__ Cg, int ldc, long long strideC, int batch) {
    __shared__ A As[SG_GEMM_BK][SG_GEMM_BM + 4];
    __shared__ A Bs[SG_GEMM_BK][SG_GEMM_BN + 4];
    const A alpha = (A)alphaD;
    const A beta = (A)betaD;
    const int tid = threadIdx.x;
    const int tx = tid & 15;
    const int ty = tid >> 4;
    const int m0 = blockIdx.y * SG_GEMM_BM;
    const int n0 = blockIdx.x * SG_GEMM_BN;

    for (int b = blockIdx.z; b < batch; b += gridDim.z) {
        const TIn* Ab = Ag + (long long)b * strideA;
        const TIn* Bb = Bg + (long long)b * strideB;
        TOut* Cb = Cg + (long long)b * strideC;

        A acc[4][4];
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
            for (int j = 0; j < 4; ++j) acc[i][j] = A(0);

        for (int k0 = 0; k0 < K; k0 += SG_GEMM_BK) {
#pragma unroll
            for (int l = 0; l < (SG_GEMM_BM * SG_GEMM_BK) / SG_GEMM_THREADS; ++l) {
                const int e = tid + l * SG_GEMM_THREADS;
                int mm, kk;
                if (!transA) {
                    mm = e / SG_GEMM_BK;
                    kk = e % SG_GEMM_BK;
                } else {
                    kk = e / SG_GEMM_BM;
                    mm = e % SG_GEMM_BM;
                }
                const int gm = m0 + mm, gk = k0 + kk;
                A v = A(0);
                if (gm < M && gk < K) {
                    v = SgTo<A>::from(transA ? Ab[(long long)gk * lda + gm] : Ab[(long long)gm * lda + gk]);
                }
                As[kk][mm] = v;
            }
#pragma unroll
            for (int l = 0; l < (SG_GEMM_BN * SG_GEMM_BK) / SG_GEMM_THREADS; ++l) {
                const int e = tid + l * SG_GEMM_THREADS;
                int nn, kk;
                if (!transB) {
                    kk = e / SG_GEMM_BN;
                    nn = e % SG_GEMM_BN;
                } else {
                    nn = e / SG_GEMM_BK;
                    kk = e % SG_GEMM_BK;
                }
                const int gn = n0 + nn, gk = k0 + kk;
                A v = A(0);
                if (gn < N && gk < K) {
                    v = SgTo<A>::from(transB ? Bb[(long long)gn * ldb + gk] : Bb[(long long)gk * ldb + gn]);
                }
                Bs[kk][nn] = v;
            }
            __syncthreads();
#pragma unroll
            for (int kk = 0; kk < SG_GEMM_BK; ++kk) {
                A a[4], bv[4];
#pragma unroll
                for (int i = 0; i < 4; ++i) a[i] = As[kk][ty + 16 * i];
#pragma unroll
                for (int j = 0; j < 4; ++j) bv[j] = Bs[kk][tx + 16 * j];
#pragma unroll
                for (int i = 0; i < 4; ++i)
#pragma unroll
                    for (int j = 0; j < 4; ++j) acc[i][j] = fma(a[i], bv[j], acc[i][j]);
            }
            __syncthreads();
        }

#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const int gm = m0 + ty + 16 * i;
            if (gm >= M) continue;
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                const int gn = n0 + tx + 16 * j;
                if (gn >= N) continue;
                TOut* c = Cb + (long long)gm * ldc + gn;
                A v = alpha * acc[i][j];
                if (beta != A(0)) v += beta * SgTo<A>::from(*c);
                *c = SgTo<A>::template to<TOut>(v);
            }
        }
    }
}

#define SG_GEMM(SUF, TIN, TOUT, ACC)                                                                           \
    extern "C" __global__ void __launch_bounds__(SG_GEMM_THREADS)                                              \
        sg_gemm_##SUF(int transA, int transB, int M, int N, int K, double alpha, const TIN* A, int lda,         \
                      long long strideA, const TIN* B, int ldb, long long strideB, double beta, TOUT* C,       \
                      int ldc, long long strideC, int batch) {                                                 \
        gemm_kernel<TIN, TOUT, ACC>(transA, transB, M, N, K, alpha, A, lda, strideA, B, ldb, strideB, beta, C, \
                                    ldc, strideC, batch);                                                      \
    }

SG_GEMM(f32, float, float, float)
SG_GEMM(f64, double, double, double)
SG_GEMM(bf16, __nv_bfloat16, __nv_bfloat16, float)
SG_GEMM(bf16_f32, __nv_bfloat16, float, float)
SG_GEMM(f16, __half, __half, float)
SG_GEMM(f16_f32, __half, float, float)
