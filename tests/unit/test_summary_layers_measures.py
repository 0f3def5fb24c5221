"""lib.studies.summary_layers (grid, states, network, theory, organisation) against slow loops on small random
networks and data."""

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from lib import probes, scoring
from lib.models import summary_mlp
from lib.studies.summary_layers import analysis, grid, network, organisation, states, theory


def random_weights(seed: int = 0, d_in: int = 6, hidden: int = 8, classes: int = 5) -> network.SummaryWeights:
    gen = torch.Generator().manual_seed(seed)
    draw = lambda *shape: torch.randn(*shape, generator=gen, dtype=torch.float64)  # noqa: E731
    return network.SummaryWeights(draw(d_in, hidden), draw(hidden), draw(hidden, 2), draw(2, classes))


def random_inputs(seed: int = 1, n: int = 300, d_in: int = 6, classes: int = 5):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, d_in, generator=gen, dtype=torch.float64), torch.randint(classes, (n,), generator=gen)


def test_lr_grid_and_members():
    assert grid.lr_grid(0.01, 1.0, 3) == (0.01, 0.1, 1.0)
    assert grid.lr_grid(0.05, 0.05, 4) == (0.05,)
    lrs, seeds = grid.grid_members((0.1, 0.2), (7, 8, 9))
    assert lrs == (0.1, 0.1, 0.1, 0.2, 0.2, 0.2) and seeds == (7, 8, 9, 7, 8, 9)


def test_select_member_picks_best_mean_lr_then_best_seed():
    val = np.array([0.90, 0.99, 0.95, 0.96, 0.10, 0.98])  # 3 lrs x 2 seeds: means 0.945, 0.955, 0.54
    assert grid.select_member(val, 3, 2) == (1, 3)


def test_member_weights_and_forward_match_the_stacked_net():
    net = summary_mlp(3, d_in=6, hidden=8, classes=5, seed=[4, 5, 6])
    x, _ = random_inputs()
    weights = network.member_weights(net, 1)
    out = network.forward(weights, x)
    expected = net.member(1).double()(x)
    assert torch.allclose(out.logits, expected, atol=1e-10)
    assert out.summary.shape == (300, 2) and out.hidden.shape == (300, 8)


def test_normalisation_and_rescaling_keep_the_outputs():
    weights, (x, _) = random_weights(), random_inputs()
    base = network.forward(weights, x).logits
    for changed in (weights.normalised(), weights.rescaled_node(3, 7.5)):
        assert torch.allclose(network.forward(changed, x).logits, base, atol=1e-10)
    assert not torch.allclose(weights.rescaled_node(3, 7.5).w2, weights.w2)
    again = weights.rescaled_node(3, 7.5).normalised()
    assert torch.allclose(again.w2, weights.normalised().w2) and torch.allclose(again.w3, weights.normalised().w3)


def test_strictly_correct_and_ties_against_a_loop():
    logits = torch.tensor([[1.0, 2.0, 0.0], [2.0, 2.0, 0.0], [0.0, 0.0, 0.0], [3.0, 1.0, 1.0]])
    labels = torch.tensor([1, 0, 0, 0])
    expected = [all(row[y] > row[m] for m in range(3) if m != y) for row, y in zip(logits.tolist(), labels.tolist())]
    assert scoring.strictly_correct(logits, labels).tolist() == expected == [True, False, False, True]
    assert network.tied_samples(logits).tolist() == [False, True, True, False]


def test_ratio_conditions_agree_with_strict_correctness_on_random_networks():
    """Eq. 12-13 (lib.probes) predict strict correctness exactly, ties and a_B = 0 included."""
    for seed in range(5):
        weights, (x, y) = random_weights(seed), random_inputs(seed + 10)
        out = network.forward(weights, x)
        predicted = probes.ratio_conditions(out.summary, y, weights.w3)
        table = theory.agreement_table(predicted, scoring.strictly_correct(out.logits, y))
        assert table[0, 1] == table[1, 0] == 0 and table.sum() == len(y)


def test_agreement_table_counts():
    p = torch.tensor([1, 1, 0, 0, 1], dtype=torch.bool)
    a = torch.tensor([1, 0, 1, 0, 1], dtype=torch.bool)
    assert theory.agreement_table(p, a).tolist() == [[2, 1], [1, 1]]


def test_eq17_positive_pairs_against_a_loop():
    w3 = random_weights(3).w3
    count = sum((w3[0, s] - w3[0, t]) * (w3[1, t] - w3[1, s]) > 0 for s, t in itertools.combinations(range(5), 2))
    assert theory.eq17_positive_pairs(w3) == (int(count), 10)


