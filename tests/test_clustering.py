"""deterministic-annealing: the identities, the mutants, and independent references —
scikit-learn's GaussianMixture and KMeans (spec B5-I2, I3, I8–I10), numpy's covariance and the
closed form T_c = 2a² of {−a, +a}, and the seeded experiments of the model-selection curve."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.clustering import (
    DETERMINISTIC_ANNEALING,
    anneal,
    annealed_mixture,
    codevector_thermodynamics,
    dynamical_critical_temperature,
    experiment_data,
    lloyd,
    mixture_from_codevectors,
)

C = DETERMINISTIC_ANNEALING


def _blobs(centres, sigma, per_cluster, seed):
    rng = np.random.default_rng(seed)
    centres = np.asarray(centres, dtype=float)
    return np.concatenate([c + sigma * rng.standard_normal((per_cluster, len(c))) for c in centres])


def _physics(points, weights=None, **state):
    points = np.asarray(points, dtype=float)
    weights = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
    return codevector_thermodynamics({"points": points, "weights": weights, **state})


def _learning(**params):
    return annealed_mixture(mixture_from_codevectors(params))


def test_deterministic_annealing_identities_hold():
    assert_verifies(C, profile="default")


def test_every_deterministic_annealing_mutant_is_rejected():
    assert_mutants_killed(C)


# -- the critical temperature against closed forms and numpy ---------------------------------------


@pytest.mark.parametrize("a", [1e-3, 0.5, 1.5, 40.0])
def test_two_point_set_has_critical_temperature_two_a_squared(a):
    points = [[-a], [a]]
    phys = _physics(points)
    assert phys["critical_temperature"] == pytest.approx(2 * a * a, rel=1e-14)
    x, w = np.asarray(points), np.ones(2)
    assert dynamical_critical_temperature(x, w)["critical_temperature"] == pytest.approx(
        2 * a * a, rel=1e-6
    )


def test_one_dimensional_critical_temperature_is_twice_the_population_variance():
    x = np.random.default_rng(3).standard_t(3, size=(250, 1)) * 7.0 + 100.0
    phys = _physics(x)
    assert phys["critical_temperature"] == pytest.approx(2 * np.var(x, ddof=0), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_both_critical_temperatures_match_numpy_weighted_covariance(seed):
    rng = np.random.default_rng(seed)
    d = 2 + seed
    x = rng.standard_normal((150, d)) * np.exp(rng.uniform(-1, 1, d)) + rng.normal(size=d)
    w = rng.uniform(0.1, 10.0, size=150)
    reference = 2 * np.linalg.eigvalsh(np.cov(x.T, aweights=w, ddof=0))[-1]
    assert _physics(x, w)["critical_temperature"] == pytest.approx(reference, rel=1e-12)
    learned = dynamical_critical_temperature(x, w)["critical_temperature"]
    assert learned == pytest.approx(reference, rel=1e-6)


def test_numpy_default_covariance_would_miss_by_n_over_n_minus_one():
    """The ddof pitfall of spec B5(e): np.cov's default is 1e-3 away at n = 500, far above 1e-6."""
    x = np.random.default_rng(4).standard_normal((500, 2)) * [3.0, 1.0]
    bessel = 2 * np.linalg.eigvalsh(np.cov(x.T))[-1]
    learned = dynamical_critical_temperature(x, np.ones(500))["critical_temperature"]
    assert bessel / learned - 1 == pytest.approx(1 / 499, rel=1e-4)


def test_integer_weights_are_repeated_points():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 2)) * [2.0, 1.0]
    counts = rng.integers(1, 4, size=40)
    weighted = _physics(x, counts.astype(float))["critical_temperature"]
    repeated = _physics(np.repeat(x, counts, axis=0))["critical_temperature"]
    assert weighted == pytest.approx(repeated, rel=1e-12)


def test_split_jacobian_is_twice_the_covariance_over_temperature():
    x = np.random.default_rng(6).standard_normal((80, 3)) * [2.0, 1.0, 0.5]
    temperature = 3.7
    phys = _physics(x, temperature=temperature)
    np.testing.assert_allclose(
        phys["split_jacobian"], 2 * np.cov(x.T, ddof=0) / temperature, rtol=1e-12, atol=1e-15
    )


def test_free_energy_force_is_the_central_difference_of_the_free_energy():
    """B5-I1's ingredient: the physics side's ∂F/∂y against central differences of its own F."""
    x = _blobs([(0, 0), (3, 1)], 1.0, 25, seed=12)
    w = np.random.default_rng(13).uniform(0.5, 2.0, size=len(x))
    codevectors = np.array([[0.3, -0.2], [2.5, 1.4], [1.0, 3.0]])
    state = {"masses": np.array([1.0, 2.0, 0.5]), "temperature": 1.7}
    force = _physics(x, w, codevectors=codevectors, **state)["free_energy_gradient"]
    h = 1e-5
    numeric = np.zeros_like(codevectors)
    for j in range(3):
        for i in range(2):
            up, down = codevectors.copy(), codevectors.copy()
            up[j, i] += h
            down[j, i] -= h
            f_up = _physics(x, w, codevectors=up, **state)["free_energy"]
            f_down = _physics(x, w, codevectors=down, **state)["free_energy"]
            numeric[j, i] = (f_up - f_down) / (2 * h)
    np.testing.assert_allclose(force, numeric, rtol=1e-7, atol=1e-7 * np.abs(force).max())


