"""The set-up cell that opens every notebook, kept identical everywhere and written from here.

    python -m tools.bootstrap     # what `make bootstrap` runs: rewrite that cell in every notebook

The cell makes ``course_utils`` importable: from the repository when the notebook runs in its
``notebooks/`` folder, else (Colab, or a notebook downloaded on its own) by installing this
package from the repository with pip, which keeps the torch and torchvision already there
(pyproject.toml asks only for ranges).
COURSE_INSTALL_FROM overrides where pip installs from (a local checkout, in the tests). The
repository's address is read from pyproject.toml, the one place it is written.
"""

from __future__ import annotations

import json
import re

from course_utils.config import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"

TEMPLATE = """\
# Set-up, the same in every notebook: find course_utils, or install it (Colab).
import importlib.util
import os
import sys
from pathlib import Path

COURSE_REPOSITORY = "{repository}"
if importlib.util.find_spec("course_utils") is None:
    if (Path.cwd().parent / "course_utils").is_dir():  # a clone: notebooks/ beside it
        sys.path.insert(0, str(Path.cwd().parent))
    else:  # Colab, or a notebook on its own: pip keeps the torch already installed
        source = os.environ.get("COURSE_INSTALL_FROM", f"git+{{COURSE_REPOSITORY}}")
        get_ipython().run_line_magic("pip", f"install --quiet {{source}}")
        importlib.invalidate_caches()"""


def repository() -> str:
    """The repository's address, from [project.urls] in pyproject.toml."""
    text = (REPO_ROOT / "pyproject.toml").read_text()
    match = re.search(r'^Repository = "([^"]+)"', text, flags=re.MULTILINE)
    if match is None:
        raise ValueError(
            'pyproject.toml has no Repository = "..." line under [project.urls]'
        )
    return match[1]


def cell_source() -> str:
    """The set-up cell's code."""
    return TEMPLATE.format(repository=repository())


def setup_cell(notebook: dict) -> dict:
    """The notebook's set-up cell: its first code cell."""
    return next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")


def write() -> None:
    source = cell_source()
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        notebook = json.loads(path.read_text())
        cell = setup_cell(notebook)
        if "".join(cell["source"]) != source:
            cell["source"] = source.splitlines(keepends=True)
            path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
            print(f"set-up cell written in {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    write()
