"""A random zero-sum game with payoffs drawn uniformly from ``[-1, 1]``
(``distribution="uniform"``) or standard normal (``"normal"``), seeded.

With probability one it has a unique equilibrium (Bohnenblust, Karlin &
Shapley 1950); ``make`` computes it with the ``lp`` solver and stores it as
the game's known equilibrium, so runs report their distance to it.
"""

from __future__ import annotations

import torch

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._random import generator

SPEC = GameSpec(
    name="random-zero-sum",
    family="finite",
    summary="m x n zero-sum game, payoffs U[-1, 1] or N(0, 1), seeded; payoffs to be maximised",
    params={"rows": 5, "cols": 5, "seed": 3, "distribution": "uniform"},
    equilibrium="unique with probability 1; computed by lp when the game is made",
    solver_params={"gradient": {"lr": 0.3}},
    steps=500,
    tol=1e-6,
    residual="exploitability",
    standard=True,
)


def payoffs(rows: int, cols: int, gen: torch.Generator, distribution: str) -> torch.Tensor:
    """A random ``rows x cols`` float64 payoff matrix drawn from ``gen``."""
    if rows < 1 or cols < 1:
        raise gs.InvalidParameterError(f"rows and cols must be positive, got {rows} x {cols}")
    if distribution == "uniform":
        return 2 * torch.rand(rows, cols, generator=gen, dtype=torch.float64) - 1
    if distribution == "normal":
        return torch.randn(rows, cols, generator=gen, dtype=torch.float64)
    raise gs.InvalidParameterError(f"distribution must be 'uniform' or 'normal', got {distribution!r}")


def make(rows: int = 5, cols: int = 5, seed: int = 3, distribution: str = "uniform") -> gs.MatrixGame:
    """The default seed gives a game whose equilibrium mixes 4 strategies of each player (about 4% of
    5 x 5 games have a pure saddle point instead)."""
    game = gs.MatrixGame(payoffs(rows, cols, generator(seed), distribution), name="random-zero-sum")
    solution = gs.solve(game, "lp")
    game.equilibrium = solution.strategies
    game.set_strategies([game.players[0].params[0].new_tensor(s) for s in game.uniform()])
    return game
