"""Exact equilibrium solvers for bimatrix games (:class:`~gamesolve.finite.MatrixGame`).

One-shot solvers: ``run()`` returns a :class:`~gamesolve.solve.Result` whose
``equilibria`` lists every equilibrium found as ``(x, y)`` numpy pairs
(``strategies`` is the first), ``value`` the row player's payoff in a
zero-sum game and whose one-row trajectory holds the largest
``exploitability`` among them, recomputed from the payoffs. The solver leaves
the game's players at the first equilibrium.

- :class:`LinearProgram` (``"lp"``): zero-sum games, one LP solved by HiGHS.
- :class:`SupportEnumeration` (``"support-enumeration"``): all equilibria of
  a non-degenerate game; refuses degenerate games with
  :class:`~gamesolve.errors.DegenerateGameError`.
- :class:`VertexEnumeration` (``"vertex-enumeration"``): all extreme
  equilibria, degenerate games included (Gambit's ``enummixed``).
- :class:`LemkeHowson` (``"lemke-howson"``): one equilibrium per dropped label,
  with the lexicographic rule for degenerate games.
- :class:`CorrelatedEquilibrium` (``"correlated-equilibrium"``,
  ``"coarse-correlated-equilibrium"``): the best (coarse) correlated
  equilibrium for a linear objective, by LP through cvxpy.

The enumeration methods solve all the small linear systems of one support
size at once (batched ``numpy.linalg``), which is what makes them fast.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from math import comb
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.optimize

from ..analysis.metrics import distance_to_equilibrium
from ..analysis.trajectory import Trajectory
from ..errors import DegenerateGameError, GameError, InvalidParameterError
from ..finite import MatrixGame
from .registry import check_capabilities, register_solver

if TYPE_CHECKING:
    from ..solve import Result

__all__ = ["LinearProgram", "SupportEnumeration", "VertexEnumeration", "LemkeHowson", "CorrelatedEquilibrium",
           "degeneracy_witness"]

_BATCH = 40_000    # linear systems solved per numpy call (bounds memory)


# --------------------------------------------------------------------------
# shared pieces
# --------------------------------------------------------------------------


def _centred(M: np.ndarray) -> np.ndarray:
    """``(M - min M) / (max M - min M) - 1/2``, entries in ``[-1/2, 1/2]``: a
    positive affine map of the payoffs, which changes no equilibrium. The
    enumeration methods work on these normalised payoffs, so that their
    tolerances mean the same at every payoff scale; centring keeps the rows of
    the indifference systems far from parallel, so that their determinant
    test (:func:`_singularity`, unchanged by adding a constant to the payoffs)
    flags only truly singular systems."""
    return (M - M.min()) / max(float(np.ptp(M)), np.finfo(float).tiny) - 0.5


def _normalised(game: MatrixGame) -> tuple[np.ndarray, np.ndarray]:
    return _centred(game.A), _centred(game.B)


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


def _indifference(P: np.ndarray, own: np.ndarray, opp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row pair of ``own`` (size k) and ``opp`` (size l), the system

        sum_{i in own} s_i P[i, j] = v  (j in opp),     sum_{i in own} s_i = 1

    in the unknowns ``(s_own, v)``; returns the matrices ``(N, l + 1, k + 1)``
    and the right-hand sides ``(N, l + 1)``."""
    N, k = own.shape
    l = opp.shape[1]
    M = np.empty((N, l + 1, k + 1))
    M[:, :l, :k] = P[own[:, None, :], opp[:, :, None]]   # row j, column i: P[i, j]
    M[:, :l, k] = -1.0
    M[:, l, :k] = 1.0
    M[:, l, k] = 0.0
    b = np.zeros((N, l + 1))
    b[:, l] = 1.0
    return M, b


def _singularity(M: np.ndarray) -> np.ndarray:
    """``|det M| / prod ||row||`` for a stack of square matrices: a scale-free
    measure in ``[0, 1]`` that is 0 exactly for singular matrices (Hadamard's
    inequality); computed in logarithms, so large matrices do not overflow."""
    sign, logdet = np.linalg.slogdet(M)
    with np.errstate(divide="ignore"):
        ratio = np.exp(logdet - np.log(np.linalg.norm(M, axis=-1)).sum(axis=-1))
    return np.where(sign == 0, 0.0, ratio)


