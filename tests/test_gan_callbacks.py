"""Callbacks of gs.solve: CSV and TensorBoard logging, numbered checkpoints, sample figures."""

import csv
import importlib.util

import pytest
import torch
from torch import nn

import gamesolve as gs


def ring_game(seed=0):
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    D = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    return gs.GANGame(G, D, gs.ring_of_gaussians(), latent=2, batch_size=32, regularizer="r1")


def modes(game):
    ring = gs.ring_of_gaussians()
    return gs.mode_coverage(game.sample(500), ring.centers, ring.std)["modes"]


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_logger_writes_each_recorded_row_once_and_continues_after_a_resume(tmp_path):
    path, ckpt = tmp_path / "log.csv", tmp_path / "run.ckpt"
    game = ring_game()
    gs.solve(game, gs.OGDA(game, lr=1e-3), steps=10, log_every=2, metrics={"modes": modes}, progress=False,
             callbacks=[gs.CSVLogger(path)], checkpoint=ckpt)
    rows = read_csv(path)
    assert [int(r["step"]) for r in rows] == [0, 2, 4, 6, 8]
    assert {"grad_norm", "loss_generator", "loss_discriminator", "modes"} <= set(rows[0])
    game = ring_game()
    result = gs.solve(game, gs.OGDA(game, lr=1e-3), steps=16, log_every=2, metrics={"modes": modes},
                      progress=False, callbacks=[gs.CSVLogger(path)], resume_from=ckpt)
    rows = read_csv(path)
    assert [int(r["step"]) for r in rows] == [0, 2, 4, 6, 8, 10, 12, 14]
    assert float(rows[-1]["loss_generator"]) == result.trajectory["loss_generator"][-2]


def test_csv_logger_widens_its_header_for_a_new_metric(tmp_path):
    path = tmp_path / "log.csv"
    logger = gs.CSVLogger(path)
    traj = gs.Trajectory()
    traj.append(0, {"a": 1.0})
    logger(gs.SolveState(1, {}, None, None, traj))
    traj.append(1, {"a": 2.0, "b": 3.0})
    logger(gs.SolveState(2, {}, None, None, traj))
    rows = read_csv(path)
    assert rows == [{"step": "0", "a": "1.0", "b": ""}, {"step": "1", "a": "2.0", "b": "3.0"}]


def test_save_checkpoints_keeps_the_newest_and_each_resumes(tmp_path):
    game = ring_game()
    saver = gs.SaveCheckpoints(tmp_path / "ckpts", every=3, keep=2)
    gs.solve(game, gs.GDA(game, lr=1e-3), steps=10, progress=False, callbacks=[saver])
    assert sorted(p.name for p in (tmp_path / "ckpts").iterdir()) == ["step-000006.ckpt", "step-000009.ckpt"]
    again = ring_game(seed=1)
    result = gs.solve(again, gs.GDA(again, lr=1e-3), steps=10, progress=False,
                      resume_from=tmp_path / "ckpts" / "step-000009.ckpt")
    assert result.steps == 10 and all(torch.equal(a, b) for a, b in zip(game.parameters(), again.parameters()))
    with pytest.raises(gs.InvalidParameterError, match="every must be a positive int"):
        gs.SaveCheckpoints(tmp_path, every=0)


def test_save_samples_writes_png_figures(tmp_path):
    game = ring_game()
    ring = gs.ring_of_gaussians()
    saver = gs.SaveSamples(tmp_path / "samples", every=2, n=200, centers=ring.centers, lim=1.5)
    gs.solve(game, gs.GDA(game, lr=1e-3), steps=4, progress=False, callbacks=[saver])
    files = sorted(p.name for p in (tmp_path / "samples").iterdir())
    assert files == ["samples-000002.png", "samples-000004.png"]
    assert (tmp_path / "samples" / files[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    digits = gs.GANGame(nn.Linear(4, 64), nn.Linear(64, 1), torch.rand(50, 64) * 2 - 1, latent=4, batch_size=8)
    path = gs.SaveSamples(tmp_path / "digits", every=1, n=20).save(digits, step=0)
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_tensorboard_logger_needs_tensorboard(tmp_path):
    if importlib.util.find_spec("tensorboard") is None:
        with pytest.raises(gs.MissingDependencyError, match="pip install tensorboard"):
            gs.TensorBoardLogger(tmp_path / "tb")
    else:
        game = ring_game()
        logger = gs.TensorBoardLogger(tmp_path / "tb")
        gs.solve(game, gs.GDA(game, lr=1e-3), steps=3, progress=False, callbacks=[logger])
        logger.close()
        assert any(p.name.startswith("events.out.tfevents") for p in (tmp_path / "tb").iterdir())


def test_step_size_schedule_scales_every_rule_and_resumes_exactly(tmp_path):
    from gamesolve_zoo import quadratic

    def run(steps, **kw):
        game = quadratic.make()
        solver = gs.GDA(game, optimizers=(lambda p: torch.optim.SGD(p, lr=0.1),
                                          lambda p: torch.optim.Adam([{"params": p}], lr=0.01)))
        gs.solve(game, solver, steps=steps, progress=False,
                 callbacks=[gs.StepSizeSchedule(lambda t: 0.5 ** t)], **kw)
        return game, solver

    game, solver = run(3)
    assert [g["lr"] for g in solver.param_groups] == pytest.approx([0.1 * 0.5 ** 3, 0.01 * 0.5 ** 3])
    full, _ = run(6)
    run(3, checkpoint=tmp_path / "s.ckpt")
    resumed, _ = run(6, resume_from=tmp_path / "s.ckpt")
    assert all(torch.equal(a, b) for a, b in zip(full.parameters(), resumed.parameters()))
    # plain step sizes: x_{t+1} = x_t - 0.1 * 0.5^t * g
    game = quadratic.make()
    plain = gs.GDA(game, lr=0.1)
    gs.solve(game, plain, steps=2, progress=False, callbacks=[gs.StepSizeSchedule(lambda t: 0.5 ** t)])
    assert [g["lr"] for g in plain.param_groups] == pytest.approx([0.025, 0.025])
    with pytest.raises(gs.InvalidParameterError, match="finite"):
        gs.solve(quadratic.make(), "gda", lr=0.1, steps=2, progress=False,
                 callbacks=[gs.StepSizeSchedule(lambda t: float("nan"))])
