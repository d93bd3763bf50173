"""Select stage: brief × audience → the Edition that audience receives.

This is where release control lives. A section above the audience's
clearance is withheld when it comes from the brief's general list and is an
error when the brief lists it for that audience by name; a passage above
clearance, or restricted to other audiences, is cut from pandoc's tree of
the section. The edition's marking is the highest of what remains.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from . import passages, register, sources, tree
from .errors import ConfigError, Problems, ReleaseError
from .markings import Level
from .models import Brief, Edition, Project, Section, SelectedSection

log = logging.getLogger(__name__)


def select(
    project: Project, brief: Brief, audience_name: str, problems: Problems
) -> Edition | None:
    """Return what ``audience_name`` receives of ``brief``; report faults into ``problems``."""
    spec = brief.audiences[audience_name]
    audience = spec.audience
    collection = project.collections[brief.collection]
    explicit = spec.sections is not None
    wanted = spec.sections if spec.sections is not None else brief.sections
    clearance = audience.level

    chosen: list[SelectedSection] = []
    withheld: list[str] = []
    cut = 0
    levels = []
    for section_id in wanted:
        section = collection.sections[section_id]
        if section.audiences is not None and audience_name not in section.audiences:
            if explicit:
                problems.error(
                    brief.rel,
                    None,
                    f"audience '{audience_name}' lists section '{section_id}', which is only for "
                    + ", ".join(section.audiences),
                    f"remove it from audiences.{audience_name}.sections, or add "
                    f"'{audience_name}' to 'audiences:' in {section.rel}",
                )
            continue
        marking = section.marking or brief.marking
        if marking is None:  # load reports this; never assume unmarked text is public
            continue
        if marking.rank > clearance.rank:
            if explicit:
                problems.error(
                    brief.rel,
                    None,
                    f"section '{section_id}' is marked {marking} but audience '{audience_name}' "
                    f"is cleared only to {clearance}",
                    f"remove '{section_id}' from audiences.{audience_name}.sections, "
                    "or raise that audience's clearance",
                )
            else:
                withheld.append(section_id)
            continue
        assert section.doc is not None, "select needs the project loaded with its trees"
        body: list[Any] = []
        kept_levels: list[Level] = []
        if audience.depth == "full":
            received, kept_levels = _cut(section, audience_name, clearance, project)
            body = received.blocks
            cut += received.withheld
        highest = project.scheme.highest([marking, *kept_levels]) or marking
        levels.append(highest)
        chosen.append(
            SelectedSection(
                front=section.front,
                id=section.id,
                number=len(chosen) + 1,
                title=section.doc.title,
                summary=section.doc.summary,
                body=body,
                title_text=tree.stringify(section.doc.title).strip(),
                summary_text=" ".join(tree.stringify(section.doc.summary).split()),
                tags=section.tags,
                marking=marking,
                highest=highest,
                path=section.path,
            )
        )
    if not chosen:
        problems.error(
            brief.rel,
            None,
            f"audience '{audience_name}' receives no section of this brief",
            "check the sections' markings and 'audiences:' against its clearance",
        )
        return None
    top = project.scheme.highest(levels)
    assert top is not None
    shown = [
        image
        for s in chosen
        for image in sources.images([s.title, s.summary, s.body], s.path.parent, project.root)
    ]
    inputs = _inputs(project, brief, [s.path for s in chosen] + shown)
    edition = Edition(
        root=project.root,
        brief=brief,
        audience=audience,
        sections=tuple(chosen),
        marking=top,
        scheme=project.scheme,
        bibliography=collection.bibliography,
        withheld=tuple(withheld),
        withheld_passages=cut,
        inputs=inputs,
    )
    # Its version among those issued to this audience, read from its own records.
    try:
        return dataclasses.replace(edition, release=register.stamp_edition(edition))
    except ConfigError as exc:
        problems.error(*_where(exc.format_message()))
        return None


def _where(message: str) -> tuple[str, None, str]:
    path, _, what = message.partition(": ")
    return path, None, what


def _cut(
    section: Section, audience_name: str, clearance: Level, project: Project
) -> tuple[passages.Cut, list[Level]]:
    """Return the body this audience receives, and the markings of the passages it keeps."""

    def keep(found: passages.Passage) -> bool:
        if found.audiences is not None and audience_name not in found.audiences:
            return False
        if found.marking is not None:
            level = project.scheme.get(found.marking)
            if level is None or level.rank > clearance.rank:  # unknown labels fail closed
                return False
        return True

    assert section.doc is not None
    result = passages.cut(section.doc.body, keep)
    levels = [project.scheme.get(label) for label in result.markings]
    return result, [level for level in levels if level is not None]


def _inputs(project: Project, brief: Brief, files: list[Path]) -> tuple[Path, ...]:
    """Return the files an edition depends on: definitions, sections, images, bibliography."""
    root = project.root
    files = [brief.path, root / "briefs" / "audiences.yaml", *files]
    if brief.csl is not None:
        files.append(brief.csl)
    markings = root / "briefs" / "markings.yaml"
    if markings.exists():
        files.append(markings)
    bibliography = project.collections[brief.collection].bibliography
    if bibliography is not None:
        files.append(bibliography)
    return tuple(dict.fromkeys(files))


def plan(
    project: Project,
    briefs: list[str] | None = None,
    audiences: list[str] | None = None,
) -> tuple[list[Edition], Problems]:
    """Select every requested edition, collecting every problem before any output."""
    problems = Problems()
    chosen_briefs = briefs or sorted(project.briefs)
    editions: list[Edition] = []
    for brief_id in chosen_briefs:
        brief = project.briefs[brief_id]
        names = [a for a in brief.audiences if not audiences or a in audiences]
        for name in sorted(names):
            edition = select(project, brief, name, problems)
            if edition is not None:
                editions.append(edition)
    return editions, problems


def shard(editions: list[Edition], k: int, n: int) -> list[Edition]:
    """Return the k-th (1-based) of n deterministic, near-equal shares of the editions."""
    ordered = sorted(editions, key=lambda e: e.name)
    return [edition for index, edition in enumerate(ordered) if index % n == k - 1]


def plan_or_raise(
    project: Project, briefs: list[str] | None = None, audiences: list[str] | None = None
) -> list[Edition]:
    """Like ``plan``, but raise ReleaseError if any edition cannot be released as asked."""
    editions, problems = plan(project, briefs, audiences)
    problems.raise_if_errors(ReleaseError)
    return editions
