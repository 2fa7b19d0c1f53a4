"""Exact finite-game solvers: definitions checked from scratch, against nashpy and against each other."""

import warnings

import nashpy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import gamesolve as gs
from gamesolve.solvers.enumeration import degeneracy_witness

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def bimatrix(draw, zero_sum=False, integer=None):
    """Random games of sizes 2..6: small integer payoffs (often degenerate) or floats (non-degenerate a.s.)."""
    m, n = draw(st.integers(2, 6)), draw(st.integers(2, 6))
    integer = draw(st.booleans()) if integer is None else integer
    if integer:
        A = draw(arrays(np.int64, (m, n), elements=st.integers(-4, 4))).tolist()
        B = None if zero_sum else draw(arrays(np.int64, (m, n), elements=st.integers(-4, 4))).tolist()
    else:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        A = rng.standard_normal((m, n)) * draw(st.sampled_from([1.0, 100.0]))
        B = None if zero_sum else rng.standard_normal((m, n))
    return gs.MatrixGame(A, B)


def _same_set(first, second, tol=1e-7):
    def contains(pool, eq):
        return any(np.abs(eq[0] - a).max() <= tol and np.abs(eq[1] - b).max() <= tol for a, b in pool)
    return len(first) == len(second) and all(contains(second, e) for e in first)


# --------------------------------------------------------------------------
# properties over random games
# --------------------------------------------------------------------------


@SETTINGS
@given(bimatrix())
def test_every_equilibrium_of_every_exact_solver_is_nash(game):
    for name in ("vertex-enumeration", "lemke-howson"):
        result = gs.solve(game, name)
        assert result.equilibria and result.strategies is result.equilibria[0]
        for eq in result.equilibria:
            assert game.is_nash(eq, tol=1e-9), (name, eq, game.regrets(*eq))
        # the reported exploitability is the largest one, recomputed from the payoffs
        assert result.trajectory["exploitability"][0] == pytest.approx(
            max(game.exploitability(*eq) for eq in result.equilibria), abs=1e-15)
    try:
        result = gs.solve(game, "support-enumeration")
    except gs.DegenerateGameError:
        return
    assert all(game.is_nash(eq, tol=1e-9) for eq in result.equilibria)


@SETTINGS
@given(bimatrix())
def test_support_enumeration_equals_vertex_enumeration_or_refuses_with_a_valid_witness(game):
    vertices = gs.solve(game, "vertex-enumeration").equilibria
    try:
        support = gs.solve(game, "support-enumeration").equilibria
    except gs.DegenerateGameError as err:
        player, strategy, responses = err.witness
        # the witness, checked from scratch: support size k, more than k pure best responses
        k = len(gs.MatrixGame.support(strategy))
        best = game.best_responses(player=1 - player, opponent=strategy, tol=1e-9)
        assert len(best) > k and set(responses) <= set(best)
        return
    assert degeneracy_witness(game) is None
    assert _same_set(support, vertices)
    assert len(support) % 2 == 1      # a non-degenerate game has an odd number of equilibria


@SETTINGS
@given(bimatrix(integer=False))
def test_float_games_are_non_degenerate_and_lemke_howson_finds_some_of_the_equilibria(game):
    assert degeneracy_witness(game) is None
    everything = gs.solve(game, "support-enumeration").equilibria
    lh = gs.solve(game, "lemke-howson")
    for eq in lh.equilibria:
        assert _same_set([eq], [e for e in everything if np.abs(e[0] - eq[0]).max() < 1e-7])
    assert set(lh.extras["by_label"]) == set(range(sum(game.shape)))


