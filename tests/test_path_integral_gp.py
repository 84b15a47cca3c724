"""path-integral-gp: the identities, the mutants, and independent references: scipy's normal and
multivariate normal densities, quadrature of the lattice integral, the Hermite-function spectral
sum of Mehler's kernel in mpmath, scikit-learn's Matérn-½ kernel and GP regressor, dense matrix
inverses, and the spec's tabulated values (5B(d), 5B(h))."""

from __future__ import annotations

import itertools
import json
import math

import mpmath
import numpy as np
import pytest
from scipy import integrate
from scipy.stats import multivariate_normal, norm

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.path_integrals import (
    FREE_PARTICLE,
    GP_STRESS_EXAMPLES,
    GROUND_STATE,
    OSCILLATOR,
    PATH_INTEGRAL_GP,
    THERMAL,
    TWO_POINT,
    check_oscillator_limit,
    check_thermal_limit,
    euclidean_path_integral,
    gaussian_process_regression,
    gp_from_path_integral,
    lattice_propagator,
    mehler_log_kernel,
    thermal_lattice_variance,
)

C = PATH_INTEGRAL_GP
EPS = np.finfo(float).eps
ETA = np.finfo(float).smallest_subnormal


def _cases() -> list[dict]:
    """The worked example, the stress examples and seeded draws of the spec's domain (5B(c))."""
    rng = np.random.default_rng(20240611)
    cases = [C.check_params(C.example), *(C.check_params(e) for e in GP_STRESS_EXAMPLES)]
    while len(cases) < 40:
        mass, hbar = 10 ** rng.uniform(-2, 2), 10 ** rng.uniform(-2, 1)
        frequency = 10 ** rng.uniform(-2, 1)
        duration = 10 ** rng.uniform(-2, math.log10(3)) / frequency
        length = math.sqrt(hbar * duration / mass)
        start, end = rng.normal(size=2) * 2.5 * length
        cases.append(
            C.check_params(
                {
                    "mass": mass,
                    "hbar": hbar,
                    "frequency": frequency,
                    "duration": duration,
                    "steps": int(rng.integers(1, 61)),
                    "start": start,
                    "end": end,
                }
            )
        )
    return cases


CASES = _cases()


def _sides(params: dict, family: str | None = None) -> tuple[dict, dict]:
    point = dict(params) if family is None else {**params, "family": family}
    return euclidean_path_integral(point), gaussian_process_regression(gp_from_path_integral(point))


# -- the verifier -------------------------------------------------------------------------------


def test_path_integral_gp_identities_hold():
    assert_verifies(C, profile="default")


def test_every_path_integral_gp_mutant_is_rejected():
    assert_mutants_killed(C)


# -- PI-1: the free particle against scipy's normal density ---------------------------------------


@pytest.mark.parametrize("index", range(len(CASES)))
def test_free_particle_lattice_and_brownian_gp_match_the_heat_kernel(index):
    params = CASES[index]
    physics, learning = _sides(params, FREE_PARTICLE)
    scale = math.sqrt(params["hbar"] * params["duration"] / params["mass"])
    reference = norm(params["start"], scale).logpdf(params["end"])
    assert physics["lattice_log_propagator"] == pytest.approx(
        reference, abs=1e-11 * (1 + abs(reference)) * params["steps"]
    )
    assert learning["brownian_log_marginal_likelihood"] == pytest.approx(
        reference, abs=1e-13 * (1 + abs(reference))
    )


def test_free_particle_lattice_does_not_depend_on_the_number_of_steps():
    values = [
        lattice_propagator(0.7, 1.9, 0.0, 2.5, steps, 0.4, -1.1)["log_kernel"]
        for steps in range(1, 61)
    ]
    np.testing.assert_allclose(values, values[0], rtol=0, atol=1e-13)


