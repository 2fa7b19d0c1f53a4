"""The python snippets of docs/finite-games.md run and say what they claim."""

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "finite-games.md"


def _python_blocks(text):
    blocks, inside, current = [], False, []
    for line in text.splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append("\n".join(current))
            inside, current = (not inside and line.strip() == "```python"), []
        elif inside:
            current.append(line)
    return blocks


def test_the_finite_games_page_runs():
    blocks = _python_blocks(DOC.read_text())
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    assert len(namespace["result"].equilibria) == 3 and namespace["bos"].is_nash((namespace["x"], namespace["y"]))
    assert namespace["run"].trajectory["exploitability"][-1] < 1e-8
    assert namespace["player"] == 1 and len(namespace["responses"]) == 2
    assert float(namespace["solver"].exploitability().max()) <= 1e-3
