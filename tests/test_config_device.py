import pytest
import torch

from course_utils import config, device


def test_flags_are_read_when_asked(monkeypatch):
    monkeypatch.setenv("COURSE_QUICK", "1")
    assert config.quick() is True
    monkeypatch.setenv("COURSE_QUICK", "0")
    assert config.quick() is False
    monkeypatch.delenv("COURSE_QUICK")
    assert config.quick() is False


def test_bad_flag_is_an_error(monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "maybe")
    with pytest.raises(ValueError, match="COURSE_OFFLINE"):
        config.offline()


def test_the_long_budget_multiplies_every_training_budget(monkeypatch):
    monkeypatch.delenv("COURSE_BUDGET", raising=False)
    assert config.budget_name() == "standard" and config.budget(1_600) == 1_600
    monkeypatch.setenv("COURSE_BUDGET", "Long")
    assert config.budget(1_600) == 1_600 * config.LONG_BUDGET_FACTOR
    monkeypatch.setenv("COURSE_BUDGET", "longer")
    with pytest.raises(ValueError, match="COURSE_BUDGET"):
        config.budget(1_600)


def test_paths_default_to_the_repo_and_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.delenv("COURSE_OUTPUT_DIR", raising=False)
    assert config.data_dir() == config.REPO_ROOT / "data"
    assert config.output_dir() == config.REPO_ROOT / "outputs"
    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(tmp_path))
    path = config.output_path("figures", "00_getting_started", "batch.png")
    assert path == tmp_path / "figures" / "00_getting_started" / "batch.png"
    assert path.parent.is_dir()


def test_device_is_automatic_or_forced(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else "mps"
        if torch.backends.mps.is_available()
        else "cpu"
    )
    assert device.get_device().type == expected
    monkeypatch.setenv("COURSE_DEVICE", "CPU")
    assert device.get_device() == torch.device("cpu")


def test_forcing_an_unknown_or_missing_device_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "tpu")
    with pytest.raises(ValueError, match="cuda, mps, cpu"):
        device.get_device()
    if not torch.cuda.is_available():
        monkeypatch.setenv("COURSE_DEVICE", "cuda")
        with pytest.raises(RuntimeError, match="no cuda device"):
            device.get_device()


def test_a_relative_folder_is_taken_from_the_repository_root(monkeypatch):
    # a notebook runs in notebooks/: "outputs/x" must not become notebooks/outputs/x there
    monkeypatch.setenv("COURSE_DATA_DIR", "outputs/standin")
    monkeypatch.setenv("COURSE_OUTPUT_DIR", "outputs/elsewhere")
    monkeypatch.chdir(config.REPO_ROOT / "notebooks")
    assert config.data_dir() == config.REPO_ROOT / "outputs" / "standin"
    assert config.output_dir() == config.REPO_ROOT / "outputs" / "elsewhere"
