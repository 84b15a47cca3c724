"""Associative-memory plugin: the Ising model as a Hopfield network, a modern Hopfield network as
one head of attention (essay §4.3, “Ising模型神经网络直接模仿了磁性系统的自组织行为”).

``ising-hopfield``. One system of ±1 units seen from two fields:

* the physics side is an Ising model whose couplings are Mattis/Hebb sums over p patterns. It
  never forms a coupling matrix: its energy, local fields and zero-temperature single-spin-flip
  (Glauber) dynamics are written through the Mattis overlaps q^μ = ξ^μ·s, updated as spins flip
  (E = −(‖q‖² − p‖s‖²)/2N − θ·s). It also holds the theory that needs no network at all: the
  exact binomial law of the crosstalk noise at a stored pattern, the replica-symmetric retrieval
  equations of Amit, Gutfreund and Sompolinsky (α_c ≈ 0.138), Kaufman's closed form of the 2-D
  Ising partition function on a torus and the row-to-row transfer matrix;
* the learning side is a Hopfield network as it is programmed: Hebb's rule accumulates the
  synaptic matrix W = (1/N)Σ ξξᵀ with a zero diagonal, recall updates neurons asynchronously with
  the sign rule (a neuron whose input is exactly zero keeps its state), the Lyapunov function is
  −½sᵀWs − θᵀs, the stability of stored bits is measured by Monte Carlo on random networks, and
  the normaliser of a network's Boltzmann distribution is summed over all 2^N states.

Both sides compute the coupling part of a local field as an exact integer divided by N, so the
sign rule takes the same decision on both sides even at exact ties. The identities compare the
network's recall with the Ising dynamics, evaluate the Ising energy along the network's recall,
and test the statistics of random networks against the exact laws; Onsager's free energy, the
energy −√2 at T_c and Beale's low-temperature series are independent references in the tests.

``modern-hopfield-attention``. The physics side is the dense associative memory of Krotov,
Hopfield and Ramsauer et al.: the log-sum-exp energy E(ξ) at inverse temperature β, with its
concave–convex update ξ ← X softmax(βXᵀξ) computed from Boltzmann weights relative to the best
matching pattern. The learning side is one head of scaled dot-product attention as a transformer
computes it (scipy's softmax of QKᵀ/√d_k, times V). The dictionary in code sets queries
Q = β√d_k·ξ, keys K = X, values V = K·W_V: at β = 1/√d_k the query is the state itself.
"""

from __future__ import annotations

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
from physml.compare import EPS, at_most, close
from physml.figure import Figure, Marker, Panel, Series
from physml_plugins import physml_catalog_dirs  # noqa: F401 - the shared catalog hook

#: A network of at most this many neurons is accepted from users: W is a dense N × N matrix.
MAX_NEURONS = 2000
#: Sweeps of recall before a network is declared not to have converged.
MAX_SWEEPS = 100
#: The seed of every Monte Carlo run inside a check (never drawn by hypothesis).
MONTE_CARLO_SEED = 20_251_103
#: Independent trials (one bit each) of the instability law.
INSTABILITY_TRIALS = 4000
#: Enumeration of all 2^N network states is done for N up to this size.
MAX_ENUMERATED = 20


def _family(params: Any) -> str:
    return str(params.get("family", "network"))


# =================================================================================================
# ising-hopfield: physics side (Ising model with Mattis/Hebb couplings, and exact theory)
# =================================================================================================


def _overlap_fields(patterns: Any, states: Any, field: Any) -> Any:
    """Local fields h = (Ξᵀ(Ξs) − p·s)/N + θ for each row of ``states`` (exact integer part)."""

    p, n = patterns.shape
    overlaps = states @ patterns.T  # Mattis overlaps times N: integers
    return (overlaps @ patterns - p * states) / n + field


def _ising_energy(patterns: Any, state: Any, field: Any) -> float:
    """E = −(‖Ξs‖² − p‖s‖²)/2N − θ·s: the Mattis form of −½sᵀJs − θᵀs, with J_ii = 0."""

    p, n = patterns.shape
    q = patterns @ state
    numerator = -(q @ q) + p * (state @ state)  # an exact integer for integer states
    return float(numerator / (2 * n) - field @ state)


def _glauber_zero_temperature(patterns: Any, state: Any, field: Any) -> dict[str, Any]:
    """Zero-temperature single-spin-flip dynamics in sweep order 0, 1, …, N − 1.

    Spin i aligns with its local field; at h_i = 0 it keeps its value (the T → 0 limit of the
    heat bath flips a coin there; the Hopfield convention is to keep the state). The overlaps
    q^μ = ξ^μ·s are updated as spins flip, so each local field costs O(p).
    """
    import numpy as np

    p, n = patterns.shape
    s = state.copy()
    q = patterns @ s
    flipped: list[int] = []
    sweeps = 0
    converged = False
    while sweeps < MAX_SWEEPS and not converged:
        sweeps += 1
        converged = True
        for i in range(n):
            column = patterns[:, i]
            h = (column @ q - p * s[i]) / n + field[i]
            new = s[i] if h == 0 else (1.0 if h > 0 else -1.0)
            if new != s[i]:
                q += (new - s[i]) * column
                s[i] = new
                flipped.append(i)
                converged = False
    return {
        "final_state": s,
        "flipped_units": np.asarray(flipped, dtype=int),
        "sweeps": sweeps,
        "converged": converged,
    }


def _path_energy_changes(
    patterns: Any, state: Any, field: Any, units: Any, values: Any
) -> dict[str, Any]:
    """The Ising energy change of each update (unit i set to value v) along a recall path.

    The coupling part of each change is an exact integer over 2N, so the sign of a change is
    exact; the field part adds one rounding.
    """
    import numpy as np

    p, n = patterns.shape
    s = state.copy()
    q = patterns @ s
    changes = np.empty(len(units))
    for t, (i, v) in enumerate(zip(units, values, strict=True)):
        old = s[i]
        q_new = q + (v - old) * patterns[:, i]
        numerator = -(q_new @ q_new) + q @ q + p * (v * v - old * old)
        changes[t] = numerator / (2 * n) - field[i] * (v - old)
        q = q_new
        s[i] = v
    return {"path_energy_changes": changes, "path_final_energy": _ising_energy(patterns, s, field)}


def _heat_bath(fields: Any, beta: float, factor: float = 2.0) -> Any:
    """log P(s_i = +1) and log P(s_i = −1) of the heat bath, P(+1) = σ(2βh_i)."""
    import numpy as np
    from scipy.special import log_expit

    x = factor * beta * np.asarray(fields, dtype=float)
    return np.stack([log_expit(x), log_expit(-x)], axis=1)


