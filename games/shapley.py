"""Shapley's game (Shapley 1964), the classic on which fictitious play cycles:

    A = [[1, 0, 0], [0, 1, 0], [0, 0, 1]],   B = [[0, 1, 0], [0, 0, 1], [1, 0, 0]].

The unique equilibrium is uniform for both players (payoffs 1/3 each), but
from a non-equilibrium start fictitious play follows a cycle of growing
length and its averages never converge.
"""

from __future__ import annotations

from collections.abc import Sequence

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._matrix import pair, start

SPEC = GameSpec(
    name="shapley",
    family="finite",
    summary="general-sum 3x3 game on which fictitious play cycles (Shapley 1964); payoffs to be maximised",
    params={"x0": (0.5, 0.3, 0.2), "y0": (0.2, 0.5, 0.3)},
    equilibrium="x* = y* = (1/3, 1/3, 1/3), payoffs (1/3, 1/3) (unique)",
    solver_params={"gradient": {"lr": 0.2}},
    steps=300,
    tol=1e-6,
    residual="exploitability",
    standard=True,
)


def make(x0: Sequence[float] | None = None, y0: Sequence[float] | None = None) -> gs.MatrixGame:
    A = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    B = [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
    game = gs.MatrixGame(A, B, name="shapley", x0=start(x0, SPEC.params["x0"]), y0=start(y0, SPEC.params["y0"]))
    game.equilibrium = pair([1 / 3] * 3, [1 / 3] * 3)
    return game
