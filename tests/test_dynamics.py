"""molecular-dynamics-hmc and langevin-sgld: the properties, the mutants, and independent
references (spec B4(h)): the harmonic oscillator's closed-form map, shadow Hamiltonian and
stability edge; the exact Hamiltonian flow by scipy's ODE solver; a 50-digit mpmath velocity
Verlet; seeded HMC, ULA and SGLD simulations; scipy quadrature for the double well's
⟨x²⟩ = 1.041797296486382; scipy's discrete Lyapunov solver; the OU moment equations by
solve_ivp; and scipy.stats for the diffused density's score."""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
from scipy import integrate, linalg, stats

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml.verifier import get_profile, run_identity
from physml_plugins.dynamics import (
    DOUBLE_WELL,
    INVARIANCE_EXAMPLE,
    LANGEVIN_SGLD,
    MD_EXAMPLE,
    MOLECULAR_DYNAMICS_HMC,
    check_invariance,
    check_mala_exact,
    hamiltonian_monte_carlo,
    hmc_from_md,
    molecular_dynamics,
    ornstein_uhlenbeck_marginal,
    overdamped_langevin,
    sgld_from_langevin,
    stochastic_gradient_langevin,
    tweedie_score,
)

EPS = np.finfo(float).eps
ENTRIES = (MOLECULAR_DYNAMICS_HMC, LANGEVIN_SGLD)
#: spec B4(h): ⟨x²⟩ for U = x⁴/4 − x²/2 at T = 1, by scipy.integrate.quad
DOUBLE_WELL_SECOND_MOMENT = 1.041797296486382


# -- the properties and the mutants --------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda c: c.id)
def test_identities_hold(entry):
    assert_verifies(entry, profile="default")


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda c: c.id)
def test_every_mutant_is_rejected(entry):
    assert_mutants_killed(entry)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda c: c.id)
def test_worked_example_satisfies_every_fast_identity(entry):
    evaluation = entry.evaluate()
    for identity in entry.identities:
        if identity.slow:
            continue
        params = identity.examples[0] if identity.strategy else evaluation.params
        assert identity.check(entry, dict(params)).holds, identity.name


def _mutant(entry, name):
    return next(m for m in entry.mutants if m.name == name).apply(entry)


def _status(entry, identity_name):
    identity = entry.identity(identity_name)
    return run_identity(entry, identity, profile=get_profile("dev"), seed=0, shrink=False).status


def test_symplectic_euler_is_symplectic_but_not_reversible():
    """Spec B4(f) 3: volume and symplecticity pass; only reversibility rejects it."""
    mutated = _mutant(MOLECULAR_DYNAMICS_HMC, "symplectic-euler")
    assert _status(mutated, "integrator-preserves-phase-space-volume") == "passed"
    assert _status(mutated, "integrator-is-symplectic") == "passed"
    assert _status(mutated, "integrator-is-time-reversible") == "failed"


def test_missing_momentum_flip_is_invisible_to_the_invariance_test():
    """Spec B4(e): with full momentum refresh the flip does not change the samples."""
    mutated = _mutant(MOLECULAR_DYNAMICS_HMC, "momentum-not-flipped")
    assert check_invariance(mutated, INVARIANCE_EXAMPLE).holds
    assert _status(mutated, "hmc-proposal-is-an-involution") == "failed"


@pytest.mark.parametrize(
    ("mutant", "least_z"),
    [
        ("no-metropolis-step", 25),
        ("acceptance-with-plus-delta-h", 35),
        ("kinetic-energy-with-m", 150),
    ],
)
def test_invariance_test_has_the_power_the_spec_reports(mutant, least_z):
    """Spec B4(f) 4: z = 35, 45, 205 at εω_max = 1.5 (ours, same seeds throughout: 32.7, 44.4,
    204.7)."""
    result = check_invariance(_mutant(MOLECULAR_DYNAMICS_HMC, mutant), INVARIANCE_EXAMPLE)
    assert result.detail["max_abs_z"] >= least_z


