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
        inequalities = [c.name for c in game.constraints if c.inequality]
        names = inequalities if constraints is None else list(constraints)
        bad = [n for n in names if n not in inequalities]
        if bad:
            raise InvalidParameterError(f"DualRestart applies to inequality constraints {inequalities}; got {bad}")
        if not isinstance(every, int) or every < 1:
            raise InvalidParameterError(f"DualRestart: every must be an int >= 1, got {every!r}")
        self.game, self.names, self.every, self.batch = game, names, every, batch
        self.restarts = {n: 0 for n in names}

    def __call__(self, state: SolveState) -> bool:
        if state.step % self.every == 0:
            self.restart(getattr(state.solver, "rules", None))
        return False

    def restart(self, rules: Sequence[Any] | None = None) -> dict[str, int]:
        """Reset the feasible entries now; ``rules`` are a gradient solver's per-player
        update rules (their dual optimizer's state is reset too). Returns the
        number of entries reset per constraint."""
        observed = self.game._with_batch(self.batch, lambda b: self.game._observe(b)[1])
        optimizer = getattr(rules[1], "optimizer", None) if rules is not None else None
        done = {}
        for c, o, lam in zip(self.game.constraints, observed, self.game.players[1].params):
            if c.name not in self.names:
                continue
            feasible = o.violation.detach() <= 0
            if c.indexed:
                entries = o.indices[feasible]
            else:
                entries = feasible.reshape(lam.shape).nonzero(as_tuple=True) if lam.dim() else feasible
            n = int(feasible.sum())
            if n:
                with torch.no_grad():
                    if lam.dim() == 0:
                        lam.zero_()
                    else:
                        lam[entries] = 0
                if optimizer is not None:
                    _reset_state(optimizer.state.get(lam, {}), lam, entries)
            self.restarts[c.name] += n
            done[c.name] = n
        return done


def _reset_state(state: dict[str, Any], lam: torch.Tensor, entries: Any) -> None:
    """Zero the optimizer's per-entry buffers of ``lam`` at ``entries`` (booleans to False)."""
    for buf in state.values():
        if isinstance(buf, torch.Tensor) and buf.shape == lam.shape:
            with torch.no_grad():
                if lam.dim() == 0:
                    buf.zero_()
                else:
                    buf[entries] = False if buf.dtype == torch.bool else 0
