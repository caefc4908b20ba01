"""Exercise checks of notebooks/06_vae_nats.ipynb (see course_utils.exercises.checking)."""

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


@check("log_importance_weight")
def check_log_importance_weight(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(4, 6, generator=g, dtype=F64)
    log_var = torch.randn(4, 6, generator=g, dtype=F64) - 1
    z = mu + (log_var / 2).exp() * torch.randn(4, 6, generator=g, dtype=F64)
    log_px_z = -100 - 10 * torch.rand(4, generator=g, dtype=F64)
    q = torch.distributions.Normal(mu, (log_var / 2).exp())
    prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    log_pz, log_qz = prior.log_prob(z).sum(1), q.log_prob(z).sum(1)
    expected = log_px_z + log_pz - log_qz
    got = as_tensor(
        call(fn, log_px_z.clone(), z.clone(), mu.clone(), log_var.clone()),
        "log_importance_weight(log_px_z, z, mu, log_var) for 4 images, 6 coordinates",
        (4,),
    )
    got64 = got.detach().cpu().to(F64)
    half_log_2pi = 0.5 * mu.shape[1] * math.log(2 * math.pi)  # per Gaussian
    log_pz_bare, log_qz_bare = log_pz + half_log_2pi, log_qz + half_log_2pi
    mistakes = [
        (log_px_z - log_qz_bare, "the prior's log p(z) is missing"),
        (
            log_px_z + log_pz_bare + log_qz_bare,
            "add log p(z) but subtract log q(z | x)",
        ),
        (log_px_z - log_qz, "the prior's log p(z) is missing"),
        (log_px_z + log_pz + log_qz, "add log p(z) but subtract log q(z | x)"),
        (log_px_z + log_pz, "log q(z | x) is missing: subtract it"),
    ]
    for wrong, why in mistakes:
        if torch.allclose(got64, wrong, rtol=1e-6):
            raise NotYet(f"you return {fmt(got)}, expected {fmt(expected)}: {why}")
    as_log_std = torch.distributions.Normal(mu, log_var.exp())
    if torch.allclose(got64, log_px_z + log_pz - as_log_std.log_prob(z).sum(1)):
        raise NotYet(
            "you read log_var as log sigma: it is log sigma^2, so sigma = exp(log_var / 2)"
        )
    close(
        got, expected, "log p(x|z) + log p(z) - log q(z|x), against torch.distributions"
    )
    at_prior = as_tensor(
        call(
            fn, log_px_z.clone(), z.clone(), torch.zeros_like(mu), torch.zeros_like(mu)
        ),
        "log_importance_weight with q = p(z)",
        (4,),
    )
    close(at_prior, log_px_z, "q(z | x) = p(z): the weight is p(x | z)")
    return (
        f"{fmt(expected)} nats: log p(x|z) + log p(z) - log q(z|x), per image; "
        "p(x | z) itself when q = p(z)"
    )
