"""Shared pieces of the zoo's GAN games: MLP players on a Gaussian mixture."""

from __future__ import annotations

import torch
from torch import nn

import gamesolve as gs


def mlp(inputs: int, width: int, outputs: int, depth: int = 2) -> nn.Sequential:
    """``depth`` hidden ReLU layers of ``width`` units, then a linear layer."""
    layers: list[nn.Module] = []
    for k in range(depth):
        layers += [nn.Linear(inputs if k == 0 else width, width), nn.ReLU()]
    layers.append(nn.Linear(width if depth else inputs, outputs))
    return nn.Sequential(*layers)


def check_sizes(name: str, width: int, depth: int, latent_dim: int, batch_size: int) -> None:
    """Refuse sizes the MLPs cannot have, before torch builds (and warns about) empty layers."""
    for key, value in (("width", width), ("latent_dim", latent_dim), ("batch_size", batch_size)):
        if not isinstance(value, int) or value < 1:
            raise gs.InvalidParameterError(f"{name}: {key} must be a positive int, got {value!r}")
    if not isinstance(depth, int) or depth < 0:
        raise gs.InvalidParameterError(f"{name}: depth must be an int >= 0, got {depth!r}")


def mixture_gan(mixture: gs.GaussianMixture, *, width: int, depth: int, latent_dim: int, batch_size: int, loss: str,
                gamma: float, seed: int, name: str, device: str | None = None) -> gs.GANGame:
    """MLP generator and discriminator (initialised from ``seed``) on ``mixture``,
    with an R1 penalty of weight ``gamma`` (none if 0)."""
    check_sizes(name, width, depth, latent_dim, batch_size)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        G, D = mlp(latent_dim, width, mixture.dim, depth), mlp(mixture.dim, width, 1, depth)
    game = gs.GANGame(G, D, mixture, loss=loss, latent=latent_dim, batch_size=batch_size,
                      regularizer=gs.R1(gamma) if gamma else None, seed=seed, device=device, name=name)
    game.mixture = mixture
    return game
