"""Course tooling: the build, slide rules, export, set-up cell, stand-in data and quick-mode timer.

Run from the repository root (`make ...` does); not installed with course_utils, which holds only
what the notebooks import.
"""
