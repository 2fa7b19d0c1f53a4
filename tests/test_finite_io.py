"""Gambit .nfg files (both formats) and nashpy interop."""

import sys
import time
from fractions import Fraction

import nashpy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gamesolve as gs
from gamesolve.io import format_nfg, parse_nfg

# Gambit's documentation example e02.nfg, in both formats
PAYOFF = '''NFG 1 R "Selten (IJGT, 75), Figure 2, normal form"
{ "Player 1" "Player 2" } { 3 2 }

1 1 0 2 0 2 1 1 0 3 2 0
'''
OUTCOME = '''NFG 1 R "Selten (IJGT, 75), Figure 2, normal form" { "Player 1" "Player 2" }

{
{ "1" "2" "3" }
{ "1" "2" }
}
""

{
{ "" 1, 1 }
{ "" 0, 2 }
{ "" 0, 2 }
{ "" 1, 1 }
{ "" 0, 3 }
{ "" 2, 0 }
}
1 2 3 4 5 6
'''


def test_both_formats_of_gambits_example_give_the_same_game(tmp_path):
    path = tmp_path / "e02.nfg"
    path.write_text(PAYOFF)
    game = gs.read_nfg(path)
    other = parse_nfg(OUTCOME)
    # profiles are listed with the first player's strategy varying fastest
    assert game.A.tolist() == [[1, 1], [0, 0], [0, 2]] and game.B.tolist() == [[1, 1], [2, 3], [2, 0]]
    assert np.array_equal(game.A, other.A) and np.array_equal(game.B, other.B)
    assert game.name == "Selten (IJGT, 75), Figure 2, normal form"
    assert game.player_labels == ("Player 1", "Player 2") and other.strategy_labels == (["1", "2", "3"], ["1", "2"])


def test_numbers_labels_and_the_null_outcome():
    text = r'''NFG 1 D "with \"quotes\"" { "Row" "Col" } { { "U" "D" } { "L" "R" } } "a comment"
{ { "o1" 3/2 -2.5e1 } { "o2" .5, +4 } }
1 0 2 1'''
    game = parse_nfg(text)
    A, B = game.exact_payoffs()
    assert A == [[Fraction(3, 2), Fraction(1, 2)], [0, Fraction(3, 2)]]
    assert B == [[-25, 4], [0, -25]]
    assert game.name == 'with "quotes"' and game.strategy_labels == (["U", "D"], ["L", "R"])


@pytest.mark.parametrize("text, line, column, needle", [
    ("EFG 2 R \"x\" { \"a\" \"b\" }", 1, 1, "expected 'NFG'"),
    ("NFG 2 R \"x\" { \"a\" \"b\" } { 1 1 } 1 1", 1, 5, "version 1"),
    ("NFG 1 R \"x\" { \"a\" \"b\" \"c\" } { 1 1 1 } 1 1 1", 1, 13, "3 players"),
    ("NFG 1 R \"x\" { \"a\" } { 1 } 1", 1, 13, "1 player;"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 2 2 }\n1 2 3 4\n5 6 7", 2, 1, "needs 8 payoffs"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 1 1 }\n1 2 3", 2, 5, "end of the file"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 1 1 }\n1 abc", 2, 3, "found symbol 'abc'"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 1 1 }\n1 2x", 2, 3, "'2x' is not a number"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 0 1 } 1 1", 1, 27, "positive integer"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 1000000000 1 } 1 1", 1, 27, "strategies but only"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 1 1 } 1/0 1", 1, 33, "not a valid number"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 1 1 } 1e999 1", 1, 33, "too large"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { { \"u\" } { \"l\" } } { { \"\" 1 2 } } 2", 1, 60, "not in 0..1"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { { \"u\" } { \"l\" } } { { \"\" 1 } } 1", 1, 54, "payoff 2 of outcome 1"),
    ("NFG 1 R \"x\" { \"a\" \"b }", 1, 19, "unterminated label"),
])
def test_malformed_files_give_line_and_column(text, line, column, needle):
    with pytest.raises(gs.NfgParseError) as info:
        parse_nfg(text, "bad.nfg")
    err = info.value
    assert isinstance(err, gs.GameError)
    assert needle in str(err) and str(err).startswith(f"bad.nfg:{line}:{column}:")
    assert (err.line, err.column) == (line, column)


@pytest.mark.parametrize("text, line, column, needle", [
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 1e100000000 1 } 1 1", 1, 27, "exponent 100000000 is out of range"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 1 1 }\n1e100000000 1", 2, 1, "exponent 100000000 is out of range"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 1 1 }\n1 -3e-100000000", 2, 3, "out of range"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { 1 1 }\n1 " + "7" * 5000, 2, 3, "limited to 1000"),
    ("NFG 1 R \"x\" { \"a\" \"b\" } { { \"u\" } { \"l\" } } { { \"\" 1 2e9999999 } } 1", 1, 54, "exponent 9999999 is out of range"),
])
def test_huge_numbers_are_refused_before_conversion_and_at_once(text, line, column, needle):
    start = time.perf_counter()
    with pytest.raises(gs.NfgParseError) as info:
        parse_nfg(text, "big.nfg")
    assert time.perf_counter() - start < 1.0
    assert needle in str(info.value) and (info.value.line, info.value.column) == (line, column)


