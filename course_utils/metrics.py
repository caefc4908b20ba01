"""Judging generated digits: a digit classifier, the Frechet distance of its features, class
histograms; and the samples and metrics files of CONTRACTS.md.

Introduced in 03_vae_mnist; explained in 06_evaluating_generative_models.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import config, data
from course_utils.device import get_device
from course_utils.training import RunningAverage, checkpoint_path, tqdm, train_or_load

JUDGE_STEPS = {"full": 1500, "quick": 200}
JUDGE_BATCH = 128
FEATURES = 128
REQUIRED_METRICS = {"quick": bool, "device": str, "train_images": int}
SAMPLES = {"full": 10_000, "quick": 500}  # images in each samples/<model>.pt


class Judge(nn.Module):
    """A small CNN digit classifier; its 128 penultimate activations are the features for FID."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 16 x 14 x 14
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 7 x 7
            nn.Flatten(), nn.Linear(32 * 7 * 7, FEATURES), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Linear(FEATURES, 10)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(images))


def _shift(images: torch.Tensor, max_shift: int = 2) -> torch.Tensor:
    """Augmentation: translate the whole batch by up to max_shift pixels (zero padding)."""
    dx, dy = torch.randint(-max_shift, max_shift + 1, (2,)).tolist()
    padded = F.pad(images, (max_shift,) * 4)
    return padded[..., max_shift + dy : max_shift + dy + 28, max_shift + dx : max_shift + dx + 28]


