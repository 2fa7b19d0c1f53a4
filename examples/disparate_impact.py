"""Disparate impact of pruning (Hashemizadeh, Ramirez, Sukumaran, Farnadi, Lacoste-Julien & Gallego-Posada
2023, "Balancing Act: Constraining Disparate Impact in Sparse Models").

The zoo's ``disparate-impact`` game: a dense MLP trained on a synthetic
tabular data set with 20 imbalanced protected groups (documented in
``games/disparate_impact.py``) is pruned to 90% sparsity by global magnitude,
then fine-tuned two ways with the same budget and optimizer:

- *unconstrained*: plain Adam on the cross-entropy (the usual recipe);
- *constrained*: the Lagrangian game with one constraint per group,
  ``psi_g = (A_g(dense) - A_g(sparse)) - (A(dense) - A(sparse)) <= eps``;
  the multipliers (nuPI) follow the accuracy gaps, the network follows the
  cross-entropy proxies, and each minibatch updates the multipliers of the
  groups it contains only.

Both are judged on a held-out set drawn from the same distribution.
Writes under ``--out`` (default ``./disparate-impact``): ``groups.md`` /
``groups.csv`` (per group: dense and sparse accuracies, ``psi_g`` with and
without constraints vs ``eps``, final multiplier), ``summary.md``,
``multipliers.csv`` (every group's multiplier per logged step) and
``disparate_impact.png``.

    python examples/disparate_impact.py [--out disparate-impact] [--eps 0.02] [--sparsity 0.9] [--steps 3000]
"""

from __future__ import annotations

import argparse
import copy
import csv
import time
from pathlib import Path

import torch

import gamesolve as gs
from _tables import format_cell, write_table
from gamesolve.addons.fairness import disparities, group_accuracy
from gamesolve.game_registry import make_game
from gamesolve_zoo.disparate_impact import logits, solver, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="disparate-impact", help="output folder (default ./disparate-impact)")
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--sparsity", type=float, default=0.9)
    parser.add_argument("--eps", type=float, default=0.02)
    parser.add_argument("--steps", type=int, default=3000, help="fine-tuning steps (both fine-tunings)")
    parser.add_argument("--dense-steps", type=int, default=2000)
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)

    start = time.perf_counter()
    game = make_game("disparate-impact", groups=args.groups, sparsity=args.sparsity, eps=args.eps,
                     dense_steps=args.dense_steps, seed=args.seed)
    G, test, tr = args.groups, game.data.test, game.data.train
    print(f"dense model trained and pruned to {args.sparsity:.0%} in {time.perf_counter() - start:.1f}s", flush=True)

    start = time.perf_counter()
    free = train(copy.deepcopy(game.pruned), tr, args.steps, batch_size=game.problem.batch_size, masks=game.masks,
                 seed=args.seed + 1)
    print(f"unconstrained fine-tuning: {time.perf_counter() - start:.1f}s", flush=True)

    start = time.perf_counter()
    lam = game.players[1].params[0]
    metrics = {f"lambda_{g}": (lambda _, g=g: float(lam[g].detach())) for g in range(G)}
    history = gs.solve(game, solver(game), steps=args.steps, seed=args.seed, metrics=metrics,
                       log_every=args.log_every, progress=args.progress).trajectory
    print(f"constrained fine-tuning: {time.perf_counter() - start:.1f}s", flush=True)
    constrained = game.players[0].module

    dense_logits = logits(game.dense, test.X)
    psi_free = disparities(logits(free, test.X), dense_logits, test.y, test.groups, G)
    psi_con = disparities(logits(constrained, test.X), dense_logits, test.y, test.groups, G)
    acc = {name: group_accuracy(logits(m, test.X), test.y, test.groups, G)
           for name, m in (("dense", game.dense), ("unconstrained", free), ("constrained", constrained))}
    overall = {name: float((logits(m, test.X).argmax(1) == test.y).float().mean())
               for name, m in (("dense", game.dense), ("unconstrained", free), ("constrained", constrained))}
    share = torch.bincount(tr.groups, minlength=G).double() / tr.groups.numel()
    counts = torch.bincount(test.groups, minlength=G)
    rows = []
    for g in range(G):
        rows.append({"group": g, "train share": float(share[g]), "test samples": int(counts[g]),
                     "dense acc": float(acc["dense"][g]), "unconstrained acc": float(acc["unconstrained"][g]),
                     "constrained acc": float(acc["constrained"][g]),
                     "psi unconstrained": float(psi_free[g]), "psi constrained": float(psi_con[g]),
                     "eps": args.eps, "holds (<= eps + 0.01)": bool(psi_con[g] <= args.eps + 0.01),
                     "multiplier": float(lam[g].detach())})
    write_table(rows, out / "groups.csv")
    summary = [{"model": name, "test accuracy": overall[name],
                "max psi": float(psi.max()) if psi is not None else "",
                "groups with psi > eps": int((psi > args.eps).sum()) if psi is not None else "",
                "groups with psi > eps + 0.01": int((psi > args.eps + 0.01).sum()) if psi is not None else ""}
               for name, psi in (("dense", None), ("unconstrained", psi_free), ("constrained", psi_con))]
    write_table(summary, out / "summary.csv")
    for r in summary:
        print("  " + "  ".join(f"{k}={format_cell(v)}" for k, v in r.items()))

    from gamesolve.analysis.plots import plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    x = torch.arange(G).numpy()
    axes[0].bar(x - 0.2, psi_free.numpy(), 0.4, label=f"unconstrained (acc {overall['unconstrained']:.3f})")
    axes[0].bar(x + 0.2, psi_con.numpy(), 0.4, label=f"constrained (acc {overall['constrained']:.3f})")
    axes[0].axhline(args.eps, color="k", ls="--", lw=0.8, label=f"eps = {args.eps:g}")
    axes[0].set_xlabel("group (largest first)")
    axes[0].set_ylabel("held-out psi_g = gap_g - overall gap")
    axes[0].legend(fontsize="small")
    axes[0].grid(alpha=0.3)
    with (out / "multipliers.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["step", *(f"lambda_{g}" for g in range(G))])
        writer.writerows(zip(history.steps.tolist(), *(history[f"lambda_{g}"].tolist() for g in range(G))))
    for g in range(G):
        axes[1].plot(history.steps, history[f"lambda_{g}"], lw=0.8)
    axes[1].set_xlabel("step")
    axes[1].set_ylabel("multiplier of each group (nuPI)")
    axes[1].grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "disparate_impact.png", dpi=120)
    print(f"\nwritten: {out / 'groups.md'}, {out / 'summary.md'}, {out / 'multipliers.csv'}, "
          f"{out / 'disparate_impact.png'}")


if __name__ == "__main__":
    main()
