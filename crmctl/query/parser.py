"""Recursive-descent parser: ``or`` < ``and`` < ``not`` < comparison.

Grammar::

    expr      := and_expr ("or" and_expr)*
    and_expr  := not_expr ("and" not_expr)*
    not_expr  := "not" not_expr | "(" expr ")" | condition
    condition := FIELD OP value | FIELD ["not"] "in" "(" value ("," value)* ")"
               | FIELD "is" ["not"] "null"
"""

from __future__ import annotations

from typing import NoReturn

from crmctl.errors import FilterError
from crmctl.query import ast
from crmctl.query.lexer import Kind, Token, tokenize

RELATIVE_WORDS = frozenset({"today", "yesterday", "tomorrow", "now"})
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false"}) | RELATIVE_WORDS
# Deep nesting would otherwise surface as RecursionError instead of a FilterError.
MAX_DEPTH = 100
_OPERATOR_HINT = "=, !=, <, <=, >, >=, ~, !~, in, not in, is null, is not null"


def parse(expression: str) -> ast.Node:
    """Parse a ``--where`` expression into an AST; raise ``FilterError`` on bad input."""
    if not expression.strip():
        raise FilterError(
            'empty --where expression; give a condition such as name ~ "acme"', expression, 0
        )
    return _Parser(expression).parse()


def _describe(token: Token) -> str:
    return "the end of the expression" if token.kind is Kind.END else f'"{token.text}"'


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    def parse(self) -> ast.Node:
        node = self.or_expr()
        token = self.peek()
        if token.kind is Kind.RPAREN:
            self.fail(f'unexpected ")" at column {token.pos + 1}; there is no matching "("', token)
        if token.kind is not Kind.END:
            self.fail(
                f"unexpected {_describe(token)} at column {token.pos + 1}; "
                'join conditions with "and" or "or"',
                token,
            )
        return node

    # --- token helpers -------------------------------------------------------------

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def at_word(self, *words: str) -> bool:
        token = self.peek()
        return token.kind is Kind.WORD and token.text.lower() in words

    def fail(self, message: str, token: Token) -> NoReturn:
        raise FilterError(message, self.text, token.pos, max(1, len(token.text)))

    def nest(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"expression nested deeper than {MAX_DEPTH} levels", token)

    # --- grammar ---------------------------------------------------------------------

    def or_expr(self) -> ast.Node:
        node = self.and_expr()
        while self.at_word("or"):
            self.advance()
            node = ast.Or(node, self.and_expr())
        return node

    def and_expr(self) -> ast.Node:
        node = self.not_expr()
        while self.at_word("and"):
            self.advance()
            node = ast.And(node, self.not_expr())
        return node

    def not_expr(self) -> ast.Node:
        token = self.peek()
        if self.at_word("not"):
            self.advance()
            self.nest(token)
            node: ast.Node = ast.Not(self.not_expr(), pos=token.pos, length=3)
        elif token.kind is Kind.LPAREN:
            self.advance()
            self.nest(token)
            node = self.or_expr()
            closing = self.peek()
            if closing.kind is not Kind.RPAREN:
                self.fail(
                    f'missing ")" at column {closing.pos + 1} to close the "(" '
                    f"at column {token.pos + 1}",
                    closing,
                )
            self.advance()
        else:
            return self.condition()
        self.depth -= 1
        return node

    def condition(self) -> ast.Node:
        token = self.advance()
        if token.kind is not Kind.WORD or token.text.lower() in KEYWORDS:
            self.fail(
                f"expected a field name at column {token.pos + 1}, found {_describe(token)}",
                token,
            )
        ref = ast.FieldRef(token.text, pos=token.pos, length=len(token.text))
        op = self.peek()
        if op.kind is Kind.OP:
            self.advance()
            return ast.Compare(ref, op.text, self.value(op), pos=op.pos, length=len(op.text))
        if self.at_word("is"):
            return self.is_null(ref)
        if self.at_word("in", "not"):
            return self.in_list(ref)
        self.fail(
            f'expected an operator after "{ref.name}" at column {op.pos + 1} '
            f"({_OPERATOR_HINT}), found {_describe(op)}",
            op,
        )

    def is_null(self, ref: ast.FieldRef) -> ast.Node:
        start = self.advance()
        negated = self.at_word("not")
        if negated:
            self.advance()
        end = self.peek()
        if not self.at_word("null"):
            self.fail(
                f'expected "null" or "not null" after "is" at column {end.pos + 1}, '
                f"found {_describe(end)}",
                end,
            )
        self.advance()
        span = end.pos + len(end.text) - start.pos
        return ast.IsNull(ref, negated, pos=start.pos, length=span)

    def in_list(self, ref: ast.FieldRef) -> ast.Node:
        start = self.advance()
        negated = start.text.lower() == "not"
        if negated and not self.at_word("in"):
            self.fail(f'expected "in" after "not" at column {self.peek().pos + 1}', self.peek())
        keyword = self.advance() if negated else start
        opening = self.peek()
        if opening.kind is not Kind.LPAREN:
            self.fail(f'expected "(" after "in" at column {opening.pos + 1}', opening)
        values = [self.value(self.advance())]
        while self.peek().kind is Kind.COMMA:
            values.append(self.value(self.advance()))
        closing = self.peek()
        if closing.kind is not Kind.RPAREN:
            self.fail(
                f'expected "," or ")" at column {closing.pos + 1} in the list that starts '
                f"at column {opening.pos + 1}, found {_describe(closing)}",
                closing,
            )
        self.advance()
        span = keyword.pos + len(keyword.text) - start.pos
        return ast.In(ref, tuple(values), negated, pos=start.pos, length=span)

    def value(self, after: Token) -> ast.Value:
        token = self.peek()
        if token.value is not None:
            self.advance()
            return token.value
        word = token.text.lower()
        if token.kind is Kind.WORD and word in {"true", "false"} | RELATIVE_WORDS:
            self.advance()
            span = {"pos": token.pos, "length": len(token.text)}
            if word in RELATIVE_WORDS:
                return ast.Relative(word, **span)
            return ast.Bool(word == "true", **span)
        self.fail(self._value_hint(token, after), token)

    def _value_hint(self, token: Token, after: Token) -> str:
        column = token.pos + 1
        if self.at_word("null"):
            return (
                f'use "is null" or "is not null" instead of "{after.text} null" at column {column}'
            )
        if token.kind is Kind.WORD and token.text.lower() not in KEYWORDS:
            return (
                f'"{token.text}" at column {column} is not a value; '
                f'put text in quotes: "{token.text}"'
            )
        found = "" if token.kind is Kind.END else f", found {_describe(token)}"
        return f'expected a value after "{after.text}" at column {column}{found}'
