"""Exercise checks of notebooks/15_posterior_collapse.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_utils.exercises.checking import (
    F64,
    NotYet,
    as_tensor,
    call,
    check,
    close,
    number,
)


def _free_bits_groups(kl: torch.Tensor, delta: float, groups: int) -> torch.Tensor:
    """The reference: sum_k max(delta, mean over the batch of the KL summed over group k)."""
    batch, units = kl.shape
    per_group = kl.reshape(batch, groups, units // groups).sum(dim=2)
    return per_group.mean(dim=0).clamp(min=delta).sum()


@check("free_bits_groups")
def check_free_bits_groups(fn: Callable) -> str:
    # 2 images, 4 units: a hand case. Groups (0, 1) and (2, 3); batch means 0.3 and 1.5
    kl = torch.tensor([[0.1, 0.2, 3.0, 0.0], [0.2, 0.1, 0.0, 0.0]], dtype=F64)
    got = as_tensor(call(fn, kl.clone(), 0.5, 2), "free_bits_groups(kl, 0.5, 2)", ())
    per_image = torch.tensor(
        [max(0.5, 0.3) + max(0.5, 3.0), max(0.5, 0.3) + max(0.5, 0.0)]
    ).mean()
    if torch.isclose(got.detach().to(F64), per_image.to(F64)):
        raise NotYet(
            f"you get {got.item():.4g}: that clamps each image's group KL at delta and "
            "then averages; free bits average over the batch first, then take "
            "max(delta, ...): max(0.5, 0.3) + max(0.5, 1.5) = 2.0"
        )
    per_unit = kl.mean(dim=0).clamp(min=0.5).sum()
    if torch.isclose(got.detach().to(F64), per_unit):
        raise NotYet(
            f"you get {got.item():.4g}: that clamps every unit on its own; sum the KL "
            "within each group first, then clamp the group: 2.0"
        )
    close(got, torch.tensor(2.0, dtype=F64), "free_bits_groups(kl, 0.5, 2)")
    g = torch.Generator().manual_seed(0)
    kl = torch.rand(16, 12, generator=g, dtype=F64) * 0.2
    for groups in (1, 3, 12):
        got = as_tensor(
            call(fn, kl.clone(), 0.4, groups),
            f"free_bits_groups(kl, 0.4, {groups})",
            (),
        )
        close(got, _free_bits_groups(kl, 0.4, groups), f"{groups} groups of units")
    # the gradient: a group below delta is free, a group above it costs its mean KL
    kl = torch.tensor([[0.1, 0.1, 2.0, 1.0]] * 2, dtype=F64, requires_grad=True)
    term = as_tensor(call(fn, kl, 0.5, 2), "free_bits_groups(kl, 0.5, 2)", ())
    if not term.requires_grad:
        raise NotYet(
            "your result has no gradient: build it from kl with torch operations"
        )
    term.backward()
    expected = torch.tensor([[0.0, 0.0, 0.5, 0.5]] * 2, dtype=F64)
    close(kl.grad, expected, "the gradient with respect to kl (group 1 is below delta)")
    return (
        "the batch's mean KL of each group, clamped below at delta; a group under "
        "delta gets no gradient"
    )


def _cyclical_beta(step: int, steps: int, cycles: int = 4, ramp: float = 0.5) -> float:
    period = steps // cycles
    return min(1.0, ((step - 1) % period) / period / ramp)


@check("cyclical_beta")
def check_cyclical_beta(fn: Callable) -> str:
    steps, cycles, ramp = 40, 4, 0.5  # cycles of 10 steps, each a ramp of 5
    got = [
        number(call(fn, t, steps, cycles, ramp), f"cyclical_beta({t}, 40, 4, 0.5)")
        for t in range(1, steps + 1)
    ]
    expected = [_cyclical_beta(t, steps, cycles, ramp) for t in range(1, steps + 1)]
    if abs(got[10] - 1.0) < 1e-9 and abs(got[0]) < 1e-9:
        raise NotYet(
            f"beta at step 11 is {got[10]:.3g}: a new cycle starts there, and beta must "
            "fall back to 0 (use the step's position within its cycle, (t - 1) % period)"
        )
    if abs(got[0]) > 1e-9:
        raise NotYet(f"beta at step 1 is {got[0]:.3g}: every cycle starts at 0")
    if abs(got[4] - 0.8) > 1e-9:
        raise NotYet(
            f"beta at step 5 is {got[4]:.3g}, expected 0.8: the ramp lasts ramp * period "
            "= 5 steps of the 10-step cycle, beta = min(1, tau / ramp)"
        )
    close(
        torch.tensor(got, dtype=F64),
        torch.tensor(expected, dtype=F64),
        "beta over 40 steps, 4 cycles",
    )
    other = [
        number(call(fn, t, 30, 2, 0.25), "cyclical_beta(t, 30, 2, 0.25)")
        for t in (1, 3, 16, 20)
    ]
    close(
        torch.tensor(other, dtype=F64),
        torch.tensor(
            [_cyclical_beta(t, 30, 2, 0.25) for t in (1, 3, 16, 20)], dtype=F64
        ),
        "cyclical_beta(t, 30, cycles=2, ramp=0.25) at t = 1, 3, 16, 20",
    )
    return (
        f"{cycles} cycles of {steps // cycles} steps, each rising from 0 to 1 in "
        f"{int(ramp * steps // cycles)} steps, then 1"
    )
