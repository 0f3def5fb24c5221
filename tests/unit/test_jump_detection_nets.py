"""lib.studies.jump_detection.nets: shapes, cached training, predictions and weight read-outs on tiny data."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lib import data, models, train
from lib.data import as_tensors
from lib.jump_errors import predicted_positions, probabilities
from lib.studies.jump_detection.nets import (
    SHAPES,
    active_fraction,
    build,
    conv_filters,
    cosine_similarity,
    filter_type,
    layer_outputs,
    output_column,
    plateau_length,
    train_shape,
)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_shapes_build_with_the_thesis_layer_sizes(shape):
    net = build(shape, [0, 1])
    assert net.k == 2 and net(torch.zeros(3, 100)).shape == (2, 3, 60)
    assert len(net.layers) == len(shape.layers) + 1


def test_conv_filters_are_in_convolution_orientation():
    net = build(SHAPES[4], [0])
    x = np.random.default_rng(0).normal(size=100).astype(np.float32)
    w = conv_filters(net)[0][0]
    pre = net.activations(torch.from_numpy(x)[None]).pre[0][0, 0].detach().numpy()
    bias = float(net.layers[0].bias[0, 0, 0].detach())
    assert np.allclose(pre, np.convolve(x, w, mode="same") + bias, atol=1e-5)


def test_filter_type_by_signs():
    assert filter_type([0.2, 0.5, 0.9, 0.4]) == "smoothing"
    assert filter_type([-0.2, -0.5, -0.1]) == "smoothing"
    assert filter_type([0.5, 0.4, 0.3, -0.9]) == "derivative"
    assert filter_type([0.5, 0.4, 0.3, -0.01]) == "smoothing"  # below 10 % of the largest: no sign
    assert filter_type([0.5, 0.4, 0.3, -0.01], tolerance=0.0) == "derivative"


def test_output_column_removes_the_softmax_gauge_and_cosine():
    net = build(SHAPES[0], [0])
    with torch.no_grad():
        before = output_column(net, 0, 50)
        net.layers[0].weight[0] += torch.randn(100, 1)  # the same vector added to every column
    assert np.allclose(output_column(net, 0, 50), before, atol=1e-5)
    assert cosine_similarity(np.array([1.0, 0]), np.array([1.0, 1])) == pytest.approx(2 ** -0.5)


def test_train_shape_trains_once_then_loads_from_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    splits = data.jump_splits(120, 60, 60, seed=0, sigma=0.5)
    cfg = train.train_config(max_epochs=2, seed=0, device="cpu")
    ident = {"n": [120, 60, 60], "seed": 0, "sigma": 0.5}
    net, history, curve = train_shape(SHAPES[1], [0, 1], splits, ident, cfg)
    again, history2, curve2 = train_shape(SHAPES[1], [0, 1], splits, ident, cfg)
    assert len(list((tmp_path / "models").glob("*.pt"))) == 1
    assert torch.equal(history.val_loss, history2.val_loss) and np.array_equal(curve.error, curve2.error)
    assert np.array_equal(probabilities(net, splits.test.x), probabilities(again, splits.test.x))
    positions = predicted_positions(net, splits.test.x)
    assert positions.shape == (2, 60) and positions.min() >= 21 and positions.max() <= 80
    outs = layer_outputs(net, splits.test.x)
    assert [o.shape for o in outs] == [(2, 60, 100), (2, 60, 60)]


def test_training_curve_is_the_training_set_loss_and_error_after_each_epoch(tmp_path, monkeypatch):
    """Row 0 is the untrained network; the row of the best epoch is the restored network, evaluated directly."""
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    splits = data.jump_splits(150, 60, 60, seed=1, sigma=0.5)
    cfg = train.train_config(lr=0.05, batch_size=40, max_epochs=4, patience=None, seed=0, device="cpu")
    net, history, curve = train_shape(SHAPES[0], [0, 1, 2], splits, {"seed": 1}, cfg)
    x, y = as_tensors(splits.train)
    assert curve.epoch.tolist() == [0, 1, 2, 3, 4] and curve.loss.shape == curve.error.shape == (5, 3)
    fresh_loss, fresh_error = train.evaluate(build(SHAPES[0], [0, 1, 2]), x, y, "ce")
    assert np.allclose(curve.loss[0], fresh_loss.numpy(), atol=1e-6)
    assert np.allclose(curve.error[0], fresh_error.numpy())
    loss, error = train.evaluate(net, x, y, "ce")
    best = history.best_epoch.numpy()
    assert np.allclose(curve.loss[best, [0, 1, 2]], loss.numpy(), atol=1e-5)
    assert np.allclose(curve.error[best, [0, 1, 2]], error.numpy())


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_active_fraction_against_a_loop_and_a_dead_filter(activation):
    net = build(SHAPES[5], [0, 1], conv_activation=activation)
    x = data.jump_signals(20, seed=0, sigma=1.0).x
    with torch.no_grad():
        net.layers[0].bias[1] = -100.0  # member 1's first filter is negative everywhere
    got = active_fraction(net, x)
    assert got.shape == (2, 2) and got[1, 0] == 0.0 and got[0, 0] > 0.0
    f = torch.relu if activation == "relu" else (lambda z: z)
    for k in range(2):
        h = torch.from_numpy(x)
        for layer_index, layer in enumerate(net.layers[:-1]):
            pre = layer.to_plain(k)(h[:, None])[:, 0]
            assert got[k, layer_index] == pytest.approx(float((pre > 0).float().mean()))
            h = f(pre)
    assert active_fraction(build(SHAPES[0], [0]), x).shape == (1, 0)


def test_plateau_length_counts_evaluations_before_the_loss_first_drops_below_the_level():
    val_loss = np.array([[4.1, 4.1, 4.1], [4.0, 3.0, 4.1], [3.5, 2.0, 4.1], [3.9, 1.0, 4.1]])  # (V=4, K=3)
    assert plateau_length(val_loss, 3.7).tolist() == [2, 1, 4]
    reference = [next((v for v in range(4) if val_loss[v, k] < 3.7), 4) for k in range(3)]
    assert plateau_length(val_loss, 3.7).tolist() == reference


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_conv_activation_against_a_plain_loop_and_the_member_view(activation):
    net = build(SHAPES[6], [0, 1], conv_activation=activation)
    x = torch.from_numpy(data.jump_signals(7, seed=1, sigma=1.0).x)
    f = torch.relu if activation == "relu" else (lambda z: z)
    with torch.no_grad():
        logits = net(x)  # (K, B, 60)
        for k in range(2):
            h = x
            for layer in net.layers[:-1]:
                h = f(layer.to_plain(k)(h[:, None])[:, 0])
            expected = net.layers[-1].to_plain(k)(h)
            assert torch.allclose(logits[k], expected, atol=1e-5)
            assert torch.allclose(net.member(k)(x), expected, atol=1e-5)


def test_unknown_conv_activation_is_refused():
    with pytest.raises(ValueError, match="conv_activation"):
        build(SHAPES[4], [0], conv_activation="tanh")


@pytest.mark.parametrize("length", [1, 4, 5, 9])
def test_stacked_conv_matches_torch_conv1d_with_same_padding_in_value_and_gradient(length):
    net = models.cnn1d(3, length=20, kernels=(length,), classes=4, seed=[0, 1, 2], activation="linear")
    layer = net.layers[0]
    x = torch.randn(3, 6, 20, generator=torch.Generator().manual_seed(0))
    z = layer(x)
    expected = F.conv1d(x.transpose(0, 1), layer.weight, layer.bias.view(3), padding="same", groups=3).transpose(0, 1)
    assert torch.allclose(z, expected, atol=1e-5)
    grads = torch.autograd.grad(z.square().sum(), [layer.weight, layer.bias])
    reference = torch.autograd.grad(expected.square().sum(), [layer.weight, layer.bias])
    for got, want in zip(grads, reference):
        assert torch.allclose(got, want, rtol=1e-4, atol=1e-4)


def test_cnn1d_linear_keeps_relu_nets_arch_and_refuses_unknown_activations():
    assert "activation" not in models.cnn1d(1, kernels=(5,)).arch  # ReLU nets keep the arch they had
    linear = models.cnn1d(1, kernels=(5,), activation="linear")
    assert linear.arch["activation"] == "linear" and linear.f(torch.tensor([-2.0])).item() == -2.0
    with pytest.raises(ValueError, match="activation"):
        models.cnn1d(1, kernels=(5,), activation="tanh")
