from __future__ import annotations

import pytest

from briefwright import yamlfile


def test_line_of_points_at_nested_keys_and_items() -> None:
    data = yamlfile.parse("a: 1\nb:\n  c:\n    - x\n    - y\n")
    assert yamlfile.line_of(data, ["a"]) == 1
    assert yamlfile.line_of(data, ["b", "c"]) == 3
    assert yamlfile.line_of(data, ["b", "c", 1]) == 5
    assert yamlfile.line_of(data, ["b", "missing"]) == 2


def test_duplicate_keys_are_an_error_with_the_second_line() -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse("title: A\nother: 1\ntitle: B\n")
    assert (caught.value.line, str(caught.value)) == (3, "key 'title' appears twice")
    assert caught.value.hint == "keep one of them"


TAB = ("a tab character is used for indentation", "replace the tab with spaces")
QUOTE = 'put the whole value in quotes: "..."'
KEYS = "indent the keys of one mapping by the same number of spaces"
AFTER = "text follows the closing quote or bracket of a value"


@pytest.mark.parametrize(
    ("text", "line", "message", "hint"),
    [
        ("title: T\n\tsummary: S\n", 2, *TAB),
        ("a:\n\tb: 1\n", 2, *TAB),
        ("a:\n  \tb: 1\n", 2, *TAB),
        ("title: T\nlist:\n  - a\n\t- b\n", 4, *TAB),
        ("summary: |\n  First.\n\tSecond.\n", 3, *TAB),
        ("title: Why: a question\n", 1, "a value holds ': ' (a colon and a space)", QUOTE),
        ("title: T\n  summary: S\n", 2, "this key is indented more than the key above it", KEYS),
        ("a:\n  b: 1\n c: 2\n", 3, "this line does not line up with the keys above it", KEYS),
        (
            "tags:\n  - a\n  b: 1\n",
            3,
            "this line does not line up with the list items above it",
            "start each item of a list with '- ' at the same indentation",
        ),
        (
            "tags: - a\n",
            1,
            "a list cannot start on the line of its key",
            "start it on the next line, one '- item' a line, or write [a, b]",
        ),
        (
            "title: T\nsummary\n",
            2,
            "this line has no ':' after its key",
            "write 'key: value', or indent the line to go on with the value above",
        ),
        ("title: 'Why\nsummary: S\n", 1, "a quoted value is never closed", "add the closing quote"),
        ('title: "Why" not\n', 1, AFTER, QUOTE),
        ("title: 'it's here'\n", 1, AFTER, QUOTE),
        ("title: [Draft] Report\n", 1, AFTER, QUOTE),
        (
            "tags: [a, b\nmarking: TLP:CLEAR\n",
            1,
            "a list opened with '[' is never closed",
            "close it with ']', or put a value that starts with '[' in quotes",
        ),
        (
            "a: {b: 1\n",
            1,
            "a mapping opened with '{' is never closed",
            "close it with '}', or put a value that starts with '{' in quotes",
        ),
        ("summary: *Important* finding\n", 1, "a value starts with '*', an alias in YAML", QUOTE),
        ("summary: & y\n", 1, "a value starts with '&', an anchor in YAML", QUOTE),
        (
            "a: 1\nb: *nope\n",
            2,
            "'*nope' is an alias, but no anchor '&nope' comes before it",
            "define the anchor first, or put the value in quotes",
        ),
        ("title: @home\n", 1, "a value cannot start with '@'", QUOTE),
        ("title: `code`\n", 1, "a value cannot start with '`'", QUOTE),
        ("a: ]\n", 1, "a value cannot start with ']'", QUOTE),
        (
            'path: "a\\q"\n',
            1,
            "a double-quoted value holds a backslash escape YAML does not know",
            "write \\\\ for a backslash, or put the value in single quotes",
        ),
        (
            'path: "C:\\Users"\n',
            1,
            "a double-quoted value holds a backslash escape YAML does not know",
            "write \\\\ for a backslash, or put the value in single quotes",
        ),
        (
            "a: 1\n---\nb: 2\n",
            2,
            "a second YAML document starts here",
            "a file holds one document: remove the '---' line",
        ),
        (
            "a: !foo x\n",
            1,
            "the tag '!foo' is not supported",
            "remove the tag, or put the value in quotes",
        ),
        (
            "title: T\nsummary: a\x07b\n",
            2,
            "a control character (U+0007) is not allowed",
            "remove it, or write it as \\a inside double quotes",
        ),
        (
            "title: T\nsummary: a\ufffeb\n",
            2,
            "the character U+FFFE is not allowed in YAML",
            "remove it, or write it as \\uFFFE inside double quotes",
        ),
    ],
    ids=[
        "tab",
        "tab-nested",
        "tab-after-spaces",
        "tab-list",
        "tab-block-text",
        "colon-in-value",
        "key-indented-more",
        "key-indented-less",
        "list-item-out-of-line",
        "list-on-key-line",
        "no-colon",
        "unclosed-quote",
        "text-after-quote",
        "apostrophe-in-single-quotes",
        "text-after-bracket",
        "unclosed-list",
        "unclosed-mapping",
        "star",
        "ampersand",
        "undefined-alias",
        "at-sign",
        "backtick",
        "closing-bracket",
        "unknown-escape",
        "windows-path",
        "second-document",
        "unknown-tag",
        "control-character",
        "non-character",
    ],
)
def test_syntax_errors_are_said_in_plain_words_with_their_line(
    text: str, line: int, message: str, hint: str
) -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse(text)
    assert (caught.value.line, str(caught.value), caught.value.hint) == (line, message, hint)
    assert caught.value.syntax


