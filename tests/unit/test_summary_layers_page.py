"""lib.studies.summary_layers: the screening experiments, the wedge geometry, the analysed network, the grid
without a summary layer, and the tables, sentences and records the page shows, on small random data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lib import scoring  # noqa: E402
from lib.models import summary_mlp  # noqa: E402
from lib.studies.summary_layers import (  # noqa: E402
    STUDY,
    analysis,
    experiments,
    figures,
    grid,
    record,
    tables,
    text,
    theory,
)


def tiny_data(n_train: int = 90, n_val: int = 40, n_eval: int = 60, d_in: int = 6, classes: int = 4) -> grid.Data:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(n_train + n_val + n_eval, d_in, generator=gen)
    y = torch.arange(len(x)) % classes  # every class in every part
    a, b = n_train, n_train + n_val
    return grid.Data(x[:a], y[:a], x[a:b], y[a:b], x[b:], y[b:], "random")


@pytest.fixture
def trained(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    d = tiny_data()
    spec = grid.GridSpec(hidden=8, lrs=(0.05, 0.2), seeds=(0, 1), batch_size=30, max_epochs=2, patience=2,
                         device="cpu")
    return d, spec, {8: grid.trained_grid(spec, d)}, {8: grid.train_baseline(spec, d)}


def test_wedge_classes_match_a_sweep_over_angles():
    gen = torch.Generator().manual_seed(3)
    for _ in range(20):
        w3 = torch.randn(2, 7, generator=gen, dtype=torch.float64)
        theta = torch.linspace(0, torch.pi / 2, 20001, dtype=torch.float64)
        u = torch.stack([torch.cos(theta), torch.sin(theta)])  # (2, T) directions (a_A, a_B)
        winners = set((w3.T @ u).argmax(dim=0).tolist())
        assert set(torch.nonzero(theory.wedge_classes(w3)).flatten().tolist()) == winners
    assert theory.wedge_classes(torch.randn(3, 2, 7, generator=gen)).shape == (3, 7)


def test_a_dominated_class_has_no_wedge_and_fails_eq17():
    w3 = torch.tensor([[1.0, 0.5, 0.2], [0.2, 0.1, 1.0]], dtype=torch.float64)  # class 1 below class 0 on A and B
    assert theory.wedge_classes(w3).tolist() == [True, False, True]
    assert (0, 1) in theory.eq17_failing_pairs(w3)


def test_protocol_settings_change_one_choice_each():
    settings = experiments.protocol_settings((0.01, 0.03, 0.1), 64)
    assert [s.lr for s in settings[:3]] == [0.01, 0.03, 0.1]
    changed = settings[3:]
    assert {s.bias_init for s in changed} == {"he", "zero"}
    assert {s.scaling for s in changed} == set(experiments.SCALINGS)
    assert sorted(s.batch_size for s in changed) == [32, 64, 64, 128] and all(s.lr == 0.03 for s in changed)


def test_scale_inputs_and_its_refusal():
    x = torch.rand(50, 6)
    assert torch.equal(experiments.scale_inputs(x, "unit", x), x)
    z = experiments.scale_inputs(x, "standardised", x)
    assert float(z.mean()) == pytest.approx(0.0, abs=1e-6) and float(z.std()) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="scaling"):
        experiments.scale_inputs(x, "minmax", x)


def test_screening_net_zeroes_only_the_biases_it_is_asked_to():
    settings = (experiments.Setting("a", 0.1), experiments.Setting("b", 0.1, bias_init="zero"))
    net = experiments.screening_net(settings, (4, 5), hidden=8, d_in=6, classes=4)
    reference = summary_mlp(4, d_in=6, hidden=8, classes=4, seed=[4, 5, 4, 5])
    bias = net.layers[0].bias
    assert torch.equal(bias[:2], reference.layers[0].bias[:2]) and not bias[2:].any()
    assert torch.equal(net.layers[0].weight, reference.layers[0].weight)


def test_class_accuracy_and_lost_classes_against_a_loop():
    gen = torch.Generator().manual_seed(1)
    logits, y = torch.randn(3, 80, 4, generator=gen), torch.arange(80) % 4
    found = experiments.class_accuracy(logits, y, 4)
    correct = scoring.strictly_correct(logits, y)
    loop = [[float(correct[k][y == c].double().mean()) for c in range(4)] for k in range(3)]
    assert found == pytest.approx(np.array(loop))
    assert experiments.lost_classes(found).tolist() == [sum(v < 0.5 for v in row) for row in loop]


def test_run_screen_groups_settings_and_keeps_their_order(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    d = tiny_data()
    settings = experiments.protocol_settings((0.0, 0.1), 20)
    screen = experiments.run_screen(settings, (0, 1), 8, 6, d.x_train, d.y_train, d.x_val, d.y_val, "random")
    k = len(settings) * 2
    assert screen.val_acc.shape == (k,) and screen.class_acc.shape == (k, 4)
    # lr 0 (first setting) never moves: its wedge count after the run equals the one at initialisation
    assert np.array_equal(screen.wedges_end[:2], screen.wedges_init[:2])
    assert np.array_equal(screen.wedges_init[:2], screen.wedges_init[2:4])  # same seeds, same initialisation
    rows = experiments.screen_rows(screen)
    assert [r["setting"] for r in rows] == [s.name for s in settings] and rows[0]["seeds"] == 2
    again = experiments.run_screen(settings, (0, 1), 8, 6, d.x_train, d.y_train, d.x_val, d.y_val, "random")
    assert np.array_equal(again.val_acc, screen.val_acc)
    assert "wedge" in text.screen_text(screen)
    assert len(tables.experiments_table(screen).data) == len(settings)


def test_baseline_has_no_summary_layer_and_chooses_on_validation(trained):
    d, spec, grids, baselines = trained
    b = baselines[8]
    assert b.acc["test"].shape == (4,) and 0 <= b.chosen < 4
    assert b.chosen == grid.select_member(b.acc["val"], 2, 2)[1]
    assert b.class_acc.shape == (4, 4)
    assert np.average(b.class_acc, axis=1, weights=np.bincount(d.y_eval.numpy())) == pytest.approx(b.acc["test"])
    g = grids[8]
    assert g.wedges.shape[1] == 4 and g.states.shape[1:] == (4, 4) and g.usable.shape == (4,)


def test_analysis_agrees_with_the_network_and_its_pairs(trained):
    d, _, grids, _ = trained
    g = grids[8]
    an = analysis.analyse(g.net, g.chosen, d.x_eval, d.y_eval)
    assert int(an.agreement.sum()) == len(d.y_eval) and int(an.agreement.trace()) == len(d.y_eval)
    assert torch.equal(an.actual, scoring.strictly_correct(g.net(d.x_eval)[g.chosen].detach(), d.y_eval))
    change, scale = an.logit_change()
    assert change < 1e-9 * max(scale, 1.0)
    above, on_boundary = an.pairs_above()
    rates = an.pair_rates()
    assert all(rates[i, j] > analysis.PAIR_THRESHOLD for i, j in above) and 0 <= on_boundary <= len(above)
    s, t = analysis.scatter_pairs(torch.ones(len(d.y_eval), dtype=torch.bool), d.y_eval, 30, seed=0)
    assert len(s) <= 30 and (d.y_eval[s] != d.y_eval[t]).all()
    assert an.gap_sides(s, t).shape == (len(s), 2)
    logits = torch.tensor([[1.0, 3.0, 2.0]])
    assert analysis.margin(logits, torch.tensor([1])).tolist() == [1.0]


def test_tables_and_sentences_of_the_page_build_from_a_trained_grid(trained):
    d, _, grids, baselines = trained
    g = grids[8]
    an = analysis.analyse(g.net, g.chosen, d.x_eval, d.y_eval)
    parts = tables.state_parts(g, d)
    assert parts["test"]["share"].sum(axis=1) == pytest.approx(np.ones(4))
    assert len(tables.grid_table(grids).data) == 4
    t1 = tables.table1(grids, baselines).data
    assert list(t1["model"]) == ["8-node", "100-node", "300-node", "600-node"]
    assert t1["this run test acc."][0] == pytest.approx(g.acc["test"][g.chosen])
    scoring_rows = tables.scoring_table(grids, d).data
    assert len(scoring_rows) == 3
    assert (scoring_rows["accuracy by argmax"] >= scoring_rows["strict accuracy (ties wrong)"] - 1e-12).all()
    for table in (tables.states_table(g, parts), tables.training_table(g), tables.normalisation_table(an),
                  tables.phi_ratio_table(an), tables.interval_table(an), tables.agreement_frame(an),
                  tables.disagreement_table(an), tables.confusable_table(an),
                  tables.organisation_table(g, np.full(4, np.nan))):
        assert table.data is not None
    low, high = an.interval()
    empty = tables.interval_table(an).data["no allowed ratio (min > max)"]
    assert list(empty) == [bool(a > b) for a, b in zip(np.asarray(low), np.asarray(high))]
    lrs, seeds = g.spec.members()
    assert f"lr {lrs[g.chosen]:g}, seed {seeds[g.chosen]}" in text.states_text(g, parts, an)
    assert f"of {g.net.k}**" in text.training_text(g)
    assert f"{g.acc['test'][g.chosen]:.3f} with" in text.baseline_text(grids, baselines)
    assert "No disagreement" in text.disagreement_text(an)
    for sentence in (text.normalisation_text(an, d.x_eval), text.eq17_text(an), text.agreement_text(an),
                     text.eq18_text(an), text.eq13_text(an), text.pairs_text(an),
                     text.contrast_text(g, 0, 1, False, 0.02, 0.01), text.organisation_text(4, 0.1, 0.2, 0.3),
                     text.data_line(90, 40, 60, grids), text.lost_summary(g, d.x_eval, d.y_eval)):
        assert isinstance(sentence, str) and sentence
    assert "No contrasting pair" in text.contrast_text(g, 0, 1, False, 0.02, 0.01)
    assert "within 0.03 and" in text.contrast_text(g, 0, 1, False, 0.02, 0.03)  # the margin it is given, not typed
    assert text.end_classes(torch.tensor([[0.0, 2.0, 1.0], [3.0, 0.0, 1.0]])) == (0, 1)


def test_eq17_sentence_names_the_dominated_class():
    w3 = torch.tensor([[1.0, 0.5, 0.2], [0.2, 0.1, 1.0]], dtype=torch.float64)
    an = analysis.Analysis(*([None] * 13))
    an = an.__class__(**{**an.__dict__, "raw": _weights(w3), "normed": _weights(w3), "y": torch.tensor([0, 1, 2]),
                         "actual": torch.tensor([True, False, True])})
    sentence = text.eq17_text(an)
    assert "0-1 (class 1's output weights are below class 0's" in sentence and "class 1 has no wedge" in sentence


def _weights(w3):
    from lib.studies.summary_layers.network import SummaryWeights
    return SummaryWeights(None, None, None, w3)


def test_records_baseline_claim_and_measured_numbers(trained):
    d, spec, grids, baselines = trained
    g, b = grids[8], baselines[8]
    chosen = {8: record.chosen_network(8, g.acc, g.chosen, g.history, *spec.members(), usable=g.usable)}
    base = {8: record.chosen_network(8, b.acc, b.chosen, b.history, *spec.members())}
    ledger = STUDY.ledger()
    record.record_baseline(ledger, chosen, base, len(d.y_eval), [])
    found = {c["id"]: c for c in ledger.evaluate()}["davel2020.beyond.summary_layer_costs_accuracy"]
    assert found["measured"]["mean"] == pytest.approx(base[8].test_acc - chosen[8].test_acc)
    converged = chosen[8].converged and base[8].converged
    assert (found["verdict"] == "not converged") == (not converged)
    an = analysis.analyse(g.net, g.chosen, d.x_eval, d.y_eval)
    screen = experiments.Screen((experiments.Setting("a", 0.1),), (0, 1), 5, np.array([0.5, 0.6]),
                                np.full((2, 4), 0.5), np.array([2, 3]), np.array([3, 3]))
    found = record.measured(grids, baselines, an, screen, np.full(4, 0.3), (0.1, np.nan))
    assert found["table1_test_acc_H8"] == pytest.approx(round(float(g.acc["test"][g.chosen]), 4))
    assert found["organisation_vs_test_acc_spearman"] is None and len(found["grid"]) == 4
    assert found["screen_wedges_init"] == [2, 3]
    evidence = record.reading_evidence(g, len(d.y_train), type("Cfg", (), {"batch_size": 30})())
    assert set(evidence) == {"batch_size", "lr_low", "max_epochs", "patience"}
    assert "3 SGD steps" in evidence["batch_size"]


def test_explanations_cover_every_claim_that_is_not_reproduced(trained):
    d, _, grids, _ = trained
    g = grids[8]
    an = analysis.analyse(g.net, g.chosen, d.x_eval, d.y_eval)
    claims = [{"id": "davel2020.t1.h100.test_acc", "verdict": "not run"},
              {"id": "davel2020.eq12.agreement", "verdict": "reproduced"},
              {"id": "davel2020.fig7_8.organised_generalises_better", "verdict": "not run", "note": "none"}]
    found = text.explanations(claims, grids, {}, d.x_eval, d.y_eval, an)
    assert "h100" in found and "fig7_8" in found and "eq12" not in found
    eq17 = text.explanations([{"id": "davel2020.eq17.all_pairs_positive", "verdict": "differs", "note": "n"}],
                             grids, {}, d.x_eval, d.y_eval, an)
    failing = theory.eq17_failing_pairs(an.normed.w3)
    assert ("pairs failing in all" in eq17) == bool(failing)
    shrunk = text.explanations([{"id": "davel2020.t1.h8.test_acc", "verdict": "not comparable",
                                 "note": "below the paper's protocol: epoch cap 2 < 300"}],
                               grids, {}, d.x_eval, d.y_eval, an)
    assert "(not comparable): below the paper's protocol: epoch cap 2 < 300" in shrunk
    pairs = text.explanations([{"id": "davel2020.s5.top_confusable_pairs", "verdict": "differs", "note": "7-9"}],
                              grids, {}, d.x_eval, d.y_eval, an)
    assert "(differs): 7-9; pairs above the threshold" in pairs
    reproduced = text.explanations(claims[1:2], grids, {}, d.x_eval, d.y_eval, an)
    assert reproduced == "Every claim of this page is reproduced."
    capped = [{"id": "davel2020.t1.h8.train_acc", "verdict": "not converged"}]
    long_facts = {"train": {8: 0.9123}, "test": {8: 0.8}}
    with_long = text.explanations(capped, grids, {}, d.x_eval, d.y_eval, an, long_facts)
    assert "the chosen H = 8 network reaches train accuracy 0.9123" in with_long
    assert "long run" not in text.explanations(capped, grids, {}, d.x_eval, d.y_eval, an)


def test_profile_line_and_load_data(monkeypatch):
    from types import SimpleNamespace

    from lib import data
    cfg = SimpleNamespace(profile="smoke", seed=3, n_train=100)
    assert text.profile_line(cfg) == "This page was computed with the **`smoke`** profile: `seed` = 3, `n_train` = 100."
    images, labels = np.zeros((20, 784), dtype=np.uint8), np.arange(20) % 10
    splits = SimpleNamespace(train=(images, labels), val=(images[:5], labels[:5]), test=(images[:8], labels[:8]))
    monkeypatch.setattr(data, "load_mnist", lambda: SimpleNamespace(sha256="abc"))
    monkeypatch.setattr(data, "split_mnist", lambda mnist, scheme: splits)
    d = grid.load_data(12, 6)
    assert d.x_train.shape == (12, 784) and len(d.y_val) == 5 and len(d.y_eval) == 6
    assert d.data_id == "mnist:abc:55k/5k/10k:train[:12]" and d.y_train.dtype == torch.int64


def test_learning_curves_build_per_hidden_size(trained):
    _, _, grids, _ = trained
    assert isinstance(figures.learning_curves(grids), Figure)
    plt.close("all")
