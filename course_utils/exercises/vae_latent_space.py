"""Exercise checks of notebooks/07_vae_latent_space.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from course_utils.exercises.checking import (
    F64,
    NotYet,
    as_tensor,
    call,
    check,
    close,
    fmt,
    integer,
)


def _slerp(z_a: torch.Tensor, z_b: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """The reference: sin((1 - a) omega) / sin omega z_a + sin(a omega) / sin omega z_b,
    a = alpha."""
    cos = torch.dot(z_a, z_b) / (z_a.norm() * z_b.norm())
    omega = torch.acos(cos.clamp(-1, 1))
    a = alpha[:, None]
    return (torch.sin((1 - a) * omega) * z_a + torch.sin(a * omega) * z_b) / torch.sin(
        omega
    )


@check("slerp")
def check_slerp(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    alpha = torch.linspace(0, 1, 7, dtype=F64)
    z_a, z_b = torch.randn(2, 20, generator=g, dtype=F64)
    z_b = z_b * z_a.norm() / z_b.norm()  # the same length: the arc keeps it
    got = as_tensor(
        call(fn, z_a.clone(), z_b.clone(), alpha.clone()),
        "slerp(z_a, z_b, alpha)",
        (7, 20),
    )
    if not torch.isfinite(got).all():
        raise NotYet(f"slerp gives {fmt(got[1])}: NaN or infinite values")
    close(got[0], z_a, "at alpha = 0 the code must be z_a", atol=1e-6)
    close(got[-1], z_b, "at alpha = 1 the code must be z_b", atol=1e-6)
    line = (1 - alpha[:, None]) * z_a + alpha[:, None] * z_b
    if torch.allclose(got.to(F64), line, atol=1e-6):
        raise NotYet(
            "your codes lie on the straight line between z_a and z_b: its midpoint is "
            f"shorter ({line[3].norm():.4g}) than both ends ({z_a.norm():.4g}); follow "
            "the arc, with the weights sin((1 - alpha) omega) / sin omega and sin(alpha omega) / sin omega"
        )
    lengths = got.to(F64).norm(dim=1)
    close(
        lengths,
        torch.full_like(lengths, z_a.norm().item()),
        "the length of every code between two codes of equal length",
        rtol=1e-5,
    )
    close(got, _slerp(z_a, z_b, alpha), "the codes, against the formula", atol=1e-6)
    # two codes of different lengths, and alpha outside [0, 1]
    w_a, w_b = 3 * torch.randn(2, 5, generator=g, dtype=F64)
    wide = torch.tensor([-0.5, 0.25, 1.5], dtype=F64)
    got = as_tensor(
        call(fn, w_a, w_b, wide), "slerp(z_a, z_b, alpha) for 3 values", (3, 5)
    )
    close(got, _slerp(w_a, w_b, wide), "codes of different lengths", atol=1e-6)
    # parallel codes: omega = 0, where sin(omega) = 0 divides by zero
    parallel = as_tensor(
        call(fn, w_a, 2 * w_a, alpha), "slerp(z, 2 z, alpha), parallel codes", (7, 5)
    )
    if not torch.isfinite(parallel).all():
        raise NotYet(
            f"slerp(z, 2 z, alpha) gives {fmt(parallel[1])}: for parallel codes omega = 0 and "
            "sin(omega) = 0; fall back to the straight line there (and clamp cos omega to "
            "[-1, 1] before acos: rounding can push it just above 1)"
        )
    expected = (1 - alpha[:, None]) * w_a + alpha[:, None] * 2 * w_a
    close(parallel, expected, "parallel codes: the straight line", atol=1e-5)
    midpoint = _slerp(z_a, z_b, torch.tensor([0.5], dtype=F64))[0]
    return (
        "ends at z_a and z_b, keeps the length of equal-length codes (midpoint "
        f"{midpoint.norm():.4g}, the straight line's {line[3].norm():.4g}), and handles "
        f"parallel codes; angle between the test codes {math.degrees(_angle(z_a, z_b)):.0f}°"
    )


def _angle(z_a: torch.Tensor, z_b: torch.Tensor) -> float:
    cos = torch.dot(z_a, z_b) / (z_a.norm() * z_b.norm())
    return math.acos(max(-1.0, min(1.0, cos.item())))


@check("active_units")
def check_active_units(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    # 500 images, 8 coordinates: standard deviations across the images chosen so that the
    # variance is clearly above or below 0.01, and the standard deviation above 0.01 for all
    spread = torch.tensor([1.0, 0.5, 0.2, 0.05, 0.03, 0.02, 0.9, 0.06])
    offsets = torch.tensor([0.0, 3.0, -2.0, 5.0, 0.0, 1.0, 0.0, -4.0])
    mu = offsets + spread * torch.randn(500, 8, generator=g)
    expected = int((mu.var(dim=0) > 0.01).sum())
    got = integer(call(fn, mu.clone()), "active_units(mu)")
    if got == int((mu.std(dim=0) > 0.01).sum()) and got != expected:
        raise NotYet(
            f"you count {got} coordinates: that is the standard deviation above 0.01; "
            f"the criterion is the variance, Var(mu_j) > 0.01, which gives {expected}"
        )
    if got == int((mu.var(dim=1) > 0.01).sum()) and got != expected:
        raise NotYet(
            f"you count {got}: the variance must be taken over the images (dim=0), one "
            f"number per coordinate; expected {expected}"
        )
    if got != expected:
        raise NotYet(f"active_units(mu) = {got}, expected {expected} of 8 coordinates")
    strict = integer(
        call(fn, mu.clone(), threshold=0.3), "active_units(mu, threshold=0.3)"
    )
    expected_strict = int((mu.var(dim=0) > 0.3).sum())
    if strict != expected_strict:
        raise NotYet(
            f"active_units(mu, threshold=0.3) = {strict}, expected {expected_strict}: "
            "use the threshold argument"
        )
    constant = torch.ones(10, 4)
    none = integer(call(fn, constant), "active_units(the same code for every image)")
    if none != 0:
        raise NotYet(
            f"a code that never changes has variance 0: expected 0, got {none}"
        )
    return (
        f"{expected} of 8 coordinates vary across the images by more than 0.01 "
        f"(variance {fmt(mu.var(dim=0))}); {expected_strict} above 0.3"
    )
