"""Figures people can read: a distinct (colour, line style) per curve, one-point results beside the
curves above a labelled floor, stability maps that diverge at rho = 1 with the contracting region outlined."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.contour import ContourSet

from gamesolve.analysis import plots
from gamesolve.analysis import spectral as sp
from gamesolve.analysis.trajectory import Trajectory
from gamesolve.game_registry import make_game
from gamesolve.solvers.registry import get_solver_spec, solver_names


def _trajectory(values) -> Trajectory:
    traj = Trajectory()
    for step, value in enumerate(values):
        traj.append(step, {"distance": value})
    return traj


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _is_floor(line) -> bool:
    return list(line.get_xdata()) == [0, 1]        # an axhline, across the axis and the strip


def _styles(fig) -> list[tuple]:
    """(colour, line style, marker) of every curve and marker of ``fig``, the floor lines left out."""
    return [(to_rgba(line.get_color()), line.get_linestyle(), line.get_marker())
            for a in fig.axes for line in a.lines if not _is_floor(line)]


BUILT_IN = {"gda", "alternating-gda", "ogda", "extragradient", "past-extragradient", "consensus", "sga", "cgd",
            "lookahead", "nupi", "lp", "support-enumeration", "vertex-enumeration", "lemke-howson",
            "correlated-equilibrium", "coarse-correlated-equilibrium", "fictitious-play", "regret-matching",
            "regret-matching+", "predictive-regret-matching+", "hedge", "optimistic-mwu", "replicator",
            "batched-fictitious-play", "batched-regret-matching+", "batched-optimistic-mwu", "pnm", "double-oracle"}


@pytest.mark.parametrize("grouped", [False, True])
def test_every_line_of_a_full_comparison_has_its_own_colour_and_style(grouped, tmp_path):
    names = [n for n in solver_names() if n in BUILT_IN]  # 22 curves and 6 one-point results below
    exact = {"lp", "support-enumeration", "vertex-enumeration", "lemke-howson", "correlated-equilibrium",
             "coarse-correlated-equilibrium"}
    trajs = {n: _trajectory([0.0] if n in exact else np.geomspace(1.0, 10.0 ** -(1 + k % 7), 50))
             for k, n in enumerate(names)}
    groups = {n: get_solver_spec(n).family for n in names} if grouped else None
    fig = plots.convergence_plot(trajs, "distance", groups=groups)
    ax, strip = fig.axes
    assert len(names) == len(BUILT_IN)
    assert len(ax.lines) == len(names) - len(exact) + 1       # the curves and the floor
    assert len(strip.lines) == len(exact) + 1
    styles = _styles(fig)
    assert len(styles) == len(names) and len(set(styles)) == len(styles)
    legend = strip.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert set(names) <= set(labels)
    if grouped:                                     # a heading per family, and one line style per family
        assert {"gradient", "finite", "batched", "oracle", "one point"} <= set(labels) - set(names)
        style_of = {t.get_text(): h.get_linestyle() for t, h in zip(legend.get_texts(), legend.legend_handles)}
        assert style_of["gda"] == style_of["ogda"] != style_of["hedge"] == style_of["regret-matching"]
    fig.savefig(tmp_path / "comparison.png")


def test_curve_styles_stay_distinct_past_the_palette():
    labels = [f"s{k}" for k in range(95)]
    groups = {label: f"g{k % 3}" for k, label in enumerate(labels)}
    for styles in (plots.curve_styles(labels), plots.curve_styles(labels, groups)):
        pairs = [(colour, str(style)) for colour, style in styles.values()]
        assert len(styles) == 95 and len(set(pairs)) == 95
    assert len({str(plots.line_style(r)) for r in range(12)}) == 12


def test_exact_zeros_sit_on_a_labelled_floor_without_squashing_the_curves():
    trajs = {"slow": _trajectory(np.geomspace(1.0, 2e-5, 30)), "hits zero": _trajectory([1.0, 0.1, 0.0]),
             "lp": _trajectory([0.0]), "tiny": _trajectory([1e-16]), "far": _trajectory([0.3])}
    fig = plots.convergence_plot(trajs, "distance")
    ax, strip = fig.axes
    floor = 1e-6                                   # a decade below the curves' smallest positive value, 2e-5
    assert 1e-16 < ax.get_ylim()[0] <= floor
    assert [line.get_ydata()[0] for line in strip.lines[:3]] == [floor, floor, 0.3]
    assert ax.lines[1].get_ydata()[-1] == floor    # the curve that reached 0 ends on the floor
    assert [list(line.get_ydata()) for line in ax.lines if _is_floor(line)] == [[floor, floor]]
    assert any("floor 1e-06" in t.get_text() for t in ax.texts)
    assert strip.get_shared_y_axes().joined(ax, strip)
    fig = plots.convergence_plot({"slow": trajs["slow"], "far": trajs["far"]}, "distance")
    assert not fig.axes[0].texts                  # nothing at or below the floor: no floor drawn


def test_a_linear_axis_draws_values_as_they_are():
    fig = plots.convergence_plot({"a": _trajectory([1.0, 0.0, -0.5]), "b": _trajectory([0.0])}, "distance",
                                 logy=False)
    ax, strip = fig.axes
    assert list(ax.lines[0].get_ydata()) == [1.0, 0.0, -0.5] and strip.lines[0].get_ydata()[0] == 0.0
    assert not ax.texts


def test_convergence_plot_on_a_given_axis_puts_the_one_point_strip_beside_it():
    fig, ax = plt.subplots()
    out = plots.convergence_plot({"a": _trajectory([1.0, 0.1]), "b": _trajectory([0.0])}, "distance", ax=ax)
    assert out is fig and ax.child_axes and ax.child_axes[0].lines[0].get_ydata()[0] == 0.01


def _whiteness(rgba) -> float:
    return float(np.linalg.norm(np.asarray(rgba[:3]) - 1.0))


def test_stability_map_diverges_at_one_and_outlines_the_contracting_region(tmp_path):
    game = make_game("bilinear")                  # OGDA contracts, barely, for small steps: rho = 1 - O(eta^2)
    etas = np.geomspace(1e-3, 2.0, 24)
    rho = sp.stability_grid(game, "ogda", etas, etas)
    fig = plots.stability_region_plot(etas, etas, rho)
    ax = fig.axes[0]
    mesh = ax.collections[0]
    assert mesh.norm(1.0) == pytest.approx(0.5)
    colours = mesh.cmap(mesh.norm(rho.ravel()))
    contracting = rho.ravel() < 1.0 - 1e-6
    assert contracting.mean() > 0.5 and (rho > 1).any()
    assert all(c[2] > c[0] for c in colours[contracting]) and all(c[0] > c[2] for c in colours[rho.ravel() > 1 + 1e-6])
    assert np.mean([_whiteness(c) > 0.15 for c in colours[contracting]]) > 0.9   # not pale almost everywhere
    outlines = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert len(outlines) == 1 and outlines[0].levels == pytest.approx([1.0])
    bar = fig.axes[1]
    assert "1" in [t.get_text() for t in bar.get_yticklabels()]
    fig.savefig(tmp_path / "stability-ogda.png")


def test_a_neutral_map_has_no_outline_from_round_off():
    etas = np.geomspace(1e-2, 1.0, 6)
    rho = 1.0 + 1e-15 * np.random.default_rng(0).standard_normal((6, 6))   # alternating GDA on a bilinear game
    fig = plots.stability_region_plot(etas, etas, rho)
    ax = fig.axes[0]
    assert not [c for c in ax.collections if isinstance(c, ContourSet)]
    mesh = ax.collections[0]
    assert mesh.norm(rho).min() > 0.49 and mesh.norm(rho).max() < 0.51    # the map's neutral centre
