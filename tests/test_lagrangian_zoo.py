"""The Lagrangian zoo games against cvxpy / scikit-learn, every gradient solver on the multipliers,
and nuPI against gradient ascent (Sohrabi et al. 2024)."""

import cvxpy as cp
import numpy as np
import pytest
import torch

import gamesolve as gs
from gamesolve.analysis.trajectory import oscillation_amplitude, settling_time
from gamesolve.game_registry import game_spec, make_game
from gamesolve_zoo import constrained_quadratic, oscillating_toy, svm_iris

LAGRANGIAN_GAMES = ["constrained-quadratic", "oscillating-toy", "svm-iris"]


@pytest.fixture(scope="module")
def qp_reference():
    game = constrained_quadratic.make()
    A, b = game.A.numpy(), game.b.numpy()
    x = cp.Variable(A.shape[1])
    cons = [A @ x <= b]
    cp.Problem(cp.Minimize(cp.sum_squares(x)), cons).solve(solver=cp.CLARABEL, tol_gap_abs=1e-12,
                                                           tol_gap_rel=1e-12, tol_feas=1e-12)
    return x.value, cons[0].dual_value


def test_planted_solution_of_the_constrained_quadratic_is_cvxpys(qp_reference):
    x_star, lam_star = constrained_quadratic.make().equilibrium
    assert np.abs(x_star.numpy() - qp_reference[0]).max() < 1e-7
    assert np.abs(lam_star.numpy() - qp_reference[1]).max() < 1e-7


SGD = torch.optim.SGD
SOLVERS = {
    "simultaneous": lambda g: gs.GDA(g, lr=0.1),
    "alternating primal-then-dual": lambda g: gs.GDA(g, lr=0.1, alternating=True, order=(0, 1)),
    "alternating dual-then-primal": lambda g: gs.GDA(g, lr=0.1, alternating=True, order=(1, 0)),
    "extragradient": lambda g: gs.Extragradient(g, lr=0.1),
    "past-extragradient": lambda g: gs.Extragradient(g, lr=0.1, past=True),
    "ogda": lambda g: gs.OGDA(g, lr=0.1),
    "nupi": lambda g: gs.GDA(g, optimizers=(lambda p: SGD(p, lr=0.1), lambda p: gs.NuPI(p, 0.1, kp=1.0, nu=0.2))),
    "ogda + nupi": lambda g: gs.OGDA(g, optimizers=(lambda p: SGD(p, lr=0.1), lambda p: gs.NuPI(p, 0.1, kp=1.0))),
    "extragradient + nupi": lambda g: gs.Extragradient(g, optimizers=(lambda p: SGD(p, lr=0.1),
                                                                      lambda p: gs.NuPI(p, 0.1, kp=1.0))),
    "heavy-ball primal": lambda g: gs.GDA(g, optimizers=(lambda p: SGD(p, lr=0.05, momentum=0.5),
                                                         lambda p: gs.NuPI(p, 0.1))),
    "nesterov primal": lambda g: gs.GDA(g, optimizers=(lambda p: SGD(p, lr=0.05, momentum=0.5, nesterov=True),
                                                       lambda p: gs.NuPI(p, 0.1, kp=1.0))),
    "rmsprop primal": lambda g: gs.GDA(g, optimizers=(lambda p: torch.optim.RMSprop(p, lr=1e-3, centered=True),
                                                      lambda p: SGD(p, lr=0.1))),
}


@pytest.mark.parametrize("name", list(SOLVERS))
def test_every_solver_variant_reaches_cvxpys_solution_and_a_kkt_point(name, qp_reference):
    game = constrained_quadratic.make()
    steps = 20000 if name == "rmsprop primal" else 3000
    gs.solve(game, SOLVERS[name](game), steps=steps, tol=1e-13, progress=False, metrics=[])
    x, lam = game.strategies()
    assert np.abs(x.numpy() - qp_reference[0]).max() < 1e-4
    assert np.abs(lam.numpy() - qp_reference[1]).max() < 1e-4
    kkt = gs.kkt_residuals(game)
    assert max(kkt.values()) < 1e-6, kkt


def _multiplier_trajectory(make_dual, steps, lr_x=0.05):
    game = oscillating_toy.make()
    solver = gs.GDA(game, optimizers=(lambda p: SGD(p, lr=lr_x), make_dual))
    res = gs.solve(game, solver, steps=steps, progress=False,
                   metrics={"lambda": lambda g: float(g.players[1].params[0].detach())})
    return res.trajectory["lambda"], res.trajectory.steps


