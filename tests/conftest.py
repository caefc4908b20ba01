"""Fixtures of the unit tests (the run-wide settings are in ../conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def course_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment for one unit test: outputs in tmp_path, offline, data caches cleared."""
    from course_utils import data

    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    monkeypatch.delenv("COURSE_BUDGET", raising=False)
    _clear_caches(data)
    yield tmp_path
    _clear_caches(data)


def _clear_caches(data) -> None:
    for cached in (data._pixels, data._ordered, data._source, data._describe_source):
        cached.cache_clear()
