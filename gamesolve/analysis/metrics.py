"""Convergence metrics of two-player games, evaluated at the current strategies.

Every metric is a function ``metric(game, ...) -> float`` that leaves the
game's strategies as it found them. :data:`METRICS` maps the names that
``gs.solve(..., metrics=[...])`` accepts to these functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from ..core import Game
from ..errors import GameError, IncompatibleSolverError, ShapeError

__all__ = ["gradient_norm", "natural_residual", "distance_to_equilibrium", "duality_gap", "nash_conv",
           "exploitability", "kkt_residuals", "kkt_residual", "METRICS"]


def _norm(tensors: Sequence[Tensor]) -> float:
    """The 2-norm of all entries together, without overflow for huge finite entries."""
    flat = torch.cat([t.detach().reshape(-1).double() for t in tensors])
    scale = float(flat.abs().max()) if flat.numel() else 0.0
    if scale == 0.0 or not math.isfinite(scale):
        return scale
    return scale * float(torch.linalg.vector_norm(flat / scale))


def gradient_norm(game: Game) -> float:
    """``||F(theta)||_2``, the norm of the simultaneous gradient
    ``F = (grad_x loss_x, grad_y loss_y)`` (Mescheder et al. 2017)."""
    gx, gy = game.simultaneous_gradient()
    return _norm(gx + gy)


def natural_residual(game: Game) -> float:
    """``||theta - P(theta - F(theta))||_2``, the projected-gradient (natural)
    residual; zero exactly at solutions of the variational inequality
    ``<F(theta*), theta - theta*> >= 0`` (Facchinei & Pang 2003), and equal to
    :func:`gradient_norm` on unconstrained domains."""
    grads = game.simultaneous_gradient()
    with torch.no_grad():
        return _norm([d.residual(p, gi) for player, g in zip(game.players, grads)
                      for p, d, gi in zip(player.params, player.domains, g)])


def _as_tensors(strategy: Any) -> list[Tensor]:
    if isinstance(strategy, Tensor):
        return [strategy]
    if isinstance(strategy, (list, tuple)) and all(isinstance(s, Tensor) for s in strategy):
        return list(strategy)
    return [torch.as_tensor(strategy)]


def distance_to_equilibrium(game: Game, equilibrium: Sequence[Any] | None = None) -> float:
    """``||theta - theta*||_2`` over both players, with ``theta*`` the given
    equilibrium or the game's known ``game.equilibrium``."""
    target = equilibrium if equilibrium is not None else game.equilibrium
    if target is None:
        raise GameError(f"{game.name} has no known equilibrium; pass equilibrium=(x*, y*)")
    diffs = []
    for player, star in zip(game.players, target):
        stars = _as_tensors(star)
        if len(stars) != len(player.params) or any(s.shape != p.shape for s, p in zip(stars, player.params)):
            raise ShapeError(
                f"equilibrium strategy of player {player.name!r} has shapes {[tuple(s.shape) for s in stars]}, "
                f"the player has {[tuple(p.shape) for p in player.params]}")
        diffs += [p.detach() - s.to(p) for p, s in zip(player.params, stars)]
    return _norm(diffs)


def duality_gap(game: Game, iterations: int = 100, bounds: bool = False) -> float | tuple[float, float]:
    """``max_{y'} f(x, y') - min_{x'} f(x', y)`` of a zero-sum game on bounded domains.

    Each inner problem is solved by Frank-Wolfe (step ``2 / (k + 2)``) with
    the domains' linear minimisation oracles; the Frank-Wolfe gap
    ``max_s <grad, s_k - s>`` certifies each inner optimum (Jaggi 2013), so the
    returned value is an *upper* bound on the gap, exact for games linear in
    each player (bilinear games reach it after one oracle call). With
    ``bounds=True`` returns ``(lower, upper)``. Assumes ``f`` convex in ``x``
    and concave in ``y``; the strategies are restored afterwards.
    """
    if not getattr(game, "zero_sum", False) or not hasattr(game, "value"):
        raise IncompatibleSolverError(f"duality_gap needs a zero-sum game with value(); {game.name} is not one")
    for player in game.players:
        if not all(d.bounded for d in player.domains):
            raise IncompatibleSolverError(
                f"duality_gap needs bounded domains; player {player.name!r} lives in {player.domains!r} "
                "(use gradient_norm or natural_residual instead)")
    start = game.snapshot()
    try:
        sup_lo, sup_hi = _frank_wolfe(game, 1, iterations)
        game.restore(start)
        inf_lo, inf_hi = _frank_wolfe(game, 0, iterations)
    finally:
        game.restore(start)
    lower, upper = max(sup_lo - inf_hi, 0.0), sup_hi - inf_lo
    return (lower, upper) if bounds else upper


