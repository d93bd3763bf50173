"""What the stylesheets need to know about lists and tables that pandoc's HTML does not say.

pandoc writes an ordered list's type and start as HTML attributes, and its
delimiter (``(a)``, ``a)``) not at all; WeasyPrint reads ``type`` through
the print stylesheet's attribute selectors but cannot read ``start``. A list
written with parentheses, or starting elsewhere than 1, therefore gets a
wrapper that says so.

CSS cannot count a table's columns or rows either: each table gets classes
for its width (``wide``, ``widest``: smaller type, a landscape page) and for
whether it is short enough to keep on one page (``short``). Where the
columns' longest words may not fit across the page side by side, the cells
of the columns that hold the longest (or, if that is not enough, every cell)
get ``break-anywhere``: their words may break between any two characters,
rather than the table run off the page. Elsewhere a word breaks only where
it is wider than its column, which also keeps WeasyPrint from measuring
every cell a character at a time. A table whose columns pandoc gave equal
widths (a pipe table whose separator dashes are all alike says nothing about
widths; pandoc shares the width out evenly once any of its lines is long)
gets widths from its content instead, as a browser's automatic layout
would: every format then sizes it alike, the DOCX included.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..tree import Node, attr, div, filter_lists, nodes, stringify

# Classes of the wrapper of an ordered list written with parentheses, and of its numbers
# (browsers match ``ol[type=a]`` and ``ol[type=A]`` alike: the wrapper says which).
DELIMITERS = {"OneParen": "list-paren", "TwoParens": "list-parens"}
STYLES = {
    "LowerAlpha": "list-lower-alpha",
    "UpperAlpha": "list-upper-alpha",
    "LowerRoman": "list-lower-roman",
    "UpperRoman": "list-upper-roman",
}
LIST_START = "list-start"  # the wrapper's counter-reset says where numbering starts

WIDE = 7  # columns from which a table is set smaller
WIDEST = 11  # columns from which a table is set on a landscape page
SHORT_ROWS = 12  # a table of at most this many body rows...
SHORT_TEXT = 1500  # ...and characters of text is kept on one page
# About how many characters of table text fit across a page: where a table's
# content is wider, columns share what is left beyond their longest words.
LINE = 100
PADDING = 3  # what a cell's padding takes, in characters
# Capitals, bold headers and wide letters (m, w) make a word wider than its count of
# characters says; a column narrower than its longest word would break that word.
WORD = 1.15
# A table whose columns' longest words take more than this share of the line may not fit
# (the estimate in characters is rough, and a table that runs off the page loses columns):
# the columns whose longest word is longer than LONG_WORD characters break their words
# anywhere, or every column does if those are not enough.
TIGHT = 0.8
LONG_WORD = 20
ANYWHERE = "break-anywhere"  # the class of a cell whose words may break anywhere
BREAKS = re.compile(r"[ \t\n\r\f]+")  # the white space a line may break at


def prepare(doc: Node) -> None:
    """Mark the tree's ordered lists and tables for the stylesheets (changes ``doc``)."""
    for table in _tables(doc["blocks"]):
        _mark_table(table)  # first: a heading goes with the widest of them (below)
    wrap = _list_wrapper()
    filter_lists(doc["blocks"], lambda items: _lead_to_landscape(wrap(items)))


LANDSCAPE_LEAD = "landscape-lead"  # a heading that goes with the landscape table under it


def _lead_to_landscape(blocks: list[Any]) -> list[Any]:
    """Give a section's heading and marking chip the landscape page of its first block,
    the widest of tables: a heading is not left alone on the page before it."""
    for index, block in enumerate(blocks):
        if not _starts_landscape(block):
            continue
        for lead in reversed(blocks[:index]):
            found = attr(lead) if lead.get("t") in ("Header", "Div") else None
            if found is None or (lead["t"] == "Div" and "section-marking" not in found[1]):
                break
            found[1] = [*found[1], LANDSCAPE_LEAD]
    return blocks


def _starts_landscape(block: Any) -> bool:
    if block.__class__ is not dict or block.get("t") != "Div":
        return False
    if "section-body" not in block["c"][0][1]:
        return False
    first: Any = next(iter(block["c"][1]), None)
    return first is not None and first["t"] == "Table" and "widest" in first["c"][0][1]


def _list_wrapper() -> Callable[[list[Any]], list[Any]]:
    """Return a rewrite of a list of nodes (for filter_lists) that wraps each ordered list
    with parentheses or another start than 1 in a Div saying so."""
    seen: set[int] = set()  # a wrapped list is met again inside its wrapper

    def wrap(items: list[Any]) -> list[Any]:
        out = []
        for item in items:
            if item.__class__ is dict and item.get("t") == "OrderedList" and id(item) not in seen:
                seen.add(id(item))
                start, numbers, delimiter = item["c"][0]
                names = []
                if delimiter["t"] in DELIMITERS:
                    names += [DELIMITERS[delimiter["t"]], STYLES.get(numbers["t"], "list-decimal")]
                reset = {}
                if start != 1:
                    names.append(LIST_START)
                    reset["style"] = f"counter-reset: list-item {start - 1}"
                if names:
                    out.append(div([item], cls=["list", *names], **reset))
                    continue
            out.append(item)
        return out

    return wrap


