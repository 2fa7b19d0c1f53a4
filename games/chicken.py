"""Chicken (hawk-dove): strategies (swerve, straight), payoffs

    A = [[0, -lose], [win, -crash]],   B = A^T,

defaults ``win, lose, crash = 1, 1, 10``. Two pure equilibria (one swerves,
the other goes straight) and a mixed one where each swerves with probability
``(crash - win) / (crash - win + lose)`` (9/10 by default).
"""

from __future__ import annotations

from collections.abc import Sequence

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._matrix import start

SPEC = GameSpec(
    name="chicken",
    family="finite",
    summary="general-sum 2x2 anti-coordination game (hawk-dove); payoffs to be maximised",
    params={"win": 1, "lose": 1, "crash": 10, "x0": (0.5, 0.5), "y0": (0.7, 0.3)},
    equilibrium="three: (swerve, straight), (straight, swerve), both swerve w.p. (crash-win)/(crash-win+lose)",
    solver_params={"gradient": {"lr": 0.05}},
    steps=1000,
    tol=1e-6,
    residual="exploitability",
)


def make(win: float = 1, lose: float = 1, crash: float = 10, x0: Sequence[float] | None = None,
         y0: Sequence[float] | None = None) -> gs.MatrixGame:
    if not (win > 0 and lose > 0 and crash > win):
        raise gs.InvalidParameterError(f"chicken needs win > 0, lose > 0 and crash > win, got win={win}, "
                                       f"lose={lose}, crash={crash}")
    A = [[0, -lose], [win, -crash]]
    B = [[0, win], [-lose, -crash]]
    return gs.MatrixGame(A, B, name="chicken", strategy_labels=(["swerve", "straight"],) * 2,
                         x0=start(x0, SPEC.params["x0"]), y0=start(y0, SPEC.params["y0"]))
