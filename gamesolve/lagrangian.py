"""Constrained problems as two-player games.

A constrained problem ``min_x f(x) s.t. g(x) <= 0, h(x) = 0`` is the game

    min_x max_{lambda >= 0, mu}  L(x, lambda, mu) = f(x) + <lambda, g(x)> + <mu, h(x)>

between the *primal* player (the model) and the *dual* player (one multiplier
per constraint entry; ``NonNegative`` for inequalities, ``Reals`` for
equalities). As in every gamesolve game each player minimises its own loss:

- primal: ``f(x) + <lambda, g~(x)> + <mu, h~(x)>`` (+ the augmented terms below),
  with ``g~`` the constraint's *proxy* when it has one (a differentiable
  surrogate, Cotter et al. 2019), else ``g`` itself;
- dual: ``-<lambda, g(x)> - <mu, h(x)>`` with the *true* values, so that its
  gradient is minus the constraint violation and descending it is ascending
  ``L``; projection onto ``lambda >= 0`` is the domain's job.

``formulation="augmented"`` adds the penalty of Powell-Hestenes-Rockafellar
(Nocedal & Wright 2006, eq. 17.65) to the primal loss, with ``c >= 0``:

    equality:    mu h + c/2 h^2
    inequality:  psi(g, lambda, c) = lambda g + c/2 g^2      if lambda + c g >= 0
                                   = -lambda^2 / (2c)        otherwise,

whose gradient in ``x`` is ``max(lambda + c g, 0) grad g``; written this way
``c = 0`` is the plain Lagrangian, not ``0/0``. The multipliers still follow
the violation, so gradient ascent with step ``c`` on the dual player after each
primal step is the method of multipliers ``lambda <- max(lambda + c g, 0)``.

Indexed constraints (``Constraint(..., shape=N, indexed=True)``) have ``N``
multipliers of which each evaluation observes a few: the constraint returns
``ConstraintValue(values, indices=...)`` and the dual player's gradient is a
sparse tensor on the observed entries, so stateful multiplier optimizers
(:class:`~gamesolve.NuPI`, momentum) leave the unobserved ones untouched.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import torch
from torch import Tensor

from .constraints import ConstrainedProblem, Constraint, ConstraintValue
from .core import Evaluation, Game, _grad, all_finite
from .domains import NonNegative, Reals
from .errors import (
    DomainError,
    GameError,
    InvalidParameterError,
    NonFiniteError,
    ShapeError,
)
from .players import Player

__all__ = ["LagrangianGame", "KKTTerms", "FORMULATIONS"]

FORMULATIONS = ("lagrangian", "augmented")


def _inner(a: Tensor, b: Tensor) -> Tensor:
    """``sum(a * b)`` in one kernel where the shapes allow."""
    if a.dim() == 0:
        return a * b
    if a.dim() == 1:
        return torch.dot(a, b)
    return (a * b).sum()


class _Observed(NamedTuple):
    """One constraint at the current strategies: violation ``value - target``
    (true), the primal's term (proxy - target, or the same), observed indices."""

    violation: Tensor
    primal: Tensor
    indices: Tensor | None


class KKTTerms(NamedTuple):
    """What the KKT residuals are made of, at one batch (see :func:`gamesolve.kkt_residuals`).

    ``gradient``: ``grad_x (f + sum lambda g~)`` per primal tensor; ``violations``
    and ``multipliers``: per constraint, the observed violations and their
    multipliers; ``all_multipliers``: every multiplier of each constraint.
    """

    primal: Player
    gradient: list[Tensor]
    kinds: list[str]
    names: list[str]
    violations: list[Tensor]
    multipliers: list[Tensor]
    all_multipliers: list[Tensor]


