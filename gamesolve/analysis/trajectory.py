"""Trajectories: per-step metrics of a run, as numpy arrays."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InvalidParameterError, ShapeError

__all__ = ["Trajectory", "RateFit", "linear_rate", "rotation_angles", "oscillation_period", "Divergence",
           "detect_divergence", "PathAngle", "path_angle", "overshoot", "settling_time", "oscillation_count",
           "oscillation_amplitude"]


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
        """Record the metrics (and optionally the flattened strategies) of one step."""
        n = len(self._steps)
        data = self._data
        for key, value in metrics.items():
            column = data.get(key)
            if column is None:
                column = data[key] = [math.nan] * n
            column.append(float(value))
        self._steps.append(int(step))
        if len(metrics) < len(data):     # the columns this step did not measure
            for column in data.values():
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
        """The recorded metric names."""
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
        """``{'step': steps, metric: values, ...}`` as numpy arrays (e.g. for pandas)."""
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
        """Everything needed to rebuild the trajectory (checkpoints)."""
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
# convergence diagnostics of recorded runs: rates, rotation, divergence,
# path angle. Each takes plain arrays (``trajectory[metric]``,
# ``trajectory.points``) and returns numbers.
# --------------------------------------------------------------------------


class RateFit(NamedTuple):
    """A fitted per-step factor ``rate`` (``v_t ~ C rate^t``) with the
    ``confidence`` interval ``[low, high]`` of the fit, and ``count`` points used."""

    rate: float
    low: float
    high: float
    confidence: float
    count: int


def linear_rate(values: ArrayLike, steps: ArrayLike | None = None, *, start: int = 0, stop: int | None = None,
                confidence: float = 0.95) -> RateFit:
    """The linear (geometric) rate of a positive sequence, e.g. distances to
    the equilibrium: least squares on ``log v_t = a + t log(rate)``; the
    interval is ``exp(slope +- t_{(1+c)/2, m-2} se(slope))`` with Student's
    ``t`` quantile for ``m`` points. ``steps`` default to ``0, 1, ...``;
    ``[start:stop]`` selects the window; non-positive or non-finite values are
    left out. ``rate < 1`` converges, ``> 1`` diverges."""
    v = np.asarray(values, dtype=float)
    t = np.arange(v.size, dtype=float) if steps is None else np.asarray(steps, dtype=float)
    if t.shape != v.shape:
        raise ShapeError(f"linear_rate: {v.size} values but {t.size} steps")
    v, t = v[start:stop], t[start:stop]
    keep = np.isfinite(v) & (v > 0)
    v, t = v[keep], t[keep]
    if v.size < 3:
        raise InvalidParameterError(f"linear_rate needs at least 3 positive finite values in the window, got {v.size}")
    if not 0 < confidence < 1:
        raise InvalidParameterError(f"linear_rate: confidence must be in (0, 1), got {confidence!r}")
    y = np.log(v)
    tc = t - t.mean()
    sxx = float(tc @ tc)
    if sxx == 0:
        raise InvalidParameterError("linear_rate needs values at two or more distinct steps")
    slope = float(tc @ (y - y.mean())) / sxx
    residual = y - y.mean() - slope * tc
    stderr = math.sqrt(float(residual @ residual) / (v.size - 2) / sxx)
    from scipy import stats   # imported where used: scipy.stats costs a second at start-up

    half = float(stats.t.ppf(0.5 + confidence / 2, v.size - 2)) * stderr
    return RateFit(math.exp(slope), math.exp(slope - half), math.exp(slope + half), confidence, int(v.size))


def _centred(points: ArrayLike, center: ArrayLike | None) -> np.ndarray:
    p = np.asarray(points, dtype=float)
    if p.ndim != 2 or p.shape[0] < 2:
        raise ShapeError(f"expected points of shape (steps >= 2, dim), got {p.shape}")
    c = p[-1] if center is None else np.asarray(center, dtype=float).reshape(-1)
    if c.shape != p.shape[1:]:
        raise ShapeError(f"center has {c.size} coordinates, the points have {p.shape[1]}")
    return p - c


def rotation_angles(points: ArrayLike, center: ArrayLike | None = None) -> np.ndarray:
    """The angle (radians) swept per step around ``center`` (default: the last
    point, e.g. the fixed point a run converged to): between ``p_t - c`` and
    ``p_{t+1} - c``. Signed (counter-clockwise positive) for 2-D points, so
    that ``sum / (2 pi)`` is the winding number; unsigned in higher dimension.
    NaN where a point sits at the center."""
    d = _centred(points, center)
    a, b = d[:-1], d[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        if d.shape[1] == 2:
            angles = np.arctan2(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0], np.einsum("ij,ij->i", a, b))
        else:
            cos = np.einsum("ij,ij->i", a, b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
            angles = np.arccos(np.clip(cos, -1.0, 1.0))
    zero = (np.linalg.norm(a, axis=1) == 0) | (np.linalg.norm(b, axis=1) == 0)
    angles[zero] = np.nan
    return angles


def oscillation_period(points: ArrayLike, center: ArrayLike | None = None, *, method: str = "rotation") -> float:
    """The period, in steps, of the rotation of a trajectory around ``center``.

    ``method="rotation"``: ``2 pi / |mean rotation angle per step|`` (see
    :func:`rotation_angles`); for linear dynamics with eigenvalues
    ``r exp(+-i omega)`` this is ``2 pi / omega``. ``method="spectral"``: the
    dominant frequency of the first principal component of the directions
    ``(p_t - c) / ||p_t - c||`` (growth or decay removed), by FFT with 16x
    zero padding. ``inf`` when the trajectory does not rotate."""
    if method == "rotation":
        angles = rotation_angles(points, center)
        mean = abs(float(np.nanmean(angles))) if np.isfinite(angles).any() else 0.0
        return 2 * math.pi / mean if mean > 0 else math.inf
    if method != "spectral":
        raise InvalidParameterError(f"oscillation_period: method must be 'rotation' or 'spectral', got {method!r}")
    d = _centred(points, center)
    norms = np.linalg.norm(d, axis=1)
    u = d[norms > 0] / norms[norms > 0, None]
    if u.shape[0] < 4:
        return math.inf
    u = u - u.mean(axis=0)
    pc = u @ np.linalg.svd(u, full_matrices=False)[2][0]
    spectrum = np.abs(np.fft.rfft(pc * np.hanning(pc.size), n=16 * pc.size))
    k = int(np.argmax(spectrum[1:])) + 1
    return 16 * pc.size / k if spectrum[k] > 0 else math.inf


class Divergence(NamedTuple):
    """Whether a run diverged, from the index ``step`` on (``None`` if not), and why."""

    diverged: bool
    step: int | None
    reason: str


def detect_divergence(values: ArrayLike, *, threshold: float | None = None, growth: float = 100.0,
                      window: int = 50, confidence: float = 0.95) -> Divergence:
    """Divergence of a non-negative metric (a distance, a gradient norm), by
    the first of: a non-finite value; a value above ``threshold``; sustained
    growth, i.e. the last value exceeds ``growth`` times the running minimum
    *and* the rate fitted on the last ``window`` values (:func:`linear_rate`)
    is above 1 with the lower end of its ``confidence`` interval. Bounded
    oscillations (alternating GDA on a bilinear game) are not divergence."""
    v = np.asarray(values, dtype=float)
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        return Divergence(True, int(bad[0]), f"non-finite value at index {bad[0]}")
    if threshold is not None:
        over = np.flatnonzero(v > threshold)
        if over.size:
            return Divergence(True, int(over[0]), f"value {v[over[0]]:.3g} > threshold {threshold:g}")
    running_min = np.minimum.accumulate(v) if v.size else v
    if v.size >= 3 and v[-1] > growth * running_min[-1]:
        fit = linear_rate(v, start=max(0, v.size - window), confidence=confidence)
        if fit.low > 1:
            first = int(np.flatnonzero(v > growth * running_min)[0])
            return Divergence(True, first, f"grew {v[-1] / running_min[-1]:.3g}x above its minimum; "
                                           f"rate {fit.rate:.4g} (>= {fit.low:.4g}) over the last {fit.count} values")
    return Divergence(False, None, "no divergence detected")


class PathAngle(NamedTuple):
    """Along ``theta_a = start + a (end - start)``: the cosine of the angle
    between ``F(theta_a)`` and the path direction, and ``||F(theta_a)||``."""

    alpha: np.ndarray
    cosine: np.ndarray
    norm: np.ndarray


def path_angle(field: Callable[[np.ndarray], np.ndarray], start: ArrayLike, end: ArrayLike,
               alpha: ArrayLike | None = None) -> PathAngle:
    """The path-angle of Berard et al. (2020, "A closer look at the
    optimization landscapes of GANs"):

        c(a) = <end - start, F(theta_a)> / (||end - start|| ||F(theta_a)||),   theta_a = start + a (end - start),

    with ``F`` the simultaneous gradient (``field``, e.g.
    ``gamesolve.analysis.spectral.vector_field(game)``) on the straight line
    from the start of a run to its end (``alpha`` defaults to 0..1.2).
    Potential-like dynamics near ``end`` show a sign switch of ``c`` at
    ``a = 1``; rotational ones a bump with ``c`` near 0 and a minimum of the
    norm there (NaN where ``F = 0``)."""
    a = np.linspace(0.0, 1.2, 121) if alpha is None else np.asarray(alpha, dtype=float).reshape(-1)
    s, e = np.asarray(start, dtype=float).reshape(-1), np.asarray(end, dtype=float).reshape(-1)
    if s.shape != e.shape:
        raise ShapeError(f"path_angle: start has {s.size} coordinates, end has {e.size}")
    direction = e - s
    values = np.asarray(field(s[None, :] + a[:, None] * direction[None, :]), dtype=float).reshape(a.size, s.size)
    norm = np.linalg.norm(values, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = values @ direction / (norm * np.linalg.norm(direction))
    cosine[norm == 0] = np.nan
    return PathAngle(a, cosine, norm)
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
