"""lib.studies.summary_layers.selection and the records built on it: the selected network as one draw of the
paper's protocol, differences of draws, what a profile shrinks, and §5's stated-null tests, against slow references."""

import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from scipy import stats

from lib.claims import Ledger, judge_match
from lib.studies import resolve
from lib.studies.summary_layers import STUDY, analysis, record, selection, text, theory
from lib.uncertainty import Measurement, prediction_interval


def test_selected_draw_is_one_draw_with_the_seeds_spread_and_binomial_sampling():
    m = selection.selected_draw(0.95, [0.95, 0.93, 0.90], 10_000)
    seeds = float(np.std([0.95, 0.93, 0.90], ddof=1))
    binomial = 0.95 * 0.05 / 10_000
    assert m.mean == 0.95 and m.n == 1
    assert m.sd == pytest.approx(math.sqrt(seeds ** 2 + binomial))
    assert m.df == pytest.approx((seeds ** 2 + binomial) ** 2 / (seeds ** 4 / 2))  # Welch–Satterthwaite
    assert "3 seed(s)" in m.sources and "binomial sampling (10,000 images)" in m.sources
    low, high = prediction_interval(m)
    half = stats.t.ppf(0.975, m.df) * m.sd * math.sqrt(2)  # n = 1: one draw against one more
    assert (low, high) == pytest.approx((0.95 - half, 0.95 + half))


def test_one_seed_leaves_the_spread_unknown_and_the_verdict_inconclusive():
    m = selection.selected_draw(0.95, [0.95], 10_000)
    assert m.df == 0 and judge_match(m, 0.950, 0.01).verdict == "inconclusive"
    assert selection.selected_draw(0.95, [0.95, float("nan")], 10_000).df == 0  # a diverged seed is no draw


def test_a_selection_far_from_the_paper_differs_and_a_close_one_is_not_reproduced_from_three_seeds():
    far = selection.selected_draw(0.80, [0.80, 0.79, 0.81], 10_000)
    assert judge_match(far, 0.950, 0.01).verdict == "differs"
    close = selection.selected_draw(0.948, [0.948, 0.93, 0.96], 10_000)
    assert judge_match(close, 0.950, 0.01).verdict == "inconclusive"


def test_difference_adds_variances_and_takes_welch_satterthwaite_df():
    a, b = Measurement(0.95, 0.02, 1, 2.0, "a"), Measurement(0.90, 0.01, 1, 4.0, "b")
    d = selection.difference(a, b)
    assert d.mean == pytest.approx(0.05) and d.sd == pytest.approx(math.sqrt(0.02 ** 2 + 0.01 ** 2)) and d.n == 1
    assert d.df == pytest.approx((0.02 ** 2 + 0.01 ** 2) ** 2 / (0.02 ** 4 / 2 + 0.01 ** 4 / 4))
    known = selection.difference(Measurement(0.5, 0.01, 1, math.inf, "x"), Measurement(0.4, 0.01, 1, math.inf, "y"))
    assert math.isinf(known.df)
    assert selection.difference(a, Measurement(0.9, 0.0, 1, 0.0, "one")).df == 0  # unknown spread stays unknown


def test_shortfalls_name_what_a_profile_shrinks():
    paper = resolve("summary_layers", "paper")
    assert selection.shortfalls(paper, paper) == []
    default = resolve("summary_layers", "default")
    found = selection.shortfalls(default, paper)
    assert any(f.startswith("learning rates in the grid search 1 < 3") for f in found)
    assert any(f.startswith("epoch cap") for f in found) and not any("training images" in f for f in found)
    assert record.profile_shortfalls(paper) == []
    assert "not comparable" in text.protocol_line(found) and "grid search" in text.protocol_line(found)
    assert "not comparable" not in text.protocol_line([])


def _slow_top_four(counts: np.ndarray, paper, top: int = 4):
    pairs = sorted(((int(counts[i, j]), -k, (i, j)) for k, (i, j) in
                    enumerate((i, j) for i in range(len(counts)) for j in range(i + 1, len(counts)))), reverse=True)
    ours = [p for _, _, p in pairs]
    cutoff = pairs[top - 1][0]
    tested = []
    for p in paper:
        if ours.index(p) >= top:
            c = int(counts[p])
            tested.append(sum(math.comb(c + cutoff, k) for k in range(c + 1)) / 2 ** (c + cutoff))
    return all(p * len(tested) >= 0.05 for p in tested), tested


