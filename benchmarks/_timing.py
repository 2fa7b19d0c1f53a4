"""Interleaved timing shared by the benchmarks: peers measured in the same run.

Blocks of steps of every contender run in turn, the order reversed every other
block, so that load on the machine (other processes, thermal state) hits them
alike; each contender's time per step is the median over blocks.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping


def interleaved(runs: Mapping[str, Callable[[int], object]], blocks: int, steps: int, *, warmup: int = 5,
                sync: Callable[[], object] | None = None,
                on_block: Callable[[int], object] | None = None) -> dict[str, float]:
    """Median seconds per step of each ``runs[name](steps)``; ``sync`` (e.g.
    ``torch.cuda.synchronize``) is called around every timed block."""
    for run in runs.values():
        run(warmup)
    times: dict[str, list[float]] = {k: [] for k in runs}
    for b in range(blocks):
        for k in (list(runs) if b % 2 == 0 else list(reversed(runs))):
            if sync is not None:
                sync()
            start = time.perf_counter()
            runs[k](steps)
            if sync is not None:
                sync()
            times[k].append((time.perf_counter() - start) / steps)
        if on_block is not None:
            on_block(b)
    return {k: statistics.median(v) for k, v in times.items()}
