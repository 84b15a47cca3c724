"""perceptron-capacity and double-descent: the properties, the mutants, and independent
references (the spec's counts and risks, scipy.stats.binom, a brute-force enumeration of every
labeling, scikit-learn's perceptron and regressors, Marchenko–Pastur quadrature)."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import linprog
from scipy.special import comb
from scipy.stats import binom
from sklearn.linear_model import LinearRegression, Perceptron, Ridge

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.phase_transitions import (
    DOUBLE_DESCENT,
    EIGHT_IN_3D,
    PERCEPTRON_CAPACITY,
    RANDOM_LABEL_GRID,
    SEVEN_IN_2D,
    _risk_terms,
    _separable,
    check_random_labels,
    count_separable_labelings,
    gardner_counting,
    inputs_from_points,
    min_norm_least_squares,
    random_design_risk,
    training_set,
    zero_training_error,
)

# =================================================================================================
# perceptron-capacity
# =================================================================================================


def test_perceptron_capacity_identities_hold():
    assert_verifies(PERCEPTRON_CAPACITY, profile="default")


def test_every_perceptron_capacity_mutant_is_rejected():
    assert_mutants_killed(PERCEPTRON_CAPACITY)


@pytest.mark.parametrize(
    ("n", "d", "count"),
    [(6, 2, 12), (8, 3, 58), (9, 3, 74), (10, 4, 260), (12, 5, 1124), (11, 6, 1276), (7, 3, 44)],
)
def test_cover_counts_match_the_spec_and_scipy(n, d, count):
    phys = gardner_counting({"n_points": n, "dimension": d})
    assert phys["cover_count"] == count  # spec 8(h)
    assert phys["cover_count"] == 2 * sum(comb(n - 1, k, exact=True) for k in range(d))
    assert phys["sat_probability"] == pytest.approx(binom.cdf(d - 1, n - 1, 0.5), rel=1e-14)


@pytest.mark.parametrize("d", [1, 2, 7, 50, 1000])
def test_half_of_all_labelings_are_separable_at_twice_the_dimension(d):
    assert gardner_counting({"n_points": 2 * d, "dimension": d})["sat_probability"] == 0.5


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (10, [0.910, 0.686, 0.5, 0.332, 0.154]),
        (100, [1.0, 0.933, 0.5, 0.088, 0.0007]),
    ],
)
def test_sat_probability_across_the_transition_matches_the_spec(d, expected):
    """Spec CAP-3: P(⌊αd⌋, d) at α = 1.5, 1.8, 2.0, 2.2, 2.5."""
    observed = [
        gardner_counting({"n_points": math.floor(a * d), "dimension": d})["sat_probability"]
        for a in (1.5, 1.8, 2.0, 2.2, 2.5)
    ]
    np.testing.assert_allclose(observed, expected, atol=6e-4)


def test_tails_at_d_1000_match_the_spec():
    upper = gardner_counting({"n_points": 2200, "dimension": 1000})["sat_probability"]
    lower = gardner_counting({"n_points": 1800, "dimension": 1000})["unsat_probability"]
    assert upper == pytest.approx(9.87e-6, rel=1e-3)
    assert lower == pytest.approx(1.18e-6, rel=1e-2)
    assert lower == pytest.approx(binom.sf(999, 1799, 0.5), rel=1e-10)


def _brute_force_count(inputs):
    """Every one of the 2^N labelings, one LP each: no tree, no certificates, no symmetry."""
    count = 0
    for labels in itertools.product([-1.0, 1.0], repeat=len(inputs)):
        y = np.array(labels)
        result = linprog(
            np.zeros(inputs.shape[1]),
            A_ub=-(y[:, None] * inputs),
            b_ub=-np.ones(len(y)),
            bounds=(None, None),
            method="highs",
        )
        assert result.status in (0, 2)
        count += result.status == 0
    return count


@pytest.mark.parametrize(
    ("points", "affine", "expected"),
    [(EIGHT_IN_3D, 0, 58), (SEVEN_IN_2D, 1, 44)],
)
def test_learning_side_count_matches_brute_force_enumeration(points, affine, expected):
    inputs = inputs_from_points({"points": points, "affine": affine})["inputs"]
    learn = zero_training_error({"inputs": inputs})
    assert learn["separable_labelings"] == _brute_force_count(np.asarray(inputs)) == expected


def test_sklearn_perceptron_fits_exactly_the_labelings_the_learning_side_calls_separable():
    """The perceptron algorithm converges on separable labels and cannot on the others."""
    inputs = np.array(EIGHT_IN_3D[:6])
    unit = inputs / np.linalg.norm(inputs, axis=1, keepdims=True)
    separable = 0
    for labels in itertools.product([-1.0, 1.0], repeat=len(inputs)):
        y = np.array(labels)
        decided = _separable(unit, y, None, 1.0)[0]
        separable += decided
        if len(set(labels)) == 1:
            continue  # scikit-learn needs two classes
        model = Perceptron(fit_intercept=False, max_iter=2000, tol=None, random_state=0)
        accuracy = model.fit(inputs, y).score(inputs, y)
        assert (accuracy == 1.0) == decided, labels
    assert separable == 32  # C(6, 3) = 2(1 + 5 + 10)


def test_collinear_points_lose_dichotomies():
    """Three points on a line with affine separators: +−+ and −+− are impossible: 6, not 8."""
    inputs = inputs_from_points({"points": [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], "affine": 1})
    assert zero_training_error(inputs)["separable_labelings"] == 6
    assert gardner_counting({"n_points": 3, "dimension": 3})["cover_count"] == 8


def test_random_label_experiment_passes_at_every_grid_point():
    """The statistical identity's verdict cannot depend on which grid points hypothesis draws."""
    for d, load in RANDOM_LABEL_GRID:
        result = check_random_labels(
            PERCEPTRON_CAPACITY, {"family": "random-labels", "dimension": d, "load": load}
        )
        assert result.holds, (d, load, result.detail)
        assert abs(result.detail["observed_z"]) < 3.5


