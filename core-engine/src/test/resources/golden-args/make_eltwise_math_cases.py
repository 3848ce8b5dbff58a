#!/usr/bin/env python3
"""Writes eltwise_math.json: hand-built golden cases (README format of shared/golden) for the elementwise ops added for
PyTorch 1.13 parity: the trigonometric/hyperbolic/error-function/logarithm families, the rounding functions, softmin,
atan2, fmod, remainder, hypot, copysign, lerp, addcmul and addcdiv, under their PyTorch names.

No PyTorch and no engine code is involved: every forward value is computed here in float64 with numpy/scipy (C's
libm through numpy, scipy.special for erf/erfc/erfinv) from the formula the PyTorch 1.13 documentation gives for the op,
and every gradient from the backward formula of PyTorch's tools/autograd/derivatives.yaml written out below; each
smooth case's analytic gradients are cross-checked against central finite differences of the forward formula.
Run: python3 make_eltwise_math_cases.py  (writes eltwise_math.json next to this script).
"""
import json
import math
import os

import numpy as np
from scipy import special

RNG = np.random.RandomState(113)
CASES = []
SQRT_PI = math.sqrt(math.pi)


from golden_common import T as _T, write_fixture  # noqa: E402


def T(a, dtype="float64"):
    return _T(a, dtype, finite_only=True)


def sum_to(g, shape):
    """Sums a broadcast gradient back to an operand's shape (what autograd does for broadcasting ops)."""
    g = np.asarray(g, dtype=np.float64)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for d, s in enumerate(shape):
        if s == 1 and g.shape[d] != 1:
            g = g.sum(axis=d, keepdims=True)
    return g.reshape(shape)


def fd_check(f, inputs, diff, up, grads):
    h = 1e-6
    for k in diff:
        x = np.array(inputs[k], dtype=np.float64)
        for idx in np.ndindex(x.shape):
            xp = x.copy(); xp[idx] += h
            xm = x.copy(); xm[idx] -= h
            ip = dict(inputs); ip[k] = xp
            im = dict(inputs); im[k] = xm
            num = (np.sum(f(ip) * up) - np.sum(f(im) * up)) / (2 * h)
            ana = grads[k][idx]
            assert abs(num - ana) <= 1e-5 * (1 + abs(ana)), (k, idx, num, ana)


def case(name, op, args, inputs, f, grad=None, dtypes=None, fd=True, note=None):
    """f(inputs) -> output; grad(inputs, out, up) -> {input name: gradient} (derivatives.yaml formula)."""
    dtypes = dtypes or {}
    out = np.asarray(f(inputs))
    c = {"name": name, "op": op, "args": args,
         "inputs": {k: T(v, dtypes.get(k, "float64")) for k, v in inputs.items()}}
    c["output"] = T(out, "int64" if np.issubdtype(out.dtype, np.integer) else "float64")
    if grad is not None:
        up = RNG.randn(*out.shape)
        g = grad(inputs, out, up)
        g = {k: sum_to(v, np.shape(inputs[k])) for k, v in g.items()}
        if fd:
            fd_check(f, inputs, list(g.keys()), up, g)
        c["upstream_grad"] = T(up)
        c["grads"] = {k: T(v) for k, v in g.items()}
    if note:
        c["note"] = note
    CASES.append(c)


def unary(name, op, x, f, df, args=None, fd=True, note=None, key="x"):
    """A unary op: value f(x), gradient up * df(x, out)."""
    case(name, op, args or {}, {key: x}, lambda i: f(i[key]), lambda i, o, u: {key: u * df(i[key], o)}, fd=fd, note=note)


def zero_grad(x, o):
    return np.zeros_like(x)


x6 = RNG.randn(2, 3)
unit = RNG.uniform(-0.9, 0.9, (2, 3))
pos = RNG.uniform(0.2, 6.0, (2, 3))

# ============================================================ trigonometric and hyperbolic (torch.tan ... torch.atanh)
unary("tan", "tan", RNG.uniform(-1.2, 1.2, (2, 3)), np.tan, lambda x, o: 1 + o * o, note="d: grad * (1 + result^2)")
unary("asin", "asin", unit, np.arcsin, lambda x, o: 1 / np.sqrt(-x * x + 1), note="d: grad * (-self * self + 1).rsqrt()")
unary("arcsin_alias_input_name", "arcsin", unit, np.arcsin, lambda x, o: 1 / np.sqrt(-x * x + 1), key="input")
unary("acos", "acos", unit, np.arccos, lambda x, o: -1 / np.sqrt(-x * x + 1), note="d: grad * -((-self * self + 1).rsqrt())")
unary("atan", "atan", x6 * 2, np.arctan, lambda x, o: 1 / (x * x + 1), note="d: grad / (self * self + 1)")
unary("sinh", "sinh", x6, np.sinh, lambda x, o: np.cosh(x), note="d: grad * self.cosh()")
unary("cosh", "cosh", x6, np.cosh, lambda x, o: np.sinh(x), note="d: grad * self.sinh()")
unary("asinh", "asinh", x6 * 3, np.arcsinh, lambda x, o: 1 / np.sqrt(x * x + 1), note="d: grad * (self.pow(2) + 1).rsqrt()")
unary("acosh", "acosh", RNG.uniform(1.05, 5, (2, 3)), np.arccosh, lambda x, o: 1 / np.sqrt(x * x - 1),
      note="d: grad * (self.pow(2) - 1).rsqrt()")
