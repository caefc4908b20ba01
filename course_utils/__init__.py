"""Helpers shared by the course notebooks (README, "Repository layout" and "Contract").

Import the modules you need explicitly, e.g. ``from course_utils import data, viz``.
Importing has no side effects: nothing is seeded, downloaded or printed.
"""

__all__ = [
    "bootstrap", "build", "classifier", "config", "data", "device", "exercises", "explore", "export",
    "from_notebooks", "outputs", "scores", "standin", "training", "viz",
]  # fmt: skip
