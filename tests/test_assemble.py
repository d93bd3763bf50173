"""Assembly: layouts arrange the edition; pandoc's trees of the sources fill their slots."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from briefwright import tree
from briefwright.assemble import assemble, context, fill
from briefwright.errors import BuildError
from briefwright.load import load_project
from briefwright.render import pandoc
from briefwright.select import plan_or_raise

from .conftest import section


def edition(root: Path, audience: str):  # type: ignore[no-untyped-def]
    return next(e for e in plan_or_raise(load_project(root)) if e.audience.name == audience)


def filled(root: Path, audience: str) -> tree.Node:
    assembled = assemble(edition(root, audience))
    doc = pandoc.read([assembled.markdown], "a test")[0]
    assert not isinstance(doc, str)
    fill(doc, assembled, "test")
    return doc


def test_full_layout_numbers_sections_and_lists_key_points(
    project: Callable[..., Path],
) -> None:
    text = assemble(edition(project(), "analyst")).markdown
    assert '# [1]{.secno} []{bw-slot="' in text and "{ #sec-intro}" in text
    headings = [
        tree.stringify(node["c"][2])
        for node in tree.nodes(filled(project(), "analyst")["blocks"])
        if node["t"] == "Header"
    ]
    assert "1 What is this?" in headings and "2 What do we judge?" in headings
    assert headings[0] == "Key points"  # the default summary_heading


def test_one_pager_leads_with_the_bottom_line(project: Callable[..., Path]) -> None:
    text = tree.stringify(filled(project(), "executive")["blocks"])
    assert text.index("Bottom line. An introduction") < text.index("Key points")
    assert "Plain public text" not in text  # summaries only


def test_source_text_is_never_a_template_nor_markdown_of_the_layout(
    project: Callable[..., Path],
) -> None:
    root = project(
        {
            "sources/demo/intro.md": section(
                "Is {{ 7*7 }} evaluated?",
                "'{% raw %} no {{ brief }}'",
                "Body {{ 7*7 }} {# x #}\n\n::: {.contents}\n:::\n\n</div>\n",
                marking="TLP:CLEAR",
            ),
        }
    )
    assembled = assemble(edition(root, "analyst"))
    assert "7*7" not in assembled.markdown  # the layout's Markdown holds no source text
    text = tree.stringify(filled(root, "analyst")["blocks"])
    assert "Is {{ 7*7 }} evaluated?" in text
    assert "{% raw %} no {{ brief }}" in text
    assert "Body {{ 7*7 }} {# x #}" in text
    assert "49" not in text


def test_the_context_is_plain_data(project: Callable[..., Path]) -> None:
    names = context(edition(project(), "analyst"))
    assert json.loads(json.dumps(names, default=str))  # nothing but data
    assert "path" not in names["brief"] and "root" not in names["edition"]


def test_template_error_names_the_template_file_and_line(project: Callable[..., Path]) -> None:
    root = project({"templates/full/document.md.j2": "# Title\n\n{{ no_such_name }}\n"})
    with pytest.raises(BuildError) as caught:
        assemble(edition(root, "analyst"))
    assert "templates/full/document.md.j2:3:" in caught.value.message


def test_template_syntax_error_names_the_file_and_line(project: Callable[..., Path]) -> None:
    root = project({"templates/full/document.md.j2": "ok\n{% for x in %}\n"})
    with pytest.raises(BuildError) as caught:
        assemble(edition(root, "analyst"))
    assert "templates/full/document.md.j2:2: template error" in caught.value.message


def test_a_slot_where_pandoc_cannot_hold_text_is_an_error(project: Callable[..., Path]) -> None:
    layout = "{% for s in sections %}`{{ s.title }}`\n\n{% endfor %}"
    root = project({"templates/full/document.md.j2": layout})
    with pytest.raises(BuildError) as caught:
        filled(root, "analyst")
    assert "where pandoc cannot hold text" in caught.value.message
