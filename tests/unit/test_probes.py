"""lib.probes against slow, obviously-correct references (Python loops, plain floats) and invariants."""

import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import probes

SETTINGS = settings(max_examples=25, deadline=None)


# ---------------------------------------------------------------- random data with the edge cases


def make_data(seed, n, nodes, n_classes, lead=(), empty_class=False, dead=True, always_on=True):
    """ReLU-like activations (lead..., n, nodes) with dead / always-on columns, labels (n,)."""
    rng = np.random.default_rng(seed)
    a = np.maximum(rng.normal(size=(*lead, n, nodes)), 0.0)
    if dead and nodes > 1:
        a[..., :, 0] = 0.0
    if always_on and nodes > 2:
        a[..., :, 1] = np.abs(a[..., :, 1]) + 0.1
    labels = rng.integers(0, n_classes, size=n)
    if empty_class and n_classes > 1:
        labels[labels == n_classes - 1] = 0
    return torch.tensor(a, dtype=torch.float32), torch.tensor(labels)


def slices(a):
    """Yield (index, 2-D numpy slice) over the leading dims of a."""
    arr = a.numpy().astype(np.float64)
    for idx in np.ndindex(*arr.shape[:-2]):
        yield idx, arr[idx]


data_args = st.tuples(
    st.integers(0, 2**31 - 1),  # seed
    st.integers(1, 30),  # N
    st.integers(1, 6),  # nodes
    st.integers(2, 5),  # C
    st.booleans(),  # empty class
)


# ---------------------------------------------------------------- references (H&D)


def ref_sizes(a2, y, n_classes):
    n, nodes = a2.shape
    out = np.zeros((n_classes, nodes))
    for c in range(n_classes):
        for i in range(nodes):
            out[c, i] = sum(1 for s in range(n) if y[s] == c and a2[s, i] > 0)
    return out


def ref_entropy_metrics(a2, y, n_classes):
    """(f_i, f_l, p_i, u_i, p_l, u_l) computed from H&D eq. 9-17 with plain floats."""
    n, nodes = a2.shape
    sizes = ref_sizes(a2, y, n_classes)
    s_c = [sum(1 for s in range(n) if y[s] == c) for c in range(n_classes)]
    f_i, p_i, u_i = [], [], []
    for i in range(nodes):
        f_i.append(np.mean([sizes[c, i] / s_c[c] for c in range(n_classes) if s_c[c] > 0]))
        total_on = sum(sizes[:, i])
        if total_on == 0 or total_on == n:
            p_i.append(math.nan)
            u_i.append(math.nan)
            continue
        e = {
            (z, c): ((s_c[c] - sizes[c, i]) if z == 0 else sizes[c, i]) / n
            for z in (0, 1)
            for c in range(n_classes)
        }
        sp = su = 0.0
        for c in range(n_classes):
            for z in (0, 1):
                if e[z, c] > 0:
                    sp += e[z, c] * math.log(e[z, c] / (e[0, c] + e[1, c]))
                    su += e[z, c] * math.log(e[z, c] / sum(e[z, x] for x in range(n_classes)))
        p_i.append(1 + sp / math.log(2))
        u_i.append(1 + su / math.log(n_classes))
    live = [i for i in range(nodes) if sizes[:, i].sum() != 0]
    f_l = np.mean([f_i[i] for i in live]) if live else math.nan
    defined = [i for i in range(nodes) if not math.isnan(p_i[i])]
    p_l = np.mean([p_i[i] for i in defined]) if defined else math.nan
    u_l = np.mean([u_i[i] for i in defined]) if defined else math.nan
    return np.array(f_i), f_l, np.array(p_i), np.array(u_i), p_l, u_l


def assert_close(actual, expected, atol=1e-9, rtol=1e-9):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64), expected, atol=atol, rtol=rtol, equal_nan=True
    )


# ---------------------------------------------------------------- sample sets, fractions, entropies


