"""Release control end to end: a project with many markings, canaries, and every audience.

Every section and passage that some audience must not receive carries a unique
canary. Each audience's whole build folder is scanned (PDF text, metadata and
attachments; every DOCX part; HTML; Markdown; manifest) for the canaries it
must not have, and checked for the ones it must.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import expect_error, run, write_files
from .scan import folder_text, squash

LEVELS = ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"]
AUDIENCES = {
    # name: (clearance, depth, layout)
    "press": ("TLP:CLEAR", "full", "full"),
    "partners": ("TLP:GREEN", "full", "full"),
    "team": ("TLP:AMBER", "full", "full"),
    "principals": ("TLP:AMBER+STRICT", "summary", "one-pager"),
    "inner": ("TLP:RED", "full", "full"),
}


def canary(kind: str, level: str, where: str) -> str:
    return f"QX{kind}{LEVELS.index(level)}{where}CANARY"


def build_project(root: Path) -> dict[str, tuple[str, set[str]]]:
    """Write the project; return {canary: (its level, audiences it is limited to or empty)}."""
    files: dict[str, str | bytes] = {}
    planted: dict[str, tuple[str, set[str]]] = {}
    audiences = "\n".join(
        f"{name}:\n  label: {name.title()}\n  layout: {layout}\n  depth: {depth}\n"
        f"  clearance: {clearance}\n  portion_marks: true"
        for name, (clearance, depth, layout) in AUDIENCES.items()
    )
    files["briefs/audiences.yaml"] = audiences + "\n"
    ids = []
    for index, level in enumerate(LEVELS):
        sid = f"s{index}"
        ids.append(sid)
        title, summary, tag = (canary(k, level, sid) for k in ("TITLE", "SUMMARY", "TAG"))
        body_lines = [f"Section text {canary('BODY', level, sid)}."]
        for passage_level in LEVELS[index + 1 :]:
            mark = canary("PASSAGE", passage_level, sid)
            planted[mark] = (passage_level, set())
            body_lines += ["", f'::: {{marking="{passage_level}"}}', f"Passage {mark}.", ":::"]
        only = canary("ONLYTEAM", level, sid)
        planted[only] = (level, {"team"})
        body_lines += ["", '::: {audience="team"}', f"Team only {only}.", ":::"]
        for key in (title, summary, tag, canary("BODY", level, sid)):
            planted[key] = (level, set())
        files[f"sources/col/{sid}.md"] = (
            f"---\ntitle: Question {title}?\nsummary: Answer {summary}.\ntags: [{tag.lower()}]\n"
            f"marking: {level}\n---\n" + "\n".join(body_lines) + "\n"
        )
    files["briefs/leaky.yaml"] = (
        "title: Canary Brief\ndate: 2026-11-29\ncollection: col\n"
        f"sections: [{', '.join(ids)}]\naudiences:\n"
        + "".join(f"  {name}: {{}}\n" for name in AUDIENCES)
    )
    write_files(root, files)
    return planted


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, set[str]]]]:
    root = tmp_path_factory.mktemp("leaky")
    planted = build_project(root)
    result = run(root, "build", "-j", "2")
    assert result.exit_code == 0, result.output
    return root, planted


@pytest.mark.parametrize("audience", list(AUDIENCES))
def test_no_canary_reaches_an_audience_that_may_not_see_it(
    leaky: tuple[Path, dict[str, tuple[str, set[str]]]], audience: str
) -> None:
    root, planted = leaky
    clearance, depth, _ = AUDIENCES[audience]
    texts = folder_text(root / "build" / "leaky" / audience)
    assert any(p.suffix == ".pdf" for p in texts) and any(p.suffix == ".docx" for p in texts)
    everything = "\n".join(texts.values())
    flat = squash(everything).upper()
    for mark, (level, only) in planted.items():
        allowed = LEVELS.index(level) <= LEVELS.index(clearance) and (not only or audience in only)
        if not allowed:
            assert mark not in everything and mark not in flat, f"{mark} leaked to {audience}"


@pytest.mark.parametrize("audience", ["press", "partners", "team", "inner"])
def test_cleared_audiences_receive_everything_they_may(
    leaky: tuple[Path, dict[str, tuple[str, set[str]]]], audience: str
) -> None:
    root, planted = leaky
    clearance = AUDIENCES[audience][0]
    html = (root / "build" / "leaky" / audience / f"leaky-{audience}.html").read_text()
    for mark, (level, only) in planted.items():
        if "TAG" in mark:
            continue  # tags go to metadata, checked below
        allowed = LEVELS.index(level) <= LEVELS.index(clearance) and (not only or audience in only)
        if allowed:
            assert mark in html, f"{mark} should reach {audience}"


@pytest.mark.parametrize(
    ("audience", "marking"),
    [
        ("press", "TLP:CLEAR"),
        ("partners", "TLP:GREEN"),
        ("team", "TLP:AMBER"),
        ("principals", "TLP:AMBER+STRICT"),
        ("inner", "TLP:RED"),
    ],
)
def test_each_edition_is_marked_with_the_highest_it_receives(
    leaky: tuple[Path, dict[str, tuple[str, set[str]]]], audience: str, marking: str
) -> None:
    root, _ = leaky
    folder = root / "build" / "leaky" / audience
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["marking"] == marking
    html = (folder / f"leaky-{audience}.html").read_text()
    assert html.count(f">{marking}</span>") >= 2  # banner at top and bottom
    metadata = PdfReader(folder / f"leaky-{audience}.pdf").metadata
    assert metadata is not None and metadata["/marking"] == marking


def test_summary_audience_gets_no_passages_but_is_marked_by_its_sections(
    leaky: tuple[Path, dict[str, tuple[str, set[str]]]],
) -> None:
    root, _ = leaky
    md = (root / "build" / "leaky" / "principals" / "leaky-principals.md").read_text()
    assert "PASSAGE" not in md and "QXBODY" not in md
    assert "QXSUMMARY3s3CANARY" in md  # AMBER+STRICT summary, within clearance


def test_portion_marks_label_each_marked_passage(
    leaky: tuple[Path, dict[str, tuple[str, set[str]]]],
) -> None:
    root, _ = leaky
    html = (root / "build" / "leaky" / "inner" / "leaky-inner.html").read_text()
    assert '<span class="portion">(TLP:RED)</span> Passage QXPASSAGE4s0CANARY' in html


def test_explicit_request_above_clearance_changes_nothing_on_disk(
    leaky: tuple[Path, dict[str, tuple[str, set[str]]]],
) -> None:
    root, _ = leaky
    before = {p: p.read_bytes() for p in (root / "build").rglob("*") if p.is_file()}
    brief = root / "briefs" / "leaky.yaml"
    original = brief.read_text()
    brief.write_text(original.replace("  press: {}", "  press:\n    sections: [s0, s2]"))
    try:
        expect_error(
            run(root, "build", "--force"),
            "section 's2' is marked TLP:AMBER but audience 'press' is cleared only to TLP:CLEAR",
        )
    finally:
        brief.write_text(original)
    after = {p: p.read_bytes() for p in (root / "build").rglob("*") if p.is_file()}
    assert before == after


@pytest.mark.parametrize(
    ("front", "said"),
    [
        ({"marking": "TLP:RED"}, "now marked TLP:RED, above the TLP:CLEAR it was built for"),
        ({"audiences": "[analyst]"}, "now only for analyst"),
    ],
)
def test_an_edition_holding_a_section_it_may_no_longer_receive_is_withdrawn_even_if_it_cannot_build(
    tmp_path: Path, front: dict[str, str], said: str
) -> None:
    from .conftest import SMALL_PROJECT, section

    root = write_files(tmp_path / "proj", dict(SMALL_PROJECT))
    assert run(root, "build", "-f", "html").exit_code == 0
    public = root / "build" / "demo" / "public"
    assert "Plain public text." in (public / "demo-public.html").read_text()
    # The public's only section is marked RED, or kept for analysts: the public edition can
    # no longer be built, and its old files, which hold the section's text, go.
    write_files(
        root,
        {"sources/demo/intro.md": section("What is this?", "S.", "Plain public text.", **front)},
    )
    result = run(root, "build", "-f", "html")
    assert result.exit_code == 1
    assert f"withdrew build/demo/public: it held section 'intro', {said}" in " ".join(
        result.output.split()
    )
    assert not public.exists()
    leftover = folder_text(root / "build")
    assert not any(
        "Plain public text." in text for path, text in leftover.items() if "public" in str(path)
    )


def test_an_email_withdraws_an_edition_it_can_no_longer_send(tmp_path: Path) -> None:
    from .conftest import SMALL_PROJECT, section

    root = write_files(tmp_path / "proj", dict(SMALL_PROJECT))
    assert run(root, "build", "-f", "html").exit_code == 0
    public = root / "build" / "demo" / "public"
    write_files(
        root,
        {
            "sources/demo/intro.md": section(
                "What is this?", "S.", "Plain public text.", marking="TLP:RED"
            )
        },
    )
    result = run(root, "email", "demo", "-a", "public")
    assert result.exit_code == 1
    assert "withdrew build/demo/public" in " ".join(result.output.split())
    assert not public.exists()
