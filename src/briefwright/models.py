"""Typed models: the file schemas (validated by ``load``) and the pipeline objects.

The ``*File`` classes mirror the YAML files key for key and reject unknown keys;
the dataclasses below them are what stages pass to each other.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import yamlfile
from .data import Folder
from .formats import DEFAULT as DEFAULT_FORMATS
from .formats import Name as Format
from .markings import Level, Release, Scheme
from .schema import (
    Schema,
    boolean,
    choice,
    date,
    integer,
    key,
    list_of,
    mapping_of,
    nested,
    number,
    optional,
    text,
)

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
ID_RE = re.compile(ID_PATTERN)

PdfVariant = Literal["pdf/ua-1", "pdf/a-3b", "pdf/a-3a"]
Depth = Literal["summary", "full"]
Paper = Literal["a4", "letter"]

LINE = text(one_line=True)
TEXT = text()
ID = text(
    pattern=ID_PATTERN,
    strip=False,
    max_length=80,
    hint="ids use lowercase letters, digits and hyphens",
)
LABEL = text(
    pattern=r"[A-Za-z0-9][A-Za-z0-9 :+()/._-]{0,39}",
    hint="a label is up to 40 letters, digits, spaces and :+()/._- characters",
)
DATE = date()


# --- file schemas -----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SectionFile(Schema):
    """Front matter of ``sources/<collection>/<id>.md``."""

    title: str = key(LINE)
    summary: str = key(TEXT)
    tags: list[str] = key(list_of(LINE), [])
    marking: str | None = key(optional(LINE), None)
    reviewed: dt.date | None = key(optional(DATE), None)
    audiences: list[str] | None = key(optional(list_of(ID)), None)


@dataclass(frozen=True, kw_only=True)
class AudienceFields(Schema):
    """Fields an audience defines and a brief may override."""

    label: str | None = key(optional(LINE), None)
    layout: str | None = key(optional(ID), None)
    depth: Depth | None = key(optional(choice(Depth)), None)
    max_pages: int | None = key(optional(integer(minimum=1)), None)
    clearance: str | None = key(optional(LINE), None)
    formats: list[Format] | None = key(optional(list_of(choice(Format))), None)
    paper: Paper | None = key(optional(choice(Paper)), None)
    portion_marks: bool | None = key(optional(boolean()), None)
    max_words: int | None = key(optional(integer(minimum=1)), None)
    reading_grade: float | None = key(optional(number(above=0, most=30)), None)
    pdf_variant: PdfVariant | None = key(optional(choice(PdfVariant)), None)
    summary_heading: str | None = key(optional(LINE), None)


@dataclass(frozen=True, kw_only=True)
class AudienceFile(AudienceFields):
    """One entry of ``briefs/audiences.yaml``."""

    label: str = key(LINE)
    layout: str = key(ID)
    clearance: str = key(LINE)
    depth: Depth = key(choice(Depth), "full")
    formats: list[Format] = key(list_of(choice(Format)), list(DEFAULT_FORMATS))
    paper: Paper = key(choice(Paper), "a4")
    portion_marks: bool = key(boolean(), False)
    pdf_variant: PdfVariant = key(choice(PdfVariant), "pdf/ua-1")
    summary_heading: str = key(LINE, "Key points")


@dataclass(frozen=True, kw_only=True)
class BriefAudience(AudienceFields):
    """A brief's entry for one audience: overrides, and an optional section list."""

    sections: list[str] | None = key(optional(list_of(ID)), None)


@dataclass(frozen=True, kw_only=True)
class ContactFile(Schema):
    """One of a brief's contacts: who to ask about it."""

    name: str = key(LINE)
    role: str | None = key(optional(LINE), None)
    email: str | None = key(
        optional(
            text(
                pattern=r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
                hint="write one address: name@example.org",
            )
        ),
        None,
    )
    phone: str | None = key(optional(LINE), None)


@dataclass(frozen=True, kw_only=True)
class BriefFile(Schema):
    """``briefs/<brief-id>.yaml``."""

    title: str = key(LINE)
    subtitle: str | None = key(optional(LINE), None)
    date: dt.date | None = key(optional(DATE), None)
    authors: list[str] = key(list_of(LINE), [])
    collection: str = key(ID)
    marking: str | None = key(optional(LINE), None)
    lang: str = key(
        text(pattern=r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", hint="write a language tag: en-GB"),
        "en-GB",
    )
    csl: str | None = key(optional(LINE), None)
    number: str | None = key(optional(LABEL), None)
    contacts: list[ContactFile] = key(list_of(nested(ContactFile)), [])
    disclaimer: str | None = key(optional(TEXT), None)
    sections: list[str] = key(list_of(ID, min_length=1))
    audiences: dict[str, BriefAudience | None] = key(
        mapping_of(ID, optional(nested(BriefAudience)), min_length=1)
    )


@dataclass(frozen=True, kw_only=True)
class MarkingLevelFile(Schema):
    label: str = key(LABEL)
    release: Release = key(choice(Release))
    colour: str = key(text(pattern=r"#[0-9A-Fa-f]{6}", hint="write colours as #RRGGBB"), "#FFFFFF")
    portion: str | None = key(optional(LINE), None)
    handling: str = key(TEXT)


@dataclass(frozen=True, kw_only=True)
class MarkingsFile(Schema):
    """``briefs/markings.yaml``: an ordered scheme, lowest first."""

    name: str = key(LINE, "custom")
    levels: list[MarkingLevelFile] = key(list_of(nested(MarkingLevelFile), min_length=1))


# --- pipeline objects -------------------------------------------------------


@dataclass(frozen=True)
class SectionTree:
    """pandoc's reading of a section, checked and made safe: lists of pandoc JSON nodes."""

    title: list[Any]  # inlines
    summary: list[Any]  # inlines
    body: list[Any]  # blocks


@dataclass(frozen=True)
class Section:
    front: SectionFile  # every key of the front matter, as the schema declares them
    id: str
    collection: str
    path: Path
    rel: str
    title: str  # as written in the front matter (for messages and listings)
    summary: str
    tags: tuple[str, ...]
    marking: Level | None
    reviewed: dt.date | None
    audiences: tuple[str, ...] | None
    body: str  # the source text
    body_line: int
    doc: SectionTree | None = None  # None only when a project is loaded without parsing
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)  # key: line


