"""Selection: who receives what, the roll-up marking, and release errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from briefwright import tree
from briefwright.errors import ReleaseError
from briefwright.load import load_project
from briefwright.select import plan, plan_or_raise

from .conftest import BRIEF, section


def editions(root: Path) -> dict[str, object]:
    return {e.audience.name: e for e in plan_or_raise(load_project(root))}


def test_sections_above_clearance_are_withheld_from_the_general_list(
    project: Callable[..., Path],
) -> None:
    public = editions(project())["public"]
    assert [s.id for s in public.sections] == ["intro"]  # type: ignore[attr-defined]
    assert public.withheld == ("judgement",)  # type: ignore[attr-defined]
    assert public.marking.label == "TLP:CLEAR"  # type: ignore[attr-defined]


def test_marking_rolls_up_to_the_highest_received(project: Callable[..., Path]) -> None:
    found = editions(project())
    assert found["analyst"].marking.label == "TLP:AMBER"  # type: ignore[attr-defined]
    assert found["executive"].marking.label == "TLP:AMBER"  # type: ignore[attr-defined]


def test_audience_passages_reach_only_their_audience(project: Callable[..., Path]) -> None:
    found = editions(project())
    analyst = tree.stringify(found["analyst"].sections[0].body)  # type: ignore[attr-defined]
    public = tree.stringify(found["public"].sections[0].body)  # type: ignore[attr-defined]
    assert "Analyst-only advice" in analyst
    assert "Analyst-only advice" not in public and "Plain public text" in public


def test_summary_depth_carries_no_body(project: Callable[..., Path]) -> None:
    executive = editions(project())["executive"]
    assert all(s.body == [] for s in executive.sections)  # type: ignore[attr-defined]


def test_passage_markings_roll_up_after_filtering(project: Callable[..., Path]) -> None:
    body = 'Open.\n\n::: {marking="TLP:AMBER+STRICT"}\nStrict passage.\n:::\n'
    root = project(
        {
            "briefs/demo.yaml": BRIEF.replace("[intro, judgement]", "[intro]"),
            "sources/demo/intro.md": section("Q?", "S.", body, marking="TLP:CLEAR"),
        }
    )
    found = editions(root)
    assert found["analyst"].marking.label == "TLP:AMBER+STRICT"  # type: ignore[attr-defined]
    assert found["public"].marking.label == "TLP:CLEAR"  # type: ignore[attr-defined]
    assert found["public"].withheld_passages == 1  # type: ignore[attr-defined]
    assert "Strict passage" not in tree.stringify(found["public"].sections[0].body)  # type: ignore[attr-defined]
    assert found["analyst"].sections[0].highest.label == "TLP:AMBER+STRICT"  # type: ignore[attr-defined]
    assert found["analyst"].sections[0].marking.label == "TLP:CLEAR"  # type: ignore[attr-defined]


def test_explicit_request_above_clearance_is_an_error(project: Callable[..., Path]) -> None:
    root = project(
        {
            "briefs/demo.yaml": BRIEF.replace(
                "  public: {}", "  public:\n    sections: [intro, judgement]"
            )
        }
    )
    with pytest.raises(ReleaseError) as caught:
        plan_or_raise(load_project(root))
    message = caught.value.message
    assert "section 'judgement' is marked TLP:AMBER" in message
    assert "audience 'public' is cleared only to TLP:CLEAR" in message


def test_an_audience_left_with_nothing_is_an_error(project: Callable[..., Path]) -> None:
    root = project({"briefs/demo.yaml": BRIEF.replace("[intro, judgement]", "[judgement]")})
    _, problems = plan(load_project(root))
    assert ["receives no section" in p.message for p in problems.errors] == [True]
