"""Exercise checks of notebooks/03_vae_mnist.ipynb (see course_utils.exercises.checking)."""

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


@check("log_mean_exp")
def check_log_mean_exp(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    random = 3 * torch.randn(5, 7, generator=g, dtype=F64)
    huge = torch.tensor(
        [[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -1002.0]], dtype=F64
    )
    with_zero_weights = torch.tensor(
        [[0.0, -math.inf, 1.0, -math.inf]], dtype=F64
    )  # log 0 = -inf: a weight of 0
    log_weights_like_a_vae = -100 - 20 * torch.rand(
        3, 100, generator=g
    )  # float32, log p(x, z) / q(z | x)
    cases = [
        (random, 0),
        (random, 1),
        (huge, 1),
        (huge.T, 0),
        (with_zero_weights, 1),
        (log_weights_like_a_vae, 1),
    ]
    for log_w, dim in cases:
        expected = torch.logsumexp(log_w, dim) - math.log(log_w.shape[dim])
        shape = tuple(expected.shape)
        got = as_tensor(
            call(fn, log_w.clone(), dim),
            f"log_mean_exp(log_w of shape {tuple(log_w.shape)}, dim={dim})",
            shape,
        )
        what = f"log_mean_exp({fmt(log_w[0] if dim == 1 else log_w[:, 0])}, ...) along dim={dim}"
        if not torch.isfinite(got).all():
            raise NotYet(
                f"{what} gives {fmt(got)}, expected {fmt(expected)}: exp overflows or underflows. Subtract "
                "the largest value m first: log mean exp(w) = m + log mean exp(w - m)"
            )
        k = log_w.shape[dim]
        if torch.allclose(
            got.detach().cpu().to(F64),
            (expected + math.log(k)).to(F64),
            rtol=1e-5,
            atol=1e-4,
        ):
            raise NotYet(
                f"{what} gives {fmt(got)}: that is log sum exp, log k = {math.log(k):.4g} too high. "
                f"Take the mean of the k shifted weights, not their sum"
            )
        close(got, expected, f"{what}, against logsumexp - log k", rtol=1e-5, atol=1e-4)
    return "agrees with logsumexp - log k, and stays finite at 1000 and -1000, where exp() overflows"


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
            "sigmoid rounds to exactly 0 or 1. Use log sigma(a) = -softplus(-a) and log(1 - sigma(a)) = -softplus(a)"
        )
    close(
        got,
        expected,
        "log p(x | z) per image, against torch.distributions.Bernoulli(logits=...).log_prob",
    )
    return f"{fmt(got)} nats per image, as Bernoulli(logits=...).log_prob(x) summed over pixels, logits +-1000 too"