@SETTINGS
@given(data_args)
def test_sample_set_sizes_match_loops(args):
    seed, n, nodes, n_classes, empty = args
    a, y = make_data(seed, n, nodes, n_classes, lead=(2,), empty_class=empty)
    sizes = probes.sample_set_sizes(a, y, n_classes)
    assert sizes.shape == (2, n_classes, nodes)
    for idx, a2 in slices(a):
        assert_close(sizes[idx], ref_sizes(a2, y.numpy(), n_classes))


@SETTINGS
@given(data_args)
def test_activation_fraction_predictability_informativeness_match_reference(args):
    seed, n, nodes, n_classes, empty = args
    a, y = make_data(seed, n, nodes, n_classes, lead=(2, 1), empty_class=empty)
    f_i = probes.activation_fraction(a, y, n_classes)
    f_l = probes.layer_activation_fraction(a, y, n_classes)
    p_i = probes.predictability(a, y, n_classes)
    u_i = probes.informativeness(a, y, n_classes)
    p_l = probes.layer_predictability(a, y, n_classes)
    u_l = probes.layer_informativeness(a, y, n_classes)
    assert f_i.shape == p_i.shape == u_i.shape == (2, 1, nodes)
    assert f_l.shape == p_l.shape == u_l.shape == (2, 1)
    for idx, a2 in slices(a):
        ref = ref_entropy_metrics(a2, y.numpy(), n_classes)
        for got, want in zip((f_i, f_l, p_i, u_i, p_l, u_l), ref, strict=True):
            assert_close(got[idx], want)


def test_class_activation_fraction_is_nan_for_empty_class():
    a, y = make_data(0, 20, 4, 3, empty_class=True)
    f_c = probes.class_activation_fraction(a, y, 3)
    assert torch.isnan(f_c[2]).all() and not torch.isnan(f_c[:2]).any()


def test_dead_and_always_on_nodes_are_undefined_not_zero():
    a = torch.tensor([[0.0, 1.0, 0.5], [0.0, 2.0, 0.0], [0.0, 0.3, 0.2], [0.0, 1.0, 0.0]])  # dead, on, mixed
    y = torch.tensor([0, 0, 1, 1])
    p = probes.predictability(a, y, 2)
    u = probes.informativeness(a, y, 2)
    assert torch.isnan(p[:2]).all() and torch.isnan(u[:2]).all()
    assert not torch.isnan(p[2]) and not torch.isnan(u[2])
    assert probes.live_nodes(a).tolist() == [False, True, True]
    assert probes.defined_nodes(a).tolist() == [False, False, True]
    # eq. 16: the dead node is left out; eq. 17: only the mixed node counts
    assert probes.layer_activation_fraction(a, y, 2).item() == pytest.approx((1.0 + 0.5) / 2)
    assert probes.layer_predictability(a, y, 2).item() == pytest.approx(p[2].item())
    all_dead = torch.zeros(4, 3)
    assert torch.isnan(probes.layer_activation_fraction(all_dead, y, 2))
    assert torch.isnan(probes.layer_predictability(all_dead, y, 2))


def test_perfectly_class_sensitive_node():
    # node on exactly for class 0: Ẑ is determined by Y (p = 1); Y given Ẑ=1 is certain, given Ẑ=0 uniform on 2 classes
    y = torch.tensor([0, 0, 1, 1, 2, 2])
    a = (y == 0).to(torch.float32)[:, None]
    assert probes.predictability(a, y, 3).item() == pytest.approx(1.0)
    expected_u = 1 - (4 / 6) * math.log(2) / math.log(3)
    assert probes.informativeness(a, y, 3).item() == pytest.approx(expected_u)


