"""path-integral-laplace: the identities, the mutants, and independent references (scipy's
multivariate normal, scikit-learn's ridge regression, adaptive quadrature, Stirling's series,
mpmath, the spec's tabulated values)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.path_integrals import (
    BETA,
    PATH_INTEGRAL_LAPLACE,
    STRESS_EXAMPLES,
    SWEEP,
    bayesian_linear_regression,
    beta_bernoulli_evidence,
    beta_saddle_point,
    conditioning,
    gaussian_path_integral,
    model_from_action,
    two_loop_coefficient,
)

C = PATH_INTEGRAL_LAPLACE
EPS = np.finfo(float).eps


def _cases() -> list[dict]:
    """The worked example, the stress examples and seeded random draws of the spec's domain."""
    rng = np.random.default_rng(20240501)
    cases = [C.check_params(C.example), *(C.check_params(e) for e in STRESS_EXAMPLES)]
    while len(cases) < 60:
        n, d = int(rng.integers(1, 41)), int(rng.integers(1, 16))
        design = rng.normal(size=(n, d)) * 10 ** rng.uniform(-2, 2)
        params = {
            "design": design,
            "targets": rng.normal(size=n) * 10 ** rng.uniform(-1, 1),
            "prior_precision": 10 ** rng.uniform(-3, 3),
            "noise_variance": 10 ** rng.uniform(-3, 2),
        }
        if conditioning(params)["kappa"] <= 1e8:
            cases.append(C.check_params(params))
    return cases


CASES = _cases()


# -- the verifier -------------------------------------------------------------------------------


def test_path_integral_laplace_identities_hold():
    assert_verifies(C, profile="default")


def test_every_path_integral_laplace_mutant_is_rejected():
    assert_mutants_killed(C)


# -- LA-1 against scipy.stats.multivariate_normal --------------------------------------------------


@pytest.mark.parametrize("index", range(len(CASES)))
def test_log_partition_function_and_evidence_match_scipy_multivariate_normal(index):
    from scipy.stats import multivariate_normal

    params = CASES[index]
    design, targets = params["design"], params["targets"]
    alpha, noise = params["prior_precision"], params["noise_variance"]
    covariance = noise * np.eye(len(targets)) + design @ design.T / alpha
    reference = multivariate_normal(np.zeros(len(targets)), covariance).logpdf(targets)
    atol = max(1e-12, 10 * EPS * conditioning(params)["kappa"]) * (1 + abs(reference))
    physics = gaussian_path_integral(params)
    learning = bayesian_linear_regression(params)
    assert abs(physics["log_partition_function"] - reference) <= atol
    assert abs(learning["log_evidence"] - reference) <= atol
    assert abs(learning["laplace_log_evidence"] - reference) <= atol


@pytest.mark.parametrize("index", range(len(CASES)))
def test_classical_solution_is_scikit_learn_ridge_regression(index):
    from sklearn.linear_model import Ridge

    params = CASES[index]
    design, targets = params["design"], params["targets"]
    # Ridge minimises ‖y − Xw‖² + λ‖w‖²: the MAP of the linear-Gaussian model at λ = α·σ².
    ridge = Ridge(
        alpha=params["prior_precision"] * params["noise_variance"],
        fit_intercept=False,
        solver="svd",
    ).fit(design, targets)
    cond = conditioning(params)
    w = gaussian_path_integral(params)["classical_solution"]
    scale = np.max(np.abs(ridge.coef_)) + np.linalg.norm(targets) / math.sqrt(
        params["noise_variance"] * cond["stiffness_min"]
    )
    assert np.max(np.abs(w - ridge.coef_)) <= 100 * EPS * cond["condition"] * scale
    assert np.max(np.abs(bayesian_linear_regression(params)["map_estimate"] - ridge.coef_)) <= (
        100 * EPS * cond["condition"] * scale
    )


