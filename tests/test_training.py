import json

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
    path = training.save_checkpoint(model, "tiny", {"note": "x"})
    assert path == course_env / "outputs" / "checkpoints" / "tiny.pt"
    assert training.load_checkpoint(copy, "tiny") == {"note": "x"}
    assert torch.equal(copy.weight, model.weight)
    assert training.load_checkpoint(copy, "absent") is None
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny.json", "tiny.pt"], "no temporary files left"


def test_a_checkpoint_that_does_not_fit_names_the_keys(course_env):
    training.save_checkpoint(nn.Sequential(nn.Linear(3, 2)), "net", {})
    expected = r"missing keys \['1.bias', '1.weight'\].*shape mismatches.*0.weight \(2, 3\) vs \(4, 3\)"
    with pytest.raises(training.CheckpointError, match=expected):
        training.load_checkpoint(nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1)), "net")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "bad_json"])
def test_a_damaged_checkpoint_is_a_clear_error_without_unsafe_advice(course_env, damage):
    model = nn.Linear(3, 2)
    path = training.save_checkpoint(model, "tiny", {"train_seconds": 1.0})
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "garbage":
        path.write_bytes(b"not a checkpoint at all")
    else:
        path.with_suffix(".json").write_text("{ half a record")
    with pytest.raises(training.CheckpointError) as error:
        training.load_checkpoint(nn.Linear(3, 2), "tiny")
    message = str(error.value)
    assert str(path.with_suffix(".json") if damage == "bad_json" else path) in message
    assert "Delete the file" in message and "RETRAIN = True" in message
    assert "weights_only" not in message, "never advise loading with weights_only=False"


def test_an_interrupted_save_leaves_the_old_checkpoint_whole(course_env, monkeypatch):
    model = nn.Linear(3, 2)
    path = training.save_checkpoint(model, "tiny", {"run": 1})
    before = path.read_bytes()

    def crash(obj, f):
        f.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        training.save_checkpoint(nn.Linear(3, 2), "tiny", {"run": 2})
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny.json", "tiny.pt"]


class Tiny(nn.Module):
    def __init__(self, hidden: int = 2) -> None:
        super().__init__()
        self.layer = nn.Linear(2, hidden)

    def forward(self, x):
        return self.layer(x)


class TinyWithOtherForward(Tiny):
    def forward(self, x):
        return self.layer(x).relu()


def step_a(x):
    return x + 1


def step_b(x):
    return x + 2


@pytest.fixture
def trainer():
    """A train_or_load caller that counts how often it trains."""
    calls = []

    def run(model=None, settings=None, data=None, code=(step_a,), retrain=False):
        model = model or Tiny()

        def train():
            calls.append(1)
            with torch.no_grad():
                model.layer.weight.fill_(len(calls))
            return {"history": {"loss": [1.0]}}

        record = training.train_or_load(
            model, "m", train, settings=settings or {"steps": 10, "lr": 1e-3}, data=torch.zeros(5, 2) if data is None
            else data, code=code, retrain=retrain,
        )  # fmt: skip
        return model, record

    run.calls = calls
    return run


def test_an_identical_fingerprint_loads(course_env, trainer):
    _, record = trainer()
    assert record["train_images"] == 5 and record["train_seconds"] >= 0
    model, again = trainer()
    assert len(trainer.calls) == 1, "the same settings, data, model and code must load, not train"
    assert torch.all(model.layer.weight == 1) and again["history"] == {"loss": [1.0]}


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"settings": {"steps": 20, "lr": 1e-3}}, "settings (steps: 10 -> 20)"),
        ({"settings": {"steps": 10, "lr": 1e-3, "real_label": 0.9}}, "settings (real_label: None -> 0.9)"),
        ({"data": torch.ones(5, 2)}, "data (5 images"),
        ({"model": TinyWithOtherForward()}, "model"),
        ({"model": Tiny(hidden=3)}, "model"),
        ({"code": (step_b,)}, "code"),
    ],
    ids=["a setting", "a new setting", "same-size data", "model code", "model shape", "training code"],
)
def test_any_change_to_the_fingerprint_retrains_and_says_what(course_env, trainer, capsys, change, said):
    trainer()
    capsys.readouterr()
    trainer(**change)
    assert len(trainer.calls) == 2
    assert said in capsys.readouterr().out


def test_quick_mode_is_part_of_the_fingerprint(course_env, trainer, monkeypatch):
    monkeypatch.setenv("COURSE_QUICK", "1")
    trainer()
    monkeypatch.setenv("COURSE_QUICK", "0")
    trainer()
    assert len(trainer.calls) == 2


def test_retrain_always_trains_and_a_record_without_fingerprint_retrains(course_env, trainer):
    trainer()
    trainer(retrain=True)
    assert len(trainer.calls) == 2
    path = training.checkpoint_path("m").with_suffix(".json")  # a checkpoint from before fingerprints
    path.write_text(json.dumps({"train_seconds": 1.0, "train_images": 5}))
    trainer()
    assert len(trainer.calls) == 3


def test_fingerprint_of_a_notebook_class_and_its_exported_copy_agree():
    source = "import torch\nfrom torch import nn\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n"
    first, second = {}, {}
    exec(compile(source, "<cell-1>", "exec"), first)
    exec(compile(source, "<cell-2>", "exec"), second)
    one = training.fingerprint(first["Net"](), settings={}, data=torch.zeros(1))
    two = training.fingerprint(second["Net"](), settings={}, data=torch.zeros(1))
    assert one == two
