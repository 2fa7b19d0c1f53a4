"""Seeded random matrices shared by the zoo's games."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def orthogonal(n: int, gen: torch.Generator, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """A Haar-random orthogonal matrix (QR of a Gaussian matrix with sign fix)."""
    q, r = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=dtype))
    return q * torch.sign(torch.diagonal(r)).unsqueeze(0)


def with_singular_values(s: Sequence[float], gen: torch.Generator, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """A square matrix ``U diag(s) V^T`` with Haar-random ``U, V``."""
    s_t = torch.as_tensor(list(s), dtype=dtype)
    n = s_t.numel()
    return orthogonal(n, gen, dtype) @ torch.diag(s_t) @ orthogonal(n, gen, dtype).T
