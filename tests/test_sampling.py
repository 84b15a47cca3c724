"""metropolis-posterior, thermodynamic-integration, jarzynski-ais: the properties, the mutants,
and independent references (spec 6(h)): the 1-D Ising ring's partition function by transfer
matrix, scipy.stats for the conjugate-Gaussian evidence, scipy quadrature, and textbook
Metropolis–Hastings and AIS written out in 50-digit mpmath arithmetic."""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
from hypothesis.errors import UnsatisfiedAssumption
from scipy import integrate, stats

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.sampling import (
    AIS_EXAMPLE,
    GAUSSIAN,
    JARZYNSKI_AIS,
    METROPOLIS_EXAMPLE,
    METROPOLIS_POSTERIOR,
    THERMODYNAMIC_INTEGRATION,
    TI_EXAMPLE,
    ais_from_protocol,
    annealed_importance_sampling,
    driven_system,
    evidence_from_coupling,
    metropolis_dynamics,
    posterior_from_system,
    posterior_sampler,
    power_posterior_evidence,
    thermodynamic_integration,
)

EPS = np.finfo(float).eps
ENTRIES = (METROPOLIS_POSTERIOR, THERMODYNAMIC_INTEGRATION, JARZYNSKI_AIS)


# -- the properties and the mutants --------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda c: c.id)
def test_identities_hold(entry):
    assert_verifies(entry, profile="default")


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda c: c.id)
def test_every_mutant_is_rejected(entry):
    assert_mutants_killed(entry)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda c: c.id)
def test_worked_example_satisfies_every_identity(entry):
    evaluation = entry.evaluate()
    for identity in entry.identities:
        params = identity.examples[0] if identity.strategy else evaluation.params
        assert identity.check(entry, dict(params)).holds, identity.name


# -- the independent reference of spec 6(h): the 1-D Ising ring ---------------------------------

RING = {"spins": 10, "coupling": 0.7, "field": 0.3, "beta": 1.3}
RING_LOG_Z = 13.211716178178975  # spec 6(h), by transfer matrix and by enumeration


def _ring_levels(spins, coupling, field):
    """Energy levels of the periodic Ising chain and their degeneracies, by enumeration."""
    configs = ((np.arange(2**spins)[:, None] >> np.arange(spins)) & 1) * 2 - 1
    energies = -coupling * np.sum(configs * np.roll(configs, -1, axis=1), axis=1)
    energies = energies - field * configs.sum(axis=1)
    levels, counts = np.unique(np.round(energies, 12), return_counts=True)
    return levels, counts.astype(float)


def _transfer_matrix_log_z(spins, coupling, field, beta):
    """Z = λ₊ᴺ + λ₋ᴺ with λ± = e^(βJ) cosh βh ± √(e^(2βJ) sinh² βh + e^(−2βJ)), in mpmath."""
    with mpmath.workdps(50):
        b, j, h = mpmath.mpf(beta), mpmath.mpf(coupling), mpmath.mpf(field)
        root = mpmath.sqrt(mpmath.exp(2 * b * j) * mpmath.sinh(b * h) ** 2 + mpmath.exp(-2 * b * j))
        plus = mpmath.exp(b * j) * mpmath.cosh(b * h) + root
        minus = mpmath.exp(b * j) * mpmath.cosh(b * h) - root
        return float(mpmath.log(plus**spins + minus**spins))


def test_transfer_matrix_reproduces_the_published_ising_value():
    assert _transfer_matrix_log_z(**RING) == pytest.approx(RING_LOG_Z, abs=1e-14)


