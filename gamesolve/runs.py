"""The records of a run: :class:`Result`, what a callback sees
(:class:`SolveState`), and checkpoints on disk.

A checkpoint holds everything an exact resumption needs: the step, the
game's and the solver's ``state_dict()`` and the trajectory so far. It is
written atomically (to a temporary file, then renamed), so an interrupted
write never leaves a broken checkpoint behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import torch

from .analysis.trajectory import Trajectory
from .errors import GameError

__all__ = ["Result", "SolveState", "Callback", "write_checkpoint", "read_checkpoint", "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = "gamesolve-checkpoint-1"


@dataclass
class Result:
    """What a run produced.

    ``strategies`` has one entry per player (a tensor for a tensor player, a
    list of tensors for a network player; numpy arrays for finite-game
    solvers). Solvers that find several equilibria list them all in
    ``equilibria`` (``strategies`` is the first), as
    :class:`~gamesolve.exact.Equilibrium` pairs that carry their exact form
    and exact regret; ``certified`` says that every one is an exact
    equilibrium of the game as given (iterative solvers' answers are
    approximate: ``certified`` is False). ``converged`` says whether
    the stopping criterion was met and ``reason`` says why the run ended.
    ``error`` holds the :class:`NonFiniteError` of a run that hit NaN/inf and
    was asked to report rather than raise.
    """

    strategies: tuple[Any, ...]
    trajectory: Trajectory = field(default_factory=Trajectory)
    converged: bool = False
    reason: str = ""
    wall_time: float = 0.0
    steps: int = 0
    solver: str = ""
    game: str = ""
    equilibria: list[tuple[Any, Any]] | None = None
    certified: bool = False
    value: float | None = None
    error: GameError | None = None
    checkpoint: Path | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"Result(game={self.game!r}, solver={self.solver!r}, steps={self.steps}, converged={self.converged}, "
                f"reason={self.reason!r}, wall_time={self.wall_time:.3g}s)")


class SolveState(NamedTuple):
    """What a callback receives after every step; a callback returning ``True`` stops the run."""

    step: int
    metrics: Mapping[str, float]
    game: Any
    solver: Any
    trajectory: Trajectory


Callback = Callable[[SolveState], Any]


def write_checkpoint(path: str | os.PathLike, step: int, game: Any, solver: Any, trajectory: Trajectory) -> Path:
    """Write a checkpoint of the run at ``step`` to ``path``, atomically; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"format": CHECKPOINT_FORMAT, "step": step, "game": game.state_dict(),
                "solver": solver.state_dict(), "trajectory": trajectory.state_dict()}, tmp)
    os.replace(tmp, path)
    return path


def read_checkpoint(path: str | os.PathLike, game: Any, solver: Any) -> tuple[int, Trajectory]:
    """Load a checkpoint into ``game`` and ``solver``; return its step and trajectory."""
    state = torch.load(path, weights_only=False)
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise GameError(f"{path} is not a gamesolve checkpoint")
    game.load_state_dict(state["game"])
    solver.load_state_dict(state["solver"])
    return int(state["step"]), Trajectory.from_state_dict(state["trajectory"])
