"""Limits on what a YAML file can make briefwright do: alias expansion and nesting depth."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from briefwright import yamlfile

from .conftest import expect_error, run

ALIAS_LIMIT = "YAML aliases (*name) expand to more than 5000 values; the limit is 5000"
ALIAS_HINT = "use fewer aliases, or aliases of smaller lists and mappings"
DEPTH_LIMIT = "lists and mappings are nested more than 50 deep; the limit is 50"


def alias_bomb(levels: int) -> list[str]:
    """Return the lines of a 'billion laughs': each list holds the one before it nine times."""
    names = "abcdefghijklmnop"
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['x'] * 9)}]"]
    for level in range(1, levels):
        alias = f"*{names[level - 1]}"
        lines.append(f"{names[level]}: &{names[level]} [{', '.join([alias] * 9)}]")
    return lines


def parse_error(text: str) -> yamlfile.YamlSyntaxError:
    with pytest.raises(yamlfile.YamlSyntaxError) as caught:
        yamlfile.parse(text)
    return caught.value


def test_an_alias_bomb_is_refused_where_its_aliases_pass_the_limit() -> None:
    # Nine levels: 387 million values if expanded. The fourth list already repeats 8,289.
    error = parse_error("\n".join(alias_bomb(9)) + "\n")
    assert (error.line, str(error), error.hint) == (4, ALIAS_LIMIT, ALIAS_HINT)


def test_aliases_may_repeat_values_up_to_the_limit() -> None:
    text = "base: &base {depth: full, formats: [pdf, html]}\nanalyst: *base\npublic: *base\n"
    data = yamlfile.parse(text)
    assert data["analyst"] == data["public"] == {"depth": "full", "formats": ["pdf", "html"]}
    at_limit = "a: &a x\nb: [" + ", ".join(["*a"] * 5000) + "]\n"
    assert len(yamlfile.parse(at_limit)["b"]) == 5000
    error = parse_error(at_limit.replace("[", "[*a, "))
    assert (error.line, str(error)) == (2, ALIAS_LIMIT)


def test_an_alias_inside_the_value_it_names_is_an_error() -> None:
    error = parse_error("title: T\nloop: &loop [1, *loop]\n")
    assert (error.line, str(error), error.hint) == (
        2,
        "an alias (*name) is inside the list or mapping it names",
        "a value cannot hold itself; remove the alias",
    )


def test_nesting_deeper_than_the_limit_is_an_error_with_its_line() -> None:
    lines = [" " * depth + f"k{depth}:" for depth in range(60)]
    error = parse_error("\n".join(lines) + " end\n")
    # The mapping on line 1 is the first level; the one that starts on line 51, the 51st.
    assert (error.line, str(error), error.hint) == (51, DEPTH_LIMIT, "flatten the structure")


def test_nesting_is_read_up_to_the_limit_and_refused_beyond() -> None:
    # The file's mapping and 49 lists inside it: 50 levels.
    data = yamlfile.parse("a: " + "[" * 49 + "x" + "]" * 49 + "\n")
    for _ in range(49):
        data = data[0] if isinstance(data, list) else data["a"]
    assert data == ["x"]
    error = parse_error("a: " + "[" * 50 + "x" + "]" * 50 + "\n")
    assert (error.line, str(error)) == (1, DEPTH_LIMIT)


def test_nesting_through_an_alias_counts_the_levels_it_brings() -> None:
    deep = "a: &a " + "[" * 40 + "]" * 40 + "\n"
    error = parse_error(deep + "b: " + "[" * 11 + "*a" + "]" * 11 + "\n")
    assert (error.line, str(error)) == (2, DEPTH_LIMIT)


def test_nesting_beyond_what_the_parser_allows_is_the_same_error() -> None:
    error = parse_error("title: T\nx: " + "[" * 5000 + "\n")
    assert (error.line, str(error)) == (2, DEPTH_LIMIT)


def test_check_refuses_an_alias_bomb_in_front_matter_in_a_few_words(
    project: Callable[..., Path],
) -> None:
    # Six levels (531,441 values) keep the old behaviour quick to fail; nine were 2.8 GB of text.
    front = ["---", "title: Q?", "summary: S.", "marking: TLP:CLEAR", *alias_bomb(6), "tags: *f"]
    root = project({"sources/demo/intro.md": "\n".join([*front, "---", "Body.", ""])})
    result = run(root, "check")
    assert len(result.output) < 400, len(result.output)
    expect_error(result, f"sources/demo/intro.md:8: {ALIAS_LIMIT} ({ALIAS_HINT})")


def test_check_refuses_deep_nesting_in_front_matter(project: Callable[..., Path]) -> None:
    front = "---\ntitle: Q?\nsummary: S.\ntags: " + "[" * 300 + "]" * 300 + "\n---\nBody.\n"
    result = run(project({"sources/demo/intro.md": front}), "check")
    expect_error(result, f"sources/demo/intro.md:4: {DEPTH_LIMIT} (flatten the structure)")


def test_brackets_nested_past_the_limit_are_refused_before_pandoc_reads_them(
    project: Callable[..., Path],
) -> None:
    # Sixteen levels take pandoc minutes; the check answers at once, naming the line.
    body = "A first line.\n\n" + "[" * 16 + "x" + "]{.a}" * 16 + "\n"
    front = "---\ntitle: Q?\nsummary: S.\nmarking: TLP:CLEAR\n---\n"
    root = project({"sources/demo/intro.md": front + body})
    expect_error(
        run(root, "check"),
        "sources/demo/intro.md:8: in the text, square brackets nest 16 deep; briefwright reads at "
        "most 8",
    )
    # A link in a span in a link, and bracketed prose, are far inside the limit.
    nested = "See [the [plan [text](https://example.org)]{.note}] and [a] [b].\n"
    result = run(project({"sources/demo/intro.md": front + nested}), "build", "-f", "html")
    assert result.exit_code == 0, result.output


def test_brackets_nested_past_the_limit_in_a_bibliography_are_refused(
    project: Callable[..., Path],
) -> None:
    title = "[" * 12 + "x" + "]" * 12
    bibliography = f"references:\n  - id: deep\n    type: book\n    title: '{title}'\n"
    root = project({"sources/demo/references.yaml": bibliography})
    expect_error(
        run(root, "check"),
        "sources/demo/references.yaml:4: square brackets nest 12 deep; briefwright reads at most 8",
    )
