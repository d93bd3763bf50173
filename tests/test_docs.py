"""The README documents every key the file schemas accept, so docs and code cannot drift."""

from __future__ import annotations

import re

import pytest

from briefwright import schema
from briefwright.distribution import DistributionFile
from briefwright.models import (
    AudienceFile,
    BriefAudience,
    BriefFile,
    MarkingLevelFile,
    MarkingsFile,
    SectionFile,
)

from .conftest import REPO

README = (REPO / "README.md").read_text("utf-8")


def documented_keys(heading: str) -> set[str]:
    """Return the keys in the first table after the README heading that starts with ``heading``."""
    start = README.index(heading)
    table = README[start:].split("\n| Key |", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^\| `([\w\[\].]+)` \|", table, flags=re.M))


@pytest.mark.parametrize(
    ("heading", "models", "prefix"),
    [
        ("## Writing a section", [SectionFile], ""),
        ("## Describing a brief", [BriefFile], ""),
        ("## Audiences", [AudienceFile], ""),
        ("## Markings", [MarkingsFile], ""),
        ("## Markings", [MarkingLevelFile], "levels[]."),
        ("## Email", [DistributionFile], ""),
    ],
)
def test_every_schema_key_is_in_the_readme(
    heading: str, models: list[type[schema.Schema]], prefix: str
) -> None:
    keys = {prefix + name for model in models for name in schema.keys(model)}
    assert keys <= documented_keys(heading)


def test_brief_audience_entries_are_documented() -> None:
    # A brief's audience entry takes the audience keys plus its own section list.
    extra = set(schema.keys(BriefAudience)) - set(schema.keys(AudienceFile))
    assert extra == {"sections"}
    assert "give `sections`, its own list and order" in README


def test_readme_opens_with_the_two_commands() -> None:
    opening = README[:1500]
    assert "make brief" in opening and "make test" in opening


def test_every_guarantee_names_a_test_that_exists() -> None:
    table = README.split("## What briefwright guarantees", 1)[1].split("\n\n")[2]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) >= 15
    for row in rows:
        proof = row.rsplit("|", 2)[1]
        current = None
        names = re.findall(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`", proof)
        assert names, row
        for path, function in names:
            current = path or current
            assert current is not None, row
            source = (REPO / current).read_text("utf-8")
            if function:
                assert f"def {function}(" in source, f"{current}::{function} does not exist"
