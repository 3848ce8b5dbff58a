// Elementwise kernels with broadcasting through strided indexing: unary (incl. scalar ops), unary gradients,
// binary, comparisons, logical ops, where, non-finite test, fill, arange. Op codes: sg_ops.h.
//
// Every kernel iterates over the shape of its output descriptor `od`; input descriptors carry the strides of the
// inputs expanded to that shape (0 along broadcast dims). The Java side coalesces dims before launching, so a
// contiguous operand arrives with ndim == 1 and costs no division.
#include "sg_common.cuh"
#include "sg_ops.h"

template <typename T>
__device__ __forceinline__ T sg_unary_op(int op, T x, T a, T b) {
    switch (op) {
        case SG_U_IDENTITY: return x;
        case SG_U_NEG: return -x;
        case SG_U_ABS: return fabs(x);
        case SG_U_EXP: return exp(x);
        case SG_U_LOG: return log(x);
        case SG_U_SQRT: return sqrt(x);
        case SG_U_RSQRT: return rsqrt(x);
        case SG_U_SIN: return sin(x);
        case SG_U_COS: return cos(x);
        case SG_U_TAN: return tan(x);
        case SG_U_TANH: return tanh(x);
        case SG_U_SIGMOID: return sg_sigmoid(x);
        case SG_U_RELU: return x > T(0) ? x : (x != x ? x : T(0));
        case SG_U_GELU: return T(0.5) * x * (T(1) + erf(x * T(0.70710678118654752440)));
        case SG_U_GELU_TANH: {
            const T k = T(0.79788456080286535588);  // sqrt(2/pi)
            return T(0.5) * x * (T(1) + tanh(k * (x + T(0.044715) * x * x * x)));
        }
        case SG_U_SILU: return x * sg_sigmoid(x);
        case SG_U_SOFTPLUS: return sg_softplus(x, a, b);
        case SG_U_LOG1P: return log1p(x);
        case SG_U_EXPM1: return expm1(x);
        case SG_U_RECIPROCAL: return T(1) / x;
        case SG_U_SQUARE: return x * x;
        case SG_U_SIGN: return x != x ? x : (T)((x > T(0)) - (x < T(0)));
        case SG_U_FLOOR: return floor(x);
        case SG_U_CEIL: return ceil(x);
        case SG_U_ROUND: return rint(x);
        case SG_U_TRUNC: return trunc(x);
        case SG_U_ERF: return erf(x);
        case SG_U_LEAKY_RELU: return x > T(0) ? x : x * a;
        case SG_U_ELU: return x > T(0) ? x : a * expm1(x);
        case SG_U_CLAMP: return x != x ? x : (x < a ? a : (x > b ? b : x));
        case SG_U_LOGSIGMOID: return fmin(x, T(0)) - log1p(exp(-fabs(x)));
        case SG_U_MISH: return x * tanh(sg_softplus(x, T(1), T(20)));
        case SG_U_ADD_SCALAR: return x + a;
        case SG_U_MUL_SCALAR: return x * a;
        case SG_U_RSUB_SCALAR: return a - x;
        case SG_U_RDIV_SCALAR: return a / x;
        case SG_U_POW_SCALAR:
            if (a == T(2)) return x * x;
            if (a == T(1)) return x;
            if (a == T(0)) return T(1);
            return pow(x, a);
        case SG_U_RPOW_SCALAR: return pow(a, x);
        case SG_U_DIV_SCALAR: return x / a;
        case SG_U_SUB_SCALAR: return x - a;
        case SG_U_AFFINE: return a * x + b;
        case SG_U_ASIN: return asin(x);
        case SG_U_ACOS: return acos(x);
        case SG_U_ATAN: return atan(x);
        case SG_U_SINH: return sinh(x);
        case SG_U_COSH: return cosh(x);
        case SG_U_ASINH: return asinh(x);
        case SG_U_ACOSH: return acosh(x);
        case SG_U_ATANH: return atanh(x);
        case SG_U_ERFC: return erfc(x);
        case SG_U_ERFINV: return erfinv(x);
        case SG_U_LOG2: return log2(x);
        case SG_U_LOG10: return log10(x);
        default: return x;
    }
}

