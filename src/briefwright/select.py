"""Select stage: brief × audience → the Edition that audience receives.

This is where release control lives. A section above the audience's
clearance is withheld when it comes from the brief's general list and is an
error when the brief lists it for that audience by name; a passage above
clearance, or restricted to other audiences, is cut from the text. The
edition's marking is the highest of what remains.
"""

from __future__ import annotations

import logging
from pathlib import Path

from . import passages, sources
from .errors import Problems, ReleaseError
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
    clearance = audience.clearance

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
        body = ""
        if audience.depth == "full":
            body, passage_levels, dropped = _filter_body(section, audience_name, clearance, project)
            levels.extend(passage_levels)
            cut += dropped
        levels.append(marking)
        chosen.append(
            SelectedSection(
                id=section.id,
                number=len(chosen) + 1,
                title=section.title,
                summary=section.summary,
                tags=section.tags,
                marking=marking,
                body=body,
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
    shown = [image for s in chosen for image in sources.images(s.body, s.path, project.root)]
    inputs = _inputs(project, brief, [s.path for s in chosen] + shown)
    return Edition(
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


def _filter_body(
    section: Section, audience_name: str, clearance: Level, project: Project
) -> tuple[str, list[Level], int]:
    """Return the body this audience receives, the markings it keeps, and passages cut."""
    kept: list[Level] = []
    cut = 0

    def keep(div: passages.Div) -> bool:
        nonlocal cut
        names = div.audiences
        if names is not None and audience_name not in names:
            return False
        label = div.attrs.get("marking")
        if label is not None:
            level = project.scheme.get(label)
            if level is None or level.rank > clearance.rank:  # unknown labels fail closed
                cut += 1
                return False
            kept.append(level)
        return True

    return passages.render(list(section.blocks), keep, section.id), kept, cut


def _inputs(project: Project, brief: Brief, sections: list[Path]) -> tuple[Path, ...]:
    """Return the files an edition depends on: definitions, sections, images, bibliography."""
    root = project.root
    files = [brief.path, root / "briefs" / "audiences.yaml", *sections]
    if brief.csl is not None:
        files.append(brief.csl)
    markings = root / "briefs" / "markings.yaml"
    if markings.exists():
        files.append(markings)
    bibliography = project.collections[brief.collection].bibliography
    if bibliography is not None:
        files.append(bibliography)
    return tuple(files)


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
