"""The game Jacobian, its spectrum, fixed points and the stability of solvers.

At strategies ``theta = (x, y)`` the **game Jacobian** is the derivative of
the simultaneous gradient ``F = (grad_x loss_x, grad_y loss_y)``,

    H = dF/dtheta = [[grad_xx loss_x, grad_xy loss_x],
                     [grad_yx loss_y, grad_yy loss_y]]

(Balduzzi et al. 2018; Mescheder et al. 2017). Gradient play
``theta' = -F(theta)`` is linearly stable at a fixed point when every
eigenvalue of ``H`` has a positive real part.

:func:`jacobian` gives ``H`` as a matrix-free
``scipy.sparse.linalg.LinearOperator``: ``H v`` and ``H^T w`` by double
backprop, never a dense matrix unless asked (:meth:`GameJacobian.dense`).

**Constrained domains.** ``jacobian(game, tangent=False)`` is the plain
(unconstrained) Jacobian over every coordinate. With ``tangent=True`` (the
default whenever a player is constrained) it is ``Q^T H Q``, the Jacobian
restricted to the tangent space of the face of the domains the point lies on:
coordinates at a bound of a ``NonNegative`` or ``Box`` domain (within
``atol``) and the pruned coordinates of a ``Masked`` one are fixed, and the free coordinates of each ``Simplex`` row keep
their sum (``Q`` has orthonormal columns). Near a fixed point with strict
complementarity, projected gradient methods move on that face, so their
linearisation is the one of the unconstrained method with ``Q^T H Q``; e.g.
matching pennies on two simplices has tangent eigenvalues ``+-2i`` where the
unconstrained 4 x 4 Jacobian adds two zero eigenvalues.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse.linalg as spla
import torch
from scipy.optimize import brentq
from torch import Tensor

from ..core import Box, Game, Masked, NonNegative, Reals, Simplex, flatten, unflatten
from ..errors import DomainError, GameError, IncompatibleSolverError, InvalidParameterError, ShapeError
from .metrics import natural_residual

__all__ = [
    "GameJacobian", "TangentBasis", "jacobian", "vector_field", "HelmholtzSplit", "helmholtz_decomposition",
    "eigenvalues", "FixedPoint", "classify_fixed_point", "UPDATE_RULES", "update_operator", "spectral_radius",
    "stable_step_sizes", "stable_ratios", "stability_grid",
]

DENSE_LIMIT = 2000   # default size up to which analyses use the dense Jacobian


# --------------------------------------------------------------------------
# tangent spaces of the domains
# --------------------------------------------------------------------------


def _householder_columns(m: int) -> np.ndarray:
    """``m x (m - 1)`` orthonormal columns spanning ``{v : sum(v) = 0}``: the
    first ``m - 1`` columns of the reflector ``R = I - 2 u u^T / u^T u``,
    ``u = 1/sqrt(m) - e_m``, whose last column is ``1/sqrt(m)``."""
    u = np.full(m, 1.0 / math.sqrt(m))
    u[-1] -= 1.0
    R = np.eye(m) - 2.0 * np.outer(u, u) / (u @ u)
    return R[:, :-1]


class TangentBasis:
    """An orthonormal basis ``Q`` (implicit) of the tangent space of the face
    of the players' domains that the current strategies lie on.

    ``expand(z) = Q z`` maps tangent coordinates to a full flat vector,
    ``reduce(w) = Q^T w`` back; ``dims`` are the tangent dimensions of the two
    players (player 1's coordinates come first). Coordinates of a
    ``NonNegative`` / ``Box`` tensor within ``atol`` of a bound are fixed; each
    row of a ``Simplex`` tensor keeps the free (``> atol``) coordinates with
    their sum fixed; ``Reals`` tensors are free.
    """

    def __init__(self, game: Game, atol: float = 1e-10):
        self.full_dim = sum(p.numel for p in game.players)
        dims, offset, k = [], 0, 0
        # ("free", (k, indices)): coordinates moved one to one to tangent coordinates k, k+1, ...;
        # ("row", (k, indices, columns)): a simplex row's free coordinates, sum-zero basis columns
        self._segments: list[tuple[str, Any]] = []
        for player in game.players:
            start = k
            for p, dom in zip(player.params, player.domains):
                t = p.detach().double().cpu().numpy().reshape(-1)
                idx = offset + np.arange(t.size)
                if isinstance(dom, Reals):
                    keep = idx
                elif isinstance(dom, NonNegative):
                    keep = idx[t > atol]
                elif isinstance(dom, Masked):
                    keep = idx[dom.mask.reshape(-1).cpu().numpy()]
                elif isinstance(dom, Box):
                    lo = np.broadcast_to(torch.as_tensor(dom.lo, dtype=torch.float64).numpy(), p.shape).reshape(-1)
                    hi = np.broadcast_to(torch.as_tensor(dom.hi, dtype=torch.float64).numpy(), p.shape).reshape(-1)
                    keep = idx[(t > lo + atol) & (t < hi - atol)]
                elif isinstance(dom, Simplex):
                    keep = np.empty(0, dtype=int)
                    width = p.shape[-1]
                    for r in range(t.size // width):
                        row = slice(r * width, (r + 1) * width)
                        rows_free = idx[row][t[row] > atol]
                        if rows_free.size > 1:
                            self._segments.append(("row", (k, rows_free, _householder_columns(rows_free.size))))
                            k += rows_free.size - 1
                else:
                    raise DomainError(
                        f"player {player.name!r}: no tangent space is known for {dom!r}; "
                        "analyse the unconstrained Jacobian with tangent=False")
                if keep.size:
                    self._segments.append(("free", (k, keep)))
                    k += keep.size
                offset += t.size
            dims.append(k - start)
        self.dims: tuple[int, int] = (dims[0], dims[1])
        self.dim = k

    def expand(self, z: np.ndarray) -> np.ndarray:
        """``Q z`` for a vector or the columns of a matrix."""
        out = np.zeros((self.full_dim,) + z.shape[1:], dtype=np.result_type(z, np.float64))
        for kind, seg in self._segments:
            if kind == "free":
                k, idx = seg
                out[idx] = z[k:k + idx.size]
            else:
                k, idx, cols = seg
                out[idx] = cols @ z[k:k + cols.shape[1]]
        return out

    def reduce(self, w: np.ndarray) -> np.ndarray:
        """``Q^T w`` for a vector or the columns of a matrix."""
        out = np.zeros((self.dim,) + w.shape[1:], dtype=np.result_type(w, np.float64))
        for kind, seg in self._segments:
            if kind == "free":
                k, idx = seg
                out[k:k + idx.size] = w[idx]
            else:
                k, idx, cols = seg
                out[k:k + cols.shape[1]] = cols.T @ w[idx]
        return out


# --------------------------------------------------------------------------
# the Jacobian
# --------------------------------------------------------------------------


def _needs_tangent(game: Game, tangent: bool | None) -> bool:
    return any(p.constrained for p in game.players) if tangent is None else bool(tangent)


class GameJacobian(spla.LinearOperator):
    """``H = dF/dtheta`` at the strategies where it was built, matrix-free.

    ``H @ v`` (``matvec``) and ``H.T @ w`` (``rmatvec``) cost one double
    backprop each through the graph of ``F`` kept from construction:

    - ``H^T w = grad_theta <F, w>`` (a vector-Jacobian product);
    - ``H v``: for zero-sum games (losses ``(f, -f)``) ``H = D grad^2 f`` with
      ``D = diag(I, -I)`` and a symmetric Hessian, so ``H v = D H^T D v``
      (``method="symmetric"``, Pearlmutter 1994); for any game,
      ``H v = d/du <grad_theta <F, u>, v>`` with a dummy ``u``, the
      double-backward trick (``method="general"``).

    ``n_jvp`` / ``n_vjp`` count the products with ``H`` / ``H^T`` and
    ``products`` their sum (a product with a symmetric or antisymmetric part
    costs one of each). ``losses`` and ``field`` (``F``, detached) are those of
    the point. The operator refuses to work once the strategies have moved
    (build a new one). See the module docstring for ``tangent``. Building it
    evaluates ``F`` once and leaves the game's random stream as it was, unless
    ``restore_random_state=False`` (what a solver taking a step wants).
    """

    def __init__(self, game: Game, *, method: str = "auto", tangent: bool | None = None, atol: float = 1e-10,
                 restore_random_state: bool = True):
        if method not in ("auto", "symmetric", "general"):
            raise InvalidParameterError(f"jacobian: method must be 'auto', 'symmetric' or 'general', got {method!r}")
        if "gradients" not in getattr(game, "capabilities", ()):
            raise IncompatibleSolverError(
                f"the game Jacobian needs gradients, but {type(game).__name__} offers "
                f"{', '.join(sorted(getattr(game, 'capabilities', ()))) or 'nothing'}; analyse a differentiable game")
        if method == "symmetric" and not game.zero_sum:
            raise InvalidParameterError(
                f"jacobian: method='symmetric' needs a zero-sum game (losses (f, -f)); {game.name} is not one; "
                "use method='general'")
        self.game = game
        self.method = "symmetric" if method == "auto" and game.zero_sum else ("general" if method == "auto" else method)
        rng = game.generator if restore_random_state else None
        state = rng.get_state() if rng is not None else None
        try:
            ev = game.evaluate((0, 1), create_graph=True)
        finally:
            if rng is not None:
                rng.set_state(state)
        self.losses = ev.losses
        self.params: list[Tensor] = game.parameters()
        self._graph: list[Tensor] = list(ev.grads[0]) + list(ev.grads[1])  # type: ignore[operator]
        self.field: list[Tensor] = [g.detach() for g in self._graph]
        self._live = [i for i, g in enumerate(self._graph) if g.requires_grad]
        self._versions = [p._version for p in self.params]
        self._signs = [1.0] * len(game.players[0].params) + [-1.0] * len(game.players[1].params)
        self._dual: tuple[list[Tensor], list[Tensor], list[int]] | None = None
        self.basis = TangentBasis(game, atol) if _needs_tangent(game, tangent) else None
        sizes = self.basis.dims if self.basis is not None else (game.players[0].numel, game.players[1].numel)
        self.player_slices = (slice(0, sizes[0]), slice(sizes[0], sizes[0] + sizes[1]))
        self.n_jvp = 0
        self.n_vjp = 0
        n = sizes[0] + sizes[1]
        super().__init__(np.float64, (n, n))

    # -- torch-level products over all coordinates --------------------------
    def _check_fresh(self) -> None:
        if any(p._version != v for p, v in zip(self.params, self._versions)):
            raise GameError(f"the Jacobian of {self.game.name} was built at strategies that have since changed; "
                            "build a new one with jacobian(game) at the current strategies")

    def vjp(self, w: Sequence[Tensor]) -> list[Tensor]:
        """``H^T w`` for ``w`` shaped like the strategy tensors."""
        self._check_fresh()
        self.n_vjp += 1
        if not self._live:
            return [torch.zeros_like(p) for p in self.params]
        return list(torch.autograd.grad([self._graph[i] for i in self._live], self.params,
                                        grad_outputs=[w[i] for i in self._live], retain_graph=True,
                                        allow_unused=True, materialize_grads=True))

    def jvp(self, v: Sequence[Tensor]) -> list[Tensor]:
        """``H v`` for ``v`` shaped like the strategy tensors."""
        if self.method == "symmetric":
            out = self.vjp([s * t for s, t in zip(self._signs, v)])
            self.n_vjp -= 1
            self.n_jvp += 1
            return [s * t for s, t in zip(self._signs, out)]
        self._check_fresh()
        self.n_jvp += 1
        if not self._live:
            return [torch.zeros_like(p) for p in self.params]
        if self._dual is None:   # G(u) = H^T u, linear in u, kept with its graph
            u = [torch.zeros_like(self._graph[i], requires_grad=True) for i in self._live]
            g = torch.autograd.grad([self._graph[i] for i in self._live], self.params, grad_outputs=u,
                                    create_graph=True, allow_unused=True, materialize_grads=True)
            live = [j for j, t in enumerate(g) if t.requires_grad]
            self._dual = (u, list(g), live)
        u, g, live = self._dual
        out = [torch.zeros_like(p) for p in self.params]
        if live:
            hv = torch.autograd.grad([g[j] for j in live], u, grad_outputs=[v[j] for j in live], retain_graph=True,
                                     allow_unused=True, materialize_grads=True)
            for i, t in zip(self._live, hv):
                out[i] = t
        return out

    # -- numpy boundary -----------------------------------------------------
    def to_tensors(self, vector: np.ndarray) -> list[Tensor]:
        """A full flat numpy vector as tensors shaped like the strategies."""
        parts = unflatten(torch.as_tensor(np.ascontiguousarray(vector, dtype=np.float64)), self.params)
        return [t.to(device=p.device, dtype=p.dtype) for t, p in zip(parts, self.params)]

    @staticmethod
    def to_vector(tensors: Sequence[Tensor]) -> np.ndarray:
        return flatten([t.detach() for t in tensors]).to(device="cpu", dtype=torch.float64).numpy()

    def _full(self, z: np.ndarray) -> np.ndarray:
        return self.basis.expand(z) if self.basis is not None else z

    def _tangent(self, w: np.ndarray) -> np.ndarray:
        return self.basis.reduce(w) if self.basis is not None else w

    def _apply(self, product: Callable[[Sequence[Tensor]], list[Tensor]], z: np.ndarray) -> np.ndarray:
        z = np.asarray(z).reshape(-1)
        if np.iscomplexobj(z):
            return self._apply(product, z.real) + 1j * self._apply(product, z.imag)
        return self._tangent(self.to_vector(product(self.to_tensors(self._full(z)))))

    def _matvec(self, v: np.ndarray) -> np.ndarray:
        return self._apply(self.jvp, v)

    def _rmatvec(self, w: np.ndarray) -> np.ndarray:
        return self._apply(self.vjp, w)

    def _adjoint(self) -> spla.LinearOperator:
        return spla.LinearOperator(self.shape, matvec=self._rmatvec, rmatvec=self._matvec, dtype=self.dtype)

    def split(self, tensors: Sequence[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        """Per-tensor values over all coordinates as (player 1's, player 2's)."""
        k = len(self.game.players[0].params)
        return list(tensors[:k]), list(tensors[k:])

    @property
    def products(self) -> int:
        """Products with ``H`` or ``H^T`` so far."""
        return self.n_jvp + self.n_vjp

    def field_vector(self) -> np.ndarray:
        """``F`` at the point, in the operator's coordinates (``Q^T F`` with ``tangent``)."""
        return self._tangent(self.to_vector(self.field))

    def dense(self) -> np.ndarray:
        """``H`` as a dense matrix, row by row from ``n`` products with ``H^T``."""
        n = self.shape[0]
        if n > 10 * DENSE_LIMIT:
            raise InvalidParameterError(
                f"jacobian: a dense {n} x {n} Jacobian would take {8 * n * n / 2**30:.1f} GiB; "
                "use the operator (eigenvalues(..., k=6)) instead")
        rows = np.empty((n, n))
        eye = np.eye(n)
        for i in range(n):
            rows[i] = self._rmatvec(eye[i])
        return rows

    def symmetric_part(self) -> spla.LinearOperator:
        """``S = (H + H^T) / 2``, the potential part (Balduzzi et al. 2018)."""
        half = lambda v: 0.5 * (self.matvec(v) + self.rmatvec(v))  # noqa: E731
        return spla.LinearOperator(self.shape, matvec=half, rmatvec=half, dtype=self.dtype)

    def antisymmetric_part(self) -> spla.LinearOperator:
        """``A = (H - H^T) / 2``, the Hamiltonian part (Balduzzi et al. 2018)."""
        half = lambda v: 0.5 * (self.matvec(v) - self.rmatvec(v))  # noqa: E731
        return spla.LinearOperator(self.shape, matvec=half, rmatvec=lambda v: -half(v), dtype=self.dtype)

    def __repr__(self) -> str:
        where = "tangent" if self.basis is not None else "full"
        return (f"GameJacobian({self.game.name}, {self.shape[0]} x {self.shape[0]} {where}, method={self.method!r}, "
                f"products={self.products})")


def jacobian(game: Game, *, method: str = "auto", tangent: bool | None = None, atol: float = 1e-10) -> GameJacobian:
    """The game Jacobian ``H = dF/dtheta`` at the current strategies as a
    matrix-free ``LinearOperator`` (``H @ v``, ``H.T @ w``, ``.dense()``).

    ``tangent`` (default: whether any player is constrained) restricts it to
    the tangent space of the domains' face at the point, ``Q^T H Q``; see
    :class:`GameJacobian` for ``method`` and the cost of a product.
    """
    return GameJacobian(game, method=method, tangent=tangent, atol=atol)


def _as_jacobian(source: Game | GameJacobian, tangent: bool | None) -> GameJacobian:
    if isinstance(source, GameJacobian):
        return source
    if isinstance(source, Game):
        return GameJacobian(source, tangent=tangent)
    raise InvalidParameterError(f"expected a gamesolve Game or a GameJacobian, got {type(source).__name__}")


def vector_field(game: Game) -> Callable[[np.ndarray], np.ndarray]:
    """``F`` as a numpy function of flat strategies: ``field(points)`` for one
    point ``(n,)`` or a batch ``(m, n)`` (player 1's coordinates first, as in
    ``trajectory.points``); the game's strategies and random stream are
    restored after every call."""
    params = game.parameters()
    n = sum(p.numel() for p in params)

    def field(points: np.ndarray) -> np.ndarray:
        pts = np.asarray(points, dtype=np.float64)
        batch = pts.reshape(-1, n) if pts.size else pts.reshape(0, n)
        if pts.shape[-1] != n:
            raise ShapeError(f"vector_field: points have {pts.shape[-1]} coordinates, the game has {n}")
        start = game.snapshot()
        rng = game.generator
        state = rng.get_state() if rng is not None else None
        out = np.empty_like(batch)
        try:
            for k, point in enumerate(batch):
                parts = unflatten(torch.as_tensor(point), params)
                game.restore([t.to(device=p.device, dtype=p.dtype) for t, p in zip(parts, params)])
                gx, gy = game.simultaneous_gradient()
                out[k] = GameJacobian.to_vector(gx + gy)
                if rng is not None:
                    rng.set_state(state)
        finally:
            game.restore(start)
        return out.reshape(pts.shape)

    return field


class HelmholtzSplit(NamedTuple):
    """``H = S + A`` with ``S`` symmetric (potential) and ``A`` antisymmetric
    (Hamiltonian) (Balduzzi et al. 2018); ``ratio = ||A xi|| / ||S xi||``
    along ``xi`` (by default the simultaneous gradient ``F``): large for
    rotational dynamics (``inf`` for a purely Hamiltonian game), 0 for a
    potential game; NaN when ``H xi = 0`` (e.g. ``xi = F = 0`` at a fixed
    point: pass another ``direction``)."""

    symmetric: spla.LinearOperator
    antisymmetric: spla.LinearOperator
    ratio: float
    jacobian: GameJacobian


def helmholtz_decomposition(game: Game | GameJacobian, direction: np.ndarray | None = None, *,
                            tangent: bool | None = None) -> HelmholtzSplit:
    """The symmetric / antisymmetric split of the game Jacobian and the ratio
    ``||A xi|| / ||S xi||`` (see :class:`HelmholtzSplit`); costs two products
    with ``H`` and two with ``H^T``."""
    jac = _as_jacobian(game, tangent)
    xi = jac.field_vector() if direction is None else np.asarray(direction, dtype=np.float64)
    S, A = jac.symmetric_part(), jac.antisymmetric_part()
    hv, htv = jac.matvec(xi), jac.rmatvec(xi)
    s_norm, a_norm = np.linalg.norm(0.5 * (hv + htv)), np.linalg.norm(0.5 * (hv - htv))
    ratio = a_norm / s_norm if s_norm > 0 else (math.inf if a_norm > 0 else math.nan)
    return HelmholtzSplit(S, A, float(ratio), jac)


# --------------------------------------------------------------------------
# spectra
# --------------------------------------------------------------------------

_ORDER = {"LM": lambda z: -np.abs(z), "LR": lambda z: -z.real, "SR": lambda z: z.real}


def _sorted(values: np.ndarray, which: str) -> np.ndarray:
    """Sorted by ``which``; of a conjugate pair the member with positive
    imaginary part comes first (so a list cut inside a pair keeps that one)."""
    values = np.asarray(values, dtype=complex)
    return values[np.lexsort((-values.imag, _ORDER[which](values)))]


def _complete_pairs(values: np.ndarray) -> np.ndarray:
    """Eigenvalues of a real operator come in conjugate pairs; ARPACK may
    return either member of a pair cut by ``k``: keep the one with positive
    imaginary part, as :func:`_sorted` does."""
    values = np.asarray(values, dtype=complex).copy()
    scale = max(1.0, float(np.abs(values).max(initial=0.0)))
    for i, v in enumerate(values):
        if abs(v.imag) > 1e-12 * scale and np.abs(values - np.conj(v)).min() > 1e-8 * scale:
            values[i] = complex(v.real, abs(v.imag))
    return values


def eigenvalues(game: Game | GameJacobian | np.ndarray, k: int | None = None, *, which: str = "LM",
                tangent: bool | None = None, tol: float = 1e-10, seed: int = 0,
                maxiter: int = 1000) -> np.ndarray:
    """Eigenvalues of the game Jacobian ``H``: all of them (``k=None``, dense),
    or the ``k`` of largest modulus (``which="LM"``), largest real part
    (``"LR"``) or smallest real part (``"SR"``) by ARPACK on the matrix-free
    operator (implicitly restarted Arnoldi; Lehoucq, Sorensen & Yang 1998).

    Sorted by ``which``. ``game`` may be a :class:`GameJacobian`, whose
    ``products`` counter then tells the cost of the call, or any other
    ``LinearOperator`` (e.g. :func:`update_operator`) or a dense matrix. The
    ARPACK start vector comes from ``seed``, so a call is reproducible. If
    ARPACK has not converged after ``maxiter`` restarts a :class:`GameError`
    says so; its ``partial`` attribute holds the eigenvalues that did.
    """
    if which not in _ORDER:
        raise InvalidParameterError(f"eigenvalues: which must be 'LM', 'LR' or 'SR', got {which!r}")
    if isinstance(game, np.ndarray):
        op: Any = np.asarray(game, dtype=np.float64)
    elif isinstance(game, spla.LinearOperator):
        op = game
    else:
        op = _as_jacobian(game, tangent)
    n = op.shape[0]
    if k is not None and (not isinstance(k, int) or k < 1):
        raise InvalidParameterError(f"eigenvalues: k must be a positive integer or None, got {k!r}")
    if k is None or k >= n - 1:
        dense = op if isinstance(op, np.ndarray) else op.dense() if isinstance(op, GameJacobian) else \
            op.matmat(np.eye(n))
        values = _sorted(np.linalg.eigvals(dense), which)
        return values if k is None else values[:k]
    v0 = np.random.default_rng(seed).standard_normal(n)
    ncv = min(n, max(2 * k + 1, 20))
    try:
        values = spla.eigs(op, k=k, which=which, v0=v0, ncv=ncv, tol=tol, maxiter=maxiter,
                           return_eigenvectors=False)
    except spla.ArpackNoConvergence as err:
        partial = _sorted(_complete_pairs(err.eigenvalues), which)
        failure = GameError(
            f"eigenvalues: ARPACK found {len(partial)} of the {k} eigenvalues with which={which!r} in {maxiter} "
            f"restarts (tol {tol:g}); eigenvalues that tie in the sorting key (e.g. equal real parts for "
            "'LR'/'SR') converge slowly: raise maxiter, loosen tol, or ask for which='LM'")
        failure.partial = partial  # type: ignore[attr-defined]
        raise failure from None
    return _sorted(_complete_pairs(values), which)


# --------------------------------------------------------------------------
# fixed points
# --------------------------------------------------------------------------


@dataclass
class FixedPoint:
    """The class of a (near-)stationary point and the eigenvalues that decide it.

    ``kind`` is the most specific of

    - ``"local-nash"``: each player's own Hessian is positive definite,
      ``H_xx = grad_xx loss_x > 0`` and ``H_yy = grad_yy loss_y > 0``
      (differential Nash equilibrium; Ratliff, Burden & Sastry 2013);
    - ``"local-minimax"`` (zero-sum ``min_x max_y f`` only): ``H_yy > 0`` and
      the Schur complement ``grad_xx f - grad_xy f (grad_yy f)^-1 grad_yx f > 0``
      (strict local minimax; Jin, Netrapalli & Jordan 2020, Prop. 20). Every
      local Nash point is also local minimax;
    - ``"strict-saddle"``: some player's own Hessian has a negative
      eigenvalue (that player can strictly improve along it);
    - ``"none"``: second-order test inconclusive (an eigenvalue within
      ``tol`` of zero, as at the mixed equilibria of matrix games);
    - ``"not-stationary"``: the residual ``||theta - P(theta - F)||`` exceeds
      ``tol`` (the eigenvalues are still reported).

    ``eig_x``, ``eig_y``, ``eig_schur`` are the eigenvalues of ``H_xx``,
    ``H_yy`` and the Schur complement (ascending; only the smallest ones when
    computed matrix-free). ``eig_jacobian`` holds eigenvalues of ``H`` (all, or
    the ones of smallest real part), and ``stable`` says whether all of them
    have a positive real part (gradient play is then locally stable for small
    steps; Mescheder et al. 2017; ``None`` when ARPACK did not find the
    smallest real parts, see ``extras["stability"]``). ``products`` is the
    cost in products with ``H`` / ``H^T``.
    """

    kind: str
    reason: str
    residual: float
    eig_x: np.ndarray
    eig_y: np.ndarray
    eig_schur: np.ndarray | None
    eig_jacobian: np.ndarray
    stable: bool | None
    local_nash: bool
    local_minimax: bool | None
    tangent: bool
    products: int = 0
    dense: bool = True
    extras: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.kind}: {self.reason}"


