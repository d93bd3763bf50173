"""Make a section's tree safe to publish: no raw markup, no script links, no stray attributes.

Raw HTML and TeX are removed (their text, which pandoc reads apart from the
tags, stays); an HTML anchor (``<a name="x">`` or ``<a id="x">``) becomes an
empty span with that id, so that links to it keep working. Links other than
``http:``, ``https:``, ``mailto:`` and ``#...`` become plain text. Attributes
other than the few the layouts use are dropped; ``marking`` and ``audience``
on passages stay for the select stage, which takes them off.
"""

from __future__ import annotations

import html.parser
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import figures, tree
from .passages import PASSAGE_ELEMENTS, RESTRICTING
from .tree import Node

SAFE_SCHEMES = {"http", "https", "mailto"}
# Attributes a source may set; everything else (style, on*, href, src...) is dropped.
SAFE_ATTRIBUTES = {"lang", "dir", "width", "height", "custom-style", "startFrom"}


@dataclass(frozen=True)
class Removed:
    """Something taken out of a section: what, in words, and text to find its line by."""

    what: str
    needle: str


class _Tag(html.parser.HTMLParser):
    """Read one raw HTML token: is it a lone opening tag, and with which attributes?"""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.other = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.other = True

    def handle_data(self, data: str) -> None:
        self.other = self.other or bool(data.strip())


def _anchor(raw: str) -> str | None:
    """Return the id of a raw ``<a name=...>``/``<a id=...>`` with no link, else None."""
    parser = _Tag()
    parser.feed(raw)
    parser.close()
    if parser.other or len(parser.starts) != 1:
        return None
    tag, attrs = parser.starts[0]
    ident = attrs.get("id") or attrs.get("name")
    if tag != "a" or not ident or "href" in attrs:
        return None
    return ident.strip() or None


def _is_comment_or_end(raw: str) -> bool:
    text = raw.strip()
    return text.startswith("<!--") or text.startswith("</")


def _what_raw(fmt: str, raw: str) -> str:
    """Say what raw markup was removed without quoting it (a message goes to logs)."""
    if fmt == "html":
        parser = _Tag()
        parser.feed(raw)
        parser.close()
        tags = sorted({f"<{tag}>" for tag, _ in parser.starts})
        return "raw HTML" + (f" ({', '.join(tags[:3])})" if tags else "")
    return f"raw {fmt}" if fmt in ("tex", "latex", "openxml") else "raw markup"


def safe_target(target: str) -> bool:
    if target.startswith("#"):
        return True
    return urlsplit(target.strip()).scheme.lower() in SAFE_SCHEMES


def sanitise(value: Any) -> list[Removed]:
    """Make a tree (or a list of nodes) safe in place; return what was removed."""
    removed: list[Removed] = []

    def clean(items: list[Any]) -> list[Any]:
        kept = []
        for item in items:
            kind = item.get("t") if isinstance(item, dict) else None
            if kind in ("RawBlock", "RawInline"):
                fmt, raw = item["c"]
                ident = _anchor(raw) if fmt == "html" and kind == "RawInline" else None
                if ident is not None:
                    kept.append(tree.span([], ident))
                elif not (fmt == "html" and _is_comment_or_end(raw)):
                    removed.append(Removed(_what_raw(fmt, raw), raw.strip()[:40]))
                continue
            if kind == "Link" and not safe_target(item["c"][2][0]):
                target = item["c"][2][0]
                scheme = urlsplit(target.strip()).scheme.lower() or "relative"
                removed.append(Removed(f"a link to a {scheme}: address", target[:40]))
                kept.append(tree.span(item["c"][1]))
                continue
            kept.append(item)
        return kept

    tree.filter_lists(value, clean)
    for node in tree.nodes(value):
        # A raw element that filter_lists did not reach is held in no list, which no tree
        # pandoc writes has: refuse it rather than publish it.
        if node["t"] in ("RawBlock", "RawInline"):
            raise ValueError("a raw element held in no list of nodes is not read")
        removed.extend(_drop_attributes(node))
    return removed


def _drop_attributes(node: Node) -> list[Removed]:
    found = tree.attr(node)
    if found is None:
        return []
    keep = SAFE_ATTRIBUTES | (set(RESTRICTING) if node["t"] in PASSAGE_ELEMENTS else set())
    if figures.kind(node) is not None:
        keep |= set(figures.ATTRIBUTES)
    if node["t"] == "Table":
        keep |= {"source"}  # a table's source line: ": Caption {source="..."}"
    unsafe = [key for key, _ in found[2] if key not in keep]
    found[2] = [[key, value] for key, value in found[2] if key in keep]
    # Named by line only: a key written in a passage is the passage's text, and
    # messages go to logs that any audience may read.
    return [
        Removed(
            "an attribute the layouts do not use (only lang, dir, width, height, "
            "custom-style and startFrom stay)",
            f"{key}=",
        )
        for key in unsafe
    ]
