"""Assemble stage: a layout's Jinja template writes one pandoc Markdown document.

Source text reaches the template as data (strings in the context); it is
never compiled as a template itself, so ``{{ 7*7 }}`` in a section stays
literal.
"""

from __future__ import annotations

import logging
from typing import Any

import jinja2

from . import __version__, layouts
from .errors import BuildError
from .models import Edition

log = logging.getLogger(__name__)

KICKERS = {"summary": "Brief for", "full": "Prepared for"}


def context(edition: Edition) -> dict[str, Any]:
    """Return the names every layout template may use."""
    brief = edition.brief
    return {
        "brief": brief,
        "audience": edition.audience,
        "edition": edition,
        "sections": edition.sections,
        "marking": edition.marking,
        "version": __version__,
        "date_text": f"{brief.date.day} {brief.date:%B %Y}",
        "kicker": f"{KICKERS[edition.audience.depth]} {edition.audience.label}",
        "description": brief.subtitle or edition.sections[0].summary,
        "keywords": sorted({tag for s in edition.sections for tag in s.tags}),
    }


def render_template(edition: Edition, name: str, **extra: Any) -> str:
    """Render ``name`` from the edition's layout; name the template file on error."""
    root = edition.root
    try:
        template = layouts.template(root, edition.audience.layout, name)
        return template.render(**context(edition), **extra)
    except jinja2.TemplateNotFound as exc:
        raise BuildError(f"template not found: {exc.name}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise BuildError(
            f"{exc.filename or exc.name}:{exc.lineno}: template error: {exc.message}"
        ) from None
    except jinja2.UndefinedError as exc:
        raise BuildError(f"{_template_line(exc)}template error: {exc.message}") from None


def _template_line(exc: BaseException) -> str:
    """Return 'file:line: ' of the innermost template frame of a traceback."""
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = f"{filename}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return where


def assemble(edition: Edition) -> str:
    """Return the edition as one pandoc Markdown document."""
    return render_template(edition, "document.md.j2")
