"""Constrained quadratic program

    min_x ||x||^2  s.t.  A x <= b,

with a planted KKT point: ``A`` (``m x dim``, ``m <= dim``) has singular
values evenly spaced in ``[1, 2]``, the first ``active`` constraints are
active at ``x*`` with multipliers ``lambda*`` drawn in ``[0.5, 1.5]``, and

    x* = -A_S^T lambda*_S / 2,   b_S = A_S x*,   b_i = A_i x* + U[0.5, 1.5] (i not in S)

so that ``2 x* + A^T lambda* = 0`` (stationarity), complementary slackness and
feasibility hold exactly. The program is strictly convex, hence ``x*`` is its
unique solution, and ``lambda*`` is unique because ``A_S`` has full row rank.
"""

from __future__ import annotations

import torch

import gamesolve as gs
from gamesolve.game_registry import GameSpec

from ._random import generator, orthogonal

SPEC = GameSpec(
    name="constrained-quadratic",
    family="lagrangian",
    summary="min |x|^2 s.t. Ax <= b, planted KKT point",
    params={"dim": 5, "constraints": 3, "active": 2, "seed": 0},
    equilibrium="(x*, lambda*) planted: x* = -A_S^T lambda*_S / 2, lambda*_S in [0.5, 1.5], 0 elsewhere",
    solver_params={"gradient": {"lr": 0.1}, "nupi": {"lr": 0.1, "kp": 1.0}},
    steps=3000,
    tol=1e-10,
    standard=True,
)


def make(dim: int = 5, constraints: int = 3, active: int = 2, seed: int = 0) -> gs.LagrangianGame:
    """``x`` starts at a random point; the multipliers at 0."""
    if not 1 <= constraints <= dim:
        raise gs.InvalidParameterError(f"constrained-quadratic: need 1 <= constraints <= dim, got "
                                       f"constraints={constraints}, dim={dim}")
    if not 0 <= active <= constraints:
        raise gs.InvalidParameterError(f"constrained-quadratic: need 0 <= active <= constraints, got {active}")
    gen = generator(seed)
    s = torch.linspace(1.0, 2.0, constraints, dtype=torch.float64)
    A = orthogonal(constraints, gen) @ torch.diag(s) @ orthogonal(dim, gen)[:constraints]
    lam = torch.zeros(constraints, dtype=torch.float64)
    lam[:active] = 0.5 + torch.rand(active, generator=gen, dtype=torch.float64)
    x_star = -A.T @ lam / 2
    slack = torch.zeros(constraints, dtype=torch.float64)
    slack[active:] = 0.5 + torch.rand(constraints - active, generator=gen, dtype=torch.float64)
    b = A @ x_star + slack
    x = gs.Player("x", torch.randn(dim, generator=gen, dtype=torch.float64))
    problem = gs.ConstrainedProblem(lambda x: x @ x, [gs.Constraint("Ax<=b", lambda x: A @ x, "<=", b,
                                                                    shape=constraints)], x)
    game = gs.LagrangianGame(problem, name="constrained-quadratic")
    game.A, game.b = A, b
    game.equilibrium = (x_star, lam)
    return game
