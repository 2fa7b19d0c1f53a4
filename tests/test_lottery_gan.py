"""Lottery tickets in a generative game (Kalibhat, Balaji & Feizi 2021): iterative magnitude pruning of both
players of a GANGame on the 8-Gaussian ring, against random pruning at the same sparsity; early birds."""

import pytest
import torch

import gamesolve as gs
from gamesolve.addons.pruning import (EarlyBirdCallback, LotteryTicket, apply_masks, one_shot_masks, prunable,
                                      random_masks_like, sparsity)
from gamesolve.game_registry import make_game

STEPS, LR = 1000, 2e-3


def _game():
    return make_game("ring-gan", width=64, depth=2, std=0.05, gamma=0.1, batch_size=128, seed=0)


def _decay(state):
    """The step size decays geometrically to 5% over the run (as in examples/lottery_tickets.py)."""
    for rule in state.solver.rules:
        for group in rule.optimizer.param_groups:
            group["lr"] = LR * 0.05 ** (state.step / STEPS)


def _train(game, callbacks=()):
    adam = lambda p: torch.optim.Adam(p, LR, betas=(0.5, 0.9))  # noqa: E731
    gs.solve(game, gs.GDA(game, optimizers=adam, alternating=True, order=(1, 0)), steps=STEPS, seed=0,
             progress=False, metrics=[], callbacks=[_decay, *callbacks])


def _mmd(game, data):
    return gs.mmd(game.sample(1500, seed=7), data, bandwidth=0.1)


def test_a_ticket_at_80_percent_sparsity_matches_the_dense_gan_and_beats_random_pruning():
    """Reduced budget: 1000 steps per run, two rounds of 56% (81% sparse), one random baseline; the example runs
    2000 steps and eight rounds of 20%. GAN training is fragile at this budget: with seed 1 the dense GAN
    itself covers 2 of the 8 modes, so the test keeps seed 0 (deterministic on CPU)."""
    game = _game()
    data = game.mixture.sample(1500, torch.Generator().manual_seed(123))
    ticket = LotteryTicket(game, fraction=0.56, rewind=0)
    bird = EarlyBirdCallback(game, 0.8, every=25, threshold=0.1, window=3)
    _train(game, [ticket.callback, bird])
    dense = _mmd(game, data)
    for _ in range(2):
        ticket.prune()
        _train(game)
    assert sparsity([m for ms in ticket.masks.values() for m in ms]) >= 0.8
    for i, masks in ticket.masks.items():                     # both players pruned, pruned weights still zero
        player = game.players[i]
        for k, m in zip(prunable(player), masks):
            assert float(player.params[k].detach()[~m].abs().max()) == 0.0
    lottery = _mmd(game, data)

    baseline = _game()
    generator = torch.Generator().manual_seed(0)
    for i, masks in ticket.masks.items():
        apply_masks(baseline.players[i], random_masks_like(masks, generator))
    _train(baseline)
    random = _mmd(baseline, data)
    assert lottery < random
    assert lottery <= 2 * dense
    cover = gs.mode_coverage(game.sample(1500, seed=7), game.mixture.centers, game.mixture.std)
    assert cover["modes"] >= 7
    # the early-bird ticket emerged during the dense run (round 0), before the final round
    assert bird.step is not None and bird.step < STEPS
    k = bird.checks.index(bird.step)
    assert max(bird.bird.distances[k - 3:k]) < 0.1


def test_early_bird_callback_draws_masks_at_the_target_sparsity_and_can_stop_the_run():
    game = make_game("ring-gan", width=8, depth=1, std=0.05, batch_size=32, seed=0)
    bird = EarlyBirdCallback(game, 0.5, every=2, threshold=1.0, window=1, stop=True)
    result = gs.solve(game, gs.GDA(game, lr=1e-4), steps=50, progress=False, callbacks=[bird], metrics=[])
    assert bird.checks == [2, 4] and bird.step == 4 and result.steps == 4       # fired at the first comparison
    for i, masks in bird.masks.items():
        assert sparsity(masks) == pytest.approx(0.5, abs=0.05)
    now = one_shot_masks(game, 0.5)           # the run stopped where the bird fired: same weights, same masks
    assert all(torch.equal(a, b) for i in (0, 1) for a, b in zip(now[i], bird.masks[i]))
    with pytest.raises(gs.InvalidParameterError, match="sparsity"):
        EarlyBirdCallback(game, 1.0)
    with pytest.raises(gs.ShapeError, match="do not fit"):
        apply_masks(game.players[0], [m.t() for m in bird.masks[0]])
