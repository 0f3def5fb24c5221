"""Metric kernels (probes): sample sets, activation fraction, predictability, informativeness, layer
perplexity, class-averaged activations, inner-/inter-class deviations, gaps and ratios, weight normalisation.

Conventions:
- activations ``a`` have shape ``(..., N, nodes)``: any leading dims (layers of equal width, stacked networks)
  are kept; ``labels`` are ``(N,)`` integers in ``[0, n_classes)``, shared by all leading dims;
- count-based and distance-based results are ``torch.float64``; undefined values are NaN, never zero;
- dense weights are ``(..., fan_in, fan_out)``; in the summary network (Davel 2020) summary node A is index 0
  and B is index 1 of the summary layer.

Sources: H&D = Haasbroek & Davel (2020); slides = Davel et al., AAAI 2020 talk; thesis = Chen (2017);
Davel 2020 = "Using Summary Layers to Probe Neural Network Behaviour", SACJ 32(2).
"""

import math
from collections.abc import Sequence
from typing import Literal, NamedTuple

import torch
from torch import Tensor

Metric = Literal["euclidean", "normalised_euclidean", "cosine", "correlation"]
METRICS = ("euclidean", "normalised_euclidean", "cosine", "correlation")
_CHUNK_ELEMENTS = 1 << 22  # elements of one distance block in the chunked inner-class deviation


class Deviation(NamedTuple):
    """Per-item deviations and their average (thesis eq. 6.2-6.3)."""

    per_item: Tensor  # (..., C) per class (inner) or (..., P) per class pair (inter)
    mean: Tensor  # (...,) average over the items where the deviation is defined
    pairs: Tensor | None = None  # (P, 2) class pairs (c, c') of per_item, inter-class only


# ---------------------------------------------------------------- sample sets (H&D §2.2, §4.2)


def binary_activations(a: Tensor) -> Tensor:
    """Binary node activation Ẑ = 1 if Z > 0 else 0 (H&D §4.2, text before eq. 10)."""
    return a > 0  # (..., N, nodes) bool


def class_one_hot(labels: Tensor, n_classes: int) -> Tensor:
    """One-hot class matrix (N, C) in float32 (exact for counts below 2**24)."""
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (N,), got shape {tuple(labels.shape)}")
    return torch.nn.functional.one_hot(labels.long(), n_classes).to(torch.float32)  # (N, C)


def class_sizes(labels: Tensor, n_classes: int) -> Tensor:
    """Number of samples per class |S_c| (H&D eq. 8), float64 (C,)."""
    return torch.bincount(labels.long(), minlength=n_classes).to(torch.float64)  # (C,)


