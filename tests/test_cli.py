"""The command line: flags reach the library, exit codes and messages are right."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefwright import __version__
from briefwright.cli import cli

from .conftest import BRIEF, expect_error, run


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_list_shows_briefs_audiences_and_sections(project: Callable[..., Path]) -> None:
    result = run(project(), "list")
    assert result.exit_code == 0, result.output
    for word in ("demo", "executive", "one-pager", "judgement", "TLP:AMBER"):
        assert word in result.output


def test_check_passes_on_a_good_project(project: Callable[..., Path]) -> None:
    result = run(project(), "check")
    assert result.exit_code == 0, result.output
    assert "No errors: 0 error(s), 0 warning(s) in 1 brief(s)." in result.output
    assert not (project() / "build" / "demo").exists()


def test_check_reports_every_problem_and_exits_1(project: Callable[..., Path]) -> None:
    root = project(
        {
            "briefs/demo.yaml": BRIEF + "colour: blue\n",
            "briefs/other.yaml": BRIEF + "  minister: {}\n",
        }
    )
    expect_error(
        run(root, "check"),
        "briefs/demo.yaml:11: unknown key 'colour'",
        "briefs/other.yaml:11: audience 'minister'",
        "2 problems found",
    )


def test_broken_yaml_exits_1_naming_the_file(project: Callable[..., Path]) -> None:
    root = project({"briefs/audiences.yaml": "executive: [\n"})
    expect_error(run(root, "build"), "briefs/audiences.yaml:", "invalid YAML")


def test_missing_required_field_exits_1(project: Callable[..., Path]) -> None:
    root = project({"briefs/demo.yaml": BRIEF.replace("collection: demo\n", "")})
    expect_error(run(root, "build"), "briefs/demo.yaml:1: 'collection' is required")


def test_unknown_section_id_exits_1(project: Callable[..., Path]) -> None:
    root = project({"briefs/demo.yaml": BRIEF.replace("[intro, judgement]", "[intro, nope]")})
    expect_error(run(root, "build"), "briefs/demo.yaml:6: section 'nope' is not in sources/demo/")


def test_unknown_audience_exits_1(project: Callable[..., Path]) -> None:
    root = project({"briefs/demo.yaml": BRIEF + "  minister: {}\n"})
    expect_error(run(root, "build"), "audience 'minister' is not defined")


def test_release_error_exits_1_and_writes_nothing(project: Callable[..., Path]) -> None:
    root = project(
        {"briefs/demo.yaml": BRIEF.replace("  public: {}", "  public:\n    sections: [judgement]")}
    )
    expect_error(run(root, "build"), "section 'judgement' is marked TLP:AMBER", "TLP:CLEAR")
    assert not (root / "build" / "demo").exists()


def test_unknown_brief_on_the_command_line_is_a_usage_error(project: Callable[..., Path]) -> None:
    expect_error(run(project(), "build", "nope"), "no brief 'nope'", code=2)


def test_unknown_option_is_a_usage_error(project: Callable[..., Path]) -> None:
    expect_error(run(project(), "build", "--colour"), "No such option", code=2)


def test_not_a_project_root(tmp_path: Path) -> None:
    expect_error(
        run(tmp_path, "list"),
        f"Invalid value for '--root': {tmp_path}: not a project root; it has no briefs/ and "
        f"sources/ (start one there with 'brief --root {tmp_path} new BRIEF --collection NAME')",
        code=2,
    )


def test_an_internal_fault_is_one_line_without_debug_and_a_traceback_with_it(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefwright import report

    def broken(*_: object) -> None:
        raise RuntimeError("something unforeseen")

    monkeypatch.setattr(report, "listing", broken)
    root = project()
    expect_error(
        run(root, "list"),
        "unexpected error: RuntimeError: something unforeseen",
        "rerun with --debug",
    )
    result = CliRunner().invoke(cli, ["--root", str(root), "--debug", "list"])
    assert isinstance(result.exception, RuntimeError)


def test_weasyprint_that_cannot_start_is_a_clear_error(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefwright.render import pdf

    pdf._weasyprint.cache_clear()
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as without Pango
    try:
        result = run(project(), "build", "-a", "public", "-j", "1")
    finally:
        pdf._weasyprint.cache_clear()
    expect_error(result, "WeasyPrint cannot start", "apt-get install libpango")
    assert "Traceback" not in result.output


def test_weasyprint_that_cannot_start_in_the_workers_is_a_clear_error(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    fake = tmp_path / "fake" / "weasyprint"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise OSError(\"cannot load library 'libpango-1.0-0'\")\n")
    env = {**os.environ, "PYTHONPATH": str(fake.parent)}
    root = project()
    main = "from briefwright.cli import main; main()"
    command = [sys.executable, "-c", main, "--root", str(root), "build", "-j", "2"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "WeasyPrint cannot start" in result.stderr
    assert "apt-get install libpango" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_ends_with_its_status_and_all_its_output(
    project: Callable[..., Path],
) -> None:
    root = project()

    def brief(*args: str) -> subprocess.CompletedProcess[str]:
        main = (
            "import atexit\n"
            "atexit.register(print, 'exit handlers ran')\n"
            "from briefwright.cli import main\n"
            "main()\n"
        )
        command = [sys.executable, "-c", main, "--root", str(root), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    built = brief("build", "-j", "2")
    assert built.returncode == 0, built.stderr
    assert "3 edition(s) built" in built.stdout  # the table's last line reached the pipe
    assert built.stdout.rstrip().endswith("exit handlers ran")
    refused = brief("build", "-a", "nobody")
    assert refused.returncode == 2
    assert "no audience 'nobody'" in refused.stderr
