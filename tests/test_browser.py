"""Real-browser tests: the course as students and instructors use it, in a headless Chromium.

- 00_getting_started in JupyterLab: every cell executes, the collage renders, no errors.
- 07_vae_latent_space in JupyterLab with the widget frontend: moving a slider of the latent explorer
  changes the decoded image.
- The live slideshow (RISE, `jupyterlab-rise`) started on 00 in JupyterLab shows a slide.
- A reveal.js deck written as `make course` writes it, opened with the network blocked, shows the
  title slide and a picture.

Needs Debian's chromium (/usr/bin/chromium) and the playwright package (requirements.txt); .ci/run
installs chromium. On a student machine the tests are skipped when either is missing; in CI (the
environment variable CI is set) they fail instead.

JupyterLab serves a copy of the notebook from tmp_path, so its autosave never touches notebooks/;
course_utils is importable there because make installs the repository in editable mode. The kernel
inherits the server's environment: quick mode, offline, outputs in COURSE_OUTPUT_DIR. Screenshots
are saved under COURSE_OUTPUT_DIR/browser/.
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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from course_utils import config

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOK = "00_getting_started.ipynb"
COLLAGE_SOURCE = "viz.show_images("  # the code cell that draws the collage
LATENT_NOTEBOOK = "07_vae_latent_space.ipynb"
LATENT_RUN_TIMEOUT_S = (
    300  # all of 07 in quick mode: about 60 s in JupyterLab on 2 busy CPU cores
)
EXPLORER_SOURCE = "explore.latent_sliders("  # 07's cell that shows the latent explorer
START_TIMEOUT_S = 60  # JupyterLab up, notebook open, kernel idle
RUN_TIMEOUT_S = 120  # all cells (quick mode takes about 10 s)
LAB_SETTINGS = {  # every cell in the page (no virtual scrolling), no news or update checks (offline)
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none"
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
BROWSER_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

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
    return (
        "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        if path.exists()
        else ""
    )


@dataclass
class Lab:
    url: str  # the notebook opened in JupyterLab, with the token
    base: str  # http://127.0.0.1:PORT
    token: str
    notebook: str
    log: Path  # the server's log


@pytest.fixture
def jupyterlab(request, tmp_path: Path):
    """JupyterLab on localhost with a token, serving a copy of one notebook (00, or the parameter)."""
    _require_browser()
    notebook = getattr(request, "param", NOTEBOOK)
    served = tmp_path / "notebooks"
    served.mkdir()
    shutil.copy(REPO / "notebooks" / notebook, served / notebook)
    settings = tmp_path / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))

    env = dict(os.environ)
    env.pop(
        "MPLBACKEND", None
    )  # Agg (set by conftest.py) would hide the figures; the kernel picks inline
    env.update(
        COURSE_QUICK="1",
        COURSE_OFFLINE="1",
        COURSE_OUTPUT_DIR=str(config.output_dir()),
        JUPYTER_CONFIG_DIR=str(
            tmp_path / "jupyter-config"
        ),  # no user config, kernels or runtime files
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path / "jupyterlab.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                "--allow-root",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={served}",
                f"--LabApp.user_settings_dir={settings}",
                f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
                "--LabApp.expose_app_in_browser=True",
            ],
            cwd=served,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
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
        yield Lab(
            f"{base}/lab/tree/{notebook}?token={token}", base, token, notebook, log
        )
    finally:
        server.terminate()  # SIGTERM: the server shuts its kernel down and exits
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(
                server.pid, signal.SIGKILL
            )  # the server's own process group: server and kernel
            server.wait()
        try:
            os.killpg(server.pid, signal.SIGKILL)  # a kernel left behind by the server
        except ProcessLookupError:
            pass


@contextmanager
def chromium(**page_options):
    """A headless Chromium page (Debian's chromium, driven by playwright); closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=BROWSER_FLAGS
        )
        try:
            yield browser.new_page(
                viewport={"width": 1400, "height": 1000}, **page_options
            )
        finally:
            browser.close()


