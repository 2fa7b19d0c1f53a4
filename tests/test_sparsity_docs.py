"""The snippets of docs/sparsity.md run as written and do what the guide says."""

import torch

from gamesolve.addons.pruning import sparsity
from tests._markdown import python_blocks

BLOCKS = python_blocks("docs/sparsity.md")


def _run(k: int) -> dict:
    ns: dict = {}
    exec(compile(BLOCKS[k], f"sparsity.md[{k}]", "exec"), ns)
    return ns


def test_the_guide_has_the_four_snippets_tested_here():
    assert len(BLOCKS) == 4


def test_controlled_sparsity_snippet_lands_on_its_target():
    ns = _run(0)
    assert abs(float(ns["deterministic_density"](ns["model"])) - 0.4) <= 0.02   # "0.4 up to a point or two"


def test_disparate_impact_snippet_keeps_the_pruned_network_sparse():
    ns = _run(1)
    weights = [p for p in ns["player"].params if p.dim() > 1]
    zeros = sum(int((p == 0).sum()) for p in weights) / sum(p.numel() for p in weights)
    assert zeros >= 0.9 - 1e-3                      # fine-tuning kept the 90% pruned weights at zero
    psi = ns["disparities"](ns["logits"](ns["player"].module, ns["test"].X), ns["logits"](ns["dense"], ns["test"].X),
                            ns["test"].y, ns["test"].groups, 10)
    assert psi.shape == (10,) and bool(torch.isfinite(psi).all())


def test_l0onie_snippet_meets_its_rate_at_a_useful_quality():
    ns = _run(2)
    siren, coords, colours, h, w = ns["siren"], ns["coords"], ns["colours"], ns["h"], ns["w"]
    assert float(ns["bits_per_pixel"](siren, h * w, deterministic=True)) <= 4.0
    mean_colour = colours.mean(0).expand_as(colours)
    assert ns["psnr"](siren(coords).clamp(0, 1), colours) > ns["psnr"](mean_colour, colours) + 5   # dB


def test_lottery_ticket_snippet_prunes_half_then_three_quarters():
    ns = _run(3)
    game, ticket = ns["game"], ns["ticket"]
    assert {game.players[i].name: round(sparsity(m), 3) for i, m in ticket.masks.items()} == {
        "generator": 0.75, "discriminator": 0.75}
    assert ns["bird"].step is None or 0 < ns["bird"].step <= 60
