"""Fidelity: what the author wrote reaches every format, or a message says why.

Each section is read by pandoc on its own and everything afterwards works on
pandoc's tree, so the constructs below reach the PDF, the DOCX and the HTML
as pandoc reads them. Each case once reached a format changed or lost.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from .conftest import BRIEF, expect_error, run, section
from .scan import squash

REFERENCES = """\
references:
- id: пункт4
  type: legislation
  title: Пункт четвертий
  issued: {date-parts: [[2025]]}
- id: nato-1949
  type: treaty
  title: The North Atlantic Treaty
  issued: {date-parts: [[1949]]}
"""


def files(one: str, two: str = "Text of the second section.") -> dict[str, str]:
    return {
        "briefs/demo.yaml": BRIEF,
        "sources/demo/intro.md": section("What is first?", "The first.", one, marking="TLP:CLEAR"),
        "sources/demo/judgement.md": section(
            "What is second?", "The second.", two, marking="TLP:CLEAR"
        ),
        "sources/demo/references.yaml": REFERENCES,
    }


def build(root: Path) -> Path:
    result = run(root, "build", "-a", "analyst")
    assert result.exit_code == 0, result.output
    return root / "build" / "demo" / "analyst"


def pdf_text(folder: Path) -> str:
    return "\n".join(
        page.extract_text() or "" for page in PdfReader(folder / "demo-analyst.pdf").pages
    )


def docx_xml(folder: Path, part: str = "word/document.xml") -> str:
    with zipfile.ZipFile(folder / "demo-analyst.docx") as archive:
        return archive.read(part).decode("utf-8")


class Outline(HTMLParser):
    """The HTML page's sections, as (depth, id) pairs, and every id on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.sections: list[tuple[int, str]] = []
        self.ids: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(found["id"] or "")
        if tag == "a" and (found.get("href") or "").startswith("#"):
            self.links.append((found["href"] or "")[1:])
        if tag in ("section", "div", "center", "p") and tag != "p":
            self.depth += 1
            if tag == "section":
                self.sections.append((self.depth, found.get("id") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("section", "div", "center"):
            self.depth -= 1


def outline(folder: Path) -> Outline:
    page = Outline()
    page.feed((folder / "demo-analyst.html").read_text("utf-8"))
    return page


def test_a_stray_html_tag_changes_nothing_around_it(project: Callable[..., Path]) -> None:
    root = project(files("Before.\n\n<center>\nCentred text.\n\n<div>\nUnclosed.\n"))
    result = run(root, "build", "-a", "analyst")
    assert result.exit_code == 0, result.output
    assert "sources/demo/intro.md:8: removed raw HTML (<center>)" in result.output
    folder = root / "build" / "demo" / "analyst"
    page = outline(folder)
    depths = dict((ident, depth) for depth, ident in page.sections)
    assert depths["sec-intro"] == depths["sec-judgement"]  # the second is not nested in the first
    for text in (pdf_text(folder), (folder / "demo-analyst.html").read_text(), docx_xml(folder)):
        assert ":::" not in text
        assert "Text of the second section" in text and "Centred text" in text


def test_notes_keep_their_lists_quotes_tables_and_code_in_print(
    project: Callable[..., Path],
) -> None:
    note = (
        "A claim.[^n]\n\n[^n]: The note opens.\n\n    - first point\n    - second point\n\n"
        "    > quoted words\n\n"
        "    | col | other |\n    |-----|-------|\n    | cellone | celltwo |\n\n"
        "    ```\n    code in the note\n    ```\n"
    )
    folder = build(project(files(note)))
    printed = squash(pdf_text(folder))
    for words in ("The note opens", "first point", "second point", "quoted words", "cellone"):
        assert squash(words) in printed, words
    assert squash("code in the note") in printed


def test_code_is_written_exactly_as_it_was(project: Callable[..., Path]) -> None:
    body = "Inline `[^0-9]+` and:\n\n```\ngrep '[^0-9]' file [^x]\n```\n\n    indented [^y]\n"
    folder = build(project(files(body)))
    html = (folder / "demo-analyst.html").read_text()
    for text in ("[^0-9]+", "grep &#39;[^0-9]&#39; file [^x]", "indented [^y]"):
        assert text in html or text.replace("&#39;", "'") in html, text
    assert "[^0-9]" in pdf_text(folder) and "[^0-9]" in docx_xml(folder)


def test_an_at_sign_is_a_citation_only_where_pandoc_reads_one(
    project: Callable[..., Path],
) -> None:
    body = (
        "Write to \\@handle, or to someone@example.org. In code: `@decorator`.\n\n"
        "(@first) An example.\n\nAs in (@first), and as agreed [@nato-1949].\n"
    )
    folder = build(project(files(body)))
    text = pdf_text(folder)
    assert "@handle" in text and "@decorator" in text and "1949" in text


def test_a_citation_key_in_any_script_is_checked(project: Callable[..., Path]) -> None:
    folder = build(project(files("As the law says [@пункт4].")))
    assert "пункт четвертий" in pdf_text(folder).lower()
    root = project(files("As the law says [@пункт5]."))
    expect_error(
        run(root, "check"),
        "sources/demo/intro.md:6: citation '@пункт5' is not in the bibliography",
        "did you mean '@пункт4'?",
    )


def test_html_anchors_keep_internal_links_working(project: Callable[..., Path]) -> None:
    folder = build(project(files("See [below](#here).", 'Text. <a name="here"></a>Anchored here.')))
    page = outline(folder)
    assert "here" in page.ids and "here" in page.links
    assert all(link in page.ids for link in page.links), set(page.links) - set(page.ids)


def test_display_math_is_drawn_in_every_format(project: Callable[..., Path]) -> None:
    folder = build(
        project(files("Inline $E = mc^2$ and:\n\n$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$\n"))
    )
    html = (folder / "demo-analyst.html").read_text()
    assert '<math display="block"' in html and "\\frac" not in html.split("annotation")[0]
    assert "\\frac" not in pdf_text(folder) and "\\int" not in pdf_text(folder)
    assert "<m:oMath" in docx_xml(folder)


def test_an_svg_figure_is_a_png_in_the_docx_and_stays_vector_elsewhere(
    project: Callable[..., Path],
) -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
        '<rect width="120" height="40" fill="navy"/><text x="8" y="25">QXSVG</text></svg>'
    )
    root = project({**files("![A navy box](box.svg)\n"), "sources/demo/box.svg": svg})
    folder = build(root)
    with zipfile.ZipFile(folder / "demo-analyst.docx") as archive:
        media = [name for name in archive.namelist() if name.startswith("word/media/")]
    assert media and all(name.endswith(".png") for name in media)
    assert "data:image/svg+xml" in (folder / "demo-analyst.html").read_text()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.tiff", b"II*\x00" + b"\x00" * 64, "is not an image every format can show"),
        (
            "remote.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://example.org/x.png"/></svg>',
            "refers to 'http://example.org/x.png', outside itself",
        ),
    ],
)
def test_an_image_a_format_cannot_show_is_refused(
    project: Callable[..., Path], name: str, content: bytes, message: str
) -> None:
    root = project({**files(f"![A figure]({name})\n")})
    (root / "sources" / "demo" / name).write_bytes(content)
    expect_error(run(root, "check"), f"sources/demo/intro.md:6: image '{name}' {message}")