def _train_judge(model: Judge, images: torch.Tensor, labels: torch.Tensor, steps: int) -> dict[str, Any]:
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=steps)
    generator = torch.Generator().manual_seed(0)
    meter, step = RunningAverage(), 0
    with tqdm(total=steps, desc="training the judge", leave=False) as bar:
        while step < steps:
            for x, y in data.batches(images, labels, JUDGE_BATCH, generator=generator, drop_last=True):
                loss = F.cross_entropy(model(_shift(x)), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                meter.update(loss.item(), len(y))
                step += 1
                bar.update()
                if step == steps:
                    break
    return {"train_loss": meter.value, "steps": steps}


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of images classified correctly."""
    model.eval()
    batches = data.batches(images, labels, 1000, shuffle=False)
    return sum((model(x).argmax(1) == y).sum().item() for x, y in batches) / len(labels)


def judge(device: torch.device | str | None = None) -> Judge:
    """The course's digit judge, trained on the train split on first use and cached in checkpoints/."""
    device = get_device() if device is None else torch.device(device)
    images, labels = data.mnist("train", device=device)
    steps = JUDGE_STEPS["quick" if config.quick() else "full"]
    with torch.random.fork_rng():  # the same judge in every notebook, and the caller's random state untouched
        torch.manual_seed(0)
        model = Judge().to(device)
        record = train_or_load(
            model, "judge", lambda: _train_judge(model, images, labels, steps), train_images=len(images)
        )
    if "test_accuracy" not in record:
        record["test_accuracy"] = accuracy(model, *data.mnist("test", device=device))
        checkpoint_path("judge").with_suffix(".json").write_text(json.dumps(record))
    model.test_accuracy = record["test_accuracy"]
    model.train_seconds = record["train_seconds"]
    return model.eval()


def as_judge_input(images: torch.Tensor, device: torch.device | str) -> torch.Tensor:
    """uint8 pixels (N x 28 x 28) or float images in [0, 1] -> float N x 1 x 28 x 28 on device."""
    if images.dtype == torch.uint8:
        return data.from_pixels(images).to(device)
    if images.dim() == 3:
        images = images.unsqueeze(1)
    return images.float().to(device)


@torch.no_grad()
def _apply(fn, images: torch.Tensor, model: Judge, batch_size: int = 1000) -> torch.Tensor:
    """fn (a method of the judge) on all images, in batches on the judge's device; result on the CPU."""
    device = next(model.parameters()).device
    starts = range(0, len(images), batch_size)
    return torch.cat([fn(as_judge_input(images[i : i + batch_size], device)).cpu() for i in starts])


def features(images: torch.Tensor, model: Judge) -> np.ndarray:
    """Judge features (N x 128, float64) of uint8 pixels or [0, 1] images."""
    return _apply(model.features, images, model).double().numpy()


def probabilities(images: torch.Tensor, model: Judge) -> torch.Tensor:
    """The judge's class probabilities (N x 10)."""
    return _apply(lambda x: model(x).softmax(1), images, model)


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2)) between two Gaussians N(mu1, C1), N(mu2, C2).

    Tr (C1 C2)^(1/2) is computed as the sum of the square roots of the eigenvalues of the
    symmetric matrix C1^(1/2) C2 C1^(1/2), which has the same eigenvalues as C1 C2: stable even
    when a covariance is singular (dead ReLU features).
    """
    values, vectors = np.linalg.eigh(cov1)
    root1 = (vectors * np.sqrt(values.clip(min=0))) @ vectors.T
    trace_root = np.sqrt(np.linalg.eigvalsh(root1 @ cov2 @ root1).clip(min=0)).sum()
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2 * trace_root)


def fid(images_a: torch.Tensor, images_b: torch.Tensor, model: Judge) -> float:
    """Frechet distance between judge features of two image sets ("judge-FID").

    Values compare only between image sets scored by the same judge.
    """
    stats = []
    for images in (images_a, images_b):
        f = features(images, model)
        stats += [f.mean(0), np.cov(f, rowvar=False)]
    return frechet_distance(*stats)


def class_histogram(images: torch.Tensor, model: Judge) -> np.ndarray:
    """How many images the judge assigns to each digit 0-9."""
    predicted = probabilities(images, model).argmax(1)
    return np.bincount(predicted.numpy(), minlength=10)


def class_balance(counts: np.ndarray) -> dict[str, Any]:
    """How evenly samples spread over the digits, from the judge's class histogram (10 counts).

    coverage: digits making up at least 1% of samples; class_ratio: largest class count over
    smallest (inf if a digit is missing); min_class_fraction: the rarest digit's share.
    """
    counts = np.asarray(counts)
    return {
        "coverage": int((counts >= 0.01 * counts.sum()).sum()),
        "class_ratio": float(counts.max() / counts.min()) if counts.min() > 0 else math.inf,
        "min_class_fraction": float(counts.min() / counts.sum()),
    }


def judge_report(samples: torch.Tensor, real: torch.Tensor, model: Judge) -> dict[str, Any]:
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


def sample_count() -> int:
    """How many samples a notebook writes per model: 10,000 in full mode, 500 in quick mode."""
    return SAMPLES["quick" if config.quick() else "full"]


def save_samples(pixels: torch.Tensor, model_name: str) -> Path:
    """Save generated digits (uint8, N x 28 x 28; see data.to_pixels) as samples/<model_name>.pt."""
    if pixels.dtype != torch.uint8 or pixels.dim() != 3 or pixels.shape[1:] != (28, 28):
        shape = tuple(pixels.shape)
        raise ValueError(f"samples must be uint8 N x 28 x 28 (use data.to_pixels), got {pixels.dtype} {shape}")
    path = config.output_path("samples", f"{model_name}.pt")
    torch.save(pixels.cpu().contiguous(), path)
    return path


def load_samples(model_name: str) -> torch.Tensor:
    """samples/<model_name>.pt as uint8 N x 28 x 28."""
    return torch.load(config.output_path("samples", f"{model_name}.pt"), weights_only=True)


def save_metrics(notebook: str, values: dict[str, Any]) -> Path:
    """Write metrics/<notebook>.json: one flat object with quick, device, train_images and train_seconds."""
    for key, kind in REQUIRED_METRICS.items():
        if not isinstance(values.get(key), kind):
            raise ValueError(f"metrics need {key!r} ({kind.__name__}), got {values.get(key)!r}")
    if not any(key.endswith("train_seconds") for key in values):
        raise ValueError("metrics need train_seconds (or <model>_train_seconds for each model)")
    nested = [key for key, value in values.items() if isinstance(value, dict)]
    if nested:
        raise ValueError(f"metrics must be one flat object; {nested} hold nested objects")
    path = config.output_path("metrics", f"{notebook}.json")
    path.write_text(json.dumps(values, indent=2, sort_keys=True))
    return path