unary("atanh", "atanh", unit, np.arctanh, lambda x, o: 1 / (1 - x * x), note="d: grad * 1 / (1 - self.pow(2))")
unary("arctanh_alias", "arctanh", unit, np.arctanh, lambda x, o: 1 / (1 - x * x))

# ============================================================ error functions, logarithms, exp2
unary("erf", "erf", x6 * 1.5, special.erf, lambda x, o: 2 / SQRT_PI * np.exp(-x * x),
      note="d: 2.0 / sqrt(M_PI) * exp(-(self.pow(2))) * grad")
unary("erfc", "erfc", np.array([[-2.5, -0.4, 0.3], [1.2, 3.0, 4.5]]), special.erfc,
      lambda x, o: -2 / SQRT_PI * np.exp(-x * x), note="tail values down to erfc(4.5) = 2e-10 keep their relative precision")
unary("erfinv", "erfinv", np.array([[-0.9, -0.5, -0.05], [0.1, 0.6, 0.85]]), special.erfinv,
      lambda x, o: 0.5 * SQRT_PI * np.exp(o * o), note="d: 0.5 * sqrt(M_PI) * exp(self.erfinv().pow(2)) * grad")
unary("log2", "log2", np.array([[0.25, 1.0, 3.0], [8.0, 0.7, 1024.0]]), np.log2, lambda x, o: 1 / (x * 0.6931471805599453),
      note="exact at powers of two; d: grad / (self * 0.6931471805599453)")
unary("log10", "log10", np.array([[0.01, 1.0, 3.0], [1000.0, 0.7, 42.0]]), np.log10,
      lambda x, o: 1 / (x * 2.3025850929940456), note="d: grad / (self * 2.3025850929940456)")
unary("exp2", "exp2", np.array([[-3.0, -0.5, 0.0], [1.5, 3.0, 10.0]]), np.exp2, lambda x, o: o * math.log(2),
      note="d: grad * result * M_LN2")

# ============================================================ rounding (zeros_like(grad)) and frac (grad)
halves = np.array([[-2.5, -1.5, -0.5, 0.5], [1.5, 2.5, -2.7, 3.2]])
unary("round_half_to_even", "round", halves, np.round, zero_grad, fd=False,
      note="torch.round rounds half to even: -2.5 -> -2, -0.5 -> -0, 1.5 -> 2, 2.5 -> 2; gradient zeros")
unary("round_decimals_0", "round", halves, np.round, zero_grad, args={"decimals": 0}, fd=False)
dec = np.array([[1.2345, -0.125, 2.4999], [-7.777, 0.005, 123.456]])
unary("round_decimals_2", "round", dec, lambda x: np.rint(x * 100) / 100, zero_grad, args={"decimals": 2}, fd=False,
      note="torch.round(x, decimals=2) = nearbyint(x * 100) / 100")
unary("round_decimals_neg1", "round", dec * 10, lambda x: np.rint(x / 10) * 10, zero_grad, args={"decimals": -1}, fd=False,
      note="negative decimals: nearbyint(x / 10) * 10")
unary("floor", "floor", halves, np.floor, zero_grad, fd=False)
unary("ceil", "ceil", halves, np.ceil, zero_grad, fd=False)
unary("trunc", "trunc", halves, np.trunc, zero_grad, fd=False)
unary("fix_alias", "fix", halves, np.trunc, zero_grad, fd=False)
unary("frac", "frac", halves, lambda x: x - np.trunc(x), lambda x, o: np.ones_like(x),
      note="frac = x - trunc(x) keeps the sign of x; d: grad")

# ============================================================ softmin = softmax(-x)
def softmin(x, dim):
    e = np.exp(-(x - np.min(x, axis=dim, keepdims=True)))
    return e / np.sum(e, axis=dim, keepdims=True)


def softmin_grad(dim):
    def g(i, o, u):
        return {"input": -(o * (u - np.sum(u * o, axis=dim, keepdims=True)))}
    return g


