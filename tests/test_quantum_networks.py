"""qnn-fourier: the identities, the mutants (including the spec's test-quality mutant, an
aliasing DFT grid), and independent references: the one-qubit closed form of Schuld, Sweke and
Meyer, a circuit simulator written here with scipy's ``expm`` and its own CNOT and Pauli
construction, least-squares Fourier fits, and derivatives taken in 30-digit mpmath."""

from __future__ import annotations

import functools
import itertools
import math

import mpmath
import numpy as np
import pytest
import scipy.linalg

from physml import ParameterError
from physml.cli import evaluate_identities
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.quantum_networks import (
    EXAMPLE,
    QNN_FOURIER,
    dft_coefficients,
    fourier_model,
    learning_parameters,
    one_qubit_circuit,
    spin_register,
    z_on_qubit,
)

C = QNN_FOURIER
EPS = np.finfo(float).eps


def test_qnn_fourier_identities_hold():
    assert_verifies(C, profile="default")


def test_every_qnn_fourier_mutant_is_rejected():
    assert_mutants_killed(C)


def _sides(params, gradients=True):
    values = {**C.check_params(params), "gradients": gradients}
    return spin_register(values), fourier_model(learning_parameters(values))


def _random_params(n, layers, seed, *, c=0.5, inputs=(0.3, -1.7, 2.9), observable=None):
    rng = np.random.default_rng(seed)
    if observable is None:
        raw = rng.uniform(-1, 1, 4**n)
        observable = raw / np.abs(raw).sum()
    return {
        "qubits": n,
        "layers": layers,
        "generator_scale": c,
        "angles": rng.uniform(-np.pi, np.pi, (layers + 1, n, 3)).tolist(),
        "observable": list(observable),
        "inputs": list(inputs),
        "shift": np.pi / 2,
    }


# -- an independent simulator: scipy expm of every generator, CNOTs from bit logic -------------

PAULI = {
    "I": np.eye(2),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}


def _single(op, q, n):
    factors = [op if k == q else np.eye(2) for k in range(n)]
    return functools.reduce(np.kron, factors)


def _cnot_permutation(control, target, n):
    dim = 2**n
    matrix = np.zeros((dim, dim))
    for b in range(dim):
        bits = [(b >> (n - 1 - k)) & 1 for k in range(n)]
        if bits[control]:
            bits[target] ^= 1
        image = sum(bit << (n - 1 - k) for k, bit in enumerate(bits))
        matrix[image, b] = 1.0
    return matrix


def _readout(coefficients, n):
    terms = [
        a * functools.reduce(np.kron, [PAULI[p] for p in labels])
        for a, labels in zip(coefficients, itertools.product("IXYZ", repeat=n), strict=True)
    ]
    return sum(terms)


def expm_expectation(params, x):
    n, layers, c = params["qubits"], params["layers"], params["generator_scale"]
    angles = np.asarray(params["angles"], dtype=float)
    state = np.zeros(2**n, dtype=complex)
    state[0] = 1.0
    encoding = c * sum(_single(PAULI["Z"], q, n) for q in range(n))
    for block in range(layers + 1):
        if block:
            state = scipy.linalg.expm(-1j * x * encoding) @ state
        for q in range(n):
            for angle, axis in zip(angles[block, q], "ZYZ", strict=True):
                state = scipy.linalg.expm(-0.5j * angle * _single(PAULI[axis], q, n)) @ state
        for q in range(n - 1):
            state = _cnot_permutation(q, q + 1, n) @ state
    return float(np.vdot(state, _readout(params["observable"], n) @ state).real)