@SETTINGS
@given(bimatrix(zero_sum=True))
def test_lp_value_equals_nashpys(game):
    result = gs.solve(game, "lp")
    x, y = result.strategies
    assert game.is_nash((x, y), tol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xn, yn = nashpy.Game(game.A).linear_program()
    # nashpy's strategies bracket the value: min_j (x^T A)_j <= v <= max_i (A y)_i
    lower, upper = float((xn @ game.A).min()), float((game.A @ yn).max())
    assert lower - 1e-7 <= result.value <= upper + 1e-7
    assert upper - lower < 1e-6
    assert result.value == pytest.approx(float(x @ game.A @ y), abs=1e-9)


@SETTINGS
@given(bimatrix(integer=True))
def test_extreme_equilibria_of_integer_games_are_exact_rationals(game):
    for x, y in gs.solve(game, "vertex-enumeration").equilibria:
        exact = gs.exact_equilibrium(game, (x, y))
        assert exact is not None
        assert np.allclose([float(v) for v in exact[0]], x, atol=1e-9)
        assert np.allclose([float(v) for v in exact[1]], y, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(bimatrix())
def test_correlated_equilibria_satisfy_their_constraints_and_dominate_nash_welfare(game):
    ce = gs.solve(game, "correlated-equilibrium")
    cce = gs.solve(game, "coarse-correlated-equilibrium")
    p, q = ce.extras["distribution"], cce.extras["distribution"]
    scale = max(1.0, float(np.abs(game.A).max()), float(np.abs(game.B).max()))
    assert game.correlated_regrets(p).max() <= 1e-6 * scale
    assert game.correlated_regrets(q, coarse=True).max() <= 1e-6 * scale
    welfare = game.A + game.B
    assert ce.value == pytest.approx(float((welfare * p).sum()), abs=1e-9)
    # every Nash equilibrium is a correlated equilibrium, every CE a coarse one
    for x, y in gs.solve(game, "vertex-enumeration").equilibria:
        assert ce.value >= float(x @ welfare @ y) - 1e-6 * scale
    assert cce.value >= ce.value - 1e-6 * scale
    np.testing.assert_allclose(ce.strategies[0], p.sum(axis=1))


# --------------------------------------------------------------------------
# nashpy's documented games
# --------------------------------------------------------------------------


def test_rock_paper_scissors_has_the_uniform_equilibrium_only():
    game = gs.MatrixGame([[0, -1, 1], [1, 0, -1], [-1, 1, 0]])
    for name in ("lp", "support-enumeration", "vertex-enumeration", "lemke-howson"):
        result = gs.solve(game, name)
        assert len(result.equilibria) == 1
        np.testing.assert_allclose(result.strategies[0], [1 / 3] * 3, atol=1e-12)
        np.testing.assert_allclose(result.strategies[1], [1 / 3] * 3, atol=1e-12)
        assert result.value == pytest.approx(0.0, abs=1e-12)


def test_matching_pennies():
    game = gs.MatrixGame([[1, -1], [-1, 1]])
    for name in ("lp", "support-enumeration", "vertex-enumeration"):
        (x, y), = gs.solve(game, name).equilibria
        np.testing.assert_allclose(np.r_[x, y], 0.5, atol=1e-12)


def test_battle_of_the_sexes_has_three_equilibria():
    game = gs.MatrixGame([[3, 1], [0, 2]], [[2, 1], [0, 3]])
    expected = [(np.array([1.0, 0.0]), np.array([1.0, 0.0])), (np.array([0.0, 1.0]), np.array([0.0, 1.0])),
                (np.array([0.75, 0.25]), np.array([0.25, 0.75]))]
    for name in ("support-enumeration", "vertex-enumeration"):
        assert _same_set(gs.solve(game, name).equilibria, expected, tol=1e-12)
    lh = gs.solve(game, "lemke-howson")   # the mixed equilibrium is not reachable from the artificial one
    assert _same_set(lh.equilibria, expected[:2], tol=1e-12)
    assert {gs.solve(game, "lemke-howson", label=k).strategies[0][0] for k in range(4)} == {0.0, 1.0}


def test_nashpys_degenerate_game_is_refused_by_support_enumeration_and_solved_by_vertex_enumeration():
    game = gs.MatrixGame([[0, -1, 1], [-1, 0, 1], [-1, 0, 1]])
    with pytest.raises(gs.DegenerateGameError, match="vertex-enumeration") as info:
        gs.solve(game, "support-enumeration")
    assert "degenerate" in str(info.value)
    # the extreme points of the segment of equilibria x in [(1/2, 1/2, 0), (1/2, 0, 1/2)], y = (1/2, 1/2, 0)
    expected = [(np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.5, 0.0])),
                (np.array([0.5, 0.0, 0.5]), np.array([0.5, 0.5, 0.0]))]
    assert _same_set(gs.solve(game, "vertex-enumeration").equilibria, expected, tol=1e-12)
    for eq in gs.solve(game, "lemke-howson").equilibria:      # nashpy's Lemke-Howson returns nan here
        assert game.is_nash(eq)
    midpoint = (np.array([0.5, 0.25, 0.25]), np.array([0.5, 0.5, 0.0]))
    assert game.is_nash(midpoint)                             # the whole segment is in equilibrium


def test_continuum_of_equilibria_from_nashpy_issue_222():
    game = gs.MatrixGame([[-3, 3], [-3, 5]], [[2, 7], [4, 2]])
    expected = [(np.array([0.0, 1.0]), np.array([1.0, 0.0])), (np.array([2 / 7, 5 / 7]), np.array([1.0, 0.0]))]
    assert _same_set(gs.solve(game, "vertex-enumeration").equilibria, expected, tol=1e-12)
    with pytest.raises(gs.DegenerateGameError):
        gs.solve(game, "support-enumeration")


