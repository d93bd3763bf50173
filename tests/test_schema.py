"""File schemas: each key's check, and every fault of a file reported at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from briefwright import schema, yamlfile
from briefwright.errors import Problems
from briefwright.models import AudienceFile, BriefAudience, BriefFile, MarkingsFile, SectionFile
from briefwright.reader import Reader

BRIEF = {"title": "T", "collection": "demo", "sections": ["intro"], "audiences": {"public": None}}


def faults(model: type[schema.Schema], data: dict[str, Any]) -> list[tuple[str, str | None]]:
    with pytest.raises(schema.Invalid) as caught:
        schema.validate(model, data)
    return [(fault.message, fault.hint) for fault in caught.value.faults]


def test_a_valid_mapping_becomes_the_schema_object_with_defaults() -> None:
    brief = schema.validate(BriefFile, {**BRIEF, "title": "  A title  ", "date": "2026-03-01"})
    assert (brief.title, brief.date, brief.lang, brief.authors) == (
        "A title",
        dt.date(2026, 3, 1),
        "en-GB",
        [],
    )
    assert brief.audiences == {"public": None}
    assert brief.keys_given == set(BRIEF) | {"date"}


def test_defaults_are_not_shared_between_objects() -> None:
    first = schema.validate(SectionFile, {"title": "T", "summary": "S"})
    first.tags.append("changed")
    assert schema.validate(SectionFile, {"title": "T", "summary": "S"}).tags == []


def test_every_fault_is_reported_with_its_key_path() -> None:
    data = {
        **BRIEF,
        "title": "two\nlines",
        "sections": ["Intro"],
        "audiences": {"public": {"max_pages": 0, "formats": ["pdf", "epub"], "colour": "red"}},
        "date": "1 March",
    }
    del data["collection"]
    assert faults(BriefFile, data) == [
        ("'title' must be one line (found 'two\\nlines')", "write it on one line"),
        (
            "'sections.0': 'Intro' is not allowed here",
            "ids use lowercase letters, digits and hyphens",
        ),
        ("'audiences.public.max_pages' must be a whole number of at least 1 (found 0)", None),
        ("'audiences.public.formats.1' must be one of pdf, docx, odt, html (found 'epub')", None),
        (
            "unknown key 'audiences.public.colour'",
            "check the spelling; README.md lists every key",
        ),
        ("'date' must be a date (found '1 March')", "write dates as YYYY-MM-DD"),
        ("'collection' is required", None),
    ]


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (SectionFile, {"title": 3, "summary": "S"}, "'title' must be text (found 3)"),
        (SectionFile, {"title": "  ", "summary": "S"}, "'title' is empty"),
        (SectionFile, {"title": "T", "summary": "S", "tags": "a"}, "'tags' must be a list"),
        (BriefFile, {**BRIEF, "sections": []}, "'sections' must list at least 1"),
        (BriefFile, {**BRIEF, "audiences": {}}, "'audiences' must hold at least 1 entry"),
        (BriefFile, {**BRIEF, "audiences": ["public"]}, "'audiences' must be a mapping"),
        (BriefFile, {**BRIEF, "lang": "english"}, "'lang': 'english' is not allowed here"),
        (BriefFile, {**BRIEF, "collection": "x" * 81}, "'collection' is 81 characters"),
        (BriefAudience, {"portion_marks": "yes"}, "'portion_marks' must be true or false"),
        (BriefAudience, {"reading_grade": 0}, "'reading_grade' must be a number above 0"),
        (BriefAudience, {"reading_grade": True}, "'reading_grade' must be a number above 0"),
        (BriefAudience, {"max_pages": 1.5}, "'max_pages' must be a whole number"),
        (
            MarkingsFile,
            {"levels": [{"label": "X", "release": "all", "handling": "Share it."}]},
            "'levels.0.release'",
        ),
        (MarkingsFile, {"levels": ["TLP:RED"]}, "'levels.0' must be a mapping"),
        (
            MarkingsFile,
            {"levels": [{"label": "X", "release": "named", "colour": "red", "handling": "No."}]},
            "'levels.0.colour': 'red' is not allowed here",
        ),
    ],
)
def test_each_check_says_what_it_expected_and_found(
    model: type[schema.Schema], data: dict[str, Any], message: str
) -> None:
    (found,) = faults(model, data)
    assert found[0].startswith(message), found


def test_an_unknown_key_suggests_the_closest_known_one_nested_included() -> None:
    (found,) = faults(BriefFile, {**BRIEF, "audiences": {"public": {"max_page": 2}}})
    assert found == (
        "unknown key 'audiences.public.max_page'",
        "did you mean 'max_pages'? README.md lists every key",
    )


def test_values_hold_every_key_given_or_defaulted() -> None:
    audience = schema.validate(AudienceFile, {"label": "L", "layout": "full", "clearance": "C"})
    assert audience.values()["formats"] == ["pdf", "docx", "html"]
    assert "keys_given" not in audience.values()
    assert audience.keys_given == {"label", "layout", "clearance"}


def test_the_reader_points_each_fault_at_its_line(tmp_path: Path) -> None:
    text = "title: T\ncollection: demo\nsections: [intro]\naudiences:\n  public:\n    depth: all\n"
    problems = Problems()
    path = tmp_path / "briefs" / "demo.yaml"
    reader = Reader(tmp_path, problems)
    assert reader.model(BriefFile, yamlfile.parse(text), path, "a brief") is None
    assert [str(p) for p in problems.errors] == [
        "briefs/demo.yaml:6: 'audiences.public.depth' must be one of summary, full (found 'all')"
    ]


def test_a_message_shows_only_a_short_excerpt_of_a_long_value() -> None:
    (found,) = faults(SectionFile, {"title": ["a" * 5000], "summary": "S"})
    assert found[0] == "'title' must be text (found ['" + "a" * 55 + "...)"
    (found,) = faults(BriefFile, {**BRIEF, "lang": "x" * 5000})
    assert found[0] == "'lang': '" + "x" * 56 + "... is not allowed here"


def test_a_message_cuts_long_keys_in_its_key_path() -> None:
    (found,) = faults(BriefFile, {**BRIEF, "k" * 5000: 1})
    assert found[0] == "unknown key '" + "k" * 37 + "...'"


def test_a_value_repeated_many_times_over_is_shown_as_an_excerpt() -> None:
    value: Any = ["word"]
    for _ in range(6):  # the same list nine times, six levels deep: 531,441 words
        value = [value] * 9
    (found,) = faults(SectionFile, {"title": "T", "summary": value})
    shown = "[[[[[[['word'], ['word'], ['word'], ['word'], ['word'], [..."
    assert found[0] == f"'summary' must be text (found {shown})"


def test_excerpt_does_only_the_work_its_length_needs() -> None:
    value: Any = "x" * 10
    for _ in range(40):  # 9**40 strings if written out: only a bounded walk can show it
        value = [value] * 9
    shown = schema.excerpt(value)
    assert shown.startswith("[[[[") and shown.endswith("...") and len(shown) == 60


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "None"),
        ("short", "'short'"),
        (dt.date(2026, 1, 2), "2026-01-02"),
        ({"a": [1, 2.5, True]}, "{'a': [1, 2.5, True]}"),
        ("é" * 100, "'" + "é" * 56 + "..."),
    ],
    ids=["nothing", "text", "date", "mapping", "long-text"],
)
def test_excerpt_shows_short_values_whole_and_dates_as_written(value: Any, shown: str) -> None:
    assert schema.excerpt(value) == shown


def test_a_quoted_date_that_does_not_exist_is_reported_as_a_date() -> None:
    (found,) = faults(SectionFile, {"title": "T", "summary": "S", "reviewed": "2026-13-45"})
    assert found == ("'reviewed': 2026-13-45 is not a real date", "write dates as YYYY-MM-DD")
