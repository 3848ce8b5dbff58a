// Reductions along any set of dims: sum, mean, prod, max/min (values and/or int64 indices: also amax, argmax,
// amin, argmin), var/std (Welford/Chan, with a correction), logsumexp.
//
// Geometry: the input is described by two descriptors over the same storage:
//   keep: shape = the kept dims, strides = the input's strides along them, offset = the input's offset;
//   red:  shape = the reduced dims, strides = the input's strides along them, offset = 0.
// Output o (row-major over keep.shape) reduces the elements at keep(o) + red(r), r in [0, nRed). Outputs are
// written contiguously at index o; indices are positions r inside the reduced sub-space (for a single reduced
// dim: the index along that dim, as torch.argmax returns).
//
// Three kernels per op and dtype, all with uniform signatures (see the macro at the bottom):
//   sg_reduce_<op>_<dt>         one block per output (grid.x strides over outputs), grid.y = splits chunks of the
//                               reduced range; a parallel tree (warp shuffles + shared memory) per block. With
//                               splits == 1 it writes the result, else an accumulator to partial[o * splits + s];
//   sg_reduce_<op>_finish_<dt>  one thread per output combines the `splits` partial accumulators and writes;
//   sg_reduce_<op>_small_<dt>   one thread per output, sequential over r: many outputs, short rows.
// Accumulators are at most 32 bytes (SG_REDUCE_ACC_BYTES): the caller sizes `partial` as nOut*splits*32 bytes.
#include "sg_reduce.cuh"

#define SG_REDUCE_ACC_BYTES 32

// Writers: what each op stores from its final accumulator. `param` and `flag` are op-specific.
template <typename T, typename A> struct SumW {
    typedef SgSumOp<A> Op;
    __device__ static void write(long long o, A a, int, T* out, i64*, double, int) { out[o] = (T)a; }
};
template <typename T, typename A> struct MeanW {
    typedef SgSumOp<A> Op;
    __device__ static void write(long long o, A a, int nRed, T* out, i64*, double, int) {
        out[o] = (T)(a / (A)nRed);
    }
};
template <typename T, typename A> struct ProdW {
    typedef SgProdOp<A> Op;
    __device__ static void write(long long o, A a, int, T* out, i64*, double, int) { out[o] = (T)a; }
};
template <typename T, typename A, bool IS_MAX> struct ArgW {
    typedef SgArgOp<A, IS_MAX> Op;
    // out and idx are each optional (null): values only = amax/amin, indices only = argmax/argmin
    __device__ static void write(long long o, SgArgAcc<A> a, int, T* out, i64* idx, double, int) {
        if (out) out[o] = (T)a.v;
        if (idx) idx[o] = (i64)a.i;
    }
};
template <typename T, typename A> struct VarW {
    typedef SgWelfordOp<A> Op;
    // param = correction (1 = unbiased), flag != 0: standard deviation. Divisor max(0, n - correction).
    __device__ static void write(long long o, SgWelfordAcc<A> a, int, T* out, i64*, double correction, int flag) {
        A div = (A)a.n - (A)correction;
        if (div < A(0)) div = A(0);
        A v = a.m2 / div;
        out[o] = (T)(flag ? sqrt(v) : v);
    }
};
template <typename T, typename A> struct LseW {
    typedef SgLseOp<A> Op;
    __device__ static void write(long long o, SgLseAcc<A> a, int, T* out, i64*, double, int) {
        out[o] = (T)SgLseOp<A>::value(a);
    }
};

template <typename T, typename W>
__device__ void reduce_block(long long nOut, int nRed, const TDesc& keep, const TDesc& red, const T* in, int splits,
                             void* partialRaw, T* out, i64* idx, double param, int flag) {
    typedef typename W::Op Op;
    typedef typename Op::Acc Acc;
    static_assert(sizeof(Acc) <= SG_REDUCE_ACC_BYTES, "accumulator larger than the partial slot");
    const Op op;
    Acc* partial = (Acc*)partialRaw;
    const int chunk = (nRed + splits - 1) / splits;
    const int s = blockIdx.y;
    const int start = s * chunk;
    const int end = min(nRed, start + chunk);
    for (long long o = blockIdx.x; o < nOut; o += gridDim.x) {
        const int base = sg_offset(keep, (unsigned)o);
        Acc acc = op.identity();
        for (int r = start + threadIdx.x; r < end; r += blockDim.x) {
            acc = op(acc, op.load(in[base + sg_offset(red, (unsigned)r)], r));
        }
        acc = sg_block_reduce(acc, op, op.identity());
        if (threadIdx.x == 0) {
            if (splits == 1) {
                W::write(o, acc, nRed, out, idx, param, flag);
            } else {
                // the slot stride is SG_REDUCE_ACC_BYTES so that the finish kernel and the caller agree
                *(Acc*)((char*)partial + (o * splits + s) * SG_REDUCE_ACC_BYTES) = acc;
            }
        }
    }
}

