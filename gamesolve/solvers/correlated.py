"""Correlated and coarse correlated equilibria by linear programming through cvxpy."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from ..errors import GameError, InvalidParameterError
from ..finite import MatrixGame
from ..protocol import Solution
from .oneshot import OneShot
from .registry import register_solver

__all__ = ["CorrelatedEquilibrium"]


class CorrelatedEquilibrium(OneShot):
    """The (coarse) correlated equilibrium maximising a linear objective, by
    LP through cvxpy (Aumann 1974; Papadimitriou & Roughgarden 2008).

    Over joint distributions ``p`` on pure profiles (``p >= 0``, ``sum p = 1``),
    maximise ``<c, p>`` subject to, for the row player and every ``i, i'``,
    ``sum_j p_ij (A_i'j - A_ij) <= 0`` (and likewise for the column player);
    ``coarse=True`` imposes only ``sum_ij p_ij (A_i'j - A_ij) <= 0`` for every
    ``i'`` (Moulin & Vial 1978). ``objective="welfare"`` is ``c = A + B``; or
    give ``c`` as an ``(m, n)`` array. ``result.extras["distribution"]`` is
    ``p``; ``result.strategies`` are its marginals; ``result.value`` is
    ``<c, p>``; ``result.equilibria`` is ``None`` (these are not Nash
    equilibria); the trajectory holds ``deviation_gain``, the largest gain of
    a deviation (:meth:`MatrixGame.correlated_regrets`). ``cvxpy_solver`` is
    any installed cvxpy LP solver (default CLARABEL, an interior-point method:
    among several optimal distributions it returns a central one).
    """

    name = "correlated-equilibrium"

    def __init__(self, game: MatrixGame, objective: str | Any = "welfare", coarse: bool = False,
                 cvxpy_solver: str = "CLARABEL", tol: float = 1e-9):
        super().__init__(game, tol)
        import cvxpy as cp
        if cvxpy_solver not in cp.installed_solvers():
            raise InvalidParameterError(f"{self.name}: cvxpy_solver must be an installed cvxpy solver "
                                        f"({', '.join(cp.installed_solvers())}), got {cvxpy_solver!r}")
        m, n = game.shape
        if isinstance(objective, str):
            if objective != "welfare":
                raise InvalidParameterError(f"{self.name}: objective must be 'welfare' or an ({m}, {n}) array, "
                                            f"got {objective!r}")
            c = game.A + game.B
        else:
            c = np.asarray(objective, dtype=np.float64)
            if c.size != m * n or not np.isfinite(c).all():
                raise InvalidParameterError(f"{self.name}: objective must be 'welfare' or a finite ({m}, {n}) "
                                            f"array, got shape {c.shape}")
        self.objective = c.reshape(m, n)
        self.coarse = bool(coarse)
        self.cvxpy_solver = cvxpy_solver
        if self.coarse:
            self.name = "coarse-correlated-equilibrium"

    def constraints(self) -> np.ndarray:
        """The incentive constraints as rows ``D`` with ``D vec(p) <= 0`` (``vec`` row-major)."""
        A, B = self.game.A, self.game.B
        m, n = A.shape
        blocks = []
        for M, own, flip in ((A, m, False), (B.T, n, True)):
            opp = M.shape[1]
            if self.coarse:
                D = (M[:, None, :] - M[None, :, :])     # D[i', i, j] = M[i', j] - M[i, j]
                D = D.reshape(own, own * opp)
            else:
                D = np.zeros((own, own, own, opp))     # (i, i', i, j)
                for i in range(own):
                    D[i, :, i, :] = M - M[i]
                D = D.reshape(own * own, own * opp)
            if flip:   # columns indexed (j, i) -> reorder to (i, j)
                D = D.reshape(-1, n, m).transpose(0, 2, 1).reshape(-1, m * n)
            blocks.append(D)
        return np.vstack(blocks)

    def run(self) -> Solution:
        import cvxpy as cp

        m, n = self.game.shape
        p = cp.Variable(m * n, nonneg=True)
        problem = cp.Problem(cp.Maximize(self.objective.reshape(-1) @ p),
                             [cp.sum(p) == 1, self.constraints() @ p <= 0])
        try:
            problem.solve(solver=self.cvxpy_solver)
        except cp.error.SolverError as err:
            raise GameError(f"{self.name}: the LP solver failed ({err}); pass cvxpy_solver='CLARABEL' or another "
                            "installed cvxpy solver") from err
        if problem.status not in ("optimal", "optimal_inaccurate") or p.value is None:
            raise GameError(f"{self.name}: cvxpy returned status {problem.status!r}")
        dist = np.asarray(p.value).reshape(m, n)
        dist = np.where(dist > 1e-9, dist, 0.0)     # interior-point solvers leave ~1e-10 on zero entries
        dist /= dist.sum()
        gain = float(self.game.correlated_regrets(dist, coarse=self.coarse).max())
        return Solution(reason=f"{problem.status} ({problem.solver_stats.solver_name})",
                        strategies=(dist.sum(axis=1), dist.sum(axis=0)), value=float((self.objective * dist).sum()),
                        metrics={"deviation_gain": gain},
                        extras={"distribution": dist, "objective": self.objective, "deviation_gain": gain})


register_solver("correlated-equilibrium", CorrelatedEquilibrium, family="finite",
                summary="correlated equilibrium maximising welfare or a given objective (LP, cvxpy; approximate)")
register_solver("coarse-correlated-equilibrium", partial(CorrelatedEquilibrium, coarse=True), family="finite",
                summary="coarse correlated equilibrium maximising welfare or a given objective (LP, cvxpy; "
                        "approximate)")
