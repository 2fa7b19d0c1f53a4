"""Learning dynamics on single games: reported metrics, convergence facts from theory, resumable state."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gamesolve as gs

DYNAMICS = ["fictitious-play", "regret-matching", "regret-matching+", "predictive-regret-matching+", "hedge",
            "optimistic-mwu", "replicator"]
RPS = [[0, -1, 1], [1, 0, -1], [-1, 1, 0]]
SHAPLEY = ([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[0, 1, 0], [0, 0, 1], [1, 0, 0]])


@st.composite
def random_game(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    m, n = draw(st.integers(2, 6)), draw(st.integers(2, 6))
    zero_sum = draw(st.booleans())
    A = rng.standard_normal((m, n))
    return gs.MatrixGame(A, None if zero_sum else rng.standard_normal((m, n)),
                         x0=rng.dirichlet(np.ones(m)), y0=rng.dirichlet(np.ones(n)))


@pytest.mark.parametrize("name", DYNAMICS)
@settings(max_examples=15, deadline=None)
@given(game=random_game())
def test_reported_exploitability_is_the_exploitability_recomputed_from_scratch(name, game):
    m, _ = game.shape
    result = gs.solve(game, name, steps=40, record_strategies=True, progress=False)
    points, reported = result.trajectory.points, result.trajectory["exploitability"]
    assert len(points) == len(reported) == 40
    for t in range(40):
        x, y = points[t][:m], points[t][m:]
        assert reported[t] == pytest.approx(game.exploitability(x, y), abs=1e-12)
    x, y = result.strategies
    assert game.mixed_strategy(0, x) is not None and game.mixed_strategy(1, y) is not None
    np.testing.assert_allclose(np.r_[x, y], np.r_[game.current_strategies()], atol=0)


@pytest.mark.parametrize("name, tol", [("regret-matching+", 1e-3), ("predictive-regret-matching+", 1e-6),
                                       ("optimistic-mwu", 1e-6)])
def test_no_regret_dynamics_solve_rock_paper_scissors(name, tol):
    game = gs.MatrixGame(RPS, x0=[0.5, 0.3, 0.2], y0=[0.2, 0.3, 0.5])
    result = gs.solve(game, name, steps=5000, tol=tol)
    assert result.converged and result.trajectory["exploitability"][-1] <= tol
    assert gs.exploitability(game) <= 1.5 * tol     # the strategies one step later


def test_fictitious_play_converges_in_a_zero_sum_game_but_cycles_in_shapleys_game():
    rng = np.random.default_rng(0)
    zero_sum = gs.MatrixGame(rng.uniform(-1, 1, (4, 4)))
    e = gs.solve(zero_sum, "fictitious-play", steps=4000).trajectory["exploitability"]
    assert e[-1] < 0.02 and e[-1] < e[10] / 5                    # Robinson (1951)
    shapley = gs.MatrixGame(*SHAPLEY, x0=[0.5, 0.3, 0.2], y0=[0.2, 0.5, 0.3])
    e = gs.solve(shapley, "fictitious-play", steps=4000).trajectory["exploitability"]
    assert e[-1000:].min() > 0.05                                 # Shapley (1964): no convergence


def test_replicator_dynamics_conserve_the_cross_entropy_to_an_interior_equilibrium():
    # in a zero-sum game with interior equilibrium (x*, y*), H = -sum x*_i log x_i - sum y*_j log y_j is a
    # constant of motion of the replicator flow (Hofbauer & Sigmund 1998): the orbits are closed
    game = gs.MatrixGame(RPS, x0=[0.5, 0.3, 0.2], y0=[0.2, 0.3, 0.5])
    solver = gs.Replicator(game, dt=0.01)
    values = []
    for _ in range(500):
        solver.step()
        x, y = solver.strategies()
        values.append(-np.log(x).sum() / 3 - np.log(y).sum() / 3)
    assert np.ptp(values) < 1e-8
    assert gs.exploitability(game) > 0.1                          # ... and the state keeps cycling
    avg = gs.Replicator(gs.MatrixGame(RPS, x0=[0.5, 0.3, 0.2], y0=[0.2, 0.3, 0.5]), dt=0.05, average=True)
    for _ in range(4000):
        avg.step()
    assert avg.game.exploitability(*avg.strategies()) < 0.02     # the time average converges


def test_state_dict_resumes_exactly():
    for name in DYNAMICS:
        game = gs.MatrixGame(*SHAPLEY, x0=[0.5, 0.3, 0.2], y0=[0.2, 0.5, 0.3])
        full = gs.make_solver(name, game)
        for _ in range(30):
            full.step()
        other = gs.MatrixGame(*SHAPLEY, x0=[0.5, 0.3, 0.2], y0=[0.2, 0.5, 0.3])
        half = gs.make_solver(name, other)
        for _ in range(12):
            half.step()
        state = half.state_dict()
        fresh = gs.make_solver(name, gs.MatrixGame(*SHAPLEY, x0=[0.5, 0.3, 0.2], y0=[0.2, 0.5, 0.3]))
        fresh.load_state_dict(state)
        for _ in range(18):
            fresh.step()
        for a, b in zip(full.strategies(), fresh.strategies()):
            np.testing.assert_array_equal(a, b)


def test_checkpoint_and_resume_through_solve(tmp_path):
    make = lambda: gs.MatrixGame(RPS, x0=[0.5, 0.3, 0.2], y0=[0.2, 0.3, 0.5])   # noqa: E731
    full = gs.solve(make(), "regret-matching+", steps=60)
    gs.solve(make(), "regret-matching+", steps=25, checkpoint=tmp_path / "rm.ckpt")
    resumed = gs.solve(make(), "regret-matching+", steps=60, resume_from=tmp_path / "rm.ckpt")
    np.testing.assert_array_equal(full.trajectory["exploitability"], resumed.trajectory["exploitability"])
    np.testing.assert_array_equal(full.strategies[0], resumed.strategies[0])


def test_bad_parameters():
    game = gs.MatrixGame(RPS)
    with pytest.raises(gs.InvalidParameterError, match="averaging"):
        gs.solve(game, "regret-matching", averaging="cubic")
    with pytest.raises(gs.InvalidParameterError, match="lr"):
        gs.solve(game, "hedge", lr=-1.0)
    with pytest.raises(gs.InvalidParameterError, match="interior"):
        gs.Replicator(gs.MatrixGame(RPS, x0=[1, 0, 0]))
    with pytest.raises(gs.IncompatibleSolverError, match="payoffs"):
        gs.solve(gs.ZeroSumGame(lambda x, y: x * y, gs.Player("x", 1.0), gs.Player("y", 1.0)), "hedge")
