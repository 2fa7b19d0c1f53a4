"""Solvers built on the game Jacobian (consensus, SGA, CGD) and lookahead: theory and protocol."""

import math

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gamesolve as gs
from gamesolve.analysis import spectral as sp
from gamesolve.analysis.trajectory import detect_divergence, linear_rate
from gamesolve.game_registry import make_game
from gamesolve_zoo import bilinear, matching_pennies_continuous
from tests.test_solve import NoisyGame, _mlp_game

S = [0.5, 1.0, 2.0]
ETA = 0.2


def _bilinear():
    return bilinear.make(dim=3, singular_values=S)


def _log_ratio(measured, predicted):
    return abs(math.log(measured) / math.log(predicted) - 1)


# --------------------------------------------------------------------------
# must show: SGA and consensus converge where GDA diverges; CGD in one step
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name, params", [("consensus", {"gamma": 1.0}), ("sga", {"lam": 1.0})])
def test_sga_and_consensus_converge_on_a_bilinear_game_where_gda_diverges(name, params):
    gda = gs.solve(_bilinear(), "gda", lr=ETA, steps=300, progress=False).trajectory["distance"]
    assert detect_divergence(gda).diverged
    d = gs.solve(_bilinear(), name, lr=ETA, steps=1500, progress=False, **params).trajectory["distance"]
    assert d[-1] < 1e-6 * d[0] and not detect_divergence(d).diverged
    # on x^T A y, H is antisymmetric and H^T H = s^2 on each singular pair, so both updates are
    # z <- z - eta (H + g H^T H) z with per-pair factor sqrt((1 - eta g s^2)^2 + eta^2 s^2)
    g = next(iter(params.values()))
    predicted = max(math.sqrt((1 - ETA * g * s * s) ** 2 + ETA ** 2 * s * s) for s in S)
    assert _log_ratio(linear_rate(d, start=300, stop=1200).rate, predicted) < 0.02


def test_cgd_contracts_each_singular_pair_by_the_closed_form_in_one_step():
    """CGD on x^T A y: x' = (I + eta^2 A A^T)^-1 (x - eta A y), y' = (I + eta^2 A^T A)^-1 (y + eta A^T x),
    so each singular pair shrinks by exactly 1 / sqrt(1 + eta^2 s^2) per step (Schafer & Anandkumar 2019);
    one step brings ||z|| below eps ||z_0|| once eta >= sqrt(1/eps^2 - 1) / s_min."""
    for eta in (0.3, 1e4):
        game = _bilinear()
        U, s, Vh = np.linalg.svd(game.A.numpy())
        x0, y0 = (p.detach().numpy().copy() for p in game.parameters())
        gs.solve(game, "cgd", lr=eta, steps=1, progress=False)
        x1, y1 = (p.detach().numpy() for p in game.parameters())
        for j in range(3):
            before = math.hypot(U[:, j] @ x0, Vh[j] @ y0)
            after = math.hypot(U[:, j] @ x1, Vh[j] @ y1)
            assert abs(after / before - 1 / math.sqrt(1 + eta ** 2 * s[j] ** 2)) < 1e-9
    eps = 1e-3
    eta = math.sqrt(1 / eps ** 2 - 1) / min(S)
    game = _bilinear()
    res = gs.solve(game, "cgd", lr=eta, steps=1, progress=False)
    assert gs.distance_to_equilibrium(game) <= eps * res.trajectory["distance"][0]


def _dense_cgd_step(H, F, nx, eta_x, eta_y):
    B, C = H[:nx, nx:], H[nx:, :nx]
    dx = -eta_x * np.linalg.solve(np.eye(nx) - eta_x * eta_y * B @ C, F[:nx] - eta_y * B @ F[nx:])
    dy = -eta_y * (F[nx:] + C @ dx)
    return np.concatenate([dx, dy])


