"""quantum-fisher-natural-gradient: the identities, the mutants, and independent references (the
qubit (|0⟩ + e^(iθ)|1⟩)/√2 and a spin-½ in a field in closed form, finite differences of the
fidelity and the Bures distance in mpmath, the SLD equation solved here as a Kronecker system)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy.special import softmax

from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml.verifier import get_profile, run_identity
from physml_plugins.information_geometry import (
    QUANTUM_EXAMPLE,
    THERMAL_EXAMPLES,
    circuit_from_state,
    quantum_state_geometry,
    variational_circuit_geometry,
)
from physml_plugins.information_geometry import QUANTUM_FISHER_NATURAL_GRADIENT as C

EPS = np.finfo(float).eps
PAULI = {
    "x": np.array([[0, 1], [1, 0]], dtype=complex),
    "y": np.array([[0, -1j], [1j, 0]]),
    "z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def _params(state, generator, theta, observable=None):
    """Physics parameters from complex arrays (the encoding users write in JSON)."""
    state = np.asarray(state, dtype=complex)
    generator = np.asarray(generator, dtype=complex)
    n = state.size
    observable = np.diag(np.arange(n, dtype=float)) if observable is None else observable
    observable = np.asarray(observable, dtype=complex)
    return {
        "state_real": state.real.tolist(),
        "state_imag": state.imag.tolist(),
        "generator_real": generator.real.tolist(),
        "generator_imag": generator.imag.tolist(),
        "theta": theta,
        "observable_real": observable.real.tolist(),
        "observable_imag": observable.imag.tolist(),
    }


def _both(params):
    values = C.check_params(params)
    return quantum_state_geometry(values), variational_circuit_geometry(circuit_from_state(values))


def _random_hermitian(rng, n):
    g = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    return (g + g.conj().T) / 2


# -- verification ---------------------------------------------------------------------------------


def test_quantum_fisher_identities_hold():
    assert_verifies(C, profile="default")


def test_every_quantum_fisher_mutant_is_rejected():
    assert_mutants_killed(C)


@pytest.mark.parametrize(
    ("mutant", "identity"),
    [(m.name, name) for m in C.mutants for name in m.killed_by],
)
def test_each_mutant_is_rejected_by_every_identity_it_names(mutant, identity):
    mutated = next(m for m in C.mutants if m.name == mutant).apply(C)
    report = run_identity(mutated, mutated.identity(identity), profile=get_profile("dev"), seed=0)
    assert report.status == "failed", f"{mutant} passes {identity}: {report.message}"


def test_worked_example_satisfies_every_identity():
    evaluation = C.evaluate()
    assert evaluation.physics["quantum_fisher_information"] == pytest.approx(
        4 * evaluation.learning["fubini_study_metric"], rel=1e-13
    )
    for identity in C.identities:
        params = identity.examples[0] if identity.strategy else evaluation.params
        assert identity.check(C, dict(params)).holds, identity.name


# -- the qubit reference of the specification ------------------------------------------------------


@pytest.mark.parametrize("theta", [0.0, 0.3, 0.7, 2.0, -1.1, 40.0])
def test_qubit_reference_values(theta):
    """ψ(θ) = (|0⟩ + e^(iθ)|1⟩)/√2, H = −|1⟩⟨1|: Var H = 1/4, QFI = 1, g_FS = 1/4."""
    params = _params([1, 1], [[0, 0], [0, -1]], theta, PAULI["x"])
    phys, learn = _both(params)
    expected = np.array([1, np.exp(1j * theta)]) / math.sqrt(2)
    for side in (phys, learn):
        state = side["state_real"] + 1j * side["state_imag"]
        assert abs(np.vdot(expected, state)) == pytest.approx(1.0, abs=1e-14)
    assert phys["generator_variance"] == pytest.approx(0.25, abs=1e-15)
    assert phys["quantum_fisher_information"] == pytest.approx(1.0, abs=4e-15)
    assert phys["sld_quantum_fisher_information"] == pytest.approx(1.0, abs=4e-15)
    assert learn["fubini_study_metric"] == pytest.approx(0.25, abs=1e-15)
    # σ_x: p± = (1 ± cos θ)/2, whose Fisher information is 1 wherever sin θ ≠ 0: the bound is met.
    p_plus = (1 + math.cos(theta)) / 2
    np.testing.assert_allclose(learn["outcome_probabilities"], [1 - p_plus, p_plus], atol=1e-15)
    if abs(math.sin(theta)) > 1e-3:
        assert learn["classical_fisher_information"] == pytest.approx(1.0, rel=1e-12)


def test_measurement_in_the_eigenbasis_of_a_diagonal_generator_carries_no_information():
    params = _params([0.6, 0.8j], [[0.4, 0], [0, -1.3]], 0.9, PAULI["z"])
    phys, learn = _both(params)
    assert learn["classical_fisher_information"] == pytest.approx(0.0, abs=1e-30)  # p is fixed
    assert phys["quantum_fisher_information"] == pytest.approx(4 * 0.36 * 0.64 * 1.7**2, rel=1e-14)


@pytest.mark.parametrize("seed", range(5))
def test_spin_half_in_a_field_has_qfi_one_minus_projection_squared(seed):
    """H = n·σ/2 on a state with Bloch vector r: F_Q = 1 − (n·r)² (closed form)."""
    rng = np.random.default_rng(seed)
    n = rng.standard_normal(3)
    n /= np.linalg.norm(n)
    state = rng.standard_normal(2) + 1j * rng.standard_normal(2)
    state /= np.linalg.norm(state)
    rho = np.outer(state, state.conj())
    r = np.array([np.trace(rho @ PAULI[a]).real for a in "xyz"])
    generator = sum(n[i] * PAULI[a] for i, a in enumerate("xyz")) / 2
    phys, learn = _both(_params(state, generator, rng.uniform(-3, 3)))
    expected = 1 - float(n @ r) ** 2
    assert phys["quantum_fisher_information"] == pytest.approx(expected, abs=1e-14)
    assert 4 * learn["fubini_study_metric"] == pytest.approx(expected, abs=1e-14)


# -- finite differences of the fidelity and the Bures distance, in mpmath -------------------------


def _mp_matrix(array):
    return mpmath.matrix([[mpmath.mpc(complex(x)) for x in row] for row in np.asarray(array)])


def _mp_state(state, generator, theta):
    """ψ(θ) = expm(−iθH)ψ₀ in 50-digit arithmetic."""
    psi0 = _mp_matrix(np.asarray(state, dtype=complex)[:, None])
    psi0 /= mpmath.norm(psi0)
    return mpmath.expm(-1j * mpmath.mpf(theta) * _mp_matrix(generator)) * psi0


def _mp_overlap(a, b):
    return mpmath.fsum(mpmath.conj(a[i]) * b[i] for i in range(a.rows))


@pytest.mark.parametrize("seed", range(4))
def test_qfi_is_the_curvature_of_the_bures_distance(seed):
    """d_B² = 2(1 − |⟨ψ(θ)|ψ(θ+h)⟩|) = F_Q·h²/4 + O(h⁴), with h = 1e-12 at 50 digits."""
    rng = np.random.default_rng(100 + seed)
    n = 2 + seed
    state = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    generator = _random_hermitian(rng, n) + 5 * np.eye(n)
    theta = float(rng.uniform(-2, 2))
    phys, learn = _both(_params(state, generator, theta))
    with mpmath.workdps(50):
        h = mpmath.mpf("1e-12")
        here = _mp_state(state, generator, theta)
        there = _mp_state(state, generator, mpmath.mpf(theta) + h)
        bures_squared = 2 * (1 - abs(_mp_overlap(here, there)))
        reference = float(4 * bures_squared / h**2)
        fidelity_reference = float(4 * (1 - abs(_mp_overlap(here, there)) ** 2) / h**2)
    assert reference == pytest.approx(fidelity_reference, rel=1e-9)
    assert phys["quantum_fisher_information"] == pytest.approx(reference, rel=1e-11)
    assert 4 * learn["fubini_study_metric"] == pytest.approx(reference, rel=1e-11)


def _thermal(example, theta, rotated):
    """ρ(θ) written here: U diag(softmax(−E − θv)) U†, rotated by V e^(−iθλ) V† (G = VλV†)."""
    basis = np.asarray(example["eigenbasis_real"]) + 1j * np.asarray(example["eigenbasis_imag"])
    p = softmax(-np.asarray(example["energies"]) - theta * np.asarray(example["coupling"]))
    rho = (basis * p) @ basis.conj().T
    if rotated:
        g = np.asarray(example["rotation_real"]) + 1j * np.asarray(example["rotation_imag"])
        values, vectors = np.linalg.eigh(g)
        turn = (vectors * np.exp(-1j * theta * values)) @ vectors.conj().T
        rho = turn @ rho @ turn.conj().T
    return rho


def _mp_thermal(example, theta, rotated):
    """The same ρ(θ) in mpmath (G taken as exact, U made unitary to working precision)."""
    basis, _ = mpmath.qr(
        _mp_matrix(
            np.asarray(example["eigenbasis_real"]) + 1j * np.asarray(example["eigenbasis_imag"])
        )
    )
    levels = [
        -mpmath.mpf(e) - theta * mpmath.mpf(v)
        for e, v in zip(example["energies"], example["coupling"], strict=True)
    ]
    z = mpmath.fsum(mpmath.exp(x) for x in levels)
    n = len(levels)
    diagonal = mpmath.diag([mpmath.exp(x) / z for x in levels])
    rho = basis * diagonal * basis.transpose_conj()
    if rotated:
        g = _mp_matrix(
            np.asarray(example["rotation_real"]) + 1j * np.asarray(example["rotation_imag"])
        )
        turn = mpmath.expm(-1j * theta * g)
        rho = turn * rho * turn.transpose_conj()
    # U from float64 is unitary to 1e-16 only, which would swamp 1 − √F (~1e-26 here): it is
    # made unitary to working precision by a QR (its columns change by ~1e-16, F_Q by as little).
    assert rho.rows == n
    return rho


def _mp_sqrt(matrix):
    """√A of a Hermitian PSD matrix by mpmath's Hermitian eigensolver (robust at p ~ 1e-8)."""
    values, vectors = mpmath.eighe((matrix + matrix.transpose_conj()) / 2)
    roots = mpmath.diag([mpmath.sqrt(max(v, 0)) for v in values])
    return vectors * roots * vectors.transpose_conj()


