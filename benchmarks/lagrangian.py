"""Per-step time of a LagrangianGame + NuPI against Cooper doing the same problem with its nuPI.

The problem: an MLP regressor (two hidden layers of width W, tanh) on a fixed
random batch, subject to one norm constraint

    min_theta  mean (MLP_theta(X) - y)^2   s.t.  ||theta||^2 <= tau,   tau = 0.5 ||theta_0||^2,

trained by simultaneous GDA: SGD on the weights, nuPI (ZEROS initialisation)
on the multiplier. Both libraries start from the same weights.

- ``gamesolve``: ``gs.GDA(LagrangianGame, optimizers=(SGD, gs.NuPI(init="zeros"))).step()``
- ``solve``: the same through ``gs.solve`` (metrics, NaN guard, trajectory)
- ``cooper``: ``cooper.optim.SimultaneousOptimizer(cmp, SGD, cooper.optim.nuPI(init_type=ZEROS,
  maximize=True)).roll()``

First the multiplier trajectories of the two libraries are compared step by
step (``max |lambda_gs - lambda_cooper|``, target <= 1e-5 with ZEROS); then
blocks of steps of the three are interleaved so that load on the machine hits
them alike, and the script prints the median per-step time of each and the
ratios to Cooper (target: gamesolve / cooper <= 0.9).

Cooper is not a gamesolve dependency; install it into your environment for
this script only:

    pip install cooper-optim
    python benchmarks/lagrangian.py [--widths 16 64 256] [--blocks 7] [--steps 200] [--out lagrangian-benchmark]

The results go to ``--out``/results.csv, the trajectories to
``--out``/trajectories.csv.
"""

from __future__ import annotations

import argparse
import copy
import csv
import sys
from pathlib import Path

import torch
from torch import nn

import gamesolve as gs
from _timing import interleaved

try:
    import cooper
except ImportError:  # pragma: no cover - depends on the environment
    cooper = None

LR, LR_DUAL, KP, KI, NU = 1e-2, 1e-1, 5.0, 1.0, 0.1


