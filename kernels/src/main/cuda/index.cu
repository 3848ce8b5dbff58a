// Index ops used by embedding, cross-entropy / nll and shape ops (torch semantics, int64 indices):
//   gather(dim):       out[c] = x[c with c_dim := index[c]]                  iteration over index's shape
//   scatter_add(dim):  out[c with c_dim := index[c]] += src[c]              iteration over index's shape
//   index_select(dim): out[c] = x[c with c_dim := index[c_dim]]             iteration over out's shape
//   index_add(dim):    out[c with c_dim := index[c_dim]] += alpha * src[c]  iteration over src's shape;
//                      with hasSkip, index == skipIndex is skipped (embedding backward with padding_idx)
//   scatter(dim):      out[c with c_dim := index[c]] = src[c]               iteration over index's shape
// scatter_add and index_add accumulate with atomicAdd (so their float results may differ in the last bits
// between runs when indices repeat); with repeated indices scatter keeps one of the writes, unspecified which.
// As in PyTorch (and the engine's CPU backend), a negative index is out of range: an index outside [0, size)
// is not dereferenced: the element is skipped (gather/index_select write 0) and *err
// (optional, device int) is set to 1 so the caller can raise an IndexOutOfBoundsException after synchronizing.
#include "sg_common.cuh"

__device__ __forceinline__ void sg_flag_error(int* err) {
    if (err) atomicExch(err, 1);
}


__device__ __forceinline__ float sg_atomic_add(float* a, float v) { return atomicAdd(a, v); }
__device__ __forceinline__ double sg_atomic_add(double* a, double v) { return atomicAdd(a, v); }
__device__ __forceinline__ i64 sg_atomic_add(i64* a, i64 v) {
    return (i64)atomicAdd((unsigned long long*)a, (unsigned long long)v);
}

// Decodes i over it.shape; offsets for `it` and `b` (same shape), and for `x` everywhere except along `dim`,
// where the coordinate is returned in cdim.
__device__ __forceinline__ void sg_offsets_except(const TDesc& it, const TDesc& b, const TDesc& x, int dim,
                                                  unsigned int i, int& oit, int& ob, int& ox, int& cdim) {
    oit = it.offset;
    ob = b.offset;
    ox = x.offset;
    cdim = 0;
#pragma unroll
    for (int k = SG_MAX_DIMS - 1; k >= 0; --k) {
        if (k >= it.ndim) continue;
        const unsigned int s = (unsigned int)it.shape[k];
        const int c = (int)(i % s);
        i /= s;
        oit += c * it.stride[k];
        ob += c * b.stride[k];
        if (k == dim) cdim = c;
        else ox += c * x.stride[k];
    }
}

__device__ __forceinline__ int sg_dim_size(const TDesc& d, int dim) {
    int s = 0;
#pragma unroll
    for (int k = 0; k < SG_MAX_DIMS; ++k)
        if (k == dim) s = d.shape[k];
    return s;
}
__device__ __forceinline__ int sg_dim_stride(const TDesc& d, int dim) {
    int s = 0;
#pragma unroll
    for (int k = 0; k < SG_MAX_DIMS; ++k)
        if (k == dim) s = d.stride[k];
    return s;
}

template <typename T>
__device__ void gather_kernel(long long n, int dim, TDesc od, T* out, TDesc idd, const i64* index, TDesc xd,
                              const T* x, int* err) {
    const int size = sg_dim_size(xd, dim), stride = sg_dim_stride(xd, dim);
    SG_GRID_LOOP(i, n) {
        int oo, oi, ox, c;
        sg_offsets_except(od, idd, xd, dim, (unsigned)i, oo, oi, ox, c);
        const i64 j = index[oi];
        if (j < 0 || j >= size) {
            sg_flag_error(err);
            out[oo] = T(0);
            continue;
        }
        out[oo] = x[ox + (int)j * stride];
    }
}

// iteration over the index shape (idd); src shares it (sd); out has its own strides (od)
template <typename T>
__device__ void scatter_add_kernel(long long n, int dim, TDesc od, T* out, TDesc idd, const i64* index, TDesc sd,
                                   const T* src, int* err) {
    const int size = sg_dim_size(od, dim), stride = sg_dim_stride(od, dim);
    SG_GRID_LOOP(i, n) {
        int oi, os, oo, c;
        sg_offsets_except(idd, sd, od, dim, (unsigned)i, oi, os, oo, c);
        const i64 j = index[oi];
        if (j < 0 || j >= size) {
            sg_flag_error(err);
            continue;
        }
        sg_atomic_add(out + oo + (int)j * stride, src[os]);
    }
}

