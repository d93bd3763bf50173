"""brief release: versions recorded under releases/, stamped on every edition, never rewritten."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from briefwright import register
from briefwright.errors import ConfigError
from briefwright.models import Stamp

from .conftest import BRIEF, expect_error, killed_while_writing, run

EPOCH_18_NOV = "1794960000"  # 2026-11-18 00:00 UTC
EPOCH_1_DEC = "1796083200"  # 2026-12-01 00:00 UTC
INDEX = "releases/demo/index.json"


@pytest.fixture
def dated(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def on(epoch: str) -> None:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)

    return on


def html(root: Path, audience: str) -> str:
    return (root / "build" / "demo" / audience / f"demo-{audience}.html").read_text("utf-8")


def versions(root: Path) -> list[int]:
    return [v.number for v in register.load(root, "demo").versions]


def test_the_version_line_reads_as_the_register_says() -> None:
    first, later = dt.date(2026, 11, 2), dt.date(2026, 12, 1)
    assert Stamp().text == "Draft"
    assert Stamp(1, 2, first, first, 1, 1).text == "Version 1 · issued 2 November 2026"
    assert (
        Stamp(3, 4, first, later, 1, 3).text
        == "Version 3 · first issued 2 November 2026 · updated 1 December 2026"
    )
    assert (
        Stamp(None, 4, first, later, 1, 3).text
        == "Draft of version 4 · version 3 issued 1 December 2026"
    )


def test_a_release_over_unbuilt_or_edited_sources_is_refused(project: Callable[..., Path]) -> None:
    root = project()
    expect_error(
        run(root, "release", "demo"), "build/demo/analyst/manifest.json:", "has not been built"
    )
    assert not (root / "releases").exists()
    assert run(root, "build", "-j", "1").exit_code == 0
    intro = root / "sources" / "demo" / "intro.md"
    intro.write_text(intro.read_text().replace("Plain public text.", "Plain public text, edited."))
    expect_error(
        run(root, "release", "demo"),
        "build/demo/public/manifest.json: the public edition is not built from the current sources",
        "run 'brief build demo'",
        "Nothing was released",
    )
    assert not (root / "releases").exists()


def test_release_records_each_audience_and_stamps_every_edition(
    project: Callable[..., Path], dated: Callable[[str], None]
) -> None:
    root = project()
    assert run(root, "build", "-j", "1").exit_code == 0
    assert "Draft" in html(root, "public")
    dated(EPOCH_18_NOV)
    result = run(root, "release", "demo", "--note", "First issue.")
    assert result.exit_code == 0, result.output
    assert "Released version 1 of demo (18 November 2026)" in result.output
    index = json.loads((root / INDEX).read_text())
    assert index["versions"] == [
        {"version": 1, "date": "2026-11-18", "audiences": ["analyst", "executive", "public"]}
    ]
    for audience in ("analyst", "executive", "public"):
        folder = root / "releases" / "demo" / "v1" / audience
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            ["release.json", "manifest.json", f"demo-{audience}.md"]
        )
        record = json.loads((folder / "release.json").read_text())
        built = json.loads((root / "build" / "demo" / audience / "manifest.json").read_text())
        assert record["note"] == "First issue."
        assert record["files"] == {name: e["sha256"] for name, e in built["outputs"].items()}
        line = "Version 1 · issued 18 November 2026"
        assert line in html(root, audience)
        path = root / "build" / "demo" / audience / f"demo-{audience}"
        assert docx.Document(str(path.with_suffix(".docx"))).core_properties.version == line
        assert PdfReader(path.with_suffix(".pdf")).metadata["/version"] == line
    # What was released is what is built: nothing to rebuild.
    assert "0 edition(s) built, 3 up to date" in run(root, "build", "-j", "1").output
    # Nothing changed: nothing to release.
    dated(EPOCH_1_DEC)
    expect_error(run(root, "release", "demo"), f"{INDEX}: nothing has changed since")
    # An edit to the text only analysts and the public get leaves the one-pager at version 1.
    intro = root / "sources" / "demo" / "intro.md"
    intro.write_text(intro.read_text().replace("Plain public text.", "Plain public text, edited."))
    assert run(root, "build", "-j", "1").exit_code == 0
    assert "Draft of version 2 · version 1 issued 18 November 2026" in html(root, "public")
    assert "Version 1 · issued 18 November 2026" in html(root, "executive")
    expect_error(run(root, "release", "demo", "-a", "executive"), "is version 1 already")
    result = run(root, "release", "demo", "-a", "public")
    assert result.exit_code == 0, result.output
    assert versions(root) == [1, 2]
    updated = "Version 2 · first issued 18 November 2026 · updated 1 December 2026"
    assert updated in html(root, "public")
    assert run(root, "build", "-j", "1").exit_code == 0  # the next draft is now version 3
    assert "Draft of version 3 · version 1 issued 18 November 2026" in html(root, "analyst")


@pytest.mark.parametrize(
    ("key", "before", "after"),
    [
        ("number", "number: PAU-1\n", "number: PAU-2\n"),
        ("disclaimer", "disclaimer: Not policy.\n", "disclaimer: Not government policy.\n"),
        ("contacts", "contacts: [{name: A Person}]\n", "contacts: [{name: B Person}]\n"),
    ],
)
def test_a_changed_number_contact_or_disclaimer_is_a_new_version(
    project: Callable[..., Path], dated: Callable[[str], None], key: str, before: str, after: str
) -> None:
    root = project({"briefs/demo.yaml": BRIEF + before, "briefs/audiences.yaml": HTML_ONLY})
    assert run(root, "build", "-j", "1", "-a", "public").exit_code == 0
    dated(EPOCH_18_NOV)
    assert run(root, "release", "demo", "-a", "public").exit_code == 0
    (root / "briefs" / "demo.yaml").write_text(BRIEF + after)
    assert run(root, "build", "-j", "1", "-a", "public").exit_code == 0
    assert "Draft of version 2 · version 1 issued 18 November 2026" in html(root, "public"), key
    result = run(root, "release", "demo", "-a", "public")
    assert result.exit_code == 0, result.output
    assert versions(root) == [1, 2]


def test_a_recorded_version_is_never_written_over(project: Callable[..., Path]) -> None:
    root = project()
    current = register.Register(root, "demo")
    pending = current.adding(1, dt.date(2026, 11, 18), ["public"])
    register.commit(pending, {"public": {"release.json": b"{}"}})
    with pytest.raises(ConfigError, match="version 1 is already recorded"):
        register.commit(pending, {"public": {"release.json": b"{}"}})
    assert (root / "releases" / "demo" / "v1" / "public" / "release.json").read_bytes() == b"{}"


def test_a_damaged_register_is_a_clear_error(project: Callable[..., Path]) -> None:
    root = project({INDEX: "{not json"})
    expect_error(run(root, "build", "-j", "1"), f"{INDEX}: the release register cannot be read")


# --- interrupted releases ------------------------------------------------------------------

# Runs `brief release` in a fresh interpreter that kills itself (SIGKILL) just before the
# N-th file-system step of the register's write: a file written, a folder synced or renamed.
KILLER = """
import os, signal, sys
from briefwright import register, write
steps = {{"n": 0, "on": False}}
def step(real):
    def wrapped(*args, **kwargs):
        if steps["on"]:
            steps["n"] += 1
            if steps["n"] == {at}:
                os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return wrapped