x34 = RNG.randn(3, 4)
case("softmin_dim1", "softmin", {"dim": 1}, {"input": x34}, lambda i: softmin(i["input"], 1), softmin_grad(1),
     note="F.softmin(x, 1) = softmax(-x, 1); d: -(y * (g - sum(g * y)))")
case("softmin_dim0_stacklevel", "softmin", {"dim": 0, "_stacklevel": 3}, {"input": x34}, lambda i: softmin(i["input"], 0),
     softmin_grad(0))
case("softmin_implicit_dim", "softmin", {"dim": None}, {"input": x34}, lambda i: softmin(i["input"], 1), softmin_grad(1),
     note="dim None on a 2-D input is dim 1 (torch.nn.functional._get_softmax_dim)")
case("softmin_dtype", "softmin", {"dim": -1, "dtype": "torch.float64"}, {"input": x34}, lambda i: softmin(i["input"], 1),
     softmin_grad(1))

# ============================================================ binary: atan2, fmod, remainder, hypot, copysign
def atan2_grad(xk, yk):
    def g(i, o, u):
        x, y = i[xk], i[yk]
        recip = 1 / (x * x + y * y)
        return {xk: u * y * recip, yk: u * -x * recip}
    return g


case("atan2_bcast", "atan2", {}, {"x": RNG.randn(2, 3), "y": RNG.randn(3)}, lambda i: np.arctan2(i["x"], i["y"]),
     atan2_grad("x", "y"), note="atan2_backward: recip = (self^2 + other^2)^-1; grad * other * recip, grad * -self * recip")
case("atan2_torch_names_quadrants", "atan2", {}, {"input": np.array([[1.0, 1.0], [-1.0, -1.0]]),
                                                  "other": np.array([[1.0], [-2.0]])},
     lambda i: np.arctan2(i["input"], i["other"]), atan2_grad("input", "other"), note="all four quadrants")
case("arctan2_alias", "arctan2", {}, {"input": RNG.randn(3), "other": RNG.randn(3)},
     lambda i: np.arctan2(i["input"], i["other"]), atan2_grad("input", "other"))
case("atan2_int64", "atan2", {}, {"input": np.array([1, -2, 0, 3]), "other": np.array([1, 0, -1, 4])},
     lambda i: np.arctan2(i["input"].astype(float), i["other"].astype(float)), dtypes={"input": "int64", "other": "int64"},
     note="integer operands compute in float32 (binary float op)")

# quotients kept away from integers so that trunc/floor of x / y are locally constant
fx = np.array([[-7.5, 7.5, -3.3], [3.3, 5.2, -5.2]])
fy = np.array([2.0, -2.0, 1.4])


def mod_grad(rounding):
    def g(i, o, u):
        x, y = i["x"], i["y"]
        return {"x": u, "y": -u * rounding(x / y)}
    return g


case("fmod_signs_bcast", "fmod", {}, {"x": fx, "y": fy}, lambda i: np.fmod(i["x"], i["y"]), mod_grad(np.trunc),
     note="C fmod: sign of the dividend; d other: -grad * self.div(other, rounding_mode='trunc')")
case("remainder_signs_bcast", "remainder", {}, {"x": fx, "y": fy}, lambda i: np.remainder(i["x"], i["y"]),
     mod_grad(np.floor), note="Python %: sign of the divisor; d other: -grad * self.div(other, rounding_mode='floor')")
case("fmod_number", "fmod", {"other": -1.6}, {"input": fx}, lambda i: np.fmod(i["input"], -1.6),
     lambda i, o, u: {"input": u})
case("remainder_number", "remainder", {"other": 1.7}, {"input": fx}, lambda i: np.remainder(i["input"], 1.7),
     lambda i, o, u: {"input": u})
ix = np.array([-7, 7, -7, 7, 0, 9])
iy = np.array([3, 3, -3, -3, 5, -4])
case("fmod_int64", "fmod", {}, {"input": ix, "other": iy}, lambda i: np.fmod(i["input"], i["other"]),
     dtypes={"input": "int64", "other": "int64"}, note="integers stay int64: C's truncated %")
case("remainder_int64", "remainder", {}, {"input": ix, "other": iy}, lambda i: np.remainder(i["input"], i["other"]),
     dtypes={"input": "int64", "other": "int64"}, note="integers stay int64: Python's floored %")
case("remainder_int64_number", "remainder", {"other": 4}, {"input": ix}, lambda i: np.remainder(i["input"], 4),
     dtypes={"input": "int64"})

