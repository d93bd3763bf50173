"""brief check: each quality gate fires on a broken fixture, and the sample passes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .conftest import AUDIENCES, BRIEF, REPO, expect_error, run, section

REFS = "references:\n- id: used\n  title: Used\n- id: unused\n  title: Never cited\n"


def test_the_sample_has_no_errors(tmp_path: Path) -> None:
    import shutil

    for folder in ("briefs", "sources"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    result = run(tmp_path, "check")
    assert result.exit_code == 0, result.output
    assert "No errors: 0 error(s)" in result.output
    assert not (tmp_path / "build" / "ukraine-security-guarantees").exists()


def test_uncited_bibliography_entry_is_a_warning_with_its_line(
    project: Callable[..., Path],
) -> None:
    root = project(
        {
            "sources/demo/intro.md": section("Q?", "S.", "As agreed [@used].", marking="TLP:CLEAR"),
            "sources/demo/references.yaml": REFS,
        }
    )
    result = run(root, "check")
    assert result.exit_code == 0, result.output
    assert "warning: sources/demo/references.yaml:4: reference 'unused' is never cited" in (
        result.output
    )
    expect_error(run(root, "check", "--strict"), "1 problem found")


def test_missing_image_and_image_without_description_are_errors(
    project: Callable[..., Path],
) -> None:
    body = "![](chart.png)\n\n![A map](map.png)\n"
    root = project(
        {
            "sources/demo/intro.md": section("Q?", "S.", body, marking="TLP:CLEAR"),
            "sources/demo/chart.png": b"\x89PNG",
        }
    )
    expect_error(
        run(root, "check"),
        "sources/demo/intro.md:6: image 'chart.png' has no description (alt text)",
        "sources/demo/intro.md:8: image 'map.png' does not exist",
        "2 problems found",
    )


def test_section_used_by_no_brief_is_a_warning(project: Callable[..., Path]) -> None:
    root = project({"sources/demo/orphan.md": section("Q?", "S.", marking="TLP:CLEAR")})
    result = run(root, "check")
    assert result.exit_code == 0
    assert "warning: sources/demo/orphan.md: no brief uses this section" in result.output


def test_stale_review_is_a_warning(project: Callable[..., Path]) -> None:
    root = project(
        {"sources/demo/intro.md": section("Q?", "S.", marking="TLP:CLEAR", reviewed="2025-01-01")}
    )
    result = run(root, "check")
    assert "last reviewed 2025-01-01" in result.output and "stale after 180" in result.output
    assert "last reviewed" not in run(root, "check", "--max-age", "5000").output


def test_word_budget_names_the_longest_sections(project: Callable[..., Path]) -> None:
    audiences = AUDIENCES.replace(
        "  clearance: TLP:RED\n", "  clearance: TLP:RED\n  max_words: 20\n"
    )
    root = project(
        {
            "briefs/audiences.yaml": audiences,
            "sources/demo/intro.md": section("Q?", "S.", "word " * 40, marking="TLP:CLEAR"),
        }
    )
    expect_error(
        run(root, "check"),
        "briefs/audiences.yaml:12: brief 'demo': the analyst edition has 53 words; its budget "
        "is 20 (over by 33) (longest sections: intro (41), judgement (12); shorten them, or "
        "drop one from the audience's sections)",
    )


def test_reading_grade_warns_with_the_hardest_sections(project: Callable[..., Path]) -> None:
    hard = (
        "Notwithstanding multilateral institutional considerations, the operationalisation of "
        "interoperability commitments necessitates comprehensive intergovernmental "
        "coordination mechanisms encompassing constitutional ratification procedures."
    )
    audiences = AUDIENCES.replace(
        "  clearance: TLP:CLEAR\n", "  clearance: TLP:CLEAR\n  reading_grade: 10\n"
    )
    root = project(
        {
            "briefs/audiences.yaml": audiences,
            "sources/demo/intro.md": section("Q?", "We act.", hard, marking="TLP:CLEAR"),
        }
    )
    result = run(root, "check")
    assert result.exit_code == 0, result.output
    assert (
        "warning: briefs/audiences.yaml:17: brief 'demo': 1 section(s) of the public edition "
        "read above grade 10 (Flesch-Kincaid)"
    ) in result.output
    assert "hardest: intro (" in result.output


def test_page_budget_is_measured_on_the_rendered_pdf(project: Callable[..., Path]) -> None:
    long_summary = " ".join(["A long bottom line that goes on."] * 8)
    many = {
        f"sources/demo/s{n}.md": section(f"Question {n}?", long_summary, marking="TLP:CLEAR")
        for n in range(14)
    }
    brief = BRIEF.replace("[intro, judgement]", "[" + ", ".join(f"s{n}" for n in range(14)) + "]")
    root = project({**many, "briefs/demo.yaml": brief})
    said = (
        "briefs/audiences.yaml:5: brief 'demo': the executive edition runs to 2 pages; "
        "its limit is 1 (over by 1 page) (longest sections: "
    )
    expect_error(run(root, "check"), f"error: {said}")
    assert not (root / "build" / "demo").exists()
    # The build, which finds it on the PDF it lays out, says it in the same words.
    expect_error(run(root, "build", "-a", "executive"), f"demo-executive: {said}")


def test_json_report_for_ci(project: Callable[..., Path]) -> None:
    root = project({"sources/demo/orphan.md": section("Q?", "S.", marking="TLP:CLEAR")})
    result = run(root, "check", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True and report["errors"] == []
    assert report["warnings"][0]["path"] == "sources/demo/orphan.md"
    strict = run(root, "check", "--format", "json", "--strict")
    assert strict.exit_code == 1
    assert json.loads(strict.output)["ok"] is False


def test_a_citation_style_outside_the_project_is_refused(project: Callable[..., Path]) -> None:
    root = project({"briefs/demo.yaml": BRIEF + "csl: ../../style.csl\n"})
    expect_error(run(root, "check"), "briefs/demo.yaml:11: citation style '../../style.csl'")


def test_distribution_file_is_checked(project: Callable[..., Path]) -> None:
    root = project(
        {"briefs/distribution.yaml": "sender: Unit <unit@example.org>\nlists:\n  nobody: [x@]\n"}
    )
    result = run(root, "check")
    assert result.exit_code == 1
    assert "briefs/distribution.yaml:3" in result.output


def test_uncited_entry_in_a_json_bibliography_names_its_line(
    project: Callable[..., Path],
) -> None:
    refs = '[\n  {"id": "used", "title": "Used"},\n  {"id": "paid-report", "title": "Unused"}\n]\n'
    root = project(
        {
            "sources/demo/intro.md": section("Q?", "S.", "As agreed [@used].", marking="TLP:CLEAR"),
            "sources/demo/references.json": refs,
        }
    )
    result = run(root, "check")
    assert result.exit_code == 0, result.output
    assert "sources/demo/references.json:3: reference 'paid-report' is never cited" in result.output
    assert "'used'" not in result.output


def test_a_passage_no_edition_shows_is_a_warning(project: Callable[..., Path]) -> None:
    body = 'Text.\n\n::: {audience="parliament"}\nFor a committee no brief is made for.\n:::\n'
    audiences = AUDIENCES + "parliament:\n  label: MPs\n  layout: full\n  clearance: TLP:CLEAR\n"
    root = project(
        {
            "briefs/audiences.yaml": audiences,
            "sources/demo/intro.md": section("Q?", "S.", body, marking="TLP:CLEAR"),
        }
    )
    result = run(root, "check")
    assert result.exit_code == 0, result.output
    assert (
        "warning: sources/demo/intro.md:8: no edition of any brief shows this passage: it is for "
        "parliament, but only analyst, executive, public receive the section"
    ) in result.output
