"""The zoo's contract and the gamesolve command."""

import csv

import pytest
import torch

import gamesolve as gs
from gamesolve.cli import main
from gamesolve.game_registry import available_games, game_spec, make_game

CORE_GAMES = ["bilinear", "quadratic", "dirac-gan", "matching-pennies-continuous"]


@pytest.mark.parametrize("name", CORE_GAMES)
def test_zoo_game_contract_and_known_equilibrium_is_stationary(name):
    spec = game_spec(name)
    assert spec.name == name and spec.equilibrium != "unknown"
    game = make_game(name)
    assert isinstance(game, gs.Game) and game.equilibrium is not None
    game.set_strategies(game.equilibrium)
    assert gs.natural_residual(game) < 1e-12


def test_every_registered_game_builds():
    for name in available_games():
        game = make_game(name)
        # games of the "gang" family are mixed extensions, solved by oracle methods
        assert isinstance(game, gs.MixedExtension if game_spec(name).family == "gang" else gs.Game)


def test_bilinear_singular_values_and_dirac_variants():
    game = make_game("bilinear", dim=3, singular_values=[0.1, 1.0, 2.0])
    assert torch.allclose(torch.linalg.svdvals(game.A), torch.tensor([2.0, 1.0, 0.1], dtype=torch.float64))
    for loss in ("standard", "non-saturating", "wgan"):
        g = make_game("dirac-gan", loss=loss, gamma=1.0)
        assert g.zero_sum == (loss != "non-saturating")
    with pytest.raises(gs.InvalidParameterError, match="loss must be one of"):
        make_game("dirac-gan", loss="hinge")


def test_duality_gap_of_a_bilinear_game_on_simplices_is_the_best_response_gap():
    game = make_game("matching-pennies-continuous")
    x, y = game.strategies()
    L = -torch.tensor([[1.0, -1.0], [-1.0, 1.0]], dtype=torch.float64)   # loss matrix of x
    expected = float((x @ L).max() - (L @ y).min())
    lo, hi = gs.duality_gap(game, bounds=True)
    assert abs(hi - expected) < 1e-12 and abs(lo - expected) < 1e-12
    assert torch.equal(game.strategies()[0], x)   # strategies restored
    with pytest.raises(gs.IncompatibleSolverError, match="bounded"):
        gs.duality_gap(make_game("bilinear"))


def test_cli_lists(capsys):
    assert main(["games"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in CORE_GAMES)
    assert main(["solvers"]) == 0
    out = capsys.readouterr().out
    assert "extragradient" in out and "past-extragradient" in out


def test_cli_solve(capsys, tmp_path):
    assert main(["solve", "quadratic", "--solver", "ogda", "--lr", "0.1", "--steps", "500", "--out",
                 str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "<= tol" in out and "distance=" in out
    rows = list(csv.reader(open(tmp_path / "quadratic-ogda.csv")))
    assert rows[0][0] == "step" and len(rows) > 10


@pytest.mark.parametrize("argv, needle", [
    (["solve", "nosuchgame"], "unknown game 'nosuchgame'"),
    (["solve", "bilinear", "--solver", "nosuch"], "unknown solver 'nosuch'"),
    (["solve", "bilinear", "--param", "dimm=3"], "no parameter 'dimm'"),
    (["solve", "bilinear", "--param", "dim"], "expects key=value"),
    (["solve", "bilinear", "--lr", "-1"], "must be positive"),
    (["solve", "dirac-gan", "--param", "loss='hinge'"], "loss must be one of"),
    (["solve", "sparse-mlp-digits", "--param", "device='gpu'"], "device 'gpu' is not one this machine can use"),
    (["solve", "ring-gan", "--param", "device='cuda:99'"], "device 'cuda:99' is not one"),
    (["solve", "bilinear", "--param", "dim=-1"], "game 'bilinear': bad parameters {'dim': -1}"),
    (["solve", "rock-paper-scissors", "--solver", "hedge", "--solver-param", "lr='abc'"],
     "solver 'hedge': bad parameters"),
    (["solve", "rock-paper-scissors", "--solver", "lp", "--solver-param", "method='simplex'"],
     "method must be 'highs', 'highs-ds' or 'highs-ipm'"),
    (["solve", "rock-paper-scissors", "--solver", "correlated-equilibrium", "--solver-param", "cvxpy_solver='NOPE'"],
     "cvxpy_solver must be an installed cvxpy solver"),
    (["solve", "bilinear", "--solver", "cgd", "--solver-param", "maxiter=1.5"], "maxiter must be a positive integer"),
    (["frobnicate"], "invalid choice"),
])
def test_cli_bad_input_is_one_line_with_status_2(capsys, argv, needle):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert needle in captured.err
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err


def test_cli_passes_a_solvers_own_tol_to_it(capsys):
    """``--solver-param tol=...`` is the LP's tolerance; it used to collide with gs.solve's own tol."""
    assert main(["solve", "rock-paper-scissors", "--solver", "lp", "--solver-param", "tol=1e-9"]) == 0
    assert "value: 0" in capsys.readouterr().out


def test_cli_compare_writes_a_report(capsys, tmp_path):
    out = tmp_path / "report"
    assert main(["compare", "--games", "quadratic", "dirac-gan", "--solvers", "gda", "ogda", "--steps", "300",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "quadratic" in text and "converged" in text
    rows = list(csv.DictReader(open(out / "results.csv")))
    assert {(r["game"], r["solver"]) for r in rows} == {(g, s) for g in ("quadratic", "dirac-gan")
                                                        for s in ("gda", "ogda")}
    assert (out / "plots" / "quadratic.png").stat().st_size > 1000
    assert "| quadratic | ogda | converged" in (out / "report.md").read_text()
