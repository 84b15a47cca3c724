"""free-field-gp and nngp: the identities, the mutants, and independent references.

free-field-gp: dense inverses of the lattice precision matrices, the closed forms of B1.1 in
60-digit mpmath, scikit-learn's GaussianProcessRegressor with a Matern(nu=0.5) kernel (B1-I8,
B1-I9), scipy's Bessel functions, an FFT of the periodic d-dimensional lattice, Watson's integral,
and the spec's tabulated continuum-limit errors.

nngp: mpmath quadrature of the Gaussian integrals, Cho & Saul's k₁, finite differences of the
kernel for the second-order coefficient, and brute-force network ensembles written independently
(two hidden layers with explicit weight matrices).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy.special import k0
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.gaussian_fields import (
    DEEP_WIDTHS,
    FIELD_EXAMPLES,
    FREE_FIELD_GP,
    NETWORK_SEED,
    NNGP,
    arc_cosine_kernel,
    deep_ensemble,
    gaussian_process,
    gp_from_field,
    lattice_angle,
    lattice_field,
    lattice_green_function,
    mean_field_network,
    network_ensemble,
    price_hessian,
    relu_moment,
    whittle_matern,
)

EPS = np.finfo(float).eps


# == free-field-gp ==============================================================================


def test_free_field_gp_identities_hold():
    assert_verifies(FREE_FIELD_GP, profile="default")


def test_every_free_field_gp_mutant_is_rejected():
    assert_mutants_killed(FREE_FIELD_GP)


def _field(**changes):
    return FREE_FIELD_GP.check_params({**FREE_FIELD_GP.example, **changes})


def _dense_chain(m, a, n):
    """Q of the open chain with exact-marginal ends, written out entry by entry."""
    q = np.zeros((n, n))
    for i in range(n):
        q[i, i] = (2 + (a * m) ** 2) / a
        if i + 1 < n:
            q[i, i + 1] = q[i + 1, i] = -1 / a
    theta = 2 * math.asinh(a * m / 2)
    q[0, 0] = q[-1, -1] = math.exp(theta) / a
    return q


def _dense_ring(m, a, n):
    """Q of the periodic ring, one bond at a time (N = 2: two bonds between the same sites)."""
    q = np.diag(np.full(n, a * m * m))
    for i in range(n):
        j = (i + 1) % n
        q[i, i] += 1 / a
        q[j, j] += 1 / a
        q[i, j] -= 1 / a
        q[j, i] -= 1 / a
    return q


def _mp_ring(m, a, n, dps=60):
    """C(k) = a cosh θ(N/2 − k) / (2 sinh θ sinh(Nθ/2)), θ = 2 asinh(am/2), in 60 digits."""
    with mpmath.workdps(dps):
        theta = 2 * mpmath.asinh(mpmath.mpf(a) * m / 2)
        return [
            float(
                a
                * mpmath.cosh(theta * (mpmath.mpf(n) / 2 - k))
                / (2 * mpmath.sinh(theta) * mpmath.sinh(n * theta / 2))
            )
            for k in range(n)
        ]


@pytest.mark.parametrize(
    ("m", "a", "n"),
    [
        (1.3, 0.5, 12),
        (0.4, 1.5, 2),
        (1.0, 1e-3, 3),
        (1.0, 1e-3, 200),
        (5.0, 2.0, 40),
        (0.05, 0.2, 7),
    ],
)
def test_ring_propagator_is_the_dense_inverse_and_the_cosh_closed_form(m, a, n):
    params = _field(mass=m, spacing=a, sites=n, observed_sites=[0], observations=[1.0])
    periodic = lattice_field(params)["periodic_propagator"]
    wrapped = gaussian_process(gp_from_field(params))["periodic_kernel"]
    reference = _mp_ring(m, a, n)
    dense = np.linalg.inv(_dense_ring(m, a, n))[0]
    cond = 1 + 4 / (a * m) ** 2
    scale = max(reference)
    np.testing.assert_allclose(
        periodic, reference, rtol=0, atol=64 * EPS * math.log2(4 * n) * scale
    )
    np.testing.assert_allclose(wrapped, reference, rtol=0, atol=16 * EPS * (2 + n) * scale)
    np.testing.assert_allclose(dense, reference, rtol=0, atol=100 * EPS * cond * scale)


@pytest.mark.parametrize(("m", "a", "n"), [(1.3, 0.5, 12), (1.0, 1e-3, 60), (5.0, 2.0, 30)])
def test_chain_propagator_is_the_dense_inverse_and_the_exponential_closed_form(m, a, n):
    params = _field(mass=m, spacing=a, sites=n, observed_sites=[0], observations=[1.0])
    phys = lattice_field(params)
    learn = gaussian_process(gp_from_field(params))
    with mpmath.workdps(40):
        theta = 2 * mpmath.asinh(mpmath.mpf(a) * m / 2)
        closed = np.array(
            [
                [
                    float(a * mpmath.exp(-theta * abs(i - j)) / (2 * mpmath.sinh(theta)))
                    for j in range(n)
                ]
                for i in range(n)
            ]
        )
    scale = closed.max()
    cond = 1 + 4 / (a * m) ** 2
    np.testing.assert_allclose(phys["propagator"], closed, atol=100 * EPS * cond * scale)
    np.testing.assert_allclose(
        np.linalg.inv(_dense_chain(m, a, n)), closed, atol=100 * EPS * cond * scale
    )
    np.testing.assert_allclose(learn["kernel_matrix"], closed, atol=64 * EPS * scale)
    # 2 sinh θ / a = m √(4 + a²m²): the variance a/(2 sinh θ) in the spec's second form
    assert phys["field_variance"] == pytest.approx(1 / (m * math.sqrt(4 + (a * m) ** 2)), rel=1e-14)


def test_propagator_is_symmetric_toeplitz_and_scales_with_the_spacing():
    """C is symmetric Toeplitz, and C(n; a, m) = a·g(am, n): (a, m) → (λa, m/λ) multiplies C
    by λ."""
    base = lattice_field(_field(mass=1.3, spacing=0.5))["propagator"]
    np.testing.assert_allclose(base, base.T, rtol=1e-15)
    for shift in range(1, base.shape[0]):
        diagonal = np.diag(base, shift)
        np.testing.assert_allclose(diagonal, diagonal[0], rtol=1e-13)
    scaled = lattice_field(_field(mass=1.3 / 3.0, spacing=1.5))["propagator"]
    np.testing.assert_allclose(scaled, 3.0 * base, rtol=1e-13)


def _sklearn_gp(params, amplitude, length_scale):
    a = params["spacing"]
    x = a * np.arange(params["sites"], dtype=float)[:, None]
    x_train = a * np.asarray(params["observed_sites"], dtype=float)[:, None]
    kernel = ConstantKernel(amplitude, "fixed") * Matern(
        length_scale=length_scale, length_scale_bounds="fixed", nu=0.5
    )
    gp = GaussianProcessRegressor(
        kernel, alpha=params["noise_variance"], optimizer=None, normalize_y=False
    )
    return gp.fit(x_train, np.asarray(params["observations"], dtype=float)), x


SKLEARN_CASES = [
    FREE_FIELD_GP.example,
    *FIELD_EXAMPLES[:2],
    {**FREE_FIELD_GP.example, "mass": 2.0, "spacing": 0.5},  # am = 1: θ = am would be 4% off
]


@pytest.mark.parametrize("case", SKLEARN_CASES)
def test_sklearn_matern_half_with_lattice_matched_parameters_reproduces_the_field(case):
    """B1-I8: ConstantKernel(a/(2 sinh θ)) * Matern(length_scale = a/θ, nu = 0.5) is the lattice."""
    params = FREE_FIELD_GP.check_params(case)
    theta = lattice_angle(params["spacing"], params["mass"])
    gp, x = _sklearn_gp(
        params, params["spacing"] / (2 * math.sinh(theta)), params["spacing"] / theta
    )
    mean, cov = gp.predict(x, return_cov=True)
    phys = lattice_field(params)
    learn = gaussian_process(gp_from_field(params))
    y_max = max(1.0, float(np.max(np.abs(params["observations"]))))
    np.testing.assert_allclose(mean, phys["classical_field"], rtol=0, atol=1e-10 * y_max)
    np.testing.assert_allclose(mean, learn["posterior_mean"], rtol=0, atol=1e-10 * y_max)
    np.testing.assert_allclose(
        cov, phys["propagator_with_sources"], rtol=0, atol=1e-10 * phys["field_variance"]
    )
    assert gp.log_marginal_likelihood_value_ == pytest.approx(
        phys["log_generating_functional"], rel=1e-9, abs=1e-9
    )


@pytest.mark.parametrize(("am", "bound"), [(0.05, 5 * 0.05**2), (0.2, 5 * 0.2**2)])
def test_sklearn_with_continuum_parameters_agrees_only_to_order_a_squared(am, bound):
    """B1-I9: amplitude 1/(2m) and ℓ = 1/m miss the lattice by O(a²m²), not by rounding."""
    m = 1.3
    params = _field(
        mass=m,
        spacing=am / m,
        sites=40,
        observed_sites=[3, 10, 11, 30],
        observations=[0.5, -1.0, 2.0, 1.5],
        noise_variance=1e-3,
    )
    gp, x = _sklearn_gp(params, 1 / (2 * m), 1 / m)
    field = lattice_field(params)["classical_field"]
    error = float(np.max(np.abs(gp.predict(x) - field)))
    y_max = float(np.max(np.abs(params["observations"])))
    assert 1e-8 * y_max < error <= bound * y_max


def test_continuum_limit_matches_the_spec_regression_table():
    """m = 1.3, a = 0.0125: C_lat/C_cont − 1 = −1.87036e-05 at x = 1, −3.30062e-05 at x = 0."""
    m, a = 1.3, 0.0125
    for n, expected in ((80, -1.87036e-05), (0, -3.30062e-05)):
        lattice = lattice_green_function(
            {"mass": m, "spacing": a, "separation": n, "dimension": 1}
        )["lattice_green_function"]
        continuum = whittle_matern({"inverse_length_scale": m, "distance": n * a, "dimension": 1})[
            "covariance"
        ]
        assert lattice / continuum - 1 == pytest.approx(expected, abs=6e-11)


@pytest.mark.parametrize(
    ("m", "a", "n"), [(1.3, 0.0125, 80), (0.01, 2.0, 100), (10.0, 1e-3, 300), (7.0, 1.3, 0)]
)
def test_proper_time_integral_is_the_one_dimensional_closed_form(m, a, n):
    theta = 2 * math.asinh(a * m / 2)
    closed = a * math.exp(-theta * n) / (2 * math.sinh(theta))
    value = lattice_green_function({"mass": m, "spacing": a, "separation": n, "dimension": 1})
    assert value["lattice_green_function"] == pytest.approx(closed, rel=1e-12)


def _fft_lattice(m, a, size, d, n):
    """(m² − Δ_lat)⁻¹/a^d on a periodic L^d lattice by FFT, at n sites along the first axis."""
    k = 2 * np.pi * np.fft.fftfreq(size)
    s = 4 * np.sin(k / 2) ** 2 / a**2
    grids = np.meshgrid(*([s] * d), indexing="ij")
    inverse = 1.0 / (m * m + sum(grids))
    field = np.fft.ifftn(inverse).real / a**d
    return field[(n,) + (0,) * (d - 1)]


@pytest.mark.parametrize(
    ("d", "am", "size"), [(2, 0.1, 400), (2, 0.4, 128), (3, 0.5, 64), (3, 0.25, 96)]
)
def test_proper_time_integral_is_the_fft_lattice_propagator(d, am, size):
    """mLa ≥ 24: the periodic images are below e^(−24) of the infinite lattice's value."""
    m = 1.0
    a = am / m
    for n in (0, 3, 10):
        fft = _fft_lattice(m, a, size, d, n)
        value = lattice_green_function({"mass": m, "spacing": a, "separation": n, "dimension": d})
        assert value["lattice_green_function"] == pytest.approx(fft, rel=1e-9)


