"""Seeds, progress bars, running averages, loss histories, and train-or-load checkpoints.

Introduced in 00_getting_started (``set_seed``) and 01_autoencoder (the rest). The training
loops themselves stay in the notebooks.

A checkpoint is reused only when it was trained from the same *fingerprint*: the settings the
notebook passes, the training images, and the definition of the model and of the training code.
Anything else retrains, and says which part changed (README, "Contract").
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import pickle
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from course_utils import config

__all__ = [
    "CheckpointError", "History", "RunningAverage", "checkpoint_path", "fingerprint", "load_checkpoint",
    "load_snapshots", "save_atomic", "save_checkpoint", "save_snapshots", "set_seed", "tensor_digest", "tqdm",
    "train_or_load",
]  # fmt: skip


def set_seed(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's generators (all devices) for repeatable runs."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


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


# ---------------------------------------------------------------------------------------------
# Fingerprints: what determines the trained weights


def _digest(payload: bytes | str) -> str:
    return hashlib.blake2b(payload.encode() if isinstance(payload, str) else payload, digest_size=8).hexdigest()


def _source(obj: Callable | type) -> str:
    """Source text of a function or class (what was run, not the file it came from)."""
    if isinstance(obj, type):  # a class: its methods and those of its bases below nn.Module
        classes = [c for c in obj.__mro__ if c not in (nn.Module, object)]
        members = [v for c in classes for v in vars(c).values() if inspect.isfunction(v)]
        return "\n".join(_source(member) for member in members)
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):  # no source file (e.g. built in a string): fall back to the bytecode
        code = obj.__code__
        constants = [c for c in code.co_consts if not inspect.iscode(c)]  # nested code objects print addresses
        return repr((code.co_code, code.co_names, constants))


def _jsonable(value: Any) -> Any:
    """Settings as JSON values: tuples become lists, tensors and other objects their repr."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.Tensor):
        return f"tensor {tuple(value.shape)} {tensor_digest(value)}"
    return repr(value)


def tensor_digest(tensor: torch.Tensor) -> str:
    """A short content hash of a tensor (its shape, dtype and every value)."""
    array = tensor.detach().cpu().contiguous().numpy()
    return _digest(f"{array.shape} {array.dtype} ".encode() + array.tobytes())


def fingerprint(
    model: nn.Module, *, settings: dict[str, Any], data: torch.Tensor, code: Iterable[Callable] = ()
) -> dict[str, Any]:
    """Everything that determines a trained model, in four parts.

    ``settings``: the notebook's training settings (steps, learning rates, seed, ...), passed
    explicitly; ``data``: a content hash of the training images; ``model``: the model's class
    source (every method) and parameter shapes; ``code``: the source of the training functions
    (loss, step, loop). Quick mode is part of the settings.
    """
    shapes = {name: list(p.shape) for name, p in model.state_dict().items()}
    return {
        "settings": _jsonable({**settings, "quick": config.quick()}),
        "data": f"{len(data)} images, {tensor_digest(data)}",
        "model": f"{type(model).__name__} {_digest(_source(type(model)) + json.dumps(shapes))}",
        "code": _digest("\n".join(_source(fn) for fn in code)),
    }


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Which parts of a fingerprint differ, in words; for settings, which keys."""
    changed = []
    for part in new:
        if old.get(part) == new[part]:
            continue
        if part == "settings" and isinstance(old.get(part), dict):
            keys = sorted(set(old[part]) | set(new[part]))
            diffs = [f"{k}: {old[part].get(k)!r} -> {new[part].get(k)!r}" for k in keys
                     if old[part].get(k) != new[part].get(k)]  # fmt: skip
            changed.append("settings (" + ", ".join(diffs) + ")")
        else:
            changed.append(f"{part} ({old.get(part)} -> {new[part]})" if part == "data" else part)
    return changed


# ---------------------------------------------------------------------------------------------
# Checkpoint files


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used; the message names it and says what to do."""


def checkpoint_path(name: str) -> Path:
    """COURSE_OUTPUT_DIR/checkpoints/<name>.pt (the state_dict; <name>.json holds the run's record)."""
    return config.output_path("checkpoints", f"{name}.pt")


def save_atomic(obj: Any, path: Path) -> Path:
    """torch.save (or, for a .json path, JSON) to a temporary file, then rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            if path.suffix == ".json":
                f.write(json.dumps(obj).encode())
            else:
                torch.save(obj, f)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def save_checkpoint(model: nn.Module, name: str, record: dict[str, Any]) -> Path:
    """Save the model's state_dict and the JSON record of its training run, each atomically."""
    path = save_atomic(model.state_dict(), checkpoint_path(name))
    save_atomic(record, path.with_suffix(".json"))
    return path


