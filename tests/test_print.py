"""Print: lists, wide and long tables, code, notes, references and headings, read back.

The corpus in ``tests/corpus/`` holds one section for each construct that is
hard to print. It is built once through the real pipeline (pandoc, WeasyPrint)
as three briefs: all of it, its note-heavy section alone, and its wide tables
on US Letter. Each test reads what a reader gets: the PDF's text where it lies
on its page (pypdf), the HTML as a parser and, laid out, as headless Chromium
sees it, and the DOCX through python-docx.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Length
from pypdf import PdfReader

from .conftest import CHROMIUM, REPO, Built, run, unavailable, write_files
from .scan import squash

CORPUS = REPO / "tests" / "corpus"
SECTIONS = ["clauses", "budget", "programmes", "authorities", "sources", "structure", "tooling"]
MM = 72 / 25.4  # PDF points in a millimetre
MARGIN = 20 * MM  # the print page's right margin (print.css)

AUDIENCES = """\
analyst:
  label: Analysts
  layout: full
  depth: full
  clearance: TLP:CLEAR
  formats: [pdf, docx, html]
"""


def brief(title: str, sections: list[str], paper: str = "a4") -> str:
    return (
        f"title: {title}\ndate: 2026-11-29\nauthors: [Unit A]\ncollection: corpus\n"
        f"marking: TLP:CLEAR\ncsl: styles/numeric.csl\nsections: [{', '.join(sections)}]\n"
        f"audiences:\n  analyst: {{paper: {paper}}}\n"
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build the corpus: all of it, its notes alone, and its tables on US Letter."""
    root = tmp_path_factory.mktemp("print")
    files: dict[str, str | bytes] = {
        "briefs/audiences.yaml": AUDIENCES,
        "briefs/corpus.yaml": brief("Print corpus", SECTIONS),
        "briefs/notes.yaml": brief("Notes", ["authorities"]),
        "briefs/letter.yaml": brief("Letter", ["budget"], paper="letter"),
        "styles/numeric.csl": (CORPUS / "numeric.csl").read_text("utf-8"),
        "sources/corpus/references.yaml": (CORPUS / "references.yaml").read_text("utf-8"),
    }
    for name in SECTIONS:
        files[f"sources/corpus/{name}.md"] = (CORPUS / f"{name}.md").read_text("utf-8")
    write_files(root, files)
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    return Built(root, result.output)


def path(built: Built, ext: str, name: str = "corpus") -> Path:
    return built.path("analyst", ext, brief=name)


# --- the PDF: each run of text, where it lies ---------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A run of text on a PDF page: its page (from 0), origin in points, font size."""

    page: int
    x: float
    y: float
    size: float
    text: str


@dataclass
class Pdf:
    runs: list[Run]
    sizes: list[tuple[float, float]]  # each page's width and height
    pages: list[str]  # each page's text

    def find(self, start: str) -> Run:
        """Return the one run that starts with ``start``."""
        found = [r for r in self.runs if r.text.strip().startswith(start)]
        assert len(found) == 1, f"{len(found)} runs start with {start!r}"
        return found[0]

    def left_of(self, run: Run) -> Run:
        """Return the nearest run on the same line, to the left of ``run``."""
        line = [r for r in self.runs if r.page == run.page and abs(r.y - run.y) < 1 and r.x < run.x]
        assert line, f"nothing on the line left of {run.text!r}"
        return max(line, key=lambda r: r.x)


def read_pdf(file: Path) -> Pdf:
    reader = PdfReader(file)
    runs: list[Run] = []
    for number, page in enumerate(reader.pages):

        def visit(
            text: str, cm: Any, tm: Any, font: Any, size: float, number: int = number
        ) -> None:
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                runs.append(Run(number, x, y, size * abs(tm[0] * cm[0] or 1), text))

        page.extract_text(visitor_text=visit)
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    return Pdf(runs, sizes, [p.extract_text() or "" for p in reader.pages])


# --- the HTML, parsed --------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None
    text: str = ""

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _Tree(HTMLParser):
    VOID = {"meta", "link", "br", "img", "hr", "col", "input", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.open[-1] if self.open else None)
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        if all(e.tag != tag for e in self.open):  # a void element's end (<col />): none open
            return
        while self.open.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data


def read_html(file: Path) -> list[Element]:
    tree = _Tree()
    tree.feed(file.read_text("utf-8"))
    return tree.elements


