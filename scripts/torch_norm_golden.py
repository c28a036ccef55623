#!/usr/bin/python3
"""Golden vectors for kappa's normalization kernels from PyTorch (SPEC §5 item 3).

Run from the repository root with Debian's interpreter (python3-torch 1.13):

    /usr/bin/python3 scripts/torch_norm_golden.py

It writes testdata/torch/norm_{layernorm,rmsnorm,batchnorm}.json, read by
norm_golden_test.go. The output is deterministic: every case draws its data
from its own torch.Generator seeded with 2000 + the case's index, all inputs
are float32 CPU tensors, and torch runs on one thread
(torch.set_num_threads(1)).

Every case is evaluated twice by the same torch functions on the same float32
inputs: once in float32 (what a PyTorch user gets: the "f32" outputs) and once
with the inputs converted exactly to float64 (the "f64" outputs: the same
definition with rounding errors ~2^-53, the reference that the Go test measures
kappa's accuracy against; float32 torch is itself measured against it, so the
test can say how far each library is from the definition).

  * LayerNorm: torch.native_layer_norm (forward: y, mean, rstd), backward
    through autograd of torch.nn.functional.layer_norm with the given dy
    (dx, and dγ, dβ when affine).
  * RMSNorm: torch 1.13 has no rms_norm (torch.nn.functional.rms_norm came in
    2.4), so it is written out in torch ops, y = x·rsqrt(mean(x²) + eps)·γ,
    with rrms = rsqrt(mean(x²) + eps) per row; backward through autograd.
  * BatchNorm, training: torch.native_batch_norm (y, save_mean, save_invstd,
    and the in-place update of running_mean/running_var with the given
    momentum, from non-trivial running statistics), backward through autograd
    of torch.nn.functional.batch_norm (dx, and dγ, dβ when affine), for NC
    (N×C) and NCHW (N,C,H,W) inputs. BatchNorm, evaluation: y from the given
    running statistics.

eps and momentum are float32 in kappa's API, so the script rounds them to
float32 first and gives torch exactly those values (the JSON holds them as
float64 numbers that are float32 values).

File layout (one JSON object per file):

    header: how the file was made (command, torch/numpy/python versions)
    cases:  list of {name, kind, shape, eps, affine, data, [momentum], ...}
        kind:   "layernorm", "rmsnorm", "batchnorm_train", "batchnorm_eval"
        shape:  [rows, cols] (LayerNorm, RMSNorm), [N, C] or [N, C, H, W]
        data:   how x was drawn (e.g. "normal", "offset100": mean 100, std 0.01)
        in:     float32 inputs: x, dy (not for eval), gamma/beta (when affine),
                running_mean/running_var (BatchNorm: before the update)
        f32:    float32 torch outputs
        f64:    float64 torch outputs (same names)

Output names: y, dx, dgamma, dbeta, mean, rstd (LayerNorm), rrms (RMSNorm),
save_mean, save_invstd, running_mean, running_var (BatchNorm; the running
statistics after the update). Every float32 is written as its shortest decimal
that round-trips to the same float32 (numpy's repr), every float64 as Python's
repr (round-trips to the same float64), so parsing gives the exact bits.
"""

import json
import os
import platform
import re
import sys

import numpy as np
import torch
import torch.nn.functional as F

OUT_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "torch"))

# Arrays are written as placeholders by json.dumps and then replaced by their
# text, so each value keeps its shortest round-trip repr.
_ARRAYS = []


def _placeholder(text):
    _ARRAYS.append(text)
    return f"@@arr:{len(_ARRAYS) - 1}@@"


def f32list(t):
    """A placeholder for the float32 tensor t (flattened, row-major)."""
    a = t.detach().contiguous().numpy().astype(np.float32).ravel()
    if not np.all(np.isfinite(a)):
        raise ValueError("non-finite value in golden data")
    return _placeholder("[" + ",".join(repr(np.float32(x)) for x in a) + "]")


def f64list(t):
    """A placeholder for the float64 tensor t (flattened, row-major)."""
    a = t.detach().contiguous().to(torch.float64).numpy().ravel()
    if not np.all(np.isfinite(a)):
        raise ValueError("non-finite value in golden data")
    return _placeholder("[" + ",".join(repr(float(x)) for x in a) + "]")


def dump(obj):
    text = json.dumps(obj, separators=(",", ":"))
    return re.sub(r'"@@arr:(\d+)@@"', lambda m: _ARRAYS[int(m.group(1))], text)