@pytest.mark.parametrize("rule", ["trapezoid", "left"])
def test_two_step_lattice_matches_quadrature_over_the_middle_point(rule):
    """The lattice integral itself, by adaptive quadrature: M = 2, with the potential."""
    m, hbar, w, tau, x_a, x_b = 1.3, 0.6, 1.7, 1.1, 0.35, -0.2
    eps = tau / 2
    weights = (0.5, 0.5) if rule == "trapezoid" else (1.0, 0.0)

    def integrand(x1: float) -> float:
        kinetic = m * ((x1 - x_a) ** 2 + (x_b - x1) ** 2) / (2 * eps)
        potential = eps * m * w**2 * (weights[0] * x_a**2 + x1**2 + weights[1] * x_b**2) / 2
        return math.exp(-(kinetic + potential) / hbar)

    value, _ = integrate.quad(integrand, -np.inf, np.inf, epsabs=0, epsrel=1e-13)
    reference = math.log(m / (2 * math.pi * hbar * eps) * value)
    lattice = lattice_propagator(m, hbar, w, tau, 2, x_a, x_b, rule=rule)["log_kernel"]
    assert lattice == pytest.approx(reference, abs=1e-12)


def test_three_step_lattice_matches_a_double_integral():
    m, hbar, w, tau, x_a, x_b = 0.8, 1.4, 0.9, 1.5, -0.3, 0.6
    eps = tau / 3

    def integrand(x2: float, x1: float) -> float:
        path = (x_a, x1, x2, x_b)
        kinetic = sum(m * (b - a) ** 2 / (2 * eps) for a, b in itertools.pairwise(path))
        potential = eps * m * w**2 * (x_a**2 / 2 + x1**2 + x2**2 + x_b**2 / 2) / 2
        return math.exp(-(kinetic + potential) / hbar)

    value, _ = integrate.dblquad(integrand, -8, 8, -8, 8, epsabs=0, epsrel=1e-11)
    reference = math.log((m / (2 * math.pi * hbar * eps)) ** 1.5 * value)
    assert lattice_propagator(m, hbar, w, tau, 3, x_a, x_b)["log_kernel"] == pytest.approx(
        reference, abs=1e-9
    )


# -- the Brownian prior on the grid and the bridge (PI-2) -----------------------------------------


@pytest.mark.parametrize("index", range(len(CASES)))
def test_lattice_action_hessian_inverts_the_min_kernel_and_measure_is_its_normaliser(index):
    params = CASES[index]
    physics, _ = _sides(params, FREE_PARTICLE)
    steps, tau = params["steps"], params["duration"]
    times = np.arange(1, steps + 1) * tau / steps
    kernel = params["hbar"] / params["mass"] * np.minimum.outer(times, times)
    product = physics["path_precision"] @ kernel
    condition = 1 / math.sin(math.pi / (4 * steps + 2)) ** 2
    assert np.max(np.abs(product - np.eye(steps))) <= 8 * steps * EPS * condition
    # N(x; x_a, K) at its mean is det(2πK)^(−1/2): the lattice measure (m/2πħε)^(M/2).
    density = multivariate_normal(np.zeros(steps), kernel).logpdf(np.zeros(steps))
    assert physics["log_path_measure"] == pytest.approx(density, abs=1e-11 * (1 + abs(density)))


@pytest.mark.parametrize("index", range(len(CASES)))
def test_pinned_paths_give_the_closed_form_brownian_bridge(index):
    params = CASES[index]
    if params["steps"] == 1:
        pytest.skip("no interior point")
    physics, learning = _sides(params, FREE_PARTICLE)
    tau, steps, x_a, x_b = params["duration"], params["steps"], params["start"], params["end"]
    inner = np.arange(1, steps) * tau / steps
    covariance = (
        params["hbar"]
        / params["mass"]
        * (np.minimum.outer(inner, inner) - np.outer(inner, inner) / tau)
    )
    mean = x_a + inner / tau * (x_b - x_a)
    scale = params["hbar"] * tau / params["mass"]
    condition = 1 / math.tan(math.pi / (2 * steps)) ** 2
    for side in (physics["pinned_propagator"], learning["bridge_covariance"]):
        assert np.max(np.abs(side - covariance)) <= 8 * EPS * steps * condition * scale
    size = max(abs(x_a), abs(x_b))
    for side in (physics["classical_path"], learning["bridge_mean"]):
        # Subnormal end points round absolutely, by up to ETA (gradual underflow).
        assert np.max(np.abs(side - mean)) <= 8 * steps * condition * (EPS * size + ETA)


