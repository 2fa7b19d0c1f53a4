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


@dataclass(frozen=True)
class Vertices:
    """Every vertex of a polytope, as arrays: ``zero`` ``(K, s + t)`` labels,
    ``strategy`` ``(K, s)`` floats, ``bases`` ``(K, t)`` one basis each, and
    ``exact[k]`` the exact strategy where it was computed (else ``None``)."""

    zero: np.ndarray
    strategy: np.ndarray
    bases: np.ndarray
    exact: list[tuple[Fraction, ...] | None]

    def __len__(self) -> int:
        return len(self.bases)

    def __getitem__(self, k: int) -> Vertex:
        return Vertex(tuple(self.bases[k].tolist()), self.zero[k], self.strategy[k], self.exact[k])

    def __iter__(self) -> Iterator[Vertex]:
        return (self[k] for k in range(len(self)))


class _Level:
    """Vertices found on one level of the walk, gathered as arrays."""

    def __init__(self) -> None:
        self.zero: list[np.ndarray] = []
        self.strategy: list[np.ndarray] = []
        self.bases: list[np.ndarray] = []
        self.exact: list[tuple[Fraction, ...] | None] = []

    def add(self, zero: np.ndarray, strategy: np.ndarray, bases: np.ndarray) -> None:
        self.zero.append(zero)
        self.strategy.append(strategy)
        self.bases.append(bases)
        self.exact += [None] * len(bases)

    def add_exact(self, v: Vertex) -> None:
        self.zero.append(v.zero[None])
        self.strategy.append(v.strategy[None])
        self.bases.append(np.array([v.basis], dtype=np.intp))
        self.exact.append(v.exact)

    def vertices(self, s: int, t: int) -> Vertices:
        """Gathered vertices; a degenerate vertex found from several bases is kept once."""
        zero = np.concatenate(self.zero) if self.zero else np.zeros((0, s + t), dtype=bool)
        strategy = np.concatenate(self.strategy) if self.strategy else np.zeros((0, s))
        bases = np.concatenate(self.bases) if self.bases else np.zeros((0, t), dtype=np.intp)
        keep, seen = [], set()
        for k, exact in enumerate(self.exact):
            if exact is not None:
                key = exact + tuple(np.flatnonzero(zero[k]).tolist())
                if key in seen:
                    continue
                seen.add(key)
            keep.append(k)
        return Vertices(zero[keep], strategy[keep], bases[keep], [self.exact[k] for k in keep])


