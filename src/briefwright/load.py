"""Load stage: read every file of a project root into validated, typed models.

Nothing is written here. Every problem found is collected, and
``load_project`` raises one ``ConfigError`` listing them all.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import logging
import os
from pathlib import Path
from typing import Any

from . import bibliography, figures, layouts, passages, yamlfile
from .csl import citation_style
from .errors import Problems
from .markings import TLP, Level, Scheme
from .models import (
    ID_RE,
    Audience,
    AudienceFile,
    Brief,
    BriefAudience,
    BriefAudienceSpec,
    BriefFile,
    Collection,
    MarkingsFile,
    Project,
)
from .reader import FAILED, Reader, key_line, level_of
from .schema import excerpt
from .sources import citations, line_of, load_collection

log = logging.getLogger(__name__)

RESERVED_BRIEF_FILES = {"audiences.yaml", "markings.yaml", "distribution.yaml"}


def build_date() -> dt.date:
    """Return SOURCE_DATE_EPOCH as a date when set, else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


# --- markings and audiences ---------------------------------------------------


def _load_scheme(reader: Reader) -> Scheme:
    path = reader.root / "briefs" / "markings.yaml"
    if not path.exists():
        return TLP
    data = reader.yaml(path)
    spec = reader.model(MarkingsFile, data, path, "markings.yaml")
    if spec is None:
        return TLP
    labels = [level.label for level in spec.levels]
    for index, label in enumerate(labels):
        if label in labels[:index]:
            reader.problems.error(
                reader.rel(path),
                yamlfile.line_of(data, ["levels", index]),
                f"marking '{label}' is defined twice",
                "give each level its own label",
            )
    return Scheme(
        spec.name,
        tuple(
            Level(
                level.label,
                rank,
                level.release,
                level.colour.upper(),
                level.portion,
                " ".join(level.handling.split()),
            )
            for rank, level in enumerate(spec.levels)
        ),
    )


def _load_audiences(reader: Reader, scheme: Scheme) -> dict[str, tuple[AudienceFile, Any]]:
    path = reader.root / "briefs" / "audiences.yaml"
    if not path.is_file():
        reader.problems.error(
            reader.rel(path), None, "is missing", "define the audiences your briefs are for"
        )
        return {}
    data = reader.yaml(path)
    if data is FAILED:
        reader.broken.add("audiences.yaml")
        return {}
    if not isinstance(data, yamlfile.LineDict):
        reader.problems.error(reader.rel(path), 1, "must map audience names to their settings")
        reader.broken.add("audiences.yaml")
        return {}
    found: dict[str, tuple[AudienceFile, Any]] = {}
    for name, entry in data.items():
        line = data.key_lines.get(name)
        if not isinstance(name, str) or not ID_RE.match(name):
            reader.problems.error(
                reader.rel(path),
                line,
                f"audience name {excerpt(name)} is not allowed",
                "use lowercase letters, digits and hyphens",
            )
            continue
        spec = reader.model(AudienceFile, entry, path, f"audience '{name}'")
        if spec is None:
            reader.broken.add(f"audience:{name}")  # reported already; not "undefined" elsewhere
            continue
        level_of(reader, scheme, spec.clearance, path, yamlfile.line_of(entry, ["clearance"]))
        found[name] = (spec, entry)
    return found


def _unknown_audience(reader: Reader, audiences: dict[str, Any], name: str) -> bool:
    """Whether ``name`` is undefined, and not merely broken (reported once already)."""
    if name in audiences or "audiences.yaml" in reader.broken:
        return False
    return f"audience:{name}" not in reader.broken


def _resolve_audience(
    reader: Reader,
    scheme: Scheme,
    name: str,
    base: AudienceFile,
    override: BriefAudience | None,
    where: tuple[Path, Any],
) -> Audience | None:
    fields = base.values()
    if override is not None:
        fields.update(
            {
                key: value
                for key, value in override.values().items()
                if value is not None and key != "sections"
            }
        )
    path, data = where
    clearance = level_of(
        reader, scheme, fields["clearance"], path, yamlfile.line_of(data, ["clearance"])
    )
    layout = fields["layout"]
    if layout not in layouts.available(reader.root):
        reader.problems.error(
            reader.rel(path),
            yamlfile.line_of(data, ["layout"]),
            f"audience '{name}': layout '{layout}' does not exist",
            "expected one of " + ", ".join(layouts.available(reader.root)),
        )
        return None
    if clearance is None:
        return None
    fields["formats"] = list(dict.fromkeys(fields["formats"]))
    return Audience(name=name, level=clearance, **fields)


# --- sources ------------------------------------------------------------------


# --- briefs -----------------------------------------------------------------


