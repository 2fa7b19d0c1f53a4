"""The ``gamesolve`` command.

    gamesolve compare                     every solver on every standard zoo game
                                          (--game module:make_game adds yours)
    gamesolve games                       the zoo
    gamesolve solvers                     the registered solvers and their parameters
    gamesolve solve GAME --solver NAME    one run, e.g. --param dim=4 --solver-param lr=0.05
    gamesolve nash FILE.nfg [--solver NAME]   equilibria of a Gambit strategic-form game
    gamesolve analyze GAME [--at equilibrium|final] [--plot] [--out DIR]
                                          spectrum, fixed-point class, solver stability

Unknown names and bad parameters print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from rich.console import Console

from ..errors import GameError
from . import analyze, nash, runs
from .common import EXIT_USAGE, CommandError, make_console

__all__ = ["main", "build_parser"]

COMMANDS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    "compare": runs.run_compare,
    "games": runs.run_games,
    "solvers": runs.run_solvers,
    "solve": runs.run_solve,
    "nash": nash.run_nash,
    "analyze": analyze.run_analyze,
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        raise CommandError(message if self.prog == "gamesolve" else f"{self.prog.split()[-1]}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gamesolve", description="Two-player games: define, solve, compare, analyse.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    runs.add_parsers(sub)
    nash.add_parser(sub)
    analyze.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    console = make_console()
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