def sample_set_sizes(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Per-class sample-set sizes |Ŝ^(c)_{l,i}| (H&D eq. 8): one matmul of one-hot^T with Ẑ."""
    onehot = class_one_hot(labels, n_classes).to(a.device)  # (N, C)
    z_hat = binary_activations(a).to(torch.float32)  # (..., N, nodes)
    return (onehot.T @ z_hat).to(torch.float64)  # (..., C, nodes)


# ---------------------------------------------------------------- activation fraction (H&D eq. 9, 16)


def class_activation_fraction(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Class-specific activation fraction f^(c)_{l,i} = |Ŝ^(c)_{l,i}| / |S_c| (H&D eq. 9); NaN for empty classes."""
    sizes = sample_set_sizes(a, labels, n_classes)  # (..., C, nodes)
    n_c = class_sizes(labels, n_classes).to(a.device)  # (C,)
    return sizes / n_c[:, None]  # (..., C, nodes), 0/0 = NaN where |S_c| = 0


def activation_fraction(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Node activation fraction f_{l,i} = mean over classes of f^(c)_{l,i} (H&D eq. 16, left).

    Classes without samples (f^(c) undefined) are left out of the mean.
    """
    return torch.nanmean(class_activation_fraction(a, labels, n_classes), dim=-2)  # (..., nodes)


def live_nodes(a: Tensor) -> Tensor:
    """Nodes active for at least one sample, |Ŝ_{l,i}| != 0: the set N_a^(l) of H&D eq. 16."""
    return binary_activations(a).any(dim=-2)  # (..., nodes) bool


def layer_activation_fraction(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Layer activation fraction f_l = mean of f_{l,i} over live nodes N_a^(l) (H&D eq. 16, right)."""
    f = activation_fraction(a, labels, n_classes)  # (..., nodes)
    return _mean_where(f, live_nodes(a))  # (...,), NaN if the layer has no live node


# ---------------------------------------------------------------- predictability, informativeness (H&D 10-17)


def joint_class_activation(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Joint estimates e_{l,i}(ẑ, c) of P(Ẑ_{l,i} = ẑ, Y = c) (H&D eq. 10-11); index 0 is ẑ = 0."""
    on = sample_set_sizes(a, labels, n_classes)  # (..., C, nodes)
    n_c = class_sizes(labels, n_classes).to(a.device)  # (C,)
    off = n_c[:, None] - on  # (..., C, nodes)
    return torch.stack([off, on], dim=-3) / labels.shape[0]  # (..., 2, C, nodes)


def defined_nodes(a: Tensor) -> Tensor:
    """Nodes with 0 < |Ŝ_{l,i}| < |S| (neither dead nor always on): the set N_b^(l) of H&D eq. 17."""
    z_hat = binary_activations(a)  # (..., N, nodes)
    return z_hat.any(dim=-2) & ~z_hat.all(dim=-2)  # (..., nodes) bool


def _e_log_e_over(e: Tensor, marginal: Tensor) -> Tensor:
    """Σ e·log(e / marginal) with 0·log 0 = 0 (marginal >= e >= 0, broadcast against e)."""
    terms = torch.xlogy(e, e) - torch.xlogy(e, marginal.expand_as(e))  # (..., 2, C, nodes)
    return terms.sum(dim=(-3, -2))  # (..., nodes)


def predictability(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Predictability p_{l,i} = 1 - H(Ẑ|Y) / log 2 (H&D eq. 12, 14); NaN for dead and always-on nodes."""
    e = joint_class_activation(a, labels, n_classes)  # (..., 2, C, nodes)
    p_class = e.sum(dim=-3, keepdim=True)  # (..., 1, C, nodes): Σ_x e(x, c) = |S_c| / |S|
    p = 1.0 + _e_log_e_over(e, p_class) / math.log(2.0)  # (..., nodes)
    return torch.where(defined_nodes(a), p, torch.nan)


def informativeness(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Informativeness u_{l,i} = 1 - H(Y|Ẑ) / log |C| (H&D eq. 13, 15), |C| = n_classes; NaN where undefined."""
    e = joint_class_activation(a, labels, n_classes)  # (..., 2, C, nodes)
    p_z = e.sum(dim=-2, keepdim=True)  # (..., 2, 1, nodes): Σ_x e(ẑ, x) = P(Ẑ = ẑ)
    u = 1.0 + _e_log_e_over(e, p_z) / math.log(n_classes)  # (..., nodes)
    return torch.where(defined_nodes(a), u, torch.nan)


def layer_predictability(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Layer predictability p_l: mean of p_{l,i} over N_b^(l) (H&D eq. 17); NaN if no node qualifies."""
    return _mean_where(predictability(a, labels, n_classes), defined_nodes(a))  # (...,)


def layer_informativeness(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Layer informativeness u_l: mean of u_{l,i} over N_b^(l) (H&D eq. 17); NaN if no node qualifies."""
    return _mean_where(informativeness(a, labels, n_classes), defined_nodes(a))  # (...,)


def _mean_where(x: Tensor, mask: Tensor) -> Tensor:
    """Mean of x over the last dim where mask holds; NaN where it never holds."""
    total = torch.where(mask, x, 0.0).sum(dim=-1)  # (...,)
    return total / mask.sum(dim=-1)  # 0/0 = NaN for an empty set


# ---------------------------------------------------------------- layer perplexity (slides 003)


def _pack_patterns(z_hat: Tensor) -> Tensor:
    """Pack binary rows (B, N, nodes) into int64 words (B, N, ceil(nodes / 62)), one bijective key per row."""
    bits = 62
    powers = 2 ** torch.arange(bits, dtype=torch.int64, device=z_hat.device)  # (62,)
    words = []
    for start in range(0, max(1, z_hat.shape[-1]), bits):
        chunk = z_hat[..., start : start + bits].long()  # (B, N, <= 62)
        words.append((chunk * powers[: chunk.shape[-1]]).sum(dim=-1))  # (B, N)
    return torch.stack(words, dim=-1)  # (B, N, W)


def class_layer_perplexity(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Per-class layer perplexity P(c, l) = exp H(c, l) (slides 003, "Node behavior: layer perplexity").

    Reading of the slides: the "discrete representation" of a sample at layer l is its binary activation
    pattern Ẑ over all nodes of the layer; K(c, l) holds, for every distinct pattern among the N_c samples of
    class c, its count n, so H(c, l) = -Σ_n (n / N_c) ln(n / N_c). Hence 1 <= P(c, l) <= min(N_c, 2**nodes);
    NaN for a class without samples.
    """
    lead = a.shape[:-2]
    z_hat = binary_activations(a).reshape(-1, *a.shape[-2:])  # (B, N, nodes)
    n_batch, n = z_hat.shape[:2]
    batch_idx = torch.arange(n_batch, device=a.device).repeat_interleave(n)  # (B*N,)
    label_idx = labels.long().to(a.device).repeat(n_batch)  # (B*N,)
    keys = torch.cat(
        [batch_idx[:, None], label_idx[:, None], _pack_patterns(z_hat).reshape(n_batch * n, -1)], 1
    )
    uniq, counts = torch.unique(keys, dim=0, return_counts=True)  # (U, 2 + W), (U,)
    n_c = class_sizes(labels, n_classes).to(a.device)  # (C,)
    p = counts.to(torch.float64) / n_c[uniq[:, 1]]  # (U,) n / N_c
    h = torch.zeros(n_batch * n_classes, dtype=torch.float64, device=a.device)
    h.index_add_(0, uniq[:, 0] * n_classes + uniq[:, 1], -p * torch.log(p))  # (B*C,)
    h = torch.where(n_c.repeat(n_batch) > 0, h, torch.nan)
    return torch.exp(h).reshape(*lead, n_classes)  # (..., C)


def layer_perplexity(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Average per-class layer perplexity: mean of P(c, l) over classes with samples (slides 003)."""
    return torch.nanmean(class_layer_perplexity(a, labels, n_classes), dim=-1)  # (...,)


# ---------------------------------------------------------------- class-averaged activations (thesis 3.6-3.7)


def class_averaged_activations(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Class-averaged activations A^(l)_(c) = (1/N_c) Σ_n a^(l)_(c),n (thesis eq. 3.6), stacked as rows.

    Returns the (classes × nodes) matrix; the thesis' A^(l) (eq. 3.7, Fig. 3.12) is its transpose.
    Rows of classes without samples are NaN.
    """
    onehot = class_one_hot(labels, n_classes).to(device=a.device, dtype=torch.float64)  # (N, C)
    sums = onehot.T @ a.to(torch.float64)  # (..., C, nodes)
    return sums / class_sizes(labels, n_classes).to(a.device)[:, None]  # (..., C, nodes)


# ---------------------------------------------------------------- deviations (thesis eq. 6.1-6.9)


def activation_level(a: Tensor, labels: Tensor, n_classes: int) -> Tensor:
    """Overall activation level: mean L1 norm of a sample's activation vector (thesis eq. 6.4-6.6).

    Uses the explicit form of eq. 6.5-6.6, (1/N_class) Σ_c (1/N_c) Σ_n ||a_(c),n||_1 over the classes with
    samples; it equals eq. 6.4 (total L1 mass / number of samples) when classes are balanced.
    """
    l1 = a.to(torch.float64).abs().sum(dim=-1, keepdim=True)  # (..., N, 1)
    per_class = class_averaged_activations(l1, labels, n_classes)[..., 0]  # (..., C)
    return torch.nanmean(per_class, dim=-1)  # (...,)


def _unit_rows(x: Tensor, metric: str) -> Tensor:
    """Rows centred (correlation) and scaled to unit L2 norm; NaN rows where the norm is zero."""
    if metric == "correlation":
        x = x - x.mean(dim=-1, keepdim=True)  # d_corr(x, y) = d_cos(x - x̄, y - ȳ) (thesis after eq. 6.9)
    norm = torch.linalg.vector_norm(x, dim=-1, keepdim=True)  # (..., n, 1)
    return x / torch.where(norm > 0, norm, torch.nan)


def pairwise_distances(x: Tensor, y: Tensor, metric: Metric = "euclidean") -> Tensor:
    """Distances between rows of x (..., n, d) and y (..., m, d): d_E (eq. 6.1), d_cos (6.7), d_corr (6.8-6.9).

    Exact (no Gram-matrix shortcut for d_E), so meant for small sets such as class means; NaN where a
    cosine/correlation distance is undefined (zero or constant vector).
    """
    x, y = x.to(torch.float64), y.to(torch.float64)
    if metric in ("euclidean", "normalised_euclidean"):
        return torch.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist")  # (..., n, m)
    if metric in ("cosine", "correlation"):
        return 1.0 - _unit_rows(x, metric) @ _unit_rows(y, metric).transpose(-1, -2)  # (..., n, m)
    raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")


def _mean_pairwise_euclidean(x: Tensor) -> Tensor:
    """Mean of ||x_i - x_j||_2 over distinct pairs i != j of rows of x (..., n, d), exact, chunked over rows."""
    n = x.shape[-2]
    total = torch.zeros(x.shape[:-2], dtype=x.dtype, device=x.device)  # (...,)
    if n < 2:
        return total + torch.nan
    x = x - x.mean(dim=-2, keepdim=True)  # translation-invariant; centring improves the Gram-matrix precision
    sq = (x * x).sum(dim=-1)  # (..., n)
    rows = max(1, _CHUNK_ELEMENTS // (n * max(1, total.numel())))
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        gram = x[..., start:stop, :] @ x.transpose(-1, -2)  # (..., rows, n)
        d = (sq[..., start:stop, None] + sq[..., None, :] - 2.0 * gram).clamp_min(0.0).sqrt()
        idx = torch.arange(start, stop, device=x.device)
        d[..., idx - start, idx] = 0.0  # the diagonal i == j is not a pair
        total = total + d.sum(dim=(-2, -1))
    return total / (n * (n - 1))


def _mean_pairwise_cosine(x: Tensor, metric: str) -> Tensor:
    """Mean of d_cos (or d_corr) over distinct pairs with a defined distance; closed form via Σ u_i."""
    u = _unit_rows(x, metric)  # (..., n, d), NaN rows where undefined
    valid = ~torch.isnan(u[..., 0])  # (..., n)
    u = torch.where(valid[..., None], u, 0.0)
    s = u.sum(dim=-2)  # (..., d)
    k = valid.sum(dim=-1).to(x.dtype)  # (...,) rows with a defined distance
    off_diagonal = (s * s).sum(dim=-1) - (u * u).sum(dim=(-2, -1))  # Σ_{i != j} u_i · u_j
    mean = 1.0 - off_diagonal / (k * (k - 1))
    return torch.where(k >= 2, mean, torch.nan)  # undefined with fewer than 2 valid rows


def inner_class_deviation(
    a: Tensor, labels: Tensor, n_classes: int, metric: Metric = "euclidean"
) -> Deviation:
    """Inner-class deviation (thesis eq. 6.2, 6.5; cosine/correlation "defined similarly").

    Per class: the mean distance over all distinct sample pairs of the class (the 2/(N_c(N_c-1)) normalisation
    of eq. 6.2, i.e. unordered pairs); plain (not squared) Euclidean distance is computed exactly, in chunks.
    Cosine/correlation: pairs involving a zero (constant) vector, whose distance is undefined, are left out.
    Mean: over the classes with a defined value (>= 2 samples). "normalised_euclidean" divides both by the
    activation level (eq. 6.5).
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    x = a.to(torch.float64)  # (..., N, nodes)
    per_class = []
    for c in range(n_classes):
        xc = x.index_select(-2, torch.nonzero(labels.to(a.device) == c).flatten())  # (..., N_c, nodes)
        if metric in ("cosine", "correlation"):
            per_class.append(_mean_pairwise_cosine(xc, metric))
        else:
            per_class.append(_mean_pairwise_euclidean(xc))
    per_item = torch.stack(per_class, dim=-1)  # (..., C)
    if metric == "normalised_euclidean":
        per_item = per_item / activation_level(a, labels, n_classes)[..., None]
    return Deviation(per_item, torch.nanmean(per_item, dim=-1))


def class_pairs(n_classes: int, pairs: Literal["all", "adjacent"] = "all") -> Tensor:
    """Class pairs for the inter-class deviation: all c < c' (thesis §6.4.2, MNIST: 45) or (c, c+1) (eq. 6.3)."""
    if pairs == "all":
        return torch.combinations(torch.arange(n_classes), r=2)  # (C(C-1)/2, 2)
    if pairs == "adjacent":
        return torch.stack([torch.arange(n_classes - 1), torch.arange(1, n_classes)], dim=1)  # (C-1, 2)
    raise ValueError(f"pairs must be 'all' or 'adjacent', got {pairs!r}")


def inter_class_deviation(
    a: Tensor,
    labels: Tensor,
    n_classes: int,
    metric: Metric = "euclidean",
    pairs: Literal["all", "adjacent"] = "all",
) -> Deviation:
    """Inter-class deviation: distance between class-averaged activations A_(c), A_(c') (thesis eq. 6.3, 6.6).

    Per pair, then the mean over pairs with a defined distance (eq. 6.3 writes 1/N_class before a sum of
    N_class - 1 adjacent pairs; we take the mean over the pairs). "adjacent": jump detection (c, c+1);
    "all": every pair, as for MNIST (§6.4.2).
    """
    means = class_averaged_activations(a, labels, n_classes)  # (..., C, nodes)
    idx = class_pairs(n_classes, pairs).to(a.device)  # (P, 2)
    d = pairwise_distances(means, means, metric)  # (..., C, C)
    per_item = d[..., idx[:, 0], idx[:, 1]]  # (..., P)
    if metric == "normalised_euclidean":
        per_item = per_item / activation_level(a, labels, n_classes)[..., None]
    return Deviation(per_item, torch.nanmean(per_item, dim=-1), idx)


# ---------------------------------------------------------------- gaps and ratios (Davel 2020 §3.2)


def weight_gaps(w_out: Tensor) -> Tensor:
    """Weight gaps φ_{k c_s c_t} = w_{c_s k} - w_{c_t k} for summary node k in (A, B) (Davel 2020 eq. 6).

    w_out: summary-to-output weights (..., 2, C); returns φ (..., 2, C, C) indexed [k, c_s, c_t].
    """
    return w_out[..., :, :, None] - w_out[..., :, None, :]  # (..., 2, C, C)


def phi_ratio(w_out: Tensor) -> Tensor:
    """Weight ratio φ-ratio(c_s, c_t) = φ_{B c_t c_s} / φ_{A c_s c_t} (Davel 2020 eq. 7); NaN on the diagonal."""
    phi = weight_gaps(w_out)  # (..., 2, C, C)
    ratio = phi[..., 1, :, :].transpose(-1, -2) / phi[..., 0, :, :]  # (..., C, C)
    eye = torch.eye(w_out.shape[-1], dtype=torch.bool, device=w_out.device)
    return torch.where(eye, torch.nan, ratio)


def weight_gap_product(w_out: Tensor) -> Tensor:
    """φ_{A c_s c_t} · φ_{B c_t c_s}, positive for every pair when all classes can be classified (eq. 17, Fig. 4)."""
    phi = weight_gaps(w_out)  # (..., 2, C, C)
    return phi[..., 0, :, :] * phi[..., 1, :, :].transpose(-1, -2)  # (..., C, C)


def alpha_ratio(a_summary: Tensor) -> Tensor:
    """Activation ratio α-ratio(s) = a_A^s / a_B^s (Davel 2020 eq. 8); NaN (undefined) where a_B^s = 0."""
    a_a, a_b = a_summary[..., 0].to(torch.float64), a_summary[..., 1].to(torch.float64)  # (..., N)
    return torch.where(a_b != 0, a_a / a_b, torch.nan)  # (..., N)


def activation_gaps(a_summary: Tensor, s: Tensor, t: Tensor) -> Tensor:
    """Activation gaps α_{k s t} = a_k^s - a_k^t for sample pairs (s, t) (Davel 2020 eq. 5); (..., P, 2)."""
    return a_summary[..., s, :] - a_summary[..., t, :]  # (..., P, 2) [α_A, α_B]


def gap_products(a_summary: Tensor, labels: Tensor, w_out: Tensor, s: Tensor, t: Tensor) -> Tensor:
    """[α_{A st} φ_{A c_s c_t}, α_{B st} φ_{B c_t c_s}] per pair; eq. 18: first > second if s, t correct (Fig. 10)."""
    alpha = activation_gaps(a_summary.to(torch.float64), s, t)  # (..., P, 2)
    phi = weight_gaps(w_out.to(torch.float64))  # (..., 2, C, C)
    cs, ct = labels[s].long(), labels[t].long()  # (P,)
    phi_a = phi[..., 0, cs, ct]  # (..., P)
    phi_b_ts = phi[..., 1, ct, cs]  # (..., P)
    return torch.stack([alpha[..., 0] * phi_a, alpha[..., 1] * phi_b_ts], dim=-1)  # (..., P, 2)


def node_ratio(w_summary: Tensor) -> Tensor:
    """Node ratio w_{An} / w_{Bn} of hidden node n (Davel 2020 eq. 14); w_summary (..., H, 2) -> (..., H)."""
    return w_summary[..., 0].to(torch.float64) / w_summary[..., 1].to(torch.float64)  # (..., H)


def allowed_alpha_ratio_range(w_out: Tensor) -> tuple[Tensor, Tensor]:
    """Allowed α-ratio interval (low, high) per class (Davel 2020 eq. 12, Fig. 6), each (..., C).

    low = max over m of φ-ratio(c, m) where φ_{A c m} > 0 (-inf if none); high = min where φ_{A c m} < 0
    (+inf if none).
    """
    w_out = w_out.to(torch.float64)
    ratio = phi_ratio(w_out)  # (..., C, C)
    phi_a = weight_gaps(w_out)[..., 0, :, :]  # (..., C, C) φ_{A c_i c_m}
    low = torch.where(phi_a > 0, ratio, -torch.inf).amax(dim=-1)  # (..., C)
    high = torch.where(phi_a < 0, ratio, torch.inf).amin(dim=-1)  # (..., C)
    return low, high


def ratio_conditions(a_summary: Tensor, labels: Tensor, w_out: Tensor) -> Tensor:
    """Correct classification of each sample predicted from the ratio conditions alone (Davel 2020 eq. 12-13).

    a_B > 0: low(c_i) < α-ratio(i) < high(c_i) (eq. 12). a_B = 0: a_A > 0 and φ_{A c_i c_m} > 0 for all m != i,
    as derived in Appendix A.1 (eq. 21 and the sentence after it; eq. 13 as printed writes φ-ratio > 0, which
    is necessary but not sufficient). Both are "iff" for strict correctness z_{c_i} > z_{c_m} for all m != i.
    Pairs with φ_A = 0 (outside the assumption of eq. 11) need a_B φ_{B c_i c_m} > 0.
    """
    w_out = w_out.to(torch.float64)
    a_a, a_b = a_summary[..., 0].to(torch.float64), a_summary[..., 1].to(torch.float64)  # (..., N)
    y = labels.long()  # (N,)
    low, high = allowed_alpha_ratio_range(w_out)  # (..., C)
    phi = weight_gaps(w_out)  # (..., 2, C, C)
    off = ~torch.eye(w_out.shape[-1], dtype=torch.bool, device=w_out.device)  # m != i
    tie_ok = ((phi[..., 0, :, :] != 0) | (phi[..., 1, :, :] > 0) | ~off).all(dim=-1)  # (..., C)
    all_a_pos = ((phi[..., 0, :, :] > 0) | ~off).all(dim=-1)  # (..., C)
    alpha = a_a / torch.where(a_b > 0, a_b, 1.0)  # (..., N), used only where a_B > 0
    by_ratio = (alpha > low[..., y]) & (alpha < high[..., y]) & tie_ok[..., y]  # eq. 12
    by_a_only = (a_a > 0) & all_a_pos[..., y]  # eq. 13 / A.1
    return torch.where(a_b > 0, by_ratio, by_a_only)  # (..., N) bool


# ---------------------------------------------------------------- weight normalisation (Davel 2020 §3.3)


def normalise_weights(
    weights: Sequence[Tensor], biases: Sequence[Tensor | None] | None = None
) -> tuple[list[Tensor], list[Tensor | None]]:
    """Per-layer weight normalisation (Davel 2020 §3.3), output-preserving for ReLU nets.

    weights: dense W_l (..., fan_in, fan_out), input to output; biases: per layer (..., fan_out) or None
    (the studies' nets have a bias in the first layer only). Layer by layer, each hidden node's fan-in vector
    (its weights and bias) is divided by its Euclidean norm and its fan-out weights multiplied by that norm;
    the output layer absorbs the norms. Nodes with an all-zero fan-in vector are left unchanged.
    """
    ws = [w.clone() for w in weights]
    bs = [None if b is None else b.clone() for b in (biases if biases is not None else [None] * len(ws))]
    if len(bs) != len(ws):
        raise ValueError(f"got {len(ws)} weight matrices but {len(bs)} biases")
    for layer in range(len(ws) - 1):
        sq = (ws[layer] ** 2).sum(dim=-2)  # (..., fan_out)
        if bs[layer] is not None:
            sq = sq + bs[layer] ** 2
        norm = torch.where(sq > 0, sq.sqrt(), 1.0)  # (..., fan_out)
        ws[layer] = ws[layer] / norm[..., None, :]
        if bs[layer] is not None:
            bs[layer] = bs[layer] / norm
        ws[layer + 1] = ws[layer + 1] * norm[..., :, None]  # next layer's fan-in rows = this node's fan-out
    return ws, bs