def test_whittle_matern_is_the_known_green_functions():
    m, r = 1.7, 0.6
    for d, expected in (
        (1, math.exp(-m * r) / (2 * m)),
        (2, k0(m * r) / (2 * math.pi)),
        (3, math.exp(-m * r) / (4 * math.pi * r)),
    ):
        out = whittle_matern({"inverse_length_scale": m, "distance": r, "dimension": d})
        assert out["covariance"] == pytest.approx(expected, rel=1e-14)
    variances = [
        whittle_matern({"inverse_length_scale": m, "distance": 0.0, "dimension": d})
        for d in (1, 2, 3)
    ]
    assert variances[0]["marginal_variance"] == pytest.approx(1 / (2 * m), rel=1e-15)
    assert variances[0]["covariance"] == pytest.approx(1 / (2 * m), rel=1e-15)
    assert math.isinf(variances[1]["marginal_variance"])
    assert math.isinf(variances[2]["marginal_variance"])


def test_three_dimensional_lattice_variance_approaches_watsons_integral():
    """Watson's simple-cubic integral (1/π³)∫∫∫ dk/(1 − (cos k₁ + cos k₂ + cos k₃)/3) is
    W = (√6/32π³)Γ(1/24)Γ(5/24)Γ(7/24)Γ(11/24) = 1.516386…, and the unit lattice's G(0) at m = 0
    is W/6; so a·G_lat(0) = W/6 − am/4π + O(a²)."""
    with mpmath.workdps(30):
        watson = float(
            mpmath.sqrt(6)
            / (32 * mpmath.pi**3)
            * mpmath.gamma(mpmath.mpf(1) / 24)
            * mpmath.gamma(mpmath.mpf(5) / 24)
            * mpmath.gamma(mpmath.mpf(7) / 24)
            * mpmath.gamma(mpmath.mpf(11) / 24)
        )
    assert watson == pytest.approx(1.516386059151978, rel=1e-14)
    m, am = 1.0, 0.0125
    variance = lattice_green_function(
        {"mass": m, "spacing": am / m, "separation": 0, "dimension": 3}
    )["lattice_variance"]
    assert am / m * variance + am / (4 * math.pi) == pytest.approx(watson / 6, abs=1e-5)


