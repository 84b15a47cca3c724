"""ising-hopfield and modern-hopfield-attention: the identities, the mutants, and independent
references: Onsager's free energy (an mpmath quadrature and ½ln2 + 2G/π), the energy at T_c,
Beale's low-temperature series, exact binomial sums in integers, the replica-symmetric capacity
solved in mpmath, explicit double-loop definitions, and high-precision softmax arithmetic."""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest
from conftest import run_physml

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.associative_memory import (
    CAPACITY_GRID,
    ISING_HOPFIELD,
    K_CRITICAL,
    MODERN_HOPFIELD_ATTENTION,
    _numpy_sign,
    asynchronous_recall,
    attention_from_hopfield,
    attention_head,
    hebbian_counts,
    hopfield_network,
    ising_model,
    kaufman_log_partition,
    modern_hopfield,
    network_from_ising,
    replica_symmetric_retrieval,
    synchronous_recall,
    transfer_matrix_log_partition,
)

EPS = np.finfo(float).eps


# -- verification and mutants ---------------------------------------------------------------------


def test_ising_hopfield_identities_hold():
    assert_verifies(ISING_HOPFIELD, profile="default")


def test_modern_hopfield_attention_identities_hold():
    assert_verifies(MODERN_HOPFIELD_ATTENTION, profile="default")


def test_every_ising_hopfield_mutant_is_rejected():
    assert_mutants_killed(ISING_HOPFIELD)


def test_every_modern_hopfield_attention_mutant_is_rejected():
    assert_mutants_killed(MODERN_HOPFIELD_ATTENTION)


# -- the 2-D Ising model: Onsager, the energy at T_c, Beale, transfer matrix ----------------------


def _onsager_minus_beta_f(coupling: float) -> mpmath.mpf:
    """−βf = ln 2 + (1/8π²)∫∫ ln[cosh²2K − sinh 2K (cos θ₁ + cos θ₂)], one integral done in
    closed form: (1/2π)∫₀^π ln[(a + √(a² − b²))/2] dθ, a = cosh²2K − sinh 2K cos θ, b = sinh 2K."""
    with mpmath.workdps(30):
        k = mpmath.mpf(coupling)
        c2, s2 = mpmath.cosh(2 * k) ** 2, mpmath.sinh(2 * k)

        def inner(t):
            a = c2 - s2 * mpmath.cos(t)
            return mpmath.log((a + mpmath.sqrt(a * a - s2 * s2)) / 2)

        return mpmath.log(2) + mpmath.quad(inner, [0, mpmath.pi]) / (2 * mpmath.pi)


@pytest.mark.parametrize(
    ("coupling", "value"),
    [(0.3, 0.79055907095126), (0.6, 1.21013238828841), (K_CRITICAL, None)],
)
def test_onsager_quadrature_reproduces_the_reference_values(coupling, value):
    """The test's own reference, checked against the published numbers (½ln2 + 2G/π at K_c)."""
    if value is None:
        with mpmath.workdps(30):
            value = float(mpmath.log(2) / 2 + 2 * mpmath.catalan / mpmath.pi)
    assert float(_onsager_minus_beta_f(coupling)) == pytest.approx(value, abs=1e-13)


@pytest.mark.parametrize("size", [64, 256])
def test_kaufman_free_energy_tends_to_onsager(size):
    """Disordered phase: exponentially small corrections. Ordered phase: the two ground states
    contribute ln 2/L², the bound of B7-I12 is 2 ln 2/L²."""
    disordered = kaufman_log_partition(size, size, 0.3)[0] / size**2
    assert abs(disordered - float(_onsager_minus_beta_f(0.3))) <= 1e-12
    ordered = kaufman_log_partition(size, size, 0.6)[0] / size**2
    gap = ordered - float(_onsager_minus_beta_f(0.6))
    assert 0 < gap <= 2 * math.log(2) / size**2
    assert gap * size**2 == pytest.approx(math.log(2), rel=0.02)