def test_a_sections_own_closing_references_heading_is_not_printed_twice(
    project: Callable[..., Path],
) -> None:
    result = run(
        project(files("As agreed [@nato-1949].\n\n## References\n")), "build", "-a", "analyst"
    )
    assert result.exit_code == 0, result.output
    assert "removed the closing 'References' heading" in result.output
    html = (
        Path(result.output.split("Files are in:")[1].split()[0]) / "demo-analyst.html"
    ).read_text()
    assert len(re.findall(r"<h\d[^>]*>References</h\d>", html)) == 1


def test_numbered_code_lines_are_numbered_in_every_format(project: Callable[..., Path]) -> None:
    body = '```{.python .numberLines startFrom="9"}\nx = 1\ny = 2\n```\n'
    root = project(files(body))
    result = run(
        root, "build", "-a", "analyst", "-f", "pdf", "-f", "html", "-f", "docx", "-f", "odt"
    )
    assert result.exit_code == 0 and "startFrom" not in result.output, result.output
    folder = root / "build/demo/analyst"
    html = (folder / "demo-analyst.html").read_text()
    assert "numberLines" in html and "counter-reset: source-line 8" in html  # from line 9
    # The stylesheet prints the numbers: on paper, as pypdf reads the page, they lead the lines.
    text = "".join(page.extract_text() for page in PdfReader(folder / "demo-analyst.pdf").pages)
    assert re.search(r"\b9 ?x = 1\s+10 ?y = 2", text), text
    # The office formats' writers drop them: the lines carry them as text.
    lines = [p.text for p in docx.Document(str(folder / "demo-analyst.docx")).paragraphs]
    assert any(" 9  x = 1\n10  y = 2" in line for line in lines), lines
    with zipfile.ZipFile(folder / "demo-analyst.odt") as odt:
        content = odt.read("content.xml").decode()
    assert "9" in content and re.search(r"10(<text:s[^>]*/>| )+y = 2", content), content


def test_a_source_id_gives_way_to_the_layouts_own(project: Callable[..., Path]) -> None:
    folder = build(
        project(files("::: {#refs}\nA div of the source's own.\n:::\n\nCited [@nato-1949]."))
    )
    page = outline(folder)
    assert page.ids.count("refs") == 1 and "refs-1" in page.ids
    html = (folder / "demo-analyst.html").read_text()
    refs = html.split('id="refs"', 1)[1]
    assert "The North Atlantic Treaty" in refs.split("</div>\n</div>", 1)[0]
