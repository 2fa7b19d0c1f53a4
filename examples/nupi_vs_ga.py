"""Gradient ascent vs momentum vs nuPI on the multipliers (Sohrabi et al., ICML 2024, Figs. 1 and 4).

Two Lagrangian games from the zoo, the primal player always taking plain
gradient steps, the multipliers updated by

- ``GA``: gradient ascent, ``lambda <- max(0, lambda + eta g)`` (nuPI with kp = 0);
- ``momentum``: heavy-ball ascent, ``torch.optim.SGD(momentum=0.5)``;
- ``nuPI kp=K``: the PI controller ``lambda <- max(0, lambda + eta (g_t + K (g_t - g_{t-1})))``
  (``--init sgd``, the default, takes ``g_{-1} = g_0``; ``--init zeros`` takes ``g_{-1} = 0``),

all with the same step sizes:

- ``oscillating-toy`` (min |x|^2 s.t. x1 + x2 >= 1, lambda* = 1), steps (0.05, 0.5);
- ``svm-iris`` (hard-margin SVM, 100 multipliers, lambda* from SVC), steps (0.01, 0.1).

Writes under ``--out`` (default ``./nupi-vs-ga``): ``multipliers.png`` (the
toy's multiplier and the SVM's ||lambda - lambda*|| against the step),
``table.csv`` / ``table.md`` (final dist(lambda, lambda*) = ||lambda - lambda*||,
settling time, overshoot, oscillation count) and one CSV trajectory per run.

    python examples/nupi_vs_ga.py [--out nupi-vs-ga] [--toy-steps 1000] [--svm-steps 5000] [--init sgd]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

import gamesolve as gs
from _tables import format_cell, write_table
from gamesolve.analysis.trajectory import oscillation_count, overshoot, settling_time
from gamesolve.game_registry import make_game

DualFactory = Callable[[list[torch.Tensor]], torch.optim.Optimizer]


def methods(lr: float, init: str) -> dict[str, DualFactory]:
    out: dict[str, DualFactory] = {
        "GA": lambda p: gs.NuPI(p, lr, kp=0.0),
        "momentum 0.5": lambda p: torch.optim.SGD(p, lr=lr, momentum=0.5),
    }
    for kp in (1.0, 5.0, 10.0):
        out[f"nuPI kp={kp:g}"] = lambda p, kp=kp: gs.NuPI(p, lr, kp=kp, init=init)
    return out


PROBLEMS = {
    # problem: (zoo game, primal step size, dual step size)
    "oscillating-toy": ("oscillating-toy", 0.05, 0.5),
    "svm-iris": ("svm-iris", 0.01, 0.1),
}


def run(game_name: str, lr_x: float, dual: DualFactory, steps: int) -> gs.Result:
    game = make_game(game_name)
    lam_star = game.equilibrium[1]

    def error(g: gs.LagrangianGame) -> float:
        return float((g.players[1].params[0].detach() - lam_star).norm())

    def multiplier(g: gs.LagrangianGame) -> float:
        return float(g.players[1].params[0].detach().reshape(-1)[0])

    solver = gs.GDA(game, optimizers=(lambda p: torch.optim.SGD(p, lr=lr_x), dual))
    return gs.solve(game, solver, steps=steps, progress=False, on_nonfinite="report",
                    metrics={"lambda_error": error, "lambda_0": multiplier})


def summarise(problem: str, method: str, result: gs.Result) -> dict[str, object]:
    traj = result.trajectory
    err, steps = traj["lambda_error"], traj.steps
    row: dict[str, object] = {"problem": problem, "method": method, "steps": result.steps,
                              "final dist(lambda, lambda*)": float(err[-1]),
                              "settling: dist <= 1e-3": settling_time(err, 0.0, 1e-3, relative=False,
                                                                                     steps=steps)}
    if problem == "oscillating-toy":   # one multiplier, lambda* = 1: classic step-response numbers
        lam = traj["lambda_0"]
        row["settling: 1% of lambda*"] = settling_time(lam, 1.0, 0.01, steps=steps)
        row["overshoot"] = overshoot(lam, 1.0)
        row["crossings of lambda*"] = oscillation_count(lam, 1.0, 0.01)
    if result.error is not None:
        row["note"] = "non-finite"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="nupi-vs-ga", help="output folder (default ./nupi-vs-ga)")
    parser.add_argument("--toy-steps", type=int, default=1000)
    parser.add_argument("--svm-steps", type=int, default=5000)
    parser.add_argument("--init", choices=["sgd", "zeros"], default="sgd",
                        help="nuPI initialisation (default sgd: the first step is plain GA; zeros kicks the "
                             "first step by lr (ki + kp) g_0)")
    args = parser.parse_args()
    out = Path(args.out)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)

    from gamesolve.analysis.plots import plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    rows = []
    for ax, (problem, (game_name, lr_x, lr_y)) in zip(axes, PROBLEMS.items()):
        steps = args.toy_steps if problem == "oscillating-toy" else args.svm_steps
        for method, dual in methods(lr_y, args.init).items():
            result = run(game_name, lr_x, dual, steps)
            result.trajectory.to_csv(out / "runs" / f"{problem}-{method.replace(' ', '_')}.csv")
            row = summarise(problem, method, result)
            rows.append(row)
            print(f"{problem:<16} {method:<14} " + "  ".join(f"{k}={format_cell(v)}" for k, v in row.items()
                                                            if k not in ("problem", "method")), flush=True)
            traj = result.trajectory
            if problem == "oscillating-toy":
                ax.plot(traj.steps, traj["lambda_0"], label=method, lw=1.2)
            else:
                ax.semilogy(traj.steps, np.maximum(traj["lambda_error"], 1e-12), label=method, lw=1.2)
        if problem == "oscillating-toy":
            ax.axhline(1.0, color="k", lw=0.8, ls="--")
            ax.set_ylabel("lambda (lambda* = 1)")
            ax.set_xlim(0, min(steps, 400))
        else:
            ax.set_ylabel("||lambda - lambda*||")
        ax.set_title(f"{problem}: primal lr {lr_x}, dual lr {lr_y}")
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(out / "multipliers.png", dpi=120)

    write_table(rows, out / "table.csv")
    print(f"\nwritten: {out / 'multipliers.png'}, {out / 'table.csv'}, {out / 'table.md'}, {out / 'runs'}/")


if __name__ == "__main__":
    main()
