"""The release register: what each audience was issued, version by version, under ``releases/``.

``releases/<brief>/index.json`` lists the versions (number, date, the
audiences each was issued to); ``releases/<brief>/v<N>/<audience>/`` holds
one audience's record of version N: ``release.json`` (the note, the marking,
the sections and a digest of the content), the edition's Markdown and its
manifest, whose hashes are those of the files issued. A version is written
into a hidden temporary folder, renamed into place, and only then listed in
the index, which is written last: the index is the register, so a release
interrupted at any moment leaves it as it was (a folder it does not list is
a leftover, removed by the next release).

Each audience's record is read on its own: building one audience's stamp or
redline reads the index and that audience's folders, never another's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import write
from .errors import ConfigError
from .models import Edition, SelectedSection, Stamp

log = logging.getLogger(__name__)

FOLDER = "releases"
INDEX = "index.json"
RECORD = "release.json"


def folder(root: Path, brief_id: str) -> Path:
    return root / FOLDER / brief_id


def version_dir(root: Path, brief_id: str, number: int) -> Path:
    return folder(root, brief_id) / f"v{number}"


def markdown_name(brief_id: str, audience: str) -> str:
    """Return the name of a record's Markdown: the edition's own ``.md``."""
    return f"{brief_id}-{audience}.md"


def record_dir(root: Path, brief_id: str, number: int, audience: str) -> Path:
    return version_dir(root, brief_id, number) / audience


@dataclass(frozen=True)
class Version:
    """One entry of the index: a version's number, date and the audiences it went to."""

    number: int
    date: dt.date
    audiences: tuple[str, ...]


@dataclass(frozen=True)
class Register:
    """A brief's index of versions, lowest first."""

    root: Path
    brief: str
    versions: tuple[Version, ...] = ()

    @property
    def last(self) -> int:
        """Return the number of the latest version, 0 before the first."""
        return self.versions[-1].number if self.versions else 0

    def of(self, audience: str) -> list[Version]:
        """Return the versions issued to ``audience``, lowest first."""
        return [v for v in self.versions if audience in v.audiences]

    def get(self, number: int) -> Version | None:
        return next((v for v in self.versions if v.number == number), None)

    def adding(self, number: int, date: dt.date, audiences: list[str]) -> Register:
        """Return the register with one more version (not written)."""
        entry = Version(number, date, tuple(sorted(audiences)))
        return Register(self.root, self.brief, (*self.versions, entry))

    def rel(self) -> str:
        return f"{FOLDER}/{self.brief}/{INDEX}"


def load(root: Path, brief_id: str) -> Register:
    """Read a brief's index; a brief never released has an empty register."""
    path = folder(root, brief_id) / INDEX
    rel = f"{FOLDER}/{brief_id}/{INDEX}"
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return Register(root, brief_id)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{rel}: the release register cannot be read ({exc}); restore it from git "
            "(it is written only by 'brief release')"
        ) from None
    try:
        versions = tuple(
            Version(
                int(entry["version"]),
                dt.date.fromisoformat(entry["date"]),
                tuple(str(a) for a in entry["audiences"]),
            )
            for entry in data["versions"]
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{rel}: the release register is damaged ({type(exc).__name__}: {exc}); "
            "restore it from git"
        ) from None
    numbers = [v.number for v in versions]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ConfigError(f"{rel}: versions are {numbers}, not 1, 2, ...; restore it from git")
    return Register(root, brief_id, versions)


# --- what an audience received ------------------------------------------------------


