"""Build a full-size MNIST stand-in for timing runs when the real MNIST cannot be downloaded.

The 4,000 train / 1,000 test real digits of the offline subset are tiled to 60,000 train and
10,000 test images and written in torchvision's layout (<root>/MNIST/raw/*-idx?-ubyte), so
that ``COURSE_DATA_DIR=<root>`` makes every notebook run at full MNIST size. The images repeat:
use it for timings, not for held-out accuracy.

    python -m tools.standin outputs/standin
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


def build_standin(root: Path) -> Path:
    """Write the tiled stand-in under root/MNIST/raw and return root."""
    os.environ["COURSE_OFFLINE"] = (
        "1"  # tile the real offline digits, whatever the data dir holds
    )
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, size in SIZES.items():
        images, labels = data.mnist(split, device="cpu")
        repeat = np.arange(size) % len(labels)
        pixels = data.to_pixels(images).numpy()[repeat]
        write_idx(raw / f"{PREFIX[split]}-images-idx3-ubyte", pixels)
        write_idx(
            raw / f"{PREFIX[split]}-labels-idx1-ubyte",
            labels.numpy().astype(np.uint8)[repeat],
        )
        print(f"{split}: {size:,} images tiled from {len(labels):,} real ones")
    print(f"Stand-in written to {raw}; use COURSE_DATA_DIR={root}")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", type=Path, help="folder to pass as COURSE_DATA_DIR")
    build_standin(parser.parse_args().root)


if __name__ == "__main__":
    main()
