"""Atomic writes: killed or concurrent builds leave whole, consistent outputs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefwright import write

from .conftest import REPO, killed_while_writing, run

BUILD = [sys.executable, "-c", "from briefwright.cli import main; main()"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write.atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def assert_whole(folder: Path) -> None:
    """Every output in the folder is complete and readable."""
    for path in folder.iterdir():
        if path.name.startswith("."):
            continue
        if path.suffix == ".pdf":
            assert len(PdfReader(path).pages) >= 1, path
            assert path.read_bytes().rstrip().endswith(b"%%EOF"), path
        elif path.suffix == ".docx":
            with zipfile.ZipFile(path) as archive:
                assert archive.testzip() is None, path
        elif path.suffix == ".html":
            assert path.read_text().rstrip().endswith("</html>"), path
        elif path.suffix == ".json":
            json.loads(path.read_text())


def consistent(folder: Path) -> bool:
    manifest = json.loads((folder / "manifest.json").read_text())
    return all(
        hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"]
        for name, entry in manifest["outputs"].items()
    )


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    import shutil

    for folder in ("briefs", "sources"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    result = run(tmp_path, "build", "-j", "2")
    assert result.exit_code == 0, result.output
    return tmp_path


def test_builds_killed_at_any_moment_leave_previous_outputs_whole(sample_copy: Path) -> None:
    root = sample_copy
    source = root / "sources" / "ukraine-security-guarantees" / "paris-meeting.md"
    editions = sorted((root / "build" / "ukraine-security-guarantees").iterdir())
    # Killed half-way through writing an edition's PDF, between two of its outputs, half-way
    # through its manifest (its outputs all new, its record of them old), and before the
    # first output of the next edition: each time every file is an old one or a new one.
    moments = [
        ("write", "public/ukraine-security-guarantees-public.pdf"),
        ("move", "public/ukraine-security-guarantees-public.html"),
        ("write", "public/manifest.json"),
        ("move", "analyst/ukraine-security-guarantees-analyst.docx"),
    ]
    for round_, (moment, suffix) in enumerate(moments):
        source.write_text(source.read_text() + f"\nEdit number {round_}.\n")
        killed_while_writing(root, moment, suffix, "build", "-j", "2")
        for folder in editions:
            assert_whole(folder)
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    for folder in editions:
        assert_whole(folder)
        assert consistent(folder)
        assert not list(folder.glob(".*.tmp"))


def test_two_builds_at_once_leave_consistent_outputs(sample_copy: Path) -> None:
    root = sample_copy
    command = [*BUILD, "--root", str(root), "-q", "build", "--force", "-j", "1"]
    first = subprocess.Popen(command, stderr=subprocess.PIPE)
    second = subprocess.Popen(command, stderr=subprocess.PIPE)
    assert first.wait() == 0, first.stderr.read() if first.stderr else ""
    assert second.wait() == 0, second.stderr.read() if second.stderr else ""
    for folder in (root / "build" / "ukraine-security-guarantees").iterdir():
        assert_whole(folder)
        assert consistent(folder)


def test_an_unwritable_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    from .conftest import SMALL_PROJECT, expect_error, write_files

    root = write_files(tmp_path, dict(SMALL_PROJECT))
    (root / "build" / "demo").mkdir(parents=True)
    (root / "build" / "demo" / "public").write_text("a file where a folder should be")
    expect_error(
        run(root, "build", "-a", "public", "-j", "1"),
        "demo-public: cannot write build/demo/public/",
    )


def test_a_lock_planted_as_a_link_empties_nothing(project: Callable[..., Path]) -> None:
    root = project()
    assert run(root, "build", "-a", "public", "-f", "html").exit_code == 0
    source = root / "sources" / "demo" / "intro.md"
    before = source.read_bytes()
    lock = root / "build" / "demo" / "public" / ".lock"
    lock.unlink()
    lock.symlink_to(source)
    (root / "sources" / "demo" / "judgement.md").write_text(
        (root / "sources" / "demo" / "judgement.md").read_text().replace("AMBER", "CLEAR")
    )
    result = run(root, "build", "-a", "public", "-f", "html")
    assert result.exit_code == 1 and "cannot write build/demo/public/" in result.output
    assert source.read_bytes() == before
