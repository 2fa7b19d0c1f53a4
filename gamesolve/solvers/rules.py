"""Per-player update rules of the gradient solvers: a plain step size, or any
``torch.optim.Optimizer`` fed with the solver's direction as ``.grad``.

A rule moves one player along a direction ``d`` (``step``), or optimistically
(``optimistic_step``), holds its step sizes in ``param_groups`` (live, as a
torch optimizer's) and states its linearisation (``linearised``, see
:mod:`gamesolve.solvers.linear`) where it has one.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import Any, Union

import torch
from torch import Tensor

from ..core import Game
from ..errors import IncompatibleSolverError, InvalidParameterError
from .linear import LinearisableOptimizer, LinearRule, StepSize, uniform

__all__ = ["make_rules", "per_player", "PerPlayer", "OptimizerFactory"]

OptimizerFactory = Callable[[list[Tensor]], torch.optim.Optimizer]
PerPlayer = Union[Any, Sequence[Any]]


class _StepSize:
    """``theta <- theta - lr * d`` for a direction ``d``; ``lr`` lives in the rule's one
    parameter group, as a torch optimizer's does, so schedules change it the same way."""

    def __init__(self, lr: float, params: list[Tensor]):
        self.param_groups = [{"params": params, "lr": lr}]

    @property
    def lr(self) -> float:
        return self.param_groups[0]["lr"]

    @property
    def optimizer(self) -> None:
        return None

    def linearised(self, player: str) -> LinearRule:
        return StepSize(self.lr)

    def step(self, params: list[Tensor], direction: list[Tensor]) -> None:
        # torch.set_grad_enabled(False) rather than torch.no_grad(): the same, at half the cost per step
        with torch.set_grad_enabled(False):
            torch._foreach_add_(params, direction, alpha=-self.lr)

    def optimistic_step(self, params: list[Tensor], grads: list[Tensor], memory: list[Tensor] | None) -> list[Tensor]:
        """``theta <- theta - lr (2 g_t - g_{t-1})``; returns ``g_t`` as the next memory."""
        lr = self.lr
        with torch.set_grad_enabled(False):
            torch._foreach_add_(params, grads, alpha=-2 * lr)
            torch._foreach_add_(params, grads if memory is None else memory, alpha=lr)
        return grads

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        return None


class _OptimizerRule:
    """Delegate the update to a ``torch.optim.Optimizer`` fed with ``d`` as ``.grad``."""

    def __init__(self, optimizer: torch.optim.Optimizer, params: list[Tensor]):
        self.optimizer = optimizer
        self._params = params

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        return self.optimizer.param_groups

    def linearised(self, player: str) -> LinearRule:
        """``torch.optim.SGD`` without momentum or weight decay is a plain step
        (``-lr d``, ``+lr d`` with ``maximize``); an optimizer that states its own
        linearisation (:class:`~gamesolve.NuPI`) gives it; anything else has none."""
        opt = self.optimizer
        if isinstance(opt, LinearisableOptimizer):
            return opt.linearised()
        who = f"player {player!r}'s {type(opt).__name__}"
        if type(opt) is torch.optim.SGD:
            group = uniform(opt.param_groups, ("lr", "momentum", "weight_decay", "maximize"), who)
            if group["momentum"] == 0 and group["weight_decay"] == 0:
                return StepSize(-float(group["lr"]) if group["maximize"] else float(group["lr"]))
        raise IncompatibleSolverError(
            f"{who} has no linearised update rule: it is not linear in the gradient alone (momentum, moments, "
            "weight decay); the stability analysis linearises step sizes (lr=...), torch.optim.SGD without "
            "momentum or weight decay, and NuPI")

    def step(self, params: list[Tensor], direction: list[Tensor]) -> None:
        for p, d in zip(params, direction):
            p.grad = d
        self.optimizer.step()
        for p in params:
            p.grad = None

    def optimistic_step(self, params: list[Tensor], grads: list[Tensor], memory: list[Tensor] | None) -> list[Tensor]:
        """Update-level optimism (Daskalakis et al. 2018, Optimistic Adam):
        ``theta_{t+1} = theta_t + 2 u_t - u_{t-1}`` where ``u_t`` is the step the
        optimizer proposes from ``g_t``; returns ``u_t`` as the next memory."""
        with torch.set_grad_enabled(False):
            start = [p.detach().clone() for p in params]
            self.step(params, grads)
            update = torch._foreach_sub(params, start)
            if memory is not None:
                torch._foreach_add_(params, update)
                torch._foreach_sub_(params, memory)
        return update

    def state_dict(self) -> dict[str, Any]:
        # a snapshot: torch returns live references to the optimizer's buffers
        return copy.deepcopy(self.optimizer.state_dict())

    def load_state_dict(self, state: dict[str, Any]) -> None:
        # torch may keep the given tensors as its buffers; never share them with the caller
        self.optimizer.load_state_dict(copy.deepcopy(state))


def per_player(value: PerPlayer, what: str, solver: str) -> tuple[Any, Any]:
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise InvalidParameterError(f"{solver}: give one {what} or one per player (2), got {len(value)}")
        return value[0], value[1]
    return value, value


def make_rules(game: Game, lr: PerPlayer | None, optimizers: PerPlayer | None, solver: str) -> list[Any]:
    if lr is not None and optimizers is not None:
        raise InvalidParameterError(f"{solver}: give lr or optimizers, not both (an optimizer carries its own lr)")
    rules: list[Any] = []
    if optimizers is not None:
        for player, factory in zip(game.players, per_player(optimizers, "optimizer factory", solver)):
            if not callable(factory):
                raise InvalidParameterError(
                    f"{solver}: the optimizer for player {player.name!r} must be a factory "
                    f"params -> torch.optim.Optimizer, got {factory!r}")
            opt = factory(player.params)
            if not isinstance(opt, torch.optim.Optimizer):
                raise InvalidParameterError(
                    f"{solver}: the optimizer factory for player {player.name!r} returned "
                    f"{type(opt).__name__}, not a torch.optim.Optimizer")
            rules.append(_OptimizerRule(opt, player.params))
        return rules
    for player, rate in zip(game.players, per_player(0.01 if lr is None else lr, "step size", solver)):
        try:
            rate = float(rate)
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"{solver}: step size for player {player.name!r} must be a number, got {rate!r}") from None
        if not (rate > 0 and math.isfinite(rate)):
            raise InvalidParameterError(
                f"{solver}: step size for player {player.name!r} must be positive and finite, got {rate!r}")
        rules.append(_StepSize(rate, player.params))
    return rules
