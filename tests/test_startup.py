"""Start-up: ``import gamesolve`` imports torch and the engine, and the heavy optional parts only where they are
used (benchmarks/startup.py times it against ``import torch``); every public name still resolves."""

import subprocess
import sys
import types
from pathlib import Path

import gamesolve as gs

LAZY = ("scipy", "cvxpy", "matplotlib", "sklearn", "networkx", "nashpy", "rich")


def test_import_gamesolve_leaves_the_heavy_optional_parts_unimported():
    code = f"import sys, gamesolve; print(' '.join(m for m in {LAZY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],   # this checkout
                         capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.split() == []


def test_every_public_name_resolves():
    for name in gs.__all__:
        assert getattr(gs, name) is not None, name
    assert isinstance(gs.spectral, types.ModuleType) and gs.spectral.__name__ == "gamesolve.analysis.spectral"
    assert "spectral" in dir(gs)
