"""Collages of image batches, crisp PNGs written with OpenCV, and matplotlib figures.

Introduced in 00_getting_started. Everything is saved under
COURSE_OUTPUT_DIR/figures/<notebook>/<name>.png and shown inline.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import matplotlib.pyplot as plt
import numpy as np
import torch
from PIL import Image
from torchvision.utils import make_grid

from course_utils import config

PAD_VALUE = 0.5  # grey lines between the tiles of a collage


def collage(
    images: torch.Tensor,
    nrow: int = 8,
    padding: int = 2,
    value_range: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """A batch of images (N x C x H x W with C = 1 or 3, or N x H x W) as one uint8 picture.

    The scale is fixed, never stretched to the batch: uint8 pixels are shown as they are, and
    float images map ``value_range`` (``(0, 1)`` for sigmoid outputs and data, ``(-1, 1)`` for
    tanh outputs) onto 0-255, so a sample that is too dark or too bright looks it. Values
    outside ``value_range`` are an error: they mean the wrong range was named.
    """
    is_image_batch = torch.is_tensor(images) and (
        images.dim() == 3 or (images.dim() == 4 and images.shape[1] in (1, 3))
    )
    if not is_image_batch:
        shape = (
            tuple(images.shape) if torch.is_tensor(images) else type(images).__name__
        )
        raise ValueError(
            f"collage() expects images N x C x H x W (C = 1 or 3) or N x H x W, got {shape}"
        )
    if len(images) == 0:
        raise ValueError("collage() got an empty batch: expected at least one image")
    if nrow <= 0:
        raise ValueError(f"nrow={nrow}: expected a positive number of images per row")
    images = images.detach().cpu()
    if images.dtype == torch.uint8:
        images = images.float() / 255
    else:
        low, high = value_range
        images = images.float()
        margin = 1e-3 * (high - low)
        if images.min() < low - margin or images.max() > high + margin:
            raise ValueError(
                f"collage() got values in [{images.min():.3g}, {images.max():.3g}], outside"
                f" value_range={value_range}: pass value_range=(-1, 1) for tanh outputs"
            )
        images = ((images - low) / (high - low)).clamp(0, 1)
    if images.dim() == 3:
        images = images.unsqueeze(1)
    grid = make_grid(images, nrow=nrow, padding=padding, pad_value=PAD_VALUE)
    grid = grid[0] if images.shape[1] == 1 else grid.permute(1, 2, 0)
    return (grid * 255).round().to(torch.uint8).numpy()


def upscale(image: np.ndarray, factor: int = 4) -> np.ndarray:
    """Enlarge a picture by an integer factor with nearest-neighbour interpolation (crisp pixels)."""
    if factor <= 0:
        raise ValueError(f"factor={factor}: expected a positive integer")
    return cv2.resize(
        image, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST
    )


def progress_pictures(
    snapshots: Sequence[torch.Tensor],
    notebook: str,
    name: str,
    nrow: int = 8,
    scale: int = 4,
    value_range: tuple[float, float] = (0.0, 1.0),
) -> tuple[Path, Path, Path]:
    """Save the progress of a generator from fixed noise, decoded at regular steps.

    ``snapshots[k]`` is the batch decoded at the k-th logged step. Writes, enlarged ``scale``
    times with nearest-neighbour interpolation: ``<name>_strip.png``, the first image of every
    snapshot in one long row; ``<name>_final.png``, the last batch as a grid; and
    ``<name>.gif``, every snapshot's grid as an animation. Returns the three paths.
    """
    if not snapshots:
        raise ValueError(
            "progress_pictures() got no snapshots: expected one batch per logged step"
        )
    strip = upscale(
        collage(
            torch.stack([batch[0] for batch in snapshots]),
            nrow=len(snapshots),
            value_range=value_range,
        ),
        scale,
    )
    grids = [
        upscale(collage(batch, nrow=nrow, value_range=value_range), scale)
        for batch in snapshots
    ]
    gif_path = config.output_path("figures", notebook, f"{name}.gif")
    frames = [Image.fromarray(grid) for grid in grids]
    frames[0].save(
        gif_path, save_all=True, append_images=frames[1:], duration=300, loop=0
    )
    return (
        save_png(strip, notebook, f"{name}_strip"),
        save_png(grids[-1], notebook, f"{name}_final"),
        gif_path,
    )


def figure_path(notebook: str, name: str) -> Path:
    """COURSE_OUTPUT_DIR/figures/<notebook>/<name>.png, with its folder created."""
    return config.output_path("figures", notebook, f"{name}.png")


def save_png(image: np.ndarray, notebook: str, name: str) -> Path:
    """Write a uint8 picture (H x W grey, or H x W x 3 RGB) with OpenCV; returns its path."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(
            f"save_png() expects a uint8 H x W or H x W x 3 array, got {image.dtype} {image.shape}"
        )
    path = figure_path(notebook, name)
    if not cv2.imwrite(
        str(path), image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ):
        raise OSError(f"OpenCV could not write {path}")
    return path


def show_images(
    images: torch.Tensor,
    notebook: str,
    name: str,
    title: str | None = None,
    nrow: int = 8,
    scale: int = 4,
    value_range: tuple[float, float] = (0.0, 1.0),
) -> None:
    """Collage a batch on a fixed scale (``collage``), save it enlarged ``scale`` times as a
    PNG (``figure_path``), and show it inline."""
    picture = collage(images, nrow=nrow, value_range=value_range)
    save_png(upscale(picture, scale), notebook, name)
    height, width = picture.shape[:2]
    fig, ax = plt.subplots(
        figsize=(min(12.0, width / 40), min(12.0, width / 40) * height / width + 0.4)
    )
    ax.imshow(picture, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    plt.show()


def save_figure(fig: plt.Figure, notebook: str, name: str) -> None:
    """Save a matplotlib figure as a PNG under figures/<notebook>/ (``figure_path``) and
    show it inline."""
    fig.savefig(figure_path(notebook, name), dpi=120, bbox_inches="tight")
    plt.show()
