"""Gradient penalties on the discriminator (the GAN regularisers).

A regulariser adds a gradient penalty to the discriminator's loss only: R1
``gamma/2 E_x ||grad D(x)||^2`` and R2 (the same on generated samples) of
Mescheder et al. 2018, or WGAN-GP ``lambda E (||grad D(x_hat)|| - 1)^2`` at
random interpolates (Gulrajani et al. 2017). Minimax and WGAN with no penalty
or R1 (which does not depend on ``G``) stay zero-sum, and one backward pass
gives both players' gradients.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from ..errors import InvalidParameterError

__all__ = ["Regularizer", "R1", "R2", "GradientPenalty"]


def _input_grad(scores: Tensor, x: Tensor, create_graph: bool) -> Tensor:
    """Per-sample ``grad_x D(x)``, flattened to (B, -1)."""
    (g,) = torch.autograd.grad(scores.sum(), x, create_graph=create_graph, retain_graph=True)
    return g.reshape(g.shape[0], -1)


class Regularizer:
    """A penalty added to the discriminator's loss. ``on`` says which scores
    it differentiates: ``"real"`` (R1), ``"fake"`` (R2) or ``"interpolates"``
    (WGAN-GP, which needs one uniform number per sample from the batch)."""

    on: str = "real"
    depends_on_generator: bool = True
    weight_name = "weight"     # what the weight is called in the paper and the constructor

    def __init__(self, weight: float = 10.0):
        if not weight >= 0:
            raise InvalidParameterError(f"{type(self).__name__}: {self.weight_name} must be >= 0, got {weight!r}")
        self.weight = float(weight)

    def penalty(self, scores: Tensor, x: Tensor, create_graph: bool) -> Tensor:
        """The penalty added to the discriminator's loss, from its ``scores`` on the points ``x``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.weight_name}={self.weight:g})"


class R1(Regularizer):
    """``R1 = gamma/2 E_{x ~ data} ||grad_x D(x)||^2`` (Mescheder et al. 2018)."""

    on = "real"
    depends_on_generator = False
    weight_name = "gamma"

    def __init__(self, gamma: float = 10.0):
        super().__init__(gamma)

    def penalty(self, scores: Tensor, x: Tensor, create_graph: bool) -> Tensor:
        """``gamma/2 mean_i ||grad_x D(x_i)||^2`` over the batch ``x``."""
        return 0.5 * self.weight * _input_grad(scores, x, create_graph).pow(2).sum(1).mean()


class R2(R1):
    """``R2 = gamma/2 E_{z} ||grad_x D(x)||^2 at x = G(z)`` (Mescheder et al. 2018)."""

    on = "fake"
    depends_on_generator = True


class GradientPenalty(Regularizer):
    """WGAN-GP: ``lambda E (||grad_x D(x_hat)|| - 1)^2`` at
    ``x_hat = u x + (1 - u) G(z)``, ``u ~ U[0, 1]`` per sample (Gulrajani et al. 2017)."""

    on = "interpolates"
    depends_on_generator = True

    def penalty(self, scores: Tensor, x: Tensor, create_graph: bool) -> Tensor:
        """``lambda mean_i (||grad_x D(x_hat_i)|| - 1)^2`` over the interpolates ``x``."""
        norms = torch.linalg.vector_norm(_input_grad(scores, x, create_graph), dim=1)
        return self.weight * (norms - 1).pow(2).mean()


_REGULARIZERS: dict[str, Callable[[], Regularizer]] = {"r1": R1, "r2": R2, "wgan-gp": GradientPenalty,
                                                       "gp": GradientPenalty}


def _regularizer(reg: str | Regularizer | None) -> Regularizer | None:
    if reg is None or isinstance(reg, Regularizer):
        return reg
    key = str(reg).lower()
    if key not in _REGULARIZERS:
        raise InvalidParameterError(f"GANGame: unknown regularizer {reg!r}; choose one of r1, r2, wgan-gp, or pass "
                                    "gs.R1(gamma), gs.R2(gamma), gs.GradientPenalty(weight)")
    return _REGULARIZERS[key]()
