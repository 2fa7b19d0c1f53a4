"""L0onie (Ramirez & Gallego-Posada 2022): compress an image into a SIREN under a rate constraint.

scikit-learn's ``china.jpg`` (ships with the package), downsampled to
``--height`` rows, is fitted by a SIREN (``--hidden`` units per layer) whose
hidden units carry hard-concrete L0 gates, under

    E[bits] / #pixels <= target bpp,

bits counting the weights and biases (16 bits each) of the network that
remains once the units with a zero gate are removed (closed form, see
``gamesolve.addons.compression``). One Lagrangian game per target: Adam on the
weights and gates, nuPI on the multiplier, dual restarts. The same SIREN
without a constraint (its full rate) is the quality reference.

Writes under ``--out`` (default ``./l0onie``): ``table.md`` / ``table.csv``
(target vs expected and achieved bpp, PSNR, units kept), ``trajectories.csv``
(per step: expected bpp, multiplier, MSE) and ``l0onie.png``
(reconstructions; rate and multiplier against the step).

    python examples/l0onie.py [--out l0onie] [--targets 2 4 8] [--height 32] [--hidden 48 48] [--steps 3000]
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from pathlib import Path
from typing import Any

import torch

import gamesolve as gs
from _tables import format_cell, write_table
from gamesolve.addons.compression import bits_per_pixel, psnr
from gamesolve.addons.sparsity import deterministic_gate
from gamesolve.game_registry import make_game
from gamesolve_zoo.l0onie import solver


def fit(target: float, args: argparse.Namespace) -> tuple[dict[str, Any], gs.Trajectory, torch.Tensor, Any]:
    game = make_game("l0onie", image=args.image, height=args.height, target_bpp=target, hidden=tuple(args.hidden),
                     seed=args.seed)
    model, (h, w) = game.model, game.shape
    pixels = h * w
    restart = gs.DualRestart(game)
    metrics = {"expected_bpp": lambda g: float(bits_per_pixel(model, pixels).detach()),
               "lambda": lambda g: float(g.players[1].params[0].detach())}
    start = time.perf_counter()
    result = gs.solve(game, solver(game), steps=args.steps, seed=args.seed, callbacks=[restart], metrics=metrics,
                      log_every=args.log_every, progress=args.progress)
    model.eval()
    with torch.no_grad():
        image = model(game.coords).clamp(0, 1)
    row = {"target bpp": target, "expected bpp": float(bits_per_pixel(model, pixels).detach()),
           "achieved bpp": float(bits_per_pixel(model, pixels, deterministic=True)),
           "PSNR (dB)": psnr(image, game.colours),
           "units kept": "/".join(str(int((deterministic_gate(m.log_alpha.detach()) > 0).sum())) for m in model.hidden),
           "restarts": restart.restarts["bpp"], "seconds": time.perf_counter() - start}
    return row, result.trajectory, image.reshape(h, w, 3), game


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="l0onie", help="output folder (default ./l0onie)")
    parser.add_argument("--targets", type=float, nargs="+", default=[2.0, 4.0, 8.0], help="target bits per pixel")
    parser.add_argument("--image", default="china.jpg", choices=["china.jpg", "flower.jpg"])
    parser.add_argument("--height", type=int, default=32, help="rows after downsampling")
    parser.add_argument("--hidden", type=int, nargs="+", default=[48, 48])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)

    rows, trajectories, images = [], {}, {}
    runs = [math.inf, *args.targets]       # inf: the unconstrained SIREN (never binding)
    for target in runs:
        label = "no constraint" if math.isinf(target) else f"{target:g} bpp"
        row, traj, image, game = fit(1e9 if math.isinf(target) else target, args)
        if math.isinf(target):
            row["target bpp"] = "none"
        rows.append(row)
        trajectories[label], images[label] = traj, image
        print(f"{label:>14}: " + "  ".join(f"{k}={format_cell(v)}" for k, v in row.items()), flush=True)
    h, w = game.shape

    write_table(rows, out / "table.csv",
                title=f"image {args.image} at {h}x{w} = {h * w} pixels, SIREN hidden {args.hidden}, {args.steps} steps")
    with (out / "trajectories.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["run", "step", "expected_bpp", "lambda", "mse"])
        for name, traj in trajectories.items():
            writer.writerows(zip([name] * len(traj), traj.steps.tolist(), traj["expected_bpp"].tolist(),
                                 traj["lambda"].tolist(), traj["loss_x"].tolist()))

    from gamesolve.analysis.plots import plt

    fig = plt.figure(figsize=(3.2 * (len(images) + 1), 6.4))
    grid = fig.add_gridspec(2, len(images) + 1)
    ax = fig.add_subplot(grid[0, 0])
    ax.imshow(game.colours.reshape(h, w, 3).numpy())
    ax.set_title("original", fontsize="small")
    ax.axis("off")
    for k, ((label, image), row) in enumerate(zip(images.items(), rows)):
        ax = fig.add_subplot(grid[0, k + 1])
        ax.imshow(image.numpy())
        ax.set_title(f"{label}: {row['achieved bpp']:.2f} bpp, {row['PSNR (dB)']:.1f} dB", fontsize="small")
        ax.axis("off")
    rate = fig.add_subplot(grid[1, : (len(images) + 1) // 2])
    mult = fig.add_subplot(grid[1, (len(images) + 1) // 2:])
    for (label, traj), target in zip(trajectories.items(), runs):
        if math.isinf(target):
            continue
        line, = rate.semilogy(traj.steps, traj["expected_bpp"], lw=1, label=label)
        rate.axhline(target, color=line.get_color(), ls="--", lw=0.6)
        mult.plot(traj.steps, traj["lambda"], lw=1, label=label)
    rate.set_ylabel("expected bits per pixel")
    mult.set_ylabel("multiplier (nuPI, dual restarts)")
    for a in (rate, mult):
        a.set_xlabel("step")
        a.grid(alpha=0.3)
        a.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(out / "l0onie.png", dpi=120)
    print(f"\nwritten: {out / 'table.md'}, {out / 'table.csv'}, {out / 'trajectories.csv'}, {out / 'l0onie.png'}")


if __name__ == "__main__":
    main()
