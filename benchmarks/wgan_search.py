"""The WGANs' settings, searched one factor at a time under an equal wall-time budget.

11_wgan and 12_wgan_gp train their WGANs with the settings this search chose. Each run trains
11's networks (`make_wgan`) with 11's loop (`train_wgan`) for `--seconds` of wall time on the
training digits less a held-back stratified quarter (`data.split`), then scores 2,000 samples of
the averaged generator with the course's judge against that quarter: judge-FID, digits covered,
the rarest digit's share, confidence. The test set is never touched.

One factor at a time: starting from a base recipe, each factor's values are tried with the best
value found so far for every earlier factor, and the best value by validation judge-FID is kept.
`--finalists` then trains the chosen recipe with two seeds for `--final-seconds` each;
`--final-recipe` trains a given one (changes to the base, as JSON) that way, without searching.

    COURSE_OFFLINE=1 python -m benchmarks.wgan_search --method gp --seconds 100 --finalists
    COURSE_OFFLINE=1 python -m benchmarks.wgan_search --method clip --seconds 100 --finalists
    COURSE_OFFLINE=1 python -m benchmarks.wgan_search --method gp --final-seconds 280 \
        --final-recipe '{"n_critic": 5, "lr": [0.001, 0.001]}'

Results go to outputs/benchmarks/wgan_search_<method>.json (`_final.json` for --final-recipe),
one row per run, as they come.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import time

import torch
from torch import nn

from benchmarks.validation import split as validation_split
from course_utils import classifier, config, scores, training
from course_utils.device import get_device
from course_utils.from_notebooks import dcgan, wgan, wgan_gp

# the recipe each search starts from: the published one where it exists (WGAN-GP: the authors'
# MNIST code with the course's earlier 5e-4; WGAN: the paper's RMSProp 5e-5, c = 0.01, n_critic 5)
BASE = {
    "gp": {
        "n_critic": 5,
        "lr": (5e-4, 5e-4),  # (generator, critic)
        "betas": (0.5, 0.9),
        "critic_width": 32,
        "critic_norm": "none",
        "batch_size": 64,
        "layout": "original",
    },
    "clip": {
        "n_critic": 5,
        "lr": (5e-5, 5e-5),
        "clip_value": 0.01,
        "critic_norm": "none",
        "warm_up": False,
        "critic_width": 32,
        "batch_size": 64,
        "layout": "original",
    },
}
# the factors, in the order they are searched, and the values tried
FACTORS = {
    "gp": {
        "layout": ["original", "doubling"],
        "critic_width": [16, 32],
        "n_critic": [1, 2, 3, 5],
        "lr": [(2e-4, 2e-4), (5e-4, 5e-4), (1e-3, 1e-3), (2e-4, 4e-4), (5e-4, 1e-3)],
        "betas": [(0.5, 0.9), (0.0, 0.9), (0.5, 0.999)],
        "critic_norm": ["none", "layer"],
        "batch_size": [32, 64, 128],
    },
    "clip": {
        "layout": ["original", "doubling"],
        "critic_width": [16, 32],
        "n_critic": [1, 2, 3, 5],
        "lr": [(5e-5, 5e-5), (2e-4, 2e-4), (1e-3, 1e-3)],
        "clip_value": [0.01, 0.03, 0.1],
        "critic_norm": ["none", "batch"],
        "warm_up": [False, True],
        "batch_size": [32, 64],
    },
}


def networks(recipe: dict, device: torch.device) -> tuple[nn.Module, ...]:
    """11's make_wgan, with the generator's layout as a factor too."""
    generator = dcgan.Generator(wgan.WIDTH, wgan.LATENT, recipe["layout"]).to(device)
    critic = wgan.Critic(recipe["critic_width"], recipe["critic_norm"]).to(device)
    generator.apply(dcgan.dcgan_init)
    return generator, critic.apply(dcgan.dcgan_init), copy.deepcopy(generator)


def train_and_score(method, recipe, train, validation, judge, device, seconds, seed):
    """Train one recipe for `seconds` of wall time; the judge's report on 2,000 samples."""
    training.set_seed(seed)
    generator, critic, average = networks(recipe, device)
    noise = torch.randn(
        2000, wgan.LATENT, generator=torch.Generator().manual_seed(seed + 1)
    ).to(device)
    if method == "gp":
        step = functools.partial(wgan_gp.gp_critic_step, gp_lambda=wgan_gp.GP_LAMBDA)
        options = {"critic_step": step, "optimizer": "Adam", "betas": recipe["betas"]}
    else:
        options = {"clip_value": recipe["clip_value"], "optimizer": "RMSprop"}
        options["warm_up"] = recipe["warm_up"]
    start = time.perf_counter()
    run = wgan.train_wgan(
        generator,
        critic,
        average,
        train,
        noise,
        lr=recipe["lr"][0],
        lr_critic=recipe["lr"][1],
        steps=10**9,
        n_critic=recipe["n_critic"],
        batch_size=recipe["batch_size"],
        ema_decay=wgan.EMA_DECAY,
        seed=seed,
        **options,
        desc=f"{method} {recipe_text(recipe)}",
        on_step=lambda done: time.perf_counter() - start > seconds,
    )
    report = scores.judge_report(run["snapshots"]["pixels"][-1], validation, judge)
    return {
        "method": method,
        "seed": seed,
        "seconds": seconds,
        "recipe": recipe,
        "generator_steps": run["steps"],
        "fid": report["fid"],
        "coverage": report["coverage"],
        "rarest": report["min_class_fraction"],
        "confidence": report["confidence"],
    }


