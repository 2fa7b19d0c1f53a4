"""gs.compare and `gamesolve compare`: games defined in Python, the standard grid, progress, tables that fit."""

import csv
import re

import pytest
import torch

import gamesolve as gs
from gamesolve.cli import main
from gamesolve.comparison import COLUMNS, format_value
from gamesolve.game_registry import GameSpec, available_games, game_spec

STANDARD = ["battle-of-the-sexes", "bilinear", "constrained-quadratic", "dirac-gan", "local-minimax-quadratic",
            "matching-pennies-continuous", "oscillating-toy", "quadratic", "random-zero-sum", "rock-paper-scissors",
            "shapley"]


def bilinear_game(dtype=torch.float64):
    """min_x max_y x^T A y from (1, 1), (1, 1): GDA spirals out, OGDA and extragradient converge."""
    A = torch.tensor([[2.0, 1.0], [1.0, 2.0]], dtype=dtype)
    x, y = gs.Player("x", torch.ones(2, dtype=dtype)), gs.Player("y", torch.ones(2, dtype=dtype))
    return gs.ZeroSumGame(lambda x, y: x @ A @ y, x, y, name="mine")


def test_the_default_comparison_is_the_games_that_say_standard():
    assert GameSpec("a-third-party-game", "custom", "says nothing").standard is False
    assert [name for name, spec in available_games().items() if spec.standard] == STANDARD


@pytest.mark.parametrize("value, text", [(float("nan"), "-"), (11.0, "11"), (0.0, "0"), (-3, "-3"),
                                         (1.9749e-08, "1.97e-8"), (1.0861e8, "1.09e8"), (123456.0, "1.23e5"),
                                         (0.0123456, "0.0123"), (0.00512, "0.00512"), (0.000916, "9.16e-4"),
                                         (0.0001, "1e-4"), (-2.5e-11, "-2.5e-11"), (1234.5, "1.23e3"),
                                         (float("inf"), "inf")])
def test_format_value_keeps_three_digits_and_the_whole_exponent(value, text):
    assert format_value(value) == text


def test_compare_games_defined_in_python_mixed_with_the_zoo(tmp_path):
    game = bilinear_game()
    before = [s.clone() for s in game.strategies()]
    solvers = {"gda": {"lr": 0.1}, "ogda": {"lr": 0.1}, "lp": {}}
    rows = gs.compare([("factory", bilinear_game), ("object", game), "rock-paper-scissors"], solvers, steps=3000,
                      seeds=[0, 1], out=tmp_path)
    # lp needs payoffs: it runs on the matrix game only; one row per seed
    assert [(r.game, r.solver, r.seed) for r in rows] == [
        (g, s, seed) for g, names in (("factory", ("gda", "ogda")), ("object", ("gda", "ogda")),
                                      ("rock-paper-scissors", ("gda", "ogda", "lp")))
        for s in names for seed in (0, 1)]
    status = {(r.game, r.solver): r.status for r in rows}
    assert status[("factory", "gda")] == status[("object", "gda")] == "diverged"
    assert status[("factory", "ogda")] == status[("object", "ogda")] == status[("rock-paper-scissors", "lp")] \
        == "converged"
    # every run started from the object's strategies, which the comparison left alone
    assert [r.steps for r in rows if r.game == "factory"] == [r.steps for r in rows if r.game == "object"]
    assert all(torch.equal(a, b) for a, b in zip(before, game.strategies()))

    report = (tmp_path / "report.md").read_text()
    settings, columns, results = (report.index(h) for h in ("## Settings", "## Columns", "## Results"))
    assert settings < columns < results
    head = report[settings:columns]
    assert "seeds: 0, 1" in head and re.search(r"gamesolve \S+, torch \S+, python \d", head)
    assert "| object | 3000 | 1e-8 | defaults |" in head and "| rock-paper-scissors | 3000 | 1e-6 |" in head
    assert "given to the comparison (over the games' own): gda: lr=0.1; ogda: lr=0.1" in head
    assert all(f"**{c.title}**" in report[columns:results] for c in COLUMNS)
    with open(tmp_path / "results.csv") as fh:
        table = list(csv.DictReader(fh))
    assert [(t["game"], t["solver"], t["seed"]) for t in table] == [(r.game, r.solver, str(r.seed)) for r in rows]
    assert all(t["steps"] == str(r.steps) for t, r in zip(table, rows))       # 11, not 11.0
    assert "steps_to_tol" not in table[0]


@pytest.mark.parametrize("games, needle", [
    ({"x": 3}, "games['x'] is a int; give a game, a function that builds one, or a zoo name"),
    ({"x": lambda: [1, 2]}, "games['x'] built a list, not a game"),
    ([("bilinear", bilinear_game), "bilinear"], "two games are named 'bilinear'"),
    ({"pools": gs.game_registry.make_game("gang-mog", width=4)}, "cannot be copied"),
])
def test_compare_refuses_what_is_not_a_game(games, needle):
    with pytest.raises(gs.InvalidParameterError, match=re.escape(needle)):
        gs.compare(games, ["ogda"])