def mlp(width: int, inp: int = 8) -> nn.Module:
    return nn.Sequential(nn.Linear(inp, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh(), nn.Linear(width, 1))


def squared_norm(model: nn.Module) -> torch.Tensor:
    return sum((p * p).sum() for p in model.parameters())


def setup(width: int, batch: int, dtype: torch.dtype, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = mlp(width).to(dtype)
    X = torch.randn(batch, 8, generator=gen, dtype=dtype)
    y = torch.sin(X.sum(1, keepdim=True))
    tau = 0.5 * float(squared_norm(model).detach())
    return model, X, y, tau


def gamesolve_stepper(model: nn.Module, X: torch.Tensor, y: torch.Tensor, tau: float, init: str = "zeros"):
    problem = gs.ConstrainedProblem(lambda m: ((m(X) - y) ** 2).mean(),
                                    [gs.Constraint("norm", squared_norm, "<=", tau)], gs.Player("model", model))
    game = gs.LagrangianGame(problem)
    solver = gs.GDA(game, optimizers=(lambda p: torch.optim.SGD(p, lr=LR),
                                      lambda p: gs.NuPI(p, LR_DUAL, kp=KP, ki=KI, nu=NU, init=init)))
    multiplier = game.players[1].params[0]
    return game, solver, multiplier


def cooper_stepper(model: nn.Module, X: torch.Tensor, y: torch.Tensor, tau: float, init: str = "zeros"):
    dtype = next(model.parameters()).dtype

    class NormConstrained(cooper.ConstrainedMinimizationProblem):
        def __init__(self) -> None:
            super().__init__()
            self.multiplier = cooper.multipliers.DenseMultiplier(num_constraints=1, dtype=dtype)
            self.norm = cooper.Constraint(constraint_type=cooper.ConstraintType.INEQUALITY,
                                          formulation_type=cooper.formulations.Lagrangian, multiplier=self.multiplier)

        def compute_cmp_state(self) -> cooper.CMPState:
            loss = ((model(X) - y) ** 2).mean()
            violation = (squared_norm(model) - tau).reshape(1)
            return cooper.CMPState(loss=loss, observed_constraints={self.norm: cooper.ConstraintState(violation)})

    cmp = NormConstrained()
    init_type = cooper.optim.nuPIInitType.ZEROS if init == "zeros" else cooper.optim.nuPIInitType.SGD
    optimizer = cooper.optim.SimultaneousOptimizer(
        cmp=cmp, primal_optimizers=torch.optim.SGD(model.parameters(), lr=LR),
        dual_optimizers=cooper.optim.nuPI(cmp.dual_parameters(), lr=LR_DUAL, Kp=KP, Ki=KI, ema_nu=NU,
                                          init_type=init_type, maximize=True))
    return cmp, optimizer, cmp.multiplier.weight


def trajectories(width: int, batch: int, steps: int, dtype: torch.dtype, init: str) -> tuple[list[float], list[float]]:
    model, X, y, tau = setup(width, batch, dtype)
    _, solver, lam_gs = gamesolve_stepper(copy.deepcopy(model), X, y, tau, init)
    _, optimizer, lam_cooper = cooper_stepper(copy.deepcopy(model), X, y, tau, init)
    ours, theirs = [], []
    for _ in range(steps):
        solver.step()
        optimizer.roll()
        ours.append(float(lam_gs.detach().reshape(())))
        theirs.append(float(lam_cooper.detach().reshape(())))
    return ours, theirs


def timings(width: int, batch: int, blocks: int, steps: int, dtype: torch.dtype) -> dict[str, float]:
    model, X, y, tau = setup(width, batch, dtype)
    _, solver, _ = gamesolve_stepper(copy.deepcopy(model), X, y, tau)
    game2, solver2, _ = gamesolve_stepper(copy.deepcopy(model), X, y, tau)
    _, optimizer, _ = cooper_stepper(copy.deepcopy(model), X, y, tau)

    def run_gs(n: int) -> None:
        for _ in range(n):
            solver.step()

    def run_solve(n: int) -> None:
        gs.solve(game2, solver2, steps=n, progress=False, metrics=[])

    def run_cooper(n: int) -> None:
        for _ in range(n):
            optimizer.roll()

    runs = {"gamesolve": run_gs, "solve": run_solve, "cooper": run_cooper}
    return interleaved(runs, blocks, steps)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--widths", type=int, nargs="*", default=[16, 64, 256])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--blocks", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--agreement-steps", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--float64", action="store_true", help="run in float64 (default float32)")
    parser.add_argument("--out", default="lagrangian-benchmark", help="folder for results.csv and trajectories.csv")
    args = parser.parse_args()
    if cooper is None:
        print("benchmarks/lagrangian.py compares against Cooper, which is not installed.\n"
              "Install it for this benchmark only (it is not a gamesolve dependency):\n\n"
              "    pip install cooper-optim\n", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    dtype = torch.float64 if args.float64 else torch.float32
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"torch {torch.__version__}, cooper {cooper.__version__}, {args.threads} thread(s), {dtype}, "
          f"batch {args.batch}; nuPI lr={LR_DUAL} kp={KP} ki={KI} nu={NU}, SGD lr={LR}")

    rows = []
    with (out / "trajectories.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["width", "init", "step", "lambda_gamesolve", "lambda_cooper"])
        print(f"\nmultiplier trajectories over {args.agreement_steps} steps, max |lambda_gamesolve - lambda_cooper|:")
        for width in args.widths:
            for init in ("zeros", "sgd"):
                ours, theirs = trajectories(width, args.batch, args.agreement_steps, dtype, init)
                diff = max(abs(a - b) for a, b in zip(ours, theirs))
                scale = max(abs(v) for v in theirs)
                note = "" if init == "zeros" else ("   (Cooper's dense SGD init stores xi_0 = 0, not e_0: "
                                                   "cooper-org/cooper#107; not a target)")
                verdict = ("ok" if diff <= 1e-5 else "ABOVE 1e-5") if init == "zeros" else "info"
                print(f"  width {width:>4}, init {init:<5}: {diff:.3g}  (max |lambda| {scale:.3g})  {verdict}{note}")
                writer.writerows([width, init, t, a, b] for t, (a, b) in enumerate(zip(ours, theirs)))
                rows.append({"width": width, "init": init, "max_lambda_diff": diff})

    print(f"\nper-step time, median of {args.blocks} interleaved blocks of {args.steps} steps:")
    print(f"{'width':>6} {'gamesolve ms':>13} {'gs.solve ms':>12} {'cooper ms':>10} {'gamesolve/cooper':>17} "
          f"{'solve/cooper':>13}")
    for width in args.widths:
        t = timings(width, args.batch, args.blocks, args.steps, dtype)
        ratio, ratio_solve = t["gamesolve"] / t["cooper"], t["solve"] / t["cooper"]
        print(f"{width:>6} {1e3 * t['gamesolve']:>13.3f} {1e3 * t['solve']:>12.3f} {1e3 * t['cooper']:>10.3f} "
              f"{ratio:>17.3f} {ratio_solve:>13.3f}", flush=True)
        rows.append({"width": width, "gamesolve_ms": 1e3 * t["gamesolve"], "solve_ms": 1e3 * t["solve"],
                     "cooper_ms": 1e3 * t["cooper"], "ratio": ratio, "ratio_solve": ratio_solve})
    with (out / "results.csv").open("w", newline="") as fh:
        keys = sorted({k for r in rows for k in r})
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)
    print(f"\nwritten: {out / 'results.csv'}, {out / 'trajectories.csv'} (target ratio <= 0.9)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
