"""Sending a draft over SMTP, with settings from ``BRIEFWRIGHT_SMTP_*`` only.

A sent copy gets the current Date and a fresh Message-ID; the password is
never logged nor put into a message. A message goes to all its recipients
in one SMTP transaction. If the server refuses any recipient, the
transaction is abandoned before the text is sent, so that nobody gets a copy
that the others do not, and the error says who received it (nobody) and who
did not. Temporary (4xx) replies are retried with a doubling delay.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email
import email.policy
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
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Literal, cast

from .deliver import POLICY, read_back
from .distribution import Letter
from .errors import DeliveryError

log = logging.getLogger(__name__)

ENV = "BRIEFWRIGHT_SMTP_"


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