@pytest.mark.parametrize(
    ("n", "layers", "c", "seed"),
    [(1, 1, 0.5, 1), (1, 4, 1.5, 2), (2, 2, 1.0, 3), (3, 1, 0.5, 4), (3, 3, 1.5, 5)],
)
def test_both_sides_match_an_independent_expm_simulator(n, layers, c, seed):
    params = _random_params(n, layers, seed, c=c)
    phys, learn = _sides(params, gradients=False)
    reference = [expm_expectation(params, x) for x in params["inputs"]]
    np.testing.assert_allclose(phys["expectation"], reference, atol=1e-13)
    np.testing.assert_allclose(learn["output"], reference, atol=1e-13)


@pytest.mark.parametrize(("n", "layers", "seed"), [(1, 2, 11), (2, 2, 12), (3, 1, 13)])
def test_least_squares_fourier_fit_of_the_simulator_is_the_learned_series(n, layers, seed):
    """Degree nL fits samples of the expm simulator exactly, with the learned coefficients;
    degree nL − 1 cannot (the top frequency is present at generic angles)."""
    c = 0.75
    params = _random_params(n, layers, seed, c=c)
    omega0 = 2 * c
    x = np.random.default_rng(seed).uniform(0, 2 * np.pi / omega0, 8 * n * layers + 8)
    f = np.array([expm_expectation(params, xi) for xi in x])

    def fit(degree):
        k = np.arange(-degree, degree + 1)
        design = np.exp(1j * omega0 * np.outer(x, k))
        coefficients, *_ = np.linalg.lstsq(design, f.astype(complex), rcond=None)
        return coefficients, float(np.max(np.abs(design @ coefficients - f)))

    coefficients, residual = fit(n * layers)
    _, learn = _sides(params, gradients=False)
    assert residual < 1e-12
    np.testing.assert_allclose(coefficients, learn["coefficients"], atol=1e-11)
    _, truncated = fit(n * layers - 1)
    assert np.abs(learn["coefficients"][0]) > 1e-4  # the top frequency is present...
    assert truncated > 1e-4  # ...so degree nL − 1 misses it


@pytest.mark.parametrize(
    ("theta0", "theta1"), [(0.7, -1.9), (np.pi / 2, np.pi / 2), (100.0, -99.5), (-3.0, 0.0)]
)
def test_one_qubit_closed_form_and_its_derivatives(theta0, theta1):
    """B6.3: f = cos θ₀ cos θ₁ − sin θ₀ sin θ₁ cos x, differentiated by hand."""
    x = np.array([0.0, 0.4, -2.5, 1000.0])
    phys, learn = _sides(one_qubit_circuit(theta0, theta1, x))
    s0, c0, s1, c1 = np.sin(theta0), np.cos(theta0), np.sin(theta1), np.cos(theta1)
    exact = c0 * c1 - s0 * s1 * np.cos(x)
    tol = 1e-14 * (1 + np.abs(x) + abs(theta0) + abs(theta1))
    for f in (phys["expectation"], learn["output"]):
        assert np.all(np.abs(f - exact) <= tol)
    np.testing.assert_allclose(
        learn["coefficients"], [-s0 * s1 / 2, c0 * c1, -s0 * s1 / 2], atol=1e-15
    )
    d_theta0 = -s0 * c1 - c0 * s1 * np.cos(x)  # θ₀ is angles[0, 0, 1], flat index 1
    d_theta1 = -c0 * s1 - s0 * c1 * np.cos(x)  # θ₁ is angles[1, 0, 1], flat index 4
    d_x = s0 * s1 * np.sin(x)
    for gradient in (phys["parameter_shift_gradient"], learn["gradient"]):
        assert np.all(np.abs(gradient[:, 1] - d_theta0) <= tol)
        assert np.all(np.abs(gradient[:, 4] - d_theta1) <= tol)
    for dx in (phys["input_gradient"], learn["input_gradient"]):
        assert np.all(np.abs(dx - d_x) <= tol)


# -- a 30-digit reference for the gradient ------------------------------------------------------