def test_worked_example_by_hand():
    """Two parameters: A = XᵀX/σ² + I is 2 × 2 and inverts in closed form."""
    params = C.check_params(C.example)
    x = params["design"][:, 1]
    y = params["targets"]
    noise = params["noise_variance"]
    a11, a12, a22 = 6 / noise + 1, x.sum() / noise, x @ x / noise + 1
    det = a11 * a22 - a12**2
    propagator = np.array([[a22, -a12], [-a12, a11]]) / det
    source = np.array([y.sum(), x @ y]) / noise
    physics = gaussian_path_integral(params)
    learning = bayesian_linear_regression(params)
    np.testing.assert_allclose(physics["propagator"], propagator, rtol=1e-13)
    np.testing.assert_allclose(learning["posterior_covariance"], propagator, rtol=1e-13)
    np.testing.assert_allclose(physics["classical_solution"], propagator @ source, rtol=1e-13)
    assert propagator[0, 1] < 0  # intercept and slope are anticorrelated a posteriori
    assert physics["fluctuation_log_determinant"] == pytest.approx(math.log(det), rel=1e-14)
    # MacKay: evidence = best-fit likelihood × Occam factor, and the Occam factor is < 1 here.
    assert learning["log_evidence"] == pytest.approx(
        learning["log_likelihood_at_map"] + learning["log_occam_factor"], abs=1e-13
    )
    assert learning["log_occam_factor"] < 0


def test_propagator_is_the_inverse_of_the_fluctuation_operator():
    for params in CASES:
        cond = conditioning(params)
        if cond["condition"] > 1e6:
            continue
        design = params["design"]
        operator = design.T @ design / params["noise_variance"] + params[
            "prior_precision"
        ] * np.eye(design.shape[1])
        inverse = np.linalg.inv(operator)
        atol = 100 * EPS * cond["condition"] * np.max(np.abs(inverse)) * design.shape[1]
        np.testing.assert_allclose(
            gaussian_path_integral(params)["propagator"], inverse, rtol=0, atol=atol
        )


def test_modes_the_data_do_not_see_have_the_prior_stiffness():
    params = C.check_params(STRESS_EXAMPLES[1])  # n = 2 rows, d = 4 weights
    stiffnesses = gaussian_path_integral(params)["mode_stiffnesses"]
    assert np.sum(stiffnesses == params["prior_precision"]) == 2


# -- LA-2: the loop expansion against closed forms, quadrature and Stirling -----------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0.5, -0.75), (0.3, -0.6865079365), (0.1, -0.1574074074), (0.9, -0.1574074074)],
)
def test_two_loop_coefficient_matches_the_spec_values(q, expected):
    hbar = 1 / np.asarray(SWEEP, dtype=float)
    c1 = beta_saddle_point({"family": BETA, "success_fraction": q, "hbar": hbar})[
        "loop_coefficient"
    ]
    assert c1 == pytest.approx(expected, abs=1e-10)
    assert c1 == pytest.approx(1 / (12 * q * (1 - q)) - 13 / 12, rel=1e-14)


def test_stirling_series_is_the_two_loop_term_of_s_minus_log_s():
    """S(s) = s − log s at its saddle s = 1: S₂ = 1, S₃ = −2, S₄ = 6, and c₁ = 1/12."""
    from scipy.special import gammaln

    assert two_loop_coefficient(1.0, -2.0, 6.0) == pytest.approx(1 / 12, rel=1e-15)
    for n in SWEEP:
        # ∫₀^∞ exp(−n(s − log s)) ds = Γ(n + 1)/n^(n+1); one loop: −n + ½ log(2π/n).
        remainder = gammaln(n + 1) - (n * math.log(n) - n + 0.5 * math.log(2 * math.pi * n))
        # The next term is −1/(360n³); log Γ(n + 1) rounds by eps·log Γ(n + 1), times n.
        rounding = 16 * EPS * n * (1 + gammaln(n + 1))
        assert abs(n * remainder - 1 / 12) <= 1 / (300 * n**2) + rounding


