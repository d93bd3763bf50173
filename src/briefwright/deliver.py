"""Deliver stage: an edition as an email draft (``.eml``), and sending it over SMTP.

The draft is deterministic: its Date is the brief's date, its MIME boundaries
come from a hash of its content, and it has no Message-ID (the mail program
that sends it adds one). A sent copy gets the current Date and a fresh
Message-ID. SMTP settings come only from ``BRIEFWRIGHT_SMTP_*`` environment
variables; the password is never logged nor put into a message.

A message goes to all its recipients in one SMTP transaction. If the server
refuses any recipient, the transaction is abandoned before the text is sent,
so that nobody gets a copy that the others do not, and the error says who
received it (nobody) and who did not. Temporary (4xx) replies are retried
with a doubling delay.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email
import email.policy
import hashlib
import logging
import os
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from typing import Any, Literal, cast

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
ENV = "BRIEFWRIGHT_SMTP_"


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


# --- SMTP ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: Literal["starttls", "ssl", "none"]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 2.0
    cafile: str | None = None


def smtp_settings(env: Mapping[str, str] | None = None) -> SmtpSettings:
    """Read the SMTP settings from the environment; raise DeliveryError naming every fault."""
    env = os.environ if env is None else env
    faults: list[str] = []

    def number(key: str, default: float, kind: type[int] | type[float], low: float) -> float:
        raw = env.get(ENV + key, "").strip()
        try:
            value = kind(raw) if raw else default
        except ValueError:
            value = low - 1
        if value < low:
            faults.append(f"{ENV}{key} is {raw!r}; expected a number of at least {low:g}")
            return default
        return value

    host = env.get(ENV + "HOST", "").strip()
    if not host:
        faults.append(f"{ENV}HOST is not set; set it to your mail server, e.g. smtp.example.org")
    elif not re.fullmatch(r"[A-Za-z0-9.:-]+", host):
        faults.append(f"{ENV}HOST is {host!r}; expected a host name or IP address")
    tls = env.get(ENV + "TLS", "").strip().lower() or "starttls"
    if tls not in ("starttls", "ssl", "none"):
        faults.append(f"{ENV}TLS is {tls!r}; expected starttls, ssl or none")
        tls = "starttls"
    port = int(number("PORT", {"ssl": 465, "starttls": 587, "none": 25}[tls], int, 1))
    if port > 65535:
        faults.append(f"{ENV}PORT is {port}; expected a port number up to 65535")
    user = env.get(ENV + "USER") or None
    password = env.get(ENV + "PASSWORD") or None
    if user and not password:
        faults.append(f"{ENV}USER is set but {ENV}PASSWORD is not; set both, or neither")
    if password and not user:
        faults.append(f"{ENV}PASSWORD is set but {ENV}USER is not; set both, or neither")
    if (user or password) and tls == "none":
        faults.append(f"{ENV}TLS=none would send the password unencrypted; use starttls or ssl")
    cafile = env.get(ENV + "CAFILE") or None
    if cafile and not Path(cafile).is_file():
        faults.append(f"{ENV}CAFILE names {cafile!r}, which is not a file")
    timeout = number("TIMEOUT", 30.0, float, 0.001)
    retries = int(number("RETRIES", 3, int, 0))
    backoff = number("BACKOFF", 2.0, float, 0)
    if faults:
        raise DeliveryError(
            "\n".join(faults) + "\nSMTP settings come only from the environment, never from a "
            "file in the project. Nothing was written or sent."
        )
    tls_mode = cast(Literal["starttls", "ssl", "none"], tls)
    return SmtpSettings(host, port, tls_mode, user, password, timeout, retries, backoff, cafile)


@dataclass(frozen=True)
class SendResult:
    recipients: tuple[str, ...]
    message_id: str
    attempts: int


class _Temporary(Exception):
    """A 4xx reply: worth trying again in a moment."""


def outgoing(message: EmailMessage) -> EmailMessage:
    """Return the copy of a draft that is sent: no X-Unsent, today's Date, a new Message-ID."""
    sent = cast(
        EmailMessage, email.message_from_bytes(message.as_bytes(policy=POLICY), policy=POLICY)
    )
    del sent["X-Unsent"]
    del sent["Date"]
    del sent["Message-ID"]
    sent["Date"] = format_datetime(dt.datetime.now(dt.UTC).astimezone())
    domain = sent["From"].addresses[0].domain
    sent["Message-ID"] = make_msgid(domain=domain)
    return sent


@dataclass
class _Progress:
    """How far a send has got: what a message can say for sure when it is interrupted."""

    stage: str = "preparing the message"
    handed_over: bool = False  # the text went to the server, which may have taken it
    accepted: bool = False  # the server said it took the text (250 after DATA)