def item(elements: list[Element], start: str) -> Element:
    """Return the list item whose text starts with ``start``."""
    found = [e for e in elements if e.tag == "li" and e.text.strip().startswith(start)]
    assert len(found) == 1, f"{len(found)} items start with {start!r}"
    return found[0]


# --- ordered lists -------------------------------------------------------------------------------

# Each item of tests/corpus/clauses.md, and the number it must carry.
NUMBERED = {
    "notify the depositary": "(a)",
    "lay an annual report": "(b)",
    "consult the devolved": "(c)",
    "the Paris Declaration of 6 January 2026;": "i.",
    "the annexed implementing": "ii.",
    "any later protocol": "iii.",
    "Explanatory note on the financial": "A.",
    "Explanatory note on the territorial": "B.",
    "amendment four": "4.",
    "amendment five": "5.",
    "amendment six": "6.",
    "the request of the Government": "a)",
    "a resolution of each House": "b)",
    "notice to the Secretary-General": "c)",
    "the exception for self-defence": "(1)",
    "the exception for evacuation": "(2)",
    "the exception for humanitarian": "(3)",
    "Part four, on financial": "IV.",
    "Part five, on commencement": "V.",
    "the first obligation": "1.",
    "the limb on notice": "(a)",
    "the limb on consultation": "(b)",
    "in writing;": "i.",
    "within seven days.": "ii.",
    "the second obligation.": "2.",
}


def test_pdf_numbers_each_list_as_written(corpus: Built) -> None:
    pdf = read_pdf(path(corpus, "pdf"))
    printed = {text: pdf.left_of(pdf.find(text)).text.strip() for text in NUMBERED}
    assert printed == NUMBERED


def test_html_says_how_each_list_is_numbered(corpus: Built) -> None:
    elements = read_html(path(corpus, "html"))
    for text, classes in {
        "notify the depositary": {"list-parens", "list-lower-alpha"},
        "the request of the Government": {"list-paren", "list-lower-alpha"},
        "the exception for self-defence": {"list-parens", "list-decimal"},
        "the limb on notice": {"list-parens", "list-lower-alpha"},
    }.items():
        wrapper = item(elements, text).parent.parent  # type: ignore[union-attr]
        assert wrapper is not None and classes <= wrapper.classes, text
    amendments = item(elements, "amendment four").parent
    assert amendments is not None and amendments.attrs.get("start") == "4"
    wrapper = amendments.parent
    assert wrapper is not None and "list-start" in wrapper.classes
    assert wrapper.attrs["style"] == "counter-reset: list-item 3"
    assert item(elements, "the Paris Declaration of 6").parent.attrs["type"] == "i"  # type: ignore[union-attr]
    # Lists numbered 1., 2., ... as pandoc writes them by default get no wrapper.
    assert "list" not in (item(elements, "the first obligation").parent.parent.classes)  # type: ignore[union-attr]


