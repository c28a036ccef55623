#!/usr/bin/python3
"""Golden vectors for kappa's optimizer kernels from PyTorch (SPEC §5 item 3).

Run from the repository root with Debian's interpreter (python3-torch):

    /usr/bin/python3 scripts/torch_golden.py

It writes testdata/torch/{adam,rmsprop,adagrad,sgd}.json, read by golden_test.go.
The output is deterministic (torch.manual_seed(0), and every case draws its
data from its own torch.Generator seeded with 1000 + the case's index), all tensors are float32 on the
CPU, and the single-tensor (foreach=False) code paths of torch.optim are used.

File layout (one JSON object per optimizer):

    header:  how the file was made (command, torch/numpy/python versions)
    cases:   list of
        name, optimizer ("adam", "adamw", "rmsprop", "adagrad", "sgd"),
        hyper:       the torch.optim constructor arguments (PyTorch names),
        n:           tensor length,
        start_step:  optimizer steps already taken before the first recorded
                     step (state['step'] was set to it; 0 for a fresh optimizer),
        init:        param and optimizer state before the first recorded step
                     (state tensors are given only when start_step > 0 or the
                     state starts non-zero, e.g. Adagrad's sum),
        steps:       list of {grad, param, <state>...} after each step; the
                     step number of steps[j] is start_step + j + 1.

State names are torch's: exp_avg, exp_avg_sq, max_exp_avg_sq (Adam/AdamW),
square_avg, grad_avg, momentum_buffer (RMSprop), sum (Adagrad),
momentum_buffer (SGD). Every float32 is written as its shortest decimal that
round-trips to the same float32 (numpy's repr), so parsing it as float32 gives
the exact bits.
"""

import json
import os
import platform
import re
import sys

import numpy as np
import torch

OUT_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "torch"))

# Optimizer state kept per optimizer, in the order written.
STATE_KEYS = {
    "adam": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    "adamw": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    "rmsprop": ["square_avg", "grad_avg", "momentum_buffer"],
    "adagrad": ["sum"],
    "sgd": ["momentum_buffer"],
}

# Fixed element positions with special gradients (all of them < 37).
ALWAYS_ZERO = 3  # gradient exactly 0 at every step
TINY = {5: 1e-7, 11: 1e-12, 17: 1e-20, 23: 1e-30, 29: 1e-40}  # 1e-40 is subnormal in float32
HUGE = {7: 1e3, 31: 3e4}


# Float32 arrays are written as placeholders by json.dumps and then replaced by
# their text, so each value keeps numpy's shortest float32 repr (json would
# write the longer float64 repr of the same value).
_ARRAYS = []


def f32list(t):
    """A placeholder for the float32 tensor t, replaced by its JSON text in dump."""
    a = t.detach().numpy().astype(np.float32).ravel()
    if not np.all(np.isfinite(a)):
        raise ValueError("non-finite value in golden data")
    _ARRAYS.append("[" + ",".join(repr(np.float32(x)) for x in a) + "]")
    return f"@@f32:{len(_ARRAYS) - 1}@@"


def dump(obj):
    text = json.dumps(obj, separators=(",", ":"))
    return re.sub(r'"@@f32:(\d+)@@"', lambda m: _ARRAYS[int(m.group(1))], text)


def make_param(gen, n):
    """Initial parameters: N(0,1)·10^u, u uniform in [-4, 0.5] (so for some
    elements the update is as large as the parameter and its rounding shows
    at full resolution), with a few special values."""
    u = torch.rand(n, generator=gen, dtype=torch.float64) * 4.5 - 4
    p = (torch.randn(n, generator=gen, dtype=torch.float64) * torch.pow(10.0, u)).to(torch.float32)
    p[0] = 0.0
    p[1] = 100.0
    p[2] = -3e-3
    return p


