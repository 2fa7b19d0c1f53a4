"""The snippets of docs/gans.md run as written (the logging one needs tensorboard and 20,000 steps;
the DDP pattern of the last one is tested on two processes in test_gan_distributed)."""

import torch

from tests._markdown import python_blocks

DOC = "docs/gans.md"


def test_the_guide_snippet_runs(capsys):
    scope = {}
    exec(compile(python_blocks(DOC)[0], DOC, "exec"), scope)
    coverage = scope["coverage"]
    assert scope["result"].steps == 200 and 0 <= coverage["modes"] <= 8
    assert capsys.readouterr().out.count("\n") == 2


def test_the_solver_and_evaluation_snippets_run_on_the_guide_game():
    blocks = python_blocks(DOC)
    scope = {}
    exec(compile(blocks[0], str(DOC), "exec"), scope)
    before = [p.clone() for p in scope["game"].parameters()]
    exec(compile(blocks[1], str(DOC), "exec"), scope)          # the solver menu, and one run by name
    assert any(not torch.equal(a, b) for a, b in zip(before, scope["game"].parameters()))
    scope["other_D_module"] = scope["game"].networks()[1]
    exec(compile(blocks[2], str(DOC), "exec"), scope)          # evaluating on a fixed batch
    G, D = scope["G"], scope["D"]
    assert isinstance(G, torch.nn.Module) and isinstance(D, torch.nn.Module)
    game, batch = scope["game"], scope["batch"]
    assert torch.equal(game.losses_at(batch=batch)[0], game.losses_at(batch=batch)[0])   # the batch is fixed
