"""Seeds, progress bars, running averages, loss histories, sampling, and train-or-load.

Introduced in 00_getting_started (``set_seed``) and 01_autoencoder (the rest). The training
loops themselves stay in the notebooks.

``train_or_load(name, train, *args, **kwargs)`` calls ``train(*args, **kwargs)`` once and saves
the modules it was given; later calls load them, but only while the *fingerprint* matches: every
argument of the call and the source of ``train`` and of every notebook function or class it
reaches. Anything else retrains, and says what changed (README, "Contract").
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import pickle
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from course_utils import config

__all__ = [
    "CheckpointError",
    "History",
    "RunningAverage",
    "checkpoint_path",
    "fingerprint",
    "load_checkpoint",
    "sample",
    "save_checkpoint",
    "seconds_per_step",
    "set_seed",
    "tqdm",
    "train_or_load",
]


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


@torch.no_grad()
def sample(
    network: nn.Module, noise: torch.Tensor, batch_size: int = 1000
) -> torch.Tensor:
    """``network(noise)`` in eval mode, in batches, without gradients: the one way the
    course draws images from a generator or a decoder.

    In eval mode BatchNorm uses its running statistics, so an image does not depend on the
    others in its batch. The network's mode (training or eval) is restored afterwards.
    """
    was_training = network.training
    network.eval()
    try:
        return torch.cat([network(chunk) for chunk in noise.split(batch_size)])
    finally:
        network.train(was_training)


def seconds_per_step(step: Callable[[], Any], steps: int = 5) -> float:
    """Median wall time of ``step()`` (one training step), after one warm-up call that
    allocates memory and optimiser state; GPU work is waited for."""
    step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        if torch.cuda.is_available():
            torch.cuda.synchronize()  # GPU work is asynchronous: wait for it
        times.append(time.perf_counter() - start)
    return float(np.median(times))


# ---------------------------------------------------------------------------------------
# Fingerprints: everything that decides the trained weights

NOTEBOOK_MODULES = ("__main__", "course_utils.from_notebooks")  # whose code is followed
PLAIN = (bool, int, float, str, type(None))


def _digest(payload: bytes | str) -> str:
    if isinstance(payload, str):
        payload = payload.encode()
    return hashlib.blake2b(payload, digest_size=8).hexdigest()


def tensor_digest(tensor: torch.Tensor) -> str:
    """A short content hash of a tensor (its shape, dtype and every value)."""
    array = tensor.detach().cpu().contiguous().numpy()
    return _digest(f"{array.shape} {array.dtype} ".encode() + array.tobytes())


def _state_digest(state: dict[str, torch.Tensor]) -> str:
    return _digest(
        " ".join(f"{k}={tensor_digest(v)}" for k, v in sorted(state.items()))
    )


def _is_code(obj: Any) -> bool:
    return inspect.isfunction(obj) or inspect.isclass(obj)


def _followed(obj: Any, home: str) -> bool:
    """A function or class of the notebook, of course_utils.from_notebooks, or of `home`
    (the module of the training function): its source is part of the fingerprint."""
    module = getattr(obj, "__module__", None) or ""
    return _is_code(obj) and (module == home or module.startswith(NOTEBOOK_MODULES))


def _methods(cls: type) -> list[Callable]:
    """The functions defined in a class body (methods, static and class methods, properties)."""
    found = []
    for member in vars(cls).values():
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if isinstance(member, property):
            found += [f for f in (member.fget, member.fset) if f is not None]
        elif inspect.isfunction(member):
            found.append(member)
    return found


def _source(obj: Callable | type) -> str:
    """What was run: a function's source, or a class's methods and plain class attributes.

    A class is read method by method (not with inspect.getsource of the class), so that a
    class defined in a notebook cell and its copy in course_utils.from_notebooks agree.
    """
    if inspect.isclass(obj):
        attributes = {k: repr(v) for k, v in vars(obj).items() if isinstance(v, PLAIN)}
        attributes.pop("__module__", None)
        attributes.pop("__qualname__", None)
        bases = [base.__qualname__ for base in obj.__bases__]
        methods = [_source(method) for method in _methods(obj)]
        return "\n".join([f"class {obj.__qualname__}({bases}) {attributes}", *methods])
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):  # no source file (built in a string): the bytecode
        code = obj.__code__
        constants = [c for c in code.co_consts if not inspect.iscode(c)]
        return repr((code.co_code, code.co_names, constants))


def _names(code: Any) -> set[str]:
    """Every global or attribute name a code object (and the code nested in it) uses."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if inspect.iscode(constant):
            names |= _names(constant)
    return names


