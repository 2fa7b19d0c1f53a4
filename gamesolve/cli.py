"""The ``gamesolve`` command.

    gamesolve compare                     every solver on every standard zoo game
    gamesolve games                       the zoo
    gamesolve solvers                     the registered solvers
    gamesolve solve GAME --solver NAME    one run, e.g. --param dim=4 --solver-param lr=0.05
    gamesolve nash FILE.nfg [--solver NAME]   equilibria of a Gambit strategic-form game
    gamesolve analyze GAME [--at equilibrium|final] [--plot] [--out DIR]
                                          spectrum, fixed-point class, solver stability

Unknown names and bad parameters print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import ast
import math
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from .errors import GameError

__all__ = ["main", "build_parser"]

EXIT_USAGE = 2


class CommandError(Exception):
    """A user error that the command reports in one line (exit status 2)."""


def _parse_params(items: Sequence[str] | None, flag: str) -> dict[str, Any]:
    """``["k=v", ...]`` -> dict, values read as Python literals when they are one."""
    out: dict[str, Any] = {}
    for item in items or ():
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise CommandError(f"{flag} expects key=value, got {item!r}")
        try:
            out[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            out[key] = raw
    return out


def _cmd_games(args: argparse.Namespace, console: Console) -> int:
    from .game_registry import available_games

    table = Table(title="gamesolve games")
    for col in ("name", "family", "summary", "known equilibrium", "default params"):
        table.add_column(col, overflow="fold")
    for name, spec in available_games().items():
        params = ", ".join(f"{k}={v!r}" for k, v in spec.params.items())
        table.add_row(name, spec.family, spec.summary, spec.equilibrium, params)
    console.print(table)
    return 0


def _cmd_solvers(args: argparse.Namespace, console: Console) -> int:
    from .solvers.registry import get_solver_spec, solver_names

    table = Table(title="gamesolve solvers")
    for col in ("name", "family", "needs", "summary"):
        table.add_column(col, overflow="fold")
    for name in solver_names():
        spec = get_solver_spec(name)
        table.add_row(name, spec.family, ", ".join(sorted(spec.requires)), spec.summary)
    console.print(table)
    return 0


def _cmd_solve(args: argparse.Namespace, console: Console) -> int:
    from .compare import format_value
    from .game_registry import game_spec, make_game
    from .solve import solve
    from .solvers.registry import get_solver_spec, make_solver

    spec = game_spec(args.game)
    game = make_game(args.game, **_parse_params(args.param, "--param"))
    solver = args.solver
    params = {**spec.params_for(solver, get_solver_spec(solver).family),
              **_parse_params(args.solver_param, "--solver-param")}
    if args.lr is not None:
        params["lr"] = args.lr
    steps = spec.steps if args.steps is None else args.steps
    tol = spec.tol if args.tol is None else args.tol
    checkpoint = Path(args.out) / f"{args.game}-{solver}.ckpt" if args.checkpoint_every else None
    # built here, not by gs.solve, so that a solver's own parameter named tol reaches it
    result = solve(game, make_solver(solver, game, **params), steps=steps, tol=tol, seed=args.seed,
                   progress=args.progress, on_nonfinite="report", checkpoint=checkpoint,
                   checkpoint_every=args.checkpoint_every, resume_from=args.resume)
    result.solver = solver
    console.print(f"[bold]{result.game}[/bold] with [bold]{result.solver}[/bold]: {result.reason} "
                  f"({result.steps} steps, {result.wall_time:.3f} s)")
    if result.value is not None:
        console.print(f"value: {result.value:.10g}")
    if result.equilibria:
        _print_equilibria(console, game, result, game.player_labels, as_fractions=True)
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


def _cmd_compare(args: argparse.Namespace, console: Console) -> int:
    from .compare import compare, format_value

    def on_row(row: Any) -> None:
        if args.verbose:
            console.print(f"  {row.game:<30} {row.solver:<22} {row.status:<10} {row.steps:>6} steps "
                          f"{row.time:7.3f} s", highlight=False)

    rows = compare(args.games or None, args.solvers or None, steps=args.steps, tol=args.tol, seed=args.seed,
                   out=args.out, on_row=on_row)
    table = Table(title="gamesolve compare")
    for col in ("game", "solver", "status", "steps", "steps to tol", "final distance", "residual", "time (s)"):
        table.add_column(col, justify="left" if col in ("game", "solver", "status") else "right")
    for r in rows:
        table.add_row(r.game, r.solver, r.status, str(r.steps), format_value(r.steps_to_tol), format_value(r.distance),
                      format_value(r.residual), f"{r.time:.3f}")
    console.print(table)
    console.print(f"report written to {Path(args.out).resolve()} (report.md, results.csv, plots/)")
    return 0


def _float_text(values: Sequence[float]) -> str:
    return "  ".join(f"{float(v):.10g}" for v in values)


def _print_equilibria(console: Console, game: Any, result: Any, players: Sequence[str], as_fractions: bool) -> None:
    """Each equilibrium of a one-shot finite solver: exact fractions where it is certified (else
    floats), both players' payoffs, and whether it is certified or approximate, with its regret."""
    from .exact import fraction_text

    A, B = game.exact_payoffs()
    for k, eq in enumerate(result.equilibria, 1):
        if eq.certified and as_fractions:
            xq, yq = eq.exact
            pay = [sum((M[i][j] * p * q for i, p in enumerate(xq) if p for j, q in enumerate(yq) if q), Fraction(0))
                   for M in (A, B)]
            lines = [fraction_text(xq), fraction_text(yq), fraction_text(pay)]
        else:
            lines = [_float_text(eq.x), _float_text(eq.y), _float_text(game.expected_payoffs(eq.x, eq.y))]
        status = "certified: exact regret 0" if eq.certified else f"approximate: regret {float(eq.regret):.3g}"
        console.print(f"equilibrium {k} ({status})", highlight=False)
        console.print(f"  {players[0]}: {lines[0]}\n  {players[1]}: {lines[1]}\n  payoffs: {lines[2]}", highlight=False)
    summary = ("all certified: exact equilibria of the game as given" if result.certified
               else "not all certified (see each equilibrium)")
    count = len(result.equilibria)
    console.print(f"{count} {'equilibrium' if count == 1 else 'equilibria'}, {summary}", highlight=False)