template <typename T>
__device__ __forceinline__ T sg_unary_grad_op(int op, T g, T s, T a, T b) {
    switch (op) {
        case SG_G_RELU: return s <= T(0) ? T(0) : g;  // threshold_backward: a NaN input passes the gradient
        case SG_G_SIGMOID: return g * s * (T(1) - s);
        case SG_G_TANH: return g * (T(1) - s * s);
        case SG_G_GELU: {
            const T cdf = T(0.5) * (T(1) + erf(s * T(0.70710678118654752440)));
            const T pdf = exp(T(-0.5) * s * s) * T(0.39894228040143267794);  // 1/sqrt(2 pi)
            return g * (cdf + s * pdf);
        }
        case SG_G_GELU_TANH: {
            const T k = T(0.79788456080286535588);
            const T c = T(0.044715);
            const T inner = k * (s + c * s * s * s);
            const T t = tanh(inner);
            const T left = T(0.5) * s;
            const T right = T(1) + t;
            const T leftD = T(0.5) * right;
            const T rightD = left * (T(1) - t * t) * k * (T(1) + T(3) * c * s * s);
            return g * (leftD + rightD);
        }
        case SG_G_SILU: {
            const T sig = sg_sigmoid(s);
            return g * sig * (T(1) + s * (T(1) - sig));
        }
        case SG_G_SOFTPLUS: {
            const T bx = s * a;
            return bx > b ? g : g * sg_sigmoid(bx);
        }
        case SG_G_LEAKY_RELU: return s > T(0) ? g : g * a;
        case SG_G_ELU: return s > T(0) ? g : g * a * exp(s);
        case SG_G_CLAMP: return ((a != a || s >= a) && (b != b || s <= b)) ? g : T(0);  // NaN bound = none
        case SG_G_LOGSIGMOID: return g * sg_sigmoid(-s);
        case SG_G_MISH: {
            const T sp = sg_softplus(s, T(1), T(20));
            const T tsp = tanh(sp);
            return g * (tsp + s * sg_sigmoid(s) * (T(1) - tsp * tsp));
        }
        case SG_G_ABS: return s > T(0) ? g : (s < T(0) ? -g : T(0));
        case SG_G_SQRT: return g / (T(2) * s);
        case SG_G_RSQRT: return T(-0.5) * g * s * s * s;
        case SG_G_LOG: return g / s;
        case SG_G_EXP: return g * s;
        case SG_G_RECIPROCAL: return -g * s * s;
        case SG_G_SIN: return g * cos(s);
        case SG_G_COS: return -g * sin(s);
        case SG_G_POW_SCALAR:
            if (a == T(0)) return T(0);
            return g * a * pow(s, a - T(1));
        case SG_G_LOG1P: return g / (T(1) + s);
        case SG_G_EXPM1: return g * (s + T(1));
        case SG_G_ERF: return g * T(1.12837916709551257390) * exp(-s * s);  // 2/sqrt(pi)
        case SG_G_HARDTANH: return (s > a && s < b) ? g : T(0);
        case SG_G_TAN: return g * (T(1) + s * s);
        // s = a^x; base 0: the gradient is 0 where x >= 0, i.e. where 0^x is 0 or 1 (PyTorch's pow_backward_exponent)
        case SG_G_RPOW_SCALAR: return (a == T(0) && (s == T(0) || s == T(1))) ? T(0) : g * s * log(a);
        case SG_G_SQUARE: return g * T(2) * s;
        case SG_G_RDIV_SCALAR: return g * (-a / (s * s));
        // the formulas of PyTorch's derivatives.yaml; rsqrt(0) = inf gives asin'(+-1) = inf, acosh'(1) = inf
        case SG_G_ASIN: return g * rsqrt(-s * s + T(1));
        case SG_G_ACOS: return g * -rsqrt(-s * s + T(1));
        case SG_G_ATAN: return g / (s * s + T(1));
        case SG_G_SINH: return g * cosh(s);
        case SG_G_COSH: return g * sinh(s);
        case SG_G_ASINH: return g * rsqrt(s * s + T(1));
        case SG_G_ACOSH: return g * rsqrt(s * s - T(1));
        case SG_G_ATANH: return g / (T(1) - s * s);
        case SG_G_ERFC: return T(-1.12837916709551257390) * exp(-(s * s)) * g;  // -2/sqrt(pi)
        case SG_G_ERFINV: return T(0.88622692545275801365) * exp(s * s) * g;  // sqrt(pi)/2
        case SG_G_LOG2: return g / (s * T(0.6931471805599453));
        case SG_G_LOG10: return g / (s * T(2.3025850929940456));
        default: return g;
    }
}

