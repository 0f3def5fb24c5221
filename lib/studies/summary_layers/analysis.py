"""Summary layers: everything the chapter measures on the analysed network (Davel 2020 §3.3-§5) in one place —
normalisation, gaps and ratios, eq. 12-13 agreement, eq. 17, eq. 18 and the confusable pairs."""

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from lib import probes, scoring
from lib.models import StackedNet
from lib.studies.summary_layers import theory
from lib.studies.summary_layers.network import Forward, SummaryWeights, forward, member_weights, tied_samples

PAIR_THRESHOLD = 0.0020  # Davel 2020 §5: pairs above this share (absolute) of the evaluation set in errors
PAPER_PAIRS = (("3-8", 0.0048), ("2-8", 0.0047), ("4-9", 0.0040), ("7-9", 0.0038))  # Davel 2020 §5


@dataclass(frozen=True)
class Analysis:
    """The analysed network (member k of a grid) on evaluation images (x, y): raw and normalised float64 weights
    and forward passes, the network's own float32 logits, and the checks of §3.3-§5 on every sample."""

    y: Tensor
    raw: SummaryWeights
    normed: SummaryWeights
    out_raw: Forward
    out_norm: Forward
    logits32: Tensor
    predicted: Tensor  # (N,) bool: eq. 12-13 (A.1) say "correct", normalised network
    actual: Tensor  # (N,) bool: strictly correct, the network's float32 logits
    actual64: Tensor  # (N,) bool: strictly correct, float64 forward of the normalised weights
    agreement: np.ndarray  # (2, 2) predicted × actual
    agreement_raw: np.ndarray  # the same on the un-normalised network in float64
    eq18: theory.Eq18Check
    eq18_raw: theory.Eq18Check

    @property
    def n_classes(self) -> int:
        """Output classes C."""
        return self.normed.w3.shape[-1]

    @property
    def ties(self) -> Tensor:
        """(N,) bool: samples whose largest float32 logit is tied (a_A = a_B = 0 gives all-zero logits)."""
        return tied_samples(self.logits32)

    @property
    def disagree(self) -> Tensor:
        """Indices of the samples on which eq. 12-13 and the network's own outcome disagree."""
        return torch.nonzero(self.predicted != self.actual).flatten()

    @property
    def alpha(self) -> np.ndarray:
        """α-ratio a_A / a_B of every sample (eq. 8), normalised network: (N,)."""
        return probes.alpha_ratio(self.out_norm.summary).numpy()

    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        """Allowed α-ratio interval (low, high) of each class (eq. 12), normalised network: (C,) each."""
        low, high = probes.allowed_alpha_ratio_range(self.normed.w3)
        return low.numpy(), high.numpy()

    def logit_change(self) -> tuple[float, float]:
        """(largest |logit change| by normalisation, largest |logit|) over the evaluation images (§3.3)."""
        return (float((self.out_raw.logits - self.out_norm.logits).abs().max()),
                float(self.out_raw.logits.abs().max()))

    def pair_rates(self) -> np.ndarray:
        """(C, C) confusions between two classes (either direction) as a share of the whole evaluation set,
        tied samples left out (their `argmax` is arbitrary) (§5)."""
        untied = ~self.ties
        rates = theory.pair_error_rates(self.y[untied], self.logits32.argmax(dim=1)[untied], self.n_classes)
        return rates * (int(untied.sum()) / len(self.y))

    def outcomes_unchanged(self) -> bool:
        """§3.3: every sample has the same strict outcome and the same predicted class before and after
        normalisation (float64 forward passes of the raw and the normalised weights)."""
        raw, normed = self.out_raw.logits, self.out_norm.logits
        return bool(torch.equal(scoring.strictly_correct(raw, self.y), scoring.strictly_correct(normed, self.y))
                    and torch.equal(raw.argmax(dim=1), normed.argmax(dim=1)))

    def gap_sides(self, s: Tensor, t: Tensor) -> np.ndarray:
        """Both sides of eq. 18, [α_A φ_{A c_s c_t}, α_B φ_{B c_t c_s}], for sample pairs (s, t): (P, 2)."""
        return probes.gap_products(self.out_norm.summary, self.y, self.normed.w3, s, t).numpy()

    def pairs_above(self) -> tuple[list[tuple[int, int]], int]:
        """Class pairs above PAIR_THRESHOLD of the evaluation set in errors, and how many are boundary pairs."""
        above = [(i, j) for i, j, r in theory.top_pairs(self.pair_rates(), 45) if r > PAIR_THRESHOLD]
        boundary = theory.boundary_pairs(self.normed.w3)
        return above, sum(pair in boundary for pair in above)


def analyse(net: StackedNet, k: int, x: Tensor, y: Tensor) -> Analysis:
    """Analysis of member k of `net` on (x, y): eq. 12-13 with Appendix A.1's condition for a_B = 0, strict
    outcomes (a tie is wrong), eq. 18 on every ordered pair of correct samples."""
    raw = member_weights(net, k)
    normed = raw.normalised()
    out_raw, out_norm = forward(raw, x), forward(normed, x)
    with torch.no_grad():
        logits32 = net(x)[k]
    predicted = probes.ratio_conditions(out_norm.summary, y, normed.w3)
    actual = scoring.strictly_correct(logits32, y)
    actual64 = scoring.strictly_correct(out_norm.logits, y)
    actual_raw = scoring.strictly_correct(out_raw.logits, y)
    return Analysis(y, raw, normed, out_raw, out_norm, logits32, predicted, actual, actual64,
                    theory.agreement_table(predicted, actual),
                    theory.agreement_table(probes.ratio_conditions(out_raw.summary, y, raw.w3), actual_raw),
                    theory.eq18_check(out_norm.summary, y, normed.w3, actual64),
                    theory.eq18_check(out_raw.summary, y, raw.w3, actual_raw))


def scatter_pairs(correct: Tensor, labels: Tensor, count: int, seed: int) -> tuple[Tensor, Tensor]:
    """Up to `count` random ordered pairs (s, t) of correct samples of different classes (Fig. 10)."""
    rng = np.random.default_rng(seed)
    idx = torch.nonzero(correct).flatten().numpy()
    s, t = rng.choice(idx, size=4 * count), rng.choice(idx, size=4 * count)
    keep = (labels[s] != labels[t]).numpy()
    return torch.from_numpy(s[keep][:count]), torch.from_numpy(t[keep][:count])


def margin(logits: Tensor, y: Tensor) -> Tensor:
    """(N,) the true class's logit minus the largest other logit (> 0: strictly correct)."""
    return logits.gather(1, y[:, None])[:, 0] - logits.scatter(1, y[:, None], -torch.inf).amax(1)
