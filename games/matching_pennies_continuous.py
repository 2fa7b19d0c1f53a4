"""Matching pennies as a differentiable game on two simplices,

    min_{x in Delta_2} max_{y in Delta_2}  -x^T M y,   M = [[1, -1], [-1, 1]],

where ``M`` is the row player's payoff (it wins on a match). The unique
equilibrium is uniform, ``x* = y* = (1/2, 1/2)``, value 0. Projected GDA
cycles outward to the boundary; optimistic and extragradient methods converge
(Daskalakis & Panageas 2019; Mertikopoulos et al. 2019).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

import gamesolve as gs
from gamesolve.game_registry import GameSpec

SPEC = GameSpec(
    name="matching-pennies-continuous",
    family="differentiable",
    summary="matching pennies as a bilinear game on two simplices",
    params={"x0": (0.8, 0.2), "y0": (0.3, 0.7)},
    equilibrium="x* = y* = (1/2, 1/2), value 0",
    solver_params={"gradient": {"lr": 0.1}},
    steps=2000,
    standard=True,
)

M = torch.tensor([[1.0, -1.0], [-1.0, 1.0]], dtype=torch.float64)


def make(x0: Sequence[float] = (0.8, 0.2), y0: Sequence[float] = (0.3, 0.7)) -> gs.ZeroSumGame:
    x = gs.Player("x", list(x0), domain=gs.Simplex())
    y = gs.Player("y", list(y0), domain=gs.Simplex())
    game = gs.ZeroSumGame(lambda x, y: -(x @ M @ y), x, y, name="matching-pennies-continuous")
    half = torch.full((2,), 0.5, dtype=torch.float64)
    game.equilibrium = (half, half.clone())
    return game
