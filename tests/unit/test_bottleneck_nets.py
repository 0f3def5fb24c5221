"""lib.studies.bottleneck.nets: padded stacks equal the narrow networks, read-outs against loops."""

import numpy as np
import pytest
import torch

from lib import data, models, train
from lib.studies.bottleneck import embedding as moore_penrose
from lib.studies.bottleneck import nets as bn

MEMBERS = bn.Members((2, 3, 5), (0, 1))


def small_splits():
    return data.jump_splits(200, 100, 100, seed=3, sigma=1.0)


def as_data(splits):
    t = lambda s: (torch.from_numpy(s.x), torch.from_numpy(s.y))  # noqa: E731
    return train.train_data(*t(splits.train), *t(splits.val))


@pytest.mark.parametrize("deep", [False, True])
def test_padded_members_compute_the_narrow_networks(deep):
    net = bn.padded_bottlenecks(MEMBERS, deep)
    x = torch.from_numpy(small_splits().test.x)
    out = net(x)  # (K, N, 60)
    for m, (p, s) in enumerate(MEMBERS.pairs):
        plain = models.bottleneck(1, p, deep=deep, seed=s).member(0)
        assert torch.allclose(out[m], plain(x), atol=1e-5)


@pytest.mark.parametrize("deep", [False, True])
def test_padded_training_equals_training_each_narrow_network_alone(deep):
    """SGD through the engine: each member's live block follows the narrow net; padded entries stay exactly 0."""
    splits = small_splits()
    settings = dict(lr=0.05, batch_size=50, max_epochs=3, patience=None, eval_every=1, device="cpu")
    net = train.train(bn.padded_bottlenecks(MEMBERS, deep), as_data(splits),
                      bn.member_config(MEMBERS, **settings)).net
    hidden = bn.bottleneck_index(deep)
    for m, (p, s) in enumerate(MEMBERS.pairs):
        alone = train.train(models.bottleneck(1, p, deep=deep, seed=s), as_data(splits),
                            train.train_config(seed=s, **settings)).net
        for layer, narrow in zip(net.layers, alone.layers):
            w, b = bn.block(layer, m, *narrow.weight.shape[1:])
            assert torch.allclose(w, narrow.weight[0], atol=1e-5)
            assert torch.allclose(b, narrow.bias[0, 0], atol=1e-5)
        assert (net.layers[hidden].weight[m, :, p:] == 0).all() and (net.layers[hidden].bias[m, :, p:] == 0).all()
        assert (net.layers[hidden + 1].weight[m, p:] == 0).all()


def test_live_counts_against_a_loop():
    codes = torch.relu(torch.randn(6, 50, 5))
    codes[0, :, 1] = 0
    codes[3, :, 0] = 0
    live = bn.live_counts(codes, MEMBERS)
    expected = [sum(bool((codes[m, :, i] > 0).any()) for i in range(p)) for m, (p, _) in enumerate(MEMBERS.pairs)]
    assert live.tolist() == expected


def test_on_axis_fraction_and_class_error_against_loops():
    rng = np.random.default_rng(0)
    codes = np.maximum(rng.normal(size=(300, 2)), 0)
    labels = rng.integers(0, 7, 300)
    frac = bn.on_axis_fraction(codes, labels, 8)
    predicted, true = rng.integers(21, 81, 300), rng.integers(21, 81, 300)
    err = bn.class_l1_error(predicted, true, labels, 8)
    for c in range(7):
        rows = [i for i in range(300) if labels[i] == c]
        assert frac[c] == pytest.approx(np.mean([(codes[i] == 0).sum() == 1 for i in rows]))
        assert err[c] == pytest.approx(np.mean([abs(predicted[i] - true[i]) for i in rows]))
    assert frac[7] == 0 and err[7] == 0


def test_least_squares_output_is_eq_4_1():
    v = np.random.default_rng(1).random((60, 3))
    W, b = bn.least_squares_output(v, 60)
    reference = moore_penrose.least_squares_affine(v)
    assert np.allclose(W, reference.W) and np.allclose(b, reference.b)


def test_initialisation_arms():
    trained = bn.padded_bottlenecks(MEMBERS, deep=False)
    chosen = bn.Members((3,), (1,))
    net = bn.initialisation_arms(trained, MEMBERS, chosen, theta=3.0, redraw_seed=10)
    origin = MEMBERS.pairs.index((3, 1))
    for arm in (0, 1):
        first = bn.block(net.layers[0], arm, fan_out=3)[0]
        assert torch.equal(first, bn.block(trained.layers[0], origin, fan_out=3)[0])
    v = bn.exemplar_codes(trained, origin, 3, False, 3.0)  # (60, 3)
    logits = bn.exemplar_codes(net, 0, 3, False, 3.0) @ bn.block(net.layers[-1], 0, 3)[0].double().numpy()
    logits += bn.block(net.layers[-1], 0)[1].double().numpy()
    fit = moore_penrose.least_squares_fit(v, np.eye(60))
    assert np.allclose(logits, fit(v), atol=1e-5)
    fresh = models.bottleneck(1, 3, seed=11).layers[-1]
    assert torch.equal(bn.block(net.layers[-1], 1, 3)[0], fresh.weight[0])
    zero = bn.initialisation_arms(trained, MEMBERS, chosen, theta=3.0, redraw_seed=10, control="zero")
    assert torch.equal(bn.block(zero.layers[-1], 0, 3)[0], bn.block(net.layers[-1], 0, 3)[0])
    assert not bn.block(zero.layers[-1], 1)[0].any() and not bn.block(zero.layers[-1], 1)[1].any()
    with pytest.raises(ValueError):
        bn.initialisation_arms(trained, MEMBERS, chosen, theta=3.0, control="ones")


def test_steps_to_reach():
    loss, steps = np.array([3.0, 2.0, 1.5, 1.7]), np.array([10, 20, 30, 40])
    assert bn.steps_to_reach(loss, steps, 2.0) == 20
    assert np.isnan(bn.steps_to_reach(loss, steps, 1.0))


def test_active_and_origin_shares_against_loops():
    codes = torch.relu(torch.randn(len(MEMBERS.pairs), 50, max(MEMBERS.ps), generator=torch.Generator().manual_seed(0)))
    share, origin = bn.active_shares(codes, MEMBERS), bn.origin_share(codes, MEMBERS)
    for m, (p, _) in enumerate(MEMBERS.pairs):
        for node in range(max(MEMBERS.ps)):
            expected = sum(float(codes[m, n, node]) > 0 for n in range(50)) / 50 if node < p else None
            assert (np.isnan(share[m, node]) if expected is None else share[m, node] == pytest.approx(expected))
        at_origin = sum(all(float(codes[m, n, j]) == 0 for j in range(p)) for n in range(50))
        assert origin[m] == pytest.approx(at_origin / 50)
