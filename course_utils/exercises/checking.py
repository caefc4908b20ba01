"""What every exercise check shares: the Verdict a check cell shows, the decorator that turns a
check body into a function that never raises, and comparisons that say in numbers what differs.

The checks themselves live in one module per notebook, beside this one.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

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


class NotYet(Exception):
    """Raised inside a check: the student's answer differs; the text says how."""


class NotAttempted(Exception):
    """Raised inside a check: the student's function still raises NotImplementedError."""


def check(
    name: str,
) -> Callable[[Callable[[Callable], str]], Callable[[Callable], Verdict]]:
    """Turn a check body (fn -> praise, raising NotYet) into check_<name>(fn) -> Verdict, which never raises."""

    def decorate(body: Callable[[Callable], str]) -> Callable[[Callable], Verdict]:
        @functools.wraps(body)
        def check(fn: Callable) -> Verdict:
            if not callable(fn):
                return Verdict(
                    False,
                    f"Not yet: pass your function itself, `check_{name}({name})`, not {fn!r}",
                )
            try:
                with torch.random.fork_rng(
                    devices=[]
                ):  # the notebook's random state stays as it was
                    praise = body(fn)
            except NotAttempted:
                return Verdict(False, NOT_ATTEMPTED)
            except NotYet as mismatch:
                return Verdict(False, f"Not yet: {mismatch}")
            except (
                Exception
            ) as error:  # a result the check did not foresee: report it, never raise
                return Verdict(
                    False,
                    f"Not yet: checking `{name}` failed with {type(error).__name__}: {error}",
                )
            return Verdict(True, f"Correct: {praise}")

        return check

    return decorate


def call(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs); NotImplementedError -> NotAttempted, any other exception -> NotYet."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as error:
        raise NotAttempted from error
    except Exception as error:
        raise NotYet(
            f"`{fn.__name__}` raised {type(error).__name__}: {error}"
        ) from error


def fmt(values: Any, limit: int = 5) -> str:
    """A short, readable rendering of numbers: at most `limit` of them, 5 significant digits."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().double().numpy()
    array = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    shown = ", ".join(f"{v:.5g}" for v in array[:limit])
    if np.ndim(values) == 0:
        return shown
    return f"[{shown}{', ...' if len(array) > limit else ''}]"


def as_tensor(
    result: Any, what: str, shape: tuple[int, ...] | None = None
) -> torch.Tensor:
    """The student's result as a tensor of the expected shape, or NotYet saying what it is instead."""
    if not isinstance(result, torch.Tensor):
        raise NotYet(f"{what} should be a torch tensor, got {type(result).__name__}")
    if shape is not None and tuple(result.shape) != shape:
        raise NotYet(f"{what} should have shape {shape}, got {tuple(result.shape)}")
    return result


def close(
    got: torch.Tensor,
    expected: torch.Tensor,
    what: str,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """NotYet unless got and expected agree (NaN and infinities included), with the numbers."""
    got = got.detach().to(F64).cpu()
    expected = expected.detach().to(F64).cpu()
    if not torch.isfinite(got).all() and torch.isfinite(expected).all():
        raise NotYet(
            f"{what}: your result holds {fmt(got)}, NaN or infinite; expected {fmt(expected)}"
        )
    if not torch.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
        if got.numel() == 1:
            raise NotYet(
                f"{what}: expected {expected.item():.6g}, got {got.item():.6g}"
            )
        worst = (got - expected).abs().nan_to_num(nan=math.inf).argmax()
        raise NotYet(
            f"{what}: expected {fmt(expected)}, got {fmt(got)} "
            f"(largest difference at entry {worst.item()}: {got.flatten()[worst]:.6g} instead of "
            f"{expected.flatten()[worst]:.6g})"
        )


def number(result: Any, what: str) -> float:
    """A float from a Python number, a NumPy scalar or a one-element tensor."""
    if isinstance(result, torch.Tensor):
        if result.numel() != 1:
            raise NotYet(
                f"{what} should be one number, got a tensor of shape {tuple(result.shape)}"
            )
        return float(result.detach())
    if isinstance(result, (int, float, np.integer, np.floating)) and not isinstance(
        result, bool
    ):
        return float(result)
    raise NotYet(f"{what} should be a number, got {type(result).__name__}")


def integer(result: Any, what: str) -> int:
    if isinstance(result, bool) or not isinstance(result, (int, np.integer)):
        raise NotYet(
            f"{what} should be an int, got {result!r} ({type(result).__name__}); use // to divide"
        )
    return int(result)


def mnist_like_images(n: int = 4) -> torch.Tensor:
    """n float64 images like MNIST: mostly exact 0 (background) and 1 (ink), grey in between."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, 1, 28, 28, generator=g, dtype=F64)
    x = torch.where(x < 0.5, 0.0, torch.where(x > 0.8, 1.0, (x - 0.5) / 0.3)).to(F64)
    x[1] = 0.5  # a picture of pure doubt: log 2 per pixel
    x[2] = (x[2] > 0.5).to(F64)  # black and white only: no uncertainty
    return x


@functools.cache
def layer_sizes(transposed: bool) -> dict[tuple[int, int, int, int], int]:
    """{(size, kernel, stride, padding): output size} measured with nn.Conv2d / nn.ConvTranspose2d."""
    layer = nn.ConvTranspose2d if transposed else nn.Conv2d
    sizes = {}
    with torch.no_grad():
        for kernel in range(1, 6):
            for stride in range(1, 4):
                for padding in range(0, 3):
                    module = layer(1, 1, kernel, stride, padding, bias=False)
                    for size in [*range(1, 13), 14, 25, 28]:
                        if (
                            transposed
                            and (size - 1) * stride - 2 * padding + kernel < 1
                        ):
                            continue  # no output at all
                        if not transposed and size + 2 * padding < kernel:
                            continue  # the kernel does not fit
                        sizes[size, kernel, stride, padding] = module(
                            torch.zeros(1, 1, size, size)
                        ).shape[-1]
    return sizes


def compare_layer_sizes(fn: Callable, transposed: bool) -> int:
    layer = "nn.ConvTranspose2d" if transposed else "nn.Conv2d"
    for (size, kernel, stride, padding), expected in layer_sizes(transposed).items():
        got = call(fn, size, kernel, stride, padding)
        what = f"{fn.__name__}(size={size}, kernel={kernel}, stride={stride}, padding={padding})"
        if integer(got, what) != expected:
            raise NotYet(f"{what} = {got}, but {layer} gives {expected}")
    return len(layer_sizes(transposed))


def gaussian_parameters(*shape: int, seed: int = 0) -> list[torch.Tensor]:
    """Two diagonal Gaussians' parameters for a check: mu, log_var, mu, log_var (float64,
    log-variances in [-3, 3]), drawn from their own seeded generator."""
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(*shape, generator=g, dtype=F64)
        if i % 2 == 0
        else 6 * torch.rand(*shape, generator=g, dtype=F64) - 3
        for i in range(4)
    ]