def test_top_four_test_against_a_loop():
    gen = np.random.default_rng(4)
    for _ in range(30):
        upper = np.triu(gen.poisson(gen.uniform(2, 40), size=(10, 10)), 1)
        counts = upper + upper.T
        paper = [(3, 8), (2, 8), (4, 9), (7, 9)]
        holds, rows = selection.top_four_test(counts, paper)
        slow_holds, slow_p = _slow_top_four(counts, paper)
        assert holds == slow_holds
        assert [r["p_value"] for r in rows if r["p_value"] is not None] == pytest.approx(slow_p)
        assert [r["count"] for r in rows] == [int(counts[p]) for p in paper]


def test_top_four_test_passes_our_top_four_and_fails_a_pair_never_confused():
    counts = np.zeros((10, 10), dtype=int)
    for (i, j), c in zip([(3, 8), (2, 8), (4, 9), (7, 9), (1, 7)], (48, 47, 40, 38, 30)):
        counts[i, j] = counts[j, i] = c
    assert selection.top_four_test(counts, [(3, 8), (2, 8), (4, 9), (7, 9)])[0]
    assert selection.top_four_test(counts, [(3, 8), (2, 8), (4, 9), (1, 7)])[0]  # 30 vs 38: not significantly less
    counts[0, 5] = counts[5, 0] = 45
    counts[7, 9] = counts[9, 7] = 2
    holds, rows = selection.top_four_test(counts, [(3, 8), (2, 8), (4, 9), (7, 9)])
    assert not holds and rows[3]["rank"] > 4 and rows[3]["p_value"] < 0.05
    assert selection.pair_counts(np.array([[0.0, 0.0048], [0.0048, 0.0]]), 10_000).tolist() == [[0, 48], [48, 0]]


def test_more_confusable_against_an_exact_permutation_test():
    gen = np.random.default_rng(2)
    n = 6  # 15 pairs, 3 of them boundary pairs: 455 ways to choose the boundary set
    for shift in (0.0, 0.5, 3.0):
        upper = np.triu(gen.uniform(size=(n, n)), 1)
        boundary = {(0, 1), (2, 4), (3, 5)}
        for i, j in boundary:
            upper[i, j] += shift
        rates = upper + upper.T
        rejected, p = selection.more_confusable(rates, boundary)
        i, j = np.triu_indices(n, k=1)
        values = rates[i, j]
        on = [k for k, pair in enumerate(zip(i, j)) if pair in boundary]
        ranks = stats.rankdata(values)
        rank_sums = [ranks[list(c)].sum() for c in itertools.combinations(range(len(values)), len(on))]
        exact = np.mean([s >= ranks[on].sum() - 1e-12 for s in rank_sums])
        assert p == pytest.approx(exact) and rejected == (exact < 0.05)
    assert selection.more_confusable(np.ones((3, 3)), set()) == (False, pytest.approx(float("nan"), nan_ok=True))


def test_eq17_premise_against_a_loop_and_it_holds_for_any_weights():
    gen = torch.Generator().manual_seed(7)
    for _ in range(20):
        w3 = torch.randn(2, 6, generator=gen, dtype=torch.float64)
        a = torch.rand(200, 2, generator=gen, dtype=torch.float64) * (torch.rand(200, 2, generator=gen) > 0.2)
        y = torch.randint(6, (200,), generator=gen)
        logits = a @ w3
        correct = logits.gather(1, y[:, None])[:, 0] > logits.scatter(1, y[:, None], -torch.inf).amax(1)
        present = {int(c) for c in y[correct]}
        loop = [(s, t) for s in range(6) for t in range(s + 1, 6) if s in present and t in present]
        positive = sum(float((w3[0, s] - w3[0, t]) * (w3[1, t] - w3[1, s])) > 0 for s, t in loop)
        assert theory.eq17_premise(w3, y, correct) == (positive, len(loop))
        assert positive == len(loop)  # the identity: eq. 17 holds wherever it is derived