def test_eq18_check_against_a_loop_over_pairs():
    weights, (x, y) = random_weights(2, classes=3), random_inputs(4, n=60, classes=3)
    out = network.forward(weights, x)
    correct = scoring.strictly_correct(out.logits, y)
    a, w = out.summary, weights.w3
    pairs, violations, margins = 0, 0, []
    for s in range(60):
        for t in range(60):
            if correct[s] and correct[t] and y[s] != y[t]:
                cs, ct = int(y[s]), int(y[t])
                lhs = (a[s, 0] - a[t, 0]) * (w[0, cs] - w[0, ct])
                rhs = (a[s, 1] - a[t, 1]) * (w[1, ct] - w[1, cs])
                pairs, violations = pairs + 1, violations + int(lhs <= rhs)
                margins.append(float(lhs - rhs))
    check = theory.eq18_check(a, y, w, correct, chunk=7)
    assert (check.pairs, check.violations) == (pairs, violations) and pairs > 0
    assert check.violations == 0  # eq. 18 follows from eq. 15-16 for correctly classified samples
    assert check.min_margin == pytest.approx(min(margins))


def test_eq13_classes_and_zero_b_fraction():
    w3 = torch.tensor([[0.0, 3.0, 1.0, 2.0], [1.0, -1.0, 0.5, 0.2]], dtype=torch.float64)
    assert theory.eq13_classes(w3) == [1]
    a = torch.tensor([[1.0, 0.0], [1.0, 2.0], [0.0, 0.0], [2.0, 1.0]])
    # sample 2 has a_A = a_B = 0: silenced, not classified by eq. 13, so class 1 has no a_B = 0 < a_A sample
    assert theory.zero_b_fraction(a, torch.tensor([0, 0, 1, 1]), 3)[:2].tolist() == [0.5, 0.0]
    gen = torch.Generator().manual_seed(3)
    a = torch.relu(torch.randn(200, 2, generator=gen))
    y = torch.randint(3, (200,), generator=gen)
    loop = [sum(float(a[i, 1]) == 0 and float(a[i, 0]) > 0 for i in range(200) if y[i] == c) / int((y == c).sum())
            for c in range(3)]
    assert theory.zero_b_fraction(a, y, 3) == pytest.approx(loop)


def test_pair_error_rates_against_a_loop():
    gen = torch.Generator().manual_seed(0)
    y, p = torch.randint(4, (200,), generator=gen), torch.randint(4, (200,), generator=gen)
    rates = theory.pair_error_rates(y, p, 4)
    for i in range(4):
        for j in range(4):
            n = sum((a == i and b == j) or (a == j and b == i) for a, b in zip(y.tolist(), p.tolist()) if a != b)
            assert rates[i, j] == pytest.approx(n / 200)
    assert theory.top_pairs(rates, 1)[0][2] == rates[np.triu_indices(4, 1)].max()


def test_boundary_pairs_against_a_loop():
    for seed in range(4):
        w = random_weights(seed, classes=6).w3
        found = set()
        for c in range(6):
            above = [(float((w[1, m] - w[1, c]) / (w[0, c] - w[0, m])), m) for m in range(6) if w[0, c] > w[0, m]]
            below = [(float((w[1, m] - w[1, c]) / (w[0, c] - w[0, m])), m) for m in range(6) if w[0, c] < w[0, m]]
            for m in ([max(above)[1]] if above else []) + ([min(below)[1]] if below else []):
                found.add((min(c, m), max(c, m)))
        assert theory.boundary_pairs(w) == found


def test_node_in_interval_means_the_node_alone_classifies_the_class():
    for seed in range(4):
        weights = random_weights(seed, hidden=12, classes=4)
        inside = organisation.node_in_interval(weights.w2, weights.w3)
        for n in range(12):
            z = torch.relu(weights.w2[n]) @ weights.w3  # (C,) logits of the node alone
            for c in range(4):
                alone = all(z[c] > z[m] for m in range(4) if m != c)
                assert bool(inside[c, n]) == alone


