"""Stability of solvers at a fixed point: their linearised updates and spectral radii.

Near a fixed point the iteration of a gradient solver is linear in the
deviations, ``state' = T state`` (:mod:`gamesolve.solvers.linear`), and it
converges locally iff ``rho(T) < 1``, with ``|state_t| ~ rho(T)^t``
(Bertsekas 1999, Prop. 4.4.1; Gidel et al. 2019). Every solver states ``T``
once, in its class (``linear_update``); this module looks it up through the
registry: ``solver`` is a registered name, built on the game with ``lr``
(one step size or ``(eta_x, eta_y)``) and the solver's own ``params``
(``order``, ``gamma``, ``k``, ``kp``, ...), and its ``linearisation()`` is
applied to the game Jacobian ``H`` at the current strategies (on the tangent
space of the domains when a player is constrained; see
:mod:`gamesolve.jacobian`). So any registered solver that states a
linearised update is analysable by name.

Where ``T`` is a function of ``L H`` alone (GDA, extragradient, OGDA, past
extragradient, lookahead around a memoryless one, with plain step sizes),
``rho`` follows from the eigenvalues of ``L H``; otherwise from ``T`` itself,
dense up to ``DENSE_LIMIT`` parameters, else by ARPACK on the matrix-free
:func:`update_operator`. Radii are per solver step (lookahead's ``k``-step
cycle counts as ``k`` steps).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse.linalg as spla
from scipy.optimize import brentq

from ..core import Game
from ..errors import IncompatibleSolverError, InvalidParameterError
from ..solvers.linear import Linearisable, Linearisation, LinearRules, LinearState
from ..solvers.registry import get_solver_spec, make_solver, solver_names
from ..jacobian import DENSE_LIMIT, GameJacobian, as_jacobian
from .spectra import eigenvalues

__all__ = ["linearisation", "linearised_solvers", "step_residual", "update_operator", "spectral_radius", "MARGIN",
           "stable_step_sizes", "stable_ratios", "stability_grid"]

StepSizes = float | Sequence[float]


def linearisation(game: Game | GameJacobian, solver: str, lr: StepSizes = 0.01, **params: Any) -> Linearisation:
    """The linearised update of the registered ``solver`` built on ``game`` with
    ``lr`` and ``params`` (see :class:`~gamesolve.solvers.linear.Linearisation`)."""
    family = get_solver_spec(solver).family
    built = make_solver(solver, game.game if isinstance(game, GameJacobian) else game, lr=lr, **params) \
        if family == "gradient" else None
    if not isinstance(built, Linearisable):
        raise InvalidParameterError(
            f"solver {solver!r} ({family} family) states no linearised update (a linearisation() method), so its "
            f"stability cannot be analysed; the gradient solvers do: {', '.join(solver_names('gradient'))}")
    return built.linearisation()


def linearised_solvers(game: Game | GameJacobian) -> list[str]:
    """The registered gradient solvers that state a linearised update and apply to ``game``."""
    target = game.game if isinstance(game, GameJacobian) else game
    names = []
    for name in solver_names("gradient"):
        try:
            built = make_solver(name, target)
        except IncompatibleSolverError:
            continue
        if isinstance(built, Linearisable):
            names.append(name)
    return names


def step_residual(game: Game, solver: str, lr: StepSizes = 0.01, **params: Any) -> float:
    """``||theta_1 - theta_0||``: how far one step of ``solver`` moves the current
    strategies, 0 at a fixed point of the solver. A stationary point of the
    game need not be one: consensus, SGA and CGD correct ``F`` with products
    that need not vanish where only the projected field does (e.g. a
    multiplier at 0 under a slack constraint). The strategies and the random
    stream are restored, but a :class:`GameJacobian` built before is stale
    (its graph saw the strategies move): build it after."""
    start = game.snapshot()
    state = game.generator.get_state() if game.generator is not None else None
    try:
        make_solver(solver, game, lr=lr, **params).step()
        return math.sqrt(sum(float(((p.detach() - s) ** 2).sum()) for p, s in zip(game.parameters(), start)))
    finally:
        game.restore(start)
        if state is not None:
            game.generator.set_state(state)


class _DenseField:
    """``H`` as a dense matrix."""

    def __init__(self, H: np.ndarray):
        self.H = H

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return self.H @ Z

    def transpose(self, Z: np.ndarray) -> np.ndarray:
        return self.H.T @ Z


class _OperatorField:
    """``H`` as the matrix-free Jacobian."""

    def __init__(self, jac: GameJacobian):
        self.jac = jac

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return self.jac.matmat(Z)

    def transpose(self, Z: np.ndarray) -> np.ndarray:
        return self.jac.rmatmat(Z)


class _Transition:
    """``T`` on stacked state vectors ``[z; memory...; rule state of player 1; of player 2]``."""

    def __init__(self, lin: Linearisation, field: _DenseField | _OperatorField, slices: Sequence[slice]):
        self.lin, self.field = lin, field
        self.rules = LinearRules(lin.rules, slices)
        self.n = slices[1].stop
        self.sizes = [rule.state_size(s.stop - s.start) for rule, s in zip(lin.rules, slices)]
        self.size = self.n * (1 + lin.memory) + sum(self.sizes)

    def __call__(self, V: np.ndarray) -> np.ndarray:
        n, k = self.n, self.n * (1 + self.lin.memory)
        memory = tuple(V[n * (j + 1):n * (j + 2)] for j in range(self.lin.memory))
        split = k + self.sizes[0]
        state = LinearState(V[:n], memory, (V[k:split], V[split:]))
        out = self.lin.update(self.field, state, self.rules)
        return np.concatenate([out.z, *out.memory, *out.rules])

    def operator(self) -> spla.LinearOperator:
        return spla.LinearOperator((self.size, self.size), matvec=lambda v: self(v.reshape(-1, 1))[:, 0],
                                   dtype=np.float64)


def update_operator(game: Game | GameJacobian, solver: str, lr: StepSizes = 0.01, *, tangent: bool | None = None,
                    **params: Any) -> spla.LinearOperator:
    """``T``, the linearised update of ``solver`` at the current strategies (a
    fixed point), matrix-free: it acts on the deviations from the fixed point
    stacked with the solver's memory and rule states (e.g. OGDA's last update,
    NuPI's error average), and spans ``linearisation(...).steps`` solver
    steps. One application costs the products with ``H`` of one iteration."""
    jac = as_jacobian(game, tangent)
    return _Transition(linearisation(jac, solver, lr, **params), _OperatorField(jac), jac.player_slices).operator()


def _dense_radius(H: np.ndarray, slices: Sequence[slice], lin: Linearisation) -> float:
    """``rho(T)`` per solver step, from the eigenvalues of ``L H`` where ``T`` is a function of them."""
    closed, steps = lin.closed_form, LinearRules(lin.rules, slices).step_sizes
    if closed is not None and steps is not None:
        L = np.empty(H.shape[0])
        L[slices[0]], L[slices[1]] = steps
        rho = np.abs(closed(np.linalg.eigvals(L[:, None] * H))).max(initial=0.0)
    else:
        transition = _Transition(lin, _DenseField(H), slices)
        T = transition(np.eye(transition.size))
        rho = np.abs(np.linalg.eigvals(T)).max(initial=0.0) if T.size else 0.0
    return float(rho) ** (1.0 / lin.steps)


def spectral_radius(game: Game | GameJacobian, solver: str, lr: StepSizes = 0.01, *, tangent: bool | None = None,
                    dense: bool | None = None, tol: float = 1e-6, seed: int = 0, maxiter: int = 1000,
                    **params: Any) -> float:
    """``rho(T)^(1/steps)``, the per-step spectral radius of ``solver``'s
    linearised update at the current strategies (a fixed point) with step
    sizes ``lr`` (one, or ``(eta_x, eta_y)``) and the solver's ``params``: the
    iterates converge locally iff it is below 1, and ``||z_t|| ~ rho^t``.

    Dense (exact eigenvalues; from those ``mu`` of ``L H`` where ``T`` is a
    function of them: ``|1 - mu|`` for GDA, ``|1 - mu + mu^2|`` for
    extragradient, the roots of ``l^2 - (1 - 2 mu) l - mu`` for OGDA and past
    extragradient) up to ``DENSE_LIMIT`` parameters, else ARPACK on
    :func:`update_operator` (4 eigenvalues of largest modulus to relative
    tolerance ``tol``, at most ``maxiter`` restarts; see :func:`eigenvalues`).
    """
    jac = as_jacobian(game, tangent)
    lin = linearisation(jac, solver, lr, **params)
    n = jac.shape[0]
    if n == 0:
        return 0.0
    if (n <= DENSE_LIMIT) if dense is None else dense:
        return _dense_radius(jac.dense(), jac.player_slices, lin)
    op = _Transition(lin, _OperatorField(jac), jac.player_slices).operator()
    rho = float(np.abs(eigenvalues(op, k=4, tol=tol, seed=seed, maxiter=maxiter)).max())
    return rho ** (1.0 / lin.steps)


MARGIN = 1e-12   # a spectral radius within MARGIN of 1 counts as marginal, not contracting


def _intervals(radius: Callable[[float], float], grid: np.ndarray) -> list[tuple[float, float]]:
    """Maximal sub-intervals of ``[grid[0], grid[-1]]`` where ``radius < 1 - MARGIN``,
    located on the grid and refined at the crossings by Brent's method."""
    excess = lambda t: radius(t) - (1.0 - MARGIN)  # noqa: E731
    below = np.array([excess(t) < 0 for t in grid])
    out: list[tuple[float, float]] = []
    k = 0
    while k < len(grid):
        if not below[k]:
            k += 1
            continue
        j = k
        while j + 1 < len(grid) and below[j + 1]:
            j += 1
        lo = grid[k] if k == 0 else brentq(excess, grid[k - 1], grid[k], xtol=1e-14, rtol=1e-12)
        hi = grid[j] if j == len(grid) - 1 else brentq(excess, grid[j], grid[j + 1], xtol=1e-14, rtol=1e-12)
        out.append((float(lo), float(hi)))
        k = j + 1
    return out


