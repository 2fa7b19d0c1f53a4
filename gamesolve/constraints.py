"""Constrained problems: ``min_x f(x)`` subject to named constraints ``g(x) <= t`` or ``h(x) = t``.

A :class:`Constraint` is a function of the primal strategy (optionally of a
batch) with a kind, a target, an optional differentiable *proxy* (Cotter et
al. 2019) and, for many entries of which each evaluation observes a few, an
indexed form returning :class:`ConstraintValue`. A :class:`ConstrainedProblem`
is the objective, the constraints and the primal player; its Lagrangian game
is :class:`~gamesolve.lagrangian.LagrangianGame`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from .errors import GameError, InvalidParameterError, ShapeError
from .players import Player

__all__ = ["Constraint", "ConstraintValue", "ConstrainedProblem", "KINDS"]

KINDS = ("<=", "==")


class ConstraintValue(NamedTuple):
    """What a constraint function may return instead of a plain tensor.

    ``value``: the constraint's true value (drives the multipliers; need not be
    differentiable). ``proxy``: a differentiable surrogate of the same shape
    used for the primal gradient. ``indices``: for an indexed constraint, the
    (long, 1-D) indices of the multipliers that ``value`` (1-D, same length)
    belongs to.
    """

    value: Tensor
    proxy: Tensor | None = None
    indices: Tensor | None = None


class Constraint:
    """One named constraint ``fn(x) - target <= 0`` (``kind="<="``) or ``== 0`` (``kind="=="``).

    ``fn`` receives the primal strategy (a tensor, list of tensors or the
    ``nn.Module``), and the batch when the problem draws one, and returns a
    tensor of ``shape`` (``()``, a scalar, by default; ``shape=k`` or ``(k,)``
    gives one multiplier per entry) or a :class:`ConstraintValue`; ``fn=None``
    when an overridden :meth:`ConstrainedProblem.evaluate` computes the value.
    ``proxy`` is
    a function like ``fn`` giving a differentiable surrogate for the primal
    gradient (alternatively return ``ConstraintValue(value, proxy=...)``).
    ``indexed=True`` declares ``shape = (N,)`` multipliers of which each
    evaluation observes the entries named by ``ConstraintValue.indices``.
    """

    def __init__(self, name: str, fn: Callable[..., Any] | None = None, kind: str = "<=",
                 target: float | Tensor = 0.0, *,
                 shape: int | Sequence[int] = (), proxy: Callable[..., Tensor] | None = None,
                 indexed: bool = False):
        if not isinstance(name, str) or not name:
            raise InvalidParameterError(f"a constraint needs a non-empty string name, got {name!r}")
        self.name = name
        if fn is not None and not callable(fn):
            raise InvalidParameterError(f"constraint {name!r}: fn must be callable or None, got {fn!r}")
        if proxy is not None and not callable(proxy):
            raise InvalidParameterError(f"constraint {name!r}: proxy must be callable or None, got {proxy!r}")
        if kind not in KINDS:
            hint = " (write g >= t as -g <= -t)" if kind == ">=" else ""
            raise InvalidParameterError(
                f"constraint {name!r}: unknown kind {kind!r}; expected '<=' (inequality) or '==' (equality){hint}")
        self.fn, self.proxy, self.kind = fn, proxy, kind
        try:
            self.shape = torch.Size((shape,) if isinstance(shape, int) else tuple(shape))
        except TypeError:
            raise InvalidParameterError(f"constraint {name!r}: shape must be an int or a tuple of ints, "
                                        f"got {shape!r}") from None
        self.indexed = bool(indexed)
        if self.indexed and len(self.shape) != 1:
            raise InvalidParameterError(
                f"constraint {name!r}: an indexed constraint needs shape=N (its number of multipliers), "
                f"got shape {tuple(self.shape)}")
        target_t = torch.as_tensor(target, dtype=torch.float64)
        if not bool(torch.isfinite(target_t).all()):
            raise InvalidParameterError(f"constraint {name!r}: target must be finite, got {target!r}")
        try:
            torch.broadcast_shapes(target_t.shape, self.shape)
        except RuntimeError:
            raise ShapeError(f"constraint {name!r}: target of shape {tuple(target_t.shape)} does not broadcast "
                             f"to the constraint's shape {tuple(self.shape)}") from None
        self.target = target_t
        self.zero_target = not bool(target_t.any())
        self._target_cache: tuple[torch.dtype, torch.device, Tensor] | None = None

    @property
    def inequality(self) -> bool:
        return self.kind == "<="

    def target_like(self, value: Tensor) -> Tensor:
        """The target on ``value``'s dtype and device (converted once and cached)."""
        cache = self._target_cache
        if cache is None or cache[0] != value.dtype or cache[1] != value.device:
            cache = (value.dtype, value.device, self.target.to(dtype=value.dtype, device=value.device))
            self._target_cache = cache
        return cache[2]

    def __repr__(self) -> str:
        shape = "" if not self.shape else f", shape={tuple(self.shape)}"
        extra = (", proxy" if self.proxy is not None else "") + (", indexed" if self.indexed else "")
        return f"Constraint({self.name!r}, {self.kind} {self.target.tolist()}{shape}{extra})"


