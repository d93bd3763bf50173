"""File schemas: the keys a YAML file may hold, the check each value must pass.

A schema is a frozen dataclass whose fields are declared with :func:`key`,
as MkDocs declares its config options: the field's type is what the rest of
the code sees, the check is what the file must satisfy. :func:`validate`
checks a whole mapping at once and raises :class:`Invalid` with every fault,
each naming its key path, what was expected and what was found, so that the
reader can point at the line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import itertools
import re
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

Loc = tuple[str | int, ...]
CHECK = "check"  # the metadata key of a field's check
EXCERPT = 60  # the most of a value a message shows, in characters
KEY_EXCERPT = 40  # the most of one key a key path shows
DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_HINT = "write dates as YYYY-MM-DD"


@dataclass(frozen=True)
class Fault:
    """One value that fails its schema: where, what is wrong, how to put it right."""

    loc: Loc
    message: str
    hint: str | None = None


def _fault(loc: Loc, what: str, hint: str | None = None) -> Fault:
    return Fault(loc, f"'{dotted(loc)}' {what}", hint)


def dotted(loc: Loc) -> str:
    """Return a key path as written in messages: ``audiences.public.sections.0``."""
    return ".".join(clip(str(part), KEY_EXCERPT) for part in loc) or "file"


class Invalid(Exception):
    def __init__(self, faults: list[Fault]) -> None:
        super().__init__(f"{len(faults)} fault(s)")
        self.faults = faults


class _Bad:
    """What a check returns for a value it reported; never reaches a schema object."""


BAD = _Bad()


@dataclass(frozen=True)
class Check:
    """A value's test: returns the value as the schema object holds it, or BAD after a fault."""

    run: Callable[[Any, Loc, list[Fault]], Any]
    inner: tuple[Check, ...] = ()  # the checks it applies to parts of the value
    schema: type[Schema] | None = None  # the schema it applies to the whole value

    def __call__(self, value: Any, loc: Loc, faults: list[Fault]) -> Any:
        return self.run(value, loc, faults)


@dataclass(frozen=True, kw_only=True)
class Schema:
    """Base of the file schemas; ``keys_given`` holds the keys the file actually wrote."""

    keys_given: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def values(self) -> dict[str, Any]:
        """Return every key's value, given or defaulted."""
        return {name: getattr(self, name) for name in keys(type(self))}


S = TypeVar("S", bound=Schema)


def key(check: Check, default: Any = dataclasses.MISSING) -> Any:
    """Declare a schema field: required without ``default``; lists and dicts are copied."""
    metadata = {CHECK: check}
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def keys(schema: type[Schema]) -> dict[str, Check]:
    """Return the keys a schema accepts, in order, with their checks."""
    return {f.name: f.metadata[CHECK] for f in dataclasses.fields(schema) if CHECK in f.metadata}


def validate(schema: type[S], data: Any) -> S:
    """Return ``data`` as a ``schema`` object; raise Invalid listing every fault."""
    faults: list[Fault] = []
    result = _object(schema, data, (), faults)
    if faults or isinstance(result, _Bad):
        raise Invalid(faults)
    return result


def _object(schema: type[S], data: Any, loc: Loc, faults: list[Fault]) -> S | _Bad:
    if not isinstance(data, dict):
        faults.append(_fault(loc, f"must be a mapping of keys to values{_found(data)}"))
        return BAD
    accepted = keys(schema)
    before = len(faults)
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in accepted:
            where = (*loc, name)
            faults.append(
                Fault(where, f"unknown key '{dotted(where)}'", _spelling(str(name), schema))
            )
            continue
        values[name] = accepted[name](value, (*loc, name), faults)
    required = (f.name for f in dataclasses.fields(schema) if CHECK in f.metadata and _required(f))
    for name in required:
        if name not in data:
            faults.append(_fault((*loc, name), "is required"))
    if len(faults) > before:
        return BAD
    return schema(**values, keys_given=frozenset(values))


def _required(item: dataclasses.Field[Any]) -> bool:
    return item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING


