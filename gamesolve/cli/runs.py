"""``gamesolve games``, ``solvers``, ``solve`` and ``compare``: the zoo, the solvers, one run, the grid."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from .common import add_progress_flags, load_object, parse_params, progress_flag
from .nash import print_equilibria
from .tables import fitted_table

__all__ = ["run_games", "run_solvers", "run_solve", "run_compare", "add_parsers"]


def run_games(args: argparse.Namespace, console: Console) -> int:
    from ..game_registry import available_games

    table = Table(title="gamesolve games", caption="standard: in the default comparison (gamesolve compare)")
    for col in ("name", "standard", "family", "summary", "known equilibrium", "default params"):
        table.add_column(col, overflow="fold")
    for name, spec in available_games().items():
        params = ", ".join(f"{k}={v!r}" for k, v in spec.params.items())
        table.add_row(name, "yes" if spec.standard else "", spec.family, spec.summary, spec.equilibrium, params)
    console.print(table)
    return 0


def constructor_parameters(factory: Any) -> str:
    """A solver's parameters after the game, from its constructor's signature:
    ``lr=None, gamma=1.0`` (``**params``: passed on, e.g. to an inner solver)."""
    params = list(inspect.signature(factory).parameters.values())[1:]
    return ", ".join(f"**{p.name}" if p.kind is p.VAR_KEYWORD else p.name if p.default is p.empty
                     else f"{p.name}={p.default!r}" for p in params)


def run_solvers(args: argparse.Namespace, console: Console) -> int:
    from ..solvers.registry import get_solver_spec, solver_names

    table = Table(title="gamesolve solvers",
                  caption="parameters: --solver-param K=V of gamesolve solve, keywords of gs.solve(game, name, ...)")
    for col in ("name", "family", "needs", "parameters (defaults)", "summary"):
        table.add_column(col, overflow="fold")
    for name in solver_names():
        spec = get_solver_spec(name)
        table.add_row(name, spec.family, ", ".join(sorted(spec.requires)), constructor_parameters(spec.factory),
                      spec.summary)
    console.print(table)
    return 0


def run_solve(args: argparse.Namespace, console: Console) -> int:
    from ..comparison import format_value
    from ..game_registry import game_spec, make_game
    from ..gan import GANGame
    from ..solve import solve
    from ..solvers.registry import get_solver_spec, make_solver

    spec = game_spec(args.game)
    game = make_game(args.game, **parse_params(args.param, "--param"))
    solver = args.solver
    params = {**spec.params_for(solver, get_solver_spec(solver).family),
              **parse_params(args.solver_param, "--solver-param")}
    if args.lr is not None:
        params["lr"] = args.lr
    steps = spec.steps if args.steps is None else args.steps
    tol = spec.tol if args.tol is None else args.tol
    checkpoint = Path(args.out) / f"{args.game}-{solver}.ckpt" if args.checkpoint_every else None
    # built here, not by gs.solve, so that a solver's own parameter named tol reaches it
    result = solve(game, make_solver(solver, game, **params), steps=steps, tol=tol, seed=args.seed,
                   progress=progress_flag(args), on_nonfinite="report", checkpoint=checkpoint,
                   checkpoint_every=args.checkpoint_every, resume_from=args.resume)
    result.solver = solver
    console.print(f"[bold]{result.game}[/bold] with [bold]{result.solver}[/bold]: {result.reason} "
                  f"({result.steps} steps, {result.wall_time:.3f} s)")
    if result.value is not None:
        console.print(f"value: {result.value:.10g}")
    if result.equilibria:
        print_equilibria(console, game, result, game.player_labels, as_fractions=True)
    else:
        names = [p.name for p in game.players] if hasattr(game, "players") else ["player 1", "player 2"]
        for name, strategy in zip(names, result.strategies):
            console.print(f"  {name}: {_strategy_text(strategy)}", highlight=False)
    traj = result.trajectory
    if len(traj):
        floats = " of the float64 strategies" if result.equilibria else ""
        console.print(f"final metrics{floats}: " + ", ".join(f"{k}={format_value(traj.last(k))}" for k in traj.keys()))
    if args.out and len(traj):
        path = traj.to_csv(Path(args.out) / f"{args.game}-{solver}.csv")
        console.print(f"trajectory written to {path}")
    if isinstance(game, GANGame):
        _gan_samples(console, game, result.steps, args.out)
    if result.error is not None:
        console.print(f"[red]{result.error}[/red]")
        return 1
    return 0


def _strategy_text(strategy: Any, limit: int = 8) -> str:
    import numpy as np
    import torch

    if isinstance(strategy, (list, tuple)):
        n = sum(int(np.asarray(t.detach().cpu() if isinstance(t, torch.Tensor) else t).size) for t in strategy)
        return f"{len(strategy)} tensors, {n} parameters"
    arr = np.asarray(strategy.detach().cpu() if isinstance(strategy, torch.Tensor) else strategy, dtype=float)
    flat = arr.reshape(-1)
    nonzero = np.flatnonzero(flat)
    if flat.size > limit and 0 < nonzero.size <= limit:     # a sparse strategy: its support
        return "{" + ", ".join(f"{i}: {flat[i]:.6g}" for i in nonzero) + f"}} (zero elsewhere; {flat.size} entries)"
    text = np.array2string(flat[:limit], precision=6, separator=", ", suppress_small=True)
    return text if flat.size <= limit else text[:-1] + f", ... ({flat.size} entries)]"


GAN_SAMPLES = 2500   # samples a GAN's generator draws for the mode count (PacGAN's number)


def _gan_samples(console: Console, game: Any, step: int, out: str | None) -> None:
    """A GAN's samples: the modes they cover when the data is a Gaussian mixture
    (``game.mixture``, as in the zoo's mixture GANs) and, with ``out``, their figure."""
    from ..analysis.samples import mode_coverage
    from ..callbacks import SaveSamples

    mixture = getattr(game, "mixture", None)
    if mixture is not None:
        cover = mode_coverage(game.sample(GAN_SAMPLES, seed=0), mixture.centers, mixture.std)
        console.print(f"modes covered: {cover['modes']} of {mixture.modes} ({GAN_SAMPLES} samples, "
                      f"{cover['high_quality']:.1%} within 3 std of a mode, reverse KL {cover['kl']:.3g})",
                      highlight=False)
    if out:
        path = SaveSamples(out, every=1, centers=None if mixture is None else mixture.centers).save(game, step)
        console.print(f"samples written to {path}")


def _game_sources(args: argparse.Namespace) -> list[Any]:
    """``--games`` zoo names, then each ``--game``: a zoo name, or ``module:callable`` as ``(spec, object)``."""
    return [*(args.games or ()), *((g, load_object(g, "--game")) if ":" in g else g for g in args.game or ())]


def run_compare(args: argparse.Namespace, console: Console) -> int:
    from ..comparison import compare, table_columns

    def on_row(row: Any) -> None:
        if args.verbose:
            console.print(f"  {row.game:<30} {row.solver:<22} {row.status:<10} {row.steps:>6} steps "
                          f"{row.time:7.3f} s", highlight=False)

    rows = compare(_game_sources(args) or None, args.solvers or None, steps=args.steps, tol=args.tol,
                   seeds=args.seeds, out=args.out, progress=progress_flag(args), on_row=on_row)
    table, short = fitted_table(table_columns(rows), [r.cells() for r in rows], console.width, "gamesolve compare",
                                group="game")
    console.print(table)
    for column in short:
        console.print(f"{column.short}: {column.meaning}", highlight=False)
    console.print(f"report written to {Path(args.out).resolve()} (report.md, results.csv, plots/)")
    return 0


def add_parsers(sub: Any) -> None:
    """The ``compare``, ``games``, ``solvers`` and ``solve`` sub-commands."""
    from ..comparison import DEFAULT_OUT

    p = sub.add_parser("compare", help="every applicable solver on every standard zoo game")
    p.add_argument("--games", nargs="*", help="zoo games (default: the standard ones)")
    p.add_argument("--game", action="append", metavar="NAME|MODULE:CALLABLE",
                   help="a zoo game, or your own: a game or a function building one, as module:callable "
                        "(imported from the current directory; repeatable)")
    p.add_argument("--solvers", nargs="*", help="solver names (default: all registered)")
    p.add_argument("--steps", type=int, help="step budget per run (default: each game's own)")
    p.add_argument("--tol", type=float, help="tolerance (default: each game's own)")
    p.add_argument("--seeds", "--seed", nargs="+", type=int, default=[0], help="one run per seed (default: 0)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"report folder (default: ./{DEFAULT_OUT})")
    p.add_argument("-v", "--verbose", action="store_true", help="print each run as it finishes")
    add_progress_flags(p)

    sub.add_parser("games", help="list the zoo")
    sub.add_parser("solvers", help="list the solvers and what they need")

    p = sub.add_parser("solve", help="run one solver on one zoo game")
    p.add_argument("game")
    p.add_argument("--solver", default="ogda")
    p.add_argument("--param", action="append", metavar="K=V", help="game parameter (repeatable)")
    p.add_argument("--solver-param", action="append", metavar="K=V",
                   help="solver parameter (repeatable; gamesolve solvers lists each solver's)")
    p.add_argument("--lr", type=float, help="step size (shortcut for --solver-param lr=...)")
    p.add_argument("--steps", type=int)
    p.add_argument("--tol", type=float)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="folder for the trajectory CSV, checkpoints and a GAN's sample figure")
    p.add_argument("--checkpoint-every", type=int, help="write a checkpoint every N steps under --out")
    p.add_argument("--resume", metavar="PATH", help="continue exactly from a checkpoint of the same game and solver "
                   "(--steps is the total budget, the checkpoint's steps included)")
    add_progress_flags(p)
