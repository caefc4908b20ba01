"""Exercise checks of notebooks/05_wgan.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

import math
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
    number,
)
from course_utils.from_notebooks.wgan import MLPCritic


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


@check("lipschitz_bound")
def check_lipschitz_bound(fn: Callable) -> str:
    torch.manual_seed(0)  # inside the check's forked random state
    critic = MLPCritic().to(
        F64
    )  # the historical MLP critic of notebook 05 (784-64-128-1), fresh weights
    layers = [m for m in critic.modules() if isinstance(m, nn.Linear)]
    expected = math.prod(
        torch.linalg.matrix_norm(m.weight.detach(), ord=2).item() for m in layers
    )
    got = number(call(fn, critic), "lipschitz_bound(critic)")

    x = torch.randn(
        1000,
        1,
        28,
        28,
        generator=torch.Generator().manual_seed(1),
        dtype=F64,
        requires_grad=True,
    )
    (grad,) = torch.autograd.grad(critic(x).sum(), x)
    steepest = grad.flatten(1).norm(dim=1).max().item()
    if got < steepest:
        raise NotYet(
            f"{got:.6g} is not an upper bound: the critic's slope at one of 1,000 random images is "
            f"{steepest:.6g}"
        )
    if not math.isclose(got, expected, rel_tol=1e-6):
        raise NotYet(
            f"for the critic of notebook 05 (fresh weights): {got:.6g}, expected the product of the "
            f"largest singular values {expected:.6g}"
        )

    c = 0.01
    with torch.no_grad():
        for m in layers:
            m.weight.fill_(c)  # every weight at the clipping value
    got_clipped = number(call(fn, critic), "lipschitz_bound(clipped critic)")
    shapes = [
        tuple(m.weight.shape) for m in layers
    ]  # 784-64-128-1: (64, 784), (128, 64), (1, 128)
    clipped = math.prod(
        c * math.sqrt(rows * cols) for rows, cols in shapes
    )  # rank 1: c sqrt(rows cols)
    formula = " ".join(f"sqrt({cols} {rows})" for rows, cols in shapes)
    if not math.isclose(got_clipped, clipped, rel_tol=1e-6):
        raise NotYet(
            f"with every weight at c = 0.01: {got_clipped:.6g}, expected c^{len(shapes)} {formula} "
            f"= {clipped:.6g}"
        )
    return (
        f"{got:.4g} for a fresh critic (its steepest slope at 1,000 random images: {steepest:.3g}); with every "
        f"weight at c = 0.01 the bound is {clipped:.3f}, so the clipped critic measures at most {clipped:.2f} W1"
    )
