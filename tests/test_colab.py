"""Colab, as closely as this machine can play it: one notebook on its own, in an environment holding only
what Colab preinstalls, runs from its set-up cell in quick mode, and that cell never reinstalls torch.

The environment: a virtual environment with Colab's packages (COLAB_PACKAGES: torch and torchvision at
the versions of requirements.txt, numpy, matplotlib, OpenCV, and ipykernel to run the notebook), built
once and cached under outputs/colab-env/<key>/ (the key hashes the package list and Python's version),
and for each run a fresh virtual environment on top of it (a .pth file puts the cached one's
site-packages after its own). The set-up cell's `pip install` therefore lands in the fresh one, and a
torch it installed there would shadow Colab's: the test fails if any of COLAB_PACKAGES appears in it,
or if `import torch` afterwards is not the same file and version as before.

The notebook (00) is copied alone into tmp_path, so course_utils is not next to it; the set-up cell
installs it with pip from COURSE_INSTALL_FROM, pointed at a copy of this checkout (its files as a
clone has them), as it would from GitHub.

Slow (the first run installs torch, about a minute from the package index; each run installs
course_utils and its dependencies), so `make test-unit` leaves it out and `make test` runs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = "00_getting_started.ipynb"
COLAB_PACKAGES = [
    *re.findall(
        r"^(torch(?:vision)?==\S+)",
        (REPO / "requirements.txt").read_text(),
        re.MULTILINE,
    ),
    "numpy",
    "matplotlib",
    "opencv-python-headless",
    "ipykernel",
]
PRESERVED = (
    "torch",
    "torchvision",
    "numpy",
    "matplotlib",
    "opencv_python_headless",
)  # never installed on top
PROBE = """import importlib.metadata, json, torch, course_utils
print("COLAB-PROBE " + json.dumps({"torch": torch.__version__, "torch_file": torch.__file__,
                                   "course_utils": course_utils.__file__,
                                   "installed": importlib.metadata.version("course_utils")}))"""
CHECKOUT_SKIPS = (
    ".git",
    ".venv",
    "outputs",
    "data",
    "build",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
)
CELL_TIMEOUT_S = 600  # the set-up cell installs course_utils and its dependencies


def _site_packages(venv: Path) -> Path:
    relative = Path(sysconfig.get_path("purelib")).relative_to(sys.prefix)
    return venv / relative


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _run(*args, **kwargs) -> str:
    kwargs.setdefault(
        "cwd", Path(sysconfig.get_path("stdlib"))
    )  # not the repository: its course_utils
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, **kwargs
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    )
    return result.stdout


@pytest.fixture(scope="session")
def colab_base() -> Path:
    """The cached environment with Colab's packages; built on first use (its marker file written last)."""
    key = hashlib.sha256(
        json.dumps([sys.version, COLAB_PACKAGES]).encode()
    ).hexdigest()[:12]
    venv = REPO / "outputs" / "colab-env" / key
    if not (venv / "colab-ready").exists():
        shutil.rmtree(venv, ignore_errors=True)
        _run(sys.executable, "-m", "venv", venv)
        _run(_python(venv), "-m", "pip", "install", "--quiet", *COLAB_PACKAGES)
        (venv / "colab-ready").write_text("\n".join(COLAB_PACKAGES) + "\n")
    return venv


def _torch(python: Path) -> dict:
    out = _run(
        python,
        "-c",
        "import torch, os; print(torch.__version__); print(torch.__file__); "
        "print(os.stat(torch.__file__).st_mtime)",
    )
    version, path, mtime = out.split()
    return {"version": version, "file": path, "mtime": mtime}


