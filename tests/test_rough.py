"""brief build --rough: an HTML page despite budgets, marked, built apart, never mailed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from briefwright import report
from briefwright.load import load_project
from briefwright.select import plan_or_raise

from .conftest import expect_error, run, section

LONG = section("What now?", "word " * 61, marking="TLP:CLEAR")
DISTRIBUTION = (
    "sender: Unit <unit@example.org>\norganisation_domains: [example.org]\n"
    "lists:\n  public: [press@example.org]\n"
)


def test_a_rough_page_is_built_despite_a_long_summary_and_marked(
    project: Callable[..., Path],
) -> None:
    root = project({"sources/demo/intro.md": LONG})
    expect_error(run(root, "build", "-a", "public"), "summary has 61 words; the limit is 60")
    result = run(root, "build", "-a", "public", "--rough")
    assert result.exit_code == 0, result.output
    assert (
        "warning: sources/demo/intro.md:3: summary has 61 words; the limit is 60 (a rough page "
        "allows it; an edition not)"
    ) in result.output
    assert "Rough pages are marked ROUGH DRAFT, and never released or emailed." in result.output
    folder = root / "build" / "demo" / "public" / "rough"
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "demo-public-rough.html",
        "demo-public-rough.md",
        "manifest.json",
    ]
    assert json.loads((folder / "manifest.json").read_text())["rough"] is True
    html = (folder / "demo-public-rough.html").read_text()
    assert "<title>TLP:CLEAR · ROUGH DRAFT · Test Brief</title>" in html
    assert '<h1 class="title">ROUGH DRAFT · Test Brief</h1>' in html
    assert "ROUGH DRAFT, not for release · Prepared for Public" in html
    assert '<span class="colophon">ROUGH DRAFT · Test Brief · ' in html  # at the foot
    assert not list((root / "build" / "demo" / "public").glob("demo-public.*"))


def test_a_rough_page_leaves_the_edition_alone_and_is_never_mailed(
    project: Callable[..., Path],
) -> None:
    root = project({"briefs/distribution.yaml": DISTRIBUTION})
    assert run(root, "build", "-a", "public").exit_code == 0
    edition = root / "build" / "demo" / "public"
    before = {p.name: p.read_bytes() for p in edition.iterdir() if p.is_file()}
    project({"sources/demo/intro.md": LONG, "briefs/distribution.yaml": DISTRIBUTION})
    assert run(root, "build", "-a", "public", "--rough").exit_code == 0
    assert {p.name: p.read_bytes() for p in edition.iterdir() if p.is_file()} == before
    expect_error(
        run(root, "email", "demo", "-a", "public"),
        "error: sources/demo/intro.md:3: summary has 61 words; the limit is 60",
    )
    assert not list(root.glob("build/**/*.eml"))


def test_a_rough_edition_has_one_html_page_and_no_page_budget(
    project: Callable[..., Path],
) -> None:
    project_ = load_project(project())
    executive = next(e for e in plan_or_raise(project_) if e.audience.name == "executive")
    assert executive.audience.max_pages == 1
    rough = report.with_options(executive, (), None, rough=True)
    assert rough.rough and rough.name == "demo-executive-rough"
    assert rough.audience.formats == ["html"] and rough.audience.max_pages is None
