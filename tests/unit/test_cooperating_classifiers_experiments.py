"""The chapter's orchestration on tiny networks: every claim gets a record, with the convergence of its networks."""

import numpy as np
import torch

from lib.studies.cooperating_classifiers import STUDY, experiments
from lib.studies.cooperating_classifiers import measures as ms
from lib.studies.cooperating_classifiers import runs as cr

TASK = cr.Task(torch.rand(60, 784), torch.arange(60) % 10, torch.rand(20, 784), torch.arange(20) % 10,
               torch.rand(40, 784), torch.arange(40) % 10, "fake-sha")


class Cfg:
    """The parameters the experiments read, small."""

    seed, n_seeds, n_train, optimizers, adam_lrs, sgd_lrs = 0, 2, 60, ("adam",), (1e-3,), (0.1,)
    max_epochs, patience, sigmoid_epochs, continuous_values, sigmoid_threshold = 3, 1, 3, "pre", 0.5
    n_fit, n_eval, grid_size, fractions, n_corrupt, corrupt_epochs = 60, 40, 32, (0.0, 0.5, 1.0), 60, 2
    n_perplexity = 40


def test_record_claims_fills_every_claim_and_unconverged_networks_never_differ(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    focus = ms.train_grid(TASK, 6, Cfg, optimizers=("adam",), lrs=(1e-3,), snapshot_steps=(0, 1))
    sigmoid = ms.train_grid(TASK, 7, Cfg, activation="sigmoid", optimizers=("adam",), lrs=(1e-3,))
    nets = experiments.Networks(TASK, TASK, focus, {6: focus}, sigmoid, 1)
    evals = experiments.layer_evaluations(nets, Cfg)
    assert set(evals) == {"MNIST 6x100", "FMNIST 6x100", "FMNIST 7x100 sigmoid"}
    timeline = ms.snapshot_accuracies(focus, TASK, Cfg)
    ppl = experiments.perplexities(nets, Cfg)
    corrupt = {mode: ms.corruption_runs(TASK, Cfg, mode) for mode in ("other", "uniform")}
    ledger = STUDY.ledger()
    experiments.record_claims(ledger, nets, evals, timeline, ppl, corrupt)
    claims = ledger.evaluate()
    assert all(c["verdict"] != "not run" for c in claims)
    assert focus.converged or all(c["verdict"] == "not converged" for c in claims if "6x100" in c["id"])
    small = STUDY.ledger()
    experiments.record_claims(small, nets, evals, timeline, ppl, corrupt, paper_corrupt=10000)
    assert {c["id"]: c for c in small.evaluate()}["dtpb2020.corruption.memorised"]["verdict"] == "not comparable"
    rows = experiments.training_table(nets)
    assert rows["network"] == ["MNIST 6x100", "FMNIST 6x100", "FMNIST 7x100 sigmoid"]
    ev = evals["MNIST 6x100"]["trained"]
    assert set(ev.val_layers) == set(ev.layers) and ev.val_layers["combined"].shape[-1] == 20  # validation images
    by_id = {c["id"]: c for c in claims}
    assert by_id["dtpb2020.mnist.6x100.network_test_acc"]["role"] == "check"
    assert by_id["dtpb2020.perplexity.falls_with_depth"]["role"] == "beyond"
    assert "test sampling" in by_id["dtpb2020.mnist.6x100.layer_reaches_network"]["measured"]["sources"]
    depth = by_id["dtpb2020.fmnist.depths.layer_reaches_network"]
    assert depth["verdict"] in ("not comparable", "differs")  # depth 6 only: the slides' 1-10 not all run
    assert "6×100:" in experiments.depth_sentence(evals, nets)
    sentence = experiments.kind_sentence(evals, ["MNIST 6x100"])
    criterion = experiments.STUDY_CLAIMS["dtpb2020.mnist.6x100.layer_reaches_network"].criterion
    for kind in ("continuous", "discrete", "combined"):
        m = ms.shortfall(ev, (kind,))
        assert f"{kind} {ms.shortfall_words(m)} ({criterion.judge(m).verdict})" in sentence
    assert np.all(np.asarray(ppl["MNIST"]["trained"]) <= 1) and torch.is_tensor(focus.run.history.val_loss)


def test_grid_table_lists_every_searched_point_and_marks_the_lowest_mean_validation_loss(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    focus = ms.train_grid(TASK, 6, Cfg, optimizers=("adam", "sgd"), lrs=None)
    single = ms.train_grid(TASK, 1, Cfg, optimizers=("adam",), lrs=(1e-3,))
    nets = experiments.Networks(TASK, TASK, focus, {1: single, 6: focus}, single, 1)
    rows = experiments.grid_table(nets)
    # the single-point networks have nothing to compare and are left out
    assert rows["network"] == ["MNIST 6x100", "MNIST 6x100", "FMNIST 6x100", "FMNIST 6x100"]
    mnist = {(o, lr): loss for n, o, lr, loss in zip(rows["network"], rows["optimiser"], rows["learning rate"],
                                                     rows["validation loss (mean best)"]) if n == "MNIST 6x100"}
    assert set(mnist) == {("adam", 1e-3), ("sgd", 0.1)}
    chosen = [(o, lr) for n, o, lr, c in zip(rows["network"], rows["optimiser"], rows["learning rate"],
                                             rows["chosen"]) if n == "MNIST 6x100" and c == "yes"]
    assert chosen == [min(mnist, key=mnist.get)] == [(focus.optimizer, focus.lr)]


def test_searched_grid_is_the_whole_grid_or_the_focus_choice():
    class Focus:
        optimizer, lr = "sgd", 0.1

    class All(Cfg):
        grid_on = "all"

    class OnFocus(Cfg):
        grid_on = "focus"

    assert experiments.searched(All, Focus) == {}
    assert experiments.searched(OnFocus, Focus) == {"optimizers": ("sgd",), "lrs": (0.1,)}


def test_worker_calls_train_the_specs_the_page_then_loads(tmp_path, monkeypatch):
    """A worker trains exactly the stack train_grid looks up: the same spec, its data set named, not shipped."""
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))

    class Both(Cfg):
        optimizers = ("adam", "sgd")

    specs = ms.grid_specs(6, Both)
    assert [(o, r) for o, r, _ in specs] == [("adam", (1e-3,)), ("sgd", (0.1,))]
    assert all(spec.k == 2 and spec.seed == (0, 1) for _, _, spec in specs)
    calls = experiments.worker_calls("fmnist", 6, Both)
    assert [(c.func, c.args) for c in calls] == [(cr.train_on, (spec, "fmnist")) for _, _, spec in specs]
    loaded = []
    monkeypatch.setattr(cr, "load_task", lambda dataset, n: loaded.append((dataset, n)) or TASK)
    calls[0]()
    assert loaded == [("fmnist", Cfg.n_train)] and len(list(tmp_path.rglob("*.pt"))) == 1
    monkeypatch.setattr(cr, "_train_payload", lambda *a: (_ for _ in ()).throw(AssertionError("trained again")))
    assert ms.train_grid(TASK, 6, Both, optimizers=("adam",)).optimizer == "adam"


def test_corruption_spec_stacks_every_fraction_for_every_seed():
    spec = ms.corruption_spec(Cfg, "uniform")
    assert spec.corruption == (0.0, 0.0, 0.5, 0.5, 1.0, 1.0) and spec.seed == (0, 1, 0, 1, 0, 1)
    assert spec.n_train == Cfg.n_corrupt and spec.patience is None and spec.corruption_mode == "uniform"


def test_worst_ranks_differs_first_then_the_smallest_margin():
    from lib.claims import at_most
    from lib.uncertainty import exact, over_repeats
    criterion = at_most(0.01)
    found = {1: exact(0.05), 3: exact(0.0), 6: over_repeats([0.0, 0.004, 0.008])}
    assert experiments.worst(criterion, found)[0] == 1  # the one that differs
    assert experiments.worst(criterion, {3: exact(0.0), 6: found[6]})[0] == 6  # inconclusive before reproduced