@SETTINGS
@given(data_args)
def test_entropy_metric_ranges(args):
    seed, n, nodes, n_classes, empty = args
    a, y = make_data(seed, n, nodes, n_classes, empty_class=empty)
    f = probes.activation_fraction(a, y, n_classes)
    assert ((f >= 0) & (f <= 1)).all()
    p = probes.predictability(a, y, n_classes)
    u = probes.informativeness(a, y, n_classes)
    p, u = p[~torch.isnan(p)], u[~torch.isnan(u)]
    eps = 1e-12
    assert ((p >= -eps) & (p <= 1 + eps)).all()
    # u in [0, 1]; and H(Y|Ẑ) >= H(Y) - log 2 bounds it by 1 - (H(Y) - log 2)/log|C| (= log 2/log|C| if balanced)
    freq = torch.bincount(y, minlength=n_classes).double() / n
    h_y = -(torch.xlogy(freq, freq)).sum().item()
    assert ((u >= -eps) & (u <= 1 - (h_y - math.log(2)) / math.log(n_classes) + eps)).all()


def test_informativeness_maximum_for_balanced_classes():
    # 10 balanced classes, node on for 5 of them: H(Y|Ẑ) = log 5, u = log 2 / log 10 (H&D §5.3)
    y = torch.arange(10).repeat(3)
    a = (y < 5).to(torch.float32)[:, None]
    assert probes.informativeness(a, y, 10).item() == pytest.approx(math.log(2) / math.log(10))


def test_single_node_layer_and_float64_output():
    a, y = make_data(3, 12, 1, 3, dead=False, always_on=False)
    for fn in (probes.activation_fraction, probes.predictability, probes.informativeness):
        out = fn(a, y, 3)
        assert out.shape == (1,) and out.dtype == torch.float64


# ---------------------------------------------------------------- layer perplexity


def ref_perplexity(a2, y, n_classes):
    out = []
    for c in range(n_classes):
        patterns = [tuple(a2[s] > 0) for s in range(len(y)) if y[s] == c]
        if not patterns:
            out.append(math.nan)
            continue
        counts = {}
        for p in patterns:
            counts[p] = counts.get(p, 0) + 1
        h = -sum(k / len(patterns) * math.log(k / len(patterns)) for k in counts.values())
        out.append(math.exp(h))
    return np.array(out)


@SETTINGS
@given(data_args)
def test_class_layer_perplexity_matches_reference(args):
    seed, n, nodes, n_classes, empty = args
    a, y = make_data(seed, n, nodes, n_classes, lead=(3,), empty_class=empty)
    got = probes.class_layer_perplexity(a, y, n_classes)
    assert got.shape == (3, n_classes)
    for idx, a2 in slices(a):
        want = ref_perplexity(a2, y.numpy(), n_classes)
        assert_close(got[idx], want)
        assert_close(probes.layer_perplexity(a, y, n_classes)[idx], np.nanmean(want))
        n_c = np.bincount(y.numpy(), minlength=n_classes)
        ok = ~np.isnan(want)
        assert (want[ok] >= 1 - 1e-12).all() and (want[ok] <= np.minimum(n_c[ok], 2**nodes) + 1e-9).all()


def test_perplexity_wide_layers_pack_bits_exactly():
    # 130 nodes spans three 62-bit words; patterns that differ only in the last bit must stay distinct
    base = torch.zeros(4, 130)
    base[1, 129] = 1.0
    base[2, 61] = 1.0
    base[3, 62] = 1.0
    y = torch.zeros(4, dtype=torch.long)
    assert probes.class_layer_perplexity(base, y, 1).item() == pytest.approx(4.0)
    assert probes.class_layer_perplexity(base[[0, 0, 1, 1]], y, 1).item() == pytest.approx(2.0)


# ---------------------------------------------------------------- class-averaged activations, deviations


@SETTINGS
@given(data_args)
def test_class_averaged_activations_and_level(args):
    seed, n, nodes, n_classes, empty = args
    a, y = make_data(seed, n, nodes, n_classes, lead=(2,), empty_class=empty)
    means = probes.class_averaged_activations(a, y, n_classes)
    level = probes.activation_level(a, y, n_classes)
    yl = y.tolist()
    for idx, a2 in slices(a):
        rows, per_class_l1 = [], []
        for c in range(n_classes):
            members = [a2[s] for s in range(n) if yl[s] == c]
            rows.append(np.mean(members, axis=0) if members else np.full(nodes, np.nan))
            if members:
                per_class_l1.append(np.mean([np.abs(m).sum() for m in members]))
        assert_close(means[idx], np.array(rows))
        assert_close(level[idx], np.mean(per_class_l1))


