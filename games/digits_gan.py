"""MLP GAN on scikit-learn's 8x8 digits (1797 images scaled to [-1, 1]; no download).

Judge the generator with the Frechet distance in the features of a small
digits classifier, trained once and cached under the user's cache directory:
``gamesolve.analysis.samples.digits_frechet_distance(game.sample(1000))``.
"""

from __future__ import annotations

import torch
from torch import nn

import gamesolve as gs
from gamesolve.data import digits
from gamesolve.game_registry import GameSpec

from ._gan import check_sizes, mlp

SPEC = GameSpec(
    name="digits-gan",
    family="gan",
    summary="MLP GAN on scikit-learn's 8x8 digits; measure with digits_frechet_distance",
    params={"width": 256, "depth": 2, "latent_dim": 16, "batch_size": 64, "loss": "non-saturating", "gamma": 1.0,
            "seed": 0},
    equilibrium="generator distribution = the empirical digits distribution, constant discriminator",
    solver_params={"gradient": {"lr": 0.01}},
    steps=2000,
)


def make(width: int = 256, depth: int = 2, latent_dim: int = 16, batch_size: int = 64, loss: str = "non-saturating",
         gamma: float = 1.0, seed: int = 0, device: str | None = None) -> gs.GANGame:
    """The generator ends in ``tanh`` (pixels in [-1, 1]); R1 of weight ``gamma`` (none if 0)."""
    check_sizes("digits-gan", width, depth, latent_dim, batch_size)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        G = nn.Sequential(mlp(latent_dim, width, 64, depth), nn.Tanh())
        D = mlp(64, width, 1, depth)
    return gs.GANGame(G, D, digits().images, loss=loss, latent=latent_dim, batch_size=batch_size,
                      regularizer=gs.R1(gamma) if gamma else None, seed=seed, device=device, name="digits-gan")
