#!/usr/bin/env python3
"""Writes args_and_ops.json: hand-built golden cases (README format of shared/golden) for the keyword arguments and op
names the golden handlers honour beyond the shared PyTorch fixtures.

No PyTorch is involved: every expected value is computed here in float64 numpy straight from the formula PyTorch 1.13
documents for the op (written out below per case), and every gradient by central finite differences of that same
formula (h = 1e-5; the inputs stay away from kinks and ties). So the values are independent of the engine.
Run: python3 make_args_cases.py  (writes args_and_ops.json next to this script).
"""
import json
import math
import os

import numpy as np

RNG = np.random.RandomState(1234)
CASES = []


from golden_common import T, fd_grads, write_fixture  # noqa: E402


def case(name, op, args, inputs, f, diff=(), dtypes=None, extra=None, note=None):
    """inputs: name -> np array; dtypes: name -> 'int64'|'bool' for non-float inputs; f(inputs) -> output(s)."""
    dtypes = dtypes or {}
    out = f(inputs)
    c = {"name": name, "op": op, "args": args,
         "inputs": {k: T(v, dtypes.get(k, "float64")) for k, v in inputs.items()}}
    outs = out if isinstance(out, list) else [out]
    def tout(o):
        o = np.asarray(o)
        if o.dtype == np.bool_:
            return T(o, "bool")
        if np.issubdtype(o.dtype, np.integer):
            return T(o, "int64")
        return T(o)
    c["output"] = [tout(o) for o in outs] if isinstance(out, list) else tout(out)
    if diff:
        up = [RNG.randn(*np.shape(o)) for o in outs]
        if not isinstance(out, list):
            up = up[0]
            if np.ndim(out) == 0:
                up = np.array(1.0)
        c["upstream_grad"] = [T(u) for u in up] if isinstance(out, list) else T(up)
        c["grads"] = {k: T(v) for k, v in fd_grads(f, inputs, diff, up).items()}
    if extra:
        c["extra"] = {k: (T(v, "int64") if np.issubdtype(np.asarray(v).dtype, np.integer) else T(v)) for k, v in extra.items()}
    if note:
        c["note"] = note
    CASES.append(c)


def away(shape, lo=0.15, kinks=(0.0,)):
    """Random normal values at least lo away from each kink."""
    x = RNG.randn(*shape)
    for k in kinks:
        d = x - k
        x = np.where(np.abs(d) < lo, k + np.sign(d + 1e-12) * (lo + np.abs(d)), x)
    return x


def distinct(shape):
    n = int(np.prod(shape))
    return (RNG.permutation(n) * 0.37 - 0.1 * n + RNG.rand(n) * 0.01).reshape(shape)


# ============================================================ elementwise
x23 = RNG.randn(2, 3)
case("add_scalar_alpha", "add_scalar", {"scalar": 1.5, "alpha": -2.0}, {"x": x23}, lambda i: i["x"] + (-2.0) * 1.5, ["x"],
     note="torch.add(x, 1.5, alpha=-2)")
case("sub_scalar_alpha", "sub_scalar", {"scalar": 0.5, "alpha": 3.0}, {"x": x23}, lambda i: i["x"] - 3.0 * 0.5, ["x"])
case("rsub_scalar_alpha", "rsub_scalar", {"scalar": 2.0, "alpha": 0.25}, {"x": x23}, lambda i: 2.0 - 0.25 * i["x"], ["x"],
     note="torch.rsub(x, 2.0, alpha=0.25) = 2 - 0.25 x")
case("add_torch_input_names", "add", {"alpha": 0.5}, {"input": x23, "other": RNG.randn(3)},
     lambda i: i["input"] + 0.5 * i["other"], ["input", "other"])
case("div_rounding_mode_none", "div", {"rounding_mode": None}, {"x": x23, "y": RNG.rand(2, 3) + 0.5},
     lambda i: i["x"] / i["y"], ["x", "y"])
case("sign", "sign", {}, {"x": away((2, 3))}, lambda i: np.sign(i["x"]), ["x"])
xc = away((2, 3), 0.1, (-0.3, 0.4))
case("clamp_tensor_bounds", "clamp", {}, {"x": xc, "min": np.array([-0.3, -1.2, -0.6]) + 0.01, "max": np.array([[0.4], [1.5]])},
     lambda i: np.minimum(np.maximum(i["x"], i["min"]), i["max"]), ["x", "min", "max"],
     note="torch.clamp(x, min=Tensor, max=Tensor) = min(max(x, min), max)")
case("clamp_min_scalar", "clamp_min", {"min": 0.4}, {"x": xc}, lambda i: np.maximum(i["x"], 0.4), ["x"])
case("clamp_max_tensor", "clamp_max", {}, {"x": xc, "max": np.array([0.4, -0.3, 0.41])},
     lambda i: np.minimum(i["x"], i["max"]), ["x", "max"])
xe = np.array([[0.5, -1.0, 2.0], [0.5, 3.0, -0.5]])
ye = np.array([[0.5, 1.0, 1.0], [-2.0, 3.0, 0.5]])
case("gt_tensor", "gt", {}, {"x": xe, "y": ye}, lambda i: i["x"] > i["y"])
case("le_scalar", "le", {"other": 0.5}, {"x": xe}, lambda i: i["x"] <= 0.5)
case("eq_torch_names", "eq", {}, {"input": xe, "other": ye}, lambda i: i["input"] == i["other"])
case("ne_scalar", "ne", {"other": 0.5}, {"x": xe}, lambda i: i["x"] != 0.5)
case("lt_tensor_bcast", "lt", {}, {"x": xe, "y": np.array([0.0, 1.0, 2.5])}, lambda i: i["x"] < i["y"])
case("ge_scalar", "ge", {"other": -0.5}, {"x": xe}, lambda i: i["x"] >= -0.5)
bx = np.array([[1, 0, 1], [0, 0, 1]], dtype=bool)
by = np.array([[1, 1, 0], [0, 1, 1]], dtype=bool)
case("logical_not", "logical_not", {}, {"x": bx}, lambda i: np.logical_not(i["x"]), dtypes={"x": "bool"})
case("logical_and", "logical_and", {}, {"x": bx, "y": by}, lambda i: np.logical_and(i["x"], i["y"]), dtypes={"x": "bool", "y": "bool"})
case("logical_or", "logical_or", {}, {"x": bx, "y": by}, lambda i: np.logical_or(i["x"], i["y"]), dtypes={"x": "bool", "y": "bool"})
case("where_torch_names", "where", {}, {"condition": bx, "input": x23, "other": RNG.randn(2, 3)},
     lambda i: np.where(i["condition"], i["input"], i["other"]), ["input", "other"], dtypes={"condition": "bool"})

# ============================================================ reductions
x234 = RNG.randn(2, 3, 4)
case("sum_all_keepdim", "sum", {"dim": None, "keepdim": True}, {"x": x234}, lambda i: np.sum(i["x"], keepdims=True), ["x"],
     note="dim None with keepdim: every dim kept as 1")
case("mean_all_keepdim", "mean", {"dim": None, "keepdim": True}, {"x": x234}, lambda i: np.mean(i["x"], keepdims=True), ["x"])
case("sum_dtype_float64", "sum", {"dim": 1, "keepdim": False, "dtype": "torch.float64"}, {"x": x234},
     lambda i: np.sum(i["x"], axis=1), ["x"])