def _dense_blocks(jac: GameJacobian) -> dict[str, np.ndarray]:
    H = jac.dense()
    sx, sy = jac.player_slices
    return {"H": H, "A": H[sx, sx], "B": H[sx, sy], "C": H[sy, sx], "D": H[sy, sy]}


def _smallest_symmetric(matvec: Callable[[np.ndarray], np.ndarray], n: int, k: int, seed: int, tol: float,
                        maxiter: int, what: str) -> np.ndarray:
    """The ``k`` smallest eigenvalues of a symmetric operator (Lanczos; ARPACK)."""
    if n == 0:
        return np.empty(0)
    op = spla.LinearOperator((n, n), matvec=matvec, rmatvec=matvec, dtype=np.float64)
    if n <= 2 * k + 2:
        dense = np.column_stack([matvec(e) for e in np.eye(n)])
        return np.sort(np.linalg.eigvalsh(0.5 * (dense + dense.T)))[:k]
    v0 = np.random.default_rng(seed).standard_normal(n)
    try:
        return np.sort(spla.eigsh(op, k=k, which="SA", v0=v0, tol=tol, maxiter=maxiter, return_eigenvectors=False))
    except spla.ArpackNoConvergence:
        raise GameError(f"classify_fixed_point: Lanczos found fewer than {k} smallest eigenvalues of {what} in "
                        f"{maxiter} restarts; raise maxiter or use dense=True") from None


