"""Best-response oracles for the oracle methods of :mod:`gamesolve.solvers.oracle`.

An oracle is any callable ``oracle(ext, player, opponent_mixture,
own_mixture) -> (strategy, payoff)``: a pure strategy of ``player`` (tensors
shaped like its parameters, or an index for a matrix game) that does well
against the opponent's mixture over its pool, and its expected payoff there,
measured like the meta-game's entries (on a snapshot pool's common random
numbers) so that it compares with them. :func:`exact_best_response` is the
pools' own exact oracle (a matrix game's), :class:`GradientOracle` a
resource-bounded one for the snapshot pools of any differentiable game.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..core import Game, all_finite
from ..players import Player
from ..errors import InvalidParameterError, NonFiniteError
from ..mixed import MixedExtension
from ..pools import PureStrategy, Snapshot
from ..protocol import check_capabilities

__all__ = ["Oracle", "ExactBestResponse", "exact_best_response", "payoff_against", "GradientOracle"]

Oracle = Callable[..., tuple[Any, float]]

WARM_STARTS = ("best", "random", "mixture", "sample")

# reset_parameters() draws from torch's global random stream, which threads share:
# one fresh initialisation at a time keeps each one's draws its own
_GLOBAL_STREAM = threading.Lock()


class ExactBestResponse:
    """The pools' exact best response (:meth:`~gamesolve.pools.Pool.best_response`)
    as an oracle: for a matrix game ``argmax_i (A y)_i`` against the column
    mixture ``y``, reading only the columns in its support. It needs pools
    offering ``"best-responses"``."""

    requires = frozenset({"best-responses"})

    def __call__(self, ext: MixedExtension, player: int, opponent_mixture: Sequence[float] | np.ndarray,
                 own_mixture: Sequence[float] | np.ndarray | None = None) -> tuple[PureStrategy, float]:
        return ext.pools[player].best_response(ext.pools[1 - player], opponent_mixture)


exact_best_response = ExactBestResponse()


def payoff_against(ext: MixedExtension, player: int, strategy: PureStrategy, opponent_mixture: np.ndarray) -> float:
    """``sum_j sigma_j M_p(strategy, s_{-p}^j)``: the expected payoff of a pure
    strategy of ``player`` against the opponent's mixture, evaluating only the
    opponent's support (on a snapshot pool's common random numbers)."""
    support = np.flatnonzero(opponent_mixture > 0)
    others = ext.pools[1 - player]
    payoffs = ext.pools[player].payoffs([strategy], [others[j] for j in support])[player].reshape(-1)
    total = 0.0
    for j, payoff in zip(support, payoffs):
        total += float(opponent_mixture[j]) * float(payoff)
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
    - ``"sample"``: a member drawn from the player's own mixture (the best one if
      no own mixture is given), so that successive calls refine every member
      of the support, each as often as its weight says;
    - ``"random"``: a fresh initialisation, ``init(player, torch_generator)``
      (default for ``nn.Module`` players: ``reset_parameters()`` of every submodule);

    the first restart uses ``warm_start`` and later ones ``"random"``. Returns
    the best strategy found and its payoff against ``sigma``. Restart ``k`` of
    call ``c`` draws its initialisation and minibatches from a stream seeded
    by ``(seed, c, k)``, never from the common random numbers, so results do
    not depend on ``parallel=True``, which runs the restarts in threads, each
    on a replica of the base game (:meth:`MixedExtension.replica`).

    It needs pools of snapshots (capability ``"snapshots"``: the mixed
    extension of a differentiable game). For budget comparisons the oracle
    counts, over all its calls,
    ``optimizer_steps`` (``steps * restarts`` per call) and
    ``gradient_passes``, the differentiated loss evaluations (one per
    opponent in the mixture's support and step); scoring the candidates
    (forward passes only) is counted by the extension's ``evaluations``.
    """

    requires = frozenset({"snapshots"})

    def __init__(self, steps: int = 100, restarts: int = 1, *, lr: float = 1e-3,
                 optimizer: Callable[[list[Tensor]], torch.optim.Optimizer] | None = None,
                 warm_start: str = "best", init: Callable[[Player, torch.Generator], None] | None = None,
                 seed: int = 0, parallel: bool = False):
        if not isinstance(steps, int) or steps < 0 or not isinstance(restarts, int) or restarts < 1:
            raise InvalidParameterError(f"GradientOracle needs steps >= 0 and restarts >= 1, got {steps}, {restarts}")
        if warm_start not in WARM_STARTS:
            raise InvalidParameterError(f"warm_start must be one of {', '.join(WARM_STARTS)}, got {warm_start!r}")
        if optimizer is None and not (lr > 0 and math.isfinite(lr)):
            raise InvalidParameterError(f"GradientOracle: lr must be positive and finite, got {lr!r}")
        self.steps, self.restarts, self.warm_start, self.init = steps, restarts, warm_start, init
        self.optimizer = optimizer if optimizer is not None else (lambda p: torch.optim.Adam(p, lr=lr))
        self.seed, self.parallel, self.calls = int(seed), bool(parallel), 0
        self.optimizer_steps = self.gradient_passes = 0

    def __call__(self, ext: MixedExtension, player: int, opponent_mixture: Sequence[float] | np.ndarray,
                 own_mixture: Sequence[float] | np.ndarray | None = None) -> tuple[Snapshot, float]:
        check_capabilities(ext, self.requires, type(self).__name__)
        sigma = ext.check_mixture(1 - player, opponent_mixture)
        call, self.calls = self.calls, self.calls + 1

        def restart(k: int, where: MixedExtension) -> tuple[Snapshot, float]:
            seed = int(np.random.SeedSequence([self.seed, call, k]).generate_state(1)[0])
            gen = torch.Generator().manual_seed(seed)
            start = self._start(where, player, sigma, own_mixture, self.warm_start if k == 0 else "random", gen)
            candidate = self._descend(where, player, sigma, start, gen)
            return candidate, payoff_against(where, player, candidate, sigma)

        if self.parallel and self.restarts > 1:
            with ThreadPoolExecutor(self.restarts) as pool:
                found = list(pool.map(restart, range(self.restarts),
                                      [ext] + [ext.replica() for _ in range(self.restarts - 1)]))
        else:
            found = [restart(k, ext) for k in range(self.restarts)]
        self.optimizer_steps += self.steps * self.restarts
        self.gradient_passes += self.steps * self.restarts * int(np.count_nonzero(sigma))
        return max(found, key=lambda item: item[1])   # the first of equally good ones

    def _start(self, ext: MixedExtension, player: int, sigma: np.ndarray,
               own_mixture: Sequence[float] | np.ndarray | None, how: str, gen: torch.Generator) -> Snapshot | None:
        """The starting pure strategy, or ``None`` for a fresh initialisation."""
        if how == "random":
            return None
        if how in ("mixture", "sample") and own_mixture is not None:
            weights = ext.check_mixture(player, own_mixture)
            index = np.argmax(weights) if how == "mixture" else torch.multinomial(torch.as_tensor(weights), 1,
                                                                                  generator=gen)
            return ext.pools[player][int(index)]
        M = ext.payoffs[player]
        against = M @ sigma if player == 0 else sigma @ M
        return ext.pools[player][int(np.argmax(against))]

    def _initialise(self, me: Player, gen: torch.Generator) -> None:
        seed = int(torch.randint(2 ** 62, (1,), generator=gen))
        if self.init is not None:
            self.init(me, torch.Generator(device=me.device).manual_seed(seed))
        elif me.is_module:
            with _GLOBAL_STREAM, torch.random.fork_rng(devices=[] if me.device.type == "cpu" else [me.device]):
                torch.manual_seed(seed)
                for module in me.module.modules():  # type: ignore[union-attr]
                    if hasattr(module, "reset_parameters"):
                        module.reset_parameters()
        else:
            raise InvalidParameterError(
                f"GradientOracle: a random start for the tensor player {me.name!r} needs init=(player, generator) "
                "-> None; or use restarts=1 with warm_start='best', 'mixture' or 'sample'")
        me.project_()

    def _descend(self, ext: MixedExtension, player: int, sigma: np.ndarray, start: Snapshot | None,
                 gen: torch.Generator) -> Snapshot:
        game: Game = ext.game
        me, other = game.players[player], game.players[1 - player]
        support = [(float(sigma[j]), ext.pools[1 - player][j]) for j in np.flatnonzero(sigma > 0)]
        with ext.pools[player].playing(start):
            if start is None:
                self._initialise(me, gen)
            if game.generator is not None:
                game.generator.manual_seed(int(torch.randint(2 ** 62, (1,), generator=gen)))
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
            return [p.detach().clone() for p in me.params]

    def state_dict(self) -> dict[str, Any]:
        """The oracle's counters (calls, optimizer steps, gradient passes)."""
        return {"calls": self.calls, "optimizer_steps": self.optimizer_steps, "gradient_passes": self.gradient_passes}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved."""
        self.calls = int(state["calls"])
        self.optimizer_steps, self.gradient_passes = int(state["optimizer_steps"]), int(state["gradient_passes"])
