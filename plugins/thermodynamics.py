"""Thermodynamics plugin: the canonical (Gibbs) ensemble and the softmax (gibbs-softmax); the
Maxwell–Boltzmann gas and the Gaussian (maxwell-boltzmann-gaussian, further below).

Two independent computations of one distribution:

* the physics side weighs microstates by Boltzmann factors measured from the ground state,
  exp(−β(E − E_min)), and sums them into a partition function, in its own terms (free energy,
  mean energy, entropy from β(U − F), heat capacity from the energy fluctuations);
* the learning side is the softmax as practitioners compute it, with ``scipy.special``
  (``softmax``, ``logsumexp``, ``log_softmax``) applied to logits z = −E/kT.

The comparison is therefore between two arithmetics that share no code; for the extreme cases
the tests add high-precision ``mpmath`` as a third, independent reference.
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
    PhysicalSystem,
    hookimpl,
)
from physml.compare import EPS, at_most, close
from physml_plugins import physml_catalog_dirs  # noqa: F401 - the shared catalog hook

# -- physics side: the canonical ensemble -------------------------------------------------------


def canonical_ensemble(params: dict[str, Any]) -> dict[str, Any]:
    """The canonical ensemble's observables, weights taken relative to the ground state."""
    import numpy as np

    energies = np.asarray(params["energies"], dtype=float)
    kT = float(params["temperature"])
    beta = 1.0 / kT
    e_min = energies.min()
    excitation = energies - e_min  # ≥ 0, so every weight is ≤ 1: no overflow at any temperature
    weights = np.exp(-beta * excitation)
    z_reduced = weights.sum()  # in [1, n]
    probabilities = weights / z_reduced
    log_z = -beta * e_min + np.log(z_reduced)
    mean_excitation = float(probabilities @ excitation)
    # Entropy and heat capacity from shifted energies: β(U − F) has |terms| ≤ n, no cancellation.
    entropy = beta * mean_excitation + np.log(z_reduced)
    variance = float(probabilities @ (excitation - mean_excitation) ** 2)
    return {
        "probabilities": probabilities,
        "log_partition_function": float(log_z),
        "free_energy": float(e_min - kT * np.log(z_reduced)),
        "mean_energy": float(e_min + mean_excitation),
        "entropy": float(entropy),
        "heat_capacity": float(beta**2 * variance),
        "energy_variance": variance,
        "ground_state_energy": float(e_min),
    }


# -- learning side: the softmax ------------------------------------------------------------------


def softmax_classifier(params: dict[str, Any]) -> dict[str, Any]:
    """The softmax of logits as an ML library computes it (scipy.special)."""
    import numpy as np
    from scipy.special import log_softmax, logsumexp, softmax

    logits = np.asarray(params["logits"], dtype=float)
    probabilities = softmax(logits)
    log_probabilities = log_softmax(logits)
    centred = logits - logits.max()
    mean_logit = float(probabilities @ centred)
    return {
        "probabilities": probabilities,
        "log_probabilities": log_probabilities,
        "log_normalizer": float(logsumexp(logits)),
        "predictive_entropy": float(-(probabilities @ log_probabilities)),
        "logit_variance": float(probabilities @ (centred - mean_logit) ** 2),
    }


