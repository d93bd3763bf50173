"""Redlines: each edition beside what its audience was issued in an earlier version.

``brief build BRIEF --redline [VERSION]`` writes, beside each edition,
``<brief>-<audience>-redline.{pdf,docx,html}``: the edition with every
change since VERSION marked (by default, since the audience's last version
before this edition). What is compared is that audience's own record of
VERSION (``releases/<brief>/v<N>/<audience>/``, nothing of any other
audience's) and the edition it receives now, both read by pandoc from their
Markdown. The redline is marked with the higher of the two markings, and
none is written when the earlier version carried a marking above the
audience's clearance now: it would show that text again.

The redline's files are recorded in the edition's manifest (``redline``),
with a fingerprint of everything they come from, so that an unchanged
redline is not written again and email can check what it attaches.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from . import build, redline, register, tree, write
from .errors import BriefError, BuildError, ConfigError, DeliveryError, ReleaseError
from .formats import FORMATS
from .markings import Level
from .models import Edition, day
from .render.redline import Summary

log = logging.getLogger(__name__)

KEY = "redline"  # the manifest's entry for the redline
# What the summary lists for changes in no section: a figure, the contacts, the front.
OUTSIDE = "text outside the sections (figures, contacts, the front page)"


@dataclass
class RedlineResult:
    """One edition's redline: built, up to date, skipped (with why) or failed."""

    edition: Edition
    status: str
    since: int | None = None
    outputs: list[build.OutputInfo] = field(default_factory=list)
    message: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)


class Skip(Exception):
    """An edition with no redline to write, and why (not a fault)."""


def file_name(edition: Edition, fmt: str) -> str:
    return f"{edition.name}-redline.{FORMATS[fmt].extension}"


def formats(edition: Edition) -> list[str]:
    """Return the formats of the edition's redline: those of its formats that show changes.

    An audience sent ODT gets the DOCX redline: an ODT cannot carry tracked
    changes from pandoc, and the office suites that read ODT open DOCX too.
    """
    wanted = set(edition.audience.formats)
    if "odt" in wanted:
        wanted.add("docx")
    return [name for name, spec in FORMATS.items() if spec.redline and name in wanted]


def since_version(reg: register.Register, edition: Edition, wanted: int | None) -> int:
    """Return the version to compare with, or raise Skip saying why there is none."""
    name = edition.audience.name
    issued = [v.number for v in reg.of(name)]
    if wanted is not None:
        if reg.get(wanted) is None:
            have = ", ".join(str(v.number) for v in reg.versions) or "none yet"
            raise ConfigError(
                f"{reg.rel()}: {edition.brief.id} has no version {wanted} (versions: {have}); "
                "give one of those to --redline"
            )
        if wanted not in issued:
            got = ", ".join(map(str, issued)) or "none"
            raise Skip(f"version {wanted} was not issued to {name} (it received: {got})")
        return wanted
    current = edition.release.version
    if current is not None:
        earlier = [n for n in issued if n < current]
        if not earlier:
            raise Skip(f"it is version {current}, the first issued to {name}: nothing to compare")
        return earlier[-1]
    if not issued:
        raise Skip(f"it has never been released to {name}: nothing to compare with yet")
    return issued[-1]


def _highest(edition: Edition, *levels: Level) -> Level:
    top = edition.scheme.highest(levels)
    assert top is not None  # never called without a level
    return top


def _marked(doc: Any, edition: Edition, where: str) -> Level:
    """Return the highest marking the recorded text carries, at least the lowest level.

    An edition's Markdown shows markings three ways: passages keep
    ``data-marking``, sections their ``marking-tag`` span, and portion marks
    their text. A marking the scheme does not know is refused.
    """
    scheme = edition.scheme
    by_slug = {f"marking-{level.slug}": level for level in scheme.levels}
    # Every form a portion mark takes, whatever this audience's setting: a record
    # written for another audience, or under another setting, holds the others.
    by_portion = {f"({level.label})": level for level in scheme.levels}
    by_portion.update({level.portion: level for level in scheme.levels if level.portion})
    found = [scheme.levels[0]]
    for _, (_, cls, kv) in tree.attrs_anywhere(doc["blocks"]):
        labels = [v for k, v in kv if k == "data-marking"]
        if "marking-tag" in cls:
            labels += [c for c in cls if c.startswith("marking-") and c != "marking-tag"]
        for label in labels:
            level = scheme.get(label) or by_slug.get(label)
            if level is None:
                raise ReleaseError(
                    f"{where}: its text carries the marking '{label}', which the scheme does "
                    "not know, so it cannot be checked against the audience's clearance; no "
                    "redline was written (restore the record from git)"
                )
            found.append(level)
    for node in tree.nodes(doc["blocks"]):
        if node["t"] == "Span" and "portion" in tree.classes(node):
            shown = tree.stringify(node["c"][1]).strip()
            level = by_portion.get(shown)
            if level is None:
                raise ReleaseError(
                    f"{where}: its text carries the portion mark '{shown}', which the scheme "
                    "does not know, so it cannot be checked against the audience's clearance; "
                    "no redline was written (restore the record from git)"
                )
            found.append(level)
    return _highest(edition, *found)


