"""Response graphs of bimatrix games (networkx).

The nodes of a response graph are the pure profiles ``(i, j)``; an edge
leaves a profile for every profitable unilateral deviation: to ``(i', j)``
when the row player gains, ``A[i', j] > A[i, j]``, and to ``(i, j')`` when the
column player gains, ``B[i, j'] > B[i, j]``. The *best-response* graph keeps
only deviations to best responses, the *better-response* graph keeps them all.

- Pure Nash equilibria are the nodes without out-edges.
- *Sink equilibria* (Goemans, Mirrokni & Vetta 2005) are the strongly
  connected components no edge leaves: where best-response dynamics end up.
- A game is *transitive* when its better-response graph is acyclic (every
  improvement path ends at a pure equilibrium: the finite improvement property
  of potential games, Monderer & Shapley 1996) and *cyclic* otherwise (rock-
  paper-scissors, matching pennies).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from ..errors import InvalidParameterError

__all__ = ["response_graph", "sink_components", "is_transitive", "cycle_type"]


def response_graph(game: Any, kind: str = "best", tol: float = 1e-12) -> nx.DiGraph:
    """The ``"best"``- or ``"better"``-response graph of a
    :class:`~gamesolve.finite.MatrixGame` (see the module docstring). Each
    edge carries ``player`` (0 row, 1 column) and ``gain`` (the deviation's
    payoff gain); node ``(i, j)`` carries the payoffs ``(A[i, j], B[i, j])``."""
    if kind not in ("best", "better"):
        raise InvalidParameterError(f"kind must be 'best' or 'better', got {kind!r}")
    A, B = game.payoffs
    m, n = A.shape
    g = nx.DiGraph()
    for i in range(m):
        for j in range(n):
            g.add_node((i, j), payoffs=(float(A[i, j]), float(B[i, j])))
    for player, M in ((0, A), (1, B.T)):   # M[own, opponent]
        best = M.max(axis=0)
        for s in range(M.shape[0]):
            for t in range(M.shape[1]):
                for s2 in range(M.shape[0]):
                    gain = M[s2, t] - M[s, t]
                    if gain <= tol or (kind == "best" and M[s2, t] < best[t] - tol):
                        continue
                    source, target = ((s, t), (s2, t)) if player == 0 else ((t, s), (t, s2))
                    g.add_edge(source, target, player=player, gain=float(gain))
    return g


def sink_components(game_or_graph: Any) -> list[set[tuple[int, int]]]:
    """The strongly connected components that no edge leaves, of a response
    graph or of a game's best-response graph; singletons are pure Nash
    equilibria. Sorted by their smallest profile."""
    g = game_or_graph if isinstance(game_or_graph, nx.DiGraph) else response_graph(game_or_graph, "best")
    condensed = nx.condensation(g)
    sinks = [set(condensed.nodes[c]["members"]) for c in condensed.nodes if condensed.out_degree(c) == 0]
    return sorted(sinks, key=min)


def is_transitive(game: Any) -> bool:
    """Whether the better-response graph is acyclic (no improvement cycle)."""
    return nx.is_directed_acyclic_graph(response_graph(game, "better"))


def cycle_type(game: Any) -> str:
    """``"transitive"`` when no improvement cycle exists, else ``"cyclic"``."""
    return "transitive" if is_transitive(game) else "cyclic"

