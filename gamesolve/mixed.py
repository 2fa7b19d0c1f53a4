"""The mixed extension of a two-player game over finite pools of pure strategies.

GANGs (Oliehoek et al. 2017) replace the local equilibrium between two
networks by a *mixed* equilibrium over finite sets of networks. Each player
``p`` keeps a pool of pure strategies ``s_p^1, ..., s_p^{n_p}``; the pools
define the meta-game, a bimatrix game with **payoffs** (to be maximised, as
in nashpy and Gambit)

    M_p[i, j] = -E[loss_p(s_1^i, s_2^j)],   p = 1, 2,

and a mixed strategy is a distribution over a pool. Adding a pure strategy
evaluates one new row or column, never the whole matrix again.

What a pure strategy is, and where the entries come from, is the pools'
business (:mod:`gamesolve.pools`): snapshots of a differentiable game's
parameters, evaluated on common random numbers, or row and column indices of
a :class:`~gamesolve.finite.MatrixGame`, whose entries are read and counted
(``evaluations``), so that double oracle methods report how little of a
large game they touch.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .core import Game
from .errors import InvalidParameterError
from .pools import Pool, make_pools

__all__ = ["MixedExtension"]


class MixedExtension:
    """Pools of pure strategies of a base ``game`` and their meta-game payoffs.

    ``pools`` gives each player's initial pool as a list of pure strategies:
    snapshots (each a list of tensors shaped like the player's ``params``),
    or for a game with payoff matrices row and column indices; by default
    each pool holds the player's current strategy (the first pure strategy
    of a matrix game). ``payoff_samples`` evaluations (consecutive draws from
    the common random stream seeded by ``seed``) are averaged per entry, and
    snapshots are stored once, on ``device`` (default: where the player lives).

    ``payoffs`` is the pair ``(M_1, M_2)`` of numpy arrays of shape
    ``(n_1, n_2)``; ``evaluations`` counts base-game loss evaluations (for a
    matrix game: distinct payoff entries read). ``capabilities`` are
    ``"pools"`` and what both pools offer (``"best-responses"``: exact best
    responses; ``"snapshots"``: parameters a gradient oracle starts from).
    """

    def __init__(self, game: Game, pools: Sequence[Sequence[Any]] | None = None, *, payoff_samples: int = 1,
                 device: torch.device | str | None = None, seed: int = 0):
        if not isinstance(game, Game):
            raise InvalidParameterError(f"MixedExtension needs a gamesolve Game, got {type(game).__name__}")
        if not isinstance(payoff_samples, int) or payoff_samples < 1:
            raise InvalidParameterError(f"payoff_samples must be a positive integer, got {payoff_samples!r}")
        if pools is not None and (len(pools) != 2 or not pools[0] or not pools[1]):
            raise InvalidParameterError("MixedExtension needs one non-empty pool per player")
        self.game, self.payoff_samples = game, payoff_samples
        self.name = f"mixed({game.name})"
        self.zero_sum = bool(getattr(game, "zero_sum", False))
        self._parent: MixedExtension | None = None
        self.pools: tuple[Pool, Pool] = make_pools(game, pools, payoff_samples=payoff_samples, device=device,
                                                   seed=seed)
        self.capabilities = frozenset({"pools"}) | (self.pools[0].capabilities & self.pools[1].capabilities)
        self._M = self.pools[0].payoffs(self.pools[0].members, self.pools[1].members)

    @classmethod
    def of(cls, game: Any) -> MixedExtension:
        """``game`` itself if it is a mixed extension, else its extension."""
        return game if isinstance(game, cls) else cls(game)

    # -- pools -------------------------------------------------------------
    @property
    def evaluations(self) -> int:
        """Base-game loss evaluations, or for a matrix game the distinct entries read."""
        return self.pools[0].source.evaluations

    def add(self, player: int, strategy: Any) -> int:
        """Add a pure strategy to ``player``'s pool; evaluates only its new row
        (player 0) or column (player 1). Returns its index."""
        if player not in (0, 1):
            raise InvalidParameterError(f"player must be 0 or 1, got {player!r}")
        if self._parent is not None:
            raise InvalidParameterError("add pure strategies through the original extension, not a replica")
        block = self.pools[player].add(strategy, self.pools[1 - player])
        self._M = np.concatenate([self._M, block], axis=1 + player)
        return len(self.pools[player]) - 1

    @property
    def _M(self) -> np.ndarray:
        return self._parent._M if self._parent is not None else self._own_M

    @_M.setter
    def _M(self, value: np.ndarray) -> None:
        self._own_M = value

    @property
    def pool_sizes(self) -> tuple[int, int]:
        return len(self.pools[0]), len(self.pools[1])

    @property
    def payoffs(self) -> tuple[np.ndarray, np.ndarray]:
        """``(M_1, M_2)``: the meta-game payoff matrices (to be maximised)."""
        return self._M[0].copy(), self._M[1].copy()

    # -- mixtures ------------------------------------------------------------
    def check_mixture(self, player: int, mixture: Sequence[float] | np.ndarray) -> np.ndarray:
        """``mixture`` as a probability vector over ``player``'s pool, or a clear error."""
        return self.pools[player].check_mixture(mixture)

    def expected_payoffs(self, mixtures: Sequence[Sequence[float] | np.ndarray]) -> tuple[float, float]:
        """``(s_1^T M_1 s_2, s_1^T M_2 s_2)`` for mixtures ``s_1, s_2`` over the pools."""
        s1, s2 = self.check_mixture(0, mixtures[0]), self.check_mixture(1, mixtures[1])
        return float(s1 @ self._M[0] @ s2), float(s1 @ self._M[1] @ s2)

    def full_strategy(self, player: int, mixture: Sequence[float] | np.ndarray) -> np.ndarray:
        """The strategy a mixture over ``player``'s pool stands for: a matrix
        game's mixed strategy over all its pure strategies, or (snapshots) the
        mixture itself."""
        return self.pools[player].full_strategy(mixture)

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

    def sample(self, player: int, mixture: Sequence[float] | np.ndarray, n: int = 1,
               generator: np.random.Generator | None = None) -> np.ndarray:
        """Indices of ``n`` pure strategies of ``player`` drawn from ``mixture``
        (sampling a mixed generator: pick a pure generator, then sample it)."""
        sigma = self.check_mixture(player, mixture)
        rng = generator if generator is not None else np.random.default_rng()
        return rng.choice(len(sigma), size=n, p=sigma)

    def replica(self, game: Game | None = None) -> MixedExtension:
        """The same pools, payoffs and payoff source (common random numbers,
        counts) on another copy of the base game: ``game`` (structurally
        identical, e.g. built on another device) or a deep copy. Oracles on
        replicas can run at the same time (threads) without touching each
        other's networks; entries added through the original are visible to
        its replicas."""
        twin = copy.copy(self)
        twin.game = copy.deepcopy(self.game) if game is None else game
        twin.pools = (self.pools[0].on(twin.game), self.pools[1].on(twin.game))
        twin._parent = self
        return twin

    # -- state ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Pools, the payoff entries computed so far and the payoff source's state."""
        return {"pools": [pool.state_dict() for pool in self.pools], "payoffs": self._M.copy(),
                "source": self.pools[0].source.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved."""
        for pool, members in zip(self.pools, state["pools"]):
            pool.load_state_dict(members)
        self._M = np.array(state["payoffs"], dtype=float)
        self.pools[0].source.load_state_dict(state["source"])

    def __repr__(self) -> str:
        return f"MixedExtension({self.game.name}, pools={self.pool_sizes})"
