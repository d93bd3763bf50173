from __future__ import annotations

from briefwright.markings import TLP


def test_tlp_levels_are_ordered_lowest_first() -> None:
    assert TLP.labels == ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"]
    ranks = [TLP.get(label).rank for label in TLP.labels]  # type: ignore[union-attr]
    assert ranks == sorted(ranks)


def test_tlp_release_rules_follow_the_protocol() -> None:
    release = {level.label: level.release for level in TLP.levels}
    assert release == {
        "TLP:CLEAR": "anyone",
        "TLP:GREEN": "partners",
        "TLP:AMBER": "partners",
        "TLP:AMBER+STRICT": "organisation",
        "TLP:RED": "named",
    }


def test_highest_picks_the_top_rank_and_unknown_labels_are_none() -> None:
    levels = [TLP.get("TLP:GREEN"), TLP.get("TLP:AMBER+STRICT"), TLP.get("TLP:CLEAR")]
    assert TLP.highest(levels).label == "TLP:AMBER+STRICT"  # type: ignore[arg-type,union-attr]
    assert TLP.get("TLP:PURPLE") is None
    assert TLP.get("TLP:AMBER+STRICT").slug == "tlp-amber-strict"  # type: ignore[union-attr]
