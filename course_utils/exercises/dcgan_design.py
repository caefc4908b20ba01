"""Exercise checks of notebooks/10_dcgan_design.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from course_utils.exercises.checking import (
    F64,
    NotYet,
    as_tensor,
    call,
    check,
    close,
    integer,
)
from course_utils.from_notebooks.dcgan import Discriminator
from course_utils.from_notebooks.dcgan_training import update_average


def _weights_by_update_average(steps: int, decay: float) -> torch.Tensor:
    """The weights of theta_0 ... theta_steps, read off update_average itself: parameter
    k is 1 in theta_k and 0 elsewhere, so the average's entry k is theta_k's weight."""
    average = nn.Linear(steps + 1, 1, bias=False).to(F64)
    model = nn.Linear(steps + 1, 1, bias=False).to(F64)
    with torch.no_grad():
        average.weight.zero_()
        average.weight[0, 0] = 1.0
        for t in range(steps):
            model.weight.zero_()
            model.weight[0, t + 1] = 1.0
            update_average(average, model, t, decay)
    return average.weight.detach()[0].clone()


@check("average_weights")
def check_average_weights(fn: Callable) -> str:
    for steps, decay in [(0, 0.99), (1, 0.99), (5, 0.9), (40, 0.99), (300, 0.999)]:
        got = as_tensor(
            call(fn, steps, decay), f"average_weights({steps}, {decay})", (steps + 1,)
        ).to(F64)
        expected = _weights_by_update_average(steps, decay)
        if steps and abs(got[0].item() - decay**steps) < 1e-9 < abs(
            expected[0].item() - decay**steps
        ):
            raise NotYet(
                f"theta_0 keeps decay ** steps = {decay**steps:.4g} of the average: the "
                "warm-up b_t = min(decay, (1 + t) / (10 + t)) is missing"
            )
        if abs(got.sum().item() - 1) > 1e-9:
            raise NotYet(
                f"the weights sum to {got.sum().item():.6g}, not 1: every step keeps b of "
                "the average and adds 1 - b of the new weights"
            )
        close(
            got, expected, f"average_weights({steps}, {decay}) against update_average"
        )
    weights = _weights_by_update_average(2814, 0.99)
    window = weights[-100:].sum().item()
    return (
        f"the weights match update_average; after 2,814 steps at decay 0.99 the last 100 "
        f"steps hold {window:.1%} of the average"
    )


def _reference_multiply_adds(d: nn.Module) -> int:
    total, size = 0, 28
    for m in (m for m in d.modules() if isinstance(m, nn.Conv2d)):
        (k, _), (s, _), (p, _) = m.kernel_size, m.stride, m.padding
        size = (size + 2 * p - k) // s + 1  # the output's size
        total += size**2 * m.in_channels * m.out_channels * k**2
    return total


@check("discriminator_multiply_adds")
def check_discriminator_multiply_adds(fn: Callable) -> str:
    counts = {}
    for width in (8, 16, 32):
        for norm in ("batch", "spectral"):
            d = Discriminator(width, norm)
            got = integer(call(fn, d), "discriminator_multiply_adds(d)")
            expected = _reference_multiply_adds(d)
            if got != expected:
                raise NotYet(
                    f"width {width}, norm {norm!r}: {got:,} multiply-adds, expected "
                    f"{expected:,}: count k * k * c_in for every output channel at every "
                    "position of each convolution's output (14 x 14, 7 x 7, 3 x 3)"
                )
            counts[width] = got
    return (
        f"widths 8, 16, 32: {counts[8]:,}, {counts[16]:,}, {counts[32]:,} multiply-adds "
        "per image: doubling the width multiplies D's cost by almost 4"
    )