def section_digest(section: SelectedSection) -> str:
    """Hash what an audience receives of one section: its trees and markings."""
    state = [section.id, section.title, section.summary, section.body]
    state += [section.marking.label, section.highest.label]
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def content_digest(edition: Edition) -> str:
    """Hash the content an edition carries, whatever its layout, tools or date.

    Two editions with the same digest give their audience the same text: the
    brief's own words (its number, contacts and disclaimer too) and each
    section it receives, with their markings.
    """
    brief = edition.brief
    front = brief.front
    state: dict[str, Any] = {
        "brief": [brief.title, brief.subtitle, list(brief.authors), brief.lang],
        "sections": [section_digest(s) for s in edition.sections],
        "marking": edition.marking.label,
    }
    # Only what a brief has and the edition shows: a brief without them keeps the
    # digests its releases recorded (the layouts print a disclaimer where the
    # edition may go to anyone).
    disclaimer = front.disclaimer if edition.marking.release == "anyone" else None
    contacts = [[c.name, c.role, c.email, c.phone] for c in front.contacts]
    if front.number or contacts or disclaimer:
        state["furniture"] = [front.number, contacts, disclaimer]
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Record:
    """One audience's record of one version, as read back from its folder."""

    version: int
    date: dt.date
    audience: str
    note: str
    marking: str
    content: str
    sections: tuple[tuple[str, str], ...]  # (id, title) in reading order
    markdown: str  # the edition's .md, pandoc Markdown of its tree
    manifest: dict[str, Any]
    digest: str  # of release.json and the .md together, for the redline's up-to-date check


