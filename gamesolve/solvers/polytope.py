"""Best-response polytopes of a bimatrix game, pivoted exactly.

For one player with ``s`` pure strategies against an opponent with ``t``, let
``C`` (``t x s``) hold the opponent's payoffs, shifted and scaled to be
positive (a positive affine map changes no equilibrium). The best-response
polytope is

    P = {z in R^s : z >= 0, C z <= 1},        in equality form  C z + w = 1, (z, w) >= 0,

whose variables ``0..s-1`` are ``z`` and ``s..s+t-1`` the slacks ``w``. A
vertex ``z != 0`` is the mixed strategy ``z / 1^T z``; its *labels* are the
variables that are 0 there (``z_i = 0``: strategy ``i`` unused; ``w_j = 0``:
opponent strategy ``j`` is a best response) (von Stengel 2007, §3.5).

A basis is a set of ``t`` variables; its tableau ``T = B^{-1} [C | I | 1]``.
Pivots use the lexicographic minimum-ratio test on ``(rhs, B^{-1})``, so that
every basis is lexicographically feasible, the leaving variable is unique and
degenerate polytopes are handled as their perturbation ``C z <= 1 + (eps,
eps^2, ...)`` (Dantzig, Orden & Wolfe 1955): its vertices are the
lex-feasible bases, they form a connected graph under lex pivots, and every
vertex of ``P`` is the limit of one of them. :meth:`BestResponsePolytope.vertices`
walks that graph breadth-first (the enumeration lrs performs by reverse
search; Avis & Fukuda 1992).

Every decision is exact. Tableaux are computed in floats for a whole
frontier at once, with a rigorous error bound (:mod:`gamesolve.verified`); a
ratio test or a sign that does not clear its bound is redone on an integer
tableau (:class:`ExactTableau`, integer-preserving pivoting as in lrs), which
is also used throughout with ``exact=True``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import GameError
from ..exact import fraction_free_inverse
from ..verified import inverse_bound, residual_bound

__all__ = ["BestResponsePolytope", "ExactTableau", "Vertex"]

INPUT_ERROR = 16 * 2.0**-53    # default |C~ - C| entrywise: the rounding of a normalisation to [1, 2]
MAX_BASES = 2_000_000


class ExactTableau:
    """An integer tableau ``T_int = d T`` of one basis (``d > 0`` the basis
    determinant), pivoted without fractions: on ``(r, e)`` with ``p = T_int[r][e]``,
    every other row becomes ``(p row_i - T_int[i][e] row_r) / d`` and ``d``
    becomes ``p`` (Edmonds 1967; Avis 2000, lrs)."""

    __slots__ = ("basis", "rows", "d")

    def __init__(self, basis: list[int], rows: list[list[int]], d: int):
        self.basis, self.rows, self.d = basis, rows, d

    @classmethod
    def of_basis(cls, N: list[list[int]], basis: list[int]) -> ExactTableau:
        """The tableau of ``basis`` for the integer system ``N = [C | I | 1]``."""
        solved = fraction_free_inverse([[row[j] for j in basis] for row in N], N)
        if solved is None:
            raise GameError(f"internal error: basis {basis} of a best-response polytope is singular")
        d, rows = solved
        return cls(list(basis), rows, d)

    def leaving_row(self, entering: int, keys: Sequence[int]) -> int | None:
        """The lexicographic minimum-ratio row for ``entering``: among rows with
        ``T[r][e] > 0``, the least ``(T[r][k] / T[r][e])`` for ``k`` in ``keys``
        (rhs first, then the columns of ``B^{-1}``); ``None`` if no row bounds it."""
        rows = self.rows
        cand = [r for r in range(len(rows)) if rows[r][entering] > 0]
        for k in keys:
            if len(cand) <= 1:
                break
            best = cand[0]
            for r in cand[1:]:   # a/b < c/d  <=>  a d < c b  (b, d > 0)
                if rows[r][k] * rows[best][entering] < rows[best][k] * rows[r][entering]:
                    best = r
            bk, be = rows[best][k], rows[best][entering]
            cand = [r for r in cand if rows[r][k] * be == bk * rows[r][entering]]
        return cand[0] if cand else None

    def pivot(self, row: int, entering: int) -> ExactTableau:
        """The tableau after ``entering`` replaces the variable basic in ``row``."""
        rows, d = self.rows, self.d
        pr = rows[row]
        p = pr[entering]
        new = [pr if i == row else [(p * u - r[entering] * v) // d for u, v in zip(r, pr)]
               for i, r in enumerate(rows)]
        basis = list(self.basis)
        basis[row] = entering
        return ExactTableau(basis, new, p)

    def values(self) -> list[Fraction]:
        """The basic variables' values (the last column over ``d``)."""
        return [Fraction(r[-1], self.d) for r in self.rows]


