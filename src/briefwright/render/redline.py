"""Render a redline: the diffed trees written as HTML, PDF and DOCX, as an edition is.

The reading form of the diff (``shown``) becomes the web page and the print
page, its changes written as ``<ins>`` and ``<del>`` and styled by the
layout's ``redline.css``, with a change bar in the margin. The tracked form
becomes the DOCX: pandoc writes its insertion and deletion spans as Word's
tracked changes (``w:ins``, ``w:del``), and a pass here marks the paragraph
mark of a paragraph inserted or deleted whole (and the row of a table row),
so that rejecting every change leaves no empty paragraph behind, and gives
each change its own id. Both open with "What changed since version N".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from .. import layouts, redline, tree
from ..assemble import keywords
from ..models import Edition, day
from ..tree import Node
from . import ast, html, pandoc, pdf
from .edition import _description, _office

CSS = "redline.css"  # in the layout, or _base


@dataclass(frozen=True)
class Summary:
    """What the redline's opening says: the versions compared and what changed."""

    since: int
    since_date: dt.date
    now: str  # "the draft of version 3", "version 3, issued 1 December 2026"
    notes: tuple[tuple[int, dt.date, str], ...] = ()  # the notes of the versions after ``since``
    added: tuple[tuple[str, str], ...] = ()  # (section id, title)
    removed: tuple[tuple[str, str], ...] = ()
    moved: tuple[tuple[str, str], ...] = ()
    revised: tuple[tuple[str, str], ...] = ()
    left_out: int = 0  # raw markup the compared text held, left out (it should hold none)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.moved or self.revised)

    def plain(self) -> dict[str, Any]:
        """Return the summary as plain data (for the manifest and the email)."""
        data = dataclasses.asdict(self)
        data["since_date"] = self.since_date.isoformat()
        data["notes"] = [[n, d.isoformat(), t] for n, d, t in self.notes]
        return data


@dataclass
class Rendered:
    outputs: dict[str, bytes] = field(default_factory=dict)
    pages: int | None = None


def summary_blocks(summary: Summary, legend: bool) -> list[Node]:
    """Return the opening box: what is compared, the notes, the sections that changed."""
    n = summary.since
    text = tree.text_inlines
    blocks: list[Node] = [
        {
            "t": "Header",
            "c": [1, ["changes", ["unnumbered"], []], text(f"What changed since version {n}")],
        },
        {
            "t": "Para",
            "c": text(
                f"This redline compares version {n}, issued {day(summary.since_date)}, "
                f"with {summary.now}."
            ),
        },
    ]
    for number, date, note in summary.notes:
        label = [{"t": "Strong", "c": text(f"Version {number} ({day(date)}):")}, {"t": "Space"}]
        blocks.append({"t": "Para", "c": label + text(note)})
    if summary.unchanged:
        blocks.append(
            {"t": "Para", "c": [{"t": "Strong", "c": text(f"No changes since version {n}.")}]}
        )
    else:
        items = []
        for name, entries in (
            ("Added", summary.added),
            ("Removed", summary.removed),
            ("Moved", summary.moved),
            ("Revised", summary.revised),
        ):
            for ident, title in entries:
                link = {"t": "Link", "c": [["", [], []], text(title), [f"#sec-{ident}", ""]]}
                what: list[Node] = [{"t": "Strong", "c": text(f"{name}:")}, {"t": "Space"}]
                items.append([{"t": "Plain", "c": [*what, link]}])
        blocks.append({"t": "BulletList", "c": items})
    if summary.left_out:
        blocks.append(
            {
                "t": "Para",
                "c": text(
                    f"{summary.left_out} piece(s) of the compared text (figures or links "
                    "kept in a form this redline cannot compare) are not shown; see the "
                    "editions themselves for them."
                ),
            }
        )
    if legend:
        key: list[Node] = [{"t": "Strong", "c": text("Key:")}, {"t": "Space"}]
        key += [tree.span(text("inserted text"), cls=["rl-legend-ins"]), {"t": "Str", "c": ","}]
        key += [{"t": "Space"}, tree.span(text("deleted text"), cls=["rl-legend-del"])]
        key += [{"t": "Str", "c": ";"}, {"t": "Space"}, *text("a bar in the margin marks each")]
        key += [{"t": "Space"}, *text("changed passage.")]
        blocks.append({"t": "Para", "c": key})
    return [
        tree.div(blocks, "redline-summary", ["redline-summary"], **{"custom-style": "Block Text"})
    ]


