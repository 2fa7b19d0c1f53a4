"""Iterative magnitude pruning of players: lottery tickets in games.

A pruned player is a player whose prunable tensors (weights, not biases)
live in :class:`~gamesolve.domains.Masked` domains, so every solver keeps the
pruned weights at zero after every update, extrapolation steps included.

One round of iterative magnitude pruning (IMP; Frankle & Carbin 2019) on a
player with weights ``w`` and masks ``m_r``: after training, prune the
fraction ``p`` of the remaining weights of smallest magnitude under one
global threshold per player,

    m_{r+1} = m_r * 1[|w| > tau_r],   tau_r = the ceil(p * ||m_r||_0)-th smallest |w_j| with m_r,j = 1,

then rewind the surviving weights to their values at initialisation, or at
iteration ``k`` of the first round (late rewinding, Frankle et al. 2020).
Kalibhat, Balaji & Feizi (2021) prune both players of a GAN this way.
Early-bird tickets (You et al. 2020) are detected from the normalised Hamming
distance between the masks of consecutive rounds.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from ..core import Game
from ..domains import Masked, Reals
from ..errors import DomainError, InvalidParameterError, ShapeError
from ..players import Player
from ..runs import SolveState

__all__ = ["prunable", "magnitude_masks", "player_masks", "random_masks_like", "mask_distance", "sparsity", "apply_masks",
           "one_shot_masks", "EarlyBird", "EarlyBirdCallback", "LotteryTicket"]

Masks = list[Tensor]


def prunable(player: Player) -> list[int]:
    """Indices of the player's tensors that pruning applies to: those with two
    or more dimensions (weight matrices and convolution kernels, not biases)."""
    return [k for k, p in enumerate(player.params) if p.dim() >= 2]


def magnitude_masks(tensors: Sequence[Tensor], fraction: float, masks: Sequence[Tensor] | None = None) -> Masks:
    """Prune ``ceil(fraction * remaining)`` of the remaining entries of smallest
    ``|w|`` under one global threshold over all ``tensors``.

    ``masks`` are the current boolean masks (default: nothing pruned yet).
    Ties at the threshold are broken by position, so exactly that many entries
    are pruned.
    """
    if not 0.0 <= fraction < 1.0:
        raise InvalidParameterError(f"the pruning fraction must be in [0, 1), got {fraction}")
    tensors = [t.detach() for t in tensors]
    masks = [torch.ones_like(t, dtype=torch.bool) for t in tensors] if masks is None else list(masks)
    _check_shapes(tensors, masks)
    scores = torch.cat([torch.where(m, t.abs(), torch.inf).reshape(-1).double().cpu()
                        for t, m in zip(tensors, masks)])
    remaining = int(sum(int(m.sum()) for m in masks))
    n_prune = math.ceil(fraction * remaining)
    keep = torch.cat([m.reshape(-1).cpu() for m in masks])
    if n_prune:
        order = torch.argsort(scores, stable=True)
        keep[order[:n_prune]] = False
    out, k = [], 0
    for t in tensors:
        out.append(keep[k:k + t.numel()].reshape(t.shape).to(t.device))
        k += t.numel()
    return out


def random_masks_like(masks: Sequence[Tensor], generator: torch.Generator | None = None) -> Masks:
    """Masks that keep as many entries per tensor as ``masks`` do, at random positions:
    the random-pruning baseline at the same (layer-wise) sparsity."""
    out = []
    for m in masks:
        kept = int(m.sum())
        perm = torch.randperm(m.numel(), generator=generator)
        new = torch.zeros(m.numel(), dtype=torch.bool)
        new[perm[:kept]] = True
        out.append(new.reshape(m.shape).to(m.device))
    return out


def mask_distance(a: Sequence[Tensor], b: Sequence[Tensor]) -> float:
    """Normalised Hamming distance ``sum_j 1[a_j != b_j] / n`` between two sets of masks."""
    _check_shapes(a, b)
    n = sum(m.numel() for m in a)
    return sum(int((x.bool() != y.bool().to(x.device)).sum()) for x, y in zip(a, b)) / max(n, 1)


def sparsity(masks: Sequence[Tensor]) -> float:
    """Fraction of pruned entries, ``1 - sum ||m||_0 / n``."""
    n = sum(m.numel() for m in masks)
    return 1.0 - sum(int(m.sum()) for m in masks) / max(n, 1)


def _check_shapes(tensors: Sequence[Tensor], masks: Sequence[Tensor]) -> None:
    if len(tensors) != len(masks) or any(t.shape != m.shape for t, m in zip(tensors, masks)):
        raise ShapeError(f"masks of shapes {[tuple(m.shape) for m in masks]} do not fit tensors of shapes "
                         f"{[tuple(t.shape) for t in tensors]}")


def apply_masks(player: Player, masks: Sequence[Tensor]) -> None:
    """Put the player's prunable tensors (see :func:`prunable`) in :class:`Masked`
    domains and zero the pruned entries; other tensors keep their domains."""
    index = prunable(player)
    _check_shapes([player.params[k] for k in index], masks)
    domains = list(player.domains)
    for k, m in zip(index, masks):
        if not isinstance(domains[k], (Reals, Masked)):
            raise DomainError(f"player {player.name!r}: tensor {k} lives in {domains[k]!r}; pruning applies to "
                              "tensors in Reals (or already Masked) only")
        domains[k] = Masked(m)
    player.set_domains(domains)


def player_masks(player: Player, fraction: float, masks: Sequence[Tensor] | None = None) -> Masks:
    """:func:`magnitude_masks` over the player's prunable tensors (one global threshold per player)."""
    return magnitude_masks([player.params[k] for k in prunable(player)], fraction, masks)


