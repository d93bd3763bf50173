"""Redline, the differ: two versions of an edition's tree compared, the changes marked.

What one version lacks is marked as pandoc marks Word's tracked changes: a
span of class ``insertion`` or ``deletion`` with ``author`` and ``date``,
around inlines (a note's text is marked where it stands, as Word keeps it).
Deleted text keeps no id the new text has, so that links find the new text.
The :class:`Differ` walks sections, blocks, list items, table rows and
cells, then words (lined up by ``align``), and counts what it met on the
way: the sections revised and moved.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Literal, cast

from . import tree
from .align import (
    INLINE_PARTS,
    SEC,
    Unit,
    block_section,
    cells,
    cleanup,
    dump,
    flat,
    frame,
    heading_text,
    item_section,
    pair,
    pairable,
    section_id,
    segments,
    similarity,
    units,
)
from .tree import Node

INSERTION, DELETION = "insertion", "deletion"
NOTE = "rl-note"  # words of the redline's own, in neither version
Mode = Literal["tracked", "shown"]


@dataclass(frozen=True)
class Author:
    """Who made the changes and when, as Word shows them: the brief's authors, its date."""

    name: str
    date: str  # ISO 8601, e.g. 2026-12-01T00:00:00Z


@dataclass
class Changes:
    """What a diff found: the sections revised and moved, and whether anything changed."""

    revised: list[str] = field(default_factory=list)  # section ids, as met
    moved: list[str] = field(default_factory=list)
    changed: bool = False
    outside: bool = False  # a change in no section (a figure, the contacts, the front)