def test_metropolis_physics_partition_function_is_the_ising_transfer_matrix():
    levels, degeneracies = _ring_levels(RING["spins"], RING["coupling"], RING["field"])
    n = levels.size
    params = METROPOLIS_POSTERIOR.check_params(
        {
            "energies": levels.tolist(),
            "inverse_temperature": RING["beta"],
            "degeneracies": degeneracies.tolist(),
        }
    )
    phys = metropolis_dynamics(params)
    assert phys["log_partition_function"] == pytest.approx(RING_LOG_Z, abs=8 * EPS * 30)
    assert phys["infinite_temperature_log_partition_function"] == pytest.approx(10 * math.log(2))
    learn = posterior_sampler(posterior_from_system(params))
    # the evidence of the binomial-counting prior is Z(β)/Z(0) = Z/2^N
    assert learn["log_evidence"] == pytest.approx(RING_LOG_Z - 10 * math.log(2), abs=1e-13)
    # and the sampler's long-run distribution over levels is the Boltzmann distribution
    boltzmann = degeneracies * np.exp(-RING["beta"] * levels - RING_LOG_Z)
    np.testing.assert_allclose(learn["long_run_distribution"], boltzmann, rtol=1e-12)
    assert n == len(np.unique(levels))


def test_thermodynamic_integration_of_the_ising_field_energy_is_the_transfer_matrix():
    """Switching on βE from infinite temperature (uniform prior over the 2^N configurations)."""
    levels, degeneracies = _ring_levels(RING["spins"], RING["coupling"], RING["field"])
    params = {
        "reference_energies": (-np.log(degeneracies)).tolist(),
        "interaction_energies": (RING["beta"] * levels).tolist(),
    }
    phys = thermodynamic_integration(params)
    expected = RING_LOG_Z - RING["spins"] * math.log(2)
    assert -phys["free_energy_difference"] == pytest.approx(expected, abs=1e-11)
    learn = power_posterior_evidence(evidence_from_coupling(params))
    assert learn["log_evidence"] == pytest.approx(expected, abs=1e-13)


def test_jarzynski_and_ais_reach_the_ising_free_energy_from_infinite_temperature():
    levels, degeneracies = _ring_levels(RING["spins"], RING["coupling"], RING["field"])
    params = JARZYNSKI_AIS.check_params(
        {
            "initial_energies": (-np.log(degeneracies)).tolist(),
            "final_energies": (RING["beta"] * levels - np.log(degeneracies)).tolist(),
            "schedule": [0.0, 0.4, 1.0],
            "sweeps": 2,
        }
    )
    expected = RING_LOG_Z - RING["spins"] * math.log(2)
    phys = driven_system(params)
    learn = annealed_importance_sampling(ais_from_protocol(params))
    assert -phys["free_energy_difference"] == pytest.approx(expected, abs=1e-13)
    assert phys["log_mean_exponential_work"] == pytest.approx(expected, abs=1e-12)
    assert learn["log_expected_weight"] == pytest.approx(expected, abs=1e-12)
    assert phys["dissipated_work"] > 0.01  # two switches are far from quasi-static


# -- metropolis-posterior against textbook Metropolis–Hastings in mpmath ------------------------


def _mp_metropolis_hastings(log_target, proposal, rule):
    """P_ij = Q_ij·a(r), r = π_jQ_ji/(π_iQ_ij); P_ii = 1 − Σ_{j≠i} P_ij, in 50 digits."""
    n = len(log_target)
    with mpmath.workdps(50):
        pi = [mpmath.exp(mpmath.mpf(x)) for x in log_target]
        q = [[mpmath.mpf(x) for x in row] for row in proposal]
        p = [[mpmath.mpf(0)] * n for _ in range(n)]
        for i in range(n):
            for j in range(n):
                if i != j and q[i][j] > 0:
                    r = pi[j] * q[j][i] / (pi[i] * q[i][j])
                    p[i][j] = q[i][j] * (min(mpmath.mpf(1), r) if rule == "mh" else r / (1 + r))
            p[i][i] = 1 - mpmath.fsum(p[i][j] for j in range(n) if j != i)
        return np.array([[float(x) for x in row] for row in p])


ASYMMETRIC = {
    "energies": [0.3, -1.2, 2.0, 0.0, 4.5],
    "inverse_temperature": 2.7,
    "degeneracies": [1.0, 2.0, 5.0, 1.0, 40.0],
    "proposal": [
        [0.05, 0.5, 0.15, 0.2, 0.1],
        [0.3, 0.1, 0.3, 0.2, 0.1],
        [0.6, 0.1, 0.1, 0.1, 0.1],
        [0.1, 0.1, 0.1, 0.1, 0.6],
        [0.25, 0.25, 0.2, 0.2, 0.1],
    ],
}