def test_energy_at_the_critical_point_tends_to_minus_root_two_at_rate_one_over_l():
    """u(K_c) = −(1/L²) d log Z/dK from central differences of Kaufman's log Z: |u + √2| ≤ 1/L,
    and the error falls by 4 when L grows by 4 (observed coefficient −0.62)."""
    errors = []
    for size in (16, 64, 256):
        h = 1e-5
        derivative = (
            kaufman_log_partition(size, size, K_CRITICAL + h)[0]
            - kaufman_log_partition(size, size, K_CRITICAL - h)[0]
        ) / (2 * h)
        error = -derivative / size**2 + math.sqrt(2)
        assert abs(error) <= 1 / size
        errors.append(error)
    assert errors[0] / errors[1] == pytest.approx(4, rel=0.01)
    assert errors[1] / errors[2] == pytest.approx(4, rel=0.01)


@pytest.mark.parametrize(("size", "coupling"), [(6, 1.5), (8, 1.5), (6, 2.0), (10, 2.0)])
def test_kaufman_matches_beale_low_temperature_series(size, coupling):
    """Z = e^(2mnK)(2 + 2mn x⁴ + 4mn x⁶ + ((mn)² + 9mn)x⁸ + (4(mn)² + 24mn)x¹⁰ + …), x = e^(−2K),
    to within the first omitted term (mn)³e^(−24K) plus rounding of log Z."""
    mn = size * size
    x = math.exp(-2 * coupling)
    series = (
        2 + 2 * mn * x**4 + 4 * mn * x**6 + (mn**2 + 9 * mn) * x**8 + (4 * mn**2 + 24 * mn) * x**10
    )
    log_z = kaufman_log_partition(size, size, coupling)[0]
    bound = mn**3 * math.exp(-24 * coupling) + 16 * EPS * 2 * mn * coupling
    assert abs(log_z - (2 * mn * coupling + math.log(series))) <= bound


@pytest.mark.parametrize(("rows", "columns"), [(5, 8), (64, 6), (7, 3), (33, 2)])
@pytest.mark.parametrize("coupling", [1e-3, 0.3, K_CRITICAL, 1.0, 5.0])
def test_kaufman_equals_transfer_matrix_and_is_symmetric(rows, columns, coupling):
    log_z, sign = kaufman_log_partition(rows, columns, coupling)
    assert sign == 1.0
    tol = 1e-13 * (1 + abs(log_z))
    assert log_z == pytest.approx(transfer_matrix_log_partition(rows, columns, coupling), abs=tol)
    assert log_z == pytest.approx(kaufman_log_partition(columns, rows, coupling)[0], abs=tol)


def test_kaufman_sinh_product_is_negative_below_the_critical_coupling():
    """γ₀ = 2K + ln tanh K < 0 for K < K_c: the signed product is what the mutant loses."""
    assert 2 * 0.3 + math.log(math.tanh(0.3)) < 0 < 2 * 0.6 + math.log(math.tanh(0.6))
    assert 2 * K_CRITICAL + math.log(math.tanh(K_CRITICAL)) == pytest.approx(0, abs=1e-15)
    wrong = kaufman_log_partition(4, 4, 0.3, absolute_gamma0=True)[0]
    assert abs(wrong - kaufman_log_partition(4, 4, 0.3)[0]) > 0.1


# -- Hopfield network against explicit definitions ------------------------------------------------


def test_hebbian_weights_match_the_double_sum_definition():
    rng = np.random.default_rng(3)
    patterns = rng.choice([-1, 1], size=(5, 9))
    weights = hopfield_network(
        network_from_ising(
            {"patterns": patterns, "initial_state": patterns[0], "field": np.zeros(9)}
        )
    )["weights"]
    for i in range(9):
        for j in range(9):
            expected = 0.0 if i == j else sum(int(x[i]) * int(x[j]) for x in patterns) / 9
            assert weights[i, j] == expected


def test_ising_energy_matches_the_pair_sum_definition():
    """E = −Σ_(i<j) J_ij s_i s_j − Σ θ_i s_i with J from the explicit sum, in exact fractions."""
    from fractions import Fraction

    rng = np.random.default_rng(4)
    patterns = rng.choice([-1, 1], size=(3, 7))
    state = rng.choice([-1, 1], size=7)
    field = [Fraction(k, 8) for k in rng.integers(-8, 9, size=7)]
    energy = Fraction(0)
    for i in range(7):
        for j in range(i + 1, 7):
            coupling = Fraction(sum(int(x[i]) * int(x[j]) for x in patterns), 7)
            energy -= coupling * int(state[i]) * int(state[j])
        energy -= field[i] * int(state[i])
    params = {"patterns": patterns, "initial_state": state, "field": np.array(field, dtype=float)}
    assert ising_model({**params, "probe_only": True})["energy"] == pytest.approx(
        float(energy), abs=1e-14
    )