def _mp_sinh_interpolation(theta, n, sites, values):
    with mpmath.workdps(50):
        t = mpmath.mpf(theta)
        out = []
        for i in range(n):
            if i <= sites[0]:
                out.append(values[0] * mpmath.exp(-t * (sites[0] - i)))
            elif i >= sites[-1]:
                out.append(values[-1] * mpmath.exp(-t * (i - sites[-1])))
            else:
                k = max(j for j in range(len(sites)) if sites[j] <= i)
                lo, hi = sites[k], sites[k + 1]
                out.append(
                    (
                        values[k] * mpmath.sinh(t * (hi - i))
                        + values[k + 1] * mpmath.sinh(t * (i - lo))
                    )
                    / mpmath.sinh(t * (hi - lo))
                )
        return np.array([float(v) for v in out])


@pytest.mark.parametrize("case", [FREE_FIELD_GP.example, *FIELD_EXAMPLES])
def test_sinh_interpolation_matches_high_precision_even_when_sinh_overflows(case):
    params = FREE_FIELD_GP.check_params(case)
    theta = lattice_angle(params["spacing"], params["mass"])
    sites = sorted(params["observed_sites"].tolist())
    order = np.argsort(params["observed_sites"])
    values = np.asarray(params["observations"])[order].tolist()
    reference = _mp_sinh_interpolation(theta, params["sites"], sites, values)
    field = lattice_field(params)["interpolating_field"]
    assert np.all(np.isfinite(field))
    y_max = max(abs(v) for v in values)
    np.testing.assert_allclose(
        field, reference, rtol=0, atol=16 * EPS * y_max * (1 + theta * params["sites"])
    )


