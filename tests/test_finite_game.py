"""MatrixGame: payoffs, best responses, Nash conditions, dominance, and the differentiable game on two simplices."""

from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gamesolve as gs

RPS = [[0, -1, 1], [1, 0, -1], [-1, 1, 0]]


@st.composite
def game_and_strategies(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    m, n = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    game = gs.MatrixGame(rng.standard_normal((m, n)), rng.standard_normal((m, n)))
    return game, rng.dirichlet(np.ones(m)), rng.dirichlet(np.ones(n))


@settings(max_examples=80, deadline=None)
@given(game_and_strategies())
def test_regrets_nash_conv_and_exploitability_follow_their_definitions(case):
    game, x, y = case
    A, B = game.payoffs
    u = game.expected_payoffs(x, y)
    assert u == pytest.approx([x @ A @ y, x @ B @ y])
    # the best pure deviation of each player
    r_row = max(A[i] @ y for i in range(A.shape[0])) - u[0]
    r_col = max(x @ B[:, j] for j in range(B.shape[1])) - u[1]
    assert game.regrets(x, y) == pytest.approx([r_row, r_col], abs=1e-12)
    assert game.nash_conv(x, y) == pytest.approx(r_row + r_col, abs=1e-12)
    assert gs.exploitability(game, (x, y)) == pytest.approx((r_row + r_col) / 2, abs=1e-12)
    assert gs.nash_conv(game, (x, y)) == game.nash_conv(x, y)
    # a best response never does worse than any mixed strategy
    i, value = game.best_response(0, y)
    assert value >= u[0] - 1e-12 and i in game.best_responses(0, y)
    j, value = game.best_response(1, x)
    assert value >= u[1] - 1e-12 and j in game.best_responses(1, x)
    # deviating to a pure best response removes the deviator's regret
    assert game.regrets(game.mixed_strategy(0, i), y)[0] == pytest.approx(0.0, abs=1e-12)


def test_zero_sum_exploitability_is_half_the_duality_gap():
    game = gs.MatrixGame(RPS)
    x, y = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
    gap = (game.A @ y).max() - (x @ game.A).min()
    assert game.exploitability(x, y) == pytest.approx(gap / 2)
    assert game.zero_sum and "zero-sum" in game.capabilities and "gradients" in game.capabilities


def test_is_nash_and_pure_equilibria():
    bos = gs.MatrixGame([[3, 1], [0, 2]], [[2, 1], [0, 3]])
    assert bos.pure_equilibria() == [(0, 0), (1, 1)]
    assert bos.is_nash((0, 0)) and bos.is_nash((1, 1)) and not bos.is_nash((0, 1))
    assert bos.is_nash(([0.75, 0.25], [0.25, 0.75]))
    assert not bos.is_nash(([0.74, 0.26], [0.25, 0.75]))
    assert not bos.is_nash(([0.5, 0.6], [0.25, 0.75]))        # not a probability vector
    np.testing.assert_array_equal(gs.MatrixGame.support([0.5, 0.0, 0.5]), [0, 2])


def test_strict_dominance_pure_and_mixed():
    pd = gs.MatrixGame([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    red = pd.eliminate_dominated()
    assert red.rows.tolist() == [1] and red.columns.tolist() == [1]
    # the middle row is dominated by no pure row, but by the mix (1/2, 0, 1/2)
    game = gs.MatrixGame([[3, 0], [1, 1], [0, 3]], np.zeros((3, 2)))
    assert game.eliminate_dominated().rows.tolist() == [0, 1, 2]
    red = game.eliminate_dominated(mixed=True)
    assert red.rows.tolist() == [0, 2] and red.columns.tolist() == [0, 1]
    x, y = red.lift([0.5, 0.5], [1.0, 0.0])
    assert x.tolist() == [0.5, 0.0, 0.5] and y.tolist() == [1.0, 0.0]


def test_weak_dominance_removes_one_strategy_at_a_time():
    game = gs.MatrixGame([[1, 1], [1, 0]], [[1, 1], [1, 1]])
    assert game.eliminate_dominated(strict=True).rows.tolist() == [0, 1]
    assert game.eliminate_dominated(strict=False).rows.tolist() == [0]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_elimination_keeps_every_equilibrium_of_the_reduced_game(seed):
    rng = np.random.default_rng(seed)
    game = gs.MatrixGame(rng.integers(-3, 4, (4, 4)), rng.integers(-3, 4, (4, 4)))
    red = game.eliminate_dominated(mixed=True)
    for eq in gs.solve(red.game, "vertex-enumeration").equilibria:
        assert game.is_nash(red.lift(*eq))     # strictly dominated strategies are never played in equilibrium


def test_subgame_keeps_labels_and_exact_payoffs():
    game = gs.MatrixGame([[Fraction(1, 3), 2, 0], [1, 0, 5]], strategy_labels=(["u", "d"], ["l", "c", "r"]))
    sub = game.subgame([1], [2, 0])
    assert sub.A.tolist() == [[5.0, 1.0]] and sub.strategy_labels == (["d"], ["r", "l"])
    assert sub.exact_payoffs()[0] == [[5, 1]] and game.exact_payoffs()[0][0][0] == Fraction(1, 3)
    assert sub.zero_sum


def test_exact_equilibrium_of_battle_of_the_sexes():
    bos = gs.MatrixGame([[3, 1], [0, 2]], [[2, 1], [0, 3]])
    x, y = gs.exact_equilibrium(bos, ([0.75000001, 0.24999999], [0.25, 0.75]))
    assert x == [Fraction(3, 4), Fraction(1, 4)] and y == [Fraction(1, 4), Fraction(3, 4)]
    assert gs.exact_equilibrium(bos, ([0.6, 0.4], [0.5, 0.5])) is None     # not near an equilibrium


def test_correlated_regrets_of_a_product_distribution_bound_the_nash_regrets():
    game = gs.MatrixGame([[3, 1], [0, 2]], [[2, 1], [0, 3]])
    x, y = np.array([0.75, 0.25]), np.array([0.25, 0.75])
    assert game.correlated_regrets(np.outer(x, y)).max() == pytest.approx(0.0, abs=1e-12)
    p = np.array([[0.0, 0.5], [0.5, 0.0]])       # miscoordination: both want to switch
    assert game.correlated_regrets(p).min() > 0


def test_bad_input_is_reported_clearly():
    with pytest.raises(gs.ShapeError, match="same shape"):
        gs.MatrixGame([[1, 2]], [[1], [2]])
    with pytest.raises(gs.ShapeError, match="2-D"):
        gs.MatrixGame([1, 2, 3])
    with pytest.raises(gs.NonFiniteError, match="non-finite"):
        gs.MatrixGame([[1.0, float("nan")]])
    game = gs.MatrixGame(RPS)
    with pytest.raises(gs.ShapeError, match=r"shape \(3,\)"):
        game.expected_payoffs([0.5, 0.5], [1, 0, 0])
    with pytest.raises(gs.DomainError, match="probability vector"):
        game.expected_payoffs([0.5, 0.6, 0.0], [1, 0, 0])
    with pytest.raises(gs.DomainError, match="0..2"):
        game.best_responses(0, 3)
    with pytest.raises(gs.InvalidParameterError, match="player must be 0"):
        game.pure_payoffs(2, [1, 0, 0])
    with pytest.raises(gs.IncompatibleSolverError, match="MatrixGame"):
        gs.exploitability(gs.ZeroSumGame(lambda x, y: x * y, gs.Player("x", 1.0), gs.Player("y", 1.0)))


# --------------------------------------------------------------------------
# the differentiable game on two simplices
# --------------------------------------------------------------------------


def test_closed_form_gradients_equal_autograd():
    rng = np.random.default_rng(0)
    game = gs.MatrixGame(rng.standard_normal((3, 4)), rng.standard_normal((3, 4)),
                         x0=rng.dirichlet(np.ones(3)), y0=rng.dirichlet(np.ones(4)))
    fast = game.evaluate()
    slow = gs.Game.evaluate(game)                    # autograd through losses()
    for a, b in zip(fast.losses, slow.losses):
        assert torch.allclose(a, b)
    for a, b in zip(fast.grads, slow.grads):
        assert torch.allclose(a[0], b[0])
    x, y = game.current_strategies()
    assert float(fast.losses[0]) == pytest.approx(-game.expected_payoffs(x, y)[0])
    assert float(fast.losses[1]) == pytest.approx(-game.expected_payoffs(x, y)[1])
    assert torch.allclose(game.evaluate(create_graph=True).grads[0][0], fast.grads[0][0])


@pytest.mark.parametrize("solver", ["ogda", "extragradient", "past-extragradient"])
def test_gradient_solvers_converge_on_rock_paper_scissors(solver):
    game = gs.MatrixGame(RPS, x0=[0.5, 0.3, 0.2], y0=[0.2, 0.3, 0.5])
    result = gs.solve(game, solver, lr=0.2, steps=2000, tol=1e-9, metrics=["exploitability"])
    assert result.converged
    assert result.trajectory["exploitability"][-1] < 1e-8
    assert result.trajectory["exploitability"][0] == pytest.approx(
        game.exploitability([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]))


def test_gda_does_not_converge_on_rock_paper_scissors():
    game = gs.MatrixGame(RPS, x0=[0.5, 0.3, 0.2], y0=[0.2, 0.3, 0.5])
    result = gs.solve(game, "gda", lr=0.2, steps=500, metrics=["exploitability", "nash_conv"])
    traj = result.trajectory
    assert not result.converged and traj["exploitability"][-1] > 0.1
    np.testing.assert_allclose(traj["nash_conv"], 2 * traj["exploitability"], atol=1e-12)


def test_float32_and_a_device_are_honoured():
    game = gs.MatrixGame(RPS, dtype=torch.float32, device="cpu")
    assert game.players[0].dtype == torch.float32 and game.evaluate().grads[0][0].dtype == torch.float32
