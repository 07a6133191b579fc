"""The computed-metric formula language: numbers, metric keys, + - * /, unary minus and parentheses.

A small recursive-descent parser turns a formula into a tree; nothing is ever passed to `eval`. The tree can be
evaluated in Python (for previews and tests) or compiled to a SQL expression (for the pipeline), where a division
by zero yields NULL ("no value") instead of an error.

Metric keys are identifiers (`active_users`, `module.reporting.time`); a key with other characters is written in
square brackets: `[Reporting time] / [Active users]`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation

MAX_LENGTH = 500
MAX_DEPTH = 40
# A float keeps about 15 significant digits, and the pipeline stores values as floats: a longer number would not
# survive, and a few of them multiplied would pass what a float holds.
MAX_DIGITS = 15
# The largest magnitude a constant part of a formula may reach (a float holds up to about 1.8e308).
MAX_CONSTANT = Decimal("1e300")


class FormulaError(ValueError):
    """A formula that cannot be used; `position` is the 0-based character offset of the problem, when known."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.message} (at character {self.position + 1})"


@dataclass(frozen=True)
class Number:
    value: Decimal
    position: int | None = None


@dataclass(frozen=True)
class MetricRef:
    key: str
    position: int


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class BinaryOp:
    op: str
    left: Node
    right: Node
    position: int


Node = Number | MetricRef | Negate | BinaryOp

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<bracket>\[[^\[\]]+\])
  | (?P<op>[-+*/()])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise FormulaError(f"Unexpected character “{source[position]}”", position)
        kind = match.lastgroup or ""
        if kind != "space":
            text = match.group()
            if kind == "bracket":
                kind, text = "name", text[1:-1].strip()
            tokens.append(_Token(kind, text, position))
        position = match.end()
    return tokens


