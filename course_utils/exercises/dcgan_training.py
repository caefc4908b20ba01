"""Exercise checks of notebooks/09_dcgan_training.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

import bisect
from collections.abc import Callable

import torch

from course_utils.exercises.checking import NotYet, call, check, integer, number

SNAPSHOT_CASES = [  # (steps of the snapshots, the steps we want to see)
    ([0, 5, 10, 20, 40], [0, 4, 5, 19, 20, 39, 40, 100]),
    (
        [0, 10, 20, 50, 100, 200, 500, 1000, 2000, 2814],
        [0, 1, 499, 500, 2813, 2814, 5000],
    ),
    ([50], [50, 51]),
]


@check("latest_snapshot")
def check_latest_snapshot(fn: Callable) -> str:
    for steps, wanted in SNAPSHOT_CASES:
        for step in wanted:
            got = integer(call(fn, list(steps), step), f"latest_snapshot(..., {step})")
            expected = bisect.bisect_right(steps, step) - 1
            if got != expected:
                raise NotYet(
                    f"snapshots at steps {steps}, step {step}: expected index {expected} "
                    f"(step {steps[expected]}), got {got}"
                )
    return "the index of the latest snapshot at or before each step, ends included"


def _near_copy_fraction(pixels: torch.Tensor, threshold: float) -> float:
    x = pixels.flatten(1).float() / 255
    distances = torch.cdist(x, x)
    distances.fill_diagonal_(float("inf"))
    return (distances.min(1).values < threshold).float().mean().item()


@check("near_copy_fraction")
def check_near_copy_fraction(fn: Callable) -> str:
    noise = torch.Generator().manual_seed(0)
    distinct = torch.randint(
        0, 256, (20, 1, 28, 28), generator=noise, dtype=torch.uint8
    )
    got = number(call(fn, distinct.clone(), 1.0), "near_copy_fraction")
    if got != 0:
        raise NotYet(
            f"20 different random images gave {got:.3g}, expected 0: is each image's "
            "distance to itself (0) left out?"
        )
    wobble = torch.randint(-2, 3, (3, 1, 28, 28), generator=noise)
    nudged = (distinct[:3].int() + wobble).clamp(0, 255).to(torch.uint8)
    samples = torch.cat([distinct, distinct[:1].repeat(4, 1, 1, 1), nudged])
    for threshold in (0.05, 1.0, 12.0):
        got = number(call(fn, samples.clone(), threshold), "near_copy_fraction")
        expected = _near_copy_fraction(samples, threshold)
        if abs(got - expected) > 1e-6:
            raise NotYet(
                f"{len(samples)} images (4 exact and 3 nudged copies), threshold "
                f"{threshold}: expected {expected:.4f}, got {got:.4f} (distances of "
                "pixels in [0, 1], divided by 255)"
            )
    return (
        f"exact and nudged copies are found, different images are not "
        f"({_near_copy_fraction(samples, 1.0):.3f} of this set at threshold 1)"
    )
