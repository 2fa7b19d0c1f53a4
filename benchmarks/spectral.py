"""Cost of the matrix-free game Jacobian on a ~100k-parameter MLP GAN.

The game is a zero-sum GAN built directly from ``gs.ZeroSumGame`` with two
``nn.Module`` players (generator 32 -> 256 -> 256 -> 2, discriminator
2 -> 160 -> 160 -> 1, tanh, the standard GAN value, a fixed batch), float32.
The script prints

1. the median time of one simultaneous-gradient evaluation (forward +
   backward) and, relative to it, of one product with the Jacobian ``H``:
   ``H v`` by the zero-sum identity ``H = D H^T D`` (``symmetric``), ``H v``
   by the double-backward trick (``general``), ``H^T w`` (``vjp``), each
   through the graph of ``F`` kept by the operator, and a product from scratch
   (build the operator + one ``H v``: what a Jacobian solver pays per step).
   Target: <= 3x a gradient. A peer measured in the same run: the
   forward-over-reverse ``torch.func.jvp(torch.func.grad(f))`` product;
2. the number of Jacobian-vector products ARPACK needs for the 6
   eigenvalues of largest modulus, its time, and the process's peak memory
   against what a dense ``H`` would take.

Blocks of the timed operations are interleaved so that load on the machine
hits them alike.

    python benchmarks/spectral.py [--blocks 7] [--reps 20] [--k 6] [--threads 1]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

import gamesolve as gs
from gamesolve.analysis import spectral as sp


def build(seed: int = 0, batch: int = 256, wg: int = 256, wd: int = 160):
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(32, wg), nn.Tanh(), nn.Linear(wg, wg), nn.Tanh(), nn.Linear(wg, 2))
    D = nn.Sequential(nn.Linear(2, wd), nn.Tanh(), nn.Linear(wd, wd), nn.Tanh(), nn.Linear(wd, 1))
    data, z = torch.randn(batch, 2) + 2.0, torch.randn(batch, 32)

    def value(G, D):   # E log sigmoid(D(x)) + E log(1 - sigmoid(D(G(z))))
        return -nn.functional.softplus(-D(data)).mean() - nn.functional.softplus(D(G(z))).mean()

    game = gs.ZeroSumGame(value, gs.Player("G", G), gs.Player("D", D), name="mlp-gan")
    return game, G, D, value


def forward_over_reverse(game, G, D, value):
    """The peer: H v = d/de F(theta + e v) by forward-mode AD over the reverse-mode gradient (torch.func)."""
    names_g = [n for n, _ in G.named_parameters()]
    names_d = [n for n, _ in D.named_parameters()]
    k = len(names_g)

    def f(*params):
        pg, pd = dict(zip(names_g, params[:k])), dict(zip(names_d, params[k:]))
        return value(lambda x: functional_call(G, pg, (x,)), lambda x: functional_call(D, pd, (x,)))

    primals = tuple(p.detach() for p in game.parameters())
    grad_f = torch.func.grad(f, argnums=tuple(range(len(primals))))

    def field(*params):
        grads = grad_f(*params)
        return tuple(grads[:k]) + tuple(-g for g in grads[k:])

    def jvp(tangents):
        return torch.func.jvp(field, primals, tuple(tangents))[1]
    return jvp


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=7)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--tol", type=float, default=1e-4, help="ARPACK relative tolerance (float32 products)")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    game, G, D, value = build(batch=args.batch)
    n = sum(p.numel for p in game.players)
    print(f"torch {torch.__version__}, {args.threads} thread(s); MLP GAN with {n} parameters "
          f"(G {game.players[0].numel}, D {game.players[1].numel}), batch {args.batch}, float32")

    # -- ARPACK first, so the peak memory it reports is not from the timing loops -----------------
    base = peak_mb()
    op = sp.jacobian(game)
    t0 = time.perf_counter()
    top = sp.eigenvalues(op, k=args.k, tol=args.tol)
    t_arpack = time.perf_counter() - t0
    print(f"\nARPACK, top {args.k} eigenvalues of H by modulus (tol {args.tol:g}):")
    print("  " + ", ".join(f"{v.real:.5g}{v.imag:+.5g}i" for v in top))
    print(f"  {op.n_jvp} Jacobian-vector products, {t_arpack:.2f} s; peak memory of the process "
          f"{peak_mb():.0f} MB (before: {base:.0f} MB); a dense H would take {8 * n * n / 2**30:.1f} GiB")

    # -- timings -------------------------------------------------------------------------------------
    rng = np.random.default_rng(0)
    v = rng.standard_normal(n)
    sym, gen = sp.jacobian(game, method="symmetric"), sp.jacobian(game, method="general")
    peer = forward_over_reverse(game, G, D, value)
    v_t = tuple(sym.to_tensors(v))

    def fresh() -> None:
        sp.jacobian(game).matvec(v)

    ops = {
        "gradient": lambda: game.simultaneous_gradient(),
        "H v (symmetric)": lambda: sym.matvec(v),
        "H v (general)": lambda: gen.matvec(v),
        "H^T w": lambda: sym.rmatvec(v),
        "H v from scratch": fresh,
        "peer: forward-over-reverse H v": lambda: peer(v_t),
    }
    reference = np.concatenate([t.detach().reshape(-1).double().numpy() for t in peer(v_t)])
    agree = np.abs(sym.matvec(v) - reference).max() / np.abs(reference).max()
    for fn in ops.values():   # warm-up
        fn()
    times: dict[str, list[float]] = {k: [] for k in ops}
    for b in range(args.blocks):
        order = list(ops) if b % 2 == 0 else list(reversed(ops))
        for name in order:
            t0 = time.perf_counter()
            for _ in range(args.reps):
                ops[name]()
            times[name].append((time.perf_counter() - t0) / args.reps)
        print(f"  block {b + 1}/{args.blocks} done", flush=True)
    grad = statistics.median(times["gradient"])
    print(f"\n{'operation':<34} {'ms':>9} {'/ gradient':>11}")
    for name, ts in times.items():
        t = statistics.median(ts)
        print(f"{name:<34} {1e3 * t:>9.3f} {t / grad:>11.2f}")
    ours = statistics.median(times["H v (symmetric)"])
    print(f"\nH v (symmetric) / peer forward-over-reverse: {ours / statistics.median(times[list(ops)[-1]]):.2f}; "
          f"max relative difference of the two products: {agree:.2g}")


if __name__ == "__main__":
    main()
