"""Pools of pure strategies: one player's side of a mixed extension.

A :class:`Pool` holds the pure strategies ``s_p^1, ..., s_p^n`` of player
``p`` of a base game and computes the meta-game's entries between its
members and the other player's, as **payoffs** (to be maximised, as in
nashpy and Gambit)

    M_q[i, j] = -E[loss_q(s_1^i, s_2^j)],   q = 1, 2.

Two kinds share this interface:

- :class:`IndexPool`: rows or columns of a :class:`~gamesolve.finite.MatrixGame`.
  Entries are read, not computed (``M_1 = A``, ``M_2 = B`` on the pools),
  counting the distinct entries read; the exact best response to a mixture
  ``y`` of columns is ``argmax_i (A y)_i``, reading only the columns in the
  support (McMahan, Gordon & Blum 2003); a mixture over the pool is a mixed
  strategy of the game.
- :class:`SnapshotPool`: snapshots of a differentiable game's player (its
  parameters, e.g. network weights; Oliehoek et al. 2017, "GANGs"). Entries
  are losses estimated on *common random numbers* (every pair evaluated with
  the game's random stream reset to one state, so that entries differ only
  through the strategies), counting the loss evaluations. It has no exact
  best response (a resource-bounded one is
  :class:`~gamesolve.solvers.GradientOracle`), and a mixture of networks is
  no network: it is played by sampling a member, then playing it.

The pools of one extension share a :class:`PayoffSource` (the entries read,
or the common random numbers and their count), so that the extension counts
its cost once.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Union

import numpy as np
import torch
from torch import Tensor

from .core import Game, all_finite
from .errors import IncompatibleSolverError, InvalidParameterError, NonFiniteError, ShapeError

if TYPE_CHECKING:
    from .finite import MatrixGame

__all__ = ["Pool", "IndexPool", "SnapshotPool", "PayoffSource", "MatrixEntries", "CommonRandomNumbers",
           "make_pools", "playing"]

Snapshot = list[Tensor]
PureStrategy = Union[Snapshot, int]
Members = Sequence[PureStrategy]


class PayoffSource(Protocol):
    """Where the meta-game's entries come from, shared by the two pools of an
    extension: ``payoffs(game, rows, cols)`` has shape ``(2, len(rows),
    len(cols))`` (``M_1``, ``M_2`` of every pair); ``evaluations`` counts
    what they cost."""

    @property
    def evaluations(self) -> int: ...
    def payoffs(self, game: Game, rows: Members, cols: Members) -> np.ndarray: ...
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class Pool(Sequence[PureStrategy], ABC):
    """Player ``player``'s pool of pure strategies of ``game``: a sequence of
    members, the meta-game entries between them and another pool's members,
    and what a mixture over it is as a strategy.

    ``capabilities`` name what the pool offers oracle methods:
    ``"best-responses"`` (an exact :meth:`best_response`) or ``"snapshots"``
    (members are parameters a gradient oracle can start from).
    """

    capabilities: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, game: Game, player: int, strategies: Sequence[Any], source: PayoffSource):
        self.game, self.player, self.source = game, player, source
        self.members: list[PureStrategy] = [self.check(s) for s in strategies]

    def __len__(self) -> int:
        return len(self.members)

    def __getitem__(self, index: Any) -> Any:
        return self.members[index]

    @abstractmethod
    def check(self, strategy: Any) -> PureStrategy:
        """``strategy`` as a member of this pool (validated, stored copy), or a clear error."""

    @abstractmethod
    def full_strategy(self, mixture: Sequence[float] | np.ndarray) -> np.ndarray:
        """The strategy a mixture over the pool stands for."""

    def payoffs(self, members: Members, against: Members) -> np.ndarray:
        """``(M_1, M_2)`` between ``members`` of this pool and ``against``
        (members of the other pool), shape ``(2, rows, cols)`` with player 1's
        strategies as rows."""
        rows, cols = (members, against) if self.player == 0 else (against, members)
        return self.source.payoffs(self.game, rows, cols)

    def add(self, strategy: Any, other: Pool) -> np.ndarray:
        """Add a pure strategy; returns its new row (player 1) or column
        (player 2) of payoffs against ``other``, the only entries evaluated."""
        new = self.check(strategy)
        block = self.payoffs([new], other.members)
        self.members.append(new)
        return block

    def best_response(self, other: Pool, opponent_mixture: Sequence[float] | np.ndarray) -> tuple[PureStrategy, float]:
        """An exact best response to a mixture over ``other``, and its payoff
        (pools offering ``"best-responses"``; others refuse)."""
        raise IncompatibleSolverError(
            f"an exact best response needs pools offering best-responses (a MatrixGame's index pools), but the "
            f"pools of {self.game.name} offer {', '.join(sorted(self.capabilities)) or 'nothing'}; give a "
            "best-response oracle such as gs.GradientOracle")

    def check_mixture(self, mixture: Sequence[float] | np.ndarray) -> np.ndarray:
        """``mixture`` as a probability vector over the pool, or a clear error."""
        sigma = np.asarray(mixture, dtype=float).reshape(-1)
        n = len(self.members)
        if sigma.shape != (n,):
            raise ShapeError(f"a mixture of player {self.player} needs {n} weights (its pool size), got {sigma.size}")
        if not np.isfinite(sigma).all() or (sigma < -1e-12).any() or abs(sigma.sum() - 1) > 1e-8:
            raise InvalidParameterError(f"a mixture must be a probability vector, got {sigma}")
        sigma = np.clip(sigma, 0, None)
        return sigma / sigma.sum()

    def on(self, game: Game) -> Pool:
        """The same members and payoff source, evaluated on another copy of the base game."""
        twin = copy.copy(self)
        twin.game = game
        return twin

    def state_dict(self) -> list[PureStrategy]:
        """Copies of the members."""
        return copy.deepcopy(self.members)

    def load_state_dict(self, state: Sequence[Any]) -> None:
        """Restore what :meth:`state_dict` saved (checked, and stored as :meth:`check` stores members)."""
        self.members[:] = [self.check(s) for s in state]


class IndexPool(Pool):
    """Pure strategies of a :class:`~gamesolve.finite.MatrixGame`: row (player
    1) or column (player 2) indices, with entries read from ``A`` and ``B``."""

    capabilities = frozenset({"best-responses"})
    game: MatrixGame
    source: MatrixEntries

    def check(self, strategy: Any) -> int:
        n = self.game.shape[self.player]
        if isinstance(strategy, (bool, np.bool_)) or not isinstance(strategy, (int, np.integer)) \
                or not 0 <= strategy < n:
            raise ShapeError(f"a pure strategy of player {self.player} of {self.game.name} is an index in "
                             f"[0, {n}), got {strategy!r}")
        return int(strategy)

    def best_response(self, other: Pool, opponent_mixture: Sequence[float] | np.ndarray) -> tuple[int, float]:
        """``argmax_i (A y)_i`` against the column mixture ``y`` over ``other``
        (``argmax_j (x^T B)_j`` for the column player), reading only the
        columns (rows) in the mixture's support."""
        sigma = other.check_mixture(opponent_mixture)
        used = np.flatnonzero(sigma > 0)
        others = [other[j] for j in used]
        if self.player == 0:
            payoffs = self.source.read(self.game, slice(None), others)[0] @ sigma[used]
        else:
            payoffs = sigma[used] @ self.source.read(self.game, others, slice(None))[1]
        best = int(np.argmax(payoffs))
        return best, float(payoffs[best])

    def full_strategy(self, mixture: Sequence[float] | np.ndarray) -> np.ndarray:
        """The mixed strategy over all the player's pure strategies that puts
        each member's weight on its index."""
        out = np.zeros(self.game.shape[self.player])
        np.add.at(out, np.asarray(self.members, dtype=int), self.check_mixture(mixture))
        return out


