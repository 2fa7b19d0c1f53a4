"""Solvers x games: run every pair, tabulate, write a report folder.

``compare()`` with no arguments is the default comparison of
``gamesolve compare``: every registered solver that applies to every
*standard* zoo game, each game with its own budget and solver parameters
from its ``SPEC``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .analysis.trajectory import Trajectory
from .errors import GameError, IncompatibleSolverError
from .game_registry import available_games, game_spec, make_game
from .solve import solve
from .solvers.registry import get_solver_spec, solver_names

__all__ = ["Row", "compare", "write_report", "format_value", "DEFAULT_OUT"]

DEFAULT_OUT = "gamesolve-report"


@dataclass
class Row:
    """One (game, solver) run of a comparison."""

    game: str
    solver: str
    status: str              # converged | budget | diverged | non-finite | error
    steps: int
    steps_to_tol: float      # NaN when the tolerance was not reached
    distance: float          # final distance to the known equilibrium (NaN if unknown)
    residual: float          # last residual the solver measured
    time: float
    note: str = ""


def _status(result: Any) -> str:
    if result.error is not None:
        return "non-finite"
    if result.converged:
        return "converged"
    return "diverged" if result.reason.startswith("diverged") else "budget"


def _run(game_name: str, solver: str, steps: int | None, tol: float | None, seed: int) -> tuple[Row, Trajectory]:
    spec = game_spec(game_name)
    game = make_game(game_name)
    n_steps = spec.steps if steps is None else steps
    tolerance = spec.tol if tol is None else tol
    params = spec.params_for(solver, get_solver_spec(solver).family)
    metrics = None if spec.residual is None else (
        [spec.residual] + (["distance"] if getattr(game, "equilibrium", None) is not None else []))
    result = solve(game, solver, steps=n_steps, tol=tolerance, seed=seed, progress=False, on_nonfinite="report",
                   divergence=1e8, metrics=metrics, **params)
    traj = result.trajectory
    key = _residual_key(spec, traj)
    row = Row(game=game_name, solver=solver, status=_status(result), steps=result.steps,
              steps_to_tol=float(result.steps) if result.converged else math.nan,
              distance=traj.last("distance") if "distance" in traj else math.nan,
              residual=traj.last(key) if key else math.nan, time=result.wall_time,
              note="" if result.converged else result.reason)
    return row, traj


def _residual_key(spec: Any, traj: Trajectory) -> str | None:
    """The metric shown as the residual: the game's own choice, else the solver's residual."""
    if spec.residual is not None and spec.residual in traj:
        return spec.residual
    return "residual" if "residual" in traj else next((k for k in traj.keys() if k != "distance"), None)


def compare(games: Sequence[str] | None = None, solvers: Sequence[str] | None = None, *, steps: int | None = None,
            tol: float | None = None, seed: int = 0, out: str | Path | None = None,
            on_row: Any = None) -> list[Row]:
    """Run each solver on each game; return one :class:`Row` per pair that applies.

    ``games`` default to the standard zoo games, ``solvers`` to every
    registered solver; pairs where the game lacks what the solver needs are
    skipped. A run that raises a :class:`GameError` becomes a row with status
    ``error``. ``on_row(row)`` is called as rows finish; with ``out`` the
    report folder is written there (see :func:`write_report`).
    """
    specs = available_games()
    game_names = list(games) if games is not None else [n for n, s in specs.items() if s.standard]
    solver_list = list(solvers) if solvers is not None else solver_names()
    for name in solver_list:
        get_solver_spec(name)  # unknown names fail before any run
    rows: list[Row] = []
    trajectories: dict[str, dict[str, Trajectory]] = {}
    for g in game_names:
        probe = make_game(g)
        offered = frozenset(getattr(probe, "capabilities", ()))
        for s in solver_list:
            if not get_solver_spec(s).requires <= offered:
                continue
            try:
                row, traj = _run(g, s, steps, tol, seed)
            except IncompatibleSolverError:
                continue
            except GameError as err:
                row, traj = Row(g, s, "error", 0, math.nan, math.nan, math.nan, 0.0, str(err)), Trajectory()
            rows.append(row)
            trajectories.setdefault(g, {})[s] = traj
            if on_row is not None:
                on_row(row)
    if out is not None:
        write_report(rows, trajectories, out)
    return rows


def write_report(rows: Sequence[Row], trajectories: dict[str, dict[str, Trajectory]], out: str | Path) -> Path:
    """Write ``results.csv``, ``report.md`` and ``plots/<game>.png`` (one
    convergence plot per game: distance to the equilibrium when known, else the
    residual) under ``out``."""
    from .analysis.plots import convergence_plot
    import matplotlib.pyplot as plt

    out = Path(out)
    (out / "plots").mkdir(parents=True, exist_ok=True)
    with (out / "results.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(asdict(rows[0])) if rows else ["game"])
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))
    lines = ["# gamesolve comparison", "",
             "| game | solver | status | steps | steps to tol | final distance | residual | time (s) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.game} | {r.solver} | {r.status} | {r.steps} | {format_value(r.steps_to_tol)} | "
                     f"{format_value(r.distance)} | {format_value(r.residual)} | {r.time:.3f} |")
    lines.append("")
    for game, trajs in trajectories.items():
        metric = _plot_metric(game, trajs)
        fig = convergence_plot(trajs, metric, groups={s: get_solver_spec(s).family for s in trajs},
                               title=f"{game}: {metric}")
        fig.savefig(out / "plots" / f"{game}.png", dpi=110)
        plt.close(fig)
        lines.append(f"![{game}](plots/{game}.png)")
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return out


def _plot_metric(game: str, trajs: dict[str, Trajectory]) -> str:
    """Distance to the known equilibrium when there is one, else the game's residual metric."""
    if any("distance" in t for t in trajs.values()):
        return "distance"
    try:
        return game_spec(game).residual or "residual"
    except GameError:
        return "residual"


def format_value(v: float) -> str:
    """``-`` for missing values, integers without decimals, else 3 significant digits."""
    if not math.isfinite(v):
        return "-"
    return f"{int(v)}" if float(v).is_integer() else f"{v:.3g}"
