"""Redline, the diff: what changed between two trees of one audience's edition.

Both trees are pandoc's reading of an edition's Markdown: the version an
audience was issued and the edition it receives now. They are compared on
the document tree, never as text: section by section (a section is what the
layout gives an id ``sec-<section-id>``: a heading and what follows it, a
div, or a list item opening with such a span), block by block, then word by
word inside a changed paragraph, heading, list item or table cell, so that
a one-word edit is a one-word change and a cell edit stays in its cell
(``align`` lines the trees up, ``differ`` marks what changed).

The result is the new tree with what changed marked as pandoc marks Word's
tracked changes: spans of class ``insertion`` or ``deletion`` carrying
``author`` and ``date``. Keeping everything outside the deletions gives the
new text, everything outside the insertions the old. Two forms are made:
``tracked`` (for Word: a moved section is deleted where it was and inserted
where it is, so that accepting or rejecting every change gives either
version) and ``shown`` (for reading: a moved section appears once, with its
own edits marked, a note where it was, and a change bar beside each changed
block).
"""

from __future__ import annotations

from typing import Any

from . import sanitise, tree
from .align import dump
from .differ import DELETION, INSERTION, NOTE, Author, Changes, Differ, Mode
from .tree import Node

__all__ = ["CHANGED", "DELETION", "INSERTION", "NOTE", "Author", "Changes", "Mode", "diff"]

CHANGED = "rl-changed"  # a block with a change in it: the change bar


def normalise(doc: Node) -> int:
    """Make a tree read back from Markdown ready to compare; return the raw elements dropped.

    A line break where Markdown wrapped its text is a space: the two versions
    wrap differently; a citation's number among the document's citations and
    notes is left to citeproc, which counts them again. Raw markup has no
    place in an edition (sources are sanitised before they are built), so any
    that reads back is dropped, as are images not embedded and links other
    than an edition may hold: a record edited by hand is shown no further.
    """
    dropped = 0

    def clean(items: list[Any]) -> list[Any]:
        nonlocal dropped
        out = []
        for item in items:
            kind = item.get("t") if isinstance(item, dict) else None
            if kind in ("RawInline", "RawBlock"):
                dropped += 1
            elif kind == "Image" and not item["c"][2][0].startswith("data:"):
                dropped += 1  # an edition embeds its images: this one was put there by hand
            elif kind == "Link" and not sanitise.safe_target(item["c"][2][0]):
                dropped += 1
                out.append(tree.span(item["c"][1]))
            else:
                out.append({"t": "Space"} if kind == "SoftBreak" else item)
        return out

    tree.filter_lists(doc["blocks"], clean)
    tree.filter_lists(doc["blocks"], _unfigure)
    for node in tree.nodes(doc["blocks"]):
        if node["t"] == "Span" and "marking-tag" in tree.classes(node):
            # A chip's Word style is how it looks (ast.style_markings sets it again).
            node["c"][0][2] = [kv for kv in node["c"][0][2] if kv[0] != "custom-style"]
        if node["t"] == "Cite":  # counters of the whole document: an earlier edit moves them
            for citation in node["c"][0]:
                citation["citationNoteNum"] = citation["citationHash"] = 0
    return dropped


def _unfigure(items: list[Any]) -> list[Any]:
    """Undo the implicit figure pandoc reads into a figure's image.

    An edition's Markdown writes a figure as a div (``.figure``) holding its
    image alone in a paragraph and a caption div; read back, the image becomes
    a figure captioned with its own description. It is the image again here.
    """
    out = []
    for item in items:
        if isinstance(item, dict) and item.get("t") == "Figure":
            body = item["c"][2]
            images = [
                inline
                for block in body
                if block["t"] in ("Plain", "Para")
                for inline in block["c"]
                if inline["t"] == "Image"
            ]
            caption = tree.words(item["c"][1][1])
            if len(body) == 1 and len(images) == 1 and caption == tree.words(images[0]["c"][1]):
                out.append({"t": "Plain", "c": images})
                continue
        out.append(item)
    return out


def diff(old: list[Node], new: list[Node], who: Author, mode: Mode) -> tuple[list[Node], Changes]:
    """Return the new blocks with every change from the old marked, and what changed."""
    differ = Differ(who, mode, _ids(new))
    blocks = differ.document(old, new)
    tree.filter_lists(blocks, _merge)
    if mode == "shown":
        blocks = _bars(blocks)
    return blocks, differ.changes


def _merge(items: list[Any]) -> list[Any]:
    """Join neighbouring changes of one kind: "[a ]{.deletion}[b]{.deletion}" is one deletion."""
    out: list[Any] = []
    for item in items:
        if out and _change(item) and dump(tree.attr(out[-1])) == dump(tree.attr(item)):
            out[-1]["c"][1] += item["c"][1]
        else:
            out.append(item)
    return out


def _change(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and node.get("t") == "Span"
        and bool({INSERTION, DELETION} & set(node["c"][0][1]))
    )


def _ids(blocks: list[Node]) -> set[str]:
    return {tree.identifier(n) for n in tree.nodes(blocks) if tree.identifier(n)}


def has_change(value: Any, numbers: bool = True) -> bool:
    """Whether a tree holds an insertion or deletion (without ``numbers``: outside the
    section numbers and the key points' links to them, whose renumbering shows the new
    number and needs no change bar)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if item.get("t") in ("Span", "Link"):
                kinds = set(item["c"][0][1])
                if item["t"] == "Span" and {INSERTION, DELETION} & kinds:
                    return True
                if {"secno", "section-ref"} & kinds and not numbers:
                    continue
            stack.extend(item.values())
    return False


_LEAVES = ("Para", "Plain", "LineBlock", "Table", "Figure", "CodeBlock", "HorizontalRule")


def _bars(blocks: list[Node]) -> list[Node]:
    """Put a change bar beside each changed block: its own, or its heading's class."""
    out: list[Node] = []
    for block in blocks:
        t = block["t"]
        if t == "Header" and has_change(block, numbers=False):
            block["c"][1][1].append(CHANGED)
        elif t in _LEAVES or (t == "Div" and "code-change" in tree.classes(block)):
            if has_change(block, numbers=False):
                block = tree.div([block], cls=[CHANGED])
        elif t == "Div":
            block["c"][1] = _bars(block["c"][1])
        elif t == "BlockQuote":
            block["c"] = _bars(block["c"])
        elif t == "BulletList":
            block["c"] = [_bars(item) for item in block["c"]]
        elif t == "OrderedList":
            block["c"][1] = [_bars(item) for item in block["c"][1]]
        out.append(block)
    return out