def _load_brief(
    reader: Reader,
    scheme: Scheme,
    path: Path,
    audiences: dict[str, tuple[AudienceFile, Any]],
    collections: dict[str, Collection],
) -> Brief | None:
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
    if collection is None:
        reader.problems.error(
            rel,
            key_line(data, "collection"),
            f"collection '{spec.collection}' does not exist",
            "expected a folder of sources/: " + (", ".join(sorted(collections)) or "none found"),
        )
        return None
    _check_section_list(reader, rel, data, collection, spec.sections, ["sections"])
    resolved = _brief_audiences(reader, scheme, path, data, spec, audiences, collection)
    if marking is None:
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
                _closest(section_id, collection.sections),
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
    collection: Collection,
) -> dict[str, BriefAudienceSpec]:
    """Resolve each audience a brief names, with its overrides and its own section list."""
    rel = reader.rel(path)
    resolved: dict[str, BriefAudienceSpec] = {}
    for name, override in spec.audiences.items():
        if name not in audiences:
            if _unknown_audience(reader, audiences, name):
                reader.problems.error(
                    rel,
                    yamlfile.line_of(data, ["audiences", name]),
                    f"audience '{name}' is not defined in briefs/audiences.yaml",
                    "expected one of " + (", ".join(sorted(audiences)) or "none defined"),
                )
            continue
        own = override.sections if override else None
        if own is not None:
            _check_section_list(reader, rel, data, collection, own, ["audiences", name, "sections"])
        # Errors in an overridden field point at the brief; others at audiences.yaml.
        where = (
            (path, data["audiences"][name])
            if override and override.keys_given - {"sections"}
            else (reader.root / "briefs" / "audiences.yaml", audiences[name][1])
        )
        audience = _resolve_audience(reader, scheme, name, audiences[name][0], override, where)
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
            body = json.loads(json.dumps(section.doc.body))
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


def _closest(word: str, options: dict[str, Any]) -> str:
    import difflib

    match = difflib.get_close_matches(word, list(options), n=1)
    if match:
        return f"did you mean '{match[0]}'?"
    return "check the file name under sources/"


# --- the project ----------------------------------------------------------------


def load_project(root: Path, parse: bool = True) -> Project:
    """Read and validate every file of the project; raise ConfigError listing all problems.

    Warnings (raw markup removed from a source, say) are logged, once each.
    Without ``parse``, sections are not read by pandoc (enough for a listing).
    """
    project, problems = load_with_problems(root, parse)
    problems.raise_if_errors()
    for warning in problems.warnings:
        log.warning("%s", warning)
    assert project is not None
    return project


def load_with_problems(root: Path, parse: bool = True) -> tuple[Project | None, Problems]:
    """Read the project and return it with every problem found (errors and warnings)."""
    root = root.resolve()
    problems = Problems()
    reader = Reader(root, problems)
    scheme = _load_scheme(reader)
    audiences = _load_audiences(reader, scheme)

    collections: dict[str, Collection] = {}
    sources = root / "sources"
    for folder in sorted(p for p in sources.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not ID_RE.match(folder.name):
            problems.error(
                reader.rel(folder),
                None,
                f"collection name '{folder.name}' is not allowed",
                "use lowercase letters, digits and hyphens",
            )
            continue
        collections[folder.name] = load_collection(reader, scheme, folder, parse)

    uncited: dict[str, list[tuple[str, str, int | None]]] = {}
    for collection in collections.values():
        keys = collection.references
        for section in collection.sections.values():
            found = passages.passages(section.doc.body) if section.doc else []
            for name in (name for passage in found for name in passage.audiences or ()):
                if _unknown_audience(reader, audiences, name):
                    problems.error(
                        section.rel,
                        line_of(section.body, name, section.body_line),
                        f"audience '{name}' is not defined",
                        "expected one of " + ", ".join(sorted(audiences)),
                    )
            for name in section.audiences or ():
                if _unknown_audience(reader, audiences, name):
                    problems.error(
                        section.rel,
                        2,
                        f"audience '{name}' is not defined",
                        "expected one of " + ", ".join(sorted(audiences)),
                    )
            for key, line in citations(section):
                if collection.bibliography is None:
                    uncited.setdefault(collection.name, []).append((f"@{key}", section.rel, line))
                elif key not in keys and reader.rel(collection.bibliography) not in reader.broken:
                    close = difflib.get_close_matches(key, list(keys), n=1)
                    problems.error(
                        section.rel,
                        line,
                        f"citation '@{key}' is not in the bibliography",
                        (f"did you mean '@{close[0]}'? " if close else "")
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
            "add references.yaml (CSL YAML), references.json or references.bib; where an @ "
            f"does not start a citation (a handle, an address), write it \\{first}",
        )

    briefs: dict[str, Brief] = {}
    brief_paths = sorted(
        p
        for p in (root / "briefs").glob("*.y*ml")
        if p.name not in RESERVED_BRIEF_FILES and p.suffix in (".yaml", ".yml")
    )
    for path in brief_paths:
        brief = _load_brief(reader, scheme, path, audiences, collections)
        if brief is not None:
            briefs[brief.id] = brief
    if not brief_paths:
        problems.error("briefs", None, "holds no brief", "add a briefs/<brief-id>.yaml file")
    if parse:
        bibliography.check_citations(reader, briefs.values(), collections)
    project = Project(
        root=root,
        scheme=scheme,
        audiences={
            name: _plain_audience(reader, scheme, name, spec)
            for name, (spec, _) in audiences.items()
        },
        briefs=briefs,
        collections=collections,
    )
    return project, problems


def _plain_audience(reader: Reader, scheme: Scheme, name: str, spec: AudienceFile) -> Audience:
    """Return an audience as audiences.yaml defines it, before any brief's overrides."""
    fields = spec.values()
    fields["formats"] = list(dict.fromkeys(spec.formats))
    level = scheme.get(spec.clearance) or scheme.levels[0]  # an unknown label is reported
    return Audience(name=name, level=level, **fields)
