"""Certified exact finite solvers, checked against a plainly written exact reference
(tests/_exact_reference.py: support enumeration in Fractions over all supports)."""

from fractions import Fraction

import numpy as np
import pytest
from _exact_reference import extreme_equilibria
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gamesolve as gs
from gamesolve.exact import exact_regrets, integer_matrix
from gamesolve.game_registry import make_game

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def hard_games(draw, max_size=6):
    """Small integer payoffs in {0, 1, 2}, often degenerate, given as ints, or each perturbed by
    1e-6 or 1e-8 Gaussian noise (near-degenerate floats); sizes 2..max_size."""
    m, n = draw(st.integers(2, max_size)), draw(st.integers(2, max_size))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A, B = rng.integers(0, 3, (m, n)), rng.integers(0, 3, (m, n))
    noise = draw(st.sampled_from([0.0, 1e-6, 1e-8]))
    if noise == 0.0:
        return A.tolist(), B.tolist()
    return A + noise * rng.standard_normal((m, n)), B + noise * rng.standard_normal((m, n))


def _exact(A):
    return [[Fraction(v) for v in row] for row in (A.tolist() if isinstance(A, np.ndarray) else A)]


def _as_set(equilibria):
    return {(tuple(eq.exact[0]), tuple(eq.exact[1])) for eq in equilibria}


def _assert_certified(game, equilibria):
    """Every equilibrium carries its exact form, and its exact regret, recomputed here from the
    exact payoffs, is 0."""
    A, B = _exact(game.exact_payoffs()[0]), _exact(game.exact_payoffs()[1])
    for eq in equilibria:
        assert eq.certified and eq.regret == 0
        x, y = eq.exact
        assert min(x) >= 0 and min(y) >= 0 and sum(x) == 1 and sum(y) == 1
        ay = [sum(a * q for a, q in zip(row, y)) for row in A]
        bx = [sum(B[i][j] * p for i, p in enumerate(x)) for j in range(len(y))]
        assert max(ay) == sum(p * v for p, v in zip(x, ay)) and max(bx) == sum(q * v for q, v in zip(y, bx))
        np.testing.assert_array_equal(eq.x, [float(v) for v in x])


@SETTINGS
@given(hard_games(), st.sampled_from([None, True, False]))
def test_vertex_enumeration_returns_exactly_the_extreme_equilibria(payoffs, exact):
    game = gs.MatrixGame(*payoffs)
    result = gs.solve(game, gs.make_solver("vertex-enumeration", game, exact=exact))
    reference = extreme_equilibria(_exact(payoffs[0]), _exact(payoffs[1]))
    assert result.certified
    _assert_certified(game, result.equilibria)
    assert len(result.equilibria) == len(reference) and _as_set(result.equilibria) == reference


@SETTINGS
@given(hard_games())
def test_lemke_howson_ends_only_at_exact_extreme_equilibria(payoffs):
    game = gs.MatrixGame(*payoffs)
    result = gs.solve(game, "lemke-howson")
    assert result.certified
    _assert_certified(game, result.equilibria)
    assert _as_set(result.equilibria) <= extreme_equilibria(_exact(payoffs[0]), _exact(payoffs[1]))


@SETTINGS
@given(hard_games())
def test_support_enumeration_equals_the_reference_or_proves_the_game_degenerate(payoffs):
    game = gs.MatrixGame(*payoffs)
    try:
        result = gs.solve(game, "support-enumeration")
    except gs.DegenerateGameError as err:
        player, strategy, responses = err.witness
        k = int((strategy > 0).sum())
        assert len(responses) > k
        assert set(responses) <= set(game.best_responses(player=1 - player, opponent=strategy, tol=1e-12))
        return
    assert result.certified
    _assert_certified(game, result.equilibria)
    assert _as_set(result.equilibria) == extreme_equilibria(_exact(payoffs[0]), _exact(payoffs[1]))
    assert len(result.equilibria) % 2 == 1


