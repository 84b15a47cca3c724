"""gan-discriminator-bar and boltzmann-generator: the identities, the mutants, and independent
references (scipy.spatial.distance.jensenshannon, scikit-learn's LogisticRegression, Bennett's
original self-consistent iteration, scipy.stats.multivariate_normal, scipy and mpmath
quadrature, and closed forms written afresh here)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy import stats
from scipy.integrate import quad
from scipy.optimize import approx_fprime, minimize, minimize_scalar
from scipy.spatial.distance import jensenshannon
from scipy.special import expit, logsumexp
from sklearn.linear_model import LogisticRegression

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.generative import (
    BOLTZMANN_GENERATOR,
    GAN_DISCRIMINATOR_BAR,
    boltzmann_density,
    discriminator_from_ensembles,
    flow_from_potential,
    gan_discriminator,
    harmonic_pair_samples,
    normalizing_flow,
    two_ensembles,
)

EPS = np.finfo(float).eps


def _dirichlet_ensembles(n: int, kT: float, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
    params = {"reference_energies": -kT * np.log(q), "target_energies": -kT * np.log(p)}
    return p, q, {**params, "temperature": kT}


def _gan(params: dict) -> tuple[dict, dict]:
    return two_ensembles(params), gan_discriminator(discriminator_from_ensembles(params))


# == gan-discriminator-bar ======================================================================


def test_gan_discriminator_bar_identities_hold():
    assert_verifies(GAN_DISCRIMINATOR_BAR, profile="default")


def test_every_gan_discriminator_bar_mutant_is_rejected():
    assert_mutants_killed(GAN_DISCRIMINATOR_BAR)


@pytest.mark.parametrize(("n", "kT", "seed"), [(2, 1.0, 1), (7, 0.3, 2), (50, 4.0, 3)])
def test_jensen_shannon_matches_scipy_on_dirichlet_distributions(n, kT, seed):
    """B4-I14: scipy returns the Jensen–Shannon distance (natural log): its square is the JSD."""
    p, q, params = _dirichlet_ensembles(n, kT, seed)
    phys, learn = _gan(params)
    reference = jensenshannon(p, q) ** 2
    assert learn["jensen_shannon"] == pytest.approx(reference, abs=1e-14)
    assert phys["mixing_entropy"] == pytest.approx(reference, abs=1e-14)
    # B4-I13: the value of the game at the optimal discriminator
    assert learn["value"] == pytest.approx(-math.log(4) + 2 * reference, abs=1e-14)


@pytest.mark.parametrize("seed", [4, 5])
def test_optimal_discriminator_is_p_over_p_plus_q_and_maximises_the_value(seed):
    p, q, params = _dirichlet_ensembles(12, 0.7, seed)
    phys, learn = _gan(params)
    np.testing.assert_allclose(learn["discriminator"], p / (p + q), rtol=1e-13)
    np.testing.assert_allclose(phys["fermi_function"], p / (p + q), rtol=1e-13)

    def value(d: np.ndarray) -> float:
        return float(p @ np.log(d) + q @ np.log1p(-d))

    best = value(p / (p + q))
    rng = np.random.default_rng(seed)
    for _ in range(50):  # random discriminators never beat D*
        assert value(rng.uniform(0.01, 0.99, size=12)) < best
    assert learn["value"] == pytest.approx(best, abs=1e-14)


def _mp_reduced_free_energy_difference(u0, u1, kT, dps=60):
    with mpmath.workdps(dps):
        beta = 1 / mpmath.mpf(kT)
        z0 = mpmath.fsum(mpmath.exp(-beta * mpmath.mpf(u)) for u in u0)
        z1 = mpmath.fsum(mpmath.exp(-beta * mpmath.mpf(u)) for u in u1)
        return float(mpmath.log(z0) - mpmath.log(z1))


@pytest.mark.parametrize(
    ("u0", "u1", "kT"),
    [
        ([0.0, 1.0, 2.0, 4.0], [3.0, 1.0, 0.5, 0.0], 0.7),
        ([-1000.0, -999.0, 0.0], [0.0, -999.5, -1000.0], 1.0),  # naive exp overflows
        ([0.0, 4000.0, 4000.0], [4000.0, 0.0, 1.0], 1e-3),  # the ensembles barely overlap
        ([0.0, 3.0], [5.0, 2.0], 1e3),
    ],
)
def test_population_intercept_matches_high_precision_free_energy_difference(u0, u1, kT):
    params = {"reference_energies": u0, "target_energies": u1, "temperature": kT}
    phys, learn = _gan(params)
    reference = _mp_reduced_free_energy_difference(u0, u1, kT)
    zmax = max(abs(u) for u in u0 + u1) / kT
    assert phys["reduced_free_energy_difference"] == pytest.approx(
        reference, abs=8 * EPS * (1 + zmax)
    )
    assert learn["intercept"] == pytest.approx(reference, abs=32 * EPS * (1 + zmax))


def test_population_intercept_maximises_the_likelihood_found_by_a_generic_optimiser():
    p, q, params = _dirichlet_ensembles(9, 1.3, 6)
    _, learn = _gan(params)
    # The model's logit is b + (s_data − s_gen) = (b − b*) + log p − log q.
    log_ratio = np.log(p) - np.log(q)

    def negative_likelihood(b: float) -> float:
        shifted = b - learn["intercept"] + log_ratio
        return -(p @ np.log(expit(shifted)) + q @ np.log(expit(-shifted)))

    found = minimize_scalar(negative_likelihood, bracket=(-5, 5), tol=1e-12)
    assert found.x == pytest.approx(learn["intercept"], abs=1e-6)
    assert learn["intercept"] == pytest.approx(
        two_ensembles(params)["reduced_free_energy_difference"], abs=1e-13
    )


def _bennett_iteration(w0: np.ndarray, w1: np.ndarray) -> float:
    """Bennett's (1976) original self-consistent iteration for equal sample sizes:
    C ← C + log Σ_{S₁} f(C − w) − log Σ_{S₀} f(w − C), f(x) = 1/(1 + eˣ)."""
    c = 0.0
    for _ in range(10_000):
        update = logsumexp(-np.logaddexp(0, c - w1)) - logsumexp(-np.logaddexp(0, w0 - c))
        c += 0.5 * update  # damped: the undamped map can oscillate for poor overlap
        if abs(update) < 1e-14:
            break
    return c


@pytest.mark.parametrize(
    "pair",
    [
        {"shift": 1.0, "width_ratio": 1.5, "offset": 0.3, "temperature": 1.0},
        {"shift": -2.0, "width_ratio": 0.7, "offset": 3.0, "temperature": 2.5},
    ],
)
def test_bar_matches_bennetts_iteration_and_logistic_regression_on_one_sample_set(pair):
    params = harmonic_pair_samples({"family": "samples", **pair}, 5_000, 11)
    phys = two_ensembles(params)
    learn = gan_discriminator(discriminator_from_ensembles(params))
    kT = pair["temperature"]
    w0 = (
        (params["reference_samples"] - pair["shift"]) ** 2 / (2 * pair["width_ratio"] ** 2)
        + pair["offset"]
        - params["reference_samples"] ** 2 / 2
    ) / kT
    w1 = (
        (params["target_samples"] - pair["shift"]) ** 2 / (2 * pair["width_ratio"] ** 2)
        + pair["offset"]
        - params["target_samples"] ** 2 / 2
    ) / kT
    reference = _bennett_iteration(w0, w1)
    assert phys["estimate"] == pytest.approx(reference, abs=1e-12)
    assert learn["intercept"] == pytest.approx(reference, abs=1e-12)
    exact = pair["offset"] / kT - math.log(pair["width_ratio"])
    assert abs(phys["estimate"] - exact) <= 6 * math.sqrt(phys["estimate_variance"])


def test_sklearn_logistic_regression_on_the_reduced_work_gives_slope_minus_one_and_delta_f():
    """Spec B4(h): LogisticRegression(C=np.inf) on the single feature βΔU; slope → −1, intercept
    → βΔF, within 6 standard errors from the fit's own Fisher information."""
    pair = {
        "family": "samples",
        "shift": 1.0,
        "width_ratio": 1.5,
        "offset": 0.3,
        "temperature": 1.0,
    }
    params = harmonic_pair_samples(pair, 20_000, 12)
    features = discriminator_from_ensembles(params)
    x = np.concatenate([features["reference_features"], features["target_features"]])
    y = np.concatenate([np.zeros(20_000), np.ones(20_000)])
    fit = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(x[:, None], y)
    slope, intercept = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    design = np.column_stack([np.ones_like(x), x])
    prob = expit(intercept + slope * x)
    covariance = np.linalg.inv((design * (prob * (1 - prob))[:, None]).T @ design)
    exact = 0.3 - math.log(1.5)
    assert abs(slope + 1) <= 6 * math.sqrt(covariance[1, 1])
    assert abs(intercept - exact) <= 6 * math.sqrt(covariance[0, 0])
    learn = gan_discriminator(features)  # physml's own free fit agrees with scikit-learn's
    assert learn["free_slope"] == pytest.approx(slope, abs=1e-6)
    assert learn["free_intercept"] == pytest.approx(intercept, abs=1e-6)


