"""Bibliographies and citation styles, read as the build reads them and checked before it.

pandoc decides what a bibliography holds: the references a collection
defines are those pandoc reads from its file, with the reader a build uses
(chosen by the extension, as citeproc chooses it). Each brief's citations are
then resolved once, with its style and language, by the same citeproc call
that resolves an edition's, so that what citeproc has to say is said once,
about the bibliography or the style, before anything is built. What pandoc
refuses is put in words with its line: the file's text is searched (for an
entry's key, the place of a syntax error) only to say where.

Citation styles are read first by :mod:`briefwright.csl`, before citeproc
sees them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from . import cache, yamlfile
from .errors import BriefError
from .models import Brief, Collection
from .reader import Reader
from .readings import reader_digest, too_deep
from .sources import citations

log = logging.getLogger(__name__)

DEFAULT_STYLE = "the default citation style (Chicago author-date)"
# CSL's name variables: a list of names each, which CSL JSON cannot take as a string.
NAME_FIELDS = frozenset(
    "author chair collection-editor compiler composer container-author contributor curator "
    "director editor editorial-director executive-producer guest host illustrator "
    "interviewer narrator organizer original-author performer producer recipient "
    "reviewed-author script-writer series-creator translator".split()
)
DATE_FIELDS = frozenset("accessed available-date event-date issued original-date submitted".split())
NAME_HINT = 'write a list of names: [{"family": "Doe", "given": "Jane"}], or [{"literal": "NATO"}]'


# --- reading a bibliography ----------------------------------------------------------


def read_bibliography(reader: Reader, path: Path) -> dict[str, int | None]:
    """Return each key a bibliography defines, as pandoc reads it, with its line.

    Any fault is reported once, and the file is marked broken, so that
    citations of it are not each reported again as missing.
    """
    rel = reader.rel(path)
    text = reader.text(path)
    if text is None or (path.suffix == ".yaml" and _yaml_fault(reader, rel, text)):
        reader.broken.add(rel)
        return {}
    deep = too_deep(text)  # pandoc reads its titles as Markdown
    if deep is not None:
        reader.problems.error(rel, deep[0] + 1, deep[1], deep[2])
        reader.broken.add(rel)
        return {}
    reply = _ask(
        reader,
        rel,
        ["references", path.suffix, text],
        lambda pandoc: pandoc.references(text, path.suffix, rel),
    )
    if reply is None:
        reader.broken.add(rel)
        return {}
    if "error" in reply:
        line, message, hint = explain(path.suffix, text, str(reply["error"]))
        reader.problems.error(rel, line, message, hint)
        reader.broken.add(rel)
        return {}
    counts = Counter(str(key) for key in reply["ids"])
    found: dict[str, int | None] = {}
    for key, count in counts.items():
        lines = definition_lines(path.suffix, text, key)
        found[key] = lines[0] if lines else None
        if key == "" and path.suffix == ".bib":
            reader.problems.error(
                rel, None, "an entry has no key", "give each entry the key it is cited by"
            )
        elif key and count > 1:
            times = "twice" if count == 2 else f"{count} times"
            shown = [str(n) for n in sorted(set(lines))]
            where = f", on lines {', '.join(shown[:-1])} and {shown[-1]}" if len(shown) > 1 else ""
            reader.problems.error(
                rel,
                found[key],
                f"reference '{key}' is defined {times}{where}; "
                "citeproc would silently use only the last",
                "give each entry its own key, or remove the copies",
            )
    found.pop("", None)
    if path.suffix in (".json", ".yaml"):
        _check_csl_data(reader, rel, path.suffix, text)
    for said in reply.get("said", []):
        reader.problems.warning(rel, None, f"pandoc, reading it: {said['text']}")
    return found


def definition_lines(ext: str, text: str, key: str) -> list[int]:
    """Return the lines on which the file's text defines ``key``, for messages."""
    name = re.escape(key)
    if ext == ".bib":
        pattern = rf"@[A-Za-z]+\s*[{{(]\s*{name}\s*,"
    elif ext == ".json":
        pattern = rf'"id"\s*:\s*(?:"{name}"|{name}\b)'
    else:
        pattern = rf"(?m)^[ \t-]*id[ \t]*:[ \t]*(['\"]?){name}\1[ \t]*(?:#.*)?$"
    return [text.count("\n", 0, match.start()) + 1 for match in re.finditer(pattern, text)]


