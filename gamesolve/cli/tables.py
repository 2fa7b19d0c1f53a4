"""Tables that fit the terminal, shortened by rule rather than truncated.

Numbers arrive already in 3 significant digits (``comparison.format_value``)
and are never cut. When the table is wider than the terminal:

1. column titles are abbreviated (``final distance`` -> ``dist``) and the
   abbreviations are explained in a legend under the table;
2. if that is not enough, text columns (names) wrap, at hyphens and spaces
   only: each keeps at least its longest unbreakable piece and the width
   left over is shared in proportion to what each one lacks.

Below the width where the pieces fit (about 60 columns for the comparison)
rich squeezes the table as it would any other.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

from rich import box
from rich.table import Table

from ..comparison import Column

__all__ = ["fitted_table", "table_width"]


BOX = box.SIMPLE_HEAD   # a rule under the header and a blank line between sections; columns two spaces apart


def table_width(widths: Sequence[int]) -> int:
    """Rendered width of a :func:`fitted_table` whose columns have ``widths``:
    two spaces between neighbours (the box's blank separator and a left padding)."""
    return sum(widths) + 2 * (len(widths) - 1)


def _pieces(text: str) -> list[str]:
    """``text`` cut after each hyphen and at spaces: the pieces wrapping may not break."""
    return textwrap.wrap(text, 1, break_long_words=False, break_on_hyphens=True) or [""]


def _widths(columns: Sequence[Column], cells: Sequence[Mapping[str, str]], titles: Mapping[str, str],
            width: int) -> dict[str, int]:
    """Each column's width: the widest cell or title, text columns narrowed (rule 2) to fit ``width``."""
    want = {c.key: max([len(titles[c.key])] + [len(r[c.key]) for r in cells]) for c in columns}
    excess = table_width(list(want.values())) - width
    if excess <= 0:
        return want
    text = [c.key for c in columns if not c.numeric]
    least = {k: max([len(titles[k])] + [len(p) for r in cells for p in _pieces(r[k])]) for k in text}
    room = sum(want[k] for k in text) - excess             # width the text columns may have together
    spare = room - sum(least.values())
    lack = sum(want[k] - least[k] for k in text)
    out = dict(want)
    for k in text:
        out[k] = least[k] + (spare * (want[k] - least[k]) // lack if spare > 0 else 0)
    return out


def fitted_table(columns: Sequence[Column], cells: Sequence[Mapping[str, str]], width: int,
                 title: str | None = None, group: str | None = None) -> tuple[Table, list[Column]]:
    """A rich table of ``cells`` (one mapping column key -> text per row) at most ``width``
    characters wide when the text columns' pieces allow it; returns the table and the
    columns whose titles it abbreviated, for the legend. Rows with the same value in
    column ``group`` (consecutive) form a section that shows that value once."""
    fits = table_width([max([len(c.title)] + [len(r[c.key]) for r in cells]) for c in columns]) <= width
    titles = {c.key: c.title if fits else c.short for c in columns}
    widths = _widths(columns, cells, titles, width)
    table = Table(title=title, box=BOX, show_edge=False, pad_edge=False, padding=(0, 0, 0, 1))
    for c in columns:
        table.add_column(titles[c.key], justify="right" if c.numeric else "left", width=widths[c.key],
                         no_wrap=True)
    for k, row in enumerate(cells):
        shown = {**row, group: ""} if group and k and cells[k - 1][group] == row[group] else row
        last = group is not None and (k + 1 == len(cells) or cells[k + 1][group] != row[group])
        table.add_row(*(shown[c.key] if c.numeric else "\n".join(
            textwrap.wrap(shown[c.key], widths[c.key], break_long_words=False, break_on_hyphens=True) or [""])
                        for c in columns), end_section=last)
    return table, [c for c in columns if titles[c.key] != c.title]
