"""Exercise checks of notebooks/11_wgan.ipynb (see course_utils.exercises.checking)."""

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
from course_utils.from_notebooks.wgan_in_practice import MLPCritic


@check("lipschitz_bound")
def check_lipschitz_bound(fn: Callable) -> str:
    torch.manual_seed(0)  # inside the check's forked random state
    critic = MLPCritic().to(
        F64
    )  # the historical MLP critic (784-64-128-1) of 13_wgan_in_practice, fresh weights
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
            f"for the historical MLP critic (fresh weights): {got:.6g}, expected the product of the "
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


@check("transport_cost")
def check_transport_cost(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    points_x = torch.randn(4, 2, generator=g, dtype=F64)
    points_y = torch.randn(3, 2, generator=g, dtype=F64)
    plan = torch.rand(4, 3, generator=g, dtype=F64)
    plan = plan / plan.sum()
    difference = points_x[:, None, :] - points_y[None, :, :]  # 4 x 3 x 2
    euclidean = (plan * difference.norm(dim=2)).sum()
    got = as_tensor(call(fn, plan, points_x, points_y), "the cost of 2-D points", ())
    squared = (plan * difference.pow(2).sum(2)).sum()
    if torch.isclose(got.detach(), squared) and not torch.isclose(squared, euclidean):
        raise NotYet(
            f"cost {got.item():.6g} for 2-D points, expected {euclidean.item():.6g}: "
            "the distance ||x - y||, not its square"
        )
    manhattan = (plan * difference.abs().sum(2)).sum()
    if torch.isclose(got.detach(), manhattan) and not torch.isclose(
        manhattan, euclidean
    ):
        raise NotYet(
            f"cost {got.item():.6g} for 2-D points, expected {euclidean.item():.6g}: "
            "use the Euclidean distance, not the sum of absolute differences"
        )
    close(got, euclidean, "2-D points: sum_ij plan_ij ||x_i - y_j|| (Euclidean)")
    x = torch.randn(5, generator=g, dtype=F64)
    y = torch.randn(5, generator=g, dtype=F64) + 2
    order_x, order_y = x.argsort(), y.argsort()
    monotone = torch.zeros(5, 5, dtype=F64)
    monotone[order_x, order_y] = 1 / 5  # the i-th smallest x to the i-th smallest y
    w1 = (x.sort().values - y.sort().values).abs().mean()
    got = as_tensor(call(fn, monotone, x, y), "transport_cost(plan, x, y)", ())
    close(got, w1, "1-D, the plan pairing sorted points: W1 = mean |x_(i) - y_(i)|")
    crossing = torch.zeros(5, 5, dtype=F64)
    crossing[order_x, order_y.flip(0)] = 1 / 5  # smallest x to largest y: paths cross
    expected = (x.sort().values - y.sort().values.flip(0)).abs().mean()
    got = as_tensor(call(fn, crossing, x, y), "transport_cost(plan, x, y)", ())
    close(got, expected, "1-D, a plan whose paths cross (smallest x to largest y)")

    return (
        f"{w1.item():.4f} for the sorted pairing (= W1 of the two samples), "
        f"{expected.item():.4f} for the crossing plan, and the Euclidean cost in 2-D"
    )