def test_checks_hold_on_an_untrained_network_and_claims_on_trained_ones_need_the_protocol():
    from lib.models import summary_mlp
    gen = torch.Generator().manual_seed(0)
    x, y = torch.rand(300, 6, generator=gen), torch.arange(300) % 10
    an = analysis.analyse(summary_mlp(1, d_in=6, hidden=300, classes=10, seed=[3]), 0, x, y)  # the paper's width
    assert an.outcomes_unchanged()
    ledger = STUDY.ledger()
    record.record_theory(ledger, an)
    rows = {c["id"]: c for c in ledger.evaluate()}
    for cid in ("davel2020.s3.3.normalisation_invariant", "davel2020.eq12.agreement",
                "davel2020.eq17.all_pairs_positive", "davel2020.eq18.no_violations"):
        assert rows[cid]["role"] == "check" and rows[cid]["verdict"] in ("reproduced", "not run"), cid
    record.record_networks(ledger, organised=(0.6, 0.4), pair_converged=True, analysis=an, analysed_converged=True,
                           short=["epoch cap 4 < 300"])
    rows = {c["id"]: c for c in ledger.evaluate()}
    assert rows["davel2020.fig7_8.organised_generalises_better"]["verdict"] == "not comparable"
    assert rows["davel2020.s5.top_confusable_pairs"]["verdict"] == "not comparable"
    assert "epoch cap 4 < 300" in rows["davel2020.s5.top_confusable_pairs"]["note"]
    ledger = STUDY.ledger()
    record.record_networks(ledger, organised=(0.6, 0.4), pair_converged=True, analysis=an, analysed_converged=True,
                           short=[])
    rows = {c["id"]: c for c in ledger.evaluate()}
    assert rows["davel2020.fig7_8.organised_generalises_better"]["verdict"] == "reproduced"
    shrunk, full = STUDY.ledger(), STUDY.ledger()
    for ledger_, short in ((shrunk, ["epoch cap 4 < 300"]), (full, [])):
        record.record_networks(ledger_, organised=None, pair_converged=True, analysis=an, analysed_converged=True,
                               short=short)
    no_pair = "davel2020.fig7_8.organised_generalises_better"
    narrow = STUDY.ledger()
    record.record_networks(narrow, organised=(0.6, 0.4), pair_converged=True, short=[], analysed_converged=True,
                           analysis=analysis.analyse(summary_mlp(1, d_in=6, hidden=8, classes=10, seed=[3]), 0, x, y))
    found = {c["id"]: c for c in narrow.evaluate()}["davel2020.s5.top_confusable_pairs"]
    assert found["verdict"] == "not comparable" and "analysed H 8 ≠ 300" in found["note"]
    assert {c["id"]: c for c in shrunk.evaluate()}[no_pair]["verdict"] == "not comparable"  # whatever the grid
    assert {c["id"]: c for c in full.evaluate()}[no_pair]["verdict"] == "not run"
    rows = {c["id"]: c for c in ledger.evaluate()}
    holds, _ = selection.top_four_test(selection.pair_counts(an.pair_rates(), len(y)), ((3, 8), (2, 8), (4, 9), (7, 9)))
    assert rows["davel2020.s5.top_confusable_pairs"]["verdict"] == ("reproduced" if holds else "differs")


def _net(h: int, test: float, seeds: tuple[float, ...], converged: bool = True) -> record.ChosenNetwork:
    return record.ChosenNetwork(h, 0.1, 0, test + 0.02, test, converged,
                                {"train": tuple(s + 0.02 for s in seeds), "test": seeds})


