"""``gamesolve analyze GAME``: spectrum, fixed-point class and the stability of every linearised solver."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ..errors import GameError
from .common import CommandError, add_progress_flags, parse_params, progress_flag

__all__ = ["run_analyze", "add_parser", "DEFAULT_ANALYSIS_OUT"]

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


def run_analyze(args: argparse.Namespace, console: Console) -> int:
    import numpy as np
    import torch

    from ..analysis import spectral as sp
    from ..game_registry import game_spec, make_game
    from ..solve import solve
    from ..solvers.registry import get_solver_spec

    spec = game_spec(args.game)
    game_params = parse_params(args.param, "--param")
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
                       seed=args.seed, progress=progress_flag(args), on_nonfinite="report", **params)
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

    values = _print_spectrum(console, jac, args)
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


def _print_spectrum(console: Console, jac: Any, args: argparse.Namespace) -> Any:
    """The Jacobian's spectrum: every eigenvalue (dense, small games) or both ends of it (ARPACK)."""
    import numpy as np

    from ..analysis import spectral as sp

    n = jac.shape[0]
    if n <= sp.DENSE_LIMIT:
        values = sp.eigenvalues(jac)
        console.print(f"spectrum (all {n}, dense): max |lambda| = {np.abs(values).max(initial=0):.6g}, "
                      f"min Re = {values.real.min(initial=np.inf):.6g}, "
                      f"max Re = {values.real.max(initial=-np.inf):.6g}, "
                      f"{int((values.real <= 1e-12).sum())} with Re <= 0")
        console.print("  eigenvalues: " + (", ".join(_complex_text(v) for v in values[:12]) or "none")
                      + (" ..." if len(values) > 12 else ""))
        return values
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
    return np.concatenate(parts)


def _stability_table(console: Console, jac: Any, solvers: dict[str, dict[str, Any]], moved: dict[str, float],
                     args: argparse.Namespace) -> None:
    """Each solver's spectral radius at the fixed point, what it predicts, and (small games) its stable step sizes."""
    from ..analysis import spectral as sp
    from ..comparison import format_value

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

    from ..analysis import plots
    from ..analysis import spectral as sp
    from ..game_registry import make_game
    from ..solve import solve

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


def add_parser(sub: Any) -> None:
    """The ``analyze`` sub-command."""
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
    add_progress_flags(p)