def test_worked_example_recalls_the_first_pattern():
    """Three corrupted bits of pattern 1 are repaired by three flips, on both sides."""
    evaluation = ISING_HOPFIELD.evaluate()
    assert evaluation.learning["retrieval_overlaps"][0] == 1.0
    assert evaluation.learning["recall_units"].tolist() == [2, 7, 11]
    assert evaluation.physics["flipped_units"].tolist() == [2, 7, 11]


def test_synchronous_update_two_cycles_where_asynchronous_recall_converges():
    """Pitfall of B7: J = [[0, ½], [½, 0]] from the pattern (1, 1), s = (1, −1)."""
    counts = hebbian_counts([[1, 1]])
    state = np.array([1.0, -1.0])
    little = synchronous_recall(counts, state, np.zeros(2), max_sweeps=11)
    assert not little["converged"]
    assert little["state"].tolist() == [-1.0, 1.0]  # odd number of steps: the other half-cycle
    hopfield = asynchronous_recall(counts, state, np.zeros(2))
    assert hopfield["converged"]
    assert hopfield["state"].tolist() == [-1.0, -1.0]


def test_numpy_sign_takes_the_state_out_of_plus_minus_one_at_a_tie():
    """p = 1, N = 5, s = ξ on two other sites and −ξ on two: h_0 = 0 exactly."""
    counts = hebbian_counts([[1, 1, 1, 1, 1]])
    state = np.array([1.0, 1.0, 1.0, -1.0, -1.0])
    assert (counts @ state)[0] == 0
    kept = asynchronous_recall(counts, state, np.zeros(5))
    assert set(kept["state"].tolist()) <= {-1.0, 1.0}
    zeroed = asynchronous_recall(counts, state, np.zeros(5), rule=_numpy_sign)
    assert zeroed["values"][0] == 0.0


@pytest.mark.parametrize("beta", [0.1, 1.7, 30.0])
def test_heat_bath_probabilities_match_the_boltzmann_ratio(beta):
    """P(s_i = +1) = e^(βh)/(e^(βh) + e^(−βh)) in 40-digit arithmetic."""
    params = {
        "patterns": [[1, -1, 1, 1], [1, 1, -1, 1]],
        "initial_state": [1, 1, 1, -1],
        "field": [0.3, -0.2, 0.0, 1.1],
    }
    out = ising_model({**params, "beta": beta})
    with mpmath.workdps(40):
        for h, (log_up, log_down) in zip(
            out["local_fields"], out["heat_bath_log_probabilities"], strict=True
        ):
            up = mpmath.exp(beta * h) / (mpmath.exp(beta * h) + mpmath.exp(-beta * h))
            assert math.exp(log_up) == pytest.approx(float(up), rel=1e-13)
            assert math.exp(log_down) == pytest.approx(float(1 - up), rel=1e-13)


# -- the crosstalk law and the capacity -----------------------------------------------------------