# -- one DA step is one EM step: scikit-learn's GaussianMixture (B5-I2, B5-I3) ---------------------


def _sklearn_mixture(means, mixing, temperature):
    k = len(means)
    gm = GaussianMixture(n_components=k, covariance_type="spherical")
    gm.means_ = np.asarray(means, dtype=float)
    gm.weights_ = np.asarray(mixing, dtype=float)
    gm.covariances_ = np.full(k, temperature / 2)
    gm.precisions_cholesky_ = np.full(k, 1 / math.sqrt(temperature / 2))
    return gm


@pytest.mark.parametrize("temperature", [0.01, 0.3, 5.0, 200.0])
def test_gibbs_assignments_and_free_energy_match_sklearn_gaussian_mixture(temperature):
    x = _blobs([(0, 0), (3, 0), (1, 2)], 0.7, 30, seed=7)
    rng = np.random.default_rng(8)
    codevectors = x[rng.choice(len(x), size=3, replace=False)]
    masses = np.array([0.2, 0.5, 1.3])
    gm = _sklearn_mixture(codevectors, masses / masses.sum(), temperature)
    reference_p = gm.predict_proba(x)
    reference_log_l = gm.score_samples(x).sum()
    state = {"codevectors": codevectors, "masses": masses, "temperature": temperature}
    phys = _physics(x, **state)
    learn = _learning(points=x, weights=np.ones(len(x)), **state)
    for p in (phys["assignments"], learn["responsibilities"]):
        np.testing.assert_allclose(p, reference_p, atol=1e-10)
    n, d = x.shape
    predicted = (
        -phys["free_energy"] / temperature
        - n * math.log(masses.sum())
        - n * d / 2 * math.log(math.pi * temperature)
    )
    assert predicted == pytest.approx(reference_log_l, rel=1e-12)
    assert learn["log_likelihood"] == pytest.approx(reference_log_l, rel=1e-12)


def test_em_step_matches_sklearn_m_step():
    """scikit-learn's M-step for the means and weights, from its own responsibilities."""
    x = _blobs([(0, 0), (4, 1)], 1.0, 50, seed=9)
    codevectors, mixing, temperature = np.array([[0.5, 0.0], [3.0, 1.5]]), [0.4, 0.6], 2.0
    gm = _sklearn_mixture(codevectors, mixing, temperature)
    resp = gm.predict_proba(x)
    counts = resp.sum(axis=0)
    learn = _learning(
        points=x,
        weights=np.ones(len(x)),
        codevectors=codevectors,
        masses=np.array(mixing),
        temperature=temperature,
    )
    np.testing.assert_allclose(learn["means"], resp.T @ x / counts[:, None], rtol=1e-12)
    np.testing.assert_allclose(learn["mixing"], counts / len(x), rtol=1e-12)


# -- the zero-temperature end is k-means: scikit-learn's KMeans (B5-I8 to B5-I10) ---------------


def _kmeans(x, k, seed):
    init = x[np.random.default_rng(seed).choice(len(x), size=k, replace=False)]
    km = KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd", tol=0.0, max_iter=500)
    return init, km.fit(x)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lloyd_matches_sklearn_kmeans(seed):
    x = _blobs([(0, 0), (5, 0), (2, 4), (6, 5)], 1.0, 40, seed=seed)
    init, km = _kmeans(x, 4, seed)
    ours = lloyd(x, np.ones(len(x)), init)
    np.testing.assert_allclose(ours["centers"], km.cluster_centers_, atol=1e-12)
    assert ours["inertia"] == pytest.approx(km.inertia_, rel=1e-12)
    energies = ((x[:, None, :] - km.cluster_centers_[None]) ** 2).sum(axis=2)
    assert km.inertia_ == pytest.approx(energies.min(axis=1).sum(), rel=1e-12)  # B5-I10


