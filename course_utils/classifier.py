"""The course's judge: a small CNN digit classifier, trained once and cached, whose features and
class probabilities score generated digits (see ``scores``).

Introduced in 05_vae_mnist; explained in 14_evaluating_generative_models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import config, data
from course_utils.device import get_device
from course_utils.training import (
    RunningAverage,
    tqdm,
    train_or_load,
)

JUDGE_STEPS = {"full": 1500, "quick": 200}
JUDGE_BATCH = 128
JUDGE_LR = 2e-3
JUDGE_SEED = 0
FEATURES = 128


class Judge(nn.Module):
    """A small CNN digit classifier; its 128 penultimate activations are the features for FID."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 16 x 14 x 14
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 32 x 7 x 7
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, FEATURES),
            nn.ReLU(),
        )
        self.head = nn.Linear(FEATURES, 10)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(images))


def _shift(images: torch.Tensor, max_shift: int = 2) -> torch.Tensor:
    """Augmentation: translate the whole batch by up to max_shift pixels (zero padding)."""
    dx, dy = torch.randint(-max_shift, max_shift + 1, (2,)).tolist()
    padded = F.pad(images, (max_shift,) * 4)
    return padded[
        ..., max_shift + dy : max_shift + dy + 28, max_shift + dx : max_shift + dx + 28
    ]


def _train_judge(
    model: Judge,
    images: torch.Tensor,
    labels: torch.Tensor,
    steps: int,
    batch_size: int = JUDGE_BATCH,
    lr: float = JUDGE_LR,
    seed: int = JUDGE_SEED,
) -> dict[str, Any]:
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=steps
    )
    generator = torch.Generator().manual_seed(seed)
    meter = RunningAverage()
    batches = data.endless_batches(images, labels, batch_size, generator=generator)
    for _ in tqdm(range(steps), desc="training the judge", leave=False):
        x, y = next(batches)
        loss = F.cross_entropy(model(_shift(x)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        meter.update(loss.item(), len(y))
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
    # the same judge in every notebook, and the caller's random state untouched
    with torch.random.fork_rng():
        torch.manual_seed(JUDGE_SEED)
        model = Judge().to(device)
        record = train_or_load("judge", _train_judge, model, images, labels, steps)
    # measured on the test files of this run, which the checkpoint's fingerprint does not cover
    model.test_accuracy = accuracy(model, *data.mnist("test", device=device))
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
def _apply(
    fn: Callable[[torch.Tensor], torch.Tensor],
    images: torch.Tensor,
    model: Judge,
    batch_size: int = 1000,
) -> torch.Tensor:
    """fn (a method of the judge) on all images, in batches on the judge's device; result on the CPU."""
    device = next(model.parameters()).device
    starts = range(0, len(images), batch_size)
    return torch.cat(
        [fn(as_judge_input(images[i : i + batch_size], device)).cpu() for i in starts]
    )


def features(images: torch.Tensor, model: Judge) -> np.ndarray:
    """Judge features (N x 128, float64) of uint8 pixels or [0, 1] images."""
    return _apply(model.features, images, model).double().numpy()


def probabilities(images: torch.Tensor, model: Judge) -> torch.Tensor:
    """The judge's class probabilities (N x 10)."""
    return _apply(lambda x: model(x).softmax(1), images, model)