def classify_fixed_point(game: Game | GameJacobian, *, tol: float = 1e-6, tangent: bool | None = None,
                         dense: bool | None = None, k: int = 3, seed: int = 0, maxiter: int = 1000) -> FixedPoint:
    """Classify the current strategies of ``game`` as a fixed point (see
    :class:`FixedPoint` for the classes and the maths).

    Dense eigen-decompositions for games up to ``DENSE_LIMIT`` parameters
    (``dense=None``), else matrix-free: the ``k`` smallest eigenvalues of the
    symmetric blocks by Lanczos, the Schur complement with inner conjugate
    gradient solves of ``H_yy``, and the ``k`` eigenvalues of ``H`` of smallest
    real part (at most ``maxiter`` ARPACK restarts; if they do not converge,
    ``stable`` is ``None``). Eigenvalues count as zero within
    ``tol * max(1, |H|)``.
    """
    jac = _as_jacobian(game, tangent)
    g = jac.game
    rng = g.generator
    state = rng.get_state() if rng is not None else None
    residual = natural_residual(g)
    if rng is not None:
        rng.set_state(state)
    n = jac.shape[0]
    use_dense = n <= DENSE_LIMIT if dense is None else bool(dense)
    sx, sy = jac.player_slices
    nx, ny = sx.stop - sx.start, sy.stop - sy.start
    start = jac.products
    undetermined = ""
    if use_dense:
        blk = _dense_blocks(jac)
        scale = max(1.0, float(np.abs(blk["H"]).max(initial=0.0)))
        eig_x = np.linalg.eigvalsh(0.5 * (blk["A"] + blk["A"].T)) if nx else np.empty(0)
        eig_y = np.linalg.eigvalsh(0.5 * (blk["D"] + blk["D"].T)) if ny else np.empty(0)
        eig_h = _sorted(np.linalg.eigvals(blk["H"]), "SR")
    else:
        def block(i: slice, j: slice) -> Callable[[np.ndarray], np.ndarray]:
            def mv(v: np.ndarray) -> np.ndarray:
                full = np.zeros(n)
                full[j] = v
                return jac.matvec(full)[i]
            return mv
        Amv, Bmv, Cmv, Dmv = block(sx, sx), block(sx, sy), block(sy, sx), block(sy, sy)
        eig_x = _smallest_symmetric(Amv, nx, min(k, nx), seed, 1e-8, maxiter, "H_xx")
        eig_y = _smallest_symmetric(Dmv, ny, min(k, ny), seed, 1e-8, maxiter, "H_yy")
        try:
            eig_h = eigenvalues(jac, k=min(k, n), which="SR", seed=seed, tol=1e-8, maxiter=maxiter)
        except GameError as err:   # ARPACK did not converge: stability undetermined
            eig_h, undetermined = err.partial, str(err)  # type: ignore[attr-defined]
        scale = max(1.0, float(np.abs(eigenvalues(jac, k=1, which="LM", seed=seed, tol=1e-6)).max()))
    zero = tol * scale
    pos_x = bool(nx == 0 or eig_x[0] > zero)
    pos_y = bool(ny == 0 or eig_y[0] > zero)
    eig_s: np.ndarray | None = None
    minimax: bool | None = None
    if g.zero_sum:
        minimax = False
        if pos_y:
            if use_dense:
                schur = blk["A"] - blk["B"] @ np.linalg.solve(blk["D"], blk["C"])
                eig_s = np.linalg.eigvalsh(0.5 * (schur + schur.T)) if nx else np.empty(0)
            else:
                D_op = spla.LinearOperator((ny, ny), matvec=Dmv, rmatvec=Dmv, dtype=np.float64)

                def schur_mv(v: np.ndarray) -> np.ndarray:
                    w, info = spla.cg(D_op, Cmv(v), rtol=1e-10, atol=0.0, maxiter=10 * ny)
                    if info != 0:
                        raise GameError(f"classify_fixed_point: conjugate gradients on H_yy did not reach rtol "
                                        f"1e-10 in {10 * ny} iterations; use dense=True")
                    return Amv(v) - Bmv(w)
                eig_s = _smallest_symmetric(schur_mv, nx, min(k, nx), seed, 1e-8, maxiter, "the Schur complement")
            minimax = bool(nx == 0 or eig_s[0] > zero)
    nash = pos_x and pos_y
    stable = None if undetermined else bool(eig_h.size and eig_h.real.min() > zero)
    low = lambda e: f"{e[0] + 0.0:.4g}" if e.size else "none"  # noqa: E731
    facts = f"min eig H_xx = {low(eig_x)}, min eig H_yy = {low(eig_y)}"
    if eig_s is not None:
        facts += f", min eig Schur = {low(eig_s)}"
    if residual > tol:
        kind, reason = "not-stationary", f"residual {residual:.3g} > tol {tol:g}; {facts}"
    elif nash:
        kind, reason = "local-nash", f"both players' Hessians are positive definite ({facts})"
    elif minimax:
        kind, reason = "local-minimax", f"H_yy > 0 and Schur complement > 0 but H_xx is not ({facts})"
    elif (eig_x.size and eig_x[0] < -zero) or (eig_y.size and eig_y[0] < -zero):
        kind, reason = "strict-saddle", f"a player's own Hessian has a negative eigenvalue ({facts})"
    else:
        kind, reason = "none", f"second-order test inconclusive: an eigenvalue is within {zero:.2g} of 0 ({facts})"
    return FixedPoint(kind=kind, reason=reason, residual=residual, eig_x=np.asarray(eig_x), eig_y=np.asarray(eig_y),
                      eig_schur=eig_s, eig_jacobian=eig_h, stable=stable, local_nash=nash, local_minimax=minimax,
                      tangent=jac.basis is not None, products=jac.products - start, dense=use_dense,
                      extras={"stability": undetermined} if undetermined else {})


