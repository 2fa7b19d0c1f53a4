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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import UnknownNameError, parameter_errors
from ..protocol import check_capabilities

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


def _declared_requires(factory: Callable[..., Any]) -> frozenset[str]:
    """What a solver class declares it needs (``factory``: a class, a ``functools.partial`` of one,
    or one of its classmethods)."""
    cls = getattr(factory, "func", factory)             # a functools.partial of a class
    cls = getattr(cls, "__self__", cls)                 # a classmethod bound to its class
    requires = getattr(cls, "requires", None)
    if not isinstance(requires, frozenset):
        raise TypeError(f"register_solver: {factory!r} declares no `requires` (a frozenset of capabilities); "
                        "register the solver class, or a functools.partial of it")
    return requires


def register_solver(name: str, factory: Callable[..., Any], *, summary: str, family: str) -> None:
    """Make ``factory`` (a solver class, a ``functools.partial`` of one or one of
    its classmethods) reachable as ``gs.solve(game, name, **params)``; what it
    needs is the class's ``requires``."""
    if name in _REGISTRY and _REGISTRY[name].factory is not factory:
        raise ValueError(f"solver name {name!r} is already registered")
    _REGISTRY[name] = SolverSpec(name, factory, summary, _declared_requires(factory), family)


def solver_names(family: str | None = None) -> list[str]:
    """Registered solver names, optionally of one family (``"gradient"``, ``"finite"``, ...)."""
    return [n for n, s in _REGISTRY.items() if family is None or s.family == family]


def get_solver_spec(name: str) -> SolverSpec:
    """The :class:`SolverSpec` registered as ``name``; an unknown name raises
    :class:`UnknownNameError` with close matches."""
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
