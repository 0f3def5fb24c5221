"""2-D maps of signals and layer activations: PCA to 50 dimensions, then t-SNE (openTSNE, FIt-SNE)."""

import numpy as np
from openTSNE import TSNE
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors


def pca_reduce(x: np.ndarray, dims: int = 50, seed: int = 0) -> np.ndarray:
    """Project (N, d) onto its first `dims` principal components (unchanged when d <= dims)."""
    if x.shape[1] <= dims:
        return x.astype(np.float32)
    return PCA(n_components=dims, random_state=seed).fit_transform(x).astype(np.float32)


def tsne_map(x: np.ndarray, perplexity: float = 30.0, seed: int = 0, n_jobs: int = 2) -> np.ndarray:
    """t-SNE embedding (N, 2) of the rows of x (N, d), PCA-initialised, deterministic for a seed."""
    if len(x) <= 3 * perplexity:
        raise ValueError(f"t-SNE needs more than 3 * perplexity = {3 * perplexity:g} points, got {len(x)}")
    reduced = pca_reduce(np.asarray(x, dtype=np.float32), seed=seed)
    embedding = TSNE(perplexity=perplexity, initialization="pca", random_state=seed, n_jobs=n_jobs,
                     verbose=False).fit(reduced)
    return np.asarray(embedding, dtype=np.float32)


def neighbour_gap(points: np.ndarray, values: np.ndarray, k: int = 5) -> float:
    """Mean |value difference| between each point and its k nearest neighbours in the map (continuity score)."""
    index = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points, return_distance=False)
    return float(np.abs(values[index[:, 1:]] - values[:, None]).mean())  # column 0 is the point itself