def test_bennett_overlap_and_variance_coefficient_match_mpmath_quadrature():
    pair = {
        "family": "samples",
        "shift": 1.2,
        "width_ratio": 0.8,
        "offset": -0.4,
        "temperature": 3.0,
    }
    phys = two_ensembles(pair)
    mu, s, c, kT = 1.2, 0.8, -0.4, 3.0
    with mpmath.workdps(30):

        def p0(x):
            return mpmath.npdf(x, 0, mpmath.sqrt(kT))

        def p1(x):
            return mpmath.npdf(x, mu, s * mpmath.sqrt(kT))

        overlap = mpmath.quad(
            lambda x: p0(x) * p1(x) / (p0(x) + p1(x)), [-mpmath.inf, 0, mu, mpmath.inf]
        )
    assert phys["bennett_overlap"] == pytest.approx(float(overlap), rel=1e-11)
    assert phys["asymptotic_variance_coefficient"] == pytest.approx(
        1 / float(overlap) - 2, rel=1e-10
    )
    assert phys["reduced_free_energy_difference"] == pytest.approx(c / kT - math.log(s), rel=1e-15)


def test_bar_error_variance_matches_bennetts_coefficient_over_replicates():
    """An independent replicate experiment (other seeds, Bennett's iteration of this file)."""
    pair = {
        "family": "samples",
        "shift": 2.0,
        "width_ratio": 1.0,
        "offset": 0.5,
        "temperature": 1.0,
    }
    coefficient = two_ensembles(pair)["asymptotic_variance_coefficient"]
    n, replicates = 400, 200
    sampled = harmonic_pair_samples(pair, n, 99, replicates=replicates)
    estimates = gan_discriminator(discriminator_from_ensembles(sampled))["intercept"]
    ratio = n * np.mean((estimates - 0.5) ** 2) / coefficient
    low, high = stats.chi2.ppf([1e-9, 1 - 1e-9], replicates) / replicates
    assert low <= ratio <= high


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"reference_energies": [0.0, 1.0], "target_energies": [1.0]}, "target_energies", "n = 2"),
        ({"temperature": 0.0}, "temperature", "> 0"),
        ({"reference_energies": [0.0, float("nan"), 1.0, 2.0]}, "reference_energies", "finite"),
        ({"target_energies": [[1.0, 2.0]]}, "target_energies", "1-D"),
        ({"temperture": 1.0}, "temperture", "did you mean 'temperature'"),
    ],
)
def test_invalid_gan_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        GAN_DISCRIMINATOR_BAR.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


