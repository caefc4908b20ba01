import hashlib
import json

import pytest
import torch

from course_utils import config, data, outputs


def test_samples_files_round_trip_and_reject_other_formats(course_env):
    pixels = torch.randint(0, 256, (10, 28, 28), dtype=torch.uint8)
    path = outputs.save_samples(pixels, "toy")
    assert path == course_env / "outputs" / "samples" / "toy.pt"
    assert torch.equal(outputs.load_samples("toy"), pixels)
    with pytest.raises(ValueError, match="uint8 N x 28 x 28"):
        outputs.save_samples(pixels.float(), "toy")


RECORD = {  # what train_or_load returns, cut down to what save_metrics reads
    "device": "cpu",
    "seed": 0,
    "train_images": 10,
    "train_seconds": 1.5,
    "settings": {"steps": 30, "betas": [0.5, 0.9]},
}


def test_metrics_come_from_the_records_and_carry_their_provenance(
    course_env, monkeypatch, capsys
):
    monkeypatch.setenv("COURSE_QUICK", "1")
    outputs.save_metrics("00_test", {"toy_fid": 3.25}, {"toy": RECORD})
    saved = json.loads(config.output_path("metrics", "00_test.json").read_text())
    assert saved["toy_steps"] == 30 and saved["toy_betas"] == [0.5, 0.9]
    assert "toy_model" not in saved, (
        "only plain arguments (numbers, strings) are settings"
    )
    assert saved["toy_train_seconds"] == 1.5 and saved["toy_fid"] == 3.25
    assert (saved["device"], saved["seed"], saved["train_images"]) == ("cpu", 0, 10)
    assert saved["quick"] is True and saved["data_source"] == "offline-subset"
    assert saved["budget"] == "standard", "COURSE_BUDGET is part of the provenance"
    assert saved["torch_version"] == torch.__version__
    assert saved["git_commit"] is None or len(saved["git_commit"]) >= 7
    assert all(not isinstance(value, dict) for value in saved.values()), (
        "one flat object"
    )
    shown = capsys.readouterr().out
    assert "| toy_fid | 3.25 |" in shown and "toy_steps" not in shown, "headline only"


def test_metrics_without_a_record_need_the_seed_and_a_train_time(course_env):
    with pytest.raises(ValueError, match="seed"):
        outputs.save_metrics("00_test", {"ppca_train_seconds": 0.1}, train_images=5)
    with pytest.raises(ValueError, match="train_seconds"):
        outputs.save_metrics("00_test", {"x": 1.0}, seed=0, train_images=5)
    outputs.save_metrics("00_test", {"ppca_train_seconds": 0.1}, seed=0, train_images=5)


def test_data_source_names_the_stand_in_by_folder_and_hash(course_env, monkeypatch):
    from tools.standin import build_standin

    assert data.source() == "offline-subset"
    root = build_standin(course_env / "standin")
    monkeypatch.setenv("COURSE_DATA_DIR", str(root))
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    described = data.source()
    assert described.startswith(str(root)) and "(files " in described, described
    # the same folder with torchvision's archives beside the files, checksums matching: real MNIST
    raw = root / "MNIST" / "raw"
    archives = [(f"part{i}.gz", hashlib.md5(bytes([i])).hexdigest()) for i in range(4)]
    for i, (name, _) in enumerate(archives):
        (raw / name).write_bytes(bytes([i]))
    monkeypatch.setattr(data, "_published_archives", lambda: archives)
    data._describe_source.cache_clear()
    assert data.source() == "mnist"
    (raw / "part3.gz").write_bytes(b"tampered")
    data._describe_source.cache_clear()
    assert data.source() != "mnist"
