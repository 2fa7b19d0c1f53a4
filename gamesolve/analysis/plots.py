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
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import FuncNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from .trajectory import Trajectory  # noqa: E402

__all__ = ["convergence_plot", "curve_styles", "line_style", "phase_portrait", "stability_region_plot", "spectrum_plot",
           "samples_plot", "image_grid", "mixture_samples_plot"]


PALETTE = tuple(plt.get_cmap("tab10").colors)
"""The colours of curves, in order (matplotlib's ``tab10``)."""
MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*", "h", "<", ">")
"""The marker shapes of one-point results, in order."""


def line_style(row: int) -> str | tuple[int, tuple[int, ...]]:
    """The line style of the ``row``-th colour cycle: solid, dashed, dotted,
    dash-dot, then a dash followed by ``row - 2`` dots (all distinct)."""
    return ("-", "--", ":", "-.")[row] if row < 4 else (0, (6, 2) + (1, 2) * (row - 2))


def curve_styles(labels: Sequence[str], groups: Mapping[str, str] | None = None
                 ) -> dict[str, tuple[tuple[float, ...], str | tuple[int, tuple[int, ...]]]]:
    """A distinct ``(colour, line style)`` pair per label.

    Labels of one group (``groups[label]``, e.g. a solver's family; one group
    when ``groups`` is ``None``) take the colours of :data:`PALETTE` in turn
    with one line style; a new group, and a group that has used every colour,
    moves on to the next line style (:func:`line_style`).
    """
    by_group: dict[str, list[str]] = {}
    for label in labels:
        by_group.setdefault((groups or {}).get(label, ""), []).append(label)
    styles, row = {}, 0
    for members in by_group.values():
        for k, label in enumerate(members):
            styles[label] = (PALETTE[k % len(PALETTE)], line_style(row + k // len(PALETTE)))
        row += -(-len(members) // len(PALETTE))
    return styles


def convergence_plot(trajectories: Mapping[str, Trajectory], metric: str, *, groups: Mapping[str, str] | None = None,
                     ax: Axes | None = None, title: str | None = None, logy: bool = True) -> Figure:
    """One curve of ``metric`` against step per labelled trajectory, on one axis.

    Trajectories lacking ``metric`` are left out, and so are non-finite
    values. Every curve has its own ``(colour, line style)`` pair
    (:func:`curve_styles`): with ``groups`` (label -> group, e.g.
    ``{"ogda": "gradient", "hedge": "finite"}``) a group shares a line style
    and the legend lists the groups under their names.

    A trajectory with one point (an exact one-shot solver's answer) is a
    marker in a strip right of the axis, sharing its y scale, so that it
    neither hides at step 0 nor stretches the axis. On a log axis values at or
    below a floor, a decade under the smallest positive value of the curves
    (or of the markers when there is no curve), are drawn on the floor: a
    dotted line labelled with its value, so that an exact 0 or 1e-16 shows
    without squashing the curves.
    """
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    points: dict[str, float] = {}
    for label, traj in trajectories.items():
        ys = traj[metric] if metric in traj else np.empty(0)
        keep = np.isfinite(ys)
        if keep.sum() > 1:
            curves[label] = (traj.steps[keep], ys[keep])
        elif keep.sum() == 1:
            points[label] = float(ys[keep][0])
    group_of = {label: (groups or {}).get(label, "") for label in curves}
    headings = len(set(group_of.values())) > 1
    beside = bool(points) or len(curves) + headings * len(set(group_of.values())) > 6
    fig, ax, strip = _convergence_axes(ax, len(points), beside)
    values = [v for _, v in curves.values()] or [np.array(list(points.values()))]
    floor = _log_floor(values) if logy else -np.inf
    handles: list[tuple[str, Artist | None]] = []
    styles = curve_styles(list(curves), groups)
    for group in dict.fromkeys(group_of.values()):
        if headings:
            handles.append((group or "other", None))
        for label in (lab for lab in curves if group_of[lab] == group):
            steps, ys = curves[label]
            colour, linestyle = styles[label]
            handles.append((label, ax.plot(steps, np.maximum(ys, floor), lw=1.5, color=colour, linestyle=linestyle)[0]))
    if strip is not None:
        handles += [("one point", None)] if curves else []
        handles += _point_strip(strip, points, floor)
    if logy:
        ax.set_yscale("log")
        if any(v.size and v.min() <= floor for v in values + [np.array(list(points.values()))]):
            _mark_floor(ax, strip, floor)
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    if title:
        ax.set_title(title)
    _legend(ax if strip is None else strip, handles, beside)
    ax.grid(True, which="both", alpha=0.3)
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    return fig


def _convergence_axes(ax: Axes | None, n_points: int, beside: bool) -> tuple[Figure, Axes, Axes | None]:
    """The figure, the axis of the curves and the strip of ``n_points`` one-point
    results right of it (``None`` without any): a new figure when ``ax`` is
    ``None``, else an inset beside ``ax``."""
    if ax is not None:
        width = min(0.035 * n_points + 0.03, 0.3)
        return ax.figure, ax, (ax.inset_axes((1.02, 0.0, width, 1.0), sharey=ax) if n_points else None)
    fig = plt.figure(figsize=(10, 4.8) if beside else (6, 4), layout="constrained")
    if not n_points:
        return fig, fig.subplots(), None
    ax, strip = fig.subplots(1, 2, sharey=True, width_ratios=(12, 0.4 + 0.3 * n_points))
    return fig, ax, strip


def _point_strip(strip: Axes, points: Mapping[str, float], floor: float) -> list[tuple[str, Artist | None]]:
    """One marker per one-point result, side by side, drawn at ``floor`` when below it."""
    handles: list[tuple[str, Artist | None]] = []
    for k, (label, value) in enumerate(points.items()):
        marker = strip.plot([k], [max(value, floor)], linestyle="none", marker=MARKERS[k % len(MARKERS)],
                            color=PALETTE[k % len(PALETTE)], ms=7)[0]
        handles.append((label, marker))
    strip.set_xlim(-0.7, len(points) - 0.3)
    strip.set_xticks([])
    strip.tick_params(labelleft=False)
    strip.set_title("one\npoint", fontsize="x-small")
    strip.grid(True, axis="y", which="both", alpha=0.3)
    return handles


def _mark_floor(ax: Axes, strip: Axes | None, floor: float) -> None:
    """The dotted line at ``floor`` across the axis and the strip, labelled on the axis."""
    for a in (ax, strip):
        if a is not None:
            a.axhline(floor, color="0.3", lw=0.9, linestyle=(0, (1, 2)))
    ax.annotate(f"floor {floor:.0e}: values at or below it are drawn on it", (0.01, floor),
                xycoords=("axes fraction", "data"), xytext=(0, 3), textcoords="offset points", fontsize="x-small",
                color="0.3")


def _log_floor(values: Sequence[np.ndarray]) -> float:
    """A decade below the smallest positive value (1e-16 when there is none)."""
    positive = np.concatenate([v[v > 0] for v in values])
    return float(10.0 ** (np.floor(np.log10(positive.min())) - 1)) if positive.size else 1e-16


def _legend(ax: Axes, handles: list[tuple[str, Artist | None]], beside: bool) -> None:
    """A legend of ``(label, artist)`` entries, an entry without an artist being a
    bold group heading; beside ``ax`` when ``beside``."""
    if not handles:
        return
    artists = [artist if artist is not None else Line2D([], [], linestyle="none") for _, artist in handles]
    options = (dict(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.05, 1.0), ncol=1 + len(handles) // 26)
               if beside else dict(fontsize="small"))
    legend = ax.legend(artists, [label for label, _ in handles], handlelength=3, **options)
    for text, (_, artist) in zip(legend.get_texts(), handles):
        if artist is None:
            text.set_fontweight("bold")


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


NEUTRAL_BAND = 1e-6
"""Spectral radii within this of 1 are drawn near white by :func:`stability_region_plot`."""
ROUND_OFF = 1e-10
"""Spectral radii above ``1 - ROUND_OFF`` are not contracting (an eigenvalue's round-off)."""


def _signed_decades(d: np.ndarray) -> np.ndarray:
    """``sign(d) log10(1 + |d| / NEUTRAL_BAND)``: decades of ``|d|`` above the neutral band."""
    return np.sign(d) * np.log10(1.0 + np.abs(d) / NEUTRAL_BAND)


def _from_signed_decades(s: np.ndarray) -> np.ndarray:
    """The inverse of :func:`_signed_decades`."""
    return np.sign(s) * (10.0 ** np.abs(s) - 1.0) * NEUTRAL_BAND


def _radius_ticks(reach: float) -> tuple[list[float], list[str]]:
    """Colour-bar ticks ``1 - 10^k``, ``1`` and ``1 + 10^k`` within ``reach`` signed decades of 1."""
    exponents = [k for k in range(int(np.log10(NEUTRAL_BAND)) + 1, 5) if _signed_decades(10.0 ** k) <= reach]
    every = max(1, -(-len(exponents) // 4))  # at most four decades a side, the largest kept
    exponents = exponents[::-1][::every][::-1]
    ticks, labels = [1.0], ["1"]
    for k in exponents:
        for sign in (-1, 1):
            if sign < 0 and k > 0:
                continue
            ticks.append(1.0 + sign * 10.0 ** k)
            labels.append(f"{ticks[-1]:g}" if k >= -1 else f"$1 {'-' if sign < 0 else '+'} 10^{{{k}}}$")
    order = np.argsort(ticks)
    return [ticks[i] for i in order], [labels[i] for i in order]


def stability_region_plot(eta_x: np.ndarray, eta_y: np.ndarray, radius: np.ndarray, *, ax: Axes | None = None,
                          title: str | None = None) -> Figure:
    """The spectral radius ``rho`` of a linearised update over step sizes
    ``(eta_x, eta_y)`` (``radius[i, j]`` at ``(eta_x[j], eta_y[i])``, as from
    ``gamesolve.analysis.spectral.stability_grid``) on log axes.

    The colour map diverges at ``rho = 1``: blue where the update contracts,
    red where it expands, white within :data:`NEUTRAL_BAND` of 1, each decade
    of ``|rho - 1|`` one step darker (so that ``rho = 1 - 1e-4``, a slow but
    sure contraction, stands out from ``rho = 1 + 1e-4``). A black contour
    outlines the contracting region ``rho < 1`` (less :data:`ROUND_OFF`) and
    marks 1 on the colour bar.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4.5))
    else:
        fig = ax.figure
    rho = np.ma.masked_invalid(np.asarray(radius, dtype=float))
    scaled = _signed_decades(rho.compressed() - 1.0)
    reach = max(float(np.abs(scaled).max()), 1.0) if scaled.size else 1.0
    norm = FuncNorm((lambda r: _signed_decades(np.asarray(r) - 1.0), lambda s: 1.0 + _from_signed_decades(s)),
                    vmin=1.0 + float(_from_signed_decades(-reach)), vmax=1.0 + float(_from_signed_decades(reach)))
    mesh = ax.pcolormesh(eta_x, eta_y, rho, shading="auto", cmap="RdBu_r", norm=norm)
    bar = fig.colorbar(mesh, ax=ax, label="spectral radius rho (blue: contracting)")
    ticks, labels = _radius_ticks(reach)
    bar.set_ticks(ticks, labels=labels)
    bar.minorticks_off()
    if scaled.size and rho.min() < 1.0 - ROUND_OFF <= rho.max():
        outline = ax.contour(eta_x, eta_y, rho, levels=[1.0 - ROUND_OFF], colors="k", linewidths=1.5)
        bar.add_lines(outline)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("eta_x")
    ax.set_ylabel("eta_y")
    ax.set_title(title or "spectral radius: contracting inside the black contour rho = 1")
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
