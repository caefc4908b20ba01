import doctest

import pytest

from course_utils import claims


def test_a_claim_prints_its_values_and_whether_it_holds(capsys):
    claims.claim("MLP above conv", 109.8, ">", 105.3, unit="nats")
    claims.claim("gap of at least 3", 2.5, ">=", 3, fmt=".2f")
    claims.claim("most digits", 6, ">", 5, fmt="d", unit="of 10")
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "holds: MLP above conv: 109.8 > 105.3 nats",
        "does not hold on this data: gap of at least 3: 2.50 < 3.00",
        "holds: most digits: 6 > 5 of 10",
    ]


def test_an_unknown_comparison_is_an_error():
    with pytest.raises(ValueError, match="expected one of <, <=, >, >="):
        claims.claim("x", 1, "==", 1)


def test_the_docstring_example_runs():
    assert doctest.testmod(claims).failed == 0
