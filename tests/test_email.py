"""Email: drafts that mail programs open, release rules, and sending to a real SMTP server.

The SMTP server is aiosmtpd, running in this process on 127.0.0.1: STARTTLS
with a certificate made here, AUTH, and handlers that defer or refuse on
request. Nothing here mocks smtplib.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import ipaddress
import re
import signal
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import Result

from briefwright import deliver, distribution, load, select, smtp
from briefwright.errors import DeliveryError, ReleaseError

from .conftest import AUDIENCES, BRIEF, Built, build_copy, expect_error, run

BRIEF_ID = "ukraine-security-guarantees"
EXECUTIVE_LIST = ["private.office@example.org", "cos@example.org", "liaison@partner.example"]
USER = "analyst"
PASSWORD = "s3cret-Pa55-word"  # noqa: S105 - a test server's password
SAFE_NAME = re.compile(r"^[a-z0-9._-]+$")
READY = 10.0  # seconds the SMTP server may take to start on a busy machine


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample project, built once for the audiences these tests mail."""
    return build_copy(tmp_path_factory.mktemp("mail"), "-a", "executive", "-a", "public")


def free_port() -> int:
    # aiosmtpd checks that its server answers on the port it was given, so port 0 will not do.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ctrl_c() -> None:
    """Press Ctrl-C: send SIGINT to the main thread, where the brief command runs."""
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)


@dataclass
class Handler:
    """Records what arrives; defers DATA ``defer`` times; refuses the ``refuse`` addresses.

    ``interrupt`` names a command (RCPT, DATA or QUIT) on which the client is
    interrupted as if by Ctrl-C, while it waits for the server's answer.
    """

    received: list[dict[str, Any]] = field(default_factory=list)
    rcpts: list[str] = field(default_factory=list)  # every RCPT TO, kept or not
    defer: int = 0
    refuse: set[str] = field(default_factory=set)
    interrupt: str | None = None

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self.rcpts.append(address)
        if self.interrupt == "RCPT":
            ctrl_c()
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        if self.interrupt == "QUIT":
            ctrl_c()
        return "221 Bye"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        if self.interrupt == "DATA":
            ctrl_c()  # the message is taken (below), but the client never hears so
        if self.defer:
            self.defer -= 1
            return "451 4.3.0 Temporary failure, try again"
        self.received.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "data": envelope.content,
                "tls": session.ssl is not None,
                "authenticated": session.authenticated,
            }
        )
        return "250 Message accepted"


@dataclass
class Server:
    port: int
    handler: Handler
    cafile: Path


