"""Finite two-player games in normal form (bimatrix games).

A :class:`MatrixGame` holds two payoff matrices, ``A`` for the row player and
``B`` for the column player. Entries are **payoffs, to be maximised**, as in
nashpy and Gambit (not losses). With mixed strategies ``x`` in the simplex
``Delta_m`` and ``y`` in ``Delta_n`` the expected payoffs are

    u_row(x, y) = x^T A y,        u_col(x, y) = x^T B y,

and ``(x, y)`` is a Nash equilibrium when neither player gains by deviating:
``max_i (A y)_i = x^T A y`` and ``max_j (B^T x)_j = x^T B y`` (Nash 1951).

A ``MatrixGame`` is also a differentiable :class:`~gamesolve.core.Game` on two
simplices: player ``"row"`` minimises the loss ``-x^T A y`` and player
``"column"`` the loss ``-x^T B y``, so every gradient solver runs on it. Its
capabilities are ``"gradients"``, ``"payoffs"``, ``"pools"`` and
``"best-responses"`` (index pools with exact best responses, for oracle
methods; see :mod:`gamesolve.pools`), and ``"zero-sum"`` when ``A + B`` is constant.

Many games of one shape, for the batched solvers, are a
:class:`~gamesolve.matrix_batch.MatrixGameBatch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import lcm
from typing import Any, NamedTuple, Union

import numpy as np
import torch
from torch import Tensor

from .core import Evaluation, Game
from .domains import Simplex
from .players import Player
from .exact import integer_matrix
from .errors import DomainError, InvalidParameterError, NonFiniteError, ShapeError

__all__ = ["MatrixGame", "Reduction", "support"]

StrategyLike = Union[int, Sequence[float], np.ndarray, Tensor]
TOL = 1e-9


def _matrix(value: Any, what: str) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value.detach().cpu().numpy()
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ShapeError(f"{what} must be a 2-D array of numbers, got {type(value).__name__}: {err}") from None
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ShapeError(f"{what} must be a non-empty 2-D payoff matrix, got shape {arr.shape}")
    bad = int((~np.isfinite(arr)).sum())
    if bad:
        raise NonFiniteError(f"{what} has {bad} non-finite entries; payoffs must be finite numbers")
    arr.flags.writeable = False
    return arr


def _exact_matrix(value: Any) -> list[list[Fraction]] | None:
    """The entries as Fractions when they are given exactly (ints, Fractions), else None."""
    if isinstance(value, (np.ndarray, Tensor)):
        return None
    try:
        rows = [list(r) for r in value]
    except TypeError:
        return None
    if not all(isinstance(v, (int, Fraction)) and not isinstance(v, bool) for r in rows for v in r):
        return None
    return [[Fraction(v) for v in r] for r in rows]


def support(strategy: StrategyLike, tol: float = TOL) -> np.ndarray:
    """The indices ``{i : s_i > tol}`` of a mixed strategy."""
    s = np.asarray(strategy.detach().cpu() if isinstance(strategy, Tensor) else strategy, dtype=np.float64)
    return np.flatnonzero(s.reshape(-1) > tol)


class Reduction(NamedTuple):
    """A game after eliminating dominated strategies: ``game`` is the reduced
    game, ``rows`` / ``columns`` the kept strategies' indices in the original."""

    game: MatrixGame
    rows: np.ndarray
    columns: np.ndarray
    original_shape: tuple[int, int]

    def lift(self, x: StrategyLike, y: StrategyLike) -> tuple[np.ndarray, np.ndarray]:
        """Strategies of the reduced game as strategies of the original game
        (zero probability on the eliminated strategies)."""
        m, n = self.original_shape
        X, Y = np.zeros(m), np.zeros(n)
        X[self.rows] = self.game.mixed_strategy(0, x)
        Y[self.columns] = self.game.mixed_strategy(1, y)
        return X, Y


