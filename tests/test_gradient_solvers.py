"""Gradient solvers against the theory of linear(ised) games."""

import math

import numpy as np
import pytest
import torch

import gamesolve as gs
from gamesolve_zoo import bilinear, dirac_gan

S = [0.5, 0.8, 1.0]   # singular values of the coupling matrix
ETA = 0.2


def _bilinear(seed=0):
    return bilinear.make(dim=3, singular_values=S, seed=seed)


def _distances(game, solver, steps):
    return gs.solve(game, solver, steps=steps, progress=False).trajectory["distance"]


def _log_rate(d, start, stop):
    """Per-step contraction factor fitted on log d over [start, stop)."""
    t = np.arange(start, stop)
    slope = np.polyfit(t, np.log(d[start:stop]), 1)[0]
    return math.exp(slope)


def _linear_field(A):
    """F(z) = J z for f = x^T A y: F = (A y, -A^T x)."""
    n = A.shape[0]
    J = np.zeros((2 * n, 2 * n))
    J[:n, n:] = A
    J[n:, :n] = -A.T
    return J


def _rho(M):
    return float(np.abs(np.linalg.eigvals(M)).max())


def test_simultaneous_gda_grows_by_the_predicted_factor():
    game = _bilinear()
    d = _distances(game, gs.GDA(game, lr=ETA), 400)
    predicted = math.sqrt(1 + ETA ** 2 * max(S) ** 2)
    measured = d[-1] / d[-2]
    assert abs(measured / predicted - 1) < 0.01
    assert d[-1] > 10 * d[0]


def test_alternating_gda_stays_bounded():
    game = _bilinear()
    d = _distances(game, gs.GDA(game, lr=ETA, alternating=True), 5000)
    assert d.max() < 2.0 * d[0]
    assert d[-1] > 0.3 * d[0]   # ... and does not converge either


@pytest.mark.parametrize("name", ["ogda", "extragradient"])
def test_ogda_and_extragradient_converge_at_the_spectral_rate(name):
    game = _bilinear()
    A = game.A.numpy()
    J = _linear_field(A)
    I = np.eye(J.shape[0])
    if name == "extragradient":
        solver = gs.Extragradient(game, lr=ETA)
        rho = _rho(I - ETA * J + ETA ** 2 * J @ J)
        # closed form per singular value: sqrt(1 - eta^2 s^2 + eta^4 s^4), slowest at the smallest s here
        assert abs(rho - max(math.sqrt(1 - ETA ** 2 * s ** 2 + ETA ** 4 * s ** 4) for s in S)) < 1e-12
    else:
        solver = gs.OGDA(game, lr=ETA)
        companion = np.block([[I - 2 * ETA * J, ETA * J], [I, np.zeros_like(I)]])
        rho = _rho(companion)
    d = _distances(game, solver, 1500)
    measured = _log_rate(d, 500, 1500)
    assert rho < 1 and measured < 1
    assert abs(math.log(measured) / math.log(rho) - 1) < 0.05


def _reference(name, A, z0, eta, steps):
    """The update rules written out in numpy on F(z) = J z."""
    J = _linear_field(A)
    F = lambda z: J @ z  # noqa: E731
    z, out = z0.copy(), [z0.copy()]
    prev = F(z)          # OGDA: g_{-1} = g_0; past-EG: F(theta_{-1/2}) = F(theta_0)
    for _ in range(steps):
        if name == "gda":
            z = z - eta * F(z)
        elif name == "ogda":
            g = F(z)
            z, prev = z - eta * (2 * g - prev), g
        elif name == "extragradient":
            z = z - eta * F(z - eta * F(z))
        elif name == "past-extragradient":
            half = z - eta * prev
            prev = F(half)
            z = z - eta * prev
        out.append(z.copy())
    return np.array(out)


@pytest.mark.parametrize("name", ["gda", "ogda", "extragradient", "past-extragradient"])
def test_solvers_follow_their_update_rule(name):
    game = _bilinear()
    z0 = torch.cat([p.detach() for p in game.parameters()]).numpy()
    ref = _reference(name, game.A.numpy(), z0, ETA, 40)
    res = gs.solve(game, name, steps=40, lr=ETA, record_strategies=True, progress=False)
    assert np.abs(res.trajectory.points - ref).max() < 1e-12


@pytest.mark.parametrize("name", ["gda", "alternating-gda", "ogda", "extragradient", "past-extragradient"])
def test_a_quiet_step_moves_exactly_like_a_measured_one(name):
    loud_game, quiet_game = _bilinear(), _bilinear()
    loud = gs.make_solver(name, loud_game, lr=ETA)
    quiet = gs.make_solver(name, quiet_game, lr=ETA)
    quiet.measuring = False
    for _ in range(25):
        assert set(loud.step()) >= {"grad_norm", "residual", "loss_x", "loss_y"}
        assert quiet.step() == {}
    for a, b in zip(loud_game.parameters(), quiet_game.parameters()):
        assert torch.equal(a, b)


