"""Restricted passages, read from pandoc's tree of a section: find them, check them, cut them.

A passage is exactly what pandoc reads as a Div or a Span carrying ``marking``
or ``audience``. Anything else that carries, or looks as if it means to
carry, a restriction (the key on a heading, a link, code or a table; a
near-miss such as ``Marking``, ``markings`` or ``mаrking`` with a Cyrillic
letter; a key given twice; attributes pandoc read as plain text; a raw HTML
tag with such an attribute) is a fault that stops the build: briefwright
never drops a restriction and publishes the text.
"""

from __future__ import annotations

import functools
import html.parser
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from . import tree
from .tree import Blocks, Node

RESTRICTING = ("marking", "audience")
PASSAGE_ELEMENTS = ("Div", "Span")
# Other words for a restriction: a key or class built on one is refused, not ignored.
RESTRICTION_WORDS = ("tlp", "classification", "clearance", "releasability", "caveat")
RESERVED_CLASSES = ("passage", "passage-marked", "passage-audience")
RESERVED_KEYS = ("data-marking",)  # what briefwright gives the passages it keeps
RESERVED_ID = "bw-"  # ids briefwright gives what it adds (render/pdf.py's note anchors)
# A table or chart from data (figures.py) is a passage that keeps what it shows.
FIGURE_CLASSES = ("table", "chart")
FIGURE_ATTRIBUTES = ("data", "columns", "caption", "spec")

ELEMENT_NAMES = {
    "Header": "a heading",
    "CodeBlock": "a code block",
    "Code": "inline code",
    "Link": "a link",
    "Image": "an image",
    "Table": "a table",
    "Figure": "a figure",
    "table part": "a table row or cell",
}
FIX = 'mark a passage as ::: {marking="LABEL"} ... ::: or [text]{marking="LABEL"}'


@dataclass(frozen=True)
class Fault:
    """Something in a section's tree that cannot be placed; ``needle`` finds its line."""

    message: str
    hint: str
    needle: str | None = None
    said: bool = False  # already reported where it lies (a data file that did not load)


@dataclass(frozen=True)
class Passage:
    """A restricted Div or Span: its marking label and the audiences it is limited to."""

    element: str
    marking: str | None
    audiences: tuple[str, ...] | None
    figure: tuple[str, str] | None = None  # a figure div's kind and file: ("chart", "p.vl.yaml")


def resembles(name: str) -> str | None:
    """Return the restricting key (or word) that ``name`` looks like, or None.

    Exact ``marking`` and ``audience`` are not "looks like": they are the keys.
    """
    if name in RESTRICTING:
        return None
    folded = tree.skeleton(name)
    if not folded:
        return None
    for key in RESTRICTING:
        if (
            key in folded
            or (len(folded) >= 3 and key.startswith(folded))
            or (len(folded) >= 4 and _distance(folded, key) <= 2)
        ):
            return key
    for word in RESTRICTION_WORDS:
        if word in folded:
            return word
    return None


