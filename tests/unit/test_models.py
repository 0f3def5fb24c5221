"""Stacked networks: shapes, members as plain torch models, initialisation, bias placement, seeding."""

import math

import pytest
import torch
from torch import nn

from lib.models import bottleneck, cnn1d, mlp, summary_mlp
from lib.seed import generator, seed_everything


def test_mlp_shapes_and_hidden_layers():
    net = mlp(4, [30, 16, 8, 5], bias="all", seed=0)
    logits, hidden = net(torch.randn(4, 7, 30), return_hidden=True)
    assert logits.shape == (4, 7, 5) and [h.shape for h in hidden] == [(4, 7, 16), (4, 7, 8)]
    assert all((h >= 0).all() for h in hidden)
    assert [tuple(p.shape) for p in net.parameters()] == [(4, 30, 16), (4, 1, 16), (4, 16, 8), (4, 1, 8),
                                                          (4, 8, 5), (4, 1, 5)]


def test_shared_input_is_broadcast_to_every_member():
    net = mlp(3, [12, 6, 4], seed=0)
    x = torch.randn(5, 12)
    torch.testing.assert_close(net(x), net(x.expand(3, 5, 12)))


def test_activations_match_forward():
    net = mlp(2, [12, 6, 6, 4], seed=0)
    x = torch.randn(2, 9, 12)
    acts = net.activations(x)
    logits, hidden = net(x, return_hidden=True)
    torch.testing.assert_close(acts.logits, logits)
    for pre, post, h in zip(acts.pre, acts.post, hidden):
        torch.testing.assert_close(post, h)
        assert torch.equal(pre > 0, h > 0)


@pytest.mark.parametrize("build", [
    lambda: mlp(3, [20, 10, 10, 4], bias="first", seed=1),
    lambda: mlp(3, [20, 10, 10, 4], init="glorot", seed=1, activation="sigmoid"),
    lambda: summary_mlp(3, d_in=20, hidden=10, seed=1),
    lambda: bottleneck(3, p=2, deep=True, d_in=20, classes=6, seed=1),
    lambda: cnn1d(3, length=20, kernels=(5, 7, 9), classes=6, seed=1),
    lambda: cnn1d(3, length=20, kernels=(3,), classes=6, bias=False, init="he", seed=1),
])
def test_member_is_a_plain_model_with_the_same_outputs(build):
    net = build()
    x = torch.randn(8, 20)
    stacked = net(x)  # (K, B, C)
    for k in range(net.k):
        plain = net.member(k)
        assert isinstance(plain, nn.Sequential)
        torch.testing.assert_close(plain(x), stacked[k], atol=1e-6, rtol=1e-5)


def test_sigmoid_mlp_same_initial_weights_sigmoid_outputs():
    relu = mlp(2, [12, 6, 6, 4], init="glorot", seed=3)
    sigmoid = mlp(2, [12, 6, 6, 4], init="glorot", seed=3, activation="sigmoid")
    for a, b in zip(relu.parameters(), sigmoid.parameters()):
        assert torch.equal(a, b)
    assert "activation" not in relu.arch and sigmoid.arch["activation"] == "sigmoid"
    x = torch.randn(5, 12)
    acts = sigmoid.activations(x)
    for pre, post in zip(acts.pre, acts.post):
        torch.testing.assert_close(post, torch.sigmoid(pre))
    torch.testing.assert_close(acts.logits, sigmoid(x))
    assert isinstance(sigmoid.member(1)[1], nn.Sigmoid) and isinstance(relu.member(1)[1], nn.ReLU)


def test_load_member_writes_one_member_only():
    net, other = mlp(3, [10, 6, 4], seed=0), mlp(1, [10, 6, 4], seed=9)
    before = [p.clone() for p in net.parameters()]
    net.load_member(1, other.member(0))
    x = torch.randn(5, 10)
    torch.testing.assert_close(net(x)[1], other(x)[0])
    for old, new in zip(before, net.parameters()):
        assert torch.equal(old[[0, 2]], new[[0, 2]])


@pytest.mark.parametrize("bias, expected", [("all", [True, True, True]), ("first", [True, False, False]),
                                            ("none", [False, False, False])])
def test_bias_placement(bias, expected):
    net = mlp(2, [10, 8, 8, 3], bias=bias)
    assert [layer.bias is not None for layer in net.layers] == expected
    assert [m.bias is not None for m in net.member(0) if isinstance(m, nn.Linear)] == expected


def test_summary_mlp_is_davel_2020():
    net = summary_mlp(2, hidden=50)
    assert net.arch["sizes"] == [784, 50, 2, 10] and net.arch["bias"] == "first" and net.arch["init"] == "he"


def test_he_initialisation_statistics():
    weight = mlp(2, [1000, 500, 2], init="he", seed=0).layers[0].weight  # (K, 1000, 500)
    assert abs(weight.std().item() - math.sqrt(2 / 1000)) < 0.01 * math.sqrt(2 / 1000)
    assert abs(weight.mean().item()) < 1e-3


def test_glorot_initialisation_bounds_and_variance():
    net = mlp(2, [600, 400, 2], init="glorot", seed=0)
    bound = math.sqrt(6 / (600 + 400))
    weight = net.layers[0].weight
    assert weight.abs().max() <= bound and weight.abs().max() > 0.99 * bound
    assert abs(weight.var().item() - bound**2 / 3) < 0.02 * bound**2 / 3
    assert (net.layers[0].bias == 0).all()


def test_torch_initialisation_matches_nn_linear():
    net = mlp(2, [30, 20, 5], init="torch", seed=[4, 8])
    for k, seed in enumerate((4, 8)):
        torch.manual_seed(seed)
        reference = nn.Sequential(nn.Linear(30, 20), nn.ReLU(), nn.Linear(20, 5))
        for got, want in zip(net.member(k).parameters(), reference.parameters()):
            assert torch.equal(got, want)


def test_members_depend_on_their_seed_not_on_the_stack():
    stacked, alone = mlp(3, [10, 6, 4], seed=5), mlp(1, [10, 6, 4], seed=7)
    for a, b in zip(stacked.parameters(), alone.parameters()):
        assert torch.equal(a[2], b[0])
    assert not torch.equal(stacked.layers[0].weight[0], stacked.layers[0].weight[1])


def test_seed_everything_makes_torch_models_reproducible():
    weights = []
    for _ in range(2):
        seed_everything(123)
        weights.append(nn.Linear(8, 4).weight.detach().clone())
    assert torch.equal(*weights)
    assert torch.equal(torch.rand(3, generator=generator(5)), torch.rand(3, generator=generator(5)))


@pytest.mark.parametrize("call, name", [
    (lambda: mlp(2, [10, 3], bias="last"), "bias"), (lambda: mlp(2, [10, 3], init="lecun"), "init"),
    (lambda: mlp(2, [10]), "sizes"), (lambda: mlp(2, [10, 3], seed=[1, 2, 3]), "seed"),
    (lambda: mlp(2, [10, 3], activation="tanh"), "activation"),
    (lambda: cnn1d(2, kernels=()), "kernels"),
])
def test_builder_validation_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()