class _Scan:
    """The dense Jacobian of a small game and ``solver``'s radius at any step sizes."""

    def __init__(self, game: Game | GameJacobian, solver: str, tangent: bool | None, params: dict[str, Any]):
        self.jac = as_jacobian(game, tangent)
        if self.jac.shape[0] > DENSE_LIMIT:
            raise InvalidParameterError(
                f"stable step-size ranges scan the dense spectrum; this game has {self.jac.shape[0]} > {DENSE_LIMIT} "
                "parameters; use spectral_radius at chosen step sizes instead")
        self.H, self.solver, self.params = self.jac.dense(), solver, params

    def linearisation(self, lr: StepSizes) -> Linearisation:
        return linearisation(self.jac, self.solver, lr, **self.params)

    def radius(self, lr: StepSizes) -> float:
        return _dense_radius(self.H, self.jac.player_slices, self.linearisation(lr))


def stable_step_sizes(game: Game | GameJacobian, solver: str, *, ratio: float = 1.0,
                      bounds: tuple[float, float] = (1e-4, 10.0), num: int = 400, tangent: bool | None = None,
                      **params: Any) -> list[tuple[float, float]]:
    """The step sizes ``eta`` in ``bounds`` with ``eta_x = eta``,
    ``eta_y = ratio * eta`` for which ``solver``'s linearised update is
    contracting (``spectral_radius < 1``), as a list of intervals found on a
    log grid of ``num`` points and refined by Brent's method (an interval
    narrower than the grid spacing can be missed). Empty when no step size in
    ``bounds`` is stable (e.g. GDA on a bilinear game). Dense: small games."""
    scan = _Scan(game, solver, tangent, params)
    lin = scan.linearisation((1.0, ratio))
    closed = lin.closed_form
    if closed is not None:   # the eigenvalues of L H = eta * eig(diag(I, ratio I) H), computed once
        L = np.empty(scan.H.shape[0])
        L[scan.jac.player_slices[0]], L[scan.jac.player_slices[1]] = 1.0, ratio
        nu = np.linalg.eigvals(L[:, None] * scan.H)
        radius = lambda eta: float(np.abs(closed(eta * nu)).max(initial=0.0)) ** (1.0 / lin.steps)  # noqa: E731
    else:
        radius = lambda eta: scan.radius((eta, ratio * eta))  # noqa: E731
    return _intervals(radius, np.geomspace(bounds[0], bounds[1], num))


