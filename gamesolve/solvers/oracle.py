"""Oracle methods for mixed extensions: Parallel Nash Memory and double oracle.

An oracle is any callable ``oracle(ext, player, opponent_mixture,
own_mixture) -> (strategy, payoff)``: a pure strategy of ``player`` (tensors
shaped like its parameters, or an index for a matrix game) that does well
against the opponent's mixture over its pool, and its expected payoff there,
measured on the extension's common random numbers so that it compares with
the meta-game's entries. :func:`exact_best_response` is the exact oracle of a
matrix game, :class:`GradientOracle` a resource-bounded one for any
differentiable game.

:class:`ParallelNashMemory` grows the pools with the oracles' answers until
no best response gains more than ``epsilon`` over the meta-game's
equilibrium; :class:`DoubleOracle` is the same loop with exact best responses
(McMahan, Gordon & Blum 2003), and PSRO (Lanctot et al. 2017) is the loop
with another meta-solver (``"uniform"``, ``"prd"``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Union

import numpy as np
import torch
from torch import Tensor

from ..core import Game, all_finite
from ..domains import Simplex
from ..players import Player
from ..errors import GameError, IncompatibleSolverError, InvalidParameterError, NonFiniteError
from ..finite import MatrixGame
from ..mixed import MixedExtension, PureStrategy, Snapshot
from ..protocol import OneShotSolver, Solver
from .registry import make_solver, register_solver

__all__ = ["GradientOracle", "payoff_against", "exact_best_response", "projected_replicator_dynamics",
           "ParallelNashMemory", "DoubleOracle"]

Oracle = Callable[..., tuple[Any, float]]
MetaSolver = Union[str, Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]]

WARM_STARTS = ("best", "random", "mixture", "sample")


def exact_best_response(ext: MixedExtension, player: int, opponent_mixture: Sequence[float] | np.ndarray,
                        own_mixture: Sequence[float] | np.ndarray | None = None) -> tuple[int, float]:
    """The exact best response of a matrix game: ``argmax_i (A y)_i`` for the
    row player against the column mixture ``y`` over its pool (``argmax_j
    (x^T B)_j`` for the column player), reading only the pool's columns (rows)."""
    if ext.matrix is None:
        raise IncompatibleSolverError("exact_best_response needs the extension of a MatrixGame; use GradientOracle")
    sigma = ext.check_mixture(1 - player, opponent_mixture)
    used = np.flatnonzero(sigma > 0)
    others = [ext.pools[1 - player][j] for j in used]
    if player == 0:
        payoffs = ext.read(slice(None), others)[0] @ sigma[used]
    else:
        payoffs = sigma[used] @ ext.read(others, slice(None))[1]
    best = int(np.argmax(payoffs))
    return best, float(payoffs[best])


def payoff_against(ext: MixedExtension, player: int, strategy: Snapshot, opponent_mixture: np.ndarray) -> float:
    """``sum_j sigma_j M_p(strategy, s_{-p}^j)``: the expected payoff of a pure
    strategy of ``player`` against the opponent's mixture, on the common random numbers."""
    total = 0.0
    for j in np.flatnonzero(opponent_mixture > 0):
        other = ext.pools[1 - player][j]
        pair = (strategy, other) if player == 0 else (other, strategy)
        total += float(opponent_mixture[j]) * -float(ext.expected_losses(pair)[player])
    return total