def _spelling(name: str, schema: type[Schema]) -> str:
    close = difflib.get_close_matches(name, sorted(_all_keys(schema)), n=1)
    if close:
        return f"did you mean '{close[0]}'? README.md lists every key"
    return "check the spelling; README.md lists every key"


def _all_keys(schema: type[Schema]) -> set[str]:
    """Return the keys a schema accepts, its nested schemas' included."""
    names = set(keys(schema))
    for check in keys(schema).values():
        for inner in _nested(check):
            names |= _all_keys(inner)
    return names


def _nested(check: Check) -> Iterator[type[Schema]]:
    if check.schema is not None:
        yield check.schema
    for inner in check.inner:
        yield from _nested(inner)


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """Return ``value`` as a message shows it: its repr, cut to ``limit`` characters."""
    text, complete = _shown(value, limit)
    return text if complete and len(text) <= limit else clip(text + "...", limit)


def clip(text: str, limit: int = EXCERPT) -> str:
    """Return ``text`` cut to ``limit`` characters, ending in '...' where it was cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown(value: Any, budget: int) -> tuple[str, bool]:
    """Return the start of ``value``'s repr, past ``budget`` characters or whole, and which.

    A YAML value can hold the same list many times over through aliases, so the
    walk stops as soon as the text is long enough, never writing it all out.
    """
    if isinstance(value, str | bytes):
        if len(value) > budget:
            return repr(value[:budget])[:-1], False  # without the closing quote: it goes on
        return repr(value), True
    if isinstance(value, dt.date):  # as the file writes it, not datetime.date(2026, 1, 2)
        return value.isoformat(), True
    if isinstance(value, dict):
        return _shown_items("{}", [(k, v) for k, v in _first(value.items(), budget)], budget)
    if isinstance(value, list | tuple):
        return _shown_items("[]", [(item,) for item in _first(value, budget)], budget)
    return repr(value), True


def _first(items: Iterable[Any], count: int) -> list[Any]:
    """Return at most ``count`` items: no more can show in ``count`` characters."""
    return list(itertools.islice(items, count))


def _shown_items(brackets: str, entries: list[tuple[Any, ...]], budget: int) -> tuple[str, bool]:
    """Show a list's items, or a mapping's (key, value) pairs, as ``_shown`` does."""
    text = brackets[0]
    for index, entry in enumerate(entries):
        for position, part in enumerate(entry):
            text += ": " if position else ", " if index else ""
            shown, complete = _shown(part, budget - len(text))
            text += shown
            if not complete or len(text) > budget:
                return text, False
    return text + brackets[1], True


def _found(value: Any) -> str:
    return " (found nothing)" if value is None else f" (found {excerpt(value)})"


# --- checks -------------------------------------------------------------------


# Control characters (but tab and line feed), line and paragraph separators, the
# direction overrides and isolates, zero-width spaces, invisible operators and byte
# order marks: none is text an author means to print. (The joiners and direction
# marks that scripts need, U+200C to U+200F, stay.)
_HIDDEN = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\u202a-\u202e\u2060-\u2064"
    r"\u2066-\u2069\ufeff\ufffe\uffff]"
)


def text(
    *,
    one_line: bool = False,
    pattern: str | None = None,
    hint: str | None = None,
    strip: bool = True,
    lower: bool = False,
    max_length: int | None = None,
) -> Check:
    """Text, stripped and not empty; optionally one line, matching ``pattern`` in full."""
    matcher = re.compile(pattern) if pattern else None

    def check(value: Any, loc: Loc, faults: list[Fault]) -> Any:
        if not isinstance(value, str):
            faults.append(_fault(loc, f"must be text{_found(value)}", 'put it in quotes: "..."'))
            return BAD
        value = value.strip() if strip else value
        value = value.lower() if lower else value
        hidden = _HIDDEN.search(value)
        if not value:
            faults.append(_fault(loc, "is empty", "write a value or remove the key"))
        elif hidden:
            faults.append(
                _fault(
                    loc,
                    f"holds an invisible control character (U+{ord(hidden[0]):04X})",
                    "remove it and write plain text (control characters break Word and "
                    "OpenDocument files; direction overrides can make text read otherwise)",
                )
            )
        elif one_line and "\n" in value:
            faults.append(_fault(loc, f"must be one line{_found(value)}", "write it on one line"))
        elif max_length is not None and len(value) > max_length:
            faults.append(_fault(loc, f"is {len(value)} characters; the limit is {max_length}"))
        elif matcher and not matcher.fullmatch(value):
            shown = excerpt(value)
            faults.append(Fault(loc, f"'{dotted(loc)}': {shown} is not allowed here", hint))
        else:
            return value
        return BAD

    return Check(check)


def choice(literal: Any) -> Check:
    """One of the strings of a ``Literal`` type, the one the schema field declares."""
    allowed = typing.get_args(literal)

    def check(value: Any, loc: Loc, faults: list[Fault]) -> Any:
        if isinstance(value, str) and value in allowed:
            return value
        faults.append(_fault(loc, f"must be one of {', '.join(allowed)}{_found(value)}"))
        return BAD

    return Check(check)


def boolean() -> Check:
    def check(value: Any, loc: Loc, faults: list[Fault]) -> Any:
        if isinstance(value, bool):
            return value
        faults.append(_fault(loc, f"must be true or false{_found(value)}"))
        return BAD

    return Check(check)


def integer(*, minimum: int) -> Check:
    def check(value: Any, loc: Loc, faults: list[Fault]) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        faults.append(_fault(loc, f"must be a whole number of at least {minimum}{_found(value)}"))
        return BAD

    return Check(check)


def number(*, above: float, most: float) -> Check:
    def check(value: Any, loc: Loc, faults: list[Fault]) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool) and above < value <= most:
            return float(value)
        faults.append(
            _fault(loc, f"must be a number above {above:g}, at most {most:g}{_found(value)}")
        )
        return BAD

    return Check(check)


def date() -> Check:
    def check(value: Any, loc: Loc, faults: list[Fault]) -> Any:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        written = value.strip() if isinstance(value, str) else None
        if written is not None:
            try:
                return dt.date.fromisoformat(written)
            except ValueError:
                if DATE_FORM.fullmatch(written):  # the form of a date, but no such day: 02-30
                    faults.append(
                        Fault(loc, f"'{dotted(loc)}': {written} is not a real date", DATE_HINT)
                    )
                    return BAD
        faults.append(_fault(loc, f"must be a date{_found(value)}", DATE_HINT))
        return BAD

    return Check(check)


def optional(inner: Check) -> Check:
    """``inner``, or nothing (a key written with no value)."""

    def check(value: Any, loc: Loc, faults: list[Fault]) -> Any:
        return None if value is None else inner(value, loc, faults)

    return Check(check, inner=(inner,))


def list_of(item: Check, *, min_length: int = 0) -> Check:
    def check(value: Any, loc: Loc, faults: list[Fault]) -> Any:
        if not isinstance(value, list):
            faults.append(
                _fault(loc, f"must be a list{_found(value)}", "write one '- item' per line")
            )
            return BAD
        if len(value) < min_length:
            faults.append(_fault(loc, f"must list at least {min_length}"))
            return BAD
        items = [item(entry, (*loc, index), faults) for index, entry in enumerate(value)]
        return BAD if any(isinstance(entry, _Bad) for entry in items) else items

    return Check(check, inner=(item,))


def mapping_of(name: Check, value: Check, *, min_length: int = 0) -> Check:
    def check(data: Any, loc: Loc, faults: list[Fault]) -> Any:
        if not isinstance(data, dict):
            faults.append(_fault(loc, f"must be a mapping of keys to values{_found(data)}"))
            return BAD
        if len(data) < min_length:
            faults.append(_fault(loc, f"must hold at least {min_length} entry"))
            return BAD
        result = {}
        for entry, inner in data.items():
            checked = (name(entry, (*loc, entry), faults), value(inner, (*loc, entry), faults))
            result[checked[0]] = checked[1]
        bad = any(isinstance(part, _Bad) for pair in result.items() for part in pair)
        return BAD if bad else result

    return Check(check, inner=(name, value))


def nested(schema: type[Schema]) -> Check:
    def check(value: Any, loc: Loc, faults: list[Fault]) -> Any:
        return _object(schema, value, loc, faults)

    return Check(check, schema=schema)