template <typename T>
__device__ __forceinline__ T sg_binary_op(int op, T x, T y, T alpha) {
    switch (op) {
        case SG_B_ADD: return x + alpha * y;
        case SG_B_SUB: return x - alpha * y;
        case SG_B_MUL: return x * y;
        case SG_B_DIV: return x / y;
        case SG_B_POW: return pow(x, y);
        case SG_B_MAXIMUM: return (x != x || y != y) ? (x != x ? x : y) : (x > y ? x : y);
        case SG_B_MINIMUM: return (x != x || y != y) ? (x != x ? x : y) : (x < y ? x : y);
        case SG_B_ATAN2: return atan2(x, y);
        case SG_B_FMOD: return fmod(x, y);
        case SG_B_REMAINDER: {
            T r = fmod(x, y);
            if (r != T(0) && ((r < T(0)) != (y < T(0)))) r += y;
            return r;
        }
        case SG_B_HYPOT: return hypot(x, y);
        case SG_B_COPYSIGN: return copysign(x, y);
        case SG_B_FLOOR_DIVIDE: {  // PyTorch's div_floor_floating
            if (y == T(0)) return x / y;
            const T mod = fmod(x, y);
            T div = (x - mod) / y;
            if (mod != T(0) && ((y < T(0)) != (mod < T(0)))) div -= T(1);
            if (div == T(0)) return copysign(T(0), x / y);
            T fl = floor(div);
            if (div - fl > T(0.5)) fl += T(1);
            return fl;
        }
        default: return x;
    }
}

__device__ __forceinline__ i64 sg_binary_op_i64(int op, i64 x, i64 y, i64 alpha) {
    switch (op) {
        case SG_B_ADD: return x + alpha * y;
        case SG_B_SUB: return x - alpha * y;
        case SG_B_MUL: return x * y;
        case SG_B_DIV: {  // floor division, torch.div(rounding_mode='floor'); y == 0 yields 0 (no trap on GPU)
            if (y == 0) return 0;
            i64 q = x / y;
            if ((x % y != 0) && ((x < 0) != (y < 0))) q -= 1;
            return q;
        }
        case SG_B_POW: {
            if (y < 0) return x == 1 ? 1 : (x == -1 ? ((y & 1) ? -1 : 1) : 0);
            i64 r = 1, base = x;
            while (y) {
                if (y & 1) r *= base;
                base *= base;
                y >>= 1;
            }
            return r;
        }
        case SG_B_MAXIMUM: return x > y ? x : y;
        case SG_B_MINIMUM: return x < y ? x : y;
        case SG_B_FMOD: return y == 0 ? 0 : x % y;
        case SG_B_REMAINDER: {
            if (y == 0) return 0;
            i64 r = x % y;
            if (r != 0 && ((r < 0) != (y < 0))) r += y;
            return r;
        }
        case SG_B_FLOOR_DIVIDE: {
            if (y == 0) return 0;
            i64 q = x / y;
            if ((x % y != 0) && ((x < 0) != (y < 0))) q -= 1;
            return q;
        }
        default: return x;
    }
}

template <typename T>
__device__ __forceinline__ u8 sg_compare_op(int op, T x, T y) {
    switch (op) {
        case SG_C_EQ: return x == y;
        case SG_C_NE: return x != y;
        case SG_C_LT: return x < y;
        case SG_C_LE: return x <= y;
        case SG_C_GT: return x > y;
        case SG_C_GE: return x >= y;
        default: return 0;
    }
}

// ---------------------------------------------------------------------------------------------------------
// Kernels
// ---------------------------------------------------------------------------------------------------------
template <typename T>
__device__ void unary_kernel(long long n, int op, TDesc od, T* out, TDesc xd, const T* x, double a, double b) {
    const T ta = (T)a, tb = (T)b;
    SG_GRID_LOOP(i, n) {
        int oo, ox;
        sg_offset2(od, xd, (unsigned)i, oo, ox);
        out[oo] = sg_unary_op<T>(op, x[ox], ta, tb);
    }
}

template <typename T>
__device__ void unary_grad_kernel(long long n, int op, TDesc od, T* out, TDesc gd, const T* g, TDesc sd,
                                  const T* s, double a, double b) {
    const T ta = (T)a, tb = (T)b;
    SG_GRID_LOOP(i, n) {
        int oo, og, os;
        sg_offset3(od, gd, sd, (unsigned)i, oo, og, os);
        out[oo] = sg_unary_grad_op<T>(op, g[og], s[os], ta, tb);
    }
}

template <typename T>
__device__ void binary_kernel(long long n, int op, TDesc od, T* out, TDesc xd, const T* x, TDesc yd, const T* y,
                              double alpha) {
    const T ta = (T)alpha;
    SG_GRID_LOOP(i, n) {
        int oo, ox, oy;
        sg_offset3(od, xd, yd, (unsigned)i, oo, ox, oy);
        out[oo] = sg_binary_op<T>(op, x[ox], y[oy], ta);
    }
}

