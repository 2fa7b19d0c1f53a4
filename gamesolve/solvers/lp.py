"""The value and optimal strategies of a zero-sum game by one linear program (``"lp"``)."""

from __future__ import annotations

import numpy as np

from ..errors import GameError, InvalidParameterError
from ..exact import CERTIFY_LIMIT, Equilibrium, certify
from ..finite import MatrixGame
from ..protocol import Solution
from .oneshot import OneShot, centred, equilibrium_solution
from .registry import register_solver

__all__ = ["LinearProgram"]


def _clean(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, 0.0, None)
    return s / s.sum()


def _polish(game: MatrixGame, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Re-solve the indifference conditions on the supports of an approximate
    equilibrium with equal support sizes (one square system per player, as in
    support enumeration); keep the result if it is valid and no more
    exploitable (which also rejects the solution of an ill-conditioned system)."""
    I, J = np.flatnonzero(x > 1e-9), np.flatnonzero(y > 1e-9)
    if len(I) != len(J):
        return x, y
    polished = []
    for P, own, opp in ((game.B, I, J), (game.A.T, J, I)):
        k = len(own)
        M = np.zeros((k + 1, k + 1))
        M[:k, :k], M[:k, k], M[k, :k] = P[np.ix_(own, opp)].T, -1.0, 1.0
        try:
            s = np.linalg.solve(M, np.eye(k + 1)[k])[:-1]
        except np.linalg.LinAlgError:
            return x, y
        if not np.isfinite(s).all() or s.min() < 0:
            return x, y
        full = np.zeros(P.shape[0])
        full[own] = s
        polished.append(full)
    px, py = polished
    return (px, py) if game.exploitability(px, py) <= game.exploitability(x, y) else (x, y)


# --------------------------------------------------------------------------
# zero-sum: linear programming
# --------------------------------------------------------------------------


class LinearProgram(OneShot):
    """Value and optimal strategies of a zero-sum game by one linear program
    (von Neumann 1928; Dantzig 1951), solved by HiGHS through scipy.

    With ``A' = (A - min A) / (max A - min A) + 1`` (entries in ``[1, 2]``,
    same optimal strategies), the column player's program and its dual are

        max 1^T w  s.t.  A' w <= 1, w >= 0        min 1^T u  s.t.  A'^T u >= 1, u >= 0,

    whose common optimum is ``1 / v'``; then ``y = w v'``, ``x = u v'`` and the
    value is ``x^T A y`` (``= min A + (v' - 1)(max A - min A)`` at the optimum).
    One solve gives both strategies (the row player's from the duals); when
    their supports have equal sizes, the indifference conditions on them are
    re-solved to remove the solver's tolerance. A constant-sum game uses ``A``.
    The optimum is then certified (:func:`gamesolve.exact.certify`: its exact
    form re-solved in rationals on its supports, its regret checked exactly)
    when its supports have at most ``CERTIFY_LIMIT`` strategies; a larger one
    is returned as approximate, with its float regret. ``certify=False``
    skips the check.
    """

    requires = frozenset({"payoffs", "zero-sum"})
    name = "lp"

    def __init__(self, game: MatrixGame, tol: float = 1e-10, method: str = "highs-ds", certify: bool = True):
        super().__init__(game, tol)
        self.certify = bool(certify)
        if self.tol < 1e-10:   # HiGHS ignores feasibility tolerances below this, with a warning
            raise InvalidParameterError(f"{self.name}: tol must be >= 1e-10 (HiGHS's smallest), got {tol!r}")
        if method not in ("highs", "highs-ds", "highs-ipm"):
            raise InvalidParameterError(f"{self.name}: method must be 'highs', 'highs-ds' or 'highs-ipm', "
                                        f"got {method!r}")
        self.method = method

    def run(self) -> Solution:
        import scipy.optimize   # imported where used: it costs start-up time

        A = self.game.A
        Ap = centred(A) + 1.5     # entries in [1, 2]
        m, n = A.shape
        res = scipy.optimize.linprog(-np.ones(n), A_ub=Ap, b_ub=np.ones(m), bounds=(0, None), method=self.method,
                                     options={"presolve": False, "primal_feasibility_tolerance": self.tol,
                                              "dual_feasibility_tolerance": self.tol})
        if res.status != 0:
            raise GameError(f"lp: HiGHS did not solve the game's linear program ({res.message}); "
                            "check the payoffs' scale or try 'vertex-enumeration'")
        w, u = res.x, -res.ineqlin.marginals
        x, y = _polish(self.game, _clean(u), _clean(w))
        eq = certify(self.game, x, y) if self.certify else Equilibrium(x, y, None, float(self.game.regrets(x, y).max()))
        if eq.certified:
            A_exact = self.game.exact_payoffs()[0]
            xq, yq = eq.exact
            value = float(sum(A_exact[i][j] * p * q for i, p in enumerate(xq) if p for j, q in enumerate(yq) if q))
            status = "certified"
        else:
            value = float(eq.x @ A @ eq.y)
            large = max(len(self.game.support(eq.x)), len(self.game.support(eq.y))) > CERTIFY_LIMIT
            why = ("certify=False" if not self.certify else
                   f"not certified: a support exceeds {CERTIFY_LIMIT} strategies" if large else
                   "not certified: no exact equilibrium on its supports")
            status = f"approximate, regret {float(eq.regret):.2g} ({why})"
        return equilibrium_solution(self.game, [eq], solver=self.name, value=value,
                                  reason=f"optimal (HiGHS, {res.nit} iterations), {status}")


register_solver("lp", LinearProgram, family="finite",
                summary="zero-sum value and optimal strategies, one LP (HiGHS), certified")
