"""Generate the Word reference document that gives every DOCX output its styles.

Run ``make reference-docx`` (or ``python -m briefwright.reference_docx OUT``)
after changing this file. It starts from pandoc's own reference document, so
every style pandoc writes exists, then sets fonts, sizes and colours, A4
pages, and a header and footer whose marking placeholder the render stage
fills in for each edition.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .render import pandoc
from .render.docx import COLOUR_PLACEHOLDER, FOOTER_PLACEHOLDER, MARKING_PLACEHOLDER
from .render.edition import CONTENTS_STYLE

ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
ACCENT_HEX = "1F3A5F"
MUTED = RGBColor(0x55, 0x55, 0x55)
SERIF = "Cambria"
SANS = "Calibri"


def _font(style, name: str, size: float, bold: bool | None = None, colour=None) -> None:  # type: ignore[no-untyped-def]
    style.font.name = name
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)
    style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    if colour is not None:
        style.font.color.rgb = colour


def _default_font(styles, name: str, size: float) -> None:  # type: ignore[no-untyped-def]
    """Make ``name`` at ``size`` the document's default font."""
    rpr = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    fonts.attrib.clear()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), str(round(size * 2)))


def _no_font(style) -> None:  # type: ignore[no-untyped-def]
    """Take a style's own font and size off, so that it has the default or its table's."""
    rpr = style.element.rPr
    if rpr is None:
        return
    for tag in ("w:rFonts", "w:sz", "w:szCs"):
        for element in rpr.findall(qn(tag)):
            rpr.remove(element)


# Word rejects paragraph properties out of the schema's order; these come after w:pBdr/w:shd.
_AFTER_SHADING = (
    "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
    "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
    "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId "
    "cnfStyle rPr sectPr pPrChange"
).split()


def _insert(ppr, element) -> None:  # type: ignore[no-untyped-def]
    """Put a w:pBdr or w:shd into paragraph properties where the schema wants it."""
    later = [f"w:{tag}" for tag in _AFTER_SHADING]
    if element.tag == qn("w:pBdr"):
        later.insert(0, "w:shd")
    ppr.insert_element_before(element, *later)


def _shade(element, fill: str) -> None:  # type: ignore[no-untyped-def]
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    if element.tag == qn("w:pPr"):
        _insert(element, shd)
    else:
        element.append(shd)  # run properties: w:shd comes after everything set here


_EDGES = ("top", "left", "bottom", "right", "between", "bar")  # the schema's order


def _border(  # type: ignore[no-untyped-def]
    ppr, side: str, colour: str, size: int = 12, kind: str = "single"
) -> None:
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        _insert(ppr, borders)
    edge = OxmlElement(f"w:{side}")
    for key, value in (("w:val", kind), ("w:sz", str(size)), ("w:space", "8"), ("w:color", colour)):
        edge.set(qn(key), value)
    later = [borders.find(qn(f"w:{e}")) for e in _EDGES[_EDGES.index(side) + 1 :]]
    following = next((e for e in later if e is not None), None)
    if following is not None:
        following.addprevious(edge)
    else:
        borders.append(edge)


# Space either side of a cell's text, in twentieths of a point: Word's 108 (1.9 mm) takes
# a third of each column of a table with many columns.
CELL_MARGIN = 72


def _table_style(style) -> None:  # type: ignore[no-untyped-def]
    """Rules above, below and between rows; a bold header row; narrow cell margins."""
    tblpr = style.element.find(qn("w:tblPr"))
    if tblpr is None:
        tblpr = OxmlElement("w:tblPr")
        style.element.append(tblpr)
    borders = OxmlElement("w:tblBorders")
    for side, size, colour in (
        ("top", "8", ACCENT_HEX),
        ("bottom", "8", ACCENT_HEX),
        ("insideH", "4", "C9CED6"),
    ):
        edge = OxmlElement(f"w:{side}")
        for key, value in (
            ("w:val", "single"),
            ("w:sz", size),
            ("w:space", "0"),
            ("w:color", colour),
        ):
            edge.set(qn(key), value)
        borders.append(edge)
    margins = tblpr.find(qn("w:tblCellMar"))
    if margins is None:
        tblpr.append(borders)
    else:  # the schema puts the borders first
        margins.addprevious(borders)
        for side in ("left", "right"):
            edge = margins.find(qn(f"w:{side}"))
            if edge is not None:
                edge.set(qn("w:w"), str(CELL_MARGIN))
    # A row never splits across pages, and each row keeps with the next, so that a
    # short table stays on one page (Word lets a table longer than a page break).
    rows = OxmlElement("w:trPr")
    rows.append(OxmlElement("w:cantSplit"))
    tblpr.addnext(rows)
    ppr = style.element.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        rpr = style.element.find(qn("w:rPr"))
        (rpr if rpr is not None else tblpr).addprevious(ppr)
    ppr.insert(0, OxmlElement("w:keepNext"))
    header = OxmlElement("w:tblStylePr")
    header.set(qn("w:type"), "firstRow")
    rpr = OxmlElement("w:rPr")
    rpr.append(OxmlElement("w:b"))
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), ACCENT_HEX)
    rpr.append(colour)
    header.append(rpr)
    style.element.append(header)


