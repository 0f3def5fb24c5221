"""training_dynamics.findings: the seven H&D §6 checks on synthetic curves that do and do not show each finding."""

import math

import numpy as np
import pytest

from lib.studies.training_dynamics import findings as fnd

STEPS = np.array([0, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000])


def hump(peak_at: int, start: float, top: float, end: float) -> np.ndarray:
    """A curve rising linearly from start to top at index peak_at, then falling to end."""
    up = np.linspace(start, top, peak_at + 1)
    down = np.linspace(top, end, len(STEPS) - peak_at)[1:]
    return np.concatenate([up, down])


def paper_like(layers: int = 3) -> fnd.ShapeCurves:
    """Curves that show every finding: f humps (layer 1 falls most), p and u rise, deeper p higher."""
    f = np.stack([hump(3, 0.5, 0.8, 0.3 + 0.1 * layer) for layer in range(layers)], axis=1)
    p = np.stack([np.linspace(0.05, 0.2 + 0.1 * layer, len(STEPS)) for layer in range(layers)], axis=1)
    u = np.stack([np.linspace(0.01, 0.08 + 0.02 * layer, len(STEPS)) for layer in range(layers)], axis=1)
    loss = np.concatenate([[2.3, 2.3, 2.29], np.geomspace(2.0, 0.1, len(STEPS) - 3)])
    error = np.linspace(0.9, 0.03, len(STEPS))
    node_f = np.tile(np.where(np.arange(20) < 15, 0.9, 0.1), (len(STEPS), 1))
    return fnd.ShapeCurves(STEPS, 20000, f, p, u, loss, error, node_f)


def contrary(layers: int = 3) -> fnd.ShapeCurves:
    """Curves that contradict every finding."""
    c = paper_like(layers)
    f = np.stack([np.linspace(0.6, 0.2 + 0.05 * (layers - layer), len(STEPS)) for layer in range(layers)], axis=1)
    f[:, 0] = np.linspace(0.6, 0.55, len(STEPS))  # first layer falls least
    p = c.p[::-1, ::-1]  # p falls, shallower layers more predictable
    u = np.full_like(c.u, 0.4)  # flat and above log 2 / log 10
    late_loss = np.concatenate([np.full(8, 2.3), [1.0, 0.5]])
    return fnd.ShapeCurves(STEPS, 20000, f, p, u, late_loss, np.full(len(STEPS), 0.5), c.node_f * 0.1)


def test_changes_count_beyond_the_proportion_margin():
    from lib.claims import KINDS
    assert fnd.Thresholds().change == KINDS["proportion"].margin
    c = paper_like()
    small = fnd.ShapeCurves(c.steps, c.total_steps, c.f, c.p, c.u * 0.0 + np.linspace(0.01, 0.05, len(STEPS))[:, None],
                            c.val_loss, c.val_error, c.node_f)
    assert fnd.finding_7(small, fnd.Thresholds()).held is False  # u rises 0.04: not an observed rise
    flat_p = fnd.ShapeCurves(c.steps, c.total_steps, c.f, c.p * 0.0 + np.linspace(0.1, 0.14, len(STEPS))[:, None],
                             c.u, c.val_loss, c.val_error, c.node_f)
    assert fnd.finding_5(flat_p, fnd.Thresholds()).held is False


def test_shallow_falls_faster_compares_the_halves():
    c = paper_like(layers=4)  # layer l ends at 0.3 + 0.1 l from a 0.8 peak: shallower layers fall more
    assert fnd.shallow_falls_faster(c).held is True
    reverse = fnd.ShapeCurves(c.steps, c.total_steps, c.f[:, ::-1], c.p, c.u, c.val_loss, c.val_error, c.node_f)
    assert fnd.shallow_falls_faster(reverse).held is False
    assert fnd.shallow_falls_faster(paper_like(layers=1)).held is None
    three = paper_like(layers=3)  # the middle layer belongs to neither half
    drops = [fnd.relative_drop(three.f[:, layer]) for layer in range(3)]
    assert fnd.shallow_falls_faster(three).held is bool(drops[0] > drops[2])


