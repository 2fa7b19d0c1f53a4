"""A large random zero-sum game with a planted equilibrium of small support.

Rows ``R`` and columns ``C`` (``|R| = |C| = support``) carry a core game
``A[R, C] = v 1 1^T + Q_x^T N Q_y`` with ``Q_x = I - x* 1^T``,
``Q_y = I - y* 1^T`` and ``N`` random, so that every core row earns ``v``
against ``y*`` and every core column concedes ``v`` against ``x*``; every
other row earns ``v - margin`` against ``y*`` and every other column concedes
``v + margin`` against ``x*`` (margins uniform in [0.1, 0.5]). Then
``(x*, y*)`` is an equilibrium with value ``v``, and methods that grow small
strategy pools (double oracle) find it while reading a small fraction of the
payoffs. Payoffs are the row player's, to be maximised.
"""

from __future__ import annotations

import numpy as np

import gamesolve as gs
from gamesolve.game_registry import GameSpec

SPEC = GameSpec(
    name="planted-zero-sum",
    family="finite",
    summary="large random zero-sum game with a planted equilibrium of small support (for double oracle)",
    params={"rows": 200, "cols": 200, "support": 5, "value": 0.0, "seed": 0},
    equilibrium="the planted (x*, y*) on `support` rows and columns, value `value`",
    steps=1000,
    tol=1e-9,
)


def planted(rows: int, cols: int, support: int, value: float, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A, x*, y*)`` as described in the module docstring."""
    if not 1 <= support <= min(rows, cols):
        raise gs.InvalidParameterError(f"support must be in [1, min(rows, cols)] = [1, {min(rows, cols)}], "
                                       f"got {support}")
    A = rng.uniform(-1.0, 1.0, size=(rows, cols))
    R = np.sort(rng.choice(rows, support, replace=False))
    C = np.sort(rng.choice(cols, support, replace=False))
    xs, ys = rng.dirichlet(np.ones(support)), rng.dirichlet(np.ones(support))
    one = np.ones(support)
    Qx, Qy = np.eye(support) - np.outer(xs, one), np.eye(support) - np.outer(ys, one)
    A[np.ix_(R, C)] = value + Qx.T @ rng.uniform(-1.0, 1.0, size=(support, support)) @ Qy
    others_r, others_c = np.setdiff1d(np.arange(rows), R), np.setdiff1d(np.arange(cols), C)
    block = A[np.ix_(others_r, C)]
    A[np.ix_(others_r, C)] = block - (block @ ys - value + rng.uniform(0.1, 0.5, others_r.size))[:, None]
    block = A[np.ix_(R, others_c)]
    A[np.ix_(R, others_c)] = block - (xs @ block - value - rng.uniform(0.1, 0.5, others_c.size))[None, :]
    x, y = np.zeros(rows), np.zeros(cols)
    x[R], y[C] = xs, ys
    return A, x, y


def make(rows: int = 200, cols: int = 200, support: int = 5, value: float = 0.0, seed: int = 0) -> gs.MatrixGame:
    A, x, y = planted(rows, cols, support, value, np.random.default_rng(seed))
    game = gs.MatrixGame(A, name="planted-zero-sum")
    game.equilibrium = (x, y)
    return game
