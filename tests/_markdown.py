"""The fenced code blocks of the project's Markdown files, for the tests that run them as a reader would."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fenced_blocks(path: str, language: str) -> list[str]:
    """The ```language fenced blocks of ``path`` (relative to the repository root), in order."""
    text = (ROOT / path).read_text()
    return [block.rstrip("\n") for block in re.findall(rf"```{language}\n(.*?)```", text, re.S)]


def python_blocks(path: str) -> list[str]:
    """The ```python blocks of ``path``."""
    return fenced_blocks(path, "python")
