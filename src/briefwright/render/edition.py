"""Render one edition: assemble, parse once with pandoc, write every format in memory."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from .. import layouts, tree
from ..assemble import Assembled, assemble, fill, keywords
from ..errors import BuildError, Problem
from ..formats import FORMATS
from ..models import Edition, Format
from . import ast, figures, html, pandoc, pdf, print_layout

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
    pdf_job: Future[tuple[bytes, int]] | None = None  # the PDF, while a worker lays it out


@dataclass
class Begun:
    """An edition whose PDF is laying out (or laid out), its other formats still to write."""

    edition: Edition
    label: str
    tree_name: str  # what pandoc keeps its tree under
    doc: tree.Node
    screen: str  # the HTML of the screen page's body
    result: Rendered


def render(
    edition: Edition, assembled: Assembled | None = None, submit_pdf: SubmitPdf | None = None
) -> Rendered:
    """Return every output the edition's audience asks for.

    With ``submit_pdf``, WeasyPrint runs in another process while this one
    has pandoc write the HTML and DOCX, and the result comes back with its
    ``pdf_job`` still running: pass it to :func:`complete`. Without it,
    everything runs here and the result is complete.
    """
    assembled = assemble(edition) if assembled is None else assembled
    with pandoc.session():  # one pandoc serves all of this edition's calls
        return finish(begin(edition, assembled, submit_pdf))


def begin(edition: Edition, assembled: Assembled, submit_pdf: SubmitPdf | None = None) -> Begun:
    """Make the edition's tree and its HTML, and start its PDF: the first half of :func:`render`.

    A build with PDF workers begins every edition it can before it finishes
    any (:func:`finish`), so that the workers, which take longest, start soonest.
    """
    label = f"{edition.brief.id} for {edition.audience.name}"
    with pandoc.session():
        doc = _tree(edition, assembled, label)
        # One HTML write serves the screen page and the print page; pandoc keeps the
        # tree it read for finish, if the same pandoc serves it.
        notes = ast.add_print_notes(doc)
        name = pandoc.tree_name(label)
        screen, printed = html.split_notes(pandoc.write_html(doc, label, keep=name), notes)
        result = Rendered(markdown="")
        if lays_out_pdf(edition):
            print_html, css = html.print_page(edition, printed)
            job = (print_html, css, edition.root, label, edition.audience.pdf_variant)
            if submit_pdf is not None:
                result.pdf_job = submit_pdf(*job)
            else:
                _add_pdf(edition, result, pdf.render(*job))
    return Begun(edition, label, name, doc, screen, result)


def finish(begun: Begun) -> Rendered:
    """Write the edition's Markdown and its other formats: the second half of :func:`render`.

    pandoc keeps the tree for them all (they leave out the print notes): the
    one :func:`begin` had it keep, or, if another pandoc serves this, the tree
    sent again.
    """
    edition, label, name, result = begun.edition, begun.label, begun.tree_name, begun.result
    formats = edition.audience.formats
    with pandoc.session():
        pandoc.keep(begun.doc, label, name)
        try:
            result.markdown = pandoc.write_markdown(label, name)
            trees = any(FORMATS[fmt].source == "tree" for fmt in formats)
            rasters = ast.rasters(begun.doc, pdf.font_dirs()) if trees else {}
            for fmt in formats:
                if FORMATS[fmt].source == "screen":
                    result.outputs[fmt] = html.page(edition, begun.screen).encode("utf-8")
                elif FORMATS[fmt].source == "tree":
                    result.outputs[fmt] = _office(edition, fmt, label, name, rasters)
        finally:
            pandoc.forget(name)
    return result


def lays_out_pdf(edition: Edition) -> bool:
    """Whether the edition needs WeasyPrint: for its PDF, or to count its pages."""
    printed = any(FORMATS[fmt].source == "print" for fmt in edition.audience.formats)
    return printed or edition.audience.max_pages is not None


def _tree(edition: Edition, assembled: Assembled, label: str) -> tree.Node:
    """Return the edition's tree: the layout read by pandoc, filled, cited, made ready."""
    brief = edition.brief
    template = f"{edition.audience.layout}/document.md.j2"
    read = pandoc.read([assembled.markdown], f"the layout of {label}")[0]
    if isinstance(read, str):
        raise BuildError(f"{template}: pandoc could not read what the layout wrote: {read}")
    doc: tree.Node = read
    doc["meta"] = {}
    layout = fill(doc, assembled, template)
    ast.check_restrictions(doc)
    figures.expand(
        doc,
        edition.data,
        brief.lang,
        figures.chart_config(edition),
        pdf.font_dirs(),
        edition.root,
    )
    figures.number_all(doc, brief.lang)
    ast.add_portion_marks(doc, edition.portion)
    ast.style_markings(doc, edition.scheme.levels)
    ast.shift_body_headings(doc)
    for target in ast.unique_ids(doc, layout):
        log.debug(
            "%s: a link to %s, which this edition does not hold, is plain text", label, target
        )
    ast.embed_images(doc, edition.root / "sources" / brief.collection, edition.root)
    if edition.bibliography is not None and any(n["t"] == "Cite" for n in tree.nodes(doc)):
        doc = pandoc.cite(doc, edition.bibliography, label, brief.csl, brief.lang)
    ast.drop_empty_references(doc)
    print_layout.prepare(doc)
    date_text = f"{brief.date.day} {brief.date:%B %Y}"
    facts = [
        *([f"Number {brief.front.number}"] if brief.front.number else []),
        f"Date {date_text}",
        edition.release.text,
        f"For {edition.audience.label}",
        f"Marking {edition.marking.label}",
    ]
    ast.set_meta(
        doc,
        {
            "title": brief.title,
            **({"subtitle": brief.subtitle} if brief.subtitle else {}),
            "author": list(brief.authors),
            # Word and OpenDocument print these under the title: the cover's facts, and
            # what a recipient may do with the marking (the HTML and PDF have the cover).
            "date": " · ".join(facts),
            "abstract-title": "Handling",
            "abstract": edition.marking.handling,
            "lang": brief.lang,
            "subject": _description(edition),
            "keywords": keywords(edition),
        },
    )
    return doc


