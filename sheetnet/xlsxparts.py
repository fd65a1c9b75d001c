"""An .xlsx or .xlsm file as its zip parts: a few parts edited as text, every other one kept byte for byte.

openpyxl reads a workbook into its own model and writes that model back, and what it does not
model (charts, images, macros, threaded comments, extensions) is lost on the way. Here a workbook
stays its parts, and each change is a small edit of the XML text of the one part that must change
(a cell's style index, an entry added to a list, a count raised), the part's own prefixes and
namespace declarations untouched: Excel rejects a part whose `mc:Ignorable` names a prefix that
a rewriting XML library dropped.

Guarantee: `Package.save` writes every part nobody changed with exactly the bytes it was read with,
in the original order, then the new parts; a part is changed only through the editors below, each
of which leaves the rest of the part's text as it was.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from sheetnet.book import column_letter, column_number
from sheetnet.errors import SheetnetError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
PARTS_BYTES = 128 * 2**20  # what all parts may inflate to: book.MAX_TOTAL, the most `check` reads
VML_BLOCK = 1024  # VML shape ids come in blocks of 1024 (`o:idmap data="1"`: ids 1025 to 2047)
NOTE_COLUMNS, NOTE_ROWS = 5, 9  # a note's box: columns wide and rows tall, beside its cell

_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_TAG = re.compile(r"<((?:[\w.-]+:)?c)(\s[^>]*?)?(/?)>")
_REFERENCE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


class PartsError(SheetnetError):
    """A workbook whose parts cannot be edited as an .xlsx (not a zip of SpreadsheetML, or a part
    written in a way this module does not edit)."""


def attributes(tag: str) -> dict[str, str]:
    """The attributes of one start tag, entities left as written."""
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTRIBUTE.finditer(tag)}


def unescape(text: str) -> str:
    """An attribute's text as written (`R&amp;D`, `&#228;`) read back."""
    return html.unescape(text)