def make_grads(gen, n, steps, shrink=False):
    """Gradients of mixed magnitudes: element i has scale 10^u_i, u_i in [-4, 2],
    a few elements are always 0, tiny (down to subnormal) or large; some
    gradients are 0 at some steps only. With shrink, magnitudes fall over the
    steps (so AMSGrad's max matters)."""
    u = torch.rand(n, generator=gen, dtype=torch.float64) * 6 - 4
    scale = torch.pow(10.0, u)
    grads = []
    for s in range(steps):
        g = (torch.randn(n, generator=gen, dtype=torch.float64) * scale)
        g += 0.3 * scale  # a bias, so the moments do not average to ~0
        if shrink:
            g *= 0.5 ** s
        g = g.to(torch.float32)
        for i, v in TINY.items():
            if i < n:
                g[i] = v if s % 2 == 0 else -v
        for i, v in HUGE.items():
            if i < n:
                g[i] = v * (1 + 0.1 * s) * (1 if s % 3 else -1)
        if ALWAYS_ZERO < n:
            g[ALWAYS_ZERO] = 0.0
        # Sparse zeros: a different few elements each step.
        zero_at = torch.randint(0, n, (max(1, n // 12),), generator=gen)
        for i in zero_at.tolist():
            if i not in TINY and i not in HUGE:
                g[i] = 0.0
        grads.append(g)
    return grads


def make_optimizer(kind, p, hyper):
    if kind == "adam":
        return torch.optim.Adam([p], foreach=False, **hyper)
    if kind == "adamw":
        return torch.optim.AdamW([p], foreach=False, **hyper)
    if kind == "rmsprop":
        return torch.optim.RMSprop([p], foreach=False, **hyper)
    if kind == "adagrad":
        return torch.optim.Adagrad([p], foreach=False, **hyper)
    if kind == "sgd":
        return torch.optim.SGD([p], foreach=False, **hyper)
    raise ValueError(kind)


def state_of(kind, opt, p, hyper):
    """The state tensors kappa keeps, by torch name (absent ones omitted)."""
    st = opt.state[p]
    out = {}
    for k in STATE_KEYS[kind]:
        v = st.get(k)
        if v is None:
            continue
        if k == "max_exp_avg_sq" and not hyper.get("amsgrad", False):
            continue
        if k == "momentum_buffer" and hyper.get("momentum", 0) == 0:
            continue
        out[k] = v
    return out


def preset_state(kind, opt, p, gen, start_step, hyper):
    """Give the optimizer plausible state as if start_step steps had been
    taken (torch 1.13 keeps state['step'] as a float32 tensor for Adam, AdamW
    and Adagrad)."""
    n = p.numel()
    scale = torch.pow(10.0, torch.rand(n, generator=gen, dtype=torch.float64) * 6 - 4)
    m = (torch.randn(n, generator=gen, dtype=torch.float64) * scale * 0.3).to(torch.float32)
    v = ((scale * (1 + torch.rand(n, generator=gen, dtype=torch.float64))) ** 2).to(torch.float32)
    m[ALWAYS_ZERO] = 0.0
    v[ALWAYS_ZERO] = 0.0
    st = opt.state[p]
    if kind in ("adam", "adamw"):
        st["step"] = torch.tensor(float(start_step))
        st["exp_avg"] = m.clone()
        st["exp_avg_sq"] = v.clone()
        if hyper.get("amsgrad", False):
            st["max_exp_avg_sq"] = (v * 1.5).to(torch.float32)
            st["max_exp_avg_sq"][ALWAYS_ZERO] = 0.0
    elif kind == "adagrad":
        st["step"] = torch.tensor(float(start_step))
        st["sum"] = (st["sum"] + v).to(torch.float32)
    else:
        raise ValueError("start_step only for adam/adamw/adagrad")


def run_case(idx, name, kind, hyper, n, steps, start_step=0, shrink=False):
    gen = torch.Generator().manual_seed(1000 + idx)
    p = make_param(gen, n).requires_grad_(False)
    grads = make_grads(gen, n, steps, shrink=shrink)
    opt = make_optimizer(kind, p, hyper)
    if start_step > 0:
        preset_state(kind, opt, p, gen, start_step, hyper)
    init = {"param": f32list(p)}
    if start_step > 0 or kind == "adagrad":
        for k, v in state_of(kind, opt, p, hyper).items():
            init[k] = f32list(v)
    recs = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        rec = {"grad": f32list(g), "param": f32list(p)}
        for k, v in state_of(kind, opt, p, hyper).items():
            rec[k] = f32list(v)
        recs.append(rec)
    if kind in ("adam", "adamw", "adagrad"):
        got = opt.state[p]["step"]
        assert torch.is_tensor(got) and got.item() == start_step + steps, got
    return {
        "name": name,
        "optimizer": kind,
        "hyper": hyper,
        "n": n,
        "start_step": start_step,
        "init": init,
        "steps": recs,
    }


# name, optimizer, hyperparameters (torch names), n, steps, options
CASES = {
    "adam": [
        ("adam/defaults/n37", "adam", {}, 37, 8, {}),
        ("adam/defaults/n301", "adam", {}, 301, 5, {}),
        ("adam/coupled_wd0.1", "adam", {"weight_decay": 0.1}, 37, 8, {}),
        ("adam/lr0.1_betas0.5,0.9_eps1e-6", "adam", {"lr": 0.1, "betas": (0.5, 0.9), "eps": 1e-6}, 37, 8, {}),
        ("adam/beta1=0_eps1e-3", "adam", {"betas": (0.0, 0.5), "eps": 1e-3}, 37, 6, {}),
        ("adam/amsgrad", "adam", {"amsgrad": True}, 37, 8, {"shrink": True}),
        ("adam/maximize", "adam", {"maximize": True}, 37, 8, {}),
        ("adam/amsgrad_maximize_coupled_wd", "adam", {"amsgrad": True, "maximize": True, "weight_decay": 0.05}, 37, 8, {"shrink": True}),
        ("adam/t=1e4", "adam", {}, 37, 4, {"start_step": 9999}),
        ("adam/t=1e4_amsgrad", "adam", {"amsgrad": True}, 37, 4, {"start_step": 9999}),
        ("adamw/defaults", "adamw", {}, 37, 8, {}),
        ("adamw/wd0.5_lr1e-2", "adamw", {"lr": 1e-2, "weight_decay": 0.5}, 37, 8, {}),
        ("adamw/wd0.1_amsgrad_n301", "adamw", {"weight_decay": 0.1, "amsgrad": True}, 301, 5, {"shrink": True}),
        ("adamw/maximize", "adamw", {"maximize": True}, 37, 6, {}),
        ("adamw/t=1e4_wd0.1", "adamw", {"weight_decay": 0.1}, 37, 4, {"start_step": 9999}),
    ],
    "rmsprop": [
        ("rmsprop/defaults/n37", "rmsprop", {}, 37, 8, {}),
        ("rmsprop/defaults/n301", "rmsprop", {}, 301, 5, {}),
        ("rmsprop/centered", "rmsprop", {"centered": True}, 37, 8, {}),
        ("rmsprop/momentum0.9", "rmsprop", {"momentum": 0.9}, 37, 8, {}),
        ("rmsprop/weight_decay0.1", "rmsprop", {"weight_decay": 0.1}, 37, 8, {}),
        ("rmsprop/centered_momentum_wd", "rmsprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.01}, 37, 8, {}),
        ("rmsprop/alpha0.9_eps1e-4_maximize", "rmsprop", {"alpha": 0.9, "eps": 1e-4, "maximize": True, "lr": 1e-3}, 37, 8, {}),
        ("rmsprop/centered_momentum_n301", "rmsprop", {"centered": True, "momentum": 0.9}, 301, 5, {}),
    ],
    "adagrad": [
        ("adagrad/defaults/n37", "adagrad", {}, 37, 8, {}),
        ("adagrad/defaults/n301", "adagrad", {}, 301, 5, {}),
        ("adagrad/lr_decay0.01", "adagrad", {"lr_decay": 0.01}, 37, 8, {}),
        ("adagrad/wd0.1_init0.1", "adagrad", {"weight_decay": 0.1, "initial_accumulator_value": 0.1}, 37, 8, {}),
        ("adagrad/lr_decay1e-3_t=1e4", "adagrad", {"lr_decay": 1e-3, "lr": 0.1}, 37, 4, {"start_step": 9999}),
        ("adagrad/maximize_eps1e-3_init0.5_n301", "adagrad", {"maximize": True, "eps": 1e-3, "initial_accumulator_value": 0.5, "lr_decay": 0.1}, 301, 5, {}),
    ],
    "sgd": [
        ("sgd/plain/n37", "sgd", {"lr": 1e-2}, 37, 6, {}),
        ("sgd/plain/n301", "sgd", {"lr": 1e-3}, 301, 4, {}),
        ("sgd/momentum0.9", "sgd", {"lr": 1e-2, "momentum": 0.9}, 37, 8, {}),
        ("sgd/momentum0.9_dampening0.5", "sgd", {"lr": 1e-2, "momentum": 0.9, "dampening": 0.5}, 37, 8, {}),
        ("sgd/momentum0.5_dampening1", "sgd", {"lr": 1e-2, "momentum": 0.5, "dampening": 1.0}, 37, 6, {}),
        ("sgd/nesterov0.9", "sgd", {"lr": 1e-2, "momentum": 0.9, "nesterov": True}, 37, 8, {}),
        ("sgd/weight_decay0.1", "sgd", {"lr": 1e-2, "weight_decay": 0.1}, 37, 6, {}),
        ("sgd/momentum_wd_maximize", "sgd", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01, "maximize": True}, 37, 8, {}),
        ("sgd/nesterov_wd_maximize_n301", "sgd", {"lr": 1e-2, "momentum": 0.8, "weight_decay": 1e-3, "nesterov": True, "maximize": True}, 301, 5, {}),
    ],
}


def main():
    torch.manual_seed(0)  # nothing below uses the global generator; set anyway
    torch.set_flush_denormal(False)
    os.makedirs(OUT_DIR, exist_ok=True)
    header = {
        "command": "/usr/bin/python3 scripts/torch_golden.py  (from the repository root)",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "note": "Do not edit: regenerate with the command above. Float32 values are "
                "numpy's shortest round-trip decimals; torch.optim single-tensor paths "
                "(foreach=False) on the CPU.",
    }
    idx = 0
    for opt_name, cases in CASES.items():
        out = []
        for name, kind, hyper, n, steps, opts in cases:
            out.append(run_case(idx, name, kind, hyper, n, steps, **opts))
            idx += 1
        path = os.path.join(OUT_DIR, opt_name + ".json")
        with open(path, "w") as f:
            f.write(dump({"header": header, "cases": out}))
            f.write("\n")
        print(f"{path}: {len(out)} cases, {sum(len(c['steps']) for c in out)} steps, "
              f"{os.path.getsize(path)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
