"""The gamesolve command on finite games: nash FILE.nfg, solve with lp, compare rows."""

import csv

import pytest

from gamesolve.cli import main

BOS = '''NFG 1 R "Battle of the sexes" { "Her" "Him" }
{ { "opera" "football" } { "opera" "football" } }
""

3 2 0 0 1 1 2 3
'''


def test_nash_prints_every_equilibrium_in_exact_fractions(tmp_path, capsys):
    path = tmp_path / "bos.nfg"
    path.write_text(BOS)
    assert main(["nash", str(path)]) == 0
    out = capsys.readouterr().out
    assert "3 extreme equilibria" in out and "strategies of Her: opera football" in out
    assert "  Her: 3/4  1/4\n  Him: 1/4  3/4\n  payoffs: 3/2  3/2" in out
    assert "  Her: 1  0\n  Him: 1  0\n  payoffs: 3  2" in out
    assert main(["nash", str(path), "--solver", "lemke-howson", "--float"]) == 0
    out = capsys.readouterr().out
    assert "payoffs: 3  2" in out and "/" not in out.split("\n", 2)[2]
    assert main(["nash", str(path), "--solver", "regret-matching+", "--steps", "200"]) == 0
    assert "not an exact equilibrium" in capsys.readouterr().out
    assert main(["nash", str(path), "--solver", "correlated-equilibrium"]) == 0
    assert "joint distribution" in capsys.readouterr().out


def test_solve_prints_certified_equilibria_as_fractions_and_iterates_by_player_name(capsys):
    assert main(["solve", "von-stengel-75", "--solver", "vertex-enumeration"]) == 0
    out = capsys.readouterr().out
    assert "75 equilibria, all certified: exact equilibria of the game as given" in out
    assert "  Player 1: 132/245  66/245  6/49  12/245  4/245  1/245\n" in out
    assert out.count("(certified: exact regret 0)") == 75
    assert "final metrics of the float64 strategies: exploitability=" in out
    assert main(["solve", "rock-paper-scissors", "--solver", "lp"]) == 0
    assert "1 equilibrium, all certified" in capsys.readouterr().out
    assert main(["solve", "rock-paper-scissors", "--solver", "hedge", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    assert "  row: [" in out and "  column: [" in out and "certified" not in out


@pytest.mark.parametrize("content, args, needle", [
    (None, [], "no such file"),
    ('NFG 1 R "x" { "a" "b" } { 2 2 }\n1 2 3', [], ":2:1: the table starting here needs 8 payoffs"),
    ('NFG 1 R "x" { "a" "b" "c" } { 1 1 1 } 1 2 3', [], "3 players"),
    (BOS, ["--solver", "lp"], "lp needs zero-sum"),
    (BOS, ["--solver", "nosuch"], "unknown solver 'nosuch'"),
    ('NFG 1 R "x" { "a" "b" } { 2 2 } 1 1 1 1 0 0 0 0', ["--solver", "support-enumeration"], "degenerate"),
])
def test_nash_errors_are_one_line_with_status_2(tmp_path, capsys, content, args, needle):
    path = tmp_path / "game.nfg"
    if content is not None:
        path.write_text(content)
    assert main(["nash", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_solve_rock_paper_scissors_with_lp(capsys):
    assert main(["solve", "rock-paper-scissors", "--solver", "lp"]) == 0
    out = capsys.readouterr().out
    assert "value: 0" in out and "  Player 1: 1/3  1/3  1/3\n" in out and "exploitability=" in out


def test_compare_shows_exploitability_as_the_residual_of_finite_games(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["compare", "--games", "rock-paper-scissors", "battle-of-the-sexes", "--solvers", "lp", "ogda",
                 "fictitious-play", "vertex-enumeration", "--steps", "100", "--out", str(out)]) == 0
    rows = {(r["game"], r["solver"]): r for r in csv.DictReader(open(out / "results.csv"))}
    # lp needs a zero-sum game: battle of the sexes has no lp row
    assert set(rows) == {("rock-paper-scissors", s) for s in ("lp", "ogda", "fictitious-play", "vertex-enumeration")} \
        | {("battle-of-the-sexes", s) for s in ("ogda", "fictitious-play", "vertex-enumeration")}
    assert float(rows[("rock-paper-scissors", "lp")]["residual"]) < 1e-12
    assert rows[("rock-paper-scissors", "lp")]["status"] == "converged"
    fp = float(rows[("rock-paper-scissors", "fictitious-play")]["residual"])
    assert 1e-3 < fp < 1.0
    import gamesolve as gs
    from gamesolve.game_registry import make_game
    game = make_game("rock-paper-scissors")
    ogda = gs.solve(game, "ogda", lr=0.2, steps=100, metrics=["exploitability"])
    assert float(rows[("rock-paper-scissors", "ogda")]["residual"]) == pytest.approx(
        ogda.trajectory.last("exploitability"))
    assert (out / "plots" / "battle-of-the-sexes.png").stat().st_size > 1000
