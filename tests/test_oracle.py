"""Parallel Nash Memory and double oracle: exact answers on matrix games, bounds, resume, bad input."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gamesolve as gs
from gamesolve.solvers.best_response import GradientOracle, exact_best_response
from gamesolve.solvers.oracle import projected_replicator_dynamics
from gamesolve_zoo import planted_zero_sum
from tests._markdown import python_blocks

from test_mixed import NoisyQuadratic, _pool


def _random_game(m, n, seed, zero_sum=True):
    rng = np.random.default_rng(seed)
    A = rng.uniform(-1, 1, (m, n))
    return gs.MatrixGame(A) if zero_sum else gs.MatrixGame(A, rng.uniform(-1, 1, (m, n)))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 12), st.integers(2, 12), st.integers(0, 10_000))
def test_double_oracle_reaches_the_lp_value_and_the_bounds_never_widen(m, n, seed):
    game = _random_game(m, n, seed)
    value = gs.solve(_random_game(m, n, seed), "lp").value
    result = gs.solve(game, gs.DoubleOracle(), progress=False)
    t = result.trajectory
    rows = ~np.isnan(t["value"])
    assert result.converged
    assert abs(t["value"][rows][-1] - value) <= 1e-9
    assert gs.exploitability(game, result.strategies) <= 1e-9
    # every iteration's best responses bound the value; the best-so-far interval only shrinks
    assert np.all(t["lower"][rows] <= value + 1e-12) and np.all(t["upper"][rows] >= value - 1e-12)
    assert np.all(np.diff(t["best_lower"][rows]) >= 0) and np.all(np.diff(t["best_upper"][rows]) <= 0)


def test_pnm_on_the_mixed_extension_of_a_matrix_game():
    game = _random_game(9, 7, 3)
    ext = gs.MixedExtension(game)
    result = gs.solve(ext, gs.ParallelNashMemory(exact_best_response, meta_solver="lp"), progress=False)
    value = gs.solve(_random_game(9, 7, 3), "lp").value
    x, y = result.strategies                     # full mixed strategies of the matrix game
    assert x.shape == (9,) and y.shape == (7,)
    assert abs(float(x @ game.A @ y) - value) <= 1e-9
    assert ext.evaluations <= 9 * 7


def test_double_oracle_on_a_general_sum_game_finds_a_nash_equilibrium():
    for seed in range(5):
        game = _random_game(6, 5, seed, zero_sum=False)
        result = gs.solve(game, gs.DoubleOracle(), progress=False)
        assert result.converged and game.is_nash(result.strategies, tol=1e-9)


def test_double_oracle_reads_few_entries_of_a_game_with_a_small_support_equilibrium():
    game = planted_zero_sum.make(rows=2000, cols=2000, support=5, seed=0)
    result = gs.solve(game, gs.DoubleOracle(), progress=False)
    fraction = result.trajectory.last("evaluations") / game.A.size
    assert result.converged and fraction < 0.05
    assert gs.exploitability(game, result.strategies) < 1e-9
    assert abs(result.trajectory.last("value") - 0.0) < 1e-9


def test_psro_meta_solvers():
    game = _random_game(8, 8, 2)
    M = game.A
    x, y = projected_replicator_dynamics(M, -M, iterations=5000, dt=0.05, floor=1e-4)
    assert x.min() >= 1e-4 - 1e-12 and abs(x.sum() - 1) < 1e-12
    assert game.exploitability(x, y) < 0.05
    result = gs.solve(_random_game(8, 8, 2), gs.DoubleOracle(meta_solver="uniform"), progress=False)
    assert not result.converged and result.reason.startswith("no new strategy")


def _pnm_run(steps, checkpoint=None, resume=None, parallel=False):
    ext = gs.MixedExtension(NoisyQuadratic(), pools=(_pool(1, 0), _pool(1, 1)))
    pnm = gs.ParallelNashMemory(GradientOracle(steps=30, lr=0.05, seed=4), meta_solver="lp", parallel=parallel)
    result = gs.solve(ext, pnm, steps=steps, progress=False, checkpoint=checkpoint, resume_from=resume)
    return ext, result


def test_pnm_on_a_differentiable_game_resumes_exactly_and_parallel_changes_nothing(tmp_path):
    full, full_result = _pnm_run(6)
    _pnm_run(3, checkpoint=tmp_path / "pnm.ckpt")
    resumed, resumed_result = _pnm_run(6, resume=tmp_path / "pnm.ckpt")
    parallel, _ = _pnm_run(6, parallel=True)
    for other in (resumed, parallel):
        assert other.pool_sizes == full.pool_sizes
        np.testing.assert_array_equal(other.payoffs[0], full.payoffs[0])
        for pool, pool_full in zip(other.pools, full.pools):
            assert all(torch.equal(a[0], b[0]) for a, b in zip(pool, pool_full))
    np.testing.assert_array_equal(resumed_result.trajectory["value"], full_result.trajectory["value"])
    assert full.pool_sizes[0] > 1 and full.pool_sizes[1] > 1       # the oracles found improving strategies


def test_pnm_approaches_the_saddle_point_of_a_convex_concave_game():
    """f = 1/2|x|^2 + x^T A y - 1/2|y|^2 (+ zero-mean noise): the value of the game is 0 and the bounds
    from the gradient oracles close in on it."""
    ext = gs.MixedExtension(NoisyQuadratic(), pools=(_pool(1, 0), _pool(1, 1)), payoff_samples=1)
    result = gs.solve(ext, gs.ParallelNashMemory(GradientOracle(steps=200, lr=0.1), meta_solver="lp",
                                                 epsilon=1e-4), steps=15, progress=False)
    t = result.trajectory
    assert t.last("gap") < 0.1 * t["gap"][0]


def test_bad_input():
    game = _random_game(4, 4, 0)
    with pytest.raises(gs.InvalidParameterError, match="epsilon"):
        gs.DoubleOracle(epsilon=-1)
    with pytest.raises(gs.IncompatibleSolverError, match="ExactBestResponse needs best-responses.*best_response="):
        gs.solve(gs.MixedExtension(NoisyQuadratic()), gs.ParallelNashMemory(), progress=False)
    with pytest.raises(gs.IncompatibleSolverError, match="needs pools.*gs.MixedExtension"):
        gs.solve(NoisyQuadratic(), gs.ParallelNashMemory(GradientOracle()), progress=False)
    with pytest.raises(gs.GameError, match="not bound"):
        gs.DoubleOracle().step()

    def wrong_shape(ext, player, opponent, own=None):
        return [torch.zeros(5, dtype=torch.float64)], math.inf

    with pytest.raises(gs.ShapeError, match="player 'x'"):
        gs.solve(gs.MixedExtension(NoisyQuadratic()), gs.ParallelNashMemory(wrong_shape), progress=False)
    with pytest.raises(gs.ShapeError, match="index"):
        gs.solve(game, gs.DoubleOracle(lambda ext, p, o, own=None: (99, math.inf)), progress=False)
    with pytest.raises(gs.UnknownNameError):
        gs.DoubleOracle(meta_solver="no-such-solver")


def test_the_guide_snippets_run():
    """docs/gangs.md: every python block runs, in one namespace as a reader would run them."""
    blocks = python_blocks("docs/gangs.md")
    assert len(blocks) == 3
    ns: dict = {}
    exec(compile(blocks[0], "gangs.md[0]", "exec"), ns)
    ext, sigma = ns["ext"], ns["sigma_G"]
    assert ext.pool_sizes[0] > 1 and sigma.shape == (ext.pool_sizes[0],) and abs(sigma.sum() - 1) < 1e-9
    assert set(np.unique(ns["which"])) <= set(np.flatnonzero(sigma > 0))
    exec(compile(blocks[1], "gangs.md[1]", "exec"), ns)
    assert ns["result"].converged and ns["result"].trajectory.last("evaluations") / ns["game"].A.size < 0.05
    exec(compile(blocks[2], "gangs.md[2]", "exec"), ns)
    assert ns["samples"].shape == (2500, 2) and len(np.unique(ns["which"])) >= 2
    assert 0 <= ns["coverage"]["modes"] <= 8 and len(ns["fig"].axes[0].collections) >= 2