@pytest.mark.parametrize("seed", [3, 4])
def test_cold_da_step_reproduces_kmeans_centres_and_brackets_the_inertia(seed):
    x = _blobs([(0, 0), (5, 0), (2, 4)], 1.0, 40, seed=seed)
    _, km = _kmeans(x, 3, seed)
    centres = km.cluster_centers_
    energies = np.sort(((x[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    gap = float(np.min(energies[:, 1] - energies[:, 0]))
    scale = math.sqrt(np.trace(np.cov(x.T, ddof=0)))
    for temperature in (gap / 40, gap / 80):  # B5-I8
        phys = _physics(x, codevectors=centres, masses=np.ones(3), temperature=temperature)
        np.testing.assert_allclose(phys["centroids"], centres, atol=1e-10 * scale)
    for temperature in (0.01, 0.1, 1.0):  # B5-I9: inertia − N·T·log K ≤ F ≤ inertia
        free = _physics(x, codevectors=centres, masses=np.ones(3), temperature=temperature)[
            "free_energy"
        ]
        slack = 1e-12 * km.inertia_
        assert km.inertia_ - len(x) * temperature * math.log(3) - slack <= free
        assert free <= km.inertia_ + slack


# -- the annealing path and the model-selection curve ---------------------------------------------


def test_spec_three_blobs_choose_three_with_the_observed_plateau():
    """Spec B5: centres (0,0), (10,0), (5,8), 200 points each, s = 1: K = 3 holds over a
    log-length ≈ 2.74 (observed 2.7 here), every other plateau ≤ 0.12 (band 0.2), T_c ≈ 35."""
    x, _, _ = experiment_data("three-blobs-in-the-plane")
    result = anneal(x, bisection=False)
    assert result.chosen_k == 3
    assert result.critical_temperature == pytest.approx(
        2 * np.linalg.eigvalsh(np.cov(x.T, ddof=0))[-1], rel=1e-12
    )
    chosen = [p for p in result.plateaus if p.clusters == 3 and not p.truncated]
    assert 2.5 <= chosen[0].log_length <= 3.0
    others = [p.log_length for p in result.plateaus if p.clusters != 3 and not p.truncated]
    assert max(others) <= 0.2
    assert result.critical_temperature * 0.97**2 <= result.split_temperature
    assert result.split_temperature < result.critical_temperature
    # the clustering at K* is k-means quality: every blob is one cluster
    labels = result.labels.reshape(3, 200)
    assert all(len(set(row)) == 1 for row in labels)
    assert len({row[0] for row in labels}) == 3


@pytest.mark.parametrize("cooling", [0.95, 0.99])
@pytest.mark.parametrize("seed", [0, 1])
def test_first_split_is_within_one_grid_step_of_critical_for_other_cooling_rates(cooling, seed):
    """Spec protocol P3 with α = 0.95 and 0.99: α²·T_c ≤ T_split < T_c."""
    x = _blobs([(0, 0), (4, 1)], 1.0, 60, seed=seed) * [1.0, 0.5]
    result = anneal(x, cooling=cooling, max_clusters=2, bisection=False)
    ratio = result.split_temperature / result.critical_temperature
    assert cooling**2 <= ratio < 1.0


def test_one_gaussian_blob_has_no_long_plateau():
    """The boundary of the analogy: with no clusters, the staircase has only short plateaus."""
    for seed in range(3):
        x = np.random.default_rng(seed).standard_normal((300, 2))
        result = anneal(x, bisection=False)
        bounded = [p.log_length for p in result.plateaus if p.clusters >= 2 and not p.truncated]
        assert max(bounded) < 0.5  # natural clusters give 2.5 and more (the test above)


def test_anneal_reports_both_critical_temperatures_and_a_summary():
    x = np.asarray(C.example["points"])
    result = anneal(x)
    assert result.chosen_k == 3
    assert result.dynamical_critical_temperature == pytest.approx(
        result.critical_temperature, rel=1e-6
    )
    text = result.summary()
    assert "chosen number of clusters: 3 (plateau" in text
    assert np.all(np.diff(result.temperatures) < 0)


def test_weights_and_repeated_points_anneal_alike():
    x = _blobs([(0, 0), (6, 0)], 0.8, 15, seed=10)
    counts = np.random.default_rng(11).integers(1, 3, size=len(x))
    weighted = anneal(x, counts, max_clusters=4, bisection=False)
    repeated = anneal(np.repeat(x, counts, axis=0), max_clusters=4, bisection=False)
    assert weighted.chosen_k == repeated.chosen_k == 2
    assert weighted.critical_temperature == pytest.approx(repeated.critical_temperature, rel=1e-12)


# -- parameters ---------------------------------------------------------------------------------


def test_points_alone_take_uniform_weights():
    values = C.check_params({"points": [[0.0, 0.0], [1.0, 2.0], [3.0, 1.0]]})
    assert values["weights"].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"points": [[1.0, 1.0], [1.0, 1.0]]}, "points", "coincide"),
        ({"points": [[0.0], [1.0], [2.0]], "weights": [0.0, 5.0, 0.0]}, "points", "coincide"),
        ({"points": [[0.0, 0.0]]}, "points", "at least 2 points"),
        ({"points": [1.0, 2.0, 3.0]}, "points", "2-D"),
        ({"points": [[0.0, float("nan")], [1.0, 1.0]]}, "points", "finite"),
        ({"points": [[0.0], [1.0]], "weights": [0.0, 0.0]}, "weights", "not all be zero"),
        ({"points": [[0.0], [1.0]], "weights": [1.0, -1.0]}, "weights", "≥ 0"),
        ({"points": [[0.0], [1.0]], "weights": [1.0, 1.0, 1.0]}, "weights", "one weight per point"),
        ({"point": [[0.0], [1.0]]}, "point", "did you mean 'points'"),
    ],
)
def test_invalid_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        C.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


def test_anneal_rejects_bad_settings_by_name():
    with pytest.raises(ParameterError, match="cooling"):
        anneal([[0.0], [1.0]], cooling=1.5)
    with pytest.raises(ParameterError, match="points"):
        anneal([[2.0], [2.0]])
