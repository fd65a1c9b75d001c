"""An equation of the notes' math (`lhs = side = side …`), and how it breaks over lines.

A side too wide for a line breaks before an operator (+ − · ∘) only, never inside a symbol, a
number, a fraction or a matrix, and each line stands alone: a bracket it opens or closes is
balanced by an invisible one (`\\left.`). The sides themselves are `sheetnet.notation` trees,
written as LaTeX, MathML or plain text the same way on every line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sheetnet.notation import OPERATORS, Neg, Node, Op, Paren, Seq, fence, mo, mrow


@dataclass(frozen=True)
class Token:
    """A piece of a side broken over lines: a number or symbol (`node`), an operator, or a bracket."""

    kind: str  # "atom", "op" (where a line may break), "space" (side by side), "open", "close"
    node: Node | None = None
    text: str = ""

    def width(self) -> float:
        return self.node.width() if self.node is not None else 2.5 if self.kind == "op" else 1


BREAKS = ("+", "−", "·", "∘")  # a line may break before these


def _tokens(node: Node) -> list[Token]:
    if isinstance(node, Op) and node.op in BREAKS:
        out: list[Token] = []
        for n, term in enumerate(node.terms):
            if n:
                out.append(Token("op", text=node.op))
            out += _tokens(term)
        return out
    if isinstance(node, Paren):
        return [Token("open", text=node.open), *_tokens(node.inner), Token("close", text=node.close)]
    if isinstance(node, Seq):
        out = []
        for n, part in enumerate(node.parts):
            if n:
                out.append(Token("space"))
            out += _tokens(part)
        return out
    if isinstance(node, Neg):
        return [Token("space", text="−"), *_tokens(node.term)]
    return [Token("atom", node)]


class Broken(Node):
    """One line of a side too wide for one: its tokens, with the brackets it opens or closes
    balanced by invisible ones (`\\left.`) so that each line stands alone."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.tokens = tuple(tokens)
        depth = closes = 0
        for token in self.tokens:
            if token.kind == "open":
                depth += 1
            elif token.kind == "close":
                if depth:
                    depth -= 1
                else:
                    closes += 1
        self.closes, self.opens = closes, depth

    def children(self) -> Sequence[Node]:
        return [t.node for t in self.tokens if t.node is not None]

    def tex(self, minus: str) -> str:
        parts = [r"\left." for _ in range(self.closes)]
        for token in self.tokens:
            if token.kind == "atom" and token.node is not None:
                parts.append(token.node.tex(minus))
            elif token.kind == "op":
                parts.append(OPERATORS[token.text][0])
            elif token.kind == "space":
                parts.append("-" if token.text else r"\,")
            else:
                parts.append((r"\left" if token.kind == "open" else r"\right") + token.text)
        parts += [r"\right." for _ in range(self.opens)]
        return " ".join(parts)

    def mathml(self) -> str:
        parts = []
        for token in self.tokens:
            if token.kind == "atom" and token.node is not None:
                parts.append(token.node.mathml())
            elif token.kind == "op":
                parts.append(mo(OPERATORS[token.text][1]))
            elif token.kind == "space":
                parts.append(mo("−") if token.text else "")
            else:
                parts.append(fence(token.text))
        return mrow(*parts)

    def plain(self) -> str:
        return "".join(
            t.node.plain() if t.node is not None else OPERATORS[t.text][2] if t.kind == "op" else t.text or " "
            for t in self.tokens
        )

    def width(self) -> float:
        return sum(t.width() for t in self.tokens)


def broken(side: Node, width: float) -> list[Node]:
    """A side too wide for a line, as lines that break before an operator (+ − · ∘), each at most
    about `width` wide where the side allows; a side with no such operator stays whole."""
    segments: list[list[Token]] = [[]]
    for token in _tokens(side):
        if token.kind == "op" and segments[-1]:
            segments.append([])
        segments[-1].append(token)
    lines: list[list[Token]] = [[]]
    used = 0.0
    for segment in segments:
        size = sum(t.width() for t in segment)
        if lines[-1] and used + size > width:
            lines.append([])
            used = 0.0
        lines[-1] += segment
        used += size
    return [side] if len(lines) == 1 else [Broken(line) for line in lines]


RELATIONS = {"=": ("=", "="), "←": (r"\leftarrow", "←"), "": (r"\qquad", '<mspace width="2em"/>')}


@dataclass(frozen=True)
class Equation:
    """`lhs relation sides[0] = sides[1] = …`: a definition, its numbers put in, the result."""

    lhs: Node
    relation: str
    sides: tuple[Node, ...]

    def plain(self) -> str:
        return f"{self.lhs.plain()} {self.relation} " + " = ".join(s.plain() for s in self.sides)

    def lines(self, width: float) -> list[tuple[str, tuple[Node, ...]]]:
        """The sides broken into lines of about `width` characters: [(relation, items on that line)].

        The first line carries `lhs relation`; a later one starts with `=`, or with nothing when
        it continues a side too wide for one line (`broken`). Items on a line are joined by `=`.
        """
        room = width - self.lhs.width() - 3
        lines: list[tuple[str, list[Node]]] = [(self.relation, [])]
        used = 0.0
        for side in self.sides:
            pieces = broken(side, room) if side.width() > room else [side]
            for n, piece in enumerate(pieces):
                if n:
                    lines.append(("", []))
                    used = 0.0
                elif lines[-1][1] and used + piece.width() + 3 > room:
                    lines.append(("=", []))
                    used = 0.0
                lines[-1][1].append(piece)
                used += piece.width() + 3
        return [(rel, tuple(items)) for rel, items in lines]

    def leaves(self) -> Iterator[Node]:
        yield from self.lhs.leaves()
        for side in self.sides:
            yield from side.leaves()


def relation_tex(relation: str) -> str:
    return RELATIONS[relation][0]


def relation_mathml(relation: str) -> str:
    return RELATIONS[relation][1] if relation == "" else mo(RELATIONS[relation][1])
