"""Strict scoring: a tie among the largest outputs is wrong, checked against a loop on random tied data."""

import torch

from lib.scoring import strictly_correct
from lib.train import error_count


def strictly_correct_loop(scores, labels):
    """The obvious definition: the label's score is larger than each other class's."""
    out = torch.zeros(scores.shape[:-1], dtype=torch.bool)
    for index in torch.cartesian_prod(*[torch.arange(n) for n in scores.shape[:-1]]).reshape(-1, scores.dim() - 1):
        row, label = scores[tuple(index)], labels[tuple(index)]
        out[tuple(index)] = all(row[label] > row[c] for c in range(len(row)) if c != label)
    return out


def test_all_zero_outputs_are_never_correct():
    scores = torch.zeros(3, 5, 10)
    labels = torch.zeros(3, 5, dtype=torch.long)  # class 0: what argmax would pick
    assert not strictly_correct(scores, labels).any()
    assert error_count(scores, labels).tolist() == [5, 5, 5]


def test_matches_a_loop_on_random_scores_with_many_ties():
    gen = torch.Generator().manual_seed(0)
    scores = torch.randint(0, 3, (4, 50, 6), generator=gen).float()  # few values: ties are frequent
    labels = torch.randint(0, 6, (4, 50), generator=gen)
    assert torch.equal(strictly_correct(scores, labels), strictly_correct_loop(scores, labels))
    assert strictly_correct(scores, labels).any() and not strictly_correct(scores, labels).all()


def test_labels_broadcast_over_leading_axes():
    gen = torch.Generator().manual_seed(1)
    scores = torch.randn(7, 3, 4, generator=gen)
    labels = torch.randint(0, 4, (7, 1), generator=gen)
    assert torch.equal(strictly_correct(scores, labels), strictly_correct_loop(scores, labels.expand(7, 3)))
