"""Assemble stage: a layout's Jinja template arranges the edition; pandoc's trees fill it.

Templates run in Jinja's sandbox and see plain data only (strings, numbers,
dates, lists and mappings): nothing that reaches the file system, nor any
text the edition does not receive. In a Markdown layout (``document.md.j2``)
a section's ``title``, ``summary`` and ``body`` are *slots*: markers that
pandoc reads as empty spans or divs, which :func:`fill` then replaces with
pandoc's own tree of that text. Source text is never written into Markdown,
so it can neither be a template nor change the structure around it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import jinja2

from . import __version__, figures, layouts, schema, tree
from .errors import BuildError
from .markings import Level
from .models import AudienceFile, Edition, SelectedSection, Stamp
from .tree import Node

log = logging.getLogger(__name__)

KICKERS = {"summary": "Brief for", "full": "Prepared for"}
ROUGH = "ROUGH DRAFT"  # what a --rough page says it is, top and bottom
SLOT = "bw-slot"  # the attribute that marks a slot in a layout's Markdown


@dataclass(frozen=True)
class Assembled:
    """An edition as its layout arranges it: Markdown with slots, and what fills each."""

    markdown: str
    slots: tuple[list[Node], ...]

    @functools.cached_property
    def _encoded(self) -> bytes:
        return json.dumps([self.markdown, self.slots]).encode()

    def digest(self) -> str:
        """Hash everything that reaches the edition's text."""
        return hashlib.sha256(self._encoded).hexdigest()

    def size(self) -> int:
        """Return about how much text the edition holds (to build the largest first)."""
        return len(self._encoded)


class Marking(dict[str, Any]):
    """A marking level as templates see it: its fields, and its label when printed."""

    def __str__(self) -> str:
        return str(self["label"])


def level(marking: Level) -> Marking:
    """Return a marking level as templates see it."""
    return Marking(**dataclasses.asdict(marking), slug=marking.slug)


def context(edition: Edition, slots: list[list[Node]] | None = None) -> dict[str, Any]:
    """Return the names every layout template may use, as plain data.

    With ``slots`` (a Markdown layout), each section's title, summary and body
    are slot markers and their trees are appended to ``slots``; otherwise they
    are plain text, and there is no body.
    """
    brief = edition.brief
    audience = edition.audience
    first = edition.sections[0]
    names: dict[str, Any] = {
        # Every key of the files, as their schemas declare them: a key added to a
        # schema reaches the templates (and the fingerprint) with nothing else to change.
        "brief": {
            **{
                k: _data(v)
                for k, v in brief.front.values().items()
                if k not in ("sections", "audiences")
            },
            "id": brief.id,
            "date": brief.date,
            "authors": list(brief.authors),
            "marking": level(brief.marking) if brief.marking else None,
        },
        "audience": {
            **{k: getattr(audience, k) for k in schema.keys(AudienceFile)},
            "name": audience.name,
            "formats": list(audience.formats),
            "clearance": level(audience.level),
        },
        "edition": {
            "name": edition.name,
            "withheld": len(edition.withheld),
            "withheld_passages": edition.withheld_passages,
        },
        "sections": [_section(s, slots) for s in edition.sections],
        "marking": level(edition.marking),
        "version": __version__,  # briefwright's; the brief's own version is under `release`
        "release": release(edition.release),
        "date_text": f"{brief.date.day} {brief.date:%B %Y}",
        "kicker": f"{KICKERS[audience.depth]} {audience.label}",
        "description": brief.subtitle or first.summary_text,
        "keywords": keywords(edition),
        "rough": edition.rough,
        **({"text": _text_slot(slots)} if slots is not None else {}),
    }
    if edition.rough:
        # Every layout prints the title and the kicker at the top of the page and the
        # title at its foot: a rough page says what it is in both places.
        names["brief"]["title"] = f"{ROUGH} · {brief.title}"
        names["kicker"] = f"{ROUGH}, not for release · {names['kicker']}"
    return names


def _data(value: Any) -> Any:
    """Return a schema object (a brief's contact, say) and what holds it as plain data."""
    if isinstance(value, schema.Schema):
        return {k: _data(v) for k, v in value.values().items()}
    if isinstance(value, list | tuple):
        return [_data(v) for v in value]
    return value


def _text_slot(slots: list[list[Node]]) -> Any:
    """Return ``text(value)``, for a Markdown layout to show a setting's words as plain text.

    A brief's disclaimer or a contact's name is the author's text: written into
    the layout's Markdown it would be read as Markdown there. As a slot it is
    exactly its words.
    """

    def text(value: Any) -> str:
        return _slot(slots, tree.text_inlines("" if value is None else str(value)), inline=True)

    return text


