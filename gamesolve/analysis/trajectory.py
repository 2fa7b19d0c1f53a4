"""Trajectories: per-step metrics of a run, as numpy arrays."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Trajectory"]


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