def _field(paragraph, instruction: str) -> None:  # type: ignore[no-untyped-def]
    """Add a field (PAGE, NUMPAGES) as separate runs, each styled, as Word writes them."""
    for kind in ("begin", "instr", "separate", "result", "end"):
        run = paragraph.add_run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        elif kind == "result":
            element = OxmlElement("w:t")
            element.text = "1"
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
        run.font.size = Pt(8.5)
        run.font.color.rgb = MUTED


def _marking_run(paragraph) -> None:  # type: ignore[no-untyped-def]
    run = paragraph.add_run(MARKING_PLACEHOLDER)
    run.font.name = SANS
    run.font.size = Pt(12)
    run.font.bold = True
    run.font.color.rgb = RGBColor.from_string(COLOUR_PLACEHOLDER)
    _shade(run._r.get_or_add_rPr(), "000000")


def _side_margin(compact: bool) -> int:
    """The side margins in mm: the full brief's give a readable measure (11 pt on 134 mm,
    about 75 characters a line, as on paper); the short products' keep them to their pages."""
    return 18 if compact else 38


def build(out: Path, compact: bool = False) -> None:
    """Write the reference document to ``out``.

    ``compact`` is the short products' (one-pager, two-pager): a smaller body
    and tighter spacing and margins, so that Word keeps them to their pages.
    """
    body, spacing, after = (10, 1.0, 4) if compact else (11, 1.15, 6)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "pandoc-reference.docx"
        subprocess.run(
            [pandoc.binary(), "-o", str(base), "--print-default-data-file", "reference.docx"],
            check=True,
        )
        doc = Document(str(base))

    styles = doc.styles
    # The body font is the document's default, not Normal's: a paragraph style's font wins
    # over a table style's, and pandoc writes table cells as Compact paragraphs (Compact is
    # Body Text is Normal), so a font set on any of them would hide the Table style's.
    _default_font(styles, SERIF, body)
    styles["Normal"].paragraph_format.space_after = Pt(after)
    styles["Normal"].paragraph_format.line_spacing = spacing
    for name in ("Normal", "Body Text", "First Paragraph", "Compact"):
        if name in [s.name for s in styles]:
            _no_font(styles[name])
    headings = (
        (("Heading 1", 13), ("Heading 2", 11.5), ("Heading 3", 10.5))
        if compact
        else (
            ("Heading 1", 16),
            ("Heading 2", 13),
            ("Heading 3", 11.5),
        )
    )
    for name, size in headings:
        _font(styles[name], SANS, size, bold=True, colour=ACCENT)
        styles[name].paragraph_format.keep_with_next = True
        before = 14 if name == "Heading 1" else 10
        styles[name].paragraph_format.space_before = Pt(before * 0.6 if compact else before)
        styles[name].paragraph_format.space_after = Pt(4)
    _font(styles["Title"], SANS, 20 if compact else 26, bold=True, colour=ACCENT)
    _font(styles["Subtitle"], SANS, 14, bold=False, colour=MUTED)
    for name in ("Author", "Date"):
        _font(styles[name], SANS, 10, colour=MUTED)
        styles[name].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    for name in ("Title", "Subtitle", "Abstract Title"):
        if name in [s.name for s in styles]:
            styles[name].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    block = styles["Block Text"]
    _font(block, SERIF, 11)
    block.paragraph_format.left_indent = Mm(3)
    block.paragraph_format.right_indent = Mm(2)
    block.paragraph_format.space_before = Pt(8)
    block.paragraph_format.space_after = Pt(8)
    ppr = block.element.get_or_add_pPr()
    _border(ppr, "left", ACCENT_HEX, size=18)  # as on paper: an accent rule down the box
    _shade(ppr, "EEF2F7")
    for name in ("Table Caption", "Image Caption", "Caption"):
        if name in [s.name for s in styles]:
            _font(styles[name], SANS, 9.5, bold=True, colour=ACCENT)
    if "Footnote Text" in [s.name for s in styles]:
        _font(styles["Footnote Text"], SERIF, 9)
    if "Marking" not in [s.name for s in styles]:
        marking = styles.add_style("Marking", WD_STYLE_TYPE.CHARACTER)
        marking.font.name = SANS
        marking.font.bold = True
        marking.font.size = Pt(8.5)
        marking.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        _shade(marking.element.get_or_add_rPr(), "000000")
    if "Footer" in [s.name for s in styles]:
        _font(styles["Footer"], SANS, 8.5, colour=MUTED)
    section_marking = styles.add_style("Section Marking", WD_STYLE_TYPE.PARAGRAPH)
    section_marking.base_style = styles["Normal"]
    _font(section_marking, SANS, 8.5, bold=True, colour=MUTED)
    section_marking.paragraph_format.keep_with_next = True
    section_marking.paragraph_format.space_after = Pt(4)
    contents = styles.add_style(CONTENTS_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    contents.base_style = styles["Normal"]
    _font(contents, SANS, 10)
    contents.paragraph_format.space_after = Pt(3)
    contents.paragraph_format.line_spacing = 1.0
    # Each entry ends with a tab and its page (a PAGEREF field): dots lead to the number.
    contents.paragraph_format.tab_stops.add_tab_stop(
        Mm(210 - 2 * _side_margin(compact)), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
    )
    # A marked passage has a black rule down its left and its label at its top; one kept
    # for some audiences a dashed accent rule and a tint: the two never look alike.
    passage = styles.add_style("Passage", WD_STYLE_TYPE.PARAGRAPH)
    passage.base_style = styles["Body Text"]
    passage.paragraph_format.left_indent = Mm(4)
    _border(passage.element.get_or_add_pPr(), "left", "000000", size=18)
    audience = styles.add_style("Audience Passage", WD_STYLE_TYPE.PARAGRAPH)
    audience.base_style = styles["Body Text"]
    audience.paragraph_format.left_indent = Mm(4)
    _border(audience.element.get_or_add_pPr(), "left", ACCENT_HEX, kind="dashed")
    _shade(audience.element.get_or_add_pPr(), "F3F6FA")
    label = styles.add_style("Passage Label", WD_STYLE_TYPE.PARAGRAPH)
    label.base_style = styles["Body Text"]
    _font(label, SANS, 8.5, bold=True)
    label.paragraph_format.left_indent = Mm(4)
    label.paragraph_format.keep_with_next = True
    label.paragraph_format.space_before = Pt(8)
    label.paragraph_format.space_after = Pt(2)
    _border(label.element.get_or_add_pPr(), "left", "000000", size=18)
    _border(label.element.get_or_add_pPr(), "top", "000000")  # a new passage starts here
    if "Abstract" in [s.name for s in styles]:  # the marking's handling sentence, page 1
        _font(styles["Abstract"], SANS, 9.5, colour=MUTED)
        styles["Abstract"].paragraph_format.left_indent = Mm(0)
        styles["Abstract"].paragraph_format.right_indent = Mm(0)
    if "Hyperlink" in [s.name for s in styles]:
        styles["Hyperlink"].font.color.rgb = ACCENT
        styles["Hyperlink"].font.underline = False
    for name in ("Table Caption", "Image Caption"):
        if name in [s.name for s in styles]:
            styles[name].font.italic = False
    if "Table Caption" in [s.name for s in styles]:  # above its table, and kept with it
        styles["Table Caption"].paragraph_format.keep_with_next = True
    table = styles["Table"] if "Table" in [s.name for s in styles] else None
    if table is not None:
        _font(table, SANS, 9.5)
        _table_style(table)

    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(_side_margin(compact))
    section.top_margin = section.bottom_margin = Mm(18 if compact else 25)
    section.header_distance = section.footer_distance = Mm(10)
    width = section.page_width - section.left_margin - section.right_margin

    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _marking_run(header)

    footer = section.footer.paragraphs[0]
    footer.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    lead = footer.add_run("Page ")
    lead.font.size = Pt(8.5)
    lead.font.color.rgb = MUTED
    _field(footer, "PAGE")
    mid = footer.add_run(" of ")
    mid.font.size = Pt(8.5)
    mid.font.color.rgb = MUTED
    _field(footer, "NUMPAGES")
    footer.paragraph_format.tab_stops.add_tab_stop(width // 2, WD_TAB_ALIGNMENT.CENTER)
    footer.add_run("\t")
    middle = footer.add_run(FOOTER_PLACEHOLDER)  # the brief's number and date, per edition
    middle.font.size = Pt(8.5)
    middle.font.color.rgb = MUTED
    footer.add_run("\t")
    _marking_run(footer)

    core = doc.core_properties
    core.title = core.subject = core.keywords = core.comments = ""
    core.author = core.last_modified_by = "briefwright"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--compact"]
    build(Path(arguments[0] if arguments else "reference.docx"), "--compact" in sys.argv[1:])
