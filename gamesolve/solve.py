"""``gs.solve``: the one entry point that runs a solver on a game.

Iterative solvers (anything with ``step()``) run in a loop that records a
:class:`~gamesolve.analysis.trajectory.Trajectory`, stops on tolerance,
divergence, a callback or Ctrl-C, keeps the last finite state on NaN/inf and
checkpoints on request. One-shot solvers (anything with ``run()``, e.g. the
LP of a matrix game) are called once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from .analysis.metrics import METRICS
from .analysis.trajectory import Trajectory
from .core import all_finite, flatten
from .errors import GameError, InvalidParameterError, NonFiniteError
from .solvers.registry import make_solver

__all__ = ["solve", "Result", "SolveState"]


@dataclass
class Result:
    """What a run produced.

    ``strategies`` has one entry per player (a tensor for a tensor player, a
    list of tensors for a network player; numpy arrays for finite-game
    solvers). Solvers that find several equilibria list them all in
    ``equilibria`` (``strategies`` is the first), as
    :class:`~gamesolve.exact.Equilibrium` pairs that carry their exact form
    and exact regret; ``certified`` says that every one is an exact
    equilibrium of the game as given (iterative solvers' answers are
    approximate: ``certified`` is False). ``converged`` says whether
    the stopping criterion was met and ``reason`` says why the run ended.
    ``error`` holds the :class:`NonFiniteError` of a run that hit NaN/inf and
    was asked to report rather than raise.
    """

    strategies: tuple[Any, ...]
    trajectory: Trajectory = field(default_factory=Trajectory)
    converged: bool = False
    reason: str = ""
    wall_time: float = 0.0
    steps: int = 0
    solver: str = ""
    game: str = ""
    equilibria: list[tuple[Any, Any]] | None = None
    certified: bool = False
    value: float | None = None
    error: GameError | None = None
    checkpoint: Path | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"Result(game={self.game!r}, solver={self.solver!r}, steps={self.steps}, converged={self.converged}, "
                f"reason={self.reason!r}, wall_time={self.wall_time:.3g}s)")


class SolveState(NamedTuple):
    """What a callback receives after every step; a callback returning ``True`` stops the run."""

    step: int
    metrics: Mapping[str, float]
    game: Any
    solver: Any
    trajectory: Trajectory


Callback = Callable[[SolveState], Any]


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


class _Progress:
    """A rich progress bar refreshed at most ~10 times a second."""

    def __init__(self, enabled: bool, total: int, start: int, label: str):
        self.bar = None
        if not enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), TextColumn("{task.fields[info]}"), transient=False)
        self.bar.start()
        self.task = self.bar.add_task(label, total=total, completed=start, info="")
        self._last = 0.0

    def update(self, completed: int, metrics: Mapping[str, float], force: bool = False) -> None:
        if self.bar is None:
            return
        now = time.perf_counter()
        if force or now - self._last > 0.1:
            info = "  ".join(f"{k}={v:.3g}" for k, v in list(metrics.items())[:4])
            self.bar.update(self.task, completed=completed, info=info)
            self._last = now

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _save_checkpoint(path: Path, step: int, game: Any, solver: Any, trajectory: Trajectory) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"format": "gamesolve-checkpoint-1", "step": step, "game": game.state_dict(),
                "solver": solver.state_dict(), "trajectory": trajectory.state_dict()}, tmp)
    os.replace(tmp, path)


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
    divergence: float | None = None,
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
    - ``divergence``: stop (``reason="diverged"``) once the gradient norm
      exceeds this.
    - ``checkpoint``: a file written every ``checkpoint_every`` steps and when
      the run ends; ``resume_from``: a checkpoint to continue from exactly.
    - A solver that cannot usefully continue sets ``solver.stop_reason``, which
      ends the run (not converged) with that reason.
    - Ctrl-C finishes the current step and returns what the run has.
    """
    if isinstance(solver, str):
        name = solver
        solver = make_solver(solver, game, **solver_params)
    elif solver_params:
        raise InvalidParameterError(
            f"solver parameters {sorted(solver_params)} only apply to a solver given by name; "
            "pass them to the solver's constructor instead")
    else:
        name = type(solver).__name__
        if getattr(solver, "game", None) is None and hasattr(solver, "bind"):
            solver.bind(game)
    game_name = getattr(game, "name", type(game).__name__)
    if steps is None:
        steps = int(getattr(solver, "default_steps", 1000))
    if tol is None:
        tol = getattr(solver, "default_tol", None)
    if seed is not None:
        for obj in (game, solver):
            if hasattr(obj, "seed"):
                obj.seed(seed)
    start_time = time.perf_counter()
    if not hasattr(solver, "step"):
        if not hasattr(solver, "run"):
            raise InvalidParameterError(f"{name} has neither step() nor run(); it is not a solver")
        result = solver.run()
        result.wall_time = time.perf_counter() - start_time
        result.solver = result.solver or name
        result.game = result.game or game_name
        return result

    if steps < 0 or log_every < 1:
        raise InvalidParameterError(f"steps must be >= 0 and log_every >= 1, got steps={steps}, log_every={log_every}")
    if on_nonfinite not in ("raise", "report"):
        raise InvalidParameterError(f"on_nonfinite must be 'raise' or 'report', got {on_nonfinite!r}")
    extra_metrics = _resolve_metrics(metrics, game)
    residual_key = getattr(solver, "residual_key", "residual")
    ckpt_path = Path(checkpoint) if checkpoint is not None else None

    trajectory = Trajectory()
    step = 0
    if resume_from is not None:
        state = torch.load(resume_from, weights_only=False)
        if state.get("format") != "gamesolve-checkpoint-1":
            raise GameError(f"{resume_from} is not a gamesolve checkpoint")
        game.load_state_dict(state["game"])
        solver.load_state_dict(state["solver"])
        trajectory = Trajectory.from_state_dict(state["trajectory"])
        step = int(state["step"])

    params = list(game.parameters()) if hasattr(game, "parameters") else []
    # the iterates before the last two steps, so that a NaN/inf never costs the last finite state
    buffers = [[torch.empty_like(p) for p in params] for _ in range(2)]
    first = step

    def last_finite(at: int) -> int:
        """Put the strategies back at the latest finite iterate <= ``at`` we still hold; return its step."""
        game.restore(buffers[at % 2])
        if all_finite(params) or at == first:
            return at
        game.restore(buffers[(at - 1) % 2])
        return at - 1

    def point() -> np.ndarray | None:
        if not record_strategies or not params:
            return None
        return flatten([p.detach() for p in params]).double().cpu().numpy()

    def measure() -> dict[str, float]:
        """The extra metrics at the current iterate, leaving the game's random stream untouched."""
        rng = getattr(game, "generator", None)
        state = rng.get_state() if rng is not None else None
        try:
            return {k: float(fn(game)) for k, fn in extra_metrics.items()}
        finally:
            if rng is not None:
                rng.set_state(state)

    can_skip_metrics = hasattr(solver, "measuring")
    show = progress if progress is not None else (sys.stderr.isatty() and steps - step >= 100)
    bar = _Progress(bool(show), steps, step, f"{name} on {game_name}")
    converged, reason, error = False, f"reached the step budget ({steps})", None
    last: Mapping[str, float] = {}
    try:
        with _deferred_interrupt() as interrupt:
            while step < steps:
                row = measure() if step % log_every == 0 else {}
                here = point() if step % log_every == 0 else None
                if params:
                    with torch.no_grad():
                        torch._foreach_copy_(buffers[step % 2], params)
                if can_skip_metrics:   # per-step metrics only where they are recorded
                    solver.measuring = step % log_every == 0
                try:
                    info = solver.step() or {}
                except NonFiniteError as err:
                    step = last_finite(step) if params else step
                    error = NonFiniteError(f"{err}; the run keeps the finite iterate of step {step}", step=step)
                    reason = "non-finite values"
                    break
                last = {**info, **row}
                if step % log_every == 0:
                    trajectory.append(step, last, here)
                step += 1
                bar.update(step, last)
                residual = info.get(residual_key)
                if tol is not None and residual is not None and residual <= tol:
                    converged, reason = True, f"{residual_key} {residual:.3g} <= tol {tol:g} at step {step - 1}"
                    break
                if getattr(solver, "stop_reason", None):
                    reason = f"{solver.stop_reason} at step {step}"
                    break
                grad_norm = info.get("grad_norm")
                if divergence is not None and grad_norm is not None and grad_norm > divergence:
                    reason = f"diverged: grad_norm {grad_norm:.3g} > {divergence:g} at step {step - 1}"
                    break
                stop = False
                for cb in callbacks:
                    stop = bool(cb(SolveState(step, last, game, solver, trajectory))) or stop
                if stop:
                    reason = f"stopped by a callback at step {step}"
                    break
                if interrupt["hit"]:
                    reason = f"interrupted at step {step}"
                    break
                if ckpt_path is not None and checkpoint_every and step % checkpoint_every == 0 and all_finite(params):
                    _save_checkpoint(ckpt_path, step, game, solver, trajectory)
    finally:
        if can_skip_metrics:
            solver.measuring = True
        bar.update(step, last, force=True)
        bar.close()
    if error is None and step > first and params and not all_finite(params):
        step = last_finite(step - 1)
        error = NonFiniteError(f"{name}: the strategies overflowed in the last step; the run keeps the finite "
                               f"iterate of step {step} (lower the step size)", step=step)
        reason = "non-finite values"
    if ckpt_path is not None:
        _save_checkpoint(ckpt_path, step, game, solver, trajectory)
    if extra_metrics and (len(trajectory) == 0 or trajectory.steps[-1] != step):
        trajectory.append(step, measure(), point())
    strategies = solver.strategies() if hasattr(solver, "strategies") else game.strategies()
    result = Result(strategies=tuple(strategies), trajectory=trajectory, converged=converged, reason=reason,
                    wall_time=time.perf_counter() - start_time, steps=step, solver=name, game=game_name,
                    error=error, checkpoint=ckpt_path)
    if error is not None and on_nonfinite == "raise":
        error.result = result  # type: ignore[attr-defined]
        raise error
    return result