def numbering(document: Any, start: str) -> tuple[str, str, int]:
    """Return the number format, text and start of the DOCX list item beginning with ``start``."""
    paragraph = next(p for p in document.paragraphs if p.text.startswith(start))
    props = paragraph._p.pPr.numPr
    level, number = int(props.ilvl.val), int(props.numId.val)
    root = document.part.numbering_part.element
    num = next(n for n in root.findall(qn("w:num")) if int(n.get(qn("w:numId"))) == number)
    abstract = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    definition = next(
        a for a in root.findall(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == abstract
    )
    lvl = next(v for v in definition.findall(qn("w:lvl")) if int(v.get(qn("w:ilvl"))) == level)
    fmt = lvl.find(qn("w:numFmt")).get(qn("w:val"))
    text = lvl.find(qn("w:lvlText")).get(qn("w:val"))
    first = lvl.find(qn("w:start"))
    return fmt, text, int(first.get(qn("w:val"))) if first is not None else 1


def test_docx_numbers_each_list_as_written(corpus: Built) -> None:
    document = docx.Document(str(path(corpus, "docx")))
    assert numbering(document, "notify the depositary") == ("lowerLetter", "(%1)", 1)
    assert numbering(document, "the request of the Government") == ("lowerLetter", "%1)", 1)
    assert numbering(document, "amendment four")[::2] == ("decimal", 4)
    assert numbering(document, "Part four, on financial")[::2] == ("upperRoman", 4)


# --- wide tables and code -----------------------------------------------------------------------

PLEDGES = "Pledges by partner and budget line"
LAST_COLUMN = ["9,140", "8,430", "10,540", "3,370"]  # the total pledged by each partner


def right_edge(pdf: Pdf, run: Run) -> float:
    return pdf.sizes[run.page][0] - MARGIN


def run_width(run: Run) -> float:
    """Return about how wide a run of Source Sans is, at most: a digit is 0.5 em wide."""
    return 0.5 * run.size * len(run.text.strip())


def test_pdf_sets_the_widest_table_on_a_landscape_page_whole(corpus: Built) -> None:
    pdf = read_pdf(path(corpus, "pdf"))
    caption = pdf.find(PLEDGES)
    width, height = pdf.sizes[caption.page]
    assert width > height, "the 16-column table has a landscape page"
    page = [r for r in pdf.runs if r.page == caption.page]
    assert not any("The coordination cell" in r.text for r in page), "and that page only"
    assert any(r.text.strip().endswith("pledged") for r in page)
    for text in LAST_COLUMN:
        cell = next(r for r in page if r.text.strip() == text)
        assert cell.x + run_width(cell) <= right_edge(pdf, cell) + 1
    # The next page is upright again.
    next_width, next_height = pdf.sizes[caption.page + 1]
    assert next_width < next_height


def test_a_section_that_opens_with_the_widest_table_takes_its_heading_and_source_along(
    project: Any,
) -> None:
    from .conftest import section

    head = "| " + " | ".join(f"Col{n}" for n in range(16)) + " |\n" + "|---:" * 16 + "|\n"
    rows = "".join(
        "| " + " | ".join(str(r * 100 + n) for n in range(16)) + " |\n" for r in range(60)
    )
    body = head + rows + '\n: A wide long table {source="QXSOURCE register"}\n'
    root = project(
        {"sources/demo/judgement.md": section("QXWIDE heading?", "S.", body, marking="TLP:CLEAR")}
    )
    result = run(root, "build", "-a", "analyst", "-f", "pdf")
    assert result.exit_code == 0, result.output
    reader = PdfReader(root / "build/demo/analyst/demo-analyst.pdf")
    pages = [(page.extract_text(), page.mediabox) for page in reader.pages]

    landscape = [text for text, box in pages if float(box.width) > float(box.height)]
    # The heading is not left alone on an upright page (it is in the contents on page 1 too);
    # the source line stays with its table.
    assert len(landscape) >= 2 and "Table 1." in landscape[0]
    assert "QXWIDE heading?" in landscape[0] and "QXSOURCE" in landscape[-1]
    upright = [text for text, box in pages if float(box.width) < float(box.height)]
    assert not any("QXSOURCE" in text for text in upright)


def test_pdf_fits_a_nine_column_table_to_the_upright_page(corpus: Built) -> None:
    pdf = read_pdf(path(corpus, "pdf"))
    caption = pdf.find("Five-year outline")
    width, height = pdf.sizes[caption.page]
    assert width < height
    assert any(r.page == caption.page and r.text.startswith("Indexed to wages") for r in pdf.runs)
    for text in ("1,460", "2,660", "730", "38%"):  # the last column of figures
        cell = next(r for r in pdf.runs if r.page == caption.page and r.text.strip() == text)
        assert cell.x + run_width(cell) <= right_edge(pdf, cell) + 1


REGISTRY = [  # the last column
    "2026/0304/0410/0096/5524/7733/0410/0096/5524",
    "2026/0305/0420/0196/5624/7833/0420/0196/5624",
]


def test_pdf_breaks_long_words_of_a_narrow_table_rather_than_lose_its_last_column(
    corpus: Built,
) -> None:
    # Four columns, but their longest words (digits, unbreakable at a slash before a
    # digit) are together wider than the page: they break inside the word.
    pdf = read_pdf(path(corpus, "pdf"))
    caption = pdf.find("Registry numbers of the pledges")
    text = squash(pdf.pages[caption.page])
    for number in REGISTRY:
        assert squash(number) in text
    cells = [
        r for r in pdf.runs if r.page == caption.page and re.fullmatch(r"[\d/]+", r.text.strip())
    ]
    assert len(cells) > 16, "each number is broken over lines"
    for cell in cells:  # digits and slashes of Source Sans: at most 0.5 em each
        assert cell.x + run_width(cell) <= right_edge(pdf, cell) + 1


@pytest.mark.parametrize(
    "caption",
    ["Registry numbers joined by no-break spaces", "A registry number across three columns"],
)
def test_pdf_fits_a_table_whose_long_words_the_spaces_or_spans_hide(
    corpus: Built, caption: str
) -> None:
    pdf = read_pdf(path(corpus, "pdf"))
    page = pdf.find(caption).page
    cells = [r for r in pdf.runs if r.page == page and re.fullmatch(r"[\d/\s]+", r.text.strip())]
    assert cells
    for cell in cells:
        assert cell.x + run_width(cell) <= right_edge(pdf, cell) + 1, cell.text


def test_pdf_wraps_long_code_lines_within_the_page(corpus: Built) -> None:
    pdf = read_pdf(path(corpus, "pdf"))
    listing = "".join(squash(t) for t in pdf.pages)
    for whole in (
        "PARTNER=United-Kingdom;LINE=air-defence;Q=2026Q1..2027Q4;AMOUNT_EUR_M=2400;",
        "STATUS=confirmed-by-ministerial-letter-of-12-January-2026;REF=MNF-UKR/2026/0001-AD;END",
        '"$f" >> checked-reports-with-their-problems.log; done',
    ):
        assert squash(whole) in listing
    code = [r for r in pdf.runs if "PARTNER=" in r.text or "MNF" in r.text or "json" in r.text]
    assert code
    for run_ in code:  # DejaVu Sans Mono: every character 0.6 em wide
        assert run_.x + 0.602 * run_.size * len(run_.text.rstrip()) <= right_edge(pdf, run_) + 1


def test_letter_paper_turns_its_landscape_page_too(corpus: Built) -> None:
    pdf = read_pdf(path(corpus, "pdf", "letter"))
    caption = pdf.find(PLEDGES)
    assert pdf.sizes[caption.page] == pytest.approx((792, 612), abs=0.5)
    assert pdf.sizes[0] == pytest.approx((612, 792), abs=0.5)


def grid(table: Any) -> list[int]:
    return [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def test_docx_sizes_columns_by_their_content(corpus: Built) -> None:
    document = docx.Document(str(path(corpus, "docx")))
    pledges, outline, *_, programmes = document.tables
    widths = grid(pledges)
    assert len(widths) == 16
    partner, quarters = widths[0], widths[1:9]
    assert partner > max(quarters), "'United Kingdom' gets more room than '410'"
    delivers = grid(programmes)[3]
    assert delivers > 2 * max(w for i, w in enumerate(grid(programmes)) if i != 3)
    # Table text is set in the Table style (sans, smaller): the cells' paragraph style,
    # Compact, and the styles it comes from set no font of their own to hide it.
    for name in ("Compact", "Body Text", "Normal"):
        assert document.styles[name].font.size is None, name
        assert document.styles[name].font.name is None, name
    assert document.styles["Table"].font.size.pt == 9.5
    section = document.sections[0]
    text_width = Length(section.page_width - section.left_margin - section.right_margin)
    assert sum(widths) <= text_width.twips + 16  # pandoc rounds each column


# --- long tables --------------------------------------------------------------------------------


def programme(n: int) -> tuple[str, str]:
    """Return a programme line's label and its cost, as tests/corpus/programmes.md has them."""
    return f"L{n:02d}", f"{n * 37 + 100:,}"


def test_pdf_keeps_each_row_of_a_long_table_whole_under_its_header(corpus: Built) -> None:
    pdf = read_pdf(path(corpus, "pdf"))
    pages: set[int] = set()
    for n in range(1, 61):
        label, cost = programme(n)
        cell = next(r for r in pdf.runs if r.text.strip() == label)
        beside = [r for r in pdf.runs if r.page == cell.page and r.text.strip() == cost]
        assert beside and abs(beside[0].y - cell.y) < 1, f"{label}'s cost is beside it"
        if n % 3 == 0:
            whole = (
                f"Programme line {n} delivers training, equipment and maintenance for brigade "
                f"{n}, with spare parts and instructors for two years and a review at the end "
                "of each year"
            )
            assert squash(whole) in squash(pdf.pages[cell.page]), f"{label} on one page"
        pages.add(cell.page)
    assert len(pages) >= 3, "a long table is never kept whole"
    for page in pages:
        header = [r for r in pdf.runs if r.page == page and r.text.strip() == "What it delivers"]
        rows = [r for r in pdf.runs if r.page == page and re.fullmatch(r"L\d\d", r.text.strip())]
        assert header and all(header[0].y > row.y for row in rows), f"header on page {page + 1}"


def test_pdf_keeps_a_long_tables_caption_with_its_first_rows(corpus: Built) -> None:
    pdf = read_pdf(path(corpus, "pdf"))
    caption = pdf.find("Programme lines of the fund")
    first = next(r for r in pdf.runs if r.text.strip() == "L01")
    assert first.page == caption.page


def test_html_classes_tables_by_width_and_length(corpus: Built) -> None:
    elements = read_html(path(corpus, "html"))
    tables = [e for e in elements if e.tag == "table"]
    classes = [t.classes for t in tables]
    assert classes == [{"widest", "short"}, {"wide", "short"}, *[{"short"}] * 3, set()]
    assert all(t.parent is not None and "table-wrap" in t.parent.classes for t in tables)


def breaking(elements: list[Any], caption: str) -> list[list[bool]]:
    """Return, row by row, which cells of the table with ``caption`` may break words anywhere."""

    def within(element: Any, ancestor: Any) -> bool:
        while element is not None and element is not ancestor:
            element = element.parent
        return element is ancestor

    table = next(
        e.parent for e in elements if e.tag == "caption" and e.text.strip().endswith(caption)
    )
    rows = [e for e in elements if e.tag == "tr" and within(e, table)]
    return [
        ["break-anywhere" in c.classes for c in elements if c.tag in ("th", "td") and c.parent is r]
        for r in rows
    ]


def test_html_lets_only_the_columns_that_need_it_break_words_anywhere(corpus: Built) -> None:
    elements = read_html(path(corpus, "html"))
    # The registry numbers are too long to fit side by side; the partners' names are not.
    assert breaking(elements, "Registry numbers of the pledges") == [[False] + [True] * 4] * 3
    # Sixteen columns of short words cannot fit without breaking them: every cell may.
    assert all(
        all(row) for row in breaking(elements, "Pledges by partner and budget line, € million")
    )
    # A long table of ordinary words fits with each word whole.
    assert not any(any(row) for row in breaking(elements, "Programme lines of the fund"))


# --- notes --------------------------------------------------------------------------------------


def test_pdf_of_a_note_heavy_brief_fills_its_pages(corpus: Built) -> None:
    pdf = read_pdf(path(corpus, "pdf", "notes"))
    # 72 one- or two-line notes on about 110 lines of text: five pages, the first a cover.
    assert len(pdf.pages) <= 6
    for number, text in enumerate(pdf.pages):
        notes = {int(n) for n in re.findall(r"Authority note (\d+)\.", text)}
        words = " ".join(text.split())
        calls = {int(n) for n in re.findall(r"read it\.(\d+)", words)}
        assert notes == calls, f"page {number + 1}: each note on the page of its call"
        assert not re.search(r"read it\. \d", words), f"page {number + 1}: a call left its word"
    assert sum(len(re.findall(r"Authority note (\d+)\.", text)) for text in pdf.pages) == 72


# --- references, headings, code in colour -------------------------------------------------------


def test_pdf_prints_a_numeric_reference_label_on_its_entrys_line(corpus: Built) -> None:
    pdf = read_pdf(path(corpus, "pdf"))
    for label, start in (("[1]", "O. Kovalenko"), ("[2]", "E. Lindqvist"), ("[3]", "National")):
        entry = pdf.find(start)
        assert pdf.left_of(entry).text.strip() == label


def test_pdf_never_sets_a_heading_below_the_text(corpus: Built) -> None:
    pdf = read_pdf(path(corpus, "pdf"))
    body = pdf.find("An urgent request is answered").size
    for heading in (
        "Remote sensing",
        "Procedures for imagery",
        "Urgent requests",
        "Requests outside",
    ):
        assert pdf.find(heading).size >= body, heading


def test_pdf_colours_highlighted_code(corpus: Built) -> None:
    reader = PdfReader(path(corpus, "pdf"))
    page = next(p for p in reader.pages if "check(report" in (p.extract_text() or ""))
    stream = page.get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]
    # Strings in dark green (#1d5c25), comments italic and keywords bold, in the mono font.
    assert "0.113725 0.360784 0.145098 rg" in stream
    fonts = {str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    assert any(f.endswith("DejaVu-Sans-Mono-Oblique") for f in fonts)
    assert any(f.endswith("DejaVu-Sans-Mono-Bold") for f in fonts)


# --- the HTML laid out, in headless Chromium -----------------------------------------------------

PROBE = """<script>
(() => {
  const style = (e, pseudo) => getComputedStyle(e, pseudo || null);
  const size = (e) => parseFloat(style(e).fontSize);
  const box = (s) => document.querySelector(s).getBoundingClientRect();
  const span = (c) => style(document.querySelector("code span." + c));
  const measure = (f) => { try { return f(); } catch (e) { return String(e); } };
  const found = JSON.stringify({
    body: measure(() => size([...document.querySelectorAll(".section-body p")].find(
      (p) => p.textContent.startsWith("An urgent request")))),
    headings: measure(() => [...document.querySelectorAll("h5, h6")].map(size)),
    label: measure(() => [box("#ref-monitoring-study .csl-left-margin").top,
                          box("#ref-monitoring-study .csl-left-margin").right]),
    entry: measure(() => [box("#ref-monitoring-study .csl-right-inline").top,
                          box("#ref-monitoring-study .csl-right-inline").left]),
    marker: measure(() => style([...document.querySelectorAll("li")].find(
      (li) => li.textContent.startsWith("notify the depositary")), "::before").content),
    page: [document.documentElement.scrollWidth, innerWidth],
    table: measure(() => {
      const wrap = document.querySelector(".table-wrap");  // the first table: 16 columns
      return [wrap.scrollWidth, wrap.clientWidth];
    }),
    code: measure(() => style(document.querySelector("pre code.sourceCode")).color),
    keyword: measure(() => [span("kw").fontWeight, span("kw").color]),
    comment: measure(() => [span("co").fontStyle, span("co").color]),
    string: measure(() => span("st").color),
  });
  parent.document.getElementById("probe").textContent = found;
})();
</script>"""


def probe(page: Path, tmp: Path, width: int) -> dict[str, Any]:
    """Return what the probe script measures in ``page`` laid out ``width`` pixels wide.

    The page is shown in a frame of that width (headless Chromium's window is never
    narrower than 500 pixels), written into the frame so that it may report to its host.
    """
    if not CHROMIUM.is_file():
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    framed = html.escape(page.read_text("utf-8").replace("</body>", PROBE + "</body>"))
    host = tmp / f"probe-{width}.html"
    host.write_text(
        '<!DOCTYPE html><html><body style="margin:0"><pre id="probe"></pre>'
        f'<iframe width="{width}" height="900" srcdoc="{framed}"></iframe></body></html>',
        "utf-8",
    )
    profile = tmp / f"chromium-{width}"
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    command += ["--disable-background-networking", "--disable-component-update"]
    command += ["--disable-sync", f"--user-data-dir={profile}", "--window-size=1400,1000"]
    command += ["--dump-dom", host.as_uri()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found and found[1], done.stderr[-2000:]
    result: dict[str, Any] = json.loads(html.unescape(found[1]))
    return result


@pytest.fixture(scope="module", params=[1280, 390], ids=["desktop", "phone"])
def laid_out(request: pytest.FixtureRequest, corpus: Built, tmp_path_factory: Any) -> Any:
    return probe(path(corpus, "html"), tmp_path_factory.mktemp("probe"), request.param)


def test_html_headings_are_never_below_the_text(laid_out: dict[str, Any]) -> None:
    assert len(laid_out["headings"]) == 3
    assert min(laid_out["headings"]) >= laid_out["body"]


def test_html_prints_a_numeric_reference_label_on_its_entrys_line(laid_out: dict[str, Any]) -> None:
    (label_top, label_right), (entry_top, entry_left) = laid_out["label"], laid_out["entry"]
    assert abs(label_top - entry_top) < 2
    assert label_right <= entry_left + 1


def test_html_numbers_lists_with_parentheses(laid_out: dict[str, Any]) -> None:
    assert laid_out["marker"] == '"(" counter(list-item, lower-alpha) ")"'


def test_html_wide_table_scrolls_in_its_box_not_the_page(laid_out: dict[str, Any]) -> None:
    page, window = laid_out["page"]
    assert page <= window
    wide, shown = laid_out["table"]
    assert wide >= shown


def test_html_colours_highlighted_code(laid_out: dict[str, Any]) -> None:
    plain = laid_out["code"]
    weight, keyword = laid_out["keyword"]
    italic, comment = laid_out["comment"]
    assert int(weight) >= 700 and keyword != plain
    assert italic == "italic" and comment != plain
    assert laid_out["string"] not in (plain, keyword, comment)
