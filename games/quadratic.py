"""Strongly-convex-strongly-concave quadratic game

    min_x max_y  mu_x/2 ||x||^2 + x^T B y - mu_y/2 ||y||^2,

with unique equilibrium ``(0, 0)``; GDA converges linearly for small steps
and its rate depends on the condition of the coupling ``B`` relative to
``mu_x, mu_y`` (Zhang, Wang, Lessard & Grosse 2022).
"""

from __future__ import annotations

import torch

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._random import generator, with_singular_values

SPEC = GameSpec(
    name="quadratic",
    family="differentiable",
    summary="mu_x/2 |x|^2 + x^T B y - mu_y/2 |y|^2, strongly convex-concave",
    params={"dim": 2, "mu_x": 1.0, "mu_y": 1.0, "coupling": 1.0, "seed": 0},
    equilibrium="(x*, y*) = (0, 0), value 0",
    solver_params={"gradient": {"lr": 0.1}},
    steps=1000,
    standard=True,
)


def make(dim: int = 2, mu_x: float = 1.0, mu_y: float = 1.0, coupling: float = 1.0, seed: int = 0) -> gs.ZeroSumGame:
    """``B`` has singular values evenly spaced in ``[coupling / 2, coupling]``."""
    if mu_x < 0 or mu_y < 0:
        raise gs.InvalidParameterError(f"quadratic: mu_x and mu_y must be >= 0, got {mu_x}, {mu_y}")
    gen = generator(seed)
    B = with_singular_values(torch.linspace(coupling / 2, coupling, dim).tolist(), gen)
    x = gs.Player("x", torch.randn(dim, generator=gen, dtype=torch.float64))
    y = gs.Player("y", torch.randn(dim, generator=gen, dtype=torch.float64))

    def f(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return 0.5 * mu_x * x @ x + x @ B @ y - 0.5 * mu_y * y @ y

    game = gs.ZeroSumGame(f, x, y, name="quadratic")
    game.B = B
    game.equilibrium = (torch.zeros(dim, dtype=torch.float64), torch.zeros(dim, dtype=torch.float64))
    return game