def test_lemke_howson_on_a_degenerate_game_follows_the_lexicographic_rule_to_an_equilibrium():
    # every pure strategy of both players ties somewhere: the plain minimum-ratio test has ties at the start
    game = gs.MatrixGame([[1, 1, 0], [1, 0, 1], [0, 1, 1]], [[1, 1, 0], [1, 0, 1], [0, 1, 1]])
    result = gs.solve(game, "lemke-howson")
    assert all(game.is_nash(eq, tol=1e-12) for eq in result.equilibria)
    assert sum(result.extras["pivots"].values()) >= 6


# --------------------------------------------------------------------------
# errors and solver plumbing
# --------------------------------------------------------------------------


def test_lp_needs_a_zero_sum_game_and_accepts_constant_sum():
    with pytest.raises(gs.IncompatibleSolverError, match="lp needs zero-sum"):
        gs.solve(gs.MatrixGame([[3, 1], [0, 2]], [[2, 1], [0, 3]]), "lp")
    constant = gs.MatrixGame([[2, 0], [0, 2]], [[0, 2], [2, 0]])   # A + B = 2
    assert constant.zero_sum
    result = gs.solve(constant, "lp")
    assert result.value == pytest.approx(1.0) and constant.is_nash(result.strategies)


def test_exact_solvers_refuse_differentiable_games_and_bad_parameters():
    x, y = gs.Player("x", [0.5, 0.5], domain=gs.Simplex()), gs.Player("y", [0.5, 0.5], domain=gs.Simplex())
    game = gs.ZeroSumGame(lambda x, y: x @ y, x, y)
    with pytest.raises(gs.IncompatibleSolverError, match="payoffs"):
        gs.solve(game, "vertex-enumeration")
    rps = gs.MatrixGame([[0, -1, 1], [1, 0, -1], [-1, 1, 0]])
    with pytest.raises(gs.InvalidParameterError, match="label"):
        gs.solve(rps, "lemke-howson", label=6)
    with pytest.raises(gs.InvalidParameterError, match="objective"):
        gs.solve(rps, "correlated-equilibrium", objective="fairness")


def test_one_shot_solvers_leave_the_game_at_the_first_equilibrium():
    game = gs.MatrixGame([[3, 1], [0, 2]], [[2, 1], [0, 3]])
    result = gs.solve(game, "vertex-enumeration")
    x, y = game.current_strategies()
    np.testing.assert_array_equal(x, result.strategies[0])
    np.testing.assert_array_equal(y, result.strategies[1])
    assert result.extras["payoffs"][0].tolist() == [3.0, 2.0]


def test_correlated_equilibrium_beats_nash_welfare_in_aumanns_chicken():
    # Aumann (1974): (swerve, swerve) pays 6 each, the one going straight against a swerver gets 7 (the
    # swerver 2), a crash pays 0. The welfare-maximising CE puts 1/2 on (swerve, swerve), 1/4 on each
    # asymmetric profile: welfare 10.5 against at most 9 1/3 at a Nash equilibrium.
    game = gs.MatrixGame([[6, 2], [7, 0]], [[6, 7], [2, 0]])
    ce = gs.solve(game, "correlated-equilibrium")
    assert ce.value == pytest.approx(10.5, abs=1e-6)
    np.testing.assert_allclose(ce.extras["distribution"], [[0.5, 0.25], [0.25, 0.0]], atol=1e-6)
    nash_welfare = [float(x @ (game.A + game.B) @ y) for x, y in gs.solve(game, "vertex-enumeration").equilibria]
    assert max(nash_welfare) == pytest.approx(28 / 3)
    # a user objective: the row player's payoff; its best CE gives it 7 (its favourite pure equilibrium)
    assert gs.solve(game, "correlated-equilibrium", objective=game.A).value == pytest.approx(7.0, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(bimatrix(integer=False), st.sampled_from([1e-4, 1e4]), st.floats(-100, 100))
def test_equilibria_do_not_change_under_positive_affine_maps_of_the_payoffs(game, scale, shift):
    mapped = gs.MatrixGame(scale * game.A + shift, scale * game.B - shift)
    for name in ("support-enumeration", "vertex-enumeration", "lemke-howson"):
        assert _same_set(gs.solve(game, name).equilibria, gs.solve(mapped, name).equilibria)


def test_support_and_vertex_enumeration_agree_on_larger_supports():
    # 9 x 9: equilibria with supports of size 5 and more, where the indifference systems are 6 x 6 and up
    rng = np.random.default_rng(11)
    game = gs.MatrixGame(rng.standard_normal((9, 9)), rng.standard_normal((9, 9)))
    support = gs.solve(game, "support-enumeration").equilibria
    assert _same_set(support, gs.solve(game, "vertex-enumeration").equilibria)
    assert max(len(gs.MatrixGame.support(x)) for x, _ in support) >= 5
