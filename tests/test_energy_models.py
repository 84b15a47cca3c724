"""boltzmann-machine-ising: the properties, the mutants, and independent references
(scikit-learn's BernoulliRBM, Kaufman's exact 2-D Ising partition function, the spec's designed
slow-mixing RBM, high-precision mpmath sums, and sampled CD-1 with a fixed seed)."""

from __future__ import annotations

import itertools
import json
import math

import mpmath
import numpy as np
import pytest
from conftest import run_physml
from hypothesis.errors import UnsatisfiedAssumption

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml.verifier import get_profile, run_identity
from physml_plugins.energy_models import (
    BOLTZMANN_MACHINE_ISING,
    FOUR_SPIN_EXAMPLE,
    MAX_SPINS,
    RBM_EXAMPLES,
    _generic_cd_example,
    bipartite_lattice_gas,
    boltzmann_machine_from_ising,
    fully_visible_boltzmann_machine,
    ising_enumeration,
    restricted_boltzmann_machine,
    slow_mixing_example,
)

C = BOLTZMANN_MACHINE_ISING
EPS = np.finfo(float).eps


def test_boltzmann_machine_ising_identities_hold():
    assert_verifies(C, profile="default")


def test_every_boltzmann_machine_mutant_is_rejected():
    assert_mutants_killed(C)


@pytest.mark.parametrize(
    ("mutant", "identity"),
    [(m.name, name) for m in C.mutants for name in m.killed_by],
)
def test_each_mutant_fails_every_identity_that_names_it(mutant, identity):
    mutated = next(m for m in C.mutants if m.name == mutant).apply(C)
    report = run_identity(
        mutated, mutated.identity(identity), profile=get_profile("dev"), seed=0, shrink=False
    )
    assert report.status in ("failed", "error"), report.message


# -- the dictionary: Ising spins ↔ 0/1 units -----------------------------------------------------


def _ising(params):
    return ising_enumeration(BOLTZMANN_MACHINE_ISING.check_params(params))


def _machine(params):
    return fully_visible_boltzmann_machine(
        boltzmann_machine_from_ising(BOLTZMANN_MACHINE_ISING.check_params(params))
    )


def test_log_partition_functions_differ_by_the_constant_of_the_change_of_variables():
    """log Z_Ising = log Z_BM + Σ_{i<j} J_ij − Σ_i h_i, and the probabilities agree."""
    couplings = np.array(FOUR_SPIN_EXAMPLE["couplings"])
    fields = np.array(FOUR_SPIN_EXAMPLE["fields"])
    constant = np.triu(couplings, 1).sum() - fields.sum()
    phys, learn = _ising(FOUR_SPIN_EXAMPLE), _machine(FOUR_SPIN_EXAMPLE)
    assert phys["log_partition_function"] == pytest.approx(
        learn["log_normalizer"] + constant, abs=16 * EPS * 10
    )
    # ⟨s_i⟩ = 2⟨x_i⟩ − 1 and ⟨s_i s_j⟩ = 4⟨x_i x_j⟩ − 2⟨x_i⟩ − 2⟨x_j⟩ + 1
    m, xx = learn["unit_means"], learn["unit_correlations"]
    np.testing.assert_allclose(phys["magnetisations"], 2 * m - 1, atol=1e-14)
    spin_corr = 4 * xx - 2 * m[:, None] - 2 * m[None, :] + 1
    np.testing.assert_allclose(phys["correlations"], spin_corr, atol=1e-14)


def _pair_sum_energy(spins, couplings, fields):
    n = len(spins)
    pairs = sum(couplings[i][j] * spins[i] * spins[j] for i in range(n) for j in range(i + 1, n))
    return -pairs - sum(h * s for h, s in zip(fields, spins, strict=True))


