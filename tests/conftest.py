"""Shared fixtures: small projects written from dicts, the sample built once, error helpers."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from click.testing import CliRunner, Result

from briefwright.cli import cli

REPO = Path(__file__).resolve().parent.parent

# A run started in the background (nohup, a shell without job control) ignores Ctrl-C,
# and so would the processes it starts; the tests that press it need it delivered.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

AUDIENCES = """\
executive:
  label: Ministers
  layout: one-pager
  depth: summary
  max_pages: 1
  clearance: TLP:AMBER
analyst:
  label: Analysts
  layout: full
  depth: full
  clearance: TLP:RED
public:
  label: Public
  layout: full
  depth: full
  clearance: TLP:CLEAR
"""

BRIEF = """\
title: Test Brief
date: 2026-11-29
authors: [Unit A]
collection: demo
marking: TLP:CLEAR
sections: [intro, judgement]
audiences:
  executive: {}
  analyst: {}
  public: {}
"""


def section(title: str, summary: str, body: str = "Body text.", **front: str) -> str:
    """Return the text of a section file."""
    lines = ["---", f"title: {title}", f"summary: {summary}"]
    lines += [f"{key}: {value}" for key, value in front.items()]
    lines += ["---", textwrap.dedent(body).strip(), ""]
    return "\n".join(lines)


SMALL_PROJECT = {
    "briefs/audiences.yaml": AUDIENCES,
    "briefs/demo.yaml": BRIEF,
    "sources/demo/intro.md": section(
        "What is this?",
        "An introduction that states the bottom line.",
        'Plain public text.\n\n::: {audience="analyst"}\nAnalyst-only advice.\n:::\n',
        marking="TLP:CLEAR",
    ),
    "sources/demo/judgement.md": section(
        "What do we judge?",
        "A judgement kept from the public.",
        "We judge that things will happen.",
        marking="TLP:AMBER",
    ),
}


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``{path: text}`` under ``root`` and return ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """Return a function that writes a project (SMALL_PROJECT plus changes) into tmp_path."""

    def make(files: dict[str, str | bytes] | None = None, base: bool = True) -> Path:
        root = tmp_path / "proj"
        content: dict[str, str | bytes] = dict(SMALL_PROJECT) if base else {}
        content.update(files or {})
        for rel in [k for k, v in content.items() if v is None]:
            del content[rel]
        return write_files(root, content)

    return make


def parse(
    markdown: str, bibliography: Path | None = None, label: str = "a test", csl: Path | None = None
) -> dict[str, Any]:
    """Return pandoc's tree of a text, its citations resolved if a bibliography is given."""
    from briefwright.errors import BuildError
    from briefwright.render import pandoc

    doc = pandoc.read([markdown], label)[0]
    if isinstance(doc, str):
        raise BuildError(f"pandoc could not read {label}: {doc}")
    doc["meta"] = {}
    return pandoc.cite(doc, bibliography, label, csl) if bibliography is not None else doc


def fresh_python(code: str) -> str:
    """Run ``code`` in a new interpreter (nothing imported yet); return what it printed."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def build_in_fresh_python(root: Path, *args: str, before: str = "", after: str) -> str:
    """Run ``brief build ARGS`` in a new interpreter between two pieces of code.

    For what a build loads or starts: ``before`` may patch modules, ``after``
    prints what the test checks. Returns what was printed.
    """
    command = ["--root", str(root), "-q", "build", *args]
    return fresh_python(
        before
        + "from briefwright.cli import cli\n"
        + f"try:\n    cli({command!r})\n"
        + "except SystemExit as exit:\n    assert exit.code in (0, None), exit.code\n"
        + after
    )


# Runs brief in a new interpreter and kills it (SIGKILL, as a crash or a power cut would)
# at one moment of writing a file under the project's build/ (its cache aside): "write",
# half-way through writing the file's new bytes (under their temporary name); "move", just
# before the finished file takes the name. The file is the first whose path ends in SUFFIX.
_KILLER = """
import os, signal, sys
build, suffix, moment = {build!r}, {suffix!r}, {moment!r}

def aimed_at(path):
    path = os.path.abspath(path)
    ours = path.startswith(build) and not path.startswith(build + ".cache" + os.sep)
    return ours and path.endswith(suffix)

