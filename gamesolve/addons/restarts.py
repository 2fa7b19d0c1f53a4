"""Dual restarts for Lagrangian games (Gallego-Posada et al. 2022, "Controlled Sparsity via
Constrained Optimization", Sec. 4.2).

An inequality constraint ``g(x) <= 0`` whose multiplier has grown while it was
violated keeps pushing the primal player after the constraint is met, until
the violation has integrated the multiplier back down: the primal overshoots
into the interior. When overshooting is irreversible (gates of an L0 layer
switched off for good), the target is missed. A dual restart resets the
multiplier of every feasible entry, and its optimizer state, after a step:

    lambda_i <- 0   whenever   g_i(x_{t+1}) <= 0,

so a feasible constraint exerts no force and the objective alone moves the
primal player until the constraint is violated again. Used as a ``gs.solve``
callback::

    gs.solve(game, solver, steps=n, callbacks=[DualRestart(game)])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ..errors import InvalidParameterError
from ..lagrangian import LagrangianGame
from ..runs import SolveState

__all__ = ["DualRestart"]


class DualRestart:
    """Reset the multipliers of feasible inequality-constraint entries (and their
    dual-optimizer state) after every ``every``-th step.

    ``constraints``: names of the constraints to restart (default: every
    inequality). ``batch``: where feasibility is measured (default: a batch
    drawn without consuming the game's stream, see
    :meth:`~gamesolve.LagrangianGame.violations`); each check costs one
    evaluation of the problem, so raise ``every`` when that is expensive.
    ``restarts[name]`` counts the entries reset so far.
    """

    def __init__(self, game: LagrangianGame, constraints: Sequence[str] | None = None, *, every: int = 1,
                 batch: Any = None):
        if not isinstance(game, LagrangianGame):
            raise InvalidParameterError(f"DualRestart needs a LagrangianGame, got {type(game).__name__}")
        names = game.inequalities(constraints)
        if not isinstance(every, int) or every < 1:
            raise InvalidParameterError(f"DualRestart: every must be an int >= 1, got {every!r}")
        self.game, self.names, self.every, self.batch = game, names, every, batch
        self.restarts = {n: 0 for n in names}

    def __call__(self, state: SolveState) -> bool:
        if state.step % self.every == 0:
            optimizers = getattr(state.solver, "optimizers", (None, None))   # the gradient solvers' per-player rules
            self.restart(optimizers[1])
        return False

    def restart(self, optimizer: torch.optim.Optimizer | None = None) -> dict[str, int]:
        """Reset the feasible entries now (see :meth:`LagrangianGame.reset_multipliers`), and their state
        in the dual player's ``optimizer``; returns the number of entries reset per constraint."""
        done = self.game.reset_multipliers(self.names, batch=self.batch, optimizer=optimizer)
        for name, n in done.items():
            self.restarts[name] += n
        return done
