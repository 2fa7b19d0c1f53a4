"""Callbacks for :func:`gamesolve.solve`: logging, checkpoints, sample figures, step-size schedules.

A callback is any callable ``callback(state: SolveState)`` that ``gs.solve``
calls after every step (returning ``True`` stops the run). These write what a
long run should leave behind as it goes, so an interrupted run loses nothing:

    gs.solve(game, solver, steps=20_000, log_every=50, callbacks=[
        gs.CSVLogger("runs/ring/metrics.csv"),
        gs.SaveSamples("runs/ring/samples", every=2000, centers=mixture.centers),
        gs.SaveCheckpoints("runs/ring/checkpoints", every=5000, keep=2),
    ])

Loggers write the rows of the run's trajectory (``log_every`` decides which
steps are recorded), each row once, as soon as it is recorded.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .core import all_finite
from .errors import InvalidParameterError, MissingDependencyError
from .runs import SolveState, write_checkpoint

__all__ = ["CSVLogger", "TensorBoardLogger", "SaveCheckpoints", "SaveSamples", "StepSizeSchedule"]


def _positive(value: int, what: str, who: str) -> int:
    if not isinstance(value, int) or value < 1:
        raise InvalidParameterError(f"{who}: {what} must be a positive int, got {value!r}")
    return value


class _TrajectoryRows:
    """Yields each newly recorded trajectory row ``(step, metrics)`` once;
    rows at or before ``after`` (e.g. already logged before a resume) are skipped."""

    def __init__(self) -> None:
        self.seen = 0
        self.after = -math.inf

    def new(self, state: SolveState) -> list[tuple[int, dict[str, float]]]:
        traj = state.trajectory
        steps = traj.steps
        out = []
        columns = {k: traj[k] for k in traj.keys()} if len(traj) > self.seen else {}
        for i in range(self.seen, len(traj)):
            if steps[i] > self.after:
                out.append((int(steps[i]), {k: float(v[i]) for k, v in columns.items() if not math.isnan(v[i])}))
        self.seen = len(traj)
        if out:
            self.after = out[-1][0]
        return out


class CSVLogger:
    """Append the trajectory's rows to a CSV file (one column per metric),
    flushed after every row. A new metric rewrites the file with the wider
    header; an existing file (a resumed run) is continued after its last step."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._rows = _TrajectoryRows()
        self._header: list[str] | None = None
        if self.path.exists() and self.path.stat().st_size:
            with self.path.open(newline="") as fh:
                rows = list(csv.reader(fh))
            if rows and rows[0] and rows[0][0] == "step" and len(rows) > 1:
                self._header = rows[0]
                self._rows.after = int(rows[-1][0])

    def __call__(self, state: SolveState) -> None:
        rows = self._rows.new(state)
        if not rows:
            return
        keys = {k for _, m in rows for k in m}
        if self._header is None or not keys <= set(self._header[1:]):
            self._header = ["step", *dict.fromkeys([*(self._header or [])[1:], *state.trajectory.keys()])]
            self._rewrite(state)
            return
        with self.path.open("a", newline="") as fh:
            writer = csv.writer(fh)
            for step, m in rows:
                writer.writerow([step, *(repr(m[k]) if k in m else "" for k in self._header[1:])])

    def _rewrite(self, state: SolveState) -> None:
        traj = state.trajectory
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        cols = {k: traj[k] for k in traj.keys()}
        with tmp.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(self._header)
            for i, step in enumerate(traj.steps):
                writer.writerow([int(step), *("" if k not in cols or math.isnan(cols[k][i]) else repr(float(cols[k][i]))
                                              for k in self._header[1:])])  # type: ignore[index]
        os.replace(tmp, self.path)


class TensorBoardLogger:
    """Write the trajectory's rows as TensorBoard scalars under ``logdir``
    (needs the ``tensorboard`` package: ``pip install tensorboard``)."""

    def __init__(self, logdir: str | os.PathLike, *, flush_every: int = 10):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as err:
            raise MissingDependencyError(
                f"TensorBoardLogger needs the 'tensorboard' package, which is not installed ({err}); "
                "install it with `pip install tensorboard`, or log with gs.CSVLogger instead") from err
        self.logdir = Path(logdir)
        self.writer = SummaryWriter(log_dir=str(self.logdir))
        self.flush_every = _positive(flush_every, "flush_every", "TensorBoardLogger")
        self._rows = _TrajectoryRows()
        self._calls = 0

    def __call__(self, state: SolveState) -> None:
        for step, metrics in self._rows.new(state):
            for key, value in metrics.items():
                self.writer.add_scalar(key, value, step)
        self._calls += 1
        if self._calls % self.flush_every == 0:
            self.writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self.writer.close()


