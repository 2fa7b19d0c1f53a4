"""Iterative magnitude pruning of players: masks as domains, rewinding, early birds."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import gamesolve as gs
from gamesolve.addons.pruning import (EarlyBird, LotteryTicket, apply_masks, magnitude_masks, mask_distance, prunable,
                                      random_masks_like, sparsity)


def _game(seed=0):
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 2))
    D = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    data, z = torch.randn(64, 2) + 1.0, torch.randn(64, 3)
    return gs.ZeroSumGame(lambda G, D: D(data).mean() - D(G(z)).mean() - 0.1 * sum((p ** 2).sum() for p in D.parameters()),
                          gs.Player("G", G), gs.Player("D", D), name="tiny-wgan")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=3), st.floats(0.0, 0.9), st.integers(0, 1000))
def test_magnitude_masks_prune_the_smallest_under_one_threshold(sizes, fraction, seed):
    gen = torch.Generator().manual_seed(seed)
    tensors = [torch.randn(n, 3, generator=gen) for n in sizes]
    first = magnitude_masks(tensors, 0.3)
    masks = magnitude_masks(tensors, fraction, first)
    remaining = sum(int(m.sum()) for m in first)
    assert sum(int(m.sum()) for m in masks) == remaining - math.ceil(fraction * remaining)
    assert all(bool((~m | f).all()) for m, f in zip(masks, first))          # pruned stays pruned
    kept = torch.cat([t[m].abs() for t, m in zip(tensors, masks)])
    newly = torch.cat([t[f & ~m].abs() for t, m, f in zip(tensors, masks, first)])
    if kept.numel() and newly.numel():
        assert float(newly.max()) <= float(kept.min())                      # one global threshold


def test_pruned_weights_stay_zero_under_every_solver():
    for make in (lambda g: gs.OGDA(g, lr=0.05),
                 lambda g: gs.Extragradient(g, optimizers=lambda p: torch.optim.Adam(p, 1e-2)),
                 lambda g: gs.GDA(g, lr=0.05, alternating=True, steps_per_player=(1, 3))):
        game = _game()
        ticket = LotteryTicket(game, fraction=0.5, rewind=0)
        gs.solve(game, make(game), steps=20, progress=False)
        ticket.prune()
        gs.solve(game, make(game), steps=20, progress=False)
        for i, masks in ticket.masks.items():
            player = game.players[i]
            for k, m in zip(prunable(player), masks):
                w = player.params[k].detach()
                assert float(w[~m].abs().max()) == 0.0
                assert float(w[m].abs().min()) > 0.0


def test_rewinding_to_init_and_late_rewinding():
    game = _game()
    init = game.snapshot()
    ticket = LotteryTicket(game, fraction=0.2, rewind=0)
    gs.solve(game, gs.OGDA(game, lr=0.05), steps=10, progress=False)
    report = ticket.prune()
    assert report["G"] == pytest.approx(0.2, abs=0.01) and report["D"] == pytest.approx(0.2, abs=0.01)
    for p, p0 in zip(game.parameters(), init):     # survivors back at their initial values
        assert torch.equal(p.detach()[p.detach() != 0], p0[p.detach() != 0])
    ticket.prune()   # second round: 20% of the remaining 80%
    assert sparsity(ticket.masks[0]) == pytest.approx(1 - 0.8 * 0.8, abs=0.01)

    game = _game()
    late = LotteryTicket(game, fraction=0.2, rewind=5)
    with pytest.raises(gs.InvalidParameterError, match="iteration 5"):
        late.prune()
    theta = {}
    gs.solve(game, gs.OGDA(game, lr=0.05), steps=10, progress=False,
             callbacks=[late.callback, lambda s: theta.setdefault(s.step, game.snapshot()) and False])
    late.prune()
    for p, p5 in zip(game.parameters(), theta[5]):
        kept = p.detach() != 0
        assert torch.equal(p.detach()[kept], p5[kept])


def test_ticket_state_round_trip():
    game, other = _game(), _game()
    ticket = LotteryTicket(game, fraction=0.3)
    ticket.prune()
    copy = LotteryTicket(other, fraction=0.3)
    copy.load_state_dict(ticket.state_dict())
    assert copy.round == 1 and mask_distance(copy.masks[1], ticket.masks[1]) == 0.0
    assert all(torch.equal(a, b) for a, b in zip(game.parameters(), other.parameters()))


def test_random_masks_keep_the_layerwise_count():
    game = _game()
    masks = magnitude_masks([game.players[0].params[k] for k in prunable(game.players[0])], 0.6)
    rand = random_masks_like(masks, torch.Generator().manual_seed(0))
    assert [int(m.sum()) for m in rand] == [int(m.sum()) for m in masks]
    assert mask_distance(rand, masks) > 0.2


def test_early_bird_fires_when_masks_stop_moving():
    bird = EarlyBird(threshold=0.1, window=3)
    gen = torch.Generator().manual_seed(0)
    base = torch.rand(100, generator=gen) > 0.5
    assert not bird.update([torch.rand(100, generator=gen) > 0.5])
    assert not bird.update([base])                       # a big jump
    for k in range(3):
        flip = base.clone()
        flip[k] = ~flip[k]                                # 1% of entries change
        fired = bird.update([flip])
        assert fired == (k == 2)
    assert bird.found_at == 4 and bird.distances[-1] == pytest.approx(0.02)


def test_bad_input():
    game = _game()
    with pytest.raises(gs.ShapeError, match="do not fit"):
        apply_masks(game.players[0], [torch.ones(3, 3, dtype=torch.bool)])
    with pytest.raises(gs.InvalidParameterError, match="fraction"):
        LotteryTicket(game, fraction=1.0)
    with pytest.raises(gs.DomainError, match="0/1"):
        gs.Masked(torch.tensor([0.5, 1.0]))
    boxed = gs.Player("w", torch.zeros(2, 2), domain=gs.Box(-1, 1))
    with pytest.raises(gs.DomainError, match="Reals"):
        apply_masks(boxed, [torch.ones(2, 2, dtype=torch.bool)])


def test_the_jacobian_of_a_pruned_game_lives_on_the_unpruned_weights():
    from gamesolve.analysis import spectral

    game = _game()
    ticket = LotteryTicket(game, fraction=0.5)
    ticket.prune()
    H = spectral.jacobian(game)
    kept = sum(int(m.sum()) for masks in ticket.masks.values() for m in masks)
    biases = sum(p.numel() for player in game.players for k, p in enumerate(player.params) if p.dim() < 2)
    assert H.shape == (kept + biases, kept + biases)
    full = spectral.jacobian(game, tangent=False)
    assert full.shape[0] == sum(p.numel() for p in game.parameters())
