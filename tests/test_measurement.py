"""The metrics a gradient step reports equal their definitions (gs.gradient_norm, gs.natural_residual and
the losses at the iterate the step starts from), on every path the measurement takes: small unconstrained
players copied into one vector, tensors too large for it, constrained players of either sign."""

import pytest
import torch

import gamesolve as gs
from gamesolve.game_registry import make_game
from gamesolve.solvers.measurement import FLAT_LIMIT


def _tensors(sizes, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*s, generator=g, dtype=dtype) for s in sizes]


def _game(kind: str, dtype: torch.dtype) -> gs.Game:
    big = (FLAT_LIMIT // 64 + 1, 64)                     # one tensor over the vector's limit on its own
    if kind == "small":                                  # everything fits the vector
        x, y = _tensors([(8, 4), (4,), (3, 3)], dtype, 0), _tensors([(5,), (2, 6)], dtype, 1)
    elif kind == "large":                                # the vector holds the small tensors, a norm the big one
        x, y = _tensors([big, (4,), (3, 3)], dtype, 0), _tensors([(5,), (2, 6)], dtype, 1)
    else:
        x, y = _tensors([big, (6,)], dtype, 0), [torch.full((6,), 1 / 6, dtype=dtype)]
    px = gs.Player("x", [t.clone() for t in x])
    py = gs.Player("y", y[0], domain=gs.Simplex()) if kind == "simplex" else gs.Player("y", [t.clone() for t in y])
    w = _tensors([(6,)], dtype, 2)[0]

    def f(a, b):
        a, b = (a if isinstance(a, list) else [a]), (b if isinstance(b, list) else [b])
        u = torch.cat([t.reshape(-1) for t in a])[:6]
        v = torch.cat([t.reshape(-1) for t in b])[:6]
        return (u * v * w).sum() + 0.1 * (u ** 2).sum() ** 1.5 - 0.05 * sum((t ** 2).sum() for t in b) \
            + 0.01 * sum((t ** 2).sum() for t in a)

    return gs.ZeroSumGame(f, px, py)


@pytest.mark.parametrize("dtype, rel", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
@pytest.mark.parametrize("kind", ["small", "large", "simplex"])
@pytest.mark.parametrize("solver", ["gda", "ogda", "extragradient"])
def test_a_steps_metrics_are_the_definitions_at_the_iterate_it_starts_from(kind, dtype, rel, solver):
    game = _game(kind, dtype)
    step = gs.make_solver(solver, game, lr=0.01)
    for _ in range(3):
        losses = [float(v.detach()) for v in game.losses()]
        expected = {"grad_norm": gs.gradient_norm(game), "residual": gs.natural_residual(game),
                    "loss_x": losses[0], "loss_y": losses[1]}
        metrics = step.step()
        assert metrics == pytest.approx(expected, rel=rel, abs=1e-12)
    if kind == "simplex":      # the constrained player's residual is not its gradient norm
        assert metrics["residual"] < metrics["grad_norm"] * (1 - 1e-6)


def test_a_lagrangian_steps_metrics_are_the_definitions():
    game = make_game("constrained-quadratic", active=3)
    solver = gs.make_solver("nupi", game)
    for _ in range(5):
        expected = (gs.gradient_norm(game), gs.natural_residual(game))
        metrics = solver.step()
        assert (metrics["grad_norm"], metrics["residual"]) == pytest.approx(expected, rel=1e-10)


def test_half_precision_players_report_a_norm_past_the_range_of_their_squares():
    """||F|| = 1048 while a float16 squared norm would overflow (65504): the step reports the norm."""
    ones = [torch.ones(n, dtype=torch.float16) for n in (4, 3, 5, 2)]
    x, y = gs.Player("x", ones[:2]), gs.Player("y", ones[2:])
    game = gs.ZeroSumGame(lambda a, b: 40 * (a[0].sum() + a[1].sum()) * (b[0].sum() + b[1].sum()), x, y)
    expected = gs.gradient_norm(game)
    assert expected == pytest.approx(1047.66, rel=1e-4)
    assert gs.OGDA(game, lr=1e-4).step()["grad_norm"] == pytest.approx(expected, rel=1e-3)


@pytest.mark.parametrize("first", [4, FLAT_LIMIT + 1])     # in the vector, or a norm of its own
def test_a_single_precision_norm_past_the_range_of_its_squares_is_reported(first):
    """||F|| > 1e19: its square overflows float32, the norm does not."""
    ones = [torch.ones(n) for n in (first, 3, 5, 2)]
    x, y = gs.Player("x", ones[:2]), gs.Player("y", ones[2:])
    game = gs.ZeroSumGame(lambda a, b: 1e18 * (a[0].sum() + a[1].sum()) * (b[0].sum() + b[1].sum()), x, y)
    expected = gs.gradient_norm(game)
    assert 1e19 < expected < 1e23
    assert gs.OGDA(game, lr=1e-30).step()["grad_norm"] == pytest.approx(expected, rel=1e-5)
