"""Exercise checks of notebooks/13_wgan_in_practice.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from course_utils.exercises.checking import F64, NotYet, as_tensor, call, check, close


@check("critic_grid")
def check_critic_grid(fn: Callable) -> str:
    xs = torch.linspace(-3, 3, 7, dtype=F64)
    ys = torch.linspace(-1, 2, 4, dtype=F64)  # another size: a transposed grid shows
    critic = nn.Linear(2, 1, dtype=F64)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[2.0, -5.0]], dtype=F64))  # f = 2x - 5y + 1
        critic.bias.fill_(1.0)
    expected = 2 * xs[None, :] - 5 * ys[:, None] + 1  # [i, j] = f(xs[j], ys[i])
    got = call(fn, critic, xs, ys)
    if isinstance(got, torch.Tensor) and tuple(got.shape) == (len(xs), len(ys)):
        raise NotYet(
            f"shape {tuple(got.shape)}, expected {(len(ys), len(xs))}: rows run along ys "
            "(the vertical axis), as plt.contourf(xs, ys, values) expects"
        )
    got = as_tensor(got, "critic_grid(critic, xs, ys)", (len(ys), len(xs)))
    swapped = 2 * ys[:, None] - 5 * xs[None, :] + 1  # the two coordinates exchanged
    if torch.allclose(got.detach().to(F64), swapped) and not torch.allclose(
        swapped, expected
    ):
        raise NotYet(
            "your grid evaluates f(y, x): each point is (x, y), the horizontal coordinate "
            "first"
        )
    close(got, expected, "values[i, j] = f(xs[j], ys[i]) for f(x, y) = 2x - 5y + 1")
    if got.requires_grad:
        raise NotYet("the values carry gradients: compute them under torch.no_grad()")
    return "the landscape of a linear critic, rows along ys, columns along xs"


@check("log_spaced_steps")
def check_log_spaced_steps(fn: Callable) -> str:
    cases = {
        120: (0, 1, 2, 5, 10, 20, 50, 100, 120),
        100: (0, 1, 2, 5, 10, 20, 50, 100),
        1: (0, 1),
        1_600: (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 1_600),
    }
    for last, expected in cases.items():
        got = call(fn, last)
        if not isinstance(got, tuple):
            raise NotYet(
                f"log_spaced_steps({last}) should be a tuple, got {type(got).__name__}"
            )
        if list(got) != sorted(set(got)):
            raise NotYet(
                f"log_spaced_steps({last}) = {got}: sort the steps and keep each once"
            )
        if got != expected:
            raise NotYet(f"log_spaced_steps({last}) = {got}, expected {expected}")
    return "0, the 1-2-5 steps up to last, and last, each once"
