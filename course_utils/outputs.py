"""The files a notebook leaves under outputs/ for the others: generated samples, and metrics with their
provenance (README, "Contract").

Introduced in 01_autoencoder; read by 06_evaluating_generative_models and ``course_utils.build``.
"""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import torch

from course_utils import config, data

SAMPLES = {"full": 10_000, "quick": 500}  # images in each samples/<model>.pt
REQUIRED_METRICS = {"device": str, "train_images": int, "seed": int}


def sample_count() -> int:
    """How many samples a notebook writes per model: 10,000 in full mode, 500 in quick mode."""
    return SAMPLES["quick" if config.quick() else "full"]


def save_samples(pixels: torch.Tensor, model_name: str) -> Path:
    """Save generated digits (uint8, N x 28 x 28; see data.to_pixels) as samples/<model_name>.pt."""
    if pixels.dtype != torch.uint8 or pixels.dim() != 3 or pixels.shape[1:] != (28, 28):
        shape = tuple(pixels.shape)
        raise ValueError(f"samples must be uint8 N x 28 x 28 (use data.to_pixels), got {pixels.dtype} {shape}")
    path = config.output_path("samples", f"{model_name}.pt")
    torch.save(pixels.cpu().contiguous(), path)
    return path


def load_samples(model_name: str) -> torch.Tensor:
    """samples/<model_name>.pt as uint8 N x 28 x 28."""
    return torch.load(config.output_path("samples", f"{model_name}.pt"), weights_only=True)


@functools.cache
def git_commit() -> str | None:
    """The repository's current commit (with '+changes' if the work tree differs), or None outside git."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=config.REPO_ROOT, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()  # fmt: skip

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", "course_utils", "notebooks")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+changes" if dirty else "")


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"dcgan": {"steps": 3000}} -> {"dcgan_steps": 3000}: metrics files are one flat object."""
    flat = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        flat.update(flatten(value, f"{name}_") if isinstance(value, dict) else {name: value})
    return flat


def save_metrics(notebook: str, values: dict[str, Any], settings: dict[str, Any] | None = None) -> Path:
    """Write metrics/<notebook>.json: one flat object of the notebook's headline numbers.

    ``values`` must hold device, train_images, seed and train_seconds (or <model>_train_seconds);
    ``settings`` (the training settings, nested by model if you like) are flattened in. The
    provenance is added here: quick, data_source, torch_version and git_commit.
    """
    flat = flatten({**(settings or {}), **values})
    for key, kind in REQUIRED_METRICS.items():
        if not isinstance(flat.get(key), kind) or isinstance(flat.get(key), bool):
            raise ValueError(f"metrics need {key!r} ({kind.__name__}), got {flat.get(key)!r}")
    if not any(key.endswith("train_seconds") for key in flat):
        raise ValueError("metrics need train_seconds (or <model>_train_seconds for each model)")
    flat.update(quick=config.quick(), data_source=data.source(), torch_version=torch.__version__,
                git_commit=git_commit())  # fmt: skip
    path = config.output_path("metrics", f"{notebook}.json")
    path.write_text(json.dumps(flat, indent=2, sort_keys=True))
    return path
