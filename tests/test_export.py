"""One source for every model and training loop: the modules in course_utils/from_notebooks are
exactly what the notebooks' cells tagged "export" say, import cleanly and read no notebook globals."""

import importlib
import json
import subprocess
import sys

import pytest

from course_utils import export

MODULES = sorted(export.generated())


def test_the_generated_modules_are_up_to_date():
    assert not export.stale(), f"stale: {export.stale()}; run `make export` after editing a notebook's export cells"


def test_the_notebooks_with_models_export_them():
    assert {path.stem for path in MODULES} >= {"autoencoder", "vae_mnist", "dcgan", "wgan"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_a_generated_module_imports_and_uses_no_notebook_globals(path):
    importlib.import_module(f"course_utils.from_notebooks.{path.stem}")
    # F821: a name the exported code reads but never defines, e.g. a setting or DEVICE from the notebook
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F", str(path)],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout


def test_render_keeps_only_the_imports_the_exported_code_uses(tmp_path, monkeypatch):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# 09 · Toy\n"]},
        {"cell_type": "code", "metadata": {}, "source": ["import math\nimport torch\nfrom torch import nn, optim\n"]},
        {"cell_type": "code", "metadata": {}, "source": ["SETTING = 3\n"]},
        {"cell_type": "code", "metadata": {"tags": ["export"]},
         "source": ["class Net(nn.Module):\n    pass\n"]},
        {"cell_type": "code", "metadata": {"tags": ["export"]},
         "source": ["def scale(x):\n    return torch.sqrt(x)\n"]},
    ]  # fmt: skip
    notebook = tmp_path / "09_toy.ipynb"
    notebook.write_text(json.dumps({"cells": cells}))
    text = export.render(notebook)
    assert "from torch import nn\nimport torch" not in text  # the notebook's order is kept
    assert "import torch\nfrom torch import nn\n" in text and "optim" not in text and "math" not in text
    assert "class Net(nn.Module):" in text and "def scale(x):" in text and "SETTING" not in text
    assert export.module_name(notebook) == "toy"
    cells[3]["source"] = ["%time x = 1\n"]
    notebook.write_text(json.dumps({"cells": cells}))
    with pytest.raises(ValueError, match="magics"):
        export.render(notebook)
