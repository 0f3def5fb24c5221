"""lib.studies.summary_layers.dead_nodes against slow loops over members, images and classes on random data."""

import numpy as np
import pytest
import torch

from lib.models import summary_mlp
from lib.studies.summary_layers import dead_nodes
from lib.studies.summary_layers.experiments import LOST_BELOW


def random_summary(seed: int = 0, k: int = 4, n: int = 200, classes: int = 5):
    """Summary activations with many exact zeros (ReLU of Gaussians), labels and output weights."""
    gen = torch.Generator().manual_seed(seed)
    a = torch.relu(torch.randn(k, n, 2, generator=gen, dtype=torch.float64) + 0.3 * torch.randn(k, 1, 2, generator=gen))
    y = torch.randint(classes, (n,), generator=gen)
    w3 = torch.randn(k, 2, classes, generator=gen)
    return a, y, w3


def slow_shares(a, y, classes):
    """Per member, by loops: both-off share, [only A off, only B off] shares, per-class [only A, only B] shares."""
    k, n, _ = a.shape
    dead, one, per_class = np.zeros(k), np.zeros((k, 2)), np.full((k, 2, classes), np.nan)
    for m in range(k):
        counts, totals = np.zeros((2, classes)), np.zeros(classes)
        for i in range(n):
            a_a, a_b = float(a[m, i, 0]), float(a[m, i, 1])
            c = int(y[i])
            totals[c] += 1
            if a_a <= 0 and a_b <= 0:
                dead[m] += 1 / n
            elif a_a <= 0:
                one[m, 0] += 1 / n
                counts[0, c] += 1
            elif a_b <= 0:
                one[m, 1] += 1 / n
                counts[1, c] += 1
        for c in range(classes):
            if totals[c]:
                per_class[m, :, c] = counts[:, c] / totals[c]
    return dead, one, per_class


def slow_stuck(a, y, w3):
    """Per member and class, by loops: more than 1 − LOST_BELOW of its images on an axis ending in another class."""
    k, n, _ = a.shape
    classes = w3.shape[-1]
    _, _, per_class = slow_shares(a, y, classes)
    stuck = np.zeros((k, classes), dtype=bool)
    for m in range(k):
        end_b = max(range(classes), key=lambda c: float(w3[m, 1, c]))  # only A off: on the a_B axis
        end_a = max(range(classes), key=lambda c: float(w3[m, 0, c]))  # only B off: on the a_A axis
        for c in range(classes):
            for axis, end in ((0, end_b), (1, end_a)):
                if per_class[m, axis, c] > 1 - LOST_BELOW and end != c:
                    stuck[m, c] = True
    return stuck


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shares_match_loops(seed):
    a, y, _ = random_summary(seed)
    dead, one, per_class = slow_shares(a, y, 5)
    np.testing.assert_allclose(dead_nodes.dead_share(a).numpy(), dead)
    np.testing.assert_allclose(dead_nodes.one_off_shares(a).numpy(), one)
    np.testing.assert_allclose(dead_nodes.class_one_off_shares(a, y, 5).numpy(), per_class)


def test_a_class_without_images_reads_nan():
    a, y, _ = random_summary(3)
    y = torch.where(y == 4, 0, y)
    shares = dead_nodes.class_one_off_shares(a, y, 5).numpy()
    assert np.isnan(shares[..., 4]).all() and np.isfinite(shares[..., :4]).all()


def test_axis_end_classes_are_the_largest_output_weights():
    _, _, w3 = random_summary(4)
    ends = dead_nodes.axis_end_classes(w3).numpy()
    for m in range(w3.shape[0]):
        assert ends[m, 0] == int(np.argmax(w3[m, 1].numpy())) and ends[m, 1] == int(np.argmax(w3[m, 0].numpy()))


@pytest.mark.parametrize("seed", [0, 5, 6])
def test_stuck_classes_match_loops(seed):
    a, y, w3 = random_summary(seed, n=60)
    a[0, :40, 0] = 0.0  # member 0: most images only A off, so several classes sit on the a_B axis
    a[0, :40, 1] = 1.0
    expected = slow_stuck(a, y, w3)
    assert expected.any()
    np.testing.assert_array_equal(dead_nodes.stuck_classes(a, y, w3).numpy(), expected)


def test_the_axis_end_class_itself_is_not_stuck():
    a = torch.tensor([[[0.0, 1.0], [0.0, 2.0], [1.0, 1.0]]], dtype=torch.float64)  # two of three images on a_B axis
    y = torch.tensor([1, 1, 0])
    w3 = torch.tensor([[[0.0, 0.0], [0.0, 1.0]]])  # class 1 has the largest w_cB: the a_B axis ends in class 1
    assert not dead_nodes.stuck_classes(a, y, w3).any()
    w3 = torch.tensor([[[0.0, 0.0], [1.0, 0.0]]])  # now the a_B axis ends in class 0: class 1 is stuck
    assert dead_nodes.stuck_classes(a, y, w3).tolist() == [[False, True]]


def test_init_measures_match_the_network_and_do_not_depend_on_chunks():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.rand(120, 12, generator=gen), torch.randint(4, (120,), generator=gen)
    found = dead_nodes.init_measures(8, [3, 4, 5], x, y, chunk=2)
    net = summary_mlp(3, d_in=12, hidden=8, classes=4, seed=[3, 4, 5])
    a = dead_nodes.summary_output(net, x)
    dead, one, _ = slow_shares(a, y, 4)
    np.testing.assert_allclose(found["dead"], dead)
    np.testing.assert_allclose(found["one_off"], one)
    np.testing.assert_allclose(found["both_on"] + found["dead"] + found["one_off"].sum(axis=1), 1.0)
    np.testing.assert_array_equal(found["stuck"], slow_stuck(a, y, net.layers[-1].weight.detach()).sum(axis=1))
    again = dead_nodes.init_measures(8, [3, 4, 5], x, y, chunk=3)
    for name in found:
        np.testing.assert_array_equal(found[name], again[name])


def test_init_measures_rejects_a_bad_chunk():
    with pytest.raises(ValueError, match="chunk"):
        dead_nodes.init_measures(8, [0], torch.rand(5, 3), torch.zeros(5, dtype=torch.long), chunk=0)
