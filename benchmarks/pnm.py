"""Costs of oracle methods: incremental meta-games and double oracle against a full LP.

1. **Incremental payoffs.** A mixed extension of an MLP GAN on the 8-Gaussian
   ring grows its pools by one pure strategy per player and iteration, as
   Parallel Nash Memory does. Adding a strategy evaluates one new row or
   column: the evaluations per iteration grow linearly with the pool size,
   while recomputing the meta-game from scratch would cost ``n_1 n_2``
   (quadratic). The script prints both and the measured seconds per
   iteration, and fits the growth exponent of the incremental cost.
2. **Double oracle vs LP.** On ``planted-zero-sum`` games (``--size`` square,
   an equilibrium of support 5) double oracle against the ``lp`` solver on
   the whole matrix, measured in the same run: seconds, the fraction of
   entries double oracle reads, and the difference of the values.

    python benchmarks/pnm.py [--iterations 30] [--size 2000] [--seeds 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import gamesolve as gs
from gamesolve.game_registry import make_game
from gamesolve_zoo import planted_zero_sum


def incremental(iterations: int, width: int) -> None:
    game = make_game("ring-gan", width=width, loss="minimax", gamma=0.1, seed=0)
    ext = gs.MixedExtension(game, payoff_samples=1)
    gen = torch.Generator().manual_seed(0)
    print(f"1. incremental meta-game of a {width}-wide ring GAN (one evaluation = one batch of 256 through G and D)")
    print(f"{'iteration':>9} {'pools':>9} {'evaluations':>12} {'from scratch':>13} {'seconds':>8}")
    sizes, costs = [], []
    for t in range(1, iterations + 1):
        before, start = ext.evaluations, time.perf_counter()
        for p in (0, 1):
            ext.add(p, [s + 0.01 * torch.randn(s.shape, generator=gen) for s in game.players[p].strategy()])
        seconds = time.perf_counter() - start
        n1, n2 = ext.pool_sizes
        sizes.append(n1)
        costs.append(ext.evaluations - before)
        if t in (1, 2, 5) or t % 5 == 0:
            print(f"{t:>9} {n1:>4}x{n2:<4} {costs[-1]:>12} {n1 * n2:>13} {seconds:>8.3f}")
    slope = np.polyfit(np.log(sizes[2:]), np.log(costs[2:]), 1)[0]
    print(f"   evaluations per iteration grow as pool_size^{slope:.2f} (1 = linear; from scratch: 2)")


def double_oracle_vs_lp(size: int, seeds: int) -> None:
    print(f"\n2. double oracle vs lp on {size}x{size} planted-zero-sum games (equilibrium support 5)")
    print(f"{'seed':>4} {'lp s':>8} {'DO s':>8} {'DO/lp':>7} {'iterations':>10} {'entries read':>13} {'|value diff|':>13}")
    for seed in range(seeds):
        game = planted_zero_sum.make(rows=size, cols=size, support=5, seed=seed)
        start = time.perf_counter()
        lp = gs.solve(game, "lp")
        t_lp = time.perf_counter() - start
        start = time.perf_counter()
        do = gs.solve(game, gs.DoubleOracle(), progress=False)
        t_do = time.perf_counter() - start
        fraction = do.trajectory.last("evaluations") / game.A.size
        diff = abs(do.trajectory.last("value") - lp.value)
        print(f"{seed:>4} {t_lp:>8.3f} {t_do:>8.3f} {t_do / t_lp:>7.3f} {do.steps:>10} {fraction:>12.2%} "
              f"{diff:>13.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s)")
    incremental(args.iterations, args.width)
    double_oracle_vs_lp(args.size, args.seeds)


if __name__ == "__main__":
    main()