def test_helpers_against_direct_computation():
    assert fnd.rises_then_falls(hump(4, 0.5, 0.7, 0.4), 0.01)
    assert not fnd.rises_then_falls(np.linspace(0.5, 0.8, 6), 0.01)
    assert not fnd.rises_then_falls(np.linspace(0.8, 0.5, 6), 0.01)
    assert not fnd.rises_then_falls(hump(4, 0.5, 0.505, 0.4), 0.01)
    assert fnd.turn_index(hump(4, 0.5, 0.7, 0.4)) == 4
    assert fnd.loss_onset_index(np.array([2.0, 2.0, 1.95, 1.7, 1.0, 0.0]), 0.1) == 3
    assert fnd.relative_drop(np.array([0.2, 0.8, 0.4])) == pytest.approx(0.5)
    values = np.array([0.1, 0.3, 0.2, 0.4])
    pairs = [(i, j) for i in range(4) for j in range(4) if i < j]
    assert fnd.concordance(values) == pytest.approx(sum(values[i] < values[j] for i, j in pairs) / len(pairs))
    assert fnd.log_step_gap(0, 100) == pytest.approx(2.0) and fnd.log_step_gap(10, 1000) == pytest.approx(2.0)
    assert fnd.fall_share(np.array([2.0, 1.5, 1.0, 0.0, 0.5]), 1) == pytest.approx(0.25)
    assert fnd.fall_share(np.array([1.0, 1.0]), 1) == 0.0


def test_paper_like_curves_hold_every_finding():
    found = fnd.check_findings(paper_like())
    assert [f.number for f in found] == list(range(1, 8))
    assert all(f.held for f in found), [(f.number, f.detail) for f in found]


def test_contrary_curves_fail_every_finding():
    found = fnd.check_findings(contrary())
    assert not any(f.held for f in found), [(f.number, f.detail) for f in found]


def test_layer_comparisons_do_not_apply_to_one_hidden_layer():
    found = {f.number: f for f in fnd.check_findings(paper_like(layers=1))}
    assert found[4].held is None and found[6].held is None
    assert found[1].held and found[5].held and found[7].held


def test_informativeness_bound_is_log2_over_log_classes():
    c = paper_like()
    high = fnd.ShapeCurves(c.steps, c.total_steps, c.f, c.p, c.u + math.log(2) / math.log(10), c.val_loss,
                           c.val_error, c.node_f)
    assert not fnd.finding_7(high, fnd.Thresholds()).held
    assert fnd.finding_7(c, fnd.Thresholds()).held


def test_a_peak_at_the_initialisation_exposes_nothing_and_has_no_turn():
    c = paper_like()
    falling = np.stack([np.linspace(0.6, 0.2, len(STEPS))] * 3, axis=1)
    only_falls = fnd.ShapeCurves(c.steps, c.total_steps, falling, c.p, c.u, c.val_loss, c.val_error, c.node_f)
    assert fnd.finding_2(only_falls, fnd.Thresholds()).held is False
    assert fnd.finding_3(only_falls, fnd.Thresholds()).held is None
    assert fnd.finding_1(only_falls, fnd.Thresholds()).held is False


def test_exposure_counts_early_points_not_the_peak():
    c = paper_like()
    late_peak = np.stack([hump(8, 0.5, 0.8, 0.7)] * 3, axis=1)  # f still rising long after the early window
    late = fnd.ShapeCurves(c.steps, c.total_steps, late_peak, c.p, c.u, c.val_loss, c.val_error, c.node_f)
    assert fnd.finding_2(late, fnd.Thresholds()).held  # most nodes exposed early, although f peaks late
    few = fnd.ShapeCurves(c.steps, c.total_steps, c.f, c.p, c.u, c.val_loss, c.val_error, c.node_f * 0.5)
    assert fnd.finding_2(few, fnd.Thresholds()).held is False  # f rises, but no node sees more than half
    short = fnd.ShapeCurves(c.steps, 5, c.f, c.p, c.u, c.val_loss, c.val_error, c.node_f)
    assert fnd.finding_2(short, fnd.Thresholds()).held is False  # no measurement after step 0 in the window


