"""Rock-paper-scissors: the zero-sum cyclic game

    A = [[0, -1, 1], [1, 0, -1], [-1, 1, 0]]     (rows and columns: rock, paper, scissors),

payoffs of the row player (the winner gets 1). The unique equilibrium is
uniform, value 0; the best-response graph is a 3-cycle, gradient descent-ascent
and the replicator dynamics orbit the equilibrium, while time averages of
no-regret dynamics converge to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._matrix import pair, start

SPEC = GameSpec(
    name="rock-paper-scissors",
    family="finite",
    summary="zero-sum 3x3 cyclic game; payoffs to be maximised",
    params={"x0": (0.5, 0.3, 0.2), "y0": (0.2, 0.3, 0.5)},
    equilibrium="x* = y* = (1/3, 1/3, 1/3), value 0 (unique)",
    solver_params={"gradient": {"lr": 0.2}},
    steps=500,
    tol=1e-6,
    residual="exploitability",
    standard=True,
)

A = [[0, -1, 1], [1, 0, -1], [-1, 1, 0]]
LABELS = ["rock", "paper", "scissors"]


def make(x0: Sequence[float] | None = None, y0: Sequence[float] | None = None) -> gs.MatrixGame:
    game = gs.MatrixGame(A, name="rock-paper-scissors", strategy_labels=(LABELS, LABELS),
                         x0=start(x0, SPEC.params["x0"]), y0=start(y0, SPEC.params["y0"]))
    game.equilibrium = pair([1 / 3] * 3, [1 / 3] * 3)
    return game
