"""Reading and writing games: Gambit ``.nfg`` files and nashpy games (nashpy
is optional: ``pip install "gamesolve[interop]"``).

Gambit's strategic-form format (version 1) comes in two flavours, both read
and written here (see Gambit's documentation, "Game representation formats"):

- *payoff*: after the prologue (``NFG 1 R "title" { "P1" "P2" }``, then the
  strategy counts ``{ 3 2 }`` or labels ``{ { "a" "b" "c" } { "x" "y" } }`` and an
  optional comment) a flat list of payoffs, each profile's payoffs in player
  order, the first player's strategy varying fastest;
- *outcome*: a list of outcomes ``{ "name" p1, p2 }`` followed by one outcome
  index per profile (0 is the null outcome, all payoffs zero).

Payoffs may be integers, decimals (``1.5``, ``2e-3``) or rationals (``3/2``);
they are kept exactly (as :class:`fractions.Fraction`) in the game, see
:meth:`MatrixGame.exact_payoffs`. A malformed file raises
:class:`~gamesolve.errors.NfgParseError` with the line and column of the
offending token; games with other than two players are refused the same way.
"""

from __future__ import annotations

import os
import re
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

from .errors import MissingDependencyError, NfgParseError
from .finite import MatrixGame

__all__ = ["read_nfg", "parse_nfg", "write_nfg", "format_nfg", "from_nashpy", "to_nashpy"]

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?(?:/\d+)?")
MAX_NUMBER_CHARS = 1000      # longest number read; longer ones are refused before conversion
MAX_EXPONENT = 1000          # largest |e| in a decimal exponent (float64 reaches 1e308)
MAX_PROFILES = 10**7         # largest number of strategy profiles m * n
_PUNCT = {"{": "'{'", "}": "'}'", ",": "','"}


class _Token(NamedTuple):
    kind: str       # number | text | { | } | , | symbol | eof
    text: str
    line: int
    column: int


def _describe(tok: _Token) -> str:
    if tok.kind == "eof":
        return "the end of the file"
    text = tok.text if len(tok.text) <= 40 else tok.text[:37] + "..."
    if tok.kind == "text":
        return f"the label {text!r}"
    return f"{tok.kind if tok.kind in ('number', 'symbol') else 'token'} {text!r}"


class _Lexer:
    """Gambit's tokens: numbers, double-quoted labels (``\\"`` escapes a
    quote), braces, commas and bare symbols; whitespace is insignificant."""

    def __init__(self, text: str, path: str | None):
        self.text, self.path = text, path
        self.pos, self.line, self.column = 0, 1, 1

    def error(self, message: str, line: int, column: int) -> NfgParseError:
        return NfgParseError(message, line, column, self.path)

    def _advance(self, n: int) -> None:
        chunk = self.text[self.pos:self.pos + n]
        newlines = chunk.count("\n")
        if newlines:
            self.line += newlines
            self.column = n - chunk.rfind("\n")
        else:
            self.column += n
        self.pos += n

    def tokens(self) -> list[_Token]:
        out: list[_Token] = []
        text = self.text
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self._advance(1)
            line, column = self.line, self.column
            if self.pos >= len(text):
                out.append(_Token("eof", "", line, column))
                return out
            c = text[self.pos]
            if c in _PUNCT:
                out.append(_Token(c, c, line, column))
                self._advance(1)
            elif c == '"':
                out.append(_Token("text", self._string(line, column), line, column))
            elif c.isdigit() or c in "+-.":
                match = _NUMBER.match(text, self.pos)
                end = match.end() if match else self.pos
                if not match or (end < len(text) and not (text[end].isspace() or text[end] in '{},"')):
                    bad = re.match(r'[^\s{},"]*', text[self.pos:]).group(0)  # type: ignore[union-attr]
                    raise self.error(f"{bad!r} is not a number (expected an integer, a decimal or a rational "
                                     "like 3/2)", line, column)
                out.append(_Token("number", match.group(0), line, column))
                self._advance(end - self.pos)
            else:
                word = re.match(r'[^\s{},"]+', text[self.pos:]).group(0)  # type: ignore[union-attr]
                out.append(_Token("symbol", word, line, column))
                self._advance(len(word))

    def _string(self, line: int, column: int) -> str:
        text, i, chars = self.text, self.pos + 1, []
        while i < len(text):
            c = text[i]
            if c == "\\" and i + 1 < len(text) and text[i + 1] == '"':
                chars.append('"')
                i += 2
                continue
            if c == '"':
                self._advance(i + 1 - self.pos)
                return "".join(chars)
            chars.append(c)
            i += 1
        raise self.error("unterminated label: a '\"' opened here is never closed", line, column)