class Differ:
    """Compare the two trees of one edition (see the module's docstring)."""

    def __init__(self, who: Author, mode: Mode, new_ids: set[str]) -> None:
        self.who = who
        self.mode = mode
        self.new_ids = new_ids
        self.changes = Changes()
        self.section: str | None = None
        self.quiet = 0  # inside a section number: renumbering is no revision
        self.retired = 0

    # marking ---------------------------------------------------------------------------

    def _changed(self) -> None:
        self.changes.changed = True
        if self.section is None and not self.quiet:
            self.changes.outside = True
        if self.section and not self.quiet and self.section not in self.changes.revised:
            self.changes.revised.append(self.section)

    @contextmanager
    def _in(self, section: str | None) -> Iterator[None]:
        outer = self.section
        self.section = section or outer
        try:
            yield
        finally:
            self.section = outer

    def _span(self, kind: str, inlines: list[Node]) -> list[Node]:
        if not inlines:
            return []
        self._changed()
        notes = [n for n in tree.nodes(inlines) if n["t"] == "Note"]
        for note in notes:  # a note's text lives elsewhere in Word: it is marked there too
            for block in note["c"]:
                self._mark(block, kind)
        return [tree.span(inlines, cls=[kind], author=self.who.name, date=self.who.date)]

    def marked(self, blocks: list[Node], kind: str) -> list[Node]:
        """Return copies of blocks marked wholly inserted or deleted."""
        out = copy.deepcopy(blocks)
        for block in out:
            if kind == DELETION:
                self._retire_ids(block)
            self._mark(block, kind)
        return out

    def _retire_ids(self, block: Node) -> None:
        # Deleted text keeps no id the new text has (links must find the new text);
        # a removed section keeps its own, for the summary's link to it.
        for node in tree.nodes(block):
            found = tree.attr(node)
            if found is None:
                continue
            if found[0] in self.new_ids or (found[0] and not section_id(found[0])):
                found[0] = ""
            if node["t"] == "Header" and not found[0]:
                self.retired += 1
                found[0] = f"rl-deleted-{self.retired}"  # not one pandoc would make from its text

    def _mark(self, block: Node, kind: str) -> None:
        t, c = block["t"], block.get("c")
        c = cast(Any, c)
        if t in ("Para", "Plain"):
            block["c"] = self._span(kind, c)
        elif t == "Header":
            c[2] = self._span(kind, c[2])
        elif t == "LineBlock":
            block["c"] = [self._span(kind, line) for line in c]
        elif t == "CodeBlock":
            # Word tracks runs, not code blocks: the lines become code in a marked paragraph.
            lines: list[Node] = []
            for number, line in enumerate(c[1].split("\n")):
                lines += [{"t": "LineBreak"}] if number else []
                lines.append({"t": "Code", "c": [["", [], []], line]})
            attrs = ["", ["code-change"], [["custom-style", "Source Code"]]]
            block["t"] = "Div"
            block["c"] = [attrs, [{"t": "Para", "c": self._span(kind, lines)}]]
        elif t in ("BulletList", "OrderedList"):
            for item in c if t == "BulletList" else c[1]:
                for inner in item:
                    self._mark(inner, kind)
        elif t in ("BlockQuote",):
            for inner in c:
                self._mark(inner, kind)
        elif t == "Div":
            for inner in c[1]:
                self._mark(inner, kind)
        elif t == "Figure":
            for inner in [*c[1][1], *c[2]]:
                self._mark(inner, kind)
        elif t == "Table":
            for inner in [*c[1][1], *(b for cell in cells(block) for b in cell[4])]:
                self._mark(inner, kind)
        elif t == "DefinitionList":
            for term, definitions in c:
                term[:] = self._span(kind, term)
                for inner in (b for d in definitions for b in d):
                    self._mark(inner, kind)
        elif t == "HorizontalRule":
            self._changed()

    def _both(self, old: Node, new: Node) -> list[Node]:
        return self.marked([old], DELETION) + self.marked([new], INSERTION)

    # the document and its sections ----------------------------------------------------------

    def document(self, old: list[Node], new: list[Node]) -> list[Node]:
        """Compare whole editions: their sections first, then within each."""

        def title(segment: tuple[str, list[Node]]) -> str:
            first = segment[1][0]
            return heading_text(first["c"][2]) if first["t"] == "Header" else "the start"

        return self._sequence(
            segments(old),
            segments(new),
            key=lambda seg: seg[0],
            section=lambda seg: section_id(seg[0]),
            keep=lambda seg: seg[1],
            same=lambda x, y: self.blocks(x[1], y[1]),
            score=lambda x, y: 0.0,
            lost=lambda seg: self.marked(seg[1], DELETION),
            gained=lambda seg: self.marked(seg[1], INSERTION),
            stub=lambda seg, where: [_note_div(f"Moved from here: {where}.", seg[0])],
            label=lambda blocks, was: blocks[:1] + [_note_div(f"Moved here: {was}.")] + blocks[1:],
            title=title,
        )

    def _sequence(
        self,
        old: list[Any],
        new: list[Any],
        *,
        key: Callable[[Any], str],
        section: Callable[[Any], str | None],
        keep: Callable[[Any], list[Any]],
        same: Callable[[Any, Any], list[Any]],
        score: Callable[[Any, Any], float],
        lost: Callable[[Any], list[Any]],
        gained: Callable[[Any], list[Any]],
        stub: Callable[[Any, str], list[Any]] | None = None,
        label: Callable[[list[Any], str], list[Any]] | None = None,
        title: Callable[[Any], str] | None = None,
        alike: Callable[[Any, Any], bool] | None = None,
    ) -> list[Any]:
        """Compare two runs of items (sections, blocks, list items, rows); return the new run.

        Items with the same key are compared inside; of the rest, those alike
        (``score``) are compared inside too, and the others are lost or gained.
        A section whose key is both lost and gained has moved. Each callback
        returns the items that stand for its argument in the result.
        """
        ka, kb = [key(x) for x in old], [key(y) for y in new]
        ops = SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes()
        lost_keys = {ka[i] for tag, i1, i2, _, _ in ops if tag != "equal" for i in range(i1, i2)}
        gained_keys = {kb[j] for tag, _, _, j1, j2 in ops if tag != "equal" for j in range(j1, j2)}
        moved = {k for k in lost_keys & gained_keys if section(old[ka.index(k)])}
        out: list[Any] = []

        def across(x: Any, y: Any) -> float:
            # Two sections are never paired by likeness; an item a section's key does not
            # name yet (in a version written by an older layout) may be, to its section.
            return 0.0 if section(x) and section(y) else score(x, y)

        def compare(x: Any, y: Any) -> list[Any]:
            if dump(x) == dump(y):
                return keep(y)
            with self._in(section(y)):
                return same(x, y)

        def was(y: Any) -> str:
            before = ka.index(key(y))
            after = f"“{title(old[before - 1])}”" if before and title else "nothing"
            return f"in the version compared, it came after {after}"

        for tag, i1, i2, j1, j2 in ops:
            if tag == "equal":
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                    out += compare(old[i], new[j])
                continue
            xs, ys = old[i1:i2], new[j1:j2]
            keyed = any(section(x) for x in xs) or any(section(y) for y in ys)
            if not keyed and len(xs) == len(ys) == 1 and alike is not None and alike(xs[0], ys[0]):
                out += compare(xs[0], ys[0])  # one paragraph for another: word by word
                continue
            for step_old, step_new in pair(xs, ys, across if keyed else score):
                if step_old is not None and step_new is not None:
                    out += compare(xs[step_old], ys[step_new])
                elif step_old is not None:
                    x = xs[step_old]
                    if key(x) in moved and self.mode == "shown" and stub is not None:
                        where = new[kb.index(key(x))]
                        out += stub(x, f"“{title(where) if title else key(x)}”")
                    else:
                        with self._in(None if key(x) in moved else section(x)):
                            out += lost(x)
                elif step_new is not None:
                    y = ys[step_new]
                    if key(y) not in moved:
                        with self._in(section(y)):
                            out += gained(y)
                        continue
                    self.changes.moved.append(section(y) or key(y))
                    self.changes.changed = True
                    if self.mode == "tracked" or label is None:
                        out += gained(y)  # moved, not revised: no section is in scope
                    else:
                        out += label(compare(old[ka.index(key(y))], y), was(y))
        return out

    # blocks -------------------------------------------------------------------------

    def blocks(self, old: list[Node], new: list[Node]) -> list[Node]:
        """Compare two runs of blocks; return the new run with the changes marked."""
        return self._sequence(
            old,
            new,
            key=lambda b: f"{SEC}{block_section(b)}" if block_section(b) else dump(b),
            section=block_section,
            keep=lambda b: [b],
            same=self.block,
            score=lambda x, y: similarity(x, y) if pairable(x, y) else 0.0,
            lost=lambda b: self.marked([b], DELETION),
            gained=lambda b: self.marked([b], INSERTION),
            alike=pairable,
        )

    def block(self, a: Node, b: Node) -> list[Node]:
        """Compare two versions of one block (alike in kind); return the new one marked."""
        t = a["t"]
        if not pairable(a, b):
            return self._both(a, b)
        ca, cb = cast(Any, a.get("c")), cast(Any, b.get("c"))
        if t in ("Para", "Plain"):
            return [{"t": b["t"], "c": self.inlines(ca, cb)}]
        if t == "Header":
            return [{"t": t, "c": [cb[0], cb[1], self.inlines(ca[2], cb[2])]}]
        if t == "BulletList":
            return [{"t": t, "c": self.items(ca, cb)}]
        if t == "OrderedList":
            return [{"t": t, "c": [cb[0], self.items(ca[1], cb[1])]}]
        if t == "BlockQuote":
            return [{"t": t, "c": self.blocks(ca, cb)}]
        if t == "Div":  # a div standing for a section's summary (the bottom line) is in it
            with self._in(tree.pairs(b).get("data-section")):
                return [{"t": t, "c": [cb[0], self.blocks(ca[1], cb[1])]}]
        if t == "Figure" and ca[0] == cb[0]:
            caption = [cb[1][0], self.blocks(ca[1][1], cb[1][1])]
            return [{"t": t, "c": [cb[0], caption, self.blocks(ca[2], cb[2])]}]
        if t == "Table":
            return [self.table(a, b)]
        if t == "LineBlock" and len(ca) == len(cb):
            return [{"t": t, "c": [self.inlines(x, y) for x, y in zip(ca, cb, strict=True)]}]
        return self._both(a, b)

    def items(self, old: list[list[Node]], new: list[list[Node]]) -> list[list[Node]]:
        """Compare the items of two lists: each item a run of blocks."""
        return self._sequence(
            old,
            new,
            key=lambda item: f"{SEC}{item_section(item)}" if item_section(item) else dump(item),
            section=item_section,
            keep=lambda item: [item],
            same=lambda x, y: [self.blocks(x, y)],
            score=similarity,
            lost=lambda item: [self.marked(item, DELETION)],
            gained=lambda item: [self.marked(item, INSERTION)],
            stub=lambda item, where: [[_note_para(f"Moved from here: {where}.")]],
            label=lambda items, was: [[*items[0], _note_para(f"Moved here: {was}.")]],
            title=lambda item: heading_text(item[0]["c"]) if item else "",
            alike=lambda x, y: True,
        )

    def table(self, a: Node, b: Node) -> Node:
        """Compare two tables of as many columns: caption, then row by row, cell by cell."""
        ca, cb = a["c"], b["c"]
        if len(ca[4]) != len(cb[4]):
            return tree.div(self._both(a, b))
        caption = [cb[1][0], self.blocks(ca[1][1], cb[1][1])]
        head = [cb[3][0], self.rows(ca[3][1], cb[3][1])]
        bodies = [
            [y[0], y[1], self.rows(x[2], y[2]), self.rows(x[3], y[3])]
            for x, y in zip(ca[4], cb[4], strict=True)
        ]
        foot = [cb[5][0], self.rows(ca[5][1], cb[5][1])]
        return {"t": "Table", "c": [cb[0], caption, cb[2], head, bodies, foot]}

    def rows(self, old: list[Any], new: list[Any]) -> list[Any]:
        """Compare two runs of table rows; rows alike are compared cell by cell."""

        def same(x: Any, y: Any) -> list[Any]:
            cells = [
                [*cy[:4], self.blocks(cx[4], cy[4])] for cx, cy in zip(x[1], y[1], strict=True)
            ]
            return [[y[0], cells]]

        def score(x: Any, y: Any) -> float:
            if len(x[1]) != len(y[1]):
                return 0.0  # never paired: a row of other cells is replaced whole
            alike = sum(dump(cx[4]) == dump(cy[4]) for cx, cy in zip(x[1], y[1], strict=True))
            return max(alike / max(len(x[1]), 1), similarity(x[1], y[1]))

        return self._sequence(
            old,
            new,
            key=dump,
            section=lambda row: None,
            keep=lambda row: [row],
            same=same,
            score=score,
            lost=lambda row: [self._row(row, DELETION)],
            gained=lambda row: [self._row(row, INSERTION)],
            alike=lambda x, y: len(x[1]) == len(y[1]),
        )

    def _row(self, row: Any, kind: str) -> Any:
        cells = [[*cell[:4], self.marked(cell[4], kind)] for cell in row[1]]
        return [row[0], cells]

    # inlines ----------------------------------------------------------------------------

    def inlines(self, old: list[Node], new: list[Node]) -> list[Node]:
        """Compare two runs of inlines word by word; return the new run with changes marked."""
        a, b = units(old), units(new)
        ka = [dump(u[0]) for u in a]
        kb = [dump(u[0]) for u in b]
        ops = cleanup(SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes(), a)
        out: list[Node] = []
        for tag, i1, i2, j1, j2 in ops:
            if tag == "equal":
                for ua, ub in zip(a[i1:i2], b[j1:j2], strict=True):
                    out += [ub[0], *self._spaces(ua[1:], ub[1:])]
            elif tag == "delete":
                out += self._lost_inlines(flat(a[i1:i2]))
            elif tag == "insert":
                out += self._span(INSERTION, flat(b[j1:j2]))
            else:
                out += self._replace(a[i1:i2], b[j1:j2])
        return out

    def _lost_inlines(self, inlines: list[Node]) -> list[Node]:
        inlines = copy.deepcopy(inlines)
        for node in inlines:
            self._retire_ids(node)
        return self._span(DELETION, inlines)

    def _spaces(self, old: list[Node], new: list[Node]) -> list[Node]:
        if len(old) == len(new):
            return new
        return self._lost_inlines(old) + self._span(INSERTION, new)

    def _replace(self, old: list[Unit], new: list[Unit]) -> list[Node]:
        if len(old) != len(new):
            return self._lost_inlines(flat(old)) + self._span(INSERTION, flat(new))
        out: list[Node] = []
        lost: list[Unit] = []
        gained: list[Unit] = []

        def flush() -> None:
            out.extend(self._lost_inlines(flat(lost)) + self._span(INSERTION, flat(gained)))
            lost.clear()
            gained.clear()

        for ua, ub in zip(old, new, strict=True):
            shape = frame(ua[0])
            if shape is not None and shape == frame(ub[0]):
                flush()
                out += [self._inside(ua[0], ub[0]), *self._spaces(ua[1:], ub[1:])]
            else:
                lost.append(ua)
                gained.append(ub)
        flush()
        return out

    def _inside(self, a: Node, b: Node) -> Node:
        """Compare two inlines alike but for their content (two links to one place, ...)."""
        if a["t"] == "Note":
            return {"t": "Note", "c": self.blocks(a["c"], b["c"])}
        index = INLINE_PARTS[a["t"]]
        # A section's number, and a key point's link to it: renumbering is no revision.
        secno = a["t"] in ("Span", "Link") and bool({"secno", "section-ref"} & set(tree.classes(a)))
        self.quiet += secno
        try:
            if index is None:
                return {"t": a["t"], "c": self.inlines(a["c"], b["c"])}
            content = list(b["c"])
            content[index] = self.inlines(a["c"][index], b["c"][index])
            return {"t": a["t"], "c": content}
        finally:
            self.quiet -= secno


def _note_para(text: str, target: str | None = None) -> Node:
    inlines = tree.text_inlines(text)
    if target:
        inlines = [{"t": "Link", "c": [["", [], []], inlines, [f"#{target}", ""]]}]
    return {"t": "Para", "c": [tree.span(inlines, cls=[NOTE])]}


def _note_div(text: str, target: str | None = None) -> Node:
    return tree.div([_note_para(text, target)], cls=[NOTE])