def test_dfs_counts_agree_with_cover_for_many_random_point_sets():
    rng = np.random.default_rng(11)
    for n, d in [(5, 2), (7, 3), (9, 4), (10, 2)]:
        inputs = rng.standard_normal((n, d))
        count, programs = count_separable_labelings(inputs)
        assert count == gardner_counting({"n_points": n, "dimension": d})["cover_count"]
        assert programs < 2 ** (n - 1)


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"points": [[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]]}, "points", "general position"),
        ({"points": [[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]], "affine": 1}, "points", "affinely"),
        ({"points": [[1.0, 0.0], [1.0, 1e-8], [0.0, 1.0]]}, "points", "or nearly"),
        ({"points": [[0.0, 0.0], [1.0, 2.0]]}, "points", "zero vector"),
        ({"points": np.random.default_rng(0).normal(size=(13, 2)).tolist()}, "points", "at most"),
        ({"points": [1.0, 2.0]}, "points", "2-D"),
        ({"points": [[1.0, float("inf")]]}, "points", "finite"),
        ({"affine": 2}, "affine", "≤ 1"),
        ({"affine": 0.5}, "affine", "integers"),
        ({"pionts": [[1.0]]}, "pionts", "did you mean 'points'"),
    ],
)
def test_invalid_perceptron_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        PERCEPTRON_CAPACITY.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


# =================================================================================================
# double-descent
# =================================================================================================


def test_double_descent_identities_hold():
    assert_verifies(DOUBLE_DESCENT, profile="default")


def test_every_double_descent_mutant_is_rejected():
    assert_mutants_killed(DOUBLE_DESCENT)


@pytest.mark.parametrize(
    ("p", "expected"),
    [(20, 0.263158), (30, 0.833333), (50, 1.311111), (80, 0.756410), (160, 0.834034)],
)
def test_finite_n_risk_matches_the_spec(p, expected):
    """Spec 8(h): n = 40, σ = 0.5, ‖β‖ = 1."""
    params = {"n_samples": 40, "n_features": p, "noise": 0.5, "signal": 1.0}
    assert random_design_risk(params)["expected_excess_risk"] == pytest.approx(expected, abs=1e-6)


def test_asymptotic_risk_matches_the_spec():
    at = {"n_samples": 40, "noise": 0.5, "signal": 1.0}
    assert random_design_risk({**at, "n_features": 30})["asymptotic_risk"] == pytest.approx(0.75)
    assert random_design_risk({**at, "n_features": 160})["asymptotic_risk"] == pytest.approx(
        0.8333333333, rel=1e-9
    )


def _marchenko_pastur_inverse_mean(ratio):
    """E[1/x] under the Marchenko–Pastur law of ratio < 1, by quadrature of its density."""
    a, b = (1 - math.sqrt(ratio)) ** 2, (1 + math.sqrt(ratio)) ** 2

    def density(x):
        return math.sqrt((b - x) * (x - a)) / (2 * math.pi * ratio * x)

    value, _ = quad(lambda x: density(x) / x, a, b, limit=200)
    return value


@pytest.mark.parametrize("gamma", [0.1, 0.5, 0.8, 1.25, 2.0, 4.0])
def test_asymptotic_risk_matches_marchenko_pastur_quadrature(gamma):
    sigma2, r2 = 0.3, 1.7
    if gamma < 1:  # σ² tr (XᵀX)⁻¹ → σ²γ·E_MP(γ)[1/x]
        reference = sigma2 * gamma * _marchenko_pastur_inverse_mean(gamma)
    else:  # r²(1 − 1/γ) + σ² tr (XXᵀ)⁻¹ → σ²(1/γ)·E_MP(1/γ)[1/x]
        reference = r2 * (1 - 1 / gamma) + sigma2 / gamma * _marchenko_pastur_inverse_mean(
            1 / gamma
        )
    params = {"n_samples": 1000, "n_features": round(1000 * gamma), "noise": 0.3**0.5}
    params["signal"] = r2**0.5
    assert random_design_risk(params)["asymptotic_risk"] == pytest.approx(reference, rel=1e-7)