class GradientOracle:
    """A resource-bounded best response (RBBR; Oliehoek et al. 2017, "GANGs"):

        s_p ~ argmin_s  sum_j sigma_j loss_p(s, s_{-p}^j),

    approximated by ``steps`` steps of ``optimizer`` (a factory
    ``params -> torch.optim.Optimizer``; default Adam with ``lr``) on the base
    game with the opponent frozen as its mixture ``sigma`` (each step averages
    the player's gradient over the opponent's support), projecting onto the
    player's domain after every step. Each of ``restarts`` runs starts from

    - ``warm_start="best"``: the pool member with the highest payoff against ``sigma``;
    - ``"mixture"``: the member with the largest weight in the player's own mixture
      (the best one if no own mixture is given);
    - ``"sample"``: a member drawn from the player's own mixture (the best one if
      no own mixture is given), so that successive calls refine every member
      of the support, each as often as its weight says;
    - ``"random"``: a fresh initialisation, ``init(player, torch_generator)``
      (default for ``nn.Module`` players: ``reset_parameters()`` of every submodule);

    the first restart uses ``warm_start`` and later ones ``"random"``. Returns
    the best strategy found and its payoff against ``sigma``. Restart ``k`` of
    call ``c`` draws its initialisation and minibatches from a stream seeded
    by ``(seed, c, k)``, never from the common random numbers, so results do
    not depend on ``parallel=True``, which runs the restarts in threads, each
    on a replica of the base game (:meth:`MixedExtension.replica`).

    For budget comparisons the oracle counts, over all its calls,
    ``optimizer_steps`` (``steps * restarts`` per call) and
    ``gradient_passes``, the differentiated loss evaluations (one per
    opponent in the mixture's support and step); scoring the candidates
    (forward passes only) is counted by the extension's ``evaluations``.
    """

    def __init__(self, steps: int = 100, restarts: int = 1, *, lr: float = 1e-3,
                 optimizer: Callable[[list[Tensor]], torch.optim.Optimizer] | None = None,
                 warm_start: str = "best", init: Callable[[Player, torch.Generator], None] | None = None,
                 seed: int = 0, parallel: bool = False):
        if not isinstance(steps, int) or steps < 0 or not isinstance(restarts, int) or restarts < 1:
            raise InvalidParameterError(f"GradientOracle needs steps >= 0 and restarts >= 1, got {steps}, {restarts}")
        if warm_start not in WARM_STARTS:
            raise InvalidParameterError(f"warm_start must be one of {', '.join(WARM_STARTS)}, got {warm_start!r}")
        if optimizer is None and not (lr > 0 and math.isfinite(lr)):
            raise InvalidParameterError(f"GradientOracle: lr must be positive and finite, got {lr!r}")
        self.steps, self.restarts, self.warm_start, self.init = steps, restarts, warm_start, init
        self.optimizer = optimizer if optimizer is not None else (lambda p: torch.optim.Adam(p, lr=lr))
        self.seed, self.parallel, self.calls = int(seed), bool(parallel), 0
        self.optimizer_steps = self.gradient_passes = 0

    def __call__(self, ext: MixedExtension, player: int, opponent_mixture: Sequence[float] | np.ndarray,
                 own_mixture: Sequence[float] | np.ndarray | None = None) -> tuple[Snapshot, float]:
        sigma = ext.check_mixture(1 - player, opponent_mixture)
        call, self.calls = self.calls, self.calls + 1

        def restart(k: int, where: MixedExtension) -> tuple[Snapshot, float]:
            seed = int(np.random.SeedSequence([self.seed, call, k]).generate_state(1)[0])
            gen = torch.Generator().manual_seed(seed)
            start = self._start(where, player, sigma, own_mixture, self.warm_start if k == 0 else "random", gen)
            candidate = self._descend(where, player, sigma, start, gen)
            return candidate, payoff_against(where, player, candidate, sigma)

        if self.parallel and self.restarts > 1:
            with ThreadPoolExecutor(self.restarts) as pool:
                found = list(pool.map(restart, range(self.restarts),
                                      [ext] + [ext.replica() for _ in range(self.restarts - 1)]))
        else:
            found = [restart(k, ext) for k in range(self.restarts)]
        self.optimizer_steps += self.steps * self.restarts
        self.gradient_passes += self.steps * self.restarts * int(np.count_nonzero(sigma))
        return max(found, key=lambda item: item[1])   # the first of equally good ones

    def _start(self, ext: MixedExtension, player: int, sigma: np.ndarray,
               own_mixture: Sequence[float] | np.ndarray | None, how: str, gen: torch.Generator) -> Snapshot | None:
        """The starting pure strategy, or ``None`` for a fresh initialisation."""
        if how == "random":
            return None
        if how in ("mixture", "sample") and own_mixture is not None:
            weights = ext.check_mixture(player, own_mixture)
            index = np.argmax(weights) if how == "mixture" else torch.multinomial(torch.as_tensor(weights), 1,
                                                                                  generator=gen)
            return ext.pools[player][int(index)]
        M = ext.payoffs[player]
        against = M @ sigma if player == 0 else sigma @ M
        return ext.pools[player][int(np.argmax(against))]

    def _initialise(self, me: Player, gen: torch.Generator) -> None:
        seed = int(torch.randint(2 ** 62, (1,), generator=gen))
        if self.init is not None:
            self.init(me, torch.Generator(device=me.device).manual_seed(seed))
        elif me.is_module:
            with torch.random.fork_rng(devices=[] if me.device.type == "cpu" else [me.device]):
                torch.manual_seed(seed)
                for module in me.module.modules():  # type: ignore[union-attr]
                    if hasattr(module, "reset_parameters"):
                        module.reset_parameters()
        else:
            raise InvalidParameterError(
                f"GradientOracle: a random start for the tensor player {me.name!r} needs init=(player, generator) "
                "-> None; or use restarts=1 with warm_start='best', 'mixture' or 'sample'")
        me.project_()

    def _descend(self, ext: MixedExtension, player: int, sigma: np.ndarray, start: Snapshot | None,
                 gen: torch.Generator) -> Snapshot:
        game: Game = ext.game
        me, other = game.players[player], game.players[1 - player]
        support = [(float(sigma[j]), ext.pools[1 - player][j]) for j in np.flatnonzero(sigma > 0)]
        with ext.playing([start if i == player else None for i in (0, 1)]):
            if start is None:
                self._initialise(me, gen)
            if game.generator is not None:
                game.generator.manual_seed(int(torch.randint(2 ** 62, (1,), generator=gen)))
            optimizer = self.optimizer(me.params)
            for _ in range(self.steps):
                grads = [torch.zeros_like(p) for p in me.params]
                for weight, s in support:
                    other.load_strategy(s)
                    loss = game.losses()[player]
                    g = torch.autograd.grad(loss, me.params, allow_unused=True, materialize_grads=True)
                    torch._foreach_add_(grads, list(g), alpha=weight)
                if not all_finite(grads):
                    raise NonFiniteError(f"GradientOracle: the gradient of player {me.name!r} became non-finite; "
                                         "lower the oracle's step size")
                for p, g in zip(me.params, grads):
                    p.grad = g
                optimizer.step()
                for p in me.params:
                    p.grad = None
                me.project_()
            return [p.detach().clone() for p in me.params]

    def state_dict(self) -> dict[str, Any]:
        """The oracle's counters (calls, optimizer steps, gradient passes)."""
        return {"calls": self.calls, "optimizer_steps": self.optimizer_steps, "gradient_passes": self.gradient_passes}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved."""
        self.calls = int(state["calls"])
        self.optimizer_steps, self.gradient_passes = int(state["optimizer_steps"]), int(state["gradient_passes"])


# --------------------------------------------------------------------------
# meta-solvers
# --------------------------------------------------------------------------


def projected_replicator_dynamics(M1: np.ndarray, M2: np.ndarray, iterations: int = 2000, dt: float = 0.01,
                                  floor: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Projected replicator dynamics, the meta-solver of PSRO (Lanctot et al. 2017):

        x <- P_floor(x + dt x * (M1 y - x^T M1 y)),   y <- P_floor(y + dt y * (M2^T x - x^T M2 y)),

    from uniform mixtures, ``P_floor`` the Euclidean projection onto the
    simplex with every weight at least ``floor`` (exploration); returns the
    time-averaged mixtures."""
    m, n = M1.shape
    lo = (min(floor, 1.0 / m), min(floor, 1.0 / n))
    x, y = np.full(m, 1.0 / m), np.full(n, 1.0 / n)
    avg_x, avg_y = np.zeros(m), np.zeros(n)
    for _ in range(iterations):
        u, w = M1 @ y, M2.T @ x
        x, y = (_floored_simplex(x + dt * x * (u - x @ u), lo[0]), _floored_simplex(y + dt * y * (w - y @ w), lo[1]))
        avg_x += x
        avg_y += y
    return avg_x / iterations, avg_y / iterations


