import ipywidgets as widgets
import pytest
import torch

from course_utils import explore, viz


def decode(codes: torch.Tensor) -> torch.Tensor:
    """A toy decoder: a bright vertical line whose position follows the first coordinate."""
    images = torch.zeros(len(codes), 1, 28, 28)
    columns = (torch.sigmoid(codes[:, 0]) * 27).long()
    images[torch.arange(len(codes)), 0, :, columns] = 1.0
    return images


def test_without_a_frontend_the_explorers_draw_static_figures(course_env, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert not explore.has_widget_frontend()
    shown = explore.latent_sliders(
        decode, torch.zeros(4), "03_test", "sliders", dims=[0, 2, 3]
    )
    assert shown is None, (
        "no widget without a frontend (and no path as a cell's result)"
    )
    assert viz.figure_path("03_test", "sliders").exists()
    explore.choice_slider(
        {"1": torch.rand(4, 1, 28, 28), "4": torch.rand(4, 1, 28, 28)},
        "03_test",
        "beta",
    )
    assert viz.figure_path("03_test", "beta").exists()
    explore.interpolation_slider(
        decode, torch.zeros(4), torch.ones(4), "04_test", "interp"
    )
    assert viz.figure_path("04_test", "interp").exists()


@pytest.fixture
def frontend(course_env, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "notebook.ipynb")
    assert explore.has_widget_frontend()


def test_latent_sliders_redraw_when_moved(frontend):
    box = explore.latent_sliders(
        decode, torch.zeros(4), "03_test", "sliders", dims=[3, 0, 1]
    )
    controls, image = box.children[0].children, box.children[1]
    assert len(controls) == 3 and isinstance(image, widgets.Image)
    before = bytes(image.value)
    controls[0].value = 2.5  # z[3]: the toy decoder ignores it
    assert bytes(image.value) == before
    controls[1].value = 2.5  # z[0]: moves the line
    assert bytes(image.value) != before


def test_choice_and_interpolation_sliders_switch_pictures(frontend):
    box = explore.choice_slider(
        {"0.5": torch.zeros(4, 1, 28, 28), "4": torch.rand(4, 1, 28, 28)},
        "03_test",
        "beta",
    )
    slider, image = box.children
    before = bytes(image.value)
    slider.value = "4"
    assert bytes(image.value) != before
    slider, image = explore.interpolation_slider(
        decode, -torch.ones(4), torch.ones(4), "04_test", "interp"
    ).children
    before = bytes(image.value)
    slider.value = 1.0
    assert bytes(image.value) != before


def test_latent_sliders_move_coordinates_by_offsets_from_the_code(
    course_env, monkeypatch
):
    """One traversal convention (03): z_k = center_k + t, t from -limit to +limit; t = 0 is the code itself."""
    monkeypatch.setenv("JPY_SESSION_NAME", "notebook.ipynb")
    seen = []

    def recording(codes: torch.Tensor) -> torch.Tensor:
        seen.append(codes.clone())
        return decode(codes)

    center = torch.tensor([0.5, -2.0, 1.0])
    box = explore.latent_sliders(
        recording, center, "03_test", "sliders", dims=[1, 2], limit=3.0
    )
    sweep = torch.linspace(-3, 3, explore.STATIC_STEPS)
    for row, k in enumerate([1, 2]):  # the static figure: one row per coordinate
        codes = seen[row]
        assert torch.allclose(codes[:, k], center[k] + sweep), codes[:, k]
        others = [j for j in range(3) if j != k]
        assert torch.equal(codes[:, others], center[others].expand(len(sweep), -1))
    assert torch.equal(seen[2], center[None]), (
        "the widget starts at the code itself (t = 0)"
    )
    box.children[0].children[0].value = 1.5  # Δz[1]
    assert torch.allclose(seen[-1], torch.tensor([[0.5, -0.5, 1.0]])), seen[-1]


def drawing(calls: list):
    """A toy pair of conditional models: model "a" draws `digit` bright pixels in row `seed`,
    model "b" the same as uint8 pixels; every call is recorded."""

    def draw(digit: int, seed: int) -> dict[str, torch.Tensor]:
        calls.append((digit, seed))
        images = torch.zeros(3, 1, 28, 28)
        images[:, 0, seed, :digit] = 1.0
        return {"a": images, "b": (images[:, 0] * 255).to(torch.uint8)}

    return draw


def test_digit_picker_draws_the_asked_digit_statically_or_live(course_env, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    calls = []
    shown = explore.digit_picker(drawing(calls), "15_test", "seven", digit=7, seed=4)
    assert shown is None and calls == [(7, 4)], calls
    assert viz.figure_path("15_test", "seven").exists()
    with pytest.raises(ValueError, match="digit=10"):
        explore.digit_picker(drawing(calls), "15_test", "seven", digit=10)
    monkeypatch.setenv("JPY_SESSION_NAME", "notebook.ipynb")
    buttons, slider, caption, image = explore.digit_picker(
        drawing(calls), "15_test", "seven", digit=7, seed=4
    ).children
    assert "digit 7, seed 4; rows: a, b" == caption.value
    before = bytes(image.value)
    buttons.value = 3
    assert calls[-1] == (3, 4) and bytes(image.value) != before
    assert caption.value.startswith("digit 3, seed 4")
    slider.value = 9
    assert calls[-1] == (3, 9), "the seed slider keeps the chosen digit"
