"""Two CPU processes (gloo, DistributedDataParallel players) follow the 1-process run on the same global batch."""

import datetime
import os
import socket
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

import gamesolve as gs

STEPS, GLOBAL_BATCH, TIMEOUT = 6, 16, 120.0


def build(seed: int = 0):
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 2)).double()
    D = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1)).double()
    return G, D


def train(G, D, **kw):
    """Extra-Adam with an R1 penalty (double backward through the wrapped critic)."""
    game = gs.GANGame(G, D, gs.ring_of_gaussians(std=0.05, dtype=torch.float64), loss="non-saturating", latent=3,
                      batch_size=GLOBAL_BATCH, regularizer=gs.R1(1.0), seed=0, **kw)
    solver = gs.Extragradient(game, optimizers=lambda p: torch.optim.Adam(p, 1e-2, betas=(0.5, 0.9)))
    result = gs.solve(game, solver, steps=STEPS, progress=False)
    return game, result


def worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    if sys.platform.startswith("linux"):
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world, timeout=datetime.timedelta(seconds=60))
    try:
        G, D = build(seed=rank)              # different local inits: DDP broadcasts rank 0's weights
        game, result = train(DDP(G), DDP(D))
        assert game.world_size == world and game.rank == rank and game.draw().real.shape[0] == GLOBAL_BATCH // world
        torch.save({"params": [p.detach() for p in game.parameters()],
                    "loss_generator": result.trajectory["loss_generator"],
                    "grad_norm": result.trajectory["grad_norm"]}, os.path.join(out, f"rank{rank}.pt"))
        dist.barrier()                       # neither rank tears the group down while the other still uses it
        del game, result, G, D               # the DDP wrappers' gloo work goes before the group does
    finally:
        dist.destroy_process_group()
    # Leave without interpreter finalisation: gloo's worker threads may still be joinable then, and
    # std::terminate aborts the process ("terminate called without an active exception") after the work is done.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_two_processes(out: str) -> None:
    context = mp.start_processes(worker, args=(2, free_port(), out), nprocs=2, join=False, start_method="spawn")
    deadline = time.monotonic() + TIMEOUT
    try:
        while not context.join(timeout=1.0):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the 2-process run did not finish within {TIMEOUT:.0f} s")
    finally:
        for p in context.processes:
            if p.is_alive():
                p.kill()


def test_two_gloo_processes_match_one_process_on_the_same_global_batch(tmp_path):
    run_two_processes(str(tmp_path))
    G, D = build(seed=0)
    game, result = train(G, D)
    assert game.world_size == 1
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in (0, 1)]
    for r in ranks:
        for a, b in zip(r["params"], game.parameters()):
            assert torch.allclose(a, b.detach(), atol=1e-10, rtol=0)
        assert abs(r["loss_generator"] - result.trajectory["loss_generator"]).max() < 1e-10
        assert abs(r["grad_norm"] - result.trajectory["grad_norm"]).max() < 1e-10
    initial = build(seed=0)[0].parameters()
    moved = max(float((a.detach() - b.detach()).abs().max()) for a, b in zip(initial, game.parameters()))
    assert moved > 1e-3                      # the runs trained