template <typename T, typename W>
__device__ void reduce_finish(long long nOut, int nRed, int splits, const void* partialRaw, T* out, i64* idx,
                              double param, int flag) {
    typedef typename W::Op Op;
    typedef typename Op::Acc Acc;
    const Op op;
    SG_GRID_LOOP(o, nOut) {
        Acc acc = op.identity();
        for (int s = 0; s < splits; ++s) {
            acc = op(acc, *(const Acc*)((const char*)partialRaw + (o * splits + s) * SG_REDUCE_ACC_BYTES));
        }
        W::write(o, acc, nRed, out, idx, param, flag);
    }
}

template <typename T, typename W>
__device__ void reduce_small(long long nOut, int nRed, const TDesc& keep, const TDesc& red, const T* in, T* out,
                             i64* idx, double param, int flag) {
    typedef typename W::Op Op;
    typedef typename Op::Acc Acc;
    const Op op;
    SG_GRID_LOOP(o, nOut) {
        const int base = sg_offset(keep, (unsigned)o);
        Acc acc = op.identity();
        for (int r = 0; r < nRed; ++r) acc = op(acc, op.load(in[base + sg_offset(red, (unsigned)r)], r));
        W::write(o, acc, nRed, out, idx, param, flag);
    }
}

#define SG_REDUCE(NAME, SUF, T, W)                                                                              \
    extern "C" __global__ void sg_reduce_##NAME##_##SUF(long long nOut, int nRed, TDesc keep, TDesc red,        \
                                                        const T* in, int splits, void* partial, T* out,          \
                                                        i64* idx, double param, int flag) {                      \
        reduce_block<T, W>(nOut, nRed, keep, red, in, splits, partial, out, idx, param, flag);                   \
    }                                                                                                            \
    extern "C" __global__ void sg_reduce_##NAME##_finish_##SUF(long long nOut, int nRed, int splits,             \
                                                               const void* partial, T* out, i64* idx,            \
                                                               double param, int flag) {                         \
        reduce_finish<T, W>(nOut, nRed, splits, partial, out, idx, param, flag);                                 \
    }                                                                                                            \
    extern "C" __global__ void sg_reduce_##NAME##_small_##SUF(long long nOut, int nRed, TDesc keep, TDesc red,  \
                                                              const T* in, T* out, i64* idx, double param,       \
                                                              int flag) {                                        \
        reduce_small<T, W>(nOut, nRed, keep, red, in, out, idx, param, flag);                                    \
    }

typedef SumW<float, float> W_sum_f32;
SG_REDUCE(sum, f32, float, W_sum_f32)
typedef SumW<double, double> W_sum_f64;
SG_REDUCE(sum, f64, double, W_sum_f64)
typedef SumW<i64, i64> W_sum_i64;
SG_REDUCE(sum, i64, i64, W_sum_i64)
typedef MeanW<float, float> W_mean_f32;
SG_REDUCE(mean, f32, float, W_mean_f32)
typedef MeanW<double, double> W_mean_f64;
SG_REDUCE(mean, f64, double, W_mean_f64)
typedef ProdW<float, float> W_prod_f32;
SG_REDUCE(prod, f32, float, W_prod_f32)
typedef ProdW<double, double> W_prod_f64;
SG_REDUCE(prod, f64, double, W_prod_f64)
typedef ProdW<i64, i64> W_prod_i64;
SG_REDUCE(prod, i64, i64, W_prod_i64)
typedef ArgW<float, float, true> W_max_f32;
SG_REDUCE(max, f32, float, W_max_f32)
typedef ArgW<double, double, true> W_max_f64;
SG_REDUCE(max, f64, double, W_max_f64)
typedef ArgW<i64, i64, true> W_max_i64;
SG_REDUCE(max, i64, i64, W_max_i64)
typedef ArgW<float, float, false> W_min_f32;
SG_REDUCE(min, f32, float, W_min_f32)
typedef ArgW<double, double, false> W_min_f64;
SG_REDUCE(min, f64, double, W_min_f64)
typedef ArgW<i64, i64, false> W_min_i64;
SG_REDUCE(min, i64, i64, W_min_i64)
typedef VarW<float, float> W_var_f32;
SG_REDUCE(var, f32, float, W_var_f32)
typedef VarW<double, double> W_var_f64;
SG_REDUCE(var, f64, double, W_var_f64)
typedef LseW<float, float> W_logsumexp_f32;
SG_REDUCE(logsumexp, f32, float, W_logsumexp_f32)
typedef LseW<double, double> W_logsumexp_f64;
SG_REDUCE(logsumexp, f64, double, W_logsumexp_f64)
