"""Controlled sparsity (Gallego-Posada, Ramirez, Erraqabi, Bengio & Lacoste-Julien, NeurIPS 2022) on
scikit-learn's digits.

The zoo's ``sparse-mlp-digits``: an MLP 64 -> 100 -> 100 -> 10 whose linear
layers carry hard-concrete L0 gates, trained under

    E[||z||_0] / #weights - target <= 0          (model-wise, one multiplier), or
    E[||z_l||_0] / #weights_l - target_l <= 0    (per layer, one multiplier per layer),

as a Lagrangian game: Adam on the weights and gates, nuPI on the
multipliers, with dual restarts (a feasible constraint's multiplier is reset
to 0, so the gates do not overshoot below the target). The density is
*prescribed*, not tuned through a penalty weight. A dense MLP of the same
shape trained with the same budget gives the reference accuracy.

Writes under ``--out`` (default ``./controlled-sparsity``): ``table.md`` /
``table.csv`` (target vs expected and test-time density, test accuracy vs
the dense model, restarts), ``trajectories.csv`` (per-step expected
density and multipliers of every run) and ``controlled_sparsity.png``.

    python examples/controlled_sparsity.py [--out controlled-sparsity] [--targets 0.3 0.5 0.7]
        [--layer-targets 0.2 0.5 0.9] [--steps 3000] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

import gamesolve as gs
from _tables import format_cell, write_table
from gamesolve.addons.sparsity import deterministic_density, expected_density, layer_densities
from gamesolve.game_registry import make_game
from gamesolve_zoo._sparse import fit_classifier
from gamesolve_zoo.sparse_mlp_digits import accuracy, digits_split, solver

HIDDEN = (100, 100)


def dense_accuracy(steps: int, seed: int, batch_size: int = 256) -> float:
    """The same MLP without gates, Adam(1e-3), the same number of minibatch steps."""
    split = digits_split(seed)
    torch.manual_seed(seed)
    sizes = (64, *HIDDEN, 10)
    layers: list[nn.Module] = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [nn.Linear(a, b)] + ([nn.ReLU()] if k < len(sizes) - 2 else [])
    model = nn.Sequential(*layers)
    fit_classifier(model, split.X_train, split.y_train, steps, batch_size=batch_size, seed=seed)
    with torch.no_grad():
        return float((model(split.X_test).argmax(1) == split.y_test).float().mean())


def run(target: Any, per_layer: bool, steps: int, seed: int, progress: bool | None) -> tuple[dict[str, Any], Any]:
    game = make_game("sparse-mlp-digits", target=target, per_layer=per_layer, hidden=HIDDEN, seed=seed)
    model, split = game.model, game.split
    restart = gs.DualRestart(game)
    n = game.players[1].params[0].numel()
    metrics = {"expected_density": lambda g: float(expected_density(model).detach())}
    for k in range(n):
        metrics[f"lambda_{k}"] = lambda g, k=k: float(g.players[1].params[0].detach().reshape(-1)[k])
    if per_layer:
        for k in range(n):
            metrics[f"layer_{k}_density"] = lambda g, k=k: float(layer_densities(model)[k].detach())
    start = time.perf_counter()
    result = gs.solve(game, solver(game), steps=steps, seed=seed, callbacks=[restart], metrics=metrics,
                      progress=progress)
    row: dict[str, Any] = {
        "constraint": "per layer" if per_layer else "model-wise",
        "target": "/".join(f"{t:g}" for t in target) if per_layer else target,
        "expected density": float(expected_density(model).detach()),
        "test-time density": float(deterministic_density(model)),
        "test accuracy": accuracy(model, split.X_test, split.y_test),
        "restarts": restart.restarts["density"],
        "seconds": time.perf_counter() - start,
    }
    if per_layer:
        row["layer expected"] = "/".join(f"{v:.3f}" for v in layer_densities(model).detach().tolist())
        row["layer test-time"] = "/".join(f"{v:.3f}" for v in layer_densities(model, deterministic=True).tolist())
    return row, result.trajectory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="controlled-sparsity", help="output folder (default ./controlled-sparsity)")
    parser.add_argument("--targets", type=float, nargs="+", default=[0.3, 0.5, 0.7])
    parser.add_argument("--layer-targets", type=float, nargs=3, default=[0.2, 0.5, 0.9],
                        help="one target per gated layer (three); omit the run with --no-per-layer")
    parser.add_argument("--no-per-layer", action="store_true")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bars (default: on a terminal)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)

    dense = dense_accuracy(args.steps, args.seed)
    print(f"dense MLP {HIDDEN}: test accuracy {dense:.4f}", flush=True)
    runs: list[tuple[Any, bool]] = [(t, False) for t in args.targets]
    if not args.no_per_layer:
        runs.append((args.layer_targets, True))
    rows, trajectories = [], {}
    for target, per_layer in runs:
        row, traj = run(target, per_layer, args.steps, args.seed, args.progress)
        row["dense accuracy"] = dense
        rows.append(row)
        trajectories[f"{row['constraint']} {row['target']}"] = traj
        print("  " + "  ".join(f"{k}={format_cell(v)}" for k, v in row.items()), flush=True)

    write_table(rows, out / "table.csv")
    with (out / "trajectories.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["run", "step", "metric", "value"])
        for name, traj in trajectories.items():
            for key in traj.keys():
                if key == "expected_density" or key.startswith(("lambda_", "layer_")):
                    writer.writerows((name, int(s), key, float(v)) for s, v in zip(traj.steps, traj[key]))

    from gamesolve.analysis.plots import plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for (name, traj), (target, per_layer) in zip(trajectories.items(), runs):
        if per_layer:
            for k, t in enumerate(target):
                line, = axes[0].plot(traj.steps, traj[f"layer_{k}_density"], lw=1, ls=":", label=f"layer {k}, {t:g}")
                axes[0].axhline(t, color=line.get_color(), lw=0.6, ls="--")
                axes[1].plot(traj.steps, traj[f"lambda_{k}"], lw=1, ls=":", label=f"per layer: lambda_{k}")
        else:
            line, = axes[0].plot(traj.steps, traj["expected_density"], lw=1.2, label=f"model-wise {target:g}")
            axes[0].axhline(target, color=line.get_color(), lw=0.6, ls="--")
            axes[1].plot(traj.steps, traj["lambda_0"], lw=1.2, label=f"model-wise {target:g}")
    axes[0].set_ylabel("expected density E||z||_0 / #weights")
    axes[1].set_ylabel("multiplier (nuPI, dual restarts)")
    for ax in axes:
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="x-small")
    axes[1].set_xlim(0, min(args.steps, 1000))
    fig.tight_layout()
    fig.savefig(out / "controlled_sparsity.png", dpi=120)
    print(f"\nwritten: {out / 'table.md'}, {out / 'table.csv'}, {out / 'trajectories.csv'}, "
          f"{out / 'controlled_sparsity.png'}")


if __name__ == "__main__":
    main()
