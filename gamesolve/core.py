"""Two-player games and the simultaneous gradient.

A two-player game is two :class:`~gamesolve.players.Player` objects, each
owning a strategy (leaf tensors or an ``nn.Module``) in a
:class:`~gamesolve.domains.Domain`, and a rule that maps
the current strategies to two scalar losses, one per player; **each player
minimises its own loss**. A zero-sum game ``min_x max_y f(x, y)`` has losses
``(f, -f)``.

The *simultaneous gradient* (Balduzzi et al., 2018; Mescheder et al., 2017)
is the vector field every gradient solver follows,

    F(x, y) = (grad_x loss_x(x, y), grad_y loss_y(x, y)),

so that simultaneous gradient descent-ascent is ``theta <- theta - eta F``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import torch
from torch import Tensor

from .errors import DTypeError, GameError, NonFiniteError, ShapeError
from .players import Player

__all__ = [
    "Game",
    "ZeroSumGame",
    "GeneralSumGame",
    "Evaluation",
    "flatten",
    "unflatten",
    "all_finite",
    "stored_values",
]


class Evaluation:
    """Losses (detached scalars) and, for the requested players, the gradient
    of each player's loss with respect to its own strategy tensors.

    The gradients are held as ``grads[i] = signs[i] * raw[i]``: a zero-sum game
    gives ``raw = (grad_x f, grad_y f)`` and ``signs = (1, -1)``, so that the
    max player's ``-grad_y f`` costs a kernel only when ``grads`` is read; the
    gradient solvers fold the sign into their step instead. A game that builds
    ``Evaluation(losses, grads)`` has ``raw = grads`` and ``signs = (1, 1)``.
    Unpacks and indexes as the pair ``(losses, grads)``.
    """

    __slots__ = ("losses", "raw", "signs", "_grads")

    def __init__(self, losses: tuple[Tensor, Tensor], grads: tuple[list[Tensor] | None, list[Tensor] | None],
                 signs: tuple[int, int] = (1, 1)):
        self.losses, self.raw, self.signs = losses, grads, signs
        self._grads = grads if signs == (1, 1) else None

    @property
    def grads(self) -> tuple[list[Tensor] | None, list[Tensor] | None]:
        """Each player's gradient of its own loss (computed from ``raw`` on first read)."""
        if self._grads is None:
            g = [block if block is None or s == 1 else list(torch._foreach_neg(block))
                 for block, s in zip(self.raw, self.signs)]
            self._grads = (g[0], g[1])
        return self._grads

    def __iter__(self) -> Iterator[Any]:
        return iter((self.losses, self.grads))

    def __getitem__(self, index: int) -> Any:
        return (self.losses, self.grads)[index]

    def __repr__(self) -> str:
        return f"Evaluation(losses={self.losses}, signs={self.signs})"


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
        l0, l1 = self.losses()
        if not (isinstance(l0, Tensor) and l0.dim() == 0 and isinstance(l1, Tensor) and l1.dim() == 0):
            l0, l1 = _scalar(l0, repr(self.players[0].name)), _scalar(l1, repr(self.players[1].name))
        losses = (l0, l1)
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
            dtypes = {p.name: sorted({str(t.dtype).removeprefix("torch.") for t in p.params}) for p in self.players}
            if len({d for ds in dtypes.values() for d in ds}) > 1 and "type" in str(err).lower():
                named = ", ".join(f"{name}: {'/'.join(ds)}" for name, ds in dtypes.items())
                raise DTypeError(
                    f"{self.name}: the losses mix dtypes ({named}), which torch does not combine; give every "
                    f"player one dtype, e.g. Player(..., dtype=torch.float64) ({err})") from err
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
        f = self.value()
        if not (isinstance(f, Tensor) and f.dim() == 0):   # checked only when it is not a scalar already
            f = _scalar(f, f"{self.players[0].name!r} (the value f)")
        params = [p for i in players for p in self.players[i].params]
        flat = _grad(f, params, create_graph, create_graph)
        grads: list[list[Tensor] | None] = [None, None]
        k = 0
        for i in players:
            n = len(self.players[i].params)
            grads[i] = flat[k:k + n]
            k += n
        f = f.detach()
        return Evaluation((f, -f), (grads[0], grads[1]), signs=(1, -1))   # player 2's gradient is -grad_y f


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
