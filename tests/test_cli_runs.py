"""`gamesolve games`, `solvers` and `solve`: standard games marked, solver parameters listed, GAN runs judged by
their samples, every bad --param value in one line, players by name; the README names only registered solvers."""

import inspect
import re
from pathlib import Path

import pytest

from gamesolve.cli import main
from gamesolve.cli.runs import constructor_parameters
from gamesolve.game_registry import available_games, make_game
from gamesolve.solvers.registry import get_solver_spec, solver_names

ROOT = Path(__file__).resolve().parents[1]


def _rows(out: str) -> dict[str, list[str]]:
    """The first line of each row of a rich table, by its first cell."""
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")]
    return {row[0]: row for row in cells if row[0]}


def test_games_marks_the_standard_ones(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["games"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert {name: rows[name][1] == "yes" for name in available_games()} == \
        {name: spec.standard for name, spec in available_games().items()}
    assert rows["bilinear"][1] == "yes" and rows["ring-gan"][1] == ""


def test_solvers_lists_each_constructor_with_its_defaults(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["solvers"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows["consensus"][3] == "lr=None, optimizers=None, gamma=1.0"
    assert rows["alternating-gda"][3].startswith("lr=None, optimizers=None, alternating=True,")
    assert rows["lookahead"][3] == "inner='gda', k=5, alpha=0.5, **params"
    for name in solver_names():    # every parameter but the game, from the signature
        params = list(inspect.signature(get_solver_spec(name).factory).parameters)[1:]
        assert rows[name][3] == constructor_parameters(get_solver_spec(name).factory)
        assert all(p in rows[name][3] for p in params)


def test_a_gan_run_reports_modes_and_writes_its_samples(tmp_path, capsys):
    assert main(["solve", "ring-gan", "--steps", "3", "--param", "width=16", "--param", "depth=1", "--out",
                 str(tmp_path), "-q"]) == 0
    out = capsys.readouterr().out
    assert "modes covered: " in out and " of 8 (2500 samples, " in out
    figure = tmp_path / "samples-000003.png"
    assert figure.stat().st_size > 1000 and str(figure) in out.replace("\n", "")


def _bad_values():
    """Every numeric or flag parameter of every zoo game, given text; and values of the wrong kind."""
    for name, spec in available_games().items():
        for key, default in spec.params.items():
            if isinstance(default, (bool, int, float)):
                yield name, f"{key}=abc", f"{key} must be "
    yield "bilinear", "dim=2.5", "dim must be an integer, like its default 2; got 2.5"
    yield "bilinear", "dim=True", "dim must be an integer"
    yield "dirac-gan", "gamma='high'", "gamma must be a number, like its default 0.0; got 'high'"
    yield "digits-gan", "latent_dim=0", "latent_dim must be a positive int, got 0"


@pytest.mark.parametrize("game, param, needle", list(_bad_values()))
def test_every_bad_param_value_is_one_line_with_status_2(capsys, game, param, needle):
    assert main(["solve", game, "--param", param, "-q"]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_solve_prints_the_players_by_their_names(capsys):
    """The strategies are listed under the game's own player names, not "player 1/2"."""
    assert main(["solve", "bilinear", "--solver", "gda", "--steps", "5", "-q"]) == 0
    out = capsys.readouterr().out
    names = [p.name for p in make_game("bilinear").players]
    assert all(f"  {name}: [" in out for name in names) and "player 1" not in out.lower()


def test_every_solver_name_the_readme_quotes_is_registered():
    """Names in code spans in the README's solver column ("pnm", "double-oracle", ...) are registered solvers;
    PSRO is a mode of double-oracle (meta_solver=...), not a name."""
    rows = [line.split("|") for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| ")]
    quoted = {name for row in rows[1:] if len(row) > 3 for name in re.findall(r"`([a-z][a-z0-9-]*)`", row[3])}
    assert quoted and quoted <= set(solver_names())