def test_correct_hmc_passes_the_invariance_test_with_its_spec_acceptance():
    result = check_invariance(MOLECULAR_DYNAMICS_HMC, INVARIANCE_EXAMPLE)
    assert result.detail["max_abs_z"] <= 5  # the spec's own bound for its fixed example
    assert 0.5 < result.detail["acceptance_rate"] < 0.95


# -- molecular dynamics: independent references -------------------------------------------------


def _harmonic(omega, q, p, eps, steps):
    return {
        "positions": [q],
        "momenta": [p],
        "masses": [1.0],
        "stiffness": [[omega**2]],
        "quartic": 0.0,
        "cosine_amplitudes": [0.0],
        "step_size": eps,
        "steps": steps,
    }


@pytest.mark.parametrize("eps_omega", [0.01, 0.7, 1.5, 1.99])
def test_one_step_is_the_closed_form_leapfrog_matrix_of_the_oscillator(eps_omega):
    """KDK for q̈ = −ω²q: [q', p'] = [[1 − x²/2, ε], [−εω²(1 − x²/4), 1 − x²/2]]·[q, p], x = εω."""
    omega = 1.7
    eps = eps_omega / omega
    x = eps_omega
    matrix = np.array([[1 - x**2 / 2, eps], [-eps * omega**2 * (1 - x**2 / 4), 1 - x**2 / 2]])
    expected = matrix @ np.array([0.8, -0.3])
    phys = molecular_dynamics(_harmonic(omega, 0.8, -0.3, eps, 1))
    learn = hamiltonian_monte_carlo(hmc_from_md(_harmonic(omega, 0.8, -0.3, eps, 1)))
    for state in (
        [phys["final_positions"][0], phys["final_momenta"][0]],
        [learn["final_position"][0], learn["final_momentum"][0]],
    ):
        np.testing.assert_allclose(state, expected, rtol=0, atol=8 * EPS)


def test_oscillator_is_stable_below_and_unstable_above_the_edge():
    """The leapfrog map's trace 2 − ε²ω² leaves [−2, 2] at εω = 2 (spec B4-I5)."""
    omega = 3.0
    stable = molecular_dynamics(_harmonic(omega, 1.0, 0.0, 1.98 / omega, 2000))
    unstable = molecular_dynamics(_harmonic(omega, 1.0, 0.0, 2.02 / omega, 150))
    assert np.max(np.abs(stable["positions"])) < 10
    # |λ| = 1.33 per step beyond the edge: 1.33^150 ≈ 3e18
    assert np.max(np.abs(unstable["positions"])) > 1e15


def test_oscillator_energy_error_is_the_shadow_hamiltonian_difference():
    """H̃ = H − ε²ω⁴q²/8 is conserved, so H(t) − H(0) = (ε²ω⁴/8)(q_t² − q_0²) at every step."""
    omega, eps = 2.0, 0.3
    phys = molecular_dynamics(_harmonic(omega, 1.1, 0.4, eps, 500))
    q = phys["positions"][:, 0]
    predicted = eps**2 * omega**4 / 8 * (q**2 - q[0] ** 2)
    np.testing.assert_allclose(
        phys["total_energy"] - phys["total_energy"][0], predicted, atol=1e-13
    )


def _exact_flow(params, t_end):
    """Hamilton's equations solved by scipy (DOP853, rtol 1e-13): the exact flow."""
    m = np.asarray(params["masses"])
    k = np.asarray(params["stiffness"])
    c = np.asarray(params["cosine_amplitudes"])
    kappa = params["quartic"]
    d = m.size

    def rhs(_, y):
        q, p = y[:d], y[d:]
        return np.concatenate([p / m, -(k @ q) - kappa * q**3 + c * np.sin(q)])

    y0 = np.concatenate([params["positions"], params["momenta"]])
    sol = integrate.solve_ivp(rhs, (0, t_end), y0, method="DOP853", rtol=1e-13, atol=1e-13)
    return sol.y[:, -1]


