"""Footnotes: endnotes on the screen page, page-foot notes in print, from one pandoc write."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefwright.render import ast, html, pandoc

from .conftest import REPO, Built, parse, run, section
from .scan import squash

SOURCE = """\
A claim with a note.[^one] Another claim.[^two]

![A chart.[^three]](chart.png)

[^one]: The first note, with *emphasis*.
[^two]: The second note's first paragraph.

    Its second paragraph.

    - and a list, which the page-foot note keeps
[^three]: A note in a figure caption.
"""


def split(markdown: str) -> tuple[str, str]:
    doc = parse(markdown, None, "test")
    count = ast.add_print_notes(doc)
    return html.split_notes(pandoc.write_html(doc, "test"), count)


def test_screen_keeps_endnotes_and_print_puts_each_note_at_its_call() -> None:
    screen, printed = split(SOURCE)
    assert '<section id="footnotes"' in screen
    assert screen.count('class="footnote-ref"') == 3
    assert "The first note, with <em>emphasis</em>." in screen
    assert "<li>and a list" in screen
    assert '<section id="footnotes"' not in printed
    assert 'class="footnote-ref"' not in printed
    # A word joiner holds each call to its word; anchors mark the call and its note.
    assert (
        'A claim with a note.\u2060<span id="bw-call-1"></span>'
        '<span class="footnote" id="bw-note-1">'
    ) in printed
    printed = re.sub(r'\u2060<span id="bw-call-\d+"></span>', "", printed)
    printed = re.sub(r' id="bw-note-\d+"', "", printed)
    assert (
        'A claim with a note.<span class="footnote"><span class="fn-para">The first note, with '
        "<em>emphasis</em>.</span></span> Another claim."
    ) in printed
    assert (
        '<span class="footnote"><span class="fn-para">The second note\'s first paragraph.</span>'
        '<span class="fn-para">Its second paragraph.</span><span class="fn-list">'
        '<span class="fn-item"><span class="fn-mark">•</span><span class="fn-para">and a list,'
        in printed.replace("&#39;", "'").replace("’", "'")
    )
    assert (
        '<span class="footnote"><span class="fn-para">A note in a figure caption.</span>' in printed
    )
    for page in (screen, printed):
        assert "bw:" not in page


def test_a_document_without_notes_is_written_unchanged() -> None:
    screen, printed = split("Plain text, no notes.\n")
    assert screen == printed
    assert "footnote" not in screen


def test_sample_notes_are_endnotes_on_screen_and_page_foot_notes_in_print(sample: Built) -> None:
    note = "Of the 193 UN member states, 24 did not vote."
    page = sample.path("analyst", "html").read_text()
    assert '<section id="footnotes"' in page
    assert note in page
    assert "bw:" not in page
    pages = [p.extract_text() or "" for p in PdfReader(sample.path("analyst", "pdf")).pages]
    holding = [i for i, text in enumerate(pages) if squash(note) in squash(text)]
    assert len(holding) == 1, "the note is printed once"
    assert "Notes" not in pages[-1].splitlines()[:3], "no endnotes section in print"


def test_note_markers_in_sources_are_inert(project: Callable[..., Path]) -> None:
    root = project(
        {
            "sources/demo/intro.md": section(
                "What is this?",
                "A summary.",
                "Text <!--bw:note:1--> and `<!--bw:print-notes-->` here.[^n]\n\n[^n]: A note.\n",
                marking="TLP:CLEAR",
            ),
        }
    )
    result = run(root, "build", "-a", "public")
    assert result.exit_code == 0, result.output
    page = (root / "build" / "demo" / "public" / "demo-public.html").read_text()
    assert "&lt;!--bw:print-notes--&gt;" in page
    assert page.count('class="footnote-ref"') == 1


def test_a_heading_called_footnotes_is_not_taken_for_the_endnotes() -> None:
    screen, printed = split(
        "## Footnotes {#footnotes}\n\nA section of that name.[^n]\n\n[^n]: The note.\n"
    )
    for page in (screen, printed):
        assert page.count('id="footnotes"') == (2 if page is screen else 1)
        assert "A section of that name." in page
    assert 'id="bw-note-1"><span class="fn-para">The note.</span></span>' in printed
    assert "Notes</h2>" not in printed


def _letters(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text)


def _calls_and_notes(source: str) -> list[tuple[str, str]]:
    """Return (the words just before each note's call, the note's first words) for a source."""
    text = re.sub(r"\[@[^\]]*\]", "", source)  # citations render differently
    notes = dict(re.findall(r"^\[\^([\w-]+)\]:\s*(.+)$", text, re.M))
    pairs = []
    for match in re.finditer(r"\[\^([\w-]+)\](?!:)", text):
        before = " ".join(text[: match.start()].split()[-10:])
        pairs.append((_letters(before), _letters(" ".join(notes[match[1]].split()[:6]))))
    return pairs


@pytest.mark.parametrize("audience", ["analyst", "public"])
def test_each_printed_note_is_on_the_page_that_calls_it(sample: Built, audience: str) -> None:
    reader = PdfReader(sample.path(audience, "pdf"))
    pages = [_letters(page.extract_text() or "") for page in reader.pages]
    checked = 0
    for source in sorted((REPO / "sources").glob("*/*.md")):
        for call, note in _calls_and_notes(source.read_text()):
            called = [i for i, page in enumerate(pages) if call in page]
            printed = [i for i, page in enumerate(pages) if note in page]
            if not called:
                continue  # a section or passage this audience does not receive
            assert printed == called, f"{source.name}: note on {printed}, call on {called}"
            checked += 1
    assert checked >= 6


def test_a_note_the_pdf_cannot_hold_is_an_error_not_a_gap(project: Callable[..., Path]) -> None:
    # WeasyPrint leaves out a note longer than a page; the build refuses to lose it.
    note = " ".join(["The note runs on with detail upon detail."] * 400)
    text = f"A claim.[^long] More text.\n\n[^long]: {note}\n"
    root = project({"sources/demo/intro.md": section("Q?", "S.", text, marking="TLP:CLEAR")})
    result = run(root, "build", "-a", "public", "-f", "pdf")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "the PDF cannot hold note 1 (as numbered in the edition): WeasyPrint leaves out a" in (
        result.output
    )
    assert not (root / "build" / "demo" / "public" / "demo-public.pdf").exists()