class LagrangianGame(Game):
    """The Lagrangian game of a :class:`ConstrainedProblem` (module docstring).

    Player 1 is ``problem.primal``; player 2 (``"multipliers"``) holds one
    tensor per constraint, shaped like the constraint, in ``NonNegative`` for
    ``"<="`` and ``Reals`` for ``"=="``, starting at ``multipliers[name]`` or 0.
    ``penalty`` (``formulation="augmented"`` only; default 1.0) is one ``c >= 0``
    or one per constraint name; it lives in ``game.penalty`` and may be changed
    between steps. ``seed`` seeds the batch generator of a stochastic problem.
    The dual player's dtype and device follow the primal's unless ``dtype`` is given.
    """

    capabilities = frozenset({"gradients", "multipliers"})

    def __init__(self, problem: ConstrainedProblem, formulation: str = "lagrangian",
                 penalty: float | Mapping[str, float] | None = None, *,
                 multipliers: Mapping[str, float | Tensor] | None = None, seed: int = 0,
                 dtype: torch.dtype | None = None, name: str | None = None, validate: bool = True):
        if not isinstance(problem, ConstrainedProblem):
            raise InvalidParameterError(f"LagrangianGame needs a ConstrainedProblem, got {type(problem).__name__}")
        if formulation not in FORMULATIONS:
            raise InvalidParameterError(
                f"unknown formulation {formulation!r}; expected one of {', '.join(map(repr, FORMULATIONS))}")
        if formulation == "lagrangian" and penalty is not None:
            raise InvalidParameterError("penalty only applies to formulation='augmented'; "
                                        "drop it or choose the augmented Lagrangian")
        self.problem = problem
        self.constraints = problem.constraints
        self.formulation = formulation
        primal = problem.primal
        dtype = dtype if dtype is not None else primal.dtype
        inits = dict(multipliers or {})
        unknown = sorted(set(inits) - {c.name for c in self.constraints})
        if unknown:
            raise InvalidParameterError(f"multipliers given for unknown constraints {unknown}; "
                                        f"the constraints are {[c.name for c in self.constraints]}")
        tensors, domains = [], []
        for c in self.constraints:
            init = torch.zeros(c.shape, dtype=dtype, device=primal.device)
            if c.name in inits:
                given = torch.as_tensor(inits[c.name], dtype=dtype, device=primal.device)
                try:
                    init = init + given
                except RuntimeError:
                    raise ShapeError(f"constraint {c.name!r}: initial multiplier of shape {tuple(given.shape)} "
                                     f"does not fit the constraint's shape {tuple(c.shape)}") from None
                if c.inequality and bool((init < 0).any()):
                    raise DomainError(f"constraint {c.name!r}: the multiplier of an inequality must be >= 0, "
                                      f"got {inits[c.name]!r}")
            tensors.append(init)
            domains.append(NonNegative() if c.inequality else Reals())
        dual_name = "multipliers" if primal.name != "multipliers" else "lambda"
        super().__init__((primal, Player(dual_name, tensors, domain=domains)), name=name or "lagrangian")
        self.penalty = self._penalties(penalty) if formulation == "augmented" else {}
        if problem.sample is not None:
            self.generator = torch.Generator(device=primal.device).manual_seed(int(seed))
        if validate:
            self.validate()

    def _penalties(self, penalty: float | Mapping[str, float] | None) -> dict[str, float]:
        names = [c.name for c in self.constraints]
        given = dict(penalty) if isinstance(penalty, Mapping) else {n: 1.0 if penalty is None else penalty
                                                                     for n in names}
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise InvalidParameterError(f"penalty given for unknown constraints {unknown}; the constraints are {names}")
        out = {}
        for n in names:
            try:
                c = float(given.get(n, 1.0))
            except (TypeError, ValueError):
                raise InvalidParameterError(f"constraint {n!r}: penalty must be a number, got {given[n]!r}") from None
            if not (c >= 0 and math.isfinite(c)):
                raise InvalidParameterError(f"constraint {n!r}: penalty must be finite and >= 0, got {given[n]!r}")
            out[n] = c
        return out

    # -- evaluation ---------------------------------------------------------
    def _draw(self) -> Any:
        return None if self.problem.sample is None else self.problem.sample(self.generator)

    def _observe(self, batch: Any, check: bool = True) -> tuple[Tensor, list[_Observed]]:
        """Objective and observed constraints at the current primal strategy; with
        ``check``, a non-finite entry raises :class:`NonFiniteError` naming its constraint."""
        objective, raw = self.problem.evaluate(batch)
        if not isinstance(objective, Tensor) or objective.numel() != 1:
            shape = tuple(objective.shape) if isinstance(objective, Tensor) else type(objective).__name__
            raise ShapeError(f"the objective must be a scalar tensor, got {shape}; reduce it (e.g. .mean())")
        if objective.dim():
            objective = objective.reshape(())
        observed = [self._normalise(c, raw) for c in self.constraints]
        if check and not all_finite([objective, *(o.violation for o in observed), *(o.primal for o in observed)]):
            self._raise_nonfinite(objective, observed)
        return objective, observed

    def _normalise(self, c: Constraint, raw: Mapping[str, Any]) -> _Observed:
        if c.name not in raw:
            raise GameError(f"constraint {c.name!r}: the problem's evaluate() returned no value for it "
                            f"(it returned {sorted(raw)})")
        v = raw[c.name]
        value, proxy, indices = (v.value, v.proxy, v.indices) if isinstance(v, ConstraintValue) else (v, None, None)
        if not isinstance(value, Tensor):
            raise ShapeError(f"constraint {c.name!r} must return a torch tensor, got {type(value).__name__}")
        if c.indexed:
            if indices is None:
                raise ShapeError(f"constraint {c.name!r} is indexed: return ConstraintValue(values, indices=...) "
                                 "naming which of its multipliers each value belongs to")
            if indices.dtype != torch.long or indices.dim() != 1 or value.shape != indices.shape:
                raise ShapeError(
                    f"constraint {c.name!r}: indices must be a 1-D long tensor with one entry per value; got "
                    f"indices {indices.dtype} of shape {tuple(indices.shape)}, values of shape {tuple(value.shape)}")
            n = c.shape[0]
            if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= n):
                raise ShapeError(f"constraint {c.name!r}: indices must lie in [0, {n}), got "
                                 f"[{int(indices.min())}, {int(indices.max())}]")
        else:
            if indices is not None:
                raise ShapeError(f"constraint {c.name!r} returned indices but is not declared indexed=True")
            if value.shape != c.shape:
                if value.numel() == 1 and c.shape.numel() == 1:
                    value = value.reshape(c.shape)
                else:
                    declared = "a scalar (shape ())" if not c.shape else f"of shape {tuple(c.shape)}"
                    raise ShapeError(
                        f"constraint {c.name!r} returned a value of shape {tuple(value.shape)}, but it is declared "
                        f"{declared}; reduce the value, or declare Constraint(..., shape={tuple(value.shape)}) "
                        "for one multiplier per entry")
        if proxy is None:
            proxy = value
        elif proxy.shape != value.shape:
            if proxy.numel() == value.numel():
                proxy = proxy.reshape(value.shape)
            else:
                raise ShapeError(f"constraint {c.name!r}: proxy of shape {tuple(proxy.shape)} does not match its "
                                 f"value of shape {tuple(value.shape)}")
        if c.zero_target:
            return _Observed(value, proxy, indices)
        target = c.target_like(value)
        if c.indexed and target.dim():
            target = target.expand(c.shape)[indices]
        violation = value - target
        return _Observed(violation, violation if proxy is value else proxy - target, indices)

    def _raise_nonfinite(self, objective: Tensor, observed: Sequence[_Observed]) -> None:
        if not bool(torch.isfinite(objective.detach())):
            raise NonFiniteError(f"{self.name}: the objective is {float(objective.detach())} at the current "
                                 f"primal strategy")
        for c, o in zip(self.constraints, observed):
            for what, t in (("value", o.violation), ("proxy", o.primal)):
                bad = ~torch.isfinite(t.detach())
                if bool(bad.any()):
                    entries = bad.reshape(-1).nonzero().flatten() if o.indices is None else o.indices[bad]
                    where = "" if t.dim() == 0 else f" at entries {entries.tolist()[:8]}"
                    raise NonFiniteError(f"constraint {c.name!r}: its {what} is not finite{where} "
                                         f"({t.detach().reshape(-1)[bad.reshape(-1)][:8].tolist()}); "
                                         "check the constraint function and the step sizes")

    def _multiplier_terms(self, observed: Sequence[_Observed], lambdas: Sequence[Tensor]) -> list[Tensor]:
        return [lam[o.indices] if o.indices is not None else lam for lam, o in zip(lambdas, observed)]

    def _primal_loss(self, objective: Tensor, observed: Sequence[_Observed], attached: bool = False) -> Tensor:
        """The primal player's loss; the multipliers enter it detached (the primal
        gradient needs no graph to them) unless ``attached``, which a second-order
        analysis asks for (``evaluate(create_graph=True)``): then the primal
        gradient ``grad_x L`` keeps its dependence on the multipliers and the
        game Jacobian has its coupling block ``d grad_x L / d lambda = grad g~(x)^T``."""
        multipliers = self.players[1].params
        lambdas = self._multiplier_terms(observed, multipliers if attached else [p.detach() for p in multipliers])
        loss = objective
        for c, o, lam in zip(self.constraints, observed, lambdas):
            p = o.primal
            if self.formulation == "augmented" and self.penalty[c.name] > 0:
                rho = self.penalty[c.name]
                smooth = lam * p + (0.5 * rho) * p * p
                if c.inequality:   # psi(g, lambda, c); its x-gradient is max(lambda + c g, 0) grad g
                    smooth = torch.where(lam + rho * p >= 0, smooth, -(lam * lam) / (2.0 * rho))   # no 1/rho: overflows
                loss = loss + smooth.sum()
            else:
                loss = loss + _inner(lam, p)
        return loss

    def _dual_errors(self, observed: Sequence[_Observed]) -> list[Tensor]:
        """Minus the observed violations in the multipliers' dtype: the entries of the dual gradient."""
        errors = []
        for lam, o in zip(self.players[1].params, observed):
            e = torch.neg(o.violation)
            errors.append(e if e.dtype == lam.dtype else e.to(lam.dtype))
        return errors

    def _dual_grads(self, observed: Sequence[_Observed], errors: Sequence[Tensor]) -> list[Tensor]:
        """The dual gradient: the errors, sparse on the observed entries of indexed constraints."""
        return [e if o.indices is None else
                torch.sparse_coo_tensor(o.indices.unsqueeze(0), e, lam.shape, check_invariants=False).coalesce()
                for lam, o, e in zip(self.players[1].params, observed, errors)]

    def _dual_loss(self, observed: Sequence[_Observed], errors: Sequence[Tensor]) -> Tensor:
        """``-<lambda, g(x)>`` as ``<lambda, errors>``."""
        total: Tensor | None = None
        for lam, e in zip(self._multiplier_terms(observed, self.players[1].params), errors):
            term = _inner(lam, e)
            total = term if total is None else total + term
        return total  # type: ignore[return-value]

    def losses(self) -> tuple[Tensor, Tensor]:
        """``(primal loss, -<lambda, g(x)>)`` at the current strategies (a fresh batch if stochastic)."""
        objective, observed = self._observe(self._draw())
        return self._primal_loss(objective, observed), self._dual_loss(observed, self._dual_errors(observed))

    def evaluate(self, players: Sequence[int] = (0, 1), create_graph: bool = False) -> Evaluation:
        """Losses and gradients; the dual gradient is minus the violation, computed
        without autograd (a sparse tensor for indexed constraints). With
        ``create_graph`` both gradients keep their graphs, so that the simultaneous
        gradient ``F = (grad_x L, -g(x))`` can be differentiated in both players:
        ``dF_x / dlambda = grad g~(x)^T`` and ``dF_lambda / dx = -grad g(x)``."""
        primal = 0 in players
        with torch.set_grad_enabled(primal or create_graph):
            objective, observed = self._observe(self._draw(), check=False)
            primal_loss = self._primal_loss(objective, observed, attached=create_graph)
        with torch.set_grad_enabled(create_graph):    # the dual gradient keeps its graph only for second order
            errors = self._dual_errors(observed)
            gy = self._dual_grads(observed, errors) if 1 in players else None
            dual_loss = self._dual_loss(observed, errors)
            # one check of two reads: 0 * nan = nan, so the losses carry any non-finite value or proxy,
            # except a proxy hidden by the branch of the augmented term, added explicitly
            probe = primal_loss.detach().item() + dual_loss.detach().item()
            if self.formulation == "augmented":
                probe += sum(o.primal.detach().sum().item() for o in observed)
            if not math.isfinite(probe):
                self._raise_nonfinite(objective, observed)
        gx = _grad(primal_loss, self.players[0].params, create_graph, create_graph) if primal else None
        return Evaluation((primal_loss.detach(), dual_loss.detach() if create_graph else dual_loss), (gx, gy))

    def validate(self) -> None:
        """Evaluate once (without consuming the batch stream) and turn failures
        into errors that name the constraint."""
        state = self.generator.get_state() if self.generator is not None else None
        try:
            self._observe(self._draw())
        finally:
            if state is not None:
                self.generator.set_state(state)

    # -- views ----------------------------------------------------------------
    def multipliers(self) -> dict[str, Tensor]:
        """Detached copies of the multipliers, by constraint name."""
        return {c.name: p.detach().clone() for c, p in zip(self.constraints, self.players[1].params)}

    def _with_batch(self, batch: Any, fn: Callable[[Any], Any]) -> Any:
        """``fn(batch)`` with ``batch`` drawn (when None) without consuming the game's stream."""
        state = self.generator.get_state() if self.generator is not None else None
        try:
            return fn(self._draw() if batch is None else batch)
        finally:
            if state is not None:
                self.generator.set_state(state)

    def violations(self, batch: Any = None) -> dict[str, Tensor]:
        """The true violations ``g(x) - target`` by constraint name (observed entries
        only for indexed constraints), at ``batch`` or a batch drawn without
        consuming the game's stream."""
        with torch.no_grad():
            observed = self._with_batch(batch, lambda b: self._observe(b)[1])
        return {c.name: o.violation.detach().clone() for c, o in zip(self.constraints, observed)}

    def inequalities(self, names: Sequence[str] | None = None) -> list[str]:
        """The inequality constraints among ``names`` (default: all of them); other names are an error."""
        inequalities = [c.name for c in self.constraints if c.inequality]
        bad = [n for n in (names or ()) if n not in inequalities]
        if bad:
            raise InvalidParameterError(f"{bad} are not inequality constraints of {self.name}; those are {inequalities}")
        return inequalities if names is None else list(names)

    def reset_multipliers(self, names: Sequence[str] | None = None, *, batch: Any = None,
                          optimizer: torch.optim.Optimizer | None = None) -> dict[str, int]:
        """Set to 0 the multipliers of the entries of the inequality constraints
        ``names`` (default: every inequality) that hold, ``g_i(x) <= 0``, at
        ``batch`` (or a batch drawn without consuming the game's stream), and
        zero their per-entry state in ``optimizer`` (the dual player's, e.g.
        ``solver.optimizers[1]``). Returns the number of entries reset per
        constraint. :class:`~gamesolve.DualRestart` calls it after a step."""
        names = self.inequalities(names)
        with torch.no_grad():
            observed = self._with_batch(batch, lambda b: self._observe(b)[1])
        done = {}
        for c, o, lam in zip(self.constraints, observed, self.players[1].params):
            if c.name not in names:
                continue
            feasible = o.violation.detach() <= 0
            if c.indexed:
                entries = o.indices[feasible]
            else:
                entries = feasible.reshape(lam.shape).nonzero(as_tuple=True) if lam.dim() else feasible
            done[c.name] = n = int(feasible.sum())
            if n:
                _zero_entries(lam, entries)
                for buf in (optimizer.state.get(lam, {}).values() if optimizer is not None else ()):
                    if isinstance(buf, Tensor) and buf.shape == lam.shape:
                        _zero_entries(buf, entries)
        return done

    def kkt_terms(self, batch: Any = None) -> KKTTerms:
        """The ingredients of :func:`gamesolve.kkt_residuals` at ``batch`` (or a
        batch drawn without consuming the game's stream): the gradient of the
        plain Lagrangian ``f + <lambda, g~>`` and the observed violations/multipliers."""
        def terms(b: Any) -> KKTTerms:
            objective, observed = self._observe(b)
            lambdas = self._multiplier_terms(observed, [p.detach() for p in self.players[1].params])
            lagrangian = objective + sum((lam * o.primal).sum() for lam, o in zip(lambdas, observed))
            grad = _grad(lagrangian, self.players[0].params, False, False)
            return KKTTerms(self.players[0], grad, [c.kind for c in self.constraints],
                            [c.name for c in self.constraints], [o.violation.detach() for o in observed],
                            lambdas, [p.detach() for p in self.players[1].params])
        return self._with_batch(batch, terms)

    # -- state ----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "penalty": dict(self.penalty)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        if "penalty" in state:
            self.penalty = dict(state["penalty"])

    def __repr__(self) -> str:
        return (f"LagrangianGame({self.players[0]!r}, {len(self.constraints)} constraints, "
                f"formulation={self.formulation!r})")


def _zero_entries(t: Tensor, entries: Any) -> None:
    """``t[entries] = 0`` in place (False for booleans; all of ``t`` when it is 0-d)."""
    with torch.no_grad():
        if t.dim() == 0:
            t.zero_()
        else:
            t[entries] = False if t.dtype == torch.bool else 0
