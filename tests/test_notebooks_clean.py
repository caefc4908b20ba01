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


def test_ruff_passes():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            ".",
        ],  # ruff skips what .gitignore lists (.venv, outputs)
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_images_a_notebook_shows_are_in_the_repository(path):
    notebook = json.loads(path.read_text())
    text = "".join(
        "".join(cell["source"])
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
    )
    references = re.findall(
        r"!\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"", text
    )
    for reference in (a or b for a, b in references):
        assert not reference.startswith(("http:", "https:")), (
            f"{path.name} loads {reference} from the web"
        )
        assert (path.parent / reference).resolve().is_file(), (
            f"{path.name} shows {reference}, which is missing"
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
