"""Information-geometry plugin: the Fisher metric is a fluctuation, the natural gradient a
gradient in mean coordinates.

``fisher-natural-gradient`` (essay §2.2, classical part). One family of distributions seen from
two fields:

* the physics side is a K-state system in external fields η (the reference state K feels no
  field). It computes thermodynamic quantities in its own terms: the log-partition function
  A(η) = log Z from Boltzmann weights relative to the most favoured state, the mean occupations
  μ = ∇A, the fluctuations of the occupation numbers Cov(T) by an explicit sum over the K
  microstates, the susceptibility ∂μ/∂η = ∇²A in closed form, and the gradient of the loss in
  the conjugate (mean) coordinates, ∂L/∂μ, from the loss written as a function of μ;
* the learning side is a softmax classifier trained with cross-entropy against a target q, as
  practitioners compute it: scipy's softmax and log-softmax, the gradient ∂L/∂z = (Σq)·p − q,
  the Fisher matrix as the model's expectation of score outer products written in the
  Gauss–Newton form Σ_y ∂p(y)∂p(y)ᵀ/p(y) through the softmax Jacobian, and the natural gradient
  by a generic linear solve of F x = ∇L (and by the Sherman–Morrison closed form of F⁻¹).

The two sides share no code, and the identities compare different algorithms: a fluctuation sum
and a closed-form susceptibility against the Gauss–Newton sum, a Bregman divergence of A against
a direct KL sum, a finite-difference Hessian of the KL against both Fisher matrices, a linear
solve against the loss differentiated in mean coordinates. Two identities bring their own
families: the fields written as η = B sinh(φ) (reparametrisation invariance) and the canonical
ensemble as a family in β (heat capacity). The tests add independent references: a KL written
in the test and differentiated in mpmath, Bernoulli and two-level closed forms, an mpmath solve.

``quantum-fisher-natural-gradient`` (essay §2.2, quantum part: 量子信息几何). Two families of
quantum states, each seen from both fields:

* pure states ψ(θ) = e^(−iθH)ψ₀ (the entry's parameters: a state, a generator, a parameter value
  and a measured observable, complex ones as real and imaginary parts). The physics side writes
  the state as a density matrix ρ = |ψ⟩⟨ψ| evolved with a matrix exponential (a Taylor series
  with scaling and squaring) and computes the quantum Fisher information from the spectral
  decomposition of ρ and from the symmetric logarithmic derivative L = 2∂ρ, and the variance of
  the generator as ‖(H − ⟨H⟩)ψ‖². The learning side is a one-parameter variational circuit as
  quantum machine learning computes it: a state vector evolved in the generator's eigenbasis, the
  metric tensor of the quantum natural gradient in the two-term form ⟨∂ψ|∂ψ⟩ − |⟨ψ|∂ψ⟩|²
  (Fubini–Study), and the classical Fisher information of the readout's outcome distribution;
* thermal states ρ(θ) ∝ exp(−(H₀ + θV)) with [H₀, V] = 0, possibly rotated by e^(−iθG) (an
  identity's own family). Physics: a matrix exponential, the SLD equation solved with
  ``scipy.linalg.solve_sylvester`` and the eigen-form; learning: the softmax family
  p = softmax(a + θb), whose Fisher information Σ(∂p)²/p (:func:`classical_fisher_information`,
  shared with the classical entry) and Var_p(b) it computes.

The tests add independent references: the qubit (|0⟩ + e^(iθ)|1⟩)/√2 (Var H = 1/4, QFI = 1),
a spin-½ in a field, finite differences of the fidelity and the Bures distance in mpmath, the
SLD equation solved as a Kronecker system.
"""

from __future__ import annotations

import functools
import math
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
from physml.compare import EPS, close
from physml_plugins import physml_catalog_dirs  # noqa: F401 - the shared catalog hook

#: |η_k| ≤ 300 keeps every probability above e^(−600)/K ≈ 1e-261: normal floats, finite 1/p.
FIELD_BOUND = 300.0

# -- shared helpers -------------------------------------------------------------------------------


def classical_fisher_information(probabilities: Any, derivatives: Any) -> Any:
    """Σ_x (∂p_x)²/p_x for derivatives ∂p of shape (n,) or (n, d); states with p = 0 are skipped.

    The form of the Fisher information that needs no score: only the probabilities and their
    derivatives (also the classical quantity the quantum Fisher information bounds).
    """
    import numpy as np

    p = np.asarray(probabilities, dtype=float)
    dp = np.asarray(derivatives, dtype=float)
    support = p > 0
    dp, p = dp[support], p[support]
    if dp.ndim == 1:
        return float(np.sum((dp / p) * dp))  # (dp/p)·dp: no underflow of dp² at tiny p
    return (dp / p[:, None]).T @ dp


def _reparametrised_fields(params: dict[str, Any]) -> tuple[Any, Any]:
    """η = B sinh(φ) and its Jacobian J = ∂η/∂φ = B diag(cosh φ)."""
    import numpy as np

    phi = np.asarray(params["coordinates"], dtype=float)
    b = np.asarray(params["mixing_matrix"], dtype=float)
    return b @ np.sinh(phi), b * np.cosh(phi)[None, :]


# -- physics side: a K-state system in external fields --------------------------------------------


def field_ensemble(params: dict[str, Any]) -> dict[str, Any]:
    """Thermodynamics of K microstates in fields η (η_K ≡ 0), in natural units (kT = 1).

    Also the canonical ensemble in β (keys ``energies``, ``temperature``) and the fields written
    in other coordinates (keys ``coordinates``, ``mixing_matrix``), which some identities check.
    """
    if "energies" in params:
        return _canonical_in_beta(params)
    import numpy as np

    if "coordinates" in params:
        eta, _ = _reparametrised_fields(params)
    else:
        eta = np.asarray(params["natural_parameters"], dtype=float)
    q = np.asarray(params["target"], dtype=float)
    k = eta.size + 1
    fields = np.append(eta, 0.0)  # the reference state K feels no field
    top = fields.max()
    weights = np.exp(fields - top)  # Boltzmann weights relative to the most favoured state, ≤ 1
    z_reduced = weights.sum()  # in [1, K]
    p = weights / z_reduced
    log_z = top + math.log(z_reduced)
    mu = p[:-1]  # mean occupation numbers ⟨T_k⟩ = p_k
    # Fluctuations of the occupation numbers T_k(x) = [x = k], summed over the K microstates.
    deviation = np.eye(k)[:, :-1] - mu  # row x: T(x) − μ
    covariance = deviation.T @ (p[:, None] * deviation)
    # Susceptibility ∂μ_i/∂η_j = μ_i(δ_ij − μ_j); 1 − μ_i as the sum of the other occupations.
    others = (np.ones((k, k)) - np.eye(k)) @ p
    susceptibility = -np.outer(mu, mu)
    susceptibility[np.diag_indices(k - 1)] = mu * others[:-1]
    # The loss as a function of the means, L(μ) = −Σ_k q_k log μ_k with μ_K = 1 − Σ_{k<K} μ_k.
    mean_gradient = -q[:-1] / mu + q[-1] / p[-1]
    # Hessian of the negative entropy −S(μ) = Σ μ log μ: the metric in mean coordinates.
    metric = np.diag(1.0 / mu) + 1.0 / p[-1]
    # Entropy S = A − η·μ and the loss Σ q_k (A − η_k), written with fields relative to the top.
    depth = top - fields  # ≥ 0
    return {
        "probabilities": p,
        "log_partition_function": float(log_z),
        "mean_parameters": mu,
        "statistic_covariance": covariance,
        "log_partition_hessian": susceptibility,
        "entropy": float(math.log(z_reduced) + p @ depth),
        "cross_entropy": float(q @ (math.log(z_reduced) + depth)),
        "mean_parameter_gradient": mean_gradient,
        "mean_parameter_metric": metric,
    }


def _canonical_in_beta(params: dict[str, Any]) -> dict[str, Any]:
    """The canonical ensemble as a one-parameter family in β: log Z, Var(E), C = β²Var(E)."""
    import numpy as np

    energies = np.asarray(params["energies"], dtype=float)
    beta = 1.0 / float(params["temperature"])
    excitation = energies - energies.min()
    weights = np.exp(-beta * excitation)
    z_reduced = weights.sum()
    p = weights / z_reduced
    mean_excitation = float(p @ excitation)
    variance = float(p @ (excitation - mean_excitation) ** 2)
    return {
        "probabilities": p,
        "log_partition_function": float(-beta * energies.min() + math.log(z_reduced)),
        "reduced_log_partition_function": float(math.log(z_reduced)),
        "mean_energy": float(energies.min() + mean_excitation),
        "energy_variance": variance,
        "heat_capacity": float(beta**2 * variance),
    }


# -- learning side: a softmax classifier and its Fisher geometry ----------------------------------


def softmax_classifier_geometry(
    params: dict[str, Any],
    *,
    labels_from: str = "model",
    fisher_sign: float = 1.0,
    preconditioner: str = "inverse",
    scale_parameter: str = "inverse-temperature",
) -> dict[str, Any]:
    """Cross-entropy training of a softmax classifier: loss, gradient, Fisher, natural gradient.

    The trainable parameters θ set the logits of classes 1..K−1 (class K is the fixed reference);
    with ``coordinates`` and ``mixing_matrix`` they are φ with logits B sinh(φ). With
    ``logit_direction`` and ``logit_scale`` the model is softmax(β·s) and β is the one parameter.
    ``metric`` = "euclidean" (default "fisher") makes the update direction steepest descent in the
    coordinates' own Euclidean metric, the plain gradient: the boundary of the invariance.

    The keyword arguments select wrong variants for the mutants: the empirical Fisher
    (``labels_from="target"``), the Fisher as +E[∇² log p] (``fisher_sign=-1``), F instead of
    F⁻¹ or no preconditioning (``preconditioner``), the Fisher of kT instead of β.
    """
    import numpy as np
    from scipy.special import log_softmax, softmax

    if "logit_direction" in params:
        return _logit_scale_model(params, fisher_sign=fisher_sign, scale_parameter=scale_parameter)
    q = np.asarray(params["target"], dtype=float)
    if "coordinates" in params:
        phi = np.asarray(params["coordinates"], dtype=float)
        b = np.asarray(params["mixing_matrix"], dtype=float)
        logits = np.append(b @ np.sinh(phi), 0.0)
        jacobian = b * np.cosh(phi)[None, :]  # ∂(logits 1..K−1)/∂φ, by the chain rule
    else:
        logits = np.asarray(params["logits"], dtype=float)
        jacobian = np.eye(logits.size - 1)
    k = logits.size
    p = softmax(logits)
    log_p = log_softmax(logits)
    support = q > 0
    loss = float(-(q[support] @ log_p[support]))
    logit_gradient = q.sum() * p - q  # ∂L/∂z for L = −Σ q log softmax(z); sums to zero
    gradient = jacobian.T @ logit_gradient[:-1]
    # The softmax Jacobian ∂p/∂θ = (diag p − ppᵀ)[:, :K−1]·J, row y: ∂p(y)/∂θ; its diagonal
    # p_y(1 − p_y) with 1 − p_y summed from the other classes (no cancellation as p_y → 1).
    softmax_jacobian = -np.outer(p, p)
    softmax_jacobian[np.diag_indices(k)] = p * ((np.ones((k, k)) - np.eye(k)) @ p)
    dp = softmax_jacobian[:, :-1] @ jacobian
    if fisher_sign < 0:  # +E[∇² log p]: the Hessian of log p(y) is −Jᵀ(diag p̄ − p̄p̄ᵀ)J for all y
        fisher = -(jacobian.T @ (np.diag(p[:-1]) - np.outer(p[:-1], p[:-1])) @ jacobian)
    elif labels_from == "model":  # E_p[score scoreᵀ] = Σ_y (∂p(y))(∂p(y))ᵀ/p(y), Gauss–Newton form
        fisher = classical_fisher_information(p, dp)
    else:  # scores ∂log p(y) = ∂p(y)/p(y) averaged over the target's labels y ~ q
        support = p > 0
        scores = dp[support] / p[support, None]
        fisher = scores.T @ (q[support, None] * scores)
    natural = np.linalg.solve(fisher, gradient)
    # Sherman–Morrison: (diag p̄ − p̄p̄ᵀ)⁻¹ = diag(1/p̄) + 11ᵀ/p_K, and 1ᵀg = −∂L/∂z_K.
    closed_form = logit_gradient[:-1] / p[:-1] - logit_gradient[-1] / p[-1]
    if "coordinates" in params:
        closed_form = np.linalg.solve(jacobian, closed_form)  # J⁻¹F_η⁻¹g_η = F_φ⁻¹g_φ
    if preconditioner == "fisher":
        natural = closed_form = fisher @ gradient
    elif preconditioner == "none" or params.get("metric") == "euclidean":
        # Steepest descent in the Euclidean metric of the coordinates: the plain gradient.
        natural = closed_form = gradient
    return {
        "probabilities": p,
        "log_probabilities": log_p,
        "loss": loss,
        "gradient": gradient,
        "fisher_matrix": fisher,
        "natural_gradient": natural,
        "natural_gradient_closed_form": closed_form,
    }