def test_classical_field_solves_the_sourced_lattice_equation_exactly_at_the_worked_example():
    params = _field()
    phys = lattice_field(params)
    q = _dense_chain(params["mass"], params["spacing"], params["sites"])
    source = np.zeros(params["sites"])
    observed = params["observed_sites"]
    source[observed] = (params["observations"] - phys["classical_field"][observed]) / params[
        "noise_variance"
    ]
    np.testing.assert_allclose(q @ phys["classical_field"], source, atol=1e-12)


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"mass": 0.0}, "mass", "> 0"),
        ({"spacing": -1.0}, "spacing", "> 0"),
        ({"sites": 1}, "sites", "≥ 2"),
        ({"sites": 2.5}, "sites", "integers"),
        ({"observed_sites": [2, 3, 12], "observations": [1, 2, 3]}, "observed_sites", "[0, 11]"),
        ({"observed_sites": [2, 2, 8]}, "observed_sites", "distinct"),
        ({"observations": [1.0, 2.0]}, "observations", "one value per observed site"),
        ({"noise_variance": 0.0}, "noise_variance", "≥ 1e-10"),
        ({"mass": 1e-3, "spacing": 1e-3}, "spacing", "a·m"),
        ({"noise": 0.1}, "noise", "did you mean 'noise_variance'"),
    ],
)
def test_invalid_free_field_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        FREE_FIELD_GP.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