def save_snapshots(name: str, snapshots: dict[str, list]) -> str:
    """Save a GAN run's snapshots beside its checkpoint, as checkpoints/<name>_snapshots.pt.

    snapshots: {"pixels": uint8 tensors, one batch per snapshot, "steps": [...], "seconds": [...]}, as
    the training loops of notebooks 04 and 05 return them (too big for the JSON record). Returns the
    digest of the pixels: keep it in the run's record, so load_snapshots can tell whose they are.
    """
    pixels = torch.stack(list(snapshots["pixels"]))
    save_atomic({**snapshots, "pixels": pixels}, config.output_path("checkpoints", f"{name}_snapshots.pt"))
    return tensor_digest(pixels)


def load_snapshots(name: str, record: dict[str, Any]) -> dict[str, Any]:
    """The snapshots save_snapshots wrote for checkpoints/<name>, checked against the run's record."""
    path = config.output_path("checkpoints", f"{name}_snapshots.pt")
    try:
        snapshots = torch.load(path, weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path} is missing: set RETRAIN = True to train {name} again") from None
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as error:
        raise _damaged(path, error) from None
    if tensor_digest(snapshots["pixels"]) != record.get("snapshots_digest"):
        raise CheckpointError(f"{path} comes from another run than checkpoints/{name}.pt: set RETRAIN = True")
    return snapshots


def _damaged(path: Path, error: Exception) -> CheckpointError:
    # torch's own message is left out on purpose: it suggests weights_only=False, which runs any code in the file
    return CheckpointError(
        f"{path} cannot be read: it is damaged or not a checkpoint ({type(error).__name__}). "
        "Delete the file, or set RETRAIN = True, to train the model again."
    )


def _read_record(path: Path) -> dict[str, Any] | None:
    record_path = path.with_suffix(".json")
    if not record_path.exists():
        return None
    try:
        return json.loads(record_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _damaged(record_path, error) from None


def load_checkpoint(model: nn.Module, name: str) -> dict[str, Any] | None:
    """Load checkpoints/<name>.pt into the model and return its record, or None if there is none.

    A damaged file, or one whose keys or shapes do not fit the model, is a CheckpointError that
    names the file and says what to do.
    """
    path = checkpoint_path(name)
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as error:
        raise _damaged(path, error) from None
    expected = model.state_dict()
    if not isinstance(state, dict):
        raise _damaged(path, TypeError(f"it holds a {type(state).__name__}, not a state_dict"))
    missing = sorted(expected.keys() - state.keys())
    unexpected = sorted(state.keys() - expected.keys())
    reshaped = [
        f"{key} {tuple(state[key].shape)} vs {tuple(expected[key].shape)}"
        for key in sorted(expected.keys() & state.keys())
        if state[key].shape != expected[key].shape
    ]
    if missing or unexpected or reshaped:
        raise CheckpointError(
            f"{path} does not fit {type(model).__name__}: missing keys {missing}, unexpected keys "
            f"{unexpected}, shape mismatches (checkpoint vs model) {reshaped}. "
            "Delete the file, or set RETRAIN = True, to train again."
        )
    model.load_state_dict(state)
    return _read_record(path) or {}


def train_or_load(
    model: nn.Module,
    name: str,
    train: Callable[[], dict[str, Any]],
    *,
    settings: dict[str, Any],
    data: torch.Tensor,
    code: Iterable[Callable] = (),
    retrain: bool = False,
) -> dict[str, Any]:
    """Load checkpoints/<name>.pt if it was trained from the same fingerprint; else train and save.

    ``train()`` trains ``model`` in place and returns what to remember (e.g. its loss history).
    The fingerprint (see ``fingerprint``) covers ``settings``, the training images ``data``, the
    model's definition, and the source of the functions in ``code``; if any part differs from the
    checkpoint's, one line says which, and the model is trained again. ``retrain=True`` always
    trains. The returned record adds ``train_seconds``, ``train_images`` and ``fingerprint``.
    """
    wanted = fingerprint(model, settings=settings, data=data, code=code)
    path = checkpoint_path(name)
    record = None if retrain else _read_record(path)
    if record is not None and path.exists():
        changed = _changes(record.get("fingerprint", {}), wanted)
        if not changed:
            load_checkpoint(model, name)
            model.eval()
            print(f"Loaded {name} from {path} (trained in {record['train_seconds']:.0f} s).")
            return record
        print(f"Training {name} again: the checkpoint was trained with other " + "; ".join(changed) + ".")
    model.train()
    start = time.perf_counter()
    record = {**train(), "train_images": len(data), "fingerprint": wanted}
    record["train_seconds"] = time.perf_counter() - start
    model.eval()
    save_checkpoint(model, name, record)
    return record
