"""gibbs-bogoliubov-elbo and mean-field-ising-vi: the properties, the mutants, and independent
references (enumeration written afresh with math.fsum, high-precision mpmath sums for the
Curie–Weiss partition function, scikit-learn's probabilistic PCA likelihood, quadrature, and the
reference values of the specification)."""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
from scipy import integrate
from sklearn.decomposition import PCA

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.variational import (
    CURIE_WEISS,
    GIBBS_BOGOLIUBOV_ELBO,
    MEAN_FIELD_ISING_VI,
    PPCA,
    PPCA_EXAMPLES,
    evidence_lower_bound,
    gaussian_latent_field,
    gibbs_bogoliubov,
    homogeneous_mean_field,
    ising_to_latent_model,
    ising_to_mean_field_model,
    mean_field_cavi,
    ppca_variational,
    weiss_mean_field,
)

EPS = np.finfo(float).eps
LOG_2PI = math.log(2 * math.pi)


def test_gibbs_bogoliubov_elbo_identities_hold():
    assert_verifies(GIBBS_BOGOLIUBOV_ELBO, profile="default")


def test_every_gibbs_bogoliubov_elbo_mutant_is_rejected():
    assert_mutants_killed(GIBBS_BOGOLIUBOV_ELBO)


def test_mean_field_ising_vi_identities_hold():
    assert_verifies(MEAN_FIELD_ISING_VI, profile="default")


def test_every_mean_field_ising_vi_mutant_is_rejected():
    assert_mutants_killed(MEAN_FIELD_ISING_VI)


# -- an independent enumeration: spins by itertools, sums by math.fsum / mpmath --------------------


def _energy(s, couplings, fields):
    n = len(s)
    pairs = math.fsum(couplings[i][j] * s[i] * s[j] for i in range(n) for j in range(i + 1, n))
    return -pairs - math.fsum(h * si for h, si in zip(fields, s, strict=True))


def _reference(couplings, fields, kT, trial_fields, dps=50):
    """log Z, and ELBO(q₀) of the product trial q₀(s) = Π e^(βh₀ s)/2cosh(βh₀), in mpmath."""
    n = len(fields)
    with mpmath.workdps(dps):
        beta = 1 / mpmath.mpf(kT)
        states = list(itertools.product((-1, 1), repeat=n))
        log_weights = [-beta * mpmath.mpf(_energy(s, couplings, fields)) for s in states]
        top = max(log_weights)
        log_z = top + mpmath.log(mpmath.fsum(mpmath.exp(w - top) for w in log_weights))
        elbo = mpmath.mpf(0)
        for s, log_w in zip(states, log_weights, strict=True):
            log_q = mpmath.fsum(
                beta * h * si - mpmath.log(2 * mpmath.cosh(beta * h))
                for h, si in zip(trial_fields, s, strict=True)
            )
            q = mpmath.exp(log_q)
            elbo += q * (log_w - log_q)
        return float(log_z), float(elbo)


CASES = [
    ([[0.0, 1.0, -0.5], [1.0, 0.0, 0.8], [-0.5, 0.8, 0.0]], [0.3, -0.2, 0.1], 0.7, [0.9, 0.6, 0.2]),
    ([[0.0, -3.0], [-3.0, 0.0]], [0.0, 0.5], 0.05, [2.0, -1.0]),  # |βH| ~ 70, antiferromagnet
    (
        [[0.0, 2.0, 0.0, -1.0], [2.0, 0.0, 1.5, 0.0], [0.0, 1.5, 0.0, 2.5], [-1.0, 0.0, 2.5, 0.0]],
        [1.0, -4.0, 0.5, 2.0],
        0.01,  # |βH| ~ 1e3: needs ground-state-relative weights or logsumexp
        [0.3, -0.2, 0.05, 0.1],
    ),
]


