"""Quantum-measurement plugin: the Born rule and the Lüders update ↔ Bayesian inference.

Two independent computations of one update of beliefs:

* the physics side is quantum mechanics as a textbook writes it: a density matrix ρ and a POVM
  {E_k} as complex matrices, Born probabilities tr(ρE_k), the Lüders instrument
  √E_k ρ √E_k / p(k) with the square root taken by an eigendecomposition, sequential
  measurements, and the Petz recovery map σ^½ N†(N(σ)^−½ |k⟩⟨k| N(σ)^−½) σ^½;
* the learning side is Bayes' rule as a statistician computes it, in the log domain: log prior
  plus log likelihood, normalised by logsumexp (the log evidence); a mixture model's outcome
  distribution by the law of total probability.

The dictionary (``translate``) reads a prior off the diagonal of ρ and a likelihood table off the
diagonals of the POVM elements. The correspondence is exact when every operator is diagonal in
one basis (they commute). Where they do not commute it breaks, and the entry shows where: the
joint probability of two sequential measurements depends on their order, which no Bayesian
conjunction does (the negative control ``noncommuting-order-effect``, with its exact prediction
from the Bloch vectors).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from physml import (
    Boundary,
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

#: Outcomes less likely than this have no posterior worth the name (division by ~0).
MIN_EVIDENCE = 1e-12
#: How far sums that should be 1 (the prior, each POVM column) may be from 1 in user input.
SUM_TOLERANCE = 1e-9

# -- physics side: density matrices, POVMs, the Lüders instrument, the Petz map -----------------


def psd_power(matrix: Any, power: float) -> Any:
    """A Hermitian positive semi-definite matrix to a real power, by eigh with clipping.

    A matrix power is ill-conditioned at a zero eigenvalue (√ turns a rounding error δ into
    √δ; a negative power into 1/√δ). Eigenvalues of an exactly diagonal matrix are its entries,
    exact, and are kept down to 0; otherwise those at or below the rounding level n·eps·λ_max
    are set to 0 (negative ones always are). The negative power is then the pseudo-inverse, as
    the Petz map on a non-full-rank state needs. ``scipy.linalg.sqrtm`` is avoided: it warns on
    singular matrices and may return complex garbage for them.
    """
    import numpy as np

    hermitian = (matrix + matrix.conj().T) / 2
    values, vectors = np.linalg.eigh(hermitian)
    diagonal = not np.any(hermitian - np.diag(np.diag(hermitian)))
    floor = 0.0 if diagonal else values.size * EPS * max(float(values.max(initial=0.0)), 0.0)
    keep = values > floor
    powered = np.zeros_like(values)
    powered[keep] = values[keep] ** power
    return (vectors * powered) @ vectors.conj().T


def born_probability(rho: Any, effect: Any) -> float:
    """p(k) = tr(ρ E_k)."""
    import numpy as np

    return float(np.einsum("ij,ji->", rho, effect).real)


def luders_update(rho: Any, effect: Any, probability: float) -> Any:
    """The Lüders instrument: ρ ↦ √E ρ √E / p(k)."""
    root = psd_power(effect, 0.5)
    return root @ rho @ root / probability


def petz_recovery(sigma: Any, effects: list[Any], outcome: int) -> Any:
    """R_σ(|k⟩⟨k|) = σ^½ N†(N(σ)^−½ |k⟩⟨k| N(σ)^−½) σ^½ for the measurement channel
    N(ρ) = Σ_k tr(E_k ρ)|k⟩⟨k|, whose adjoint is N†(Y) = Σ_k Y_kk E_k."""
    import numpy as np

    channel_of_sigma = np.diag([np.einsum("ij,ji->", e, sigma) for e in effects])
    inverse_root = psd_power(channel_of_sigma, -0.5)
    ket = np.zeros(len(effects), dtype=complex)
    ket[outcome] = 1.0
    y = inverse_root @ np.outer(ket, ket.conj()) @ inverse_root
    adjoint = sum(y[j, j] * e for j, e in enumerate(effects))
    root_sigma = psd_power(sigma, 0.5)
    return root_sigma @ adjoint @ root_sigma


_PAULI = (
    ((0, 1), (1, 0)),
    ((0, -1j), (1j, 0)),
    ((1, 0), (0, -1)),
)


def _bloch_operator(vector: Any, sign: float = 1.0) -> Any:
    """(I + s·r·σ)/2: a qubit state for |r| ≤ 1, a projector for a unit axis."""
    import numpy as np

    r = np.asarray(vector, dtype=float)
    pauli = np.asarray(_PAULI, dtype=complex)
    return (np.eye(2) + sign * np.einsum("i,ijk->jk", r, pauli)) / 2


def _state(params: dict[str, Any]) -> Any:
    """The density matrix, from whichever description the parameters give."""
    import numpy as np

    if "bloch_vector" in params:
        return _bloch_operator(params["bloch_vector"])
    if "mixture_states" in params:
        states = np.asarray(params["mixture_states"], dtype=complex)
        states = states / np.linalg.norm(states, axis=1, keepdims=True)
        weights = np.asarray(params["mixture_weights"], dtype=float)
        return np.einsum("j,ja,jb->ab", weights, states, states.conj())
    if "density_matrix" in params:
        rho = np.asarray(params["density_matrix"], dtype=complex)
        return (rho + rho.conj().T) / 2
    return np.diag(np.asarray(params["populations"], dtype=float)).astype(complex)


def _measurement(params: dict[str, Any], prefix: str = "") -> list[Any]:
    """The POVM elements of the first (prefix "") or second (prefix "second_") measurement."""
    import numpy as np

    if f"{prefix}axis" in params:
        axis = params[f"{prefix}axis"]
        return [_bloch_operator(axis, +1.0), _bloch_operator(axis, -1.0)]
    if f"{prefix}povm_elements" in params:
        return [np.asarray(e, dtype=complex) for e in params[f"{prefix}povm_elements"]]
    table = np.asarray(params[f"{prefix}povm"], dtype=float)
    return [np.diag(row).astype(complex) for row in table]


def _plain(matrix: Any) -> Any:
    """A real array when the imaginary part is exactly zero (diagonal inputs), else complex."""
    import numpy as np

    return matrix.real.copy() if not np.any(matrix.imag) else matrix


def quantum_measurement(
    params: dict[str, Any], *, born: Any = born_probability, update: Any = luders_update
) -> dict[str, Any]:
    """Born probabilities, the post-measurement state, a second measurement, the Petz map."""
    import numpy as np

    rho = _state(params)
    effects = _measurement(params)
    probabilities = np.array([born(rho, e) for e in effects])
    observables: dict[str, Any] = {"born_probabilities": probabilities}
    if "outcome" not in params:
        return observables
    k = int(params["outcome"])
    post = update(rho, effects[k], probabilities[k])
    observables.update(
        outcome_probability=float(probabilities[k]),
        post_measurement_state=_plain(post),
        post_measurement_populations=np.diag(post).real.copy(),
        petz_recovered_state=_plain(petz_recovery(rho, effects, k)),
    )
    if "second_outcome" in params:
        second = _measurement(params, "second_")[int(params["second_outcome"])]
        conditional = born(post, second)
        final = update(post, second, conditional)
        observables.update(
            sequence_probability=float(probabilities[k] * conditional),
            final_state=_plain(final),
            final_populations=np.diag(final).real.copy(),
        )
    return observables


# -- learning side: Bayes' rule in the log domain --------------------------------------------


def bayesian_inference(params: dict[str, Any]) -> dict[str, Any]:
    """Evidence and posterior from a prior and a likelihood table L[k, x] = L(k|x).

    Computed as a statistician does, in log space: log π + log L, normalised by logsumexp.
    A second observation updates the posterior again (sequential Bayes). A mixture model's
    outcome distribution is the law of total probability Σ_j w_j p(k|j).
    """
    import numpy as np
    from scipy.special import logsumexp

    observables: dict[str, Any] = {}
    if "prior" in params:
        with np.errstate(divide="ignore"):
            log_prior = np.log(np.asarray(params["prior"], dtype=float))
            log_likelihood = np.log(np.asarray(params["likelihood"], dtype=float))
        log_joint = log_prior[None, :] + log_likelihood
        log_evidence = logsumexp(log_joint, axis=1)
        observables["evidence"] = np.exp(log_evidence)
        if "outcome" in params:
            k = int(params["outcome"])
            log_posterior = log_joint[k] - log_evidence[k]
            observables["log_evidence"] = float(log_evidence[k])
            observables["posterior"] = np.exp(log_posterior)
            if "second_outcome" in params:
                with np.errstate(divide="ignore"):
                    row = np.asarray(params["second_likelihood"], dtype=float)[
                        int(params["second_outcome"])
                    ]
                    log_second = log_posterior + np.log(row)
                log_conditional = logsumexp(log_second)
                observables["sequence_probability"] = float(
                    np.exp(log_evidence[k] + log_conditional)
                )
                observables["final_posterior"] = np.exp(log_second - log_conditional)
    if "mixture_weights" in params:
        weights = np.asarray(params["mixture_weights"], dtype=float)
        components = np.asarray(params["mixture_components"], dtype=complex)
        components = components / np.linalg.norm(components, axis=1, keepdims=True)
        effects = np.asarray(params["effects"], dtype=complex)
        # p(k | j) = ⟨ψ_j| E_k |ψ_j⟩: each component's outcome distribution.
        conditional = np.einsum("ja,kab,jb->jk", components.conj(), effects, components).real
        observables["component_likelihoods"] = conditional
        observables["mixture_evidence"] = weights @ conditional
    return observables


def _shadow_likelihood(params: dict[str, Any], prefix: str) -> Any:
    """The likelihood table a classical observer in the computational basis would write down."""
    import numpy as np

    if f"{prefix}axis" in params:
        az = float(params[f"{prefix}axis"][2])
        return np.array([[(1 + az) / 2, (1 - az) / 2], [(1 - az) / 2, (1 + az) / 2]])
    if f"{prefix}povm" in params:
        return np.asarray(params[f"{prefix}povm"], dtype=float)
    return None


def bayes_model_from_measurement(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: prior = diag ρ, likelihood L(k|x) = ⟨x|E_k|x⟩, outcome = datum;
    a mixture of states ↔ a mixture model with the same weights."""
    import numpy as np

    model: dict[str, Any] = {}
    if "populations" in params:
        model["prior"] = np.asarray(params["populations"], dtype=float)
    elif "density_matrix" in params:
        model["prior"] = np.diag(np.asarray(params["density_matrix"], dtype=complex)).real.copy()
    elif "bloch_vector" in params:
        rz = float(params["bloch_vector"][2])
        model["prior"] = np.array([(1 + rz) / 2, (1 - rz) / 2])
    for prefix in ("", "second_"):
        table = _shadow_likelihood(params, prefix)
        if table is not None:
            model[f"{prefix}likelihood"] = table
        if f"{prefix}outcome" in params:
            model[f"{prefix}outcome"] = params[f"{prefix}outcome"]
    if "mixture_states" in params:
        model["mixture_weights"] = params["mixture_weights"]
        model["mixture_components"] = params["mixture_states"]
        model["effects"] = params["povm_elements"]
    return model


