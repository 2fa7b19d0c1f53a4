"""gs.solve: stopping, checkpoints, reproducibility, non-finite values, interruption."""

import os
import signal

import numpy as np
import pytest
import torch
from torch import nn

import gamesolve as gs
from gamesolve.runs import read_checkpoint
from gamesolve_zoo import bilinear, quadratic


class NoisyGame(gs.Game):
    """A stochastic game: f(x, y) = x^T A y + <xi, x> with xi ~ N(0, I) drawn from the game's generator."""

    zero_sum = True

    def __init__(self):
        gen = torch.Generator().manual_seed(0)
        super().__init__((gs.Player("x", torch.randn(3, generator=gen, dtype=torch.float64)),
                          gs.Player("y", torch.randn(3, generator=gen, dtype=torch.float64))))
        self.A = torch.randn(3, 3, generator=gen, dtype=torch.float64)
        self.generator = torch.Generator().manual_seed(1)

    def losses(self):
        x, y = self.players[0].value, self.players[1].value
        xi = torch.randn(3, generator=self.generator, dtype=torch.float64)
        f = x @ self.A @ y + 0.1 * xi @ x
        return f, -f


def _mlp_game(seed=0):
    torch.manual_seed(seed)
    gen = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    disc = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    data = torch.randn(32, 2)
    z = torch.randn(32, 2)
    return gs.ZeroSumGame(lambda G, D: D(data).mean() - D(G(z)).mean() - 0.0, gs.Player("G", gen),
                          gs.Player("D", disc), name="tiny-gan")


SOLVERS = {
    "gda-adam": lambda g: gs.GDA(g, optimizers=lambda p: torch.optim.Adam(p, lr=1e-2)),
    "alt-gda": lambda g: gs.GDA(g, lr=(0.05, 0.1), alternating=True, steps_per_player=(1, 2)),
    "ogda-adam": lambda g: gs.OGDA(g, optimizers=lambda p: torch.optim.Adam(p, lr=1e-2)),
    "extra-adam": lambda g: gs.Extragradient(g, optimizers=(lambda p: torch.optim.Adam(p, lr=1e-2),
                                                            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5))),
    "past-eg": lambda g: gs.Extragradient(g, lr=0.05, past=True),
}


@pytest.mark.parametrize("make_game", [_mlp_game, NoisyGame], ids=["mlp", "noisy"])
@pytest.mark.parametrize("solver", list(SOLVERS))
def test_resume_from_checkpoint_reproduces_the_uninterrupted_run(tmp_path, make_game, solver):
    full_game = make_game()
    full = gs.solve(full_game, SOLVERS[solver](full_game), steps=40, seed=3, metrics=["gradient_norm"],
                    progress=False)
    half_game = make_game()
    ckpt = tmp_path / "run.ckpt"
    gs.solve(half_game, SOLVERS[solver](half_game), steps=20, seed=3, metrics=["gradient_norm"],
             checkpoint=ckpt, progress=False)
    resumed_game = make_game()   # fresh objects: everything comes from the checkpoint
    resumed = gs.solve(resumed_game, SOLVERS[solver](resumed_game), steps=40, resume_from=ckpt,
                       metrics=["gradient_norm"], progress=False)
    for a, b in zip(full_game.parameters(), resumed_game.parameters()):
        assert torch.equal(a, b)
    assert resumed.steps == 40
    for key in full.trajectory.keys():
        assert np.array_equal(full.trajectory[key], resumed.trajectory[key], equal_nan=True)


def test_solver_state_dict_round_trip_without_solve():
    g1, g2 = bilinear.make(seed=1), bilinear.make(seed=1)
    s1 = gs.OGDA(g1, optimizers=lambda p: torch.optim.Adam(p, lr=1e-2))
    s2 = gs.OGDA(g2, optimizers=lambda p: torch.optim.Adam(p, lr=1e-2))
    for _ in range(7):
        s1.step()
    g2.load_state_dict(g1.state_dict())
    s2.load_state_dict(s1.state_dict())
    for _ in range(9):
        s1.step(), s2.step()
    assert all(torch.equal(a, b) for a, b in zip(g1.parameters(), g2.parameters()))


def test_same_seed_same_trajectory_other_seed_other_trajectory():
    runs = []
    for seed in (5, 5, 6):
        game = NoisyGame()
        runs.append(gs.solve(game, gs.GDA(game, lr=0.05), steps=30, seed=seed, progress=False).trajectory["grad_norm"])
    assert np.array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_tolerance_stops_and_reports():
    game = quadratic.make()
    res = gs.solve(game, "gda", lr=0.1, steps=10_000, tol=1e-10, progress=False)
    assert res.converged and res.steps < 10_000
    assert res.trajectory["residual"][-1 if np.isfinite(res.trajectory["residual"][-1]) else -2] <= 1e-10
    assert "tol" in res.reason
    assert gs.gradient_norm(game) < 1e-9