# -- PI-3: Mehler's kernel and the OU transition density ----------------------------------------


def _mp_mehler(m: float, hbar: float, w: float, tau: float, x_a: float, x_b: float) -> float:
    """Mehler's kernel with sinh and cosh in 50-digit arithmetic."""
    with mpmath.workdps(50):
        m, hbar, w, tau, x_a, x_b = (mpmath.mpf(v) for v in (m, hbar, w, tau, x_a, x_b))
        x = w * tau
        exponent = (
            m
            * w
            * ((x_a**2 + x_b**2) * mpmath.cosh(x) - 2 * x_a * x_b)
            / (2 * hbar * mpmath.sinh(x))
        )
        return float(mpmath.log(m * w / (2 * mpmath.pi * hbar * mpmath.sinh(x))) / 2 - exponent)


@pytest.mark.parametrize("omega_tau", [1e-4, 1e-2, 0.5, 3.0, 40.0, 600.0])
def test_mehler_kernel_matches_high_precision_sinh_and_cosh(omega_tau):
    m, hbar, w = 2.3, 0.4, 1.7
    tau = omega_tau / w
    length = math.sqrt(hbar / (m * w))
    for x_a, x_b in ((0.3 * length, -1.2 * length), (2.0 * length, 2.1 * length), (0.0, 0.0)):
        reference = _mp_mehler(m, hbar, w, tau, x_a, x_b)
        value = mehler_log_kernel(m, hbar, w, tau, x_a, x_b)
        assert value == pytest.approx(
            reference, abs=32 * EPS * (1 + abs(reference)) / min(omega_tau, 1)
        )


@pytest.mark.parametrize("omega_tau", [0.5, 1.0, 2.5])
def test_mehler_kernel_is_the_spectral_sum_over_oscillator_eigenstates(omega_tau):
    """K_E = Σ_n ψ_n(x_b) ψ_n(x_a) e^(−(n + ½)ωτ), with Hermite functions ψ_n."""
    m, hbar, w = 1.6, 0.7, 1.2
    tau = omega_tau / w
    scale = math.sqrt(m * w / hbar)
    x_a, x_b = 0.8 / scale, -1.3 / scale
    with mpmath.workdps(40):

        def psi(n: int, x: float) -> mpmath.mpf:
            xi = mpmath.mpf(x) * scale
            return (
                (mpmath.mpf(m * w) / (mpmath.pi * hbar)) ** mpmath.mpf(0.25)
                * mpmath.hermite(n, xi)
                * mpmath.exp(-(xi**2) / 2)
                / mpmath.sqrt(2**n * mpmath.factorial(n))
            )

        total = mpmath.fsum(
            psi(n, x_b) * psi(n, x_a) * mpmath.exp(-(n + 0.5) * omega_tau) for n in range(120)
        )
    assert mehler_log_kernel(m, hbar, w, tau, x_a, x_b) == pytest.approx(
        float(mpmath.log(total)), abs=1e-13
    )


@pytest.mark.parametrize("index", range(len(CASES)))
def test_ou_transition_density_matches_scipy_norm_and_the_ground_state_transform(index):
    params = CASES[index]
    physics, learning = _sides(params, OSCILLATOR)
    m, hbar, w, tau = (params[k] for k in ("mass", "hbar", "frequency", "duration"))
    v = hbar / (2 * m * w)
    reference = norm(
        params["start"] * math.exp(-w * tau), math.sqrt(v * -math.expm1(-2 * w * tau))
    ).logpdf(params["end"])
    terms = (
        1
        + abs(reference)
        + (params["start"] ** 2 + params["end"] ** 2) * m * w / hbar / (-math.expm1(-2 * w * tau))
    )
    assert learning["ou_log_transition_density"] == pytest.approx(reference, abs=64 * EPS * terms)
    transformed = (
        physics["log_mehler_kernel"]
        + physics["ground_state_energy"] * tau / hbar
        + physics["log_ground_state_ratio"]
    )
    assert transformed == pytest.approx(reference, abs=64 * EPS * terms)


