"""Second-order solvers: directions built from products with the game Jacobian ``H = dF/dtheta``.

Each step builds the Jacobian at the current strategies
(:class:`gamesolve.jacobian.GameJacobian`: ``F`` with its graph,
then products ``H v`` / ``H^T w`` by double backprop) and moves along a
corrected direction ``d``, ``theta <- P(theta - eta d)``, through the same
per-player rules, projection, metrics, state and ``NonFiniteError``
behaviour as :mod:`gamesolve.solvers.gradient`. ``step()`` also reports
``products``, the number of Jacobian products the step used.

**Constrained domains.** The corrections act on the field of the face the
iterate is on: for a constrained player, ``F`` is replaced by its gradient
mapping ``G = (z - P(z - eta F)) / eta`` (``F`` itself in the interior), and
the direction is held at 0 on the *binding* coordinates, those the plain step
keeps at the boundary (``G = 0`` where ``F != 0``). At a KKT point ``G = 0``,
so it is a fixed point of every solver here (a raw ``F`` would keep pushing
along the slack constraint's or the unused strategy's coordinates), and near
one the update is the unconstrained one on the face's tangent space, which
is what the stability analysis linearises.

Each solver's direction is linear in ``F`` for a fixed ``H``, and ``F`` vanishes
at a fixed point of the field, so the linearised update (``linear_update``,
see :mod:`gamesolve.solvers.linear`) is the direction with ``F = H z`` and
the products with ``H`` taken at the fixed point.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor

from ..core import Game
from ..errors import InvalidParameterError
from .gradient import GradientSolver, PerPlayer
from .linear import LinearField, Linearisation, LinearRules, LinearState
from .registry import register_solver

if TYPE_CHECKING:
    from ..jacobian import GameJacobian

__all__ = ["ConsensusOptimization", "SGA", "CGD"]


class _JacobianSolver(GradientSolver):
    """A gradient solver whose direction needs products with ``H``."""

    def _jacobian(self) -> GameJacobian:
        from ..jacobian import GameJacobian   # imported where used: scipy.sparse.linalg costs start-up time

        # a step consumes the game's random stream like any gradient step does
        return GameJacobian(self.game, tangent=False, restore_random_state=False)

    def _move(self, jac: GameJacobian, direction: Sequence[Tensor], metrics: dict[str, float]) -> dict[str, float]:
        self._check_finite(jac.losses, [list(direction)])
        held = [d.masked_fill(b, 0.0) if b is not None else d for d, b in zip(direction, self._binding)]
        for i, block in enumerate(jac.split(held)):
            self._apply(i, block)
        self.iteration += 1
        metrics["products"] = float(jac.products)
        return metrics

    def _start(self) -> tuple[GameJacobian, dict[str, float], list[Tensor]]:
        """The Jacobian, the metrics of the iterate, and the field on its face (module docstring)."""
        jac = self._jacobian()
        metrics = self._metrics(jac.losses, jac.split(jac.field))
        field: list[Tensor] = []
        self._binding: list[Tensor | None] = []
        with torch.no_grad():
            for i, (player, grads) in enumerate(zip(self.game.players, jac.split(jac.field))):
                if not player.constrained:
                    field += grads
                    self._binding += [None] * len(grads)
                    continue
                eta = float(self.rules[i].param_groups[0]["lr"])
                for p, domain, g in zip(player.params, player.domains, grads):
                    mapped = domain.residual(p, eta * g) / eta
                    field.append(mapped)
                    self._binding.append((mapped == 0) & (g != 0))
        return jac, metrics, field


class ConsensusOptimization(_JacobianSolver):
    """Consensus optimization (Mescheder, Nowozin & Geiger 2017):

        theta_{t+1} = P(theta_t - eta (F + gamma H^T F)),   H^T F = grad (1/2 ||F||^2),

    gradient play on the game plus ``gamma`` times the gradient of the
    squared norm of ``F``; one product with ``H^T`` per step.
    """

    def __init__(self, game: Game, lr: PerPlayer | None = None, *, optimizers: PerPlayer | None = None,
                 gamma: float = 1.0):
        super().__init__(game, lr, optimizers=optimizers)
        if not (gamma >= 0 and math.isfinite(gamma)):
            raise InvalidParameterError(f"ConsensusOptimization: gamma must be >= 0 and finite, got {gamma!r}")
        self.gamma = float(gamma)

    def step(self) -> dict[str, float]:
        jac, metrics, field = self._start()
        reg = jac.vjp(field)
        return self._move(jac, torch._foreach_add(field, reg, alpha=self.gamma), metrics)

    @classmethod
    def linear_update(cls, field: LinearField, state: LinearState, rules: LinearRules, *,
                      gamma: float) -> LinearState:
        """``d = (I + gamma H^T) H z``: for step sizes ``T = I - L (H + gamma H^T H)``."""
        F = field(state.z)
        return rules.step(state, F + gamma * field.transpose(F))

    def linearisation(self) -> Linearisation:
        return self._linearised(partial(self.linear_update, gamma=self.gamma))


class SGA(_JacobianSolver):
    """Symplectic gradient adjustment (Balduzzi et al. 2018, Algorithm 1):

        d = xi + lambda A^T xi,   A^T xi = (H^T xi - H xi) / 2,
        lambda = lam * sign(<xi, grad Ham> <A^T xi, grad Ham> / n + eps),   grad Ham = H^T xi,

    with ``xi = F`` the simultaneous gradient, ``A`` the antisymmetric part of
    ``H``, ``Ham = ||xi||^2 / 2`` and ``n`` the number of parameters. The sign
    rule (``align=True``) points the adjustment towards stable fixed points and
    away from unstable ones; ``align=False`` uses ``lambda = lam``. One
    product with ``H`` and one with ``H^T`` per step.
    """

    def __init__(self, game: Game, lr: PerPlayer | None = None, *, optimizers: PerPlayer | None = None,
                 lam: float = 1.0, align: bool = True, eps: float = 0.1):
        super().__init__(game, lr, optimizers=optimizers)
        if not (lam > 0 and math.isfinite(lam)):
            raise InvalidParameterError(f"SGA: lam must be positive and finite, got {lam!r}")
        self.lam, self.align, self.eps = float(lam), bool(align), float(eps)
        self._n = sum(p.numel for p in game.players)

    def step(self) -> dict[str, float]:
        jac, metrics, xi = self._start()
        ham = jac.vjp(xi)
        adj = torch._foreach_mul(torch._foreach_sub(ham, jac.jvp(xi)), 0.5)
        lam = self.lam
        if self.align:
            dot = lambda a, b: sum(float((s * t).sum()) for s, t in zip(a, b))  # noqa: E731
            lam *= 1.0 if dot(xi, ham) * dot(adj, ham) / self._n + self.eps >= 0 else -1.0
        metrics["lambda"] = lam
        return self._move(jac, torch._foreach_add(xi, adj, alpha=lam), metrics)

    @classmethod
    def linear_update(cls, field: LinearField, state: LinearState, rules: LinearRules, *, lam: float,
                      align: bool = True, eps: float = 0.1) -> LinearState:
        """``xi = H z``, ``d = xi + lambda (H^T - H) xi / 2``. Near the fixed point
        the sign rule's products are ``O(|z|^4)``, so ``lambda = lam sign(eps)``
        (``lam`` without ``align``); with ``eps = 0`` the sign is decided by
        vanishing products and the update has no linearisation."""
        if align and eps == 0:
            raise InvalidParameterError(
                "SGA: with align=True and eps=0 the sign of lambda is that of products that vanish at the fixed "
                "point, so the update is not linear there; analyse eps != 0 or align=False")
        signed = lam if not align or eps > 0 else -lam
        xi = field(state.z)
        return rules.step(state, xi + (0.5 * signed) * (field.transpose(xi) - field(xi)))

    def linearisation(self) -> Linearisation:
        return self._linearised(partial(self.linear_update, lam=self.lam, align=self.align, eps=self.eps))


class CGD(_JacobianSolver):
    """Competitive gradient descent (Schafer & Anandkumar 2019): each player
    plays the Nash equilibrium of the bilinear approximation of the game,

        Dx = -eta_x (I - eta_x eta_y B C)^-1 (F_x - eta_y B F_y),   Dy = -eta_y (F_y + C Dx),

    with ``B = d F_x / dy`` and ``C = d F_y / dx`` the off-diagonal blocks of
    ``H``. The linear system is solved matrix-free, by conjugate gradients when
    the game is zero-sum (``C = -B^T``: the matrix is ``I + eta_x eta_y B B^T``,
    symmetric positive definite) and GMRES otherwise, to relative tolerance
    ``rtol``; each inner iteration costs two products with ``H``. Step sizes
    only (the update is defined by them): ``lr`` or ``(eta_x, eta_y)``.
    Metrics add ``linear_iterations`` and ``linear_residual`` (relative).
    """

    def __init__(self, game: Game, lr: PerPlayer | None = None, *, optimizers: PerPlayer | None = None,
                 linear_solver: str = "auto", rtol: float = 1e-10, maxiter: int | None = None):
        if optimizers is not None:
            raise InvalidParameterError("CGD: the update is defined by step sizes; give lr=eta or (eta_x, eta_y), "
                                        "not optimizers")
        super().__init__(game, lr)
        if linear_solver not in ("auto", "cg", "gmres"):
            raise InvalidParameterError(f"CGD: linear_solver must be 'auto', 'cg' or 'gmres', got {linear_solver!r}")
        self.linear_solver = ("cg" if game.zero_sum else "gmres") if linear_solver == "auto" else linear_solver
        if maxiter is not None and not (isinstance(maxiter, int) and maxiter >= 1):
            raise InvalidParameterError(f"CGD: maxiter must be a positive integer or None, got {maxiter!r}")
        if not (float(rtol) > 0):
            raise InvalidParameterError(f"CGD: rtol must be positive, got {rtol!r}")
        self.rtol, self.maxiter = float(rtol), maxiter
        self._lr = tuple(r.lr for r in self.rules)

    def step(self) -> dict[str, float]:
        jac, metrics, field = self._start()

        def solve(system: Callable[[np.ndarray], np.ndarray], rhs: np.ndarray) -> np.ndarray:
            iterations = [0]

            def count(_: Any) -> None:
                iterations[0] += 1
            dx = _krylov(system, rhs, self.linear_solver, self.rtol, self.maxiter, count)
            rhs_norm = float(np.linalg.norm(rhs))
            metrics["linear_iterations"] = float(iterations[0])
            metrics["linear_residual"] = float(np.linalg.norm(system(dx) - rhs)) / rhs_norm if rhs_norm else 0.0
            return dx
        d = _competitive_direction(jac.to_vector(field), jac.matvec, jac.player_slices, self._lr, solve)
        return self._move(jac, jac.to_tensors(d), metrics)

    @classmethod
    def linear_update(cls, field: LinearField, state: LinearState, rules: LinearRules, *,
                      linear_solver: str = "gmres", rtol: float = 1e-10, maxiter: int | None = None) -> LinearState:
        """The step's direction with ``F = H z`` (``B``, ``C`` the blocks of ``H``):
        ``T z = z - L d(H z)``. The system is solved directly when there are as
        many right-hand sides as unknowns (forming it costs no more than they
        do), else column by column as the step solves it."""
        steps = rules.step_sizes
        if steps is None:
            raise InvalidParameterError("CGD: the update is defined by step sizes; its linearisation needs plain "
                                        "step sizes for both players")

        def solve(system: Callable[[np.ndarray], np.ndarray], R: np.ndarray) -> np.ndarray:
            if R.shape[1] >= R.shape[0]:
                return np.linalg.solve(system(np.eye(R.shape[0])), R) if R.shape[0] else R
            column = lambda v: system(v[:, None])[:, 0]  # noqa: E731
            return np.column_stack([_krylov(column, r, linear_solver, rtol, maxiter) for r in R.T])
        return rules.step(state, _competitive_direction(field(state.z), field, rules.slices, steps, solve))

    def linearisation(self) -> Linearisation:
        return self._linearised(partial(self.linear_update, linear_solver=self.linear_solver, rtol=self.rtol,
                                        maxiter=self.maxiter))


def _krylov(system: Callable[[np.ndarray], np.ndarray], rhs: np.ndarray, method: str, rtol: float,
            maxiter: int | None, callback: Callable[[Any], None] | None = None) -> np.ndarray:
    """``system^-1 rhs`` for one vector, by conjugate gradients (``method="cg"``) or GMRES to ``rtol``."""
    import scipy.sparse.linalg as spla   # imported where used, as in _jacobian

    n = rhs.shape[0]
    op = spla.LinearOperator((n, n), matvec=system, dtype=np.float64)
    if method == "cg":
        x, _ = spla.cg(op, rhs, rtol=rtol, atol=0.0, maxiter=maxiter, callback=callback)
    else:
        x, _ = spla.gmres(op, rhs, rtol=rtol, atol=0.0, maxiter=maxiter, callback=callback, callback_type="pr_norm")
    return x


def _competitive_direction(F: np.ndarray, H: Callable[[np.ndarray], np.ndarray], slices: Sequence[slice],
                           steps: Sequence[float], solve: Callable[..., np.ndarray]) -> np.ndarray:
    """CGD's ``d`` (``theta <- theta - L d``) for ``F`` (a vector, or columns):
    ``d_x = (I - eta_x eta_y B C)^-1 (F_x - eta_y B F_y)``, ``d_y = F_y - eta_x C d_x``,
    with ``B = dF_x/dy`` and ``C = dF_y/dx`` applied through ``H``;
    ``solve(system, rhs)`` inverts the system given as a function."""
    sx, sy = slices
    eta_x, eta_y = steps

    def block(rows: slice, cols: slice) -> Callable[[np.ndarray], np.ndarray]:
        def apply(V: np.ndarray) -> np.ndarray:
            full = np.zeros((F.shape[0],) + V.shape[1:])
            full[cols] = V
            return H(full)[rows]
        return apply
    B, C = block(sx, sy), block(sy, sx)
    dx = solve(lambda U: U - eta_x * eta_y * B(C(U)), F[sx] - eta_y * B(F[sy]))
    return np.concatenate([dx, F[sy] - eta_x * C(dx)])


register_solver("consensus", ConsensusOptimization, family="gradient",
                summary="consensus optimization (Mescheder et al. 2017)")
register_solver("sga", SGA, family="gradient",
                summary="symplectic gradient adjustment with the sign rule (Balduzzi et al. 2018)")
register_solver("cgd", CGD, family="gradient",
                summary="competitive gradient descent, CG/GMRES on Jacobian products (Schafer & Anandkumar 2019)")