def _solve_square(M: np.ndarray, b: np.ndarray, rcond: float = 1e-14) -> tuple[np.ndarray, np.ndarray]:
    """Solve the square systems ``M s = b`` that are not (nearly) singular;
    returns ``(solutions, ok)``, rows of singular systems set to NaN. Callers
    check every solution they keep, so a nearly singular system that slips
    through costs nothing but a rejected candidate."""
    ok = _singularity(M) > rcond
    out = np.full(b.shape, np.nan)
    if ok.any():
        out[ok] = np.linalg.solve(M[ok], b[ok][..., None])[..., 0]
    return out, ok


def _scatter(values: np.ndarray, index: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros((len(values), size))
    np.put_along_axis(out, index, values, axis=1)
    return out


def _distinct(A: np.ndarray, B: np.ndarray, equilibria: list[tuple[np.ndarray, np.ndarray]], tol: float,
              same: float = 1e-8) -> list[tuple[np.ndarray, np.ndarray]]:
    """The pairs that are Nash equilibria of ``(A, B)`` to ``tol``, without
    repeats (max-norm within ``same``), sorted lexicographically."""
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for x, y in equilibria:
        ay, bx = A @ y, x @ B
        if max(ay.max() - x @ ay, bx.max() - bx @ y) > tol:
            continue
        if not any(np.abs(x - a).max() <= same and np.abs(y - b).max() <= same for a, b in out):
            out.append((x, y))
    return sorted(out, key=lambda e: tuple(np.round(np.r_[-e[0], -e[1]], 9)))


def _clean(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, 0.0, None)
    return s / s.sum()


def equilibrium_result(game: MatrixGame, equilibria: list[tuple[np.ndarray, np.ndarray]], *, solver: str,
                       reason: str, value: float | None = None, extras: dict[str, Any] | None = None) -> Result:
    """A :class:`Result` for equilibria found by a one-shot solver: the game's
    players are set to the first; the trajectory's single row holds the
    largest exploitability among them (and the distance to the game's known
    equilibrium, when it has one)."""
    from ..solve import Result   # solve imports the solver registry, which imports this module

    if not equilibria:
        raise GameError(f"{solver}: found no equilibrium of {game.name}; every finite game has one, so this is a "
                        "numerical failure (try 'vertex-enumeration' or 'lp')")
    game.set_strategies([game.players[0].params[0].new_tensor(equilibria[0][0]),
                         game.players[1].params[0].new_tensor(equilibria[0][1])])
    row = {"exploitability": max(game.exploitability(x, y) for x, y in equilibria)}
    if game.equilibrium is not None:
        row["distance"] = distance_to_equilibrium(game)
    trajectory = Trajectory()
    trajectory.append(0, row)
    payoffs = [game.expected_payoffs(x, y) for x, y in equilibria]
    if value is None and game.zero_sum:
        value = float(payoffs[0][0])
    return Result(strategies=equilibria[0], trajectory=trajectory, converged=True, reason=reason, steps=0,
                  solver=solver, game=game.name, equilibria=equilibria, value=value,
                  extras={"payoffs": payoffs, **(extras or {})})


class _OneShot:
    """Capability check and the ``run()`` protocol of one-shot finite solvers."""

    requires = frozenset({"payoffs"})
    name = ""
    exact = False     # whether the equilibria are exact up to rounding (their supports are exact)

    def __init__(self, game: MatrixGame, tol: float = 1e-9):
        check_capabilities(game, self.requires, self.name)
        if not tol > 0:
            raise InvalidParameterError(f"{self.name}: tol must be positive, got {tol!r}")
        self.game = game
        self.tol = float(tol)

    def run(self) -> Result:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.game.name})"


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
        M, b = _indifference(P, own[None], opp[None])
        try:
            s = np.linalg.solve(M[0], b[0])[:-1]
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


