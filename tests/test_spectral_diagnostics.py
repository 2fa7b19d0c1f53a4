"""Trajectory diagnostics (rates, rotation, divergence, path angle), analysis figures and `gamesolve analyze`."""

import math
import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

import gamesolve as gs
from gamesolve.analysis import plots
from gamesolve.analysis import spectral as sp
from gamesolve.analysis.trajectory import (detect_divergence, linear_rate, oscillation_period, path_angle,
                                           rotation_angles)
from gamesolve.analysis.spectra import LABELS
from gamesolve.cli import main
from gamesolve.game_registry import available_games, make_game
from gamesolve_zoo import bilinear, dirac_gan
from tests._markdown import python_blocks


def _spiral(rate, omega, steps, dim=2, seed=0):
    """p_t = rate^t R(omega t) p_0 in the plane of the first two coordinates of a random orthonormal frame."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    t = np.arange(steps)
    plane = (rate ** t)[:, None] * np.column_stack([np.cos(omega * t), np.sin(omega * t)])
    return plane @ Q[:, :2].T


@settings(max_examples=30, deadline=None)
@given(rate=st.floats(0.5, 1.5), log_c=st.floats(-5, 5), n=st.integers(3, 200))
@example(rate=1.0, log_c=0.0, n=3)   # a constant sequence: zero residuals, a degenerate interval
def test_linear_rate_recovers_a_geometric_sequence(rate, log_c, n):
    fit = linear_rate(math.exp(log_c) * rate ** np.arange(n))
    assert abs(fit.rate - rate) < 1e-9 * rate
    assert fit.low <= fit.rate <= fit.high and fit.high - fit.low < 1e-8 and fit.count == n


def test_linear_rate_interval_covers_the_true_rate_at_its_confidence():
    rng = np.random.default_rng(0)
    t = np.arange(60)
    hits = 0
    for _ in range(400):
        values = 0.97 ** t * np.exp(0.05 * rng.standard_normal(t.size))
        fit = linear_rate(values, confidence=0.9)
        hits += fit.low <= 0.97 <= fit.high
    assert 0.86 <= hits / 400 <= 0.94


@settings(max_examples=30, deadline=None)
@given(omega=st.floats(-3.0, 3.0).filter(lambda w: abs(w) > 1e-3), rate=st.floats(0.8, 1.2), dim=st.integers(2, 6))
def test_rotation_angles_of_a_spiral(omega, rate, dim):
    points = _spiral(rate, omega, 40, dim)
    angles = rotation_angles(points, np.zeros(dim))
    if dim == 2:   # signed; the random frame may flip orientation
        assert np.allclose(np.abs(angles), abs(omega), atol=1e-9) and len(set(np.sign(angles))) == 1
    else:
        assert np.allclose(angles, abs(omega), atol=1e-9)
    assert oscillation_period(points, np.zeros(dim)) == pytest.approx(2 * math.pi / abs(omega), rel=1e-9)


@pytest.mark.parametrize("gamma", [0.0, 0.3])
def test_oscillation_period_of_gda_on_the_dirac_gan(gamma):
    """GDA's linearised update I - eta H has eigenvalues r exp(+-i omega): period 2 pi / omega."""
    eta = 0.1
    game = dirac_gan.make(gamma=gamma, theta0=1e-3, psi0=1e-3)
    points = gs.solve(game, "gda", lr=eta, steps=1300, record_strategies=True, progress=False).trajectory.points
    omega = abs(np.angle(np.linalg.eigvals(np.eye(2) - eta * np.array([[0.0, 0.5], [-0.5, gamma]]))[0]))
    assert oscillation_period(points, np.zeros(2)) == pytest.approx(2 * math.pi / omega, rel=0.01)
    assert oscillation_period(points, np.zeros(2), method="spectral") == pytest.approx(2 * math.pi / omega, rel=0.02)


def test_divergence_detection():
    gda = gs.solve(bilinear.make(), "gda", lr=0.3, steps=400, progress=False).trajectory["distance"]
    found = detect_divergence(gda)
    assert found.diverged and 0 < found.step < 400 and gda[found.step] > 100 * gda[:found.step].min()
    alternating = gs.solve(bilinear.make(), "alternating-gda", lr=0.3, steps=3000, progress=False)
    assert not detect_divergence(alternating.trajectory["distance"]).diverged
    assert detect_divergence([1.0, 2.0, np.nan, 3.0]) == (True, 2, "non-finite value at index 2")
    assert detect_divergence([1.0, 5.0, 50.0], threshold=10.0).step == 2
    converging = 0.9 ** np.arange(100)
    assert not detect_divergence(converging).diverged


def test_path_angle_of_rotational_and_potential_fields():
    """x^T A y: F(theta_a) is orthogonal to the path into the equilibrium (c = 0); a potential field
    F = grad (|z|^2 / 2) = z flips the sign of c at a = 1 (Berard et al. 2020)."""
    game = bilinear.make(dim=3)
    start = np.concatenate([p.detach().numpy() for p in game.parameters()])
    rot = path_angle(sp.vector_field(game), start, np.zeros(6))
    keep = np.isfinite(rot.cosine)
    assert np.abs(rot.cosine[keep]).max() < 1e-12 and rot.norm[np.argmin(rot.norm)] < 1e-12
    pot = path_angle(lambda z: z, start, np.zeros(6), np.array([0.0, 0.5, 0.99, 1.01, 1.2]))
    assert np.allclose(pot.cosine, [-1, -1, -1, 1, 1])
    assert np.all(np.abs(np.nan_to_num(rot.cosine)) <= 1)


