"""born-bayes: the identities, the mutants, and independent references (exact rational Bayes
with fractions.Fraction, Kraus operators from scipy.linalg.sqrtm, the textbook diagnostic-test
and qubit values, and the Petz map's defining recovery property)."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.quantum_measurement import (
    BORN_BAYES,
    ORDER_EFFECT_EXAMPLE,
    bayes_model_from_measurement,
    bayesian_inference,
    luders_update,
    petz_recovery,
    psd_power,
    quantum_measurement,
    random_povm,
)

EPS = np.finfo(float).eps


def test_born_bayes_identities_hold():
    assert_verifies(BORN_BAYES, profile="default")


def test_every_born_bayes_mutant_is_rejected():
    assert_mutants_killed(BORN_BAYES)


def _both_sides(params):
    values = BORN_BAYES.check_params(params)
    return quantum_measurement(values), bayesian_inference(bayes_model_from_measurement(values))


def test_diagnostic_test_posterior_is_one_sixth_on_both_sides():
    """Prevalence 0.01, sensitivity 0.99, false-positive rate 0.05: P(disease | +) = 1/6 and
    P(+) = 0.0594 (the spec's reference, computed as a Lüders update of diag(0.99, 0.01))."""
    phys, learn = _both_sides(BORN_BAYES.example)
    for p_positive in (phys["outcome_probability"], learn["evidence"][0]):
        assert p_positive == pytest.approx(0.0594, rel=4 * EPS)
    for posterior in (phys["post_measurement_populations"], learn["posterior"]):
        assert posterior[1] == pytest.approx(1 / 6, rel=8 * EPS)
        assert posterior[0] == pytest.approx(5 / 6, rel=8 * EPS)
    assert phys["post_measurement_state"][0, 1] == 0.0


def test_squaring_the_effect_gives_the_spec_wrong_value():
    """E_k ρ E_k squares the likelihood: the diagnostic test would report 0.79839, not 1/6."""
    rho = np.diag([0.99, 0.01]).astype(complex)
    effect = np.diag([0.05, 0.99]).astype(complex)
    squared = effect @ rho @ effect
    assert (squared / np.trace(squared)).real[1, 1] == pytest.approx(0.79839, abs=5e-6)
    assert luders_update(rho, effect, 0.0594).real[1, 1] == pytest.approx(1 / 6, rel=8 * EPS)


def _exact_bayes(prior, likelihood, k):
    joint = [p * lk for p, lk in zip(prior, likelihood[k], strict=True)]
    evidence = sum(joint)
    return evidence, [j / evidence for j in joint]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_both_sides_match_exact_rational_bayes(seed):
    """A prior and a likelihood with small rational entries; Bayes in exact arithmetic."""
    rng = np.random.default_rng(seed)
    n, k_outcomes = int(rng.integers(2, 7)), int(rng.integers(2, 5))
    weights = rng.integers(1, 20, size=n)
    prior = [Fraction(int(w), int(weights.sum())) for w in weights]
    counts = rng.integers(0, 10, size=(k_outcomes, n))
    counts[0] += 1  # no all-zero column
    likelihood = [
        [Fraction(int(counts[k, x]), int(counts[:, x].sum())) for x in range(n)]
        for k in range(k_outcomes)
    ]
    for k in range(k_outcomes):
        evidence, posterior = _exact_bayes(prior, likelihood, k)
        if evidence == 0:
            continue
        params = {
            "populations": [float(p) for p in prior],
            "povm": [[float(v) for v in row] for row in likelihood],
            "outcome": k,
        }
        phys, learn = _both_sides(params)
        expected = np.array([float(p) for p in posterior])
        tolerance = 16 * EPS * (n + 10)
        np.testing.assert_allclose(phys["post_measurement_populations"], expected, rtol=tolerance)
        np.testing.assert_allclose(np.diag(phys["petz_recovered_state"]), expected, rtol=tolerance)
        np.testing.assert_allclose(learn["posterior"], expected, rtol=tolerance)
        assert phys["outcome_probability"] == pytest.approx(float(evidence), rel=tolerance)
        assert learn["evidence"][k] == pytest.approx(float(evidence), rel=tolerance)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_luders_update_matches_kraus_operators_from_sqrtm(seed):
    """For a full-rank effect, scipy.linalg.sqrtm gives an independent square root."""
    rng = np.random.default_rng(seed)
    n = 4
    g = rng.normal(size=(n, 2)) + 1j * rng.normal(size=(n, 2))
    rho = g @ g.conj().T
    rho /= np.trace(rho).real
    effects, _ = random_povm(rng, n, 3)
    for effect in effects:
        if np.linalg.eigvalsh(effect)[0] < 1e-6:
            continue  # sqrtm is only trustworthy away from singular matrices
        kraus = scipy.linalg.sqrtm(effect)
        p = np.trace(rho @ effect).real
        expected = kraus @ rho @ kraus.conj().T / p
        np.testing.assert_allclose(luders_update(rho, effect, p), expected, atol=1e-12)


def test_petz_map_recovers_the_reference_state():
    """The defining property R_σ(N(σ)) = σ, for a full-rank complex σ and a random POVM."""
    rng = np.random.default_rng(11)
    n = 3
    g = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    sigma = g @ g.conj().T
    sigma /= np.trace(sigma).real
    effects, _ = random_povm(rng, n, 4)
    effects = list(effects)
    probabilities = [np.trace(sigma @ e).real for e in effects]
    recovered = sum(p * petz_recovery(sigma, effects, k) for k, p in enumerate(probabilities))
    np.testing.assert_allclose(recovered, sigma, atol=1e-12)


def test_plus_state_measured_in_z_gives_one_half_each():
    phys = quantum_measurement({"bloch_vector": [1.0, 0.0, 0.0], "axis": [0.0, 0.0, 1.0]})
    np.testing.assert_allclose(phys["born_probabilities"], [0.5, 0.5], atol=4 * EPS)


def test_order_effect_is_one_quarter_against_one_half_and_bayes_sees_none():
    """ρ = |0⟩⟨0|: P(X+ then Z0) = 1/4, P(Z0 then X+) = 1/2; the Bayesian joint is 1/2 both ways."""
    reverse = {
        **ORDER_EFFECT_EXAMPLE,
        "axis": ORDER_EFFECT_EXAMPLE["second_axis"],
        "second_axis": ORDER_EFFECT_EXAMPLE["axis"],
    }
    forward = quantum_measurement(ORDER_EFFECT_EXAMPLE)["sequence_probability"]
    backward = quantum_measurement(reverse)["sequence_probability"]
    assert forward == pytest.approx(0.25, abs=1e-14)
    assert backward == pytest.approx(0.5, abs=1e-14)
    bayes = [
        bayesian_inference(bayes_model_from_measurement(p))["sequence_probability"]
        for p in (ORDER_EFFECT_EXAMPLE, reverse)
    ]
    assert bayes == pytest.approx([0.5, 0.5], abs=1e-15)


def test_commuting_projectors_show_no_order_effect():
    """Along one axis (a = b), both orders agree: the boundary of the negative control."""
    params = {**ORDER_EFFECT_EXAMPLE, "axis": [0.6, 0.0, 0.8], "second_axis": [0.6, 0.0, 0.8]}
    params["bloch_vector"] = [0.3, -0.2, 0.5]
    reverse = {**params, "outcome": params["second_outcome"], "second_outcome": params["outcome"]}
    assert quantum_measurement(params)["sequence_probability"] == pytest.approx(
        quantum_measurement(reverse)["sequence_probability"], abs=1e-15
    )


def test_matrix_square_root_of_singular_matrices_is_clean():
    """No LinAlgWarning, no complex garbage: a projector's root is itself, a rank-1 PSD matrix's
    square root squares back to it."""
    axis = np.array([1.0, 1.0, 1.0]) / np.sqrt(3)
    pauli = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]])
    projector = (np.eye(2) + np.einsum("i,ijk->jk", axis, pauli)) / 2
    v = np.array([1.0, 2.0j, -0.5])
    rank_one = np.outer(v, v.conj())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        root_projector = psd_power(projector, 0.5)
        root = psd_power(rank_one, 0.5)
    np.testing.assert_allclose(root_projector, projector, atol=8 * EPS)
    np.testing.assert_allclose(root @ root, rank_one, atol=32 * EPS * np.abs(rank_one).max())
    np.testing.assert_allclose(root, root.conj().T, atol=0)


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"populations": [0.5, 0.6]}, "populations", "sum to 1"),
        ({"populations": [1.2, -0.2]}, "populations", "≥ 0"),
        ({"povm": [[0.5, 0.5], [0.4, 0.5]]}, "povm", "column 0 sums to"),
        ({"povm": [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]}, "povm", "3 columns"),
        ({"povm": [0.5, 0.5]}, "povm", "2-D"),
        ({"outcome": 2}, "outcome", "< K = 2"),
        ({"outcome": 0.5}, "outcome", "integers"),
        (
            {"populations": [1.0, 0.0], "povm": [[0.0, 1.0], [1.0, 0.0]], "outcome": 0},
            "outcome",
            "Born probability",
        ),
        ({"prior": [0.5, 0.5]}, "prior", "unknown parameter"),
    ],
)
def test_invalid_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        BORN_BAYES.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)
