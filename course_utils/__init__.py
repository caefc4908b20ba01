"""Helpers shared by the course notebooks.

Import the modules you need explicitly, e.g. ``from course_utils import data, viz``.
Importing has no side effects: nothing is seeded, downloaded or printed.
"""

__all__ = ["config", "data", "device", "exercises", "explore", "metrics", "training", "viz"]
