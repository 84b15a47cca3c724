"""Energy-models plugin: the Boltzmann machine as an Ising model with learnable couplings, the
restricted Boltzmann machine's free energy, and the bias of contrastive divergence
(boltzmann-machine-ising; essay §3.3, 能量模型: “能量模型（如对比散度、玻尔兹曼机）直接借鉴物理的
能量函数思想”).

Three parameter families, one pair of sides:

* ``ising`` (the main family, used by ``physml eval``). The physics side is an Ising model with
  spins s = ±1, couplings J and fields h: it enumerates the 2ⁿ configurations with Boltzmann
  weights measured from the ground state, and returns log Z, the magnetisations and correlation
  functions, the susceptibility (connected correlations of the sufficient statistics) and the
  log-likelihood of observed configurations. The learning side is a Boltzmann machine as
  Ackley, Hinton and Sejnowski wrote it, with binary units x ∈ {0, 1}, weights W and biases b;
  it normalises with ``scipy.special.logsumexp`` and returns the learning rule (data moments
  minus model moments). The dictionary in code is the change of variables s = 2x − 1:
  W = 4J, b = 2h − 2J·1 (and log Z_Ising = log Z_BM + Σ_{i<j} J_ij − Σ_i h_i), so the two
  sides differ in variables, parametrisation and arithmetic.
* ``rbm``. The physics side is a lattice gas on a bipartite graph (occupations 0/1, couplings
  between a visible and a hidden layer): it integrates out the hidden layer by summing over its
  2^{n_h} configurations, takes conditional probabilities as ratios of such sums, and
  normalises by summing over the joint configurations. For the Gibbs chain it builds the
  symmetrised transfer matrix between the layers, M(v, h) = p(v, h)/√(p(v)p(h)), whose squared
  singular values are the relaxation spectrum. The learning side is the RBM as practitioners
  compute it: the softplus free energy F(v) = −bᵀv − Σ_j softplus(c_j + W_{:,j}·v) with
  ``np.logaddexp`` (what scikit-learn's BernoulliRBM does), sigmoid conditionals, the exact
  log-likelihood gradient (positive minus negative phase), and contrastive divergence: the
  expected CD-k update, propagating the data distribution through k steps of block Gibbs
  sampling built from the sigmoid conditionals.

The identities compare the two sides: enumeration against closed forms, finite differences of
one side's log-likelihood against the other side's moment-matching gradient, and the CD-k bias
(learning) against the spectral gap and the χ² distance of the data (physics).
"""

from __future__ import annotations

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

#: Spins enumerated at most (2^16 configurations): the Ising side sums over every state.
MAX_SPINS = 16
#: Sizes of the rbm family: free energies and conditionals; joint enumeration for log Z.
MAX_VISIBLE = 12
MAX_HIDDEN = 12
MAX_JOINT = 16
#: The contrastive-divergence analysis works with 2^{n_v} × 2^{n_v} kernels.
MAX_CD_UNITS = 8
#: Steps of block Gibbs sampling the rate sweep may take.
MAX_CD_STEPS = 2000
#: Central-difference step of the first-derivative checks (on a direction with ‖u‖₁ = 1).
FD_STEP = 1e-5
#: Seed of the fixed directions along which gradients and curvatures are differenced.
DIRECTION_SEED = 20_250_303
#: Directions checked per example (every coordinate when there are at most this many).
DIRECTIONS = 6
#: Reading point of the CD rate: the contamination (λ₃/λ₂)^k of the next mode must be below
#: this, and the bias above the floor, for the asymptotic rate to be observable in float64.
RATE_RESOLUTION = 1e-6
RATE_FLOOR = 1e-8
RATE_TOLERANCE = 1e-3


def _family(params: Any) -> str:
    return str(params.get("family", "ising"))


