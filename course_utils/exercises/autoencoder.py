"""Exercise checks of notebooks/01_autoencoder.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

from collections.abc import Callable

from course_utils.exercises.checking import (
    NotYet,
    call,
    check,
    compare_layer_sizes,
)
from course_utils.from_notebooks.autoencoder import Autoencoder


@check("autoencoder_parameters")
def check_autoencoder_parameters(fn: Callable) -> str:
    for bottleneck, hidden in [(2, 100), (32, 100), (1, 1), (8, 50), (16, 300), (5, 7)]:
        expected = sum(p.numel() for p in Autoencoder(bottleneck, hidden).parameters())
        got = call(fn, bottleneck, hidden)
        if got != expected:
            weights = 2 * (784 * hidden + hidden * bottleneck)
            hint = (
                " (that is the weights alone: every layer also has one bias per output)"
                if got == weights
                else ""
            )
            raise NotYet(
                f"autoencoder_parameters({bottleneck}, {hidden}) gives {got!r}, "
                f"Autoencoder({bottleneck}, {hidden}) has {expected:,} parameters{hint}"
            )
    default = call(fn, 2)
    if default != 158_186:
        raise NotYet(
            f"autoencoder_parameters(2) with the default hidden=100 gives {default!r}, "
            "expected 158,186"
        )
    added = call(fn, 32) - default
    return (
        f"the model's own count for every size; d = 2 -> 32 adds {added:,} parameters, "
        f"{added / default:.1%} of the 2-D model"
    )


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
