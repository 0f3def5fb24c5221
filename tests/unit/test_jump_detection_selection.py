"""lib.studies.jump_detection.selection and nets' select_by: the weights at the lowest validation error and L1
against per-epoch snapshots and a loop, and convergence under a selection rule."""

import numpy as np
import pytest
import torch

from lib import data, train
from lib.data import as_tensors
from lib.studies.jump_detection.nets import SHAPES, build, selected_net, train_shape, trained_payload
from lib.studies.jump_detection.selection import selected_history, validation_errors


def loop_errors(net, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per member, sample by sample: error (a tie for the largest output is wrong) and |first argmax − y|."""
    out = net(torch.from_numpy(x)).detach().numpy()  # (K, N, C)
    error, l1 = np.zeros(net.k), np.zeros(net.k)
    for k in range(net.k):
        for i in range(len(x)):
            row = out[k, i]
            error[k] += not (row[y[i]] > np.delete(row, y[i]).max())
            l1[k] += abs(int(np.argmax(row)) - y[i])
    return error / len(x), l1 / len(x)


def test_validation_errors_match_a_loop():
    net = build(SHAPES[1], [0, 1, 2])
    signals = data.jump_signals(50, seed=2, sigma=1.0)
    x, y = as_tensors(signals)
    got = validation_errors(net, x, y, batch_size=17)
    error, l1 = loop_errors(net, signals.x.astype(np.float32), y.numpy())
    assert np.allclose(got["error"].numpy(), error) and np.allclose(got["l1"].numpy(), l1)


def test_a_tie_counts_as_an_error_and_the_first_largest_output_is_the_position():
    net = build(SHAPES[0], [0])
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()  # every output equal: a tie everywhere, argmax the first class
    x, y = torch.zeros(3, 100), torch.tensor([0, 5, 10])
    got = validation_errors(net, x, y)
    assert got["error"].item() == 1.0 and got["l1"].item() == pytest.approx(5.0)


def test_kept_weights_are_those_of_each_criterions_lowest_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    splits = data.jump_splits(200, 80, 60, seed=4, sigma=0.8)
    cfg = train.train_config(lr=0.2, batch_size=50, max_epochs=6, patience=None, seed=0, device="cpu")
    snapshots = {}

    def snapshot(step, net):
        snapshots[step // 4] = {n: t.clone() for n, t in net.state_dict().items()}

    net = build(SHAPES[1], [0, 1, 2])
    train.train(net, train.train_data(*as_tensors(splits.train), *as_tensors(splits.val)), cfg,
                callbacks=[(range(4, 25, 4), snapshot)])
    payload = trained_payload(SHAPES[1], [0, 1, 2], splits, {"seed": 4}, cfg, record_curve=False, selection=True)
    x, y = splits.val.x.astype(np.float32), as_tensors(splits.val)[1].numpy()
    per_epoch = {"error": [], "l1": []}
    for epoch in range(1, 7):
        member = build(SHAPES[1], [0, 1, 2])
        member.load_state_dict(snapshots[epoch])
        error, l1 = loop_errors(member, x, y)
        per_epoch["error"].append(error)
        per_epoch["l1"].append(l1)
    for criterion, rows in per_epoch.items():
        best = np.argmin(np.stack(rows), axis=0) + 1  # the first epoch of the lowest value, per member
        assert payload["selected_epoch"][criterion].tolist() == best.tolist()
        chosen, history = selected_net(payload, SHAPES[1], [0, 1, 2], cfg, criterion)
        for k, epoch in enumerate(best):
            for name, tensor in chosen.state_dict().items():
                assert torch.equal(tensor[k], snapshots[int(epoch)][name][k])
        assert history.best_epoch.tolist() == best.tolist()
    loss_net, _ = selected_net(payload, SHAPES[1], [0, 1, 2], cfg, "loss")
    trained, _, _ = train_shape(SHAPES[1], [0, 1, 2], splits, {"seed": 4}, cfg, record_curve=False)
    for a, b in zip(loss_net.parameters(), trained.parameters()):  # the loss's weights as without the recorder
        assert torch.equal(a, b)


def test_a_selection_converges_only_when_patience_ran_out_after_its_epoch():
    history = train.History(torch.zeros(1, 3), torch.zeros(1, 3), torch.zeros(1, 3), torch.zeros(1), torch.zeros(1),
                            torch.tensor([10, 10, 10]), torch.tensor([30, 30, 0]), 1, 30)
    read = selected_history(history, torch.tensor([10, 15, 10]), patience=20)
    assert read.best_epoch.tolist() == [10, 15, 10]
    assert read.converged.tolist() == [True, False, False]


def test_bad_select_by_is_refused_before_training():
    with pytest.raises(ValueError, match="^select_by: expected one of"):
        train_shape(SHAPES[0], [0], None, {}, train.train_config(device="cpu"), select_by="val")
