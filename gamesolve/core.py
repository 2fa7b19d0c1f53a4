"""Players, domains and two-player games.

A two-player game is two :class:`Player` objects, each owning a strategy
(leaf tensors or an ``nn.Module``) in a :class:`Domain`, and a rule that maps
the current strategies to two scalar losses, one per player; **each player
minimises its own loss**. A zero-sum game ``min_x max_y f(x, y)`` has losses
``(f, -f)``.

The *simultaneous gradient* (Balduzzi et al., 2018; Mescheder et al., 2017)
is the vector field every gradient solver follows,

    F(x, y) = (grad_x loss_x(x, y), grad_y loss_y(x, y)),

so that simultaneous gradient descent-ascent is ``theta <- theta - eta F``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, Union

import numpy as np
import torch
from torch import Tensor, nn

from .errors import DomainError, GameError, InvalidParameterError, NonFiniteError, ShapeError

__all__ = [
    "Domain",
    "Reals",
    "NonNegative",
    "Box",
    "Simplex",
    "Masked",
    "Player",
    "Game",
    "ZeroSumGame",
    "GeneralSumGame",
    "Evaluation",
    "flatten",
    "unflatten",
    "all_finite",
    "stored_values",
]


# --------------------------------------------------------------------------
# Domains
# --------------------------------------------------------------------------


class Domain:
    """A closed convex set a strategy lives in, with its Euclidean projection.

    ``project(t)`` returns ``argmin_{s in D} ||s - t||_2``; ``lmo(g)`` returns a
    minimiser of the linear function ``<g, s>`` over ``D`` (the linear
    minimisation oracle of Frank-Wolfe), defined only for bounded domains.
    """

    bounded: bool = False

    def project(self, t: Tensor) -> Tensor:
        """``argmin_{s in D} ||s - t||_2``, the Euclidean projection of ``t`` onto the domain."""
        raise NotImplementedError

    def project_(self, t: Tensor) -> None:
        """Project ``t`` onto the domain in place (no autograd)."""
        with torch.no_grad():
            t.copy_(self.project(t))

    def contains(self, t: Tensor, atol: float = 1e-9) -> bool:
        """Whether ``t`` lies in the domain up to ``atol`` (max-norm)."""
        t = t.detach()
        return bool((self.project(t) - t).abs().max() <= atol) if t.numel() else True

    def lmo(self, g: Tensor) -> Tensor:
        """A minimiser of ``<g, s>`` over the domain (bounded domains only)."""
        raise DomainError(
            f"{self!r} is unbounded: a linear function has no minimiser on it; "
            "use a bounded domain (Box or Simplex) for duality gaps"
        )


class Reals(Domain):
    """No constraint: ``project`` is the identity."""

    def project(self, t: Tensor) -> Tensor:
        return t

    def project_(self, t: Tensor) -> None:
        return None

    def contains(self, t: Tensor, atol: float = 1e-9) -> bool:
        return True

    def __repr__(self) -> str:
        return "Reals()"


class NonNegative(Domain):
    """The non-negative orthant; ``project(t) = max(t, 0)`` entrywise."""

    def project(self, t: Tensor) -> Tensor:
        return t.clamp_min(0)

    def project_(self, t: Tensor) -> None:
        with torch.no_grad():
            t.clamp_(min=0)

    def __repr__(self) -> str:
        return "NonNegative()"


class Box(Domain):
    """The box ``{s : lo <= s <= hi}``; ``project(t) = clip(t, lo, hi)``.

    ``lo`` and ``hi`` are floats or tensors broadcastable to the strategy.
    """

    bounded = True

    def __init__(self, lo: float | Tensor = -1.0, hi: float | Tensor = 1.0):
        lo_t, hi_t = torch.as_tensor(lo), torch.as_tensor(hi)
        if not bool(torch.all(lo_t <= hi_t)):
            raise DomainError(f"Box needs lo <= hi everywhere, got lo={lo!r}, hi={hi!r}")
        if not (bool(torch.isfinite(lo_t).all()) and bool(torch.isfinite(hi_t).all())):
            raise DomainError(f"Box bounds must be finite, got lo={lo!r}, hi={hi!r}; use Reals or NonNegative")
        self.lo, self.hi = lo, hi

    def _bounds(self, t: Tensor) -> tuple[Tensor, Tensor]:
        return (torch.as_tensor(self.lo, dtype=t.dtype, device=t.device),
                torch.as_tensor(self.hi, dtype=t.dtype, device=t.device))

    def project(self, t: Tensor) -> Tensor:
        lo, hi = self._bounds(t)
        return torch.clamp(t, lo, hi)

    def project_(self, t: Tensor) -> None:
        if isinstance(self.lo, (int, float)) and isinstance(self.hi, (int, float)):
            with torch.no_grad():
                t.clamp_(self.lo, self.hi)
        else:
            super().project_(t)

    def lmo(self, g: Tensor) -> Tensor:
        lo, hi = self._bounds(g)
        return torch.where(g > 0, lo, hi).expand_as(g).clone()

    def __repr__(self) -> str:
        return f"Box({self.lo!r}, {self.hi!r})"


class Simplex(Domain):
    """The probability simplex ``{s >= 0 : sum(s) = radius}`` along the last
    dimension (a 2-D strategy is one simplex per row).

    Projection by the sort-based algorithm (Held, Wolfe & Crowder 1974;
    Duchi et al. 2008): with ``u`` the entries sorted decreasingly and
    ``rho = max{j : u_j - (sum_{i<=j} u_i - r) / j > 0}``,
    ``project(t) = max(t - tau, 0)`` with ``tau = (sum_{i<=rho} u_i - r) / rho``.
    """

    bounded = True

    def __init__(self, radius: float = 1.0):
        if not (radius > 0 and math.isfinite(radius)):
            raise DomainError(f"Simplex radius must be positive and finite, got {radius!r}")
        self.radius = float(radius)

    def project(self, t: Tensor) -> Tensor:
        if t.dim() == 0:
            raise ShapeError("a Simplex strategy needs at least one dimension, got a scalar")
        u, _ = torch.sort(t, dim=-1, descending=True)
        css = torch.cumsum(u, dim=-1) - self.radius
        j = torch.arange(1, t.shape[-1] + 1, dtype=t.dtype, device=t.device)
        cond = (u - css / j) > 0
        rho = cond.sum(-1, keepdim=True) - 1  # cond holds exactly for j <= rho
        tau = torch.gather(css, -1, rho) / (rho + 1).to(t.dtype)
        return torch.clamp(t - tau, min=0)

    def lmo(self, g: Tensor) -> Tensor:
        s = torch.zeros_like(g)
        s.scatter_(-1, g.argmin(-1, keepdim=True), self.radius)
        return s

    def __repr__(self) -> str:
        return "Simplex()" if self.radius == 1.0 else f"Simplex(radius={self.radius})"


class Masked(Domain):
    """The coordinate subspace ``{s : s = m * s}`` of a 0/1 ``mask`` ``m``;
    ``project(t) = m * t``.

    Pruning is this projection: a pruned network is a player whose weight
    tensors live in ``Masked`` domains, so every solver keeps pruned weights at
    zero after every update, extrapolations included (see
    :mod:`gamesolve.pruning`).
    """

    def __init__(self, mask: Tensor):
        mask = torch.as_tensor(mask)
        if not bool(((mask == 0) | (mask == 1)).all()):
            raise DomainError("a Masked domain needs a 0/1 (or boolean) mask")
        self.mask = mask.detach().bool()
        self._factor = self.mask.double()   # the mask as numbers, cached in the strategy's device and dtype

    def _factor_like(self, t: Tensor) -> Tensor:
        if t.shape != self.mask.shape:
            raise ShapeError(f"mask of shape {tuple(self.mask.shape)} does not fit a strategy of shape "
                             f"{tuple(t.shape)}")
        if self._factor.device != t.device or self._factor.dtype != t.dtype:
            self._factor = self.mask.to(device=t.device, dtype=t.dtype)
        return self._factor

    def project(self, t: Tensor) -> Tensor:
        return t * self._factor_like(t)

    def project_(self, t: Tensor) -> None:
        with torch.no_grad():
            t.mul_(self._factor_like(t))

    @property
    def density(self) -> float:
        """The fraction of coordinates left free."""
        return float(self.mask.float().mean()) if self.mask.numel() else 1.0

    def __repr__(self) -> str:
        return f"Masked({tuple(self.mask.shape)}, density={self.density:.3g})"


# --------------------------------------------------------------------------
# Players
# --------------------------------------------------------------------------

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
        """Copy ``strategy`` (as returned by :meth:`strategy`) into the player."""
        tensors = [strategy] if isinstance(strategy, Tensor) else list(strategy)
        if len(tensors) != len(self.params):
            raise ShapeError(f"player {self.name!r} has {len(self.params)} tensors, got {len(tensors)}")
        with torch.no_grad():
            for p, s in zip(self.params, tensors):
                s = torch.as_tensor(s)
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


# --------------------------------------------------------------------------
# Games
# --------------------------------------------------------------------------


class Evaluation(NamedTuple):
    """Losses (detached scalars) and, for the requested players, the gradient
    of each player's loss with respect to its own strategy tensors."""

    losses: tuple[Tensor, Tensor]
    grads: tuple[list[Tensor] | None, list[Tensor] | None]