def test_ou_transition_matches_scikit_learn_gp_regression():
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern

    params = C.check_params(GP_STRESS_EXAMPLES[0])
    translated = gp_from_path_integral(params)
    v, ell = translated["stationary_variance"], translated["length_scale"]
    kernel = ConstantKernel(v, "fixed") * Matern(
        length_scale=ell, length_scale_bounds="fixed", nu=0.5
    )
    gp = GaussianProcessRegressor(kernel=kernel, alpha=0.0, optimizer=None)
    gp.fit([[0.0]], [params["start"]])
    mean, std = gp.predict([[params["duration"]]], return_std=True)
    reference = norm(mean[0], std[0]).logpdf(params["end"])
    learning = gaussian_process_regression(translated)
    assert learning["ou_log_transition_density"] == pytest.approx(reference, abs=1e-12)


# -- the ground state: two-point function and the Markov precision (PI-4) -------------------------


def _sklearn_ou_kernel(params: dict, inputs: np.ndarray) -> np.ndarray:
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern

    v = params["hbar"] / (2 * params["mass"] * params["frequency"])
    kernel = ConstantKernel(v) * Matern(length_scale=1 / params["frequency"], nu=0.5)
    return kernel(inputs.reshape(-1, 1))


@pytest.mark.parametrize("index", range(len(CASES)))
def test_ground_state_correlator_is_scikit_learns_matern_half_kernel(index):
    params = CASES[index]
    physics, _ = _sides(params, TWO_POINT)
    kernel = _sklearn_ou_kernel(params, np.array([0.0, params["duration"]]))
    cond = 1 / math.tanh(params["frequency"] * params["duration"] / 2)
    assert physics["ground_state_variance"] == pytest.approx(
        kernel[0, 0], abs=16 * EPS * cond * kernel[0, 0]
    )
    assert physics["euclidean_correlator"] == pytest.approx(
        kernel[0, 1], abs=16 * EPS * cond * kernel[0, 0]
    )


@pytest.mark.parametrize("index", range(len(CASES)))
def test_ground_state_path_precision_inverts_scikit_learns_kernel_matrix(index):
    params = CASES[index]
    physics, _ = _sides(params, GROUND_STATE)
    steps = params["steps"]
    grid = np.arange(steps + 1) * params["duration"] / steps
    kernel = _sklearn_ou_kernel(params, grid)
    precision = physics["ground_state_path_precision"]
    spacing = params["frequency"] * params["duration"] / steps
    ratio = 1 / math.tanh(spacing / 2)
    condition = min(ratio, steps + 1) * ratio
    assert np.max(np.abs(precision @ kernel - np.eye(steps + 1))) <= 16 * (steps + 1) * EPS * (
        condition
    )
    # The spec's closed form: K⁻¹ = tridiag(−a; 1, 1 + a², …, 1 + a², 1; −a)/(v(1 − a²)).
    a = math.exp(-spacing)
    v = params["hbar"] / (2 * params["mass"] * params["frequency"])
    diagonal = np.full(steps + 1, 1 + a * a)
    diagonal[[0, -1]] = 1.0
    closed = (np.diag(diagonal) - a * (np.eye(steps + 1, k=1) + np.eye(steps + 1, k=-1))) / (
        v * -math.expm1(-2 * spacing)
    )
    np.testing.assert_allclose(precision, closed, rtol=1e-12, atol=1e-12 * np.max(closed))
    density = multivariate_normal(np.zeros(steps + 1), kernel).logpdf(np.zeros(steps + 1))
    assert physics["log_ground_state_path_measure"] == pytest.approx(
        density, abs=64 * (steps + 1) * EPS * (ratio + abs(density))
    )


