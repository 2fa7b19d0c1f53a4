"""The GANG mechanism on the 8-Gaussian ring (zoo game gang-mog), on a small budget.

The example examples/gang_vs_gan.py measures mode coverage against a GAN;
these tests check the machinery it relies on: pools grow, the meta-game of a
zero-sum loss is zero-sum and solved exactly, the mixture spreads over
several generators, the value bounds behave as docs/gangs.md says, and the
mixed generator samples through its pure generators.
"""

import numpy as np
import pytest
import torch

import gamesolve as gs
from gamesolve.cli import main
from gamesolve.game_registry import game_spec, make_game

from test_mixed import NoisyQuadratic, _pool


@pytest.fixture(scope="module")
def ring_run():
    ext = make_game("gang-mog", mixture="ring", width=16, batch_size=64, seed=0)
    oracles = [gs.GradientOracle(10, lr=1e-2, warm_start="sample", seed=p) for p in (0, 1)]
    pnm = gs.ParallelNashMemory(oracles, meta_solver="lp", epsilon=1e-3)
    result = gs.solve(ext, pnm, steps=16, progress=False)
    return ext, pnm, oracles, result


def test_pools_grow_and_the_oracles_count_their_budget(ring_run):
    ext, pnm, oracles, result = ring_run
    t = result.trajectory
    for key in ("pool_generator", "pool_discriminator"):
        assert np.all(np.diff(t[key]) >= 0) and t.last(key) >= 4
    assert ext.pool_sizes == (t.last("pool_generator"), t.last("pool_discriminator"))
    assert [o.optimizer_steps for o in oracles] == [10 * result.steps] * 2
    # every step differentiates against each opponent in the support: at least one pass per step
    assert all(o.gradient_passes >= o.optimizer_steps for o in oracles)
    assert sum(o.gradient_passes for o in oracles) > sum(o.optimizer_steps for o in oracles)


def test_the_meta_game_of_a_zero_sum_loss_is_zero_sum_and_solved_exactly(ring_run):
    ext, pnm, _, result = ring_run
    assert ext.zero_sum and ext.game.loss.name == "minimax"
    M1, M2 = ext.payoffs
    np.testing.assert_array_equal(M2, -M1)
    t = result.trajectory
    np.testing.assert_array_equal(t["value_discriminator"], -t["value"])
    # the last iteration's mixtures are an exact equilibrium of the meta-game on the pools it saw
    s1, s2 = pnm.mixtures
    seen = gs.MatrixGame(M1[:s1.size, :s2.size])
    assert gs.exploitability(seen, (s1, s2)) < 1e-9
    assert abs(float(s1 @ seen.A @ s2) - t.last("value")) < 1e-12


def test_the_mixture_spreads_over_several_generators(ring_run):
    ext, pnm, _, _ = ring_run
    sigma = pnm.strategies()[0]
    assert sigma.shape == (ext.pool_sizes[0],) and abs(sigma.sum() - 1) < 1e-9
    assert np.count_nonzero(sigma > 0.05) >= 3


def test_value_bounds_behave_as_documented(ring_run):
    _, _, _, result = ring_run
    t = result.trajectory
    # the answers' payoffs: upper = u_1 = value + gain of G, lower = -u_2 = value - gain of D
    np.testing.assert_allclose(t["upper"], t["value"] + t["gain_generator"], atol=1e-12)
    np.testing.assert_allclose(t["lower"], t["value"] - t["gain_discriminator"], atol=1e-12)
    # the tightest so far: the running max / min, an interval that never widens
    np.testing.assert_array_equal(t["best_lower"], np.maximum.accumulate(t["lower"]))
    np.testing.assert_array_equal(t["best_upper"], np.minimum.accumulate(t["upper"]))
    assert np.all(np.diff(t["gap"]) <= 0)
    np.testing.assert_allclose(t["gap"], t["best_upper"] - t["best_lower"], atol=1e-12)
    np.testing.assert_array_equal(t["residual"], np.maximum(np.maximum(t["gain_generator"],
                                                                       t["gain_discriminator"]), 0))


def test_generate_draws_from_several_generators_by_the_mixture(ring_run):
    ext, pnm, _, _ = ring_run
    sigma = pnm.strategies()[0]
    n = 4000
    samples, which = ext.generate(sigma, n, seed=3)
    assert samples.shape == (n, 2) and which.shape == (n,)
    used = np.unique(which)
    assert used.size >= 3 and set(used) <= set(np.flatnonzero(sigma > 0))
    freq = np.bincount(which, minlength=sigma.size) / n
    assert np.all(np.abs(freq - sigma) <= 5 * np.sqrt(sigma * (1 - sigma) / n) + 1e-12)
    # each label names the pure generator that drew the sample
    for i in used:
        mine, own = samples[which == i], ext.game.sample(2000, strategy=ext.pools[0][i], seed=11)
        if len(mine) < 20:
            continue
        se = (mine.var(0) / len(mine) + own.var(0) / len(own)).sqrt()
        assert torch.all((mine.mean(0) - own.mean(0)).abs() <= 5 * se + 1e-6)
    same, _ = ext.generate(sigma, n, seed=3)
    assert torch.equal(same, samples)


def test_sample_warm_start_draws_from_the_own_mixture():
    """With no steps the oracle answers its starting point: under warm_start="sample" a pool member
    drawn from the player's own mixture, as often as its weight (and never one of weight zero)."""
    ext = gs.MixedExtension(NoisyQuadratic(), pools=(_pool(3, 0), _pool(2, 1)))
    oracle = gs.GradientOracle(steps=0, warm_start="sample", seed=5)
    own, n = np.array([0.25, 0.75, 0.0]), 400
    picks = []
    for _ in range(n):
        answer, _ = oracle(ext, 0, [0.5, 0.5], own)
        picks.append(next(i for i, s in enumerate(ext.pools[0]) if torch.equal(s[0], answer[0])))
    counts = np.bincount(picks, minlength=3)
    assert counts[2] == 0 and abs(counts[1] / n - 0.75) < 5 * np.sqrt(0.75 * 0.25 / n)
    assert oracle.optimizer_steps == 0 and oracle.calls == n
    again = gs.GradientOracle(steps=0, warm_start="sample", seed=5)
    assert torch.equal(again(ext, 0, [0.5, 0.5], own)[0][0], ext.pools[0][picks[0]][0])


def test_zoo_card_data_sets_and_bad_input():
    spec = game_spec("gang-mog")
    assert spec.family == "gang" and not spec.standard and "pnm" in spec.solver_params
    grid = make_game("gang-mog", mixture="grid", width=8)
    assert isinstance(grid, gs.MixedExtension) and grid.pool_sizes == (1, 1)
    assert grid.game.mixture.modes == 25 and grid.game.mixture.centers.abs().max() == 1.0
    assert make_game("gang-mog", width=8).game.mixture.modes == 8
    with pytest.raises(gs.InvalidParameterError, match="mixture must be one of ring, grid"):
        make_game("gang-mog", mixture="spiral")


def test_cli_solves_gang_mog_with_pnm(capsys):
    assert main(["solve", "gang-mog", "--solver", "pnm", "--steps", "2", "--param", "width=8",
                 "--param", "batch_size=32", "--solver-param", "oracle_steps=5"]) == 0
    out = capsys.readouterr().out
    assert "pnm" in out and "pool_generator=" in out and "gap=" in out
