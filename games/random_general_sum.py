"""A random bimatrix game: both payoff matrices drawn independently,
uniformly from ``[-1, 1]`` or standard normal, seeded. Non-degenerate with
probability one, so it has an odd number of equilibria (support enumeration
finds them all)."""

from __future__ import annotations

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._random import generator
from .random_zero_sum import payoffs

SPEC = GameSpec(
    name="random-general-sum",
    family="finite",
    summary="m x n bimatrix game, payoffs U[-1, 1] or N(0, 1), seeded; payoffs to be maximised",
    params={"rows": 4, "cols": 4, "seed": 0, "distribution": "uniform"},
    equilibrium="an odd number with probability 1; support-enumeration lists them",
    solver_params={"gradient": {"lr": 0.1}},
    steps=1000,
    tol=1e-6,
    residual="exploitability",
)


def make(rows: int = 4, cols: int = 4, seed: int = 0, distribution: str = "uniform") -> gs.MatrixGame:
    gen = generator(seed)
    A = payoffs(rows, cols, gen, distribution)
    B = payoffs(rows, cols, gen, distribution)
    return gs.MatrixGame(A, B, name="random-general-sum")