def test_organisation_against_a_loop_and_invariant_under_normalisation():
    weights = random_weights(5, hidden=12, classes=4)
    f = torch.rand(4, 12, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    total = inside = 0.0
    for c in range(4):
        for n in range(12):
            z = torch.relu(weights.w2[n]) @ weights.w3
            total += float(f[c, n])
            inside += float(f[c, n]) * all(z[c] > z[m] for m in range(4) if m != c)
    assert organisation.organisation(f, weights.w2, weights.w3) == pytest.approx(inside / total)
    normed = weights.normalised()
    assert organisation.organisation(f, normed.w2, normed.w3) == pytest.approx(inside / total)


def test_contrasting_pair_against_a_loop():
    train = np.array([0.98, 0.985, 0.90, 0.99])
    test = np.array([0.95, 0.90, 0.97, 0.93])
    best = max(((i, j) for i in range(4) for j in range(4) if i != j and abs(train[i] - train[j]) <= 0.01),
               key=lambda ij: test[ij[0]] - test[ij[1]])
    assert organisation.contrasting_pair(train, test, 0.01, min_gap=0.02) == best == (0, 1)
    # the gap of the best pair (0.05) is below the minimum asked for: no contrasting pair
    assert organisation.contrasting_pair(train, test, 0.01, min_gap=0.06) is None
    # no two networks with close training accuracy: no pair at all
    assert organisation.contrasting_pair(np.array([0.1, 0.5]), np.array([0.2, 0.9]), 0.01, min_gap=0.0) is None


def test_node_contributions_sum_to_the_summary_pre_activations():
    weights, (x, _) = random_weights(), random_inputs()
    out = network.forward(weights, x)
    contrib = organisation.node_contributions(out.hidden[0], weights.w2)
    assert torch.allclose(torch.relu(contrib.sum(dim=0)), out.summary[0])


def test_summary_states_shares_and_accuracy_against_a_loop():
    gen = torch.Generator().manual_seed(3)
    a = torch.relu(torch.randn(2, 40, 2, generator=gen, dtype=torch.float64))  # (K, N, 2), about half zero
    correct = torch.rand(2, 40, generator=gen) > 0.5
    found_states = states.summary_states(a)
    for k, n in itertools.product(range(2), range(40)):
        a_off, b_off = bool(a[k, n, 0] == 0), bool(a[k, n, 1] == 0)
        assert states.STATES[int(found_states[k, n])] == {(False, False): "both on", (True, False): "only A off",
                                                (False, True): "only B off", (True, True): "both off"}[a_off, b_off]
    shares, acc = states.state_shares(found_states), states.state_accuracy(found_states, correct)
    for k, s in itertools.product(range(2), range(4)):
        members = [n for n in range(40) if int(found_states[k, n]) == s]
        assert shares[k, s] == pytest.approx(len(members) / 40)
        expected = np.mean([bool(correct[k, n]) for n in members]) if members else np.nan
        assert np.isclose(float(acc[k, s]), expected, equal_nan=True)
    assert states.state_accuracy(torch.zeros(3, dtype=torch.long), torch.ones(3, dtype=torch.bool))[1:].isnan().all()


def test_grid_states_match_the_stacked_forward():
    net = summary_mlp(2, d_in=6, hidden=8, classes=5, seed=[1, 2])
    x, y = random_inputs(n=60)
    found_states, correct = states.grid_states(net, x.float(), y)
    for k in range(2):
        out = network.forward(network.member_weights(net, k), x.float())
        assert torch.equal(found_states[k], states.summary_states(out.summary))
        assert torch.equal(correct[k], (out.logits.argmax(dim=1) == y) & ~network.tied_samples(out.logits))


def test_train_grid_trains_each_member_with_its_own_rate_and_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    gen = torch.Generator().manual_seed(0)
    x, y = torch.rand(120, 6, generator=gen), torch.randint(3, (120,), generator=gen)
    spec = grid.GridSpec(hidden=5, lrs=(0.0, 0.1), seeds=(3,), batch_size=20, max_epochs=2, patience=2, device="cpu")
    net, history, found_states, wedges = grid.train_grid(spec, x[:80], y[:80], x[80:], y[80:], data_id="random-120")
    init = grid.build_grid_net(spec, 6, 3)
    assert torch.equal(net.layers[0].weight[0], init.layers[0].weight[0])  # lr = 0: unchanged
    assert not torch.equal(net.layers[0].weight[1], init.layers[0].weight[1])
    assert history.val_loss.shape[1] == 2 and len(list(tmp_path.glob("models/*.pt"))) == 1
    at_init = states.state_shares(states.grid_states(init, x[80:], y[80:])[0])
    assert found_states.shape == (3, 2, 4)
    assert torch.allclose(found_states.sum(dim=-1), torch.ones(3, 2, dtype=torch.float64))
    assert torch.equal(found_states[0], at_init)
    assert torch.equal(found_states[2, 0], at_init[0])  # the lr = 0 member never moves
    assert wedges.shape == (3, 2) and torch.equal(wedges[0], theory.wedge_classes(init.layers[-1].weight).sum(-1))
    again, _, states_again, _ = grid.train_grid(spec, x[:80], y[:80], x[80:], y[80:], data_id="random-120")
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), again.state_dict().values()))
    assert torch.equal(found_states, states_again)
    assert grid.accuracies(net, x, y).shape == (2,)