# -- parameters, validation and strategies ----------------------------------------------------

POPULATIONS = Parameter(
    "populations",
    "diagonal of the density matrix ρ: the probability of each basis state |x⟩ (the prior)",
    "probabilities summing to 1",
    shape="(n,)",
    ndim=1,
    minimum=0.0,
    maximum=1.0,
)
POVM = Parameter(
    "povm",
    "povm[k][x] = ⟨x|E_k|x⟩, the diagonal POVM element of outcome k (the likelihood L(k|x))",
    "entries in [0, 1], every column summing to 1 (Σ_k E_k = I)",
    shape="(K, n)",
    ndim=2,
    minimum=0.0,
    maximum=1.0,
)
OUTCOME = Parameter(
    "outcome",
    "index k of the observed outcome (the datum)",
    "0 ≤ k < K with Born probability ≥ 1e-12",
    integer=True,
    minimum=0,
)


def validate_measurement(values: dict[str, Any]) -> None:
    """The prior sums to 1, the POVM is complete, the outcome exists and can occur."""
    import numpy as np

    populations, povm, k = values["populations"], values["povm"], values["outcome"]
    total = float(populations.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ParameterError("populations", f"must sum to 1 (tr ρ = 1), got {total!r}")
    if povm.shape[1] != populations.size:
        raise ParameterError(
            "povm",
            f"has {povm.shape[1]} columns but populations has {populations.size} entries: "
            "povm[k][x] is ⟨x|E_k|x⟩, one column per basis state",
        )
    columns = povm.sum(axis=0)
    bad = np.flatnonzero(np.abs(columns - 1.0) > SUM_TOLERANCE)
    if bad.size:
        x = int(bad[0])
        raise ParameterError(
            "povm",
            f"column {x} sums to {columns[x]!r}: the POVM elements must add up to the identity "
            "(Σ_k L(k|x) = 1 for every x)",
        )
    if k >= povm.shape[0]:
        raise ParameterError(
            "outcome", f"must be < K = {povm.shape[0]} (the rows of povm), got {k}"
        )
    evidence = float(povm[k] @ populations)
    if evidence < MIN_EVIDENCE:
        raise ParameterError(
            "outcome",
            f"outcome {k} has Born probability {evidence:.3g} < {MIN_EVIDENCE:g}: "
            "the post-measurement state (the posterior) is undefined",
        )


def _dirichlet_tables(draw: Any, n: int, k: int) -> tuple[Any, Any]:
    """A prior ~ Dirichlet(α·1) and likelihood columns ~ Dirichlet(α′·1), or 0/1 likelihoods."""
    import numpy as np
    from hypothesis import strategies as st

    seed = draw(st.integers(0, 2**32 - 1))
    alpha = 10.0 ** draw(st.floats(math.log10(0.05), math.log10(3.0)))
    alpha_l = 10.0 ** draw(st.floats(math.log10(0.05), math.log10(3.0)))
    projective = draw(st.booleans())
    rng = np.random.default_rng(seed)
    prior = rng.dirichlet(np.full(n, alpha))
    if projective:  # conditioning on an event: every basis state gives one outcome for sure
        likelihood = np.zeros((k, n))
        likelihood[rng.integers(k, size=n), np.arange(n)] = 1.0
    else:
        likelihood = rng.dirichlet(np.full(k, alpha_l), size=n).T
    return prior, likelihood


def measurement_strategy() -> Any:
    """n ∈ [2, 8] basis states, K ∈ [2, 5] outcomes, sparse to dense Dirichlet tables."""
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n, k = draw(st.integers(2, 8)), draw(st.integers(2, 5))
        prior, likelihood = _dirichlet_tables(draw, n, k)
        outcome = draw(st.integers(0, k - 1))
        assume(float(likelihood[outcome] @ prior) >= MIN_EVIDENCE)
        return {"populations": prior.tolist(), "povm": likelihood.tolist(), "outcome": outcome}

    return draw()


def sequential_strategy() -> Any:
    """Two commuting (diagonal) measurements in a row on a diagonal state."""
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(2, 8))
        k1, k2 = draw(st.integers(2, 5)), draw(st.integers(2, 5))
        prior, first = _dirichlet_tables(draw, n, k1)
        _, second = _dirichlet_tables(draw, n, k2)
        o1, o2 = draw(st.integers(0, k1 - 1)), draw(st.integers(0, k2 - 1))
        assume(float(first[o1] @ prior) >= MIN_EVIDENCE)
        assume(float(second[o2] @ prior) >= MIN_EVIDENCE)
        assume(float((first[o1] * second[o2]) @ prior) >= MIN_EVIDENCE)
        return {
            "populations": prior.tolist(),
            "povm": first.tolist(),
            "outcome": o1,
            "second_povm": second.tolist(),
            "second_outcome": o2,
        }

    return draw()


