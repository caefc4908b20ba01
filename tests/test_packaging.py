"""What `pip install git+<repository>` gives a student: course_utils and nothing else, with every
third-party package it imports declared in pyproject.toml, and none it does not import."""

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "course_utils"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def imported_top_level_names() -> set[str]:
    """Top-level names of every module course_utils imports, at the top or inside a function."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def third_party_distributions() -> set[str]:
    distributions = importlib.metadata.packages_distributions()
    found = set()
    for name in (
        imported_top_level_names() - set(sys.stdlib_module_names) - {"course_utils"}
    ):
        assert name in distributions, (
            f"course_utils imports {name}, which no installed package provides"
        )
        found |= {d.lower() for d in distributions[name]}
    return found


def declared() -> set[str]:
    return {
        re.split(r"[<>=!~ \[;]", d)[0].lower()
        for d in PYPROJECT["project"]["dependencies"]
    }


def test_pyproject_declares_exactly_what_course_utils_imports():
    imported, listed = third_party_distributions(), declared()
    assert imported - listed == set(), (
        f"imported but not declared: {sorted(imported - listed)}"
    )
    assert listed - imported == set(), (
        f"declared but never imported: {sorted(listed - imported)}"
    )


def test_only_course_utils_is_installed_and_the_tooling_is_not_in_it():
    packages = PYPROJECT["tool"]["setuptools"]["packages"]
    assert all(
        p == "course_utils" or p.startswith("course_utils.") for p in packages
    ), packages
    tooling = {"build", "slides", "export", "bootstrap", "standin", "quick_mode"}
    assert not {p.stem for p in PACKAGE.glob("*.py")} & tooling, (
        "tooling belongs in tools/"
    )
    assert {p.stem for p in (REPO / "tools").glob("*.py")} >= tooling


def test_nothing_in_course_utils_imports_the_tooling():
    assert "tools" not in imported_top_level_names()