@pytest.mark.parametrize(("couplings", "fields", "kT", "trial"), CASES)
def test_both_sides_match_a_high_precision_enumeration(couplings, fields, kT, trial):
    log_z, elbo = _reference(couplings, fields, kT, trial)
    params = {
        "couplings": np.array(couplings),
        "fields": np.array(fields),
        "temperature": kT,
        "trial_fields": np.array(trial),
    }
    phys = gibbs_bogoliubov(params)
    learn = evidence_lower_bound(ising_to_latent_model(params))
    scale = 1 + sum(map(abs, fields)) / kT + sum(abs(v) for row in couplings for v in row) / kT
    assert phys["log_partition_function"] == pytest.approx(log_z, abs=64 * EPS * scale)
    assert learn["log_evidence"] == pytest.approx(log_z, abs=64 * EPS * scale)
    assert learn["elbo"] == pytest.approx(elbo, abs=256 * EPS * scale)
    assert -phys["gibbs_bogoliubov_bound"] / kT == pytest.approx(elbo, abs=256 * EPS * scale)
    assert learn["kl_divergence"] == pytest.approx(log_z - elbo, abs=256 * EPS * scale)


def test_trial_at_the_mean_field_solution_is_the_best_product_trial_and_still_a_bound():
    """With h₀ = h + Jm at the mean-field fixed point, the GBF bound is the mean-field free
    energy and lies above F (a cross-check between the two entries)."""
    couplings = np.array([[0.0, 1.0, 0.4], [1.0, 0.0, -0.6], [0.4, -0.6, 0.0]])
    fields = np.array([0.2, -0.1, 0.3])
    kT = 0.8
    start = {"couplings": couplings, "fields": fields, "temperature": kT}
    cavi = mean_field_cavi(ising_to_mean_field_model({**start, "magnetizations": np.zeros(3)}))
    m = 2 * cavi["fixed_point"] - 1
    mean_field = weiss_mean_field({**start, "magnetizations": m})
    bound = gibbs_bogoliubov({**start, "trial_fields": couplings @ m + fields})
    assert bound["gibbs_bogoliubov_bound"] == pytest.approx(
        mean_field["mean_field_free_energy"], abs=1e-12
    )
    assert bound["free_energy"] < bound["gibbs_bogoliubov_bound"]
    # any other product trial gives a higher bound (the fixed point is a local minimum)
    for delta in (1e-3, -1e-3):
        other = gibbs_bogoliubov({**start, "trial_fields": couplings @ m + fields + delta})
        assert other["gibbs_bogoliubov_bound"] > bound["gibbs_bogoliubov_bound"]


def test_saturated_trial_spins_give_zero_entropy_without_nan():
    params = {
        "couplings": np.array([[0.0, 1.0], [1.0, 0.0]]),
        "fields": np.array([0.5, -0.5]),
        "temperature": 0.5,
        "trial_fields": np.array([400.0, -400.0]),
    }
    phys = gibbs_bogoliubov(params)
    learn = evidence_lower_bound(ising_to_latent_model(params))
    assert phys["trial_magnetizations"].tolist() == [1.0, -1.0]
    assert phys["trial_entropy"] == 0.0
    assert learn["variational_entropy"] == 0.0
    # q sits on the single state s = (+1, −1): its energy −J + h₁ − h₂ = −1 + 1 = 0
    assert phys["trial_mean_energy"] == 0.0
    assert learn["elbo"] == pytest.approx(0.0, abs=1e-15)


# -- probabilistic PCA: scikit-learn's likelihood and quadrature -----------------------------------


def test_field_integral_equals_scikit_learn_probabilistic_pca_likelihood():
    """Fit sklearn's PCA (Tipping–Bishop maximum likelihood), rebuild W = U(Λ − σ²)^½, and compare
    PCA.score_samples with the physics side's Gaussian field integral and the learning side."""
    rng = np.random.default_rng(3)
    d, k = 6, 2
    data = rng.normal(size=(200, k)) @ rng.normal(size=(k, d)) + 0.3 * rng.normal(size=(200, d))
    pca = PCA(n_components=k).fit(data)
    noise = float(pca.noise_variance_)
    loadings = pca.components_.T * np.sqrt(pca.explained_variance_ - noise)
    expected = pca.score_samples(data[:5])
    for x, reference in zip(data[:5], expected, strict=True):
        params = {
            "family": PPCA,
            "data": x,
            "loadings": loadings,
            "offset": pca.mean_,
            "noise_variance": noise,
            "trial_mean": np.zeros(k),
            "trial_covariance": np.eye(k),
        }
        assert gaussian_latent_field(params)["log_partition_function"] == pytest.approx(
            reference, rel=1e-12
        )
        assert ppca_variational(params)["log_marginal_likelihood"] == pytest.approx(
            reference, rel=1e-12
        )


