"""Write stage: atomic files and a manifest per edition.

Every file is written to a temporary name in its final folder and renamed
into place, so a failed or killed build leaves the previous outputs whole. An
edition's folder is locked while it is written, so two builds at once cannot
interleave their files. The manifest is written last.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes, private: bool = False, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half.

    A ``private`` file, and the folders made for it, can be read by its owner only.
    A ``durable`` one is on disk before it takes the name: after a crash the name
    holds the old file or the new, never an empty one. Only a file whose reader
    checks it (a sealed cache entry) may do without: that check costs nothing,
    a flush to disk per file does.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


LOCK = ".lock"  # in each edition's folder: it holds nothing, and is opened by every build


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` for the duration of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    # Not truncated, and never through a link: a lock planted as a link to a source
    # would otherwise be emptied.
    descriptor = os.open(folder / LOCK, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    with open(descriptor, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """Return the folder's manifest, or None if it is missing or unreadable."""
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def edition_files(folder: Path) -> list[str]:
    """Return the names of the files in an edition's folder (not the hidden lock or temps)."""
    try:
        return sorted(
            p.name
            for p in folder.iterdir()
            if not p.name.startswith(".") and (p.is_symlink() or p.is_file())
        )
    except OSError:
        return []


def write_edition(
    folder: Path, files: dict[str, bytes], manifest: dict[str, Any], replace: bool = True
) -> None:
    """Write an edition's files, then its manifest, under the folder's lock.

    With ``replace``, the folder then holds exactly these files: any other
    (a format no longer built, an email draft of the old text) is removed
    before the manifest is written, so a build interrupted in between is
    never taken for a finished one.
    """
    with locked(folder):
        for name, data in sorted(files.items()):
            atomic_write(folder / name, data)
        if replace:
            for name in edition_files(folder):
                if name not in files and name != MANIFEST:
                    (folder / name).unlink(missing_ok=True)
        text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        atomic_write(folder / MANIFEST, text.encode("utf-8"))
        for stale in folder.glob(".*.tmp"):
            stale.unlink(missing_ok=True)
