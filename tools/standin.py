"""Write MNIST-layout files from the offline digits: a full-size stand-in for timings when the
real MNIST cannot be downloaded, or other sizes and orders to test the course on.

By default the 4,000 train / 1,000 test real digits of the offline subset are tiled to 60,000
train and 10,000 test images and written in torchvision's layout (<root>/MNIST/raw/*-idx?-ubyte),
so that ``COURSE_DATA_DIR=<root>`` makes every notebook run at full MNIST size. The images
repeat: use it for timings, not for held-out accuracy. A size at most the offline count takes
that many real digits (a stratified selection), and ``--sorted`` stores them in class order
(all 0s, then all 1s, ...), a valid layout that no selection of the course may depend on.

    python -m tools.standin outputs/standin                      # 60,000 / 10,000, tiled
    python -m tools.standin outputs/sorted --train 4000 --test 1000 --sorted
    python -m tools.standin outputs/small --train 1000 --test 1000
    COURSE_DATA_DIR=outputs/standin jupyter lab
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from course_utils import data

SIZES = {"train": 60_000, "test": 10_000}
PREFIX = {"train": "train", "test": "t10k"}


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array in the idx format MNIST uses (magic, big-endian sizes, raw bytes)."""
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def build_standin(
    root: Path, sizes: dict[str, int] = SIZES, sort: bool = False
) -> Path:
    """Write sizes[split] images of each split under root/MNIST/raw (tiled when more than the
    offline digits, in class order if ``sort``) and return root."""
    os.environ["COURSE_OFFLINE"] = (
        "1"  # tile the real offline digits, whatever the data dir holds
    )
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, size in sizes.items():
        images, labels = data.mnist(split, device="cpu")
        pick = np.arange(size) % len(labels)  # the first `size` (stratified), or tiles
        if sort:
            pick = pick[np.argsort(labels.numpy()[pick], kind="stable")]
        write_idx(
            raw / f"{PREFIX[split]}-images-idx3-ubyte",
            data.to_pixels(images).numpy()[pick],
        )
        write_idx(
            raw / f"{PREFIX[split]}-labels-idx1-ubyte",
            labels.numpy().astype(np.uint8)[pick],
        )
        how = "tiled from" if size > len(labels) else "picked from"
        order = ", in class order" if sort else ""
        print(f"{split}: {size:,} images {how} {len(labels):,} real ones{order}")
    print(f"Written to {raw}; use COURSE_DATA_DIR={root}")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", type=Path, help="folder to pass as COURSE_DATA_DIR")
    for split, size in SIZES.items():
        parser.add_argument(f"--{split}", type=int, default=size, help="images")
    parser.add_argument("--sorted", action="store_true", help="store in class order")
    args = parser.parse_args()
    sizes = {split: getattr(args, split) for split in SIZES}
    build_standin(args.root, sizes, sort=args.sorted)


if __name__ == "__main__":
    main()
