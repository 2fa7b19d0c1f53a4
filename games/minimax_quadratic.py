"""A quadratic game whose equilibrium is a local minimax point but not a
local Nash equilibrium (Jin, Netrapalli & Jordan 2020):

    min_x max_y  1/2 x^T P x + x^T B y - 1/2 y^T Q y,
    P = U diag(a) U^T,  B = U diag(b) V^T,  Q = V diag(c) V^T,

with Haar-random orthogonal ``U, V``, ``c > 0`` and some ``a_i < 0``. At
``(0, 0)`` the max player's Hessian ``-Q`` is negative definite and the Schur
complement ``P + B Q^-1 B^T = U diag(a + b^2 / c) U^T`` is positive definite
(strict local, here global, minimax), while ``P`` is indefinite (not Nash).

gamma-GDA, ``x <- x - (eta / gamma) grad_x f``, ``y <- y + eta grad_y f``,
has the Jacobian ``diag(I / gamma, I) H``, whose pairs of eigenvalues have real
parts of sign ``a_i + gamma c_i``: for small ``eta`` it is stable exactly when
``gamma > max_i (-a_i / c_i)`` (= 2 with the defaults), unstable below.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._random import generator, orthogonal

SPEC = GameSpec(
    name="local-minimax-quadratic",
    family="differentiable",
    summary="quadratic game with a local minimax point that is not local Nash; gamma-GDA needs gamma > 2",
    params={"a": (-1.0, 0.5), "b": (2.0, 1.0), "c": (0.5, 2.0), "seed": 0},
    equilibrium="(x*, y*) = (0, 0), local minimax, not local Nash",
    solver_params={"gradient": {"lr": 0.05}},
    steps=2000,
    standard=True,
)


def critical_ratio(a: Sequence[float], c: Sequence[float]) -> float:
    """``max_i (-a_i / c_i)`` (at least 0): the time-scale ratio above which
    gamma-GDA is stable for small steps."""
    return max([0.0] + [-ai / ci for ai, ci in zip(a, c)])


def make(a: Sequence[float] = (-1.0, 0.5), b: Sequence[float] = (2.0, 1.0), c: Sequence[float] = (0.5, 2.0),
         seed: int = 0) -> gs.ZeroSumGame:
    """Curvatures ``a`` (min player), couplings ``b`` and curvatures ``c > 0``
    (max player), one per pair of coordinates; ``a_i + b_i^2 / c_i > 0``."""
    a_t, b_t, c_t = (torch.as_tensor(list(v), dtype=torch.float64) for v in (a, b, c))
    if not (a_t.shape == b_t.shape == c_t.shape) or a_t.dim() != 1 or a_t.numel() == 0:
        raise gs.ShapeError(f"local-minimax-quadratic: a, b, c need the same length, got {len(a)}, {len(b)}, {len(c)}")
    if not bool((c_t > 0).all()):
        raise gs.InvalidParameterError(f"local-minimax-quadratic: c must be positive (y strictly concave), got {c}")
    if not bool((a_t + b_t ** 2 / c_t > 0).all()):
        raise gs.InvalidParameterError(
            f"local-minimax-quadratic: needs a + b^2 / c > 0 (positive Schur complement), got a={a}, b={b}, c={c}")
    gen = generator(seed)
    n = a_t.numel()
    U, V = orthogonal(n, gen), orthogonal(n, gen)
    P, B, Q = U @ torch.diag(a_t) @ U.T, U @ torch.diag(b_t) @ V.T, V @ torch.diag(c_t) @ V.T
    x = gs.Player("x", torch.randn(n, generator=gen, dtype=torch.float64))
    y = gs.Player("y", torch.randn(n, generator=gen, dtype=torch.float64))

    def f(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return 0.5 * x @ P @ x + x @ B @ y - 0.5 * y @ Q @ y

    game = gs.ZeroSumGame(f, x, y, name="local-minimax-quadratic")
    game.P, game.B, game.Q = P, B, Q
    game.equilibrium = (torch.zeros(n, dtype=torch.float64), torch.zeros(n, dtype=torch.float64))
    return game