def flatten(tensors: Iterable[Tensor]) -> Tensor:
    """Concatenate tensors into one flat vector."""
    return torch.cat([t.reshape(-1) for t in tensors])


def unflatten(vector: Tensor, like: Sequence[Tensor]) -> list[Tensor]:
    """Split a flat vector into tensors shaped like ``like``."""
    out, k = [], 0
    for t in like:
        out.append(vector[k:k + t.numel()].view_as(t))
        k += t.numel()
    if k != vector.numel():
        raise ShapeError(f"vector of length {vector.numel()} does not fit tensors totalling {k} entries")
    return out


def stored_values(t: Tensor) -> Tensor:
    """The entries a tensor stores: ``t`` itself, or the values of a sparse
    tensor (e.g. the gradient of indexed multipliers), coalesced."""
    return t.coalesce().values() if t.is_sparse else t


def all_finite(tensors: Sequence[Tensor]) -> bool:
    """Whether every entry of every tensor (dense or sparse) is finite.

    Fast path: one fused 2-norm per tensor; only when a norm is not finite
    (a NaN/inf entry, or merely an overflowing sum of squares) are the entries
    checked one by one.
    """
    tensors = [stored_values(t.detach()) for t in tensors]
    if not tensors:
        return True
    if bool(torch.isfinite(torch.stack(torch._foreach_norm(tensors))).all()):
        return True
    return all(bool(torch.isfinite(t).all()) for t in tensors)


