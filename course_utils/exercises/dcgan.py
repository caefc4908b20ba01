"""Exercise checks of notebooks/08_dcgan.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.exercises.checking import (
    F64,
    NotYet,
    as_tensor,
    call,
    check,
    close,
    compare_layer_sizes,
    integer,
)
from course_utils.from_notebooks.dcgan import LAYOUTS, Generator


def _generator_layers(layout: str) -> list[nn.ConvTranspose2d]:
    """The transposed convolutions of 08_dcgan's generator in this layout, first to last."""
    return [
        m
        for m in Generator(width=1, layout=layout).modules()
        if isinstance(m, nn.ConvTranspose2d)
    ]


@check("transposed_output_size")
def check_transposed_output_size(fn: Callable) -> str:
    checked = compare_layer_sizes(fn, transposed=True)
    grown = []
    for layout in LAYOUTS:  # 08_dcgan's generators, from a 1 x 1 map
        sizes, expected = [1], [1]
        for layer in _generator_layers(layout):
            (kernel, _), (stride, _), (padding, _) = (
                layer.kernel_size,
                layer.stride,
                layer.padding,
            )
            padded = (
                (padding,) if padding else ()
            )  # padding 0: the default of transposed_output_size
            sizes.append(
                integer(
                    call(fn, sizes[-1], kernel, stride, *padded),
                    "transposed_output_size",
                )
            )
            with torch.no_grad():
                expected.append(
                    layer(
                        torch.zeros(1, layer.in_channels, expected[-1], expected[-1])
                    ).shape[-1]
                )
        if sizes != expected:
            shown = " -> ".join(map(str, expected))
            raise NotYet(
                f"the {layout} generator's layers should grow {shown}, yours give {sizes}"
            )
        grown.append(f"{layout} {' -> '.join(map(str, sizes))}")
    return f"all {checked} combinations agree with nn.ConvTranspose2d; the generators grow {', '.join(grown)}"


@check("gan_losses")
def check_gan_losses(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    extreme = torch.tensor([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=F64)
    cases = [
        (
            "random logits",
            3 * torch.randn(64, generator=g, dtype=F64),
            3 * torch.randn(64, generator=g, dtype=F64),
        ),
        ("logits -1000, -100, 0, 100, 1000", extreme, extreme.flip(0)),
    ]
    for what, real, fake in cases:
        real, fake = (
            real.clone().requires_grad_(True),
            fake.clone().requires_grad_(True),
        )
        result = call(fn, real, fake)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise NotYet(
                f"gan_losses should return a pair (d_loss, g_loss), got {type(result).__name__}"
            )
        d_loss = as_tensor(result[0], "d_loss", ())
        g_loss = as_tensor(result[1], "g_loss", ())
        bce = F.binary_cross_entropy_with_logits
        expected_d = bce(real, torch.ones_like(real)) + bce(
            fake, torch.zeros_like(fake)
        )
        expected_g = bce(fake, torch.ones_like(fake))
        for got, expected, name in [
            (d_loss, expected_d, "d_loss"),
            (g_loss, expected_g, "g_loss"),
        ]:
            if not torch.isfinite(got):
                raise NotYet(
                    f"{name} is {got.item()} for {what} (expected {expected.item():.6g}): write -log sigma(t) "
                    "as softplus(-t) and -log(1 - sigma(t)) as softplus(t), which never take the log of 0"
                )
            close(
                got,
                expected,
                f"{name} for {what}, against binary_cross_entropy_with_logits",
                rtol=1e-6,
            )
        grads = torch.autograd.grad(d_loss + g_loss, [real, fake], allow_unused=True)
        if any(grad is None or not torch.isfinite(grad).all() for grad in grads):
            raise NotYet(
                f"the gradients of d_loss + g_loss for {what} are missing, NaN or infinite"
            )
    return (
        f"d_loss {expected_d.item():.1f} and g_loss {expected_g.item():.1f} at logits +-1000, as "
        "binary_cross_entropy_with_logits, with finite gradients"
    )


def _js_divergence(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    """JS(P, Q) of two densities on a grid of spacing dx, with 0 log 0 = 0."""
    m = (p + q) / 2

    def kl(a):
        inside = a * torch.log(a / m.clamp(min=1e-300))
        return torch.where(a > 0, inside, torch.zeros_like(a)).sum() * dx

    return (kl(p) + kl(q)) / 2


@check("optimal_discriminator")
def check_optimal_discriminator(fn: Callable) -> str:
    x = torch.linspace(-1, 4, 501, dtype=F64)
    dx = (x[1] - x[0]).item()
    p_data = ((x >= 0) & (x < 2)).to(F64) / 2  # Uniform[0, 2]
    p_g = ((x >= 1) & (x < 3)).to(
        F64
    ) / 2  # Uniform[1, 3]; both are 0 below 0 and from 3 on
    d = as_tensor(
        call(fn, p_data, p_g), "optimal_discriminator(p_data, p_g)", tuple(x.shape)
    )
    nowhere = (p_data == 0) & (p_g == 0)
    if not torch.isfinite(d[~nowhere]).all():
        raise NotYet(
            "D* is NaN or infinite where a density is positive: D*(x) = p_data(x) / (p_data(x) + p_g(x))"
        )
    if not torch.isfinite(d).all():
        raise NotYet(
            f"D* is NaN at the {int(nowhere.sum())} points where both densities are 0 (0 / 0): no image "
            "comes from there, so any value in [0, 1] is optimal; return 1/2 there"
        )
    if (d < 0).any() or (d > 1).any():
        raise NotYet(
            f"D* must be a probability in [0, 1], got values from {d.min():.3g} to {d.max():.3g}"
        )
    only_real, only_fake, both = (
        (p_data > 0) & (p_g == 0),
        (p_g > 0) & (p_data == 0),
        (p_data > 0) & (p_g > 0),
    )
    for where, value, what in [
        (only_real, 1.0, "only real data lie (x in [0, 1))"),
        (only_fake, 0.0, "only fakes lie (x in [2, 3))"),
        (both, 0.5, "both densities are 1/2 (x in [1, 2))"),
    ]:
        close(d[where], torch.full_like(d[where], value), f"D* where {what}")
    x = torch.linspace(
        -7, 8, 1501, dtype=F64
    )  # two overlapping Gaussians: D* must follow the ratio
    dx = (x[1] - x[0]).item()
    p, q = (torch.exp(-((x - m) ** 2) / 2) / (2 * torch.pi) ** 0.5 for m in (0.0, 1.0))
    d = as_tensor(call(fn, p, q), "optimal_discriminator(p_data, p_g)", tuple(x.shape))
    close(d, p / (p + q), "D* for N(0, 1) against N(1, 1)")

    def value(
        d: torch.Tensor,
    ) -> torch.Tensor:  # V(D, G) = E_data log D + E_G log(1 - D), on the grid
        return ((p * torch.log(d)).sum() + (q * torch.log(1 - d)).sum()) * dx

    best, js = value(d), _js_divergence(p, q, dx)
    close(
        best,
        2 * js - torch.log(torch.tensor(4.0, dtype=F64)),
        "V(D*, G) against 2 JS - log 4",
        rtol=1e-6,
    )
    worse = max(
        value((d + shift).clamp(1e-6, 1 - 1e-6)).item() for shift in (-0.05, 0.05)
    )
    return (
        f"D* = p_data / (p_data + p_g); against N(1, 1), V(D*, G) = {best.item():.4f} = 2 JS - log 4, "
        f"and shifting D* by 0.05 either way lowers V to at most {worse:.4f}"
    )
