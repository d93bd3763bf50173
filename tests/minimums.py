"""Build the sample with the lowest version of every dependency that pyproject.toml allows.

Run with ``make minimums`` (or ``python tests/minimums.py --help``). It reads
the dependencies of ``pyproject.toml``, installs each at its lower bound
(``name>=1.2`` as ``name==1.2``) into a throwaway virtual environment, and
there, with briefwright from this checkout's ``src/``, builds a copy of the
repository's sample project with ``-j 1`` and ``-j 2``, checks that both
builds gave the same bytes, and runs ``brief check`` and ``brief list``. A
lower bound too low for an API briefwright uses fails here, naming the
command and what it printed. ``--extras test`` also installs the test
dependencies at their lower bounds and runs the suite (or ``--pytest ARGS``).

This takes about a minute (most of it pip), too long for every run of the
suite: CI runs it as its own step, and ``tests/test_pins.py`` runs it when
``BRIEFWRIGHT_TEST_MINIMUMS=1``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent
MAIN = "from briefwright.cli import main; main()"
AUDIENCES = ("executive", "analyst", "public")


def lowest(requirement: str) -> str:
    """Return ``requirement`` pinned to its lower bound: ``name==version``."""
    parsed = Requirement(requirement)
    bounds = [s.version for s in parsed.specifier if s.operator in (">=", "==", "~=")]
    if not bounds:
        raise SystemExit(f"pyproject.toml: {requirement!r} has no lower bound (>=, == or ~=)")
    extras = f"[{','.join(sorted(parsed.extras))}]" if parsed.extras else ""
    return f"{parsed.name}{extras}=={max(bounds, key=_version)}"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def requirements(extras: list[str]) -> list[str]:
    """Return the project's dependencies, and those of ``extras``, as written."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    found = list(project["dependencies"])
    for extra in extras:
        found += project["optional-dependencies"][extra]
    return found


def run(command: list[str], **kwargs: object) -> str:
    """Run ``command``; stop with what it printed if it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise SystemExit(
            f"failed ({result.returncode}): {' '.join(command)}\n{result.stdout}{result.stderr}"
        )
    return str(result.stdout)


def install(venv: Path, pins: list[str]) -> Path:
    """Make a virtual environment with exactly ``pins`` and this checkout; return its python."""
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins])
    # briefwright itself from src/, as an editable install has it, without building it: a
    # path file, which holds for the subprocesses of tests that set PYTHONPATH themselves.
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(run([str(python), "-c", code]).strip())
    (site / "briefwright-checkout.pth").write_text(f"{REPO / 'src'}\n")
    listed = run([str(python), "-m", "pip", "list", "--format=freeze"]).lower()
    for pin in pins:
        name, version = pin.split("==")
        name = name.split("[")[0].lower().replace("_", "-")
        if f"{name}=={version}" not in listed.replace("_", "-"):
            raise SystemExit(f"{pin} was asked for, but pip installed:\n{listed}")
    return python


def build_sample(python: Path, work: Path) -> None:
    """Build the sample with -j 1 and -j 2 in the new environment; check and list it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SOURCE_DATE_EPOCH")}
    builds = []
    for jobs in ("1", "2"):
        root = work / f"sample-j{jobs}"
        for folder in ("briefs", "sources"):
            shutil.copytree(REPO / folder, root / folder)
        run([str(python), "-c", MAIN, "--root", str(root), "build", "-j", jobs], env=env)
        builds.append(root / "build")
    for path in sorted(builds[0].rglob("*")):
        if path.is_file() and path.suffix in (".pdf", ".docx", ".html", ".md"):
            other = builds[1] / path.relative_to(builds[0])
            if path.read_bytes() != other.read_bytes():
                raise SystemExit(f"{path.name} differs between -j 1 and -j 2")
    root = work / "sample-j1"
    run([str(python), "-c", MAIN, "--root", str(root), "check"], env=env)
    run([str(python), "-c", MAIN, "--root", str(root), "list"], env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extras", action="append", default=[], help="also these extras")
    parser.add_argument(
        "--pytest", nargs=argparse.REMAINDER, help="run the suite with these arguments"
    )
    parser.add_argument("--keep", type=Path, help="make the environment here and keep it")
    args = parser.parse_args()
    if args.pytest is not None and "test" not in args.extras:
        args.extras.append("test")
    pins = [lowest(r) for r in requirements(args.extras)]
    print("Lowest versions:", " ".join(pins), flush=True)
    with tempfile.TemporaryDirectory(prefix="briefwright-minimums-") as scratch:
        work = Path(scratch)
        python = install(args.keep or work / "venv", pins)
        build_sample(python, work)
        print("The sample builds, the same with -j 1 and -j 2, and checks.", flush=True)
        if args.pytest is not None:
            command = [str(python), "-m", "pytest", *(args.pytest or ["-q"])]
            status = subprocess.run(command, cwd=REPO).returncode
            raise SystemExit(status)


if __name__ == "__main__":
    main()
