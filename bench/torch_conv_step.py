# Benchmark (not a test): the conv net's SGD step in PyTorch, one thread, for comparison with bench_conv.
import statistics
import sys
import time

import torch

BATCH, WARMUP, REPS = 32, 10, 100


def make_net(dtype):
    """conv(1->8) BN relu maxpool conv(8->16) BN relu maxpool linear(784->10), as src/engine/convnet.h
    (convolutions without bias when a norm follows)."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1, bias=False), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1, bias=False), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(16 * 7 * 7, 10),
    ).to(dtype)


def time_steps(dtype):
    torch.manual_seed(1)
    net = make_net(dtype)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(WARMUP + REPS, BATCH, 1, 28, 28, dtype=dtype)
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
    print(f"torch_conv_step: torch {torch.__version__}, 1 thread, same network and step (batch {BATCH}), "
          f"{REPS} reps after {WARMUP} warm-up")
    for name, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        med, lo, hi = time_steps(dtype)
        print(f"  {name}: median {med:9.1f} us/step (min {lo:.1f}, max {hi:.1f})")
        print(f"RESULT torch_conv_step_{name}_us {med:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
