"""brief new: a brief that builds and checks as it is, in a new project or an existing one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefwright.cli import cli

from .conftest import AUDIENCES, expect_error, run

STARTED = """\
Started a project in {root}.
  briefs/energy-security.yaml
      the brief: its title, its sections in order, its audiences
  sources/energy/bottom-line.md
      its first section: a question, the bottom line, the text
  sources/energy/references.yaml
      the bibliography (CSL YAML), with one example entry
  briefs/audiences.yaml
      who briefs are for: executive, analyst, public
Next:
  1. Write the title in briefs/energy-security.yaml, and remove the audiences
     it is not for.
  2. Write the question, bottom line and text in
     sources/energy/bottom-line.md. Add a section as another .md file beside
     it, and its id to the brief's 'sections:'.
  3. Run 'brief check energy-security', then 'brief build energy-security'.
"""


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "build" not in p.relative_to(root).parts
    }


def test_a_new_brief_in_an_empty_folder_builds_and_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)
    runner = CliRunner()
    started = runner.invoke(cli, ["new", "energy-security", "--collection", "energy"])
    assert started.exit_code == 0, started.output
    assert started.output == STARTED.format(root=folder)
    assert set(files(folder)) == {
        ".gitignore",
        "briefs/audiences.yaml",
        "briefs/energy-security.yaml",
        "sources/energy/bottom-line.md",
        "sources/energy/references.yaml",
    }
    checked = runner.invoke(cli, ["check"])
    assert checked.exit_code == 0, checked.output
    assert checked.output == "No errors: 0 error(s), 0 warning(s) in 1 brief(s).\n"
    built = runner.invoke(cli, ["build", "-j", "1"])
    assert built.exit_code == 0, built.output
    assert "warning" not in built.output
    names = sorted(p.name for p in (folder / "build").glob("energy-security/*/energy-*"))
    assert names == sorted(
        f"energy-security-{audience}.{ext}"
        for audience in ("executive", "analyst", "public")
        for ext in ("pdf", "docx", "html", "md")
    )
    assert (
        "Example Institute"
        in (
            folder / "build" / "energy-security" / "public" / "energy-security-public.html"
        ).read_text()
    )


def test_a_new_brief_reuses_the_projects_audiences(project: Callable[..., Path]) -> None:
    root = project({"briefs/audiences.yaml": AUDIENCES + "# ours\n"})
    before = files(root)
    result = run(root, "new", "energy-security", "--collection", "energy")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"In {root}:\n")
    assert (
        "It is for every audience of briefs/audiences.yaml: executive, analyst, public.\n"
    ) in result.output
    after = files(root)
    assert {name: after[name] for name in before} == before  # nothing it had was changed
    assert set(after) - set(before) == {
        "briefs/energy-security.yaml",
        "sources/energy/bottom-line.md",
        "sources/energy/references.yaml",
    }
    brief = after["briefs/energy-security.yaml"].decode()
    assert "audiences:\n  executive: {}\n  analyst: {}\n  public: {}\n" in brief
    assert "\nmarking:" not in brief  # a section without its own marking fails closed
    checked = run(root, "check", "energy-security")
    assert checked.exit_code == 0, checked.output
    assert "0 error(s), 0 warning(s) in 1 brief(s)" in checked.output


def test_a_name_that_exists_is_refused_and_nothing_changes(
    project: Callable[..., Path],
) -> None:
    root = project()
    before = files(root)
    expect_error(
        run(root, "new", "demo", "--collection", "fresh"),
        "Error: briefs/demo.yaml exists already; nothing was written (choose another name, or "
        "edit that brief)",
        code=2,
    )
    expect_error(
        run(root, "new", "fresh", "--collection", "demo"),
        "Error: sources/demo/ exists already; nothing was written (give a new --collection; to "
        "use that one, write the brief by hand, as README.md's 'Describing a brief' shows)",
        code=2,
    )
    expect_error(
        run(root, "new", "Fresh Brief", "--collection", "fresh"),
        "Error: brief name 'Fresh Brief' is not allowed (use lowercase letters, digits and "
        "hyphens, such as energy-security)",
        code=2,
    )
    assert files(root) == before


def test_a_broken_audiences_file_stops_it_before_anything_is_written(
    project: Callable[..., Path],
) -> None:
    root = project({"briefs/audiences.yaml": "executive: [\n"})
    before = files(root)
    result = run(root, "new", "fresh", "--collection", "fresh")
    expect_error(result, "Error: briefs/audiences.yaml: cannot be read (", "nothing was written")
    assert files(root) == before


def test_a_new_project_in_a_folder_named_with_root(tmp_path: Path) -> None:
    root = tmp_path / "library"
    result = CliRunner().invoke(cli, ["--root", str(root), "new", "one", "--collection", "one"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Started a project in {root}.\n")
    assert (root / "briefs" / "one.yaml").is_file()