class StepSizeSchedule:
    """Scale every player's step sizes by ``schedule(t)`` for step ``t``:

        eta_t = eta_0 * schedule(t),

    for each of the solver's ``param_groups`` (torch optimizers' groups and
    plain step sizes alike; the ``lr`` when the callback first runs is kept as
    ``initial_lr``, as torch's schedulers do, so checkpoints resume the
    schedule exactly). E.g. geometric decay to 5% over ``n`` steps:
    ``StepSizeSchedule(lambda t: 0.05 ** (t / n))``. Applies to solvers with
    ``param_groups`` (the gradient solvers and wrappers around them).
    """

    def __init__(self, schedule: Callable[[int], float]):
        if not callable(schedule):
            raise InvalidParameterError(f"StepSizeSchedule needs a callable step -> factor, got {schedule!r}")
        self.schedule = schedule

    def __call__(self, state: SolveState) -> None:
        factor = float(self.schedule(state.step))
        if not (factor >= 0 and math.isfinite(factor)):
            raise InvalidParameterError(f"StepSizeSchedule: schedule({state.step}) = {factor}; factors must be "
                                        "finite and >= 0")
        groups = getattr(state.solver, "param_groups", None)
        if groups is None:
            raise InvalidParameterError(f"StepSizeSchedule: {type(state.solver).__name__} has no param_groups (step "
                                        "sizes) to schedule; it applies to the gradient solvers")
        for group in groups:
            group["lr"] = group.setdefault("initial_lr", group["lr"]) * factor


class SaveCheckpoints:
    """Write a checkpoint ``folder/step-NNNNNN.ckpt`` every ``every`` steps,
    keeping the newest ``keep`` (``None``: all). Each file is one
    ``gs.solve(..., resume_from=file)`` accepts; steps whose strategies are
    not finite are skipped."""

    def __init__(self, folder: str | os.PathLike, every: int, *, keep: int | None = 3):
        self.folder = Path(folder)
        self.every = _positive(every, "every", "SaveCheckpoints")
        self.keep = None if keep is None else _positive(keep, "keep", "SaveCheckpoints")
        self.saved: list[Path] = []

    def __call__(self, state: SolveState) -> None:
        if state.step % self.every or not all_finite(list(state.game.parameters())):
            return
        path = self.folder / f"step-{state.step:06d}.ckpt"
        write_checkpoint(path, state.step, state.game, state.solver, state.trajectory)
        self.saved.append(path)
        while self.keep is not None and len(self.saved) > self.keep:
            old = self.saved.pop(0)
            old.unlink(missing_ok=True)


class SaveSamples:
    """Every ``every`` steps save a PNG of ``n`` samples of a GAN's generator
    to ``folder/samples-NNNNNN.png``, drawn with the same seeded latents each
    time (``game.sample(n, seed=seed)``) so the figures show one evolution.

    2-D samples are scattered (with ``reference`` data in grey and mixture
    ``centers`` as crosses); other samples are tiled as images of
    ``image_shape`` (default: square, e.g. 8 x 8 digits).
    """

    def __init__(self, folder: str | os.PathLike, every: int, *, n: int = 1000, seed: int = 0,
                 centers: Any | None = None, reference: Any | None = None,
                 image_shape: tuple[int, int] | None = None, lim: float | None = None):
        self.folder = Path(folder)
        self.every = _positive(every, "every", "SaveSamples")
        self.n, self.seed = _positive(n, "n", "SaveSamples"), int(seed)
        self.centers, self.reference = _numpy(centers), _numpy(reference)
        self.image_shape, self.lim = image_shape, lim
        self.saved: list[Path] = []

    def save(self, game: Any, step: int) -> Path:
        """Draw and save the figure of ``game``'s samples now."""
        import matplotlib.pyplot as plt

        from .analysis.plots import image_grid, samples_plot

        samples = game.sample(self.n, seed=self.seed).detach().cpu().numpy().reshape(self.n, -1)
        title = f"{getattr(game, 'name', '')} step {step}"
        if samples.shape[1] == 2:
            fig = samples_plot(samples, reference=self.reference, centers=self.centers, title=title, lim=self.lim)
        else:
            side = int(round(math.sqrt(samples.shape[1])))
            shape = self.image_shape or (side, side)
            fig = image_grid(samples[:100], shape=shape, title=title)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"samples-{step:06d}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        self.saved.append(path)
        return path

    def __call__(self, state: SolveState) -> None:
        if state.step % self.every == 0:
            self.save(state.game, state.step)


def _numpy(x: Any | None) -> np.ndarray | None:
    if x is None:
        return None
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)
