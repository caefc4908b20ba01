"""Exercise checks of notebooks/12_wgan_gp.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from course_utils.exercises.checking import F64, NotYet, as_tensor, call, check, close


class _HalfSquaredNorm(nn.Module):
    """f(x) = ||x||^2 / 2 per image (N x 1 scores), whose gradient is x itself."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x.flatten(1).pow(2).sum(1, keepdim=True)


@check("gradient_penalty_at")
def check_gradient_penalty_at(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    real = torch.rand(6, 1, 4, 4, generator=g, dtype=F64) * 2 - 1
    fake = torch.rand(6, 1, 4, 4, generator=g, dtype=F64) * 2 - 1
    a = torch.rand(6, generator=g, dtype=F64)
    torch.manual_seed(0)  # inside the check's forked random state
    linear = nn.Sequential(nn.Flatten(), nn.Linear(16, 1, dtype=F64))
    with torch.no_grad():
        linear[1].weight.mul_(
            3 / linear[1].weight.norm()
        )  # ||w|| = 3: the gradient everywhere
    w = linear[1].weight

    penalty = as_tensor(call(fn, linear, real, fake, a), "the penalty", ())
    close(
        penalty,
        torch.tensor(40.0),
        "linear critic with ||w|| = 3: 10 (3 - 1)^2 = 40",
        rtol=1e-6,
    )
    close(
        as_tensor(call(fn, linear, real, fake, a, gp_lambda=1.0), "the penalty", ()),
        torch.tensor(4.0),
        "the same critic with gp_lambda=1: (3 - 1)^2 = 4",
        rtol=1e-6,
    )
    gentle = nn.Sequential(nn.Flatten(), nn.Linear(16, 1, dtype=F64))
    with torch.no_grad():
        gentle[1].weight.copy_(
            w / 6
        )  # ||w|| = 0.5: too flat, which the penalty punishes as well
    flat = as_tensor(call(fn, gentle, real, fake, a), "the penalty", ())
    if abs(flat.item()) < 1e-9:
        raise NotYet(
            "a linear critic with ||w|| = 0.5 gets penalty 0 from your code, expected 10 (0.5 - 1)^2 = 2.5: "
            "the WGAN-GP penalty is two-sided, (||g|| - 1)^2 punishes slopes below 1 too; max(0, ||g|| - 1)^2 "
            "is the one-sided variant, a different penalty"
        )
    close(
        flat,
        torch.tensor(2.5),
        "linear critic with ||w|| = 0.5: 10 (0.5 - 1)^2 = 2.5",
        rtol=1e-6,
    )
    if not penalty.requires_grad:
        raise NotYet(
            "the value is right, but the penalty carries no gradient to the critic's weights: compute the "
            "gradient with torch.autograd.grad(..., create_graph=True)"
        )
    (grad_w,) = torch.autograd.grad(penalty, [w], allow_unused=True)
    if grad_w is None:
        raise NotYet(
            "the penalty does not depend on the critic's weights: use create_graph=True"
        )
    close(
        grad_w,
        2 * 10 * (3 - 1) * w.detach() / 3,
        "d penalty / d w = 2 lambda (||w|| - 1) w / ||w||",
        rtol=1e-6,
    )

    quadratic = _HalfSquaredNorm()
    got = as_tensor(call(fn, quadratic, real, fake, a), "the penalty", ())
    between = lambda t: t.view(-1, 1, 1, 1) * real + (1 - t.view(-1, 1, 1, 1)) * fake  # noqa: E731
    expected = (
        10 * ((between(a).flatten(1).norm(dim=1) - 1) ** 2).mean()
    )  # grad of ||x||^2 / 2 is x
    swapped = 10 * ((between(1 - a).flatten(1).norm(dim=1) - 1) ** 2).mean()
    if torch.isclose(got.detach(), swapped) and not torch.isclose(swapped, expected):
        raise NotYet(
            f"penalty {got.item():.6g}, expected {expected.item():.6g}: x_hat = a x + (1 - a) G(z), "
            "a multiplies the real image"
        )
    close(
        got,
        expected,
        "critic f(x) = ||x||^2 / 2, whose gradient at x_hat is x_hat itself, with x_hat = "
        "a x + (1 - a) G(z) and the same a for all pixels of an image: the penalty",
        rtol=1e-6,
    )
    return (
        f"40 for a linear critic with ||w|| = 3, 2.5 for one with ||w|| = 0.5 (two-sided), and {expected.item():.4f} "
        "for f(x) = ||x||^2 / 2 at x_hat = a x + (1 - a) G(z), one a per image; the penalty trains the critic's weights"
    )


@check("one_sided_penalty_at")
def check_one_sided_penalty_at(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    real = torch.rand(6, 1, 4, 4, generator=g, dtype=F64) * 2 - 1
    fake = torch.rand(6, 1, 4, 4, generator=g, dtype=F64) * 2 - 1
    a = torch.rand(6, generator=g, dtype=F64)
    torch.manual_seed(0)  # inside the check's forked random state
    linear = nn.Sequential(nn.Flatten(), nn.Linear(16, 1, dtype=F64))
    with torch.no_grad():
        linear[1].weight.mul_(3 / linear[1].weight.norm())  # ||w|| = 3 everywhere
    w = linear[1].weight

    penalty = as_tensor(call(fn, linear, real, fake, a), "the penalty", ())
    close(
        penalty, torch.tensor(40.0), "linear critic, ||w|| = 3: 10 (3 - 1)^2", rtol=1e-6
    )
    with_one = call(fn, linear, real, fake, a, gp_lambda=1.0)
    close(
        as_tensor(with_one, "the penalty", ()),
        torch.tensor(4.0),
        "the same critic with gp_lambda=1: (3 - 1)^2 = 4",
        rtol=1e-6,
    )
    gentle = nn.Sequential(nn.Flatten(), nn.Linear(16, 1, dtype=F64))
    with torch.no_grad():
        gentle[1].weight.copy_(w / 6)  # ||w|| = 0.5: flat enough, no penalty
    flat = as_tensor(call(fn, gentle, real, fake, a), "the penalty", ())
    if abs(flat.item() - 2.5) < 1e-6:
        raise NotYet(
            "a linear critic with ||w|| = 0.5 gets 10 (0.5 - 1)^2 = 2.5 from your code, "
            "the two-sided penalty; the one-sided one, max(0, ||g|| - 1)^2, gives 0"
        )
    close(flat, torch.tensor(0.0), "linear critic, ||w|| = 0.5: slope below 1, no cost")
    if not penalty.requires_grad:
        raise NotYet(
            "the value is right, but the penalty carries no gradient to the critic's "
            "weights: use torch.autograd.grad(..., create_graph=True)"
        )
    (grad_w,) = torch.autograd.grad(penalty, [w], allow_unused=True)
    if grad_w is None:
        raise NotYet("the penalty does not depend on the weights: create_graph=True")
    close(
        grad_w,
        2 * 10 * (3 - 1) * w.detach() / 3,
        "d penalty / d w = 2 lambda (||w|| - 1) w / ||w||",
        rtol=1e-6,
    )

    small_real, small_fake = 0.7 * real, 0.7 * fake  # norms on both sides of 1
    got = as_tensor(
        call(fn, _HalfSquaredNorm(), small_real, small_fake, a), "the penalty", ()
    )

    def penalty_at(t: torch.Tensor) -> torch.Tensor:
        t = t.view(-1, 1, 1, 1)
        norms = (t * small_real + (1 - t) * small_fake).flatten(1).norm(dim=1)
        return 10 * ((norms - 1).clamp(min=0) ** 2).mean()

    expected = penalty_at(a)
    if torch.isclose(got.detach(), penalty_at(1 - a)) and not torch.isclose(
        penalty_at(1 - a), expected
    ):
        raise NotYet(
            f"penalty {got.item():.6g}, expected {expected.item():.6g}: "
            "x_hat = a x + (1 - a) G(z), a multiplies the real image"
        )
    close(
        got,
        expected,
        "critic f(x) = ||x||^2 / 2 (gradient x_hat, slopes on both sides of 1), with "
        "the same a for all pixels of an image: the penalty",
        rtol=1e-6,
    )
    return (
        "40 for a linear critic with ||w|| = 3, 0 for one with ||w|| = 0.5 (one-sided), "
        f"and {expected.item():.4f} for f(x) = ||x||^2 / 2; the penalty trains the weights"
    )
