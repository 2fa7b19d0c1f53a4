"""von Stengel's 6 x 6 bimatrix game with 75 Nash equilibria (von Stengel
1999, "New maximal numbers of equilibria in bimatrix games", Discrete Comput.
Geom. 21; the 1997 example it cites, in Gambit's catalog as
``journals/dcg/vonstengel1999/6x6_game_with_75_eq``). It disproved the
conjectured bound of ``2^6 - 1 = 63`` equilibria for 6 x 6 games, and is a
hard test for an exact solver: a float tolerance loses its fully mixed
equilibrium, row ``(132, 66, 30, 12, 4, 1) / 245``.

The payoffs are integers, so ``vertex-enumeration`` and
``support-enumeration`` pivot in rational arithmetic and return all 75,
certified; the game is non-degenerate.
"""

from __future__ import annotations

from collections.abc import Sequence

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._matrix import start

SPEC = GameSpec(
    name="von-stengel-75",
    family="finite",
    summary="6x6 bimatrix game with 75 equilibria (von Stengel 1999); payoffs to be maximised",
    params={"x0": (1 / 6,) * 6, "y0": (1 / 6,) * 6},
    equilibrium="75 equilibria, among them the fully mixed x* = (132, 66, 30, 12, 4, 1)/245",
    solver_params={"gradient": {"lr": 1e-7}},
    steps=1000,
    tol=1e-6,
    residual="exploitability",
)

A = [[9504, -660, 19976, -20526, 1776, -8976],
     [-111771, 31680, -130944, 168124, -8514, 52764],
     [397584, -113850, 451176, -586476, 29216, -178761],
     [171204, -45936, 208626, -263076, 14124, -84436],
     [1303104, -453420, 1227336, -1718376, 72336, -461736],
     [737154, -227040, 774576, -1039236, 48081, -300036]]
B = [[72336, 48081, 29216, 14124, 1776, -8514],
     [-461736, -300036, -178761, -84436, -8976, 52764],
     [1227336, 774576, 451176, 208626, 19976, -130944],
     [-1718376, -1039236, -586476, -263076, -20526, 168124],
     [1303104, 737154, 397584, 171204, 9504, -111771],
     [-453420, -227040, -113850, -45936, -660, 31680]]


def make(x0: Sequence[float] | None = None, y0: Sequence[float] | None = None) -> gs.MatrixGame:
    return gs.MatrixGame(A, B, name="von-stengel-75", x0=start(x0, SPEC.params["x0"]),
                         y0=start(y0, SPEC.params["y0"]))
