"""One source for every model and training loop: the modules in course_utils/from_notebooks are
exactly what the notebooks' cells tagged "export" say, import cleanly and read no notebook globals."""

import importlib
import json
import subprocess
import sys

import pytest

from tools import export

MODULES = sorted(export.generated())


def test_the_generated_modules_are_up_to_date():
    assert not export.stale(), (
        f"stale: {export.stale()}; run `make export` after editing a notebook's export cells"
    )


def test_the_notebooks_with_models_export_them():
    assert {path.stem for path in MODULES} >= {
        "autoencoder",
        "vae_mnist",
        "dcgan",
        "wgan",
        "wgan_gp",
    }


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_a_generated_module_imports_and_uses_no_notebook_globals(path):
    importlib.import_module(f"course_utils.from_notebooks.{path.stem}")
    # F821: a name the exported code reads but never defines, e.g. a setting or DEVICE from the notebook
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "F", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_render_keeps_only_the_imports_the_exported_code_uses(tmp_path):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# 09 · Toy\n"]},
        {
            "cell_type": "code",
            "metadata": {},
            "source": ["import math\nimport torch\nfrom torch import nn, optim\n"],
        },
        {"cell_type": "code", "metadata": {}, "source": ["SETTING = 3\n"]},
        {
            "cell_type": "code",
            "id": "c1",
            "metadata": {},
            "source": ["#| export\nclass Net(nn.Module):\n    pass\n"],
        },
        {
            "cell_type": "code",
            "id": "c2",
            "metadata": {},
            "source": ["#| export\ndef scale(x):\n    return torch.sqrt(x)\n"],
        },
        {
            "cell_type": "code",
            "metadata": {},
            "source": ["# not exported: #| export\n"],
        },
    ]
    notebook = tmp_path / "09_toy.ipynb"
    notebook.write_text(json.dumps({"cells": cells}))
    text = export.render(notebook)
    assert "from torch import nn\nimport torch" not in text, (
        "the notebook's order is kept"
    )
    assert "import torch\nfrom torch import nn\n" in text
    assert "optim" not in text and "math" not in text and "SETTING" not in text
    assert "not exported" not in text, "only cells whose first line is the marker"
    # each block names the notebook and the cell it came from; the marker itself is gone
    assert "# notebooks/09_toy.ipynb, cell c1\nclass Net(nn.Module):" in text
    assert "# notebooks/09_toy.ipynb, cell c2\ndef scale(x):" in text
    assert "#| export" not in text.split('"""')[-1]
    assert export.module_name(notebook) == "toy"
    cells[3]["source"] = ["#| export\n%time x = 1\n"]
    notebook.write_text(json.dumps({"cells": cells}))
    with pytest.raises(ValueError, match="magics"):
        export.render(notebook)


def test_every_exported_cell_opens_with_the_marker_and_no_cell_uses_the_old_tag():
    for path in export.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            tags = cell.get("metadata", {}).get("tags", [])
            assert "export" not in tags, f"{path.name}: use a first line `#| export`"
