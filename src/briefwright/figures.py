"""Tables and charts from data, as a section's tree names them: check them, mark them.

``::: {.table data="pledges.csv" columns="country,troops" caption="..."}`` and
``::: {.chart spec="pledges.vl.yaml" caption="..."}`` (its text the chart's
description) are divs that the render stage turns into a real table or
figure. Here, at load, each is checked against the collection's ``data/``
and given the marking of the data it shows: the highest of its data files'
markings and of any ``marking`` it carries itself. It is then a restricted
passage like any other, withheld whole (values, caption, description, source
line, file names) from an audience that may not receive that marking.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import tree
from .data import ChartSpec, DataFile, Folder
from .markings import Level, Scheme
from .passages import FIGURE_ATTRIBUTES, Fault
from .tree import Node

ATTRIBUTES = FIGURE_ATTRIBUTES  # kept on these divs by the sanitiser and by passages.cut


def kind(node: Node) -> str | None:
    """Return "table" or "chart" for a div that names data or a chart, else None."""
    if node["t"] != "Div":
        return None
    names, found = tree.classes(node), tree.pairs(node)
    if "chart" in names:
        return "chart"
    if "table" in names and "data" in found:
        return "table"
    return None


@dataclass(frozen=True)
class Figure:
    """A table or chart div, resolved: what it shows and from which files."""

    kind: str
    caption: str | None
    data: tuple[DataFile, ...]
    chart: ChartSpec | None = None
    columns: tuple[str, ...] = ()


def resolve(node: Node, found: Folder) -> Figure | Fault:
    """Return what a table or chart div shows, or the fault that stops it."""
    attrs = tree.pairs(node)
    if kind(node) == "chart":
        name = attrs.get("spec", "").strip()
        chart = found.charts.get(name)
        if chart is None:
            known = ", ".join(sorted(found.charts)) or "none"
            return Fault(
                f"chart '{name}' is not a specification in data/"
                if name
                else "a .chart names no spec",
                f'write ::: {{.chart spec="name.vl.yaml"}}, a file of data/ (found: {known})',
                name or ".chart",
                said=name in found.broken,
            )
        if not tree.stringify(node["c"][1]).strip():
            return Fault(
                f"chart '{name}' has no description",
                "write, inside the div, what the chart shows for readers who cannot see it",
                name,
            )
        tables = tuple(found.data[file] for file in chart.data)
        caption = attrs.get("caption") or chart.spec.get("title") or tables[0].title
        return Figure("chart", _text(caption), tables, chart)
    name = attrs["data"].strip()
    table = found.data.get(name)
    if table is None:
        known = ", ".join(sorted(found.data)) or "none"
        return Fault(
            f"data file '{name}' is not in data/",
            f"name a file of sources/<collection>/data/ (found: {known})",
            name,
            said=name in found.broken,
        )
    columns = tuple(c.strip() for c in attrs.get("columns", "").split(",") if c.strip())
    unknown = [c for c in columns if c not in table.columns]
    if unknown:
        return Fault(
            f"data file '{name}' has no column '{unknown[0]}'",
            "expected one of " + ", ".join(table.columns),
            unknown[0],
        )
    if tree.stringify(node["c"][1]).strip():
        return Fault(
            f"the .table div for '{name}' holds text, which a table from data cannot show",
            "leave the div empty; write any comment in a paragraph after it",
            name,
        )
    caption = attrs.get("caption") or table.title
    return Figure("table", _text(caption), (table,), None, columns or table.columns)


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def check(blocks: Any, found: Folder, scheme: Scheme) -> list[Fault]:
    """Check every table and chart div of a body; mark each with the marking of its data."""
    faults: list[Fault] = []
    for node in tree.nodes(blocks):
        if kind(node) is None:
            continue
        figure = resolve(node, found)
        if isinstance(figure, Fault):
            faults.append(figure)
            continue
        _mark(node, figure, scheme)
    return faults


def _mark(node: Node, figure: Figure, scheme: Scheme) -> None:
    """Give the div the highest marking of its own and of the data it shows."""
    attr = tree.attr(node)
    assert attr is not None
    own = scheme.get(tree.pairs(node).get("marking", ""))
    levels: list[Level] = [t.marking for t in figure.data if t.marking is not None]
    top = scheme.highest([*levels, *([own] if own else [])])
    if top is not None:
        attr[2] = [[k, v] for k, v in attr[2] if k != "marking"] + [["marking", top.label]]


def with_default(blocks: Any, found: Folder, default: Level | None, scheme: Scheme) -> list[str]:
    """Mark, in place, each figure whose data has no marking with the brief's marking.

    A data file without a sidecar ``marking`` is marked as the brief marks
    what gives no marking of its own (DESIGN.md), not left unmarked. Returns
    the names of data files that have no marking where the brief gives none:
    never assumed public, they are an error.
    """
    unmarked: list[str] = []
    for node in tree.nodes(blocks):
        if kind(node) is None:
            continue
        figure = resolve(node, found)
        if isinstance(figure, Fault):
            continue
        bare = [t for t in figure.data if t.marking is None]
        if not bare:
            continue
        if default is None:
            unmarked.extend(t.name for t in bare)
            continue
        own = scheme.get(tree.pairs(node).get("marking", ""))
        top = scheme.highest([default, *([own] if own else [])])
        assert top is not None
        attr = tree.attr(node)
        assert attr is not None
        attr[2] = [[k, v] for k, v in attr[2] if k != "marking"] + [["marking", top.label]]
    return unmarked


def files(blocks: Any, found: Folder) -> Iterator[Any]:
    """Yield the data and chart files that the figures of a (received) tree show."""
    for node in tree.nodes(blocks):
        if kind(node) is not None:
            figure = resolve(node, found)
            if isinstance(figure, Figure):
                for table in figure.data:
                    yield from table.files
                if figure.chart is not None:
                    yield figure.chart.path
