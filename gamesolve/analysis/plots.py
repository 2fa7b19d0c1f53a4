"""Matplotlib figures of runs and games. Nothing else in gamesolve draws.

Every function takes an optional ``ax`` and returns the ``Figure`` it drew on;
saving is the caller's choice (``fig.savefig(path)``).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .trajectory import Trajectory  # noqa: E402

__all__ = ["convergence_plot", "samples_plot", "image_grid"]


def convergence_plot(trajectories: Mapping[str, Trajectory], metric: str, *, ax: Axes | None = None,
                     title: str | None = None, logy: bool = True) -> Figure:
    """One curve of ``metric`` against step per labelled trajectory, on one axis.

    Trajectories lacking ``metric`` are left out; non-positive values are
    dropped on a log axis.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4))
    else:
        fig = ax.figure
    for label, traj in trajectories.items():
        if metric not in traj:
            continue
        steps, values = traj.steps, traj[metric]
        keep = np.isfinite(values) & ((values > 0) if logy else True)
        ax.plot(steps[keep], values[keep], label=label, lw=1.5)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    if title:
        ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


def samples_plot(samples: np.ndarray, *, reference: np.ndarray | None = None, centers: np.ndarray | None = None,
                 ax: Axes | None = None, title: str | None = None, lim: float | None = None) -> Figure:
    """A scatter of 2-D ``samples`` over an optional ``reference`` sample (grey)
    and mixture ``centers`` (crosses), on equal axes."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 4))
    else:
        fig = ax.figure
    if reference is not None:
        ref = np.asarray(reference, dtype=float)
        ax.scatter(ref[:, 0], ref[:, 1], s=2, c="0.75", alpha=0.5, label="data", rasterized=True)
    pts = np.asarray(samples, dtype=float)
    ax.scatter(pts[:, 0], pts[:, 1], s=2, c="C0", alpha=0.6, label="generated", rasterized=True)
    if centers is not None:
        c = np.asarray(centers, dtype=float)
        ax.scatter(c[:, 0], c[:, 1], marker="x", c="C3", s=30, label="modes")
    if lim is not None:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize="small")
    fig.tight_layout()
    return fig


def image_grid(images: np.ndarray, *, shape: tuple[int, int] = (8, 8), ncols: int = 10, ax: Axes | None = None,
               title: str | None = None, vmin: float = -1.0, vmax: float = 1.0) -> Figure:
    """Images (``(n, h*w)`` or ``(n, h, w)``, values in [vmin, vmax]) tiled in a grid."""
    imgs = np.asarray(images, dtype=float).reshape(-1, *shape)
    n = imgs.shape[0]
    rows = max(1, -(-n // ncols))
    canvas = np.full((rows * (shape[0] + 1) + 1, ncols * (shape[1] + 1) + 1), vmin)
    for k in range(n):
        r, c = divmod(k, ncols)
        canvas[1 + r * (shape[0] + 1):1 + r * (shape[0] + 1) + shape[0],
               1 + c * (shape[1] + 1):1 + c * (shape[1] + 1) + shape[1]] = imgs[k]
    if ax is None:
        fig, ax = plt.subplots(figsize=(ncols * 0.5, rows * 0.5 + 0.3))
    else:
        fig = ax.figure
    ax.imshow(canvas, cmap="gray_r", vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize="small")
    fig.tight_layout()
    return fig
