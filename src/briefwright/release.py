"""Release stage: ``brief release`` records the current editions as version N of a brief.

What is released is what the author last built and looked at: every edition
must be built from the current sources (its manifest's fingerprint is that
of the sources now), or nothing happens. The editions whose content changed
since their audience's last version (or that were never issued) are built
again stamped "Version N", and each audience's record (its Markdown, its
manifest with the hashes of the issued files, and ``release.json``) is
written to ``releases/<brief>/v<N>/`` by :func:`register.commit`, which
leaves the register as it was if anything stops it. One release runs at a
time per brief.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import build, register, select, write
from .errors import ReleaseError
from .load import build_date
from .models import Edition, Project, day
from .roots import output_dir

log = logging.getLogger(__name__)

Builder = Callable[[list[Edition]], list[build.EditionResult]]
MAX_NOTE = 2000  # characters: a note says what changed, it is not a second brief


@dataclass(frozen=True)
class Released:
    """What a release recorded."""

    brief: str
    version: int
    date: dt.date
    path: Path
    audiences: tuple[str, ...]
    unchanged: tuple[tuple[str, int], ...]  # audiences left at the version they have
    note: str


def check_note(note: str | None) -> str:
    """Return the note as recorded, or raise ReleaseError saying what to change."""
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise ReleaseError(
            f"--note: the note is {len(text)} characters long; keep it under {MAX_NOTE} "
            "(say what changed; the redline shows the rest)"
        )
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]", text):
        raise ReleaseError("--note: the note holds control characters; write it as plain text")
    return text


def release(
    project: Project,
    brief_id: str,
    audiences: list[str] | None = None,
    note: str | None = None,
    builder: Builder | None = None,
) -> Released:
    """Record version N of a brief for its audiences (or those named), or raise ReleaseError."""
    text = check_note(note)
    editions = select.plan_or_raise(project, [brief_id], audiences or None)
    with write.locked(output_dir(project.root) / ".releases" / brief_id):  # one at a time
        current = register.load(project.root, brief_id)
        _check_built(editions)
        changed = [e for e in editions if e.release.version is None]
        unchanged = [e for e in editions if e.release.version is not None]
        if audiences and unchanged or not changed:
            raise ReleaseError(_nothing_new(brief_id, unchanged, bool(audiences)))
        number, date = current.last + 1, build_date()
        if current.versions and date < current.versions[-1].date:
            raise ReleaseError(
                f"{current.rel()}: version {current.last} is dated {day(current.versions[-1].date)}"
                f", later than today's {day(date)} (check the clock and SOURCE_DATE_EPOCH)"
            )
        pending = current.adding(number, date, [e.audience.name for e in changed])
        stamped = [
            dataclasses.replace(e, release=register.issued_stamp(pending, e.audience.name))
            for e in changed
        ]
        results = (builder or build.build)(stamped)
        build.raise_failures(results)
        files = {e.audience.name: _record(e, number, date, text) for e in stamped}
        path = register.commit(pending, files)
    return Released(
        brief=brief_id,
        version=number,
        date=date,
        path=path,
        audiences=tuple(e.audience.name for e in stamped),
        unchanged=tuple((e.audience.name, e.release.version or 0) for e in unchanged),
        note=text,
    )


def _check_built(editions: list[Edition]) -> None:
    """Refuse unless every edition's folder holds what the current sources build."""
    stale = [e for e in editions if not build.current(e)]
    if not stale:
        return
    lines = []
    for edition in stale:
        folder = build.edition_dir(edition).relative_to(edition.root).as_posix()
        built = (build.edition_dir(edition) / write.MANIFEST).is_file()
        what = "is not built from the current sources" if built else "has not been built"
        lines.append(
            f"{folder}/{write.MANIFEST}: the {edition.audience.name} edition {what} "
            f"(run 'brief build {edition.brief.id}', look at it, then release it)"
        )
    lines.append("Nothing was released: what is released is what was last built and read.")
    raise ReleaseError("\n".join(lines))


def _nothing_new(brief_id: str, unchanged: list[Edition], named: bool) -> str:
    index = f"{register.FOLDER}/{brief_id}/{register.INDEX}"
    if not named:
        names = ", ".join(f"{e.audience.name} (version {e.release.version})" for e in unchanged)
        return (
            f"{index}: nothing has changed since the last version of each edition: {names} "
            "(edit the sources, build and read the editions, then release). Nothing was released."
        )
    lines = [
        f"{index}: the {e.audience.name} edition is version {e.release.version} already, and "
        "nothing it receives has changed since (leave it out of -a, or edit its sources first)"
        for e in unchanged
    ]
    lines.append("Nothing was released.")
    return "\n".join(lines)


def _record(edition: Edition, number: int, date: dt.date, note: str) -> dict[str, bytes]:
    """Return an audience's record of the edition as built: its Markdown, manifest and note."""
    folder = build.edition_dir(edition)
    rel = folder.relative_to(edition.root).as_posix()
    digest, _ = build.fingerprint(edition, build.assemble(edition))
    with write.locked(folder):  # a build running now cannot swap files under us
        manifest = write.read_manifest(folder)
        if manifest is None or manifest.get("fingerprint") != digest:
            raise ReleaseError(
                f"{rel}/{write.MANIFEST}: another build replaced the edition while it was being "
                "released; run 'brief release' again. Nothing was released."
            )
        outputs: dict[str, Any] = manifest.get("outputs") or {}
        markdown = register.markdown_name(edition.brief.id, edition.audience.name)
        issued: dict[str, str] = {}
        data = b""
        for name, entry in sorted(outputs.items()):
            try:
                content = (folder / name).read_bytes()
            except OSError:
                content = None
            if content is None or write.sha256(content) != entry.get("sha256"):
                raise ReleaseError(
                    f"{rel}/{name}: it does not match {rel}/{write.MANIFEST} (changed while "
                    "releasing?); run 'brief release' again. Nothing was released."
                )
            issued[name] = entry["sha256"]
            if name == markdown:
                data = content
    assert markdown in issued
    record = {
        "brief": edition.brief.id,
        "audience": edition.audience.name,
        "version": number,
        "date": date.isoformat(),
        "note": note,
        "marking": edition.marking.label,
        "content": register.content_digest(edition),
        "sections": [{"id": s.id, "title": s.title_text} for s in edition.sections],
        "markdown": markdown,
        "files": issued,
    }
    manifest_text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return {
        register.RECORD: (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode(),
        write.MANIFEST: manifest_text.encode("utf-8"),
        markdown: data,
    }


def describe(done: Released) -> list[str]:
    """Return what a release recorded, line by line, for the command to print."""
    lines = [
        f"Released version {done.version} of {done.brief} ({day(done.date)}) to "
        f"{', '.join(done.audiences)}: {register.FOLDER}/{done.brief}/v{done.version}/"
    ]
    for audience, version in done.unchanged:
        lines.append(f"  {audience}: unchanged, still version {version}")
    if done.note:
        lines.append(f"  Note (read by every audience above): {done.note}")
    lines.append(f"Commit {register.FOLDER}/{done.brief}/ to keep the record.")
    return lines
