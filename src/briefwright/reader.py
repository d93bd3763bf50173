"""Reading project files: text with its faults as Problems, YAML with lines, schemas.

Every file briefwright reads goes through a ``Reader``: it refuses files that
resolve outside the project, binary, oversized and non-UTF-8 files, and turns
YAML and schema errors into problems that name the file and the line.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from . import schema, yamlfile
from .errors import Problems
from .markings import TLP, Level, Scheme

MAX_SOURCE_BYTES = 2_000_000
M = TypeVar("M", bound=schema.Schema)
FAILED = object()  # returned by Reader.yaml when the problem is already reported


class Reader:
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
        """Return the file's text with LF line ends, or None after reporting why not."""
        rel = self.rel(path)
        if not inside(path.resolve(), self.root):
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
            line = _newlines(data[: exc.start]).count(b"\n") + 1
            self.problems.error(
                rel, line, "is not valid UTF-8", "save the file with UTF-8 encoding"
            )
            return None
        # Windows ends lines with CR LF and old Mac files with a lone CR; the rest of the
        # code (front matter, line numbers, pandoc) sees only LF.
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def yaml(self, path: Path, text: str | None = None, line_offset: int = 0) -> Any:
        if text is None:
            text = self.text(path)
            if text is None:
                return FAILED
        try:
            return yamlfile.parse(text)
        except yamlfile.YamlSyntaxError as exc:
            line = exc.line + line_offset if exc.line else None
            message = f"invalid YAML: {exc}" if exc.syntax else str(exc)
            hint = exc.hint or "check indentation and quoting"
            self.problems.error(self.rel(path), line, message, hint)
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
            return schema.validate(model, data)
        except schema.Invalid as exc:
            for fault in exc.faults:
                line = yamlfile.line_of(data, fault.loc)
                self.problems.error(
                    self.rel(path), line + offset if line else None, fault.message, fault.hint
                )
            return None


def _newlines(data: bytes) -> bytes:
    """Return ``data`` with CR LF and lone CR line ends written as LF."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def image_path(folder: Path, target: str) -> Path | None:
    """Return the file an image's target names, from ``folder``, as written, or None.

    A target is a URL: its escapes are decoded, and what follows ``?`` or
    ``#`` is no part of the file's name. One with a scheme (``file:`` too) or
    a host names no file of the project's. Every reader of an image (the
    checks, the inputs of an edition, the embedding) takes it from here. The
    path keeps its ``..`` and links: ``resolve()`` it to see where it leads.
    """
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return folder / unquote(parts.path)


def inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def level_of(
    reader: Reader, scheme: Scheme, label: str | None, path: Path, line: int | None
) -> Level | None:
    if label is None:
        return None
    level = scheme.get(label)
    if level is None:
        hint = f"expected {scheme.expected()}"
        if scheme is TLP:
            hint += ", or define a scheme in briefs/markings.yaml"
        close = difflib.get_close_matches(label.upper(), scheme.labels, n=1, cutoff=0.7)
        if label.upper() == "TLP:WHITE" and scheme is TLP:
            hint = "TLP:WHITE is called TLP:CLEAR since TLP 2.0; " + hint
        elif close:
            hint = f"did you mean '{close[0]}'? " + hint
        reader.problems.error(
            reader.rel(path),
            line,
            f"marking '{schema.clip(label)}' is not in the {scheme.name} scheme",
            hint,
        )
    return level


def key_line(data: Any, key: str, offset: int = 0) -> int | None:
    """Return the line of a top-level key, shifted by ``offset`` (for front matter)."""
    found = yamlfile.line_of(data, [key])
    return found + offset if found else None


def line_of(body: str, needle: str | None, first_line: int) -> int | None:
    """Return the line of a body on which ``needle`` first appears, for a message."""
    if not needle:
        return None
    at = body.find(needle)
    if at < 0:
        at = body.lower().find(needle.lower())
    return first_line + body.count("\n", 0, at) if at >= 0 else None
