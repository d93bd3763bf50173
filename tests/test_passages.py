"""Passages on pandoc's tree: what restricts, what looks as if it does, and cutting."""

from __future__ import annotations

from typing import Any

import pytest

from briefwright import passages, tree
from briefwright.render import pandoc

BODY = """\
Open text.[^1]

::: {marking="TLP:AMBER"}
Secret assessment.

::: {audience="analyst public"}
Nested advice.
:::
:::

```
not a fence: inside code
```

A [span]{marking="TLP:RED"} inline.

[^1]: A note.
"""


def read(text: str) -> list[Any]:
    reply = pandoc.read([text], "a test")[0]
    assert not isinstance(reply, str), reply
    return reply["blocks"]  # type: ignore[no-any-return]


def test_passages_are_the_divs_and_spans_pandoc_reads_with_a_restriction() -> None:
    found = passages.passages(read(BODY))
    assert found == [
        passages.Passage("Div", "TLP:AMBER", None),
        passages.Passage("Div", None, ("analyst", "public")),
        passages.Passage("Span", "TLP:RED", None),
    ]
    assert passages.check(read(BODY)) == []


def test_cut_drops_refused_passages_with_everything_inside() -> None:
    blocks = read(BODY)
    result = passages.cut(blocks, lambda p: p.marking is None)
    text = tree.stringify(result.blocks)
    assert "Secret assessment" not in text and "Nested advice" not in text
    assert "span" not in text
    assert "not a fence: inside code" in text  # code is text, never a passage
    assert result.withheld == 2  # the outer div and the span; the nested div went with its parent


def test_kept_passages_lose_their_restricting_attributes() -> None:
    result = passages.cut(read(BODY), lambda p: True)
    assert result.markings == ["TLP:AMBER", "TLP:RED"]
    shown = [tree.attr(n) for n in tree.nodes(result.blocks) if "passage" in tree.classes(n)]
    amber = [["data-marking", "TLP:AMBER"], ["custom-style", "Passage"]]
    assert shown == [
        ["", ["passage", "passage-marked"], amber],
        ["", ["passage", "passage-audience"], [["custom-style", "Audience Passage"]]],
        ["", ["passage", "passage-marked"], [["data-marking", "TLP:RED"]]],
    ]
    for _, (_, _, kv) in tree.attrs_anywhere(result.blocks):
        assert not {k for k, _ in kv} & set(passages.RESTRICTING)


@pytest.mark.parametrize(
    ("name", "like"),
    [
        ("MARKING", "marking"),
        ("Marking", "marking"),
        ("markings", "marking"),
        ("markng", "marking"),
        ("makring", "marking"),
        ("m\u0430rking", "marking"),  # Cyrillic a
        ("ｍａｒｋｉｎｇ", "marking"),  # full-width
        ("data-marking", "marking"),
        ("mark", "marking"),
        ("audiences", "audience"),
        ("Audience", "audience"),
        ("audence", "audience"),
        ("aud", "audience"),
        ("tlp", "tlp"),
        ("classification", "classification"),
    ],
)
def test_names_that_look_like_a_restriction(name: str, like: str) -> None:
    assert passages.resembles(name) == like


@pytest.mark.parametrize(
    "name", ["marking", "audience", "lang", "width", "markdown", "custom-style", "id", "note"]
)
def test_names_that_do_not(name: str) -> None:
    assert passages.resembles(name) is None


def test_an_html_div_or_span_with_a_restriction_is_a_passage_like_any_other() -> None:
    found = passages.passages(
        read('<div Marking="TLP:RED">\ntext\n</div>\n\n<span audience=a>x</span>\n')
    )
    assert found == [
        passages.Passage("Div", "TLP:RED", None),  # pandoc reads HTML names in lower case
        passages.Passage("Span", None, ("a",)),
    ]


def test_a_restriction_on_another_raw_html_tag_is_a_fault() -> None:
    faults = passages.check(read('<p data-Marking="TLP:RED">text</p>\n'))
    assert [f.needle for f in faults] == ["data-marking"]


def test_a_code_block_holding_a_passage_fence_is_a_fault() -> None:
    # As an indented block it is a passage shifted into code by four spaces.
    faults = passages.check(read('Text.\n\n    ::: {marking="TLP:RED"}\n    secret\n    :::\n'))
    assert [f.needle for f in faults] == ['::: {marking="TLP:RED"}']
