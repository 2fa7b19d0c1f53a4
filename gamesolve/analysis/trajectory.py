"""Trajectories: per-step metrics of a run, as numpy arrays."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidParameterError, ShapeError

__all__ = ["Trajectory", "overshoot", "settling_time", "oscillation_count", "oscillation_amplitude"]


class Trajectory:
    """Per-step metrics of a run.

    ``trajectory["grad_norm"]`` is a float array with one entry per recorded
    step, ``trajectory.steps`` the step index of each entry (entry ``t`` is
    measured at the iterate ``theta_t`` *before* step ``t``); a metric missing
    at some step is NaN there. ``trajectory.points`` holds the flattened
    strategies per recorded step when the run asked for them
    (``record_strategies=True``), else ``None``.
    """

    def __init__(self) -> None:
        self._steps: list[int] = []
        self._data: dict[str, list[float]] = {}
        self._points: list[np.ndarray] = []

    def append(self, step: int, metrics: Mapping[str, float], point: np.ndarray | None = None) -> None:
        n = len(self._steps)
        for key, value in metrics.items():
            if key not in self._data:
                self._data[key] = [math.nan] * n
            self._data[key].append(float(value))
        self._steps.append(int(step))
        for key, column in self._data.items():
            if len(column) == n:
                column.append(math.nan)
        if point is not None:
            self._points.append(np.asarray(point, dtype=float))

    def __len__(self) -> int:
        return len(self._steps)

    def __getitem__(self, key: str) -> np.ndarray:
        try:
            return np.asarray(self._data[key], dtype=float)
        except KeyError:
            raise KeyError(f"no metric {key!r} in this trajectory; it has {', '.join(self._data) or 'none'}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def keys(self) -> list[str]:
        return list(self._data)

    @property
    def steps(self) -> np.ndarray:
        return np.asarray(self._steps, dtype=int)

    @property
    def points(self) -> np.ndarray | None:
        return np.stack(self._points) if self._points else None

    def last(self, key: str) -> float:
        """The last non-NaN value of a metric (NaN if none)."""
        values = self[key]
        finite = values[~np.isnan(values)]
        return float(finite[-1]) if finite.size else math.nan

    def as_dict(self) -> dict[str, np.ndarray]:
        return {"step": self.steps, **{k: self[k] for k in self._data}}

    def to_csv(self, path: str | Path) -> Path:
        """Write one row per recorded step, one column per metric."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["step", *self._data])
            for k, step in enumerate(self._steps):
                writer.writerow([step, *(repr(self._data[key][k]) for key in self._data)])
        return path

    def state_dict(self) -> dict[str, Any]:
        return {"steps": list(self._steps), "data": {k: list(v) for k, v in self._data.items()},
                "points": [p.copy() for p in self._points]}

    @classmethod
    def from_state_dict(cls, state: Mapping[str, Any]) -> Trajectory:
        out = cls()
        out._steps = list(state["steps"])
        out._data = {k: list(v) for k, v in state["data"].items()}
        out._points = [np.asarray(p) for p in state.get("points", [])]
        return out

    def __repr__(self) -> str:
        return f"Trajectory({len(self)} steps; {', '.join(self._data)})"


# --------------------------------------------------------------------------
# Control-style metrics of a signal approaching a target (e.g. a multiplier
# approaching lambda*). Each takes a 1-D array (one signal) or a 2-D array
# (T, k) of k signals in columns, and returns a float or one value per column.
# --------------------------------------------------------------------------


def _signals(values: Any, target: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    x = np.asarray(values, dtype=float)
    if x.ndim not in (1, 2) or x.shape[0] == 0:
        raise ShapeError(f"expected a non-empty array of shape (T,) or (T, k) (k signals in columns), "
                         f"got shape {x.shape}")
    single = x.ndim == 1
    x = x.reshape(x.shape[0], -1)
    return x, np.broadcast_to(np.asarray(target, dtype=float), x.shape[1:]), single


def _band(target: np.ndarray, band: float, relative: bool) -> np.ndarray:
    """Half-width of the band: ``band |target|`` (``band`` where the target is 0) or ``band``."""
    if not relative:
        return np.full_like(target, band)
    return np.where(target != 0, band * np.abs(target), band)


def _out(result: np.ndarray, single: bool) -> Any:
    return result.item() if single else result


def overshoot(values: Any, target: Any, *, relative: bool = True) -> Any:
    """Largest excursion past ``target`` in the direction of approach (Ogata,
    *Modern Control Engineering*, ch. 5):

        overshoot = max(0, max_t s (x_t - target)) / |target - x_0|,   s = sign(target - x_0),

    a fraction of the initial distance (``relative=False``: without the
    division). A signal starting at its target has overshoot 0.
    """
    x, target, single = _signals(values, target)
    s = np.sign(target - x[0])
    peak = np.maximum(0.0, (s * (x - target)).max(axis=0))
    if relative:
        dist = np.abs(target - x[0])
        with np.errstate(over="ignore"):    # a start within ~1e-308 of the target: inf, not a warning
            peak = np.divide(peak, dist, out=np.zeros_like(peak), where=dist > 0)
    return _out(peak, single)


def settling_time(values: Any, target: Any, band: float = 0.01, *, relative: bool = True,
                  steps: Any = None) -> Any:
    """First time after which the signal stays within the band around ``target``:

        T_s = min{t : |x_s - target| <= tol for all s >= t},   tol = band |target| (relative) or band,

    as a step of ``steps`` (default: the index), ``inf`` if the last value is
    outside the band (not settled within the record).
    """
    x, target, single = _signals(values, target)
    outside = np.abs(x - target) > _band(target, band, relative)
    n = x.shape[0]
    last = np.where(outside.any(axis=0), n - 1 - np.argmax(outside[::-1], axis=0), -1)  # last index outside
    at = np.asarray(steps if steps is not None else np.arange(n), dtype=float)
    if at.shape != (n,):
        raise ShapeError(f"steps must have one entry per value ({n}), got shape {at.shape}")
    result = np.where(last == n - 1, np.inf, at[np.minimum(last + 1, n - 1)])
    return _out(result, single)


def oscillation_count(values: Any, target: Any, band: float = 0.01, *, relative: bool = True) -> Any:
    """How many times the signal crosses ``target`` from one side of the band to
    the other: the number of sign changes of ``x_t - target`` over the entries
    outside the band (entries inside it are ignored, so noise around a settled
    signal does not count)."""
    x, target, single = _signals(values, target)
    d = x - target
    side = np.where(np.abs(d) > _band(target, band, relative), np.sign(d), 0.0)
    counts = []
    for col in side.T:
        signs = col[col != 0]
        counts.append(int(np.count_nonzero(signs[1:] != signs[:-1])))
    return _out(np.asarray(counts), single)


def oscillation_amplitude(values: Any, tail: float = 0.5) -> Any:
    """Half the peak-to-peak range over the last ``tail`` fraction of the record,
    ``(max - min) / 2``: the size of the oscillation that persists (0 for a
    signal that has settled to a constant)."""
    if not 0 < tail <= 1:
        raise InvalidParameterError(f"tail is a fraction of the record and must be in (0, 1], got {tail}")
    x, _, single = _signals(values, 0.0)
    end = x[x.shape[0] - max(1, int(round(tail * x.shape[0]))):]
    return _out((end.max(axis=0) - end.min(axis=0)) / 2, single)
