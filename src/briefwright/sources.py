"""Source sections: front matter, bodies with their passages, collections, bibliographies."""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import passages, yamlfile
from .errors import Problems
from .markings import Scheme
from .models import ID_RE, Collection, Section, SectionFile
from .reader import Reader, key_line, level_of

IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
BIBLIOGRAPHY_NAMES = ("references.bib", "references.json", "references.yaml")
CITATION = re.compile(
    r"(?:^|[^\w@])@\{?([A-Za-z0-9_][\w:.#$%&+?<>~/-]*?)\}?(?=[.,;:!?]*(?:[\s\];,)]|$))"
)


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Return (front matter, body, first body line) or None without front matter."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None


def load_section(reader: Reader, scheme: Scheme, collection: str, path: Path) -> Section | None:
    """Load one section file; report its faults and return None if it cannot be used."""
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
        opened = text.split("\n", 1)[0].strip() == "---"
        reader.problems.error(
            rel,
            1,
            "front matter is never closed" if opened else "has no front matter",
            "end the front matter with a line '---' before the text"
            if opened
            else "start the file with a line '---', the title: and summary: keys, and a "
            "closing '---'",
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
            key_line(data, "summary", 1),
            f"summary has {words} words; the limit is 60",
            "keep the bottom line to one or two sentences",
        )
    marking = level_of(reader, scheme, meta.marking, path, key_line(data, "marking", 1))
    try:
        blocks = passages.parse(body, body_line)
    except passages.PassageSyntaxError as exc:
        reader.problems.error(rel, exc.line, str(exc), exc.hint)
        return None
    for number, text in prose_lines(body, body_line):
        for image in IMAGE.finditer(text):
            _check_image(reader.root, path, rel, number, image, reader.problems)
    for div in passages.walk(blocks):
        if "marking" in div.attrs:
            level_of(reader, scheme, div.attrs["marking"], path, div.line)
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
        blocks=tuple(blocks),
    )
    return section


def load_collection(reader: Reader, scheme: Scheme, folder: Path) -> Collection:
    """Load a folder of sections and its bibliography."""
    sections: dict[str, Section] = {}
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
        loaded = load_section(reader, scheme, folder.name, path)
        if loaded:
            sections[path.stem] = loaded
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
    bibliography = bibs[0] if bibs else None
    references = bibliography_entries(reader, bibliography) if bibliography else {}
    return Collection(folder.name, folder, sections, bibliography, references)


def bibliography_entries(reader: Reader, path: Path) -> dict[str, int | None]:
    """Return each citation key a bibliography defines, with the line that defines it."""
    text = reader.text(path)
    if text is None:
        return {}
    if path.suffix == ".bib":
        return {
            m[1]: text[: m.start()].count("\n") + 1
            for m in re.finditer(r"@\w+\s*\{\s*([^,\s]+)\s*,", text)
        }
    try:
        data = json.loads(text) if path.suffix == ".json" else yamlfile.parse(text)
    except (json.JSONDecodeError, yamlfile.YamlSyntaxError) as exc:
        reader.problems.error(
            reader.rel(path),
            getattr(exc, "line", None) or getattr(exc, "lineno", None),
            f"cannot be parsed: {exc}",
        )
        return {}
    entries = data.get("references", []) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        reader.problems.error(reader.rel(path), 1, "must hold a list of references")
        return {}
    found: dict[str, int | None] = {}
    for entry in entries:
        if isinstance(entry, dict) and "id" in entry:
            # YAML knows its lines; in JSON, the key's first quoted mention is its entry.
            line = yamlfile.line_of(entry, ["id"])
            if line is None:
                at = text.find(json.dumps(str(entry["id"])))
                line = text[:at].count("\n") + 1 if at >= 0 else None
            found[str(entry["id"])] = line
    return found


def citations(section: Section) -> list[tuple[str, int]]:
    """Return (key, line) for every citation in a body, outside code."""
    return [
        (match[1], number)
        for number, text in prose_lines(section.body, section.body_line)
        if not text.startswith("    ")  # indented code
        for match in CITATION.finditer(text)
    ]


def prose_lines(body: str, first_line: int) -> list[tuple[int, str]]:
    """Return (line number, text) for body lines outside fenced code."""
    lines, in_code = [], False
    for offset, text in enumerate(body.split("\n")):
        if CODE_FENCE.match(text):
            in_code = not in_code
            continue
        if not in_code:
            lines.append((first_line + offset, text))
    return lines


def images(body: str, source: Path, root: Path) -> list[Path]:
    """Return the image files inside the project that a body shows."""
    found = []
    for _, text in prose_lines(body, 1):
        for image in IMAGE.finditer(text):
            path = (source.parent / image["target"]).resolve()
            if path.is_relative_to(root) and path.is_file():
                found.append(path)
    return found


def _check_image(
    root: Path, source: Path, rel: str, line: int, image: re.Match[str], problems: Problems
) -> None:
    target = image["target"]
    if not image["alt"].strip():
        problems.error(
            rel,
            line,
            f"image '{target}' has no description (alt text)",
            "write one between the brackets: ![What the chart shows](file.png)",
        )
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
        problems.error(
            rel,
            line,
            f"image '{target}' is not a file in the project",
            "copy the image next to the section and name it by its file name",
        )
        return
    path = (source.parent / target).resolve()
    if not path.is_relative_to(root):
        problems.error(
            rel, line, f"image '{target}' lies outside the project", "copy it into the project"
        )
    elif not path.is_file():
        problems.error(
            rel, line, f"image '{target}' does not exist", f"looked for {path.relative_to(root)}"
        )