def recipe_text(recipe: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in recipe.items())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--method", choices=["gp", "clip"], required=True)
    parser.add_argument("--seconds", type=float, default=80, help="wall time per run")
    parser.add_argument(
        "--finalists", action="store_true", help="also two seeds at full time"
    )
    parser.add_argument("--final-seconds", type=float, default=240)
    parser.add_argument(
        "--final-recipe",
        type=json.loads,
        help="skip the search: train this recipe (JSON, changes to BASE) with two seeds",
    )
    parser.add_argument("--validation-share", type=float, default=0.25)
    args = parser.parse_args()
    device = get_device()
    judge = classifier.judge(device)
    train, validation = validation_split(args.validation_share, device)
    name = f"wgan_search_{args.method}" + ("_final" if args.final_recipe else "")
    path = config.output_path("benchmarks", f"{name}.json")
    rows, best = [], dict(BASE[args.method])
    tried: dict[str, dict] = {}

    def run(recipe: dict, seconds: float, seed: int, factor: str) -> dict:
        key = json.dumps([recipe_text(recipe), seconds, seed])
        if key not in tried:
            row = train_and_score(
                args.method, recipe, train, validation, judge, device, seconds, seed
            )
            tried[key] = row
            rows.append({"factor": factor, **row})
            path.write_text(json.dumps(rows, indent=1))
            print(
                f"{factor:>12}: {recipe_text(recipe)} -> {row['generator_steps']} steps, "
                f"FID {row['fid']:.1f}, {row['coverage']}/10, rarest "
                f"{100 * row['rarest']:.1f}%, confidence {row['confidence']:.3f}",
                flush=True,
            )
        return tried[key]

    if args.final_recipe is not None:
        recipe = best | {
            k: tuple(v) if isinstance(v, list) else v
            for k, v in args.final_recipe.items()
        }
        for seed in (0, 1):
            run(recipe, args.final_seconds, seed, "final")
        return
    for factor, values in FACTORS[args.method].items():
        results = {
            json.dumps(value): run(best | {factor: value}, args.seconds, 0, factor)
            for value in values
        }
        chosen = min(results, key=lambda v: results[v]["fid"])
        best[factor] = (
            json.loads(chosen)
            if factor not in ("lr", "betas")
            else tuple(json.loads(chosen))
        )
        print(f"chosen {factor} = {best[factor]}", flush=True)
    print(f"best recipe: {recipe_text(best)}", flush=True)
    if args.finalists:
        for seed in (0, 1):
            run(best, args.final_seconds, seed, "final")


if __name__ == "__main__":
    main()