def release(stamp: Stamp) -> dict[str, Any]:
    """Return an edition's place among its audience's versions, as templates see it."""
    return {
        "text": stamp.text,  # "Version 3 · first issued ... · updated ...", or "Draft ..."
        "version": stamp.version,
        "draft": stamp.version is None,
        "next": stamp.next,
        "first_issued": stamp.first,
        "updated": stamp.last,
        "last_version": stamp.last_version,
    }


def keywords(edition: Edition) -> list[str]:
    return sorted({tag for s in edition.sections for tag in s.tags})


def _section(section: SelectedSection, slots: list[list[Node]] | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        **section.front.values(),  # every front-matter key, as written
        "id": section.id,
        "number": section.number,
        "tags": list(section.tags),
        "marking": level(section.marking),
        "highest": level(section.highest),
        "title_text": section.title_text,
        "summary_text": section.summary_text,
    }
    if slots is None:
        return {**fields, "title": section.title_text, "summary": section.summary_text}
    return {
        **fields,
        "title": _slot(slots, section.title, inline=True),
        "summary": _slot(slots, section.summary, inline=True),
        "body": _slot(slots, section.body, inline=False) if section.body else "",
    }


def _slot(slots: list[list[Node]], content: list[Node], inline: bool) -> str:
    slots.append(content)
    number = len(slots) - 1
    if inline:
        return f'[]{{{SLOT}="{number}"}}'
    return f'\n\n::: {{{SLOT}="{number}"}}\n:::\n\n'


def render_template(edition: Edition, name: str, **extra: Any) -> str:
    """Render ``name`` from the edition's layout with plain text; name the file on error."""
    return _render(edition, name, {**context(edition), **extra})


def _render(edition: Edition, name: str, names: dict[str, Any]) -> str:
    root = edition.root
    try:
        return layouts.render(root, edition.audience.layout, name, names)
    except jinja2.TemplateNotFound as exc:
        raise BuildError(f"template not found: {exc.name}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise BuildError(
            f"{exc.filename or exc.name}:{exc.lineno}: template error: {exc.message}"
        ) from None
    except jinja2.exceptions.SecurityError as exc:
        raise BuildError(
            f"{_template_line(exc)}template error: {exc} (layouts run in a sandbox: they "
            "may use the names the README lists, not Python's internals)"
        ) from None
    except jinja2.UndefinedError as exc:
        raise BuildError(f"{_template_line(exc)}template error: {exc.message}") from None


def _template_line(exc: BaseException) -> str:
    """Return 'file:line: ' of the innermost template frame of a traceback."""
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = f"{filename}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return where


def assemble(edition: Edition) -> Assembled:
    """Return the edition as its layout arranges it, with slots for the sections' trees."""
    slots: list[list[Node]] = []
    names = context(edition, slots)
    markdown = _render(edition, "document.md.j2", names)
    return Assembled(markdown, tuple(slots))


def fill(doc: Node, assembled: Assembled, template: str) -> set[int]:
    """Put each slot's tree where pandoc's reading of the layout has its marker.

    Returns the ``id()`` of each of the layout's own elements that has an id:
    those ids are the layout's (``#refs``, ``#contents``...), and a source that
    uses one gives way (see :func:`render.ast.unique_ids`).

    A marker pandoc did not read as a span or div (a template that puts a
    title inside an attribute or a code block, say) is an error naming the
    template: the text would otherwise be lost or shown as a marker.
    """
    replaced = 0

    def content(node: Node) -> list[Node] | None:
        nonlocal replaced
        if node["t"] not in ("Span", "Div") or SLOT not in tree.pairs(node):
            return None
        replaced += 1
        copy: list[Node] = tree.copy(assembled.slots[int(tree.pairs(node)[SLOT])])
        return copy

    def replace(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            filled = content(item) if isinstance(item, dict) and "t" in item else None
            out.extend([item] if filled is None else filled)
        return out

    # A layout shows no data of its own: a table or chart is marked by its data and
    # withheld by the select stage, which only sees what the sections hold.
    if any(figures.kind(node) for node in tree.nodes(doc["blocks"])):
        raise BuildError(
            f"{template}: the layout shows a table or chart from data; only sections may, "
            "so that its marking decides who receives it (move it into a section)"
        )
    # The layout's own lists are gathered first, so that nothing in the trees put
    # into them can be taken for a marker.
    lists: list[list[Any]] = []

    def gather(items: list[Any]) -> list[Any]:
        lists.append(items)
        return items

    tree.filter_lists(doc["blocks"], gather)
    own = {id(node) for node in tree.nodes(doc["blocks"]) if tree.identifier(node)}
    for items in lists:
        items[:] = replace(items)
    if replaced != assembled.markdown.count(f'{{{SLOT}="'):
        raise BuildError(
            f"{template}: the layout puts a section's title, summary or body where pandoc "
            "cannot hold text (inside an attribute, a link target, code or raw markup); "
            "write {{ s.title }} and the like as text, or in a paragraph of their own"
        )
    return own