def test_velocity_verlet_converges_to_the_exact_flow_at_second_order():
    errors = []
    for steps in (40, 80, 160):
        params = {**MD_EXAMPLE, "step_size": 2.0 / steps, "steps": steps}
        phys = molecular_dynamics(params)
        state = np.concatenate([phys["final_positions"], phys["final_momenta"]])
        errors.append(np.max(np.abs(state - _exact_flow(params, 2.0))))
    assert errors[0] / errors[1] == pytest.approx(4, rel=0.05)
    assert errors[1] / errors[2] == pytest.approx(4, rel=0.05)


def test_both_integrators_match_a_50_digit_velocity_verlet():
    params = MOLECULAR_DYNAMICS_HMC.check_params()
    with mpmath.workdps(50):
        m = [mpmath.mpf(x) for x in params["masses"]]
        k = [[mpmath.mpf(x) for x in row] for row in params["stiffness"]]
        c = [mpmath.mpf(x) for x in params["cosine_amplitudes"]]
        kappa = mpmath.mpf(params["quartic"])
        eps = mpmath.mpf(params["step_size"])
        q = [mpmath.mpf(x) for x in params["positions"]]
        v = [mpmath.mpf(p) / mi for p, mi in zip(params["momenta"], m, strict=True)]

        def accel(q):
            return [
                (
                    -sum(k[i][j] * q[j] for j in range(2))
                    - kappa * q[i] ** 3
                    + c[i] * mpmath.sin(q[i])
                )
                / m[i]
                for i in range(2)
            ]

        a = accel(q)
        for _ in range(params["steps"]):
            q = [q[i] + eps * v[i] + eps**2 / 2 * a[i] for i in range(2)]
            a_new = accel(q)
            v = [v[i] + eps / 2 * (a[i] + a_new[i]) for i in range(2)]
            a = a_new
        reference = np.array([float(x) for x in q] + [float(v[i] * m[i]) for i in range(2)])
    phys = molecular_dynamics(params)
    learn = hamiltonian_monte_carlo(hmc_from_md(params))
    for state in (
        np.concatenate([phys["final_positions"], phys["final_momenta"]]),
        np.concatenate([learn["final_position"], learn["final_momentum"]]),
    ):
        np.testing.assert_allclose(state, reference, rtol=0, atol=1e-13)


def test_hmc_chains_sample_the_double_well_second_moment():
    """Independent chains of the learning side's HMC transition, fixed seed, on a non-Gaussian
    target: ⟨q²⟩ against the quadrature value of spec B4(h) (z ≤ 5)."""
    chains = 20_000
    rng = np.random.default_rng(4_815)
    theta = rng.standard_normal((chains, 1))
    base = {
        "mass_matrix": [1.0],
        "precision": [[-1.0]],
        "quartic": 1.0,
        "cosine": [0.0],
        "step_size": 0.3,
        "n_leapfrog": 6,
    }
    for step in range(150):
        out = hamiltonian_monte_carlo(
            {**base, "theta": theta, "momentum": np.zeros_like(theta), "refresh_seed": 1000 + step}
        )
        theta = out["next_position"]
    x2 = theta[:, 0] ** 2
    z = (x2.mean() - DOUBLE_WELL_SECOND_MOMENT) / (x2.std(ddof=1) / math.sqrt(chains))
    assert abs(z) <= 5


