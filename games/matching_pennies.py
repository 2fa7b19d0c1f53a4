"""Matching pennies as a finite game: the row player wins 1 on a match,

    A = [[1, -1], [-1, 1]],   B = -A.

The unique equilibrium is uniform, value 0. (``matching-pennies-continuous``
is the same game written as a ``ZeroSumGame`` on two simplices.)
"""

from __future__ import annotations

from collections.abc import Sequence

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._matrix import pair, start

SPEC = GameSpec(
    name="matching-pennies",
    family="finite",
    summary="zero-sum 2x2; the matcher wins 1; payoffs to be maximised",
    params={"x0": (0.8, 0.2), "y0": (0.3, 0.7)},
    equilibrium="x* = y* = (1/2, 1/2), value 0 (unique)",
    solver_params={"gradient": {"lr": 0.2}},
    steps=1000,
    tol=1e-6,
    residual="exploitability",
)


def make(x0: Sequence[float] | None = None, y0: Sequence[float] | None = None) -> gs.MatrixGame:
    game = gs.MatrixGame([[1, -1], [-1, 1]], name="matching-pennies", strategy_labels=(["heads", "tails"],) * 2,
                         x0=start(x0, SPEC.params["x0"]), y0=start(y0, SPEC.params["y0"]))
    game.equilibrium = pair([0.5, 0.5], [0.5, 0.5])
    return game
