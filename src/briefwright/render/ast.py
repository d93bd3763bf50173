"""Transformations of an edition's document tree, done in Python between pandoc calls.

The sections' trees arrive checked and made safe (``sanitise``) and cut for
the audience (``passages``); what happens here is the layout's work: headings
put under their section, portion marks, ids made unique, images embedded,
notes prepared for print, and the document's metadata.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .. import passages
from ..errors import BuildError
from ..images import MAX_IMAGE_BYTES
from ..markings import Level
from ..reader import image_path
from ..tree import (
    Node,
    attr,
    attrs_anywhere,
    auto_id,
    classes,
    filter_lists,
    identifier,
    nodes,
    pairs,
    span,
    text_inlines,
    unique_id,
)

# The attributes briefwright itself gives passages; no source may set them.
OWN = {"data-marking"}


def check_restrictions(doc: Node) -> None:
    """Fail closed if anything that restricts, or looks as if it does, survived selection."""
    for _, (_, _, kv) in attrs_anywhere(doc["blocks"]):
        keys = [key for key, _ in kv if key not in OWN]
        if any(k in passages.RESTRICTING or passages.resembles(k) for k in keys):
            raise BuildError(
                "a restricted passage reached the renderer unfiltered; nothing was written. "
                "Mark passages with ::: {marking=...} or [text]{marking=...} only"
            )


def shift_body_headings(doc: Node) -> None:
    """Demote headings inside section bodies so they nest under the section title.

    They stop at level 5: the HTML pages shift every heading one level further
    (the brief's title is the page's one h1), and h6 is HTML's last.
    """
    for node in nodes(doc["blocks"]):
        if node["t"] == "Div" and "section-body" in classes(node):
            for inner in nodes(node["c"][1]):
                if inner["t"] == "Header":
                    inner["c"][0] = min(inner["c"][0] + 1, 5)


def add_portion_marks(doc: Node, portion: Callable[[str], str | None]) -> None:
    """Put each marked passage's portion mark before its paragraphs and list items."""

    def mark(blocks: list[Node], text: str) -> None:
        for block in blocks:
            if block["t"] in ("Para", "Plain"):
                block["c"][:0] = [
                    {"t": "Span", "c": [["", ["portion"], []], [{"t": "Str", "c": text}]]},
                    {"t": "Space"},
                ]
            elif block["t"] in ("BulletList", "OrderedList"):
                items = block["c"] if block["t"] == "BulletList" else block["c"][1]
                for item in items:
                    mark(item[:1], text)
            elif block["t"] == "BlockQuote":
                mark(block["c"], text)

    for node in nodes(doc["blocks"]):
        if node["t"] in ("Div", "Span") and "passage" in classes(node):
            label = pairs(node).get("data-marking")
            text = portion(label) if label else None
            if text and node["t"] == "Div":
                mark(node["c"][1], text)
            elif text:
                node["c"][1][:0] = [
                    span([{"t": "Str", "c": text}], cls=["portion"]),
                    {"t": "Space"},
                ]


MARKING_STYLE = "Marking {label}"  # Word's character style of a marking's chip (docx.py)


def style_markings(doc: Node, levels: Iterable[Level]) -> None:
    """Give each marking chip (``marking-tag``) its level's character style, for Word."""
    by_class = {f"marking-{level.slug}": level for level in levels}
    for node in nodes(doc["blocks"]):
        if node["t"] != "Span" or "marking-tag" not in classes(node):
            continue
        found = [by_class[c] for c in classes(node) if c in by_class]
        if found:
            kv = [p for p in node["c"][0][2] if p[0] != "custom-style"]
            node["c"][0][2] = [*kv, ["custom-style", MARKING_STYLE.format(label=found[0].label)]]


