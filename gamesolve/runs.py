"""The records of a run: :class:`Result`, what a callback sees
(:class:`SolveState`), and checkpoints on disk.

A checkpoint holds everything an exact resumption needs: the step, the
game's and the solver's ``state_dict()`` and the trajectory so far. It is
written atomically (to a temporary file, then renamed), so an interrupted
write never leaves a broken checkpoint behind. It holds only tensors,
numbers, strings and plain containers (numpy arrays are stored as tensors
and given back as arrays), and is read with ``torch.load(weights_only=True)``,
which runs no code: a file holding any other pickled object is refused, so a
checkpoint from someone else is safe to open.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from .analysis.trajectory import Trajectory
from .errors import GameError

__all__ = ["Result", "SolveState", "Callback", "write_checkpoint", "read_checkpoint", "restore_checkpoint",
           "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = "gamesolve-checkpoint-2"
_ARRAY = "__numpy_array__"    # the key that marks a numpy array stored as a tensor


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


def _plain(value: Any, where: str) -> Any:
    """``value`` with numpy arrays and scalars made tensors and Python numbers; anything that is
    not a tensor, number, string, ``None`` or a list / tuple / dict of them is refused."""
    if value is None or isinstance(value, (bool, int, float, str, torch.Tensor)):
        return value
    if isinstance(value, np.ndarray):
        return {_ARRAY: torch.from_numpy(np.ascontiguousarray(value))}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v, f"{where}[{k}]") for k, v in enumerate(value))
    if isinstance(value, dict):
        return {k: _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    raise GameError(f"checkpoint: {where} is a {type(value).__name__}; a checkpoint holds only tensors, numbers, "
                    "strings and lists / tuples / dicts of them (numpy arrays are converted), so that it loads "
                    "with torch.load(weights_only=True); make the state_dict() return such values")


def _restored(value: Any) -> Any:
    """Undo :func:`_plain`: tensors stored for numpy arrays become arrays again."""
    if isinstance(value, dict):
        if set(value) == {_ARRAY}:
            return value[_ARRAY].numpy()
        return {k: _restored(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_restored(v) for v in value)
    return value


def write_checkpoint(path: str | os.PathLike, step: int, game: Any, solver: Any, trajectory: Trajectory) -> Path:
    """Write a checkpoint of the run at ``step`` to ``path``, atomically; return the path."""
    state = _plain({"format": CHECKPOINT_FORMAT, "step": step, "game": game.state_dict(),
                    "solver": solver.state_dict(), "trajectory": trajectory.state_dict()}, "the state")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """A checkpoint's contents (``format``, ``step``, ``game``, ``solver``, ``trajectory``), read
    with ``torch.load(weights_only=True)``: a file holding any other object is refused."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise GameError(f"{path}: refused: the file holds a pickled object that is not a tensor, number, string or "
                        "plain container, and gamesolve loads checkpoints with torch.load(weights_only=True), which "
                        f"runs no code ({str(err).splitlines()[0]})") from None
    except (OSError, RuntimeError) as err:
        raise GameError(f"{path} is not a readable checkpoint: {err}") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise GameError(f"{path} is not a gamesolve checkpoint (format {CHECKPOINT_FORMAT})")
    return _restored(state)


def restore_checkpoint(path: str | os.PathLike, game: Any, solver: Any) -> tuple[int, Trajectory]:
    """Load a checkpoint into ``game`` and ``solver``; return its step and trajectory."""
    state = read_checkpoint(path)
    game.load_state_dict(state["game"])
    solver.load_state_dict(state["solver"])
    return int(state["step"]), Trajectory.from_state_dict(state["trajectory"])
