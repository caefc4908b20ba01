"""Progress bars, running averages, loss histories and train-or-load checkpoints.

Introduced in 01_autoencoder. The training loops themselves stay in the notebooks.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from course_utils import config

__all__ = ["History", "RunningAverage", "load_checkpoint", "save_checkpoint", "tqdm", "train_or_load"]


class RunningAverage:
    """Mean of the values seen so far, weighted by how many items each one covers."""

    def __init__(self) -> None:
        self.total = 0.0
        self.count = 0

    def update(self, value: float | torch.Tensor, n: int = 1) -> None:
        self.total += float(value) * n
        self.count += n

    @property
    def value(self) -> float:
        if self.count == 0:
            raise ValueError("RunningAverage has seen no values yet")
        return self.total / self.count


class History(defaultdict):
    """Lists of logged numbers by name: ``history.log(loss=0.3, kl=1.2)``; ``history["loss"]``."""

    def __init__(self, logged: dict[str, list[float]] | None = None) -> None:
        super().__init__(list, logged or {})

    def log(self, **values: float | torch.Tensor) -> None:
        for name, value in values.items():
            self[name].append(float(value))

    def last(self) -> dict[str, float]:
        """The latest value of every series, e.g. for a progress bar's postfix."""
        return {name: values[-1] for name, values in self.items() if values}


def checkpoint_path(name: str) -> Path:
    """COURSE_OUTPUT_DIR/checkpoints/<name>.pt (the state_dict; <name>.json holds the run's record)."""
    return config.output_path("checkpoints", f"{name}.pt")


def save_checkpoint(model: nn.Module, name: str, record: dict[str, Any]) -> Path:
    """Save the model's state_dict and a JSON record of its training run (history, seconds, mode)."""
    path = checkpoint_path(name)
    torch.save(model.state_dict(), path)
    path.with_suffix(".json").write_text(json.dumps(record))
    return path


def load_checkpoint(model: nn.Module, name: str) -> dict[str, Any] | None:
    """Load checkpoints/<name>.pt into the model and return its record, or None if there is none.

    A checkpoint whose keys or shapes do not fit the model is an error that names them.
    """
    path = checkpoint_path(name)
    if not path.exists():
        return None
    state = torch.load(path, map_location="cpu", weights_only=True)
    expected = model.state_dict()
    missing = sorted(expected.keys() - state.keys())
    unexpected = sorted(state.keys() - expected.keys())
    reshaped = [
        f"{key} {tuple(state[key].shape)} vs {tuple(expected[key].shape)}"
        for key in sorted(expected.keys() & state.keys())
        if state[key].shape != expected[key].shape
    ]
    if missing or unexpected or reshaped:
        raise ValueError(
            f"{path} does not fit {type(model).__name__}: missing keys {missing}, unexpected keys "
            f"{unexpected}, shape mismatches (checkpoint vs model) {reshaped}. "
            "Delete the file to train again."
        )
    model.load_state_dict(state)
    record_path = path.with_suffix(".json")
    return json.loads(record_path.read_text()) if record_path.exists() else {}


def train_or_load(
    model: nn.Module,
    name: str,
    train: Callable[[], dict[str, Any]],
    *,
    train_images: int,
    retrain: bool = False,
) -> dict[str, Any]:
    """Load checkpoints/<name>.pt if it was trained in this mode on as many images; else train and save.

    ``train()`` trains ``model`` in place and returns what to remember (e.g. its loss history).
    The returned record adds ``train_seconds``, ``train_images`` and ``quick``; a lecture can
    then show a trained model instantly. Pass ``retrain=True`` to train again regardless.
    """
    wanted = {"quick": config.quick(), "train_images": train_images}
    record_path = checkpoint_path(name).with_suffix(".json")
    if not retrain and record_path.exists():
        record = json.loads(record_path.read_text())
        if all(record.get(key) == value for key, value in wanted.items()) and load_checkpoint(model, name) is not None:
            model.eval()
            print(f"Loaded {name} from {checkpoint_path(name)} (trained in {record['train_seconds']:.0f} s).")
            return record
    model.train()
    start = time.perf_counter()
    record = {**train(), **wanted, "train_seconds": time.perf_counter() - start}
    model.eval()
    save_checkpoint(model, name, record)
    return record
