"""The prisoner's dilemma: strategies (cooperate, defect), payoffs

    A = [[R, S], [T, P]],   B = A^T,     T > R > P > S,

defaults ``T, R, P, S = 5, 3, 1, 0``. Defecting strictly dominates, so the
unique equilibrium is (defect, defect) with payoffs (P, P), although both
prefer (R, R).
"""

from __future__ import annotations

from collections.abc import Sequence

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._matrix import pair, start

SPEC = GameSpec(
    name="prisoners-dilemma",
    family="finite",
    summary="general-sum 2x2; defection dominates; payoffs to be maximised",
    params={"T": 5, "R": 3, "P": 1, "S": 0, "x0": (0.5, 0.5), "y0": (0.5, 0.5)},
    equilibrium="(defect, defect), payoffs (P, P) (unique, dominant strategies)",
    solver_params={"gradient": {"lr": 0.1}},
    steps=1000,
    tol=1e-6,
    residual="exploitability",
)


def make(T: float = 5, R: float = 3, P: float = 1, S: float = 0, x0: Sequence[float] | None = None,
         y0: Sequence[float] | None = None) -> gs.MatrixGame:
    if not T > R > P > S:
        raise gs.InvalidParameterError(f"prisoners-dilemma needs T > R > P > S, got T={T}, R={R}, P={P}, S={S}")
    A = [[R, S], [T, P]]
    B = [[R, T], [S, P]]
    game = gs.MatrixGame(A, B, name="prisoners-dilemma", strategy_labels=(["cooperate", "defect"],) * 2,
                         x0=start(x0, SPEC.params["x0"]), y0=start(y0, SPEC.params["y0"]))
    game.equilibrium = pair([0, 1], [0, 1])
    return game