def one_shot_masks(game: Game, sparsity: float, players: Sequence[int] = (0, 1)) -> dict[int, Masks]:
    """One-shot magnitude pruning of each of ``players`` to ``sparsity`` (one global
    threshold per player over its prunable tensors), by player index."""
    return {i: player_masks(game.players[i], sparsity) for i in players}


class EarlyBird:
    """Early-bird ticket detection (You et al. 2020): fires once the normalised
    Hamming distance between consecutive masks stays below ``threshold`` over
    the last ``window`` comparisons.

    ``update(masks)`` records the masks of one round (or epoch) and returns
    whether the ticket has been found; ``distances`` keeps every distance.
    """

    def __init__(self, threshold: float = 0.1, window: int = 5):
        if not 0 < threshold <= 1 or window < 1:
            raise InvalidParameterError(f"EarlyBird needs 0 < threshold <= 1 and window >= 1, got {threshold}, "
                                        f"{window}")
        self.threshold, self.window = threshold, window
        self.distances: list[float] = []
        self._recent: deque[float] = deque(maxlen=window)
        self._previous: Masks | None = None
        self.found_at: int | None = None

    def update(self, masks: Sequence[Tensor]) -> bool:
        current = [m.detach().clone() for m in masks]
        if self._previous is not None:
            d = mask_distance(self._previous, current)
            self.distances.append(d)
            self._recent.append(d)
            if self.found_at is None and len(self._recent) == self.window and max(self._recent) < self.threshold:
                self.found_at = len(self.distances)
        self._previous = current
        return self.found_at is not None


class EarlyBirdCallback:
    """Early-bird detection during training, as a ``gs.solve`` callback (You et al. 2020).

    Every ``every`` steps it draws the masks that one-shot global magnitude
    pruning to ``sparsity`` would give each of ``players`` now (one threshold
    per player, as :class:`LotteryTicket` prunes) and feeds them, all players
    together, to an :class:`EarlyBird` with ``threshold`` and ``window``.
    When the bird fires, ``step`` is the solver step and ``masks`` (per player
    index) the early-bird ticket; with ``stop=True`` the run ends there.
    ``checks`` lists the steps at which masks were drawn (``bird.distances[k]``
    compares those of ``checks[k]`` and ``checks[k + 1]``).
    """

    def __init__(self, game: Game, sparsity: float, every: int = 100, threshold: float = 0.1, window: int = 5,
                 players: Sequence[int] = (0, 1), stop: bool = False):
        if not 0.0 < sparsity < 1.0:
            raise InvalidParameterError(f"EarlyBirdCallback: sparsity must be in (0, 1), got {sparsity}")
        if not isinstance(every, int) or every < 1:
            raise InvalidParameterError(f"EarlyBirdCallback: every must be an int >= 1, got {every!r}")
        self.game, self.sparsity, self.every, self.players, self.stop = game, sparsity, every, tuple(players), stop
        self.bird = EarlyBird(threshold, window)
        self.step: int | None = None
        self.masks: dict[int, Masks] | None = None
        self.checks: list[int] = []

    def __call__(self, state: SolveState) -> bool:
        if state.step % self.every or self.step is not None:
            return False
        masks = one_shot_masks(self.game, self.sparsity, self.players)
        self.checks.append(state.step)
        if self.bird.update([m for i in self.players for m in masks[i]]):
            self.step, self.masks = state.step, masks
            return self.stop
        return False


