"""Exact rational arithmetic for bimatrix games, and certified equilibria.

A float is an exact binary rational, so every game given in floats, integers
or :class:`~fractions.Fraction` s has exact payoffs, and "an exact equilibrium
of the game as given" is well defined. This module holds what the exact
solvers share:

- :func:`integer_matrix`: payoffs as Python ints ``M_int = D * M`` with one
  positive scale ``D`` (a positive scale changes no equilibrium);
- :func:`fraction_free_inverse`: ``det(M)`` and ``det(M) M^{-1} R`` in integers
  by integer-preserving Gauss-Jordan elimination (Bareiss 1968; Edmonds 1967),
  the arithmetic of lrs and Gambit's rational solvers;
- :func:`exact_regrets`: ``max_i (A y)_i - x^T A y`` and ``max_j (B^T x)_j -
  x^T B y`` in rationals;
- :class:`Equilibrium`: an equilibrium ``(x, y)`` in floats that also carries
  its exact rational form and exact regret, and :func:`certify`, which
  recovers the exact equilibrium that a float one approximates.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import lcm
from typing import Any

import numpy as np

__all__ = ["Equilibrium", "integer_matrix", "fraction_free_inverse", "exact_regrets", "certify",
           "exact_equilibrium", "fraction_text"]

CERTIFY_LIMIT = 60    # largest support whose indifference system certify() solves in rationals


def _float_integers(M: np.ndarray) -> tuple[list[list[int]], int]:
    """``(M_int, D)`` with ``M = M_int / D`` exactly, ``D`` a power of two:
    each float is ``mantissa * 2**exponent`` with an integer mantissa."""
    mant, expo = np.frexp(np.asarray(M, dtype=np.float64))
    ints = (mant * 2.0**53).astype(np.int64)          # exact: |mant| < 1 has 53 significant bits
    expo = expo.astype(np.int64) - 53
    nonzero = ints != 0
    low = int(expo[nonzero].min()) if nonzero.any() else 0
    shift = np.where(nonzero, expo - low, 0)
    rows = [[int(v) << int(s) for v, s in zip(vr, sr)] for vr, sr in zip(ints.tolist(), shift.tolist())]
    if low >= 0:
        return [[v << low for v in r] for r in rows], 1
    return rows, 1 << -low


def integer_matrix(M: Any) -> tuple[list[list[int]], int]:
    """``(M_int, D)``: the exact entries of ``M`` as Python ints scaled by one
    positive integer, ``M = M_int / D``. ``M`` is a float array (each entry
    read as the binary rational it is) or rows of ints / Fractions."""
    if isinstance(M, np.ndarray):
        return _float_integers(M)
    rows = [[Fraction(v) for v in r] for r in M]
    D = lcm(*(v.denominator for r in rows for v in r)) if rows and rows[0] else 1
    return [[v.numerator * (D // v.denominator) for v in r] for r in rows], D


def fraction_free_inverse(M: list[list[int]], R: list[list[int]]) -> tuple[int, list[list[int]]] | None:
    """``(d, d * M^{-1} R)`` with ``d = |det M| > 0``, all in integers; ``None``
    when ``M`` is singular.

    Integer-preserving Gauss-Jordan elimination (Edmonds 1967): with pivot
    ``p_k`` at step ``k`` and ``p_0 = 1``, every row ``i != k`` becomes
    ``(p_k row_i - a_ik row_k) / p_{k-1}``, an exact division; after the last
    step the left block is ``det(M) I`` and the right block ``det(M) M^{-1} R``.
    """
    n = len(M)
    rows = [list(a) + list(b) for a, b in zip(M, R)]
    previous = 1
    for k in range(n):
        p = next((i for i in range(k, n) if rows[i][k] != 0), None)
        if p is None:
            return None
        rows[k], rows[p] = rows[p], rows[k]
        pk, rk = rows[k][k], rows[k]
        for i in range(n):
            if i != k:
                a = rows[i][k]
                rows[i] = [(pk * u - a * v) // previous for u, v in zip(rows[i], rk)]
        previous = pk
    d = previous
    out = [r[n:] for r in rows]
    if d < 0:
        d, out = -d, [[-v for v in r] for r in out]
    return d, out


def _common(values: Sequence[Fraction]) -> tuple[list[int], int]:
    """``(numerators, denominator)`` with ``values = numerators / denominator``."""
    values = [v if isinstance(v, Fraction) else Fraction(v) for v in values]
    den = lcm(*(v.denominator for v in values))
    return [v.numerator * (den // v.denominator) for v in values], den


def exact_regrets(A: Sequence[Sequence[int]], B: Sequence[Sequence[int]], x: Sequence[Fraction],
                  y: Sequence[Fraction], scale: int = 1) -> tuple[Fraction, Fraction]:
    """``(max_i (A y)_i - x^T A y, max_j (B^T x)_j - x^T B y)`` exactly, for
    integer payoffs ``A = A_int / scale``, ``B = B_int / scale`` (as
    :func:`integer_matrix` gives them) and rational strategies; computed in
    integers over common denominators."""
    xn, dx = _common(x)
    yn, dy = _common(y)
    xs = [(i, p) for i, p in enumerate(xn) if p]
    ys = [(j, q) for j, q in enumerate(yn) if q]
    ay = [sum(row[j] * q for j, q in ys) for row in A]                     # (A y) * scale * dy
    bx = [sum(B[i][j] * p for i, p in xs) for j in range(len(yn))]         # (B^T x) * scale * dx
    row = Fraction(dx * max(ay) - sum(p * ay[i] for i, p in xs), scale * dx * dy)
    col = Fraction(dy * max(bx) - sum(q * bx[j] for j, q in ys), scale * dx * dy)
    return row, col


def fraction_text(values: Sequence[Fraction]) -> str:
    """``1/3  0  2/3``: rationals as Gambit prints them."""
    return "  ".join(str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
                     for v in values)


class Equilibrium(tuple):
    """An equilibrium ``(x, y)`` of a bimatrix game: a pair of float64 mixed
    strategies (it unpacks as ``x, y = eq``) that also carries

    - ``exact``: ``(xq, yq)``, the equilibrium as lists of Fractions, or ``None``
      when it could not be recovered exactly;
    - ``regret``: the players' largest gain from deviating, exactly (a
      Fraction) at ``exact``, else in floats at ``(x, y)``;
    - ``certified``: ``exact`` is known and its regret is exactly 0, i.e. it
      is an exact Nash equilibrium of the game as given.
    """

    exact: tuple[list[Fraction], list[Fraction]] | None
    regret: Fraction | float

    def __new__(cls, x: np.ndarray, y: np.ndarray, exact: tuple[list[Fraction], list[Fraction]] | None,
                regret: Fraction | float) -> Equilibrium:
        self = super().__new__(cls, (x, y))
        self.exact, self.regret = exact, regret
        return self

    @classmethod
    def from_exact(cls, game: Any, xq: list[Fraction], yq: list[Fraction]) -> Equilibrium:
        """The equilibrium at exact strategies, with their exact regret."""
        A, B, scale = game.integer_payoffs()
        regret = max(exact_regrets(A, B, xq, yq, scale))
        return cls(np.array([float(v) for v in xq]), np.array([float(v) for v in yq]), (xq, yq), regret)

    @property
    def x(self) -> np.ndarray:
        return self[0]

    @property
    def y(self) -> np.ndarray:
        return self[1]

    @property
    def certified(self) -> bool:
        return self.exact is not None and self.regret == 0

    def __reduce__(self) -> tuple[Any, ...]:
        return Equilibrium, (self[0], self[1], self.exact, self.regret)

    def __repr__(self) -> str:
        if self.certified:
            return f"Equilibrium(x=[{fraction_text(self.exact[0])}], y=[{fraction_text(self.exact[1])}], certified)"
        return f"Equilibrium(x={self[0]}, y={self[1]}, regret={float(self.regret):.3g}, approximate)"


def _solve_rational(rows: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """The unique solution of a consistent (possibly over-determined) rational
    system by Gauss-Jordan elimination; ``None`` if inconsistent or under-determined."""
    n = len(rows[0]) if rows else 0
    M = [r[:] + [b] for r, b in zip(rows, rhs)]
    r = 0
    for c in range(n):
        p = next((i for i in range(r, len(M)) if M[i][c] != 0), None)
        if p is None:
            return None
        M[r], M[p] = M[p], M[r]
        inv = 1 / M[r][c]
        M[r] = [v * inv for v in M[r]]
        for i in range(len(M)):
            if i != r and M[i][c] != 0:
                f = M[i][c]
                M[i] = [a - f * b for a, b in zip(M[i], M[r])]
        r += 1
    if any(M[i][n] != 0 for i in range(r, len(M))):
        return None
    return [M[i][n] for i in range(n)]


def _exact_side(P: list[list[Fraction]], support: np.ndarray, responses: np.ndarray,
                size: int) -> list[Fraction] | None:
    """Solve ``sum_{i in support} s_i P[i][j] = v`` for the opponent's best
    responses ``j`` and ``sum s_i = 1`` exactly (``P``: this player's
    strategies as rows, the *opponent's* payoffs)."""
    rows = [[P[i][j] for i in support] + [Fraction(-1)] for j in responses]
    rows.append([Fraction(1)] * len(support) + [Fraction(0)])
    sol = _solve_rational(rows, [Fraction(0)] * len(responses) + [Fraction(1)])
    if sol is None:
        return None
    out = [Fraction(0)] * size
    for i, v in zip(support, sol[:-1]):
        out[i] = v
    return out


def exact_equilibrium(game: Any, strategies: Sequence[Any],
                      tol: float = 1e-7) -> tuple[list[Fraction], list[Fraction]] | None:
    """The exact rational equilibrium that a numerical one approximates, or ``None``.

    With ``I``, ``J`` the supports of ``(x, y)`` and the best responses read
    off to ``tol``, ``x`` solves ``sum_{i in I} x_i B_ij = v`` for the column
    player's best responses ``j`` and ``sum x_i = 1`` (likewise ``y``), in
    rational arithmetic on :meth:`MatrixGame.exact_payoffs`; this pins down
    every extreme equilibrium (a vertex of the best-response polytopes). The
    result is verified to be a Nash equilibrium *exactly*; when the system is
    not determined or the check fails, continued-fraction rounding of the
    floats is tried and verified the same way. Supports larger than
    ``CERTIFY_LIMIT`` are not attempted.
    """
    x, y = game.mixed_strategy(0, strategies[0]), game.mixed_strategy(1, strategies[1])
    I, J = game.support(x, 1e-9), game.support(y, 1e-9)
    if max(len(I), len(J)) > CERTIFY_LIMIT:
        return None
    A, B = game.exact_payoffs()
    A_int, B_int, scale = game.integer_payoffs()
    cols = game.best_responses(1, x, tol)
    rows = game.best_responses(0, y, tol)
    candidates = []
    xq = _exact_side(B, I, cols, len(x))
    yq = _exact_side([list(col) for col in zip(*A)], J, rows, len(y))   # A^T: column strategies as rows
    if xq is not None and yq is not None:
        candidates.append((xq, yq))
    for limit in (10**3, 10**6, 10**9):
        candidates.append(([Fraction(float(v)).limit_denominator(limit) for v in x],
                           [Fraction(float(v)).limit_denominator(limit) for v in y]))
    for xq, yq in candidates:
        if min(xq) >= 0 and min(yq) >= 0 and sum(xq) == 1 and sum(yq) == 1 \
                and exact_regrets(A_int, B_int, xq, yq, scale) == (0, 0):
            return xq, yq
    return None


def certify(game: Any, x: Any, y: Any, tol: float = 1e-7) -> Equilibrium:
    """``(x, y)`` as an :class:`Equilibrium`: certified (exact form, regret 0)
    when :func:`exact_equilibrium` recovers an exact equilibrium near it, else
    the float point with its float regret, marked approximate."""
    found = exact_equilibrium(game, (x, y), tol)
    if found is not None:
        return Equilibrium.from_exact(game, *found)
    xs, ys = game.mixed_strategy(0, x), game.mixed_strategy(1, y)
    return Equilibrium(xs, ys, None, float(game.regrets(xs, ys).max()))