def test_cli_compares_a_game_from_module_callable(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_games.py").write_text(
        "import torch\nimport gamesolve as gs\n\n"
        "def make_game():\n"
        "    x, y = gs.Player('x', torch.ones(2)), gs.Player('y', torch.ones(2))\n"
        "    return gs.ZeroSumGame(lambda x, y: x @ y, x, y)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["compare", "--game", "my_games:make_game", "--game", "quadratic", "--solvers", "ogda", "gda",
                 "--steps", "50", "--out", "report", "-q"]) == 0
    with open(tmp_path / "report" / "results.csv") as fh:
        assert [(r["game"], r["solver"]) for r in csv.DictReader(fh)] == [
            ("my_games:make_game", "ogda"), ("my_games:make_game", "gda"), ("quadratic", "ogda"), ("quadratic", "gda")]
    capsys.readouterr()
    for spec, needle in (("my_games:nope", "my_games has no attribute 'nope'"),
                         ("no_such_module:make", "no module named 'no_such_module'"),
                         ("my_games:", "--game expects module:callable")):
        assert main(["compare", "--game", spec]) == 2
        err = capsys.readouterr().err
        assert needle in err and len(err.strip().splitlines()) == 1


def _table(out: str) -> tuple[list[str], list[list[str]]]:
    """The header and body cells of the comparison table rich drew: a text column's cell
    starts where its title starts, a number's ends where its title ends; no cell has a space."""
    lines = out.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("game "))
    header = lines[start]
    titles = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", header)]
    numeric = {c.short for c in COLUMNS if c.numeric}
    body = []
    for line in lines[start + 2:]:
        if line.startswith("dist:"):              # the legend under the table
            break
        if not line.strip():                      # between two games
            continue
        line = line.ljust(len(header))
        body.append([line[:end].split(" ")[-1] if title in numeric else line[begin:].split(" ")[0]
                     for begin, end, title in titles])
    return [t for _, _, t in titles], body


def test_compare_at_80_columns_fits_with_every_number_whole(tmp_path, monkeypatch, capsys):
    """The must-show: at COLUMNS=80 a progress bar, and a table no wider than 80 whose numbers all parse."""
    monkeypatch.setenv("COLUMNS", "80")
    games = ["matching-pennies-continuous", "constrained-quadratic", "bilinear", "rock-paper-scissors"]
    solvers = ["gda", "past-extragradient", "coarse-correlated-equilibrium", "predictive-regret-matching+", "lp"]
    assert main(["compare", "--games", *games, "--solvers", *solvers, "--steps", "500", "--out", str(tmp_path),
                 "--progress"]) == 0
    captured = capsys.readouterr()
    assert max(len(line) for line in captured.out.splitlines()) <= 80
    header, body = _table(captured.out)
    assert header == [c.short for c in COLUMNS if c.key != "seed"]            # abbreviated titles ...
    assert "dist: distance of the final strategies" in captured.out           # ... explained under the table
    numeric = [k for k, c in enumerate(c for c in COLUMNS if c.key != "seed") if c.numeric]
    numbers = [row[k] for row in body for k in numeric if row[k]]
    assert all(n == "-" or float(n) == float(n) for n in numbers) and any("e" in n for n in numbers)
    # wrapped names put back together are the names: nothing cut (a game is named on its first run only)
    pairs: list[list[str]] = []
    for row in body:
        if row[2]:                                  # a run's first line has its status
            pairs.append([row[0], row[1]])
        else:
            pairs[-1] = [pairs[-1][0] + row[0], pairs[-1][1] + row[1]]
    for k in range(1, len(pairs)):
        pairs[k][0] = pairs[k][0] or pairs[k - 1][0]
    with open(tmp_path / "results.csv") as fh:
        assert pairs == [[r["game"], r["solver"]] for r in csv.DictReader(fh)]
    # one overall bar: runs done / total, elapsed, ETA
    total = len(pairs)
    assert re.search(rf"compare .*{total}/{total} elapsed \d+:\d\d:\d\d ETA", captured.err)


def test_quiet_silences_both_bars(tmp_path, capsys):
    assert main(["compare", "--games", "quadratic", "--solvers", "gda", "--out", str(tmp_path), "--progress",
                 "-q"]) == 0
    assert main(["solve", "quadratic", "--steps", "200", "--progress", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_solve_bar_keeps_count_and_eta_at_80_columns_with_the_metrics_below(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    game = game_spec("matching-pennies-continuous")
    gs.solve(gs.game_registry.make_game(game.name), "extragradient", lr=1e-3, steps=300, progress=True,
             metrics=["distance", "natural_residual", "duality_gap", "gradient_norm"])
    first, second = capsys.readouterr().err.splitlines()[:2]
    assert len(first) <= 80 and re.search(r"extragradient on .* 300/300 elapsed \d:\d\d:\d\d ETA \d:\d\d:\d\d$",
                                          first)
    assert len(second) <= 80 and second.lstrip().startswith("grad_norm=")