case("hypot_bcast", "hypot", {}, {"input": RNG.randn(2, 3), "other": RNG.randn(2, 1)},
     lambda i: np.hypot(i["input"], i["other"]),
     lambda i, o, u: {"input": u * i["input"] / o, "other": u * i["other"] / o},
     note="d: grad * self / result, grad * other / result")


def copysign_grad(xk, yk=None):
    def g(i, o, u):
        x = i[xk]
        ratio = np.where(x == 0, 0.0, o / np.where(x == 0, 1.0, x))
        r = {xk: u * ratio}
        if yk is not None:
            r[yk] = np.zeros_like(np.asarray(i[yk], dtype=np.float64))
        return r
    return g


case("copysign_bcast", "copysign", {}, {"input": np.array([[3.0, -2.0, 0.5], [-1.5, 4.0, -0.25]]),
                                        "other": np.array([-1.0, 2.0, -0.5])},
     lambda i: np.copysign(i["input"], i["other"]), copysign_grad("input", "other"),
     note="d self: grad * result / self (0 where self == 0); d other: zeros")
case("copysign_zero_signs", "copysign", {}, {"input": np.array([3.0, -2.0, 0.0, 1.5]),
                                             "other": np.array([-0.0, 0.0, -1.0, -0.0])},
     lambda i: np.copysign(i["input"], i["other"]), copysign_grad("input", "other"), fd=False,
     note="the sign bit of -0.0 counts as negative; self == 0 gets gradient 0 (masked_fill), other zeros")
case("copysign_number", "copysign", {"other": -2.0}, {"input": np.array([1.0, -2.0, 3.5])},
     lambda i: np.copysign(i["input"], -2.0), copysign_grad("input"))

# ============================================================ lerp, addcmul, addcdiv
def lerp_ref(s, e, w):
    """ATen Lerp.h: |w| < 0.5 ? s + w (e - s) : e - (e - s)(1 - w)."""
    return np.where(np.abs(w) < 0.5, s + w * (e - s), e - (e - s) * (1 - w))


ls, le = RNG.randn(2, 3), RNG.randn(3)
for w in (0.3, 0.75):
    case("lerp_scalar_weight_%g" % w, "lerp", {"weight": w}, {"input": ls, "end": le},
         lambda i, w=w: lerp_ref(i["input"], i["end"], w),
         lambda i, o, u, w=w: {"input": u * (1 - w), "end": u * w},
         note="d: grad * (1 - weight), grad * weight")
case("lerp_tensor_weight", "lerp", {}, {"input": ls, "end": le, "weight": np.array([[0.2], [1.3]])},
     lambda i: lerp_ref(i["input"], i["end"], i["weight"]),
     lambda i, o, u: {"input": u * (1 - i["weight"]), "end": u * i["weight"], "weight": u * (i["end"] - i["input"])},
     note="d weight: grad * (end - self)")

a_s, a_1, a_2 = RNG.randn(2, 3), RNG.randn(3), RNG.randn(2, 1)
case("addcmul_value", "addcmul", {"value": 0.7}, {"input": a_s, "tensor1": a_1, "tensor2": a_2},
     lambda i: i["input"] + 0.7 * i["tensor1"] * i["tensor2"],
     lambda i, o, u: {"input": u, "tensor1": u * (i["tensor2"] * 0.7), "tensor2": u * (i["tensor1"] * 0.7)},
     note="self + value * tensor1 * tensor2")
case("addcmul_default_value", "addcmul", {}, {"input": a_s, "tensor1": a_1, "tensor2": a_2},
     lambda i: i["input"] + i["tensor1"] * i["tensor2"],
     lambda i, o, u: {"input": u, "tensor1": u * i["tensor2"], "tensor2": u * i["tensor1"]})
d2 = RNG.uniform(0.5, 2.0, (2, 1)) * np.array([[1.0], [-1.0]])
case("addcdiv_value", "addcdiv", {"value": -1.3}, {"input": a_s, "tensor1": a_1, "tensor2": d2},
     lambda i: i["input"] + -1.3 * i["tensor1"] / i["tensor2"],
     lambda i, o, u: {"input": u, "tensor1": u * (-1.3 / i["tensor2"]),
                      "tensor2": -u * (-1.3 * i["tensor1"] / (i["tensor2"] * i["tensor2"]))},
     note="self + value * tensor1 / tensor2; d tensor2: -grad * (value * tensor1 / (tensor2 * tensor2))")

write_fixture("eltwise_math.json", {"family": "eltwise_math", "torch_version": "none (formulas of the PyTorch 1.13 documentation and derivatives.yaml)",
       "dtype": "float64", "seed": 113,
       "grad_convention": "grads[k] = d/d inputs[k] of sum(output * upstream_grad), analytic (checked by central differences)"}, CASES)