def escape(text: str) -> str:
    """Text for an element or a double-quoted attribute."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _set_attribute(tag: str, name: str, value: str) -> str:
    """`tag` (a start tag's text, `<c r="A1" s="3"`, without its end) with `name` set to `value`."""
    pattern = re.compile(rf"(\s{re.escape(name)}\s*=\s*)(\"[^\"]*\"|'[^']*')")
    if pattern.search(tag):
        return pattern.sub(lambda m: f'{m.group(1)}"{value}"', tag, count=1)
    return f'{tag} {name}="{value}"'


def _prefix(text: str, root: str) -> str:
    """The prefix (`x:` or ``) the part's root element `root` is written with."""
    match = re.search(rf"<([\w.-]+:)?{root}[\s>]", text)
    if match is None:
        raise PartsError(f"no <{root}> element")
    return match.group(1) or ""


class Package:
    """The parts of one workbook file, read whole; `put` changes or adds one, `save` writes them all."""

    def __init__(self, path: Path) -> None:
        try:
            with zipfile.ZipFile(path) as archive:
                self.infos = archive.infolist()
                if sum(i.file_size for i in self.infos) > PARTS_BYTES:
                    raise PartsError(f"its parts inflate to more than {PARTS_BYTES // 2**20} MiB")
                self.data = {i.filename: archive.read(i) for i in self.infos}
        except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
            raise PartsError(f"cannot read it as a zip archive ({exc})") from None
        self.changed: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        if "[Content_Types].xml" not in self.data:
            raise PartsError("it has no [Content_Types].xml: not an .xlsx or .xlsm workbook")

    def __contains__(self, name: str) -> bool:
        return name in self.data or name in self.added

    def text(self, name: str) -> str:
        raw = self.added.get(name) or self.changed.get(name) or self.data.get(name)
        if raw is None:
            raise PartsError(f"it has no part {name}")
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise PartsError(f"its part {name} is UTF-16, which sheetnet does not edit")
        return raw.decode("utf-8-sig")

    def put(self, name: str, text: str) -> None:
        raw = text.encode("utf-8")
        if name in self.data:
            self.changed[name] = raw
        else:
            self.added[name] = raw

    def free(self, pattern: str) -> str:
        """The first name `pattern.format(n)`, n = 1, 2 …, that no part has (case-insensitively)."""
        taken = {n.lower() for n in (*self.data, *self.added)}
        n = 1
        while pattern.format(n).lower() in taken:
            n += 1
        return pattern.format(n)

    def save(self, out: str) -> None:
        """Every part, unchanged ones byte for byte, with its original name, date and compression."""
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in self.infos:
                archive.writestr(info, self.changed.get(info.filename, self.data[info.filename]))
            stamp = self.infos[0].date_time if self.infos else (1980, 1, 1, 0, 0, 0)
            for name, raw in self.added.items():
                info = zipfile.ZipInfo(name, stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, raw)

    # -------------------------------------------------------------- relationships and content types

    def relationships(self, part: str) -> list[dict[str, str]]:
        """The relationships of `part` (`""` for the package's): Id, Type, Target and the part
        each targets (`part`, resolved; absent for an external target)."""
        name = rels_name(part)
        if name not in self:
            return []
        out = []
        for match in re.finditer(r"<(?:[\w.-]+:)?Relationship\s[^>]*>", self.text(name)):
            entry = {k: unescape(v) for k, v in attributes(match.group(0)).items()}
            if entry.get("TargetMode") != "External" and "Target" in entry:
                target = entry["Target"]
                folder = posixpath.dirname(part)
                entry["part"] = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                )
            out.append(entry)
        return out

    def relate(self, part: str, kind: str, target: str) -> str:
        """Add a relationship from `part` to `target` (relative to `part`'s folder); its new Id."""
        name = rels_name(part)
        taken = {r.get("Id") for r in self.relationships(part)}
        n = len(taken) + 1
        while f"rId{n}" in taken:
            n += 1
        entry = f'<Relationship Id="rId{n}" Type="{RELS}/{kind}" Target="{escape(target)}"/>'
        if name in self:
            text = self.text(name)
            end = text.rfind("</")
            self.put(name, text[:end] + entry + text[end:])
        else:
            head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            self.put(name, f'{head}<Relationships xmlns="{PACKAGE_RELS}">{entry}</Relationships>')
        return f"rId{n}"

    def declare(self, part: str, content_type: str) -> None:
        """Add `part` to [Content_Types].xml."""
        self._types(f'<Override PartName="/{escape(part)}" ContentType="{content_type}"/>')

    def declare_extension(self, extension: str, content_type: str) -> None:
        """Give every part ending in `.extension` a content type, unless one is given already."""
        text = self.text("[Content_Types].xml")
        if re.search(rf"""Extension\s*=\s*["']{re.escape(extension)}["']""", text, re.IGNORECASE):
            return
        self._types(f'<Default Extension="{extension}" ContentType="{content_type}"/>')

    def _types(self, entry: str) -> None:
        text = self.text("[Content_Types].xml")
        end = text.rfind("</")
        self.put("[Content_Types].xml", text[:end] + entry + text[end:])

    # --------------------------------------------------------------------------------- the workbook

    @property
    def workbook_part(self) -> str:
        for rel in self.relationships(""):
            if rel.get("Type", "").endswith("/officeDocument") and "part" in rel:
                return rel["part"]
        raise PartsError("it names no workbook part (_rels/.rels)")

    def sheets(self) -> list[tuple[str, str | None]]:
        """Each sheet's name and part (None for one whose part is missing), in the workbook's order."""
        workbook = self.workbook_part
        parts = {r["Id"]: r.get("part") for r in self.relationships(workbook)}
        out = []
        for match in re.finditer(r"<(?:[\w.-]+:)?sheet\s[^>]*>", self.text(workbook)):
            found = attributes(match.group(0))
            rid = next((v for k, v in found.items() if k.endswith(":id") or k == "id"), None)
            out.append((unescape(found.get("name", "")), parts.get(rid or "")))
        return out

    def insert_first_sheet(self, name: str, xml: str) -> str:
        """Add a worksheet `name` holding `xml`, first and selected; the others shift by one (their
        defined names' `localSheetId` with them) and lose their selection. The new part's name."""
        workbook = self.workbook_part
        text = self.text(workbook)
        p = _prefix(text, "workbook")
        part = self.free("xl/worksheets/sheet{}.xml")
        self.put(part, xml)
        self.declare(part, WORKSHEET_TYPE)
        rid = self.relate(workbook, "worksheet", posixpath.relpath(part, posixpath.dirname(workbook)))
        ids = [int(v) for v in re.findall(r"""\ssheetId\s*=\s*["'](\d+)["']""", text)]
        r = _namespace_prefix(text, RELS)
        if r is None:
            text = re.sub(rf"<{p}workbook(?=[\s>])", f'<{p}workbook xmlns:sheetnetr="{RELS}"', text, count=1)
            r = "sheetnetr:"
        entry = f'<{p}sheet name="{escape(name)}" sheetId="{max(ids, default=0) + 1}" {r}id="{rid}"/>'
        opened = re.search(rf"<{p}sheets\s*>", text)
        if opened is None:
            raise PartsError(f"{workbook} has no <sheets> list")
        text = text[: opened.end()] + entry + text[opened.end() :]
        text = re.sub(r"""(\slocalSheetId\s*=\s*["'])(\d+)""", lambda m: f"{m.group(1)}{int(m.group(2)) + 1}", text)
        text = re.sub(r"""\s(activeTab|firstSheet)\s*=\s*["']\d+["']""", "", text)
        self.put(workbook, text)
        for _, sheet in self.sheets():
            if sheet is not None and sheet != part and sheet in self:
                sheet_text = self.text(sheet)
                unselected = re.sub(r"""\stabSelected\s*=\s*["'](?:1|true)["']""", "", sheet_text)
                if unselected != sheet_text:
                    self.put(sheet, unselected)
        return part


