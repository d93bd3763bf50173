"""Typed models: the file schemas (validated by ``load``) and the pipeline objects.

The ``*File`` classes mirror the YAML files key for key and reject unknown keys;
the dataclasses below them are what stages pass to each other.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .markings import Level, Scheme
from .passages import Div

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
ID_RE = re.compile(ID_PATTERN)

Format = Literal["pdf", "docx", "html"]
PdfVariant = Literal["pdf/ua-1", "pdf/a-3b", "pdf/a-3a"]
FORMATS: tuple[Format, ...] = ("pdf", "docx", "html")
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=80)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^[^\n]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- file schemas -----------------------------------------------------------


class SectionFile(_Strict):
    """Front matter of ``sources/<collection>/<id>.md``."""

    title: Line
    summary: Text
    tags: list[Line] = []
    marking: Line | None = None
    reviewed: dt.date | None = None
    audiences: list[Id] | None = None


class AudienceFields(_Strict):
    """Fields an audience defines and a brief may override."""

    label: Line | None = None
    layout: Id | None = None
    depth: Literal["summary", "full"] | None = None
    max_pages: Annotated[int, Field(ge=1)] | None = None
    clearance: Line | None = None
    formats: list[Format] | None = None
    paper: Literal["a4", "letter"] | None = None
    portion_marks: bool | None = None
    max_words: Annotated[int, Field(ge=1)] | None = None
    reading_grade: Annotated[float, Field(gt=0, le=30)] | None = None
    pdf_variant: PdfVariant | None = None


class AudienceFile(AudienceFields):
    """One entry of ``briefs/audiences.yaml``."""

    label: Line
    layout: Id
    clearance: Line
    depth: Literal["summary", "full"] = "full"
    formats: list[Format] = list(FORMATS)
    paper: Literal["a4", "letter"] = "a4"
    portion_marks: bool = False
    pdf_variant: PdfVariant = "pdf/ua-1"


class BriefAudience(AudienceFields):
    """A brief's entry for one audience: overrides, and an optional section list."""

    sections: list[Id] | None = None


class BriefFile(_Strict):
    """``briefs/<brief-id>.yaml``."""

    title: Line
    subtitle: Line | None = None
    date: dt.date | None = None
    authors: list[Line] = []
    collection: Id
    marking: Line | None = None
    lang: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = (
        "en-GB"
    )
    csl: Line | None = None
    sections: Annotated[list[Id], Field(min_length=1)]
    audiences: Annotated[dict[Id, BriefAudience | None], Field(min_length=1)]


Label = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 :+()/._-]{0,39}$")]


class MarkingLevelFile(_Strict):
    label: Label
    release: Literal["anyone", "partners", "organisation", "named"]
    colour: Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")] = "#FFFFFF"
    portion: Line | None = None


class MarkingsFile(_Strict):
    """``briefs/markings.yaml``: an ordered scheme, lowest first."""

    name: Line = "custom"
    levels: Annotated[list[MarkingLevelFile], Field(min_length=1)]


# --- pipeline objects -------------------------------------------------------


@dataclass(frozen=True)
class Section:
    id: str
    collection: str
    path: Path
    rel: str
    title: str
    summary: str
    tags: tuple[str, ...]
    marking: Level | None
    reviewed: dt.date | None
    audiences: tuple[str, ...] | None
    body: str
    body_line: int
    blocks: tuple[Div | str, ...] = ()  # the body split into text and fenced passages


@dataclass(frozen=True)
class Collection:
    name: str
    path: Path
    sections: dict[str, Section]
    bibliography: Path | None
    references: dict[str, int | None] = field(default_factory=dict)  # key: its line


@dataclass(frozen=True)
class Audience:
    name: str
    label: str
    layout: str
    depth: Literal["summary", "full"]
    max_pages: int | None
    clearance: Level
    formats: tuple[Format, ...]
    paper: Literal["a4", "letter"]
    portion_marks: bool = False
    max_words: int | None = None
    reading_grade: float | None = None
    pdf_variant: PdfVariant = "pdf/ua-1"


@dataclass(frozen=True)
class BriefAudienceSpec:
    """An audience as one brief uses it: resolved fields plus its own section list."""

    audience: Audience
    sections: tuple[str, ...] | None


@dataclass(frozen=True)
class Brief:
    id: str
    path: Path
    rel: str
    title: str
    subtitle: str | None
    date: dt.date
    authors: tuple[str, ...]
    collection: str
    marking: Level | None
    lang: str
    sections: tuple[str, ...]
    audiences: dict[str, BriefAudienceSpec]
    csl: Path | None = None


@dataclass(frozen=True)
class Project:
    root: Path
    scheme: Scheme
    audiences: dict[str, Audience]
    briefs: dict[str, Brief]
    collections: dict[str, Collection]


@dataclass(frozen=True)
class SelectedSection:
    """A section as one audience receives it."""

    id: str
    number: int
    title: str
    summary: str
    tags: tuple[str, ...]
    marking: Level
    body: str
    path: Path


@dataclass(frozen=True)
class Edition:
    """One brief for one audience: exactly what that audience receives."""

    root: Path
    brief: Brief
    audience: Audience
    sections: tuple[SelectedSection, ...]
    marking: Level
    scheme: Scheme
    bibliography: Path | None = None
    withheld: tuple[str, ...] = ()
    withheld_passages: int = 0
    inputs: tuple[Path, ...] = field(default=())

    @property
    def name(self) -> str:
        return f"{self.brief.id}-{self.audience.name}"

    def portion(self, label: str) -> str | None:
        """Return the portion mark for a marking label, or None when none is shown.

        A level's own ``portion`` form is always shown; an audience with
        ``portion_marks: true`` gets ``(LABEL)`` before every marked paragraph.
        """
        level = self.scheme.get(label)
        if level is None:
            return None
        if level.portion:
            return level.portion
        return f"({level.label})" if self.audience.portion_marks else None