def _ginibre(rng: Any, rows: int, cols: int) -> Any:
    return rng.normal(size=(rows, cols)) + 1j * rng.normal(size=(rows, cols))


def coherent_strategy() -> Any:
    """A general density matrix ρ = GG†/tr(GG†) (G an n×r Ginibre matrix, pure when r = 1)
    measured with a diagonal POVM."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n, k = draw(st.integers(2, 8)), draw(st.integers(2, 5))
        rank = draw(st.integers(1, n))
        _, likelihood = _dirichlet_tables(draw, n, k)
        g = _ginibre(np.random.default_rng(draw(st.integers(0, 2**32 - 1))), n, rank)
        rho = g @ g.conj().T
        rho = rho / np.trace(rho).real
        outcome = draw(st.integers(0, k - 1))
        assume(float(likelihood[outcome] @ np.diag(rho).real) >= MIN_EVIDENCE)
        return {"density_matrix": rho, "povm": likelihood.tolist(), "outcome": outcome}

    return draw()


def random_povm(rng: Any, n: int, k: int) -> tuple[Any, float]:
    """E_k = S^−½ A_k S^−½ with A_k = G_k G_k† of random rank and S = Σ A_k; returns cond(S)."""
    import numpy as np

    ranks = rng.integers(1, n + 1, size=k)
    if ranks.sum() < n:
        ranks[-1] = n
    blocks = [_ginibre(rng, n, int(r)) for r in ranks]
    a = [b @ b.conj().T for b in blocks]
    s = sum(a)
    values = np.linalg.eigvalsh((s + s.conj().T) / 2)
    condition = float(values[-1] / values[0]) if values[0] > 0 else math.inf
    inverse_root = psd_power(s, -0.5)
    return np.array([inverse_root @ ak @ inverse_root for ak in a]), condition


def mixture_strategy() -> Any:
    """A mixture Σ_j w_j |ψ_j⟩⟨ψ_j| of non-orthogonal complex pure states and a random complex
    POVM with cond(S) ≤ 1e8."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n, k, j = draw(st.integers(2, 6)), draw(st.integers(2, 5)), draw(st.integers(1, 4))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        alpha = 10.0 ** draw(st.floats(math.log10(0.05), math.log10(3.0)))
        weights = rng.dirichlet(np.full(j, alpha))
        states = _ginibre(rng, j, n)
        effects, condition = random_povm(rng, n, k)
        assume(condition <= 1e8)
        return {"mixture_weights": weights, "mixture_states": states, "povm_elements": effects}

    return draw()


