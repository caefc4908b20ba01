"""Exercise checks of notebooks/03_vae_theory.ipynb (see course_utils.exercises.checking)."""

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


@check("kl_diagonal")
def check_kl_diagonal(fn: Callable) -> str:
    mu_q, log_var_q, mu_p, log_var_p = gaussian_parameters(4, 6)

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


@check("kl_monte_carlo")
def check_kl_monte_carlo(fn: Callable) -> str:
    mu, log_var, _, _ = gaussian_parameters(5, 3, seed=3)
    eps = torch.randn(
        2_000, 5, 3, generator=torch.Generator().manual_seed(4), dtype=F64
    )

    def estimate(sigma: torch.Tensor) -> torch.Tensor:
        """The Monte Carlo KL of N(mu, sigma^2) from N(0, I), with the same draws."""
        z = mu + sigma * eps
        q, p = (
            torch.distributions.Normal(mu, sigma),
            torch.distributions.Normal(0.0, 1.0),
        )
        return (q.log_prob(z) - p.log_prob(z)).sum(-1).mean(0)

    got = as_tensor(
        call(fn, mu.clone(), log_var.clone(), eps.clone()),
        "kl_monte_carlo(mu, log_var, eps)",
        (5,),
    ).detach()
    sigma = (log_var / 2).exp()
    expected = estimate(sigma)
    if torch.allclose(got, estimate(sigma**2)):
        raise NotYet(
            "you scale eps by exp(log_var), the variance sigma^2: the standard deviation "
            "is sigma = exp(log_var / 2)"
        )
    if torch.allclose(got, expected / mu.shape[-1]):
        raise NotYet(
            "your KL is d times too small: sum the log-ratio over the d code dimensions "
            "(the densities factorise), and average only over the L samples"
        )
    close(got, expected, "the Monte Carlo KL from these draws eps")
    closed_form = 0.5 * (mu.pow(2) + log_var.exp() - 1 - log_var).sum(-1)
    return f"{fmt(got)} nats from 2,000 draws; the closed form gives {fmt(closed_form)}"
