"""Benchmark for notebook 03_vae_mnist: the classic PyTorch VAE recipe against the notebook's VAEs.

Runs, one after the other in one process and on the same training data:
- reference: the classic MLP VAE (784-400-20, ReLU, sigmoid output, BCE summed), Adam 1e-3,
  batch 128, torchvision ``MNIST`` + ``ToTensor`` through a ``DataLoader``, 4,680 steps
  (10 epochs of 60,000 images);
- mlp: the notebook's MLP VAE (same architecture; data resident as tensors, logits + BCE with
  logits, one-cycle learning rate);
- conv: the notebook's convolutional VAE (optionally conv_fc: with the classic FC 512/256 layers).

All three are scored the same way: the negative ELBO in nats per image (z sampled, not z = mu)
on every image of the held-out test split. The models below are short copies of the notebook's
(notebooks/03_vae_mnist.ipynb); keep the two in step.

    .venv/bin/python benchmarks/vae.py                       # data from COURSE_DATA_DIR
    COURSE_DATA_DIR=outputs/standin .venv/bin/python benchmarks/vae.py
    .venv/bin/python benchmarks/vae.py --only mlp conv --conv-epochs 3
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

    def decode(self, z: torch.Tensor) -> torch.Tensor:  # logits, for the shared evaluation
        return self.fc4(F.relu(self.fc3(z))).view(-1, 1, 28, 28)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode_probs(z), mu, logvar


def reference_dataset() -> torch.utils.data.Dataset:
    """torchvision's MNIST with ToTensor from COURSE_DATA_DIR; without its files, the same images as PIL."""
    root = config.data_dir()
    if (Path(root) / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        return torchvision.datasets.MNIST(root, train=True, transform=transforms.ToTensor(), download=False)
    print("No torchvision MNIST files in COURSE_DATA_DIR: the reference reads the same digits as PIL images.")
    images, labels = data.mnist("train", device="cpu")
    pixels = data.to_pixels(images)
    to_tensor = transforms.ToTensor()
    pil = [transforms.functional.to_pil_image(p) for p in pixels]

    class PILDigits(torch.utils.data.Dataset):  # what torchvision's MNIST does per item
        def __len__(self) -> int:
            return len(pil)

        def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
            return to_tensor(pil[i]), int(labels[i])

    return PILDigits()


def train_reference(model: ReferenceVAE, steps: int) -> None:
    loader = torch.utils.data.DataLoader(reference_dataset(), batch_size=REFERENCE_BATCH, shuffle=True)
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


# ----- the notebook's models (short copies of notebooks/03_vae_mnist.ipynb) -----
class MLPVAE(nn.Module):
    def __init__(self, latent: int = 20, hidden: int = 400) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 784))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder(x).chunk(2, dim=1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, 1, 28, 28)


class ConvVAE(nn.Module):
    """conv 5x5 stride 2 -> conv 3x3 stride 2 -> linear -> (mu, log-variance); the decoder mirrors it.

    fc=True adds the classic recipe's FC 512 -> FC 256 between the convolutions and the code
    (and FC 256 -> FC 512 in the decoder): the variant the notebook leaves out.
    """

    def __init__(self, latent: int = 20, c1: int = 32, c2: int = 64, fc: bool = False) -> None:
        super().__init__()
        flat = c2 * 7 * 7
        hidden_in = [nn.Linear(flat, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU()] if fc else []
        hidden_out = [nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU()] if fc else []
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c1, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(),
            *hidden_in, nn.Linear(256 if fc else flat, 2 * latent),
        )  # fmt: skip
        self.decoder = nn.Sequential(
            *hidden_out, nn.Linear(512 if fc else latent, flat), nn.ReLU(), nn.Unflatten(1, (c2, 7, 7)),
            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1),
        )  # fmt: skip

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder(x).chunk(2, dim=1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)


def loss_terms(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image reconstruction (BCE, nats) and KL terms, with one sampled z."""
    mu, logvar = model.encode(x)
    z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
    reconstruction = F.binary_cross_entropy_with_logits(model.decode(z), x, reduction="none").flatten(1).sum(1)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
    return reconstruction, kl


def train_notebook_model(model: nn.Module, images: torch.Tensor, epochs: int, batch_size: int, lr: float) -> int:
    steps = epochs * (len(images) // batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, pct_start=0.1)
    generator = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        for x in data.batches(images, batch_size=batch_size, generator=generator, drop_last=True):
            reconstruction, kl = loss_terms(model, x)
            loss = (reconstruction + kl).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    return steps


@torch.no_grad()
def test_neg_elbo(model: nn.Module, images: torch.Tensor) -> float:
    """Mean negative ELBO in nats per image over all test images, z sampled (seeded)."""
    model.eval()
    torch.manual_seed(1)
    total = sum(sum(loss_terms(model, x)).sum().item() for x in data.batches(images, batch_size=1000, shuffle=False))
    return total / len(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--only", nargs="+", choices=["reference", "mlp", "conv", "conv_fc"], default=["reference", "mlp", "conv"],
        help="runs, in this order (conv_fc: the conv VAE with the classic FC 512/256 layers)",
    )
    parser.add_argument("--reference-steps", type=int, default=REFERENCE_STEPS)
    parser.add_argument("--mlp-epochs", type=int, default=8, help="notebook MLP VAE epochs")
    parser.add_argument("--mlp-batch", type=int, default=128)
    parser.add_argument("--mlp-lr", type=float, default=2e-3, help="peak of the one-cycle schedule")
    parser.add_argument("--conv-epochs", type=int, default=7, help="notebook conv VAE epochs (and conv_fc)")
    parser.add_argument("--conv-batch", type=int, default=128)
    parser.add_argument("--conv-lr", type=float, default=2e-3, help="peak of the one-cycle schedule")
    parser.add_argument("--train-limit", type=int, default=None, help="use only the first N training images")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    train_images, _ = data.mnist("train", device="cpu", limit=args.train_limit)
    test_images, _ = data.mnist("test", device="cpu")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; data from {config.data_dir()}: "
        f"{len(train_images):,} train / {len(test_images):,} test images"
    )
    if args.train_limit is not None and "reference" in args.only:
        parser.error("--train-limit applies to the notebook's models only; use it with --only mlp conv")

    rows = []
    runs = {
        "reference": lambda m: train_reference(m, args.reference_steps) or args.reference_steps,
        "mlp": lambda m: train_notebook_model(m, train_images, args.mlp_epochs, args.mlp_batch, args.mlp_lr),
        "conv": lambda m: train_notebook_model(m, train_images, args.conv_epochs, args.conv_batch, args.conv_lr),
    }
    runs["conv_fc"] = runs["conv"]
    models = {"reference": ReferenceVAE, "mlp": MLPVAE, "conv": ConvVAE, "conv_fc": lambda: ConvVAE(fc=True)}
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
    for name, _, seconds, nats in rows[1:] if rows[0] is reference else rows:
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
        print(f"{name}: {nats - reference[3]:+.2f} nats, {ratio:.2f}x the time; target ({goal}): {verdict}")


if __name__ == "__main__":
    main()