def die(what):
    sys.stderr.write("killed at the " + moment + " of " + what + "\\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)

real_replace, real_fdopen = os.replace, os.fdopen

def replace(source, target, *args, **kwargs):
    if moment == "move" and aimed_at(target):
        die(os.fspath(target))
    return real_replace(source, target, *args, **kwargs)

class HalfWriter:
    def __init__(self, handle, target):
        self.handle, self.target = handle, target
    def write(self, data):
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        die(self.target)
    def __getattr__(self, name):
        return getattr(self.handle, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)

def fdopen(fd, *args, **kwargs):
    handle = real_fdopen(fd, *args, **kwargs)
    temporary = os.readlink(f"/proc/self/fd/{{fd}}")  # .NAME.XXXXXX.tmp beside NAME
    folder, name = os.path.split(temporary)
    target = os.path.join(folder, name[1:-4].rsplit(".", 1)[0])
    if moment == "write" and name.endswith(".tmp") and aimed_at(target):
        return HalfWriter(handle, target)
    return handle

os.replace, os.fdopen = replace, fdopen
from briefwright.cli import main
sys.argv = ["brief", "--root", {root!r}, "-q", *{args!r}]
main()
"""


def killed_while_writing(
    root: Path, moment: str, suffix: str, *args: str, env: dict[str, str] | None = None
) -> None:
    """Run ``brief ARGS`` and kill it at the ``moment`` ("write" or "move") of the first file
    under build/ whose path ends in ``suffix``; fail if it ended otherwise."""
    build = str(root.resolve() / "build") + os.sep
    code = _KILLER.format(
        build=build, suffix=suffix, moment=moment, root=str(root), args=list(args)
    )
    process = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )
    assert process.returncode == -signal.SIGKILL and "killed at the" in process.stderr, (
        f"brief {' '.join(args)} ended ({process.returncode}) before the {moment} of "
        f"a file ending in {suffix}:\n{process.stderr}"
    )


def run(root: Path, *args: str) -> Result:
    """Run the brief command on a project root."""
    return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=True)


def expect_error(result: Result, *fragments: str, code: int = 1) -> None:
    """Assert a user-facing failure: the exit code, each fragment, and no traceback."""
    output = result.output + (result.stderr if result.stderr_bytes else "")
    assert result.exit_code == code, output
    assert "Traceback" not in output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    for fragment in fragments:
        assert fragment in output, f"{fragment!r} not in:\n{output}"


@dataclass
class Built:
    root: Path
    output: str

    def path(self, audience: str, ext: str, brief: str = "ukraine-security-guarantees") -> Path:
        return self.root / "build" / brief / audience / f"{brief}-{audience}.{ext}"


def build_copy(root: Path, *args: str) -> Built:
    """Copy the repository's sample project to ``root`` and build it."""
    for folder in ("briefs", "sources"):
        shutil.copytree(REPO / folder, root / folder)
    result = run(root, "build", *args)
    assert result.exit_code == 0, result.output
    return Built(root, result.output)


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build the repository's sample brief once, in a copy."""
    return build_copy(tmp_path_factory.mktemp("sample"), "-j", "1")


# --- the browser: Debian's Chromium driven by playwright-core -----------------------------------

BROWSER = REPO / "tests" / "browser"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


def unavailable(reason: str) -> NoReturn:
    """Skip a browser test on a developer's machine; fail it in CI, where it must run."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs what they need)")
    pytest.skip(f"{reason}; the browser tests need it (see .ci/run)")


def npm_packages_installed() -> bool:
    return all((BROWSER / "node_modules" / n).is_dir() for n in ("axe-core", "playwright-core"))


@pytest.fixture(scope="session")
def browser_node() -> str:
    """Return node, with the browser tests' npm packages installed and Chromium present."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed")
    npm = shutil.which("npm")
    if not npm_packages_installed() and npm is not None:
        # The lock file pins exact versions; npm ci installs just those.
        subprocess.run(
            [npm, "ci", "--silent", "--no-audit", "--no-fund"],
            cwd=BROWSER,
            capture_output=True,
            timeout=300,
            check=False,
        )
    if not npm_packages_installed():
        unavailable(f"the npm packages are missing from {BROWSER / 'node_modules'} (npm ci failed)")
    if not CHROMIUM.is_file():
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return node