def _binomial_tail_exact(n: int, p: int) -> float:
    """P(Bin(M, ½) ≤ k) as an exact integer sum Σ_(j≤k) C(M, j) over 2^M (Python integers)."""
    m = (p - 1) * (n - 1)
    k_max = -(-(p - 2) * (n - 1) // 2) - 1
    total, term = 0, 1
    for j in range(k_max + 1):
        total += term
        term = term * (m - j) // (j + 1)
    return total / 2**m


@pytest.mark.parametrize(
    ("n", "p", "published"), [(200, 10, 1.1194e-6), (200, 30, 4.2324e-3), (500, 70, 3.5232e-3)]
)
def test_instability_law_matches_exact_sums_and_the_published_table(n, p, published):
    law = ising_model({"family": "instability", "neurons": n, "patterns": p})
    assert law["unstable_probability"] == pytest.approx(_binomial_tail_exact(n, p), rel=1e-11)
    assert law["unstable_probability"] == pytest.approx(published, rel=1e-4)


def test_instability_monte_carlo_at_the_largest_table_entry():
    """N = 500, p = 70: 4000 random networks (fixed seed) against P = 3.5232e-3."""
    params = {"family": "instability", "neurons": 500, "patterns": 70}
    comparison = ISING_HOPFIELD.identity("bit-instability-law").check(ISING_HOPFIELD, params)
    assert comparison.holds
    assert abs(comparison.detail["z"]) <= 5


def test_replica_symmetric_capacity_matches_an_mpmath_solution():
    """α_c = max_y g(y)²/2 with g(y) = erf(y)/y − (2/√π)e^(−y²): g'(y) = 0 solved in mpmath."""
    with mpmath.workdps(30):

        def g(y):
            return mpmath.erf(y) / y - 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-y * y)

        y_c = mpmath.findroot(lambda y: mpmath.diff(g, y), 1.5)
        alpha_c = float(g(y_c) ** 2 / 2)
        m_c = float(mpmath.erf(y_c))
    rs = replica_symmetric_retrieval([0.05, 0.10, 0.13, 0.2])
    assert rs["critical_load"] == pytest.approx(alpha_c, rel=1e-9)
    assert rs["critical_load"] == pytest.approx(0.13790556649, abs=1e-10)
    assert rs["critical_overlap"] == pytest.approx(m_c, abs=1e-6)
    assert rs["critical_overlap"] == pytest.approx(0.96741711435, abs=1e-6)
    # RS error fractions (1 − m)/2 of the spec, and no retrieval solution above α_c
    np.testing.assert_allclose(rs["rs_error_fractions"][:3], [3.9e-6, 1.0e-3, 6.4e-3], rtol=0.05)
    assert math.isnan(rs["rs_overlaps"][3])


def test_capacity_band_on_a_subsampled_grid():
    """The slow identity on one size (N = 2000, 8 networks per load), cheap enough for CI."""
    grid = {**CAPACITY_GRID, "sizes": [2000], "trials": [8], "loads": [0.05, 0.13, 0.17, 0.20]}
    comparison = ISING_HOPFIELD.identity("capacity-finite-size-band").check(ISING_HOPFIELD, grid)
    assert comparison.holds, comparison.detail
    assert 0.13 <= comparison.detail["observed_alpha50"][0] <= 0.17


# -- modern Hopfield network and attention --------------------------------------------------------


def _mp_update(patterns, query, beta):
    """X softmax(βXᵀξ) and E(ξ) in 50-digit arithmetic, without any shift or trick."""
    with mpmath.workdps(50):
        x = [[mpmath.mpf(v) for v in row] for row in patterns]
        xi = [mpmath.mpf(v) for v in query]
        b = mpmath.mpf(beta)
        scores = [b * mpmath.fsum(a * c for a, c in zip(row, xi, strict=True)) for row in x]
        weights = [mpmath.exp(s) for s in scores]
        total = mpmath.fsum(weights)
        new = [
            float(mpmath.fsum(w * row[j] for w, row in zip(weights, x, strict=True)) / total)
            for j in range(len(xi))
        ]
        norm2 = max(mpmath.fsum(v * v for v in row) for row in x)
        energy = (
            -mpmath.log(total) / b
            + mpmath.fsum(v * v for v in xi) / 2
            + mpmath.log(len(x)) / b
            + norm2 / 2
        )
        return new, float(energy)


@pytest.mark.parametrize("case", [0, 1, 2])
def test_both_sides_match_high_precision_reference(case):
    """Including β·max|x·ξ| ≈ 1e5, where exp overflows without the max shift."""
    from physml_plugins.associative_memory import MODERN_EXAMPLES

    params = MODERN_HOPFIELD_ATTENTION.check_params(MODERN_EXAMPLES[case])
    params["value_projection"] = np.eye(params["patterns"].shape[1])
    phys = modern_hopfield(params)
    learn = attention_head(attention_from_hopfield(params))
    for row, query in enumerate(params["queries"]):
        new, energy = _mp_update(params["patterns"], query, params["inverse_temperature"])
        scale = np.max(np.abs(params["patterns"]))
        np.testing.assert_allclose(phys["updated_states"][row], new, atol=1e-12 * scale)
        np.testing.assert_allclose(learn["output"][row], new, atol=1e-12 * scale)
        assert phys["energies"][row] == pytest.approx(energy, abs=1e-11 * (1 + abs(energy)))


