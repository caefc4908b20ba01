"""WGAN-GP's learning rate on a CPU budget: notebook 05's convolutional networks, scored on a validation split.

The WGAN-GP paper trains with Adam at 1e-4 for 100,000+ generator steps. Notebook 05 has about 1,600.
This trains 05's generator and critic (`make_conv_wgan`, `train_wgan`, `gp_critic_step` from the module
generated from the notebook) with each learning rate given, and scores the snapshots every
`--every` generator steps: judge-FID of 2,000 samples against the last `--validation` training images,
which are held back from training (the test set is never touched).

    COURSE_OFFLINE=1 python -m benchmarks.wgan_gp_lr --lr 1e-4 5e-4 --steps 1600
"""

from __future__ import annotations

import argparse
import functools

import torch

from benchmarks.validation import split as validation_split
from course_utils import classifier, scores, training
from course_utils.device import get_device
from course_utils.from_notebooks.wgan import gp_critic_step, make_conv_wgan, train_wgan


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lr", nargs="+", type=float, default=[1e-4, 5e-4])
    parser.add_argument("--steps", type=int, default=1600)
    parser.add_argument("--every", type=int, default=200)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--validation", type=int, default=1000)
    args = parser.parse_args()
    device = get_device()
    judge = classifier.judge(device)
    train, validation = validation_split(args.validation, device)
    for lr in args.lr:
        training.set_seed(args.seed)
        generator, critic = make_conv_wgan(args.width, 100, device)
        noise = torch.randn(
            2000, 100, generator=torch.Generator().manual_seed(args.seed)
        ).to(device)
        run = train_wgan(
            generator,
            critic,
            train,
            critic_step=functools.partial(gp_critic_step, gp_lambda=10.0),
            critic_optimizer=torch.optim.Adam(
                critic.parameters(), lr=lr, betas=(0.5, 0.9)
            ),
            g_optimizer=torch.optim.Adam(
                generator.parameters(), lr=lr, betas=(0.5, 0.9)
            ),
            fixed_noise=noise,
            steps=args.steps,
            snapshot_every=args.every,
            seed=args.seed,
            desc=f"lr {lr:g}",
        )
        snapshots = run["snapshots"]
        for step, seconds, pixels in zip(
            snapshots["steps"], snapshots["seconds"], snapshots["pixels"], strict=True
        ):
            fid = scores.fid(pixels, validation, judge)
            print(
                f"lr {lr:g}  step {step:>5}  {seconds:6.0f} s  validation judge-FID {fid:7.1f}"
            )


if __name__ == "__main__":
    main()