def test_finite_difference_jacobian_is_the_tangent_map_of_the_hessian():
    """The physics map's Jacobian by central differences against the product of the exact
    kick–drift–kick tangent matrices (∇²U = K + diag(3κq² − c cos q))."""
    params = MOLECULAR_DYNAMICS_HMC.check_params()
    d, eps = 2, params["step_size"]
    x = np.concatenate([params["positions"], params["momenta"]])
    h = 1e-6
    states = np.concatenate([x + h * np.eye(4), x - h * np.eye(4)])
    phys = molecular_dynamics({**params, "positions": states[:, :d], "momenta": states[:, d:]})
    out = np.concatenate([phys["final_positions"], phys["final_momenta"]], axis=1)
    fd = ((out[:4] - out[4:]) / (2 * h)).T
    traj = molecular_dynamics(params)["positions"]
    k, c, m = (np.asarray(params[n]) for n in ("stiffness", "cosine_amplitudes", "masses"))
    jac = np.eye(4)
    for a, b in itertools.pairwise(traj):
        kick_a, kick_b, drift = np.eye(4), np.eye(4), np.eye(4)
        kick_a[d:, :d] = -eps / 2 * (k + np.diag(3 * params["quartic"] * a**2 - c * np.cos(a)))
        kick_b[d:, :d] = -eps / 2 * (k + np.diag(3 * params["quartic"] * b**2 - c * np.cos(b)))
        drift[:d, d:] = eps * np.diag(1 / m)
        jac = kick_b @ drift @ kick_a @ jac
    np.testing.assert_allclose(fd, jac, atol=1e-8)
    assert np.linalg.det(jac) == pytest.approx(1.0, abs=1e-12)


# -- Langevin: independent references -------------------------------------------------------------


def _quad_moments(a, b, h, kT):
    def weight(x):
        return math.exp(-(a * x**4 / 4 + b * x**2 / 2 + h * x) / kT)

    z = integrate.quad(weight, -np.inf, np.inf, epsabs=0, epsrel=1e-13, limit=200)[0]
    m1 = integrate.quad(lambda x: x * weight(x), -np.inf, np.inf, epsabs=0, epsrel=1e-13)[0] / z
    m2 = integrate.quad(lambda x: x * x * weight(x), -np.inf, np.inf, epsabs=0, epsrel=1e-13)[0]
    return m1, m2 / z


def test_physics_reproduces_the_double_well_reference_value():
    phys = overdamped_langevin(DOUBLE_WELL)
    assert phys["second_moment"] == pytest.approx(DOUBLE_WELL_SECOND_MOMENT, rel=1e-13)
    assert _quad_moments(1.0, -1.0, 0.0, 1.0)[1] == pytest.approx(
        DOUBLE_WELL_SECOND_MOMENT, rel=1e-12
    )


@pytest.mark.parametrize(
    ("a", "b", "h", "kT"),
    [(0.5, -2.0, 0.3, 0.5), (2.0, 1.0, 1.5, 0.7), (0.0, 4.0, -1.0, 3.0), (0.1, -0.5, 0.0, 2.0)],
)
def test_physics_boltzmann_moments_match_scipy_quad(a, b, h, kT):
    phys = overdamped_langevin(
        {"quartic": a, "quadratic": b, "tilt": h, "temperature": kT, "time_step": 0.01}
    )
    m1, m2 = _quad_moments(a, b, h, kT)
    assert phys["mean"] == pytest.approx(m1, abs=1e-11 * (1 + m2))
    assert phys["second_moment"] == pytest.approx(m2, rel=1e-11)
    # ⟨U'²⟩ = T⟨U''⟩ (integration by parts against e^(−U/T)): the virial-type identity
    assert phys["mean_squared_force"] == pytest.approx(kT * phys["mean_curvature"], rel=1e-10)


@pytest.mark.parametrize(("b", "kT", "eta", "noise"), [(1.0, 1.0, 0.5, 0.0), (2.5, 0.3, 0.1, 4.0)])
def test_ula_variance_is_scipys_discrete_lyapunov_solution(b, kT, eta, noise):
    params = {
        "quartic": 0.0,
        "quadratic": b,
        "tilt": 0.2,
        "temperature": kT,
        "time_step": eta,
        "gradient_noise_variance": noise,
    }
    learn = stochastic_gradient_langevin({**sgld_from_langevin(params), "solve_stationary": False})
    eps = 2 * eta
    a = np.array([[1 - eps * b / 2]])
    q = np.array([[eps * kT + eps**2 * noise / 4]])
    reference = linalg.solve_discrete_lyapunov(a, q)[0, 0]
    assert learn["stationary_variance"] == pytest.approx(reference, rel=1e-13)
    assert learn["stationary_mean"] == pytest.approx(-0.2 / b, rel=1e-14)