# --------------------------------------------------------------------------
# linearised update operators of solvers
# --------------------------------------------------------------------------

Apply = Callable[[np.ndarray], np.ndarray]   # Z (n, m) -> H Z


@dataclass(frozen=True)
class _Rule:
    """A solver's update linearised at a fixed point of ``F(z) = H z``,
    acting on the deviation ``state``; ``memory`` says whether the state
    stacks a second copy of the strategies."""

    formula: str
    memory: bool
    apply: Callable[..., np.ndarray]
    radius: Callable[[np.ndarray], np.ndarray] | None   # from the eigenvalues mu of Lambda H


def _gda(h: Apply, lam: np.ndarray, Z: np.ndarray, **_: Any) -> np.ndarray:
    return Z - lam * h(Z)


def _alternating(h: Apply, lam: np.ndarray, Z: np.ndarray, *, slices: Sequence[slice],
                 order: Sequence[int] = (0, 1), steps_per_player: Sequence[int] = (1, 1)) -> np.ndarray:
    Z = Z.copy()
    for i in order:
        for _ in range(steps_per_player[i]):
            Z[slices[i]] -= lam[slices[i]] * h(Z)[slices[i]]
    return Z


def _extragradient(h: Apply, lam: np.ndarray, Z: np.ndarray, **_: Any) -> np.ndarray:
    return Z - lam * h(Z - lam * h(Z))


