"""Building or checking one brief reads what it uses; a fault elsewhere is a warning, not a stop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from briefwright.load import load_project, load_with_problems

from .conftest import AUDIENCES, BRIEF, expect_error, run, section

OTHER = BRIEF.replace("collection: demo", "collection: other").replace(
    "title: Test Brief", "title: Another Brief"
)
HEALTHY_OTHER = {
    "briefs/other.yaml": OTHER,
    "sources/other/intro.md": section("Q?", "S.", marking="TLP:CLEAR"),
    "sources/other/judgement.md": section("Q?", "S.", marking="TLP:CLEAR"),
}
BROKEN_SECTION = "---\ntitle: [Unclosed\nsummary: S.\n---\nText.\n"


def test_a_broken_section_of_another_brief_leaves_this_one_buildable(
    project: Callable[..., Path],
) -> None:
    root = project({**HEALTHY_OTHER, "sources/other/judgement.md": BROKEN_SECTION})
    built = run(root, "build", "demo", "-a", "public", "-f", "html")
    assert built.exit_code == 0, built.output
    assert (root / "build" / "demo" / "public" / "demo-public.html").is_file()
    checked = run(root, "check", "demo")
    assert checked.exit_code == 0, checked.output
    assert "No errors: 0 error(s), 0 warning(s) in 1 brief(s)." in checked.output
    # Everything at once still stops on it, and builds nothing.
    for command in ("build", "check"):
        expect_error(run(root, command), "error: sources/other/judgement.md:2: invalid YAML")
    assert not (root / "build" / "other").exists()


def test_a_fault_in_another_brief_file_is_a_warning_naming_that_brief(
    project: Callable[..., Path],
) -> None:
    root = project({**HEALTHY_OTHER, "briefs/other.yaml": OTHER + "colour: blue\n"})
    warning = (
        "warning: briefs/other.yaml:11: brief 'other', not built now: unknown key 'colour' "
        "(check the spelling; README.md lists every key)"
    )
    for args in (("check", "demo"), ("check", "demo", "--strict")):
        result = run(root, *args)
        assert result.exit_code == 0, result.output
        assert warning in result.output
        assert "No errors: 0 error(s), 1 warning(s) in 1 brief(s)." in result.output
    built = run(root, "build", "demo", "-a", "public", "-f", "html")
    assert built.exit_code == 0, built.output
    assert warning in built.output
    expect_error(
        run(root, "build"),
        "error: briefs/other.yaml:11: unknown key 'colour' (check the spelling; README.md lists "
        "every key)",
    )


def test_a_partial_load_reads_no_other_collection(project: Callable[..., Path]) -> None:
    root = project(HEALTHY_OTHER)
    loaded = load_project(root, briefs=["demo"])
    assert set(loaded.briefs) == {"demo"}
    assert set(loaded.collections) == {"demo"}
    assert set(loaded.elsewhere) == {"other"}  # known by name, never built


def test_what_guards_markings_is_checked_whole_in_a_partial_load(
    project: Callable[..., Path],
) -> None:
    faults = {
        # The marking scheme.
        "briefs/markings.yaml": (
            {"briefs/markings.yaml": "levels:\n  - label: OPEN\n    release: everyone\n"},
            "error: briefs/markings.yaml:3: 'levels.0.release' must be one of anyone, partners, "
            "organisation, named (found 'everyone')",
        ),
        # An audience the brief does not use.
        "audiences.yaml": (
            {
                "briefs/audiences.yaml": AUDIENCES
                + "press:\n  label: Press\n  layout: full\n  clearance: TLP:PINK\n"
            },
            "error: briefs/audiences.yaml:20: marking 'TLP:PINK' is not in the TLP 2.0 scheme",
        ),
        # A section of the brief's collection that the brief does not use.
        "collection": (
            {"sources/demo/unused.md": section("Q?", "S.", marking="TLP:PURPLE")},
            "error: sources/demo/unused.md:4: marking 'TLP:PURPLE' is not in the TLP 2.0 scheme",
        ),
    }
    for files, message in faults.values():
        root = project({**HEALTHY_OTHER, **files})
        for command in ("build", "check"):
            expect_error(run(root, command, "demo"), message)
        assert not (root / "build" / "demo").exists()


def test_a_section_another_brief_uses_is_not_called_unused(project: Callable[..., Path]) -> None:
    shared = OTHER.replace("collection: other", "collection: demo").replace(
        "[intro, judgement]", "[intro, extra]"
    )
    root = project(
        {
            "briefs/other.yaml": shared,
            "sources/demo/extra.md": section("Q?", "S.", marking="TLP:CLEAR"),
        }
    )
    _, problems = load_with_problems(root, briefs=["demo"])
    assert not problems.items
    checked = run(root, "check", "demo")
    assert checked.exit_code == 0, checked.output
    assert "no brief uses" not in checked.output


def test_a_distribution_list_for_another_brief_is_not_a_fault(
    project: Callable[..., Path],
) -> None:
    distribution = (
        "sender: Unit <unit@example.org>\norganisation_domains: [example.org]\n"
        "lists:\n  other/public: [press@example.org]\n"
    )
    root = project({**HEALTHY_OTHER, "briefs/distribution.yaml": distribution})
    checked = run(root, "check", "demo")
    assert checked.exit_code == 0, checked.output
    (root / "briefs" / "other.yaml").unlink()
    expect_error(
        run(root, "check", "demo"),
        "error: briefs/distribution.yaml:4: list 'other/public': there is no brief 'other'",
    )