def ref_distance(x, z, metric):
    if metric in ("euclidean", "normalised_euclidean"):
        return math.sqrt(sum((xi - zi) ** 2 for xi, zi in zip(x, z, strict=True)))
    if metric == "correlation":
        x, z = x - np.mean(x), z - np.mean(z)
    nx, nz = math.sqrt(sum(v * v for v in x)), math.sqrt(sum(v * v for v in z))
    if nx == 0 or nz == 0:
        return math.nan
    return 1 - sum(xi * zi for xi, zi in zip(x, z, strict=True)) / (nx * nz)


def ref_inner(a2, y, n_classes, metric):
    per_class = []
    for c in range(n_classes):
        members = [a2[s] for s in range(len(y)) if y[s] == c]
        d = [
            ref_distance(members[i], members[j], metric)
            for i, j in itertools.combinations(range(len(members)), 2)
        ]
        d = [v for v in d if not math.isnan(v)]
        per_class.append(np.mean(d) if d else math.nan)
    per_class = np.array(per_class)
    if metric == "normalised_euclidean":
        per_class = per_class / ref_level(a2, y, n_classes)
    return per_class, np.nanmean(per_class) if not np.isnan(per_class).all() else math.nan


def ref_level(a2, y, n_classes):
    return np.mean(
        [
            np.mean([np.abs(a2[s]).sum() for s in range(len(y)) if y[s] == c])
            for c in range(n_classes)
            if (y == c).any()
        ]
    )


def ref_inter(a2, y, n_classes, metric, pairs):
    means = [
        np.mean([a2[s] for s in range(len(y)) if y[s] == c], axis=0) if (y == c).any() else None
        for c in range(n_classes)
    ]
    if pairs == "all":
        pair_list = list(itertools.combinations(range(n_classes), 2))
    else:
        pair_list = [(c, c + 1) for c in range(n_classes - 1)]
    d = []
    for c, k in pair_list:
        d.append(
            math.nan if means[c] is None or means[k] is None else ref_distance(means[c], means[k], metric)
        )
    d = np.array(d)
    if metric == "normalised_euclidean":
        d = d / ref_level(a2, y, n_classes)
    return d, np.nanmean(d) if not np.isnan(d).all() else math.nan


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("metric", probes.METRICS)
@SETTINGS
@given(args=data_args, pairs=st.sampled_from(["all", "adjacent"]))
def test_deviations_match_pair_loops(metric, args, pairs):
    seed, n, nodes, n_classes, empty = args
    a, y = make_data(seed, n, nodes, n_classes, lead=(2,), empty_class=empty)
    if seed % 3 == 0:
        a[:, 0] = 0.0  # an all-zero activation vector (cosine undefined) and a constant one (correlation)
        a[:, min(1, n - 1)] = 1.0
    inner = probes.inner_class_deviation(a, y, n_classes, metric)
    inter = probes.inter_class_deviation(a, y, n_classes, metric, pairs)
    assert inner.per_item.shape == (2, n_classes) and inner.mean.shape == (2,)
    yn = y.numpy()
    for idx, a2 in slices(a):
        per_class, mean = ref_inner(a2, yn, n_classes, metric)
        assert_close(inner.per_item[idx], per_class, atol=1e-7, rtol=1e-7)
        assert_close(inner.mean[idx], mean, atol=1e-7, rtol=1e-7)
        per_pair, mean = ref_inter(a2, yn, n_classes, metric, pairs)
        assert_close(inter.per_item[idx], per_pair, atol=1e-9)
        assert_close(inter.mean[idx], mean, atol=1e-9)