def test_ising_side_matches_a_60_digit_sum_over_states_for_strong_couplings():
    """Couplings of ±30 make Boltzmann weights of e^400: the reference sums them in mpmath."""
    rng = np.random.default_rng(11)
    n = 6
    upper = np.triu(30 * rng.choice([-1.0, 1.0], size=(n, n)) * rng.uniform(0.5, 1, (n, n)), 1)
    couplings = upper + upper.T
    fields = rng.normal(size=n) * 5
    data = [[1, -1, 1, 1, -1, 1], [-1] * 6]
    with mpmath.workdps(60):
        weights = [
            mpmath.exp(-_pair_sum_energy(s, couplings.tolist(), fields.tolist()))
            for s in itertools.product([-1, 1], repeat=n)
        ]
        log_z = mpmath.log(mpmath.fsum(weights))
        log_p = [-_pair_sum_energy(d, couplings.tolist(), fields.tolist()) - log_z for d in data]
    params = {"couplings": couplings.tolist(), "fields": fields.tolist(), "data": data}
    phys, learn = _ising(params), _machine(params)
    scale = abs(float(log_z))
    assert phys["log_partition_function"] == pytest.approx(float(log_z), abs=16 * EPS * scale)
    for side in (phys, learn):
        np.testing.assert_allclose(
            side["log_probabilities"], [float(x) for x in log_p], atol=64 * EPS * scale
        )


# -- Kaufman's exact partition function of the 2-D Ising model on a torus -------------------------


def _kaufman_log_z(rows: int, columns: int, coupling: float) -> float:
    """log Z of the rows × columns torus (Kaufman 1949), in 50-digit arithmetic."""
    with mpmath.workdps(50):
        k = mpmath.mpf(coupling)
        c2, s2 = mpmath.cosh(2 * k), mpmath.sinh(2 * k)

        def gamma(index: int):
            if index == 0:
                return 2 * k + mpmath.log(mpmath.tanh(k))  # signed: negative below K_c
            return mpmath.acosh(c2 * c2 / s2 - mpmath.cos(mpmath.pi * index / columns))

        products = []
        for offset in (1, 0):
            gammas = [gamma(2 * r + offset) for r in range(columns)]
            products.append(mpmath.fprod(2 * mpmath.cosh(rows * g / 2) for g in gammas))
            products.append(mpmath.fprod(2 * mpmath.sinh(rows * g / 2) for g in gammas))
        z = (2 * s2) ** (rows * columns / mpmath.mpf(2)) / 2 * mpmath.fsum(products)
        return float(mpmath.log(z))


def _torus_couplings(rows: int, columns: int, coupling: float) -> list[list[float]]:
    n = rows * columns
    j = np.zeros((n, n))
    for r, c in itertools.product(range(rows), range(columns)):
        site = r * columns + c
        for neighbour in (((r + 1) % rows) * columns + c, r * columns + (c + 1) % columns):
            j[site, neighbour] = j[neighbour, site] = coupling
    return j.tolist()


@pytest.mark.parametrize(("rows", "columns"), [(4, 4), (3, 5), (3, 3)])
@pytest.mark.parametrize("coupling", [0.2, 0.4406867935097715, 1.0])
def test_boltzmann_machine_on_a_torus_reproduces_kaufmans_partition_function(
    rows, columns, coupling
):
    """A BM with J_ij = K on the bonds of a torus and h = 0: log Z = Kaufman's formula."""
    n = rows * columns
    params = {
        "couplings": _torus_couplings(rows, columns, coupling),
        "fields": [0.0] * n,
        "data": [[1] * n],
    }
    expected = _kaufman_log_z(rows, columns, coupling)
    phys = _ising(params)
    assert phys["log_partition_function"] == pytest.approx(expected, rel=1e-12)
    learn = _machine(params)
    constant = 2 * n * coupling  # Σ_{i<j} J_ij: two bonds per site
    assert learn["log_normalizer"] + constant == pytest.approx(expected, rel=1e-12)
    # the all-up state is a ground state: log p = 2nK − log Z
    assert phys["log_likelihood"] == pytest.approx(2 * n * coupling - expected, rel=1e-12)


# -- the RBM free energy against scikit-learn and mpmath -------------------------------------------


