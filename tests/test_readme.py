"""The README's two set-up commands are what CI runs and what a newcomer copies."""

from tests._markdown import ROOT, fenced_blocks, python_blocks


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    blocks = fenced_blocks("README.md", "bash")
    assert len(blocks) == 2
    main_job, tests = blocks
    assert "gamesolve compare" in main_job and "torch==2.13.0" in main_job
    assert "pytest" in tests
    ci_lines = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln and not ln.startswith(("#", "set ", "cd "))]
    assert ci_lines == [tests]


def test_readme_python_runs(tmp_path, monkeypatch):
    """The README's python blocks run as written, in one namespace, and say what they print."""
    import numpy as np

    monkeypatch.chdir(tmp_path)            # the comparison's report folder
    ns: dict = {}
    for k, block in enumerate(python_blocks("README.md")):
        exec(compile(block, f"README.md[{k}]", "exec"), ns)
    gs = ns["gs"]
    assert ns["result"].converged
    assert abs(gs.solve(ns["g"], "lp").value) < 1e-12
    eig = gs.spectral.eigenvalues(ns["game"])                                 # bilinear: +-i s_j, s = (3, 1)
    assert np.allclose(np.sort(np.abs(eig.imag)), [1, 1, 3, 3]) and np.abs(eig.real).max() < 1e-12
    assert gs.spectral.spectral_radius(ns["game"], "extragradient", lr=0.1) < 1
    # "Compare solvers on your own game": GDA spirals out on a bilinear game, the optimistic methods converge
    assert {r.solver: r.status for r in ns["rows"]} == {"gda": "diverged", "ogda": "converged",
                                                        "extragradient": "converged"}
    assert "| my-game | ogda | converged |" in (tmp_path / "my-report" / "report.md").read_text()


def test_readme_compare_section_is_three_lines():
    """The section "Compare solvers on your own game" shows the comparison in three lines of Python."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Compare solvers on your own game", 1)[1].split("\n## ", 1)[0]
    blocks = [b for b in python_blocks("README.md") if b in section]
    assert len(blocks[-1].splitlines()) == 3 and "gs.compare(" in blocks[-1]
