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
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import getaddresses
from typing import Literal

from . import yamlfile
from .errors import BriefError, ConfigError, DeliveryError, Problem, Problems, ReleaseError
from .markings import TLP
from .models import LINE, Edition, Project
from .reader import FAILED, Reader
from .schema import Schema, key, list_of, mapping_of, number, optional, text

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


# Addresses are plain ASCII (no SMTPUTF8), so that every server and client takes them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"^{_ATOM}(\.{_ATOM})*$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def parse_address(value: str) -> Address:
    """Return one mailbox parsed from ``value``; raise ValueError saying what is wrong."""
    if _CONTROL.search(value):
        raise ValueError("contains a line break or control character")
    parsed = getaddresses([value])
    if len(parsed) > 1 and all(addr.split("@")[0] for _, addr in parsed):
        raise ValueError("holds more than one address")
    if len(parsed) != 1 or not parsed[0][1]:
        raise ValueError("is not a valid email address")
    name, addr = parsed[0]
    local, at, domain = addr.rpartition("@")
    # The parser is lenient; insist that what it found is literally what was written.
    if not at or addr not in value or not _LOCAL.match(local) or len(local) > 64:
        raise ValueError("is not a valid email address")
    if not _DOMAIN.match(domain):
        raise ValueError(f"has an invalid domain '{domain}'")
    return Address(display_name=name.strip(), username=local, domain=domain.lower())


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


HANDLING = {  # TLP 2.0's sharing rules, said to the reader; other schemes go by `release`
    "TLP:CLEAR": "Disclosure is not limited: recipients may share it freely.",
    "TLP:GREEN": "Recipients may share it within their community, but not publicly.",
    "TLP:AMBER": "Recipients may share it only within their organisation and with its "
    "clients, on a need-to-know basis.",
    "TLP:AMBER+STRICT": "Recipients may share it only within their own organisation, "
    "on a need-to-know basis.",
    "TLP:RED": "For the named recipients only: do not forward or share it.",
}
RELEASE_HANDLING = {
    "anyone": "Recipients may share it freely.",
    "partners": "Recipients may share it only within their organisation and with its partners.",
    "organisation": "Recipients may share it only within their own organisation.",
    "named": "For the named recipients only: do not forward or share it.",
}


def handling(edition: Edition) -> str:
    """Return what recipients may do with the edition, in words, for the top of the email."""
    own = HANDLING if edition.scheme.name == TLP.name else {}
    return own.get(edition.marking.label, RELEASE_HANDLING[edition.marking.release])


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
    except ValueError as exc:
        problems.error(
            FILE,
            line,
            f"{what}: {value!r} {exc}",
            "write one address per entry, as name@example.org or Name <name@example.org>",
        )
        return None


def _check_list_key(problems: Problems, project: Project, key: str, line: int | None) -> None:
    brief, _, audience = key.rpartition("/")
    if brief and brief not in project.briefs:
        problems.error(
            FILE,
            line,
            f"list '{key}': there is no brief '{brief}'",
            "expected one of " + ", ".join(sorted(project.briefs)),
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

    Raises DeliveryError for malformed addresses and ReleaseError when the
    edition's marking does not allow a recipient; nothing is built or written.
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
            except ValueError as exc:
                problems.error(
                    flag,
                    None,
                    f"{value!r} {exc}",
                    f"give one address per {flag}, as name@example.org "
                    "or 'Name <name@example.org>'",
                )
                continue
            field: Literal["To", "Cc"] = "To" if flag == "--to" else "Cc"
            chosen.setdefault(address.addr_spec.lower(), Recipient(address, field, flag))
    if problems.errors:
        raise _problems(DeliveryError, problems.items)
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
    lines = [str(p) for p in errors]
    lines.append(f"{len(errors)} {noun} found; no draft was written and nothing was sent.")
    return cls("\n".join(lines), errors)
