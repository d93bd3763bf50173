"""The two HTML pages: the self-contained screen page and the print page for WeasyPrint."""

from __future__ import annotations

import re

from markupsafe import Markup

from .. import layouts
from ..assemble import render_template
from ..errors import BuildError
from ..models import Edition
from . import ast, math, pdf, webfonts


def stylesheet(edition: Edition, medium: str) -> str:
    """Return the CSS for ``medium`` ('screen' or 'print'): shared rules, then the layout's."""
    root = edition.root
    layout = edition.audience.layout
    parts = [pdf.font_faces() if medium == "print" else webfonts.font_faces()]
    parts.append(edition.scheme.css())
    for name in ("base.css", f"{medium}.css"):
        parts.append(layouts.find_file(root, layouts.BASE, name).read_text("utf-8"))
    for name in ("style.css", f"{medium}.css"):
        own = layouts.layout_file(root, layout, name)
        if own is not None:
            parts.append(own.read_text("utf-8"))
    if medium == "print" and edition.audience.paper == "letter":
        # The landscape page (print.css) of the widest tables turns the same paper.
        parts.append("@page { size: letter; } @page landscape { size: letter landscape; }")
    return "\n".join(parts)


_NOTE_REF = re.compile(
    r'<a href="#fn(\d+)" class="footnote-ref" id="fnref\1" role="doc-noteref">'
    r"<sup>\1</sup></a>"
)
_ENDNOTE = re.compile(r'<li id="fn(\d+)">\s*<!--bw:note:(\d+)-->')
# pandoc's endnotes section; a source heading may also take the id "footnotes".
_ENDNOTES_OPEN = '<section id="footnotes" class="footnotes footnotes-end-of-document" '
_ENDNOTES = re.compile(re.escape(_ENDNOTES_OPEN) + r".*</section>\s*\Z", re.S)


def split_notes(body: str, count: int) -> tuple[str, str]:
    """Return the screen and print versions of pandoc's HTML for a tree from
    :func:`ast.add_print_notes`.

    The screen version keeps pandoc's endnotes. In the print version each
    note's call becomes ``<span class="footnote">`` holding the note's text,
    and the endnotes go.
    """
    if not count:
        return body, body
    start = body.index(ast.PRINT_NOTES_START)
    end = body.index(ast.PRINT_NOTES_END) + len(ast.PRINT_NOTES_END + "\n")
    pieces = re.split(r"<!--bw:print-note:(\d+)-->", body[start:end])
    texts = {int(k): v.strip() for k, v in zip(pieces[1::2], pieces[2::2], strict=True)}
    texts[count] = texts[count].strip().removesuffix(ast.PRINT_NOTES_END).rstrip()
    body = body[:start] + body[end:]
    numbers = {n: texts[int(k)] for n, k in _ENDNOTE.findall(body)}  # pandoc's number: text
    calls = _NOTE_REF.findall(body)
    if len(calls) != body.count('class="footnote-ref"') or not set(calls) <= set(numbers):
        raise BuildError("pandoc wrote footnotes in an unexpected form; the print page needs them")
    screen = re.sub(r"<!--bw:note:\d+-->\s*", "", body)
    # A word joiner keeps each call on the line of the word it follows; the
    # anchors let pdf.render check that each note lies on its call's page.
    printed = _NOTE_REF.sub(
        lambda m: (
            f'\u2060<span id="{pdf.CALL_ANCHOR}{m[1]}"></span>'
            f'<span class="footnote" id="{pdf.NOTE_ANCHOR}{m[1]}">{numbers[m[1]]}</span>'
        ),
        body,
    )
    return screen, _ENDNOTES.sub("", printed)


def _title_notes(body: str) -> str:
    # pandoc's endnotes section has no heading; give it one for navigation and validators.
    return re.sub(
        re.escape(_ENDNOTES_OPEN) + r"([^>]*)>\s*<hr\s*/?>",
        lambda m: (
            f'{_ENDNOTES_OPEN}{m[1]} aria-labelledby="notes-title"><h2 id="notes-title">Notes</h2>'
        ),
        body,
        count=1,
    )


def page(edition: Edition, body: str, extra_css: str = "") -> str:
    """Return the self-contained screen HTML page (with ``extra_css`` after the layout's)."""
    body = _title_notes(body)
    # Wide tables scroll sideways on a phone instead of breaking words.
    wrap = '<div class="table-wrap" tabindex="0" role="region" aria-label="Table">'
    body = body.replace("<table", wrap + "<table").replace("</table>", "</table></div>")
    # A chart scrolls sideways on a phone (screen.css): a keyboard must reach it too.
    body = body.replace('<figure class="chart">', '<figure class="chart" tabindex="0">')
    return render_template(
        edition,
        "page.html.j2",
        body=Markup(body),
        css=Markup(stylesheet(edition, "screen") + (f"\n{extra_css}" if extra_css else "")),
    )


def print_page(edition: Edition, body: str) -> tuple[str, str]:
    """Return the print HTML that WeasyPrint lays out, and its stylesheet.

    The stylesheet travels apart from the page so that WeasyPrint parses it
    once per process and layout, not once per PDF.
    """
    page = render_template(edition, "print.html.j2", body=Markup(math.to_svg(body)))
    return page, stylesheet(edition, "print")
