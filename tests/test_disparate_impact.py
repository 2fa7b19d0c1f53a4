"""Disparate impact of pruning (Hashemizadeh et al. 2023): per-group accuracy-gap constraints with a
cross-entropy proxy, indexed multipliers, the disparate-impact zoo game."""

import copy

import pytest
import torch

import gamesolve as gs
from gamesolve.addons.fairness import DisparateImpact, DisparateImpactProblem, disparities, group_accuracy
from gamesolve.game_registry import make_game
from gamesolve_zoo.disparate_impact import logits, solver, train


def test_constrained_fine_tuning_bounds_every_group_while_unconstrained_does_not():
    """Reduced budget: 600 dense steps, 1200 fine-tuning steps (the example runs 2000 and 3000)."""
    eps, steps = 0.02, 1200
    game = make_game("disparate-impact", eps=eps, dense_steps=600, n_test=50000)
    test, G = game.data.test, game.impact.num_groups
    assert G == 20
    dense = logits(game.dense, test.X)
    baseline = train(copy.deepcopy(game.pruned), game.data.train, steps, masks=game.masks, batch_size=2048, seed=1)
    psi_free = disparities(logits(baseline, test.X), dense, test.y, test.groups, G)
    assert float(psi_free.max()) > eps + 0.01                                  # pruning alone is unfair

    gs.solve(game, solver(game), steps=steps, progress=False)
    model = game.players[0].module
    psi = disparities(logits(model, test.X), dense, test.y, test.groups, G)
    assert float(psi.max()) <= eps + 0.01                                      # held-out, every group
    for w, m in zip((p for p in model.parameters() if p.dim() == 2), game.masks):
        assert float(w.detach()[~m].abs().max()) == 0.0                        # still pruned
    acc = float((logits(model, test.X).argmax(1) == test.y).float().mean())
    acc_free = float((logits(baseline, test.X).argmax(1) == test.y).float().mean())
    assert acc > acc_free - 0.02


def _toy(eps=0.0):
    gen = torch.Generator().manual_seed(0)
    X, y = torch.randn(60, 3, generator=gen), torch.randint(2, (60,), generator=gen)
    groups = torch.arange(60) % 4
    dense = torch.randn(60, 2, generator=gen)
    return X, y, groups, DisparateImpact(dense, y, groups, 4, eps), dense


def test_values_and_proxies_follow_the_definitions():
    X, y, groups, impact, dense = _toy()
    logits_ = torch.randn(60, 2, generator=torch.Generator().manual_seed(1), requires_grad=True)
    idx = torch.tensor([0, 1, 4, 5, 8, 13])             # groups 0, 1 only
    v = impact.value(logits_[idx], y[idx], groups[idx])
    assert v.indices.tolist() == [0, 1]
    acc_b = (logits_[idx].argmax(1) == y[idx]).double()
    for k, g in enumerate((0, 1)):
        in_g = groups[idx] == g
        true = (impact.dense_accuracy[g] - acc_b[in_g].mean()) - (impact.overall_accuracy - acc_b.mean())
        assert float(v.value[k]) == pytest.approx(float(true))
        ce = torch.nn.functional.cross_entropy(logits_[idx], y[idx], reduction="none").double()
        proxy = (ce[in_g].mean() - impact.dense_loss[g]) - (ce.mean() - impact.overall_loss)
        assert float(v.proxy[k].detach()) == pytest.approx(float(proxy.detach()), rel=1e-5)
    assert v.proxy.requires_grad and not v.value.requires_grad
    # on the full data the dense model has no disparity, and disparities() is the same definition
    full = disparities(dense, dense, y, groups, 4)
    assert torch.allclose(full, torch.zeros(4, dtype=torch.float64))
    gaps = group_accuracy(dense, y, groups, 4) - group_accuracy(logits_.detach(), y, groups, 4)
    overall = (dense.argmax(1) == y).double().mean() - (logits_.argmax(1) == y).double().mean()
    assert torch.allclose(disparities(logits_.detach(), dense, y, groups, 4), gaps - overall)


def test_a_minibatch_updates_only_the_multipliers_of_its_groups():
    X, y, groups, impact, _ = _toy(eps=0.0)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    problem = DisparateImpactProblem(model, X, y, groups, impact, batch_size=8)
    problem.sample = lambda gen: torch.tensor([0, 2, 4, 6, 8, 10, 12, 14])    # groups 0 and 2 only
    game = gs.LagrangianGame(problem, multipliers={"disparate-impact": 0.5})
    opt = gs.NuPI(game.players[1].params, lr=0.1, kp=1.0)
    s = gs.GDA(game, optimizers=(lambda p: torch.optim.SGD(p, lr=0.01), lambda p: opt))
    s.step()
    lam = game.players[1].params[0].detach()
    assert lam[1] == 0.5 and lam[3] == 0.5                                     # groups 1, 3 untouched
    assert lam[0] != 0.5 or lam[2] != 0.5
    assert opt.state[game.players[1].params[0]]["seen"].tolist() == [True, False, True, False]


def test_unseen_groups_and_bad_input_raise_clear_errors():
    X, y, groups, impact, dense = _toy()
    with pytest.raises(gs.UnknownNameError, match=r"\[0, 4\)"):
        impact.value(torch.randn(3, 2), torch.tensor([0, 1, 0]), torch.tensor([0, 1, 7]))
    sparse_groups = torch.where(groups == 3, 0, groups)                          # group 3 never in the reference
    partial = DisparateImpact(dense, y, sparse_groups, 4)
    with pytest.raises(gs.UnknownNameError, match=r"group\(s\) \[3\] never appear"):
        partial.value(torch.randn(2, 2), torch.tensor([0, 1]), torch.tensor([3, 1]))
    with pytest.raises(gs.ShapeError, match="logits"):
        impact.value(torch.randn(3, 2), torch.tensor([0, 1]), torch.tensor([0, 1, 2]))
    with pytest.raises(gs.InvalidParameterError, match="eps"):
        DisparateImpact(dense, y, groups, 4, eps=-0.1)
    game = make_game("disparate-impact", groups=4, n_train=2000, n_test=100, dense_steps=5, batch_size=64)
    with pytest.raises(gs.ShapeError, match="do not fit"):
        from gamesolve.addons.pruning import apply_masks
        apply_masks(game.players[0], [m[:, :-1] for m in game.masks])