def rels_name(part: str) -> str:
    """The relationships part of `part` (`""`: the package's own)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _namespace_prefix(text: str, uri: str) -> str | None:
    """`r:` if the root element binds `uri` to `r`; None if it binds no prefix to it."""
    root = re.search(r"<[\w.:-]+\s[^>]*>", text[text.find("<", text.find("?>") + 1) :] if "?>" in text else text)
    if root is None:
        return None
    for key, value in attributes(root.group(0)).items():
        if key.startswith("xmlns:") and value == uri:
            return key[6:] + ":"
    return None


# ------------------------------------------------------------------------------------------ styles


class Styles:
    """The workbook's styles part, with fills, borders, fonts and cell formats appended: an
    existing index never changes, so every cell keeps its look unless it is restyled."""

    def __init__(self, package: Package) -> None:
        self.package = package
        found = [
            r["part"] for r in package.relationships(package.workbook_part) if r.get("Type", "").endswith("/styles")
        ]
        if not found or found[0] not in package:
            raise PartsError("it has no styles part")
        self.part = found[0]
        self.text = package.text(self.part)
        self.p = _prefix(self.text, "styleSheet")
        self.xfs = self._children("cellXfs", "xf")
        self._derived: dict[tuple, int] = {}

    def _children(self, container: str, child: str) -> list[str]:
        p = self.p
        match = re.search(rf"<{p}{container}(?:\s[^>]*)?>(.*?)</{p}{container}>", self.text, re.DOTALL)
        if match is None:
            return []
        return re.findall(rf"<{p}{child}(?:\s[^>]*?)?(?:/>|>.*?</{p}{child}>)", match.group(1), re.DOTALL)

    def _append(self, container: str, child: str, xml: str) -> int:
        """Append `xml` to `container`'s list; its index."""
        p = self.p
        index = len(self._children(container, child))
        match = re.search(rf"<{p}{container}(\s[^>]*)?(/?)>", self.text)
        if match is None:
            raise PartsError(f"its styles have no <{container}> list")
        opening = _set_attribute(
            match.group(0)[:-2] if match.group(2) else match.group(0)[:-1], "count", str(index + 1)
        )
        if match.group(2):  # <fills count="0"/>
            replaced = f"{opening}>{xml}</{p}{container}>"
            self.text = self.text[: match.start()] + replaced + self.text[match.end() :]
        else:
            end = self.text.index(f"</{p}{container}>", match.end())
            self.text = (
                self.text[: match.start()] + opening + ">" + self.text[match.end() : end] + xml + self.text[end:]
            )
        if container == "cellXfs":
            self.xfs.append(xml)
        return index

    def fill(self, rgb: str) -> int:
        """A solid fill of colour `rgb` (`FFC000`); its index."""
        p = self.p
        return self._append(
            "fills",
            "fill",
            f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="FF{rgb}"/>'
            f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>',
        )

    def border(self, style: str, rgb: str) -> int:
        p = self.p
        sides = "".join(
            f'<{p}{side} style="{style}"><{p}color rgb="FF{rgb}"/></{p}{side}>'
            for side in ("left", "right", "top", "bottom")
        )
        return self._append("borders", "border", f"<{p}border>{sides}<{p}diagonal/></{p}border>")

    def font(self, *, bold: bool = False, rgb: str | None = None, underline: bool = False, size: float = 11) -> int:
        p = self.p
        inner = (f"<{p}b/>" if bold else "") + (f"<{p}u/>" if underline else "") + f'<{p}sz val="{size:g}"/>'
        inner += f'<{p}color rgb="FF{rgb}"/>' if rgb else ""
        return self._append("fonts", "font", f'<{p}font>{inner}<{p}name val="Calibri"/><{p}family val="2"/></{p}font>')

    def derived(
        self,
        xf: int,
        *,
        fill: int | None = None,
        border: int | None = None,
        font: int | None = None,
        wrap: bool = False,
    ) -> int:
        """The index of a cell format that is format `xf` with another fill, border or font (or
        text wrapped at the top of its cell): made once, then reused."""
        key = (xf, fill, border, font, wrap)
        if key in self._derived:
            return self._derived[key]
        p = self.p
        base = self.xfs[xf] if 0 <= xf < len(self.xfs) else (self.xfs[0] if self.xfs else f"<{p}xf/>")
        parsed = re.fullmatch(rf"(<{p}xf\b[^>]*?)\s*(/?)>(.*?)(?:</{p}xf>)?", base, re.DOTALL)
        if parsed is None:
            raise PartsError(f"its cell format {xf} is written in a way sheetnet does not edit")
        tag, body = parsed.group(1), parsed.group(3)
        for name, value, apply in (
            ("fillId", fill, "applyFill"),
            ("borderId", border, "applyBorder"),
            ("fontId", font, "applyFont"),
        ):
            if value is not None:
                tag = _set_attribute(_set_attribute(tag, name, str(value)), apply, "1")
        if wrap:
            tag = _set_attribute(tag, "applyAlignment", "1")
            body = re.sub(
                rf"<{p}alignment(?:\s[^>]*)?/>|<{p}alignment(?:\s[^>]*)?>.*?</{p}alignment>", "", body, flags=re.DOTALL
            )
            body = f'<{p}alignment vertical="top" wrapText="1"/>' + body
        xml = f"{tag}>{body}</{p}xf>" if body else f"{tag}/>"
        index = self._append("cellXfs", "xf", xml)
        self._derived[key] = index
        return index

    def save(self) -> None:
        self.package.put(self.part, self.text)