def logits_from_energies(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: logits z = −E/kT (energy ↔ negative logit, kT ↔ temperature τ)."""
    import numpy as np

    return {"logits": -np.asarray(params["energies"], dtype=float) / params["temperature"]}


# -- parameters and strategies ------------------------------------------------------------------

ENERGIES = Parameter(
    "energies",
    "energy of each microstate (natural units, k = 1)",
    "finite reals",
    shape="(n,)",
    ndim=1,
)
TEMPERATURE = Parameter(
    "temperature",
    "kT, in the same units as the energies",
    "kT > 0",
    minimum=0.0,
    exclusive=True,
)


def gibbs_strategy() -> Any:
    """Energies off + scale·x with x ∈ [−4, 4]ⁿ, scale and kT log-uniform over 6 decades."""
    import numpy as np
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(1, 64))
        x = draw(arrays(np.float64, n, elements=st.floats(-4, 4, allow_subnormal=False)))
        scale = 10.0 ** draw(st.floats(-3, 3))
        offset = draw(st.one_of(st.just(0.0), st.floats(-1e3, 1e3)))
        ties = draw(st.integers(0, n - 1))  # degenerate ground states
        energies = offset + scale * x
        energies[:ties] = energies.min()
        kT = 10.0 ** draw(st.floats(-3, 3))
        return {"energies": energies.tolist(), "temperature": kT}

    return draw()


# Examples that must always run: kT ≠ 1 (so T ↔ 1/T mutants show) and |z| ~ 1e6 (overflow).
STRESS_EXAMPLES = (
    {"energies": [-1000.0, -999.0, 0.0], "temperature": 1.0},
    {"energies": [-4000.0, 0.0, 1.5, 4000.0], "temperature": 1e-3},
    {"energies": [0.0, 0.0, 2.0, 5.0], "temperature": 2.5},
    {"energies": [3.0, 1.0, 1.0, 2.0, 7.0], "temperature": 0.3},
)


def _sides(c: Correspondence, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return c.physics.observe(params), c.learning.observe(c.translate(params))


def _zmax(params: dict[str, Any]) -> float:
    import numpy as np

    return float(np.max(np.abs(params["energies"])) / params["temperature"])


def _at_temperature(params: dict[str, Any], kT: float) -> dict[str, Any]:
    return {**params, "temperature": kT}


# -- identities ----------------------------------------------------------------------------------


def check_probabilities(c: Correspondence, params: dict[str, Any]) -> Comparison:
    phys, learn = _sides(c, params)
    n = len(params["energies"])
    rtol = 8 * EPS * (n + _zmax(params))
    return close(learn["probabilities"], phys["probabilities"], rtol=rtol, atol=1e-300)


def check_log_partition(c: Correspondence, params: dict[str, Any]) -> Comparison:
    import numpy as np

    phys, learn = _sides(c, params)
    log_z = phys["log_partition_function"]
    atol = 8 * EPS * (1 + abs(log_z) + np.log(len(params["energies"])))
    return close(learn["log_normalizer"], log_z, atol=atol)


def check_free_energy(c: Correspondence, params: dict[str, Any]) -> Comparison:
    import numpy as np

    phys, learn = _sides(c, params)
    kT = params["temperature"]
    energies = np.asarray(params["energies"])
    free = phys["free_energy"]
    slack = 8 * EPS * (abs(free) + kT + abs(energies.min()))
    agree = close(free, -kT * learn["log_normalizer"], atol=slack)
    e_min, n = energies.min(), energies.size
    degeneracy = int(np.sum(energies == e_min))
    lower = at_most(e_min - kT * np.log(n), free + slack, label="lower_bound")
    upper = at_most(free, e_min - kT * np.log(degeneracy) + slack, label="upper_bound")
    return Comparison(agree.holds and lower.holds and upper.holds, agree.abs_error, agree.rel_error)


def check_entropy(c: Correspondence, params: dict[str, Any]) -> Comparison:
    import numpy as np

    phys, learn = _sides(c, params)
    n = len(params["energies"])
    atol = 16 * EPS * (1 + _zmax(params)) * (1 + np.log(n))
    return close(learn["predictive_entropy"], phys["entropy"], atol=atol)


def check_mean_energy(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """U = −∂ log Z/∂β, the derivative taken by central differences of the learning side's lse."""
    import numpy as np

    phys = c.physics.observe(params)
    beta = 1.0 / params["temperature"]
    h = 1e-5 * beta

    def lse(b: float) -> float:
        return c.learning.observe(c.translate(_at_temperature(params, 1.0 / b)))["log_normalizer"]

    derivative = -(lse(beta + h) - lse(beta - h)) / (2 * h)
    energies = np.asarray(params["energies"])
    p = phys["probabilities"]
    third = float(p @ np.abs(energies - phys["mean_energy"]) ** 3)
    # Truncation h²·|κ₃|/6 plus rounding of lse, eps·(1 + |log Z|)/h, with a safety factor 10.
    atol = 10 * (h**2 * third / 6 + EPS * (1 + abs(phys["log_partition_function"])) / h)
    return close(derivative, phys["mean_energy"], atol=atol, rtol=1e-7)


def check_heat_capacity_variance(c: Correspondence, params: dict[str, Any]) -> Comparison:
    import numpy as np

    phys, learn = _sides(c, params)
    z = np.unique(-np.asarray(params["energies"]) / params["temperature"])
    gap = float(np.min(np.diff(z))) if z.size > 1 else 1.0
    # Two conditionings: p_i ∝ e^(z_i − z_max) has relative error eps·max|z| (the exponent's
    # absolute error), and (z − ⟨z⟩)² has relative error eps·max|z|/gap.
    zmax = _zmax(params)
    rtol = 8 * EPS * len(params["energies"]) * (1 + zmax + zmax / gap)
    return close(learn["logit_variance"], phys["heat_capacity"], rtol=rtol, atol=1e-280)


def check_heat_capacity_response(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """C = T ∂S/∂T = dH/d log τ, by central differences in log τ of the predictive entropy."""
    import numpy as np

    phys = c.physics.observe(params)
    kT = params["temperature"]
    h = 1e-5

    def entropy(log_tau: float) -> float:
        tau = float(np.exp(log_tau))
        return c.learning.observe(c.translate(_at_temperature(params, tau)))["predictive_entropy"]

    derivative = (entropy(np.log(kT) + h) - entropy(np.log(kT) - h)) / (2 * h)
    n = len(params["energies"])
    # Rounding of H (eps·|z|·log n) amplified by 1/h; truncation is O(h²) relative (rtol).
    atol = 16 * EPS * (1 + _zmax(params)) * (1 + np.log(n)) / h
    return close(derivative, phys["heat_capacity"], rtol=1e-6, atol=atol)


def check_variational(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """β(⟨E⟩_q − kT S_q − F) = KL(q‖p) for the uniform q, every vertex q = e_i, and Gibbs at 2kT."""
    import numpy as np
    from scipy.special import entr, softmax

    phys, learn = _sides(c, params)
    energies = np.asarray(params["energies"], dtype=float)
    kT = params["temperature"]
    beta, free = 1.0 / kT, phys["free_energy"]
    n = energies.size
    trials = [np.full(n, 1.0 / n), softmax(-energies / (2 * kT)), *np.eye(n)]
    result = Comparison(True)
    for q in trials:
        mean_energy_q = float(q @ energies)
        entropy_q = float(entr(q).sum())
        lhs = beta * (mean_energy_q - free) - entropy_q
        support = q > 0
        kl = float(np.sum(q[support] * (np.log(q[support]) - learn["log_probabilities"][support])))
        atol = 8 * EPS * n * (1 + abs(beta * mean_energy_q) + abs(beta * free) + entropy_q)
        result = result & close(lhs, kl, atol=atol)
    return result


def check_shift(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """E → E + c leaves p, S, C unchanged and moves F and U by c; logits shift by −c/kT."""
    import numpy as np

    energies = np.asarray(params["energies"], dtype=float)
    shift = float(np.ptp(energies)) + 1.0
    moved = {**params, "energies": energies + shift}
    before, after = c.physics.observe(params), c.physics.observe(moved)
    learn_before = c.learning.observe(c.translate(params))
    learn_after = c.learning.observe(c.translate(moved))
    n = energies.size
    zmax = _zmax(moved)
    p_tol = 8 * EPS * (n + zmax)
    scale = abs(after["free_energy"]) + abs(shift) + params["temperature"]
    result = close(after["probabilities"], before["probabilities"], rtol=p_tol, atol=1e-300)
    result &= close(
        learn_after["probabilities"], learn_before["probabilities"], rtol=p_tol, atol=1e-300
    )
    result &= close(after["free_energy"], before["free_energy"] + shift, atol=8 * EPS * scale)
    result &= close(after["mean_energy"], before["mean_energy"] + shift, atol=8 * EPS * scale)
    result &= close(
        after["entropy"], before["entropy"], atol=16 * EPS * (1 + zmax) * (1 + np.log(n))
    )
    return result


def _ground_structure(energies: Any) -> tuple[int, float, int, float]:
    """Ground degeneracy g, first gap Δ₁ with degeneracy g₁, second gap Δ₂ (inf if none)."""
    import numpy as np

    levels, counts = np.unique(np.asarray(energies, dtype=float), return_counts=True)
    gaps = levels - levels[0]
    second = float(gaps[2]) if levels.size > 2 else float("inf")
    return int(counts[0]), float(gaps[1]), int(counts[1]), second


def low_temperature_strategy() -> Any:
    """Ground level (degeneracy g), first excited level (g₁), then levels ≥ Δ₂ above the ground."""
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        g = draw(st.integers(1, 4))
        g1 = draw(st.integers(1, 4))
        gap = 10.0 ** draw(st.floats(-3, 3))
        offset = draw(st.floats(-1e3, 1e3))
        rest = draw(st.lists(st.floats(0, 3), max_size=6))
        # The sweep starts at βΔ₁ = 10: levels at ≥ Δ₁(1.5 + 0.1·log n) keep the tail below 1e-3.
        n = g + g1 + len(rest)
        floor = gap * (1.5 + 0.1 * math.log(n))
        energies = [offset] * g + [offset + gap] * g1 + [offset + floor + gap * r for r in rest]
        return {"energies": energies, "temperature": gap / 10}

    return draw()


def check_low_temperature(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """As T → 0: ‖p − uniform_G‖₁ ≤ 2Σ e^(−βΔᵢ)/g, and (1 − p(G))·e^(βΔ₁) → g₁/g (within 1%)."""
    import numpy as np

    energies = np.asarray(params["energies"], dtype=float)
    g, gap, g1, _ = _ground_structure(energies)
    excitation = energies - energies.min()
    ground = excitation == 0
    result = Comparison(True)
    coefficient = float("nan")
    for x in (10.0, 15.0, 20.0, 25.0):  # x = βΔ₁
        kT = gap / x
        p = np.asarray(
            c.learning.observe(c.translate(_at_temperature(params, kT)))["probabilities"]
        )
        uniform = np.where(ground, 1.0 / g, 0.0)
        bound = 2 * np.sum(np.exp(-excitation[~ground] / kT)) / g
        result &= at_most(np.abs(p - uniform).sum(), bound * (1 + 1e-9) + 64 * EPS, label="l1")
        coefficient = float(p[~ground].sum() * np.exp(x))
    expected = g1 / g
    deviation = abs(coefficient - expected) / expected
    return Comparison(
        result.holds and deviation <= 0.01,
        abs_error=abs(coefficient - expected),
        rel_error=deviation,
        detail={
            "observed_coefficient": coefficient,
            "expected_coefficient": expected,
            "bound": 0.01,
            "beta_gap": 25.0,
        },
    )


def high_temperature_strategy() -> Any:
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(2, 32))
        x = draw(arrays(np.float64, n, elements=st.floats(-4, 4, allow_subnormal=False)))
        assume(np.ptp(x) > 1e-3)
        scale = 10.0 ** draw(st.floats(-3, 3))
        offset = draw(st.floats(-1e3, 1e3))
        energies = offset + scale * x
        spread = float(np.max(np.abs(energies - energies.mean())))
        return {"energies": energies.tolist(), "temperature": 10 * spread}

    return draw()


def check_high_temperature(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """As T → ∞: |log n − S − β² Var_u(E)/2| ≤ (β·max|E − Ē|)³ while β·max|E − Ē| ≤ 0.1."""
    import numpy as np

    energies = np.asarray(params["energies"], dtype=float)
    n = energies.size
    centred = energies - energies.mean()
    spread = float(np.max(np.abs(centred)))
    var_u = float(np.mean(centred**2))
    result = Comparison(True)
    remainders, controls = [], []
    for x in (0.1, 0.05, 0.025):  # x = β·max|E − Ē|
        kT = spread / x
        entropy = c.learning.observe(c.translate(_at_temperature(params, kT)))["predictive_entropy"]
        beta = 1.0 / kT
        remainder = abs(np.log(n) - entropy - beta**2 * var_u / 2)
        remainders.append(remainder + 1e-300)
        controls.append(x)
        result &= at_most(remainder, x**3 + 64 * EPS * np.log(n), label="cubic_remainder")
    order = float(np.polyfit(np.log(controls), np.log(remainders), 1)[0])
    ratio = max(r / x**3 for r, x in zip(remainders, controls, strict=True))
    return Comparison(
        result.holds,
        result.abs_error,
        ratio,
        detail={
            "observed_remainder_over_cubic_bound": ratio,
            "observed_order": order,
            "bound": 1.0,
        },
    )


# -- mutants ---------------------------------------------------------------------------------------


def _temperature_instead_of_inverse(c: Correspondence) -> Correspondence:
    import numpy as np

    return c.with_translate(
        lambda p: {"logits": -np.asarray(p["energies"], dtype=float) * p["temperature"]}
    )


def _free_energy_missing_kt(c: Correspondence) -> Correspondence:
    return c.with_physics_patch(lambda p, o: {"free_energy": -o["log_partition_function"]})


def _free_energy_sign(c: Correspondence) -> Correspondence:
    return c.with_physics_patch(
        lambda p, o: {"free_energy": p["temperature"] * o["log_partition_function"]}
    )


def _heat_capacity_power(c: Correspondence) -> Correspondence:
    return c.with_physics_patch(
        lambda p, o: {"heat_capacity": o["energy_variance"] / p["temperature"]}
    )


def _entropy_sign(c: Correspondence) -> Correspondence:
    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        beta = 1.0 / p["temperature"]
        return {"entropy": beta * (o["mean_energy"] + o["free_energy"])}

    return c.with_physics_patch(patch)


def _naive_softmax(c: Correspondence) -> Correspondence:
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        with np.errstate(over="ignore", invalid="ignore"):
            weights = np.exp(np.asarray(p["logits"], dtype=float))
            return {"probabilities": weights / weights.sum()}

    return c.with_learning_patch(patch)


GIBBS_SOFTMAX = Correspondence(
    id="gibbs-softmax",
    regime="exact",
    physics=PhysicalSystem(
        "canonical ensemble",
        "Microstates with energies E_i in contact with a heat bath at temperature kT.",
        (
            "probabilities",
            "log_partition_function",
            "free_energy",
            "mean_energy",
            "entropy",
            "heat_capacity",
            "energy_variance",
            "ground_state_energy",
        ),
        canonical_ensemble,
    ),
    learning=LearningMethod(
        "softmax over logits",
        "A classifier's output layer: probabilities softmax(z) from logits z.",
        (
            "probabilities",
            "log_probabilities",
            "log_normalizer",
            "predictive_entropy",
            "logit_variance",
        ),
        softmax_classifier,
    ),
    parameters=(ENERGIES, TEMPERATURE),
    translate=logits_from_energies,
    example={"energies": [0.0, 1.0, 2.0], "temperature": 0.5},
    examples=STRESS_EXAMPLES,
    strategy=gibbs_strategy,
    identities=(
        Identity(
            "boltzmann-weights-are-softmax",
            "exact",
            check_probabilities,
            "rtol 8·eps·(n + max|z|) per probability; atol 1e-300",
            "Each side rounds the exponent −β(E_i − E_min) differently, by up to eps·max|z|; "
            "a relative error of that size in every weight. Weights below 1e-300 are "
            "subnormal and carry no relative precision.",
        ),
        Identity(
            "log-partition-is-logsumexp",
            "exact",
            check_log_partition,
            "atol 8·eps·(1 + |log Z| + log n)",
            "log Z is a sum of −βE_min (rounded relative to itself) and a log of a sum in [1, n].",
        ),
        Identity(
            "free-energy-is-soft-minimum",
            "exact",
            check_free_energy,
            "atol 8·eps·(|F| + kT + |E_min|); bounds E_min − kT log n ≤ F ≤ E_min − kT log g",
            "F = −kT·lse(z) is a product of kT with log Z: its rounding is relative to |F|. "
            "The bounds hold exactly for g degenerate ground states.",
        ),
        Identity(
            "entropy-is-predictive-entropy",
            "exact",
            check_entropy,
            "atol 16·eps·(1 + max|z|)·(1 + log n)",
            "The softmax side forms log p = z − lse(z), each term rounded relative to "
            "max|z|; the physics side works on shifted energies and has no cancellation.",
        ),
        Identity(
            "mean-energy-is-log-partition-slope",
            "exact",
            check_mean_energy,
            "rtol 1e-7, or atol 10·(h²·⟨|E − U|³⟩/6 + eps·(1 + |log Z|)/h) with h = 1e-5·β",
            "Central differences: truncation from the third moment, rounding of lse "
            "amplified by 1/h.",
        ),
        Identity(
            "heat-capacity-is-logit-variance",
            "exact",
            check_heat_capacity_variance,
            "rtol 8·eps·n·(1 + max|z| + max|z|/gap); atol 1e-280",
            "Logits carry absolute errors eps·max|z|: a weight e^(z_i − z_max) is then off by "
            "eps·max|z| relative (which dominates when a rare level carries the variance), "
            "and a squared deviation by eps·max|z|/gap, relative to the smallest gap between "
            "distinct levels; variances below 1e-280 underflow.",
        ),
        Identity(
            "heat-capacity-is-entropy-response",
            "exact",
            check_heat_capacity_response,
            "rtol 1e-6, or atol 16·eps·(1 + max|z|)·(1 + log n)/h with h = 1e-5",
            "Central differences in log τ: O(h²) truncation, and the entropy's rounding "
            "amplified by 1/h.",
        ),
        Identity(
            "gibbs-variational-principle",
            "exact",
            check_variational,
            "atol 8·eps·n·(1 + |β⟨E⟩_q| + |βF| + S_q) per trial q",
            "β⟨E⟩_q and βF can both be ~1e6 while their difference is O(1): cancellation.",
        ),
        Identity(
            "energy-shift-is-logit-shift",
            "exact",
            check_shift,
            "p as in boltzmann-weights-are-softmax; F, U: atol 8·eps·(|F| + |c| + kT); "
            "S as in entropy-is-predictive-entropy",
            "Adding c to every energy changes only the reference of F and U; the logits "
            "move by −c/kT and the softmax does not see it.",
        ),
        Identity(
            "low-temperature-limit",
            "limit",
            check_low_temperature,
            "‖p − uniform_G‖₁ ≤ 2Σ e^(−βΔᵢ)/g at βΔ₁ = 10…25; (1 − p(G))·e^(βΔ₁) within 1% "
            "of g₁/g at βΔ₁ = 25",
            "The bound is exact. The coefficient's corrections are e^(−βΔ₁) and "
            "e^(−β(Δ₂ − Δ₁)), both below 1e-3 at βΔ₁ = 25 with the drawn level structure.",
            strategy=low_temperature_strategy,
            examples=({"energies": [0.0, 0.0, 1.0, 2.0, 2.5], "temperature": 0.1},),
        ),
        Identity(
            "high-temperature-limit",
            "limit",
            check_high_temperature,
            "|log n − S − β²Var_u(E)/2| ≤ (β·max|E − Ē|)³ at β·max|E − Ē| = 0.1, 0.05, 0.025",
            "The next term of the expansion is β³κ₃/3 with |κ₃| ≤ max|E − Ē|³; the "
            "observed order (3, or 4 for symmetric spectra) is reported.",
            strategy=high_temperature_strategy,
            examples=({"energies": [0.0, 1.0, 3.0], "temperature": 100.0},),
        ),
    ),
    mutants=(
        Mutant(
            "temperature-instead-of-inverse",
            "logits −E·kT instead of −E/kT",
            _temperature_instead_of_inverse,
            ("boltzmann-weights-are-softmax",),
        ),
        Mutant(
            "free-energy-missing-kt",
            "F = −log Z (the factor kT dropped)",
            _free_energy_missing_kt,
            ("free-energy-is-soft-minimum",),
        ),
        Mutant(
            "free-energy-sign",
            "F = +kT log Z (sign flipped)",
            _free_energy_sign,
            ("free-energy-is-soft-minimum",),
        ),
        Mutant(
            "heat-capacity-wrong-power",
            "C = Var(E)/kT instead of Var(E)/kT²",
            _heat_capacity_power,
            ("heat-capacity-is-logit-variance", "heat-capacity-is-entropy-response"),
        ),
        Mutant(
            "entropy-with-plus-free-energy",
            "S = β(U + F) instead of β(U − F)",
            _entropy_sign,
            ("entropy-is-predictive-entropy",),
        ),
        Mutant(
            "softmax-without-max-shift",
            "exp(z)/Σexp(z) without subtracting max z first",
            _naive_softmax,
            ("boltzmann-weights-are-softmax",),
        ),
    ),
)


# == maxwell-boltzmann-gaussian: the Maxwell–Boltzmann velocity distribution ↔ the Gaussian ====
#
# Two independent computations of one distribution:
#
# * the physics side is kinetic theory: the Boltzmann factor exp(−mv²/2kT) of a free particle,
#   normalised over d-dimensional velocity space, integrated over the sphere of radius v (the
#   Jacobian S_{d−1}v^{d−1}) for the speed, and over the energy shell (density of states
#   E^{d/2−1}) for the kinetic energy; closed forms with scipy.special's gammaln and gammainc;
# * the learning side is the Gaussian as statistics computes it: each component X_i ~ N(0, σ²)
#   with scipy.stats.norm, the norm ‖X‖ ~ σ·chi(d) with scipy.stats.chi, the quadratic form
#   c‖X‖² ~ cσ²·χ²_d with scipy.stats.chi2, the entropy of multivariate_normal, the mode as the
#   numerical argmax of the log-density, and KL divergences by quadrature.
#
# The dictionary: σ² = kT/m (scale σ = √(kT/m)), c = m/2. The tests add mpmath (high precision),
# scipy.stats.maxwell and gamma, textbook values for N₂ at 300 K and a sampling test.


def _kinetic_theory_inputs(params: dict[str, Any]) -> tuple[Any, float, float, int]:
    import numpy as np

    return (
        np.asarray(params["speeds"], dtype=float),
        float(params["temperature"]),
        float(params["mass"]),
        int(params.get("dimension", 3)),
    )


#: Trial velocity laws with the Maxwellian's ⟨v_x²⟩ = kT/m, and their differential entropies
#: as functions of σ (the physics side's closed forms).
TRIAL_LAWS = ("laplace", "uniform", "logistic")


def _trial_entropies(sigma: float) -> Any:
    import numpy as np

    return np.array(
        [
            1.0 + np.log(2.0 * sigma / np.sqrt(2.0)),  # Laplace, scale b = σ/√2
            np.log(2.0 * np.sqrt(3.0) * sigma),  # uniform on [−√3σ, √3σ]
            np.log(sigma * np.sqrt(3.0) / np.pi) + 2.0,  # logistic, scale s = √3σ/π
        ]
    )


def maxwell_boltzmann(params: dict[str, Any]) -> dict[str, Any]:
    """The ideal gas's velocity, speed and kinetic-energy distributions from the Boltzmann factor.

    With x = mv²/2kT: f(v) = S_{d−1} v^{d−1} (m/2πkT)^{d/2} e^{−x}, S_{d−1} = 2π^{d/2}/Γ(d/2);
    the fraction of molecules slower than v is the regularised incomplete gamma P(d/2, x).
    Everything is in log space, so kT/m from 1e-12 to 1e12 and v up to 1e3 thermal speeds
    neither overflow nor underflow. The trial laws of the maximum-entropy comparison share the
    gas's ⟨v_x²⟩ = kT/m, unless a ``trial_temperature`` kT′ gives them kT′/m (a boundary).
    """
    import numpy as np
    from scipy.special import gammainc, gammaln

    v, kT, m, d = _kinetic_theory_inputs(params)
    trial_thermal = float(params.get("trial_temperature", kT)) / m
    half = d / 2.0
    thermal = kT / m  # ⟨v_x²⟩ by equipartition
    log_sphere = np.log(2.0) + half * np.log(np.pi) - gammaln(half)
    x = m * v**2 / (2.0 * kT)  # the Boltzmann exponent E/kT
    log_velocity_normaliser = -half * np.log(2.0 * np.pi * thermal)
    energies = 0.5 * m * v**2
    ratio = np.exp(gammaln((d + 1) / 2.0) - gammaln(half))  # Γ((d+1)/2)/Γ(d/2)
    mean_speed = np.sqrt(2.0 * thermal) * ratio
    component_entropy = 0.5 * np.log(2.0 * np.pi * np.e * thermal)
    return {
        "speed_logpdf": log_sphere + log_velocity_normaliser + (d - 1) * np.log(v) - x,
        "speed_cdf": gammainc(half, x),
        "mean_speed": float(mean_speed),
        "rms_speed": float(np.sqrt(d * thermal)),
        "most_probable_speed": float(np.sqrt((d - 1) * thermal)),
        "speed_std": float(np.sqrt(thermal * (d - 2.0 * ratio**2))),
        "velocity_component_variance": float(thermal),
        "velocity_component_logpdf": -0.5 * np.log(2.0 * np.pi * thermal) - x,
        "kinetic_energies": energies,
        "kinetic_energy_logpdf": (half - 1.0) * np.log(energies)
        - energies / kT
        - gammaln(half)
        - half * np.log(kT),
        "mean_kinetic_energy": float(half * kT),
        "kinetic_energy_variance": float(half * kT**2),
        "velocity_entropy": float(d * component_entropy),
        "entropy_deficits": component_entropy - _trial_entropies(float(np.sqrt(trial_thermal))),
    }


def _kl_to_gaussian(law: str, sigma: float, spread: float | None = None) -> tuple[float, float]:
    """KL(q‖N(0, σ²)) for a zero-mean law q of standard deviation ``spread`` (σ unless given), by
    quadrature; with its error bound.

    Integrated over u = x/spread, so that the integrand has width O(1) whatever the scales are.
    """
    from scipy.integrate import quad

    spread = sigma if spread is None else spread
    log_norm = -0.5 * math.log(2.0 * math.pi * sigma**2)

    def log_gauss(x: float) -> float:
        return log_norm - x * x / (2.0 * sigma**2)

    if law == "laplace":
        b = spread / math.sqrt(2.0)

        def log_q(x: float) -> float:
            return -abs(x) / b - math.log(2.0 * b)

        pieces = [(-math.inf, 0.0), (0.0, math.inf)]  # the kink at 0
    elif law == "uniform":
        half_width = math.sqrt(3.0) * spread

        def log_q(x: float) -> float:
            return -math.log(2.0 * half_width)

        pieces = [(-math.sqrt(3.0), math.sqrt(3.0))]
    else:  # logistic
        s = spread * math.sqrt(3.0) / math.pi

        def log_q(x: float) -> float:
            z = -abs(x) / s
            return z - math.log(s) - 2.0 * math.log1p(math.exp(z))

        pieces = [(-math.inf, 0.0), (0.0, math.inf)]

    def integrand(u: float) -> float:
        x = spread * u
        lq = log_q(x)
        return spread * math.exp(lq) * (lq - log_gauss(x))

    value, error = 0.0, 0.0
    for low, high in pieces:
        piece, piece_error = quad(integrand, low, high, epsabs=1e-14, epsrel=1e-13, limit=200)
        value += piece
        error += piece_error
    return value, error


def gaussian_statistics(params: dict[str, Any]) -> dict[str, Any]:
    """The isotropic Gaussian N(0, σ²I_d) as a statistics library describes it (scipy.stats)."""
    import numpy as np
    from scipy import stats
    from scipy.optimize import minimize_scalar

    sigma = float(params["scale"])
    d = int(params["dimension"])
    points = np.asarray(params["points"], dtype=float)
    weight = float(params["quadratic_weight"])
    # Unfrozen calls: freezing a scipy.stats distribution costs more than evaluating it.
    energy_scale = weight * sigma**2
    values = weight * points**2

    # The mode: the argmax of the chi log-density (d − 1) log u − u²/2 in units of σ.
    def negative_log_density(u: float) -> float:
        return -((d - 1) * math.log(u) - u * u / 2) if u > 0 else math.inf

    upper = math.sqrt(d) + 4.0
    found = minimize_scalar(
        negative_log_density, bounds=(0.0, upper), method="bounded", options={"xatol": 1e-12}
    )
    mean, variance = (float(t) for t in stats.chi.stats(d, scale=sigma, moments="mv"))
    spread = float(params.get("trial_scale", sigma))  # the trial laws' standard deviation
    kl = [_kl_to_gaussian(law, sigma, spread) for law in TRIAL_LAWS]
    return {
        "norm_logpdf": stats.chi.logpdf(points, d, scale=sigma),
        "norm_cdf": stats.chi.cdf(points, d, scale=sigma),
        "norm_mean": mean,
        "norm_std": math.sqrt(variance),
        "norm_rms": math.sqrt(variance + mean**2),
        "norm_mode": float(found.x) * sigma,
        "component_variance": float(stats.norm.var(scale=sigma)),
        "component_logpdf": stats.norm.logpdf(points, scale=sigma),
        "quadratic_form_logpdf": stats.chi2.logpdf(values, d, scale=energy_scale),
        "quadratic_form_mean": float(stats.chi2.mean(d, scale=energy_scale)),
        "quadratic_form_variance": float(stats.chi2.var(d, scale=energy_scale)),
        "gaussian_entropy": float(
            stats.multivariate_normal.entropy(mean=np.zeros(d), cov=sigma**2 * np.eye(d))
        ),
        "kl_to_gaussian": np.array([value for value, _ in kl]),
        "kl_quadrature_error": np.array([error for _, error in kl]),
    }


def gaussian_from_gas(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: scale σ = √(kT/m), d = d, points = speeds, c = m/2 (E = c‖v‖²);
    the trial laws' spread √(kT′/m) (kT′ = kT unless a ``trial_temperature`` is given)."""
    return {
        "scale": math.sqrt(params["temperature"] / params["mass"]),
        "dimension": int(params.get("dimension", 3)),
        "points": params["speeds"],
        "quadratic_weight": params["mass"] / 2.0,
        "trial_scale": math.sqrt(
            params.get("trial_temperature", params["temperature"]) / params["mass"]
        ),
    }


MB_TEMPERATURE = Parameter(
    "temperature",
    "kT: Boltzmann's constant times the temperature, in energy units (J in SI)",
    "kT > 0",
    minimum=0.0,
    exclusive=True,
)
MASS = Parameter(
    "mass",
    "mass m of one molecule, in mass units consistent with kT (kg in SI)",
    "m > 0",
    minimum=0.0,
    exclusive=True,
)
SPEEDS = Parameter(
    "speeds",
    "speeds v at which to evaluate the distributions (m/s in SI: units of √(kT/m))",
    "v > 0",
    shape="(n,)",
    ndim=1,
    minimum=0.0,
    exclusive=True,
)
DIMENSION = Parameter(
    "dimension",
    "number of spatial dimensions d (3 for a real gas)",
    "integer 1 ≤ d ≤ 10",
    integer=True,
    minimum=1,
    maximum=10,
    neutral=lambda values: 3,
)


def maxwell_strategy() -> Any:
    """m and σ² = kT/m log-uniform (m ∈ [1e-27, 1e3], σ² ∈ [1e-12, 1e12]: SI gases and natural
    units), d = 3 or any of 1..10, speeds v = σ·r with r log-uniform in [1e-8, 1e3]."""
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        mass = 10.0 ** draw(st.floats(-27, 3))
        variance = 10.0 ** draw(st.floats(-12, 12))
        d = draw(st.one_of(st.just(3), st.integers(1, 10)))
        r = draw(st.lists(st.floats(-8, 3).map(lambda e: 10.0**e), min_size=1, max_size=8))
        sigma = math.sqrt(variance)
        return {
            "temperature": mass * variance,
            "mass": mass,
            "speeds": [sigma * ri for ri in r],
            "dimension": d,
        }

    return draw()


#: N₂ at 300 K in SI units: kT = k·300 K (k exact since 2019), m = 28.0134 u.
N2_AT_300K = {
    "temperature": 1.380649e-23 * 300.0,
    "mass": 28.0134 * 1.66053906660e-27,
    "speeds": [100.0, 421.997, 1000.0],
    "dimension": 3,
}

MAXWELL_EXAMPLES = (  # kT/m far from 1 (so scale/variance mix-ups show), tiny speeds for the CDF
    {
        "temperature": 2.5,
        "mass": 0.4,
        "speeds": [2.5e-8, 2.5e-5, 0.3, 2.5, 40.0, 2500.0],
        "dimension": 3,
    },
    {"temperature": 1e-9, "mass": 1e3, "speeds": [1e-14, 1e-6, 3e-6], "dimension": 3},
    {"temperature": 1e14, "mass": 1e2, "speeds": [1e-3, 1e6, 5e6], "dimension": 3},
    {"temperature": 0.3, "mass": 7.0, "speeds": [0.01, 0.2, 1.0], "dimension": 1},
    {"temperature": 4.0, "mass": 0.25, "speeds": [1e-6, 4.0, 12.0, 30.0], "dimension": 10},
)


def _mb_sides(c: Correspondence, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return c.physics.observe(params), c.learning.observe(c.translate(params))


def _reduced(params: dict[str, Any]) -> tuple[Any, float, int]:
    """r = v/σ, log(2πkT/m) and d: the sizes that set the rounding of the log-densities."""
    import numpy as np

    v, kT, m, d = _kinetic_theory_inputs(params)
    return v / np.sqrt(kT / m), float(np.log(2 * np.pi * kT / m)), d


def check_speed_density(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """log f(v) = log S_{d−1} + (d−1) log v − (d/2) log(2πkT/m) − mv²/2kT = chi(d).logpdf(v)."""
    import numpy as np

    phys, learn = _mb_sides(c, params)
    r, log_variance, d = _reduced(params)
    v = np.asarray(params["speeds"], dtype=float)
    # Each term is rounded relative to itself: the sum's error is eps times the sum of sizes.
    size = 4.0 + (d - 1) * np.abs(np.log(v)) + d / 2 * abs(log_variance) + r**2 / 2
    return close(learn["norm_logpdf"], phys["speed_logpdf"], atol=8 * EPS * size)


def check_speed_cdf(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """F(v) = P(d/2, mv²/2kT) = chi(d).cdf(v): the fraction of molecules slower than v."""
    phys, learn = _mb_sides(c, params)
    d = int(params.get("dimension", 3))
    # x = mv²/2kT carries ~3 eps; F's relative condition number in x is x·f/F ≤ d/2; gammainc
    # itself is good to a few eps.
    return close(learn["norm_cdf"], phys["speed_cdf"], rtol=16 * EPS * (2 + d), atol=1e-300)


def check_speed_moments(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Mean √(8kT/πm) (d = 3), rms √(dkT/m), std, and mode √((d−1)kT/m) = argmax of the chi
    log-density."""
    phys, learn = _mb_sides(c, params)
    d = int(params.get("dimension", 3))
    sigma = math.sqrt(params["temperature"] / params["mass"])
    rtol = 16 * EPS * (1 + d)
    result = close(learn["norm_mean"], phys["mean_speed"], rtol=rtol)
    result &= close(learn["norm_rms"], phys["rms_speed"], rtol=rtol)
    # std = σ√(d − 2Γ²ratio): cancellation amplifies by rms²/variance.
    amplification = phys["rms_speed"] ** 2 / phys["speed_std"] ** 2
    result &= close(learn["norm_std"], phys["speed_std"], rtol=rtol * amplification)
    # A numerical argmax of a smooth maximum is only good to ~√eps (relative to σ).
    result &= close(learn["norm_mode"], phys["most_probable_speed"], rtol=1e-7, atol=1e-7 * sigma)
    return result


def check_kinetic_energy(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """E = ½mv² ~ Gamma(d/2, scale kT) = (kT/2)·χ²_d: density, ⟨E⟩ = (d/2)kT, Var = (d/2)(kT)²."""
    import numpy as np

    phys, learn = _mb_sides(c, params)
    kT = float(params["temperature"])
    energies = np.asarray(phys["kinetic_energies"])
    d = int(params.get("dimension", 3))
    size = 4.0 + (d / 2) * (np.abs(np.log(energies)) + abs(np.log(kT))) + energies / kT
    result = close(
        learn["quadratic_form_logpdf"], phys["kinetic_energy_logpdf"], atol=8 * EPS * size
    )
    result &= close(learn["quadratic_form_mean"], phys["mean_kinetic_energy"], rtol=8 * EPS)
    result &= close(learn["quadratic_form_variance"], phys["kinetic_energy_variance"], rtol=8 * EPS)
    return result


def check_velocity_component(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Each velocity component is N(0, kT/m): the 1-D Boltzmann factor normalised is the Gaussian
    density, and equipartition ⟨½mv_x²⟩ = ½kT is its variance."""
    phys, learn = _mb_sides(c, params)
    r, log_variance, _ = _reduced(params)
    size = 4.0 + abs(log_variance) / 2 + r**2 / 2
    result = close(
        learn["component_logpdf"], phys["velocity_component_logpdf"], atol=8 * EPS * size
    )
    result &= close(learn["component_variance"], phys["velocity_component_variance"], rtol=8 * EPS)
    return result


def check_velocity_entropy(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """(d/2) log(2πe kT/m) = the differential entropy of N(0, (kT/m)·I_d)."""
    _, log_variance, d = _reduced(params)
    phys, learn = _mb_sides(c, params)
    atol = 8 * EPS * d * (2 + abs(log_variance))
    return close(learn["gaussian_entropy"], phys["velocity_entropy"], atol=atol)


def check_maximum_entropy(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """h(N(0, σ²)) − h(q) = KL(q‖N(0, σ²)) ≥ 0 for Laplace, uniform, logistic q of variance σ²."""
    import numpy as np

    phys, learn = _mb_sides(c, params)
    _, log_variance, _ = _reduced(params)
    gap = np.asarray(phys["entropy_deficits"])
    # The quadrature's own error bound, and the cancellation in h_N − h_q (|h| ~ |log σ|).
    atol = 10 * np.asarray(learn["kl_quadrature_error"]) + 16 * EPS * (2 + abs(log_variance))
    result = close(learn["kl_to_gaussian"], gap, atol=atol)
    return result & at_most(-gap.min(), 0.0, label="negative_gap")


# -- mutants of maxwell-boltzmann-gaussian ------------------------------------------------------


def _scale_is_variance(c: Correspondence) -> Correspondence:
    translate = c.translate

    def wrong(params: dict[str, Any]) -> dict[str, Any]:
        return {**translate(params), "scale": params["temperature"] / params["mass"]}

    return c.with_translate(wrong)


def _variance_doubled(c: Correspondence) -> Correspondence:
    translate = c.translate

    def wrong(params: dict[str, Any]) -> dict[str, Any]:
        return {**translate(params), "scale": math.sqrt(2 * params["temperature"] / params["mass"])}

    return c.with_translate(wrong)


def _speed_half_normal(c: Correspondence) -> Correspondence:
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        v = np.asarray(p["speeds"], dtype=float)
        variance = p["temperature"] / p["mass"]
        return {"speed_logpdf": 0.5 * np.log(2 / (np.pi * variance)) - v**2 / (2 * variance)}

    return c.with_physics_patch(patch)


def _mean_is_rms(c: Correspondence) -> Correspondence:
    return c.with_physics_patch(lambda p, o: {"mean_speed": o["rms_speed"]})


def _entropy_without_e(c: Correspondence) -> Correspondence:
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        d = int(p.get("dimension", 3))
        variance = p["temperature"] / p["mass"]
        component = 0.5 * np.log(2 * np.pi * variance)
        return {
            "velocity_entropy": d * component,
            "entropy_deficits": component - _trial_entropies(math.sqrt(variance)),
        }

    return c.with_physics_patch(patch)


def _erf_cdf(c: Correspondence) -> Correspondence:
    import numpy as np
    from scipy.special import erf

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if int(p.get("dimension", 3)) != 3:
            return {}
        r = np.asarray(p["speeds"], dtype=float) / math.sqrt(p["temperature"] / p["mass"])
        return {
            "speed_cdf": erf(r / math.sqrt(2)) - math.sqrt(2 / math.pi) * r * np.exp(-r * r / 2)
        }

    return c.with_physics_patch(patch)


def trial_temperature_strategy() -> Any:
    """Boundary: the gas of ``maxwell_strategy`` with trial laws at kT′ = r·kT, r log-uniform in
    [0.1, 10] and at least 2 % away from 1."""
    from hypothesis import strategies as st

    ratio = st.one_of(st.floats(0.01, 1), st.floats(-1, -0.01)).map(lambda e: 10.0**e)
    return st.tuples(maxwell_strategy(), ratio).map(
        lambda pair: {**pair[0], "trial_temperature": pair[1] * pair[0]["temperature"]}
    )


MAXWELL_BOUNDARIES = (
    Boundary(
        "trial-law-at-another-temperature",
        "the constraint that fixes the maximum (trial laws with the gas's ⟨v_x²⟩ = kT/m)",
        "maximum-entropy-gap-is-kl",
        trial_temperature_strategy,
        "The Maxwellian maximises entropy only among laws of the same mean kinetic energy. A "
        "trial law at kT′ has KL(q‖N) = h(N) − h(q) + (T′/T − 1)/2, and a hotter one can have "
        "more entropy than the gas (the Laplace law at T′ = 2T: h(N) − h(q) = −0.274).",
        examples=(
            {
                "temperature": 1.0,
                "mass": 1.0,
                "speeds": [1.0],
                "dimension": 3,
                "trial_temperature": 0.5,
            },
        ),
    ),
)

MAXWELL_BOLTZMANN_GAUSSIAN = Correspondence(
    id="maxwell-boltzmann-gaussian",
    regime="exact",
    physics=PhysicalSystem(
        "Maxwell–Boltzmann gas",
        "Molecules of mass m in an ideal classical gas at temperature kT: velocity, speed and "
        "kinetic-energy distributions from the Boltzmann factor exp(−mv²/2kT).",
        (
            "speed_logpdf",
            "speed_cdf",
            "mean_speed",
            "rms_speed",
            "most_probable_speed",
            "speed_std",
            "velocity_component_variance",
            "velocity_component_logpdf",
            "kinetic_energies",
            "kinetic_energy_logpdf",
            "mean_kinetic_energy",
            "kinetic_energy_variance",
            "velocity_entropy",
            "entropy_deficits",
        ),
        maxwell_boltzmann,
    ),
    learning=LearningMethod(
        "isotropic Gaussian",
        "X ~ N(0, σ²I_d) as scipy.stats describes it: components norm, ‖X‖ chi(d), c‖X‖² a "
        "scaled χ²_d; entropy, argmax, KL divergences by quadrature.",
        (
            "norm_logpdf",
            "norm_cdf",
            "norm_mean",
            "norm_std",
            "norm_rms",
            "norm_mode",
            "component_variance",
            "component_logpdf",
            "quadratic_form_logpdf",
            "quadratic_form_mean",
            "quadratic_form_variance",
            "gaussian_entropy",
            "kl_to_gaussian",
            "kl_quadrature_error",
        ),
        gaussian_statistics,
    ),
    parameters=(MB_TEMPERATURE, MASS, SPEEDS, DIMENSION),
    translate=gaussian_from_gas,
    example=N2_AT_300K,
    examples=MAXWELL_EXAMPLES,
    strategy=maxwell_strategy,
    boundaries=MAXWELL_BOUNDARIES,
    identities=(
        Identity(
            "speed-density-is-chi",
            "exact",
            check_speed_density,
            "atol 8·eps·(4 + (d−1)|log v| + (d/2)|log(2πkT/m)| + r²/2), r = v/√(kT/m)",
            "The log-density is a sum of terms each rounded relative to its own size; in log "
            "space nothing underflows (the density itself does beyond r ≈ 38.6).",
        ),
        Identity(
            "speed-cdf-is-chi-cdf",
            "exact",
            check_speed_cdf,
            "rtol 16·eps·(2 + d)",
            "x = mv²/2kT is rounded to ~3 eps and P(d/2, x) has relative condition number "
            "≤ d/2 in x; the incomplete gamma function is accurate to a few eps. The erf form "
            "of the d = 3 CDF is not used: it cancels to 0 at r = 1e-8.",
        ),
        Identity(
            "characteristic-speeds-are-chi-moments",
            "exact",
            check_speed_moments,
            "mean, rms: rtol 16·eps·(1 + d); std: that times rms²/Var; mode: rtol 1e-7 "
            "(atol 1e-7·σ for d = 1, where it is 0)",
            "Closed forms with log-gamma on one side, scipy.stats moments on the other; the "
            "std cancels (d − 2Γ-ratio²); a numerical argmax of a smooth maximum resolves only "
            "~√eps.",
        ),
        Identity(
            "kinetic-energy-is-scaled-chi-square",
            "exact",
            check_kinetic_energy,
            "log-density atol 8·eps·(4 + (d/2)(|log E| + |log kT|) + E/kT); mean and "
            "variance rtol 8·eps",
            "Sums of terms rounded relative to their size; the moments are one or two products.",
        ),
        Identity(
            "velocity-component-is-gaussian",
            "exact",
            check_velocity_component,
            "log-density atol 8·eps·(4 + |log(2πkT/m)|/2 + r²/2); variance rtol 8·eps",
            "σ² = (√(kT/m))² on one side and kT/m on the other differ by a few roundings.",
        ),
        Identity(
            "velocity-entropy-is-gaussian-entropy",
            "exact",
            check_velocity_entropy,
            "atol 8·eps·d·(2 + |log(2πkT/m)|)",
            "A sum of d logarithms of size |log(2πe kT/m)|.",
        ),
        Identity(
            "maximum-entropy-gap-is-kl",
            "exact",
            check_maximum_entropy,
            "atol 10 × quadrature error estimate + 16·eps·(2 + |log(2πkT/m)|); gap ≥ 0",
            "The KL side is a numerical integral (its error bound is quad's); the entropy side "
            "is a difference of two entropies of size |log σ|, which cancels.",
        ),
    ),
    mutants=(
        Mutant(
            "variance-used-as-scale",
            "scale = kT/m instead of √(kT/m)",
            _scale_is_variance,
            ("speed-density-is-chi", "characteristic-speeds-are-chi-moments"),
        ),
        Mutant(
            "variance-doubled",
            "σ² = 2kT/m (the most probable speed² in 3-D taken for the variance)",
            _variance_doubled,
            ("characteristic-speeds-are-chi-moments", "kinetic-energy-is-scaled-chi-square"),
        ),
        Mutant(
            "speed-as-half-normal",
            "the speed density taken as |N(0, kT/m)|: the Jacobian S_{d−1}v^{d−1} forgotten",
            _speed_half_normal,
            ("speed-density-is-chi",),
        ),
        Mutant(
            "mean-speed-is-rms-speed",
            "the mean speed returned as the rms speed √(3kT/m) (ratio √(3π/8) = 1.085)",
            _mean_is_rms,
            ("characteristic-speeds-are-chi-moments",),
        ),
        Mutant(
            "gaussian-entropy-without-e",
            "h = ½ log(2πσ²) per component instead of ½ log(2πeσ²)",
            _entropy_without_e,
            ("velocity-entropy-is-gaussian-entropy", "maximum-entropy-gap-is-kl"),
        ),
        Mutant(
            "speed-cdf-by-erf",
            "the d = 3 CDF as erf(r/√2) − √(2/π)·r·e^(−r²/2), which cancels catastrophically at "
            "small r",
            _erf_cdf,
            ("speed-cdf-is-chi-cdf",),
        ),
    ),
)


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    return [GIBBS_SOFTMAX, MAXWELL_BOLTZMANN_GAUSSIAN]
