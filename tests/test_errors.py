"""Bad input gives a specific GameError whose message names the player and the shapes."""

import math

import pytest
import torch

import gamesolve as gs
from gamesolve.solvers.registry import check_capabilities


def test_shape_mismatch_between_players_and_loss_names_players_and_shapes():
    A = torch.randn(4, 3, dtype=torch.float64)
    x = gs.Player("x", torch.zeros(3, dtype=torch.float64))
    y = gs.Player("y", torch.zeros(3, dtype=torch.float64))
    with pytest.raises(gs.ShapeError) as err:
        gs.ZeroSumGame(lambda x, y: x @ A @ y, x, y)
    msg = str(err.value)
    assert "x: (3,)" in msg and "y: (3,)" in msg


def test_a_float32_and_a_float64_player_are_a_dtype_error_that_names_both():
    x = gs.Player("x", torch.ones(2, dtype=torch.float32))
    y = gs.Player("y", torch.ones(2, dtype=torch.float64))
    with pytest.raises(gs.DTypeError, match=r"mix dtypes \(x: float32, y: float64\).*dtype=torch.float64"):
        gs.ZeroSumGame(lambda x, y: x @ y, x, y)
    assert issubclass(gs.DTypeError, gs.ShapeError)          # what it was reported as before
    same = gs.Player("y", torch.ones(3, dtype=torch.float32))
    with pytest.raises(gs.ShapeError, match="strategy shapes") as info:  # a real shape error stays one
        gs.ZeroSumGame(lambda x, y: x @ y, x, same)
    assert not isinstance(info.value, gs.DTypeError)


def test_a_scalar_multiplier_takes_a_one_element_strategy_and_refuses_two():
    w = torch.zeros(2, requires_grad=True)
    game = gs.LagrangianGame(gs.ConstrainedProblem(lambda w: (w ** 2).sum(),
                                                   [gs.Constraint("c", lambda w: w.sum() - 1)], primal=w))
    assert game.players[1].params[0].dim() == 0
    game.set_strategies((torch.zeros(2), torch.tensor([0.5])))
    assert game.multipliers()["c"].item() == 0.5
    with pytest.raises(gs.ShapeError, match=r"strategy of shape \(2,\) does not fit parameter of shape \(\)"):
        game.set_strategies((torch.zeros(2), torch.tensor([0.5, 0.2])))


def test_non_scalar_loss():
    x = gs.Player("x", torch.zeros(3, dtype=torch.float64))
    y = gs.Player("y", torch.zeros(3, dtype=torch.float64))
    with pytest.raises(gs.ShapeError, match=r"player 'x'.*shape \(3,\)"):
        gs.GeneralSumGame(lambda x, y: x * y, lambda x, y: (x * y).sum(), x, y)
    with pytest.raises(gs.ShapeError, match=r"shape \(3,\)"):
        gs.ZeroSumGame(lambda x, y: x * y, x, y)


def test_non_finite_initial_strategy_names_the_player():
    with pytest.raises(gs.NonFiniteError, match=r"player 'gen'.*shape \(2,\).*1 non-finite"):
        gs.Player("gen", torch.tensor([1.0, math.nan]))
    with pytest.raises(gs.NonFiniteError, match="player 'net'"):
        gs.Player("net", [torch.zeros(2), torch.tensor([math.inf])])


def test_non_finite_initial_loss():
    x = gs.Player("x", [1.0])
    y = gs.Player("y", [1.0])
    with pytest.raises(gs.NonFiniteError, match="player 'x'"):
        gs.ZeroSumGame(lambda x, y: (torch.log(x - 1) * y).sum(), x, y)


@pytest.mark.parametrize("solver", [gs.GDA, gs.OGDA, gs.Extragradient])
def test_negative_step_size_names_the_player(solver):
    x, y = gs.Player("x", [1.0]), gs.Player("y", [1.0])
    game = gs.ZeroSumGame(lambda x, y: (x * y).sum(), x, y)
    with pytest.raises(gs.InvalidParameterError, match=r"player 'y'.*-0.1"):
        solver(game, lr=(0.1, -0.1))
    with pytest.raises(gs.InvalidParameterError, match="player 'x'"):
        solver(game, lr=float("nan"))
    with pytest.raises(gs.InvalidParameterError, match="not both"):
        solver(game, lr=0.1, optimizers=lambda p: torch.optim.SGD(p, lr=0.1))
    with pytest.raises(gs.InvalidParameterError, match="torch.optim.Optimizer"):
        solver(game, optimizers=lambda p: p)


def test_players_must_be_distinct_and_two():
    x = gs.Player("x", [1.0])
    with pytest.raises(gs.GameError, match="distinct names"):
        gs.ZeroSumGame(lambda a, b: (a * b).sum(), x, gs.Player("x", [2.0]))
    y = gs.Player("y", [1.0])
    y.params = x.params
    with pytest.raises(gs.GameError, match="share parameter"):
        gs.Game((x, y))
    with pytest.raises(gs.GameError, match="exactly two"):
        gs.Game((x,))


def test_unknown_solver_and_incompatible_pairing():
    x, y = gs.Player("x", [1.0]), gs.Player("y", [1.0])
    game = gs.ZeroSumGame(lambda x, y: (x * y).sum(), x, y)
    with pytest.raises(gs.UnknownNameError, match="did you mean ogda"):
        gs.solve(game, "ogd")
    with pytest.raises(gs.IncompatibleSolverError, match="needs payoffs"):
        check_capabilities(game, {"payoffs"}, "some-lp")
    with pytest.raises(gs.InvalidParameterError, match="only apply to a solver given by name"):
        gs.solve(game, gs.GDA(game), lr=0.1)


def test_errors_are_also_builtin_exceptions():
    assert issubclass(gs.ShapeError, ValueError) and issubclass(gs.IncompatibleSolverError, TypeError)
    assert issubclass(gs.NonFiniteError, FloatingPointError) and issubclass(gs.UnknownNameError, KeyError)


@pytest.mark.parametrize("device", ["gpu", "cuda:99"])
def test_a_device_the_machine_cannot_use_names_the_player_and_the_device(device):
    with pytest.raises(gs.InvalidParameterError, match=rf"player 'x': device '{device}' is not one this machine"):
        gs.Player("x", torch.zeros(2), device=device)
    with pytest.raises(gs.InvalidParameterError, match=rf"GANGame: device '{device}'"):
        gs.GANGame(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1), gs.ring_of_gaussians(), device=device)
    assert gs.Player("x", torch.zeros(2), device="cpu").params[0].device.type == "cpu"
