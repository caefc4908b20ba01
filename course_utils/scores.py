"""Scores for a set of generated digits, most read through the judge (``classifier``): the
Frechet distance of its features, how the samples spread over the ten digits, its confidence;
and the copy fraction, from distances to the nearest training image.

Introduced in 05_vae_mnist; explained in 13_evaluating_generative_models.
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
