"""The table a build prints of its outputs, and the lines beneath it.

Kept apart from report.py, and light: a build with nothing to do prints it
from its stamp (stamp.py) without loading the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from .log import consoles


@dataclass(frozen=True)
class Row:
    """One output of an edition (or, for a failed edition, its name with ``.*``)."""

    name: str
    pages: str
    size: int | None
    marking: str
    colour: str
    status: str  # "built", "up to date" or "failed"


def size(n: int) -> str:
    """Return a byte count as people read it: KB, or MB from one megabyte."""
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB"


def marking(label: str, colour: str) -> str:
    return f"[bold {colour} on black] {label} [/]"


def print_summary(
    rows: list[Row],
    statuses: list[str],
    folders: list[Path],
    elapsed: float,
    rough: bool,
) -> None:
    """Print the table of outputs, the count of editions by status, and their folders."""
    out, _ = consoles()
    out.print(_table(rows, out.width))
    built = statuses.count("built")
    fresh = statuses.count("up to date")
    failed = len(statuses) - built - fresh
    out.print(
        f"{built} edition(s) built, {fresh} up to date"
        + (f", {failed} failed" if failed else "")
        + f", in {elapsed:.1f} s."
        + (" Files are in:" if folders else "")
    )
    for folder in dict.fromkeys(folders):
        out.print(f"  {shown_path(folder)}", highlight=False)
    if rough:
        out.print(
            "Rough pages are marked ROUGH DRAFT, and never released or emailed.",
            highlight=False,
        )


def _table(rows: list[Row], width: int) -> Table:
    """Return the outputs table, each name shortened in its middle if the width needs it."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    heads = ("Output", "Pages", "Size", "Marking", "Status")
    for column in heads:
        table.add_column(column, justify="right" if column in ("Pages", "Size") else "left")
    cells = [
        (row.pages, size(row.size) if row.size is not None else "", f" {row.marking} ", row.status)
        for row in rows
    ]
    # The other columns keep their width; the names take the rest (two spaces between columns).
    others = [
        max([len(head), *(len(cell[i]) for cell in cells)]) for i, head in enumerate(heads[1:])
    ]
    room = max(20, width - sum(others) - 2 * len(others))
    for row, (pages, shown_size, _, status) in zip(rows, cells, strict=True):
        shown = "[red]failed[/]" if status == "failed" else status
        table.add_row(
            _squeeze(row.name, room), pages, shown_size, marking(row.marking, row.colour), shown
        )
    return table


def _squeeze(name: str, width: int) -> str:
    """Return ``name`` cut in its middle to ``width``, keeping its start and its extension."""
    if len(name) <= width:
        return name
    keep = width - 1
    head = keep * 2 // 5
    return name[:head] + "…" + name[len(name) - (keep - head) :]


def shown_path(path: Path) -> str:
    """Return a path from the working folder when it lies below it, else in full."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)
