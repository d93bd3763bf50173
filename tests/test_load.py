"""Loading: every fault in the files is reported with its file, line and a fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from briefwright.errors import ConfigError
from briefwright.load import load_project, load_with_problems
from briefwright.roots import find_root

from .conftest import BRIEF, expect_error, run, section


def messages(root: Path) -> list[str]:
    _, problems = load_with_problems(root)
    return [str(p) for p in problems.errors]


def test_small_project_loads_into_typed_models(project: Callable[..., Path]) -> None:
    loaded = load_project(project())
    brief = loaded.briefs["demo"]
    assert brief.title == "Test Brief"
    assert brief.sections == ("intro", "judgement")
    assert brief.audiences["executive"].audience.max_pages == 1
    assert loaded.collections["demo"].sections["judgement"].marking.label == "TLP:AMBER"


def test_find_root_walks_up_from_a_subfolder(project: Callable[..., Path]) -> None:
    root = project()
    assert find_root(root / "sources" / "demo") == root.resolve()


def test_broken_yaml_names_file_and_line(project: Callable[..., Path]) -> None:
    root = project({"briefs/demo.yaml": "title: T\nsections: [a, b\ncollection: demo\n"})
    (found,) = messages(root)
    assert found.startswith("briefs/demo.yaml:")
    assert "invalid YAML" in found


def test_missing_required_field_is_named(project: Callable[..., Path]) -> None:
    root = project({"briefs/demo.yaml": BRIEF.replace("title: Test Brief\n", "")})
    assert messages(root) == ["briefs/demo.yaml:1: 'title' is required"]


def test_unknown_key_is_an_error_with_its_line(project: Callable[..., Path]) -> None:
    root = project({"briefs/demo.yaml": BRIEF + "colour: blue\n"})
    (found,) = messages(root)
    assert found.startswith("briefs/demo.yaml:11: unknown key 'colour'")


def test_unknown_section_id_suggests_the_closest(project: Callable[..., Path]) -> None:
    root = project({"briefs/demo.yaml": BRIEF.replace("[intro, judgement]", "[intro, judgment]")})
    (found,) = messages(root)
    assert "briefs/demo.yaml:6: section 'judgment' is not in sources/demo/" in found
    assert "did you mean 'judgement'?" in found


def test_unknown_audience_lists_the_defined_ones(project: Callable[..., Path]) -> None:
    root = project({"briefs/demo.yaml": BRIEF + "  minister: {}\n"})
    (found,) = messages(root)
    assert (
        "briefs/demo.yaml:11: audience 'minister' is not defined in briefs/audiences.yaml" in found
    )
    assert "analyst, executive, public" in found


def test_unknown_marking_lists_the_scheme(project: Callable[..., Path]) -> None:
    root = project({"sources/demo/intro.md": section("Q?", "S.", marking="TLP:PURPLE")})
    (found,) = messages(root)
    assert found.startswith("sources/demo/intro.md:4: marking 'TLP:PURPLE' is not in the TLP 2.0")
    assert "TLP:CLEAR, TLP:GREEN" in found


def test_unmarked_section_without_brief_default_fails_closed(project: Callable[..., Path]) -> None:
    root = project(
        {
            "briefs/demo.yaml": BRIEF.replace("marking: TLP:CLEAR\n", ""),
            "sources/demo/intro.md": section("Q?", "S."),
        }
    )
    (found,) = messages(root)
    assert "sources/demo/intro.md" in found and "has no marking" in found


def test_summary_over_sixty_words_is_an_error(project: Callable[..., Path]) -> None:
    root = project({"sources/demo/intro.md": section("Q?", "word " * 61, marking="TLP:CLEAR")})
    (found,) = messages(root)
    assert "summary has 61 words; the limit is 60" in found


def test_citation_missing_from_the_bibliography(project: Callable[..., Path]) -> None:
    root = project(
        {
            "sources/demo/intro.md": section(
                "Q?", "S.", "As agreed [@paris-2026].", marking="TLP:CLEAR"
            ),
            "sources/demo/references.yaml": "references:\n- id: other\n  title: X\n",
        }
    )
    (found,) = messages(root)
    assert found.startswith(
        "sources/demo/intro.md:6: citation '@paris-2026' is not in the bibliography"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\xff\xfe\x00t\x00i", "binary"),
        (b"---\ntitle: Q?\nsummary: caf\xe9\n---\nBody\n", "is not valid UTF-8"),
        (b"No front matter here.\n", "has no front matter"),
    ],
)
def test_unreadable_sources_get_a_clear_error(
    project: Callable[..., Path], content: bytes, message: str
) -> None:
    root = project({"sources/demo/intro.md": content})
    found = messages(root)
    assert any(message in m and m.startswith("sources/demo/intro.md") for m in found), found


def test_every_problem_is_reported_at_once(project: Callable[..., Path]) -> None:
    root = project(
        {
            "briefs/demo.yaml": BRIEF + "colour: blue\n",
            "sources/demo/intro.md": section("Q?", "S.", marking="TLP:PURPLE"),
        }
    )
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    assert len(caught.value.problems) == 2
    assert "2 problems found; nothing was built." in caught.value.message


def test_a_misspelt_key_gets_a_suggestion(project: Callable[..., Path]) -> None:
    root = project({"sources/demo/intro.md": "---\ntitle: Q?\nsumary: S.\n---\nText.\n"})
    assert "sources/demo/intro.md:3: unknown key 'sumary' (did you mean 'summary'?" in (
        " ".join(messages(root))
    )


def test_tlp_white_points_to_its_new_name(project: Callable[..., Path]) -> None:
    root = project({"sources/demo/intro.md": section("Q?", "S.", marking="TLP:WHITE")})
    (found,) = messages(root)
    assert "TLP:WHITE is called TLP:CLEAR since TLP 2.0" in found


def test_unclosed_front_matter_says_so(project: Callable[..., Path]) -> None:
    root = project({"sources/demo/intro.md": "---\ntitle: Q?\nsummary: S.\nText.\n"})
    (found,) = messages(root)
    assert found.startswith("sources/demo/intro.md:1: front matter is never closed")


def test_citations_without_any_bibliography_are_one_error(project: Callable[..., Path]) -> None:
    root = project(
        {
            "sources/demo/intro.md": section("Q?", "S.", "See [@a] and [@b].", marking="TLP:CLEAR"),
            "sources/demo/judgement.md": section("Q?", "S.", "See [@a].", marking="TLP:AMBER"),
        }
    )
    (found,) = messages(root)
    assert "sources/demo/: sections cite 2 work(s) (@a, @b) but the collection has no" in found


def test_a_broken_audience_is_reported_once(project: Callable[..., Path]) -> None:
    from .conftest import AUDIENCES

    root = project({"briefs/audiences.yaml": AUDIENCES.replace("  clearance: TLP:CLEAR\n", "")})
    assert messages(root) == ["briefs/audiences.yaml:13: 'clearance' is required"]


def test_a_section_with_old_mac_line_endings_loads(project: Callable[..., Path]) -> None:
    text = "---\rtitle: Q?\rsummary: S.\rmarking: TLP:CLEAR\r---\rBody line one.\rLine two.\r"
    loaded = load_project(project({"sources/demo/intro.md": text.encode()}))
    intro = loaded.collections["demo"].sections["intro"]
    assert (intro.title, intro.summary) == ("Q?", "S.")


def test_lines_are_counted_at_lone_carriage_returns_too(project: Callable[..., Path]) -> None:
    content = b"---\rtitle: Q?\rsummary: caf\xe9\r---\rBody\r"
    root = project({"sources/demo/intro.md": content})
    assert messages(root) == [
        "sources/demo/intro.md:3: is not valid UTF-8 (save the file with UTF-8 encoding)"
    ]


def test_a_date_that_does_not_exist_is_reported_as_a_date(project: Callable[..., Path]) -> None:
    intro = section("Q?", "S.", marking="TLP:CLEAR", reviewed="2026-13-45")
    result = run(project({"sources/demo/intro.md": intro}), "check")
    expect_error(
        result,
        "sources/demo/intro.md:5: 'reviewed': 2026-13-45 is not a real date"
        " (write dates as YYYY-MM-DD)",
    )
    assert "invalid YAML" not in result.output and "indentation" not in result.output


def test_a_tab_in_front_matter_indentation_is_named(project: Callable[..., Path]) -> None:
    intro = "---\ntitle: Q?\nsummary: S.\ntags:\n\t- history\nmarking: TLP:CLEAR\n---\nBody.\n"
    expect_error(
        run(project({"sources/demo/intro.md": intro}), "check"),
        "sources/demo/intro.md:5: invalid YAML: a tab character is used for indentation"
        " (replace the tab with spaces)",
    )


def test_a_colon_in_an_unquoted_title_says_to_quote_it(project: Callable[..., Path]) -> None:
    brief = BRIEF.replace("title: Test Brief", "title: Guarantees: what they mean")
    expect_error(
        run(project({"briefs/demo.yaml": brief}), "check"),
        "briefs/demo.yaml:1: invalid YAML: a value holds ': ' (a colon and a space)"
        ' (put the whole value in quotes: "...")',
    )


def test_a_long_marking_is_named_by_its_start_only(project: Callable[..., Path]) -> None:
    intro = section("Q?", "S.", marking="TLP:" + "X" * 5000)
    (found,) = messages(project({"sources/demo/intro.md": intro}))
    assert found.startswith("sources/demo/intro.md:4: marking 'TLP:" + "X" * 53 + "...' is not in")
    assert len(found) < 300
