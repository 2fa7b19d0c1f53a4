"""GANs as two-player games: a generator network against a discriminator network.

Player 1 is the generator ``G`` (latent ``z -> x``), player 2 the
discriminator ``D`` (``x -> one score per sample``). Each step draws a batch
``(x_1..x_B, z_1..z_B)`` from the game's own ``torch.Generator``
(:mod:`~gamesolve.gan.batches`) and the players' losses are means over it of
a *loss family* (:mod:`~gamesolve.gan.losses`) evaluated at the scores
``d_r = D(x)`` and ``d_f = D(G(z))`` (logits, not probabilities); the
discriminator's loss may carry a gradient penalty
(:mod:`~gamesolve.gan.penalties`).

Because a :class:`GANGame` is a :class:`~gamesolve.core.Game`, every gradient
solver runs it unchanged: GDA, alternating GDA with ``k`` discriminator steps
(``GDA(game, alternating=True, steps_per_player=(1, k), order=(1, 0))``),
OGDA, extragradient, each with any ``torch.optim`` optimizer per player.
Several processes: see :mod:`~gamesolve.gan.distributed`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Union

import torch
from torch import Tensor, nn

from ..core import Evaluation, Game, _grad, _scalar
from ..domains import Domain
from ..errors import GameError, InvalidParameterError, NonFiniteError, ShapeError
from ..players import Player, _available_device
from .batches import Batch, DataLike, GANBatches, LatentLike
from .distributed import GANProcessGroup, _unwrap
from .losses import GANLoss, _loss_family
from .penalties import Regularizer, _regularizer

__all__ = ["GANGame"]

Strategy = Union[nn.Module, Sequence[Tensor], None]


def _project_initial(net: nn.Module, domain: Domain | Sequence[Domain] | None) -> None:
    """Project a network's trainable tensors onto their domains (e.g. WGAN's clipping of the initial weights);
    a count mismatch is left for :class:`~gamesolve.players.Player` to report."""
    if domain is None:
        return
    params = [p for p in net.parameters() if p.requires_grad]
    domains = [domain] * len(params) if isinstance(domain, Domain) else list(domain)
    if len(domains) == len(params):
        for p, d in zip(params, domains):
            d.project_(p.data)


class GANGame(GANBatches, GANProcessGroup, Game):
    """A GAN: ``generator`` (player 1) against ``discriminator`` (player 2).

    Parameters
    ----------
    generator, discriminator:
        ``nn.Module``s (or ``DistributedDataParallel`` wrappers). ``D`` must
        return one score (a logit) per sample: shape ``(B,)`` or ``(B, 1)``.
    data:
        a tensor / array of samples ``(N, ...)``, a map-style
        ``torch.utils.data.Dataset`` (items are samples or ``(sample, ...)``
        tuples), or a sampler ``data(n, generator) -> Tensor`` such as
        :class:`gamesolve.data.GaussianMixture`. Tensors and datasets are
        sampled uniformly with replacement.
    loss:
        a family name (``"minimax"``, ``"non-saturating"``, ``"wgan"``,
        ``"hinge"``, ``"least-squares"``) or a :class:`GANLoss`.
    latent:
        an int ``d`` or a shape (standard normal codes), a sampler
        ``latent(n, generator) -> Tensor``, or a tensor of fixed codes
        (sampled like data; all of them when ``batch_size=None``). By default
        the ``in_features`` of the generator's first linear layer.
    batch_size:
        samples per evaluation (the *global* batch when distributed);
        ``None`` uses every data sample and every fixed latent code, in order,
        at every evaluation (a deterministic full-batch game).
    regularizer:
        ``None``, ``"r1"``, ``"r2"``, ``"wgan-gp"`` or a :class:`Regularizer`.
    device, dtype:
        where and in which precision the networks and data live (default:
        those of the generator's parameters).
    seed:
        seed of the game's random stream ``game.generator`` (a
        ``torch.Generator`` on ``device``); every batch is drawn from it in the
        order data indices, latent codes, interpolation weights.
    generator_domain, discriminator_domain:
        a :class:`~gamesolve.domains.Domain` for a network's trainable tensors,
        or one per tensor, e.g. ``discriminator_domain=gs.Box(-0.01, 0.01)``
        for WGAN weight clipping; the initial weights are projected onto it
        and the solvers project after every update.
    distributed:
        ``None`` (default) shards the batch and averages gradients over the
        process group exactly when a network is wrapped in
        ``DistributedDataParallel``; ``False`` never does.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        data: DataLike,
        loss: str | GANLoss = "non-saturating",
        *,
        latent: LatentLike = None,
        batch_size: int | None = 64,
        regularizer: str | Regularizer | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        seed: int = 0,
        generator_domain: Domain | Sequence[Domain] | None = None,
        discriminator_domain: Domain | Sequence[Domain] | None = None,
        distributed: bool | None = None,
        name: str | None = None,
    ):
        for role, net in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(net, nn.Module):
                raise GameError(f"GANGame: the {role} must be a torch.nn.Module, got {type(net).__name__}")
        first = next(iter(generator.parameters()), None)
        if first is None:
            raise GameError("GANGame: the generator has no parameters")
        device = _available_device(device, "GANGame") if device is not None else first.device
        dtype = dtype or first.dtype
        generator.to(device=device, dtype=dtype)
        discriminator.to(device=device, dtype=dtype)
        _project_initial(generator, generator_domain)
        _project_initial(discriminator, discriminator_domain)
        super().__init__((Player("generator", generator, domain=generator_domain),
                          Player("discriminator", discriminator, domain=discriminator_domain)), name=name or "gan")
        self.device, self.dtype = device, dtype
        self.loss = _loss_family(loss)
        self.regularizer = _regularizer(regularizer)
        self.zero_sum = self.loss.zero_sum and (self.regularizer is None or not self.regularizer.depends_on_generator)
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise InvalidParameterError(f"GANGame: batch_size must be a positive int or None, got {batch_size!r}")
        self.batch_size = batch_size
        self._data, self._data_kind = self._prepare_data(data)
        self._latent = self._prepare_latent(latent, generator)
        if batch_size is None:
            self._full_indices()
            if not isinstance(self._latent, Tensor):
                raise InvalidParameterError("GANGame: batch_size=None (full batch) needs latent codes as a tensor")
        self.generator = torch.Generator(device=device)
        self._seed = int(seed)
        self.generator.manual_seed(self._seed)
        self._group, self.rank, self.world_size = self._process_group(distributed)
        if self.world_size > 1:
            sizes = [self.batch_size] if self.batch_size is not None else [len(self._data), self._latent.shape[0]]
            if any(n % self.world_size for n in sizes):
                raise InvalidParameterError(
                    f"GANGame: the global batch ({' / '.join(map(str, sizes))}) must split evenly over "
                    f"{self.world_size} processes")
        self.validate()

    # -- the two networks ----------------------------------------------------
    @property
    def generator_net(self) -> nn.Module:
        """The generator as given (a DDP wrapper stays wrapped; see :func:`networks`)."""
        return self.players[0].module  # type: ignore[return-value]

    @property
    def discriminator_net(self) -> nn.Module:
        return self.players[1].module  # type: ignore[return-value]

    def networks(self, unwrap: bool = True) -> tuple[nn.Module, nn.Module]:
        """``(G, D)``; with ``unwrap`` the modules inside DDP wrappers."""
        nets = (self.generator_net, self.discriminator_net)
        return (_unwrap(nets[0]), _unwrap(nets[1])) if unwrap else nets

    # -- losses --------------------------------------------------------------
    def _scores(self, D: nn.Module, x: Tensor) -> Tensor:
        out = D(x)
        n = x.shape[0]
        if not isinstance(out, Tensor) or out.shape not in ((n,), (n, 1)):
            got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise ShapeError(f"GANGame: the discriminator returned {got} for a batch of {n} samples; it must return "
                             f"one score per sample, shape ({n},) or ({n}, 1) (e.g. end with nn.Linear(..., 1))")
        return out.reshape(n)

    def _check_samples(self, fake: Tensor, real: Tensor) -> None:
        if fake.shape[1:] != real.shape[1:]:
            raise ShapeError(
                f"GANGame: the generator makes samples of shape {tuple(fake.shape[1:])} but the data samples have "
                f"shape {tuple(real.shape[1:])}; make the generator's output match the data")

    def _losses_on(self, G: Callable[[Tensor], Tensor], D: Callable[[Tensor], Tensor], batch: Batch,
                   need: tuple[bool, bool], create_graph: bool = False) -> tuple[Tensor, Tensor]:
        """Both players' losses on ``batch``; autograd graphs only for the players in ``need``."""
        g_graph, d_graph = need[0] or create_graph, need[1] or create_graph
        reg = self.regularizer if self.regularizer is not None and self.regularizer.weight != 0 else None
        on = reg.on if reg is not None else None
        with torch.set_grad_enabled(g_graph):
            fake = G(batch.latent)
        self._check_samples(fake, batch.real)
        real = batch.real.detach().requires_grad_(True) if on == "real" else batch.real
        if on == "fake" and not fake.requires_grad:
            fake = fake.detach().requires_grad_(True)
        with torch.set_grad_enabled(d_graph or on == "real"):
            d_real = self._scores(D, real)
        with torch.set_grad_enabled(g_graph or d_graph or on == "fake"):
            d_fake = self._scores(D, fake)
        loss_g = self.loss.generator(d_real, d_fake)
        loss_d = -loss_g if self.loss.zero_sum else self.loss.discriminator(d_real, d_fake)
        if reg is not None:
            with torch.enable_grad():
                if on == "real":
                    pen = reg.penalty(d_real, real, d_graph)
                elif on == "fake":
                    pen = reg.penalty(d_fake, fake, d_graph)
                else:
                    u = batch.mix.view(-1, *([1] * (real.dim() - 1)))  # type: ignore[union-attr]
                    x_hat = (u * real.detach() + (1 - u) * fake.detach()).requires_grad_(True)
                    pen = reg.penalty(self._scores(D, x_hat), x_hat, d_graph)
            loss_d = loss_d + pen
            if self.zero_sum:
                loss_g = -loss_d   # the penalty does not depend on G: the value is f - penalty
        return loss_g, loss_d

    def losses(self, batch: Batch | None = None) -> tuple[Tensor, Tensor]:
        """Both players' losses (with autograd graphs) on ``batch``, by default
        a fresh one from the game's stream."""
        batch = self.draw() if batch is None else batch
        return self._losses_on(self.generator_net, self.discriminator_net, batch, (True, True))

    def evaluate(self, players: Sequence[int] = (0, 1), create_graph: bool = False, *,
                 batch: Batch | None = None) -> Evaluation:
        """Losses and each requested player's gradient on one batch (a fresh
        one from the game's stream unless given); averaged over processes when
        distributed."""
        if create_graph and self.world_size > 1:
            raise InvalidParameterError("GANGame: create_graph=True (second-order analysis) is not supported with "
                                        "several processes; analyse a single-process copy of the game")
        batch = self.draw() if batch is None else batch
        need = (0 in players, 1 in players)
        with self._no_ddp_sync():
            loss_g, loss_d = self._losses_on(self.generator_net, self.discriminator_net, batch, need, create_graph)
        loss_g, loss_d = _scalar(loss_g, "'generator'"), _scalar(loss_d, "'discriminator'")
        grads: list[list[Tensor] | None] = [None, None]
        if self.zero_sum:
            sizes = [len(self.players[i].params) for i in players]
            flat = _grad(loss_g, [p for i in players for p in self.players[i].params], create_graph, create_graph)
            k = 0
            for i, n in zip(players, sizes):
                block = flat[k:k + n]
                grads[i] = block if i == 0 else list(torch._foreach_neg(block))
                k += n
        else:
            losses = (loss_g, loss_d)
            for k, i in enumerate(players):
                last = k == len(players) - 1
                grads[i] = _grad(losses[i], self.players[i].params, create_graph or not last, create_graph)
        values = (loss_g.detach(), loss_d.detach())
        if self.world_size > 1:
            values = self._all_reduce_mean(values, grads)
        return Evaluation(values, (grads[0], grads[1]))

    # -- evaluation without side effects -------------------------------------
    @contextlib.contextmanager
    def _frozen_buffers(self) -> Iterator[None]:
        """Run networks (e.g. BatchNorm in train mode) and put their buffers back."""
        bufs = [b for net in self.networks() for b in net.buffers()]
        saved = [b.detach().clone() for b in bufs]
        try:
            yield
        finally:
            with torch.no_grad():
                for b, s in zip(bufs, saved):
                    b.copy_(s)

    def _as_callable(self, strategy: Strategy, index: int) -> nn.Module | Callable[[Tensor], Tensor]:
        net = self.networks()[index]
        if strategy is None:
            return net
        if isinstance(strategy, nn.Module):
            return strategy
        tensors = list(strategy)
        names = [n for n, p in net.named_parameters() if p.requires_grad]
        if len(tensors) != len(names):
            raise ShapeError(f"GANGame: a {self.players[index].name} snapshot needs {len(names)} tensors (as from "
                             f"game.players[{index}].strategy()), got {len(tensors)}")
        params = dict(zip(names, tensors))
        return lambda x: torch.func.functional_call(net, params, (x,))

    def losses_at(self, generator: Strategy = None, discriminator: Strategy = None, *,
                  batch: Batch | None = None, grad: bool = False) -> tuple[Tensor, Tensor]:
        """Both players' losses for given strategies, on ``batch``.

        Each strategy is ``None`` (the current network), a parameter snapshot
        (the list of tensors of ``game.players[i].strategy()``) or another
        ``nn.Module`` with the same inputs and outputs. Pass one ``batch``
        (:meth:`draw`) to compare several profiles on common random numbers.
        Neither the networks' weights and buffers nor the game's stream
        change; losses are detached unless ``grad=True``. Not averaged over
        processes.
        """
        if batch is None:
            batch = self.draw(generator=torch.Generator(device=self.device).manual_seed(self._seed))
        G, D = self._as_callable(generator, 0), self._as_callable(discriminator, 1)
        with self._frozen_buffers():
            loss_g, loss_d = self._losses_on(G, D, batch, (grad, grad))  # type: ignore[arg-type]
        return (loss_g, loss_d) if grad else (loss_g.detach(), loss_d.detach())

    def sample(self, n: int, *, seed: int = 0, generator: torch.Generator | None = None,
               strategy: Strategy = None, chunk: int = 4096) -> Tensor:
        """``n`` generated samples (no autograd), latents drawn from ``generator``
        or a fresh one seeded with ``seed``; the game's stream and the
        networks' buffers are untouched. ``strategy`` as in :meth:`losses_at`."""
        gen = generator or torch.Generator(device=self.device).manual_seed(int(seed))
        G = self._as_callable(strategy, 0)
        out = []
        with self._frozen_buffers(), torch.no_grad():
            for start in range(0, n, chunk):
                out.append(G(self._codes(min(chunk, n - start), gen)))
        return torch.cat(out) if out else torch.empty(0, device=self.device, dtype=self.dtype)

    # -- validation and state ------------------------------------------------
    def validate(self) -> None:
        """Run both networks once on a small probe batch (a separate random
        stream; weights, buffers and the game's stream untouched) and turn
        mismatches into :class:`ShapeError` / :class:`NonFiniteError`."""
        probe = torch.Generator(device=self.device).manual_seed(self._seed)
        n = None if self.batch_size is None else min(self.batch_size, 8)
        world, self.world_size = self.world_size, 1   # probe the whole batch locally
        try:
            batch = self.draw(n, generator=probe)
        finally:
            self.world_size = world
        G, D = self.networks()
        with self._frozen_buffers():
            try:
                with torch.no_grad():
                    fake = G(batch.latent)
            except (RuntimeError, ValueError, TypeError, IndexError) as err:
                raise ShapeError(f"GANGame: the generator failed on latent codes of shape "
                                 f"{tuple(batch.latent.shape)}: {err}") from err
            if not isinstance(fake, Tensor):
                raise ShapeError(f"GANGame: the generator returned {type(fake).__name__}, not a tensor")
            self._check_samples(fake, batch.real)
            try:
                loss_g, loss_d = self._losses_on(G, D, batch, (False, False))
            except (RuntimeError, ValueError, TypeError, IndexError) as err:
                if isinstance(err, GameError):
                    raise
                raise ShapeError(f"GANGame: the discriminator failed on samples of shape "
                                 f"{tuple(batch.real.shape)}: {err}") from err
        for who, value in (("generator", loss_g), ("discriminator", loss_d)):
            if not bool(torch.isfinite(value.detach())):
                raise NonFiniteError(f"GANGame: the {who}'s loss is {float(value)} at the initial networks")

    def seed(self, seed: int) -> None:
        """Reset the game's random stream (batches, latents)."""
        self._seed = int(seed)
        self.generator.manual_seed(self._seed)

    def state_dict(self) -> dict[str, Any]:
        """Strategies, the networks' buffers (e.g. BatchNorm statistics) and the random stream."""
        return {**super().state_dict(), "buffers": [[b.detach().clone() for b in net.buffers()]
                                                    for net in self.networks()]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        with torch.no_grad():
            for net, bufs in zip(self.networks(), state.get("buffers", [[], []])):
                for b, s in zip(net.buffers(), bufs):
                    b.copy_(s)

    def __repr__(self) -> str:
        reg = f", regularizer={self.regularizer!r}" if self.regularizer is not None else ""
        return (f"GANGame({type(self.networks()[0]).__name__}, {type(self.networks()[1]).__name__}, "
                f"loss={self.loss.name!r}, batch_size={self.batch_size}{reg})")
