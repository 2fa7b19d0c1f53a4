"""The progress bars of ``gs.solve`` and ``gs.compare`` (rich, on stderr).

Two lines, so that nothing the user needs is crowded out at 80 columns:

    ogda on bilinear ━━━━━━━━━━━━━━━━━━╺━━━━━━━━━━━━━  1234/2000 elapsed 0:00:03 ETA 0:00:02
      grad_norm=3.1e-6  distance=1.2e-6

The first line is the label, the bar (it takes the width the rest leaves),
steps (or runs) done / total and the elapsed and remaining time, each
labelled; the label keeps at most LABEL_WIDTH characters. The
second line is what is going on: a run's latest metrics, as many as fit,
or the (game, solver) pair a comparison is running. Rich is imported only
when a bar is shown; a bar refreshes at most ten times a second.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

__all__ = ["Progress", "metrics_text"]

REFRESH = 0.1   # seconds between two redraws of the bar (update's force=True ignores it)


def metrics_text(metrics: Mapping[str, float], width: int) -> str:
    """``"  k=v  k=v"``: the metrics (3 significant digits) that fit in ``width`` characters, in order."""
    text = ""
    for key, value in metrics.items():
        item = f"  {key}={value:.3g}"
        if len(text) + len(item) > width:
            break
        text += item
    return text


def _bar(label_width: int) -> Any:
    """A rich ``Progress`` whose tasks draw as the two lines described in the module docstring."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.progress import Progress as RichProgress
    from rich.table import Column
    from rich.text import Text

    class TwoLines(RichProgress):
        def get_renderables(self) -> Any:
            yield self.make_tasks_table(self.tasks)
            for task in self.tasks:
                note = task.fields.get("note", "")
                yield Text(note if isinstance(note, str) else metrics_text(note, self.console.width - 1),
                           no_wrap=True, overflow="ellipsis")

    return TwoLines(
        TextColumn("{task.description}",
                   table_column=Column(no_wrap=True, overflow="ellipsis", max_width=label_width)),
        BarColumn(bar_width=None, table_column=Column(ratio=1)),
        MofNCompleteColumn(table_column=Column(no_wrap=True)),
        TextColumn("elapsed", table_column=Column(no_wrap=True)), TimeElapsedColumn(),
        TextColumn("ETA", table_column=Column(no_wrap=True)), TimeRemainingColumn(),
        console=Console(stderr=True), expand=True, transient=False)


class Progress:
    """A progress bar of ``total`` steps (or runs), starting at ``start``; a no-op unless ``enabled``.

    ``update(completed, metrics)`` moves a run's bar and shows its metrics;
    ``show(completed, note)`` moves the bar and shows ``note`` (a comparison's
    current game x solver), and may correct ``total``.
    """

    LABEL_WIDTH = 24   # characters of the label kept on the first line

    def __init__(self, enabled: bool, total: int, start: int = 0, label: str = ""):
        self.bar: Any = None
        self._last = 0.0
        if not enabled:
            return
        self.bar = _bar(self.LABEL_WIDTH)
        self.bar.start()
        self.task = self.bar.add_task(label, total=total, completed=start, note="")

    def update(self, completed: int, metrics: Mapping[str, float], force: bool = False) -> None:
        """Move to ``completed`` and show ``metrics``, unless the bar was drawn less than
        :data:`REFRESH` seconds ago (``force`` draws anyway)."""
        if self.bar is None:
            return
        now = time.perf_counter()
        if force or now - self._last > REFRESH:
            self.bar.update(self.task, completed=completed, note=dict(metrics))
            self._last = now

    def show(self, completed: int, note: str, total: int | None = None) -> None:
        """Move to ``completed`` (of ``total``, if given) and show ``note``, now."""
        if self.bar is not None:
            self.bar.update(self.task, completed=completed, note=note, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
