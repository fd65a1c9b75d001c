"""A `Solution` written out: Markdown with `$…$` math, one self-contained HTML page (MathML, an
inline SVG of the network, no script, nothing fetched), or a LaTeX document for pdflatex.

Each starts with a comment carrying `MARK`, so that `sheetnet solve --out` replaces its own
files and no other.
"""

from __future__ import annotations

import re
from html import escape

from sheetnet import __version__
from sheetnet.diagram import network_svg
from sheetnet.equation import Equation, relation_mathml, relation_tex
from sheetnet.net import reduction_word
from sheetnet.notation import MINUS, Num
from sheetnet.pages import head
from sheetnet.solution import MARK, Block, Fact, Solution

MD_WIDTH = 80  # about how many characters of math fit a line: a longer equation continues on the next
HTML_WIDTH = 76  # 84 fitted Latin Modern; with DejaVu alone (Debian's chromium) 84 overflowed 1000 px
TEX_WIDTH = 72
LOSS_COLUMNS = 4  # the loss table's (iteration, L) pairs side by side, for a long run


def _packed(block: Block, width: float) -> list[list[Equation]]:
    """A block of given values (the parameters an iteration starts from) as lines of equations."""
    lines: list[list[Equation]] = [[]]
    used = 0.0
    for step in block.steps:
        equation = step.equation
        size = equation.lhs.width() + 3 + sum(side.width() for side in equation.sides) + 4
        if lines[-1] and used + size > width:
            lines.append([])
            used = 0.0
        lines[-1].append(equation)
        used += size
    return lines


def _loss_table(solution: Solution) -> list[list[tuple[int, Num]]]:
    """The loss table's rows, each a list of (iteration, L) pairs: up to 10 in one column, else 4 columns."""
    losses = list(solution.losses)
    columns = 1 if len(losses) <= 10 else LOSS_COLUMNS
    height = -(-len(losses) // columns)
    return [losses[r::height] for r in range(height)]


def _loss_caption(solution: Solution) -> str:
    n = solution.network.iters
    network = solution.network
    if network.per_update > 1:
        each = " each iteration uses" if network.batched else ""
        what = f"the {reduction_word(network)} loss over the samples{each}"
        if network.reduction == "sum":
            what = f"the sum of the losses over the samples{each}"
    else:
        what = "the loss" + (" of the sample each iteration uses" if network.batched else "")
    every = f", every {solution.loss_every}th iteration and the last" if solution.loss_every > 1 else ""
    full = " The iterations worked in full above are in bold." if len(solution.iterations) < n else ""
    return f"L, {what}, in each iteration before its update{every}.{full}"


def _footer(solution: Solution) -> str:
    return (
        f"Written by sheetnet {__version__} (sheetnet solve). Every number is the run's own, the same as in "
        "the workbook sheetnet run writes for this network."
    )


# ---------------------------------------------------------------------------------------------
# LaTeX math, for Markdown and the .tex document


def _tex_lines(equation: Equation, minus: str, width: float) -> list[str]:
    """`lhs &= a = b`, `&= c`: the equation's lines, aligned at their relation."""
    lines = []
    for n, (relation, sides) in enumerate(equation.lines(width)):
        left = equation.lhs.tex(minus) if n == 0 else ""
        right = " = ".join(side.tex(minus) for side in sides)
        lines.append(f"{left} &{relation_tex(relation)} {right}")
    return lines


def _tex_inline(equation: Equation, minus: str) -> str:
    rhs = " = ".join(side.tex(minus) for side in equation.sides)
    return f"{equation.lhs.tex(minus)} {relation_tex(equation.relation)} {rhs}"


# ---------------------------------------------------------------------------------------------
# Markdown

MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|$])")


def _md_text(text: str) -> str:
    return MD_SPECIAL.sub(r"\\\1", text)


def markdown(solution: Solution) -> str:
    """The solution in Markdown; math as `$…$` and `$$…$$` (GitHub, Jupyter, most editors)."""
    out = [f"<!-- {MARK} {__version__} -->", "", f"# {solution.title}", "", _md_text(solution.summary), ""]
    out += ["## The network", ""]
    for fact in solution.facts:
        out.append(_md_fact(fact))
    out.append("")
    for iteration in solution.iterations:
        out += [f"## Iteration {iteration.t}", ""]
        for block in iteration.blocks:
            out += _md_block(block)
    if solution.final is not None:
        out += ["## After training", "", *_md_block(solution.final)]
    out += ["## The loss, iteration by iteration", "", _md_text(_loss_caption(solution)), ""]
    rows = _loss_table(solution)
    pairs = len(rows[0])
    out.append("| " + " | ".join(["iteration | $L$"] * pairs) + " |")
    out.append("|" + "---:|" * (2 * pairs))
    full = {it.t for it in solution.iterations}
    for row in rows:
        cells = []
        for t, loss in row:
            cells += [f"**{t}**" if t in full else str(t), loss.plain()]
        cells += [""] * (2 * pairs - len(cells))
        out.append("| " + " | ".join(cells) + " |")
    out += ["", f"<sub>{_md_text(_footer(solution))}</sub>", ""]
    return "\n".join(out)