def _cmd_nash(args: argparse.Namespace, console: Console) -> int:
    from .io import read_nfg
    from .solve import solve
    from .solvers.registry import make_solver

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"nash: cannot read {args.file}: no such file")
    try:
        game = read_nfg(path)
    except OSError as err:
        raise CommandError(f"nash: cannot read {args.file}: {err.strerror or err}") from None
    params = _parse_params(args.solver_param, "--solver-param")
    result = solve(game, make_solver(args.solver, game, **params), steps=args.steps, tol=args.tol, progress=False,
                   on_nonfinite="report")
    m, n = game.shape
    p1, p2 = game.player_labels
    console.print(f"[bold]{game.name}[/bold]: {m} x {n}; {args.solver}: {result.reason}", highlight=False)
    console.print(f"strategies of {p1}: {' '.join(game.strategy_labels[0])}; of {p2}: "
                  f"{' '.join(game.strategy_labels[1])}", highlight=False)
    if "distribution" in result.extras:
        console.print(f"joint distribution over profiles (rows: {p1}), objective value {result.value:.10g} "
                      f"(approximate: LP solver tolerance; largest deviation gain "
                      f"{result.extras['deviation_gain']:.3g}):", highlight=False)
        for row in result.extras["distribution"]:
            console.print("  " + _float_text(row), highlight=False)
        return 0
    if result.equilibria is None:
        x, y = (s.detach().cpu().numpy() if hasattr(s, "detach") else s for s in result.strategies)
        console.print(f"strategies after {result.steps} steps (approximate, exploitability "
                      f"{game.exploitability(x, y):.3g}; not an exact equilibrium):", highlight=False)
        console.print(f"  {p1}: {_float_text(x)}\n  {p2}: {_float_text(y)}", highlight=False)
        return 0 if result.error is None else 1
    _print_equilibria(console, game, result, (p1, p2), as_fractions=not args.float)
    return 0


