import math

import numpy as np
import pytest
import torch

from course_utils import data, metrics


def test_frechet_distance_matches_known_answers():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    cov = a @ a.T + np.eye(5)
    mu = rng.normal(size=5)
    assert metrics.frechet_distance(mu, cov, mu, cov) == pytest.approx(0, abs=1e-6)
    # 1-D: (m1 - m2)^2 + (s1 - s2)^2
    d = metrics.frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([3.0]), np.array([[9.0]]))
    assert d == pytest.approx((1 - 3) ** 2 + (2 - 3) ** 2)
    # diagonal covariances: ||mu1 - mu2||^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2
    var1, var2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    expected = 3.0 + ((np.sqrt(var1) - np.sqrt(var2)) ** 2).sum()
    got = metrics.frechet_distance(np.zeros(3), np.diag(var1), np.ones(3), np.diag(var2))
    assert got == pytest.approx(expected)


@pytest.fixture
def trained_judge(course_env, monkeypatch):
    monkeypatch.setenv("COURSE_QUICK", "1")
    return metrics.judge(device="cpu")


def test_judge_trains_once_is_accurate_and_is_cached(trained_judge, course_env):
    assert (course_env / "outputs" / "checkpoints" / "judge.pt").exists()
    assert trained_judge.test_accuracy > 0.9  # quick mode: 200 steps on the offline subset
    again = metrics.judge(device="cpu")
    assert again.train_seconds == trained_judge.train_seconds  # loaded, not retrained
    assert torch.equal(again.head.weight, trained_judge.head.weight)


def test_the_judge_is_the_same_whatever_the_random_state(trained_judge, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(tmp_path / "elsewhere"))
    torch.manual_seed(123)
    state = torch.get_rng_state()
    retrained = metrics.judge(device="cpu")
    assert torch.equal(torch.get_rng_state(), state), "judge() must not move the caller's generator"
    assert torch.equal(retrained.head.weight, trained_judge.head.weight)


def test_judge_report_on_real_digits(trained_judge):
    images, _ = data.mnist("test", device="cpu")
    pixels = data.to_pixels(images)
    real_vs_real = metrics.judge_report(pixels[:500], images[500:], trained_judge)
    assert real_vs_real["coverage"] == 10 and real_vs_real["class_ratio"] < 2
    assert real_vs_real["confidence"] > 0.8
    assert sum(real_vs_real["class_counts"]) == 500
    ones = data.to_pixels(data.mnist("test", device="cpu", digits=[1])[0])
    only_ones = metrics.judge_report(ones, images[500:], trained_judge)
    assert only_ones["class_counts"][1] >= 0.9 * len(ones) and only_ones["coverage"] < 10
    assert math.isinf(only_ones["class_ratio"]) and only_ones["min_class_fraction"] == 0
    assert only_ones["fid"] > 5 * real_vs_real["fid"]
    assert metrics.class_histogram(ones, trained_judge).argmax() == 1


def test_samples_and_metrics_files(course_env):
    pixels = torch.randint(0, 256, (10, 28, 28), dtype=torch.uint8)
    path = metrics.save_samples(pixels, "toy")
    assert path == course_env / "outputs" / "samples" / "toy.pt"
    assert torch.equal(metrics.load_samples("toy"), pixels)
    with pytest.raises(ValueError, match="uint8 N x 28 x 28"):
        metrics.save_samples(pixels.float(), "toy")
    good = {"quick": True, "device": "cpu", "train_images": 10, "toy_train_seconds": 1.5, "toy_fid": 3.0}
    assert metrics.save_metrics("00_test", good).read_text().count("toy") == 2
    with pytest.raises(ValueError, match="train_images"):
        metrics.save_metrics("00_test", {**good, "train_images": None})
    with pytest.raises(ValueError, match="train_seconds"):
        metrics.save_metrics("00_test", {"quick": True, "device": "cpu", "train_images": 10})
    with pytest.raises(ValueError, match="flat"):
        metrics.save_metrics("00_test", {**good, "nested": {"a": 1}})
