"""Scores for a set of generated digits, most read through the judge (``classifier``): the
Frechet distance of its features, precision and recall of its features (k-NN manifolds), how
the samples spread over the ten digits, its confidence; and the copy fraction, from distances
to the nearest training image.

Introduced in 05_vae_mnist; explained in 14_evaluating_generative_models.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from course_utils.classifier import Judge, features, probabilities


def frechet_distance(
    mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray
) -> float:
    """||mu1 - mu2||^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2)) between two Gaussians N(mu1, C1), N(mu2, C2).

    Tr (C1 C2)^(1/2) is computed as the sum of the square roots of the eigenvalues of the
    symmetric matrix C1^(1/2) C2 C1^(1/2), which has the same eigenvalues as C1 C2: stable even
    when a covariance is singular (dead ReLU features).
    """
    values, vectors = np.linalg.eigh(cov1)
    root1 = (vectors * np.sqrt(values.clip(min=0))) @ vectors.T
    trace_root = np.sqrt(np.linalg.eigvalsh(root1 @ cov2 @ root1).clip(min=0)).sum()
    return float(
        np.sum((mu1 - mu2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2 * trace_root
    )


def feature_stats(images: torch.Tensor, model: Judge) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the judge's features of a set of images: one side of a judge-FID."""
    f = features(images, model)
    return f.mean(0), np.cov(f, rowvar=False)


def fid(images_a: torch.Tensor, images_b: torch.Tensor, model: Judge) -> float:
    """Frechet distance between judge features of two image sets ("judge-FID").

    Values compare only between image sets scored by the same judge.
    """
    return frechet_distance(
        *feature_stats(images_a, model), *feature_stats(images_b, model)
    )


def _knn_radii(points: torch.Tensor, k: int, batch: int) -> torch.Tensor:
    """Distance from each point to its k-th nearest OTHER point of the same set."""
    radii = []
    for start in range(0, len(points), batch):
        distances = torch.cdist(points[start : start + batch], points)
        rows = torch.arange(len(distances))
        distances[rows, rows + start] = math.inf  # a point is not its own neighbour
        radii.append(distances.kthvalue(k, dim=1).values)
    return torch.cat(radii)


def _inside(
    queries: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, batch: int
) -> float:
    """Share of queries within radii[j] of some centre j (in the union of the balls)."""
    hits = [
        (torch.cdist(chunk, centres) <= radii).any(1) for chunk in queries.split(batch)
    ]
    return torch.cat(hits).double().mean().item()


@torch.no_grad()
def precision_recall(
    real: np.ndarray | torch.Tensor,
    generated: np.ndarray | torch.Tensor,
    k: int = 3,
    batch: int = 1_000,
) -> tuple[float, float]:
    """Improved precision and recall (Kynkaenniemi et al., 2019) of two feature sets (rows).

    The manifold of a set is the union of balls, one around each of its points, reaching its
    k-th nearest other point of the set. precision: share of generated points inside the real
    manifold (fidelity); recall: share of real points inside the generated one (diversity).
    Distances are computed `batch` rows at a time: memory batch x N.
    """
    real = torch.as_tensor(real, dtype=torch.float32)
    generated = torch.as_tensor(generated, dtype=torch.float32)
    precision = _inside(generated, real, _knn_radii(real, k, batch), batch)
    recall = _inside(real, generated, _knn_radii(generated, k, batch), batch)
    return precision, recall


def class_balance(counts: np.ndarray) -> dict[str, Any]:
    """How evenly samples spread over the digits, from the judge's class histogram (10 counts).

    coverage: digits making up at least 1% of samples; class_ratio: largest class count over
    smallest (inf if a digit is missing); min_class_fraction: the rarest digit's share.
    """
    counts = np.asarray(counts)
    return {
        "coverage": int((counts >= 0.01 * counts.sum()).sum()),
        "class_ratio": float(counts.max() / counts.min())
        if counts.min() > 0
        else math.inf,
        "min_class_fraction": float(counts.min() / counts.sum()),
    }


def copy_fraction(
    distances: np.ndarray | torch.Tensor,
    held_out_distances: np.ndarray | torch.Tensor,
    quantile: float = 0.01,
) -> float:
    """Share of samples at most as far from the training set as the closest `quantile` of new real digits.

    distances: each sample's distance to its nearest training image; held_out_distances: the same
    for real held-out digits, whose `quantile`-quantile is the threshold. New real digits score
    about `quantile` by construction; a model that copies (or nearly copies) a share s of its
    samples from the training set scores at least s, however far its other samples are.
    """
    threshold = np.quantile(np.asarray(held_out_distances, dtype=float), quantile)
    return float((np.asarray(distances, dtype=float) <= threshold).mean())


def judge_report(
    samples: torch.Tensor, real: torch.Tensor, model: Judge
) -> dict[str, Any]:
    """Headline numbers for a set of generated digits, against real held-out images: judge-FID,
    class_balance() of the judge's histogram, and confidence (the mean top judge probability).
    """
    probs = probabilities(samples, model)
    counts = np.bincount(probs.argmax(1).numpy(), minlength=10)
    return {
        "fid": fid(samples, real, model),
        **class_balance(counts),
        "confidence": float(probs.max(1).values.mean()),
        "class_counts": counts.tolist(),
    }
