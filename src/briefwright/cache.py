"""What a build keeps for the next one, under ``build/.cache/``: sealed, so it is trusted only
as this user wrote it.

pandoc's readings of the sections, the references of bibliographies and the
drawings of charts are kept by their content's hash, so that a build whose
sources have not changed reads them back instead of starting pandoc or a
chart renderer. What is kept decides what audiences receive (a section's
tree says which text is marked), so each entry carries an HMAC made with a
key kept outside the project (in the user's cache folder, readable by the
user only): an entry edited, or copied from another machine or another
user's build/, does not verify and is made again. Where no key can be kept,
nothing is cached.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from functools import cache
from pathlib import Path

from . import write
from .roots import output_dir

log = logging.getLogger(__name__)

SEAL = 32  # bytes of HMAC-SHA256 before each entry


@cache
def _key() -> bytes | None:
    """Return this user's sealing key, made on first use; None where it cannot be kept."""
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(home) / "briefwright" / "cache-key"
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    try:
        write.atomic_write(path, secrets.token_bytes(32), private=True)
        return path.read_bytes()
    except OSError:
        log.debug("no key for build/.cache/ at %s: nothing is cached", path, exc_info=True)
        return None


def _path(root: Path, kind: str, name: str) -> Path:
    return output_dir(root) / ".cache" / kind / name[:2] / name


def digest(*parts: str) -> str:
    """Return the name of an entry: a hash of everything it depends on."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def read(root: Path, kind: str, name: str) -> bytes | None:
    """Return an entry as it was written, or None if it is missing or does not verify."""
    key = _key()
    if key is None:
        return None
    try:
        data = _path(root, kind, name).read_bytes()
    except OSError:
        return None
    seal, content = data[:SEAL], data[SEAL:]
    expected = hmac.new(key, kind.encode() + b"\0" + name.encode() + b"\0" + content, "sha256")
    return content if hmac.compare_digest(seal, expected.digest()) else None


def store(root: Path, kind: str, name: str, content: bytes) -> None:
    """Keep an entry for later builds; a cache that cannot be written only costs time."""
    key = _key()
    if key is None:
        return
    seal = hmac.new(key, kind.encode() + b"\0" + name.encode() + b"\0" + content, "sha256")
    try:
        # Not flushed to disk: an entry a crash leaves torn does not verify, and is made again.
        write.atomic_write(
            _path(root, kind, name), seal.digest() + content, private=True, durable=False
        )
    except OSError:
        log.debug("cannot cache %s/%s", kind, name, exc_info=True)
