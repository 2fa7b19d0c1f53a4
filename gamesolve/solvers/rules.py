"""Per-player update rules of the gradient solvers: a plain step size, or any
``torch.optim.Optimizer`` fed with the solver's direction as ``.grad``.

A rule moves one player along a direction ``s * d`` (``step``; the sign ``s``
is the one of :class:`~gamesolve.core.Evaluation`, folded into the step so
that a zero-sum game's max player never negates its gradient), or
optimistically (``optimistic_step``), holds its step sizes in ``param_groups`` (live, as a
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
Signed = tuple[list[Tensor], int]   # tensors and their sign: the vector is sign * tensors


class _StepSize:
    """``theta <- theta - lr * s * d`` for a direction ``d`` of sign ``s`` (see
    :class:`~gamesolve.core.Evaluation`); ``lr`` lives in the rule's one parameter
    group, as a torch optimizer's does, so schedules change it the same way."""

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

    def step(self, params: list[Tensor], direction: list[Tensor], sign: int = 1) -> None:
        # torch.set_grad_enabled(False) rather than torch.no_grad(): the same, at half the cost per step
        with torch.set_grad_enabled(False):
            torch._foreach_add_(params, direction, alpha=-sign * self.lr)

    def optimistic_step(self, params: list[Tensor], grads: list[Tensor], memory: Signed | None,
                        sign: int = 1) -> Signed:
        """``theta <- theta - lr (2 g_t - g_{t-1})`` for ``g_t = sign * grads`` and ``memory =
        (m, s)``, ``g_{t-1} = s * m``; returns ``(grads, sign)`` as the next memory."""
        lr = self.lr
        m, s = (grads, sign) if memory is None else memory
        with torch.set_grad_enabled(False):
            torch._foreach_add_(params, grads, alpha=-2 * sign * lr)
            torch._foreach_add_(params, m, alpha=s * lr)
        return grads, sign

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

    def step(self, params: list[Tensor], direction: list[Tensor], sign: int = 1) -> None:
        if sign != 1:
            direction = list(torch._foreach_neg(direction))
        for p, d in zip(params, direction):
            p.grad = d
        self.optimizer.step()
        for p in params:
            p.grad = None

    def optimistic_step(self, params: list[Tensor], grads: list[Tensor], memory: Signed | None,
                        sign: int = 1) -> Signed:
        """Update-level optimism (Daskalakis et al. 2018, Optimistic Adam):
        ``theta_{t+1} = theta_t + 2 u_t - u_{t-1}`` where ``u_t`` is the step the
        optimizer proposes from ``g_t = sign * grads``; returns ``(u_t, 1)`` as the next memory."""
        with torch.set_grad_enabled(False):
            start = [p.detach().clone() for p in params]
            self.step(params, grads, sign)
            update = torch._foreach_sub(params, start)
            if memory is not None:
                torch._foreach_add_(params, update)
                torch._foreach_add_(params, memory[0], alpha=-memory[1])
        return update, 1

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