def render(
    edition: Edition,
    doc: Node,
    shown: list[Node] | None,
    tracked: list[Node] | None,
    summary: Summary,
    who: redline.Author,
) -> Rendered:
    """Return the redline's files: HTML and PDF from ``shown``, DOCX from ``tracked``."""
    label = f"{edition.brief.id} for {edition.audience.name}, redline"
    result = Rendered()
    formats = edition.audience.formats
    with pandoc.session():
        if shown is not None:
            page = _tree(edition, doc, summary_blocks(summary, True) + shown, label, summary)
            _to_html_marks(page)
            notes = ast.add_print_notes(page)
            screen, printed = html.split_notes(pandoc.write_html(page, label), notes)
            css = _css(edition)
            if "html" in formats:
                result.outputs["html"] = html.page(edition, screen, css).encode("utf-8")
            if "pdf" in formats:
                print_html, print_css = html.print_page(edition, printed)
                result.outputs["pdf"], result.pages = pdf.render(
                    print_html, print_css + "\n" + css, edition.root, label,
                    edition.audience.pdf_variant,
                )  # fmt: skip
        if tracked is not None:
            word = _tree(edition, doc, summary_blocks(summary, False) + tracked, label, summary)
            _changes_inside_links(word)
            rasters = ast.rasters(word, pdf.font_dirs())
            name = pandoc.tree_name(label)
            pandoc.keep(word, label, name)  # the tree pandoc keeps for the DOCX
            try:
                raw = _office(edition, "docx", label, name, rasters)
            finally:
                pandoc.forget(name)
            result.outputs["docx"] = track_paragraph_marks(raw, who)
    return result


def _css(edition: Edition) -> str:
    return layouts.find_file(edition.root, edition.audience.layout, CSS).read_text("utf-8")


def _tree(
    edition: Edition, template: Node, blocks: list[Node], label: str, summary: Summary
) -> Node:
    """Return a whole document of ``blocks``, cited and described as the edition is."""
    brief = edition.brief
    doc: Node = {"pandoc-api-version": template["pandoc-api-version"], "meta": {}, "blocks": blocks}
    if edition.bibliography is not None and any(n["t"] == "Cite" for n in tree.nodes(doc)):
        doc = pandoc.cite(doc, edition.bibliography, label, brief.csl, brief.lang)
    ast.drop_empty_references(doc)
    ast.unique_ids(doc)
    ast.style_markings(doc, edition.scheme.levels)
    ast.set_meta(
        doc,
        {
            "title": brief.title,
            **({"subtitle": brief.subtitle} if brief.subtitle else {}),
            "author": list(brief.authors),
            "date": f"Redline: changes since version {summary.since} · {edition.release.text}"
            f" · {edition.audience.label} · {edition.marking.label}",
            "lang": brief.lang,
            "subject": _description(edition),
            "keywords": keywords(edition),
        },
    )
    return doc


