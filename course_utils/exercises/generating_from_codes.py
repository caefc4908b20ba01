"""Exercise checks of notebooks/02_generating_from_codes.ipynb (see course_utils.exercises.checking)."""

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
    fmt,
)


def _test_covariance() -> tuple[torch.Tensor, torch.Tensor]:
    mean = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    a = torch.tensor([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [-0.5, 0.3, 0.4]], dtype=F64)
    return mean, a @ a.T + 0.1 * torch.eye(
        3, dtype=F64
    )  # correlated, positive definite


@check("sample_gaussian")
def check_sample_gaussian(fn: Callable) -> str:
    mean, covariance = _test_covariance()
    eps = torch.randn(6, 3, generator=torch.Generator().manual_seed(0), dtype=F64)
    got = as_tensor(
        call(fn, mean, covariance, eps),
        "sample_gaussian(mean, covariance, eps) for 6 x 3 eps",
        (6, 3),
    )
    # the Cholesky factor L
    scale_tril = torch.distributions.MultivariateNormal(mean, covariance).scale_tril
    expected = mean + eps @ scale_tril.T
    if not torch.allclose(got.to(F64), expected, rtol=1e-6, atol=1e-8):
        many = torch.randn(
            20_000, 3, generator=torch.Generator().manual_seed(1), dtype=F64
        )
        samples = as_tensor(
            call(fn, mean, covariance, many),
            "sample_gaussian for 20,000 x 3 eps",
            (20_000, 3),
        )
        spread = torch.cov(samples.to(F64).T)
        if torch.allclose(spread, covariance, atol=0.05) and torch.allclose(
            samples.mean(0), mean, atol=0.05
        ):
            raise NotYet(
                "your samples have the right mean and covariance, but not the values "
                "MultivariateNormal draws from this eps: use its square root of the covariance, "
                "the Cholesky factor L (z = mu + L eps)"
            )
        raise NotYet(
            f"the covariance of 20,000 of your samples is {fmt(spread.flatten(), 9)}, expected "
            f"{fmt(covariance.flatten(), 9)} (row by row); the first sample is {fmt(got[0])}, "
            f"expected {fmt(expected[0])}"
        )
    return "mu + L eps with the Cholesky factor L, exactly what MultivariateNormal.rsample computes"


@check("interpolate_codes")
def check_interpolate_codes(fn: Callable) -> str:
    start = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    end = torch.tensor([-3.0, 2.0, 4.5], dtype=F64)
    got = as_tensor(call(fn, start, end, 5), "interpolate_codes(start, end, 5)", (5, 3))
    last = got.to(F64)[-1]
    if not torch.allclose(last, end) and torch.allclose(
        last, start + 0.8 * (end - start)
    ):
        raise NotYet(
            "your last code stops one step short of `end`: the walk includes both ends, so the "
            "5 steps are alpha = 0, 1/4, 2/4, 3/4, 1 (torch.linspace(0, 1, steps))"
        )
    t = torch.linspace(0, 1, 5, dtype=F64).unsqueeze(1)
    close(
        got,
        (1 - t) * start + t * end,
        "the 5 codes from start to end",
        rtol=1e-6,
        atol=1e-9,
    )
    two_d = as_tensor(
        call(fn, torch.zeros(2), torch.ones(2), 11),
        "interpolate_codes for 2-D codes and 11 steps",
        (11, 2),
    )
    close(
        two_d,
        torch.linspace(0, 1, 11).unsqueeze(1).expand(11, 2),
        "11 steps from 0 to 1",
    )
    return "evenly spaced codes from start to end, both included, one per row"
