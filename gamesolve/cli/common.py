"""What the commands share: one-line user errors, ``k=v`` parameters, ``module:callable``
objects, progress flags, number formatting, the console."""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["EXIT_USAGE", "CommandError", "parse_params", "load_object", "add_progress_flags", "progress_flag",
           "float_text", "make_console"]

EXIT_USAGE = 2
WIDTH_OFF_TERMINAL = 160   # columns of output written to a file or pipe, unless COLUMNS says otherwise


class CommandError(Exception):
    """A user error that the command reports in one line (exit status 2)."""


def parse_params(items: Sequence[str] | None, flag: str) -> dict[str, Any]:
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


def load_object(spec: str, flag: str) -> Any:
    """The object named by ``"module:attr"`` (``attr`` may be dotted), as uvicorn and
    pytest name an application: ``module`` is imported with the current directory
    first on the path."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise CommandError(f"{flag} expects module:callable, got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name is None or not module_name.startswith(err.name):   # the module's own imports failed
            raise
        raise CommandError(f"{flag} {spec}: no module named {err.name!r} in {os.getcwd()} or the installed "
                           "packages") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise CommandError(f"{flag} {spec}: {module_name} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def add_progress_flags(parser: argparse.ArgumentParser) -> None:
    """``--progress`` / ``--no-progress`` and ``-q`` / ``--quiet`` (no progress bar)."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="a progress bar on stderr (default: when stderr is a terminal)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def progress_flag(args: argparse.Namespace) -> bool | None:
    """The ``progress=`` of ``gs.solve`` / ``gs.compare`` that the flags ask for (``None``: on a terminal)."""
    return False if args.quiet else args.progress


def make_console() -> Console:
    """The command's console: the terminal's width, ``COLUMNS`` when set, else
    :data:`WIDTH_OFF_TERMINAL` for output to a file or pipe."""
    from rich.console import Console

    known = sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit()
    return Console() if known else Console(width=WIDTH_OFF_TERMINAL)


def float_text(values: Sequence[float]) -> str:
    return "  ".join(f"{float(v):.10g}" for v in values)