def _referenced(fn: Callable) -> dict[str, Any]:
    """The values a function refers to by name: globals, closure cells, attributes of the
    modules it uses (``data.batches``), and its default arguments."""
    names = _names(fn.__code__)
    found = {name: fn.__globals__[name] for name in names if name in fn.__globals__}
    for module in [v for v in found.values() if inspect.ismodule(v)]:
        found.update({n: getattr(module, n) for n in names if hasattr(module, n)})
    cells = zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True)
    for name, cell in cells:
        try:
            found[name] = cell.cell_contents
        except ValueError:  # an empty cell: a name assigned after the function was made
            pass
    defaults = [*(fn.__defaults__ or ()), *(fn.__kwdefaults__ or {}).values()]
    found.update({f"<default {i}>": value for i, value in enumerate(defaults)})
    return found


def _code_and_settings(roots: list[Any], home: str) -> tuple[dict, dict]:
    """Follow the code reachable from `roots`: {qualified name: digest of its source} for
    every notebook function and class reached, and {name: value} of the plain settings
    (numbers, strings, tensors, ...) those functions read as globals."""
    code: dict[str, str] = {}
    settings: dict[str, Any] = {}
    todo = [inspect.unwrap(r) if inspect.isfunction(r) else r for r in roots]
    seen: set[int] = set()
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        code[obj.__qualname__] = _digest(_source(obj))
        functions = _methods(obj) if inspect.isclass(obj) else [obj]
        if inspect.isclass(obj):
            todo += [base for base in obj.__bases__ if _followed(base, home)]
        for fn in functions:
            for name, value in _referenced(inspect.unwrap(fn)).items():
                if inspect.isfunction(value):
                    value = inspect.unwrap(value)
                if _followed(value, home):
                    todo.append(value)
                elif _is_setting(name, value):
                    settings[name] = _describe(value, name)
    return dict(sorted(code.items())), dict(sorted(settings.items()))


def _is_setting(name: str, value: Any) -> bool:
    """A global worth fingerprinting: a tensor, or an UPPER_CASE setting holding plain data
    (the notebooks' convention; other globals may be state that training changes)."""
    if isinstance(value, torch.Tensor):
        return True
    return name.isupper() and _plain_data(value)


def _plain_data(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain_data(v) for v in value)
    if isinstance(value, dict):
        return all(_plain_data(v) for v in value.values())
    return isinstance(value, PLAIN)


def _describe(value: Any, name: str) -> Any:
    """An argument as JSON: numbers and strings as they are, tensors by content hash,
    modules by class, parameter shapes and weights, functions by name (their source is
    followed separately)."""
    if isinstance(value, PLAIN):
        return value
    if isinstance(value, (list, tuple)):
        return [_describe(v, name) for v in value]
    if isinstance(value, dict):
        return {str(k): _describe(v, name) for k, v in sorted(value.items())}
    if isinstance(value, torch.Tensor):
        return f"tensor {tuple(value.shape)} {tensor_digest(value)}"
    if isinstance(value, nn.Module):
        state = value.state_dict()
        shapes = {key: list(tensor.shape) for key, tensor in state.items()}
        return f"{type(value).__qualname__} {_digest(json.dumps(shapes))} " + (
            _state_digest(state)
        )
    if isinstance(value, functools.partial):
        return {
            "partial": _describe(value.func, name),
            "args": _describe(value.args, name),
            "keywords": _describe(value.keywords, name),
        }
    if isinstance(value, (torch.device, torch.dtype)):
        return str(value)
    if _followed(
        value, home=""
    ):  # a notebook's function: by name (its source is followed)
        return value.__qualname__
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}".lstrip(".")
    text = repr(value)
    if " at 0x" in text:  # an address: different in every run, it would always retrain
        raise TypeError(
            f"train_or_load cannot fingerprint {name}={text}: pass numbers, strings, "
            "tensors, modules or functions (e.g. a seed instead of a torch.Generator)"
        )
    return text


