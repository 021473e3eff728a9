#!/usr/bin/python3
"""Writes norm_pytorch.json and norm_tokens_pytorch.json: PyTorch's normalization methods on random cases.

Run with Debian's python3-torch (float64 throughout): /usr/bin/python3 tests/reference/make_norm_cases.py
The tests only read the JSON it writes, so they never need torch. Each case holds the method, the shape
(n, c, h, w, groups), eps, momentum, the inputs x, dy (N rows of C·H·W values, x.reshape(N, -1)), gamma,
beta (one per channel, one per element for layer), the outputs y, xhat, dx, dgamma, dbeta, the mean and
biased var of each normalized set in set order (batch c; layer n; instance n·C + c; group n·G + g), and
for batch the running statistics before and after one update (momentum 0.1, unbiased variance with count
N·H·W) and eval_y, the same x through the updated statistics in eval mode.

RMS norm (rms) has no module in PyTorch 1.13: it is computed from its formula, y = x / sqrt(mean(x²) + eps)
* weight over the same sets as layer norm (what torch.nn.RMSNorm of later versions does), and autograd
gives the gradients. It has no bias: its cases hold no beta and no dbeta; their mean is the centre it
subtracts, 0, their var the mean square mean(x²) of each set, also written as mean_square, with rms =
sqrt(mean_square + eps).

norm_tokens_pytorch.json holds tokens, x of shape (N, T, C) as transformers keep them: layer
(F.layer_norm(x, (C,)): each token over its C features), rms (the formula, over the last dimension) and
batch (BatchNorm1d(C) on x.transpose(1, 2): each feature over every token). Keys as above with t = T and
no h, w or groups; x, dy and the outputs are N rows of T·C values (x.reshape(N, -1)), gamma and beta one
per feature, and a set is token n·T + t (layer, rms) or feature c (batch).
"""
import json
import os
import random
import sys

import torch
import torch.nn.functional as F

CASES_PER_METHOD = 32
TOKEN_CASES = {"layer": 32, "rms": 32, "batch": 8}
EPS = 1e-5
MOMENTUM = 0.1


def rows(t, n):
    return t.detach().reshape(n, -1).tolist()


def flat(t):
    return t.detach().reshape(-1).tolist()


def set_stats(x, method, groups):
    """Mean and biased variance of each set, in set order, by the definitions (not by the layers)."""
    n, c, h, w = x.shape
    if method == "batch":
        sets = x.transpose(0, 1).reshape(c, -1)
    elif method == "layer":
        sets = x.reshape(n, -1)
    elif method == "instance":
        sets = x.reshape(n * c, -1)
    elif method == "rms":
        sets = x.reshape(n, -1)
        return torch.zeros(n), (sets * sets).mean(dim=1)
    else:
        sets = x.reshape(n * groups, -1)
    return sets.mean(dim=1), sets.var(dim=1, unbiased=False)


