"""A build with nothing to do, known before the project loads.

After a build that ends with every edition built or up to date, ``brief
build`` keeps a stamp in ``build/.cache/stamps/``: the state (size, times,
inode, device) of every file the build could have read, and of every file
under ``build/``, with the warnings the project gave and the table of
outputs. The next build with the same options, the same program and tools,
on the same day, that finds every one of those files in that state has
nothing to do: it gives the same warnings and table, says that all is up to
date, and stops, without loading the project. Any difference (a file
edited, added, removed, touched or replaced; an output changed or gone) and
the build runs in full, as without a stamp.

What the build could have read: ``briefs/``, ``sources/``, ``templates/``
and ``releases/`` whole (so that a file added there counts), briefwright's
own folder (code, layouts, fonts), every entry at the top of the project (a
folder's kind, a file's whole state), and, by their content as the build
read them, the other files an edition read (a citation style in
``styles/``, an image reached by ``..``), each by its path as written. A file's
change time moves whenever its content or name does and cannot be set back
by hand; a file changed within two seconds before the build started, whose
change a coarse clock could hide, is checked by its content as well.

No stamp is kept where it could be fooled: when any of those entries, any
step on the way to a file an edition read, or anything under ``build/`` is a
symbolic link (its target can change without a trace on this side), when a
file changed while the build read it, or when ``build/`` no longer holds
exactly what this build made (another build, run at the same time, wrote
an edition since). The stamp is sealed as every entry of ``build/.cache/``
is (cache.py): one written by hand, or copied from elsewhere, is ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import platform
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cache as memo
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__, cache
from .roots import output_dir
from .summary import Row

log = logging.getLogger(__name__)

KIND = "stamps"
FOLDERS = ("briefs", "sources", "templates", "releases")
PACKAGE = Path(__file__).parent
RACY_NS = 2_000_000_000  # the coarsest file times (FAT's) are two seconds apart


@memo
def tool_versions() -> dict[str, str]:
    """Versions that shape the outputs, read once, without importing pandoc or WeasyPrint."""

    def dist(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "missing"

    return {
        "briefwright": __version__,
        "pypandoc-binary": dist("pypandoc-binary"),
        "weasyprint": dist("weasyprint"),
        "vl-convert-python": dist("vl-convert-python"),
        "ziamath": dist("ziamath"),
        "python": platform.python_version(),
    }


@dataclass
class Said:
    """What a build with nothing to do says: the project's warnings, its outputs and folders."""

    warnings: list[tuple[str, str]] = field(default_factory=list)  # (logger, message)
    names: list[str] = field(default_factory=list)  # of the editions
    rows: list[Row] = field(default_factory=list)  # their outputs, each "up to date"
    folders: list[str] = field(default_factory=list)
    rough: bool = False
    after: list[tuple[str, str]] = field(default_factory=list)  # warnings of the redlines
    notes: list[str] = field(default_factory=list)  # the lines that describe the redlines


class Catch(logging.Handler):
    """Keep the warnings logged while it is attached to the ``briefwright`` logger."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.caught: list[tuple[str, str]] = []
        self.logger = logging.getLogger("briefwright")

    def emit(self, record: logging.LogRecord) -> None:
        self.caught.append((record.name, record.getMessage()))

    def __enter__(self) -> Catch:
        self.logger.addHandler(self)
        return self

    def __exit__(self, *_: object) -> None:
        self.logger.removeHandler(self)


def _name(root: Path, options: dict[str, Any], day: str) -> str:
    """Return the stamp's name: the build's options, program, tools and day."""
    return cache.digest(
        json.dumps(options, sort_keys=True, default=str),
        str(root),
        json.dumps(tool_versions(), sort_keys=True),
        day,
        os.environ.get("SOURCE_DATE_EPOCH", ""),
    )


def _today() -> str:
    return dt.date.today().isoformat()


def _walk(folder: Path, bytecode: bool = True) -> Iterator[os.DirEntry[str]]:
    """Yield every entry under ``folder``; without ``bytecode``, none in ``__pycache__``."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name == "__pycache__" and not bytecode:
            continue
        yield entry
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), bytecode)


def _state_of(path: str, entry: os.DirEntry[str] | None = None) -> list[int]:
    try:
        found = entry.stat(follow_symlinks=False) if entry else os.lstat(path)
    except OSError:
        return []
    return [
        found.st_mtime_ns,
        found.st_ctime_ns,
        found.st_mode,
        found.st_size,
        found.st_ino,
        found.st_dev,
    ]


def inputs(root: Path) -> dict[str, list[int]]:
    """Return the state of the files a build reads where it may find new ones.

    ``briefs/``, ``sources/``, ``templates/`` and ``releases/`` whole,
    briefwright's own folder, and every entry at the top of the project (its
    kind; a file's whole state).
    """
    found: dict[str, list[int]] = {}
    for top in _walk_top(root):
        state = _state_of(top.path, top)
        found[top.path] = state if not state or stat.S_ISREG(state[2]) else [0, 0, state[2]]
    for folder in (root / name for name in FOLDERS):
        found[str(folder)] = _state_of(str(folder))
        for entry in _walk(folder):
            found[entry.path] = _state_of(entry.path, entry)
    found[str(PACKAGE)] = _state_of(str(PACKAGE))
    for entry in _walk(PACKAGE, bytecode=False):
        found[entry.path] = _state_of(entry.path, entry)
    return found