def _sklearn_rbm(weights, visible_bias, hidden_bias, seed=0):
    neural = pytest.importorskip("sklearn.neural_network")
    rbm = neural.BernoulliRBM(n_components=np.shape(weights)[1], random_state=seed)
    rbm.components_ = np.asarray(weights, dtype=float).T
    rbm.intercept_hidden_ = np.asarray(hidden_bias, dtype=float)
    rbm.intercept_visible_ = np.asarray(visible_bias, dtype=float)
    if not hasattr(rbm, "_free_energy"):
        pytest.skip("BernoulliRBM._free_energy (a private method) is not available")
    return rbm


@pytest.mark.parametrize("scale", [1e-2, 1.0, 30.0, 1e3])
def test_rbm_free_energy_matches_scikit_learn_bernoulli_rbm(scale):
    rng = np.random.default_rng(3)
    n_v, n_h = 7, 9
    w = scale * rng.normal(size=(n_v, n_h))
    b, c = scale * rng.normal(size=n_v), scale * rng.normal(size=n_h)
    v = rng.integers(0, 2, size=(12, n_v)).astype(float)
    reference = _sklearn_rbm(w, b, c)._free_energy(v)
    learn = restricted_boltzmann_machine(
        {"weights": w, "visible_bias": b, "hidden_bias": c, "visible": v}
    )
    np.testing.assert_allclose(learn["free_energies"], reference, rtol=4 * EPS, atol=0)
    phys = bipartite_lattice_gas(
        {"couplings": w, "visible_fields": b, "hidden_fields": c, "visible": v}
    )
    size = np.abs(v) @ np.abs(b) + np.abs(c).sum() + (v @ np.abs(w)).sum(axis=1)
    tolerance = 16 * EPS * (n_v + n_h + 2) * (1 + size)
    assert np.all(np.abs(phys["free_energies"] - reference) <= tolerance)


def test_stress_case_free_energy_is_minus_2400_where_naive_softplus_overflows():
    params = RBM_EXAMPLES[0]
    learn = C.learning.observe(C.translate(params))
    phys = C.physics.observe(params)
    assert learn["free_energies"][0] == -2400.0
    assert phys["free_energies"][0] == -2400.0
    with np.errstate(over="ignore"):
        assert np.isinf(np.log1p(np.exp(np.array(1200.0))))


def test_rbm_free_energy_and_conditionals_match_a_50_digit_sum_over_hidden_states():
    params = RBM_EXAMPLES[2]  # weights of ±1000: terms up to e^1800
    w = params["couplings"]
    a, c = params["visible_fields"], params["hidden_fields"]
    n_h = len(c)
    phys, learn = C.physics.observe(params), C.learning.observe(C.translate(params))
    with mpmath.workdps(50):
        for row, v in enumerate(params["visible"]):
            terms = {}
            for h in itertools.product([0, 1], repeat=n_h):
                neg_e = sum(ai * vi for ai, vi in zip(a, v, strict=True)) + sum(
                    cj * hj for cj, hj in zip(c, h, strict=True)
                )
                neg_e += sum(w[i][j] * v[i] * h[j] for i in range(len(v)) for j in range(n_h))
                terms[h] = mpmath.exp(mpmath.mpf(neg_e))
            total = mpmath.fsum(terms.values())
            free = float(-mpmath.log(total))
            for side in (phys, learn):
                assert side["free_energies"][row] == pytest.approx(free, rel=4 * EPS)
            for j in range(n_h):
                on = mpmath.fsum(t for h, t in terms.items() if h[j] == 1)
                log_on = float(mpmath.log(on / total))
                for side in (phys, learn):
                    assert side["hidden_on_log_probabilities"][row][j] == pytest.approx(
                        log_on, rel=1e-13, abs=1e-13
                    )


# -- contrastive divergence: the designed slow-mixing example and sampled CD-1 ---------------------


