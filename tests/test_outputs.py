import hashlib
import json

import pytest
import torch

from course_utils import data, outputs


def test_samples_files_round_trip_and_reject_other_formats(course_env):
    pixels = torch.randint(0, 256, (10, 28, 28), dtype=torch.uint8)
    path = outputs.save_samples(pixels, "toy")
    assert path == course_env / "outputs" / "samples" / "toy.pt"
    assert torch.equal(outputs.load_samples("toy"), pixels)
    with pytest.raises(ValueError, match="uint8 N x 28 x 28"):
        outputs.save_samples(pixels.float(), "toy")


GOOD = {"device": "cpu", "train_images": 10, "seed": 0, "toy_train_seconds": 1.5, "toy_fid": 3.0}


def test_metrics_carry_their_provenance(course_env, monkeypatch):
    monkeypatch.setenv("COURSE_QUICK", "1")
    path = outputs.save_metrics("00_test", GOOD, settings={"toy": {"steps": 30, "betas": (0.5, 0.9)}, "batch": 8})
    saved = json.loads(path.read_text())
    assert saved["toy_steps"] == 30 and saved["toy_betas"] == [0.5, 0.9] and saved["batch"] == 8
    assert saved["quick"] is True and saved["data_source"] == "offline-subset"
    assert saved["torch_version"] == torch.__version__ and saved["toy_fid"] == 3.0
    assert saved["git_commit"] is None or len(saved["git_commit"]) >= 7
    assert all(not isinstance(value, dict) for value in saved.values()), "one flat object"


@pytest.mark.parametrize("missing", ["device", "train_images", "seed", "toy_train_seconds"])
def test_metrics_without_a_required_key_are_refused(course_env, missing):
    with pytest.raises(ValueError, match=missing.replace("toy_", "")):
        outputs.save_metrics("00_test", {k: v for k, v in GOOD.items() if k != missing})


def test_data_source_names_the_stand_in_by_folder_and_hash(course_env, monkeypatch):
    from course_utils.standin import build_standin

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
