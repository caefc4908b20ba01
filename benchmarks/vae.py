"""Benchmark for notebook 05_vae_mnist: the classic PyTorch VAE recipe against the notebook's VAEs.

Runs, one after the other in one process and on the same training images:
- reference: the classic PyTorch example as it is usually copied (its own ``ReferenceVAE``,
  784-400-20, ReLU, sigmoid output, BCE summed), Adam 1e-3, batch 128, torchvision ``MNIST`` +
  ``ToTensor`` through a ``DataLoader``, 4,680 steps (10 epochs of 60,000 images);
- mlp: the notebook's MLP VAE and training function (data resident as tensors, logits + BCE with
  logits, one-cycle learning rate), for the notebook's step budget;
- conv: the notebook's convolutional VAE, the same way;
- conv_fc: the notebook's convolutional VAE with the classic recipe's FC 512/256 layers put back
  between the convolutions and the code (the variant the notebook leaves out).

The notebook's models, loss and training loop are imported from
``course_utils.from_notebooks.vae_mnist`` (generated from the notebook's cells tagged ``export``),
and so are the defaults of the options (step budgets, batch size, learning rate, seed, validation
split: the notebook's exported settings cell, full mode unless COURSE_QUICK=1), so this file holds
no copy of them. As in the notebook, the last ``--validation-images`` training images are held
out (the training loop logs their -ELBO) and the rest trains every model, the reference included;
with the same seed, mlp and conv train exactly the notebook's vae_mlp and vae_conv. Every model
is scored the same way: the negative ELBO in nats per image (z sampled, not z = mu) on every
image of the test split.

    .venv/bin/python benchmarks/vae.py                       # data from COURSE_DATA_DIR
    COURSE_DATA_DIR=outputs/standin .venv/bin/python benchmarks/vae.py
    .venv/bin/python benchmarks/vae.py --only conv conv_fc
    .venv/bin/python benchmarks/vae.py --reference-steps 100 --mlp-steps 100 --conv-steps 50   # a smoke run
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torchvision import transforms

from course_utils import config, data
from course_utils.from_notebooks import vae_mnist

REFERENCE_STEPS = 4680  # 10 epochs of 60,000 images at batch 128
REFERENCE_BATCH = 128


# ----- the reference: the classic PyTorch example, as it is usually copied -----
class ReferenceVAE(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h1 = F.relu(self.fc1(x.view(-1, 784)))
        return self.fc21(h1), self.fc22(h1)

    def decode_probs(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def decode(
        self, z: torch.Tensor
    ) -> torch.Tensor:  # logits, for the shared evaluation
        return self.fc4(F.relu(self.fc3(z))).view(-1, 1, 28, 28)

    def forward(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode_probs(z), mu, logvar


def reference_dataset(count: int) -> torch.utils.data.Dataset:
    """The first ``count`` training images (the notebook's training part) as torchvision's MNIST with
    ToTensor reads them from COURSE_DATA_DIR; without its files, the same images as PIL images."""
    root = config.data_dir()
    if (Path(root) / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        mnist = torchvision.datasets.MNIST(
            root, train=True, transform=transforms.ToTensor(), download=False
        )
        return torch.utils.data.Subset(mnist, range(count))
    print(
        "No torchvision MNIST files in COURSE_DATA_DIR: the reference reads the same digits as PIL images."
    )
    images, labels = data.mnist("train", device="cpu", limit=count)
    pixels = data.to_pixels(images)
    to_tensor = transforms.ToTensor()
    pil = [transforms.functional.to_pil_image(p) for p in pixels]

    class PILDigits(torch.utils.data.Dataset):  # what torchvision's MNIST does per item
        def __len__(self) -> int:
            return len(pil)

        def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
            return to_tensor(pil[i]), int(labels[i])

    return PILDigits()


def train_reference(model: ReferenceVAE, steps: int, train_count: int) -> None:
    loader = torch.utils.data.DataLoader(
        reference_dataset(train_count), batch_size=REFERENCE_BATCH, shuffle=True
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    step = 0
    while step < steps:
        for x, _ in loader:
            optimizer.zero_grad()
            recon, mu, logvar = model(x)
            bce = F.binary_cross_entropy(recon, x.view(-1, 784), reduction="sum")
            kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            (bce + kld).backward()
            optimizer.step()
            step += 1
            if step == steps:
                return


# ----- the classic FC 512/256 layers, put back into the notebook's conv VAE -----
def conv_vae_with_fc(
    latent: int = vae_mnist.LATENT, channels: tuple[int, int] = vae_mnist.CONV_CHANNELS
) -> vae_mnist.ConvVAE:
    """The notebook's ConvVAE with FC 512 -> FC 256 between the convolutions and the code, mirrored
    (FC 256 -> FC 512) in the decoder: the classic recipe's layers, which the notebook leaves out."""
    model = vae_mnist.ConvVAE(latent, channels)
    flat = channels[1] * 7 * 7
    *convolutions, _ = model.encoder  # drop the linear layer to the code
    model.encoder = nn.Sequential(
        *convolutions,
        nn.Linear(flat, 512),
        nn.ReLU(),
        nn.Linear(512, 256),
        nn.ReLU(),
        nn.Linear(256, 2 * latent),
    )
    _, *transposed = model.decoder  # drop the linear layer from the code
    model.decoder = nn.Sequential(
        nn.Linear(latent, 256),
        nn.ReLU(),
        nn.Linear(256, 512),
        nn.ReLU(),
        nn.Linear(512, flat),
        *transposed,
    )
    return model


@torch.no_grad()
def test_neg_elbo(model: nn.Module, images: torch.Tensor) -> float:
    """Mean negative ELBO in nats per image over all test images, z sampled (seeded)."""
    torch.manual_seed(1)
    reconstruction, kl = vae_mnist.neg_elbo(model, images)
    return reconstruction + kl


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["reference", "mlp", "conv", "conv_fc"],
        default=["reference", "mlp", "conv"],
        help="runs, in this order (conv_fc: the conv VAE with the classic FC 512/256 layers)",
    )
    parser.add_argument("--reference-steps", type=int, default=REFERENCE_STEPS)
    parser.add_argument(
        "--mlp-steps",
        type=int,
        default=vae_mnist.MLP_STEPS,
        help="notebook MLP VAE steps (its MLP_STEPS)",
    )
    parser.add_argument(
        "--conv-steps",
        type=int,
        default=vae_mnist.CONV_STEPS,
        help="conv VAE steps (and conv_fc; the notebook's CONV_STEPS)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=vae_mnist.BATCH_SIZE,
        help="the notebook's models",
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=vae_mnist.LEARNING_RATE,
        help="peak of the one-cycle schedule (notebook's models)",
    )
    parser.add_argument(
        "--log-every",
        type=int,
        default=vae_mnist.LOG_EVERY,
        help="steps between validation scores",
    )
    parser.add_argument(
        "--validation-share", type=float, default=vae_mnist.VALIDATION_SHARE
    )
    parser.add_argument("--seed", type=int, default=vae_mnist.SEED)
    args = parser.parse_args()

    images, labels = data.mnist("train", device="cpu")
    (train_images, _), (validation_images, _) = data.split(
        images, labels, args.validation_share
    )
    test_images, _ = data.mnist("test", device="cpu")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; data from {config.data_dir()}: "
        f"{len(train_images):,} train / {len(validation_images):,} validation / {len(test_images):,} test images"
    )

    def notebook_run(steps: int) -> callable:
        def run(model: nn.Module) -> int:
            vae_mnist.train_vae(
                model,
                train_images,
                validation_images,
                steps=steps,
                batch_size=args.batch_size,
                lr=args.lr,
                seed=args.seed,
                log_every=args.log_every,
            )
            return steps

        return run

    runs = {
        "reference": lambda m: (
            train_reference(m, args.reference_steps, len(train_images))
            or args.reference_steps
        ),
        "mlp": notebook_run(args.mlp_steps),
        "conv": notebook_run(args.conv_steps),
        "conv_fc": notebook_run(args.conv_steps),
    }
    models = {
        "reference": ReferenceVAE,
        "mlp": lambda: vae_mnist.MLPVAE(vae_mnist.LATENT, vae_mnist.HIDDEN),
        "conv": lambda: vae_mnist.ConvVAE(vae_mnist.LATENT, vae_mnist.CONV_CHANNELS),
        "conv_fc": conv_vae_with_fc,
    }
    rows = []
    for name in args.only:
        torch.manual_seed(args.seed)
        model = models[name]()
        model.train()
        start = time.perf_counter()
        steps = runs[name](model)
        seconds = time.perf_counter() - start
        nats = test_neg_elbo(model, test_images)
        rows.append((name, steps, seconds, nats))
        print(f"  {name}: {steps} steps, {seconds:.1f} s, {nats:.2f} nats", flush=True)

    print()
    print(f"{'model':<10} {'steps':>6} {'seconds':>8} {'test -ELBO (nats)':>18}")
    for name, steps, seconds, nats in rows:
        print(f"{name:<10} {steps:>6} {seconds:>8.1f} {nats:>18.2f}")
    reference = next((row for row in rows if row[0] == "reference"), None)
    if reference is None:
        return
    print()
    for name, _, seconds, nats in rows:
        if name == "mlp":
            met = nats <= reference[3] and seconds < 0.5 * reference[2]
            goal = "matches the reference's nats in < 0.5x its time"
        elif name == "conv":
            met = nats <= reference[3] - 4 and seconds <= 1.5 * reference[2]
            goal = "at least 4 nats below the reference in <= 1.5x its time"
        else:
            continue
        ratio = seconds / reference[2]
        verdict = "met" if met else "NOT met"
        print(
            f"{name}: {nats - reference[3]:+.2f} nats, {ratio:.2f}x the time; target ({goal}): {verdict}"
        )


if __name__ == "__main__":
    main()
