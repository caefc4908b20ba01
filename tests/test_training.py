import json
import time

import pytest
import torch
from torch import nn

from course_utils import training


def test_running_average_is_weighted_by_count():
    meter = training.RunningAverage()
    with pytest.raises(ValueError, match="no values"):
        _ = meter.value
    meter.update(1.0, n=1)
    meter.update(torch.tensor(4.0), n=3)
    assert meter.value == pytest.approx(13 / 4)


def test_history_logs_floats_by_name():
    history = training.History()
    history.log(loss=torch.tensor(2.0), kl=1)
    history.log(loss=1.0, kl=0.5)
    assert history["loss"] == [2.0, 1.0] and history.last() == {"loss": 1.0, "kl": 0.5}


def test_set_seed_repeats_every_generator():
    import random

    import numpy as np

    draws = []
    for _ in range(2):
        training.set_seed(7)
        draws.append((random.random(), np.random.rand(), torch.rand(1).item()))
    assert draws[0] == draws[1]
    training.set_seed(8)
    assert torch.rand(1).item() != draws[0][2]


def test_checkpoint_round_trip(course_env):
    model, copy = nn.Linear(3, 2), nn.Linear(3, 2)
    path = training.save_checkpoint("tiny", {"model": model}, {"note": "x"})
    assert path == course_env / "outputs" / "checkpoints" / "tiny.pt"
    assert training.load_checkpoint("tiny", model=copy)["note"] == "x"
    assert torch.equal(copy.weight, model.weight)
    assert training.load_checkpoint("absent", model=copy) is None
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny.json", "tiny.pt"]


def test_a_checkpoint_that_does_not_fit_names_the_keys(course_env):
    training.save_checkpoint("net", {"model": nn.Sequential(nn.Linear(3, 2))}, {})
    expected = (
        r"missing keys \['model.1.bias', 'model.1.weight'\].*shape mismatches"
        r".*model.0.weight \(2, 3\) vs \(4, 3\)"
    )
    other = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    with pytest.raises(training.CheckpointError, match=expected):
        training.load_checkpoint("net", model=other)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "bad_json"])
def test_a_damaged_checkpoint_is_a_clear_error_without_unsafe_advice(
    course_env, damage
):
    path = training.save_checkpoint("tiny", {"model": nn.Linear(3, 2)}, {})
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "garbage":
        path.write_bytes(b"not a checkpoint at all")
    else:
        path.with_suffix(".json").write_text("{ half a record")
    with pytest.raises(training.CheckpointError) as error:
        training.load_checkpoint("tiny", model=nn.Linear(3, 2))
    message = str(error.value)
    assert str(path.with_suffix(".json") if damage == "bad_json" else path) in message
    assert "Delete the file" in message and "RETRAIN = True" in message
    assert "weights_only" not in message, "never advise loading with weights_only=False"


def test_an_interrupted_save_leaves_the_old_checkpoint_whole(course_env, monkeypatch):
    path = training.save_checkpoint("tiny", {"model": nn.Linear(3, 2)}, {"run": 1})
    before = path.read_bytes()

    def crash(obj, f):
        f.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        training.save_checkpoint("tiny", {"model": nn.Linear(3, 2)}, {"run": 2})
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny.json", "tiny.pt"]


# The training code below is made as a notebook makes it: functions of the module __main__,
# whose source train_or_load follows.
NOTEBOOK_CODE = """
import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self, hidden=2):
        super().__init__()
        self.layer = nn.Linear(2, hidden)

    def forward(self, x):
        return self.layer(x)


def scale(x):
    return x * 1


def loss(model, x):
    return scale(model(x)).pow(2).mean()


def train(model, images, steps=10, lr=1e-3, seed=0):
    calls.append(1)
    with torch.no_grad():
        model.layer.weight.fill_(len(calls))
    return {"history": {"loss": [loss(model, images).item()]}}
"""


def notebook(code: str = NOTEBOOK_CODE, **replace: str) -> dict:
    """Run `code` (with text replacements) as a notebook's __main__; return its globals."""
    for old, new in replace.items():
        code = code.replace(old, new)
    scope = {"__name__": "__main__", "calls": []}
    exec(compile(code, "<cell>", "exec"), scope)
    return scope


