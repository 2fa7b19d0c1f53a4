"""Players: who owns a strategy, and where it lives.

A :class:`Player` is a name, a strategy (leaf tensors or the trainable
parameters of an ``nn.Module``) and one :class:`~gamesolve.domains.Domain`
per strategy tensor, enforced by projection after every solver step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

import numpy as np
import torch
from torch import Tensor, nn

from .domains import Domain, Reals
from .errors import DomainError, GameError, InvalidParameterError, NonFiniteError, ShapeError

__all__ = ["Player", "StrategyLike"]

StrategyLike = Union[Tensor, np.ndarray, Sequence[float], float, nn.Module, Sequence[Tensor]]


def _available_device(device: torch.device | str, who: str) -> torch.device:
    """``torch.device(device)`` if this machine can allocate on it, else an
    :class:`InvalidParameterError` naming ``who`` (e.g. ``"cuda"`` on a CPU-only machine)."""
    try:
        dev = torch.device(device)
        torch.empty(0, device=dev)
    except (RuntimeError, AssertionError, TypeError, ValueError) as err:
        raise InvalidParameterError(f"{who}: device {str(device)!r} is not one this machine can use ({err})") from None
    return dev


def _as_leaf(value: Any, device: Any, dtype: torch.dtype | None) -> Tensor:
    if isinstance(value, Tensor):
        t = value.detach().to(device=device if device is not None else value.device,
                              dtype=dtype if dtype is not None else value.dtype)
    else:
        t = torch.as_tensor(np.asarray(value, dtype=np.float64), device=device)
        t = t.to(dtype if dtype is not None else torch.float64)
    if not t.is_floating_point():
        t = t.to(torch.float64)
    return t.clone().requires_grad_(True)


class Player:
    """One player of a two-player game: a name, a strategy and a domain.

    ``strategy`` is a tensor (or array / list of numbers; defaults to float64),
    a sequence of tensors, or an ``nn.Module`` whose trainable parameters are
    the strategy. The strategy becomes leaf tensors that the solvers update in
    place; ``domain`` (default :class:`Reals`) applies to every tensor, or give
    one domain per tensor; it is enforced by projection after every solver step.
    """

    def __init__(
        self,
        name: str,
        strategy: StrategyLike,
        domain: Domain | Sequence[Domain] | None = None,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ):
        if not isinstance(name, str) or not name:
            raise GameError(f"a player needs a non-empty string name, got {name!r}")
        self.name = name
        self.module: nn.Module | None = None
        if device is not None:
            device = _available_device(device, f"player {name!r}")
        if isinstance(strategy, nn.Module):
            if device is not None or dtype is not None:
                strategy.to(device=device, dtype=dtype)
            self.module = strategy
            self.params = [p for p in strategy.parameters() if p.requires_grad]
            if not self.params:
                raise GameError(f"player {name!r}: the module has no trainable parameters")
            self.value: Any = strategy
        elif isinstance(strategy, (list, tuple)) and strategy and all(isinstance(s, Tensor) for s in strategy):
            self.params = [_as_leaf(s, device, dtype) for s in strategy]
            self.value = self.params
        else:
            self.params = [_as_leaf(strategy, device, dtype)]
            self.value = self.params[0]
        for k, p in enumerate(self.params):
            bad = int((~torch.isfinite(p.detach())).sum())
            if bad:
                raise NonFiniteError(
                    f"player {name!r}: initial strategy{self._where(k)} of shape {tuple(p.shape)} has "
                    f"{bad} non-finite entries; start from finite values"
                )
        self.set_domains(domain, project=False)

    def _where(self, k: int) -> str:
        return "" if len(self.params) == 1 else f" (tensor {k})"

    def set_domains(self, domain: Domain | Sequence[Domain] | None, *, project: bool = True) -> None:
        """Give the strategy a new domain (one for all tensors, or one per tensor).

        With ``project=True`` the strategy is projected onto it (e.g. pruning:
        :class:`Masked` domains zero the pruned weights); with ``project=False``
        it must already lie in it, else :class:`DomainError`.
        """
        if domain is None:
            domain = Reals()
        domains = [domain] * len(self.params) if isinstance(domain, Domain) else list(domain)
        if len(domains) != len(self.params) or not all(isinstance(d, Domain) for d in domains):
            raise DomainError(
                f"player {self.name!r}: domain must be a gamesolve Domain or one Domain per strategy tensor "
                f"({len(self.params)}), got {domain!r}")
        for k, (p, dom) in enumerate(zip(self.params, domains)):
            if project:
                dom.project_(p.data)
            elif not dom.contains(p):
                raise DomainError(
                    f"player {self.name!r}: initial strategy{self._where(k)} of shape {tuple(p.shape)} is outside "
                    f"{dom!r}; start from a feasible point, e.g. domain.project(x0)"
                )
        self.domains = domains
        self._projected = [(p, d) for p, d in zip(self.params, domains) if not isinstance(d, Reals)]

    @property
    def domain(self) -> Domain:
        """The domain shared by all strategy tensors (see ``domains`` for per-tensor ones)."""
        if any(d is not self.domains[0] for d in self.domains):
            raise DomainError(f"player {self.name!r} has one domain per tensor; use player.domains")
        return self.domains[0]

    @property
    def constrained(self) -> bool:
        """Whether any strategy tensor lives in a domain other than :class:`Reals`."""
        return bool(self._projected)

    @property
    def is_module(self) -> bool:
        return self.module is not None

    @property
    def numel(self) -> int:
        return sum(p.numel() for p in self.params)

    @property
    def device(self) -> torch.device:
        return self.params[0].device

    @property
    def dtype(self) -> torch.dtype:
        return self.params[0].dtype

    def strategy(self) -> Tensor | list[Tensor]:
        """A detached copy: a tensor for a single-tensor player, else a list."""
        if len(self.params) == 1 and not self.is_module:
            return self.params[0].detach().clone()
        return [p.detach().clone() for p in self.params]

    def load_strategy(self, strategy: Tensor | Sequence[Tensor]) -> None:
        """Copy ``strategy`` (as returned by :meth:`strategy`; tensors or arrays) into the player.
        A tensor whose shape differs from its parameter's only by dimensions of size 1 (a
        ``(1,)`` value for a 0-d multiplier) is reshaped to it."""
        tensors = [strategy] if isinstance(strategy, (Tensor, np.ndarray)) else list(strategy)
        if len(tensors) != len(self.params):
            raise ShapeError(f"player {self.name!r} has {len(self.params)} tensors, got {len(tensors)}")
        with torch.no_grad():
            for p, s in zip(self.params, tensors):
                s = torch.as_tensor(s)
                if s.shape != p.shape and s.numel() == p.numel() and s.squeeze().shape == p.squeeze().shape:
                    s = s.reshape(p.shape)
                if s.shape != p.shape:
                    raise ShapeError(
                        f"player {self.name!r}: strategy of shape {tuple(s.shape)} does not fit "
                        f"parameter of shape {tuple(p.shape)}"
                    )
                p.copy_(s)

    def project_(self) -> None:
        """Project every strategy tensor onto its domain, in place."""
        for p, dom in self._projected:
            dom.project_(p.data)

    def __repr__(self) -> str:
        kind = type(self.module).__name__ if self.is_module else f"tensor{tuple(self.params[0].shape)}"
        dom = self.domains[0] if all(d is self.domains[0] for d in self.domains) else self.domains
        return f"Player({self.name!r}, {kind}, {dom!r})"