# == nngp =======================================================================================


def test_nngp_identities_hold():
    assert_verifies(NNGP, profile="default")


def test_every_nngp_mutant_is_rejected():
    assert_mutants_killed(NNGP)


def _mp_relu_moment(kxx, kyy, kxy, a, b, dps=25):
    """E[relu(z_x)^a relu(z_y)^b] in mpmath: a 1-D integral over z_x > 0 of z_x^a times the
    conditional moment of the rectified normal z_y | z_x ~ N(μ, τ²), μ = (K_xy/K_xx)z_x:
    b = 0: 1; b = 1: μΦ(μ/τ) + τφ(μ/τ); b = 2: (μ² + τ²)Φ(μ/τ) + μτφ(μ/τ)."""
    if b > a:
        kxx, kyy, a, b = kyy, kxx, b, a
    with mpmath.workdps(dps):
        kxx, kyy, kxy = mpmath.mpf(kxx), mpmath.mpf(kyy), mpmath.mpf(kxy)
        tau = mpmath.sqrt(kyy - kxy**2 / kxx)

        def integrand(z):
            mu = kxy / kxx * z
            c = mu / tau
            cdf, pdf = mpmath.ncdf(c), mpmath.npdf(c)
            conditional = [1, mu * cdf + tau * pdf, (mu**2 + tau**2) * cdf + mu * tau * pdf][b]
            return z**a * mpmath.npdf(z, 0, mpmath.sqrt(kxx)) * conditional

        return float(mpmath.quad(integrand, [0, mpmath.inf]))


@pytest.mark.parametrize(
    ("kxx", "kyy", "kxy"), [(1.3, 2.2, -0.9), (1.0, 1.0, 0.3), (0.5, 4.0, 1.2), (2.0, 2.0, -1.9)]
)
def test_relu_moments_match_mpmath_quadrature(kxx, kyy, kxy):
    for a, b in ((1, 1), (2, 2), (3, 1), (1, 3), (4, 0), (0, 2)):
        reference = _mp_relu_moment(kxx, kyy, kxy, a, b)
        assert relu_moment(kxx, kyy, kxy, a, b) == pytest.approx(reference, rel=1e-12)
    # single-variable moments: E relu² = K/2, E relu⁴ = 3K²/2
    assert relu_moment(kxx, kyy, kxy, 2, 0) == pytest.approx(kxx / 2, rel=1e-14)
    assert relu_moment(kxx, kyy, kxy, 0, 4) == pytest.approx(1.5 * kyy**2, rel=1e-14)


