"""pandoc's document tree, as JSON: walking it, reading attributes and text, making nodes.

Every transformation of source content works on this tree (DESIGN.md,
"Pipeline stages"): pandoc's reading of a section is the only grammar, and
nothing here reads the author's text with patterns of its own.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

Node = dict[str, Any]
Blocks = list[Node]
Inlines = list[Node]

# Where each element keeps its (id, classes, key-value pairs).
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
# Parts of a table that carry attributes of their own: [attr, ...] lists.
_TABLE_PARTS = ("TableHead", "TableBody", "TableFoot", "Row", "Cell")


def copy(value: Any) -> Any:
    """Return a deep copy of a tree (or any part of one), sharing nothing with it.

    Made through JSON, so that the copy holds only lists, dicts and plain
    values, which every walk here follows: a tuple or a subclass in ``value``
    becomes a list or its base type, and a node met twice becomes two nodes.
    (marshal copies about twice as fast, but keeps tuples, which the walks,
    and so the cutting of passages, would pass over.)
    """
    return json.loads(json.dumps(value, ensure_ascii=False, check_circular=False))


def nodes(value: Any) -> Iterator[Node]:
    """Yield every element node in a tree, depth first, parents before children.

    A node's children are read after the caller has seen the node, so the
    caller may change or replace them. Only lists and element nodes are
    followed: this walk runs several times per edition.
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
    """Replace every list of nodes in the tree, in place, with ``fn`` of it (to drop or swap nodes).

    Lists are rewritten before their items are visited, so ``fn`` sees the
    items a parent's rewrite kept. A list of nodes is any list that holds a
    dict: pandoc's lists of blocks and inlines, and a few of its others (a
    table cell's parts hold its alignment). ``fn`` is not called on the lists
    that hold none (an element's attributes, its classes, a list's numbering),
    which are most of a tree's lists; nothing it could drop or swap is there.
    """
    stack = [value]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        if item.__class__ is list:
            if item and (
                item[0].__class__ is dict or any(child.__class__ is dict for child in item)
            ):
                item[:] = fn(item)
            extend(reversed(item))
        elif item.__class__ is dict:
            if "t" in item:
                children = item.get("c")
                if children.__class__ is list or children.__class__ is dict:
                    push(children)
            else:  # the document itself, metadata, a citation
                extend(reversed(item.values()))


def attr(node: Node) -> list[Any] | None:
    """Return an element's ``[id, classes, pairs]``, or None for one without attributes."""
    index = _ATTR_INDEX.get(node["t"])
    if index is not None:
        return node["c"][index]  # type: ignore[no-any-return]
    return None


def attrs_anywhere(value: Any) -> Iterator[tuple[str, list[Any]]]:
    """Yield (element type, attr) for every attribute set in a tree, table parts included.

    pandoc's JSON gives tables, their heads, bodies, rows and cells each an
    attribute set; cells and rows are not element nodes, so they are found
    by shape (a list whose first item is an attr) beside the element walk.
    """
    for node in nodes(value):
        found = attr(node)
        if found is not None:
            yield node["t"], found
        if node["t"] == "Table":
            yield from _table_attrs(node["c"][3:])


def _table_attrs(parts: Any) -> Iterator[tuple[str, list[Any]]]:
    stack = [parts]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if _is_attr(item[:1][0] if item else None):
                yield "table part", item[0]
            stack.extend(item)
        elif isinstance(item, dict) and "t" not in item:
            stack.extend(item.values())


def _is_attr(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and isinstance(value[1], list)
        and isinstance(value[2], list)
        and all(isinstance(pair, list) and len(pair) == 2 for pair in value[2])
    )


def pairs(node: Node) -> dict[str, str]:
    """Return the key-value attributes of a Div, Span, Header, Link, Image, ..."""
    found = attr(node)
    return dict(found[2]) if found else {}


def classes(node: Node) -> list[str]:
    found = attr(node)
    return list(found[1]) if found else []


def identifier(node: Node) -> str:
    found = attr(node)
    return found[0] if found else ""


# --- text ----------------------------------------------------------------------------

_QUOTES = {"SingleQuote": ("\u2018", "\u2019"), "DoubleQuote": ("\u201c", "\u201d")}


