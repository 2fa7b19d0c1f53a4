"""GANG vs GAN on mixtures of Gaussians (Oliehoek et al. 2017, "GANGs: Generative Adversarial Network Games").

The zoo game ``gang-mog`` is the mixed extension of a zero-sum MLP GAN
(generator and discriminator: 2 hidden ReLU layers of 64 units, latent
dimension 2, batch 256, loss ``minimax`` with an R1 penalty of weight 0.3 on
the discriminator) on the 8-Gaussian ring (std 0.01) or the 25-Gaussian grid
(std 0.0125, spacing 0.5). For each data set and each of 3 seeds (the seed
fixes the initial networks, the data stream and the oracles' streams) the
script runs:

- **PNM**: Parallel Nash Memory with gradient best responses. Each iteration
  solves the meta-game by LP and asks each player's ``gs.GradientOracle`` for
  a best response: 10 steps of Adam (lr 2e-3, betas (0.5, 0.999)) on the
  player's loss averaged over the opponent's mixture, starting from a pure
  strategy drawn from the player's own mixture (``warm_start="sample"``, so
  that every generator in the support keeps being refined); an answer joins
  its pool if it gains more than epsilon = 1e-4. At most 100 iterations;
  the run stops earlier at a resource-bounded Nash equilibrium, when neither
  answer gains more than epsilon. The result is the mixture over the
  generator pool of the last meta-game equilibrium. These settings (and the
  R1 weight) were chosen on seeds 3-5; by default the script reports seeds 0-2.
- **GAN, same steps**: the same networks with the same initial weights, the
  same loss, optimizer (Adam, same lr and betas), batch size and data
  stream, trained by alternating GDA (one discriminator step, then one
  generator step) for exactly as many generator steps and discriminator
  steps as PNM's two oracles took: the same gradient budget.
- **GAN, same passes** (with ``--same-passes``; it doubles the run time): the
  same GAN run for as many forward-backward passes as PNM's oracles made. A
  PNM optimizer step differentiates the loss against every opponent in the
  mixture's support, so it costs several passes; this row shows what the GAN
  does with PNM's compute instead of its step count.

Measured on 2500 samples: modes covered and the fraction of high-quality
samples (``gs.mode_coverage``: a sample is high quality within 3 std of a
mode; a mode is covered when it receives at least 20% of its expected share,
PacGAN's rule), the squared MMD with an RBF kernel of bandwidth 0.1 against
2500 data samples (``gs.mmd``), and wall time; counted: optimizer steps of
each player, forward-backward passes (one batch through both networks and one
backward pass) and PNM's forward-only meta-game evaluations.

Writes under ``--out`` (default ``./gang-vs-gan``): ``samples.png`` (the first
seed's mixed generator, coloured by pure generator, beside both GANs),
``table.md`` / ``table.csv`` (mean +- std over seeds), ``runs/`` (one JSON per
run, PNM trajectories and samples). A run whose JSON exists with the same
settings is not run again, so an interrupted script continues where it stopped.

    python examples/gang_vs_gan.py [--out gang-vs-gan] [--seeds 3] [--iterations 100] [--oracle-steps 10]
                                   [--same-passes]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

import gamesolve as gs
from _tables import write_table
from gamesolve.game_registry import make_game

METHODS = ("PNM", "GAN, same steps", "GAN, same passes")
MMD_BANDWIDTH = 0.1


def adam(lr: float):
    return lambda params: torch.optim.Adam(params, lr=lr, betas=(0.5, 0.999))


def evaluate(samples: torch.Tensor, mixture: gs.GaussianMixture, n: int) -> dict[str, float]:
    data = mixture.sample(n, torch.Generator().manual_seed(12345))
    cover = gs.mode_coverage(samples, mixture.centers, mixture.std)
    return {"modes": cover["modes"], "high_quality": cover["high_quality"],
            "mmd": gs.mmd(samples, data, bandwidth=MMD_BANDWIDTH)}


def run_pnm(args: argparse.Namespace, mixture: str, seed: int, label: str) -> tuple[dict[str, Any], dict]:
    ext = make_game("gang-mog", mixture=mixture, seed=seed, width=args.width, gamma=args.gamma,
                    payoff_samples=args.payoff_samples)
    oracles = [gs.GradientOracle(args.oracle_steps, optimizer=adam(args.lr), warm_start="sample", seed=100 * seed + p)
               for p in (0, 1)]
    pnm = gs.ParallelNashMemory(oracles, meta_solver="lp", epsilon=args.epsilon, max_iterations=args.iterations)
    start = time.perf_counter()

    def progress(state: gs.SolveState) -> None:
        m = state.metrics
        if state.step % 10 == 0 or state.step == args.iterations:
            support = [int(np.count_nonzero(s > 0)) for s in pnm.mixtures]
            print(f"  {label} PNM iteration {state.step:>3}/{args.iterations}: value {m['value']:.4f} in "
                  f"[{m['best_lower']:.4f}, {m['best_upper']:.4f}], pools {ext.pool_sizes[0]}x{ext.pool_sizes[1]}, "
                  f"supports {support[0]}/{support[1]}, {time.perf_counter() - start:.0f} s", flush=True)

    result = gs.solve(ext, pnm, steps=args.iterations, progress=False, callbacks=[progress])
    if result.reason.startswith("interrupted"):
        raise KeyboardInterrupt
    seconds = time.perf_counter() - start
    sigma = result.strategies[0]
    samples, which = ext.generate(sigma, args.samples, seed=777)
    row = {**evaluate(samples, ext.game.mixture, args.samples), "seconds": seconds,
           "generator_steps": oracles[0].optimizer_steps, "discriminator_steps": oracles[1].optimizer_steps,
           "passes": oracles[0].gradient_passes + oracles[1].gradient_passes, "evaluations": ext.evaluations,
           "iterations": result.steps, "generators_in_mixture": int(np.count_nonzero(sigma > 0)),
           "value": result.trajectory.last("value"), "gap": result.trajectory.last("gap"), "stop": result.reason}
    result.trajectory.to_csv(Path(args.out) / "runs" / f"{mixture}-pnm-seed{seed}.csv")
    return row, {"samples": samples.numpy(), "which": which}


def run_gan(args: argparse.Namespace, mixture: str, seed: int, steps: int) -> tuple[dict[str, Any], dict]:
    """Alternating GDA (discriminator, then generator), ``steps`` steps of each player."""
    game = make_game("gang-mog", mixture=mixture, seed=seed, width=args.width, gamma=args.gamma).game
    passes = 0
    evaluate_game = game.evaluate

    def counted(*a: Any, **k: Any) -> Any:    # one call = one forward pass and one backward pass
        nonlocal passes
        passes += 1
        return evaluate_game(*a, **k)

    game.evaluate = counted  # type: ignore[method-assign]
    solver = gs.GDA(game, optimizers=(adam(args.lr), adam(args.lr)), alternating=True, order=(1, 0))
    start = time.perf_counter()
    result = gs.solve(game, solver, steps=steps, progress=False)
    if result.reason.startswith("interrupted"):
        raise KeyboardInterrupt
    seconds = time.perf_counter() - start
    samples = game.sample(args.samples, seed=777)
    row = {**evaluate(samples, game.mixture, args.samples), "seconds": seconds, "generator_steps": steps,
           "discriminator_steps": steps, "passes": passes, "evaluations": 0, "stop": result.reason}
    return row, {"samples": samples.numpy()}


def run_stem(out: Path, mixture: str, method: str, seed: int) -> Path:
    return out / "runs" / f"{mixture}-{method.replace(', ', '-').replace(' ', '_')}-seed{seed}"


def cached_run(args: argparse.Namespace, mixture: str, method: str, seed: int, settings: dict,
               run: Any) -> dict[str, Any]:
    """Run once; a JSON (and samples) from an earlier run with the same settings is reused."""
    stem = run_stem(Path(args.out), mixture, method, seed)
    path = stem.with_suffix(".json")
    if path.exists():
        saved = json.loads(path.read_text())
        if saved.get("settings") == settings:
            return saved
    row, arrays = run()
    np.savez_compressed(stem.with_suffix(".npz"), **arrays)
    row = {"mixture": mixture, "method": method, "seed": seed, **row, "settings": settings}
    path.write_text(json.dumps(row, indent=1))
    return row


def summarise(rows: list[dict[str, Any]], out: Path) -> str:
    keys = [("modes", "modes", "{:.1f}"), ("high_quality", "high quality", "{:.3f}"), ("mmd", "MMD^2", "{:.2e}"),
            ("seconds", "seconds", "{:.1f}"), ("generator_steps", "G steps", "{:.0f}"),
            ("discriminator_steps", "D steps", "{:.0f}"), ("passes", "fwd-bwd passes", "{:.0f}"),
            ("evaluations", "fwd evaluations", "{:.0f}")]
    table = []
    for mixture in dict.fromkeys(r["mixture"] for r in rows):
        for method in METHODS:
            mine = [r for r in rows if r["mixture"] == mixture and r["method"] == method]
            if not mine:
                continue
            entry = {"data": mixture, "method": method, "seeds": len(mine)}
            for key, name, fmt in keys:
                v = np.array([r[key] for r in mine], dtype=float)
                entry[name] = fmt.format(v.mean()) + (f" ± {fmt.format(v.std())}" if len(v) > 1 else "")
            entry["modes per seed"] = " ".join(str(r["modes"]) for r in mine)
            table.append(entry)
    if not table:
        return ""
    return write_table(table, out / "table.csv")


def figure(out: Path, mixtures: list[str], seed: int) -> None:
    from gamesolve.analysis.plots import mixture_samples_plot, plt, samples_plot

    methods = [m for m in METHODS if any(run_stem(out, x, m, seed).with_suffix(".npz").exists() for x in mixtures)]
    fig, axes = plt.subplots(len(mixtures), len(methods), figsize=(4 * len(methods), 4 * len(mixtures)),
                             squeeze=False)
    for row, mixture in zip(axes, mixtures):
        centers = make_game("gang-mog", mixture=mixture).game.mixture.centers.numpy()
        for ax, method in zip(row, methods):
            stem = run_stem(out, mixture, method, seed)
            if not stem.with_suffix(".npz").exists():
                ax.axis("off")
                continue
            saved, info = np.load(stem.with_suffix(".npz")), json.loads(stem.with_suffix(".json").read_text())
            title = (f"{mixture}, {method}: {info['modes']} modes, {info['high_quality']:.0%} high quality\n"
                     f"{info['generator_steps']} G + {info['discriminator_steps']} D steps, {info['passes']} passes")
            if "which" in saved:
                mixture_samples_plot(saved["samples"], saved["which"], centers=centers, ax=ax, lim=1.5,
                                     title=title + f"; colour = pure generator ({len(np.unique(saved['which']))})")
            else:
                samples_plot(saved["samples"], centers=centers, ax=ax, lim=1.5, title=title)
    fig.tight_layout()
    fig.savefig(out / "samples.png", dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="gang-vs-gan", help="output folder (default ./gang-vs-gan)")
    parser.add_argument("--mixtures", nargs="+", default=["ring", "grid"], choices=["ring", "grid"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=100, help="PNM iterations at most")
    parser.add_argument("--oracle-steps", type=int, default=10, help="optimizer steps per best response")
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam step size of the oracles and the GANs")
    parser.add_argument("--epsilon", type=float, default=1e-4)
    parser.add_argument("--payoff-samples", type=int, default=1)
    parser.add_argument("--gamma", type=float, default=0.3, help="R1 weight")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--samples", type=int, default=2500)
    parser.add_argument("--same-passes", action="store_true", help="also run 'GAN, same passes' (doubles the time)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    out = Path(args.out)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "mixtures", "seeds", "same_passes",
                                                                  "threads")}
    print(f"torch {torch.__version__}, {args.threads} thread(s); writing to {out}/", flush=True)
    rows: list[dict[str, Any]] = []
    total = time.perf_counter()
    try:
        for mixture in args.mixtures:
            for seed in range(args.seeds):
                label = f"[{mixture} seed {seed}]"
                pnm = cached_run(args, mixture, "PNM", seed, settings, lambda: run_pnm(args, mixture, seed, label))
                rows.append(pnm)
                budgets = {"GAN, same steps": pnm["generator_steps"]}
                if args.same_passes:
                    budgets["GAN, same passes"] = pnm["passes"] // 2   # alternating GDA: 2 passes per step
                for method, steps in budgets.items():
                    rows.append(cached_run(args, mixture, method, seed, settings,
                                           lambda steps=steps: run_gan(args, mixture, seed, steps)))
                for r in rows[-1 - len(budgets):]:
                    print(f"  {label} {r['method']:<16}: {r['modes']:>2} modes, high quality {r['high_quality']:.3f}, "
                          f"MMD^2 {r['mmd']:.2e}, {r['generator_steps']} G + {r['discriminator_steps']} D steps, "
                          f"{r['passes']} passes, {r['seconds']:.1f} s", flush=True)
                summarise(rows, out)
    except KeyboardInterrupt:
        print("\ninterrupted: finished runs are saved; run the same command again to continue", flush=True)
    text = summarise(rows, out)
    if rows:
        figure(out, args.mixtures, 0)
        print("\n" + text)
    pnm_passes = [r["passes"] for r in rows if r["method"] == "PNM"]
    gan_passes = [r["passes"] for r in rows if r["method"] == "GAN, same steps"]
    if pnm_passes and gan_passes:
        ratio = np.mean(pnm_passes) / np.mean(gan_passes)
        print(f"PNM made {ratio:.1f}x the forward-backward passes of the GAN with the same steps"
              + ("" if args.same_passes else "; --same-passes also runs the GAN at PNM's passes"))
    print(f"total {time.perf_counter() - total:.0f} s; written: {out / 'samples.png'}, {out / 'table.md'}, "
          f"{out / 'table.csv'}, {out / 'runs'}/")


if __name__ == "__main__":
    main()