def _mp_bures_qfi(example, rotated):
    """F_Q = 8(1 − √F(ρ(θ), ρ(θ+h)))/h², Uhlmann's √F = tr√(√ρ σ √ρ), h = 1e-12 at 60 digits.

    An eigenvalue p_min ~ 1e-8 of ρ leaves √ of the smallest eigenvalue of √ρσ√ρ an error of
    10^(−dps)/p_min, against 1 − √F ~ F_Q·h²/8 ~ 1e-28: 60 digits keep 20 of them.
    """
    with mpmath.workdps(60):
        theta = mpmath.mpf(example["theta"])
        h = mpmath.mpf("1e-12")
        rho = _mp_thermal(example, theta, rotated)
        sigma = _mp_thermal(example, theta + h, rotated)
        root = _mp_sqrt(rho)
        inner = _mp_sqrt(root * sigma * root)
        fidelity_root = mpmath.re(mpmath.fsum(inner[i, i] for i in range(inner.rows)))
        return float(8 * (1 - fidelity_root) / h**2)


@pytest.mark.parametrize("index", range(len(THERMAL_EXAMPLES)))
@pytest.mark.parametrize("rotated", [False, True])
def test_thermal_qfi_is_the_curvature_of_the_bures_distance(index, rotated):
    example = THERMAL_EXAMPLES[index]
    params = (
        example if rotated else {k: v for k, v in example.items() if not k.startswith("rotation_")}
    )
    phys = quantum_state_geometry(params)
    reference = _mp_bures_qfi(example, rotated)
    assert phys["sld_quantum_fisher_information"] == pytest.approx(reference, rel=1e-9)
    assert phys["quantum_fisher_information"] == pytest.approx(reference, rel=1e-9)