class LotteryTicket:
    """Iterative magnitude pruning of a game's players with rewinding.

    ``rewind=0`` rewinds the surviving weights to their initial values (the
    strategies when the ticket is created), ``rewind=k > 0`` to iteration
    ``k`` of the first training run (pass :meth:`callback` to that
    ``gs.solve``), ``rewind=None`` keeps the trained values (pruning with
    fine-tuning). Each :meth:`prune` removes ``fraction`` of each player's
    remaining prunable weights::

        ticket = LotteryTicket(game, fraction=0.2, rewind=0)
        for r in range(rounds):
            gs.solve(game, gs.Extragradient(game, optimizers=...), steps=n, callbacks=[ticket.callback])
            ticket.prune()

    A fresh solver per round restarts the optimizers' state, as IMP does.
    """

    def __init__(self, game: Game, fraction: float = 0.2, rewind: int | None = 0, players: Sequence[int] = (0, 1)):
        if not 0.0 < fraction < 1.0:
            raise InvalidParameterError(f"LotteryTicket: fraction must be in (0, 1), got {fraction}")
        if rewind is not None and (not isinstance(rewind, int) or rewind < 0):
            raise InvalidParameterError(f"LotteryTicket: rewind must be None or an iteration >= 0, got {rewind!r}")
        if not set(players) <= {0, 1} or not players:
            raise InvalidParameterError(f"LotteryTicket: players must be a subset of (0, 1), got {players!r}")
        self.game, self.fraction, self.rewind = game, fraction, rewind
        self.players = tuple(players)
        for i in self.players:
            if not prunable(game.players[i]):
                raise InvalidParameterError(f"player {game.players[i].name!r} has no tensor of two or more "
                                            "dimensions to prune")
        self.masks: dict[int, Masks] = {i: [torch.ones_like(game.players[i].params[k], dtype=torch.bool)
                                            for k in prunable(game.players[i])] for i in self.players}
        self.round = 0
        self._rewind_point = game.snapshot() if rewind == 0 else None

    def callback(self, state: SolveState) -> bool:
        """A ``gs.solve`` callback that records the late-rewinding point ``theta_k``."""
        if self.rewind and self._rewind_point is None and state.step == self.rewind:
            self._rewind_point = self.game.snapshot()
        return False

    def prune(self) -> dict[str, float]:
        """Prune, rewind and re-mask; returns each player's sparsity after this round."""
        if self.rewind is not None and self._rewind_point is None:
            raise InvalidParameterError(
                f"LotteryTicket: no snapshot at iteration {self.rewind} to rewind to; pass ticket.callback to "
                f"gs.solve in the first round and run at least {self.rewind} steps")
        new = {i: player_masks(self.game.players[i], self.fraction, self.masks[i]) for i in self.players}
        if self._rewind_point is not None:
            self.game.restore(self._rewind_point)
        for i, masks in new.items():
            apply_masks(self.game.players[i], masks)
        self.masks = new
        self.round += 1
        return {self.game.players[i].name: sparsity(m) for i, m in self.masks.items()}

    def state_dict(self) -> dict[str, Any]:
        return {"round": self.round, "masks": {i: [m.clone() for m in ms] for i, ms in self.masks.items()},
                "rewind_point": None if self._rewind_point is None else [t.clone() for t in self._rewind_point]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.round = int(state["round"])
        self.masks = {int(i): [m.clone() for m in ms] for i, ms in state["masks"].items()}
        self._rewind_point = None if state["rewind_point"] is None else [t.clone() for t in state["rewind_point"]]
        for i, masks in self.masks.items():
            apply_masks(self.game.players[i], masks)
