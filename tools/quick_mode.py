"""Quick mode's budget: every notebook executed with COURSE_QUICK=1, timed against 40 s each.

    python -m tools.quick_mode          # what `make quick-budget` runs

Each notebook runs top to bottom in a fresh kernel, offline, into a fresh output folder (so
nothing is loaded from an earlier run's checkpoints), in course order, as the test suite runs
them. Writes outputs/benchmarks/quick_mode.json (seconds per notebook, the machine, the budget)
and exits with 1 if any notebook is over budget.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time

from course_utils import config
from tools.build import NOTEBOOKS, execute, machine


def main() -> None:
    report_path = config.output_path("benchmarks", "quick_mode.json")
    run_dir = config.output_dir() / "benchmarks" / "quick-run"
    shutil.rmtree(run_dir, ignore_errors=True)
    os.environ.update(
        COURSE_QUICK="1",
        COURSE_OFFLINE="1",
        COURSE_OUTPUT_DIR=str(run_dir),
        MPLBACKEND="Agg",
    )
    seconds = {}
    for path in NOTEBOOKS:
        _, seconds[path.stem] = execute(path)
        over = "  OVER BUDGET" if seconds[path.stem] > config.QUICK_BUDGET_S else ""
        print(f"{seconds[path.stem]:6.1f} s  {path.stem}{over}", flush=True)
    over = [name for name, s in seconds.items() if s > config.QUICK_BUDGET_S]
    report = {
        "machine": machine(),
        "budget_s": config.QUICK_BUDGET_S,
        "seconds": seconds,
        "over_budget": over,
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    report_path.write_text(json.dumps(report, indent=2))
    print(
        f"{sum(seconds.values()):6.1f} s  all notebooks ({report['machine']}) -> {report_path}"
    )
    if over:
        sys.exit(
            f"over the {config.QUICK_BUDGET_S} s quick-mode budget: {', '.join(over)}"
        )


if __name__ == "__main__":
    main()