def test_a_quiet_step_still_refuses_a_nan_loss_and_stays_where_it_started():
    game = _bilinear()
    solver = gs.OGDA(game, lr=ETA)
    solver.measuring = False
    solver.step()
    with torch.no_grad():
        game.parameters()[0][0] = float("nan")
    start = game.snapshot()
    with pytest.raises(gs.NonFiniteError, match="iteration 1"):
        solver.step()
    for p, s in zip(game.parameters(), start):
        torch.testing.assert_close(p, s, rtol=0, atol=0, equal_nan=True)
    assert solver.iteration == 1


def _mlp_game(zero_sum: bool) -> gs.Game:
    """A small nonlinear game, as a zero-sum game or as the general-sum game with losses ``(f, -f)``."""
    torch.manual_seed(3)
    G, D = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)), torch.nn.Linear(2, 1)
    z, data = torch.randn(16, 3), torch.randn(16, 2)

    def f(g, d):
        return d(data).mean() - d(g(z)).mean() + 0.1 * (g(z) ** 2).mean()

    x, y = gs.Player("G", G), gs.Player("D", D)
    return gs.ZeroSumGame(f, x, y) if zero_sum else gs.GeneralSumGame(f, lambda g, d: -f(g, d), x, y)


@pytest.mark.parametrize("name, params", [
    ("gda", {"lr": 0.05}), ("alternating-gda", {"lr": 0.05}), ("ogda", {"lr": 0.05}),
    ("extragradient", {"lr": 0.05}), ("past-extragradient", {"lr": 0.05}),
    ("ogda", {"optimizers": lambda p: torch.optim.Adam(p, lr=0.01)}),
    ("extragradient", {"optimizers": lambda p: torch.optim.Adam(p, lr=0.01)}),
])
def test_a_zero_sum_games_max_player_moves_exactly_as_with_its_negated_gradient(name, params):
    """A zero-sum game hands the solver ``grad_y f`` with sign -1 (``Evaluation.signs``), folded into the
    step; the iterates and metrics equal, bit for bit, those of the general-sum game whose second loss is
    ``-f`` (autograd's ``-grad_y f``), for step sizes and for torch optimizers."""
    games = _mlp_game(True), _mlp_game(False)
    solvers = [gs.make_solver(name, g, **params) for g in games]
    for _ in range(15):
        assert solvers[0].step() == solvers[1].step()
    for a, b in zip(*(g.parameters() for g in games)):
        assert torch.equal(a, b)
    if name == "ogda":     # the memory reads as F(theta_{t-1}) (u_{t-1} with optimizers) whatever its storage
        for a, b in zip(*(s.memory for s in solvers)):
            assert all(torch.equal(s, t) for s, t in zip(a, b))


def test_a_zero_sum_evaluation_holds_grad_f_with_signs_and_reads_as_each_players_gradient():
    game, general = _mlp_game(True), _mlp_game(False)
    ev, ref = game.evaluate(), general.evaluate()
    assert ev.signs == (1, -1) and ref.signs == (1, 1) and ref.raw is ref.grads
    losses, grads = ev                                   # unpacks and indexes as (losses, grads)
    assert ev[0] is losses and ev[1] is grads
    for i in (0, 1):
        assert all(torch.equal(a, b) for a, b in zip(grads[i], ref.grads[i]))
        assert all(torch.equal(ev.signs[i] * a, b) for a, b in zip(ev.raw[i], ref.grads[i]))
    assert torch.equal(losses[1], ref.losses[1])


@pytest.mark.parametrize("solver", [gs.OGDA, gs.Extragradient, gs.GDA])
def test_sgd_optimizer_factory_reproduces_the_step_size_rule(solver):
    """Update-level optimism / extra-steps through a torch optimizer reduce to the lr rule for SGD."""
    g1, g2 = _bilinear(), _bilinear()
    gs.solve(g1, solver(g1, lr=ETA), steps=30, progress=False)
    gs.solve(g2, solver(g2, optimizers=lambda p: torch.optim.SGD(p, lr=ETA)), steps=30, progress=False)
    for a, b in zip(g1.parameters(), g2.parameters()):
        assert torch.allclose(a, b, atol=1e-12)


def _dirac_H(gamma, fp):
    """Jacobian of F = (d_theta V, -d_psi V) at (0, 0) for V = f(psi theta) - gamma/2 psi^2."""
    return np.array([[0.0, fp], [-fp, gamma]])


def test_dirac_gan_jacobian_from_autograd_matches_closed_form():
    game = dirac_gan.make(gamma=0.3, theta0=0.0, psi0=0.0)
    params = game.parameters()
    gx, gy = game.simultaneous_gradient(create_graph=True)
    F = torch.stack([gx[0], gy[0]])
    H = torch.stack([torch.stack(torch.autograd.grad(Fi, params, retain_graph=True)) for Fi in F]).numpy()
    assert np.allclose(H, _dirac_H(0.3, 0.5), atol=1e-12)