def test_inner_euclidean_chunking_is_exact(monkeypatch):
    a, y = make_data(5, 60, 7, 2, lead=(2,))
    whole = probes.inner_class_deviation(a, y, 2).per_item
    monkeypatch.setattr(probes, "_CHUNK_ELEMENTS", 50)  # one row per block
    chunked = probes.inner_class_deviation(a, y, 2).per_item
    assert_close(chunked, whole.numpy(), atol=1e-12)
    for idx, a2 in slices(a):
        assert_close(chunked[idx], ref_inner(a2, y.numpy(), 2, "euclidean")[0], atol=1e-9)


def test_inter_class_pairs_for_mnist():
    assert probes.class_pairs(10, "all").shape == (45, 2)
    assert probes.class_pairs(60, "adjacent").shape == (59, 2)
    with pytest.raises(ValueError):
        probes.class_pairs(3, "some")
    with pytest.raises(ValueError):
        probes.inner_class_deviation(torch.ones(4, 2), torch.zeros(4, dtype=torch.long), 1, "manhattan")


def test_deviation_ranges_and_invariance():
    a, y = make_data(7, 40, 9, 3, dead=False, always_on=False)
    a = a.double()
    for metric in ("cosine", "correlation"):
        dev = probes.inner_class_deviation(a, y, 3, metric)
        assert ((dev.per_item >= -1e-12) & (dev.per_item <= 2 + 1e-12)).all()
    # normalised Euclidean and cosine do not change when all activations are scaled
    for metric in ("normalised_euclidean", "cosine", "correlation"):
        for fn in (probes.inner_class_deviation, probes.inter_class_deviation):
            assert_close(fn(3 * a, y, 3, metric).mean, fn(a, y, 3, metric).mean.numpy(), atol=1e-9)


# ---------------------------------------------------------------- Davel 2020: gaps and ratios


def random_summary(seed, n=40, n_classes=5, zeros=True):
    rng = np.random.default_rng(seed)
    w_out = rng.normal(size=(2, n_classes))
    a = np.maximum(rng.normal(0.3, 1.0, size=(n, 2)), 0.0)
    if zeros:
        a[:3, 1] = 0.0  # a_B = 0 with a_A > 0 (eq. 13)
        a[3, 1] = 0.0
        a[3, 0] = 0.0  # both zero: all outputs equal
        a[:3, 0] = rng.uniform(0.5, 1.0, size=3)
    y = rng.integers(0, n_classes, size=n)
    return torch.tensor(a), torch.tensor(y), torch.tensor(w_out)


def strictly_correct(a, y, w_out):
    """Reference: z_{c_i} > z_{c_m} for all m != c_i, with z_c = a_A w_{cA} + a_B w_{cB} (plain floats)."""
    out = []
    for s in range(a.shape[0]):
        z = [a[s, 0] * w_out[0, c] + a[s, 1] * w_out[1, c] for c in range(w_out.shape[1])]
        out.append(all(z[y[s]] > z[m] for m in range(len(z)) if m != y[s]))
    return np.array(out)


