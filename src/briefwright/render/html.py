"""The two HTML pages: the self-contained screen page and the print page for WeasyPrint."""

from __future__ import annotations

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


def page(edition: Edition, body: str) -> str:
    """Return the self-contained screen HTML page."""
    return render_template(
        edition, "page.html.j2", body=Markup(body), css=Markup(stylesheet(edition, "screen"))
    )


def print_page(edition: Edition, body: str) -> str:
    """Return the print HTML that WeasyPrint lays out."""
    return render_template(
        edition, "print.html.j2", body=Markup(body), css=Markup(stylesheet(edition, "print"))
    )
