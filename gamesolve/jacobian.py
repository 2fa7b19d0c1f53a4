"""The game Jacobian: the derivative of the simultaneous gradient, matrix-free.

At strategies ``theta = (x, y)`` the **game Jacobian** is the derivative of
the simultaneous gradient ``F = (grad_x loss_x, grad_y loss_y)``,

    H = dF/dtheta = [[grad_xx loss_x, grad_xy loss_x],
                     [grad_yx loss_y, grad_yy loss_y]]

(Balduzzi et al. 2018; Mescheder et al. 2017). :func:`jacobian` gives ``H``
as a matrix-free ``scipy.sparse.linalg.LinearOperator``: ``H v`` and
``H^T w`` by double backprop, never a dense matrix unless asked
(:meth:`GameJacobian.dense`).

**Constrained domains.** ``jacobian(game, tangent=False)`` is the plain
(unconstrained) Jacobian over every coordinate. With ``tangent=True`` (the
default whenever a player is constrained) it is ``Q^T H Q``, the Jacobian
restricted to the tangent space of the face of the domains the point lies on:
coordinates at a bound of a ``NonNegative`` or ``Box`` domain (within
``atol``) and the pruned coordinates of a ``Masked`` one are fixed, and the
free coordinates of each ``Simplex`` row keep their sum (``Q`` has
orthonormal columns). Near a fixed point with strict complementarity,
projected gradient methods move on that face, so their linearisation is the
one of the unconstrained method with ``Q^T H Q``; e.g. matching pennies on two
simplices has tangent eigenvalues ``+-2i`` where the unconstrained 4 x 4
Jacobian adds two zero eigenvalues.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse.linalg as spla
import torch
from torch import Tensor

from .core import Game, flatten, unflatten
from .domains import Box, Masked, NonNegative, Reals, Simplex
from .errors import (
    DomainError,
    GameError,
    IncompatibleSolverError,
    InvalidParameterError,
    ShapeError,
)

__all__ = ["DENSE_LIMIT", "TangentBasis", "GameJacobian", "jacobian", "as_jacobian", "vector_field"]

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


def as_jacobian(source: Game | GameJacobian, tangent: bool | None) -> GameJacobian:
    """``source`` itself if it is a :class:`GameJacobian`, else the Jacobian of the game at its strategies."""
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
