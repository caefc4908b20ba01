"""WGAN-GP's learning rate on a CPU budget: 12_wgan_gp's convolutional networks, scored on a validation split.

The WGAN-GP paper trains with Adam at 1e-4 for 100,000+ generator steps. 12_wgan_gp has about 1,600.
This trains its generator and critic (`make_conv_wgan` and `train_wgan` from the module generated from
11_wgan, `gp_critic_step` from the one generated from 12_wgan_gp) with each learning rate given, with
the notebooks' settings (betas, lambda, batch size, n_critic, width, steps, seed), and scores the
snapshots every `--every` generator steps: judge-FID of 2,000 samples against a stratified
`--validation-share` of the training images, held back from training (the test set is never touched).

    COURSE_OFFLINE=1 python -m benchmarks.wgan_gp_lr --lr 1e-4 5e-4 --steps 1600
"""

from __future__ import annotations

import argparse
import functools

import torch

from benchmarks.validation import split as validation_split
from course_utils import classifier, scores, training
from course_utils.device import get_device
from course_utils.from_notebooks import wgan, wgan_gp


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lr", nargs="+", type=float, default=[1e-4, wgan_gp.GP_LR])
    parser.add_argument("--steps", type=int, default=wgan.STEPS)
    parser.add_argument("--every", type=int, default=200)
    parser.add_argument("--width", type=int, default=wgan.WIDTH)
    parser.add_argument("--seed", type=int, default=wgan.SEED)
    parser.add_argument(
        "--validation-share", type=float, default=0.25, help="of the training images"
    )
    args = parser.parse_args()
    device = get_device()
    judge = classifier.judge(device)
    train, validation = validation_split(args.validation_share, device)
    for lr in args.lr:
        training.set_seed(args.seed)
        generator, critic = wgan.make_conv_wgan(args.width, wgan.LATENT, device)
        noise = torch.randn(
            2000, wgan.LATENT, generator=torch.Generator().manual_seed(args.seed)
        ).to(device)
        run = wgan.train_wgan(
            generator,
            critic,
            train,
            noise,
            critic_step=functools.partial(
                wgan_gp.gp_critic_step, gp_lambda=wgan_gp.GP_LAMBDA
            ),
            optimizer="Adam",
            lr=lr,
            betas=wgan_gp.GP_BETAS,
            steps=args.steps,
            n_critic=wgan.N_CRITIC,
            batch_size=wgan.BATCH_SIZE,
            snapshot_every=args.every,
            log_every=wgan.LOG_EVERY,
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