def test_kernel_is_half_of_cho_and_sauls_k1():
    """With u ~ N(0, I) (σ_w² = d), no biases and σ_v² = 1 the kernel is ½·k₁(x, y), where Cho &
    Saul's k₁ = (1/π)‖x‖‖y‖(sin θ + (π − θ) cos θ)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3))
    kernel = arc_cosine_kernel(3.0 * (x @ x.T) / 3, 1.0, 0.0)
    with mpmath.workdps(30):
        for i in range(4):
            for j in range(4):
                nx, ny = mpmath.norm(list(x[i])), mpmath.norm(list(x[j]))
                cos = mpmath.fdot(list(x[i]), list(x[j])) / (nx * ny)
                theta = mpmath.acos(max(-1, min(1, cos)))
                k1 = nx * ny * (mpmath.sin(theta) + (mpmath.pi - theta) * cos) / mpmath.pi
                assert kernel[i, j] == pytest.approx(float(k1) / 2, rel=1e-13)


def test_relu_kurtosis_coefficient_is_fifteen():
    params = {
        "inputs": [[0.3, -2.0]],
        "weight_variance": 1.7,
        "bias_variance": 0.4,
        "output_weight_variance": 2.5,
        "widths": [1, 2, 4, 16],
    }
    out = mean_field_network(params)
    assert out["kurtosis_coefficient"] == pytest.approx(15.0, rel=1e-13)
    np.testing.assert_allclose(out["excess_kurtosis"], 15.0 / np.array([1, 2, 4, 16]), rtol=1e-13)


def test_kernel_is_positively_homogeneous_without_biases():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(3, 4))
    scales = np.array([0.2, 3.0, 17.0])

    def kernel(inputs):
        return arc_cosine_kernel(1.3 * (inputs @ inputs.T) / 4, 0.8, 0.0)

    np.testing.assert_allclose(
        kernel(scales[:, None] * x), np.outer(scales, scales) * kernel(x), rtol=1e-13
    )


def test_second_order_coefficient_matches_finite_differences_and_mpmath_moments():
    """c₁ = σ_v² tr(∇²F·Σ)/2 with ∇²F by central differences of the closed form and Σ from
    mpmath moments (the plugin uses Price's theorem and Gauss–Legendre)."""
    params = {
        "inputs": [[1.0, 0.0], [1.7 * math.cos(1.2), 1.7 * math.sin(1.2)]],
        "weight_variance": 2.0,
        "bias_variance": 0.3,
        "output_weight_variance": 1.4,
        "output_bias_variance": 0.1,
        "depth": 2,
        "widths": list(DEEP_WIDTHS),
    }
    out = mean_field_network(params)
    x = np.asarray(params["inputs"])
    k0m = 2.0 * (x @ x.T) / 2 + 0.3
    kxx, kyy, kxy = k0m[0, 0], k0m[1, 1], k0m[0, 1]

    def m(a, b):
        return _mp_relu_moment(kxx, kyy, kxy, a, b)

    means = np.array([m(2, 0), m(0, 2), m(1, 1)])
    fourth = np.array(
        [[m(4, 0), m(2, 2), m(3, 1)], [m(2, 2), m(0, 4), m(1, 3)], [m(3, 1), m(1, 3), m(2, 2)]]
    )
    sigma = 4.0 * (fourth - np.outer(means, means))
    k1 = 0.3 + 2.0 * np.array([means[0], means[1], means[2]])

    def f(v):
        return float(arc_cosine_kernel(np.array([[v[0], v[2]], [v[2], v[1]]]), 1.0, 0.0)[0, 1])

    h = 1e-4
    hessian = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            e_i, e_j = np.eye(3)[i] * h, np.eye(3)[j] * h
            hessian[i, j] = (
                f(k1 + e_i + e_j) - f(k1 + e_i - e_j) - f(k1 - e_i + e_j) + f(k1 - e_i - e_j)
            ) / (4 * h * h)
    np.testing.assert_allclose(price_hessian(*k1), hessian, rtol=1e-5, atol=1e-7)
    expected = 0.5 * 1.4 * float(np.sum(hessian * sigma))
    assert out["bias_coefficient"][0, 1] == pytest.approx(expected, rel=1e-5)
    assert out["bias_coefficient"][0, 0] == 0.0


def _brute_force_one_layer(x, sw2, sb2, sv2, sb02, n, count, seed):
    """f(x) = b₀ + v·relu(Ux + b), drawn network by network in blocks (an independent sampler)."""
    rng = np.random.default_rng(seed)
    d = x.shape[1]
    outputs = []
    for _ in range(count // 1000):
        u = rng.normal(0.0, math.sqrt(sw2 / d), size=(1000, n, d))
        b = rng.normal(0.0, math.sqrt(sb2), size=(1000, n, 1))
        v = rng.normal(0.0, math.sqrt(sv2 / n), size=(1000, 1, n))
        b0 = rng.normal(0.0, math.sqrt(sb02), size=(1000, 1))
        hidden = np.maximum(u @ x.T + b, 0.0)  # (1000, n, p)
        outputs.append((v @ hidden)[:, 0, :] + b0)
    return np.concatenate(outputs)


@pytest.mark.parametrize("width", [1, 3, 32])
def test_brute_force_networks_have_the_two_point_function_at_every_width(width):
    x = np.array([[1.0, 0.5], [-0.3, 2.0], [2.0, 1.0]])
    hyper = (2.0, 0.1, 1.5, 0.2)
    f = _brute_force_one_layer(x, *hyper, width, 40_000, seed=12345 + width)
    products = f[:, :, None] * f[:, None, :]
    mean, se = products.mean(axis=0), products.std(axis=0) / math.sqrt(len(f))
    exact = mean_field_network(
        {
            "inputs": x,
            "weight_variance": hyper[0],
            "bias_variance": hyper[1],
            "output_weight_variance": hyper[2],
            "output_bias_variance": hyper[3],
            "width": width,
        }
    )["two_point_function"]
    assert np.max(np.abs(mean - exact) / se) <= 5


def test_ensemble_kurtosis_standard_error_is_the_delta_method_one():
    """The plugin's influence-function SE against the spread of the sample kurtosis over seeds."""
    x = np.array([[1.0, -0.5]])
    values, errors = [], []
    for seed in range(12):
        out = network_ensemble(x, (2.0, 0.0, 1.0, 0.0), 4, 20_000, seed=900 + seed)
        values.append(out["sample_excess_kurtosis"][0])
        errors.append(out["kurtosis_standard_error"][0])
    spread = float(np.std(values, ddof=1))
    assert 0.5 < float(np.mean(errors)) / spread < 2.0  # a 12-sample SD is good to ~±40%
    assert abs(float(np.mean(values)) - 15 / 4) <= 5 * spread / math.sqrt(12)


def _brute_force_two_layers(x, sw2, sb2, sv2, sb02, n, count, seed):
    """Two hidden layers with explicit n × n weight matrices W ~ N(0, σ_w²/n)."""
    rng = np.random.default_rng(seed)
    d = x.shape[1]
    products = []
    for _ in range(count // 2000):
        u = rng.normal(0.0, math.sqrt(sw2 / d), size=(2000, n, d))
        b1 = rng.normal(0.0, math.sqrt(sb2), size=(2000, n, 1))
        w = rng.normal(0.0, math.sqrt(sw2 / n), size=(2000, n, n))
        b2 = rng.normal(0.0, math.sqrt(sb2), size=(2000, n, 1))
        v = rng.normal(0.0, math.sqrt(sv2 / n), size=(2000, 1, n))
        b0 = rng.normal(0.0, math.sqrt(sb02), size=(2000, 1))
        h1 = np.maximum(u @ x.T + b1, 0.0)
        h2 = np.maximum(w @ h1 + b2, 0.0)
        f = (v @ h2)[:, 0, :] + b0
        products.append(f[:, 0] * f[:, 1])
    return np.concatenate(products)


def test_rao_blackwellised_two_layer_estimate_is_unbiased_against_brute_force():
    """The plugin integrates layer 2 exactly given layer 1 and subtracts a control variate; a
    brute-force ensemble with explicit weight matrices must agree (|z| ≤ 5) and show the bias."""
    x = np.array([[1.0, 0.0], [1.7 * math.cos(1.2), 1.7 * math.sin(1.2)]])
    hyper = (2.0, 0.0, 1.0, 0.0)
    n = 4
    products = _brute_force_two_layers(x, *hyper, n, 200_000, seed=777)
    brute, brute_se = products.mean(), products.std() / math.sqrt(len(products))
    plugin = deep_ensemble(x, hyper, n, 200_000, seed=NETWORK_SEED)
    z = (plugin["covariance"] - brute) / math.hypot(brute_se, plugin["covariance_standard_error"])
    assert abs(z) <= 5
    infinite = mean_field_network(
        {
            "inputs": x,
            "weight_variance": 2.0,
            "bias_variance": 0.0,
            "output_weight_variance": 1.0,
            "output_bias_variance": 0.0,
            "depth": 2,
            "widths": [n],
        }
    )["two_point_function"][0, 1]
    assert (brute - infinite) / brute_se < -5  # biased downwards at n = 4, as c₁ < 0 predicts


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"inputs": [[1.0, 2.0], [3.0]]}, "inputs", "rectangular"),
        ({"inputs": [1.0, 2.0]}, "inputs", "2-D"),
        ({"inputs": [[float(i)] for i in range(9)]}, "inputs", "at most 8"),
        ({"width": 0}, "width", "≥ 1"),
        ({"width": 5000}, "width", "≤ 4096"),
        ({"weight_variance": 0.0}, "weight_variance", "> 0"),
        ({"bias_variance": -0.1}, "bias_variance", "≥ 0"),
        ({"output_bias_variance": float("inf")}, "output_bias_variance", "finite"),
        ({"widht": 3}, "widht", "did you mean 'width'"),
    ],
)
def test_invalid_network_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        NNGP.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)
