"""Pools: one interface (index pools of a MatrixGame, snapshot pools of a differentiable game) under
MixedExtension and the oracle methods, and capabilities that tell the truth about which oracle method
runs on which kind of game."""

import numpy as np
import pytest
import torch

import gamesolve as gs
from gamesolve.pools import IndexPool, SnapshotPool, make_pools
from gamesolve.solvers.best_response import GradientOracle
from gamesolve.solvers.registry import get_solver_spec
from gamesolve.game_registry import make_game

from test_mixed import NoisyQuadratic, _pool


def _matrix(m=6, n=5, seed=0):
    return gs.MatrixGame(np.random.default_rng(seed).uniform(-1, 1, (m, n)))


KINDS = {
    "MatrixGame": _matrix,
    "MixedExtension(MatrixGame)": lambda: gs.MixedExtension(_matrix()),
    "MixedExtension(GANGame)": lambda: gs.MixedExtension(make_game("ring-gan", width=8, batch_size=32, seed=0)),
    "MixedExtension(ZeroSumGame)": lambda: gs.MixedExtension(NoisyQuadratic(), pools=(_pool(1, 0), _pool(1, 1))),
    "GANGame": lambda: make_game("ring-gan", width=8, batch_size=32, seed=0),
    "ZeroSumGame": NoisyQuadratic,
}

# (solver name, game kind) -> None where it runs, else the capability its refusal names as missing
CAPABILITY_TABLE = {
    ("pnm", "MatrixGame"): None,                             # exact best responses of the index pools
    ("pnm", "MixedExtension(MatrixGame)"): None,
    ("pnm", "MixedExtension(GANGame)"): None,                # gradient oracles on the snapshot pools
    ("pnm", "MixedExtension(ZeroSumGame)"): None,
    ("pnm", "GANGame"): "pools",                             # a mixture of networks is no strategy of the GAN
    ("pnm", "ZeroSumGame"): "pools",
    ("double-oracle", "MatrixGame"): None,
    ("double-oracle", "MixedExtension(MatrixGame)"): None,
    ("double-oracle", "MixedExtension(GANGame)"): "best-responses",    # no exact best response of a network
    ("double-oracle", "MixedExtension(ZeroSumGame)"): "best-responses",
    ("double-oracle", "GANGame"): "pools",
    ("double-oracle", "ZeroSumGame"): "pools",
}


@pytest.mark.parametrize("solver, kind", sorted(CAPABILITY_TABLE))
def test_capability_table(solver, kind):
    game, missing = KINDS[kind](), CAPABILITY_TABLE[solver, kind]
    params = {"oracle_steps": 2, "oracle_lr": 0.01} if solver == "pnm" else {}
    if missing is None:
        assert get_solver_spec(solver).requires <= game.capabilities     # listings and compare agree
        result = gs.solve(game, solver, steps=2, progress=False, **params)
        assert result.steps >= 1 and result.error is None
        if isinstance(game, gs.MatrixGame):      # its players hold the mixed strategies found
            assert torch.allclose(game.players[0].params[0], torch.as_tensor(result.strategies[0]))
    else:
        with pytest.raises(gs.IncompatibleSolverError, match=f"needs {missing}"):
            gs.solve(game, solver, steps=2, progress=False, **params)


@pytest.mark.parametrize("solver", ["pnm", "double-oracle"])
def test_oracle_methods_by_name_take_an_oracle_the_pools_support(solver):
    ext = KINDS["MixedExtension(ZeroSumGame)"]()
    oracle = GradientOracle(steps=20, lr=0.05)
    result = gs.solve(ext, solver, best_response=oracle, steps=3, meta_solver="lp", progress=False)
    assert result.steps == 3 and ext.pool_sizes[0] > 1 and oracle.calls == 6


def test_an_oracle_the_pools_do_not_support_is_refused_when_bound():
    with pytest.raises(gs.IncompatibleSolverError, match="GradientOracle needs snapshots"):
        gs.solve(_matrix(), "double-oracle", best_response=GradientOracle(steps=2), progress=False)
    with pytest.raises(gs.IncompatibleSolverError, match="GradientOracle needs snapshots"):
        GradientOracle(steps=2)(gs.MixedExtension(_matrix()), 0, [1.0])


def test_pnm_and_double_oracle_by_name_are_one_loop_on_a_matrix_game():
    pnm, do = (gs.solve(_matrix(9, 7, 3), name, progress=False) for name in ("pnm", "double-oracle"))
    assert pnm.converged and do.converged
    for key in ("value", "evaluations", "pool_row", "pool_column"):
        np.testing.assert_array_equal(pnm.trajectory[key], do.trajectory[key])
    np.testing.assert_array_equal(pnm.strategies[0], do.strategies[0])


