"""Golden files: the sample's assembled Markdown and HTML, reviewed in diffs.

After an intended change to layouts or sample content, regenerate them with
``make golden`` and review ``git diff tests/golden``.
"""

from __future__ import annotations

import os

import pytest

from .conftest import REPO, Built

GOLDEN = REPO / "tests" / "golden"
UPDATE = os.environ.get("BRIEFWRIGHT_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("audience", ["executive", "analyst", "public"])
@pytest.mark.parametrize("ext", ["md", "html"])
def test_output_matches_golden(sample: Built, audience: str, ext: str) -> None:
    actual = sample.path(audience, ext).read_text("utf-8")
    golden = GOLDEN / f"ukraine-security-guarantees-{audience}.{ext}"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, "utf-8")
    assert golden.is_file(), f"{golden} is missing; run 'make golden'"
    assert actual == golden.read_text("utf-8"), (
        f"{golden.name} changed; if intended, run 'make golden' and review the diff"
    )