def _md_fact(fact: Fact) -> str:
    lines = [", ".join(f"${_tex_inline(e, MINUS)}$" for e in line) for line in fact.lines]
    words = _md_text(fact.text)
    if len(lines) > 1:  # a line each, under the label
        return f"- **{_md_text(fact.label)}**: {words}" + "".join(f"\n  - {line}" for line in lines)
    body = f"{words}: {lines[0]}" if words and lines else words or "".join(lines)
    return f"- **{_md_text(fact.label)}**: {body}"


def _md_block(block: Block) -> list[str]:
    out = [f"### {_md_text(block.title)}", ""]
    if block.givens:
        for line in _packed(block, MD_WIDTH):
            out += ["$$", r", \qquad ".join(_tex_inline(e, MINUS) for e in line), "$$", ""]
        return out
    for step in block.steps:
        lines = _tex_lines(step.equation, MINUS, MD_WIDTH)
        if len(lines) == 1:
            math = lines[0].replace(" &", " ", 1)
        else:
            math = "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"
        out += ["$$", math, "$$", ""]
        if step.note:
            out += [f"*{_md_text(step.note)}*", ""]
    return out


# ---------------------------------------------------------------------------------------------
# HTML

CSS = """
:root{color:#1b1b1b;background:#fff}
body{margin:0;font:17px/1.45 "Latin Modern Roman","CMU Serif",Georgia,"Times New Roman",serif}
main{box-sizing:border-box;max-width:57rem;margin:0 auto;padding:2rem 1.5rem 3rem}
math{font-family:"Latin Modern Math","STIX Two Math","Cambria Math",math;font-size:1.08em;math-style:normal}
h1{font-size:1.75rem;margin:0 0 .3rem;font-weight:600}
.summary{color:#555;margin:0 0 1rem}
h2{font-size:1.35rem;font-weight:600;border-bottom:1px solid #c9ced8;padding-bottom:.15rem;margin:2.2rem 0 .6rem}
h3{font-size:1.02rem;font-weight:600;color:#34507d;margin:1.3rem 0 .35rem}
figure{margin:1rem 0;text-align:center}
figure svg{max-width:100%;height:auto}
figcaption{color:#555;font-size:.88rem;margin-top:.3rem}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.45rem 1rem;margin:0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;overflow-x:auto;overflow-y:hidden}
dl.facts .line{padding:.22rem 0 .22rem 1.2rem}
.step{display:grid;grid-template-columns:6.5rem minmax(0,1fr);column-gap:.1rem;align-items:baseline;
  margin:.2rem 0 .55rem;break-inside:avoid}
.lhs{text-align:right}
.rhs{padding:.22rem 0;overflow-x:auto;overflow-y:hidden}
.givens{display:flex;flex-wrap:wrap;align-items:baseline;gap:.5rem 2.2rem;padding-left:2rem}
.note{grid-column:2;color:#666;font-size:.84rem;font-style:italic;margin-top:-.05rem}
table.losses{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
table.losses th,table.losses td{padding:.12rem .7rem;text-align:right;border-bottom:1px solid #e2e5ea}
table.losses th{border-bottom:1.5px solid #8a94a6;font-weight:600}
table.losses td.t{color:#555}
table.losses td.full{font-weight:700;color:#1b1b1b}
table.losses .gap{border:none;width:1.2rem}
footer{margin-top:2.5rem;color:#777;font-size:.8rem}
mtable.cases mtd{text-align:left}
@page{size:A4;margin:16mm}
@media print{
  body{font-size:10.5pt}
  main{max-width:none;padding:0}
  h2,h3{break-after:avoid}
  section.iteration{break-before:page}
  .rhs{overflow:visible}
}
"""


def _math(content: str) -> str:
    return f'<math displaystyle="true">{content}</math>'


def _html_equation(equation: Equation) -> str:
    rhs = relation_mathml(equation.relation) + relation_mathml("=").join(s.mathml() for s in equation.sides)
    return _math(equation.lhs.mathml() + rhs)


def _html_step(equation: Equation, note: str) -> str:
    rows = []
    for n, (relation, sides) in enumerate(equation.lines(HTML_WIDTH)):
        lhs = _math(equation.lhs.mathml()) if n == 0 else ""
        rhs = relation_mathml(relation) + relation_mathml("=").join(s.mathml() for s in sides)
        rows.append(f'<div class="lhs">{lhs}</div><div class="rhs">{_math(rhs)}</div>')
    if note:
        rows.append(f'<div class="note">{escape(note)}</div>')
    return f'<div class="step">{"".join(rows)}</div>'


