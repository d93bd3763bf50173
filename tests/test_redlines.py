"""Redlines built with the real pandoc and WeasyPrint, read back from the files.

One project is released as version 1, edited (a word, a table cell, a section
added and one removed, a passage above the public's clearance with a canary
in it), and built with --redline; the tests read what each audience got.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from .conftest import AUDIENCES, expect_error, run, section, write_files
from .redlined import docx_text, html_text, libreoffice, settle_docx, tracked

EPOCH_18_NOV = "1794960000"
CANARY_OLD = "CANARYOLD7f3a"
CANARY_NEW = "CANARYNEW9c1e"
TABLE = "| Country | Troops |\n|---|---:|\n| United Kingdom | 5000 |\n| France | {} |\n"

BRIEF = """\
title: Test Brief
date: 2026-11-29
authors: [Unit A]
collection: demo
marking: TLP:CLEAR
sections: [intro, judgement, {third}]
audiences:
  executive: {{}}
  analyst: {{}}
  public: {{}}
"""

V1 = {
    "briefs/audiences.yaml": AUDIENCES,
    "briefs/demo.yaml": BRIEF.format(third="gone"),
    "briefs/distribution.yaml": (
        "sender: Unit A <unit@example.org>\norganisation_domains: [example.org]\n"
        "lists:\n  public: [press@example.org]\n  analyst: [desk@example.org]\n"
    ),
    "sources/demo/intro.md": section(
        "What is this?",
        "An introduction that states the bottom line.",
        "About 35 states met in Paris on 6 January.\n\n"
        + TABLE.format("3000")
        + "\n: Pledges\n\n"
        + '::: {marking="TLP:AMBER"}\n'
        + f"We assess {CANARY_OLD} will hold.\n:::\n\n"
        + '::: {marking="TLP:RED"}\nA red passage only version 1 had.\n:::\n',
        marking="TLP:CLEAR",
    ),
    "sources/demo/judgement.md": section(
        "What do we judge?", "A judgement kept from the public.", "We judge that it holds."
    ).replace("---\n", "---\nmarking: TLP:AMBER\n", 1),
    "sources/demo/gone.md": section(
        "What went away?", "A section that version 2 drops.", "Old words here."
    ),
    "sources/demo/later.md": section(
        "What came later?", "A section that version 2 adds.", "New words here."
    ),
}


def v2(root: Path) -> None:
    """Edit version 1's sources into version 2's."""
    intro = root / "sources" / "demo" / "intro.md"
    text = intro.read_text()
    text = text.replace("About 35 states", "Some 35 states").replace("| 3000 |", "| 4000 |")
    text = text.replace("| France | 4000 |\n", "| France | 4000 |\n| Germany | 1000 |\n")
    text = text.replace(CANARY_OLD, CANARY_NEW)
    text = re.sub(r'::: \{marking="TLP:RED"\}\n.*?\n:::\n', "", text, flags=re.S)
    intro.write_text(text)
    (root / "briefs" / "demo.yaml").write_text(BRIEF.format(third="later"))


class Cycle:
    def __init__(self, root: Path, old: Path) -> None:
        self.root = root
        self.old = old  # the files of version 1, kept aside

    def path(self, audience: str, ext: str, redline: bool = True) -> Path:
        name = f"demo-{audience}{'-redline' if redline else ''}.{ext}"
        return self.root / "build" / "demo" / audience / name

    def was(self, audience: str, ext: str) -> Path:
        return self.old / f"demo-{audience}.{ext}"


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Cycle:
    root = write_files(tmp_path_factory.mktemp("cycle") / "proj", dict(V1))
    old = root.parent / "version-1"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH_18_NOV)
        assert run(root, "build", "-j", "1").exit_code == 0
        result = run(root, "release", "demo", "--note", "First issue.")
        assert result.exit_code == 0, result.output
    old.mkdir()
    for folder in (root / "build" / "demo").iterdir():
        for path in folder.iterdir():
            shutil.copy(path, old / path.name)
    v2(root)
    result = run(root, "build", "-j", "1", "--redline")
    assert result.exit_code == 0, result.output
    return Cycle(root, old)


def body(paragraphs: list[str], start: str) -> list[str]:
    """Return the paragraphs from the first that is ``start``, empty ones left out."""
    kept = [p for p in paragraphs if p.strip()]
    return kept[kept.index(start) :]


def test_each_format_of_each_audience_gets_a_redline(cycle: Cycle) -> None:
    for audience in ("executive", "analyst", "public"):
        for ext in ("pdf", "docx", "html"):
            assert cycle.path(audience, ext).stat().st_size > 1000, (audience, ext)
    output = run(cycle.root, "build", "-j", "1", "--redline").output
    assert "demo-public-redline.pdf (since version 1:" in output and "up to date" in output


def test_the_docx_tracks_exactly_the_words_inserted_and_deleted(cycle: Cycle) -> None:
    docx = cycle.path("public", "docx")
    inserted, deleted = tracked(docx, "ins"), tracked(docx, "del")
    # The one-word edit is one word; the cell edit is in its cell; the sections whole.
    assert "Some " in inserted and "About " in deleted
    assert "4000" in inserted and "3000" in deleted
    assert "New words here." in inserted and "Old words here." in deleted
    assert not [t for t in inserted + deleted if "Paris" in t or "United Kingdom" in t]
    with zipfile.ZipFile(docx) as archive:
        xml = archive.read("word/document.xml").decode()
    (cell,) = [c for c in re.findall(r"<w:tc>.*?</w:tc>", xml, re.S) if "<w:del " in c]
    assert "3000" in cell and "4000" in cell
    (row,) = [r for r in re.findall(r"<w:tr>.*?</w:tr>", xml, re.S) if "Germany" in r]
    assert row.startswith("<w:tr><w:trPr><w:ins ")  # the row itself is inserted, not only its text
    ids = re.findall(r'<w:(?:ins|del) w:id="(\d+)"', xml)
    assert len(ids) == len(set(ids))  # each change its own, to accept or reject one by one


def test_accepting_every_change_gives_the_new_edition_and_rejecting_the_old(cycle: Cycle) -> None:
    docx = cycle.path("public", "docx")
    new = body(docx_text(cycle.path("public", "docx", redline=False)), "Contents")
    old = body(docx_text(cycle.was("public", "docx")), "Contents")
    assert body(settle_docx(docx, "ins"), "Contents") == new
    assert body(settle_docx(docx, "del"), "Contents") == old


def test_libreoffice_accepts_and_rejects_the_changes_as_word_would(
    cycle: Cycle, tmp_path: Path
) -> None:
    docx = cycle.path("public", "docx")
    accepted = libreoffice(docx, "accept", tmp_path / "accepted.txt")
    if accepted is None:
        pytest.skip("LibreOffice with its Python (uno) is not installed")
    rejected = libreoffice(docx, "reject", tmp_path / "rejected.txt")
    assert rejected is not None
    new = body(docx_text(cycle.path("public", "docx", redline=False)), "Contents")
    old = body(docx_text(cycle.was("public", "docx")), "Contents")

    def lines(text: list[str]) -> list[str]:
        # Its list bullets, and the page numbers it fills into the contents.
        return [re.sub(r"\t\d+$", "", line.strip().removeprefix("•").strip()) for line in text]

    assert body(lines(accepted), "Contents") == [p.strip() for p in new]
    assert body(lines(rejected), "Contents") == [p.strip() for p in old]


def test_the_html_marks_changes_with_ins_and_del(cycle: Cycle) -> None:
    page = cycle.path("public", "html").read_text("utf-8")
    inserted = re.findall(r"<ins\b[^>]*>(.*?)</ins>", page, re.S)
    deleted = re.findall(r"<del\b[^>]*>(.*?)</del>", page, re.S)
    assert "Some " in inserted and "About " in deleted
    assert "4000" in inserted and "3000" in deleted
    new = cycle.path("public", "html", redline=False).read_text("utf-8")
    old = cycle.was("public", "html").read_text("utf-8")
    assert html_text(page, "del") == html_text(new, "del")
    assert html_text(page, "ins") == html_text(old, "ins")
    assert "What changed since version 1" in page and 'class="rl-legend-ins"' in page
    assert re.search(r'<a href="#sec-later">What came later\?</a>', page)


def test_the_pdf_opens_with_what_changed_and_has_change_bars(cycle: Cycle, tmp_path: Path) -> None:
    path = cycle.path("public", "pdf")
    first = PdfReader(path).pages[0].extract_text()
    assert "What changed since version 1" in first
    assert "Added: What came later?" in first and "Removed: What went away?" in first
    assert "Revised: What is this?" in first
    for page in PdfReader(path).pages:
        assert page.extract_text().count("TLP:CLEAR") >= 2
    # A change bar: the bar's red, in the left margin (the text column starts at 36 mm).
    import subprocess

    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "p")], check=True)
    bars = 0
    for png in sorted(tmp_path.glob("p-*.png")):
        image = Image.open(png).convert("RGB")
        margin = image.crop((0, 0, int(image.width * 35 / 210), image.height))
        pixels = margin.tobytes()
        bars += sum(
            1
            for i in range(0, len(pixels), 3)
            if pixels[i] > 150 and pixels[i + 1] < 90 and pixels[i + 2] < 90
        )
    assert bars > 20


def test_nothing_above_the_audience_s_clearance_reaches_its_redline(cycle: Cycle) -> None:
    for audience in ("public", "executive"):
        folder = cycle.root / "build" / "demo" / audience
        for path in folder.iterdir():
            data = path.read_bytes()
            if path.suffix in (".docx",):
                with zipfile.ZipFile(path) as archive:
                    data = b"".join(archive.read(n) for n in archive.namelist())
            if path.suffix == ".pdf":
                data = "".join(p.extract_text() for p in PdfReader(path).pages).encode()
            for canary in (CANARY_OLD, CANARY_NEW, "A red passage"):
                assert canary.encode() not in data, (path.name, canary)
        manifest = json.loads((folder / "manifest.json").read_text())
        assert "judgement" not in json.dumps(manifest["redline"])
    # The analysts, cleared for it, see the passage change; its section counts as revised.
    page = cycle.path("analyst", "html").read_text("utf-8")
    assert re.search(rf"<del\b[^>]*>[^<]*{CANARY_OLD}", page)
    assert re.search(rf"<ins\b[^>]*>[^<]*{CANARY_NEW}", page)


def test_a_redline_is_marked_with_the_higher_of_the_two_versions(cycle: Cycle) -> None:
    # Version 1 gave analysts a TLP:RED passage, gone now: the edition is AMBER, its redline RED.
    manifest = json.loads((cycle.root / "build/demo/analyst/manifest.json").read_text())
    assert manifest["marking"] == "TLP:AMBER+STRICT" or manifest["marking"] == "TLP:AMBER"
    assert manifest["redline"]["marking"] == "TLP:RED"
    for page in PdfReader(cycle.path("analyst", "pdf")).pages:
        assert page.extract_text().count("TLP:RED") >= 2
    assert "TLP:RED" in cycle.path("analyst", "html").read_text("utf-8").split("<main", 1)[0]


def test_the_one_pager_redline_follows_its_key_points(cycle: Cycle) -> None:
    page = cycle.path("executive", "html").read_text("utf-8")
    assert re.search(r"<ins\b[^>]*>.*What came later\?", page, re.S)
    assert re.search(r"<del\b[^>]*>.*What went away\?", page, re.S)


def test_an_update_by_email_attaches_the_redline_and_says_what_changed(cycle: Cycle) -> None:
    result = run(cycle.root, "email", "demo", "-a", "public", "--redline")
    assert result.exit_code == 0, result.output
    draft = cycle.root / "build" / "demo" / "public" / "demo-public.eml"
    message = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("TLP:CLEAR | Updated: Test Brief (draft of version 2)")
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert text.index("WHAT CHANGED SINCE VERSION 1") < text.index("BOTTOM LINE")
    assert "Added:\n- What came later?" in text and "Removed:\n- What went away?" in text
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names == ["demo-public.pdf", "demo-public-redline.pdf"]
    assert CANARY_NEW not in draft.read_text("utf-8", "replace")


def test_the_next_release_note_leads_the_update(cycle: Cycle, tmp_path: Path) -> None:
    root = tmp_path / "proj"
    shutil.copytree(cycle.root, root)
    result = run(root, "release", "demo", "--note", "Facts moved on Thursday.")
    assert result.exit_code == 0, result.output
    assert run(root, "build", "-j", "1", "-a", "public", "--redline").exit_code == 0
    page = (root / "build/demo/public/demo-public-redline.html").read_text("utf-8")
    assert "This redline compares version 1" in page and "Facts moved on Thursday." in page
    result = run(root, "email", "demo", "-a", "public", "--redline")
    draft = (root / "build/demo/public/demo-public.eml").read_bytes()
    text = email.message_from_bytes(draft, policy=email.policy.default)
    plain = text.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "(version 2)" in text["Subject"] and "Facts moved on Thursday." in plain
    assert run(root, "build", "-j", "1", "-a", "public", "--redline", "2").exit_code == 0
    page = (root / "build/demo/public/demo-public-redline.html").read_text("utf-8")
    assert "No changes since version 2." in page


def test_a_redline_is_refused_when_the_old_version_is_above_the_clearance_now(
    cycle: Cycle, tmp_path: Path
) -> None:
    root = tmp_path / "proj"
    shutil.copytree(cycle.root, root)
    audiences = (root / "briefs" / "audiences.yaml").read_text()
    (root / "briefs" / "audiences.yaml").write_text(
        audiences.replace("clearance: TLP:RED", "clearance: TLP:AMBER")
    )
    before = sorted(p.name for p in (root / "build/demo/analyst").iterdir())
    expect_error(
        run(root, "build", "-j", "1", "-a", "analyst", "--redline"),
        "releases/demo/v1/analyst/release.json: version 1 of this edition was marked TLP:RED, "
        "above analyst's clearance now (TLP:AMBER)",
    )
    after = sorted(p.name for p in (root / "build/demo/analyst").iterdir())
    assert not [name for name in after if "redline" in name] and before != after


def test_redline_options_are_checked(cycle: Cycle) -> None:
    expect_error(run(cycle.root, "build", "demo", "--redline", "two"), "not a version", code=2)
    expect_error(run(cycle.root, "build", "demo", "--redline", "7"), "has no version 7", code=2)


# --- a record edited by hand ----------------------------------------------------------------


def tampered(cycle: Cycle, tmp_path: Path) -> tuple[Path, Path]:
    """Return a copy of the project, and its public record of version 1, to edit."""
    root = tmp_path / "proj"
    shutil.copytree(cycle.root, root)
    return root, root / "releases" / "demo" / "v1" / "public"


def rehash(record: Path, name: str, data: bytes) -> None:
    """Make the record's own manifest vouch for ``data`` under ``name``, as a forger would."""
    import hashlib

    manifest = json.loads((record / "manifest.json").read_text())
    manifest["outputs"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (record / "manifest.json").write_text(json.dumps(manifest))


def no_redline(root: Path, audience: str) -> None:
    folder = root / "build" / "demo" / audience
    for path in folder.glob("*-redline.*"):
        path.unlink()
    assert run(root, "build", "-j", "1", "-a", audience, "--redline").exit_code == 1
    assert not list(folder.glob("*-redline.*"))


def test_a_record_naming_another_file_is_refused(cycle: Cycle, tmp_path: Path) -> None:
    root, record = tampered(cycle, tmp_path)
    other = "../analyst/demo-analyst.md"
    data = json.loads((record / "release.json").read_text())
    data["markdown"] = other
    (record / "release.json").write_text(json.dumps(data))
    rehash(record, other, (record / other).read_bytes())
    expect_error(
        run(root, "build", "-j", "1", "-a", "public", "--redline"),
        "releases/demo/v1/public/release.json: it names '../analyst/demo-analyst.md' as the "
        "edition's Markdown, not 'demo-public.md' beside it",
    )
    no_redline(root, "public")


def test_a_record_reached_through_a_link_is_refused(cycle: Cycle, tmp_path: Path) -> None:
    root, record = tampered(cycle, tmp_path)
    (record / "demo-public.md").unlink()
    (record / "demo-public.md").symlink_to("../analyst/demo-analyst.md")
    rehash(record, "demo-public.md", (record / "demo-public.md").read_bytes())
    expect_error(
        run(root, "build", "-j", "1", "-a", "public", "--redline"),
        "releases/demo/v1/public/demo-public.md: a symbolic link where a release record's file "
        "belongs",
    )
    no_redline(root, "public")


def test_another_audience_s_text_in_a_record_is_refused_by_its_markings(
    cycle: Cycle, tmp_path: Path
) -> None:
    root, record = tampered(cycle, tmp_path)
    stolen = (record.parent / "analyst" / "demo-analyst.md").read_bytes()
    (record / "demo-public.md").write_bytes(stolen)
    rehash(record, "demo-public.md", stolen)
    expect_error(
        run(root, "build", "-j", "1", "-a", "public", "--redline"),
        "releases/demo/v1/public/: version 1 of this edition holds text marked TLP:RED, above "
        "public's clearance (TLP:CLEAR)",
    )
    no_redline(root, "public")


def test_a_record_s_marking_lowered_by_hand_is_refused(cycle: Cycle, tmp_path: Path) -> None:
    root, _ = tampered(cycle, tmp_path)
    record = root / "releases" / "demo" / "v1" / "analyst"
    data = json.loads((record / "release.json").read_text())
    data["marking"] = "TLP:CLEAR"
    (record / "release.json").write_text(json.dumps(data))
    audiences = root / "briefs" / "audiences.yaml"
    audiences.write_text(
        audiences.read_text().replace("clearance: TLP:RED", "clearance: TLP:CLEAR")
    )
    expect_error(
        run(root, "build", "-j", "1", "-a", "analyst", "--redline"),
        "releases/demo/v1/analyst/: version 1 of this edition holds text marked TLP:RED, above "
        "analyst's clearance (TLP:CLEAR)",
    )


def test_a_changed_summary_is_a_revision_of_its_section(tmp_path: Path) -> None:
    # The full layout prints summaries only on the front: the bottom line (the first
    # section's) and the key points (the others'). A change there revises that section.
    root = write_files(tmp_path / "proj", dict(V1))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH_18_NOV)
        assert run(root, "build", "-j", "1").exit_code == 0
        assert run(root, "release", "demo").exit_code == 0
    for name, old, new in (
        ("intro", "states the bottom line", "gives the bottom line"),
        ("judgement", "kept from the public", "withheld from the public"),
    ):
        path = root / "sources" / "demo" / f"{name}.md"
        path.write_text(path.read_text().replace(old, new))
    result = run(root, "build", "-j", "1", "-a", "analyst", "-a", "public", "--redline")
    assert result.exit_code == 0, result.output
    for audience, revised in (("analyst", ["intro", "judgement"]), ("public", ["intro"])):
        manifest = json.loads((root / "build" / "demo" / audience / "manifest.json").read_text())
        assert [i for i, _ in manifest["redline"]["summary"]["revised"]] == revised, audience
        page = (root / "build" / "demo" / audience / f"demo-{audience}-redline.html").read_text()
        assert "No changes since version 1" not in page
        assert "gives" in html_text(page, "del") and "states" in html_text(page, "ins")