def test_a_peak_at_the_last_step_has_no_turn_yet():
    c = paper_like()
    rising = np.stack([np.linspace(0.5, 0.8, len(STEPS))] * 3, axis=1)
    still = fnd.ShapeCurves(c.steps, c.total_steps, rising, c.p, c.u, c.val_loss, c.val_error, c.node_f)
    assert fnd.finding_3(still, fnd.Thresholds()).held is None
    assert fnd.finding_3(c, fnd.Thresholds()).held


def test_chance_loss_is_the_loss_of_the_class_blind_output():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(10), 50)
    onehot = np.eye(10)[y]
    assert fnd.chance_loss("ce") == pytest.approx(-np.log(np.full(10, 0.1))[y].mean())
    assert fnd.chance_loss("mse") == pytest.approx(np.mean((np.full((500, 10), 0.1) - onehot) ** 2))
    assert fnd.chance_loss("mse") < np.mean((rng.normal(0.1, 0.5, (500, 10)) - onehot) ** 2)
    with pytest.raises(ValueError):
        fnd.chance_loss("hinge")


def test_loss_onset_counts_from_chance_not_from_an_above_chance_start():
    loss = np.array([3.0, 2.4, 2.3, 2.25, 2.0, 0.3])
    assert fnd.loss_onset_index(loss, 0.1) == 1  # from loss[0] = 3.0 the first step already counts as a fall
    assert fnd.loss_onset_index(loss, 0.1, chance=2.3) == 4  # from chance: 2.3 - 0.1 · 2.0 = 2.1 reached at 4
    assert fnd.loss_onset_index(loss, 0.1, chance=5.0) == 1  # a start below chance is its own reference


def test_finding_3_uses_the_chance_level_of_the_curves():
    c = paper_like()
    early_drop = np.concatenate([[4.0, 2.3, 2.3], np.geomspace(2.0, 0.1, len(STEPS) - 3)])
    plain = fnd.ShapeCurves(c.steps, c.total_steps, c.f, c.p, c.u, early_drop, c.val_error, c.node_f)
    chance = fnd.ShapeCurves(c.steps, c.total_steps, c.f, c.p, c.u, early_drop, c.val_error, c.node_f,
                             chance=2.3)
    turn_plain, onset_plain, _ = fnd.turn_gap(plain, fnd.Thresholds())
    turn_chance, onset_chance, _ = fnd.turn_gap(chance, fnd.Thresholds())
    assert turn_plain == turn_chance == 10
    assert onset_plain == 1 and onset_chance == 10


def test_finding_7_uses_the_papers_error_bound_per_width():
    c = paper_like()
    error = np.linspace(0.9, 0.06, len(STEPS))  # 6 %: below 7 % (width 20), not below 5 % (width >= 80)
    kw = dict(steps=c.steps, total_steps=c.total_steps, f=c.f, p=c.p, u=c.u, val_loss=c.val_loss, val_error=error,
              node_f=c.node_f)
    assert fnd.finding_7(fnd.ShapeCurves(**kw, width=20), fnd.Thresholds()).held is True
    assert fnd.finding_7(fnd.ShapeCurves(**kw, width=80), fnd.Thresholds()).held is False
    assert fnd.finding_7(fnd.ShapeCurves(**kw, width=320), fnd.Thresholds()).held is False
    assert fnd.Thresholds().group_error(79) == 0.07 and fnd.Thresholds().group_error(80) == 0.05
