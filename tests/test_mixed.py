"""Mixed extensions: pools, incremental meta-game payoffs on common random numbers, gradient oracles."""

import numpy as np
import pytest
import torch
from torch import nn

import gamesolve as gs
from gamesolve.solvers.best_response import GradientOracle, payoff_against


class NoisyQuadratic(gs.ZeroSumGame):
    """f(x, y) = 1/2 |x|^2 + x^T A y - 1/2 |y|^2 + 0.1 <xi, x>, xi ~ N(0, I) from the game's generator."""

    def __init__(self, seed=0):
        gen = torch.Generator().manual_seed(seed)
        self.A = torch.randn(3, 3, generator=gen, dtype=torch.float64)
        super().__init__(None, gs.Player("x", torch.randn(3, generator=gen, dtype=torch.float64)),
                         gs.Player("y", torch.randn(3, generator=gen, dtype=torch.float64)), validate=False)
        self.generator = torch.Generator().manual_seed(1)

    def value(self):
        x, y = self.players[0].value, self.players[1].value
        xi = torch.randn(3, generator=self.generator, dtype=torch.float64)
        return 0.5 * x @ x + x @ self.A @ y - 0.5 * y @ y + 0.1 * xi @ x


def _pool(n, seed):
    gen = torch.Generator().manual_seed(seed)
    return [[torch.randn(3, generator=gen, dtype=torch.float64)] for _ in range(n)]


def test_incremental_payoffs_equal_a_recomputation_from_scratch():
    game = NoisyQuadratic()
    ext = gs.MixedExtension(game, payoff_samples=3)
    xs, ys = _pool(4, 10), _pool(3, 11)
    before = ext.evaluations
    for k in range(3):
        ext.add(0, xs[k])
        ext.add(1, ys[k])
    # each addition evaluates one new row or column only: rows 2..4 against 1..3 columns and vice versa
    assert ext.evaluations - before == 3 * sum([1 + k + 2 + k for k in range(3)])
    ext.add(0, xs[3])
    fresh = gs.MixedExtension(NoisyQuadratic(), pools=ext.pools, payoff_samples=3)
    assert ext.pool_sizes == fresh.pool_sizes == (5, 4)
    np.testing.assert_array_equal(ext.payoffs[0], fresh.payoffs[0])
    np.testing.assert_array_equal(ext.payoffs[1], -ext.payoffs[0])      # zero-sum base game


def test_common_random_numbers_are_the_same_for_every_pair():
    """With payoff_samples draws xi_1..xi_k shared by all pairs, M[i, j] - M[i', j] has no noise:
    it is exactly -(f(x_i, y_j) - f(x_i', y_j)) with the same xi's."""
    game = NoisyQuadratic()
    ext = gs.MixedExtension(game, pools=(_pool(2, 3), _pool(2, 4)), payoff_samples=2)
    crn = torch.Generator().manual_seed(0)
    xis = [torch.randn(3, generator=crn, dtype=torch.float64) for _ in range(2)]
    for i in range(2):
        for j in range(2):
            x, y = ext.pools[0][i][0], ext.pools[1][j][0]
            f = np.mean([float(0.5 * x @ x + x @ game.A @ y - 0.5 * y @ y + 0.1 * xi @ x) for xi in xis])
            assert ext.payoffs[0][i, j] == pytest.approx(-f, abs=1e-12)


def test_meta_game_evaluation_leaves_the_game_as_it_was():
    game = NoisyQuadratic()
    before = game.snapshot()
    state = game.generator.get_state()
    ext = gs.MixedExtension(game)
    ext.add(0, _pool(1, 5)[0])
    assert all(torch.equal(a, b) for a, b in zip(before, game.snapshot()))
    assert torch.equal(state, game.generator.get_state())