def test_simulated_ula_matches_the_grid_stationary_law_not_the_boltzmann_one():
    """ULA on the double well at η = 0.04 from 5·10⁴ seeded independent chains: ⟨x²⟩ agrees with
    the grid kernel's stationary value (z ≤ 5), which is 0.0092 below Boltzmann's."""
    eta = 0.04
    learn = stochastic_gradient_langevin(sgld_from_langevin({**DOUBLE_WELL, "time_step": eta}))
    rng = np.random.default_rng(20_111)
    x = rng.standard_normal(50_000)
    for _ in range(300):
        x = x - eta * (x**3 - x) + math.sqrt(2 * eta) * rng.standard_normal(x.size)
    se = (x**2).std(ddof=1) / math.sqrt(x.size)
    assert abs((x**2).mean() - learn["ula_grid_second_moment"]) <= 5 * se
    assert DOUBLE_WELL_SECOND_MOMENT - learn["ula_grid_second_moment"] == pytest.approx(
        0.00924, abs=1e-5
    )


def test_minibatch_sgld_is_heated_by_its_gradient_noise():
    """Real minibatch SGLD (with replacement) on a Gaussian-mean model, seeded chains: the
    stationary variance is σ²(1 + εV/4)/(1 − ε/4σ²) with V the minibatch gradient variance
    (spec B4.8, [derived]), not the full-batch σ²/(1 − ε/4σ²)."""
    rng = np.random.default_rng(2_011)
    data = rng.normal(1.0, 2.0, 40)
    s2, s02, batch = 4.0, 10.0, 4
    n = data.size
    precision = 1 / s02 + n / s2
    posterior_mean = (data.sum() / s2) / precision
    gradient_noise = (n / s2) ** 2 * data.var() / batch  # Var of (N/n)Σ_batch x_i/s² (iid picks)
    eps = 0.05
    params = {
        "quartic": 0.0,
        "quadratic": precision,
        "tilt": -posterior_mean * precision,
        "temperature": 1.0,
        "time_step": eps / 2,
        "gradient_noise_variance": gradient_noise,
    }
    learn = stochastic_gradient_langevin({**sgld_from_langevin(params), "solve_stationary": False})
    chains = 20_000
    theta = np.full(chains, posterior_mean)
    for _ in range(100):  # the chain contracts by 1 − ε/2σ² = 0.75 a step
        picks = data[rng.integers(0, n, (chains, batch))]
        grad = -theta / s02 + (n / batch) * (picks.sum(axis=1) - batch * theta) / s2
        theta = theta + eps / 2 * grad + math.sqrt(eps) * rng.standard_normal(chains)
    variance = theta.var(ddof=1)
    se = variance * math.sqrt(2 / (chains - 1))
    assert abs(variance - learn["stationary_variance"]) <= 5 * se
    full_batch = (1 / precision) / (1 - eps * precision / 4)
    assert abs(variance - full_batch) > 20 * se


def test_ula_kernel_is_not_stationary_for_boltzmann_but_mala_is():
    result = check_mala_exact(LANGEVIN_SGLD, LANGEVIN_SGLD.check_params())
    assert result.holds
    assert result.detail["ula_stationarity_defect"] > 1e6 * result.detail["bound"]