def test_both_sides_kernels_match_textbook_metropolis_hastings_in_high_precision():
    params = METROPOLIS_POSTERIOR.check_params(ASYMMETRIC)
    phys = metropolis_dynamics(params)
    learn = posterior_sampler(posterior_from_system(params))
    log_target = np.log(params["degeneracies"]) - params["inverse_temperature"] * np.asarray(
        params["energies"]
    )
    mh = _mp_metropolis_hastings(log_target, params["proposal"], "mh")
    barker = _mp_metropolis_hastings(log_target, params["proposal"], "barker")
    for kernel, reference in (
        (phys["metropolis_matrix"], mh),
        (learn["metropolis_hastings_kernel"], mh),
        (phys["heat_bath_matrix"], barker),
        (learn["barker_kernel"], barker),
    ):
        np.testing.assert_allclose(kernel, reference, rtol=1e-13, atol=1e-16)


def test_long_run_distribution_matches_the_null_vector_of_the_kernel():
    """The stationary vector from scipy's eigendecomposition of Pᵀ (a third algorithm)."""
    params = METROPOLIS_POSTERIOR.check_params(ASYMMETRIC)
    learn = posterior_sampler(posterior_from_system(params))
    values, vectors = np.linalg.eig(learn["metropolis_hastings_kernel"].T)
    v = np.real(vectors[:, np.argmin(np.abs(values - 1))])
    np.testing.assert_allclose(learn["long_run_distribution"], v / v.sum(), rtol=1e-10)


def test_long_run_distribution_keeps_relative_precision_for_improbable_states():
    """States 1e-190 below the others: GTH keeps every digit where an eigensolver keeps none."""
    params = METROPOLIS_POSTERIOR.check_params(
        {"energies": [0.0, 20.0, 45.0, 80.0], "inverse_temperature": 5.5}
    )
    learn = posterior_sampler(posterior_from_system(params))
    with mpmath.workdps(50):
        weights = [mpmath.exp(-mpmath.mpf(5.5) * e) for e in params["energies"]]
        total = mpmath.fsum(weights)
        reference = [float(w / total) for w in weights]
    assert reference[-1] < 1e-190
    np.testing.assert_allclose(learn["long_run_distribution"], reference, rtol=1e-12)
    np.testing.assert_allclose(learn["posterior"], reference, rtol=1e-12)


def test_kernels_stay_finite_where_a_naive_acceptance_ratio_overflows():
    params = METROPOLIS_POSTERIOR.check_params(
        {"energies": [-2000.0, 0.0, 2000.0], "inverse_temperature": 10.0}
    )  # β·ΔE = 2·10⁴
    phys = metropolis_dynamics(params)
    learn = posterior_sampler(posterior_from_system(params))
    for kernel in (phys["metropolis_matrix"], learn["barker_kernel"]):
        assert np.all(np.isfinite(kernel))
        assert np.all(kernel >= 0)
        np.testing.assert_allclose(kernel.sum(axis=1), 1.0, atol=1e-15)
    np.testing.assert_allclose(learn["long_run_distribution"], [1.0, 0.0, 0.0], atol=1e-300)


def test_hastings_correction_matters_only_for_an_asymmetric_proposal():
    """The boundary of the plain Metropolis rule: exact for symmetric Q, wrong otherwise."""
    for proposal, stationary in (
        (np.full((5, 5), 0.2), True),
        (np.asarray(ASYMMETRIC["proposal"]), False),
    ):
        params = METROPOLIS_POSTERIOR.check_params({**ASYMMETRIC, "proposal": proposal.tolist()})
        pi = metropolis_dynamics(params)["probabilities"]
        plain = posterior_sampler(posterior_from_system(params), hastings_correction=False)
        error = np.max(np.abs(pi @ plain["metropolis_hastings_kernel"] - pi)) / pi.max()
        assert bool(error < 1e-14) is stationary, error


