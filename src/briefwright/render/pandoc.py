"""pandoc, through pypandoc and the binary that pypandoc-binary carries.

pandoc parses each edition's Markdown once, to its JSON tree; every format is
written from that tree. pandoc always runs with ``--sandbox``, so neither
reader nor writer touches a file or the network beyond its arguments.
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pypandoc

from ..errors import BuildError
from ..sources import CITATION

log = logging.getLogger(__name__)

READER = "markdown-raw_attribute"


@contextmanager
def _fixed_epoch(epoch: int) -> Any:
    # pandoc stamps DOCX parts with SOURCE_DATE_EPOCH when it is set.
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def _run(source: str, to: str, fmt: str, args: list[str], what: str, **kw: Any) -> str:
    try:
        return str(
            pypandoc.convert_text(
                source, to, format=fmt, extra_args=args, verify_format=False, sandbox=True, **kw
            )
        )
    except RuntimeError as exc:
        detail = str(exc).strip().splitlines()
        raise BuildError(f"pandoc could not {what}: " + " ".join(detail[-3:])) from None
    except OSError as exc:
        raise BuildError(
            f"pandoc could not be started ({exc}); reinstall with 'make distclean brief'"
        ) from None


def parse(
    markdown: str,
    bibliography: Path | None,
    label: str,
    csl: Path | None = None,
    lang: str = "en-GB",
) -> dict[str, Any]:
    """Parse pandoc Markdown, resolving citations; return the JSON document."""
    cites = bibliography is not None and CITATION.search(markdown) is not None
    args = ["--citeproc"] if cites else []  # citeproc is the costliest part of a parse
    if cites and bibliography:
        # The language picks citeproc's locale: dates and terms in references.
        args += [
            "--bibliography",
            str(bibliography),
            "-M",
            "link-citations=true",
            "-M",
            f"lang={lang}",
        ]
        if csl is not None:
            args += ["--csl", str(csl)]
    text = _run(markdown, "json", READER, args, f"read {label}")
    doc: dict[str, Any] = json.loads(text)
    return doc


def write_html(doc: dict[str, Any], label: str) -> str:
    """Write an HTML fragment (the page template supplies <head> and frame).

    Headings go one level down: on the page, the brief's title is the one h1.
    """
    return _run(
        json.dumps(doc),
        "html5",
        "json",
        ["--wrap=none", "--section-divs", "--html-q-tags", "--shift-heading-level-by=1"],
        f"write HTML for {label}",
    )


def write_docx(doc_json: str, reference: Path, out: Path, epoch: int, label: str) -> None:
    """Write a DOCX with the reference document's styles, from the tree as JSON."""
    with _fixed_epoch(epoch):
        _run(
            doc_json,
            "docx",
            "json",
            ["--reference-doc", str(reference)],
            f"write DOCX for {label}",
            outputfile=str(out),
        )
