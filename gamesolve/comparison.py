"""Solvers x games: run every pair, tabulate, write a report folder (``gs.compare``).

``compare()`` with no arguments is the default comparison of
``gamesolve compare``: every registered solver that applies to every
*standard* zoo game (``GameSpec(standard=True)``), each game with its own
budget and solver parameters from its ``SPEC``. Games defined in Python join
as ``{"name": game_or_factory}``, with no ``SPEC``: their budget is the
comparison's ``steps`` / ``tol`` (default 1000 steps, ``tol=1e-8``) and the
solvers' parameters their defaults, or those given with ``solvers``.

A run's *status* says how it ended: ``converged`` (the solver's residual
reached ``tol``; one-shot solvers always), ``budget`` (the step budget ran
out), ``diverged`` (the gradient norm passed :data:`gamesolve.solve.DIVERGENCE`),
``non-finite`` (NaN / inf; the last finite iterate is kept) or ``error``
(the run raised a :class:`GameError`, kept in the row's ``note``).
"""

from __future__ import annotations

import copy
import csv
import math
import platform
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from functools import partial
from pathlib import Path
from typing import Any

from .analysis.trajectory import Trajectory
from .errors import GameError, IncompatibleSolverError, InvalidParameterError
from .game_registry import GameSpec, available_games, game_spec, make_game
from .progress import Progress
from .solve import DIVERGENCE, solve
from .solvers.registry import get_solver_spec, solver_names

__all__ = ["Row", "Column", "Settings", "COLUMNS", "STATUSES", "compare", "write_report", "table_columns",
           "format_value", "DEFAULT_OUT"]

DEFAULT_OUT = "gamesolve-report"


def _compact(text: str) -> str:
    """``9.10e-04`` -> ``9.1e-4``: no trailing zeros in the mantissa, no padding in the exponent."""
    mantissa, _, exponent = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def format_value(v: float) -> str:
    """A number in 3 significant digits, whole: ``-`` when missing (NaN),
    integers below 10^5 as integers, else the shorter of ``%.3g`` and the
    exponent form (ties: ``%.3g``), the exponent kept but not padded
    (``1.97e-8``, ``9.16e-4``, ``1.09e8``, ``0.0123``); every output but
    ``-`` parses as a float."""
    if math.isnan(v):
        return "-"
    if float(v).is_integer() and abs(v) < 1e5:
        return str(int(v))
    general, scientific = _compact(f"{v:.3g}"), _compact(f"{v:.2e}")
    return scientific if len(scientific) < len(general) else general


STATUSES = {
    "converged": "the solver's residual reached tol (one-shot solvers: always)",
    "budget": "the step budget ran out first",
    "diverged": f"the gradient norm passed {format_value(DIVERGENCE)}",
    "non-finite": "NaN / inf appeared; the last finite iterate is kept",
    "error": "the run raised an error (see the note in results.csv)",
}


@dataclass(frozen=True)
class Column:
    """A column of the comparison table: its ``title``, the ``short`` title
    used when the table must be narrow, and what it means (the legend)."""

    key: str
    title: str
    short: str
    meaning: str
    numeric: bool


COLUMNS = (
    Column("game", "game", "game", "the game's name", False),
    Column("solver", "solver", "solver", "the solver's registered name", False),
    Column("seed", "seed", "seed", "the seed of the run (shown when there are several)", True),
    Column("status", "status", "status", "how the run ended: " + ", ".join(STATUSES), False),
    Column("steps", "steps", "steps", "steps taken (0 for a one-shot solver)", True),
    Column("distance", "final distance", "dist",
           "distance of the final strategies to the game's known equilibrium (- if none is known)", True),
    Column("residual", "residual", "resid",
           "the last residual: the game's residual metric (finite games: exploitability), else the "
           "solver's own (gradient solvers: the natural residual ||theta - P(theta - F(theta))||)", True),
    Column("time", "time (s)", "time", "wall time of the run in seconds", True),
)