DEFAULT_ANALYSIS_OUT = "gamesolve-analysis"
STATIONARY_TOL = 1e-6   # a point whose projected field (or a solver's step from it) is smaller counts as fixed


def _lr_text(lr: Any) -> str:
    """One step size, or one per player: ``0.05`` or ``(0.05, 0.5)``."""
    return f"({', '.join(f'{r:g}' for r in lr)})" if isinstance(lr, (list, tuple)) else f"{lr:g}"


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_lr_text(v) if k == 'lr' else v}" for k, v in params.items())


def _contraction_text(rho: float, margin: float) -> str:
    if rho > 1 + margin:
        return "diverges"
    if rho >= 1 - margin:
        return "marginal (no contraction)"
    if rho == 0:
        return "converges, no deviation survives a step (radius 0)"
    return f"converges, x10 closer every {math.log(10) / -math.log(rho):.3g} steps"


def _cmd_analyze(args: argparse.Namespace, console: Console) -> int:
    import numpy as np
    import torch

    from .analysis import spectral as sp
    from .solve import solve
    from .solvers.registry import get_solver_spec
    from .game_registry import game_spec, make_game

    spec = game_spec(args.game)
    game_params = _parse_params(args.param, "--param")
    game = make_game(args.game, **game_params)
    lr = args.lr if args.lr is not None else spec.params_for("gda", "gradient").get("lr", 0.01)
    at = args.at or ("equilibrium" if game.equilibrium is not None else "final")
    if at == "equilibrium":
        if game.equilibrium is None:
            raise CommandError(f"analyze: {args.game} has no known equilibrium; use --at final")
        # matrix games state their equilibria as numpy arrays
        game.set_strategies([torch.from_numpy(s) if isinstance(s, np.ndarray) else s for s in game.equilibrium])
        where = "its known equilibrium"
    else:
        params = {**spec.params_for(args.solver, get_solver_spec(args.solver).family), "lr": lr}
        result = solve(game, args.solver, steps=spec.steps if args.steps is None else args.steps, tol=spec.tol,
                       seed=args.seed, progress=args.progress, on_nonfinite="report", **params)
        where = f"the final strategies of {args.solver} with lr={_lr_text(lr)} ({result.reason})"
    # each solver with a linearised update, with the game's parameters for it; one step from the point tells
    # whether the point is the solver's own fixed point (before the Jacobian: the step moves the strategies)
    solvers = {name: {**spec.params_for(name, "gradient")} for name in sp.linearised_solvers(game)}
    for params in solvers.values():
        params["lr"] = args.lr if args.lr is not None else params.get("lr", lr)
    moved = {name: sp.step_residual(game, name, **params) for name, params in solvers.items()}
    jac = sp.jacobian(game, tangent=args.tangent)
    n = jac.shape[0]
    space = "the tangent space of the domains" if jac.basis is not None else "all coordinates"
    console.print(f"[bold]{game.name}[/bold] at {where}")
    console.print(f"Jacobian H = dF/dtheta: {n} x {n} over {space} (products: {jac.method} double backprop)")

    dense = n <= sp.DENSE_LIMIT
    if dense:
        values = sp.eigenvalues(jac)
        console.print(f"spectrum (all {n}, dense): max |lambda| = {np.abs(values).max(initial=0):.6g}, "
                      f"min Re = {values.real.min(initial=np.inf):.6g}, "
                      f"max Re = {values.real.max(initial=-np.inf):.6g}, "
                      f"{int((values.real <= 1e-12).sum())} with Re <= 0")
        console.print("  eigenvalues: " + (", ".join(_complex_text(v) for v in values[:12]) or "none")
                      + (" ..." if len(values) > 12 else ""))
    else:
        parts = []
        for which, label in (("LM", "largest modulus"), ("LR", "largest real part"), ("SR", "smallest real part")):
            before = jac.products
            try:
                part = sp.eigenvalues(jac, k=args.k, which=which, seed=args.seed, tol=1e-6, maxiter=args.maxiter)
                note = ""
            except GameError as err:
                part, note = err.partial, f" (not converged: {err})"  # type: ignore[attr-defined]
            parts.append(part)
            console.print(f"spectrum, {label} (matrix-free ARPACK, {jac.products - before} Jacobian-vector "
                          f"products): " + ", ".join(_complex_text(v) for v in part) + note)
        values = np.concatenate(parts)
    split = sp.helmholtz_decomposition(jac)
    console.print("  ||A F|| / ||S F|| (antisymmetric / symmetric part along F): "
                  + ("n/a at a fixed point (F = 0)" if np.isnan(split.ratio) else f"{split.ratio:.4g}"))
    fp = sp.classify_fixed_point(jac, tol=STATIONARY_TOL, seed=args.seed, maxiter=args.maxiter)
    console.print(f"fixed point: [bold]{fp.label}[/bold]: {fp.reason}")
    if fp.stable is None:
        console.print(f"  stability of gradient play undetermined: {fp.extras['stability']}")
    if fp.kind == "not-stationary":
        console.print("  no stability table: linearised solvers describe iterates near a fixed point; analyse a "
                      "stationary point (--at equilibrium, or more --steps)")
    else:
        _stability_table(console, jac, solvers, moved, args)
    if args.plot:
        for path in _analysis_figures(args, game_params, jac, values, lr, spec):
            console.print(f"wrote {path}")
    return 0