@pytest.mark.parametrize("q", [0.1, 0.3, 0.5, 0.77])
def test_beta_integral_by_adaptive_quadrature(q):
    """∫₀¹ exp(−(S(θ) − S(q))/ħ) dθ by scipy.integrate.quad: the exact side (betaln) to quadrature
    accuracy, and the two-loop expansion to O(ħ²)."""
    from scipy.integrate import quad

    for n in (20, 80, 320):
        hbar = 1.0 / n
        physics = beta_saddle_point({"family": BETA, "success_fraction": q, "hbar": hbar})
        learning = beta_bernoulli_evidence(
            model_from_action({"family": BETA, "success_fraction": q, "hbar": hbar})
        )

        def integrand(theta, n=n):
            log_ratio = q * math.log(theta / q) + (1 - q) * math.log((1 - theta) / (1 - q))
            return math.exp(n * log_ratio)  # the integrand divided by its value at the saddle

        value, _ = quad(integrand, 0, 1, points=[q], epsabs=0, epsrel=1e-12, limit=200)
        log_z = math.log(value) - n * physics["classical_action"]
        c1 = physics["loop_coefficient"]
        assert abs(float(learning["log_evidence"]) - log_z) <= 1e-11 * (1 + abs(log_z))
        assert abs(float(physics["two_loop_log_z"]) - log_z) <= 2 / n**2
        assert abs(float(physics["one_loop_log_z"]) - log_z) > 0.5 * abs(c1) / n


def test_betaln_is_accurate_at_the_largest_sample_size():
    """The exact side of the limit identities rests on betaln: mpmath at 50 digits confirms it."""
    import mpmath

    mpmath.mp.dps = 50
    for q in (0.1, 0.3, 0.5):
        n = SWEEP[-1]
        k = round(q * n)
        reference = float(mpmath.log(mpmath.beta(k + 1, n - k + 1)))
        exact = beta_bernoulli_evidence(
            {"successes": k, "trials": n, "prior_a": 1.0, "prior_b": 1.0}
        )["log_evidence"]
        assert abs(float(exact) - reference) <= 1e-13 * abs(reference)


def test_one_loop_and_laplace_coincide_under_a_uniform_prior():
    hbar = 1 / np.asarray(SWEEP, dtype=float)
    swept = {"family": BETA, "success_fraction": 0.3, "prior_a": 1.0, "prior_b": 1.0, "hbar": hbar}
    physics = beta_saddle_point(swept)
    learning = beta_bernoulli_evidence(model_from_action(swept))
    np.testing.assert_allclose(
        learning["laplace_log_evidence"], physics["one_loop_log_z"], rtol=1e-13
    )
    np.testing.assert_allclose(learning["map_estimate"], 0.3, rtol=1e-14)


def test_two_loop_identity_reports_the_coefficient_and_bound():
    identity = C.identity("two-loop-correction-beta-integral")
    result = identity.check(
        C, {"family": BETA, "success_fraction": 0.5, "prior_a": 1.0, "prior_b": 1.0}
    )
    assert result.holds
    assert result.detail["expected_coefficient"] == pytest.approx(-0.75)
    # Spec 5A: n·r_n = −0.7035 at n = 10 and −0.74961 at n = 1280.
    assert result.detail["scaled_remainders"][0] == pytest.approx(-0.7035, abs=5e-5)
    assert result.detail["observed_coefficient"] == pytest.approx(-0.74961, abs=5e-6)
    assert result.detail["bound"] == pytest.approx(2 / 1280)
    assert result.detail["observed_rate"] == pytest.approx(-1.0, abs=0.1)
    assert result.detail["extrapolated_coefficient"] == pytest.approx(-0.75, abs=1e-5)


# -- LA-3: the Bayesian version against the spec's table -----------------------------------------