def test_other_syntax_errors_keep_the_parser_words_and_line() -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse("%YAML 1.1\n%YAML 1.1\n---\na\n")
    assert (caught.value.line, str(caught.value)) == (2, "found duplicate %YAML directive")
    assert caught.value.hint == "check indentation and quoting"


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


def test_a_mapping_own_keys_override_the_keys_it_merges() -> None:
    text = (
        "base: &base {depth: full, clearance: TLP:RED}\nanalyst:\n  <<: *base\n  depth: summary\n"
    )
    data = yamlfile.parse(text)
    assert data["analyst"] == {"depth": "summary", "clearance": "TLP:RED"}
    assert yamlfile.line_of(data, ["analyst", "depth"]) == 4
    assert yamlfile.line_of(data, ["analyst", "clearance"]) == 1
    # Of several merged mappings, the first that has a key gives it.
    merged = yamlfile.parse("a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n")
    assert merged["c"] == {"x": 1, "y": 2}
    # A key the mapping itself writes twice is still an error.
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse("a: &a {x: 1}\nc:\n  <<: *a\n  y: 1\n  y: 2\n")
    assert (caught.value.line, str(caught.value)) == (5, "key 'y' appears twice")


def test_a_merge_of_something_other_than_a_mapping_is_an_error() -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse("a: &a [1, 2]\nc:\n  <<: *a\n")
    assert caught.value.line == 3
    assert str(caught.value) == "'<<' merges mappings, and this is not one"
    assert caught.value.hint == "write '<<: *name' with the anchor of a mapping, or a list of them"


def test_a_long_key_written_twice_is_named_by_its_start_only() -> None:
    key = "k" * 1000
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse(f"{key}: 1\n{key}: 2\n")
    assert str(caught.value) == "key '" + "k" * 37 + "...' appears twice"


def test_a_key_longer_than_yaml_allows_is_named_as_such() -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse("title: T\n" + "k" * 1100 + ": 1\n")
    assert (caught.value.line, str(caught.value), caught.value.hint) == (
        2,
        "a key is longer than 1024 characters, the most YAML allows",
        "shorten it",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!bool maybe\n", "'a': maybe cannot be read as true or false"),
        ("a: !!int ''\n", "'a': an empty value cannot be read as a whole number"),
        ("a: !!timestamp soon\n", "'a': soon is not a date"),
        ("a: !!seq {b: 1}\n", "the tag here is for a list, and this is a mapping"),
        ("a: !!map [1]\n", "the tag here is for a mapping, and this is a list"),
        ("a: !!str [1]\n", "the tag here is for a single value, and this is a list"),
    ],
    ids=["bool", "empty-int", "timestamp", "seq-on-mapping", "map-on-list", "str-on-list"],
)
def test_a_tag_that_does_not_fit_its_value_is_an_error_not_a_crash(text: str, message: str) -> None:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse(text)
    assert (caught.value.line, str(caught.value)) == (1, message)