@dataclass(frozen=True)
class Vertex:
    """A vertex of a best-response polytope: one basis of it, the variables
    that are 0 there (its labels), and the mixed strategy ``z / 1^T z`` in
    floats and, where computed, exactly."""

    basis: tuple[int, ...]
    zero: np.ndarray               # bool (s + t,)
    strategy: np.ndarray           # float (s,)
    exact: tuple[Fraction, ...] | None

    @property
    def is_origin(self) -> bool:
        return not self.strategy.any()


class BestResponsePolytope:
    """``{z >= 0 : C z <= 1}`` for the payoffs ``P`` (``s x t``: this player's
    strategies as rows, the *opponent's* payoffs) given twice: ``normalised``,
    floats in ``[1, 2]``, and ``integers``, exact and positive, proportional
    to the exact normalised payoffs; ``input_error`` bounds ``|normalised -
    exact normalised|`` entrywise."""

    def __init__(self, normalised: np.ndarray, integers: list[list[int]], input_error: float = INPUT_ERROR):
        self.s, self.t = s, t = normalised.shape
        self.input_error = input_error
        self.N = np.hstack([normalised.T, np.eye(t), np.ones((t, 1))])
        self.N_int = [[integers[i][j] for i in range(s)] + [int(k == j) for k in range(t)] + [1] for j in range(t)]
        self.lex = [s + t] + list(range(s, s + t))                   # ratio-test keys: rhs, then B^{-1}
        self.start = tuple(range(s, s + t))                          # the slack basis: z = 0

    # -- one basis, exactly -------------------------------------------------------
    def exact(self, basis: tuple[int, ...]) -> ExactTableau:
        return ExactTableau.of_basis(self.N_int, list(basis))

    def exact_step(self, tab: ExactTableau, entering: int) -> tuple[int, ExactTableau]:
        """Lex pivot of ``entering`` into ``tab``: the leaving variable and the new tableau."""
        row = tab.leaving_row(entering, self.lex)
        if row is None:
            raise GameError("internal error: an unbounded edge in a bounded best-response polytope")
        return tab.basis[row], tab.pivot(row, entering)

    def exact_vertex(self, tab: ExactTableau) -> Vertex:
        return self._vertex(tab.basis, [r[-1] for r in tab.rows], tab.d)

    def exact_point(self, basis: tuple[int, ...]) -> Vertex:
        """The vertex of ``basis`` in rationals (one solve ``B z_B = 1``, no full tableau)."""
        solved = fraction_free_inverse([[row[j] for j in basis] for row in self.N_int], [[1]] * self.t)
        if solved is None:
            raise GameError(f"internal error: basis {basis} of a best-response polytope is singular")
        d, rhs = solved
        return self._vertex(basis, [r[0] for r in rhs], d)

    def _vertex(self, basis: Sequence[int], rhs: list[int], d: int) -> Vertex:
        s, t = self.s, self.t
        zero = np.ones(s + t, dtype=bool)
        z = [Fraction(0)] * s
        for var, r in zip(basis, rhs):
            zero[var] = r == 0
            if var < s:
                z[var] = Fraction(r, d)
        total = sum(z)
        exact = tuple(v / total for v in z) if total else tuple(z)
        return Vertex(tuple(basis), zero, np.array([float(v) for v in exact]), exact)

    # -- many bases, in floats with error bounds ---------------------------------------
    def float_tableaux(self, bases: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(T~, eps)`` for bases ``(F, t)``: tableaux ``(F, t, s + t + 1)`` with
        ``|T - T~| <= eps[f]`` entrywise for the exact tableaux (``inf`` where unproven)."""
        Bm = np.ascontiguousarray(self.N[:, bases].transpose(1, 0, 2))
        X, beta = inverse_bound(Bm, self.input_error)
        N = np.broadcast_to(self.N, (len(bases),) + self.N.shape)
        with np.errstate(invalid="ignore", over="ignore"):
            T = X @ self.N
            eps = beta * residual_bound(Bm, T, N, self.input_error, self.input_error)
        return T, np.where(np.isfinite(eps), eps, np.inf)

    def float_steps(self, T: np.ndarray, eps: np.ndarray, nonbasic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Leaving rows ``(F, V)`` of the lex ratio test for every entering
        variable, and whether each is proven (``V = s + t``): the row whose
        ratio ``rhs / T[r, e]`` is, with its error interval, strictly below every
        other row's. Near-ties (degenerate pivots) are left unproven."""
        V = self.s + self.t
        col, rhs = T[:, :, :V], T[:, :, V:]
        e = eps[:, None, None]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pos = col > e
            hi = np.where(pos, (rhs + e) / (col - e), np.inf)
            lo = np.where(pos, (rhs - e) / (col + e), np.inf)
            ambiguous = ~pos & (col >= -e)
            lo = np.where(ambiguous, np.maximum((rhs - e) / (2 * e), 0.0), lo)
        winner = hi.argmin(axis=1)                                   # (F, V)
        hi_w = np.take_along_axis(hi, winner[:, None, :], axis=1)[:, 0]
        np.put_along_axis(lo, winner[:, None, :], np.inf, axis=1)
        proven = np.isfinite(hi_w) & (hi_w < lo.min(axis=1)) & np.isfinite(eps)[:, None]
        return winner, proven | ~nonbasic

    # -- the vertex walk --------------------------------------------------------------
    def vertices(self, exact: bool = False) -> list[Vertex]:
        """Every vertex of the polytope (the origin included), each once."""
        walk = self._exact_walk() if exact else self._verified_walk()
        out: list[Vertex] = []
        seen_points: set[tuple[Fraction, ...]] = set()
        for v in walk:
            if v.exact is not None:          # a degenerate vertex may have several bases
                key = v.exact + tuple(np.flatnonzero(v.zero).tolist())
                if key in seen_points:
                    continue
                seen_points.add(key)
            out.append(v)
        return out

    def _exact_walk(self) -> Iterator[Vertex]:
        start = self.exact(self.start)
        seen = {frozenset(self.start)}
        queue = [start]
        while queue:
            tab = queue.pop()
            yield self.exact_vertex(tab)
            basic = set(tab.basis)
            for e in range(self.s + self.t):
                if e in basic:
                    continue
                row = tab.leaving_row(e, self.lex)
                key = frozenset(basic - {tab.basis[row]} | {e})
                if key not in seen:
                    seen.add(key)
                    queue.append(tab.pivot(row, e))
            self._check(len(seen))

    def _verified_walk(self) -> Iterator[Vertex]:
        s, t = self.s, self.t
        V = s + t
        seen = {frozenset(self.start)}
        frontier = [self.start]
        while frontier:
            bases = np.array(frontier, dtype=np.intp)
            frontier = []
            T, eps = self.float_tableaux(bases)
            nonbasic = np.ones((len(bases), V), dtype=bool)
            np.put_along_axis(nonbasic, bases, False, axis=1)
            rows, proven = self.float_steps(T, eps, nonbasic)
            values_ok = (T[:, :, V] > eps[:, None]).all(axis=1)
            for f, basis in enumerate(bases.tolist()):
                if values_ok[f] and proven[f].all():
                    zero = nonbasic[f].copy()
                    z = np.zeros(s)
                    for var, val in zip(basis, T[f, :, V]):
                        if var < s:
                            z[var] = val
                    yield Vertex(tuple(basis), zero, z / z.sum() if z.any() else z, None)
                    steps = [(e, basis[rows[f, e]]) for e in np.flatnonzero(nonbasic[f]).tolist()]
                else:
                    tab = self.exact(tuple(basis))
                    yield self.exact_vertex(tab)
                    steps = [(e, basis[tab.leaving_row(e, self.lex)])
                             for e in np.flatnonzero(nonbasic[f]).tolist()]
                members = set(basis)
                for e, leaving in steps:
                    key = frozenset(members - {leaving} | {e})
                    if key not in seen:
                        seen.add(key)
                        frontier.append(tuple(e if v == leaving else v for v in basis))
            self._check(len(seen))

    @staticmethod
    def _check(count: int) -> None:
        if count > MAX_BASES:
            raise GameError(f"vertex enumeration stopped after {MAX_BASES} bases of one best-response polytope; "
                            "the game is too large (or too degenerate) to enumerate: use 'lemke-howson' for some "
                            "equilibria or 'lp' for a zero-sum game")