def read_record(register: Register, number: int, audience: str) -> Record:
    """Read ``audience``'s record of version ``number``; only that folder is opened."""
    where = record_dir(register.root, register.brief, number, audience)
    rel = where.relative_to(register.root).as_posix()
    restore = "restore it from git (records are written only by 'brief release')"
    name = markdown_name(register.brief, audience)
    _refuse_links(register.root, where, (RECORD, name, write.MANIFEST), restore)
    try:
        raw = (where / RECORD).read_bytes()
        data = json.loads(raw)
        manifest = json.loads((where / write.MANIFEST).read_text("utf-8"))
        if data["markdown"] != name:
            raise ConfigError(
                f"{rel}/{RECORD}: it names '{data['markdown']}' as the edition's Markdown, not "
                f"'{name}' beside it; {restore}"
            )
        markdown = (where / name).read_bytes()
        entry = manifest["outputs"][name]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{rel}/: the record cannot be read ({exc}); {restore}") from None
    if data.get("audience") != audience or data.get("version") != number:
        raise ConfigError(f"{rel}/{RECORD}: it names another audience or version; {restore}")
    if write.sha256(markdown) != entry.get("sha256"):
        raise ConfigError(f"{rel}/{name}: it does not match its manifest (changed?); {restore}")
    try:
        sections = tuple((str(s["id"]), str(s["title"])) for s in data["sections"])
        date = dt.date.fromisoformat(data["date"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{rel}/{RECORD}: damaged ({exc}); {restore}") from None
    return Record(
        version=number,
        date=date,
        audience=audience,
        note=str(data.get("note") or ""),
        marking=str(data["marking"]),
        content=str(data["content"]),
        sections=sections,
        markdown=markdown.decode("utf-8"),
        manifest=manifest,
        digest=write.sha256(raw + b"\0" + markdown),
    )


def _refuse_links(root: Path, where: Path, names: tuple[str, ...], restore: str) -> None:
    """Refuse a record reached through a symbolic link: its text would come from elsewhere."""
    path = root
    for part in [*where.relative_to(root).parts]:
        path = path / part
        if path.is_symlink():
            raise ConfigError(
                f"{path.relative_to(root).as_posix()}: a symbolic link where a release record's "
                f"folder belongs; {restore}"
            )
    for name in names:
        path = where / name
        linked = path.is_symlink() or (path.exists() and path.resolve() != where.resolve() / name)
        if linked or not where.resolve().is_relative_to(root.resolve()):
            raise ConfigError(
                f"{path.relative_to(root).as_posix()}: a symbolic link where a release "
                f"record's file belongs; {restore}"
            )


def stamp(register: Register, audience: str, content: Callable[[], str]) -> Stamp:
    """Return where an edition whose content digest is ``content()`` stands among its
    audience's versions (asked only if the audience has been issued one)."""
    issued = register.of(audience)
    if not issued:
        return Stamp(next=register.last + 1)
    same = _recorded_content(register, issued[-1].number, audience) == content()
    return issued_stamp(register, audience, same)


def issued_stamp(register: Register, audience: str, same: bool = True) -> Stamp:
    """Return the stamp of an edition that is (``same``) or follows its audience's last version."""
    issued = register.of(audience)
    first, last = issued[0], issued[-1]
    return Stamp(
        version=last.number if same else None,
        next=register.last + 1,
        first=first.date,
        last=last.date,
        first_version=first.number,
        last_version=last.number,
    )


def _recorded_content(register: Register, number: int, audience: str) -> str | None:
    path = record_dir(register.root, register.brief, number, audience) / RECORD
    try:
        return str(json.loads(path.read_text("utf-8"))["content"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(
            f"{path.relative_to(register.root).as_posix()}: the record of version {number} "
            "cannot be read; restore it from git (records are written only by 'brief release')"
        ) from None


def stamp_edition(edition: Edition) -> Stamp:
    """Return the edition's stamp, read from the register on disk."""
    register = load(edition.root, edition.brief.id)
    return stamp(register, edition.audience.name, lambda: content_digest(edition))


# --- writing a version ---------------------------------------------------------------


def commit(register: Register, files: Mapping[str, Mapping[str, bytes]]) -> Path:
    """Write the register's last version (its audiences' ``files``), then the index.

    The version's folder is written whole under a hidden name and renamed
    into place; the index that lists it is written last. An earlier version
    is never written over. Call with the release lock held (see :func:`lock`).
    """
    base = folder(register.root, register.brief)
    entry = register.versions[-1]
    target = version_dir(register.root, register.brief, entry.number)
    on_disk = load(register.root, register.brief)
    if on_disk.last >= entry.number:
        raise ConfigError(
            f"{register.rel()}: version {entry.number} is already recorded; a version is never "
            "written over (run 'brief release' again for the next one)"
        )
    base.mkdir(parents=True, exist_ok=True)
    clear_leftovers(register.root, register.brief, on_disk)
    staging = Path(tempfile.mkdtemp(prefix=f".v{entry.number}.", suffix=".tmp", dir=base))
    try:
        for audience, contents in sorted(files.items()):
            for name, data in sorted(contents.items()):
                write.atomic_write(staging / audience / name, data)
            _sync_dir(staging / audience)
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a release is shared text
        _sync_dir(staging)
        os.rename(staging, target)  # the folder appears whole, or not at all
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _sync_dir(base)
    index = {
        "brief": register.brief,
        "versions": [
            {"version": v.number, "date": v.date.isoformat(), "audiences": list(v.audiences)}
            for v in register.versions
        ],
    }
    text = json.dumps(index, indent=2, ensure_ascii=False) + "\n"
    write.atomic_write(base / INDEX, text.encode("utf-8"))  # from here on, the version exists
    _sync_dir(base)
    return target


def clear_leftovers(root: Path, brief_id: str, register: Register) -> list[str]:
    """Remove what an interrupted release left: temporary folders, versions the index lacks."""
    base = folder(root, brief_id)
    listed = {f"v{v.number}" for v in register.versions}
    removed = []
    for path in sorted(base.iterdir()) if base.is_dir() else []:
        leftover = path.name.startswith(".v") and path.name.endswith(".tmp")
        unlisted = path.name.startswith("v") and path.name[1:].isdigit() and path.name not in listed
        if path.is_dir() and (leftover or unlisted):
            shutil.rmtree(path)
            removed.append(path.name)
            log.warning("removed %s/%s, left by an interrupted release", base.name, path.name)
        elif path.name.startswith(f".{INDEX}.") and path.name.endswith(".tmp"):
            path.unlink()
    return removed


def _sync_dir(path: Path) -> None:
    """Flush a folder's entries to disk, so that a rename survives a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