_FAILURES = (RuntimeError, IndexError, ValueError, TypeError)


def _shapes(player: Player) -> str:
    return "/".join(str(tuple(t.shape)) for t in player.params)


class ConstrainedProblem:
    """``min_x objective(x)`` subject to ``constraints``, over the ``primal`` player.

    ``primal`` is a :class:`~gamesolve.Player`, or a tensor / ``nn.Module`` /
    list of tensors that becomes ``Player("x", primal, device=device, dtype=dtype)``. ``sample``, when
    given, draws a batch from a ``torch.Generator`` before each evaluation and
    every function is then called as ``fn(x, batch)`` instead of ``fn(x)``.

    To share one forward pass between the objective and the constraints,
    subclass and override :meth:`evaluate` (``objective`` and the constraints'
    ``fn`` may then be ``None``).
    """

    def __init__(self, objective: Callable[..., Tensor] | None, constraints: Sequence[Constraint],
                 primal: Player | Tensor | nn.Module | Sequence[Tensor], *,
                 sample: Callable[[torch.Generator], Any] | None = None,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None):
        if objective is not None and not callable(objective):
            raise InvalidParameterError(f"the objective must be callable (or None with evaluate overridden), "
                                        f"got {objective!r}")
        constraints = list(constraints)
        if not constraints:
            raise InvalidParameterError("a constrained problem needs at least one Constraint; "
                                        "an unconstrained one is a plain minimisation")
        bad = [c for c in constraints if not isinstance(c, Constraint)]
        if bad:
            raise InvalidParameterError(f"constraints must be gamesolve Constraint objects, got {bad[0]!r}")
        names = [c.name for c in constraints]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise InvalidParameterError(f"constraint names must be unique; {', '.join(map(repr, dup))} repeats")
        self.objective = objective
        self.constraints = constraints
        if isinstance(primal, Player) and (device is not None or dtype is not None):
            raise InvalidParameterError("device and dtype apply to a primal given as a tensor or module; "
                                        "a Player already has its own (Player(..., device=, dtype=))")
        self.primal = primal if isinstance(primal, Player) else Player("x", primal, device=device, dtype=dtype)
        self.sample = sample

    def evaluate(self, batch: Any = None) -> tuple[Tensor, dict[str, Tensor | ConstraintValue]]:
        """The objective and each constraint's raw value (before the target is
        subtracted) at the current primal strategy, by constraint name."""
        args = (self.primal.value,) if self.sample is None else (self.primal.value, batch)
        if self.objective is None:
            raise GameError(f"{type(self).__name__} has no objective; give one, or override evaluate")
        try:
            objective = self.objective(*args)
        except _FAILURES as err:
            if isinstance(err, GameError):
                raise
            raise ShapeError(f"evaluating the objective failed on the primal strategy "
                             f"(shapes {_shapes(self.primal)}): {err}") from err
        values: dict[str, Tensor | ConstraintValue] = {}
        for c in self.constraints:
            if c.fn is None:
                raise GameError(f"constraint {c.name!r} has no fn; give it one, or override "
                                f"{type(self).__name__}.evaluate to compute its value")
            try:
                raw = c.fn(*args)
                if c.proxy is not None:
                    raw = ConstraintValue(raw.value if isinstance(raw, ConstraintValue) else raw, c.proxy(*args),
                                          raw.indices if isinstance(raw, ConstraintValue) else None)
            except _FAILURES as err:
                if isinstance(err, GameError):
                    raise
                raise ShapeError(f"constraint {c.name!r}: evaluating it failed on the primal strategy "
                                 f"(shapes {_shapes(self.primal)}): {err}") from err
            values[c.name] = raw
        return objective, values