def test_nonfinite_keeps_the_last_finite_state():
    game = bilinear.make()
    with pytest.raises(gs.NonFiniteError) as info:
        gs.solve(game, "gda", lr=50.0, steps=10_000, progress=False, divergence=None)
    result = info.value.result
    assert result.steps < 10_000 and result.error is info.value
    assert all(torch.isfinite(t).all() for t in result.strategies)
    assert all(torch.isfinite(p).all() for p in game.parameters())
    game = bilinear.make()
    reported = gs.solve(game, "gda", lr=50.0, steps=10_000, progress=False, on_nonfinite="report", divergence=None)
    assert isinstance(reported.error, gs.NonFiniteError) and not reported.converged
    assert reported.steps == result.steps
    assert np.isfinite(reported.trajectory["grad_norm"][:-1]).all()   # the last row is the final point's distance
    assert np.isfinite(reported.trajectory["distance"]).all()
    assert str(info.value).count("finite iterate") <= 1 and "is in err.result" in str(info.value)
    diverged = gs.solve(bilinear.make(), "gda", lr=50.0, steps=10_000, progress=False)   # the default cut-off, 1e8
    assert diverged.error is None and not diverged.converged and diverged.reason.startswith("diverged: grad_norm")
    assert diverged.steps < result.steps and gs.solve.__kwdefaults__["divergence"] == 1e8


def test_nan_from_the_loss_is_caught_before_the_update():
    x = gs.Player("x", [2.0])
    y = gs.Player("y", [1.0])
    # the loss turns NaN once x < 1: sqrt of a negative number
    game = gs.ZeroSumGame(lambda x, y: (torch.sqrt(x - 1) * y).sum(), x, y)
    res = gs.solve(game, "gda", lr=0.3, steps=100, progress=False, on_nonfinite="report")
    assert isinstance(res.error, gs.NonFiniteError) and res.error.step == res.steps
    # the step from x_t (finite loss) landed at x_{t+1} < 1 where the loss is NaN; that step is refused
    # and the strategies stay at x_{t+1}, the last finite strategies, with the loss values in the message
    assert 0.0 < float(x.params[0].detach()) < 1.0
    assert "loss_x=nan" in str(res.error)
    assert np.isfinite(res.trajectory["loss_x"]).all()


def test_ctrl_c_returns_what_the_run_has(tmp_path):
    game = quadratic.make()

    def press_ctrl_c(state):
        if state.step == 25:
            os.kill(os.getpid(), signal.SIGINT)

    res = gs.solve(game, "gda", lr=0.01, steps=10_000, callbacks=[press_ctrl_c], checkpoint=tmp_path / "c.ckpt",
                   progress=False)
    assert res.reason.startswith("interrupted") and res.steps == 25
    assert len(res.trajectory) == 26  # 25 steps + the final point's distance
    state = read_checkpoint(tmp_path / "c.ckpt")
    assert state["step"] == 25


def test_callbacks_can_stop_and_divergence_is_detected():
    game = bilinear.make()
    res = gs.solve(game, "gda", lr=0.3, steps=5000, divergence=1e3, progress=False)
    assert res.reason.startswith("diverged") and res.steps < 5000
    game = quadratic.make()
    res = gs.solve(game, "ogda", lr=0.1, steps=5000, callbacks=[lambda s: s.metrics["residual"] < 1e-3],
                   progress=False)
    assert "callback" in res.reason and res.trajectory["residual"][-2] < 1e-3


def test_progress_bar_runs(capsys):
    game = quadratic.make()
    res = gs.solve(game, "gda", lr=0.1, steps=150, progress=True)
    assert res.steps == 150


def test_checkpoint_every(tmp_path):
    game = quadratic.make()
    gs.solve(game, "gda", lr=0.01, steps=30, checkpoint=tmp_path / "r.ckpt", checkpoint_every=10, progress=False)
    assert read_checkpoint(tmp_path / "r.ckpt")["step"] == 30


def test_module_player_strategies_are_lists():
    game = _mlp_game()
    res = gs.solve(game, "ogda", lr=0.01, steps=3, progress=False)
    assert isinstance(res.strategies[0], list) and len(res.strategies[0]) == 4
    assert res.strategies[0][0].shape == (16, 2)


