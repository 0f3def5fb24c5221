"""The engine on a CUDA device trains the same networks as on the CPU (skipped where no GPU is present)."""

import pytest
import torch

from lib.models import cnn1d, mlp
from lib.seed import generator
from lib.train import train, train_config, train_data

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


def toy_data(d_in: int, classes: int, n: int = 70):
    """Random inputs and labels on the CPU: x (n, d_in) float32, y (n,) int64."""
    gen = generator(0)
    return torch.randn(n, d_in, generator=gen), torch.randint(0, classes, (n,), generator=gen)


def trained(net, x, y, device: str, optimizer: str):
    """Three members trained for 60 steps (SGD or Adam, CE and MSE mixed) with early stopping evaluated."""
    cfg = train_config(optimizer=optimizer, lr=[0.05, 0.01, 0.02] if optimizer == "sgd" else [1e-3, 3e-3, 1e-2],
                       loss=("ce", "mse", "ce"), batch_size=16, max_epochs=12, patience=3, seed=7, device=device)
    return train(net, train_data(x, y, x, y), cfg)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_cuda_training_matches_cpu(kind, optimizer):
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    x, y = toy_data(24, 6)
    build = (lambda: mlp(3, [24, 16, 12, 6], bias="first", seed=3)) if kind == "mlp" else \
        (lambda: cnn1d(3, length=24, kernels=(5, 3), classes=6, seed=3))
    on_cpu, on_gpu = trained(build(), x, y, "cpu", optimizer), trained(build(), x, y, "cuda", optimizer)
    assert next(on_gpu.net.parameters()).device.type == "cuda"
    for got, want in zip(on_gpu.net.parameters(), on_cpu.net.parameters()):
        torch.testing.assert_close(got.cpu(), want, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(on_gpu.history.val_loss.cpu(), on_cpu.history.val_loss, atol=1e-4, rtol=1e-4)


def test_memorising_run_on_cuda_keeps_its_snapshot():
    from lib.studies.memorisation.training import EvalSet, load_snapshot, member_scores, train_to_memorise

    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(40, 10, generator=gen), torch.randint(0, 5, (40,), generator=gen)
    cfg = train_config("adam", lr=0.01, batch_size=10, max_epochs=300, eval_every=None, restore_best=False,
                       device="cuda", seed=2)
    net = mlp(2, [10, 64, 64, 5], init="glorot", seed=1)
    record = train_to_memorise(net, train_data(x, y, x, y), EvalSet(x, y), cfg)
    assert (record["train_acc"].max(0).values == 1.0).all()
    load_snapshot(net, record["at_memorised"])
    accuracy, _ = member_scores(net, EvalSet(x, y))
    assert (accuracy == 1.0).all()  # the snapshot holds the trained GPU weights, not the initial CPU ones
