"""Lookahead-minmax around any iterative solver (Chavdarova et al. 2021)."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..errors import IncompatibleSolverError, InvalidParameterError
from ..protocol import IterativeSolver, SolverWrapper
from .linear import (
    LinearField,
    Linearisable,
    Linearisation,
    LinearRules,
    LinearState,
    Update,
)
from .registry import make_solver, register_solver

__all__ = ["Lookahead"]


class Lookahead(SolverWrapper):
    """Lookahead-minmax (Chavdarova et al. 2021) around any iterative solver:
    after every ``k`` steps of ``solver`` the joint strategies are pulled back
    towards slow weights ``phi`` (both players at once),

        phi <- phi + alpha (theta - phi),   theta <- phi,

    with ``phi`` the strategies at the first step. Metrics are the inner
    solver's (``sync = 1`` on the steps that end with the pull-back), except
    that a pull-back step reports no residual: the inner solver measured it
    before the pull-back moved the weights, so ``gs.solve`` must not stop on it.
    ``state_dict`` holds the inner solver's state and the slow weights, so a
    resumed run continues exactly. The slow weights are convex combinations of
    feasible points, so they stay in convex domains.
    """

    requires = frozenset({"gradients"})   # what the default inner solver needs; an instance reports its inner's

    def __init__(self, solver: IterativeSolver, k: int = 5, alpha: float = 0.5):
        if not isinstance(solver, IterativeSolver):
            raise InvalidParameterError(f"Lookahead wraps an iterative solver (see gamesolve.protocol), got {solver!r}")
        if not (isinstance(k, int) and k >= 1):
            raise InvalidParameterError(f"Lookahead: k must be a positive integer, got {k!r}")
        if not (0 < alpha <= 1):
            raise InvalidParameterError(f"Lookahead: alpha must be in (0, 1], got {alpha!r}")
        super().__init__(solver)
        self.k, self.alpha = k, float(alpha)
        self.iteration = 0
        self.slow: list[Tensor] | None = None

    def step(self) -> dict[str, float]:
        """One inner step; every ``k``-th also moves the slow weights
        ``phi <- phi + alpha (theta - phi)`` and puts the strategies there (the
        inner solver's own state, e.g. optimizer moments, carries on)."""
        if self.slow is None:
            self.slow = self.game.snapshot()
        metrics = dict(self.inner.step() or {})
        self.iteration += 1
        sync = self.iteration % self.k == 0
        if sync:
            params = self.game.parameters()
            with torch.no_grad():
                torch._foreach_lerp_(self.slow, [p.detach() for p in params], self.alpha)
            self.game.restore(self.slow)
            self.game.project_()
            # measured before the pull-back moved the weights: not a residual of where the step ends
            metrics.pop(self.residual_key, None)
        metrics["sync"] = float(sync)
        return metrics

    def strategies(self) -> tuple[Any, Any]:
        """The players' current (fast) strategies."""
        return self.game.strategies()

    def state_dict(self) -> dict[str, Any]:
        """Iteration count, the inner solver's state and the slow weights."""
        return {"iteration": self.iteration, "inner": self.inner.state_dict(),
                "slow": None if self.slow is None else [t.clone() for t in self.slow]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved."""
        self.iteration = int(state["iteration"])
        self.inner.load_state_dict(state["inner"])
        self.slow = None if state["slow"] is None else [t.clone() for t in state["slow"]]

    def __repr__(self) -> str:
        return f"Lookahead({self.inner!r}, k={self.k}, alpha={self.alpha})"

    @classmethod
    def linear_update(cls, field: LinearField, state: LinearState, rules: LinearRules, *, inner: Update, k: int,
                      alpha: float) -> LinearState:
        """``k`` inner updates from the slow weights ``phi = z``, then
        ``z' = phi + alpha (z_k - phi)``; the inner solver's memory and rule
        states carry on. For an inner ``T_in`` without memory,
        ``T = (1 - alpha) I + alpha T_in^k`` over ``k`` steps (Chavdarova et al. 2021)."""
        start = state.z
        for _ in range(k):
            state = inner(field, state, rules)
        return state._replace(z=start + alpha * (state.z - start))

    @classmethod
    def by_name(cls, game: Any, inner: str = "gda", k: int = 5, alpha: float = 0.5, **params: Any) -> Lookahead:
        """Lookahead around the solver registered as ``inner``, built for ``game`` with ``params``."""
        return cls(make_solver(inner, game, **params), k=k, alpha=alpha)

    def linearisation(self) -> Linearisation:
        if not isinstance(self.inner, Linearisable):
            raise IncompatibleSolverError(f"Lookahead: the inner solver {self.inner!r} states no linearised update, "
                                          "so neither does the lookahead around it")
        inner = self.inner.linearisation()
        k, alpha, inner_map = self.k, self.alpha, inner.eigenvalue_map

        def cycle_eigenvalues(mu: np.ndarray) -> np.ndarray:
            return (1 - alpha) + alpha * inner_map(mu) ** k  # type: ignore[misc]
        return Linearisation(partial(self.linear_update, inner=inner.update, k=k, alpha=alpha), inner.rules,
                             memory=inner.memory, steps=k * inner.steps,
                             eigenvalue_map=cycle_eigenvalues if inner_map is not None and not inner.memory else None)


register_solver("lookahead", Lookahead.by_name, family="gradient",
                summary="lookahead-minmax around any solver, inner='gda' by default (Chavdarova et al. 2021)")