class LinearProgram(_OneShot):
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
    """

    requires = frozenset({"payoffs", "zero-sum"})
    name = "lp"

    def __init__(self, game: MatrixGame, tol: float = 1e-10, method: str = "highs-ds"):
        super().__init__(game, tol)
        if self.tol < 1e-10:   # HiGHS ignores feasibility tolerances below this, with a warning
            raise InvalidParameterError(f"{self.name}: tol must be >= 1e-10 (HiGHS's smallest), got {tol!r}")
        if method not in ("highs", "highs-ds", "highs-ipm"):
            raise InvalidParameterError(f"{self.name}: method must be 'highs', 'highs-ds' or 'highs-ipm', "
                                        f"got {method!r}")
        self.method = method

    def run(self) -> Result:
        A = self.game.A
        Ap = _centred(A) + 1.5     # entries in [1, 2]
        m, n = A.shape
        res = scipy.optimize.linprog(-np.ones(n), A_ub=Ap, b_ub=np.ones(m), bounds=(0, None), method=self.method,
                                     options={"presolve": False, "primal_feasibility_tolerance": self.tol,
                                              "dual_feasibility_tolerance": self.tol})
        if res.status != 0:
            raise GameError(f"lp: HiGHS did not solve the game's linear program ({res.message}); "
                            "check the payoffs' scale or try 'vertex-enumeration'")
        w, u = res.x, -res.ineqlin.marginals
        x, y = _polish(self.game, _clean(u), _clean(w))
        return equilibrium_result(self.game, [(x, y)], solver=self.name, value=float(x @ A @ y),
                                  reason=f"optimal (HiGHS, {res.nit} iterations)")


# --------------------------------------------------------------------------
# support enumeration and the degeneracy test
# --------------------------------------------------------------------------




def degeneracy_witness(game: MatrixGame, tol: float = 1e-9) -> tuple[int, np.ndarray, np.ndarray] | None:
    """A proof that ``game`` is degenerate, or ``None`` if it is non-degenerate.

    A bimatrix game is non-degenerate when no mixed strategy with support of
    size ``k`` has more than ``k`` pure best responses (von Stengel 2007,
    Def. 3.2). For every player, support ``I`` (``|I| = k``) and set ``J`` of
    ``k + 1`` opponent strategies, the over-determined system
    ``sum_{i in I} s_i P_ij = v (j in J), sum s_i = 1`` can only be solved
    when its augmented matrix is singular; these few candidates (found by
    batched LU determinants) are solved by least squares, and a solution
    with ``s_I > 0`` against which ``J`` are best responses is a witness.
    Returns ``(player, strategy, best_responses)``; ``tol`` applies to the
    payoffs normalised to ``[1, 2]``.
    """
    A, B = _normalised(game)
    for player in (0, 1):
        P = B if player == 0 else A.T    # the opponent's payoffs, this player's strategies as rows
        s, t = P.shape
        for k in range(1, min(s, t - 1) + 1):
            own, opp = _combinations(s, k), _combinations(t, k + 1)
            for I, J in _pairs(own, opp):
                M, b = _indifference(P, I, J)
                ratio = _singularity(np.concatenate([M, b[..., None]], axis=2))
                for idx in np.flatnonzero(ratio <= 1e-9):
                    strategy = _witness(P, I[idx], J[idx], M[idx], b[idx], tol)
                    if strategy is not None:
                        payoffs = strategy @ P
                        return player, strategy, np.flatnonzero(payoffs >= payoffs.max() - tol)
    return None


def _witness(P: np.ndarray, I: np.ndarray, J: np.ndarray, M: np.ndarray, b: np.ndarray,
             tol: float) -> np.ndarray | None:
    """A strategy with support exactly ``I`` against which all of ``J`` are
    best responses: the least-squares solution of ``M (s_I, v) = b`` when it
    is unique and consistent, else (rank-deficient systems) the solution of an
    LP that maximises the smallest probability on ``I``."""
    s, t = P.shape
    k = len(I)
    sol, _, rank, _ = np.linalg.lstsq(M, b, rcond=None)
    if np.abs(M @ sol - b).max() > tol:
        return None
    if rank == k + 1:
        strat = np.zeros(s)
        strat[I] = sol[:k]
        if sol[:k].min() > tol and (strat @ P).max() <= sol[k] + tol:
            return strat
        return None
    # variables (s_I, v, eps): max eps s.t. s_i >= eps, P_IJ^T s = v, P_I^T s <= v, sum s = 1
    c = np.zeros(k + 2)
    c[-1] = -1.0
    A_eq = np.zeros((len(J) + 1, k + 2))
    A_eq[:len(J), :k] = P[np.ix_(I, J)].T
    A_eq[:len(J), k] = -1.0
    A_eq[-1, :k] = 1.0
    b_eq = np.r_[np.zeros(len(J)), 1.0]
    A_ub = np.zeros((t + k, k + 2))
    A_ub[:t, :k] = P[I].T
    A_ub[:t, k] = -1.0
    A_ub[t:, :k] = -np.eye(k)
    A_ub[t:, k + 1] = 1.0
    res = scipy.optimize.linprog(c, A_ub=A_ub, b_ub=np.zeros(t + k), A_eq=A_eq, b_eq=b_eq,
                                 bounds=[(0, None)] * k + [(None, None), (None, None)], method="highs")
    if res.status == 0 and -res.fun > tol:
        strat = np.zeros(s)
        strat[I] = res.x[:k]
        return strat
    return None


class SupportEnumeration(_OneShot):
    """All Nash equilibria of a non-degenerate bimatrix game (Dickhaut &
    Kaplan 1991; von Stengel 2007, Alg. 3.4).

    In a non-degenerate game every equilibrium has supports ``I``, ``J`` of
    equal size ``k``, and is the unique solution of the indifference systems

        sum_{j in J} A_ij y_j = u (i in I), sum y_j = 1;     sum_{i in I} x_i B_ij = v (j in J), sum x_i = 1

    with ``x, y >= 0`` and no better reply outside: ``A y <= u``, ``B^T x <= v``.
    All ``C(m, k) C(n, k)`` systems of one size are solved in one batched call.
    The game is first tested for degeneracy (:func:`degeneracy_witness`); a
    degenerate game raises :class:`DegenerateGameError`, whose ``witness``
    holds the offending strategy, instead of an incomplete list.
    """

    name = "support-enumeration"
    exact = True

    def run(self) -> Result:
        game, tol = self.game, self.tol
        witness = degeneracy_witness(game, tol)
        if witness is not None:
            player, strategy, responses = witness
            who, other = ("row", "column") if player == 0 else ("column", "row")
            err = DegenerateGameError(
                f"support-enumeration needs a non-degenerate game, and {game.name} is degenerate: the {who} "
                f"player's strategy {np.array2string(strategy, precision=4)} (support size "
                f"{int((strategy > tol).sum())}) has {len(responses)} pure best responses of the {other} player "
                f"({', '.join(map(str, responses))}); use 'vertex-enumeration' (all extreme equilibria of any "
                "game) or 'lemke-howson'")
            err.witness = witness  # type: ignore[attr-defined]
            raise err
        equilibria = self.enumerate()
        return equilibrium_result(game, equilibria, solver=self.name,
                                  reason=f"exact: {len(equilibria)} equilibria of a non-degenerate game")

    def enumerate(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The equilibria on supports of equal size, without the degeneracy test."""
        A, B = _normalised(self.game)
        m, n = A.shape
        tol = self.tol
        found: list[tuple[np.ndarray, np.ndarray]] = []
        for k in range(1, min(m, n) + 1):
            for I, J in _pairs(_combinations(m, k), _combinations(n, k)):
                My, by = _indifference(A.T, J, I)       # y on J makes the rows I indifferent
                Mx, bx = _indifference(B, I, J)         # x on I makes the columns J indifferent
                ys, oky = _solve_square(My, by)
                xs, okx = _solve_square(Mx, bx)
                keep = oky & okx
                keep[keep] &= (ys[keep, :k] >= -tol).all(axis=1) & (xs[keep, :k] >= -tol).all(axis=1)
                if not keep.any():
                    continue
                y = _scatter(ys[keep, :k], J[keep], n)
                x = _scatter(xs[keep, :k], I[keep], m)
                best = ((y @ A.T).max(axis=1) <= ys[keep, k] + tol) & ((x @ B).max(axis=1) <= xs[keep, k] + tol)
                found += [(_clean(a), _clean(b)) for a, b in zip(x[best], y[best])]
        return _distinct(A, B, found, tol)


