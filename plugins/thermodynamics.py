"""Thermodynamics plugin: the canonical (Gibbs) ensemble and the softmax.

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
from physml_plugins import catalog_folder

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
    rtol = 8 * EPS * len(params["energies"]) * (1 + _zmax(params) / gap)
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
            "rtol 8·eps·n·(1 + max|z|/gap); atol 1e-280",
            "Differences of logits carry absolute errors eps·max|z|, relative to the "
            "smallest gap between distinct levels; variances below 1e-280 underflow.",
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


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    return [GIBBS_SOFTMAX]


@hookimpl
def physml_catalog_dirs() -> list[Any]:
    return [catalog_folder()]