def build_redlines(editions: list[Edition], wanted: int | None = None) -> list[RedlineResult]:
    """Write the redline of each edition (built already); return one result each, in order."""
    results = []
    for edition in editions:
        try:
            results.append(_redline(edition, wanted))
        except Skip as why:
            results.append(RedlineResult(edition, "skipped", message=str(why)))
        except (BriefError, OSError) as exc:
            text = exc.format_message() if isinstance(exc, BriefError) else str(exc)
            results.append(RedlineResult(edition, "failed", message=text))
    return results


def _redline(edition: Edition, wanted: int | None) -> RedlineResult:
    root = edition.root
    name = edition.audience.name
    reg = register.load(root, edition.brief.id)
    since = since_version(reg, edition, wanted)
    record = register.read_record(reg, since, name)  # this audience's record, no other
    where = register.record_dir(root, edition.brief.id, since, name).relative_to(root).as_posix()
    old = edition.scheme.get(record.marking)
    if old is None:
        raise ReleaseError(
            f"{where}/{register.RECORD}: marking '{record.marking}' is not in the scheme, so the "
            f"text of version {since} cannot be checked against {name}'s clearance; no redline "
            "was written (add the level back to briefs/markings.yaml)"
        )
    clearance = edition.audience.level
    if old.rank > clearance.rank:
        raise ReleaseError(
            f"{where}/{register.RECORD}: version {since} of this edition was marked {old}, above "
            f"{name}'s clearance now ({clearance}); a redline would show that text again, so "
            "none was written (compare with a later version, or send the edition alone)"
        )
    audience = dataclasses.replace(edition.audience, formats=formats(edition))  # type: ignore[arg-type]
    notes = tuple(
        (v.number, v.date, register.read_record(reg, v.number, name).note)
        for v in reg.of(name)
        if since < v.number <= (edition.release.version or 0)
    )
    folder = build.edition_dir(edition)
    manifest, markdown = _current(edition)
    digest = hashlib.sha256(
        json.dumps(
            [manifest["fingerprint"], record.digest, audience.formats, notes, build.code_digest()],
            default=str,
        ).encode()
    ).hexdigest()
    done = _up_to_date(edition, manifest, digest)
    if done is not None:
        return done

    from .render import pandoc
    from .render import redline as writer
    from .render.ast import check_restrictions

    before, after = pandoc.read([record.markdown, markdown], f"the redline of {edition.name}")
    for read, rel in ((before, where), (after, build.edition_dir(edition).relative_to(root))):
        if isinstance(read, str):
            raise BuildError(f"{rel}/: pandoc could not read the edition's Markdown: {read}")
    assert isinstance(before, dict) and isinstance(after, dict)
    for doc in (before, after):
        check_restrictions(doc)  # an edition's text holds no restriction left to apply
    # The record's marking is what release.json says; the markings its text carries
    # are checked as well, so that an edited record cannot lower what it holds.
    record_md = register.markdown_name(edition.brief.id, name)
    old = _highest(edition, old, _marked(before, edition, f"{where}/{record_md}"))
    if old.rank > clearance.rank:
        raise ReleaseError(
            f"{where}/: version {since} of this edition holds text marked {old}, above "
            f"{name}'s clearance ({clearance}); a redline would show that text again, so "
            "none was written (restore the record from git, or send the edition alone)"
        )
    marking = _highest(edition, old, edition.marking)
    shown = dataclasses.replace(edition, marking=marking, audience=audience)
    left_out = redline.normalise(before) + redline.normalise(after)
    when = edition.release.last if edition.release.version is not None else edition.brief.date
    who = redline.Author(", ".join(edition.brief.authors) or "briefwright", f"{when}T00:00:00Z")
    wants_page = any(f in audience.formats for f in ("html", "pdf"))
    page, changes = redline.diff(before["blocks"], after["blocks"], who, "shown")
    word = redline.diff(before["blocks"], after["blocks"], who, "tracked")[0]
    summary = _summary(edition, record, changes, notes, left_out)
    rendered = writer.render(
        shown,
        after,
        page if wants_page else None,
        word if "docx" in audience.formats else None,
        summary,
        who,
    )
    files = {file_name(edition, fmt): data for fmt, data in rendered.outputs.items()}
    entry = {
        "since": since,
        "marking": marking.label,
        "fingerprint": digest,
        "summary": summary.plain(),
        "outputs": {
            name: {
                "sha256": write.sha256(data),
                "bytes": len(data),
                **({"pages": rendered.pages} if name.endswith(".pdf") else {}),
            }
            for name, data in sorted(files.items())
        },
    }
    with write.locked(folder):
        latest = write.read_manifest(folder)
        if latest is None or latest.get("fingerprint") != manifest["fingerprint"]:
            raise BuildError(
                f"{folder.relative_to(root).as_posix()}/: the edition was rebuilt while its "
                "redline was being written; build again"
            )
        for file, data in sorted(files.items()):
            write.atomic_write(folder / file, data)
        latest[KEY] = entry
        text = json.dumps(latest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write.atomic_write(folder / write.MANIFEST, text.encode("utf-8"))
    outputs = []
    for fmt, data in rendered.outputs.items():
        pages = rendered.pages if fmt == "pdf" else None
        outputs.append(build.OutputInfo(folder / file_name(edition, fmt), fmt, len(data), pages))
    return RedlineResult(edition, "built", since, outputs, summary=summary.plain())


def _current(edition: Edition) -> tuple[dict[str, Any], str]:
    """Return the edition's manifest and Markdown, checked as built from the current sources."""
    folder = build.edition_dir(edition)
    rel = folder.relative_to(edition.root).as_posix()
    rebuild = f"run 'brief build {edition.brief.id} -a {edition.audience.name}'"
    if not build.current(edition):
        raise BuildError(f"{rel}/: the edition is not built from the current sources; {rebuild}")
    with write.locked(folder):
        manifest = write.read_manifest(folder) or {}
        name = f"{edition.name}.md"
        data = (folder / name).read_bytes()
    entry = manifest.get("outputs", {}).get(name, {})
    if write.sha256(data) != entry.get("sha256"):
        raise BuildError(f"{rel}/{name}: it does not match its manifest; {rebuild} --force")
    return manifest, data.decode("utf-8")


def _up_to_date(edition: Edition, manifest: dict[str, Any], digest: str) -> RedlineResult | None:
    entry = manifest.get(KEY)
    if not isinstance(entry, dict) or entry.get("fingerprint") != digest:
        return None
    folder = build.edition_dir(edition)
    infos = []
    for name, item in sorted(build.redline_outputs(manifest).items()):
        try:
            data = (folder / name).read_bytes()
        except OSError:
            return None
        if write.sha256(data) != item.get("sha256"):
            return None
        fmt = name.rsplit(".", 1)[-1]
        infos.append(build.OutputInfo(folder / name, fmt, len(data), item.get("pages")))
    summary = entry.get("summary") or {}
    return RedlineResult(edition, "up to date", entry.get("since"), infos, summary=summary)


def _summary(
    edition: Edition,
    record: register.Record,
    changes: redline.Changes,
    notes: tuple[tuple[int, Any, str], ...],
    left_out: int,
) -> Summary:
    old = dict(record.sections)
    new = {s.id: s.title_text for s in edition.sections}
    common = set(old) & set(new)
    stamp = edition.release
    now = (
        f"version {stamp.version}, issued {day(stamp.last)}"
        if stamp.version is not None and stamp.last is not None
        else f"the draft of version {stamp.next}"
    )
    return Summary(
        since=record.version,
        since_date=record.date,
        now=now,
        notes=tuple((n, d, t) for n, d, t in notes if t),
        added=tuple((i, t) for i, t in new.items() if i not in old),
        removed=tuple((i, t) for i, t in old.items() if i not in new),
        moved=tuple((i, new[i]) for i in dict.fromkeys(changes.moved) if i in common),
        revised=tuple((i, new[i]) for i in changes.revised if i in common)
        + ((("", OUTSIDE),) if changes.outside else ()),
        left_out=left_out,
    )


def describe(results: list[RedlineResult]) -> list[str]:
    """Return what was written, line by line: each redline file, or why there is none."""
    lines = []
    for result in results:
        edition = result.edition
        if result.status in ("built", "up to date"):
            changed = _count(result.summary)
            for info in result.outputs:
                rel = info.path.relative_to(edition.root).as_posix()
                pages = f", {info.pages} page(s)" if info.pages else ""
                lines.append(
                    f"{rel} (since version {result.since}: {changed}{pages}; {result.status})"
                )
        elif result.status == "skipped":
            lines.append(f"{edition.name}: no redline, {result.message}")
        else:
            lines.append(f"{edition.name}: redline failed: {result.message}")
    return lines


def _count(summary: dict[str, Any]) -> str:
    parts = [
        f"{len(summary.get(key) or [])} {key}"
        for key in ("added", "removed", "moved", "revised")
        if summary.get(key)
    ]
    return ", ".join(parts) + " section(s)" if parts else "no changes"


def raise_failures(results: list[RedlineResult]) -> None:
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise BuildError(
            "\n".join(f"{r.message}" for r in failed)
            + f"\n{len(failed)} redline(s) not written; the editions are built."
        )


def for_mail(edition: Edition) -> Edition:
    """Build the edition's redline (since its last release) for mail; return the edition
    as the mail must be marked: with the redline's marking."""
    result = build_redlines([edition])[0]
    if result.status == "skipped":
        raise DeliveryError(
            f"{edition.name}: no redline to send: {result.message} (send it without --redline). "
            "No draft was written and nothing was sent."
        )
    raise_failures([result])
    label = (write.read_manifest(build.edition_dir(edition)) or {}).get(KEY, {}).get("marking")
    level = edition.scheme.get(label) if isinstance(label, str) else None
    if level is None:
        raise DeliveryError(f"{edition.name}: the redline's marking cannot be read; build again")
    return dataclasses.replace(edition, marking=level)