def test_table1_rows_h100_and_evaluation_error_are_draws_of_the_selection():
    chosen = {100: _net(100, 0.936, (0.936, 0.93, 0.94)), 300: _net(300, 0.95, (0.95, 0.945, 0.952)),
              600: _net(600, 0.95, (0.95, 0.947, 0.951))}
    sizes = {"train": 55_000, "test": 10_000}
    ledger = STUDY.ledger()
    record.record_table1(ledger, chosen, sizes, [])
    rows = {c["id"]: c for c in ledger.evaluate()}
    m = rows["davel2020.t1.h300.test_acc"]["measured"]
    assert m["mean"] == 0.95 and m["n"] == 1 and m["sd"] == pytest.approx(record.draw(chosen[300], "test", 10_000).sd)
    assert record.draw(chosen[300], "train", 55_000) == selection.selected_draw(0.97, (0.97, 0.965, 0.972), 55_000,
                                                                               "train images")
    error = record.draw(chosen[300], "test", 10_000, error=True)
    assert error.mean == pytest.approx(0.05) and error.sd == pytest.approx(m["sd"])
    assert rows["davel2020.s5.evaluation_error"]["measured"]["mean"] == pytest.approx(0.05)
    h100 = rows["davel2020.s4.1.h100_weaker"]
    assert h100["measured"]["mean"] == pytest.approx(0.014) and "judged: H = 300" in h100["note"]
    assert h100["verdict"] in ("reproduced", "inconclusive")
    ledger = STUDY.ledger()
    record.record_table1(ledger, {**chosen, 100: _net(100, 0.936, (0.936, 0.93, 0.94), converged=False)}, sizes, [])
    rows = {c["id"]: c for c in ledger.evaluate()}
    assert rows["davel2020.t1.h100.test_acc"]["verdict"] == "not converged"
    assert rows["davel2020.s4.1.h100_weaker"]["verdict"] == "not converged"
    assert rows["davel2020.t1.h300.test_acc"]["verdict"] != "not converged"
    ledger = STUDY.ledger()
    record.record_table1(ledger, chosen, sizes, ["epoch cap 4 < 300"])
    assert {c["verdict"] for c in ledger.evaluate() if c["role"] == "reproduction" and c["measured"] is not None} \
        == {"not comparable"}


def test_baseline_cost_is_a_beyond_claim_on_the_smallest_drop():
    chosen = {100: _net(100, 0.90, (0.90, 0.89, 0.91)), 300: _net(300, 0.95, (0.95, 0.94, 0.951))}
    base = {100: _net(100, 0.97, (0.97, 0.969, 0.971)), 300: _net(300, 0.975, (0.975, 0.974, 0.976))}
    ledger = Ledger(STUDY.claims)
    record.record_baseline(ledger, chosen, base, 10_000, [])
    row = {c["id"]: c for c in ledger.evaluate()}["davel2020.beyond.summary_layer_costs_accuracy"]
    assert row["role"] == "beyond" and row["measured"]["mean"] == pytest.approx(0.025)
    assert "judged: H = 300" in row["note"]


def test_chosen_network_candidates_are_the_usable_seeds_at_its_rate():
    acc = {"train": np.array([0.9, 0.8, 0.1, 0.95, 0.7, 0.6]), "test": np.array([0.89, 0.79, 0.1, 0.94, 0.69, 0.5])}
    history = SimpleNamespace(converged=torch.tensor([True] * 6))
    net = record.chosen_network(300, acc, 0, history, (0.1, 0.1, 0.1, 0.3, 0.3, 0.3), (0, 1, 2, 0, 1, 2),
                                usable=np.array([True, True, False, True, True, True]))
    assert net.candidates["test"] == (0.89, 0.79) and net.candidates["train"] == (0.9, 0.8)
    everyone = record.chosen_network(300, acc, 3, history, (0.1, 0.1, 0.1, 0.3, 0.3, 0.3), (0, 1, 2, 0, 1, 2))
    assert everyone.candidates["test"] == (0.94, 0.69, 0.5)


def test_every_claim_has_a_label_and_the_contract_ids_exist():
    ids = {c.id: c for c in STUDY.claims}
    for cid in ("davel2020.s5.evaluation_error", "davel2020.s5.top_confusable_pairs", "davel2020.s4.1.h100_weaker"):
        assert ids[cid].role == "reproduction"
    assert all(c.label and len(c.label) <= 40 for c in STUDY.claims)
    checks = {c.id for c in STUDY.claims if c.role == "check"}
    assert checks == {"davel2020.s3.3.normalisation_invariant", "davel2020.eq12.agreement",
                      "davel2020.eq17.all_pairs_positive", "davel2020.eq18.no_violations"}