def test_laplace_error_with_a_beta_prior_matches_the_spec_table():
    """a = 2, b = 3, q = 0.3: n·(exact − Laplace) = −0.505, −0.6625, −0.6840, −0.68626."""
    n = np.array([10.0, 100.0, 1000.0, 10000.0])
    out = beta_bernoulli_evidence(
        {"successes": 0.3 * n, "trials": n, "prior_a": 2.0, "prior_b": 3.0}
    )
    scaled = n * (out["log_evidence"] - out["laplace_log_evidence"])
    np.testing.assert_allclose(scaled, [-0.505, -0.6625, -0.6840, -0.68626], atol=5e-4)


def test_laplace_error_identity_converges_to_the_uniform_prior_coefficient():
    identity = C.identity("laplace-error-is-two-loop-term")
    result = identity.check(
        C, {"family": BETA, "success_fraction": 0.3, "prior_a": 2.0, "prior_b": 3.0}
    )
    assert result.holds
    assert result.detail["expected_coefficient"] == pytest.approx(-0.6865079365)
    assert result.detail["extrapolated_coefficient"] == pytest.approx(-0.6865079365, abs=1e-3)


def test_exact_evidence_is_a_normalised_probability_of_sequences():
    """Σ over all 2ⁿ sequences of p(D) = 1: the Beta–Bernoulli evidence is normalised."""
    from scipy.special import comb

    n = 12
    k = np.arange(n + 1, dtype=float)
    log_ev = beta_bernoulli_evidence(
        {"successes": k, "trials": np.full(n + 1, float(n)), "prior_a": 2.5, "prior_b": 0.7}
    )["log_evidence"]
    assert float(np.sum(comb(n, k) * np.exp(log_ev))) == pytest.approx(1.0, rel=1e-13)


# -- parameters ---------------------------------------------------------------------------------


def _with(**changes):
    return {**C.example, **changes}


@pytest.mark.parametrize(
    ("params", "name", "fragment"),
    [
        (_with(targets=[1.0, 2.0, 3.0]), "targets", "one entry per row"),
        (_with(prior_precision=0.0), "prior_precision", "> 0"),
        (_with(prior_precision=-1.0), "prior_precision", "> 0"),
        (_with(noise_variance=0.0), "noise_variance", "> 0"),
        (_with(design=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), "design", "2-D"),
        (_with(design=[[1.0, float("nan")]] * 6), "design", "finite"),
        (_with(noise_variance=1e-9, prior_precision=1e-3), "design", "ill-conditioned"),
        (_with(targets=[1e160] * 6, noise_variance=1.0), "targets", "overflows"),
        (_with(design=[[1.0]] * 5001, targets=[0.0] * 5001), "design", "at most 5000"),
        ({"desgin": [[1.0]]}, "desgin", "did you mean 'design'"),
    ],
)
def test_invalid_parameters_raise_a_parameter_error_naming_the_parameter(params, name, fragment):
    with pytest.raises(ParameterError) as error:
        C.check_params(params)
    assert error.value.parameter == name
    assert fragment in str(error.value)


def test_targets_and_design_given_take_the_other_parameters_from_the_worked_example():
    values = C.check_params({"design": [[1.0], [2.0]], "targets": [0.5, 1.0]})
    assert values["prior_precision"] == 1.0 and values["noise_variance"] == 0.5


def test_eval_exits_2_with_a_clear_message_for_mismatched_targets(capsys, monkeypatch):
    import io

    from physml.cli import main

    params = {"design": [[1.0, 0.0], [1.0, 1.0]], "targets": [1.0, 2.0, 3.0]}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(params)))
    assert main(["eval", "path-integral-laplace", "--params", "-"]) == 2
    assert "parameter 'targets'" in capsys.readouterr().err


def test_eval_of_the_worked_example_exits_0(capsys):
    from physml.cli import main

    assert main(["eval", "path-integral-laplace", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["physics"]["log_partition_function"] == pytest.approx(
        result["learning"]["log_evidence"], abs=1e-12
    )