def test_ou_marginal_solves_the_moment_equations():
    """dμ/dt = −μ, dΣ/dt = −2Σ + 2I integrated by solve_ivp against the closed form."""
    mu0 = np.array([2.0, -1.0])
    sigma0 = np.array([[1.0, 0.8], [0.8, 1.0]])

    def rhs(_, y):
        mu, sigma = y[:2], y[2:].reshape(2, 2)
        return np.concatenate([-mu, (-2 * sigma + 2 * np.eye(2)).ravel()])

    t = 0.7
    sol = integrate.solve_ivp(
        rhs, (0, t), np.concatenate([mu0, sigma0.ravel()]), rtol=1e-12, atol=1e-13, method="DOP853"
    )
    phys = ornstein_uhlenbeck_marginal(
        {"data_mean": mu0, "data_covariance": sigma0, "diffusion_time": t, "points": [[0.0, 0.0]]}
    )
    np.testing.assert_allclose(phys["mean"], sol.y[:2, -1], atol=1e-11)
    np.testing.assert_allclose(phys["covariance"], sol.y[2:, -1].reshape(2, 2), atol=1e-11)


def test_tweedie_score_is_the_gradient_of_scipys_log_density():
    t = 0.4
    mu0 = np.array([0.5, -1.0, 2.0])
    a = np.array([[1.0, 0.2, 0.0], [0.3, 0.9, 0.1], [0.0, -0.4, 0.7]])
    sigma0 = a @ a.T
    alpha, sigma2 = math.exp(-t), -math.expm1(-2 * t)
    density = stats.multivariate_normal(alpha * mu0, alpha**2 * sigma0 + sigma2 * np.eye(3))
    points = np.array([[0.1, 0.2, 0.3], [1.5, -2.0, 0.7]])
    learn = tweedie_score(
        sgld_from_langevin(
            {"data_mean": mu0, "data_covariance": sigma0, "diffusion_time": t, "points": points}
        )
    )
    h = 1e-5
    for point, score in zip(points, learn["score"], strict=True):
        numeric = [
            (density.logpdf(point + h * e) - density.logpdf(point - h * e)) / (2 * h)
            for e in np.eye(3)
        ]
        np.testing.assert_allclose(score, numeric, atol=1e-8)


# -- invalid parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"masses": [1.0, 0.0]}, "masses", "> 0"),
        ({"stiffness": [[1.0, 0.5], [0.2, 1.0]]}, "stiffness", "symmetric"),
        (
            {"stiffness": [[1.0, 0.0], [0.0, -1.0]], "quartic": 0.0},
            "stiffness",
            "positive definite",
        ),
        ({"stiffness": [[1.0, 0.0, 0.0]]}, "stiffness", "2 × 2"),
        ({"positions": [1.0, 2.0], "momenta": [1.0]}, "momenta", "has 1 entries"),
        ({"quartic": -1.0}, "quartic", "≥ 0"),
        ({"step_size": 0.0}, "step_size", "> 0"),
        ({"steps": 0}, "steps", "≥ 1"),
        ({"steps": 1.5}, "steps", "integers"),
        ({"positions": [float("nan"), 1.0]}, "positions", "finite"),
        ({"stepsize": 0.1}, "stepsize", "did you mean 'step_size'"),
    ],
)
def test_invalid_md_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        MOLECULAR_DYNAMICS_HMC.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


def test_md_defaults_follow_the_dimension_of_given_positions():
    values = MOLECULAR_DYNAMICS_HMC.check_params({"positions": [0.1, 0.2, 0.3]})
    assert values["masses"].tolist() == [1.0, 1.0, 1.0]
    assert values["stiffness"].tolist() == np.eye(3).tolist()
    assert values["momenta"].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"quartic": 0.0, "quadratic": -1.0}, "quadratic", "normalisable"),
        ({"quartic": 0.0, "quadratic": 0.0}, "quadratic", "> 0"),
        ({"temperature": 0.0}, "temperature", "> 0"),
        ({"time_step": -0.1}, "time_step", "> 0"),
        ({"quartic": -0.5}, "quartic", "≥ 0"),
        ({"tilt": [1.0]}, "tilt", "a number"),
        ({"temprature": 1.0}, "temprature", "did you mean 'temperature'"),
    ],
)
def test_invalid_langevin_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        LANGEVIN_SGLD.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)
