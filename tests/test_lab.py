"""`make lab` starts JupyterLab, as root too, and prints nothing a student cannot act on.

The test runs exactly the command `make lab` runs (read from `make -n`, without its set-up
steps), plus what a test needs: no browser, a free port and a token. The server must answer
/api/status; its output must have no refusal to run as root, no nbclassic banner ("update to
Notebook 7": nbclassic is installed only for the offline decks' static files, and the Makefile
keeps it out of JupyterLab) and no warning. User configuration and runtime files are kept out
(JUPYTER_CONFIG_DIR and friends in tmp_path); the venv's configuration, which the Makefile
writes, is read as `make lab` reads it.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = (
    60  # JupyterLab answering /api/status (about 10 s on 2 busy CPU cores)
)
# Printed at start by JupyterLab or an extension; none of them is something a student can act on.
FORBIDDEN = {
    "refusal to run as root": "Running as root is not recommended",
    "nbclassic's banner": "migrate_to_notebook7",
    "nbclassic's banner (text)": "updating to Notebook 7",
    "a DeprecationWarning": "DeprecationWarning",
}
WARNING_LINE = re.compile(
    r"^\[[WEC] .*$", re.MULTILINE
)  # JupyterLab's warning/error/critical
SHUTDOWN = "received signal"  # the [C] line of a server stopped by SIGTERM: ours


def lab_command() -> list[str]:
    """The command `make lab` runs, without `setup` (never install anything from a test)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", "setup", "lab"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line for line in dry_run.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and " lab" in lines[0], (
        f"`make -n lab` should run one jupyter lab command, it runs: {lines}"
    )
    return shlex.split(lines[0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_starts_quietly(tmp_path: Path):
    command = lab_command()
    assert "--allow-root" in command, (
        f"JupyterLab refuses to run as root without --allow-root: {command}"
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),  # no user config
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    log = tmp_path / "jupyterlab.log"
    options = ["--no-browser", f"--port={port}", f"--IdentityProvider.token={token}"]
    with log.open("w") as log_file:
        server = subprocess.Popen(
            command + options,
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    answered = False
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while server.poll() is None and time.monotonic() < deadline:
            url = f"http://127.0.0.1:{port}/api/status?token={token}"
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    answered = response.status == 200
                break
            except OSError:
                time.sleep(0.3)
    finally:
        server.terminate()  # SIGTERM: the server stops cleanly
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the server's own process group
            server.wait()
    output = log.read_text(errors="replace")

    assert answered, f"`{shlex.join(command)}` did not answer /api/status:\n{output}"
    for what, text in FORBIDDEN.items():
        assert text not in output, f"`make lab` printed {what}:\n{output}"
    warnings = [line for line in WARNING_LINE.findall(output) if SHUTDOWN not in line]
    assert not warnings, "`make lab` warned at start:\n" + "\n".join(warnings)
