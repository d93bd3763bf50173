"""Load stage: read every file of a project root into validated, typed models.

Nothing is written here. Every problem found is collected, and
``load_project`` raises one ``ConfigError`` listing them all.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import audiences_file, bibliography, figures, passages, tree, yamlfile
from .csl import citation_style
from .errors import Problem, Problems, did_you_mean, unknown
from .markings import TLP, Scheme
from .models import (
    ID_RE,
    AudienceFile,
    Brief,
    BriefAudienceSpec,
    BriefFile,
    Collection,
    Project,
)
from .reader import Reader, key_line, level_of, line_of
from .sources import citations, load_collection

log = logging.getLogger(__name__)

RESERVED_BRIEF_FILES = {"audiences.yaml", "markings.yaml", "distribution.yaml"}


def build_date() -> dt.date:
    """Return SOURCE_DATE_EPOCH as a date when set, else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


# --- briefs -----------------------------------------------------------------


def brief_paths(root: Path) -> list[Path]:
    """Return the brief files of a project, sorted (named validly or not)."""
    return sorted(
        p
        for p in (root / "briefs").glob("*.y*ml")
        if p.name not in RESERVED_BRIEF_FILES and p.suffix in (".yaml", ".yml")
    )


def collection_names(root: Path) -> list[str]:
    """Return the folders of sources/ (valid collection names or not), sorted."""
    folder = root / "sources"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _load_brief(
    reader: Reader,
    scheme: Scheme,
    path: Path,
    audiences: dict[str, tuple[AudienceFile, Any]],
    collections: dict[str, Collection],
    glance: bool = False,
) -> Brief | None:
    """Read a brief; with ``glance``, its collection is not read and its sections not checked."""
    rel = reader.rel(path)
    data = reader.yaml(path)
    spec = reader.model(BriefFile, data, path, "a brief")
    if spec is None:
        return None
    if not ID_RE.match(path.stem):
        reader.problems.error(
            rel,
            None,
            f"brief id '{path.stem}' is not allowed",
            "name brief files with lowercase letters, digits and hyphens",
        )
        return None
    marking = level_of(reader, scheme, spec.marking, path, key_line(data, "marking"))
    collection = collections.get(spec.collection)
    folders = collection_names(reader.root)
    if collection is None and (not glance or spec.collection not in folders):
        reader.problems.error(
            rel,
            key_line(data, "collection"),
            f"collection '{spec.collection}' does not exist",
            unknown(spec.collection, folders, "collections", "'brief list'")
            + "; a collection is a folder of sources/",
        )
        return None
    if collection is not None:
        _check_section_list(reader, rel, data, collection, spec.sections, ["sections"])
    resolved = _brief_audiences(reader, scheme, path, data, spec, audiences, collection)
    if marking is None and collection is not None:
        _check_unmarked(reader, path, spec, collection)
    return Brief(
        front=spec,
        csl=_citation_style(reader, rel, data, spec.csl),
        id=path.stem,
        path=path,
        rel=rel,
        title=spec.title,
        subtitle=spec.subtitle,
        date=spec.date or build_date(),
        authors=tuple(spec.authors),
        collection=spec.collection,
        marking=marking,
        lang=spec.lang,
        sections=tuple(spec.sections),
        audiences=resolved,
        data=data,
    )


def _check_section_list(
    reader: Reader, rel: str, data: Any, collection: Collection, ids: list[str], loc: list[Any]
) -> None:
    """Report section ids that do not exist or are listed twice."""
    for index, section_id in enumerate(ids):
        line = yamlfile.line_of(data, [*loc, index])
        broken = f"{collection.name}/{section_id}" in reader.broken
        if section_id not in collection.sections and not broken:
            reader.problems.error(
                rel,
                line,
                f"section '{section_id}' is not in sources/{collection.name}/",
                did_you_mean(section_id, collection.sections)
                or f"write sources/{collection.name}/{section_id}.md, or check the spelling",
            )
        if section_id in ids[:index]:
            reader.problems.error(
                rel, line, f"section '{section_id}' is listed twice", "list it once"
            )