# -- the continuum limits (PI-5, PI-6) against the spec's tables ---------------------------------


def test_oscillator_lattice_errors_match_the_spec_table():
    errors = [
        lattice_propagator(1.0, 1.0, 1.0, 2.0, steps, 0.3, -0.5)["log_kernel"]
        - mehler_log_kernel(1.0, 1.0, 1.0, 2.0, 0.3, -0.5)
        for steps in (8, 16, 32, 64, 128)
    ]
    np.testing.assert_allclose(
        errors, [4.573e-3, 1.151e-3, 2.883e-4, 7.212e-5, 1.803e-5], rtol=1e-3
    )


def test_left_point_rule_converges_only_at_first_order():
    """Its error is the trapezoid's plus ε·mω²(x_a² − x_b²)/(4ħ): the ratio tends to 2."""
    errors = np.array(
        [
            lattice_propagator(1.0, 1.0, 1.0, 2.0, steps, 0.3, -0.5, rule="left")["log_kernel"]
            - mehler_log_kernel(1.0, 1.0, 1.0, 2.0, 0.3, -0.5)
            for steps in (128, 256)
        ]
    )
    assert errors[0] / errors[1] == pytest.approx(2.0, abs=0.05)


def test_oscillator_limit_reports_the_ratio_order_and_negative_control():
    result = check_oscillator_limit(
        C, {"family": OSCILLATOR, "mass": 1.0, "hbar": 1.0, "frequency": 1.0, "duration": 2.0}
    )
    assert result.holds
    assert result.detail["observed_ratio"] == pytest.approx(4.0, abs=0.05)
    assert result.detail["observed_order"] == pytest.approx(2.0, abs=0.02)
    assert result.detail["bound"] == 0.2
    # The lattice is not exact once there is a potential: far above rounding at M = 8.
    assert result.detail["largest_error_at_8_steps"] > 1e-3


def test_thermal_variance_matches_the_spec_value_and_table():
    reference = 0.5523956964912559  # ½ coth(3/2), spec 5B(h)
    assert 0.5 / math.tanh(1.5) == pytest.approx(reference, rel=1e-15)
    learning = gaussian_process_regression(
        gp_from_path_integral(
            {
                "family": THERMAL,
                "mass": 1.0,
                "hbar": 1.0,
                "frequency": 1.0,
                "inverse_temperature": 3.0,
            }
        )
    )
    assert learning["periodic_kernel_variance"] == pytest.approx(reference, rel=4 * EPS)
    errors = [
        thermal_lattice_variance(1.0, 1.0, 1.0, 3.0, steps) - reference
        for steps in (16, 32, 64, 128)
    ]
    np.testing.assert_allclose(errors, [-2.171e-3, -5.454e-4, -1.365e-4, -3.414e-5], rtol=2e-3)


@pytest.mark.parametrize("steps", [2, 3, 7, 16])
def test_thermal_lattice_variance_is_the_inverse_of_the_circulant_action(steps):
    """The Fourier-mode sum against a dense inverse of the periodic action's Hessian."""
    m, hbar, w, beta = 1.7, 0.45, 2.2, 1.3
    eps = beta * hbar / steps
    hessian = np.zeros((steps, steps))
    for j in range(steps):
        # Each link (j, j+1) adds m/(ħε) to both diagonals and −m/(ħε) between them (M = 2: twice).
        k = (j + 1) % steps
        hessian[j, j] += m / (hbar * eps)
        hessian[k, k] += m / (hbar * eps)
        hessian[j, k] -= m / (hbar * eps)
        hessian[k, j] -= m / (hbar * eps)
        hessian[j, j] += eps * m * w**2 / hbar
    reference = np.linalg.inv(hessian)[0, 0]
    assert thermal_lattice_variance(m, hbar, w, beta, steps) == pytest.approx(reference, rel=1e-12)


