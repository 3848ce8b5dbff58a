#!/usr/bin/env python3
"""Writes scan_sort_rearrange.json: hand-built golden cases (README format of shared/golden) for the scan, sorting,
rearranging, var_mean/std_mean and einsum ops registered by their PyTorch names.

No PyTorch and no engine are involved: every expected value is computed here in float64 from PyTorch 1.13's documented
definitions, with numpy (np.cumsum, np.einsum, np.tril, ...) or plain Python loops (cummax/cummin with PyTorch's
"last index on ties, NaN sticks" rule, stable sorts with NaN largest, the lower median), and every gradient by
central finite differences of the same function (h = 1e-5; inputs with distinct values, so no order changes under
the step). Non-finite numbers are written as the strings "nan" / "inf" / "-inf".
Run: python3 make_scan_sort_cases.py  (writes scan_sort_rearrange.json next to this script).
"""
import json
import math
import os

import numpy as np

RNG = np.random.RandomState(2024)
CASES = []


from golden_common import T, fd_grads, num, write_fixture  # noqa: E402,F401


def tout(o):
    o = np.asarray(o)
    if o.dtype == np.bool_:
        return T(o, "bool")
    if np.issubdtype(o.dtype, np.integer):
        return T(o, "int64")
    return T(o)


def case(name, op, args, inputs, f, diff=(), dtypes=None, extra=None, note=None):
    """inputs: name -> array; dtypes: name -> 'int64'|'bool' for non-float inputs; f(inputs) -> output (or list)."""
    dtypes = dtypes or {}
    out = f(inputs)
    c = {"name": name, "op": op, "args": args, "inputs": {k: T(v, dtypes.get(k, "float64")) for k, v in inputs.items()}}
    outs = out if isinstance(out, list) else [out]
    c["output"] = [tout(o) for o in outs] if isinstance(out, list) else tout(out)
    if diff:
        up = [RNG.randn(*np.shape(o)) for o in outs]
        if not isinstance(out, list):
            up = up[0] if np.ndim(out) > 0 else np.array(1.0)
        c["upstream_grad"] = [T(u) for u in up] if isinstance(out, list) else T(up)
        c["grads"] = {k: T(v) for k, v in fd_grads(f, inputs, diff, up).items()}
    if extra:
        c["extra"] = {k: tout(v) for k, v in extra.items()}
    if note:
        c["note"] = note
    CASES.append(c)


def distinct(shape):
    n = int(np.prod(shape))
    return (RNG.permutation(n) * 0.37 - 0.1 * n + RNG.rand(n) * 0.01).reshape(shape)