case("mean_dtype_float64", "mean", {"dim": [0, 2], "dtype": "float64"}, {"x": x234}, lambda i: np.mean(i["x"], axis=(0, 2)), ["x"])
case("prod_dtype_dim0", "prod", {"dim": 0, "dtype": "torch.float64"}, {"x": x234}, lambda i: np.prod(i["x"], axis=0), ["x"])


def var(x, axis, corr, keep):
    m = np.mean(x, axis=axis, keepdims=True)
    n = x.size if axis is None else int(np.prod([x.shape[a] for a in np.atleast_1d(axis)]))
    return np.sum((x - m) ** 2, axis=axis, keepdims=keep) / (n - corr)


case("var_correction0_dims_keepdim", "var", {"dim": [0, 2], "correction": 0, "keepdim": True}, {"x": x234},
     lambda i: var(i["x"], (0, 2), 0, True), ["x"])
case("var_all_correction2", "var", {"dim": None, "correction": 2}, {"x": x234}, lambda i: var(i["x"], None, 2, False), ["x"])
case("std_correction2_dim1", "std", {"dim": 1, "correction": 2, "keepdim": False}, {"x": x234},
     lambda i: np.sqrt(var(i["x"], 1, 2, False)), ["x"])
case("std_unbiased_false_all_keepdim", "std", {"dim": None, "unbiased": False, "keepdim": True}, {"x": x234},
     lambda i: np.sqrt(var(i["x"], None, 0, True)), ["x"])
xd = distinct((2, 3, 4))
case("argmax_all_keepdim", "argmax", {"dim": None, "keepdim": True}, {"x": xd},
     lambda i: np.array(np.argmax(i["x"])).reshape(1, 1, 1), note="flat index, shape all ones")
case("amax_default_dim", "amax", {}, {"x": xd}, lambda i: np.array(np.max(i["x"])), ["x"], note="amax(dim=()) = all dims")
case("max_binary_other", "max", {}, {"x": xd, "other": distinct((3, 4)) + 0.013}, lambda i: np.maximum(i["x"], i["other"]),
     ["x", "other"])
case("norm_p1_dim1_keepdim", "norm", {"p": 1, "dim": 1, "keepdim": True}, {"x": away((2, 3, 4))},
     lambda i: np.sum(np.abs(i["x"]), axis=1, keepdims=True), ["x"])
case("norm_fro_all", "norm", {"p": "fro"}, {"x": x234}, lambda i: np.array(np.sqrt(np.sum(i["x"] ** 2))), ["x"])
case("norm_inf_dim0", "norm", {"p": "inf", "dim": [0]}, {"x": xd}, lambda i: np.max(np.abs(i["x"]), axis=0), ["x"])
case("norm_p3_last", "norm", {"p": 3.0, "dim": -1, "keepdim": False}, {"x": x234},
     lambda i: np.sum(np.abs(i["x"]) ** 3, axis=-1) ** (1 / 3), ["x"])

# ============================================================ linalg
case("mm", "mm", {}, {"input": RNG.randn(2, 3), "mat2": RNG.randn(3, 4)}, lambda i: i["input"] @ i["mat2"], ["input", "mat2"])
case("dot", "dot", {}, {"input": RNG.randn(5), "tensor": RNG.randn(5)}, lambda i: np.array(np.dot(i["input"], i["tensor"])),
     ["input", "tensor"])
case("outer", "outer", {}, {"input": RNG.randn(3), "vec2": RNG.randn(4)}, lambda i: np.outer(i["input"], i["vec2"]), ["input", "vec2"])

# ============================================================ shape
case("t_2d", "t", {}, {"input": x23}, lambda i: i["input"].T, ["input"])
case("view_shape", "view", {"shape": [4, -1]}, {"x": x234}, lambda i: i["x"].reshape(4, -1), ["x"])
case("narrow", "narrow", {"dim": 2, "start": 1, "length": 2}, {"x": x234}, lambda i: i["x"][:, :, 1:3], ["x"])
case("select_negative", "select", {"dim": 1, "index": -1}, {"x": x234}, lambda i: i["x"][:, -1, :], ["x"])
idx = np.array([[2, 0], [1, 2]])


def scatter(x, dim, index, src, add):
    out = x.copy()
    for i, j in np.ndindex(index.shape):
        k = index[i, j]
        pos = (i, k) if dim == 1 else (k, j)
        out[pos] = out[pos] + src[i, j] if add else src[i, j]
    return out


case("scatter_src_dim1", "scatter", {"dim": 1}, {"x": RNG.randn(2, 3), "index": idx, "src": RNG.randn(2, 2)},
     lambda i: scatter(i["x"], 1, i["index"], i["src"], False), ["x", "src"], dtypes={"index": "int64"})
case("scatter_value_reduce_none", "scatter", {"dim": 1, "value": 1.25, "reduce": None}, {"x": RNG.randn(2, 3), "index": idx},
     lambda i: scatter(i["x"], 1, i["index"], np.full((2, 2), 1.25), False), ["x"], dtypes={"index": "int64"})
idx0 = np.array([[0, 1, 0], [0, 0, 1]])
case("scatter_add_dim0", "scatter_add", {"dim": 0}, {"x": RNG.randn(2, 3), "index": idx0, "src": RNG.randn(2, 3)},
     lambda i: scatter(i["x"], 0, i["index"], i["src"], True), ["x", "src"], dtypes={"index": "int64"})
mask = np.array([[True], [False]])
case("masked_fill_bcast", "masked_fill", {"value": -3.5}, {"x": x23, "mask": mask},
     lambda i: np.where(i["mask"], -3.5, i["x"]), ["x"], dtypes={"mask": "bool"})
case("pad_constant_value", "pad", {"pad": [1, 2, 0, 1], "mode": "constant", "value": 0.5}, {"input": x23},
     lambda i: np.pad(i["input"], ((0, 1), (1, 2)), constant_values=0.5), ["input"], note="F.pad: pairs from the last dim")
case("unbind_dim1", "unbind", {"dim": 1}, {"x": x234}, lambda i: [i["x"][:, k, :] for k in range(3)], ["x"])
case("unflatten", "unflatten", {"dim": 2, "sizes": [2, 2]}, {"x": x234}, lambda i: i["x"].reshape(2, 3, 2, 2), ["x"])
case("squeeze_dim_list", "squeeze", {"dim": [0, 2]}, {"x": RNG.randn(1, 3, 1, 2)}, lambda i: i["x"].reshape(3, 2), ["x"],
     note="torch 2.x squeeze with a tuple of dims")
case("slice_with_none", "slice", {"index": [None, [0, 2, None], "...", 1]}, {"x": x234}, lambda i: i["x"][None, 0:2, ..., 1], ["x"])
case("gather_sparse_grad_false", "gather", {"dim": 1, "sparse_grad": False},
     {"x": RNG.randn(2, 3), "index": np.array([[2, 0, 0], [1, 1, 2]])},
     lambda i: np.take_along_axis(i["x"], i["index"], axis=1), ["x"], dtypes={"index": "int64"})
case("expand_size_name", "expand", {"size": [2, -1, 3]}, {"x": RNG.randn(1, 4, 1)}, lambda i: np.broadcast_to(i["x"], (2, 4, 3)), ["x"])

# ============================================================ activations


def softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


case("softmax_implicit_dim_3d", "softmax", {"dim": None}, {"x": x234}, lambda i: softmax(i["x"], 0), ["x"],
     note="dim None: legacy implicit dim 0 for 0-, 1- and 3-D input")