def _ogda(h: Apply, lam: np.ndarray, Z: np.ndarray, **_: Any) -> np.ndarray:
    n = lam.shape[0]
    z, prev = Z[:n], Z[n:]
    return np.concatenate([z - lam * h(2 * z - prev), z])


def _past_extragradient(h: Apply, lam: np.ndarray, Z: np.ndarray, **_: Any) -> np.ndarray:
    n = lam.shape[0]
    z, half_prev = Z[:n], Z[n:]
    half = z - lam * h(half_prev)
    return np.concatenate([z - lam * h(half), half])


def _optimistic_radius(mu: np.ndarray) -> np.ndarray:
    b = 1 - 2 * mu
    root = np.sqrt(b * b + 4 * mu + 0j)
    return np.maximum(np.abs(b + root), np.abs(b - root)) / 2


UPDATE_RULES: dict[str, _Rule] = {
    "gda": _Rule("z' = (I - L H) z", False, _gda, lambda mu: np.abs(1 - mu)),
    "alternating-gda": _Rule("x' = x - Lx (H z)_x, then y' = y - Ly (H (x', y))_y", False, _alternating, None),
    "ogda": _Rule("z' = z - L H (2 z - z_prev)", True, _ogda, _optimistic_radius),
    "extragradient": _Rule("z' = (I - L H + L H L H) z", False, _extragradient, lambda mu: np.abs(1 - mu + mu * mu)),
    "past-extragradient": _Rule("h' = z - L H h, z' = z - L H h'", True, _past_extragradient, _optimistic_radius),
}
"""Linearised update rules by solver name: ``L = diag(eta_x I, eta_y I)`` and
``H`` the game Jacobian at the fixed point."""


