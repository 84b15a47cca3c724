"""fisher-natural-gradient: the identities, the mutants, and independent references (a KL written
here and differentiated in mpmath, Bernoulli and two-level closed forms, mpmath linear algebra,
scikit-learn's log loss)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy.special import expit

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml.verifier import get_profile, run_identity
from physml_plugins.information_geometry import FISHER_NATURAL_GRADIENT as C
from physml_plugins.information_geometry import (
    SCHOTTKY_PEAK,
    classifier_from_fields,
    field_ensemble,
    softmax_classifier_geometry,
)

FIELDS = [
    [0.5, -1.0],
    [3.0, -2.0, 0.25],
    [-7.0, 5.0, 1.0, 9.0],
    [20.0, -15.0],
]


def _both(params):
    values = C.check_params(params)
    learning = softmax_classifier_geometry(classifier_from_fields(values))
    return values, field_ensemble(values), learning


def _uniform(k):
    return [1.0 / k] * k


# -- verification ---------------------------------------------------------------------------------


def test_fisher_natural_gradient_identities_hold():
    assert_verifies(C, profile="default")


def test_every_fisher_natural_gradient_mutant_is_rejected():
    assert_mutants_killed(C)


@pytest.mark.parametrize(
    ("mutant", "identity"),
    [(m.name, name) for m in C.mutants for name in m.killed_by],
)
def test_each_mutant_is_rejected_by_every_identity_it_names(mutant, identity):
    mutated = next(m for m in C.mutants if m.name == mutant).apply(C)
    report = run_identity(mutated, mutated.identity(identity), profile=get_profile("dev"), seed=0)
    assert report.status == "failed", f"{mutant} passes {identity}: {report.message}"


# -- the Fisher matrix against a KL written here, differentiated in mpmath ------------------------


def _mp_kl(eta, other):
    """KL(p_η‖p_η′) for the categorical family with η_K = 0, in mpmath."""
    fields = [*eta, mpmath.mpf(0)]
    others = [*other, mpmath.mpf(0)]
    log_z = mpmath.log(mpmath.fsum(mpmath.exp(f) for f in fields))
    log_z_other = mpmath.log(mpmath.fsum(mpmath.exp(f) for f in others))
    return mpmath.fsum(
        mpmath.exp(f - log_z) * ((f - log_z) - (g - log_z_other))
        for f, g in zip(fields, others, strict=True)
    )


@pytest.mark.parametrize("eta", FIELDS)
def test_fisher_matrices_are_the_hessian_of_an_independent_kl(eta):
    _, phys, learn = _both({"natural_parameters": eta, "target": _uniform(len(eta) + 1)})
    m = len(eta)
    with mpmath.workdps(40):
        point = [mpmath.mpf(x) for x in eta]
        hessian = np.empty((m, m))
        for i in range(m):
            for j in range(m):
                order = tuple(int(k == i) + int(k == j) for k in range(m))
                hessian[i, j] = float(mpmath.diff(lambda *e: _mp_kl(point, e), point, order))
    scale = np.sqrt(np.outer(np.diag(hessian), np.diag(hessian)))
    for fisher in (
        phys["log_partition_hessian"],
        phys["statistic_covariance"],
        learn["fisher_matrix"],
    ):
        assert np.all(np.abs(fisher - hessian) <= 1e-13 * scale + 1e-300)


def test_finite_difference_kl_hessian_in_float64_reaches_the_spec_precision():
    eta = np.array([0.5, -1.0, 2.0])
    _, phys, _ = _both({"natural_parameters": eta.tolist(), "target": _uniform(4)})

    def kl(other):
        fields, others = np.append(eta, 0.0), np.append(other, 0.0)
        log_p = fields - np.log(np.sum(np.exp(fields)))
        log_q = others - np.log(np.sum(np.exp(others)))
        return float(np.exp(log_p) @ (log_p - log_q))

    h, m = 1e-4, eta.size
    steps = h * np.eye(m)
    hessian = np.array(
        [
            [
                (
                    kl(eta + steps[i] + steps[j])
                    - kl(eta + steps[i] - steps[j])
                    - kl(eta - steps[i] + steps[j])
                    + kl(eta - steps[i] - steps[j])
                )
                / (4 * h * h)
                for j in range(m)
            ]
            for i in range(m)
        ]
    )
    assert np.max(np.abs(hessian - phys["log_partition_hessian"])) < 1e-6


# -- Bernoulli closed forms (spec 7(h)) -----------------------------------------------------------


@pytest.mark.parametrize("logit", [-30.0, -3.0, 0.0, 0.7, 12.0, 30.0])
def test_bernoulli_fisher_is_p_one_minus_p_in_the_logit_and_its_inverse_in_the_mean(logit):
    q = [0.3, 0.7]
    _, phys, learn = _both({"natural_parameters": [logit], "target": q})
    p = expit(logit)
    fisher = p * expit(-logit)  # p(1 − p) without cancellation
    assert phys["log_partition_hessian"][0, 0] == pytest.approx(fisher, rel=1e-14)
    assert phys["statistic_covariance"][0, 0] == pytest.approx(fisher, rel=1e-14)
    assert learn["fisher_matrix"][0, 0] == pytest.approx(fisher, rel=1e-14)
    assert phys["mean_parameter_metric"][0, 0] == pytest.approx(1 / fisher, rel=1e-14)
    # The natural gradient of the cross-entropy: (p − q₁)/(p(1 − p)).
    expected = (p - q[0]) / fisher
    assert learn["natural_gradient_closed_form"][0] == pytest.approx(expected, rel=1e-12)
    assert phys["mean_parameter_gradient"][0] == pytest.approx(expected, rel=1e-12)


# -- natural gradient against mpmath linear algebra -----------------------------------------------


@pytest.mark.parametrize("eta", FIELDS)
def test_natural_gradient_matches_an_mpmath_solve(eta):
    k = len(eta) + 1
    q = np.linspace(1.0, 2.0, k)
    q /= q.sum()
    _, phys, learn = _both({"natural_parameters": eta, "target": q.tolist()})
    with mpmath.workdps(60):
        weights = [mpmath.exp(mpmath.mpf(x)) for x in [*eta, 0.0]]
        total = mpmath.fsum(weights)
        p = [w / total for w in weights]
        qs = [mpmath.mpf(float(x)) for x in q]
        fisher = mpmath.matrix(k - 1, k - 1)
        for i in range(k - 1):
            for j in range(k - 1):
                fisher[i, j] = (p[i] if i == j else 0) - p[i] * p[j]
        gradient = mpmath.matrix([p[i] * mpmath.fsum(qs) - qs[i] for i in range(k - 1)])
        natural = [float(x) for x in mpmath.lu_solve(fisher, gradient)]
    np.testing.assert_allclose(learn["natural_gradient_closed_form"], natural, rtol=1e-13)
    np.testing.assert_allclose(phys["mean_parameter_gradient"], natural, rtol=1e-13)


def test_mean_parameter_metric_is_the_inverse_fisher_matrix():
    _, phys, learn = _both({"natural_parameters": [3.0, -2.0, 0.25], "target": _uniform(4)})
    product = phys["mean_parameter_metric"] @ learn["fisher_matrix"]
    np.testing.assert_allclose(product, np.eye(3), atol=1e-13)


# -- the loss against scikit-learn ----------------------------------------------------------------


def test_cross_entropy_on_both_sides_matches_scikit_learn_log_loss():
    from sklearn.metrics import log_loss

    values, phys, learn = _both({"natural_parameters": [0.5, -1.0], "target": [0.2, 0.5, 0.3]})
    labels = np.arange(3)
    predictions = np.tile(phys["probabilities"], (3, 1))
    reference = log_loss(
        labels, predictions, sample_weight=values["target"], normalize=False, labels=labels
    )
    assert phys["cross_entropy"] == pytest.approx(reference, rel=1e-14)
    assert learn["loss"] == pytest.approx(reference, rel=1e-14)


# -- the Gibbs family in β: two-level closed form and the Schottky peak (spec 2(h), 7(h)) ---------


@pytest.mark.parametrize(
    ("gap", "kT"), [(1.0, 1.0 / SCHOTTKY_PEAK), (2.0, 0.3), (1e-3, 5.0), (50.0, 0.5)]
)
def test_two_level_fisher_in_beta_matches_the_closed_form(gap, kT):
    params = {"energies": [3.0, 3.0 + gap], "temperature": kT}
    phys = field_ensemble(params)
    learn = softmax_classifier_geometry(classifier_from_fields(params))
    x = gap / kT
    expected = gap**2 * math.exp(-x) / (1 + math.exp(-x)) ** 2
    assert learn["fisher_information"] == pytest.approx(expected, rel=1e-12)
    assert phys["energy_variance"] == pytest.approx(expected, rel=1e-12)


def test_heat_capacity_from_the_fisher_information_peaks_at_the_schottky_value():
    params = {"energies": [0.0, 1.0], "temperature": 1.0 / SCHOTTKY_PEAK}
    phys = field_ensemble(params)
    learn = softmax_classifier_geometry(classifier_from_fields(params))
    beta = SCHOTTKY_PEAK
    assert beta**2 * learn["fisher_information"] == pytest.approx(0.4392288398906452, rel=1e-12)
    assert phys["heat_capacity"] == pytest.approx(0.4392288398906452, rel=1e-12)


# -- negative controls ----------------------------------------------------------------------------


def test_plain_gradient_is_not_reparametrization_invariant():
    params = {
        "coordinates": [0.3, -0.7],
        "mixing_matrix": [[3.5, -0.4], [1.2, 2.1]],
        "target": [0.2, 0.5, 0.3],
    }
    result = C.identity("natural-gradient-is-reparametrization-invariant").check(C, params)
    assert result.holds
    assert result.detail["plain_gradient_rel_discrepancy"] > 0.5


def test_empirical_fisher_equals_the_fisher_only_when_the_target_is_the_model():
    eta = [0.5, -1.0]
    p = field_ensemble({"natural_parameters": eta, "target": _uniform(3)})["probabilities"]
    for target, same in ((p.tolist(), True), ([0.2, 0.5, 0.3], False)):
        logits = {"logits": [*eta, 0.0], "target": target}
        fisher = softmax_classifier_geometry(logits)["fisher_matrix"]
        empirical = softmax_classifier_geometry(logits, labels_from="target")["fisher_matrix"]
        assert np.allclose(empirical, fisher, rtol=1e-13, atol=0) is same


# -- worked example and parameter errors ----------------------------------------------------------


def test_worked_example_evaluates_with_every_identity_holding():
    from physml.cli import evaluate_identities

    evaluation = C.evaluate()
    np.testing.assert_allclose(
        evaluation.learning["probabilities"],
        np.exp([0.5, -1.0, 0.0]) / np.exp([0.5, -1.0, 0.0]).sum(),
        rtol=1e-15,
    )
    assert all(row["holds"] for row in evaluate_identities(C, evaluation))


@pytest.mark.parametrize(
    ("params", "parameter", "words"),
    [
        ({"natural_parameters": [1.0, 2.0], "target": [0.5, 0.5]}, "target", "3 entries"),
        ({"natural_parameters": [1.0], "target": [0.6, 0.6]}, "target", "sum to 1"),
        ({"natural_parameters": [1.0], "target": [-0.2, 1.2]}, "target", "≥ 0"),
        ({"natural_parameters": [1.0, 301.0]}, "natural_parameters", "≤ 300"),
        ({"natural_parameters": []}, "natural_parameters", "empty"),
        ({"natural_parameters": 1.0}, "natural_parameters", "1-D array"),
        ({"natural_parameters": [float("nan")]}, "natural_parameters", "finite"),
        ({"target": [1.0]}, "target", "K ≥ 2"),
        ({"fields": [1.0]}, "fields", "unknown parameter"),
    ],
)
def test_invalid_parameters_raise_an_error_naming_the_parameter(params, parameter, words):
    with pytest.raises(ParameterError) as caught:
        C.check_params(params)
    assert caught.value.parameter == parameter
    assert words in str(caught.value)


def test_a_missing_target_defaults_to_uniform_over_the_given_states():
    values = C.check_params({"natural_parameters": [1.0, 2.0, -3.0]})
    np.testing.assert_allclose(values["target"], _uniform(4))
