"""What a professional brief carries, read back from every format of the sample and others."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from briefwright.markings import TLP

from .conftest import AUDIENCES, BRIEF, Built, run, section, write_files

NUMBER = "PAU-2026-014"
AUDIENCE_NAMES = ("executive", "analyst", "public")


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def docx_part(path: Path, pattern: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(
            archive.read(n).decode() for n in archive.namelist() if re.fullmatch(pattern, n)
        )


@pytest.mark.parametrize("audience", AUDIENCE_NAMES)
def test_the_handling_sentence_is_on_the_first_page_of_every_format(
    sample: Built, audience: str
) -> None:
    marking = {"executive": "TLP:AMBER", "analyst": "TLP:AMBER+STRICT", "public": "TLP:CLEAR"}
    handling = TLP.get(marking[audience]).handling  # type: ignore[union-attr]
    first = " ".join(pdf_pages(sample.path(audience, "pdf"))[0].split())
    assert " ".join(handling.split()) in first
    html = sample.path(audience, "html").read_text()
    assert html.index(handling) < html.index('class="brief-body"')
    paragraphs = [p.text for p in docx.Document(str(sample.path(audience, "docx"))).paragraphs]
    assert handling in paragraphs[:8]


@pytest.mark.parametrize("audience", AUDIENCE_NAMES)
def test_the_number_is_in_every_footer_and_the_metadata(sample: Built, audience: str) -> None:
    pages = pdf_pages(sample.path(audience, "pdf"))
    assert all(NUMBER in page and "29 November 2026" in page for page in pages)
    assert PdfReader(sample.path(audience, "pdf")).metadata["/number"] == NUMBER  # type: ignore[index]
    footers = docx_part(sample.path(audience, "docx"), r"word/footer\d*\.xml")
    assert NUMBER in footers and "BRIEFWRIGHT-FOOTER" not in footers
    assert docx.Document(str(sample.path(audience, "docx"))).core_properties.identifier == NUMBER
    html = sample.path(audience, "html").read_text()
    assert f'<meta name="identifier" content="{NUMBER}">' in html
    assert NUMBER in html.split('class="marking-banner marking-bottom"')[1]


def _sentences(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", flat) if len(s.split()) >= 8]


@pytest.mark.parametrize("audience", AUDIENCE_NAMES)
def test_no_sentence_of_eight_words_or_more_is_printed_twice(sample: Built, audience: str) -> None:
    text = "\n".join(pdf_pages(sample.path(audience, "pdf")))
    # The running head and foot repeat by design, as do the sections' titles (a heading, its
    # line in the contents, its key point's lead); the page's prose may not.
    body = re.sub(r"Page \d+ of \d+|TLP:[A-Z+]+|PAU-2026-014 · 29 November 2026", " ", text)
    body = body.replace("\u2019", "'")  # the sources' apostrophes, as typography prints them
    titles = re.findall(
        r"^title: (.+)$",
        "\n".join(p.read_text() for p in (sample.root / "sources").rglob("*.md")),
        re.M,
    )
    for title in titles:
        body = re.sub(r"(\d+\s*)?" + re.escape(title), " ", " ".join(body.split()))
    repeated = [s for s, n in Counter(_sentences(body)).items() if n > 1]
    assert not repeated, repeated


def test_the_bottom_line_is_on_the_first_page(sample: Built) -> None:
    for audience in ("analyst", "public"):
        first = pdf_pages(sample.path(audience, "pdf"))[0]
        assert "Bottom line." in first


def test_marked_passages_are_labelled_where_they_begin_in_every_format(sample: Built) -> None:
    html = sample.path("analyst", "html").read_text()
    for passage in re.findall(r'<div class="passage passage-marked"[^>]*>\s*<div[^>]*>', html):
        assert "passage-label" in passage, passage
    body = docx_part(sample.path("analyst", "docx"), r"word/document\.xml")
    labels = re.findall(r'<w:pStyle w:val="PassageLabel" />.*?</w:p>', body)
    assert any("TLP:AMBER+STRICT" in label for label in labels)
    text = " ".join(" ".join(pdf_pages(sample.path("analyst", "pdf"))).split())
    assert "TLP:AMBER+STRICT We assess that the Multinational Force" in text.replace(
        "TLP:AMBER+STRICT (TLP:AMBER+STRICT)", "TLP:AMBER+STRICT"
    )


def test_marked_and_audience_passages_look_different(sample: Built) -> None:
    body = docx_part(sample.path("analyst", "docx"), r"word/document\.xml")
    assert '<w:pStyle w:val="Passage" />' in body and '<w:pStyle w:val="AudiencePassage" />' in body
    html = sample.path("analyst", "html").read_text()
    assert 'class="passage passage-audience"' in html and 'class="passage passage-marked"' in html


def test_a_heading_shows_the_highest_marking_its_audience_receives_of_it(sample: Built) -> None:
    html = sample.path("analyst", "html").read_text()
    enforcement = html.split('id="sec-enforcement"', 1)[1].split("</h", 1)[1][:400]
    assert "marking-tlp-amber-strict" in enforcement  # a CLEAR section with a STRICT passage


@pytest.fixture
def ministers(project: Callable[..., Path]) -> Path:
    body = 'Public text.\n\n::: {audience="executive"}\nQXFORMINISTERS read this first.\n:::\n'
    root = project({"sources/demo/intro.md": section("Q?", "S.", body, marking="TLP:CLEAR")})
    assert run(root, "build", "-f", "html").exit_code == 0
    return root


def test_a_passage_for_ministers_is_in_their_summary_edition_and_nowhere_else(
    ministers: Path,
) -> None:
    for audience in AUDIENCE_NAMES:
        page = (ministers / f"build/demo/{audience}/demo-{audience}.html").read_text()
        assert ("QXFORMINISTERS" in page) == (audience == "executive"), audience


def test_changing_only_the_number_rebuilds_every_edition(project: Callable[..., Path]) -> None:
    root = project({"briefs/demo.yaml": BRIEF.replace("authors:", "number: A-1\nauthors:")})
    assert run(root, "build", "-f", "html").exit_code == 0
    (root / "briefs/demo.yaml").write_text(BRIEF.replace("authors:", "number: A-2\nauthors:"))
    result = run(root, "build", "-f", "html")
    assert result.output.count("built: demo-") == 3, result.output
    assert "A-2" in (root / "build/demo/public/demo-public.html").read_text()


def test_the_disclaimer_closes_editions_that_go_to_anyone(project: Callable[..., Path]) -> None:
    disclaimer = "QXDISCLAIMER This brief does not state government policy."
    brief = BRIEF.replace("authors:", f"disclaimer: {disclaimer}\nauthors:")
    root = project({"briefs/demo.yaml": brief})
    assert run(root, "build", "-f", "html", "-f", "docx").exit_code == 0
    public = (root / "build/demo/public/demo-public.html").read_text()
    analyst = (root / "build/demo/analyst/demo-analyst.html").read_text()
    assert disclaimer in public and "QXDISCLAIMER" not in analyst
    assert disclaimer in [
        p.text for p in docx.Document(str(root / "build/demo/public/demo-public.docx")).paragraphs
    ]


def test_contacts_are_printed_in_every_format(project: Callable[..., Path]) -> None:
    contacts = "contacts:\n  - name: QX Contact\n    role: Desk\n    email: qx@example.org\n"
    root = project({"briefs/demo.yaml": BRIEF.replace("authors:", contacts + "authors:")})
    assert run(root, "build", "-a", "analyst").exit_code == 0
    folder = root / "build/demo/analyst"
    assert "QX Contact" in "".join(pdf_pages(folder / "demo-analyst.pdf"))
    assert "qx@example.org" in (folder / "demo-analyst.html").read_text()
    assert any(
        "QX Contact" in p.text for p in docx.Document(str(folder / "demo-analyst.docx")).paragraphs
    )


def _two_pager(root: Path, audience: str, settings: str, sections: str) -> str:
    """Build the sample's sections for one two-pager audience; return the build's output."""
    import shutil

    from .conftest import REPO

    audiences = AUDIENCES + f"{audience}:\n  label: Readers\n  layout: two-pager\n{settings}"
    brief = (REPO / "briefs/ukraine-security-guarantees.yaml").read_text()
    brief = brief.split("sections:")[0] + (
        f"sections: [{sections}]\naudiences:\n  {audience}: {{}}\n"
    )
    shutil.copytree(REPO / "sources", root / "sources")
    write_files(root, {"briefs/audiences.yaml": audiences, "briefs/b.yaml": brief})
    result = run(root, "build", "-a", audience)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_two_pager_is_at_most_two_pages_in_two_columns(tmp_path: Path) -> None:
    settings = "  clearance: TLP:CLEAR\n  max_pages: 2\n  formats: [pdf, html]\n"
    output = _two_pager(tmp_path, "press", settings, "what-are-guarantees, paris-meeting")
    # WeasyPrint puts the note of a call in the second column on the next page; it says so.
    assert (
        "warning: b for press: the PDF prints note 2 (as numbered in the edition) on a later page"
    ) in output
    reader = PdfReader(tmp_path / "build/b/press/b-press.pdf")
    assert len(reader.pages) <= 2
    starts: list[float] = []

    def visit(text: str, cm: object, tm: list[float], *_: object) -> None:
        if text.strip():
            starts.append(tm[4])

    reader.pages[0].extract_text(visitor_text=visit)
    width = float(reader.pages[0].mediabox.width)
    assert any(x > width / 2 for x in starts) and any(x < width / 3 for x in starts)
    assert NUMBER in reader.pages[0].extract_text()


def _footer(page: object) -> str:
    """The text printed in a PDF page's bottom 20 mm."""
    feet: list[str] = []

    def visit(text: str, cm: object, tm: list[float], *_: object) -> None:
        if tm[5] < 20 * 72 / 25.4:
            feet.append(text)

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    return "".join(feet)