def run(scope: dict, model=None, images=None, **kwargs):
    model = scope["Tiny"]() if model is None else model
    images = torch.zeros(5, 1, 1, 2) if images is None else images
    torch.manual_seed(0)
    return model, training.train_or_load("m", scope["train"], model, images, **kwargs)


def test_an_identical_call_loads(course_env):
    scope = notebook()
    torch.manual_seed(0)
    _, record = run(scope)
    assert record["train_images"] == 5 and record["train_seconds"] >= 0
    assert record["seed"] == 0 and record["device"] == "cpu"
    torch.manual_seed(0)
    model, again = run(notebook())  # a new kernel: the same code, made again
    assert len(scope["calls"]) == 1, "the same arguments and code must load, not train"
    assert torch.all(model.layer.weight == 1) and again["history"] == record["history"]


def tiny(hidden=2, scope=None):
    scope = notebook() if scope is None else scope
    torch.manual_seed(0)
    return scope["Tiny"](hidden)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"kwargs": {"steps": 20}}, "other arguments (steps: 10 -> 20)"),
        (
            {"images": torch.ones(5, 1, 1, 2)},
            "other arguments (images: 'tensor (5, 1, 1, 2)",
        ),
        ({"hidden": 3}, "other arguments (model: 'Tiny"),
        ({"replace": {"self.layer(x)": "self.layer(x).relu()"}}, "other code (Tiny)"),
        ({"replace": {"return x * 1": "return x * 2"}}, "other code (scale)"),
        (
            {"replace": {"fill_(len(calls))": "fill_(len(calls) + 0)"}},
            "other code (train)",
        ),
    ],
    ids=[
        "an argument",
        "same-size data",
        "model shape",
        "model code",
        "a helper two calls away",
        "the training function",
    ],
)
def test_any_change_retrains_and_says_what_in_one_line(
    course_env, capsys, change, said
):
    first = notebook()
    run(first, model=tiny())
    capsys.readouterr()
    second = notebook(**change.get("replace", {}))
    run(
        second,
        model=tiny(change.get("hidden", 2), second),
        images=change.get("images"),
        **change.get("kwargs", {}),
    )
    assert len(second["calls"]) == 1, "a changed fingerprint must train again"
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Training m again:"), lines
    assert said in lines[0], lines[0]


def test_a_setting_the_code_reads_as_a_global_is_part_of_the_fingerprint(
    course_env, capsys
):
    code = NOTEBOOK_CODE.replace("return x * 1", "return x * FACTOR") + "\nFACTOR = 1\n"
    run(notebook(code), model=tiny())
    capsys.readouterr()
    changed = notebook(code.replace("FACTOR = 1", "FACTOR = 2"))
    run(changed, model=tiny())
    assert len(changed["calls"]) == 1
    assert "other settings (FACTOR: 1 -> 2)" in capsys.readouterr().out


def test_other_initial_weights_retrain(course_env):
    run(notebook(), model=tiny())
    scope = notebook()
    torch.manual_seed(1)
    run(scope, model=scope["Tiny"]())
    assert len(scope["calls"]) == 1


def test_quick_mode_is_part_of_the_fingerprint(course_env, monkeypatch):
    monkeypatch.setenv("COURSE_QUICK", "1")
    run(notebook(), model=tiny())
    monkeypatch.setenv("COURSE_QUICK", "0")
    scope = notebook()
    run(scope, model=tiny())
    assert len(scope["calls"]) == 1


def test_the_long_budget_is_part_of_the_fingerprint(course_env, monkeypatch):
    # the same call under COURSE_BUDGET=long must not load the standard checkpoint
    monkeypatch.delenv("COURSE_BUDGET", raising=False)
    run(notebook(), model=tiny())
    monkeypatch.setenv("COURSE_BUDGET", "long")
    scope = notebook()
    run(scope, model=tiny())
    assert len(scope["calls"]) == 1
    scope = notebook()  # and the long one loads under the long budget
    run(scope, model=tiny())
    assert scope["calls"] == []


def test_retrain_always_trains_and_a_record_without_fingerprint_retrains(course_env):
    scope = notebook()
    run(scope, model=tiny())
    run(scope, model=tiny(), retrain=True)
    assert len(scope["calls"]) == 2
    path = training.checkpoint_path("m").with_suffix(".json")
    record = json.loads(path.read_text())
    del record["fingerprint"]  # a checkpoint from before fingerprints
    path.write_text(json.dumps(record))
    run(scope, model=tiny())
    assert len(scope["calls"]) == 3