def block_network(page) -> list[str]:
    """Abort every request that leaves this machine; return the list the aborted URLs are appended to."""
    blocked: list[str] = []

    def route(route):
        url = route.request.url
        if url.startswith(
            ("file:", "data:", "blob:", "http://127.0.0.1", "ws://127.0.0.1")
        ):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", route)
    return blocked


def run_all(page, lab: Lab, screenshot: Path, timeout_s: float = RUN_TIMEOUT_S) -> dict:
    """Open the lab's notebook, run all cells in a fresh kernel, wait until done; return CELLS_JS's state."""
    from playwright.sync_api import Error as PlaywrightError

    page.goto(lab.url)
    try:
        page.wait_for_function(
            NOTEBOOK_READY_JS,
            arg=lab.notebook,
            timeout=START_TIMEOUT_S * 1000,
            polling=200,
        )
        page.evaluate(START_RUN_ALL_JS)
        page.wait_for_function(RUN_ALL_DONE_JS, timeout=timeout_s * 1000, polling=200)
    except PlaywrightError as error:
        page.screenshot(path=str(screenshot))
        pytest.fail(
            f"{error.message.splitlines()[0]}\nscreenshot: {screenshot}\nserver log:\n{_tail(lab.log)}"
        )
    return page.evaluate(CELLS_JS)


def cell_errors(state: dict) -> list[str]:
    return [
        f"{o['ename']}: {o['evalue']}"
        for cell in state["cells"]
        if cell["type"] == "code"
        for o in cell["outputs"]
        if o["output_type"] == "error"
    ]


def test_getting_started_runs_in_a_real_browser(jupyterlab):
    from playwright.sync_api import Error as PlaywrightError

    started = time.time() - 1
    screenshot = config.output_path("browser", "00_getting_started.png")
    with chromium() as page:
        state = run_all(page, jupyterlab, screenshot)
        code = [cell for cell in state["cells"] if cell["type"] == "code"]
        index = next(
            i
            for i, c in enumerate(state["cells"])
            if c["type"] == "code" and COLLAGE_SOURCE in c["source"]
        )
        collage = (
            page.locator(".jp-Notebook .jp-Cell")
            .nth(index)
            .locator(".jp-OutputArea-output img")
        )
        try:
            collage.first.wait_for(timeout=10_000)
            collage.first.evaluate(
                "img => img.decode()"
            )  # loaded and decoded (rejects if it cannot be)
            collage.first.evaluate("img => img.scrollIntoView({block: 'center'})")
        except PlaywrightError:
            pass  # reported by the assertions below, with the screenshot
        widths = collage.evaluate_all(
            "imgs => imgs.map(img => img.complete ? img.naturalWidth : 0)"
        )
        page.screenshot(path=str(screenshot))
        tracebacks = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
            has_text="Traceback",
        ).count()
        shown = "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())

    errors = cell_errors(state)
    assert not errors and not tracebacks, (
        f"cells failed: {errors or shown[-2000:]} (screenshot: {screenshot})"
    )
    assert state["runAll"] == "true", (
        f"run-all ended with {state['runAll']} (screenshot: {screenshot})"
    )
    not_run = [cell["source"].splitlines()[0] for cell in code if cell["count"] is None]
    assert not not_run, f"cells without an execution count: {not_run}"
    counts = [cell["count"] for cell in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"expected one fresh kernel running the cells in order: {counts}"
    )
    assert widths and widths[0] > 0, (
        f"the collage did not render as an image (screenshot: {screenshot})"
    )
    assert "pixel values from 0.0 to 1.0" in shown, shown[-2000:]
    assert (
        f"quick mode: True · budget: standard · outputs go to {config.output_dir()}"
        in shown
    ), shown[-2000:]
    saved = config.output_path("figures", "00_getting_started", "batch.png")
    assert saved.exists() and saved.stat().st_mtime >= started, (
        f"the kernel did not save the collage as {saved}"
    )


