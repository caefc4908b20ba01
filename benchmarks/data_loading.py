"""One pass over the 60,000 MNIST training images: course_utils.data.batches against
torchvision's MNIST + ToTensor + DataLoader (batch 128, shuffled), in one process.

    python -m benchmarks.data_loading      # MNIST from COURSE_DATA_DIR (default data/)

Without the full MNIST files in the data dir, it builds the tiled stand-in
(course_utils/standin.py) under outputs/standin and times that: same sizes, same format.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import torch
import torchvision
from torchvision import transforms

from course_utils import config, data
from tools.standin import build_standin

BATCH_SIZE = 128


def mnist_root() -> Path:
    root = config.data_dir()
    if (root / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        return root
    standin = config.output_dir() / "standin"
    if not (standin / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        build_standin(standin)
    return standin


def main() -> None:
    root = mnist_root()
    os.environ["COURSE_DATA_DIR"] = str(root)
    device = torch.device(
        "cpu"
    )  # the DataLoader recipe runs on the CPU; compare like with like

    start = time.perf_counter()
    dataset = torchvision.datasets.MNIST(
        str(root), train=True, transform=transforms.ToTensor()
    )
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True)
    n_loader = sum(len(x) for x, _ in loader)
    loader_s = time.perf_counter() - start

    start = time.perf_counter()
    images, labels = data.mnist("train", device=device)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    n_batches = sum(len(x) for x, _ in data.batches(images, labels, BATCH_SIZE))
    pass_s = time.perf_counter() - start

    assert n_loader == n_batches == len(dataset), (n_loader, n_batches, len(dataset))
    print(
        f"data: {root} ({n_batches:,} training images), {torch.get_num_threads()} CPU threads"
    )
    print(f"DataLoader + ToTensor, one pass:       {loader_s:8.3f} s")
    print(
        f"data.mnist (load once) + one pass:     {load_s + pass_s:8.3f} s  ({load_s:.3f} s load + {pass_s:.3f} s)"
    )
    print(
        f"speed-up, first epoch (load + pass):   {loader_s / (load_s + pass_s):8.1f}x"
    )
    print(f"speed-up, every later epoch (pass):    {loader_s / pass_s:8.1f}x")


if __name__ == "__main__":
    main()
