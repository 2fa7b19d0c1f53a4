"""The getting-started and solver guides run as written (other guides' snippets have their own tests)."""

from tests._markdown import python_blocks


def test_getting_started_snippets_run():
    ns: dict = {}
    blocks = python_blocks("docs/getting-started.md")
    assert blocks
    for k, block in enumerate(blocks):
        exec(compile(block, f"getting-started.md[{k}]", "exec"), ns)
    assert ns["result"].converged and ns["result"].trajectory.last("distance") < 1e-7


def test_the_quiet_step_snippet_of_the_solver_guide_converges():
    ns: dict = {}
    blocks = python_blocks("docs/solvers.md")
    assert len(blocks) == 1
    exec(compile(blocks[0], "solvers.md[0]", "exec"), ns)
    assert ns["solver"].measuring is False and ns["solver"].iteration == 2000
    assert ns["gs"].gradient_norm(ns["game"]) < 1e-6