def _tables(value: Any) -> list[Node]:
    """Return every table in the tree, nested ones included."""
    return [node for node in nodes(value) if node["t"] == "Table"]


def _mark_table(table: Node) -> None:
    """Give a table its classes and, where pandoc shared its width out evenly, column widths."""
    attr, _, colspecs, head, bodies, foot = table["c"]
    columns = len(colspecs)
    head_rows, body_rows = head[1], [row for body in bodies for row in body[2] + body[3]]
    rows = head_rows + body_rows + foot[1]
    names = []
    if columns >= WIDEST:
        names.append("widest")
    elif columns >= WIDE:
        names.append("wide")
    texts = {id(cell): stringify(cell[4]) for row in rows for cell in row[1]}
    if len(body_rows) <= SHORT_ROWS and sum(map(len, texts.values())) <= SHORT_TEXT:
        names.append("short")
    least, most = _extents(rows, columns, texts)
    attr[1] = [*attr[1], *(name for name in names if name not in attr[1])]
    breaking = _breaking(least)
    for cell, spanned in _cells(rows, columns):
        if breaking & spanned and ANYWHERE not in cell[0][1]:
            cell[0][1] = [*cell[0][1], ANYWHERE]
    widths = [spec[1].get("c") for spec in colspecs]
    if columns > 1 and None not in widths and max(widths) - min(widths) < 1e-9:
        for spec, width in zip(colspecs, _content_widths(least, most), strict=True):
            spec[1] = {"t": "ColWidth", "c": width}


def _cells(rows: list[Any], columns: int) -> Iterator[tuple[list[Any], set[int]]]:
    """Yield each cell of ``rows`` with the columns it spans (cells above may span rows)."""
    covered = [0] * columns  # rows still taken up by a cell above that spans rows
    for row in rows:
        column = 0
        for cell in row[1]:
            while column < columns and covered[column]:
                column += 1
            rowspan, colspan = cell[2], cell[3]
            spanned = range(column, min(column + colspan, columns))
            yield cell, set(spanned)
            for taken in spanned:
                covered[taken] = rowspan
            column += colspan
        covered = [max(0, n - 1) for n in covered]


def _extents(rows: list[Any], columns: int, texts: dict[int, str]) -> tuple[list[int], list[int]]:
    """Return, in characters, what each column needs (its longest word) and would like.

    What it would like is its longest cell on one line; padding included.
    ``texts`` holds each cell's text, by the cell's ``id()``.
    """
    least = [PADDING + 1] * columns
    most = [PADDING + 1] * columns
    for cell, spanned in _cells(rows, columns):
        if not spanned:
            continue
        # Words as a line breaks them: a no-break space (U+00A0, pandoc's "\ ") or a
        # narrow one joins two words into one.
        text = BREAKS.split(texts[id(cell)].strip())
        longest = PADDING + math.ceil(max(len(word) for word in text) * WORD)
        if len(spanned) == 1:
            (column,) = spanned
            least[column] = max(least[column], longest)
            most[column] = max(most[column], PADDING + len(" ".join(text)))
        else:  # a cell over several columns needs its longest word across them
            for column in spanned:
                least[column] = max(least[column], math.ceil(longest / len(spanned)))
    return least, most


def _breaking(least: list[int]) -> set[int]:
    """Return the columns whose words must be free to break anywhere for the table to fit."""
    if sum(least) <= TIGHT * LINE:
        return set()
    longest = {i for i, n in enumerate(least) if n > PADDING + LONG_WORD * WORD}
    rest = sum(n for i, n in enumerate(least) if i not in longest)
    if longest and rest + len(longest) * (PADDING + 1) <= TIGHT * LINE:
        return longest
    return set(range(len(least)))


def _content_widths(least: list[int], most: list[int]) -> list[float]:
    """Return column widths (fractions of the table's) from what each column needs and likes.

    As CSS's automatic table layout does: each column needs its longest word
    and would like its longest cell on one line; when the table cannot give
    every column that, each gets its longest word and a share of the rest in
    proportion to what it would like beyond it.
    """
    low, high = sum(least), sum(most)
    if high <= LINE:
        wanted = [float(n) for n in most]
    elif low >= LINE:
        wanted = [float(n) for n in least]
    else:
        share = (LINE - low) / (high - low)
        wanted = [lo + (hi - lo) * share for lo, hi in zip(least, most, strict=True)]
    total = sum(wanted)
    return [round(n / total, 4) for n in wanted]