def test_periodic_kernel_is_the_sum_over_images_of_the_ou_kernel():
    v, ell, period = 0.8, 0.6, 1.1
    images = sum(v * math.exp(-abs(n) * period / ell) for n in range(-400, 401))
    value = gaussian_process_regression(
        {"family": THERMAL, "stationary_variance": v, "length_scale": ell, "period": period}
    )
    assert value["periodic_kernel_variance"] == pytest.approx(images, rel=1e-14)


def test_thermal_limit_fails_when_the_circle_misses_hbar():
    """The rate check sees a period β instead of βħ (the mutant) at ħ ≠ 1."""
    params = {
        "family": THERMAL,
        "mass": 2.0,
        "hbar": 0.3,
        "frequency": 2.5,
        "inverse_temperature": 1.6,
    }
    assert check_thermal_limit(C, params).holds
    wrong = C.with_translate(
        lambda p: {**gp_from_path_integral(p), "period": p["inverse_temperature"]}
    )
    assert not check_thermal_limit(wrong, params).holds


# -- the dictionary in code and the parameters ----------------------------------------------------


def test_translation_is_the_symbol_dictionary():
    translated = gp_from_path_integral(C.check_params(GP_STRESS_EXAMPLES[0]))
    # m = 0.3, ħ = 2.5, ω = 0.7: D = ħ/m, v = ħ/(2mω), ℓ = 1/ω.
    assert translated["diffusion"] == pytest.approx(2.5 / 0.3)
    assert translated["stationary_variance"] == pytest.approx(2.5 / (2 * 0.3 * 0.7))
    assert translated["length_scale"] == pytest.approx(1 / 0.7)
    assert translated["horizon"] == 3.0 and translated["grid_size"] == 5


def _with(**changes: object) -> dict:
    return {**C.example, **changes}


@pytest.mark.parametrize(
    ("params", "name", "fragment"),
    [
        (_with(mass=0.0), "mass", "> 0"),
        (_with(hbar=-1.0), "hbar", "> 0"),
        (_with(frequency=0.0), "frequency", "> 0"),
        (_with(duration=0.0), "duration", "> 0"),
        (_with(steps=0), "steps", "≥ 1"),
        (_with(steps=2.5), "steps", "integers"),
        (_with(steps=1001), "steps", "≤ 1000"),
        (_with(frequency=1e-7), "steps", "grid spacing"),
        (_with(start=float("nan")), "start", "finite"),
        (_with(end="far"), "end", "number"),
        (_with(mass=1e300, hbar=1e-300), "mass", "float64"),
        (_with(end=1e200), "end", "overflows"),
        ({"masss": 1.0}, "masss", "did you mean 'mass'"),
    ],
)
def test_invalid_parameters_raise_a_parameter_error_naming_the_parameter(params, name, fragment):
    with pytest.raises(ParameterError) as error:
        C.check_params(params)
    assert error.value.parameter == name
    assert fragment in str(error.value)


def test_eval_exits_2_with_a_clear_message_for_zero_steps(capsys, monkeypatch):
    import io

    from physml.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"steps": 0})))
    assert main(["eval", "path-integral-gp", "--params", "-"]) == 2
    assert "parameter 'steps'" in capsys.readouterr().err


def test_eval_of_the_worked_example_exits_0(capsys):
    from physml.cli import main

    assert main(["eval", "path-integral-gp", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["physics"]["lattice_log_propagator"] == pytest.approx(
        result["learning"]["brownian_log_marginal_likelihood"], abs=1e-13
    )
    assert result["learning"]["ou_stationary_variance"] == pytest.approx(0.5)
    rows = {row["name"]: row for row in result["identities"]}
    assert all(row["holds"] for row in rows.values())
    assert "own parameter family" in rows["thermal-lattice-converges-to-periodic-kernel"]["note"]
