"""Where layouts come from: the project's templates/ first, then the built-in ones.

A layout is a folder (``full``, ``one-pager``, ...) holding ``document.md.j2``
and optionally its own CSS, page templates and ``reference.docx``; files it
lacks come from ``_base``. Every lookup goes through one ordered search path,
so a project overrides the built-in files one by one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

BUILTIN = Path(__file__).parent / "templates"
BASE = "_base"


def search_path(root: Path) -> list[Path]:
    """Return the template folders, project first."""
    own = root / "templates"
    return [own, BUILTIN] if own.is_dir() else [BUILTIN]


def available(root: Path) -> list[str]:
    """Return the names of the layouts a project can use."""
    names = {
        child.name
        for base in search_path(root)
        for child in base.iterdir()
        if child.is_dir()
        and not child.name.startswith(("_", "."))
        and (child / "document.md.j2").is_file()
    }
    return sorted(names)


def find_file(root: Path, layout: str, name: str) -> Path:
    """Return the first ``<layout>/<name>``, else ``_base/<name>``, on the search path."""
    for folder in (layout, BASE):
        for base in search_path(root):
            candidate = base / folder / name
            if candidate.is_file():
                return candidate
    searched = ", ".join(str(base) for base in search_path(root))
    raise jinja2.TemplateNotFound(f"{layout}/{name} (searched {searched})")


def layout_file(root: Path, layout: str, name: str) -> Path | None:
    """Return the layout's own ``name`` (no fallback to ``_base``), if any."""
    for base in search_path(root):
        candidate = base / layout / name
        if candidate.is_file():
            return candidate
    return None


def layout_files(root: Path, layout: str) -> list[Path]:
    """Return every file a layout may use: its own folder and ``_base``, on the search path."""
    files: list[Path] = []
    for folder in (layout, BASE):
        for base in search_path(root):
            if (base / folder).is_dir():
                files.extend(p for p in sorted((base / folder).rglob("*")) if p.is_file())
    return files


def _finalize(value: object) -> object:
    # StrictUndefined catches missing names; None prints as nothing, not "None".
    return "" if value is None else value


@lru_cache(maxsize=8)
def environment(root: Path) -> jinja2.Environment:
    """Return the one Jinja environment for a project root."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path(root)]),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2", "xml"), default_for_string=False
        ),
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    return env


def template(root: Path, layout: str, name: str) -> jinja2.Template:
    """Return the layout's template ``name``, falling back to ``_base``."""
    env = environment(root)
    try:
        return env.select_template([f"{layout}/{name}", f"{BASE}/{name}"])
    except jinja2.TemplatesNotFound:
        searched = ", ".join(str(p) for p in search_path(root))
        raise jinja2.TemplateNotFound(f"{layout}/{name} (searched {searched})") from None