@dataclass(frozen=True)
class Collection:
    name: str
    path: Path
    sections: dict[str, Section]
    bibliography: Path | None
    references: dict[str, int | None] = field(default_factory=dict)  # key: its line
    data: Folder = field(default_factory=Folder)  # data/: data files and charts


@dataclass(frozen=True, kw_only=True)
class Audience(AudienceFile):
    """An audience as an edition uses it: every key of its entry in audiences.yaml (with
    the brief's overrides), its name, and its clearance as a level of the scheme.

    The keys are AudienceFile's, declared there once; nothing here repeats them.
    """

    name: str
    level: Level  # the clearance, as a level of the scheme
    # Where each key was set, for messages: (file, line), the brief's file for an override.
    where: dict[str, tuple[str, int | None]] = field(
        default_factory=dict, compare=False, repr=False
    )


@dataclass(frozen=True)
class BriefAudienceSpec:
    """An audience as one brief uses it: resolved fields plus its own section list."""

    audience: Audience
    sections: tuple[str, ...] | None


@dataclass(frozen=True)
class Brief:
    front: BriefFile  # every key of the brief's file, as the schema declares them
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
    data: Any = field(default=None, compare=False, repr=False)  # the file as read, with lines

    def line(self, *loc: str | int) -> int | None:
        """Return the line of a key path of the brief's file (``audiences``, ``public``...)."""
        return yamlfile.line_of(self.data, list(loc)) if self.data is not None else None


@dataclass(frozen=True)
class Project:
    root: Path
    scheme: Scheme
    audiences: dict[str, Audience]
    briefs: dict[str, Brief]
    collections: dict[str, Collection]
    # Briefs read from their own file only, while others are built: never selected or
    # built (their collections were not read), but known by name, audiences and sections.
    elsewhere: dict[str, Brief] = field(default_factory=dict)

    def with_elsewhere(self) -> Project:
        """Return the project with the briefs read only by name too, for checks of names."""
        return Project(
            self.root,
            self.scheme,
            self.audiences,
            {**self.elsewhere, **self.briefs},
            self.collections,
        )


@dataclass(frozen=True)
class SelectedSection:
    """A section as one audience receives it: pandoc trees, and their plain text."""

    front: SectionFile
    id: str
    number: int
    title: list[Any]  # inlines
    summary: list[Any]  # inlines
    body: list[Any]  # blocks; empty at depth summary
    title_text: str
    summary_text: str
    tags: tuple[str, ...]
    marking: Level  # the section's own (its title and summary carry it)
    highest: Level  # the highest of its own and of the passages this audience receives
    path: Path


@dataclass(frozen=True)
class Stamp:
    """Where an edition stands among the versions issued to its audience.

    ``version`` is the version the edition is (its content is what that
    release recorded), or None for a draft; ``next`` is the version a draft
    would become; ``first`` and ``last`` are the dates of the audience's
    first and latest versions, ``first_version`` and ``last_version`` their
    numbers.
    """

    version: int | None = None
    next: int = 1
    first: dt.date | None = None
    last: dt.date | None = None
    first_version: int | None = None
    last_version: int | None = None

    @property
    def text(self) -> str:
        """Return the version line: "Version 3 · first issued 2 November 2026 · updated ..."."""
        if self.version is None:
            if self.last_version is None or self.last is None:
                return "Draft"
            issued = f"version {self.last_version} issued {day(self.last)}"
            return f"Draft of version {self.next} · {issued}"
        assert self.first is not None and self.last is not None
        if self.first_version == self.version:
            return f"Version {self.version} · issued {day(self.first)}"
        return f"Version {self.version} · first issued {day(self.first)} · updated {day(self.last)}"


def day(date: dt.date) -> str:
    """Return a date as the briefs write it: 1 December 2026."""
    return f"{date.day} {date:%B %Y}"


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
    data: Folder = field(default_factory=Folder)  # the collection's data/, for tables and charts
    rough: bool = False  # a --rough HTML page: budgets not enforced, never released or sent
    release: Stamp = field(default=Stamp())  # its version among those issued (register.py)

    @property
    def name(self) -> str:
        return f"{self.brief.id}-{self.audience.name}" + ("-rough" if self.rough else "")

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

    def set_at(self, key: str) -> tuple[str, int | None]:
        """Return the file and line that set the audience's ``key`` (audiences.yaml or the
        brief), for a message about it."""
        return self.audience.where.get(key, (self.brief.rel, None))