def _rule(solver: str) -> _Rule:
    try:
        return UPDATE_RULES[solver]
    except KeyError:
        raise InvalidParameterError(f"no linearised update rule for solver {solver!r}; "
                                    f"known: {', '.join(UPDATE_RULES)}") from None


def _steps(lr: float | Sequence[float], jac: GameJacobian | Sequence[slice], n: int) -> np.ndarray:
    slices = jac.player_slices if isinstance(jac, GameJacobian) else jac
    rates = tuple(lr) if isinstance(lr, (list, tuple)) else (lr, lr)
    if len(rates) != 2 or not all(isinstance(r, (int, float)) and r > 0 and math.isfinite(r) for r in rates):
        raise InvalidParameterError(f"lr must be a positive step size or one per player, got {lr!r}")
    lam = np.empty(n)
    lam[slices[0]], lam[slices[1]] = rates
    return lam[:, None]


def _map_options(solver: str, order: Sequence[int], steps_per_player: int | Sequence[int]) -> dict[str, Any]:
    if solver != "alternating-gda":
        return {}
    ks = (steps_per_player, steps_per_player) if isinstance(steps_per_player, int) else tuple(steps_per_player)
    return {"order": tuple(order), "steps_per_player": ks}


def update_operator(game: Game | GameJacobian, solver: str, lr: float | Sequence[float] = 0.01, *,
                    tangent: bool | None = None, order: Sequence[int] = (0, 1),
                    steps_per_player: int | Sequence[int] = 1) -> spla.LinearOperator:
    """The linearised update of ``solver`` at the current strategies, matrix-free:
    ``T`` acting on deviations from the fixed point (stacked with the previous
    ones for ``"ogda"`` and ``"past-extragradient"``); see :data:`UPDATE_RULES`.
    One application costs one product with ``H`` (GDA, OGDA), two
    (extragradient, past extragradient) or ``k_x + k_y`` (alternating GDA)."""
    rule = _rule(solver)
    jac = _as_jacobian(game, tangent)
    n = jac.shape[0]
    lam = _steps(lr, jac, n)
    opts = _map_options(solver, order, steps_per_player)
    size = 2 * n if rule.memory else n

    def matvec(v: np.ndarray) -> np.ndarray:
        out = rule.apply(lambda Z: jac.matmat(Z), lam, np.asarray(v, dtype=np.float64).reshape(size, 1),
                         slices=jac.player_slices, **opts)
        return out[:, 0]
    return spla.LinearOperator((size, size), matvec=matvec, dtype=np.float64)