def test_one_dimensional_latent_field_matches_quadrature():
    """k = 1: Z = ∫ p(x|z)p(z) dz, the posterior mean and variance, and the ELBO of a trial q, all
    by adaptive quadrature."""
    params = dict(PPCA_EXAMPLES[2])
    x, w = np.array(params["data"]), np.array(params["loadings"])
    noise, m, s = (
        params["noise_variance"],
        params["trial_mean"][0],
        params["trial_covariance"][0][0],
    )

    def log_joint(z):
        r = x - w[:, 0] * z
        d = len(x)
        return -(r @ r) / (2 * noise) - z * z / 2 - 0.5 * (d * math.log(noise) + (d + 1) * LOG_2PI)

    def log_normal(z):
        return -((z - m) ** 2) / (2 * s) - 0.5 * math.log(2 * math.pi * s)

    def moment(power):
        value = integrate.quad(
            lambda z: z**power * math.exp(log_joint(z)), -60, 60, epsabs=1e-16, epsrel=1e-12
        )
        return value[0]

    evidence = moment(0)
    mean = moment(1) / evidence
    variance = moment(2) / evidence - mean**2
    width = 30 * math.sqrt(s)
    elbo = integrate.quad(
        lambda z: math.exp(log_normal(z)) * (log_joint(z) - log_normal(z)),
        m - width,
        m + width,
        epsabs=1e-14,
        epsrel=1e-12,
    )[0]
    phys = gaussian_latent_field(params)
    learn = ppca_variational(params)
    assert phys["log_partition_function"] == pytest.approx(math.log(evidence), abs=1e-11)
    assert phys["gibbs_mean"][0] == pytest.approx(mean, rel=1e-9)
    assert phys["gibbs_covariance"][0][0] == pytest.approx(variance, rel=1e-9)
    assert learn["posterior_mean"][0] == pytest.approx(mean, rel=1e-9)
    assert learn["elbo"] == pytest.approx(elbo, abs=1e-10)
    assert -phys["variational_free_energy"] == pytest.approx(elbo, abs=1e-10)


def test_reparameterised_estimate_is_reproducible_and_within_its_standard_error():
    params = {**PPCA_EXAMPLES[0], "mc_draws": 200_000}
    first, second = ppca_variational(params), ppca_variational(params)
    assert first["mc_elbo"] == second["mc_elbo"]  # fixed seed: the same verdict on every run
    z = (first["mc_elbo"] - first["elbo"]) / first["mc_standard_error"]
    assert abs(z) <= 5


# -- mean field and CAVI ------------------------------------------------------------------------


def _mean_field_params(couplings, fields, kT, m):
    return {
        "couplings": np.asarray(couplings, dtype=float),
        "fields": np.asarray(fields, dtype=float),
        "temperature": kT,
        "magnetizations": np.asarray(m, dtype=float),
    }


def test_mean_field_elbo_matches_an_independent_enumeration_with_clamped_spins():
    couplings = [[0.0, 1.2, -0.7], [1.2, 0.0, 0.4], [-0.7, 0.4, 0.0]]
    fields, kT, m = [0.1, -0.3, 0.6], 0.9, [1.0, -0.4, -1.0]
    elbo = []
    for s in itertools.product((-1, 1), repeat=3):
        q = math.prod((1 + mi * si) / 2 for mi, si in zip(m, s, strict=True))
        if q > 0:
            elbo.append(q * (-_energy(s, couplings, fields) / kT - math.log(q)))
    reference = math.fsum(elbo)
    params = _mean_field_params(couplings, fields, kT, m)
    phys = weiss_mean_field(params)
    learn = mean_field_cavi(ising_to_mean_field_model(params))
    assert learn["elbo"] == pytest.approx(reference, abs=1e-14)
    assert -phys["mean_field_free_energy"] / kT == pytest.approx(reference, abs=1e-14)
    assert np.isfinite(phys["mean_field_entropy"])