# ------------------------------------------------------------------------------------ sheet cells


def restyle(text: str, styles: dict[tuple[int, int], Callable[[int], int]]) -> tuple[str, set[tuple[int, int]]]:
    """The sheet's XML with the cells at (row, col) in `styles` given the format index each
    callable makes of the cell's present one; and the cells found. Cells not in the XML (empty,
    never written) are left out: nothing there to mark."""
    found: set[tuple[int, int]] = set()

    def one(match: re.Match[str]) -> str:
        attrs = match.group(2) or ""
        ref = re.search(r"""\sr\s*=\s*["']([A-Z]{1,3})(\d+)["']""", attrs)
        if ref is None:
            return match.group(0)
        where = (int(ref.group(2)), column_number(ref.group(1)))
        make = styles.get(where)
        if make is None:
            return match.group(0)
        found.add(where)
        present = re.search(r"""\ss\s*=\s*["'](\d+)["']""", attrs)
        tag = _set_attribute(f"<{match.group(1)}{attrs}", "s", str(make(int(present.group(1)) if present else 0)))
        return f"{tag}{match.group(3)}>"

    return _CELL_TAG.sub(one, text), found


# ----------------------------------------------------------------------------------------- notes

_LATER_THAN_LEGACY = (
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
)
_SHAPE_TYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