# -- the SLD equation solved here as a Kronecker system; Var_p(v) in mpmath ------------------------


@pytest.mark.parametrize("index", range(len(THERMAL_EXAMPLES)))
def test_commuting_qfi_against_a_kronecker_sld_and_an_mpmath_variance(index):
    example = {k: v for k, v in THERMAL_EXAMPLES[index].items() if not k.startswith("rotation_")}
    theta = example["theta"]
    rho = _thermal(example, theta, rotated=False)
    n = rho.shape[0]
    basis = np.asarray(example["eigenbasis_real"]) + 1j * np.asarray(example["eigenbasis_imag"])
    coupling = np.asarray(example["coupling"])
    p = softmax(-np.asarray(example["energies"]) - theta * coupling)
    d_rho = (basis * (-p * (coupling - p @ coupling))) @ basis.conj().T
    # ρL + Lρ = 2∂ρ as (I ⊗ ρ + ρᵀ ⊗ I) vec(L) = 2 vec(∂ρ), column-major vec.
    operator = np.kron(np.eye(n), rho) + np.kron(rho.T, np.eye(n))
    sld = np.linalg.solve(operator, 2 * d_rho.reshape(-1, order="F")).reshape(n, n, order="F")
    kronecker = float(np.trace(rho @ sld @ sld).real)
    with mpmath.workdps(40):
        levels = [
            -mpmath.mpf(e) - mpmath.mpf(theta) * mpmath.mpf(v)
            for e, v in zip(example["energies"], example["coupling"], strict=True)
        ]
        z = mpmath.fsum(mpmath.exp(x) for x in levels)
        q = [mpmath.exp(x) / z for x in levels]
        mean = mpmath.fsum(qi * mpmath.mpf(v) for qi, v in zip(q, example["coupling"], strict=True))
        variance = float(
            mpmath.fsum(
                qi * (mpmath.mpf(v) - mean) ** 2
                for qi, v in zip(q, example["coupling"], strict=True)
            )
        )
    phys = quantum_state_geometry(example)
    learn = variational_circuit_geometry(circuit_from_state(example))
    assert kronecker == pytest.approx(variance, rel=1e-9)
    for value in (
        phys["sld_quantum_fisher_information"],
        phys["quantum_fisher_information"],
        learn["classical_fisher_information"],
        learn["score_variance"],
    ):
        assert value == pytest.approx(variance, rel=1e-12, abs=1e-15)


