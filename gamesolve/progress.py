"""The progress bar of a run (rich), refreshed at most ten times a second."""

from __future__ import annotations

import time
from collections.abc import Mapping

__all__ = ["Progress"]


class Progress:
    """A rich progress bar refreshed at most ~10 times a second."""

    def __init__(self, enabled: bool, total: int, start: int, label: str):
        self.bar = None
        if not enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), TextColumn("{task.fields[info]}"), transient=False)
        self.bar.start()
        self.task = self.bar.add_task(label, total=total, completed=start, info="")
        self._last = 0.0

    def update(self, completed: int, metrics: Mapping[str, float], force: bool = False) -> None:
        if self.bar is None:
            return
        now = time.perf_counter()
        if force or now - self._last > 0.1:
            info = "  ".join(f"{k}={v:.3g}" for k, v in list(metrics.items())[:4])
            self.bar.update(self.task, completed=completed, info=info)
            self._last = now

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