DECK_SLIDES = (
    12  # slides stepped through, from the title, looking for the first picture
)
PRESENT_SLIDE = ".reveal .slides section.present:not(.stack)"  # the slide on screen (not its vertical stack)
DECK_READY_JS = """() => document.querySelector(".reveal.ready") !== null
    && typeof MathJax !== "undefined" && !!MathJax.Hub"""  # reveal.js initialised, MathJax 2 loaded
PICTURES_JS = """selector => Array.from(document.querySelectorAll(selector + " img, " + selector + " canvas"))
    .filter(e => e.getBoundingClientRect().width > 0)
    .map(e => e.tagName === "IMG" ? (e.complete ? e.naturalWidth : 0) : e.width)"""


def test_a_deck_from_make_course_renders_offline(tmp_path, monkeypatch):
    """00 executed and published as `make course` does it (in quick mode), opened with no network."""
    _require_browser()
    from tools import build

    monkeypatch.delenv(
        "MPLBACKEND", raising=False
    )  # the kernel draws inline, as in `make course`
    path = REPO / "notebooks" / NOTEBOOK
    notebook, _ = build.execute(path)
    deck = build.publish(path, notebook, site=tmp_path / "site")
    title_shot = config.output_path("browser", "deck_00_title.png")
    picture_shot = config.output_path("browser", "deck_00_picture.png")
    with chromium() as page:
        blocked = block_network(page)
        failed: list[str] = []
        page.on(
            "requestfailed", lambda request: failed.append(request.url)
        )  # a missing asset, say
        page.goto(deck.as_uri())
        page.wait_for_function(DECK_READY_JS, timeout=30_000, polling=200)
        page.wait_for_timeout(1000)  # MathJax's first typesetting pass
        heading = page.locator(f"{PRESENT_SLIDE} h1").first
        title = (
            heading.text_content() if heading.is_visible() else ""
        )  # the text, not the theme's capitals
        page.screenshot(path=str(title_shot))
        pictures, steps = [], 0
        while steps < DECK_SLIDES:
            pictures = [w for w in page.evaluate(PICTURES_JS, PRESENT_SLIDE) if w > 0]
            if pictures:
                break
            page.keyboard.press(
                "Space"
            )  # reveal.js: the next slide, vertical ones included
            page.wait_for_timeout(900)  # the slide transition
            steps += 1
        page.screenshot(path=str(picture_shot))
        shown = page.locator(PRESENT_SLIDE).first.inner_text()

    assert not blocked, (
        f"the deck asked the network for {blocked}: it must load everything from assets/"
    )
    failed = [
        url for url in failed if not url.startswith("about:")
    ]  # reveal.js's own blank frame
    assert not failed, f"the deck failed to load {failed}"
    assert "00 · Getting started" in title, (
        f"title slide reads {title[:200]!r} (screenshot: {title_shot})"
    )
    assert pictures, (
        f"no picture in the first {DECK_SLIDES} slides (screenshot: {picture_shot}); last: {shown[:300]}"
    )


