"""The oscillating toy of Sohrabi et al. (2024):

    min_x ||x||^2  s.t.  1 - x_1 - x_2 <= 0,

with solution ``x* = (1/2, 1/2)`` and multiplier ``lambda* = 1`` (from
``2 x* = lambda* (1, 1)``). Gradient descent on ``x`` with gradient ascent on
``lambda`` is an under-damped linear system near the solution: the multiplier
overshoots and rings for a long time; a proportional term (nuPI with
``kp > 0``) damps it.
"""

from __future__ import annotations

import torch

import gamesolve as gs
from gamesolve.game_registry import GameSpec

SPEC = GameSpec(
    name="oscillating-toy",
    family="lagrangian",
    summary="min |x|^2 s.t. x1 + x2 >= 1; lambda* = 1",
    params={"x0": (0.0, 0.0), "lambda0": 0.0},
    equilibrium="x* = (1/2, 1/2), lambda* = 1",
    solver_params={"gradient": {"lr": (0.05, 0.5)}, "nupi": {"lr": (0.05, 0.5), "kp": 5.0}},
    steps=3000,
    tol=1e-10,
    standard=True,
)


def make(x0: tuple[float, float] = (0.0, 0.0), lambda0: float = 0.0) -> gs.LagrangianGame:
    x = gs.Player("x", torch.tensor(x0, dtype=torch.float64))
    problem = gs.ConstrainedProblem(lambda x: x @ x, [gs.Constraint("x1+x2>=1", lambda x: 1 - x[0] - x[1])], x)
    game = gs.LagrangianGame(problem, multipliers={"x1+x2>=1": lambda0}, name="oscillating-toy")
    game.equilibrium = (torch.tensor([0.5, 0.5], dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64))
    return game
