"""The game Jacobian of Lagrangian games: the coupling blocks between primal variables and multipliers."""

import math

import numpy as np
import torch

import gamesolve as gs
from gamesolve.analysis import spectral as sp
from gamesolve.analysis.trajectory import linear_rate
from gamesolve.game_registry import make_game


def _at_equilibrium(game):
    game.set_strategies(game.equilibrium)
    return game


def _distance(a, b):
    """The largest distance from an eigenvalue of one list to the nearest of the other (equal lengths)."""
    assert len(a) == len(b)
    gaps = np.abs(np.asarray(a)[:, None] - np.asarray(b)[None, :])
    return max(gaps.min(axis=0).max(), gaps.min(axis=1).max())


def _ball_game():
    """min ||w - c||^2 s.t. ||w||^2 <= 1, c = (2, 1): w* = c / sqrt(5), lambda* = sqrt(5) - 1 (from
    2 (w - c) + 2 lambda w = 0), so H = [[2 sqrt(5) I, 2 w*], [-2 w*^T, 0]]: 2 sqrt(5) across w*, and on the
    plane of w* and lambda the roots of m^2 - 2 sqrt(5) m + 4, i.e. sqrt(5) -+ 1."""
    c = torch.tensor([2.0, 1.0], dtype=torch.float64)
    problem = gs.ConstrainedProblem(lambda w: ((w - c) ** 2).sum(), [gs.Constraint("ball", lambda w: w @ w, "<=", 1.0)],
                                    gs.Player("w", torch.zeros(2, dtype=torch.float64)))
    game = gs.LagrangianGame(problem)
    game.equilibrium = (c / math.sqrt(5), torch.tensor(math.sqrt(5) - 1, dtype=torch.float64))
    return game


def test_constrained_quadratic_jacobian_has_both_coupling_blocks():
    """L = ||x||^2 + <lambda, A x - b>: F = (2 x + A^T lambda, -(A x - b)), so H = [[2 I, A^T], [-A, 0]]."""
    game = _at_equilibrium(make_game("constrained-quadratic"))
    A = game.A.numpy()
    H = sp.jacobian(game, tangent=False).dense()
    assert np.array_equal(H[:5, :5], 2 * np.eye(5))
    assert np.abs(H[:5, 5:] - A.T).max() < 1e-15          # d grad_x L / d lambda, zero while multipliers were detached
    assert np.abs(H[5:, :5] + A).max() < 1e-15            # d (-g) / dx
    assert not H[5:, 5:].any()


def test_constrained_quadratic_spectrum_follows_the_singular_values_of_the_constraints():
    """Eigenvalues of [[2 I, M^T], [-M, 0]] are 1 +- sqrt(1 - s^2) per singular value s of M, and 2 on the
    null space of M. Over all coordinates M = A (s = 1, 1.5, 2): 1, 1, 1 +- 1.118i, 1 +- 1.732i, 2, 2. On the
    tangent space the inactive constraint's multiplier (0, pushed down by its slack) is fixed: M = A_S."""
    game = _at_equilibrium(make_game("constrained-quadratic"))

    def expected(M):
        s = np.linalg.svd(M, compute_uv=False)
        root = np.sqrt((1 - s ** 2).astype(complex))
        return np.concatenate([1 + root, 1 - root, np.full(M.shape[1] - len(s), 2.0)])

    full = sp.eigenvalues(game, tangent=False)
    assert _distance(full, expected(game.A.numpy())) < 1e-7    # s = 1 is a double root: sqrt(eps) accuracy
    assert _distance(full, [1, 1, 1 + 1.118034j, 1 - 1.118034j, 1 + 1.732051j, 1 - 1.732051j, 2, 2]) < 1e-6
    tangent = sp.eigenvalues(game)
    assert len(tangent) == 7 and _distance(tangent, expected(game.A.numpy()[:2])) < 1e-12


def test_ball_constraint_spectrum_and_gda_rate():
    game = _ball_game()
    start = game.snapshot()
    _at_equilibrium(game)
    values = np.sort(sp.eigenvalues(game).real)
    assert np.allclose(values, [math.sqrt(5) - 1, math.sqrt(5) + 1, 2 * math.sqrt(5)], atol=1e-12)
    assert np.abs(sp.eigenvalues(game).imag).max() < 1e-12
    rho = sp.spectral_radius(game, "gda", lr=0.1)
    assert abs(rho - (1 - 0.1 * (math.sqrt(5) - 1))) < 1e-12
    game.restore(start)
    d = gs.solve(game, "gda", lr=0.1, steps=200, progress=False).trajectory["distance"]
    assert d[-1] < 1e-9
    assert abs(math.log(linear_rate(d, start=40, stop=150).rate) / math.log(rho) - 1) < 0.02


def test_the_cheap_evaluation_keeps_multipliers_detached_and_its_numbers():
    """Without create_graph the primal gradient has no graph (solvers' steps); with it the gradient is the
    same number, now a function of the multipliers too."""
    game = _at_equilibrium(make_game("constrained-quadratic"))
    cheap = game.evaluate()
    full = game.evaluate(create_graph=True)
    assert not any(g.requires_grad for g in cheap.grads[0])
    assert all(torch.equal(a, b.detach()) for a, b in zip(cheap.grads[0], full.grads[0]))
    lam = game.players[1].params[0]
    coupling = torch.autograd.grad(full.grads[0][0].sum(), lam)[0]
    assert torch.allclose(coupling, game.A.sum(dim=1), atol=1e-15)