def _description(edition: Edition) -> str:
    return edition.brief.subtitle or edition.sections[0].summary_text


def _office(
    edition: Edition, fmt: Format, label: str, kept: str, rasters: dict[str, dict[str, str]]
) -> bytes:
    """Return a tree format (DOCX, ODT) from the tree pandoc keeps under ``kept``, marked
    by its module."""
    spec = FORMATS[fmt]
    assert spec.reference is not None
    reference = layouts.find_file(edition.root, edition.audience.layout, spec.reference)
    epoch = int(dt.datetime.combine(edition.brief.date, dt.time(), dt.UTC).timestamp())
    raw = pandoc.write_office(fmt, reference, epoch, label, CONTENTS_STYLE, rasters, kept=kept)
    finishing = importlib.import_module(f"{__package__}.{fmt}")  # render/docx.py, render/odt.py
    data: bytes = finishing.finish(raw, edition, keywords(edition), _description(edition))
    return data


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
    problem = page_budget(edition, pages)
    if problem is not None:  # file, line, what and fix, as brief check says it
        raise BuildError(str(problem), [problem])


def page_budget(edition: Edition, pages: int) -> Problem | None:
    """The problem of an edition over its ``max_pages``, as every command reports it."""
    limit = edition.audience.max_pages
    if limit is None or pages <= limit:
        return None
    counts = {s.id: len(tree.words(s.summary, s.body)) for s in edition.sections}
    longest = sorted(counts.items(), key=lambda item: item[1], reverse=True)[:3]
    names = ", ".join(f"{name} ({count} words)" for name, count in longest)
    over = pages - limit
    path, line = edition.set_at("max_pages")
    return Problem(
        path,
        line,
        f"brief '{edition.brief.id}': the {edition.audience.name} edition runs to {pages} "
        f"pages; its limit is {limit} (over by {over} page{'s' if over > 1 else ''})",
        f"longest sections: {names}; shorten them, drop one from "
        f"audiences.{edition.audience.name}.sections, or raise max_pages",
        budget=True,
    )