class SnapshotPool(Pool):
    """Pure strategies of a differentiable game's player: lists of tensors
    shaped like its ``params``, stored on ``device`` (default: where the
    player lives; ``"cpu"`` keeps large pools off an accelerator)."""

    capabilities = frozenset({"snapshots"})
    source: CommonRandomNumbers

    def __init__(self, game: Game, player: int, strategies: Sequence[Any], source: CommonRandomNumbers,
                 device: torch.device | str | None = None):
        self.device = device
        super().__init__(game, player, strategies, source)

    def check(self, strategy: Any) -> Snapshot:
        params = self.game.players[self.player].params
        tensors = [strategy] if isinstance(strategy, Tensor) else list(strategy)
        name = self.game.players[self.player].name
        if len(tensors) != len(params) or any(t.shape != p.shape for t, p in zip(tensors, params)):
            raise ShapeError(
                f"a pure strategy of player {name!r} must be tensors of shapes {[tuple(p.shape) for p in params]}, "
                f"got {[tuple(torch.as_tensor(t).shape) for t in tensors]}")
        if not all_finite([torch.as_tensor(t) for t in tensors]):
            raise NonFiniteError(f"a pure strategy of player {name!r} has NaN or infinite entries")
        return [torch.as_tensor(t).detach().to(device=self.device or p.device, dtype=p.dtype).clone()
                for t, p in zip(tensors, params)]

    def __contains__(self, strategy: object) -> bool:
        """Whether a member equals ``strategy`` tensor by tensor."""
        new = self.check(strategy)
        return any(all(torch.equal(a, b) for a, b in zip(new, member)) for member in self.members)

    def full_strategy(self, mixture: Sequence[float] | np.ndarray) -> np.ndarray:
        """The mixture itself: a mixture of networks is no network, it is
        played by drawing a member (see :meth:`MixedExtension.generate`)."""
        return self.check_mixture(mixture)

    def playing(self, member: Snapshot | None) -> contextlib.AbstractContextManager[None]:
        """Load ``member`` into the player (``None``: keep its strategy) until
        exit, which restores the game's strategies and random stream."""
        return playing(self.game, [member if p == self.player else None for p in (0, 1)])


