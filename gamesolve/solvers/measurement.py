"""What a gradient step reports about the iterate it starts from.

``||F(theta)||``, the natural residual ``||theta - P(theta - F(theta))||`` and
each player's loss, measured with few kernels and one read of each scalar, so
that the numbers cost little next to the step on small models (see
``benchmarks/overhead.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from ..core import Game, stored_values

__all__ = ["Measurement", "FLAT_LIMIT"]

FLAT_LIMIT = 1 << 14   # entries of the unconstrained players' gradients up to which their norm is one vector's


class Measurement:
    """``measurement(losses, grads, signs)`` returns ``{"grad_norm", "residual",
    "loss_<name>" per player}`` for one evaluation of ``game``.

    The squared norm of the unconstrained players' gradients is one dot product
    ``v . v`` of a vector ``v`` they are copied into (when they hold at most
    :data:`FLAT_LIMIT` entries; a norm each otherwise); the constrained players'
    gradients and residual blocks ``p - P(p - g)`` (``Domain.residual``) take
    one ``_foreach_norm``; the blocks are combined on the host. ``grads[i]`` is
    player ``i``'s gradient up to the sign ``signs[i]`` (see
    :class:`~gamesolve.core.Evaluation`), which only the residual blocks need.
    """

    def __init__(self, game: Game):
        self.game = game
        self.params = [p.params for p in game.players]
        self.bound = [i for i, p in enumerate(game.players) if p.constrained]
        self.free = [i for i in (0, 1) if i not in self.bound]
        free = [p for i in self.free for p in self.params[i]]
        self.flatten_free = (len(free) > 1 and sum(p.numel() for p in free) <= FLAT_LIMIT
                             and len({(p.dtype, p.device) for p in free}) == 1)
        self._flat: tuple[Tensor, list[Tensor]] | None = None   # (vector, views shaped like the free gradients)
        self.loss_keys = tuple(f"loss_{p.name}" for p in game.players)

    def __call__(self, losses: tuple[Tensor, Tensor], grads: Sequence[list[Tensor]],
                 signs: Sequence[int] = (1, 1)) -> dict[str, float]:
        if not self.bound and self.flatten_free and losses[0].is_cpu:
            # small unconstrained players on the CPU, the common case: one dot product, three reads
            square = self._flat_square([*grads[0], *grads[1]])
            if square is not None:
                norm = math.sqrt(square.item())
                return {"grad_norm": norm, "residual": norm, self.loss_keys[0]: losses[0].item(),
                        self.loss_keys[1]: losses[1].item()}
        return self._blocks(losses, grads, signs)

    def _blocks(self, losses: tuple[Tensor, Tensor], grads: Sequence[list[Tensor]],
                signs: Sequence[int]) -> dict[str, float]:
        """The general case: norms of blocks, read at once on an accelerator."""
        free = [t for i in self.free for t in grads[i]]
        square = self._flat_square(free) if self.flatten_free else None
        tensors = [] if square is not None else free
        f = len(tensors)
        tensors += [t for i in self.bound for t in grads[i]]
        n = len(tensors)
        if self.bound:
            with torch.set_grad_enabled(False):
                tensors += [d.residual(p, g if signs[i] == 1 else -g) for i in self.bound
                            for p, d, g in zip(self.params[i], self.game.players[i].domains, grads[i])]
        try:
            norms = torch._foreach_norm(tensors) if tensors else []
        except NotImplementedError:         # sparse gradients (indexed constraints' multipliers)
            norms = torch._foreach_norm([stored_values(t) for t in tensors])
        scalars = [*norms, *([] if square is None else [square]), losses[0], losses[1]]
        if losses[0].device.type == "cpu":   # a scalar read per tensor costs less than stacking them
            values = [s.item() for s in scalars]
        else:                                # one host sync on an accelerator
            values = torch.stack([s.to(scalars[0].dtype) for s in scalars]).tolist()
        *values, l0, l1 = values
        # values: [unconstrained gradients' norms | constrained gradients' norms | residual blocks' norms], or
        # without the first part and with the unconstrained gradients' squared norm last
        lead = [math.sqrt(values.pop())] if square is not None else values[:f]
        grad_norm = math.hypot(*lead, *values[f:n])
        residual = math.hypot(*lead, *values[n:]) if self.bound else grad_norm
        return {"grad_norm": grad_norm, "residual": residual, self.loss_keys[0]: l0, self.loss_keys[1]: l1}

    def _flat_square(self, tensors: list[Tensor]) -> Tensor | None:
        """``||tensors||^2`` as a 0-d tensor: copied into one vector kept between calls, then
        ``v . v``; ``None`` for sparse gradients, which take a norm each from then on."""
        if self._flat is None or self._flat[0].device != tensors[0].device or self._flat[0].dtype != tensors[0].dtype:
            sizes = [t.numel() for t in tensors]
            vector = torch.empty(sum(sizes), dtype=tensors[0].dtype, device=tensors[0].device)
            self._flat = vector, [v.view(t.shape) for v, t in zip(torch.split(vector, sizes), tensors)]
        vector, views = self._flat
        try:
            with torch.set_grad_enabled(False):
                torch._foreach_copy_(views, tensors)
        except RuntimeError:                # sparse gradients
            self.flatten_free = False
            return None
        return torch.dot(vector, vector)
