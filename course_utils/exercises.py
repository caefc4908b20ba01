"""Checks for the exercises at the end of every notebook (00_getting_started to 06).

A notebook's exercise gives a stub that raises ``NotImplementedError``; the cell below it runs
``exercises.check_<name>(<name>)``, which calls the student's function on fixed inputs and
compares the result with torch, scipy or course_utils (or with a value known in closed form),
edge cases included. The check returns a :class:`Verdict` that the notebook shows as the cell's
output: "✅ Correct: ..." or "❌ Not yet: ..." with what differs, in numbers. A stub still in
place gives "❌ Not attempted yet"; any other exception in the student's code is reported, never
raised, so the notebooks run top to bottom with the stubs in place. Checks draw their inputs
from their own seeded generators and leave the global random state untouched.

tests/test_exercises.py runs every solution in the notebooks through these same checks.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import data, metrics

F64 = torch.float64


@dataclass(frozen=True, repr=False)
class Verdict:
    """The outcome of a check; truthy when the answer is right. Displays as one line."""

    passed: bool
    message: str  # "Correct: ...", "Not yet: ..." or "Not attempted yet: ..."

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{'✅' if self.passed else '❌'} {self.message}"

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return str(self)


NOT_ATTEMPTED = "Not attempted yet: replace `raise NotImplementedError` by your code"


class _NotYet(Exception):
    """Raised inside a check: the student's answer differs; the text says how."""


class _NotAttempted(Exception):
    """Raised inside a check: the student's function still raises NotImplementedError."""


def _check(name: str) -> Callable[[Callable[[Callable], str]], Callable[[Callable], Verdict]]:
    """Turn a check body (fn -> praise, raising _NotYet) into check_<name>(fn) -> Verdict, which never raises."""

    def decorate(body: Callable[[Callable], str]) -> Callable[[Callable], Verdict]:
        @functools.wraps(body)
        def check(fn: Callable) -> Verdict:
            if not callable(fn):
                return Verdict(False, f"Not yet: pass your function itself, `check_{name}({name})`, not {fn!r}")
            try:
                with torch.random.fork_rng(devices=[]):  # the notebook's random state stays as it was
                    praise = body(fn)
            except _NotAttempted:
                return Verdict(False, NOT_ATTEMPTED)
            except _NotYet as mismatch:
                return Verdict(False, f"Not yet: {mismatch}")
            except Exception as error:  # a result the check did not foresee: report it, never raise
                return Verdict(False, f"Not yet: checking `{name}` failed with {type(error).__name__}: {error}")
            return Verdict(True, f"Correct: {praise}")

        return check

    return decorate


def _call(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs); NotImplementedError -> _NotAttempted, any other exception -> _NotYet."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as error:
        raise _NotAttempted from error
    except Exception as error:
        raise _NotYet(f"`{fn.__name__}` raised {type(error).__name__}: {error}") from error


def _fmt(values: Any, limit: int = 5) -> str:
    """A short, readable rendering of numbers: at most `limit` of them, 5 significant digits."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().double().numpy()
    array = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    shown = ", ".join(f"{v:.5g}" for v in array[:limit])
    if np.ndim(values) == 0:
        return shown
    return f"[{shown}{', ...' if len(array) > limit else ''}]"


def _tensor(result: Any, what: str, shape: tuple[int, ...] | None = None) -> torch.Tensor:
    """The student's result as a tensor of the expected shape, or _NotYet saying what it is instead."""
    if not isinstance(result, torch.Tensor):
        raise _NotYet(f"{what} should be a torch tensor, got {type(result).__name__}")
    if shape is not None and tuple(result.shape) != shape:
        raise _NotYet(f"{what} should have shape {shape}, got {tuple(result.shape)}")
    return result