def test_missing_parameters_default_to_the_example_or_to_neutral_values():
    assert (
        METROPOLIS_POSTERIOR.check_params({"inverse_temperature": 0.3})["proposal"].tolist()
        == (METROPOLIS_EXAMPLE["proposal"])
    )
    values = METROPOLIS_POSTERIOR.check_params({"energies": [1.0, 2.0, 4.0]})
    assert values["degeneracies"].tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_array_equal(values["proposal"], np.full((3, 3), 1 / 3))
    values = THERMODYNAMIC_INTEGRATION.check_params({"interaction_energies": [1.0, 3.0]})
    assert values["reference_energies"].tolist() == [0.0, 0.0]
    values = JARZYNSKI_AIS.check_params({"final_energies": [1.0, 0.0, 2.0, 3.0]})
    assert values["initial_energies"].tolist() == [0.0] * 4
    assert values["schedule"].tolist() == AIS_EXAMPLE["schedule"]


# -- thermodynamic-integration against scipy.stats, scipy quadrature and mpmath -----------------


@pytest.mark.parametrize(
    ("observations", "noise_sd", "prior_sd"),
    [
        ([1.2, 0.4, 2.1, 1.7, 0.9], 0.8, 2.0),
        ([10.0 + 0.01 * k for k in range(20)], 0.1, 100.0),
        ([-30.0, -31.5], 3.0, 0.01),
        ([0.5], 1.0, 1.0),
    ],
)
def test_conjugate_gaussian_evidence_matches_scipy_multivariate_normal(
    observations, noise_sd, prior_sd
):
    y = np.asarray(observations)
    n = y.size
    covariance = noise_sd**2 * np.eye(n) + prior_sd**2 * np.ones((n, n))
    reference = stats.multivariate_normal(np.zeros(n), covariance).logpdf(y)
    params = {
        "family": GAUSSIAN,
        "observations": observations,
        "noise_sd": noise_sd,
        "prior_sd": prior_sd,
    }
    tolerance = 1e-9 * (1 + abs(reference))  # scipy's factorisation of a κ ≤ 1e7 covariance
    assert power_posterior_evidence(params)["log_evidence"] == pytest.approx(
        reference, abs=tolerance
    )
    assert -thermodynamic_integration(params)["free_energy_difference"] == pytest.approx(
        reference, abs=tolerance
    )


def test_conjugate_gaussian_evidence_matches_quadrature_over_the_mean():
    """p(y) = ∫ Π N(y_i; μ, s²) N(μ; 0, t²) dμ by scipy quad, about the posterior mode."""
    y, s, t = np.array([0.3, -1.1, 0.8]), 0.7, 1.5
    mode = y.sum() / s**2 / (1 / t**2 + y.size / s**2)

    def joint(mu):
        return np.exp(stats.norm(mu, s).logpdf(y).sum() + stats.norm(0, t).logpdf(mu))

    value, _ = integrate.quad(joint, mode - 20, mode + 20, epsabs=0, epsrel=1e-13)
    params = {"family": GAUSSIAN, "observations": y.tolist(), "noise_sd": s, "prior_sd": t}
    assert -thermodynamic_integration(params)["free_energy_difference"] == pytest.approx(
        math.log(value), abs=1e-12
    )


def _mp_log_evidence(reference_energies, interaction_energies):
    with mpmath.workdps(50):
        prior = [mpmath.exp(-mpmath.mpf(e)) for e in reference_energies]
        joint = [
            p * mpmath.exp(-mpmath.mpf(v)) for p, v in zip(prior, interaction_energies, strict=True)
        ]
        return float(mpmath.log(mpmath.fsum(joint) / mpmath.fsum(prior)))


def _coin(points, heads, tails):
    thetas = (np.arange(points) + 0.5) / points
    return {
        "reference_energies": [0.0] * points,
        "interaction_energies": (-(heads * np.log(thetas) + tails * np.log1p(-thetas))).tolist(),
    }


@pytest.mark.parametrize(
    "params",
    [
        TI_EXAMPLE,
        _coin(50, 30, 20),
        _coin(50, 700, 300),
        {"reference_energies": [3.0, -2.0, 7.5], "interaction_energies": [250.0, -40.0, 1e3]},
    ],
)
def test_thermodynamic_integration_matches_high_precision_evidence(params):
    reference = _mp_log_evidence(params["reference_energies"], params["interaction_energies"])
    phys = thermodynamic_integration(params)
    learn = power_posterior_evidence(evidence_from_coupling(params))
    assert -phys["free_energy_difference"] == pytest.approx(reference, abs=1e-10)
    assert learn["log_evidence"] == pytest.approx(reference, abs=1e-12)