@dataclass
class Row:
    """One run of a comparison: ``solver`` on ``game`` from ``seed`` (see :data:`COLUMNS`)."""

    game: str
    solver: str
    seed: int
    status: str              # one of STATUSES
    steps: int
    distance: float          # final distance to the known equilibrium (NaN if unknown)
    residual: float          # last residual measured (NaN if none)
    time: float              # wall time, seconds
    note: str = ""           # why a run that did not converge ended

    def cells(self) -> dict[str, str]:
        """The row as the table shows it, by column key (numbers by :func:`format_value`)."""
        return {"game": self.game, "solver": self.solver, "seed": str(self.seed), "status": self.status,
                "steps": str(self.steps), "distance": format_value(self.distance),
                "residual": format_value(self.residual), "time": format_value(self.time)}


@dataclass(frozen=True)
class _Entry:
    """A game of the comparison: its card (budget, solver parameters), a fresh game per run, what it offers."""

    spec: GameSpec
    build: Callable[[], Any]
    capabilities: frozenset[str]


def _copied(name: str, game: Any) -> Any:
    try:
        return copy.deepcopy(game)
    except Exception as err:   # deepcopy raises whatever the object's parts raise
        raise InvalidParameterError(f"compare: the game {name!r} cannot be copied for each run ({err}); "
                                    "pass a function that builds it instead") from err


def _entry(name: str, source: Any) -> _Entry:
    """The entry of a zoo game (``source`` its name) or of a game / factory given in Python."""
    spec: GameSpec | None = None
    if isinstance(source, str):
        spec, build = replace(game_spec(source), name=name), partial(make_game, source)
    elif hasattr(source, "capabilities"):   # a game: each run takes a copy; refused now if it cannot
        build = partial(_copied, name, source)
    elif callable(source):
        build = source
    else:
        raise InvalidParameterError(f"compare: games[{name!r}] is a {type(source).__name__}; give a game, a "
                                    "function that builds one, or a zoo name")
    probe = build()
    if not hasattr(probe, "capabilities"):
        raise InvalidParameterError(f"compare: games[{name!r}] built a {type(probe).__name__}, not a game")
    capabilities = frozenset(probe.capabilities)
    if spec is None:   # finite games are compared by exploitability, which every solver's answer has
        spec = GameSpec(name=name, family="custom", summary="a game given in Python",
                        residual="exploitability" if "payoffs" in capabilities else None)
    return _Entry(spec, build, capabilities)


def _entries(games: Mapping[str, Any] | Iterable[str | tuple[str, Any]] | None,
             steps: int | None, tol: float | None) -> list[_Entry]:
    if games is None:
        games = [name for name, spec in available_games().items() if spec.standard]
    items = games.items() if isinstance(games, Mapping) else games
    entries: list[_Entry] = []
    for item in items:
        entry = _entry(item, item) if isinstance(item, str) else _entry(*item)
        if any(e.spec.name == entry.spec.name for e in entries):
            raise InvalidParameterError(f"compare: two games are named {entry.spec.name!r}")
        budget = {"steps": entry.spec.steps if steps is None else steps, "tol": entry.spec.tol if tol is None else tol}
        entries.append(replace(entry, spec=replace(entry.spec, **budget)))
    return entries


def _status(result: Any) -> str:
    if result.error is not None:
        return "non-finite"
    if result.converged:
        return "converged"
    return "diverged" if result.reason.startswith("diverged") else "budget"


def _run(entry: _Entry, solver: str, params: Mapping[str, Any], seed: int) -> tuple[Row, Trajectory]:
    spec, game = entry.spec, entry.build()
    metrics = None if spec.residual is None else (
        [spec.residual] + (["distance"] if getattr(game, "equilibrium", None) is not None else []))
    result = solve(game, solver, steps=spec.steps, tol=spec.tol, seed=seed, progress=False, on_nonfinite="report",
                   metrics=metrics, **params)
    traj = result.trajectory
    key = _residual_key(spec, traj)
    row = Row(game=spec.name, solver=solver, seed=seed, status=_status(result), steps=result.steps,
              distance=traj.last("distance") if "distance" in traj else math.nan,
              residual=traj.last(key) if key else math.nan, time=result.wall_time,
              note="" if result.converged else result.reason)
    return row, traj