def test_200_near_degenerate_games_have_no_uncertified_and_no_missing_equilibrium():
    """The issue's must-show: payoffs in {0, 1, 2} plus 1e-6 or 1e-8 Gaussian noise, sizes 2..5, against
    the plain reference; Lemke-Howson's ends are among the reference's equilibria."""
    rng = np.random.default_rng(2026)
    uncertified = missing = extra = 0
    for k in range(200):
        m, n = (int(v) for v in rng.integers(2, 6, 2))
        noise = (1e-6, 1e-8)[k % 2]
        A = rng.integers(0, 3, (m, n)) + noise * rng.standard_normal((m, n))
        B = rng.integers(0, 3, (m, n)) + noise * rng.standard_normal((m, n))
        game = gs.MatrixGame(A, B)
        reference = extreme_equilibria(_exact(A), _exact(B))
        found = gs.solve(game, "vertex-enumeration").equilibria
        uncertified += sum(not eq.certified for eq in found)
        missing += len(reference - _as_set(found))
        extra += len(_as_set(found) - reference) + len(found) - len(_as_set(found))
        ends = gs.solve(game, "lemke-howson").equilibria
        uncertified += sum(not eq.certified for eq in ends)
        extra += len(_as_set(ends) - reference)
    assert (uncertified, missing, extra) == (0, 0, 0)


def test_von_stengels_game_has_75_certified_equilibria_with_the_fully_mixed_one():
    game = make_game("von-stengel-75")
    floats = gs.MatrixGame(game.A, game.B)           # the same game given as floats: verified float pivoting
    mixed = tuple(Fraction(k, 245) for k in (132, 66, 30, 12, 4, 1))
    for g, name in ((game, "vertex-enumeration"), (floats, "vertex-enumeration"), (game, "support-enumeration")):
        result = gs.solve(g, name)
        assert len(result.equilibria) == 75 and result.certified
        assert mixed in {tuple(eq.exact[0]) for eq in result.equilibria}
    _assert_certified(game, result.equilibria)
    assert _as_set(gs.solve(floats, "vertex-enumeration").equilibria) == _as_set(result.equilibria)


def test_certify_recovers_an_exact_equilibrium_and_marks_a_wrong_point_approximate():
    bos = gs.MatrixGame([[3, 1], [0, 2]], [[2, 1], [0, 3]])
    eq = gs.certify(bos, np.array([0.75 + 1e-12, 0.25 - 1e-12]), np.array([0.25, 0.75]))
    assert eq.certified and eq.exact == ([Fraction(3, 4), Fraction(1, 4)], [Fraction(1, 4), Fraction(3, 4)])
    wrong = gs.certify(bos, np.array([0.7, 0.3]), np.array([0.25, 0.75]))
    assert not wrong.certified and wrong.exact is None
    assert wrong.regret == pytest.approx(float(bos.regrets([0.7, 0.3], [0.25, 0.75]).max()))
    assert "approximate" in repr(wrong) and "certified" in repr(eq)


def test_exact_regret_of_floats_is_the_regret_of_the_binary_rationals_they_are():
    # 0.1 is not 1/10: the pure profile ((1, 0), (1, 0)) of A = [[0.1, 0], [0.3 - 0.2, 0]] has an exact regret
    A = np.array([[0.1, 0.0], [0.3 - 0.2, 0.0]])     # 0.3 - 0.2 = 0.09999999999999998 < 0.1
    A_int, scale = integer_matrix(A)
    row, col = exact_regrets(A_int, [[0, 0], [0, 0]], [Fraction(0), Fraction(1)], [Fraction(1), Fraction(0)], scale)
    assert row == Fraction(0.1) - Fraction(0.3 - 0.2) > 0 and col == 0
    game = gs.MatrixGame(A, np.zeros((2, 2)))
    assert all(eq.exact[0] != [0, 1] or eq.exact[1] != [1, 0] for eq in gs.solve(game, "vertex-enumeration").equilibria)


def test_games_read_exactly_are_solved_in_rationals_and_say_so():
    third = gs.MatrixGame([[Fraction(1, 3), 0], [0, Fraction(2, 3)]], [[Fraction(2, 3), 0], [0, Fraction(1, 3)]])
    assert third.exact_given
    result = gs.solve(third, "vertex-enumeration")
    assert "rational pivoting" in result.reason and result.certified
    assert ([Fraction(1, 3), Fraction(2, 3)], [Fraction(2, 3), Fraction(1, 3)]) in [eq.exact for eq in result.equilibria]
    floats = gs.MatrixGame(np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([[2.0, 0.0], [0.0, 1.0]]))
    assert "verified float pivoting" in gs.solve(floats, "vertex-enumeration").reason
    assert "rational pivoting" in gs.solve(floats, gs.make_solver("vertex-enumeration", floats, exact=True)).reason