def test_vector_field_restores_the_game():
    game = bilinear.make(dim=2)
    before = game.snapshot()
    F = sp.vector_field(game)(np.zeros((3, 4)) + np.arange(4))
    assert F.shape == (3, 4)
    A = game.A.numpy()
    assert np.allclose(F[0], np.concatenate([A @ [2.0, 3.0], -A.T @ [0.0, 1.0]]))
    assert all(np.array_equal(a, b) for a, b in zip(before, game.snapshot()))


def test_figures():
    game = dirac_gan.make(gamma=0.3)
    run = gs.solve(game, "gda", lr=0.3, steps=100, record_strategies=True, progress=False)
    fig = plots.phase_portrait(sp.vector_field(game), (-1.5, 1.5), (-1.5, 1.5), {"gda": run.trajectory.points},
                               fixed_point=(0.0, 0.0))
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 3 and fig.axes[0].collections
    game.set_strategies(game.equilibrium)
    etas = np.geomspace(1e-2, 1.0, 8)
    fig = plots.stability_region_plot(etas, etas, sp.stability_grid(game, "gda", etas, etas))
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    fig = plots.spectrum_plot({"H": sp.eigenvalues(game)})
    assert fig.axes[0].collections[0].get_offsets().shape == (2, 2)


def test_cli_analyze_local_minimax(capsys):
    assert main(["analyze", "local-minimax-quadratic"]) == 0
    out = capsys.readouterr().out
    assert "fixed point: local minimax point: H_yy > 0" in out and "min eig Schur = 1" in out
    assert "gamma in [2.35, 100]" in out            # eta = 0.05: the discrete threshold above gamma* = 2
    assert "diverges" in out


def test_cli_analyze_final_point_and_figures(capsys, tmp_path):
    assert main(["analyze", "dirac-gan", "--param", "gamma=0.3", "--at", "final", "--solver", "extragradient",
                 "--steps", "300", "--plot", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "final strategies of extragradient" in out and "local Nash" not in out
    assert "converges" in out
    for name in ("spectrum", "stability-gda", "convergence", "phase"):
        assert (tmp_path / f"{name}.png").stat().st_size > 5000
    assert main(["analyze", "matching-pennies-continuous", "--no-tangent"]) == 0
    out = capsys.readouterr().out
    assert "4 x 4 over all coordinates" in out
    assert main(["analyze", "bilinear", "--at", "nowhere"]) == 2


def test_the_guide_snippet_runs(capsys):
    snippet = python_blocks("docs/analysis.md")[0]
    exec(compile(snippet, "docs/analysis.md", "exec"), {})
    out = capsys.readouterr().out
    assert "not classified: second-order test inconclusive" in out
    assert "(0.0001, 0.49999" in out and "RateFit(rate=0.99503768" in out


STANDARD = sorted(name for name, spec in available_games().items() if spec.standard)


@pytest.mark.parametrize("name", STANDARD)
def test_cli_analyze_runs_on_every_standard_game(capsys, name):
    """Exit 0; the point's class in words; at a stationary point a row for every solver with a linearised
    update, each with its radius and verdict or the statement that the point is not the solver's fixed point."""
    assert main(["analyze", name]) == 0
    out = capsys.readouterr().out
    label, reason = re.search(r"fixed point: (.+?): (.+)", out).groups()
    assert label in LABELS.values() and not reason.startswith(tuple(LABELS))
    game = make_game(name)
    assert "over the tangent space of the domains" in out or not any(p.constrained for p in game.players)
    verdicts = ("diverges", "marginal (no contraction)", "converges", "not a fixed point of")
    for solver in sp.linearised_solvers(game):
        row = re.search(rf"│ {solver} +│ lr=(.+?) +│ +(\S+) │ (.+?) +│", out)
        assert row and row.group(3).startswith(verdicts), (solver, row)
        assert (row.group(2) == "-") == row.group(3).startswith("not a fixed point"), solver


def test_cli_analyze_wording_per_player_steps_and_the_second_order_solvers_at_a_slack_constraint(capsys):
    assert main(["analyze", "oscillating-toy"]) == 0
    out = capsys.readouterr().out
    assert "│ gda                │ lr=(0.05, 0.5) " in out and "(eta_y = 10 eta_x)" in out
    assert "│ nupi               │ lr=(0.05, 0.5), kp=5.0 " in out
    assert main(["analyze", "rock-paper-scissors"]) == 0
    out = capsys.readouterr().out
    assert "4 x 4 over the tangent space of the domains" in out and "0+1.732i" in out
    assert "fixed point: not classified: second-order test inconclusive" in out
    assert main(["analyze", "constrained-quadratic"]) == 0      # a slack constraint's multiplier sits at 0
    out = capsys.readouterr().out
    for solver in ("consensus", "sga", "cgd"):                   # they correct the field of the face
        assert re.search(rf"│ {solver} +│ lr=0.1 +│ +0\.9\d+ │ converges", out), solver
    assert main(["analyze", "battle-of-the-sexes"]) == 0        # ends at a pure equilibrium: a vertex
    out = capsys.readouterr().out
    assert "fixed point: local Nash equilibrium: no free direction" in out and "radius 0" in out


def test_cli_analyze_away_from_a_fixed_point_says_how_far_and_skips_the_table(capsys):
    assert main(["analyze", "dirac-gan", "--at", "final", "--steps", "10"]) == 0
    out = capsys.readouterr().out
    far = re.search(r"fixed point: not stationary: the projected field's residual \|\|theta - P\(theta - F\)\|\| = "
                    r"(\S+) exceeds tol 1e-06", out)
    game = make_game("dirac-gan")
    gs.solve(game, "ogda", steps=10, lr=0.5, progress=False)
    assert far and float(far.group(1)) == pytest.approx(gs.natural_residual(game), rel=1e-2)
    assert "no stability table" in out and "spectral radius" not in out and "gamma-GDA" not in out
