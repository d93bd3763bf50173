"""What a user is told: each message word for word, with its file, line and exit status."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import AUDIENCES, BRIEF, expect_error, run, section

PARLIAMENT = "parliament:\n  label: Members of Parliament\n  layout: full\n  clearance: TLP:GREEN\n"


def lines(output: str, start: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(start)]


# --- content: exit status 1, file and line ------------------------------------------------


def test_a_bad_clearance_is_reported_once_with_its_line(project: Callable[..., Path]) -> None:
    root = project(
        {
            "briefs/audiences.yaml": AUDIENCES.replace(
                "  clearance: TLP:CLEAR\n", "  clearance: TLP:CLAER\n"
            ),
            "briefs/other.yaml": BRIEF,  # a second brief for the same audience
        }
    )
    wanted = (
        "error: briefs/audiences.yaml:16: marking 'TLP:CLAER' is not in the TLP 2.0 scheme "
        "(did you mean 'TLP:CLEAR'? expected one of TLP:CLEAR, TLP:GREEN, TLP:AMBER, "
        "TLP:AMBER+STRICT, TLP:RED, or define a scheme in briefs/markings.yaml)"
    )
    for command in ("check", "build"):
        result = run(root, command)
        expect_error(result, wanted, "1 problem found")
        assert result.output.count("TLP:CLAER") == 1, result.output


def test_a_missing_layout_is_reported_once(project: Callable[..., Path]) -> None:
    root = project(
        {
            "briefs/audiences.yaml": AUDIENCES.replace("layout: one-pager", "layout: onepager"),
            "briefs/other.yaml": BRIEF,
        }
    )
    result = run(root, "check")
    expect_error(
        result,
        "error: briefs/audiences.yaml:3: audience 'executive': layout 'onepager' does not exist "
        "(did you mean 'one-pager' or 'two-pager'? expected one of full, one-pager, two-pager)",
        "1 problem found",
    )
    assert result.output.count("'onepager'") == 1


def test_a_review_date_in_the_future_is_an_error_with_its_line(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01
    root = project(
        {"sources/demo/intro.md": section("Q?", "S.", marking="TLP:CLEAR", reviewed="2062-11-20")}
    )
    expect_error(
        run(root, "check"),
        "error: sources/demo/intro.md:5: 'reviewed' is 2062-11-20, a date in the future "
        "(today is 2026-12-01) (write the date of the last review, as YYYY-MM-DD)",
    )


def test_a_stale_review_names_its_line(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")
    root = project(
        {"sources/demo/intro.md": section("Q?", "S.", marking="TLP:CLEAR", reviewed="2025-01-01")}
    )
    result = run(root, "check")
    assert result.exit_code == 0, result.output
    assert (
        "warning: sources/demo/intro.md:5: last reviewed 2025-01-01, 699 days ago (stale after "
        "180) (review it and update 'reviewed:')"
    ) in result.output


def test_a_section_above_clearance_names_its_line_and_never_advises_raising_it(
    project: Callable[..., Path],
) -> None:
    root = project(
        {"briefs/demo.yaml": BRIEF.replace("  public: {}", "  public:\n    sections: [judgement]")}
    )
    for command in ("check", "build"):
        result = run(root, command)
        expect_error(
            result,
            "error: briefs/demo.yaml:11: section 'judgement' is marked TLP:AMBER but audience "
            "'public' is cleared only to TLP:CLEAR (remove 'judgement' from "
            "audiences.public.sections; or, if only part of it is TLP:AMBER, give the section a "
            "lower 'marking:' and put that part in a passage ::: {marking=\"TLP:AMBER\"} in "
            "sources/demo/judgement.md)",
        )
        assert "raise" not in result.output


def test_a_word_budget_set_in_the_brief_stops_check_and_build_naming_the_line(
    project: Callable[..., Path],
) -> None:
    root = project(
        {
            "briefs/demo.yaml": BRIEF.replace("  analyst: {}", "  analyst:\n    max_words: 5"),
            "sources/demo/intro.md": section("Q?", "S.", "word " * 10, marking="TLP:CLEAR"),
        }
    )
    said = (
        "error: briefs/demo.yaml:10: brief 'demo': the analyst edition has 23 words; its budget "
        "is 5 (over by 18) (longest sections: judgement (12), intro (11); shorten them, or drop "
        "one from the audience's sections)"
    )
    expect_error(run(root, "check"), said)
    # The build stops on it too, in the same words, and builds nothing.
    expect_error(run(root, "build"), said)
    assert not (root / "build" / "demo").exists()
    rough = run(root, "build", "--rough")
    assert rough.exit_code == 0, rough.output
    assert "the analyst edition has 23 words" in rough.output
    assert (root / "build/demo/analyst/rough/demo-analyst-rough.html").is_file()


def test_the_brief_count_includes_a_brief_that_did_not_load(
    project: Callable[..., Path],
) -> None:
    root = project({"briefs/demo.yaml": BRIEF + "colour: blue\n"})
    expect_error(
        run(root, "check"),
        "error: briefs/demo.yaml:11: unknown key 'colour' (check the spelling; README.md lists "
        "every key)",
        "1 problem found: 1 error(s), 0 warning(s) in 1 brief(s).",
    )


def test_check_and_build_word_the_same_problem_the_same_way(
    project: Callable[..., Path],
) -> None:
    intro = section("Q?", "S.", "A <b>bold</b> claim.", marking="TLP:CLEAR")
    root = project({"briefs/demo.yaml": BRIEF + "colour: blue\n", "sources/demo/intro.md": intro})
    error = (
        "error: briefs/demo.yaml:11: unknown key 'colour' (check the spelling; README.md "
        "lists every key)"
    )
    checked, built = run(root, "check"), run(root, "build")
    assert lines(checked.output, "error: ") == lines(built.output, "error: ") == [error]
    fixed = project({"sources/demo/intro.md": intro})
    warning = (
        "warning: sources/demo/intro.md:6: removed raw HTML (<b>) (sources may not carry raw "
        "markup or script links)"
    )
    checked, built = run(fixed, "check"), run(fixed, "build", "-a", "public", "-f", "html")
    assert checked.exit_code == built.exit_code == 0, built.output
    assert warning in lines(checked.output, "warning: ")
    assert warning in lines(built.output, "warning: ")


def test_a_summary_over_budget_says_a_rough_page_can_be_built(
    project: Callable[..., Path],
) -> None:
    root = project({"sources/demo/intro.md": section("Q?", "word " * 61, marking="TLP:CLEAR")})
    expect_error(
        run(root, "build", "-f", "html"),
        "error: sources/demo/intro.md:3: summary has 61 words; the limit is 60 (keep the bottom "
        "line to one or two sentences; meanwhile 'brief build --rough' makes a rough HTML page "
        "of it)",
        "1 problem found; nothing was built.",
    )


# --- the command line: exit status 2, and what was probably meant ----------------------------


def test_a_mistyped_brief_says_which_was_meant(project: Callable[..., Path]) -> None:
    root = project()
    for args in (("build", "dmeo"), ("check", "dmeo"), ("email", "dmeo", "-a", "public")):
        expect_error(
            run(root, *args),
            "Invalid value for BRIEF: no brief 'dmeo' in briefs/ (did you mean 'demo'? expected "
            "one of demo)",
            code=2,
        )


def test_a_library_of_briefs_is_not_listed_in_a_message(project: Callable[..., Path]) -> None:
    root = project({f"briefs/brief-{n:03}.yaml": BRIEF for n in range(100)})
    result = run(root, "build", "brief-0500")
    expect_error(
        result,
        "Invalid value for BRIEF: no brief 'brief-0500' in briefs/ (did you mean 'brief-050', "
        "'brief-000' or 'brief-095'? 'brief list' shows all 101 briefs)",
        code=2,
    )
    assert "brief-099" not in result.output


def test_a_mistyped_audience_says_which_was_meant(project: Callable[..., Path]) -> None:
    expect_error(
        run(project(), "build", "-a", "analsyt"),
        "Invalid value for '-a': no audience 'analsyt' (did you mean 'analyst'? expected one "
        "of analyst, executive, public)",
        code=2,
    )


def test_a_mistyped_format_says_which_was_meant(project: Callable[..., Path]) -> None:
    expect_error(
        run(project(), "build", "-f", "hmtl"),
        "Invalid value for '-f' / '--format': 'hmtl' is not one of 'pdf', 'docx', 'odt', 'html' "
        "(did you mean 'html'?)",
        code=2,
    )


def test_an_audience_the_brief_is_not_made_for_says_so(project: Callable[..., Path]) -> None:
    root = project({"briefs/audiences.yaml": AUDIENCES + PARLIAMENT})
    for args in (("build", "demo"), ("email", "demo"), ("preview", "demo")):
        expect_error(
            run(root, *args, "-a", "parliament"),
            "Invalid value for '-a': brief 'demo' is not made for audience 'parliament' (it is "
            "made for executive, analyst, public; to add it, write 'parliament: {}' under "
            "'audiences:' in briefs/demo.yaml)",
            code=2,
        )
    expect_error(
        run(root, "build", "-a", "parliament"),
        "Invalid value for '-a': no brief is made for audience 'parliament' "
        "(briefs/audiences.yaml defines it; add it under 'audiences:' in a brief)",
        code=2,
    )


def test_a_root_that_does_not_exist_is_a_command_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    expect_error(
        run(missing, "build"),
        f"Invalid value for '--root': {missing}: no such folder",
        code=2,
    )


def test_rough_pages_are_html_only(project: Callable[..., Path]) -> None:
    expect_error(
        run(project(), "build", "--rough", "-f", "pdf"),
        "Error: --rough builds an HTML page only; leave out -f and --pdf-variant",
        code=2,
    )


def test_a_mistyped_citation_says_which_was_meant(project: Callable[..., Path]) -> None:
    refs = "references:\n- id: nato-1949\n  title: The North Atlantic Treaty\n"
    body = "As agreed [@nato-1994]."
    root = project(
        {
            "sources/demo/intro.md": section("Q?", "S.", body, marking="TLP:CLEAR"),
            "sources/demo/references.yaml": refs,
        }
    )
    expect_error(
        run(root, "check"),
        "error: sources/demo/intro.md:6: citation '@nato-1994' is not in the bibliography (did "
        "you mean '@nato-1949'? add it to sources/demo/references.yaml, or write \\@nato-1994 "
        "if the @ does not start a citation)",
    )


def test_what_a_build_withholds_is_said_without_blaming_the_clearance_for_all(
    project: Callable[..., Path],
) -> None:
    result = run(project(), "build", "-a", "public", "-f", "html")
    assert result.exit_code == 0, result.output
    assert (
        "warning: briefs/demo.yaml: withheld from public: 1 section(s) (judgement) above "
        "TLP:CLEAR, and 1 passage(s) above it or kept for other audiences"
    ) in result.output
