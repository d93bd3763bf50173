"""Load stage: read every file of a project root into validated, typed models.

Nothing is written here. Every problem found is collected, and
``load_project`` raises one ``ConfigError`` listing them all.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from . import layouts, passages, yamlfile
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
    Section,
    SectionFile,
)

log = logging.getLogger(__name__)

MAX_SOURCE_BYTES = 2_000_000
RESERVED_BRIEF_FILES = {"audiences.yaml", "markings.yaml", "distribution.yaml"}
BIBLIOGRAPHY_NAMES = ("references.bib", "references.json", "references.yaml")
CITATION = re.compile(
    r"(?:^|[^\w@])@\{?([A-Za-z0-9_][\w:.#$%&+?<>~/-]*?)\}?(?=[.,;:!?]*(?:[\s\];,)]|$))"
)

M = TypeVar("M", bound=BaseModel)
FAILED = object()  # returned by _Reader.yaml when the problem is already reported


def find_root(start: Path) -> Path | None:
    """Return the nearest folder at or above ``start`` holding briefs/ and sources/."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "briefs").is_dir() and (folder / "sources").is_dir():
            return folder
    return None


def build_date() -> dt.date:
    """Return SOURCE_DATE_EPOCH as a date when set, else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


class _Reader:
    """Reads files relative to a root, turning every fault into a Problem."""

    def __init__(self, root: Path, problems: Problems) -> None:
        self.root = root
        self.problems = problems
        self.broken: set[str] = set()  # section files that exist but did not load

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def text(self, path: Path) -> str | None:
        rel = self.rel(path)
        if not _inside(path.resolve(), self.root):
            self.problems.error(rel, None, "is a link to a file outside the project", "copy it in")
            return None
        try:
            size = path.stat().st_size
            if size > MAX_SOURCE_BYTES:
                self.problems.error(
                    rel,
                    None,
                    f"file is {size / 1e6:.1f} MB; the limit is {MAX_SOURCE_BYTES / 1e6:.0f} MB",
                    "split it into several sections",
                )
                return None
            data = path.read_bytes()
        except OSError as exc:
            self.problems.error(rel, None, f"cannot be read: {exc.strerror}")
            return None
        if b"\x00" in data:
            self.problems.error(rel, None, "is a binary file, not text", "save it as UTF-8 text")
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.problems.error(
                rel, line, "is not valid UTF-8", "save the file with UTF-8 encoding"
            )
            return None
        return text.replace("\r\n", "\n")

    def yaml(self, path: Path, text: str | None = None, line_offset: int = 0) -> Any:
        if text is None:
            text = self.text(path)
            if text is None:
                return FAILED
        try:
            return yamlfile.parse(text)
        except yamlfile.YamlSyntaxError as exc:
            line = exc.line + line_offset if exc.line else None
            self.problems.error(
                self.rel(path), line, f"invalid YAML: {exc}", "check indentation and quoting"
            )
            return FAILED

    def model(self, model: type[M], data: Any, path: Path, what: str, offset: int = 0) -> M | None:
        if data is FAILED:
            return None
        if not isinstance(data, dict):
            found = "nothing" if data is None else type(data).__name__
            self.problems.error(
                self.rel(path),
                (getattr(data, "line", 1) or 1) + offset,
                f"{what} must be a mapping of keys to values, found {found}",
                "see the file formats in README.md",
            )
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = [
                    part for part in err["loc"] if not str(part).startswith(("function-", "list["))
                ]
                line = yamlfile.line_of(data, loc)
                self.problems.error(
                    self.rel(path),
                    line + offset if line else None,
                    _describe(err, loc),
                    _hint(err),
                )
            return None


def _describe(err: Any, loc: list[Any]) -> str:
    key = ".".join(str(part) for part in loc) or "file"
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{key}'"
    if kind == "missing":
        return f"'{key}' is required"
    if kind == "string_pattern_mismatch":
        return f"'{key}': {err['input']!r} is not allowed here"
    return f"'{key}': {err['msg'][0].lower()}{err['msg'][1:]} (found {err.get('input')!r})"


def _hint(err: Any) -> str | None:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "check the spelling; README.md lists every key"
    if kind == "string_pattern_mismatch" and "a-z0-9" in str(err.get("ctx", {}).get("pattern", "")):
        return "ids use lowercase letters, digits and hyphens"
    if kind == "string_pattern_mismatch":
        return "write it on one line"
    if kind.startswith("date"):
        return "write dates as YYYY-MM-DD"
    return None


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


# --- markings and audiences ---------------------------------------------------


def _load_scheme(reader: _Reader) -> Scheme:
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
            Level(level.label, rank, level.release, level.colour.upper(), level.portion)
            for rank, level in enumerate(spec.levels)
        ),
    )


def _marking(
    reader: _Reader, scheme: Scheme, label: str | None, path: Path, line: int | None
) -> Level | None:
    if label is None:
        return None
    level = scheme.get(label)
    if level is None:
        hint = f"expected {scheme.expected()}"
        if "markings.yaml" not in hint and scheme is TLP:
            hint += ", or define a scheme in briefs/markings.yaml"
        reader.problems.error(
            reader.rel(path), line, f"marking '{label}' is not in the {scheme.name} scheme", hint
        )
    return level


def _load_audiences(reader: _Reader, scheme: Scheme) -> dict[str, tuple[AudienceFile, Any]]:
    path = reader.root / "briefs" / "audiences.yaml"
    if not path.is_file():
        reader.problems.error(
            reader.rel(path), None, "is missing", "define the audiences your briefs are for"
        )
        return {}
    data = reader.yaml(path)
    if data is FAILED:
        return {}
    if not isinstance(data, yamlfile.LineDict):
        reader.problems.error(reader.rel(path), 1, "must map audience names to their settings")
        return {}
    found: dict[str, tuple[AudienceFile, Any]] = {}
    for name, entry in data.items():
        line = data.key_lines.get(name)
        if not isinstance(name, str) or not ID_RE.match(name):
            reader.problems.error(
                reader.rel(path),
                line,
                f"audience name {name!r} is not allowed",
                "use lowercase letters, digits and hyphens",
            )
            continue
        spec = reader.model(AudienceFile, entry, path, f"audience '{name}'")
        if spec is not None:
            _marking(reader, scheme, spec.clearance, path, yamlfile.line_of(entry, ["clearance"]))
            found[name] = (spec, entry)
    return found


def _resolve_audience(
    reader: _Reader,
    scheme: Scheme,
    name: str,
    base: AudienceFile,
    override: BriefAudience | None,
    where: tuple[Path, Any],
) -> Audience | None:
    fields = base.model_dump()
    if override is not None:
        fields.update(
            {
                key: value
                for key, value in override.model_dump(exclude={"sections"}).items()
                if value is not None
            }
        )
    path, data = where
    clearance = _marking(
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
    return Audience(
        name=name,
        label=fields["label"],
        layout=layout,
        depth=fields["depth"],
        max_pages=fields["max_pages"],
        clearance=clearance,
        formats=tuple(dict.fromkeys(fields["formats"])),
        paper=fields["paper"],
        portion_marks=fields["portion_marks"],
        max_words=fields["max_words"],
        reading_grade=fields["reading_grade"],
        pdf_variant=fields["pdf_variant"],
    )


# --- sources ------------------------------------------------------------------


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Return (front matter, body, first body line) or None without front matter."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None


def _load_section(
    reader: _Reader, scheme: Scheme, collection: str, path: Path
) -> tuple[Section, list[passages.Div | str]] | None:
    rel = reader.rel(path)
    text = reader.text(path)
    if text is None:
        return None
    if not text.strip():
        reader.problems.error(
            rel, None, "is empty", "start it with front matter: ---, title:, summary:, ---"
        )
        return None
    split = _split_front_matter(text)
    if split is None:
        reader.problems.error(
            rel,
            1,
            "has no front matter",
            "start the file with a line '---', the title: and summary: keys, and a closing '---'",
        )
        return None
    front, body, body_line = split
    data = reader.yaml(path, front, line_offset=1)
    meta = reader.model(SectionFile, data, path, "front matter", offset=1)
    if meta is None:
        return None
    words = len(meta.summary.split())
    if words > 60:
        reader.problems.error(
            rel,
            _line(data, "summary", 1),
            f"summary has {words} words; the limit is 60",
            "keep the bottom line to one or two sentences",
        )
    marking = _marking(reader, scheme, meta.marking, path, _line(data, "marking", 1))
    try:
        blocks = passages.parse(body, body_line)
    except passages.PassageSyntaxError as exc:
        reader.problems.error(rel, exc.line, str(exc), exc.hint)
        return None
    for div in passages.walk(blocks):
        if "marking" in div.attrs:
            _marking(reader, scheme, div.attrs["marking"], path, div.line)
        if "data-marking" in div.attrs:
            reader.problems.error(
                rel,
                div.line,
                "'data-marking' is reserved for briefwright",
                'mark a passage with ::: {marking="LABEL"}',
            )
    section = Section(
        id=path.stem,
        collection=collection,
        path=path,
        rel=rel,
        title=meta.title,
        summary=" ".join(meta.summary.split()),
        tags=tuple(meta.tags),
        marking=marking,
        reviewed=meta.reviewed,
        audiences=tuple(meta.audiences) if meta.audiences is not None else None,
        body=body,
        body_line=body_line,
    )
    return section, blocks


def _line(data: Any, key: str, offset: int = 0) -> int | None:
    line = yamlfile.line_of(data, [key])
    return line + offset if line else None


def _load_collection(
    reader: _Reader, scheme: Scheme, folder: Path
) -> tuple[Collection, dict[str, list[passages.Div | str]]]:
    sections: dict[str, Section] = {}
    bodies: dict[str, list[passages.Div | str]] = {}
    for path in sorted(folder.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        if not ID_RE.match(path.stem):
            reader.problems.error(
                reader.rel(path),
                None,
                f"section id '{path.stem}' is not allowed",
                "name section files with lowercase letters, digits and hyphens",
            )
            continue
        loaded = _load_section(reader, scheme, folder.name, path)
        if loaded:
            sections[path.stem] = loaded[0]
            bodies[path.stem] = loaded[1]
        else:
            reader.broken.add(f"{folder.name}/{path.stem}")
    bibs = [folder / name for name in BIBLIOGRAPHY_NAMES if (folder / name).is_file()]
    if len(bibs) > 1:
        reader.problems.error(
            reader.rel(folder),
            None,
            "has more than one bibliography: " + ", ".join(p.name for p in bibs),
            "keep one of them",
        )
    return Collection(folder.name, folder, sections, bibs[0] if bibs else None), bodies


def bibliography_keys(reader: _Reader, path: Path) -> set[str]:
    """Return the citation keys a bibliography file defines."""
    text = reader.text(path)
    if text is None:
        return set()
    if path.suffix == ".bib":
        return set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", text))
    try:
        data = json.loads(text) if path.suffix == ".json" else yamlfile.parse(text)
    except (json.JSONDecodeError, yamlfile.YamlSyntaxError) as exc:
        reader.problems.error(
            reader.rel(path),
            getattr(exc, "line", None) or getattr(exc, "lineno", None),
            f"cannot be parsed: {exc}",
        )
        return set()
    entries = data.get("references", []) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        reader.problems.error(reader.rel(path), 1, "must hold a list of references")
        return set()
    return {str(entry["id"]) for entry in entries if isinstance(entry, dict) and "id" in entry}


# --- briefs -----------------------------------------------------------------


def _load_brief(
    reader: _Reader,
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
    marking = _marking(reader, scheme, spec.marking, path, _line(data, "marking"))
    collection = collections.get(spec.collection)
    if collection is None:
        reader.problems.error(
            rel,
            _line(data, "collection"),
            f"collection '{spec.collection}' does not exist",
            "expected a folder of sources/: " + (", ".join(sorted(collections)) or "none found"),
        )
        return None

    def check_sections(ids: list[str], loc: list[Any]) -> None:
        for index, section_id in enumerate(ids):
            broken = f"{collection.name}/{section_id}" in reader.broken
            if section_id not in collection.sections and not broken:
                reader.problems.error(
                    rel,
                    yamlfile.line_of(data, [*loc, index]),
                    f"section '{section_id}' is not in sources/{collection.name}/",
                    _closest(section_id, collection.sections),
                )
        for index, section_id in enumerate(ids):
            if section_id in ids[:index]:
                reader.problems.error(
                    rel,
                    yamlfile.line_of(data, [*loc, index]),
                    f"section '{section_id}' is listed twice",
                    "list it once",
                )

    check_sections(spec.sections, ["sections"])
    resolved: dict[str, BriefAudienceSpec] = {}
    for name, override in spec.audiences.items():
        if name not in audiences:
            reader.problems.error(
                rel,
                yamlfile.line_of(data, ["audiences", name]),
                f"audience '{name}' is not defined in briefs/audiences.yaml",
                "expected one of " + (", ".join(sorted(audiences)) or "none defined"),
            )
            continue
        if override and override.sections is not None:
            check_sections(override.sections, ["audiences", name, "sections"])
        where = (
            (path, data["audiences"][name])
            if override and override.model_fields_set - {"sections"}
            else (reader.root / "briefs" / "audiences.yaml", audiences[name][1])
        )
        audience = _resolve_audience(reader, scheme, name, audiences[name][0], override, where)
        if audience is not None:
            sections = (
                tuple(override.sections) if override and override.sections is not None else None
            )
            resolved[name] = BriefAudienceSpec(audience, sections)
    for section_id in dict.fromkeys(
        [
            *spec.sections,
            *(s for a in spec.audiences.values() if a and a.sections for s in a.sections),
        ]
    ):
        section = collection.sections.get(section_id)
        if section is not None and section.marking is None and marking is None:
            reader.problems.error(
                section.rel,
                2,
                "has no marking, and brief "
                f"'{path.stem}' gives no default; unmarked text is never assumed public",
                f"add 'marking:' to the section, or a default 'marking:' to {rel}",
            )
    csl = None
    if spec.csl is not None:
        csl = (reader.root / spec.csl).resolve()
        if not _inside(csl, reader.root) or not csl.is_file():
            reader.problems.error(
                rel,
                _line(data, "csl"),
                f"citation style '{spec.csl}' is not a file in the project",
                "give a path from the project root, such as styles/chicago-note.csl",
            )
            csl = None
    return Brief(
        csl=csl,
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


def _closest(word: str, options: dict[str, Any]) -> str:
    import difflib

    match = difflib.get_close_matches(word, list(options), n=1)
    if match:
        return f"did you mean '{match[0]}'?"
    return "check the file name under sources/"


# --- the project ----------------------------------------------------------------


def load_project(root: Path) -> Project:
    """Read and validate every file of the project; raise ConfigError listing all problems."""
    project, problems = load_with_problems(root)
    problems.raise_if_errors()
    assert project is not None
    return project


def load_with_problems(root: Path) -> tuple[Project | None, Problems]:
    """Read the project and return it with every problem found (errors and warnings)."""
    root = root.resolve()
    problems = Problems()
    reader = _Reader(root, problems)
    scheme = _load_scheme(reader)
    audiences = _load_audiences(reader, scheme)

    collections: dict[str, Collection] = {}
    bodies: dict[str, dict[str, list[passages.Div | str]]] = {}
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
        collections[folder.name], bodies[folder.name] = _load_collection(reader, scheme, folder)

    for collection in collections.values():
        keys = (
            bibliography_keys(reader, collection.bibliography) if collection.bibliography else set()
        )
        for section_id, blocks in bodies[collection.name].items():
            section = collection.sections[section_id]
            for div in passages.walk(blocks):
                for name in div.audiences or ():
                    if name not in audiences:
                        problems.error(
                            section.rel,
                            div.line,
                            f"audience '{name}' is not defined",
                            "expected one of " + ", ".join(sorted(audiences)),
                        )
            for name in section.audiences or ():
                if name not in audiences:
                    problems.error(
                        section.rel,
                        2,
                        f"audience '{name}' is not defined",
                        "expected one of " + ", ".join(sorted(audiences)),
                    )
            for key, line in _citations(section, blocks):
                if key not in keys:
                    where = (
                        reader.rel(collection.bibliography)
                        if collection.bibliography
                        else (f"sources/{collection.name}/references.yaml")
                    )
                    problems.error(
                        section.rel,
                        line,
                        f"citation '@{key}' is not in the bibliography",
                        f"add it to {where}",
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


def _plain_audience(reader: _Reader, scheme: Scheme, name: str, spec: AudienceFile) -> Audience:
    clearance = scheme.get(spec.clearance) or scheme.levels[0]
    return Audience(
        name,
        spec.label,
        spec.layout,
        spec.depth,
        spec.max_pages,
        clearance,
        tuple(spec.formats),
        spec.paper,
    )


def _citations(section: Section, blocks: list[passages.Div | str]) -> list[tuple[str, int]]:
    """Return (key, line) for every citation in a body, outside code."""
    found: list[tuple[str, int]] = []
    line = section.body_line
    in_code = False
    for offset, text in enumerate(section.body.split("\n")):
        if passages._CODE_FENCE.match(text):
            in_code = not in_code
        if in_code or text.startswith("    "):
            continue
        for match in CITATION.finditer(text):
            found.append((match[1], line + offset))
    del blocks
    return found
