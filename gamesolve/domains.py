"""Domains: the closed convex sets strategies live in, with their projections.

A :class:`~gamesolve.players.Player`'s strategy tensors each live in a
:class:`Domain`; every solver projects them back onto it after each update
(``project``), and duality gaps minimise linear functions over bounded
domains (``lmo``, the linear minimisation oracle of Frank-Wolfe).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .errors import DomainError, ShapeError

__all__ = ["Domain", "Reals", "NonNegative", "Box", "Simplex", "Masked"]


class Domain:
    """A closed convex set a strategy lives in, with its Euclidean projection.

    ``project(t)`` returns ``argmin_{s in D} ||s - t||_2``; ``lmo(g)`` returns a
    minimiser of the linear function ``<g, s>`` over ``D`` (the linear
    minimisation oracle of Frank-Wolfe), defined only for bounded domains.
    """

    bounded: bool = False

    def project(self, t: Tensor) -> Tensor:
        """``argmin_{s in D} ||s - t||_2``, the Euclidean projection of ``t`` onto the domain."""
        raise NotImplementedError

    def project_(self, t: Tensor) -> None:
        """Project ``t`` onto the domain in place (no autograd)."""
        with torch.no_grad():
            t.copy_(self.project(t))

    def residual(self, t: Tensor, g: Tensor) -> Tensor:
        """The natural residual ``t - P(t - g)`` of a point ``t`` with gradient ``g``:
        zero exactly where ``t`` is stationary on the domain (``g`` itself on ``Reals``)."""
        return t - self.project(t - g)

    def contains(self, t: Tensor, atol: float = 1e-9) -> bool:
        """Whether ``t`` lies in the domain up to ``atol`` (max-norm)."""
        t = t.detach()
        return bool((self.project(t) - t).abs().max() <= atol) if t.numel() else True

    def lmo(self, g: Tensor) -> Tensor:
        """A minimiser of ``<g, s>`` over the domain (bounded domains only)."""
        raise DomainError(
            f"{self!r} is unbounded: a linear function has no minimiser on it; "
            "use a bounded domain (Box or Simplex) for duality gaps"
        )


class Reals(Domain):
    """No constraint: ``project`` is the identity."""

    def project(self, t: Tensor) -> Tensor:
        return t

    def project_(self, t: Tensor) -> None:
        return None

    def contains(self, t: Tensor, atol: float = 1e-9) -> bool:
        return True

    def __repr__(self) -> str:
        return "Reals()"


class NonNegative(Domain):
    """The non-negative orthant; ``project(t) = max(t, 0)`` entrywise."""

    def project(self, t: Tensor) -> Tensor:
        return t.clamp_min(0)

    def project_(self, t: Tensor) -> None:
        with torch.set_grad_enabled(False):
            t.clamp_(min=0)

    def residual(self, t: Tensor, g: Tensor) -> Tensor:
        """``t - max(t - g, 0) = min(t, g)`` entrywise, in one kernel."""
        return super().residual(t, g) if g.is_sparse else torch.minimum(t, g)

    def __repr__(self) -> str:
        return "NonNegative()"


class Box(Domain):
    """The box ``{s : lo <= s <= hi}``; ``project(t) = clip(t, lo, hi)``.

    ``lo`` and ``hi`` are floats or tensors broadcastable to the strategy.
    """

    bounded = True

    def __init__(self, lo: float | Tensor = -1.0, hi: float | Tensor = 1.0):
        lo_t, hi_t = torch.as_tensor(lo), torch.as_tensor(hi)
        if not bool(torch.all(lo_t <= hi_t)):
            raise DomainError(f"Box needs lo <= hi everywhere, got lo={lo!r}, hi={hi!r}")
        if not (bool(torch.isfinite(lo_t).all()) and bool(torch.isfinite(hi_t).all())):
            raise DomainError(f"Box bounds must be finite, got lo={lo!r}, hi={hi!r}; use Reals or NonNegative")
        self.lo, self.hi = lo, hi

    def _bounds(self, t: Tensor) -> tuple[Tensor, Tensor]:
        return (torch.as_tensor(self.lo, dtype=t.dtype, device=t.device),
                torch.as_tensor(self.hi, dtype=t.dtype, device=t.device))

    def project(self, t: Tensor) -> Tensor:
        lo, hi = self._bounds(t)
        return torch.clamp(t, lo, hi)

    def project_(self, t: Tensor) -> None:
        if isinstance(self.lo, (int, float)) and isinstance(self.hi, (int, float)):
            with torch.no_grad():
                t.clamp_(self.lo, self.hi)
        else:
            super().project_(t)

    def lmo(self, g: Tensor) -> Tensor:
        lo, hi = self._bounds(g)
        return torch.where(g > 0, lo, hi).expand_as(g).clone()

    def __repr__(self) -> str:
        return f"Box({self.lo!r}, {self.hi!r})"


class Simplex(Domain):
    """The probability simplex ``{s >= 0 : sum(s) = radius}`` along the last
    dimension (a 2-D strategy is one simplex per row).

    Projection by the sort-based algorithm (Held, Wolfe & Crowder 1974;
    Duchi et al. 2008): with ``u`` the entries sorted decreasingly and
    ``rho = max{j : u_j - (sum_{i<=j} u_i - r) / j > 0}``,
    ``project(t) = max(t - tau, 0)`` with ``tau = (sum_{i<=rho} u_i - r) / rho``.
    """

    bounded = True

    def __init__(self, radius: float = 1.0):
        if not (radius > 0 and math.isfinite(radius)):
            raise DomainError(f"Simplex radius must be positive and finite, got {radius!r}")
        self.radius = float(radius)

    def project(self, t: Tensor) -> Tensor:
        if t.dim() == 0:
            raise ShapeError("a Simplex strategy needs at least one dimension, got a scalar")
        u, _ = torch.sort(t, dim=-1, descending=True)
        css = torch.cumsum(u, dim=-1) - self.radius
        j = torch.arange(1, t.shape[-1] + 1, dtype=t.dtype, device=t.device)
        cond = (u - css / j) > 0
        rho = cond.sum(-1, keepdim=True) - 1  # cond holds exactly for j <= rho
        tau = torch.gather(css, -1, rho) / (rho + 1).to(t.dtype)
        return torch.clamp(t - tau, min=0)

    def lmo(self, g: Tensor) -> Tensor:
        s = torch.zeros_like(g)
        s.scatter_(-1, g.argmin(-1, keepdim=True), self.radius)
        return s

    def __repr__(self) -> str:
        return "Simplex()" if self.radius == 1.0 else f"Simplex(radius={self.radius})"


class Masked(Domain):
    """The coordinate subspace ``{s : s = m * s}`` of a 0/1 ``mask`` ``m``;
    ``project(t) = m * t``.

    Pruning is this projection: a pruned network is a player whose weight
    tensors live in ``Masked`` domains, so every solver keeps pruned weights at
    zero after every update, extrapolations included (see
    :mod:`gamesolve.addons.pruning`).
    """

    def __init__(self, mask: Tensor):
        mask = torch.as_tensor(mask)
        if not bool(((mask == 0) | (mask == 1)).all()):
            raise DomainError("a Masked domain needs a 0/1 (or boolean) mask")
        self.mask = mask.detach().bool()
        self._factor = self.mask.double()   # the mask as numbers, cached in the strategy's device and dtype

    def _factor_like(self, t: Tensor) -> Tensor:
        if t.shape != self.mask.shape:
            raise ShapeError(f"mask of shape {tuple(self.mask.shape)} does not fit a strategy of shape "
                             f"{tuple(t.shape)}")
        if self._factor.device != t.device or self._factor.dtype != t.dtype:
            self._factor = self.mask.to(device=t.device, dtype=t.dtype)
        return self._factor

    def project(self, t: Tensor) -> Tensor:
        return t * self._factor_like(t)

    def project_(self, t: Tensor) -> None:
        with torch.no_grad():
            t.mul_(self._factor_like(t))

    @property
    def density(self) -> float:
        """The fraction of coordinates left free."""
        return float(self.mask.float().mean()) if self.mask.numel() else 1.0

    def __repr__(self) -> str:
        return f"Masked({tuple(self.mask.shape)}, density={self.density:.3g})"
