"""All equilibria of a bimatrix game, exactly: vertex enumeration, support
enumeration and the degeneracy test.

- :class:`VertexEnumeration` (``"vertex-enumeration"``): every extreme
  equilibrium of any game, degenerate or not (Gambit's ``enummixed``).
- :class:`SupportEnumeration` (``"support-enumeration"``): every equilibrium
  of a non-degenerate game; refuses degenerate games with
  :class:`~gamesolve.errors.DegenerateGameError`.
- :func:`degeneracy_witness`: a strategy with more pure best responses than
  its support size, or ``None``.

Every equilibrium returned is certified: an exact rational equilibrium of
the game as given, with exact regret 0. Float computations carry rigorous
error bounds (:mod:`gamesolve.verified`), and whatever they cannot decide is
decided in rational arithmetic.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction
from math import comb

import numpy as np

from ..errors import DegenerateGameError
from ..exact import Equilibrium, fraction_free_inverse
from ..finite import MatrixGame
from ..protocol import Solution
from ..verified import gamma, inverse_bound, residual_bound
from .oneshot import OneShot, equilibrium_solution, normalised
from .polytope import BestResponsePolytope, Vertices
from .registry import register_solver

__all__ = ["VertexEnumeration", "SupportEnumeration", "degeneracy_witness", "best_response_polytopes"]

_BATCH = 40_000    # linear systems solved per numpy call (bounds memory)


def best_response_polytopes(game: MatrixGame) -> tuple[BestResponsePolytope, BestResponsePolytope]:
    """``(P, Q)``: the row player's polytope ``{x >= 0 : B^T x <= 1}`` and the
    column player's ``{y >= 0 : A y <= 1}`` (payoffs normalised to ``[1, 2]``).
    Variables of ``P``: rows ``0..m-1``, then columns' slacks; of ``Q``:
    columns ``0..n-1``, then rows' slacks."""
    norm = normalised(game)
    return (BestResponsePolytope(norm.B, norm.B_int, norm.error),
            BestResponsePolytope(norm.A.T, [list(c) for c in zip(*norm.A_int)], norm.error))


def _exact_strategy(polytope: BestResponsePolytope, vertices: Vertices, k: int) -> list[Fraction]:
    exact = vertices.exact[k]
    return list(exact if exact is not None else polytope.exact_point(tuple(vertices.bases[k].tolist())).exact)


def _ordered(equilibria: list[Equilibrium]) -> list[Equilibrium]:
    return sorted(equilibria, key=lambda e: tuple(-v for v in e.exact[0]) + tuple(-v for v in e.exact[1]))


class VertexEnumeration(OneShot):
    """All extreme Nash equilibria of any bimatrix game, degenerate or not
    (Mangasarian 1964; Avis, Rosenberg, Savani & von Stengel 2010), as
    Gambit's ``enummixed`` lists them, each certified exact.

    With payoffs mapped to be positive, the best-response polytopes are
    ``P = {x >= 0 : B^T x <= 1}`` and ``Q = {y >= 0 : A y <= 1}``; a vertex pair
    ``(x, y) != (0, 0)`` is *completely labelled* when every pure strategy is a
    label of one of them (``x_i = 0`` or ``(A y)_i = 1`` for every row ``i``,
    ``y_j = 0`` or ``(B^T x)_j = 1`` for every column ``j``), and then
    ``(x / 1^T x, y / 1^T y)`` is an extreme equilibrium. The vertices are
    found by lexicographic pivoting (:mod:`gamesolve.solvers.polytope`),
    every decision exact. Degenerate games have continua of equilibria;
    their extreme points are listed.
    """

    name = "vertex-enumeration"
    certifies = True

    def run(self) -> Solution:
        equilibria = self.enumerate()
        degenerate = "" if len(equilibria) % 2 else " (an even number: the game is degenerate)"
        arithmetic = "rational" if self.exact else "verified float"
        return equilibrium_solution(self.game, equilibria, solver=self.name,
                                  reason=f"certified: {len(equilibria)} extreme equilibria{degenerate}, "
                                         f"{arithmetic} pivoting")

    def enumerate(self) -> list[Equilibrium]:
        """The extreme equilibria, certified and in a fixed order."""
        equilibria = self._enumerate(self.exact)
        if not all(e.certified for e in equilibria) and not self.exact:   # cannot happen if the bounds hold
            equilibria = self._enumerate(True)
        return equilibria

    def _enumerate(self, exact: bool) -> list[Equilibrium]:
        m, n = self.game.shape
        P, Q = best_response_polytopes(self.game)
        X, Y = P.vertices(exact), Q.vertices(exact)
        # labels in the game's numbering (rows 0..m-1, columns m..m+n-1); Q lists columns first
        Lx, Ly = X.zero, np.roll(Y.zero, m, axis=1)
        missing = (~Lx).astype(np.int64) @ (~Ly).astype(np.int64).T
        missing[X.strategy.sum(axis=1) == 0] = 1          # the artificial equilibrium (0, 0)
        out = [Equilibrium.from_exact(self.game, _exact_strategy(P, X, a), _exact_strategy(Q, Y, b))
               for a, b in np.argwhere(missing == 0)]
        return _ordered(out)