def bloch_strategy() -> Any:
    """A qubit state with Bloch vector r (|r| ≤ 1) measured along two unit axes a, b in both
    orders; the predicted order effect is at least 1e-3 (the control must show something)."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st

    unit = st.tuples(*[st.floats(-1, 1)] * 3).filter(lambda v: math.hypot(*v) > 1e-2)

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        r, a, b = (np.asarray(draw(unit)) for _ in range(3))
        length = draw(st.one_of(st.just(1.0), st.floats(0, 1)))
        r = length * r / np.linalg.norm(r)
        a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
        o1, o2 = draw(st.integers(0, 1)), draw(st.integers(0, 1))
        params = {
            "bloch_vector": r.tolist(),
            "axis": a.tolist(),
            "outcome": o1,
            "second_axis": b.tolist(),
            "second_outcome": o2,
        }
        # Both first outcomes must be possible (p ≥ 1e-12), or the update is undefined.
        assume(min((1 + (1 - 2 * o1) * a @ r) / 2, (1 + (1 - 2 * o2) * b @ r) / 2) >= MIN_EVIDENCE)
        assume(abs(predicted_order_effect(params)[2]) >= 1e-3)
        return params

    return draw()


def noncommuting_strategy() -> Any:
    """Boundary: a qubit prior diag(π) measured along two Bloch axes a, b with |a × b| ≥ 0.1:
    projectors that do not commute, so no basis diagonalises both. Every outcome involved is
    possible in both orders, on both sides."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st

    unit = st.tuples(*[st.floats(-1, 1)] * 3).filter(lambda v: math.hypot(*v) > 1e-2)

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        a, b = (np.asarray(draw(unit)) for _ in range(2))
        a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
        assume(float(np.linalg.norm(np.cross(a, b))) >= 0.1)
        up = draw(st.floats(0, 1))
        params = {
            "populations": [up, 1 - up],
            "axis": a.tolist(),
            "outcome": draw(st.integers(0, 1)),
            "second_axis": b.tolist(),
            "second_outcome": draw(st.integers(0, 1)),
        }
        for order in (params, _in_reverse_order(params)):
            quantum = quantum_measurement(order)
            bayes = bayesian_inference(bayes_model_from_measurement(order))
            smallest = min(
                quantum["outcome_probability"],
                quantum["sequence_probability"],
                float(bayes["evidence"][order["outcome"]]),
                bayes["sequence_probability"],
            )
            assume(smallest >= MIN_EVIDENCE)
        return params

    return draw()