def _logit_scale_model(
    params: dict[str, Any], *, fisher_sign: float, scale_parameter: str
) -> dict[str, Any]:
    """softmax(β·s): the Fisher information of the logit scale β, as Σ_y (∂p_y/∂β)²/p_y."""
    import numpy as np
    from scipy.special import softmax

    direction = np.asarray(params["logit_direction"], dtype=float)
    beta = float(params["logit_scale"])
    centred = direction - direction.max()  # softmax and its derivatives ignore a common shift
    p = softmax(beta * centred)
    dp = p * (centred - p @ centred)  # the softmax Jacobian applied to ∂z/∂β = s
    fisher = fisher_sign * classical_fisher_information(p, dp)
    if scale_parameter == "temperature":  # the Fisher information of τ = 1/β, F_ττ = β⁴F_ββ
        fisher *= beta**4
    return {"probabilities": p, "fisher_information": fisher}


def classifier_from_fields(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: fields η are logits (reference class at 0), q the label distribution.

    For the canonical family: the energies are a logit direction s = −E scaled by β = 1/kT.
    """
    import numpy as np

    if "energies" in params:
        return {
            "logit_direction": -np.asarray(params["energies"], dtype=float),
            "logit_scale": 1.0 / float(params["temperature"]),
        }
    if "coordinates" in params:
        return {
            "coordinates": params["coordinates"],
            "mixing_matrix": params["mixing_matrix"],
            "target": params["target"],
            "metric": params.get("metric", "fisher"),
        }
    return {
        "logits": np.append(np.asarray(params["natural_parameters"], dtype=float), 0.0),
        "target": params["target"],
    }


# -- parameters and strategies --------------------------------------------------------------------


def _uniform_fields(target: Any) -> list[float]:
    """No field on any state (the uniform model), for a target given on its own."""
    if len(target) < 2:
        raise ParameterError("target", f"needs K ≥ 2 entries (one per state), got {len(target)}")
    return [0.0] * (len(target) - 1)


NATURAL_PARAMETERS = Parameter(
    "natural_parameters",
    "fields η_k = log(p_k/p_K) on states 1..K−1 (state K is the reference, η_K ≡ 0); "
    "a classifier's logits relative to its last class",
    f"finite reals, |η_k| ≤ {FIELD_BOUND:g}",
    shape="(K−1,), K ≥ 2",
    ndim=1,
    minimum=-FIELD_BOUND,
    maximum=FIELD_BOUND,
    neutral=lambda values: _uniform_fields(values["target"]),
)
TARGET = Parameter(
    "target",
    "target distribution q of the cross-entropy loss −Σ q_k log p_k (the labels' frequencies)",
    "q_k ≥ 0, Σ q_k = 1 within 1e-9",
    shape="(K,)",
    ndim=1,
    minimum=0.0,
    maximum=1.0,
    neutral=lambda values: (
        [1.0 / (len(values["natural_parameters"]) + 1)] * (len(values["natural_parameters"]) + 1)
    ),
)


def validate_target(values: dict[str, Any]) -> None:
    """One target probability per state (K = len(η) + 1), summing to 1."""
    k = len(values["natural_parameters"]) + 1
    q = values["target"]
    if len(q) != k:
        raise ParameterError(
            "target",
            f"must have K = len(natural_parameters) + 1 = {k} entries (one per state, "
            f"the last being the reference state), got {len(q)}",
        )
    total = float(q.sum())
    if abs(total - 1.0) > 1e-9:
        raise ParameterError("target", f"must sum to 1 (a probability vector), got sum {total!r}")


def _target(draw: Any, k: int) -> list[float]:
    """A target on K states: weights log-uniform over 6 decades, some exactly zero."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    weight = st.one_of(st.just(0.0), st.floats(-6, 0).map(lambda e: 10.0**e))
    w = draw(arrays(np.float64, k, elements=weight))
    assume(w.sum() > 0)
    return (w / w.sum()).tolist()


def fields_strategy() -> Any:
    """K ∈ [2, 8]; η = x·10^U(−1, 0.7) with x ∈ [−3, 3]^(K−1) (p_min down to ~1e-14)."""
    import numpy as np
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        k = draw(st.integers(2, 8))
        x = draw(arrays(np.float64, k - 1, elements=st.floats(-3, 3, allow_subnormal=False)))
        scale = 10.0 ** draw(st.floats(-1, 0.7))
        return {"natural_parameters": (scale * x).tolist(), "target": _target(draw, k)}

    return draw()


def reparametrisation_strategy() -> Any:
    """φ ∈ [−1.5, 1.5]^(K−1)·10^U(−1, 0); B = N(0, 1) + 3I from a seeded generator; cond J ≤ 1e8."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        k = draw(st.integers(2, 7))
        m = k - 1
        seed = draw(st.integers(0, 2**32 - 1))
        b = np.random.default_rng(seed).standard_normal((m, m)) + 3 * np.eye(m)
        x = draw(arrays(np.float64, m, elements=st.floats(-1.5, 1.5, allow_subnormal=False)))
        phi = x * 10.0 ** draw(st.floats(-1, 0))
        jacobian = b * np.cosh(phi)[None, :]
        assume(np.linalg.cond(jacobian) <= 1e8)
        return {
            "coordinates": phi.tolist(),
            "mixing_matrix": b.tolist(),
            "target": _target(draw, k),
        }

    return draw()


def canonical_strategy() -> Any:
    """Energies off + scale·x, x ∈ [−4, 4]ⁿ, n ∈ [2, 16]; scale and kT log-uniform, 6 decades."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(2, 16))
        x = draw(arrays(np.float64, n, elements=st.floats(-4, 4, allow_subnormal=False)))
        assume(np.ptp(x) > 1e-6)
        scale = 10.0 ** draw(st.floats(-3, 3))
        offset = draw(st.one_of(st.just(0.0), st.floats(-1e3, 1e3)))
        kT = 10.0 ** draw(st.floats(-3, 3))
        return {"energies": (offset + scale * x).tolist(), "temperature": kT}

    return draw()


#: Examples that always run: Bernoulli models at large logits (one with p ≈ q, where the gradient
#: cancels), skewed and one-hot targets, a class at p ~ 1e-7, the largest admissible fields.
FIELD_EXAMPLES = (
    {"natural_parameters": [12.0], "target": [0.5, 0.5]},
    {"natural_parameters": [15.0], "target": [1.0, 0.0]},  # p ≈ q: the gradient cancels
    {"natural_parameters": [8.0, -8.0, 0.1, 3.0], "target": [0.1, 0.6, 0.1, 0.1, 0.1]},
    {"natural_parameters": [-2.0, 2.5, 0.0], "target": [0.0, 0.0, 1.0, 0.0]},
    {"natural_parameters": [FIELD_BOUND, -FIELD_BOUND, 0.0], "target": [0.25, 0.25, 0.25, 0.25]},
)
REPARAMETRISATION_EXAMPLES = (
    {
        "coordinates": [0.3, -0.7],
        "mixing_matrix": [[3.5, -0.4], [1.2, 2.1]],
        "target": [0.2, 0.5, 0.3],
    },
    {"coordinates": [1.2], "mixing_matrix": [[2.0]], "target": [0.9, 0.1]},
    {"coordinates": [1.5], "mixing_matrix": [[3.125]], "target": [1.0, 0.0]},  # p ≈ q
)
#: Two-level system at the Schottky peak x* = Δ/kT = 2.3994, then examples with kT ≠ 1.
SCHOTTKY_PEAK = 2.399357280515487
CANONICAL_EXAMPLES = (
    {"energies": [0.0, 1.0], "temperature": 1.0 / SCHOTTKY_PEAK},
    {"energies": [0.0, 1.0, 2.0, 5.0], "temperature": 0.3},
    {"energies": [1000.0, 1000.5, 1001.0, 1003.0], "temperature": 2.5},
    # Nearly degenerate levels: a step 1e-4/ΔE in β would be larger than β itself.
    {"energies": [0.0001, 0.0], "temperature": 1.0},
)


def _spread(params: dict[str, Any]) -> float:
    """max η − min η over the K fields (η_K = 0): the range of the logits."""
    import numpy as np

    fields = np.append(np.asarray(params["natural_parameters"], dtype=float), 0.0)
    return float(np.ptp(fields))


def _sides(c: Correspondence, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return c.physics.observe(params), c.learning.observe(c.translate(params))


def _at(params: dict[str, Any], eta: Any) -> dict[str, Any]:
    return {**params, "natural_parameters": eta}


# -- identities -----------------------------------------------------------------------------------


def check_fisher(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Cov(T) (explicit sum) = ∇²A (susceptibility) = E_p[score scoreᵀ] (model expectation)."""
    phys, learn = _sides(c, params)
    k = len(params["target"])
    rtol = 8 * EPS * (k + _spread(params))
    fisher = learn["fisher_matrix"]
    result = close(
        phys["log_partition_hessian"], phys["statistic_covariance"], rtol=rtol, atol=1e-300
    )
    return result & close(fisher, phys["statistic_covariance"], rtol=rtol, atol=1e-300)


def check_bregman(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """KL(p_η‖p_η′) as a direct sum = A(η′) − A(η) − (η′ − η)·μ, for several trial points η′."""
    import numpy as np

    eta = np.asarray(params["natural_parameters"], dtype=float)
    q = np.asarray(params["target"], dtype=float)
    phys, learn = _sides(c, params)
    p, log_p = learn["probabilities"], learn["log_probabilities"]
    trials = [np.zeros_like(eta), -eta, eta / 2, eta + np.where(np.arange(eta.size) % 2, -1, 1)]
    if np.all(q > 1e-12):
        trials.append(np.log(q[:-1]) - np.log(q[-1]))  # the target's own fields: KL(p‖q)
    result = Comparison(True)
    for trial in trials:
        other = c.physics.observe(_at(params, trial))
        shift = trial - eta
        bregman = (
            other["log_partition_function"]
            - phys["log_partition_function"]
            - shift @ phys["mean_parameters"]
        )
        log_p_other = c.learning.observe(c.translate(_at(params, trial)))["log_probabilities"]
        support = p > 0
        kl = float(p[support] @ (log_p[support] - log_p_other[support]))
        terms = (
            abs(other["log_partition_function"])
            + abs(phys["log_partition_function"])
            + np.abs(shift) @ phys["mean_parameters"]
        )
        spreads = _spread(params) + float(np.ptp(np.append(trial, 0.0)))
        atol = 4 * EPS * (eta.size + 1 + terms + spreads)
        result &= close(kl, bregman, atol=atol)
    return result


FD_STEP = 1e-4
#: The generic solve is compared while its error bound is at most 1e-2 of the size of ∇_μL.
SOLVE_LIMIT = 1e-2


def check_kl_hessian(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """∂²KL(p_η‖p_η′)/∂η′_i∂η′_j at η′ = η by the central 4-point formula, against both Fishers."""
    import numpy as np

    eta = np.asarray(params["natural_parameters"], dtype=float)
    phys, learn = _sides(c, params)
    p, log_p = learn["probabilities"], learn["log_probabilities"]
    support = p > 0

    def kl(trial: Any) -> float:
        other = c.learning.observe(c.translate(_at(params, trial)))["log_probabilities"]
        return float(p[support] @ (log_p[support] - other[support]))

    m, h = eta.size, FD_STEP
    steps = h * np.eye(m)
    hessian = np.empty((m, m))
    for i in range(m):
        for j in range(i, m):
            value = (
                kl(eta + steps[i] + steps[j])
                - kl(eta + steps[i] - steps[j])
                - kl(eta - steps[i] + steps[j])
                + kl(eta - steps[i] - steps[j])
            ) / (4 * h * h)
            hessian[i, j] = hessian[j, i] = value
    logits = np.append(eta, 0.0)
    depth = float(p @ (logits.max() - logits))
    # Truncation h²/3·max|κ₄| (κ₄ of indicators ≤ 1); rounding of each KL, 4·eps·(1 + ⟨z_max − z⟩),
    # amplified by 1/h². Never asserted better than 1e-6.
    atol = max(1e-6, 10 * (h * h / 3 + 4 * EPS * (1 + depth) / (h * h)))
    return close(hessian, phys["log_partition_hessian"], atol=atol) & close(
        hessian, learn["fisher_matrix"], atol=atol
    )


def _gradient_rounding(p: Any, q: Any, spread: float, fisher: Any) -> tuple[float, float]:
    """The error a solve with F inherits from ∇_ηL = (Σq)·p̄ − q̄, and the smallest eigenvalue of F.

    Each g_k = p_k − q_k is rounded relative to p_k + q_k (and p_k relative to the logit range);
    F⁻¹ amplifies that absolute error by 1/λ_min(F), however well the solve itself does. This is
    what the bound cond(F)·eps misses when p ≈ q makes the gradient cancel.
    """
    import numpy as np

    smallest = float(np.linalg.eigvalsh(fisher)[0])
    size = float(np.max(p[:-1] + q[:-1]))
    if smallest <= 0:
        return math.inf, smallest
    return 8 * EPS * (1 + spread) * size / smallest, smallest


def check_natural_gradient(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """F⁻¹∇_ηL (Sherman–Morrison, and a generic solve) = ∇_μL (the loss differentiated in μ)."""
    import numpy as np

    phys, learn = _sides(c, params)
    q = np.asarray(params["target"], dtype=float)
    p = phys["probabilities"]
    terms = q[:-1] / p[:-1] + q[-1] / p[-1]  # the two terms of ∂L/∂μ_k, in absolute value
    spread = _spread(params)
    reference = phys["mean_parameter_gradient"]
    closed_tol = 8 * EPS * (1 + spread) * (1 + terms)
    result = close(learn["natural_gradient_closed_form"], reference, atol=closed_tol)
    hessian = phys["log_partition_hessian"]
    condition = float(np.linalg.cond(hessian))
    detail: dict[str, Any] = {
        "closed_form_abs_error": result.abs_error,
        "fisher_condition_number": condition,
    }
    k = q.size
    inherited, _ = _gradient_rounding(p, q, spread, hessian)
    # Max-norms throughout: ∇_μL reaches 1e261 at the largest fields, and its square overflows.
    bound = inherited + 8 * k * (k + spread) * EPS * condition * float(np.max(np.abs(reference)))
    size = float(np.max(1 + terms))
    holds = result.holds
    if bound <= SOLVE_LIMIT * size:  # beyond, a float64 solve keeps no digit worth asserting
        # Reported relative to the size of ∇_μL's terms: the errors shown are the closed form's.
        solved = close(learn["natural_gradient"], reference, atol=bound)
        holds = holds and solved.holds
        detail["solve_error"] = solved.abs_error / size
        detail["solve_bound"] = bound / size
    else:
        detail["solve"] = "not compared: its error bound exceeds 1e-2 of the size of ∇_μL"
    return Comparison(holds, result.abs_error, result.rel_error, detail=detail)


def check_reparametrisation(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """J·F_φ⁻¹∇_φL = F_η⁻¹∇_ηL = ∇_μL for η = B sinh(φ); the plain gradient J∇_φL is not ∇_ηL."""
    import numpy as np

    eta, jacobian = _reparametrised_fields(params)
    in_phi = c.learning.observe(c.translate(params))
    natural_params = {"natural_parameters": eta.tolist(), "target": params["target"]}
    in_eta = c.learning.observe(c.translate(natural_params))
    phys = c.physics.observe(params)  # the physics side at η = B sinh(φ), in its own terms
    hessian = phys["log_partition_hessian"]
    condition = float(np.linalg.cond(jacobian.T @ hessian @ jacobian))  # F_φ = JᵀF_ηJ
    reference = phys["mean_parameter_gradient"]
    q = np.asarray(params["target"], dtype=float)
    p = phys["probabilities"]
    size = float(np.max(1 + q[:-1] / p[:-1] + q[-1] / p[-1]))  # before cancellation
    inherited, _ = _gradient_rounding(p, q, float(np.ptp(np.append(eta, 0.0))), hessian)
    bound = 16 * EPS * condition * size + inherited
    error = float(np.max(np.abs(jacobian @ in_phi["natural_gradient"] - reference)))
    plain = jacobian @ in_phi["gradient"]
    plain_gap = float(
        np.linalg.norm(plain - in_eta["gradient"]) / max(np.linalg.norm(in_eta["gradient"]), 1e-300)
    )
    return Comparison(
        error <= bound,
        error,
        error / size,
        detail={
            "bound": bound / size,
            "metric_condition_number": condition,
            "plain_gradient_rel_discrepancy": plain_gap,
        },
    )


def check_beta_fisher(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Gibbs family in β: F_ββ = Var(E) = ∂²log Z/∂β² (finite differences), and C = β²F_ββ."""
    import numpy as np

    phys, learn = _sides(c, params)
    energies = np.asarray(params["energies"], dtype=float)
    kT = float(params["temperature"])
    beta = 1.0 / kT
    n = energies.size
    spread = float(np.ptp(energies))
    levels = np.unique(energies)
    gap = float(np.min(np.diff(levels))) if levels.size > 1 else spread
    fisher = learn["fisher_information"]
    variance = phys["energy_variance"]
    # Compared in units of k (×β²): probabilities are rounded relative to β·ΔE (ΔE = E_max −
    # E_min) and E − U relative to ΔE, which matters against the smallest level gap.
    rtol = 4 * EPS * n * (1 + beta * spread + spread / gap)
    result = close(beta**2 * fisher, beta**2 * variance, rtol=rtol, atol=1e-300)
    result &= close(beta**2 * fisher, phys["heat_capacity"], rtol=rtol, atol=1e-300)
    # ∂² log Z/∂β² by central differences of the ground-state-relative log Z (same second
    # derivative, no −βE_min term), with a step 1e-4 in units of 1/ΔE, but at most β/4 so
    # that β − h stays a positive inverse temperature when the levels are nearly degenerate.
    h = min(FD_STEP / spread, beta / 4)

    def log_z(b: float) -> float:
        observed = c.physics.observe({**params, "temperature": 1.0 / b})
        return observed["reduced_log_partition_function"]

    second = (log_z(beta + h) - 2 * log_z(beta) + log_z(beta - h)) / (h * h)
    p = phys["probabilities"]
    excitation = energies - energies.min()
    centred = excitation - p @ excitation
    m4 = float(p @ centred**4)
    rounding = 4 * EPS * (1 + beta * spread + math.log(n))
    atol = 10 * (h * h * (m4 + 3 * variance**2) / 12 + 4 * rounding / (h * h))
    result &= close(beta**2 * second, beta**2 * variance, rtol=1e-6, atol=beta**2 * atol)
    return result


# -- mutants --------------------------------------------------------------------------------------


def _variant(**options: Any) -> Any:
    def apply(c: Correspondence) -> Correspondence:
        return c.with_learning(functools.partial(softmax_classifier_geometry, **options))

    return apply


# -- where it breaks ------------------------------------------------------------------------------


def euclidean_metric_strategy() -> Any:
    """Boundary: the reparametrisation family with plain gradient descent in φ (Euclidean metric),
    away from the optimum p = q where every gradient vanishes."""
    import numpy as np
    from hypothesis import assume

    def plain(params: dict[str, Any]) -> dict[str, Any]:
        eta, _ = _reparametrised_fields(params)
        p = np.exp(np.append(eta, 0.0) - max(float(np.max(eta)), 0.0))
        assume(float(np.max(np.abs(p / p.sum() - np.asarray(params["target"])))) >= 1e-3)
        return {**params, "metric": "euclidean"}

    return reparametrisation_strategy().map(plain)


FISHER_BOUNDARIES = (
    Boundary(
        "euclidean-metric",
        "the Fisher metric as the preconditioner (plain gradient descent uses the Euclidean "
        "metric of whatever coordinates it is given)",
        "natural-gradient-is-reparametrization-invariant",
        euclidean_metric_strategy,
        "Plain gradient descent in φ moves η along J∇_φL = JJᵀ∇_ηL, which depends on the chart "
        "through JJᵀ (spec FI-5 saw discrepancies up to 1.6e4 relative), whereas the natural "
        "gradient J·F_φ⁻¹∇_φL = F_η⁻¹∇_ηL = ∇_μL is the same direction in every chart.",
        examples=({**REPARAMETRISATION_EXAMPLES[0], "metric": "euclidean"},),
    ),
)

FISHER_NATURAL_GRADIENT = Correspondence(
    id="fisher-natural-gradient",
    regime="exact",
    physics=PhysicalSystem(
        "K-state system in external fields",
        "Microstates x = 1..K with occupation numbers T_k(x) = [x = k] coupled to fields η_k "
        "(kT = 1; the reference state K feels no field): p(x) ∝ exp(η·T(x)).",
        (
            "probabilities",
            "log_partition_function",
            "mean_parameters",
            "statistic_covariance",
            "log_partition_hessian",
            "entropy",
            "cross_entropy",
            "mean_parameter_gradient",
            "mean_parameter_metric",
        ),
        field_ensemble,
    ),
    learning=LearningMethod(
        "softmax classifier with cross-entropy, natural gradient",
        "A softmax over logits z = (η, 0) trained with cross-entropy against target q; "
        "the Fisher matrix is the model expectation of score outer products and the natural "
        "gradient solves F x = ∇L.",
        (
            "probabilities",
            "log_probabilities",
            "loss",
            "gradient",
            "fisher_matrix",
            "natural_gradient",
            "natural_gradient_closed_form",
        ),
        softmax_classifier_geometry,
    ),
    parameters=(NATURAL_PARAMETERS, TARGET),
    translate=classifier_from_fields,
    validate=validate_target,
    example={"natural_parameters": [0.5, -1.0], "target": [0.2, 0.5, 0.3]},
    examples=FIELD_EXAMPLES,
    strategy=fields_strategy,
    boundaries=FISHER_BOUNDARIES,
    identities=(
        Identity(
            "fisher-is-log-partition-hessian",
            "exact",
            check_fisher,
            "rtol 8·eps·(K + max η − min η) per entry; atol 1e-300",
            "Each side rounds the Boltzmann weights relative to the logit range; the "
            "fluctuation sum and the Gauss–Newton sum cancel by at most a factor 3 per "
            "entry and 1 − p_k is summed from the other states, so every entry, down to "
            "−p_i·p_j ~ 1e-28, keeps its relative precision. Below 1e-300 entries underflow.",
        ),
        Identity(
            "kl-is-bregman-divergence",
            "exact",
            check_bregman,
            "atol 4·eps·(K + |A(η)| + |A(η′)| + Σ|η′ − η|·μ + range η + range η′), for "
            "η′ = 0, −η, η/2, η ± 1 and the target's own fields",
            "The Bregman form subtracts terms of size |A| and |η′ − η|·μ; the direct KL sum "
            "rounds each log p relative to the logit range.",
        ),
        Identity(
            "kl-hessian-is-fisher",
            "exact",
            check_kl_hessian,
            "atol max(1e-6, 10·(h²/3 + 4·eps·(1 + ⟨z_max − z⟩_p)/h²)), h = 1e-4",
            "Central 4-point differences: truncation h²/3 times a fourth cumulant of "
            "indicators (≤ 1), rounding of the KL amplified by 1/h². A finite-difference "
            "Hessian is never asserted better than 1e-6.",
        ),
        Identity(
            "natural-gradient-is-mean-parameter-gradient",
            "exact",
            check_natural_gradient,
            "closed form: atol 8·eps·(1 + range η)·(1 + q_k/p_k + q_K/p_K) per entry; "
            "solve: atol 8·eps·[(1 + range η)·max(p̄ + q̄)/λ_min(F) + K(K + range η)·"
            "cond(F)·max|∇_μL|], compared while that is ≤ 1e-2·max(1 + q_k/p_k + q_K/p_K)",
            "The reference −q_k/p_k + q_K/p_K cancels when p is small, so its error scales "
            "with the sum of the absolute terms, and p itself is rounded relative to the "
            "logit range. A solve inherits the rounding of ∇_ηL = p̄ − q̄ (which cancels "
            "when p ≈ q) amplified by ‖F⁻¹‖ = 1/λ_min, and loses cond(F)·eps on its own "
            "(cond(F) reaches 1e14 with the drawn fields): the closed form is the sharp "
            "check, and the errors reported are its; the solve's, relative to the size of "
            "the terms, are in the detail.",
        ),
        Identity(
            "natural-gradient-is-reparametrization-invariant",
            "exact",
            check_reparametrisation,
            "max|J·F_φ⁻¹∇_φL − ∇_μL| ≤ 16·eps·cond(F_φ)·max(1 + q_k/p_k + q_K/p_K) + "
            "8·eps·(1 + range η)·max(p̄ + q̄)/λ_min(F_η), with F_φ = JᵀF_ηJ",
            "Solving with F_φ loses cond(F_φ)·eps relative to the size of ∇_μL before its "
            "cancellation; the rounding of the gradient (which cancels when p ≈ q) comes "
            "back through J·F_φ⁻¹·Jᵀ = F_η⁻¹. cond(J) ≤ 1e8 by construction. The "
            "detail reports the plain gradient's discrepancy ‖J∇_φL − ∇_ηL‖/‖∇_ηL‖, of "
            "order 1 or more: the plain gradient is not invariant (the mutant "
            "plain-gradient-as-natural-gradient is rejected here).",
            strategy=reparametrisation_strategy,
            examples=REPARAMETRISATION_EXAMPLES,
        ),
        Identity(
            "beta-fisher-information-is-heat-capacity",
            "exact",
            check_beta_fisher,
            "in units of k (×β²): F_ββ vs Var(E) and β²F_ββ vs C: rtol "
            "4·eps·n·(1 + β·ΔE + ΔE/gap); FD: rtol 1e-6 or atol "
            "10β²·(h²(m₄ + 3Var²)/12 + 16·eps·(1 + β·ΔE + log n)/h²), "
            "h = min(1e-4/ΔE, β/4)",
            "Probabilities are rounded relative to β·ΔE (ΔE = E_max − E_min) and E − U "
            "relative to ΔE against the smallest gap. Central differences: truncation from "
            "the fourth cumulant, rounding of log Z amplified by 1/h².",
            strategy=canonical_strategy,
            examples=CANONICAL_EXAMPLES,
        ),
    ),
    mutants=(
        Mutant(
            "fisher-wrong-sign",
            "Fisher defined as +E[∇² log p] (negative definite)",
            _variant(fisher_sign=-1.0),
            ("fisher-is-log-partition-hessian", "kl-hessian-is-fisher"),
        ),
        Mutant(
            "natural-gradient-applies-fisher",
            "natural gradient F∇L instead of F⁻¹∇L",
            _variant(preconditioner="fisher"),
            (
                "natural-gradient-is-mean-parameter-gradient",
                "natural-gradient-is-reparametrization-invariant",
            ),
        ),
        Mutant(
            "empirical-fisher",
            "empirical Fisher (scores averaged over the target's labels, not the model's) "
            "used as the Fisher matrix",
            _variant(labels_from="target"),
            ("fisher-is-log-partition-hessian",),
        ),
        Mutant(
            "plain-gradient-as-natural-gradient",
            "no preconditioning: the plain gradient reported as the natural gradient",
            _variant(preconditioner="none"),
            ("natural-gradient-is-reparametrization-invariant",),
        ),
        Mutant(
            "fisher-of-temperature-not-beta",
            "the Fisher information of kT (= β⁴F_ββ) reported as that of β",
            _variant(scale_parameter="temperature"),
            ("beta-fisher-information-is-heat-capacity",),
        ),
    ),
)


# == quantum-fisher-natural-gradient ==============================================================

#: Eigenvalue sums below this are dropped by the eigen-form of the QFI (the rank-change pitfall).
QFI_THRESHOLD = 1e-12
#: Eigenvalues of a measured observable within this fraction of its largest |eigenvalue| are one
#: outcome (a degenerate eigenspace is measured as a whole, with its projector).
DEGENERACY = 1e-9
#: How far a generator or observable may be from Hermitian in user input (relative to its size).
HERMITIAN_TOLERANCE = 1e-10
#: Largest |θ|·max|λ(H)|: the phases e^(−iθλ) keep 8 digits.
PHASE_LIMIT = 1e8


def _normalised(vector: Any) -> Any:
    """A nonzero vector scaled to unit norm without under- or overflow."""
    import numpy as np

    v = np.asarray(vector, dtype=complex)
    v = v / np.max(np.abs(v))
    return v / np.linalg.norm(v)


def _complex_vector(params: dict[str, Any], name: str) -> Any:
    import numpy as np

    return np.asarray(params[f"{name}_real"], dtype=float) + 1j * np.asarray(
        params[f"{name}_imag"], dtype=float
    )


def _hermitian(params: dict[str, Any], name: str) -> Any:
    """generator_real + i·generator_imag, symmetrised (the input is Hermitian to 1e-10)."""
    import numpy as np

    real = np.asarray(params[f"{name}_real"], dtype=float)
    imag = np.asarray(params[f"{name}_imag"], dtype=float)
    return (real + real.T) / 2 + 1j * (imag - imag.T) / 2


def qfi_eigen_form(rho: Any, d_rho: Any, *, spectrum_only: bool = False) -> float:
    """F_Q = 2 Σ_{λ_i+λ_j > 1e-12} |⟨i|∂ρ|j⟩|²/(λ_i + λ_j), in the eigenbasis of ρ."""
    import numpy as np

    values, vectors = np.linalg.eigh(rho)
    derivative = vectors.conj().T @ d_rho @ vectors
    sums = values[:, None] + values[None, :]
    keep = sums > QFI_THRESHOLD
    if spectrum_only:  # only the change of the eigenvalues, not of the eigenvectors
        keep &= np.eye(values.size, dtype=bool)
    return float(2 * np.sum(np.abs(derivative[keep]) ** 2 / sums[keep]))


def matrix_exponential(a: Any) -> Any:
    """e^A by scaling and squaring a Taylor series, with numpy products only.

    A/2^s has 1-norm ≤ 1/4, where about 14 Taylor terms reach eps; s squarings follow. The
    forward error is ≈ eps·‖A‖ (as scipy's Padé-based expm, which is avoided here: it calls a
    threaded BLAS that costs milliseconds per 8 × 8 matrix on a busy machine).
    """
    import numpy as np

    n = a.shape[0]
    norm = float(np.linalg.norm(a, 1))
    squarings = max(0, math.ceil(math.log2(norm / 0.25))) if norm > 0.25 else 0
    scaled = a / 2.0**squarings
    result = np.eye(n, dtype=a.dtype)
    term = np.eye(n, dtype=a.dtype)
    for k in range(1, 30):
        term = term @ scaled / k
        result = result + term
        if np.max(np.abs(term)) <= EPS * 1e-2:  # ‖result‖ ≥ 1 − 1/4 − …: negligible
            break
    for _ in range(squarings):
        result = result @ result
    return result


# -- physics side: quantum states, their SLD and quantum Fisher information ------------------------


def quantum_state_geometry(
    params: dict[str, Any], *, sld_rhs: float = 2.0, spectrum_only: bool = False
) -> dict[str, Any]:
    """ρ(θ) = |ψ(θ)⟩⟨ψ(θ)| with ψ(θ) = e^(−iθH)ψ₀: its SLD, QFI and the variance of H.

    With keys ``energies``, ``coupling``, ``eigenbasis_*`` the thermal family instead. The keyword
    arguments select wrong variants for the mutants: the SLD equation ρL + Lρ = ∂ρ (no ½,
    ``sld_rhs=1``) and the eigen-form restricted to the spectrum (``spectrum_only``).
    """
    if "energies" in params:
        return _thermal_state_geometry(params, sld_rhs=sld_rhs, spectrum_only=spectrum_only)
    import numpy as np

    generator = _hermitian(params, "generator")
    theta = float(params["theta"])
    n = generator.shape[0]
    # The mean level tr(H)/n only multiplies ψ by a global phase, which ρ does not see.
    traceless = generator - (np.trace(generator).real / n) * np.eye(n)
    psi = matrix_exponential(-1j * theta * traceless) @ _normalised(
        _complex_vector(params, "state")
    )
    psi = psi / np.linalg.norm(psi)
    rho = np.outer(psi, psi.conj())
    d_rho = -1j * (generator @ rho - rho @ generator)  # the von Neumann equation in θ
    # A pure state has ρ² = ρ, so ρ∂ρ + ∂ρρ = ∂ρ: L = 2∂ρ solves ρL + Lρ = 2∂ρ (the Sylvester
    # operator is singular here, with a rank-one ρ).
    sld = sld_rhs * d_rho
    mean = float(np.vdot(psi, generator @ psi).real)
    centred = generator @ psi - mean * psi  # (H − ⟨H⟩)ψ: no cancellation of ⟨H²⟩ − ⟨H⟩²
    return {
        "state_real": psi.real,
        "state_imag": psi.imag,
        "generator_mean": mean,
        "generator_variance": float(np.vdot(centred, centred).real),
        "quantum_fisher_information": qfi_eigen_form(rho, d_rho, spectrum_only=spectrum_only),
        "sld_quantum_fisher_information": float(np.einsum("ij,jk,ki->", rho, sld, sld).real),
        "sld_real": sld.real,
        "sld_imag": sld.imag,
    }


def _thermal_state_geometry(
    params: dict[str, Any], *, sld_rhs: float, spectrum_only: bool
) -> dict[str, Any]:
    """ρ(θ) = W exp(−H(θ))W†/Z, H(θ) = U diag(E + θv) U†, W = e^(−iθG) (kT = 1).

    The SLD is solved from ρL + Lρ = 2∂ρ (Bartels–Stewart, scipy.linalg.solve_sylvester) and the
    QFI taken as tr(ρL²), and again from the eigen-form.
    """
    import numpy as np
    from scipy.linalg import solve_sylvester

    basis = _complex_vector(params, "eigenbasis")
    theta = float(params["theta"])
    levels = np.asarray(params["energies"], dtype=float) + theta * np.asarray(
        params["coupling"], dtype=float
    )
    n = levels.size
    # Energies measured from the ground level before H is formed: every Boltzmann factor is
    # ≤ 1, and H's rounding is relative to the level spread, not to the energies' offset (which
    # ρ does not depend on).
    hamiltonian = (basis * (levels - levels.min())) @ basis.conj().T
    hamiltonian = (hamiltonian + hamiltonian.conj().T) / 2
    weights = matrix_exponential(-hamiltonian)
    rho = weights / np.trace(weights).real
    rho = (rho + rho.conj().T) / 2
    perturbation = (basis * np.asarray(params["coupling"], dtype=float)) @ basis.conj().T
    shifted = perturbation - np.trace(rho @ perturbation).real * np.eye(n)
    d_rho = -(rho @ shifted + shifted @ rho) / 2  # ∂ρ = −(V − ⟨V⟩)ρ, [V, ρ] = 0
    if "rotation_real" in params:
        rotation = _hermitian(params, "rotation")
        turn = matrix_exponential(-1j * theta * rotation)
        rho = turn @ rho @ turn.conj().T
        d_rho = turn @ d_rho @ turn.conj().T - 1j * (rotation @ rho - rho @ rotation)
    sld = solve_sylvester(rho, rho, sld_rhs * d_rho)
    return {
        "spectrum": np.linalg.eigvalsh(rho),
        "quantum_fisher_information": qfi_eigen_form(rho, d_rho, spectrum_only=spectrum_only),
        "sld_quantum_fisher_information": float(np.einsum("ij,jk,ki->", rho, sld, sld).real),
    }


# -- learning side: a variational circuit, its QNG metric, and Fisher informations ----------------


def _eigenspaces(matrix: Any) -> tuple[Any, Any, Any]:
    """Eigenvalues, eigenvectors and outcome labels (eigenvalues within 1e-9·max|μ| are one)."""
    import numpy as np

    values, vectors = np.linalg.eigh(matrix)
    floor = DEGENERACY * max(float(np.max(np.abs(values))), 1e-300)
    labels = np.concatenate([[0], np.cumsum(np.diff(values) > floor)])
    return values, vectors, labels


def variational_circuit_geometry(
    params: dict[str, Any],
    *,
    phase_term: bool = True,
    fisher_of: str = "probabilities",
    centred_score: bool = True,
) -> dict[str, Any]:
    """A one-parameter circuit ψ(θ) = e^(−iθK)ψ₀: QNG metric tensor and measurement Fisher info.

    The state is evolved in the eigenbasis of the gate generator K, with ∂ψ = −iKψ in the same
    basis. The metric is the QNG one, g = ⟨∂ψ|∂ψ⟩ − |⟨ψ|∂ψ⟩|². The readout observable M is
    measured projectively on its eigenspaces: p(k|θ) = ‖P_k ψ‖², and the classical Fisher
    information Σ(∂p_k)²/p_k is that of this statistical model. With ``logits`` the softmax
    family p = softmax(a + θb). Keyword arguments select the mutants' wrong variants.
    """
    import numpy as np

    if "logits" in params:
        return _softmax_family_geometry(params, centred_score=centred_score)
    values, vectors = np.linalg.eigh(params["gate_generator"])
    theta = float(params["parameter"])
    coefficients = (vectors.conj().T @ _normalised(params["initial_state"])) * np.exp(
        -1j * theta * values
    )
    psi = vectors @ coefficients
    d_psi = vectors @ (-1j * values * coefficients)
    metric = float(np.vdot(d_psi, d_psi).real)
    if phase_term:
        metric -= abs(np.vdot(psi, d_psi)) ** 2
    outcomes, basis, labels = _eigenspaces(params["readout"])
    amplitudes, d_amplitudes = basis.conj().T @ psi, basis.conj().T @ d_psi
    k = int(labels[-1]) + 1
    probabilities = np.bincount(labels, weights=np.abs(amplitudes) ** 2, minlength=k)
    # ∂p_k = 2 Re Σ_{j∈k} conj(a_j)·∂a_j, from the projected vectors (exactly 0 where p_k = 0).
    d_probabilities = np.bincount(
        labels, weights=2 * (amplitudes.conj() * d_amplitudes).real, minlength=k
    )
    if fisher_of == "amplitudes":  # 4 Σ_k ‖P_k ∂ψ‖²: the derivative of the amplitudes, not of p
        fisher = float(4 * np.sum(np.abs(d_amplitudes) ** 2))
    else:
        fisher = classical_fisher_information(probabilities, d_probabilities)
    first = np.concatenate([[0], np.flatnonzero(np.diff(labels)) + 1])
    return {
        "state_real": psi.real,
        "state_imag": psi.imag,
        "fubini_study_metric": metric,
        "outcome_values": outcomes[first],
        "outcome_probabilities": probabilities,
        "classical_fisher_information": fisher,
    }


def _softmax_family_geometry(params: dict[str, Any], *, centred_score: bool) -> dict[str, Any]:
    """p = softmax(a + θb): Fisher information of θ as Σ(∂p)²/p and as Var_p(b)."""
    import numpy as np
    from scipy.special import softmax

    direction = np.asarray(params["logit_direction"], dtype=float)
    theta = float(params["parameter"])
    p = softmax(np.asarray(params["logits"], dtype=float) + theta * direction)
    mean = float(p @ direction)
    score = direction - mean if centred_score else direction  # ∂ log p_k/∂θ = b_k − ⟨b⟩
    return {
        "probabilities": p,
        "classical_fisher_information": classical_fisher_information(p, p * score),
        "score_variance": float(p @ (direction - mean) ** 2),
    }


def circuit_from_state(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: ψ₀ → circuit input, H → gate generator, θ → trainable parameter,
    observable → readout; a thermal state's energies → negative logits, coupling → −direction.

    JSON has no complex numbers: real and imaginary parts are joined here.
    """
    import numpy as np

    if "energies" in params:
        return {
            "logits": -np.asarray(params["energies"], dtype=float),
            "logit_direction": -np.asarray(params["coupling"], dtype=float),
            "parameter": float(params["theta"]),
        }
    return {
        "initial_state": _complex_vector(params, "state"),
        "gate_generator": _hermitian(params, "generator"),
        "parameter": float(params["theta"]),
        "readout": _hermitian(params, "observable"),
    }


# -- parameters, validation and strategies ---------------------------------------------------------

#: The worked example: a qutrit (a spin-1 with complex amplitudes), measured in the eigenbasis of
#: √2·S_x. 0.6² + 0.64² + 0.48² = 1, so the state is already normalised.
QUANTUM_EXAMPLE: dict[str, Any] = {
    "state_real": [0.6, 0.0, 0.48],
    "state_imag": [0.0, 0.64, 0.0],
    "generator_real": [[1.0, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, -1.0]],
    "generator_imag": [[0.0, -0.25, 0.0], [0.25, 0.0, 0.0], [0.0, 0.0, 0.0]],
    "theta": 0.3,
    "observable_real": [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]],
    "observable_imag": [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
}


def _same(values: dict[str, Any], name: str) -> bool:
    """Whether ``values[name]`` is the worked example's (so that its partner should be too)."""
    import numpy as np

    given = np.asarray(values[name], dtype=float)
    example = np.asarray(QUANTUM_EXAMPLE[name], dtype=float)
    return given.shape == example.shape and bool(np.all(given == example))


def _partner(real: str, imag: str) -> Any:
    """Neutral imaginary part: the example's when the real part is the example's, else zeros."""

    def neutral(values: dict[str, Any]) -> Any:
        import numpy as np

        if _same(values, real):
            return QUANTUM_EXAMPLE[imag]
        return np.zeros_like(np.asarray(values[real], dtype=float)).tolist()

    return neutral


def _default_observable(values: dict[str, Any]) -> Any:
    """The example's observable in its dimension; otherwise diag(0, 1, …, n−1): the
    computational basis."""
    n = len(values["state_real"])
    if n == len(QUANTUM_EXAMPLE["state_real"]):
        return QUANTUM_EXAMPLE["observable_real"]
    return [[float(i) if i == j else 0.0 for j in range(n)] for i in range(n)]


STATE_REAL = Parameter(
    "state_real",
    "real parts of the n amplitudes of the initial state ψ₀ (ψ₀ = state_real + i·state_imag; "
    "any nonzero vector, normalised by physml)",
    "finite reals, n ≥ 2, not all zero (with state_imag)",
    shape="(n,)",
    ndim=1,
)
STATE_IMAG = Parameter(
    "state_imag",
    "imaginary parts of the amplitudes of ψ₀ (zeros when omitted with a new state_real)",
    "finite reals",
    shape="(n,)",
    ndim=1,
    neutral=_partner("state_real", "state_imag"),
)
GENERATOR_REAL = Parameter(
    "generator_real",
    "real part of the Hermitian generator H of θ-translations, ψ(θ) = e^(−iθH)ψ₀ "
    "(H = generator_real + i·generator_imag; in a circuit, the gate generator)",
    "a real symmetric matrix",
    shape="(n, n)",
    ndim=2,
)
GENERATOR_IMAG = Parameter(
    "generator_imag",
    "imaginary part of H (zeros when omitted with a new generator_real)",
    "a real antisymmetric matrix",
    shape="(n, n)",
    ndim=2,
    neutral=_partner("generator_real", "generator_imag"),
)
THETA = Parameter(
    "theta",
    "the parameter value θ at which the state ψ(θ) and its geometry are evaluated",
    f"finite real, |θ|·max|λ(H)| ≤ {PHASE_LIMIT:g}",
)
OBSERVABLE_REAL = Parameter(
    "observable_real",
    "real part of the Hermitian observable M that is measured (projectively, on its "
    "eigenspaces; eigenvalues within 1e-9·max|μ| are one outcome); M = observable_real + "
    "i·observable_imag. Omitted with a state of another dimension: the computational basis",
    "a real symmetric matrix",
    shape="(n, n)",
    ndim=2,
    neutral=_default_observable,
)
OBSERVABLE_IMAG = Parameter(
    "observable_imag",
    "imaginary part of M (zeros when omitted with a new observable_real)",
    "a real antisymmetric matrix",
    shape="(n, n)",
    ndim=2,
    neutral=_partner("observable_real", "observable_imag"),
)


def _check_matrix(values: dict[str, Any], name: str, n: int) -> None:
    """generator/observable parts: n × n, the real part symmetric, the imaginary antisymmetric."""
    import numpy as np

    symbol = {"generator": "H", "observable": "M"}[name]

    for part, sign, kind in (("real", 1.0, "symmetric"), ("imag", -1.0, "antisymmetric")):
        key = f"{name}_{part}"
        matrix = values[key]
        if matrix.shape != (n, n):
            hint = (
                f" (the worked example's {name} does not fit this state: give {key})"
                if _same(values, key)
                else ""
            )
            raise ParameterError(
                key,
                f"must be {n} × {n} (n = len(state_real) = {n}), got shape {matrix.shape}{hint}",
            )
        size = float(np.max(np.abs(matrix)))
        mismatch = np.abs(matrix - sign * matrix.T)
        if mismatch.max() > HERMITIAN_TOLERANCE * size:
            i, j = (int(x) for x in np.unravel_index(np.argmax(mismatch), mismatch.shape))
            want = "the same" if sign > 0 else "its negative"
            raise ParameterError(
                key,
                f"must be {kind} ({symbol} = {name}_real + i·{name}_imag is Hermitian): entry "
                f"[{i}, {j}] is {float(matrix[i, j])!r} but [{j}, {i}] is "
                f"{float(matrix[j, i])!r}, which should be {want}",
            )


def validate_quantum(values: dict[str, Any]) -> None:
    """A state of n ≥ 2 amplitudes, not zero; Hermitian n × n generator and observable; θ such
    that the phases θλ keep their digits."""
    import numpy as np

    n = len(values["state_real"])
    if n < 2:
        raise ParameterError("state_real", f"needs n ≥ 2 amplitudes (a qubit or larger), got {n}")
    if len(values["state_imag"]) != n:
        raise ParameterError(
            "state_imag",
            f"must have n = len(state_real) = {n} entries, got {len(values['state_imag'])}",
        )
    if not (np.any(values["state_real"]) or np.any(values["state_imag"])):
        raise ParameterError("state_real", "the state must not be the zero vector")
    _check_matrix(values, "generator", n)
    _check_matrix(values, "observable", n)
    norm = float(np.max(np.abs(np.linalg.eigvalsh(_hermitian(values, "generator")))))
    if abs(values["theta"]) * norm > PHASE_LIMIT:
        raise ParameterError(
            "theta",
            f"|θ|·max|λ(H)| must be ≤ {PHASE_LIMIT:g} (beyond, float64 keeps fewer than 8 "
            f"digits of the phases e^(−iθλ)), got {abs(values['theta']) * norm:.3g}",
        )


def quantum_strategy() -> Any:
    """n ∈ [2, 8]; ψ₀ complex Gaussian, some amplitudes zeroed; H = s·(G + G†)/2 + c·I with G
    complex Ginibre, s log-uniform over 6 decades and an offset |c| ≤ 100·spread (a global
    phase); θ·spread up to 10; the observable random Hermitian or diagonal with repeated
    eigenvalues (a coarse-grained computational basis). The random matrices come from a drawn
    seed (they shape the example; nothing statistical rests on them). Excluded, as the spec
    says: Var_ψ(H) < 1e-12·spread²."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(2, 8))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        state = rng.standard_normal(n) + 1j * rng.standard_normal(n)
        if draw(st.booleans()):  # sparse states: amplitudes exactly zero
            state[rng.random(n) < 0.5] = 0
        assume(np.any(state))
        h = 10.0 ** draw(st.floats(-3, 3)) * _random_hermitian(rng, n)
        spread = float(np.ptp(np.linalg.eigvalsh(h)))
        h += draw(st.one_of(st.just(0.0), st.floats(-100, 100))) * spread * np.eye(n)
        psi = _normalised(state)
        centred = h @ psi - np.vdot(psi, h @ psi).real * psi
        assume(np.vdot(centred, centred).real >= 1e-12 * spread**2)
        angle = draw(st.one_of(st.just(0.0), st.floats(-10, 10)))
        theta = angle * 10.0 ** draw(st.floats(-3, 0)) / spread
        if draw(st.booleans()):
            observable = _random_hermitian(rng, n)
        else:
            observable = np.diag(rng.integers(-2, 3, n).astype(float))
        return {
            "state_real": state.real.tolist(),
            "state_imag": state.imag.tolist(),
            "generator_real": h.real.tolist(),
            "generator_imag": h.imag.tolist(),
            "theta": float(theta),
            "observable_real": observable.real.tolist(),
            "observable_imag": observable.imag.tolist(),
        }

    return draw()


def _zeros(n: int) -> list[list[float]]:
    return [[0.0] * n for _ in range(n)]


#: Examples that always run: the qubit reference (Var H = 1/4, QFI = 1; σ_x measurement attains
#: the bound), a generator with a large mean (the phase term of g_FS matters), a degenerate
#: observable, a near-eigenstate (Var H ~ 1e-10), a tiny generator at a large θ.
QUANTUM_EXAMPLES: tuple[dict[str, Any], ...] = (
    {
        "state_real": [1.0, 1.0],
        "state_imag": [0.0, 0.0],
        "generator_real": [[0.0, 0.0], [0.0, -1.0]],
        "generator_imag": _zeros(2),
        "theta": 0.7,
        "observable_real": [[0.0, 1.0], [1.0, 0.0]],
        "observable_imag": _zeros(2),
    },
    {
        "state_real": [0.3, -0.5, 0.2],
        "state_imag": [0.1, 0.4, -0.6],
        "generator_real": [[1000.0, 0.2, 0.0], [0.2, 1000.5, -0.3], [0.0, -0.3, 1001.7]],
        "generator_imag": [[0.0, 0.1, -0.4], [-0.1, 0.0, 0.2], [0.4, -0.2, 0.0]],
        "theta": 2.0,
        "observable_real": [[1.0, 0.3, 0.0], [0.3, -1.0, 0.5], [0.0, 0.5, 0.2]],
        "observable_imag": [[0.0, 0.2, 0.0], [-0.2, 0.0, -0.1], [0.0, 0.1, 0.0]],
    },
    {
        "state_real": [1.0, 0.5, 0.0, -0.3],
        "state_imag": [0.0, 0.2, 0.7, 0.0],
        "generator_real": [
            [0.5, 0.0, 1.0, 0.0],
            [0.0, 0.5, 0.0, 1.0],
            [1.0, 0.0, -0.5, 0.0],
            [0.0, 1.0, 0.0, -0.5],
        ],
        "generator_imag": [
            [0.0, -0.7, 0.0, 0.0],
            [0.7, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.7],
            [0.0, 0.0, -0.7, 0.0],
        ],
        "theta": -1.3,
        "observable_real": [[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, -1.0, 0], [0, 0, 0, -1.0]],
        "observable_imag": _zeros(4),
    },
    {
        "state_real": [1.0, 1e-5, 0.0],
        "state_imag": [0.0, 0.0, 0.0],
        "generator_real": [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0]],
        "generator_imag": _zeros(3),
        "theta": 0.25,
        "observable_real": [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 2.0]],
        "observable_imag": _zeros(3),
    },
    {
        "state_real": [0.5, 0.5],
        "state_imag": [0.5, -0.5],
        "generator_real": [[2e-3, 1e-3], [1e-3, -1e-3]],
        "generator_imag": [[0.0, 5e-4], [-5e-4, 0.0]],
        "theta": 400.0,
        "observable_real": [[0.0, 0.0], [0.0, 1.0]],
        "observable_imag": _zeros(2),
    },
)


def _unitary(rng: Any, n: int) -> Any:
    """A Haar-random unitary: the QR of a complex Ginibre matrix, phases fixed by diag(R)."""
    import numpy as np

    ginibre = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    q, r = np.linalg.qr(ginibre)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def _random_hermitian(rng: Any, n: int) -> Any:
    g = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    return (g + g.conj().T) / 2


def _coherent_term(p: Any, basis: Any, rotation: Any) -> float:
    """2 Σ_{i≠j} (p_i − p_j)²/(p_i + p_j)·|⟨i|G|j⟩|²: the QFI a rotation e^(−iθG) adds."""
    import numpy as np

    g = basis.conj().T @ rotation @ basis
    return float(
        2 * np.sum((p[:, None] - p[None, :]) ** 2 / (p[:, None] + p[None, :]) * np.abs(g) ** 2)
    )


#: Thermal levels spread at most this (in kT): p_min ≥ e^(−18)/8 ≈ 2e-9, far above the
#: eigen-form's threshold 1e-12 (where it would drop real contributions) and the Sylvester
#: operator's singularity.
LEVEL_SPREAD = 18.0


def thermal_strategy() -> Any:
    """n ∈ [2, 8]; a Haar eigenbasis U and a rotation generator G from a drawn seed (they shape
    the example, no statistics rest on them); energies off + s·x with s log-uniform in
    [1e-2, 9]; couplings (y + shift)·10^U(−3, 1), shift 0, ±3 or ±30; level spread ≤ 18 kT."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st
    from scipy.special import softmax

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(2, 8))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        basis = _unitary(rng, n)
        rotation = _random_hermitian(rng, n) * 10.0 ** draw(st.floats(-2, 1))
        x, y = rng.uniform(-1, 1, (2, n))
        offset = draw(st.one_of(st.just(0.0), st.floats(-100, 100)))
        energies = offset + 10.0 ** draw(st.floats(-2, math.log10(9))) * x
        shift = draw(st.sampled_from([0.0, 3.0, -3.0, 30.0, -30.0]))
        coupling = (y + shift) * 10.0 ** draw(st.floats(-3, 1))
        theta = draw(st.one_of(st.just(0.0), st.floats(-2, 2)))
        levels = energies + theta * coupling
        assume(np.ptp(levels) <= LEVEL_SPREAD)
        p = softmax(-levels)
        size = np.max(np.abs(coupling - p @ coupling)) + 2 * np.linalg.norm(rotation, 2)
        assume(_coherent_term(p, basis, rotation) >= 1e-6 * size**2)
        return {
            "energies": energies.tolist(),
            "coupling": coupling.tolist(),
            "theta": float(theta),
            "eigenbasis_real": basis.real.tolist(),
            "eigenbasis_imag": basis.imag.tolist(),
            "rotation_real": rotation.real.tolist(),
            "rotation_imag": rotation.imag.tolist(),
        }

    return draw()


def _dft(n: int) -> tuple[list[list[float]], list[list[float]]]:
    """The discrete Fourier transform F_jk = e^(2πi·jk/n)/√n: a unitary far from diagonal."""
    angle = [[2 * math.pi * j * k / n for k in range(n)] for j in range(n)]
    norm = 1 / math.sqrt(n)
    return (
        [[norm * math.cos(a) for a in row] for row in angle],
        [[norm * math.sin(a) for a in row] for row in angle],
    )


_H2 = math.sqrt(0.5)
#: A qubit in the Hadamard basis rotated about y (σ_y/2); a large energy offset with a coupling
#: of large mean (⟨V⟩ cancels in V − ⟨V⟩); p_min ≈ 1e-8; a qutrit and a ququart in the Fourier
#: basis.
THERMAL_EXAMPLES: tuple[dict[str, Any], ...] = (
    {
        "energies": [0.0, 1.0],
        "coupling": [0.0, 1.0],
        "theta": 0.5,
        "eigenbasis_real": [[_H2, _H2], [_H2, -_H2]],
        "eigenbasis_imag": _zeros(2),
        "rotation_real": _zeros(2),
        "rotation_imag": [[0.0, -0.5], [0.5, 0.0]],
    },
    {
        "energies": [1000.0, 1001.0, 1003.0],
        "coupling": [30.0, 31.0, 29.5],
        "theta": -0.4,
        "eigenbasis_real": _dft(3)[0],
        "eigenbasis_imag": _dft(3)[1],
        "rotation_real": [[0.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, -1.0]],
        "rotation_imag": [[0.0, 0.1, -0.2], [-0.1, 0.0, 0.0], [0.2, 0.0, 0.0]],
    },
    {
        "energies": [0.0, 9.0, 18.0],
        "coupling": [1.0, -1.0, 0.5],
        "theta": 0.0,
        "eigenbasis_real": _dft(3)[0],
        "eigenbasis_imag": _dft(3)[1],
        "rotation_real": [[1.0, 0.0, 0.5], [0.0, 0.0, 0.0], [0.5, 0.0, -1.0]],
        "rotation_imag": _zeros(3),
    },
    {
        "energies": [0.3, -0.2, 1.1, 0.4],
        "coupling": [2.0, -1.0, 0.0, 0.5],
        "theta": 1.5,
        "eigenbasis_real": _dft(4)[0],
        "eigenbasis_imag": _dft(4)[1],
        "rotation_real": [
            [0.0, 1.0, 0.0, 0.0],
            [1.0, 0.0, 1.0, 0.0],
            [0.0, 1.0, 0.0, 1.0],
            [0.0, 0.0, 1.0, 0.0],
        ],
        "rotation_imag": _zeros(4),
    },
    # Energies offset by 44 against a spread of 1.8, with a strong rotation: H was once formed
    # before the offset was removed, and its rounding (relative to 44) broke the QFI identities.
    {
        "energies": [44.95632454026056, 43.157803595904845],
        "coupling": [-0.21675033383994768, -0.6254948605598039],
        "theta": 0.0,
        "eigenbasis_real": [
            [0.10032203017293262, -0.2622076578842421],
            [-0.21919403329561324, -0.8648099081188443],
        ],
        "eigenbasis_imag": [
            [0.9550228440185028, -0.09546728136724125],
            [-0.17268709689028128, 0.4174170158902052],
        ],
        "rotation_real": [
            [2.8121066979764926, 2.1187230735099165],
            [2.1187230735099165, -3.1055654665915258],
        ],
        "rotation_imag": [[0.0, -6.235524132998769], [6.235524132998769, 0.0]],
    },
)


def _sides(c: Correspondence, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return c.physics.observe(params), c.learning.observe(c.translate(params))


def _generator_scales(params: dict[str, Any]) -> tuple[int, float, float, float]:
    """n, ‖H‖ (largest |eigenvalue|), spread λ_max − λ_min, and |θ|."""
    import numpy as np

    levels = np.linalg.eigvalsh(_hermitian(params, "generator"))
    return (
        levels.size,
        float(np.max(np.abs(levels))),
        float(np.ptp(levels)),
        abs(float(params["theta"])),
    )


def _pure_atol(params: dict[str, Any]) -> float:
    """64·n·eps·(‖H‖² + |θ|·‖H‖·spread²): the terms ⟨H²⟩ that g_FS's two-term form cancels, and
    the error of e^(−iθH) (≈ eps·|θ|·‖H‖ in ψ) times the size of (H − ⟨H⟩)²."""
    n, norm, spread, theta = _generator_scales(params)
    return 64 * n * EPS * (norm**2 + theta * norm * spread**2)


def _with(params: dict[str, Any], observable: Any) -> dict[str, Any]:
    import numpy as np

    matrix = np.asarray(observable)
    return {**params, "observable_real": matrix.real, "observable_imag": matrix.imag}


def _relative(value: float, scale: float) -> float:
    return value / scale if scale > 0 else (0.0 if value == 0 else math.inf)


# -- identities ------------------------------------------------------------------------------------


def check_pure_qfi(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """F_Q (eigen-form of ρ) = tr(ρL²) with L = 2∂ρ = 4·Var_ψ(H) (physics) = 4·g_FS (learning)."""
    phys, learn = _sides(c, params)
    atol = _pure_atol(params)
    four_variance = 4 * phys["generator_variance"]
    result = close(phys["quantum_fisher_information"], four_variance, atol=atol)
    result &= close(phys["sld_quantum_fisher_information"], four_variance, atol=atol)
    result &= close(4 * learn["fubini_study_metric"], four_variance, atol=atol)
    return Comparison(
        result.holds,
        result.abs_error,
        result.rel_error,
        detail={
            "quantum_fisher_information": phys["quantum_fisher_information"],
            "four_fubini_study_metric": 4 * learn["fubini_study_metric"],
            "four_generator_variance": four_variance,
            "atol": atol,
        },
        tolerance_used=result.tolerance_used,
    )


#: Finite-difference step for the fidelity, in units of 1/spread of H: ≈ (48·n·eps)^(1/4)
#: balances truncation (≈ 0.4·h²·spread⁴) and rounding of 1 − f (≈ 16·n·eps/h²).
FIDELITY_STEP = 4e-4


def check_fidelity_curvature(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """1 − |⟨ψ(θ)|ψ(θ ± h)⟩|² = (F_Q/4)·h² + O(h⁴), the overlaps from the circuit's states."""
    import numpy as np

    phys = c.physics.observe(params)
    n, norm, spread, theta_size = _generator_scales(params)
    theta = float(params["theta"])
    unit = spread if spread > 0 else 1.0  # H ∝ I: any step, F_Q = 0
    step = FIDELITY_STEP / unit

    def state(t: float) -> Any:
        learn = c.learning.observe(c.translate({**params, "theta": t}))
        return learn["state_real"] + 1j * learn["state_imag"]

    here = state(theta)
    infidelities = []
    for sign in (1.0, -1.0):
        moved = theta + sign * step
        h = moved - theta  # the step actually taken, exact in floating point
        infidelities.append((1 - abs(np.vdot(here, state(moved))) ** 2) / h / h)
    estimate = 4 * float(np.mean(infidelities))
    # Truncation 4h²(Var²/4 + μ₄/12) ≤ 0.4·h²·spread⁴; rounding of f (4n·eps, and the phases of
    # e^(−iθλ) to eps·|θ|·‖H‖, which move 1 − f by ≈ 4·eps·|θ|·‖H‖·h·spread), times 4/h².
    # Written with h·unit = FIDELITY_STEP, so that no power of a tiny or huge spread overflows.
    phase = EPS * theta_size * norm
    truncation = 0.4 * FIDELITY_STEP**2 * spread**2
    rounding = (
        4 * (4 * n * EPS + 4 * phase * FIDELITY_STEP + 4 * phase**2) * (unit / FIDELITY_STEP) ** 2
    )
    atol = max(1e-6 * spread**2, 10 * (truncation + rounding))
    result = close(estimate, phys["quantum_fisher_information"], atol=atol)
    return Comparison(
        result.holds,
        result.abs_error,
        result.rel_error,
        detail={
            "fidelity_curvature_estimate": estimate,
            "quantum_fisher_information": phys["quantum_fisher_information"],
            "step": step,
            "atol": atol,
        },
        tolerance_used=result.tolerance_used,
    )


#: Seeds of the random orthonormal measurement bases checked besides the given observable.
RANDOM_BASES = (0, 1, 2)


def check_braunstein_caves(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Σ_k (∂p_k)²/p_k ≤ F_Q for the given observable and three Haar-random bases (fixed seeds)."""
    import numpy as np

    qfi = c.physics.observe(params)["quantum_fisher_information"]
    atol = _pure_atol(params)
    n = len(params["state_real"])
    readouts = [_hermitian(params, "observable")]
    for seed in RANDOM_BASES:
        basis = _unitary(np.random.default_rng(seed), n)
        readouts.append((basis * np.arange(1.0, n + 1)) @ basis.conj().T)  # distinct outcomes
    fishers = [
        c.learning.observe(c.translate(_with(params, m)))["classical_fisher_information"]
        for m in readouts
    ]
    excess = max(f - qfi for f in fishers)
    return Comparison(
        excess <= atol,
        abs_error=max(excess, 0.0),
        rel_error=_relative(max(excess, 0.0), qfi),
        detail={
            "largest_classical_fisher": max(fishers),
            "quantum_fisher_information": qfi,
            "given_observable_ratio": _relative(fishers[0], qfi),
            "bound": atol,
        },
        tolerance_used=max(excess, 0.0) / atol if atol > 0 else math.nan,
    )


def check_sld_measurement(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Measuring the eigenbasis of the SLD L = 2∂ρ (physics) attains the bound: CFI = F_Q."""
    phys = c.physics.observe(params)
    sld = phys["sld_real"] + 1j * phys["sld_imag"]
    learn = c.learning.observe(c.translate(_with(params, sld)))
    return close(
        learn["classical_fisher_information"],
        phys["quantum_fisher_information"],
        atol=_pure_atol(params),
    )


def _thermal_atol(params: dict[str, Any], p: Any, *, rotated: bool) -> float:
    """16·n·eps·(D² + max|v|·D + |θ|·‖G‖·D²), D = max|v − ⟨v⟩| (+ 2‖G‖ when rotated).

    ∂ρ is of size D; V − ⟨V⟩ is rounded relative to max|v| (the coupling's mean cancels);
    e^(−iθG) is accurate to eps·|θ|·‖G‖. The Sylvester solve adds no condition number of its
    own here: p_min ≥ 2e-9 and the diagonal of L is rounded relative to D.
    """
    import numpy as np

    coupling = np.asarray(params["coupling"], dtype=float)
    size = float(np.max(np.abs(coupling - p @ coupling)))
    largest = float(np.max(np.abs(coupling)))
    norm = 0.0
    if rotated:
        norm = float(np.linalg.norm(_hermitian(params, "rotation"), 2))
        size += 2 * norm
    theta = abs(float(params["theta"]))
    n = coupling.size
    scale = size**2 + largest * size + theta * norm * size**2
    # With D = 0 (a constant coupling) the rounding of V − ⟨V⟩, n·eps·max|v|, is all there is,
    # and the SLD turns it into (n·eps·max|v|)²/p_min.
    floor = (4 * n * EPS * largest) ** 2 / float(np.min(p))
    return 16 * n * EPS * scale + floor


def _commuting(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if not k.startswith("rotation_")}


def commuting_thermal_strategy() -> Any:
    """The thermal family without its rotation: the eigenbasis U stays put, [ρ, ∂ρ] = 0."""
    return thermal_strategy().map(_commuting)


COMMUTING_THERMAL_EXAMPLES = tuple(_commuting(example) for example in THERMAL_EXAMPLES)


def check_commuting_qfi(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """[ρ, ∂ρ] = 0: tr(ρL²) (Sylvester SLD) = eigen-form = Σ(∂p)²/p = Var_p(b) (softmax side)."""
    phys, learn = _sides(c, params)
    fisher = learn["classical_fisher_information"]
    atol = _thermal_atol(params, learn["probabilities"], rotated=False)
    result = close(phys["sld_quantum_fisher_information"], fisher, atol=atol)
    result &= close(phys["quantum_fisher_information"], fisher, atol=atol)
    result &= close(learn["score_variance"], fisher, atol=atol)
    return result


def check_noncommuting_qfi(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Rotated by e^(−iθG): F_Q = CFI(spectrum) + 2Σ(p_i − p_j)²/(p_i + p_j)|G_ij|² > CFI."""
    import numpy as np

    phys, learn = _sides(c, params)
    p = np.asarray(learn["probabilities"])
    fisher = learn["classical_fisher_information"]
    coherent = _coherent_term(
        p, _complex_vector(params, "eigenbasis"), _hermitian(params, "rotation")
    )
    atol = _thermal_atol(params, p, rotated=True)
    expected = fisher + coherent
    result = close(phys["sld_quantum_fisher_information"], expected, atol=atol)
    result &= close(phys["quantum_fisher_information"], expected, atol=atol)
    gap = phys["sld_quantum_fisher_information"] - fisher
    return Comparison(
        result.holds and gap > atol,  # the classical Fisher information misses the coherent part
        result.abs_error,
        result.rel_error,
        detail={
            "quantum_fisher_information": phys["sld_quantum_fisher_information"],
            "classical_fisher_information": fisher,
            "coherent_term": coherent,
            "qfi_minus_classical": gap,
        },
        tolerance_used=result.tolerance_used,
    )


# -- mutants ---------------------------------------------------------------------------------------


def _physics_variant(**options: Any) -> Any:
    def apply(c: Correspondence) -> Correspondence:
        return c.with_physics(functools.partial(quantum_state_geometry, **options))

    return apply


def _learning_variant(**options: Any) -> Any:
    def apply(c: Correspondence) -> Correspondence:
        return c.with_learning(functools.partial(variational_circuit_geometry, **options))

    return apply


def _qfi_as_fubini_study(c: Correspondence) -> Correspondence:
    def patch(params: dict[str, Any], observed: dict[str, Any]) -> dict[str, Any]:
        return {
            key: observed[key] / 4
            for key in ("quantum_fisher_information", "sld_quantum_fisher_information")
        }

    return c.with_physics_patch(patch)


QFI_BOUNDARIES = (
    Boundary(
        "rotating-eigenbasis",
        "a family whose eigenbasis stays put as θ changes ([ρ, ∂ρ] = 0)",
        "commuting-qfi-is-classical-fisher",
        thermal_strategy,
        "When the eigenvectors turn with θ (here by e^(−iθG)), ∂ρ gains the commutator −i[G, ρ] "
        "and the SLD quantum Fisher information the coherent term "
        "2Σ(p_i − p_j)²/(p_i + p_j)|G_ij|² on top of Σ(∂p_i)²/p_i: the classical Fisher "
        "information of the spectrum (the softmax family) misses it.",
        examples=(THERMAL_EXAMPLES[0],),
    ),
)

QUANTUM_FISHER_NATURAL_GRADIENT = Correspondence(
    id="quantum-fisher-natural-gradient",
    regime="exact",
    physics=PhysicalSystem(
        "quantum state family ρ(θ) and its quantum Fisher information",
        "A pure state ψ(θ) = e^(−iθH)ψ₀ written as the density matrix ρ = |ψ⟩⟨ψ| (evolved with "
        "a Taylor series, scaling and squaring); the symmetric logarithmic derivative L "
        "(ρL + Lρ = 2∂ρ) and the QFI F_Q = tr(ρL²), also in the eigen-form of ρ; the variance "
        "of the generator. Own family: thermal states ρ ∝ exp(−(H₀ + θV)), [H₀, V] = 0, "
        "possibly rotated by e^(−iθG).",
        (
            "state_real",
            "state_imag",
            "generator_mean",
            "generator_variance",
            "quantum_fisher_information",
            "sld_quantum_fisher_information",
            "sld_real",
            "sld_imag",
        ),
        quantum_state_geometry,
    ),
    learning=LearningMethod(
        "variational circuit with quantum natural gradient; Fisher information of its readout",
        "A one-parameter circuit ψ(θ) = e^(−iθK)ψ₀ evolved in the generator's eigenbasis; the "
        "quantum natural gradient's metric g = ⟨∂ψ|∂ψ⟩ − |⟨ψ|∂ψ⟩|² (Fubini–Study); the "
        "classical Fisher information Σ(∂p_k)²/p_k of the readout's outcome distribution. Own "
        "family: the softmax model p = softmax(a + θb).",
        (
            "state_real",
            "state_imag",
            "fubini_study_metric",
            "outcome_values",
            "outcome_probabilities",
            "classical_fisher_information",
        ),
        variational_circuit_geometry,
    ),
    parameters=(
        STATE_REAL,
        STATE_IMAG,
        GENERATOR_REAL,
        GENERATOR_IMAG,
        THETA,
        OBSERVABLE_REAL,
        OBSERVABLE_IMAG,
    ),
    translate=circuit_from_state,
    validate=validate_quantum,
    example=QUANTUM_EXAMPLE,
    examples=QUANTUM_EXAMPLES,
    strategy=quantum_strategy,
    boundaries=QFI_BOUNDARIES,
    identities=(
        Identity(
            "pure-state-qfi-is-four-fubini-study",
            "exact",
            check_pure_qfi,
            "atol 64·n·eps·(‖H‖² + |θ|·‖H‖·spread²), ‖H‖ = max|λ(H)|, spread = λ_max − λ_min",
            "The QNG metric's two-term form ⟨∂ψ|∂ψ⟩ − |⟨ψ|∂ψ⟩|² = ⟨H²⟩ − ⟨H⟩² cancels terms "
            "of size ‖H‖² (the generator's mean is a global phase, up to 100× its spread "
            "here); e^(−iθH) is computed to ≈ eps·|θ|·‖H‖ in ψ, which moves "
            "Var = ‖(H − ⟨H⟩)ψ‖² by that times spread².",
        ),
        Identity(
            "fidelity-curvature-is-qfi",
            "exact",
            check_fidelity_curvature,
            "atol max(1e-6·spread², 10·(0.4·h²·spread⁴ + 16·(n·eps + eps·|θ|‖H‖·h·spread "
            "+ (eps·θ‖H‖)²)/h²)), h = 4e-4/spread",
            "Central differences of 1 − f, even in h: truncation 4h²(Var²/4 + μ₄/12) ≤ "
            "0.4·h²·spread⁴; the overlap f is rounded to 4n·eps and the phases e^(−iθλ) to "
            "eps·|θ|·‖H‖, amplified by 4/h². A finite-difference curvature is never asserted "
            "better than 1e-6 of spread².",
        ),
        Identity(
            "braunstein-caves-bound",
            "exact",
            check_braunstein_caves,
            "Σ(∂p_k)²/p_k − F_Q ≤ 64·n·eps·(‖H‖² + |θ|·‖H‖·spread²), for the given "
            "observable and three Haar-random bases (seeds 0, 1, 2)",
            "An inequality that can be tight (the qubit in the σ_x basis attains it): both "
            "sides are rounded like F_Q in pure-state-qfi-is-four-fubini-study. An outcome "
            "with p_k ≈ 0 contributes between 0 and its limit 4‖P_k∂ψ‖², never more, so "
            "(∂p)²/p at tiny p does not break the bound.",
        ),
        Identity(
            "sld-measurement-attains-qfi",
            "exact",
            check_sld_measurement,
            "atol 64·n·eps·(‖H‖² + |θ|·‖H‖·spread²)",
            "L = 2∂ρ has eigenvalues ±2√Var and a null space; measuring its eigenspaces "
            "gives p± = 1/2, ∂p± = ±√Var, so CFI = 4Var = F_Q. The null space is one "
            "outcome (eigenvalues within 1e-9·‖L‖) with p and ∂p at rounding level.",
        ),
        Identity(
            "commuting-qfi-is-classical-fisher",
            "exact",
            check_commuting_qfi,
            "atol 16·n·eps·(D² + max|v|·D), D = max_k|v_k − ⟨v⟩|",
            "∂ρ = −(V − ⟨V⟩)ρ is of size D and rounded relative to max|v| (a coupling of "
            "large mean cancels in V − ⟨V⟩). Levels spread ≤ 18 kT keeps p_min ≥ 2e-9, far "
            "from the eigen-form's threshold 1e-12 and the singular Sylvester operator; the "
            "solve's error is then of the size of ∂ρ's rounding, observed ≤ 2.2·n·eps·D².",
            strategy=commuting_thermal_strategy,
            examples=COMMUTING_THERMAL_EXAMPLES,
        ),
        Identity(
            "noncommuting-qfi-exceeds-classical-fisher",
            "exact",
            check_noncommuting_qfi,
            "atol 16·n·eps·(D² + max|v|·D + |θ|·‖G‖·D²), D = max_k|v_k − ⟨v⟩| + 2‖G‖; "
            "and F_Q − CFI > atol",
            "As for the commuting family, with the commutator −i[G, ρ] (size 2‖G‖) in ∂ρ and "
            "e^(−iθG) accurate to eps·|θ|·‖G‖. Negative control: the strategy keeps the "
            "coherent term ≥ 1e-6·D², so QFI = CFI visibly fails.",
            strategy=thermal_strategy,
            examples=THERMAL_EXAMPLES,
        ),
    ),
    mutants=(
        Mutant(
            "qfi-reported-as-fubini-study",
            "the QFI reported as g_FS = F_Q/4 (the factor 4 missing)",
            _qfi_as_fubini_study,
            ("pure-state-qfi-is-four-fubini-study", "commuting-qfi-is-classical-fisher"),
        ),
        Mutant(
            "sld-equation-without-half",
            "the SLD solved from ρL + Lρ = ∂ρ (the ½ of ∂ρ = ½{ρ, L} dropped): F_Q/4",
            _physics_variant(sld_rhs=1.0),
            ("commuting-qfi-is-classical-fisher", "pure-state-qfi-is-four-fubini-study"),
        ),
        Mutant(
            "qfi-from-spectrum-only",
            "the QFI from the eigenvalues of ρ alone, Σ(∂λ)²/λ (the eigenvectors' motion dropped)",
            _physics_variant(spectrum_only=True),
            ("pure-state-qfi-is-four-fubini-study", "noncommuting-qfi-exceeds-classical-fisher"),
        ),
        Mutant(
            "fubini-study-without-phase-term",
            "the QNG metric as ⟨∂ψ|∂ψ⟩ without −|⟨ψ|∂ψ⟩|² (not invariant under a global "
            "phase: ⟨H²⟩ instead of Var H)",
            _learning_variant(phase_term=False),
            ("pure-state-qfi-is-four-fubini-study",),
        ),
        Mutant(
            "classical-fisher-of-amplitudes",
            "the measurement's Fisher information as 4Σ_k‖P_k∂ψ‖² (amplitudes differentiated "
            "instead of probabilities)",
            _learning_variant(fisher_of="amplitudes"),
            ("braunstein-caves-bound", "sld-measurement-attains-qfi"),
        ),
        Mutant(
            "uncentred-score",
            "the softmax family's score taken as b instead of b − ⟨b⟩ (Fisher = ⟨b²⟩)",
            _learning_variant(centred_score=False),
            ("commuting-qfi-is-classical-fisher",),
        ),
    ),
)


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    return [FISHER_NATURAL_GRADIENT, QUANTUM_FISHER_NATURAL_GRADIENT]
