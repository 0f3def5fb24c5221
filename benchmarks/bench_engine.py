"""Engine throughput vs a plain per-model PyTorch loop on the Haasbroek & Davel (2020) §4.1 grid.

Per shape (depth 2/5/9 × width 20/80/320, MNIST 784→…→10, bias in the first hidden layer only) six members
(3 seeds × CE/MSE) train for the same number of Adam steps (lr 1e-3, batch 60): once stacked in one engine call,
once as six nn.Sequential models one after another with torch.optim.Adam and a shuffling DataLoader; with
--cuda-graph (CUDA only) the engine a third time with train_config(cuda_graph=True), its step replayed from a graph.
Usage: python benchmarks/bench_engine.py [--steps N] [--device cpu|cuda] [--cuda-graph];
writes benchmarks/results[-cuda].json.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import torch
from plain_loop import plain_steps
from torch.utils.data import DataLoader, TensorDataset

from lib.data import as_float, load_mnist, split_mnist
from lib.models import mlp
from lib.train import set_threads, train, train_config, train_data

DEPTHS, WIDTHS = (2, 5, 9), (20, 80, 320)
SEEDS, LOSSES = (0, 1, 2, 0, 1, 2), ("ce", "ce", "ce", "mse", "mse", "mse")
BATCH, LR, WARMUP_STEPS = 60, 1e-3, 10
RESULTS = Path(__file__).resolve().parent / "results.json"


def mnist_tensors() -> tuple[torch.Tensor, torch.Tensor, str]:
    """The 48k MNIST training images as (N, 784) float32 and their labels."""
    x, y = split_mnist(load_mnist(), "48k/12k/10k").train
    return torch.from_numpy(as_float(x)), torch.from_numpy(y.astype("int64")), "MNIST 48k training split"


def layer_sizes(depth: int, width: int) -> list[int]:
    """784, then depth-1 hidden layers of `width`, then 10 outputs (depth excludes the input layer)."""
    return [784] + [width] * (depth - 1) + [10]


def time_engine(sizes: list[int], x: torch.Tensor, y: torch.Tensor, steps: int, device: str,
                cuda_graph: bool = False) -> float:
    """Seconds for one engine call training the six members for `steps` steps (a graphed call's capture
    included)."""
    data = train_data(x, y, x[:BATCH], y[:BATCH])
    for count in (WARMUP_STEPS, steps):
        cfg = train_config(optimizer="adam", lr=LR, loss=LOSSES, batch_size=BATCH, max_epochs=10**6,
                           max_steps=count, eval_every=None, seed=list(SEEDS), device=device, cuda_graph=cuda_graph)
        net = mlp(len(SEEDS), sizes, bias="first", init="he", seed=list(SEEDS))
        start = time.perf_counter()
        train(net, data, cfg)
        synchronize(device)
        elapsed = time.perf_counter() - start
    return elapsed


def synchronize(device: str) -> None:
    """Wait for queued GPU work, so that wall time covers it."""
    if device == "cuda":
        torch.cuda.synchronize()


def time_plain(sizes: list[int], x: torch.Tensor, y: torch.Tensor, steps: int, device: str) -> float:
    """Seconds for training the six members one after another as plain models."""
    members = mlp(len(SEEDS), sizes, bias="first", init="he", seed=list(SEEDS))
    dataset, elapsed = TensorDataset(x, y), 0.0
    for k, (seed, kind) in enumerate(zip(SEEDS, LOSSES)):
        loader = DataLoader(dataset, batch_size=BATCH, shuffle=True, generator=torch.Generator().manual_seed(seed))
        model = members.member(k).to(device)
        plain_steps(model, torch.optim.Adam(model.parameters(), lr=LR), loader, kind, WARMUP_STEPS, device)
        model = members.member(k).to(device)
        synchronize(device)
        start = time.perf_counter()
        plain_steps(model, torch.optim.Adam(model.parameters(), lr=LR), loader, kind, steps, device)
        synchronize(device)
        elapsed += time.perf_counter() - start
    return elapsed


def training_flops(sizes: list[int], steps: int) -> float:
    """Forward + backward FLOPs of all members: 3 × 2·fan_in·fan_out per sample per layer."""
    per_sample = sum(2 * a * b for a, b in zip(sizes, sizes[1:]))
    return 3 * per_sample * BATCH * len(SEEDS) * steps


def matmul_peak(device: str, n: int = 2048, repeats: int = 5) -> float:
    """Best float32 GFLOP/s of an n×n matmul over a few repeats."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    best = min(_timed(lambda: (a @ b, synchronize(device))) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def _timed(fn) -> float:
    """Wall seconds of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(steps: int, device: str, cuda_graph: bool = False) -> dict:
    """Time every shape (and the graphed engine with cuda_graph); return the table and the summary numbers."""
    threads = set_threads()
    x, y, source = mnist_tensors()
    print(f"data: {source}; torch {torch.__version__}, {threads} threads, {device}; {steps} steps per shape\n")
    graph_head = f" {'graphs s':>9} {'eager/graphs':>12}" if cuda_graph else ""
    print(f"{'shape':>8} {'engine s':>9} {'plain s':>8} {'ratio':>6} {'GFLOP/s':>8}{graph_head}")
    rows = []
    for depth in DEPTHS:
        for width in WIDTHS:
            sizes = layer_sizes(depth, width)
            engine, plain = time_engine(sizes, x, y, steps, device), time_plain(sizes, x, y, steps, device)
            gflops = training_flops(sizes, steps) / engine / 1e9
            rows.append({"depth": depth, "width": width, "engine_s": engine, "plain_s": plain,
                         "ratio": plain / engine, "engine_gflops": gflops})
            line = f"{depth:>4}x{width:<3} {engine:>9.2f} {plain:>8.2f} {plain / engine:>6.1f} {gflops:>8.1f}"
            if cuda_graph:
                graphs = time_engine(sizes, x, y, steps, device, cuda_graph=True)
                rows[-1] |= {"graphs_s": graphs, "graphs_speedup": engine / graphs}
                line += f" {graphs:>9.2f} {engine / graphs:>12.1f}"
            print(line, flush=True)
    return summarise(rows, steps, threads, source, device)


def summarise(rows: list[dict], steps: int, threads: int, source: str, device: str) -> dict:
    """Overall ratio, width-20 ratios and the engine's share of the measured matmul peak."""
    peak = matmul_peak(device)
    engine, plain = sum(r["engine_s"] for r in rows), sum(r["plain_s"] for r in rows)
    flops = sum(training_flops(layer_sizes(r["depth"], r["width"]), steps) for r in rows)
    summary = {"overall_ratio": plain / engine, "min_ratio_width_20": min(r["ratio"] for r in rows if r["width"] == 20),
               "engine_gflops": flops / engine / 1e9, "matmul_peak_gflops": peak}
    if all("graphs_s" in r for r in rows):
        graphs = sum(r["graphs_s"] for r in rows)
        summary |= {"graphs_speedup": engine / graphs, "graphs_gflops": flops / graphs / 1e9}
        print(f"CUDA graphs: {engine / graphs:.2f}x the eager engine overall, {flops / graphs / 1e9:.1f} GFLOP/s")
    print(f"\noverall (sum plain / sum engine): {summary['overall_ratio']:.2f}x; "
          f"width-20 shapes at least {summary['min_ratio_width_20']:.1f}x")
    print(f"engine {summary['engine_gflops']:.1f} GFLOP/s vs 2048x2048 matmul peak {peak:.1f} GFLOP/s "
          f"({100 * summary['engine_gflops'] / peak:.0f}%)")
    machine = platform.processor() or platform.machine()
    if device == "cuda":
        machine = torch.cuda.get_device_name()
    environment = {"torch": torch.__version__, "threads": threads, "device": device, "machine": machine}
    return {"steps": steps, "batch": BATCH, "members": len(SEEDS), "data": source, "environment": environment,
            "rows": rows, "summary": summary}


def main() -> None:
    """Parse --steps, --device and --cuda-graph, run, write benchmarks/results.json (results-cuda.json on a GPU)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps per shape (default 300)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="where both loops train")
    parser.add_argument("--cuda-graph", action="store_true",
                        help="also time the engine with its step replayed from a CUDA graph (needs --device cuda)")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is available (allowed: cpu, cuda)")
    if args.cuda_graph and args.device != "cuda":
        parser.error("--cuda-graph: CUDA graphs need --device cuda (allowed: --cuda-graph with --device cuda)")
    results = run(args.steps, args.device, args.cuda_graph)
    path = RESULTS if args.device == "cpu" else RESULTS.with_name("results-cuda.json")
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
