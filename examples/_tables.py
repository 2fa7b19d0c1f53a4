"""Results tables of the examples: one list of row dicts, written as a CSV and as a markdown table.

The examples run as ``python examples/NAME.py``, which puts this folder on
``sys.path``, so they import ``from _tables import write_table``.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Row = Mapping[str, Any]


def columns(rows: Sequence[Row]) -> list[str]:
    """The union of the rows' keys, in the order they are first seen."""
    return list(dict.fromkeys(k for r in rows for k in r))


def format_cell(value: Any) -> str:
    """A float to 4 significant digits (``f"{value:.4g}"``), anything else as ``str(value)``."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def markdown_table(rows: Sequence[Row], title: str | None = None) -> str:
    """``rows`` as a markdown table (a row missing a column has an empty cell), preceded by the
    line ``title`` and a blank line if a title is given."""
    keys = columns(rows)
    lines = [] if title is None else [title, ""]
    lines += ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(format_cell(r.get(k, "")) for k in keys) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def write_table(rows: Sequence[Row], path: Path, *, markdown: Path | None = None, title: str | None = None) -> str:
    """Write ``rows`` to the CSV ``path`` (values at full precision) and to the markdown file
    ``markdown`` (default: ``path`` with the suffix ``.md``) as :func:`markdown_table`, and return
    the markdown."""
    keys = columns(rows)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)
    text = markdown_table(rows, title)
    (path.with_suffix(".md") if markdown is None else markdown).write_text(text)
    return text