def test_games_with_more_than_ten_million_profiles_are_refused_at_the_strategy_counts():
    labels = " ".join(['"s"'] * 4000)
    text = f'NFG 1 R "x" {{ "a" "b" }}\n{{ {{ {labels} }} {{ {labels} }} }}\n' + "0 " * 10
    with pytest.raises(gs.NfgParseError, match=r"16000000 profiles; gamesolve reads games of at most 1e\+07") as info:
        parse_nfg(text)
    assert (info.value.line, info.value.column) == (2, 1)


def test_numbers_within_the_limits_keep_their_exact_value():
    game = parse_nfg("NFG 1 R \"x\" { \"a\" \"b\" } { 1 1 } 1e300 -25e-1000")
    assert game.exact_payoffs()[0][0][0] == Fraction(10) ** 300
    assert game.exact_payoffs()[1][0][0] == Fraction(-25, 10**1000)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mangled_files_either_parse_or_raise_nfg_parse_error(data):
    text = data.draw(st.sampled_from([PAYOFF, OUTCOME]))
    for _ in range(data.draw(st.integers(1, 4))):
        k = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        piece = data.draw(st.sampled_from(list('{}",0123456789-./eE xR\n\\') + ["NFG", "1e999", "99999999"]))
        if action == "delete":
            text = text[:k] + text[k + 3:]
        elif action == "insert":
            text = text[:k] + piece + text[k:]
        else:
            text = text[:k] + piece + text[k + len(piece):]
    try:
        game = parse_nfg(text)
    except gs.NfgParseError as err:
        assert err.line >= 1 and err.column >= 1
        assert len(str(err).splitlines()) == 1
    else:
        assert isinstance(game, gs.MatrixGame)


@st.composite
def games(draw):
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    exact = draw(st.booleans())
    if exact:
        value = st.fractions(min_value=-20, max_value=20, max_denominator=12)
        A = [[draw(value) for _ in range(n)] for _ in range(m)]
        B = [[draw(value) for _ in range(n)] for _ in range(m)]
    else:
        value = st.floats(-1e6, 1e6, allow_nan=False)
        A = np.array([[draw(value) for _ in range(n)] for _ in range(m)])
        B = np.array([[draw(value) for _ in range(n)] for _ in range(m)])
    label = st.text(st.characters(codec="ascii", exclude_characters='\\"\0'), max_size=6)
    labels = ([draw(label) for _ in range(m)], [draw(label) for _ in range(n)])
    return gs.MatrixGame(A, B, name=draw(label) or None, strategy_labels=labels,
                         player_labels=(draw(label), draw(label)))


@settings(max_examples=100, deadline=None)
@given(games(), st.sampled_from(["payoff", "outcome"]))
def test_write_then_read_gives_the_same_game(tmp_path_factory, game, fmt):
    path = tmp_path_factory.mktemp("nfg") / "game.nfg"
    gs.write_nfg(game, path, format=fmt)
    back = gs.read_nfg(path)
    assert np.array_equal(back.A, game.A) and np.array_equal(back.B, game.B)
    assert back.exact_payoffs() == game.exact_payoffs() or game._exact is None
    assert back.strategy_labels == game.strategy_labels and back.player_labels == game.player_labels
    assert back.name == game.name
    assert format_nfg(back, fmt) == format_nfg(game, fmt) or game._exact is None


def test_a_quote_inside_a_label_round_trips():
    game = gs.MatrixGame([[1]], strategy_labels=(['say "hi"'], ["x"]))
    assert parse_nfg(format_nfg(game)).strategy_labels == (['say "hi"'], ["x"])


def test_nashpy_interop():
    bos = nashpy.Game(np.array([[3, 1], [0, 2]]), np.array([[2, 1], [0, 3]]))
    game = gs.from_nashpy(bos, name="bos")
    assert game.name == "bos" and not game.zero_sum and game.B.tolist() == [[2, 1], [0, 3]]
    back = gs.to_nashpy(game)
    assert np.array_equal(back.payoff_matrices[0], bos.payoff_matrices[0])
    assert gs.from_nashpy(nashpy.Game(np.array([[1, -1], [-1, 1]]))).zero_sum


def test_nashpy_interop_without_nashpy_names_the_extra(monkeypatch):
    bos = nashpy.Game(np.array([[3, 1], [0, 2]]), np.array([[2, 1], [0, 3]]))
    monkeypatch.setitem(sys.modules, "nashpy", None)     # as if not installed: `import nashpy` raises ImportError
    for convert, arg in ((gs.from_nashpy, bos), (gs.to_nashpy, gs.MatrixGame([[1, -1], [-1, 1]]))):
        with pytest.raises(gs.MissingDependencyError, match=r'pip install "gamesolve\[interop\]"'):
            convert(arg)