def test_a_save_cut_off_between_weights_and_record_retrains(
    course_env, monkeypatch, capsys
):
    """The weights are written first, the record second: killed in between, the new
    weights lie beside the old record, and the next run must not trust that pair."""
    scope = notebook()
    run(scope, model=tiny())
    original = training.save_atomic

    def killed_before_the_record(obj, path):
        if path.suffix == ".json":
            raise KeyboardInterrupt  # the process dies after the weights were renamed
        return original(obj, path)

    monkeypatch.setattr(training, "save_atomic", killed_before_the_record)
    with pytest.raises(KeyboardInterrupt):
        run(
            scope, model=tiny(), retrain=True
        )  # new weights (filled with 2), old record
    monkeypatch.setattr(training, "save_atomic", original)
    capsys.readouterr()
    model, _ = run(scope, model=tiny())
    assert len(scope["calls"]) == 3, (
        "weights that do not match their record must retrain"
    )
    assert "a save cut off halfway" in capsys.readouterr().out
    assert torch.all(model.layer.weight == 3)


def test_snapshots_are_saved_beside_the_checkpoint_and_loaded_with_it(course_env):
    code = NOTEBOOK_CODE.replace(
        'return {"history"',
        'return {"snapshots": {"pixels": [torch.full((2, 28, 28), 7, dtype=torch.uint8)],'
        ' "steps": [1]}, "history"',
    )
    scope = notebook(code)
    _, trained = run(scope, model=tiny())
    _, loaded = run(scope, model=tiny())
    assert len(scope["calls"]) == 1
    for record in (trained, loaded):
        assert record["snapshots"]["pixels"].shape == (1, 2, 28, 28)
        assert record["snapshots"]["steps"] == [1]
    assert torch.equal(
        training.load_snapshots("m")["pixels"], trained["snapshots"]["pixels"]
    )


def test_a_call_without_a_module_is_a_clear_error(course_env):
    def train(steps):
        return {}

    with pytest.raises(TypeError, match="got no module to save"):
        training.train_or_load("m", train, 3)


def test_an_argument_that_cannot_be_fingerprinted_is_a_clear_error(course_env):
    scope = notebook(NOTEBOOK_CODE.replace("seed=0", "seed=None"))
    with pytest.raises(TypeError, match="cannot fingerprint seed"):
        run(scope, model=tiny(), seed=torch.Generator())


def test_a_notebook_class_and_its_exported_copy_have_one_fingerprint():
    first, second = notebook(), notebook()
    second[
        "Tiny"
    ].__module__ = "course_utils.from_notebooks.toy"  # as the export writes it
    one = training.fingerprint(first["train"], tiny(), torch.zeros(1, 1, 1, 2))
    two = training.fingerprint(second["train"], tiny(), torch.zeros(1, 1, 1, 2))
    assert one == two


def test_a_notebook_function_passed_as_an_argument_matches_its_exported_copy():
    code = NOTEBOOK_CODE.replace(
        "def train(model, images,", "def train(model, images, step=None,"
    )
    first, second = notebook(code), notebook(code)
    for function in (second["scale"], second["train"]):
        function.__module__ = "course_utils.from_notebooks.toy"
    one = training.fingerprint(
        first["train"], tiny(), torch.zeros(1, 1, 1, 2), first["scale"]
    )
    two = training.fingerprint(
        second["train"], tiny(), torch.zeros(1, 1, 1, 2), second["scale"]
    )
    assert one == two and one["arguments"]["step"] == "scale"


def test_sample_runs_in_eval_mode_without_gradients_and_restores_the_mode():
    network = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4))
    network.train()
    noise = torch.randn(2500, 2)
    images = training.sample(network, noise, batch_size=1000)
    assert images.shape == (2500, 4) and not images.requires_grad
    network.eval()
    assert torch.allclose(images, network(noise)), (
        "BatchNorm must use running statistics"
    )
    network.train()
    training.sample(network, noise)
    assert network.training, "the network's mode is restored"


def test_seconds_per_step_is_the_median_after_a_warm_up():
    calls = []

    def step():
        calls.append(1)
        time.sleep(0.05 if len(calls) == 1 else 0.001)  # the first call is slow

    seconds = training.seconds_per_step(step, steps=3)
    assert len(calls) == 4 and seconds < 0.02, "the warm-up call is not timed"
