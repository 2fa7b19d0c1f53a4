"""Lemke-Howson complementary pivoting, every pivot exact (``"lemke-howson"``)."""

from __future__ import annotations

import numpy as np

from ..errors import GameError, InvalidParameterError
from ..exact import Equilibrium
from ..finite import MatrixGame
from ..protocol import Solution
from .enumeration import best_response_polytopes
from .oneshot import OneShot, equilibrium_solution
from .polytope import BestResponsePolytope, ExactTableau
from .registry import register_solver

__all__ = ["LemkeHowson"]


class _Side:
    """One polytope on the path: its basis, pivoted in verified floats (a
    pivot whose ratio test the error bounds cannot decide is redone on the
    integer tableau) or, with ``exact``, on an integer tableau throughout."""

    def __init__(self, polytope: BestResponsePolytope, exact: bool):
        self.polytope = polytope
        self.basis = polytope.start
        self.tableau: ExactTableau | None = polytope.exact(polytope.start) if exact else None

    def pivot(self, entering: int) -> int:
        """Bring ``entering`` in by the lexicographic ratio test; return the variable that leaves."""
        P = self.polytope
        if self.tableau is not None:
            leaving, self.tableau = P.exact_step(self.tableau, entering)
        else:
            bases = np.array([self.basis], dtype=np.intp)
            T, eps = P.float_tableaux(bases)
            nonbasic = np.ones((1, P.s + P.t), dtype=bool)
            nonbasic[0, list(self.basis)] = False
            rows, proven = P.float_steps(T, eps, nonbasic)
            if proven[0, entering]:
                leaving = self.basis[int(rows[0, entering])]
            else:
                leaving, _ = P.exact_step(P.exact(self.basis), entering)
        self.basis = tuple(entering if v == leaving else v for v in self.basis)
        return leaving


class LemkeHowson(OneShot):
    """Lemke-Howson complementary pivoting (Lemke & Howson 1964), one
    equilibrium per dropped label, with the lexicographic minimum-ratio test
    so that degenerate games are handled too (von Stengel 2007, §3.7).

    Labels ``0..m-1`` are the row player's pure strategies and ``m..m+n-1``
    the column player's. Starting from the artificial equilibrium ``(0, 0)`` of
    the polytopes ``P = {x >= 0 : B^T x <= 1}``, ``Q = {y >= 0 : A y <= 1}``
    (payoffs mapped positive), label ``k`` is dropped and the duplicate label
    picked up in one polytope is dropped in the other, until ``k`` is picked
    up again. Every ratio test is exact (verified floats, rationals where the
    bounds cannot decide; see :mod:`gamesolve.solvers.polytope`), so the path
    is the exact path and its end an exact equilibrium. ``label=None`` runs
    every label and lists the distinct equilibria
    (``result.extras["by_label"]`` maps each label to the index of its
    equilibrium, ``result.extras["pivots"]`` to its path length).
    """

    name = "lemke-howson"
    certifies = True

    def __init__(self, game: MatrixGame, label: int | None = None, tol: float = 1e-9, max_pivots: int = 100_000,
                 exact: bool | None = None):
        super().__init__(game, tol, exact)
        m, n = game.shape
        if label is not None and not (isinstance(label, (int, np.integer)) and 0 <= label < m + n):
            raise InvalidParameterError(f"lemke-howson: label must be an int in 0..{m + n - 1} (rows 0..{m - 1}, "
                                        f"columns {m}..{m + n - 1}), got {label!r}")
        if not (isinstance(max_pivots, (int, np.integer)) and max_pivots >= 1):
            raise InvalidParameterError(f"lemke-howson: max_pivots must be a positive int, got {max_pivots!r}")
        self.labels = list(range(m + n)) if label is None else [int(label)]
        self.max_pivots = int(max_pivots)

    def path(self, label: int) -> tuple[Equilibrium, int]:
        """The equilibrium reached by dropping ``label``, and the number of pivots."""
        m, n = self.game.shape
        P, Q = best_response_polytopes(self.game)
        sides = (_Side(P, self.exact), _Side(Q, self.exact))
        # a label's variable: in P rows are 0..m-1 and columns m..m+n-1; in Q columns 0..n-1, rows n..n+m-1
        variable = (lambda lab: lab, lambda lab: lab - m if lab >= m else n + lab)
        to_label = (lambda var: var, lambda var: m + var if var < n else var - n)
        side = 0 if label < m else 1
        entering = variable[side](label)
        for pivots in range(1, self.max_pivots + 1):
            leaving = to_label[side](sides[side].pivot(entering))
            if leaving == label:
                xq = P.exact_point(sides[0].basis).exact
                yq = Q.exact_point(sides[1].basis).exact
                return Equilibrium.from_exact(self.game, list(xq), list(yq)), pivots
            side = 1 - side
            entering = variable[side](leaving)
        raise GameError(f"lemke-howson: no equilibrium after {self.max_pivots} pivots from label {label}; raise "
                        "max_pivots, or use 'vertex-enumeration' for a small game")

    def run(self) -> Solution:
        equilibria: list[Equilibrium] = []
        by_label: dict[int, int] = {}
        pivots: dict[int, int] = {}
        for label in self.labels:
            eq, pivots[label] = self.path(label)
            match = next((k for k, other in enumerate(equilibria) if other.exact == eq.exact), None)
            if match is None:
                equilibria.append(eq)
                match = len(equilibria) - 1
            by_label[label] = match
        return equilibrium_solution(self.game, equilibria, solver=self.name,
                                  reason=f"certified: {len(equilibria)} equilibria from {len(self.labels)} labels",
                                  extras={"by_label": by_label, "pivots": pivots})


register_solver("lemke-howson", LemkeHowson, family="finite",
                summary="Lemke-Howson, one equilibrium per label, exact lexicographic pivots, certified")
