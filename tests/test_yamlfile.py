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


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\n? [x, y]\n: 2\n", 2, "a key must be one value"),
        ("title: T\nreviewed: 2024-02-30\n", 2, "'2024-02-30' cannot be read"),
        ("dates:\n  - 2024-01-01\n  - 2024-13-01\n", 3, "'2024-13-01' cannot be read"),
    ],
)
def test_values_yaml_cannot_construct_are_errors_with_their_line(
    text: str, line: int, message: str
) -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse(text)
    assert caught.value.line == line
    assert message in str(caught.value)
