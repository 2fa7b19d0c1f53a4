"""Overparameterization in GANs (Balaji et al., ICLR 2021), numerically.

Part 1, the paper's theoretical setting (the zoo's ``overparam-gan``): a
generator ``G(z) = V phi(W z)`` of width ``k`` with ``V`` fixed, a linear
discriminator ``d`` and the objective

    min_W max_d <d, xbar - (1/n) sum_i G(z_i)> - ||d||^2 / 2,

trained by simultaneous GDA. For each width and seed it records the residual
``||xbar - mean_i G(z_i)||``, the smallest singular value of the generator's
Jacobian ``J = d mean_i G(z_i) / dW`` at initialisation and along training,
and the steps to reach the tolerance; the sweep crosses the regime where GDA
starts reaching the global saddle point (data dimension ``m = 8``: widths
below ``m`` cannot, ``V`` having rank ``k``).

Part 2, the empirical counterpart: an MLP GAN on the 8-Gaussian ring with
the hidden width swept, reporting modes covered, high-quality samples and
MMD^2 against width.

Outputs (``--out``, default ``./overparameterization``): ``residual.png``,
``sigma_min.png``, ``ring_width.png``, ``theory.csv`` / ``theory.md`` (one
row per width), ``ring.csv`` / ``ring.md``, and ``runs/`` with one file per
finished run, so an interrupted sweep resumes where it stopped.

    python examples/overparameterization.py [--widths 4 8 16 32 64 128 256 512] [--seeds 5] [--skip-ring]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.optimize  # noqa: E402
import torch  # noqa: E402

import gamesolve as gs  # noqa: E402
from _tables import write_table  # noqa: E402
from gamesolve.game_registry import make_game  # noqa: E402

from gamesolve_zoo import overparam_gan as op  # noqa: E402  (the zoo ships with gamesolve)


# --------------------------------------------------------------------------
# part 1: the theoretical setting
# --------------------------------------------------------------------------


def theory_run(width: int, seed: int, steps: int, tol: float, lr: float, every: int) -> gs.Trajectory:
    """One GDA run, stopped once the residual is below ``tol``."""
    game = op.make(width=width, seed=seed)
    sigma = {"value": op.sigma_min(game), "fresh": True}

    def sigma_min(g: gs.GANGame) -> float:
        """sigma_min at the iterates where the callback computed it (every `every` steps), NaN elsewhere."""
        value = sigma["value"] if sigma["fresh"] else math.nan
        sigma["fresh"] = False
        return value

    def refresh(state: gs.SolveState) -> bool:
        if state.step % every == 0:
            sigma["value"], sigma["fresh"] = op.sigma_min(state.game), True
        return state.metrics["residual_norm"] < tol

    result = gs.solve(game, gs.GDA(game, lr=lr), steps=steps, progress=False,
                      metrics={"residual_norm": op.residual, "sigma_min": sigma_min}, callbacks=[refresh])
    traj = result.trajectory
    if traj.steps[-1] != result.steps:        # the final iterate, measured
        traj.append(result.steps, {"residual_norm": op.residual(game), "sigma_min": op.sigma_min(game)})
    return traj


def cone_distance(width: int, seed: int) -> float:
    """``min_{h >= 0} ||xbar - V h||``: with a non-negative activation (ReLU) ``mean_i G(z_i) = V h`` has
    ``h >= 0``, so no ``W`` brings the residual below this (non-negative least squares)."""
    game = op.make(width=width, seed=seed)
    return float(scipy.optimize.nnls(game.networks()[0].V.numpy(), game.draw().real.mean(0).numpy())[1])


def load_trajectory(path: Path) -> gs.Trajectory:
    traj = gs.Trajectory()
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            traj.append(int(row.pop("step")), {k: float(v) for k, v in row.items() if v not in ("", "nan")})
    return traj


def steps_to(traj: gs.Trajectory, tol: float) -> int | None:
    below = np.nonzero(traj["residual_norm"] < tol)[0]
    return int(traj.steps[below[0]]) if below.size else None


def theory(args: argparse.Namespace, out: Path) -> None:
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    trajectories: dict[int, list[gs.Trajectory]] = {}
    for width in args.widths:
        for seed in range(args.seeds):
            path = runs / f"theory-k{width}-s{seed}.csv"
            if path.exists():
                traj = load_trajectory(path)
            else:
                t0 = time.perf_counter()
                traj = theory_run(width, seed, args.steps, args.tol, args.lr, args.jacobian_every)
                traj.to_csv(path)
                print(f"  k={width:<4} seed={seed}: residual {traj.last('residual_norm'):.2e} after "
                      f"{traj.steps[-1]} steps, sigma_min {traj['sigma_min'][0]:.3f} -> "
                      f"{traj.last('sigma_min'):.3f} ({time.perf_counter() - t0:.1f} s)", flush=True)
            trajectories.setdefault(width, []).append(traj)

    rows = []
    for width, trajs in trajectories.items():
        hit = [steps_to(t, args.tol) for t in trajs]
        reached = [h for h in hit if h is not None]
        s0 = np.array([t["sigma_min"][0] for t in trajs])
        s1 = np.array([t.last("sigma_min") for t in trajs])
        in_cone = sum(cone_distance(width, seed) < 1e-9 for seed in range(len(trajs)))
        rows.append({"width": width, "parameters": width * op.SPEC.params["latent_dim"],
                     "sigma_min_init": f"{s0.mean():.3f} ± {s0.std():.3f}",
                     "sigma_min_final": f"{s1.mean():.3f}",
                     "xbar in cone(V)": f"{in_cone}/{len(trajs)}", "seeds_converged": f"{len(reached)}/{len(trajs)}",
                     "steps_to_tol (median [min, max])":
                         f"{int(np.median(reached))} [{min(reached)}, {max(reached)}]" if reached else "—",
                     "final_residual (max)": f"{max(t.last('residual_norm') for t in trajs):.2e}"})
    print(write_table(rows, out / "theory.csv", title=f"# GDA on the overparameterised GAN (m = 8, tol {args.tol:g}, "
                                                      f"lr {args.lr:g}, {args.steps} steps max)"), end="")

    for metric, title, logy in (("residual_norm", "residual ||xbar - mean_i G(z_i)||", True),
                                ("sigma_min", "sigma_min of the generator Jacobian", False)):
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        colours = plt.cm.viridis(np.linspace(0, 0.9, len(trajectories)))
        for colour, (width, trajs) in zip(colours, trajectories.items()):
            for seed, t in enumerate(trajs):     # seed 0 bold and labelled, the others thin
                keep = np.isfinite(t[metric])
                ax.plot(t.steps[keep], t[metric][keep], color=colour, lw=1.6 if seed == 0 else 0.7,
                        alpha=1.0 if seed == 0 else 0.5, label=f"k={width}" if seed == 0 else None)
        if logy:
            ax.set_yscale("log")
            ax.axhline(args.tol, color="k", ls=":", lw=1)
        ax.set_xlabel("step")
        ax.set_title(f"{title} ({args.seeds} seeds per width)", fontsize="medium")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small", ncol=2)
        fig.tight_layout()
        fig.savefig(out / f"{'residual' if logy else 'sigma_min'}.png", dpi=120)
        plt.close(fig)


# --------------------------------------------------------------------------
# part 2: MLP GAN on the ring, width swept
# --------------------------------------------------------------------------


def ring_run(width: int, seed: int, steps: int) -> dict[str, float]:
    game = make_game("ring-gan", width=width, seed=seed)
    adam = lambda p: torch.optim.Adam(p, 1e-3, betas=(0.5, 0.9))  # noqa: E731
    solver = gs.GDA(game, optimizers=adam, alternating=True, order=(1, 0))

    def decay(state: gs.SolveState) -> None:     # geometric step-size decay to 5%, as in examples/gan_ring.py
        for rule in state.solver.rules:
            for group in rule.optimizer.param_groups:
                group["lr"] = 1e-3 * 0.05 ** (state.step / steps)

    cpu = time.process_time()
    gs.solve(game, solver, steps=steps, seed=seed, progress=False, metrics=[], callbacks=[decay])
    samples = game.sample(2500, seed=1)
    data = game.mixture(2500, torch.Generator().manual_seed(10_000 + seed))
    cov = gs.mode_coverage(samples, game.mixture.centers, game.mixture.std)
    return {"width": width, "seed": seed, "modes": cov["modes"], "high_quality": cov["high_quality"],
            "mmd": gs.mmd(samples, data), "cpu_seconds": time.process_time() - cpu}


def ring(args: argparse.Namespace, out: Path) -> None:
    results = []
    for width in args.ring_widths:
        for seed in range(args.ring_seeds):
            path = out / "runs" / f"ring-w{width}-s{seed}.json"
            if path.exists():
                res = json.loads(path.read_text())
            else:
                res = ring_run(width, seed, args.ring_steps)
                path.write_text(json.dumps(res))
                print(f"  width={width:<4} seed={seed}: {res['modes']} modes, {100 * res['high_quality']:.1f}% "
                      f"high quality, MMD^2 {res['mmd']:.2e} ({res['cpu_seconds']:.0f} CPU s)", flush=True)
            results.append(res)
    rows = []
    for width in args.ring_widths:
        rs = [r for r in results if r["width"] == width]
        rows.append({"hidden width": width, "modes (mean)": f"{np.mean([r['modes'] for r in rs]):.2f}",
                     "modes (per seed)": " ".join(str(r["modes"]) for r in rs),
                     "high quality": f"{100 * np.mean([r['high_quality'] for r in rs]):.1f}%",
                     "MMD^2 (mean)": f"{np.mean([r['mmd'] for r in rs]):.2e}"})
    print(write_table(rows, out / "ring.csv", title=f"# MLP GAN on the 8-Gaussian ring, 3 hidden layers, "
                                                    f"{args.ring_steps} steps of alternating Adam-GDA with R1"), end="")
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    panels = (("modes", "modes covered (of 8)"), ("high_quality", "fraction of high-quality samples"),
              ("mmd", "MMD^2 to the data (unbiased)"))
    for ax, (key, label) in zip(axes, panels):
        for seed in range(args.ring_seeds):
            rs = [r for r in results if r["seed"] == seed]
            ax.plot([r["width"] for r in rs], [r[key] for r in rs], "o-", alpha=0.7, label=f"seed {seed}")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("hidden width")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    axes[2].set_yscale("symlog", linthresh=1e-4)   # the unbiased estimate can dip below 0
    axes[0].legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(out / "ring_width.png", dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="overparameterization")
    parser.add_argument("--widths", type=int, nargs="+", default=[4, 8, 16, 32, 64, 128, 256, 512])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--jacobian-every", type=int, default=25, help="steps between sigma_min evaluations")
    parser.add_argument("--ring-widths", type=int, nargs="+", default=[8, 16, 32, 64, 128, 256])
    parser.add_argument("--ring-seeds", type=int, default=2)
    parser.add_argument("--ring-steps", type=int, default=3000)
    parser.add_argument("--skip-ring", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print("part 1: the theoretical setting")
    theory(args, out)
    if not args.skip_ring:
        print("part 2: MLP GAN on the ring, width swept")
        ring(args, out)
    print(f"outputs in {out.resolve()}")


if __name__ == "__main__":
    main()
