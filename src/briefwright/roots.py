"""Where a project and its outputs are, known before anything heavy loads."""

from __future__ import annotations

from pathlib import Path


def find_root(start: Path) -> Path | None:
    """Return the nearest folder at or above ``start`` holding briefs/ and sources/."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "briefs").is_dir() and (folder / "sources").is_dir():
            return folder
    return None


def output_dir(root: Path) -> Path:
    """Return the folder a project's editions are built into (build/<brief>/<audience>/)."""
    return root / "build"
