from __future__ import annotations

import pytest

from briefwright import yamlfile


def test_line_of_points_at_nested_keys_and_items() -> None:
    data = yamlfile.parse("a: 1\nb:\n  c:\n    - x\n    - y\n")
    assert yamlfile.line_of(data, ["a"]) == 1
    assert yamlfile.line_of(data, ["b", "c"]) == 3
    assert yamlfile.line_of(data, ["b", "c", 1]) == 5
    assert yamlfile.line_of(data, ["b", "missing"]) == 2


def test_syntax_error_reports_its_line() -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse("a: 1\nb: [unclosed\nc: 3\n")
    assert caught.value.line in (3, 4)


def test_duplicate_keys_are_an_error_with_the_second_line() -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse("title: A\nother: 1\ntitle: B\n")
    assert caught.value.line == 3
    assert "title" in str(caught.value)


def test_a_list_or_mapping_as_a_key_is_an_error_with_its_line() -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse("a: 1\n? [x, y]\n: 2\n")
    assert caught.value.line == 2
    assert "a key must be one value" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "line", "message", "hint"),
    [
        (
            "title: T\nreviewed: 2024-02-30\n",
            2,
            "'reviewed': 2024-02-30 is not a real date",
            "write dates as YYYY-MM-DD",
        ),
        (
            "dates:\n  - 2024-01-01\n  - 2024-13-01\n",
            3,
            "'dates.1': 2024-13-01 is not a real date",
            "write dates as YYYY-MM-DD",
        ),
        (
            "audiences:\n  public:\n    since: [2026-02-29]\n",
            3,
            "'audiences.public.since.0': 2026-02-29 is not a real date",
            "write dates as YYYY-MM-DD",
        ),
        (
            "at: 2026-01-01 25:00:00\n",
            1,
            "'at': 2026-01-01 25:00:00 is not a real date and time",
            "write YYYY-MM-DD HH:MM:SS, or put the value in quotes to keep it as text",
        ),
        ("2026-02-30: x\n", 1, "2026-02-30 is not a real date", "write dates as YYYY-MM-DD"),
        (
            "count: !!int many\n",
            1,
            "'count': many cannot be read as a whole number",
            "put the value in quotes to keep it as text",
        ),
    ],
    ids=["date", "date-in-list", "nested-date", "time", "date-as-key", "tagged-number"],
)
def test_values_that_cannot_be_what_they_look_like_are_errors_with_their_line(
    text: str, line: int, message: str, hint: str
) -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse(text)
    assert (caught.value.line, str(caught.value), caught.value.hint) == (line, message, hint)
    assert not caught.value.syntax
