"""A build with nothing to do, known before the project loads.

After a build that ends with every edition built or up to date, ``brief
build`` keeps a stamp in ``build/.cache/stamps/``: the state (size, times,
inode) of every file the build could have read, and of every file under
``build/``, with the warnings the project gave and the table of outputs.
The next build with the same options, the same program and tools, on the
same day, that finds every one of those files in that state has nothing to
do: it gives the same warnings and table, says that all is up to date, and
stops, without loading the project. Any difference (a file edited, added,
removed, touched or replaced; an output changed or gone) and the build runs
in full, as without a stamp.

What the build could have read: ``briefs/``, ``sources/``, ``templates/``
and ``releases/`` whole (so that a file added there counts), briefwright's
own folder (code, layouts, fonts), and every other file an edition named
as an input (a citation style elsewhere in the project). A file's change
time moves whenever its content or name does and cannot be set back by
hand; a file changed in the second before the build started, whose change
a clock tick could hide, is not trusted, and no stamp is kept.

The stamp is sealed as every entry of ``build/.cache/`` is (cache.py):
one written by hand, or copied from elsewhere, is ignored.
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
from collections.abc import Iterable, Iterator
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


def _name(root: Path, options: dict[str, Any]) -> str:
    """Return the stamp's name: the build's options, program, tools and day."""
    return cache.digest(
        json.dumps(options, sort_keys=True, default=str),
        str(root),
        json.dumps(tool_versions(), sort_keys=True),
        dt.date.today().isoformat(),
        os.environ.get("SOURCE_DATE_EPOCH", ""),
    )


def _walk(folder: Path) -> Iterator[os.DirEntry[str]]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name == "__pycache__":
            continue
        if entry.is_dir(follow_symlinks=False):
            yield entry
            yield from _walk(Path(entry.path))
        else:
            yield entry


def _state_of(path: str, entry: os.DirEntry[str] | None = None) -> list[int]:
    try:
        found = entry.stat(follow_symlinks=False) if entry else os.lstat(path)
    except OSError:
        return []
    state = [found.st_mtime_ns, found.st_ctime_ns, found.st_mode, found.st_size, found.st_ino]
    if stat.S_ISLNK(found.st_mode):
        state += _state_of(os.path.realpath(path))  # what the link leads to, too
    return state


def inputs(root: Path, named: Iterable[str] = ()) -> dict[str, list[int]]:
    """Return the state of every file the build could read: see the module's text."""
    found: dict[str, list[int]] = {}
    for folder in (*(root / name for name in FOLDERS), PACKAGE):
        found[str(folder)] = _state_of(str(folder))
        for entry in _walk(folder):
            found[entry.path] = _state_of(entry.path, entry)
    for path in named:
        if path not in found:
            found[path] = _state_of(path)
    return found


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
    kept = cache.read(root, KIND, _name(root, options))
    if kept is None:
        return None
    try:
        stamp = json.loads(kept)
        if _digest(inputs(root, stamp["named"])) != stamp["inputs"]:
            return None
        if _digest(outputs(root)) != stamp["outputs"]:
            return None
        for path, digest in stamp["recent"].items():
            if hashlib.sha256(Path(path).read_bytes()).hexdigest() != digest:
                return None
        said = stamp["said"]
        return Said(
            warnings=[(str(name), str(text)) for name, text in said["warnings"]],
            names=[str(name) for name in said["names"]],
            rows=[Row(**row) for row in said["rows"]],
            folders=[str(folder) for folder in said["folders"]],
            rough=bool(said["rough"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass
class Start:
    """The state of the build's inputs as it starts, before anything is read."""

    at_ns: int
    state: dict[str, list[int]]
    recent: dict[str, str]  # the hashes of those changed within a tick of the start


def begin(root: Path, at_ns: int) -> Start:
    """Return the state of the inputs of a build that starts at ``at_ns`` (:func:`clock`)."""
    state = inputs(root)
    return Start(at_ns, state, recent(state, at_ns))


def keep(
    root: Path, options: dict[str, Any], start: Start, named: Iterable[str], said: Said
) -> None:
    """Keep the stamp of a build that ended well, if nothing it read changed meanwhile.

    ``named`` are the files its editions read besides those :func:`inputs` finds.
    """
    named = sorted(set(named) - set(start.state))
    now = inputs(root, named)
    if any(now.get(key) != value for key, value in start.state.items()):
        return  # a file changed while the build read it: the next build runs in full
    if recent({path: now[path] for path in named}, start.at_ns):
        return  # changed just before the build, and not hashed as it started
    stamp = {
        "named": named,
        "inputs": _digest(now),
        "outputs": _digest(outputs(root)),
        "recent": start.recent,
        "said": asdict(said),
    }
    cache.store(root, KIND, _name(root, options), json.dumps(stamp).encode())


def clock() -> int:
    """Return the time a build starts at."""
    return time.time_ns()
