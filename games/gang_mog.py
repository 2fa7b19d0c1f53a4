"""GANG on a mixture of Gaussians: the mixed extension of an MLP GAN (Oliehoek et al. 2017).

The base game is a zero-sum GAN (``loss="minimax"``, R1 penalty of weight
``gamma`` on the discriminator, which keeps it zero-sum) on

- ``mixture="ring"``: 8 Gaussians on the unit circle, std 0.01 (VEEGAN, PacGAN);
- ``mixture="grid"``: 5 x 5 Gaussians at ``{-1, -0.5, 0, 0.5, 1}^2``, std 0.0125:
  the VEEGAN/PacGAN grid (spacing 2, std 0.05) scaled by 1/4 to the ring's
  range, which leaves the metrics (measured in units of std) unchanged;

and ``make`` returns its :class:`gamesolve.MixedExtension`: pools that start
with the initial generator and discriminator, and meta-game payoffs on common
random numbers. Parallel Nash Memory grows the pools with gradient best
responses; the mixed generator samples by picking a pure generator, then
sampling it (``ext.generate``). Measure it with
``gs.mode_coverage(samples, ext.game.mixture.centers, ext.game.mixture.std)``.

At the game's global equilibrium the generator (or mixture of generators)
reproduces the data and the discriminator is constant 0, so the value (the
generator's payoff ``-E loss``) is ``2 log 2``.

    gamesolve solve gang-mog --solver pnm
"""

from __future__ import annotations

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._gan import mixture_gan

MIXTURES = ("ring", "grid")

SPEC = GameSpec(
    name="gang-mog",
    family="gang",
    summary="mixed extension (GANG) of a zero-sum MLP GAN on the 8-Gaussian ring or the 25-Gaussian grid; "
            "solve with pnm",
    params={"mixture": "ring", "width": 64, "depth": 2, "latent_dim": 2, "batch_size": 256, "loss": "minimax",
            "gamma": 0.3, "payoff_samples": 1, "seed": 0},
    equilibrium="generator mixture = the data, constant discriminator; value 2 log 2 (generator's payoff)",
    solver_params={"pnm": {"oracle_steps": 10, "oracle_lr": 2e-3, "warm_start": "sample", "meta_solver": "lp",
                           "epsilon": 1e-4}},
    steps=100,
    tol=1e-4,
)


def data(mixture: str) -> gs.GaussianMixture:
    """The ring or the grid of Gaussians described in the module docstring."""
    if mixture == "ring":
        return gs.ring_of_gaussians(8, 1.0, 0.01)
    if mixture == "grid":
        return gs.grid_of_gaussians(5, 0.5, 0.0125)
    raise gs.InvalidParameterError(f"gang-mog: mixture must be one of {', '.join(MIXTURES)}, got {mixture!r}")


def make(mixture: str = "ring", width: int = 64, depth: int = 2, latent_dim: int = 2, batch_size: int = 256,
         loss: str = "minimax", gamma: float = 0.3, payoff_samples: int = 1, seed: int = 0,
         device: str | None = None) -> gs.MixedExtension:
    """The mixed extension; ``ext.game`` is the base :class:`gamesolve.GANGame`
    (networks initialised from ``seed``) and ``ext.game.mixture`` the data."""
    game = mixture_gan(data(mixture), width=width, depth=depth, latent_dim=latent_dim, batch_size=batch_size,
                       loss=loss, gamma=gamma, seed=seed, name=f"gang-mog-{mixture}", device=device)
    return gs.MixedExtension(game, payoff_samples=payoff_samples, device=device, seed=seed)
