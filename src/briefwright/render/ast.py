"""Transformations of an edition's document tree, done in Python between pandoc calls.

The sections' trees arrive checked and made safe (``sanitise``) and cut for
the audience (``passages``); what happens here is the layout's work: headings
put under their section, portion marks, ids made unique, images embedded,
notes prepared for print, and the document's metadata.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .. import passages
from ..errors import BuildError
from ..tree import (
    Node,
    attr,
    attrs_anywhere,
    auto_id,
    classes,
    filter_lists,
    nodes,
    pairs,
    span,
    text_inlines,
    unique_id,
)

MAX_IMAGE_BYTES = 5_000_000
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


def embed_images(doc: Node, base: Path, root: Path) -> None:
    """Replace image paths with data: URIs; refuse anything outside the project."""
    for node in nodes(doc["blocks"]):
        if node["t"] != "Image":
            continue
        target = node["c"][2][0]
        if target.startswith("data:"):
            continue
        parts = urlsplit(target)
        if parts.scheme and parts.scheme != "file" or parts.netloc:
            raise BuildError(
                f"image '{target}' is not a file in the project; builds never fetch "
                "from the network (copy the image into the project)"
            )
        path = (base / unquote(parts.path)).resolve()
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


def drop_empty_references(doc: Node) -> None:
    """Remove the References heading, and links to it, when the edition cites nothing."""
    blocks = doc["blocks"]
    for index, block in enumerate(blocks):
        if block["t"] == "Div" and block["c"][0][0] == "refs" and not block["c"][1]:
            del blocks[index]
            if (
                index
                and blocks[index - 1]["t"] == "Header"
                and blocks[index - 1]["c"][1][0] == "references"
            ):
                del blocks[index - 1]
            break
    else:
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
    (:func:`pandoc.write_docx` has pandoc leave the markers and copies out.)
    Changes ``doc``; returns how many notes it has.
    """
    count = 0
    printed: list[Node] = []
    for node in nodes(doc["blocks"]):
        if node["t"] != "Note":
            continue
        count += 1
        inlines: list[Any] = []
        for block in node["c"]:
            if block["t"] in ("Para", "Plain"):
                if inlines:
                    inlines.append({"t": "Space"})
                inlines.extend(block["c"])
        printed += [_raw(PRINT_NOTE_MARK.format(count)), {"t": "Plain", "c": inlines}]
        node["c"] = [_raw(NOTE_MARK.format(count)), *node["c"]]
    if count:
        doc["blocks"] += [_raw(PRINT_NOTES_START), *printed, _raw(PRINT_NOTES_END)]
    return count


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


def unique_ids(doc: Node) -> list[str]:
    """Give every heading an id and make all ids unique; unlink links to ids not there.

    Sections are read one by one, so two may use the same id; the later one
    gets ``-1``, as pandoc does within one document. A heading without an id
    (``passages.cut`` takes off those pandoc made, since a withheld span may
    have been part of the text) gets one made from the text it shows.
    Returns the link targets unlinked.
    """
    taken: set[str] = set()
    for node in nodes(doc["blocks"]):
        found = attr(node)
        if found is None:
            continue
        if node["t"] == "Header" and not found[0]:
            found[0] = auto_id(node["c"][2])
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
