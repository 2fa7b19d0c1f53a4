"""Per-step overhead of gamesolve's OGDA against a hand-written PyTorch OGDA loop.

The same two-player MLP game (a generator and a discriminator, two hidden
layers of width W each, a fixed batch) is trained by

- ``hand``: a plain loop: loss, one ``autograd.grad``, ``theta -= lr (2 g_t - g_{t-1})``;
- ``hand+norm``: the same loop also computing what ``step()`` reports every step (the
  gradient norm and the loss, one host sync): the price of the measurement itself;
- ``quiet``: ``gs.OGDA(game, lr)`` with ``solver.measuring = False``, ``step()`` in the
  user's own loop: the same work as ``hand`` plus a finite check of the losses;
- ``step``: ``gs.OGDA(game, lr).step()`` in the user's own loop (the default: metrics and
  NaN guard every step);
- ``solve/100``: ``gs.solve(game, gs.OGDA(game, lr), steps=..., log_every=100)``: a trajectory
  row every 100 steps, the steps in between skip the gradient norms; every step keeps a copy
  of the last iterate so that a NaN never costs the last finite state;
- ``solve``: the same recording every step.

Blocks of steps of all runs are interleaved so that load on the machine hits
them alike; the script prints the median per-step time of ``hand`` and the
ratios. Targets: <= 1.10 for a tiny model, <= 1.03 for 512-wide layers, for
training that does the same work as the hand loop (``quiet``, and ``solve/100``
with its bookkeeping); ``step / hand+norm`` is the overhead of the library
around the per-step measurement, and ``solve / hand+norm`` (target <= 1.10 at
width 32) that of ``gs.solve`` recording every step against a hand loop that
measures as much every step.

    python benchmarks/overhead.py [--widths 32 256 512] [--blocks 7] [--steps 200]
"""

from __future__ import annotations

import argparse

import torch
from torch import nn

import gamesolve as gs
from _timing import interleaved


def mlp(inp: int, width: int, out: int) -> nn.Module:
    return nn.Sequential(nn.Linear(inp, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, out))


def build(width: int, batch: int, seed: int = 0):
    torch.manual_seed(seed)
    G, D = mlp(16, width, 2), mlp(2, width, 1)
    data, z = torch.randn(batch, 2), torch.randn(batch, 16)

    def value(G: nn.Module, D: nn.Module) -> torch.Tensor:   # WGAN-style value, zero-sum
        return D(data).mean() - D(G(z)).mean()

    return G, D, value


def hand_loop(width: int, batch: int, lr: float, measuring: bool = False):
    G, D, value = build(width, batch)
    pg, pd = list(G.parameters()), list(D.parameters())
    state = {"prev": None}

    def run(steps: int) -> None:
        for _ in range(steps):
            f = value(G, D)
            grads = torch.autograd.grad(f, pg + pd)
            gx, gy = list(grads[:len(pg)]), [-g for g in grads[len(pg):]]
            if measuring:   # what step() reports: the gradient norm and the loss, one host sync
                torch.stack([*torch._foreach_norm(gx + gy), f.detach()]).tolist()
            prev = state["prev"] or (gx, gy)
            with torch.no_grad():
                torch._foreach_add_(pg, gx, alpha=-2 * lr)
                torch._foreach_add_(pg, prev[0], alpha=lr)
                torch._foreach_add_(pd, gy, alpha=-2 * lr)
                torch._foreach_add_(pd, prev[1], alpha=lr)
            state["prev"] = (gx, gy)
    return run


def step_loop(width: int, batch: int, lr: float, measuring: bool = True):
    G, D, value = build(width, batch)
    game = gs.ZeroSumGame(value, gs.Player("G", G), gs.Player("D", D))
    solver = gs.OGDA(game, lr=lr)
    solver.measuring = measuring

    def run(steps: int) -> None:
        for _ in range(steps):
            solver.step()
    return run


def solve_loop(width: int, batch: int, lr: float, log_every: int = 1):
    G, D, value = build(width, batch)
    game = gs.ZeroSumGame(value, gs.Player("G", G), gs.Player("D", D))
    solver = gs.OGDA(game, lr=lr)

    def run(steps: int) -> None:
        gs.solve(game, solver, steps=steps, progress=False, metrics=[], log_every=log_every)
    return run


RUNS = {
    "hand": lambda w, b, lr: hand_loop(w, b, lr),
    "hand+norm": lambda w, b, lr: hand_loop(w, b, lr, measuring=True),
    "quiet": lambda w, b, lr: step_loop(w, b, lr, measuring=False),
    "step": lambda w, b, lr: step_loop(w, b, lr),
    "solve/100": lambda w, b, lr: solve_loop(w, b, lr, log_every=100),
    "solve": lambda w, b, lr: solve_loop(w, b, lr),
}
# printed ratios: (numerator, denominator)
RATIOS = [("quiet", "hand"), ("step", "hand"), ("step", "hand+norm"), ("solve/100", "hand"), ("solve", "hand"),
          ("solve", "hand+norm")]


def measure(width: int, batch: int, blocks: int, steps: int, lr: float = 1e-3) -> dict[str, float]:
    """Median seconds per step of every run in :data:`RUNS`, interleaved."""
    return interleaved({name: make(width, batch, lr) for name, make in RUNS.items()}, blocks, steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--widths", type=int, nargs="*", default=[32, 256, 512])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--blocks", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), batch {args.batch}, "
          f"{args.blocks} interleaved blocks of {args.steps} steps")
    print(f"{'width':>6} {'hand ms/step':>13}" + "".join(f"{a + ' / ' + b:>19}" for a, b in RATIOS))
    for width in args.widths:
        t = measure(width, args.batch, args.blocks, args.steps)
        print(f"{width:>6} {1e3 * t['hand']:>13.3f}" + "".join(f"{t[a] / t[b]:>19.3f}" for a, b in RATIOS))


if __name__ == "__main__":
    main()