def test_coin_grid_evidence_approaches_the_beta_function():
    """With a uniform prior on n midpoints, p(D) is the midpoint rule for B(8, 4) = ∫θ⁷(1 − θ)³dθ.
    f' vanishes at both ends, so the error is (7h⁴/5760)·(f‴(1) − f‴(0)) = −42h⁴/5760."""
    beta_function = math.gamma(8) * math.gamma(4) / math.gamma(12)
    for points in (200, 400, 800):
        log_evidence = -thermodynamic_integration(_coin(points, 7, 3))["free_energy_difference"]
        relative_error = math.expm1(log_evidence - math.log(beta_function))
        assert relative_error * points**4 == pytest.approx(-42 / 5760 / beta_function, rel=5e-4)


def test_temperature_ladder_bias_is_second_order_and_the_left_sum_is_first_order():
    identity = THERMODYNAMIC_INTEGRATION.identity("temperature-ladder-error-is-second-order")
    detail = identity.check(THERMODYNAMIC_INTEGRATION, TI_EXAMPLE).detail
    assert detail["observed_error_ratio_h_over_h2"] == pytest.approx(4.0, rel=1e-3)
    assert detail["observed_coefficient"] == pytest.approx(detail["expected_coefficient"], rel=1e-4)
    exact = -_mp_log_evidence(TI_EXAMPLE["reference_energies"], TI_EXAMPLE["interaction_energies"])
    left = [
        thermodynamic_integration({**TI_EXAMPLE, "rungs": k}, ladder="left")[
            "free_energy_difference"
        ]
        - exact
        for k in (256, 512)
    ]
    assert left[0] / left[1] == pytest.approx(2.0, rel=1e-2)


def test_endpoint_averages_bracket_the_evidence():
    learn = power_posterior_evidence(evidence_from_coupling(TI_EXAMPLE))
    log_evidence = learn["log_evidence"]
    assert learn["prior_expected_log_likelihood"] < log_evidence
    assert log_evidence < learn["posterior_expected_log_likelihood"]
    assert learn["posterior_expected_log_likelihood"] - learn["posterior_prior_kl"] == (
        pytest.approx(log_evidence, abs=1e-14)
    )


# -- jarzynski-ais against textbook AIS in mpmath ------------------------------------------------


def _mp_ais(initial, final, schedule, sweeps):
    """Every trajectory of AIS with textbook Metropolis kernels, uniform proposals, 50 digits."""
    n, steps = len(initial), len(schedule) - 1
    with mpmath.workdps(50):
        e0 = [mpmath.mpf(e) for e in initial]
        e1 = [mpmath.mpf(e) for e in final]
        lam = [mpmath.mpf(x) for x in schedule]

        def energy(t, x):
            return (1 - lam[t]) * e0[x] + lam[t] * e1[x]

        kernels = []
        for t in range(1, steps + 1):
            one = mpmath.matrix(n, n)
            for i in range(n):
                for j in range(n):
                    if i != j:
                        accept = mpmath.exp(energy(t, i) - energy(t, j))
                        one[i, j] = min(mpmath.mpf(1), accept) / n
                one[i, i] = 1 - mpmath.fsum(one[i, j] for j in range(n) if j != i)
            kernels.append(one**sweeps)
        z = [mpmath.fsum(mpmath.exp(-energy(t, x)) for x in range(n)) for t in range(steps + 1)]
        delta_f = -mpmath.log(z[-1] / z[0])
        moments = {"one": mpmath.mpf(0), "two": mpmath.mpf(0), "work": mpmath.mpf(0)}
        crooks = []
        for path in itertools.product(range(n), repeat=steps + 1):
            forward = mpmath.exp(-energy(0, path[0])) / z[0]
            reverse = mpmath.exp(-energy(steps, path[-1])) / z[-1]
            work = mpmath.mpf(0)
            for t in range(1, steps + 1):
                forward *= kernels[t - 1][path[t - 1], path[t]]
                reverse *= kernels[t - 1][path[t], path[t - 1]]
                work += energy(t, path[t - 1]) - energy(t - 1, path[t - 1])
            moments["one"] += forward * mpmath.exp(-work)
            moments["two"] += forward * mpmath.exp(-2 * work)
            moments["work"] += forward * work
            crooks.append(float(mpmath.log(forward / reverse) - work + delta_f))
        return {
            "delta_f": float(delta_f),
            "log_mean_weight": float(mpmath.log(moments["one"])),
            "log_second_moment": float(mpmath.log(moments["two"])),
            "mean_work": float(moments["work"]),
            "crooks_residuals": np.array(crooks),
        }


