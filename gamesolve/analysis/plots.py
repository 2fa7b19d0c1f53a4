"""Matplotlib figures of runs and games. Nothing else in gamesolve draws.

Every function takes an optional ``ax`` and returns the ``Figure`` it drew on;
saving is the caller's choice (``fig.savefig(path)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .trajectory import Trajectory  # noqa: E402

__all__ = ["convergence_plot", "phase_portrait", "stability_region_plot", "spectrum_plot", "samples_plot", "image_grid",
           "mixture_samples_plot"]


def convergence_plot(trajectories: Mapping[str, Trajectory], metric: str, *, ax: Axes | None = None,
                     title: str | None = None, logy: bool = True) -> Figure:
    """One curve of ``metric`` against step per labelled trajectory, on one axis.

    Trajectories lacking ``metric`` are left out; non-positive values are
    dropped on a log axis; a one-point trajectory (a one-shot solver) is a
    marker. Beyond ten curves colours repeat with other line styles and the
    legend moves beside the axis.
    """
    shown = {label: traj for label, traj in trajectories.items() if metric in traj}
    many = len(shown) > 10
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.5 if many else 6, 4.5 if many else 4))
    else:
        fig = ax.figure
    colours = plt.get_cmap("tab10").colors
    for k, (label, traj) in enumerate(shown.items()):
        steps, values = traj.steps, traj[metric]
        keep = np.isfinite(values) & ((values > 0) if logy else True)
        style = {"color": colours[k % 10], "linestyle": ("-", "--", ":", "-.")[(k // 10) % 4]}
        if keep.sum() == 1:
            style.update(marker="o", linestyle="none")
        ax.plot(steps[keep], values[keep], label=label, lw=1.5, **style)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    if title:
        ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        if many:
            ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=1 + len(shown) // 18)
        else:
            ax.legend(fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# figures of the convergence analysis (gamesolve.analysis.spectral)
# --------------------------------------------------------------------------


def phase_portrait(field: Callable[[np.ndarray], np.ndarray], xlim: tuple[float, float], ylim: tuple[float, float],
                   trajectories: Mapping[str, np.ndarray] | None = None, *, ax: Axes | None = None,
                   density: int = 21, fixed_point: Sequence[float] | None = None, labels: tuple[str, str] = ("x", "y"),
                   title: str | None = None) -> Figure:
    """The flow ``-F`` of a game with one scalar per player (arrows on a
    ``density x density`` grid; gradient play moves along them), with labelled
    trajectories (arrays of shape ``(steps, 2)``, e.g. ``result.trajectory.points``)
    and an optional fixed point. ``field`` maps points ``(m, 2)`` to ``F``
    (``gamesolve.analysis.spectral.vector_field(game)``)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 5))
    else:
        fig = ax.figure
    gx, gy = np.meshgrid(np.linspace(*xlim, density), np.linspace(*ylim, density))
    F = np.asarray(field(np.column_stack([gx.ravel(), gy.ravel()])), dtype=float).reshape(-1, 2)
    u, v = -F[:, 0].reshape(gx.shape), -F[:, 1].reshape(gx.shape)
    speed = np.hypot(u, v)
    ax.quiver(gx, gy, u / np.where(speed > 0, speed, 1), v / np.where(speed > 0, speed, 1), speed, cmap="Greys",
              alpha=0.6, angles="xy", pivot="mid")
    for label, pts in (trajectories or {}).items():
        pts = np.asarray(pts, dtype=float)
        ax.plot(pts[:, 0], pts[:, 1], lw=1.3, label=label)
        ax.plot(pts[0, 0], pts[0, 1], "o", ms=4, color=ax.lines[-1].get_color())
    if fixed_point is not None:
        ax.plot(*fixed_point, "k*", ms=10, label="fixed point")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if title:
        ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def stability_region_plot(eta_x: np.ndarray, eta_y: np.ndarray, radius: np.ndarray, *, ax: Axes | None = None,
                          title: str | None = None) -> Figure:
    """The spectral radius of a linearised update over step sizes
    ``(eta_x, eta_y)`` (``radius[i, j]`` at ``(eta_x[j], eta_y[i])``, as from
    ``gamesolve.analysis.spectral.stability_grid``) on log axes, with the
    contour ``rho = 1`` bounding the stable region."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 4.5))
    else:
        fig = ax.figure
    rho = np.asarray(radius, dtype=float)
    with np.errstate(divide="ignore"):
        log_rho = np.log10(rho)
    finite = log_rho[np.isfinite(log_rho)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    mesh = ax.pcolormesh(eta_x, eta_y, log_rho, shading="auto", cmap="RdYlGn_r",
                         norm=TwoSlopeNorm(vmin=min(lo, -1e-6), vcenter=0.0, vmax=max(hi, 1e-6)))
    fig.colorbar(mesh, ax=ax, label="log10 spectral radius (green: contracting)")
    if finite.size and lo < 0 < hi:
        ax.contour(eta_x, eta_y, log_rho, levels=[0.0], colors="k", linewidths=1.2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("eta_x")
    ax.set_ylabel("eta_y")
    ax.set_title(title or "stable where spectral radius < 1 (black contour)")
    fig.tight_layout()
    return fig


def spectrum_plot(values: Mapping[str, np.ndarray], *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Eigenvalues in the complex plane, one labelled set per entry (e.g.
    the game Jacobian's; gradient play is stable when all lie right of the
    imaginary axis)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 4.5))
    else:
        fig = ax.figure
    for label, vals in values.items():
        vals = np.asarray(vals, dtype=complex)
        ax.scatter(vals.real, vals.imag, s=18, label=label)
    ax.axvline(0.0, color="k", lw=0.8)
    ax.axhline(0.0, color="k", lw=0.5, alpha=0.5)
    ax.set_xlabel("real part")
    ax.set_ylabel("imaginary part")
    if title:
        ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# samples of generative games
# --------------------------------------------------------------------------


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


def mixture_samples_plot(samples: np.ndarray, which: np.ndarray, *, centers: np.ndarray | None = None,
                         ax: Axes | None = None, title: str | None = None, lim: float | None = None) -> Figure:
    """A scatter of 2-D samples of a mixed generator coloured by the pure
    generator that drew each one (``which``, as returned by
    :meth:`gamesolve.MixedExtension.generate`), over mixture ``centers``
    (crosses), on equal axes; the legend gives each generator's share."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 4))
    else:
        fig = ax.figure
    pts, which = np.asarray(samples, dtype=float), np.asarray(which)
    generators, counts = np.unique(which, return_counts=True)
    colours = plt.get_cmap("tab20")
    for k, (g, n) in enumerate(sorted(zip(generators, counts), key=lambda item: -item[1])):
        mine = pts[which == g]
        ax.scatter(mine[:, 0], mine[:, 1], s=2, color=colours(k % 20), alpha=0.7, rasterized=True,
                   label=f"G{g}: {n / len(which):.0%}")
    if centers is not None:
        c = np.asarray(centers, dtype=float)
        ax.scatter(c[:, 0], c[:, 1], marker="x", c="k", s=30, linewidths=1)
    if lim is not None:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    if len(generators) <= 12:
        ax.legend(fontsize="xx-small", markerscale=3, loc="upper right", framealpha=0.6)
    if title:
        ax.set_title(title, fontsize="small")
    fig.tight_layout()
    return fig
