"""Source sections: front matter, pandoc's tree of each text, collections, bibliographies.

A section's body, title and summary are each read by pandoc on its own, so
nothing written in one section can change the structure around it. What the
tree holds is then checked (restricted passages, images, citations) and made
safe (raw markup, script links, stray attributes), each fault naming the file
and, where the text shows it, the line.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import data, definitions, figures, images, passages, readings, sanitise, schema, tree
from .markings import Scheme
from .models import ID_RE, Collection, Section, SectionFile, SectionTree
from .reader import Reader, key_line, level_of, line_of
from .readings import MAX_DEPTH, METADATA, too_deep

log = logging.getLogger(__name__)

BIBLIOGRAPHY_NAMES = ("references.bib", "references.json", "references.yaml")
# Titles and summaries are read as the text of a paragraph already begun, as the
# layouts show them, so that "1994. The memorandum..." is not taken for a list.
LEAD = "BW"


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Return (front matter, body, first body line) or None without front matter."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        # Only a fence at the margin closes it: "  ---" belongs to a folded value.
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None


@dataclass
class _Front:
    """A section file whose front matter is valid, waiting for pandoc's tree."""

    path: Path
    rel: str
    meta: SectionFile
    data: Any
    body: str
    body_line: int
    # pandoc's second reading of the body for the definition check, if _trees asked for it.
    probe_read: list[Any] | str | None = None

    @functools.cached_property
    def probe(self) -> tuple[str | None, list[str]]:
        """The body for the definition check's second reading, and its labels."""
        return definitions.probe(self.body)


def _read_front(reader: Reader, path: Path) -> _Front | None:
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
    following = next((line for line in body.split("\n") if line.strip()), "")
    key = following.split(":", 1)[0].strip()
    if ":" in following and key in schema.keys(SectionFile):
        reader.problems.error(
            rel,
            body_line + body.split("\n").index(following),
            f"'{key}:' follows the end of the front matter, so it would be text, not a setting",
            "put every key between the two '---' lines (a '---' indented in a value ends "
            "nothing; one at the margin ends the front matter)",
        )
        return None
    data = reader.yaml(path, front, line_offset=1)
    meta = reader.model(SectionFile, data, path, "front matter", offset=1)
    if meta is None:
        return None
    for name, text, first in (
        ("title", meta.title, key_line(data, "title", 1)),
        ("summary", meta.summary, key_line(data, "summary", 1)),
        ("text", body, None),
    ):
        deep = too_deep(text)
        if deep is not None:
            line, message, fix = deep
            reader.problems.error(rel, first or body_line + line, f"in the {name}, {message}", fix)
            return None
    return _Front(path, rel, meta, data, body, body_line)


def load_collection(
    reader: Reader,
    scheme: Scheme,
    folder: Path,
    parse: bool = True,
    audiences: tuple[str, ...] = (),
) -> Collection:
    """Load a folder of sections (with pandoc's tree of each, if ``parse``) and its bibliography.

    ``audiences`` are the audience names: a class or attribute naming one is refused.
    """
    fronts: list[_Front] = []
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
        front = _read_front(reader, path)
        if front is None:
            reader.broken.add(f"{folder.name}/{path.stem}")
        else:
            fronts.append(front)
    found = data.load(reader, scheme, folder / "data")
    trees = _trees(reader, fronts) if parse else {}
    sections: dict[str, Section] = {}
    for front in fronts:
        read = trees.get(front.rel)
        section = _section(reader, scheme, folder.name, front, read, parse, found, audiences)
        if section is None:
            reader.broken.add(f"{folder.name}/{front.path.stem}")
        else:
            sections[front.path.stem] = section
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
    return Collection(folder.name, folder, sections, bibliography, references, found)


# --- pandoc's reading, cached by content ---------------------------------------------


