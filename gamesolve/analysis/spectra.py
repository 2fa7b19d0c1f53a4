"""Spectra of the game Jacobian and the classification of fixed points.

Gradient play ``theta' = -F(theta)`` is linearly stable at a fixed point when
every eigenvalue of the game Jacobian ``H`` (:mod:`gamesolve.jacobian`)
has a positive real part (Mescheder et al. 2017). :func:`eigenvalues` gives
all of them (dense) or a few extreme ones by ARPACK on the matrix-free
operator; :func:`classify_fixed_point` reads the players' own Hessians, the
Schur complement and the spectrum of ``H``; :func:`helmholtz_decomposition`
splits ``H`` into its potential and Hamiltonian parts (Balduzzi et al. 2018).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse.linalg as spla

from ..core import Game
from ..errors import GameError, InvalidParameterError
from ..jacobian import DENSE_LIMIT, GameJacobian, as_jacobian
from .metrics import natural_residual

__all__ = ["HelmholtzSplit", "helmholtz_decomposition", "eigenvalues", "sort_eigenvalues", "FixedPoint",
           "classify_fixed_point"]


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
    jac = as_jacobian(game, tangent)
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


def sort_eigenvalues(values: np.ndarray, which: str) -> np.ndarray:
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
        op = as_jacobian(game, tangent)
    n = op.shape[0]
    if k is not None and (not isinstance(k, int) or k < 1):
        raise InvalidParameterError(f"eigenvalues: k must be a positive integer or None, got {k!r}")
    if k is None or k >= n - 1:
        dense = op if isinstance(op, np.ndarray) else op.dense() if isinstance(op, GameJacobian) else \
            op.matmat(np.eye(n))
        values = sort_eigenvalues(np.linalg.eigvals(dense), which)
        return values if k is None else values[:k]
    v0 = np.random.default_rng(seed).standard_normal(n)
    ncv = min(n, max(2 * k + 1, 20))
    try:
        values = spla.eigs(op, k=k, which=which, v0=v0, ncv=ncv, tol=tol, maxiter=maxiter,
                           return_eigenvectors=False)
    except spla.ArpackNoConvergence as err:
        partial = sort_eigenvalues(_complete_pairs(err.eigenvalues), which)
        failure = GameError(
            f"eigenvalues: ARPACK found {len(partial)} of the {k} eigenvalues with which={which!r} in {maxiter} "
            f"restarts (tol {tol:g}); eigenvalues that tie in the sorting key (e.g. equal real parts for "
            "'LR'/'SR') converge slowly: raise maxiter, loosen tol, or ask for which='LM'")
        failure.partial = partial  # type: ignore[attr-defined]
        raise failure from None
    return sort_eigenvalues(_complete_pairs(values), which)


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
    - ``"inconclusive"``: the second-order test cannot decide (an eigenvalue
      within ``tol`` of zero, as at the mixed equilibria of matrix games);
    - ``"not-stationary"``: the residual ``||theta - P(theta - F)||`` exceeds
      ``tol`` (the eigenvalues are still reported).

    On the tangent space of the domains a player may have no free coordinate
    (a pure strategy, multipliers at 0): its conditions hold vacuously, and
    at a vertex of both domains the point is local Nash. ``str(fixed_point)``
    reads ``label: reason``, with ``label`` the class in words.

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

    @property
    def label(self) -> str:
        """The class in words (``"not classified"`` when the test is inconclusive)."""
        return LABELS[self.kind]

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"


LABELS = {"local-nash": "local Nash equilibrium", "local-minimax": "local minimax point",
          "strict-saddle": "strict saddle", "inconclusive": "not classified", "not-stationary": "not stationary"}


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
    jac = as_jacobian(game, tangent)
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
        eig_h = sort_eigenvalues(np.linalg.eigvals(blk["H"]), "SR")
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
    blocks = [("H_xx", eig_x), ("H_yy", eig_y)] + ([("Schur", eig_s)] if eig_s is not None and nx else [])
    facts = ", ".join(f"min eig {name} = {e[0] + 0.0:.4g}" for name, e in blocks if e.size)
    if bool(nx) != bool(ny):
        facts += f"; player {jac.game.players[0 if not nx else 1].name!r} has no free coordinate"
    if residual > tol:
        kind, reason = "not-stationary", (f"the projected field's residual ||theta - P(theta - F)|| = {residual:.3g} "
                                          f"exceeds tol {tol:g} ({facts})")
    elif not (nx or ny):
        kind, reason = "local-nash", ("no free direction: every coordinate is at a bound of its domain (a vertex), so "
                                      "the second-order conditions hold vacuously")
    elif nash:
        kind, reason = "local-nash", f"each player's own Hessian is positive definite ({facts})"
    elif minimax:
        kind, reason = "local-minimax", f"H_yy > 0 and Schur complement > 0 but H_xx is not ({facts})"
    elif (eig_x.size and eig_x[0] < -zero) or (eig_y.size and eig_y[0] < -zero):
        kind, reason = "strict-saddle", f"a player's own Hessian has a negative eigenvalue ({facts})"
    else:
        kind, reason = "inconclusive", f"second-order test inconclusive, an eigenvalue within {zero:.2g} of 0 ({facts})"
    return FixedPoint(kind=kind, reason=reason, residual=residual, eig_x=np.asarray(eig_x), eig_y=np.asarray(eig_y),
                      eig_schur=eig_s, eig_jacobian=eig_h, stable=stable, local_nash=nash, local_minimax=minimax,
                      tangent=jac.basis is not None, products=jac.products - start, dense=use_dense,
                      extras={"stability": undetermined} if undetermined else {})