# --------------------------------------------------------------------------
# vertex enumeration
# --------------------------------------------------------------------------


def _vertices(P: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mixed strategies at the vertices of a best-response polytope, and their labels.

    ``P`` holds the opponent's payoffs with this player's strategies as rows.
    Shifted to be positive, ``P`` defines ``{v >= 0 : P^T v <= 1}``, whose
    vertices ``v != 0`` are, as ``s = v / 1^T v``, the strategies with support
    ``I`` against which a set ``T`` of ``|I|`` opponent strategies are best
    responses and pin ``s`` down: ``sum_{i in I} s_i P_ij = u (j in T)``,
    ``sum s_i = 1``, ``P^T s <= u``. All ``(I, T)`` pairs of one size are
    solved at once. Returns the distinct strategies and their labels:
    ``zero[v, i]`` (``s_i = 0``) and ``best[v, j]`` (``j`` is a best response).
    """
    s, t = P.shape
    found = []
    for k in range(1, min(s, t) + 1):
        for I, T in _pairs(_combinations(s, k), _combinations(t, k)):
            M, b = _indifference(P, I, T)
            sol, ok = _solve_square(M, b)
            ok[ok] &= (sol[ok, :k] >= -tol).all(axis=1)
            if not ok.any():
                continue
            x = _scatter(np.clip(sol[ok, :k], 0.0, None), I[ok], s)
            feasible = (x @ P).max(axis=1) <= sol[ok, k] + tol
            found.append(x[feasible])
    X = np.concatenate(found) if found else np.zeros((0, s))
    if len(X):
        _, first = np.unique(np.round(X, 9), axis=0, return_index=True)
        X = X[np.sort(first)]
    payoffs = X @ P
    return X, X <= tol, payoffs >= payoffs.max(axis=1, keepdims=True) - tol


class VertexEnumeration(_OneShot):
    """All extreme Nash equilibria of any bimatrix game, degenerate or not
    (Mangasarian 1964; Avis, Rosenberg, Savani & von Stengel 2010), as
    Gambit's ``enummixed`` lists them.

    With payoffs shifted to be positive, the best-response polytopes are
    ``P = {x >= 0 : B^T x <= 1}`` and ``Q = {y >= 0 : A y <= 1}``; a vertex pair
    ``(x, y) != (0, 0)`` is *completely labelled* when every pure strategy is a
    label of one of them (``x_i = 0`` or ``(A y)_i = 1`` for every row ``i``,
    ``y_j = 0`` or ``(B^T x)_j = 1`` for every column ``j``), and then
    ``(x / 1^T x, y / 1^T y)`` is an extreme equilibrium. Degenerate games have
    continua of equilibria; their extreme points are listed.
    """

    name = "vertex-enumeration"
    exact = True

    def run(self) -> Result:
        equilibria = self.enumerate()
        degenerate = "" if len(equilibria) % 2 else " (an even number: the game is degenerate)"
        return equilibrium_result(self.game, equilibria, solver=self.name,
                                  reason=f"exact: {len(equilibria)} extreme equilibria{degenerate}")

    def enumerate(self) -> list[tuple[np.ndarray, np.ndarray]]:
        A, B = _normalised(self.game)
        tol = self.tol
        X, x_zero, x_tight = _vertices(B, tol)      # x_tight[:, j]: column j is a best response to x
        Y, y_zero, y_tight = _vertices(A.T, tol)    # y_tight[:, i]: row i is a best response to y
        if not len(X) or not len(Y):
            return []
        x_labels = np.concatenate([x_zero, x_tight], axis=1)     # labels 0..m-1 (rows), m..m+n-1 (columns)
        y_labels = np.concatenate([y_tight, y_zero], axis=1)
        missing = (~x_labels).astype(np.int64) @ (~y_labels).astype(np.int64).T
        pairs = np.argwhere(missing == 0)
        return _distinct(A, B, [(_clean(X[a]), _clean(Y[b])) for a, b in pairs], tol)


# --------------------------------------------------------------------------
# Lemke-Howson
# --------------------------------------------------------------------------


class _Tableau:
    """A simplex tableau ``M z = 1`` of a best-response polytope, with
    columns indexed by label and the lexicographic minimum-ratio test."""

    def __init__(self, M: np.ndarray, basis: list[int], slack_labels: Sequence[int]):
        self.M0 = M.copy()
        self.M = M.copy()
        self.rhs = np.ones(M.shape[0])
        self.basis = list(basis)
        self.slacks = list(slack_labels)    # columns of the starting basis: M[:, slacks] = B^{-1}

    def pivot(self, entering: int, tol: float) -> int:
        """Bring ``entering`` into the basis; return the label that leaves.

        Leaving row: the lexicographic minimum of ``(rhs_r, B^{-1}_r) / M[r, entering]``
        over rows with ``M[r, entering] > 0``, which is unique, so the path
        never cycles even in degenerate games (Shapley 1974; von Stengel 2007).
        """
        col = self.M[:, entering]
        rows = np.flatnonzero(col > tol)
        if rows.size == 0:
            raise GameError("lemke-howson: unbounded pivot column; the payoffs are not shifted positive")
        keys = np.column_stack([self.rhs[rows], self.M[np.ix_(rows, self.slacks)]]) / col[rows, None]
        for k in range(keys.shape[1]):
            best = keys[:, k].min()
            close = np.abs(keys[:, k] - best) <= tol * max(1.0, abs(best))
            rows, keys = rows[close], keys[close]
            if rows.size == 1:
                break
        r = int(rows[0])
        pivot = self.M[r, entering]
        self.M[r] /= pivot
        self.rhs[r] /= pivot
        factor = self.M[:, entering].copy()
        factor[r] = 0.0
        self.M -= np.outer(factor, self.M[r])
        self.rhs -= factor * self.rhs[r]
        leaving, self.basis[r] = self.basis[r], entering
        return leaving

    def point(self) -> np.ndarray:
        """Basic variables by label, recomputed from the original columns
        (one solve with the final basis removes the pivots' rounding)."""
        values = np.zeros(self.M0.shape[1])
        basic = np.linalg.solve(self.M0[:, self.basis], np.ones(self.M0.shape[0]))
        values[self.basis] = basic
        return values


class LemkeHowson(_OneShot):
    """Lemke-Howson complementary pivoting (Lemke & Howson 1964), one
    equilibrium per dropped label, with the lexicographic minimum-ratio test
    so that degenerate games are handled too (von Stengel 2007, §3.7).

    Labels ``0..m-1`` are the row player's pure strategies and ``m..m+n-1``
    the column player's. Starting from the artificial equilibrium ``(0, 0)`` of
    the polytopes ``P = {x >= 0 : B^T x <= 1}``, ``Q = {y >= 0 : A y <= 1}``
    (payoffs shifted positive), label ``k`` is dropped and the duplicate label
    picked up in one polytope is dropped in the other, until ``k`` is picked
    up again. ``label=None`` runs every label and lists the distinct
    equilibria (``result.extras["by_label"]`` maps each label to the index of
    its equilibrium).
    """

    name = "lemke-howson"
    exact = True

    def __init__(self, game: MatrixGame, label: int | None = None, tol: float = 1e-9, max_pivots: int = 100_000):
        super().__init__(game, tol)
        m, n = game.shape
        if label is not None and not (isinstance(label, (int, np.integer)) and 0 <= label < m + n):
            raise InvalidParameterError(f"lemke-howson: label must be an int in 0..{m + n - 1} (rows 0..{m - 1}, "
                                        f"columns {m}..{m + n - 1}), got {label!r}")
        self.labels = list(range(m + n)) if label is None else [int(label)]
        self.max_pivots = int(max_pivots)

    def path(self, label: int) -> tuple[np.ndarray, np.ndarray, int]:
        """The equilibrium reached by dropping ``label``, and the number of pivots."""
        Ap, Bp = (M + 1.5 for M in _normalised(self.game))    # entries in [1, 2]
        m, n = Ap.shape
        # P-tableau: B'^T x + s = 1 (n rows); columns: x_i -> label i, s_j -> label m + j
        P = _Tableau(np.hstack([Bp.T, np.eye(n)]), list(range(m, m + n)), range(m, m + n))
        # Q-tableau: r + A' y = 1 (m rows); columns: r_i -> label i, y_j -> label m + j
        Q = _Tableau(np.hstack([np.eye(m), Ap]), list(range(m)), range(m))
        tableau = P if label < m else Q
        entering = label
        for pivots in range(1, self.max_pivots + 1):
            leaving = tableau.pivot(entering, self.tol)
            if leaving == label:
                x, y = P.point()[:m], Q.point()[m:]
                return _clean(x), _clean(y), pivots
            entering = leaving
            tableau = Q if tableau is P else P
        raise GameError(f"lemke-howson: no equilibrium after {self.max_pivots} pivots from label {label}; "
                        "the payoffs may be badly scaled (try 'vertex-enumeration')")

    def run(self) -> Result:
        equilibria: list[tuple[np.ndarray, np.ndarray]] = []
        by_label: dict[int, int] = {}
        pivots: dict[int, int] = {}
        for label in self.labels:
            x, y, pivots[label] = self.path(label)
            match = next((k for k, (a, b) in enumerate(equilibria)
                          if np.abs(a - x).max() <= 1e-8 and np.abs(b - y).max() <= 1e-8), None)
            if match is None:
                equilibria.append((x, y))
                match = len(equilibria) - 1
            by_label[label] = match
        return equilibrium_result(self.game, equilibria, solver=self.name,
                                  reason=f"exact: {len(equilibria)} equilibria from {len(self.labels)} labels",
                                  extras={"by_label": by_label, "pivots": pivots})


# --------------------------------------------------------------------------
# correlated equilibria
# --------------------------------------------------------------------------


class CorrelatedEquilibrium(_OneShot):
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

    def run(self) -> Result:
        import cvxpy as cp

        from ..solve import Result

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
        x, y = dist.sum(axis=1), dist.sum(axis=0)
        self.game.set_strategies([self.game.players[0].params[0].new_tensor(x),
                                  self.game.players[1].params[0].new_tensor(y)])
        trajectory = Trajectory()
        trajectory.append(0, {"deviation_gain": gain})
        return Result(strategies=(x, y), trajectory=trajectory, converged=True, steps=0, solver=self.name,
                      game=self.game.name, value=float((self.objective * dist).sum()),
                      reason=f"{problem.status} ({problem.solver_stats.solver_name})",
                      extras={"distribution": dist, "objective": self.objective, "deviation_gain": gain})


def _coarse(game: MatrixGame, **params: Any) -> CorrelatedEquilibrium:
    return CorrelatedEquilibrium(game, coarse=True, **params)


_P = frozenset({"payoffs"})
register_solver("lp", LinearProgram, summary="zero-sum value and optimal strategies, one LP (HiGHS)",
                requires=LinearProgram.requires, family="finite")
register_solver("support-enumeration", SupportEnumeration,
                summary="all equilibria of a non-degenerate bimatrix game (refuses degenerate ones)",
                requires=_P, family="finite")
register_solver("vertex-enumeration", VertexEnumeration,
                summary="all extreme equilibria, degenerate games included (as Gambit's enummixed)",
                requires=_P, family="finite")
register_solver("lemke-howson", LemkeHowson, summary="Lemke-Howson, one equilibrium per label, lexicographic rule",
                requires=_P, family="finite")
register_solver("correlated-equilibrium", CorrelatedEquilibrium,
                summary="correlated equilibrium maximising welfare or a given objective (LP, cvxpy)",
                requires=_P, family="finite")
register_solver("coarse-correlated-equilibrium", _coarse,
                summary="coarse correlated equilibrium maximising welfare or a given objective (LP, cvxpy)",
                requires=_P, family="finite")