def _stability_table(console: Console, jac: Any, solvers: dict[str, dict[str, Any]], moved: dict[str, float],
                     args: argparse.Namespace) -> None:
    """Each solver's spectral radius at the fixed point, what it predicts, and (small games) its stable step sizes."""
    from .analysis import spectral as sp
    from .compare import format_value

    n = jac.shape[0]
    ranges = n <= 200
    table = Table(title="linearised solvers at this point")
    for col in ("solver", "parameters", "spectral radius", "predicted", "stable eta_x (scan of [1e-4, 10])"):
        table.add_column(col, justify="left" if col in ("solver", "parameters", "predicted") else "right")
    for name, params in solvers.items():
        if moved[name] > STATIONARY_TOL:
            table.add_row(name, _params_text(params), "-",
                          f"not a fixed point of {name}: one step moves it by {moved[name]:.3g}", "-")
            continue
        try:
            rho = sp.spectral_radius(jac, name, seed=args.seed, maxiter=args.maxiter, **params)
        except GameError:
            table.add_row(name, _params_text(params), "-", f"ARPACK did not converge in {args.maxiter} restarts", "-")
            continue
        stable = "-"
        if ranges:   # along the solver's own ratio eta_y / eta_x; a scan without closed form forms T at each point
            others = {k: v for k, v in params.items() if k != "lr"}
            lr = params["lr"]
            ratio = lr[1] / lr[0] if isinstance(lr, (list, tuple)) else 1.0
            fast = sp.linearisation(jac, name, **params).closed_form is not None
            found = sp.stable_step_sizes(jac, name, ratio=ratio, num=400 if fast else 120, **others)
            stable = ", ".join(f"[{format_value(lo)}, {format_value(hi)}]" for lo, hi in found) or "none"
            stable += "" if ratio == 1 else f" (eta_y = {ratio:g} eta_x)"
        table.add_row(name, _params_text(params), f"{rho:.8g}", _contraction_text(rho, sp.MARGIN), stable)
    console.print(table)
    if not ranges:
        console.print(f"(stable step-size ranges are scanned for games up to 200 parameters; this one has {n})")
        return
    lr = solvers["gda"]["lr"]
    eta = lr[1] if isinstance(lr, (list, tuple)) else lr
    found = sp.stable_ratios(jac, "gda", lr=eta)
    console.print(f"gamma-GDA (eta_x = {eta:g} / gamma, eta_y = {eta:g}) contracts for gamma in "
                  + (", ".join(f"[{format_value(lo)}, {format_value(hi)}]" for lo, hi in found) or "no ratio")
                  + " (scan of [0.01, 100])")


