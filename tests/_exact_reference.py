"""A slow, plainly written exact reference for the extreme equilibria of a bimatrix game.

Support enumeration in ``Fraction`` s over *all* supports, degenerate games included
(von Stengel 2007, §3.5; Avis, Rosenberg, Savani & von Stengel 2010):

- With payoffs shifted to be positive, the row player's best-response polytope is
  ``P = {x >= 0 : B^T x <= 1}`` and the column player's ``Q = {y >= 0 : A y <= 1}``.
- A point ``x != 0`` of ``P`` with support ``I`` is a vertex iff, for some set ``J`` of ``|I|``
  columns with ``B_IJ`` nonsingular, it solves ``(B^T)_JI x_I = 1``. So every support ``I``
  and every such ``J`` is tried, the square system solved exactly, and the point kept when
  ``x_I > 0`` and ``B^T x <= 1``. This is support enumeration with the degenerate cases in:
  a degenerate vertex (more tight columns than its support size) is found from several ``J``.
- The labels of a vertex are the pure strategies it does not use and the opponent's pure
  strategies it makes tight (best responses). A pair ``(x, y)`` of nonzero vertices is an
  extreme equilibrium iff every pure strategy of both players is a label of ``x`` or ``y``.

Nothing here is shared with the library: it exists to check the library.
"""

from __future__ import annotations

import itertools
from fractions import Fraction


def _solve(M: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """The unique solution of the square system ``M z = b``, or ``None`` if ``M`` is singular."""
    n = len(M)
    rows = [list(r) + [v] for r, v in zip(M, b)]
    for c in range(n):
        p = next((r for r in range(c, n) if rows[r][c] != 0), None)
        if p is None:
            return None
        rows[c], rows[p] = rows[p], rows[c]
        for r in range(n):
            if r != c and rows[r][c] != 0:
                f = rows[r][c] / rows[c][c]
                rows[r] = [a - f * e for a, e in zip(rows[r], rows[c])]
    return [rows[r][n] / rows[r][r] for r in range(n)]


def _vertices(C: list[list[Fraction]]) -> dict[tuple[Fraction, ...], tuple[frozenset[int], frozenset[int]]]:
    """Nonzero vertices ``z`` of ``{z >= 0 : C^T z <= 1}`` (``C``: ``s x t``, this player's strategies
    as rows, the opponent's payoffs, all positive), mapped to (unused own strategies, tight opponent
    strategies)."""
    s, t = len(C), len(C[0])
    out = {}
    for k in range(1, min(s, t) + 1):
        for I in itertools.combinations(range(s), k):
            for J in itertools.combinations(range(t), k):
                z_I = _solve([[C[i][j] for i in I] for j in J], [Fraction(1)] * k)
                if z_I is None or min(z_I) <= 0:
                    continue
                z = [Fraction(0)] * s
                for i, v in zip(I, z_I):
                    z[i] = v
                load = [sum(z[i] * C[i][j] for i in I) for j in range(t)]
                if max(load) > 1:
                    continue
                out[tuple(z)] = (frozenset(set(range(s)) - set(I)), frozenset(j for j in range(t) if load[j] == 1))
    return out


def extreme_equilibria(A: list[list[Fraction]], B: list[list[Fraction]]
                       ) -> set[tuple[tuple[Fraction, ...], tuple[Fraction, ...]]]:
    """Every extreme Nash equilibrium ``(x, y)`` of the game with payoffs ``A`` (row) and ``B``
    (column), exact, as tuples of Fractions."""
    m, n = len(A), len(A[0])
    low = min(min(min(r) for r in A), min(min(r) for r in B))
    A = [[Fraction(v) - low + 1 for v in r] for r in A]
    B = [[Fraction(v) - low + 1 for v in r] for r in B]
    X = _vertices(B)                                                # x: rows as rows, B
    Y = _vertices([[A[i][j] for i in range(m)] for j in range(n)])  # y: columns as rows, A^T
    found = set()
    for x, (x_unused, x_tight) in X.items():
        for y, (y_unused, y_tight) in Y.items():
            if x_unused | y_tight == set(range(m)) and y_unused | x_tight == set(range(n)):
                sx, sy = sum(x), sum(y)
                found.add((tuple(v / sx for v in x), tuple(v / sy for v in y)))
    return found
