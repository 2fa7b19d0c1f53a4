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

__all__ = ["convergence_plot"]


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