def draw_x(gen, shape, data):
    """Inputs of the given kind, drawn in float64 and rounded to float32."""
    if data == "normal":  # N(0.3, 1)
        x = torch.randn(shape, generator=gen, dtype=torch.float64) + 0.3
    elif data == "scaled":  # N(0,1)·10^u, one u in [-3, 3] per row (first dim)
        u = torch.rand((shape[0],) + (1,) * (len(shape) - 1), generator=gen, dtype=torch.float64) * 6 - 3
        x = (torch.randn(shape, generator=gen, dtype=torch.float64) + 0.5) * torch.pow(10.0, u)
    elif data == "offset100":  # mean 100, std 0.01: |mean|/std = 1e4
        x = 100 + 0.01 * torch.randn(shape, generator=gen, dtype=torch.float64)
    elif data == "offset-5":  # mean −5, std 0.1
        x = -5 + 0.1 * torch.randn(shape, generator=gen, dtype=torch.float64)
    elif data == "tiny":  # std 1e-3: var 1e-6 is small next to eps = 1e-3
        x = 1e-3 * torch.randn(shape, generator=gen, dtype=torch.float64)
    else:
        raise ValueError(data)
    return x.to(torch.float32)


def draw_affine(gen, n):
    gamma = (1 + 0.5 * torch.randn(n, generator=gen, dtype=torch.float64)).to(torch.float32)
    beta = (0.5 * torch.randn(n, generator=gen, dtype=torch.float64)).to(torch.float32)
    return gamma, beta


def draw_dy(gen, shape):
    return (torch.randn(shape, generator=gen, dtype=torch.float64) - 0.2).to(torch.float32)


def leaf(t, dtype):
    return t.to(dtype).clone().requires_grad_(True)


def layernorm_case(idx, name, rows, cols, eps, affine, data):
    gen = torch.Generator().manual_seed(2000 + idx)
    x = draw_x(gen, (rows, cols), data)
    dy = draw_dy(gen, (rows, cols))
    gamma, beta = draw_affine(gen, cols) if affine else (None, None)
    case = {"name": name, "kind": "layernorm", "shape": [rows, cols], "eps": eps,
            "affine": affine, "data": data, "in": {"x": f32list(x), "dy": f32list(dy)}}
    if affine:
        case["in"]["gamma"], case["in"]["beta"] = f32list(gamma), f32list(beta)
    for dt, key, lst in ((torch.float32, "f32", f32list), (torch.float64, "f64", f64list)):
        xs = leaf(x, dt)
        g = leaf(gamma, dt) if affine else None
        b = leaf(beta, dt) if affine else None
        y, mean, rstd = torch.native_layer_norm(xs, [cols], g, b, eps)
        y.backward(dy.to(dt))
        out = {"y": lst(y), "mean": lst(mean), "rstd": lst(rstd), "dx": lst(xs.grad)}
        # native_layer_norm's autograd is layer_norm's; check against F.layer_norm.
        y2 = F.layer_norm(x.to(dt), [cols], None if g is None else g.detach(), None if b is None else b.detach(), eps)
        assert torch.equal(y.detach(), y2), name
        if affine:
            out["dgamma"], out["dbeta"] = lst(g.grad), lst(b.grad)
        case[key] = out
    return case


def rmsnorm(x, gamma, eps):
    """RMSNorm in torch ops (torch 1.13 has no rms_norm): returns y and rrms."""
    rrms = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    y = x * rrms
    if gamma is not None:
        y = y * gamma
    return y, rrms


def rmsnorm_case(idx, name, rows, cols, eps, affine, data):
    gen = torch.Generator().manual_seed(2000 + idx)
    x = draw_x(gen, (rows, cols), data)
    dy = draw_dy(gen, (rows, cols))
    gamma = draw_affine(gen, cols)[0] if affine else None
    case = {"name": name, "kind": "rmsnorm", "shape": [rows, cols], "eps": eps,
            "affine": affine, "data": data, "in": {"x": f32list(x), "dy": f32list(dy)}}
    if affine:
        case["in"]["gamma"] = f32list(gamma)
    for dt, key, lst in ((torch.float32, "f32", f32list), (torch.float64, "f64", f64list)):
        xs = leaf(x, dt)
        g = leaf(gamma, dt) if affine else None
        y, rrms = rmsnorm(xs, g, eps)
        y.backward(dy.to(dt))
        out = {"y": lst(y), "rrms": lst(rrms), "dx": lst(xs.grad)}
        if affine:
            out["dgamma"] = lst(g.grad)
        case[key] = out
    return case


def running_stats(gen, c, data):
    """Non-trivial running statistics of the data's scale."""
    loc = {"offset100": 100.0, "offset-5": -5.0}.get(data, 0.0)
    rm = (loc + torch.randn(c, generator=gen, dtype=torch.float64)).to(torch.float32)
    rv = (0.2 + 2 * torch.rand(c, generator=gen, dtype=torch.float64)).to(torch.float32)
    return rm, rv