def degeneracy_witness(game: MatrixGame) -> tuple[int, np.ndarray, np.ndarray] | None:
    """A proof that ``game`` is degenerate, or ``None`` if it is non-degenerate.

    A bimatrix game is non-degenerate when no mixed strategy with support of
    size ``k`` has more than ``k`` pure best responses (von Stengel 2007,
    Def. 3.2); equivalently, no vertex of a best-response polytope has more
    labels than the polytope's dimension. The vertices are enumerated exactly
    (:mod:`gamesolve.solvers.polytope`), so the answer is exact. Returns
    ``(player, strategy, best_responses)`` for the first vertex with too many
    labels (``strategy`` exact, as floats).
    """
    for player, polytope in enumerate(best_response_polytopes(game)):
        for v in polytope.vertices(game.exact_given):
            if v.zero.sum() > polytope.s and not v.is_origin:
                exact = v if v.exact is not None else polytope.exact_point(v.basis)
                return player, exact.strategy, np.flatnonzero(exact.zero[polytope.s:])
    return None


def _combinations(n: int, k: int) -> np.ndarray:
    """All ``k``-subsets of ``range(n)`` as rows of an int array, lexicographic."""
    return np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(n), k)), dtype=np.intp,
                       count=comb(n, k) * k).reshape(-1, k)