def add_notes(package: Package, sheet: str, notes: dict[tuple[int, int], str], author: str) -> None:
    """Give each cell (row, col) of `sheet`'s part a note (a legacy comment, what both Excel and
    LibreOffice show on hover) holding its text; a cell that has one already gets the text added
    below its own. The sheet's comments and VML drawing are created, or added to."""
    if not notes:
        return
    rels = package.relationships(sheet)
    comments = next((r["part"] for r in rels if r.get("Type", "").endswith("/comments") and "part" in r), None)
    vml = next((r["part"] for r in rels if r.get("Type", "").endswith("/vmlDrawing") and "part" in r), None)
    if comments is None or comments not in package:
        comments = package.free("xl/comments{}.xml")
        package.put(
            comments,
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{MAIN}"><authors/><commentList/></comments>',
        )
        package.declare(comments, COMMENTS_TYPE)
        package.relate(sheet, "comments", posixpath.relpath(comments, posixpath.dirname(sheet)))
    if vml is None or vml not in package:
        if re.search(r"<(?:[\w.-]+:)?legacyDrawing\s", package.text(sheet)):
            raise PartsError(f"{sheet} has a drawing for notes whose part is missing")
        vml = package.free("xl/drawings/vmlDrawing{}.vml")
        block = _free_vml_block(package)
        package.put(
            vml,
            '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            f'<o:idmap v:ext="edit" data="{block}"/>'
            f"</o:shapelayout>{_SHAPE_TYPE}</xml>",
        )
        package.declare_extension("vml", VML_TYPE)
        rid = package.relate(sheet, "vmlDrawing", posixpath.relpath(vml, posixpath.dirname(sheet)))
        _add_legacy_drawing(package, sheet, rid)
    fresh = _add_comments(package, comments, notes, author)
    _add_shapes(package, vml, sorted(fresh))


def _add_legacy_drawing(package: Package, sheet: str, rid: str) -> None:
    """The sheet's `<legacyDrawing r:id>`, where the schema's order puts it."""
    text = package.text(sheet)
    p = _prefix(text, "worksheet")
    r = _namespace_prefix(text, RELS)
    if r is None:
        text = re.sub(rf"<{p}worksheet(?=[\s>])", f'<{p}worksheet xmlns:sheetnetr="{RELS}"', text, count=1)
        r = "sheetnetr:"
    element = f'<{p}legacyDrawing {r}id="{rid}"/>'
    after_data = text.find(f"</{p}sheetData>")
    after_data = text.find(f"<{p}sheetData", 0) if after_data < 0 else after_data
    later = [m.start() for m in re.finditer(rf"<{p}(?:{'|'.join(_LATER_THAN_LEGACY)})[\s/>]", text[after_data:])]
    end = text.rindex(f"</{p}worksheet>")
    at = after_data + later[0] if later else end
    if not later and text[:end].rstrip().endswith(f"</{p}extLst>"):
        at = text.rindex(f"<{p}extLst", 0, end)
    package.put(sheet, text[:at] + element + text[at:])


def _add_comments(package: Package, part: str, notes: dict[tuple[int, int], str], author: str) -> set[tuple[int, int]]:
    """Add the notes to the comments part; the cells that had no comment yet (they need a shape)."""
    text = package.text(part)
    p = _prefix(text, "comments")
    authors = re.findall(rf"<{p}author>(.*?)</{p}author>", text, re.DOTALL) if f"<{p}authors>" in text else []
    if escape(author) in authors:
        author_id = authors.index(escape(author))
    else:
        author_id = len(authors)
        if re.search(rf"<{p}authors\s*/>", text):
            text = re.sub(
                rf"<{p}authors\s*/>", f"<{p}authors><{p}author>{escape(author)}</{p}author></{p}authors>", text, count=1
            )
        else:
            end = text.index(f"</{p}authors>")
            text = text[:end] + f"<{p}author>{escape(author)}</{p}author>" + text[end:]
    fresh: set[tuple[int, int]] = set()
    new = []
    commented = set(re.findall(rf"""<{p}comment\s[^>]*ref\s*=\s*["']([A-Z]+\d+)["']""", text))
    for (row, col), note in sorted(notes.items()):
        ref = f"{column_letter(col)}{row}"
        existing = None
        if ref in commented:  # the one search through the part, for a cell that has a comment already
            existing = re.search(rf"""<{p}comment\s[^>]*ref\s*=\s*["']{ref}["'][^>]*>.*?</{p}text>""", text, re.DOTALL)
        if existing is not None:
            at = existing.end() - len(f"</{p}text>")
            text = text[:at] + _runs(p, author, note, below=True) + text[at:]
        else:
            fresh.add((row, col))
            runs = _runs(p, author, note)
            new.append(f'<{p}comment ref="{ref}" authorId="{author_id}"><{p}text>{runs}</{p}text></{p}comment>')
    if re.search(rf"<{p}commentList\s*/>", text):
        text = re.sub(rf"<{p}commentList\s*/>", f"<{p}commentList>{''.join(new)}</{p}commentList>", text, count=1)
    else:
        end = text.index(f"</{p}commentList>")
        text = text[:end] + "".join(new) + text[end:]
    package.put(part, text)
    return fresh