def make_pools(game: Game, strategies: Sequence[Sequence[Any]] | None = None, *, payoff_samples: int = 1,
               device: torch.device | str | None = None, seed: int = 0) -> tuple[Pool, Pool]:
    """The two pools of ``game``: index pools of a game with payoff matrices
    (default: the first pure strategies), snapshot pools otherwise (default:
    the players' current strategies; ``payoff_samples`` draws of the common
    random numbers seeded by ``seed`` per entry, snapshots on ``device``)."""
    if "payoffs" in game.capabilities:
        entries = MatrixEntries(game.shape)
        initial = strategies if strategies is not None else ([0], [0])
        return IndexPool(game, 0, initial[0], entries), IndexPool(game, 1, initial[1], entries)
    crn = CommonRandomNumbers(game, payoff_samples, seed)
    initial = strategies if strategies is not None else [[player.strategy()] for player in game.players]
    return (SnapshotPool(game, 0, initial[0], crn, device), SnapshotPool(game, 1, initial[1], crn, device))


# --------------------------------------------------------------------------
# payoff sources
# --------------------------------------------------------------------------


class MatrixEntries:
    """The entries of a matrix game's ``A`` and ``B``, recording which were
    read; ``evaluations`` is the number of distinct entries read."""

    def __init__(self, shape: tuple[int, int]):
        self.seen = np.zeros(shape, dtype=bool)

    @property
    def evaluations(self) -> int:
        return int(self.seen.sum())

    def read(self, game: MatrixGame, rows: Members | slice, cols: Members | slice) -> np.ndarray:
        """``(A[rows, cols], B[rows, cols])``, counting the entries read."""
        index = np.ix_(rows, cols) if not isinstance(rows, slice) and not isinstance(cols, slice) else (rows, cols)
        self.seen[index] = True  # type: ignore[index]
        return np.stack([game.A[index], game.B[index]])

    def payoffs(self, game: MatrixGame, rows: Members, cols: Members) -> np.ndarray:
        return self.read(game, list(rows), list(cols))

    def state_dict(self) -> dict[str, Any]:
        return {"read": self.seen.copy()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.seen[...] = np.asarray(state["read"], dtype=bool)


class CommonRandomNumbers:
    """A game's losses at pairs of pure strategies, each averaged over the
    same ``samples`` consecutive draws of its random stream (``game.generator``:
    latents, data batches), seeded by ``seed``; ``evaluations`` counts the
    loss evaluations, safely across threads."""

    def __init__(self, game: Game, samples: int, seed: int):
        rng = game.generator
        self.state = None if rng is None else torch.Generator(device=rng.device).manual_seed(seed).get_state()
        self.samples = samples
        self._count = 0
        self._lock = threading.Lock()

    @property
    def evaluations(self) -> int:
        return self._count

    def losses(self, game: Game, pair: Sequence[Snapshot]) -> np.ndarray:
        """Both players' average losses at a pair of pure strategies."""
        total = np.zeros(2)
        with playing(game, pair):
            if self.state is not None:
                game.generator.set_state(self.state)
            for _ in range(self.samples):
                losses = game.losses()
                total += [float(losses[0].detach()), float(losses[1].detach())]
                with self._lock:
                    self._count += 1
        if not np.isfinite(total).all():
            raise NonFiniteError(f"mixed({game.name}): the base game's losses are {total / self.samples} at a pair "
                                 "of pure strategies; the meta-game needs finite payoffs")
        return total / self.samples

    def payoffs(self, game: Game, rows: Members, cols: Members) -> np.ndarray:
        out = np.empty((2, len(rows), len(cols)))
        for a, x in enumerate(rows):
            for b, y in enumerate(cols):
                out[:, a, b] = -self.losses(game, (x, y))
        return out

    def state_dict(self) -> dict[str, Any]:
        return {"losses_evaluated": self._count, "crn": None if self.state is None else self.state.clone()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._count = int(state["losses_evaluated"])
        self.state = None if state["crn"] is None else state["crn"].clone()


@contextlib.contextmanager
def playing(game: Game, strategies: Sequence[Snapshot | None]) -> Iterator[None]:
    """Temporarily load pure strategies into ``game``'s players (``None``
    leaves a player as it is); the strategies and random stream are restored on exit."""
    saved = game.snapshot()
    rng = game.generator
    rng_state = None if rng is None else rng.get_state()
    try:
        for player, s in zip(game.players, strategies):
            if s is not None:
                player.load_strategy(s)
        yield
    finally:
        game.restore(saved)
        if rng is not None:
            rng.set_state(rng_state)
