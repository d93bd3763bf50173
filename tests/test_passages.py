from __future__ import annotations

import pytest

from briefwright import passages

BODY = """\
Open text.[^1]

::: {marking="TLP:AMBER"}
Secret assessment.

::: {audience="analyst public"}
Nested advice.
:::
:::

```
::: {marking="TLP:RED"}
not a fence: inside code
```

[^1]: A note.
"""


def test_parse_finds_nested_divs_with_their_lines() -> None:
    blocks = passages.parse(BODY, first_line=10)
    divs = passages.walk(blocks)
    assert [(d.line, d.attrs) for d in divs] == [
        (12, {"marking": "TLP:AMBER"}),
        (15, {"audience": "analyst public"}),
    ]
    assert divs[1].audiences == ("analyst", "public")


def test_render_drops_refused_divs_and_their_children() -> None:
    blocks = passages.parse(BODY, 1)
    text = passages.render(blocks, lambda div: "marking" not in div.attrs, "sec")
    assert "Secret assessment" not in text
    assert "Nested advice" not in text
    assert "not a fence: inside code" in text  # code is text, never a passage


def test_render_keeps_passages_without_their_restricting_attributes() -> None:
    blocks = passages.parse(BODY, 1)
    text = passages.render(blocks, lambda div: True, "sec")
    outside_code = text.split("```")[0]
    assert "{marking=" not in outside_code
    assert "audience=" not in outside_code
    assert '{.passage data-marking="TLP:AMBER" custom-style="Passage"}' in text
    assert "[^sec-1]" in text and "[^sec-1]: A note." in text


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ('::: {marking="TLP:AMBER"}\nNever closed.\n', 1, "never closed"),
        ("Text.\n\n:::\n", 3, "without an opening fence"),
    ],
)
def test_broken_fences_are_reported_with_their_line(body: str, line: int, message: str) -> None:
    with pytest.raises(passages.PassageSyntaxError) as caught:
        passages.parse(body, 1)
    assert caught.value.line == line
    assert message in str(caught.value)