@pytest.mark.parametrize("zero_sum", [True, False])
def test_cgd_step_is_the_nash_of_the_local_bilinear_game(zero_sum):
    """One CGD step (CG for zero-sum, GMRES otherwise) equals the dense closed form."""
    gen = torch.Generator().manual_seed(4)
    W = torch.randn(3, 2, generator=gen, dtype=torch.float64)
    x, y = gs.Player("x", torch.randn(3, generator=gen, dtype=torch.float64)), \
        gs.Player("y", torch.randn(2, generator=gen, dtype=torch.float64))
    f = lambda x, y: torch.tanh(x @ W @ y) + 0.3 * (x ** 2).sum() - 0.2 * (y ** 2).sum()  # noqa: E731
    game = gs.ZeroSumGame(f, x, y) if zero_sum else \
        gs.GeneralSumGame(f, lambda x, y: torch.sin(y).sum() * x.sum() + (y ** 2).sum(), x, y)
    jac = sp.jacobian(game)
    z0 = np.concatenate([p.detach().numpy() for p in game.parameters()])
    expected = z0 + _dense_cgd_step(jac.dense(), jac.field_vector(), 3, 0.4, 0.7)
    solver = gs.CGD(game, lr=(0.4, 0.7))
    assert solver.linear_solver == ("cg" if zero_sum else "gmres")
    metrics = solver.step()
    z1 = np.concatenate([p.detach().numpy() for p in game.parameters()])
    assert np.abs(z1 - expected).max() < 1e-9
    assert metrics["linear_residual"] < 1e-9 and metrics["products"] >= 2


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), lam=st.floats(0.1, 2.0))
def test_sga_sign_rule_and_step_follow_balduzzi_algorithm_1(seed, lam):
    """On a general-sum quadratic game (constant H) the step equals z - eta (xi + lambda A^T xi) with
    lambda = lam * sign(<xi, H^T xi> <A^T xi, H^T xi> / n + 0.1), computed densely."""
    gen = torch.Generator().manual_seed(seed)
    M1, M2 = torch.randn(2, 4, 4, generator=gen, dtype=torch.float64)
    x = gs.Player("x", torch.randn(2, generator=gen, dtype=torch.float64))
    y = gs.Player("y", torch.randn(2, generator=gen, dtype=torch.float64))
    z = lambda x, y: torch.cat([x, y])  # noqa: E731
    game = gs.GeneralSumGame(lambda x, y: z(x, y) @ M1 @ z(x, y), lambda x, y: z(x, y) @ M2 @ z(x, y), x, y)
    H = sp.jacobian(game).dense()
    xi = sp.jacobian(game).field_vector()
    At_xi = 0.5 * (H.T - H) @ xi
    grad_ham = H.T @ xi
    decision = (xi @ grad_ham) * (At_xi @ grad_ham) / 4 + 0.1
    assume(abs(decision) > 1e-9)   # a sign decided by rounding is no test
    sign = 1.0 if decision >= 0 else -1.0
    z0 = np.concatenate([p.detach().numpy() for p in game.parameters()])
    metrics = gs.SGA(game, lr=0.05, lam=lam).step()
    assert metrics["lambda"] == lam * sign
    z1 = np.concatenate([p.detach().numpy() for p in game.parameters()])
    assert np.abs(z1 - (z0 - 0.05 * (xi + lam * sign * At_xi))).max() < 1e-12


def test_consensus_step_is_gradient_play_plus_the_gradient_of_half_the_squared_norm():
    game = _mlp_game()
    params = game.parameters()
    gx, gy = game.simultaneous_gradient(create_graph=True)
    half_sq = 0.5 * sum((g ** 2).sum() for g in gx + gy)
    reg = torch.autograd.grad(half_sq, params, allow_unused=True, materialize_grads=True)
    expected = [p.detach() - 0.01 * (g.detach() + 2.0 * r) for p, g, r in zip(params, gx + gy, reg)]
    gs.ConsensusOptimization(game, lr=0.01, gamma=2.0).step()
    for p, e in zip(game.parameters(), expected):
        assert torch.allclose(p, e, atol=1e-6)


def test_lookahead_gda_converges_on_a_bilinear_game_at_the_predicted_rate():
    """Lookahead-minmax (Chavdarova et al. 2021): every k steps phi <- (1 - alpha) phi + alpha T^k phi, so the
    per-step rate is rho((1 - alpha) I + alpha T^k)^(1/k) with T the GDA update; GDA alone diverges."""
    k, alpha, eta = 5, 0.5, 0.2
    eq = _bilinear()
    eq.set_strategies(eq.equilibrium)
    T = sp.update_operator(eq, "gda", lr=eta).matmat(np.eye(6))
    predicted = np.abs(np.linalg.eigvals((1 - alpha) * np.eye(6) + alpha * np.linalg.matrix_power(T, k))).max()
    predicted **= 1 / k
    assert predicted < 1 < sp.spectral_radius(eq, "gda", lr=eta)
    game = _bilinear()
    res = gs.solve(game, "lookahead", inner="gda", k=k, alpha=alpha, lr=eta, steps=2000, progress=False)
    d = res.trajectory["distance"][::k]          # the slow weights, once per k steps
    assert d[-1] < 1e-3 * d[0]
    assert _log_ratio(linear_rate(d, start=50).rate ** (1 / k), predicted) < 0.02
    assert res.trajectory["sync"][k - 1] == 1.0 and res.trajectory["sync"][0] == 0.0


def test_lookahead_does_not_stop_on_a_residual_measured_before_its_pull_back():
    """GDA reaches the pure equilibrium of battle of the sexes in a few steps; the 5th step then pulls
    the weights back towards the slow ones, away from the point whose residual was 0."""
    game = make_game("battle-of-the-sexes")
    res = gs.solve(game, "lookahead", inner="gda", k=5, alpha=0.5, lr=0.2, steps=200, tol=1e-6, progress=False)
    assert res.converged
    assert gs.natural_residual(game) <= 1e-6 and gs.exploitability(game) <= 1e-6
    sync = res.trajectory["sync"] == 1.0
    assert sync.any() and np.isnan(res.trajectory["residual"][sync]).all()
    assert np.isfinite(res.trajectory["residual"][~sync]).all()


# --------------------------------------------------------------------------
# protocol: registry, resume, projection, non-finite values
# --------------------------------------------------------------------------

