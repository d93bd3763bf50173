"""The output formats: one entry each, which the build, manifest, preview, email and CLI read.

A format is written from one of three things the render stage makes of an
edition's tree (``source``): the screen page (HTML), the print page that
WeasyPrint lays out (PDF), or the tree itself, which pandoc writes with the
layout's reference document and a finishing pass marks (DOCX, ODT). Adding
a format is an entry here and, for a tree format, its finishing module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Name = Literal["pdf", "docx", "odt", "html"]
Source = Literal["screen", "print", "tree"]


@dataclass(frozen=True)
class OutputFormat:
    name: Name
    media_type: str
    kind: str  # in words, for messages and email: "Word document"
    source: Source
    reference: str | None = None  # a tree format's reference document in the layout
    preview: bool = False  # a browser can show it, so the preview serves it
    redline: bool = False  # it can show what changed since a version (redlines.py)

    @property
    def extension(self) -> str:
        return self.name


FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("pdf", "application/pdf", "PDF", "print", preview=True, redline=True),
        OutputFormat(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word document",
            "tree",
            reference="reference.docx",
            redline=True,  # Word's tracked changes
        ),
        OutputFormat(
            "odt",
            "application/vnd.oasis.opendocument.text",
            "OpenDocument text",
            "tree",
            reference="reference.odt",
        ),
        OutputFormat("html", "text/html", "web page", "screen", preview=True, redline=True),
    )
}
NAMES: tuple[Name, ...] = get_args(Name)
DEFAULT: tuple[Name, ...] = ("pdf", "docx", "html")  # what an audience gets unless it says


def get(name: str) -> OutputFormat:
    return FORMATS[name]
