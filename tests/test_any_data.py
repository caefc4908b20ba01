"""Every notebook, in quick mode, on MNIST files the course was not tuned on: the offline digits
stored in class order, and a small training set. Both are written here, by tools.standin.

A notebook may not depend on the order, size or balance of the student's files: selections
are stratified and seeded (data.stratified_order), and a claim about a run is printed with
whether it holds (claims.claim), never asserted. These runs take a few minutes each.
"""

from __future__ import annotations

import pytest
import torchvision

from tools.build import NOTEBOOKS, execute
from tools.standin import build_standin

DATA_SETS = {
    "class-sorted": ({"train": 4000, "test": 1000}, True),
    "600 training images": ({"train": 600, "test": 1000}, False),
}


@pytest.mark.parametrize("name", DATA_SETS)
def test_every_notebook_runs_on_other_files(name, tmp_path, monkeypatch):
    sizes, sort = DATA_SETS[name]
    root = build_standin(tmp_path / "data", sizes, sort=sort)
    labels = torchvision.datasets.MNIST(root, train=True, download=False).targets
    assert len(labels) == sizes["train"] and set(labels.tolist()) == set(range(10))
    assert (labels.diff().min() >= 0) == sort, "class order exactly when asked for"
    monkeypatch.setenv("COURSE_DATA_DIR", str(root))
    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("COURSE_QUICK", "1")
    for path in NOTEBOOKS:
        try:
            notebook, _ = execute(path)
        except SystemExit:  # execute printed the failing cell and the error
            pytest.fail(f"{path.name} failed on the {name} data (see stderr)")
        printed = "".join(
            output.get("text", "")
            for cell in notebook.cells
            for output in cell.get("outputs", [])
        )
        assert "using the 5,000 real MNIST digits" not in printed, "read the files"