def test_check_names_both_parameters_of_each_broken_rule():
    from types import SimpleNamespace

    from lib.studies.summary_layers.params import check
    good = SimpleNamespace(hidden_sizes=(100, 300), analysed_hidden=300, lr_low=0.01, lr_high=0.1, n_lr=2, n_seeds=1,
                           max_epochs=4, lucky_screen_epochs=3)
    assert check(good) == []
    for change, names in ((dict(analysed_hidden=600), ("analysed_hidden", "hidden_sizes")),
                          (dict(lr_low=1.0), ("lr_low", "lr_high")), (dict(n_lr=1), ("n_lr", "n_seeds")),
                          (dict(lucky_screen_epochs=4), ("lucky_screen_epochs", "max_epochs"))):
        found = check(SimpleNamespace(**{**vars(good), **change}))
        assert len(found) == 1 and all(f"'{name}'" in found[0] for name in names), found


def test_finite_members_flags_a_diverged_member():
    net = summary_mlp(3, d_in=6, hidden=8, classes=5, seed=0)
    with torch.no_grad():
        net.layers[1].weight[1, 0, 0] = torch.nan
    assert grid.finite_members(net).tolist() == [True, False, True]


def test_tie_share_counts_silent_summary_layers_per_member():
    net = summary_mlp(2, d_in=6, hidden=8, classes=5, seed=0)
    x, _ = random_inputs(n=50)
    with torch.no_grad():
        net.layers[1].weight[1] = -1.0  # member 1: both summary nodes silent (hidden activations are >= 0)
    logits = net(x.float())
    expected = [float(network.tied_samples(logits[k]).double().mean()) for k in range(2)]
    assert grid.tie_share(net, x.float()).tolist() == expected and expected[1] == 1.0


def test_accuracies_count_a_silenced_summary_layer_as_wrong_even_for_class_0():
    net = summary_mlp(2, d_in=6, hidden=8, classes=5, seed=0)
    x, _ = random_inputs(n=50)
    with torch.no_grad():
        net.layers[1].weight[1] = -1.0  # member 1: a_A = a_B = 0 on every sample, all logits 0 (a 5-way tie)
    zeros = torch.zeros(50, dtype=torch.long)  # every label class 0, which argmax would name for a tie
    assert grid.accuracies(net, x.float(), zeros)[1] == 0.0
    # selection on strict validation accuracy therefore never picks the silenced member
    val = grid.accuracies(net, x.float(), zeros)
    assert grid.select_member(val, 2, 1)[1] != 1 or val[0] == 0.0


def test_eq17_failing_pairs_and_class_accuracy_against_loops():
    gen = torch.Generator().manual_seed(5)
    w3 = torch.randn(2, 6, generator=gen, dtype=torch.float64)
    loop = [(s, t) for s in range(6) for t in range(s + 1, 6)
            if float((w3[0, s] - w3[0, t]) * (w3[1, t] - w3[1, s])) <= 0]
    assert theory.eq17_failing_pairs(w3) == loop and len(loop) > 0
    assert len(loop) + theory.eq17_positive_pairs(w3)[0] == 15
    y, correct = torch.randint(4, (100,), generator=gen), torch.rand(100, generator=gen) > 0.3
    expected = [float(correct[y == c].double().mean()) for c in range(4)]
    assert theory.class_accuracy(y, correct, 4) == pytest.approx(expected)


