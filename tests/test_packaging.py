"""What `pip install` puts in site-packages: the engine `gamesolve` and the zoo `gamesolve_zoo` (the folder games/
mapped by pyproject's package-dir), and no top-level `games` package that another project could own."""

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _installed_from_this_checkout() -> metadata.Distribution:
    """The installed gamesolve distribution (not the gamesolve.egg-info that building leaves in the checkout, which
    pytest's pythonpath puts first); skips unless it was installed (editable or not) from this checkout, whose
    packaging it would otherwise not describe."""
    paths = [p for p in sys.path if p and Path(p).resolve() != ROOT]
    dist = next(iter(metadata.distributions(name="gamesolve", path=paths)), None)
    if dist is None:
        pytest.skip("gamesolve is not installed")
    url = json.loads(dist.read_text("direct_url.json") or "{}").get("url", "")
    source = Path(unquote(urlparse(url).path)) if url.startswith("file:") else None
    if source is None or source.resolve() != ROOT:
        pytest.skip(f"the installed gamesolve comes from {url or 'an index'}, not from this checkout ({ROOT})")
    return dist


def _run_installed(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """``python -c code`` away from the checkout and without PYTHONPATH: only what is installed is importable."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_package_list_names_every_package_folder():
    tomllib = pytest.importorskip("tomllib")
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "gamesolve").rglob("__init__.py")}
    assert sorted(setuptools["packages"]) == sorted(folders | {"gamesolve_zoo"})
    assert setuptools["package-dir"] == {"gamesolve_zoo": "games"}


def test_the_installed_distribution_has_no_top_level_games_package(tmp_path):
    dist = _installed_from_this_checkout()
    top_level = set((dist.read_text("top_level.txt") or "").split())   # what packages_distributions() reads
    installed = {f.parts[0] for f in dist.files or [] if len(f.parts) > 1 and f.parts[0] not in ("..", "__pycache__")}
    assert "games" not in top_level | installed and {"gamesolve", "gamesolve_zoo"} <= top_level
    zoo = [ep for ep in dist.entry_points if ep.group == "gamesolve.games"]
    assert zoo and all(ep.value.startswith("gamesolve_zoo.") for ep in zoo)

    imports = _run_installed("import games", tmp_path)
    assert imports.returncode != 0 and "No module named 'games'" in imports.stderr
    listing = _run_installed("from gamesolve.cli import main; raise SystemExit(main(['games']))", tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert all(ep.name in listing.stdout for ep in zoo)
