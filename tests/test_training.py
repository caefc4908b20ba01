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


def test_checkpoint_round_trip(course_env):
    model, copy = nn.Linear(3, 2), nn.Linear(3, 2)
    path = training.save_checkpoint(model, "tiny", {"note": "x"})
    assert path == course_env / "outputs" / "checkpoints" / "tiny.pt"
    assert training.load_checkpoint(copy, "tiny") == {"note": "x"}
    assert torch.equal(copy.weight, model.weight)
    assert training.load_checkpoint(copy, "absent") is None


def test_a_checkpoint_that_does_not_fit_names_the_keys(course_env):
    training.save_checkpoint(nn.Sequential(nn.Linear(3, 2)), "net", {})
    expected = r"missing keys \['1.bias', '1.weight'\].*shape mismatches.*0.weight \(2, 3\) vs \(4, 3\)"
    with pytest.raises(ValueError, match=expected):
        training.load_checkpoint(nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1)), "net")


def test_train_or_load_trains_once_then_loads(course_env, monkeypatch):
    calls = []

    def train(model):
        calls.append(1)
        with torch.no_grad():
            model.weight.fill_(len(calls))
        return {"history": {"loss": [1.0]}}

    monkeypatch.setenv("COURSE_QUICK", "1")
    model = nn.Linear(2, 2)
    record = training.train_or_load(model, "m", lambda: train(model), train_images=10)
    assert record["quick"] is True and record["train_images"] == 10 and record["train_seconds"] >= 0
    fresh = nn.Linear(2, 2)
    assert training.train_or_load(fresh, "m", lambda: train(fresh), train_images=10)["history"] == {"loss": [1.0]}
    assert len(calls) == 1 and torch.all(fresh.weight == 1)
    # another mode, another data size, or retrain=True: train again, from the fresh weights
    monkeypatch.setenv("COURSE_QUICK", "0")
    training.train_or_load(nn.Linear(2, 2), "m", lambda: train(nn.Linear(2, 2)), train_images=10)
    training.train_or_load(nn.Linear(2, 2), "m", lambda: train(nn.Linear(2, 2)), train_images=20)
    training.train_or_load(nn.Linear(2, 2), "m", lambda: train(nn.Linear(2, 2)), train_images=20, retrain=True)
    assert len(calls) == 4
