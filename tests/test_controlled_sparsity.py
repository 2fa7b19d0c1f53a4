"""Controlled sparsity (Gallego-Posada et al. 2022): density constraints on L0 layers, dual restarts,
the sparse-mlp-digits zoo game."""

import pytest
import torch

import gamesolve as gs
from gamesolve.addons.restarts import DualRestart
from gamesolve.addons.sparsity import (L0Linear, density_constraint, deterministic_density, expected_density,
                                       gated_layers, layer_densities)
from gamesolve.game_registry import make_game
from gamesolve_zoo.sparse_mlp_digits import accuracy, solver


def _run(target, per_layer=False, steps=700, seed=0):
    """A reduced budget: one hidden layer of 64 units, 700 steps (the example runs 100-100 units, 3000 steps)."""
    game = make_game("sparse-mlp-digits", target=target, per_layer=per_layer, hidden=(64,), seed=seed)
    restart = DualRestart(game)
    result = gs.solve(game, solver(game, dual_lr=0.05), steps=steps, progress=False, callbacks=[restart],
                      metrics={"lam": lambda g: float(g.players[1].params[0].detach().max())})
    return game, restart, result


def _dense_accuracy(split, steps=700):
    """The same MLP without gates, Adam(1e-3), the same number of minibatch steps."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(steps):
        idx = torch.randint(split.X_train.shape[0], (256,), generator=gen)
        loss = torch.nn.functional.cross_entropy(model(split.X_train[idx]), split.y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float((model(split.X_test).argmax(1) == split.y_test).float().mean())


def test_controlled_sparsity_meets_the_target_density():
    target = 0.5
    game, restart, result = _run(target)
    model, split = game.model, game.split
    assert float(expected_density(model).detach()) <= target + 0.01              # feasible
    assert abs(float(deterministic_density(model)) - target) <= 0.02       # the test-time model has the target density
    assert accuracy(model, split.X_test, split.y_test) >= _dense_accuracy(split) - 0.02   # stated margin: 2 points
    lam = result.trajectory["lam"]
    assert lam.max() > 0 and restart.restarts["density"] > 0               # the constraint was active, then met


def test_without_dual_restarts_the_density_undershoots():
    game = make_game("sparse-mlp-digits", target=0.5, hidden=(64,))
    gs.solve(game, solver(game, dual_lr=0.05), steps=700, progress=False)
    assert float(expected_density(game.model).detach()) < 0.45      # vs within a point of 0.5 with restarts


def test_per_layer_targets_hold_layer_by_layer():
    targets = [0.3, 0.7]
    game, restart, _ = _run(targets, per_layer=True)
    assert list(gated_layers(game.model)) == ["0", "2"]
    expected = layer_densities(game.model)
    achieved = layer_densities(game.model, deterministic=True)
    for t, e, a in zip(targets, expected.tolist(), achieved.tolist()):
        assert e <= t + 0.01 and abs(a - t) <= 0.03     # per layer at this reduced budget: 3 points
    assert game.players[1].params[0].shape == (2,)


def test_dual_restart_resets_feasible_entries_and_their_nupi_state():
    model = torch.nn.Sequential(L0Linear(4, 3, droprate=0.1), L0Linear(3, 2, droprate=0.1))
    problem = gs.ConstrainedProblem(lambda m: sum((p ** 2).sum() for p in m.parameters()),
                                    [density_constraint(model, [0.5, 0.99], per_layer=True)], model)
    game = gs.LagrangianGame(problem)
    opt = gs.NuPI(game.players[1].params, lr=0.1, kp=2.0)
    solver_ = gs.GDA(game, optimizers=(lambda p: torch.optim.SGD(p, lr=1e-3), lambda p: opt))
    solver_.step()
    lam = game.players[1].params[0]
    # density ~0.98 at droprate 0.1: layer 0 (target 0.5) violated, layer 1 (target 0.99) feasible
    assert float(lam[0].detach()) > 0 and float(lam[1].detach()) == 0
    with torch.no_grad():
        lam[1] = 3.0
    opt.state[lam]["xi"][1] = 7.0
    done = DualRestart(game).restart(solver_.optimizers[1])
    assert done == {"density": 1}
    assert float(lam[0].detach()) > 0 and float(lam[1].detach()) == 0.0
    assert float(opt.state[lam]["xi"][1]) == 0.0 and float(opt.state[lam]["xi"][0]) != 0.0


def test_density_constraint_values_and_bad_targets():
    model = torch.nn.Sequential(L0Linear(5, 4), torch.nn.ReLU(), L0Linear(4, 3, structured=True))
    c = density_constraint(model, 0.4)
    assert torch.equal(c.fn(None, "ignored batch"), expected_density(model))
    per = density_constraint(model, {"0": 0.1, "2": 0.9}, per_layer=True)
    assert per.target.tolist() == [0.1, 0.9] and per.fn().shape == (2,)
    for bad in (-0.1, 1.5, float("nan"), "half"):
        with pytest.raises(gs.InvalidParameterError, match=r"\[0, 1\]"):
            density_constraint(model, bad)
    with pytest.raises(gs.InvalidParameterError, match="layer '2'"):
        density_constraint(model, [0.5, 1.2], per_layer=True)
    with pytest.raises(gs.InvalidParameterError, match="2 gated"):
        density_constraint(model, [0.5], per_layer=True)
    with pytest.raises(gs.InvalidParameterError, match="missing"):
        density_constraint(model, {"0": 0.5}, per_layer=True)
    with pytest.raises(gs.InvalidParameterError, match="per_layer=True"):
        density_constraint(model, [0.5, 0.5])
    with pytest.raises(gs.InvalidParameterError, match=r"\[0, 1\]"):
        make_game("sparse-mlp-digits", target=1.2)
    with pytest.raises(gs.InvalidParameterError, match="inequality"):
        DualRestart(make_game("sparse-mlp-digits"), ["nope"])