@pytest.mark.parametrize("jupyterlab", [LATENT_NOTEBOOK], indirect=True)
def test_moving_a_latent_slider_in_07_changes_the_picture(jupyterlab):
    """07 in JupyterLab with the widget frontend: the latent explorer's first slider, moved, redraws."""
    import cv2
    import numpy as np

    screenshot = config.output_path("browser", "07_latent_explorer.png")
    before_shot = config.output_path("browser", "07_latent_explorer_before.png")
    after_shot = config.output_path("browser", "07_latent_explorer_after.png")
    with chromium() as page:
        state = run_all(page, jupyterlab, screenshot, timeout_s=LATENT_RUN_TIMEOUT_S)
        assert not cell_errors(state), (
            f"cells failed: {cell_errors(state)} (screenshot: {screenshot})"
        )
        index = next(
            i
            for i, c in enumerate(state["cells"])
            if c["type"] == "code" and EXPLORER_SOURCE in c["source"]
        )
        output = (
            page.locator(".jp-Notebook .jp-Cell")
            .nth(index)
            .locator(".jp-OutputArea-output")
        )
        explorer = output.locator(".widget-hbox").first
        explorer.wait_for(timeout=30_000)
        explorer.scroll_into_view_if_needed()
        image = explorer.locator(".widget-image").first
        image.evaluate("img => img.decode()")
        readout = explorer.locator(".widget-readout").first
        start_value = readout.inner_text()
        before = image.screenshot(path=str(before_shot))
        explorer.locator(".noUi-handle").first.focus()
        page.keyboard.press(
            "End"
        )  # noUiSlider: the slider to its maximum, as a keyboard user would
        after, deadline = before, time.monotonic() + 30
        while (
            after == before and time.monotonic() < deadline
        ):  # the kernel decodes, the widget redraws
            page.wait_for_timeout(300)
            after = image.screenshot()
        image.screenshot(path=str(after_shot))
        end_value = readout.inner_text()
        page.screenshot(path=str(screenshot))

    pixels = [
        cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
        for png in (before, after)
    ]
    assert pixels[0].shape == pixels[1].shape and pixels[0].size > 0
    # collages keep a fixed scale, so a quick-mode decoder's grey blob changes by a few grey
    # levels: count pixels that moved by more than 4 of 255 (a picture never redrawn moves by 0)
    changed = np.mean(np.abs(pixels[0].astype(int) - pixels[1].astype(int)) > 4)
    assert start_value != end_value, (
        f"the slider did not move: readout {start_value} (screenshot: {screenshot})"
    )
    assert changed > 0.01, (
        f"the picture did not change when z[0] went from {start_value} to {end_value}: "
        f"{changed:.2%} of its pixels differ (screenshots: {before_shot}, {after_shot})"
    )


def test_the_live_slideshow_starts_in_jupyterlab(jupyterlab):
    """RISE (jupyterlab-rise) started on 00 from JupyterLab, offline: the title slide is on screen."""
    from playwright.sync_api import Error as PlaywrightError

    screenshot = config.output_path("browser", "slideshow_00.png")
    with chromium() as page:
        blocked = block_network(page)
        page.goto(jupyterlab.url)
        page.wait_for_function(
            NOTEBOOK_READY_JS,
            arg=jupyterlab.notebook,
            timeout=START_TIMEOUT_S * 1000,
            polling=200,
        )
        page.locator(
            ".jp-Notebook"
        ).first.click()  # command mode in the notebook, where Alt+R works
        page.keyboard.press("Escape")
        page.keyboard.press(
            "Alt+R"
        )  # RISE:preview, the slideshow in a panel beside the notebook
        slide = page.frame_locator("iframe[src*='/rise/']").locator(PRESENT_SLIDE).first
        try:
            slide.wait_for(state="visible", timeout=START_TIMEOUT_S * 1000)
            slide.locator("h1").first.wait_for(state="visible", timeout=10_000)
            page.wait_for_timeout(1500)  # the slide transition
            title = slide.locator("h1").first.text_content()
        except PlaywrightError as error:
            page.screenshot(path=str(screenshot))
            log = _tail(jupyterlab.log)
            pytest.fail(
                f"{error.message.splitlines()[0]}\nscreenshot: {screenshot}\nserver log:\n{log}"
            )
        page.screenshot(path=str(screenshot))

    assert "00 · Getting started" in title, (
        f"the slide reads {title[:200]!r} (screenshot: {screenshot})"
    )
    assert not blocked, (
        f"the slideshow asked the network for {blocked}; `make setup` sets RISE's theme to one "
        "with fonts of its own (Makefile: RISE_SETTINGS)"
    )