def test_attention_at_one_over_root_dk_is_the_plain_query():
    """With β = 1/√d the dictionary maps the state to itself: Q = ξ."""
    rng = np.random.default_rng(5)
    params = {
        "patterns": rng.normal(size=(6, 16)),
        "queries": rng.normal(size=(2, 16)),
        "inverse_temperature": 0.25,
        "value_projection": np.eye(16),
    }
    np.testing.assert_array_equal(attention_from_hopfield(params)["queries"], params["queries"])


def test_large_beta_retrieves_the_largest_inner_product_not_the_nearest_pattern():
    """Pitfall of B7: β → ∞ is hard attention by inner product; with unequal norms that is not
    the nearest pattern in distance."""
    patterns = np.array([[1.0, 0.0], [3.0, 3.0]])
    query = np.array([[1.0, 0.1]])  # nearer to x_1, larger inner product with x_2
    assert np.linalg.norm(query - patterns[0]) < np.linalg.norm(query - patterns[1])
    params = {
        "patterns": patterns,
        "queries": query,
        "inverse_temperature": 1e4,
        "value_projection": np.eye(2),
    }
    out = attention_head(attention_from_hopfield(params))["output"]
    np.testing.assert_array_equal(out, patterns[1:2])
    np.testing.assert_array_equal(modern_hopfield(params)["updated_states"], patterns[1:2])


# -- invalid parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"patterns": [[1, 0, 1]]}, "patterns", "±1"),
        ({"patterns": [[1, 2, 1]]}, "patterns", "≤ 1"),
        ({"patterns": [[1, -1, 1.5]]}, "patterns", "integers"),
        ({"patterns": [[1], [1]]}, "patterns", "2 ≤ N"),
        ({"patterns": [1, -1, 1]}, "patterns", "2-D"),
        ({"initial_state": [1, 1]}, "initial_state", "N = 12"),
        ({"initial_state": [0] * 12}, "initial_state", "±1"),
        ({"patterns": [[1, 1, 1]], "field": [0.1]}, "field", "N = 3"),
        ({"field": [float("nan")] * 12}, "field", "finite"),
        ({"patern": [[1, 1]]}, "patern", "did you mean 'patterns'"),
    ],
)
def test_invalid_ising_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        ISING_HOPFIELD.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"inverse_temperature": 0.0}, "inverse_temperature", "> 0"),
        ({"inverse_temperature": -2.0}, "inverse_temperature", "> 0"),
        ({"queries": [[1.0, 2.0, 3.0]]}, "queries", "d = 4"),
        ({"value_projection": [[1.0, 0.0], [0.0, 1.0]]}, "value_projection", "d = 4"),
        ({"patterns": [1.0, 2.0]}, "patterns", "2-D"),
        ({"patterns": [[]]}, "patterns", "empty"),
        ({"queries": [[1.0, "a", 0.0, 0.0]]}, "queries", "numbers"),
    ],
)
def test_invalid_attention_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        MODERN_HOPFIELD_ATTENTION.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


def test_missing_parameters_take_neutral_values_that_fit_the_given_ones():
    ising = ISING_HOPFIELD.check_params({"patterns": [[1, -1, 1], [1, 1, -1]]})
    assert ising["initial_state"].tolist() == [1, -1, 1]
    assert ising["field"].tolist() == [0.0, 0.0, 0.0]
    modern = MODERN_HOPFIELD_ATTENTION.check_params({"patterns": [[1.0, 2.0], [3.0, 4.0]]})
    np.testing.assert_array_equal(modern["queries"], modern["patterns"])
    np.testing.assert_array_equal(modern["value_projection"], np.eye(2))


def test_eval_computes_the_worked_example_and_rejects_a_bad_probe():
    shown = run_physml("eval", "modern-hopfield-attention", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    np.testing.assert_allclose(
        data["learning"]["output"], data["physics"]["updated_states"], atol=1e-14
    )
    bad = run_physml(
        "eval", "ising-hopfield", "--params", "-", stdin='{"initial_state": [1, -1, 1]}'
    )
    assert bad.returncode == 2
    assert "parameter 'initial_state'" in bad.stderr and "N = 12" in bad.stderr
