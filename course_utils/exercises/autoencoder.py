"""Exercise checks of notebooks/01_autoencoder.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_utils.exercises.checking import (
    F64,
    NotYet,
    as_tensor,
    call,
    check,
    compare_layer_sizes,
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
    scale_tril = torch.distributions.MultivariateNormal(
        mean, covariance
    ).scale_tril  # the Cholesky factor L
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
                "your samples have the right mean and covariance, but not the values MultivariateNormal draws "
                "from this eps: use its square root of the covariance, the Cholesky factor L (z = mu + L eps)"
            )
        raise NotYet(
            f"the covariance of 20,000 of your samples is {fmt(spread.flatten(), 9)}, expected "
            f"{fmt(covariance.flatten(), 9)} (row by row); the first sample is {fmt(got[0])}, "
            f"expected {fmt(expected[0])}"
        )
    return "mu + L eps with the Cholesky factor L, exactly what MultivariateNormal.rsample computes"


@check("conv_output_size")
def check_conv_output_size(fn: Callable) -> str:
    checked = compare_layer_sizes(fn, transposed=False)
    default = call(fn, 28, 5)
    if default != 24:
        raise NotYet(
            f"conv_output_size(28, 5) with the default stride 1 and padding 0 gives {default}, expected 24"
        )
    return (
        f"all {checked} combinations agree with nn.Conv2d; 28 -> 14 -> 7 with kernel 3, stride 2, padding 1 "
        f"({call(fn, 28, 3, 2, 1)}, {call(fn, 14, 3, 2, 1)})"
    )
