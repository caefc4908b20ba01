"""The models, losses and training loops of the notebooks, as importable modules.

Each module here is generated from one notebook's cells tagged ``export`` by `make export`
(see ``tools.export``): ``autoencoder`` from 01, ``vae_mnist`` from 03, ``dcgan`` from
04, ``wgan`` from 05. The benchmarks, the exercise checks and notebook 06 import them, so every
model and training loop is written once, in its notebook. Do not edit the generated files.
"""
