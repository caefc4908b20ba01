"""The files a notebook leaves under outputs/ for the others: generated samples, and metrics with their
provenance (README, "Contract").

Introduced in 01_autoencoder; read by the evaluation notebook and ``tools.build``.
"""

from __future__ import annotations

import functools
import json
import math
import subprocess
from pathlib import Path
from typing import Any

import torch

from course_utils import config, data
from course_utils.device import get_device

SAMPLES = {"full": 10_000, "quick": 500}  # images in each samples/<model>.pt
REQUIRED_METRICS = {"device": str, "train_images": int, "seed": int}


def sample_count() -> int:
    """How many samples a notebook writes per model: 10,000 in full mode, 500 in quick mode."""
    return SAMPLES["quick" if config.quick() else "full"]


def save_samples(pixels: torch.Tensor, model_name: str) -> Path:
    """Save generated digits (uint8, N x 28 x 28; see data.to_pixels) as samples/<model_name>.pt."""
    if pixels.dtype != torch.uint8 or pixels.dim() != 3 or pixels.shape[1:] != (28, 28):
        shape = tuple(pixels.shape)
        raise ValueError(
            f"samples must be uint8 N x 28 x 28 (use data.to_pixels), got {pixels.dtype} {shape}"
        )
    path = config.output_path("samples", f"{model_name}.pt")
    torch.save(pixels.cpu().contiguous(), path)
    return path


def load_samples(model_name: str) -> torch.Tensor:
    """samples/<model_name>.pt as uint8 N x 28 x 28."""
    path = config.output_path("samples", f"{model_name}.pt")
    return torch.load(path, weights_only=True)


@functools.cache
def git_commit() -> str | None:
    """The repository's current commit (with '+changes' if the work tree differs), or None outside git."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args],
            cwd=config.REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git(
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "course_utils",
            "notebooks",
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+changes" if dirty else "")


def _from_record(model: str, record: dict[str, Any]) -> dict[str, Any]:
    """A training record's entries for the metrics file: <model>_train_seconds and
    <model>_<argument> for every plain argument (number, string, list of numbers) of the
    training call (the record's ``settings``)."""
    settings = record.get("settings", {})
    entries = {f"{model}_{k}": v for k, v in settings.items() if k != "desc"}
    entries[f"{model}_train_seconds"] = record["train_seconds"]
    return entries


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"dcgan": {"fid": 9.1}} -> {"dcgan_fid": 9.1}: metrics files are one flat object (spaces
    in names become underscores; an infinite number, e.g. the class ratio of a model that
    misses a digit, is written as null, since JSON has no infinity)."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}".replace(" ", "_")
        if isinstance(value, dict):
            flat.update(_flat(value, f"{name}_"))
        else:
            infinite = isinstance(value, float) and math.isinf(value)
            flat[name] = None if infinite else value
    return flat


def _headline_table(notebook: str, headline: dict[str, Any]) -> str:
    """The headline numbers as a short markdown table; a group of numbers (a dict) as one
    line saying how many it holds."""
    rows = []
    for key, value in headline.items():
        if isinstance(value, dict):
            value = f"{len(_flat(value))} numbers"
        elif isinstance(value, float):
            value = f"{value:.4g}"
        rows.append(f"| {key} | {value} |")
    header = [
        f"Saved `metrics/{notebook}.json`:",
        "",
        "| number | value |",
        "|---|---|",
    ]
    return "\n".join(header + rows)


def save_metrics(
    notebook: str,
    headline: dict[str, Any],
    records: dict[str, dict[str, Any]] | None = None,
    *,
    seed: int | None = None,
    train_images: int | None = None,
) -> None:
    """Write metrics/<notebook>.json and show its headline numbers as a short table.

    ``headline``: the notebook's own numbers (e.g. ``vae_mlp_test_neg_elbo_nats``), kept as
    they are; a nested group ({"dcgan": {"fid": 9.1}}) is written flat (``dcgan_fid``).
    ``records``: {model name: the record train_or_load returned}; each adds
    <model>_train_seconds and <model>_<setting> for every plain argument of its training
    call, and the first one gives device, seed and train_images (a notebook that trains no
    network passes seed and train_images itself, and a <name>_train_seconds headline). The
    provenance is added here: quick, budget, data_source, torch_version and git_commit.
    """
    records = records or {}
    first = next(iter(records.values()), {})
    values: dict[str, Any] = {
        "device": first.get("device") or str(get_device()),
        "seed": first.get("seed") if seed is None else seed,
        "train_images": first.get("train_images")
        if train_images is None
        else train_images,
    }
    for model, record in records.items():
        values.update(_from_record(model, record))
    values.update(_flat(headline))
    for key, kind in REQUIRED_METRICS.items():
        if not isinstance(values.get(key), kind) or isinstance(values.get(key), bool):
            raise ValueError(
                f"metrics need {key!r} ({kind.__name__}), got {values.get(key)!r}"
            )
    if not any(key.endswith("train_seconds") for key in values):
        raise ValueError(
            "metrics need train_seconds (or <model>_train_seconds for each model)"
        )
    values.update(
        quick=config.quick(),
        budget=config.budget_name(),
        data_source=data.source(),
        torch_version=torch.__version__,
        git_commit=git_commit(),
    )
    path = config.output_path("metrics", f"{notebook}.json")
    path.write_text(json.dumps(values, indent=2, sort_keys=True))
    table = _headline_table(notebook, headline)
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(Markdown(table))
    else:
        print(table)