def test_recording_every_k_steps_changes_nothing_but_the_record():
    runs = {}
    for every in (1, 10):
        game = bilinear.make()
        runs[every] = (gs.solve(game, "ogda", lr=0.3, steps=400, log_every=every, progress=False), game)
    (full, g1), (sparse, g10) = runs[1], runs[10]
    assert all(torch.equal(a, b) for a, b in zip(g1.parameters(), g10.parameters()))
    assert np.array_equal(sparse.trajectory["grad_norm"][:-1], full.trajectory["grad_norm"][:-1][::10])
    # tol is checked where the run measures: the sparse run stops at the first multiple of 10 past the full run
    a = gs.solve(bilinear.make(), "ogda", lr=0.3, steps=5000, tol=1e-6, progress=False)
    b = gs.solve(bilinear.make(), "ogda", lr=0.3, steps=5000, tol=1e-6, log_every=10, progress=False)
    assert a.converged and b.converged
    assert b.steps >= a.steps and b.steps - a.steps < 10 and (b.steps - 1) % 10 == 0


def test_lookahead_passes_quiet_steps_on_to_its_inner_solver():
    runs = {}
    for every in (1, 10):
        game = bilinear.make()
        solver = gs.Lookahead(gs.OGDA(game, lr=0.3), k=5)
        quiet = []
        runs[every] = gs.solve(game, solver, steps=200, log_every=every, progress=False,
                               callbacks=[lambda s: quiet.append(not s.solver.inner.measuring)]), game, quiet
    (full, g1, q1), (sparse, g10, q10) = runs[1], runs[10]
    assert not any(q1) and sum(q10) == 180
    assert all(torch.equal(a, b) for a, b in zip(g1.parameters(), g10.parameters()))
    assert np.array_equal(sparse.trajectory["grad_norm"][:-1], full.trajectory["grad_norm"][:-1][::10])


def test_a_nan_gradient_between_recorded_steps_still_keeps_the_last_finite_iterate():
    x, y = gs.Player("x", [2.0]), gs.Player("y", [1.0])
    game = gs.ZeroSumGame(lambda x, y: (torch.sqrt(x - 1) * y).sum(), x, y)
    res = gs.solve(game, "gda", lr=0.3, steps=100, log_every=7, progress=False, on_nonfinite="report")
    assert isinstance(res.error, gs.NonFiniteError)
    assert all(torch.isfinite(p).all() for p in game.parameters()) and float(x.params[0].detach()) > 0.0


class _Opaque:
    """Not a tensor, number, string or plain container."""


def test_resume_from_the_command_continues_bit_exactly(tmp_path, capsys):
    from gamesolve.cli import main

    straight, first, resumed = tmp_path / "straight", tmp_path / "first", tmp_path / "resumed"
    assert main(["solve", "quadratic", "--solver", "ogda", "--steps", "70", "--out", str(straight)]) == 0
    assert main(["solve", "quadratic", "--solver", "ogda", "--steps", "40", "--out", str(first),
                 "--checkpoint-every", "20"]) == 0
    assert read_checkpoint(first / "quadratic-ogda.ckpt")["step"] == 40
    assert main(["solve", "quadratic", "--solver", "ogda", "--steps", "70", "--out", str(resumed),
                 "--resume", str(first / "quadratic-ogda.ckpt")]) == 0
    assert (resumed / "quadratic-ogda.csv").read_text() == (straight / "quadratic-ogda.csv").read_text()
    capsys.readouterr()
    assert main(["solve", "quadratic", "--resume", str(tmp_path / "missing.ckpt")]) == 2
    assert "not a readable checkpoint" in capsys.readouterr().err


def test_a_checkpoint_holding_a_pickled_object_is_refused(tmp_path):
    from gamesolve.runs import CHECKPOINT_FORMAT

    path = tmp_path / "shared.ckpt"
    torch.save({"format": CHECKPOINT_FORMAT, "step": 3, "game": {}, "solver": {"x": _Opaque()}, "trajectory": {}},
               path)
    game = quadratic.make()
    with pytest.raises(gs.GameError, match="refused: the file holds a pickled object"):
        gs.solve(game, "gda", lr=0.1, steps=5, resume_from=path, progress=False)


def test_a_state_that_is_not_plain_is_refused_when_the_checkpoint_is_written(tmp_path):
    game = quadratic.make()
    solver = gs.GDA(game, lr=0.1)
    solver.state_dict = lambda: {"rules": [_Opaque()]}
    with pytest.raises(gs.GameError, match=r"the state\['solver'\]\['rules'\]\[0\] is a _Opaque"):
        gs.solve(game, solver, steps=3, checkpoint=tmp_path / "c.ckpt", progress=False)