def embed_images(doc: Node, base: Path, root: Path) -> None:
    """Replace image paths with data: URIs; refuse anything outside the project."""
    for node in nodes(doc["blocks"]):
        if node["t"] != "Image":
            continue
        target = node["c"][2][0]
        if target.startswith("data:"):
            continue
        written = image_path(base, target)
        if written is None:
            raise BuildError(
                f"image '{target}' is not a file in the project; builds never fetch "
                "from the network (copy the image into the project)"
            )
        path = written.resolve()
        try:
            path.relative_to(root)
        except ValueError:
            raise BuildError(f"image '{target}' lies outside the project root {root}") from None
        if not path.is_file():
            raise BuildError(f"image '{target}' does not exist (looked for {path})")
        data = path.read_bytes()
        if len(data) > MAX_IMAGE_BYTES:
            raise BuildError(f"image '{target}' is over {MAX_IMAGE_BYTES // 1_000_000} MB")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if not mime.startswith("image/"):
            raise BuildError(f"'{target}' is not an image")
        node["c"][2][0] = f"data:{mime};base64,{base64.b64encode(data).decode()}"


RASTER_PPI = 300  # for Word: LibreOffice shows no SVG without a raster beside it
_SVG_ROOT = re.compile(r"<svg\b[^>]*>")
_LENGTH = re.compile(r"\s*([\d.]+)\s*(px|pt|mm|cm|in)?\s*$")
_PER_INCH = {"px": 96.0, "pt": 72.0, "mm": 25.4, "cm": 2.54, "in": 1.0}


def rasters(doc: Node, fonts: list[Path]) -> dict[str, dict[str, str]]:
    """Return a PNG for each SVG image, keyed by the SHA-1 of the SVG's data: URI.

    Each gives the PNG's data: URI and, where the SVG says, its width in
    inches. The DOCX gets the PNG (``pandoc.write_docx``); the PDF and HTML
    keep the SVG. Text in the SVG without a font of its own is set in the
    brief's sans-serif, one of ``fonts`` (folders), not in whatever the
    rasteriser would find.
    """
    found: dict[str, dict[str, str]] = {}
    prefix = "data:image/svg+xml;base64,"
    for node in nodes(doc["blocks"]):
        if node["t"] == "Image" and node["c"][2][0].startswith(prefix):
            src = node["c"][2][0]
            key = hashlib.sha1(src.encode("utf-8")).hexdigest()  # noqa: S324 - a name, not a seal
            if key not in found:
                svg = base64.b64decode(src[len(prefix) :]).decode("utf-8", "replace")
                found[key] = _raster(svg, fonts)
    return found


def _raster(svg: str, fonts: list[Path]) -> dict[str, str]:
    import vl_convert  # noqa: PLC0415 - only editions with SVG images load it

    for folder in fonts:
        vl_convert.register_font_directory(str(folder))
    root = _SVG_ROOT.search(svg)
    if root and "font-family" not in root[0]:
        tag = root[0][:-1].rstrip("/") + ' font-family="Source Sans Pro, sans-serif"'
        svg = (
            svg[: root.start()]
            + tag
            + ("/>" if root[0].endswith("/>") else ">")
            + svg[root.end() :]
        )
    png = vl_convert.svg_to_png(svg, scale=RASTER_PPI / 96, ppi=RASTER_PPI)
    out = {"src": "data:image/png;base64," + base64.b64encode(png).decode("ascii")}
    width = re.search(r'\swidth="([^"]*)"', root[0]) if root else None
    length = _LENGTH.match(width[1]) if width else None
    if length:
        out["width"] = f"{float(length[1]) / _PER_INCH[length[2] or 'px']:.3f}in"
    return out


def drop_empty_references(doc: Node) -> None:
    """Remove the References heading, and links to it, when the edition cites nothing.

    The list of references may be anywhere a layout puts it (inside its columns, say).
    """
    dropped = False

    def drop(blocks: list[Any]) -> list[Any]:
        nonlocal dropped
        kept: list[Any] = []
        for block in blocks:
            empty = (
                block.__class__ is dict
                and block.get("t") == "Div"
                and block["c"][0][0] == "refs"
                and not block["c"][1]
            )
            if not empty:
                kept.append(block)
                continue
            dropped = True
            if kept and kept[-1].get("t") == "Header" and kept[-1]["c"][1][0] == "references":
                kept.pop()
        return kept

    filter_lists(doc["blocks"], drop)
    if not dropped:
        return

    def links_to_references(item: Any) -> bool:
        return any(node["t"] == "Link" and node["c"][2][0] == "#references" for node in nodes(item))

    for node in nodes(doc["blocks"]):
        if node["t"] == "BulletList":
            node["c"] = [item for item in node["c"] if not links_to_references(item)]


