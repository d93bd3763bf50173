"""A corpus of every construct pandoc's Markdown has, built in every format and read back.

The words of each output are checked against the words plain pandoc writes
for the same text (its HTML, with citations resolved): every word the
author wrote must be in the PDF, the DOCX and the HTML; what the layout adds
(cover, contents, running heads) may come on top.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from briefwright.render import pandoc

from .conftest import BRIEF, run, section

CORPUS = Path(__file__).parent / "corpus"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0
        self.stack: list[bool] = []

    # Note numbers are the format's to print (Word numbers its notes itself).
    SKIPPED = ("style", "script", "head")
    NUMBERS = ("footnote-ref", "footnote-back")

    VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        names = (dict(attrs).get("class") or "").split()
        skipped = tag in self.SKIPPED or (tag == "a" and any(n in self.NUMBERS for n in names))
        self.skip += skipped
        self.stack.append(skipped)

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.skip -= self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def words(text: str) -> Counter[str]:
    """Return the words of a text, lower-cased, counted: runs of letters, runs of digits.

    (Digits apart from letters, so that H₂O or a note's number beside its word
    reads the same whether a format keeps them in one run of text or not.)
    """
    return Counter(re.findall(r"[^\W\d_]+|\d+", text.lower()))


def html_words(html: str) -> Counter[str]:
    parser = _Text()
    parser.feed(html)
    return words(" ".join(parser.parts))


def plain_pandoc(body: str, bibliography: Path) -> Counter[str]:
    """Return the words of plain pandoc's HTML of a text, citations resolved."""
    result = subprocess.run(
        [pandoc.binary(), "-f", "markdown", "-t", "html5", "--citeproc"]
        + ["--bibliography", str(bibliography)],
        input=body,
        capture_output=True,
        text=True,
        check=True,
    )
    return html_words(result.stdout)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Counter[str]]:
    from .conftest import AUDIENCES, write_files

    body = (CORPUS / "constructs.md").read_text("utf-8")
    root = tmp_path_factory.mktemp("corpus")
    write_files(
        root,
        {
            "briefs/audiences.yaml": AUDIENCES,
            "briefs/demo.yaml": BRIEF.replace("[intro, judgement]", "[intro]"),
            "sources/demo/intro.md": section(
                "What does the corpus hold?", "Every construct.", body, marking="TLP:CLEAR"
            ),
            "sources/demo/references.yaml": (CORPUS / "references.yaml").read_text("utf-8"),
        },
    )
    result = run(root, "build", "-a", "analyst")
    assert result.exit_code == 0, result.output
    return root / "build" / "demo" / "analyst", plain_pandoc(body, CORPUS / "references.yaml")


def missing(expected: Counter[str], found: Counter[str]) -> Counter[str]:
    return expected - found


def test_the_pdf_holds_every_word_plain_pandoc_writes(built: tuple[Path, Counter[str]]) -> None:
    folder, expected = built
    text = "\n".join(p.extract_text() or "" for p in PdfReader(folder / "demo-analyst.pdf").pages)
    assert missing(expected, words(text)) == Counter()


def test_the_html_holds_every_word_plain_pandoc_writes(built: tuple[Path, Counter[str]]) -> None:
    folder, expected = built
    found = html_words((folder / "demo-analyst.html").read_text("utf-8"))
    assert missing(expected, found) == Counter()


def test_the_docx_holds_every_word_plain_pandoc_writes(built: tuple[Path, Counter[str]]) -> None:
    folder, expected = built
    document = Document(str(folder / "demo-analyst.docx"))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    notes = _docx_part_text(folder / "demo-analyst.docx", "word/footnotes.xml")
    assert missing(expected, words(" ".join(parts) + " " + notes)) == Counter()


def _docx_part_text(path: Path, part: str) -> str:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        if part not in archive.namelist():
            return ""
        xml = archive.read(part).decode("utf-8")
    return " ".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def test_the_corpus_is_what_the_fidelity_rules_are_checked_on(
    project: Callable[..., Path],
) -> None:
    body = (CORPUS / "constructs.md").read_text("utf-8")
    for construct in ("+====", "(@good)", "^[", "Term one\n:", "| The first line", "- [x]"):
        assert construct in body, construct
