"""Helpers shared by the zoo's matrix games."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def start(x0: Sequence[float] | None, default: Sequence[float]) -> np.ndarray:
    """The starting mixed strategy of a zoo game: ``x0`` or the game's default."""
    return np.asarray(default if x0 is None else x0, dtype=np.float64)


def pair(x: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