@pytest.mark.parametrize(
    "params",
    [
        AIS_EXAMPLE,
        {
            "initial_energies": [0.0, 0.0],
            "final_energies": [-3.0, 4.0],
            "schedule": [0.0, 1.0],
            "sweeps": 1,
        },
        {
            "initial_energies": [0.0, 2.0, -1.0, 0.5],
            "final_energies": [1.0, -2.0, 0.0, 3.0],
            "schedule": [0.0, 0.1, 0.5, 1.0],
            "sweeps": 3,
        },
        {
            "initial_energies": [0.0, 50.0, 100.0],
            "final_energies": [120.0, 10.0, -200.0],
            "schedule": [0.0, 0.3, 1.0],
            "sweeps": 2,
        },
    ],
)
def test_both_sides_match_textbook_ais_in_high_precision(params):
    values = JARZYNSKI_AIS.check_params(params)
    reference = _mp_ais(
        params["initial_energies"], params["final_energies"], params["schedule"], params["sweeps"]
    )
    assert np.max(np.abs(reference["crooks_residuals"])) < 1e-40  # Crooks, path by path
    phys = driven_system(values)
    learn = annealed_importance_sampling(ais_from_protocol(values))
    scale = 16 * EPS * 4 * (1 + 2 * max(abs(e) for e in params["final_energies"] + [100.0]))
    assert phys["free_energy_difference"] == pytest.approx(reference["delta_f"], abs=scale)
    assert phys["log_mean_exponential_work"] == pytest.approx(
        reference["log_mean_weight"], abs=scale
    )
    assert learn["log_expected_weight"] == pytest.approx(reference["log_mean_weight"], abs=scale)
    assert learn["log_expected_squared_weight"] == pytest.approx(
        reference["log_second_moment"], abs=scale
    )
    assert phys["mean_work"] == pytest.approx(reference["mean_work"], abs=scale)
    assert -learn["expected_log_weight"] == pytest.approx(reference["mean_work"], abs=scale)


def test_more_sweeps_dissipate_less_work():
    """Closer to quasi-static, ⟨W⟩ − ΔF falls and the AIS weights concentrate."""
    dissipated, spread = [], []
    for sweeps in (1, 3, 10):
        values = JARZYNSKI_AIS.check_params({**AIS_EXAMPLE, "sweeps": sweeps})
        dissipated.append(driven_system(values)["dissipated_work"])
        spread.append(
            annealed_importance_sampling(ais_from_protocol(values))["relative_weight_variance"]
        )
    assert dissipated[0] > dissipated[1] > dissipated[2] > 0
    assert spread[0] > spread[1] > spread[2] > 0


def test_monte_carlo_check_is_deterministic_and_near_the_exact_evidence():
    identity = JARZYNSKI_AIS.identity("ais-monte-carlo-estimate-is-unbiased")
    params = JARZYNSKI_AIS.check_params({})
    first = identity.check(JARZYNSKI_AIS, params)
    second = identity.check(JARZYNSKI_AIS, params)
    assert first.holds
    assert first.detail == second.detail  # the seed is fixed inside the check
    assert abs(first.detail["z"]) < 6
    assert first.detail["bound_in_standard_errors"] == pytest.approx(6.0, abs=0.2)