def _residual_key(spec: GameSpec, traj: Trajectory) -> str | None:
    """The metric shown as the residual: the game's own choice, else the solver's residual."""
    if spec.residual is not None and spec.residual in traj:
        return spec.residual
    return "residual" if "residual" in traj else next((k for k in traj.keys() if k != "distance"), None)


def _solver_params(solvers: Sequence[str] | Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Solver name -> the parameters given for it; unknown names fail before any run."""
    given = solvers if isinstance(solvers, Mapping) else {name: {} for name in (solvers or solver_names())}
    for name in given:
        get_solver_spec(name)
    return {name: dict(params) for name, params in given.items()}


def compare(games: Mapping[str, Any] | Iterable[str | tuple[str, Any]] | None = None,
            solvers: Sequence[str] | Mapping[str, Mapping[str, Any]] | None = None, *, steps: int | None = None,
            tol: float | None = None, seeds: int | Sequence[int] = 0, out: str | Path | None = None,
            progress: bool | None = None, on_row: Callable[[Row], None] | None = None) -> list[Row]:
    """Run each solver on each game from each seed; return one :class:`Row` per run.

    ``games``: zoo names, or ``{"name": game_or_factory}`` for games defined in
    Python (a game is deep-copied for each run, so every solver starts from
    the strategies it holds now; a factory is called for each run); an
    iterable may mix zoo names and ``(name, game_or_factory)`` pairs. Default:
    the standard zoo games. ``solvers``: registered names, or
    ``{"name": {parameter: value}}`` (given parameters override a zoo game's
    own); default: every registered solver. Pairs where the game lacks what
    the solver needs are skipped; a run that raises a :class:`GameError` is a
    row with status ``error``.

    ``steps`` / ``tol``: the budget of every run (default: each zoo game's
    own; 1000 steps and ``tol=1e-8`` for games given in Python). ``seeds``:
    one seed or several (one row per seed). ``out``: a folder for the report
    (:func:`write_report`). ``progress``: one bar for the whole comparison
    (runs done / total, the current game x solver, elapsed time and ETA;
    ``None``: when stderr is a terminal). ``on_row(row)`` is called as runs finish.
    """
    entries = _entries(games, steps, tol)
    params = _solver_params(solvers)
    seed_list = [seeds] if isinstance(seeds, int) else list(seeds)
    plan = [(e, s) for e in entries for s in params if get_solver_spec(s).requires <= e.capabilities]
    total = len(plan) * len(seed_list)
    bar = Progress(sys.stderr.isatty() if progress is None else progress, total, label="compare")
    rows: list[Row] = []
    trajectories: dict[str, dict[str, Trajectory]] = {}
    try:
        for entry, solver in plan:
            for seed in seed_list:
                seed_text = f" (seed {seed})" if len(seed_list) > 1 else ""
                bar.show(len(rows), f"  {entry.spec.name} x {solver}{seed_text}", total)
                try:
                    row, traj = _run(entry, solver, {**entry.spec.params_for(solver, get_solver_spec(solver).family),
                                                     **params[solver]}, seed)
                except IncompatibleSolverError:   # a need the capabilities do not show (e.g. a square game)
                    total -= 1
                    continue
                except GameError as err:
                    row, traj = Row(entry.spec.name, solver, seed, "error", 0, math.nan, math.nan, 0.0,
                                    str(err)), Trajectory()
                rows.append(row)
                if seed == seed_list[0]:
                    trajectories.setdefault(entry.spec.name, {})[solver] = traj
                if on_row is not None:
                    on_row(row)
        bar.show(len(rows), "", total)
    finally:
        bar.close()
    if out is not None:
        write_report(rows, trajectories, out, Settings({e.spec.name: e.spec for e in entries}, seed_list, params))
    return rows


def table_columns(rows: Sequence[Row]) -> list[Column]:
    """The columns a table of ``rows`` shows: all of :data:`COLUMNS`, ``seed`` only when the rows have several."""
    several = len({r.seed for r in rows}) > 1
    return [c for c in COLUMNS if c.key != "seed" or several]


def _versions() -> str:
    import torch

    from . import __version__
    return f"gamesolve {__version__}, torch {torch.__version__}, python {platform.python_version()}"


@dataclass(frozen=True)
class Settings:
    """What a comparison ran with: each game's card (its budget and solver
    parameters), the seeds, and the solver parameters given to the comparison."""

    games: Mapping[str, GameSpec]
    seeds: Sequence[int]
    solver_params: Mapping[str, Mapping[str, Any]]


def _params_text(params: Mapping[str, Mapping[str, Any]]) -> str:
    """``{"gradient": {"lr": 0.1}}`` -> ``gradient: lr=0.1`` (``defaults`` when empty)."""
    return "; ".join(f"{who}: " + ", ".join(f"{k}={v!r}" for k, v in p.items()) for who, p in params.items() if p) \
        or "defaults"


def _settings_lines(settings: Settings) -> list[str]:
    """report.md's first section: versions, seeds, each game's budget and solver parameters."""
    given = _params_text(settings.solver_params)
    lines = ["## Settings", "", f"- versions: {_versions()}", f"- seeds: {', '.join(map(str, settings.seeds))}",
             f"- a run stops at its step budget, when the solver's residual reaches tol, or when the gradient "
             f"norm passes {format_value(DIVERGENCE)} (diverged)",
             f"- solver parameters given to the comparison (over the games' own): {given}", "",
             "| game | steps | tol | solver parameters |", "|---|---|---|---|"]
    lines += [f"| {name} | {spec.steps} | {format_value(spec.tol)} | {_params_text(spec.solver_params)} |"
              for name, spec in settings.games.items()]
    return lines


def write_report(rows: Sequence[Row], trajectories: Mapping[str, Mapping[str, Trajectory]], out: str | Path,
                 settings: Settings) -> Path:
    """Write under ``out``: ``results.csv`` (one line per row, integers as
    integers, NaN for missing numbers), ``report.md`` (the settings: versions,
    seeds, each game's budget and solver parameters; the column legend; the
    results) and ``plots/<game>.png`` (per game, one curve per solver of the
    first seed: the distance to the equilibrium when known, else the residual)."""
    from .analysis.plots import convergence_plot
    import matplotlib.pyplot as plt

    out = Path(out)
    (out / "plots").mkdir(parents=True, exist_ok=True)
    with (out / "results.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[f.name for f in fields(Row)])
        writer.writeheader()
        writer.writerows(asdict(row) for row in rows)
    columns = table_columns(rows)
    lines = ["# gamesolve comparison", "", *_settings_lines(settings), "", "## Columns", ""]
    for c in columns:
        lines.append(f"- **{c.title}**: {c.meaning}")
        lines += [f"  - {status}: {meaning}" for status, meaning in STATUSES.items()] if c.key == "status" else []
    lines += ["", "## Results", "", "| " + " | ".join(c.title for c in columns) + " |",
              "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row.cells()[c.key] for c in columns) + " |" for row in rows]
    lines.append("")
    for game, trajs in trajectories.items():
        metric = _plot_metric(settings.games[game], trajs)
        fig = convergence_plot(trajs, metric, groups={s: get_solver_spec(s).family for s in trajs},
                               title=f"{game}: {metric}")
        fig.savefig(out / "plots" / f"{game}.png", dpi=110)
        plt.close(fig)
        lines.append(f"![{game}](plots/{game}.png)")
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return out


def _plot_metric(spec: GameSpec, trajs: Mapping[str, Trajectory]) -> str:
    """Distance to the known equilibrium when there is one, else the game's residual metric."""
    if any("distance" in t for t in trajs.values()):
        return "distance"
    return spec.residual or "residual"