def batchnorm_case(idx, name, shape, eps, affine, data, momentum=None, train=True):
    gen = torch.Generator().manual_seed(2000 + idx)
    c = shape[1]
    x = draw_x(gen, shape, data)
    dy = draw_dy(gen, shape)
    gamma, beta = draw_affine(gen, c) if affine else (None, None)
    rm, rv = running_stats(gen, c, data)
    case = {"name": name, "kind": "batchnorm_train" if train else "batchnorm_eval",
            "shape": list(shape), "eps": eps, "affine": affine, "data": data,
            "in": {"x": f32list(x), "running_mean": f32list(rm), "running_var": f32list(rv)}}
    if train:
        case["momentum"] = momentum
        case["in"]["dy"] = f32list(dy)
    if affine:
        case["in"]["gamma"], case["in"]["beta"] = f32list(gamma), f32list(beta)
    for dt, key, lst in ((torch.float32, "f32", f32list), (torch.float64, "f64", f64list)):
        xs = leaf(x, dt)
        g = leaf(gamma, dt) if affine else None
        b = leaf(beta, dt) if affine else None
        rmt, rvt = rm.to(dt).clone(), rv.to(dt).clone()
        if not train:
            y = F.batch_norm(xs, rmt, rvt, g, b, training=False, eps=eps)
            assert torch.equal(rmt, rm.to(dt)) and torch.equal(rvt, rv.to(dt))
            case[key] = {"y": lst(y)}
            continue
        y, save_mean, save_invstd = torch.native_batch_norm(xs, g, b, rmt, rvt, True, momentum, eps)
        y.backward(dy.to(dt))
        out = {"y": lst(y), "save_mean": lst(save_mean), "save_invstd": lst(save_invstd),
               "running_mean": lst(rmt), "running_var": lst(rvt), "dx": lst(xs.grad)}
        # native_batch_norm's autograd is batch_norm's; check against F.batch_norm.
        rm2, rv2 = rm.to(dt).clone(), rv.to(dt).clone()
        y2 = F.batch_norm(x.to(dt), rm2, rv2, None if g is None else g.detach(),
                          None if b is None else b.detach(), training=True, momentum=momentum, eps=eps)
        assert torch.equal(y.detach(), y2) and torch.equal(rm2, rmt) and torch.equal(rv2, rvt), name
        if affine:
            out["dgamma"], out["dbeta"] = lst(g.grad), lst(b.grad)
        case[key] = out
    return case


# name, rows, cols, eps, affine, data
LAYERNORM = [
    ("ln/2x2/eps1e-5/affine", 2, 2, 1e-5, True, "normal"),
    ("ln/3x7/eps1e-5/affine", 3, 7, 1e-5, True, "normal"),
    ("ln/3x7/eps1e-3/plain", 3, 7, 1e-3, False, "normal"),
    ("ln/4x33/eps1e-5/plain", 4, 33, 1e-5, False, "scaled"),
    ("ln/4x33/eps1e-3/affine", 4, 33, 1e-3, True, "scaled"),
    ("ln/4x33/eps1e-5/affine/offset100", 4, 33, 1e-5, True, "offset100"),
    ("ln/3x64/eps1e-3/affine/tiny", 3, 64, 1e-3, True, "tiny"),
    ("ln/2x768/eps1e-5/affine", 2, 768, 1e-5, True, "normal"),
    ("ln/2x768/eps1e-5/plain/offset100", 2, 768, 1e-5, False, "offset100"),
    ("ln/2x1024/eps1e-5/affine", 2, 1024, 1e-5, True, "scaled"),
    ("ln/1x1024/eps1e-3/plain/offset-5", 1, 1024, 1e-3, False, "offset-5"),
]

RMSNORM = [
    ("rms/2x2/eps1e-5/affine", 2, 2, 1e-5, True, "normal"),
    ("rms/3x7/eps1e-6/affine", 3, 7, 1e-6, True, "normal"),
    ("rms/3x7/eps1e-3/plain", 3, 7, 1e-3, False, "normal"),
    ("rms/4x33/eps1e-5/affine", 4, 33, 1e-5, True, "scaled"),
    ("rms/4x33/eps1e-5/plain/offset100", 4, 33, 1e-5, False, "offset100"),
    ("rms/3x64/eps1e-3/affine/tiny", 3, 64, 1e-3, True, "tiny"),
    ("rms/2x768/eps1e-6/affine", 2, 768, 1e-6, True, "normal"),
    ("rms/2x1024/eps1e-5/plain", 2, 1024, 1e-5, False, "scaled"),
    ("rms/1x1024/eps1e-5/affine/offset-5", 1, 1024, 1e-5, True, "offset-5"),
]

