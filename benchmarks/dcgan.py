"""The DCGAN of 08_dcgan and 09_dcgan_training against the original lab recipe, side by side.

reference: the original lab's DCGAN, written out below exactly as it was (a historical recipe, kept
    apart from the course code on purpose): G from a 100 x 1 x 1 latent through transposed
    convolutions with kernels 5, 5, 5 (stride 2), 5, 4 (sizes 5, 9, 21, 25, 28) and channels 8w, 4w,
    2w, w, 1, BatchNorm + ReLU after each but the last, no bias, sigmoid output; D with three
    stride-2 convolutions (28 -> 14 -> 7 -> 3; BatchNorm on the last two, LeakyReLU with PyTorch's
    default slope), AdaptiveAvgPool2d(1), Linear(4w, 1) and a sigmoid. Weights N(0, 0.02), BatchNorm
    N(1, 0.02) and bias 0; nn.BCELoss; Adam 2e-4, betas (0.5, 0.999); batch 64; one fake batch per
    step, detached for D's step and reused for G's; data in [0, 1] from a Dataset + DataLoader with
    ToTensor; width 16, 2,814 steps (3 epochs of 60,000 images).
notebook: make_gan, train_gan and the settings imported from course_utils.from_notebooks.dcgan and
    .dcgan_training, the modules generated from 08_dcgan's and 09_dcgan_training's cells
    (`make export`; their settings cells are exported): tanh
    output with data in [-1, 1], logits with BCEWithLogits, one-sided label smoothing, batches by
    indexing tensors, samples from the weight average of G. `--notebook-checkpoint` scores the
    generator the notebook saved (COURSE_OUTPUT_DIR/checkpoints/dcgan.pt) instead of training one.

Both are scored by the course's judge (classifier.judge) against the held-out test digits
(scores.judge_report): judge-FID, class coverage, max/min class ratio, rarest class, mean
confidence. Samples a 05_vae_mnist run left in COURSE_OUTPUT_DIR/samples/vae_conv.pt are scored
alongside.

    COURSE_DATA_DIR=outputs/standin python -m benchmarks.dcgan                  # full MNIST size
    python -m benchmarks.dcgan --reference-steps 20 --notebook-steps 20         # a short check that it runs
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Iterator

import torch
from PIL import Image
from torch import nn
from torchvision import transforms

from course_utils import classifier, config, data, outputs, scores, training
from course_utils.device import get_device
from course_utils.from_notebooks.dcgan import (  # 08_dcgan's settings and code
    BATCH_SIZE,
    BETAS,
    LAYOUT,
    LOSS,
    LR,
    NORM,
    REAL_LABEL,
    WIDTH,
    make_gan,
)
from course_utils.from_notebooks.dcgan import LATENT as NOTEBOOK_LATENT
from course_utils.from_notebooks.dcgan_training import EMA_DECAY, STEPS, train_gan

LATENT = 100
REFERENCE = {
    "width": 16,
    "steps": 2814,
    "batch_size": 64,
    "lr": 2e-4,
    "betas": (0.5, 0.999),
}
SNAPSHOT_NOISE = 1000  # noise vectors the reference decodes every `--snapshot-every` steps (13's time-to-quality plot)


# ---------------------------------------------------------------------------------------------
# The original lab recipe


def reference_generator(w: int) -> nn.Sequential:
    """z (N x 100 x 1 x 1) -> N x 1 x 28 x 28 in (0, 1)."""
    return nn.Sequential(
        nn.ConvTranspose2d(LATENT, w * 8, 5, 1, 0, bias=False),
        nn.BatchNorm2d(w * 8),
        nn.ReLU(True),  # 1 -> 5
        nn.ConvTranspose2d(w * 8, w * 4, 5, 1, 0, bias=False),
        nn.BatchNorm2d(w * 4),
        nn.ReLU(True),  # 5 -> 9
        nn.ConvTranspose2d(w * 4, w * 2, 5, 2, 0, bias=False),
        nn.BatchNorm2d(w * 2),
        nn.ReLU(True),  # 9 -> 21
        nn.ConvTranspose2d(w * 2, w, 5, 1, 0, bias=False),
        nn.BatchNorm2d(w),
        nn.ReLU(True),  # 21 -> 25
        nn.ConvTranspose2d(w, 1, 4, 1, 0, bias=False),
        nn.Sigmoid(),  # 25 -> 28
    )


def reference_discriminator(w: int) -> nn.Sequential:
    """N x 1 x 28 x 28 in [0, 1] -> N x 1, the probability that each image is real."""
    return nn.Sequential(
        nn.Conv2d(1, w, 4, 2, 1, bias=False),
        nn.LeakyReLU(),  # 28 -> 14
        nn.Conv2d(w, w * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 2),
        nn.LeakyReLU(),  # 14 -> 7
        nn.Conv2d(w * 2, w * 4, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 4),
        nn.LeakyReLU(),  # 7 -> 3
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(w * 4, 1),
        nn.Sigmoid(),
    )


def reference_init(module: nn.Module) -> None:
    """Convolution weights N(0, 0.02); BatchNorm weights N(1, 0.02), biases 0 (the Linear layer keeps its own)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class PixelDataset(torch.utils.data.Dataset):
    """uint8 digits served one by one as PIL images through ToTensor, like torchvision's MNIST class."""

    def __init__(self, pixels: torch.Tensor) -> None:
        self.pixels, self.to_tensor = pixels, transforms.ToTensor()

    def __len__(self) -> int:
        return len(self.pixels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.to_tensor(Image.fromarray(self.pixels[index].numpy(), mode="L")), 0


def epochs(loader: torch.utils.data.DataLoader) -> Iterator:
    """The loader's batches, one epoch after another (the last batch of an epoch may be smaller)."""
    while True:
        yield from loader


def train_reference(
    pixels: torch.Tensor,
    device: torch.device,
    steps: int,
    width: int,
    snapshot_every: int,
    seed: int,
) -> tuple[nn.Module, dict]:
    """The original recipe: sigmoid + BCELoss, DataLoader + ToTensor, data in [0, 1]; returns G and its snapshots.

    Every `snapshot_every` steps (and at the end) G decodes the same SNAPSHOT_NOISE noise vectors with
    BatchNorm in eval mode: uint8 pixels, with the step and the seconds since the start.
    """
    start = time.perf_counter()
    noise = torch.randn(
        SNAPSHOT_NOISE,
        LATENT,
        1,
        1,
        device=device,
        generator=torch.Generator(device).manual_seed(seed),
    )
    snapshots = {"pixels": [], "steps": [], "seconds": []}
    net_g = reference_generator(width).to(device).apply(reference_init)
    net_d = reference_discriminator(width).to(device).apply(reference_init)
    criterion = nn.BCELoss()
    opt_g = torch.optim.Adam(
        net_g.parameters(), REFERENCE["lr"], betas=REFERENCE["betas"]
    )
    opt_d = torch.optim.Adam(
        net_d.parameters(), REFERENCE["lr"], betas=REFERENCE["betas"]
    )
    loader = torch.utils.data.DataLoader(
        PixelDataset(pixels), batch_size=REFERENCE["batch_size"], shuffle=True
    )
    batches = epochs(loader)
    for step in training.tqdm(range(1, steps + 1), desc=f"reference w{width}"):
        real = next(batches)[0].to(device)
        n = len(real)
        net_d.zero_grad()
        err_real = criterion(net_d(real).view(-1), torch.ones(n, device=device))
        err_real.backward()
        fake = net_g(torch.randn(n, LATENT, 1, 1, device=device))
        err_fake = criterion(
            net_d(fake.detach()).view(-1), torch.zeros(n, device=device)
        )
        err_fake.backward()
        opt_d.step()
        net_g.zero_grad()
        criterion(net_d(fake).view(-1), torch.ones(n, device=device)).backward()
        opt_g.step()
        if step % snapshot_every == 0 or step == steps:
            with torch.no_grad():
                snapshots["pixels"].append(
                    data.to_pixels(net_g.eval()(noise), (0, 1)).cpu()
                )
            net_g.train()
            snapshots["steps"].append(step)
            snapshots["seconds"].append(time.perf_counter() - start)
    return net_g, snapshots


@torch.no_grad()
def draw_reference(
    net_g: nn.Module, n: int, device: torch.device, train_mode: bool, seed: int
) -> torch.Tensor:
    """n samples as uint8 pixels, with BatchNorm on batch statistics (train_mode) or running ones."""
    net_g.train(train_mode)
    z = torch.randn(
        n,
        LATENT,
        1,
        1,
        device=device,
        generator=torch.Generator(device).manual_seed(seed),
    )
    return data.to_pixels(torch.cat([net_g(chunk) for chunk in z.split(1000)]), (0, 1))


# ---------------------------------------------------------------------------------------------
# The notebook's DCGAN, from the generated module


def train_notebook(images: torch.Tensor, steps: int, seed: int) -> nn.Module:
    """09_dcgan_training's run (train_gan with the notebook's settings); returns the averaged generator."""
    generator, discriminator = make_gan(
        WIDTH, NOTEBOOK_LATENT, images.device, LAYOUT, NORM
    )
    average = copy.deepcopy(generator)
    fixed_noise = torch.randn(
        1000, NOTEBOOK_LATENT, device=images.device
    )  # as the notebook draws it (in full mode)
    train_gan(
        generator,
        discriminator,
        average,
        images,
        steps=steps,
        batch_size=BATCH_SIZE,
        lr=LR,
        lr_d=LR,
        betas=BETAS,
        loss=LOSS,
        real_label=REAL_LABEL,
        ema_decay=EMA_DECAY,
        seed=seed,
        fixed_noise=fixed_noise,
    )
    return average  # its BatchNorm statistics recomputed for the averaged weights by the last snapshot


def notebook_checkpoint(device: torch.device) -> tuple[nn.Module, dict]:
    """The averaged generator 09_dcgan_training saved in COURSE_OUTPUT_DIR/checkpoints/dcgan.pt, and its record.

    The generator is built with 08_dcgan's settings (width, latent, layout); weights of another shape
    are a CheckpointError naming the mismatch.
    """
    generator, _ = make_gan(WIDTH, NOTEBOOK_LATENT, device, LAYOUT, NORM)
    # the checkpoint holds every module of the training call, named as train_gan's parameters
    record = training.load_checkpoint("dcgan", average=generator)
    if record is None:
        raise SystemExit(
            f"no {training.checkpoint_path('dcgan')}: run notebooks/09_dcgan_training.ipynb first"
            " (same COURSE_OUTPUT_DIR)"
        )
    return generator, record


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reference-steps", type=int, default=REFERENCE["steps"])
    parser.add_argument("--notebook-steps", type=int, default=STEPS)
    parser.add_argument(
        "--skip-reference", action="store_true", help="train only the notebook's DCGAN"
    )
    parser.add_argument(
        "--skip-notebook", action="store_true", help="train only the reference"
    )
    parser.add_argument(
        "--notebook-checkpoint",
        action="store_true",
        help="score the generator 09_dcgan_training saved instead of training the notebook's DCGAN",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of both training runs and of the sampling noise",
    )
    parser.add_argument(
        "--snapshot-every",
        type=int,
        default=200,
        help="reference steps between two snapshots",
    )
    args = parser.parse_args()
    device = get_device()
    judge = classifier.judge(device)
    train_01, _ = data.mnist("train", device=device)
    test, _ = data.mnist("test", device=device)
    n = outputs.sample_count()
    print(
        f"device {device} · {len(train_01):,} training images · {len(test):,} held-out test images"
        f" · {n:,} samples per model · judge test accuracy {judge.test_accuracy:.3f}"
    )

    rows = []  # (name, train seconds, steps, uint8 samples)
    if not args.skip_reference:
        training.set_seed(args.seed)
        start = time.perf_counter()
        net_g, snapshots = train_reference(
            data.to_pixels(train_01).cpu(),
            device,
            args.reference_steps,
            REFERENCE["width"],
            args.snapshot_every,
            args.seed,
        )
        seconds = time.perf_counter() - start
        training.save_atomic(
            {**snapshots, "pixels": torch.stack(snapshots["pixels"])},
            config.output_path("benchmarks", "dcgan_reference_snapshots.pt"),
        )
        for mode, train_mode in [("BN train mode", True), ("BN eval mode", False)]:
            samples = draw_reference(net_g, n, device, train_mode, args.seed)
            rows.append(
                (
                    f"reference w{REFERENCE['width']}, {mode}",
                    seconds,
                    args.reference_steps,
                    samples,
                )
            )
    z = torch.randn(
        n,
        LATENT,
        device=device,
        generator=torch.Generator(device).manual_seed(args.seed),
    )
    if args.notebook_checkpoint:
        average, record = notebook_checkpoint(device)
        name = f"notebook checkpoint w{WIDTH}"
        rows.append(
            (
                name,
                record["train_seconds"],
                record["settings"]["steps"],
                data.to_pixels(training.sample(average, z), (-1, 1)),
            )
        )
    elif not args.skip_notebook:
        training.set_seed(args.seed)
        images, _ = data.mnist("train", device=device, value_range=(-1, 1))
        start = time.perf_counter()
        average = train_notebook(images, args.notebook_steps, args.seed)
        seconds = time.perf_counter() - start
        name = f"notebook w{WIDTH}, averaged G"
        rows.append(
            (
                name,
                seconds,
                args.notebook_steps,
                data.to_pixels(training.sample(average, z), (-1, 1)),
            )
        )
    vae_path = config.output_path("samples", "vae_conv.pt")
    if vae_path.exists():
        rows.append(
            (
                "conv VAE (05_vae_mnist samples file)",
                float("nan"),
                0,
                outputs.load_samples("vae_conv"),
            )
        )

    print(
        f"\n{'model':<32} {'seconds':>8} {'steps':>6} {'judge-FID':>9} {'coverage':>8} {'max/min':>8}"
        f" {'min class':>9} {'confidence':>10}"
    )
    results = []
    for name, seconds, steps, samples in rows:
        r = scores.judge_report(samples, test, judge)
        results.append({"model": name, "train_seconds": seconds, "steps": steps, **r})
        print(
            f"{name:<32} {seconds:>8.1f} {steps:>6} {r['fid']:>9.2f} {r['coverage']:>8} {r['class_ratio']:>8.2f}"
            f" {r['min_class_fraction']:>9.1%} {r['confidence']:>10.3f}"
        )
    out = config.output_path("benchmarks", "dcgan.json")
    out.write_text(
        json.dumps(
            {"data_source": data.source(), "device": str(device), "rows": results},
            indent=1,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
