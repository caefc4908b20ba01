"""A real browser runs 00_getting_started in JupyterLab: every cell executes, the collage renders, no errors.

Needs Debian's chromium (/usr/bin/chromium) and the playwright package (requirements.txt); .ci/run
installs chromium. On a student machine the test is skipped when either is missing; in CI (the
environment variable CI is set) it fails instead.

JupyterLab serves a copy of the notebook from tmp_path, so its autosave never touches notebooks/;
course_utils is importable there because make installs the repository in editable mode. The kernel
inherits the server's environment: quick mode, offline, outputs in COURSE_OUTPUT_DIR. A screenshot
of the rendered collage is saved as COURSE_OUTPUT_DIR/browser/00_getting_started.png.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from course_utils import config

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOK = "00_getting_started.ipynb"
COLLAGE_SOURCE = "viz.show_images("  # the code cell that draws the collage
START_TIMEOUT_S = 60  # JupyterLab up, notebook open, kernel idle
RUN_TIMEOUT_S = 120  # all cells (quick mode takes about 10 s)
LAB_SETTINGS = {  # every cell in the page (no virtual scrolling), no news or update checks (offline)
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}
BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip

# JavaScript run in the page through window.jupyterapp (LabApp.expose_app_in_browser).
NOTEBOOK_READY_JS = """path => {
    const panel = window.jupyterapp?.shell.currentWidget;
    const kernel = panel?.sessionContext?.session?.kernel;
    return !!(panel?.context?.isReady && panel.context.path === path && panel.content.widgets.length
              && kernel && kernel.status === "idle" && kernel.connectionStatus === "connected");
}"""
START_RUN_ALL_JS = """async () => {
    const app = window.jupyterapp;
    await app.commands.execute("notebook:clear-all-cell-outputs");
    window.courseRunAll = undefined;  // run-all resolves once every cell's reply and output are in
    app.commands.execute("notebook:run-all-cells").then(
        ok => { window.courseRunAll = String(ok); },
        error => { window.courseRunAll = "error: " + error; });
}"""
RUN_ALL_DONE_JS = """() => window.courseRunAll !== undefined
    && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === "idle" """
CELLS_JS = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    return {
        runAll: window.courseRunAll,
        kernel: panel.sessionContext.session.kernel.status,
        cells: Array.from(panel.content.model.cells, cell => ({
            type: cell.type,
            source: cell.sharedModel.getSource(),
            count: cell.type === "code" ? cell.executionCount : null,
            outputs: cell.type === "code" ? cell.outputs.toJSON() : [],
        })),
    };
}"""


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (Debian: sudo apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -r requirements.txt)")
    if missing:
        message = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"{message}; .ci/run installs them")
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@pytest.fixture
def jupyterlab(tmp_path: Path):
    """JupyterLab on localhost with a token, serving a copy of the notebook; yields (url, server log)."""
    _require_browser()
    served = tmp_path / "notebooks"
    served.mkdir()
    shutil.copy(REPO / "notebooks" / NOTEBOOK, served / NOTEBOOK)
    settings = tmp_path / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))

    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # Agg (set by conftest.py) would hide the figures; the kernel picks inline
    env.update(
        COURSE_QUICK="1",
        COURSE_OFFLINE="1",
        COURSE_OUTPUT_DIR=str(config.output_dir()),
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),  # no user config, kernels or runtime files
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path / "jupyterlab.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
             f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
             f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
             "--LabApp.expose_app_in_browser=True"],
            cwd=served, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{_tail(log)}")
                time.sleep(0.3)
        yield f"{base}/lab/tree/{NOTEBOOK}?token={token}", log
    finally:
        server.terminate()  # SIGTERM: the server shuts its kernel down and exits
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the server's own process group: server and kernel
            server.wait()
        try:
            os.killpg(server.pid, signal.SIGKILL)  # a kernel left behind by the server
        except ProcessLookupError:
            pass


def test_getting_started_runs_in_a_real_browser(jupyterlab):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    url, log = jupyterlab
    started = time.time() - 1
    screenshot = config.output_path("browser", "00_getting_started.png")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            try:
                page.wait_for_function(NOTEBOOK_READY_JS, arg=NOTEBOOK, timeout=START_TIMEOUT_S * 1000, polling=200)
                page.evaluate(START_RUN_ALL_JS)
                page.wait_for_function(RUN_ALL_DONE_JS, timeout=RUN_TIMEOUT_S * 1000, polling=200)
            except PlaywrightError as error:
                page.screenshot(path=str(screenshot))
                pytest.fail(f"{error.message.splitlines()[0]}\nscreenshot: {screenshot}\nserver log:\n{_tail(log)}")
            state = page.evaluate(CELLS_JS)
            code = [cell for cell in state["cells"] if cell["type"] == "code"]
            index = next(
                i for i, c in enumerate(state["cells"]) if c["type"] == "code" and COLLAGE_SOURCE in c["source"]
            )
            collage = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea-output img")
            try:
                collage.first.wait_for(timeout=10_000)
                collage.first.evaluate("img => img.decode()")  # loaded and decoded (rejects if it cannot be)
                collage.first.evaluate("img => img.scrollIntoView({block: 'center'})")
            except PlaywrightError:
                pass  # reported by the assertions below, with the screenshot
            widths = collage.evaluate_all("imgs => imgs.map(img => img.complete ? img.naturalWidth : 0)")
            page.screenshot(path=str(screenshot))
            tracebacks = page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']", has_text="Traceback"
            ).count()
            shown = "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())
        finally:
            browser.close()

    errors = [f"{o['ename']}: {o['evalue']}" for cell in code for o in cell["outputs"] if o["output_type"] == "error"]
    assert not errors and not tracebacks, f"cells failed: {errors or shown[-2000:]} (screenshot: {screenshot})"
    assert state["runAll"] == "true", f"run-all ended with {state['runAll']} (screenshot: {screenshot})"
    not_run = [cell["source"].splitlines()[0] for cell in code if cell["count"] is None]
    assert not not_run, f"cells without an execution count: {not_run}"
    counts = [cell["count"] for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"expected one fresh kernel running the cells in order: {counts}"
    assert widths and widths[0] > 0, f"the collage did not render as an image (screenshot: {screenshot})"
    assert "pixel values from 0.0 to 1.0" in shown, shown[-2000:]
    assert f"quick mode: True · outputs go to {config.output_dir()}" in shown, shown[-2000:]
    saved = config.output_path("figures", "00_getting_started", "batch.png")
    assert saved.exists() and saved.stat().st_mtime >= started, f"the kernel did not save the collage as {saved}"