def test_dirac_gan_simultaneous_spirals_out_alternating_cycles_r1_converges():
    game = dirac_gan.make()
    d_sim = gs.solve(game, gs.GDA(game, lr=0.1), steps=3000, progress=False).trajectory["distance"]
    assert np.all(np.diff(d_sim) > 0)          # every step moves away
    assert d_sim[-1] > 2 * d_sim[0]
    game = dirac_gan.make()
    d_alt = gs.solve(game, gs.GDA(game, lr=0.1, alternating=True), steps=3000, progress=False).trajectory["distance"]
    assert 0.5 * d_alt[0] < d_alt.min() and d_alt.max() < 2 * d_alt[0]
    game = dirac_gan.make(gamma=0.3)
    d_r1 = gs.solve(game, gs.GDA(game, lr=0.1), steps=3000, progress=False).trajectory["distance"]
    assert d_r1[-1] < 1e-6


@pytest.mark.parametrize("gamma", [0.3, 1.5])
def test_dirac_gan_local_rate_matches_update_jacobian(gamma):
    eta = 0.1
    game = dirac_gan.make(gamma=gamma, theta0=1e-3, psi0=1e-3)
    d = _distances(game, gs.GDA(game, lr=eta), 600)
    rho = _rho(np.eye(2) - eta * _dirac_H(gamma, 0.5))
    measured = _log_rate(d, 200, 600)
    assert abs(math.log(measured) / math.log(rho) - 1) < 0.02


def test_projected_solvers_stay_on_the_simplex_and_converge():
    from gamesolve_zoo import matching_pennies_continuous as mp
    for name in ("ogda", "extragradient"):
        game = mp.make()
        res = gs.solve(game, name, lr=0.1, steps=3000, tol=1e-9, progress=False)
        x, y = res.strategies
        assert res.converged
        assert abs(float(x.sum()) - 1) < 1e-12 and float(x.min()) >= 0 and float(y.min()) >= 0
        assert gs.distance_to_equilibrium(game) < 1e-8


def test_optimistic_adam_approaches_the_saddle_of_a_quadratic_game():
    from gamesolve_zoo import quadratic
    game = quadratic.make()
    start = gs.distance_to_equilibrium(game)
    gs.solve(game, gs.OGDA(game, optimizers=lambda p: torch.optim.Adam(p, lr=0.003, betas=(0.5, 0.9))),
             steps=3000, progress=False)
    assert gs.distance_to_equilibrium(game) < 0.01 * start


def test_alternating_order_and_steps_per_player():
    """k discriminator steps: with order (1, 0) and k_y = 3, y moves three times before x once."""
    A = torch.eye(1, dtype=torch.float64)
    x = gs.Player("x", [1.0])
    y = gs.Player("y", [0.0])
    game = gs.ZeroSumGame(lambda x, y: x @ A @ y, x, y)
    gs.GDA(game, lr=0.5, alternating=True, steps_per_player=(1, 3), order=(1, 0)).step()
    # y ascends on f = x y: y <- y + 0.5 x three times (x = 1): y = 1.5; then x <- x - 0.5 y = 0.25
    assert float(y.params[0].detach()) == pytest.approx(1.5)
    assert float(x.params[0].detach()) == pytest.approx(0.25)


def test_param_groups_and_optimizers_are_live_hooks_for_schedulers():
    game = bilinear.make()
    plain = gs.GDA(game, lr=(0.1, 0.2))
    assert [g["lr"] for g in plain.param_groups] == [0.1, 0.2] and plain.optimizers == (None, None)
    plain.param_groups[1]["lr"] = 0.05                      # the next step uses it
    before = [p.detach().clone() for p in game.players[1].params]
    grad_y = game.simultaneous_gradient()[1]
    plain.step()
    assert all(torch.allclose(p, b - 0.05 * g) for p, b, g in zip(game.players[1].params, before, grad_y))
    # torch's schedulers work on a player's optimizer, and the solver sees the change
    game = bilinear.make()
    solver = gs.OGDA(game, optimizers=lambda p: torch.optim.SGD(p, lr=0.1))
    schedulers = [torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5) for opt in solver.optimizers]
    for _ in range(4):
        solver.step()
        for s in schedulers:
            s.step()
    assert [g["lr"] for g in solver.param_groups] == pytest.approx([0.025, 0.025])
    assert gs.Lookahead(solver).param_groups == solver.param_groups     # wrappers forward them
    with pytest.raises(gs.InvalidParameterError, match="no param_groups"):
        gs.solve(gs.MatrixGame([[1, -1], [-1, 1]]), "hedge", steps=3, progress=False,
                 callbacks=[gs.StepSizeSchedule(lambda t: 0.5)])
