"""Redline, alignment: how two runs of a document tree line up before they are compared.

Sections are known by the layouts' ``sec-<section-id>`` ids; other items by
their whole content. What is replaced is paired up by how alike it is (its
words), so that a paragraph rewritten in part is compared word by word and
one replaced whole is not. Inline text is cut into units, a word with the
spaces after it, so that the words, not the gaps between them, are matched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from difflib import SequenceMatcher
from typing import Any

from . import tree
from .tree import Node

SEC = "sec-"
SIMILAR = 0.5  # blocks at least this alike are compared word by word, not replaced
MAX_PAIRING = 10_000  # blocks x blocks: beyond this, a replaced run is not paired up


def section_id(ident: str) -> str | None:
    """Return the section an id stands for (``sec-risks``: ``risks``), or None."""
    return ident[len(SEC) :] if ident.startswith(SEC) and len(ident) > len(SEC) else None


def item_section(item: list[Node]) -> str | None:
    """Return the section a list item stands for: its first span with a ``sec-`` id,
    or else its link of class ``section-ref`` to one (a key point of the full layout)."""
    first = item[0] if item else None
    if first is None or first["t"] not in ("Para", "Plain"):
        return None
    for inline in first["c"]:
        if inline["t"] == "Span":
            found = section_id(inline["c"][0][0])
            if found:
                return found
    for inline in first["c"]:
        if inline["t"] == "Link" and "section-ref" in inline["c"][0][1]:
            target = inline["c"][2][0]
            found = section_id(target[1:]) if target.startswith("#") else None
            if found:
                return found
    return None


# Attributes that say how a div looks or what it stands for, not what it holds: two
# divs that differ only in these are the same div (a layout may restyle its passages;
# a figure's marking, in data-marking, is compared).
_PRESENTATION = {"custom-style", "data-section"}
_SHOWN_AS = {"passage-marked"}


def _content_attr(attr: list[Any]) -> list[Any]:
    classes = [c for c in attr[1] if c not in _SHOWN_AS]
    return [attr[0], classes, [kv for kv in attr[2] if kv[0] not in _PRESENTATION]]


def block_section(block: Node) -> str | None:
    """Return the section a heading or div stands for, by its ``sec-`` id."""
    if block["t"] in ("Header", "Div"):
        return section_id(tree.identifier(block))
    return None


def dump(value: Any) -> str:
    """Return a tree as text to compare: equal trees give equal text.

    A paragraph reads the same whether its list is tight (Plain) or loose (Para): a list
    that gains an item may turn loose, and its other items have not changed.
    """
    return json.dumps(value, ensure_ascii=False).replace('"t": "Plain"', '"t": "Para"')


def words(value: Any) -> list[str]:
    """Return the words of a tree, notes included."""
    return tree.stringify(value, notes=True).split()


def similarity(a: Any, b: Any) -> float:
    """Return how alike two pieces of text are, 0 to 1, by their words."""
    wa, wb = words(a), words(b)
    if not wa and not wb:
        return 1.0
    matcher = SequenceMatcher(None, wa, wb, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return 0.0
    return matcher.ratio()


def pairable(a: Node, b: Node) -> bool:
    if {a["t"], b["t"]} == {"Para", "Plain"}:
        return True  # one paragraph, in a tight list and then a loose one
    if a["t"] != b["t"]:
        return False
    if a["t"] == "Header":
        return bool(a["c"][0] == b["c"][0])
    if a["t"] == "Div":
        return _content_attr(a["c"][0]) == _content_attr(b["c"][0])
    if a["t"] == "Table":
        return len(a["c"][2]) == len(b["c"][2])
    return True


def pair(
    old: list[Any], new: list[Any], score: Callable[[Any, Any], float]
) -> list[tuple[int | None, int | None]]:
    """Align two runs in order, pairing items at least SIMILAR alike; the rest stand alone.

    Returns (old index, new index) steps, either None for an item only one
    side has; what one side lost comes before what the other gained.
    """
    n, m = len(old), len(new)
    if n * m > MAX_PAIRING:
        return [(i, None) for i in range(n)] + [(None, j) for j in range(m)]
    scores = [[score(old[i], new[j]) for j in range(m)] for i in range(n)]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = scores[i][j] + best[i + 1][j + 1] if scores[i][j] >= SIMILAR else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    steps: list[tuple[int | None, int | None]] = []
    i = j = 0
    lost: list[int] = []
    gained: list[int] = []
    while i < n and j < m:
        if scores[i][j] >= SIMILAR and best[i][j] == scores[i][j] + best[i + 1][j + 1]:
            steps += [(k, None) for k in lost] + [(None, k) for k in gained] + [(i, j)]
            lost, gained = [], []
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            lost.append(i)
            i += 1
        else:
            gained.append(j)
            j += 1
    lost += range(i, n)
    gained += range(j, m)
    return steps + [(k, None) for k in lost] + [(None, k) for k in gained]


# --- inline units ----------------------------------------------------------------------

Unit = list[Node]  # a word (or other inline) and the spaces after it

# Inlines whose content is compared inside them when both versions have them alike.
INLINE_PARTS = {
    "Emph": None,
    "Underline": None,
    "Strong": None,
    "Strikeout": None,
    "Superscript": None,
    "Subscript": None,
    "SmallCaps": None,
    "Quoted": 1,
    "Span": 1,
    "Link": 1,
}


def units(inlines: list[Node]) -> list[Unit]:
    """Cut inlines into units: each word (or other inline) with the spaces after it."""
    found: list[Unit] = []
    for node in inlines:
        if node["t"] == "Space" and found and found[-1][0]["t"] != "Space":
            found[-1].append(node)
        else:
            found.append([node])
    return found


def frame(node: Node) -> str | None:
    """Return what an inline is apart from its content, if its content can be compared."""
    kind = node["t"]
    if kind == "Note":
        return "Note"
    if kind not in INLINE_PARTS:
        return None
    index = INLINE_PARTS[kind]
    if index is None:
        return kind
    rest = [part for k, part in enumerate(node["c"]) if k != index]
    return kind + dump(rest)


def short(run: list[Unit]) -> bool:
    """Whether a run is one short word: 'the', 'of', a comma."""
    return len(run) == 1 and len(tree.stringify(run[0]).strip()) <= 3


def cleanup(ops: Sequence[tuple[str, int, int, int, int]], run: list[Unit]) -> list[list[Any]]:
    """Fold a short word that matched between two changes into them ('the', 'of', a comma)."""
    result: list[list[Any]] = [list(op) for op in ops]
    k = 1
    while k < len(result) - 1:
        tag, i1, i2, _, _ = result[k]
        if (
            tag == "equal"
            and result[k - 1][0] != "equal"
            and result[k + 1][0] != "equal"
            and short(run[i1:i2])
        ):
            before, after = result[k - 1], result[k + 1]
            result[k - 1 : k + 2] = [["replace", before[1], after[2], before[3], after[4]]]
            k = max(k - 1, 1)
        else:
            k += 1
    return result


def flat(run: list[Unit]) -> list[Node]:
    """Return a run of units as the inlines they hold."""
    return [node for unit in run for node in unit]


# --- structure ---------------------------------------------------------------------------


def segments(blocks: list[Node]) -> list[tuple[str, list[Node]]]:
    """Cut a document at its top-level headings: each heading and what follows it."""
    found: list[tuple[str, list[Node]]] = [("start", [])]
    for block in blocks:
        if block["t"] == "Header":
            ident = tree.identifier(block) or "heading:" + tree.stringify(block["c"][2])
            found.append((ident, [block]))
        else:
            found[-1][1].append(block)
    return [segment for segment in found if segment[1]]


def heading_text(inlines: list[Node]) -> str:
    """Return a heading's words without its section number."""
    kept = [n for n in inlines if not (n["t"] == "Span" and "secno" in tree.classes(n))]
    return " ".join(tree.stringify(kept).split())


def cells(table: Node) -> Iterator[Any]:
    """Yield every cell of a table: head, bodies and foot."""
    c = table["c"]
    rows = [*c[3][1], *(r for body in c[4] for r in (*body[2], *body[3])), *c[5][1]]
    for row in rows:
        yield from row[1]
