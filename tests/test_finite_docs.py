"""The python snippets of docs/finite-games.md run and say what they claim."""

from fractions import Fraction

import pytest

from tests._markdown import python_blocks

DOC = "docs/finite-games.md"


def test_the_finite_games_page_runs():
    blocks = python_blocks(DOC)
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, DOC, "exec"), namespace)
    assert len(namespace["result"].equilibria) == 3 and namespace["bos"].is_nash((namespace["x"], namespace["y"]))
    assert namespace["run"].trajectory["exploitability"][-1] < 1e-8
    assert namespace["player"] == 1 and len(namespace["responses"]) > (namespace["strategy"] > 0).sum()
    assert float(namespace["solver"].exploitability().max()) <= 1e-3
    eq = namespace["eq"]
    assert namespace["found"].certified and len(namespace["found"].equilibria) == 1 and eq.regret == 0
    assert eq.exact == ([Fraction(1, 2), Fraction(1, 2)], [Fraction(4504, 13511), Fraction(9007, 13511)])
    assert namespace["exact"].equilibria[0].exact == eq.exact
    assert not namespace["approx"].certified and float(namespace["approx"].regret) == pytest.approx(0.05)
