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
