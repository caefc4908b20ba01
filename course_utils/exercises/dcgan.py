"""Exercise checks of notebooks/04_dcgan.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.exercises.checking import F64, NotYet, as_tensor, call, check, close, compare_layer_sizes, integer
from course_utils.from_notebooks.dcgan import Generator


def _generator_layers() -> list[nn.ConvTranspose2d]:
    """The transposed convolutions of notebook 04's generator, first to last."""
    return [m for m in Generator(width=1).modules() if isinstance(m, nn.ConvTranspose2d)]


@check("transposed_output_size")
def check_transposed_output_size(fn: Callable) -> str:
    checked = compare_layer_sizes(fn, transposed=True)
    sizes, expected = [1], [1]
    for layer in _generator_layers():  # the DCGAN generator of notebook 04, from a 1 x 1 map
        (kernel, _), (stride, _), (padding, _) = layer.kernel_size, layer.stride, layer.padding
        padded = (padding,) if padding else ()  # padding 0: the default of transposed_output_size
        sizes.append(integer(call(fn, sizes[-1], kernel, stride, *padded), "transposed_output_size"))
        with torch.no_grad():
            expected.append(layer(torch.zeros(1, layer.in_channels, expected[-1], expected[-1])).shape[-1])
    if sizes != expected:
        shown = " -> ".join(map(str, expected))
        raise NotYet(f"the generator's layers (padding 0 by default) should grow {shown}, yours give {sizes}")
    return (
        f"all {checked} combinations agree with nn.ConvTranspose2d; the generator grows "
        f"{' -> '.join(map(str, sizes))}, and the conv VAE's decoder 7 -> {call(fn, 7, 4, 2, 1)}"
    )


@check("gan_losses")
def check_gan_losses(fn: Callable) -> str:
    g = torch.Generator().manual_seed(0)
    extreme = torch.tensor([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=F64)
    cases = [
        ("random logits", 3 * torch.randn(64, generator=g, dtype=F64), 3 * torch.randn(64, generator=g, dtype=F64)),
        ("logits -1000, -100, 0, 100, 1000", extreme, extreme.flip(0)),
    ]
    for what, real, fake in cases:
        real, fake = real.clone().requires_grad_(True), fake.clone().requires_grad_(True)
        result = call(fn, real, fake)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise NotYet(f"gan_losses should return a pair (d_loss, g_loss), got {type(result).__name__}")
        d_loss = as_tensor(result[0], "d_loss", ())
        g_loss = as_tensor(result[1], "g_loss", ())
        bce = F.binary_cross_entropy_with_logits
        expected_d = bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))
        expected_g = bce(fake, torch.ones_like(fake))
        for got, expected, name in [(d_loss, expected_d, "d_loss"), (g_loss, expected_g, "g_loss")]:
            if not torch.isfinite(got):
                raise NotYet(
                    f"{name} is {got.item()} for {what} (expected {expected.item():.6g}): write -log sigma(t) "
                    "as softplus(-t) and -log(1 - sigma(t)) as softplus(t), which never take the log of 0"
                )
            close(got, expected, f"{name} for {what}, against binary_cross_entropy_with_logits", rtol=1e-6)
        grads = torch.autograd.grad(d_loss + g_loss, [real, fake], allow_unused=True)
        if any(grad is None or not torch.isfinite(grad).all() for grad in grads):
            raise NotYet(f"the gradients of d_loss + g_loss for {what} are missing, NaN or infinite")
    return (
        f"d_loss {expected_d.item():.1f} and g_loss {expected_g.item():.1f} at logits +-1000, as "
        "binary_cross_entropy_with_logits, with finite gradients"
    )
