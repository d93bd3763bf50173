"""Assembly: layouts write pandoc Markdown; source text stays data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from briefwright.assemble import assemble
from briefwright.errors import BuildError
from briefwright.load import load_project
from briefwright.select import plan_or_raise

from .conftest import section


def edition(root: Path, audience: str):  # type: ignore[no-untyped-def]
    return next(e for e in plan_or_raise(load_project(root)) if e.audience.name == audience)


def test_full_layout_numbers_sections_and_lists_key_judgements(
    project: Callable[..., Path],
) -> None:
    text = assemble(edition(project(), "analyst"))
    assert "# Key judgements" in text
    assert "# [1]{.secno} What is this? { #sec-intro}" in text
    assert "# [2]{.secno} What do we judge? { #sec-judgement}" in text


def test_one_pager_leads_with_the_bottom_line(project: Callable[..., Path]) -> None:
    text = assemble(edition(project(), "executive"))
    assert text.index("**Bottom line.** An introduction") < text.index("# Key points")
    assert "Plain public text" not in text  # summaries only


def test_source_text_is_never_a_template(project: Callable[..., Path]) -> None:
    root = project(
        {
            "sources/demo/intro.md": section(
                "Is {{ 7*7 }} evaluated?",
                "'{% raw %} no {{ brief }}'",
                "Body {{ 7*7 }} {# x #}",
                marking="TLP:CLEAR",
            ),
        }
    )
    text = assemble(edition(root, "analyst"))
    assert "Is {{ 7*7 }} evaluated?" in text
    assert "{% raw %} no {{ brief }}" in text
    assert "Body {{ 7*7 }} {# x #}" in text
    assert "49" not in text


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