def _mp_expectation(params, angles, x):
    """The n = 2 circuit in mpmath: closed-form rotations, CNOT by index permutation."""
    n = params["qubits"]
    c = mpmath.mpf(params["generator_scale"])
    state = [mpmath.mpc(1)] + [mpmath.mpc(0)] * (2**n - 1)

    def one_qubit(matrix, q):
        out = [mpmath.mpc(0)] * len(state)
        for b, amplitude in enumerate(state):
            bit = (b >> (n - 1 - q)) & 1
            for new in (0, 1):
                image = b ^ ((bit ^ new) << (n - 1 - q))
                out[image] += matrix[new][bit] * amplitude
        return out

    for block in range(params["layers"] + 1):
        if block:
            for q in range(n):
                phase = mpmath.expj(-c * x)
                state = one_qubit([[phase, 0], [0, mpmath.conj(phase)]], q)
        for q in range(n):
            for angle, axis in zip(angles[block][q], "ZYZ", strict=True):
                cos, sin = mpmath.cos(angle / 2), mpmath.sin(angle / 2)
                if axis == "Y":
                    matrix = [[cos, -sin], [sin, cos]]
                else:
                    matrix = [[mpmath.expj(-angle / 2), 0], [0, mpmath.expj(angle / 2)]]
                state = one_qubit(matrix, q)
        for q in range(n - 1):
            mask = 1 << (n - 2 - q)
            state = [state[b ^ mask] if (b >> (n - 1 - q)) & 1 else state[b] for b in range(2**n)]
    readout = _readout(params["observable"], n)
    total = mpmath.mpf(0)
    for i, j in itertools.product(range(2**n), repeat=2):
        if readout[i, j] != 0:
            entry = mpmath.mpc(readout[i, j].real, readout[i, j].imag)
            total += (mpmath.conj(state[i]) * entry * state[j]).real
    return total


def test_shift_rule_and_autodiff_match_a_30_digit_derivative():
    params = _random_params(2, 2, 21, c=1.0, inputs=(0.8,))
    phys, learn = _sides(params)
    base = np.asarray(params["angles"], dtype=float)
    with mpmath.workdps(30):
        angles = [[[mpmath.mpf(a) for a in row] for row in block] for block in base.tolist()]
        for j in range(base.size):
            block, q, k = np.unravel_index(j, base.shape)

            def f(t, block=block, q=q, k=k):
                moved = [[list(row) for row in b] for b in angles]
                moved[block][q][k] = t
                return _mp_expectation(params, moved, mpmath.mpf(0.8))

            reference = float(mpmath.diff(f, angles[block][q][k]))
            assert phys["parameter_shift_gradient"][0, j] == pytest.approx(reference, abs=1e-14)
            assert learn["gradient"][0, j] == pytest.approx(reference, abs=1e-14)
        d_x = float(mpmath.diff(lambda x: _mp_expectation(params, angles, x), mpmath.mpf(0.8)))
    assert phys["input_gradient"][0] == pytest.approx(d_x, abs=1e-14)
    assert learn["input_gradient"][0] == pytest.approx(d_x, abs=1e-14)


# -- the spec's statements and test-quality checks ------------------------------------------------


def _mutant(name):
    return next(m for m in C.mutants if m.name == name).apply(C)


def test_doubled_generator_leaks_past_the_band_and_an_aliasing_grid_cannot_see_it():
    """Mutant 1 (exp(−ixσ_z)) leaks coefficients beyond nL (the spec saw 0.017–0.13) on the
    P = 4nL + 3 grid; on P = 2nL + 1 points (the test-quality mutant 4) no bin lies outside
    the band, so a leakage test there is blind to it."""
    wrong = _mutant("encoding-without-half")
    band_limit = C.identity("dft-vanishes-outside-energy-gaps")
    leaks = []
    for seed in range(10):
        params = C.check_params(_random_params(1, 2, 100 + seed, observable=z_on_qubit(0, 1)))
        bins, dft, _, degree = dft_coefficients(wrong.physics, params)
        leaks.append(np.max(np.abs(dft[np.abs(bins) > degree])))
        right = dft_coefficients(C.physics, params)[1]
        assert np.max(np.abs(right[np.abs(bins) > degree])) < 1e-14
        assert not band_limit.check(wrong, params).holds
        coarse_bins, coarse, _, _ = dft_coefficients(wrong.physics, params, points=2 * degree + 1)
        assert coarse.size == 2 * degree + 1
        assert not np.any(np.abs(coarse_bins) > degree)  # nothing is forbidden: blind
    assert np.median(leaks) > 0.017
    assert max(leaks) > 0.13