# == boltzmann-generator ========================================================================


def test_boltzmann_generator_identities_hold():
    assert_verifies(BOLTZMANN_GENERATOR, profile="default")


def test_every_boltzmann_generator_mutant_is_rejected():
    assert_mutants_killed(BOLTZMANN_GENERATOR)


GAUSSIAN = {
    "stiffness": [[2.0, 0.6, 0.1], [0.6, 1.0, -0.3], [0.1, -0.3, 0.5]],
    "minimum": [1.0, -0.5, 0.2],
    "temperature": 0.4,
    "flow_shift": [0.7, -0.1, 0.6],
    "flow_scale": [[0.5, 0.0, 0.0], [0.2, 0.7, 0.0], [-0.1, 0.3, 1.1]],
}


def _bg(params: dict) -> tuple[dict, dict]:
    values = BOLTZMANN_GENERATOR.check_params(params)
    return boltzmann_density(values), normalizing_flow(flow_from_potential(values))


def test_gaussian_entropies_and_partition_function_match_scipy_stats():
    phys, learn = _bg(GAUSSIAN)
    a = np.array(GAUSSIAN["stiffness"])
    m, kT = np.array(GAUSSIAN["minimum"]), GAUSSIAN["temperature"]
    scale = np.array(GAUSSIAN["flow_scale"])
    target = stats.multivariate_normal(m, kT * np.linalg.inv(a))
    model = stats.multivariate_normal(GAUSSIAN["flow_shift"], scale @ scale.T)
    assert phys["trial_entropy"] == pytest.approx(model.entropy(), rel=1e-13)
    assert phys["entropy"] == pytest.approx(target.entropy(), rel=1e-13)
    # log Z = −βU(x) − log p(x) at any x
    x = np.array([0.3, 0.1, -0.2])
    log_z = -0.5 * (x - m) @ a @ (x - m) / kT - target.logpdf(x)
    assert phys["log_partition_function"] == pytest.approx(log_z, rel=1e-13)
    assert learn["log_normalizer"] == pytest.approx(log_z, rel=1e-13)


