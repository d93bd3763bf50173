"""Render one edition: assemble, parse once with pandoc, write every format in memory."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from .. import layouts
from ..assemble import assemble
from ..errors import BuildError
from ..models import Edition, Format
from . import ast, docx, html, pandoc, pdf

log = logging.getLogger(__name__)

# Lays out print HTML and its CSS as a PDF elsewhere (a worker process) while
# pandoc writes the rest.
SubmitPdf = Callable[[str, str, Path, str, str], "Future[tuple[bytes, int]]"]


CONTENTS_STYLE = "Contents Entry"  # a paragraph style of the reference document


@dataclass
class Rendered:
    """An edition's outputs as bytes, ready for the write stage."""

    markdown: str
    outputs: dict[Format, bytes] = field(default_factory=dict)
    pages: int | None = None
    removed: list[str] = field(default_factory=list)
    pdf_job: Future[tuple[bytes, int]] | None = None  # the PDF, while a worker lays it out


def render(
    edition: Edition, markdown: str | None = None, submit_pdf: SubmitPdf | None = None
) -> Rendered:
    """Return every output the edition's audience asks for.

    With ``submit_pdf``, WeasyPrint runs in another process while this one
    has pandoc write the HTML and DOCX, and the result comes back with its
    ``pdf_job`` still running: pass it to :func:`complete`. Without it,
    everything runs here and the result is complete.
    """
    label = f"{edition.brief.id} for {edition.audience.name}"
    markdown = assemble(edition) if markdown is None else markdown
    with pandoc.session():  # one pandoc serves all of this edition's calls
        return _render(edition, markdown, label, submit_pdf)


def _render(edition: Edition, markdown: str, label: str, submit_pdf: SubmitPdf | None) -> Rendered:
    doc, removed = _tree(edition, markdown, label)
    result = Rendered(markdown=markdown, removed=removed)
    formats = edition.audience.formats
    needs_pdf = lays_out_pdf(edition)

    # One HTML write serves the screen page and the print page; pandoc keeps
    # the tree it read for the DOCX, which it writes without the print notes.
    kept = False
    pdf_result: tuple[bytes, int] | None = None
    if needs_pdf or "html" in formats:
        notes = ast.add_print_notes(doc)
        kept = "docx" in formats
        screen, printed = html.split_notes(pandoc.write_html(doc, label, keep=kept), notes)
        if needs_pdf:
            print_html, css = html.print_page(edition, printed)
            job = (print_html, css, edition.root, label, edition.audience.pdf_variant)
            if submit_pdf is not None:
                result.pdf_job = submit_pdf(*job)
            else:
                pdf_result = pdf.render(*job)
        if "html" in formats:
            result.outputs["html"] = html.page(edition, screen).encode("utf-8")
    if "docx" in formats:
        result.outputs["docx"] = _docx(edition, None if kept else doc, label)
    if pdf_result is not None:
        _add_pdf(edition, result, pdf_result)
    return result


def lays_out_pdf(edition: Edition) -> bool:
    """Whether the edition needs WeasyPrint: for its PDF, or to count its pages."""
    return "pdf" in edition.audience.formats or edition.audience.max_pages is not None


def _tree(edition: Edition, markdown: str, label: str) -> tuple[ast.Node, list[str]]:
    """Parse the edition's Markdown and make the tree safe and ready to write."""
    brief = edition.brief
    doc = pandoc.parse(markdown, edition.bibliography, label, brief.csl, brief.lang)
    ast.check_restrictions(doc)
    removed = ast.sanitise(doc)
    for item in removed:
        log.warning(
            "%s: removed %s (sources may not carry raw markup or script links)", label, item
        )
    ast.add_portion_marks(doc, edition.portion)
    ast.shift_body_headings(doc)
    ast.embed_images(doc, edition.root / "sources" / brief.collection, edition.root)
    ast.drop_empty_references(doc)
    date_text = f"{brief.date.day} {brief.date:%B %Y}"
    ast.set_meta(
        doc,
        {
            "title": brief.title,
            **({"subtitle": brief.subtitle} if brief.subtitle else {}),
            "author": list(brief.authors),
            "date": f"{date_text} · {edition.audience.label} · {edition.marking.label}",
            "lang": brief.lang,
            "subject": _description(edition),
            "keywords": _keywords(edition),
        },
    )
    return doc, removed


def _keywords(edition: Edition) -> list[str]:
    return sorted({tag for s in edition.sections for tag in s.tags})


def _description(edition: Edition) -> str:
    return edition.brief.subtitle or edition.sections[0].summary


def _docx(edition: Edition, doc: ast.Node | None, label: str) -> bytes:
    """Return the DOCX, from ``doc`` or (None) from the tree pandoc kept from the HTML write."""
    reference = layouts.find_file(edition.root, edition.audience.layout, "reference.docx")
    epoch = int(dt.datetime.combine(edition.brief.date, dt.time(), dt.UTC).timestamp())
    raw = pandoc.write_docx(doc, reference, epoch, label, CONTENTS_STYLE)
    return docx.finish(raw, edition, _keywords(edition), _description(edition))


def complete(edition: Edition, rendered: Rendered) -> Rendered:
    """Wait for the PDF a worker is laying out and add it to the edition's outputs."""
    if rendered.pdf_job is not None:
        _add_pdf(edition, rendered, rendered.pdf_job.result())
        rendered.pdf_job = None
    return rendered


def _add_pdf(edition: Edition, rendered: Rendered, pdf_result: tuple[bytes, int]) -> None:
    data, pages = pdf_result
    _check_pages(edition, pages)
    rendered.pages = pages
    if "pdf" in edition.audience.formats:
        rendered.outputs["pdf"] = data


def _check_pages(edition: Edition, pages: int) -> None:
    limit = edition.audience.max_pages
    if limit is None or pages <= limit:
        return
    longest = sorted(
        edition.sections, key=lambda s: len((s.summary + " " + s.body).split()), reverse=True
    )[:3]
    names = ", ".join(f"{s.id} ({len((s.summary + ' ' + s.body).split())} words)" for s in longest)
    over = pages - limit
    raise BuildError(
        f"the {edition.audience.name} edition runs to {pages} pages; "
        f"its limit is {limit} (over by {over} page{'s' if over > 1 else ''}). "
        f"Longest sections: {names}. Shorten them, drop one from "
        f"audiences.{edition.audience.name}.sections, or raise max_pages"
    )
