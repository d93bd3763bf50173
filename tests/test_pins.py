"""Declared dependencies: every library the code imports, each with the lowest version it needs."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement

from .conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def declared(*groups: str) -> dict[str, Requirement]:
    """Return the requirements of the project (and of ``groups``, its extras) by name."""
    texts = list(PROJECT["dependencies"])
    for group in groups:
        texts += PROJECT["optional-dependencies"][group]
    return {canonical(r.name): r for r in map(Requirement, texts)}


def imported_libraries() -> set[str]:
    """Return the top-level names of what briefwright's modules import, stdlib and itself aside."""
    names = set()
    for path in (REPO / "src" / "briefwright").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"briefwright", "__future__"}


def test_every_library_the_code_imports_is_a_declared_dependency() -> None:
    # Relying on a library another dependency happens to bring (pydyf, cffi and
    # fontTools come with WeasyPrint) would leave its version to that dependency.
    distributions = metadata.packages_distributions()
    wanted = declared()
    undeclared = {
        name: distributions.get(name, ["?"])
        for name in imported_libraries()
        if not any(canonical(d) in wanted for d in distributions.get(name, []))
    }
    assert undeclared == {}, "imported but not declared in pyproject.toml"


def test_every_dependency_declares_the_lowest_version_it_works_with() -> None:
    groups = tuple(PROJECT["optional-dependencies"])
    unbounded = [
        str(r)
        for r in declared(*groups).values()
        if not any(s.operator in (">=", "==", "~=") for s in r.specifier)
    ]
    assert unbounded == []


@pytest.mark.skipif(
    os.environ.get("BRIEFWRIGHT_TEST_MINIMUMS") != "1",
    reason="installs every dependency at its lowest version (about a minute): "
    "BRIEFWRIGHT_TEST_MINIMUMS=1, or make minimums",
)
def test_the_lowest_declared_versions_build_the_sample() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "tests" / "minimums.py")],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout + result.stderr