def test_records_put_each_claim_in_the_ledger_with_its_convergence():
    from lib.studies.summary_layers import STUDY, record
    ledger = STUDY.ledger()
    history = SimpleNamespace(converged=torch.tensor([True, False]))
    acc = {"train": np.array([0.9, 0.99]), "test": np.array([0.88, 0.95])}
    chosen = record.chosen_network(300, acc, 1, history, (0.1, 0.1), (0, 1))
    record.record_table1(ledger, {300: chosen}, {"train": 55_000, "test": 10_000}, [])
    x, y = random_inputs()
    an = analysis.analyse(summary_mlp(1, d_in=6, hidden=8, classes=5, seed=[3]), 0, x.float(), y)
    record.record_theory(ledger, an)
    above, on_boundary = an.pairs_above()
    record.record_networks(ledger, organised=None, pair_converged=True, analysis=an, analysed_converged=True, short=[])
    verdicts = {c["id"]: c["verdict"] for c in ledger.evaluate()}
    assert verdicts["davel2020.t1.h300.test_acc"] == "not converged"  # member 1 did not converge
    assert verdicts["davel2020.s5.evaluation_error"] == "not converged"  # the same network
    assert verdicts["davel2020.t1.h100.test_acc"] == "not run" and verdicts["davel2020.s4.1.h100_weaker"] == "not run"
    # the checks hold for any weights, here an untrained network: judged, never "not converged"
    for cid in ("davel2020.s3.3.normalisation_invariant", "davel2020.eq12.agreement",
                "davel2020.eq17.all_pairs_positive", "davel2020.eq18.no_violations"):
        assert verdicts[cid] == "reproduced", cid
    # an analysed network of 8 nodes is not the paper's 300-node one: the claims on it are not comparable
    assert verdicts["davel2020.fig7_8.organised_generalises_better"] == "not comparable"
    assert verdicts["davel2020.s5.boundary_pairs_most_confused"] == "not comparable"
    assert verdicts["davel2020.s5.top_confusable_pairs"] == "not run"  # five classes: the paper's pairs do not exist
    found = {c["id"]: c for c in ledger.evaluate()}["davel2020.s5.boundary_pairs_most_confused"]
    assert found["measured"] == (on_boundary == len(above) if above else "not measured: 0 of 0 pairs above 0.20%")


def test_pair_gaps_and_ratio_points_against_loops():
    weights, (x, y) = random_weights(), random_inputs()
    out = network.forward(weights, x)
    phi_a, phi_b = theory.pair_gaps(weights.w3)
    pairs = [(s, t) for s in range(5) for t in range(s + 1, 5)]
    w = weights.w3
    assert phi_a.tolist() == pytest.approx([float(w[0, s] - w[0, t]) for s, t in pairs])
    assert phi_b.tolist() == pytest.approx([float(w[1, t] - w[1, s]) for s, t in pairs])
    correct = scoring.strictly_correct(out.logits, y).numpy()
    phi, alpha, positive, wrong = theory.ratio_points(np.arange(len(y)), out.summary, y, w, correct)
    expected = []
    for i in range(len(y)):
        a_a, a_b = float(out.summary[i, 0]), float(out.summary[i, 1])
        if a_b <= 0:
            continue
        c = int(y[i])
        for m in range(5):
            if m != c:
                gap_a, gap_b = float(w[0, c] - w[0, m]), float(w[1, m] - w[1, c])
                expected.append((gap_b / gap_a, a_a / a_b, gap_a > 0, not correct[i]))
    assert len(expected) == len(phi) > 0
    assert phi.tolist() == pytest.approx([e[0] for e in expected])
    assert alpha.tolist() == pytest.approx([e[1] for e in expected])
    assert positive.tolist() == [e[2] for e in expected] and wrong.tolist() == [e[3] for e in expected]


def test_fan_in_range_and_grid_organisation():
    w = torch.tensor([[3.0, 0.0], [4.0, 1.0]], dtype=torch.float64)
    assert network.fan_in_range(w) == "1.000-5.000"
    assert network.fan_in_range(w, torch.tensor([0.0, 1.0], dtype=torch.float64)) == "1.414-5.000"
    net = summary_mlp(3, d_in=6, hidden=8, classes=5, seed=[1, 2, 3])
    x, y = random_inputs()
    found = organisation.grid_organisation(net, np.array([0, 2]), x.float(), y, 5)
    assert np.isnan(found[1])
    w, fraction, ratios, lo, hi = organisation.network_view(net, 2, x.float(), y, 5)
    assert found[2] == pytest.approx(organisation.organisation(fraction, w.w2, w.w3))
    assert fraction.shape == (5, 8) and ratios.shape == (8,) and lo.shape == hi.shape == (5,)


def test_a_worker_trains_the_grid_and_baseline_the_page_then_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    gen = torch.Generator().manual_seed(0)
    x, y = torch.rand(150, 6, generator=gen), torch.randint(3, (150,), generator=gen)
    d = grid.Data(x[:80], y[:80], x[80:110], y[80:110], x[110:], y[110:], "random-150")
    loaded = []
    monkeypatch.setattr(grid, "load_data", lambda n_train, n_eval: loaded.append((n_train, n_eval)) or d)
    spec = grid.GridSpec(hidden=5, lrs=(0.1,), seeds=(3, 4), batch_size=20, max_epochs=2, patience=2, device="cpu")
    for baseline in (False, True):
        grid.train_in_worker(spec, 80, 40, baseline)
    assert loaded == [(80, 40)] * 2 and len(list(tmp_path.glob("models/*.pt"))) == 2

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(grid, "train", no_training)
    assert grid.trained_grid(spec, d).net.k == 2 and grid.train_baseline(spec, d).class_acc.shape == (2, 3)