def test_a_portion_mark_in_a_record_counts_whatever_the_audience_shows(
    cycle: Cycle, tmp_path: Path
) -> None:
    # The public edition shows no portion marks; a record of it holding one is still read.
    root, record = tampered(cycle, tmp_path)
    text = (record / "demo-public.md").read_text()
    forged = text + "\n[(TLP:RED)]{.portion} A judgement lifted from another edition.\n"
    (record / "demo-public.md").write_text(forged)
    rehash(record, "demo-public.md", forged.encode())
    expect_error(
        run(root, "build", "-j", "1", "-a", "public", "--redline"),
        "releases/demo/v1/public/: version 1 of this edition holds text marked TLP:RED",
    )
    (record / "demo-public.md").write_text(text + "\n[(XX)]{.portion} Odd.\n")
    rehash(record, "demo-public.md", (record / "demo-public.md").read_bytes())
    expect_error(
        run(root, "build", "-j", "1", "-a", "public", "--redline"),
        "its text carries the portion mark '(XX)', which the scheme does not know",
    )


def test_a_redline_build_with_nothing_to_do_says_what_a_full_one_says(cycle: Cycle) -> None:
    def lines(output: str) -> list[str]:
        return sorted(re.sub(r"in \d+\.\d s\.", "in N s.", output).splitlines())

    shutil.rmtree(cycle.root / "build" / ".cache" / "stamps", ignore_errors=True)
    full = run(cycle.root, "build", "--redline")
    assert full.exit_code == 0, full.output
    again = run(cycle.root, "build", "--redline")
    assert lines(again.output) == lines(full.output)
    assert "demo-analyst-redline.pdf (since version 1: " in again.output
    assert "nothing to do" in run(cycle.root, "-v", "build", "--redline").output
    # A quiet build, which has a stamp of its own, leaves the other's good.
    assert run(cycle.root, "-q", "build", "--redline").exit_code == 0
    assert "nothing to do" in run(cycle.root, "-v", "build", "--redline").output
