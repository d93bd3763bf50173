"""Deliver stage: an edition as an email draft (``.eml``); ``smtp.py`` sends it.

The draft is deterministic: its Date is the brief's date, its MIME boundaries
come from a hash of its content, and it has no Message-ID (the mail program
that sends it adds one). Before a draft is written, and again before it is
sent, its bytes are read back (:func:`read_back`): their headers must name
exactly the recipients the release rules checked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Any

from . import assemble, write
from .build import edition_dir
from .distribution import Letter, handling
from .errors import DeliveryError
from .formats import FORMATS
from .models import Edition
from .summary import size

log = logging.getLogger(__name__)

# CRLF line ends and 7-bit transfer encodings: every server and mail program takes it.
POLICY = email.policy.SMTP.clone(cte_type="7bit")


@dataclass(frozen=True)
class Attachment:
    filename: str
    format: str
    data: bytes
    pages: int | None
    kind: str | None = None  # in words, when not the format's: "PDF, changes marked"


def safe_filename(name: str) -> str:
    """Return ``name`` with only ``[a-z0-9._-]``, so no mail program mangles it."""
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.") or "brief"


def draft_path(edition: Edition) -> Path:
    return edition_dir(edition) / f"{edition.name}.eml"


def subject(edition: Edition, updated: bool = False) -> str:
    """Return the subject: the marking first, then number, title, audience and date.

    An update (sent with its redline) says so, and which version it is.
    """
    # ASCII separators, so that the marking stays readable to filters that see raw headers.
    date = edition.brief.date
    number = f"{edition.brief.front.number} | " if edition.brief.front.number else ""
    title = edition.brief.title
    if updated:
        stamp = edition.release
        which = f"version {stamp.version}" if stamp.version else f"draft of version {stamp.next}"
        title = f"Updated: {title} ({which})"
    return (
        f"{edition.marking.label} | {number}{title} | {edition.audience.label} | "
        f"{date.day} {date:%B %Y}"
    )


def _attachments(
    edition: Edition, formats: Sequence[str], redline: bool = False
) -> tuple[list[Attachment], dict[str, Any] | None]:
    """Read the built files, checking each against the edition's manifest.

    With ``redline``, the redline PDF comes first and the edition's marking
    is the redline's (the higher of the two versions'); the redline's record
    in the manifest comes back too.
    """
    folder = edition_dir(edition)
    rel = folder.relative_to(edition.root).as_posix()
    rebuild = f"run 'brief build {edition.brief.id} -a {edition.audience.name} --force'"
    found: list[Attachment] = []
    with write.locked(folder):  # a build running now cannot swap files under us
        manifest = write.read_manifest(folder) or {}
        outputs = manifest.get("outputs", {})
        for fmt in dict.fromkeys(formats):
            if fmt not in edition.audience.formats:
                raise DeliveryError(
                    f"{edition.brief.rel}: audience '{edition.audience.name}' is not built as "
                    f"{fmt} (formats: {', '.join(edition.audience.formats)}); add {fmt} to its "
                    "'formats' to attach it. No draft was written and nothing was sent."
                )
            name = f"{edition.name}.{fmt}"
            try:
                data = (folder / name).read_bytes()
            except OSError:
                raise DeliveryError(f"{rel}/{name} is missing; {rebuild}.") from None
            entry = outputs.get(name)
            if (
                not isinstance(entry, dict)
                or entry.get("sha256") != write.sha256(data)
                or not _marked_within(edition, manifest.get("marking"), exact=not redline)
            ):
                raise DeliveryError(
                    f"{rel}/{name} does not match {rel}/{write.MANIFEST} (changed since it was "
                    f"built?); {rebuild}. No draft was written and nothing was sent."
                )
            found.append(Attachment(safe_filename(name), fmt, data, entry.get("pages")))
        update = _redline_attachment(edition, manifest, rel, found) if redline else None
    return found, update


def _marked_within(edition: Edition, label: Any, exact: bool) -> bool:
    """Whether a file marked ``label`` may go in a message marked as the edition is."""
    if exact:
        return bool(label == edition.marking.label)
    level = edition.scheme.get(label) if isinstance(label, str) else None
    return level is not None and level.rank <= edition.marking.rank  # unknown: refused


def _redline_attachment(
    edition: Edition, manifest: dict[str, Any], rel: str, found: list[Attachment]
) -> dict[str, Any]:
    """Add the redline PDF to ``found``; return the redline's record in the manifest."""
    entry = manifest.get("redline")
    name = f"{edition.name}-redline.pdf"
    redo = f"run 'brief build {edition.brief.id} -a {edition.audience.name} --redline'"
    outputs = entry.get("outputs") if isinstance(entry, dict) else None
    item = outputs.get(name) if isinstance(outputs, dict) else None
    if not isinstance(entry, dict) or not isinstance(item, dict):
        raise DeliveryError(
            f"{rel}/{name} is missing ({edition.audience.name} gets no PDF, or no redline was "
            f"built); {redo}. No draft was written and nothing was sent."
        )
    try:
        data = (edition_dir(edition) / name).read_bytes()
    except OSError:
        data = b""
    if write.sha256(data) != item.get("sha256") or entry.get("marking") != edition.marking.label:
        raise DeliveryError(
            f"{rel}/{name} does not match {rel}/{write.MANIFEST} (changed since it was built?); "
            f"{redo}. No draft was written and nothing was sent."
        )
    kind = f"PDF, what changed since version {entry.get('since')}"
    found.append(Attachment(safe_filename(name), "pdf", data, item.get("pages"), kind))
    return entry