def test_mixed_shift_conventions_give_a_visibly_wrong_gradient():
    """Mutant 2, ½[f(α + π/4) − f(α − π/4)], is off by the factor 1/√2 = sin(π/4)."""
    params = C.check_params(_random_params(2, 2, 31))
    right = spin_register(params)["parameter_shift_gradient"]
    wrong = _mutant("quarter-pi-shift-with-half-prefactor").physics.observe(params)
    np.testing.assert_allclose(
        wrong["parameter_shift_gradient"], right * math.sin(math.pi / 4), atol=1e-14
    )
    assert np.max(np.abs(wrong["parameter_shift_gradient"] - right)) > 0.05


def test_shifting_a_shared_input_once_is_wrong_unless_it_feeds_one_gate():
    single = C.check_params(_random_params(1, 1, 41))
    shared = C.check_params(_random_params(1, 3, 42))
    mutant = _mutant("shared-input-shifted-once")
    for params, wrong in ((single, False), (shared, True)):
        right = spin_register(params)["input_gradient"]
        once = mutant.physics.observe(params)["input_gradient"]
        assert bool(np.max(np.abs(once - right)) > 1e-3) is wrong


def test_single_layer_coefficients_obey_the_norm_bounds():
    """(h): for L = n = 1 and any W's, |c₁| ≤ ½‖M‖ and |c₀| ≤ ‖M‖."""
    rng = np.random.default_rng(5)
    for _ in range(200):
        observable = rng.normal(size=4)
        params = {
            "qubits": 1,
            "layers": 1,
            "generator_scale": 0.5,
            "angles": rng.uniform(-np.pi, np.pi, (2, 1, 3)).tolist(),
            "observable": observable.tolist(),
            "inputs": [0.0],
        }
        norm = np.max(np.abs(np.linalg.eigvalsh(_readout(observable, 1))))
        _, learn = _sides(params, gradients=False)
        c_minus, c_zero, c_plus = learn["coefficients"]
        assert abs(c_plus) <= norm / 2 + 1e-15
        assert abs(c_minus) <= norm / 2 + 1e-15
        assert abs(c_zero) <= norm + 1e-15


def test_spectrum_is_a_superset_coefficients_can_vanish():
    """All angles zero: |0…0⟩ is an eigenstate of every encoding, f is constant ⟨0|M|0⟩."""
    params = _random_params(2, 2, 51)
    params["angles"] = np.zeros((3, 2, 3)).tolist()
    phys, learn = _sides(params, gradients=False)
    k = np.arange(-4, 5)
    np.testing.assert_array_equal(learn["frequencies"], k)
    np.testing.assert_allclose(phys["frequencies"], k, atol=1e-14)
    np.testing.assert_allclose(learn["coefficients"][k != 0], 0, atol=1e-16)
    zero = _readout(params["observable"], 2)[0, 0].real
    np.testing.assert_allclose(phys["expectation"], zero, atol=1e-15)
    assert C.identity("dft-vanishes-outside-energy-gaps").check(C, C.check_params(params)).holds


def test_angles_are_two_pi_periodic():
    params = _random_params(2, 1, 61)
    shifted = {**params, "angles": (np.asarray(params["angles"]) + 2 * np.pi).tolist()}
    for before, after in zip(_sides(params, False), _sides(shifted, False), strict=True):
        key = "expectation" if "expectation" in before else "output"
        np.testing.assert_allclose(after[key], before[key], atol=1e-14)