def _distance(a: str, b: str) -> int:
    """Return the edit distance of two words, a swap of neighbours counting as one edit."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, rows[-2][j - 2] + 1)
            row.append(best)
        rows.append(row)
    return rows[-1][-1]


def passage(node: Node) -> Passage | None:
    """Return the passage a Div or Span makes, or None when it restricts nothing."""
    if node["t"] not in PASSAGE_ELEMENTS:
        return None
    found = tree.pairs(node)
    if not any(key in found for key in RESTRICTING):
        return None
    audience = found.get("audience")
    names = tuple(audience.replace(",", " ").split()) if audience is not None else None
    kind = next((k for k in FIGURE_CLASSES if k in tree.classes(node)), None)
    file = found.get("spec" if kind == "chart" else "data") if kind else None
    return Passage(node["t"], found.get("marking"), names, (kind, file) if kind and file else None)


def passages(blocks: Any) -> list[Passage]:
    """Return every passage in a tree, outermost first."""
    return [p for node in tree.nodes(blocks) if (p := passage(node)) is not None]


# --- checking --------------------------------------------------------------------------


def check(blocks: Any, labels: Iterable[str] = (), audiences: Iterable[str] = ()) -> list[Fault]:
    """Return every restriction in a section's tree that briefwright cannot honour.

    ``labels`` (the scheme's markings above its lowest) and ``audiences`` (the audience
    names) are what a class, id or attribute value may not name (:func:`_naming`).
    """
    faults: list[Fault] = []
    naming = _naming(tuple(labels), tuple(audiences))
    for element, (ident, names, kv) in tree.attrs_anywhere(blocks):
        faults.extend(_check_attr(element, names, kv))
        faults.extend(naming(ident, names, kv))
        if ident.startswith(RESERVED_ID):
            faults.append(
                Fault(
                    f"the id '{ident}' begins with '{RESERVED_ID}', which is reserved for "
                    "briefwright (the print page's notes use such ids)",
                    "give it another id",
                    ident,
                )
            )
    for node in tree.nodes(blocks):
        kind = node["t"]
        if kind in ("RawBlock", "RawInline"):
            faults.extend(_check_raw(*node["c"]))
        elif kind == "CodeBlock":
            faults.extend(_check_code(node["c"][1]))
        for text in _prose(node):
            faults.extend(_check_text(text))
    return faults


def _words(name: str) -> str:
    """A class, id or value as lower-case words joined by hyphens: "TLP:AMBER" is tlp-amber."""
    parts = (tree.skeleton(part) for part in re.split(r"[\W_]+", name))
    return "-".join(part for part in parts if part)


@functools.lru_cache(maxsize=8)  # one per project's scheme and audiences, for every section
def _naming(
    labels: tuple[str, ...], audiences: tuple[str, ...]
) -> Callable[[str, list[str], list[list[str]]], list[Fault]]:
    """Return a check of one attribute set: a class, id or value that names a restricting
    marking or an audience, where only ``marking=`` and ``audience=`` restrict
    (``{level="TLP:RED"}``, ``::: amber``, ``{.analyst-only}``). The sanitiser would drop
    it and publish the text; whoever wrote it meant a restriction, so it is refused."""
    full = {_words(label) for label in labels}  # tlp-amber-strict: anywhere is a restriction
    alone = {w.split("-", 1)[1] for w in full if "-" in w}  # amber-strict, amber, red
    alone |= {part for w in alone for part in w.split("-")}  # amber and strict alone too
    alone |= {_words(name) for name in audiences}
    alone |= {f"{w}-only" for w in alone}

    def restricts(text: str) -> bool:
        words = _words(text)
        return bool(words) and (words in alone or any(f"-{w}-" in f"-{words}-" for w in full))

    def check(ident: str, names: list[str], kv: list[list[str]]) -> list[Fault]:
        named = [(f"#{ident}", ident)] if ident and restricts(ident) else []
        named += [(f".{name}", name) for name in names if restricts(name)]
        named += [
            (f'{key}="{value}"', value)
            for key, value in kv
            # (a key that looks like a restricting one is refused for that already)
            if key not in RESTRICTING
            and key not in FIGURE_ATTRIBUTES
            and resembles(key) is None
            and restricts(value)
        ]
        return [
            Fault(
                f"'{shown}' names a marking or an audience, but only marking= and audience= "
                "restrict a passage: it would be removed and the text published",
                FIX + ', or audience="name"; or rename it',
                needle,
            )
            for shown, needle in named
        ]

    return check


def _check_attr(element: str, names: list[str], kv: list[list[str]]) -> Iterator[Fault]:
    keys = [key for key, _ in kv]
    for key, value in kv:
        if key in RESTRICTING:
            if element not in PASSAGE_ELEMENTS:
                yield Fault(
                    f"'{key}' on {ELEMENT_NAMES.get(element, element)} cannot be honoured: "
                    "only a fenced div or a span makes a restricted passage",
                    f"put the text in a passage instead: {FIX}",
                    f"{key}=",
                )
            elif keys.count(key) > 1:
                yield Fault(
                    f"'{key}' is given twice on one passage",
                    f'give one {key}=; for several audiences write audience="a b"',
                    f"{key}=",
                )
            elif not value.strip():
                yield Fault(f"'{key}' is empty", f"give it a value, or remove it; {FIX}", key)
        elif key in RESERVED_KEYS:
            yield Fault(f"'{key}' is reserved for briefwright", FIX, key)
        elif (like := resembles(key)) is not None:
            yield _near_miss(key, like, "attribute")
    for name in names:
        if name in RESTRICTING:
            yield Fault(
                f"the class '.{name}' restricts nothing: a restriction is an attribute",
                f'write {name}="..." instead: {FIX}',
                name,
            )
        elif (like := resembles(name)) is not None or name in RESERVED_CLASSES:
            yield _near_miss(name, like or name, "class")


def _near_miss(name: str, like: str, what: str) -> Fault:
    if like in RESTRICTING:
        return Fault(
            f"the {what} '{name}' looks like '{like}' but is not it, so it would restrict nothing",
            f"write '{like}' exactly, in lower case: {FIX}",
            name,
        )
    return Fault(
        f"the {what} '{name}' looks like a restriction, which briefwright cannot honour",
        FIX if like not in RESERVED_CLASSES else f"'{like}' is reserved for briefwright; {FIX}",
        name,
    )


class _TagAttributes(html.parser.HTMLParser):
    """Collect the attribute names of every tag in a piece of raw HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.extend(name for name, _ in attrs)

    handle_startendtag = handle_starttag


def _check_raw(fmt: str, text: str) -> Iterator[Fault]:
    if fmt == "html":
        parser = _TagAttributes()
        parser.feed(text)
        parser.close()
        names = parser.names
    else:  # TeX and the like: any name given a value
        names = [name for name, _ in _assignments(text)]
    for name in names:
        if name in RESTRICTING or resembles(name) is not None:
            yield Fault(
                f"raw {fmt} carries '{name}', which briefwright cannot honour "
                "(raw markup is removed, its text is not)",
                FIX,
                name,
            )


