"""Best-response oracles for mixed extensions of games.

An oracle is any callable ``oracle(ext, player, opponent_mixture) ->
(strategy, payoff)``: a pure strategy of ``player`` (tensors shaped like its
parameters) that does well against the opponent's mixture over its pool, and
its expected payoff there, measured on the extension's common random numbers
so that it compares with the meta-game's entries.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..core import Game, Player, all_finite
from ..errors import InvalidParameterError, NonFiniteError
from ..mixed import MixedExtension, Snapshot

__all__ = ["GradientOracle", "payoff_against"]

WARM_STARTS = ("best", "random", "mixture")


def payoff_against(ext: MixedExtension, player: int, strategy: Snapshot, opponent_mixture: np.ndarray) -> float:
    """``sum_j sigma_j M_p(strategy, s_{-p}^j)``: the expected payoff of a pure
    strategy of ``player`` against the opponent's mixture, on the common random numbers."""
    total = 0.0
    for j in np.flatnonzero(opponent_mixture > 0):
        other = ext.pools[1 - player][j]
        pair = (strategy, other) if player == 0 else (other, strategy)
        total += float(opponent_mixture[j]) * -float(ext.expected_losses(pair)[player])
    return total


class GradientOracle:
    """A resource-bounded best response (RBBR; Oliehoek et al. 2017, "GANGs"):

        s_p ~ argmin_s  sum_j sigma_j loss_p(s, s_{-p}^j),

    approximated by ``steps`` steps of ``optimizer`` (a factory
    ``params -> torch.optim.Optimizer``; default Adam with ``lr``) on the base
    game with the opponent frozen as its mixture ``sigma`` (each step averages
    the player's gradient over the opponent's support), projecting onto the
    player's domain after every step. Each of ``restarts`` runs starts from

    - ``warm_start="best"``: the pool member with the highest payoff against ``sigma``;
    - ``"mixture"``: the member with the largest weight in the player's own mixture
      (the best one if no own mixture is given);
    - ``"random"``: a fresh initialisation, ``init(player, torch_generator)``
      (default for ``nn.Module`` players: ``reset_parameters()`` of every submodule);

    the first restart uses ``warm_start`` and later ones ``"random"``. Returns
    the best strategy found and its payoff against ``sigma``. Minibatches come
    from the oracle's own random stream (``seed``), never the common random numbers.
    """

    def __init__(self, steps: int = 100, restarts: int = 1, *, lr: float = 1e-3,
                 optimizer: Callable[[list[Tensor]], torch.optim.Optimizer] | None = None,
                 warm_start: str = "best", init: Callable[[Player, torch.Generator], None] | None = None,
                 seed: int = 0):
        if not isinstance(steps, int) or steps < 0 or not isinstance(restarts, int) or restarts < 1:
            raise InvalidParameterError(f"GradientOracle needs steps >= 0 and restarts >= 1, got {steps}, {restarts}")
        if warm_start not in WARM_STARTS:
            raise InvalidParameterError(f"warm_start must be one of {', '.join(WARM_STARTS)}, got {warm_start!r}")
        if optimizer is None and not (lr > 0 and math.isfinite(lr)):
            raise InvalidParameterError(f"GradientOracle: lr must be positive and finite, got {lr!r}")
        self.steps, self.restarts, self.warm_start, self.init = steps, restarts, warm_start, init
        self.optimizer = optimizer if optimizer is not None else (lambda p: torch.optim.Adam(p, lr=lr))
        self._seed = torch.Generator().manual_seed(seed)
        self._stream: Tensor | None = None

    def __call__(self, ext: MixedExtension, player: int, opponent_mixture: Sequence[float] | np.ndarray,
                 own_mixture: Sequence[float] | np.ndarray | None = None) -> tuple[Snapshot, float]:
        sigma = ext.check_mixture(1 - player, opponent_mixture)
        best: tuple[Snapshot, float] | None = None
        for k in range(self.restarts):
            start = self._start(ext, player, sigma, own_mixture, self.warm_start if k == 0 else "random")
            candidate = self._descend(ext, player, sigma, start)
            payoff = payoff_against(ext, player, candidate, sigma)
            if best is None or payoff > best[1]:
                best = (candidate, payoff)
        return best  # type: ignore[return-value]

    def _start(self, ext: MixedExtension, player: int, sigma: np.ndarray,
               own_mixture: Sequence[float] | np.ndarray | None, how: str) -> Snapshot | None:
        """The starting pure strategy, or ``None`` for a fresh initialisation."""
        if how == "random":
            return None
        if how == "mixture" and own_mixture is not None:
            return ext.pools[player][int(np.argmax(ext.check_mixture(player, own_mixture)))]
        M = ext.payoffs[player]
        against = M @ sigma if player == 0 else sigma @ M
        return ext.pools[player][int(np.argmax(against))]

    def _initialise(self, me: Player) -> None:
        seed = int(torch.randint(2 ** 62, (1,), generator=self._seed))
        if self.init is not None:
            self.init(me, torch.Generator(device=me.device).manual_seed(seed))
        elif me.is_module:
            with torch.random.fork_rng(devices=[] if me.device.type == "cpu" else [me.device]):
                torch.manual_seed(seed)
                for module in me.module.modules():  # type: ignore[union-attr]
                    if hasattr(module, "reset_parameters"):
                        module.reset_parameters()
        else:
            raise InvalidParameterError(
                f"GradientOracle: a random start for the tensor player {me.name!r} needs init=(player, generator) "
                "-> None; or use restarts=1 with warm_start='best' or 'mixture'")
        me.project_()

    def _descend(self, ext: MixedExtension, player: int, sigma: np.ndarray, start: Snapshot | None) -> Snapshot:
        game: Game = ext.game
        me, other = game.players[player], game.players[1 - player]
        support = [(float(sigma[j]), ext.pools[1 - player][j]) for j in np.flatnonzero(sigma > 0)]
        with ext.playing([start if i == player else None for i in (0, 1)]):
            if start is None:
                self._initialise(me)
            rng = game.generator
            if rng is not None:
                if self._stream is None:
                    self._stream = torch.Generator(device=rng.device).manual_seed(
                        int(torch.randint(2 ** 62, (1,), generator=self._seed))).get_state()
                rng.set_state(self._stream)
            optimizer = self.optimizer(me.params)
            for _ in range(self.steps):
                grads = [torch.zeros_like(p) for p in me.params]
                for weight, s in support:
                    other.load_strategy(s)
                    loss = game.losses()[player]
                    g = torch.autograd.grad(loss, me.params, allow_unused=True, materialize_grads=True)
                    torch._foreach_add_(grads, list(g), alpha=weight)
                if not all_finite(grads):
                    raise NonFiniteError(f"GradientOracle: the gradient of player {me.name!r} became non-finite; "
                                         "lower the oracle's step size")
                for p, g in zip(me.params, grads):
                    p.grad = g
                optimizer.step()
                for p in me.params:
                    p.grad = None
                me.project_()
            if rng is not None:
                self._stream = rng.get_state()
            return [p.detach().clone() for p in me.params]

    def state_dict(self) -> dict[str, Any]:
        return {"seed": self._seed.get_state(), "stream": None if self._stream is None else self._stream.clone()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._seed.set_state(state["seed"])
        self._stream = None if state["stream"] is None else state["stream"].clone()
