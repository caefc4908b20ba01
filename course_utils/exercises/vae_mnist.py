"""Exercise checks of notebooks/05_vae_mnist.ipynb (see course_utils.exercises.checking)."""

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
    mnist_like_images,
)


@check("bernoulli_log_likelihood")
def check_bernoulli_log_likelihood(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    x = mnist_like_images(3)  # grey pixels too, as in MNIST
    logits = 4 * torch.randn(3, 1, 28, 28, generator=g, dtype=F64)
    logits[0, 0, 0, :4] = torch.tensor(
        [1000.0, -1000.0, 100.0, -100.0]
    )  # a very sure decoder
    x[0, 0, 0, :4] = torch.tensor([0.0, 1.0, 0.0, 1.0])  # ... and wrong
    expected = (
        torch.distributions.Bernoulli(logits=logits, validate_args=False)
        .log_prob(x)
        .flatten(1)
        .sum(1)
    )
    got = as_tensor(
        call(fn, logits.clone(), x.clone()),
        "bernoulli_log_likelihood(logits, x) for 3 images",
        (3,),
    )
    if torch.isfinite(got).all() and torch.allclose(got, -expected, rtol=1e-5):
        raise NotYet(
            f"you return {fmt(got)}, the negative: the log-likelihood is minus the BCE ({fmt(expected)})"
        )
    if not torch.isfinite(got).all():
        raise NotYet(
            f"you return {fmt(got)}, expected {fmt(expected)}: the first image has logits +-1000, where "
            "sigmoid rounds to exactly 0 or 1. Use log sigmoid(t) = -softplus(-t) and "
            "log(1 - sigmoid(t)) = -softplus(t)"
        )
    close(
        got,
        expected,
        "log p(x | z) per image, against torch.distributions.Bernoulli(logits=...).log_prob",
    )
    return f"{fmt(got)} nats per image, as Bernoulli(logits=...).log_prob(x) summed over pixels, logits +-1000 too"


@check("gaussian_reconstruction_nats")
def check_gaussian_reconstruction_nats(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    x = mnist_like_images(3)
    mean = torch.rand(3, 1, 28, 28, generator=g, dtype=F64)
    log_var = torch.randn(3, 1, 28, 28, generator=g, dtype=F64) - 3
    normal = torch.distributions.Normal(mean, (log_var / 2).exp())
    expected = -normal.log_prob(x).flatten(1).sum(1)
    got = as_tensor(
        call(fn, mean.clone(), log_var.clone(), x.clone()),
        "gaussian_reconstruction_nats(mean, log_var, x) for 3 images",
        (3,),
    )
    constant = 784 * 0.5 * math.log(2 * math.pi)
    if torch.allclose(got.to(F64), expected - constant, rtol=1e-5):
        raise NotYet(
            f"you return {fmt(got)}: the constant 784 x log(2 pi) / 2 = {constant:.5g} "
            "nats is missing; it does not change the gradients, but it does change the nats"
        )
    if torch.allclose(got.to(F64), -expected, rtol=1e-5):
        raise NotYet(
            f"you return {fmt(got)}, the log-likelihood: the reconstruction term is "
            f"its negative, {fmt(expected)}"
        )
    as_log_std = torch.distributions.Normal(mean, log_var.exp())
    if torch.allclose(
        got.to(F64), -as_log_std.log_prob(x).flatten(1).sum(1), rtol=1e-5
    ):
        raise NotYet(
            "you read log_var as log sigma: it is log sigma^2, so sigma = exp(log_var / 2)"
        )
    close(
        got,
        expected,
        "-log N(x; mean, sigma^2) per image, against torch.distributions.Normal",
    )
    ones = torch.zeros_like(log_var)  # sigma = 1: half the squared error + a constant
    got_ones = as_tensor(
        call(fn, mean.clone(), ones, x.clone()),
        "gaussian_reconstruction_nats(mean, zeros, x)",
        (3,),
    )
    squared = 0.5 * (x - mean).pow(2).flatten(1).sum(1) + constant
    close(
        got_ones,
        squared,
        "sigma = 1: half the summed squared error + 784 log(2 pi) / 2",
    )
    return (
        f"{fmt(got)} nats per image, as torch.distributions.Normal; with sigma = 1 it is "
        f"half the summed squared error + {constant:.5g} nats"
    )