@pytest.mark.parametrize(
    ("w", "lam2", "relative_bias"),
    [(1.0, 0.283, 0.159), (2.0, 0.674, 0.392), (3.0, 0.887, 0.584), (4.0, 0.967, 0.721)],
)
def test_slow_mixing_rbm_reproduces_the_published_cd1_bias_table(w, lam2, relative_bias):
    """n_v = 6, n_h = 1, W = w, b = −w/2, c = −3w, p_data = 0.8·δ(1…1) + 0.2·δ(0…0)."""
    params = {**slow_mixing_example(w), "cd_steps": 1}
    phys, learn = C.physics.observe(params), C.learning.observe(C.translate(params))
    assert phys["second_eigenvalue"] == pytest.approx(lam2, abs=5e-4)
    gradient = learn["ml_gradient"].ravel()
    cd1 = learn["cd_updates"][1].ravel()
    assert np.linalg.norm(cd1 - gradient) / np.linalg.norm(gradient) == pytest.approx(
        relative_bias, abs=5e-4
    )
    # the CD-1 direction stays parallel to the ML gradient in this symmetric example
    assert cd1 @ gradient / (np.linalg.norm(cd1) * np.linalg.norm(gradient)) == pytest.approx(
        1.0, abs=1e-12
    )


@pytest.mark.parametrize("example", ["generic", "slow"])
def test_sampled_cd1_with_scikit_learn_gibbs_step_matches_the_exact_expectation(example):
    """CD-1 as it is run: v₀ ~ p_data, one sampled Gibbs step (scikit-learn's BernoulliRBM.gibbs,
    sampled hidden units), negative statistic v₁σ(c + Wᵀv₁)ᵀ. Per entry z = (mean − exact)/SE,
    SE = sample sd/√M; |z| ≤ 5 for every entry (fixed seeds, M = 200 000)."""
    params = _generic_cd_example() if example == "generic" else slow_mixing_example(2.0)
    params = {**params, "cd_steps": 1}
    learn = C.learning.observe(C.translate(params))
    exact_negative = learn["positive_phase"] - learn["cd_updates"][1]
    w = np.asarray(params["couplings"])
    rbm = _sklearn_rbm(w, params["visible_fields"], params["hidden_fields"], seed=20_250_304)
    n_v = w.shape[0]
    rng = np.random.default_rng(20_250_305)
    samples = 200_000
    states = rng.choice(2**n_v, size=samples, p=np.asarray(params["data_distribution"]))
    v0 = ((states[:, None] >> np.arange(n_v - 1, -1, -1)) & 1).astype(float)
    v1 = rbm.gibbs(v0).astype(float)
    statistic = (v1[:, :, None] * rbm.transform(v1)[:, None, :]).reshape(samples, -1)
    mean = statistic.mean(axis=0)
    se = statistic.std(axis=0, ddof=1) / math.sqrt(samples)
    exact = exact_negative.ravel()
    z = np.where(se > 0, (mean - exact) / np.where(se > 0, se, 1), 0.0)
    assert np.all(np.abs(z) <= 5), z
    assert np.all(np.abs(mean - exact)[se == 0] <= 1e-12)


def test_cd_bias_decays_at_the_second_eigenvalue_and_reports_the_rate():
    identity = C.identity("cd-bias-decays-at-spectral-gap-rate")
    result = identity.check(C, _generic_cd_example())
    assert result.holds
    assert result.detail["expected_rate"] == pytest.approx(0.2440531764, abs=1e-9)
    assert abs(result.detail["observed_rate"] - result.detail["expected_rate"]) <= 1e-7
    assert result.detail["bound"] == 1e-3
    assert result.detail["step"] == 9


def test_cd_bias_bound_is_attained_with_one_visible_unit():
    """With two visible states there is one relaxation mode: the bound holds with equality."""
    params = {
        "family": "rbm",
        "couplings": [[1.3, -0.4]],
        "visible_fields": [0.2],
        "hidden_fields": [-0.5, 0.8],
        "data_distribution": [0.9, 0.1],
    }
    result = C.identity("cd-bias-within-spectral-bound").check(C, params)
    assert result.holds
    # bias / (bound·(1 + 1e-9) + floor): equality up to the stated slack
    assert result.detail["largest_bias_over_bound"] == pytest.approx(1.0, abs=2e-9)


