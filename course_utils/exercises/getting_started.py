"""Exercise checks of notebooks/00_getting_started.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from course_utils import data
from course_utils.exercises.checking import (
    NotYet,
    as_tensor,
    call,
    check,
    close,
    fmt,
    mnist_like_images,
)


@check("bernoulli_entropy")
def check_bernoulli_entropy(fn: Callable) -> str:
    x = mnist_like_images()
    got = as_tensor(call(fn, x.clone()), "bernoulli_entropy(x) for 4 images", (4,))
    expected = (
        F.binary_cross_entropy(x, x, reduction="none").flatten(1).sum(1)
    )  # BCE(x, x): clamps log 0
    if torch.isnan(got).any():
        raise NotYet(
            f"you return {fmt(got)}: NaN for images with pixels that are exactly 0 or 1. There 0 · log 0 "
            "must count as 0 (the limit of u log u as u -> 0), e.g. with torch.xlogy or torch.special.entr"
        )
    close(got, expected, "entropies of 4 images (nats), against BCE(x, x)")
    return (
        f"{fmt(got)} nats per image, equal to BCE(x, x); pure doubt (x = 0.5) costs 784 log 2 = {got[1]:.1f}, "
        "a black-and-white image 0"
    )


@check("signed_to_pixels")
def check_signed_to_pixels(fn: Callable) -> str:
    every_value = (torch.arange(2 * 784) % 256).to(torch.uint8).reshape(2, 28, 28)
    exact = data.from_pixels(
        every_value, (-1, 1)
    )  # the 256 pixel values, mapped to [-1, 1] (float32)
    g = torch.Generator().manual_seed(0)
    near = (
        torch.randint(0, 256, (3, 1, 28, 28), generator=g)
        + 0.6 * torch.rand(3, 1, 28, 28, generator=g)
        - 0.3
    )
    noisy = (
        near / 255 * 2 - 1
    )  # values between pixel levels, never close to a rounding tie
    noisy[:, 0, 0, :4] = torch.tensor([-1.5, -1.01, 1.01, 1.5])  # outside [-1, 1]
    cases = [
        (exact, "images made from all 256 pixel values"),
        (noisy, "images with values between levels"),
    ]
    for images, what in cases:
        got = as_tensor(
            call(fn, images.clone()), f"signed_to_pixels({what})", (len(images), 28, 28)
        )
        if got.dtype != torch.uint8:
            raise NotYet(
                f"the pixels should be torch.uint8, got {got.dtype}: convert with .to(torch.uint8)"
            )
        expected = data.to_pixels(images, (-1, 1))
        wrong = got.cpu() != expected
        if wrong.any():
            i = wrong.flatten().nonzero()[0].item()
            value, want, have = (
                images.flatten()[i].item(),
                expected.flatten()[i].item(),
                got.flatten()[i].item(),
            )
            hint = ""
            if (got.cpu().int() - expected.int())[wrong].eq(-1).all():
                hint = ": one less each time, as if cut off; round to the nearest integer before .to(torch.uint8)"
            elif abs(value) > 1:
                hint = ": values outside [-1, 1] should become 0 or 255 (clamp)"
            raise NotYet(
                f"{wrong.sum().item()} of {wrong.numel()} pixels differ from data.to_pixels, {what}; "
                f"e.g. {value:.6f} should give {want}, you give {have}{hint}"
            )
    return "all 256 pixel values survive the round trip [-1, 1] -> uint8, and out-of-range values are clipped"
