"""Each key is declared once, by its schema line, and reaches models and templates from there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from briefwright import schema
from briefwright.assemble import context
from briefwright.load import load_project
from briefwright.models import AudienceFile, BriefFile, SectionFile
from briefwright.select import plan_or_raise

from .conftest import AUDIENCES, run, section


def test_an_audience_has_every_key_its_file_gives(project: Callable[..., Path]) -> None:
    audiences = AUDIENCES.replace(
        "  clearance: TLP:RED\n",
        "  clearance: TLP:RED\n  portion_marks: true\n  max_words: 9000\n"
        "  reading_grade: 14\n  pdf_variant: pdf/a-3b\n",
    )
    root = project({"briefs/audiences.yaml": audiences})
    analyst = load_project(root).audiences["analyst"]
    assert analyst.portion_marks is True  # once lost between the file and the model
    assert (analyst.max_words, analyst.reading_grade, analyst.pdf_variant) == (
        9000,
        14.0,
        "pdf/a-3b",
    )
    brief = load_project(root).briefs["demo"].audiences["analyst"].audience
    assert brief == analyst


def test_every_key_of_every_file_reaches_the_templates(project: Callable[..., Path]) -> None:
    edition = plan_or_raise(load_project(project()))[0]
    names = context(edition)
    assert set(schema.keys(SectionFile)) <= set(names["sections"][0])
    assert set(schema.keys(BriefFile)) - {"sections", "audiences"} <= set(names["brief"])
    assert set(schema.keys(AudienceFile)) <= set(names["audience"])


def test_a_key_only_a_cover_override_shows_rebuilds_the_edition(
    project: Callable[..., Path],
) -> None:
    cover = '<header class="cover"><p>Reviewed {{ sections[0].reviewed }}</p></header>\n'
    root = project(
        {
            "templates/_base/cover.html.j2": cover,
            "sources/demo/intro.md": section(
                "Q?", "S.", "Text.", marking="TLP:CLEAR", reviewed="2026-01-02"
            ),
        }
    )
    assert run(root, "build", "-a", "public", "-f", "html").exit_code == 0
    path = root / "sources" / "demo" / "intro.md"
    path.write_text(path.read_text().replace("2026-01-02", "2026-03-04"))
    result = run(root, "build", "-a", "public", "-f", "html")
    assert "built: demo-public" in result.output, result.output
    assert "Reviewed 2026-03-04" in (root / "build/demo/public/demo-public.html").read_text()