def _html_block(block: Block) -> str:
    if block.givens:
        given = "".join(f"<span>{_html_equation(step.equation)}</span>" for step in block.steps)
        return f'<h3>{escape(block.title)}</h3><div class="givens">{given}</div>'
    steps = "".join(_html_step(step.equation, step.note) for step in block.steps)
    return f"<h3>{escape(block.title)}</h3>{steps}"


def html(solution: Solution) -> str:
    """The solution as one HTML page: MathML, an SVG of the network, print-friendly CSS; no script,
    nothing fetched (its Content-Security-Policy forbids both)."""
    network = solution.network
    facts = "".join(f"<dt>{escape(fact.label)}</dt><dd>{_html_fact(fact)}</dd>" for fact in solution.facts)
    parts = [
        *head(MARK, solution.title),
        f"<style>{CSS.strip()}</style>",
        "</head><body><main>",
        f'<header><h1>{escape(solution.title)}</h1><p class="summary">{escape(solution.summary)}</p></header>',
        '<section class="network"><h2>The network</h2>',
        f'<figure class="diagram">{network_svg(network)}<figcaption>W<i>l</i>[j,i] joins input i to neuron j '
        "of layer <i>l</i>; B<i>l</i>[j] is added to neuron j.</figcaption></figure>",
        f'<dl class="facts">{facts}</dl></section>',
    ]
    for iteration in solution.iterations:
        blocks = "".join(_html_block(block) for block in iteration.blocks)
        heading = f"<h2>Iteration {iteration.t}</h2>"
        parts.append(f'<section class="iteration" id="iteration-{iteration.t}">{heading}{blocks}</section>')
    if solution.final is not None:
        parts.append(f'<section class="final"><h2>After training</h2>{_html_block(solution.final)}</section>')
    parts.append(_html_losses(solution))
    parts.append(f"<footer>{escape(_footer(solution))}</footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _html_fact(fact: Fact) -> str:
    lines = [", ".join(_html_equation(e) for e in line) for line in fact.lines]
    words = escape(fact.text)
    if len(lines) > 1:
        return words + "".join(f'<div class="line">{line}</div>' for line in lines)
    return f"{words}: {lines[0]}" if words and lines else words or "".join(lines)


def _html_losses(solution: Solution) -> str:
    rows = _loss_table(solution)
    pairs = len(rows[0])
    full = {it.t for it in solution.iterations}
    head = '<th class="gap"></th>'.join(["<th>iteration</th><th><math><mi>L</mi></math></th>"] * pairs)
    body = []
    for row in rows:
        cells = []
        for t, loss in row:
            cls = "t full" if t in full else "t"
            cells.append(f'<td class="{cls}">{t}</td><td>{escape(loss.plain())}</td>')
        cells += ["<td></td><td></td>"] * (pairs - len(row))
        body.append("<tr>" + '<td class="gap"></td>'.join(cells) + "</tr>")
    return (
        '<section class="losses"><h2>The loss, iteration by iteration</h2>'
        f"<p>{escape(_loss_caption(solution))}</p>"
        f'<table class="losses"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></section>'
    )


# ---------------------------------------------------------------------------------------------
# LaTeX

TEX_TEXT = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "%": r"\%",
    "^": r"\^{}",
    "~": r"\~{}",
    "<": r"$<$",
    ">": r"$>$",
    "|": r"$|$",
    "−": r"$-$",
    "·": r"$\cdot$",
    "Σ": r"$\Sigma$",
    "∂": r"$\partial$",
    "η": r"$\eta$",
    "μ": r"$\mu$",
    "β": r"$\beta$",
    "ε": r"$\varepsilon$",
    "σ": r"$\sigma$",
    "Δ": r"$\Delta$",
    "ŷ": r"$\hat y$",
    "∘": r"$\circ$",
    "←": r"$\leftarrow$",
    "→": r"$\to$",
    "×": r"$\times$",
    "½": r"$\frac12$",
    "ᵀ": r"$^{\mathsf T}$",
    "√": r"$\surd$",
    "′": "'",
    "’": "'",
    "–": "--",
    "—": "---",
    "…": r"\dots{}",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    **{chr(0x2080 + d): f"$_{d}$" for d in range(10)},
    **{"⁰¹²³⁴⁵⁶⁷⁸⁹"[d]: f"$^{d}$" for d in range(10)},
    "⁻": "$^-$",
}


