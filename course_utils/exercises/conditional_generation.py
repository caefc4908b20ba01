"""Exercise checks of notebooks/16_conditional_generation.ipynb (see course_utils.exercises.checking)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_utils.exercises.checking import (
    NotYet,
    as_tensor,
    call,
    check,
    fmt,
)

K = 10  # digits


@check("label_maps")
def check_label_maps(fn: Callable) -> str:
    y = torch.tensor([3, 0, 9, 3, 7])
    for size in (28, 4):
        got = as_tensor(
            call(fn, y.clone(), size), f"label_maps(y, {size})", (5, K, size, size)
        )
        if not got.is_floating_point():
            raise NotYet(
                f"the maps should be floats (a network's input), got {got.dtype}"
            )
        for n, label in enumerate(y.tolist()):
            lit = [k for k in range(K) if bool((got[n, k] != 0).any())]
            if lit != [label] or not bool((got[n, label] == 1).all()):
                raise NotYet(
                    f"image {n} (label {label}) should have ones in map {label} only; "
                    f"your maps {lit} hold non-zeros: one map per image, the one of its "
                    "own label"
                )
    return "one map of ones per image, at its label; zeros in the other nine"


def _terms(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A toy CVAE's terms: image n's best label has the lowest sum, but neither term alone
    picks it. x holds each image's preferred label in x[:, 0] and a decoy in x[:, 1]."""
    best, decoy = x[:, 0].long(), x[:, 1].long()
    reconstruction = 50.0 + 3.0 * (y != best) - 4.0 * (y == decoy)  # decoy: 49
    kl = 10.0 + 4.0 * (y == decoy) + 0.1 * y.to(x.dtype)  # best: 60 + 0.1 y at most
    return reconstruction.to(x.dtype), kl.to(x.dtype)


@check("classify_by_elbo")
def check_classify_by_elbo(fn: Callable) -> str:
    best = torch.tensor([7, 0, 3, 9, 1, 4])
    decoy = torch.tensor([2, 5, 0, 8, 6, 1])
    x = torch.stack([best, decoy], 1).double()
    got = as_tensor(call(fn, _terms, x.clone()), "classify_by_elbo(...)", (6,))
    if got.dtype != torch.long:
        raise NotYet(f"return labels as int64 (argmin gives them), got {got.dtype}")
    if torch.equal(got, decoy):
        raise NotYet(
            f"you picked {fmt(got)}: the lowest reconstruction term alone; the -ELBO is "
            "the sum of both terms"
        )
    if not torch.equal(got, best):
        raise NotYet(
            f"expected the labels {fmt(best, 6)} (lowest reconstruction + KL), got "
            f"{fmt(got, 6)}: try all ten labels for every image, and take the smallest"
        )
    return "the label with the lowest -ELBO for every image, from both terms"