def _yaml_fault(reader: Reader, rel: str, text: str) -> bool:
    """Report YAML that briefwright's own reading refuses (with its line); True if any.

    Its limits (on aliases, depth, repeated keys) hold for a bibliography
    as for any other file before pandoc reads it.
    """
    try:
        data = yamlfile.parse(text)
    except yamlfile.YamlSyntaxError as exc:
        reader.problems.error(
            rel, exc.line, f"invalid YAML: {exc}" if exc.syntax else str(exc), exc.hint
        )
        return True
    if isinstance(data, dict) and not isinstance(data.get("references"), list):
        found = "no 'references:'" if "references" not in data else "'references:' that is no list"
        reader.problems.error(
            rel,
            yamlfile.line_of(data, ["references"]),
            f"holds {found}, so pandoc finds no entries in it",
            "start the file with 'references:' and list the entries under it, each "
            "beginning '- id: key'",
        )
        return True
    return False


def _check_csl_data(reader: Reader, rel: str, ext: str, text: str) -> None:
    """Report CSL entries pandoc cannot cite (no id), and names it reads as plain strings."""
    try:
        data = json.loads(text) if ext == ".json" else yamlfile.parse(text)
    except (ValueError, RecursionError, yamlfile.YamlSyntaxError):  # pandoc read it: say no more
        return
    entries = data.get("references", data.get("items")) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        return
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        line = yamlfile.line_of(entries, [index]) if ext == ".yaml" else _json_line(text, entry)
        key = entry.get("id")
        if key is None or key == "":
            # pandoc leaves such an entry out (YAML) or gives it an empty key (JSON)
            reader.problems.error(
                rel,
                line,
                f"entry {index + 1} has no id, so no section can cite it",
                "give it the key sections cite it by: "
                + ("'id: nato-1949'" if ext == ".yaml" else '"id": "nato-1949"'),
            )
        if ext != ".yaml":
            continue
        for field in sorted(NAME_FIELDS & set(entry)):
            names = entry[field]
            if isinstance(names, str) or (
                isinstance(names, list) and any(isinstance(n, str) for n in names)
            ):
                reader.problems.warning(
                    rel,
                    yamlfile.line_of(entries, [index, field]),
                    f"reference '{key}': '{field}' is written as plain text, which citeproc "
                    "prints exactly so: it cannot sort it by family name or shorten it",
                    "write it as a list of names: [{family: Doe, given: Jane}], or "
                    "[{literal: NATO}] for an organisation",
                )


def _json_line(text: str, entry: dict[str, Any]) -> int | None:
    """Return the line of a CSL JSON entry, found by its id or else its title."""
    if entry.get("id") not in (None, ""):
        lines = definition_lines(".json", text, str(entry["id"]))
        return lines[0] if lines else None
    title = entry.get("title")
    at = text.find(json.dumps(title, ensure_ascii=False)) if isinstance(title, str) else -1
    return text.count("\n", 0, at) + 1 if at >= 0 else None


# --- pandoc's words, explained ---------------------------------------------------------


def explain(ext: str, text: str, words: str) -> tuple[int | None, str, str]:
    """Return (line, message, hint) for pandoc's refusal to read a bibliography."""
    words = " ".join(words.split())
    if ext == ".bib":
        return _explain_bibtex(text, words)
    if ext == ".json":
        return _explain_json(text, words)
    at = re.search(r"line (\d+)", words)
    return (
        int(at[1]) if at else None,
        f"pandoc cannot read it as CSL YAML: {words[:200]}",
        "compare it with the format in README.md, Bibliography",
    )


ENTRY = re.compile(r"^[ \t]*@([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s]*)", re.M)


def _explain_bibtex(text: str, words: str) -> tuple[int | None, str, str]:
    at = re.search(r"line (\d+), column (\d+)", words)
    line = int(at[1]) if at else None
    said = words[at.end() :].lstrip("):, ") if at else words
    entries = [
        (text.count("\n", 0, m.start()) + 1, m[2])
        for m in ENTRY.finditer(text)
        if m[1].lower() not in ("string", "comment", "preamble")
    ]
    before = [entry for entry in entries if line is None or entry[0] < line]
    within = [entry for entry in entries if line is None or entry[0] <= line]
    braces = "a '{' in it has no matching '}': count the braces of its fields"
    if "end of input" in said and entries:
        start, key = entries[-1]
        return start, f"entry '{key}' is never closed: the file ends inside it", braces
    if said.startswith("unexpected '@'") and before:
        start, key = before[-1]
        return (
            start,
            f"entry '{key}' is not closed before the next entry begins on line {line}",
            braces,
        )
    return (
        line,
        "pandoc cannot read it as BibTeX"
        + (f" in entry '{within[-1][1]}'" if within else "")
        + (f" at column {at[2]}" if at else "")
        + f": {said[:160]}",
        "an entry is written @type{key, field = {value}, ...}: check its commas, quotes and braces",
    )


