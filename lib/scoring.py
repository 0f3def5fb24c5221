"""Strict scoring: a sample counts as correct only when its label's score is strictly the
largest. A tie among the largest scores, e.g. all-zero outputs of a silenced network, is wrong, never class 0."""

from torch import Tensor


def strictly_correct(scores: Tensor, labels: Tensor) -> Tensor:
    """True where scores[..., label] exceeds every other class's score; scores (..., C), labels broadcastable to
    scores.shape[:-1]: bool (...)."""
    labels = labels.expand(scores.shape[:-1]).unsqueeze(-1)  # (..., 1)
    target = scores.gather(-1, labels)  # (..., 1)
    others = scores.scatter(-1, labels, float("-inf"))  # (..., C) with the label's own score removed
    return target.squeeze(-1) > others.amax(dim=-1)