def _mp_gaussian_kl(mean_0, cov_0, mean_1, cov_1):
    """KL(N₀‖N₁) in 50-digit arithmetic."""
    with mpmath.workdps(50):
        s0, s1 = mpmath.matrix(cov_0.tolist()), mpmath.matrix(cov_1.tolist())
        delta = mpmath.matrix((np.asarray(mean_1) - np.asarray(mean_0)).tolist())
        inv1 = s1**-1
        d = s0.rows
        trace = mpmath.fsum((inv1 * s0)[i, i] for i in range(d))
        quadratic = (delta.T * inv1 * delta)[0, 0]
        return float((trace + quadratic - d + mpmath.log(mpmath.det(s1) / mpmath.det(s0))) / 2)


@pytest.mark.parametrize("kT", [0.01, 0.4, 30.0])
def test_reverse_and_forward_kl_match_high_precision_gaussian_kl(kT):
    params = {**GAUSSIAN, "temperature": kT}
    phys, learn = _bg(params)
    a, scale = np.array(GAUSSIAN["stiffness"]), np.array(GAUSSIAN["flow_scale"])
    cov_p, cov_q = kT * np.linalg.inv(a), scale @ scale.T
    reverse = _mp_gaussian_kl(GAUSSIAN["flow_shift"], cov_q, GAUSSIAN["minimum"], cov_p)
    forward = _mp_gaussian_kl(GAUSSIAN["minimum"], cov_p, GAUSSIAN["flow_shift"], cov_q)
    tol = 1e-12 * (1 + abs(reverse))
    assert learn["reverse_kl"] == pytest.approx(reverse, abs=tol)
    assert phys["reduced_free_energy_gap"] == pytest.approx(reverse, abs=tol)
    assert learn["forward_kl"] == pytest.approx(forward, abs=1e-12 * (1 + abs(forward)))
    assert phys["equilibrium_cross_entropy"] - phys["entropy"] == pytest.approx(
        forward, abs=1e-12 * (1 + abs(forward))
    )


