// dtype casts between f32, f64, bf16, f16, i64 and u8 (bool), strided on both sides. A cast to the same dtype is
// the strided copy the engine uses for contiguous(), cat/stack into views and device-side clones.
//
// Semantics follow PyTorch: float -> int64 truncates toward zero; anything -> bool is "!= 0" (NaN is true);
// bool -> number is 0/1; to bf16/f16 rounds to nearest even. Conversions go through float, except those
// involving f64 or i64, which go through double or int64 so no precision is lost on the way.
#include "sg_common.cuh"

template <typename S, typename D> struct SgCast {
    __device__ static D apply(S v) { return SgConv<D>::fromF(SgConv<S>::toF(v)); }
};
// same type: copy bits
template <typename T> struct SgCast<T, T> {
    __device__ static T apply(T v) { return v; }
};
// through double where f64 is involved
template <typename D> struct SgCast<double, D> {
    __device__ static D apply(double v) { return SgConv<D>::fromD(v); }
};
template <typename S> struct SgCast<S, double> {
    __device__ static double apply(S v) { return SgConv<S>::toD(v); }
};
template <> struct SgCast<double, double> {
    __device__ static double apply(double v) { return v; }
};
// through int64 where i64 is involved (and no f64)
template <typename D> struct SgCast<i64, D> {
    __device__ static D apply(i64 v) { return SgConv<D>::fromL(v); }
};
template <typename S> struct SgCast<S, i64> {
    __device__ static i64 apply(S v) { return SgConv<S>::toL(v); }
};
template <> struct SgCast<i64, i64> {
    __device__ static i64 apply(i64 v) { return v; }
};
template <> struct SgCast<i64, double> {
    __device__ static double apply(i64 v) { return (double)v; }
};
template <> struct SgCast<double, i64> {
    __device__ static i64 apply(double v) { return (i64)v; }
};
// bool <- float: exact "!= 0" test, not through a rounding
template <> struct SgCast<float, u8> {
    __device__ static u8 apply(float v) { return v != 0.0f ? 1 : 0; }
};

template <typename S, typename D>
__device__ void cast_kernel(long long n, TDesc od, D* out, TDesc xd, const S* x) {
    SG_GRID_LOOP(i, n) {
        int oo, ox;
        sg_offset2(od, xd, (unsigned)i, oo, ox);
        out[oo] = SgCast<S, D>::apply(x[ox]);
    }
}

#define SG_CAST(SS, S, DS, D)                                                                               \
    extern "C" __global__ void sg_cast_##SS##_##DS(long long n, TDesc od, D* out, TDesc xd, const S* x) {   \
        cast_kernel<S, D>(n, od, out, xd, x);                                                               \
    }

#define SG_CAST_FROM(SS, S)          \
    SG_CAST(SS, S, f32, float)       \
    SG_CAST(SS, S, f64, double)      \
    SG_CAST(SS, S, bf16, __nv_bfloat16) \
    SG_CAST(SS, S, f16, __half)      \
    SG_CAST(SS, S, i64, i64)         \
    SG_CAST(SS, S, u8, u8)

SG_CAST_FROM(f32, float)
SG_CAST_FROM(f64, double)
SG_CAST_FROM(bf16, __nv_bfloat16)
SG_CAST_FROM(f16, __half)
SG_CAST_FROM(i64, i64)
SG_CAST_FROM(u8, u8)
