"""`sheetnet solve`: every number of the worked solution is the run's, every equation holds, and
the three documents work where they are read (Chromium renders the page, pdflatex compiles the
LaTeX)."""

from __future__ import annotations

import math
import random
import re
import shutil
import struct
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from browser import headless, measured, required
from click.testing import CliRunner
from test_notes import NOTES, UPDATED

from sheetnet.cli import main
from sheetnet.diagram import network_svg
from sheetnet.documents import html, latex, markdown
from sheetnet.net import STEP_PREFIX, build_iteration
from sheetnet.notation import (
    Call,
    Const,
    Frac,
    Grid,
    Neg,
    Node,
    Num,
    Op,
    Paren,
    Power,
    Seq,
    Sqrt,
    Var,
    Word,
)
from sheetnet.render import number
from sheetnet.solution import MARK, Solution, Step
from sheetnet.solve import default_iterations, parse_iterations, solve
from sheetnet.spec import (
    HIDDEN_ACTIVATIONS,
    LOSSES,
    OUTPUT_ACTIVATIONS,
    Network,
    Sample,
    default_network,
    glorot_uniform,
    load_network,
)
from sheetnet.trace import run

from hang import HANG

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["notes", "xor", "softmax-3-class", "mazur-2-2-2"]


def _example(name: str) -> Network:
    return load_network(ROOT / "examples" / f"{name}.toml")


def _momentum() -> Network:
    return replace(default_network(), optimizer="momentum", momentum=0.9, iters=3)


def _adam() -> Network:
    return replace(default_network(), optimizer="adam", lr=0.05, iters=3)


NAMED = {**{name: _example for name in EXAMPLES}, "momentum": lambda _: _momentum(), "adam": lambda _: _adam()}


def _named(name: str) -> Network:
    return NAMED[name](name)


def _combination(hidden: str, output: str, loss: str, n: int) -> Network:
    """A 2-3-2 network (a 2-2 one for every fourth), two samples, two iterations; the optimizer
    and whether the biases train vary from one combination to the next."""
    layers = (2, 3, 2) if n % 4 else (2, 2)
    weights, _ = glorot_uniform(layers, seed=n)
    rng = random.Random(n)
    biases = tuple(tuple(rng.uniform(-0.3, 0.3) for _ in range(size)) for size in layers[1:])
    if loss == "cross_entropy" and output == "softmax":
        targets = [(1.0, 0.0), (0.0, 1.0)]
    elif loss == "cross_entropy":
        targets = [(0.2, 0.9), (1.0, 0.0)]
    else:
        targets = [(0.5, -0.4), (1.5, 0.25)]
    samples = (Sample((0.7, -1.2), targets[0]), Sample((-0.3, 0.8), targets[1]))
    return replace(
        default_network(),
        layers=layers,
        weights=weights,
        biases=biases,
        samples=samples,
        activation=hidden,
        output_activation=output,
        loss=loss,
        iters=2,
        lr=0.1,
        optimizer=("sgd", "momentum", "adam")[n % 3],
        train_biases=n % 5 != 0,
    )


COMBINATIONS = [
    (hidden, output, loss)
    for hidden in HIDDEN_ACTIVATIONS
    for output in OUTPUT_ACTIVATIONS
    for loss in LOSSES
    if loss != "cross_entropy" or output in ("softmax", "sigmoid")
]


def _combinations() -> list[Network]:
    return [_combination(*c, n) for n, c in enumerate(COMBINATIONS)]


def _steps(solution: Solution) -> list[tuple[int, Step]]:
    return [(it.t, step) for it in solution.iterations for block in it.blocks for step in block.steps]


# ---------------------------------------------------------------------------------------------
# An independent reading of the numbers put in: evaluate them, element by element


Matrix = list[list[float]]


def _broadcast(a: Matrix, b: Matrix, f) -> Matrix:
    if len(a) == 1 and len(a[0]) == 1:
        a = [[a[0][0]] * len(b[0]) for _ in b]
    if len(b) == 1 and len(b[0]) == 1:
        b = [[b[0][0]] * len(a[0]) for _ in a]
    assert len(a) == len(b) and len(a[0]) == len(b[0]), (a, b)
    return [[f(x, y) for x, y in zip(ra, rb, strict=True)] for ra, rb in zip(a, b, strict=True)]