def test_one_dimensional_reverse_kl_matches_quadrature_of_scipy_log_densities():
    params = {
        "stiffness": [[2.5]],
        "minimum": [0.4],
        "temperature": 0.8,
        "flow_shift": [-0.3],
        "flow_scale": [[0.9]],
    }
    phys, learn = _bg(params)
    p = stats.norm(0.4, math.sqrt(0.8 / 2.5))
    q = stats.norm(-0.3, 0.9)
    kl = quad(lambda x: q.pdf(x) * (q.logpdf(x) - p.logpdf(x)), -12, 12, epsabs=1e-14)[0]
    assert learn["reverse_kl"] == pytest.approx(kl, abs=1e-12)
    assert phys["reduced_free_energy_gap"] == pytest.approx(kl, abs=1e-12)


def test_reverse_kl_gradient_matches_finite_differences_of_an_independent_kl():
    a = np.array(GAUSSIAN["stiffness"])
    m, kT = np.array(GAUSSIAN["minimum"]), GAUSSIAN["temperature"]
    cov_p = kT * np.linalg.inv(a)
    rows, cols = np.tril_indices(3)

    def kl(theta: np.ndarray) -> float:
        shift, scale = theta[:3], np.zeros((3, 3))
        scale[rows, cols] = theta[3:]
        cov_q = scale @ scale.T
        delta = m - shift
        inv_p = np.linalg.inv(cov_p)
        return 0.5 * (
            np.trace(inv_p @ cov_q)
            + delta @ inv_p @ delta
            - 3
            + np.linalg.slogdet(cov_p)[1]
            - np.linalg.slogdet(cov_q)[1]
        )

    theta = np.concatenate([GAUSSIAN["flow_shift"], np.array(GAUSSIAN["flow_scale"])[rows, cols]])
    numeric = approx_fprime(theta, kl, 1e-7)
    _, learn = _bg(GAUSSIAN)
    analytic = np.concatenate([learn["grad_shift"], learn["grad_scale"][rows, cols]])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


def test_training_by_energy_finds_the_boltzmann_density():
    """Minimising the learning side's reverse KL with a generic optimiser lands on μ = m,
    LLᵀ = kT·A⁻¹, where the physics side's F_q equals F."""
    rows, cols = np.tril_indices(3)
    translated = flow_from_potential(BOLTZMANN_GENERATOR.check_params(GAUSSIAN))

    def loss(theta: np.ndarray) -> float:
        scale = np.zeros((3, 3))
        scale[rows, cols] = theta[3:]
        scale[np.diag_indices(3)] = np.abs(scale[np.diag_indices(3)])
        moved = {**translated, "flow_shift": theta[:3], "flow_scale": scale}
        return normalizing_flow(moved)["reverse_kl"]

    start = np.concatenate([np.zeros(3), np.eye(3)[rows, cols]])
    found = minimize(loss, start, method="BFGS", options={"gtol": 1e-10})
    assert found.fun == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(found.x[:3], GAUSSIAN["minimum"], atol=1e-5)
    scale = np.zeros((3, 3))
    scale[rows, cols] = found.x[3:]
    expected = GAUSSIAN["temperature"] * np.linalg.inv(np.array(GAUSSIAN["stiffness"]))
    np.testing.assert_allclose(scale @ scale.T, expected, atol=1e-5)


def test_importance_weights_are_all_z_when_the_generator_is_exact():
    values = BOLTZMANN_GENERATOR.check_params(GAUSSIAN)
    learn = normalizing_flow(flow_from_potential(values))
    exact = {
        **values,
        "flow_shift": learn["optimal_flow_shift"],
        "flow_scale": learn["optimal_flow_scale"],
    }
    sampled = normalizing_flow(
        {**flow_from_potential(exact), "monte_carlo_draws": 1000, "monte_carlo_seed": 3}
    )
    log_z = boltzmann_density(values)["log_partition_function"]
    np.testing.assert_allclose(sampled["log_weights"], log_z, atol=1e-12)
    assert sampled["effective_sample_size"] == pytest.approx(1000, rel=1e-12)


DOUBLE_WELL = {
    "family": "double-well",
    "quartic": 1.5,
    "well_position": 1.2,
    "temperature": 0.7,
    "flow_shift": 0.2,
    "flow_scale": 0.9,
    "flow_bend": 0.5,
}