def _check_size(attachments: list[Attachment], max_mb: float) -> None:
    total = sum(len(a.data) for a in attachments)
    if total > max_mb * 1048576:
        sizes = ", ".join(f"{a.filename} {size(len(a.data))}" for a in attachments)
        raise DeliveryError(
            f"the attachments ({sizes}) are larger than the limit of {max_mb:g} MB "
            "(set with --max-size MB or max_attachment_mb in briefs/distribution.yaml; mail "
            "servers often refuse more than 10 to 25 MB, and encoding adds a third). "
            "No draft was written and nothing was sent."
        )


def compose(
    letter: Letter, formats: Sequence[str] = ("pdf",), redline: bool = False
) -> EmailMessage:
    """Return the draft for a letter: both bodies from the layout's templates, files attached.

    With ``redline``, it is an update: the redline PDF is attached beside the
    edition, the subject says "Updated", and the bodies open with what
    changed (the letter's edition carries the redline's marking).
    """
    edition = letter.edition
    attachments, record = _attachments(edition, formats, redline)
    _check_size(attachments, letter.max_attachment_mb)
    sections = assemble.context(edition)["sections"]  # plain text, from the edition's trees
    extra = {
        "bottom_line": sections[0],
        "key_points": sections[1:],
        "attachments": [
            {
                "filename": a.filename,
                "kind": a.kind or FORMATS[a.format].kind,
                "size": size(len(a.data)),
                "pages": a.pages,
            }
            for a in attachments
        ],
        "handling": handling(edition),
        "sender": str(letter.sender),
        "sign_off": ", ".join(edition.brief.authors)
        or letter.sender.display_name
        or letter.sender.addr_spec,
        "update": _update(record) if record is not None else None,
    }
    text = assemble.render_template(edition, "email.txt.j2", **extra)
    html = assemble.render_template(edition, "email.html.j2", **extra)
    message = EmailMessage(policy=POLICY)
    message["From"] = letter.sender
    message["To"] = [r.address for r in letter.to]
    if letter.cc:
        message["Cc"] = [r.address for r in letter.cc]
    message["Subject"] = _header("Subject", subject(edition, updated=redline))
    when = dt.datetime.combine(edition.brief.date, dt.time(0, 0), tzinfo=dt.UTC)
    message["Date"] = format_datetime(when)
    message["Content-Language"] = edition.brief.lang
    message["X-Unsent"] = "1"  # Outlook and others open the file as a message to send
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for a in attachments:
        maintype, _, subtype = FORMATS[a.format].media_type.partition("/")
        message.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.filename)
    _fix_boundaries(message, [text.encode(), html.encode(), *(a.data for a in attachments)])
    return message


def _update(record: dict[str, Any]) -> dict[str, Any]:
    """Return what changed, as the email templates see it: plain text, from the manifest."""
    summary = record.get("summary") or {}

    def titles(key: str) -> list[str]:
        return [str(title) for _, title in summary.get(key) or []]

    since_date = dt.date.fromisoformat(summary["since_date"])
    notes = [
        {"version": n, "date_text": _day(dt.date.fromisoformat(d)), "text": text}
        for n, d, text in summary.get("notes") or []
    ]
    return {
        "since": summary.get("since"),
        "since_date_text": _day(since_date),
        "now": summary.get("now"),
        "notes": notes,
        "added": titles("added"),
        "removed": titles("removed"),
        "moved": titles("moved"),
        "revised": titles("revised"),
    }


def _day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


def _header(name: str, value: str) -> str:
    if re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", value):
        raise DeliveryError(
            f"the {name} header would contain a line break or control character: {value!r} "
            "(remove it from the brief's title or the audience's label); no draft was written "
            "and nothing was sent"
        )
    return value


