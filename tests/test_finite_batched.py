"""Batched torch solvers: convergence on 1000 games, agreement with lp and with the single-game dynamics."""

import numpy as np
import pytest
import torch

import gamesolve as gs
from gamesolve.solvers.dynamics import RegretMatching


def _zero_sum_batch(batch=1000, m=3, n=3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return gs.MatrixGameBatch(2 * torch.rand(batch, m, n, generator=gen, dtype=torch.float64) - 1)


@pytest.fixture(scope="module")
def batch_and_values():
    batch = _zero_sum_batch()
    values = np.array([gs.solve(batch[k], "lp").value for k in range(batch.batch)])
    return batch, values


@pytest.mark.parametrize("name", ["batched-regret-matching+", "batched-optimistic-mwu"])
def test_batched_solvers_reach_1e_3_on_1000_games_and_agree_with_lp(name, batch_and_values):
    batch, values = batch_and_values
    solver = gs.make_solver(name, batch, tol=1e-3)
    result = gs.solve(batch, solver, steps=20_000, tol=1e-3)
    assert result.converged
    x, y = result.strategies
    assert x.shape == (1000, 3) and y.shape == (1000, 3)
    per_game = solver.exploitability()
    assert float(per_game.max()) <= 1e-3
    # the per-game exploitability, recomputed from scratch with MatrixGame
    for k in range(0, 1000, 97):
        assert float(per_game[k]) == pytest.approx(batch[k].exploitability(x[k].numpy(), y[k].numpy()), abs=1e-12)
    # the value estimate is within the exploitability of lp's value
    assert np.abs(solver.values().numpy() - values).max() <= 1e-3


def test_batched_fictitious_play_is_fictitious_play_game_by_game():
    batch = _zero_sum_batch(batch=6, m=3, n=4, seed=1)
    solver = gs.BatchedFictitiousPlay(batch)
    singles = [gs.FictitiousPlay(batch[k]) for k in range(6)]
    for _ in range(300):
        solver.step()
        for s in singles:
            s.step()
    x, y = solver.strategies()
    for k, s in enumerate(singles):
        np.testing.assert_allclose(x[k].numpy(), s.strategies()[0], atol=1e-12)
        np.testing.assert_allclose(y[k].numpy(), s.strategies()[1], atol=1e-12)


def test_batched_fictitious_play_decreases_exploitability_on_1000_games():
    batch = _zero_sum_batch()
    solver = gs.BatchedFictitiousPlay(batch)
    start = solver.exploitability()
    result = gs.solve(batch, solver, steps=2000)
    end = solver.exploitability()
    assert float(end.max()) < 0.05 and float(end.mean()) < float(start.mean()) / 20
    assert result.trajectory.last("exploitability") == pytest.approx(float(end.max()), rel=0.2)   # step 1990


@pytest.mark.parametrize("predictive, averaging", [(False, "linear"), (True, "quadratic"), (True, "uniform")])
def test_batched_regret_matching_plus_is_regret_matching_plus_game_by_game(predictive, averaging):
    gen = torch.Generator().manual_seed(2)
    A, B = torch.randn(5, 4, 3, generator=gen, dtype=torch.float64), torch.randn(5, 4, 3, generator=gen,
                                                                                 dtype=torch.float64)
    batch = gs.MatrixGameBatch(A, B)
    solver = gs.BatchedRegretMatchingPlus(batch, predictive=predictive, averaging=averaging)
    singles = [RegretMatching(batch[k], plus=True, alternating=True, averaging=averaging, predictive=predictive)
               for k in range(5)]
    for _ in range(200):
        solver.step()
        for s in singles:
            s.step()
    x, y = solver.strategies()
    e = solver.exploitability()
    for k, s in enumerate(singles):
        np.testing.assert_allclose(x[k].numpy(), s.strategies()[0], atol=1e-12)
        np.testing.assert_allclose(y[k].numpy(), s.strategies()[1], atol=1e-12)
        assert float(e[k]) == pytest.approx(batch[k].exploitability(*s.strategies()), abs=1e-12)


def test_batched_optimistic_mwu_last_iterate_is_optimistic_hedge_game_by_game():
    batch = _zero_sum_batch(batch=4, seed=3)
    solver = gs.BatchedOptimisticMWU(batch, lr=0.3, average=False)
    singles = [gs.Hedge(batch[k], lr=0.3, optimistic=True) for k in range(4)]
    for _ in range(200):
        solver.step()
        for s in singles:
            s.step()
    x, _ = solver.strategies()
    for k, s in enumerate(singles):
        np.testing.assert_allclose(x[k].numpy(), s.strategies()[0], atol=1e-10)


def test_frozen_games_keep_their_strategies_and_state_dict_resumes_exactly():
    batch = _zero_sum_batch(batch=200, seed=4)
    solver = gs.BatchedRegretMatchingPlus(batch, tol=1e-3, check_every=5)
    for _ in range(40):
        solver.step()
    frozen = torch.ones(200, dtype=torch.bool)
    frozen[solver.active] = False
    assert 0 < int(frozen.sum()) < 200
    x_frozen = solver.strategies()[0][frozen]
    state = solver.state_dict()
    twin = gs.BatchedRegretMatchingPlus(batch, tol=1e-3, check_every=5)
    twin.load_state_dict(state)
    for _ in range(60):
        solver.step()
        twin.step()
    assert torch.equal(solver.strategies()[0][frozen], x_frozen)
    assert torch.equal(solver.strategies()[0], twin.strategies()[0])
    assert torch.equal(solver.exploitability(), twin.exploitability())
    assert float(solver.exploitability()[frozen].max()) <= 1e-3


def test_general_sum_batches_and_bad_input():
    gen = torch.Generator().manual_seed(5)
    A, B = torch.randn(3, 2, 4, generator=gen), torch.randn(3, 2, 4, generator=gen)
    batch = gs.MatrixGameBatch(A, B, device="cpu")
    assert batch.A.dtype == torch.float64 and not batch.zero_sum
    x = torch.tensor([[0.3, 0.7]] * 3, dtype=torch.float64)
    y = torch.tensor([[0.1, 0.2, 0.3, 0.4]] * 3, dtype=torch.float64)
    e = batch.exploitability(x, y)
    for k in range(3):
        assert float(e[k]) == pytest.approx(batch[k].exploitability(x[k].numpy(), y[k].numpy()))
    with pytest.raises(gs.InvalidParameterError, match="zero-sum"):
        batch.value_bounds(x, y)
    with pytest.raises(gs.ShapeError, match="same shape"):
        gs.MatrixGameBatch(A, B[:, :, :3])
    with pytest.raises(gs.ShapeError, match=r"\(batch, m, n\)"):
        gs.MatrixGameBatch(A[0])
    with pytest.raises(gs.IncompatibleSolverError, match="batched-payoffs"):
        gs.solve(batch[0], "batched-regret-matching+")
    stacked = gs.MatrixGameBatch.from_games([batch[k] for k in range(3)])
    assert torch.allclose(stacked.B, batch.B)
