"""The user guide and its API reference build with ``mkdocs build --strict``, and the reference renders
every public name of gamesolve (``gamesolve.__all__``) under the path it is defined at, with the Sphinx
roles of the docstrings turned into links (docs/_ext/sphinx_roles.py)."""

import re
import subprocess
import sys
from types import ModuleType

import gamesolve as gs
from tests._markdown import ROOT


def _defined_at(obj: object) -> str:
    """The import path the API pages render ``obj`` under (its defining module, not the re-export)."""
    return obj.__name__ if isinstance(obj, ModuleType) else f"{obj.__module__}.{obj.__qualname__}"


def test_the_docs_build_strictly_with_every_public_name_in_the_api_reference(tmp_path):
    site = tmp_path / "site"
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
                          "--site-dir", str(site)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    assert "WARNING" not in run.stderr
    pages = "".join(page.read_text() for page in (site / "api").rglob("*.html"))
    anchors = set(re.findall(r'id="(gamesolve\.[^"]+)"', pages))
    missing = [name for name in gs.__all__ if _defined_at(getattr(gs, name)) not in anchors]
    assert not missing, f"public names without an entry in docs/api/: {missing}"
    assert not re.search(r":(class|func|meth|attr|mod|exc):<code>", pages)   # Sphinx roles became references
    assert 'class="autorefs autorefs-internal"' in pages