def _walk_top(root: Path) -> list[os.DirEntry[str]]:
    try:
        return [entry for entry in os.scandir(root) if entry.name != output_dir(root).name]
    except OSError:
        return []


def linked(state: dict[str, list[int]]) -> bool:
    """Whether any entry of a state is a symbolic link (whose target the stamp cannot watch)."""
    return any(len(entry) > 2 and stat.S_ISLNK(entry[2]) for entry in state.values())


def linked_on_the_way(path: str, root: Path) -> bool:
    """Whether a file, as written, is reached through a link (or lies outside ``root``)."""
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        return True
    step = root
    for part in parts:
        step = step / part
        if step.is_symlink():
            return True
    return False


def outputs(root: Path) -> dict[str, list[int]]:
    """Return the state of every file under build/, but build/.cache/."""
    out = output_dir(root)
    found = {str(out): _state_of(str(out))}
    for entry in _walk(out):
        if Path(entry.path).relative_to(out).parts[0] != ".cache":
            found[entry.path] = _state_of(entry.path, entry)
    return found


def _digest(state: dict[str, list[int]]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def recent(state: dict[str, list[int]], started_ns: int) -> dict[str, str]:
    """Return the content hash of each file changed within a clock tick of ``started_ns``.

    Its state alone cannot show a change made in the same tick as it was
    read (a file system's times may be as coarse as two seconds): its
    content, hashed as the build starts, is checked as well.
    """
    since = started_ns - RACY_NS
    found = {}
    for path, entry in state.items():
        if entry and max(entry[0], entry[1]) >= since and stat.S_ISREG(entry[2]):
            try:
                found[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                found[path] = ""
    return found


def recall(root: Path, options: dict[str, Any]) -> Said | None:
    """Return what the last build with these options said, if it left nothing to do."""
    if not output_dir(root).is_dir():
        return None
    kept = cache.read(root, KIND, _name(root, options, _today()))
    if kept is None:
        return None
    try:
        stamp = json.loads(kept)
        if _digest(inputs(root)) != stamp["inputs"]:
            return None
        for path, digest in stamp["named"].items():
            if linked_on_the_way(path, root) or _hash(path) != digest:
                return None
        if _digest(outputs(root)) != stamp["outputs"]:
            return None
        for path, digest in stamp["recent"].items():
            if _hash(path) != digest:
                return None
        said = stamp["said"]
        return Said(
            warnings=[(str(name), str(text)) for name, text in said["warnings"]],
            names=[str(name) for name in said["names"]],
            rows=[Row(**row) for row in said["rows"]],
            folders=[str(folder) for folder in said["folders"]],
            rough=bool(said["rough"]),
            after=[(str(name), str(text)) for name, text in said["after"]],
            notes=[str(line) for line in said["notes"]],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass
class Start:
    """The state of the build's inputs as it starts, before anything is read."""

    at_ns: int
    day: str  # a build that ends after midnight is stamped for the day it read the date on
    state: dict[str, list[int]]
    recent: dict[str, str]  # the hashes of those changed within a tick of the start


def begin(root: Path, at_ns: int) -> Start:
    """Return the state of the inputs of a build that starts at ``at_ns`` (:func:`clock`)."""
    day = _today()
    state = inputs(root)
    return Start(at_ns, day, state, recent(state, at_ns))


def keep(
    root: Path,
    options: dict[str, Any],
    start: Start,
    read: dict[str, str],
    said: Said,
    holds: Callable[[], bool],
) -> None:
    """Keep the stamp of a build that ended well, if nothing it read changed meanwhile.

    ``read`` holds the hash of each file its editions read, as they read it
    (its path as written); ``holds`` says whether ``build/`` holds exactly
    what this build made or found up to date (another build, run at the same
    time, may have written an edition since).
    """
    now = inputs(root)
    if now != start.state:
        return  # a file changed while the build read it: the next build runs in full
    # Those elsewhere (a style in styles/, an image reached by ".."), by their content.
    named = {path: digest for path, digest in read.items() if path not in now}
    if any(
        _hash(path) != digest or linked_on_the_way(path, root) for path, digest in named.items()
    ):
        return  # changed since the build read it, or reached through a link
    if linked(now):
        return  # a link may be pointed elsewhere without a trace on this side of it
    made = outputs(root)
    if linked(made) or not holds() or outputs(root) != made:
        return  # an output read through a link, or another build wrote one meanwhile
    stamp = {
        "inputs": _digest(now),
        "named": named,
        "outputs": _digest(made),
        "recent": start.recent,
        "said": asdict(said),
    }
    cache.store(root, KIND, _name(root, options, start.day), json.dumps(stamp).encode())


def _hash(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def clock() -> int:
    """Return the time a build starts at."""
    return time.time_ns()