template <typename T>
__device__ void compare_kernel(long long n, int op, TDesc od, u8* out, TDesc xd, const T* x, TDesc yd, const T* y) {
    SG_GRID_LOOP(i, n) {
        int oo, ox, oy;
        sg_offset3(od, xd, yd, (unsigned)i, oo, ox, oy);
        out[oo] = sg_compare_op<T>(op, x[ox], y[oy]);
    }
}

template <typename T>
__device__ void compare_scalar_kernel(long long n, int op, TDesc od, u8* out, TDesc xd, const T* x, T y) {
    SG_GRID_LOOP(i, n) {
        int oo, ox;
        sg_offset2(od, xd, (unsigned)i, oo, ox);
        out[oo] = sg_compare_op<T>(op, x[ox], y);
    }
}

template <typename T>
__device__ void where_kernel(long long n, TDesc od, T* out, TDesc cd, const u8* cond, TDesc xd, const T* x, TDesc yd,
                             const T* y) {
    SG_GRID_LOOP(i, n) {
        int oo, oc, ox, oy;
        sg_offset4(od, cd, xd, yd, (unsigned)i, oo, oc, ox, oy);
        out[oo] = cond[oc] ? x[ox] : y[oy];
    }
}

// out = cond ? x : value (scalarWhenTrue == 0), or cond ? value : x (scalarWhenTrue != 0): masked_fill.
template <typename T>
__device__ void where_scalar_kernel(long long n, TDesc od, T* out, TDesc cd, const u8* cond, TDesc xd, const T* x,
                                    T value, int scalarWhenTrue) {
    SG_GRID_LOOP(i, n) {
        int oo, oc, ox;
        sg_offset3(od, cd, xd, (unsigned)i, oo, oc, ox);
        const bool c = cond[oc] != 0;
        out[oo] = (c != (scalarWhenTrue != 0)) ? x[ox] : value;
    }
}

template <typename T>
__device__ void fill_kernel(long long n, TDesc od, T* out, T value) {
    SG_GRID_LOOP(i, n) { out[sg_offset(od, (unsigned)i)] = value; }
}

// ---------------------------------------------------------------------------------------------------------
// extern "C" entry points
// ---------------------------------------------------------------------------------------------------------
#define SG_FLOAT_ELEMENTWISE(SUF, T)                                                                          \
    extern "C" __global__ void sg_unary_##SUF(long long n, int op, TDesc od, T* out, TDesc xd, const T* x,     \
                                              double a, double b) {                                            \
        unary_kernel<T>(n, op, od, out, xd, x, a, b);                                                          \
    }                                                                                                          \
    extern "C" __global__ void sg_unary_grad_##SUF(long long n, int op, TDesc od, T* out, TDesc gd, const T* g, \
                                                   TDesc sd, const T* s, double a, double b) {                 \
        unary_grad_kernel<T>(n, op, od, out, gd, g, sd, s, a, b);                                              \
    }                                                                                                          \
    extern "C" __global__ void sg_binary_##SUF(long long n, int op, TDesc od, T* out, TDesc xd, const T* x,    \
                                               TDesc yd, const T* y, double alpha) {                           \
        binary_kernel<T>(n, op, od, out, xd, x, yd, y, alpha);                                                 \
    }                                                                                                          \
    extern "C" __global__ void sg_compare_##SUF(long long n, int op, TDesc od, u8* out, TDesc xd, const T* x,  \
                                                TDesc yd, const T* y) {                                        \
        compare_kernel<T>(n, op, od, out, xd, x, yd, y);                                                       \
    }                                                                                                          \
    extern "C" __global__ void sg_compare_scalar_##SUF(long long n, int op, TDesc od, u8* out, TDesc xd,       \
                                                       const T* x, double y) {                                 \
        compare_scalar_kernel<T>(n, op, od, out, xd, x, (T)y);                                                 \
    }                                                                                                          \
    extern "C" __global__ void sg_where_##SUF(long long n, TDesc od, T* out, TDesc cd, const u8* cond,         \
                                              TDesc xd, const T* x, TDesc yd, const T* y) {                    \
        where_kernel<T>(n, od, out, cd, cond, xd, x, yd, y);                                                   \
    }                                                                                                          \
    extern "C" __global__ void sg_where_scalar_##SUF(long long n, TDesc od, T* out, TDesc cd, const u8* cond,  \
                                                     TDesc xd, const T* x, double value, int scalarWhenTrue) { \
        where_scalar_kernel<T>(n, od, out, cd, cond, xd, x, (T)value, scalarWhenTrue);                         \
    }                                                                                                          \
    extern "C" __global__ void sg_nonfinite_##SUF(long long n, TDesc od, u8* out, TDesc xd, const T* x) {      \
        SG_GRID_LOOP(i, n) {                                                                                   \
            int oo, ox;                                                                                        \
            sg_offset2(od, xd, (unsigned)i, oo, ox);                                                           \
            out[oo] = isfinite(x[ox]) ? 0 : 1;                                                                 \
        }                                                                                                      \
    }                                                                                                          \
    extern "C" __global__ void sg_fill_##SUF(long long n, TDesc od, T* out, double value) {                    \
        fill_kernel<T>(n, od, out, (T)value);                                                                  \
    }                                                                                                          \
    extern "C" __global__ void sg_arange_##SUF(long long n, TDesc od, T* out, double start, double step) {     \
        SG_GRID_LOOP(i, n) { out[sg_offset(od, (unsigned)i)] = (T)(start + (double)i * step); }                \
    }