# -- invariances and properties ------------------------------------------------------------------


def test_a_global_phase_in_the_generator_changes_nothing():
    rng = np.random.default_rng(3)
    state = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    generator = _random_hermitian(rng, 4)
    observable = _random_hermitian(rng, 4)
    base_phys, base_learn = _both(_params(state, generator, 0.8, observable))
    moved_phys, moved_learn = _both(_params(state, generator + 1e3 * np.eye(4), 0.8, observable))
    scale = 64 * 4 * EPS * (1e3 + 3) ** 2  # the tolerance of the two-term form at ‖H‖ ≈ 1e3
    for key in ("quantum_fisher_information", "generator_variance"):
        assert moved_phys[key] == pytest.approx(base_phys[key], abs=scale)
    assert moved_learn["fubini_study_metric"] == pytest.approx(
        base_learn["fubini_study_metric"], abs=scale
    )
    assert moved_learn["classical_fisher_information"] == pytest.approx(
        base_learn["classical_fisher_information"], abs=scale
    )


def test_outcome_distribution_is_normalised_and_degenerate_outcomes_merge():
    params = dict(QUANTUM_EXAMPLE)
    params["observable_real"] = [[1.0, 0, 0], [0, 1.0, 0], [0, 0, -1.0]]
    _, learn = _both(params)
    assert learn["outcome_values"].tolist() == [-1.0, 1.0]
    assert learn["outcome_probabilities"].sum() == pytest.approx(1.0, abs=1e-15)


def test_state_is_normalised_by_the_physics_and_the_learning_side():
    params = _params([3.0, 4.0j], [[0, 1], [1, 0]], 0.2)
    phys, learn = _both(params)
    for side in (phys, learn):
        assert np.linalg.norm(side["state_real"] + 1j * side["state_imag"]) == pytest.approx(
            1.0, abs=1e-15
        )


# -- parameters ----------------------------------------------------------------------------------


def test_a_theta_alone_keeps_the_worked_example_state():
    values = C.check_params({"theta": 1.5})
    assert values["state_imag"].tolist() == QUANTUM_EXAMPLE["state_imag"]
    assert values["generator_imag"].tolist() == QUANTUM_EXAMPLE["generator_imag"]


def test_a_new_qubit_gets_zero_imaginary_parts_and_the_computational_basis():
    values = C.check_params({"state_real": [1.0, 1.0], "generator_real": [[0.0, 0.0], [0.0, -1.0]]})
    assert values["state_imag"].tolist() == [0.0, 0.0]
    assert values["generator_imag"].tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert values["observable_real"].tolist() == [[0.0, 0.0], [0.0, 1.0]]
    assert values["observable_imag"].tolist() == [[0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"state_real": [1.0]}, "state_real", "n ≥ 2"),
        (
            {"state_real": [0.0, 0.0, 0.0], "state_imag": [0.0, 0.0, 0.0]},
            "state_real",
            "zero vector",
        ),
        ({"state_imag": [0.0, 1.0]}, "state_imag", "n = len(state_real) = 3"),
        ({"generator_real": [[1.0, 2.0], [2.0, 1.0]]}, "generator_real", "3 × 3"),
        ({"state_real": [1.0, 0.0]}, "generator_real", "does not fit this state"),
        (
            {"generator_real": [[1.0, 0.5, 0.0], [0.4, 0.0, 0.5], [0.0, 0.5, -1.0]]},
            "generator_real",
            "symmetric",
        ),
        (
            {"generator_imag": [[0.0, 0.25, 0.0], [0.25, 0.0, 0.0], [0.0, 0.0, 0.0]]},
            "generator_imag",
            "antisymmetric",
        ),
        (
            {"observable_imag": [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]},
            "observable_imag",
            "antisymmetric",
        ),
        ({"theta": float("nan")}, "theta", "finite"),
        ({"theta": 1e9}, "theta", "≤ 1e+08"),
        ({"theta": [0.1, 0.2]}, "theta", "a number"),
        ({"state_real": "1, 0"}, "state_real", "string"),
        ({"thetta": 0.1}, "thetta", "did you mean 'theta'"),
    ],
)
def test_invalid_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        C.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)
