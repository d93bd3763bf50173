"""Where a project is: found before anything heavy loads, so a build can start work early."""

from __future__ import annotations

from pathlib import Path


def find_root(start: Path) -> Path | None:
    """Return the nearest folder at or above ``start`` holding briefs/ and sources/."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "briefs").is_dir() and (folder / "sources").is_dir():
            return folder
    return None
