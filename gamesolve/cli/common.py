"""What the commands share: one-line user errors, ``k=v`` parameters, number formatting."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

__all__ = ["EXIT_USAGE", "CommandError", "parse_params", "float_text"]

EXIT_USAGE = 2


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


def float_text(values: Sequence[float]) -> str:
    return "  ".join(f"{float(v):.10g}" for v in values)
