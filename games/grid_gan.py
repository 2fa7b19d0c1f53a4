"""MLP GAN on the 5 x 5 grid of Gaussians (centers {-4, -2, 0, 2, 4}^2, std 0.05; VEEGAN, PacGAN).

Measure modes covered and sample quality with
``gs.mode_coverage(game.sample(2500), game.mixture.centers, game.mixture.std)``.
"""

from __future__ import annotations

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._gan import mixture_gan

SPEC = GameSpec(
    name="grid-gan",
    family="gan",
    summary="MLP GAN on a 5x5 grid of Gaussians (spacing 2, std 0.05); measure modes with gs.mode_coverage",
    params={"side": 5, "spacing": 2.0, "std": 0.05, "width": 128, "depth": 3, "latent_dim": 2, "batch_size": 256,
            "loss": "non-saturating", "gamma": 0.1, "seed": 0},
    equilibrium="generator distribution = the mixture, constant discriminator",
    solver_params={"gradient": {"lr": 0.01}},
    steps=2000,
)


def make(side: int = 5, spacing: float = 2.0, std: float = 0.05, width: int = 128, depth: int = 3,
         latent_dim: int = 2, batch_size: int = 256, loss: str = "non-saturating", gamma: float = 0.1,
         seed: int = 0, device: str | None = None) -> gs.GANGame:
    """``game.mixture`` holds the data distribution (centers, std)."""
    return mixture_gan(gs.grid_of_gaussians(side, spacing, std), width=width, depth=depth, latent_dim=latent_dim,
                       batch_size=batch_size, loss=loss, gamma=gamma, seed=seed, name="grid-gan", device=device)