def _pairs(first: np.ndarray, second: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Chunks ``(I, J)`` of the Cartesian product of the rows of ``first`` and ``second``."""
    per = max(1, _BATCH // max(1, len(second)))
    for start in range(0, len(first), per):
        block = first[start:start + per]
        yield np.repeat(block, len(second), axis=0), np.tile(second, (len(block), 1))


def _indifference(P: np.ndarray, own: np.ndarray, opp: np.ndarray) -> np.ndarray:
    """For each row pair of ``own`` and ``opp`` (both of size ``k``), the matrix
    ``(N, k + 1, k + 1)`` of the system in ``(s_own, v)``

        sum_{i in own} s_i P[i, j] = v  (j in opp),     sum_{i in own} s_i = 1,

    whose right-hand side is the last unit vector."""
    N, k = own.shape
    M = np.empty((N, k + 1, k + 1))
    M[:, :k, :k] = P[own[:, None, :], opp[:, :, None]]   # row j, column i: P[i, j]
    M[:, :k, k] = -1.0
    M[:, k, :k] = 1.0
    M[:, k, k] = 0.0
    return M


def _verified_side(P: np.ndarray, own: np.ndarray, opp: np.ndarray, error: float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Solve one player's indifference systems in floats and decide each
    support pair: ``(s, v, accept, decided)``. ``s`` are the strategies
    (``(N, size)``), ``v`` the values; ``accept`` holds where ``s_own > 0``
    and no strategy outside ``opp`` beats ``v``, proven with error bounds;
    ``decided`` is False where a sign did not clear its bound."""
    N, k = own.shape
    M = _indifference(P, own, opp)
    X, beta = inverse_bound(M, error)
    sol = X[:, :, k:]                                            # M^{-1} e_last
    rhs = np.zeros((N, k + 1, 1))
    rhs[:, k] = 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        err = beta * residual_bound(M, sol, rhs, error, 0.0)     # |s - s~|, |v - v~| <= err
        s_own, v = sol[:, :k, 0], sol[:, k, 0]
        strat = np.zeros((N, P.shape[0]))
        np.put_along_axis(strat, own, s_own, axis=1)
        payoff = strat @ P                                       # (N, t): each opponent strategy's payoff
        # |payoff_j - exact| <= err ||P_j||_1 + rounding + input error, and v within err
        slack_err = (err * (1 + np.abs(P).sum(axis=0).max()) + gamma(k + 1) * (np.abs(strat) @ np.abs(P)).max(axis=1)
                     + error * np.abs(strat).sum(axis=1))
        slack = v[:, None] - payoff
        outside = np.ones(slack.shape, dtype=bool)
        np.put_along_axis(outside, opp, False, axis=1)
        e, se = err[:, None], slack_err[:, None]
        positive = (s_own > e).all(axis=1)
        negative = (s_own < -e).any(axis=1)
        beaten = (outside & (slack < -se)).any(axis=1)
        clear = (~outside | (slack > se)).all(axis=1)
    finite = np.isfinite(err)
    accept = finite & positive & clear
    reject = finite & (negative | beaten)
    return strat, v, accept, accept | reject


def _exact_side(P_int: list[list[int]], own: np.ndarray, opp: np.ndarray) -> list[Fraction] | None:
    """The exact version of one side: the strategy on ``own`` making ``opp``
    indifferent, if it is non-negative and no other strategy of the opponent
    does better; else ``None``."""
    k = len(own)
    M = [[P_int[i][j] for i in own] + [-1] for j in opp] + [[1] * k + [0]]
    solved = fraction_free_inverse(M, [[0]] * k + [[1]])
    if solved is None:
        return None
    d, sol = solved
    s = [sol[r][0] for r in range(k)]
    if min(s) < 0:
        return None
    v = sol[k][0]
    t = len(P_int[0])
    if any(sum(P_int[i][j] * q for i, q in zip(own, s)) > v for j in range(t)):
        return None
    out = [Fraction(0)] * len(P_int)
    for i, q in zip(own, s):
        out[i] = Fraction(q, d)
    return out


class SupportEnumeration(OneShot):
    """All Nash equilibria of a non-degenerate bimatrix game (Dickhaut &
    Kaplan 1991; von Stengel 2007, Alg. 3.4), each certified exact.

    In a non-degenerate game every equilibrium has supports ``I``, ``J`` of
    equal size ``k``, and is the unique solution of the indifference systems

        sum_{j in J} A_ij y_j = u (i in I), sum y_j = 1;     sum_{i in I} x_i B_ij = v (j in J), sum x_i = 1

    with ``x, y >= 0`` and no better reply outside: ``A y <= u``, ``B^T x <= v``.
    All ``C(m, k) C(n, k)`` systems of one size are solved in one batched
    float call with error bounds; the pairs whose signs the bounds cannot
    decide are solved again in rationals. The game is first tested for
    degeneracy (:func:`degeneracy_witness`); a degenerate game raises
    :class:`DegenerateGameError`, whose ``witness`` holds the offending
    strategy, instead of an incomplete list.
    """

    name = "support-enumeration"
    certifies = True

    def run(self) -> Solution:
        game = self.game
        witness = degeneracy_witness(game)
        if witness is not None:
            player, strategy, responses = witness
            who, other = ("row", "column") if player == 0 else ("column", "row")
            err = DegenerateGameError(
                f"support-enumeration needs a non-degenerate game, and {game.name} is degenerate: the {who} "
                f"player's strategy {np.array2string(strategy, precision=4)} (support size "
                f"{int((strategy > 0).sum())}) has {len(responses)} pure best responses of the {other} player "
                f"({', '.join(map(str, responses))}); use 'vertex-enumeration' (all extreme equilibria of any "
                "game) or 'lemke-howson'")
            err.witness = witness  # type: ignore[attr-defined]
            raise err
        equilibria = self.enumerate()
        return equilibrium_solution(game, equilibria, solver=self.name,
                                  reason=f"certified: {len(equilibria)} equilibria of a non-degenerate game")

    def enumerate(self) -> list[Equilibrium]:
        """The equilibria on supports of equal size, without the degeneracy test."""
        norm = normalised(self.game)
        m, n = self.game.shape
        At = [list(c) for c in zip(*norm.A_int)]
        found: list[Equilibrium] = []
        for k in range(1, min(m, n) + 1):
            for I, J in _pairs(_combinations(m, k), _combinations(n, k)):
                if self.exact:
                    decided = np.zeros(len(I), dtype=bool)
                    accept = decided
                else:
                    _, _, ok_x, dec_x = _verified_side(norm.B, I, J, norm.error)    # x on I: columns J indifferent
                    _, _, ok_y, dec_y = _verified_side(norm.A.T, J, I, norm.error)  # y on J: rows I indifferent
                    accept = ok_x & ok_y
                    decided = (dec_x & dec_y) | (dec_x & ~ok_x) | (dec_y & ~ok_y)
                for idx in np.flatnonzero(accept | ~decided):
                    xq = _exact_side(norm.B_int, I[idx], J[idx])
                    yq = _exact_side(At, J[idx], I[idx]) if xq is not None else None
                    if yq is not None:
                        found.append(Equilibrium.from_exact(self.game, xq, yq))
                    elif accept[idx]:   # a proven pair the rationals refute: the bounds failed
                        raise AssertionError(f"internal error: support pair {I[idx]}, {J[idx]} proven in floats, "
                                             "refuted in rationals")
        return _ordered(found)


register_solver("support-enumeration", SupportEnumeration, family="finite",
                summary="all equilibria of a non-degenerate bimatrix game, certified (refuses degenerate ones)")
register_solver("vertex-enumeration", VertexEnumeration, family="finite",
                summary="all extreme equilibria, degenerate games included, certified (as Gambit's enummixed)")
