"""The diagrams of img/ travel inside the notebooks, as markdown-cell attachments.

    python -m tools.diagrams      # what `make diagrams` runs, after img/draw_diagrams.py

A notebook's author writes ``![alt](../img/NAME.png)``; this rewrites the link to
``attachment:NAME.png`` and stores img/NAME.png in the cell (base64), refreshing attachments
that differ from img/ and dropping those no longer shown. An attached image shows wherever the
notebook goes: JupyterLab, the HTML pages and slides `make course` writes, and Colab, which
opens a notebook alone and cannot resolve a relative ``../img/`` link. img/ stays the one
source; tests/test_notebooks_clean.py fails when a notebook's copy is stale or missing.
"""

from __future__ import annotations

import base64
import json
import re

from course_utils.config import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
DIAGRAMS = REPO_ROOT / "img"
RELATIVE = re.compile(r"(!\[[^\]]*\]\()\.\./img/([^)\s/]+)\)")
ATTACHED = re.compile(r"!\[[^\]]*\]\(attachment:([^)\s]+)\)")


def encoded(name: str) -> str:
    """img/<name> as the base64 text a notebook attachment holds."""
    path = DIAGRAMS / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist: draw it with img/draw_diagrams.py"
        )
    return base64.b64encode(path.read_bytes()).decode("ascii")


def attach(cell: dict) -> bool:
    """Point a markdown cell's img/ links at attachments holding img/'s files; True if changed."""
    source = "".join(cell["source"])
    linked = RELATIVE.sub(r"\1attachment:\2)", source)
    wanted = {name: {"image/png": encoded(name)} for name in ATTACHED.findall(linked)}
    if linked == source and cell.get("attachments", {}) == wanted:
        return False
    cell["source"] = linked.splitlines(keepends=True)
    if wanted:
        cell["attachments"] = wanted
    else:
        cell.pop("attachments", None)
    return True


def write() -> None:
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        notebook = json.loads(path.read_text())
        markdown = [c for c in notebook["cells"] if c["cell_type"] == "markdown"]
        if any([attach(cell) for cell in markdown]):
            path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
            print(f"diagrams attached in {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    write()