def _binary_states(n: int) -> Any:
    """All 2ⁿ configurations of n binary units, one per row; row k spells k in binary (the
    first unit is the most significant digit)."""
    import numpy as np

    codes = np.arange(2**n)
    return ((codes[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(float)


def _log_sum_of_boltzmann_weights(neg_energy: Any, axis: int | None = None) -> Any:
    """log Σ exp(−E) with the weights measured from the ground state (no overflow)."""
    import numpy as np

    neg_energy = np.asarray(neg_energy, dtype=float)
    top = np.max(neg_energy, axis=axis, keepdims=True)
    total = np.sum(np.exp(neg_energy - top), axis=axis, keepdims=True)
    result = top + np.log(total)
    return result.squeeze() if axis is None else np.squeeze(result, axis=axis)


# =================================================================================================
# physics side
# =================================================================================================


def ising_model(params: dict[str, Any]) -> dict[str, Any]:
    """The Ising model (family ``ising``) or the bipartite lattice gas (family ``rbm``)."""
    if _family(params) == "rbm":
        return bipartite_lattice_gas(params)
    return ising_enumeration(params)


def _ising_energies(spins: Any, couplings: Any, fields: Any) -> Any:
    """H(s) = −Σ_{i<j} J_ij s_i s_j − Σ_i h_i s_i for each row s (J symmetric, zero diagonal)."""
    return -0.5 * ((spins @ couplings) * spins).sum(axis=1) - spins @ fields


def ising_enumeration(params: dict[str, Any]) -> dict[str, Any]:
    """Sum over all 2ⁿ spin configurations: log Z, moments, susceptibility, data likelihood."""
    import numpy as np

    couplings = np.asarray(params["couplings"], dtype=float)
    fields = np.asarray(params["fields"], dtype=float)
    data = np.asarray(params["data"], dtype=float)
    n = fields.size
    spins = 2.0 * _binary_states(n) - 1.0
    energies = _ising_energies(spins, couplings, fields)
    ground = float(energies.min())
    weights = np.exp(-(energies - ground))  # ≤ 1: no overflow however strong the couplings
    z_reduced = float(weights.sum())
    p = weights / z_reduced
    log_z = -ground + math.log(z_reduced)
    magnetisations = p @ spins
    correlations = spins.T @ (spins * p[:, None])
    data_energies = _ising_energies(data, couplings, fields)
    log_probabilities = -data_energies - log_z
    data_correlations = data.T @ data / data.shape[0]
    coupling_gradient = data_correlations - correlations
    np.fill_diagonal(coupling_gradient, 0.0)
    return {
        "log_partition_function": log_z,
        "free_energy": -log_z,
        "mean_energy": float(p @ energies),
        "magnetisations": magnetisations,
        "correlations": correlations,
        "log_probabilities": log_probabilities,
        "log_likelihood": float(log_probabilities.mean()),
        "coupling_gradient": coupling_gradient,
        "field_gradient": data.mean(axis=0) - magnetisations,
        "susceptibility": _susceptibility(spins, p, correlations, magnetisations),
    }


def _statistics_order(n: int) -> tuple[Any, Any]:
    """The sufficient statistics in order: pairs (i < j) row by row, then single units."""
    import numpy as np

    return np.triu_indices(n, 1)


def _susceptibility(spins: Any, p: Any, correlations: Any, magnetisations: Any) -> Any:
    """Connected correlations of (s_i s_j)_{i<j} and (s_i): χ = ⟨(φ − ⟨φ⟩)(φ − ⟨φ⟩)ᵀ⟩, summed in
    chunks of configurations (the 2^16 × 136 matrix of statistics is never formed at once)."""
    import numpy as np

    n = spins.shape[1]
    upper = _statistics_order(n)
    mean = np.concatenate([correlations[upper], magnetisations])
    chi = np.zeros((mean.size, mean.size))
    for start in range(0, spins.shape[0], 4096):
        block = spins[start : start + 4096]
        phi = np.concatenate([block[:, upper[0]] * block[:, upper[1]], block], axis=1) - mean
        chi += phi.T @ (phi * p[start : start + 4096, None])
    return chi


def bipartite_lattice_gas(params: dict[str, Any]) -> dict[str, Any]:
    """Occupations v ∈ {0,1}^{n_v}, h ∈ {0,1}^{n_h} with −E = aᵀv + cᵀh + vᵀJh, by enumeration."""
    import numpy as np

    couplings = np.asarray(params["couplings"], dtype=float)
    a = np.asarray(params["visible_fields"], dtype=float)
    c = np.asarray(params["hidden_fields"], dtype=float)
    n_v, n_h = couplings.shape
    hidden_states = _binary_states(n_h)
    lse = _log_sum_of_boltzmann_weights
    out: dict[str, Any] = {}
    if "visible" in params:
        v = np.asarray(params["visible"], dtype=float)
        neg_e = (v @ a)[:, None] + (v @ couplings) @ hidden_states.T + (hidden_states @ c)[None, :]
        total = lse(neg_e, axis=1)
        out["free_energies"] = -total
        on = np.stack([lse(neg_e[:, hidden_states[:, j] == 1], axis=1) for j in range(n_h)], 1)
        off = np.stack([lse(neg_e[:, hidden_states[:, j] == 0], axis=1) for j in range(n_h)], 1)
        out["hidden_on_log_probabilities"] = on - total[:, None]
        out["hidden_off_log_probabilities"] = off - total[:, None]
    if "hidden" in params:
        h = np.asarray(params["hidden"], dtype=float)
        visible_states = _binary_states(n_v)
        neg_e = (h @ c)[:, None] + (h @ couplings.T) @ visible_states.T + (visible_states @ a)
        total = lse(neg_e, axis=1)
        on = np.stack([lse(neg_e[:, visible_states[:, i] == 1], axis=1) for i in range(n_v)], 1)
        off = np.stack([lse(neg_e[:, visible_states[:, i] == 0], axis=1) for i in range(n_v)], 1)
        out["visible_on_log_probabilities"] = on - total[:, None]
        out["visible_off_log_probabilities"] = off - total[:, None]
    if n_v + n_h <= MAX_JOINT:
        visible_states = _binary_states(n_v)
        joint = (
            (visible_states @ a)[:, None]
            + visible_states @ couplings @ hidden_states.T
            + (hidden_states @ c)[None, :]
        )
        log_z = float(lse(joint))
        out["log_partition_function"] = log_z
        if "free_energies" in out:
            out["log_probabilities"] = -out["free_energies"] - log_z
        if "data_distribution" in params:
            out.update(_gibbs_relaxation(params, joint, visible_states, hidden_states, log_z))
    return out


def _gibbs_relaxation(
    params: dict[str, Any], joint: Any, visible_states: Any, hidden_states: Any, log_z: float
) -> dict[str, Any]:
    """Equilibrium, the symmetrised transfer matrix between the layers and its spectrum, the
    fluctuations of the Rao–Blackwellised statistic and the χ² distance of the data."""
    import numpy as np

    lse = _log_sum_of_boltzmann_weights
    log_marginal_v = lse(joint, axis=1)
    log_marginal_h = lse(joint, axis=0)
    log_pi = log_marginal_v - log_z
    # M(v, h) = p(v, h)/√(p(v) p(h)) ∈ [0, 1]; the two-step kernel symmetrised is S = M Mᵀ.
    transfer = np.exp(joint - 0.5 * log_marginal_v[:, None] - 0.5 * log_marginal_h[None, :])
    singular = np.linalg.svd(transfer, compute_uv=False)
    spectrum = np.zeros(visible_states.shape[0])
    spectrum[: singular.size] = np.sort(singular**2)[::-1]
    n_h = hidden_states.shape[1]
    # ⟨h_j | v⟩ as a ratio of sums over hidden configurations.
    on = np.stack([lse(joint[:, hidden_states[:, j] == 1], axis=1) for j in range(n_h)], 1)
    hidden_given_v = np.exp(on - log_marginal_v[:, None])
    statistic = visible_states[:, :, None] * hidden_given_v[:, None, :]
    pi = np.exp(log_pi)
    mean = np.einsum("v,vij->ij", pi, statistic)
    sd = np.sqrt(np.einsum("v,vij->ij", pi, (statistic - mean) ** 2))
    joint_p = np.exp(joint - log_z)
    # χ² = Σ (p_data − π)²/π: no cancellation when the data are close to equilibrium, and in the
    # log domain (π may be e^−700 where the data are not) when they are far.
    data = np.asarray(params["data_distribution"], dtype=float)
    with np.errstate(divide="ignore"):
        terms = 2 * np.log(np.abs(data - pi)) - log_pi
    log_chi2 = float(lse(terms)) if np.isfinite(terms).any() else -math.inf
    return {
        "equilibrium_log_probabilities": log_pi,
        "equilibrium_correlations": visible_states.T @ joint_p @ hidden_states,
        "symmetrized_kernel": transfer @ transfer.T,
        "gibbs_spectrum": spectrum,
        "second_eigenvalue": float(spectrum[1]) if spectrum.size > 1 else 0.0,
        "statistic_sd": sd,
        "log_chi_square": log_chi2,
        "chi_square": math.exp(log_chi2) if log_chi2 < 709 else math.inf,
    }


# =================================================================================================
# learning side
# =================================================================================================


def boltzmann_machine(params: dict[str, Any]) -> dict[str, Any]:
    """A Boltzmann machine with {0,1} units (family ``ising``) or an RBM (family ``rbm``)."""
    if _family(params) == "rbm":
        return restricted_boltzmann_machine(params)
    return fully_visible_boltzmann_machine(params)


def fully_visible_boltzmann_machine(params: dict[str, Any]) -> dict[str, Any]:
    """p(x) ∝ exp(½xᵀWx + bᵀx), x ∈ {0,1}ⁿ; the learning rule ⟨x_i x_j⟩_data − ⟨x_i x_j⟩_model."""
    import numpy as np
    from scipy.special import logsumexp, softmax

    weights = np.asarray(params["weights"], dtype=float)
    biases = np.asarray(params["biases"], dtype=float)
    x = np.asarray(params["data"], dtype=float)
    units = _binary_states(biases.size)

    def log_potential(states: Any) -> Any:
        return 0.5 * np.einsum("si,ij,sj->s", states, weights, states) + states @ biases

    logits = log_potential(units)
    log_normalizer = float(logsumexp(logits))
    p = softmax(logits)
    unit_means = p @ units
    unit_correlations = units.T @ (units * p[:, None])
    data_correlations = x.T @ x / x.shape[0]
    weight_gradient = data_correlations - unit_correlations
    np.fill_diagonal(weight_gradient, 0.0)
    log_probabilities = log_potential(x) - log_normalizer
    return {
        "weights": weights,
        "biases": biases,
        "log_normalizer": log_normalizer,
        "log_probabilities": log_probabilities,
        "log_likelihood": float(log_probabilities.mean()),
        "unit_means": unit_means,
        "unit_correlations": unit_correlations,
        "weight_gradient": weight_gradient,
        "bias_gradient": x.mean(axis=0) - unit_means,
    }


def _softplus(x: Any) -> Any:
    import numpy as np

    return np.logaddexp(0.0, x)


def restricted_boltzmann_machine(params: dict[str, Any]) -> dict[str, Any]:
    """The RBM as a practitioner computes it: softplus free energy, sigmoid conditionals, the
    exact gradient (positive − negative phase), and the expected CD-k update."""
    import numpy as np
    from scipy.special import expit, logsumexp, softmax

    w = np.asarray(params["weights"], dtype=float)
    b = np.asarray(params["visible_bias"], dtype=float)
    c = np.asarray(params["hidden_bias"], dtype=float)
    n_v = w.shape[0]
    out: dict[str, Any] = {}
    all_visible = _binary_states(n_v)
    all_pre = c + all_visible @ w
    all_free = -all_visible @ b - _softplus(all_pre).sum(axis=1)
    log_normalizer = float(logsumexp(-all_free))
    model_visible = softmax(-all_free)
    out["log_normalizer"] = log_normalizer
    if "visible" in params:
        v = np.asarray(params["visible"], dtype=float)
        pre = c + v @ w
        free = -v @ b - _softplus(pre).sum(axis=1)
        out["free_energies"] = free
        out["hidden_on_log_probabilities"] = -_softplus(-pre)  # log σ(x)
        out["hidden_off_log_probabilities"] = -_softplus(pre)  # log σ(−x)
        negative_phase = all_visible.T @ (model_visible[:, None] * expit(all_pre))
        positive_phase = v[:, :, None] * expit(pre)[:, None, :]
        out["log_likelihood_gradients"] = positive_phase - negative_phase
        out["log_likelihoods"] = -free - log_normalizer
    if "hidden" in params:
        h = np.asarray(params["hidden"], dtype=float)
        pre_v = b + h @ w.T
        out["visible_on_log_probabilities"] = -_softplus(-pre_v)
        out["visible_off_log_probabilities"] = -_softplus(pre_v)
    if "data_distribution" in params:
        out.update(_contrastive_divergence(params, w, b, c, model_visible))
    return out


def _block_gibbs(w: Any, b: Any, c: Any) -> tuple[Any, Any, Any]:
    """P(h|v) (2^{n_v} × 2^{n_h}), P(v|h) (2^{n_h} × 2^{n_v}) from products of sigmoids, and the
    Rao–Blackwellised statistic g(v) = v σ(c + Wᵀv)ᵀ."""
    import numpy as np
    from scipy.special import expit, log_expit

    n_v, n_h = w.shape
    visible, hidden = _binary_states(n_v), _binary_states(n_h)
    pre_h = c + visible @ w
    pre_v = b + hidden @ w.T
    h_given_v = np.exp(log_expit(pre_h) @ hidden.T + log_expit(-pre_h) @ (1 - hidden).T)
    v_given_h = np.exp(log_expit(pre_v) @ visible.T + log_expit(-pre_v) @ (1 - visible).T)
    statistic = visible[:, :, None] * expit(pre_h)[:, None, :]
    return h_given_v, v_given_h, statistic


def _contrastive_divergence(
    params: dict[str, Any], w: Any, b: Any, c: Any, model_visible: Any
) -> dict[str, Any]:
    """Expected CD-k updates E_data[g] − E_{data·Tᵏ}[g] for k = 0..cd_steps, and the ML gradient."""
    import numpy as np

    h_given_v, v_given_h, statistic = _block_gibbs(w, b, c)
    kernel = h_given_v @ v_given_h
    flat = statistic.reshape(statistic.shape[0], -1)
    data = np.asarray(params["data_distribution"], dtype=float)
    steps = int(params.get("cd_steps", 25))
    positive = data @ flat
    negatives = np.empty((steps + 1, flat.shape[1]))
    chain = data.copy()
    for k in range(steps + 1):
        negatives[k] = chain @ flat
        chain = chain @ kernel
    shape = statistic.shape[1:]
    return {
        "block_gibbs_kernel": kernel,
        "positive_phase": positive.reshape(shape),
        "ml_gradient": (positive - model_visible @ flat).reshape(shape),
        "cd_updates": (positive - negatives).reshape((steps + 1, *shape)),
    }


# =================================================================================================
# the dictionary in code
# =================================================================================================


def boltzmann_machine_from_ising(params: dict[str, Any]) -> dict[str, Any]:
    """s = 2x − 1: W = 4J, b = 2h − 2J·1 and data x = (s + 1)/2 (family ``ising``); for the
    ``rbm`` family, couplings → weights and fields → biases (both sides use 0/1 occupations)."""
    import numpy as np

    if _family(params) == "rbm":
        out = {
            "family": "rbm",
            "weights": params["couplings"],
            "visible_bias": params["visible_fields"],
            "hidden_bias": params["hidden_fields"],
        }
        for key in ("visible", "hidden", "data_distribution", "cd_steps"):
            if key in params:
                out[key] = params[key]
        return out
    couplings = np.asarray(params["couplings"], dtype=float)
    fields = np.asarray(params["fields"], dtype=float)
    return {
        "weights": 4.0 * couplings,
        "biases": 2.0 * fields - 2.0 * couplings.sum(axis=1),
        "data": (np.asarray(params["data"], dtype=float) + 1.0) / 2.0,
    }


# =================================================================================================
# parameters, validation, strategies
# =================================================================================================


def _size_from(values: dict[str, Any]) -> int:
    import numpy as np

    if "couplings" in values:
        return int(np.shape(values["couplings"])[0])
    if "fields" in values:
        return int(np.size(values["fields"]))
    return int(np.shape(values["data"])[1])


COUPLINGS = Parameter(
    "couplings",
    "Ising couplings J_ij between spins (β = 1 absorbed); symmetric, zero diagonal",
    "finite reals, J = Jᵀ, J_ii = 0, n ≤ 16",
    shape="(n, n)",
    ndim=2,
    neutral=lambda values: [[0.0] * _size_from(values)] * _size_from(values),
)
FIELDS = Parameter(
    "fields",
    "external field h_i on each spin (zero when couplings are given without fields)",
    "finite reals",
    shape="(n,)",
    ndim=1,
    neutral=lambda values: [0.0] * _size_from(values),
)
DATA = Parameter(
    "data",
    "observed spin configurations, one per row (one all-up row when not given)",
    "entries ±1",
    shape="(m, n)",
    ndim=2,
    integer=True,
    minimum=-1,
    maximum=1,
    neutral=lambda values: [[1] * _size_from(values)],
)


def validate_ising(values: dict[str, Any]) -> None:
    """Square symmetric couplings with a zero diagonal, one field and one column per spin."""
    import numpy as np

    couplings = values["couplings"]
    n = couplings.shape[0]
    if couplings.shape != (n, n):
        raise ParameterError("couplings", f"must be a square n × n matrix, got {couplings.shape}")
    if n > MAX_SPINS:
        raise ParameterError(
            "couplings",
            f"at most {MAX_SPINS} spins (every one of the 2ⁿ configurations is summed), got {n}",
        )
    asymmetric = np.argwhere(couplings != couplings.T)
    if asymmetric.size:
        i, j = (int(k) for k in asymmetric[0])
        raise ParameterError(
            "couplings",
            f"must be symmetric (J_ij = J_ji: one coupling per pair), got J[{i}][{j}] = "
            f"{couplings[i, j]} and J[{j}][{i}] = {couplings[j, i]}",
        )
    diagonal = np.flatnonzero(np.diag(couplings))
    if diagonal.size:
        i = int(diagonal[0])
        raise ParameterError(
            "couplings",
            f"must have a zero diagonal (J_ii s_i² = J_ii is a constant), got J[{i}][{i}] = "
            f"{couplings[i, i]}",
        )
    if values["fields"].shape != (n,):
        raise ParameterError(
            "fields", f"must hold one field per spin ({n}), got {values['fields'].shape[0]}"
        )
    data = values["data"]
    if data.shape[1] != n:
        raise ParameterError("data", f"must have one column per spin ({n}), got {data.shape[1]}")
    zeros = np.argwhere(data == 0)
    if zeros.size:
        raise ParameterError(
            "data", f"spins are ±1, got 0 at row {int(zeros[0][0])}, column {int(zeros[0][1])}"
        )


#: The worked example: four spins on a ring with a diagonal bond, and six observed states.
FOUR_SPIN_EXAMPLE = {
    "couplings": [
        [0.0, 0.6, -0.3, 0.6],
        [0.6, 0.0, 0.6, 0.0],
        [-0.3, 0.6, 0.0, 0.6],
        [0.6, 0.0, 0.6, 0.0],
    ],
    "fields": [0.2, -0.1, 0.0, 0.4],
    "data": [
        [1, 1, 1, 1],
        [1, 1, -1, 1],
        [-1, -1, -1, -1],
        [1, -1, 1, 1],
        [1, 1, 1, -1],
        [-1, 1, 1, 1],
    ],
}


def _ferromagnet(n: int, coupling: float) -> list[list[float]]:
    return [[0.0 if i == j else coupling for j in range(n)] for i in range(n)]


#: Always run: one spin; a ferromagnet with log Z ≈ 1400 (exp overflows naively) at zero field;
#: strong fields (large magnetisations: the connected part of χ matters); a frustrated triangle.
ISING_EXAMPLES = (
    {"couplings": [[0.0]], "fields": [0.7], "data": [[1], [-1], [1]]},
    {
        "couplings": _ferromagnet(8, 50.0),
        "fields": [0.0] * 8,
        "data": [[1] * 8, [-1] * 8, [1, 1, 1, 1, -1, -1, -1, -1]],
    },
    {
        "couplings": [
            [0.0, 0.3, -0.2, 0.1, 0.0],
            [0.3, 0.0, 0.25, 0.0, -0.4],
            [-0.2, 0.25, 0.0, 0.5, 0.1],
            [0.1, 0.0, 0.5, 0.0, 0.2],
            [0.0, -0.4, 0.1, 0.2, 0.0],
        ],
        "fields": [1.5, -2.0, 0.8, 1.0, -1.2],
        "data": [[1, -1, 1, 1, -1], [1, 1, 1, -1, -1], [-1, -1, 1, 1, 1]],
    },
    {
        "couplings": _ferromagnet(3, -2.5),
        "fields": [0.1, 0.0, -0.1],
        "data": [[1, -1, 1], [1, 1, -1]],
    },
)


def _scaled_matrix(draw: Any, shape: tuple[int, ...], scale: float) -> Any:
    import numpy as np
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    x = draw(arrays(np.float64, shape, elements=st.floats(-2.5, 2.5, allow_subnormal=False)))
    return scale * x


def ising_strategy() -> Any:
    """n ∈ [1, 12] spins, J and h of scale s log-uniform in [1e-3, 3], 1–100 observed states."""
    import numpy as np
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(1, 12))
        scale = 10.0 ** draw(st.floats(-3, math.log10(3)))
        upper = np.triu(_scaled_matrix(draw, (n, n), scale), 1)
        fields = _scaled_matrix(draw, (n,), scale)
        m = draw(st.integers(1, 100))
        data = draw(arrays(np.bool_, (m, n)))
        return {
            "couplings": (upper + upper.T).tolist(),
            "fields": fields.tolist(),
            "data": np.where(data, 1, -1).tolist(),
        }

    return draw()


def _rbm_params(draw: Any, n_v: int, n_h: int, scale: float, *, rows: int = 0) -> dict[str, Any]:
    import numpy as np
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    params: dict[str, Any] = {
        "family": "rbm",
        "couplings": _scaled_matrix(draw, (n_v, n_h), scale).tolist(),
        "visible_fields": _scaled_matrix(draw, (n_v,), scale).tolist(),
        "hidden_fields": _scaled_matrix(draw, (n_h,), scale).tolist(),
    }
    if rows:
        m = draw(st.integers(1, rows))
        params["visible"] = draw(arrays(np.int8, (m, n_v), elements=st.integers(0, 1))).tolist()
        params["hidden"] = draw(arrays(np.int8, (m, n_h), elements=st.integers(0, 1))).tolist()
    return params


def rbm_strategy() -> Any:
    """n_v ≤ 10, n_h ≤ 12, weight scale log-uniform in [1e-2, 1e3], up to 8 states of each layer."""
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n_v, n_h = draw(st.integers(1, 10)), draw(st.integers(1, 12))
        scale = 10.0 ** draw(st.floats(-2, 3))
        return _rbm_params(draw, n_v, n_h, scale, rows=8)

    return draw()


def rbm_gradient_strategy() -> Any:
    """n_v, n_h ≤ 6 (log Z by summing 2^{n_v + n_h} joint states), scale in [1e-2, 1e2]."""
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n_v, n_h = draw(st.integers(1, 6)), draw(st.integers(1, 6))
        scale = 10.0 ** draw(st.floats(-2, 2))
        params = _rbm_params(draw, n_v, n_h, scale, rows=4)
        del params["hidden"]
        return params

    return draw()


def cd_strategy() -> Any:
    """n_v, n_h ≤ 8, weight scale log-uniform in [0.1, 4], p_data ~ Dirichlet(α), α ∈ [0.1, 1]
    (drawn as gamma quantiles of hypothesis-drawn uniforms)."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays
    from scipy.special import gammaincinv

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n_v, n_h = draw(st.integers(1, MAX_CD_UNITS)), draw(st.integers(1, MAX_CD_UNITS))
        scale = 10.0 ** draw(st.floats(-1, math.log10(4)))
        params = _rbm_params(draw, n_v, n_h, scale / 1.25)  # entries within ±2·scale
        alpha = 10.0 ** draw(st.floats(-1, 0))
        uniforms = draw(arrays(np.float64, 2**n_v, elements=st.floats(1e-6, 1 - 1e-6)))
        gamma = gammaincinv(alpha, uniforms)
        assume(gamma.sum() > 0)
        params["data_distribution"] = (gamma / gamma.sum()).tolist()
        return params

    return draw()


def _point_mass(n: int, index: int) -> list[float]:
    return [1.0 if k == index else 0.0 for k in range(2**n)]


def slow_mixing_example(w: float) -> dict[str, Any]:
    """The spec's designed slow-mixing RBM: n_v = 6, n_h = 1, W = w, b = −w/2, c = −3w,
    p_data = 0.8·δ(1…1) + 0.2·δ(0…0)."""
    data = [0.8 * a + 0.2 * b for a, b in zip(_point_mass(6, 63), _point_mass(6, 0), strict=True)]
    return {
        "family": "rbm",
        "couplings": [[w]] * 6,
        "visible_fields": [-w / 2] * 6,
        "hidden_fields": [-3 * w],
        "data_distribution": data,
    }


#: The RBM family's explicit examples: the overflow stress case of the spec (F = −2400), weights
#: of 1e3 with mixed signs, and a small generic machine.
RBM_EXAMPLES = (
    {
        "family": "rbm",
        "couplings": [[400.0, 400.0]] * 3,
        "visible_fields": [0.0] * 3,
        "hidden_fields": [0.0, 0.0],
        "visible": [[1, 1, 1], [0, 0, 0], [1, 0, 1]],
        "hidden": [[1, 1], [0, 1]],
    },
    {
        "family": "rbm",
        "couplings": [[0.5, -1.2, 0.3], [1.1, 0.4, -0.7]],
        "visible_fields": [0.3, -0.6],
        "hidden_fields": [-0.2, 0.5, 0.1],
        "visible": [[1, 0], [1, 1], [0, 0]],
        "hidden": [[1, 0, 1], [0, 1, 1]],
    },
    {
        "family": "rbm",
        "couplings": [[1e3, -1e3], [-750.0, 20.0], [3.0, -900.0]],
        "visible_fields": [-500.0, 800.0, 2.0],
        "hidden_fields": [-200.0, 350.0],
        "visible": [[1, 1, 0], [0, 1, 1], [1, 0, 1]],
        "hidden": [[1, 1], [1, 0]],
    },
)

RBM_GRADIENT_EXAMPLES = (
    {k: v for k, v in RBM_EXAMPLES[1].items() if k != "hidden"},
    {
        "family": "rbm",
        "couplings": [[2.0, -1.5], [0.5, 3.0], [-2.5, 1.0]],
        "visible_fields": [0.5, -1.0, 1.5],
        "hidden_fields": [-1.0, 0.5],
        "visible": [[1, 0, 1], [0, 1, 1], [1, 1, 1], [0, 0, 0]],
    },
)


def _generic_cd_example() -> dict[str, Any]:
    """Three visible and two hidden units, uneven data: three relaxation modes, λ₂ ≈ 0.244,
    λ₃ ≈ 0.045 (the rate is read at k = 9)."""
    return {
        "family": "rbm",
        "couplings": [[-1.4, -1.5], [1.2, -0.4], [-1.2, -1.4]],
        "visible_fields": [0.2, -0.5, -0.6],
        "hidden_fields": [0.3, -0.6],
        "data_distribution": [0.12, 0.0, 0.12, 0.05, 0.41, 0.08, 0.1, 0.12],
    }


CD_EXAMPLES = (
    slow_mixing_example(3.0),
    _generic_cd_example(),
    slow_mixing_example(1.0),
    # Two equal couplings give a degenerate λ₂; taken for λ₃, it made log(λ₃/λ₂) zero.
    {
        "family": "rbm",
        "couplings": [[0.0, 0.0, 1.6, 0.0], [1.6, 0.0, 0.0, 0.0], [0.0] * 4, [0.0] * 4],
        "visible_fields": [0.0] * 4,
        "hidden_fields": [0.0] * 4,
        "data_distribution": [1 / 16] * 16,
    },
    slow_mixing_example(4.0),
)


# =================================================================================================
# identities of the ising family
# =================================================================================================


def _sides(c: Correspondence, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return c.physics.observe(params), c.learning.observe(c.translate(params))


def _energy_scale(params: dict[str, Any]) -> float:
    """A = Σ_{i<j}|J_ij| + Σ|h_i|, the largest |H(s)|: it sets the rounding of every energy."""
    import numpy as np

    couplings = np.asarray(params["couplings"], dtype=float)
    return float(np.abs(np.triu(couplings, 1)).sum() + np.abs(params["fields"]).sum())


def _log_likelihood_error(params: dict[str, Any]) -> float:
    """Rounding of a log-probability on either side: energies of n terms of size ≤ 4A (after
    W = 4J, b = 2h − 2J·1), and a log-sum over 2ⁿ states."""
    n = len(params["fields"])
    return 16 * EPS * (n + 2) * (1 + 4 * _energy_scale(params))


def check_data_likelihood(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """log p_BM(x) = −H(s) − log Z_Ising for every observed row, x = (s + 1)/2."""
    phys, learn = _sides(c, params)
    atol = _log_likelihood_error(params)
    result = close(learn["log_probabilities"], phys["log_probabilities"], atol=atol)
    return result & close(learn["log_likelihood"], phys["log_likelihood"], atol=atol)


def _ising_directions(n: int) -> list[tuple[Any, Any, Any]]:
    """Directions u in (J_{i<j}, h) with ‖u‖₁ = 1: every coordinate when there are at most
    DIRECTIONS of them, otherwise DIRECTIONS fixed random ones. Returns (U, u_h, u as vector)."""
    import numpy as np

    upper = _statistics_order(n)
    d = upper[0].size + n
    if d <= DIRECTIONS:
        vectors = list(np.eye(d))
    else:
        rng = np.random.default_rng(DIRECTION_SEED)
        vectors = [u / np.abs(u).sum() for u in rng.standard_normal((DIRECTIONS, d))]
    out = []
    for u in vectors:
        matrix = np.zeros((n, n))
        matrix[upper] = u[: upper[0].size]
        out.append((matrix + matrix.T, u[upper[0].size :], u))
    return out


def _moved(params: dict[str, Any], matrix: Any, field: Any, t: float) -> dict[str, Any]:
    import numpy as np

    return {
        **params,
        "couplings": np.asarray(params["couplings"], dtype=float) + t * matrix,
        "fields": np.asarray(params["fields"], dtype=float) + t * field,
    }


def check_moment_matching(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """∂L/∂J_ij = ⟨s_i s_j⟩_data − ⟨s_i s_j⟩_model and ∂L/∂h_i = ⟨s_i⟩_data − ⟨s_i⟩_model
    against central differences of the BM's log-likelihood along fixed directions u (‖u‖₁ = 1);
    and the BM's learning rule (⟨x_i x_j⟩, ⟨x_i⟩ differences), pulled back through the
    dictionary, against central differences of the Ising log-likelihood."""
    import numpy as np

    phys, learn = _sides(c, params)
    n = len(params["fields"])
    upper = _statistics_order(n)
    t = FD_STEP
    # Truncation t²|κ₃|/6 with |κ₃(u·φ)| ≤ 2 for u·φ ∈ [−1, 1]; rounding err(L)/t.
    atol = 10 * (t**2 * 2 / 6 + _log_likelihood_error(params) / t)
    base = c.translate(params)
    errors_physics, errors_learning = [], []
    for matrix, field, _ in _ising_directions(n):
        plus, minus = _moved(params, matrix, field, t), _moved(params, matrix, field, -t)
        fd_learning = (
            c.learning.observe(c.translate(plus))["log_likelihood"]
            - c.learning.observe(c.translate(minus))["log_likelihood"]
        ) / (2 * t)
        physics_slope = float(
            np.sum(matrix[upper] * phys["coupling_gradient"][upper])
            + field @ phys["field_gradient"]
        )
        errors_physics.append((physics_slope, fd_learning))
        fd_physics = (
            c.physics.observe(plus)["log_likelihood"] - c.physics.observe(minus)["log_likelihood"]
        ) / (2 * t)
        # The learning rule contracted with the direction's image under the (affine) dictionary.
        image = c.translate(_moved(params, matrix, field, 1.0))
        d_weights = np.asarray(image["weights"]) - np.asarray(base["weights"])
        d_biases = np.asarray(image["biases"]) - np.asarray(base["biases"])
        learning_slope = float(
            np.sum(d_weights[upper] * learn["weight_gradient"][upper])
            + d_biases @ learn["bias_gradient"]
        )
        errors_learning.append((learning_slope, fd_physics))
    a, b = np.array(errors_physics).T
    result = close(a, b, atol=atol)
    a, b = np.array(errors_learning).T
    return result & close(a, b, atol=atol)


def check_curvature(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """d²L/dt² along u = −uᵀχu (χ the connected correlations of (s_i s_j, s_i)), by second
    differences of the BM's log-likelihood; χ ⪰ 0, so L is concave (the inverse Ising problem)."""
    import numpy as np

    phys = c.physics.observe(params)
    chi = np.asarray(phys["susceptibility"])
    n = len(params["fields"])
    err = _log_likelihood_error(params)
    # Truncation t²|κ₄|/12 with |κ₄(u·φ)| ≤ 4; rounding 4·err/t²; t balances the two.
    t = (12 * err / 4) ** 0.25
    atol = 10 * (t**2 * 4 / 12 + 4 * err / t**2)
    centre = c.learning.observe(c.translate(params))["log_likelihood"]
    observed, predicted = [], []
    for matrix, field, u in _ising_directions(n)[:4]:
        plus = c.learning.observe(c.translate(_moved(params, matrix, field, t)))["log_likelihood"]
        minus = c.learning.observe(c.translate(_moved(params, matrix, field, -t)))["log_likelihood"]
        observed.append((plus - 2 * centre + minus) / t**2)
        predicted.append(-float(u @ chi @ u))
    result = close(observed, predicted, atol=atol)
    scale = float(np.max(np.abs(chi))) if chi.size else 0.0
    lowest = float(np.linalg.eigvalsh((chi + chi.T) / 2)[0]) if chi.size else 0.0
    return result & at_most(
        -lowest, 16 * EPS * chi.shape[0] * (1 + scale), label="negative_curvature"
    )


# =================================================================================================
# identities of the rbm family
# =================================================================================================


def _rbm_scale(params: dict[str, Any], rows: Any, layer: str) -> Any:
    """Per row: the sum of the sizes of the terms of −E(v, ·) (or −E(·, h)), which bounds its
    rounding: |a|ᵀv + Σ_j (|c_j| + Σ_i |J_ij| v_i) for visible rows, symmetrically for hidden."""
    import numpy as np

    j = np.abs(np.asarray(params["couplings"], dtype=float))
    a = np.abs(np.asarray(params["visible_fields"], dtype=float))
    h = np.abs(np.asarray(params["hidden_fields"], dtype=float))
    r = np.asarray(rows, dtype=float)
    if layer == "visible":
        return r @ a + h.sum() + (r @ j).sum(axis=1)
    return r @ h + a.sum() + (r @ j.T).sum(axis=1)


def _rbm_sizes(params: dict[str, Any]) -> tuple[int, int]:
    import numpy as np

    n_v, n_h = np.shape(params["couplings"])
    return int(n_v), int(n_h)


def check_free_energy(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """F(v) = −log Σ_h e^{−E(v,h)} (sum over 2^{n_h} hidden states) = −bᵀv − Σ_j softplus(x_j)."""
    phys, learn = _sides(c, params)
    n_v, n_h = _rbm_sizes(params)
    size = _rbm_scale(params, params["visible"], "visible")
    atol = 16 * EPS * (n_v + n_h + 2) * (1 + size)
    return close(learn["free_energies"], phys["free_energies"], atol=atol)


def check_conditionals(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """log p(h_j = 1|v) as a ratio of sums over hidden states = log σ(c_j + W_{:,j}·v) (and
    h_j = 0, and the visible units given h), compared in the log domain."""
    import numpy as np

    phys, learn = _sides(c, params)
    n_v, n_h = _rbm_sizes(params)
    result = Comparison(True)
    for layer, rows in (("hidden", params["visible"]), ("visible", params["hidden"])):
        source = "visible" if layer == "hidden" else "hidden"
        size = _rbm_scale(params, rows, source)
        atol = (32 * EPS * (n_v + n_h + 2) * (1 + size))[:, None]
        for state in ("on", "off"):
            key = f"{layer}_{state}_log_probabilities"
            expected = np.asarray(phys[key])
            result &= close(learn[key], expected, atol=np.broadcast_to(atol, expected.shape))
    return result


def _rbm_directions(n_v: int, n_h: int) -> list[Any]:
    import numpy as np

    d = n_v * n_h
    if d <= DIRECTIONS:
        return [e.reshape(n_v, n_h) for e in np.eye(d)]
    rng = np.random.default_rng(DIRECTION_SEED)
    return [(u / np.abs(u).sum()).reshape(n_v, n_h) for u in rng.standard_normal((DIRECTIONS, d))]


def check_rbm_gradient(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """∂ log p(v)/∂W_ij = v_i σ(c_j + W_{:,j}·v) − ⟨v_i h_j⟩_model against central differences
    of log p(v) = −F(v) − log Z, both sums over states, along fixed directions (‖U‖₁ = 1)."""
    import numpy as np

    n_v, n_h = _rbm_sizes(params)
    learn = c.learning.observe(c.translate(params))
    couplings = np.asarray(params["couplings"], dtype=float)
    t = FD_STEP
    j = np.abs(couplings).sum()
    total = j + np.abs(params["visible_fields"]).sum() + np.abs(params["hidden_fields"]).sum()
    err = 16 * EPS * (n_v + n_h + 2) * (1 + total)
    # −F'''(t) ≤ 0.0963 (softplus), |κ₃| ≤ 2 for log Z; rounding of −F and log Z over 2t.
    atol = 10 * (t**2 * 2.1 / 6 + 2 * err / t)
    observed, predicted = [], []
    for u in _rbm_directions(n_v, n_h):
        plus = c.physics.observe({**params, "couplings": couplings + t * u})["log_probabilities"]
        minus = c.physics.observe({**params, "couplings": couplings - t * u})["log_probabilities"]
        observed.append((np.asarray(plus) - np.asarray(minus)) / (2 * t))
        predicted.append(np.einsum("mij,ij->m", learn["log_likelihood_gradients"], u))
    return close(np.array(predicted), np.array(observed), atol=atol)


# =================================================================================================
# identities of contrastive divergence
# =================================================================================================


def _cd_floor(params: dict[str, Any], steps: Any) -> Any:
    """Rounding of an expected CD-k statistic: energies of size A in the conditionals and the
    equilibrium, and k products with the kernel (each a pairwise sum over 2^{n_v} states)."""
    import numpy as np

    n_v, n_h = _rbm_sizes(params)
    total = (
        np.abs(params["couplings"]).sum()
        + np.abs(params["visible_fields"]).sum()
        + np.abs(params["hidden_fields"]).sum()
    )
    return 16 * EPS * (n_v + n_h + 2) * (1 + total + np.asarray(steps, dtype=float))


def _cd_bias(learn: dict[str, Any]) -> Any:
    """B_k = E_{p_model}[g] − E_{p_data Tᵏ}[g] = (CD-k update) − (ML gradient)."""
    import numpy as np

    return np.asarray(learn["cd_updates"]) - np.asarray(learn["ml_gradient"])[None]


def check_cd_stationary(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Started from the model's own distribution, CD-k's expected update is 0 for every k:
    E_{p_model Tᵏ}[g] = E_{p_model}[g] (p_model is stationary for block Gibbs sampling)."""
    import numpy as np

    phys = c.physics.observe(params)
    equilibrium = np.exp(np.asarray(phys["equilibrium_log_probabilities"]))
    steps = 10
    at_equilibrium = {**params, "data_distribution": equilibrium.tolist(), "cd_steps": steps}
    learn = c.learning.observe(c.translate(at_equilibrium))
    updates = np.asarray(learn["cd_updates"])
    floor = _cd_floor(params, np.arange(steps + 1))[:, None, None]
    result = close(updates, np.zeros_like(updates), atol=np.broadcast_to(floor, updates.shape))
    # and the model's statistics agree: E_π[g] (Rao–Blackwellised, sigmoids) = ⟨v_i h_j⟩ (joint sum)
    positive = np.asarray(learn["positive_phase"])
    return result & close(positive, phys["equilibrium_correlations"], atol=float(floor[0, 0, 0]))


def check_cd_bound(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """|B_k,ij| ≤ sd_{p_model}(g_ij)·λ₂ᵏ·√χ²(p_data‖p_model) for k = 0, 1, 2, …: the CD-k bias
    shrinks at least geometrically with the second eigenvalue of the Gibbs kernel."""
    import numpy as np

    phys = c.physics.observe(params)
    lam2 = float(phys["second_eigenvalue"])
    sd = np.asarray(phys["statistic_sd"])
    half_log_chi2 = 0.5 * float(phys["log_chi_square"])
    # Sweep k until the bound falls below the rounding floor: at least 5 steps, at most 200.
    steps = 200
    top = float(sd.max())
    if 0 < lam2 < 1 and top > 0 and math.isfinite(half_log_chi2):
        log_floor = math.log(float(_cd_floor(params, 0)))
        needed = (log_floor - math.log(top) - half_log_chi2) / math.log(lam2)
        steps = int(min(200, max(5, math.ceil(needed) + 1)))
    learn = c.learning.observe(c.translate({**params, "cd_steps": steps}))
    bias = np.abs(_cd_bias(learn))
    k = np.arange(steps + 1)[:, None, None]
    log_lam2 = math.log(lam2) if lam2 > 0 else -math.inf
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_bound = np.log(sd)[None] + np.where(k == 0, 0.0, k * log_lam2) + half_log_chi2
        bound = np.exp(log_bound)
    # λ₂ carries an absolute error of a few eps (from the SVD): relative k·δλ/λ₂ in λ₂ᵏ.
    slack = 1e-9 + k * 64 * EPS / max(lam2, 1e-300)
    allowed = bound * (1 + slack) + _cd_floor(params, k)
    excess = float(np.max(bias - allowed))
    return Comparison(
        bool(np.all(bias <= allowed)),
        abs_error=max(excess, 0.0),
        rel_error=max(excess, 0.0),
        detail={
            "second_eigenvalue": lam2,
            "chi_square": phys["chi_square"],
            "steps": steps,
            "largest_bias_over_bound": float(np.max(bias / allowed)),
        },
        tolerance_used=float(np.max(bias / allowed)),
    )


def _outside_domain_unless(condition: bool) -> None:
    """Reject an example outside an identity's domain: hypothesis discards it (as ``assume``
    does) and ``physml eval`` reports the identity as not applicable."""
    from hypothesis.errors import UnsatisfiedAssumption

    if not condition:
        raise UnsatisfiedAssumption()


def check_cd_rate(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """‖B_{k+1}‖/‖B_k‖ → λ₂: read where the next mode's share (λ₃/λ₂)ᵏ ≤ 1e-6 and ‖B‖ ≥ 1e-8."""
    import numpy as np

    phys = c.physics.observe(params)
    spectrum = np.asarray(phys["gibbs_spectrum"])
    lam2 = float(phys["second_eigenvalue"])
    # An RBM whose Gibbs chain has no second mode (λ₂ ≈ 0) has no rate to observe.
    _outside_domain_unless(lam2 > 1e-6)
    # λ₃ is the next eigenvalue below λ₂: a degenerate λ₂ (equal to 1e-9 relative, so that
    # its copies decay alike for far more than MAX_CD_STEPS steps) is one mode, not two.
    below = spectrum[spectrum < lam2 * (1 - 1e-9)]
    lam3 = float(np.max(below)) if below.size else 0.0
    if lam3 <= 0 or lam3 / lam2 <= RATE_RESOLUTION:
        k = 1
    else:
        k = math.ceil(math.log(RATE_RESOLUTION) / math.log(lam3 / lam2))
    _outside_domain_unless(k + 1 <= MAX_CD_STEPS)
    learn = c.learning.observe(c.translate({**params, "cd_steps": k + 1}))
    bias = _cd_bias(learn)
    norms = np.sqrt((bias.reshape(bias.shape[0], -1) ** 2).sum(axis=1))
    # Below the floor the ratio is rounding; the asymptotic rate is not observable in float64.
    _outside_domain_unless(norms[k + 1] >= RATE_FLOOR)
    observed = float(norms[k + 1] / norms[k])
    deviation = abs(observed - lam2)
    return Comparison(
        deviation <= RATE_TOLERANCE,
        abs_error=deviation,
        rel_error=deviation / lam2,
        tolerance_used=deviation / RATE_TOLERANCE,
        detail={
            "observed_rate": observed,
            "expected_rate": lam2,
            "bound": RATE_TOLERANCE,
            "step": k,
            "third_eigenvalue": lam3,
            "bias_norms": [float(norms[0]), float(norms[k]), float(norms[k + 1])],
        },
    )


def check_gibbs_spectrum(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """D^{1/2} T D^{−1/2} (T the sampler's two-step kernel, D = diag p_model) equals the
    symmetric M Mᵀ of the transfer matrix (detailed balance); its spectrum lies in [0, 1] with
    top eigenvalue 1 and the same λ₂ on both sides."""
    import numpy as np

    phys, learn = _sides(c, params)
    log_pi = np.asarray(phys["equilibrium_log_probabilities"])
    kernel = np.asarray(learn["block_gibbs_kernel"])
    with np.errstate(under="ignore"):
        symmetrized = np.exp(0.5 * (log_pi[:, None] - log_pi[None, :])) * kernel
    n_states = log_pi.size
    entry_tol = float(_cd_floor(params, 4))
    result = close(symmetrized, phys["symmetrized_kernel"], atol=entry_tol)
    result &= close(symmetrized, symmetrized.T, atol=entry_tol)
    eigenvalues = np.sort(np.linalg.eigvalsh((symmetrized + symmetrized.T) / 2))[::-1]
    spectral_tol = n_states * entry_tol
    result &= at_most(-eigenvalues[-1], spectral_tol, label="negative_eigenvalue")
    result &= at_most(eigenvalues[0] - 1, spectral_tol, label="eigenvalue_above_one")
    result &= close(eigenvalues[0], 1.0, atol=spectral_tol)
    physics_spectrum = np.asarray(phys["gibbs_spectrum"])
    result &= close(physics_spectrum[0], 1.0, atol=spectral_tol)
    if n_states > 1:
        result &= close(eigenvalues[1], phys["second_eigenvalue"], atol=spectral_tol)
    return result


# =================================================================================================
# mutants
# =================================================================================================


def _halved_pair_gradient(c: Correspondence) -> Correspondence:
    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if _family(p) == "rbm":
            return {}
        return {"weight_gradient": 0.5 * o["weight_gradient"]}

    return c.with_learning_patch(patch)


def _cosh_free_energy(c: Correspondence) -> Correspondence:
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if _family(p) != "rbm" or "visible" not in p:
            return {}
        v = np.asarray(p["visible"], dtype=float)
        x = np.asarray(p["hidden_bias"]) + v @ np.asarray(p["weights"])
        log_2cosh = np.logaddexp(x, -x)
        return {"free_energies": -v @ np.asarray(p["visible_bias"]) - log_2cosh.sum(axis=1)}

    return c.with_learning_patch(patch)


def _naive_softplus(c: Correspondence) -> Correspondence:
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if _family(p) != "rbm" or "visible" not in p:
            return {}
        v = np.asarray(p["visible"], dtype=float)
        x = np.asarray(p["hidden_bias"]) + v @ np.asarray(p["weights"])
        with np.errstate(over="ignore"):
            softplus = np.log1p(np.exp(x))
        return {"free_energies": -v @ np.asarray(p["visible_bias"]) - softplus.sum(axis=1)}

    return c.with_learning_patch(patch)


def _visible_bias_sign(c: Correspondence) -> Correspondence:
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if _family(p) != "rbm" or "visible" not in p:
            return {}
        v = np.asarray(p["visible"], dtype=float)
        linear = v @ np.asarray(p["visible_bias"])
        return {"free_energies": np.asarray(o["free_energies"]) + 2 * linear}

    return c.with_learning_patch(patch)


def _cd_at_data(c: Correspondence) -> Correspondence:
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if "cd_updates" not in o:
            return {}
        # negative statistics taken at v₀: positive − positive = 0 for every k
        return {"cd_updates": np.zeros_like(o["cd_updates"])}

    return c.with_learning_patch(patch)


def _reconstruction_with_data_hiddens(c: Correspondence) -> Correspondence:
    import numpy as np
    from scipy.special import expit

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if "cd_updates" not in o:
            return {}
        w = np.asarray(p["weights"], dtype=float)
        n_v, _ = w.shape
        visible = _binary_states(n_v)
        hidden_mean = expit(np.asarray(p["hidden_bias"]) + visible @ w)  # at v_{k−1}
        kernel = np.asarray(o["block_gibbs_kernel"])
        chain = np.asarray(p["data_distribution"], dtype=float)
        updates = [np.zeros(w.shape)]
        for _ in range(np.shape(o["cd_updates"])[0] - 1):
            # E[v_k,i σ_j(v_{k−1})]: the reconstruction paired with the previous step's hiddens
            negative = np.einsum("v,vu,ui,vj->ij", chain, kernel, visible, hidden_mean)
            updates.append(np.asarray(o["positive_phase"]) - negative)
            chain = chain @ kernel
        return {"cd_updates": np.array(updates)}

    return c.with_learning_patch(patch)


def _factorised_negative_phase(c: Correspondence) -> Correspondence:
    import numpy as np
    from scipy.special import expit, logsumexp

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if "log_likelihood_gradients" not in o:
            return {}
        w = np.asarray(p["weights"], dtype=float)
        b, cb = np.asarray(p["visible_bias"]), np.asarray(p["hidden_bias"])
        visible = _binary_states(w.shape[0])
        pre = cb + visible @ w
        neg_free = visible @ b + np.logaddexp(0, pre).sum(axis=1)
        model = np.exp(neg_free - logsumexp(neg_free))
        factorised = np.outer(model @ visible, model @ expit(pre))  # ⟨v_i⟩⟨h_j⟩
        v = np.asarray(p["visible"], dtype=float)
        positive = v[:, :, None] * expit(cb + v @ w)[:, None, :]
        return {"log_likelihood_gradients": positive - factorised}

    return c.with_learning_patch(patch)


def _units_mixed(c: Correspondence) -> Correspondence:
    import numpy as np

    translate = c.translate

    def wrong(params: dict[str, Any]) -> dict[str, Any]:
        if _family(params) == "rbm":
            return translate(params)
        return {
            **translate(params),
            "weights": np.asarray(params["couplings"], dtype=float),
            "biases": np.asarray(params["fields"], dtype=float),
        }

    return c.with_translate(wrong)


def _disconnected_susceptibility(c: Correspondence) -> Correspondence:
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if _family(p) == "rbm":
            return {}
        n = len(p["fields"])
        upper = _statistics_order(n)
        mean = np.concatenate([o["correlations"][upper], o["magnetisations"]])
        return {"susceptibility": o["susceptibility"] + np.outer(mean, mean)}

    return c.with_physics_patch(patch)


def _half_step_spectrum(c: Correspondence) -> Correspondence:
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if "gibbs_spectrum" not in o:
            return {}
        spectrum = np.sqrt(np.asarray(o["gibbs_spectrum"]))
        return {"gibbs_spectrum": spectrum, "second_eigenvalue": float(spectrum[1])}

    return c.with_physics_patch(patch)


# =================================================================================================
# the correspondence
# =================================================================================================

BOLTZMANN_MACHINE_ISING = Correspondence(
    id="boltzmann-machine-ising",
    regime="exact",
    physics=PhysicalSystem(
        "Ising model (and bipartite lattice gas)",
        "Spins s = ±1 with couplings J and fields h, p(s) ∝ exp(Σ_{i<j} J_ij s_i s_j + Σ h_i s_i), "
        "summed over all 2ⁿ states; for the RBM family, 0/1 occupations on a bipartite graph with "
        "the hidden layer integrated out and the Gibbs chain's transfer matrix between layers.",
        (
            "log_partition_function",
            "free_energy",
            "mean_energy",
            "magnetisations",
            "correlations",
            "log_probabilities",
            "log_likelihood",
            "coupling_gradient",
            "field_gradient",
            "susceptibility",
            "free_energies",
            "hidden_on_log_probabilities",
            "hidden_off_log_probabilities",
            "visible_on_log_probabilities",
            "visible_off_log_probabilities",
            "equilibrium_log_probabilities",
            "equilibrium_correlations",
            "symmetrized_kernel",
            "gibbs_spectrum",
            "second_eigenvalue",
            "statistic_sd",
            "log_chi_square",
            "chi_square",
        ),
        ising_model,
    ),
    learning=LearningMethod(
        "Boltzmann machine (and RBM with contrastive divergence)",
        "Binary units x ∈ {0,1}, p(x) ∝ exp(½xᵀWx + bᵀx), learning rule ⟨x_i x_j⟩_data − "
        "⟨x_i x_j⟩_model; the RBM's softplus free energy, sigmoid conditionals, exact gradient and "
        "expected CD-k updates through block Gibbs sampling.",
        (
            "weights",
            "biases",
            "log_normalizer",
            "log_probabilities",
            "log_likelihood",
            "unit_means",
            "unit_correlations",
            "weight_gradient",
            "bias_gradient",
            "free_energies",
            "hidden_on_log_probabilities",
            "hidden_off_log_probabilities",
            "visible_on_log_probabilities",
            "visible_off_log_probabilities",
            "log_likelihoods",
            "log_likelihood_gradients",
            "block_gibbs_kernel",
            "positive_phase",
            "ml_gradient",
            "cd_updates",
        ),
        boltzmann_machine,
    ),
    parameters=(COUPLINGS, FIELDS, DATA),
    translate=boltzmann_machine_from_ising,
    validate=validate_ising,
    example=FOUR_SPIN_EXAMPLE,
    examples=ISING_EXAMPLES,
    strategy=ising_strategy,
    identities=(
        Identity(
            "data-likelihood-is-boltzmann-probability",
            "exact",
            check_data_likelihood,
            "atol 16·ε·(n + 2)·(1 + 4A), A = Σ_{i<j}|J_ij| + Σ|h_i| (the largest |H(s)|)",
            "Energies are sums of n-term products of size ≤ 4A after W = 4J, b = 2h − 2J·1; "
            "both normalisers are log-sums over 2ⁿ states taken from their largest term.",
        ),
        Identity(
            "likelihood-gradient-is-moment-matching",
            "exact",
            check_moment_matching,
            "atol 10·(t²·2/6 + err(L)/t), t = 1e-5 on directions with ‖u‖₁ = 1, err(L) as above",
            "Central differences: truncation t²|κ₃|/6 with |κ₃(u·φ)| ≤ 2 for statistics in "
            "[−1, 1], and rounding of L divided by t. Checked on every coordinate when there are "
            "≤ 6, otherwise on 6 fixed random directions; both ways through the dictionary.",
            max_examples=25,
        ),
        Identity(
            "likelihood-curvature-is-susceptibility",
            "exact",
            check_curvature,
            "atol 10·(t²·4/12 + 4·err(L)/t²) with t = (3·err(L))^{1/4}; "
            "min eig χ ≥ −16·ε·d·(1 + max|χ|)",
            "Second differences: truncation t²|κ₄|/12 with |κ₄| ≤ 4, rounding 4·err/t², t "
            "balancing the two; χ is summed as a centred covariance, PSD up to rounding.",
            max_examples=25,
        ),
        Identity(
            "rbm-free-energy-is-softplus",
            "exact",
            check_free_energy,
            "atol 16·ε·(n_v + n_h + 2)·(1 + S(v)), S(v) = |a|ᵀv + Σ_j(|c_j| + Σ_i|J_ij|v_i)",
            "Both sides sum n_v + n_h + 1 terms bounded by S(v); the sum over hidden states is "
            "taken from its largest term and softplus = logaddexp(0, x), so |x| > 709 (the spec's "
            "stress case W = 400, F = −2400) neither overflows nor loses digits.",
            strategy=rbm_strategy,
            examples=RBM_EXAMPLES,
        ),
        Identity(
            "rbm-conditionals-are-sigmoids",
            "exact",
            check_conditionals,
            "log-probabilities: atol 32·ε·(n_v + n_h + 2)·(1 + S) per row",
            "A difference of two log-sums over states (each as above) against log σ(x) = "
            "−softplus(−x); compared in the log domain so that σ(−1000) is not 0 = 0.",
            strategy=rbm_strategy,
            examples=RBM_EXAMPLES,
        ),
        Identity(
            "rbm-gradient-is-positive-minus-negative-phase",
            "exact",
            check_rbm_gradient,
            "atol 10·(t²·2.1/6 + 2·err/t), t = 1e-5, "
            "err = 16·ε·(n_v + n_h + 2)·(1 + Σ|J| + Σ|a| + Σ|c|)",
            "Central differences of log p(v) = −F(v) − log Z (both sums over states): "
            "|F'''| ≤ 0.0963 (softplus), |κ₃| ≤ 2 for log Z on directions with ‖U‖₁ = 1.",
            strategy=rbm_gradient_strategy,
            examples=RBM_GRADIENT_EXAMPLES,
            max_examples=25,
        ),
        Identity(
            "cd-is-unbiased-at-equilibrium",
            "exact",
            check_cd_stationary,
            "atol 16·ε·(n_v + n_h + 2)·(1 + Σ|J| + Σ|a| + Σ|c| + k) for k = 0..10",
            "Stationarity: rounding of the equilibrium (energies of size Σ|J| + …) plus one "
            "pairwise sum over 2^{n_v} states per Gibbs step.",
            strategy=cd_strategy,
            examples=CD_EXAMPLES,
            max_examples=20,
        ),
        Identity(
            "cd-bias-within-spectral-bound",
            "exact",
            check_cd_bound,
            "|B_k| ≤ bound·(1 + 1e-9 + 64·ε·k/λ₂) + the stationarity floor, k = 0 … ≤ 200",
            "The bound is rigorous (Cauchy–Schwarz in L²(p_model) and |λ_m| ≤ λ₂ for m ≥ 2) and "
            "attained when there is one relaxation mode (n_v = 1: 100% of the bound); the slack "
            "covers the SVD's absolute error in λ₂ raised to the k-th power, the floor the "
            "rounding of B_k. χ² = Σ(p_data − p)²/p is summed in the log domain: no cancellation "
            "near equilibrium, no overflow far from it.",
            strategy=cd_strategy,
            examples=CD_EXAMPLES,
            max_examples=20,
        ),
        Identity(
            "cd-bias-decays-at-spectral-gap-rate",
            "limit",
            check_cd_rate,
            "|‖B_{k+1}‖/‖B_k‖ − λ₂| ≤ 1e-3 at the first k with (λ₃/λ₂)ᵏ ≤ 1e-6",
            "For generic data B_k = λ₂ᵏA₂ + O(λ₃ᵏ): the ratio is read where the next mode's share "
            "is ≤ 1e-6. Examples where that k is beyond 2000 steps, or where ‖B_k‖ has fallen "
            "below 1e-8 (rounding) by then, are outside the identity's domain.",
            strategy=cd_strategy,
            examples=CD_EXAMPLES,
            max_examples=20,
        ),
        Identity(
            "block-gibbs-spectrum-in-unit-interval",
            "exact",
            check_gibbs_spectrum,
            "entries: atol 16·ε·(n_v + n_h + 2)·(5 + Σ|J| + Σ|a| + Σ|c|); "
            "eigenvalues: 2^{n_v} times that",
            "Entries of products of sigmoids and of exp(log-sums) agree to their energies' "
            "rounding; an eigenvalue moves by at most the spectral norm ≤ 2^{n_v}·max entry error.",
            strategy=cd_strategy,
            examples=CD_EXAMPLES,
            max_examples=20,
        ),
    ),
    mutants=(
        Mutant(
            "pairwise-gradient-halved",
            "∂L/∂W_ij = ½(⟨x_i x_j⟩_data − ⟨x_i x_j⟩_model): ½xᵀWx differentiated as if W_ij "
            "and W_ji were independent (the double-counting pitfall)",
            _halved_pair_gradient,
            ("likelihood-gradient-is-moment-matching",),
        ),
        Mutant(
            "free-energy-with-spin-hidden-units",
            "F(v) = −bᵀv − Σ_j log 2cosh(c_j + W_{:,j}·v) (±1 hidden units) while E uses 0/1 "
            "hidden units",
            _cosh_free_energy,
            ("rbm-free-energy-is-softplus",),
        ),
        Mutant(
            "naive-softplus",
            "softplus(x) = log1p(exp(x)): inf, so F = −inf, once x > 709 (W = 400 stress case)",
            _naive_softplus,
            ("rbm-free-energy-is-softplus",),
        ),
        Mutant(
            "cd-negative-phase-at-data",
            "CD negative statistics evaluated at v₀ instead of v_k: the CD update is identically 0",
            _cd_at_data,
            ("cd-bias-decays-at-spectral-gap-rate", "cd-bias-within-spectral-bound"),
        ),
        Mutant(
            "visible-bias-sign-flipped",
            "F(v) = +bᵀv − Σ_j softplus(c_j + W_{:,j}·v)",
            _visible_bias_sign,
            ("rbm-free-energy-is-softplus",),
        ),
        Mutant(
            "spin-couplings-used-as-unit-weights",
            "W = J and b = h copied onto 0/1 units (forgetting s = 2x − 1: W = 4J, b = 2h − 2J·1)",
            _units_mixed,
            ("data-likelihood-is-boltzmann-probability",),
        ),
        Mutant(
            "susceptibility-without-connected-part",
            "χ = ⟨φφᵀ⟩ instead of ⟨φφᵀ⟩ − ⟨φ⟩⟨φ⟩ᵀ (the disconnected part not subtracted)",
            _disconnected_susceptibility,
            ("likelihood-curvature-is-susceptibility",),
        ),
        Mutant(
            "relaxation-rate-from-half-step",
            "the relaxation spectrum taken as the singular values of the v → h transfer matrix "
            "(one half-step) instead of their squares",
            _half_step_spectrum,
            ("cd-bias-decays-at-spectral-gap-rate", "block-gibbs-spectrum-in-unit-interval"),
        ),
        Mutant(
            "reconstruction-paired-with-previous-hiddens",
            "CD negative statistics v_k σ(c + Wᵀv_{k−1}): the reconstruction paired with the "
            "hidden probabilities of the state it came from",
            _reconstruction_with_data_hiddens,
            ("cd-is-unbiased-at-equilibrium",),
        ),
        Mutant(
            "negative-phase-factorised",
            "the model term of the RBM gradient taken as ⟨v_i⟩⟨h_j⟩ (mean field) instead of "
            "⟨v_i h_j⟩",
            _factorised_negative_phase,
            ("rbm-gradient-is-positive-minus-negative-phase",),
        ),
    ),
)


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    return [BOLTZMANN_MACHINE_ISING]