def _scalar(m: Matrix) -> bool:
    return len(m) == 1 and len(m[0]) == 1


def _product(a: Matrix, b: Matrix) -> Matrix:
    if _scalar(a) or _scalar(b):
        return _broadcast(a, b, lambda x, y: x * y)
    assert len(a[0]) == len(b), (a, b)
    return [[sum(a[r][k] * b[k][c] for k in range(len(b))) for c in range(len(b[0]))] for r in range(len(a))]


def _map(m: Matrix, f) -> Matrix:
    return [[f(v) for v in row] for row in m]


FUNCTIONS = {
    "exp": math.exp,
    "ln": math.log,
    "tanh": math.tanh,
    "σ": lambda z: 1 / (1 + math.exp(-z)),
    "relu'": lambda z: 1.0 if z > 0 else 0.0,
    "lrelu'": lambda z: 1.0 if z > 0 else 0.01,
}


def evaluate(node: Node) -> Matrix:
    """The value of the numbers-put-in side: `·` is a matrix product (or a scalar's), `∘` and the
    functions act element by element, a single number broadcasts."""
    if isinstance(node, Num):
        return [[node.value]]
    if isinstance(node, Const):
        return [[float(node.text)]]
    if isinstance(node, Grid):
        return [[evaluate(n)[0][0] for n in row] for row in node.rows]
    if isinstance(node, Paren):
        return evaluate(node.inner)
    if isinstance(node, Neg):
        return _map(evaluate(node.term), lambda v: -v)
    if isinstance(node, Op):
        values = [evaluate(t) for t in node.terms]
        result = values[0]
        for value in values[1:]:
            if node.op == "·":
                result = _product(result, value)
            else:
                op = {"+": lambda x, y: x + y, "−": lambda x, y: x - y, "∘": lambda x, y: x * y}[node.op]
                result = _broadcast(result, value, op)
        return result
    if isinstance(node, Seq):
        result = [[1.0]]
        for part in node.parts:
            result = _product(result, evaluate(part))
        return result
    if isinstance(node, Frac):
        return _broadcast(evaluate(node.top), evaluate(node.bottom), lambda x, y: x / y)
    if isinstance(node, Power):
        return _broadcast(evaluate(node.base), evaluate(node.exponent), lambda x, y: x**y)
    if isinstance(node, Sqrt):
        return _map(evaluate(node.inner), math.sqrt)
    if isinstance(node, Call):
        function = node.function
        args = [evaluate(a) for a in node.args]
        if isinstance(function, Word) and function.name == "max":
            return _broadcast(args[0], args[1], max)
        name = function.name + ("'" if function.prime else "") if isinstance(function, Word) else None
        if isinstance(function, Var):
            name = function.base
        return _map(args[0], FUNCTIONS[name])
    raise AssertionError(f"cannot evaluate {node!r}")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _assert_holds(network: Network, solution: Solution) -> None:
    """Every step's numbers put in give its result, and every number is the trace's."""
    trace = run(network)
    for leaf in solution.numbers():
        if isinstance(leaf, Num):
            assert leaf.key is not None
            assert leaf.value == trace.values[leaf.key] if leaf.key.q != "L" else trace.losses[leaf.key.t]
            assert leaf.text == number(leaf.value, solution.digits)
    for t, step in _steps(solution):
        sides = step.equation.sides
        result = evaluate(sides[-1])
        for side in sides[:-1]:
            if any(isinstance(leaf, Num) for leaf in side.leaves()):
                got = evaluate(side)
                flat_got = [v for row in got for v in row]
                flat_want = [v for row in result for v in row]
                assert len(flat_got) == len(flat_want) and all(
                    _close(g, w) for g, w in zip(flat_got, flat_want, strict=True)
                ), (t, step.equation.plain())


@pytest.mark.parametrize("name", list(NAMED))
def test_every_number_is_the_trace_and_every_equation_holds(name: str) -> None:
    network = _named(name)
    solution = solve(network, iterations=range(network.iters))
    _assert_holds(network, solution)


@pytest.mark.parametrize("n", range(len(COMBINATIONS)), ids=["-".join(c) for c in COMBINATIONS])
def test_every_activation_loss_and_optimizer(n: int) -> None:
    network = _combination(*COMBINATIONS[n], n)
    solution = solve(network)
    _assert_holds(network, solution)
    # every quantity of the iteration is a step (the gradient-descent step row is inside its update)
    for iteration in solution.iterations:
        graph = build_iteration(network, iteration.t)
        expected = [q.name for q in graph.quantities if not q.name.startswith(STEP_PREFIX)]
        assert [step.name for block in iteration.blocks for step in block.steps] == expected