@SETTINGS
@given(st.integers(0, 2**31 - 1), st.integers(2, 10))
def test_gaps_and_ratios_match_definitions(seed, n_classes):
    a, y, w_out = random_summary(seed, n_classes=n_classes)
    w = w_out.numpy()
    phi = probes.weight_gaps(w_out)
    ratio = probes.phi_ratio(w_out)
    prod = probes.weight_gap_product(w_out)
    for s, t in itertools.product(range(n_classes), repeat=2):
        assert phi[0, s, t].item() == pytest.approx(w[0, s] - w[0, t])
        assert phi[1, s, t].item() == pytest.approx(w[1, s] - w[1, t])
        if s == t:
            assert math.isnan(ratio[s, t].item())
            continue
        assert ratio[s, t].item() == pytest.approx((w[1, t] - w[1, s]) / (w[0, s] - w[0, t]))
        assert ratio[s, t].item() == pytest.approx(ratio[t, s].item())  # symmetric (appendix A.1)
        assert prod[s, t].item() == pytest.approx((w[0, s] - w[0, t]) * (w[1, t] - w[1, s]))
    an = a.numpy()
    alpha = probes.alpha_ratio(a)
    for i in range(a.shape[0]):
        want = an[i, 0] / an[i, 1] if an[i, 1] != 0 else math.nan
        assert_close(alpha[i], want)
    s_idx, t_idx = torch.tensor([0, 5, 7]), torch.tensor([1, 2, 7])
    gaps = probes.activation_gaps(a, s_idx, t_idx)
    products = probes.gap_products(a, y, w_out, s_idx, t_idx)
    for p, (s, t) in enumerate(zip(s_idx.tolist(), t_idx.tolist(), strict=True)):
        assert gaps[p].tolist() == pytest.approx([an[s, 0] - an[t, 0], an[s, 1] - an[t, 1]])
        cs, ct = int(y[s]), int(y[t])
        assert products[p].tolist() == pytest.approx(
            [(an[s, 0] - an[t, 0]) * (w[0, cs] - w[0, ct]), (an[s, 1] - an[t, 1]) * (w[1, ct] - w[1, cs])]
        )
    hidden = torch.tensor(np.random.default_rng(seed).normal(size=(7, 2)))
    assert probes.node_ratio(hidden).tolist() == pytest.approx((hidden[:, 0] / hidden[:, 1]).tolist())


@SETTINGS
@given(st.integers(0, 2**31 - 1), st.integers(2, 10))
def test_ratio_conditions_iff_correct_classification(seed, n_classes):
    a, y, w_out = random_summary(seed, n=60, n_classes=n_classes)
    predicted = probes.ratio_conditions(a, y, w_out).numpy()
    assert (predicted == strictly_correct(a.numpy(), y.numpy(), w_out.numpy())).all()
    # against the network's argmax, wherever the logits are not all equal (a_A = a_B = 0)
    z = a @ w_out
    nonzero = (a != 0).any(dim=1).numpy()
    argmax_correct = (z.argmax(dim=1) == y).numpy()
    assert (predicted[nonzero] == argmax_correct[nonzero]).all()
    assert not predicted[~nonzero].any()
    # per class, correctly classified samples with a_B > 0 lie inside the allowed interval (Fig. 6)
    low, high = probes.allowed_alpha_ratio_range(w_out)
    alpha = probes.alpha_ratio(a)
    inside = (alpha > low[y]) & (alpha < high[y])
    assert (inside.numpy() | ~predicted | (a[:, 1] == 0).numpy()).all()


def test_ratio_conditions_with_equal_weights_outside_eq_11():
    # integer weights with φ_A = 0 for classes 0 and 1: ties decided by φ_B (exact integer arithmetic)
    w_out = torch.tensor([[1.0, 1.0, 3.0, -2.0], [2.0, -1.0, 0.0, 5.0]])
    grid = torch.tensor(list(itertools.product(range(4), repeat=2)), dtype=torch.float64)  # (16, 2)
    a = grid.repeat_interleave(4, dim=0)
    y = torch.arange(4).repeat(16)
    predicted = probes.ratio_conditions(a, y, w_out).numpy()
    assert (predicted == strictly_correct(a.numpy(), y.numpy(), w_out.numpy())).all()


def test_ratio_conditions_with_leading_dims():
    a, y, w_out = random_summary(11, n=30, n_classes=4)
    a2, w2 = torch.stack([a, a.flip(0)]), torch.stack([w_out, -w_out])
    got = probes.ratio_conditions(a2, y, w2)
    assert got.shape == (2, 30)
    assert (got[0] == probes.ratio_conditions(a, y, w_out)).all()
    assert (got[1] == probes.ratio_conditions(a.flip(0), y, -w_out)).all()


# ---------------------------------------------------------------- weight normalisation


