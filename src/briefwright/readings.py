"""pandoc's reading of source texts, kept in build/.cache/ by content.

Each text (a section's body, title or summary, or the definition check's
second reading of a body) is read by pandoc as Markdown on its own; the
blocks come back as pandoc's JSON tree, or as a sentence saying why the
text could not be read.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from . import cache

MAX_DEPTH = 400  # levels of pandoc's JSON tree: well over 100 nested lists or quotes
# Levels of square brackets, one inside the other: pandoc's reading of them takes twice as
# long for each level (a second at 8, minutes at 16), and no text needs more.
MAX_BRACKETS = 8


_BRACKET_MARKS = re.compile(r"\\.|[\[\]\n]", re.S)


def too_deep(text: str) -> tuple[int, str, str] | None:
    """Return (line from 0, message, fix) if square brackets nest deeper in ``text`` than
    briefwright reads, else None."""
    depth, line = bracket_depth(text)
    if depth <= MAX_BRACKETS:
        return None
    return (
        line,
        f"square brackets nest {depth} deep; briefwright reads at most {MAX_BRACKETS} "
        "(pandoc's reading of each further level takes twice as long)",
        "nest fewer: a link or span inside another rarely needs more than two",
    )


def bracket_depth(text: str) -> tuple[int, int]:
    """Return how deeply square brackets nest in ``text`` (escaped ones aside), and the
    line (from 0) where they nest deepest."""
    depth = deepest = line = at = 0
    for mark in _BRACKET_MARKS.findall(text):
        if mark == "[":
            depth += 1
            if depth > deepest:
                deepest, at = depth, line
        elif mark == "]":
            depth = max(depth - 1, 0)
        elif mark == "\n" or mark == "\\\n":  # an escaped line end ends its line too
            line += 1
    return deepest, at


@functools.cache
def reader_digest() -> str:
    """Hash what decides how a text is read: pandoc's version and the server's script.

    (Read from the files, without importing the pandoc module: a build whose
    sources are all cached starts no pandoc and loads none of its code.)
    """
    from importlib import metadata

    digest = hashlib.sha256((Path(__file__).parent / "render" / "pandoc_server.lua").read_bytes())
    try:
        digest.update(metadata.version("pypandoc-binary").encode())
    except metadata.PackageNotFoundError:  # a pandoc found elsewhere: its path must do
        digest.update(b"pandoc elsewhere")
    return digest.hexdigest()


def read_texts(root: Path, texts: list[str], what: str) -> list[list[Any] | str]:
    """Return pandoc's blocks of each text (or why it could not be read), cached by content.

    Kept in build/.cache/ (cache.py), so that a build whose sources have not
    changed starts no pandoc.
    """
    keys = [cache.digest(reader_digest(), text) for text in texts]
    found: dict[str, list[Any]] = {}
    for key in set(keys):
        kept = cache.read(root, "trees", key)
        if kept is not None:
            with contextlib.suppress(ValueError, RecursionError):
                found[key] = json.loads(kept)
    missing = [i for i, key in enumerate(keys) if key not in found]
    results: dict[str, list[Any] | str] = dict(found)
    if missing:
        fresh = _read_with_pandoc([texts[i] for i in missing], what)
        for index, value in zip(missing, fresh, strict=True):
            results[keys[index]] = value
            if isinstance(value, list):
                cache.store(root, "trees", keys[index], json.dumps(value).encode())
    return [results[key] for key in keys]


def _read_with_pandoc(texts: list[str], what: str) -> list[list[Any] | str]:
    from .render import pandoc

    try:
        replies = pandoc.read(texts, what)
    except RecursionError:  # one text nests deeper than JSON can be read back: find it
        if len(texts) == 1:
            return [f"it nests more deeply than briefwright can read (over {MAX_DEPTH} levels)"]
        return [item for text in texts for item in _read_with_pandoc([text], what)]
    out: list[list[Any] | str] = []
    for reply in replies:
        if isinstance(reply, str):
            out.append(reply)
        elif reply.get("meta"):  # the keys of a YAML block the text held, which pandoc dropped
            out.append([{"t": METADATA, "c": sorted(reply["meta"])}, *reply["blocks"]])
        else:
            out.append(reply["blocks"])
    return out


METADATA = "briefwright-metadata"  # no element of pandoc's has this name
