"""Where a section's notes and link references are defined, checked against its passages.

pandoc attaches a note's text, and a link reference's address and title,
where they are used, wherever they are defined; its tree does not say where
the definition was. A second reading of the body, with each definition's
opening made a word of its own (:func:`probe`), says so.
"""

from __future__ import annotations

import re
from typing import Any

from . import figures, passages, readings
from .reader import Reader, line_of

# The opening of a note's or a link's definition, "[^label]:" or "[label]:", at the start
# of a line or after what may open one (indentation, quote and list markers).
DEFINITION = re.compile(
    r"^(?P<lead>(?:[ \t>]|[-*+][ \t]|\(?[0-9A-Za-z#@]{1,9}[.)][ \t])*)"
    r"\[(?P<label>\^?[^\]\n]+)\]:",
    re.M,
)
PROBE = "BWDEFINITION"


def check(
    reader: Reader,
    rel: str,
    body: str,
    body_line: int,
    probed: tuple[str | None, list[str]],
    read: list[Any] | str | None = None,
) -> None:
    """Refuse a definition that would carry a passage's text or links out of it.

    pandoc attaches a note's text, and a link reference's address and title,
    where they are used, wherever they are defined: a definition inside a
    passage (or a table or chart from data) would reach audiences the passage
    is withheld from. pandoc's tree does not say where a definition was; a
    second reading, with each definition's opening made a word of its own,
    does: that word lands in whatever held the definition, and each use of a
    note, now undefined, stays in place as text. So: a note defined in a
    passage must be used only inside it; a link reference may not be defined
    in one; and no note is defined twice (pandoc would take the last).
    ``probed`` is :func:`probe` of the body; ``read``, pandoc's reading of its
    text, if it was read already.
    """
    text, labels = probed
    if text is None:
        return
    if read is None:  # not asked for with the sections' reading
        read = readings.read_texts(reader.root, [text], rel)[0]
    if isinstance(read, str):  # unchecked, a definition could carry text out of a passage
        reader.problems.error(
            rel,
            None,
            f"where its notes and link references are defined cannot be checked: {read}",
            "simplify the text around its note and link definitions",
        )
        return
    defined: dict[str, list[list[int]]] = {}
    referred: dict[str, list[list[int]]] = {}
    for node, within in _with_passages(read):
        if node["t"] != "Str":
            continue
        word = node["c"]
        if word.startswith(PROBE) and word[len(PROBE) :].isdigit():
            defined.setdefault(labels[int(word[len(PROBE) :])], []).append(within)
        for label in labels:
            if label.startswith("^") and f"[{label}]" in word:
                referred.setdefault(label, []).append(within)
    for label, places in defined.items():
        line = line_of(body, f"[{label}]:", body_line)
        if label.startswith("^") and len(places) > 1:
            reader.problems.error(
                rel,
                line,
                f"note [{label}] is defined {len(places)} times (pandoc would print the last)",
                "give each note its own label",
            )
        elif label.startswith("^") and any(
            not set(around) <= set(place) for around in places for place in referred.get(label, [])
        ):
            reader.problems.error(
                rel,
                line,
                f"note [{label}] is defined inside a restricted passage but referred to "
                "outside it, so its text would reach audiences the passage is withheld from",
                "move the definition out of the passage, or the reference into it",
            )
        elif not label.startswith("^") and any(places[0]):
            reader.problems.error(
                rel,
                line,
                f"link reference [{label}] is defined inside a restricted passage, so a link "
                "outside it would carry its address and title to audiences it is withheld from",
                "write the link inline, [text](address), or define it outside the passage",
            )


def probe(body: str) -> tuple[str | None, list[str]]:
    """Return the body with each definition's opening made a word of its own, and their
    labels in order; None for a body without definitions."""
    labels: list[str] = []

    def mark(match: re.Match[str]) -> str:
        labels.append(match["label"])
        return f"{match['lead']}{PROBE}{len(labels) - 1} "

    text = DEFINITION.sub(mark, body)
    return (text if labels else None), labels


def may_hold_passages(body: str) -> bool:
    """Whether pandoc may read a div or span in ``body`` (attributes, a fence, raw HTML).

    Only says which second readings to ask for early; a body it passes over is
    read again when its tree asks for it.
    """
    return any(mark in body for mark in ("{", ":::", "<"))


def _with_passages(blocks: list[Any]) -> list[tuple[dict[str, Any], list[int]]]:
    """Return every node with the ids (``id()``) of the passages (and figures) that hold it."""
    out: list[tuple[dict[str, Any], list[int]]] = []
    stack: list[tuple[Any, list[int]]] = [(blocks, [])]
    while stack:
        item, within = stack.pop()
        if isinstance(item, list):
            stack.extend((part, within) for part in reversed(item))
        elif isinstance(item, dict) and "t" in item:
            out.append((item, within))
            restricted = passages.passage(item) is not None or figures.kind(item) is not None
            inner = [*within, id(item)] if restricted else within
            content = item.get("c")
            if isinstance(content, list | dict):
                stack.append((content, inner))
        elif isinstance(item, dict):
            stack.extend((value, within) for value in item.values())
    return out