def _certificate(folder: Path) -> tuple[Path, Path]:
    """Make a self-signed certificate for 127.0.0.1; return (certificate, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An SMTP server that offers STARTTLS and requires AUTH (only over TLS)."""
    cert, key = _certificate(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    handler = Handler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        ready_timeout=READY,
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    yield Server(controller.port, handler, cert)
    controller.stop()


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An SMTP server without TLS or AUTH, as a local relay is."""
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", ready_timeout=READY, port=free_port())
    controller.start()
    yield Server(controller.port, handler, Path())
    controller.stop()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test with no SMTP settings, and retries that wait almost nothing."""
    for name in ("HOST", "PORT", "USER", "PASSWORD", "TLS", "TIMEOUT", "CAFILE", "RETRIES"):
        monkeypatch.delenv(f"BRIEFWRIGHT_SMTP_{name}", raising=False)
    monkeypatch.setenv("BRIEFWRIGHT_SMTP_BACKOFF", "0.01")


@pytest.fixture
def tls_env(tls_server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    tls_server.handler.received.clear()
    tls_server.handler.rcpts.clear()
    for key, value in {
        "HOST": "127.0.0.1",
        "PORT": str(tls_server.port),
        "TLS": "starttls",
        "USER": USER,
        "PASSWORD": PASSWORD,
        "CAFILE": str(tls_server.cafile),
        "TIMEOUT": "5",
    }.items():
        monkeypatch.setenv(f"BRIEFWRIGHT_SMTP_{key}", value)
    return tls_server


@pytest.fixture
def plain_env(plain_server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    handler = plain_server.handler
    handler.received.clear()
    handler.rcpts.clear()
    handler.defer = 0
    handler.refuse = set()
    handler.interrupt = None
    monkeypatch.setenv("BRIEFWRIGHT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BRIEFWRIGHT_SMTP_PORT", str(plain_server.port))
    monkeypatch.setenv("BRIEFWRIGHT_SMTP_TLS", "none")
    monkeypatch.setenv("BRIEFWRIGHT_SMTP_TIMEOUT", "5")
    return plain_server


# --- helpers -----------------------------------------------------------------------


def mail(built: Built, audience: str, *args: str) -> Result:
    return run(built.root, "email", BRIEF_ID, "-a", audience, *args)


def output(result: Result) -> str:
    return result.output + (result.stderr if result.stderr_bytes else "")


def ok(result: Result) -> str:
    text = output(result)
    assert result.exit_code == 0, text
    return text


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def draft(built: Built, audience: str) -> EmailMessage:
    return parse(built.path(audience, "eml").read_bytes())


def body(message: EmailMessage, kind: str) -> str:
    """Return the plain or HTML body as text (the file has CRLF line ends, as mail does)."""
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def addresses(message: EmailMessage, header: str) -> list[str]:
    return [a.addr_spec for a in message[header].addresses] if message[header] else []


def visible_text(html: str) -> str:
    body = html.split("<body", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", body.split(">", 1)[1]).split())


def summary(built: Built, section: str) -> str:
    text = (built.root / "sources" / BRIEF_ID / f"{section}.md").read_text("utf-8")
    block = text.split("summary: >-\n", 1)[1].split("\ntags:", 1)[0]
    return " ".join(block.split())


def no_draft(built: Built, audience: str) -> Callable[[], None]:
    """Remove the audience's draft now; return a check that none was written since."""
    path = built.path(audience, "eml")
    path.unlink(missing_ok=True)
    return lambda: None if not path.exists() else pytest.fail(f"{path} was written")


# --- drafts ------------------------------------------------------------------------


def test_draft_opens_as_an_unsent_message_with_marking_bottom_line_and_pdf(built: Built) -> None:
    ok(mail(built, "executive"))
    message = draft(built, "executive")
    assert message["X-Unsent"] == "1"
    assert message["Message-ID"] is None  # the mail program that sends it adds one
    assert message["Date"] == "Sun, 29 Nov 2026 00:00:00 +0000"
    assert message["From"].addresses[0].addr_spec == "briefs@example.org"
    assert addresses(message, "To") == EXECUTIVE_LIST
    assert message["Subject"] == (
        "TLP:AMBER | PAU-2026-014 | Binding Security Guarantees for Ukraine | "
        "Ministers and senior officials | 29 November 2026"
    )
    # multipart/mixed holding multipart/alternative (plain, then HTML), then the PDF.
    assert message.get_content_type() == "multipart/mixed"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["multipart/alternative", "application/pdf"]
    assert [p.get_content_type() for p in parts[0].iter_parts()] == ["text/plain", "text/html"]
    pdf = parts[1]
    assert pdf.get_filename() == f"{BRIEF_ID}-executive.pdf"
    assert SAFE_NAME.match(pdf.get_filename() or "")
    assert pdf.get_content() == built.path("executive", "pdf").read_bytes()

    text = body(message, "plain")
    html = body(message, "html")
    bottom_line = summary(built, "what-are-guarantees")
    assert text.startswith("TLP:AMBER\n")
    assert visible_text(html).startswith("TLP:AMBER ")
    for words in (" ".join(text.split()), visible_text(html)):
        assert bottom_line in words
        assert words.index(bottom_line) < words.index("What was agreed at the Paris meeting?")
        assert re.search(r"\(?TLP:AMBER\)? What are the main risks\?", words)
        assert summary(built, "risks") in words
        assert f"{BRIEF_ID}-executive.pdf (PDF, 1 page," in words
        assert words.rstrip().endswith("TLP:AMBER")
        assert "background" not in words.lower()  # a section the executive edition leaves out
    # Mail programs drop external resources and <style>; the HTML needs none.
    for needle in ("<link", "<style", "<script", "src=", "url(", "http:", "https:"):
        assert needle not in html


def test_draft_is_deterministic(built: Built) -> None:
    ok(mail(built, "executive"))
    first = built.path("executive", "eml").read_bytes()
    ok(mail(built, "executive"))
    assert built.path("executive", "eml").read_bytes() == first
    assert first.isascii()  # 7-bit: every server and client takes it


def test_docx_attached_and_extra_recipients(built: Built) -> None:
    ok(
        mail(
            built,
            "executive",
            "--attach",
            "docx",
            "--to",
            "Deputy <deputy@example.org>",
            "--cc",
            "desk@partner.example",
        )
    )
    message = draft(built, "executive")
    assert addresses(message, "To") == [*EXECUTIVE_LIST, "deputy@example.org"]
    assert addresses(message, "Cc") == ["desk@partner.example"]
    files = {p.get_filename(): p for p in message.iter_attachments()}
    assert set(files) == {f"{BRIEF_ID}-executive.pdf", f"{BRIEF_ID}-executive.docx"}
    docx = files[f"{BRIEF_ID}-executive.docx"]
    assert docx.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert docx.get_content() == built.path("executive", "docx").read_bytes()


def test_clear_edition_goes_to_anyone_and_carries_nothing_above_clear(built: Built) -> None:
    ok(mail(built, "public", "--to", "reader@gmail.com"))
    message = draft(built, "public")
    assert addresses(message, "To") == ["press-desk@example.org", "reader@gmail.com"]
    assert message["Subject"].startswith("TLP:CLEAR | ")
    text = body(message, "plain")
    seen = [str(v) for _, v in message.items()] + [text, body(message, "html")]
    for label in ("TLP:AMBER", "TLP:GREEN", "TLP:RED"):
        assert not any(label in part for part in seen)
    assert summary(built, "risks") not in " ".join(text.split())
    [pdf] = message.iter_attachments()
    assert pdf.get_content() == built.path("public", "pdf").read_bytes()


def test_email_builds_the_edition_first_when_it_is_out_of_date(built: Built) -> None:
    pdf = built.path("executive", "pdf")
    pdf.write_bytes(b"stale")  # no longer matches its manifest: the build redoes it
    ok(mail(built, "executive"))
    assert pdf.read_bytes().startswith(b"%PDF")
    assert next(draft(built, "executive").iter_attachments()).get_content() == pdf.read_bytes()


# --- release rules and bad input ----------------------------------------------------------


def test_amber_edition_to_an_outside_address_is_refused(built: Built, tls_env: Server) -> None:
    unchanged = no_draft(built, "executive")
    result = mail(built, "executive", "--to", "someone@gmail.com", "--send")
    expect_error(
        result,
        "--to: recipient someone@gmail.com may not receive "
        f"{BRIEF_ID}-executive, marked TLP:AMBER: release rule 'partners'",
        "example.org, partner.example",
        "nothing was sent",
    )
    unchanged()
    assert tls_env.handler.received == []


def test_amber_strict_goes_only_inside_the_organisation(project: Callable[..., Path]) -> None:
    root = project(
        {
            "sources/demo/judgement.md": (project() / "sources/demo/judgement.md")
            .read_text()
            .replace("TLP:AMBER", "TLP:AMBER+STRICT"),
            "briefs/distribution.yaml": DISTRIBUTION,
        }
    )
    expect_error(
        run(root, "email", "demo", "-a", "analyst", "--cc", "desk@partner.example"),
        "--cc: recipient desk@partner.example may not receive demo-analyst, "
        "marked TLP:AMBER+STRICT: release rule 'organisation' allows only the organisation's "
        "domains (example.org)",
    )
    assert not (root / "build" / "demo").exists()


DISTRIBUTION = """\
sender: Unit <unit@example.org>
organisation_domains: [example.org]
partner_domains: [partner.example]
lists:
  analyst: [Boss <boss@example.org>]
  demo/public: []
"""


def red_project(project: Callable[..., Path]) -> Path:
    judgement = (project() / "sources/demo/judgement.md").read_text()
    return project(
        {
            "sources/demo/judgement.md": judgement.replace("TLP:AMBER", "TLP:RED"),
            "briefs/distribution.yaml": DISTRIBUTION,
        }
    )


def test_red_goes_only_to_addresses_listed_for_the_audience(
    project: Callable[..., Path],
) -> None:
    root = red_project(project)
    expect_error(
        run(root, "email", "demo", "-a", "analyst", "--to", "colleague@example.org"),
        "--to: recipient colleague@example.org may not receive demo-analyst, marked TLP:RED: "
        "release rule 'named' allows only addresses listed by name for audience 'analyst' "
        "(list 'analyst' in briefs/distribution.yaml)",
    )
    assert not (root / "build" / "demo").exists()  # refused before anything was built
    # The listed address passes the same check (asked of the library: nothing is built).
    proj = load.load_project(root)
    [edition] = select.plan_or_raise(proj, ["demo"], ["analyst"])
    assert edition.marking.label == "TLP:RED"
    letter = distribution.address_to(proj, edition, [], [])
    assert [r.addr for r in letter.to] == ["boss@example.org"]
    with pytest.raises(ReleaseError, match="colleague@example.org"):
        distribution.address_to(proj, edition, [], ["colleague@example.org"])


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("not-an-address", "is not a valid email address"),
        ("a@@example.org", "is not a valid email address"),
        ("a@example.org, b@example.org", "holds more than one address"),
        ("someone@localhost", "has an invalid domain 'localhost'"),
        ("a@example.org\nBcc: x@evil.example", "contains a line break"),
        ("a@example.org\r\nSubject: hi", "contains a line break"),
    ],
)
def test_bad_addresses_are_refused(built: Built, value: str, fragment: str) -> None:
    unchanged = no_draft(built, "public")
    expect_error(mail(built, "public", "--to", value), f"--to: {value!r} {fragment}", code=2)
    unchanged()


def test_bad_address_in_distribution_yaml_names_file_and_line(
    project: Callable[..., Path],
) -> None:
    root = project(
        {
            "briefs/distribution.yaml": DISTRIBUTION.replace(
                "[Boss <boss@example.org>]", "[Boss <boss@example.org>, 'x@y@z']"
            )
            + "  nobody: [a@example.org]\n"
        }
    )
    expect_error(
        run(root, "email", "demo", "-a", "public", "--to", "a@example.org"),
        "briefs/distribution.yaml:5: list 'analyst': 'x@y@z' is not",
        "briefs/distribution.yaml:7: list 'nobody': there is no audience 'nobody'",
        "2 problems found; no draft was written and nothing was sent.",
    )


def test_missing_distribution_yaml_is_a_clear_error(project: Callable[..., Path]) -> None:
    expect_error(
        run(project(), "email", "demo", "-a", "public", "--to", "a@example.org"),
        "briefs/distribution.yaml: is missing",
    )


def test_send_without_smtp_settings_is_refused_before_anything(built: Built) -> None:
    unchanged = no_draft(built, "executive")
    expect_error(
        mail(built, "executive", "--send"),
        "BRIEFWRIGHT_SMTP_HOST is not set",
        "never from a file in the project",
    )
    unchanged()


def test_smtp_settings_report_every_fault_and_hide_the_password() -> None:
    with pytest.raises(DeliveryError) as caught:
        smtp.smtp_settings(
            {
                "BRIEFWRIGHT_SMTP_TLS": "maybe",
                "BRIEFWRIGHT_SMTP_PORT": "smtp",
                "BRIEFWRIGHT_SMTP_PASSWORD": PASSWORD,
                "BRIEFWRIGHT_SMTP_TIMEOUT": "0",
            }
        )
    message = caught.value.format_message()
    for fragment in (
        "BRIEFWRIGHT_SMTP_HOST is not set",
        "BRIEFWRIGHT_SMTP_TLS is 'maybe'",
        "BRIEFWRIGHT_SMTP_PORT is 'smtp'",
        "BRIEFWRIGHT_SMTP_PASSWORD is set but BRIEFWRIGHT_SMTP_USER is not",
        "BRIEFWRIGHT_SMTP_TIMEOUT is '0'",
    ):
        assert fragment in message
    assert PASSWORD not in message
    with pytest.raises(DeliveryError, match="TLS=none would send the password unencrypted"):
        smtp.smtp_settings(
            {
                "BRIEFWRIGHT_SMTP_HOST": "smtp.example.org",
                "BRIEFWRIGHT_SMTP_TLS": "none",
                "BRIEFWRIGHT_SMTP_USER": USER,
                "BRIEFWRIGHT_SMTP_PASSWORD": PASSWORD,
            }
        )
    settings = smtp.smtp_settings(
        {"BRIEFWRIGHT_SMTP_HOST": "smtp.example.org", "BRIEFWRIGHT_SMTP_USER": USER}
        | {"BRIEFWRIGHT_SMTP_PASSWORD": PASSWORD, "BRIEFWRIGHT_SMTP_TLS": "ssl"}
    )
    assert settings.port == 465
    assert PASSWORD not in repr(settings)


def test_attachment_over_the_size_limit_is_refused(built: Built) -> None:
    unchanged = no_draft(built, "executive")
    expect_error(
        mail(built, "executive", "--max-size", "0.001"),
        f"the attachments ({BRIEF_ID}-executive.pdf ",
        "larger than the limit of 0.001 MB",
        "nothing was sent",
    )
    unchanged()


def test_docx_for_an_audience_without_docx_is_refused(project: Callable[..., Path]) -> None:
    root = project(
        {
            "briefs/demo.yaml": BRIEF.replace("  public: {}", "  public:\n    formats: [pdf]"),
            "briefs/distribution.yaml": DISTRIBUTION,
        }
    )
    expect_error(
        run(root, "email", "demo", "-a", "public", "--to", "a@example.org", "--attach", "docx"),
        "audience 'public' is not built as docx (formats: pdf)",
    )


def test_a_project_template_overrides_the_email_body(project: Callable[..., Path]) -> None:
    root = red_project(project)
    (root / "templates/_base").mkdir(parents=True)
    (root / "templates/_base/email.txt.j2").write_text(
        "{{ marking.label }} (our own template)\n{{ bottom_line.summary }}\n"
    )
    ok(run(root, "email", "demo", "-a", "analyst"))
    message = parse((root / "build/demo/analyst/demo-analyst.eml").read_bytes())
    text = body(message, "plain")
    assert text.startswith("TLP:RED (our own template)\nAn introduction")
    assert addresses(message, "To") == ["boss@example.org"]


# --- sending --------------------------------------------------------------------------


def test_send_over_starttls_with_auth(built: Built, tls_env: Server) -> None:
    text = ok(
        run(
            built.root,
            "-vv",
            "email",
            BRIEF_ID,
            "-a",
            "executive",
            "--to",
            "x@example.org",
            "--send",
        )
    )
    assert PASSWORD not in text
    [got] = tls_env.handler.received
    assert got["tls"] and got["authenticated"]
    assert got["from"] == "briefs@example.org"
    assert got["to"] == [*EXECUTIVE_LIST, "x@example.org"]
    message = parse(got["data"])
    assert message["X-Unsent"] is None
    assert re.fullmatch(r"<[^<>@\s]+@example\.org>", message["Message-ID"] or "")
    assert message["Message-ID"] in text
    sent_at = email.utils.parsedate_to_datetime(message["Date"])
    assert abs((dt.datetime.now(dt.UTC) - sent_at).total_seconds()) < 120
    assert message["Subject"].startswith("TLP:AMBER | ")
    assert message.get_body(("plain",)).get_content().startswith("TLP:AMBER")  # type: ignore[union-attr]
    [pdf] = message.iter_attachments()
    assert pdf.get_content() == built.path("executive", "pdf").read_bytes()
    assert PASSWORD.encode() not in got["data"]
    assert PASSWORD.encode() not in built.path("executive", "eml").read_bytes()


def test_wrong_password_is_an_authentication_error(
    built: Built, tls_env: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFWRIGHT_SMTP_PASSWORD", "wrong-" + PASSWORD)
    result = run(built.root, "-vv", "email", BRIEF_ID, "-a", "executive", "--send")
    expect_error(
        result,
        f"refused the login for user '{USER}': 535",
        "check BRIEFWRIGHT_SMTP_USER and BRIEFWRIGHT_SMTP_PASSWORD",
        "Received it: nobody.",
        "Did not receive it: " + ", ".join(EXECUTIVE_LIST),
    )
    assert PASSWORD not in output(result)
    assert tls_env.handler.received == []


def test_untrusted_certificate_is_refused(
    built: Built, tls_env: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BRIEFWRIGHT_SMTP_CAFILE")
    expect_error(
        mail(built, "executive", "--send"),
        "the certificate of 127.0.0.1 could not be verified",
        "BRIEFWRIGHT_SMTP_CAFILE",
    )
    assert tls_env.handler.received == []


def test_connection_refused(
    built: Built, plain_env: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFWRIGHT_SMTP_PORT", str(free_port()))  # nothing listens there
    expect_error(
        mail(built, "executive", "--send"),
        "could not connect to the mail server 127.0.0.1:",
        "connection refused",
        "Received it: nobody.",
    )


def test_a_server_that_never_answers_times_out(
    built: Built, plain_env: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # the kernel accepts; nobody speaks
    connections: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        silent.settimeout(0.1)
        while not stop.is_set():
            try:
                connections.append(silent.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    monkeypatch.setenv("BRIEFWRIGHT_SMTP_PORT", str(silent.getsockname()[1]))
    monkeypatch.setenv("BRIEFWRIGHT_SMTP_TIMEOUT", "0.3")
    started = time.monotonic()
    try:
        expect_error(
            mail(built, "executive", "--send"),
            "did not answer within 0.3 s while connecting",
            "BRIEFWRIGHT_SMTP_TIMEOUT",
            "Received it: nobody.",
        )
    finally:
        stop.set()
        thread.join()
        for conn in connections:
            conn.close()
        silent.close()
    assert time.monotonic() - started < 5


def test_a_temporary_failure_is_retried(built: Built, plain_env: Server) -> None:
    plain_env.handler.defer = 2
    text = ok(mail(built, "executive", "--send"))
    assert "451" in text and "trying again" in text
    [got] = plain_env.handler.received  # delivered once, on the third attempt
    assert got["to"] == EXECUTIVE_LIST


def test_a_failure_that_stays_temporary_gives_up(
    built: Built, plain_env: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFWRIGHT_SMTP_RETRIES", "1")
    plain_env.handler.defer = 5
    expect_error(
        mail(built, "executive", "--send"),
        "kept deferring the message (451 4.3.0 Temporary failure, try again) after 2 attempts",
        "Received it: nobody.",
    )
    assert plain_env.handler.received == []


def test_a_recipient_refused_for_good_stops_the_whole_message(
    built: Built, plain_env: Server
) -> None:
    plain_env.handler.refuse = {"cos@example.org"}
    expect_error(
        mail(built, "executive", "--send"),
        "refused 1 of 3 recipient(s) for good, so the message went to nobody",
        "cos@example.org: 550 5.1.1 No such mailbox here",
        "Received it: nobody.",
        "Did not receive it: " + ", ".join(EXECUTIVE_LIST) + ".",
    )
    assert plain_env.handler.received == []


def test_safe_filename() -> None:
    assert deliver.safe_filename("Brief: TLP:AMBER+STRICT.pdf") == "brief-tlp-amber-strict.pdf"
    assert SAFE_NAME.match(deliver.safe_filename("../..//Ünïcode name.docx"))


def test_send_over_implicit_tls(
    built: Built, tls_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_server.cafile, tls_server.cafile.with_name("key.pem"))
    handler = Handler()
    controller = Controller(
        handler, hostname="127.0.0.1", ready_timeout=READY, port=free_port(), ssl_context=context
    )
    controller.start()
    try:
        for key, value in {
            "HOST": "127.0.0.1",
            "PORT": str(controller.port),
            "TLS": "ssl",
            "CAFILE": str(tls_server.cafile),
        }.items():
            monkeypatch.setenv(f"BRIEFWRIGHT_SMTP_{key}", value)
        ok(mail(built, "public", "--send"))
    finally:
        controller.stop()
    [got] = handler.received  # the server speaks only TLS, so it came over TLS
    assert got["to"] == ["press-desk@example.org"]


def test_an_audience_the_brief_is_not_made_for_is_a_usage_error(
    project: Callable[..., Path],
) -> None:
    root = project(
        {"briefs/demo.yaml": BRIEF.replace("  public: {}\n", ""), "briefs/other.yaml": BRIEF}
    )
    expect_error(
        run(root, "email", "demo", "-a", "public"),
        "Invalid value for '-a': brief 'demo' is not made for audience 'public' (it is made for "
        "executive, analyst; to add it, write 'public: {}' under 'audiences:' in briefs/demo.yaml)",
        code=2,
    )


def test_non_ascii_names_are_encoded_and_the_marking_stays_plain(built: Built) -> None:
    ok(mail(built, "public", "--to", "Élysée Desk <elysee@example.org>"))
    raw = built.path("public", "eml").read_bytes()
    assert raw.isascii()
    assert b"\r\nSubject: TLP:CLEAR | " in raw  # filters that read raw headers see the marking
    message = draft(built, "public")
    assert message["To"].addresses[-1].display_name == "Élysée Desk"


def test_a_line_break_in_a_header_value_stops_the_draft(project: Callable[..., Path]) -> None:
    root = project(
        {
            "briefs/demo.yaml": BRIEF.replace("title: Test Brief", 'title: "Test\\rBcc: x@evil"'),
            "briefs/distribution.yaml": DISTRIBUTION,
        }
    )
    # Refused where it is written, before any header is made of it.
    expect_error(
        run(root, "email", "demo", "-a", "public", "--to", "a@example.org"),
        "briefs/demo.yaml:1: 'title' holds an invisible control character (U+000D)",
    )
    assert not (root / "build/demo/public/demo-public.eml").exists()


# --- recipients that are not what they seem ------------------------------------------

# Each hides "evil@attacker.test," in an encoded word (RFC 2047) in the display name.
ENCODED = [
    "=?utf-8?q?evil=40attacker=2Etest=2C?= <ok@example.org>",
    "=?UTF-8?Q?evil=40attacker=2Etest=2C?= <ok@example.org>",
    "=?utf-8?b?ZXZpbEBhdHRhY2tlci50ZXN0LA==?= <ok@example.org>",
    "=?UTF-8?B?ZXZpbEBhdHRhY2tlci50ZXN0LA==?= <ok@example.org>",
    '"=?utf-8?q?evil=40attacker=2Etest=2C?=" <ok@example.org>',
]


@pytest.mark.parametrize("flag", ["--to", "--cc"])
@pytest.mark.parametrize("value", ENCODED)
def test_an_encoded_word_in_a_name_stops_the_message(
    built: Built, plain_env: Server, flag: str, value: str
) -> None:
    unchanged = no_draft(built, "executive")
    expect_error(
        mail(built, "executive", flag, value, "--send"),
        f"{flag}: {value!r} has an encoded word ('=?...?=')",
        "write the name as plain text",
        "no draft was written and nothing was sent",
        code=2,  # a command-line error
    )
    unchanged()
    assert plain_env.handler.rcpts == []
    assert plain_env.handler.received == []


def test_an_encoded_word_in_distribution_yaml_stops_email_and_check(
    project: Callable[..., Path], plain_env: Server
) -> None:
    entry = ENCODED[0].replace("ok@", "boss@")
    root = project(
        {
            "briefs/distribution.yaml": DISTRIBUTION.replace(
                "[Boss <boss@example.org>]", f'["{entry}"]'
            )
        }
    )
    where = f"briefs/distribution.yaml:5: list 'analyst': {entry!r} has an encoded word"
    expect_error(run(root, "email", "demo", "-a", "analyst", "--send"), where, "nothing was sent")
    assert plain_env.handler.rcpts == []
    assert not (root / "build" / "demo").exists()
    expect_error(run(root, "check"), where)


def test_the_final_message_is_read_back_before_it_is_written_or_sent(
    built: Built, plain_env: Server
) -> None:
    """A recipient that slipped past the parser is caught in the message's own bytes."""
    proj = load.load_project(built.root)
    [edition] = select.plan_or_raise(proj, [BRIEF_ID], ["executive"])
    checked = distribution.address_to(proj, edition, [], [])
    sneaky = Address(
        display_name="=?utf-8?q?evil=40attacker=2Etest=2C?=", addr_spec="ok@example.org"
    )
    letter = dataclasses.replace(checked, to=(distribution.Recipient(sneaky, "To", "--to"),))
    message = deliver.compose(letter)
    unchanged = no_draft(built, "executive")
    with pytest.raises(DeliveryError, match=r"evil@attacker\.test") as caught:
        deliver.write_draft(letter, message)
    assert "nothing was sent" in caught.value.format_message()
    unchanged()
    with pytest.raises(DeliveryError, match=r"evil@attacker\.test"):
        smtp.send(message, letter, smtp.smtp_settings())
    assert plain_env.handler.rcpts == []


# --- what the command says ---------------------------------------------------------------


def test_email_says_what_it_wrote(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    text = ok(mail(built, "executive", "--cc", "Desk <desk@partner.example>", "--attach", "docx"))
    pdf = built.path("executive", "pdf").stat().st_size
    docx = built.path("executive", "docx").stat().st_size
    lines = text.splitlines()
    assert lines == [
        f"Draft: {built.path('executive', 'eml')}",
        "To: Private Office of the Minister <private.office@example.org>, "
        "Chief of Staff <cos@example.org>, Liaison Office <liaison@partner.example>",
        "Cc: Desk <desk@partner.example>",
        "Subject: TLP:AMBER | PAU-2026-014 | Binding Security Guarantees for Ukraine | "
        "Ministers and senior officials | 29 November 2026",
        f"Attached: {BRIEF_ID}-executive.pdf (PDF, {pdf / 1024:.0f} KB), "
        f"{BRIEF_ID}-executive.docx (Word document, {docx / 1024:.0f} KB)",
    ]
    assert run(built.root, "-q", "email", BRIEF_ID, "-a", "executive").output == ""
    monkeypatch.chdir(built.root / "sources")
    text = ok(mail(built, "public"))
    assert text.startswith(f"Draft: {built.path('public', 'eml')}\n")  # outside: in full
    monkeypatch.chdir(built.root)
    text = ok(mail(built, "public"))
    assert text.startswith(f"Draft: build/{BRIEF_ID}/public/{BRIEF_ID}-public.eml\n")


def test_send_says_whom_it_reached_and_the_envelope_is_the_headers(
    built: Built, plain_env: Server
) -> None:
    text = ok(
        mail(
            built,
            "executive",
            "--to",
            "Élysée Desk <elysee@example.org>",
            "--cc",
            "desk@partner.example",
            "--send",
        )
    )
    [got] = plain_env.handler.received
    message = parse(got["data"])
    everyone = [*EXECUTIVE_LIST, "elysee@example.org", "desk@partner.example"]
    assert plain_env.handler.rcpts == got["to"] == everyone
    assert addresses(message, "To") + addresses(message, "Cc") == everyone
    assert message["To"].addresses[-1].display_name == "Élysée Desk"
    assert "Cc: desk@partner.example" in text.splitlines()
    assert text.splitlines()[-1] == (
        f"Sent to {', '.join(everyone)} by 127.0.0.1:{plain_env.port} "
        f"(Message-ID {message['Message-ID']})."
    )
    quiet = run(built.root, "-q", "email", BRIEF_ID, "-a", "public", "--send")
    assert quiet.exit_code == 0 and quiet.output == ""
    assert len(plain_env.handler.received) == 2


# --- Ctrl-C while sending ---------------------------------------------------------------


def test_ctrl_c_after_the_server_accepted_the_message_says_it_was_sent(
    built: Built, plain_env: Server
) -> None:
    plain_env.handler.interrupt = "QUIT"
    result = mail(built, "executive", "--send")
    [got] = plain_env.handler.received
    expect_error(
        result,
        f"Interrupted after the mail server 127.0.0.1:{plain_env.port} accepted the message "
        f"for {', '.join(EXECUTIVE_LIST)} (Message-ID {parse(got['data'])['Message-ID']}): "
        "it was sent; do not send it again.",
    )
    assert "Aborted!" not in output(result)


def test_ctrl_c_while_the_server_takes_the_message_says_it_may_have_been_sent(
    built: Built, plain_env: Server
) -> None:
    plain_env.handler.interrupt = "DATA"
    result = mail(built, "executive", "--send")
    expect_error(
        result,
        f"Interrupted while the mail server 127.0.0.1:{plain_env.port} was taking the message: "
        f"it may have been accepted for {', '.join(EXECUTIVE_LIST)}",
        "Do not send it again before checking",
    )
    assert "Aborted!" not in output(result)


def test_ctrl_c_before_the_message_is_sent_says_nobody_has_it(
    built: Built, plain_env: Server
) -> None:
    plain_env.handler.interrupt = "RCPT"
    result = mail(built, "executive", "--send")
    expect_error(
        result,
        "Interrupted while naming the sender and recipients (mail server 127.0.0.1:"
        f"{plain_env.port}), before the message itself was sent.",
        "Received it: nobody.",
        "Did not receive it: " + ", ".join(EXECUTIVE_LIST) + ".",
        "It is safe to send it again.",
    )
    assert "Aborted!" not in output(result)
    assert plain_env.handler.received == []


def test_ctrl_c_while_waiting_to_try_again_says_nobody_has_it(
    built: Built, plain_env: Server
) -> None:
    plain_env.handler.defer = 1  # the server defers the text once: 451 after DATA
    proj = load.load_project(built.root)
    [edition] = select.plan_or_raise(proj, [BRIEF_ID], ["executive"])
    letter = distribution.address_to(proj, edition, [], [])

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(DeliveryError) as caught:
        smtp.send(deliver.compose(letter), letter, smtp.smtp_settings(), interrupted)
    message = caught.value.format_message()
    assert message.startswith("Interrupted while waiting to try again (mail server 127.0.0.1:")
    assert "Received it: nobody." in message and "It is safe to send it again." in message
    assert plain_env.handler.received == []


def test_both_bodies_head_the_key_points_as_the_audience_names_them(
    project: Callable[..., Path],
) -> None:
    audiences = AUDIENCES.replace(
        "  clearance: TLP:RED\n", "  clearance: TLP:RED\n  summary_heading: Judgements & risks\n"
    )
    root = project({"briefs/audiences.yaml": audiences, "briefs/distribution.yaml": DISTRIBUTION})
    result = run(root, "email", "demo", "-a", "analyst")
    assert result.exit_code == 0, output(result)
    message = parse((root / "build" / "demo" / "analyst" / "demo-analyst.eml").read_bytes())
    assert "\nJUDGEMENTS & RISKS\n" in body(message, "plain")
    html = body(message, "html")
    assert ">Judgements &amp; risks</h2>" in html and "Key points" not in html
