import importlib.util
import sys
from pathlib import Path

import torch
from hypothesis import settings

torch.set_num_threads(1)

# Property tests draw the same examples on every run, so CI is reproducible; explore new ones with
# `python -m pytest --hypothesis-profile=explore` (a random seed each run) and pin what it finds with @example.
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("default")


def _zoo_from_this_checkout() -> None:
    """Import the zoo (the folder games/, installed as the package ``gamesolve_zoo`` through pyproject's
    package-dir) from this checkout, as ``pythonpath = ["."]`` makes the tests import ``gamesolve`` from it, whatever
    is installed; tests/test_packaging.py checks the installed package itself."""
    folder = Path(__file__).resolve().parents[1] / "games"
    spec = importlib.util.spec_from_file_location("gamesolve_zoo", folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    zoo = importlib.util.module_from_spec(spec)
    sys.modules["gamesolve_zoo"] = zoo
    spec.loader.exec_module(zoo)


_zoo_from_this_checkout()
