"""Interactive latent-space explorers: ipywidgets sliders where a widget frontend is running
(JupyterLab, Notebook, Colab), and a static figure of the same content everywhere else (nbval,
nbconvert, `make course`), so a cell never fails or waits for input.

Introduced in 07_vae_latent_space; used again in 09_dcgan_training and 12_wgan_gp;
``digit_picker`` in 16_conditional_generation.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence

import cv2
import torch

from course_utils import viz

Decoder = Callable[
    [torch.Tensor], torch.Tensor
]  # latent codes (N x d) -> images (N x 1 x 28 x 28)
STATIC_STEPS = 9  # values per coordinate (or interpolation steps) in the static figures


def has_widget_frontend() -> bool:
    """True in a kernel started by Jupyter's server (JupyterLab, Notebook) or in Colab."""
    return "google.colab" in sys.modules or "JPY_SESSION_NAME" in os.environ


def _png(images: torch.Tensor, nrow: int = 8, scale: int = 6) -> bytes:
    return cv2.imencode(".png", viz.upscale(viz.collage(images, nrow=nrow), scale))[
        1
    ].tobytes()


@torch.no_grad()
def latent_sliders(
    decode: Decoder,
    center: torch.Tensor,
    notebook: str,
    name: str,
    *,
    dims: Sequence[int] = range(6),
    limit: float = 3.0,
):
    """One slider per latent coordinate in ``dims``: the offset δ added to that coordinate of ``center``
    (a code of size d), so z_j = center_j + δ; at δ = 0 the picture is ``center`` itself. Offsets are in
    the units of z: with a N(0, I) prior, the prior's standard deviations (07_vae_latent_space's convention).

    Static form: one row per coordinate, offsets from -limit to +limit, the other coordinates held at
    ``center``. Returns the widget (the cell shows it), or None in the static form.
    """
    dims = list(dims)
    sweep = torch.linspace(-limit, limit, STATIC_STEPS, device=center.device)
    rows = []
    for k in dims:
        codes = center.repeat(STATIC_STEPS, 1)
        codes[:, k] += sweep
        rows.append(decode(codes))
    viz.show_images(
        torch.cat(rows),
        notebook,
        name,
        nrow=STATIC_STEPS,
        title=f"rows: z{dims}, each moved by -{limit:g} to +{limit:g} from the code",
    )
    if not has_widget_frontend():
        return None
    import ipywidgets as widgets

    controls = [
        widgets.FloatSlider(
            value=0.0,
            min=-limit,
            max=limit,
            step=0.05,
            description=f"Δz[{k}]",
            continuous_update=True,
        )
        for k in dims
    ]
    image = widgets.Image(
        value=_png(decode(center[None]), scale=8), format="png", width=224
    )

    @torch.no_grad()  # slider callbacks run after the decorated function has returned
    def redraw(_change=None) -> None:
        code = center.clone()
        code[dims] += torch.tensor([c.value for c in controls], device=center.device)
        image.value = _png(decode(code[None]), scale=8)

    for control in controls:
        control.observe(redraw, names="value")
    box = widgets.HBox([widgets.VBox(controls), image])
    return box  # shown as the cell's result


def choice_slider(
    batches: Mapping[str, torch.Tensor],
    notebook: str,
    name: str,
    *,
    description: str = "model",
):
    """A slider that switches between pre-computed image batches, e.g. samples of β-VAEs by β.

    Static form: one row per choice, labelled in the title in order.
    """
    labels = list(batches)
    nrow = max(len(b) for b in batches.values())
    viz.show_images(
        torch.cat([batches[k] for k in labels]),
        notebook,
        name,
        nrow=nrow,
        title=f"rows, top to bottom: {description} = " + ", ".join(labels),
    )
    if not has_widget_frontend():
        return None
    import ipywidgets as widgets

    pngs = {label: _png(batches[label], nrow=8) for label in labels}
    slider = widgets.SelectionSlider(
        options=labels, value=labels[0], description=description
    )
    image = widgets.Image(value=pngs[labels[0]], format="png", width=480)
    slider.observe(
        lambda change: setattr(image, "value", pngs[change["new"]]), names="value"
    )
    box = widgets.VBox([slider, image])
    return box  # shown as the cell's result


