"""Who may receive an edition by email: ``briefs/distribution.yaml`` and the release rules.

The file names the sender, the organisation's and its partners' domains, and
recipient lists per audience (``executive``) or per brief and audience
(``<brief>/<audience>``, which replaces the audience's list for that brief).
Every address is checked before anything is built, written or sent, and every
recipient must be allowed by the edition's marking: a single recipient the
marking does not allow stops the whole message.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address
from typing import Literal

from . import yamlfile
from .errors import BriefError, ConfigError, DeliveryError, Problem, Problems, ReleaseError, unknown
from .models import LINE, Edition, Project
from .reader import FAILED, Reader
from .schema import Schema, excerpt, key, list_of, mapping_of, number, optional, text

log = logging.getLogger(__name__)

FILE = "briefs/distribution.yaml"
DEFAULT_MAX_MB = 10.0

DOMAIN = text(
    lower=True,
    max_length=253,
    pattern=r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}",
    hint="write a domain name, such as example.org",
)
LIST_KEY = text(
    pattern=r"[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)?",
    strip=False,
    hint="name an audience, or a brief and one of its audiences: brief-id/audience",
)


@dataclass(frozen=True, kw_only=True)
class DistributionFile(Schema):
    """``briefs/distribution.yaml``: sender, trusted domains and recipient lists."""

    sender: str = key(LINE)
    organisation_domains: list[str] = key(list_of(DOMAIN), [])
    partner_domains: list[str] = key(list_of(DOMAIN), [])
    lists: dict[str, list[str] | None] = key(mapping_of(LIST_KEY, optional(list_of(LINE))), {})
    max_attachment_mb: float = key(number(above=0, most=100), DEFAULT_MAX_MB)


PLAIN = "write one address, as name@example.org or Name <name@example.org>"
NAME_LIMIT = 100
_ONE = "give each address on its own: one list entry, or one --to or --cc, per address"


class AddressError(ValueError):
    """An address refused: what is wrong with it (the text) and how to fix it (``hint``)."""

    def __init__(self, what: str, hint: str = PLAIN) -> None:
        super().__init__(what)
        self.hint = hint


# Line breaks, tabs, NUL, invisible format characters (bidi overrides, zero-width
# spaces), and code points that are unassigned, private or surrogates.
_HIDDEN = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"}
# Characters with a meaning in an address header; in a name they could start another
# address, a group, a comment or a quoted string, in this parser or in another one.
_SPECIALS = '@,;:<>()[]"\\'
_NAME_HINT = (
    "write the name in plain words, without @ , ; : < > ( ) [ ] or backslashes, and with "
    "quotes only around the whole name, as in Chief of Staff <cos@example.org>"
)
# Addresses are plain ASCII (no SMTPUTF8), so that every server and client takes them,
# and local parts use only characters that no server or program reads as syntax.
_LOCAL = re.compile(r"[A-Za-z0-9_+'-]+(\.[A-Za-z0-9_+'-]+)*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_TOP = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
_ANGLE = re.compile(r"(?P<name>[^<>]*?)\s*<(?P<spec>[^<>]*)>")


def parse_address(value: str) -> Address:
    """Return the one mailbox ``value`` names; raise AddressError for anything ambiguous.

    The grammar is a strict subset of RFC 5322: ``local@domain`` or ``Name
    <local@domain>``, read the same way by this parser, the email package,
    smtplib and mail programs. Whatever else the standard allows (encoded
    words, comments, groups, quoted local parts, routes) is refused, since
    each has been read as another address, or as several, by one of them.
    """
    if any(unicodedata.category(ch) in _HIDDEN for ch in value):
        raise AddressError(
            "contains a line break or control character",
            "remove it; an address is one line of visible characters",
        )
    # NFKC folds look-alikes such as a full-width '＝？' into the real thing.
    if "=?" in unicodedata.normalize("NFKC", value):
        raise AddressError(
            "has an encoded word ('=?...?='), which mail programs decode into other text, "
            "even into other addresses",
            "write the name as plain text; letters outside ASCII are fine",
        )
    text = value.strip()
    match = _ANGLE.fullmatch(text)
    if match:
        name, spec = match["name"], match["spec"].strip()
    elif "<" in text or ">" in text:
        if text.count("@") > 1:
            raise AddressError("holds more than one address", _ONE)
        raise AddressError("is not in the form Name <name@example.org>")
    else:
        name, spec = "", text
    local, domain = _addr_spec(spec)
    return Address(display_name=_display_name(name), username=local, domain=domain)


def _addr_spec(spec: str) -> tuple[str, str]:
    """Return (local part, domain) of a bare address; raise AddressError naming the fault."""
    if not spec.isascii():
        raise AddressError(
            "has non-ASCII characters in the address itself (some may be look-alikes of "
            "ASCII letters)",
            "type the address in ASCII; for an international domain, write its xn-- form",
        )
    if "(" in spec or ")" in spec:
        raise AddressError(
            "has a comment in parentheses, which mail programs may show as the name",
            "remove the comment; put a name before the address as Name <name@example.org>",
        )
    if ":" in spec:
        raise AddressError(
            "uses group syntax ('name: address;') or a route ('@relay:'), which mail "
            "programs read as a list of addresses",
            PLAIN,
        )
    if "," in spec or ";" in spec or (spec.count("@") > 1 and len(spec.split()) > 1):
        raise AddressError("holds more than one address", _ONE)
    if '"' in spec:
        raise AddressError(
            'has a quoted local part (as in "a@b"@example.org), which programs read differently',
            "ask the recipient for a plain address",
        )
    if "[" in spec or "]" in spec:
        raise AddressError(
            "has a domain literal ([...]) in place of a domain name",
            "write the domain name, such as example.org",
        )
    if "@" not in spec:
        raise AddressError("is not a valid email address")
    if len(spec.split()) > 1:
        raise AddressError("has a space in the address")
    for ch in "%!/":
        if ch in spec:
            raise AddressError(
                f"has {ch!r} in the address, which some mail servers read as a route to "
                "another server",
                "ask the recipient for a plain address",
            )
    local, _, domain = spec.rpartition("@")
    if not _LOCAL.fullmatch(local) or len(local) > 64:
        raise AddressError(
            "is not a valid email address",
            "its part before @ may hold only letters, digits and . _ + - ' (at most 64)",
        )
    return local, _domain(domain)


def _domain(domain: str) -> str:
    """Return ``domain`` in lower case; raise AddressError unless it is a plain DNS name."""
    lower = domain.lower()
    labels = lower.split(".")
    for label in labels:
        if label.startswith("xn--"):
            # An xn-- label that does not decode could be shown one way and routed another.
            try:
                label.encode("ascii").decode("idna")
            except UnicodeError:
                raise AddressError(
                    f"has an invalid international domain '{domain}'",
                    "copy the domain's xn-- form exactly, or write the address with the "
                    "domain the recipient gave",
                ) from None
    if (
        len(lower) > 253
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or any(label[2:4] == "--" and not label.startswith("xn--") for label in labels)
        or not _TOP.fullmatch(labels[-1])
    ):
        raise AddressError(
            f"has an invalid domain '{domain}'",
            "write a domain name, such as example.org (no trailing dot)",
        )
    return lower


def _display_name(name: str) -> str:
    """Return the display name with spaces made plain; raise AddressError if it has syntax."""
    name = name.strip()
    quoted = len(name) >= 2 and name[0] == name[-1] == '"'
    inner = name[1:-1] if quoted else name
    if not quoted and re.fullmatch(r"\S+@\S+", inner):
        raise AddressError("holds more than one address", _ONE)
    for ch in inner:
        if ch in _SPECIALS:
            raise AddressError(f"has {ch!r} in its name", _NAME_HINT)
        folded = unicodedata.normalize("NFKC", ch)
        for special in _SPECIALS:
            if special in folded:
                raise AddressError(f"has {special!r} (written as {ch!r}) in its name", _NAME_HINT)
    display = " ".join(inner.split())
    if len(display) > NAME_LIMIT:
        raise AddressError(f"has a name longer than {NAME_LIMIT} characters", "shorten the name")
    return display


class RecipientOptionError(DeliveryError):
    """A --to or --cc value that is not one plain address: the command line is wrong."""

    exit_code = 2


@dataclass(frozen=True)
class Recipient:
    """One address a message goes to, and where it came from (for messages)."""

    address: Address
    field: Literal["To", "Cc"]
    source: str  # "briefs/distribution.yaml" or "--to"
    line: int | None = None

    @property
    def addr(self) -> str:
        return self.address.addr_spec.lower()

    @property
    def domain(self) -> str:
        return self.address.domain.lower()


@dataclass(frozen=True)
class Distribution:
    """The validated ``briefs/distribution.yaml``."""

    sender: Address
    organisation_domains: tuple[str, ...]
    partner_domains: tuple[str, ...]
    lists: dict[str, tuple[Recipient, ...]]
    max_attachment_mb: float

    def list_for(self, brief: str, audience: str) -> tuple[str, tuple[Recipient, ...]] | None:
        """Return the list in force (``brief/audience`` before ``audience``) and its key."""
        for name in (f"{brief}/{audience}", audience):
            if name in self.lists:
                return name, self.lists[name]
        return None


@dataclass(frozen=True)
class Letter:
    """An edition with its sender and checked recipients: ready to compose."""

    edition: Edition
    sender: Address
    to: tuple[Recipient, ...]
    cc: tuple[Recipient, ...]
    max_attachment_mb: float

    @property
    def recipients(self) -> tuple[Recipient, ...]:
        return self.to + self.cc


def handling(edition: Edition) -> str:
    """Return what recipients may do with the edition, in words, for the top of the email."""
    return edition.marking.handling


def load_distribution(project: Project) -> Distribution:
    """Read and validate ``briefs/distribution.yaml``; raise ConfigError listing every problem."""
    problems = Problems()
    reader = Reader(project.root, problems)
    path = project.root / FILE
    if not path.is_file():
        problems.error(
            FILE,
            None,
            "is missing; email needs it for the sender and the organisation's domains",
            "see 'Email' in README.md for an example",
        )
        raise _problems(ConfigError, problems.items)
    data = reader.yaml(path)
    spec = reader.model(DistributionFile, data, path, FILE)
    if spec is None or data is FAILED:
        raise _problems(ConfigError, problems.items)
    sender = _address(problems, spec.sender, yamlfile.line_of(data, ["sender"]), "sender")
    lists: dict[str, tuple[Recipient, ...]] = {}
    for name, entries in spec.lists.items():
        _check_list_key(problems, project, name, yamlfile.line_of(data, ["lists", name]))
        found: list[Recipient] = []
        for index, entry in enumerate(entries or []):
            line = yamlfile.line_of(data, ["lists", name, index])
            address = _address(problems, entry, line, f"list '{name}'")
            if address is not None:
                found.append(Recipient(address, "To", FILE, line))
        lists[name] = tuple(found)
    if problems.errors:
        raise _problems(ConfigError, problems.items)
    assert sender is not None
    return Distribution(
        sender=sender,
        organisation_domains=tuple(dict.fromkeys(spec.organisation_domains)),
        partner_domains=tuple(dict.fromkeys(spec.partner_domains)),
        lists=lists,
        max_attachment_mb=spec.max_attachment_mb,
    )


def _address(problems: Problems, value: str, line: int | None, what: str) -> Address | None:
    try:
        return parse_address(value)
    except AddressError as exc:
        problems.error(FILE, line, f"{what}: {excerpt(value)} {exc}", exc.hint)
        return None


def _check_list_key(problems: Problems, project: Project, key: str, line: int | None) -> None:
    brief, _, audience = key.rpartition("/")
    if brief and brief not in project.briefs:
        problems.error(
            FILE,
            line,
            f"list '{key}': there is no brief '{brief}'",
            unknown(brief, project.briefs, "briefs"),
        )
    elif brief and audience not in project.briefs[brief].audiences:
        problems.error(
            FILE,
            line,
            f"list '{key}': brief '{brief}' is not made for audience '{audience}'",
            "expected one of " + ", ".join(project.briefs[brief].audiences),
        )
    elif not brief and audience not in project.audiences:
        problems.error(
            FILE,
            line,
            f"list '{key}': there is no audience '{audience}'",
            "name an audience from briefs/audiences.yaml, or write <brief>/<audience>",
        )


def address_to(
    project: Project, edition: Edition, to: list[str], cc: list[str], max_mb: float | None = None
) -> Letter:
    """Return the edition's letter: the list in force plus ``to`` and ``cc``, all checked.

    Raises RecipientOptionError for a malformed ``to`` or ``cc`` (after
    ConfigError for the file) and ReleaseError when the edition's marking does
    not allow a recipient; nothing is built or written.
    """
    dist = load_distribution(project)
    problems = Problems()
    listed = dist.list_for(edition.brief.id, edition.audience.name)
    chosen: dict[str, Recipient] = {}
    for recipient in listed[1] if listed else ():
        chosen.setdefault(recipient.addr, recipient)
    for flag, values in (("--to", to), ("--cc", cc)):
        for value in values:
            try:
                address = parse_address(value)
            except AddressError as exc:
                problems.error(flag, None, f"{excerpt(value)} {exc}", exc.hint)
                continue
            field: Literal["To", "Cc"] = "To" if flag == "--to" else "Cc"
            chosen.setdefault(address.addr_spec.lower(), Recipient(address, field, flag))
    if problems.errors:
        raise _problems(RecipientOptionError, problems.items)
    if not chosen:
        where = f"'{edition.brief.id}/{edition.audience.name}' or '{edition.audience.name}'"
        raise DeliveryError(
            f"{FILE}: no recipients for {edition.name}: no list {where} and no --to given "
            f"(add a list under 'lists:' or give --to ADDR); no draft was written"
        )
    recipients = list(chosen.values())
    refused = check_release(edition, dist, recipients)
    if refused:
        raise _problems(ReleaseError, refused)
    return Letter(
        edition=edition,
        sender=dist.sender,
        to=tuple(r for r in recipients if r.field == "To"),
        cc=tuple(r for r in recipients if r.field == "Cc"),
        max_attachment_mb=max_mb if max_mb is not None else dist.max_attachment_mb,
    )


def check_release(
    edition: Edition, dist: Distribution, recipients: list[Recipient]
) -> list[Problem]:
    """Return a problem for every recipient the edition's marking does not allow."""
    marking = edition.marking
    rule = marking.release
    org = set(dist.organisation_domains)
    partners = org | set(dist.partner_domains)
    listed = dist.list_for(edition.brief.id, edition.audience.name)
    named = {r.addr for r in listed[1]} if listed else set()

    def allowed(recipient: Recipient) -> bool:
        if rule == "anyone":
            return True
        if rule == "partners":
            return recipient.domain in partners
        if rule == "organisation":
            return recipient.domain in org
        return recipient.addr in named  # "named", and any rule not known: fail closed

    explain = {
        "partners": "the organisation's and partners' domains ("
        + (", ".join(sorted(partners)) or "none listed")
        + ")",
        "organisation": "the organisation's domains ("
        + (", ".join(sorted(org)) or "none listed")
        + ")",
        "named": "addresses listed by name for audience '"
        + edition.audience.name
        + "' (list "
        + (f"'{listed[0]}'" if listed else "none")
        + f" in {FILE})",
    }
    hints = {
        "partners": f"remove it, or add its domain to partner_domains in {FILE} "
        "if that organisation is a trusted partner",
        "organisation": "remove it; only the organisation's own addresses may receive this",
        "named": f"remove it, or add it to that list in {FILE} if this person may receive it",
    }
    problems = []
    for recipient in recipients:
        if allowed(recipient):
            continue
        problems.append(
            Problem(
                recipient.source,
                recipient.line,
                f"recipient {recipient.addr} may not receive {edition.name}, marked {marking}: "
                f"release rule '{rule}' allows only {explain.get(rule, 'no one')}",
                hints.get(rule, "check the marking scheme's 'release' values"),
            )
        )
    return problems


def _problems(cls: type[BriefError], items: list[Problem]) -> BriefError:
    errors = [p for p in items if p.severity == "error"]
    noun = "problem" if len(errors) == 1 else "problems"
    lines = [p.shown() for p in errors]
    lines.append(f"{len(errors)} {noun} found; no draft was written and nothing was sent.")
    return cls("\n".join(lines), errors)
