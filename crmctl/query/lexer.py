"""Tokenizer for the ``--where`` filter language.

Literals (strings, numbers, dates, relative dates) are decoded here so the parser
only deals with token kinds; every bad input becomes a ``FilterError`` with a caret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from crmctl.errors import FilterError
from crmctl.query import ast


class Kind(StrEnum):
    WORD = "word"
    LITERAL = "literal"  # a string, number, date or relative date; see Token.value
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    END = "end"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str  # exactly as written (strings include their quotes)
    pos: int
    value: ast.Value | None = None  # the decoded literal


OPERATORS = ("!=", "<=", ">=", "!~", "=", "<", ">", "~")
OFFSET_UNITS = "dwmyh"
_PUNCTUATION = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA}
_SPACE = re.compile(r"\s+")
# Words may contain any letters so that a bare ``Dvořák`` gets a "quote it" hint.
_WORD = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*")
# A literal starting with a digit (or a sign and a digit) runs until punctuation/space.
_LITERAL = re.compile(r"[+-]?\d[\w.:+-]*")
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?(?:Z|[+-]\d\d:\d\d)?")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_OFFSET = re.compile(r"([+-]\d+)([A-Za-z])")
_ESCAPABLE = "\"'\\"
_INVALID = re.compile("[\x00\ud800-\udfff]")


def tokenize(text: str) -> list[Token]:
    # NUL and lone surrogates (undecodable argv bytes) cannot reach PostgreSQL as text.
    invalid = _INVALID.search(text)
    if invalid:
        column = invalid.start() + 1
        raise FilterError(f"invalid character at column {column}", text, invalid.start())
    tokens: list[Token] = []
    pos = 0
    while True:
        space = _SPACE.match(text, pos)
        if space:
            pos = space.end()
        if pos >= len(text):
            tokens.append(Token(Kind.END, "", len(text)))
            return tokens
        token = _next_token(text, pos)
        tokens.append(token)
        pos += len(token.text)


def _next_token(text: str, pos: int) -> Token:
    char = text[pos]
    if char in "\"'":
        return _string(text, pos)
    if char in _PUNCTUATION:
        return Token(_PUNCTUATION[char], char, pos)
    for op in OPERATORS:
        if text.startswith(op, pos):
            return Token(Kind.OP, op, pos)
    literal = _LITERAL.match(text, pos)
    if literal:
        return _literal(text, pos, literal.group())
    word = _WORD.match(text, pos)
    if word:
        return Token(Kind.WORD, word.group(), pos)
    raise FilterError(
        f'unexpected character "{char}" at column {pos + 1}; put text values in quotes',
        text,
        pos,
    )


def _string(text: str, start: int) -> Token:
    quote = text[start]
    chars: list[str] = []
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        # Only quotes and backslashes are escapable, so "C:\temp" keeps its backslash.
        if char == "\\" and pos + 1 < len(text) and text[pos + 1] in _ESCAPABLE:
            chars.append(text[pos + 1])
            pos += 2
        elif char == quote:
            raw = text[start : pos + 1]
            value = ast.Text("".join(chars), pos=start, length=len(raw))
            return Token(Kind.LITERAL, raw, start, value)
        else:
            chars.append(char)
            pos += 1
    raise FilterError(
        f"unterminated string starting at column {start + 1}; close it with {quote}",
        text,
        start,
        len(text) - start,
    )


def _literal(text: str, pos: int, raw: str) -> Token:
    try:
        value = _decode(raw, pos)
    except ValueError:  # an impossible date such as 2026-02-30, or thousands of digits
        raise FilterError(
            f'invalid value "{raw}" at column {pos + 1}', text, pos, len(raw)
        ) from None
    if value is None and re.fullmatch(r"[+-]?\d+[A-Za-z]", raw):
        message = (
            f'bad relative date "{raw}" at column {pos + 1}; use a sign, a number and '
            "one of d, w, m, y, h (e.g. -30d, +2w, -12h)"
        )
    elif value is None:
        message = (
            f'bad value "{raw}" at column {pos + 1}; use a number (12, 12.50), a date '
            '(2026-01-31), a relative date (-30d) or quote text ("...")'
        )
    else:
        return Token(Kind.LITERAL, raw, pos, value)
    raise FilterError(message, text, pos, len(raw))


def _decode(raw: str, pos: int) -> ast.Value | None:
    span = {"pos": pos, "length": len(raw)}
    if _DATETIME.fullmatch(raw):
        return ast.DateTimeValue(datetime.fromisoformat(raw), **span)
    if _DATE.fullmatch(raw):
        return ast.DateValue(date.fromisoformat(raw), **span)
    if _NUMBER.fullmatch(raw):
        return ast.Number(Decimal(raw) if "." in raw else int(raw), **span)
    offset = _OFFSET.fullmatch(raw)
    if offset and offset.group(2).lower() in OFFSET_UNITS:
        return ast.Offset(int(offset.group(1)), offset.group(2).lower(), **span)
    return None