case("log_softmax_implicit_dim_2d", "log_softmax", {"dim": None, "_stacklevel": 3}, {"x": x23},
     lambda i: np.log(softmax(i["x"], 1)), ["x"], note="dim None: implicit dim 1 for 2-D input")
case("softmax_dtype_float64", "softmax", {"dim": -1, "dtype": "torch.float64"}, {"x": x234}, lambda i: softmax(i["x"], -1), ["x"])
xa = away((2, 3, 2), 0.15, (0.0, -3.0, 3.0, 0.3, -0.3, 0.4, -0.4, 0.1))
xa[0, 0, 0], xa[1, 2, 1] = 3.7, -3.4
case("relu_inplace_false", "relu", {"inplace": False}, {"x": xa}, lambda i: np.maximum(i["x"], 0), ["x"])
case("elu_inplace_true", "elu", {"alpha": 0.5, "inplace": True}, {"x": xa},
     lambda i: np.where(i["x"] > 0, i["x"], 0.5 * np.expm1(i["x"])), ["x"], note="inplace only changes where the result goes")
SA, SS = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
case("selu", "selu", {"inplace": False}, {"input": xa}, lambda i: SS * np.where(i["input"] > 0, i["input"], SA * np.expm1(i["input"])),
     ["input"])
case("celu_alpha", "celu", {"alpha": 0.7}, {"x": xa}, lambda i: np.where(i["x"] > 0, i["x"], 0.7 * np.expm1(i["x"] / 0.7)), ["x"])
case("hardswish", "hardswish", {}, {"x": xa},
     lambda i: np.where(i["x"] <= -3, 0, np.where(i["x"] >= 3, i["x"], i["x"] * (i["x"] + 3) / 6)), ["x"])
case("hardsigmoid", "hardsigmoid", {}, {"x": xa}, lambda i: np.where(i["x"] <= -3, 0, np.where(i["x"] >= 3, 1, i["x"] / 6 + 0.5)),
     ["x"])
case("prelu_per_channel", "prelu", {}, {"input": xa, "weight": np.array([0.25, -0.5, 1.5])},
     lambda i: np.where(i["input"] > 0, i["input"], i["weight"].reshape(1, 3, 1) * i["input"]), ["input", "weight"])
case("softsign", "softsign", {}, {"x": xa}, lambda i: i["x"] / (1 + np.abs(i["x"])), ["x"])
case("tanhshrink", "tanhshrink", {}, {"x": xa}, lambda i: i["x"] - np.tanh(i["x"]), ["x"])
case("softshrink_lambd", "softshrink", {"lambd": 0.3}, {"x": xa},
     lambda i: np.where(i["x"] > 0.3, i["x"] - 0.3, np.where(i["x"] < -0.3, i["x"] + 0.3, 0)), ["x"])
case("hardshrink_lambd", "hardshrink", {"lambd": 0.4}, {"x": xa}, lambda i: np.where(np.abs(i["x"]) > 0.4, i["x"], 0), ["x"])
case("threshold", "threshold", {"threshold": 0.1, "value": -2.0, "inplace": False}, {"x": xa},
     lambda i: np.where(i["x"] > 0.1, i["x"], -2.0), ["x"])
case("glu_dim1", "glu", {"dim": 1}, {"x": RNG.randn(2, 4, 3)},
     lambda i: i["x"][:, :2] * (1 / (1 + np.exp(-i["x"][:, 2:]))), ["x"])

# ============================================================ losses
inp, tgt = RNG.randn(3, 4), RNG.randn(3, 4)
case("mse_loss_size_average_false", "mse_loss", {"size_average": False, "reduce": None}, {"input": inp, "target": tgt},
     lambda i: np.array(np.sum((i["input"] - i["target"]) ** 2)), ["input"], note="legacy size_average=False: sum")
case("l1_loss_reduce_false", "l1_loss", {"reduce": False}, {"input": inp, "target": tgt + 0.2},
     lambda i: np.abs(i["input"] - i["target"]), ["input"], note="legacy reduce=False: none")
p = 1 / (1 + np.exp(-RNG.randn(3, 4)))
t01 = RNG.rand(3, 4)
case("bce_legacy_overrides_reduction", "binary_cross_entropy", {"size_average": True, "reduce": True, "reduction": "sum"},
     {"input": p, "target": t01},
     lambda i: np.array(np.mean(-(i["target"] * np.log(i["input"]) + (1 - i["target"]) * np.log(1 - i["input"])))), ["input"],
     note="size_average/reduce given: they decide ('mean'), not reduction")
logq = np.log(softmax(RNG.randn(3, 4), 1))
pt = softmax(RNG.randn(3, 4), 1)
case("kl_div_reduce_false", "kl_div", {"reduce": False, "log_target": False}, {"input": logq, "target": pt},
     lambda i: i["target"] * (np.log(i["target"]) - i["input"]), ["input"])
logits = RNG.randn(4, 3)
cls = np.array([0, 2, 1, 2])
case("cross_entropy_size_average_false", "cross_entropy", {"size_average": False, "ignore_index": 1},
     {"input": logits, "target": cls},
     lambda i: np.array(sum(-np.log(softmax(i["input"], 1))[n, i["target"][n]] for n in range(4) if i["target"][n] != 1)),
     ["input"], dtypes={"target": "int64"}, note="legacy size_average=False: sum over non-ignored targets")

# ============================================================ nn functional
W = RNG.randn(4, 3)
ids = np.array([[0, 1, 3], [1, 1, 2]])
case("embedding_torch_names_sparse", "embedding",
     {"padding_idx": 1, "max_norm": None, "norm_type": 2.0, "scale_grad_by_freq": False, "sparse": True},
     {"input": ids, "weight": W}, lambda i: i["weight"][i["input"]], dtypes={"input": "int64"})
# gradient: rows accumulate the upstream rows that read them, padding row 1 gets none (a convention, not a derivative)
c = CASES[-1]
up = RNG.randn(2, 3, 3)
gw = np.zeros((4, 3))
for n, j in np.ndindex(ids.shape):
    if ids[n, j] != 1:
        gw[ids[n, j]] += up[n, j]
c["upstream_grad"], c["grads"] = T(up), {"weight": T(gw)}
case("dropout_p1_training", "dropout", {"p": 1.0, "training": True, "inplace": False}, {"input": x23}, lambda i: 0 * i["input"],
     ["input"], note="p = 1 zeroes everything: deterministic")

# ============================================================ norm
xb = RNG.randn(3, 2, 4)
rm, rv = RNG.randn(2) * 0.1, RNG.rand(2) + 0.5
wb, bb = RNG.randn(2), RNG.randn(2)
case("batch_norm_training_default_false", "batch_norm", {"eps": 1e-5},
     {"input": xb, "running_mean": rm, "running_var": rv, "weight": wb, "bias": bb},
     lambda i: (i["input"] - i["running_mean"].reshape(1, 2, 1)) / np.sqrt(i["running_var"].reshape(1, 2, 1) + 1e-5)
     * i["weight"].reshape(1, 2, 1) + i["bias"].reshape(1, 2, 1),
     ["input", "weight", "bias"], extra={"running_mean_after": rm, "running_var_after": rv},
     note="F.batch_norm's training defaults to False: the running statistics normalise and stay unchanged")


