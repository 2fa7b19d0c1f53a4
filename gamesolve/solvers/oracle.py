"""Oracle methods for mixed extensions: Parallel Nash Memory, double oracle and PSRO.

:class:`ParallelNashMemory` grows the pools of a
:class:`~gamesolve.mixed.MixedExtension` with best-response oracles' answers
(:mod:`gamesolve.solvers.best_response`) until no best response gains more
than ``epsilon`` over the meta-game's equilibrium; :class:`DoubleOracle` is
the same loop with exact best responses (McMahan, Gordon & Blum 2003), and
PSRO (Lanctot et al. 2017) is the loop with another meta-solver
(``"uniform"``, ``"prd"``). What differs between games (indices of a matrix
game or snapshots of networks, exact or resource-bounded best responses) is
the pools' business (:mod:`gamesolve.pools`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Union

import numpy as np
import torch

from ..core import Game
from ..domains import Simplex
from ..errors import GameError, IncompatibleSolverError, InvalidParameterError
from ..finite import MatrixGame
from ..mixed import MixedExtension
from ..pools import PureStrategy
from ..protocol import OneShotSolver, Solver
from .best_response import GradientOracle, Oracle, exact_best_response
from .registry import make_solver, register_solver

__all__ = ["projected_replicator_dynamics", "ParallelNashMemory", "DoubleOracle"]

MetaSolver = Union[str, Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]]


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
    payoff)`` such as :class:`GradientOracle`; ``None`` (the default) is the
    pools' exact best response (:func:`exact_best_response`), which pools
    offering ``"best-responses"`` have (a matrix game's). ``meta_solver`` is
    ``"lp"`` (zero-sum), ``"nash"`` (LP or Lemke-Howson), any registered
    finite solver name, ``"uniform"``, ``"prd"`` or a callable ``(M_1, M_2) ->
    (sigma_1, sigma_2)``. ``parallel=True`` runs the two oracles in threads,
    player 2's on a replica of the extension over a deep copy of the base
    game; ``parallel=game`` runs it on that (structurally identical) game
    instead, e.g. one built on a second GPU.

    Built without a game, it is bound by ``gs.solve(game, pnm)`` to a game
    offering ``"pools"``: a :class:`~gamesolve.mixed.MixedExtension`, or a
    game whose pools' mixtures are its own strategies, such as a
    :class:`~gamesolve.finite.MatrixGame` (extended here, pools starting at
    the first pure strategies; its players then hold the current mixed
    strategies, as for other solvers). Each ``step()`` is one iteration;
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
        self.game: Any = None
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
    def by_name(cls, game: Any, best_response: Oracle | Sequence[Oracle] | None = None, oracle_steps: int = 100,
                oracle_lr: float = 1e-3, restarts: int = 1, warm_start: str = "best",
                **params: Any) -> ParallelNashMemory:
        """PNM on ``game`` (``gs.solve(game, "pnm", **params)``): ``best_response`` if given, else the
        pools' exact best responses where the game offers them, else a :class:`GradientOracle` with
        ``oracle_steps``, ``oracle_lr``, ``restarts`` and ``warm_start``."""
        if best_response is None and not exact_best_response.requires <= game.capabilities:
            best_response = GradientOracle(oracle_steps, restarts, lr=oracle_lr, warm_start=warm_start)
        return cls(best_response, **params).bind(game)

    def bind(self, game: Any) -> ParallelNashMemory:
        """Attach to a mixed extension, or to a game offering pools through a new one."""
        name = type(self).__name__
        offered = frozenset(getattr(game, "capabilities", ()))
        if not self.requires <= offered:
            raise IncompatibleSolverError(
                f"{name} needs pools, but {type(game).__name__} offers {', '.join(sorted(offered)) or 'nothing'}; "
                "wrap a differentiable game as gs.MixedExtension(game) (a gs.MatrixGame offers pools itself)")
        self.ext = MixedExtension.of(game)
        self._owns_ext = self.ext is not game
        self.game = game
        oracles = self.best_response if isinstance(self.best_response, (list, tuple)) else [self.best_response] * 2
        if len(oracles) != 2:
            raise InvalidParameterError(f"best_response: give one oracle or one per player, got {len(oracles)}")
        self._oracles = [exact_best_response if o is None else o for o in oracles]
        if not all(callable(o) for o in self._oracles):
            raise InvalidParameterError(f"best_response must be callable oracles, got {oracles!r}")
        for oracle in self._oracles:
            missing = frozenset(getattr(oracle, "requires", ())) - self.ext.capabilities
            if missing:
                raise IncompatibleSolverError(
                    f"{name}'s oracle {type(oracle).__name__} needs {', '.join(sorted(missing))}, but the pools of "
                    f"{self.ext.name} offer {', '.join(sorted(self.ext.capabilities))}; give best_response= an "
                    "oracle they support: e.g. gs.GradientOracle(steps=200, restarts=3) for snapshots, the default "
                    "(None) for pools with exact best responses")
        return self

    def _answers(self, mixtures: tuple[np.ndarray, np.ndarray]) -> list[tuple[PureStrategy, float]]:
        ext = self.ext
        assert ext is not None
        if self.parallel is False:
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
            if gains[p] > self.epsilon and strategy not in ext.pools[p]:
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
        if self._owns_ext:   # the game's players hold the current mixed strategies, as for other solvers
            self.game.set_strategies([torch.from_numpy(s) for s in self.strategies()])
        self.iteration += 1
        return metrics

    def strategies(self) -> tuple[np.ndarray, np.ndarray]:
        """The latest meta-game equilibrium (zero weight on strategies added
        since) as the strategies its mixtures stand for
        (:meth:`~gamesolve.pools.Pool.full_strategy`): for a matrix game mixed
        strategies over all pure strategies, for snapshots the mixtures."""
        ext = self.ext
        if ext is None or self.mixtures is None:
            raise GameError(f"{type(self).__name__} has not run an iteration yet")
        return ext.full_strategy(0, _pad(self.mixtures[0], len(ext.pools[0]))), \
            ext.full_strategy(1, _pad(self.mixtures[1], len(ext.pools[1])))

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
    with exact best responses (the default, where the pools have them) and
    every improving best response added. On a matrix game it solves the game
    exactly while reading only the rows and columns of its pools
    (``trajectory["evaluations"]`` counts the entries read). With
    ``meta_solver="uniform"`` or ``"prd"`` it is PSRO (Lanctot et al. 2017)."""

    def __init__(self, best_response: Oracle | Sequence[Oracle] | None = None, meta_solver: MetaSolver = "nash",
                 epsilon: float = 1e-9, max_iterations: int = 1000, *, parallel: bool | Game = False):
        super().__init__(best_response, meta_solver, epsilon, max_iterations, parallel=parallel)

    @classmethod
    def by_name(cls, game: Any, **params: Any) -> DoubleOracle:  # type: ignore[override]
        """Double oracle on ``game`` (``gs.solve(game, "double-oracle", **params)``): the pools'
        exact best responses, or ``best_response=``."""
        return cls(**params).bind(game)


register_solver("pnm", ParallelNashMemory.by_name, family="oracle",
                summary="Parallel Nash Memory (Oliehoek et al. 2017): best_response=, else the pools' exact best "
                        "responses, else gradient ones")
register_solver("double-oracle", DoubleOracle.by_name, family="oracle",
                summary="double oracle (McMahan et al. 2003): the pools' exact best responses, or best_response=")
