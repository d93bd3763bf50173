"""Transformations of pandoc's JSON document tree, done in Python between pandoc calls."""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import BuildError
from ..passages import RESTRICTING

Node = dict[str, Any]
SAFE_SCHEMES = {"http", "https", "mailto"}
# Attributes a source may set; everything else (style, on*, href, src...) is dropped.
SAFE_ATTRIBUTES = {"data-marking", "custom-style", "lang", "dir", "width", "height"}
_ATTR_INDEX = {
    "Div": 0,
    "Span": 0,
    "CodeBlock": 0,
    "Code": 0,
    "Link": 0,
    "Image": 0,
    "Table": 0,
    "Figure": 0,
    "Header": 1,
}
MAX_IMAGE_BYTES = 5_000_000


def nodes(value: Any) -> Iterator[Node]:
    """Yield every element node in a tree, depth first, parents before children.

    A node's children are read after the caller has seen the node, so the
    caller may change or replace them; a list's items are read when the walk
    reaches the list, so removing a later sibling of the node in hand is not
    seen. Only lists and element nodes are followed: this walk runs several
    times per edition.
    """
    stack = [value]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        if item.__class__ is dict:
            if "t" in item:
                yield item
                children = item.get("c")
                if children.__class__ is list:
                    extend(reversed(children))
                elif children.__class__ is dict:
                    push(children)
            else:  # the document itself, or metadata
                extend(reversed(item.values()))
        elif item.__class__ is list:
            extend(reversed(item))


def filter_lists(value: Any, fn: Callable[[list[Any]], list[Any]]) -> None:
    """Replace every list in the tree, in place, with ``fn`` of it (to drop or swap nodes).

    Lists are rewritten before their items are visited, so ``fn`` sees the
    items a parent's rewrite kept.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if item.__class__ is dict:
            stack.extend(reversed(item.values()))
        elif item.__class__ is list:
            item[:] = fn(item)
            stack.extend(reversed(item))


def _attr(node: Node) -> list[Any] | None:
    index = _ATTR_INDEX.get(node["t"])
    return None if index is None else node["c"][index]  # type: ignore[no-any-return]


def attr_pairs(node: Node) -> dict[str, str]:
    """Return the key-value attributes of a Div, Span, Header, Link, Image, ..."""
    attr = _attr(node)
    return dict(attr[2]) if attr else {}


def classes(node: Node) -> list[str]:
    attr = _attr(node)
    return list(attr[1]) if attr else []


def check_restrictions(doc: Node) -> None:
    """Fail closed if a marked or audience-restricted div survived selection."""
    for node in nodes(doc["blocks"]):
        if node["t"] in ("Div", "Span") and any(k in attr_pairs(node) for k in RESTRICTING):
            raise BuildError(
                "a marked passage reached the renderer unfiltered; nothing was written. "
                "Put each ::: {marking=...} fence on its own line, not inside a list or quote"
            )


def sanitise(doc: Node) -> list[str]:
    """Drop raw HTML/TeX/OpenXML and unsafe link targets; return what was removed."""
    removed: list[str] = []

    def clean(items: list[Any]) -> list[Any]:
        kept = []
        for item in items:
            if isinstance(item, dict) and item.get("t") in ("RawBlock", "RawInline"):
                removed.append(f"raw {item['c'][0]}")
                continue
            if isinstance(item, dict) and item.get("t") == "Link":
                target = item["c"][2][0]
                if not _safe_target(target):
                    removed.append(f"link to {target[:40]!r}")
                    kept.append({"t": "Span", "c": [["", [], []], item["c"][1]]})
                    continue
            kept.append(item)
        return kept

    filter_lists(doc["blocks"], clean)
    for node in nodes(doc["blocks"]):
        attr = _attr(node)
        if attr is None:
            continue
        unsafe = [key for key, _ in attr[2] if key not in SAFE_ATTRIBUTES]
        if unsafe:
            removed.extend(f"attribute {key!r}" for key in unsafe)
            attr[2] = [[key, value] for key, value in attr[2] if key in SAFE_ATTRIBUTES]
    return removed


def _safe_target(target: str) -> bool:
    if target.startswith("#"):
        return True
    scheme = urlsplit(target.strip()).scheme.lower()
    return scheme in SAFE_SCHEMES


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
        if node["t"] == "Div" and "passage" in classes(node):
            label = attr_pairs(node).get("data-marking")
            text = portion(label) if label else None
            if text:
                mark(node["c"][1], text)


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
    inlines: list[Node] = []
    for index, word in enumerate(text.split()):
        if index:
            inlines.append({"t": "Space"})
        inlines.append({"t": "Str", "c": word})
    return {"t": "MetaInlines", "c": inlines}