def send(
    message: EmailMessage,
    letter: Letter,
    settings: SmtpSettings,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """Send a letter's draft to its recipients in one transaction; raise DeliveryError if not.

    The envelope is the letter's checked recipients, never addresses read
    from the message; the message's own headers, read back, must name the same.
    Interrupted (Ctrl-C), it says whether the server had accepted the message.
    """
    progress = _Progress()
    rcpts = tuple(r.address.addr_spec for r in letter.recipients)
    message_id = ""
    try:
        sent = outgoing(message)
        message_id = str(sent["Message-ID"])
        data = sent.as_bytes(policy=POLICY)
        sender = letter.sender.addr_spec
        named = read_back(data, letter, "nothing was sent")
        # smtplib reads each address it is given again (quoteaddr); it must come out as it went in.
        quoted = [smtplib.quoteaddr(a) for a in (sender, *rcpts)]
        if named != rcpts or quoted != [f"<{a}>" for a in (sender, *rcpts)]:
            raise DeliveryError(
                f"the SMTP envelope ({', '.join(rcpts)}) would not be what the message's "
                f"headers name ({', '.join(named)}); nothing was sent"
            )
        delay = settings.backoff
        for attempt in range(1, settings.retries + 2):
            try:
                _transaction(settings, sender, rcpts, data, progress)
            except _Temporary as exc:
                if attempt > settings.retries:
                    raise _failed(
                        f"the mail server kept deferring the message ({exc}) after {attempt} "
                        "attempts",
                        "try again later, or ask the mail server's administrator",
                        rcpts,
                    ) from None
                log.warning("%s: %s; trying again in %g s", settings.host, exc, delay)
                progress.stage = "waiting to try again"
                progress.handed_over = False  # a 4xx reply: the server did not take it
                sleep(delay)
                delay *= 2
                continue
            log.info("sent %s to %s", message_id, ", ".join(rcpts))
            return SendResult(rcpts, message_id, attempt)
        raise AssertionError("unreachable")
    except KeyboardInterrupt:
        raise _interrupted(progress, settings, rcpts, message_id) from None


def _interrupted(
    progress: _Progress, settings: SmtpSettings, rcpts: Sequence[str], message_id: str
) -> DeliveryError:
    """Return the error for Ctrl-C during a send: what the server has, as far as is known."""
    where = f"{settings.host}:{settings.port}"
    who = ", ".join(rcpts)
    if progress.accepted:
        return DeliveryError(
            f"Interrupted after the mail server {where} accepted the message for {who} "
            f"(Message-ID {message_id}): it was sent; do not send it again."
        )
    if progress.handed_over:
        return DeliveryError(
            f"Interrupted while the mail server {where} was taking the message: it may have "
            f"been accepted for {who} (Message-ID {message_id}). Do not send it again before "
            "checking with them, or in the server's log, that they did not get it."
        )
    return DeliveryError(
        f"Interrupted while {progress.stage} (mail server {where}), before the message itself "
        f"was sent.\nReceived it: nobody.\nDid not receive it: {who}.\n"
        "It is safe to send it again."
    )


def _transaction(
    settings: SmtpSettings, sender: str, rcpts: tuple[str, ...], data: bytes, progress: _Progress
) -> None:
    """Connect, log in and send once; turn every fault into _Temporary or DeliveryError."""
    progress.stage = "connecting"
    where = f"{settings.host}:{settings.port}"
    smtp: smtplib.SMTP | None = None
    try:
        context = ssl.create_default_context(cafile=settings.cafile)
        if settings.tls == "ssl":
            smtp = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        progress.stage = "greeting the server"
        smtp.ehlo_or_helo_if_needed()
        if settings.tls == "starttls":
            if not smtp.has_extn("starttls"):
                raise _failed(
                    f"the mail server {where} does not offer STARTTLS",
                    f"use {ENV}TLS=ssl (usually port 465); briefs are never sent unencrypted "
                    f"unless {ENV}TLS=none",
                    rcpts,
                )
            progress.stage = "starting TLS"
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.user:
            progress.stage = "logging in"
            smtp.login(settings.user, settings.password or "")
        progress.stage = "naming the sender and recipients"
        options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
        code, reply = smtp.mail(sender, options)
        if 400 <= code < 500:
            raise _Temporary(_text(code, reply, settings))
        if code != 250:
            raise _failed(
                f"the mail server {where} refused the sender {sender}: "
                f"{_text(code, reply, settings)}",
                "check 'sender' in briefs/distribution.yaml",
                rcpts,
            )
        refused: dict[str, tuple[int, bytes]] = {}
        for rcpt in rcpts:
            code, reply = smtp.rcpt(rcpt)
            if code not in (250, 251):
                refused[rcpt] = (code, reply)
        if refused:
            smtp.rset()  # abandon the transaction: nobody gets it unless everybody can
            if all(400 <= code < 500 for code, _ in refused.values()):
                first = next(iter(refused.items()))
                raise _Temporary(f"{_text(*first[1], settings)} for {first[0]}")
            lines = "".join(f"\n  {r}: {_text(c, m, settings)}" for r, (c, m) in refused.items())
            raise _failed(
                f"the mail server refused {len(refused)} of {len(rcpts)} recipient(s) for good, "
                f"so the message went to nobody:{lines}",
                "fix or remove the refused address (briefs/distribution.yaml or --to/--cc) and "
                "send again; nobody has a copy yet, so nobody gets it twice",
                rcpts,
            )
        progress.stage = "data"
        progress.handed_over = True  # from DATA on, the server may take the message
        code, reply = smtp.data(data)
        if code != 250:  # smtplib returns the final reply rather than raising
            raise smtplib.SMTPDataError(code, reply)
        progress.accepted = True
    except (_Temporary, DeliveryError):
        raise
    except KeyboardInterrupt:
        # Drop the connection without QUIT: a message cut off in the middle of its text is
        # then discarded by the server, and QUIT would wait for an answer that never comes.
        if smtp is not None:
            smtp.close()
            smtp = None
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise _failed(
            f"the mail server {where} refused the login for user '{settings.user}': "
            f"{_text(exc.smtp_code, exc.smtp_error, settings)}",
            f"check {ENV}USER and {ENV}PASSWORD",
            rcpts,
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise _failed(
            f"the mail server {where} offers no login (AUTH) on this connection",
            f"use {ENV}TLS=starttls or ssl, or unset {ENV}USER and {ENV}PASSWORD",
            rcpts,
        ) from None
    except smtplib.SMTPResponseException as exc:
        code, text = exc.smtp_code, _text(exc.smtp_code, exc.smtp_error, settings)
        if 400 <= code < 500:
            raise _Temporary(text) from None
        stage = progress.stage
        what = "refused the message" if stage == "data" else f"failed while {stage}"
        raise _failed(f"the mail server {where} {what}: {text}", None, rcpts) from None
    except OSError as exc:  # SMTPServerDisconnected, timeouts, refused connections, TLS
        if progress.stage == "data":
            raise DeliveryError(
                f"the connection to {where} failed while the message was being sent "
                f"({_os_text(exc)}): the server may or may not have accepted it for "
                f"{', '.join(rcpts)}. Ask them, or check the server's log, before sending again."
            ) from None
        what, hint = _connection_fault(exc, settings, progress.stage)
        raise _failed(what, hint, rcpts) from None
    finally:
        if smtp is not None:
            try:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
            finally:
                smtp.close()  # also when Ctrl-C comes while QUIT waits for its answer


def _connection_fault(exc: BaseException, settings: SmtpSettings, stage: str) -> tuple[str, str]:
    where = f"{settings.host}:{settings.port}"
    if isinstance(exc, ConnectionRefusedError):
        return (
            f"could not connect to the mail server {where}: connection refused",
            f"is the server running, and are {ENV}HOST and {ENV}PORT right?",
        )
    if isinstance(exc, socket.gaierror):
        return f"could not find the mail server '{settings.host}'", f"check {ENV}HOST"
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return (
            f"the mail server {where} did not answer within {settings.timeout:g} s while {stage}",
            f"check {ENV}HOST and {ENV}PORT (and {ENV}TLS: ssl for port 465), "
            f"or allow longer with {ENV}TIMEOUT",
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the certificate of {settings.host} could not be verified: {exc.verify_message}",
            f"set {ENV}CAFILE to your organisation's CA certificates",
        )
    if isinstance(exc, ssl.SSLError):
        return (
            f"TLS with {where} failed while {stage}: {exc.reason or exc}",
            f"check {ENV}TLS: ssl for port 465, starttls for ports 587 and 25",
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the mail server {where} closed the connection while {stage}", "try again later"
    return f"could not reach the mail server {where} while {stage}: {_os_text(exc)}", (
        f"check {ENV}HOST and {ENV}PORT"
    )


def _os_text(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _text(code: int, reply: bytes | str, settings: SmtpSettings) -> str:
    """Return a server reply as text, with any form of the password taken out."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    text = f"{code} {' '.join(text.split())}"
    if settings.password:
        plain = f"\0{settings.user}\0{settings.password}".encode()
        for secret in (
            settings.password,
            base64.b64encode(settings.password.encode()).decode(),
            base64.b64encode(plain).decode(),
        ):
            text = text.replace(secret, "********")
    return text


def _failed(what: str, hint: str | None, rcpts: Sequence[str]) -> DeliveryError:
    """Return the error for a message that reached nobody, naming who did not get it."""
    lines = [what + (f" ({hint})" if hint else ""), "Received it: nobody."]
    lines.append("Did not receive it: " + ", ".join(rcpts) + ".")
    return DeliveryError("\n".join(lines))