def _check_code(text: str) -> Iterator[Fault]:
    # A fence shifted into code by its indentation publishes the passage as code.
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(":::") and any(_restricting(n) for n, _ in _assignments(stripped)):
            yield Fault(
                "a code block holds what looks like a passage fence, so its text would be "
                "published as code",
                "start the ::: line at the left margin (four spaces make code), or, to show "
                "the syntax, write it without the '='",
                stripped[:40],
            )
            return


def _check_text(text: str) -> Iterator[Fault]:
    # Full-width and other compatibility forms of "=", ":", "{" read as themselves.
    for group in _braced(unicodedata.normalize("NFKC", text)):
        for name, _ in _assignments(group):
            if _restricting(name):
                yield Fault(
                    f"pandoc reads the attributes with '{name}' here as text, not as "
                    "attributes, so the passage they were meant to mark would not be withheld",
                    "put the ::: {...} line on its own, with a blank line before and after, "
                    'and write the attributes as key="value"',
                    name,
                )
                return


def _restricting(name: str) -> bool:
    return name in RESTRICTING or resembles(name) is not None


def _braced(text: str) -> Iterator[str]:
    """Yield what follows each ``{`` up to its ``}`` (or the end of the text)."""
    start = text.find("{")
    while start >= 0:
        end = text.find("}", start + 1)
        yield text[start + 1 : end if end >= 0 else len(text)]
        start = text.find("{", start + 1)


def _assignments(text: str) -> Iterator[tuple[str, int]]:
    """Yield (name, position) for every ``name=`` or ``name:`` in a piece of text, and for
    every class-like ``.name`` or bare word (how pandoc would have read an attribute)."""
    for at, char in enumerate(text):
        if char not in "=:":
            continue
        end = at
        while end > 0 and text[end - 1].isspace():
            end -= 1
        begin = end
        while begin > 0 and not (text[begin - 1].isspace() or text[begin - 1] in "{}=:\"'<>/"):
            begin -= 1
        if begin < end:
            yield text[begin:end], begin
    for word in text.split():
        word = word.strip("{}.#\"'")
        if word in RESTRICTING:
            yield word, text.find(word)


def _prose(node: Node) -> Iterator[str]:
    """Yield the text of each run of inlines a block holds, outside code and raw markup."""
    kind = node["t"]
    if kind in ("Para", "Plain"):
        yield _inline_text(node["c"])
    elif kind == "Header":
        yield _inline_text(node["c"][2])
    elif kind == "LineBlock":
        for line in node["c"]:
            yield _inline_text(line)
    elif kind == "DefinitionList":
        for term, _ in node["c"]:
            yield _inline_text(term)


def _inline_text(inlines: list[Node]) -> str:
    out: list[str] = []
    stack = list(reversed(inlines))
    while stack:
        item = stack.pop()
        kind = item["t"]
        if kind == "Str":
            out.append(item["c"])
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif kind in ("Emph", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            stack.extend(reversed(item["c"]))
        elif kind == "Underline":
            stack.extend(reversed(item["c"]))
        elif kind == "Quoted":
            stack.extend(reversed(item["c"][1]))
        elif kind in ("Span", "Link", "Image"):
            stack.extend(reversed(item["c"][1]))
        elif kind == "Cite":
            stack.extend(reversed(item["c"][1]))
        # Code, Math, raw markup and notes (read as blocks of their own) are not prose.
    return "".join(out)


# --- cutting ----------------------------------------------------------------------------


@dataclass
class Cut:
    """A section's tree as one audience receives it."""

    blocks: Blocks
    markings: list[str]  # the marking labels of the passages it keeps
    withheld: int  # passages taken out


def cut(blocks: Blocks, keep: Callable[[Passage], bool]) -> Cut:
    """Take out of ``blocks``, in place, the passages ``keep`` refuses; return what is left.

    Kept passages lose ``marking`` and ``audience`` and become Divs or Spans
    of class ``passage`` with ``data-marking``, for the layouts to show.
    Give it a copy of a section's tree: other audiences receive the same.
    """
    result = Cut(blocks, [], 0)

    def visit(items: list[Any]) -> list[Any]:
        kept = []
        for item in items:
            found = passage(item) if isinstance(item, dict) and "t" in item else None
            if found is None:
                kept.append(item)
            elif keep(found):
                if found.marking is not None:
                    result.markings.append(found.marking)
                kept.append(_shown(item, found))
            else:
                result.withheld += 1
        return kept

    tree.filter_lists(blocks, visit)
    return result


def _shown(node: Node, found: Passage) -> Node:
    """Return a kept passage as the layouts receive it (a table or chart keeps its data)."""
    ident, classes, pairs = node["c"][0]
    names = ["passage"]
    names += ["passage-marked"] if found.marking else []
    names += ["passage-audience"] if found.audiences is not None else []
    names += [name for name in classes if name in FIGURE_CLASSES]
    shown = [["data-marking", found.marking]] if found.marking else []
    if node["t"] == "Div":  # Word and LibreOffice tell them apart by their styles
        shown.append(["custom-style", "Passage" if found.marking else "Audience Passage"])
    shown += [[k, v] for k, v in pairs if k in FIGURE_ATTRIBUTES]
    node["c"][0] = [ident, names, shown]
    return node