def along(x, dim, fn):
    """Applies fn(1-D row) -> 1-D row (or a tuple of rows) to every line of x along dim; stacks the results back."""
    x = np.asarray(x)
    moved = np.moveaxis(x, dim, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    res = [fn(r) for r in flat]
    if isinstance(res[0], tuple):
        return tuple(np.moveaxis(np.array([r[j] for r in res]).reshape(moved.shape[:-1] + (len(res[0][j]),)), -1, dim)
                     for j in range(len(res[0])))
    return np.moveaxis(np.array(res).reshape(moved.shape[:-1] + (len(res[0]),)), -1, dim)


def less(a, b):
    """PyTorch's sort order: NaN is larger than every number."""
    if math.isnan(a) or math.isnan(b):
        return not math.isnan(a) and math.isnan(b)
    return a < b


def stable_order(row, descending):
    """Insertion sort of positions (stable): ties keep input order."""
    idx = []
    for i in range(len(row)):
        j = len(idx)
        while j > 0 and (less(row[idx[j - 1]], row[i]) if descending else less(row[i], row[idx[j - 1]])):
            j -= 1
        idx.insert(j, i)
    return idx


def cum_extremum(row, is_max):
    vals, idx = [], []
    best, at = row[0], 0
    for i, v in enumerate(row):
        if math.isnan(v) or (not math.isnan(best) and (v >= best if is_max else v <= best)):
            best, at = v, i
        vals.append(best)
        idx.append(at)
    return np.array(vals), np.array(idx, dtype=np.int64)


def logcumsumexp_row(row):
    out, acc = [], -math.inf
    for v in row:
        m = max(acc, v)
        acc = m + math.log(math.exp(acc - m) + math.exp(v - m)) if m != -math.inf else -math.inf
        out.append(acc)
    return np.array(out)


def sort_rows(x, dim, descending):
    return along(x, dim, lambda r: (np.array([r[i] for i in stable_order(r, descending)]),
                                    np.array(stable_order(r, descending), dtype=np.int64)))


def lower_median_row(r):
    if any(math.isnan(v) for v in r):
        first = next(i for i, v in enumerate(r) if math.isnan(v))
        return np.array([math.nan]), np.array([first], dtype=np.int64)
    o = stable_order(r, False)
    k = o[(len(r) - 1) // 2]
    return np.array([r[k]]), np.array([k], dtype=np.int64)


# ============================================================ scans
x234 = distinct((2, 3, 4))
case("cumsum_dim1", "cumsum", {"dim": 1}, {"input": x234}, lambda i: np.cumsum(i["input"], axis=1), ["input"])
case("cumsum_neg_dim_dtype_float64", "cumsum", {"dim": -1, "dtype": "torch.float64"}, {"input": x234},
     lambda i: np.cumsum(i["input"], axis=-1), ["input"])
xi = np.array([[3, -1, 4], [1, -5, 9]], dtype=np.int64)
case("cumsum_int64", "cumsum", {"dim": 0}, {"input": xi}, lambda i: np.cumsum(i["input"], axis=0), dtypes={"input": "int64"},
     note="integer input: int64 result")
xz = np.array([[0.7, 0.0, -1.3, 0.9], [1.1, 0.6, -0.6, 0.0], [0.0, 1.4, 0.0, 0.8]])
case("cumprod_zeros", "cumprod", {"dim": 1}, {"input": xz}, lambda i: np.cumprod(i["input"], axis=1), ["input"],
     note="rows with one zero mid-row, a trailing zero, two zeros; cumprod_backward handles them")
case("cumprod_dim0", "cumprod", {"dim": 0}, {"input": RNG.rand(3, 2) + 0.5}, lambda i: np.cumprod(i["input"], axis=0), ["input"])
case("cumprod_int64", "cumprod", {"dim": 1}, {"input": xi}, lambda i: np.cumprod(i["input"], axis=1), dtypes={"input": "int64"})
case("logcumsumexp_dim1", "logcumsumexp", {"dim": 1}, {"input": RNG.randn(3, 5)},
     lambda i: along(i["input"], 1, logcumsumexp_row), ["input"])
case("logcumsumexp_large", "logcumsumexp", {"dim": 0}, {"input": np.array([[500.0, -3.0], [501.0, -2.5], [499.0, -4.0]])},
     lambda i: along(i["input"], 0, logcumsumexp_row), ["input"], note="no overflow at 500")
xd = distinct((3, 5))
case("cummax_dim1", "cummax", {"dim": 1}, {"input": xd}, lambda i: along(i["input"], 1, lambda r: cum_extremum(r, True)[0]),
     ["input"], extra={"indices": along(xd, 1, lambda r: cum_extremum(r, True)[1])})
case("cummin_dim0", "cummin", {"dim": 0}, {"input": xd}, lambda i: along(i["input"], 0, lambda r: cum_extremum(r, False)[0]),
     ["input"], extra={"indices": along(xd, 0, lambda r: cum_extremum(r, False)[1])})
xt = np.array([[1.0, 3.0, 3.0, 2.0, 3.0, math.nan, 5.0, math.nan]])
case("cummax_ties_nan", "cummax", {"dim": 1}, {"input": xt}, lambda i: along(i["input"], 1, lambda r: cum_extremum(r, True)[0]),
     extra={"indices": along(xt, 1, lambda r: cum_extremum(r, True)[1])},
     note="ties report the last index; a NaN sticks and each later NaN takes over its index")

# ============================================================ sorting and selection
xs = distinct((4, 3))
case("sort_desc_dim0", "sort", {"dim": 0, "descending": True}, {"input": xs}, lambda i: sort_rows(i["input"], 0, True)[0],
     ["input"], extra={"indices": sort_rows(xs, 0, True)[1]})
xtie = np.array([[2.0, 1.0, 2.0, math.nan, 1.0, -0.5], [0.0, 0.0, 3.0, 0.0, math.nan, math.nan]])
case("sort_stable_ties_nan", "sort", {"dim": -1, "descending": False, "stable": True}, {"input": xtie},
     lambda i: sort_rows(i["input"], 1, False)[0], extra={"indices": sort_rows(xtie, 1, False)[1]},
     note="stable: equal values keep input order; NaN sorts last")
case("sort_stable_desc_ties_nan", "sort", {"dim": 1, "descending": True, "stable": True}, {"input": xtie},
     lambda i: sort_rows(i["input"], 1, True)[0], extra={"indices": sort_rows(xtie, 1, True)[1]}, note="NaN first when descending")
case("argsort_stable", "argsort", {"dim": 1, "descending": False, "stable": True}, {"input": xtie},
     lambda i: sort_rows(i["input"], 1, False)[1])
case("sort_int64", "sort", {"dim": 0, "stable": True}, {"input": np.array([5, -3, 5, 0, 9, -3], dtype=np.int64)},
     lambda i: sort_rows(i["input"], 0, False)[0], dtypes={"input": "int64"},
     extra={"indices": sort_rows(np.array([5, -3, 5, 0, 9, -3]), 0, False)[1]})
case("msort", "msort", {}, {"input": xs}, lambda i: sort_rows(i["input"], 0, False)[0], ["input"])
xk = distinct((3, 5))
case("topk_largest", "topk", {"k": 2, "dim": -1}, {"input": xk}, lambda i: sort_rows(i["input"], 1, True)[0][:, :2], ["input"],
     extra={"indices": sort_rows(xk, 1, True)[1][:, :2]})
case("topk_smallest_dim0", "topk", {"k": 2, "dim": 0, "largest": False, "sorted": True}, {"input": xk},
     lambda i: sort_rows(i["input"], 0, False)[0][:2], ["input"], extra={"indices": sort_rows(xk, 0, False)[1][:2]})
case("topk_k_equals_size", "topk", {"k": 5}, {"input": xk}, lambda i: sort_rows(i["input"], 1, True)[0], ["input"],
     extra={"indices": sort_rows(xk, 1, True)[1]})
case("kthvalue_keepdim", "kthvalue", {"k": 2, "dim": 1, "keepdim": True}, {"input": xk},
     lambda i: sort_rows(i["input"], 1, False)[0][:, 1:2], ["input"], extra={"indices": sort_rows(xk, 1, False)[1][:, 1:2]})
case("kthvalue_default_dim", "kthvalue", {"k": 3}, {"input": xk}, lambda i: sort_rows(i["input"], 1, False)[0][:, 2], ["input"],
     extra={"indices": sort_rows(xk, 1, False)[1][:, 2]})
xm = distinct((3, 3))
case("median_all", "median", {}, {"input": xm}, lambda i: np.sort(i["input"].reshape(-1))[4], ["input"],
     note="global lower median of 9 values")
xme = distinct((3, 4))
case("median_dim_even", "median", {"dim": 1, "keepdim": False}, {"input": xme},
     lambda i: along(i["input"], 1, lambda r: lower_median_row(r)[0])[:, 0], ["input"],
     extra={"indices": along(xme, 1, lambda r: lower_median_row(r)[1])[:, 0]}, note="even length: the lower of the two middles")
xmn = np.array([[3.0, 1.0, math.nan, 2.0, math.nan], [0.0, 4.0, 1.0, 2.0, 3.0]])
case("median_dim_nan", "median", {"dim": 1, "keepdim": True}, {"input": xmn},
     lambda i: along(i["input"], 1, lambda r: lower_median_row(r)[0]), extra={"indices": along(xmn, 1, lambda r: lower_median_row(r)[1])},
     note="a row with NaN gives NaN and the index of its first NaN")

# ============================================================ rearranging
x234r = RNG.randn(2, 3, 4)
case("flip_dims", "flip", {"dims": [0, 2]}, {"input": x234r}, lambda i: np.flip(i["input"], (0, 2)), ["input"])
x34 = RNG.randn(3, 4)
case("roll_two_dims", "roll", {"shifts": [1, -2], "dims": [0, 1]}, {"input": x34}, lambda i: np.roll(i["input"], (1, -2), (0, 1)),
     ["input"])
case("roll_flattened_large_shift", "roll", {"shifts": 7}, {"input": x34},
     lambda i: np.roll(i["input"].reshape(-1), 7).reshape(3, 4), ["input"], note="no dims: rolled as if flattened")
case("roll_negative_dim", "roll", {"shifts": -9, "dims": -1}, {"input": x34}, lambda i: np.roll(i["input"], -9, -1), ["input"])
case("rot90_k1", "rot90", {"k": 1, "dims": [0, 1]}, {"input": x34}, lambda i: np.rot90(i["input"], 1, (0, 1)), ["input"])
case("rot90_k_neg1_dims12", "rot90", {"k": -1, "dims": [1, 2]}, {"input": x234r}, lambda i: np.rot90(i["input"], -1, (1, 2)), ["input"])
case("tril_neg_diag", "tril", {"diagonal": -1}, {"input": x234r}, lambda i: np.tril(i["input"], -1), ["input"])
case("triu_pos_diag", "triu", {"diagonal": 1}, {"input": x34}, lambda i: np.triu(i["input"], 1), ["input"])
case("tril_int64", "tril", {}, {"input": np.arange(9, dtype=np.int64).reshape(3, 3)}, lambda i: np.tril(i["input"]),
     dtypes={"input": "int64"})
case("diag_1d_offset", "diag", {"diagonal": 1}, {"input": RNG.randn(3)}, lambda i: np.diag(i["input"], 1), ["input"])
case("diag_2d_neg_offset", "diag", {"diagonal": -1}, {"input": x34}, lambda i: np.diag(i["input"], -1).copy(), ["input"])
case("diagonal_dims_swapped", "diagonal", {"offset": 1, "dim1": 2, "dim2": 0}, {"input": RNG.randn(3, 2, 4)},
     lambda i: np.diagonal(i["input"], 1, 2, 0).copy(), ["input"])
case("diagonal_offset_out_of_range", "diagonal", {"offset": 5}, {"input": x34}, lambda i: np.diagonal(i["input"], 5).copy(),
     note="an offset beyond the matrix gives an empty diagonal")
case("trace", "trace", {}, {"input": x34}, lambda i: np.trace(i["input"]), ["input"])
case("repeat_interleave_int_dim", "repeat_interleave", {"repeats": 2, "dim": 1}, {"input": RNG.randn(2, 3)},
     lambda i: np.repeat(i["input"], 2, axis=1), ["input"])
case("repeat_interleave_tensor", "repeat_interleave", {"dim": 0, "output_size": 3},
     {"input": RNG.randn(3, 2), "repeats": np.array([2, 0, 1], dtype=np.int64)},
     lambda i: np.repeat(i["input"], i["repeats"], axis=0), ["input"], dtypes={"repeats": "int64"})
case("repeat_interleave_flat", "repeat_interleave", {"repeats": 3}, {"input": RNG.randn(2, 2)},
     lambda i: np.repeat(i["input"].reshape(-1), 3), ["input"], note="no dim: over the flattened input")
case("tile_short_dims", "tile", {"dims": [2]}, {"input": RNG.randn(2, 3)}, lambda i: np.tile(i["input"], 2), ["input"],
     note="dims shorter than the rank: ones prepended")
case("tile_long_dims", "tile", {"dims": [2, 1, 2]}, {"input": RNG.randn(2, 3)}, lambda i: np.tile(i["input"], (2, 1, 2)), ["input"])
case("movedim_lists", "movedim", {"source": [0, 1], "destination": [2, 0]}, {"input": x234r},
     lambda i: np.moveaxis(i["input"], [0, 1], [2, 0]), ["input"])
case("moveaxis_int", "moveaxis", {"source": -1, "destination": 0}, {"input": x234r}, lambda i: np.moveaxis(i["input"], -1, 0), ["input"])
tidx = np.array([[2, 0, 0, 1]], dtype=np.int64)
case("take_along_dim_broadcast", "take_along_dim", {"dim": 0}, {"input": x34, "indices": tidx},
     lambda i: np.take_along_axis(i["input"], np.broadcast_to(i["indices"], (1, 4)), 0), ["input"], dtypes={"indices": "int64"},
     note="indices (1, 4) gathered along dim 0")
case("take_along_dim_flat", "take_along_dim", {"dim": None}, {"input": x34, "indices": np.array([11, 0, 5], dtype=np.int64)},
     lambda i: i["input"].reshape(-1)[i["indices"]], ["input"], dtypes={"indices": "int64"})

# ============================================================ var_mean / std_mean
case("var_mean_dim_keepdim_biased", "var_mean", {"dim": 1, "unbiased": False, "keepdim": True}, {"input": x34},
     lambda i: [np.var(i["input"], axis=1, keepdims=True), np.mean(i["input"], axis=1, keepdims=True)], ["input"])
case("std_mean_correction", "std_mean", {"dim": [0, 2], "correction": 2}, {"input": x234r},
     lambda i: [np.std(i["input"], axis=(0, 2), ddof=2), np.mean(i["input"], axis=(0, 2))], ["input"])
case("std_mean_all_unbiased", "std_mean", {}, {"input": x34}, lambda i: [np.std(i["input"], ddof=1), np.mean(i["input"])], ["input"])

# ============================================================ einsum
def ein(eq, *shapes, note=None):
    ins = {"x%d" % k: RNG.randn(*s) for k, s in enumerate(shapes)}
    name = "einsum_" + eq.replace("->", "_to_").replace(",", "_").replace("...", "E")
    case(name, "einsum", {"equation": eq}, ins, lambda i: np.einsum(eq, *[i["x%d" % k] for k in range(len(shapes))]),
         list(ins.keys()), note=note)


ein("ij,jk->ik", (2, 3), (3, 4))
ein("ii->i", (3, 3), note="diagonal")
ein("ii", (3, 3), note="implicit: trace")
ein("bij,bjk->bik", (2, 2, 3), (2, 3, 2))
ein("...ij,...jk", (2, 1, 2, 3), (3, 3, 2), note="ellipsis broadcast, implicit output ...ik")
ein("i,i->", (4,), (4,))
ein("i,j->ij", (3,), (2,))
ein("ij,jk,kl->il", (2, 3), (3, 2), (2, 2), note="three operands")
ein("ij,jk", (2, 3), (3, 2), note="implicit output ik")

write_fixture("scan_sort_rearrange.json", {"family": "scan_sort_rearrange", "torch_version": "none (definitions of the PyTorch 1.13 documentation)", "dtype": "float64",
       "seed": 2024, "grad_convention": "grads[k] = d/d inputs[k] of sum(output * upstream_grad), central differences"}, CASES)
