"""What the prose says a run shows, checked on this run's numbers.

Introduced in 01_autoencoder. A notebook's text may say what a run is expected to show (a
ranking, a trend, a gap); the cell that measures it calls ``claim``, which prints the claim
with the measured values and whether it holds on this run. It never fails the run: other
digits may legitimately give another answer, and the student should see that, not an error.
"""

from __future__ import annotations

import operator

COMPARISONS = {
    "<": (operator.lt, ">="),
    "<=": (operator.le, ">"),
    ">": (operator.gt, "<="),
    ">=": (operator.ge, "<"),
}


def claim(
    text: str, left: float, op: str, right: float, fmt: str = ".1f", unit: str = ""
) -> None:
    """Print 'holds: <text>: <left> <op> <right> <unit>', or 'does not hold on this data:
    ...' with the comparison that was measured instead. It returns nothing, so that a
    claim on a cell's last line prints only its sentence.

    >>> claim("the conv VAE ends below the MLP VAE", 105.3, "<", 109.8, unit="nats")
    holds: the conv VAE ends below the MLP VAE: 105.3 < 109.8 nats
    """
    if op not in COMPARISONS:
        raise ValueError(f"op={op!r}: expected one of {', '.join(COMPARISONS)}")
    compare, negation = COMPARISONS[op]
    holds = bool(compare(left, right))
    shown = f"{left:{fmt}} {op if holds else negation} {right:{fmt}}"
    verdict = "holds" if holds else "does not hold on this data"
    print(f"{verdict}: {text}: {shown}{' ' + unit if unit else ''}")