def _fix_boundaries(message: EmailMessage, contents: list[bytes]) -> None:
    # Random boundaries would make every draft differ; "=_" never occurs in QP or base64.
    digest = hashlib.sha256(b"\0".join(contents)).hexdigest()[:24]
    for index, part in enumerate(p for p in message.walk() if p.is_multipart()):
        part.set_boundary(f"=_briefwright_{digest}_{index}")
    for sub in list(message.walk())[1:]:
        del sub["MIME-Version"]  # belongs on the message only; add_alternative copies it


def write_draft(letter: Letter, message: EmailMessage) -> Path:
    """Write the draft atomically to ``build/<brief>/<audience>/<brief>-<audience>.eml``."""
    path = draft_path(letter.edition)
    data = message.as_bytes(policy=POLICY)
    read_back(data, letter, "no draft was written and nothing was sent")
    write.atomic_write(path, data)
    log.info("wrote %s", path)
    return path


def describe(letter: Letter, message: EmailMessage, path: Path) -> list[str]:
    """Return what a draft is, line by line: its file, recipients, subject and attachments."""
    with contextlib.suppress(ValueError, OSError):  # relative, if under the working folder
        path = path.relative_to(Path.cwd())
    lines = [f"Draft: {path}", "To: " + ", ".join(str(r.address) for r in letter.to)]
    if letter.cc:
        lines.append("Cc: " + ", ".join(str(r.address) for r in letter.cc))
    lines.append(f"Subject: {message['Subject']}")
    kinds = {f.media_type: f.kind for f in FORMATS.values()}
    files = [
        f"{part.get_filename()} ({kinds.get(part.get_content_type(), part.get_content_type())}, "
        f"{size(len(part.get_content()))})"
        for part in message.iter_attachments()
    ]
    lines.append("Attached: " + (", ".join(files) or "nothing"))
    return lines


# Headers that address a message, or its replies, to someone: only From, To and Cc are written.
_ADDRESSING = ("Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc", "Resent-From", "Reply-To")


def read_back(data: bytes, letter: Letter, outcome: str) -> tuple[str, ...]:
    """Return the To and Cc addresses in the final bytes; raise unless they are the letter's.

    The bytes are read the ways that matter: as a mail program reads them
    (the email package's header parser, which decodes encoded words), as
    text decoded first and split after (as code that hands smtplib its
    recipients often does), and raw, not decoded at all. Each must find
    exactly the checked recipients, with their names, and the sender, or
    the message is refused: a header that two programs read differently
    could send the edition to someone the release check never saw.
    """
    modern = email.message_from_bytes(data, policy=email.policy.default)
    raw = email.message_from_bytes(data, policy=email.policy.compat32)
    faults: list[str] = []
    for name in _ADDRESSING:
        if name in modern:
            faults.append(f"it has a {name} header, which briefwright never writes")
    wanted = {
        "From": [letter.sender],
        "To": [r.address for r in letter.to],
        "Cc": [r.address for r in letter.cc],
    }
    for name, addresses in wanted.items():
        want = [a.addr_spec for a in addresses]
        headers = modern.get_all(name) or []
        if len(headers) > 1:
            faults.append(f"it has {len(headers)} {name} headers")
        for header in headers:
            if header.defects:
                faults.append(f"its {name} header is malformed ({header.defects[0]})")
        readings = {
            "as a mail program reads it": [a.addr_spec for h in headers for a in h.addresses],
            "decoded first": [a for _, a in getaddresses([str(h) for h in headers])],
            "undecoded": [a for _, a in getaddresses(raw.get_all(name) or [])],
        }
        wrong: dict[tuple[str, ...], list[str]] = {}
        for how, got in readings.items():
            if got != want:
                wrong.setdefault(tuple(got), []).append(how)
        for found, hows in wrong.items():
            faults.append(
                f"its {name} header names {', '.join(found) or 'nobody'} (read {'; '.join(hows)}) "
                f"where the checked addresses are {', '.join(want) or 'nobody'}"
            )
        # Names are compared without their spaces: the email package folds a long name
        # into several encoded words and reads a space back between them.
        names = ["".join(a.display_name.split()) for h in headers for a in h.addresses]
        if not faults and names != ["".join(a.display_name.split()) for a in addresses]:
            faults.append(f"its {name} header does not keep the names as they were written")
    if faults:
        raise DeliveryError(
            "the message, read back before it goes out, is not addressed as checked: "
            + "; ".join(faults)
            + f"; {outcome} (look for header syntax in the names and addresses in "
            "briefs/distribution.yaml, --to and --cc, such as '=?', and write them plainly)"
        )
    return tuple(a.addr_spec for a in wanted["To"] + wanted["Cc"])
