"""What the one-shot finite-game solvers share: the capability check and
parameters, the payoffs normalised twice (floats with an error bound, exact
integers), and the :class:`~gamesolve.protocol.Solution` they return.

One-shot solvers: ``run()`` returns a Solution whose ``equilibria`` lists
every equilibrium found as :class:`~gamesolve.exact.Equilibrium` pairs
(each with its exact form and exact regret), ``value`` is the row player's
payoff in a zero-sum game and ``extras["payoffs"]`` both players' payoffs at
each equilibrium; ``gs.solve`` turns it into a Result.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..errors import GameError, InvalidParameterError
from ..exact import Equilibrium
from ..finite import MatrixGame
from ..protocol import Solution, Solver, check_capabilities
from ..verified import UNIT_ROUNDOFF

__all__ = ["OneShot", "Normalised", "normalised", "centred", "equilibrium_solution"]


def centred(M: np.ndarray) -> np.ndarray:
    """``(M - min M) / (max M - min M) - 1/2``, entries in ``[-1/2, 1/2]``: a
    positive affine map of the payoffs, which changes no equilibrium, so that
    tolerances and error bounds mean the same at every payoff scale."""
    return (M - M.min()) / max(float(np.ptp(M)), np.finfo(float).tiny) - 0.5


def _positive_integers(M: list[list[int]]) -> list[list[int]]:
    """``M - min M + ptp M`` (or all ones for a constant ``M``): exact, positive,
    and proportional to ``(M - min M) / ptp M + 1``."""
    low = min(min(r) for r in M)
    spread = max(max(r) for r in M) - low
    if spread == 0:
        return [[1] * len(r) for r in M]
    return [[v - low + spread for v in r] for r in M]


class Normalised(NamedTuple):
    """Both players' payoffs mapped to ``[1, 2]`` (``(M - min) / ptp + 1``): as
    floats (``A``, ``B``) within ``error`` of the exact map, and exactly as
    positive integers proportional to it (``A_int``, ``B_int``)."""

    A: np.ndarray
    B: np.ndarray
    A_int: list[list[int]]
    B_int: list[list[int]]
    error: float


def normalised(game: MatrixGame) -> Normalised:
    """The game's payoffs normalised to ``[1, 2]``, in floats and exactly. The
    float error bound covers the normalisation's rounding and, for payoffs
    given exactly (Fractions) that floats only approximate, their rounding."""
    A_exact, B_exact = (game.exact_payoffs() if game.exact_given else (game.A, game.B))
    error = 0.0
    for M, M_exact in ((game.A, A_exact), (game.B, B_exact)):
        spread = float(np.ptp(M))
        if spread == 0:    # constant floats normalise to exact ones; exact payoffs they round may not be constant
            constant = len({v for r in M_exact for v in (r.tolist() if isinstance(r, np.ndarray) else r)}) == 1
            error = error if constant else np.inf
            continue
        rounded = float(np.abs(M).max()) / spread if game.exact_given else 0.0   # floats that approximate them
        error = max(error, 8 * UNIT_ROUNDOFF * (1 + rounded))
    A_int, B_int = (_positive_integers(M) for M in game.integer_payoffs()[:2])
    return Normalised(centred(game.A) + 1.5, centred(game.B) + 1.5, A_int, B_int, error)


def equilibrium_solution(game: MatrixGame, equilibria: list[Equilibrium], *, solver: str, reason: str,
                         value: float | None = None, extras: dict[str, Any] | None = None) -> Solution:
    """The :class:`Solution` of a one-shot solver that found ``equilibria``: the
    players' payoffs at each (``extras["payoffs"]``) and, in a zero-sum game,
    the value (the row player's payoff at the first, unless given)."""
    if not equilibria:
        raise GameError(f"{solver}: found no equilibrium of {game.name}; every finite game has one, so this is a "
                        "numerical failure (try 'vertex-enumeration' or 'lp')")
    payoffs = [game.expected_payoffs(x, y) for x, y in equilibria]
    if value is None and game.zero_sum:
        value = float(payoffs[0][0])
    return Solution(reason=reason, equilibria=equilibria, value=value, extras={"payoffs": payoffs, **(extras or {})})


class OneShot(Solver):
    """Capability check, ``tol`` and ``exact``, and the ``run()`` protocol of
    one-shot finite solvers. ``exact=None`` computes in rationals when the
    payoffs were given exactly (ints, Fractions, an ``.nfg`` file) and in
    floats with verified error bounds otherwise; ``True`` / ``False`` force
    one. Both give the same, exact answer: a float decision that does not
    clear its error bound is redone in rationals."""

    requires = frozenset({"payoffs"})
    name = ""
    certifies = False     # whether every equilibrium it returns is certified exact

    def __init__(self, game: MatrixGame, tol: float = 1e-9, exact: bool | None = None):
        check_capabilities(game, self.requires, self.name)
        if not tol > 0:
            raise InvalidParameterError(f"{self.name}: tol must be positive, got {tol!r}")
        if exact not in (None, True, False):
            raise InvalidParameterError(f"{self.name}: exact must be True, False or None, got {exact!r}")
        self.game = game
        self.tol = float(tol)
        self.exact = game.exact_given if exact is None else bool(exact)

    def run(self) -> Solution:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.game.name})"
