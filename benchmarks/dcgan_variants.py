"""What each change to the DCGAN buys: one factor at a time, two seeds each, scored on a validation split.

Starting from the original lab's layout (G: kernels 5, 5, 5, 5, 4; D: three stride-2 convolutions with
BatchNorm) written in the course's code, each row changes one thing: the generator's layout (doubling,
1 -> 7 -> 14 -> 28), then, on the doubling layout, spectral normalisation in D, width 32, the hinge loss;
then, on the original layout, Adam's learning rate (both networks) and the batch size.
Every run is scored along the way (`--score-every` steps) on its generator and on two weight averages of
its generator (decays 0.99 and 0.999, BatchNorm statistics recomputed for the averaged weights), so the
steps and the averaging are read off the same runs.

Choices are made on a validation split carved from the training images (a stratified
`--validation-share` of them, never used for training); the test set is never touched.
Scores: judge-FID of 2,000 samples against the validation images, mean judge confidence,
rarest digit's share. Results go to COURSE_OUTPUT_DIR/benchmarks/dcgan_variants.json
(one entry per run and score point).

    COURSE_OFFLINE=1 python -m benchmarks.dcgan_variants            # the 4,000 real offline digits
    python -m benchmarks.dcgan_variants --only doubling --seeds 0   # one row
"""

from __future__ import annotations

import argparse
import copy
import json
import time

import torch

from benchmarks.validation import split as validation_split
from course_utils import classifier, config, data, scores, training
from course_utils.device import get_device
from course_utils.from_notebooks.dcgan import make_gan
from course_utils.from_notebooks.dcgan_training import (
    recompute_batchnorm,
    train_gan,
    update_average,
)

BASE = {
    "layout": "original",
    "norm": "batch",
    "width": 16,
    "loss": "non-saturating",
    "lr": 2e-4,
    "batch_size": 64,
    "steps": 2814,
}
VARIANTS = {  # name: what changes from BASE (10_dcgan_design's table); the doubling rows also run for twice the steps
    "original": {},
    "doubling": {"layout": "doubling", "steps": 5628},
    "spectral": {"layout": "doubling", "norm": "spectral", "steps": 5628},
    "width 32": {"layout": "doubling", "width": 32},
    "hinge": {"layout": "doubling", "loss": "hinge", "steps": 5628},
    "lr 4e-4": {"lr": 4e-4},  # Adam's learning rate, for both networks
    "lr 8e-4": {"lr": 8e-4},
    "lr 6e-4": {"lr": 6e-4},
    "batch 32": {
        "lr": 4e-4,
        "batch_size": 32,
        "steps": 4500,
    },  # half the batch, about the same training time
}
SAMPLES = 2000
DECAYS = (0.99, 0.999)  # generator averages scored alongside G


def score(generator, validation, judge, seed) -> dict:
    noise = torch.Generator(validation.device).manual_seed(seed)
    z = torch.randn(
        SAMPLES, generator.latent, device=validation.device, generator=noise
    )
    report = scores.judge_report(
        data.to_pixels(training.sample(generator, z), (-1, 1)), validation, judge
    )
    return {
        k: report[k] for k in ("fid", "confidence", "min_class_fraction", "class_ratio")
    }


def run(
    name: str, settings: dict, seed: int, train, validation, judge, score_every: int
) -> list[dict]:
    """One training run, 09_dcgan_training's train_gan, scored every `score_every` steps on G and on its averages.

    train_gan's `on_step` hook updates the averages after every step and scores; only training is timed.
    """
    training.set_seed(seed)
    generator, discriminator = make_gan(
        settings["width"], 100, train.device, settings["layout"], settings["norm"]
    )
    averages = {decay: copy.deepcopy(generator) for decay in DECAYS}
    rows, clock = [], {"seconds": 0.0, "since": time.perf_counter()}

    def after_step(step: int, generator) -> None:
        for decay, average in averages.items():
            update_average(average, generator, step - 1, decay)
        clock["seconds"] += (
            time.perf_counter() - clock["since"]
        )  # training time only: the scoring below is not counted
        if step % score_every == 0 or step == settings["steps"]:
            rows.append(score_row(name, settings, seed, step, clock["seconds"]))
        clock["since"] = time.perf_counter()

    def score_row(name, settings, seed, step, seconds) -> dict:
        row = {
            "variant": name,
            "seed": seed,
            "step": step,
            "train_seconds": round(seconds, 1),
            **settings,
            "raw": score(generator, validation, judge, seed),
        }
        for decay, average in averages.items():
            shadow = copy.deepcopy(average)
            recompute_batchnorm(shadow)
            row[f"average {decay}"] = score(shadow, validation, judge, seed)
        print(
            f"{name:<10} seed {seed} step {step:>5} {seconds:>6.0f} s  FID raw {row['raw']['fid']:6.2f} "
            + " ".join(f"avg {d} {row[f'average {d}']['fid']:6.2f}" for d in DECAYS)
            + f"  conf {row['raw']['confidence']:.3f}  rarest {row['raw']['min_class_fraction']:.1%}",
            flush=True,
        )
        return row

    train_gan(
        generator,
        discriminator,
        None,  # no average inside train_gan: after_step keeps the two of DECAYS
        train,
        steps=settings["steps"],
        batch_size=settings["batch_size"],
        lr=settings["lr"],
        betas=(0.5, 0.999),
        loss=settings["loss"],
        real_label=0.9,
        seed=seed,
        on_step=after_step,
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", default=list(VARIANTS))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1])
    parser.add_argument(
        "--steps", type=int, default=None, help="override every variant's step budget"
    )
    parser.add_argument("--score-every", type=int, default=938)
    parser.add_argument(
        "--validation-share", type=float, default=0.25, help="of the training images"
    )
    args = parser.parse_args()
    device = get_device()
    judge = classifier.judge(device)
    train, validation = validation_split(args.validation_share, device)
    out = config.output_path("benchmarks", "dcgan_variants.json")
    results = json.loads(out.read_text()) if out.exists() else []
    for name in args.only:
        settings = {
            **BASE,
            **VARIANTS[name],
            **({"steps": args.steps} if args.steps else {}),
        }
        for seed in args.seeds:
            rows = run(name, settings, seed, train, validation, judge, args.score_every)
            results = [
                r for r in results if (r["variant"], r["seed"]) != (name, seed)
            ] + rows
            out.write_text(json.dumps(results, indent=1))
    real = scores.fid(
        data.to_pixels(train[: len(validation)], (-1, 1)), validation, judge
    )
    print(f"real training digits vs validation (same size): judge-FID {real:.2f}")


if __name__ == "__main__":
    main()