@torch.no_grad()
def interpolation_slider(
    decode: Decoder, start: torch.Tensor, end: torch.Tensor, notebook: str, name: str
):
    """A slider α in [0, 1] decoding (1 - α) * start + α * end live (e.g. two GAN noise vectors).

    Static form: the strip of STATIC_STEPS interpolants from start to end.
    """
    steps = torch.linspace(0, 1, STATIC_STEPS, device=start.device)[:, None]
    viz.show_images(
        decode((1 - steps) * start + steps * end),
        notebook,
        name,
        nrow=STATIC_STEPS,
        title="from the first code (left) to the second (right)",
    )
    if not has_widget_frontend():
        return None
    import ipywidgets as widgets

    slider = widgets.FloatSlider(
        value=0.0, min=0.0, max=1.0, step=0.02, description="α"
    )
    image = widgets.Image(
        value=_png(decode(start[None]), scale=8), format="png", width=224
    )

    @torch.no_grad()  # slider callbacks run after the decorated function has returned
    def redraw(change) -> None:
        alpha = float(change["new"])
        image.value = _png(decode(((1 - alpha) * start + alpha * end)[None]), scale=8)

    slider.observe(redraw, names="value")
    box = widgets.VBox([slider, image])
    return box  # shown as the cell's result


@torch.no_grad()
def digit_picker(
    draw: Callable[[int, int], Mapping[str, torch.Tensor]],
    notebook: str,
    name: str,
    *,
    digit: int = 7,
    seed: int = 0,
    seeds: int = 100,
):
    """Ask conditional models for a digit: buttons 0-9 and a seed slider (0 to seeds - 1);
    ``draw(digit, seed)`` returns {model name: uint8 pixels (N x 28 x 28) or images in
    [0, 1]}, shown one row per model. Introduced in 16_conditional_generation.

    Static form: the rows for ``digit`` and ``seed``, the models named in the title.
    """
    if digit not in range(10) or seed not in range(seeds):
        raise ValueError(f"digit={digit}, seed={seed}: expected 0-9 and 0-{seeds - 1}")

    def rows(digit: int, seed: int) -> tuple[torch.Tensor, int, str]:
        batches = draw(digit, seed)
        labels = list(batches)
        floats = [
            b.float() / 255 if b.dtype == torch.uint8 else b for b in batches.values()
        ]
        stacked = torch.cat([b.reshape(-1, 1, 28, 28) for b in floats])
        title = f"digit {digit}, seed {seed}; rows: " + ", ".join(labels)
        return stacked, max(len(b) for b in batches.values()), title

    images, nrow, title = rows(digit, seed)
    viz.show_images(images, notebook, name, nrow=nrow, title=title)
    if not has_widget_frontend():
        return None
    import ipywidgets as widgets

    buttons = widgets.ToggleButtons(
        options=list(range(10)), value=digit, description="digit"
    )
    buttons.style.button_width = "2.5em"
    slider = widgets.IntSlider(value=seed, min=0, max=seeds - 1, description="seed")
    caption = widgets.Label(title)
    image = widgets.Image(value=_png(images, nrow=nrow), format="png", width=480)

    @torch.no_grad()  # widget callbacks run after the decorated function has returned
    def redraw(_change=None) -> None:
        images, nrow, caption.value = rows(buttons.value, slider.value)
        image.value = _png(images, nrow=nrow)

    buttons.observe(redraw, names="value")
    slider.observe(redraw, names="value")
    box = widgets.VBox([buttons, slider, caption, image])
    return box  # shown as the cell's result