class _Parser:
    def __init__(self, text: str, path: str | None):
        self.lexer = _Lexer(text, path)
        self.toks = self.lexer.tokens()
        self.k = 0

    @property
    def tok(self) -> _Token:
        return self.toks[self.k]

    def error(self, message: str, tok: _Token | None = None) -> NfgParseError:
        tok = tok or self.tok
        return self.lexer.error(message, tok.line, tok.column)

    def take(self, kind: str, what: str) -> _Token:
        tok = self.tok
        if tok.kind != kind:
            raise self.error(f"expected {what}, found {_describe(tok)}")
        self.k += 1
        return tok

    def number(self, what: str) -> Fraction:
        """The next token as an exact number, its size checked before conversion,
        so that ``1e100000000`` is an error at once rather than a huge integer."""
        tok = self.take("number", what)
        if len(tok.text) > MAX_NUMBER_CHARS:
            raise self.error(f"a number of {len(tok.text)} characters; numbers are limited to {MAX_NUMBER_CHARS}",
                             tok)
        exponent = _NUMBER.fullmatch(tok.text).group(1)  # type: ignore[union-attr]
        if exponent is not None and abs(int(exponent)) > MAX_EXPONENT:
            raise self.error(f"{_describe(tok)}: exponent {int(exponent)} is out of range (|e| <= "
                             f"{MAX_EXPONENT}; float64 payoffs reach 1e308)", tok)
        try:
            value = Fraction(tok.text)
            float(value)
        except (ValueError, ZeroDivisionError):
            raise self.error(f"{tok.text!r} is not a valid number", tok) from None
        except OverflowError:
            raise self.error(f"{tok.text!r} is too large for a float64 payoff", tok) from None
        return value

    def remaining(self) -> int:
        """Tokens left before the end of the file."""
        return len(self.toks) - 1 - self.k

    def labels(self, what: str) -> list[str]:
        self.take("{", f"'{{' opening the {what}")
        out = []
        while self.tok.kind == "text":
            out.append(self.take("text", "a label").text)
        self.take("}", f"a quoted label or '}}' closing the {what}")
        return out

    def parse(self) -> MatrixGame:
        head = self.tok
        if head.kind != "symbol" or head.text != "NFG":
            raise self.error(f"expected 'NFG' (a Gambit strategic-form file starts with 'NFG 1 R'), "
                             f"found {_describe(head)}")
        self.k += 1
        version = self.take("number", "the version number 1 after 'NFG'")
        if version.text != "1":
            raise self.error(f"only NFG version 1 is supported, found version {version.text}", version)
        kind = self.take("symbol", "'R' or 'D' after the version")
        if kind.text not in ("R", "D"):
            raise self.error(f"expected 'R' or 'D' after the version, found {kind.text!r}", kind)
        title = self.take("text", "the game's title in double quotes").text
        players_tok = self.tok
        players = self.labels("list of players")
        if len(players) != 2:
            plural = "s" if len(players) != 1 else ""
            raise self.error(f"the game has {len(players)} player{plural}; gamesolve reads two-player games only",
                             players_tok)
        strategies = self.strategies(players)
        if self.tok.kind == "text":    # optional comment
            self.k += 1
        m, n = len(strategies[0]), len(strategies[1])
        if self.tok.kind == "{":
            A, B = self.outcome_body(m, n)
        elif self.tok.kind == "number":
            A, B = self.payoff_body(m, n)
        else:
            raise self.error(f"expected the payoffs (numbers) or a list of outcomes ('{{'), found "
                             f"{_describe(self.tok)}")
        if self.tok.kind != "eof":
            raise self.error(f"expected the end of the file after the {m} x {n} payoff table, found "
                             f"{_describe(self.tok)} (too many entries?)")
        return MatrixGame(A, B, name=title or None, strategy_labels=strategies, player_labels=players)

    def strategies(self, players: list[str]) -> list[list[str]]:
        counts = self.take("{", "'{' opening the strategy counts or labels")
        out: list[list[str]] = []
        if self.tok.kind == "{":
            for p in players:
                tok = self.tok
                out.append(self.labels(f"strategy labels of {p!r}"))
                if not out[-1]:
                    raise self.error(f"player {p!r} has no strategies", tok)
        else:
            for p in players:
                tok = self.tok
                count = self.number(f"the number of strategies of {p!r}")
                if count.denominator != 1 or count < 1:
                    raise self.error(f"the number of strategies of {p!r} must be a positive integer, found "
                                     f"{tok.text}", tok)
                if count > self.remaining():    # every strategy needs at least one entry in the table
                    raise self.error(f"{p!r} has {tok.text} strategies but only {self.remaining()} entries follow",
                                     tok)
                out.append([str(i + 1) for i in range(int(count))])
        if len(out[0]) * len(out[1]) > MAX_PROFILES:
            raise self.error(f"{len(out[0])} x {len(out[1])} strategies make {len(out[0]) * len(out[1])} profiles; "
                             f"gamesolve reads games of at most {MAX_PROFILES:.0e} profiles", counts)
        self.take("}", f"'}}' closing the strategies of the {len(players)} players")
        return out

    def expect_entries(self, count: int, what: str) -> None:
        if self.remaining() < count:
            raise self.error(f"the table starting here needs {count} {what}, the file has only "
                             f"{self.remaining()} entries from here on")

    def payoff_body(self, m: int, n: int) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
        self.expect_entries(2 * m * n, f"payoffs ({m} x {n} profiles, 2 players)")
        A = [[Fraction(0)] * n for _ in range(m)]
        B = [[Fraction(0)] * n for _ in range(m)]
        for k in range(m * n):
            i, j = k % m, k // m
            what = f"payoffs of profile ({i + 1}, {j + 1}) (entry {2 * k + 1} of {2 * m * n})"
            A[i][j] = self.number(what)
            B[i][j] = self.number(what)
        return A, B

    def outcome_body(self, m: int, n: int) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
        self.take("{", "'{' opening the list of outcomes")
        outcomes: list[tuple[Fraction, Fraction]] = []
        while self.tok.kind == "{":
            self.k += 1
            self.take("text", f"the name of outcome {len(outcomes) + 1} in double quotes")
            pay = []
            for p in range(2):
                pay.append(self.number(f"payoff {p + 1} of outcome {len(outcomes) + 1}"))
                if self.tok.kind == ",":
                    self.k += 1
            self.take("}", f"'}}' closing outcome {len(outcomes) + 1} (two payoffs per outcome)")
            outcomes.append((pay[0], pay[1]))
        self.take("}", "'{' opening an outcome or '}' closing the list of outcomes")
        self.expect_entries(m * n, f"outcome indices ({m} x {n} profiles)")
        A = [[Fraction(0)] * n for _ in range(m)]
        B = [[Fraction(0)] * n for _ in range(m)]
        for k in range(m * n):
            i, j = k % m, k // m
            tok = self.tok
            index = self.number(f"the outcome of profile ({i + 1}, {j + 1}) (entry {k + 1} of {m * n})")
            if index.denominator != 1 or not 0 <= index <= len(outcomes):
                raise self.error(f"outcome index {tok.text} is not in 0..{len(outcomes)}", tok)
            if index > 0:
                A[i][j], B[i][j] = outcomes[int(index) - 1]
        return A, B


