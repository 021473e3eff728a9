# Benchmark (not a test): the paper network's SGD step in PyTorch, one thread, for comparison with bench_train.
import statistics
import sys
import time

import torch

BATCH, WARMUP, REPS = 60, 30, 300


def make_net(dtype):
    """784-100-100-100-10 sigmoid with BN before every hidden activation (linear layers without bias)."""
    layers = []
    widths = [784, 100, 100, 100]
    for i in range(3):
        layers += [torch.nn.Linear(widths[i], widths[i + 1], bias=False),
                   torch.nn.BatchNorm1d(widths[i + 1]), torch.nn.Sigmoid()]
    layers.append(torch.nn.Linear(100, 10))
    return torch.nn.Sequential(*layers).to(dtype)


def time_steps(dtype):
    torch.manual_seed(1)
    net = make_net(dtype)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(WARMUP + REPS, BATCH, 784, dtype=dtype)
    y = torch.randint(0, 10, (WARMUP + REPS, BATCH))
    samples = []
    for k in range(WARMUP + REPS):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(net(x[k]), y[k])
        loss.backward()
        opt.step()
        t1 = time.perf_counter()
        if k >= WARMUP:
            samples.append((t1 - t0) * 1e6)
    return statistics.median(samples), min(samples), max(samples)


def main():
    torch.set_num_threads(1)
    print(f"torch_step: torch {torch.__version__}, 1 thread, same network and step, "
          f"{REPS} reps after {WARMUP} warm-up")
    for name, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        med, lo, hi = time_steps(dtype)
        print(f"  {name}: median {med:9.1f} us/step (min {lo:.1f}, max {hi:.1f})")
        print(f"RESULT torch_step_{name}_us {med:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
