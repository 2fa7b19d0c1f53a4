"""Solvers by name, and the capability check that pairs solvers with games.

A game offers capabilities (``game.capabilities``: ``"gradients"``,
``"payoffs"``, ...); a solver states what it ``requires``. Pairing a solver
with a game that lacks something fails at construction with
:class:`~gamesolve.errors.IncompatibleSolverError`.

Every solver module registers its solvers here so that
``gs.solve(game, "ogda", lr=0.1)`` and ``gamesolve solve GAME --solver ogda``
reach them by name.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import IncompatibleSolverError, UnknownNameError, parameter_errors

__all__ = ["SolverSpec", "register_solver", "solver_names", "get_solver_spec", "make_solver",
           "check_capabilities"]


@dataclass(frozen=True)
class SolverSpec:
    """A registered solver: ``factory(game, **params)`` builds it."""

    name: str
    factory: Callable[..., Any]
    summary: str
    requires: frozenset[str]
    family: str


_REGISTRY: dict[str, SolverSpec] = {}


def register_solver(name: str, factory: Callable[..., Any], *, summary: str,
                    requires: Iterable[str], family: str) -> None:
    """Make ``factory`` reachable as ``gs.solve(game, name, **params)``."""
    if name in _REGISTRY and _REGISTRY[name].factory is not factory:
        raise ValueError(f"solver name {name!r} is already registered")
    _REGISTRY[name] = SolverSpec(name, factory, summary, frozenset(requires), family)


def solver_names(family: str | None = None) -> list[str]:
    """Registered solver names, optionally of one family (``"gradient"``, ``"finite"``, ...)."""
    return [n for n, s in _REGISTRY.items() if family is None or s.family == family]


def get_solver_spec(name: str) -> SolverSpec:
    """The :class:`SolverSpec` registered as ``name``; an unknown name raises :class:`UnknownNameError` with close matches."""
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known solvers: {', '.join(sorted(_REGISTRY))}"
        raise UnknownNameError(f"unknown solver {name!r}{hint}") from None


def make_solver(name: str, game: Any, **params: Any) -> Any:
    """Build the solver registered as ``name`` for ``game``; parameters it
    cannot take raise :class:`InvalidParameterError` naming the solver."""
    spec = get_solver_spec(name)
    check_capabilities(game, spec.requires, name)
    with parameter_errors(f"solver {name!r}", params):
        return spec.factory(game, **params)


def check_capabilities(game: Any, requires: Iterable[str], who: str) -> None:
    """Raise :class:`IncompatibleSolverError` if ``game`` lacks a capability ``who`` needs."""
    offered = frozenset(getattr(game, "capabilities", ()))
    missing = frozenset(requires) - offered
    if missing:
        raise IncompatibleSolverError(
            f"{who} needs {', '.join(sorted(missing))}, but {type(game).__name__} offers "
            f"{', '.join(sorted(offered)) or 'nothing'}; choose a solver that works with what the game offers "
            "(`gamesolve solvers` lists what each needs)"
        )