def test_monte_carlo_check_detects_the_weight_taken_after_the_move():
    """The bias of the classic AIS bug is many standard errors at 2·10⁵ runs."""
    mutant = next(m for m in JARZYNSKI_AIS.mutants if m.name == "weight-after-move")
    identity = JARZYNSKI_AIS.identity("ais-monte-carlo-estimate-is-unbiased")
    comparison = identity.check(mutant.apply(JARZYNSKI_AIS), JARZYNSKI_AIS.check_params({}))
    assert not comparison.holds
    assert abs(comparison.detail["z"]) > 20


def test_monte_carlo_check_declines_heavy_tailed_weights():
    identity = JARZYNSKI_AIS.identity("ais-monte-carlo-estimate-is-unbiased")
    params = JARZYNSKI_AIS.check_params(
        {
            "initial_energies": [0.0, 50.0, 100.0, 150.0],
            "final_energies": [120.0, 10.0, -200.0, 0.0],
            "schedule": [0.0, 0.1, 0.3, 0.6, 1.0],
            "sweeps": 2,
        }
    )
    with pytest.raises(UnsatisfiedAssumption):
        identity.check(JARZYNSKI_AIS, params)


def test_monte_carlo_check_declines_simulations_too_long_to_run():
    identity = JARZYNSKI_AIS.identity("ais-monte-carlo-estimate-is-unbiased")
    with pytest.raises(UnsatisfiedAssumption, match="too many Metropolis moves"):
        identity.check(JARZYNSKI_AIS, JARZYNSKI_AIS.check_params({"sweeps": 100}))


# -- invalid parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"inverse_temperature": 0.0}, "inverse_temperature", "> 0"),
        ({"inverse_temperature": -2.0}, "inverse_temperature", "> 0"),
        ({"degeneracies": [1.0, 0.0, 1.0, 1.0]}, "degeneracies", "> 0"),
        ({"degeneracies": [1.0, 1.0]}, "degeneracies", "4 energies"),
        ({"energies": [0.0, float("inf")]}, "energies", "finite"),
        ({"proposal": [[0.5, 0.5], [0.5, 0.5]]}, "proposal", "4 × 4"),
        (
            {"energies": [0.0, 1.0], "proposal": [[0.5, 0.6], [0.5, 0.5]]},
            "proposal",
            "row 0 sums to 1.1",
        ),
        (
            {
                "energies": [0.0, 1.0, 2.0],
                "proposal": [[0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.0, 1.0]],
            },
            "proposal",
            "proposal[1][2] > 0 but proposal[2][1] = 0",
        ),
        (
            {
                "energies": [0.0, 1.0, 2.0],
                "proposal": [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]],
            },
            "proposal",
            "reducible",
        ),
        ({"energies": [0.0, 1.0], "proposal": [[1.5, -0.5], [0.5, 0.5]]}, "proposal", "≥ 0"),
        ({"inverse_tempreature": 1.0}, "inverse_tempreature", "did you mean"),
    ],
)
def test_invalid_chain_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        METROPOLIS_POSTERIOR.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        (
            {"reference_energies": [0.0, 0.0], "interaction_energies": [1.0, 2.0, 3.0]},
            "reference_energies",
            "has 2 entries but interaction_energies has 3",
        ),
        ({"interaction_energies": [1.0, float("nan")]}, "interaction_energies", "finite"),
        ({"interaction_energies": 3.0}, "interaction_energies", "1-D"),
    ],
)
def test_invalid_coupling_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        THERMODYNAMIC_INTEGRATION.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"schedule": [0.1, 0.5, 1.0]}, "schedule", "start at 0 and end at 1"),
        ({"schedule": [0.0, 0.5]}, "schedule", "start at 0 and end at 1"),
        ({"schedule": [0.0, 0.6, 0.4, 1.0]}, "schedule", "increase strictly"),
        ({"schedule": [0.0, 1.5, 1.0]}, "schedule", "≤ 1"),
        ({"schedule": np.linspace(0, 1, 12).tolist()}, "schedule", "trajectories"),
        ({"sweeps": 0}, "sweeps", "≥ 1"),
        ({"sweeps": 1.5}, "sweeps", "integers"),
        ({"initial_energies": [0.0, 1.0]}, "initial_energies", "final_energies has 3"),
    ],
)
def test_invalid_protocol_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        JARZYNSKI_AIS.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)
