"""Quantum-networks plugin: a parametrised quantum circuit is a truncated Fourier series, and the
parameter-shift rule is its exact gradient (qnn-fourier, essay §4.3: 量子神经网络).

The circuit (the same on both sides; this is the architecture both fields describe):

    f(x) = ⟨0…0| U(x)† M U(x) |0…0⟩,   U(x) = W_L S(x) W_(L−1) ⋯ S(x) W_0,

on n qubits, with the data x uploaded L times by S(x) = exp(−i x G), G = c·Σ_q σ_z^(q) (c = ½ is
the usual RZ(x) gate on every qubit). Each trainable block W_l applies Rot(φ, θ, ω) =
RZ(ω)·RY(θ)·RZ(φ) to every qubit (RP(α) = exp(−iαP/2)) and then a CNOT ladder 0→1, 1→2, …
The readout M = Σ_P a_P P is given by its Pauli coefficients a_P (qubit 0 is the leftmost
Kronecker factor and the most significant bit of a basis index).

Two independent computations of the same model:

* the physics side is a spin register driven by the encoding Hamiltonian G for a "time" x,
  interleaved with control pulses. Every gate, rotation or encoding, is the time evolution
  exp(−itH) of its dense 2ⁿ × 2ⁿ generator H (Kronecker products of Pauli matrices) computed in
  the generator's eigenbasis (``numpy.linalg.eigh``); the state vector is propagated gate by
  gate and ⟨M⟩ read out with the dense observable. The accessible frequencies are the energy
  gaps: differences of sums of L eigenvalues of G, found numerically from its spectrum. Gradients
  are measured as hardware would, by the parameter-shift rule: each gate exp(−itH) whose
  generator has eigenvalues ±r gives ∂f/∂t = r·[f(t + s/2r) − f(t − s/2r)]/sin s, evaluated on
  the Heisenberg-picture observable (the circuit after the gate conjugating M), and a parameter
  feeding several gates (the input x feeds n·L of them) sums one such term per gate. The Born
  statistics of a readout (eigenvalues of M and their probabilities) give the shot noise;
* the learning side is the model written as the trigonometric polynomial it is. It propagates
  the state split into frequency components, ψ(x) = Σ_m e^(−i m ω₀ x/2) ψ_m (an encoding gate
  moves the component of each basis state by ±1, the sign set by that qubit's bit), applying
  gates as closed-form 2 × 2 matrices on a tensor axis and the readout Pauli string by Pauli
  string; the Fourier coefficients c_k = Σ_(m − m' = 2k) ψ_m† M ψ_m' then come without sampling
  any x, and the model is evaluated as Σ_k c_k e^(ikω₀x). Its gradient is forward-mode automatic
  differentiation of the coefficients (tangent components propagated with the state), its input
  derivative the Fourier form Σ_k ikω₀ c_k e^(ikω₀x).

The identities compare a dense simulation sampled on a grid (FFT) against coefficients computed
without sampling, a numerical spectrum against a combinatorial one, shifted evaluations against
automatic differentiation and finite differences. The tests add independent references: the
one-qubit closed form of Schuld, Sweke and Meyer, a scipy ``expm`` simulator written in the
test, least-squares Fourier fits and high-precision mpmath derivatives.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from physml import (
    Comparison,
    Correspondence,
    Identity,
    LearningMethod,
    Mutant,
    Parameter,
    ParameterError,
    PhysicalSystem,
    hookimpl,
)
from physml.compare import EPS, at_most, close
from physml_plugins import physml_catalog_dirs  # noqa: F401 - the shared catalog hook

HALF_PI = math.pi / 2
#: Rows of ``angles``: one Rot(φ, θ, ω) per qubit and trainable block, φ applied first.
ROTATION_AXES = ("Z", "Y", "Z")

# -- physics side: a spin register evolved by its Hamiltonians ------------------------------------


def _pauli(label: str) -> Any:
    import numpy as np

    return {
        "I": np.eye(2, dtype=complex),
        "X": np.array([[0, 1], [1, 0]], dtype=complex),
        "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
        "Z": np.array([[1, 0], [0, -1]], dtype=complex),
    }[label]


def _on_qubit(operator: Any, qubit: int, n: int) -> Any:
    """The 2ⁿ × 2ⁿ matrix of a one-qubit operator (qubit 0 is the leftmost Kronecker factor)."""
    import numpy as np

    return np.kron(np.kron(np.eye(2**qubit), operator), np.eye(2 ** (n - qubit - 1)))


def pauli_observable(coefficients: Any, n: int) -> Any:
    """M = Σ_P a_P P as a dense matrix; P = P_0 ⊗ … ⊗ P_(n−1), index Σ_q p_q·4^(n−1−q)."""
    import numpy as np

    return np.tensordot(np.asarray(coefficients, dtype=float), _pauli_strings(n), axes=1)


@functools.cache
def _pauli_strings(n: int) -> Any:
    """The 4ⁿ Pauli strings as dense matrices, in the index order of the coefficients."""
    import itertools

    import numpy as np

    strings = []
    for labels in itertools.product("IXYZ", repeat=n):
        term = np.ones((1, 1), dtype=complex)
        for label in labels:
            term = np.kron(term, _pauli(label))
        strings.append(term)
    strings = np.array(strings)
    strings.flags.writeable = False
    return strings


def _cnot(control: int, target: int, n: int) -> Any:
    """|0⟩⟨0|_c ⊗ 1 + |1⟩⟨1|_c ⊗ X_t."""
    import numpy as np

    zero = np.diag([1.0, 0.0]).astype(complex)
    one = np.diag([0.0, 1.0]).astype(complex)
    return _on_qubit(zero, control, n) + _on_qubit(one, control, n) @ _on_qubit(
        _pauli("X"), target, n
    )


class _Evolution:
    """exp(−itH) of a Hermitian generator, taken in its eigenbasis (the spectral theorem)."""

    def __init__(self, generator: Any) -> None:
        import numpy as np

        self.energies, self.basis = np.linalg.eigh(generator)
        #: eigenvalues ±r about their mean: the parameter-shift rule needs r
        self.radius = float(self.energies.max() - self.energies.min()) / 2

    def at(self, t: float) -> Any:
        import numpy as np

        return (self.basis * np.exp(-1j * t * self.energies)) @ self.basis.conj().T


def _distinct(values: Any, scale: float) -> Any:
    """Sorted values with near-equal ones (within 1e-9·scale) merged."""
    import numpy as np

    ordered = np.sort(np.asarray(values, dtype=float).ravel())
    keep = np.concatenate(([True], np.diff(ordered) > 1e-9 * scale))
    return ordered[keep]


def energy_gaps(generator: Any, layers: int) -> tuple[Any, Any]:
    """Spectrum of G and the gaps Λ_k − Λ_j of sums Λ of one eigenvalue per encoding layer."""
    import numpy as np

    spectrum = np.linalg.eigvalsh(generator)
    scale = max(float(np.max(np.abs(spectrum))) * layers, 1e-300)  # relative merging
    levels = _distinct(spectrum, scale)
    sums = np.zeros(1)
    for _ in range(layers):
        sums = _distinct(np.add.outer(sums, levels), scale)
    return spectrum, _distinct(np.subtract.outer(sums, sums), scale)


@functools.lru_cache(maxsize=64)
def _generators(n: int, c: float) -> tuple[list[Any], list[Any], dict[str, list[Any]]]:
    """CNOTs, encoding evolutions exp(−ixcσ_z^(q)) and rotations exp(−iασ/2) on each qubit."""
    cnots = [_cnot(q, q + 1, n) for q in range(n - 1)]
    encodings = [_Evolution(c * _on_qubit(_pauli("Z"), q, n)) for q in range(n)]
    rotations = {
        axis: [_Evolution(_on_qubit(_pauli(axis), q, n) / 2) for q in range(n)] for axis in "YZ"
    }
    return cnots, encodings, rotations


def _program(params: dict[str, Any]) -> tuple[list[tuple[str, int, Any]], int]:
    """The gate sequence: (kind, index, evolution or fixed matrix); kind is angle/input/fixed."""
    n, layers = int(params["qubits"]), int(params["layers"])
    cnots, encodings, rotations = _generators(n, float(params["generator_scale"]))
    gates: list[tuple[str, int, Any]] = []
    occurrence = 0
    for block in range(layers + 1):
        if block > 0:
            for q in range(n):
                gates.append(("input", occurrence, encodings[q]))
                occurrence += 1
        for q in range(n):
            for k, axis in enumerate(ROTATION_AXES):
                index = (block * n + q) * len(ROTATION_AXES) + k
                gates.append(("angle", index, rotations[axis][q]))
        gates.extend(("fixed", -1, gate) for gate in cnots)
    return gates, occurrence


def spin_register(params: dict[str, Any]) -> dict[str, Any]:
    """Simulate the encoded spin register: ⟨M⟩, energy gaps, shift-rule gradients, shot noise.

    ``params["gradients"] = False`` skips the parameter-shift gradients (checks that only need
    expectation values at many inputs use it).
    """
    import numpy as np

    n, layers = int(params["qubits"]), int(params["layers"])
    c = float(params["generator_scale"])
    angles = np.asarray(params["angles"], dtype=float).ravel()
    inputs = np.atleast_1d(np.asarray(params["inputs"], dtype=float))
    s = float(params.get("shift", HALF_PI))
    with_gradients = params.get("gradients", True)
    observable = pauli_observable(np.asarray(params["observable"], dtype=float), n)
    encoding = c * sum(_on_qubit(_pauli("Z"), q, n) for q in range(n))
    spectrum, gaps = energy_gaps(encoding, layers)
    gates, occurrences = _program(params)
    outcome_values, outcome_basis = np.linalg.eigh(observable)

    fixed = [gate if kind == "fixed" else None for kind, _, gate in gates]
    for i, (kind, index, gate) in enumerate(gates):
        if kind == "angle":
            fixed[i] = gate.at(angles[index])

    expectation = np.empty(inputs.size)
    imaginary = np.empty(inputs.size)
    variance = np.empty(inputs.size)
    probabilities = np.empty((inputs.size, 2**n))
    shift_gradient = np.full((inputs.size, angles.size), np.nan)
    input_gradient = np.full(inputs.size, np.nan)
    for row, x in enumerate(inputs):
        unitaries = [
            g.at(x) if kind == "input" else u for (kind, _, g), u in zip(gates, fixed, strict=True)
        ]
        state = np.zeros(2**n, dtype=complex)
        state[0] = 1.0
        before = []  # the state entering each gate
        for u in unitaries:
            before.append(state)
            state = u @ state
        measured = observable @ state
        value = np.vdot(state, measured)
        expectation[row], imaginary[row] = value.real, value.imag
        variance[row] = np.vdot(measured, measured).real - value.real**2
        probabilities[row] = np.abs(outcome_basis.conj().T @ state) ** 2
        if not with_gradients:
            continue
        # Heisenberg picture: the observable seen right after each gate, A_k = V_k† M V_k.
        after = [observable] * len(unitaries)
        for k in range(len(unitaries) - 1, 0, -1):
            after[k - 1] = unitaries[k].conj().T @ after[k] @ unitaries[k]

        def shifted(k: int, t: float, before: list = before, after: list = after) -> float:
            phi = gates[k][2].at(t) @ before[k]
            return float(np.vdot(phi, after[k] @ phi).real)

        dx = 0.0
        for k, (kind, index, gate) in enumerate(gates):
            if kind == "fixed":
                continue
            t = angles[index] if kind == "angle" else x
            r = gate.radius
            step = s / (2 * r)
            term = r * (shifted(k, t + step) - shifted(k, t - step)) / math.sin(s)
            if kind == "angle":
                shift_gradient[row, index] = term
            else:
                dx += term  # x feeds every encoding gate: one shift term per occurrence
        input_gradient[row] = dx
    return {
        "expectation": expectation,
        "imaginary_part": imaginary,
        "generator_eigenvalues": spectrum,
        "frequencies": gaps,
        "parameter_shift_gradient": shift_gradient,
        "input_gradient": input_gradient,
        "encoding_gates": occurrences,
        "shot_variance": variance,
        "outcome_values": outcome_values,
        "outcome_probabilities": probabilities,
    }


# -- learning side: the trigonometric-polynomial model --------------------------------------------


def _rotation(axis: str, angle: float) -> tuple[Any, Any]:
    """RP(α) = cos(α/2)·1 − i sin(α/2)·P and its derivative in α, in closed form."""
    import numpy as np

    cos, sin = math.cos(angle / 2), math.sin(angle / 2)
    if axis == "Y":
        gate = np.array([[cos, -sin], [sin, cos]], dtype=complex)
        derivative = 0.5 * np.array([[-sin, -cos], [cos, -sin]], dtype=complex)
    else:
        gate = np.diag([cos - 1j * sin, cos + 1j * sin])
        derivative = 0.5 * np.diag([-sin - 1j * cos, -sin + 1j * cos])
    return gate, derivative


def _apply(matrix: Any, tensor: Any, qubit: int, n: int) -> Any:
    """Apply a 2 × 2 matrix to one qubit of the last axis of ``tensor`` (basis index)."""
    import numpy as np

    shape = tensor.shape
    split = tensor.reshape(*shape[:-1], 2**qubit, 2, 2 ** (n - qubit - 1))
    zero, one = split[..., 0, :], split[..., 1, :]
    out = np.empty_like(split)
    out[..., 0, :] = matrix[0, 0] * zero + matrix[0, 1] * one
    out[..., 1, :] = matrix[1, 0] * zero + matrix[1, 1] * one
    return out.reshape(shape)


def _bit(n: int, qubit: int) -> Any:
    """The bit of ``qubit`` in every basis index (qubit 0 is the most significant bit)."""
    import numpy as np

    return (np.arange(2**n) >> (n - 1 - qubit)) & 1


@functools.cache
def _pauli_actions(n: int) -> tuple[Any, Any]:
    """For every Pauli string P: (P ψ)[b] = phase[P, b]·ψ[source[P, b]] (bit flips, phases)."""
    import itertools

    import numpy as np

    index = np.arange(2**n)
    sources, phases = [], []
    for labels in itertools.product("IXYZ", repeat=n):
        phase = np.ones(2**n, dtype=complex)
        source = index.copy()
        for q, label in enumerate(labels):
            bit = _bit(n, q)
            if label in "XY":
                source ^= 1 << (n - 1 - q)
            if label == "Z":
                phase *= 1 - 2 * bit
            elif label == "Y":
                phase *= 1j * (2 * bit - 1)  # Y|0⟩ = i|1⟩, Y|1⟩ = −i|0⟩: output bit 1 gets +i
        sources.append(source)
        phases.append(phase)
    return np.array(sources), np.array(phases)


def fourier_model(params: dict[str, Any], *, conjugate: bool = True) -> dict[str, Any]:
    """The circuit as a trigonometric polynomial: coefficients, values, gradients.

    ``params["gradients"] = False`` skips the tangents (automatic differentiation).
    ``conjugate=False`` is the missing-conjugate mutant.
    """
    import numpy as np

    n, reuploads = int(params["width"]), int(params["reuploads"])
    omega0 = float(params["base_frequency"])
    weights = np.asarray(params["weights"], dtype=float).reshape(reuploads + 1, n, 3)
    readout = np.asarray(params["readout"], dtype=float)
    inputs = np.atleast_1d(np.asarray(params["inputs"], dtype=float))
    with_gradients = params.get("gradients", True)
    degree = n * reuploads
    tangents = weights.size if with_gradients else 0
    # tensor[0] is the state, tensor[1 + j] its derivative in weight j; axis 1 is the frequency
    # component m ∈ [−nL, nL] (phase e^(−imω₀x/2)), axis 2 the basis index.
    tensor = np.zeros((1 + tangents, 2 * degree + 1, 2**n), dtype=complex)
    tensor[0, degree, 0] = 1.0
    for block in range(reuploads + 1):
        if block > 0:
            for q in range(n):
                up = _bit(n, q) == 0  # e^(−iω₀x/2) on |0⟩: component m → m + 1
                moved = np.zeros_like(tensor)
                moved[:, 1:, up] = tensor[:, :-1, up]
                moved[:, :-1, ~up] = tensor[:, 1:, ~up]
                tensor = moved
        for q in range(n):
            for k, axis in enumerate(ROTATION_AXES):
                gate, derivative = _rotation(axis, weights[block, q, k])
                primal = tensor[0]
                tensor = _apply(gate, tensor, q, n)
                if with_gradients:
                    j = (block * n + q) * 3 + k
                    tensor[1 + j] += _apply(derivative, primal, q, n)
        for q in range(n - 1):  # CNOT q → q + 1: flip the target where the control bit is 1
            index = np.arange(2**n)
            tensor = tensor[..., index ^ (_bit(n, q) << (n - 2 - q))]
    state = tensor[0]
    sources, phases = _pauli_actions(n)
    used = np.flatnonzero(readout)
    # M ψ = Σ_P a_P P ψ, one Pauli string at a time (only those in the readout)
    measured = np.einsum("p,mpb->mb", readout[used] * 1.0, state[:, sources[used]] * phases[used])

    size = 2 * degree + 1
    offsets = np.subtract.outer(np.arange(size), np.arange(size)).ravel()  # m − m'
    select = (offsets[:, None] == 2 * np.arange(-degree, degree + 1)[None, :]).astype(float)

    def diagonals(left: Any, right: Any) -> Any:
        """c_k = Σ_(m − m' = 2k) left_m† right_m' for k = −nL … nL (leading axes kept)."""
        gram = np.matmul(left.conj() if conjugate else left, np.swapaxes(right, -1, -2))
        return gram.reshape(*gram.shape[:-2], size * size) @ select

    coefficients = diagonals(state, measured)
    frequencies = omega0 * np.arange(-degree, degree + 1)
    waves = np.exp(1j * np.outer(inputs, frequencies))  # e^(ikω₀x), one row per input
    values = waves @ coefficients
    result = {
        "degree": degree,
        "frequencies": _model_spectrum(omega0, degree),
        "coefficients": coefficients,
        "output": values.real,
        "output_imaginary": values.imag,
        "input_gradient": (waves @ (1j * frequencies * coefficients)).real,
    }
    if with_gradients:
        # ∂c = ∂ψ† Mψ + (Mψ)† ∂ψ (M is Hermitian)
        dcoefficients = diagonals(tensor[1:], measured) + diagonals(measured, tensor[1:])
        result["gradient"] = (waves @ dcoefficients.T).real
    return result


def _model_spectrum(omega0: float, degree: int) -> Any:
    """Frequencies from the feature map: each of the nL uploads adds a phase ±ω₀/2."""
    import numpy as np

    plus = np.arange(degree + 1)  # number of uploads with phase +ω₀/2
    sums = 2 * plus - degree  # total phase, in units of ω₀/2 (integers: no rounding)
    return omega0 / 2 * np.unique(np.subtract.outer(sums, sums))


def learning_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: qubits → width, layers → re-uploads, c → ω₀ = 2c, angles →
    weights, observable → readout (physics-only keys such as the shift are dropped)."""
    learning = {
        "width": params["qubits"],
        "reuploads": params["layers"],
        "base_frequency": 2 * float(params["generator_scale"]),
        "weights": params["angles"],
        "readout": params["observable"],
        "inputs": params["inputs"],
    }
    if "gradients" in params:
        learning["gradients"] = params["gradients"]
    return learning


# -- parameters, validation and strategies --------------------------------------------------------

EXAMPLE: dict[str, Any] = {
    "qubits": 1,
    "layers": 2,
    "generator_scale": 0.5,
    "angles": [[[0.3, 1.1, -0.4]], [[0.9, -0.7, 0.2]], [[-1.3, 0.5, 0.8]]],
    "observable": [0.0, 0.0, 0.0, 1.0],
    "inputs": [0.0, 0.5, 1.5, 3.0],
    "shift": HALF_PI,
}


def _qubits_from(values: dict[str, Any]) -> int:
    if "angles" in values:
        return int(values["angles"].shape[1])
    if "observable" in values:
        return max(1, round(math.log(values["observable"].size, 4)))
    return EXAMPLE["qubits"]


def _layers_from(values: dict[str, Any]) -> int:
    if "angles" in values:
        return max(1, int(values["angles"].shape[0]) - 1)
    return EXAMPLE["layers"]


def default_angles(values: dict[str, Any]) -> Any:
    """A fixed quasi-random pattern in [−π, π) (golden-ratio sequence), shape (L + 1, n, 3)."""
    import numpy as np

    n, layers = values["qubits"], values["layers"]
    golden = (math.sqrt(5) - 1) / 2
    j = np.arange(1, (layers + 1) * n * 3 + 1)
    return (math.pi * (2 * ((j * golden) % 1.0) - 1)).reshape(layers + 1, n, 3).tolist()


def z_on_qubit(qubit: int, n: int) -> list[float]:
    """Pauli coefficients of σ_z on one qubit (index 3·4^(n−1−q))."""
    coefficients = [0.0] * 4**n
    coefficients[3 * 4 ** (n - 1 - qubit)] = 1.0
    return coefficients


QUBITS = Parameter(
    "qubits",
    "number of qubits n (spins ½); the state vector has 2ⁿ amplitudes",
    "integer 1 ≤ n ≤ 3",
    integer=True,
    minimum=1,
    maximum=3,
    neutral=_qubits_from,
)
LAYERS = Parameter(
    "layers",
    "number of encoding layers L: the input is uploaded L times, between L + 1 trainable blocks",
    "integer 1 ≤ L ≤ 4",
    integer=True,
    minimum=1,
    maximum=4,
    neutral=_layers_from,
)
GENERATOR_SCALE = Parameter(
    "generator_scale",
    "c in the encoding Hamiltonian G = c·Σ_q σ_z^(q) (c = ½: the RZ(x) gate on every qubit)",
    "c > 0",
    minimum=0.0,
    exclusive=True,
)
ANGLES = Parameter(
    "angles",
    "trainable angles (φ, θ, ω) of Rot = RZ(ω)·RY(θ)·RZ(φ) per block and qubit (radians); "
    "default: a fixed golden-ratio pattern",
    "finite reals, shape (L + 1, n, 3)",
    shape="(L + 1, n, 3)",
    ndim=3,
    neutral=default_angles,
)
OBSERVABLE = Parameter(
    "observable",
    "readout M = Σ_P a_P P as Pauli coefficients a_P, P ∈ {I, X, Y, Z}^⊗n, index Σ_q p_q·4^(n−1−q) "
    "with I, X, Y, Z = 0, 1, 2, 3 and qubit 0 first; default σ_z on qubit 0",
    "finite reals, 4ⁿ of them",
    shape="(4ⁿ,)",
    ndim=1,
    neutral=lambda values: z_on_qubit(0, values["qubits"]),
)
INPUTS = Parameter(
    "inputs",
    "data points x at which the model f(x) = ⟨M⟩ is evaluated",
    "finite reals",
    shape="(m,)",
    ndim=1,
)
SHIFT = Parameter(
    "shift",
    "shift s of the parameter-shift rule, ∂f = r·[f(t + s/2r) − f(t − s/2r)]/sin s for a gate "
    "with generator eigenvalues ±r (s = π/2 is the usual rule)",
    "real, not a multiple of π",
)


def validate(values: dict[str, Any]) -> None:
    """Shapes that follow from n and L, and a shift away from the multiples of π."""
    n, layers = values["qubits"], values["layers"]
    expected = (layers + 1, n, 3)
    if tuple(values["angles"].shape) != expected:
        raise ParameterError(
            "angles",
            f"expected shape (L + 1, n, 3) = {expected} for layers = {layers} and qubits = {n}, "
            f"got {tuple(values['angles'].shape)}",
        )
    if values["observable"].size != 4**n:
        raise ParameterError(
            "observable",
            f"expected 4ⁿ = {4**n} Pauli coefficients for qubits = {n}, "
            f"got {values['observable'].size}",
        )
    if abs(math.sin(values["shift"])) < 1e-6:
        raise ParameterError(
            "shift",
            f"must not be a multiple of π (the rule divides by sin s), got {values['shift']}",
        )


def qnn_strategy() -> Any:
    """n ≤ 3, L ≤ 4, c ∈ {½, 1, 3/2} or log-uniform in [0.1, 10]; angles uniform in [−π, π] or in
    [−100, 100] (stress); σ_z on qubit 0, one Pauli string ±P, or a random M with Σ|a_P| = 1
    times a log-uniform scale; 1–4 inputs with |x| ≤ 10 or ≤ 10³; shift π/2 or in (0.1, 3).

    The many angles and coefficients come from a numpy generator whose seed hypothesis draws
    (a parameter pattern, not the seed of a statistical test): drawing each of up to 45 angles
    and 64 coefficients through hypothesis would cost more than the checks themselves.
    """
    import numpy as np
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(1, 3))
        layers = draw(st.integers(1, 4))
        c = draw(st.one_of(st.sampled_from([0.5, 1.0, 1.5]), st.floats(-1, 1).map(lambda t: 10**t)))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        span = draw(st.sampled_from([math.pi, 100.0]))
        angles = rng.uniform(-span, span, (layers + 1, n, 3))
        kind = draw(st.sampled_from(["z0", "pauli", "random"]))
        if kind == "z0":
            observable = np.array(z_on_qubit(0, n))
        elif kind == "pauli":
            observable = np.zeros(4**n)
            observable[draw(st.integers(0, 4**n - 1))] = draw(st.sampled_from([1.0, -1.0]))
        else:
            raw = rng.uniform(-1, 1, 4**n)
            observable = raw / np.abs(raw).sum() * 10 ** draw(st.floats(-2, 2))
        x = st.one_of(st.floats(-10, 10), st.floats(-1e3, 1e3))
        inputs = draw(st.lists(x, min_size=1, max_size=4))
        shift = draw(st.one_of(st.just(HALF_PI), st.floats(0.1, 3.0)))
        return {
            "qubits": n,
            "layers": layers,
            "generator_scale": c,
            "angles": angles.tolist(),
            "observable": observable.tolist(),
            "inputs": inputs,
            "shift": shift,
        }

    return draw()


