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

The module is organised by family so that the quantum entry (QFI, Fubini–Study,
Braunstein–Caves) can be added next to the classical one: :func:`classical_fisher_information`
is the Σ(∂p)²/p form that the quantum checks will compare with.
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
from physml.compare import EPS, close
from physml_plugins import catalog_folder

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
    elif preconditioner == "none":
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


def _logit_scale_model(params: dict[str, Any], *, fisher_sign: float,
                       scale_parameter: str) -> dict[str, Any]:
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
        return {"logit_direction": -np.asarray(params["energies"], dtype=float),
                "logit_scale": 1.0 / float(params["temperature"])}
    if "coordinates" in params:
        return {"coordinates": params["coordinates"], "mixing_matrix": params["mixing_matrix"],
                "target": params["target"]}
    return {"logits": np.append(np.asarray(params["natural_parameters"], dtype=float), 0.0),
            "target": params["target"]}


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
    neutral=lambda values: ([1.0 / (len(values["natural_parameters"]) + 1)]
                            * (len(values["natural_parameters"]) + 1)),
)


def validate_target(values: dict[str, Any]) -> None:
    """One target probability per state (K = len(η) + 1), summing to 1."""
    k = len(values["natural_parameters"]) + 1
    q = values["target"]
    if len(q) != k:
        raise ParameterError(
            "target", f"must have K = len(natural_parameters) + 1 = {k} entries (one per state, "
            f"the last being the reference state), got {len(q)}")
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
        return {"coordinates": phi.tolist(), "mixing_matrix": b.tolist(),
                "target": _target(draw, k)}

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
    {"coordinates": [0.3, -0.7], "mixing_matrix": [[3.5, -0.4], [1.2, 2.1]],
     "target": [0.2, 0.5, 0.3]},
    {"coordinates": [1.2], "mixing_matrix": [[2.0]], "target": [0.9, 0.1]},
    {"coordinates": [1.5], "mixing_matrix": [[3.125]], "target": [1.0, 0.0]},  # p ≈ q
)
#: Two-level system at the Schottky peak x* = Δ/kT = 2.3994, then examples with kT ≠ 1.
SCHOTTKY_PEAK = 2.399357280515487
CANONICAL_EXAMPLES = (
    {"energies": [0.0, 1.0], "temperature": 1.0 / SCHOTTKY_PEAK},
    {"energies": [0.0, 1.0, 2.0, 5.0], "temperature": 0.3},
    {"energies": [1000.0, 1000.5, 1001.0, 1003.0], "temperature": 2.5},
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
    result = close(phys["log_partition_hessian"], phys["statistic_covariance"], rtol=rtol,
                   atol=1e-300)
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
        bregman = (other["log_partition_function"] - phys["log_partition_function"]
                   - shift @ phys["mean_parameters"])
        log_p_other = c.learning.observe(c.translate(_at(params, trial)))["log_probabilities"]
        support = p > 0
        kl = float(p[support] @ (log_p[support] - log_p_other[support]))
        terms = (abs(other["log_partition_function"]) + abs(phys["log_partition_function"])
                 + np.abs(shift) @ phys["mean_parameters"])
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
            value = (kl(eta + steps[i] + steps[j]) - kl(eta + steps[i] - steps[j])
                     - kl(eta - steps[i] + steps[j]) + kl(eta - steps[i] - steps[j])) / (4 * h * h)
            hessian[i, j] = hessian[j, i] = value
    logits = np.append(eta, 0.0)
    depth = float(p @ (logits.max() - logits))
    # Truncation h²/3·max|κ₄| (κ₄ of indicators ≤ 1); rounding of each KL, 4·eps·(1 + ⟨z_max − z⟩),
    # amplified by 1/h². Never asserted better than 1e-6.
    atol = max(1e-6, 10 * (h * h / 3 + 4 * EPS * (1 + depth) / (h * h)))
    return (close(hessian, phys["log_partition_hessian"], atol=atol)
            & close(hessian, learn["fisher_matrix"], atol=atol))


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
    detail: dict[str, Any] = {"closed_form_abs_error": result.abs_error,
                              "fisher_condition_number": condition}
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
    plain_gap = float(np.linalg.norm(plain - in_eta["gradient"])
                      / max(np.linalg.norm(in_eta["gradient"]), 1e-300))
    return Comparison(error <= bound, error, error / size,
                      detail={"bound": bound / size, "metric_condition_number": condition,
                              "plain_gradient_rel_discrepancy": plain_gap})


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
    # derivative, no −βE_min term), with a step 1e-4 in units of 1/ΔE.
    h = FD_STEP / spread

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


FISHER_NATURAL_GRADIENT = Correspondence(
    id="fisher-natural-gradient",
    regime="exact",
    physics=PhysicalSystem(
        "K-state system in external fields",
        "Microstates x = 1..K with occupation numbers T_k(x) = [x = k] coupled to fields η_k "
        "(kT = 1; the reference state K feels no field): p(x) ∝ exp(η·T(x)).",
        ("probabilities", "log_partition_function", "mean_parameters", "statistic_covariance",
         "log_partition_hessian", "entropy", "cross_entropy", "mean_parameter_gradient",
         "mean_parameter_metric"),
        field_ensemble,
    ),
    learning=LearningMethod(
        "softmax classifier with cross-entropy, natural gradient",
        "A softmax over logits z = (η, 0) trained with cross-entropy against target q; "
        "the Fisher matrix is the model expectation of score outer products and the natural "
        "gradient solves F x = ∇L.",
        ("probabilities", "log_probabilities", "loss", "gradient", "fisher_matrix",
         "natural_gradient", "natural_gradient_closed_form"),
        softmax_classifier_geometry,
    ),
    parameters=(NATURAL_PARAMETERS, TARGET),
    translate=classifier_from_fields,
    validate=validate_target,
    example={"natural_parameters": [0.5, -1.0], "target": [0.2, 0.5, 0.3]},
    examples=FIELD_EXAMPLES,
    strategy=fields_strategy,
    identities=(
        Identity("fisher-is-log-partition-hessian", "exact", check_fisher,
                 "rtol 8·eps·(K + max η − min η) per entry; atol 1e-300",
                 "Each side rounds the Boltzmann weights relative to the logit range; the "
                 "fluctuation sum and the Gauss–Newton sum cancel by at most a factor 3 per "
                 "entry and 1 − p_k is summed from the other states, so every entry, down to "
                 "−p_i·p_j ~ 1e-28, keeps its relative precision. Below 1e-300 entries underflow."),
        Identity("kl-is-bregman-divergence", "exact", check_bregman,
                 "atol 4·eps·(K + |A(η)| + |A(η′)| + Σ|η′ − η|·μ + range η + range η′), for "
                 "η′ = 0, −η, η/2, η ± 1 and the target's own fields",
                 "The Bregman form subtracts terms of size |A| and |η′ − η|·μ; the direct KL sum "
                 "rounds each log p relative to the logit range."),
        Identity("kl-hessian-is-fisher", "exact", check_kl_hessian,
                 "atol max(1e-6, 10·(h²/3 + 4·eps·(1 + ⟨z_max − z⟩_p)/h²)), h = 1e-4",
                 "Central 4-point differences: truncation h²/3 times a fourth cumulant of "
                 "indicators (≤ 1), rounding of the KL amplified by 1/h². A finite-difference "
                 "Hessian is never asserted better than 1e-6."),
        Identity("natural-gradient-is-mean-parameter-gradient", "exact", check_natural_gradient,
                 "closed form: atol 8·eps·(1 + range η)·(1 + q_k/p_k + q_K/p_K) per entry; "
                 "solve: atol 8·eps·[(1 + range η)·max(p̄ + q̄)/λ_min(F) + K(K + range η)·"
                 "cond(F)·max|∇_μL|], compared while that is ≤ 1e-2·max(1 + q_k/p_k + q_K/p_K)",
                 "The reference −q_k/p_k + q_K/p_K cancels when p is small, so its error scales "
                 "with the sum of the absolute terms, and p itself is rounded relative to the "
                 "logit range. A solve inherits the rounding of ∇_ηL = p̄ − q̄ (which cancels "
                 "when p ≈ q) amplified by ‖F⁻¹‖ = 1/λ_min, and loses cond(F)·eps on its own "
                 "(cond(F) reaches 1e14 with the drawn fields): the closed form is the sharp "
                 "check, and the errors reported are its; the solve's, relative to the size of "
                 "the terms, are in the detail."),
        Identity("natural-gradient-is-reparametrization-invariant", "exact",
                 check_reparametrisation,
                 "max|J·F_φ⁻¹∇_φL − ∇_μL| ≤ 16·eps·cond(F_φ)·max(1 + q_k/p_k + q_K/p_K) + "
                 "8·eps·(1 + range η)·max(p̄ + q̄)/λ_min(F_η), with F_φ = JᵀF_ηJ",
                 "Solving with F_φ loses cond(F_φ)·eps relative to the size of ∇_μL before its "
                 "cancellation; the rounding of the gradient (which cancels when p ≈ q) comes "
                 "back through J·F_φ⁻¹·Jᵀ = F_η⁻¹. cond(J) ≤ 1e8 by construction. The "
                 "detail reports the plain gradient's discrepancy ‖J∇_φL − ∇_ηL‖/‖∇_ηL‖, of "
                 "order 1 or more: the plain gradient is not invariant (the mutant "
                 "plain-gradient-as-natural-gradient is rejected here).",
                 strategy=reparametrisation_strategy, examples=REPARAMETRISATION_EXAMPLES),
        Identity("beta-fisher-information-is-heat-capacity", "exact", check_beta_fisher,
                 "in units of k (×β²): F_ββ vs Var(E) and β²F_ββ vs C: rtol "
                 "4·eps·n·(1 + β·ΔE + ΔE/gap); FD: rtol 1e-6 or atol "
                 "10β²·(h²(m₄ + 3Var²)/12 + 16·eps·(1 + β·ΔE + log n)/h²), h = 1e-4/ΔE",
                 "Probabilities are rounded relative to β·ΔE (ΔE = E_max − E_min) and E − U "
                 "relative to ΔE against the smallest gap. Central differences: truncation from "
                 "the fourth cumulant, rounding of log Z amplified by 1/h².",
                 strategy=canonical_strategy, examples=CANONICAL_EXAMPLES),
    ),
    mutants=(
        Mutant("fisher-wrong-sign", "Fisher defined as +E[∇² log p] (negative definite)",
               _variant(fisher_sign=-1.0),
               ("fisher-is-log-partition-hessian", "kl-hessian-is-fisher")),
        Mutant("natural-gradient-applies-fisher", "natural gradient F∇L instead of F⁻¹∇L",
               _variant(preconditioner="fisher"),
               ("natural-gradient-is-mean-parameter-gradient",
                "natural-gradient-is-reparametrization-invariant")),
        Mutant("empirical-fisher",
               "empirical Fisher (scores averaged over the target's labels, not the model's) "
               "used as the Fisher matrix",
               _variant(labels_from="target"), ("fisher-is-log-partition-hessian",)),
        Mutant("plain-gradient-as-natural-gradient",
               "no preconditioning: the plain gradient reported as the natural gradient",
               _variant(preconditioner="none"),
               ("natural-gradient-is-reparametrization-invariant",)),
        Mutant("fisher-of-temperature-not-beta",
               "the Fisher information of kT (= β⁴F_ββ) reported as that of β",
               _variant(scale_parameter="temperature"),
               ("beta-fisher-information-is-heat-capacity",)),
    ),
)


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    # quantum-fisher-natural-gradient (QFI, Fubini–Study, Braunstein–Caves) joins this list.
    return [FISHER_NATURAL_GRADIENT]


@hookimpl
def physml_catalog_dirs() -> list[Any]:
    return [catalog_folder()]