def _explain_json(text: str, words: str) -> tuple[int | None, str, str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return _json_syntax(text, exc)
    except RecursionError:
        return None, "nests more deeply than briefwright can read", "flatten it"
    path = re.match(r"Error in \$((?:\[\d+\]|\.\w+|\['[^']*'\])*): (.*)", words)
    entries = data.get("items") if isinstance(data, dict) else data
    if path is None or not isinstance(entries, list):
        lists = (
            [k for k, v in data.items() if isinstance(v, list)] if isinstance(data, dict) else []
        )
        return (
            None,
            "must hold a list of references, [{...}, {...}], but holds "
            + (f"an object whose '{lists[0]}' holds the list" if lists else _kind(data)),
            "keep only the list of entries" if lists else "export the bibliography again",
        )
    index = re.match(r"\[(\d+)\]", path[1])
    number = int(index[1]) if index else -1
    entry = entries[number] if 0 <= number < len(entries) else None
    if not isinstance(entry, dict):
        return (
            None,
            "must hold a list of references, each an object"
            + (f"; item {number + 1} is {_kind(entry)}" if entry is not None else ""),
            'write each entry as {"id": "key", "type": "book", "title": "..."}',
        )
    key = entry.get("id")
    name = f"reference '{key}'" if key not in (None, "") else f"entry {number + 1}"
    line = _json_line(text, entry)
    for field, value in entry.items():
        if field in NAME_FIELDS and not isinstance(value, list):
            return line, f"{name}: '{field}' is {_kind(value)}, not a list of names", NAME_HINT
        if field in DATE_FIELDS and isinstance(value, dict):
            parts = value.get("date-parts", [[]])
            if not isinstance(parts, list) or not all(isinstance(p, list) for p in parts):
                return (
                    line,
                    f"{name}: '{field}' has date-parts that are not lists of numbers",
                    f'write "{field}": {{"date-parts": [[1994, 12, 5]]}}',
                )
        elif field not in NAME_FIELDS | DATE_FIELDS and isinstance(value, list | dict):
            return (
                line,
                f"{name}: '{field}' is {_kind(value)}, but CSL JSON wants text or a number",
                f'write it as text: "{field}": "..."',
            )
    return (
        line,
        f"pandoc cannot read {name} as CSL JSON: {path[2][:160]}",
        "compare it with an entry pandoc reads",
    )


def _kind(value: Any) -> str:
    kinds: dict[type, str] = {
        str: "text",
        dict: "an object",
        list: "a list",
        int: "a number",
        float: "a number",
        bool: "true or false",
        type(None): "null",
    }
    return kinds.get(type(value), type(value).__name__)


def _json_syntax(text: str, exc: json.JSONDecodeError) -> tuple[int | None, str, str]:
    before = text[: exc.pos].rstrip()
    if before.endswith(",") and exc.msg.startswith(("Expecting value", "Expecting property name")):
        line = before.count("\n") + 1
        return (
            line,
            "a comma follows the last item of a list or object",
            "remove it: JSON allows none there",
        )
    if exc.msg.startswith("Expecting ',' delimiter"):
        return (
            exc.lineno,
            f"a comma is missing before column {exc.colno}",
            "separate the items with commas",
        )
    return (
        exc.lineno,
        f"is not valid JSON: {exc.msg} at column {exc.colno}",
        "check the quotes, commas and brackets",
    )


# --- resolving each brief's citations once -------------------------------------------------

_lock = threading.Lock()
# What citeproc said about a bibliography and style (the paths), in this process:
# resolving an edition's citations does not say it again.
_said: set[tuple[Path | None, Path | None, str]] = set()


def check_citations(
    reader: Reader, briefs: Iterable[Brief], collections: dict[str, Collection]
) -> None:
    """Resolve each brief's citations with its style and language, as its editions will.

    Every key the brief's sections cite is cited once (a style with nothing
    to cite tries a sample reference), so that what citeproc says is said
    here, once, about the bibliography or style it concerns.
    """
    tried: set[tuple[Any, ...]] = set()
    reported: set[tuple[Path | None, Path | None, str]] = set()
    for brief in briefs:
        collection = collections.get(brief.collection)
        if collection is None or f"style-of:{brief.rel}" in reader.broken:
            continue  # its style is refused: citeproc would not use it
        bibliography = collection.bibliography
        if bibliography is not None and reader.rel(bibliography) in reader.broken:
            continue
        keys = sorted(_cited(brief, collection))
        if bibliography is None or not keys:
            if brief.csl is None:
                continue  # nothing is cited, in the default style
            bibliography, keys = None, []
        attempt = (bibliography, brief.csl, brief.lang, tuple(keys))
        if attempt not in tried:
            tried.add(attempt)
            _try(reader, collection, bibliography, brief, keys, reported)


def _cited(brief: Brief, collection: Collection) -> set[str]:
    """Return the keys the sections of a brief cite that the bibliography defines."""
    ids = [*brief.sections, *(s for spec in brief.audiences.values() for s in spec.sections or ())]
    found = set()
    for section_id in dict.fromkeys(ids):
        section = collection.sections.get(section_id)
        if section is not None:
            found |= {key for key, _ in citations(section) if key in collection.references}
    return found


def _try(
    reader: Reader,
    collection: Collection,
    bibliography: Path | None,
    brief: Brief,
    keys: list[str],
    reported: set[tuple[Path | None, Path | None, str]],
) -> None:
    csl = brief.csl
    parts = ["citations", brief.lang, *keys]
    for path in (bibliography, csl):
        parts.append(hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else "-")
    reply = _ask(
        reader,
        brief.rel,
        parts,
        lambda pandoc: pandoc.try_citations(keys, bibliography, csl, brief.lang, brief.id),
    )
    if reply is None:
        return
    style = f"citation style {reader.rel(csl)}" if csl is not None else DEFAULT_STYLE
    if "error" in reply:
        reader.problems.error(
            reader.rel(csl) if csl is not None else reader.rel(bibliography or brief.path),
            None,
            "pandoc cannot resolve citations with it: "
            + " ".join(str(reply["error"]).split())[:200],
            f"{brief.rel} names it; check the file, or choose another style",
        )
        return
    for said in reply.get("said", []):
        told = (bibliography, csl, str(said["text"]))
        with _lock:
            _said.add(told)
        if told not in reported:
            reported.add(told)
            _report(reader, collection, bibliography or csl, style, told[2])


def _report(
    reader: Reader, collection: Collection, about: Path | None, style: str, words: str
) -> None:
    """Add one of citeproc's warnings as a problem of the file it is about."""
    words = words.removeprefix("Citeproc: ")
    rel = reader.rel(about) if about is not None else "briefs"
    empty = re.fullmatch(r"Bibliography entry with no printed form: (.+)", words)
    if empty and empty[1] in collection.references:
        key = empty[1]
        reader.problems.warning(
            rel,
            collection.references[key],
            f"reference '{key}' prints nothing in {style}: where it is cited, the "
            "edition shows an empty citation",
            "give it the fields that style prints, such as author, title and date",
        )
        return
    reader.problems.warning(rel, None, f"citeproc, with {style}: {words}")


def citeproc_said(bibliography: Path | None, csl: Path | None, words: str) -> None:
    """Log a warning citeproc gave for an edition, once per bibliography and style.

    What the checks before the build reported is not said again.
    """
    with _lock:
        if (bibliography, csl, words) in _said:
            return
        _said.add((bibliography, csl, words))
    # A bibliography is always sources/<collection>/references.*: the project is above.
    root = bibliography.parents[2] if bibliography is not None else None
    files = [_shown(path, root) for path in (bibliography, csl) if path is not None]
    log.warning(
        "citeproc, resolving citations with %s: %s",
        " and ".join(files) or DEFAULT_STYLE,
        words.removeprefix("Citeproc: "),
    )


def _shown(path: Path, root: Path | None) -> str:
    return path.relative_to(root).as_posix() if root and path.is_relative_to(root) else str(path)


# --- pandoc, asked once per content ---------------------------------------------------------


def _ask(
    reader: Reader, rel: str, parts: list[str], ask: Callable[[Any], dict[str, Any]]
) -> dict[str, Any] | None:
    """Return pandoc's reply to a question, cached by everything it depends on.

    Kept in build/.cache/ (cache.py): a build whose bibliography and style
    have not changed starts no pandoc for them.
    None when pandoc itself failed (reported).
    """
    key = cache.digest(reader_digest(), *parts)
    kept = cache.read(reader.root, "bibliographies", key)
    if kept is not None:
        with contextlib.suppress(ValueError):
            cached: dict[str, Any] = json.loads(kept)
            return cached
    from .render import pandoc

    try:
        reply = ask(pandoc)
    except BriefError as exc:
        reader.problems.error(rel, None, exc.format_message())
        return None
    cache.store(reader.root, "bibliographies", key, json.dumps(reply).encode())
    return reply