def _runs(p: str, author: str, note: str, *, below: bool = False) -> str:
    """The note as runs of text: `author:` in bold, then the note (`below` a note already there)."""
    font = f'<{p}sz val="9"/><{p}color indexed="81"/><{p}rFont val="Tahoma"/><{p}family val="2"/>'
    gap = "\n\n" if below else ""
    return (
        f'<{p}r><{p}rPr><{p}b/>{font}</{p}rPr><{p}t xml:space="preserve">{gap}{escape(author)}:</{p}t></{p}r>'
        f'<{p}r><{p}rPr>{font}</{p}rPr><{p}t xml:space="preserve">\n{escape(note)}</{p}t></{p}r>'
    )


def _free_vml_block(package: Package) -> int:
    used = set()
    for name in (*package.data, *package.added):
        if name.lower().endswith(".vml"):
            for data in re.findall(r"""idmap[^>]*\sdata\s*=\s*["']([\d,\s]+)["']""", package.text(name)):
                used.update(int(n) for n in re.findall(r"\d+", data))
    block = 1
    while block in used:
        block += 1
    return block


def _add_shapes(package: Package, part: str, cells: Iterable[tuple[int, int]]) -> None:
    """A hidden note box in the VML drawing for each cell, numbered in the drawing's id blocks."""
    cells = list(cells)
    if not cells:
        return
    text = package.text(part)
    if "urn:schemas-microsoft-com:office:excel" not in text or "urn:schemas-microsoft-com:vml" not in text:
        raise PartsError(f"its drawing {part} is not written with the VML namespaces sheetnet edits")
    if "_x0000_t202" not in text:
        text = text[: text.rindex("</xml>")] + _SHAPE_TYPE + text[text.rindex("</xml>") :]
    idmap = re.search(r"""(idmap[^>]*\sdata\s*=\s*["'])([\d,\s]+)(["'])""", text)
    blocks = [int(n) for n in re.findall(r"\d+", idmap.group(2))] if idmap else []
    if not blocks:
        raise PartsError(f"its drawing {part} has no shape id map")
    taken = {int(n) for n in re.findall(r"_x0000_s(\d+)", text)}
    ids: list[int] = []
    for block in blocks:
        ids += [i for i in range(block * VML_BLOCK + 1, (block + 1) * VML_BLOCK) if i not in taken]
    while len(ids) < len(cells):  # more notes than the drawing's blocks hold: one more block
        block = max(_free_vml_block(package), max(blocks) + 1)
        blocks.append(block)
        ids += range(block * VML_BLOCK + 1, (block + 1) * VML_BLOCK)
        text = text[: idmap.start(2)] + ",".join(map(str, blocks)) + text[idmap.end(2) :]  # type: ignore[union-attr]
        idmap = re.search(r"""(idmap[^>]*\sdata\s*=\s*["'])([\d,\s]+)(["'])""", text)
    shapes = []
    for shape_id, (row, col) in zip(ids, cells, strict=False):
        anchor = f"{col}, 15, {max(row - 2, 0)}, 10, {col + NOTE_COLUMNS}, 15, {max(row - 2, 0) + NOTE_ROWS}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;margin-left:0;'
            'margin-top:0;width:260pt;height:130pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor>'
            f"<x:AutoFill>False</x:AutoFill><x:Row>{row - 1}</x:Row><x:Column>{col - 1}</x:Column>"
            "</x:ClientData></v:shape>"
        )
    end = text.rindex("</xml>")
    package.put(part, text[:end] + "".join(shapes) + text[end:])
