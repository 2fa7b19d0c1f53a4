"""A GAN step through ``GANGame`` + ``gs.Extragradient`` (Adam) against a hand-written extra-Adam loop.

Both train the same pair of MLPs (two hidden ReLU layers of width W per
player) on the 8-Gaussian ring with the non-saturating loss, batch B, the
same random stream and the same update: Gidel et al. (2019)'s extra-Adam,

    theta_{t+1/2} = Adam(theta_t, F(theta_t)),   theta_{t+1} = Adam(theta_t, F(theta_{t+1/2})),

with each evaluation drawing a fresh batch and taking the generator's and the
discriminator's gradients from one forward pass. The hand-written loop is
what a PyTorch user would write (no metrics, no NaN guard); ``GANGame`` +
``gs.Extragradient`` also returns the losses and gradient norms of every step
and checks them for NaN. Before timing, the script checks that both produce
the same parameters after a few steps.

Blocks of steps of the two are interleaved (alternating order) so that load
on the machine hits both alike; the script prints the median time per step
and the ratio (target <= 1.05 at W = 512), then the memory of each, measured in
a fresh subprocess per variant: after two warm-up steps (libraries
initialised, optimizer state allocated), and the peak over the timed steps
that follow (resident set size on Linux, with the peak reset after the
warm-up; ``torch.cuda`` allocated memory on CUDA).

    python benchmarks/gan.py [--widths 512] [--batch 256] [--blocks 9] [--steps 40] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import torch
import torch.nn.functional as F
from torch import nn

import gamesolve as gs
from _timing import interleaved

LATENT = 16


def mlp(inp: int, width: int, out: int) -> nn.Module:
    return nn.Sequential(nn.Linear(inp, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, out))


def networks(width: int, device: str) -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(0)
    return mlp(LATENT, width, 2).to(device), mlp(2, width, 1).to(device)


def adam(params: list[torch.Tensor]) -> torch.optim.Optimizer:
    return torch.optim.Adam(params, 1e-4, betas=(0.5, 0.9))


def gamesolve_loop(width: int, batch: int, device: str):
    G, D = networks(width, device)
    game = gs.GANGame(G, D, gs.ring_of_gaussians(device=device), loss="non-saturating", latent=LATENT,
                      batch_size=batch, device=device, seed=0)
    solver = gs.Extragradient(game, optimizers=adam)

    def run(steps: int) -> None:
        for _ in range(steps):
            solver.step()
    return run, game.parameters()


def hand_loop(width: int, batch: int, device: str):
    G, D = networks(width, device)
    ring = gs.ring_of_gaussians(device=device)
    gen = torch.Generator(device=device).manual_seed(0)
    pg, pd = list(G.parameters()), list(D.parameters())
    opt_g, opt_d = adam(pg), adam(pd)

    def gradients():
        real = ring(batch, gen)
        z = torch.randn(batch, LATENT, generator=gen, device=device)
        fake = G(z)
        d_real, d_fake = D(real).squeeze(1), D(fake).squeeze(1)
        loss_g = F.softplus(-d_fake).mean()
        loss_d = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        return (torch.autograd.grad(loss_g, pg, retain_graph=True), torch.autograd.grad(loss_d, pd))

    def apply(grads) -> None:
        for params, gs_, opt in ((pg, grads[0], opt_g), (pd, grads[1], opt_d)):
            for p, g in zip(params, gs_):
                p.grad = g
            opt.step()

    def run(steps: int) -> None:
        for _ in range(steps):
            start = [p.detach().clone() for p in pg + pd]
            apply(gradients())                    # extrapolation
            mid = gradients()
            with torch.no_grad():
                torch._foreach_copy_(pg + pd, start)
            apply(mid)                            # update from theta_t with F(theta_{t+1/2})
    return run, pg + pd


LOOPS = {"gamesolve": gamesolve_loop, "hand": hand_loop}


def check_same_computation(width: int, batch: int, device: str) -> float:
    runs = {k: make(width, batch, device) for k, make in LOOPS.items()}
    for run, _ in runs.values():
        run(3)
    a, b = runs["gamesolve"][1], runs["hand"][1]
    return max(float((x.detach() - y.detach()).abs().max()) for x, y in zip(a, b))


def measure(width: int, batch: int, blocks: int, steps: int, device: str) -> dict[str, float]:
    runs = {k: make(width, batch, device)[0] for k, make in LOOPS.items()}
    return interleaved(runs, blocks, steps, warmup=3, sync=torch.cuda.synchronize if device == "cuda" else None)


def _status_mb(field: str) -> float:
    """``VmRSS`` (current) or ``VmHWM`` (peak) of this process, from /proc (Linux)."""
    with open("/proc/self/status") as fh:
        line = next(ln for ln in fh if ln.startswith(field + ":"))
    return int(line.split()[1]) / 2**10


def _reset_peak() -> bool:
    """Reset the peak resident set size (Linux >= 4.0: ``echo 5 > /proc/self/clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def memory_child(variant: str, width: int, batch: int, steps: int, device: str) -> dict[str, float]:
    """Run in a fresh process: memory after 2 warm-up steps (lazy initialisation done, optimizer state
    allocated) and the peak over the whole run."""
    run, _ = LOOPS[variant](width, batch, device)
    if device == "cuda":
        run(2)
        torch.cuda.synchronize()
        steady = torch.cuda.memory_allocated() / 2**20
        torch.cuda.reset_peak_memory_stats()
        run(steps)
        return {"steady_mb": steady, "peak_mb": torch.cuda.max_memory_allocated() / 2**20}
    run(2)
    if not _reset_peak():
        raise SystemExit("peak memory on CPU needs Linux's /proc/self/clear_refs; run on Linux or CUDA")
    steady = _status_mb("VmRSS")
    run(steps)
    return {"steady_mb": steady, "peak_mb": _status_mb("VmHWM")}


def peak_memory(variant: str, args: argparse.Namespace, width: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--memory-child", variant, "--widths", str(width), "--batch", str(args.batch),
           "--steps", str(args.steps), "--device", args.device, "--threads", str(args.threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--widths", type=int, nargs="*", default=[512])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--blocks", type=int, default=9)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.widths[0], args.batch, args.steps, args.device)))
        return
    print(f"torch {torch.__version__}, {args.device}, {args.threads} thread(s), batch {args.batch}, "
          f"{args.blocks} interleaved blocks of {args.steps} extra-Adam steps")
    for width in args.widths:
        diff = check_same_computation(width, args.batch, args.device)
        print(f"width {width}: max |gamesolve - hand| after 3 steps = {diff:.2e} (same computation)")
        if diff > 1e-5:
            raise SystemExit("the two loops do not compute the same thing; fix the benchmark")
    print(f"{'width':>6} {'hand ms/step':>13} {'gamesolve ms/step':>18} {'ratio':>7}")
    for width in args.widths:
        t = measure(width, args.batch, args.blocks, args.steps, args.device)
        print(f"{width:>6} {1e3 * t['hand']:>13.3f} {1e3 * t['gamesolve']:>18.3f} "
              f"{t['gamesolve'] / t['hand']:>7.3f}", flush=True)
    unit = "allocated" if args.device == "cuda" else "resident"
    print(f"memory ({unit}, fresh process per variant, peak over {args.steps} steps after 2 warm-up steps)")
    print(f"{'width':>6} {'variant':>10} {'after warm-up MB':>17} {'peak MB':>9} {'peak - warm-up MB':>18}")
    for width in args.widths:
        for variant in ("hand", "gamesolve"):
            m = peak_memory(variant, args, width)
            print(f"{width:>6} {variant:>10} {m['steady_mb']:>17.1f} {m['peak_mb']:>9.1f} "
                  f"{m['peak_mb'] - m['steady_mb']:>18.1f}", flush=True)


if __name__ == "__main__":
    main()
