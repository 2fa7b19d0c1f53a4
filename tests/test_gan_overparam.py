"""The overparameterised GAN of Balaji et al. (2021): GDA reaches the global saddle point only when wide enough;
the zoo's GAN games."""

import numpy as np
import pytest
import scipy.optimize
import torch

import gamesolve as gs
from gamesolve.game_registry import make_game
from gamesolve_zoo import overparam_gan as op

TOL = 1e-6


def run_to_tolerance(game, steps):
    return gs.solve(game, gs.GDA(game, lr=0.5), steps=steps, progress=False, metrics={"residual_norm": op.residual},
                    callbacks=[lambda state: state.metrics["residual_norm"] < TOL])


def test_the_game_is_the_regularised_linear_discriminator_objective():
    """losses = (h, -h) with h(W, d) = <d, xbar - mean_i G(z_i)> - |d|^2/2, and the inner max is |r|^2/2."""
    game = op.make(width=16, seed=3)
    G, D = game.networks()
    d = torch.randn(1, 8, dtype=torch.float64)
    with torch.no_grad():
        D.weight.copy_(d)
    batch = game.draw()
    r = (batch.real.mean(0) - G(batch.latent).mean(0)).detach()
    h = d[0] @ r - 0.5 * d[0] @ d[0]
    ev = game.evaluate()
    assert game.zero_sum and torch.allclose(ev.losses[0], h.detach(), atol=1e-12)
    assert torch.allclose(ev.grads[1][0][0], -(r - d[0]).detach(), atol=1e-12)     # -grad_d h = -(r - d)
    with torch.no_grad():
        D.weight.copy_(r.unsqueeze(0))
    assert torch.allclose(game.evaluate().losses[0], 0.5 * r @ r, atol=1e-12)
    assert op.residual(game) == pytest.approx(float(r.norm()), rel=1e-12)


def test_jacobian_matches_finite_differences_and_has_rank_at_most_the_width():
    game = op.make(width=4, data_dim=8, latent_dim=3, seed=0, activation="softplus")
    J = op.jacobian(game)
    G = game.networks()[0]
    assert J.shape == (8, 4 * 3)
    z = game.draw().latent
    W0 = G.W.detach().clone()
    eps, k = 1e-6, 5
    with torch.no_grad():
        G.W.view(-1)[k] += eps
        up = G(z).mean(0)
        G.W.copy_(W0)
        G.W.view(-1)[k] -= eps
        down = G(z).mean(0)
        G.W.copy_(W0)
    assert torch.allclose(J[:, k], (up - down) / (2 * eps), atol=1e-8)
    assert torch.linalg.matrix_rank(J) == 4 and op.sigma_min(game) < 1e-10   # J = sum_j v_j a_j^T: rank <= k < m


@pytest.mark.parametrize("width", [64, 256])
def test_above_the_threshold_gda_reaches_the_global_saddle_point_for_every_seed(width):
    for seed in range(3):
        game = op.make(width=width, seed=seed)
        result = run_to_tolerance(game, steps=2500)
        assert op.residual(game) < TOL, (width, seed, result.steps)
        assert float(game.players[1].params[0].detach().norm()) < 1e-5       # d -> d* = 0


def test_below_the_threshold_the_residual_stays_bounded_away_from_zero():
    """mean_i G(z_i) = V h with h = mean_i relu(W z_i) >= 0, so |r| >= min_{h >= 0} |xbar - V h| (a non-negative
    least-squares distance) for every W; for widths k <= m it is positive for every seed."""
    for width in (4, 8):
        for seed in range(3):
            game = op.make(width=width, seed=seed)
            V, xbar = game.networks()[0].V.numpy(), game.draw().real.mean(0).numpy()
            floor = scipy.optimize.nnls(V, xbar)[1]
            run_to_tolerance(game, steps=300)
            assert floor > 0.1 and op.residual(game) >= floor - 1e-9


def test_sigma_min_at_initialisation_grows_with_the_width():
    widths = [4, 16, 64, 256]
    means = [np.mean([op.sigma_min(op.make(width=k, seed=s)) for s in range(4)]) for k in widths]
    assert means[0] < 1e-10 and all(a < b for a, b in zip(means, means[1:])), means


def test_zoo_gan_games_build_and_train_briefly():
    ring = make_game("ring-gan", width=32, batch_size=64)
    assert isinstance(ring, gs.GANGame) and ring.mixture.modes == 8 and ring.regularizer is not None
    grid = make_game("grid-gan", gamma=0.0)
    assert grid.mixture.modes == 25 and grid.regularizer is None
    result = gs.solve(ring, "alternating-gda", steps=3, progress=False, lr=1e-3)
    assert result.steps == 3
    digits = make_game("digits-gan", width=32)
    assert digits.draw().real.shape == (64, 64) and float(digits.sample(10).abs().max()) <= 1.0
    mixture = make_game("mixture-gan", width=32)
    assert mixture.mixture.dim == 64 and mixture.sample(5).shape == (5, 64)
    for game in (digits, mixture):
        assert gs.solve(game, "ogda", steps=2, progress=False, lr=1e-3).steps == 2
    with pytest.raises(gs.InvalidParameterError, match="width must be a positive int"):
        make_game("ring-gan", width=0)


def test_a_short_ring_run_moves_the_generator_towards_the_data():
    game = make_game("ring-gan", width=64, depth=3, batch_size=128, seed=0)
    adam = lambda p: torch.optim.Adam(p, 2e-3, betas=(0.5, 0.9))  # noqa: E731
    data = game.mixture(1000, torch.Generator().manual_seed(5))
    before = gs.mmd(game.sample(1000), data), gs.sliced_wasserstein(game.sample(1000), data)
    gs.solve(game, gs.GDA(game, optimizers=adam, alternating=True, order=(1, 0)), steps=300, progress=False)
    after = gs.mmd(game.sample(1000), data), gs.sliced_wasserstein(game.sample(1000), data)
    assert after[0] < before[0] / 5 and after[1] < before[1] / 3, (before, after)
