"""Notebooks are committed without outputs, and the whole course passes ruff."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    notebook = json.loads(path.read_text())
    dirty = [
        i
        for i, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} hold outputs or execution counts; clear them before committing"
    )


def ruff(*arguments: str) -> subprocess.CompletedProcess:
    """ruff on the repository (it skips what .gitignore lists: .venv, outputs)."""
    command = [sys.executable, "-m", "ruff", *arguments, "."]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True)


def test_ruff_passes():
    result = ruff("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_notebooks_and_packages_as_they_are():
    result = ruff("format", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


MAX_WORDS, MAX_CODE_LINES, MAX_LINE = 3_000, 350, 88  # one lecture; a slide's width
EXERCISES = re.compile(r"#+\s*Exercises")


def lecture(notebook: dict) -> list[dict]:
    """The cells before the exercises: what a lecture presents."""
    cells = []
    for cell in notebook["cells"]:
        text = "".join(cell["source"]).strip()
        if cell["cell_type"] == "markdown" and EXERCISES.match(text):
            break
        cells.append(cell)
    return cells


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_one_lecture(path):
    cells = lecture(json.loads(path.read_text()))
    words = sum(
        len("".join(c["source"]).split()) for c in cells if c["cell_type"] == "markdown"
    )
    code = sum(
        len("".join(c["source"]).splitlines())
        for c in cells
        if c["cell_type"] == "code"
    )
    assert words <= MAX_WORDS, (
        f"{path.name}: {words:,} markdown words before the exercises"
    )
    assert code <= MAX_CODE_LINES, (
        f"{path.name}: {code} code lines before the exercises"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_code_line_runs_off_a_slide(path):
    cells = json.loads(path.read_text())["cells"]
    long = [
        f"cell {cell.get('id')}: {line[:40]}... ({len(line)} characters)"
        for cell in cells
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if len(line) > MAX_LINE
    ]
    assert not long, f"{path.name}: lines over {MAX_LINE} characters:\n" + "\n".join(
        long
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_diagram_travels_inside_its_notebook(path):
    """Colab opens a notebook alone, so a diagram is an attachment of its markdown cell (never a
    relative ../img/ link, never the web), holding exactly img/'s current file."""
    from tools import diagrams

    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        references = re.findall(
            r"!\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"", text
        )
        for reference in (a or b for a, b in references):
            assert reference.startswith("attachment:"), (
                f"{path.name} shows {reference}, which Colab cannot load alone:"
                " run `make diagrams`"
            )
            name = reference.removeprefix("attachment:")
            attached = cell.get("attachments", {}).get(name, {}).get("image/png")
            assert attached == diagrams.encoded(name), (
                f"{path.name}: its copy of img/{name} is missing or stale:"
                " run `make diagrams`"
            )


def test_every_notebook_opens_with_the_same_setup_cell_naming_the_repository():
    from tools import bootstrap

    expected = bootstrap.cell_source()
    assert f'COURSE_REPOSITORY = "{bootstrap.repository()}"' in expected
    for path in NOTEBOOKS:
        cell = bootstrap.setup_cell(json.loads(path.read_text()))
        assert "".join(cell["source"]) == expected, (
            f"{path.name}: its set-up cell differs; run `make bootstrap`"
        )