# Plain Python here: these run at import, and `physml list` must not import numpy.
def _random_observable(n: int, seed: int) -> list[float]:
    import random

    draw = random.Random(seed)
    raw = [draw.uniform(-1, 1) for _ in range(4**n)]
    total = sum(abs(r) for r in raw)
    return [r / total for r in raw]


def _stress_angles(layers: int, n: int) -> list[Any]:
    def angle(j: int) -> float:
        return 100.0 * math.cos(1.7 * j + 0.3)

    return [
        [[angle((layer * n + q) * 3 + a) for a in range(3)] for q in range(n)]
        for layer in range(layers + 1)
    ]


# Examples that always run: c ≠ ½ (so a doubled generator shows), angles near ±100, |x| = 10³,
# the shifts 0.1 and 3, σ_z on the last qubit (so a reversed qubit order shows), n·L ≥ 2 (so an
# input shared by several gates shows).
STRESS_EXAMPLES = (
    {
        "qubits": 3,
        "layers": 4,
        "generator_scale": 1.5,
        "angles": _stress_angles(4, 3),
        "observable": z_on_qubit(0, 3),
        "inputs": [-1000.0, 1000.0, 0.0],
        "shift": 0.1,
    },
    {
        "qubits": 2,
        "layers": 3,
        "generator_scale": 1.0,
        "angles": _stress_angles(3, 2),
        "observable": _random_observable(2, 11),
        "inputs": [0.25, -7.5],
        "shift": 3.0,
    },
    {
        "qubits": 2,
        "layers": 1,
        "generator_scale": 0.5,
        "angles": [[[0.4, 1.2, -0.3], [0.8, -0.6, 1.9]], [[-1.1, 0.7, 0.5], [2.0, -1.4, 0.1]]],
        "observable": z_on_qubit(1, 2),
        "inputs": [0.9, 2.2],
        "shift": 1.0,
    },
)


