"""benchmarks/paper_workloads.py: the engine calls it reads from each study's `paper` profile, its schedule and
reference arithmetic, and one tiny timing (steps of a smoke-profile call)."""

import math
import sys
from pathlib import Path

import pytest
import torch

from lib.studies import resolve

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import paper_workloads as pw  # noqa: E402


@pytest.fixture(scope="module")
def calls():
    """Every section's paper calls, enumerated once."""
    return {section: pw.paper_calls(section) for section in pw.SECTIONS}


def paper(section: str):
    return resolve(section, "paper")


def test_jump_detection_calls_follow_the_paper_profile(calls):
    cfg, found = paper("jump_detection"), calls["jump_detection"]
    assert len(found) == 8 + (3 if cfg.alt_seeds else 0)  # seven shapes, the length-5 CNN, the other activation
    assert [c.k for c in found] == [cfg.n_seeds] * 8 + [cfg.alt_seeds] * (len(found) - 8)
    assert all(c.cfg.max_epochs == cfg.max_epochs and c.cfg.batch_size == cfg.batch_size and c.cfg.lr == cfg.lr
               and c.cfg.patience == cfg.patience and c.n_train == cfg.n_train for c in found)
    assert [c.scored_per_epoch for c in found].count(cfg.n_val + cfg.n_train) == 1  # the Fig. 3.9 curve


def test_bottleneck_calls_follow_the_paper_profile(calls):
    from lib.studies.bottleneck.params import P_SETS

    cfg, found = paper("bottleneck"), calls["bottleneck"]
    narrow = [p for p in P_SETS[cfg.p_set] if p <= 4]
    wide = [p for p in P_SETS[cfg.p_set] if p > 4]
    assert [(c.k, c.cfg.max_epochs) for c in found] == [
        (len(narrow) * cfg.n_seeds, cfg.narrow_epochs), (len(wide) * cfg.n_seeds, cfg.max_epochs)] * 2 + [
        (2 * cfg.n_seeds, cfg.init_epochs)]


def test_memorisation_calls_follow_the_paper_profile(calls):
    cfg, found = paper("memorisation"), calls["memorisation"]
    assert [(c.k, c.cfg.batch_size, c.n_train, c.cfg.max_epochs) for c in found] == [
        (cfg.n_seeds, cfg.batch_size, cfg.n_train, cfg.max_epochs)] * 2 + [
        (cfg.mnist_seeds, cfg.mnist_batch_size, cfg.mnist_train, cfg.mnist_max_epochs)] * 2
    assert all(c.stops_early for c in found)


def test_memorisation_jump_sizes_are_those_of_the_study():
    from lib.studies.memorisation import runs

    cfg = resolve("memorisation", "smoke")
    assert tuple(pw.paper_calls("memorisation", "smoke")[0].build().arch["sizes"]) == runs.jump_sets(cfg).sizes


def test_summary_layers_calls_follow_the_paper_profile(calls):
    cfg, found = paper("summary_layers"), calls["summary_layers"]
    grids = found[:2 * len(cfg.hidden_sizes)]
    assert all(c.k == cfg.n_lr * cfg.n_seeds and c.cfg.max_epochs == cfg.max_epochs for c in grids)
    screens = found[2 * len(cfg.hidden_sizes):]
    assert sum(c.k for c in screens) == (len(cfg.screen_lrs) + 4) * cfg.screen_seeds  # the rates, then 4 changes
    assert all(c.steps_at_cap == cfg.screen_steps for c in screens)


def test_training_dynamics_calls_follow_the_paper_profile(calls):
    cfg, found = paper("training_dynamics"), calls["training_dynamics"]
    others = len([i for i in cfg.compare_inits if i != cfg.init])
    assert len(found) == len(cfg.depths) * len(cfg.widths) + others * len(cfg.compare_depths) * len(cfg.compare_widths)
    assert all(c.k == 2 * cfg.n_seeds and c.cfg.optimizer == "adam" for c in found)
    grid_steps = cfg.epochs * math.ceil(cfg.n_train / cfg.batch_size)
    assert all(c.steps_at_cap == grid_steps for c in found[:9])
    assert all(c.steps_at_cap <= cfg.compare_steps for c in found[9:])