def test_rate_is_outside_the_domain_when_the_next_mode_is_not_resolved_above_rounding():
    """λ₃/λ₂ close to 1 and fast mixing: the bias reaches rounding before the rate separates."""
    params = {
        "family": "rbm",
        "couplings": [[0.05, 0.05], [0.05, -0.05], [-0.05, 0.05]],
        "visible_fields": [0.0, 0.0, 0.0],
        "hidden_fields": [0.0, 0.0],
        "data_distribution": [0.3, 0.1, 0.05, 0.05, 0.1, 0.1, 0.1, 0.2],
    }
    with pytest.raises(UnsatisfiedAssumption):
        C.identity("cd-bias-decays-at-spectral-gap-rate").check(C, params)


# -- parameters ------------------------------------------------------------------------------------


FOUR = FOUR_SPIN_EXAMPLE["couplings"]


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"couplings": [[0.0, 1.0], [0.5, 0.0]]}, "couplings", "symmetric"),
        ({"couplings": [[0.3, 1.0], [1.0, 0.0]]}, "couplings", "zero diagonal"),
        ({"couplings": [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]}, "couplings", "square"),
        ({"couplings": [[0.0, math.inf], [math.inf, 0.0]]}, "couplings", "finite"),
        ({"couplings": np.zeros((17, 17)).tolist()}, "couplings", f"at most {MAX_SPINS}"),
        ({"data": [[1, 0, 1, 1]]}, "data", "±1"),
        ({"couplings": FOUR, "data": [[1, 1, 1]]}, "data", "one column per spin"),
        ({"data": [[1, 2, 1, 1]]}, "data", "≤ 1"),
        ({"data": [[1, 1, 1, 0.5]]}, "data", "integers"),
        ({"data": [1, 1, 1, 1]}, "data", "2-D"),
        ({"couplings": FOUR, "fields": [0.1, 0.2]}, "fields", "one field per spin"),
        ({"fields": "0.1"}, "fields", "string"),
        ({"coupling": [[0.0]]}, "coupling", "did you mean 'couplings'"),
    ],
)
def test_invalid_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        C.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)


def test_missing_parameters_take_neutral_values_that_fit_the_given_ones():
    values = C.check_params({"couplings": [[0.0, 0.5], [0.5, 0.0]]})
    assert values["fields"].tolist() == [0.0, 0.0]
    assert values["data"].tolist() == [[1, 1]]
    values = C.check_params({"fields": [0.1, 0.2, 0.3]})
    assert values["couplings"].shape == (3, 3)
    assert not values["couplings"].any()


def test_eval_computes_the_worked_example_and_rejects_asymmetric_couplings():
    shown = run_physml("eval", "boltzmann-machine-ising", "--json")
    assert shown.returncode == 0, shown.stderr
    out = json.loads(shown.stdout)
    assert out["physics"]["log_likelihood"] == pytest.approx(out["learning"]["log_likelihood"])
    assert all(row["holds"] in (True, None) for row in out["identities"])
    bad = run_physml(
        "eval",
        "boltzmann-machine-ising",
        "--params",
        "-",
        stdin=json.dumps({"couplings": [[0.0, 1.0], [0.9, 0.0]]}),
    )
    assert bad.returncode == 2
    assert "couplings" in bad.stderr and "symmetric" in bad.stderr


def test_cd_strategy_stays_inside_the_spec_domain():
    """n_v, n_h ≤ 8, weights within ±2·scale ≤ 8, p_data a probability vector."""
    from hypothesis import given, settings

    seen = []

    @settings(max_examples=30, database=None, derandomize=True, deadline=None)
    @given(C.identity("cd-bias-within-spectral-bound").strategy())
    def collect(params):
        w = np.asarray(params["couplings"])
        seen.append(w.shape)
        assert w.shape[0] <= 8 and w.shape[1] <= 8
        assert np.all(np.abs(w) <= 8)
        assert np.min(params["data_distribution"]) >= 0
        assert sum(params["data_distribution"]) == pytest.approx(1.0, abs=1e-12)

    collect()
    assert len(seen) == 30
