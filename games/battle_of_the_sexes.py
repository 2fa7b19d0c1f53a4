"""Battle of the sexes, as in nashpy's documentation:

    A = [[3, 1], [0, 2]],   B = [[2, 1], [0, 3]].

Three equilibria: the two pure coordinations ``((1, 0), (1, 0))`` and
``((0, 1), (0, 1))`` and the mixed one ``((3/4, 1/4), (1/4, 3/4))``.
"""

from __future__ import annotations

from collections.abc import Sequence

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._matrix import start

SPEC = GameSpec(
    name="battle-of-the-sexes",
    family="finite",
    summary="general-sum 2x2 coordination game with three equilibria; payoffs to be maximised",
    params={"x0": (0.6, 0.4), "y0": (0.3, 0.7)},
    equilibrium="three: ((1,0),(1,0)), ((0,1),(0,1)), ((3/4,1/4),(1/4,3/4))",
    solver_params={"gradient": {"lr": 0.2}},
    steps=500,
    tol=1e-6,
    residual="exploitability",
    standard=True,
)


def make(x0: Sequence[float] | None = None, y0: Sequence[float] | None = None) -> gs.MatrixGame:
    return gs.MatrixGame([[3, 1], [0, 2]], [[2, 1], [0, 3]], name="battle-of-the-sexes",
                         x0=start(x0, SPEC.params["x0"]), y0=start(y0, SPEC.params["y0"]))
