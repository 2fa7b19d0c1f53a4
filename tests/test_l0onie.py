"""L0onie: a SIREN with L0-gated units under a bits-per-pixel constraint."""

import math

import pytest
import torch

import gamesolve as gs
from gamesolve.addons.compression import (L0Siren, bits_per_pixel, expected_bits, image_coordinates, psnr,
                                          rate_constraint, sample_image, stored_bits)
from gamesolve.addons.sparsity import hard_concrete_sample
from gamesolve.game_registry import make_game
from gamesolve_zoo.l0onie import solver


def test_expected_bits_match_a_monte_carlo_count_of_the_pruned_network():
    model = L0Siren(2, (12, 9, 7), 3, seed=0)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in model.hidden:
            m.log_alpha.normal_(0.0, 2.0, generator=gen)
    n = 40000
    active = [torch.full((n,), 2.0),
              *((hard_concrete_sample(m.log_alpha.detach().expand(n, -1), gen) > 0).sum(1).double()
                for m in model.hidden), torch.full((n,), 3.0)]
    mc = float((16 * sum(a * b + b for a, b in zip(active[:-1], active[1:]))).mean())
    assert abs(mc / float(expected_bits(model).detach()) - 1) < 0.01


def test_closed_units_are_removed_exactly():
    model = L0Siren(2, (6, 5), 3, seed=0)
    with torch.no_grad():
        model.hidden[0].log_alpha[:] = 20.0
        model.hidden[1].log_alpha[:] = 20.0
        model.hidden[0].log_alpha[[1, 4]] = -20.0    # close two units of layer 1 and one of layer 2
        model.hidden[1].log_alpha[2] = -20.0
    model.eval()
    x = image_coordinates(4, 5)
    keep0, keep1 = [0, 2, 3, 5], [0, 1, 3, 4]
    w0, b0 = model.hidden[0].weight[keep0], model.hidden[0].bias[keep0]
    w1, b1 = model.hidden[1].weight[keep1][:, keep0], model.hidden[1].bias[keep1]
    h = torch.sin(30 * (x @ w0.T + b0))
    h = torch.sin(30 * (h @ w1.T + b1))
    small = h @ model.out.weight[:, keep1].T + model.out.bias
    assert torch.allclose(model(x), small, atol=1e-6)
    assert stored_bits(model) == 16 * (2 * 4 + 4 + 4 * 4 + 4 + 4 * 3 + 3)
    assert float(bits_per_pixel(model, 20, deterministic=True)) == stored_bits(model) / 20


def test_l0onie_meets_the_rate_with_a_useful_reconstruction():
    """Reduced budget: a 24-row image, two hidden layers of 32 units, 1500 steps (the example: 32 rows, 48 units,
    3000 steps)."""
    target = 4.0
    game = make_game("l0onie", height=24, hidden=(32, 32), target_bpp=target)
    model, pixels = game.model, game.shape[0] * game.shape[1]
    dense_bpp = float(bits_per_pixel(model, pixels, deterministic=True))
    restart = gs.DualRestart(game)
    result = gs.solve(game, solver(game), steps=1500, progress=False, callbacks=[restart],
                      metrics={"lam": lambda g: float(g.players[1].params[0].detach())})
    model.eval()
    with torch.no_grad():
        out = model(game.coords).clamp(0, 1)
    achieved = float(bits_per_pixel(model, pixels, deterministic=True))
    assert dense_bpp > 4 * target and achieved <= target
    assert float(bits_per_pixel(model, pixels).detach()) <= target * 1.02
    flat = psnr(game.colours.mean(0).expand_as(game.colours), game.colours)     # the best constant colour
    assert psnr(out, game.colours) > flat + 6
    assert result.trajectory["lam"].max() > 0 and restart.restarts["bpp"] > 0


def test_bad_input():
    model = L0Siren(2, (4,), 3)
    for bad in (0.0, -1.0, math.inf):
        with pytest.raises(gs.InvalidParameterError, match="bits per pixel"):
            rate_constraint(model, 100, bad)
    with pytest.raises(gs.ShapeError, match="same shape"):
        psnr(torch.zeros(3, 3), torch.zeros(3, 2))
    with pytest.raises(gs.InvalidParameterError, match="height"):
        sample_image("china.jpg", 10000)
    with pytest.raises(gs.InvalidParameterError, match="hidden"):
        L0Siren(2, (), 3)
    assert sample_image("flower.jpg", 16).shape == (16, 24, 3)
