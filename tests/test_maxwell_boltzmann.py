"""maxwell-boltzmann-gaussian: the identities, the mutants, and independent references
(textbook speeds of N₂ at 300 K, scipy.stats maxwell, chi, halfnorm and gamma, 50-digit mpmath
for the density and the CDF, the σ-independent maximum-entropy gaps, and a seeded sampling test).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy import constants, stats
from scipy.special import erf

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.thermodynamics import (
    MAXWELL_BOLTZMANN_GAUSSIAN,
    N2_AT_300K,
    gaussian_from_gas,
    gaussian_statistics,
    maxwell_boltzmann,
)

EPS = np.finfo(float).eps
C = MAXWELL_BOLTZMANN_GAUSSIAN


def test_maxwell_boltzmann_identities_hold():
    assert_verifies(C, profile="default")


def test_every_maxwell_boltzmann_mutant_is_rejected():
    assert_mutants_killed(C)


def test_nitrogen_at_300_kelvin_has_the_textbook_speeds():
    """m = 28.0134 u, T = 300 K with k and u from scipy.constants: 476.173, 516.839 and
    421.997 m/s, ⟨KE⟩/kT = 1.5 (the references are given to 3 decimals: half a unit of the last
    digit is 5e-4 m/s, far above CODATA's revisions of u in the 10th digit)."""
    u = constants.physical_constants["atomic mass constant"][0]
    params = {"temperature": constants.k * 300.0, "mass": 28.0134 * u, "speeds": [400.0]}
    phys = maxwell_boltzmann(C.check_params(params))
    assert phys["mean_speed"] == pytest.approx(476.173, abs=5e-4)
    assert phys["rms_speed"] == pytest.approx(516.839, abs=5e-4)
    assert phys["most_probable_speed"] == pytest.approx(421.997, abs=5e-4)
    assert phys["mean_kinetic_energy"] / (constants.k * 300.0) == pytest.approx(1.5, rel=1e-15)
    # the worked example is the same gas
    assert C.evaluate().physics["mean_speed"] == pytest.approx(476.173, abs=5e-4)


@pytest.mark.parametrize(
    ("kT", "m"), [(N2_AT_300K["temperature"], N2_AT_300K["mass"]), (2.5, 0.4), (1e-9, 1e3)]
)
def test_physics_side_matches_scipy_maxwell_and_gamma(kT, m):
    a = math.sqrt(kT / m)
    v = a * np.array([1e-3, 0.1, 0.7, 1.0, 2.0, 5.0, 12.0])
    phys = maxwell_boltzmann({"temperature": kT, "mass": m, "speeds": v})
    law = stats.maxwell(scale=a)
    np.testing.assert_allclose(phys["speed_logpdf"], law.logpdf(v), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(phys["speed_cdf"], law.cdf(v), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(phys["speed_logpdf"], stats.chi(3, scale=a).logpdf(v), rtol=1e-13)
    # log f(v) = log(4πv²) + log N((v, 0, 0); 0, σ²I₃): the speed is the norm of a 3-d Gaussian
    gaussian = stats.multivariate_normal(mean=np.zeros(3), cov=a**2 * np.eye(3))
    on_axis = np.stack([v, np.zeros_like(v), np.zeros_like(v)], axis=1)
    np.testing.assert_allclose(
        phys["speed_logpdf"], np.log(4 * np.pi * v**2) + gaussian.logpdf(on_axis), rtol=1e-13
    )
    assert phys["mean_speed"] == pytest.approx(law.mean(), rel=1e-13)
    assert phys["speed_std"] == pytest.approx(law.std(), rel=1e-13)
    energies = 0.5 * m * v**2
    np.testing.assert_allclose(
        phys["kinetic_energy_logpdf"],
        stats.gamma(1.5, scale=kT).logpdf(energies),
        rtol=1e-13,
        atol=1e-13,
    )
    assert phys["velocity_entropy"] == pytest.approx(3 * stats.norm(scale=a).entropy(), rel=1e-14)


@pytest.mark.parametrize("d", range(1, 11))
def test_physics_side_in_d_dimensions_matches_scipy_chi(d):
    kT, m = 0.7, 3.0
    a = math.sqrt(kT / m)
    v = a * np.array([0.05, 0.5, 1.0, 3.0, 8.0])
    phys = maxwell_boltzmann({"temperature": kT, "mass": m, "speeds": v, "dimension": d})
    law = stats.chi(d, scale=a)
    np.testing.assert_allclose(phys["speed_logpdf"], law.logpdf(v), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(phys["speed_cdf"], law.cdf(v), rtol=1e-13, atol=1e-15)
    assert phys["mean_speed"] == pytest.approx(law.mean(), rel=1e-13)
    assert phys["mean_kinetic_energy"] == pytest.approx(d * kT / 2, rel=1e-15)
    if d == 1:  # one dimension: the speed |v_x| is half-normal
        np.testing.assert_allclose(
            phys["speed_logpdf"], stats.halfnorm(scale=a).logpdf(v), rtol=1e-13
        )


def _mp_reference(r, d=3):
    """Density (in units of 1/σ) and CDF of chi(d) at r = v/σ, in 50-digit arithmetic."""
    with mpmath.workdps(50):
        r = mpmath.mpf(r)
        half = mpmath.mpf(d) / 2
        log_pdf = (
            mpmath.log(2)
            - half * mpmath.log(2)
            - mpmath.loggamma(half)
            + (d - 1) * mpmath.log(r)
            - r**2 / 2
        )
        cdf = mpmath.gammainc(half, 0, r**2 / 2, regularized=True)
        return float(log_pdf), float(cdf)


@pytest.mark.parametrize("r", [1e-8, 1e-5, 1e-3, 0.5, 1.0, 4.0, 30.0, 1e3])
@pytest.mark.parametrize("sigma", [1e-6, 1.0, 3e5])
def test_density_and_cdf_match_high_precision_reference(r, sigma):
    """Including r = 1e-8 (CDF 2.6596e-25, where the erf form gives 0) and r = 1e3 (the density
    underflows, its logarithm does not)."""
    log_pdf, cdf = _mp_reference(r)
    phys = maxwell_boltzmann({"temperature": sigma**2, "mass": 1.0, "speeds": [r * sigma]})
    learn = gaussian_statistics(
        gaussian_from_gas({"temperature": sigma**2, "mass": 1.0, "speeds": [r * sigma]})
    )
    expected_log_pdf = log_pdf - math.log(sigma)
    for value in (phys["speed_logpdf"][0], learn["norm_logpdf"][0]):
        assert value == pytest.approx(expected_log_pdf, abs=1e-13 * max(1, abs(expected_log_pdf)))
    for value in (phys["speed_cdf"][0], learn["norm_cdf"][0]):
        assert value == pytest.approx(cdf, rel=1e-13, abs=1e-300)
    if r <= 1e-5:
        naive = erf(r / math.sqrt(2)) - math.sqrt(2 / math.pi) * r * math.exp(-r * r / 2)
        assert abs(naive - cdf) > 1e-7 * cdf  # the pitfall the erf-cdf mutant reproduces


@pytest.mark.parametrize("sigma", [1e-6, 1.0, 1e6])
def test_entropy_gaps_are_the_spec_constants_whatever_sigma(sigma):
    """h(N) − h(q): Laplace ½ log(πe) − 1, uniform ½ log(πe/6), logistic 0.0143622747200."""
    expected = [0.0723649429247, 0.1764852083107, 0.0143622747200]
    params = {"temperature": sigma**2, "mass": 1.0, "speeds": [sigma]}
    phys = maxwell_boltzmann(params)
    learn = gaussian_statistics(gaussian_from_gas(params))
    np.testing.assert_allclose(phys["entropy_deficits"], expected, atol=1e-12)
    np.testing.assert_allclose(learn["kl_to_gaussian"], expected, atol=1e-12)
    assert phys["entropy_deficits"][0] == pytest.approx(0.5 * math.log(math.pi * math.e) - 1)
    assert phys["entropy_deficits"][1] == pytest.approx(0.5 * math.log(math.pi * math.e / 6))


def test_speeds_of_sampled_gaussian_velocities_follow_the_physics_cdf():
    """Norms of 3 seeded N(0, σ²) components against the kinetic-theory CDF: KS p > 1e-6."""
    kT, m = 2.5, 0.4
    sigma = math.sqrt(kT / m)
    rng = np.random.default_rng(20240611)
    speeds = np.linalg.norm(rng.normal(scale=sigma, size=(20000, 3)), axis=1)

    def cdf(v):
        return maxwell_boltzmann({"temperature": kT, "mass": m, "speeds": np.atleast_1d(v)})[
            "speed_cdf"
        ]

    assert stats.kstest(speeds, cdf).pvalue > 1e-6
    # and a wrong scale (the variance used as the scale) is rejected by the same test
    wrong = stats.maxwell(scale=kT / m).cdf
    assert stats.kstest(speeds, wrong).pvalue < 1e-6


def test_learning_mode_is_the_argmax_of_the_density():
    learn = gaussian_statistics(gaussian_from_gas(N2_AT_300K))
    assert learn["norm_mode"] == pytest.approx(421.997, abs=5e-4)
    one_d = gaussian_statistics(
        gaussian_from_gas({"temperature": 1.0, "mass": 1.0, "speeds": [1.0], "dimension": 1})
    )
    assert abs(one_d["norm_mode"]) < 1e-7  # chi(1) = half-normal has its mode at 0


def test_dimension_defaults_to_three_when_speeds_are_given():
    values = C.check_params({"speeds": [1.0, 2.0], "temperature": 1.0, "mass": 1.0})
    assert values["dimension"] == 3


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"temperature": -1.0}, "temperature", "> 0"),
        ({"temperature": 0.0}, "temperature", "> 0"),
        ({"mass": 0.0}, "mass", "> 0"),
        ({"speeds": [1.0, 0.0]}, "speeds", "> 0"),
        ({"speeds": [-3.0]}, "speeds", "> 0"),
        ({"speeds": [1.0, float("inf")]}, "speeds", "finite"),
        ({"speeds": 300.0}, "speeds", "1-D"),
        ({"dimension": 0}, "dimension", "≥ 1"),
        ({"dimension": 11}, "dimension", "≤ 10"),
        ({"dimension": 2.5}, "dimension", "integers"),
        ({"temprature": 1.0}, "temprature", "did you mean 'temperature'"),
    ],
)
def test_invalid_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        C.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)