def _brief_audiences(
    reader: Reader,
    scheme: Scheme,
    path: Path,
    data: Any,
    spec: BriefFile,
    audiences: dict[str, tuple[AudienceFile, Any]],
    collection: Collection | None,
) -> dict[str, BriefAudienceSpec]:
    """Resolve each audience a brief names, with its overrides and its own section list."""
    rel = reader.rel(path)
    resolved: dict[str, BriefAudienceSpec] = {}
    for name, override in spec.audiences.items():
        if name not in audiences:
            if audiences_file.unknown_audience(reader, audiences, name):
                reader.problems.error(
                    rel,
                    yamlfile.line_of(data, ["audiences", name]),
                    f"audience '{name}' is not defined in briefs/audiences.yaml",
                    unknown(name, audiences, "audiences"),
                )
            continue
        own = override.sections if override else None
        if own is not None and collection is not None:
            _check_section_list(reader, rel, data, collection, own, ["audiences", name, "sections"])
        entry = data["audiences"][name] if override is not None else None
        audience = audiences_file.resolve_audience(
            reader, scheme, name, audiences[name], override, (path, entry)
        )
        if audience is not None:
            resolved[name] = BriefAudienceSpec(audience, tuple(own) if own is not None else None)
    return resolved


def _check_unmarked(reader: Reader, path: Path, spec: BriefFile, collection: Collection) -> None:
    """Fail closed: a section with no marking in a brief with no default is an error."""
    named = [*spec.sections]
    named += [
        s for entry in spec.audiences.values() if entry and entry.sections for s in entry.sections
    ]
    for section_id in dict.fromkeys(named):
        section = collection.sections.get(section_id)
        if section is not None and section.marking is None:
            reader.problems.error(
                section.rel,
                2,
                f"has no marking, and brief '{path.stem}' gives no default; unmarked text is "
                "never assumed public",
                f"add 'marking:' to the section, or a default 'marking:' to {reader.rel(path)}",
            )
        if section is not None and section.doc is not None:
            body = tree.copy(section.doc.body)
            for name in dict.fromkeys(figures.with_default(body, collection.data, None, TLP)):
                reader.problems.error(
                    reader.rel(collection.data.data[name].path),
                    None,
                    f"has no marking, and brief '{path.stem}', which shows it in "
                    f"{section.rel}, gives no default; unmarked data is never assumed public",
                    f"give it one in its sidecar ({Path(name).stem}.meta.yaml: marking: ...), "
                    f"or a default 'marking:' to {reader.rel(path)}",
                )


def _citation_style(reader: Reader, rel: str, data: Any, csl: str | None) -> Path | None:
    """Return the brief's CSL file, if it names a usable style inside the project."""
    return citation_style(reader, rel, key_line(data, "csl"), csl)


# --- the project ----------------------------------------------------------------


def load_project(
    root: Path, parse: bool = True, briefs: Iterable[str] | None = None, rough: bool = False
) -> Project:
    """Read and validate the project; raise ConfigError listing all problems.

    With ``briefs``, only what those briefs use is read in full (see
    :func:`load_with_problems`). Warnings (raw markup removed from a source,
    say) are logged, once each. Without ``parse``, sections are not read by
    pandoc (enough for a listing).
    """
    project, problems = load_with_problems(root, parse, briefs, rough)
    problems.raise_if_errors()
    for warning in problems.warnings:
        log.warning("%s", warning)
    assert project is not None
    return project


def load_with_problems(
    root: Path, parse: bool = True, briefs: Iterable[str] | None = None, rough: bool = False
) -> tuple[Project | None, Problems]:
    """Read the project and return it with every problem found (errors and warnings).

    With ``briefs`` (ids), only what they use is read in full: the marking
    scheme, audiences.yaml, their files and their collections, each checked
    exactly as in a load of everything, so no fault there is ever less than an
    error. Every other brief file is read too, without its collection: its
    faults are warnings naming it, and it is never selected or built
    (``Project.elsewhere``). With ``rough``, faults of budgets (a summary too
    long) are warnings.
    """
    root = root.resolve()
    problems = Problems()
    reader = Reader(root, problems)
    scheme = audiences_file.load_scheme(reader)
    audiences = audiences_file.load_audiences(reader, scheme)
    paths = brief_paths(root)
    chosen = paths if briefs is None else [p for p in paths if p.stem in set(briefs)]
    wanted = None if briefs is None else _collections_of(root, chosen)
    collections = _load_collections(reader, scheme, parse, wanted, tuple(audiences))
    _check_collections(reader, audiences, collections)

    loaded: dict[str, Brief] = {}
    for path in chosen:
        brief = _load_brief(reader, scheme, path, audiences, collections)
        if brief is not None:
            loaded[brief.id] = brief
    if not paths:
        problems.error("briefs", None, "holds no brief", "add a briefs/<brief-id>.yaml file")
    if parse:
        bibliography.check_citations(reader, loaded.values(), collections)
    elsewhere: dict[str, Brief] = {}
    for path in paths:
        if path not in chosen:
            glanced = _glance(reader, scheme, path, audiences)
            if glanced is not None:
                elsewhere[glanced.id] = glanced
    if rough:
        problems.allow_budgets()
    project = Project(
        root=root,
        scheme=scheme,
        audiences={
            name: audiences_file.plain_audience(reader, scheme, name, spec, entry)
            for name, (spec, entry) in audiences.items()
        },
        briefs=loaded,
        collections=collections,
        elsewhere=elsewhere,
    )
    return project, problems