def stringify(value: Any, notes: bool = False) -> str:
    """Return the plain text of a tree or list of nodes, as pandoc's ``stringify`` does.

    Notes are left out unless ``notes``; raw markup always is; quotes are
    written as the curly quotes pandoc would print; an image counts by its
    description.
    """
    out: list[str] = []

    def go(item: Any) -> None:
        if isinstance(item, list):
            for part in item:
                go(part)
            return
        if not isinstance(item, dict) or "t" not in item:
            return
        kind, content = item["t"], item.get("c", [])
        if kind == "Str":
            out.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif kind in ("Code", "Math"):
            out.append(content[1])
        elif kind == "CodeBlock":
            out.append(content[1] + "\n")
        elif kind in ("RawInline", "RawBlock"):
            return
        elif kind == "Note":
            if notes:
                out.append(" ")
                go(content)
        elif kind == "Quoted":
            left, right = _QUOTES.get(content[0]["t"], ('"', '"'))
            out.append(left)
            go(content[1])
            out.append(right)
        elif kind == "Cite":
            go(content[1])
        elif kind in ("Link", "Image"):
            go(content[1])
        elif kind in ("Span", "Div"):
            go(content[1])
        elif kind in ("Para", "Plain", "Header", "BlockQuote", "LineBlock", "Figure"):
            go(content)
            if kind not in ("Header",) and out and not out[-1].endswith("\n"):
                out.append("\n")
        else:
            go(content)

    go(value)
    return "".join(out)


def words(*values: Any) -> list[str]:
    """Return the words of the text of each tree or list of nodes given, notes included."""
    return [word for value in values for word in stringify(value, notes=True).split()]


def auto_id(inlines: Inlines) -> str:
    """Return the identifier pandoc would make from a heading's text (before de-duplication).

    pandoc's rule: the text without formatting or notes, lower-cased,
    keeping letters, digits, ``_``, ``-`` and ``.``, spaces as hyphens,
    nothing before the first letter.
    """
    text = stringify(inlines).lower()
    kept = "".join(c for c in text if c.isspace() or c.isalnum() or c in "_-.")
    joined = "-".join(kept.split())
    for index, char in enumerate(joined):
        if char.isalpha():
            return joined[index:]
    return ""


def unique_id(base: str, taken: set[str]) -> str:
    """Return ``base`` (or ``section``), suffixed ``-1``, ``-2``... if taken, as pandoc does."""
    base = base or "section"
    if base not in taken:
        return base
    number = 1
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


# --- making nodes --------------------------------------------------------------------


def text_inlines(text: str) -> Inlines:
    """Return plain text as Str and Space inlines (never parsed as Markdown)."""
    inlines: Inlines = []
    for index, word in enumerate(text.split()):
        if index:
            inlines.append({"t": "Space"})
        inlines.append({"t": "Str", "c": word})
    return inlines


def span(inlines: Inlines, ident: str = "", cls: list[str] | None = None, **kv: str) -> Node:
    return {"t": "Span", "c": [[ident, cls or [], [[k, v] for k, v in kv.items()]], inlines]}


def div(blocks: Blocks, ident: str = "", cls: list[str] | None = None, **kv: str) -> Node:
    return {"t": "Div", "c": [[ident, cls or [], [[k, v] for k, v in kv.items()]], blocks]}


def raw_block(fmt: str, text: str) -> Node:
    return {"t": "RawBlock", "c": [fmt, text]}


def depth(value: Any, limit: int) -> int:
    """Return how deeply a tree nests its lists and mappings, counting no further than ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if children and level + 1 > deepest:  # a value inside is one level down
            deepest = level + 1
            if deepest > limit:
                return deepest
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


# --- names that look like restrictions ------------------------------------------------

# Letters that look like Latin ones in common fonts (Cyrillic, Greek, full-width
# forms are handled by NFKC), folded to the Latin letter before names are compared.
_CONFUSABLE = str.maketrans(
    {
        "а": "a", "в": "b", "с": "c", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i",
        "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s",
        "т": "t", "у": "y", "х": "x", "ԁ": "d", "ɡ": "g", "ӏ": "l", "ԝ": "w", "ո": "n",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ı": "i", "ℓ": "l",
    }
)  # fmt: skip


def skeleton(name: str) -> str:
    """Return a name folded for comparison: compatibility forms, case, look-alike letters,
    accents and everything but letters and digits taken out."""
    folded = unicodedata.normalize("NFKC", name).casefold().translate(_CONFUSABLE)
    plain = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in plain if c.isascii() and c.isalnum())
