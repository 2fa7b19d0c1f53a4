"""Bilinear game ``min_x max_y x^T A y``.

The unique equilibrium is ``(0, 0)`` when ``A`` is square and non-singular.
With singular values ``s_j`` of ``A``, simultaneous GDA with step ``eta``
moves away from it by the factor ``sqrt(1 + eta^2 s_j^2)`` per step along
each singular pair, while extragradient contracts by
``sqrt(1 - eta^2 s_j^2 + eta^4 s_j^4)`` (Gidel et al. 2019; Mokhtari et al. 2020).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._random import generator, with_singular_values

SPEC = GameSpec(
    name="bilinear",
    family="differentiable",
    summary="min_x max_y x^T A y with chosen singular values",
    params={"dim": 2, "singular_values": None, "A": None, "seed": 0, "scale": 1.0},
    equilibrium="(x*, y*) = (0, 0), value 0",
    solver_params={"gradient": {"lr": 0.3}},
    steps=2000,
    tol=1e-8,
    standard=True,
)


def make(dim: int = 2, singular_values: Sequence[float] | None = None, A: Sequence[Sequence[float]] | None = None,
         seed: int = 0, scale: float = 1.0) -> gs.ZeroSumGame:
    """``A`` given, or ``U diag(singular_values) V^T`` (default singular values
    evenly spaced in [0.5, 1]); the start is Gaussian with std ``scale``."""
    gen = generator(seed)
    if A is not None:
        mat = torch.as_tensor(A, dtype=torch.float64)
        if mat.dim() != 2 or mat.shape[0] != mat.shape[1]:
            raise gs.ShapeError(f"bilinear: A must be a square matrix, got shape {tuple(mat.shape)}")
    else:
        s = list(singular_values) if singular_values is not None else torch.linspace(0.5, 1.0, dim).tolist()
        if len(s) != dim and singular_values is not None and dim != 2:
            raise gs.ShapeError(f"bilinear: {len(s)} singular values for dim={dim}")
        mat = with_singular_values(s, gen)
    n = mat.shape[0]
    x = gs.Player("x", scale * torch.randn(n, generator=gen, dtype=torch.float64))
    y = gs.Player("y", scale * torch.randn(n, generator=gen, dtype=torch.float64))
    game = gs.ZeroSumGame(lambda x, y: x @ mat @ y, x, y, name="bilinear")
    game.A = mat
    game.equilibrium = (torch.zeros(n, dtype=torch.float64), torch.zeros(n, dtype=torch.float64))
    return game