def _collections_of(root: Path, paths: list[Path]) -> set[str]:
    """Return the collections the brief files name (their faults are reported later)."""
    names = set()
    for path in paths:
        data = Reader(root, Problems()).yaml(path)
        if isinstance(data, dict) and isinstance(data.get("collection"), str):
            names.add(data["collection"])
    return names


def _load_collections(
    reader: Reader,
    scheme: Scheme,
    parse: bool,
    names: set[str] | None,
    audiences: tuple[str, ...] = (),
) -> dict[str, Collection]:
    """Load every collection of sources/, or those ``names`` gives (``audiences``: the
    audience names, which no class or attribute of a source may use)."""
    collections: dict[str, Collection] = {}
    for name in collection_names(reader.root):
        if names is not None and name not in names:
            continue
        folder = reader.root / "sources" / name
        if not ID_RE.match(name):
            reader.problems.error(
                reader.rel(folder),
                None,
                f"collection name '{name}' is not allowed",
                "use lowercase letters, digits and hyphens",
            )
            continue
        collections[name] = load_collection(reader, scheme, folder, parse, audiences)
    return collections


def _check_collections(
    reader: Reader, audiences: dict[str, Any], collections: dict[str, Collection]
) -> None:
    """Report audiences the sections name that are not defined, and unresolved citations."""
    problems = reader.problems
    uncited: dict[str, list[tuple[str, str, int | None]]] = {}
    for collection in collections.values():
        keys = collection.references
        for section in collection.sections.values():
            found = passages.passages(section.doc.body) if section.doc else []
            for name in (name for passage in found for name in passage.audiences or ()):
                if audiences_file.unknown_audience(reader, audiences, name):
                    problems.error(
                        section.rel,
                        line_of(section.body, name, section.body_line),
                        f"audience '{name}' is not defined",
                        unknown(name, audiences, "audiences"),
                    )
            for name in section.audiences or ():
                if audiences_file.unknown_audience(reader, audiences, name):
                    problems.error(
                        section.rel,
                        section.lines.get("audiences"),
                        f"audience '{name}' is not defined",
                        unknown(name, audiences, "audiences"),
                    )
            for key, line in citations(section):
                if collection.bibliography is None:
                    uncited.setdefault(collection.name, []).append((f"@{key}", section.rel, line))
                elif key not in keys and reader.rel(collection.bibliography) not in reader.broken:
                    close = did_you_mean(key, keys, prefix="@")
                    problems.error(
                        section.rel,
                        line,
                        f"citation '@{key}' is not in the bibliography",
                        (f"{close} " if close else "")
                        + f"add it to {reader.rel(collection.bibliography)}, or write "
                        f"\\@{key} if the @ does not start a citation",
                    )
    for name, cited in uncited.items():
        keys_cited = list(dict.fromkeys(key for key, _, _ in cited))
        shown = ", ".join(keys_cited)
        first, rel, line = cited[0]
        problems.error(
            f"sources/{name}/",
            None,
            f"sections cite {len(keys_cited)} work(s) ({shown[:80]}"
            + ("..." if len(shown) > 80 else "")
            + f") but the collection has no bibliography; the first is at {rel}:{line or '?'}",
            "add references.yaml (CSL YAML; README.md's 'Bibliography' shows an entry), "
            "references.json or references.bib; where an @ "
            f"does not start a citation (a handle, an address), write it \\{first}",
        )


def _glance(
    main: Reader, scheme: Scheme, path: Path, audiences: dict[str, tuple[AudienceFile, Any]]
) -> Brief | None:
    """Read a brief that is not being built, without its collection; its faults are warnings."""
    side = Problems()
    reader = Reader(main.root, side)
    reader.broken = set(main.broken)  # an audience reported broken is not "undefined" here
    brief = _load_brief(reader, scheme, path, audiences, {}, glance=True)
    for fault in side.items:
        main.problems.items.append(_elsewhere(fault, path.stem))
    return brief if not side.errors else None


def _elsewhere(fault: Problem, brief: str) -> Problem:
    """Return a fault of a brief that is not being built, as a warning that names it."""
    return Problem(
        fault.path,
        fault.line,
        f"brief '{brief}', not built now: {fault.message}",
        fault.hint,
        "warning",
        elsewhere=brief,
    )