# Markers for the single HTML write that serves both the screen page and the print page.
NOTE_MARK = "<!--bw:note:{}-->"
PRINT_NOTE_MARK = "<!--bw:print-note:{}-->"
PRINT_NOTES_START = "<!--bw:print-notes-->"
PRINT_NOTES_END = "<!--bw:print-notes-end-->"


def _raw(text: str) -> Node:
    return {"t": "RawBlock", "c": ["html", text]}


def add_print_notes(doc: Node) -> int:
    """Prepare the tree for one HTML write that yields both screen and print pages.

    The screen page keeps pandoc's endnotes; the print page needs each note's
    text at its call, for CSS ``float: footnote``. Each note is tagged with a
    marker, and after the body each note's text follows again, as inline
    content between markers, for :func:`html.split_notes` to move into place.
    A note's lists, quotes, code and tables become spans that the print
    stylesheet lays out as blocks (``fn-*`` classes), so nothing of them is lost.
    (:func:`pandoc.write_docx` has pandoc leave the markers and copies out.)
    Changes ``doc``; returns how many notes it has.
    """
    count = 0
    printed: list[Node] = []
    for node in nodes(doc["blocks"]):
        if node["t"] != "Note":
            continue
        count += 1
        inline = _inline_blocks(node["c"])
        printed += [_raw(PRINT_NOTE_MARK.format(count)), {"t": "Plain", "c": inline}]
        node["c"] = [_raw(NOTE_MARK.format(count)), *node["c"]]
    if count:
        doc["blocks"] += [_raw(PRINT_NOTES_START), *printed, _raw(PRINT_NOTES_END)]
    return count


def _inline_blocks(blocks: list[Node]) -> list[Node]:
    """Return blocks as inlines: each block a span of an ``fn-*`` class, its parts inside."""
    out: list[Node] = []
    for block in blocks:
        kind, content = block["t"], block.get("c", [])
        if kind in ("Para", "Plain"):
            out.append(span(content, cls=["fn-para"]))
        elif kind == "Header":
            out.append(span([{"t": "Strong", "c": content[2]}], cls=["fn-para"]))
        elif kind == "LineBlock":
            lines: list[Node] = []
            for line in content:
                lines += [*([{"t": "LineBreak"}] if lines else []), *line]
            out.append(span(lines, cls=["fn-para"]))
        elif kind in ("BulletList", "OrderedList"):
            items = content if kind == "BulletList" else content[1]
            marks = ["•"] * len(items)
            if kind == "OrderedList":
                start, style, delimiter = content[0]
                marks = _numbers(start, style, delimiter, len(items))
            out.append(
                span(
                    [
                        span(
                            [span(text_inlines(mark), cls=["fn-mark"]), *_inline_blocks(item)],
                            cls=["fn-item"],
                        )
                        for mark, item in zip(marks, items, strict=True)
                    ],
                    cls=["fn-list"],
                )
            )
        elif kind == "DefinitionList":
            for term, definitions in content:
                out.append(span([{"t": "Strong", "c": term}], cls=["fn-para"]))
                for definition in definitions:
                    out.append(span(_inline_blocks(definition), cls=["fn-quote"]))
        elif kind == "BlockQuote":
            out.append(span(_inline_blocks(content), cls=["fn-quote"]))
        elif kind == "Div":
            out.append(span(_inline_blocks(content[1]), cls=["fn-block"]))
        elif kind == "CodeBlock":
            out.append(span([{"t": "Code", "c": content}], cls=["fn-code"]))
        elif kind == "Table":
            out.append(_inline_table(block))
        elif kind == "Figure":
            out.append(
                span(_inline_blocks(content[2]) + _inline_blocks(content[1][1]), cls=["fn-block"])
            )
        elif kind == "RawBlock":
            out.append(block | {"t": "RawInline"})
    return out


