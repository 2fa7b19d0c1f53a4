"""The first snippet of docs/gans.md runs as written."""

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "gans.md"


def python_blocks(text):
    blocks, current, inside = [], [], False
    for line in text.splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append("\n".join(current))
            inside, current = line.strip() == "```python", []
        elif inside:
            current.append(line)
    return blocks


def test_the_guide_snippet_runs(capsys):
    scope = {}
    exec(compile(python_blocks(DOC.read_text())[0], str(DOC), "exec"), scope)
    coverage = scope["coverage"]
    assert scope["result"].steps == 200 and 0 <= coverage["modes"] <= 8
    assert capsys.readouterr().out.count("\n") == 2