def nondiagonal_povm_strategy() -> Any:
    """Boundary: a general ρ measured with a random complex POVM (non-diagonal E_k, cond(S) ≤
    1e8); the Bayes side gets the likelihood a classical observer reads off, ⟨x|E_k|x⟩."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n, k = draw(st.integers(2, 6)), draw(st.integers(2, 4))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        g = _ginibre(rng, n, draw(st.integers(1, n)))
        rho = g @ g.conj().T
        rho = rho / np.trace(rho).real
        effects, condition = random_povm(rng, n, k)
        assume(condition <= 1e8)
        likelihood = np.array([np.diag(e).real for e in effects])
        outcome = draw(st.integers(0, k - 1))
        assume(born_probability(rho, effects[outcome]) >= MIN_EVIDENCE)
        assume(float(likelihood[outcome] @ np.diag(rho).real) >= MIN_EVIDENCE)
        return {
            "density_matrix": rho,
            "povm_elements": effects,
            "povm": likelihood.tolist(),
            "outcome": outcome,
        }

    return draw()


# -- identities -----------------------------------------------------------------------------


def _sides(c: Correspondence, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return c.physics.observe(params), c.learning.observe(c.translate(params))


def _log_scale(prior: Any, likelihood_row: Any) -> float:
    """max |log(π(x) L(k|x))| over the support: the size of the log-domain terms."""
    import numpy as np

    joint = np.asarray(prior, dtype=float) * np.asarray(likelihood_row, dtype=float)
    support = joint > 0
    return float(np.max(np.abs(np.log(joint[support])))) if support.any() else 0.0


def _posterior_rtol(n: int, log_scale: float) -> float:
    # Products and an n-term sum on the quantum side (n·eps); on the Bayes side the logs of the
    # terms carry absolute errors eps·|log π L|, relative errors of that size after exp.
    return 8 * EPS * (n + 2 + log_scale)


def _valid_outcomes(probabilities: Any) -> list[int]:
    return [k for k, p in enumerate(probabilities) if p >= MIN_EVIDENCE]


def _matches_diagonal(state: Any, posterior: Any, rtol: float) -> Comparison:
    """A state equals diag(posterior): diagonal to rtol, off-diagonal zero to n·eps."""
    import numpy as np

    state = np.asarray(state)
    n = posterior.size
    diagonal = close(np.diag(state).real, posterior, rtol=rtol, atol=1e-300)
    off = state - np.diag(np.diag(state))
    bound = 4 * n * EPS * float(np.max(posterior))
    coherences = at_most(np.max(np.abs(off)), bound, label="coherence")
    imaginary = at_most(np.max(np.abs(np.diag(state).imag)), bound, label="imaginary_part")
    return diagonal & Comparison(coherences.holds and imaginary.holds, coherences.abs_error)


def check_born_is_evidence(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """tr(ρE_k) = Σ_x π(x)L(k|x) for every k; p(k) ≥ 0; Σ_k p(k) = Σ_x π(x)."""
    import numpy as np

    phys, learn = _sides(c, params)
    prior, povm = np.asarray(params["populations"]), np.asarray(params["povm"])
    n = prior.size
    scale = max(_log_scale(prior, row) for row in povm)
    result = close(
        learn["evidence"], phys["born_probabilities"], rtol=_posterior_rtol(n, scale), atol=1e-300
    )
    born = np.asarray(phys["born_probabilities"])
    result &= Comparison(bool(np.all(born >= 0)))
    total = float(np.sum(prior * povm.sum(axis=0)))
    result &= close(born.sum(), total, atol=4 * EPS * (n + povm.shape[0]))
    return result


def check_luders_is_bayes(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """√E_k ρ √E_k / p(k) = diag(π ∘ L_k / p(k)) for every outcome with p(k) ≥ 1e-12."""
    import numpy as np

    prior, povm = np.asarray(params["populations"]), np.asarray(params["povm"])
    outcomes = _valid_outcomes(povm @ prior)
    result = Comparison(True)
    for k in outcomes:
        phys, learn = _sides(c, {**params, "outcome": k})
        rtol = _posterior_rtol(prior.size, _log_scale(prior, povm[k]))
        result &= _matches_diagonal(phys["post_measurement_state"], learn["posterior"], rtol)
    return result


def check_coherence_blind(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """For any ρ and diagonal E_k: diag(Lüders(ρ, k)) = Bayes(diag ρ, L_k)."""
    import numpy as np

    phys, learn = _sides(c, params)
    prior = np.diag(np.asarray(params["density_matrix"])).real
    k = int(params["outcome"])
    rtol = _posterior_rtol(prior.size, _log_scale(prior, np.asarray(params["povm"])[k]))
    return close(phys["post_measurement_populations"], learn["posterior"], rtol=rtol, atol=1e-300)


def check_petz_is_bayes(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """R_σ(|k⟩⟨k|) = diag(π ∘ L_k / p(k)): the Petz recovery map is Bayesian retrodiction."""
    import numpy as np

    prior, povm = np.asarray(params["populations"]), np.asarray(params["povm"])
    result = Comparison(True)
    for k in _valid_outcomes(povm @ prior):
        phys, learn = _sides(c, {**params, "outcome": k})
        rtol = _posterior_rtol(prior.size, _log_scale(prior, povm[k]))
        result &= _matches_diagonal(phys["petz_recovered_state"], learn["posterior"], rtol)
    return result


def check_total_probability(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """tr(ρE_k) for ρ = Σ_j w_j|ψ_j⟩⟨ψ_j| equals Σ_j w_j ⟨ψ_j|E_k|ψ_j⟩ (law of total
    probability); Born probabilities are ≥ 0, sum to 1 and are linear in ρ."""
    import numpy as np

    phys, learn = _sides(c, params)
    born = np.asarray(phys["born_probabilities"])
    effects = np.asarray(params["povm_elements"], dtype=complex)
    weights = np.asarray(params["mixture_weights"], dtype=float)
    n = effects.shape[1]
    rho = _state(params)
    # tr(ρE) is an n²-term sum; its rounding is at most n²·eps·Σ|ρ_ij||E_ji| (≤ n^2.5·eps).
    magnitude = np.einsum("ij,kji->k", np.abs(rho), np.abs(effects))
    atol = 4 * n * n * EPS * (magnitude + 1)
    result = close(born, learn["mixture_evidence"], atol=atol)
    # Linearity in ρ: the Born probabilities of the components, mixed with the same weights.
    states = np.asarray(params["mixture_states"])
    parts = [
        c.physics.observe({**params, "mixture_weights": [1.0], "mixture_states": [state]})[
            "born_probabilities"
        ]
        for state in states
    ]
    result &= close(born, weights @ np.asarray(parts), atol=2 * atol)
    # A distribution: ≥ 0, and Σ_k p(k) = 1 up to the POVM's own completeness defect.
    defect = float(np.linalg.norm(effects.sum(axis=0) - np.eye(n), 2))
    result &= at_most(-born.min(), float(atol.max()), label="negative_probability")
    result &= close(born.sum(), 1.0, atol=defect + float(atol.sum()))
    return result


#: The keys that describe a measurement and its outcome ("second_" + key: the second one).
_MEASUREMENT_KEYS = ("povm", "povm_elements", "axis", "outcome")


def _in_reverse_order(params: dict[str, Any]) -> dict[str, Any]:
    """The same two measurements taken in the opposite order, whichever keys describe them."""
    swapped = dict(params)
    for key in _MEASUREMENT_KEYS:
        first, second = params.get(key), params.get(f"second_{key}")
        swapped.pop(key, None)
        swapped.pop(f"second_{key}", None)
        if second is not None:
            swapped[key] = second
        if first is not None:
            swapped[f"second_{key}"] = first
    return swapped


def check_sequential(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Lüders(Lüders(ρ, k₁), k₂) = Bayes with likelihood L_k₁ ∘ L_k₂, in either order."""
    import numpy as np

    swapped = _in_reverse_order(params)
    prior = np.asarray(params["populations"])
    row = (
        _shadow_likelihood(params, "")[params["outcome"]]
        * _shadow_likelihood(params, "second_")[params["second_outcome"]]
    )
    rtol = 2 * _posterior_rtol(prior.size, _log_scale(prior, row))
    result = Comparison(True)
    for order in (params, swapped):
        phys, learn = _sides(c, order)
        result &= _matches_diagonal(phys["final_state"], learn["final_posterior"], rtol)
        result &= close(
            phys["sequence_probability"], learn["sequence_probability"], rtol=rtol, atol=1e-300
        )
    first, second = c.physics.observe(params), c.physics.observe(swapped)
    # Real and imaginary parts side by side: a complex final state must not lose its phase.
    states = [np.asarray(o["final_state"]) for o in (first, second)]
    parts = [np.concatenate([s.real.ravel(), s.imag.ravel()]) for s in states]
    result &= close(parts[0], parts[1], rtol=rtol, atol=1e-300)
    result &= close(
        first["sequence_probability"], second["sequence_probability"], rtol=rtol, atol=1e-300
    )
    return result