def _close(got: torch.Tensor, expected: torch.Tensor, what: str, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """_NotYet unless got and expected agree (NaN and infinities included), with the numbers."""
    got = got.detach().to(F64).cpu()
    expected = expected.detach().to(F64).cpu()
    if not torch.isfinite(got).all() and torch.isfinite(expected).all():
        raise _NotYet(f"{what}: your result holds {_fmt(got)}, NaN or infinite; expected {_fmt(expected)}")
    if not torch.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
        if got.numel() == 1:
            raise _NotYet(f"{what}: expected {expected.item():.6g}, got {got.item():.6g}")
        worst = (got - expected).abs().nan_to_num(nan=math.inf).argmax()
        raise _NotYet(
            f"{what}: expected {_fmt(expected)}, got {_fmt(got)} "
            f"(largest difference at entry {worst.item()}: {got.flatten()[worst]:.6g} instead of "
            f"{expected.flatten()[worst]:.6g})"
        )


def _number(result: Any, what: str) -> float:
    """A float from a Python number, a NumPy scalar or a one-element tensor."""
    if isinstance(result, torch.Tensor):
        if result.numel() != 1:
            raise _NotYet(f"{what} should be one number, got a tensor of shape {tuple(result.shape)}")
        return float(result.detach())
    if isinstance(result, (int, float, np.integer, np.floating)) and not isinstance(result, bool):
        return float(result)
    raise _NotYet(f"{what} should be a number, got {type(result).__name__}")


def _integer(result: Any, what: str) -> int:
    if isinstance(result, bool) or not isinstance(result, (int, np.integer)):
        raise _NotYet(f"{what} should be an int, got {result!r} ({type(result).__name__}); use // to divide")
    return int(result)


# ---------------------------------------------------------------------------------------------
# 00_getting_started
# ---------------------------------------------------------------------------------------------


def _images_with_exact_zeros_and_ones(n: int = 4) -> torch.Tensor:
    """n float64 images like MNIST: mostly exact 0 (background) and 1 (ink), grey in between."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, 1, 28, 28, generator=g, dtype=F64)
    x = torch.where(x < 0.5, 0.0, torch.where(x > 0.8, 1.0, (x - 0.5) / 0.3)).to(F64)
    x[1] = 0.5  # a picture of pure doubt: log 2 per pixel
    x[2] = (x[2] > 0.5).to(F64)  # black and white only: no uncertainty
    return x


@_check("bernoulli_entropy")
def check_bernoulli_entropy(fn: Callable) -> str:
    x = _images_with_exact_zeros_and_ones()
    got = _tensor(_call(fn, x.clone()), "bernoulli_entropy(x) for 4 images", (4,))
    expected = F.binary_cross_entropy(x, x, reduction="none").flatten(1).sum(1)  # BCE(x, x): clamps log 0
    if torch.isnan(got).any():
        raise _NotYet(
            f"you return {_fmt(got)}: NaN for images with pixels that are exactly 0 or 1. There 0 · log 0 "
            "must count as 0 (the limit of t log t), e.g. with torch.xlogy or torch.special.entr"
        )
    _close(got, expected, "entropies of 4 images (nats), against BCE(x, x)")
    return (
        f"{_fmt(got)} nats per image, equal to BCE(x, x); pure doubt (x = 0.5) costs 784 log 2 = {got[1]:.1f}, "
        "a black-and-white image 0"
    )


@_check("signed_to_pixels")
def check_signed_to_pixels(fn: Callable) -> str:
    every_value = (torch.arange(2 * 784) % 256).to(torch.uint8).reshape(2, 28, 28)
    exact = data.from_pixels(every_value, (-1, 1))  # the 256 pixel values, mapped to [-1, 1] (float32)
    g = torch.Generator().manual_seed(0)
    near = torch.randint(0, 256, (3, 1, 28, 28), generator=g) + 0.6 * torch.rand(3, 1, 28, 28, generator=g) - 0.3
    noisy = near / 255 * 2 - 1  # values between pixel levels, never close to a rounding tie
    noisy[:, 0, 0, :4] = torch.tensor([-1.5, -1.01, 1.01, 1.5])  # outside [-1, 1]
    cases = [(exact, "images made from all 256 pixel values"), (noisy, "images with values between levels")]
    for images, what in cases:
        got = _tensor(_call(fn, images.clone()), f"signed_to_pixels({what})", (len(images), 28, 28))
        if got.dtype != torch.uint8:
            raise _NotYet(f"the pixels should be torch.uint8, got {got.dtype}: convert with .to(torch.uint8)")
        expected = data.to_pixels(images, (-1, 1))
        wrong = got.cpu() != expected
        if wrong.any():
            i = wrong.flatten().nonzero()[0].item()
            value, want, have = images.flatten()[i].item(), expected.flatten()[i].item(), got.flatten()[i].item()
            hint = ""
            if (got.cpu().int() - expected.int())[wrong].eq(-1).all():
                hint = ": one less each time, as if cut off; round to the nearest integer before .to(torch.uint8)"
            elif abs(value) > 1:
                hint = ": values outside [-1, 1] should become 0 or 255 (clamp)"
            raise _NotYet(
                f"{wrong.sum().item()} of {wrong.numel()} pixels differ from data.to_pixels, {what}; "
                f"e.g. {value:.6f} should give {want}, you give {have}{hint}"
            )
    return "all 256 pixel values survive the round trip [-1, 1] -> uint8, and out-of-range values are clipped"


# ---------------------------------------------------------------------------------------------
# 01_autoencoder
# ---------------------------------------------------------------------------------------------


def _test_covariance() -> tuple[torch.Tensor, torch.Tensor]:
    mean = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    a = torch.tensor([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [-0.5, 0.3, 0.4]], dtype=F64)
    return mean, a @ a.T + 0.1 * torch.eye(3, dtype=F64)  # correlated, positive definite


@_check("sample_gaussian")
def check_sample_gaussian(fn: Callable) -> str:
    mean, covariance = _test_covariance()
    eps = torch.randn(6, 3, generator=torch.Generator().manual_seed(0), dtype=F64)
    got = _tensor(_call(fn, mean, covariance, eps), "sample_gaussian(mean, covariance, eps) for 6 x 3 eps", (6, 3))
    scale_tril = torch.distributions.MultivariateNormal(mean, covariance).scale_tril  # the Cholesky factor L
    expected = mean + eps @ scale_tril.T
    if not torch.allclose(got.to(F64), expected, rtol=1e-6, atol=1e-8):
        many = torch.randn(20_000, 3, generator=torch.Generator().manual_seed(1), dtype=F64)
        samples = _tensor(_call(fn, mean, covariance, many), "sample_gaussian for 20,000 x 3 eps", (20_000, 3))
        spread = torch.cov(samples.to(F64).T)
        if torch.allclose(spread, covariance, atol=0.05) and torch.allclose(samples.mean(0), mean, atol=0.05):
            raise _NotYet(
                "your samples have the right mean and covariance, but not the values MultivariateNormal draws "
                "from this eps: use its square root of the covariance, the Cholesky factor L (z = mu + L eps)"
            )
        raise _NotYet(
            f"the covariance of 20,000 of your samples is {_fmt(spread.flatten(), 9)}, expected "
            f"{_fmt(covariance.flatten(), 9)} (row by row); the first sample is {_fmt(got[0])}, "
            f"expected {_fmt(expected[0])}"
        )
    return "mu + L eps with the Cholesky factor L, exactly what MultivariateNormal.rsample computes"


@functools.cache
def _conv_sizes(transposed: bool) -> dict[tuple[int, int, int, int], int]:
    """{(size, kernel, stride, padding): output size} measured with nn.Conv2d / nn.ConvTranspose2d."""
    layer = nn.ConvTranspose2d if transposed else nn.Conv2d
    sizes = {}
    with torch.no_grad():
        for kernel in range(1, 6):
            for stride in range(1, 4):
                for padding in range(0, 3):
                    module = layer(1, 1, kernel, stride, padding, bias=False)
                    for size in [*range(1, 13), 14, 25, 28]:
                        if transposed and (size - 1) * stride - 2 * padding + kernel < 1:
                            continue  # no output at all
                        if not transposed and size + 2 * padding < kernel:
                            continue  # the kernel does not fit
                        sizes[size, kernel, stride, padding] = module(torch.zeros(1, 1, size, size)).shape[-1]
    return sizes


def _check_sizes(fn: Callable, transposed: bool) -> int:
    layer = "nn.ConvTranspose2d" if transposed else "nn.Conv2d"
    for (size, kernel, stride, padding), expected in _conv_sizes(transposed).items():
        got = _call(fn, size, kernel, stride, padding)
        what = f"{fn.__name__}(size={size}, kernel={kernel}, stride={stride}, padding={padding})"
        if _integer(got, what) != expected:
            raise _NotYet(f"{what} = {got}, but {layer} gives {expected}")
    return len(_conv_sizes(transposed))


@_check("conv_output_size")
def check_conv_output_size(fn: Callable) -> str:
    checked = _check_sizes(fn, transposed=False)
    default = _call(fn, 28, 5)
    if default != 24:
        raise _NotYet(f"conv_output_size(28, 5) with the default stride 1 and padding 0 gives {default}, expected 24")
    return (
        f"all {checked} combinations agree with nn.Conv2d; 28 -> 14 -> 7 with kernel 3, stride 2, padding 1 "
        f"({_call(fn, 28, 3, 2, 1)}, {_call(fn, 14, 3, 2, 1)})"
    )


# ---------------------------------------------------------------------------------------------
# 02_vae_theory
# ---------------------------------------------------------------------------------------------


def _gaussian_parameters(*shape: int, seed: int = 0) -> list[torch.Tensor]:
    """mu_q, log_var_q, mu_p, log_var_p: float64, log-variances in [-3, 3]."""
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=g, dtype=F64) if i % 2 == 0 else 6 * torch.rand(*shape, generator=g,
            dtype=F64) - 3 for i in range(4)]  # fmt: skip


@_check("kl_diagonal")
def check_kl_diagonal(fn: Callable) -> str:
    mu_q, log_var_q, mu_p, log_var_p = _gaussian_parameters(4, 6)

    def torch_kl(mu_q, log_var_q, mu_p, log_var_p):
        q = torch.distributions.Normal(mu_q, (log_var_q / 2).exp())
        p = torch.distributions.Normal(mu_p, (log_var_p / 2).exp())
        return torch.distributions.kl_divergence(q, p).sum(-1)

    cases = [
        ("random q and p, 4 x 6", (mu_q, log_var_q, mu_p, log_var_p)),
        ("p = N(0, I), the VAE's prior", (mu_q, log_var_q, torch.zeros_like(mu_p), torch.zeros_like(log_var_p))),
        ("q = p", (mu_q, log_var_q, mu_q, log_var_q)),
    ]
    for what, args in cases:
        got = _tensor(_call(fn, *(a.clone() for a in args)), f"kl_diagonal ({what})", (4,))
        _close(got, torch_kl(*args), f"KL, {what}, against torch.distributions.kl_divergence")
    return f"{_fmt(torch_kl(*cases[0][1]))} nats, as torch.distributions.kl_divergence; 0 when q = p"


@_check("reparameterised_sample")
def check_reparameterised_sample(fn: Callable) -> str:
    mu, log_var, _, _ = _gaussian_parameters(3, 4, seed=1)
    eps = torch.randn(3, 4, generator=torch.Generator().manual_seed(2), dtype=F64)
    mu.requires_grad_(True)
    log_var.requires_grad_(True)
    z = _tensor(_call(fn, mu, log_var, eps), "reparameterised_sample(mu, log_var, eps)", (3, 4))
    sigma = (log_var.detach() / 2).exp()
    _close(z, mu.detach() + sigma * eps, "z = mu + sigma eps with sigma = exp(log_var / 2)", rtol=1e-6, atol=1e-9)
    if not z.requires_grad:
        raise _NotYet(
            "the values are right, but no gradient flows back to mu and log_var: build z from them with "
            "differentiable operations (no .detach(), no torch.normal, no .item())"
        )
    weights = torch.linspace(-1, 1, 12, dtype=F64).reshape(3, 4)  # d loss / dz of some loss
    grad_mu, grad_log_var = torch.autograd.grad((weights * z).sum(), [mu, log_var], allow_unused=True)
    for grad, expected, name in [(grad_mu, weights, "mu"), (grad_log_var, weights * sigma * eps / 2, "log_var")]:
        if grad is None:
            raise _NotYet(f"z does not depend on {name}: the gradient with respect to {name} is missing")
        _close(grad, expected, f"gradient of sum(w z) with respect to {name}", rtol=1e-6, atol=1e-9)
    return "z = mu + exp(log_var / 2) eps, with dz/dmu = 1 and dz/dlog_var = sigma eps / 2 flowing back"


# ---------------------------------------------------------------------------------------------
# 03_vae_mnist
# ---------------------------------------------------------------------------------------------


@_check("log_mean_exp")
def check_log_mean_exp(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    random = 3 * torch.randn(5, 7, generator=g, dtype=F64)
    huge = torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -1002.0]], dtype=F64)
    with_zero_weights = torch.tensor([[0.0, -math.inf, 1.0, -math.inf]], dtype=F64)  # log 0 = -inf: a weight of 0
    log_weights_like_a_vae = -100 - 20 * torch.rand(3, 100, generator=g)  # float32, log p(x, z) / q(z | x)
    cases = [(random, 0), (random, 1), (huge, 1), (huge.T, 0), (with_zero_weights, 1), (log_weights_like_a_vae, 1)]
    for log_w, dim in cases:
        expected = torch.logsumexp(log_w, dim) - math.log(log_w.shape[dim])
        shape = tuple(expected.shape)
        got = _tensor(_call(fn, log_w.clone(), dim), f"log_mean_exp(log_w of shape {tuple(log_w.shape)}, dim={dim})",
                      shape)  # fmt: skip
        what = f"log_mean_exp({_fmt(log_w[0] if dim == 1 else log_w[:, 0])}, ...) along dim={dim}"
        if not torch.isfinite(got).all():
            raise _NotYet(
                f"{what} gives {_fmt(got)}, expected {_fmt(expected)}: exp overflows or underflows. Subtract "
                "the largest value m first: log mean exp(w) = m + log mean exp(w - m)"
            )
        _close(got, expected, f"{what}, against logsumexp - log k", rtol=1e-5, atol=1e-4)
    return "agrees with logsumexp - log k, and stays finite at 1000 and -1000, where exp() overflows"


@_check("bernoulli_log_likelihood")
def check_bernoulli_log_likelihood(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    x = _images_with_exact_zeros_and_ones(3)  # grey pixels too, as in MNIST
    logits = 4 * torch.randn(3, 1, 28, 28, generator=g, dtype=F64)
    logits[0, 0, 0, :4] = torch.tensor([1000.0, -1000.0, 100.0, -100.0])  # a very sure decoder
    x[0, 0, 0, :4] = torch.tensor([0.0, 1.0, 0.0, 1.0])  # ... and wrong
    expected = torch.distributions.Bernoulli(logits=logits, validate_args=False).log_prob(x).flatten(1).sum(1)
    got = _tensor(_call(fn, logits.clone(), x.clone()), "bernoulli_log_likelihood(logits, x) for 3 images", (3,))
    if torch.isfinite(got).all() and torch.allclose(got, -expected, rtol=1e-5):
        raise _NotYet(f"you return {_fmt(got)}, the negative: the log-likelihood is minus the BCE ({_fmt(expected)})")
    if not torch.isfinite(got).all():
        raise _NotYet(
            f"you return {_fmt(got)}, expected {_fmt(expected)}: the first image has logits +-1000, where "
            "sigmoid rounds to exactly 0 or 1. Use log sigma(a) = -softplus(-a) and log(1 - sigma(a)) = -softplus(a)"
        )
    _close(got, expected, "log p(x | z) per image, against torch.distributions.Bernoulli(logits=...).log_prob")
    return f"{_fmt(got)} nats per image, as Bernoulli(logits=...).log_prob(x) summed over pixels, logits +-1000 too"


# ---------------------------------------------------------------------------------------------
# 04_dcgan
# ---------------------------------------------------------------------------------------------


@_check("transposed_output_size")
def check_transposed_output_size(fn: Callable) -> str:
    checked = _check_sizes(fn, transposed=True)
    sizes = [1]
    for kernel, stride in [(5, 1), (5, 1), (5, 2), (5, 1), (4, 1)]:  # the DCGAN generator of notebook 04
        sizes.append(_integer(_call(fn, sizes[-1], kernel, stride), "transposed_output_size"))
    if sizes != [1, 5, 9, 21, 25, 28]:
        raise _NotYet(f"the generator's layers (padding 0 by default) should grow 1 -> 28, yours give {sizes}")
    return (
        f"all {checked} combinations agree with nn.ConvTranspose2d; the generator grows "
        f"{' -> '.join(map(str, sizes))}, and the conv VAE's decoder 7 -> {_call(fn, 7, 4, 2, 1)}"
    )


@_check("gan_losses")
def check_gan_losses(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    extreme = torch.tensor([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=F64)
    cases = [
        ("random logits", 3 * torch.randn(64, generator=g, dtype=F64), 3 * torch.randn(64, generator=g, dtype=F64)),
        ("logits -1000, -100, 0, 100, 1000", extreme, extreme.flip(0)),
    ]
    for what, real, fake in cases:
        real, fake = real.clone().requires_grad_(True), fake.clone().requires_grad_(True)
        result = _call(fn, real, fake)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise _NotYet(f"gan_losses should return a pair (d_loss, g_loss), got {type(result).__name__}")
        d_loss = _tensor(result[0], "d_loss", ())
        g_loss = _tensor(result[1], "g_loss", ())
        bce = F.binary_cross_entropy_with_logits
        expected_d = bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))
        expected_g = bce(fake, torch.ones_like(fake))
        for got, expected, name in [(d_loss, expected_d, "d_loss"), (g_loss, expected_g, "g_loss")]:
            if not torch.isfinite(got):
                raise _NotYet(
                    f"{name} is {got.item()} for {what} (expected {expected.item():.6g}): write -log sigma(t) "
                    "as softplus(-t) and -log(1 - sigma(t)) as softplus(t), which never take the log of 0"
                )
            _close(got, expected, f"{name} for {what}, against binary_cross_entropy_with_logits", rtol=1e-6)
        grads = torch.autograd.grad(d_loss + g_loss, [real, fake], allow_unused=True)
        if any(grad is None or not torch.isfinite(grad).all() for grad in grads):
            raise _NotYet(f"the gradients of d_loss + g_loss for {what} are missing, NaN or infinite")
    return (
        f"d_loss {expected_d.item():.1f} and g_loss {expected_g.item():.1f} at logits +-1000, as "
        "binary_cross_entropy_with_logits, with finite gradients"
    )


# ---------------------------------------------------------------------------------------------
# 05_wgan
# ---------------------------------------------------------------------------------------------


class _HalfSquaredNorm(nn.Module):
    """f(x) = ||x||^2 / 2 per image (N x 1 scores), whose gradient is x itself."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x.flatten(1).pow(2).sum(1, keepdim=True)


@_check("gradient_penalty_at")
def check_gradient_penalty_at(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    real = torch.rand(6, 1, 4, 4, generator=g, dtype=F64) * 2 - 1
    fake = torch.rand(6, 1, 4, 4, generator=g, dtype=F64) * 2 - 1
    a = torch.rand(6, generator=g, dtype=F64)
    torch.manual_seed(0)  # inside the check's forked random state
    linear = nn.Sequential(nn.Flatten(), nn.Linear(16, 1, dtype=F64))
    with torch.no_grad():
        linear[1].weight.mul_(3 / linear[1].weight.norm())  # ||w|| = 3: the gradient everywhere
    w = linear[1].weight

    penalty = _tensor(_call(fn, linear, real, fake, a), "the penalty", ())
    _close(penalty, torch.tensor(40.0), "linear critic with ||w|| = 3: 10 (3 - 1)^2 = 40", rtol=1e-6)
    _close(_tensor(_call(fn, linear, real, fake, a, gp_lambda=1.0), "the penalty", ()), torch.tensor(4.0),
           "the same critic with gp_lambda=1: (3 - 1)^2 = 4", rtol=1e-6)  # fmt: skip
    if not penalty.requires_grad:
        raise _NotYet(
            "the value is right, but the penalty carries no gradient to the critic's weights: compute the "
            "gradient with torch.autograd.grad(..., create_graph=True)"
        )
    (grad_w,) = torch.autograd.grad(penalty, [w], allow_unused=True)
    if grad_w is None:
        raise _NotYet("the penalty does not depend on the critic's weights: use create_graph=True")
    _close(grad_w, 2 * 10 * (3 - 1) * w.detach() / 3, "d penalty / d w = 2 lambda (||w|| - 1) w / ||w||", rtol=1e-6)

    quadratic = _HalfSquaredNorm()
    got = _tensor(_call(fn, quadratic, real, fake, a), "the penalty", ())
    between = lambda t: t.view(-1, 1, 1, 1) * real + (1 - t.view(-1, 1, 1, 1)) * fake  # noqa: E731
    expected = 10 * ((between(a).flatten(1).norm(dim=1) - 1) ** 2).mean()  # grad of ||x||^2 / 2 is x
    swapped = 10 * ((between(1 - a).flatten(1).norm(dim=1) - 1) ** 2).mean()
    if torch.isclose(got.detach(), swapped) and not torch.isclose(swapped, expected):
        raise _NotYet(f"penalty {got.item():.6g}, expected {expected.item():.6g}: x_hat = a x + (1 - a) G(z), "
                      "a multiplies the real image")  # fmt: skip
    _close(got, expected, "critic f(x) = ||x||^2 / 2, whose gradient at x_hat is x_hat itself, with x_hat = "
           "a x + (1 - a) G(z) and the same a for all pixels of an image: the penalty", rtol=1e-6)  # fmt: skip
    return (
        f"40 for a linear critic with ||w|| = 3, and {expected.item():.4f} for f(x) = ||x||^2 / 2 at "
        "x_hat = a x + (1 - a) G(z), one a per image; the penalty trains the critic's weights"
    )


@_check("lipschitz_bound")
def check_lipschitz_bound(fn: Callable) -> str:
    torch.manual_seed(0)  # inside the check's forked random state
    critic = nn.Sequential(  # the critic of notebook 05
        nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 1)
    ).to(F64)
    layers = [m for m in critic if isinstance(m, nn.Linear)]
    expected = math.prod(torch.linalg.matrix_norm(m.weight.detach(), ord=2).item() for m in layers)
    got = _number(_call(fn, critic), "lipschitz_bound(critic)")

    x = torch.randn(1000, 1, 28, 28, generator=torch.Generator().manual_seed(1), dtype=F64, requires_grad=True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x)
    steepest = grad.flatten(1).norm(dim=1).max().item()
    if got < steepest:
        raise _NotYet(f"{got:.6g} is not an upper bound: the critic's slope at one of 1,000 random images is "
                      f"{steepest:.6g}")  # fmt: skip
    if not math.isclose(got, expected, rel_tol=1e-6):
        raise _NotYet(f"for the critic of notebook 05 (fresh weights): {got:.6g}, expected the product of the "
                      f"largest singular values {expected:.6g}")  # fmt: skip

    c = 0.01
    with torch.no_grad():
        for m in layers:
            m.weight.fill_(c)  # every weight at the clipping value
    got_clipped = _number(_call(fn, critic), "lipschitz_bound(clipped critic)")
    clipped = c**3 * math.sqrt(784 * 64) * math.sqrt(64 * 128) * math.sqrt(128 * 1)  # rank 1: c sqrt(rows cols)
    if not math.isclose(got_clipped, clipped, rel_tol=1e-6):
        raise _NotYet(f"with every weight at c = 0.01: {got_clipped:.6g}, expected c^3 sqrt(784 64) sqrt(64 128) "
                      f"sqrt(128) = {clipped:.6g}")  # fmt: skip
    return (
        f"{got:.4g} for a fresh critic (its steepest slope at 1,000 random images: {steepest:.3g}); with every "
        f"weight at c = 0.01 the bound is {clipped:.3f}, so the clipped critic measures at most 0.23 W1"
    )


# ---------------------------------------------------------------------------------------------
# 06_evaluating_generative_models
# ---------------------------------------------------------------------------------------------


@_check("coverage_and_class_ratio")
def check_coverage_and_class_ratio(fn: Callable) -> str:
    cases = [
        [100] * 10,  # uniform
        [300, 5, 95, 100, 100, 100, 100, 100, 50, 50],  # a rare digit (0.5%)
        [10, 9, 120, 120, 120, 120, 120, 120, 130, 131],  # exactly 1% counts, 0.9% does not
        [0, 150, 100, 100, 100, 100, 100, 100, 100, 150],  # a missing digit
    ]
    for counts in map(np.array, cases):
        report = metrics.class_balance(counts)
        result = _call(fn, counts.copy())
        if not (isinstance(result, tuple) and len(result) == 2):
            raise _NotYet(f"return a pair (coverage, class_ratio), got {type(result).__name__}")
        coverage = _integer(result[0], "coverage")
        ratio = _number(result[1], "class_ratio")
        if coverage != report["coverage"]:
            raise _NotYet(f"counts {counts.tolist()}: coverage {coverage}, but metrics.class_balance says "
                          f"{report['coverage']} (digits with at least 1% of the samples)")  # fmt: skip
        expected = report["class_ratio"]
        if not (ratio == expected or math.isclose(ratio, expected, rel_tol=1e-9)):
            raise _NotYet(f"counts {counts.tolist()}: class_ratio {ratio}, but metrics.class_balance says {expected} "
                          "(largest count / smallest, inf if a digit is missing)")  # fmt: skip
    return (
        "coverage and class_ratio agree with metrics.class_balance (the scoreboard's columns), at the 1% boundary "
        "and with a missing digit"
    )


@_check("fid_from_features")
def check_fid_from_features(fn: Callable) -> str:
    rng = np.random.default_rng(0)
    real = rng.normal(size=(60, 3)) @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.7]])
    fake = rng.normal(size=(60, 3)) * [0.5, 2.0, 1.0] + [1.0, 0.0, -1.0]
    fewer = fake[:40]
    wide = rng.normal(size=(500, 8)), rng.normal(size=(300, 8)) * 1.5 + 0.2

    def reference(a: np.ndarray, b: np.ndarray, ddof: int = 1, rowvar: bool = False) -> float:
        return metrics.frechet_distance(a.mean(0), np.cov(a, rowvar=rowvar, ddof=ddof),
                                        b.mean(0), np.cov(b, rowvar=rowvar, ddof=ddof))  # fmt: skip

    shift = np.array([1.0, 2.0, 2.0])
    cases = [
        ("60 real against 60 fake features, 3-D", real, fake, reference(real, fake)),
        ("60 real against 40 fake features, 3-D", real, fewer, reference(real, fewer)),
        ("real against itself", real, real, 0.0),
        ("real against real + (1, 2, 2)", real, real + shift, 9.0),  # ||shift||^2, same covariance
        ("500 against 300 features, 8-D", *wide, reference(*wide)),
    ]
    for what, a, b, expected in cases:
        got = _number(_call(fn, a.copy(), b.copy()), f"fid_from_features ({what})")
        if not math.isclose(got, expected, rel_tol=1e-5, abs_tol=1e-6):
            hint = ""
            if math.isclose(got, reference(a, b, ddof=0), rel_tol=1e-5):
                hint = ": use the unbiased covariance (divide by N - 1, as np.cov does)"
            elif len(a) == len(b) and math.isclose(got, reference(a, b, rowvar=True), rel_tol=1e-3):
                hint = ": your covariances are N x N, over images; rows are samples here (np.cov(..., rowvar=False))"
            raise _NotYet(f"{what}: {got:.6g}, expected {expected:.6g} (metrics.frechet_distance of the means and "
                          f"covariances){hint}")  # fmt: skip
    return f"{cases[0][3]:.4f} for two different sets, 0 for identical ones, ||shift||^2 = 9 for a shifted copy"
