"""Dirac-GAN (Mescheder, Geiger & Nowozin 2018, "Which training methods for
GANs actually converge?").

The data is a point mass at 0, the generator a point mass at ``theta``, the
discriminator ``D_psi(x) = psi x``. With ``f(t) = -log(1 + exp(-t))``
(standard GAN) or ``f(t) = t`` (WGAN) the game is

    min_theta max_psi  L(theta, psi) = f(psi theta) + f(0)  -  gamma/2 psi^2,

the last term being the R1 penalty ``gamma/2 E_data ||grad_x D_psi(x)||^2``.
The non-saturating generator minimises ``-f(-psi theta)`` instead (general
sum). The unique equilibrium is ``(0, 0)``; at it the Jacobian of the
gradient vector field ``v = (-d_theta L, d_psi L)`` has eigenvalues
``+-i f'(0)`` without and ``-gamma/2 +- sqrt(gamma^2/4 - f'(0)^2)`` with R1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

import gamesolve as gs
from gamesolve.game_registry import GameSpec

SPEC = GameSpec(
    name="dirac-gan",
    family="differentiable",
    summary="Mescheder et al. 2018's 2-parameter GAN; standard / non-saturating / wgan loss, R1 gamma",
    params={"loss": "standard", "gamma": 0.0, "theta0": 1.0, "psi0": 1.0},
    equilibrium="(theta*, psi*) = (0, 0)",
    solver_params={"gradient": {"lr": 0.5}},
    steps=2000,
    standard=True,
)

LOSSES = ("standard", "non-saturating", "wgan")


def _f(loss: str, t: torch.Tensor) -> torch.Tensor:
    return t if loss == "wgan" else -F.softplus(-t)


def fprime0(loss: str) -> float:
    """``f'(0)``: 1/2 for the (non-saturating) GAN loss, 1 for WGAN."""
    return 1.0 if loss == "wgan" else 0.5


def make(loss: str = "standard", gamma: float = 0.0, theta0: float = 1.0, psi0: float = 1.0) -> gs.Game:
    if loss not in LOSSES:
        raise gs.InvalidParameterError(f"dirac-gan: loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    if gamma < 0:
        raise gs.InvalidParameterError(f"dirac-gan: the R1 weight gamma must be >= 0, got {gamma}")
    theta = gs.Player("generator", torch.tensor(float(theta0), dtype=torch.float64))
    psi = gs.Player("discriminator", torch.tensor(float(psi0), dtype=torch.float64))
    zero = torch.zeros((), dtype=torch.float64)

    def value(theta: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
        return _f(loss, psi * theta) + _f(loss, zero) - 0.5 * gamma * psi * psi

    if loss == "non-saturating":
        game: gs.Game = gs.GeneralSumGame(lambda th, ps: -_f(loss, -ps * th), lambda th, ps: -value(th, ps),
                                          theta, psi, name="dirac-gan")
    else:
        game = gs.ZeroSumGame(value, theta, psi, name="dirac-gan")
    game.equilibrium = (torch.zeros((), dtype=torch.float64), torch.zeros((), dtype=torch.float64))
    return game
