"""Course settings, read from the environment each time they are asked for (README, "Contract").

Introduced in 00_getting_started.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
QUICK_BUDGET_S = 40  # the most a notebook may take in quick mode, on 2 CPU cores

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={value!r}: expected 1 or 0")


def quick() -> bool:
    """COURSE_QUICK=1: smoke mode (few steps, small data), used by the test suite."""
    return _flag("COURSE_QUICK")


LONG_BUDGET_FACTOR = 10  # COURSE_BUDGET=long multiplies every training budget by this
BUDGETS = ("standard", "long")


def budget_name() -> str:
    """COURSE_BUDGET: "standard" (the default) or "long" (for GPUs and instructors)."""
    name = os.environ.get("COURSE_BUDGET", "").strip().lower() or "standard"
    if name not in BUDGETS:
        raise ValueError(
            f"COURSE_BUDGET={name!r}: expected one of {', '.join(BUDGETS)}"
        )
    return name


def budget(steps: int) -> int:
    """A full-mode training budget (optimiser steps), times LONG_BUDGET_FACTOR when
    COURSE_BUDGET=long. Settings cells write `STEPS = 20 if QUICK else budget(1_600)`."""
    return steps * (LONG_BUDGET_FACTOR if budget_name() == "long" else 1)


def offline() -> bool:
    """COURSE_OFFLINE=1: never try to download MNIST."""
    return _flag("COURSE_OFFLINE")


def device_name() -> str | None:
    """COURSE_DEVICE (cpu, cuda or mps) if set, else None for automatic choice."""
    return os.environ.get("COURSE_DEVICE", "").strip().lower() or None


def _folder(variable: str, default: str) -> Path:
    """The folder an environment variable names; a relative path is taken from the repository root,
    so that it means the same in a notebook (which runs in notebooks/) as in the shell that set it."""
    folder = Path(os.environ.get(variable) or default)
    return folder if folder.is_absolute() else REPO_ROOT / folder


def data_dir() -> Path:
    """Root handed to torchvision.datasets.MNIST (default: <repo>/data)."""
    return _folder("COURSE_DATA_DIR", "data")


def output_dir() -> Path:
    """Where notebooks write figures, samples, metrics and checkpoints (default: <repo>/outputs)."""
    return _folder("COURSE_OUTPUT_DIR", "outputs")


def output_path(*parts: str) -> Path:
    """A path under the output directory, with its parent folders created.

    >>> output_path("figures", "01_autoencoder", "codes.png")  # doctest: +SKIP
    """
    path = output_dir().joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