SG_FLOAT_ELEMENTWISE(f32, float)
SG_FLOAT_ELEMENTWISE(f64, double)

// int64: binary arithmetic, comparisons, where, fill, arange
extern "C" __global__ void sg_binary_i64(long long n, int op, TDesc od, i64* out, TDesc xd, const i64* x, TDesc yd,
                                         const i64* y, long long alpha) {
    SG_GRID_LOOP(i, n) {
        int oo, ox, oy;
        sg_offset3(od, xd, yd, (unsigned)i, oo, ox, oy);
        out[oo] = sg_binary_op_i64(op, x[ox], y[oy], alpha);
    }
}
extern "C" __global__ void sg_compare_i64(long long n, int op, TDesc od, u8* out, TDesc xd, const i64* x, TDesc yd,
                                          const i64* y) {
    compare_kernel<i64>(n, op, od, out, xd, x, yd, y);
}
extern "C" __global__ void sg_compare_scalar_i64(long long n, int op, TDesc od, u8* out, TDesc xd, const i64* x,
                                                 long long y) {
    compare_scalar_kernel<i64>(n, op, od, out, xd, x, y);
}
extern "C" __global__ void sg_where_i64(long long n, TDesc od, i64* out, TDesc cd, const u8* cond, TDesc xd,
                                        const i64* x, TDesc yd, const i64* y) {
    where_kernel<i64>(n, od, out, cd, cond, xd, x, yd, y);
}
extern "C" __global__ void sg_fill_i64(long long n, TDesc od, i64* out, long long value) {
    fill_kernel<i64>(n, od, out, value);
}
extern "C" __global__ void sg_arange_i64(long long n, TDesc od, i64* out, long long start, long long step) {
    SG_GRID_LOOP(i, n) { out[sg_offset(od, (unsigned)i)] = start + i * step; }
}

// bool (u8): comparisons, where, fill, logical ops
extern "C" __global__ void sg_compare_u8(long long n, int op, TDesc od, u8* out, TDesc xd, const u8* x, TDesc yd,
                                         const u8* y) {
    compare_kernel<u8>(n, op, od, out, xd, x, yd, y);
}
extern "C" __global__ void sg_where_u8(long long n, TDesc od, u8* out, TDesc cd, const u8* cond, TDesc xd,
                                       const u8* x, TDesc yd, const u8* y) {
    where_kernel<u8>(n, od, out, cd, cond, xd, x, yd, y);
}
extern "C" __global__ void sg_fill_u8(long long n, TDesc od, u8* out, int value) {
    fill_kernel<u8>(n, od, out, (u8)(value != 0));
}
extern "C" __global__ void sg_logical_u8(long long n, int op, TDesc od, u8* out, TDesc xd, const u8* x, TDesc yd,
                                         const u8* y) {
    SG_GRID_LOOP(i, n) {
        int oo, ox, oy;
        sg_offset3(od, xd, yd, (unsigned)i, oo, ox, oy);
        const bool a = x[ox] != 0;
        const bool b = op == SG_L_NOT ? false : (y[oy] != 0);
        bool r;
        switch (op) {
            case SG_L_AND: r = a && b; break;
            case SG_L_OR: r = a || b; break;
            case SG_L_XOR: r = a != b; break;
            default: r = !a; break;
        }
        out[oo] = r ? 1 : 0;
    }
}
