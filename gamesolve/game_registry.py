"""The registry of games: ready-made games found by name through entry points.

A zoo game is a module with ``make(**params) -> Game`` and a
:class:`GameSpec` named ``SPEC``, declared in a distribution's
``pyproject.toml``::

    [project.entry-points."gamesolve.games"]
    bilinear = "gamesolve_zoo.bilinear"

(gamesolve's own zoo is the folder ``games/``, installed as the package
``gamesolve_zoo``.) The engine never imports the zoo itself; this module
reads the entry-point group, so a user's own package adds games the same way.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

from .players import _available_device
from .errors import InvalidParameterError, UnknownNameError, parameter_errors

__all__ = ["GameSpec", "available_games", "game_spec", "make_game", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "gamesolve.games"


@dataclass(frozen=True)
class GameSpec:
    """A zoo game's card.

    ``params`` are the defaults of ``make``; ``equilibrium`` states the known
    equilibrium or value in words; ``solver_params`` gives keyword arguments
    for the default comparison, keyed by solver family (``"gradient"``,
    ``"finite"``, ...) or by solver name (which wins); ``steps`` and ``tol``
    are the comparison's budget; ``standard`` games are part of
    ``gamesolve compare``'s default grid (a game says so: the default is
    ``False``, so that installing a package of games leaves everyone's
    default comparison as it was). ``residual`` names a metric of
    :data:`~gamesolve.analysis.metrics.METRICS` that the comparison records
    for every solver and shows as the residual (e.g. ``"exploitability"`` for
    finite games); by default each solver's own residual is shown.
    """

    name: str
    family: str
    summary: str
    params: Mapping[str, Any] = field(default_factory=dict)
    equilibrium: str = "unknown"
    solver_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    steps: int = 1000
    tol: float = 1e-8
    standard: bool = False
    residual: str | None = None

    def params_for(self, solver: str, family: str) -> dict[str, Any]:
        """Keyword arguments for ``solver`` (of ``family``) in the default comparison."""
        return {**self.solver_params.get(family, {}), **self.solver_params.get(solver, {})}


def _modules() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _load(name: str) -> ModuleType:
    modules = _modules()
    if name not in modules:
        close = difflib.get_close_matches(name, list(modules), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known games: {', '.join(sorted(modules))}"
        raise UnknownNameError(f"unknown game {name!r}{hint}")
    return importlib.import_module(modules[name])


def available_games() -> dict[str, GameSpec]:
    """Every registered game's :class:`GameSpec`, by name."""
    return {name: _load(name).SPEC for name in sorted(_modules())}


def game_spec(name: str) -> GameSpec:
    return _load(name).SPEC


def _check_kinds(name: str, params: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
    """Refuse, in one line and before torch sees it, a value of the wrong kind for its
    default in the ``SPEC``: text or a number for a flag, text or a flag for a number, a
    fraction for an integer. Other values (``None``, sequences, tensors, ...) pass: a
    game may take a list where its default is one number (one per layer, say)."""
    for key, value in params.items():
        default = defaults.get(key)
        if isinstance(default, bool):
            wrong, kind = isinstance(value, (str, numbers.Number)) and not isinstance(value, bool), "True or False"
        elif isinstance(default, numbers.Integral):
            wrong = isinstance(value, (str, bool)) or (isinstance(value, numbers.Real)
                                                       and not isinstance(value, numbers.Integral))
            kind = "an integer"
        elif isinstance(default, numbers.Real):
            wrong, kind = isinstance(value, (str, bool)), "a number"
        else:
            continue
        if wrong:
            raise InvalidParameterError(f"game {name!r}: {key} must be {kind}, like its default {default!r}; "
                                        f"got {value!r}")


def make_game(name: str, **params: Any) -> Any:
    """Build the zoo game ``name``; unknown parameters, and values of another kind than
    the ``SPEC``'s defaults, raise :class:`InvalidParameterError` naming them."""
    module = _load(name)
    accepted = inspect.signature(module.make).parameters
    unknown = [k for k in params if k not in accepted]
    if unknown:
        raise InvalidParameterError(
            f"game {name!r} has no parameter {', '.join(map(repr, unknown))}; it takes "
            f"{', '.join(accepted) or 'no parameters'}")
    _check_kinds(name, params, module.SPEC.params)
    if params.get("device") is not None:   # before the game puts data there
        _available_device(params["device"], f"game {name!r}")
    # torch says RuntimeError to e.g. a negative size
    with parameter_errors(f"game {name!r}", params, (TypeError, ValueError, RuntimeError)):
        return module.make(**params)
