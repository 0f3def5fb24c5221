"""The engine's cuda_graph option: validated before training, the same trained weights as the eager engine (on
the CPU with the capture replaced by a plain call, which checks the buffers, warm-up, partial batches and
recaptures; on a GPU with real CUDA graphs, skipped without one)."""

import contextlib
import dataclasses

import pytest
import torch

import lib.train as engine
from lib.models import cnn1d, mlp
from lib.seed import generator
from lib.train import train, train_config, train_data

N, BATCH = 70, 16  # 5 batches per epoch, the last one partial (6 samples)


def toy_data(d_in: int, classes: int, seed: int = 0):
    """Random training and validation sets (the validation loss soon rises, so members stop at different epochs)."""
    gen = generator(seed)
    x, x_val = torch.randn(N, d_in, generator=gen), torch.randn(40, d_in, generator=gen)
    return train_data(x, torch.randint(0, classes, (N,), generator=gen), x_val,
                      torch.randint(0, classes, (40,), generator=gen))


def config(optimizer: str, device: str, **overrides):
    """Three members, mixed losses, per-member rates, early stopping with a short patience."""
    lrs = [0.05, 0.005, 0.2] if optimizer == "sgd" else [3e-4, 3e-3, 3e-2]
    settings = dict(optimizer=optimizer, lr=lrs, loss=("ce", "mse", "ce"), batch_size=BATCH, max_epochs=25,
                    patience=2, seed=7, device=device) | overrides
    return train_config(**settings)


def build(kind: str):
    """A fresh stack of three members."""
    if kind == "mlp":
        return mlp(3, [24, 32, 16, 6], bias="first", seed=3)
    return cnn1d(3, length=24, kernels=(5, 3), classes=6, seed=3)


def assert_same_training(eager, graphed, atol: float = 0.0) -> None:
    """Same weights and the same history (exactly with atol 0)."""
    for got, want in zip(graphed.net.parameters(), eager.net.parameters()):
        torch.testing.assert_close(got.detach().cpu(), want.detach().cpu(), atol=atol, rtol=0)
    for name in ("train_loss", "val_loss", "best_epoch", "stopped_epoch"):
        torch.testing.assert_close(getattr(graphed.history, name), getattr(eager.history, name), atol=atol, rtol=0)
    assert graphed.history.steps == eager.history.steps


class CountedCapture:
    """Wraps a capture function and counts the captures."""

    def __init__(self, capture):
        self.capture, self.count = capture, 0

    def __call__(self, fn):
        self.count += 1
        return self.capture(fn)


def plain_capture(fn):
    """The CPU stand-in for a CUDA graph: replay() calls fn again (it reads the same static buffers)."""
    return fn


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_graphed_step_logic_matches_eager_on_cpu(monkeypatch, kind, optimizer):
    counted = CountedCapture(plain_capture)
    monkeypatch.setattr(engine, "capture", counted)
    monkeypatch.setattr(engine, "side_stream", contextlib.nullcontext)
    monkeypatch.setattr(engine, "_check_graph_device", lambda device: None)
    data, cfg = toy_data(24, 6), config(optimizer, "cpu")
    eager = train(build(kind), data, cfg)
    graphed = train(build(kind), data, dataclasses.replace(cfg, cuda_graph=True))
    assert_same_training(eager, graphed)
    stopped = eager.history.stopped_epoch.tolist()
    assert any(0 < epoch < eager.history.epochs for epoch in stopped)  # a member stopped while others trained on,
    assert counted.count >= 2  # so the step was captured again


@pytest.mark.parametrize("kwargs", [dict(cuda_graph=True, device="cpu"), dict(cuda_graph="yes"),
                                    dict(cuda_graph=1, device="cuda")])
def test_cuda_graph_validation_names_the_parameter(kwargs):
    with pytest.raises(ValueError, match="^cuda_graph:.*allowed|^cuda_graph: expected True or False"):
        train_config(**kwargs)


@pytest.mark.skipif(torch.cuda.is_available(), reason="'auto' resolves to the GPU here")
def test_cuda_graph_on_a_machine_without_cuda_fails_before_training():
    net, data = build("mlp"), toy_data(24, 6)
    before = [p.detach().clone() for p in net.parameters()]
    with pytest.raises(ValueError, match="^cuda_graph: CUDA graphs need a CUDA device, got device 'cpu'; allowed"):
        train(net, data, config("sgd", "auto", cuda_graph=True))
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_cuda_graph_joins_the_cache_key_only_when_set():
    eager = train_config(device="auto").as_dict()
    assert "cuda_graph" not in eager
    assert train_config(device="cuda", cuda_graph=True).as_dict() == {**eager, "device": "cuda", "cuda_graph": True}


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_cuda_graph_trains_the_same_networks_as_eager_cuda(monkeypatch, kind, optimizer):
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    counted = CountedCapture(engine.capture)
    monkeypatch.setattr(engine, "capture", counted)
    data = toy_data(24, 6)
    eager = train(build(kind), data, config(optimizer, "cuda"))
    graphed = train(build(kind), data, config(optimizer, "cuda", cuda_graph=True))
    assert counted.count >= 1
    assert_same_training(eager, graphed, atol=1e-6)


def test_the_environment_switches_graphs_for_a_whole_run(monkeypatch):
    monkeypatch.delenv(engine.GRAPH_ENV, raising=False)
    assert train_config(device="cuda").cuda_graph is False
    monkeypatch.setenv(engine.GRAPH_ENV, "1")
    assert train_config(device="cuda").cuda_graph is True
    assert train_config(device="cuda", cuda_graph=False).cuda_graph is False  # an explicit value wins
    with pytest.raises(ValueError, match="cuda_graph: CUDA graphs need a CUDA device"):
        train_config(device="cpu")
    monkeypatch.setenv(engine.GRAPH_ENV, "yes")
    with pytest.raises(ValueError, match="NODEWISE_CUDA_GRAPH: expected 1 or 0, got 'yes'"):
        train_config(device="cuda")