def _dense_radius(H: np.ndarray, slices: Sequence[slice], solver: str, lr: float | Sequence[float],
                  opts: dict[str, Any]) -> float:
    rule = _rule(solver)
    lam = _steps(lr, slices, H.shape[0])
    if rule.radius is not None:
        return float(rule.radius(np.linalg.eigvals(lam * H)).max(initial=0.0))
    T = rule.apply(lambda Z: H @ Z, lam, np.eye(H.shape[0]), slices=slices, **opts)
    return float(np.abs(np.linalg.eigvals(T)).max(initial=0.0))


def spectral_radius(game: Game | GameJacobian, solver: str, lr: float | Sequence[float] = 0.01, *,
                    tangent: bool | None = None, dense: bool | None = None, order: Sequence[int] = (0, 1),
                    steps_per_player: int | Sequence[int] = 1, tol: float = 1e-6, seed: int = 0,
                    maxiter: int = 1000) -> float:
    """``rho(T)``, the spectral radius of ``solver``'s linearised update at the
    current strategies (a fixed point) with step sizes ``lr`` (one, or
    ``(eta_x, eta_y)``): the iterates converge locally iff ``rho < 1``, and
    ``||z_t|| ~ rho^t`` (Bertsekas 1999, Prop. 4.4.1; Gidel et al. 2019).

    ``solver`` is one of ``"gda"``, ``"alternating-gda"`` (with ``order``,
    ``steps_per_player`` as in ``gs.GDA``), ``"ogda"``, ``"extragradient"``,
    ``"past-extragradient"``. Dense (exact eigenvalues; ``T`` is a polynomial
    or companion matrix of ``L H``, so ``rho`` follows from the eigenvalues
    ``mu`` of ``L H``: ``|1 - mu|`` for GDA, ``|1 - mu + mu^2|`` for
    extragradient, the roots of ``l^2 - (1 - 2 mu) l - mu`` for OGDA) up to
    ``DENSE_LIMIT`` parameters, else ARPACK on :func:`update_operator` (4
    eigenvalues of largest modulus to relative tolerance ``tol``, at most
    ``maxiter`` restarts; see :func:`eigenvalues`).
    """
    jac = _as_jacobian(game, tangent)
    n = jac.shape[0]
    opts = _map_options(solver, order, steps_per_player)
    _rule(solver)
    if n == 0:
        return 0.0
    if (n <= DENSE_LIMIT) if dense is None else dense:
        return _dense_radius(jac.dense(), jac.player_slices, solver, lr, opts)
    op = update_operator(jac, solver, lr, order=order, steps_per_player=steps_per_player)
    return float(np.abs(eigenvalues(op, k=4, tol=tol, seed=seed, maxiter=maxiter)).max())


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


