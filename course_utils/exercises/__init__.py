"""Checks for the exercises at the end of every notebook: one module per notebook.

A notebook's exercise gives a stub that raises ``NotImplementedError``; the cell below it runs
``exercises.check_<name>(<name>)`` (the notebook imports its own module as ``exercises``, e.g.
``from course_utils.exercises import dcgan as exercises``), which calls the student's function
on fixed inputs and compares the result with torch, scipy or course_utils (or with a value known
in closed form), edge cases included. The check returns a Verdict that the notebook shows as the
cell's output: "✅ Correct: ..." or "❌ Not yet: ..." with what differs, in numbers. A stub still
in place gives "❌ Not attempted yet"; any other exception in the student's code is reported,
never raised, so the notebooks run top to bottom with the stubs in place. Checks draw their
inputs from their own seeded generators and leave the global random state untouched.

tests/test_exercises.py runs every solution in the notebooks through these same checks.
"""
