// Reduction accumulators shared by reduce.cu, softmax.cu and norm.cu. Each op is a functor with
//   Acc identity(), Acc load(T v, int r), Acc operator()(Acc a, Acc b)  (associative combine)
// and every Acc has an sg_shfl_down overload so sg_block_reduce can move it between lanes.
// Combines are order-independent in their result selection (ties broken by index), so results do not depend on
// the launch configuration beyond floating-point rounding.
#pragma once
#include <math_constants.h>
#include "sg_common.cuh"

template <typename T> struct SgAccType { typedef T type; };
template <> struct SgAccType<__nv_bfloat16> { typedef float type; };
template <> struct SgAccType<__half> { typedef float type; };

// --- value + index (max/min/argmax/argmin): NaN wins (PyTorch propagates NaN), ties -> lowest index ---------
template <typename A> struct SgArgAcc {
    A v;
    int i;  // -1: empty
};
template <typename A> __device__ __forceinline__ SgArgAcc<A> sg_shfl_down(SgArgAcc<A> a, int o) {
    SgArgAcc<A> r;
    r.v = sg_shfl_down(a.v, o);
    r.i = sg_shfl_down(a.i, o);
    return r;
}

template <typename A, bool IS_MAX> struct SgArgOp {
    typedef SgArgAcc<A> Acc;
    __device__ __forceinline__ Acc identity() const {
        Acc a;
        a.v = A(0);
        a.i = -1;
        return a;
    }
    __device__ __forceinline__ Acc load(A v, int r) const {
        Acc a;
        a.v = v;
        a.i = r;
        return a;
    }
    __device__ __forceinline__ Acc operator()(Acc a, Acc b) const {
        if (a.i < 0) return b;
        if (b.i < 0) return a;
        const bool an = a.v != a.v, bn = b.v != b.v;
        if (an || bn) {
            if (an && bn) return a.i <= b.i ? a : b;
            return an ? a : b;
        }
        if (IS_MAX) {
            if (a.v > b.v) return a;
            if (b.v > a.v) return b;
        } else {
            if (a.v < b.v) return a;
            if (b.v < a.v) return b;
        }
        return a.i <= b.i ? a : b;
    }
};

// --- Welford / Chan mean + M2 (var, std) ----------------------------------------------------------------
template <typename A> struct SgWelfordAcc {
    A mean;
    A m2;
    int n;
};
template <typename A> __device__ __forceinline__ SgWelfordAcc<A> sg_shfl_down(SgWelfordAcc<A> a, int o) {
    SgWelfordAcc<A> r;
    r.mean = sg_shfl_down(a.mean, o);
    r.m2 = sg_shfl_down(a.m2, o);
    r.n = sg_shfl_down(a.n, o);
    return r;
}
template <typename A> struct SgWelfordOp {
    typedef SgWelfordAcc<A> Acc;
    __device__ __forceinline__ Acc identity() const {
        Acc a;
        a.mean = A(0);
        a.m2 = A(0);
        a.n = 0;
        return a;
    }
    __device__ __forceinline__ Acc load(A v, int) const {
        Acc a;
        a.mean = v;
        a.m2 = A(0);
        a.n = 1;
        return a;
    }
    __device__ __forceinline__ Acc operator()(Acc a, Acc b) const {
        if (a.n == 0) return b;
        if (b.n == 0) return a;
        Acc r;
        r.n = a.n + b.n;
        const A nbOverN = (A)b.n / (A)r.n;
        const A delta = b.mean - a.mean;
        r.mean = a.mean + delta * nbOverN;
        r.m2 = a.m2 + b.m2 + delta * delta * (A)a.n * nbOverN;
        return r;
    }
};

// --- online log-sum-exp (max m, sum s of exp(x - m)) ------------------------------------------------------
template <typename A> struct SgLseAcc {
    A m;
    A s;
};
template <typename A> __device__ __forceinline__ SgLseAcc<A> sg_shfl_down(SgLseAcc<A> a, int o) {
    SgLseAcc<A> r;
    r.m = sg_shfl_down(a.m, o);
    r.s = sg_shfl_down(a.s, o);
    return r;
}
template <typename A> struct SgLseOp {
    typedef SgLseAcc<A> Acc;
    __device__ __forceinline__ Acc identity() const {
        Acc a;
        a.m = -(A)CUDART_INF;
        a.s = A(0);
        return a;
    }
    __device__ __forceinline__ Acc load(A v, int) const {
        Acc a;
        a.m = v;
        a.s = A(1);
        return a;
    }
    __device__ __forceinline__ Acc operator()(Acc a, Acc b) const {
        if (a.m != a.m) return a;
        if (b.m != b.m) return b;
        if (a.m == -(A)CUDART_INF) return b;
        if (b.m == -(A)CUDART_INF) return a;
        Acc r;
        if (a.m == (A)CUDART_INF || b.m == (A)CUDART_INF) {
            r.m = (A)CUDART_INF;
            r.s = A(1);
            return r;
        }
        if (a.m >= b.m) {
            r.m = a.m;
            r.s = a.s + b.s * exp(b.m - a.m);
        } else {
            r.m = b.m;
            r.s = b.s + a.s * exp(a.m - b.m);
        }
        return r;
    }
    // log(sum(exp(x))) from an accumulator
    __device__ __forceinline__ static A value(Acc a) { return a.m + log(a.s); }
};

// --- plain sum / product ----------------------------------------------------------------------------------
template <typename A> struct SgSumOp {
    typedef A Acc;
    __device__ __forceinline__ Acc identity() const { return A(0); }
    __device__ __forceinline__ Acc load(A v, int) const { return v; }
    __device__ __forceinline__ Acc operator()(Acc a, Acc b) const { return a + b; }
};
template <typename A> struct SgProdOp {
    typedef A Acc;
    __device__ __forceinline__ Acc identity() const { return A(1); }
    __device__ __forceinline__ Acc load(A v, int) const { return v; }
    __device__ __forceinline__ Acc operator()(Acc a, Acc b) const { return a * b; }
};