def mlp_forward(x, weights, biases):
    h = x
    for layer, w in enumerate(weights):
        h = h @ w
        if biases[layer] is not None:
            h = h + biases[layer]
        if layer < len(weights) - 1:
            h = torch.relu(h)
    return h


@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("sizes", [(8, 6, 2, 5), (5, 1, 3), (4, 7, 7, 7, 3)])
def test_weight_normalisation_preserves_outputs(sizes, with_bias):
    g = torch.Generator().manual_seed(sum(sizes) + with_bias)
    weights = [torch.randn(k, m, generator=g, dtype=torch.float64) * 3 for k, m in itertools.pairwise(sizes)]
    biases = [torch.randn(sizes[1], generator=g, dtype=torch.float64) if with_bias else None]
    biases += [None] * (len(weights) - 1)
    x = torch.randn(50, sizes[0], generator=g, dtype=torch.float64)
    originals = [w.clone() for w in weights]
    new_w, new_b = probes.normalise_weights(weights, biases)
    assert all(torch.equal(w, o) for w, o in zip(weights, originals, strict=True))  # inputs untouched
    before, after = mlp_forward(x, weights, biases), mlp_forward(x, new_w, new_b)
    assert (after - before).abs().max() <= 1e-5 * before.abs().max()
    assert all(not torch.allclose(w, v) for w, v in zip(weights, new_w, strict=True))
    for layer in range(len(weights) - 1):  # every hidden node's fan-in vector (with its bias) has norm 1
        sq = (new_w[layer] ** 2).sum(dim=0)
        if new_b[layer] is not None:
            sq = sq + new_b[layer] ** 2
        assert_close(sq.sqrt(), np.ones(sizes[layer + 1]), atol=1e-12)


def test_weight_normalisation_matches_node_loop_and_stacked_dims():
    g = torch.Generator().manual_seed(0)
    weights = [
        torch.randn(3, 4, 5, generator=g),
        torch.randn(3, 5, 2, generator=g),
        torch.randn(3, 2, 10, generator=g),
    ]
    weights[0][:, :, 2] = 0.0  # a node with an all-zero fan-in vector is left unchanged
    biases = [torch.randn(3, 5, generator=g), None, None]
    new_w, new_b = probes.normalise_weights(weights, biases)
    for k in range(3):  # reference: one node at a time, plain floats
        w = [weights[layer][k].tolist() for layer in range(3)]
        b = biases[0][k].tolist()
        for layer in range(2):
            for j in range(len(w[layer][0])):
                col = [w[layer][i][j] for i in range(len(w[layer]))] + ([b[j]] if layer == 0 else [])
                norm = math.sqrt(sum(v * v for v in col)) or 1.0
                for i in range(len(w[layer])):
                    w[layer][i][j] /= norm
                if layer == 0:
                    b[j] /= norm
                w[layer + 1][j] = [v * norm for v in w[layer + 1][j]]
        for layer in range(3):
            assert_close(new_w[layer][k], np.array(w[layer]), atol=1e-5)
        assert_close(new_b[0][k], np.array(b), atol=1e-6)
    with pytest.raises(ValueError):
        probes.normalise_weights(weights, [None])


# ---------------------------------------------------------------- scale


def test_inner_euclidean_on_mnist_width_layers():
    # MNIST-width layer (784 nodes, 10 classes): finite, and equal to the loop reference on a few classes
    g = torch.Generator().manual_seed(1)
    a = torch.relu(torch.randn(2, 600, 784, generator=g))
    y = torch.arange(10).repeat(60)
    dev = probes.inner_class_deviation(a, y, 10)
    assert dev.per_item.shape == (2, 10) and torch.isfinite(dev.per_item).all()
    members = a[1, y == 3].double()
    want = torch.pdist(members).mean()  # torch's direct pairwise distances, unordered pairs
    assert dev.per_item[1, 3].item() == pytest.approx(want.item(), rel=1e-10)
