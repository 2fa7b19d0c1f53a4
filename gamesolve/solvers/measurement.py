"""What a gradient step reports about the iterate it starts from.

``||F(theta)||``, the natural residual ``||theta - P(theta - F(theta))||`` and
each player's loss, measured with few kernels and one read of each scalar, so
that the numbers cost little next to the step on small models (see
``benchmarks/overhead.py`` and ``benchmarks/lagrangian.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from ..core import Game, stored_values

__all__ = ["Measurement", "FLAT_LIMIT"]

FLAT_LIMIT = 1 << 14   # entries of the unconstrained players' gradients up to which they are copied into one vector


class Measurement:
    """``measurement.measure(losses, grads, signs)`` returns ``{"grad_norm",
    "residual", "loss_<name>" per player}`` for one evaluation of ``game``.

    The unconstrained players' gradients, when they hold at most
    :data:`FLAT_LIMIT` entries in single or double precision, are copied into one vector ``v`` kept between
    calls, whose squared norm is one dot product ``v . v``; otherwise they, and
    the constrained players' gradients and their residual blocks ``p - P(p - g)``
    (``Domain.residual``), take one ``_foreach_norm``; the blocks are combined
    on the host. ``grads[i]`` is player ``i``'s gradient up to the sign ``signs[i]``
    (see :class:`~gamesolve.core.Evaluation`), which only the residual blocks need.
    """

    def __init__(self, game: Game):
        self.free = [i for i, p in enumerate(game.players) if not p.constrained]
        free = [p for i in self.free for p in game.players[i].params]
        # many small unconstrained tensors: one copy into a vector and one dot product cost less than a norm each;
        # with larger ones, one norm each (measured: copying the small ones alone gains nothing). Only in single
        # and double precision: a half-precision dot product overflows at a norm of 256, and a complex one is
        # not |v|^2, where a norm is right
        kinds = {(p.dtype, p.device) for p in free}
        self.flat = (len(free) > 1 and sum(p.numel() for p in free) <= FLAT_LIMIT and len(kinds) == 1
                     and free[0].dtype in (torch.float32, torch.float64))
        self._vector: tuple[Tensor, list[Tensor]] | None = None   # (v, views of v shaped like the gradients)
        # (player, tensor index, detached strategy tensor, domain): strategies are updated in place
        self.bound = [(i, k, p.detach(), d) for i, player in enumerate(game.players) if player.constrained
                      for k, (p, d) in enumerate(zip(player.params, player.domains))]
        self.loss_keys = tuple(f"loss_{p.name}" for p in game.players)
        self.measure = self._lean if self.flat and not self.bound else self._blocks

    def _lean(self, losses: tuple[Tensor, Tensor], grads: Sequence[list[Tensor]],
              signs: Sequence[int] = (1, 1)) -> dict[str, float]:
        """Small unconstrained players, the common case: one dot product and three reads on the CPU."""
        if losses[0].is_cpu:
            square = self._square([*grads[0], *grads[1]])
            if square is not None:
                norm = self._root(square.item())
                return {"grad_norm": norm, "residual": norm, self.loss_keys[0]: losses[0].item(),
                        self.loss_keys[1]: losses[1].item()}
        return self._blocks(losses, grads, signs)

    def _blocks(self, losses: tuple[Tensor, Tensor], grads: Sequence[list[Tensor]],
                signs: Sequence[int] = (1, 1)) -> dict[str, float]:
        """The general case; all scalars are read at once on an accelerator."""
        free = [t for i in self.free for t in grads[i]]
        square = self._square(free) if self.flat else None
        tensors = free if square is None else []
        f = len(tensors)
        tensors += [grads[i][k] for i, k, _, _ in self.bound]
        n = len(tensors)
        tensors += [d.residual(p, g if signs[i] == 1 else -g) for (i, _, p, d), g in zip(self.bound, tensors[f:n])]
        try:
            norms = torch._foreach_norm(tensors) if tensors else []
        except NotImplementedError:         # sparse gradients (indexed constraints' multipliers)
            norms = torch._foreach_norm([stored_values(t) for t in tensors])
        scalars = [*([] if square is None else [square]), *norms, losses[0], losses[1]]
        if losses[0].is_cpu:                 # a scalar read per tensor costs less than stacking them
            values = [s.item() for s in scalars]
        else:                                # one host sync on an accelerator
            values = torch.stack([s.to(scalars[0].dtype) for s in scalars]).tolist()
        *values, l0, l1 = values
        if square is not None:
            v, *values = values
        if math.inf in values:               # squares past their range (a norm over 1.8e19 in single precision)
            values = [x if x != math.inf else float(torch.linalg.vector_norm(stored_values(t), dtype=torch.float64))
                      for x, t in zip(values, tensors)]
        # values: the norms of [unconstrained gradients unless in v | constrained gradients | residual blocks]
        lead = values[:f] if square is None else [self._root(v), *values[:f]]
        grad_norm = math.hypot(*lead, *values[f:n])
        residual = math.hypot(*lead, *values[n:]) if self.bound else grad_norm
        return {"grad_norm": grad_norm, "residual": residual, self.loss_keys[0]: l0, self.loss_keys[1]: l1}

    def _root(self, square: float) -> float:
        """``sqrt(v . v)``, or ``||v||`` in double precision when the squares overflowed (a norm past
        1.8e19 in single precision)."""
        if square != math.inf:
            return math.sqrt(square)
        return float(torch.linalg.vector_norm(self._vector[0], dtype=torch.float64))  # type: ignore[index]

    def _square(self, tensors: list[Tensor]) -> Tensor | None:
        """``||tensors||^2`` as a 0-d tensor: copied into ``v``, then ``v . v``; ``None`` for sparse
        gradients, which take a norm each from then on."""
        first = tensors[0]
        if self._vector is None or self._vector[0].device != first.device or self._vector[0].dtype != first.dtype:
            sizes = [t.numel() for t in tensors]
            vector = torch.empty(sum(sizes), dtype=first.dtype, device=first.device)
            self._vector = vector, [v.view(t.shape) for v, t in zip(torch.split(vector, sizes), tensors)]
        vector, views = self._vector
        try:
            with torch.set_grad_enabled(False):
                torch._foreach_copy_(views, tensors)
        except RuntimeError:                # sparse gradients
            self.flat, self.measure = False, self._blocks
            return None
        return torch.dot(vector, vector)