def test_the_two_pager_at_summary_depth_prints_nothing_empty(tmp_path: Path) -> None:
    settings = "  depth: summary\n  clearance: TLP:CLEAR\n  formats: [pdf, html, docx]\n"
    _two_pager(tmp_path, "focus", settings, "what-are-guarantees, paris-meeting, us-role")
    folder = tmp_path / "build/b/focus"
    reader = PdfReader(folder / "b-focus.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    html = (folder / "b-focus.html").read_text()
    paragraphs = [p.text for p in docx.Document(str(folder / "b-focus.docx")).paragraphs]
    # Nothing is cited at summary depth: no References heading over an empty list.
    assert "References" not in text and 'id="references"' not in html
    assert "References" not in paragraphs
    # The first section's summary is the box, labelled as such; its heading is not repeated
    # with nothing under it.
    first = "What are binding security guarantees for Ukraine?"
    assert "Bottom line." in text and "Key points." not in text
    assert first not in text and first not in paragraphs
    assert 'id="sec-what-are-guarantees"' in html
    # The disclaimer closes the edition.
    assert paragraphs[-1].startswith("This brief is the work of")
    # Number and date in the footer of every page, not only its header.
    for page in reader.pages:
        assert NUMBER in _footer(page) and "29 November 2026" in _footer(page)


def test_the_disclaimer_follows_the_references(sample: Built) -> None:
    disclaimer = "This brief is the work of the Policy Analysis Unit."
    html = sample.path("public", "html").read_text()
    assert html.index('id="refs"') < html.index(disclaimer)
    text = "\n".join(pdf_pages(sample.path("public", "pdf")))
    assert text.rindex("References") < text.index(disclaimer)  # the heading, not the contents
    paragraphs = [p.text for p in docx.Document(str(sample.path("public", "docx"))).paragraphs]
    assert paragraphs[-1].startswith(disclaimer)


def test_the_web_page_carries_the_shipped_fonts(sample: Built) -> None:
    html = sample.path("public", "html").read_text()
    faces = re.findall(r'@font-face \{ font-family: "([^"]+)"[^}]*data:font/woff2;base64,', html)
    assert {"Source Serif Pro", "Source Sans Pro"} <= set(faces)
