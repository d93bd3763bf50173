"""What the command prints fits the terminal's width, and brief list has a JSON form."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from briefwright.cli import cli

from .conftest import BRIEF, section

LONG_ID = "ukraine-security-guarantees-after-paris"


def at(width: int, root: Path, *args: str) -> Result:
    """Run the command as on a terminal of ``width`` columns (COLUMNS, as shells set it)."""
    runner = CliRunner(env={"COLUMNS": str(width), "NO_COLOR": "1"})
    return runner.invoke(cli, ["--root", str(root), *args])


def longest(output: str) -> int:
    return max(len(line) for line in output.splitlines())


def library(project: Callable[..., Path]) -> Path:
    return project(
        {
            "briefs/demo.yaml": None,
            f"briefs/{LONG_ID}.yaml": BRIEF.replace(
                "title: Test Brief",
                "title: Binding Security Guarantees for Ukraine, and What Could Undo Them",
            ),
        }
    )


def test_an_80_column_build_fits_and_keeps_every_extension(
    project: Callable[..., Path],
) -> None:
    root = library(project)
    result = at(80, root, "build", "-j", "1", "-f", "pdf", "-f", "docx", "-f", "html")
    assert result.exit_code == 0, result.output
    assert longest(result.output) <= 80, result.output
    names = re.findall(r"^(\S+\.(?:pdf|docx|html))\s", result.output, re.M)
    assert len(names) == 9 and all("…" in name for name in names)  # cut in the middle
    assert {name.rsplit("-", 1)[-1] for name in names} == {
        f"{audience}.{ext}"
        for audience in ("executive", "analyst", "public")
        for ext in ("pdf", "docx", "html")
    }
    wide = at(160, root, "build", "-j", "1", "-f", "pdf", "-f", "docx", "-f", "html")
    assert f"{LONG_ID}-executive.docx" in wide.output  # the width it has, it uses


def test_80_column_checks_lists_and_errors_fit(project: Callable[..., Path]) -> None:
    root = library(project)
    pink = {"sources/demo/stale.md": section("Q?", "S.", marking="TLP:PINK")}
    results = [
        at(80, root, "list"),
        at(80, root, "check"),
        at(80, project(pink), "check"),
        at(80, root, "build", "-a", "parliament"),
        at(80, root, "build", LONG_ID, "-a", "executive", "-f", "hmtl"),
    ]
    for result in results:
        assert result.output.strip()
        assert longest(result.output) <= 80, result.output
    assert "marking 'TLP:PINK' is not in the TLP 2.0 scheme" in " ".join(results[2].output.split())


def test_list_in_json(project: Callable[..., Path]) -> None:
    result = CliRunner().invoke(cli, ["--root", str(project()), "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert listed["briefs"] == [
        {
            "id": "demo",
            "title": "Test Brief",
            "file": "briefs/demo.yaml",
            "collection": "demo",
            "sections": ["intro", "judgement"],
            "audiences": {"executive": None, "analyst": None, "public": None},
        }
    ]
    assert [a["name"] for a in listed["audiences"]] == ["executive", "analyst", "public"]
    assert listed["audiences"][0] == {
        "name": "executive",
        "label": "Ministers",
        "layout": "one-pager",
        "depth": "summary",
        "clearance": "TLP:AMBER",
        "max_pages": 1,
        "formats": ["pdf", "docx", "html"],
    }
    (collection,) = listed["collections"]
    assert collection["name"] == "demo" and collection["bibliography"] is None
    assert collection["sections"][1] == {
        "id": "judgement",
        "title": "What do we judge?",
        "file": "sources/demo/judgement.md",
        "marking": "TLP:AMBER",
        "reviewed": None,
    }
    assert listed["problems"] == 0
