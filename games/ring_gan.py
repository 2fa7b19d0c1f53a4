"""MLP GAN on the ring of 8 Gaussians (radius 1, std 0.01; VEEGAN, PacGAN).

The standard test of mode collapse: count the modes a generator covers and
the fraction of its samples within 3 std of a mode with
``gs.mode_coverage(game.sample(2500), game.mixture.centers, game.mixture.std)``.
At the global equilibrium the generator's distribution is the mixture and
the discriminator is constant.
"""

from __future__ import annotations

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._gan import mixture_gan

SPEC = GameSpec(
    name="ring-gan",
    family="gan",
    summary="MLP GAN on a ring of 8 Gaussians (radius 1, std 0.01); measure modes with gs.mode_coverage",
    params={"modes": 8, "radius": 1.0, "std": 0.01, "width": 128, "depth": 3, "latent_dim": 2, "batch_size": 256,
            "loss": "non-saturating", "gamma": 0.1, "seed": 0},
    equilibrium="generator distribution = the mixture, constant discriminator",
    solver_params={"gradient": {"lr": 0.01}},
    steps=2000,
)


def make(modes: int = 8, radius: float = 1.0, std: float = 0.01, width: int = 128, depth: int = 3,
         latent_dim: int = 2, batch_size: int = 256, loss: str = "non-saturating", gamma: float = 0.1,
         seed: int = 0, device: str | None = None) -> gs.GANGame:
    """``game.mixture`` holds the data distribution (centers, std)."""
    return mixture_gan(gs.ring_of_gaussians(modes, radius, std), width=width, depth=depth, latent_dim=latent_dim,
                       batch_size=batch_size, loss=loss, gamma=gamma, seed=seed, name="ring-gan", device=device)
