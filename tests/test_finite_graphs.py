"""Response graphs: pure equilibria are sinks, cyclic vs transitive games."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import gamesolve as gs
from gamesolve.analysis.graphs import cycle_type, is_transitive, response_graph, sink_components

RPS = gs.MatrixGame([[0, -1, 1], [1, 0, -1], [-1, 1, 0]])


def test_rock_paper_scissors_is_one_cycle_and_the_prisoners_dilemma_is_transitive():
    g = response_graph(RPS)
    assert cycle_type(RPS) == "cyclic"
    assert sink_components(g) == [{(i, j) for i in range(3) for j in range(3) if i != j}]
    assert g.out_degree((0, 0)) == 2             # both players want to leave a tie
    pd = gs.MatrixGame([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    assert is_transitive(pd) and sink_components(pd) == [{(1, 1)}]
    edge = response_graph(pd).edges[(0, 0), (1, 0)]
    assert edge == {"player": 0, "gain": 2.0}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 5))
def test_pure_equilibria_are_exactly_the_nodes_without_out_edges(seed, m, n):
    rng = np.random.default_rng(seed)
    game = gs.MatrixGame(rng.integers(-3, 4, (m, n)), rng.integers(-3, 4, (m, n)))
    for kind in ("best", "better"):
        g = response_graph(game, kind)
        assert sorted(v for v in g if g.out_degree(v) == 0) == game.pure_equilibria()
        for (i, j), (k, l), data in g.edges(data=True):
            assert (i == k) != (j == l) and data["gain"] > 0          # unilateral and profitable
    # every sink component of the best-response graph that is a single node is a pure equilibrium
    for sink in sink_components(game):
        if len(sink) == 1:
            assert game.is_nash(next(iter(sink)))
    # a game whose payoffs share a potential (identical interests) has no improvement cycle
    assert is_transitive(gs.MatrixGame(game.A, game.A))
