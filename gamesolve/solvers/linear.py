"""Linearised updates: how a gradient solver states its update near a fixed point.

Near a fixed point ``z*`` of the simultaneous gradient, ``F(z* + z) = H z + O(|z|^2)``
with ``H`` the game Jacobian, so one iteration of a gradient solver maps the
deviation ``z`` (and whatever the solver remembers) linearly:
``state' = T state + O(|state|^2)``. The iterates converge locally iff the
spectral radius ``rho(T) < 1``, and ``|state_t| ~ rho(T)^t`` (Bertsekas 1999,
Prop. 4.4.1; Gidel et al. 2019).

Each solver class states ``T`` once, as a classmethod
``linear_update(field, state, rules, **hyper_parameters) -> state`` in terms of

- a :class:`LinearField`: products with ``H`` (and ``H^T`` where the solver
  uses them) on blocks of column vectors;
- a :class:`LinearState`: the deviations as columns: the strategies ``z``,
  the scheme's memory (OGDA's last update, past extragradient's last
  gradient), each player's rule state;
- :class:`LinearRules`: each player's update rule, linearised, acting on a
  direction ``d``: a step size ``eta`` moves by ``-eta d``
  (:class:`StepSize`), a :class:`~gamesolve.NuPI` controller by its PI law.

The scheme (optimism, extrapolation, consensus, lookahead, ...) lives in
``linear_update``, the per-player rule in :class:`LinearRules`, so a scheme
works with every rule that has a linearisation. An instance binds its own
hyper-parameters and rules in ``linearisation() -> Linearisation``, which is
what :mod:`gamesolve.analysis.stability` looks up through the registry: a new
solver with ``linearisation()`` is analysable by name with no edit elsewhere.
Per-player ``torch.optim`` rules other than plain SGD and NuPI (Adam, momentum,
...) are not linear in the gradient alone and have no linearisation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, runtime_checkable

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["LinearField", "LinearState", "LinearRule", "StepSize", "LinearRules", "Linearisation", "Linearisable",
           "LinearisableOptimizer"]


class LinearField(Protocol):
    """``F`` near the fixed point: ``field(Z) = H Z`` and ``field.transpose(Z) = H^T Z``
    for a block ``Z`` of column vectors (``(n, m)``; player 1's coordinates first)."""

    def __call__(self, Z: np.ndarray) -> np.ndarray: ...

    def transpose(self, Z: np.ndarray) -> np.ndarray: ...


class LinearState(NamedTuple):
    """Deviations from the fixed point, ``m`` columns each: ``z`` (``(n, m)``)
    the strategies, ``memory`` the scheme's blocks (``(n, m)`` each) and
    ``rules`` each player's rule state (``(r_i, m)``; ``r_i = 0`` for a step size)."""

    z: np.ndarray
    memory: tuple[np.ndarray, ...]
    rules: tuple[np.ndarray, np.ndarray]


class LinearRule(Protocol):
    """One player's update rule, linear in the direction ``d`` it is given."""

    def state_size(self, n: int) -> int:
        """Rows of rule state for a player with ``n`` coordinates."""
        ...

    def propose(self, d: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(u, state')``: the increment of the player's strategy for direction ``d``, and the next state."""
        ...


@dataclass(frozen=True)
class StepSize:
    """A plain step, ``u = -lr d``: projected gradient steps and ``torch.optim.SGD`` without momentum."""

    lr: float

    def state_size(self, n: int) -> int:
        return 0

    def propose(self, d: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return -self.lr * d, state


class LinearRules:
    """Both players' linearised rules over the coordinates ``slices`` of each player."""

    def __init__(self, rules: Sequence[LinearRule], slices: Sequence[slice]):
        self.rules = tuple(rules)
        self.slices = tuple(slices)

    @property
    def step_sizes(self) -> tuple[float, float] | None:
        """``(eta_x, eta_y)`` when both rules are plain steps, else ``None``."""
        if all(isinstance(r, StepSize) for r in self.rules):
            return self.rules[0].lr, self.rules[1].lr  # type: ignore[attr-defined]
        return None

    def propose(self, state: LinearState, d: np.ndarray, players: Sequence[int] = (0, 1)
                ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """The increments ``u`` (zero for players not in ``players``) for directions ``d``, and the rule states."""
        u = np.zeros_like(state.z)
        rule_states = list(state.rules)
        for i in players:
            u[self.slices[i]], rule_states[i] = self.rules[i].propose(d[self.slices[i]], state.rules[i])
        return u, (rule_states[0], rule_states[1])

    def step(self, state: LinearState, d: np.ndarray, players: Sequence[int] = (0, 1)) -> LinearState:
        """``players`` move along their rules for direction ``d``; the others stay."""
        u, rule_states = self.propose(state, d, players)
        return LinearState(state.z + u, state.memory, rule_states)


Update = Callable[[LinearField, LinearState, LinearRules], LinearState]


@dataclass(frozen=True)
class Linearisation:
    """A solver's iteration linearised at a fixed point, with its hyper-parameters bound.

    ``update(field, state, rules) -> state`` spans ``steps`` iterations of the
    solver (lookahead: its ``k`` inner steps); ``memory`` is the number of
    ``n``-blocks the scheme remembers. ``eigenvalue_map``, where given, maps
    the eigenvalues ``mu`` of ``L H`` (``L = diag(eta_x I, eta_y I)``) to those
    of ``T``: ``T`` is then a function of ``L H`` alone whenever both rules are
    plain steps, and ``rho(T)`` follows from the spectrum of ``L H`` (see
    :attr:`closed_form`).
    """

    update: Update
    rules: tuple[LinearRule, LinearRule]
    memory: int = 0
    steps: int = 1
    eigenvalue_map: Callable[[np.ndarray], np.ndarray] | None = None

    @property
    def closed_form(self) -> Callable[[np.ndarray], np.ndarray] | None:
        """The eigenvalue map when it applies (both rules plain steps), else ``None``."""
        plain = all(isinstance(r, StepSize) for r in self.rules)
        return self.eigenvalue_map if plain else None


@runtime_checkable
class Linearisable(Protocol):
    """A solver that states its linearised update."""

    def linearisation(self) -> Linearisation: ...


@runtime_checkable
class LinearisableOptimizer(Protocol):
    """A ``torch.optim.Optimizer`` whose update is linear in the gradient and its own state (e.g. NuPI)."""

    def linearised(self) -> LinearRule: ...


def uniform(groups: Sequence[dict], keys: Sequence[str], who: str) -> dict:
    """The hyper-parameters ``keys`` shared by every param group of an optimizer
    (one linear rule per player needs one value each)."""
    first = {k: groups[0][k] for k in keys}
    if any(g[k] != first[k] for g in groups for k in keys):
        raise InvalidParameterError(f"{who}: param groups with different {', '.join(keys)} have no single "
                                    "linearised rule per player; use one group per player to analyse it")
    return first