def parse_nfg(text: str, path: str | None = None) -> MatrixGame:
    """A :class:`MatrixGame` from the text of a two-player ``.nfg`` file
    (``path`` only names the source in error messages)."""
    return _Parser(text, path).parse()


def read_nfg(path: str | os.PathLike) -> MatrixGame:
    """Read a two-player Gambit ``.nfg`` file (payoff or outcome format).

    The payoffs are kept exactly; the title becomes the game's name, the
    player and strategy labels ``game.player_labels`` and
    ``game.strategy_labels``. Raises :class:`NfgParseError` (line, column) on
    a malformed file or one with other than two players.
    """
    p = Path(path)
    try:
        with open(p, encoding="utf-8", newline="") as fh:     # labels may hold any character, "\r" included
            text = fh.read()
    except UnicodeDecodeError as err:
        raise NfgParseError(f"not a text file ({err.reason} at byte {err.start})", 1, 1, str(p)) from None
    return parse_nfg(text, str(p))


def _quote(label: str) -> str:
    return '"' + label.replace('"', '\\"') + '"'


def _number(value: Fraction | float) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return repr(float(value))


def format_nfg(game: MatrixGame, format: str = "payoff") -> str:
    """The text of ``game`` as a Gambit ``.nfg`` file (``format="payoff"`` or
    ``"outcome"``). Payoffs given exactly (ints, Fractions, read from a
    file) are written as integers or rationals, float payoffs in their
    shortest round-tripping decimal form, so reading the file back gives the
    same payoffs."""
    if format not in ("payoff", "outcome"):
        raise ValueError(f"format must be 'payoff' or 'outcome', got {format!r}")
    m, n = game.shape
    if game._exact is not None:
        A, B = game.exact_payoffs()
    else:
        A, B = game.A.tolist(), game.B.tolist()
    labels = "{ " + " ".join("{ " + " ".join(_quote(s) for s in group) + " }" for group in game.strategy_labels) + " }"
    lines = [f"NFG 1 R {_quote(game.name)} {{ {' '.join(_quote(p) for p in game.player_labels)} }}", labels, '""', ""]
    profiles = [(k % m, k // m) for k in range(m * n)]
    if format == "payoff":
        lines.append(" ".join(f"{_number(A[i][j])} {_number(B[i][j])}" for i, j in profiles))
    else:
        lines.append("{")
        lines += [f"{{ \"\" {_number(A[i][j])}, {_number(B[i][j])} }}" for i, j in profiles]
        lines.append("}")
        lines.append(" ".join(str(k + 1) for k in range(m * n)))
    return "\n".join(lines) + "\n"


def write_nfg(game: MatrixGame, path: str | os.PathLike, format: str = "payoff") -> Path:
    """Write ``game`` to a Gambit ``.nfg`` file; see :func:`format_nfg`."""
    p = Path(path)
    with open(p, "w", encoding="utf-8", newline="") as fh:
        fh.write(format_nfg(game, format))
    return p


def _nashpy(what: str) -> Any:
    """The ``nashpy`` module, or a :class:`MissingDependencyError` naming ``what`` needed it."""
    try:
        import nashpy
    except ImportError as err:
        raise MissingDependencyError(
            f"{what} needs the 'nashpy' package, which is not installed ({err}); install it with "
            "`pip install \"gamesolve[interop]\"` (or `pip install nashpy`)") from err
    return nashpy


def from_nashpy(game: Any, **kwargs: Any) -> MatrixGame:
    """A :class:`MatrixGame` with the payoff matrices of a ``nashpy.Game``
    (needs nashpy: ``pip install "gamesolve[interop]"``)."""
    _nashpy("gs.from_nashpy")
    A, B = game.payoff_matrices
    return MatrixGame(A, B, **kwargs)


def to_nashpy(game: MatrixGame) -> Any:
    """A ``nashpy.Game`` with the payoff matrices of ``game``
    (needs nashpy: ``pip install "gamesolve[interop]"``)."""
    return _nashpy("gs.to_nashpy").Game(game.A.copy(), game.B.copy())