def allowed(method, n, c, h, w, groups):
    if method == "batch":
        return n * h * w >= 2
    if method in ("layer", "rms"):
        return c * h * w >= 2
    if method == "instance":
        return h * w >= 2
    return (c // groups) * h * w >= 2


def rms_norm(x, weight, dims):
    """RMSNorm by its formula over the last `dims` dimensions: x / sqrt(mean(x²) + eps) * weight."""
    ms = (x * x).mean(dim=tuple(range(-dims, 0)), keepdim=True)
    return x / torch.sqrt(ms + EPS) * weight


def normalize(method, x, weight, bias, groups, bn=None):
    if method == "batch":
        return bn(x)
    if method == "layer":
        return F.layer_norm(x, x.shape[1:], weight, bias, EPS)
    if method == "rms":
        return rms_norm(x, weight, 3)
    if method == "instance":
        return F.instance_norm(x, weight=weight, bias=bias, use_input_stats=True, eps=EPS)
    return F.group_norm(x, groups, weight, bias, EPS)


def make_case(rng, method):
    while True:
        n, c, h, w = rng.randint(1, 6), rng.randint(1, 8), rng.randint(1, 5), rng.randint(1, 5)
        groups = rng.choice([g for g in range(1, c + 1) if c % g == 0]) if method == "group" else 0
        if allowed(method, n, c, h, w, groups):
            break
    gen = torch.Generator().manual_seed(rng.getrandbits(31))

    def randn(*shape):
        return torch.randn(*shape, generator=gen, dtype=torch.float64)

    scale, offset = rng.uniform(0.5, 3.0), rng.uniform(-2.0, 2.0)
    x0 = randn(n, c, h, w) * scale + offset
    dy = randn(n, c, h, w)
    pshape = (c, h, w) if method in ("layer", "rms") else (c,)
    gamma0 = 1.0 + 0.5 * randn(*pshape)
    beta0 = randn(*pshape)

    x = x0.clone().requires_grad_(True)
    case = {"method": method, "n": n, "c": c, "h": h, "w": w, "groups": groups, "eps": EPS}
    bn = None
    if method == "batch":
        bn = torch.nn.BatchNorm2d(c, eps=EPS, momentum=MOMENTUM, dtype=torch.float64)
        rm_in, rv_in = 0.5 * randn(c), 0.5 + torch.rand(c, generator=gen, dtype=torch.float64)
        with torch.no_grad():
            bn.weight.copy_(gamma0)
            bn.bias.copy_(beta0)
            bn.running_mean.copy_(rm_in)
            bn.running_var.copy_(rv_in)
        bn.train()
        weight, bias = bn.weight, bn.bias
        case["momentum"] = MOMENTUM
    else:
        weight = gamma0.clone().requires_grad_(True)
        bias = beta0.clone().requires_grad_(True)
    y = normalize(method, x, weight, bias, groups, bn)
    y.backward(dy)
    mean, var = set_stats(x0, method, groups)
    with torch.no_grad():
        ones, zero = torch.ones(pshape, dtype=torch.float64), torch.zeros(pshape, dtype=torch.float64)
        if method == "batch":
            xhat = (x0 - mean.reshape(1, c, 1, 1)) / torch.sqrt(var.reshape(1, c, 1, 1) + EPS)
        else:
            xhat = normalize(method, x0, ones, zero, groups)
    case.update({
        "x": rows(x0, n), "dy": rows(dy, n), "gamma": flat(gamma0), "beta": flat(beta0),
        "mean": flat(mean), "var": flat(var), "xhat": rows(xhat, n), "y": rows(y, n),
        "dx": rows(x.grad, n), "dgamma": flat(weight.grad),
        "dbeta": None if bias.grad is None else flat(bias.grad),
    })
    if method == "rms":
        without_shift(case, var)
    if method == "batch":
        bn.eval()
        with torch.no_grad():
            eval_y = bn(x0)
        case.update({
            "running_mean_in": flat(rm_in), "running_var_in": flat(rv_in),
            "running_mean": flat(bn.running_mean), "running_var": flat(bn.running_var),
            "eval_y": rows(eval_y, n),
        })
    return case


def without_shift(case, mean_square):
    """An RMS case: no bias (its formula never read one), its mean square and rms named as such."""
    assert case["dbeta"] is None
    del case["beta"], case["dbeta"]
    case["mean_square"] = flat(mean_square)
    case["rms"] = flat(torch.sqrt(mean_square + EPS))


def make_token_case(rng, method):
    """N samples of T tokens of C features, normalized as a transformer would (see the docstring)."""
    while True:
        n, t, c = rng.randint(1, 4), rng.randint(1, 6), rng.randint(1, 8)
        if (c if method in ("layer", "rms") else n * t) >= 2:
            break
    gen = torch.Generator().manual_seed(rng.getrandbits(31))

    def randn(*shape):
        return torch.randn(*shape, generator=gen, dtype=torch.float64)

    scale, offset = rng.uniform(0.5, 3.0), rng.uniform(-2.0, 2.0)
    x0 = randn(n, t, c) * scale + offset
    dy = randn(n, t, c)
    gamma0 = 1.0 + 0.5 * randn(c)
    beta0 = randn(c)
    x = x0.clone().requires_grad_(True)
    case = {"method": method, "n": n, "t": t, "c": c, "eps": EPS}
    tokens = x0.reshape(n * t, c)
    if method == "batch":
        bn = torch.nn.BatchNorm1d(c, eps=EPS, momentum=MOMENTUM, dtype=torch.float64)
        rm_in, rv_in = 0.5 * randn(c), 0.5 + torch.rand(c, generator=gen, dtype=torch.float64)
        with torch.no_grad():
            bn.weight.copy_(gamma0)
            bn.bias.copy_(beta0)
            bn.running_mean.copy_(rm_in)
            bn.running_var.copy_(rv_in)
        bn.train()
        weight, bias = bn.weight, bn.bias
        y = bn(x.transpose(1, 2)).transpose(1, 2)
        mean, var = tokens.mean(dim=0), tokens.var(dim=0, unbiased=False)
        xhat = (x0 - mean) / torch.sqrt(var + EPS)
        case["momentum"] = MOMENTUM
    else:
        weight = gamma0.clone().requires_grad_(True)
        bias = beta0.clone().requires_grad_(True)
        if method == "layer":
            y = F.layer_norm(x, (c,), weight, bias, EPS)
            mean, var = tokens.mean(dim=1), tokens.var(dim=1, unbiased=False)
        else:
            y = rms_norm(x, weight, 1)
            mean, var = torch.zeros(n * t), (tokens * tokens).mean(dim=1)
        xhat = (tokens - mean.reshape(-1, 1)) / torch.sqrt(var.reshape(-1, 1) + EPS)
    y.backward(dy)
    case.update({
        "x": rows(x0, n), "dy": rows(dy, n), "gamma": flat(gamma0), "beta": flat(beta0),
        "mean": flat(mean), "var": flat(var), "xhat": rows(xhat, n), "y": rows(y, n),
        "dx": rows(x.grad, n), "dgamma": flat(weight.grad),
        "dbeta": None if bias.grad is None else flat(bias.grad),
    })
    if method == "rms":
        without_shift(case, var)
    if method == "batch":
        bn.eval()
        with torch.no_grad():
            eval_y = bn(x0.transpose(1, 2)).transpose(1, 2)
        case.update({
            "running_mean_in": flat(rm_in), "running_var_in": flat(rv_in),
            "running_mean": flat(bn.running_mean), "running_var": flat(bn.running_var),
            "eval_y": rows(eval_y, n),
        })
    return case


def write_cases(name, cases):
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(out, "w") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(cs, separators=(",", ":")) for cs in cases))
        f.write("\n]\n")
    print(f"{out}: {len(cases)} cases (torch {torch.__version__})", file=sys.stderr)


def main():
    torch.set_default_dtype(torch.float64)
    rng = random.Random(20261204)
    # rms comes last, so the cases of the first four methods stay as they were before it.
    cases = [make_case(rng, m) for m in ("batch", "layer", "instance", "group", "rms")
             for _ in range(CASES_PER_METHOD)]
    write_cases("norm_pytorch.json", cases)
    rng = random.Random(20261207)
    write_cases("norm_tokens_pytorch.json",
                [make_token_case(rng, m) for m, count in TOKEN_CASES.items() for _ in range(count)])


if __name__ == "__main__":
    main()
