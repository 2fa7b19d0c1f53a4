"""``gamesolve nash FILE.nfg``: the equilibria of a Gambit strategic-form game, in exact fractions."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from rich.console import Console

from .common import CommandError, float_text, parse_params

__all__ = ["run_nash", "print_equilibria", "add_parser"]


def print_equilibria(console: Console, game: Any, result: Any, players: Sequence[str], as_fractions: bool) -> None:
    """Each equilibrium of a one-shot finite solver: exact fractions where it is certified (else
    floats), both players' payoffs, and whether it is certified or approximate, with its regret."""
    from ..exact import fraction_text

    A, B = game.exact_payoffs()
    for k, eq in enumerate(result.equilibria, 1):
        if eq.certified and as_fractions:
            xq, yq = eq.exact
            pay = [sum((M[i][j] * p * q for i, p in enumerate(xq) if p for j, q in enumerate(yq) if q), Fraction(0))
                   for M in (A, B)]
            lines = [fraction_text(xq), fraction_text(yq), fraction_text(pay)]
        else:
            lines = [float_text(eq.x), float_text(eq.y), float_text(game.expected_payoffs(eq.x, eq.y))]
        status = "certified: exact regret 0" if eq.certified else f"approximate: regret {float(eq.regret):.3g}"
        console.print(f"equilibrium {k} ({status})", highlight=False)
        console.print(f"  {players[0]}: {lines[0]}\n  {players[1]}: {lines[1]}\n  payoffs: {lines[2]}", highlight=False)
    summary = ("all certified: exact equilibria of the game as given" if result.certified
               else "not all certified (see each equilibrium)")
    count = len(result.equilibria)
    console.print(f"{count} {'equilibrium' if count == 1 else 'equilibria'}, {summary}", highlight=False)


def run_nash(args: argparse.Namespace, console: Console) -> int:
    from ..io import read_nfg
    from ..solve import solve
    from ..solvers.registry import make_solver

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"nash: cannot read {args.file}: no such file")
    try:
        game = read_nfg(path)
    except OSError as err:
        raise CommandError(f"nash: cannot read {args.file}: {err.strerror or err}") from None
    params = parse_params(args.solver_param, "--solver-param")
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
            console.print("  " + float_text(row), highlight=False)
        return 0
    if result.equilibria is None:
        x, y = (s.detach().cpu().numpy() if hasattr(s, "detach") else s for s in result.strategies)
        console.print(f"strategies after {result.steps} steps (approximate, exploitability "
                      f"{game.exploitability(x, y):.3g}; not an exact equilibrium):", highlight=False)
        console.print(f"  {p1}: {float_text(x)}\n  {p2}: {float_text(y)}", highlight=False)
        return 0 if result.error is None else 1
    print_equilibria(console, game, result, (p1, p2), as_fractions=not args.float)
    return 0


def add_parser(sub: Any) -> None:
    """The ``nash`` sub-command."""
    p = sub.add_parser("nash", help="equilibria of a two-player Gambit .nfg file")
    p.add_argument("file", metavar="FILE.nfg")
    p.add_argument("--solver", default="vertex-enumeration",
                   help="a finite-game solver (default: vertex-enumeration, all extreme equilibria)")
    p.add_argument("--solver-param", action="append", metavar="K=V", help="solver parameter (repeatable)")
    p.add_argument("--steps", type=int, default=10_000, help="step budget of iterative solvers")
    p.add_argument("--tol", type=float, default=1e-8, help="exploitability at which iterative solvers stop")
    p.add_argument("--float", action="store_true", help="print floats instead of exact fractions")
