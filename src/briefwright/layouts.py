"""Where layouts come from: the project's templates/ first, then the built-in ones.

A layout is a folder (``full``, ``one-pager``, ...) holding ``document.md.j2``
and optionally its own CSS, page templates and ``reference.docx``; files it
lacks come from ``_base``. Every lookup goes through one ordered search path,
so a project overrides the built-in files one by one. Every file is resolved
first: one that lies (or links) outside the project or the built-in layouts
is refused, like a source. Templates run in Jinja's sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from .errors import ConfigError

BUILTIN = Path(__file__).parent / "templates"
BASE = "_base"


def search_path(root: Path) -> list[Path]:
    """Return the template folders, project first."""
    own = root / "templates"
    return [own, BUILTIN] if own.is_dir() else [BUILTIN]


def _checked(root: Path, base: Path, path: Path) -> Path:
    """Return ``path`` if it resolves inside the project's templates/ (or the built-in ones).

    Not merely inside the project: a link from templates/ to a section or a
    built edition would let a layout show text that select never saw.
    """
    allowed = BUILTIN.resolve() if base == BUILTIN else (root / "templates").resolve()
    resolved = path.resolve()
    if not resolved.is_relative_to(allowed):
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        raise ConfigError(
            f"{shown}: is a link to a file outside the project's templates/; layouts use only "
            "files inside it (copy the file in instead of linking to it)"
        )
    return resolved


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
                return _checked(root, base, candidate)
    searched = ", ".join(str(base) for base in search_path(root))
    raise jinja2.TemplateNotFound(f"{layout}/{name} (searched {searched})")


def layout_file(root: Path, layout: str, name: str) -> Path | None:
    """Return the layout's own ``name`` (no fallback to ``_base``), if any."""
    for base in search_path(root):
        candidate = base / layout / name
        if candidate.is_file():
            return _checked(root, base, candidate)
    return None


def layout_files(root: Path, layout: str) -> list[Path]:
    """Return every file a layout may use: its own folder and ``_base``, on the search path."""
    files: list[Path] = []
    for folder in (layout, BASE):
        for base in search_path(root):
            if (base / folder).is_dir():
                files.extend(
                    _checked(root, base, p)
                    for p in sorted((base / folder).rglob("*"))
                    if p.is_file()
                )
    return files


class _Loader(jinja2.FileSystemLoader):
    """Jinja's file loader, refusing a template that resolves outside its folder's owner."""

    def __init__(self, root: Path) -> None:
        self.root = root
        super().__init__([str(p) for p in search_path(root)])

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        path = Path(filename)
        base = BUILTIN if path.is_relative_to(BUILTIN) else self.root / "templates"
        _checked(self.root, base, path)
        return source, filename, uptodate


def _finalize(value: object) -> object:
    # StrictUndefined catches missing names; None prints as nothing, not "None".
    return "" if value is None else value


@lru_cache(maxsize=8)
def environment(root: Path) -> jinja2.Environment:
    """Return the one Jinja environment for a project root: sandboxed, strict."""
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=_Loader(root),
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


def render(root: Path, layout: str, name: str, context: dict[str, Any]) -> str:
    """Render one of a layout's templates with a context of plain data."""
    return template(root, layout, name).render(**context)