def _scalar(loss: Any, who: str) -> Tensor:
    if not isinstance(loss, Tensor):
        raise ShapeError(f"the loss of player {who} must be a torch scalar tensor, got {type(loss).__name__}")
    if loss.dim() != 0:
        if loss.numel() != 1:
            raise ShapeError(
                f"the loss of player {who} has shape {tuple(loss.shape)}; a loss must be a scalar "
                "(reduce it, e.g. with .mean() or .sum())"
            )
        loss = loss.reshape(())
    return loss


def _grad(loss: Tensor, params: list[Tensor], retain_graph: bool, create_graph: bool) -> list[Tensor]:
    """``d loss / d params``, zeros for the tensors the loss does not use."""
    if not loss.requires_grad:
        return [torch.zeros_like(p) for p in params]
    grads = list(torch.autograd.grad(loss, params, retain_graph=retain_graph, create_graph=create_graph,
                                     allow_unused=True))
    for k, g in enumerate(grads):
        if g is None:
            grads[k] = torch.zeros_like(params[k], requires_grad=create_graph)
    return grads


class Game:
    """A two-player game: ``players`` and ``losses()``.

    Subclass and implement :meth:`losses` (returning one scalar loss per
    player, each to be minimised by its player, evaluated at the players'
    current strategies), or use :class:`ZeroSumGame` / :class:`GeneralSumGame`
    with callables. ``capabilities`` names what a solver may ask of the game;
    every ``Game`` offers ``"gradients"``.

    Stochastic games (minibatches, latent samples) draw from
    ``self.generator``, a ``torch.Generator`` that :meth:`seed` resets, so the
    same seed gives the same trajectory. ``equilibrium`` holds a known
    equilibrium (a tuple of strategies) when one is known.
    """

    capabilities: frozenset[str] = frozenset({"gradients"})
    zero_sum: bool = False

    def __init__(self, players: Sequence[Player], *, name: str | None = None):
        players = tuple(players)
        if len(players) != 2 or not all(isinstance(p, Player) for p in players):
            raise GameError(f"a game needs exactly two Player objects, got {players!r}")
        if players[0].name == players[1].name:
            raise GameError(f"the two players need distinct names, both are {players[0].name!r}")
        ids = {id(p) for p in players[0].params}
        if any(id(p) in ids for p in players[1].params):
            raise GameError(f"players {players[0].name!r} and {players[1].name!r} share parameter tensors")
        self.players: tuple[Player, Player] = players  # type: ignore[assignment]
        self.name = name or type(self).__name__
        self.generator: torch.Generator | None = None
        self.equilibrium: tuple[Any, Any] | None = None

    # -- the rule of the game ---------------------------------------------
    def losses(self) -> tuple[Tensor, Tensor]:
        """One scalar loss per player at the current strategies (to be minimised)."""
        raise NotImplementedError(f"{type(self).__name__} must implement losses()")

    def evaluate(self, players: Sequence[int] = (0, 1), create_graph: bool = False) -> Evaluation:
        """Losses and, for each player index in ``players``, the gradient of its
        own loss w.r.t. its own strategy (one block of the simultaneous gradient)."""
        raw = self.losses()
        losses = (_scalar(raw[0], repr(self.players[0].name)), _scalar(raw[1], repr(self.players[1].name)))
        grads: list[list[Tensor] | None] = [None, None]
        for k, i in enumerate(players):
            last = k == len(players) - 1
            grads[i] = _grad(losses[i], self.players[i].params, create_graph or not last, create_graph)
        return Evaluation((losses[0].detach(), losses[1].detach()), (grads[0], grads[1]))

    def simultaneous_gradient(self, create_graph: bool = False) -> tuple[list[Tensor], list[Tensor]]:
        """``F = (grad_x loss_x, grad_y loss_y)`` at the current strategies."""
        g = self.evaluate((0, 1), create_graph=create_graph).grads
        return g[0], g[1]  # type: ignore[return-value]

    def validate(self) -> None:
        """Evaluate the losses once and turn failures into clear errors.

        Raises :class:`ShapeError` when the loss rule fails on the players'
        strategies or returns a non-scalar, :class:`NonFiniteError` when a loss
        is NaN or infinite at the start.
        """
        shapes = ", ".join(f"{p.name}: {'/'.join(str(tuple(t.shape)) for t in p.params)}" for p in self.players)
        try:
            raw = self.losses()
        except (RuntimeError, IndexError, ValueError, TypeError) as err:
            if isinstance(err, GameError):
                raise
            raise ShapeError(
                f"{self.name}: evaluating the losses at the initial strategies failed "
                f"(strategy shapes {shapes}): {err}"
            ) from err
        if not isinstance(raw, (tuple, list)) or len(raw) != 2:
            raise ShapeError(f"{self.name}: losses() must return two scalars, one per player, got {raw!r}")
        for player, loss in zip(self.players, raw):
            loss = _scalar(loss, repr(player.name))
            if not bool(torch.isfinite(loss.detach())):
                raise NonFiniteError(f"{self.name}: the loss of player {player.name!r} is {float(loss.detach())} "
                                     "at the initial strategies")

    # -- strategies and state ---------------------------------------------
    def parameters(self) -> list[Tensor]:
        """All strategy tensors, player 1's first."""
        return self.players[0].params + self.players[1].params

    def strategies(self) -> tuple[Any, Any]:
        """Detached copies of both players' strategies."""
        return self.players[0].strategy(), self.players[1].strategy()

    def set_strategies(self, strategies: Sequence[Any]) -> None:
        """Copy one strategy per player (as from :meth:`strategies`) into the players."""
        for player, s in zip(self.players, strategies):
            player.load_strategy(s)

    def project_(self) -> None:
        """Project both players onto their domains, in place."""
        for p in self.players:
            p.project_()

    def snapshot(self) -> list[Tensor]:
        """Copies of all strategy tensors (see :meth:`restore`)."""
        return [p.detach().clone() for p in self.parameters()]

    def restore(self, snapshot: Sequence[Tensor]) -> None:
        """Copy a :meth:`snapshot` back into the strategy tensors."""
        with torch.no_grad():
            torch._foreach_copy_(self.parameters(), list(snapshot))

    def seed(self, seed: int) -> None:
        """Reset the game's random stream (minibatches, latent samples)."""
        if self.generator is not None:
            self.generator.manual_seed(int(seed))

    def state_dict(self) -> dict[str, Any]:
        """Strategies and random state: everything a resumed run needs."""
        return {
            "strategies": [[p.detach().clone() for p in pl.params] for pl in self.players],
            "generator": None if self.generator is None else self.generator.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore strategies and random state saved by :meth:`state_dict`."""
        for player, tensors in zip(self.players, state["strategies"]):
            player.load_strategy(tensors)
        if state.get("generator") is not None and self.generator is not None:
            self.generator.set_state(state["generator"])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.players[0]!r}, {self.players[1]!r})"


class ZeroSumGame(Game):
    """``min_x max_y f(x, y)``: player 1 has loss ``f``, player 2 has ``-f``.

    ``f`` receives each player's strategy (the tensor, the list of tensors or
    the module) and returns a scalar tensor. Subclasses may instead override
    :meth:`value`. Gradients of both players come from one backward pass.
    """

    zero_sum = True

    def __init__(self, f: Callable[[Any, Any], Tensor] | None, x: Player, y: Player, *, name: str | None = None,
                 validate: bool = True):
        super().__init__((x, y), name=name)
        self.f = f
        if validate:
            self.validate()

    def value(self) -> Tensor:
        """``f(x, y)`` at the current strategies."""
        if self.f is None:
            raise NotImplementedError(f"{type(self).__name__}: pass f or override value()")
        return self.f(self.players[0].value, self.players[1].value)

    def losses(self) -> tuple[Tensor, Tensor]:
        f = self.value()
        return f, -f

    def evaluate(self, players: Sequence[int] = (0, 1), create_graph: bool = False) -> Evaluation:
        f = _scalar(self.value(), f"{self.players[0].name!r} (the value f)")
        params = [p for i in players for p in self.players[i].params]
        flat = _grad(f, params, create_graph, create_graph)
        grads: list[list[Tensor] | None] = [None, None]
        k = 0
        for i in players:
            n = len(self.players[i].params)
            block = flat[k:k + n]
            grads[i] = block if i == 0 else list(torch._foreach_neg(block))
            k += n
        f = f.detach()
        return Evaluation((f, -f), (grads[0], grads[1]))


class GeneralSumGame(Game):
    """A game with one loss per player: player 1 minimises ``loss_x(x, y)``,
    player 2 minimises ``loss_y(x, y)``."""

    def __init__(self, loss_x: Callable[[Any, Any], Tensor], loss_y: Callable[[Any, Any], Tensor],
                 x: Player, y: Player, *, name: str | None = None, validate: bool = True):
        super().__init__((x, y), name=name)
        self.loss_x, self.loss_y = loss_x, loss_y
        if validate:
            self.validate()

    def losses(self) -> tuple[Tensor, Tensor]:
        a, b = self.players[0].value, self.players[1].value
        return self.loss_x(a, b), self.loss_y(a, b)