def _inline_table(table: Node) -> Node:
    """Return a table as spans the print stylesheet lays out as a table."""
    _, caption, _, head, bodies, foot = table["c"]
    rows = [*head[1], *(row for body in bodies for row in [*body[2], *body[3]]), *foot[1]]
    cells = [
        span([span(_inline_blocks(cell[4]), cls=["fn-cell"]) for cell in row[1]], cls=["fn-row"])
        for row in rows
    ]
    parts = [span(_inline_blocks(caption[1]), cls=["fn-caption"])] if caption[1] else []
    return span([*parts, span(cells, cls=["fn-table"])], cls=["fn-block"])


def _numbers(start: int, style: Any, delimiter: Any, count: int) -> list[str]:
    """Return the labels pandoc's list attributes ask for: 4. 5., (a) (b), iv) v)..."""
    kind, delim = style["t"], delimiter["t"]
    labels = []
    for number in range(start, start + count):
        if kind in ("LowerAlpha", "UpperAlpha"):
            label = _alpha(number)
            label = label.upper() if kind == "UpperAlpha" else label
        elif kind in ("LowerRoman", "UpperRoman"):
            label = _roman(number)
            label = label.upper() if kind == "UpperRoman" else label
        else:
            label = str(number)
        labels.append(
            f"({label})"
            if delim == "TwoParens"
            else f"{label})"
            if delim == "OneParen"
            else f"{label}."
        )
    return labels


def _alpha(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters or "a"


def _roman(number: int) -> str:
    numerals = zip(
        (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1),
        ("m", "cm", "d", "cd", "c", "xc", "l", "xl", "x", "ix", "v", "iv", "i"),
        strict=True,
    )
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out or "i"


def set_meta(doc: Node, fields: dict[str, str | list[str]]) -> None:
    """Replace the document metadata with plain strings (no Markdown parsing)."""
    meta: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, list):
            meta[key] = {"t": "MetaList", "c": [_meta_str(v) for v in value]}
        else:
            meta[key] = _meta_str(value)
    doc["meta"] = meta


def _meta_str(text: str) -> Node:
    return {"t": "MetaInlines", "c": text_inlines(text)}


def unique_ids(doc: Node, layout: set[int] | frozenset[int] = frozenset()) -> list[str]:
    """Give every heading an id and make all ids unique; unlink links to ids not there.

    Sections are read one by one, so two may use the same id; the later one
    gets ``-1``, as pandoc does within one document; the layout's own ids
    (the elements whose ``id()`` is in ``layout``) come first. A heading
    without an id (``passages.cut`` takes off those pandoc made, since a
    withheld span may have been part of the text) gets one made from the text
    it shows. Returns the link targets unlinked.
    """
    taken = {identifier(node) for node in nodes(doc["blocks"]) if id(node) in layout}
    for node in nodes(doc["blocks"]):
        found = attr(node)
        if found is None or id(node) in layout:
            continue
        if node["t"] == "Header" and not found[0]:
            found[0] = auto_id(node["c"][2])
            if found[0].startswith(passages.RESERVED_ID):  # "BW note 3": not a note's anchor
                found[0] = f"h-{found[0]}"
        if found[0] or node["t"] == "Header":
            found[0] = unique_id(found[0], taken)
            taken.add(found[0])
    dead: list[str] = []

    def unlink(items: list[Any]) -> list[Any]:
        out = []
        for item in items:
            if isinstance(item, dict) and item.get("t") == "Link":
                target = item["c"][2][0]
                if target.startswith("#") and unquote(target[1:]) not in taken:
                    dead.append(target)
                    out.append(span(item["c"][1]))
                    continue
            out.append(item)
        return out

    filter_lists(doc["blocks"], unlink)
    return dead
