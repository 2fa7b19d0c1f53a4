"""GANs as two-player games (:class:`GANGame`): a generator network against
a discriminator network.

- :mod:`~gamesolve.gan.game`: :class:`GANGame`, the game;
- :mod:`~gamesolve.gan.losses`: the loss families (minimax, non-saturating,
  WGAN, hinge, least squares);
- :mod:`~gamesolve.gan.penalties`: gradient penalties on the discriminator
  (R1, R2, WGAN-GP);
- :mod:`~gamesolve.gan.batches`: where batches come from (data, latent codes,
  interpolation weights);
- :mod:`~gamesolve.gan.distributed`: one game over several processes (DDP).
"""

from .batches import Batch
from .game import GANGame
from .losses import GAN_LOSSES, GANLoss
from .penalties import R1, R2, GradientPenalty, Regularizer

__all__ = ["GANGame", "GANLoss", "GAN_LOSSES", "Batch", "Regularizer", "R1", "R2", "GradientPenalty"]