def test_qubit_zero_is_the_leftmost_kronecker_factor_on_both_sides():
    """RY(π) on qubit 1 only (the CNOT 0 → 1 then does nothing): ⟨Z₀⟩ = +1 and ⟨Z₁⟩ = −1 on
    both sides, and the state is basis index 1 = |0⟩ ⊗ |1⟩ (the ordering pitfall of the spec)."""
    angles = np.zeros((2, 2, 3))
    angles[1, 1, 1] = np.pi
    for qubit, expected in ((0, 1.0), (1, -1.0)):
        params = {
            "qubits": 2,
            "layers": 1,
            "angles": angles.tolist(),
            "observable": z_on_qubit(qubit, 2),
            "inputs": [0.3],
        }
        phys, learn = _sides(params, gradients=False)
        assert phys["expectation"][0] == pytest.approx(expected, abs=1e-14)
        assert learn["output"][0] == pytest.approx(expected, abs=1e-14)
        assert phys["outcome_probabilities"][0] @ phys["outcome_values"] == pytest.approx(expected)
    full = C.check_params({**params, "observable": z_on_qubit(1, 2)})
    assert expm_expectation(full, 0.3) == pytest.approx(-1.0, abs=1e-14)


def test_shot_variance_of_a_pauli_readout_is_one_minus_f_squared():
    params = _random_params(3, 2, 71, observable=z_on_qubit(2, 3), inputs=(0.1, 2.0, -40.0))
    phys, learn = _sides(params, gradients=False)
    np.testing.assert_allclose(phys["shot_variance"], 1 - learn["output"] ** 2, atol=1e-14)
    np.testing.assert_allclose(phys["outcome_values"], [-1] * 4 + [1] * 4, atol=1e-15)
    np.testing.assert_allclose(
        phys["outcome_probabilities"] @ phys["outcome_values"], learn["output"], atol=1e-14
    )


def test_worked_example_evaluates_with_every_identity_holding():
    evaluation = C.evaluate()
    np.testing.assert_allclose(evaluation.learning["frequencies"], [-2, -1, 0, 1, 2])
    assert all(row["holds"] for row in evaluate_identities(C, evaluation))


def test_missing_parameters_follow_the_circuit_size():
    two = C.check_params({"qubits": 2})
    assert two["layers"] == EXAMPLE["layers"]
    assert two["angles"].shape == (EXAMPLE["layers"] + 1, 2, 3)
    assert two["observable"].tolist() == z_on_qubit(0, 2)
    three = C.check_params({"angles": np.zeros((2, 3, 3)).tolist()})
    assert (three["qubits"], three["layers"]) == (3, 1)
    assert three["observable"].size == 64


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"qubits": 4}, "qubits", "≤ 3"),
        ({"qubits": 0}, "qubits", "≥ 1"),
        ({"qubits": 1.5}, "qubits", "integers"),
        ({"layers": 5}, "layers", "≤ 4"),
        ({"generator_scale": 0.0}, "generator_scale", "> 0"),
        ({"angles": [[[0.1, 0.2, 0.3]]]}, "angles", "(2, 1, 3)"),
        ({"angles": [0.1, 0.2]}, "angles", "3-D"),
        ({"qubits": 2, "observable": [0, 0, 0, 1]}, "observable", "16 Pauli coefficients"),
        ({"inputs": [0.0, float("nan")]}, "inputs", "finite"),
        ({"inputs": []}, "inputs", "empty"),
        ({"shift": math.pi}, "shift", "multiple of π"),
        ({"shift": 0.0}, "shift", "multiple of π"),
        ({"qubit": 2}, "qubit", "did you mean 'qubits'"),
    ],
)
def test_invalid_parameters_name_the_parameter(params, name, words):
    with pytest.raises(ParameterError) as raised:
        C.check_params(params)
    assert raised.value.parameter == name
    assert words in str(raised.value)
