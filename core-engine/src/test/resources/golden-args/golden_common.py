"""Helpers shared by the make_*.py generators of this folder: tensor encoding in the fixture format, central-difference
gradients and writing a fixture file (format: ../golden/README.md)."""
import json
import math
import os

import numpy as np


def num(v):
    """A float for JSON; NaN and infinities as the strings the fixture format uses."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def T(a, dtype="float64", finite_only=False):
    """A fixture tensor {"shape", "dtype", "data"} (data flat, row-major; bool as 0/1)."""
    a = np.asarray(a)
    if dtype == "float64":
        data = [num(v) for v in a.reshape(-1)]
        if finite_only:
            assert all(isinstance(v, float) for v in data), "JSON fixtures hold finite numbers only"
    elif dtype == "int64":
        data = [int(v) for v in a.reshape(-1)]
    else:
        data = [1 if v else 0 for v in a.reshape(-1)]
    return {"shape": list(a.shape), "dtype": dtype, "data": data}


def fd_grads(f, inputs, diff, up, h=1e-5):
    """d/d inputs[k] of sum(f(inputs) * up) by central differences (f returns one array or a list)."""
    def scalar(ins):
        out = f(ins)
        if isinstance(out, list):
            return sum(float(np.sum(np.asarray(o, dtype=float) * u)) for o, u in zip(out, up))
        return float(np.sum(np.asarray(out, dtype=float) * up))
    grads = {}
    for k in diff:
        x = np.array(inputs[k], dtype=np.float64)
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            xp = x.copy(); xp[i] += h
            xm = x.copy(); xm[i] -= h
            ip = dict(inputs); ip[k] = xp
            im = dict(inputs); im[k] = xm
            g[i] = (scalar(ip) - scalar(im)) / (2 * h)
        grads[k] = g
    return grads


def write_fixture(file_name, header, cases):
    """Writes {header..., "cases": cases} next to this script after checking that case names are unique."""
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    out = dict(header)
    out["cases"] = cases
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), file_name), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(len(cases), "cases")
