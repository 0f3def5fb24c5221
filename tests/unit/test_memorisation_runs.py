"""Memorisation runs and claims: the analysed epoch, convergence of each kind of network, the per-network
predicates, and the claims recorded as 'not converged' when a network stopped at its cap."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from lib.studies import resolve
from lib.studies.memorisation import STUDY, check, figures, measures, runs
from lib.studies.memorisation.params import thesis_epochs


def record(train_acc, val_loss, epoch=None):
    epoch = np.arange(1, len(train_acc) + 1) if epoch is None else epoch
    return {"train_acc": torch.tensor(train_acc, dtype=torch.float64),
            "val_loss": torch.tensor(val_loss, dtype=torch.float64), "epoch": torch.tensor(epoch)}


def test_analysed_epoch_and_convergence_of_memorising_networks():
    rec = record([[0.5, 0.2], [1.0, 0.4], [1.0, 0.9]], [[1, 1], [1, 1], [1, 1]])
    np.testing.assert_array_equal(runs.analysed_epoch(rec, "memorising"), [2, 3])  # never at 100%: last epoch
    np.testing.assert_array_equal(runs.converged(rec, "memorising", patience=5), [True, False])
    checked = record([[0.5, np.nan], [1.0, 0.4], [np.nan, 0.9]], np.ones((3, 2)), epoch=[4, 8, 12])
    np.testing.assert_array_equal(runs.analysed_epoch(checked, "memorising"), [8, 12])  # checks every 4 epochs


def test_learning_networks_converge_when_patience_ran_out_before_the_cap():
    val = [[3.0, 3.0], [2.0, 2.5], [2.5, 2.0], [2.6, 1.9], [2.7, 1.8]]  # member 0 minimum at epoch 2, member 1 at 5
    rec = record(np.zeros((5, 2)), val)
    np.testing.assert_array_equal(runs.analysed_epoch(rec, "learning"), [2, 5])
    np.testing.assert_array_equal(runs.converged(rec, "learning", patience=3), [True, False])
    np.testing.assert_array_equal(runs.converged(rec, "learning", patience=4), [False, False])
    checked = record(np.full((5, 2), np.nan), val, epoch=[3, 6, 9, 12, 15])  # patience counts checks
    np.testing.assert_array_equal(runs.analysed_epoch(checked, "learning"), [6, 15])
    np.testing.assert_array_equal(runs.converged(checked, "learning", patience=3), [True, False])


def test_mnist_networks_are_checked_once_per_thesis_epoch():
    assert thesis_epochs(48000, 1000) == 1  # the thesis's own epoch: 48 steps
    assert thesis_epochs(3000, 1000) == 16  # 3 steps per epoch: 16 epochs = 48 steps
    assert thesis_epochs(6000, 100) == 1  # 60 steps per epoch, already longer
    cfg = resolve("memorisation", "default")
    assert runs.mnist_training(cfg).every == thesis_epochs(cfg.mnist_train, cfg.mnist_batch_size)


def test_fraction_of_networks():
    assert measures.fraction([[True, False], [True, True]]) == 0.75


def test_every_network_a_converged_counterexample_decides():
    assert measures.every_network([True, False], [True, True])[:2] == (False, True)
    assert measures.every_network([False, True], [True, False])[:2] == (False, True)  # member 0 converged, broken
    assert measures.every_network([True, False], [True, False])[:2] == (False, False)  # broken at the cap only
    assert measures.every_network([True, True], [True, False])[:2] == (True, False)  # could still break
    holds, converged, note = measures.every_network([True, True, True], [True, True, True])
    assert (holds, converged) == (True, True) and "all 3" in note


def test_test_accuracy_adds_binomial_sampling_to_the_seed_spread():
    m = measures.test_accuracy([0.97, 0.98, 0.99], 10000, "images")
    assert m.mean == pytest.approx(0.98) and m.sd ** 2 == pytest.approx(0.0001 + 0.98 * 0.02 / 10000)
    assert m.sources == "3 network seeds; binomial test sampling (10000 images)"
    one = measures.test_accuracy([0.98], 10000, "images")
    assert one.sd == 0 and one.df == 0  # one network: its seed spread is unknown, not binomial only


def test_claims_are_comparable_only_at_the_thesis_scale():
    cfg = resolve("memorisation", "smoke")
    sets = runs.jump_sets(cfg)
    small = measures.Outcome(sets, None, {}, {}, {}, {}, {}, {}, {}, {})
    same, why = measures.comparable(small, *measures.JUMP_SCALE)
    assert not same and f"{cfg.n_train} training samples" in why and "thesis: 12000" in why
    assert measures.comparable(small, cfg.n_train, cfg.hidden) == (True, "")


def test_check_names_the_parameters_of_each_broken_rule():
    cfg = resolve("memorisation", "smoke")
    assert check(cfg) == []
    broken = check(cfg.__class__(**{**vars(cfg), "n_val": 130, "n_tsne": 400}))
    assert any("'n_val'" in m for m in broken) and any("'n_tsne' and 'n_train'" in m for m in broken)


def test_averaged_digit_averages_the_first_1000_fives_of_the_whole_training_split():
    x, y = runs.mnist_training_split()
    assert x.shape == (48000, 784) and 0 <= x.min() and x.max() <= 1 and (y == 5).sum() > 1000
    fig = figures.averaged_digit(x, y)
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), x[y == 5][:1000].mean(0).reshape(28, 28),
                               rtol=1e-5)
    plt.close(fig)


def test_smoke_run_records_every_claim_and_unconverged_networks_never_differ():
    cfg = resolve("memorisation", "smoke")
    jump = measures.outcome(runs.jump_sets(cfg), runs.jump_training(cfg), "adjacent")
    mnist = measures.outcome(runs.mnist_sets(cfg), runs.mnist_training(cfg), "all")
    maps = measures.tsne_maps(jump, cfg.n_tsne, cfg.perplexity, cfg.seed)
    ledger = STUDY.ledger()
    measures.record_claims(ledger, jump, mnist, maps)
    rows = ledger.evaluate()
    assert all(r["verdict"] != "not run" for r in rows)
    assert not jump.converged["memorising"].any()  # 10 epochs of SGD cannot fit random labels
    for row in rows:
        assert row["verdict"] != "differs" or row["converged"]
    # the smoke networks train on far fewer signals and images, and narrower, than the thesis's
    assert {r["verdict"] for r in rows if r["role"] == "reproduction"} == {"not comparable"}
    accuracy = next(r for r in rows if r["id"] == "chen2017.s6.2.fails_true_labels")["measured"]
    assert f"binomial test sampling ({cfg.n_test} signals)" in accuracy["sources"]
    assert maps.network_gaps["learning"].shape == (cfg.n_seeds, 4)
    np.testing.assert_allclose(maps.network_gaps["memorising"][0], maps.gaps["memorising"])


def test_train_on_cores_hands_every_task_and_kind_to_a_worker_with_picklable_parameters(monkeypatch):
    import pickle

    from lib import parallel

    handed = []
    monkeypatch.setattr(parallel, "fill_cache", lambda calls: handed.extend(calls))
    cfg = resolve("memorisation", "smoke")
    runs.train_on_cores(cfg)
    assert sorted((c.args[1], c.args[2]) for c in handed) == sorted(
        (task, kind) for task in runs.TASKS for kind in runs.KINDS)
    shipped = pickle.loads(pickle.dumps(handed[0].args[0]))
    assert vars(shipped) == vars(cfg)


def test_a_worker_trains_the_record_the_page_then_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    cfg = resolve("memorisation", "smoke")
    runs.run_in_worker(cfg, "jump", "learning")
    assert len(list(tmp_path.glob("models/*.pt"))) == 1
    monkeypatch.setattr(runs, "train_to_memorise", lambda *a, **k: (_ for _ in ()).throw(AssertionError("again")))
    assert "epoch" in runs.run(runs.jump_sets(cfg), runs.jump_training(cfg), "learning")