class _BasisSet:
    """Bases as bit masks over the ``V`` variables (``ceil(V / 64)`` words),
    for set operations on whole frontiers at once."""

    def __init__(self, V: int, t: int):
        self.V, self.t, self.words = V, t, (V + 63) // 64
        self.key = np.dtype((np.void, 8 * self.words))
        self.seen: set[bytes] = set()

    def masks(self, bases: np.ndarray) -> np.ndarray:
        out = np.zeros((len(bases), self.words), dtype=np.uint64)
        rows = np.repeat(np.arange(len(bases)), bases.shape[1])
        bits = np.left_shift(np.uint64(1), (bases.ravel() % 64).astype(np.uint64))
        np.bitwise_or.at(out, (rows, bases.ravel() // 64), bits)
        return out

    def swap(self, masks: np.ndarray, leaving: np.ndarray, entering: np.ndarray) -> np.ndarray:
        """The masks with ``leaving`` replaced by ``entering`` (one pair per row)."""
        out = masks.copy()
        rows = np.arange(len(out))
        one = np.uint64(1)
        out[rows, leaving // 64] &= ~np.left_shift(one, (leaving % 64).astype(np.uint64))
        out[rows, entering // 64] |= np.left_shift(one, (entering % 64).astype(np.uint64))
        return out

    def new(self, masks: np.ndarray) -> np.ndarray:
        """The bases among ``masks`` not seen before (each once), as sorted
        variable lists ``(F, t)``; they count as seen from now on."""
        fresh = []
        for k, key in enumerate(np.ascontiguousarray(masks).view(self.key).ravel().tolist()):
            if key not in self.seen:
                self.seen.add(key)
                fresh.append(k)
        chosen = masks[fresh]
        if not len(chosen):
            return np.zeros((0, self.t), dtype=np.intp)
        bits = (chosen[:, :, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
        bits = bits.reshape(len(chosen), -1)[:, :self.V].astype(bool)
        return np.nonzero(bits)[1].reshape(len(chosen), self.t)


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
        return self._vertex(tab.basis, [r[-1] for r in tab.rows])

    def exact_point(self, basis: tuple[int, ...]) -> Vertex:
        """The vertex of ``basis`` in rationals, from the square system of its
        support ``I`` (the basic ``z``) and tight rows ``J`` (the nonbasic
        slacks, ``|J| = |I|``): ``C_JI z_I = 1``; the basic slacks follow."""
        s, t = self.s, self.t
        I = [v for v in basis if v < s]
        J = [j for j in range(t) if s + j not in basis]
        C = self.N_int
        solved = fraction_free_inverse([[C[j][i] for i in I] for j in J], [[1]] * len(I)) if I else (1, [])
        if solved is None:
            raise GameError(f"internal error: basis {basis} of a best-response polytope is singular")
        d, z_I = solved
        z = dict(zip(I, (r[0] for r in z_I)))
        rhs = [z[v] if v < s else d - sum(C[v - s][i] * q for i, q in z.items()) for v in basis]
        return self._vertex(basis, rhs)

    def _vertex(self, basis: Sequence[int], rhs: list[int]) -> Vertex:
        """The vertex whose basic variables are ``rhs / d`` for some ``d > 0``."""
        s, t = self.s, self.t
        zero = np.ones(s + t, dtype=bool)
        z = [0] * s                   # its strategy z / 1^T z does not need d
        for var, r in zip(basis, rhs):
            zero[var] = r == 0
            if var < s:
                z[var] = r
        total = sum(z)
        exact = tuple(Fraction(v, total) if total else Fraction(0) for v in z)
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
    def vertices(self, exact: bool = False) -> Vertices:
        """Every vertex of the polytope (the origin included), each once."""
        return self._exact_walk() if exact else self._verified_walk()

    def _exact_walk(self) -> Vertices:
        found = _Level()
        seen = {frozenset(self.start)}
        queue = [self.exact(self.start)]
        while queue:
            tab = queue.pop()
            found.add_exact(self.exact_vertex(tab))
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
        return found.vertices(self.s, self.t)

    def _verified_walk(self) -> Vertices:
        s, t = self.s, self.t
        V = s + t
        found = _Level()
        known = _BasisSet(V, t)
        bases = known.new(known.masks(np.array([self.start], dtype=np.intp)))
        while len(bases):
            T, eps = self.float_tableaux(bases)
            nonbasic = np.ones((len(bases), V), dtype=bool)
            np.put_along_axis(nonbasic, bases, False, axis=1)
            rows, proven = self.float_steps(T, eps, nonbasic)
            good = (T[:, :, V] > eps[:, None]).all(axis=1) & proven.all(axis=1)
            masks = known.masks(bases)
            # proven bases: labels are the nonbasic variables, every pivot is known
            g = np.flatnonzero(good)
            z = np.zeros((len(g), s))
            values, own = T[g, :, V], bases[g] < s
            z[np.nonzero(own)[0], bases[g][own]] = values[own]
            total = z.sum(axis=1, keepdims=True)
            found.add(nonbasic[g], np.divide(z, total, out=np.zeros_like(z), where=total > 0), bases[g])
            f, e = np.nonzero(nonbasic[g])
            leaving = bases[g[f], rows[g[f], e]]
            successors = [known.swap(masks[g[f]], leaving, e)]
            # the others: labels and pivots in rationals
            for k in np.flatnonzero(~good).tolist():
                basis = tuple(bases[k].tolist())
                tab = self.exact(basis)
                found.add_exact(self.exact_vertex(tab))
                entering = np.flatnonzero(nonbasic[k])
                out = np.array([basis[tab.leaving_row(int(v), self.lex)] for v in entering], dtype=np.intp)
                successors.append(known.swap(np.repeat(masks[k:k + 1], len(entering), axis=0), out, entering))
            bases = known.new(np.concatenate(successors))
            self._check(len(known.seen))
        return found.vertices(s, t)

    @staticmethod
    def _check(count: int) -> None:
        if count > MAX_BASES:
            raise GameError(f"vertex enumeration stopped after {MAX_BASES} bases of one best-response polytope; "
                            "the game is too large (or too degenerate) to enumerate: use 'lemke-howson' for some "
                            "equilibria or 'lp' for a zero-sum game")