def inorm(i, eps=1e-5):
    x = i["input"]
    m = x.mean(axis=2, keepdims=True)
    v = ((x - m) ** 2).mean(axis=2, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * i["weight"].reshape(1, 2, 1) + i["bias"].reshape(1, 2, 1)


mom = 0.2
plane_mean = xb.mean(axis=2)
plane_uvar = xb.var(axis=2, ddof=1)
case("instance_norm_running_stats", "instance_norm", {"use_input_stats": True, "momentum": mom, "eps": 1e-5},
     {"input": xb, "running_mean": rm, "running_var": rv, "weight": wb, "bias": bb}, inorm, ["input", "weight", "bias"],
     extra={"running_mean_after": (1 - mom) * rm + mom * plane_mean.mean(axis=0),
            "running_var_after": (1 - mom) * rv + mom * plane_uvar.mean(axis=0)},
     note="per (n, c) plane statistics; running stats: the batch mean of the per-plane momentum updates (unbiased var)")
case("instance_norm_use_running_stats", "instance_norm", {"use_input_stats": False, "eps": 1e-3},
     {"input": xb, "running_mean": rm, "running_var": rv},
     lambda i: (i["input"] - i["running_mean"].reshape(1, 2, 1)) / np.sqrt(i["running_var"].reshape(1, 2, 1) + 1e-3), ["input"],
     extra={"running_mean_after": rm, "running_var_after": rv})


def lnorm(i):
    x = i["input"]
    m = x.mean(axis=-1, keepdims=True)
    v = ((x - m) ** 2).mean(axis=-1, keepdims=True)
    return (x - m) / np.sqrt(v + 1e-5) * i["weight"] + i["bias"]


case("layer_norm_int_shape", "layer_norm", {"normalized_shape": 4}, {"input": xb, "weight": RNG.randn(4), "bias": RNG.randn(4)},
     lnorm, ["input", "weight", "bias"], note="normalized_shape as an int, eps default 1e-5")

# ============================================================ pooling and interpolation


def adaptive_bins(n, out):
    return [(int(math.floor(k * n / out)), int(math.ceil((k + 1) * n / out))) for k in range(out)]


def aap2(x, oh, ow):
    H, Wd = x.shape[-2:]
    r = np.zeros(x.shape[:-2] + (oh, ow))
    for a, (h0, h1) in enumerate(adaptive_bins(H, oh)):
        for b, (w0, w1) in enumerate(adaptive_bins(Wd, ow)):
            r[..., a, b] = x[..., h0:h1, w0:w1].mean(axis=(-1, -2))
    return r


case("adaptive_avg_pool2d_none_entry", "adaptive_avg_pool2d", {"output_size": [None, 2]}, {"input": RNG.randn(1, 2, 3, 5)},
     lambda i: aap2(i["input"], 3, 2), ["input"], note="None keeps that input size")
xm = distinct((1, 2, 5))
amp_idx = np.zeros((1, 2, 2), dtype=np.int64)
for ch in range(2):
    for k, (s0, s1) in enumerate(adaptive_bins(5, 2)):
        amp_idx[0, ch, k] = s0 + int(np.argmax(xm[0, ch, s0:s1]))
case("adaptive_max_pool1d_return_indices", "adaptive_max_pool1d", {"output_size": 2, "return_indices": True}, {"input": xm},
     lambda i: np.stack([np.stack([i["input"][0, ch, s0:s1].max() for (s0, s1) in adaptive_bins(5, 2)]) for ch in range(2)])[None],
     ["input"], extra={"indices": amp_idx})
xp = distinct((1, 1, 4, 4))
mp_idx = np.zeros((1, 1, 2, 2), dtype=np.int64)
for a in range(2):
    for b in range(2):
        win = xp[0, 0, 2 * a:2 * a + 2, 2 * b:2 * b + 2]
        r, cc = np.unravel_index(np.argmax(win), (2, 2))
        mp_idx[0, 0, a, b] = (2 * a + r) * 4 + 2 * b + cc
case("max_pool2d_return_indices", "max_pool2d", {"kernel_size": 2, "stride": None, "return_indices": True}, {"input": xp},
     lambda i: i["input"].reshape(1, 1, 2, 2, 2, 2).max(axis=(3, 5)), ["input"], extra={"indices": mp_idx})


def lin_src(out, n, align, scale=None):
    """PyTorch's linear source index and weights: (i0, i1, lambda1) per output index."""
    res = []
    for d in range(out):
        if align:
            real = d * (n - 1) / (out - 1) if out > 1 else 0.0
        else:
            s = scale if scale is not None else n / out
            real = max(s * (d + 0.5) - 0.5, 0.0)
        i0 = min(int(math.floor(real)), n - 1)
        i1 = min(i0 + 1, n - 1)
        lam = min(max(real - i0, 0.0), 1.0)
        res.append((i0, i1, lam))
    return res


def lin1(x, out, align, axis=-1):
    x = np.moveaxis(x, axis, -1)
    r = np.stack([x[..., i0] * (1 - l) + x[..., i1] * l for i0, i1, l in lin_src(out, x.shape[-1], align)], axis=-1)
    return np.moveaxis(r, -1, axis)


x1d = RNG.randn(1, 2, 3)
case("interpolate_nearest_scale2", "interpolate", {"scale_factor": 2.0, "mode": "nearest", "align_corners": None,
                                                   "recompute_scale_factor": None, "antialias": False},
     {"input": x1d}, lambda i: i["input"][..., [d // 2 for d in range(6)]], ["input"])
case("interpolate_linear_align_corners", "interpolate", {"size": 5, "mode": "linear", "align_corners": True}, {"input": x1d},
     lambda i: lin1(i["input"], 5, True), ["input"])
x2d = RNG.randn(1, 1, 2, 3)
case("interpolate_bilinear_no_align", "interpolate", {"size": [3, 5], "mode": "bilinear", "align_corners": False}, {"input": x2d},
     lambda i: lin1(lin1(i["input"], 5, False, -1), 3, False, -2), ["input"])
case("upsample_bilinear_aligns_corners", "upsample_bilinear", {"size": [3, 3]}, {"input": x2d},
     lambda i: lin1(lin1(i["input"], 3, True, -1), 3, True, -2), ["input"], note="F.upsample_bilinear = interpolate(bilinear, align_corners=True)")
case("upsample_nearest_scale2", "upsample_nearest", {"scale_factor": 2}, {"input": x2d},
     lambda i: i["input"][..., [d // 2 for d in range(4)], :][..., [d // 2 for d in range(6)]], ["input"])

# ============================================================ attention
q, k, v = RNG.randn(1, 2, 2), RNG.randn(1, 3, 2), RNG.randn(1, 3, 2)
fmask = np.array([[0.0, -1.0, 0.5], [-0.25, 0.0, -2.0]])
case("sdpa_scale_float_mask", "scaled_dot_product_attention", {"dropout_p": 0.0, "is_causal": False, "scale": 0.5},
     {"query": q, "key": k, "value": v, "attn_mask": fmask},
     lambda i: softmax(i["query"] @ np.swapaxes(i["key"], -1, -2) * 0.5 + i["attn_mask"], -1) @ i["value"],
     ["query", "key", "value", "attn_mask"], note="float mask added to the scaled scores")

E, H, L, S, B = 4, 2, 2, 3, 2
mha = {"query": RNG.randn(L, B, E), "key": RNG.randn(S, B, E), "value": RNG.randn(S, B, E),
       "in_proj_weight": RNG.randn(3 * E, E) * 0.5, "in_proj_bias": RNG.randn(3 * E) * 0.1,
       "out_proj_weight": RNG.randn(E, E) * 0.5, "out_proj_bias": RNG.randn(E) * 0.1,
       "attn_mask": np.array([[0.0, -0.5, 0.3], [-1.0, 0.0, 0.2]])}


def mha_forward(i, weights=False, average=True):
    """nn.MultiheadAttention (batch_first=False): inputs (L, B, E); heads split E; float attn_mask (L, S) added."""
    Wi, bi = i["in_proj_weight"], i["in_proj_bias"]
    qp = i["query"] @ Wi[:E].T + bi[:E]
    kp = i["key"] @ Wi[E:2 * E].T + bi[E:2 * E]
    vp = i["value"] @ Wi[2 * E:].T + bi[2 * E:]
    hd = E // H
    out = np.zeros((L, B, E))
    probs = np.zeros((B, H, L, S))
    for b in range(B):
        for h in range(H):
            sl = slice(h * hd, (h + 1) * hd)
            sc = qp[:, b, sl] @ kp[:, b, sl].T / math.sqrt(hd) + i["attn_mask"]
            pr = softmax(sc, -1)
            probs[b, h] = pr
            out[:, b, sl] = pr @ vp[:, b, sl]
    y = out @ i["out_proj_weight"].T + i["out_proj_bias"]
    if weights:
        return probs.mean(axis=1) if average else probs
    return y


case("mha_seq_first_attn_mask_weights_per_head", "multi_head_attention",
     {"num_heads": H, "batch_first": False, "need_weights": True, "average_attn_weights": False, "dropout": 0.0, "bias": True,
      "add_bias_kv": False, "add_zero_attn": False, "kdim": None, "vdim": None, "embed_dim": E},
     mha, mha_forward, ["query", "key", "value", "in_proj_weight", "out_proj_weight", "out_proj_bias"],
     extra={"attn_weights": mha_forward(mha, True, False)},
     note="batch_first=False: (L, B, E); float attn_mask (L, S) added to the scores; weights per head (B, H, L, S)")
mha_self = {"x": RNG.randn(B, L, E), "in_proj_weight": mha["in_proj_weight"], "in_proj_bias": mha["in_proj_bias"],
            "out_proj_weight": mha["out_proj_weight"], "out_proj_bias": mha["out_proj_bias"]}


def mha_self_forward(i):
    j = dict(i)
    xs = np.swapaxes(i["x"], 0, 1)
    j.update({"query": xs, "key": xs, "value": xs, "attn_mask": np.zeros((L, L))})
    global S
    s0, S = S, L
    try:
        return np.swapaxes(mha_forward(j), 0, 1)
    finally:
        S = s0


case("mha_need_weights_false", "multi_head_attention", {"num_heads": H, "need_weights": False, "causal": False},
     mha_self, mha_self_forward, ["x", "in_proj_weight", "in_proj_bias"], note="no weights requested: no extra.attn_weights")

# ============================================================ optimizers
P0 = RNG.randn(2, 3)
GR = [RNG.randn(2, 3) for _ in range(5)]


def opt_case(name, op, args, step):
    p = P0.copy()
    state = {}
    outs = []
    for t, g in enumerate(GR, 1):
        p = step(p, g.copy(), state, t)
        outs.append(p.copy())
    c = {"name": name, "op": op, "args": args, "inputs": {"param": T(P0)}, "output": [T(o) for o in outs]}
    for t, g in enumerate(GR, 1):
        c["inputs"]["grad_%d" % t] = T(g)
    CASES.append(c)


def sgd(lr, mom, damp, wd, nesterov, maximize):
    def step(p, g, st, t):
        g = -g if maximize else g
        if wd:
            g = g + wd * p
        if mom:
            st["buf"] = g.copy() if "buf" not in st else mom * st["buf"] + (1 - damp) * g
            g = g + mom * st["buf"] if nesterov else st["buf"]
        return p - lr * g
    return step


opt_case("sgd_maximize_impl_flags", "optim.SGD",
         {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01, "nesterov": False, "maximize": True,
          "foreach": None, "differentiable": False}, sgd(0.1, 0.9, 0.1, 0.01, False, True))


def adam(lr, b1, b2, eps, wd, amsgrad, maximize, decoupled=False):
    def step(p, g, st, t):
        g = -g if maximize else g
        if decoupled:
            p = p * (1 - lr * wd)
        elif wd:
            g = g + wd * p
        st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
        st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        vv = st["v"]
        if amsgrad:
            st["vmax"] = np.maximum(st.get("vmax", vv), vv)
            vv = st["vmax"]
        denom = np.sqrt(vv) / math.sqrt(bc2) + eps
        return p - (lr / bc1) * st["m"] / denom
    return step


opt_case("adam_maximize_amsgrad_impl_flags", "optim.Adam",
         {"lr": 0.05, "betas": [0.8, 0.95], "eps": 1e-6, "weight_decay": 0.02, "amsgrad": True, "maximize": True,
          "foreach": False, "capturable": False, "differentiable": False, "fused": False},
         adam(0.05, 0.8, 0.95, 1e-6, 0.02, True, True))
opt_case("adamw_maximize", "optim.AdamW", {"lr": 0.05, "weight_decay": 0.1, "maximize": True, "foreach": None, "capturable": False},
         adam(0.05, 0.9, 0.999, 1e-8, 0.1, False, True, decoupled=True))


def rmsprop(lr, alpha, eps, wd, mom, centered, maximize):
    def step(p, g, st, t):
        g = -g if maximize else g
        if wd:
            g = g + wd * p
        st["sq"] = alpha * st.get("sq", 0) + (1 - alpha) * g * g
        if centered:
            st["ga"] = alpha * st.get("ga", 0) + (1 - alpha) * g
            avg = np.sqrt(st["sq"] - st["ga"] ** 2) + eps
        else:
            avg = np.sqrt(st["sq"]) + eps
        if mom > 0:
            st["buf"] = mom * st.get("buf", 0) + g / avg
            return p - lr * st["buf"]
        return p - lr * g / avg
    return step


opt_case("rmsprop_maximize_centered", "optim.RMSprop",
         {"lr": 0.01, "alpha": 0.9, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.5, "centered": True, "maximize": True,
          "foreach": None, "differentiable": False}, rmsprop(0.01, 0.9, 1e-8, 0.0, 0.5, True, True))


def adagrad(lr, lr_decay, wd, init, eps, maximize):
    def step(p, g, st, t):
        g = -g if maximize else g
        if wd:
            g = g + wd * p
        clr = lr / (1 + (t - 1) * lr_decay)
        st["sum"] = st.get("sum", init) + g * g
        return p - clr * g / (np.sqrt(st["sum"]) + eps)
    return step


opt_case("adagrad_maximize", "optim.Adagrad",
         {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.01, "initial_accumulator_value": 0.1, "eps": 1e-10, "maximize": True,
          "foreach": None, "differentiable": False}, adagrad(0.1, 0.05, 0.01, 0.1, 1e-10, True))

# ============================================================ lr schedulers (lr used by optimizer step i = closed form at epoch i)


def sched(name, op, args, lrs, moms=None):
    c = {"name": name, "op": op, "args": args, "inputs": {}, "output": T(np.array(lrs)), "tol": {"rtol": 1e-6}}
    if moms is not None:
        c["extra"] = {"momentum": T(np.array(moms))}
    CASES.append(c)


N = 20
sched("steplr_verbose_last_epoch", "lr_scheduler.StepLR",
      {"base_lr": 0.1, "step_size": 4, "gamma": 0.5, "last_epoch": -1, "verbose": False}, [0.1 * 0.5 ** (e // 4) for e in range(N)])
ms = [3, 7, 7, 12]
sched("multisteplr_repeated_milestone", "lr_scheduler.MultiStepLR", {"base_lr": 0.2, "milestones": ms, "gamma": 0.5},
      [0.2 * 0.5 ** sum(1 for m in ms if m <= e) for e in range(N)])
sched("constantlr", "lr_scheduler.ConstantLR", {"base_lr": 0.1, "factor": 0.25, "total_iters": 4},
      [0.1 * (0.25 if e < 4 else 1.0) for e in range(N)])
sched("linearlr", "lr_scheduler.LinearLR", {"base_lr": 0.1, "start_factor": 0.2, "end_factor": 0.9, "total_iters": 6},
      [0.1 * (0.2 + (0.9 - 0.2) * min(e, 6) / 6) for e in range(N)])
sched("polynomiallr", "lr_scheduler.PolynomialLR", {"base_lr": 0.1, "total_iters": 8, "power": 2.0},
      [0.1 * (1 - min(e, 8) / 8) ** 2 for e in range(N)])
lrs, tcur, ti = [], 0, 3
for e in range(N):
    lrs.append(0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * tcur / ti)) / 2)
    tcur += 1
    if tcur >= ti:
        tcur, ti = tcur - ti, ti * 2
sched("cosine_warm_restarts", "lr_scheduler.CosineAnnealingWarmRestarts", {"base_lr": 0.1, "T_0": 3, "T_mult": 2, "eta_min": 0.01}, lrs)


def cyclic(base, mx, up, down, scale_fn, by_cycle, bm=0.8, mm=0.9):
    total = up + down
    ratio = up / total
    lrs, moms = [], []
    for it in range(N):
        cycle = math.floor(1 + it / total)
        x = 1.0 + it / total - cycle
        sf = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        s = scale_fn(cycle) if by_cycle else scale_fn(it)
        lrs.append(base + (mx - base) * sf * s)
        moms.append(mm - (mm - bm) * sf * s)
    return lrs, moms


lr_c, mom_c = cyclic(0.01, 0.1, 3, 2, lambda c: 1 / (2.0 ** (c - 1)), True)
sched("cycliclr_triangular2_momentum", "lr_scheduler.CyclicLR",
      {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 2, "mode": "triangular2", "scale_fn": None,
       "scale_mode": "cycle", "cycle_momentum": True}, lr_c, mom_c)
lr_e, mom_e = cyclic(0.02, 0.2, 4, 4, lambda it: 0.9 ** it, False, 0.7, 0.95)
sched("cycliclr_exp_range", "lr_scheduler.CyclicLR",
      {"base_lr": 0.02, "max_lr": 0.2, "step_size_up": 4, "mode": "exp_range", "gamma": 0.9, "base_momentum": 0.7,
       "max_momentum": 0.95}, lr_e, mom_e)

# ============================================================ engine paths under argument combinations the shared fixtures lack


def logsm(x, axis):
    return np.log(softmax(x, axis))


lg = RNG.randn(5, 4)
tg = np.array([0, 3, 1, 3, 2])
wc = np.array([0.5, 1.5, 1.0, 2.0])


def ce_weighted_smooth(i, ls=0.2, ign=1):
    lp = logsm(i["input"], 1)
    keep = [n for n in range(5) if tg[n] != ign]
    nll = sum(-wc[tg[n]] * lp[n, tg[n]] for n in keep) / sum(wc[tg[n]] for n in keep)
    smooth = sum(-np.sum(wc * lp[n]) for n in keep) / sum(wc[tg[n]] for n in keep)
    return np.array((1 - ls) * nll + ls / 4 * smooth)


case("cross_entropy_weight_smoothing_ignore_mean", "cross_entropy", {"ignore_index": 1, "label_smoothing": 0.2, "reduction": "mean"},
     {"input": lg, "target": tg, "weight": wc}, ce_weighted_smooth, ["input"], dtypes={"target": "int64"},
     note="torch 1.13 cross_entropy_loss_label_smoothing: both parts divided by sum of w[t] over non-ignored targets")
lg3 = RNG.randn(2, 3, 4)
tg3 = np.array([[0, 2, 1, 1], [2, 2, 0, 1]])
case("cross_entropy_nd_smoothing_none", "cross_entropy", {"label_smoothing": 0.3, "reduction": "none"},
     {"input": lg3, "target": tg3},
     lambda i: np.array([[(1 - 0.3) * -logsm(i["input"], 1)[n, tg3[n, l], l] + 0.3 / 3 * -np.sum(logsm(i["input"], 1)[n, :, l])
                          for l in range(4)] for n in range(2)]), ["input"], dtypes={"target": "int64"})
pt5 = softmax(RNG.randn(5, 4), 1)
case("cross_entropy_probs_weight_smoothing_mean", "cross_entropy", {"label_smoothing": 0.1},
     {"input": lg, "target": pt5, "weight": wc},
     lambda i: np.array(-np.sum(logsm(i["input"], 1) * (i["target"] * 0.9 + 0.1 / 4) * wc) / 5), ["input", "target"],
     note="probability targets: -(logp * ((1-ls) q + ls/C) * w).sum() / (numel / C)")
case("nll_loss_weight_ignore_mean", "nll_loss", {"ignore_index": 3}, {"input": logsm(lg, 1), "target": tg, "weight": wc},
     lambda i: np.array(sum(-wc[tg[n]] * i["input"][n, tg[n]] for n in range(5) if tg[n] != 3)
                        / sum(wc[tg[n]] for n in range(5) if tg[n] != 3)), ["input"], dtypes={"target": "int64"})
xl, tl = RNG.randn(3, 4) * 2, RNG.rand(3, 4)
pw, we = np.array([0.5, 2.0, 1.0, 3.0]), RNG.rand(3, 1) + 0.5


def bcel(i):
    ls = -np.log1p(np.exp(-i["input"]))
    l1s = -np.log1p(np.exp(i["input"]))
    return np.array(np.sum(-i["weight"] * (i["pos_weight"] * i["target"] * ls + (1 - i["target"]) * l1s)))


case("bce_with_logits_pos_weight_weight_sum", "binary_cross_entropy_with_logits", {"reduction": "sum"},
     {"input": xl, "target": tl, "weight": we, "pos_weight": pw}, bcel, ["input", "target"])
lt = np.log(softmax(RNG.randn(3, 4), 1))
case("kl_div_log_target_batchmean", "kl_div", {"reduction": "batchmean", "log_target": True},
     {"input": logq, "target": lt}, lambda i: np.array(np.sum(np.exp(i["target"]) * (i["target"] - i["input"])) / 3),
     ["input", "target"])


def pool_out(L, k, s, p, d, ceil):
    num = L + 2 * p - d * (k - 1) - 1
    o = (-(-num // s) if ceil else num // s) + 1
    if ceil and (o - 1) * s >= L + p:
        o -= 1
    return o


def max_pool1d(x, k, s, p, d, ceil):
    L = x.shape[-1]
    o = pool_out(L, k, s, p, d, ceil)
    vals = np.zeros(x.shape[:-1] + (o,))
    ind = np.zeros(x.shape[:-1] + (o,), dtype=np.int64)
    for idx in np.ndindex(x.shape[:-1]):
        for i in range(o):
            taps = [i * s - p + j * d for j in range(k)]
            taps = [t for t in taps if 0 <= t < L]
            best = max(taps, key=lambda t: x[idx + (t,)])
            vals[idx + (i,)] = x[idx + (best,)]
            ind[idx + (i,)] = best
    return vals, ind


xq = distinct((2, 2, 9))
case("max_pool1d_ceil_dilation_padding", "max_pool1d",
     {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True, "return_indices": True},
     {"input": xq}, lambda i: max_pool1d(i["input"], 3, 2, 1, 2, True)[0], ["input"],
     extra={"indices": max_pool1d(xq, 3, 2, 1, 2, True)[1]})


def avg_pool1d(x, k, s, p, ceil, cip, div=None):
    L = x.shape[-1]
    o = pool_out(L, k, s, p, 1, ceil)
    r = np.zeros(x.shape[:-1] + (o,))
    for i in range(o):
        st = i * s - p
        en = min(st + k, L + p)
        size = en - st
        st2, en2 = max(st, 0), min(en, L)
        dv = div if div else (size if cip else en2 - st2)
        r[..., i] = x[..., st2:en2].sum(axis=-1) / dv
    return r


xv = RNG.randn(2, 2, 6)
case("avg_pool1d_ceil_include_pad_partial_window", "avg_pool1d",
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": True},
     {"input": xv}, lambda i: avg_pool1d(i["input"], 3, 2, 1, True, True), ["input"],
     note="the last window passes the right padding: its divisor is clipped to L + pad (2), as at::avg_pool")
case("avg_pool1d_ceil_exclude_pad", "avg_pool1d",
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
     {"input": xv}, lambda i: avg_pool1d(i["input"], 3, 2, 1, True, False), ["input"])


def avg_pool2d(x, k, s, p, ceil, cip, div):
    H, Wd = x.shape[-2:]
    oh, ow = pool_out(H, k, s, p, 1, ceil), pool_out(Wd, k, s, p, 1, ceil)
    r = np.zeros(x.shape[:-2] + (oh, ow))
    for a in range(oh):
        for b in range(ow):
            hs, ws = a * s - p, b * s - p
            he, we_ = min(hs + k, H + p), min(ws + k, Wd + p)
            size = (he - hs) * (we_ - ws)
            hs2, ws2, he2, we2 = max(hs, 0), max(ws, 0), min(he, H), min(we_, Wd)
            dv = div if div else (size if cip else (he2 - hs2) * (we2 - ws2))
            r[..., a, b] = x[..., hs2:he2, ws2:we2].sum(axis=(-1, -2)) / dv
    return r


case("avg_pool2d_ceil_divisor_override", "avg_pool2d",
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False, "divisor_override": 4},
     {"input": RNG.randn(1, 2, 5, 6)}, lambda i: avg_pool2d(i["input"], 3, 2, 1, True, False, 4), ["input"])


def conv_transpose1d(x, w, b, s, p, op, g, d):
    N, C, L = x.shape
    Cg, Og, K = C // g, w.shape[1], w.shape[2]
    Lo = (L - 1) * s - 2 * p + d * (K - 1) + op + 1
    y = np.zeros((N, Og * g, Lo))
    for n in range(N):
        for gi in range(g):
            for c in range(Cg):
                for o in range(Og):
                    for i in range(L):
                        for kk in range(K):
                            t = i * s - p + kk * d
                            if 0 <= t < Lo:
                                y[n, gi * Og + o, t] += x[n, gi * Cg + c, i] * w[gi * Cg + c, o, kk]
    return y + b.reshape(1, -1, 1)


case("conv_transpose1d_groups_dilation_output_padding", "conv_transpose1d",
     {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2, "dilation": 2},
     {"input": RNG.randn(2, 4, 5), "weight": RNG.randn(4, 3, 3), "bias": RNG.randn(6)},
     lambda i: conv_transpose1d(i["input"], i["weight"], i["bias"], 2, 1, 1, 2, 2), ["input", "weight", "bias"])


def gnorm(i, G, eps):
    x = i["input"]
    N, C = x.shape[:2]
    xg = x.reshape(N, G, -1)
    m = xg.mean(axis=2, keepdims=True)
    v = ((xg - m) ** 2).mean(axis=2, keepdims=True)
    return ((xg - m) / np.sqrt(v + eps)).reshape(x.shape)


case("group_norm_no_affine", "group_norm", {"num_groups": 2, "eps": 1e-3}, {"input": RNG.randn(2, 4, 3)},
     lambda i: gnorm(i, 2, 1e-3), ["input"])


def ln2(i):
    x = i["input"]
    m = x.mean(axis=(-1, -2), keepdims=True)
    v = ((x - m) ** 2).mean(axis=(-1, -2), keepdims=True)
    return (x - m) / np.sqrt(v + 1e-5)


case("layer_norm_2d_shape_no_affine", "layer_norm", {"normalized_shape": [3, 4]}, {"input": RNG.randn(2, 3, 4)}, ln2, ["input"])
case("embedding_negative_padding_idx", "embedding", {"padding_idx": -1}, {"indices": np.array([3, 0, 3, 2]), "weight": RNG.randn(4, 2)},
     lambda i: i["weight"][i["indices"]], dtypes={"indices": "int64"})
c = CASES[-1]
up = RNG.randn(4, 2)
gw = np.zeros((4, 2))
for n, r_ in enumerate([3, 0, 3, 2]):
    if r_ != 3:
        gw[r_] += up[n]
c["upstream_grad"], c["grads"] = T(up), {"weight": T(gw)}
xb4 = RNG.randn(2, 3, 2, 2)
rm3, rv3 = RNG.randn(3) * 0.1, RNG.rand(3) + 0.5


def bn_train(i):
    x = i["input"]
    m = x.mean(axis=(0, 2, 3), keepdims=True)
    v = ((x - m) ** 2).mean(axis=(0, 2, 3), keepdims=True)
    return (x - m) / np.sqrt(v + 1e-4) * i["weight"].reshape(1, 3, 1, 1) + i["bias"].reshape(1, 3, 1, 1)


nb = xb4.size // 3
case("batch_norm_train_4d_momentum", "batch_norm", {"training": True, "momentum": 0.3, "eps": 1e-4},
     {"input": xb4, "running_mean": rm3, "running_var": rv3, "weight": RNG.randn(3), "bias": RNG.randn(3)},
     bn_train, ["input", "weight", "bias"],
     extra={"running_mean_after": 0.7 * rm3 + 0.3 * xb4.mean(axis=(0, 2, 3)),
            "running_var_after": 0.7 * rv3 + 0.3 * xb4.var(axis=(0, 2, 3)) * nb / (nb - 1)})
case("batch_norm_train_no_running_stats", "batch_norm", {"training": True, "eps": 1e-4},
     {"input": xb4, "weight": RNG.randn(3), "bias": RNG.randn(3)}, bn_train, ["input", "weight", "bias"],
     note="running_mean/running_var None: batch statistics only")


def nearest_exact(x, out):
    n = x.shape[-1]
    return x[..., [min(int(math.floor((d + 0.5) * n / out)), n - 1) for d in range(out)]]


case("interpolate_nearest_exact", "interpolate", {"size": 5, "mode": "nearest-exact"}, {"input": x1d},
     lambda i: nearest_exact(i["input"], 5), ["input"])
case("interpolate_area", "interpolate", {"size": [2, 2], "mode": "area"}, {"input": RNG.randn(1, 2, 3, 5)},
     lambda i: aap2(i["input"], 2, 2), ["input"])


def lin1s(x, out, scale, axis):
    x = np.moveaxis(x, axis, -1)
    r = np.stack([x[..., i0] * (1 - l) + x[..., i1] * l for i0, i1, l in lin_src(out, x.shape[-1], False, scale)], axis=-1)
    return np.moveaxis(r, -1, axis)


case("interpolate_bilinear_scale_factor", "interpolate", {"scale_factor": 1.5, "mode": "bilinear", "align_corners": False},
     {"input": x2d}, lambda i: lin1s(lin1s(i["input"], 4, 1 / 1.5, -1), 3, 1 / 1.5, -2), ["input"],
     note="output floor(in * 1.5); source index math with 1 / scale_factor")
case("interpolate_bilinear_recompute_scale", "interpolate",
     {"scale_factor": [1.5, 1.5], "mode": "bilinear", "align_corners": False, "recompute_scale_factor": True},
     {"input": x2d}, lambda i: lin1s(lin1s(i["input"], 4, 3 / 4, -1), 3, 2 / 3, -2), ["input"],
     note="recompute_scale_factor: index math with in / out")


def adaptive_nd(x, outs, fn):
    nd = len(outs)
    sp = x.shape[-nd:]
    res = np.zeros(x.shape[:-nd] + tuple(outs))
    for o in np.ndindex(*outs):
        sl = tuple(slice(*adaptive_bins(sp[k], outs[k])[o[k]]) for k in range(nd))
        blk = x[(Ellipsis,) + sl]
        res[(Ellipsis,) + o] = fn(blk.reshape(blk.shape[:-nd] + (-1,)), axis=-1)
    return res


x3 = distinct((1, 2, 3, 4, 5))
case("adaptive_avg_pool3d", "adaptive_avg_pool3d", {"output_size": [2, 3, 2]}, {"input": x3},
     lambda i: adaptive_nd(i["input"], (2, 3, 2), np.mean), ["input"])
case("adaptive_max_pool3d_values", "adaptive_max_pool3d", {"output_size": 2, "return_indices": False}, {"input": x3},
     lambda i: adaptive_nd(i["input"], (2, 2, 2), np.max), ["input"])
qb, kb, vb = RNG.randn(2, 2, 2, 3), RNG.randn(2, 2, 3, 3), RNG.randn(2, 2, 3, 2)
case("sdpa_causal_rectangular", "scaled_dot_product_attention", {"is_causal": True},
     {"query": qb, "key": kb, "value": vb},
     lambda i: softmax(np.where(np.tril(np.ones((2, 3))) > 0, i["query"] @ np.swapaxes(i["key"], -1, -2) / math.sqrt(3), -np.inf), -1)
     @ i["value"], ["query", "key", "value"], note="torch 2.x: causal mask tril(ones(L, S)), top-left aligned")
bm = np.array([[True, False, True], [True, True, False]])
case("sdpa_bool_mask_broadcast", "scaled_dot_product_attention", {},
     {"query": qb, "key": kb, "value": vb, "attn_mask": bm},
     lambda i: softmax(np.where(i["attn_mask"], i["query"] @ np.swapaxes(i["key"], -1, -2) / math.sqrt(3), -np.inf), -1) @ i["value"],
     ["query", "key", "value"], dtypes={"attn_mask": "bool"}, note="bool mask, True = may attend")
Ls = 3
mself = {"x": RNG.randn(2, Ls, 4), "in_proj_weight": mha["in_proj_weight"], "in_proj_bias": mha["in_proj_bias"],
         "out_proj_weight": mha["out_proj_weight"], "out_proj_bias": mha["out_proj_bias"],
         "attn_mask": np.array([[False, True, False], [False, False, True], [True, False, False]]),
         "key_padding_mask": np.array([[False, False, True], [False, False, False]])}


def mha_bool(i, weights=False):
    Wi, bi = i["in_proj_weight"], i["in_proj_bias"]
    x = i["x"]
    qp, kp, vp = x @ Wi[:4].T + bi[:4], x @ Wi[4:8].T + bi[4:8], x @ Wi[8:].T + bi[8:]
    out = np.zeros((2, Ls, 4))
    probs = np.zeros((2, 2, Ls, Ls))
    for b in range(2):
        blocked = i["attn_mask"] | i["key_padding_mask"][b][None, :]
        for h in range(2):
            sl = slice(2 * h, 2 * h + 2)
            sc = np.where(blocked, -np.inf, qp[b, :, sl] @ kp[b, :, sl].T / math.sqrt(2))
            pr = softmax(sc, -1)
            probs[b, h] = pr
            out[b, :, sl] = pr @ vp[b, :, sl]
    return probs.mean(axis=1) if weights else out @ i["out_proj_weight"].T + i["out_proj_bias"]


case("mha_bool_attn_mask_and_key_padding", "multi_head_attention", {"num_heads": 2, "causal": False},
     mself, mha_bool, ["x", "in_proj_weight", "in_proj_bias", "out_proj_weight", "out_proj_bias"],
     dtypes={"attn_mask": "bool", "key_padding_mask": "bool"}, extra={"attn_weights": mha_bool(mself, True)},
     note="bool attn_mask (True = not allowed) and key_padding_mask (True = padding) combined")
opt_case("sgd_nesterov_weight_decay", "optim.SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1, "nesterov": True},
         sgd(0.05, 0.8, 0.0, 0.1, True, False))
opt_case("rmsprop_weight_decay_plain", "optim.RMSprop", {"lr": 0.02, "weight_decay": 0.05},
         rmsprop(0.02, 0.99, 1e-8, 0.05, 0.0, False, False))
opt_case("adam_defaults_only", "optim.Adam", {}, adam(1e-3, 0.9, 0.999, 1e-8, 0.0, False, False))


def one_cycle(max_lr, total, pct, anneal, div, fdiv):
    init, mn = max_lr / div, max_lr / div / fdiv
    phases = [(float(pct * total) - 1, init, max_lr), (total - 1, max_lr, mn)]
    f = (lambda a, b, t: (b - a) * t + a) if anneal == "linear" else (lambda a, b, t: b + (a - b) / 2.0 * (math.cos(math.pi * t) + 1))
    lrs = []
    for step in range(N):
        start = 0
        for k, (end, a, b) in enumerate(phases):
            if step <= end or k == len(phases) - 1:
                lrs.append(f(a, b, (step - start) / (end - start)))
                break
            start = end
    return lrs


sched("onecycle_epochs_linear_no_momentum", "lr_scheduler.OneCycleLR",
      {"base_lr": 0.01, "max_lr": 0.5, "epochs": 4, "steps_per_epoch": 5, "anneal_strategy": "linear", "cycle_momentum": False,
       "pct_start": 0.25, "verbose": False}, one_cycle(0.5, 20, 0.25, "linear", 25.0, 1e4))

write_fixture("args_and_ops.json", {"family": "args_and_ops", "torch_version": "none (formulas of the PyTorch 1.13 documentation)", "dtype": "float64",
       "seed": 1234, "grad_convention": "grads[k] = d/d inputs[k] of sum(output * upstream_grad), central differences"}, CASES)