class _Parser:
    """expression := term (("+" | "-") term)*; term := factor (("*" | "/") factor)*;
    factor := "-" factor | "+" factor | number | name | "(" expression ")"."""

    def __init__(self, source: str):
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise FormulaError("The formula is empty.")
        node = self._expression(0)
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            raise FormulaError(f"Unexpected “{token.text}”: an operator is missing before it", token.position)
        return node

    def _peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _expression(self, depth: int) -> Node:
        node = self._term(depth)
        while (token := self._peek()) and token.text in "+-" and token.kind == "op":
            self.index += 1
            node = BinaryOp(token.text, node, self._term(depth), token.position)
        return node

    def _term(self, depth: int) -> Node:
        node = self._factor(depth)
        while (token := self._peek()) and token.text in "*/" and token.kind == "op":
            self.index += 1
            node = BinaryOp(token.text, node, self._factor(depth), token.position)
        return node

    def _factor(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise FormulaError("The formula is nested too deeply.")
        token = self._peek()
        if token is None:
            raise FormulaError("The formula ends too early: a number or metric is missing", len(self.source))
        self.index += 1
        if token.kind == "number":
            if len(token.text.replace(".", "").lstrip("0")) > MAX_DIGITS:
                raise FormulaError(f"The number has more than {MAX_DIGITS} digits", token.position)
            return Number(Decimal(token.text), token.position)
        if token.kind == "name":
            return MetricRef(token.text, token.position)
        if token.text == "-":
            return Negate(self._factor(depth + 1))
        if token.text == "+":
            return self._factor(depth + 1)
        if token.text == "(":
            node = self._expression(depth + 1)
            closing = self._peek()
            if closing is None or closing.text != ")":
                raise FormulaError("A “(” is not closed", token.position)
            self.index += 1
            return node
        raise FormulaError(f"Unexpected “{token.text}”: a number or metric is missing before it", token.position)


def parse(source: str) -> Node:
    """Parse a formula into a tree, or raise FormulaError with a clear message and position."""
    if len(source) > MAX_LENGTH:
        raise FormulaError(f"The formula is longer than {MAX_LENGTH} characters.")
    return _Parser(source).parse()


def metric_keys(node: Node) -> list[str]:
    """The metric keys a formula refers to, in order of first appearance."""
    seen: dict[str, None] = {}

    def walk(n: Node) -> None:
        if isinstance(n, MetricRef):
            seen.setdefault(n.key)
        elif isinstance(n, Negate):
            walk(n.operand)
        elif isinstance(n, BinaryOp):
            walk(n.left)
            walk(n.right)

    walk(node)
    return list(seen)


def _refs(node: Node) -> Iterable[MetricRef]:
    if isinstance(node, MetricRef):
        yield node
    elif isinstance(node, Negate):
        yield from _refs(node.operand)
    elif isinstance(node, BinaryOp):
        yield from _refs(node.left)
        yield from _refs(node.right)


def _constant_zero_division(node: Node) -> BinaryOp | None:
    """A division whose divisor is a constant expression equal to zero, which no data can rescue."""
    if isinstance(node, BinaryOp):
        if node.op == "/" and not list(_refs(node.right)):
            try:
                if evaluate(node.right, {}) == 0:
                    return node
            except FormulaError:
                return node
        return _constant_zero_division(node.left) or _constant_zero_division(node.right)
    if isinstance(node, Negate):
        return _constant_zero_division(node.operand)
    return None


def _position(node: Node) -> int | None:
    if isinstance(node, Number):
        return node.position
    if isinstance(node, MetricRef | BinaryOp):
        return node.position
    return _position(node.operand)


def _constant_too_large(node: Node) -> Node | None:
    """The first part without metrics whose value passes ±MAX_CONSTANT (so the result could not be a float), or
    None. Parts with metrics are checked through their constant operands."""
    if not list(_refs(node)):
        value = evaluate(node, {})
        if value is None or abs(value) > MAX_CONSTANT:
            return node
        return None
    if isinstance(node, Negate):
        return _constant_too_large(node.operand)
    if isinstance(node, BinaryOp):
        return _constant_too_large(node.left) or _constant_too_large(node.right)
    return None


def validate(source: str, known_keys: Iterable[str], *, self_key: str | None = None) -> Node:
    """Parse and check a formula against the metric catalogue: unknown metrics, self reference, x / 0, numbers
    with more digits than a float keeps (parse) and constant parts too large to compute."""
    node = parse(source)
    known = set(known_keys)
    for ref in _refs(node):
        if ref.key == self_key:
            raise FormulaError(f"A metric cannot refer to itself (“{ref.key}”)", ref.position)
        if ref.key not in known:
            raise FormulaError(f"Unknown metric “{ref.key}”", ref.position)
    division = _constant_zero_division(node)
    if division is not None:
        raise FormulaError("Division by zero: the divisor is always 0", division.position)
    too_large = _constant_too_large(node)
    if too_large is not None:
        raise FormulaError("This part of the formula is too large to compute", _position(too_large))
    return node


def evaluate(node: Node, values: Mapping[str, Decimal | int | float | None]) -> Decimal | None:
    """Evaluate a parsed formula with metric values; a missing value or a division by zero gives None."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, MetricRef):
        value = values.get(node.key)
        return None if value is None else Decimal(str(value))
    if isinstance(node, Negate):
        operand = evaluate(node.operand, values)
        return None if operand is None else -operand
    left, right = evaluate(node.left, values), evaluate(node.right, values)
    if left is None or right is None:
        return None
    try:
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        return None if right == 0 else left / right
    except (InvalidOperation, DivisionByZero, OverflowError):
        return None


def to_sql(node: Node, column_for: Callable[[str], str]) -> tuple[str, list]:
    """Compile a formula to a SQL expression; `column_for(key)` names the SQL column holding a metric's value.

    Numbers become parameters; a division by zero becomes NULL through NULLIF.
    """
    params: list = []

    def compile_node(n: Node) -> str:
        if isinstance(n, Number):
            params.append(n.value)
            return "CAST(%s AS NUMERIC)"
        if isinstance(n, MetricRef):
            return column_for(n.key)
        if isinstance(n, Negate):
            return f"(-{compile_node(n.operand)})"
        left = compile_node(n.left)
        right = compile_node(n.right)
        if n.op == "/":
            return f"({left} / NULLIF({right}, 0))"
        return f"({left} {n.op} {right})"

    return compile_node(node), params