def _trees(reader: Reader, fronts: list[_Front]) -> dict[str, list[Any] | str]:
    """Return, per section file, [title, summary, body] as pandoc reads them, or why not.

    The second reading that checks where notes and links are defined (see
    :func:`definitions.check`) is asked for in the same request wherever it
    may be needed (kept in ``probe_read``), instead of a request of its own
    that would wait behind what pandoc is asked next. Only the tree decides
    whether it is needed: a body that may hold a div or span is all it takes.
    """
    texts: list[str] = []
    for front in fronts:
        texts += [f"{LEAD} {front.meta.title}", f"{LEAD} {front.meta.summary}", front.body]
    probed = [f for f in fronts if definitions.may_hold_passages(f.body) and f.probe[0]]
    texts += [f.probe[0] or "" for f in probed]
    read = readings.read_texts(reader.root, texts, "the sections")
    for front, reading in zip(probed, read[3 * len(fronts) :], strict=True):
        front.probe_read = reading
    found: dict[str, list[Any] | str] = {}
    for index, front in enumerate(fronts):
        parts = read[3 * index : 3 * index + 3]
        failed = [part for part in parts if isinstance(part, str)]
        found[front.rel] = failed[0] if failed else parts
    return found


# --- checks on the tree --------------------------------------------------------------


def _section(
    reader: Reader,
    scheme: Scheme,
    collection: str,
    front: _Front,
    read: list[Any] | str | None,
    parse: bool,
    found: data.Folder,
    audiences: tuple[str, ...] = (),
) -> Section | None:
    rel, meta, data = front.rel, front.meta, front.data
    problems = reader.problems
    words = len(meta.summary.split())
    if words > 60:
        problems.error(
            rel,
            key_line(data, "summary", 1),
            f"summary has {words} words; the limit is 60",
            "keep the bottom line to one or two sentences; meanwhile 'brief build --rough' "
            "makes a rough HTML page of it",
            budget=True,
        )
    marking = level_of(reader, scheme, meta.marking, front.path, key_line(data, "marking", 1))
    doc: SectionTree | None = None
    if parse:
        if not isinstance(read, list):
            problems.error(rel, None, f"pandoc could not read it: {read}")
            return None
        doc = _checked_tree(reader, scheme, front, read, found, audiences)
        if doc is None:
            return None
    return Section(
        front=meta,
        id=front.path.stem,
        collection=collection,
        path=front.path,
        rel=rel,
        title=meta.title,
        summary=" ".join(meta.summary.split()),
        tags=tuple(meta.tags),
        marking=marking,
        reviewed=meta.reviewed,
        audiences=tuple(meta.audiences) if meta.audiences is not None else None,
        body=front.body,
        body_line=front.body_line,
        doc=doc,
        lines={str(key): line + 1 for key, line in getattr(data, "key_lines", {}).items()},
    )


def _checked_tree(
    reader: Reader,
    scheme: Scheme,
    front: _Front,
    read: list[Any],
    found: data.Folder,
    audiences: tuple[str, ...] = (),
) -> SectionTree | None:
    """Check and clean the three trees of a section; None if one of them cannot be used."""
    problems, rel = reader.problems, front.rel
    before = len(problems.errors)
    unplaced = False
    title_blocks, summary_blocks, body = read
    lines = {
        "title": key_line(front.data, "title", 1),
        "summary": key_line(front.data, "summary", 1),
    }
    for name, blocks in (("title", title_blocks), ("summary", summary_blocks), ("body", body)):
        line = lines.get(name)
        if blocks and blocks[0]["t"] == METADATA:
            _check_metadata(reader, front, blocks.pop(0)["c"], line)
        if tree.depth(blocks, MAX_DEPTH) > MAX_DEPTH:
            problems.error(
                rel,
                line,
                f"the {name} nests lists, quotes or notes more deeply than briefwright allows",
                "flatten it: no reader follows a hundred levels",
            )
            continue
        faults = passages.check(blocks, scheme.labels[1:], audiences)
        if name == "body" and not faults:
            faults = figures.check(blocks, found, scheme)
        for fault in faults:
            if fault.said:  # where it lies (a data file that did not load) says what is wrong
                continue
            at = line or line_of(front.body, fault.needle, front.body_line)
            problems.error(rel, at, fault.message, fault.hint)
        if faults:
            unplaced = True  # said here or not, the section cannot be used
            continue
        if name != "body" and passages.passages(blocks):
            problems.error(
                rel,
                line,
                f"the {name} holds a restricted passage; a {name} goes to every audience "
                "that receives the section",
                "mark the whole section with 'marking:', or move the passage into the text",
            )
        removed = sanitise.sanitise(blocks)
        for item in removed:
            at = line or line_of(front.body, item.needle, front.body_line)
            problems.warning(
                rel, at, f"removed {item.what}", "sources may not carry raw markup or script links"
            )
    if unplaced or len(problems.errors) > before:
        return None
    _drop_closing_references(reader, front, body)
    title = _one_paragraph(reader, rel, "title", title_blocks, lines["title"])
    summary = _one_paragraph(reader, rel, "summary", summary_blocks, lines["summary"])
    for passage in passages.passages(body):
        if passage.marking is not None:
            level_of(
                reader,
                scheme,
                passage.marking,
                front.path,
                line_of(front.body, f"{passage.marking}", front.body_line),
            )
    for image in tree.nodes([title or [], summary or [], body]):
        if image["t"] == "Image":
            target = image["c"][2][0]
            line = line_of(front.body, target, front.body_line) or line_of(
                front.body, "![", front.body_line
            )
            images.check(reader, rel, front.path.parent, image, line)
    if passages.passages(body) or any(figures.kind(n) for n in tree.nodes(body)):
        definitions.check(
            reader, front.rel, front.body, front.body_line, front.probe, front.probe_read
        )
    if title is None or summary is None or len(problems.errors) > before:
        return None
    return SectionTree(title=title, summary=summary, body=body)


