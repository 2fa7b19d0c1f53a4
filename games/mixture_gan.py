"""MLP GAN on a high-dimensional Gaussian mixture: ``modes`` Gaussians in ``R^dim``
with centers on the unit sphere (seeded) and a small std.

Modes are counted with ``gs.mode_coverage(samples, centers, std, threshold=t)``;
in ``dim`` dimensions a sample of a mode lies within ``std * sqrt(chi2_dim quantile)``
of its center, so pass e.g. ``t = sqrt(scipy.stats.chi2.ppf(0.99, dim))``
rather than the 2-D default of 3.
"""

from __future__ import annotations

import gamesolve as gs
from gamesolve.data import high_dimensional_mixture
from gamesolve.game_registry import GameSpec

from ._gan import mixture_gan

SPEC = GameSpec(
    name="mixture-gan",
    family="gan",
    summary="MLP GAN on a mixture of 10 Gaussians in R^64 (centers on the unit sphere, std 0.05)",
    params={"modes": 10, "dim": 64, "std": 0.05, "width": 256, "depth": 2, "latent_dim": 16, "batch_size": 256,
            "loss": "non-saturating", "gamma": 0.1, "seed": 0},
    equilibrium="generator distribution = the mixture, constant discriminator",
    solver_params={"gradient": {"lr": 0.01}},
    steps=2000,
)


def make(modes: int = 10, dim: int = 64, std: float = 0.05, width: int = 256, depth: int = 2, latent_dim: int = 16,
         batch_size: int = 256, loss: str = "non-saturating", gamma: float = 0.1, seed: int = 0,
         device: str | None = None) -> gs.GANGame:
    """``game.mixture`` holds the data distribution; its centers are drawn from ``seed``."""
    mixture = high_dimensional_mixture(modes=modes, dim=dim, std=std, seed=seed)
    return mixture_gan(mixture, width=width, depth=depth, latent_dim=latent_dim, batch_size=batch_size, loss=loss,
                       gamma=gamma, seed=seed, name="mixture-gan", device=device)