SOLVERS = {
    "consensus": lambda g: gs.ConsensusOptimization(g, lr=0.05, gamma=0.5),
    "sga": lambda g: gs.SGA(g, lr=0.05),
    "sga-adam": lambda g: gs.SGA(g, optimizers=lambda p: torch.optim.Adam(p, lr=1e-2)),
    "cgd": lambda g: gs.CGD(g, lr=0.05),
    "lookahead-ogda-adam": lambda g: gs.Lookahead(gs.OGDA(g, optimizers=lambda p: torch.optim.Adam(p, lr=1e-2)),
                                                  k=3, alpha=0.5),
}


@pytest.mark.parametrize("make_game", [_mlp_game, NoisyGame], ids=["mlp", "noisy"])
@pytest.mark.parametrize("solver", list(SOLVERS))
def test_resume_from_checkpoint_reproduces_the_uninterrupted_run(tmp_path, make_game, solver):
    full_game = make_game()
    full = gs.solve(full_game, SOLVERS[solver](full_game), steps=16, seed=3, progress=False)
    half_game = make_game()
    ckpt = tmp_path / "run.ckpt"
    gs.solve(half_game, SOLVERS[solver](half_game), steps=7, seed=3, checkpoint=ckpt, progress=False)
    resumed_game = make_game()
    resumed = gs.solve(resumed_game, SOLVERS[solver](resumed_game), steps=16, resume_from=ckpt, progress=False)
    for a, b in zip(full_game.parameters(), resumed_game.parameters()):
        assert torch.equal(a, b)
    for key in full.trajectory.keys():
        assert np.array_equal(full.trajectory[key], resumed.trajectory[key], equal_nan=True)
    assert "residual" in full.trajectory


def test_jacobian_solvers_consume_the_random_stream_like_gradient_steps():
    """A step draws one sample from the game's generator, so seeds change trajectories (and only seeds)."""
    runs = []
    for seed in (5, 5, 6):
        game = NoisyGame()
        runs.append(gs.solve(game, gs.SGA(game, lr=0.05), steps=10, seed=seed, progress=False).trajectory["grad_norm"])
    assert np.array_equal(runs[0], runs[1]) and not np.array_equal(runs[0], runs[2])


@pytest.mark.parametrize("name, params", [("consensus", {"gamma": 0.5, "lr": 0.1}), ("sga", {"lr": 0.1}),
                                          ("cgd", {"lr": 0.5}), ("lookahead", {"inner": "gda", "lr": 0.1})])
def test_solvers_by_name_project_onto_simplices_and_converge(name, params):
    game = matching_pennies_continuous.make()
    res = gs.solve(game, name, steps=3000, tol=1e-9, progress=False, **params)
    assert res.converged, res.reason
    for strategy in res.strategies:
        assert abs(float(strategy.sum()) - 1) < 1e-12 and float(strategy.min()) >= 0
    assert gs.distance_to_equilibrium(game) < 1e-7
    assert name in gs.solver_names("gradient")


@pytest.mark.parametrize("solver", [lambda g: gs.ConsensusOptimization(g, lr=0.3, gamma=0.05),
                                    lambda g: gs.SGA(g, lr=0.3), lambda g: gs.CGD(g, lr=0.3)],
                         ids=["consensus", "sga", "cgd"])
def test_nan_is_caught_before_the_update(solver):
    x = gs.Player("x", [2.0])
    y = gs.Player("y", [1.0])
    game = gs.ZeroSumGame(lambda x, y: (torch.sqrt(x - 1) * y).sum(), x, y)   # NaN once x < 1
    res = gs.solve(game, solver(game), steps=100, progress=False, on_nonfinite="report")
    assert isinstance(res.error, gs.NonFiniteError) and "loss_x=nan" in str(res.error)
    assert res.error.step == res.steps and 0.0 < float(x.params[0].detach()) < 1.0
    assert np.isfinite(res.trajectory["loss_x"]).all()


def test_bad_parameters():
    game = _bilinear()
    with pytest.raises(gs.InvalidParameterError, match="not optimizers"):
        gs.CGD(game, optimizers=lambda p: torch.optim.SGD(p, lr=0.1))
    with pytest.raises(gs.InvalidParameterError, match="linear_solver"):
        gs.CGD(game, lr=0.1, linear_solver="lu")
    with pytest.raises(gs.InvalidParameterError, match="gamma"):
        gs.ConsensusOptimization(game, lr=0.1, gamma=-1.0)
    with pytest.raises(gs.InvalidParameterError, match="lam"):
        gs.SGA(game, lr=0.1, lam=0.0)
    with pytest.raises(gs.InvalidParameterError, match="k must be"):
        gs.Lookahead(gs.GDA(game, lr=0.1), k=0)
    with pytest.raises(gs.InvalidParameterError, match="alpha"):
        gs.Lookahead(gs.GDA(game, lr=0.1), alpha=1.5)
    with pytest.raises(gs.UnknownNameError):
        gs.solve(game, "lookahead", inner="nosuch", steps=1, progress=False)
