"""11_wgan's training loop (course_utils.from_notebooks.wgan.train_wgan): the critic schedule of
the WGAN authors' warm-up, the early stop the search's wall-time budget uses, log-spaced snapshots."""

from __future__ import annotations

import copy

import torch
from torch import nn

from course_utils.from_notebooks import wgan


class TinyGenerator(nn.Module):
    latent = 2

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 784), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(len(z), 1, 28, 28)


def run(steps: int, **options):
    torch.manual_seed(0)
    generator = TinyGenerator()
    critic = nn.Sequential(nn.Flatten(), nn.Linear(784, 1), nn.Flatten(0))
    calls = []

    def counting_step(critic, optimizer, real, fake):  # a critic step that only counts
        calls.append(len(real))
        return 0.0

    images = torch.rand(64, 1, 28, 28) * 2 - 1
    record = wgan.train_wgan(
        generator, critic, copy.deepcopy(generator), images, torch.randn(8, 2),
        critic_step=counting_step, steps=steps, batch_size=4, log_every=1, **options,
    )  # fmt: skip
    return record, calls


def test_warm_up_gives_the_critic_100_steps_for_the_first_25_and_every_500th():
    _, calls = run(30, n_critic=2, warm_up=True)
    assert len(calls) == 25 * 100 + 5 * 2, (
        "100 critic steps for steps 0-24, then n_critic"
    )
    _, calls = run(30, n_critic=2)
    assert len(calls) == 30 * 2, "without warm-up, n_critic critic steps every time"


def test_on_step_stops_early_with_a_last_snapshot():
    record, calls = run(100, n_critic=1, on_step=lambda done: done == 3)
    assert record["steps"] == 3 and len(calls) == 3
    assert record["snapshots"]["steps"] == [3], "the state it stopped in is pictured"


def test_snapshots_come_at_the_given_steps_and_at_the_end():
    record, _ = run(12, n_critic=1, snapshot_steps=(0, 1, 5, 10, 100))
    assert record["snapshots"]["steps"] == [0, 1, 5, 10, 12]
    assert record["snapshots"]["pixels"][0].shape == (8, 28, 28)
