"""The validation split the design benchmarks choose on: the last training images, held back from training.

The test set is never touched by a benchmark that chooses a design (benchmarks.dcgan_variants,
benchmarks.wgan_gp_lr); 10_dcgan_design and 12_wgan_gp describe this split.
"""

from __future__ import annotations

import torch

from course_utils import data


def split(size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """(training images in [-1, 1] without the last `size`, those last `size` as uint8 pixels); prints the counts."""
    images, _ = data.mnist("train", device=device, value_range=(-1, 1))
    train, validation = images[:-size], data.to_pixels(images[-size:], (-1, 1))
    print(
        f"{data.source()}: {len(train):,} training images, {len(validation):,} validation images"
    )
    return train, validation