# -- tolerances -----------------------------------------------------------------------------------


def _norm_bound(params: dict[str, Any]) -> float:
    """Σ|a_P| ≥ ‖M‖ (each Pauli string has norm 1)."""
    import numpy as np

    return float(np.abs(np.asarray(params["observable"], dtype=float)).sum())


def _degree(params: dict[str, Any]) -> int:
    return int(params["qubits"]) * int(params["layers"])


def _max_frequency(params: dict[str, Any]) -> float:
    return 2 * float(params["generator_scale"]) * _degree(params)


def _budget(params: dict[str, Any], inputs: Any = None) -> Any:
    """Φ(x): the rounding budget of one value f(x), in units of eps·‖M‖.

    Each gate is a product of rounded exponentials, its phase carrying an absolute error eps
    times its argument: the angles contribute Σ|α|/2; the model's 2K + 1 terms c_k e^(iω_k x)
    contribute ω_max·|x|·Σ|c_k|/‖M‖ ≤ ω_max·|x|·√(2K + 1) (Parseval); and each of the gates and
    terms adds a few roundings of order one.
    """
    import numpy as np

    n, layers = int(params["qubits"]), int(params["layers"])
    x = np.abs(np.atleast_1d(np.asarray(params["inputs"] if inputs is None else inputs, float)))
    gates = (layers + 1) * n * 3 + n * layers + (layers + 1) * (n - 1)
    terms = 2 * _degree(params) + 1
    angles = float(np.abs(np.asarray(params["angles"], dtype=float)).sum()) / 2
    return gates + terms + angles + _max_frequency(params) * x * math.sqrt(terms)


