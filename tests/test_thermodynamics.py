"""gibbs-softmax: the properties, the mutants, and independent references (scipy.special,
high-precision mpmath for extreme energies, and the Schottky closed form)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import scipy.special as sc
from scipy.optimize import brentq

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.thermodynamics import (
    GIBBS_SOFTMAX,
    canonical_ensemble,
    logits_from_energies,
    softmax_classifier,
)

EPS = np.finfo(float).eps


def test_gibbs_softmax_identities_hold():
    assert_verifies(GIBBS_SOFTMAX, profile="default")


def test_every_gibbs_softmax_mutant_is_rejected():
    assert_mutants_killed(GIBBS_SOFTMAX)


@pytest.mark.parametrize("kT", [1e-3, 0.37, 1.0, 8.5, 1e3])
def test_softmax_side_matches_scipy_special(kT):
    rng = np.random.default_rng(7)
    energies = 50.0 * rng.normal(size=12)
    z = -energies / kT
    learn = softmax_classifier(logits_from_energies({"energies": energies, "temperature": kT}))
    np.testing.assert_allclose(learn["probabilities"], sc.softmax(z), rtol=1e-13, atol=1e-300)
    assert learn["log_normalizer"] == pytest.approx(sc.logsumexp(z), rel=1e-15)
    assert learn["predictive_entropy"] == pytest.approx(sc.entr(sc.softmax(z)).sum(), abs=1e-12)


def _mp_gibbs(energies, kT, dps=60):
    """The canonical ensemble in 60-digit arithmetic: the independent reference."""
    with mpmath.workdps(dps):
        beta = 1 / mpmath.mpf(kT)
        weights = [mpmath.exp(-beta * mpmath.mpf(e)) for e in energies]
        z = mpmath.fsum(weights)
        p = [w / z for w in weights]
        mean = mpmath.fsum(pi * mpmath.mpf(e) for pi, e in zip(p, energies, strict=True))
        var = mpmath.fsum(
            pi * (mpmath.mpf(e) - mean) ** 2 for pi, e in zip(p, energies, strict=True)
        )
        return {
            "p": [float(x) for x in p],
            "log_z": float(mpmath.log(z)),
            "free_energy": float(-mpmath.mpf(kT) * mpmath.log(z)),
            "mean_energy": float(mean),
            "entropy": float(beta * mean + mpmath.log(z)),
            "heat_capacity": float(beta**2 * var),
        }


@pytest.mark.parametrize(
    ("energies", "kT"),
    [
        ([-1000.0, -999.0, 0.0], 1.0),  # naive exp overflows: the pitfall of the spec
        ([0.0, 1.0, 2.0, 3.5], 1e-3),  # logits ~ 1e3 apart
        ([-5000.0, -4999.99, 5000.0], 1e-3),  # energy spread 1e4 at the coldest temperature
        ([1e3, 1e3 + 7e-3, 1e3 + 2e-2], 1e3),  # hot: nearly uniform, large offset
        ([2.0, 2.0, 2.0], 0.5),  # fully degenerate
    ],
)
def test_both_sides_match_high_precision_reference_at_extreme_energies(energies, kT):
    ref = _mp_gibbs(energies, kT)
    phys = canonical_ensemble({"energies": np.array(energies), "temperature": kT})
    learn = softmax_classifier(
        logits_from_energies({"energies": np.array(energies), "temperature": kT})
    )
    zmax = max(abs(e) for e in energies) / kT
    rtol = 8 * EPS * (len(energies) + zmax)
    for p in (phys["probabilities"], learn["probabilities"]):
        assert np.all(np.isfinite(p))
        np.testing.assert_allclose(p, ref["p"], rtol=rtol, atol=1e-300)
    for value in (phys["log_partition_function"], learn["log_normalizer"]):
        assert value == pytest.approx(ref["log_z"], abs=8 * EPS * (1 + abs(ref["log_z"])))
    assert phys["free_energy"] == pytest.approx(
        ref["free_energy"], abs=8 * EPS * (abs(ref["free_energy"]) + kT)
    )
    assert phys["entropy"] == pytest.approx(ref["entropy"], abs=16 * EPS * (1 + zmax))
    assert phys["heat_capacity"] == pytest.approx(ref["heat_capacity"], rel=1e-9, abs=1e-280)


def test_two_level_heat_capacity_peak_is_the_schottky_anomaly():
    """C/k = x²eˣ/(1 + eˣ)² peaks at x* = 2.399357280515487 with C_max/k = 0.4392288398906452."""

    def heat_capacity(kT):
        return canonical_ensemble({"energies": np.array([0.0, 1.0]), "temperature": kT})[
            "heat_capacity"
        ]

    x = np.linspace(0.5, 6, 50)
    closed = x**2 * np.exp(x) / (1 + np.exp(x)) ** 2
    np.testing.assert_allclose([heat_capacity(1 / xi) for xi in x], closed, rtol=1e-12)
    # locate the peak from the physics side alone: dC/dx = 0
    peak = brentq(
        lambda xi: heat_capacity(1 / (xi + 1e-6)) - heat_capacity(1 / (xi - 1e-6)),
        1.5,
        3.5,
        xtol=1e-13,
    )
    assert peak == pytest.approx(2.399357280515487, rel=1e-6)
    assert heat_capacity(1 / 2.399357280515487) == pytest.approx(0.4392288398906452, rel=1e-12)


def test_single_state_has_no_entropy_and_no_heat_capacity():
    phys = canonical_ensemble({"energies": np.array([3.0]), "temperature": 0.2})
    assert phys["probabilities"].tolist() == [1.0]
    assert phys["entropy"] == 0.0
    assert phys["heat_capacity"] == 0.0
    assert phys["free_energy"] == 3.0


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"temperature": -1.0}, "temperature", "> 0"),
        ({"temperature": 0.0}, "temperature", "> 0"),
        ({"energies": [1.0, float("nan")]}, "energies", "finite"),
        ({"energies": [[1.0, 2.0]]}, "energies", "1-D"),
        ({"energies": []}, "energies", "empty"),
        ({"energies": "1, 2"}, "energies", "string"),
        ({"temprature": 1.0}, "temprature", "did you mean 'temperature'"),
    ],
)
def test_invalid_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        GIBBS_SOFTMAX.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)