def test_double_oracle_on_a_matrix_game_resumes_exactly_and_parallel_changes_nothing(tmp_path):
    full = gs.solve(_matrix(20, 20, 1), "double-oracle", progress=False)
    gs.solve(_matrix(20, 20, 1), "double-oracle", steps=4, checkpoint=tmp_path / "do.ckpt", progress=False)
    resumed = gs.solve(_matrix(20, 20, 1), "double-oracle", resume_from=tmp_path / "do.ckpt", progress=False)
    parallel = gs.solve(_matrix(20, 20, 1), gs.DoubleOracle(parallel=True), progress=False)
    assert full.steps > 4, full.steps
    for other in (resumed, parallel):
        for key in ("value", "evaluations", "gap"):
            np.testing.assert_array_equal(other.trajectory[key], full.trajectory[key])
        np.testing.assert_array_equal(other.strategies[1], full.strategies[1])


def test_index_pools_read_entries_and_answer_exactly():
    game = _matrix(6, 5)
    rows, cols = make_pools(game, ([0, 2], [1]))
    assert isinstance(rows, IndexPool) and rows.source is cols.source
    assert gs.MixedExtension(game).capabilities == {"pools", "best-responses"}
    np.testing.assert_array_equal(rows.payoffs([2, 0], [1, 3]), np.stack([game.A[np.ix_([2, 0], [1, 3])],
                                                                          game.B[np.ix_([2, 0], [1, 3])]]))
    np.testing.assert_array_equal(cols.payoffs([3], [0, 2])[1], game.B[np.ix_([0, 2], [3])])
    assert rows.source.evaluations == 4         # distinct entries read
    block = cols.add(4, rows)                   # the new column against both rows, shape (2, rows, 1)
    np.testing.assert_array_equal(block[0, :, 0], game.A[[0, 2], 4])
    assert 4 in cols and 3 not in cols and len(cols) == 2
    y = np.array([0.25, 0.75])
    best, payoff = rows.best_response(cols, y)
    full_y = cols.full_strategy(y)
    assert full_y.shape == (5,) and full_y[[1, 4]].tolist() == [0.25, 0.75]
    assert (best, payoff) == pytest.approx(game.best_response(0, full_y))
    twin = rows.on(_matrix(6, 5))
    assert twin.members is rows.members and twin.source is rows.source
    with pytest.raises(gs.ShapeError, match="index in \\[0, 5\\)"):
        cols.add(5, rows)


def test_snapshot_pools_evaluate_on_common_random_numbers_and_refuse_exact_answers():
    game = NoisyQuadratic()
    xs, ys = make_pools(game, (_pool(2, 0), _pool(1, 1)), payoff_samples=2)
    assert isinstance(xs, SnapshotPool) and xs.source is ys.source
    ext = gs.MixedExtension(NoisyQuadratic(), pools=(_pool(2, 0), _pool(1, 1)), payoff_samples=2)
    assert ext.capabilities == {"pools", "snapshots"}
    new = _pool(1, 5)[0]
    block = ys.add(new, xs)
    assert block.shape == (2, 2, 1) and xs.source.evaluations == 2 * 2
    ext.add(1, new)
    np.testing.assert_array_equal(block[:, :, 0], np.stack(ext.payoffs)[:, :, 1])      # the same common numbers
    assert [new[0].clone()] in ys and [new[0] + 1] not in ys
    np.testing.assert_array_equal(xs.full_strategy([0.5, 0.5]), [0.5, 0.5])
    with pytest.raises(gs.IncompatibleSolverError, match="best-responses"):
        xs.best_response(ys, [0.5, 0.5])
    with xs.playing(xs[1]):
        assert torch.equal(game.players[0].params[0], xs[1][0])
    assert not torch.equal(game.players[0].params[0], xs[1][0])


def test_the_extension_state_round_trips_through_its_pools():
    for ext, strategy in ((gs.MixedExtension(_matrix()), 3),
                          (gs.MixedExtension(NoisyQuadratic(), pools=(_pool(1, 0), _pool(1, 1))), _pool(1, 2)[0])):
        state = ext.state_dict()
        ext.add(0, strategy)
        assert ext.pool_sizes == (2, 1)
        ext.load_state_dict(state)
        assert ext.pool_sizes == (1, 1) and ext.payoffs[0].shape == (1, 1) and ext.evaluations == 1
