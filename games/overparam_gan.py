"""The overparameterised GAN of Balaji et al. (ICLR 2021, "Understanding
Overparameterization in Generative Adversarial Networks"), as a GANGame.

A one-hidden-layer generator of width ``k`` with its output layer fixed at
random, ``G(z) = V phi(W z)`` (``W in R^{k x d}`` trained, ``V in R^{m x k}``
fixed), plays a linear discriminator ``D(x) = <d, x>`` on ``n`` fixed latent
codes ``z_i`` and data ``x_j`` with mean ``xbar``:

    min_W max_d  h(W, d) = <d, xbar - (1/n) sum_i G(z_i)> - ||d||^2 / 2.

This is exactly the WGAN loss ``E D(x) - E D(G(z))`` with the R1 penalty
``gamma/2 E ||grad_x D||^2 = ||d||^2 / 2`` (``gamma = 1``) on a full batch,
so ``make`` builds it from :class:`gamesolve.GANGame`. The inner maximum is
``d* = r(W) = xbar - (1/n) sum_i G(z_i)``, giving ``min_W ||r(W)||^2 / 2``:
the global saddle points are the ``W`` with zero *residual* ``r(W)`` and
``d = 0``. Since ``mean_i G(z_i) = V (mean_i phi(W z_i))`` lies in the
range of ``V``, widths ``k < m`` cannot reach a generic ``xbar``; Balaji et
al. prove that simultaneous GDA converges linearly to a global saddle point
once ``k`` is large enough, with a rate governed by the smallest singular
value of the Jacobian ``J = d mean_i G(z_i) / d W`` (``m x kd``).

Scaling (ours): ``V_ij ~ N(0, 1/k)`` and ``W_ij ~ N(0, 1/d)`` so that ``G``
and ``J`` stay O(1) as ``k`` grows and one step size serves every width
(the paper's unit-variance entries are the same model rescaled).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

import gamesolve as gs
from gamesolve.game_registry import GameSpec

SPEC = GameSpec(
    name="overparam-gan",
    family="gan",
    summary="Balaji et al. 2021: G(z) = V phi(W z) (V fixed, width k) vs a linear D, "
            "<d, xbar - mean G(z_i)> - ||d||^2/2",
    params={"width": 64, "data_dim": 8, "latent_dim": 8, "latent_samples": 64, "data_samples": 256,
            "activation": "relu", "seed": 0},
    equilibrium="residual xbar - mean_i G(z_i) = 0 and d = 0 (a set of W, reachable when the width is large)",
    solver_params={"gradient": {"lr": 0.5}},
    steps=3000,
    tol=1e-10,
)

ACTIVATIONS = {"relu": torch.relu, "softplus": nn.functional.softplus, "tanh": torch.tanh}


class RandomFeatureGenerator(nn.Module):
    """``G(z) = V phi(W z)``: ``W`` (width x latent_dim) is trained, ``V``
    (out_dim x width) is a fixed buffer."""

    def __init__(self, latent_dim: int, width: int, out_dim: int, activation: str = "relu", *,
                 generator: torch.Generator | None = None, dtype: torch.dtype = torch.float64):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise gs.InvalidParameterError(f"overparam-gan: activation must be one of {', '.join(ACTIVATIONS)}, "
                                           f"got {activation!r}")
        self.activation = activation
        self.W = nn.Parameter(torch.randn(width, latent_dim, generator=generator, dtype=dtype) / math.sqrt(latent_dim))
        self.register_buffer("V", torch.randn(out_dim, width, generator=generator, dtype=dtype) / math.sqrt(width))

    def forward(self, z: Tensor) -> Tensor:
        return ACTIVATIONS[self.activation](z @ self.W.T) @ self.V.T


def make(width: int = 64, data_dim: int = 8, latent_dim: int = 8, latent_samples: int = 64, data_samples: int = 256,
         activation: str = "relu", seed: int = 0) -> gs.GANGame:
    """The game for one width ``k`` and seed (data, latent codes, ``V`` and the
    initial ``W`` all come from ``seed``; the data mean is drawn from
    ``N(0, I_m)`` and the data around it from ``N(xbar_0, I_m)``)."""
    for name, value in (("width", width), ("data_dim", data_dim), ("latent_dim", latent_dim),
                        ("latent_samples", latent_samples), ("data_samples", data_samples)):
        if not isinstance(value, int) or value < 1:
            raise gs.InvalidParameterError(f"overparam-gan: {name} must be a positive int, got {value!r}")
    g = torch.Generator().manual_seed(int(seed))
    dtype = torch.float64
    center = torch.randn(data_dim, generator=g, dtype=dtype)
    data = center + torch.randn(data_samples, data_dim, generator=g, dtype=dtype)
    codes = torch.randn(latent_samples, latent_dim, generator=g, dtype=dtype)
    G = RandomFeatureGenerator(latent_dim, width, data_dim, activation, generator=g, dtype=dtype)
    D = nn.Linear(data_dim, 1, bias=False).to(dtype)
    nn.init.zeros_(D.weight)
    return gs.GANGame(G, D, data, loss="wgan", latent=codes, batch_size=None, regularizer=gs.R1(1.0),
                      name=f"overparam-gan(k={width})")


def residual(game: gs.GANGame) -> float:
    """``||xbar - (1/n) sum_i G(z_i)||`` on the game's full batch."""
    batch = game.draw()
    with torch.no_grad():
        return float(torch.linalg.vector_norm(batch.real.mean(0) - game.generator_net(batch.latent).mean(0)))


def jacobian(game: gs.GANGame) -> Tensor:
    """``J = d (1/n) sum_i G(z_i) / d theta_G`` (output dim x number of
    generator parameters) at the current generator."""
    G = game.networks()[0]
    names = [n for n, p in G.named_parameters() if p.requires_grad]
    params = {n: p.detach() for n, p in G.named_parameters() if p.requires_grad}
    z = game.draw().latent

    def mean_output(p: dict[str, Tensor]) -> Tensor:
        return torch.func.functional_call(G, p, (z,)).mean(0).reshape(-1)

    jac = torch.func.jacrev(mean_output)(params)
    return torch.cat([jac[n].reshape(jac[n].shape[0], -1) for n in names], dim=1)


def sigma_min(game: gs.GANGame) -> float:
    """The smallest singular value of :func:`jacobian`, i.e. ``sqrt(lambda_min(J J^T))``
    over the ``m`` output directions (0 when there are fewer parameters than outputs)."""
    J = jacobian(game)
    if J.shape[1] < J.shape[0]:
        return 0.0
    return float(torch.linalg.svdvals(J)[-1])