def test_a_notebook_alone_runs_in_a_colab_like_environment(
    colab_base, tmp_path, monkeypatch
):
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    own = _site_packages(venv)
    (own / "colab-preinstalled.pth").write_text(str(_site_packages(colab_base)) + "\n")
    python = _python(venv)
    assert _run(
        python,
        "-c",
        "import importlib.util; print(importlib.util.find_spec('course_utils'))",
    ).strip() == ("None"), (
        "course_utils must not be importable before the set-up cell installs it"
    )
    before = _torch(python)

    folder = tmp_path / "colab"  # the notebook alone, as Colab opens it from GitHub
    folder.mkdir()
    notebook = nbformat.read(REPO / "notebooks" / NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    kernels = tmp_path / "jupyter-data" / "kernels" / "colab"
    kernels.mkdir(parents=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab-like",
        "language": "python",
    }
    (kernels / "kernel.json").write_text(json.dumps(spec))
    checkout = (
        tmp_path / "checkout"
    )  # a clean copy: pip builds in the source tree (build/), not in this one
    shutil.copytree(REPO, checkout, ignore=shutil.ignore_patterns(*CHECKOUT_SKIPS))
    monkeypatch.setenv("COURSE_INSTALL_FROM", str(checkout))
    monkeypatch.setenv("COURSE_QUICK", "1")
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    for name in ("MPLBACKEND", "PYTHONPATH", "VIRTUAL_ENV", "JPY_SESSION_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(
        "PATH",
        os.pathsep.join(
            p
            for p in os.environ["PATH"].split(os.pathsep)
            if not p.startswith(str(REPO))
        ),
    )
    specs = KernelSpecManager(
        kernel_dirs=[str(kernels.parent)]
    )  # only the Colab-like kernel
    kernel = KernelManager(kernel_name="colab", kernel_spec_manager=specs)
    client = NotebookClient(
        notebook,
        km=kernel,
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(folder)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(
            f"the notebook failed in the Colab-like environment:\n{str(error)[-3000:]}"
        )

    printed = "".join(
        o.get("text", "")
        for o in notebook.cells[-1].outputs
        if o.output_type == "stream"
    )
    probe = json.loads(printed.split("COLAB-PROBE ", 1)[1])
    setup_output = "".join(
        o.get("text", "")
        for o in notebook.cells[1].outputs
        if o.output_type == "stream"
    )
    reinstalled = sorted(
        d.name
        for d in own.glob("*.dist-info")
        if d.name.split("-")[0].lower() in PRESERVED
    )
    assert not reinstalled, (
        f"the set-up cell installed {reinstalled} over Colab's own:\n{setup_output[-2000:]}"
    )
    after = _torch(python)
    assert after == before, f"torch changed: {before} -> {after}"
    assert probe["torch_file"] == before["file"], "the notebook's torch is not Colab's"
    assert Path(probe["course_utils"]).is_relative_to(own), (
        f"course_utils came from {probe['course_utils']}, not from the set-up cell's install into {own}"
    )
    saved = tmp_path / "outputs" / "figures" / "00_getting_started" / "batch.png"
    assert saved.exists(), f"the notebook ran without saving its collage to {saved}"


DIAGRAM_NOTEBOOKS = [
    path
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if "![" in path.read_text()
]


@pytest.mark.parametrize("path", DIAGRAM_NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_alone_shows_its_diagrams(path, tmp_path):
    """Colab opens the notebook file alone, with no img/ beside it: rendered from a lone copy,
    every image of its markdown must come from the notebook itself and decode as a picture."""
    import base64
    import io

    from nbconvert import HTMLExporter
    from PIL import Image

    alone = tmp_path / path.name
    shutil.copy(path, alone)
    html, _ = HTMLExporter().from_filename(str(alone))
    sources = re.findall(r'<img [^>]*src="([^"]+)"', html)
    assert sources, f"{path.name}: no diagram rendered"
    for source in sources:
        assert source.startswith("data:image/png;base64,"), (
            f"{path.name} shows {source[:60]}, which a lone copy cannot load"
        )
        picture = Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1])))
        assert picture.width > 100 and picture.height > 50, (
            f"{path.name}: a diagram of {picture.size} pixels"
        )