def _instability_law(n: int, p: int) -> dict[str, Any]:
    """P(ξ_i h_i < 0) at a stored pattern: the crosstalk is a sum of M = (p−1)(N−1) fair ±1.

    ξ_i h_i = (N − 1 + B)/N with B = 2K − M, K ~ Bin(M, ½): unstable iff
    K ≤ ⌈(p − 2)(N − 1)/2⌉ − 1; a tie (kept by the sign rule) iff K = (p − 2)(N − 1)/2.
    """
    from scipy.special import ndtr
    from scipy.stats import binom

    m = (p - 1) * (n - 1)
    threshold = (p - 2) * (n - 1)
    k_max = -(-threshold // 2) - 1
    unstable = float(binom.cdf(k_max, m, 0.5)) if k_max >= 0 else 0.0
    tie = float(binom.pmf(threshold // 2, m, 0.5)) if threshold % 2 == 0 else 0.0
    return {
        "unstable_probability": unstable,
        "tie_probability": tie,
        "crosstalk_terms": m,
        "gaussian_approximation": float(ndtr(-math.sqrt(n / p))),
    }


def _rs_gap(y: float) -> float:
    """g(y) = erf(y)/y − (2/√π)e^(−y²): the RS retrieval equation reads g(y) = √(2α)."""
    from scipy.special import erf

    return float(erf(y) / y - 2 / math.sqrt(math.pi) * math.exp(-y * y))


def replica_symmetric_retrieval(loads: Any) -> dict[str, Any]:
    """Amit–Gutfreund–Sompolinsky T = 0 retrieval: m = erf(y), erf(y) = y(√(2α) + (2/√π)e^(−y²)).

    A retrieval solution exists iff √(2α) ≤ max_y g(y), so α_c = (max g)²/2; for α ≤ α_c the
    retrieval state is the root on the large-y branch. Error fraction (1 − m)/2 = erfc(y)/2.
    """
    import numpy as np
    from scipy.optimize import brentq, minimize_scalar
    from scipy.special import erf, erfc

    best = minimize_scalar(
        lambda y: -_rs_gap(y), bounds=(0.5, 3.0), method="bounded", options={"xatol": 1e-12}
    )
    y_c = float(best.x)
    g_max = _rs_gap(y_c)
    alpha_c = g_max**2 / 2
    overlaps, errors = [], []
    for alpha in np.atleast_1d(np.asarray(loads, dtype=float)):
        target = math.sqrt(2 * alpha)
        if target == 0:  # no load: perfect retrieval
            overlaps.append(1.0)
            errors.append(0.0)
            continue
        if target > g_max:
            overlaps.append(math.nan)
            errors.append(math.nan)
            continue
        y = brentq(
            lambda y, t=target: _rs_gap(y) - t,
            y_c,
            max(y_c, 1 / target) + 1.0,
            xtol=1e-14,
            rtol=1e-14,
        )
        overlaps.append(float(erf(y)))
        errors.append(float(erfc(y) / 2))
    return {
        "critical_load": alpha_c,
        "critical_overlap": float(erf(y_c)),
        "rs_overlaps": np.asarray(overlaps),
        "rs_error_fractions": np.asarray(errors),
    }


def _gamma(k: Any, n: int, coupling: float, *, absolute_gamma0: bool, angle: float) -> Any:
    """Kaufman's γ_k: cosh γ_k = cosh 2K coth 2K − cos(πk/n), γ₀ = 2K + ln tanh K (signed).

    cosh γ − 1 = (sinh 2K − 1)²/sinh 2K + 2 sin²(πk/2n) is formed without cancellation, and
    γ = log1p(δ + √(δ(δ + 2))) keeps full relative precision near δ = 0 (K near K_c).
    """
    import numpy as np

    sh = math.sinh(2 * coupling)
    delta = (sh - 1) ** 2 / sh + 2 * np.sin(angle * np.pi * k / (2 * n)) ** 2
    gamma = np.log1p(delta + np.sqrt(delta * (delta + 2)))
    gamma0 = 2 * coupling + math.log(math.tanh(coupling))
    gamma[k == 0] = abs(gamma0) if absolute_gamma0 else gamma0
    return gamma


def _log_prod_2cosh(x: Any) -> float:
    import numpy as np

    a = np.abs(x)
    return float(np.sum(a + np.log1p(np.exp(-2 * a))))


def _log_prod_2sinh(x: Any) -> tuple[float, float]:
    import numpy as np

    if np.any(x == 0):
        return -math.inf, 0.0
    a = np.abs(x)
    return float(np.sum(a + np.log(-np.expm1(-2 * a)))), float(np.prod(np.sign(x)))


def kaufman_log_partition(
    rows: int, columns: int, coupling: float, *, absolute_gamma0: bool = False, angle: float = 1.0
) -> tuple[float, float]:
    """log Z of the m × n torus (J = 1, K = βJ), Kaufman 1949, with the sign of the bracket.

    Z = ½(2 sinh 2K)^(mn/2) [Π 2cosh(mγ_(2r+1)/2) + Π 2sinh(mγ_(2r+1)/2) + Π 2cosh(mγ_(2r)/2)
    + Π 2sinh(mγ_(2r)/2)], r = 0…n−1. The sinh products may be negative (γ₀ < 0 for K < K_c):
    the four terms are combined with their signs relative to the largest (written out: scipy
    1.17's ``logsumexp(b=signs, return_sign=True)`` returns NaN when the largest terms cancel at
    magnitudes above ~700, which happens here for K ≪ K_c).
    """
    import numpy as np

    m, n, k = rows, columns, np.arange(2 * columns)
    gamma = _gamma(k, n, coupling, absolute_gamma0=absolute_gamma0, angle=angle)
    odd, even = m * gamma[1::2] / 2, m * gamma[0::2] / 2
    log_sinh_odd, sign_odd = _log_prod_2sinh(odd)
    log_sinh_even, sign_even = _log_prod_2sinh(even)
    logs = np.array([_log_prod_2cosh(odd), log_sinh_odd, _log_prod_2cosh(even), log_sinh_even])
    signs = np.array([1.0, sign_odd, 1.0, sign_even])
    top = logs.max()
    total = float(np.sum(signs * np.exp(logs - top)))
    if total <= 0:
        return math.nan, math.copysign(1.0, total) if total else 0.0
    log_2sinh = 2 * coupling + math.log(-math.expm1(-4 * coupling))  # log(2 sinh 2K)
    return -math.log(2) + m * n / 2 * log_2sinh + top + math.log(total), 1.0


def transfer_matrix_log_partition(rows: int, columns: int, coupling: float) -> float:
    """log tr T^m with the symmetric row-to-row transfer matrix of a ring of n ≤ 10 spins."""
    import numpy as np

    n = columns
    a = 1 - 2 * ((np.arange(2**n)[:, None] >> np.arange(n)) & 1)
    within = (a * np.roll(a, 1, axis=1)).sum(axis=1)
    between = a @ a.T
    exponent = coupling * (between + within[:, None] / 2 + within[None, :] / 2)
    shift = float(exponent.max())
    eigenvalues = np.linalg.eigvalsh(np.exp(exponent - shift))
    keep = eigenvalues != 0
    logs = rows * np.log(np.abs(eigenvalues[keep]))
    signs = np.sign(eigenvalues[keep]) ** rows
    top = logs.max()
    return float(rows * shift + top + np.log(np.sum(signs * np.exp(logs - top))))


def ising_model(
    params: dict[str, Any],
    *,
    heat_bath_factor: float = 2.0,
    absolute_gamma0: bool = False,
    kaufman_angle: float = 1.0,
) -> dict[str, Any]:
    """The Ising side; which observables depends on the parameter family (see the module doc)."""
    import numpy as np

    family = _family(params)
    if family == "torus":
        m, n, coupling = int(params["rows"]), int(params["columns"]), float(params["coupling"])
        log_z, sign = kaufman_log_partition(
            m, n, coupling, absolute_gamma0=absolute_gamma0, angle=kaufman_angle
        )
        out = {
            "log_partition_function": log_z,
            "kaufman_bracket_sign": sign,
            "free_energy_per_site": -log_z / (m * n) / coupling,
        }
        if min(m, n) <= 10:
            out["transfer_matrix_log_partition_function"] = transfer_matrix_log_partition(
                max(m, n), min(m, n), coupling
            )
        return out
    if family == "instability":
        return _instability_law(int(params["neurons"]), int(params["patterns"]))
    if family == "capacity":
        return replica_symmetric_retrieval(params["loads"])

    patterns = np.asarray(params["patterns"], dtype=float)
    if family == "hadamard":
        return {"pattern_local_fields": _overlap_fields(patterns, patterns, 0.0)}

    n = patterns.shape[1]
    state = np.asarray(params["initial_state"], dtype=float)
    field = np.asarray(params.get("field", np.zeros(n)), dtype=float)
    fields = _overlap_fields(patterns, state[None, :], field)[0]
    out: dict[str, Any] = {
        "energy": _ising_energy(patterns, state, field),
        "local_fields": fields,
        "mattis_overlaps": patterns @ state / n,
    }
    if params.get("probe_only"):
        return out
    if "path_units" in params:
        out.update(
            _path_energy_changes(
                patterns,
                state,
                field,
                np.asarray(params["path_units"], dtype=int),
                np.asarray(params["path_values"], dtype=float),
            )
        )
        return out
    if "beta" in params:
        out["heat_bath_log_probabilities"] = _heat_bath(fields, params["beta"], heat_bath_factor)
        return out
    dynamics = _glauber_zero_temperature(patterns, state, field)
    final = dynamics["final_state"]
    out.update(
        final_state=final,
        final_energy=_ising_energy(patterns, final, field),
        final_overlaps=patterns @ final / n,
        flipped_units=dynamics["flipped_units"],
        sweeps=dynamics["sweeps"],
    )
    return out


# =================================================================================================
# ising-hopfield: learning side (Hopfield network)
# =================================================================================================


def hebbian_counts(memories: Any, *, keep_diagonal: bool = False, shifted: bool = False) -> Any:
    """Hebb's rule: the synaptic counts C = Σ_μ ξ^μ ξ^μᵀ (W = C/N), diagonal set to zero.

    ``keep_diagonal`` and ``shifted`` (C = Σ ξ^μ (ξ^μ shifted by one neuron)ᵀ, asymmetric) are
    the mistakes the mutants make.
    """
    import numpy as np

    x = np.asarray(memories, dtype=float)
    partner = np.roll(x, 1, axis=1) if shifted else x
    counts = x.T @ partner  # float64 sums of ±1: exact integers
    if not keep_diagonal:
        np.fill_diagonal(counts, 0.0)
    return counts


def _sign_rule(h: Any, s: Any) -> Any:
    """s_i ← sign(h_i), keeping s_i where h_i = 0 exactly."""
    import numpy as np

    return np.where(h > 0, 1.0, np.where(h < 0, -1.0, s))


def _numpy_sign(h: Any, s: Any) -> Any:
    import numpy as np

    return np.sign(h)


def asynchronous_recall(
    counts: Any,
    state: Any,
    bias: Any,
    *,
    rule: Any = _sign_rule,
    rng: Any = None,
    max_sweeps: int = MAX_SWEEPS,
    record: bool = True,
) -> dict[str, Any]:
    """Update one neuron at a time, in index order (or a fresh random order per sweep with
    ``rng``), until a whole sweep changes nothing. The synaptic input C·s is kept as exact
    integers and updated by one column per change; the field is (C·s)_i/N + b_i."""
    import numpy as np

    n = state.size
    s = state.copy()
    inputs = counts @ s
    units: list[int] = []
    values: list[float] = []
    fields: list[float] = []
    converged = False
    sweeps = 0
    while sweeps < max_sweeps and not converged:
        sweeps += 1
        order = rng.permutation(n) if rng is not None else np.arange(n)
        converged = True
        position = 0
        while position < n:
            rest = order[position:]
            h = inputs[rest] / n + bias[rest]
            changed = np.flatnonzero(rule(h, s[rest]) != s[rest])
            if changed.size == 0:
                break
            j = int(changed[0])
            i = int(rest[j])
            new = float(rule(h[j : j + 1], s[i : i + 1])[0])
            inputs += (new - s[i]) * counts[:, i]
            s[i] = new
            if record:
                units.append(i)
                values.append(new)
                fields.append(float(h[j]))
            converged = False
            position += j + 1
    return {
        "state": s,
        "units": units,
        "values": values,
        "fields": fields,
        "sweeps": sweeps,
        "converged": converged,
    }


def synchronous_recall(
    counts: Any, state: Any, bias: Any, *, rule: Any = _sign_rule, max_sweeps: int = MAX_SWEEPS
) -> dict[str, Any]:
    """Little dynamics: every neuron updated at once from the same old state (a mutant's way)."""
    import numpy as np

    n = state.size
    s = state.copy()
    units: list[int] = []
    values: list[float] = []
    fields: list[float] = []
    converged = False
    sweeps = 0
    while sweeps < max_sweeps and not converged:
        sweeps += 1
        h = counts @ s / n + bias
        new = rule(h, s)
        changed = np.flatnonzero(new != s)
        converged = changed.size == 0
        units += changed.tolist()
        values += new[changed].tolist()
        fields += h[changed].tolist()
        s = new
    return {
        "state": s,
        "units": units,
        "values": values,
        "fields": fields,
        "sweeps": sweeps,
        "converged": converged,
    }


def _lyapunov(counts: Any, state: Any, bias: Any) -> float:
    """The network's Lyapunov function −½sᵀWs − bᵀs, W = C/N."""
    n = state.size
    return float(-0.5 * state @ (counts / n) @ state - bias @ state)


def _instability_monte_carlo(
    n: int, p: int, trials: int, seed: int, *, rule: Any, keep_diagonal: bool, shifted: bool
) -> dict[str, Any]:
    """Store p random memories in a fresh network per trial; does neuron 0 of memory 0 change?"""
    import numpy as np

    rng = np.random.default_rng(seed)
    chunk = max(1, min(trials, 4_000_000 // (p * n)))
    changed = 0
    done = 0
    while done < trials:
        t = min(chunk, trials - done)
        memories = rng.integers(0, 2, size=(t, p, n), dtype=np.int8).astype(np.float32) * 2 - 1
        partner = np.roll(memories, 1, axis=2) if shifted else memories
        # Row 0 of Hebb's synaptic counts, C_0j = Σ_μ ξ_0^μ ξ_j^μ, per trial (exact in float32)
        row = np.matmul(memories[:, None, :, 0], partner)[:, 0, :]
        if not keep_diagonal:
            row[:, 0] = 0
        h = np.einsum("tj,tj->t", row, memories[:, 0, :]) / n
        s = memories[:, 0, 0].astype(float)
        changed += int(np.sum(rule(h.astype(float), s) != s))
        done += t
    return {"changed_count": changed, "trials": trials, "changed_fraction": changed / trials}


def _capacity_experiment(
    sizes: Any,
    loads: Any,
    trials: Any,
    seed: int,
    *,
    rule: Any,
    keep_diagonal: bool,
    shifted: bool,
) -> dict[str, Any]:
    """Recall from a stored memory of a fresh random network per trial (random sweep order,
    at most MAX_SWEEPS sweeps); the final overlap m = ξ·s/N with the memory it started from."""
    import numpy as np

    rng = np.random.default_rng(seed)
    mean, retrieved, overlaps = [], [], []
    for n, count in zip(sizes, trials, strict=True):
        row_mean, row_retrieved, row_overlaps = [], [], []
        for alpha in loads:
            p = max(1, round(alpha * n))
            ms = []
            for _ in range(int(count)):
                memories = rng.integers(0, 2, size=(p, n), dtype=np.int8).astype(np.float32) * 2 - 1
                partner = np.roll(memories, 1, axis=1) if shifted else memories
                counts = memories.T @ partner  # integers ≤ p: exact in float32
                if not keep_diagonal:
                    np.fill_diagonal(counts, 0)
                recall = asynchronous_recall(
                    counts,
                    memories[0].copy(),
                    np.zeros(n, np.float32),
                    rule=rule,
                    rng=rng,
                    record=False,
                )
                ms.append(float(memories[0] @ recall["state"]) / n)
            row_overlaps.append(ms)
            row_mean.append(float(np.mean(ms)))
            row_retrieved.append(float(np.mean(np.asarray(ms) > 0.9)))
        mean.append(row_mean)
        retrieved.append(row_retrieved)
        overlaps.append(row_overlaps)
    return {
        "mean_overlaps": np.asarray(mean),
        "retrieved_fractions": np.asarray(retrieved),
        "overlaps": overlaps,
    }


def log_normaliser_by_enumeration(weights: Any, bias: Any) -> float:
    """log Σ_s exp(½sᵀWs + bᵀs) over all 2^N states of a network of N ≤ 20 binary neurons."""
    import numpy as np
    from scipy.special import logsumexp

    n = weights.shape[0]
    if n > MAX_ENUMERATED:
        return math.nan
    chunks = []
    block = 1 << min(n, 16)
    for start in range(0, 1 << n, block):
        index = np.arange(start, start + block)
        s = 1.0 - 2.0 * ((index[:, None] >> np.arange(n)) & 1)
        chunks.append(logsumexp(0.5 * np.sum((s @ weights) * s, axis=1) + s @ bias))
    return float(logsumexp(chunks))


def hopfield_network(
    params: dict[str, Any],
    *,
    rule: Any = _sign_rule,
    synchronous: bool = False,
    keep_diagonal: bool = False,
    shifted: bool = False,
) -> dict[str, Any]:
    """The Hopfield side; the keyword arguments are the mistakes the mutants make."""
    import numpy as np

    family = _family(params)
    if family == "torus":
        weights = np.asarray(params["weights"], dtype=float)
        return {"log_normaliser": log_normaliser_by_enumeration(weights, np.zeros(len(weights)))}
    if family == "instability":
        return _instability_monte_carlo(
            int(params["neurons"]),
            int(params["memories"]),
            int(params["trials"]),
            int(params["seed"]),
            rule=rule,
            keep_diagonal=keep_diagonal,
            shifted=shifted,
        )
    if family == "capacity":
        return _capacity_experiment(
            params["sizes"],
            params["loads"],
            params["trials"],
            int(params["seed"]),
            rule=rule,
            keep_diagonal=keep_diagonal,
            shifted=shifted,
        )

    memories = np.asarray(params["memories"], dtype=float)
    n = memories.shape[1]
    counts = hebbian_counts(memories, keep_diagonal=keep_diagonal, shifted=shifted)
    if family == "hadamard":
        # Recall from a memory flips nothing iff its first sweep changes no neuron, that is iff
        # the sign rule keeps every neuron at once: count the neurons it would change.
        fields = memories @ counts.T / n
        return {
            "memory_fields": fields,
            "unstable_neurons": np.sum(rule(fields, memories) != memories, axis=1),
        }

    probe = np.asarray(params["probe"], dtype=float)
    bias = np.asarray(params["bias"], dtype=float)
    fields = counts @ probe / n + bias
    recall = (synchronous_recall if synchronous else asynchronous_recall)(
        counts, probe, bias, rule=rule
    )
    final = recall["state"]
    return {
        "weights": counts / n,
        "lyapunov_energy": _lyapunov(counts, probe, bias),
        "local_fields": fields,
        "decisions": rule(fields, probe),
        "recalled_state": final,
        "recall_energy": _lyapunov(counts, final, bias),
        "retrieval_overlaps": memories @ final / n,
        "recall_units": np.asarray(recall["units"], dtype=int),
        "recall_values": np.asarray(recall["values"], dtype=float),
        "recall_fields": np.asarray(recall["fields"], dtype=float),
        "converged": recall["converged"],
        "sweeps": recall["sweeps"],
    }


def torus_weights(rows: int, columns: int, coupling: float) -> Any:
    """W = K·A: A counts the nearest-neighbour bonds of the m × n torus (2 on a ring of two)."""
    import numpy as np

    index = np.arange(rows * columns).reshape(rows, columns)
    adjacency = np.zeros((rows * columns, rows * columns))
    for shifted in (np.roll(index, 1, axis=0), np.roll(index, 1, axis=1)):
        np.add.at(adjacency, (index.ravel(), shifted.ravel()), 1.0)
        np.add.at(adjacency, (shifted.ravel(), index.ravel()), 1.0)
    return coupling * adjacency


def network_from_ising(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: spins → neurons, Mattis patterns → memories, field → bias,
    the Ising couplings of a torus → a weight matrix; the Monte Carlo seed and trial count of a
    check pass through."""
    import numpy as np

    family = _family(params)
    if family == "torus":
        return {
            "family": family,
            "weights": torus_weights(
                int(params["rows"]), int(params["columns"]), float(params["coupling"])
            ),
        }
    if family == "instability":
        return {
            "family": family,
            "neurons": params["neurons"],
            "memories": params["patterns"],
            "trials": params.get("trials", INSTABILITY_TRIALS),
            "seed": params.get("seed", MONTE_CARLO_SEED),
        }
    if family == "capacity":
        return {
            "family": family,
            "sizes": params["sizes"],
            "loads": params["loads"],
            "trials": params["trials"],
            "seed": params.get("seed", MONTE_CARLO_SEED),
        }
    if family == "hadamard":
        return {"family": family, "memories": params["patterns"]}
    n = np.asarray(params["patterns"]).shape[1]
    return {
        "memories": params["patterns"],
        "probe": params["initial_state"],
        "bias": params.get("field", np.zeros(n)),
    }


# -- parameters, validation, strategies ---------------------------------------------------------

PATTERNS = Parameter(
    "patterns",
    "the p stored patterns ξ^μ, one row of N spins ±1 each (the Mattis/Hebb couplings)",
    "entries ±1; 1 ≤ p, 2 ≤ N ≤ 2000",
    shape="(p, N)",
    ndim=2,
    integer=True,
    minimum=-1,
    maximum=1,
)
INITIAL_STATE = Parameter(
    "initial_state",
    "the spin configuration the dynamics start from (the network's probe); default: pattern 1",
    "N entries ±1",
    shape="(N,)",
    ndim=1,
    integer=True,
    minimum=-1,
    maximum=1,
    neutral=lambda values: values["patterns"][0] if "patterns" in values else None,
)
FIELD = Parameter(
    "field",
    "external field θ_i on each spin (the neurons' bias); default: zero",
    "N finite reals",
    shape="(N,)",
    ndim=1,
    neutral=lambda values: [0.0] * len(values["patterns"][0]) if "patterns" in values else None,
)


def validate_ising(values: dict[str, Any]) -> None:
    import numpy as np

    patterns = values["patterns"]
    n = patterns.shape[1]
    if np.any(patterns == 0):
        index = [int(i) for i in np.argwhere(patterns == 0)[0]]
        raise ParameterError("patterns", f"entries must be ±1, got 0 at index {index}")
    if not 2 <= n <= MAX_NEURONS:
        raise ParameterError(
            "patterns",
            f"need 2 ≤ N ≤ {MAX_NEURONS} spins per pattern (a dense N × N weight "
            f"matrix is built), got N = {n}",
        )
    state = values["initial_state"]
    if state.shape != (n,):
        raise ParameterError(
            "initial_state",
            f"must have N = {n} entries (one per spin of a pattern), got {state.size}",
        )
    if np.any(state == 0):
        raise ParameterError(
            "initial_state",
            f"entries must be ±1, got 0 at index {int(np.argwhere(state == 0)[0][0])}",
        )
    if values["field"].shape != (n,):
        raise ParameterError(
            "field", f"must have N = {n} entries (one per spin), got {values['field'].size}"
        )


def ising_hopfield_strategy() -> Any:
    """Random ±1 patterns (N ≤ 300, p ≤ N, from a drawn seed), probes that are random, corrupted
    patterns or built to put exact ties h_i = 0 on the first units; fields zero, exactly
    cancelling the coupling part somewhere, or Gaussian with a log-uniform scale."""
    import numpy as np
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.one_of(st.integers(2, 24), st.integers(25, 300)))
        p = draw(st.one_of(st.integers(1, max(1, n // 7)), st.integers(1, n)))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        patterns = rng.choice([-1.0, 1.0], size=(p, n))
        probe = draw(st.sampled_from(["random", "corrupted", "tie"]))
        if probe == "random":
            state = rng.choice([-1.0, 1.0], size=n)
        elif probe == "corrupted":
            state = patterns[0] * np.where(rng.random(n) < draw(st.floats(0, 0.5)), -1.0, 1.0)
        else:  # p = 1, N odd: s = ξ on half of the other sites and −ξ on the rest, h_0 = 0
            n += 1 - n % 2
            patterns = rng.choice([-1.0, 1.0], size=(1, n))
            half = (n - 1) // 2
            state = patterns[0] * np.concatenate([[1.0], np.ones(half), -np.ones(half)])
        kind = draw(st.sampled_from(["zero", "zero", "cancel", "gaussian"]))
        field = np.zeros(n)
        if kind == "gaussian":
            field = rng.normal(size=n) * 10.0 ** draw(st.floats(-3, 1))
        elif kind == "cancel":  # θ_i = −(coupling part of h_i) on a few units: exact ties
            coupling = ((state @ patterns.T) @ patterns - len(patterns) * state) / n
            chosen = rng.random(n) < 0.3
            field[chosen] = -coupling[chosen]
        return {
            "patterns": patterns.tolist(),
            "initial_state": state.tolist(),
            "field": field.tolist(),
        }

    return draw()


# Always-run examples: exact ties (N = 5, p = 1), the synchronous 2-cycle of J = [[0, ½], [½, 0]],
# a network whose every input is zero forever (W = 0), a non-zero field, and a corrupted pattern
# in a loaded network.
ISING_EXAMPLES = (
    {"patterns": [[1, 1, 1, 1, 1]], "initial_state": [1, 1, 1, -1, -1], "field": [0.0] * 5},
    {"patterns": [[1, 1]], "initial_state": [1, -1], "field": [0.0, 0.0]},
    {"patterns": [[1, 1], [1, -1]], "initial_state": [1, -1], "field": [0.0, 0.0]},  # W = 0
    {
        "patterns": [[1, -1, 1, -1, 1, 1], [1, 1, -1, -1, 1, -1], [-1, 1, 1, 1, 1, -1]],
        "initial_state": [-1, -1, 1, 1, -1, 1],
        "field": [0.3, -0.05, 0.0, 1.2, -0.7, 0.01],
    },
    {
        "patterns": [
            [1, 1, 1, 1, -1, -1, -1, -1, 1, -1, 1, -1],
            [1, -1, 1, -1, 1, -1, 1, -1, 1, 1, -1, -1],
            [-1, -1, 1, 1, -1, -1, 1, 1, 1, -1, -1, 1],
            [1, 1, -1, -1, -1, 1, 1, -1, -1, 1, 1, 1],
        ],
        "initial_state": [1, 1, -1, 1, -1, -1, 1, -1, 1, -1, 1, 1],
        "field": [0.0] * 12,
    },
)

WORKED_EXAMPLE = {
    "patterns": [
        [1, 1, 1, 1, 1, -1, -1, -1, -1, -1, 1, -1],
        [1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1],
    ],
    "initial_state": [1, 1, -1, 1, 1, -1, -1, 1, -1, -1, 1, 1],
    "field": [0.0] * 12,
}


def sylvester_hadamard(n: int) -> Any:
    """The Sylvester–Hadamard matrix of order n = 2^k: H_ij = (−1)^popcount(i & j)."""
    import numpy as np

    both = np.arange(n)[:, None] & np.arange(n)[None, :]
    parity = np.zeros_like(both)
    for bit in range(max(n - 1, 1).bit_length()):
        parity ^= (both >> bit) & 1
    return 1 - 2 * parity


def hadamard_strategy() -> Any:
    """Rows of a Sylvester–Hadamard matrix (N = 2^k ≤ 256, p < N): mutually orthogonal patterns."""
    import numpy as np
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = 2 ** draw(st.integers(1, 8))
        p = draw(st.integers(1, n - 1))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        rows = np.sort(rng.choice(n, size=p, replace=False))
        signs = rng.choice([-1, 1], size=(p, 1))
        return {"family": "hadamard", "patterns": (signs * sylvester_hadamard(n)[rows]).tolist()}

    return draw()


def _hadamard_example(n: int, rows: list[int]) -> dict[str, Any]:
    h = [[(-1) ** bin(i & j).count("1") for j in range(n)] for i in range(n)]  # no numpy here
    return {"family": "hadamard", "patterns": [h[r] for r in rows]}


HADAMARD_EXAMPLES = (_hadamard_example(8, [0, 3, 5]), _hadamard_example(16, list(range(1, 15))))


def overlapping_patterns_strategy() -> Any:
    """Boundary: random ±1 patterns in the Hadamard family's shape (N = 2^k ≤ 256, so that every
    field is still exact, and 2 ≤ p < N) with at least one pair that is not orthogonal."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = 2 ** draw(st.integers(2, 8))
        p = draw(st.integers(2, n - 1))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        patterns = rng.choice([-1, 1], size=(p, n))
        assume(np.any(patterns @ patterns.T != n * np.eye(p)))
        return {"family": "hadamard", "patterns": patterns.tolist()}

    return draw()


def instability_strategy() -> Any:
    """N ∈ [50, 1000], 2 ≤ p ≤ N/3, p·N ≤ 8000 (the Monte Carlo costs 4000·p·N random bits)."""
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(50, 1000))
        p = draw(st.integers(2, n // 3))
        assume(p * n <= 8_000)
        return {"family": "instability", "neurons": n, "patterns": p}

    return draw()


INSTABILITY_EXAMPLES = (
    {"family": "instability", "neurons": 50, "patterns": 16},  # P ≈ 0.033: diagonal visible
    {"family": "instability", "neurons": 200, "patterns": 30},  # spec table: 4.2324e-3
    {"family": "instability", "neurons": 51, "patterns": 4},  # (p−2)(N−1)/2 = 50: ties occur
)

CAPACITY_GRID = {
    "family": "capacity",
    "sizes": [2000, 4000],
    "trials": [16, 8],
    "loads": [0.05, 0.10, 0.13, 0.15, 0.17, 0.20],
}


def capacity_strategy() -> Any:
    """The one grid of the capacity experiment (N, loads, trials per load): nothing is drawn."""
    from hypothesis import strategies as st

    return st.just(CAPACITY_GRID)


def torus_strategy() -> Any:
    """m × n tori with m, n ≥ 2 and mn ≤ 16 (2^16 states), K log-uniform in [1e-3, 5]."""
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        m = draw(st.integers(2, 8))
        n = draw(st.integers(2, 8))
        assume(m * n <= 16)
        coupling = draw(
            st.one_of(
                st.floats(-3, math.log10(5)).map(lambda t: 10.0**t),
                st.just(0.5 * math.log(1 + math.sqrt(2))),
            )
        )
        return {"family": "torus", "rows": m, "columns": n, "coupling": coupling}

    return draw()


K_CRITICAL = 0.5 * math.log(1 + math.sqrt(2))
TORUS_EXAMPLES = (
    {"family": "torus", "rows": 4, "columns": 4, "coupling": K_CRITICAL},
    {"family": "torus", "rows": 3, "columns": 5, "coupling": 0.1},
    {"family": "torus", "rows": 2, "columns": 7, "coupling": 0.3},
    {"family": "torus", "rows": 4, "columns": 3, "coupling": 1.5},
)


# -- identities ----------------------------------------------------------------------------------


def _ising_sides(c: Correspondence, params: dict[str, Any]) -> tuple[dict, dict]:
    return c.physics.observe(params), c.learning.observe(c.translate(params))


def _scale(params: dict[str, Any]) -> tuple[int, int, float]:
    import numpy as np

    p, n = np.asarray(params["patterns"]).shape
    return p, n, float(np.sum(np.abs(params["field"])))


def check_hebbian_couplings(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """W = Wᵀ, W_ii = 0; −½sᵀWs − θᵀs = E(s) at the probe and at the recalled state; W s + θ = h."""
    import numpy as np

    phys = c.physics.observe({**params, "probe_only": True})
    learn = c.learning.observe(c.translate(params))
    p, n, field_sum = _scale(params)
    w = np.asarray(learn["weights"])
    result = close(w, w.T, atol=0.0, label="symmetry")
    result &= close(np.diag(w), np.zeros(n), atol=0.0, label="diagonal")
    # −½sᵀWs: dot products of length N over terms with Σ|W_ij| ≤ (N − 1)p, so the classical
    # bound γ_N·Σ|terms| with γ_N ≈ N·eps; the Mattis form is exact integers over 2N.
    atol = 2 * EPS * (n + 2) * ((n - 1) * p + 2 * field_sum + 1)
    result &= close(learn["lyapunov_energy"], phys["energy"], atol=atol)
    final = np.asarray(learn["recalled_state"])
    energy_final = c.physics.observe({**params, "initial_state": final, "probe_only": True})[
        "energy"
    ]
    result &= close(learn["recall_energy"], energy_final, atol=atol)
    # Both sides form the coupling part of h as an exact integer over N: identical up to θ's ulp.
    result &= close(
        learn["local_fields"], phys["local_fields"], atol=4 * EPS * (p + np.abs(params["field"]))
    )
    return result


def check_recall_is_glauber(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """The network's recall flips the same neurons in the same order as T = 0 Glauber dynamics."""
    import numpy as np

    phys, learn = _ising_sides(c, params)
    a = np.asarray(learn["recall_units"])
    b = np.asarray(phys["flipped_units"])
    common = min(a.size, b.size)
    mismatched = int(np.sum(a[:common] != b[:common])) + abs(a.size - b.size)
    result = close(learn["recalled_state"], phys["final_state"], atol=0.0)
    return Comparison(
        result.holds and mismatched == 0,
        abs_error=max(result.abs_error, float(mismatched)),
        rel_error=result.rel_error,
        detail={
            "flips_network": int(a.size),
            "flips_glauber": int(b.size),
            "mismatched_updates": mismatched,
        },
    )


def check_energy_descent(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Along the network's recall every update is a single spin flip s_i → −s_i that lowers the
    Ising energy by exactly 2|h_i| > 0 (so E never increases and no update is a no-op)."""
    import numpy as np

    learn = c.learning.observe(c.translate(params))
    units = np.asarray(learn["recall_units"], dtype=int)
    values = np.asarray(learn["recall_values"], dtype=float)
    phys = c.physics.observe({**params, "path_units": units, "path_values": values})
    changes = np.asarray(phys["path_energy_changes"])
    if units.size == 0:
        return Comparison(True, detail={"updates": 0})
    state = np.asarray(params["initial_state"], dtype=float).copy()
    before = np.empty(units.size)
    for t, i in enumerate(units):
        before[t] = state[i]
        state[i] = values[t]
    step = values - before
    flips = np.all(np.isin(values, (-1.0, 1.0))) and np.all(values == -before)
    # ΔE = −Δs·h exactly (coupling part integer/N, one rounding each for θ): 2 ulps allowed.
    predicted = -step * np.asarray(learn["recall_fields"])
    agree = close(changes, predicted, atol=4 * EPS * np.abs(predicted))
    increase = at_most(changes, 0.0, label="energy_change")
    strict = bool(np.all(changes < 0))
    not_flips = float(np.max(np.abs(values + before)))  # 0 when every update is s_i → −s_i
    return Comparison(
        agree.holds and increase.holds and strict and bool(flips),
        abs_error=max(agree.abs_error, increase.abs_error, not_flips),
        rel_error=agree.rel_error,
        detail={
            "updates": int(units.size),
            "largest_energy_change": float(changes.max()),
            "all_single_spin_flips": bool(flips),
        },
    )


def check_fixed_point(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Recall stops at a state in {±1}^N that the sign rule leaves unchanged: s_i h_i ≥ 0."""
    import numpy as np

    learn = c.learning.observe(c.translate(params))
    final = np.asarray(learn["recalled_state"], dtype=float)
    spins = bool(np.all(np.isin(final, (-1.0, 1.0))))
    fields = np.asarray(
        c.physics.observe({**params, "initial_state": final, "probe_only": True})["local_fields"]
    )
    alignment = final * fields
    worst = float(max(0.0, -alignment.min(), np.max(np.abs(np.abs(final) - 1))))
    holds = spins and bool(learn["converged"]) and bool(np.all(alignment >= 0))
    return Comparison(
        holds,
        abs_error=worst,
        rel_error=worst,
        detail={
            "sweeps": int(learn["sweeps"]),
            "converged": bool(learn["converged"]),
            "final_state_in_pm1": spins,
        },
    )


def check_hadamard(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Orthogonal patterns: Jξ^ν = Wξ^ν = (1 − p/N)ξ^ν exactly; the sign rule keeps every ξ^ν."""
    import numpy as np

    phys, learn = _ising_sides(c, params)
    patterns = np.asarray(params["patterns"], dtype=float)
    p, n = patterns.shape
    expected = (1 - p / n) * patterns  # N a power of two: every number here is exact
    result = close(phys["pattern_local_fields"], expected, atol=0.0)
    result &= close(learn["memory_fields"], expected, atol=0.0)
    unstable = int(np.sum(learn["unstable_neurons"]))
    return Comparison(
        result.holds and unstable == 0,
        max(result.abs_error, unstable),
        result.rel_error,
        detail={"unstable_neurons": unstable},
    )


def check_heat_bath_limit(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """As β → ∞ the heat bath P(s_i = +1) = σ(2βh_i) becomes the sign rule:
    |P − 1[h_i > 0]| ≤ e^(−2β|h_i|), the deviation decaying at the rate 2|h_i| in β."""
    import numpy as np

    learn = c.learning.observe(c.translate(params))
    state = np.asarray(params["initial_state"], dtype=float)
    h = np.asarray(c.physics.observe({**params, "beta": 1.0})["local_fields"])
    decisions = np.asarray(learn["decisions"], dtype=float)
    ties = h == 0
    # At a tie the heat bath flips a fair coin; the Hopfield rule keeps the state.
    tie_logs = c.physics.observe({**params, "beta": 1.0})["heat_bath_log_probabilities"][ties]
    result = close(np.exp(tie_logs), np.full(tie_logs.shape, 0.5), atol=EPS)
    result &= close(decisions[ties], state[ties], atol=0.0)
    if np.all(ties):
        return Comparison(
            result.holds,
            result.abs_error,
            result.rel_error,
            detail={"note": "every local field is zero: only ties to check"},
        )
    magnitude = np.abs(h[~ties])
    h_min = float(magnitude.min())
    wrong = np.where(decisions[~ties] > 0, 1, 0)  # column of log P(wrong value)
    rows = np.arange(magnitude.size)
    weakest = int(np.argmin(magnitude))
    logs = []
    for x in (5.0, 10.0, 20.0, 40.0):  # x = 2β·min|h|
        beta = x / (2 * h_min)
        log_p = np.asarray(
            c.physics.observe({**params, "beta": beta})["heat_bath_log_probabilities"]
        )[~ties]
        log_wrong = log_p[rows, wrong]
        exponent = 2 * beta * magnitude
        # log P(wrong) + 2β|h| = −log(1 + e^(−2β|h|)) ∈ [−log 2, 0]; rounding ∝ 2β|h|.
        result &= at_most(log_wrong + exponent, 8 * EPS * (1 + exponent), label="log_excess")
        logs.append((beta, float(log_wrong[weakest])))
    (b1, l1), (b2, l2) = logs[-2], logs[-1]
    rate = -(l2 - l1) / ((b2 - b1) * h_min)
    coefficient = math.exp(l2 + 2 * b2 * h_min)
    deviation = abs(rate - 2.0)
    holds = result.holds and deviation <= 1e-6 and abs(coefficient - 1) <= 1e-6
    return Comparison(
        holds,
        abs_error=max(result.abs_error, deviation),
        rel_error=deviation / 2,
        detail={
            "observed_rate": rate,
            "expected_rate": 2.0,
            "bound": 1e-6,
            "observed_coefficient": coefficient,
            "expected_coefficient": 1.0,
            "beta_min_field": 20.0,
        },
    )


def check_instability(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """The fraction of stored bits one update changes, over 4000 random networks (one bit each,
    fixed seed), against the exact binomial law: two-sided exact tail probability ≥ 2e-9."""
    from scipy.stats import binom

    phys = c.physics.observe(params)
    learn = c.learning.observe(
        c.translate({**params, "trials": INSTABILITY_TRIALS, "seed": MONTE_CARLO_SEED})
    )
    k, trials = int(learn["changed_count"]), int(learn["trials"])
    prob = float(phys["unstable_probability"])
    tail = 2 * min(float(binom.cdf(k, trials, prob)), float(binom.sf(k - 1, trials, prob)))
    standard_error = math.sqrt(max(prob * (1 - prob), 1e-300) / trials)
    z = (k / trials - prob) / standard_error
    return Comparison(
        tail >= 2e-9,
        abs_error=abs(k / trials - prob),
        rel_error=abs(z) / 6,
        detail={
            "observed_fraction": k / trials,
            "expected_probability": prob,
            "standard_error": standard_error,
            "z": z,
            "two_sided_tail": min(tail, 1.0),
            "bound": 2e-9,
        },
    )


def check_capacity(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Finite-N capacity against the replica-symmetric theory (Amit–Gutfreund–Sompolinsky)."""
    import numpy as np

    phys, learn = _ising_sides(c, params)
    loads = np.asarray(params["loads"], dtype=float)
    alpha_c = float(phys["critical_load"])
    rs = np.asarray(phys["rs_overlaps"])
    mean = np.asarray(learn["mean_overlaps"])
    retrieved = np.asarray(learn["retrieved_fractions"])
    low, high = loads <= 0.10, loads >= 0.20
    ok = bool(np.all(rs[low] >= 0.99) and np.all(np.isnan(rs[high])))
    ok &= bool(np.all(mean[:, low] >= 0.99))
    ok &= bool(np.all(retrieved[:, high] <= 0.10) and np.all(mean[:, high] <= 0.5))
    band = (alpha_c - 0.008, alpha_c + 0.032)
    alpha50 = []
    for row in retrieved:
        below = np.flatnonzero(row < 0.5)
        if below.size == 0 or below[0] == 0:
            alpha50.append(math.nan)
            continue
        j = int(below[0])
        f0, f1 = row[j - 1], row[j]
        alpha50.append(float(loads[j - 1] + (f0 - 0.5) / (f0 - f1) * (loads[j] - loads[j - 1])))
    in_band = all(band[0] <= a <= band[1] for a in alpha50)
    deviation = max((abs(a - alpha_c) for a in alpha50), default=math.nan)
    return Comparison(
        ok and in_band,
        abs_error=deviation,
        rel_error=deviation / alpha_c,
        detail={
            "observed_alpha50": alpha50,
            "expected_alpha_c": alpha_c,
            "bound": list(band),
            "mean_overlaps": mean.tolist(),
            "retrieved_fractions": retrieved.tolist(),
            "rs_overlaps": rs.tolist(),
        },
    )


def check_kaufman(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Kaufman's closed form = transfer matrix = the network's normaliser summed over 2^N states."""
    phys, learn = _ising_sides(c, params)
    m, n, coupling = params["rows"], params["columns"], params["coupling"]
    log_z = phys["log_partition_function"]
    # Kaufman adds mn/2·log(2 sinh 2K) to Σ mγ_k/2, terms each of size ≈ mn(1 + 2K +
    # |log(2 sinh 2K)|); enumeration rounds K·E (|E| ≤ 2mn) and sums 2^mn terms.
    scale = m * n * (1 + 2 * coupling + abs(math.log(2 * math.sinh(2 * coupling))))
    atol = 16 * EPS * (1 + scale)
    result = close(log_z, learn["log_normaliser"], atol=atol)
    if "transfer_matrix_log_partition_function" in phys:
        result &= close(
            phys["transfer_matrix_log_partition_function"], learn["log_normaliser"], atol=atol
        )
    return result


# -- mutants --------------------------------------------------------------------------------------


def _sign_without_tie_rule(c: Correspondence) -> Correspondence:
    return c.with_learning(lambda p: hopfield_network(p, rule=_numpy_sign))


def _synchronous(c: Correspondence) -> Correspondence:
    return c.with_learning(lambda p: hopfield_network(p, synchronous=True))


def _asymmetric(c: Correspondence) -> Correspondence:
    return c.with_learning(lambda p: hopfield_network(p, shifted=True))


def _self_coupling(c: Correspondence) -> Correspondence:
    return c.with_learning(lambda p: hopfield_network(p, keep_diagonal=True))


def _heat_bath_factor(c: Correspondence) -> Correspondence:
    return c.with_physics(lambda p: ising_model(p, heat_bath_factor=1.0))


def _gamma0_absolute(c: Correspondence) -> Correspondence:
    return c.with_physics(lambda p: ising_model(p, absolute_gamma0=True))


def _kaufman_angle(c: Correspondence) -> Correspondence:
    return c.with_physics(lambda p: ising_model(p, kaufman_angle=2.0))


# -- the figure ------------------------------------------------------------------------------------

#: Network sizes N and random networks per load of the figure; loads α = p/N.
FIGURE_SIZES = (200, 800)
FIGURE_TRIALS = (12, 4)
FIGURE_LOADS = tuple(round(0.02 * k, 2) for k in range(1, 13))


def retrieval_figure(*, seed: int = MONTE_CARLO_SEED) -> Figure:
    """The retrieval overlap m = ξ·s/N after recall from a stored pattern, against the load α.

    Points: the learning side's experiment (Hebbian networks of N neurons storing p = αN random
    patterns, asynchronous recall in random order; mean over the networks, ±1 standard error).
    Curve: the physics side's replica-symmetric retrieval overlap, which exists up to α_c.
    """
    import numpy as np

    experiment = hopfield_network(
        {
            "family": "capacity",
            "sizes": list(FIGURE_SIZES),
            "loads": list(FIGURE_LOADS),
            "trials": list(FIGURE_TRIALS),
            "seed": seed,
        }
    )
    theory_loads = np.linspace(0.0, 0.25, 251)
    theory = ising_model({"family": "capacity", "loads": theory_loads})
    alpha_c = float(theory["critical_load"])
    below = theory_loads < alpha_c  # the retrieval branch ends at α_c with overlap m_c
    series = [
        Series(
            f"Hopfield network, N = {n} ({trials} networks per load, ±1 SE)",
            FIGURE_LOADS,
            np.mean(overlaps, axis=1),
            style="points",
            error=np.std(overlaps, axis=1, ddof=1) / math.sqrt(trials),
        )
        for n, trials, overlaps in zip(
            FIGURE_SIZES, FIGURE_TRIALS, experiment["overlaps"], strict=True
        )
    ]
    series.append(
        Series(
            "replica-symmetric theory, N → ∞ (Amit, Gutfreund, Sompolinsky)",
            [*theory_loads[below], alpha_c],
            [*theory["rs_overlaps"][below], theory["critical_overlap"]],
            role="theory",
        )
    )
    return Figure(
        "ising-hopfield: stored patterns are recalled up to the load α_c ≈ 0.138",
        (
            Panel(
                "load α = p/N (patterns per neuron)",
                "retrieval overlap m = ξ·s/N after recall",
                series=series,
                markers=(Marker(f"α_c = {alpha_c:.4f} (replica symmetric)", alpha_c),),
            ),
        ),
        note="recall from the stored pattern itself, asynchronous sign updates in random order; "
        f"default_rng({seed})",
    )


ISING_HOPFIELD_BOUNDARIES = (
    Boundary(
        "overlapping-patterns",
        "mutually orthogonal patterns (ξ^μ·ξ^ν = 0 for μ ≠ ν)",
        "orthogonal-patterns-are-fixed-points",
        overlapping_patterns_strategy,
        "At a stored pattern the local field is Jξ^ν = (1 − p/N)ξ^ν + (1/N)Σ_(μ≠ν) ξ^μ(ξ^μ·ξ^ν): "
        "the crosstalk term vanishes only for orthogonal patterns. Otherwise it moves every "
        "field and, once it outweighs the signal, flips bits: the origin of the capacity "
        "limit α_c ≈ 0.138 for random patterns.",
        examples=({"family": "hadamard", "patterns": [[1] * 16, [-1] + [1] * 15]},),
    ),
)


ISING_HOPFIELD = Correspondence(
    id="ising-hopfield",
    regime="exact",
    physics=PhysicalSystem(
        "Ising model with Mattis/Hebb couplings",
        "±1 spins with couplings J = (1/N)Σ ξξᵀ − (p/N)I and a field θ, E = −½sᵀJs − θᵀs, "
        "relaxed by zero-temperature single-spin-flip (Glauber) dynamics; and exact theory: the "
        "crosstalk law, the replica-symmetric capacity, Kaufman's 2-D torus.",
        (
            "energy",
            "local_fields",
            "mattis_overlaps",
            "final_state",
            "final_energy",
            "final_overlaps",
            "flipped_units",
            "sweeps",
        ),
        ising_model,
    ),
    learning=LearningMethod(
        "Hopfield network",
        "Binary neurons with Hebbian weights W = (1/N)Σ ξξᵀ (zero diagonal) and biases, recalled "
        "by asynchronous sign updates; its Lyapunov function −½sᵀWs − bᵀs.",
        (
            "weights",
            "lyapunov_energy",
            "local_fields",
            "decisions",
            "recalled_state",
            "recall_energy",
            "retrieval_overlaps",
            "recall_units",
            "recall_values",
            "recall_fields",
            "converged",
            "sweeps",
        ),
        hopfield_network,
    ),
    parameters=(PATTERNS, INITIAL_STATE, FIELD),
    translate=network_from_ising,
    validate=validate_ising,
    example=WORKED_EXAMPLE,
    examples=ISING_EXAMPLES,
    strategy=ising_hopfield_strategy,
    boundaries=ISING_HOPFIELD_BOUNDARIES,
    figure=retrieval_figure,
    identities=(
        Identity(
            "hebbian-weights-are-ising-couplings",
            "exact",
            check_hebbian_couplings,
            "W symmetric with zero diagonal (exact); energies atol 2·eps·(N + 2)·((N − 1)p + "
            "2Σ|θ| + 1); local fields atol 4·eps·(p + |θ_i|)",
            "−½sᵀWs: length-N dot products of terms with Σ|W_ij| ≤ (N − 1)p (the γ_N bound); "
            "the Mattis form is exact integers over 2N. Both sides form the coupling part of h "
            "as the same integer over N.",
        ),
        Identity(
            "recall-is-zero-temperature-glauber-dynamics",
            "exact",
            check_recall_is_glauber,
            "identical sequence of flipped units and identical final state (0 tolerance)",
            "Same sweep order and the same decisions: both sides compute the field as the same "
            "integer over N plus θ_i, so even exact ties h_i = 0 agree.",
        ),
        Identity(
            "energy-never-increases",
            "exact",
            check_energy_descent,
            "every update flips one spin and ΔE < 0 strictly; ΔE = −Δs_i·h_i within 4·eps·|ΔE|",
            "ΔE_J is an exact integer over 2N (overlap bookkeeping), ΔE = −2|h_i| up to the "
            "single rounding of θ_i; zero tolerance on the sign (spec: observed max increase 0).",
        ),
        Identity(
            "recall-ends-at-fixed-point",
            "exact",
            check_fixed_point,
            f"converged within {MAX_SWEEPS} sweeps; final state in {{±1}}^N; s_i·h_i ≥ 0 exactly",
            "E decreases strictly on every flip and takes finitely many values, so recall stops; "
            "the Ising fields at the final state are computed independently by the physics side.",
        ),
        Identity(
            "orthogonal-patterns-are-fixed-points",
            "exact",
            check_hadamard,
            "Jξ^ν = Wξ^ν = (1 − p/N)ξ^ν with 0 tolerance; recall from ξ^ν changes no neuron",
            "For N = 2^k every number is a dyadic rational: the arithmetic is exact.",
            strategy=hadamard_strategy,
            examples=HADAMARD_EXAMPLES,
        ),
        Identity(
            "heat-bath-tends-to-sign-rule",
            "limit",
            check_heat_bath_limit,
            "log P(wrong) ≤ −2β|h_i| + 8·eps·(1 + 2β|h_i|) at 2β·min|h| = 5, 10, 20, 40; decay "
            "rate in β and coefficient P(wrong)·e^(2β|h|) within 1e-6 of 2|h| and 1",
            "P(wrong) = σ(−2β|h|) = e^(−2β|h|)/(1 + e^(−2β|h|)): the bound is exact and its "
            "correction is e^(−40) at the last step. Ties: the heat bath gives ½, recall keeps "
            "s_i.",
        ),
        Identity(
            "bit-instability-law",
            "exact",
            check_instability,
            f"{INSTABILITY_TRIALS} independent networks, fixed seed; exact two-sided binomial "
            "tail of the count ≥ 2e-9 (|z| ≤ 6 equivalent); z with SE √(P(1−P)/M) reported, "
            "rel error = |z|/6",
            "ξ_i h_i = (N − 1 + B)/N with B a sum of (p−1)(N−1) fair ±1: P(unstable) = "
            "P(Bin ≤ ⌈(p−2)(N−1)/2⌉ − 1) exactly at finite N. An exact tail rather than z: the "
            "law can be 1e-6, where a normal approximation of the count is wrong.",
            strategy=instability_strategy,
            examples=INSTABILITY_EXAMPLES,
            max_examples=4,
        ),
        Identity(
            "capacity-finite-size-band",
            "analogy",
            check_capacity,
            "α ≤ 0.10: mean m ≥ 0.99; α = 0.20: ≤ 10% retrieve (m > 0.9), mean m ≤ 0.5; the load "
            "α₅₀ where half retrieve lies in [α_c − 0.008, α_c + 0.032] = [0.130, 0.170]",
            "N = 2000 (16 networks per load) and 4000 (8), fixed seed, start at a stored pattern, "
            "random sweep order. Finite N retrieves above α_c = 0.1379 (spec: α₅₀ ≈ 0.15–0.16 "
            "at N = 2000, 0.15 at 4000); a fraction from 16 (8) trials has SE ≤ 0.125 (0.18).",
            strategy=capacity_strategy,
            max_examples=1,
            slow=True,
        ),
        Identity(
            "kaufman-torus-partition-function",
            "exact",
            check_kaufman,
            "atol 16·eps·(1 + mn·(1 + 2K + |log(2 sinh 2K)|))",
            "Kaufman's sum of mγ_k/2 and mn/2·log(2 sinh 2K) cancels by at most that scale; the "
            "enumeration rounds each K·E_s (|E| ≤ 2mn). Spec: observed ≤ 1.4e-14.",
            strategy=torus_strategy,
            examples=TORUS_EXAMPLES,
        ),
    ),
    mutants=(
        Mutant(
            "sign-without-tie-rule",
            "s_i ← np.sign(h_i): a neuron with zero input becomes 0",
            _sign_without_tie_rule,
            ("energy-never-increases", "recall-ends-at-fixed-point"),
        ),
        Mutant(
            "synchronous-update",
            "all neurons updated at once (Little dynamics): 2-cycles",
            _synchronous,
            ("recall-ends-at-fixed-point",),
        ),
        Mutant(
            "asymmetric-couplings",
            "W = (1/N)Σ ξ^μ (ξ^μ shifted by one neuron)ᵀ: not symmetric",
            _asymmetric,
            ("energy-never-increases",),
        ),
        Mutant(
            "self-coupling-kept",
            "the Hebbian diagonal W_ii = p/N is kept",
            _self_coupling,
            ("hebbian-weights-are-ising-couplings", "orthogonal-patterns-are-fixed-points"),
        ),
        Mutant(
            "heat-bath-missing-factor-two",
            "P(s_i = +1) = σ(βh_i) instead of σ(2βh_i)",
            _heat_bath_factor,
            ("heat-bath-tends-to-sign-rule",),
        ),
        Mutant(
            "kaufman-gamma0-absolute",
            "Kaufman with γ₀ = |2K + ln tanh K| (its sign lost)",
            _gamma0_absolute,
            ("kaufman-torus-partition-function",),
        ),
        Mutant(
            "kaufman-wrong-angle",
            "Kaufman with cos(2πk/n) instead of cos(πk/n)",
            _kaufman_angle,
            ("kaufman-torus-partition-function",),
        ),
    ),
)


# =================================================================================================
# modern-hopfield-attention
# =================================================================================================


def modern_hopfield(
    params: dict[str, Any], *, log_n_term: bool = True, use_beta: bool = True
) -> dict[str, Any]:
    """Dense associative memory: E(ξ) = −β⁻¹ lse(βXᵀξ) + ½ξᵀξ + β⁻¹ log N + ½M², and its CCCP
    update ξ ← X softmax(βXᵀξ), from Boltzmann weights relative to the best matching pattern."""
    import numpy as np

    x = np.asarray(params["patterns"], dtype=float)  # N × d: pattern i is row x_i
    xi = np.asarray(params["queries"], dtype=float)  # q × d: one state per row
    beta = float(params["inverse_temperature"]) if use_beta else 1.0
    n = x.shape[0]
    similarity = xi @ x.T  # x_iᵀξ
    best = similarity.max(axis=1, keepdims=True)
    weights = np.exp(beta * (similarity - best))  # ≤ 1, the best pattern has weight 1
    total = weights.sum(axis=1)  # in [1, N]
    probabilities = weights / total[:, None]
    updated = probabilities @ x
    norm = float(np.sqrt(np.max(np.sum(x * x, axis=1))))
    # −β⁻¹ lse + β⁻¹ log N = −best + β⁻¹ log(N/Σw): no cancellation between large terms.
    log_ratio = np.log(n / total) if log_n_term else -np.log(total)
    energy = 0.5 * norm**2 - best[:, 0] + 0.5 * np.sum(xi * xi, axis=1) + log_ratio / beta
    gram = x @ x.T
    if n > 1:
        others = np.where(np.eye(n, dtype=bool), -np.inf, gram)
        separations = np.diag(gram) - others.max(axis=1)
    else:
        separations = np.full(1, np.inf)
    return {
        "updated_states": updated,
        "pattern_probabilities": probabilities,
        "energies": energy,
        "separations": separations,
        "max_pattern_norm": norm,
    }


def attention_head(
    params: dict[str, Any], *, scale_power: float = 0.5, axis: int = -1, stable: bool = True
) -> dict[str, Any]:
    """Scaled dot-product attention softmax(QKᵀ/√d_k)·V as a transformer computes it."""
    import numpy as np
    from scipy.special import softmax

    q = np.asarray(params["queries"], dtype=float)
    k = np.asarray(params["keys"], dtype=float)
    v = np.asarray(params["values"], dtype=float)
    scores = q @ k.T / k.shape[1] ** scale_power
    if stable:
        weights = softmax(scores, axis=axis)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(scores)
            weights = e / e.sum(axis=axis, keepdims=True)
    return {"scores": scores, "attention_weights": weights, "output": weights @ v}


def attention_from_hopfield(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: keys K = X (patterns as rows), values V = K·W_V, queries
    Q = β√d_k·ξ, so that softmax(QKᵀ/√d_k) = softmax(βξXᵀ); at β = 1/√d_k, Q = ξ."""
    import numpy as np

    keys = np.asarray(params["patterns"], dtype=float)
    d = keys.shape[1]
    projection = np.asarray(params.get("value_projection", np.eye(d)), dtype=float)
    return {
        "queries": float(params["inverse_temperature"])
        * math.sqrt(d)
        * np.asarray(params["queries"], dtype=float),
        "keys": keys,
        "values": keys @ projection,
    }


STORED = Parameter(
    "patterns",
    "the N stored patterns x_i, one per row (the attention keys)",
    "finite reals, N ≥ 1 rows of d ≥ 1 entries",
    shape="(N, d)",
    ndim=2,
)
QUERIES = Parameter(
    "queries",
    "the states ξ to update, one per row (the attention queries, up to the factor β√d); "
    "default: the stored patterns themselves",
    "finite reals, q ≥ 1 rows of d entries",
    shape="(q, d)",
    ndim=2,
    neutral=lambda values: values.get("patterns"),
)
INVERSE_TEMPERATURE = Parameter(
    "inverse_temperature",
    "β of the log-sum-exp energy; attention's scale 1/√d_k is β = 1/√d",
    "β > 0",
    minimum=0.0,
    exclusive=True,
)
VALUE_PROJECTION = Parameter(
    "value_projection",
    "W_V, mapping a retrieved pattern to the head's output (V = K·W_V); default: identity",
    "finite reals, d rows",
    shape="(d, d_v)",
    ndim=2,
    neutral=lambda values: (
        [
            [float(i == j) for j in range(len(values["patterns"][0]))]
            for i in range(len(values["patterns"][0]))
        ]
        if "patterns" in values
        else None
    ),
)


def validate_modern(values: dict[str, Any]) -> None:
    d = values["patterns"].shape[1]
    if values["queries"].shape[1] != d:
        raise ParameterError(
            "queries",
            f"each query must have d = {d} entries like the "
            f"patterns, got {values['queries'].shape[1]}",
        )
    if values["value_projection"].shape[0] != d:
        raise ParameterError(
            "value_projection",
            f"must have d = {d} rows (one per pattern "
            f"entry), got {values['value_projection'].shape[0]}",
        )


def modern_hopfield_strategy() -> Any:
    """d ∈ [1, 64], N ∈ [1, 100], q ∈ [1, 4]; β and the pattern scale log-uniform in [1e-3, 1e3]
    and [1e-2, 10]; Gaussian, ±1 (equal norms) or duplicated patterns; queries near a pattern
    (relative noise log-uniform in [1e-4, 1]) or random; W_V identity or random."""
    import numpy as np
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        d = draw(st.one_of(st.integers(1, 8), st.integers(9, 64)))
        n = draw(st.one_of(st.integers(1, 8), st.integers(9, 100)))
        q = draw(st.integers(1, 4))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        scale = 10.0 ** draw(st.floats(-2, 1))
        beta = 10.0 ** draw(st.floats(-3, 3))
        kind = draw(st.sampled_from(["gaussian", "binary", "duplicated"]))
        if kind == "binary":
            x = rng.choice([-1.0, 1.0], size=(n, d))
        else:
            x = rng.normal(size=(n, d))
            if kind == "duplicated" and n > 1:
                x[n // 2 :] = x[: n - n // 2]
        x *= scale
        near = draw(st.booleans())
        if near:
            noise = 10.0 ** draw(st.floats(-4, 0))
            xi = x[rng.integers(0, n, size=q)] + noise * scale * rng.normal(size=(q, d))
        else:
            xi = scale * rng.normal(size=(q, d))
        projection = np.eye(d) if draw(st.booleans()) else rng.normal(size=(d, d))
        return {
            "patterns": x.tolist(),
            "queries": xi.tolist(),
            "inverse_temperature": beta,
            "value_projection": projection.tolist(),
        }

    return draw()


MODERN_EXAMPLE = {
    "patterns": [[1.0, 1.0, -1.0, -1.0], [1.0, -1.0, 1.0, -1.0], [-1.0, 1.0, 1.0, -1.0]],
    "queries": [[0.9, 1.1, -0.8, -1.2], [0.2, 0.1, 0.3, -0.1]],
    "inverse_temperature": 0.5,
    "value_projection": [
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ],
}

MODERN_EXAMPLES = (
    # β·max|x·ξ| ≈ 1e5 ≫ 709: a softmax without the max shift overflows.
    {
        "patterns": [[10.0, 0.0, 3.0], [0.0, 10.0, -2.0], [-7.0, 7.0, 0.5], [4.0, 4.0, 4.0]],
        "queries": [[9.0, 1.0, 2.5], [-6.0, 8.0, 1.0], [0.1, 0.2, 0.3]],
        "inverse_temperature": 1000.0,
        "value_projection": [[1.0, 2.0], [0.0, -1.0], [0.5, 0.5]],
    },
    # Four equal-norm patterns, the query on one of them, small β: the β⁻¹ log N term matters.
    {
        "patterns": [[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]],
        "queries": [[1.0, 1.0], [1.0, -1.0]],
        "inverse_temperature": 0.01,
        "value_projection": [[1.0, 0.0], [0.0, 1.0]],
    },
    # d = 16 with β = 1/4 = 1/√d, two queries: the attention convention itself.
    {
        "patterns": [[(-1.0) ** (i * j % 3 + (i > j)) for j in range(16)] for i in range(5)],
        "queries": [[(-1.0) ** (j % 3) for j in range(16)], [0.5] * 16],
        "inverse_temperature": 0.25,
        "value_projection": [[float(i == j) for j in range(16)] for i in range(16)],
    },
)


def _modern_sides(c: Correspondence, params: dict[str, Any]) -> tuple[dict, dict]:
    return c.physics.observe(params), c.learning.observe(c.translate(params))


def _output_tolerance(params: dict[str, Any], queries: Any, projection: Any) -> Any:
    """Per-column bound on |attention − Hopfield·W_V| from the conditioning of the softmax.

    The exponents β·x_iᵀξ of the two sides differ by ≤ (d + 4)·eps·β·A with
    A = max_i Σ_j |x_ij ξ_j|; a weight then moves by twice that relative, plus the N-term
    normalisation; the weighted sums of values and the W_V product add (N + d)·eps·|X||W_V|.
    """
    import numpy as np

    x = np.asarray(params["patterns"], dtype=float)
    n, d = x.shape
    a = float(np.max(np.abs(np.asarray(queries)) @ np.abs(x).T))
    beta = float(params["inverse_temperature"])
    value_size = np.max(np.abs(x) @ np.abs(projection), axis=0)
    return 8 * EPS * ((d + 4) * beta * a + n + d + 4) * value_size


def check_update_is_attention(c: Correspondence, params: dict[str, Any]) -> Comparison:
    import numpy as np

    phys, learn = _modern_sides(c, params)
    projection = np.asarray(params["value_projection"], dtype=float)
    expected = np.asarray(phys["updated_states"]) @ projection
    atol = _output_tolerance(params, params["queries"], projection)
    return close(learn["output"], expected, atol=np.broadcast_to(atol, expected.shape))


def _energy_scale(params: dict[str, Any], states: Any) -> Any:
    """Sum of the magnitudes of E's terms: ½M², ½‖ξ‖², max x·ξ (d-term dot products) and
    β⁻¹ log(N/Σw) (Σw of N terms, relative rounding N·eps)."""
    import numpy as np

    x = np.asarray(params["patterns"], dtype=float)
    n, d = x.shape
    s = np.asarray(states, dtype=float)
    m2 = float(np.max(np.sum(x * x, axis=1)))
    a = np.max(np.abs(s) @ np.abs(x).T, axis=1)
    return (
        m2
        + np.sum(s * s, axis=1)
        + (d + 2) * a
        + (n + 1 + math.log(n)) / float(params["inverse_temperature"])
    )


def check_energy_descent_modern(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Six attention steps with V = K (W_V = I), each output fed back as the next query:
    0 ≤ E(ξ_(t+1)) ≤ E(ξ_t) for the Hopfield energy (CCCP)."""
    import numpy as np

    d = np.asarray(params["patterns"]).shape[1]
    plain = {**params, "value_projection": np.eye(d)}
    states = np.asarray(params["queries"], dtype=float)
    phys = c.physics.observe(plain)
    energies = np.asarray(phys["energies"])
    result = at_most(-energies, 16 * EPS * _energy_scale(params, states), label="minus_energy")
    worst_step = -math.inf
    for _ in range(6):
        out = np.asarray(c.learning.observe(c.translate({**plain, "queries": states}))["output"])
        after = c.physics.observe({**plain, "queries": out})
        new = np.asarray(after["energies"])
        # E evaluated at the computed output: add |∇E(ξ_new)|·|δξ_new| with ∇E = ξ_new − T(ξ_new).
        gradient = np.linalg.norm(out - np.asarray(after["updated_states"]), axis=1)
        error = np.sqrt(d) * np.max(_output_tolerance(params, states, np.eye(d)))
        tol = 16 * EPS * (_energy_scale(params, states) + _energy_scale(params, out)) + (
            gradient * error
        )
        result &= at_most(new - energies, tol, label="energy_change")
        result &= at_most(-new, 16 * EPS * _energy_scale(params, out), label="minus_energy")
        worst_step = max(worst_step, float(np.max(new - energies)))
        states, energies = out, new
    return Comparison(
        result.holds,
        result.abs_error,
        result.rel_error,
        detail={"largest_energy_change": worst_step, "final_energy": float(np.max(energies))},
    )


def check_retrieval_bound(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """‖ξ_new − x_i‖ ≤ 2M(N − 1)·exp(−β(Δ_i − 2M‖ξ − x_i‖)) for every i with Δ_i > 0."""
    import numpy as np

    d = np.asarray(params["patterns"]).shape[1]
    plain = {**params, "value_projection": np.eye(d)}
    phys, learn = _modern_sides(c, plain)
    x = np.asarray(params["patterns"], dtype=float)
    xi = np.asarray(params["queries"], dtype=float)
    n = x.shape[0]
    out = np.asarray(learn["output"])
    big_m = float(phys["max_pattern_norm"])
    separations = np.asarray(phys["separations"])
    beta = float(params["inverse_temperature"])
    error = np.sqrt(d) * np.max(_output_tolerance(params, xi, np.eye(d)))
    result = Comparison(True)
    tightest = 0.0
    for i in np.flatnonzero(separations > 0):
        distance_in = np.linalg.norm(xi - x[i], axis=1)
        exponent = -beta * (separations[i] - 2 * big_m * distance_in)
        rounding = 16 * EPS * beta * (big_m**2 + 2 * big_m * distance_in)
        if n == 1:  # a single pattern: p_1 = 1 and ξ_new = x_1
            bound = np.zeros(len(xi))
        else:
            with np.errstate(over="ignore"):
                bound = 2 * big_m * (n - 1) * np.exp(exponent + rounding)
        distance_out = np.linalg.norm(out - x[i], axis=1)
        result &= at_most(distance_out, bound + error, label="distance")
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(bound > 0, distance_out / bound, 0.0)
        tightest = max(tightest, float(np.nanmax(ratio)))
    return Comparison(
        result.holds,
        result.abs_error,
        result.rel_error,
        detail={"largest_distance_over_bound": tightest},
    )


def _scale_one_over_dk(c: Correspondence) -> Correspondence:
    return c.with_learning(lambda p: attention_head(p, scale_power=1.0))


def _softmax_wrong_axis(c: Correspondence) -> Correspondence:
    return c.with_learning(lambda p: attention_head(p, axis=0))


def _softmax_unstable(c: Correspondence) -> Correspondence:
    return c.with_learning(lambda p: attention_head(p, stable=False))


def _energy_without_log_n(c: Correspondence) -> Correspondence:
    return c.with_physics(lambda p: modern_hopfield(p, log_n_term=False))


def _update_without_beta(c: Correspondence) -> Correspondence:
    return c.with_physics(lambda p: modern_hopfield(p, use_beta=False))


MODERN_HOPFIELD_ATTENTION = Correspondence(
    id="modern-hopfield-attention",
    regime="exact",
    physics=PhysicalSystem(
        "modern (dense) Hopfield network",
        "Continuous states ξ with the log-sum-exp energy of N stored patterns at inverse "
        "temperature β, updated by the concave–convex procedure ξ ← X softmax(βXᵀξ).",
        ("updated_states", "pattern_probabilities", "energies", "separations", "max_pattern_norm"),
        modern_hopfield,
    ),
    learning=LearningMethod(
        "one head of scaled dot-product attention",
        "softmax(QKᵀ/√d_k)·V with keys K, values V = K·W_V and queries Q, as in a transformer.",
        ("scores", "attention_weights", "output"),
        attention_head,
    ),
    parameters=(STORED, QUERIES, INVERSE_TEMPERATURE, VALUE_PROJECTION),
    translate=attention_from_hopfield,
    validate=validate_modern,
    example=MODERN_EXAMPLE,
    examples=MODERN_EXAMPLES,
    strategy=modern_hopfield_strategy,
    identities=(
        Identity(
            "hopfield-update-is-attention",
            "exact",
            check_update_is_attention,
            "per column: atol 8·eps·((d + 4)·β·A + N + d + 4)·max_i(|x_i|·|W_V|), "
            "A = max_i Σ_j |x_ij ξ_j|",
            "The exponents β·x_iᵀξ differ by (d + 4)·eps·β·A between the sides; the softmax "
            "passes that on as a relative error of the weights. Spec: observed 8.9e-16.",
        ),
        Identity(
            "attention-descends-hopfield-energy",
            "exact",
            check_energy_descent_modern,
            "over 6 steps: E(ξ_(t+1)) − E(ξ_t) ≤ 16·eps·(S_t + S_(t+1)) + ‖∇E(ξ_(t+1))‖·δ and "
            "E ≥ −16·eps·S, S = M² + ‖ξ‖² + (d + 2)·A + (N + 1 + log N)/β",
            "S sums the magnitudes of E's terms; δ bounds the rounding of the attention output "
            "(as in hopfield-update-is-attention), moving E by at most its gradient times δ.",
        ),
        Identity(
            "one-step-retrieval-bound",
            "exact",
            check_retrieval_bound,
            "‖ξ_new − x_i‖ ≤ bound·exp(16·eps·β(M² + 2M‖ξ − x_i‖)) + √d·δ",
            "A proved inequality: ‖Σ_j p_j(x_j − x_i)‖ ≤ 2M(1 − p_i) and 1 − p_i ≤ "
            "(N − 1)e^(−β(Δ_i − 2M‖ξ − x_i‖)). Rounding of the exponent and of the output only.",
        ),
    ),
    mutants=(
        Mutant(
            "attention-scale-one-over-dk",
            "scores QKᵀ/d_k instead of QKᵀ/√d_k",
            _scale_one_over_dk,
            ("hopfield-update-is-attention",),
        ),
        Mutant(
            "softmax-over-queries",
            "the softmax normalised over the query axis instead of the keys",
            _softmax_wrong_axis,
            ("hopfield-update-is-attention",),
        ),
        Mutant(
            "softmax-without-max-shift",
            "exp(scores)/Σexp(scores) without subtracting the maximum: overflows",
            _softmax_unstable,
            ("hopfield-update-is-attention",),
        ),
        Mutant(
            "energy-without-log-n",
            "the constant β⁻¹ log N dropped from the energy",
            _energy_without_log_n,
            ("attention-descends-hopfield-energy",),
        ),
        Mutant(
            "update-ignores-beta",
            "ξ ← X softmax(Xᵀξ): the inverse temperature left out of the update",
            _update_without_beta,
            ("hopfield-update-is-attention",),
        ),
    ),
)


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    return [ISING_HOPFIELD, MODERN_HOPFIELD_ATTENTION]