def test_a_network_without_hidden_layers() -> None:
    network = replace(_combination("relu", "sigmoid", "cross_entropy", 7), layers=(2, 2))
    network = replace(network, weights=glorot_uniform((2, 2), 3)[0], biases=((0.1, -0.1),))
    _assert_holds(network, solve(network))


# ---------------------------------------------------------------------------------------------
# The notes


def test_the_notes_first_step_reads_as_the_issue_writes_it(notes_trace) -> None:
    solution = solve(default_network())
    steps = {(t, step.name): step.equation.plain() for t, step in _steps(solution)}
    assert steps[(0, "O1")] == "O1 = x·W1ᵀ + B1 = 2·[1 1] + [−0.5 −0.5] = [1.5 1.5]"
    assert steps[(0, "∂L/∂B1")] == "∂L/∂B1 = (∂L/∂B2·W2) ∘ f'(O1) = ([3.5 3.5]·(1 1; 1 1)) ∘ [1 1] = [7 7]"
    assert steps[(0, "W1")] == ("W1 ← W1 − η·∂L/∂W1 = (1; 1) − 0.01·(14; 14) = (1; 1) + (−0.14; −0.14) = (0.86; 0.86)")
    assert steps[(1, "O1")].endswith("= [1.15 1.15]")


@pytest.mark.parametrize(("t", "name", "expected"), NOTES + UPDATED, ids=[f"{t}-{n}" for t, n, _ in NOTES + UPDATED])
def test_the_default_run_writes_the_notes_numbers(t: int, name: str, expected: list[float]) -> None:
    solution = solve(default_network(), digits=5)
    iteration = solution.iterations[t]
    blocks = (
        [b for b in iteration.blocks if b.title.startswith("Update")]
        if (t, name, expected) in UPDATED
        else [b for b in iteration.blocks if not b.title.startswith(("Update", "Parameters"))]
    )
    (step,) = [s for b in blocks for s in b.steps if s.name == name]
    shown = [float(leaf.text) for leaf in step.equation.sides[-1].leaves()]
    assert len(shown) == len(expected) and all(
        abs(s - e) <= 0.5e-4 + 1e-12 for s, e in zip(shown, expected, strict=True)
    )


# ---------------------------------------------------------------------------------------------
# The Markdown: the numbers read back out of it

SUBSCRIPT = re.compile(r"_\{[^{}]*\}|\^\{\([^{}]*\)\}")
TOKEN = re.compile(r"(?<![\w.])([−-]?\d+(?:\.\d+)?)(?: \\times 10\^\{([−-]?\d+)\})?")
PLAIN_TOKEN = re.compile(r"^(−?\d+(?:\.\d+)?)(?:×10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?$")
SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def _canonical(mantissa: str, exponent: str | None) -> tuple[str, int]:
    return mantissa.replace("−", "-"), int(exponent.replace("−", "-")) if exponent else 0


def _leaf_canonical(leaf: Node) -> tuple[str, int]:
    if isinstance(leaf, Const):
        return leaf.text, 0
    assert isinstance(leaf, Num)
    mantissa, _, exponent = leaf.text.partition("e")
    return mantissa, int(exponent) if exponent else 0


def _markdown_numbers(text: str) -> list[tuple[str, int]]:
    """Every number in the Markdown's math (subscripts and sample marks left out), then the loss table's."""
    body, _, table = text.partition("## The loss, iteration by iteration")
    math_parts = re.findall(r"\$\$\n(.*?)\n\$\$", body, flags=re.S)
    rest = re.sub(r"\$\$\n(.*?)\n\$\$", "\x00", body, flags=re.S)
    numbers: list[tuple[str, int]] = []
    # in document order: inline math ($…$) and display math ($$…$$) as they come
    display = iter(math_parts)
    for piece in re.split(r"(\x00|(?<!\\)\$[^$\n]+(?<!\\)\$)", rest):
        if piece == "\x00":
            segment = next(display)
        elif piece.startswith("$"):
            segment = piece[1:-1]
        else:
            continue
        segment = SUBSCRIPT.sub("", segment)
        numbers += [_canonical(m, e) for m, e in TOKEN.findall(segment)]
    losses = []
    for line in table.splitlines():
        if line.startswith("| ") and "iteration" not in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            for t, loss in zip(cells[::2], cells[1::2], strict=True):
                if loss:
                    match = PLAIN_TOKEN.match(loss)
                    assert match, loss
                    exponent = match.group(2).translate(SUPERSCRIPT) if match.group(2) else None
                    losses.append((int(t.strip("*")), _canonical(match.group(1), exponent)))
    return numbers + [loss for _, loss in sorted(losses)]