def _tex_text(text: str) -> str:
    """Text for pdflatex with no package beyond amsmath: special characters escaped, the notes'
    symbols as math; the result is ASCII."""
    text = re.sub(r"(\w)\u0302", lambda m: f"\x00{m.group(1)}\x01", text)
    out = []
    for ch in text:
        if ch == "\x00":
            out.append(r"$\hat{")
        elif ch == "\x01":
            out.append("}$")
        elif ch in TEX_TEXT:
            out.append(TEX_TEXT[ch])
        elif ch.isascii():
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def latex(solution: Solution) -> str:
    """The solution as a LaTeX document that pdflatex compiles with amsmath alone (texlive-latex-base)."""
    columns = max(10, max(solution.network.layers) + 1)
    out = [
        f"% {MARK} {__version__}",
        r"\documentclass[11pt,a4paper,fleqn]{article}",
        r"\usepackage{amsmath}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{color}",
        r"\definecolor{note}{gray}{0.38}",
        r"\definecolor{head}{rgb}{0.2,0.31,0.49}",
        rf"\setcounter{{MaxMatrixCols}}{{{columns}}}",
        r"\allowdisplaybreaks",
        r"\setlength{\mathindent}{2em}",
        r"\makeatletter",
        r"\g@addto@macro\normalsize{\setlength\abovedisplayskip{4pt plus 2pt}\setlength\belowdisplayskip{4pt plus 2pt}"
        r"\setlength\abovedisplayshortskip{2pt plus 2pt}\setlength\belowdisplayshortskip{4pt plus 2pt}}",
        r"\makeatother",
        r"\setlength{\parindent}{0pt}",
        r"\setlength{\parskip}{3pt}",
        r"\newcommand{\note}[1]{\par\vspace{-3pt}\hspace*{3em}{\small\itshape\color{note}#1}\par\smallskip}",
        r"\newcommand{\block}[1]{\par\medskip{\color{head}\bfseries #1}\par}",
        r"\begin{document}",
        rf"{{\Large\bfseries {_tex_text(solution.title)}}}\par\smallskip",
        rf"{{\small\color{{note}} {_tex_text(solution.summary)}}}",
        r"\section*{The network}",
        r"\begin{itemize}",
    ]
    for fact in solution.facts:
        lines = [", ".join(f"${_tex_inline(e, '-')}$" for e in line) for line in fact.lines]
        words = _tex_text(fact.text)
        if len(lines) > 1:
            body = words + "".join(rf"\\ \hspace*{{1em}}{line}" for line in lines)
        else:
            body = f"{words}: {lines[0]}" if words and lines else words or "".join(lines)
        out.append(rf"\item \textbf{{{_tex_text(fact.label)}}}: {body}")
    out.append(r"\end{itemize}")
    for iteration in solution.iterations:
        out.append(r"\clearpage" if iteration.t else "")
        out.append(rf"\section*{{Iteration {iteration.t}}}")
        for block in iteration.blocks:
            out += _tex_block(block)
    if solution.final is not None:
        out.append(r"\section*{After training}")
        out += _tex_block(solution.final)
    out += [r"\section*{The loss, iteration by iteration}", _tex_text(_loss_caption(solution)), ""]
    rows = _loss_table(solution)
    pairs = len(rows[0])
    full = {it.t for it in solution.iterations}
    out.append(r"\begin{center}\begin{tabular}{" + "@{\\qquad}".join(["rr"] * pairs) + "}")
    out.append(" & ".join(["iteration & $L$"] * pairs) + r" \\ \hline")
    for row in rows:
        cells = []
        for t, loss in row:
            cells += [rf"\textbf{{{t}}}" if t in full else str(t), f"${loss.tex('-')}$"]
        cells += [""] * (2 * pairs - len(cells))
        out.append(" & ".join(cells) + r" \\")
    out += [r"\end{tabular}\end{center}", "", rf"{{\footnotesize\color{{note}} {_tex_text(_footer(solution))}}}"]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def _tex_block(block: Block) -> list[str]:
    out = [rf"\block{{{_tex_text(block.title)}}}"]
    if block.givens:
        lines = [r", \qquad ".join(_tex_inline(e, "-") for e in line) for line in _packed(block, TEX_WIDTH)]
        return [*out, r"\begin{gather*}", " \\\\\n".join(lines), r"\end{gather*}"]
    for step in block.steps:
        lines = _tex_lines(step.equation, "-", TEX_WIDTH)
        out.append(r"\begin{align*}")
        out.append(" \\\\\n".join(lines))
        out.append(r"\end{align*}")
        if step.note:
            out.append(rf"\note{{{_tex_text(step.note)}}}")
    return out


def render(solution: Solution, fmt: str) -> str:
    """The solution as a document in `fmt` (md, html or tex)."""
    return {"md": markdown, "html": html, "tex": latex}[fmt](solution)
