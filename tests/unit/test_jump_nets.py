"""lib.jump_nets: shapes, cached training, predictions and weight read-outs on tiny data."""

import numpy as np
import pytest
import torch

from lib import data, train
from lib.jump_nets import (
    SHAPES,
    build,
    conv_filters,
    cosine_similarity,
    filter_type,
    layer_outputs,
    output_column,
    predicted_positions,
    probabilities,
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
    net, history = train_shape(SHAPES[1], [0, 1], splits, ident, cfg)
    again, history2 = train_shape(SHAPES[1], [0, 1], splits, ident, cfg)
    assert len(list((tmp_path / "models").glob("*.pt"))) == 1
    assert torch.equal(history.val_loss, history2.val_loss)
    assert np.array_equal(probabilities(net, splits.test.x), probabilities(again, splits.test.x))
    positions = predicted_positions(net, splits.test.x)
    assert positions.shape == (2, 60) and positions.min() >= 21 and positions.max() <= 80
    outs = layer_outputs(net, splits.test.x)
    assert [o.shape for o in outs] == [(2, 60, 100), (2, 60, 60)]
