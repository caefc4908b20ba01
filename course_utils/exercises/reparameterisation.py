"""Exercise checks of notebooks/04_reparameterisation.ipynb (see course_utils.exercises.checking)."""

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
    gaussian_parameters,
)


@check("reparameterised_sample")
def check_reparameterised_sample(fn: Callable) -> str:
    mu, log_var, _, _ = gaussian_parameters(3, 4, seed=1)
    eps = torch.randn(3, 4, generator=torch.Generator().manual_seed(2), dtype=F64)
    mu.requires_grad_(True)
    log_var.requires_grad_(True)
    z = as_tensor(
        call(fn, mu, log_var, eps), "reparameterised_sample(mu, log_var, eps)", (3, 4)
    )
    sigma = (log_var.detach() / 2).exp()
    if torch.allclose(z.detach(), mu.detach() + sigma**2 * eps):
        raise NotYet(
            "you scale eps by exp(log_var), the variance sigma^2: the standard deviation is sigma = exp(log_var / 2) "
            "(the log sigma / log sigma^2 mix-up of the pitfall in 03_vae_theory)"
        )
    close(
        z,
        mu.detach() + sigma * eps,
        "z = mu + sigma eps with sigma = exp(log_var / 2)",
        rtol=1e-6,
        atol=1e-9,
    )
    if not z.requires_grad:
        raise NotYet(
            "the values are right, but no gradient flows back to mu and log_var: build z from them with "
            "differentiable operations (no .detach(), no torch.normal, no .item())"
        )
    weights = torch.linspace(-1, 1, 12, dtype=F64).reshape(
        3, 4
    )  # d loss / dz of some loss
    grad_mu, grad_log_var = torch.autograd.grad(
        (weights * z).sum(), [mu, log_var], allow_unused=True
    )
    for grad, expected, name in [
        (grad_mu, weights, "mu"),
        (grad_log_var, weights * sigma * eps / 2, "log_var"),
    ]:
        if grad is None:
            raise NotYet(
                f"z does not depend on {name}: the gradient with respect to {name} is missing"
            )
        close(
            grad,
            expected,
            f"gradient of sum(w z) with respect to {name}",
            rtol=1e-6,
            atol=1e-9,
        )
    return "z = mu + exp(log_var / 2) eps, with dz/dmu = 1 and dz/dlog_var = sigma eps / 2 flowing back"


@check("score_estimate")
def check_score_estimate(fn: Callable) -> str:
    mu, sigma = 1.0, 0.5
    generator = torch.Generator().manual_seed(3)
    z = mu + sigma * torch.randn(64, generator=generator, dtype=F64)
    f_values = z**2
    got = as_tensor(
        call(fn, f_values.clone(), z.clone(), mu, sigma),
        "score_estimate(f_values, z, mu, sigma)",
        (2,),
    ).detach()
    params = torch.tensor([mu, sigma], dtype=F64, requires_grad=True)
    log_q = torch.distributions.Normal(params[0], params[1]).log_prob(z)
    (expected,) = torch.autograd.grad((f_values * log_q).mean(), params)
    if torch.allclose(got, expected * len(z)):
        raise NotYet(
            "your estimates are L times too large: average over the L samples, do not sum"
        )
    if torch.isclose(got[0], (f_values * (z - mu) / sigma).mean()):
        raise NotYet(
            "d/dmu: d log q / d mu = (z - mu) / sigma^2; divide by the variance sigma^2, "
            "not by sigma"
        )
    if torch.isclose(got[1], (f_values * (z - mu) ** 2 / sigma**3).mean()):
        raise NotYet(
            "d/dsigma: d log q / d sigma = ((z - mu)^2 - sigma^2) / sigma^3; "
            "the - sigma^2 is missing"
        )
    close(
        got,
        expected,
        "[d/dmu, d/dsigma], against autograd through the surrogate mean f(z) log q(z)",
    )
    return (
        f"{fmt(got)} from 64 samples, as autograd through mean f(z) log q(z) gives "
        "(the exact gradient of E[z^2] is [2, 1])"
    )