def _complex_text(z: complex) -> str:
    tiny = 1e-12 * max(1.0, abs(z))
    re, im = (0.0 if abs(v) <= tiny else v + 0.0 for v in (z.real, z.imag))
    return f"{re:.4g}" if im == 0.0 else f"{re:.4g}{im:+.4g}i"


def _analysis_figures(args: argparse.Namespace, game_params: dict[str, Any], jac: Any, values: Any, lr: Any,
                      spec: Any) -> list[Path]:
    """spectrum.png, stability-<solver>.png (small games), convergence.png and, for
    games with one scalar per player, phase.png."""
    import matplotlib.pyplot as plt
    import numpy as np

    from .analysis import plots
    from .analysis import spectral as sp
    from .solve import solve
    from .game_registry import make_game

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def save(fig: Any, name: str) -> None:
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        written.append(out / name)

    save(plots.spectrum_plot({"H": values}, title=f"{jac.game.name}: eigenvalues of the game Jacobian"),
         "spectrum.png")
    if jac.shape[0] <= 200:
        etas = np.geomspace(1e-3, 2.0, 36)
        for name in ("gda", "alternating-gda", "ogda", "extragradient"):
            grid = sp.stability_grid(jac, name, etas, etas)
            save(plots.stability_region_plot(etas, etas, grid, title=f"{name}: spectral radius"),
                 f"stability-{name}.png")
    steps = min(spec.steps, 2000 if args.steps is None else args.steps)
    runs, points = {}, {}
    for name in ("gda", "alternating-gda", "ogda", "extragradient"):
        game = make_game(args.game, **game_params)
        res = solve(game, name, steps=steps, lr=lr, seed=args.seed, progress=False, on_nonfinite="report",
                    divergence=1e6, record_strategies=True)
        runs[name], points[name] = res.trajectory, res.trajectory.points
    metric = "distance" if all("distance" in t for t in runs.values()) else "residual"
    save(plots.convergence_plot(runs, metric, title=f"{jac.game.name}: {metric}, lr = {_lr_text(lr)}"),
         "convergence.png")
    game = jac.game
    if all(p.numel == 1 for p in game.players):
        center = np.concatenate([np.ravel(np.asarray(s, dtype=float)) for s in game.strategies()])
        start = next(iter(points.values()))[0]
        r = 1.5 * max(float(np.abs(start - center).max()), 1e-3)
        clipped = {k: v[np.all(np.abs(v - center) <= 3 * r, axis=1)] for k, v in points.items() if v is not None}
        save(plots.phase_portrait(sp.vector_field(game), (center[0] - r, center[0] + r), (center[1] - r, center[1] + r),
                                  clipped, fixed_point=center, labels=(game.players[0].name, game.players[1].name),
                                  title=f"{game.name}: flow -F and solvers (lr = {_lr_text(lr)})"), "phase.png")
    return written


COMMANDS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    "compare": _cmd_compare,
    "games": _cmd_games,
    "solvers": _cmd_solvers,
    "solve": _cmd_solve,
    "nash": _cmd_nash,
    "analyze": _cmd_analyze,
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        raise CommandError(message if self.prog == "gamesolve" else f"{self.prog.split()[-1]}: {message}")