@pytest.mark.parametrize("name", list(NAMED))
def test_every_number_in_the_markdown_is_the_solutions(name: str) -> None:
    network = _named(name)
    solution = solve(network, digits=4)
    text = markdown(solution)
    assert _markdown_numbers(text) == [_leaf_canonical(leaf) for leaf in solution.numbers()]
    assert text.startswith(f"<!-- {MARK}")
    assert "-0." not in text.replace("$-$", "")  # negative numbers carry the minus sign U+2212


def test_markdown_of_the_notes() -> None:
    text = markdown(solve(default_network()))
    assert "$$\nO_{1} = x \\cdot {W_{1}}^{\\mathsf{T}} + B_{1} = 2 \\cdot \\begin{bmatrix} 1 & 1 \\end{bmatrix}" in text
    assert "\\begin{bmatrix} −0.5 & −0.5 \\end{bmatrix}" in text
    assert "## Iteration 2" in text and "## Iteration 3" not in text
    assert "| iteration | $L$ |" in text


# ---------------------------------------------------------------------------------------------
# Which iterations


def test_default_iterations() -> None:
    assert default_iterations(3) == [0, 1, 2]
    assert default_iterations(10) == list(range(10))
    assert default_iterations(100) == [0, 1, 2, 99]


def test_parse_iterations() -> None:
    assert parse_iterations("0,1,2,99", 100) == [0, 1, 2, 99]
    assert parse_iterations("5, 0-2", 10) == [0, 1, 2, 5]
    for bad in ("100", "x", "3-1", "-1"):
        with pytest.raises(Exception, match="--iterations"):
            parse_iterations(bad, 100)


def test_a_long_run_shows_the_first_and_last_iterations_and_the_loss_of_every_one() -> None:
    network = _example("xor")
    solution = solve(network)
    assert [it.t for it in solution.iterations] == [0, 1, 2, 99]
    assert [t for t, _ in solution.losses] == list(range(100))
    assert solution.final is None
    longer = solve(replace(network, iters=260), iterations=[0])
    assert [t for t, _ in longer.losses] == [*range(0, 260, 3), 259]
    assert longer.final is not None and [s.name for s in longer.final.steps] == ["W1", "B1", "W2", "B2"]
    _assert_holds(replace(network, iters=260), longer)


# ---------------------------------------------------------------------------------------------
# HTML


@pytest.mark.parametrize("name", list(NAMED))
def test_html_is_one_self_contained_page(name: str) -> None:
    network = _named(name)
    page = html(solve(network))
    assert page.startswith("<!DOCTYPE html>\n<!-- " + MARK)
    lowered = page.lower()
    for forbidden in ("<script", "://", " src=", "<link", "@import", "url("):
        assert forbidden not in lowered, forbidden
    assert "default-src 'none'" in page  # its Content-Security-Policy: nothing fetched, no script runs
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count("<circle") == sum(network.layers)
    for l in range(1, network.depth + 1):
        for j in range(network.layers[l]):
            assert f"+ B{l}[{j}]" in svg
            for i in range(network.layers[l - 1]):
                assert f">W{l}[{j},{i}]<" in svg
    assert page.count("<math") > 20 and "<mfrac>" in page


