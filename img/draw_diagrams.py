"""Draw the course's schematics into img/ (run from anywhere: python img/draw_diagrams.py).

The PNGs are committed next to this script. A notebook links one as ![...](../img/<name>.png) and
`python -m tools.diagrams` (both steps: `make diagrams`) stores it in the cell as an attachment.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import (  # noqa: E402
    Circle,
    FancyArrowPatch,
    FancyBboxPatch,
    Polygon,
)

HERE = Path(__file__).resolve().parent
BLUE, ORANGE, GREEN, GREY, RED = "#4c72b0", "#dd8452", "#55a868", "#8c8c8c", "#c44e52"


def canvas(width: float, height: float) -> tuple[plt.Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    return fig, ax


def box(ax, x, y, w, h, text, color, fontsize=11):
    ax.add_patch(
        FancyBboxPatch(
            (x, y), w, h, boxstyle="round,pad=0.05", fc=color, ec="black", alpha=0.85
        )
    )
    ax.text(
        x + w / 2,
        y + h / 2,
        text,
        ha="center",
        va="center",
        fontsize=fontsize,
        color="white",
        weight="bold",
    )


def trapezoid(ax, x, y, w, h_left, h_right, text, color):
    """A layer stack that narrows (encoder) or widens (decoder) from left to right."""
    points = [
        (x, y - h_left / 2),
        (x + w, y - h_right / 2),
        (x + w, y + h_right / 2),
        (x, y + h_left / 2),
    ]
    ax.add_patch(Polygon(points, closed=True, fc=color, ec="black", alpha=0.85))
    ax.text(
        x + w / 2,
        y,
        text,
        ha="center",
        va="center",
        fontsize=11,
        color="white",
        weight="bold",
    )


def arrow(ax, start, end, text="", color="black", offset=0.18):
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=14, lw=1.5, color=color
        )
    )
    if text:
        ax.text(
            (start[0] + end[0]) / 2,
            (start[1] + end[1]) / 2 + offset,
            text,
            ha="center",
            fontsize=10,
            color=color,
        )


def save(fig: plt.Figure, name: str) -> None:
    fig.savefig(HERE / f"{name}.png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def autoencoder() -> None:
    fig, ax = canvas(9, 2.6)
    box(ax, 0.2, 0.8, 1.0, 1.0, "x\n784", GREY)
    trapezoid(ax, 1.6, 1.3, 2.0, 2.2, 0.5, "encoder e", BLUE)
    box(ax, 3.9, 1.0, 0.8, 0.6, "h\nd", ORANGE, 10)
    trapezoid(ax, 5.0, 1.3, 2.0, 0.5, 2.2, "decoder g", GREEN)
    box(ax, 7.4, 0.8, 1.0, 1.0, "x̂\n784", GREY)
    ax.text(4.3, 0.35, "bottleneck: d ≪ 784", ha="center", fontsize=10)
    ax.text(4.5, 2.4, "loss = ‖x − g(e(x))‖²", ha="center", fontsize=11)
    save(fig, "autoencoder")


def vae() -> None:
    fig, ax = canvas(10, 3.2)
    box(ax, 0.2, 1.1, 0.9, 1.0, "x", GREY)
    trapezoid(ax, 1.4, 1.6, 1.8, 2.2, 1.2, "encoder\nq(z|x)", BLUE)
    box(ax, 3.5, 2.0, 0.9, 0.5, "μ", ORANGE)
    box(ax, 3.5, 0.7, 0.9, 0.5, "log σ²", ORANGE, 10)
    box(ax, 3.5, -0.1, 0.9, 0.45, "ε ~ N(0, I)", RED, 8)
    arrow(ax, (3.2, 1.9), (3.5, 2.2))
    arrow(ax, (3.2, 1.3), (3.5, 1.0))
    box(ax, 5.0, 1.35, 1.6, 0.55, "z = μ + σ·ε", ORANGE, 10)
    arrow(ax, (4.45, 2.25), (5.0, 1.75))
    arrow(ax, (4.45, 0.95), (5.0, 1.5))
    arrow(ax, (4.45, 0.12), (5.1, 1.35), color=RED)
    arrow(ax, (6.65, 1.62), (6.9, 1.62))
    trapezoid(ax, 6.9, 1.6, 1.8, 1.2, 2.2, "decoder\np(x|z)", GREEN)
    box(ax, 9.0, 1.1, 0.9, 1.0, "x̂", GREY)
    ax.text(
        5.8,
        2.75,
        "the noise ε enters from outside: gradients flow to μ and σ",
        ha="center",
        fontsize=10,
    )
    ax.text(
        7.6, 0.0, "loss = −log p(x|z) + KL(q(z|x) ‖ N(0, I))", ha="center", fontsize=10
    )
    ax.set_ylim(-0.3, 3.2)
    save(fig, "vae_reparameterisation")


def gan() -> None:
    fig, ax = canvas(9, 3.0)
    box(ax, 0.2, 0.3, 1.1, 0.8, "z ~ N(0, I)", RED, 9)
    trapezoid(ax, 1.6, 0.7, 1.8, 0.6, 1.4, "generator G", GREEN)
    box(ax, 3.7, 0.3, 1.1, 0.8, "G(z)\nfake", GREY, 10)
    box(ax, 3.7, 1.8, 1.1, 0.8, "x\nreal", GREY, 10)
    trapezoid(ax, 5.4, 1.45, 1.8, 1.8, 0.6, "discriminator D", BLUE)
    arrow(ax, (4.85, 0.7), (5.4, 1.2))
    arrow(ax, (4.85, 2.2), (5.4, 1.7))
    box(ax, 7.5, 1.05, 1.3, 0.8, "D(·) ∈ (0, 1)\nreal or fake?", ORANGE, 9)
    arrow(ax, (1.35, 0.7), (1.6, 0.7))
    arrow(ax, (3.4, 0.7), (3.7, 0.7))
    arrow(ax, (7.2, 1.45), (7.5, 1.45))
    ax.text(
        4.5,
        2.85,
        "D learns to tell real from fake; G learns to fool D",
        ha="center",
        fontsize=10,
    )
    save(fig, "gan_game")


def earth_mover() -> None:
    fig, ax = plt.subplots(figsize=(8, 3.2))
    xs = np.arange(6)
    p = np.array([0.30, 0.25, 0.20, 0.15, 0.10, 0.0])
    q = np.array([0.0, 0.10, 0.15, 0.20, 0.25, 0.30])
    ax.bar(
        xs - 0.18,
        p,
        width=0.34,
        color=BLUE,
        label=r"$p_{\mathrm{data}}$ (where the mass is)",
    )
    ax.bar(xs + 0.18, q, width=0.34, color=ORANGE, label=r"$p_G$ (where it must go)")
    moved = np.cumsum(p - q)[
        :-1
    ]  # mass carried from bin i to bin i + 1 (the 1-D optimal plan)
    for i, mass in enumerate(moved):
        if mass > 1e-9:
            ax.annotate(
                "",
                xy=(i + 1 - 0.2, 0.34),
                xytext=(i + 0.2, 0.34),
                arrowprops={"arrowstyle": "-|>", "lw": 1 + 8 * mass, "color": GREY},
            )
            ax.text(i + 0.5, 0.365, f"{mass:.2f}", ha="center", fontsize=9)
    ax.set(xticks=xs, xlabel="position", ylabel="mass", ylim=(0, 0.42))
    ax.set_title(
        f"Earth mover's distance = Σ mass moved × distance = {np.abs(moved).sum():.2f}"
    )
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncol=2,
        fontsize=9,
        frameon=False,
    )
    save(fig, "earth_mover")


def graphical_model() -> None:
    """Kingma & Welling (2014), Fig. 1: p(z) -> p(x|z) solid, q(z|x) dashed, plate over N."""
    fig, ax = canvas(7.2, 3.5)
    ax.add_patch(
        FancyBboxPatch(
            (2.6, 0.3), 2.0, 2.75, boxstyle="round,pad=0.05", fc="none", ec="black"
        )
    )
    ax.text(4.5, 0.42, "N images", ha="right", fontsize=10)
    for (cx, cy), name, fill, colour in [
        ((3.5, 2.45), "z", "white", "black"),
        ((3.5, 1.1), "x", GREY, "white"),
    ]:
        ax.add_patch(Circle((cx, cy), 0.36, fc=fill, ec="black", lw=1.5))
        ax.text(cx, cy, name, ha="center", va="center", fontsize=14, color=colour)
    arrow(ax, (3.38, 2.1), (3.38, 1.47))  # generative: z -> x
    ax.add_patch(  # inference: x -> z, dashed
        FancyArrowPatch(
            (3.68, 1.42),
            (3.68, 2.13),
            arrowstyle="-|>",
            mutation_scale=14,
            lw=1.5,
            ls="--",
            color=BLUE,
            connectionstyle="arc3,rad=0.6",
        )
    )
    box(ax, 0.1, 2.2, 1.9, 0.5, "prior p(z) = N(0, I)", RED, 9)
    arrow(ax, (2.05, 2.45), (3.12, 2.45), color=RED)
    box(ax, 0.1, 1.05, 1.9, 0.7, "decoder θ\n$p_\\theta(x \\mid z)$", GREEN, 10)
    arrow(ax, (2.05, 1.4), (3.33, 1.78), color=GREEN)
    box(ax, 5.2, 1.45, 1.9, 0.7, "encoder φ\n$q_\\phi(z \\mid x)$", BLUE, 10)
    arrow(ax, (5.15, 1.8), (4.1, 1.8), color=BLUE)
    ax.text(
        3.6,
        3.3,
        "solid: the generative model · dashed: the inference model",
        ha="center",
        fontsize=10,
    )
    save(fig, "graphical_model")


if __name__ == "__main__":
    for draw in (autoencoder, vae, gan, earth_mover, graphical_model):
        draw()
    print("diagrams written to", HERE)
