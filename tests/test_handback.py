"""What a teacher hands back: `check --annotate DIR` (the student's own workbook, marked) and
`check --html FILE` (the class on one page).

One class is checked once (a module fixture): a real wrong workbook (vishak-dlexcel, first slip
Sheet1!Z36), a real right one with its charts on a second sheet (ashwin-nntraining), the notes'
blocks typed with the notes' own slip and a note of the student's on that very cell, and the
same blocks as an .xlsm with a macro part. The tests then read what it wrote: part by part,
through openpyxl, recalculated by LibreOffice (one call), and rendered by headless Chromium.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import json
import math
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from browser import headless, measured
from click.testing import CliRunner
from openpyxl.comments import Comment

from sheetnet.cli import main
from sheetnet.libreoffice import recalculate

from handmade import notes_blocks

VISHAK, ASHWIN, NOTES, MACROS = "vishak-dlexcel.xlsx", "ashwin-nntraining.xlsx", "notes.xlsx", "macros.xlsm"
STUDENTS_NOTE = "Is this right? (asked in class)"
VBA = b"not really VBA, but bytes that must come back as they went"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _as_xlsm(xlsx: Path, xlsm: Path) -> None:
    """`xlsx` as a macro-enabled workbook: its content type and a VBA part, related as Excel relates it."""
    parts = _parts(xlsx)
    types = parts["[Content_Types].xml"].decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace("</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    parts["[Content_Types].xml"] = types.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    vba = (
        '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        'Target="vbaProject.bin"/></Relationships>'
    )
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", vba).encode()
    parts["xl/vbaProject.bin"] = VBA
    with zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


@pytest.fixture(scope="module")
def handed(shared_fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("class")
    for name in (VISHAK, ASHWIN):
        shutil.copy(shared_fixtures / name, folder / name)
    notes, cells = notes_blocks(folder / NOTES, slip=True)
    book = openpyxl.load_workbook(notes)
    sheet, ref = cells["B1 slip"].split("!")
    book[sheet][ref].comment = Comment(STUDENTS_NOTE, "student")
    book[sheet]["A1"].comment = Comment("my title", "student")
    book.save(notes)
    _as_xlsm(notes, folder / MACROS)
    before = {p.name: _digest(p) for p in folder.iterdir()}
    # a folder of its own each time the fixture is made: a worker that leaves this module and comes
    # back makes it again, and the last one's copies would be refused (no --force)
    out = tmp_path_factory.mktemp("handed")
    marked, page = out / "marked", out / "class.html"
    result = CliRunner().invoke(
        main, ["check", str(folder), "--annotate", str(marked), "--html", str(page), "-j", "2", "--json"]
    )
    rows = {Path(row["file"]).name: row for row in json.loads(result.stdout)}
    return {
        "folder": folder,
        "before": before,
        "marked": marked,
        "page": page,
        "code": result.exit_code,
        "out": result.stderr,  # with --json, what was written is said on stderr
        "slip": cells["B1 slip"],
        "vishak": rows[VISHAK],
    }


def test_the_class_is_checked_and_each_copy_said(handed: dict) -> None:
    out = handed["out"]
    assert handed["code"] == 1, out
    assert f"Marked copies in {handed['marked']}" in out
    assert f"{VISHAK}: 62 slip cells marked (2 places)" in out  # ∂E/∂w3 and ∂E/∂w4, 31 updates each
    assert f"{ASHWIN}: right, the verdict sheet only" in out
    assert f"Class page written to {handed['page']}" in out
    assert sorted(p.name for p in handed["marked"].iterdir()) == sorted([ASHWIN, MACROS, NOTES, VISHAK])
    # the originals are never touched
    assert {p.name: _digest(p) for p in handed["folder"].iterdir()} == handed["before"]


def test_every_part_of_the_original_is_kept_but_those_marked(handed: dict) -> None:
    original, copy = _parts(handed["folder"] / VISHAK), _parts(handed["marked"] / VISHAK)
    changed = {name for name in original if copy[name] != original[name]}
    assert changed == {
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",  # its slips' styles, and its notes' drawing
        "xl/worksheets/_rels/sheet1.xml.rels",
    }
    assert set(copy) - set(original) == {"xl/worksheets/sheet2.xml", "xl/comments1.xml", "xl/drawings/vmlDrawing1.vml"}
    # the chart, its drawing, the shared strings, the calculation chain: as they were
    assert {"xl/charts/chart1.xml", "xl/drawings/drawing1.xml", "xl/calcChain.xml"} <= set(original) - changed
    # the sheet differs only in the style indices of the marked cells, the new legacy drawing and
    # its selection (the new first sheet is the one selected)
    was, now = original["xl/worksheets/sheet1.xml"].decode(), copy["xl/worksheets/sheet1.xml"].decode()
    strip = re.compile(r' s="\d+"|<legacyDrawing r:id="rId\d+"/>| tabSelected="1"')
    assert strip.sub("", was) == strip.sub("", now)
    # a right workbook's copy: the verdict sheet, nothing else marked; its charts kept
    original, copy = _parts(handed["folder"] / ASHWIN), _parts(handed["marked"] / ASHWIN)
    changed = {name for name in original if copy[name] != original[name]}
    sheets = {name for name in changed if name.startswith("xl/worksheets/")}
    assert changed - sheets == {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
    for name in sheets:  # a sheet that was selected: the new first sheet is, alone
        assert original[name].replace(b' tabSelected="1"', b"") == copy[name]
    assert set(copy) - set(original) == {"xl/worksheets/sheet3.xml"}
    assert "xl/charts/chart1.xml" in original and "xl/drawings/drawing2.xml" in original


def test_the_slip_is_filled_and_explained_at_its_cell(handed: dict) -> None:
    copy = openpyxl.load_workbook(handed["marked"] / VISHAK)
    original = openpyxl.load_workbook(handed["folder"] / VISHAK)
    assert copy.sheetnames == ["sheetnet", "Sheet1"]
    z36 = copy["Sheet1"]["Z36"]
    assert z36.fill.fgColor.rgb == "FFFFC000" and z36.border.left.style == "medium"
    note = z36.comment.text
    assert "slip in iteration 0: E∂w3" in note  # judged against its own forward pass: named by its label
    assert "expected 0.0002248134626, found 0.0002248724776" in note
    assert "reads Sheet1!J36 (a_h1) where Sheet1!L36 (a_h2) belongs" in note
    assert note.endswith("its formula reads R36, A36, N36, T36, B36, P36, J36, C36")
    assert copy["Sheet1"]["AA36"].comment is not None  # the other place, explained the same way
    # what only follows from the slips is shaded, with no note; what is right is as it was
    follows = [e["cell"] for e in handed["vishak"]["elements"] if e.get("kind") == "follows"]
    shaded = copy["Sheet1"][follows[0].split("!")[1]]
    assert shaded.fill.fgColor.rgb == "FFE7E6E6" and shaded.comment is None
    right = next(e["cell"] for e in handed["vishak"]["elements"] if e["status"] == "found" and "!E" in e["cell"])
    ref = right.split("!")[1]
    assert copy["Sheet1"][ref].style_id == original["Sheet1"][ref].style_id
    # every value and formula as it was
    for row_copy, row_original in zip(copy["Sheet1"].iter_rows(), original["Sheet1"].iter_rows(), strict=True):
        assert [c.value for c in row_copy] == [c.value for c in row_original]


def test_the_first_sheet_gives_the_verdict_and_links_to_each_slip(handed: dict) -> None:
    sheet = openpyxl.load_workbook(handed["marked"] / VISHAK)["sheetnet"]
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert text.startswith(f"sheetnet check of {VISHAK}: wrong")
    assert "The first slip is Sheet1!Z36, iteration 0, E∂w3" in text
    assert "Slips: 62 cells in 2 places" in text
    links = {c.hyperlink.location for row in sheet.iter_rows() for c in row if c.hyperlink is not None}
    assert links == {"Sheet1!Z36", "Sheet1!AA36"}
    # text only: the copy holds no number the student's sheets do not
    assert all(not isinstance(c.value, int | float) for row in sheet.iter_rows() for c in row)
    right = openpyxl.load_workbook(handed["marked"] / ASHWIN)
    assert (
        right.sheetnames[0] == "sheetnet"
        and right.sheetnames[1:] == openpyxl.load_workbook(handed["folder"] / ASHWIN).sheetnames
    )
    assert right["sheetnet"]["A1"].value == f"sheetnet check of {ASHWIN}: right"


def test_checking_the_copy_again_gives_the_same_verdict(handed: dict) -> None:
    result = CliRunner().invoke(main, ["check", str(handed["marked"] / VISHAK), "--json"])
    again = json.loads(result.output)
    assert again["first_mismatch"] == handed["vishak"]["first_mismatch"]
    assert again["found"] == handed["vishak"]["found"] and again["tables"] == handed["vishak"]["tables"]


def test_a_students_own_note_is_kept_and_the_explanation_added(handed: dict) -> None:
    sheet, ref = handed["slip"].split("!")
    for name in (NOTES, MACROS):
        book = openpyxl.load_workbook(handed["marked"] / name)
        note = book[sheet][ref].comment.text
        assert note.startswith(f"{STUDENTS_NOTE}\n\nsheetnet:\nslip in iteration 1: ∂L/∂B1[0]")
        assert "expected 2.534567386, found 2.5436" in note
        assert book[sheet]["A1"].comment.text == "my title"


def test_an_xlsm_stays_an_xlsm_with_its_macros(handed: dict) -> None:
    copy = _parts(handed["marked"] / MACROS)
    assert copy["xl/vbaProject.bin"] == VBA
    assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in copy["[Content_Types].xml"]
    assert b"vbaProject" in copy["xl/_rels/workbook.xml.rels"]


@pytest.mark.heavy
def test_recalculated_in_libreoffice_the_copies_give_the_originals_values(
    handed: dict, soffice: str, tmp_path: Path
) -> None:
    names = (VISHAK, ASHWIN)
    done = recalculate([handed["marked"] / n for n in names], tmp_path)
    for name, recalculated in zip(names, done, strict=True):
        original = openpyxl.load_workbook(handed["folder"] / name, data_only=True)
        copy = openpyxl.load_workbook(recalculated, data_only=True)
        assert copy.sheetnames == ["sheetnet", *original.sheetnames]
        compared = 0
        for ws in original.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, float):
                        again = copy[ws.title][cell.coordinate].value
                        assert math.isclose(again, cell.value, rel_tol=1e-12, abs_tol=1e-15), (name, cell.coordinate)
                        compared += 1
        assert compared > 900
    # and LibreOffice read the marks as marks: the note, the fill, the link
    copy = openpyxl.load_workbook(done[0])
    assert "expected 0.0002248134626, found 0.0002248724776" in copy["Sheet1"]["Z36"].comment.text
    assert copy["Sheet1"]["Z36"].fill.fgColor.rgb == "FFFFC000"
    assert {c.hyperlink.location for row in copy["sheetnet"].iter_rows() for c in row if c.hyperlink} >= {"Sheet1!Z36"}


def test_an_existing_copy_is_replaced_only_with_force(handed: dict, tmp_path: Path) -> None:
    marked = tmp_path / "marked"
    marked.mkdir()
    book = handed["folder"] / NOTES
    (marked / NOTES).write_bytes(b"the teacher's own file")
    result = CliRunner().invoke(main, ["check", str(book), "--annotate", str(marked)])
    assert result.exit_code == 2 and "--annotate" in result.output and "add --force" in result.output
    assert (marked / NOTES).read_bytes() == b"the teacher's own file"
    result = CliRunner().invoke(main, ["check", str(book), "--annotate", str(marked), "--force"])
    assert result.exit_code == 1 and zipfile.is_zipfile(marked / NOTES)
    # the folder of the originals is no place for the copies, even with --force
    result = CliRunner().invoke(main, ["check", str(book), "--annotate", str(book.parent), "--force"])
    assert result.exit_code == 2 and "would replace the workbook itself" in result.output
    assert _digest(book) == handed["before"][NOTES]
    # nor is an existing page replaced without --force
    page = tmp_path / "class.html"
    page.write_text("mine")
    result = CliRunner().invoke(main, ["check", str(book), "--html", str(page)])
    assert result.exit_code == 2 and "--html" in result.output and page.read_text() == "mine"
    result = CliRunner().invoke(main, ["check", str(book), "--html", str(tmp_path / "class.txt")])
    assert result.exit_code == 2 and "use " in result.output and "class.html" in result.output


# ------------------------------------------------------------------------------------ the page


def test_the_page_is_self_contained_and_rows_each_workbook(handed: dict) -> None:
    page = handed["page"].read_text(encoding="utf-8")
    lowered = page.lower()
    for forbidden in ("<script", "://", " src=", "<link", "@import", "url("):
        assert forbidden not in lowered, forbidden
    assert "default-src 'none'" in page and "@page{size:A4" in page and "@media print" in page
    rows = re.findall(r"<tr><td>(.*?)</tr>", page.split('<table class="class">')[1].split("</table>")[0])
    assert len(rows) == 4
    vishak = next(r for r in rows if VISHAK in r)
    assert ">wrong<" in vishak and "Sheet1!Z36" in vishak and "32 of 32" in vishak and "186 found" in vishak
    assert (
        "<code>J36</code> = f(O1)[0] (a_h1) where f(O1)[1] (<code>L36</code>, a_h2) belongs" in htmllib.unescape(vishak)
        or "J36" in vishak
    )
    ashwin = next(r for r in rows if ASHWIN in r)
    assert ">right<" in ashwin and "21 of 21" in ashwin and " wrong" not in ashwin.split("</td>")[-2]


def test_the_picture_marks_the_slip_and_outlines_what_it_reads(handed: dict) -> None:
    page = handed["page"].read_text(encoding="utf-8")
    section = page.split(f"<h2>{VISHAK}: wrong</h2>")[1].split("</section>")[0]
    slip = re.search(r'<td class="first-slip" title="([^"]*)">([^<]*)</td>', section)
    assert slip and slip.group(2) == "0.000224872"
    assert "=(((R36-A36)*R36*(1-R36)*N36)" in htmllib.unescape(slip.group(1))  # its formula on hover
    outlined = re.findall(r'<td class="(?:\w+ )?reads"', section)
    assert len(outlined) >= 5  # R36, N36, T36, P36, J36 in the picture; A36, B36, C36 listed below
    assert "<code>J36</code> shows 0.506875" in section and "=1/(1+EXP(-I36))" in htmllib.unescape(section)


PROBE = """<script>
addEventListener('load', () => {
  const slip = document.querySelector('td.first-slip');
  document.body.dataset.probe = JSON.stringify({
    width: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    pictures: document.querySelectorAll('table.cells').length,
    slip: slip ? [getComputedStyle(slip).backgroundColor, getComputedStyle(slip).outlineStyle] : null,
    inside: [...document.querySelectorAll('.picture')].every(p => p.getBoundingClientRect().right <= innerWidth),
  });
});
</script>"""


def test_chromium_shows_the_page_at_1000_px_and_prints_it_on_a4(handed: dict, chromium: str, tmp_path: Path) -> None:
    probe = measured(chromium, handed["page"], PROBE, tmp_path / "probed.html", "1000,2000")
    assert probe["width"] <= probe["client"]  # no horizontal scrollbar at 1000 px
    assert probe["pictures"] == 3 and probe["inside"]  # vishak's, the notes' and the .xlsm's
    assert probe["slip"] == ["rgb(255, 192, 0)", "solid"]
    pdf = tmp_path / "class.pdf"
    headless(chromium, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", handed["page"].as_uri())
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes and all(abs(float(w) - 595.9) < 1.5 and abs(float(h) - 842.9) < 1.5 for w, h in boxes)  # A4


def _with_cached_value(path: Path, sheet_part: str, cell: str, was: str, now: str) -> None:
    """`path` with one formula's saved result changed: a cell that computes wrong from what it reads."""
    parts = _parts(path)
    text = parts[sheet_part].decode()
    old = re.search(rf'<c r="{cell}"[^>]*><f>[^<]*</f><v>{re.escape(was)}</v>', text).group(0)
    parts[sheet_part] = text.replace(old, old.replace(f"<v>{was}</v>", f"<v>{now}</v>")).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_sheetnets_own_workbook_keeps_its_names_and_print_areas(notes_workbook: Path, tmp_path: Path) -> None:
    """Sheets named with spaces, print areas (names local to a sheet, by its index), `lr`; and a
    copy marked again, whose first sheet is then `sheetnet 2`."""
    book = tmp_path / "own.xlsx"
    shutil.copy(notes_workbook, book)
    _with_cached_value(book, "xl/worksheets/sheet3.xml", "B17", "1.5", "1.6")  # f(O1)[0] of iteration 0
    result = CliRunner().invoke(main, ["check", str(book), "--annotate", str(tmp_path / "once")])
    assert result.exit_code == 1, result.output
    copy = openpyxl.load_workbook(tmp_path / "once" / "own.xlsx")
    original = openpyxl.load_workbook(book)
    assert copy.sheetnames == ["sheetnet", *original.sheetnames]
    for name in original.sheetnames:
        assert copy[name].print_area == original[name].print_area
        assert copy[name].print_title_rows == original[name].print_title_rows
    assert copy.defined_names["lr"].attr_text == original.defined_names["lr"].attr_text
    assert "computes 1.6 from them; they give 1.5" in copy["Iteration 0"]["B17"].comment.text
    links = {c.hyperlink.location for row in copy["sheetnet"].iter_rows() for c in row if c.hyperlink}
    assert links == {"'Iteration 0'!B17"}
    result = CliRunner().invoke(
        main, ["check", str(tmp_path / "once" / "own.xlsx"), "--annotate", str(tmp_path / "twice")]
    )
    assert result.exit_code == 1, result.output
    again = openpyxl.load_workbook(tmp_path / "twice" / "own.xlsx")
    assert again.sheetnames == ["sheetnet 2", "sheetnet", *original.sheetnames]
    assert again["Iteration 1"].print_area == original["Iteration 1"].print_area


def test_a_sheet_named_with_quotes_and_ampersands_is_marked(tmp_path: Path) -> None:
    book, cells = notes_blocks(tmp_path / "odd.xlsx", slip=True)
    workbook = openpyxl.load_workbook(book)
    workbook["Backprop"].title = "Back & prop's"
    workbook.save(book)
    ref = cells["B1 slip"].split("!")[1]
    result = CliRunner().invoke(main, ["check", str(book), "--annotate", str(tmp_path / "marked")])
    assert result.exit_code == 1, result.output
    copy = openpyxl.load_workbook(tmp_path / "marked" / "odd.xlsx")
    assert "expected 2.534567386, found 2.5436" in copy["Back & prop's"][ref].comment.text
    links = {c.hyperlink.location for row in copy["sheetnet"].iter_rows() for c in row if c.hyperlink}
    assert f"'Back & prop''s'!{ref}" in links and all(link.startswith("'Back & prop''s'!") for link in links)