def _frank_wolfe(game: Any, i: int, iterations: int) -> tuple[float, float]:
    """Bounds ``(lo, hi)`` on ``min`` (i = 0) or ``max`` (i = 1) of ``f`` over player i."""
    player, sign = game.players[i], (1.0 if i == 0 else -1.0)
    best_value, best_bound = math.inf, -math.inf   # of sign * f, minimised
    for k in range(iterations + 1):
        f = sign * game.value().reshape(())
        grads = torch.autograd.grad(f, player.params, allow_unused=True, materialize_grads=True)
        with torch.no_grad():
            vertices = [d.lmo(g) for d, g in zip(player.domains, grads)]
            fw_gap = float(sum((g * (p - s)).sum() for g, p, s in zip(grads, player.params, vertices)))
            best_value = min(best_value, float(f))
            best_bound = max(best_bound, float(f) - fw_gap)
            if fw_gap <= 1e-15 * max(1.0, abs(float(f))) or k == iterations:
                break
            gamma = 2.0 / (k + 2.0)
            for p, s in zip(player.params, vertices):
                p.mul_(1 - gamma).add_(s, alpha=gamma)
    if i == 0:
        return best_bound, best_value
    return -best_value, -best_bound


def _finite_strategies(game: Any, strategies: Sequence[Any] | None, who: str) -> tuple[Any, Any]:
    if "payoffs" not in getattr(game, "capabilities", ()):
        raise IncompatibleSolverError(
            f"{who} needs a finite game with payoff matrices (a MatrixGame); {getattr(game, 'name', game)!r} offers "
            f"{', '.join(sorted(getattr(game, 'capabilities', ()))) or 'nothing'} (use duality_gap or "
            "natural_residual for differentiable games)")
    if strategies is None:
        return game.current_strategies()
    if len(strategies) != 2:
        raise ShapeError(f"{who} takes one mixed strategy per player (2), got {len(strategies)}")
    return strategies[0], strategies[1]


def nash_conv(game: Any, strategies: Sequence[Any] | None = None) -> float:
    """``NashConv(x, y) = max_i (A y)_i - x^T A y + max_j (B^T x)_j - x^T B y``,
    the players' summed gains from best responses (Lanctot et al. 2017), of a
    :class:`~gamesolve.finite.MatrixGame` at ``strategies`` (default: the
    players' current strategies); 0 exactly at Nash equilibria."""
    x, y = _finite_strategies(game, strategies, "nash_conv")
    return game.nash_conv(x, y)


def exploitability(game: Any, strategies: Sequence[Any] | None = None) -> float:
    """``exploitability = NashConv / 2``, the mean gain from a best response;
    in a zero-sum game half the duality gap ``max_i (A y)_i - min_j (x^T A)_j``
    (OpenSpiel's exploitability). See :func:`nash_conv`."""
    x, y = _finite_strategies(game, strategies, "exploitability")
    return game.exploitability(x, y)


METRICS: dict[str, Callable[[Game], float]] = {
    "distance": distance_to_equilibrium,
    "gradient_norm": gradient_norm,
    "natural_residual": natural_residual,
    "duality_gap": duality_gap,
    "exploitability": exploitability,
    "nash_conv": nash_conv,
}


# --------------------------------------------------------------------------
# Lagrangian games
# --------------------------------------------------------------------------


def kkt_residuals(game: Any, batch: Any = None) -> dict[str, float]:
    """The four KKT residuals of a :class:`~gamesolve.LagrangianGame` at its
    current strategies (Karush 1939; Kuhn & Tucker 1951), 2-norms over all
    constraint entries, with ``g`` the inequality and ``h`` the equality
    violations (``value - target``) and ``L = f + <lambda, g~> + <mu, h~>``
    (``~``: the proxy where a constraint has one):

    - ``stationarity``:            ``||x - P_X(x - grad_x L)||`` (``||grad_x L||`` for unconstrained x)
    - ``primal_feasibility``:      ``||(max(g, 0), h)||``
    - ``complementary_slackness``: ``||lambda * g||``
    - ``dual_feasibility``:        ``||min(lambda, 0)||``

    All four vanish exactly at a KKT point. For a stochastic problem the
    residuals are measured on ``batch`` (e.g. the whole data set) or on one
    batch drawn without consuming the game's stream; indexed constraints count
    their observed entries, except dual feasibility, which checks every multiplier.
    """
    if not hasattr(game, "kkt_terms"):
        raise IncompatibleSolverError(f"kkt_residuals needs a LagrangianGame, got {type(game).__name__}")
    t = game.kkt_terms(batch)
    with torch.no_grad():
        stationarity = [d.residual(p.detach(), g) for p, d, g in
                        zip(t.primal.params, t.primal.domains, t.gradient)]
        feasibility = [v.clamp_min(0) if kind == "<=" else v for kind, v in zip(t.kinds, t.violations)]
        slackness = [lam * v for kind, lam, v in zip(t.kinds, t.multipliers, t.violations) if kind == "<="]
        dual = [lam.clamp_max(0) for kind, lam in zip(t.kinds, t.all_multipliers) if kind == "<="]
    zero = [torch.zeros(())]
    return {"stationarity": _norm(stationarity), "primal_feasibility": _norm(feasibility),
            "complementary_slackness": _norm(slackness or zero), "dual_feasibility": _norm(dual or zero)}


def kkt_residual(game: Any) -> float:
    """The largest of the four :func:`kkt_residuals` (a metric for ``gs.solve``)."""
    return max(kkt_residuals(game).values())


METRICS["kkt"] = kkt_residual