class MatrixGame(Game):
    """A bimatrix game ``(A, B)``; ``B`` omitted means zero-sum, ``B = -A``.

    ``A[i, j]`` and ``B[i, j]`` are the *payoffs* (to be maximised) of the row
    and the column player when row ``i`` meets column ``j``. ``x0`` / ``y0``
    are the starting mixed strategies of the differentiable game (uniform by
    default); ``strategy_labels`` names the pure strategies of each player
    (Gambit's labels when read from an ``.nfg`` file), ``player_labels`` the
    players. Strategies given to the methods below are mixed strategies
    (arrays or tensors summing to one) or pure strategies (an ``int`` index).

    The game is *zero-sum* (``game.zero_sum``) when ``A + B`` is constant; a
    constant-sum game has the same equilibria as the zero-sum game ``(A, -A)``.
    """

    def __init__(self, A: Any, B: Any = None, *, name: str | None = None,
                 strategy_labels: Sequence[Sequence[str]] | None = None,
                 player_labels: Sequence[str] = ("Player 1", "Player 2"),
                 x0: StrategyLike | None = None, y0: StrategyLike | None = None,
                 device: torch.device | str | None = None, dtype: torch.dtype = torch.float64):
        a = _matrix(A, "A (the row player's payoffs)")
        if B is None:
            b = -a
            b.flags.writeable = False
            exact_a = _exact_matrix(A)
            exact = None if exact_a is None else (exact_a, [[-v for v in r] for r in exact_a])
        else:
            b = _matrix(B, "B (the column player's payoffs)")
            if b.shape != a.shape:
                raise ShapeError(f"A and B must have the same shape (m rows x n columns), got A {a.shape} "
                                 f"and B {b.shape}")
            exact_a, exact_b = _exact_matrix(A), _exact_matrix(B)
            exact = None if exact_a is None or exact_b is None else (exact_a, exact_b)
        self.A, self.B = a, b
        self._exact = exact
        self._exact_floats: tuple[list[list[Fraction]], list[list[Fraction]]] | None = None
        self._integers: tuple[list[list[int]], list[list[int]], int] | None = None
        m, n = a.shape
        total = a + b
        self.zero_sum = bool(np.ptp(total) <= 1e-12 * max(1.0, float(np.abs(total).max())))
        self.capabilities = frozenset({"gradients", "payoffs", "pools", "best-responses"}
                                      | ({"zero-sum"} if self.zero_sum else set()))
        self.strategy_labels = self._labels(strategy_labels, (m, n))
        if len(player_labels) != 2:
            raise ShapeError(f"player_labels needs two names, got {player_labels!r}")
        self.player_labels = (str(player_labels[0]), str(player_labels[1]))
        x_start = np.full(m, 1.0 / m) if x0 is None else self.mixed_strategy(0, x0)
        y_start = np.full(n, 1.0 / n) if y0 is None else self.mixed_strategy(1, y0)
        super().__init__((Player("row", x_start, Simplex(), device=device, dtype=dtype),
                          Player("column", y_start, Simplex(), device=device, dtype=dtype)),
                         name=name or f"{m}x{n} {'zero-sum' if self.zero_sum else 'bimatrix'} game")
        self._At = torch.as_tensor(np.array(a), dtype=dtype, device=device)   # a writable copy for torch
        self._Bt = torch.as_tensor(np.array(b), dtype=dtype, device=device)

    @staticmethod
    def _labels(labels: Sequence[Sequence[str]] | None, shape: tuple[int, int]) -> tuple[list[str], list[str]]:
        if labels is None:
            return [str(i + 1) for i in range(shape[0])], [str(j + 1) for j in range(shape[1])]
        if len(labels) != 2 or [len(labels[0]), len(labels[1])] != list(shape):
            raise ShapeError(f"strategy_labels needs {shape[0]} row and {shape[1]} column labels, "
                             f"got {[len(s) for s in labels]}")
        return [str(s) for s in labels[0]], [str(s) for s in labels[1]]

    # -- the differentiable game -----------------------------------------
    def losses(self) -> tuple[Tensor, Tensor]:
        """``(-x^T A y, -x^T B y)``: each player minimises its negated expected payoff."""
        x, y = self.players[0].params[0], self.players[1].params[0]
        return -(x @ self._At @ y), -(x @ self._Bt @ y)

    def evaluate(self, players: Sequence[int] = (0, 1), create_graph: bool = False) -> Evaluation:
        """Losses and gradients in closed form: ``grad_x = -A y``, ``grad_y = -B^T x``."""
        if create_graph:
            return super().evaluate(players, create_graph=True)
        with torch.no_grad():
            x, y = self.players[0].params[0], self.players[1].params[0]
            ay, bx = self._At @ y, x @ self._Bt
            losses = (-(x @ ay), -(bx @ y))
            grads = (-ay if 0 in players else None, -bx if 1 in players else None)
        return Evaluation(losses, ([grads[0]] if grads[0] is not None else None,
                                   [grads[1]] if grads[1] is not None else None))

    # -- strategies ------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(m, n)``: the numbers of pure strategies of the row and the column player."""
        return self.A.shape  # type: ignore[return-value]

    @property
    def payoffs(self) -> tuple[np.ndarray, np.ndarray]:
        """``(A, B)``, the payoff matrices (read-only, to be maximised)."""
        return self.A, self.B

    def payoff_matrix(self, player: int) -> np.ndarray:
        """Player ``player``'s payoffs with its own pure strategies as rows:
        ``A`` for the row player (0), ``B^T`` for the column player (1)."""
        return self.A if _player(player) == 0 else self.B.T

    @property
    def exact_given(self) -> bool:
        """Whether the payoffs were given exactly (ints, Fractions, an ``.nfg``
        file's rationals and decimals) rather than as floats."""
        return self._exact is not None

    def exact_payoffs(self) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
        """``(A, B)`` as Fractions: the exact values given (ints, Fractions, an
        ``.nfg`` file's rationals and decimals), else each float's exact value
        (a float is a binary rational)."""
        if self._exact is not None:
            return self._exact
        if self._exact_floats is None:     # the payoffs are read-only, so this is computed once
            self._exact_floats = ([[Fraction(v) for v in r] for r in self.A.tolist()],
                                  [[Fraction(v) for v in r] for r in self.B.tolist()])
        return self._exact_floats

    def integer_payoffs(self) -> tuple[list[list[int]], list[list[int]], int]:
        """``(A_int, B_int, D)``: the exact payoffs as Python ints over one
        positive denominator, ``A = A_int / D``, ``B = B_int / D``."""
        if self._integers is None:
            A, B = self.exact_payoffs() if self._exact is not None else (self.A, self.B)
            (A_int, dA), (B_int, dB) = integer_matrix(A), integer_matrix(B)
            D = lcm(dA, dB)
            self._integers = ([[v * (D // dA) for v in r] for r in A_int], [[v * (D // dB) for v in r] for r in B_int], D)
        return self._integers

    def mixed_strategy(self, player: int, strategy: StrategyLike) -> np.ndarray:
        """``strategy`` as a float64 probability vector of player ``player``: an
        ``int`` is a pure strategy; arrays and tensors must be probability
        vectors (non-negative, summing to one up to 1e-6)."""
        size = self.shape[_player(player)]
        who = "row" if player == 0 else "column"
        if isinstance(strategy, (int, np.integer)) and not isinstance(strategy, bool):
            if not 0 <= int(strategy) < size:
                raise DomainError(f"the {who} player has pure strategies 0..{size - 1}, got {int(strategy)}")
            e = np.zeros(size)
            e[int(strategy)] = 1.0
            return e
        s = np.asarray(strategy.detach().cpu() if isinstance(strategy, Tensor) else strategy, dtype=np.float64)
        if s.shape != (size,):
            raise ShapeError(f"a mixed strategy of the {who} player has shape ({size},), got {s.shape}")
        if not np.isfinite(s).all():
            raise NonFiniteError(f"the {who} player's mixed strategy has non-finite entries: {s}")
        if s.min() < -1e-6 or abs(s.sum() - 1.0) > 1e-6:
            raise DomainError(f"the {who} player's strategy {s} is not a probability vector (entries >= 0 summing "
                              "to 1); project it with gs.Simplex().project or normalise it")
        return s

    def _pair(self, x: StrategyLike, y: StrategyLike) -> tuple[np.ndarray, np.ndarray]:
        return self.mixed_strategy(0, x), self.mixed_strategy(1, y)

    def current_strategies(self) -> tuple[np.ndarray, np.ndarray]:
        """The players' current mixed strategies as numpy arrays."""
        return (self.players[0].params[0].detach().cpu().double().numpy().copy(),
                self.players[1].params[0].detach().cpu().double().numpy().copy())

    def uniform(self) -> tuple[np.ndarray, np.ndarray]:
        """The uniform mixed strategies of both players."""
        m, n = self.shape
        return np.full(m, 1.0 / m), np.full(n, 1.0 / n)

    support = staticmethod(support)

    # -- payoffs and best responses ------------------------------------------
    def expected_payoffs(self, x: StrategyLike, y: StrategyLike) -> np.ndarray:
        """``[x^T A y, x^T B y]``."""
        x, y = self._pair(x, y)
        return np.array([x @ self.A @ y, x @ self.B @ y])

    def pure_payoffs(self, player: int, opponent: StrategyLike) -> np.ndarray:
        """The payoff of each pure strategy of ``player`` against the opponent's
        mixed strategy: ``A y`` for the row player, ``B^T x`` for the column player."""
        opp = self.mixed_strategy(1 - _player(player), opponent)
        return self.payoff_matrix(player) @ opp

    def best_responses(self, player: int, opponent: StrategyLike, tol: float = TOL) -> np.ndarray:
        """All pure best responses of ``player`` to the opponent's strategy:
        ``{i : u_i >= max_k u_k - tol}`` with ``u`` = :meth:`pure_payoffs`."""
        u = self.pure_payoffs(player, opponent)
        return np.flatnonzero(u >= u.max() - tol)

    def best_response(self, player: int, opponent: StrategyLike) -> tuple[int, float]:
        """One pure best response of ``player`` (the lowest index) and its payoff."""
        u = self.pure_payoffs(player, opponent)
        i = int(np.argmax(u))
        return i, float(u[i])

    def regrets(self, x: StrategyLike, y: StrategyLike) -> np.ndarray:
        """What each player gains by its best deviation:
        ``[max_i (A y)_i - x^T A y,  max_j (B^T x)_j - x^T B y]`` (both >= 0)."""
        x, y = self._pair(x, y)
        ay, bx = self.A @ y, self.B.T @ x
        return np.maximum(np.array([ay.max() - x @ ay, bx.max() - bx @ y]), 0.0)

    def nash_conv(self, x: StrategyLike, y: StrategyLike) -> float:
        """``NashConv = sum of the players' regrets`` (Lanctot et al. 2017); in a
        zero-sum game it is the duality gap ``max_i (A y)_i - min_j (x^T A)_j``."""
        return float(self.regrets(x, y).sum())

    def exploitability(self, x: StrategyLike, y: StrategyLike) -> float:
        """``NashConv / 2``, the mean regret; zero exactly at Nash equilibria."""
        return 0.5 * self.nash_conv(x, y)

    def is_nash(self, strategies: Sequence[StrategyLike], tol: float = TOL) -> bool:
        """Whether ``(x, y)`` are probability vectors (to ``tol``) and neither
        player gains more than ``tol`` by deviating."""
        x, y = strategies
        try:
            x, y = self._pair(x, y)
        except DomainError:
            return False
        if min(x.min(), y.min()) < -tol or max(abs(x.sum() - 1), abs(y.sum() - 1)) > tol:
            return False
        return bool(self.regrets(x, y).max() <= tol)

    def pure_equilibria(self) -> list[tuple[int, int]]:
        """Every pure Nash equilibrium ``(i, j)``: ``A[i, j]`` is a maximum of
        column ``j`` of ``A`` and ``B[i, j]`` a maximum of row ``i`` of ``B``."""
        row_best = self.A >= self.A.max(axis=0, keepdims=True)
        col_best = self.B >= self.B.max(axis=1, keepdims=True)
        return [(int(i), int(j)) for i, j in zip(*np.nonzero(row_best & col_best))]

    # -- restricted games --------------------------------------------------------
    def subgame(self, rows: Sequence[int], columns: Sequence[int]) -> MatrixGame:
        """The game restricted to the given pure strategies (in that order)."""
        r, c = np.asarray(rows, dtype=int), np.asarray(columns, dtype=int)
        if r.size == 0 or c.size == 0:
            raise ShapeError("a subgame needs at least one row and one column")
        sub = MatrixGame(self.A[np.ix_(r, c)], None if self.zero_sum and np.array_equal(self.B, -self.A)
                         else self.B[np.ix_(r, c)],
                         strategy_labels=([self.strategy_labels[0][i] for i in r],
                                          [self.strategy_labels[1][j] for j in c]),
                         player_labels=self.player_labels, name=f"{self.name} [{r.size}x{c.size}]",
                         device=self._At.device, dtype=self._At.dtype)
        if self._exact is not None:
            sub._exact = tuple([[M[i][j] for j in c] for i in r] for M in self._exact)  # type: ignore[assignment]
        return sub

    def eliminate_dominated(self, strict: bool = True, mixed: bool = False, tol: float = TOL) -> Reduction:
        """Iterated elimination of dominated pure strategies.

        Strategy ``s`` of a player is *strictly dominated* by a (pure, or with
        ``mixed=True`` mixed) strategy ``sigma`` of the same player when
        ``u(sigma, t) > u(s, t) + tol`` against every remaining opponent
        strategy ``t``; *weakly dominated* (``strict=False``) when
        ``u(sigma, t) >= u(s, t) - tol`` for all ``t`` with a total gain above
        ``tol``. Mixed domination is decided by a linear program (HiGHS).
        One strategy is removed at a time (the lowest index, row player
        first), so weak elimination is deterministic; strict elimination's
        result does not depend on the order.
        """
        rows, cols = list(range(self.shape[0])), list(range(self.shape[1]))
        changed = True
        while changed:
            changed = False
            for player in (0, 1):
                own, other = (rows, cols) if player == 0 else (cols, rows)
                M = self.payoff_matrix(player)
                for k in range(len(own)):
                    if len(own) > 1 and _dominated(M[np.ix_(own, other)], k, strict, mixed, tol):
                        own.pop(k)
                        changed = True
                        break
                if changed:
                    break
        return Reduction(self.subgame(rows, cols), np.asarray(rows), np.asarray(cols), self.shape)

    # -- correlated equilibria -------------------------------------------------------
    def correlated_regrets(self, distribution: Any, coarse: bool = False) -> np.ndarray:
        """The largest gain any player can get from a deviation against a joint
        distribution ``p`` over pure profiles (an ``(m, n)`` array summing to 1).

        Correlated equilibrium (Aumann 1974): for every recommendation ``i``
        and deviation ``i'``, ``sum_j p_ij (A_i'j - A_ij) <= 0`` (likewise for
        the column player). Coarse (Hannan 1957; Moulin & Vial 1978): for every
        fixed deviation ``i'``, ``sum_ij p_ij (A_i'j - A_ij) <= 0``.
        Returns ``[row gain, column gain]``, both >= 0; ``p`` is a (coarse)
        correlated equilibrium exactly when both are 0.
        """
        p = np.asarray(distribution, dtype=np.float64)
        if p.shape != self.shape:
            raise ShapeError(f"a joint distribution over profiles has shape {self.shape}, got {p.shape}")
        if p.min() < -1e-6 or abs(p.sum() - 1) > 1e-6:
            raise DomainError("a joint distribution over profiles must be non-negative and sum to 1")
        gains = []
        for M, P in ((self.A, p), (self.B.T, p.T)):    # own strategies as rows
            if coarse:
                gains.append(float((M @ P.sum(axis=0)).max() - (P * M).sum()))
            else:
                # G[i, i'] = sum_j P[i, j] (M[i', j] - M[i, j])
                G = P @ M.T - (P * M).sum(axis=1, keepdims=True)
                gains.append(float(G.max()))
        return np.maximum(np.array(gains), 0.0)

    def __repr__(self) -> str:
        m, n = self.shape
        return f"MatrixGame({m}x{n}, {'zero-sum' if self.zero_sum else 'general-sum'}, name={self.name!r})"


def _player(player: int) -> int:
    if player not in (0, 1):
        raise InvalidParameterError(f"player must be 0 (row) or 1 (column), got {player!r}")
    return int(player)


def _dominated(M: np.ndarray, k: int, strict: bool, mixed: bool, tol: float) -> bool:
    """Whether row ``k`` of ``M`` (own strategies x opponent strategies) is dominated."""
    others = np.delete(M, k, axis=0)
    diff = others - M[k]
    if strict and (diff > tol).all(axis=1).any():
        return True
    if not strict and ((diff >= -tol).all(axis=1) & (diff.sum(axis=1) > tol)).any():
        return True
    if not mixed or others.shape[0] < 2:
        return False
    import scipy.optimize   # imported where used: it costs start-up time

    r, n = others.shape
    if strict:   # max eps  s.t.  sigma^T others >= M[k] + eps,  sigma in the simplex
        c = np.r_[np.zeros(r), -1.0]
        A_ub = np.c_[-others.T, np.ones(n)]
        res = scipy.optimize.linprog(c, A_ub=A_ub, b_ub=-M[k], A_eq=np.r_[np.ones(r), 0.0][None], b_eq=[1.0],
                                     bounds=[(0, None)] * r + [(None, None)], method="highs")
        return bool(res.status == 0 and -res.fun > tol)
    # weak: max sum_t (sigma^T others - M[k])_t  s.t.  sigma^T others >= M[k] - tol
    res = scipy.optimize.linprog(-others.sum(axis=1), A_ub=-others.T, b_ub=-(M[k] - tol), A_eq=np.ones((1, r)),
                                 b_eq=[1.0], bounds=[(0, None)] * r, method="highs")
    return bool(res.status == 0 and -res.fun - M[k].sum() > tol)