PROBE = """<script>
addEventListener('load', () => {
  const box = e => e.getBoundingClientRect();
  const fractions = [...document.querySelectorAll('mfrac')];
  const tables = [...document.querySelectorAll('.step mtable')];
  const svg = document.querySelector('svg.network');
  document.body.dataset.probe = JSON.stringify({
    maths: document.querySelectorAll('math').length,
    stacked: fractions.filter(f => box(f.children[0]).bottom <= box(f.children[1]).top + 1).length,
    fractions: fractions.length,
    tablesStacked: tables.filter(t => t.querySelectorAll('mtr').length < 2 ||
      box(t.querySelectorAll('mtr')[0]).bottom <= box(t.querySelectorAll('mtr')[1]).top + 1).length,
    tables: tables.length,
    rawMarkup: document.body.innerText.includes('<m'),
    text: document.body.innerText.slice(0, 400),
    width: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    height: document.documentElement.scrollHeight,
    svg: [box(svg).width, box(svg).height, svg.querySelectorAll('circle').length],
    wide: widened(),
  });
});
// whatever the fonts: every formula in a font far wider than any math font
function widened() {
  const style = document.createElement('style');
  style.textContent = "math,math *{font-family:'DejaVu Sans Mono',monospace!important;letter-spacing:.3em}";
  document.head.append(style);
  return {
    widest: Math.max(...[...document.querySelectorAll('math')].map(m => m.scrollWidth)),
    width: document.documentElement.scrollWidth,
  };
}
</script>"""


@pytest.fixture(scope="session")
def pdflatex() -> str:
    return required(shutil.which("pdflatex"), "pdflatex", "Debian/Ubuntu: apt-get install -y texlive-latex-base")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


DEJAVU = {  # Debian's chromium with its DejaVu fonts alone: wider than Latin Modern
    '"Latin Modern Roman","CMU Serif",Georgia,"Times New Roman",serif': '"DejaVu Serif"',
    '"Latin Modern Math","STIX Two Math","Cambria Math",math': '"DejaVu Serif"',
}


@pytest.mark.parametrize(
    ("name", "fonts"), [("notes", "own"), ("xor", "own"), ("notes", "dejavu"), ("softmax-3-class", "dejavu")]
)
def test_chromium_renders_the_page(chromium: str, tmp_path: Path, name: str, fonts: str) -> None:
    network = _named(name)
    page = tmp_path / f"{name}.html"
    text = html(solve(network))
    for font, other in DEJAVU.items() if fonts == "dejavu" else ():
        assert font in text
        text = text.replace(font, other)
    page.write_text(text, encoding="utf-8")
    if fonts == "own":  # the picture once per page; with DejaVu what matters is the width measured below
        shot = tmp_path / f"{name}.png"
        headless(chromium, f"--screenshot={shot}", "--window-size=1000,3000", page.as_uri())
        assert _png_size(shot) == (1000, 3000)
        assert shot.stat().st_size > 60_000  # a page of text and a diagram, not a blank one

    # the same page with a script that measures it (the page itself allows none)
    probe = measured(chromium, page, PROBE, tmp_path / f"{name}-probe.html", "1000,3000")
    assert not probe["rawMarkup"], probe["text"]
    assert probe["text"].startswith("Worked solution")
    assert probe["maths"] > 50
    assert probe["fractions"] > 5 and probe["stacked"] == probe["fractions"]  # MathML laid out, not inline text
    assert probe["tables"] > 0 and probe["tablesStacked"] == probe["tables"]
    assert probe["width"] <= probe["client"]  # no horizontal scrollbar at 1000 px
    assert 3000 < probe["height"] < 150_000  # softmax's ten iterations in full: 85,000 px
    width, height, circles = probe["svg"]
    assert width > 400 and height > 150 and circles == sum(network.layers)

    # whatever the fonts: with every formula in a font far wider than any math font, the page
    # still fits the window (a wide line scrolls in its own box), so its width depends on no font
    assert probe["wide"]["widest"] > 1000  # some formula is wider than the window
    assert probe["wide"]["width"] <= probe["client"]  # and the page is not


# ---------------------------------------------------------------------------------------------
# LaTeX


@pytest.mark.parametrize("name", list(NAMED))
def test_latex_compiles_with_pdflatex(pdflatex: str, tmp_path: Path, name: str) -> None:
    network = _named(name)
    text = latex(solve(network))
    assert text.isascii() and text.startswith(f"% {MARK}")
    assert "?" not in text.split(r"\begin{document}")[1].replace("?'", "")  # every character has a LaTeX spelling
    source = tmp_path / "solution.tex"
    source.write_text(text, encoding="ascii")
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", source.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=HANG,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    pdf = (tmp_path / "solution.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


# ---------------------------------------------------------------------------------------------
# The command


