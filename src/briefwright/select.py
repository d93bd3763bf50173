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
from typing import Any, Literal

from . import figures, images, passages, register, tree
from .errors import ConfigError, Problems, ReleaseError
from .markings import Level, Scheme
from .models import Brief, Edition, Project, Section, SelectedSection
from .reader import line_of

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
    for index, section_id in enumerate(wanted):
        section = collection.sections[section_id]
        line = brief.line("audiences", audience_name, "sections", index)
        barred = bar(section, brief, audience_name, clearance)
        if barred == "audiences":
            if explicit:
                problems.error(
                    brief.rel,
                    line,
                    f"audience '{audience_name}' lists section '{section_id}', which is only for "
                    + ", ".join(section.audiences or ()),
                    f"remove it from audiences.{audience_name}.sections, or add "
                    f"'{audience_name}' to 'audiences:' in {section.rel}",
                )
            continue
        marking = section.marking or brief.marking
        if marking is None:  # load reports this; never assume unmarked text is public
            continue
        if barred == "marking":
            if explicit:
                # Never advise raising a clearance: who may read what is not a fix for a list.
                problems.error(
                    brief.rel,
                    line,
                    f"section '{section_id}' is marked {marking} but audience '{audience_name}' "
                    f"is cleared only to {clearance}",
                    f"remove '{section_id}' from audiences.{audience_name}.sections; or, if "
                    f"only part of it is {marking}, give the section a lower 'marking:' and "
                    f'put that part in a passage ::: {{marking="{marking}"}} in {section.rel}',
                )
            else:
                withheld.append(section_id)
            continue
        assert section.doc is not None, "select needs the project loaded with its trees"
        received, kept_levels, refused = _cut(section, audience_name, clearance, project, brief)
        for passage in refused:
            # A figure is found by its file (its marking may come from its data); a
            # passage by its marking.
            kind, file = passage.figure or ("passage", None)
            problems.error(
                section.rel,
                line_of(section.body, file or passage.marking, section.body_line),
                (f"the {kind} '{file}'" if file else "a passage")
                + f" is addressed to audience '{audience_name}' but marked {passage.marking}, "
                f"above its clearance {clearance}",
                f"remove '{audience_name}' from its audience=, or show it "
                + ("data marked" if file else "a passage marked")
                + " within its clearance",
            )
        body: list[Any] = received.blocks
        if audience.depth == "summary":
            # A summary edition shows summaries, and what is addressed to it by name.
            body = _addressed(received.blocks, project.scheme)
            kept_levels = _markings(body, project.scheme)
        _label(body, marking, project.scheme)
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
            brief.line("audiences", audience_name),
            f"audience '{audience_name}' receives no section of this brief",
            "check the sections' markings and 'audiences:' against its clearance",
        )
        return None
    top = project.scheme.highest(levels)
    assert top is not None
    shown = [
        file
        for s in chosen
        for file in [
            *images.files([s.title, s.summary, s.body], s.path.parent, project.root),
            *figures.files(s.body, collection.data),
        ]
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
        data=collection.data,
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


def bar(
    section: Section, brief: Brief, audience_name: str, clearance: Level
) -> Literal["audiences", "unmarked", "marking"] | None:
    """Say why ``audience_name``, cleared to ``clearance``, may receive nothing of ``section``:
    it is for other audiences, it has no marking (never assumed public), or its marking is
    above the clearance. None: it receives the section, cut to its clearance."""
    if section.audiences is not None and audience_name not in section.audiences:
        return "audiences"
    marking = section.marking or brief.marking
    if marking is None:
        return "unmarked"
    return "marking" if marking.rank > clearance.rank else None


def _cut(
    section: Section, audience_name: str, clearance: Level, project: Project, brief: Brief
) -> tuple[passages.Cut, list[Level], list[passages.Passage]]:
    """Return the body this audience receives, the markings of the passages it keeps, and
    the passages addressed to it by name that it may not receive (an error)."""
    refused: list[passages.Passage] = []

    def keep(found: passages.Passage) -> bool:
        if found.audiences is not None and audience_name not in found.audiences:
            return False
        if found.marking is not None:
            level = project.scheme.get(found.marking)
            if level is None or level.rank > clearance.rank:  # unknown labels fail closed
                if found.audiences is not None:
                    refused.append(found)
                return False
        return True

    assert section.doc is not None
    # This audience's own copy: figures are marked per brief, and passages cut, in place.
    body = tree.copy(section.doc.body)
    data = project.collections[section.collection].data
    if figures.with_default(body, data, brief.marking, project.scheme):
        body = []  # load reports unmarked data; never assume it public
    result = passages.cut(body, keep)
    levels = [project.scheme.get(label) for label in result.markings]
    return result, [level for level in levels if level is not None], refused


def _label(blocks: list[Any], section: Level, scheme: Scheme) -> None:
    """Label, where it begins, each passage marked above its section: in every format.

    A passage's border alone looks much like any other; its marking, written
    at its start, cannot be missed (DESIGN.md, "What a professional brief
    carries"). A span gets its label inline, a div a line of its own.
    """
    for node in tree.nodes(blocks):
        if node["t"] not in ("Div", "Span") or "passage-marked" not in tree.classes(node):
            continue
        level = scheme.get(tree.pairs(node).get("data-marking", ""))
        if level is None:
            continue
        if level.rank <= section.rank:
            if set(passages.FIGURE_CLASSES) & set(tree.classes(node)):
                _unremarkable(node)
            continue
        chip = tree.span(
            tree.text_inlines(level.label), cls=["marking-tag", f"marking-{level.slug}"]
        )
        if node["t"] == "Span":
            node["c"][1][:0] = [tree.span([chip], cls=["passage-label"]), {"t": "Space"}]
        else:
            label = tree.div([{"t": "Para", "c": [chip]}], cls=["passage-label"])
            label["c"][0][2].append(["custom-style", "Passage Label"])
            node["c"][1][:0] = [label]


def _unremarkable(node: Any) -> None:
    """Show a table or chart marked no higher than its section as part of the section.

    Every figure carries the marking of its data (the brief's, by default);
    only one above its section is a marked passage to the eye. Its
    ``data-marking`` stays, for what reads the edition back.
    """
    ident, classes, pairs = node["c"][0]
    classes = [c for c in classes if c != "passage-marked"]
    pairs = [kv for kv in pairs if kv[0] != "custom-style"]
    if "passage-audience" in classes:
        pairs.append(["custom-style", "Audience Passage"])
    node["c"][0] = [ident, classes, pairs]


def _addressed(blocks: list[Any], scheme: Scheme) -> list[Any]:
    """Return the outermost passages of a cut body addressed to its audience by name.

    One lifted out of a marked passage (kept, so within clearance) takes the
    higher marking of that passage with it: what a passage holds is marked as
    the passage is.
    """
    found: list[Any] = []
    stack: list[tuple[Any, list[str]]] = [(item, []) for item in reversed(blocks)]
    while stack:
        item, around = stack.pop()
        if isinstance(item, list):
            stack.extend((part, around) for part in reversed(item))
        elif isinstance(item, dict) and "t" in item:
            classes = tree.classes(item) if item["t"] == "Div" else []
            own = tree.pairs(item).get("data-marking") if item["t"] in ("Div", "Span") else None
            if "passage-audience" in classes:
                found.append(_marked(item, [*around, *([own] if own else [])], scheme))
            elif item["t"] != "Note" and isinstance(item.get("c"), list):
                inner = [*around, own] if own else around
                stack.extend((part, inner) for part in reversed(item["c"]))
    return found


def _marked(div: Any, labels: list[str], scheme: Scheme) -> Any:
    """Return a passage marked with the highest of ``labels``, as passages.cut marks one."""
    levels = [level for label in labels if (level := scheme.get(label)) is not None]
    top = scheme.highest(levels)
    if top is None:
        return div
    ident, classes, pairs = div["c"][0]
    classes = [*dict.fromkeys([*classes, "passage-marked"])]
    pairs = [["data-marking", top.label], *[kv for kv in pairs if kv[0] != "data-marking"]]
    div["c"][0] = [ident, classes, pairs]
    return div


def _markings(blocks: list[Any], scheme: Scheme) -> list[Level]:
    """Return the levels of the passages among ``blocks`` (what an edition shows)."""
    labels = {tree.pairs(n).get("data-marking") for n in tree.nodes(blocks)}
    return [level for label in labels if label and (level := scheme.get(label)) is not None]


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
    project: Project,
    briefs: list[str] | None = None,
    audiences: list[str] | None = None,
    rough: bool = False,
) -> list[Edition]:
    """Like ``plan``, but raise ReleaseError if any edition cannot be released as asked.

    An edition over its word budget is one of them, unless ``rough`` (a rough page
    allows it, with a warning).
    """
    editions, problems = plan(project, briefs, audiences)
    word_budgets(editions, problems)
    if rough:
        problems.allow_budgets()
    problems.raise_if_errors(ReleaseError)
    for warning in problems.warnings:
        log.warning("%s", warning)
    return editions


def word_budgets(editions: list[Edition], problems: Problems) -> None:
    """Report each edition over its audience's ``max_words``, naming its longest sections."""
    for edition in editions:
        audience = edition.audience
        if audience.max_words is None:
            continue
        counts = {s.id: len(tree.words(s.summary, s.body)) for s in edition.sections}
        total = sum(counts.values())
        if total > audience.max_words:
            longest = sorted(counts.items(), key=lambda item: item[1], reverse=True)[:3]
            problems.error(
                *edition.set_at("max_words"),
                f"brief '{edition.brief.id}': the {audience.name} edition has {total} words; "
                f"its budget is {audience.max_words} (over by {total - audience.max_words})",
                "longest sections: "
                + ", ".join(f"{k} ({v})" for k, v in longest)
                + "; shorten them, or drop one from the audience's sections",
                budget=True,
            )