@pytest.mark.parametrize(("n", "p"), [(30, 10), (30, 24), (30, 36), (30, 90)])
@pytest.mark.parametrize("ridge", [0.0, 0.7])
def test_per_design_risk_terms_match_pseudo_inverse_and_sklearn_ridge(n, p, ridge):
    """The learning side's normal equations against SVD (pinv) or scikit-learn's Ridge operator."""
    rng = np.random.default_rng(3)
    designs = rng.standard_normal((3, n, p))
    u = rng.standard_normal(p)
    u /= np.linalg.norm(u)
    bias, variance = _risk_terms(designs, u, ridge)
    for k, x in enumerate(designs):
        if ridge == 0:
            operator = np.linalg.pinv(x)
        else:
            model = Ridge(alpha=ridge, fit_intercept=False, solver="svd").fit(x, np.eye(n))
            operator = model.coef_.T  # β̂ = operator @ y
        assert bias[k] == pytest.approx(np.sum((u - operator @ (x @ u)) ** 2), rel=1e-8, abs=1e-20)
        assert variance[k] == pytest.approx(np.sum(operator**2), rel=1e-8)


@pytest.mark.parametrize(("n", "p"), [(40, 20), (40, 40), (40, 80), (5, 200)])
def test_single_fit_matches_sklearn_linear_regression(n, p):
    params = {
        "family": "single-fit",
        "n_samples": n,
        "n_features": p,
        "noise": 0.5,
        "signal": 1.0,
        "seed": 4,
    }
    learn = min_norm_least_squares(params)
    design, targets, _ = training_set(params)
    reference = LinearRegression(fit_intercept=False).fit(design, targets).coef_
    kappa = np.linalg.cond(design)
    np.testing.assert_allclose(learn["coefficients"], reference, atol=1e-12 * kappa)
    if p >= n:
        assert learn["training_residual"] < 1e-10 * kappa


@pytest.mark.parametrize("p", [20, 30, 50, 80, 160])
def test_monte_carlo_matches_the_spec_curve_within_five_standard_errors(p):
    """Spec DD-1 at n = 40, σ = 0.5, ‖β‖ = 1, with 2000 designs (seed 1, not the verifier's)."""
    expected = {20: 0.263158, 30: 0.833333, 50: 1.311111, 80: 0.756410, 160: 0.834034}[p]
    learn = min_norm_least_squares(
        {
            "n_samples": 40,
            "n_features": p,
            "noise": 0.5,
            "signal": 1.0,
            "draws": 2000,
            "seed": 1,
            "ridge": 0.0,
        }
    )
    assert abs(learn["excess_risk_estimate"] - expected) <= 5 * learn["standard_error"]


def test_test_error_curve_rises_to_the_peak_and_descends_after_it():
    at = {"n_samples": 40, "noise": 0.5, "signal": 1.0}

    def risk(p):
        return random_design_risk({**at, "n_features": p})["expected_excess_risk"]

    below = [risk(p) for p in (5, 20, 34, 38)]
    assert below == sorted(below)  # the first descent is over: the risk climbs towards p = n
    assert [risk(p) for p in (39, 40, 41)] == [math.inf] * 3
    assert risk(46) > risk(60) > risk(80)  # the second descent
    assert risk(80) < risk(400) < 1.0  # and its floor: as p → ∞ the risk tends to r² = 1


def test_optimal_ridge_risk_at_the_threshold_is_below_the_null_risk():
    learn = min_norm_least_squares(
        {
            "n_samples": 40,
            "n_features": 40,
            "noise": 0.5,
            "signal": 1.0,
            "draws": 1000,
            "seed": 2,
            "ridge": 0.25 * 40,
        }
    )
    assert learn["excess_risk_estimate"] + 5 * learn["standard_error"] < 1.0
    # the min-norm fit on the same designs has a far larger (formally infinite) mean risk
    plain = min_norm_least_squares(
        {
            "n_samples": 40,
            "n_features": 40,
            "noise": 0.5,
            "signal": 1.0,
            "draws": 1000,
            "seed": 2,
            "ridge": 0.0,
        }
    )
    assert plain["excess_risk_estimate"] > 10 * learn["excess_risk_estimate"]


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"n_features": 42}, "n_features", "at least 6"),
        ({"n_features": 40}, "n_features", "interpolation peak"),
        ({"n_samples": 0}, "n_samples", "≥ 1"),
        ({"n_samples": 2.5}, "n_samples", "integers"),
        ({"noise": 0.0}, "noise", "> 0"),
        ({"signal": -1.0}, "signal", "≥ 0"),
        ({"draws": 50}, "draws", "≥ 100"),
        ({"n_samples": 1000, "n_features": 900, "draws": 1000}, "draws", "exceeds"),
        ({"seed": -1}, "seed", "≥ 0"),
        ({"noize": 0.5}, "noize", "did you mean 'noise'"),
    ],
)
def test_invalid_double_descent_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        DOUBLE_DESCENT.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


def test_importing_the_plugin_does_not_import_numpy_or_scipy():
    code = (
        "import sys, physml_plugins.phase_transitions; "
        "print(sorted(m for m in ('numpy', 'scipy', 'hypothesis') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
