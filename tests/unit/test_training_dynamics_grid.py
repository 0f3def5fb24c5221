"""training_dynamics.grid: measurement wiring, seed summaries and the cached grid run, against loops on tiny data."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from lib import probes
from lib.models import mlp
from lib.studies.training_dynamics import grid as dynamics
from lib.train import evaluate, train_data


def tiny_data(seed=0, n_train=120, n_val=90, d=12, classes=4):
    gen = torch.Generator().manual_seed(seed)
    return train_data(torch.rand(n_train, d, generator=gen), torch.randint(0, classes, (n_train,), generator=gen),
                      torch.rand(n_val, d, generator=gen), torch.randint(0, classes, (n_val,), generator=gen))


def test_shape_sizes_count_the_output_layer():
    shape = dynamics.Shape(9, 320)
    assert shape.hidden == 8 and shape.sizes() == [784] + [320] * 8 + [10] and shape.label == "9×320"
    assert [s.label for s in dynamics.grid((2, 5), (20, 80))] == ["2×20", "2×80", "5×20", "5×80"]


def test_members_are_loss_major_with_shared_seeds():
    m = dynamics.members(("ce", "mse"), 3, seed=7)
    assert m.losses == ("ce",) * 3 + ("mse",) * 3 and m.seeds == (7, 8, 9, 7, 8, 9)
    assert m.of_loss("mse") == [3, 4, 5]


def test_seed_summary_matches_a_loop():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4, 3))
    x[1, 2, 0] = np.nan
    x[2, :, 1] = np.nan
    x[3, 1:, 2] = np.nan
    s = dynamics.seed_summary(x, axis=1)
    for t in range(5):
        for j in range(3):
            vals = [v for v in x[t, :, j] if not math.isnan(v)]
            if not vals:
                assert math.isnan(s.mean[t, j]) and math.isnan(s.se[t, j])
                continue
            mean = sum(vals) / len(vals)
            assert s.mean[t, j] == pytest.approx(mean)
            if len(vals) < 2:
                assert math.isnan(s.se[t, j])
            else:
                sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1))
                assert s.se[t, j] == pytest.approx(sd / math.sqrt(len(vals)))


def test_recorder_matches_probes_and_evaluate_on_every_hidden_layer():
    data = tiny_data()
    net = mlp(3, [12, 6, 6, 4], bias="first", seed=1)
    losses = ("ce", "mse", "ce")
    rec = dynamics.ProbeRecorder(data.x_val, data.y_val, losses, n_classes=4)
    with torch.no_grad():
        rec(0, net)
    out = rec.record()
    post = net.activations(data.x_val).post
    for layer, a in enumerate(post):
        torch.testing.assert_close(out["f"][0, :, layer], probes.layer_activation_fraction(a, data.y_val, 4))
        torch.testing.assert_close(out["p"][0, :, layer], probes.layer_predictability(a, data.y_val, 4),
                                   equal_nan=True)
        torch.testing.assert_close(out["u"][0, :, layer], probes.layer_informativeness(a, data.y_val, 4),
                                   equal_nan=True)
        a_list, y_list = a.tolist(), data.y_val.tolist()
        for k in range(3):
            for c in range(4):
                for i in range(6):
                    count = sum(1 for s in range(len(y_list)) if y_list[s] == c and a_list[k][s][i] > 0)
                    assert int(out["sizes"][0, k, layer, c, i]) == count
    loss, error = evaluate(net, data.x_val, data.y_val, losses)
    torch.testing.assert_close(out["val_loss"][0], loss)
    torch.testing.assert_close(out["val_error"][0], error)


def test_layer_measures_match_the_probes_with_dead_and_always_on_nodes_and_an_empty_class():
    gen = torch.Generator().manual_seed(3)
    a = torch.rand(2, 40, 7, generator=gen) - 0.5  # (K, N, n)
    a[0, :, 0] = -1.0  # dead
    a[1, :, 2] = 1.0  # always on
    labels = torch.randint(0, 3, (40,), generator=gen)  # class 3 of 4 is empty
    sizes = probes.sample_set_sizes(a, labels, 4)  # (K, C, n)
    out = dynamics.layer_measures(sizes, probes.class_sizes(labels, 4))
    torch.testing.assert_close(out["f"], probes.layer_activation_fraction(a, labels, 4))
    torch.testing.assert_close(out["p"], probes.layer_predictability(a, labels, 4), equal_nan=True)
    torch.testing.assert_close(out["u"], probes.layer_informativeness(a, labels, 4), equal_nan=True)
    dead = dynamics.layer_measures(torch.zeros(1, 4, 3), probes.class_sizes(labels, 4))
    assert all(math.isnan(float(dead[name][0])) for name in ("f", "p", "u"))


def test_node_activation_fraction_matches_a_loop():
    sizes = torch.randint(0, 5, (2, 3, 1, 3, 4), dtype=torch.int32)
    record = {"sizes": sizes, "class_sizes": torch.tensor([5.0, 0.0, 8.0], dtype=torch.float64)}
    f = dynamics.node_activation_fraction(record)
    for idx in np.ndindex(2, 3, 1, 4):
        t, k, layer, i = idx
        ref = (sizes[t, k, layer, 0, i] / 5.0 + sizes[t, k, layer, 2, i] / 8.0) / 2
        assert f[idx] == pytest.approx(float(ref))


def test_train_shape_records_log_steps_and_uses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    data = tiny_data()
    run = dynamics.GridRun(dynamics.members(("ce", "mse"), 2), epochs=2, batch_size=30, lr=1e-3, init="he", classes=4,
                           measurements=5)
    data_id = {"name": "tiny"}
    first = dynamics.train_shape(dynamics.Shape(3, 5), data, run, data_id)
    assert first["steps"].tolist() == list(run.measure_steps(120)) and first["steps"][-1] == 8
    assert first["f"].shape == (len(first["steps"]), 4, 2) and first["sizes"].shape[-2:] == (4, 5)
    again = dynamics.train_shape(dynamics.Shape(3, 5), data, run, data_id)
    for name, value in first.items():
        torch.testing.assert_close(again[name], value, equal_nan=True)
    curves = dynamics.shape_curves(first, run.members.of_loss("mse"), total_steps=8)
    assert curves.f.shape == (5, 2) and curves.node_f.shape == (5, 2 * 2 * 5)


def test_converged_needs_every_members_validation_minimum_before_the_last_point():
    loss = torch.tensor([[2.0, 2.0, 2.0], [1.0, 1.5, 0.9], [1.2, 1.0, 0.8]])  # (T, K)
    record = {"val_loss": loss}
    assert dynamics.converged(record, [0]) is True
    assert dynamics.converged(record, [1]) is False and dynamics.converged(record, [0, 2]) is False


def test_shape_curves_carry_chance_and_width():
    record = {"steps": torch.tensor([0, 1]), "class_sizes": torch.tensor([3, 3]),
              "sizes": torch.ones(2, 2, 1, 2, 4, dtype=torch.int32), "val_loss": torch.ones(2, 2),
              "val_error": torch.zeros(2, 2), **{name: torch.ones(2, 2, 1) for name in ("f", "p", "u")}}
    curves = dynamics.shape_curves(record, [0, 1], 1, loss="ce", width=4)
    assert curves.chance == pytest.approx(math.log(2)) and curves.width == 4
    assert math.isnan(dynamics.shape_curves(record, [0], 1).chance)


def test_a_stopped_run_is_the_prefix_of_the_full_run(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    data = tiny_data()
    full = dynamics.GridRun(dynamics.members(("ce", "mse"), 1), epochs=2, batch_size=30, lr=1e-2, init="torch",
                            classes=4, measurements=6)
    short = dataclasses.replace(full, stop=5)
    assert short.measure_steps(120) == tuple(s for s in full.measure_steps(120) if s <= 5)
    assert short.total_steps(120) == short.measure_steps(120)[-1] <= 5 and full.total_steps(120) == 8
    whole = dynamics.train_shape(dynamics.Shape(3, 5), data, full, {"name": "tiny"})
    part = dynamics.train_shape(dynamics.Shape(3, 5), data, short, {"name": "tiny"})
    cut = dynamics.truncate(whole, short.total_steps(120))
    assert set(cut) == set(part) and cut["steps"].tolist() == list(short.measure_steps(120))
    for name, value in part.items():
        torch.testing.assert_close(cut[name], value, equal_nan=True)
