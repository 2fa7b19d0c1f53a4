"""Many bimatrix games of one shape, held as torch tensors ``(batch, m, n)``
on any device, for the batched solvers (:mod:`gamesolve.solvers.batched`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .errors import InvalidParameterError, NonFiniteError, ShapeError
from .finite import MatrixGame

__all__ = ["MatrixGameBatch"]


class MatrixGameBatch:
    """Many bimatrix games of one shape: payoff tensors ``A``, ``B`` of shape
    ``(batch, m, n)`` (payoffs, maximised; ``B`` omitted means ``B = -A``) on
    any device. The per-game quantities mirror :class:`MatrixGame`'s and take
    strategies of shapes ``(batch, m)`` and ``(batch, n)``."""

    capabilities = frozenset({"batched-payoffs"})

    def __init__(self, A: Any, B: Any = None, *, device: torch.device | str | None = None,
                 dtype: torch.dtype = torch.float64, name: str | None = None):
        self.A = self._tensor(A, "A", device, dtype)
        self.B = -self.A if B is None else self._tensor(B, "B", device, dtype)
        if self.B.shape != self.A.shape:
            raise ShapeError(f"A and B must have the same shape (batch, m, n), got {tuple(self.A.shape)} and "
                             f"{tuple(self.B.shape)}")
        self.zero_sum = B is None
        self.name = name or f"{self.batch} games of {self.shape[1]}x{self.shape[2]}"

    @staticmethod
    def _tensor(value: Any, what: str, device: Any, dtype: torch.dtype) -> Tensor:
        t = torch.as_tensor(np.asarray(value) if not isinstance(value, Tensor) else value)
        t = t.to(device=device if device is not None else t.device, dtype=dtype)
        if t.dim() != 3 or min(t.shape) < 1:
            raise ShapeError(f"{what} must have shape (batch, m, n), got {tuple(t.shape)}")
        if not bool(torch.isfinite(t).all()):
            raise NonFiniteError(f"{what} has non-finite payoffs")
        return t

    @classmethod
    def from_games(cls, games: Sequence[MatrixGame], **kwargs: Any) -> MatrixGameBatch:
        """Stack :class:`MatrixGame` objects of one shape."""
        if not games or len({g.shape for g in games}) != 1:
            raise ShapeError("from_games needs a non-empty list of games of one shape")
        zero = all(g.zero_sum and np.array_equal(g.B, -g.A) for g in games)
        A = np.stack([g.A for g in games])
        return cls(A, None if zero else np.stack([g.B for g in games]), **kwargs)

    @property
    def batch(self) -> int:
        return int(self.A.shape[0])

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.A.shape)  # type: ignore[return-value]

    @property
    def device(self) -> torch.device:
        return self.A.device

    def __len__(self) -> int:
        return self.batch

    def __getitem__(self, k: int) -> MatrixGame:
        A = self.A[k].detach().cpu().numpy()
        return MatrixGame(A, None if self.zero_sum else self.B[k].detach().cpu().numpy(), name=f"{self.name}[{k}]")

    def pure_payoffs(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        """``(A y, B^T x)`` per game: shapes ``(batch, m)`` and ``(batch, n)``."""
        return (self.A @ y.unsqueeze(-1)).squeeze(-1), (x.unsqueeze(-2) @ self.B).squeeze(-2)

    def regrets(self, x: Tensor, y: Tensor) -> Tensor:
        """``(batch, 2)``: ``max_i (A y)_i - x^T A y`` and ``max_j (B^T x)_j - x^T B y``."""
        ay, bx = self.pure_payoffs(x, y)
        return torch.stack([ay.amax(-1) - (x * ay).sum(-1), bx.amax(-1) - (bx * y).sum(-1)], -1).clamp_min(0)

    def exploitability(self, x: Tensor, y: Tensor) -> Tensor:
        """``NashConv / 2`` per game, shape ``(batch,)``."""
        return 0.5 * self.regrets(x, y).sum(-1)

    def value_bounds(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        """Zero-sum games: ``min_j (x^T A)_j <= value <= max_i (A y)_i`` per game;
        the bracket's width is the NashConv."""
        if not self.zero_sum:
            raise InvalidParameterError("value bounds are defined for zero-sum batches (B omitted)")
        ay = (self.A @ y.unsqueeze(-1)).squeeze(-1)
        xa = (x.unsqueeze(-2) @ self.A).squeeze(-2)
        return xa.amin(-1), ay.amax(-1)

    def __repr__(self) -> str:
        b, m, n = self.shape
        return f"MatrixGameBatch({b} x {m}x{n}, {'zero-sum' if self.zero_sum else 'general-sum'}, {self.device})"

