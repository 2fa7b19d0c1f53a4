"""Where a GAN game's batches come from: data samples, latent codes and,
for WGAN-GP, interpolation weights, all drawn from the game's own
``torch.Generator`` (see :meth:`~gamesolve.gan.game.GANGame.draw`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Union

import numpy as np
import torch
from torch import Tensor, nn

from ..errors import GameError, InvalidParameterError, ShapeError
from .distributed import _unwrap

__all__ = ["Batch", "DataLike", "LatentLike", "GANBatches"]


class Batch(NamedTuple):
    """Every random number one evaluation uses: data ``real``, ``latent``
    codes and, for WGAN-GP, the interpolation weights ``mix`` (else ``None``).
    Evaluating two strategy profiles on the same batch compares them on
    common random numbers."""

    real: Tensor
    latent: Tensor
    mix: Tensor | None = None


DataLike = Union[Tensor, np.ndarray, torch.utils.data.Dataset, Callable[[int, torch.Generator], Tensor]]
LatentLike = Union[int, Sequence[int], Tensor, Callable[[int, torch.Generator], Tensor], None]


def _first_in_features(net: nn.Module) -> int | None:
    for m in _unwrap(net).modules():
        if isinstance(getattr(m, "in_features", None), int):
            return m.in_features
    return None


class GANBatches:
    """The batch-drawing part of :class:`~gamesolve.gan.game.GANGame` (a
    mixin): the data and latent sources given to the game, and :meth:`draw`."""

    def _prepare_data(self, data: DataLike) -> tuple[Any, str]:
        if isinstance(data, np.ndarray):
            data = torch.as_tensor(data)
        if isinstance(data, Tensor):
            if data.dim() < 1 or data.shape[0] < 1:
                raise ShapeError(f"GANGame: data must be a tensor of samples (N, ...), got shape {tuple(data.shape)}")
            return data.detach().to(device=self.device, dtype=self.dtype), "tensor"
        if isinstance(data, torch.utils.data.TensorDataset):
            return self._prepare_data(data.tensors[0])
        if hasattr(data, "__getitem__") and hasattr(data, "__len__"):
            if len(data) < 1:
                raise ShapeError("GANGame: the dataset is empty")
            return data, "dataset"
        if callable(data):
            return data, "sampler"
        raise GameError(f"GANGame: data must be a tensor, a Dataset or a sampler data(n, generator) -> Tensor, "
                        f"got {type(data).__name__}")

    def _prepare_latent(self, latent: LatentLike, generator: nn.Module) -> Any:
        if latent is None:
            latent = _first_in_features(generator)
            if latent is None:
                raise GameError("GANGame: cannot infer the latent dimension (the generator has no linear layer); "
                                "pass latent=d, a shape, a sampler latent(n, generator) or a tensor of codes")
        if isinstance(latent, np.ndarray):
            latent = torch.as_tensor(latent)
        if isinstance(latent, Tensor):
            if latent.dim() < 1:
                raise ShapeError("GANGame: a latent tensor must hold codes (n, ...)")
            return latent.detach().to(device=self.device, dtype=self.dtype)
        if isinstance(latent, int):
            latent = (latent,)
        if isinstance(latent, (tuple, list)) and all(isinstance(k, int) and k > 0 for k in latent):
            return tuple(latent)
        if callable(latent):
            return latent
        raise InvalidParameterError(f"GANGame: latent must be an int, a shape, a sampler or a tensor, got {latent!r}")

    def _full_indices(self) -> range:
        if self._data_kind == "sampler":
            raise InvalidParameterError("GANGame: batch_size=None (full batch) needs data as a tensor or Dataset, "
                                        "not a sampler")
        return range(len(self._data))

    def _take(self, idx: Tensor | None, n: int, gen: torch.Generator) -> Tensor:
        if self._data_kind == "sampler":
            x = self._data(n, gen)
            if not isinstance(x, Tensor):
                raise GameError(f"GANGame: the data sampler returned {type(x).__name__}, not a tensor")
            return x.to(device=self.device, dtype=self.dtype)
        if self._data_kind == "tensor":
            return self._data if idx is None else self._data[idx]
        items = [self._data[int(i)] for i in (range(len(self._data)) if idx is None else idx.tolist())]
        items = [it[0] if isinstance(it, (tuple, list)) else it for it in items]
        return torch.stack([torch.as_tensor(it) for it in items]).to(device=self.device, dtype=self.dtype)

    def _codes(self, n: int | None, gen: torch.Generator) -> Tensor:
        lat = self._latent
        if isinstance(lat, Tensor):
            if n is None:
                return lat
            return lat[torch.randint(lat.shape[0], (n,), generator=gen, device=gen.device).to(lat.device)]
        if n is None:
            raise InvalidParameterError("GANGame: batch_size=None (full batch) needs latent codes as a tensor")
        if isinstance(lat, tuple):
            return torch.randn((n, *lat), generator=gen, device=gen.device, dtype=self.dtype).to(self.device)
        z = lat(n, gen)
        if not isinstance(z, Tensor):
            raise GameError(f"GANGame: the latent sampler returned {type(z).__name__}, not a tensor")
        return z.to(device=self.device, dtype=self.dtype)

    def draw(self, batch_size: int | None = None, *, generator: torch.Generator | None = None) -> Batch:
        """Draw one batch (this process's shard when distributed) from
        ``generator`` (default: the game's stream, which it advances).

        ``batch_size`` defaults to the game's (the global batch)."""
        gen = self.generator if generator is None else generator
        n = self.batch_size if batch_size is None else batch_size
        if n is None:
            self._full_indices()
            real = self._take(None, 0, gen)
            z = self._codes(None, gen)
        else:
            idx = None
            if self._data_kind != "sampler":
                idx = torch.randint(len(self._data), (n,), generator=gen, device=gen.device)
                if self._data_kind == "tensor":
                    idx = idx.to(self._data.device)
            real = self._take(idx, n, gen)
            z = self._codes(n, gen)
        mix = None
        if self.regularizer is not None and self.regularizer.on == "interpolates":
            mix = torch.rand(real.shape[0], generator=gen, device=gen.device, dtype=self.dtype).to(self.device)
        return Batch(self._shard(real), self._shard(z), None if mix is None else self._shard(mix))
