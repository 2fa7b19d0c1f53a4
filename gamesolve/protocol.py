"""The solver protocol: what :func:`gamesolve.solve` asks of a solver, in code.

Two kinds of solver, as :class:`typing.Protocol` s:

- :class:`IterativeSolver` (the gradient solvers, learning dynamics, oracle
  methods): ``step() -> dict`` advances one iteration and returns the
  metrics of the iterate it started from (one trajectory row, with the entry
  named ``residual_key`` compared with ``tol``); ``strategies()``,
  ``state_dict()`` / ``load_state_dict()`` for results and exact resumption.
- :class:`OneShotSolver` (the exact finite solvers): ``run() -> Solution``,
  the equilibria found; ``gs.solve`` builds the :class:`~gamesolve.runs.Result`.

Both state the capabilities they need (``requires``), and may be built
without a game and bound to one later (``bind(game)``). :class:`Solver` gives
every optional part its default, so a new solver writes only what it does;
:class:`SolverWrapper` forwards them to an inner solver (a scheme around
another solver, e.g. :class:`~gamesolve.solvers.Lookahead`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from .errors import IncompatibleSolverError

__all__ = ["IterativeSolver", "OneShotSolver", "Solver", "SolverWrapper", "Solution", "check_capabilities"]


def check_capabilities(game: Any, requires: frozenset[str], who: str) -> None:
    """Raise :class:`IncompatibleSolverError` if ``game`` lacks a capability ``who`` needs."""
    offered = frozenset(getattr(game, "capabilities", ()))
    missing = frozenset(requires) - offered
    if missing:
        raise IncompatibleSolverError(
            f"{who} needs {', '.join(sorted(missing))}, but {type(game).__name__} offers "
            f"{', '.join(sorted(offered)) or 'nothing'}; choose a solver that works with what the game offers "
            "(`gamesolve solvers` lists what each needs)"
        )


@dataclass
class Solution:
    """What a one-shot solver found.

    ``equilibria``: every equilibrium found, as pairs (for the exact finite
    solvers :class:`~gamesolve.exact.Equilibrium`, carrying their exact form
    and regret), or ``None`` when the answer is not a Nash equilibrium (a
    correlated equilibrium's marginals); ``strategies``: the pair the game is
    left at (by default the first equilibrium); ``metrics``: the solver's own
    measurements for the result's one trajectory row; ``value``: the game's
    value where the solver computes one; ``reason``: what was found, in words.
    """

    reason: str
    equilibria: list[tuple[Any, Any]] | None = None
    strategies: tuple[Any, Any] | None = None
    value: float | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.strategies is None:
            if not self.equilibria:
                raise ValueError("a Solution needs strategies or at least one equilibrium")
            self.strategies = self.equilibria[0]

    @property
    def certified(self) -> bool:
        """Whether every equilibrium is certified exact (see :class:`~gamesolve.exact.Equilibrium`)."""
        return bool(self.equilibria) and all(getattr(eq, "certified", False) for eq in self.equilibria)


@runtime_checkable
class IterativeSolver(Protocol):
    """A solver that ``gs.solve`` steps in a loop."""

    requires: frozenset[str]
    game: Any
    name: str                         # how results name it; "" for the class name
    residual_key: str                 # the metric of step()'s row compared with tol
    default_steps: int | None         # the step budget when gs.solve is given none
    default_tol: float | None         # the tolerance when gs.solve is given none
    stop_reason: str | None           # set to end the run (not converged) with this reason
    measuring: bool                   # False: the next step may skip its metrics and return {}

    def bind(self, game: Any) -> Any: ...
    def seed(self, seed: int) -> None: ...
    def step(self) -> dict[str, float]: ...
    def strategies(self) -> Sequence[Any]: ...
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state: dict[str, Any]) -> None: ...


@runtime_checkable
class OneShotSolver(Protocol):
    """A solver that ``gs.solve`` calls once."""

    requires: frozenset[str]
    game: Any
    name: str

    def bind(self, game: Any) -> Any: ...
    def seed(self, seed: int) -> None: ...
    def run(self) -> Solution: ...


class Solver:
    """Defaults for the optional parts of both protocols: no capabilities
    required, the residual named ``"residual"``, no default budget or
    tolerance, never stopping on its own, always measuring, no random state
    of its own; ``bind`` checks capabilities and keeps the game."""

    requires: ClassVar[frozenset[str]] = frozenset()
    residual_key: str = "residual"
    default_steps: int | None = None
    default_tol: float | None = None
    stop_reason: str | None = None
    measuring: bool = True
    game: Any = None
    name: str = ""

    def bind(self, game: Any) -> Solver:
        """Pair the solver with ``game``, checking that it offers what the solver needs."""
        check_capabilities(game, self.requires, self.name or type(self).__name__)
        self.game = game
        return self

    def seed(self, seed: int) -> None:
        """Reset the solver's own random stream; a deterministic solver has none."""


class SolverWrapper(Solver):
    """A scheme around an ``inner`` iterative solver: the optional parts of
    the protocol (the residual, budgets, stopping, measuring, seeding, the
    game and its binding, the step sizes) are the inner solver's."""

    def __init__(self, inner: IterativeSolver):
        self.inner = inner

    requires = property(lambda self: self.inner.requires)                                 # type: ignore[assignment]
    residual_key = property(lambda self: self.inner.residual_key)                         # type: ignore[assignment]
    default_steps = property(lambda self: self.inner.default_steps)                       # type: ignore[assignment]
    default_tol = property(lambda self: self.inner.default_tol)                           # type: ignore[assignment]
    stop_reason = property(lambda self: self.inner.stop_reason)                           # type: ignore[assignment]
    game = property(lambda self: self.inner.game)                                         # type: ignore[assignment]

    @property  # type: ignore[override]
    def measuring(self) -> bool:
        return self.inner.measuring

    @measuring.setter
    def measuring(self, value: bool) -> None:
        self.inner.measuring = value

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """The inner solver's step sizes (see :attr:`GradientSolver.param_groups`)."""
        return self.inner.param_groups  # type: ignore[attr-defined, no-any-return]

    @property
    def optimizers(self) -> tuple[Any, Any]:
        """The inner solver's per-player optimizers (see :attr:`GradientSolver.optimizers`)."""
        return self.inner.optimizers  # type: ignore[attr-defined, no-any-return]

    def bind(self, game: Any) -> SolverWrapper:
        self.inner.bind(game)
        return self

    def seed(self, seed: int) -> None:
        self.inner.seed(seed)
