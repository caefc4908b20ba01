"""pytest configuration for the whole repository: a plain `pytest` runs quick mode, offline,
into outputs/test-run/.

The environment set here is inherited by the Jupyter kernels nbval starts, so every notebook
runs in quick mode too. At the end, the run prints each notebook's wall time.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from course_utils.config import QUICK_BUDGET_S

REPO = Path(__file__).resolve().parent
TEST_OUTPUT_DIR = REPO / "outputs" / "test-run"

_notebook_start: dict[str, float] = {}
_notebook_end: dict[str, float] = {}


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("COURSE_QUICK", "1")
    os.environ.setdefault(
        "COURSE_OFFLINE", "1"
    )  # deterministic and fast; the download path has its own test
    os.environ.setdefault("MPLBACKEND", "Agg")
    if "COURSE_OUTPUT_DIR" not in os.environ:
        shutil.rmtree(
            TEST_OUTPUT_DIR, ignore_errors=True
        )  # every run starts from nothing
        os.environ["COURSE_OUTPUT_DIR"] = str(TEST_OUTPUT_DIR)


def _notebook(nodeid: str) -> str | None:
    path = nodeid.split("::")[0]
    return path if path.endswith(".ipynb") else None


def pytest_runtest_logstart(nodeid: str, location: tuple) -> None:
    if (notebook := _notebook(nodeid)) is not None:
        _notebook_start.setdefault(notebook, time.perf_counter())


def pytest_runtest_logfinish(nodeid: str, location: tuple) -> None:
    if (notebook := _notebook(nodeid)) is not None:
        _notebook_end[notebook] = time.perf_counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _notebook_start:
        return
    mode = "quick" if os.environ.get("COURSE_QUICK") == "1" else "full"
    terminalreporter.section(f"notebook wall times ({mode} mode)")
    terminalreporter.write_line(
        "(`make quick-budget` measures the same without the unit tests, and fails if over)"
    )
    for notebook, start in _notebook_start.items():
        seconds = _notebook_end[notebook] - start
        over = mode == "quick" and seconds > QUICK_BUDGET_S
        flag = f"  OVER the {QUICK_BUDGET_S} s quick-mode budget" if over else ""
        terminalreporter.write_line(f"{seconds:7.1f} s  {notebook}{flag}")
    total = sum(_notebook_end[n] - s for n, s in _notebook_start.items())
    terminalreporter.write_line(f"{total:7.1f} s  all notebooks")