# name, shape, eps, affine, data, momentum (training) or None (evaluation)
BATCHNORM = [
    ("bn/train/NC/2x5/mom0.1/affine", (2, 5), 1e-5, True, "normal", 0.1),
    ("bn/train/NC/8x3/mom0.1/plain", (8, 3), 1e-5, False, "normal", 0.1),
    ("bn/train/NC/64x16/mom0.5/affine", (64, 16), 1e-5, True, "scaled", 0.5),
    ("bn/train/NC/33x7/mom0.1/eps1e-3/affine/tiny", (33, 7), 1e-3, True, "tiny", 0.1),
    ("bn/train/NC/96x4/mom0.1/affine/offset100", (96, 4), 1e-5, True, "offset100", 0.1),
    ("bn/train/NCHW/1x2x3x3/mom0.1/affine", (1, 2, 3, 3), 1e-5, True, "normal", 0.1),
    ("bn/train/NCHW/2x3x4x5/mom0.1/affine", (2, 3, 4, 5), 1e-5, True, "normal", 0.1),
    ("bn/train/NCHW/2x3x4x5/mom0.5/eps1e-3/plain", (2, 3, 4, 5), 1e-3, False, "normal", 0.5),
    ("bn/train/NCHW/4x8x7x7/mom0.1/affine", (4, 8, 7, 7), 1e-5, True, "scaled", 0.1),
    ("bn/train/NCHW/4x3x8x8/mom0.5/affine/offset100", (4, 3, 8, 8), 1e-5, True, "offset100", 0.5),
    ("bn/train/NCHW/3x4x5x5/mom0.1/plain/offset-5", (3, 4, 5, 5), 1e-5, False, "offset-5", 0.1),
    ("bn/eval/NC/8x3/affine", (8, 3), 1e-5, True, "normal", None),
    ("bn/eval/NC/16x5/eps1e-3/plain", (16, 5), 1e-3, False, "scaled", None),
    ("bn/eval/NCHW/2x3x4x5/affine/offset100", (2, 3, 4, 5), 1e-5, True, "offset100", None),
    ("bn/eval/NCHW/2x4x3x3/plain", (2, 4, 3, 3), 1e-5, False, "normal", None),
]


def f32(v):
    """v rounded to float32, as a Python float: eps and momentum are float32 in
    kappa's API, so torch is given exactly the same values (torch's float32
    kernels round eps to float32 anyway; the float64 run and the running
    statistics update, computed in double, would otherwise see 0.1 where kappa
    sees float32(0.1))."""
    return float(np.float32(v))


def cpu_capability():
    m = re.search(r"CPU capability usage: (\w+)", torch.__config__.show())
    return m.group(1) if m else "unknown"


def main():
    torch.manual_seed(0)  # nothing below uses the global generator; set anyway
    torch.set_num_threads(1)
    torch.set_flush_denormal(False)
    os.makedirs(OUT_DIR, exist_ok=True)
    header = {
        "command": "/usr/bin/python3 scripts/torch_norm_golden.py  (from the repository root)",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "cpu_capability": cpu_capability(),
        "threads": torch.get_num_threads(),
        "note": "Do not edit: regenerate with the command above. f32: torch on float32 "
                "tensors (CPU, one thread); f64: the same torch functions on the same "
                "inputs converted to float64. Float32 values are numpy's shortest "
                "round-trip decimals, float64 values Python's repr.",
    }
    idx = 0
    files = {"layernorm": [], "rmsnorm": [], "batchnorm": []}
    for name, rows, cols, eps, affine, data in LAYERNORM:
        files["layernorm"].append(layernorm_case(idx, name, rows, cols, f32(eps), affine, data))
        idx += 1
    for name, rows, cols, eps, affine, data in RMSNORM:
        files["rmsnorm"].append(rmsnorm_case(idx, name, rows, cols, f32(eps), affine, data))
        idx += 1
    for name, shape, eps, affine, data, mom in BATCHNORM:
        files["batchnorm"].append(batchnorm_case(idx, name, shape, f32(eps), affine, data,
                                                 momentum=None if mom is None else f32(mom),
                                                 train=mom is not None))
        idx += 1
    for kind, cases in files.items():
        path = os.path.join(OUT_DIR, f"norm_{kind}.json")
        with open(path, "w") as f:
            f.write(dump({"header": header, "cases": cases}))
            f.write("\n")
        print(f"{path}: {len(cases)} cases, {os.path.getsize(path)} bytes", file=sys.stderr)



if __name__ == "__main__":
    main()