def test_synchronous_updates_two_cycle_where_sequential_cavi_converges():
    """The specification's example: n = 2, J₁₂ = −3, β = 1, start (−0.83, −0.91)."""
    params = _mean_field_params([[0.0, -3.0], [-3.0, 0.0]], [0.0, 0.0], 1.0, [-0.83, -0.91])
    model = ising_to_mean_field_model(params)
    # synchronous: both from the old means, m ← tanh(βJm), written out here
    m = np.array([-0.83, -0.91])
    history = [m]
    for _ in range(6):
        m = np.tanh(np.array([-3.0 * m[1], -3.0 * m[0]]))
        history.append(m)
    assert history[1] == pytest.approx([0.9915, 0.9863], abs=1e-4)
    assert np.all(history[2] < -0.99) and np.all(history[3] > 0.99)  # the 2-cycle
    # sequential CAVI instead settles on an antiferromagnetic fixed point
    learn = mean_field_cavi(model)
    fixed = 2 * learn["fixed_point"] - 1
    assert learn["converged"]
    assert fixed[0] * fixed[1] < 0
    assert np.all(np.diff(learn["elbo_by_sweep"]) >= -1e-13)
    assert learn["smallest_coordinate_gain"] >= -1e-13


def test_cavi_fixed_point_is_a_local_minimum_of_the_mean_field_free_energy():
    """∂F_MF/∂m = 0 and a positive-definite Hessian −J + T·diag(1/(1 − m²)) at CAVI's limit."""
    couplings = np.array([[0.0, 0.9, 0.3, 0.0], [0.9, 0.0, -0.5, 0.2], [0.3, -0.5, 0.0, 0.7],
                          [0.0, 0.2, 0.7, 0.0]])  # fmt: skip
    params = _mean_field_params(couplings, [0.1, 0.0, -0.2, 0.4], 0.6, [0.5, -0.5, 0.5, -0.5])
    learn = mean_field_cavi(ising_to_mean_field_model(params))
    m = 2 * learn["fixed_point"] - 1
    gradient = -(couplings @ m + params["fields"]) + 0.6 * np.arctanh(m)
    hessian = -couplings + 0.6 * np.diag(1 / (1 - m**2))
    assert np.max(np.abs(gradient)) < 1e-12
    assert np.all(np.linalg.eigvalsh(hessian) > 0)


# -- Curie–Weiss: the specification's reference values and high-precision sums --------------------


def _cw(beta, coupling, field, sizes=(1_000, 10_000, 100_000)):
    return {
        "family": CURIE_WEISS,
        "spins": list(sizes),
        "coupling": coupling,
        "field": field,
        "temperature": 1 / beta,
    }


@pytest.mark.parametrize(
    ("beta", "field", "c_infinity", "observed"),
    [
        (0.5, 0.0, 0.0965736, 0.0965711),
        (2.0, 0.0, -0.2158688, -0.2158659),
        (1.5, 0.3, -0.6786952, -0.6786938),
    ],
)
def test_curie_weiss_gap_matches_the_specification_table(beta, field, c_infinity, observed):
    params = _cw(beta, 1.0, field, sizes=(100_000,))
    phys = weiss_mean_field(params)
    learn = homogeneous_mean_field(ising_to_mean_field_model(params))
    gap = phys["log_partition_function"][0] - learn["mean_field_log_evidence"][0]
    assert gap == pytest.approx(observed, abs=2e-7)
    m = 2 * learn["variational_mean"] - 1
    kappa = 1 - beta * (1 - m * m)
    constant = -0.5 * math.log(kappa) - beta / 2 + (math.log(2) if field == 0 and beta > 1 else 0)
    assert constant == pytest.approx(c_infinity, abs=1e-7)


@pytest.mark.parametrize(
    ("beta_j", "m_star"),
    [(1.2, 0.658569660405754), (1.5, 0.858559636640110), (2.0, 0.957504024077269)],
)
def test_mean_field_magnetisation_matches_the_specification(beta_j, m_star):
    learn = homogeneous_mean_field(ising_to_mean_field_model(_cw(beta_j, 1.0, 0.0)))
    assert abs(2 * learn["variational_mean"] - 1) == pytest.approx(m_star, rel=1e-14)


def test_curie_weiss_magnetisation_errors_match_the_specification():
    ordered = weiss_mean_field(_cw(1.2, 1.0, 0.0))["mean_abs_magnetization"]
    errors = ordered - 0.658569660405754
    np.testing.assert_allclose(errors, [-4.55e-3, -4.38e-4, -4.36e-5], rtol=5e-3)
    paramagnet = weiss_mean_field(_cw(0.8, 1.0, 0.0))["scaled_magnetization_variance"]
    np.testing.assert_allclose(paramagnet, [4.905, 4.990, 4.999], atol=6e-4)


