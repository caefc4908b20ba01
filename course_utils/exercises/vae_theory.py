"""Exercise checks of notebooks/02_vae_theory.ipynb (see course_utils.exercises.checking)."""

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


def _gaussian_parameters(*shape: int, seed: int = 0) -> list[torch.Tensor]:
    """mu_q, log_var_q, mu_p, log_var_p: float64, log-variances in [-3, 3]."""
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(*shape, generator=g, dtype=F64)
        if i % 2 == 0
        else 6 * torch.rand(*shape, generator=g, dtype=F64) - 3
        for i in range(4)
    ]


@check("kl_diagonal")
def check_kl_diagonal(fn: Callable) -> str:
    mu_q, log_var_q, mu_p, log_var_p = _gaussian_parameters(4, 6)

    def torch_kl(mu_q, log_var_q, mu_p, log_var_p):
        q = torch.distributions.Normal(mu_q, (log_var_q / 2).exp())
        p = torch.distributions.Normal(mu_p, (log_var_p / 2).exp())
        return torch.distributions.kl_divergence(q, p).sum(-1)

    cases = [
        ("random q and p, 4 x 6", (mu_q, log_var_q, mu_p, log_var_p)),
        (
            "p = N(0, I), the VAE's prior",
            (mu_q, log_var_q, torch.zeros_like(mu_p), torch.zeros_like(log_var_p)),
        ),
        ("q = p", (mu_q, log_var_q, mu_q, log_var_q)),
    ]
    for what, args in cases:
        got = as_tensor(
            call(fn, *(a.clone() for a in args)), f"kl_diagonal ({what})", (4,)
        )
        close(
            got,
            torch_kl(*args),
            f"KL, {what}, against torch.distributions.kl_divergence",
        )
    return f"{fmt(torch_kl(*cases[0][1]))} nats, as torch.distributions.kl_divergence; 0 when q = p"


@check("reparameterised_sample")
def check_reparameterised_sample(fn: Callable) -> str:
    mu, log_var, _, _ = _gaussian_parameters(3, 4, seed=1)
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
            "(the log sigma / log sigma^2 mix-up of Pitfall 2)"
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