def test_nupi_settles_on_the_oscillating_toy_at_least_five_times_sooner_than_gradient_ascent():
    ga, steps = _multiplier_trajectory(lambda p: gs.NuPI(p, 0.5, kp=0.0), 1500)
    nupi, _ = _multiplier_trajectory(lambda p: gs.NuPI(p, 0.5, kp=5.0), 1500)
    t_ga, t_nupi = settling_time(ga, 1.0, 0.01, steps=steps), settling_time(nupi, 1.0, 0.01, steps=steps)
    assert np.isfinite(t_ga) and t_nupi * 5 <= t_ga, (t_nupi, t_ga)
    # with a larger dual step gradient ascent never settles: a persistent oscillation of amplitude ~1
    ga_big, _ = _multiplier_trajectory(lambda p: gs.NuPI(p, 1.0, kp=0.0), 1500)
    nupi_big, _ = _multiplier_trajectory(lambda p: gs.NuPI(p, 1.0, kp=2.0), 1500)
    assert oscillation_amplitude(ga_big) > 0.5 and settling_time(ga_big, 1.0) == np.inf
    assert oscillation_amplitude(nupi_big) < 1e-6


@pytest.fixture(scope="module")
def svm_cvxpy():
    X, y = svm_iris.data()
    w, b = cp.Variable(X.shape[1]), cp.Variable()
    cons = [1 - cp.multiply(y, X @ w + b) <= 0]
    cp.Problem(cp.Minimize(0.5 * cp.sum_squares(w)), cons).solve(solver=cp.CLARABEL, tol_gap_abs=1e-12,
                                                                 tol_gap_rel=1e-12, tol_feas=1e-12)
    return w.value, b.value, cons[0].dual_value


def test_svm_reference_multipliers_agree_with_cvxpy(svm_cvxpy):
    game = svm_iris.make()
    (w, b), lam = game.equilibrium
    assert np.abs(w.numpy() - svm_cvxpy[0]).max() < 1e-6 and abs(float(b) - svm_cvxpy[1]) < 1e-6
    assert np.abs(lam.numpy() - svm_cvxpy[2]).max() < 1e-6
    assert 2 <= int((lam > 1e-6).sum()) <= 5      # a few support vectors


def _svm_errors(kp, steps=4000):
    game = svm_iris.make()
    lam_star = game.equilibrium[1]
    solver = gs.GDA(game, optimizers=(lambda p: SGD(p, lr=0.01), lambda p: gs.NuPI(p, 0.1, kp=kp)))
    res = gs.solve(game, solver, steps=steps, progress=False, log_every=50,
                   metrics={"err": lambda g: float((g.players[1].params[0].detach() - lam_star).norm())})
    return res.trajectory["err"]


def test_svm_nupi_reaches_the_multipliers_and_gradient_ascent_at_the_same_lr_does_not():
    nupi, ga = _svm_errors(10.0), _svm_errors(0.0)
    assert nupi[-1] <= 1e-3
    assert ga[-1] > 1e-3 and ga[len(ga) // 2:].min() > 1e-2     # still oscillating far from lambda*


def test_svm_minibatch_with_indexed_multipliers_approaches_the_support_vectors():
    game = svm_iris.make(batch_size=50, seed=0)
    lam_star = game.equilibrium[1]
    start = float(lam_star.norm())
    solver = gs.GDA(game, optimizers=(lambda p: SGD(p, lr=0.01), lambda p: gs.NuPI(p, 0.1, kp=10.0)))
    gs.solve(game, solver, steps=3000, seed=0, progress=False)
    err = float((game.players[1].params[0].detach() - lam_star).norm())
    assert err < 0.25 * start             # constant steps on minibatches: a neighbourhood, not the point
    full = torch.arange(100)              # the whole data set as one batch
    assert gs.kkt_residuals(game, batch=full)["primal_feasibility"] < 0.1


@pytest.mark.parametrize("name", LAGRANGIAN_GAMES)
def test_zoo_contract_and_known_equilibrium_is_a_kkt_point(name):
    spec = game_spec(name)
    assert spec.family == "lagrangian" and spec.equilibrium != "unknown"
    game = make_game(name)
    assert isinstance(game, gs.LagrangianGame) and "multipliers" in game.capabilities
    game.set_strategies(game.equilibrium)
    assert max(gs.kkt_residuals(game).values()) < 1e-6


def test_cli_solves_the_toy_with_nupi(capsys):
    from gamesolve.cli import main
    assert main(["solve", "oscillating-toy", "--solver", "nupi", "--steps", "2000"]) == 0
    out = capsys.readouterr().out
    assert "<= tol" in out
