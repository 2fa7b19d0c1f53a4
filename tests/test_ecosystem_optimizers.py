"""Per-player optimizers from the ecosystem plug in through optimizer factories, nothing special-cased:
a player trained with Shampoo (Gupta, Koren & Singer 2018) from the pytorch-optimizer package."""

import pytorch_optimizer
import torch

import gamesolve as gs


def _matrix_game():
    """min_X max_Y 1/2 ||X||^2 + <X, Y> - 1/2 ||Y||^2 over 4x3 matrices; the saddle point is (0, 0)."""
    gen = torch.Generator().manual_seed(0)
    X = gs.Player("X", torch.randn(4, 3, generator=gen, dtype=torch.float64))
    Y = gs.Player("Y", torch.randn(4, 3, generator=gen, dtype=torch.float64))
    game = gs.ZeroSumGame(lambda X, Y: 0.5 * (X * X).sum() + (X * Y).sum() - 0.5 * (Y * Y).sum(), X, Y)
    game.equilibrium = (torch.zeros(4, 3, dtype=torch.float64), torch.zeros(4, 3, dtype=torch.float64))
    return game


def _solver(game):
    return gs.GDA(game, optimizers=(lambda p: pytorch_optimizer.Shampoo(p, lr=0.2),
                                    lambda p: torch.optim.SGD(p, lr=0.1)))


def test_a_shampoo_player_reaches_the_saddle_point():
    game = _matrix_game()
    start = gs.distance_to_equilibrium(game)
    result = gs.solve(game, _solver(game), steps=600, progress=False)
    assert isinstance(_solver(game).rules[0].optimizer, pytorch_optimizer.Shampoo)
    assert result.trajectory.last("distance") < 1e-4 * start


def test_a_shampoo_run_resumes_exactly(tmp_path):
    full = _matrix_game()
    gs.solve(full, _solver(full), steps=30, progress=False)
    half = _matrix_game()
    gs.solve(half, _solver(half), steps=15, checkpoint=tmp_path / "s.ckpt", progress=False)
    resumed = _matrix_game()
    gs.solve(resumed, _solver(resumed), steps=30, resume_from=tmp_path / "s.ckpt", progress=False)
    assert all(torch.equal(a, b) for a, b in zip(full.parameters(), resumed.parameters()))