def _value_tolerance(params: dict[str, Any], inputs: Any = None) -> Any:
    """8·eps·Σ|a_P|·Φ(x): the allowed difference of two computations of f(x)."""
    return 8 * EPS * _norm_bound(params) * _budget(params, inputs)


def _observe(c: Correspondence, params: dict[str, Any], gradients: bool = False) -> tuple:
    values = {**params, "gradients": gradients}
    return c.physics.observe(values), c.learning.observe(c.translate(values))


# -- identities -----------------------------------------------------------------------------------


def check_frequencies(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Ω from the eigenvalues of G (physics) = the feature map's ±ω₀/2 phases (learning)."""
    phys, learn = _observe(c, params)
    atol = 16 * EPS * (1 + _max_frequency(params)) * (1 + int(params["layers"]))
    return close(learn["frequencies"], phys["frequencies"], atol=atol)


def dft_coefficients(
    physics: PhysicalSystem, params: dict[str, Any], points: int | None = None
) -> tuple[Any, Any, float, int]:
    """(bins k, DFT ĉ_k, ω₀, K) of the simulated f on P equispaced points of one period.

    ω₀ and K come from the physics side's energy gaps (ω₀ the smallest positive gap, Kω₀ the
    largest); P defaults to 4K + 3, which separates every frequency up to 2Kω₀ (a doubled
    generator) from the allowed band. P = 2K + 1 would fold such a frequency into the band.
    """
    import numpy as np

    gaps = np.asarray(physics.observe({**params, "gradients": False})["frequencies"])
    positive = gaps[gaps > 0]
    omega0 = float(positive.min()) if positive.size else 1.0
    degree = round(float(gaps.max()) / omega0) if positive.size else 0
    size = 4 * degree + 3 if points is None else points
    grid = 2 * math.pi * np.arange(size) / (omega0 * size)
    samples = physics.observe({**params, "inputs": grid, "gradients": False})["expectation"]
    bins = np.rint(np.fft.fftfreq(size, 1.0 / size)).astype(int)
    return bins, np.fft.fft(samples) / size, omega0, degree


def check_band_limit(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """DFT of the simulation on 4K + 3 points: zero outside ±K, the learned c_k inside."""
    import numpy as np

    bins, dft, omega0, degree = dft_coefficients(c.physics, params)
    learn = c.learning.observe(c.translate({**params, "gradients": False}))
    size = bins.size
    budget = float(_budget(params, 2 * math.pi / omega0)[0])
    atol = 8 * EPS * _norm_bound(params) * (budget + math.log2(size))
    forbidden = np.abs(bins) > degree
    leakage = float(np.max(np.abs(dft[forbidden])))
    order = np.argsort(bins)
    inside = dft[order][np.abs(bins[order]) <= degree]
    norm = _norm_bound(params)
    result = close(inside.real, np.real(learn["coefficients"]), atol=atol, scale=norm) & close(
        inside.imag, np.imag(learn["coefficients"]), atol=atol, scale=norm
    )
    result &= at_most(leakage, atol, label="leakage")
    return Comparison(
        result.holds,
        max(result.abs_error, leakage),
        result.rel_error,
        detail={"leakage": leakage, "leakage_bound": atol, "points": size},
        tolerance_used=result.tolerance_used,
    )


def check_hermitian(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """c_(−ω) = conj(c_ω): the coefficients of a real function, computed without assuming it."""
    import numpy as np

    learn = c.learning.observe(c.translate({**params, "gradients": False}))
    coefficients = np.asarray(learn["coefficients"])
    atol = 8 * EPS * _norm_bound(params) * _budget(params, 0.0)
    mirrored = coefficients[::-1]
    norm = _norm_bound(params)
    return close(mirrored.real, coefficients.real, atol=atol, scale=norm) & close(
        mirrored.imag, -coefficients.imag, atol=atol, scale=norm
    )


def check_reconstruction(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Σ_k c_k e^(ikω₀x) at the inputs = the simulated ⟨M⟩; both imaginary parts are roundoff."""
    phys, learn = _observe(c, params)
    atol = _value_tolerance(params)
    result = close(learn["output"], phys["expectation"], atol=atol, scale=_norm_bound(params))
    residual = at_most(abs(phys["imaginary_part"]), atol, label="physics_imaginary")
    residual &= at_most(abs(learn["output_imaginary"]), atol, label="learning_imaginary")
    return Comparison(
        result.holds and residual.holds,
        result.abs_error,
        result.rel_error,
        detail=residual.detail,
        tolerance_used=result.tolerance_used,
    )


def _spread_indices(size: int, count: int) -> list[int]:
    """Up to ``count`` indices spread over range(size), first and last included."""
    import numpy as np

    return sorted({int(j) for j in np.linspace(0, size - 1, min(size, count)).round()})


def _shifted(params: dict[str, Any], index: int, step: float) -> dict[str, Any]:
    import numpy as np

    angles = np.array(params["angles"], dtype=float)
    angles.flat[index] += step
    return {**params, "angles": angles}


def check_parameter_shift(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Shift rule at s = π/2 = forward-mode autodiff = central differences (h = 1e-5)."""
    import numpy as np

    values = {**params, "shift": HALF_PI}
    phys, learn = _observe(c, values, gradients=True)
    f_tol = _value_tolerance(params)[:, None]
    n_angles = np.asarray(params["angles"]).size
    omega = _max_frequency(params)
    occurrences = _degree(params)
    c_scale = float(params["generator_scale"])
    # exact vs exact: the rule takes two values (each within f_tol) times r/sin s, r = ½ or c
    angle_tol = 2 * 0.5 * f_tol + 16 * EPS * _norm_bound(params)
    input_tol = 2 * c_scale * occurrences * f_tol[:, 0] + 16 * EPS * omega * _norm_bound(params)
    shift_rule = np.asarray(phys["parameter_shift_gradient"])
    # relative errors against the largest possible slope: ‖M‖ per angle, ω_max·‖M‖ in x
    norm = _norm_bound(params)
    x_scale = max(omega, 1.0) * norm
    result = close(shift_rule, learn["gradient"], atol=angle_tol, scale=norm)
    result &= close(phys["input_gradient"], learn["input_gradient"], atol=input_tol, scale=x_scale)
    # central differences of the learning side's model: h²|f'''|/6 + rounding/h
    h = 1e-5
    terms = 2 * occurrences + 1
    chosen = _spread_indices(n_angles, 4)
    fd = np.empty((shift_rule.shape[0], len(chosen)))
    for i, j in enumerate(chosen):
        plus = c.learning.observe(c.translate({**_shifted(values, j, h), "gradients": False}))
        minus = c.learning.observe(c.translate({**_shifted(values, j, -h), "gradients": False}))
        fd[:, i] = (plus["output"] - minus["output"]) / (2 * h)
    fd_tol = 2 * h**2 * norm / 6 + f_tol / h
    result &= close(shift_rule[:, chosen], fd, atol=fd_tol, scale=norm)
    hx = h / max(omega, 1.0)
    x = np.asarray(params["inputs"], dtype=float)
    plus = c.learning.observe(c.translate({**values, "inputs": x + hx, "gradients": False}))
    minus = c.learning.observe(c.translate({**values, "inputs": x - hx, "gradients": False}))
    fd_x = (plus["output"] - minus["output"]) / (2 * hx)
    fd_x_tol = 2 * hx**2 * omega**3 * math.sqrt(terms) * norm / 6 + f_tol[:, 0] / hx
    result &= close(phys["input_gradient"], fd_x, atol=fd_x_tol, scale=x_scale)
    return result


def check_general_shift(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """r·[f(t + s/2r) − f(t − s/2r)]/sin s is the same gradient for every s ∉ πℤ: the one at
    s = π/2, and the learning side's autodiff."""
    s = float(params["shift"])
    general = c.physics.observe({**params, "gradients": True})
    usual = c.physics.observe({**params, "shift": HALF_PI, "gradients": True})
    learn = c.learning.observe(c.translate({**params, "gradients": True}))
    f_tol = _value_tolerance(params)
    amplification = 1 + 1 / abs(math.sin(s))
    angle_tol = (2 * 0.5 * f_tol * amplification)[:, None]
    input_tol = 2 * float(params["generator_scale"]) * _degree(params) * f_tol * amplification
    norm = _norm_bound(params)
    x_scale = max(_max_frequency(params), 1.0) * norm
    result = Comparison(True)
    for reference, name in ((usual, "parameter_shift_gradient"), (learn, "gradient")):
        result &= close(
            general["parameter_shift_gradient"], reference[name], atol=angle_tol, scale=norm
        )
        result &= close(
            general["input_gradient"], reference["input_gradient"], atol=input_tol, scale=x_scale
        )
    return result


def check_first_harmonic(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """f as a function of one angle is A + B cos α + C sin α: three samples predict a fourth."""
    import numpy as np

    chosen = _spread_indices(np.asarray(params["angles"]).size, 4)
    deltas = np.array([0.0, 2 * math.pi / 3, -2 * math.pi / 3])
    probe = 1.0
    f_tol = _value_tolerance(params) + 8 * EPS * _norm_bound(params) * 2 * math.pi
    result = Comparison(True)
    for j in chosen:
        alpha = float(np.asarray(params["angles"], dtype=float).flat[j])
        samples = np.array(
            [
                c.physics.observe({**_shifted(params, j, d), "gradients": False})["expectation"]
                for d in deltas
            ]
        )
        design = np.column_stack([np.ones(3), np.cos(alpha + deltas), np.sin(alpha + deltas)])
        a, b, cc = np.linalg.solve(design, samples)
        predicted = a + b * math.cos(alpha + probe) + cc * math.sin(alpha + probe)
        direct = c.learning.observe(
            c.translate({**_shifted(params, j, probe), "gradients": False})
        )["output"]
        # the 3-point fit at equispaced angles has ‖design⁻¹‖ ≤ 5/3 per predicted value
        result &= close(predicted, direct, atol=4 * f_tol, scale=_norm_bound(params))
    return result


def closed_form_strategy() -> Any:
    """W₀ = RY(θ₀), S = RZ(x), W₁ = RY(θ₁), M = σ_z; θ in [−π, π] or up to ±100, |x| ≤ 10³."""
    from hypothesis import strategies as st

    angle = st.one_of(st.floats(-math.pi, math.pi), st.floats(-100, 100))
    x = st.one_of(st.floats(-10, 10), st.floats(-1e3, 1e3))
    return st.fixed_dictionaries(
        {"theta0": angle, "theta1": angle, "inputs": st.lists(x, min_size=1, max_size=4)}
    )


def one_qubit_circuit(theta0: float, theta1: float, inputs: Any) -> dict[str, Any]:
    """The parameters of RY(θ₁)·RZ(x)·RY(θ₀)|0⟩ read out with σ_z."""
    return {
        "qubits": 1,
        "layers": 1,
        "generator_scale": 0.5,
        "angles": [[[0.0, theta0, 0.0]], [[0.0, theta1, 0.0]]],
        "observable": [0.0, 0.0, 0.0, 1.0],
        "inputs": list(inputs),
        "shift": HALF_PI,
    }


def check_closed_form(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """f = cos θ₀ cos θ₁ − sin θ₀ sin θ₁ cos x; c₀ = cos θ₀ cos θ₁, c_(±1) = −½ sin θ₀ sin θ₁."""
    import numpy as np

    t0, t1 = float(params["theta0"]), float(params["theta1"])
    x = np.asarray(params["inputs"], dtype=float)
    circuit = one_qubit_circuit(t0, t1, x)
    phys, learn = _observe(c, circuit)
    exact = np.cos(t0) * np.cos(t1) - np.sin(t0) * np.sin(t1) * np.cos(x)
    side = -0.5 * np.sin(t0) * np.sin(t1)
    coefficients = np.array([side, np.cos(t0) * np.cos(t1), side])
    atol = _value_tolerance(circuit)
    result = close(phys["expectation"], exact, atol=atol, scale=1.0)
    result &= close(learn["output"], exact, atol=atol, scale=1.0)
    got = np.asarray(learn["coefficients"])
    if got.shape != coefficients.shape:
        return Comparison(False, math.inf, math.inf, detail={"coefficients": got.shape})
    coefficient_tol = float(_value_tolerance(circuit, 0.0)[0])
    result &= close(got.real, coefficients, atol=coefficient_tol, scale=1.0)
    return result & close(got.imag, np.zeros(3), atol=coefficient_tol, scale=1.0)


SHOTS = 20_000
SHOT_SEED = 20_210_302  # fixed: hypothesis never draws the seed of a statistical test
Z_BOUND = 6.0


def check_shot_noise(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Born-rule shots: the mean estimates f within 6 standard errors, the spread the quantum
    variance ⟨M²⟩ − ⟨M⟩²; for one Pauli string a·P that variance is a² − f² exactly."""
    import numpy as np

    phys, learn = _observe(c, params)
    values = np.asarray(phys["outcome_values"], dtype=float)
    f = np.asarray(learn["output"], dtype=float)
    variance = np.asarray(phys["shot_variance"], dtype=float)
    atol = _value_tolerance(params)
    scale = _norm_bound(params)
    rng = np.random.default_rng(SHOT_SEED)
    worst = 0.0
    result = Comparison(True)
    for row, probabilities in enumerate(np.asarray(phys["outcome_probabilities"])):
        p = np.clip(probabilities, 0.0, None)
        counts = rng.multinomial(SHOTS, p / p.sum())
        mean = counts @ values / SHOTS
        squares = (values - f[row]) ** 2
        spread = counts @ squares / SHOTS
        sd_mean = math.sqrt(max(counts @ (values - mean) ** 2 / (SHOTS - 1), 0.0))
        sd_spread = math.sqrt(max(counts @ (squares - spread) ** 2 / (SHOTS - 1), 0.0))
        # rounding floors: f is known to atol, a squared deviation to 4·Σ|a_P|·atol
        floors = (atol[row], 4 * scale * atol[row] + 16 * EPS * scale**2)
        pairs = ((mean, f[row], sd_mean), (spread, variance[row], sd_spread))
        for (estimate, target, sd), floor in zip(pairs, floors, strict=True):
            excess = max(abs(estimate - target) - floor, 0.0)
            if excess == 0.0:
                continue
            # sd = 0: every shot gave the same value, and the estimate must then be exact
            z = excess / (sd / math.sqrt(SHOTS)) if sd > 0 else math.inf
            worst = max(worst, z)
            result &= at_most(z, Z_BOUND, label="z")
    coefficients = np.asarray(params["observable"], dtype=float)
    nonzero = np.flatnonzero(coefficients)
    if nonzero.size == 1:
        a = coefficients[nonzero[0]]
        result &= close(variance, a**2 - f**2, atol=4 * scale * atol + 16 * EPS * scale**2)
    else:
        result &= at_most(variance, scale**2 - f**2 + 4 * scale * atol, label="variance")
    # reported as a fraction of the z bound, so that the report keeps the worst example's z
    return Comparison(
        result.holds,
        result.abs_error,
        max(result.rel_error, worst / Z_BOUND),
        detail={"max_z": worst, "z_bound": Z_BOUND, "shots": SHOTS},
        tolerance_used=worst / Z_BOUND,
    )


# -- mutants --------------------------------------------------------------------------------------


def _simulated(params: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return spin_register({**params, **changes, "gradients": False})


def _encoding_without_half(c: Correspondence) -> Correspondence:
    """exp(−ixσ_z) where the circuit says exp(−ixσ_z/2): twice the generator in the simulation."""

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        wrong = _simulated(p, generator_scale=2 * float(p["generator_scale"]))
        return {"expectation": wrong["expectation"], "imaginary_part": wrong["imaginary_part"]}

    return c.with_physics_patch(patch)


def _rotation_without_half(c: Correspondence) -> Correspondence:
    """exp(−iαP) where the circuit says exp(−iαP/2): every trainable angle doubled."""
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        wrong = _simulated(p, angles=2 * np.asarray(p["angles"], dtype=float))
        return {"expectation": wrong["expectation"]}

    return c.with_physics_patch(patch)


def _angle_rule(c: Correspondence, shift: Any, prefactor: Any) -> Correspondence:
    """Angle gradients as prefactor(s)·[f(α + s) − f(α − s)] with s = shift(params)."""
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        s = shift(p)
        size = np.asarray(p["angles"]).size
        gradient = np.column_stack(
            [
                prefactor(s)
                * (
                    _simulated(_shifted(p, j, s))["expectation"]
                    - _simulated(_shifted(p, j, -s))["expectation"]
                )
                for j in range(size)
            ]
        )
        return {"parameter_shift_gradient": gradient}

    return c.with_physics_patch(patch)


def _quarter_pi_half_prefactor(c: Correspondence) -> Correspondence:
    return _angle_rule(c, lambda p: math.pi / 4, lambda s: 0.5)


def _general_shift_without_sine(c: Correspondence) -> Correspondence:
    return _angle_rule(c, lambda p: float(p.get("shift", HALF_PI)), lambda s: 0.5)


def _shared_input_shifted_once(c: Correspondence) -> Correspondence:
    """The one-gate rule applied to x once, as if x fed a single encoding gate."""
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        s = float(p.get("shift", HALF_PI))
        r = float(p["generator_scale"])
        x = np.asarray(p["inputs"], dtype=float)
        plus = _simulated(p, inputs=x + s / (2 * r))["expectation"]
        minus = _simulated(p, inputs=x - s / (2 * r))["expectation"]
        return {"input_gradient": r * (plus - minus) / math.sin(s)}

    return c.with_physics_patch(patch)


def _reverse_qubits(coefficients: Any, n: int) -> Any:
    import numpy as np

    return np.asarray(coefficients, dtype=float).reshape((4,) * n).transpose().ravel()


def _observable_order_reversed(c: Correspondence) -> Correspondence:
    """The readout built with the opposite np.kron convention from the gates."""

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        n = int(p["qubits"])
        wrong = _simulated(p, observable=_reverse_qubits(p["observable"], n))
        return {"expectation": wrong["expectation"]}

    return c.with_physics_patch(patch)


def _gaps_of_one_layer(c: Correspondence) -> Correspondence:
    """Ω taken from the eigenvalue differences of G once, ignoring the L re-uploads."""

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        n = int(p["qubits"])
        generator = float(p["generator_scale"]) * sum(
            _on_qubit(_pauli("Z"), q, n) for q in range(n)
        )
        return {"frequencies": energy_gaps(generator, 1)[1]}

    return c.with_physics_patch(patch)


def _coefficients_without_conjugate(c: Correspondence) -> Correspondence:
    return c.with_learning(lambda p: fourier_model(p, conjugate=False))


def _shot_variance_of_bits(c: Correspondence) -> Correspondence:
    """The variance of the 0/1 bit, p(1 − p), where the readout value is ±1: a factor 4 low."""
    return c.with_physics_patch(lambda p, o: {"shot_variance": o["shot_variance"] / 4})


# -- the correspondence ---------------------------------------------------------------------------

QNN_FOURIER = Correspondence(
    id="qnn-fourier",
    regime="exact",
    physics=PhysicalSystem(
        "spin register driven by an encoding Hamiltonian",
        "n spins ½ evolved for a time x by G = c·Σσ_z, L times, between control pulses; "
        "⟨M⟩ read out, gradients by shifted evolutions.",
        (
            "expectation",
            "imaginary_part",
            "generator_eigenvalues",
            "frequencies",
            "parameter_shift_gradient",
            "input_gradient",
            "encoding_gates",
            "shot_variance",
            "outcome_values",
            "outcome_probabilities",
        ),
        spin_register,
    ),
    learning=LearningMethod(
        "quantum neural network as a truncated Fourier series",
        "The variational circuit written as Σ_k c_k e^(ikω₀x): coefficients by "
        "frequency-resolved propagation, gradients by forward-mode autodiff.",
        (
            "degree",
            "frequencies",
            "coefficients",
            "output",
            "output_imaginary",
            "input_gradient",
            "gradient",
        ),
        fourier_model,
    ),
    parameters=(QUBITS, LAYERS, GENERATOR_SCALE, ANGLES, OBSERVABLE, INPUTS, SHIFT),
    translate=learning_parameters,
    validate=validate,
    example=EXAMPLE,
    examples=STRESS_EXAMPLES,
    strategy=qnn_strategy,
    identities=(
        Identity(
            "frequencies-are-energy-gaps",
            "exact",
            check_frequencies,
            "atol 16·eps·(1 + ω_max)·(1 + L) per frequency, ω_max = 2c·nL",
            "The physics side's gaps come from the numerical eigenvalues of G (each within "
            "eps·‖G‖) summed over L layers; the learning side's are exact multiples of ω₀.",
        ),
        Identity(
            "dft-vanishes-outside-energy-gaps",
            "exact",
            check_band_limit,
            "atol 8·eps·Σ|a_P|·(Φ(2π/ω₀) + log₂ P) per DFT coefficient, P = 4nL + 3",
            "The DFT of P exact samples is exact; each sample carries the rounding of one "
            "simulation, Φ (gates, angles, ω_max·|x|·√(2K + 1)) in units of eps·‖M‖, and the "
            "FFT adds log₂ P roundings. P = 4nL + 3 keeps every frequency up to 2nL (a doubled "
            "generator) out of the allowed band.",
        ),
        Identity(
            "coefficients-are-hermitian",
            "exact",
            check_hermitian,
            "atol 8·eps·Σ|a_P|·Φ(0)",
            "Each c_k is a sum of ψ_m†Mψ_m' over the frequency components, whose rounding "
            "is that of the propagation; f real requires c_(−k) = conj(c_k) exactly.",
        ),
        Identity(
            "model-is-truncated-fourier-series",
            "exact",
            check_reconstruction,
            "atol 8·eps·Σ|a_P|·Φ(x) per input; |Im⟨M⟩| within the same bound",
            "Φ(x) = gates + (2K + 1) + Σ|α|/2 + ω_max·|x|·√(2K + 1): phases e^(−iλt) carry "
            "absolute errors eps·|λt|, so the bound grows with the angles and with |x| "
            "(x up to 10³ is drawn).",
        ),
        Identity(
            "parameter-shift-is-exact-gradient",
            "exact",
            check_parameter_shift,
            "shift rule vs autodiff: atol 2r·tol_f (r = ½ per angle, c per encoding gate); "
            "vs central differences (h = 1e-5, h/ω_max for x): atol h²·|f'''|/3 + tol_f/h",
            "The shift rule is exact, so it meets autodiff at roundoff (two values, each "
            "within tol_f = 8·eps·Σ|a_P|·Φ(x)). Differences add the truncation "
            "h²|f'''|/6 (|f'''| ≤ ‖M‖ in an angle, ω_max³√(2K + 1)‖M‖ in x) and the "
            "rounding tol_f/h. Autodiff covers every angle; differences up to 4 of them.",
            max_examples=15,
        ),
        Identity(
            "shift-rule-holds-for-any-shift",
            "exact",
            check_general_shift,
            "atol 2r·tol_f·(1 + 1/|sin s|)",
            "Both rules are exact; the general one divides two rounded values by sin s. "
            "Compared with the rule at s = π/2 and with the learning side's autodiff.",
            max_examples=20,
        ),
        Identity(
            "each-angle-enters-as-first-harmonic",
            "exact",
            check_first_harmonic,
            "atol 4·tol_f per prediction (tol_f with 2π added to Φ for the shifted angles)",
            "Three samples at α, α ± 2π/3 determine A + B cos α + C sin α through a "
            "well-conditioned 3 × 3 system (‖inverse‖ ≤ 5/3 on a prediction); up to 4 angles "
            "per example, spread over the circuit.",
            max_examples=15,
        ),
        Identity(
            "one-qubit-closed-form",
            "exact",
            check_closed_form,
            "atol 8·eps·Φ(x) (‖M‖ = 1)",
            "The closed form costs a few roundings; the circuit's are bounded by Φ(x), which "
            "grows with |x| ≤ 10³ and |θ| ≤ 100.",
            strategy=closed_form_strategy,
            examples=(
                {"theta0": 0.7, "theta1": -1.9, "inputs": [0.0, 1.3, -2.5]},
                {"theta0": 100.0, "theta1": -99.5, "inputs": [1000.0, -1000.0]},
                {"theta0": math.pi / 2, "theta1": math.pi / 2, "inputs": [0.4]},
            ),
        ),
        Identity(
            "shot-noise-is-born-statistics",
            "exact",
            check_shot_noise,
            f"|z| ≤ {Z_BOUND:g} for the mean and the spread of {SHOTS} shots per input "
            "(fixed seed); Var = a² − f² for one Pauli string a·P, ≤ (Σ|a_P|)² − f² otherwise",
            "z = (estimate − exact)/(sample SD/√shots); the parameters are drawn, so the "
            "bound is 6 (two-sided p ≈ 2e-9 per statistic, ≤ 8 statistics × 20 examples). "
            "(aP)² = a², so the quantum variance of a Pauli readout is a² − ⟨M⟩².",
            max_examples=20,
        ),
    ),
    mutants=(
        Mutant(
            "encoding-without-half",
            "the data encoded with exp(−ixσ_z) where the circuit says exp(−ixσ_z/2): "
            "frequencies up to 2nL leak past the band",
            _encoding_without_half,
            ("dft-vanishes-outside-energy-gaps",),
        ),
        Mutant(
            "quarter-pi-shift-with-half-prefactor",
            "mixed conventions: ½[f(α + π/4) − f(α − π/4)] (the shift of one convention, the "
            "prefactor of the other)",
            _quarter_pi_half_prefactor,
            ("parameter-shift-is-exact-gradient",),
        ),
        Mutant(
            "shared-input-shifted-once",
            "x feeds n·L encoding gates, but the one-gate rule is applied once to all of them "
            "(the product rule forgotten)",
            _shared_input_shifted_once,
            ("parameter-shift-is-exact-gradient",),
        ),
        Mutant(
            "general-shift-without-sine",
            "the π/2 rule's prefactor ½ kept for a general shift s (no division by sin s)",
            _general_shift_without_sine,
            ("shift-rule-holds-for-any-shift",),
        ),
        Mutant(
            "rotation-without-half",
            "trainable gates exp(−iαP) instead of exp(−iαP/2): a second harmonic in each angle",
            _rotation_without_half,
            ("each-angle-enters-as-first-harmonic",),
        ),
        Mutant(
            "observable-qubit-order-reversed",
            "the readout built with the opposite np.kron qubit order from the gates",
            _observable_order_reversed,
            ("model-is-truncated-fourier-series",),
        ),
        Mutant(
            "gaps-of-one-layer",
            "the spectrum taken from the eigenvalue differences of G once, ignoring the L "
            "re-uploads",
            _gaps_of_one_layer,
            ("frequencies-are-energy-gaps",),
        ),
        Mutant(
            "coefficients-without-conjugate",
            "c_k summed as ψ_mᵀMψ_m' (the bra not conjugated)",
            _coefficients_without_conjugate,
            ("coefficients-are-hermitian",),
        ),
        Mutant(
            "shot-variance-of-bits",
            "the shot variance of the 0/1 bit, p(1 − p), where the readout value is ±1 "
            "(a factor 4 low)",
            _shot_variance_of_bits,
            ("shot-noise-is-born-statistics",),
        ),
    ),
)


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    return [QNN_FOURIER]
