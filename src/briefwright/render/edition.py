"""Render one edition: assemble, parse once with pandoc, write every format in memory."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
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

# Lays out print HTML as a PDF elsewhere (a worker process) while pandoc writes the rest.
SubmitPdf = Callable[[str, Path, str, str], "Future[tuple[bytes, int]]"]


@dataclass
class Rendered:
    """An edition's outputs as bytes, ready for the write stage."""

    markdown: str
    outputs: dict[Format, bytes] = field(default_factory=dict)
    pages: int | None = None
    removed: list[str] = field(default_factory=list)


def render(
    edition: Edition, markdown: str | None = None, submit_pdf: SubmitPdf | None = None
) -> Rendered:
    """Return every output the edition's audience asks for.

    With ``submit_pdf``, WeasyPrint runs in another process while this one
    has pandoc write the HTML and DOCX; without it, everything runs here.
    """
    brief = edition.brief
    root = edition.root
    label = f"{brief.id} for {edition.audience.name}"
    markdown = assemble(edition) if markdown is None else markdown
    collection_dir = root / "sources" / brief.collection
    doc = pandoc.parse(markdown, edition.bibliography, label, brief.csl, brief.lang)
    ast.check_restrictions(doc)
    removed = ast.sanitise(doc)
    for item in removed:
        log.warning(
            "%s: removed %s (sources may not carry raw markup or script links)", label, item
        )
    ast.add_portion_marks(doc, edition.portion)
    ast.shift_body_headings(doc)
    ast.embed_images(doc, collection_dir, root)
    ast.drop_empty_references(doc)

    keywords = sorted({tag for s in edition.sections for tag in s.tags})
    description = brief.subtitle or edition.sections[0].summary
    date_text = f"{brief.date.day} {brief.date:%B %Y}"
    ast.set_meta(
        doc,
        {
            "title": brief.title,
            **({"subtitle": brief.subtitle} if brief.subtitle else {}),
            "author": list(brief.authors),
            "date": f"{date_text} · {edition.audience.label} · {edition.marking.label}",
            "lang": brief.lang,
            "subject": description,
            "keywords": keywords,
        },
    )
    result = Rendered(markdown=markdown, removed=removed)
    formats = edition.audience.formats

    web = ast.shifted_headings(doc, 1)  # in HTML the brief's title is the one h1
    pdf_job: Future[tuple[bytes, int]] | None = None
    pdf_result: tuple[bytes, int] | None = None
    if "pdf" in formats or edition.audience.max_pages:
        body = pandoc.write_html(ast.notes_to_spans(web), label)
        print_html = html.print_page(edition, body)
        if submit_pdf is not None:
            pdf_job = submit_pdf(print_html, root, label, edition.audience.pdf_variant)
        else:
            pdf_result = pdf.render(print_html, root, label, edition.audience.pdf_variant)
    if "html" in formats:
        result.outputs["html"] = html.page(edition, pandoc.write_html(web, label)).encode("utf-8")
    if "docx" in formats:
        reference = _reference_doc(edition)
        epoch = int(dt.datetime.combine(brief.date, dt.time(), dt.UTC).timestamp())
        with tempfile.TemporaryDirectory(prefix="briefwright-") as tmp:
            out = Path(tmp) / "out.docx"
            pandoc.write_docx(doc, reference, out, epoch, label)
            raw = out.read_bytes()
        result.outputs["docx"] = docx.finish(raw, edition, keywords, description)
    if pdf_job is not None:
        pdf_result = pdf_job.result()
    if pdf_result is not None:
        data, pages = pdf_result
        _check_pages(edition, pages)
        result.pages = pages
        if "pdf" in formats:
            result.outputs["pdf"] = data
    return result


def _reference_doc(edition: Edition) -> Path:
    return layouts.find_file(edition.root, edition.audience.layout, "reference.docx")


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
