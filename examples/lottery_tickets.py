"""Lottery tickets in a generative game (Kalibhat, Balaji & Feizi 2021) on the 8-Gaussian ring.

Iterative magnitude pruning (IMP) of *both* players of the zoo's ``ring-gan``
(:class:`gamesolve.addons.pruning.LotteryTicket`): train, prune ``--fraction`` of each
player's remaining weights under one global magnitude threshold per player,
rewind the survivors to initialisation (``--rewind 0``) or to step ``k``
(late rewinding), train again, ``--rounds`` times. The pruned weights live in
``gs.Masked`` domains, so the solver keeps them at zero after every step.

Against each round's ticket, the *random-pruning* baseline: the same
initial networks with random masks that keep as many weights per tensor
(:func:`gamesolve.addons.pruning.random_masks_like`), trained the same way.
Early-bird detection (You et al. 2020) runs during the dense training: every
``--eb-every`` steps the masks one-shot pruning to ``--eb-sparsity`` (50%) would
give are compared with the previous ones (normalised Hamming distance) and
the bird fires once ``--eb-window`` consecutive distances are below ``--eb-threshold``
(0.1); the
early-bird ticket (those masks, rewound) is trained too. So is the *one-shot*
ticket: the trained dense players pruned at once to the final sparsity,
rewound, to show what the rounds of IMP buy.

Training: alternating Adam-GDA (discriminator first, Adam(1e-3, betas=(0.5,
0.9)), step size decaying geometrically to 5%), R1 with gamma = 0.1. Quality:
squared MMD (RBF kernel, bandwidth 0.1) between 2000 generated and 2000 data
samples, modes covered and the fraction of high-quality samples
(``gs.mode_coverage``, within 3 std of a mode).

Writes under ``--out`` (default ``./lottery-tickets``): ``rounds.csv`` /
``table.md`` (sparsity target vs achieved, ticket vs random: MMD, modes,
high quality; appended round by round, so an interrupted run keeps its
rounds), ``early_bird.csv`` (mask distance per check), ``lottery.png``
(MMD vs sparsity, early-bird distances, samples).

    python examples/lottery_tickets.py [--out lottery-tickets] [--rounds 8] [--fraction 0.2] [--steps 2000]
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
from _tables import write_table
from gamesolve.addons.pruning import (EarlyBirdCallback, LotteryTicket, apply_masks, one_shot_masks, random_masks_like,
                                      sparsity)
from gamesolve.game_registry import make_game


def new_game(args: argparse.Namespace) -> gs.GANGame:
    """The same initial networks for every run (``seed``)."""
    return make_game("ring-gan", width=args.width, depth=args.depth, std=args.std, gamma=0.1, batch_size=128,
                     seed=args.seed)


def train(game: gs.GANGame, args: argparse.Namespace, label: str, callbacks: list[Any] = ()) -> None:
    adam = lambda p: torch.optim.Adam(p, args.lr, betas=(0.5, 0.9))  # noqa: E731
    solver = gs.GDA(game, optimizers=adam, alternating=True, order=(1, 0))
    start = time.perf_counter()
    gs.solve(game, solver, steps=args.steps, seed=args.seed, progress=args.progress, metrics=[],
             callbacks=[gs.StepSizeSchedule(lambda t: 0.05 ** (t / args.steps)), *callbacks])
    print(f"  trained {label} in {time.perf_counter() - start:.1f}s", flush=True)


def quality(game: gs.GANGame, data: torch.Tensor) -> dict[str, float]:
    x = game.sample(len(data), seed=7)
    cover = gs.mode_coverage(x, game.mixture.centers, game.mixture.std)
    return {"mmd": gs.mmd(x, data, bandwidth=0.1), "modes": cover["modes"], "high_quality": cover["high_quality"]}


def total_sparsity(masks: dict[int, list[torch.Tensor]]) -> float:
    return sparsity([m for ms in masks.values() for m in ms])


def pruned_copy(args: argparse.Namespace, masks: dict[int, list[torch.Tensor]]) -> gs.GANGame:
    game = new_game(args)
    for i, ms in masks.items():
        apply_masks(game.players[i], ms)
    return game


def write_rounds(out: Path, rows: list[dict[str, Any]]) -> None:
    """``rounds.csv`` and ``table.md``, rewritten after every run so that an interrupted run keeps its rounds."""
    write_table(rows, out / "rounds.csv", markdown=out / "table.md")


def figure(out: Path, rows: list[dict[str, Any]], bird: EarlyBirdCallback, samples: dict[str, torch.Tensor],
           centers: torch.Tensor) -> None:
    from gamesolve.analysis.plots import plt

    fig, axes = plt.subplots(1, 2 + len(samples), figsize=(4.2 * (2 + len(samples)), 3.8))
    imp = [r for r in rows if r["kind"] == "round"]
    s = [100 * r["sparsity"] for r in imp]
    axes[0].semilogy(s, [max(r["ticket_mmd"], 1e-6) for r in imp], "o-", label="IMP ticket")
    axes[0].semilogy(s[1:], [max(r["random_mmd"], 1e-6) for r in imp[1:]], "s--", label="random pruning")
    for kind, marker in (("early-bird", "*"), ("one-shot", "^")):
        for r in (r for r in rows if r["kind"] == kind):
            axes[0].semilogy([100 * r["sparsity"]], [max(r["ticket_mmd"], 1e-6)], marker, ms=11, label=kind)
    axes[0].set_xlabel("sparsity of both players (%)")
    axes[0].set_ylabel("MMD^2 to the data (bandwidth 0.1)")
    axes[0].legend(fontsize="small")
    axes[0].grid(alpha=0.3)
    d = bird.bird.distances
    axes[1].plot(bird.checks[1:len(d) + 1], d, "o-")
    axes[1].axhline(bird.bird.threshold, color="k", ls="--", lw=0.8)
    if bird.step is not None:
        axes[1].axvline(bird.step, color="tab:red", lw=1, label=f"early bird at step {bird.step}")
        axes[1].legend(fontsize="small")
    axes[1].set_xlabel("dense training step")
    axes[1].set_ylabel("mask distance to previous check")
    axes[1].grid(alpha=0.3)
    for ax, (name, x) in zip(axes[2:], samples.items()):
        ax.scatter(*x[:1000].T.cpu(), s=2, alpha=0.4)
        ax.scatter(*centers.T.cpu(), c="k", marker="x")
        ax.set_title(name, fontsize="small")
        ax.set_xlim(-1.6, 1.6)
        ax.set_ylim(-1.6, 1.6)
        ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(out / "lottery.png", dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="lottery-tickets", help="output folder (default ./lottery-tickets)")
    parser.add_argument("--rounds", type=int, default=8, help="IMP rounds (8 x 20%% = 83%% sparsity)")
    parser.add_argument("--fraction", type=float, default=0.2, help="fraction of remaining weights pruned per round")
    parser.add_argument("--rewind", type=int, default=0, help="0: rewind to init; k > 0: to step k of round 0")
    parser.add_argument("--steps", type=int, default=2000, help="training steps per run")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--std", type=float, default=0.05, help="std of each Gaussian of the ring")
    parser.add_argument("--eb-every", type=int, default=100, help="steps between early-bird checks")
    parser.add_argument("--eb-window", type=int, default=5)
    parser.add_argument("--eb-sparsity", type=float, default=0.5, help="sparsity of the early-bird masks")
    parser.add_argument("--eb-threshold", type=float, default=0.1, help="normalised Hamming distance threshold")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--progress", action="store_true", help="a progress bar per training run")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)

    game = new_game(args)
    data = game.mixture.sample(2000, torch.Generator().manual_seed(123))
    final = 1 - (1 - args.fraction) ** args.rounds
    ticket = LotteryTicket(game, fraction=args.fraction, rewind=args.rewind)
    bird = EarlyBirdCallback(game, args.eb_sparsity, every=args.eb_every, threshold=args.eb_threshold,
                             window=args.eb_window)
    print(f"round 0/{args.rounds}: dense (early-bird checks every {args.eb_every} steps at {args.eb_sparsity:.1%} "
          "sparsity)")
    train(game, args, "dense", [ticket.callback, bird])
    one_shot = one_shot_masks(game, final)                     # the trained dense players pruned at once
    rows: list[dict[str, Any]] = []
    dense = quality(game, data)
    rows.append({"kind": "round", "round": 0, "target_sparsity": 0.0, "sparsity": 0.0, **{f"ticket_{k}": v
                 for k, v in dense.items()}, "random_mmd": math.nan, "random_modes": "", "random_high_quality": ""})
    samples = {"dense": game.sample(2000, seed=7)}
    write_rounds(out, rows)
    print(f"  dense: MMD {dense['mmd']:.4g}, modes {dense['modes']}, high quality {dense['high_quality']:.2f}; "
          f"early bird {'at step ' + str(bird.step) if bird.step is not None else 'not found'}", flush=True)

    for r in range(1, args.rounds + 1):
        ticket.prune()
        target = 1 - (1 - args.fraction) ** r
        achieved = total_sparsity(ticket.masks)
        print(f"round {r}/{args.rounds}: sparsity {achieved:.1%} (target {target:.1%})", flush=True)
        train(game, args, "ticket")
        tq = quality(game, data)
        generator = torch.Generator().manual_seed(args.seed + r)
        baseline = pruned_copy(args, {i: random_masks_like(ms, generator) for i, ms in ticket.masks.items()})
        train(baseline, args, "random")
        rq = quality(baseline, data)
        rows.append({"kind": "round", "round": r, "target_sparsity": target, "sparsity": achieved,
                     **{f"ticket_{k}": v for k, v in tq.items()}, **{f"random_{k}": v for k, v in rq.items()}})
        write_rounds(out, rows)
        print(f"  ticket: MMD {tq['mmd']:.4g}, modes {tq['modes']}, high quality {tq['high_quality']:.2f} | "
              f"random: MMD {rq['mmd']:.4g}, modes {rq['modes']}, high quality {rq['high_quality']:.2f}", flush=True)
        if r == args.rounds:
            samples[f"ticket {achieved:.0%}"] = game.sample(2000, seed=7)
            samples[f"random {achieved:.0%}"] = baseline.sample(2000, seed=7)

    if bird.masks is not None:
        early = pruned_copy(args, bird.masks)
        print(f"early-bird ticket ({total_sparsity(bird.masks):.1%} sparse, drawn at step {bird.step})", flush=True)
        train(early, args, "early-bird ticket")
        eq = quality(early, data)
        rows.append({"kind": "early-bird", "round": f"step {bird.step}", "target_sparsity": args.eb_sparsity,
                     "sparsity": total_sparsity(bird.masks), **{f"ticket_{k}": v for k, v in eq.items()}})
        write_rounds(out, rows)
        print(f"  early bird: MMD {eq['mmd']:.4g}, modes {eq['modes']}, high quality {eq['high_quality']:.2f}")
    shot = pruned_copy(args, one_shot)
    print(f"one-shot ticket ({total_sparsity(one_shot):.1%} sparse, from the trained dense players)", flush=True)
    train(shot, args, "one-shot ticket")
    oq = quality(shot, data)
    rows.append({"kind": "one-shot", "round": "-", "target_sparsity": final, "sparsity": total_sparsity(one_shot),
                 **{f"ticket_{k}": v for k, v in oq.items()}})
    write_rounds(out, rows)
    print(f"  one-shot: MMD {oq['mmd']:.4g}, modes {oq['modes']}, high quality {oq['high_quality']:.2f}")
    with (out / "early_bird.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["step", "mask_distance"])
        writer.writerows(zip(bird.checks[1:], bird.bird.distances))
    figure(out, rows, bird, samples, game.mixture.centers)
    print(f"\nwritten: {out / 'table.md'}, {out / 'rounds.csv'}, {out / 'early_bird.csv'}, {out / 'lottery.png'}")


if __name__ == "__main__":
    main()