def _bind(train: Callable, args: tuple, kwargs: dict) -> dict[str, Any]:
    bound = inspect.signature(train).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def fingerprint(train: Callable, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Everything that decides what ``train(*args, **kwargs)`` produces, in three parts.

    ``arguments``: every argument of the call (defaults included): numbers and strings by
    value, tensors by a hash of their content, modules by class, parameter shapes and
    (initial) weights; ``code``: a hash of the source of ``train`` and of every function
    and class of the notebook (or of course_utils.from_notebooks) that it reaches, through
    calls, classes, closures and defaults; ``globals``: the plain settings and tensors that
    code reads from the notebook instead of taking them as arguments (UPPER_CASE names). Quick mode
    and COURSE_BUDGET are noted.
    """
    arguments = _bind(train, args, kwargs)
    roots = [train, *[type(v) for v in arguments.values() if isinstance(v, nn.Module)]]
    for value in arguments.values():
        parts = value.values() if isinstance(value, dict) else value
        for part in parts if isinstance(value, (list, tuple, dict)) else [value]:
            if isinstance(part, functools.partial):
                part = part.func
            if _is_code(part):
                roots.append(part)
    home = getattr(inspect.unwrap(train), "__module__", "")
    code, settings = _code_and_settings(roots, home)
    return {
        "train": train.__qualname__,
        "arguments": {k: _describe(v, k) for k, v in arguments.items()},
        "code": code,
        "globals": settings,
        "quick": config.quick(),
        "budget": config.budget_name(),
    }


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two fingerprints, in words."""
    changed = []
    for part, label in (("arguments", "arguments"), ("globals", "settings")):
        before, after = old.get(part) or {}, new[part]
        keys = sorted(set(before) | set(after))
        diffs = [
            f"{k}: {before.get(k)!r} -> {after.get(k)!r}"
            for k in keys
            if before.get(k) != after.get(k)
        ]
        if diffs:
            changed.append(f"other {label} (" + ", ".join(diffs) + ")")
    before, after = old.get("code") or {}, new["code"]
    edited = sorted(
        k for k in set(before) | set(after) if before.get(k) != after.get(k)
    )
    if edited:
        changed.append("other code (" + ", ".join(edited) + ")")
    if old.get("train") != new["train"]:
        changed.append(f"another training function ({old.get('train')})")
    if old.get("quick") != new["quick"]:
        changed.append("quick mode " + ("on" if old.get("quick") else "off"))
    if old.get("budget", "standard") != new["budget"]:
        changed.append(f"COURSE_BUDGET={old.get('budget', 'standard')}")
    return changed


# ---------------------------------------------------------------------------------------
# Checkpoint files


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used; the message names it and says what to do."""


def checkpoint_path(name: str) -> Path:
    """COURSE_OUTPUT_DIR/checkpoints/<name>.pt (weights; <name>.json is the run's record)."""
    return config.output_path("checkpoints", f"{name}.pt")


def save_atomic(obj: Any, path: Path) -> Path:
    """torch.save (or, for a .json path, JSON) to a temporary file, then rename: never
    half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
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


def _state(modules: dict[str, nn.Module]) -> dict[str, torch.Tensor]:
    """One state_dict for several modules, each key prefixed with the module's name."""
    return nn.ModuleDict(modules).state_dict()


def save_checkpoint(
    name: str, modules: dict[str, nn.Module], record: dict[str, Any]
) -> Path:
    """Save the modules' weights as checkpoints/<name>.pt, then the record as <name>.json.

    The record holds a hash of the weights it belongs to (``weights_digest``): a save cut
    off between the two files leaves new weights beside an old record, which
    ``load_checkpoint`` then refuses.
    """
    state = _state(modules)
    record = {**record, "weights_digest": _state_digest(state)}
    path = save_atomic(state, checkpoint_path(name))
    save_atomic(record, path.with_suffix(".json"))
    return path


def _damaged(path: Path, error: Exception) -> CheckpointError:
    # torch's own message is left out: it suggests weights_only=False, which runs any code
    return CheckpointError(
        f"{path} cannot be read: it is damaged or not a checkpoint "
        f"({type(error).__name__}). Delete the file, or set RETRAIN = True, to train "
        "the model again."
    )


def _read_record(path: Path) -> dict[str, Any] | None:
    record_path = path.with_suffix(".json")
    if not record_path.exists():
        return None
    try:
        return json.loads(record_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _damaged(record_path, error) from None


def _read_state(path: Path) -> dict[str, torch.Tensor]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as e:
        raise _damaged(path, e) from None
    if not isinstance(state, dict):
        raise _damaged(path, TypeError(f"it holds a {type(state).__name__}"))
    return state


def _load_into(modules: dict[str, nn.Module], state: dict, path: Path) -> None:
    """Load the keys of `state` into the modules; a key or shape that does not fit is a
    CheckpointError naming them."""
    expected = _state(modules)
    wanted = {k: v for k, v in state.items() if k.split(".")[0] in modules}
    missing = sorted(expected.keys() - wanted.keys())
    unexpected = sorted(wanted.keys() - expected.keys())
    reshaped = [
        f"{key} {tuple(wanted[key].shape)} vs {tuple(expected[key].shape)}"
        for key in sorted(expected.keys() & wanted.keys())
        if wanted[key].shape != expected[key].shape
    ]
    if missing or unexpected or reshaped:
        raise CheckpointError(
            f"{path} does not fit {', '.join(modules)}: missing keys {missing}, "
            f"unexpected keys {unexpected}, shape mismatches (checkpoint vs model) "
            f"{reshaped}. Delete the file, or set RETRAIN = True, to train again."
        )
    nn.ModuleDict(modules).load_state_dict(wanted, strict=False)


def load_checkpoint(name: str, **modules: nn.Module) -> dict[str, Any] | None:
    """Load checkpoints/<name>.pt into the modules named as in the training call, e.g.
    ``load_checkpoint("dcgan", average=generator)``; return the run's record, or None if
    there is no checkpoint. A damaged file, weights that do not fit, or weights that do not
    belong to the record (a save cut off halfway) are a CheckpointError naming the file.
    """
    path = checkpoint_path(name)
    if not path.exists():
        return None
    state = _read_state(path)
    record = _read_record(path) or {}
    if record.get("weights_digest") != _state_digest(state):
        raise CheckpointError(
            f"{path} does not hold the weights its record {path.with_suffix('.json')} "
            "describes (a save cut off halfway?): set RETRAIN = True to train again."
        )
    _load_into(modules, state, path)
    return record


def _snapshots_path(name: str) -> Path:
    return config.output_path("checkpoints", f"{name}_snapshots.pt")


def save_snapshots(name: str, snapshots: dict[str, list]) -> str:
    """Save a run's snapshots as checkpoints/<name>_snapshots.pt; return their digest.

    snapshots: {"pixels": one uint8 batch per snapshot, "steps": [...], "seconds": [...]},
    as a training function returns them under "snapshots" (train_or_load calls this).
    """
    pixels = torch.stack(list(snapshots["pixels"]))  # a list of batches, or one tensor
    save_atomic({**snapshots, "pixels": pixels}, _snapshots_path(name))
    return tensor_digest(pixels)


def load_snapshots(name: str) -> dict[str, Any]:
    """The snapshots saved with checkpoints/<name>, checked against that run's record:
    {"pixels": uint8 tensor snapshots x N x 28 x 28, "steps": [...], "seconds": [...]}."""
    path = _snapshots_path(name)
    record = _read_record(checkpoint_path(name)) or {}
    try:
        snapshots = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path} is missing: set RETRAIN = True") from None
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as error:
        raise _damaged(path, error) from None
    if tensor_digest(snapshots["pixels"]) != record.get("snapshots_digest"):
        raise CheckpointError(
            f"{path} comes from another run than checkpoints/{name}.pt: set RETRAIN = True"
        )
    return snapshots


def _training_images(arguments: dict[str, Any]) -> int | None:
    """How many training images a call got: the first N x C x H x W tensor among its
    arguments."""
    for value in arguments.values():
        if isinstance(value, torch.Tensor) and value.dim() == 4:
            return len(value)
    return None


def train_or_load(
    name: str,
    train: Callable[..., dict],
    *args: Any,
    retrain: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    """``train(*args, **kwargs)``, saved as checkpoints/<name>; or, if a checkpoint with the
    same fingerprint exists, the modules among the arguments loaded from it instead.

    ``train`` trains the modules it is given in place and returns what to remember (a
    loss history, ...). The fingerprint (see ``fingerprint``) covers every argument and
    the code ``train`` reaches; if it differs from the checkpoint's, one line says what
    changed, and the modules are trained again. ``retrain=True`` always trains. A result
    holding "snapshots" (pictures taken while training) is saved beside the checkpoint
    and loaded with it. The record returned adds ``train_seconds``, ``train_images``,
    ``device``, ``seed`` (the call's ``seed`` argument, if any), ``settings`` (the
    arguments that are plain numbers, strings or lists of them, None left out) and ``fingerprint``.
    """
    arguments = _bind(train, args, kwargs)
    modules = {k: v for k, v in arguments.items() if isinstance(v, nn.Module)}
    if not modules:
        raise TypeError(
            f"train_or_load({name!r}, {train.__qualname__}, ...) got no module to save: "
            "pass the model (or models) to the training function as arguments"
        )
    wanted = fingerprint(train, *args, **kwargs)
    path = checkpoint_path(name)
    record = None if retrain else _read_record(path)
    if record is not None and path.exists():
        changed = _changes(record.get("fingerprint") or {}, wanted)
        if record.get("weights_digest") != _state_digest(_read_state(path)):
            changed.append("other weights than its record's (a save cut off halfway?)")
        if not changed:
            load_checkpoint(name, **modules)
            for module in modules.values():
                module.eval()
            if "snapshots_digest" in record:
                record["snapshots"] = load_snapshots(name)
            print(f"Loaded {name} (trained in {record['train_seconds']:.0f} s).")
            return record
        because = "; ".join(changed)
        print(f"Training {name} again: the checkpoint was trained with {because}.")
    for module in modules.values():
        module.train()
    start = time.perf_counter()
    result = dict(train(*args, **kwargs))
    seconds = time.perf_counter() - start
    for module in modules.values():
        module.eval()
    snapshots = result.pop("snapshots", None)
    record = {
        **result,
        "train_seconds": seconds,
        "train_images": _training_images(arguments),
        "device": str(_device(modules)),
        "seed": arguments.get("seed"),
        "settings": {
            k: v
            for k, v in wanted["arguments"].items()
            if v is not None and _plain_data(arguments[k])
        },
        "fingerprint": wanted,
    }
    if snapshots is not None:
        snapshots = {**snapshots, "pixels": torch.stack(list(snapshots["pixels"]))}
        record["snapshots_digest"] = save_snapshots(name, snapshots)
    record["weights_digest"] = _state_digest(
        _state(modules)
    )  # what save_checkpoint keeps
    save_checkpoint(name, modules, record)
    return record if snapshots is None else {**record, "snapshots": snapshots}


def _device(modules: dict[str, nn.Module]) -> torch.device:
    tensors = [t for m in modules.values() for t in m.state_dict().values()]
    return tensors[0].device if tensors else torch.device("cpu")
