"""Helpers shared by the course notebooks (README, "Repository layout" and "Contract").

Import the modules you need explicitly, e.g. ``from course_utils import data, viz``.
Importing has no side effects: nothing is seeded, downloaded or printed. The course's tooling
(build, slides, export) lives in the repository's ``tools/`` folder, not here.
"""

__all__ = [
    "claims",
    "classifier",
    "config",
    "data",
    "device",
    "exercises",
    "explore",
    "from_notebooks",
    "outputs",
    "scores",
    "training",
    "viz",
]
