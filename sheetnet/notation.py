"""Math in the notes' notation, written three ways from one tree: LaTeX (Markdown's `$…$` and the
.tex document), MathML (the HTML page) and plain Unicode text, spelled as net.py's labels are
(`O1 = x·W1ᵀ + B1`), for alt text and tests.

A `Num` is a number of the run: its value, the trace key it came from and its text at the
chosen significant digits. A `Const` is a structural constant (½, 1 − β1, the 0 of max(0, O)).
Parentheses are the caller's, except that a negative number after an operator gets its own.
An equation of these trees, and how it breaks over lines, is `sheetnet.equation`'s.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from html import escape

from sheetnet.graph import Key

MINUS = "\u2212"
SUPERSCRIPTS = str.maketrans("0123456789-−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻")


def mrow(*parts: str) -> str:
    """MathML: `parts` in one row."""
    return f"<mrow>{''.join(parts)}</mrow>"


def mo(op: str, **attrs: str) -> str:
    """MathML: the operator `op`, with `attrs` (`stretchy="false"`, spacing)."""
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f"<mo{extra}>{escape(op)}</mo>"


class Node:
    """One piece of math; `tex(minus)` writes negative numbers with `minus` ("−" or "-")."""

    def tex(self, minus: str) -> str:
        raise NotImplementedError

    def mathml(self) -> str:
        raise NotImplementedError

    def plain(self) -> str:
        raise NotImplementedError

    def width(self) -> float:
        """About how many characters wide it prints: where a long equation breaks its line."""
        return len(self.plain())

    def leaves(self) -> Iterator[Node]:
        """The numbers and constants, left to right."""
        for child in self.children():
            yield from child.leaves()

    def children(self) -> Sequence[Node]:
        return ()

    @property
    def negative(self) -> bool:
        """True if it starts with a minus sign (so it is bracketed after an operator)."""
        return False

    @property
    def tall(self) -> bool:
        """True if it stands taller than a line of text (a matrix, a fraction): brackets grow around it."""
        return any(child.tall for child in self.children())


@dataclass(frozen=True, eq=False)
class Num(Node):
    """A number of the run, shown with `digits` significant digits (as the terminal shows it)."""

    value: float
    key: Key | None
    digits: int

    @property
    def text(self) -> str:
        if not math.isfinite(self.value):
            return str(self.value)
        text = f"{self.value:.{self.digits}g}"
        return "0" if text == "-0" else text

    def _parts(self) -> tuple[str, int | None]:
        mantissa, _, exponent = self.text.partition("e")
        return mantissa, int(exponent) if exponent else None

    @property
    def negative(self) -> bool:
        return self.text.startswith("-")

    def leaves(self) -> Iterator[Node]:
        yield self

    def tex(self, minus: str) -> str:
        if math.isinf(self.value):
            return (minus if self.value < 0 else "") + r"\infty"
        if math.isnan(self.value):
            return r"\mathrm{NaN}"
        mantissa, exponent = self._parts()
        mantissa = mantissa.replace("-", minus)
        if exponent is None:
            return mantissa
        return rf"{mantissa} \times 10^{{{str(exponent).replace('-', minus)}}}"

    def mathml(self) -> str:
        if not math.isfinite(self.value):
            return f"<mn>{'−∞' if self.value < 0 else '∞' if self.value > 0 else 'NaN'}</mn>"
        mantissa, exponent = self._parts()
        mn = f"<mn>{mantissa.replace('-', MINUS)}</mn>"
        if exponent is None:
            return mn
        return mrow(mn, mo("×"), f"<msup><mn>10</mn><mn>{str(exponent).replace('-', MINUS)}</mn></msup>")

    def plain(self) -> str:
        mantissa, exponent = self._parts()
        mantissa = mantissa.replace("-", MINUS)
        return mantissa if exponent is None else f"{mantissa}×10{str(exponent).translate(SUPERSCRIPTS)}"


@dataclass(frozen=True, eq=False)
class Const(Node):
    """A structural constant: the ½ of the loss, the 1 of 1 − β1, the 0 of max(0, O)."""

    text: str

    def leaves(self) -> Iterator[Node]:
        yield self

    def tex(self, minus: str) -> str:
        return self.text

    def mathml(self) -> str:
        return f"<mn>{self.text}</mn>"

    def plain(self) -> str:
        return self.text


GREEK_TEX = {
    "Δ": r"\Delta",
    "η": r"\eta",
    "μ": r"\mu",
    "β": r"\beta",
    "ε": r"\varepsilon",
    "σ": r"\sigma",
    "∂": r"\partial",
}
UPRIGHT = {"Δ", "∂"}  # MathML italicises a single letter; these stay upright, as in print


@dataclass(frozen=True, eq=False)
class Var(Node):
    """A symbol: `O` with subscript `1`, `y` with a hat, `L` with superscript `(2)` (sample 2), `f` with a prime."""

    base: str
    sub: str = ""
    sup: str = ""
    hat: bool = False
    prime: bool = False

    def tex(self, minus: str) -> str:
        base = GREEK_TEX.get(self.base, self.base if len(self.base) == 1 else rf"\mathrm{{{self.base}}}")
        if self.hat:
            base = rf"\hat{{{base}}}"
        if self.prime:
            base += "'"
        if self.sub:
            base += f"_{{{self.sub}}}"
        if self.sup:
            base += f"^{{{self.sup}}}"
        return base

    def mathml(self) -> str:
        variant = ' mathvariant="normal"' if self.base in UPRIGHT else ""
        core = f"<mi{variant}>{escape(self.base)}</mi>"
        if self.hat:
            core = f'<mover accent="true">{core}<mo>^</mo></mover>'
        if self.prime:
            core = mrow(core, "<mo>′</mo>")
        sub = self.script_mathml()
        sup = f"<mrow>{''.join(_token(c) for c in self.sup)}</mrow>"
        if self.sub and self.sup:
            return f"<msubsup>{core}{sub}{sup}</msubsup>"
        if self.sub:
            return f"<msub>{core}{sub}</msub>"
        if self.sup:
            return f"<msup>{core}{sup}</msup>"
        return core

    def script_mathml(self) -> str:
        """The subscript alone."""
        return f"<mn>{self.sub}</mn>" if self.sub.isdigit() else f"<mi>{escape(self.sub)}</mi>"

    def plain(self) -> str:
        base = self.base + ("\u0302" if self.hat else "") + ("'" if self.prime else "")
        if base == "y\u0302":
            base = "ŷ"
        sub = self.sub if self.sub.isdigit() else (f"_{self.sub}" if self.sub else "")
        return base + sub + self.sup

    def width(self) -> float:
        return 1.2 + 0.6 * (len(self.sub) + len(self.sup)) + (0.6 if len(self.base) > 1 else 0)


def _token(c: str) -> str:
    if c.isdigit():
        return f"<mn>{c}</mn>"
    if c.isalpha():
        return f"<mi>{escape(c)}</mi>"
    return mo(c)


FUNCTION_TEX = {"max": r"\max", "exp": r"\exp", "ln": r"\ln", "tanh": r"\tanh"}


@dataclass(frozen=True, eq=False)
class Word(Node):
    """An upright function name: max, exp, ln, tanh, relu′."""

    name: str
    prime: bool = False

    def tex(self, minus: str) -> str:
        text = FUNCTION_TEX.get(self.name, rf"\operatorname{{{self.name}}}")
        return text + ("'" if self.prime else "")

    def mathml(self) -> str:
        core = f"<mi>{escape(self.name)}</mi>"
        return mrow(core, "<mo>′</mo>") if self.prime else core

    def plain(self) -> str:
        return self.name + ("'" if self.prime else "")


@dataclass(frozen=True, eq=False)
class Text(Node):
    text: str

    def tex(self, minus: str) -> str:
        return rf"\text{{{self.text}}}"

    def mathml(self) -> str:
        return f"<mtext>{escape(self.text).replace(' ', chr(0xA0))}</mtext>"

    def plain(self) -> str:
        return self.text


OPERATORS = {
    # op: (tex, MathML, plain)
    "+": ("+", "+", " + "),
    "−": ("-", "−", " − "),
    "·": (r"\cdot", "⋅", "·"),
    "∘": (r"\circ", "∘", " ∘ "),
    ",": (",\\,", ",", ", "),
    ">": (">", ">", " > "),
}


class Op(Node):
    """Terms joined by one operator: + − · ∘ (and the comma between a function's arguments)."""

    def __init__(self, op: str, *terms: Node) -> None:
        self.op, self.terms = op, tuple(Paren(t) if n and t.negative else t for n, t in enumerate(terms))

    def children(self) -> Sequence[Node]:
        return self.terms

    @property
    def negative(self) -> bool:
        return self.terms[0].negative

    def tex(self, minus: str) -> str:
        return f" {OPERATORS[self.op][0]} ".join(t.tex(minus) for t in self.terms)

    def mathml(self) -> str:
        return mrow(*_join([t.mathml() for t in self.terms], mo(OPERATORS[self.op][1])))

    def plain(self) -> str:
        return OPERATORS[self.op][2].join(t.plain() for t in self.terms)

    def width(self) -> float:
        return sum(t.width() for t in self.terms) + 2.5 * (len(self.terms) - 1)


def _join(items: list[str], separator: str) -> list[str]:
    out: list[str] = []
    for n, item in enumerate(items):
        if n:
            out.append(separator)
        out.append(item)
    return out


class Seq(Node):
    """Factors written side by side: ½ Σ …, 2(ŷ − y), max O."""

    def __init__(self, *parts: Node) -> None:
        self.parts = parts

    def children(self) -> Sequence[Node]:
        return self.parts

    @property
    def negative(self) -> bool:
        return self.parts[0].negative

    def tex(self, minus: str) -> str:
        return r"\, ".join(p.tex(minus) for p in self.parts)

    def mathml(self) -> str:
        return mrow(*_join([p.mathml() for p in self.parts], '<mspace width="0.17em"/>'))

    def plain(self) -> str:
        return " ".join(p.plain() for p in self.parts)

    def width(self) -> float:
        return sum(p.width() for p in self.parts) + 0.5 * len(self.parts)


@dataclass(frozen=True, eq=False)
class Neg(Node):
    term: Node

    def children(self) -> Sequence[Node]:
        return (self.term,)

    @property
    def negative(self) -> bool:
        return True

    def tex(self, minus: str) -> str:
        return "-" + self.term.tex(minus)

    def mathml(self) -> str:
        return mrow(mo("−"), self.term.mathml())

    def plain(self) -> str:
        return MINUS + self.term.plain()


@dataclass(frozen=True, eq=False)
class Paren(Node):
    """Brackets that grow with what they hold: ( ) by default, [ ] for the sigmoid loss's terms."""

    inner: Node
    open: str = "("
    close: str = ")"

    def children(self) -> Sequence[Node]:
        return (self.inner,)

    def tex(self, minus: str) -> str:
        if self.inner.tall:
            return rf"\left{self.open} {self.inner.tex(minus)} \right{self.close}"
        return f"{self.open}{self.inner.tex(minus)}{self.close}"

    def mathml(self) -> str:
        tall = self.inner.tall
        return mrow(fence(self.open, tall), self.inner.mathml(), fence(self.close, tall))

    def plain(self) -> str:
        return f"{self.open}{self.inner.plain()}{self.close}"

    def width(self) -> float:
        return self.inner.width() + 2


def fence(bracket: str, tall: bool = True) -> str:
    """A bracket; one that need not grow stays a plain glyph (a stretchy one is drawn wider)."""
    return mo(bracket, lspace="0", rspace="0") if tall else mo(bracket, stretchy="false", lspace="0", rspace="0")


def _grouped(node: Node) -> str:
    """Plain text of a fraction's part: bracketed unless it is one symbol or number."""
    text = node.plain()
    return f"({text})" if isinstance(node, Op | Seq | Neg | Frac) else text


@dataclass(frozen=True, eq=False)
class Frac(Node):
    top: Node
    bottom: Node

    def children(self) -> Sequence[Node]:
        return (self.top, self.bottom)

    def tex(self, minus: str) -> str:
        return rf"\frac{{{self.top.tex(minus)}}}{{{self.bottom.tex(minus)}}}"

    @property
    def tall(self) -> bool:
        return True

    def mathml(self) -> str:
        return f"<mfrac>{mrow(self.top.mathml())}{mrow(self.bottom.mathml())}</mfrac>"

    def plain(self) -> str:
        return f"{_grouped(self.top)}/{_grouped(self.bottom)}"

    def width(self) -> float:
        return max(self.top.width(), self.bottom.width()) + 1


@dataclass(frozen=True, eq=False)
class Deriv(Node):
    """∂L/∂W1 as a fraction: `of` over `by`."""

    of: Node
    by: Node

    @property
    def tall(self) -> bool:
        return True

    def tex(self, minus: str) -> str:
        return rf"\frac{{\partial {self.of.tex(minus)}}}{{\partial {self.by.tex(minus)}}}"

    def mathml(self) -> str:
        d = mo("∂", rspace="0")
        return f"<mfrac>{mrow(d, self.of.mathml())}{mrow(d, self.by.mathml())}</mfrac>"

    def plain(self) -> str:
        return f"∂{self.of.plain()}/∂{self.by.plain()}"

    def width(self) -> float:
        return max(self.of.width(), self.by.width()) + 1.5


@dataclass(frozen=True, eq=False)
class Power(Node):
    base: Node
    exponent: Node

    def children(self) -> Sequence[Node]:
        return (self.base, self.exponent)

    def _base(self) -> Node:
        compound = isinstance(self.base, Deriv | Frac | Op | Seq | Neg)
        return Paren(self.base) if compound or self.base.negative else self.base

    def tex(self, minus: str) -> str:
        return f"{{{self._base().tex(minus)}}}^{{{self.exponent.tex(minus)}}}"

    def mathml(self) -> str:
        base = self._base()
        if isinstance(base, Var) and base.sub and not base.sup:  # β₁^step: one msubsup (a msup of a msub drops the 1)
            core, sub = replace(base, sub="").mathml(), base.script_mathml()
            return f"<msubsup>{core}{sub}{mrow(self.exponent.mathml())}</msubsup>"
        return f"<msup>{mrow(base.mathml())}{mrow(self.exponent.mathml())}</msup>"

    def plain(self) -> str:
        exponent = self.exponent.plain()
        raised = exponent.translate(SUPERSCRIPTS) if exponent.isdigit() else f"^{exponent}"
        return self._base().plain() + raised

    def width(self) -> float:
        return self.base.width() + 0.7 * self.exponent.width()


@dataclass(frozen=True, eq=False)
class Transposed(Node):
    """Xᵀ, of a symbol (the numbers are transposed instead: see `Values`)."""

    inner: Node

    def __post_init__(self) -> None:
        if isinstance(self.inner, Deriv | Frac | Op | Seq | Neg):
            object.__setattr__(self, "inner", Paren(self.inner))

    def children(self) -> Sequence[Node]:
        return (self.inner,)

    def tex(self, minus: str) -> str:
        return rf"{{{self.inner.tex(minus)}}}^{{\mathsf{{T}}}}"

    def mathml(self) -> str:
        return f'<msup>{self.inner.mathml()}<mi mathvariant="normal">T</mi></msup>'

    def plain(self) -> str:
        return self.inner.plain() + "ᵀ"

    def width(self) -> float:
        return self.inner.width() + 0.8


@dataclass(frozen=True, eq=False)
class Sqrt(Node):
    inner: Node

    def children(self) -> Sequence[Node]:
        return (self.inner,)

    def tex(self, minus: str) -> str:
        return rf"\sqrt{{{self.inner.tex(minus)}}}"

    def mathml(self) -> str:
        return f"<msqrt>{self.inner.mathml()}</msqrt>"

    def plain(self) -> str:
        return "√" + _grouped(self.inner)

    def width(self) -> float:
        return self.inner.width() + 1.5


@dataclass(frozen=True, eq=False)
class Sum(Node):
    """Σ over `index` of `body`."""

    index: str
    body: Node

    def children(self) -> Sequence[Node]:
        return (self.body,)

    @property
    def tall(self) -> bool:
        return True

    def tex(self, minus: str) -> str:
        return rf"\sum_{{{self.index}}} {self.body.tex(minus)}"

    def mathml(self) -> str:
        return mrow(f"<munder><mo>∑</mo><mi>{escape(self.index)}</mi></munder>", self.body.mathml())

    def plain(self) -> str:
        return f"Σ_{self.index} {self.body.plain()}"

    def width(self) -> float:
        return self.body.width() + 2


class Call(Node):
    """A function applied to its arguments: max(0, O1), σ(O1), relu′(O1)."""

    def __init__(self, function: Node, *args: Node) -> None:
        self.function, self.args = function, args
        self.bracket = Paren(Op(",", *args) if len(args) > 1 else args[0])

    def children(self) -> Sequence[Node]:
        return (self.function, self.bracket)

    def tex(self, minus: str) -> str:
        return self.function.tex(minus) + self.bracket.tex(minus)

    def mathml(self) -> str:
        return mrow(self.function.mathml(), mo("\u2061"), self.bracket.mathml())

    def plain(self) -> str:
        return self.function.plain() + self.bracket.plain()

    def width(self) -> float:
        return self.function.width() + self.bracket.width()


class Grid(Node):
    """Numbers in rows and columns: a row vector `[a b]`, or a matrix in round brackets.

    A single number is shown bare (x = 2, not [2]); a matrix of one row as a row vector.
    """

    def __init__(self, rows: Sequence[Sequence[Node]]) -> None:
        self.rows = [list(r) for r in rows]

    @property
    def single(self) -> Node | None:
        return self.rows[0][0] if len(self.rows) == 1 and len(self.rows[0]) == 1 else None

    @property
    def is_row(self) -> bool:
        return len(self.rows) == 1

    @property
    def tall(self) -> bool:
        return len(self.rows) > 1

    def children(self) -> Sequence[Node]:
        return [n for row in self.rows for n in row]

    @property
    def negative(self) -> bool:
        single = self.single
        return single is not None and single.negative

    def tex(self, minus: str) -> str:
        if self.single is not None:
            return self.single.tex(minus)
        env = "bmatrix" if self.is_row else "pmatrix"
        body = r" \\ ".join(" & ".join(n.tex(minus) for n in row) for row in self.rows)
        return rf"\begin{{{env}}} {body} \end{{{env}}}"

    def mathml(self) -> str:
        if self.single is not None:
            return self.single.mathml()
        if self.is_row:
            space = '<mspace width="0.7em"/>'
            return mrow(fence("[", False), *_join([n.mathml() for n in self.rows[0]], space), fence("]", False))
        rows = "".join("<mtr>" + "".join(f"<mtd>{n.mathml()}</mtd>" for n in row) + "</mtr>" for row in self.rows)
        return mrow(fence("("), f"<mtable>{rows}</mtable>", fence(")"))

    def plain(self) -> str:
        if self.single is not None:
            return self.single.plain()
        text = "; ".join(" ".join(n.plain() for n in row) for row in self.rows)
        return f"[{text}]" if self.is_row else f"({text})"

    def width(self) -> float:
        if self.single is not None:
            return self.single.width()
        return max(sum(n.width() + 1.5 for n in row) for row in self.rows) + 2

    @property
    def columns(self) -> int:
        return max(len(r) for r in self.rows)


@dataclass(frozen=True, eq=False)
class Cases(Node):
    """{ value if condition, … }: the slope of ReLU."""

    cases: tuple[tuple[Node, Node], ...]

    def children(self) -> Sequence[Node]:
        return [n for case in self.cases for n in case]

    @property
    def tall(self) -> bool:
        return True

    def tex(self, minus: str) -> str:
        body = r" \\ ".join(f"{v.tex(minus)} & {c.tex(minus)}" for v, c in self.cases)
        return rf"\begin{{cases}} {body} \end{{cases}}"

    def mathml(self) -> str:
        rows = "".join(
            f'<mtr><mtd>{v.mathml()}</mtd><mtd><mspace width="1em"/>{c.mathml()}</mtd></mtr>' for v, c in self.cases
        )
        return mrow(mo("{"), f'<mtable class="cases">{rows}</mtable>')

    def plain(self) -> str:
        return ", ".join(f"{v.plain()} {c.plain()}" for v, c in self.cases)