def test_double_well_partition_function_and_kl_match_mpmath_quadrature():
    a, b, kT, mu, s, c = 1.5, 1.2, 0.7, 0.2, 0.9, 0.5
    phys = boltzmann_density(DOUBLE_WELL)
    learn = normalizing_flow(flow_from_potential(DOUBLE_WELL))
    with mpmath.workdps(30):

        def energy(x):
            return a * (x * x - b * b) ** 2

        z = mpmath.quad(lambda x: mpmath.exp(-energy(x) / kT), [-mpmath.inf, -b, 0, b, mpmath.inf])

        def flow(t):
            return mu + s * t + c * mpmath.tanh(t)

        def slope(t):
            return s + c / mpmath.cosh(t) ** 2

        def integrand(t):  # N(t)·[log N(t) − log g'(t) + βU(g(t))]
            log_normal = -t * t / 2 - mpmath.log(2 * mpmath.pi) / 2
            return mpmath.exp(log_normal) * (
                log_normal - mpmath.log(slope(t)) + energy(flow(t)) / kT
            )

        kl = mpmath.quad(integrand, [-mpmath.inf, -3, 0, 3, mpmath.inf]) + mpmath.log(z)
    assert phys["log_partition_function"] == pytest.approx(float(mpmath.log(z)), abs=1e-11)
    assert learn["log_normalizer"] == pytest.approx(float(mpmath.log(z)), abs=1e-11)
    assert learn["reverse_kl"] == pytest.approx(float(kl), abs=1e-10)
    assert phys["reduced_free_energy_gap"] == pytest.approx(float(kl), abs=1e-10)


def test_double_well_reweighting_recovers_the_equilibrium_energy_with_other_seeds():
    phys = boltzmann_density(DOUBLE_WELL)
    kT = DOUBLE_WELL["temperature"]
    for seed in (21, 22):
        learn = normalizing_flow(
            {
                **flow_from_potential(DOUBLE_WELL),
                "monte_carlo_draws": 50_000,
                "monte_carlo_seed": seed,
            }
        )
        w = np.exp(learn["log_weights"] - phys["log_partition_function"])
        assert abs(w.mean() - 1) <= 6 * w.std() / math.sqrt(w.size)
        f = learn["sample_energies"]
        estimate = w @ f / w.sum()
        error = math.sqrt(np.sum(w**2 * (f - estimate) ** 2)) / w.sum()
        assert abs(estimate - phys["mean_energy"] / kT) <= 6 * error


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"stiffness": [[1.0, 0.5], [0.4, 1.0]]}, "stiffness", "symmetric"),
        ({"stiffness": [[1.0, 2.0], [2.0, 1.0]]}, "stiffness", "positive definite"),
        ({"stiffness": [[1.0, 0.0, 0.0]]}, "stiffness", "square"),
        ({"flow_scale": [[1.0, 0.2], [0.0, 1.0]]}, "flow_scale", "lower triangular"),
        ({"flow_scale": [[1.0, 0.0], [0.3, -1.0]]}, "flow_scale", "positive diagonal"),
        ({"minimum": [0.0, 0.0, 0.0]}, "minimum", "2 entries"),
        ({"temperature": -1.0}, "temperature", "> 0"),
        ({"flow_shift": [[0.0, 1.0]]}, "flow_shift", "1-D"),
    ],
)
def test_invalid_generator_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        BOLTZMANN_GENERATOR.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


def test_a_user_potential_alone_gets_a_standard_normal_flow():
    values = BOLTZMANN_GENERATOR.check_params({"stiffness": [[4.0]]})
    assert values["minimum"].tolist() == [0.0]
    assert values["flow_shift"].tolist() == [0.0]
    assert values["flow_scale"].tolist() == [[1.0]]
    evaluation = BOLTZMANN_GENERATOR.evaluate({"stiffness": [[4.0]], "temperature": 4.0})
    # kT·A⁻¹ = 1: the standard normal flow is exact
    assert evaluation.learning["reverse_kl"] == pytest.approx(0.0, abs=1e-15)