def test_solve_prints_markdown(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["solve"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"<!-- {MARK}")
    assert "# Worked solution: the 1-2-2-1 network, 3 iterations" in result.output


def test_solve_writes_each_format_and_replaces_only_its_own_files(tmp_path: Path) -> None:
    runner = CliRunner()
    for suffix, start in ((".md", "<!-- "), (".html", "<!DOCTYPE html>"), (".tex", "% ")):
        out = tmp_path / f"solution{suffix}"
        for _ in range(2):  # the second time replaces its own file without --force
            result = runner.invoke(main, ["solve", "--out", str(out)])
            assert result.exit_code == 0, result.output
            assert result.output == f"Solution written to {out}\n"
        assert out.read_text(encoding="utf-8").startswith(start)
    mine = tmp_path / "mine.html"
    mine.write_text("<p>my own page</p>", encoding="utf-8")
    result = runner.invoke(main, ["solve", "--out", str(mine)])
    assert result.exit_code == 2 and "not written by sheetnet" in result.output
    assert mine.read_text(encoding="utf-8") == "<p>my own page</p>"
    assert runner.invoke(main, ["solve", "--out", str(mine), "--force"]).exit_code == 0
    assert mine.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_solve_format_from_option_or_extension(tmp_path: Path) -> None:
    runner = CliRunner()
    unknown = tmp_path / "solution.txt"
    result = runner.invoke(main, ["solve", "--out", str(unknown)])
    assert result.exit_code == 2 and "--format" in result.output
    assert runner.invoke(main, ["solve", "--out", str(unknown), "--format", "tex"]).exit_code == 0
    assert unknown.read_text(encoding="utf-8").startswith(f"% {MARK}")
    result = runner.invoke(main, ["solve", "--format", "html"])
    assert result.output.startswith("<!DOCTYPE html>")


def test_solve_iterations_and_digits() -> None:
    runner = CliRunner()
    args = ["solve", "--config", str(ROOT / "examples" / "xor.toml"), "--iterations", "0,1,2,99", "--digits", "3"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    headings = re.findall(r"^## Iteration (\d+)$", result.output, flags=re.M)
    assert headings == ["0", "1", "2", "99"]
    assert "\\begin{pmatrix} 0.175 & −0.174 \\\\ 0.191 & −0.72 \\end{pmatrix}" in result.output
    result = runner.invoke(main, ["solve", "--iters", "5", "--iterations", "5"])
    assert result.exit_code == 2 and "0 to 4" in result.output
    result = runner.invoke(main, ["solve", "--iterations", "two"])
    assert result.exit_code == 2 and "--iterations" in result.output


def test_a_script_on_a_subscript_is_one_msubsup() -> None:
    """β₁^step as a msup over a msub drops the 1 onto the next line in Chromium; one msubsup holds both."""
    page = html(solve(_named("adam")))
    assert "<msubsup><mi>β</mi><mn>1</mn><mrow><mi>step</mi></mrow></msubsup>" in page
    assert "<msup><mrow><msub>" not in page


def test_grey_notes_are_words_not_plain_text_formulas() -> None:
    """Under typeset math a note such as `Σ_i x[i]·W1[j,i]` or `1/(1 + e^−O)` only repeats it, badly."""
    from sheetnet.solve import FORMULA_MARKS

    for name in ("notes", "xor", "adam"):
        solution = solve(_named(name))
        blocks = [block for iteration in solution.iterations for block in iteration.blocks]
        notes = [step.note for block in blocks for step in block.steps if step.note]
        assert "how far ŷ is from y: what training makes small" in notes
        assert notes and not [n for n in notes if any(mark in n for mark in FORMULA_MARKS)], name


def test_each_weight_is_named_along_its_own_edge() -> None:
    """W2[0,1] and W2[1,0] sit past the crossing of their edges, each written along its edge."""
    svg = network_svg(default_network())
    angles = {m[3]: float(m[0]) for m in re.findall(r'rotate\((-?[\d.]+) ([\d.]+) ([\d.]+)\)">(W\d\[\d,\d\])<', svg)}
    assert len(angles) == 2 + 4 + 2
    assert angles["W2[0,0]"] == angles["W2[1,1]"] == 0
    assert angles["W2[0,1]"] < 0 < angles["W2[1,0]"]  # from O1[1] up to O2[0]; from O1[0] down to O2[1]