def build_parser() -> argparse.ArgumentParser:
    from .compare import DEFAULT_OUT

    parser = _Parser(prog="gamesolve", description="Two-player games: define, solve, compare, analyse.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("compare", help="every applicable solver on every standard zoo game")
    p.add_argument("--games", nargs="*", help="zoo games (default: the standard ones)")
    p.add_argument("--solvers", nargs="*", help="solver names (default: all registered)")
    p.add_argument("--steps", type=int, help="step budget per run (default: each game's own)")
    p.add_argument("--tol", type=float, help="tolerance (default: each game's own)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=DEFAULT_OUT, help=f"report folder (default: ./{DEFAULT_OUT})")
    p.add_argument("-v", "--verbose", action="store_true", help="print each run as it finishes")

    sub.add_parser("games", help="list the zoo")
    sub.add_parser("solvers", help="list the solvers and what they need")

    p = sub.add_parser("solve", help="run one solver on one zoo game")
    p.add_argument("game")
    p.add_argument("--solver", default="ogda")
    p.add_argument("--param", action="append", metavar="K=V", help="game parameter (repeatable)")
    p.add_argument("--solver-param", action="append", metavar="K=V", help="solver parameter (repeatable)")
    p.add_argument("--lr", type=float, help="step size (shortcut for --solver-param lr=...)")
    p.add_argument("--steps", type=int)
    p.add_argument("--tol", type=float)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="folder for the trajectory CSV and checkpoints")
    p.add_argument("--checkpoint-every", type=int, help="write a checkpoint every N steps under --out")
    p.add_argument("--resume", metavar="PATH", help="continue exactly from a checkpoint of the same game and solver "
                   "(--steps is the total budget, the checkpoint's steps included)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)

    p = sub.add_parser("nash", help="equilibria of a two-player Gambit .nfg file")
    p.add_argument("file", metavar="FILE.nfg")
    p.add_argument("--solver", default="vertex-enumeration",
                   help="a finite-game solver (default: vertex-enumeration, all extreme equilibria)")
    p.add_argument("--solver-param", action="append", metavar="K=V", help="solver parameter (repeatable)")
    p.add_argument("--steps", type=int, default=10_000, help="step budget of iterative solvers")
    p.add_argument("--tol", type=float, default=1e-8, help="exploitability at which iterative solvers stop")
    p.add_argument("--float", action="store_true", help="print floats instead of exact fractions")

    p = sub.add_parser("analyze", help="spectrum, fixed-point class and solver stability of a zoo game")
    p.add_argument("game")
    p.add_argument("--param", action="append", metavar="K=V", help="game parameter (repeatable)")
    p.add_argument("--at", choices=("equilibrium", "final"),
                   help="analyse at the known equilibrium (default when known) or where --solver ends")
    p.add_argument("--solver", default="ogda", help="solver run for --at final (default: ogda)")
    p.add_argument("--lr", type=float, help="step size of the linearised solvers (default: the game's)")
    p.add_argument("--steps", type=int, help="step budget of the runs (default: the game's)")
    p.add_argument("--k", type=int, default=6, help="eigenvalues per end of the spectrum for large games")
    p.add_argument("--maxiter", type=int, default=300, help="ARPACK restarts for large games (default: 300)")
    p.add_argument("--tangent", action=argparse.BooleanOptionalAction, default=None,
                   help="restrict to the tangent space of the domains (default: when a player is constrained)")
    p.add_argument("--plot", action="store_true", help="write figures under --out")
    p.add_argument("--out", default=DEFAULT_ANALYSIS_OUT, help=f"figure folder (default: ./{DEFAULT_ANALYSIS_OUT})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    console = Console() if sys.stdout.isatty() else Console(width=160)
    try:
        args = build_parser().parse_args(argv)
        if getattr(args, "checkpoint_every", None) and not args.out:
            raise CommandError("gamesolve solve: --checkpoint-every needs --out")
        return COMMANDS[args.command](args, console)
    except (CommandError, GameError) as e:
        print(f"gamesolve: error: {' '.join(str(e).split())}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("gamesolve: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