def counting(real):
    def wrapped(*args, **kwargs):
        steps["on"] = True
        return real(*args, **kwargs)
    return wrapped
write.atomic_write = step(write.atomic_write)
register.os.rename = step(register.os.rename)
register._sync_dir = step(register._sync_dir)
register.commit = counting(register.commit)
from briefwright.cli import main
sys.argv = ["brief", "--root", {root!r}, "-q", "release", "demo", "--note", "Second."]
main()
"""
# Web pages only: the register is what these tests are about, and PDFs take the time.
HTML_ONLY = """\
executive: {label: Ministers, layout: one-pager, depth: summary, clearance: TLP:AMBER,
            formats: [html]}
analyst: {label: Analysts, layout: full, clearance: TLP:RED, formats: [html]}
public: {label: Public, layout: full, clearance: TLP:CLEAR, formats: [html]}
"""


def assert_whole(root: Path) -> list[int]:
    """The register reads back whole: every version listed has every record, readable."""
    current = register.load(root, "demo")
    for version in current.versions:
        for audience in version.audiences:
            register.read_record(current, version.number, audience)
    return [v.number for v in current.versions]


def killed(root: Path, at: int) -> int:
    process = subprocess.run(
        [sys.executable, "-c", KILLER.format(at=at, root=str(root))],
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH_1_DEC},
    )
    return process.returncode


@pytest.fixture
def released(project: Callable[..., Path], dated: Callable[[str], None]) -> Iterator[Path]:
    root = project({"briefs/audiences.yaml": HTML_ONLY})
    assert run(root, "build", "-j", "1").exit_code == 0
    dated(EPOCH_18_NOV)
    assert run(root, "release", "demo").exit_code == 0
    intro = root / "sources" / "demo" / "intro.md"
    intro.write_text(intro.read_text().replace("Plain public text.", "Plain public text, edited."))
    assert run(root, "build", "-j", "1").exit_code == 0
    yield root


def test_a_release_killed_at_any_moment_leaves_the_register_whole(released: Path) -> None:
    root = released
    # Steps of the write of version 2 (two audiences' records of three files): a record's
    # files, its folders synced, the whole folder renamed into place, then the index.
    for at in (1, 4, 7, 8, 9, 10, 11, 12):
        code = killed(root, at)
        assert code == -signal.SIGKILL, f"step {at}: the release ended ({code}) before it"
        assert assert_whole(root) == [1], f"killed before step {at}"
        # The editions were stamped for version 2 before the register was written; the
        # next build puts the drafts back, so the release starts over from what is built.
        assert run(root, "build", "-j", "1").exit_code == 0
    assert killed(root, 10_000) == 0  # and then it runs to its end
    assert assert_whole(root) == [1, 2]
    leftovers = [p.name for p in (root / "releases" / "demo").iterdir()]
    assert sorted(leftovers) == ["index.json", "v1", "v2"]


def test_a_release_killed_while_building_leaves_the_register_as_it_was(released: Path) -> None:
    root = released
    # The release writes its editions stamped with the new version first: killed half-way
    # through one, or before one takes its name, it has recorded nothing.
    for moment, suffix in (
        ("write", "analyst/demo-analyst.html"),
        ("move", "analyst/manifest.json"),
        ("write", "public/manifest.json"),
    ):
        killed_while_writing(
            root, moment, suffix, "release", "demo", env={"SOURCE_DATE_EPOCH": EPOCH_1_DEC}
        )
        assert assert_whole(root) == [1], f"killed at the {moment} of {suffix}"
        assert run(root, "build", "-j", "1").exit_code == 0
