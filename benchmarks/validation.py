"""The validation split the design benchmarks choose on: a stratified share of the training
images (``data.split``), held back from training.

The test set is never touched by a benchmark that chooses a design (benchmarks.dcgan_variants,
benchmarks.wgan_search); 10_dcgan_design and 13_wgan_in_practice describe this split.
"""

from __future__ import annotations

import torch

from course_utils import data


def split(share: float, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """(training images in [-1, 1] without the held-out `share`, the held-out ones as uint8
    pixels); prints the counts."""
    images, labels = data.mnist("train", device=device, value_range=(-1, 1))
    (train, _), (held_out, _) = data.split(images, labels, share)
    validation = data.to_pixels(held_out, (-1, 1))
    print(
        f"{data.source()}: {len(train):,} training images, {len(validation):,} validation images"
    )
    return train, validation
