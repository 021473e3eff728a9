#!/usr/bin/python3
# Writes tests/reference/conv_cases.txt: PyTorch (float64) answers for conv.c's 3x3 convolution and 2x2
# pooling, forward and backward, for test_conv.c. Run with Debian's python3-torch: /usr/bin/python3 THIS.
#
# Format, one item per line:  "case conv NAME N C_IN C_OUT H W" or "case pool KIND NAME N C H W", then
# lines "LABEL COUNT v1 v2 ..." (values with 17 significant digits, (N,C,H,W) row-major) for the inputs
# x, w, b, dy (conv) or x, dy (pool) and the answers y, dx, dw, db (conv) or y, dx (pool); "end" closes a case.
import os
import sys

import torch


def values(label, t):
    flat = t.detach().reshape(-1).tolist()
    return f"{label} {len(flat)} " + " ".join(f"{v:.17g}" for v in flat)


def conv_case(out, gen, name, n, cin, cout, h, w):
    x = torch.randn(n, cin, h, w, dtype=torch.float64, generator=gen, requires_grad=True)
    wt = torch.randn(cout, cin, 3, 3, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(cout, dtype=torch.float64, generator=gen, requires_grad=True)
    dy = torch.randn(n, cout, h, w, dtype=torch.float64, generator=gen)
    y = torch.nn.functional.conv2d(x, wt, b, stride=1, padding=1)
    y.backward(dy)
    out.append(f"case conv {name} {n} {cin} {cout} {h} {w}")
    for label, t in (("x", x), ("w", wt), ("b", b), ("dy", dy), ("y", y), ("dx", x.grad), ("dw", wt.grad),
                     ("db", b.grad)):
        out.append(values(label, t))
    out.append("end")


def pool_case(out, gen, kind, name, n, c, h, w):
    x = torch.randn(n, c, h, w, dtype=torch.float64, generator=gen, requires_grad=True)
    dy = torch.randn(n, c, h // 2, w // 2, dtype=torch.float64, generator=gen)
    if kind == "max":
        y = torch.nn.functional.max_pool2d(x, 2, 2)
    else:
        y = torch.nn.functional.avg_pool2d(x, 2, 2)
    y.backward(dy)
    out.append(f"case pool {kind} {name} {n} {c} {h} {w}")
    for label, t in (("x", x), ("dy", dy), ("y", y), ("dx", x.grad)):
        out.append(values(label, t))
    out.append("end")


def main():
    gen = torch.Generator().manual_seed(20261204)
    out = [f"# made by tests/reference/make_conv_cases.py with torch {torch.__version__}, float64"]
    conv_case(out, gen, "one-channel", 2, 1, 1, 5, 5)
    conv_case(out, gen, "one-to-three", 3, 1, 3, 6, 4)
    conv_case(out, gen, "four-to-two-odd", 2, 4, 2, 7, 5)
    conv_case(out, gen, "single-pixel", 2, 3, 2, 1, 1)
    conv_case(out, gen, "one-row", 1, 2, 3, 1, 6)
    conv_case(out, gen, "eight-to-sixteen", 2, 8, 16, 6, 6)
    for kind in ("max", "avg"):
        pool_case(out, gen, kind, "one-channel", 1, 1, 4, 4)
        pool_case(out, gen, kind, "three-channels", 2, 3, 6, 8)
        pool_case(out, gen, kind, "smallest", 3, 2, 2, 2)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv_cases.txt")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
