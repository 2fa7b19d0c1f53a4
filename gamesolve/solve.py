"""``gs.solve``: the one entry point that runs a solver on a game.

A one-shot solver (:class:`~gamesolve.protocol.OneShotSolver`) is called
once and its :class:`~gamesolve.protocol.Solution` becomes a
:class:`~gamesolve.runs.Result`. An iterative solver
(:class:`~gamesolve.protocol.IterativeSolver`) runs in a loop that records a
:class:`~gamesolve.analysis.trajectory.Trajectory`, stops on tolerance,
divergence, the solver's own ``stop_reason``, a callback or Ctrl-C, keeps the
last finite state on NaN/inf and checkpoints on request.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .analysis.metrics import METRICS, distance_to_equilibrium, exploitability
from .analysis.trajectory import Trajectory
from .core import all_finite, flatten
from .errors import InvalidParameterError, NonFiniteError
from .progress import Progress
from .protocol import IterativeSolver, OneShotSolver
from .runs import Callback, Result, SolveState, restore_checkpoint, write_checkpoint
from .solvers.registry import make_solver

__all__ = ["solve", "Result", "SolveState", "DIVERGENCE"]

DIVERGENCE = 1e8   # default: a run whose gradient norm exceeds this ends with reason "diverged"


def _resolve_metrics(metrics: Iterable[Any] | Mapping[str, Callable] | None, game: Any) -> dict[str, Callable]:
    if metrics is None:
        return {"distance": METRICS["distance"]} if getattr(game, "equilibrium", None) is not None else {}
    if isinstance(metrics, Mapping):
        return dict(metrics)
    out: dict[str, Callable] = {}
    for m in metrics:
        if callable(m):
            out[getattr(m, "__name__", f"metric{len(out)}")] = m
        elif m in METRICS:
            out[m] = METRICS[m]
        else:
            raise InvalidParameterError(f"unknown metric {m!r}; known: {', '.join(METRICS)}, or pass a callable")
    return out


@contextmanager
def _deferred_interrupt():
    """Turn the first Ctrl-C into a flag checked between steps (so a step is
    never cut in half); a second Ctrl-C interrupts at once."""
    flag = {"hit": False}
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):  # pragma: no cover - exercised by a subprocess test
        if flag["hit"]:
            raise KeyboardInterrupt
        flag["hit"] = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def solve(
    game: Any,
    solver: Any,
    steps: int | None = None,
    tol: float | None = None,
    *,
    callbacks: Sequence[Callback] = (),
    seed: int | None = None,
    metrics: Iterable[Any] | Mapping[str, Callable] | None = None,
    log_every: int = 1,
    progress: bool | None = None,
    on_nonfinite: str = "raise",
    divergence: float | None = DIVERGENCE,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int | None = None,
    resume_from: str | os.PathLike | None = None,
    record_strategies: bool = False,
    **solver_params: Any,
) -> Result:
    """Run ``solver`` on ``game`` and return a :class:`Result`.

    ``solver`` is a solver object or a registered name (``"ogda"``, ``"lp"``,
    ...; ``solver_params`` go to its constructor, except one named ``tol``,
    which is this function's: pass ``gs.make_solver("lp", game, tol=1e-9)``
    for a solver's own tolerance); a solver object built without a game
    (``gs.DoubleOracle()``) is bound to ``game`` here. For iterative solvers:

    - ``steps`` is the total step budget (a resumed run counts the steps it
      resumes from; default: the solver's ``default_steps``, else 1000);
      ``tol`` stops when the solver's residual (for gradient solvers
      ``||theta - P(theta - F(theta))||``) drops to ``tol`` (default: the
      solver's ``default_tol``, e.g. the ``epsilon`` of an oracle method).
    - ``metrics``: names from :data:`gamesolve.analysis.metrics.METRICS` or
      callables ``game -> float``, recorded every ``log_every`` steps next to
      the solver's own metrics; by default the distance to the game's known
      equilibrium, when there is one. Solvers that can skip their own
      measurements (gradient solvers) do so between recorded steps, so
      ``tol`` and ``divergence`` are then checked every ``log_every`` steps.
    - ``seed`` resets the game's random stream (and the solver's, if it has one).
    - ``progress``: a progress bar; ``None`` shows it on a terminal for runs of
      100 steps or more.
    - ``on_nonfinite="raise"`` raises :class:`NonFiniteError` (its ``result``
      attribute holds the run so far) and ``"report"`` returns the result with
      ``error`` set; either way the strategies are the last finite ones.
    - ``divergence``: stop (``reason`` starting ``"diverged"``, not converged)
      once the gradient norm exceeds this; default :data:`DIVERGENCE` (1e8),
      ``None`` never stops on it.
    - ``checkpoint``: a file written every ``checkpoint_every`` steps and when
      the run ends; ``resume_from``: a checkpoint to continue from exactly.
      Checkpoints hold only tensors, numbers, strings and plain containers and
      are read with ``torch.load(weights_only=True)`` (see :mod:`gamesolve.runs`).
    - A solver that cannot usefully continue sets ``solver.stop_reason``, which
      ends the run (not converged) with that reason.
    - Ctrl-C finishes the current step and returns what the run has.
    """
    solver, name = _solver(game, solver, solver_params)
    if seed is not None:
        if callable(getattr(game, "seed", None)):
            game.seed(seed)
        solver.seed(seed)
    start = time.perf_counter()
    if isinstance(solver, OneShotSolver):
        result = _one_shot(game, solver, name)
    else:
        if on_nonfinite not in ("raise", "report"):
            raise InvalidParameterError(f"on_nonfinite must be 'raise' or 'report', got {on_nonfinite!r}")
        run = _Loop(game, solver, name, steps=(solver.default_steps or 1000) if steps is None else steps,
                    tol=solver.default_tol if tol is None else tol, log_every=log_every,
                    metrics=_resolve_metrics(metrics, game), callbacks=callbacks, divergence=divergence,
                    checkpoint=checkpoint, checkpoint_every=checkpoint_every, record_strategies=record_strategies)
        if resume_from is not None:
            run.resume(resume_from)
        result = run.run(progress)
    result.wall_time = time.perf_counter() - start
    if result.error is not None and on_nonfinite == "raise":
        result.error.result = result  # type: ignore[attr-defined]
        raise result.error
    return result


def _solver(game: Any, solver: Any, params: dict[str, Any]) -> tuple[Any, str]:
    """The solver object for ``solver`` (a name or an object, bound to ``game``) and its name."""
    if isinstance(solver, str):
        return make_solver(solver, game, **params), solver
    if params:
        raise InvalidParameterError(
            f"solver parameters {sorted(params)} only apply to a solver given by name; "
            "pass them to the solver's constructor instead")
    if not isinstance(solver, (IterativeSolver, OneShotSolver)):
        raise InvalidParameterError(
            f"{type(solver).__name__} is not a solver: it needs step(), strategies() and state_dict() (iterative) "
            "or run() (one-shot), and the protocol's optional parts; derive it from gamesolve.protocol.Solver, "
            "which gives those their defaults")
    if solver.game is None:
        solver.bind(game)
    return solver, solver.name or type(solver).__name__


def _one_shot(game: Any, solver: OneShotSolver, name: str) -> Result:
    """Run a one-shot solver; the game is left at the solution's strategies, and the result's
    one trajectory row holds the solver's metrics, the largest exploitability among the
    equilibria and the distance to the game's known equilibrium."""
    solution = solver.run()
    game.set_strategies([torch.as_tensor(s) for s in solution.strategies])
    row = dict(solution.metrics)
    if solution.equilibria is not None:
        row["exploitability"] = max(exploitability(game, eq) for eq in solution.equilibria)
        if getattr(game, "equilibrium", None) is not None:
            row["distance"] = distance_to_equilibrium(game)
    trajectory = Trajectory()
    trajectory.append(0, row)
    return Result(strategies=solution.strategies, trajectory=trajectory, converged=True, reason=solution.reason,
                  steps=0, solver=name, game=getattr(game, "name", type(game).__name__),
                  equilibria=solution.equilibria, value=solution.value, certified=solution.certified,
                  extras=solution.extras)


class _Loop:
    """One run of an iterative solver: the loop of :func:`solve`."""

    def __init__(self, game: Any, solver: IterativeSolver, name: str, *, steps: int, tol: float | None,
                 log_every: int, metrics: dict[str, Callable], callbacks: Sequence[Callback],
                 divergence: float | None, checkpoint: str | os.PathLike | None, checkpoint_every: int | None,
                 record_strategies: bool):
        if steps < 0 or log_every < 1:
            raise InvalidParameterError(f"steps must be >= 0 and log_every >= 1, got steps={steps}, "
                                        f"log_every={log_every}")
        self.game, self.solver, self.name = game, solver, name
        self.game_name = getattr(game, "name", type(game).__name__)
        self.steps, self.tol, self.log_every = steps, tol, log_every
        self.metrics, self.callbacks, self.divergence = metrics, callbacks, divergence
        self.checkpoint = Path(checkpoint) if checkpoint is not None else None
        self.checkpoint_every, self.record_strategies = checkpoint_every, record_strategies
        self.trajectory, self.step, self.first = Trajectory(), 0, 0
        self.params = list(game.parameters()) if hasattr(game, "parameters") else []
        # the iterates before the last two steps, so that a NaN/inf never costs the last finite state, copied
        # from detached aliases of the strategy tensors (which every part of the library updates in place):
        # no grad-mode switch per step
        self.sources = [p.detach() for p in self.params]
        self.buffers = [[torch.empty_like(p) for p in self.params] for _ in range(2)]

    def resume(self, path: str | os.PathLike) -> None:
        """Continue exactly from a checkpoint written by a run of the same game and solver."""
        self.step, self.trajectory = restore_checkpoint(path, self.game, self.solver)
        self.first = self.step

    def last_finite(self, at: int) -> int:
        """Put the strategies back at the latest finite iterate <= ``at`` still held; return its step."""
        self.game.restore(self.buffers[at % 2])
        if all_finite(self.params) or at == self.first:
            return at
        self.game.restore(self.buffers[(at - 1) % 2])
        return at - 1

    def point(self) -> np.ndarray | None:
        if not self.record_strategies or not self.params:
            return None
        return flatten([p.detach() for p in self.params]).double().cpu().numpy()

    def measure(self) -> dict[str, float]:
        """The extra metrics at the current iterate, leaving the game's random stream untouched."""
        if not self.metrics:
            return {}
        rng = getattr(self.game, "generator", None)
        state = rng.get_state() if rng is not None else None
        try:
            return {k: float(fn(self.game)) for k, fn in self.metrics.items()}
        finally:
            if rng is not None:
                rng.set_state(state)

    def run(self, progress: bool | None) -> Result:
        show = progress if progress is not None else (sys.stderr.isatty() and self.steps - self.step >= 100)
        bar = Progress(bool(show), self.steps, self.step, f"{self.name} on {self.game_name}")
        outcome: tuple[bool, str, NonFiniteError | None] = (False, f"reached the step budget ({self.steps})", None)
        last: Mapping[str, float] = {}
        try:
            with _deferred_interrupt() as interrupt:
                while self.step < self.steps:
                    ended, last = self.advance(interrupt)
                    bar.update(self.step, last)
                    if ended is not None:
                        outcome = ended
                        break
        finally:
            self.solver.measuring = True
            bar.update(self.step, last, force=True)
            bar.close()
        return self.finish(*outcome)

    def advance(self, interrupt: dict[str, bool]) -> tuple[tuple[bool, str, NonFiniteError | None] | None,
                                                            Mapping[str, float]]:
        """One step; returns ``(converged, reason, error)`` if the run ends here, and the step's row."""
        recorded = self.step % self.log_every == 0
        row, here = (self.measure(), self.point()) if recorded else ({}, None)
        if self.sources:
            torch._foreach_copy_(self.buffers[self.step % 2], self.sources)
        self.solver.measuring = recorded     # per-step metrics only where they are recorded
        try:
            info = self.solver.step() or {}
        except NonFiniteError as err:
            self.step = self.last_finite(self.step) if self.params else self.step
            error = NonFiniteError(f"{err}; the run so far ({self.step} steps, strategies of step {self.step}) is in "
                                   "err.result", step=self.step)
            return (False, "non-finite values", error), {}
        last = {**info, **row} if row else info
        if recorded:
            self.trajectory.append(self.step, last, here)
        self.step += 1
        return self.stop(info, last, interrupt), last

    def stop(self, info: Mapping[str, float], last: Mapping[str, float],
             interrupt: dict[str, bool]) -> tuple[bool, str, None] | None:
        """Why the run ends after the step just taken, if it does; checkpoints otherwise."""
        step, key = self.step, self.solver.residual_key
        residual = info.get(key)
        if self.tol is not None and residual is not None and residual <= self.tol:
            return True, f"{key} {residual:.3g} <= tol {self.tol:g} at step {step - 1}", None
        if self.solver.stop_reason:
            return False, f"{self.solver.stop_reason} at step {step}", None
        grad_norm = info.get("grad_norm")
        if self.divergence is not None and grad_norm is not None and grad_norm > self.divergence:
            return False, f"diverged: grad_norm {grad_norm:.3g} > {self.divergence:g} at step {step - 1}", None
        stop = False
        for cb in self.callbacks:
            stop = bool(cb(SolveState(step, last, self.game, self.solver, self.trajectory))) or stop
        if stop:
            return False, f"stopped by a callback at step {step}", None
        if interrupt["hit"]:
            return False, f"interrupted at step {step}", None
        if self.checkpoint is not None and self.checkpoint_every and step % self.checkpoint_every == 0 \
                and all_finite(self.params):
            write_checkpoint(self.checkpoint, step, self.game, self.solver, self.trajectory)
        return None

    def finish(self, converged: bool, reason: str, error: NonFiniteError | None) -> Result:
        if error is None and self.step > self.first and self.params and not all_finite(self.params):
            self.step = self.last_finite(self.step - 1)
            error = NonFiniteError(f"{self.name}: the strategies overflowed in the last step; the run keeps the "
                                   f"finite iterate of step {self.step} (lower the step size)", step=self.step)
            reason = "non-finite values"
        if self.checkpoint is not None:
            write_checkpoint(self.checkpoint, self.step, self.game, self.solver, self.trajectory)
        if self.metrics and (len(self.trajectory) == 0 or self.trajectory.steps[-1] != self.step):
            self.trajectory.append(self.step, self.measure(), self.point())
        return Result(strategies=tuple(self.solver.strategies()), trajectory=self.trajectory, converged=converged,
                      reason=reason, steps=self.step, solver=self.name, game=self.game_name, error=error,
                      checkpoint=self.checkpoint)
