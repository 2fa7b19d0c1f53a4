"""A GAN game over several processes (``DistributedDataParallel``).

Wrap the networks in ``DistributedDataParallel``; the game then draws the
same global batch on every rank, keeps its rank's shard and averages both
players' gradients over the process group (one all-reduce per evaluation),
so ``n`` processes follow the 1-process trajectory on the same global batch.
DDP's own reducer only hooks ``.backward()``, which game solvers do not use
(they need ``autograd.grad``, and R1/R2/GP double backward); DDP still
broadcasts rank 0's initial weights and buffers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor, nn

from ..errors import GameError

__all__ = ["GANProcessGroup"]


def _ddp_type() -> type | None:
    try:
        from torch.nn.parallel import DistributedDataParallel
    except ImportError:  # pragma: no cover - torch built without distributed
        return None
    return DistributedDataParallel


def _unwrap(net: nn.Module) -> nn.Module:
    """The module inside a ``DistributedDataParallel`` wrapper (or ``net`` itself)."""
    ddp = _ddp_type()
    return net.module if ddp is not None and isinstance(net, ddp) else net


class GANProcessGroup:
    """The several-processes part of :class:`~gamesolve.gan.game.GANGame`
    (a mixin): the process group, this rank's shard of a batch, and losses
    and gradients averaged over the ranks."""

    def _process_group(self, distributed: bool | None) -> tuple[Any, int, int]:
        ddp = _ddp_type()
        wrapped = [n for n in self.networks(unwrap=False) if ddp is not None and isinstance(n, ddp)]
        if distributed is False or (distributed is None and not wrapped):
            return None, 0, 1
        import torch.distributed as dist

        if not (dist.is_available() and dist.is_initialized()):
            raise GameError("GANGame: distributed=True needs an initialised process group "
                            "(torch.distributed.init_process_group, or launch with torchrun)")
        group = getattr(wrapped[0], "process_group", None) if wrapped else None
        return group, dist.get_rank(group), dist.get_world_size(group)

    @contextlib.contextmanager
    def _no_ddp_sync(self) -> Iterator[None]:
        """DDP's reducer waits for ``.backward()``; the game averages gradients itself."""
        ddp = _ddp_type()
        with contextlib.ExitStack() as stack:
            if self.world_size > 1 and ddp is not None:
                for net in self.networks(unwrap=False):
                    if isinstance(net, ddp):
                        stack.enter_context(net.no_sync())
            yield

    def _all_reduce_mean(self, values: tuple[Tensor, Tensor],
                         grads: list[list[Tensor] | None]) -> tuple[Tensor, Tensor]:
        import torch.distributed as dist

        tensors = [t for block in grads if block is not None for t in block]
        flat = torch.cat([torch.stack(values).reshape(-1), *(t.reshape(-1) for t in tensors)])
        dist.all_reduce(flat, group=self._group)
        flat /= self.world_size
        k = 2
        for t in tensors:
            t.copy_(flat[k:k + t.numel()].view_as(t))
            k += t.numel()
        return flat[0].clone(), flat[1].clone()

    def _shard(self, t: Tensor) -> Tensor:
        if self.world_size == 1:
            return t
        n = t.shape[0] // self.world_size
        return t[self.rank * n:(self.rank + 1) * n]
