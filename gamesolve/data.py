"""Synthetic and shipped data sets for GAN games; nothing is downloaded.

A :class:`GaussianMixture` is an equal-weight mixture of isotropic Gaussians

    p(x) = (1/K) sum_k N(x; mu_k, std^2 I),

and doubles as a *sampler*: ``mixture(n, generator)`` draws ``n`` points from
the given ``torch.Generator``, which is what :class:`gamesolve.GANGame`
accepts as data. The standard benchmarks of mode collapse are built on it:
the ring of 8 Gaussians and the grid of 25 (Metz et al. 2017; VEEGAN,
Srivastava et al. 2017; PacGAN, Lin et al. 2018). :func:`digits` loads
scikit-learn's 8x8 digits, which ship with scikit-learn.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from .errors import InvalidParameterError, ShapeError

__all__ = ["GaussianMixture", "ring_of_gaussians", "grid_of_gaussians", "high_dimensional_mixture", "digits",
           "Digits"]


class GaussianMixture:
    """Equal-weight mixture of ``N(mu_k, std^2 I)`` with ``centers[k] = mu_k``.

    ``sample(n, generator)`` (or calling the mixture) draws the component of
    each point uniformly, then the Gaussian noise, both from ``generator``;
    ``sample(n, generator, return_labels=True)`` also returns the components.
    """

    def __init__(self, centers: Tensor | np.ndarray, std: float, *, dtype: torch.dtype = torch.float32,
                 device: torch.device | str | None = None):
        centers = torch.as_tensor(np.asarray(centers, dtype=np.float64) if not isinstance(centers, Tensor)
                                  else centers.detach(), dtype=dtype, device=device)
        if centers.dim() != 2 or centers.shape[0] < 1:
            raise ShapeError(f"GaussianMixture: centers must be a (modes, dim) array, got shape {tuple(centers.shape)}")
        if not (std > 0 and math.isfinite(std)):
            raise InvalidParameterError(f"GaussianMixture: std must be positive and finite, got {std!r}")
        self.centers = centers
        self.std = float(std)

    @property
    def modes(self) -> int:
        return self.centers.shape[0]

    @property
    def dim(self) -> int:
        return self.centers.shape[1]

    def sample(self, n: int, generator: torch.Generator | None = None, *,
               return_labels: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        device = generator.device if generator is not None else self.centers.device
        centers = self.centers.to(device)
        labels = torch.randint(self.modes, (n,), generator=generator, device=device)
        noise = torch.randn(n, self.dim, generator=generator, device=device, dtype=centers.dtype)
        x = centers[labels] + self.std * noise
        return (x, labels) if return_labels else x

    def __call__(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return self.sample(n, generator)  # type: ignore[return-value]

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> GaussianMixture:
        """The same mixture with its centers on ``device`` / in ``dtype``."""
        return GaussianMixture(self.centers.to(device=device, dtype=dtype or self.centers.dtype), self.std)

    def __repr__(self) -> str:
        return f"GaussianMixture(modes={self.modes}, dim={self.dim}, std={self.std:g})"


def ring_of_gaussians(modes: int = 8, radius: float = 1.0, std: float = 0.01, **kw) -> GaussianMixture:
    """``modes`` Gaussians with centers ``radius (cos 2 pi k/K, sin 2 pi k/K)``;
    the defaults (8, radius 1, std 0.01) are those of VEEGAN and PacGAN."""
    if modes < 1 or not radius > 0:
        raise InvalidParameterError(f"ring_of_gaussians: need modes >= 1 and radius > 0, got {modes}, {radius}")
    angles = 2 * math.pi * np.arange(modes) / modes
    return GaussianMixture(radius * np.stack([np.cos(angles), np.sin(angles)], 1), std, **kw)


def grid_of_gaussians(side: int = 5, spacing: float = 2.0, std: float = 0.05, **kw) -> GaussianMixture:
    """``side^2`` Gaussians on a square grid centred at 0 with ``spacing``
    between neighbours; the defaults (5 x 5 at {-4, -2, 0, 2, 4}^2, std 0.05)
    are those of VEEGAN and PacGAN."""
    if side < 1 or not spacing > 0:
        raise InvalidParameterError(f"grid_of_gaussians: need side >= 1 and spacing > 0, got {side}, {spacing}")
    axis = spacing * (np.arange(side) - (side - 1) / 2)
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    return GaussianMixture(np.stack([xx.ravel(), yy.ravel()], 1), std, **kw)


def high_dimensional_mixture(modes: int = 10, dim: int = 64, radius: float = 1.0, std: float = 0.05,
                             seed: int = 0, **kw) -> GaussianMixture:
    """``modes`` Gaussians in ``R^dim`` with centers ``radius * u_k``, ``u_k``
    uniform on the unit sphere (seeded), so distinct centers are about
    ``radius * sqrt(2)`` apart while each mode's spread is ``std * sqrt(dim)``."""
    if modes < 1 or dim < 1:
        raise InvalidParameterError(f"high_dimensional_mixture: need modes >= 1 and dim >= 1, got {modes}, {dim}")
    g = torch.Generator().manual_seed(int(seed))
    u = torch.randn(modes, dim, generator=g, dtype=torch.float64)
    return GaussianMixture(radius * u / u.norm(dim=1, keepdim=True), std, **kw)


class Digits(NamedTuple):
    """scikit-learn's 1797 handwritten digits: ``images`` (N, 64) scaled to
    [-1, 1] (pixel / 8 - 1), ``labels`` (N,) in 0..9."""

    images: Tensor
    labels: Tensor


def digits(*, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None) -> Digits:
    """The 8x8 digits of :func:`sklearn.datasets.load_digits` (ships with
    scikit-learn), flattened to 64 values in [-1, 1]."""
    from sklearn.datasets import load_digits

    d = load_digits()
    images = torch.as_tensor(d.data / 8.0 - 1.0, dtype=dtype, device=device)
    return Digits(images, torch.as_tensor(d.target, dtype=torch.long, device=device))
