"""The two HTML pages: the self-contained screen page and the print page for WeasyPrint."""

from __future__ import annotations

import re

from markupsafe import Markup

from .. import layouts
from ..assemble import render_template
from ..models import Edition
from . import pdf


def stylesheet(edition: Edition, medium: str) -> str:
    """Return the CSS for ``medium`` ('screen' or 'print'): shared rules, then the layout's."""
    root = edition.root
    layout = edition.audience.layout
    parts = [pdf.font_faces()] if medium == "print" else []
    for name in ("base.css", f"{medium}.css"):
        parts.append(layouts.find_file(root, layouts.BASE, name).read_text("utf-8"))
    for name in ("style.css", f"{medium}.css"):
        own = layouts.layout_file(root, layout, name)
        if own is not None:
            parts.append(own.read_text("utf-8"))
    if medium == "print" and edition.audience.paper == "letter":
        parts.append("@page { size: letter; }")
    return "\n".join(parts)


def _title_notes(body: str) -> str:
    # pandoc's endnotes section has no heading; give it one for navigation and validators.
    return re.sub(
        r'<section id="footnotes" ([^>]*)>\s*<hr\s*/?>',
        r'<section id="footnotes" \1 aria-labelledby="notes-title">'
        r'<h2 id="notes-title">Notes</h2>',
        body,
        count=1,
    )


def page(edition: Edition, body: str) -> str:
    """Return the self-contained screen HTML page."""
    body = _title_notes(body)
    # Wide tables scroll sideways on a phone instead of breaking words.
    wrap = '<div class="table-wrap" tabindex="0" role="region" aria-label="Table">'
    body = body.replace("<table", wrap + "<table").replace("</table>", "</table></div>")
    return render_template(
        edition, "page.html.j2", body=Markup(body), css=Markup(stylesheet(edition, "screen"))
    )


def print_page(edition: Edition, body: str) -> str:
    """Return the print HTML that WeasyPrint lays out."""
    return render_template(
        edition, "print.html.j2", body=Markup(body), css=Markup(stylesheet(edition, "print"))
    )