CLOSING_HEADINGS = {"references", "bibliography", "works cited", "sources", "reference list"}


def _drop_closing_references(reader: Reader, front: _Front, body: list[Any]) -> None:
    """Take off a section's own closing "References" heading: the layout lists them itself."""
    tail = (
        body[-2:]
        if body and body[-1]["t"] == "Div" and tree.identifier(body[-1]) == "refs"
        else body[-1:]
    )
    if not tail or tail[0]["t"] != "Header":
        return
    heading = tree.stringify(tail[0]["c"][2]).strip()
    if heading.lower() not in CLOSING_HEADINGS or any(
        tree.stringify(block).strip() for block in tail[1:]
    ):
        return
    del body[-len(tail) :]
    reader.problems.warning(
        front.rel,
        line_of(front.body, heading, front.body_line),
        f"removed the closing '{heading}' heading: the layout lists the works cited at the "
        "end of the brief",
        "remove the heading from the section",
    )


def _check_metadata(reader: Reader, front: _Front, keys: list[str], line: int | None) -> None:
    """Refuse a YAML block in a section's text that means to restrict; warn of any other."""
    at = line or line_of(front.body, f"{keys[0]}:", front.body_line)
    restricting = [
        k for k in keys if k in ("marking", "audiences", "audience") or passages.resembles(k)
    ]
    if restricting:
        reader.problems.error(
            front.rel,
            at,
            f"a YAML block in the text says '{restricting[0]}', which only the front matter "
            "may say (pandoc ignores a block in the text, so the text would not be restricted)",
            "move the key into the front matter at the top of the file, or mark a passage",
        )
    else:
        reader.problems.warning(
            front.rel,
            at,
            "a YAML block in the text is ignored: " + ", ".join(keys[:5]),
            "move what it says into the front matter, or remove it",
        )


def _one_paragraph(
    reader: Reader, rel: str, name: str, blocks: list[Any], line: int | None
) -> list[Any] | None:
    """Return the inlines of a title or summary, which must read as one paragraph."""
    if len(blocks) == 1 and blocks[0]["t"] in ("Para", "Plain"):
        inlines: list[Any] = blocks[0]["c"]
        if inlines[:2] == [{"t": "Str", "c": LEAD}, {"t": "Space"}]:
            return inlines[2:]
    kinds = ", ".join(sorted({block["t"] for block in blocks})) or "nothing"
    reader.problems.error(
        rel,
        line,
        f"the {name} must be one paragraph of text; pandoc reads it as {kinds}",
        "write it as plain sentences; a line starting with '-', '#', '>' or a number "
        "makes a list, heading or quote (put a backslash before it)",
    )
    return None


# --- bibliographies and citations ----------------------------------------------------


def bibliography_entries(reader: Reader, path: Path) -> dict[str, int | None]:
    """Return each citation key a bibliography defines, as pandoc reads it, with its line."""
    from .bibliography import read_bibliography  # which reads sections' citations from here

    return read_bibliography(reader, path)


def citations(section: Section) -> list[tuple[str, int | None]]:
    """Return (key, line) for every citation pandoc reads in a section."""
    if section.doc is None:
        return []
    found = []
    for node in tree.nodes([section.doc.title, section.doc.summary, section.doc.body]):
        if node["t"] == "Cite":
            for citation in node["c"][0]:
                key = citation["citationId"]
                found.append((key, line_of(section.body, f"@{key}", section.body_line)))
    return found