def _to_html_marks(doc: Node) -> None:
    """Write each change span as HTML's own ``<ins>`` or ``<del>``."""
    tags = {redline.INSERTION: "ins", redline.DELETION: "del"}

    def swap(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            kinds = set(tree.classes(item)) & set(tags) if _is_span(item) else set()
            if not kinds:
                out.append(item)
                continue
            tag = tags[kinds.pop()]
            when = tree.pairs(item).get("date", "")
            opening = (
                f'<{tag} datetime="{when}">' if re.fullmatch(r"[0-9TZ:.+-]*", when) else f"<{tag}>"
            )
            out += [_raw(opening), *item["c"][1], _raw(f"</{tag}>")]
        return out

    tree.filter_lists(doc["blocks"], swap)


def _is_span(item: Any) -> bool:
    return isinstance(item, dict) and item.get("t") == "Span"


def _raw(text: str) -> Node:
    return {"t": "RawInline", "c": ["html", text]}


# --- Word ---------------------------------------------------------------------------------

# Inlines whose content is a list of inlines at this index (for Cite, after its citations).
_CONTENT = {"Emph": None, "Strong": None, "Underline": None, "Strikeout": None,
            "Superscript": None, "Subscript": None, "SmallCaps": None, "Span": 1, "Quoted": 1,
            "Cite": 1, "Link": 1}  # fmt: skip


def _changes_inside_links(doc: Node) -> None:
    """Put each change inside the links it holds, not around them.

    Word keeps a tracked change in runs: a link (``w:hyperlink``) inside a
    ``w:ins`` or ``w:del`` is dropped by LibreOffice and refused by Word, so
    "[deleted [link](#x)]" becomes "[deleted ]" then a link holding "[link]".
    Citations resolved by citeproc are links too.
    """

    def split(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            change = _is_span(item) and {redline.INSERTION, redline.DELETION} & set(item["c"][0][1])
            if change and _has_link(item["c"][1]):
                out += _wrap(item["c"][0], item["c"][1])
            else:
                out.append(item)
        return out

    tree.filter_lists(doc["blocks"], split)


def _has_link(inlines: list[Node]) -> bool:
    stack = list(inlines)
    while stack:
        node = stack.pop()
        if node["t"] == "Link":
            return True
        index = _CONTENT.get(node["t"], -1)
        if index != -1:
            stack.extend(node["c"] if index is None else node["c"][index])
    return False


def _wrap(attrs: list[Any], inlines: list[Node]) -> list[Node]:
    """Return ``inlines`` in change spans of ``attrs`` that hold no link: links hold them."""
    out: list[Node] = []
    run: list[Node] = []

    def flush() -> None:
        if run:
            out.append({"t": "Span", "c": [attrs, list(run)]})
            run.clear()

    for node in inlines:
        if not _has_link([node]):
            run.append(node)
            continue
        flush()
        index = _CONTENT[node["t"]]
        inner = node["c"] if index is None else node["c"][index]
        if index is None:
            out.append({"t": node["t"], "c": _wrap(attrs, inner)})
        else:
            content = list(node["c"])
            content[index] = _wrap(attrs, inner)
            out.append({"t": node["t"], "c": content})
    flush()
    return out


_PARA = re.compile(r"<w:p(?:\s[^>]*)?>.*?</w:p>", re.S)
_ROW = re.compile(r"<w:tr(?:\s[^>]*)?>.*?</w:tr>", re.S)
_CHANGE = re.compile(r"<w:(ins|del)\b[^>]*>.*?</w:\1>", re.S)
_RUN = re.compile(r"<w:r[\s>]")
_IDS = re.compile(r'<w:(ins|del) w:id="\d+"')
FIRST_ID = 100_000  # above the bookmarks' and notes' ids pandoc gives


def track_paragraph_marks(data: bytes, who: redline.Author) -> bytes:
    """Return the DOCX with wholly inserted or deleted paragraphs and rows marked so."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    counter = iter(range(FIRST_ID, 10**9))
    attrs = f'w:author="{_xml(who.name)}" w:date="{_xml(who.date)}"'
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in ("word/document.xml", "word/footnotes.xml"):
                text = content.decode("utf-8")
                text = _PARA.sub(lambda m: _mark_paragraph(m[0], attrs), text)
                text = _ROW.sub(lambda m: _mark_row(m[0], attrs), text)
                # Each change its own id: Word and LibreOffice accept or reject them one by one.
                text = _IDS.sub(lambda m: f'<w:{m[1]} w:id="{next(counter)}"', text)
                content = text.encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()


def _whole(xml: str) -> str | None:
    """Return 'ins' or 'del' if every run of ``xml`` is inside changes of that one kind."""
    kinds = {m[1] for m in _CHANGE.finditer(xml)}
    if len(kinds) != 1 or _RUN.search(_CHANGE.sub("", xml)):
        return None
    return kinds.pop()


def _mark_paragraph(xml: str, attrs: str) -> str:
    kind = _whole(xml)
    if kind is None:
        return xml
    mark = f'<w:rPr><w:{kind} w:id="0" {attrs} /></w:rPr>'
    if "</w:pPr>" in xml and "<w:rPr>" not in xml.split("</w:pPr>", 1)[0]:
        return xml.replace("</w:pPr>", mark + "</w:pPr>", 1)
    if "<w:pPr>" not in xml and "<w:pPr " not in xml:
        return re.sub(r"^(<w:p(?:\s[^>]*)?>)", lambda m: m[1] + f"<w:pPr>{mark}</w:pPr>", xml)
    return xml


def _mark_row(xml: str, attrs: str) -> str:
    kind = _whole(re.sub(r"<w:rPr>.*?</w:rPr>", "", xml, flags=re.S))
    if kind is None or "<w:tbl>" in xml[5:]:
        return xml
    mark = f'<w:{kind} w:id="0" {attrs} />'
    if "<w:trPr>" in xml:  # last in the row's properties, as the schema orders them
        return xml.replace("</w:trPr>", mark + "</w:trPr>", 1)
    if "<w:trPr />" in xml:
        return xml.replace("<w:trPr />", f"<w:trPr>{mark}</w:trPr>", 1)
    return re.sub(r"^(<w:tr(?:\s[^>]*)?>)", lambda m: m[1] + f"<w:trPr>{mark}</w:trPr>", xml)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def dump(doc: Node) -> str:
    """Return a tree as JSON (for debugging and tests)."""
    return json.dumps(doc, ensure_ascii=False)
