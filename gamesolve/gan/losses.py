"""GAN loss families: each player's loss from the discriminator's scores.

With ``d_r = D(x)`` the scores of data samples and ``d_f = D(G(z))`` those of
generated ones (logits, not probabilities), a family gives both players'
losses as means over the batch:

==================  ======================================  ==================================  =========
family              generator loss                          discriminator loss                  zero-sum
==================  ======================================  ==================================  =========
``minimax``         ``V = -E sp(-d_r) - E sp(d_f)``         ``-V``                              yes
``non-saturating``  ``E sp(-d_f)``                          ``-V``                              no
``wgan``            ``W = E d_r - E d_f``                   ``-W``                              yes
``hinge``           ``-E d_f``                              ``E relu(1 - d_r) + E relu(1 + d_f)`` no
``least-squares``   ``E (d_f - 1)^2 / 2``                   ``E (d_r - 1)^2 / 2 + E d_f^2 / 2``   no
==================  ======================================  ==================================  =========

(``sp`` is softplus; ``V`` is Goodfellow et al. 2014's value, ``W`` the
Wasserstein critic objective of Arjovsky et al. 2017, hinge of Lim & Ye 2017,
least squares of Mao et al. 2017.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch.nn.functional as F
from torch import Tensor

from ..errors import InvalidParameterError

__all__ = ["GANLoss", "GAN_LOSSES"]


class GANLoss(NamedTuple):
    """A loss family: each player's loss from the scores ``d_real``, ``d_fake``
    (1-D tensors). A zero-sum family has discriminator loss ``-generator``."""

    name: str
    generator: Callable[[Tensor, Tensor], Tensor]
    discriminator: Callable[[Tensor, Tensor], Tensor]
    zero_sum: bool


def _minimax_value(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """``E log sigmoid(d_r) + E log(1 - sigmoid(d_f))``."""
    return -F.softplus(-d_real).mean() - F.softplus(d_fake).mean()


def _wgan_value(d_real: Tensor, d_fake: Tensor) -> Tensor:
    return d_real.mean() - d_fake.mean()


def _neg(f: Callable[[Tensor, Tensor], Tensor]) -> Callable[[Tensor, Tensor], Tensor]:
    return lambda d_real, d_fake: -f(d_real, d_fake)


GAN_LOSSES: dict[str, GANLoss] = {
    "minimax": GANLoss("minimax", _minimax_value, _neg(_minimax_value), True),
    "non-saturating": GANLoss("non-saturating", lambda r, f: F.softplus(-f).mean(), _neg(_minimax_value), False),
    "wgan": GANLoss("wgan", _wgan_value, _neg(_wgan_value), True),
    "hinge": GANLoss("hinge", lambda r, f: -f.mean(), lambda r, f: F.relu(1 - r).mean() + F.relu(1 + f).mean(),
                     False),
    "least-squares": GANLoss("least-squares", lambda r, f: 0.5 * (f - 1).pow(2).mean(),
                             lambda r, f: 0.5 * (r - 1).pow(2).mean() + 0.5 * f.pow(2).mean(), False),
}
_ALIASES = {"standard": "minimax", "ns": "non-saturating", "wasserstein": "wgan", "lsgan": "least-squares",
            "ls": "least-squares"}


def _loss_family(loss: str | GANLoss) -> GANLoss:
    if isinstance(loss, GANLoss):
        return loss
    key = _ALIASES.get(str(loss).lower(), str(loss).lower())
    if key not in GAN_LOSSES:
        raise InvalidParameterError(f"GANGame: unknown loss {loss!r}; choose one of {', '.join(GAN_LOSSES)} "
                                    "or pass a GANLoss")
    return GAN_LOSSES[key]