def stable_ratios(game: Game | GameJacobian, solver: str, *, lr: float, bounds: tuple[float, float] = (1e-2, 1e2),
                  num: int = 200, tangent: bool | None = None, **params: Any) -> list[tuple[float, float]]:
    """The time-scale ratios ``gamma`` in ``bounds`` for which gamma-GDA-style
    steps ``eta_x = lr / gamma``, ``eta_y = lr`` (the max player ``gamma``
    times faster; Jin, Netrapalli & Jordan 2020; Fiez & Ratliff 2021) give a
    contracting linearised update, as intervals (see :func:`stable_step_sizes`)."""
    scan = _Scan(game, solver, tangent, params)
    return _intervals(lambda gamma: scan.radius((lr / gamma, lr)), np.geomspace(bounds[0], bounds[1], num))


def stability_grid(game: Game | GameJacobian, solver: str, eta_x: np.ndarray, eta_y: np.ndarray, *,
                   tangent: bool | None = None, **params: Any) -> np.ndarray:
    """``rho[i, j]``: the spectral radius of ``solver``'s linearised update with
    ``(eta_x[j], eta_y[i])`` (rows follow ``eta_y``, as an image); dense, for
    small games. Plot it with :func:`gamesolve.analysis.plots.stability_region_plot`."""
    scan = _Scan(game, solver, tangent, params)
    return np.array([[scan.radius((float(ex), float(ey))) for ex in eta_x] for ey in eta_y])