def test_cooperating_classifiers_calls_follow_the_paper_profile(calls):
    cfg, found = paper("cooperating_classifiers"), calls["cooperating_classifiers"]
    per_grid = len(cfg.optimizers)
    assert cfg.grid_on == "all"
    assert len(found) == per_grid * (len(set(cfg.depths) | {6}) + 1) + 1 + 2  # depths, MNIST 6x100, sigmoid, corruption
    corruption = [c for c in found if "corruption" in c.name]
    assert [c.k for c in corruption] == [len(cfg.fractions) * cfg.n_seeds] * 2
    assert all(c.cfg.max_epochs == cfg.corrupt_epochs and not c.stops_early for c in corruption)
    rates = {"adam": len(cfg.adam_lrs), "sgd": len(cfg.sgd_lrs)}
    assert all(c.k == rates[c.cfg.optimizer] * cfg.n_seeds for c in found if "x100," in c.name)


def test_every_call_builds_the_members_it_counts(calls):
    for section, found in calls.items():
        for call in found:
            if call.section == "memorisation" and "mnist" in call.name:
                continue  # 784-wide layers: the largest stack; its count is checked above
            assert call.build().k == call.k, (section, call.name)


def test_reference_epochs_read_the_jump_detection_reference(calls):
    found = calls["jump_detection"]
    epochs = pw.reference_epochs("jump_detection", found)
    if not epochs:
        pytest.skip("no committed jump_detection reference with best epochs")
    cfg = paper("jump_detection")
    assert set(epochs) <= {c.name for c in found}
    assert all(cfg.patience < e <= cfg.max_epochs for e in epochs.values())


def test_longest_first_makespan():
    assert pw.longest_first_makespan([3, 3, 2, 2, 2], 2) == 7  # 3+2+2 | 3+2
    assert pw.longest_first_makespan([5, 1], 4) == 5
    assert pw.longest_first_makespan([1, 2, 3], 1) == 6


def test_a_smoke_call_is_timed():
    call = pw.paper_calls("jump_detection", "smoke")[1]
    device = torch.device("cpu")
    row = pw.time_call(call, 2, device, pw.RandomData(device), pw.clock(device, 1))
    assert row["s_per_step"] >= 0 and row["s_per_epoch_extra"] > 0 and row["steps_at_cap"] == call.steps_at_cap
    assert row["hours_at_cap"] == pytest.approx(
        (row["s_per_step"] * call.steps_at_cap + row["s_per_epoch_extra"] * call.epochs_at_cap) / 3600)
    assert pw.time_plain(call, 2, device, pw.RandomData(device), pw.clock(device, 1), 1) > 0


def test_cuda_graph_timing_needs_a_gpu(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["paper_workloads.py", "--cuda-graph"])
    with pytest.raises(SystemExit):
        pw.main()
    assert "--cuda-graph: CUDA graphs need --device cuda" in capsys.readouterr().err


def test_bottleneck_reference_rows_give_each_call_its_epochs(calls):
    found, cfg = calls["bottleneck"], paper("bottleneck")
    runs = [{"depth": d, "p": p, "seed": s, "best epoch": 10 * p + s}
            for c in found[:-1] for d, p, s in c.members]
    init = [{"p": p, "seed": s, "best epoch, LS": 7, "best epoch, control": 900} for _, p, s in found[-1].members]
    best = pw.reference_best_epochs({"runs": runs, "initialisation": init}, found)
    assert max(best["shallow p = 2, 3, 4"]) == 40 + cfg.n_seeds - 1
    assert sorted(set(best[found[-1].name])) == [7, 900]
    assert len(best[found[-1].name]) == found[-1].k
