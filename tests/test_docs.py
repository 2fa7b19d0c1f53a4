"""The getting-started guide runs as written (the other guides' snippets are run by their own tests)."""

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_getting_started_snippets_run():
    ns: dict = {}
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "getting-started.md").read_text(), re.S)
    assert blocks
    for k, block in enumerate(blocks):
        exec(compile(block, f"getting-started.md[{k}]", "exec"), ns)
    assert ns["result"].converged and ns["result"].trajectory.last("distance") < 1e-7
