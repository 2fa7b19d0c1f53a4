"""Start-up time of ``import gamesolve`` and of the ``gamesolve`` command against ``import torch``.

gamesolve needs torch, so ``import torch`` alone is the floor; everything
heavier that gamesolve needs only for some calls (scipy's sparse linear
algebra and optimizers, cvxpy, matplotlib, scikit-learn, networkx, nashpy,
rich's progress bars) is imported where it is used. Each command runs in a
fresh interpreter, the three interleaved (order reversed every other round) so
that load on the machine hits them alike; the script prints the median wall
time of each and the ratios to ``import torch`` (target: ``import gamesolve``
<= 1.4x).

    python benchmarks/startup.py [--runs 15]

Child interpreters inherit the environment (``PYTHONPATH`` picks the
checkout); with ``PYTHONDONTWRITEBYTECODE`` set, gamesolve's modules are
compiled at every start, which the script reports.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from _timing import interleaved

COMMANDS = {
    "import torch": "import torch",
    "import gamesolve": "import gamesolve",
    "gamesolve games": "from gamesolve.cli import main; main(['games'])",
}


def runner(code: str):
    def run(times: int) -> None:
        for _ in range(times):
            subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per command (>= 10)")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}; median wall time of {args.runs} interleaved runs each"
          + ("; PYTHONDONTWRITEBYTECODE is set (no .pyc cache)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""))
    t = interleaved({name: runner(code) for name, code in COMMANDS.items()}, blocks=args.runs, steps=1, warmup=1)
    for name in COMMANDS:
        print(f"  {name:<17} {t[name]:7.3f} s   {t[name] / t['import torch']:5.2f}x import torch")


if __name__ == "__main__":
    main()
