"""Exercise checks of notebooks/14_evaluating_generative_models.ipynb (see
course_utils.exercises.checking)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import scipy.linalg

from course_utils import scores
from course_utils.exercises.checking import NotYet, call, check, integer, number


@check("coverage_and_class_ratio")
def check_coverage_and_class_ratio(fn: Callable) -> str:
    cases = [
        [100] * 10,  # uniform
        [300, 5, 95, 100, 100, 100, 100, 100, 50, 50],  # a rare digit (0.5%)
        [
            10,
            9,
            120,
            120,
            120,
            120,
            120,
            120,
            130,
            131,
        ],  # exactly 1% counts, 0.9% does not
        [0, 150, 100, 100, 100, 100, 100, 100, 100, 150],  # a missing digit
    ]
    for counts in map(np.array, cases):
        report = scores.class_balance(counts)
        result = call(fn, counts.copy())
        if not (isinstance(result, tuple) and len(result) == 2):
            raise NotYet(
                f"return a pair (coverage, class_ratio), got {type(result).__name__}"
            )
        coverage = integer(result[0], "coverage")
        ratio = number(result[1], "class_ratio")
        if coverage != report["coverage"]:
            raise NotYet(
                f"counts {counts.tolist()}: coverage {coverage}, but "
                f"scores.class_balance says {report['coverage']} (digits with at least "
                "1% of the samples)"
            )
        expected = report["class_ratio"]
        if not (ratio == expected or math.isclose(ratio, expected, rel_tol=1e-9)):
            raise NotYet(
                f"counts {counts.tolist()}: class_ratio {ratio}, but "
                f"scores.class_balance says {expected} (largest count / smallest, inf "
                "if a digit is missing)"
            )
    return (
        "coverage and class_ratio agree with scores.class_balance (the scoreboard's "
        "columns), at the 1% boundary and with a missing digit"
    )


@check("fid_from_features")
def check_fid_from_features(fn: Callable) -> str:
    rng = np.random.default_rng(0)
    real = rng.normal(size=(60, 3)) @ np.array(
        [[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.7]]
    )
    fake = rng.normal(size=(60, 3)) * [0.5, 2.0, 1.0] + [1.0, 0.0, -1.0]
    fewer = fake[:40]
    wide = rng.normal(size=(500, 8)), rng.normal(size=(300, 8)) * 1.5 + 0.2

    def reference(
        a: np.ndarray, b: np.ndarray, ddof: int = 1, rowvar: bool = False
    ) -> float:
        return scores.frechet_distance(
            a.mean(0),
            np.cov(a, rowvar=rowvar, ddof=ddof),
            b.mean(0),
            np.cov(b, rowvar=rowvar, ddof=ddof),
        )

    shift = np.array([1.0, 2.0, 2.0])
    cases = [
        ("60 real against 60 fake features, 3-D", real, fake, reference(real, fake)),
        ("60 real against 40 fake features, 3-D", real, fewer, reference(real, fewer)),
        ("real against itself", real, real, 0.0),
        (
            "real against real + (1, 2, 2)",
            real,
            real + shift,
            9.0,
        ),  # ||shift||^2, same covariance
        ("500 against 300 features, 8-D", *wide, reference(*wide)),
    ]
    # Singular covariances, as the judge's ReLU features give them: features that are 0
    # for every image (dead units), and a generator collapsed onto two pictures (a
    # covariance of rank 1).
    dead = 4  # of 16 features
    relu = rng.normal(size=(200, 16)) + 0.3
    relu[:, :dead] = -1.0
    relu_fake = rng.normal(size=(150, 16)) * 1.3
    relu_fake[:, :dead] = -1.0
    relu, relu_fake = np.maximum(relu, 0), np.maximum(relu_fake, 0)
    singular = [
        (
            "4 of 16 features dead (0 for every image)",
            relu,
            relu_fake,
            reference(relu, relu_fake),
        )
    ]
    for k in range(8):
        pictures = np.maximum(rng.normal(size=(2, 16)) + 0.3, 0)
        pictures[:, :dead] = 0
        collapsed = pictures[np.arange(60) % 2]
        singular.append(
            (
                f"a generator collapsed onto two pictures (case {k + 1} of 8), "
                "4 of 16 features dead",
                relu,
                collapsed,
                reference(relu, collapsed),
            )
        )
    for i, (what, a, b, expected) in enumerate(cases + singular):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = number(call(fn, a.copy(), b.copy()), f"fid_from_features ({what})")
        scipy_warnings = [
            w for w in caught if issubclass(w.category, scipy.linalg.LinAlgWarning)
        ]
        if i >= len(cases) and (scipy_warnings or not math.isfinite(got)):
            said = (
                f"SciPy warned '{scipy_warnings[0].message}'"
                if scipy_warnings
                else f"you returned {got}"
            )
            raise NotYet(
                f"{what}: {said}. The covariances are singular, and scipy.linalg.sqrtm "
                "of their non-symmetric product can be inaccurate or NaN. Take the "
                "square roots of the eigenvalues of the symmetric matrix "
                "cov_r^(1/2) cov_g cov_r^(1/2) instead (np.linalg.eigh, negative "
                "rounding clipped to 0), as scores.frechet_distance does"
            )
        if not math.isclose(got, expected, rel_tol=1e-5, abs_tol=1e-6):
            hint = ""
            if math.isclose(got, reference(a, b, ddof=0), rel_tol=1e-5):
                hint = ": use the unbiased covariance (divide by N - 1, as np.cov does)"
            elif len(a) == len(b) and math.isclose(
                got, reference(a, b, rowvar=True), rel_tol=1e-3
            ):
                hint = (
                    ": your covariances are N x N, over images; rows are samples here "
                    "(np.cov(..., rowvar=False))"
                )
            raise NotYet(
                f"{what}: {got:.6g}, expected {expected:.6g} (scores.frechet_distance "
                f"of the means and covariances){hint}"
            )
    return (
        f"{cases[0][3]:.4f} for two different sets, 0 for identical ones, "
        "||shift||^2 = 9 for a shifted copy, and finite, right values for singular "
        "covariances (dead features, a collapsed generator)"
    )
