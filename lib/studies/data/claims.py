"""The data page's claims: what the thesis says of its signals (Fig. 3.1, 3.2), and two checks of our own data
(identities of the generator and the loader, listed apart from the reproductions)."""

from lib.claims import Claim, is_true

CLAIMS = (
    Claim("chen2017.f3.1.easy_and_hard", "thesis §3.1, Fig. 3.1",
          "For the left signal the jump location is easy to detect. For the right signal, it is hard to tell the "
          "exact location in a range between 45 and 55.", "easy and hard signals at one σ",
          is_true("at this σ, the signals drawn hold at least one clear signal (p(t0 | x) ≥ 0.99 at the true "
                  "position) and at least one hard one (no position at p ≥ 0.5, yet ≥ 0.9 of p within ±5 of t0): "
                  "the thesis says such signals exist, not how many"),
          label="Easy and hard signals exist"),
    Claim("chen2017.f3.2.manifold", "thesis §3.1, Fig. 3.2",
          "The visualization shows that the input data are grouped along a low-dimensional manifold in the "
          "100-dimensional input space, which in turn suggests that the data are distributed continuously.",
          "grouped along a low-dimensional manifold",
          is_true("neighbours in the t-SNE map are closer in jump position than in random relabellings of the same "
                  "map: permutation test of the null 'the map ignores the position', p < 0.05"),
          label="t-SNE map ordered by position"),
    Claim("chen2017.eq3.1.noise", "thesis eq. 3.1",
          "x_i ~ N(0, σ²) before the jump and N(θ, σ²) from it on: with the step removed, the noise divided by σ "
          "has unit spread (an identity of the generator).",
          1.0, is_true("std of (x − step) / σ within 3.29 sampling standard errors 1/√(2 N n) of 1"),
          role="check", label="Generator: unit noise spread"),
    Claim("hd2020.s4.1.mnist", "H&D §4.1; Davel 2020 §4.1",
          "MNIST as published: 60,000 training and 10,000 test images, with the official per-digit counts.",
          "the official MNIST", is_true("the per-digit counts of both sets equal the published ones"),
          role="check", label="Loader: official MNIST counts"),
)
