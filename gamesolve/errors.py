"""Exceptions raised by gamesolve.

Every error the library raises on purpose is a :class:`GameError`, and its
message says what was given, what was expected and what to do about it.
The subclasses also derive from the matching builtin (``ValueError``,
``TypeError``, ...) so that generic ``except ValueError`` code keeps working.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any


class GameError(Exception):
    """Base class of every error gamesolve raises on purpose."""


class ShapeError(GameError, ValueError):
    """A tensor has the wrong shape: a loss that is not a scalar, players whose
    strategies do not fit the loss, a payoff matrix that is not 2-D, ..."""


class DTypeError(ShapeError):
    """Tensors of different dtypes meet where torch needs one: e.g. a float32
    player and a float64 player in one loss."""


class DomainError(GameError, ValueError):
    """A strategy lies outside its player's domain, or a computation needs a
    bounded domain (a duality gap, a linear minimisation oracle) and got an
    unbounded one."""


class NonFiniteError(GameError, FloatingPointError):
    """A strategy, loss or gradient became NaN or infinite.

    ``step`` is the solver step at which it was detected (``None`` when raised
    before any step, e.g. for a non-finite initial strategy).
    """

    def __init__(self, message: str, step: int | None = None):
        super().__init__(message)
        self.step = step


class InvalidParameterError(GameError, ValueError):
    """A hyper-parameter is out of range: a negative step size, an unknown
    option, a count that must be positive."""


class IncompatibleSolverError(GameError, TypeError):
    """A solver was paired with a game that lacks a capability it needs
    (gradients, payoff matrices, best-response oracles, ...)."""


class DegenerateGameError(GameError, ValueError):
    """A method that is only correct on non-degenerate games met a degenerate
    one and refuses rather than return an incomplete answer."""


class NfgParseError(GameError, ValueError):
    """A Gambit ``.nfg`` file that cannot be read: ``line`` and ``column``
    (1-based) point at the offending token, ``path`` names the file."""

    def __init__(self, message: str, line: int, column: int, path: str | None = None):
        where = f"{path or '<nfg>'}:{line}:{column}"
        super().__init__(f"{where}: {message}")
        self.line, self.column, self.path = line, column, path


class MissingDependencyError(GameError, ImportError):
    """An optional feature needs a package that is not installed (e.g.
    TensorBoard logging needs ``tensorboard``); the message names it."""


class UnknownNameError(GameError, KeyError):
    """A game or solver name that no registry knows, or a group id that a
    reference (e.g. :class:`gamesolve.addons.fairness.DisparateImpact`) never saw."""

    def __str__(self) -> str:  # KeyError quotes its message; we do not
        return str(self.args[0]) if self.args else ""


@contextmanager
def parameter_errors(who: str, params: Mapping[str, Any],
                     catch: tuple[type[Exception], ...] = (TypeError, ValueError)) -> Iterator[None]:
    """Re-raise what ``catch`` names, from building ``who`` out of ``params``, as an
    :class:`InvalidParameterError` that shows them (a :class:`GameError` passes
    through: it already says what is wrong)."""
    try:
        yield
    except catch as err:
        if isinstance(err, GameError):
            raise
        raise InvalidParameterError(f"{who}: bad parameters {dict(params)}: {err}") from err


__all__ = [
    "GameError",
    "ShapeError",
    "DomainError",
    "NonFiniteError",
    "InvalidParameterError",
    "IncompatibleSolverError",
    "DegenerateGameError",
    "NfgParseError",
    "UnknownNameError",
    "MissingDependencyError",
]