def predicted_order_effect(params: dict[str, Any]) -> tuple[float, float, float]:
    """P(s₁ along a, then s₂ along b), the reverse order, and their difference, from the Bloch
    vectors: P = (1 + s₁ a·r)/2 · (1 + s₁s₂ a·b)/2."""
    import numpy as np

    r, a, b = (
        np.asarray(params[key], dtype=float) for key in ("bloch_vector", "axis", "second_axis")
    )
    s1, s2 = 1 - 2 * int(params["outcome"]), 1 - 2 * int(params["second_outcome"])
    overlap = (1 + s1 * s2 * float(a @ b)) / 2
    forward = (1 + s1 * float(a @ r)) / 2 * overlap
    backward = (1 + s2 * float(b @ r)) / 2 * overlap
    return forward, backward, forward - backward


def check_order_effect(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Negative control: with non-commuting projectors the quantum joint probability depends on
    the order, exactly as the Bloch-vector formula predicts; the Bayesian joint cannot."""
    reverse = {
        **params,
        "axis": params["second_axis"],
        "outcome": params["second_outcome"],
        "second_axis": params["axis"],
        "second_outcome": params["outcome"],
    }
    forward, backward, gap = predicted_order_effect(params)
    phys_forward, learn_forward = _sides(c, params)
    phys_backward, learn_backward = _sides(c, reverse)
    band = 32 * EPS
    quantum = close(phys_forward["sequence_probability"], forward, atol=band)
    quantum &= close(phys_backward["sequence_probability"], backward, atol=band)
    observed_gap = phys_forward["sequence_probability"] - phys_backward["sequence_probability"]
    bayes_gap = learn_forward["sequence_probability"] - learn_backward["sequence_probability"]
    bayes_symmetric = close(bayes_gap, 0.0, atol=8 * EPS)
    # Bayes has one joint for both orders: it misses at least one of them by ≥ |gap|/2.
    bayes_error = max(
        abs(learn_forward["sequence_probability"] - phys_forward["sequence_probability"]),
        abs(learn_backward["sequence_probability"] - phys_backward["sequence_probability"]),
    )
    demonstrated = abs(observed_gap) >= abs(gap) - 2 * band and abs(gap) > 2 * band
    holds = quantum.holds and bayes_symmetric.holds and demonstrated
    return Comparison(
        holds,
        abs_error=quantum.abs_error,
        rel_error=quantum.rel_error,
        detail={
            "observed_order_effect": observed_gap,
            "expected_order_effect": gap,
            "bound": band,
            "bayes_order_effect": bayes_gap,
            "bayes_error": bayes_error,
        },
    )


# -- mutants --------------------------------------------------------------------------------


def _squared_effect_update(rho: Any, effect: Any, probability: float) -> Any:
    import numpy as np

    unnormalised = effect @ rho @ effect
    return unnormalised / np.trace(unnormalised).real


def _unnormalised_update(rho: Any, effect: Any, probability: float) -> Any:
    root = psd_power(effect, 0.5)
    return root @ rho @ root


def _dephasing_update(rho: Any, effect: Any, probability: float) -> Any:
    import numpy as np

    return np.diag(np.diag(luders_update(rho, effect, probability)))


def _transposed_born(rho: Any, effect: Any) -> float:
    import numpy as np

    return float(np.einsum("ij,ji->", rho.T, effect).real)


def _luders_squares_effect(c: Correspondence) -> Correspondence:
    return c.with_physics(partial(quantum_measurement, update=_squared_effect_update))


def _luders_unnormalised(c: Correspondence) -> Correspondence:
    return c.with_physics(partial(quantum_measurement, update=_unnormalised_update))


def _classical_conditioning(c: Correspondence) -> Correspondence:
    return c.with_physics(partial(quantum_measurement, update=_dephasing_update))


def _born_transposed(c: Correspondence) -> Correspondence:
    return c.with_physics(partial(quantum_measurement, born=_transposed_born))


def _likelihood_transposed(c: Correspondence) -> Correspondence:
    import numpy as np

    translate = c.translate

    def wrong(params: dict[str, Any]) -> dict[str, Any]:
        model = dict(translate(params))
        for key in ("likelihood", "second_likelihood"):
            if key in model:
                table = np.asarray(model[key], dtype=float)
                rows = table.sum(axis=1, keepdims=True)
                model[key] = np.divide(table, rows, out=np.zeros_like(table), where=rows > 0)
        return model

    return c.with_translate(wrong)


def _petz_forgets_prior(c: Correspondence) -> Correspondence:
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if "outcome" not in p:
            return {}
        effect = _measurement(p)[int(p["outcome"])]
        return {"petz_recovered_state": _plain(effect / np.trace(effect).real)}

    return c.with_physics_patch(patch)


# -- the correspondence ---------------------------------------------------------------------

DISEASE_TEST = {
    "populations": [0.99, 0.01],
    "povm": [[0.05, 0.99], [0.95, 0.01]],
    "outcome": 0,
}

MEASUREMENT_EXAMPLES = (
    {"populations": [0.5, 0.3, 0.2], "povm": [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], "outcome": 0},
    {
        "populations": [0.7, 0.2, 0.1, 0.0],
        "povm": [[0.2, 0.5, 0.0, 0.3], [0.3, 0.5, 0.6, 0.3], [0.5, 0.0, 0.4, 0.4]],
        "outcome": 2,
    },
    {
        "populations": [1.0, 1e-200, 0.0],
        "povm": [[1e-150, 0.5, 0.2], [1.0, 0.5, 0.8]],
        "outcome": 1,
    },
    {"populations": [0.25, 0.25, 0.25, 0.25], "povm": [[0.5] * 4, [0.5] * 4], "outcome": 1},
)

ORDER_EFFECT_EXAMPLE = {  # QB-7: ρ = |0⟩⟨0|; X+ then Z0 has probability 1/4, Z0 then X+ has 1/2
    "bloch_vector": [0.0, 0.0, 1.0],
    "axis": [1.0, 0.0, 0.0],
    "outcome": 0,
    "second_axis": [0.0, 0.0, 1.0],
    "second_outcome": 0,
}

_S = 1 / math.sqrt(2)

BORN_BAYES_BOUNDARIES = (
    Boundary(
        "noncommuting-measurements",
        "commuting measurements (ρ and every projector diagonal in one basis)",
        "commuting-measurements-are-sequential-bayes",
        noncommuting_strategy,
        "A projector off the prior's basis leaves coherences in the post-measurement state and "
        "changes the odds of the next outcome, so the joint probability depends on the order "
        "(ρ = |0⟩⟨0|: X+ then Z0 has probability 1/4, Z0 then X+ 1/2); Bayes' rule with the "
        "likelihoods ⟨x|E_k|x⟩ has one diagonal posterior and one joint for both orders.",
        examples=(
            {
                "populations": [1.0, 0.0],
                "axis": [1.0, 0.0, 0.0],
                "outcome": 0,
                "second_axis": [0.0, 0.0, 1.0],
                "second_outcome": 0,
            },
        ),
    ),
    Boundary(
        "non-diagonal-povm",
        "POVM elements diagonal in the prior's basis (commuting with the basis projectors)",
        "luders-update-ignores-coherences",
        nondiagonal_povm_strategy,
        "With E_k off-diagonal, (√E_k ρ √E_k)_xx mixes in the coherences ρ_yz and the other "
        "populations, so the post-measurement populations are not Bayes' rule on diag ρ with "
        "L(k|x) = ⟨x|E_k|x⟩ (ρ = |ψ⟩⟨ψ| with ψ = (√0.8, √0.2) measured in the X basis: "
        "Lüders gives (1/2, 1/2), Bayes keeps (0.8, 0.2)).",
        examples=(
            {
                "density_matrix": [[0.8, 0.4], [0.4, 0.2]],
                "povm_elements": [[[0.5, 0.5], [0.5, 0.5]], [[0.5, -0.5], [-0.5, 0.5]]],
                "povm": [[0.5, 0.5], [0.5, 0.5]],
                "outcome": 0,
            },
        ),
    ),
)

BORN_BAYES = Correspondence(
    id="born-bayes",
    regime="exact",
    physics=PhysicalSystem(
        "quantum measurement",
        "A density matrix ρ measured with a POVM {E_k}: Born probabilities tr(ρE_k) and the "
        "Lüders post-measurement state √E_k ρ √E_k / p(k).",
        (
            "born_probabilities",
            "outcome_probability",
            "post_measurement_state",
            "post_measurement_populations",
            "petz_recovered_state",
            "sequence_probability",
            "final_state",
            "final_populations",
        ),
        quantum_measurement,
    ),
    learning=LearningMethod(
        "Bayesian inference",
        "Bayes' rule in the log domain: a prior π(x), a likelihood L(k|x), the evidence p(k) and "
        "the posterior π(x)L(k|x)/p(k).",
        (
            "evidence",
            "log_evidence",
            "posterior",
            "sequence_probability",
            "final_posterior",
            "component_likelihoods",
            "mixture_evidence",
        ),
        bayesian_inference,
    ),
    parameters=(POPULATIONS, POVM, OUTCOME),
    translate=bayes_model_from_measurement,
    validate=validate_measurement,
    example=DISEASE_TEST,
    examples=MEASUREMENT_EXAMPLES,
    strategy=measurement_strategy,
    boundaries=BORN_BAYES_BOUNDARIES,
    identities=(
        Identity(
            "born-probability-is-evidence",
            "exact",
            check_born_is_evidence,
            "rtol 8·eps·(n + 2 + max|log π(x)L(k|x)|) per outcome; Σ_k p(k) = Σ_x π(x) to "
            "atol 4·eps·(n + K)",
            "tr(ρE_k) sums n non-negative products (relative error ≤ n·eps); the Bayes side "
            "exponentiates logsumexp of logs whose absolute rounding is eps·|log π L|.",
        ),
        Identity(
            "luders-update-is-bayes-posterior",
            "exact",
            check_luders_is_bayes,
            "diagonal: rtol 8·eps·(n + 2 + max|log π(x)L(k|x)|); off-diagonal and imaginary "
            "parts ≤ 4·n·eps·max posterior; every outcome with p(k) ≥ 1e-12",
            "The square root of a diagonal E_k is exact up to eigh's rounding; the posterior "
            "is a product over a sum of n terms on one side and a log-domain ratio on the other.",
        ),
        Identity(
            "luders-update-ignores-coherences",
            "exact",
            check_coherence_blind,
            "rtol 8·eps·(n + 2 + max|log π(x)L(k|x)|) on the populations",
            "With E_k diagonal, (√E ρ √E)_xx = E_xx ρ_xx: the off-diagonal ρ_xy never enter the "
            "populations, so the rounding is that of the classical update.",
            strategy=coherent_strategy,
            examples=(
                {
                    "density_matrix": [[0.5, 0.5], [0.5, 0.5]],
                    "povm": [[0.9, 0.2], [0.1, 0.8]],
                    "outcome": 0,
                },
                {
                    "density_matrix": [[0.5, -0.5j], [0.5j, 0.5]],
                    "povm": [[0.3, 0.6], [0.7, 0.4]],
                    "outcome": 1,
                },
            ),
        ),
        Identity(
            "petz-recovery-is-bayesian-inverse",
            "exact",
            check_petz_is_bayes,
            "as luders-update-is-bayes-posterior, for every outcome with p(k) ≥ 1e-12",
            "σ^½ and N(σ)^−½ are diagonal square roots (exact up to eigh's rounding); the "
            "recovered state is π(x)L(k|x)/p(k) computed as a product.",
        ),
        Identity(
            "born-rule-is-law-of-total-probability",
            "exact",
            check_total_probability,
            "atol 4·n²·eps·(1 + Σ|ρ_ij||E_ji|) per outcome; Σ_k p(k) = 1 to the POVM's "
            "completeness defect ‖Σ E_k − I‖ plus that rounding",
            "tr(ρE_k) is an n²-term sum of complex products; the POVM is built as "
            "S^−½ A_k S^−½ with cond(S) ≤ 1e8, so Σ E_k = I only to about eps·cond(S).",
            strategy=mixture_strategy,
            examples=(
                {  # ½|0⟩⟨0| + ½|+i⟩⟨+i| measured in the Y basis: 3/4 and 1/4; tr(ρᵀE) swaps them
                    "mixture_weights": [0.5, 0.5],
                    "mixture_states": [[1.0, 0.0], [_S, 1j * _S]],
                    "povm_elements": [
                        [[0.5, -0.5j], [0.5j, 0.5]],
                        [[0.5, 0.5j], [-0.5j, 0.5]],
                    ],
                },
            ),
        ),
        Identity(
            "commuting-measurements-are-sequential-bayes",
            "exact",
            check_sequential,
            "twice the rtol of luders-update-is-bayes-posterior, for both orders",
            "Two Lüders updates (or two Bayes updates) compound the rounding of one.",
            strategy=sequential_strategy,
            examples=(
                {
                    **DISEASE_TEST,
                    "second_povm": [[0.1, 0.9], [0.9, 0.1]],
                    "second_outcome": 0,
                },
            ),
        ),
        Identity(
            "noncommuting-order-effect",
            "analogy",
            check_order_effect,
            "quantum joint probabilities within 32·eps of (1 + s₁a·r)/2·(1 + s₁s₂a·b)/2 in "
            "each order; the Bayesian joint order-independent to 8·eps; order effect ≥ 1e-3",
            "Negative control: for non-commuting projectors the order of the measurements "
            "changes the joint probability by (s₁a·r − s₂b·r)(1 + s₁s₂a·b)/4, which no "
            "classical conjunction can do. The band: some 30 roundings of size ≤ eps (2×2 "
            "products, an eigendecomposition, a trace).",
            strategy=bloch_strategy,
            examples=(ORDER_EFFECT_EXAMPLE,),
        ),
    ),
    mutants=(
        Mutant(
            "luders-squares-the-effect",
            "E_k ρ E_k (normalised) instead of √E_k ρ √E_k: the likelihood enters squared",
            _luders_squares_effect,
            ("luders-update-is-bayes-posterior",),
        ),
        Mutant(
            "likelihood-transposed",
            "the likelihood read as L(x|k), normalised over hypotheses, instead of L(k|x)",
            _likelihood_transposed,
            ("born-probability-is-evidence",),
        ),
        Mutant(
            "luders-not-normalised",
            "√E_k ρ √E_k not divided by p(k): the post-measurement state has trace p(k)",
            _luders_unnormalised,
            ("luders-update-is-bayes-posterior",),
        ),
        Mutant(
            "born-with-transposed-state",
            "tr(ρᵀE_k) = tr(ρ̄E_k) instead of tr(ρE_k): invisible for real (diagonal) states",
            _born_transposed,
            ("born-rule-is-law-of-total-probability",),
        ),
        Mutant(
            "classical-conditioning-update",
            "the state update keeps only the populations (Bayes on the diagonal, coherences "
            "dropped): right in every commuting case, wrong for non-commuting measurements",
            _classical_conditioning,
            ("noncommuting-order-effect",),
        ),
        Mutant(
            "petz-forgets-the-prior",
            "the recovery map returns the normalised likelihood E_k/tr E_k, without σ^½ … σ^½",
            _petz_forgets_prior,
            ("petz-recovery-is-bayesian-inverse",),
        ),
    ),
)


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    return [BORN_BAYES]
