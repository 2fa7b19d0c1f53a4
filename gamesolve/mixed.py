"""The mixed extension of a two-player game over finite pools of pure strategies.

GANGs (Oliehoek et al. 2017) replace the local equilibrium between two
networks by a *mixed* equilibrium over finite sets of networks. Each player
``p`` keeps a pool of pure strategies ``s_p^1, ..., s_p^{n_p}`` (snapshots of
its strategy tensors, e.g. network weights); the pools define the meta-game,
a bimatrix game with **payoffs** (to be maximised, as in nashpy and Gambit)

    M_p[i, j] = -E[loss_p(s_1^i, s_2^j)],   p = 1, 2,

and a mixed strategy is a distribution over a pool. Expectations are
estimated on *common random numbers*: every pair is evaluated with the base
game's random stream (``game.generator``: latents, data batches) reset to the
same state, so that entries differ only through the strategies. Adding a pure
strategy evaluates one new row or column, never the whole matrix again.

The extension of a :class:`~gamesolve.finite.MatrixGame` has integer pure
strategies (row and column indices) and reads the entries ``A[i, j]``,
``B[i, j]`` it needs, counting them (``evaluations``), so that double oracle
methods report how little of a large game they touch.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Iterator, Sequence
from typing import Any, Union

import numpy as np
import torch
from torch import Tensor

from .core import Game, all_finite
from .errors import InvalidParameterError, NonFiniteError, ShapeError
from .finite import MatrixGame

__all__ = ["MixedExtension"]

Snapshot = list[Tensor]
PureStrategy = Union[Snapshot, int]


class MixedExtension:
    """Pools of pure strategies of a base ``game`` and their meta-game payoffs.

    ``pools`` gives each player's initial pool as a list of snapshots (each a
    list of tensors shaped like the player's ``params``); by default each pool
    holds the player's current strategy. ``payoff_samples`` evaluations
    (consecutive draws from the common random stream) are averaged per entry.
    Snapshots are stored once, on ``device`` (default: where the player
    lives; ``"cpu"`` keeps large pools off an accelerator).

    ``payoffs`` is the pair ``(M_1, M_2)`` of numpy arrays of shape
    ``(n_1, n_2)``; ``evaluations`` counts base-game loss evaluations (for a
    :class:`MatrixGame`: distinct payoff entries read; pools default to the
    first pure strategy of each player).
    """

    capabilities = frozenset({"pools"})

    def __init__(self, game: Game, pools: Sequence[Sequence[Snapshot]] | None = None, *, payoff_samples: int = 1,
                 device: torch.device | str | None = None, seed: int = 0):
        if not isinstance(game, Game):
            raise InvalidParameterError(f"MixedExtension needs a gamesolve Game, got {type(game).__name__}")
        if not isinstance(payoff_samples, int) or payoff_samples < 1:
            raise InvalidParameterError(f"payoff_samples must be a positive integer, got {payoff_samples!r}")
        self.game, self.payoff_samples, self.device = game, payoff_samples, device
        self.name = f"mixed({game.name})"
        self.zero_sum = bool(getattr(game, "zero_sum", False))
        self.matrix = game if isinstance(game, MatrixGame) else None
        self._parent: MixedExtension | None = None
        self._read = None if self.matrix is None else np.zeros(self.matrix.shape, dtype=bool)
        rng = game.generator
        self._crn = None if rng is None else torch.Generator(device=rng.device).manual_seed(seed).get_state()
        self._counter = _Counter()
        if pools is None:
            pools = ([0], [0]) if self.matrix is not None else ([game.players[0].strategy()],
                                                                 [game.players[1].strategy()])
        if len(pools) != 2 or not pools[0] or not pools[1]:
            raise InvalidParameterError("MixedExtension needs one non-empty pool per player")
        rows = [self._snapshot(0, s) for s in pools[0]]
        cols = [self._snapshot(1, s) for s in pools[1]]
        self._M = self._evaluate(rows, cols)
        self.pools = (rows, cols)

    # -- pools -------------------------------------------------------------
    @property
    def evaluations(self) -> int:
        """Base-game loss evaluations, or for a matrix game the distinct entries read."""
        return self._counter.value if self._read is None else int(self._read.sum())

    def _snapshot(self, player: int, strategy: Any) -> PureStrategy:
        if self.matrix is not None:
            n = self.matrix.shape[player]
            if isinstance(strategy, (bool, np.bool_)) or not isinstance(strategy, (int, np.integer)) \
                    or not 0 <= strategy < n:
                raise ShapeError(f"a pure strategy of player {player} of {self.matrix.name} is an index in "
                                 f"[0, {n}), got {strategy!r}")
            return int(strategy)
        params = self.game.players[player].params
        tensors = [strategy] if isinstance(strategy, Tensor) else list(strategy)
        name = self.game.players[player].name
        if len(tensors) != len(params) or any(t.shape != p.shape for t, p in zip(tensors, params)):
            raise ShapeError(
                f"a pure strategy of player {name!r} must be tensors of shapes {[tuple(p.shape) for p in params]}, "
                f"got {[tuple(torch.as_tensor(t).shape) for t in tensors]}")
        if not all_finite([torch.as_tensor(t) for t in tensors]):
            raise NonFiniteError(f"a pure strategy of player {name!r} has NaN or infinite entries")
        return [torch.as_tensor(t).detach().to(device=self.device or p.device, dtype=p.dtype).clone()
                for t, p in zip(tensors, params)]

    def add(self, player: int, strategy: Any) -> int:
        """Add a pure strategy to ``player``'s pool; evaluates only its new row
        (player 0) or column (player 1). Returns its index."""
        if player not in (0, 1):
            raise InvalidParameterError(f"player must be 0 or 1, got {player!r}")
        new = self._snapshot(player, strategy)
        if player == 0:
            self._M = np.concatenate([self._M, self._evaluate([new], self.pools[1])], axis=1)
        else:
            self._M = np.concatenate([self._M, self._evaluate(self.pools[0], [new])], axis=2)
        self.pools[player].append(new)
        return len(self.pools[player]) - 1

    @property
    def _M(self) -> np.ndarray:
        return self._parent._M if self._parent is not None else self._own_M

    @_M.setter
    def _M(self, value: np.ndarray) -> None:
        if self._parent is not None:
            raise InvalidParameterError("add pure strategies through the original extension, not a replica")
        self._own_M = value

    @property
    def pool_sizes(self) -> tuple[int, int]:
        return len(self.pools[0]), len(self.pools[1])

    @property
    def payoffs(self) -> tuple[np.ndarray, np.ndarray]:
        """``(M_1, M_2)``: the meta-game payoff matrices (to be maximised)."""
        return self._M[0].copy(), self._M[1].copy()

    # -- evaluation on common random numbers ----------------------------------
    @contextlib.contextmanager
    def playing(self, strategies: Sequence[PureStrategy | None]) -> Iterator[None]:
        """Temporarily load pure strategies into the base game's players
        (``None`` leaves a player as it is); the game's strategies and random
        stream are restored on exit."""
        saved = self.game.snapshot()
        rng = self.game.generator
        rng_state = None if rng is None else rng.get_state()
        try:
            for player, s in zip(self.game.players, strategies):
                if s is not None:
                    player.load_strategy(s)
            yield
        finally:
            self.game.restore(saved)
            if rng is not None:
                rng.set_state(rng_state)

    def expected_losses(self, strategies: Sequence[Snapshot | None]) -> np.ndarray:
        """Both players' losses at a pair of pure strategies, averaged over
        ``payoff_samples`` draws of the common random numbers."""
        total = np.zeros(2)
        with self.playing(strategies):
            if self._crn is not None:
                self.game.generator.set_state(self._crn)
            for _ in range(self.payoff_samples):
                losses = self.game.losses()
                total += [float(losses[0].detach()), float(losses[1].detach())]
                self._counter.add(1)
        if not np.isfinite(total).all():
            raise NonFiniteError(f"{self.name}: the base game's losses are {total / self.payoff_samples} at a pair "
                                 "of pure strategies; the meta-game needs finite payoffs")
        return total / self.payoff_samples

    def read(self, rows: Sequence[int] | slice, cols: Sequence[int] | slice) -> np.ndarray:
        """``(A[rows, cols], B[rows, cols])`` of a matrix game, counting the entries read."""
        index = np.ix_(rows, cols) if not isinstance(rows, slice) and not isinstance(cols, slice) else (rows, cols)
        self._read[index] = True  # type: ignore[index]
        return np.stack([self.matrix.A[index], self.matrix.B[index]])  # type: ignore[union-attr]

    def _evaluate(self, rows: Sequence[PureStrategy], cols: Sequence[PureStrategy]) -> np.ndarray:
        """Payoffs ``-E[loss]`` of every pair, shape ``(2, len(rows), len(cols))``."""
        if self.matrix is not None:
            return self.read(list(rows), list(cols))  # type: ignore[arg-type]
        out = np.empty((2, len(rows), len(cols)))
        for a, x in enumerate(rows):
            for b, y in enumerate(cols):
                out[:, a, b] = -self.expected_losses((x, y))
        return out

    # -- mixtures ------------------------------------------------------------
    def check_mixture(self, player: int, mixture: Sequence[float] | np.ndarray) -> np.ndarray:
        """``mixture`` as a probability vector over ``player``'s pool, or a clear error."""
        sigma = np.asarray(mixture, dtype=float).reshape(-1)
        n = len(self.pools[player])
        if sigma.shape != (n,):
            raise ShapeError(f"a mixture of player {player} needs {n} weights (its pool size), got {sigma.size}")
        if not np.isfinite(sigma).all() or (sigma < -1e-12).any() or abs(sigma.sum() - 1) > 1e-8:
            raise InvalidParameterError(f"a mixture must be a probability vector, got {sigma}")
        sigma = np.clip(sigma, 0, None)
        return sigma / sigma.sum()

    def expected_payoffs(self, mixtures: Sequence[Sequence[float] | np.ndarray]) -> tuple[float, float]:
        """``(s_1^T M_1 s_2, s_1^T M_2 s_2)`` for mixtures ``s_1, s_2`` over the pools."""
        s1, s2 = self.check_mixture(0, mixtures[0]), self.check_mixture(1, mixtures[1])
        return float(s1 @ self._M[0] @ s2), float(s1 @ self._M[1] @ s2)

    def generate(self, mixture: Sequence[float] | np.ndarray, n: int, *, seed: int = 0) -> tuple[Tensor, np.ndarray]:
        """``n`` samples of a mixed generator (a GAN's player 1): pick a pure
        generator by ``mixture``, then sample it (through the base game's
        ``sample(n, strategy=..., generator=...)``, e.g. :meth:`GANGame.sample`).
        Returns the samples and, per sample, the index of its pure generator."""
        if not hasattr(self.game, "sample"):
            raise InvalidParameterError(f"{self.game.name} cannot sample: its base game has no sample(n, strategy=...)")
        sigma = self.check_mixture(0, mixture)
        counts = np.random.default_rng(seed).multinomial(n, sigma)
        gen = torch.Generator(device=getattr(self.game, "device", "cpu")).manual_seed(seed)
        parts, labels = [], []
        for i in np.flatnonzero(counts):
            parts.append(self.game.sample(int(counts[i]), strategy=self.pools[0][i], generator=gen))
            labels.append(np.full(int(counts[i]), i))
        return torch.cat(parts), np.concatenate(labels)

    def full_strategy(self, player: int, mixture: Sequence[float] | np.ndarray) -> np.ndarray:
        """A mixture over a matrix game's pool as a mixed strategy over all of
        ``player``'s pure strategies."""
        if self.matrix is None:
            raise InvalidParameterError("full_strategy applies to the extension of a MatrixGame")
        out = np.zeros(self.matrix.shape[player])
        np.add.at(out, np.asarray(self.pools[player], dtype=int), self.check_mixture(player, mixture))
        return out

    def sample(self, player: int, mixture: Sequence[float] | np.ndarray, n: int = 1,
               generator: np.random.Generator | None = None) -> np.ndarray:
        """Indices of ``n`` pure strategies of ``player`` drawn from ``mixture``
        (sampling a mixed generator: pick a pure generator, then sample it)."""
        sigma = self.check_mixture(player, mixture)
        rng = generator if generator is not None else np.random.default_rng()
        return rng.choice(len(sigma), size=n, p=sigma)

    def replica(self, game: Game | None = None) -> MixedExtension:
        """The same pools, payoffs and common random numbers on another copy of
        the base game: ``game`` (structurally identical, e.g. built on another
        device) or a deep copy. Oracles on replicas can run at the same time
        (threads) without touching each other's networks; entries added
        through the original are visible to its replicas."""
        if self.matrix is not None:
            raise InvalidParameterError("the extension of a matrix game needs no replica (its oracle is exact)")
        twin = copy.copy(self)     # shares pools, payoffs, counter and common random numbers
        twin.game = copy.deepcopy(self.game) if game is None else game
        twin._parent = self
        return twin

    # -- state ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Pools, the payoff entries computed so far and the common random numbers."""
        return {"pools": [[_copy(s) for s in pool] for pool in self.pools], "payoffs": self._M.copy(),
                "losses_evaluated": self._counter.value, "read": None if self._read is None else self._read.copy(),
                "crn": None if self._crn is None else self._crn.clone()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved."""
        self.pools = ([_copy(s) for s in state["pools"][0]], [_copy(s) for s in state["pools"][1]])
        self._M = np.array(state["payoffs"], dtype=float)
        self._counter = _Counter(int(state["losses_evaluated"]))
        self._read = None if state["read"] is None else np.array(state["read"], dtype=bool)
        self._crn = None if state["crn"] is None else state["crn"].clone()

    def __repr__(self) -> str:
        return f"MixedExtension({self.game.name}, pools={self.pool_sizes})"


class _Counter:
    """A count shared by an extension and its replicas, safe across threads."""

    def __init__(self, value: int = 0):
        self.value = value
        self._lock = threading.Lock()

    def add(self, k: int) -> None:
        with self._lock:
            self.value += k


def _copy(strategy: PureStrategy) -> PureStrategy:
    return strategy if isinstance(strategy, int) else [t.clone() for t in strategy]
