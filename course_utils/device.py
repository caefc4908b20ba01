"""Choosing the device: CUDA, then Apple's MPS, then the CPU.

Introduced in 00_getting_started.
"""

from __future__ import annotations

import torch

from course_utils import config

DEVICES = ("cuda", "mps", "cpu")


def _available(name: str) -> bool:
    if name == "cuda":
        return torch.cuda.is_available()
    if name == "mps":
        return torch.backends.mps.is_available()
    return True


def get_device() -> torch.device:
    """CUDA if present, then Apple's MPS, then the CPU; COURSE_DEVICE forces one of them."""
    forced = config.device_name()
    if forced is not None:
        if forced not in DEVICES:
            raise ValueError(
                f"COURSE_DEVICE={forced!r}: expected one of {', '.join(DEVICES)}"
            )
        if not _available(forced):
            raise RuntimeError(
                f"COURSE_DEVICE={forced} but this machine has no {forced} device: "
                "unset COURSE_DEVICE to pick one automatically"
            )
        return torch.device(forced)
    return torch.device(next(name for name in DEVICES if _available(name)))