template <typename T>
__device__ void scatter_kernel(long long n, int dim, TDesc od, T* out, TDesc idd, const i64* index, TDesc sd,
                               const T* src, int* err) {
    const int size = sg_dim_size(od, dim), stride = sg_dim_stride(od, dim);
    SG_GRID_LOOP(i, n) {
        int oi, os, oo, c;
        sg_offsets_except(idd, sd, od, dim, (unsigned)i, oi, os, oo, c);
        const i64 j = index[oi];
        if (j < 0 || j >= size) {
            sg_flag_error(err);
            continue;
        }
        out[oo + (int)j * stride] = src[os];
    }
}

// iteration over out's shape; idd is 1-D
template <typename T>
__device__ void index_select_kernel(long long n, int dim, TDesc od, T* out, TDesc xd, const T* x, TDesc idd,
                                    const i64* index, int* err) {
    const int size = sg_dim_size(xd, dim), stride = sg_dim_stride(xd, dim);
    SG_GRID_LOOP(i, n) {
        int oo, unused, ox, c;
        sg_offsets_except(od, od, xd, dim, (unsigned)i, oo, unused, ox, c);
        const i64 j = index[idd.offset + c * idd.stride[0]];
        if (j < 0 || j >= size) {
            sg_flag_error(err);
            out[oo] = T(0);
            continue;
        }
        out[oo] = x[ox + (int)j * stride];
    }
}

// iteration over src's shape; idd is 1-D
template <typename T>
__device__ void index_add_kernel(long long n, int dim, TDesc od, T* out, TDesc sd, const T* src, TDesc idd,
                                 const i64* index, T alpha, int hasSkip, i64 skipIndex, int* err) {
    const int size = sg_dim_size(od, dim), stride = sg_dim_stride(od, dim);
    SG_GRID_LOOP(i, n) {
        int os, unused, oo, c;
        sg_offsets_except(sd, sd, od, dim, (unsigned)i, os, unused, oo, c);
        const i64 raw = index[idd.offset + c * idd.stride[0]];
        if (hasSkip && raw == skipIndex) continue;
        const i64 j = raw;
        if (j < 0 || j >= size) {
            sg_flag_error(err);
            continue;
        }
        sg_atomic_add(out + oo + (int)j * stride, alpha * src[os]);
    }
}

#define SG_INDEX_READ(SUF, T)                                                                                 \
    extern "C" __global__ void sg_gather_##SUF(long long n, int dim, TDesc od, T* out, TDesc idd,              \
                                               const i64* index, TDesc xd, const T* x, int* err) {             \
        gather_kernel<T>(n, dim, od, out, idd, index, xd, x, err);                                             \
    }                                                                                                          \
    extern "C" __global__ void sg_index_select_##SUF(long long n, int dim, TDesc od, T* out, TDesc xd,         \
                                                     const T* x, TDesc idd, const i64* index, int* err) {      \
        index_select_kernel<T>(n, dim, od, out, xd, x, idd, index, err);                                       \
    }                                                                                                          \
    extern "C" __global__ void sg_scatter_##SUF(long long n, int dim, TDesc od, T* out, TDesc idd,             \
                                                const i64* index, TDesc sd, const T* src, int* err) {          \
        scatter_kernel<T>(n, dim, od, out, idd, index, sd, src, err);                                          \
    }

#define SG_INDEX_ADD(SUF, T)                                                                                  \
    extern "C" __global__ void sg_scatter_add_##SUF(long long n, int dim, TDesc od, T* out, TDesc idd,         \
                                                    const i64* index, TDesc sd, const T* src, int* err) {      \
        scatter_add_kernel<T>(n, dim, od, out, idd, index, sd, src, err);                                      \
    }                                                                                                          \
    extern "C" __global__ void sg_index_add_##SUF(long long n, int dim, TDesc od, T* out, TDesc sd,            \
                                                  const T* src, TDesc idd, const i64* index, double alpha,     \
                                                  int hasSkip, long long skipIndex, int* err) {                \
        index_add_kernel<T>(n, dim, od, out, sd, src, idd, index, (T)alpha, hasSkip, skipIndex, err);          \
    }

SG_INDEX_READ(f32, float)
SG_INDEX_READ(f64, double)
SG_INDEX_READ(i64, i64)
SG_INDEX_READ(u8, u8)
SG_INDEX_ADD(f32, float)
SG_INDEX_ADD(f64, double)
SG_INDEX_ADD(i64, i64)