def test_gradient_oracle_finds_the_best_response_to_a_mixture():
    """Against sigma over y_j, the best response of x to f is x* = -A sum_j sigma_j y_j (up to the noise
    term, whose expectation vanishes)."""
    game = NoisyQuadratic()
    ext = gs.MixedExtension(game, pools=([[torch.zeros(3, dtype=torch.float64)]], _pool(3, 7)))
    sigma = np.array([0.2, 0.5, 0.3])
    oracle = GradientOracle(steps=400, optimizer=lambda p: torch.optim.SGD(p, lr=0.05))
    strategy, payoff = oracle(ext, 0, sigma)
    ybar = sum(s * y[0] for s, y in zip(sigma, ext.pools[1]))
    assert torch.allclose(strategy[0], -game.A @ ybar, atol=0.05)
    assert payoff == pytest.approx(payoff_against(ext, 0, strategy, sigma))
    assert payoff > (ext.payoffs[0] @ sigma)[0]          # beats the pool's only member


def test_gradient_oracle_with_random_restarts_on_network_players():
    torch.manual_seed(0)
    data = torch.randn(32, 2) + 2.0
    z = torch.randn(32, 2)
    G = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    D = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    game = gs.ZeroSumGame(lambda G, D: D(data).mean() - D(G(z)).mean() - 0.5 * (D(data) ** 2).mean(),
                          gs.Player("G", G), gs.Player("D", D))
    ext = gs.MixedExtension(game)
    oracle = GradientOracle(steps=30, restarts=3, lr=1e-2, seed=1)
    strategy, payoff = oracle(ext, 1, [1.0])
    assert payoff > ext.payoffs[1][0, 0]
    again, payoff_again = GradientOracle(steps=30, restarts=3, lr=1e-2, seed=1)(ext, 1, [1.0])
    assert payoff_again == payoff and all(torch.equal(a, b) for a, b in zip(strategy, again))
    # restarts in threads, each on a replica, draw their fresh initialisations as the sequential ones do
    sequential, parallel = (GradientOracle(steps=5, restarts=4, lr=1e-2, seed=2, parallel=p) for p in (False, True))
    for _ in range(6):
        (s, u), (t, v) = sequential(ext, 1, [1.0]), parallel(ext, 1, [1.0])
        assert u == v and all(torch.equal(a, b) for a, b in zip(s, t))


def test_bad_input():
    game = NoisyQuadratic()
    with pytest.raises(gs.ShapeError, match="player 'x'"):
        gs.MixedExtension(game).add(0, [torch.zeros(4, dtype=torch.float64)])
    with pytest.raises(gs.InvalidParameterError, match="non-empty pool"):
        gs.MixedExtension(game, pools=([], _pool(1, 0)))
    with pytest.raises(gs.NonFiniteError, match="player 'y'"):
        gs.MixedExtension(game).add(1, [torch.full((3,), float("nan"), dtype=torch.float64)])
    nan_game = gs.ZeroSumGame(lambda x, y: torch.log(x.sum()) * y.sum(), gs.Player("x", [1.0]), gs.Player("y", [1.0]))
    ext = gs.MixedExtension(nan_game)
    with pytest.raises(gs.NonFiniteError, match="finite payoffs"):
        ext.add(0, [torch.tensor([-1.0], dtype=torch.float64)])
    with pytest.raises(gs.ShapeError, match="pool size"):
        ext.check_mixture(1, [0.5, 0.5])
    with pytest.raises(gs.InvalidParameterError, match="random start"):
        GradientOracle(steps=1, restarts=2)(gs.MixedExtension(game), 0, [1.0])


def test_a_mixed_generator_samples_its_pure_generators_by_the_mixture():
    from gamesolve.game_registry import make_game

    game = make_game("ring-gan", width=16, seed=0)
    ext = gs.MixedExtension(game)
    ext.add(0, [p + 0.5 for p in game.players[0].strategy()])
    samples, labels = ext.generate([0.25, 0.75], 4000, seed=3)
    assert samples.shape == (4000, 2) and abs((labels == 1).mean() - 0.75) < 0.03
    alone, which = ext.generate([0.0, 1.0], 50, seed=3)
    expected = game.sample(50, strategy=ext.pools[0][1], generator=torch.Generator().manual_seed(3))
    assert np.all(which == 1) and torch.equal(alone, expected)