def _mp_log_z(n, beta, coupling, field, dps=40):
    with mpmath.workdps(dps):
        b, j, h = mpmath.mpf(beta), mpmath.mpf(coupling), mpmath.mpf(field)
        terms = [
            mpmath.log(mpmath.binomial(n, k))
            + b * (j * ((2 * k - n) ** 2 - n) / (2 * n) + h * (2 * k - n))
            for k in range(n + 1)
        ]
        top = max(terms)
        return top + mpmath.log(mpmath.fsum(mpmath.exp(t - top) for t in terms))


@pytest.mark.parametrize(("beta", "coupling", "field"), [(2.0, 1.0, 0.0), (0.3, 1.0, 0.05)])
def test_curie_weiss_partition_function_matches_high_precision_sum(beta, coupling, field):
    phys = weiss_mean_field(_cw(beta, coupling, field, sizes=(1_000, 3_000)))
    for n, value in zip((1_000, 3_000), phys["log_partition_function"], strict=True):
        reference = float(_mp_log_z(n, beta, coupling, field))
        assert value == pytest.approx(reference, abs=16 * EPS * n * (beta + 1))


def test_leading_coefficient_matches_a_high_precision_richardson_estimate():
    """a₁ from the closed form against N·(gap − c_∞) extrapolated from exact 40-digit sums at
    N = 2000 and 4000 (an estimate independent of the double-precision sum)."""
    from physml_plugins.variational import _laplace_constants

    beta, field = 1.5, 0.3
    learn = homogeneous_mean_field(ising_to_mean_field_model(_cw(beta, 1.0, field)))
    m = 2 * learn["variational_mean"] - 1
    constant, coefficient = _laplace_constants(beta, m, False)
    scaled = []
    for n in (2_000, 4_000):
        gap = _mp_log_z(n, beta, 1.0, field) - n * mpmath.mpf(learn["per_unit_elbo"])
        scaled.append(float(n * (gap - constant)))
    estimate = 2 * scaled[1] - scaled[0]
    assert estimate == pytest.approx(coefficient, abs=1e-5)
    assert coefficient == pytest.approx(0.14582829123484053, rel=1e-12)


# -- clear errors for invalid parameters --------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"couplings": [[0.0, 1.0], [2.0, 0.0]], "fields": [0, 0]}, "couplings", "symmetric"),
        ({"couplings": [[1.0, 0.0], [0.0, 0.0]], "fields": [0, 0]}, "couplings", "diagonal"),
        ({"couplings": [[0.0, 1.0, 0.0]]}, "couplings", "square"),
        ({"couplings": np.zeros((15, 15)).tolist()}, "couplings", "at most 14"),
        ({"couplings": [[0.0, 1.0], [1.0, 0.0]], "fields": [0, 0, 0]}, "fields", "one entry per"),
        ({"temperature": 0.0}, "temperature", "> 0"),
        ({"temperature": float("nan")}, "temperature", "finite"),
        ({"magnetizations": [0.0, 1.5, 0.0, 0.0]}, "magnetizations", "≤ 1"),
        ({"magnetizations": [0.0, 0.0]}, "magnetizations", "one entry per"),
        ({"magnetisations": [0.0] * 4}, "magnetisations", "did you mean 'magnetizations'"),
    ],
)
def test_invalid_mean_field_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        MEAN_FIELD_ISING_VI.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"trial_fields": [1.0, 2.0]}, "trial_fields", "one entry per"),
        ({"trial_fields": "0.5"}, "trial_fields", "string"),
        ({"couplings": [[0.0, 1.0], [1.0, 0.5]]}, "couplings", "diagonal"),
    ],
)
def test_invalid_bogoliubov_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        GIBBS_BOGOLIUBOV_ELBO.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


def test_missing_fields_and_trial_default_to_zero_for_user_couplings():
    values = GIBBS_BOGOLIUBOV_ELBO.check_params({"couplings": [[0.0, 1.0], [1.0, 0.0]]})
    assert values["fields"].tolist() == [0.0, 0.0]
    assert values["trial_fields"].tolist() == [0.0, 0.0]