def _floored_simplex(v: np.ndarray, floor: float) -> np.ndarray:
    """Projection onto ``{s : s >= floor, sum s = 1}``: ``floor`` plus the
    projection of ``v - floor`` onto the simplex of radius ``1 - n floor``."""
    radius = 1.0 - floor * v.size
    if radius <= 0.0:   # the floor leaves one point: the uniform mixture
        return np.full(v.size, 1.0 / v.size)
    return Simplex(radius).project(torch.from_numpy(v - floor)).numpy() + floor


def _meta_equilibrium(solver: MetaSolver, M1: np.ndarray, M2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if callable(solver):
        s1, s2 = solver(M1, M2)
        return np.asarray(s1, dtype=float), np.asarray(s2, dtype=float)
    if solver == "uniform":
        return np.full(M1.shape[0], 1.0 / M1.shape[0]), np.full(M1.shape[1], 1.0 / M1.shape[1])
    if solver == "prd":
        return projected_replicator_dynamics(M1, M2)
    meta = MatrixGame(M1, M2, name="meta-game")
    name = ("lp" if meta.zero_sum else "lemke-howson") if solver == "nash" else solver
    if name == "lp" and not meta.zero_sum:
        raise IncompatibleSolverError("meta_solver='lp' needs a zero-sum game; use 'nash' (Lemke-Howson for a "
                                      "general-sum meta-game) or another finite solver")
    solver = make_solver(name, meta)
    if not isinstance(solver, OneShotSolver):
        raise InvalidParameterError(f"meta_solver {name!r} is iterative; give a one-shot finite solver ('nash', 'lp', "
                                    "'support-enumeration', 'vertex-enumeration', 'lemke-howson') or a callable")
    x, y = solver.run().strategies
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


# --------------------------------------------------------------------------
# the oracle loop
# --------------------------------------------------------------------------


class ParallelNashMemory(Solver):
    """Parallel Nash Memory (Oliehoek, de Jong & Vlassis 2006; for GANGs,
    Oliehoek et al. 2017). Iteration ``t`` on the meta-game ``(M_1, M_2)`` of
    the pools:

        (sigma_1, sigma_2) = meta_solver(M_1, M_2),   v_p = sigma_1^T M_p sigma_2,
        (s_p, u_p) = best_response_p(sigma_{-p})       for p = 1, 2 (in parallel),
        add s_p to pool p   if   u_p - v_p > epsilon,

    and the run stops when neither best response gains more than
    ``epsilon``: a (resource-bounded) Nash equilibrium. In a zero-sum game the
    answers bound the value from both sides, ``-u_2 <= V <= u_1`` (for exact
    best responses; for resource-bounded ones, the value of the game the
    oracles can see); ``best_lower`` / ``best_upper`` are the tightest so far,
    an interval that never widens.

    ``best_response`` is one oracle for both players or a pair, each a
    callable ``(ext, player, opponent_mixture, own_mixture) -> (strategy,
    payoff)`` such as :class:`GradientOracle` or, for a matrix game (the
    default there), :func:`exact_best_response`. ``meta_solver`` is
    ``"lp"`` (zero-sum), ``"nash"`` (LP or Lemke-Howson), any registered
    finite solver name, ``"uniform"``, ``"prd"`` or a callable ``(M_1, M_2) ->
    (sigma_1, sigma_2)``. ``parallel=True`` runs the two oracles in threads,
    player 2's on a deep copy of the base game; ``parallel=game`` runs it on
    that (structurally identical) game instead, e.g. one built on a second GPU.

    Built without a game, it is bound by ``gs.solve(ext, pnm)`` to a
    :class:`~gamesolve.mixed.MixedExtension` or a
    :class:`~gamesolve.finite.MatrixGame` (wrapped in one, pools starting at
    the first pure strategies). Each ``step()`` is one iteration;
    ``gs.solve`` runs up to ``max_iterations`` of them and stops at ``epsilon``.
    """

    requires = frozenset({"pools"})

    def __init__(self, best_response: Oracle | Sequence[Oracle] | None = None, meta_solver: MetaSolver = "nash",
                 epsilon: float = 1e-9, max_iterations: int = 100, *, parallel: bool | Game = False):
        if not (epsilon >= 0 and math.isfinite(epsilon)):
            raise InvalidParameterError(f"epsilon must be >= 0 and finite, got {epsilon!r}")
        if not isinstance(max_iterations, int) or max_iterations < 1:
            raise InvalidParameterError(f"max_iterations must be a positive integer, got {max_iterations!r}")
        if isinstance(meta_solver, str) and meta_solver not in ("nash", "uniform", "prd"):
            from .registry import get_solver_spec
            if get_solver_spec(meta_solver).family != "finite":
                raise InvalidParameterError(f"meta_solver {meta_solver!r} is not a finite-game solver")
        self.best_response = best_response
        self.meta_solver, self.epsilon, self.max_iterations = meta_solver, float(epsilon), max_iterations
        self.parallel = parallel
        self.game: MixedExtension | MatrixGame | None = None
        self.ext: MixedExtension | None = None
        self.iteration = 0
        self.mixtures: tuple[np.ndarray, np.ndarray] | None = None
        self.bounds = (-math.inf, math.inf)
        self.stop_reason: str | None = None

    # gs.solve reads these when it is given no steps / tol
    @property
    def default_steps(self) -> int:
        return self.max_iterations

    @property
    def default_tol(self) -> float:
        return self.epsilon

    @classmethod
    def by_name(cls, game: Any, oracle_steps: int = 100, oracle_lr: float = 1e-3, restarts: int = 1,
                warm_start: str = "best", **params: Any) -> ParallelNashMemory:
        """PNM on ``game`` (``gs.solve(game, "pnm", **params)``): exact best responses on a matrix
        game, else a :class:`GradientOracle` with ``oracle_steps``, ``oracle_lr``, ``restarts``."""
        oracle = None if isinstance(game, MatrixGame) else GradientOracle(oracle_steps, restarts, lr=oracle_lr,
                                                                          warm_start=warm_start)
        return cls(oracle, **params).bind(game)

    def bind(self, game: MixedExtension | MatrixGame) -> ParallelNashMemory:
        """Attach to a mixed extension, or to a matrix game through a new one."""
        if isinstance(game, MatrixGame):
            self.ext, self._owns_ext = MixedExtension(game), True
        elif isinstance(game, MixedExtension):
            self.ext, self._owns_ext = game, False
        else:
            raise IncompatibleSolverError(
                f"{type(self).__name__} needs a gs.MixedExtension or a gs.MatrixGame, got {type(game).__name__}; "
                "wrap a differentiable game as gs.MixedExtension(game)")
        self.game = game
        oracles = self.best_response if isinstance(self.best_response, (list, tuple)) else [self.best_response] * 2
        if len(oracles) != 2:
            raise InvalidParameterError(f"best_response: give one oracle or one per player, got {len(oracles)}")
        if any(o is None for o in oracles) and self.ext.matrix is None:
            raise InvalidParameterError(f"{type(self).__name__} on {self.ext.name} needs best_response=, e.g. "
                                        "gs.GradientOracle(steps=200, restarts=3)")
        self._oracles = [exact_best_response if o is None else o for o in oracles]
        if not all(callable(o) for o in self._oracles):
            raise InvalidParameterError(f"best_response must be callable oracles, got {oracles!r}")
        return self

    def _answers(self, mixtures: tuple[np.ndarray, np.ndarray]) -> list[tuple[PureStrategy, float]]:
        ext = self.ext
        assert ext is not None
        if self.parallel is False or ext.matrix is not None:
            return [self._oracles[p](ext, p, mixtures[1 - p], mixtures[p]) for p in (0, 1)]
        twin = ext.replica(None if self.parallel is True else self.parallel)
        with ThreadPoolExecutor(2) as pool:
            jobs = [pool.submit(self._oracles[p], where, p, mixtures[1 - p], mixtures[p])
                    for p, where in ((0, ext), (1, twin))]
            return [job.result() for job in jobs]

    def step(self) -> dict[str, float]:
        """One iteration of the loop above; returns the meta value, each player's
        gain, the pool sizes and, in zero-sum games, the value bounds."""
        if self.ext is None:
            raise GameError(f"{type(self).__name__} is not bound to a game; run it with gs.solve(ext, solver) "
                            "or call solver.bind(ext)")
        ext, start = self.ext, time.perf_counter()
        M1, M2 = ext.payoffs
        mixtures = tuple(ext.check_mixture(p, s) for p, s in enumerate(_meta_equilibrium(self.meta_solver, M1, M2)))
        self.mixtures = mixtures  # type: ignore[assignment]
        values = ext.expected_payoffs(mixtures)
        answers = self._answers(mixtures)  # type: ignore[arg-type]
        gains = [answers[p][1] - values[p] for p in (0, 1)]
        names = [player.name for player in ext.game.players]
        metrics = {"value": values[0], f"value_{names[1]}": values[1]}
        if ext.zero_sum:
            lower, upper = -answers[1][1], answers[0][1]
            self.bounds = (max(self.bounds[0], lower), min(self.bounds[1], upper))
            metrics.update(lower=lower, upper=upper, best_lower=self.bounds[0], best_upper=self.bounds[1],
                           gap=self.bounds[1] - self.bounds[0])
        added = 0
        for p in (0, 1):
            strategy = answers[p][0]
            fresh = not (isinstance(strategy, int) and strategy in ext.pools[p])
            if gains[p] > self.epsilon and fresh:
                ext.add(p, strategy)
                added += 1
            metrics[f"gain_{names[p]}"] = gains[p]
        if not added and max(gains) > self.epsilon:
            self.stop_reason = (f"no new strategy: the pools are closed under the best responses, but they gain "
                                f"{max(gains):.3g} > epsilon against the meta-solver's mixtures")
        sizes = ext.pool_sizes
        metrics.update({"residual": max(gains[0], gains[1], 0.0), f"pool_{names[0]}": sizes[0],
                        f"pool_{names[1]}": sizes[1], "evaluations": ext.evaluations,
                        "seconds": time.perf_counter() - start})
        if ext.matrix is not None:   # the game's players hold the current mixed strategies, as for other solvers
            full = self.strategies()
            ext.matrix.set_strategies([p.params[0].new_tensor(s) for p, s in zip(ext.matrix.players, full)])
        self.iteration += 1
        return metrics

    def strategies(self) -> tuple[np.ndarray, np.ndarray]:
        """The latest meta-game equilibrium: mixtures over the pools (zero
        weight on strategies added since), or for a matrix game mixed
        strategies over all pure strategies."""
        ext = self.ext
        if ext is None or self.mixtures is None:
            raise GameError(f"{type(self).__name__} has not run an iteration yet")
        mixtures = [_pad(self.mixtures[p], len(ext.pools[p])) for p in (0, 1)]
        if ext.matrix is not None:
            return ext.full_strategy(0, mixtures[0]), ext.full_strategy(1, mixtures[1])
        return mixtures[0], mixtures[1]

    def state_dict(self) -> dict[str, Any]:
        """Iteration, best bounds, the latest mixtures, the oracles' state and (if owned) the extension."""
        return {"iteration": self.iteration, "bounds": self.bounds,
                "mixtures": None if self.mixtures is None else [m.copy() for m in self.mixtures],
                "oracles": [o.state_dict() if hasattr(o, "state_dict") else None for o in self._oracles],
                "extension": self.ext.state_dict() if self._owns_ext else None}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved."""
        self.iteration, self.bounds = int(state["iteration"]), tuple(state["bounds"])
        self.mixtures = None if state["mixtures"] is None else tuple(np.asarray(m) for m in state["mixtures"])
        for oracle, s in zip(self._oracles, state["oracles"]):
            if s is not None:
                oracle.load_state_dict(s)
        if state["extension"] is not None:
            self.ext.load_state_dict(state["extension"])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.ext.name if self.ext else 'unbound'}, meta_solver={self.meta_solver!r})"


def _pad(mixture: np.ndarray, size: int) -> np.ndarray:
    """A mixture over an older pool, extended with zeros to the pool's current size."""
    return np.concatenate([mixture, np.zeros(size - mixture.size)])


class DoubleOracle(ParallelNashMemory):
    """Double oracle (McMahan, Gordon & Blum 2003): :class:`ParallelNashMemory`
    with exact best responses (the default on a matrix game) and every
    improving best response added. On a matrix game it solves the game
    exactly while reading only the rows and columns of its pools
    (``trajectory["evaluations"]`` counts the entries read). With
    ``meta_solver="uniform"`` or ``"prd"`` it is PSRO (Lanctot et al. 2017)."""

    def __init__(self, best_response: Oracle | Sequence[Oracle] | None = None, meta_solver: MetaSolver = "nash",
                 epsilon: float = 1e-9, max_iterations: int = 1000, *, parallel: bool | Game = False):
        super().__init__(best_response, meta_solver, epsilon, max_iterations, parallel=parallel)


register_solver("pnm", ParallelNashMemory.by_name, family="oracle",
                summary="Parallel Nash Memory with gradient best responses (Oliehoek et al. 2017)")
register_solver("double-oracle", DoubleOracle.by_name, family="oracle",
                summary="double oracle with exact best responses (McMahan et al. 2003)")
