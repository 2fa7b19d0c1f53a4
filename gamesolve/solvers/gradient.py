"""Gradient solvers for differentiable two-player games.

Each solver follows the simultaneous gradient ``F(theta) = (g_x, g_y)``
(each player's gradient of its own loss, see :mod:`gamesolve.core`) and
projects every player back onto its domain after every update. Update rules
are per player: a step size ``lr`` (plain projected gradient steps) or an
optimizer factory ``params -> torch.optim.Optimizer`` (Adam gives optimistic
Adam / extra-Adam, NuPI gives PI-controlled multipliers, ...).

A solver is a small object: ``step()`` performs one iteration and returns the
metrics of the iterate it started from; ``state_dict()`` /
``load_state_dict()`` capture everything needed to resume bit for bit (the
strategies themselves live in the game: see ``Game.state_dict``).

If a gradient or loss is NaN or infinite, ``step()`` raises
:class:`~gamesolve.errors.NonFiniteError` and leaves the strategies at the
iterate it started from.

Each solver states its iteration linearised at a fixed point once, in its
classmethod ``linear_update`` (see :mod:`gamesolve.solvers.linear`), which
the stability analysis (:mod:`gamesolve.analysis.stability`) reuses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..core import Game, all_finite
from ..errors import InvalidParameterError, NonFiniteError
from ..protocol import Solver
from .linear import (
    LinearField,
    Linearisation,
    LinearRules,
    LinearState,
    Update,
)
from .measurement import Measurement
from .registry import register_solver
from .rules import PerPlayer, Signed, make_rules, per_player

__all__ = ["GDA", "OGDA", "Extragradient", "GradientSolver"]

# --------------------------------------------------------------------------
# solvers
# --------------------------------------------------------------------------


class GradientSolver(Solver):
    """Shared machinery: per-player rules, projection, metrics, state.

    ``step()`` returns the metrics of the iterate it started from:
    ``grad_norm`` = ||F(theta_t)||, ``residual`` = ||theta_t - P(theta_t - F(theta_t))||
    (the projected-gradient / natural residual, equal to ``grad_norm`` on
    unconstrained domains; ``gs.solve`` compares it with ``tol``) and each
    player's loss as ``loss_<name>``. These norms also guard every update
    against NaN/inf gradients. With ``measuring = False`` (``gs.solve`` sets
    it on the steps it does not record, ``log_every > 1``) a step skips them,
    returns no metrics and checks only the losses; a NaN gradient then shows
    as a NaN loss one step later, where ``gs.solve`` restores the last finite
    iterate as usual.
    """

    requires = frozenset({"gradients"})

    def __init__(self, game: Game, lr: PerPlayer | None = None, *, optimizers: PerPlayer | None = None):
        self.bind(game)
        self.rules = make_rules(game, lr, optimizers, type(self).__name__)
        self.iteration = 0
        self._params = [p.params for p in game.players]
        self._measurement = Measurement(game)
        self.measuring = True

    # -- helpers ----------------------------------------------------------
    def _metrics(self, losses: tuple[Tensor, Tensor], grads: Sequence[list[Tensor]],
                 signs: Sequence[int] = (1, 1)) -> dict[str, float]:
        """The step's metrics (:class:`~gamesolve.solvers.measurement.Measurement`), or none
        when not ``measuring``; raises :class:`NonFiniteError` on a NaN/inf loss or gradient."""
        if self.measuring:
            metrics = self._measurement.measure(losses, grads, signs)
            total = sum(metrics.values())
        else:
            metrics, total = {}, float(losses[0]) + float(losses[1])   # inf - inf is NaN: caught too
        if not math.isfinite(total):
            self._check_finite(losses, grads)   # a real NaN/inf raises; a mere overflow does not
        return metrics

    def _check_finite(self, losses: tuple[Tensor, Tensor], grads: Sequence[list[Tensor]]) -> None:
        """Raise :class:`NonFiniteError` if a loss or gradient entry is NaN or infinite."""
        if all_finite([*losses, *(t for block in grads for t in block)]):
            return
        named = ", ".join(f"loss_{p.name}={float(v):.4g}" for p, v in zip(self.game.players, losses))
        raise NonFiniteError(
            f"{type(self).__name__}: non-finite loss or gradient at iteration {self.iteration} ({named}); "
            "strategies left at the last finite iterate", step=self.iteration)

    def _apply(self, i: int, direction: list[Tensor], sign: int = 1) -> None:
        self.rules[i].step(self._params[i], direction, sign)
        self.game.players[i].project_()

    def _linearised(self, update: Update, *, memory: int = 0,
                    eigenvalue_map: Callable[[np.ndarray], np.ndarray] | None = None) -> Linearisation:
        """``update`` (the class's ``linear_update`` with this solver's hyper-parameters
        bound) with each player's rule linearised (:mod:`gamesolve.solvers.linear`)."""
        rules = [rule.linearised(player.name) for rule, player in zip(self.rules, self.game.players)]
        return Linearisation(update, (rules[0], rules[1]), memory=memory, eigenvalue_map=eigenvalue_map)

    def _snapshot_into(self, buffers: list[Tensor] | None) -> list[Tensor]:
        params = self.game.parameters()
        if buffers is None:
            buffers = [torch.empty_like(p) for p in params]
        with torch.set_grad_enabled(False):
            torch._foreach_copy_(buffers, [p.detach() for p in params])
        return buffers

    # -- protocol -----------------------------------------------------------
    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """Both players' parameter groups, live, player 1's first: a torch
        optimizer's own groups, or one ``{"params", "lr"}`` group for a plain step
        size. Setting ``group["lr"]`` changes the next step, as for a torch
        optimizer (:class:`~gamesolve.StepSizeSchedule` does so)."""
        return [group for rule in self.rules for group in rule.param_groups]

    @property
    def optimizers(self) -> tuple[torch.optim.Optimizer | None, torch.optim.Optimizer | None]:
        """Each player's torch optimizer, ``None`` for a plain step size: give one to a
        ``torch.optim.lr_scheduler``, or reset its state."""
        return self.rules[0].optimizer, self.rules[1].optimizer

    def step(self) -> dict[str, float]:
        """One iteration; returns the metrics of the iterate it started from."""
        raise NotImplementedError

    def strategies(self) -> tuple[Any, Any]:
        """The players' current strategies (detached copies)."""
        return self.game.strategies()

    def _extra_state(self) -> dict[str, Any]:
        return {}

    def _load_extra_state(self, state: dict[str, Any]) -> None:
        return None

    def state_dict(self) -> dict[str, Any]:
        """A snapshot of the iteration count, per-player rule state and solver
        memory (not the strategies, which the game's ``state_dict`` holds)."""
        return {"iteration": self.iteration, "rules": [r.state_dict() for r in self.rules], **self._extra_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved (the strategies live in the game)."""
        self.iteration = int(state["iteration"])
        for rule, s in zip(self.rules, state["rules"]):
            rule.load_state_dict(s)
        self._load_extra_state(state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.game.name})"


def _clone_memory(memory: list[list[Tensor] | None]) -> list[list[Tensor] | None]:
    return [None if m is None else [t.detach().clone() for t in m] for m in memory]


class GDA(GradientSolver):
    """Gradient descent-ascent, simultaneous or alternating.

    Simultaneous: ``theta_{t+1} = P(theta_t - eta F(theta_t))``.
    Alternating (``alternating=True``): the players move in ``order``, each
    taking ``k`` steps (``steps_per_player=k`` or ``(k_x, k_y)``) against the
    other's latest strategy, e.g. ``x_{t+1} = P(x_t - eta_x g_x(x_t, y_t))``,
    ``y_{t+1} = P(y_t - eta_y g_y(x_{t+1}, y_t))``. On bilinear games the
    simultaneous iterates spiral out while the alternating ones stay bounded
    (Gidel et al. 2019, "Negative momentum"; Bailey et al. 2020).
    """

    def __init__(self, game: Game, lr: PerPlayer | None = None, *, optimizers: PerPlayer | None = None,
                 alternating: bool = False, steps_per_player: int | Sequence[int] = 1,
                 order: Sequence[int] = (0, 1)):
        super().__init__(game, lr, optimizers=optimizers)
        self.alternating = bool(alternating)
        ks = per_player(steps_per_player, "step count", "GDA")
        if not all(isinstance(k, int) and k >= 1 for k in ks):
            raise InvalidParameterError(f"GDA: steps_per_player must be positive integers, got {steps_per_player!r}")
        self.steps_per_player = (int(ks[0]), int(ks[1]))
        if sorted(order) != [0, 1]:
            raise InvalidParameterError(f"GDA: order must be (0, 1) or (1, 0), got {order!r}")
        self.order = tuple(order)

    @classmethod
    def linear_update(cls, field: LinearField, state: LinearState, rules: LinearRules, *, alternating: bool = False,
                      order: Sequence[int] = (0, 1), steps_per_player: Sequence[int] = (1, 1)) -> LinearState:
        """Simultaneous: ``z' = z + u(H z)``, ``u = -L H z`` for step sizes
        ``L = diag(eta_x I, eta_y I)``, so ``T = I - L H``. Alternating: the
        players of ``order`` move in turn, each ``steps_per_player`` times, on
        ``H`` at the latest ``z``: ``x' = x - L_x (H z)_x``, then
        ``y' = y - L_y (H (x', y))_y``."""
        if not alternating:
            return rules.step(state, field(state.z))
        for i in order:
            for _ in range(steps_per_player[i]):
                state = rules.step(state, field(state.z), players=(i,))
        return state

    def linearisation(self) -> Linearisation:
        """:meth:`linear_update` with this solver's ``alternating``, ``order``, ``steps_per_player`` and rules;
        simultaneous steps have eigenvalues ``1 - mu`` for the eigenvalues ``mu`` of ``L H``."""
        update = partial(self.linear_update, alternating=self.alternating, order=self.order,
                         steps_per_player=self.steps_per_player)
        return self._linearised(update, eigenvalue_map=None if self.alternating else _gda_eigenvalues)

    def step(self) -> dict[str, float]:
        ev = self.game.evaluate()
        metrics = self._metrics(ev.losses, ev.raw, ev.signs)  # type: ignore[arg-type]
        if not self.alternating:
            for i in (0, 1):
                self._apply(i, ev.raw[i], ev.signs[i])  # type: ignore[arg-type]
        else:
            first = True
            for i in self.order:
                for _ in range(self.steps_per_player[i]):
                    if not first:
                        ev = self.game.evaluate((i,))
                        self._check_finite(ev.losses, [ev.raw[i]])  # type: ignore[list-item]
                    first = False
                    self._apply(i, ev.raw[i], ev.signs[i])  # type: ignore[arg-type]
        self.iteration += 1
        return metrics


class OGDA(GradientSolver):
    """Optimistic gradient descent-ascent (Popov 1980; Daskalakis et al. 2018):

        theta_{t+1} = P(theta_t - eta (2 F(theta_t) - F(theta_{t-1}))),  F(theta_{-1}) = F(theta_0).

    With optimizer factories the optimism acts on the optimizer's proposed
    update ``u_t``: ``theta_{t+1} = P(theta_t + 2 u_t - u_{t-1})`` (Optimistic
    Adam of Daskalakis et al. 2018), which is the rule above for plain SGD.
    ``memory`` is each player's ``F(theta_{t-1})`` (its ``u_{t-1}`` with optimizers).
    """

    def __init__(self, game: Game, lr: PerPlayer | None = None, *, optimizers: PerPlayer | None = None):
        super().__init__(game, lr, optimizers=optimizers)
        self._memory: list[Signed | None] = [None, None]   # kept with the sign of the evaluation (no negation)

    @property
    def memory(self) -> list[list[Tensor] | None]:
        return [None if m is None else m[0] if m[1] == 1 else list(torch._foreach_neg(m[0])) for m in self._memory]

    @memory.setter
    def memory(self, memory: Sequence[list[Tensor] | None]) -> None:
        self._memory = [None if m is None else (list(m), 1) for m in memory]

    @classmethod
    def linear_update(cls, field: LinearField, state: LinearState, rules: LinearRules) -> LinearState:
        """``z' = z + 2 u_t - u_{t-1}`` with ``u_t`` the rules' increment for
        ``H z`` (remembered): for step sizes ``z' = z - L H (2 z - z_prev)``, whose
        ``T`` has the roots of ``l^2 - (1 - 2 mu) l - mu`` as eigenvalues, per
        eigenvalue ``mu`` of ``L H`` (Gidel et al. 2019; Mokhtari et al. 2020)."""
        u, rule_states = rules.propose(state, field(state.z))
        return LinearState(state.z + 2 * u - state.memory[0], (u,), rule_states)

    def linearisation(self) -> Linearisation:
        return self._linearised(self.linear_update, memory=1, eigenvalue_map=_optimistic_eigenvalues)

    def step(self) -> dict[str, float]:
        ev = self.game.evaluate()
        metrics = self._metrics(ev.losses, ev.raw, ev.signs)  # type: ignore[arg-type]
        for i in (0, 1):
            self._memory[i] = self.rules[i].optimistic_step(self._params[i], ev.raw[i], self._memory[i],
                                                            ev.signs[i])  # type: ignore[arg-type]
            self.game.players[i].project_()
        self.iteration += 1
        return metrics

    def _extra_state(self) -> dict[str, Any]:
        return {"memory": _clone_memory(self.memory)}

    def _load_extra_state(self, state: dict[str, Any]) -> None:
        self.memory = _clone_memory(state["memory"])


class Extragradient(GradientSolver):
    """Extragradient (Korpelevich 1976), with optimizers extra-Adam (Gidel et al. 2019):

        theta_{t+1/2} = P(theta_t - eta F(theta_t)),   theta_{t+1} = P(theta_t - eta F(theta_{t+1/2})).

    ``past=True`` is extrapolation from the past (Popov 1980; Gidel et al.
    2019), one gradient evaluation per step by reusing the last one:
    ``theta_{t+1/2} = P(theta_t - eta F(theta_{t-1/2}))``, with
    ``theta_{-1/2} = theta_0``. Its metrics are measured at the extrapolated
    point ``theta_{t+1/2}``, the only point it evaluates.
    With optimizers, both the extrapolation and the update advance the
    optimizer's state, as in Gidel et al.'s ExtraAdam.
    """

    def __init__(self, game: Game, lr: PerPlayer | None = None, *, optimizers: PerPlayer | None = None,
                 past: bool = False):
        super().__init__(game, lr, optimizers=optimizers)
        self.past = bool(past)
        self.memory: list[list[Tensor] | None] = [None, None]
        self._start: list[Tensor] | None = None

    @classmethod
    def linear_update(cls, field: LinearField, state: LinearState, rules: LinearRules, *,
                      past: bool = False) -> LinearState:
        """Extrapolate from ``z`` along ``H z`` (past: along the remembered
        ``H z_{t-1/2}``) to ``z_{t+1/2}``, then step from ``z`` along ``H z_{t+1/2}``;
        both steps advance the rules' state. For step sizes
        ``T = I - L H + (L H)^2`` (eigenvalues ``1 - mu + mu^2``); past
        extragradient's ``T`` has OGDA's eigenvalues."""
        if past:
            half = rules.step(state, state.memory[0])
            mid = field(half.z)
            return rules.step(half._replace(z=state.z), mid)._replace(memory=(mid,))
        half = rules.step(state, field(state.z))
        return rules.step(half._replace(z=state.z), field(half.z))

    def linearisation(self) -> Linearisation:
        return self._linearised(partial(self.linear_update, past=self.past), memory=int(self.past),
                                eigenvalue_map=_optimistic_eigenvalues if self.past else _extragradient_eigenvalues)

    def _restore_start(self) -> None:
        self.game.restore(self._start)  # type: ignore[arg-type]

    def step(self) -> dict[str, float]:
        if self.past and self.memory[0] is None:
            ev0 = self.game.evaluate()
            self._check_finite(ev0.losses, ev0.raw)  # type: ignore[arg-type]
            self.memory = list(ev0.grads)
        self._start = self._snapshot_into(self._start)
        if self.past:
            for i in (0, 1):
                self._apply(i, self.memory[i])  # type: ignore[arg-type]
            try:
                ev = self.game.evaluate()
                metrics = self._metrics(ev.losses, ev.raw, ev.signs)  # type: ignore[arg-type]
            except BaseException:
                self._restore_start()
                raise
            self.memory = list(ev.grads)
            self._restore_start()
            for i in (0, 1):
                self._apply(i, ev.raw[i], ev.signs[i])  # type: ignore[arg-type]
        else:
            ev = self.game.evaluate()
            metrics = self._metrics(ev.losses, ev.raw, ev.signs)  # type: ignore[arg-type]
            for i in (0, 1):
                self._apply(i, ev.raw[i], ev.signs[i])  # type: ignore[arg-type]
            try:
                mid = self.game.evaluate()
                self._check_finite(mid.losses, mid.raw)  # type: ignore[arg-type]
            except BaseException:
                self._restore_start()
                raise
            self._restore_start()
            for i in (0, 1):
                self._apply(i, mid.raw[i], mid.signs[i])  # type: ignore[arg-type]
        self.iteration += 1
        return metrics

    def _extra_state(self) -> dict[str, Any]:
        return {"memory": _clone_memory(self.memory)}

    def _load_extra_state(self, state: dict[str, Any]) -> None:
        self.memory = _clone_memory(state["memory"])


def _gda_eigenvalues(mu: np.ndarray) -> np.ndarray:
    return 1 - mu


def _extragradient_eigenvalues(mu: np.ndarray) -> np.ndarray:
    return 1 - mu + mu * mu


def _optimistic_eigenvalues(mu: np.ndarray) -> np.ndarray:
    """Both roots of ``l^2 - (1 - 2 mu) l - mu`` for each ``mu``."""
    b = 1 - 2 * mu
    root = np.sqrt(b * b + 4 * mu + 0j)
    return np.concatenate([(b + root) / 2, (b - root) / 2])


register_solver("gda", GDA, family="gradient", summary="simultaneous gradient descent-ascent")
register_solver("alternating-gda", partial(GDA, alternating=True), family="gradient",
                summary="alternating gradient descent-ascent")
register_solver("ogda", OGDA, family="gradient", summary="optimistic gradient descent-ascent (Daskalakis et al. 2018)")
register_solver("extragradient", Extragradient, family="gradient", summary="extragradient (Korpelevich 1976)")
register_solver("past-extragradient", partial(Extragradient, past=True), family="gradient",
                summary="extrapolation from the past (Popov 1980; Gidel et al. 2019)")