def _dense_for_ranges(game: Game | GameJacobian, tangent: bool | None) -> tuple[np.ndarray, tuple[slice, slice]]:
    jac = _as_jacobian(game, tangent)
    if jac.shape[0] > DENSE_LIMIT:
        raise InvalidParameterError(
            f"stable step-size ranges scan the dense spectrum; this game has {jac.shape[0]} > {DENSE_LIMIT} "
            "parameters; use spectral_radius at chosen step sizes instead")
    return jac.dense(), jac.player_slices


def stable_step_sizes(game: Game | GameJacobian, solver: str, *, ratio: float = 1.0,
                      bounds: tuple[float, float] = (1e-4, 10.0), num: int = 400, tangent: bool | None = None,
                      order: Sequence[int] = (0, 1), steps_per_player: int | Sequence[int] = 1
                      ) -> list[tuple[float, float]]:
    """The step sizes ``eta`` in ``bounds`` with ``eta_x = eta``,
    ``eta_y = ratio * eta`` for which ``solver``'s linearised update is
    contracting (``spectral_radius < 1``), as a list of intervals found on a
    log grid of ``num`` points and refined by Brent's method (an interval
    narrower than the grid spacing can be missed). Empty when no step size in
    ``bounds`` is stable (e.g. GDA on a bilinear game). Dense: small games."""
    H, slices = _dense_for_ranges(game, tangent)
    opts = _map_options(solver, order, steps_per_player)
    rule = _rule(solver)
    if rule.radius is not None:   # eigenvalues of L H = eta * eig(diag(I, ratio I) H), computed once
        nu = np.linalg.eigvals(_steps((1.0, ratio), slices, H.shape[0]) * H)
        radius = lambda eta: float(rule.radius(eta * nu).max(initial=0.0))  # noqa: E731
    else:
        radius = lambda eta: _dense_radius(H, slices, solver, (eta, ratio * eta), opts)  # noqa: E731
    return _intervals(radius, np.geomspace(bounds[0], bounds[1], num))


def stable_ratios(game: Game | GameJacobian, solver: str, *, lr: float, bounds: tuple[float, float] = (1e-2, 1e2),
                  num: int = 200, tangent: bool | None = None, order: Sequence[int] = (0, 1),
                  steps_per_player: int | Sequence[int] = 1) -> list[tuple[float, float]]:
    """The time-scale ratios ``gamma`` in ``bounds`` for which gamma-GDA-style
    steps ``eta_x = lr / gamma``, ``eta_y = lr`` (the max player ``gamma``
    times faster; Jin, Netrapalli & Jordan 2020; Fiez & Ratliff 2021) give a
    contracting linearised update, as intervals (see :func:`stable_step_sizes`)."""
    H, slices = _dense_for_ranges(game, tangent)
    opts = _map_options(solver, order, steps_per_player)
    radius = lambda gamma: _dense_radius(H, slices, solver, (lr / gamma, lr), opts)  # noqa: E731
    return _intervals(radius, np.geomspace(bounds[0], bounds[1], num))


def stability_grid(game: Game | GameJacobian, solver: str, eta_x: np.ndarray, eta_y: np.ndarray, *,
                   tangent: bool | None = None, order: Sequence[int] = (0, 1),
                   steps_per_player: int | Sequence[int] = 1) -> np.ndarray:
    """``rho[i, j]``: the spectral radius of ``solver``'s linearised update with
    ``(eta_x[j], eta_y[i])`` (rows follow ``eta_y``, as an image); dense, for
    small games. Plot it with :func:`gamesolve.analysis.plots.stability_region_plot`."""
    H, slices = _dense_for_ranges(game, tangent)
    opts = _map_options(solver, order, steps_per_player)
    return np.array([[_dense_radius(H, slices, solver, (float(ex), float(ey)), opts) for ex in eta_x]
                     for ey in eta_y])
