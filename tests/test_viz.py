import cv2
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from course_utils import viz


def test_collage_layout_and_dtype():
    images = torch.rand(8, 1, 28, 28)
    picture = viz.collage(images, nrow=4, padding=2)
    assert picture.dtype == np.uint8
    assert picture.shape == (2 * 28 + 3 * 2, 4 * 28 + 5 * 2)
    assert viz.collage(torch.rand(3, 3, 28, 28), nrow=3).shape == (
        32,
        3 * 28 + 4 * 2,
        3,
    )
    assert viz.collage(torch.rand(2, 28, 28)).shape == (32, 2 * 28 + 3 * 2)


def test_collage_keeps_a_fixed_scale():
    """A dim batch stays dim (min-max scaling would stretch it to 0-255), tanh outputs map
    -1 to black and 1 to white, and uint8 pixels are shown as they are."""
    dim = torch.full((2, 1, 28, 28), 0.2)
    dim[0, 0, 0, 0] = 0.4
    picture = viz.collage(dim, nrow=2, padding=0)
    assert picture.min() == 51 and picture.max() == 102  # 0.2 and 0.4 of 255
    signed = torch.tensor([-1.0, 0.0, 1.0]).view(3, 1, 1, 1).expand(3, 1, 4, 4)
    picture = viz.collage(signed, nrow=3, padding=0, value_range=(-1, 1))
    assert picture[0, [0, 4, 8]].tolist() == [0, 128, 255]
    pixels = torch.full((1, 1, 4, 4), 60, dtype=torch.uint8)
    assert (viz.collage(pixels, padding=0) == 60).all()
    with pytest.raises(ValueError, match="value_range=\\(-1, 1\\)"):
        viz.collage(signed, nrow=3)  # tanh outputs shown as if they were in [0, 1]


@pytest.mark.parametrize(
    ("images", "nrow", "message"),
    [
        (torch.rand(16, 784), 8, "N x C x H x W"),
        (torch.rand(4, 5, 28, 28), 8, "N x C x H x W"),
        (np.zeros((4, 28, 28)), 8, "N x C x H x W"),
        (torch.rand(0, 1, 28, 28), 8, "empty batch"),
        (torch.rand(4, 1, 28, 28), 0, "nrow=0"),
    ],
)
def test_collage_bad_input(images, nrow, message):
    with pytest.raises(ValueError, match=message):
        viz.collage(images, nrow=nrow)


def test_upscale_is_nearest_neighbour():
    image = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert np.array_equal(
        viz.upscale(image, 4), np.repeat(np.repeat(image, 4, 0), 4, 1)
    )


def test_pictures_and_figures_are_saved_under_the_output_dir(course_env):
    shown = viz.show_images(
        torch.rand(4, 1, 28, 28), "00_test", "batch", title="t", nrow=2
    )
    assert shown is None, "a cell ending in show_images shows the picture, not a path"
    path = viz.figure_path("00_test", "batch")
    assert path == course_env / "outputs" / "figures" / "00_test" / "batch.png"
    assert cv2.imread(str(path), cv2.IMREAD_GRAYSCALE).shape == (
        4 * (2 * 28 + 3 * 2),
        4 * (2 * 28 + 3 * 2),
    )
    fig, ax = plt.subplots()
    ax.plot([3, 2, 1])
    assert viz.save_figure(fig, "00_test", "loss") is None
    assert viz.figure_path("00_test", "loss").stat().st_size > 1000
    with pytest.raises(ValueError, match="uint8"):
        viz.save_png(np.zeros((4, 4)), "00_test", "float")


def test_progress_pictures(course_env):
    from PIL import Image

    snapshots = [torch.rand(16, 1, 28, 28) for _ in range(5)]
    strip, final, gif = viz.progress_pictures(snapshots, "04_test", "progress", nrow=4)
    assert cv2.imread(str(strip), cv2.IMREAD_GRAYSCALE).shape == (
        4 * 32,
        4 * (5 * 28 + 6 * 2),
    )
    assert (
        cv2.imread(str(final), cv2.IMREAD_GRAYSCALE).shape
        == (4 * (4 * 28 + 5 * 2),) * 2
    )
    assert Image.open(gif).n_frames == 5
    with pytest.raises(ValueError, match="no snapshots"):
        viz.progress_pictures([], "04_test", "progress")
