"""Path-integral plugin: the saddle-point (semiclassical) expansion and Bayesian evidence.

``path-integral-laplace`` (essay §1.2): the partition function Z = ∫ exp(−S(w)/ħ) dw of a
Euclidean action is the evidence p(D) = ∫ p(D|w) p(w) dw of a Bayesian model whose negative log
joint is S. Two parameter families:

* the linear-Gaussian model y = Xw + ε, w ~ N(0, I/α), ε ~ N(0, σ²I): a quadratic ("free")
  action with a source, for which the saddle point plus the one-loop determinant is exact;
* the Beta–Bernoulli integral ∫₀¹ θ^(nq)(1 − θ)^(n(1−q)) dθ, with ħ = 1/n: a non-Gaussian action
  whose two-loop coefficient c₁ = 5S₃²/(24S₂³) − S₄/(8S₂²) is the O(1/n) error of the Laplace
  approximation.

Why the sides are independent:

* the physics side works in weight space, in normal modes: the singular value decomposition of
  X/σ diagonalises the fluctuation operator A = XᵀX/σ² + αI, the classical solution is found mode
  by mode, the action is evaluated at it, and each mode contributes its Gaussian integral
  ½ log(2π/λ_k). For the Beta integral it evaluates the action's derivatives at the saddle and
  sums the three two-loop vacuum diagrams;
* the learning side works as a statistician does: the exact evidence is the density of the
  marginal y ~ N(0, σ²I + XXᵀ/α), from a Cholesky factor of that n × n covariance; the MAP is
  ridge regression solved by a QR factorisation of the augmented design [X/σ; √α·I], whose R
  factor also gives the Hessian's determinant and the posterior covariance (the Laplace
  approximation). For the Beta–Bernoulli model the exact evidence is a Beta function (``betaln``).

Three factorisations (SVD, Cholesky, QR) in two spaces (d × d weight space, n × n data space) share
no arithmetic beyond reading the parameters. The tests add scipy's ``multivariate_normal``,
adaptive quadrature, Stirling's series and mpmath as third parties.

The module is organised by correspondence (5A here; the lattice path integral ↔ Gaussian-process
entry of 5B is to join it), each block with its sides, parameters, strategies, identities and
mutants, and one list of correspondences for the hook at the bottom.
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
from physml.compare import EPS, close
from physml_plugins import catalog_folder

LOG_2PI = math.log(2 * math.pi)

# =================================================================================================
# 5A. path-integral-laplace: saddle-point expansion ↔ Laplace approximation of the evidence
# =================================================================================================

#: The second parameter family (identities LA-2 and LA-3): a dict with this ``family`` key.
BETA = "beta-bernoulli"
#: Largest accepted conditioning κ = ‖X‖₂²/(α σ²) (spec 5A(c)).
MAX_CONDITIONING = 1e8
#: Largest number of observations: the learning side factorises an n × n covariance.
MAX_OBSERVATIONS = 5000
#: The sample sizes n = 1/ħ of the limit identities: 10, 20, 40, ..., 1280.
SWEEP = tuple(10 * 2**j for j in range(8))


def _is_beta(params: dict[str, Any]) -> bool:
    return params.get("family") == BETA


def _linear_gaussian(params: dict[str, Any]) -> tuple[Any, Any, float, float]:
    import numpy as np

    design = np.asarray(params["design"], dtype=float)
    targets = np.asarray(params["targets"], dtype=float)
    return design, targets, float(params["prior_precision"]), float(params["noise_variance"])


# -- physics side: the Euclidean path integral of a quadratic action ----------------------------


def gaussian_path_integral(params: dict[str, Any]) -> dict[str, Any]:
    """Z = ∫ exp(−S(w)) dw for the quadratic action of a free field w with a source.

    S(w) = ‖y − Xw‖²/(2σ²) + α‖w‖²/2 + (n/2) log 2πσ² − (d/2) log(α/2π) = ½wᵀAw − Jᵀw + S₀,
    with fluctuation operator A = XᵀX/σ² + αI and source J = Xᵀy/σ². The normal modes of A come
    from the SVD X/σ = U diag(s) V_rᵀ: stiffness λ_k = α + s_k² along the columns of V_r, and α
    along the d − r directions X does not see. The saddle point is exact for a Gaussian:
    log Z = −S(w_cl) + (d/2) log 2π − ½ log det A.
    """
    import numpy as np

    design, targets, alpha, noise = _linear_gaussian(params)
    n, d = design.shape
    sigma = math.sqrt(noise)
    u, s, vt = np.linalg.svd(design / sigma, full_matrices=False)  # vt: r × d, r = min(n, d)
    r = s.size
    stiffness = alpha + s**2  # λ_k of the modes X sees
    free_modes = d - r  # modes with stiffness α only (d > n)
    # Classical solution, mode by mode: the source along mode k is s_k·(Uᵀy)_k/σ.
    source_modes = s * (u.T @ targets) / sigma
    classical = vt.T @ (source_modes / stiffness)
    residual = targets - design @ classical
    classical_action = (
        float(residual @ residual) / (2 * noise) + alpha * float(classical @ classical) / 2
        + n / 2 * (LOG_2PI + math.log(noise)) - d / 2 * (math.log(alpha) - LOG_2PI)
    )
    log_det = float(np.sum(np.log(stiffness))) + free_modes * math.log(alpha)
    one_loop = d / 2 * LOG_2PI - log_det / 2  # Σ_k ½ log(2π/λ_k)
    # Propagator A⁻¹ = V_r diag(1/λ) V_rᵀ + P₀/α, with P₀ = I − V_r V_rᵀ the projector on the
    # modes X does not see (absent when d ≤ n: forming it then would cancel I/α against V V ᵀ/α).
    propagator = (vt.T / stiffness) @ vt
    if free_modes:
        propagator += (np.eye(d) - vt.T @ vt) / alpha
    stiffnesses = np.concatenate([stiffness, np.full(free_modes, alpha)])
    return {
        "log_partition_function": -classical_action + one_loop,
        "classical_solution": classical,
        "classical_action": classical_action,
        "one_loop": one_loop,
        "fluctuation_log_determinant": log_det,
        "propagator": propagator,
        "mode_stiffnesses": stiffnesses,
    }


def two_loop_coefficient(s2: Any, s3: Any, s4: Any) -> Any:
    """c₁ of log Z = −S*/ħ + ½ log(2πħ/S₂) + ħ·c₁ + O(ħ²), as the sum of three vacuum diagrams.

    With the propagator G = 1/S₂: the figure-eight −S₄G²/8, the dumbbell S₃²G³/8 and the sunset
    S₃²G³/12; together 5S₃²/(24S₂³) − S₄/(8S₂²).
    """
    propagator = 1.0 / s2
    figure_eight = -s4 * propagator**2 / 8
    dumbbell = s3**2 * propagator**3 / 8
    sunset = s3**2 * propagator**3 / 12
    return figure_eight + dumbbell + sunset


def beta_saddle_point(params: dict[str, Any]) -> dict[str, Any]:
    """Z(ħ) = ∫₀¹ exp(−S(θ)/ħ) dθ with S(θ) = −q log θ − (1 − q) log(1 − θ), by the loop expansion.

    The saddle is θ* = q and S(θ*) is the binary entropy of q. The prior of the Bayesian version
    (LA-3) is an O(ħ⁰) term of the action: it moves the saddle by O(ħ) but not c₁, so it is not
    part of this side.
    """
    import numpy as np

    q = float(params["success_fraction"])
    hbar = np.asarray(params["hbar"], dtype=float)
    p, r = q, 1.0 - q
    action = -(p * math.log(p) + r * math.log1p(-p))
    s2 = 1 / p + 1 / r  # = 1/(q(1−q))
    s3 = -2 / p**2 + 2 / r**2
    s4 = 6 / p**3 + 6 / r**3
    c1 = float(two_loop_coefficient(s2, s3, s4))
    one_loop = -action / hbar + 0.5 * np.log(2 * np.pi * hbar / s2)
    return {
        "saddle_point": q,
        "classical_action": action,
        "action_derivatives": np.array([s2, s3, s4]),
        "loop_coefficient": c1,
        "one_loop_log_z": one_loop,
        "two_loop_log_z": one_loop + hbar * c1,
    }


def path_integral(params: dict[str, Any]) -> dict[str, Any]:
    """The physics side: the Gaussian path integral, or the Beta saddle-point integral."""
    return beta_saddle_point(params) if _is_beta(params) else gaussian_path_integral(params)


# -- learning side: Bayesian evidence and its Laplace approximation ------------------------------


def bayesian_linear_regression(params: dict[str, Any], *, expand_at: str = "map") -> dict[str, Any]:
    """Evidence of Bayesian linear regression, exactly and by the Laplace approximation.

    Exact: y ~ N(0, C) with C = σ²I + XXᵀ/α, from the Cholesky factor L of C:
    log p(y) = −½‖L⁻¹y‖² − Σ log L_ii − (n/2) log 2π. Laplace: ridge regression by QR of
    B = [X/σ; √α·I] gives the MAP and R with RᵀR = H (the Hessian of −log p(y, w));
    log p(y) ≈ log p(y|w*) + log p(w*) + (d/2) log 2π − ½ log det H.
    ``expand_at="mle"`` expands about the maximum-likelihood weights instead (a mutant).
    """
    import numpy as np
    from scipy.linalg import cho_factor, qr, solve_triangular

    design, targets, alpha, noise = _linear_gaussian(params)
    n, d = design.shape
    scaled = design / math.sqrt(alpha)
    covariance = noise * np.eye(n) + scaled @ scaled.T
    factor, _ = cho_factor(covariance, lower=True)
    whitened = solve_triangular(factor, targets, lower=True)
    log_evidence = (-0.5 * float(whitened @ whitened) - float(np.sum(np.log(np.diag(factor))))
                    - n / 2 * LOG_2PI)

    sigma = math.sqrt(noise)
    augmented = np.vstack([design / sigma, math.sqrt(alpha) * np.eye(d)])
    q_factor, r_factor = qr(augmented, mode="economic")
    rhs = q_factor[:n].T @ (targets / sigma)
    map_estimate = solve_triangular(r_factor, rhs)
    hessian_log_det = 2 * float(np.sum(np.log(np.abs(np.diag(r_factor)))))
    r_inverse = solve_triangular(r_factor, np.eye(d))
    posterior_covariance = r_inverse @ r_inverse.T

    def log_likelihood(w: Any) -> float:
        residual = targets - design @ w
        return -float(residual @ residual) / (2 * noise) - n / 2 * (LOG_2PI + math.log(noise))

    def log_prior(w: Any) -> float:
        return -alpha * float(w @ w) / 2 + d / 2 * (math.log(alpha) - LOG_2PI)

    mode = map_estimate
    if expand_at == "mle":
        mode = np.linalg.lstsq(design, targets, rcond=None)[0]
    log_occam = log_prior(mode) + d / 2 * LOG_2PI - hessian_log_det / 2
    return {
        "log_evidence": log_evidence,
        "laplace_log_evidence": log_likelihood(mode) + log_occam,
        "map_estimate": map_estimate,
        "posterior_covariance": posterior_covariance,
        "log_likelihood_at_map": log_likelihood(map_estimate),
        "log_prior_at_map": log_prior(map_estimate),
        "log_occam_factor": log_occam,
        "hessian_log_determinant": hessian_log_det,
    }


def beta_bernoulli_evidence(params: dict[str, Any], *, expand_at: str = "map") -> dict[str, Any]:
    """Evidence of k successes in n Bernoulli trials under a Beta(a, b) prior, and its Laplace.

    Exact: p(D) = B(a + k, b + n − k)/B(a, b) (``scipy.special.betaln``). Laplace in θ at the
    posterior mode θ* = (k + a − 1)/(n + a + b − 2), with H = −∂²log p(D, θ)/∂θ² there.
    """
    import numpy as np
    from scipy.special import betaln

    k = np.asarray(params["successes"], dtype=float)
    n = np.asarray(params["trials"], dtype=float)
    a, b = float(params["prior_a"]), float(params["prior_b"])
    heads, tails = k + a - 1, n - k + b - 1  # exponents of θ and 1 − θ in the posterior
    log_prior_norm = betaln(a, b)
    exact = betaln(a + k, b + n - k) - log_prior_norm
    mode = heads / (heads + tails) if expand_at == "map" else k / n
    # A mode on the boundary (heads ≤ 0 or tails ≤ 0) has no Laplace approximation: NaN there.
    with np.errstate(divide="ignore", invalid="ignore"):
        log_joint = heads * np.log(mode) + tails * np.log1p(-mode) - log_prior_norm
        curvature = heads / mode**2 + tails / (1 - mode) ** 2
        interior = (heads > 0) & (tails > 0)
        log_det = np.where(interior, np.log(np.where(interior, curvature, 1.0)), np.nan)
        laplace = np.where(interior, log_joint + 0.5 * LOG_2PI - 0.5 * log_det, np.nan)
    return {
        "log_evidence": exact,
        "laplace_log_evidence": laplace,
        "map_estimate": heads / (heads + tails),
        "hessian_log_determinant": log_det,
        "posterior_sd": np.exp(-0.5 * log_det),
    }


def bayesian_evidence(params: dict[str, Any], *, expand_at: str = "map") -> dict[str, Any]:
    """The learning side: Bayesian linear regression, or the Beta–Bernoulli model."""
    if _is_beta(params):
        return beta_bernoulli_evidence(params, expand_at=expand_at)
    return bayesian_linear_regression(params, expand_at=expand_at)


def model_from_action(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code. The Gaussian action's coefficients are the model's (identity map);
    for the Beta integral ħ = 1/n: ``trials`` n = 1/ħ and ``successes`` k = q/ħ."""
    import numpy as np

    if not _is_beta(params):
        return dict(params)
    hbar = np.asarray(params["hbar"], dtype=float)
    return {
        "family": BETA,
        "trials": 1 / hbar,
        "successes": params["success_fraction"] / hbar,
        "prior_a": params.get("prior_a", 1.0),
        "prior_b": params.get("prior_b", 1.0),
    }


# -- parameters, validation and strategies -------------------------------------------------------

DESIGN = Parameter(
    "design", "design matrix X: one row per observation, one column per weight", "finite reals",
    shape="(n, d)", ndim=2,
)
TARGETS = Parameter(
    "targets", "observed targets y, one per row of the design", "finite reals",
    shape="(n,)", ndim=1,
)
PRIOR_PRECISION = Parameter(
    "prior_precision", "α: the weights' prior is N(0, I/α); the mass term of the action",
    "α > 0", minimum=0.0, exclusive=True,
)
NOISE_VARIANCE = Parameter(
    "noise_variance", "σ²: the variance of the Gaussian observation noise", "σ² > 0",
    minimum=0.0, exclusive=True,
)


def conditioning(params: dict[str, Any]) -> dict[str, float]:
    """κ = ‖X‖₂²/(ασ²) and the extreme stiffnesses λ of A = XᵀX/σ² + αI, from the parameters."""
    import numpy as np

    design, _, alpha, noise = _linear_gaussian(params)
    with np.errstate(over="ignore", invalid="ignore"):
        s = np.linalg.svd(design / math.sqrt(noise), compute_uv=False)
        top = float(s[0]) ** 2
        bottom = float(s[-1]) ** 2 if design.shape[0] >= design.shape[1] else 0.0
    return {
        "kappa": top / alpha,
        "stiffness_max": alpha + top,
        "stiffness_min": alpha + bottom,
        "condition": (alpha + top) / (alpha + bottom),
    }


def validate_linear_gaussian(values: dict[str, Any]) -> None:
    """One target per row of the design, n ≤ 5000, κ = ‖X‖₂²/(ασ²) ≤ 1e8, ‖y‖²/σ² finite."""
    import numpy as np

    design, targets = values["design"], values["targets"]
    n = design.shape[0]
    if targets.shape[0] != n:
        raise ParameterError(
            "targets",
            f"must have one entry per row of design: design has {n} rows, targets has "
            f"{targets.shape[0]} entries",
        )
    if n > MAX_OBSERVATIONS:
        raise ParameterError(
            "design",
            f"has {n} rows; at most {MAX_OBSERVATIONS} are accepted (the exact evidence "
            "factorises the n × n marginal covariance)",
        )
    kappa = conditioning(values)["kappa"]
    if not kappa <= MAX_CONDITIONING:
        shown = f"{kappa:.3g}" if math.isfinite(kappa) else "beyond float64 range"
        raise ParameterError(
            "design",
            f"the problem is too ill-conditioned: κ = ‖X‖₂²/(α·σ²) = {shown} exceeds "
            f"{MAX_CONDITIONING:.0e} (the marginal covariance σ²I + XXᵀ/α is numerically "
            "singular); increase prior_precision or noise_variance, or rescale the design",
        )
    with np.errstate(over="ignore"):
        fit = float(np.sum((targets / math.sqrt(values["noise_variance"])) ** 2))
    if not math.isfinite(fit):
        raise ParameterError(
            "targets", "are too large for the noise variance: ‖y‖²/σ² overflows float64")


def linear_gaussian_strategy() -> Any:
    """Spec 5A(c): n ≤ 40, d ≤ 15, X entries up to 3·10^U(−2,2), σ² ∈ [1e-3, 1e2] and
    α ∈ [1e-3, 1e3] log-uniform with κ ≤ 1e8; targets noise-like or fitted exactly (y in the
    column space of X, the cancellation-prone case), and repeated columns (rank deficiency)."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    finite = {"allow_nan": False, "allow_infinity": False, "allow_subnormal": False}

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(1, 40))
        d = draw(st.integers(1, 15))
        x = draw(arrays(np.float64, (n, d), elements=st.floats(-3, 3, **finite)))
        design = x * 10.0 ** draw(st.floats(-2, 2))
        if d > 1 and draw(st.booleans()):
            design[:, -1] = design[:, 0]  # a repeated regressor
        noise = 10.0 ** draw(st.floats(-3, 2))
        norm = float(np.linalg.norm(design, 2))
        # log α ∈ [−3, 3], raised where needed so that κ = ‖X‖²/(ασ²) ≤ 1e8.
        if norm > 0:
            floor = max(-3.0, 2 * math.log10(norm) - math.log10(noise * MAX_CONDITIONING))
        else:
            floor = -3.0
        assume(floor <= 3.0)
        alpha = 10.0 ** draw(st.floats(floor, 3.0))
        scale = 10.0 ** draw(st.floats(-1, 1))
        if draw(st.booleans()):
            targets = draw(arrays(np.float64, n, elements=st.floats(-3, 3, **finite))) * scale
        else:
            weights = draw(arrays(np.float64, d, elements=st.floats(-3, 3, **finite)))
            targets = design @ weights * scale
        params = {"design": design.tolist(), "targets": targets.tolist(),
                  "prior_precision": alpha, "noise_variance": noise}
        assume(conditioning(params)["kappa"] <= MAX_CONDITIONING)
        return params

    return draw()


def beta_uniform_prior_strategy() -> Any:
    """LA-2: q ∈ [0.1, 0.9] (interior saddle), uniform prior (the bare integral)."""
    from hypothesis import strategies as st

    return st.builds(
        lambda q: {"family": BETA, "success_fraction": q, "prior_a": 1.0, "prior_b": 1.0},
        st.floats(0.1, 0.9),
    )


def beta_prior_strategy() -> Any:
    """LA-3: q = k/n ∈ {0.1, …, 0.9} (k an integer for every n of the sweep), a, b ∈ [0.5, 10]
    log-uniform (U-shaped, flat and peaked priors)."""
    from hypothesis import strategies as st

    return st.builds(
        lambda m, a, b: {"family": BETA, "success_fraction": m / 10, "prior_a": 10.0**a,
                         "prior_b": 10.0**b},
        st.integers(1, 9), st.floats(math.log10(0.5), 1.0), st.floats(math.log10(0.5), 1.0),
    )


# A straight line y ≈ w₀ + w₁x through six points: intercept and slope, correlated a posteriori.
WORKED_EXAMPLE = {
    "design": [[1.0, 0.0], [1.0, 0.5], [1.0, 1.0], [1.0, 1.5], [1.0, 2.0], [1.0, 2.5]],
    "targets": [0.4, 1.0, 1.2, 1.8, 2.1, 2.4],
    "prior_precision": 1.0,
    "noise_variance": 0.5,
}

# Examples that always run: α ≠ 1 (a precision/variance swap is invisible at α = 1); a large α
# (strong shrinkage: the MLE is far from the MAP); d > n (modes the data do not see); n = d = 1;
# κ close to 1e8; a target vector fitted exactly by tiny noise.
STRESS_EXAMPLES = (
    {"design": [[1.0, -1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 2.0]], "targets": [3.0, 5.0, 6.0, 8.5],
     "prior_precision": 1000.0, "noise_variance": 0.1},
    {"design": [[0.5, 2.0, -1.0, 0.0], [1.5, -0.5, 0.25, 3.0]], "targets": [1.0, -2.0],
     "prior_precision": 0.01, "noise_variance": 2.0},
    {"design": [[2.0]], "targets": [-3.0], "prior_precision": 4.0, "noise_variance": 0.25},
    {"design": [[100.0, 0.0], [0.0, 1.0], [100.0, 1.0]], "targets": [1.0, 2.0, 3.0],
     "prior_precision": 0.02, "noise_variance": 0.0125},
    {"design": [[1.0, 0.1], [1.0, 0.2], [1.0, 0.3], [1.0, 0.4], [1.0, 0.5]],
     "targets": [0.52, 0.54, 0.56, 0.58, 0.60], "prior_precision": 1e-3, "noise_variance": 1e-3},
)

BETA_UNIFORM_EXAMPLES = tuple(
    {"family": BETA, "success_fraction": q, "prior_a": 1.0, "prior_b": 1.0}
    for q in (0.5, 0.3, 0.1, 0.9)
)
BETA_PRIOR_EXAMPLES = (
    {"family": BETA, "success_fraction": 0.3, "prior_a": 2.0, "prior_b": 3.0},
    {"family": BETA, "success_fraction": 0.1, "prior_a": 0.5, "prior_b": 0.5},
    {"family": BETA, "success_fraction": 0.9, "prior_a": 10.0, "prior_b": 1.0},
)


# -- identities: the linear-Gaussian family ------------------------------------------------------


def _sides(c: Correspondence, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return c.physics.observe(params), c.learning.observe(c.translate(params))


def check_laplace_exact(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """LA-1: log Z (saddle + one loop) = Laplace = exact log evidence, for a Gaussian action."""
    phys, learn = _sides(c, params)
    exact = learn["log_evidence"]
    kappa = conditioning(params)["kappa"]
    atol = max(1e-12, 10 * EPS * kappa) * (1 + abs(exact))
    return (close(phys["log_partition_function"], exact, atol=atol)
            & close(learn["laplace_log_evidence"], exact, atol=atol))


def _data_misfit(params: dict[str, Any], classical_action: float) -> float:
    """q = ‖y − Xw*‖²/σ² + α‖w*‖² = yᵀ(σ²I + XXᵀ/α)⁻¹y, from the classical action."""
    design, _, alpha, noise = _linear_gaussian(params)
    n, d = design.shape
    constants = n / 2 * (LOG_2PI + math.log(noise)) - d / 2 * (math.log(alpha) - LOG_2PI)
    return max(2 * (classical_action - constants), 0.0)


def _close_normwise(actual: Any, expected: Any, *, atol: float) -> Comparison:
    """``close`` elementwise, with the relative error reported against the largest entry."""
    import numpy as np

    result = close(actual, expected, atol=atol)
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    return Comparison(result.holds, result.abs_error, result.abs_error / max(scale, 1e-300))


def _norm(vector: Any) -> float:
    """The Euclidean norm without underflow (entries of 1e-200 square to zero)."""
    import numpy as np

    v = np.abs(np.asarray(vector, dtype=float))
    top = float(np.max(v)) if v.size else 0.0
    return top * float(np.linalg.norm(v / top)) if top > 0 else 0.0


def check_classical_solution(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """w_cl = w*. The least-squares residual ‖r‖ of [X/σ; √α·I]w ≈ [y/σ; 0] is at most ‖y‖/σ."""
    import numpy as np

    phys, learn = _sides(c, params)
    design, targets, _, noise = _linear_gaussian(params)
    n, d = design.shape
    cond = conditioning(params)
    w = np.asarray(phys["classical_solution"])
    residual = _norm(targets) / math.sqrt(noise)
    atol = (10 * (n + d) * EPS * math.sqrt(cond["condition"])
            * (_norm(w) + residual / math.sqrt(cond["stiffness_min"])))
    return _close_normwise(learn["map_estimate"], w, atol=atol)


def check_propagator(c: Correspondence, params: dict[str, Any]) -> Comparison:
    import numpy as np

    phys, learn = _sides(c, params)
    n, d = np.shape(params["design"])
    cond = conditioning(params)
    atol = 10 * (n + d) * EPS * cond["condition"] / cond["stiffness_min"]
    return _close_normwise(learn["posterior_covariance"], phys["propagator"], atol=atol)


def check_classical_action(c: Correspondence, params: dict[str, Any]) -> Comparison:
    phys, learn = _sides(c, params)
    design, _, alpha, noise = _linear_gaussian(params)
    n, d = design.shape
    action = phys["classical_action"]
    terms = (1 + abs(action) + _data_misfit(params, action) / 2
             + n / 2 * abs(LOG_2PI + math.log(noise)) + d / 2 * abs(math.log(alpha) - LOG_2PI))
    negative_log_joint = -(learn["log_likelihood_at_map"] + learn["log_prior_at_map"])
    return close(negative_log_joint, action, atol=32 * EPS * terms)


def check_one_loop(c: Correspondence, params: dict[str, Any]) -> Comparison:
    import numpy as np

    phys, learn = _sides(c, params)
    n, d = np.shape(params["design"])
    cond = conditioning(params)
    logs = d * max(abs(math.log(cond["stiffness_min"])), abs(math.log(cond["stiffness_max"])))
    atol = 16 * EPS * ((n + d) * math.sqrt(cond["condition"]) + logs)
    volume = d / 2 * LOG_2PI - learn["hessian_log_determinant"] / 2
    # MacKay's Occam factor is the prior density at the MAP times this posterior volume.
    prior = learn["log_prior_at_map"]
    occam = learn["log_occam_factor"] - prior
    return (close(volume, phys["one_loop"], atol=atol)
            & close(occam, phys["one_loop"], atol=atol + 4 * EPS * abs(prior)))


# -- identities: the Beta–Bernoulli family (limits ħ = 1/n → 0) ----------------------------------


def _beta_sweep(c: Correspondence, params: dict[str, Any]) -> tuple[Any, dict, dict]:
    """Both sides along n = 10, 20, …, 1280, i.e. ħ = 1/n."""
    import numpy as np

    trials = np.asarray(SWEEP, dtype=float)
    swept = {**params, "hbar": 1.0 / trials}
    phys, learn = _sides(c, swept)
    return trials, phys, learn


def _limit_report(trials: Any, scaled: Any, expected: float, bound: Any,
                  rounding: Any) -> Comparison:
    """|n·r_n − c₁| ≤ bound_n at every n; reports the coefficient, its extrapolation, the rate."""
    import numpy as np

    deviation = np.abs(scaled - expected)
    holds = bool(np.all(deviation <= bound + rounding))
    tail = slice(len(trials) // 2, None)  # the asymptotic half of the sweep, n ≥ 160
    slope = float(np.polyfit(np.log(trials[tail]), np.log(np.maximum(deviation[tail], 1e-300)),
                             1)[0])
    return Comparison(
        holds,
        abs_error=float(deviation[-1]),
        rel_error=float(deviation[-1] / max(abs(expected), 1e-300)),
        detail={
            "observed_coefficient": float(scaled[-1]),
            "extrapolated_coefficient": float(2 * scaled[-1] - scaled[-2]),
            "expected_coefficient": expected,
            "bound": float(bound[-1]),
            "observed_rate": slope,
            "expected_rate": -1.0,
            "largest_n": int(trials[-1]),
            "scaled_remainders": [float(v) for v in scaled],
        },
    )


def check_beta_two_loop(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """LA-2: n·(exact − one-loop) → c₁, within 2/n for n ≥ 10 and q ∈ [0.1, 0.9] (empirical)."""
    import numpy as np

    trials, phys, learn = _beta_sweep(c, params)
    one_loop = np.asarray(phys["one_loop_log_z"])
    scaled = trials * (np.asarray(learn["log_evidence"]) - one_loop)
    rounding = 16 * EPS * trials * (1 + np.abs(one_loop))
    return _limit_report(trials, scaled, phys["loop_coefficient"], 2.0 / trials, rounding)


def prior_shift_constant(q: float, a: float, b: float) -> float:
    """K of LA-3's bound K/n: LA-2's constant 2 plus twice the first-order effect of the prior.

    The posterior integrand θ^(k+a−1)(1−θ)^(n−k+b−1) is LA-2's at N = n + s draws and fraction
    q' = q + (a − 1 − qs)/N, s = a + b − 2; so n·r_n − c₁(q) = [c₁′(q)(a − 1 − qs) − s·c₁(q)]/n
    + O(1/n) of LA-2 + O(1/n²). c₁(q) = 1/(12q(1 − q)) − 13/12 in closed form.
    """
    s = a + b - 2
    c1 = 1 / (12 * q * (1 - q)) - 13 / 12
    slope = -(1 - 2 * q) / (12 * q**2 * (1 - q) ** 2)
    return 2.0 + 2.0 * (abs(s * c1) + abs(slope) * abs(a - 1 - q * s))


def check_beta_laplace(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """LA-3: with a Beta(a, b) prior, n·(exact − Laplace at the posterior mode) → c₁(q)."""
    import numpy as np

    trials, phys, learn = _beta_sweep(c, params)
    laplace = np.asarray(learn["laplace_log_evidence"])
    scaled = trials * (np.asarray(learn["log_evidence"]) - laplace)
    constant = prior_shift_constant(params["success_fraction"], params["prior_a"],
                                    params["prior_b"])
    rounding = 16 * EPS * trials * (1 + np.abs(laplace))
    return _limit_report(trials, scaled, phys["loop_coefficient"], constant / trials, rounding)


# -- mutants ---------------------------------------------------------------------------------------


def _dimension(params: dict[str, Any]) -> int:
    import numpy as np

    return 1 if _is_beta(params) else int(np.shape(params["design"])[1])


def _laplace_without_log_determinant(c: Correspondence) -> Correspondence:
    return c.with_learning_patch(lambda p, o: {
        "laplace_log_evidence": o["laplace_log_evidence"] + o["hessian_log_determinant"] / 2})


def _laplace_log_determinant_plus(c: Correspondence) -> Correspondence:
    return c.with_learning_patch(lambda p, o: {
        "laplace_log_evidence": o["laplace_log_evidence"] + o["hessian_log_determinant"]})


def _laplace_without_2pi(c: Correspondence) -> Correspondence:
    return c.with_learning_patch(lambda p, o: {
        "laplace_log_evidence": o["laplace_log_evidence"] - _dimension(p) / 2 * LOG_2PI})


def _laplace_at_mle(c: Correspondence) -> Correspondence:
    return c.with_learning(lambda p: bayesian_evidence(p, expand_at="mle"))


def _gaussian_integral_without_2pi(c: Correspondence) -> Correspondence:
    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if _is_beta(p):
            return {}
        one_loop = -o["fluctuation_log_determinant"] / 2
        return {"one_loop": one_loop, "log_partition_function": -o["classical_action"] + one_loop}

    return c.with_physics_patch(patch)


def _one_loop_without_hbar(c: Correspondence) -> Correspondence:
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if not _is_beta(p):
            return {}  # ħ = 1 in the Gaussian family: the mistake is invisible there
        hbar = np.asarray(p["hbar"], dtype=float)
        s2 = o["action_derivatives"][0]
        one_loop = -o["classical_action"] / hbar + 0.5 * np.log(2 * np.pi / s2)
        two_loop = one_loop + hbar * o["loop_coefficient"]
        return {"one_loop_log_z": one_loop, "two_loop_log_z": two_loop}

    return c.with_physics_patch(patch)


def _loop_coefficient_patch(coefficient: Any) -> Any:
    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if not _is_beta(p):
            return {}
        import numpy as np

        c1 = float(coefficient(*o["action_derivatives"]))
        return {"loop_coefficient": c1,
                "two_loop_log_z": o["one_loop_log_z"] + np.asarray(p["hbar"]) * c1}

    return patch


def _sunset_missing(c: Correspondence) -> Correspondence:
    """c₁ = S₃²/(8S₂³) − S₄/(8S₂²): the sunset diagram S₃²G³/12 dropped."""
    return c.with_physics_patch(_loop_coefficient_patch(
        lambda s2, s3, s4: s3**2 / (8 * s2**3) - s4 / (8 * s2**2)))


def _loop_correction_sign(c: Correspondence) -> Correspondence:
    return c.with_physics_patch(_loop_coefficient_patch(
        lambda s2, s3, s4: -two_loop_coefficient(s2, s3, s4)))


def _precision_as_variance(c: Correspondence) -> Correspondence:
    """The marginal covariance σ²I + α·XXᵀ: the prior precision used as a variance."""

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if _is_beta(p):
            return {}
        swapped = bayesian_linear_regression({**p, "prior_precision": 1.0 / p["prior_precision"]})
        return {"log_evidence": swapped["log_evidence"]}

    return c.with_learning_patch(patch)


PATH_INTEGRAL_LAPLACE = Correspondence(
    id="path-integral-laplace",
    regime="exact",
    physics=PhysicalSystem(
        "Euclidean path integral, saddle-point expansion",
        "Z = ∫ exp(−S(w)/ħ) dw: the classical solution, the one-loop fluctuation determinant and "
        "the two-loop vacuum diagrams.",
        ("log_partition_function", "classical_solution", "classical_action", "one_loop",
         "fluctuation_log_determinant", "propagator", "mode_stiffnesses"),
        path_integral,
    ),
    learning=LearningMethod(
        "Bayesian evidence and the Laplace approximation",
        "The marginal likelihood p(D) of a Bayesian model, exactly and by a Gaussian fitted at "
        "the posterior mode (MAP, Hessian, Occam factor).",
        ("log_evidence", "laplace_log_evidence", "map_estimate", "posterior_covariance",
         "log_likelihood_at_map", "log_prior_at_map", "log_occam_factor",
         "hessian_log_determinant"),
        bayesian_evidence,
    ),
    parameters=(DESIGN, TARGETS, PRIOR_PRECISION, NOISE_VARIANCE),
    translate=model_from_action,
    validate=validate_linear_gaussian,
    example=WORKED_EXAMPLE,
    examples=STRESS_EXAMPLES,
    strategy=linear_gaussian_strategy,
    identities=(
        Identity(
            "laplace-is-exact-for-gaussians", "exact", check_laplace_exact,
            "atol max(1e-12, 10·eps·κ)·(1 + |log p(y)|), κ = ‖X‖₂²/(ασ²)",
            "The n × n Cholesky of σ²I + XXᵀ/α (condition ≤ 1 + κ) loses up to eps·κ relative "
            "in yᵀC⁻¹y; the SVD and QR routes of the other two are better conditioned. Spec 5A "
            "observed 1.3e-9·(1 + |log Z|) at κ ≤ 1e8.",
        ),
        Identity(
            "classical-solution-is-map", "exact", check_classical_solution,
            "atol 10·(n + d)·eps·√cond(A)·(‖w*‖ + ‖y‖/(σ·√λ_min(A)))",
            "Least-squares perturbation theory for the QR solve of [X/σ; √α·I]w ≈ [y/σ; 0] "
            "(condition √cond(A), residual at most ‖y‖/σ); (n + d)·eps is the Householder "
            "backward error. The SVD side is more accurate.",
        ),
        Identity(
            "propagator-is-posterior-covariance", "exact", check_propagator,
            "atol 10·(n + d)·eps·cond(A)/λ_min(A) per entry",
            "R⁻¹R⁻ᵀ inverts H = RᵀR: its error is eps·cond(A)·‖A⁻¹‖₂ with ‖A⁻¹‖₂ = 1/λ_min, times "
            "the backward-error factor n + d of QR.",
        ),
        Identity(
            "classical-action-is-map-loss", "exact", check_classical_action,
            "atol 32·eps·(1 + |S*| + q/2 + (n/2)|log 2πσ²| + (d/2)|log(α/2π)|)",
            "S is stationary at w*, so the two solutions' difference enters only at second "
            "order; what remains is the rounding of a sum of terms of these magnitudes.",
        ),
        Identity(
            "one-loop-is-posterior-volume", "exact", check_one_loop,
            "atol 16·eps·((n + d)·√cond(A) + d·max|log λ|) (+ 4·eps·|log p(w*)| for the Occam "
            "form)",
            "log det H = 2Σ log|R_ii| inherits the QR backward error relative to √cond(A); the "
            "sum of d logarithms rounds relative to their size.",
        ),
        Identity(
            "two-loop-correction-beta-integral", "limit", check_beta_two_loop,
            "|n·(log B(nq+1, n(1−q)+1) − one-loop) − c₁| ≤ 2/n for n = 10, 20, …, 1280",
            "The constant 2 is empirical (spec 5A, LA-2): the worst n·|n·r_n − c₁| seen over "
            "q ∈ [0.1, 0.9] is 0.50. Rounding, 16·eps·n·(1 + |log Z|), is added.",
            strategy=beta_uniform_prior_strategy,
            examples=BETA_UNIFORM_EXAMPLES,
        ),
        Identity(
            "laplace-error-is-two-loop-term", "limit", check_beta_laplace,
            "|n·(log p(D) − Laplace) − c₁(q)| ≤ K/n for n = 10, …, 1280, K = 2 + 2(|s·c₁(q)| + "
            "|c₁′(q)|·|a − 1 − qs|), s = a + b − 2",
            "The prior shifts the mode by O(1/n) and the effective sample size by s: the "
            "first-order terms of K; the factor 2 and LA-2's constant cover the O(1/n²) rest "
            "(worst seen 0.73·K/n over a, b ∈ [0.5, 10]).",
            strategy=beta_prior_strategy,
            examples=BETA_PRIOR_EXAMPLES,
        ),
    ),
    mutants=(
        Mutant("laplace-without-log-determinant", "Laplace evidence without −½ log det H",
               _laplace_without_log_determinant,
               ("laplace-is-exact-for-gaussians", "laplace-error-is-two-loop-term")),
        Mutant("laplace-log-determinant-plus-sign", "Laplace evidence with +½ log det H",
               _laplace_log_determinant_plus, ("laplace-is-exact-for-gaussians",)),
        Mutant("laplace-without-2pi", "Laplace evidence without the (d/2) log 2π",
               _laplace_without_2pi, ("laplace-is-exact-for-gaussians",)),
        Mutant("laplace-at-mle", "Laplace expansion about the maximum-likelihood weights "
               "instead of the MAP", _laplace_at_mle, ("laplace-is-exact-for-gaussians",)),
        Mutant("gaussian-integral-without-2pi", "one-loop term −½ log det A instead of "
               "−½ log det(A/2π)", _gaussian_integral_without_2pi,
               ("laplace-is-exact-for-gaussians", "one-loop-is-posterior-volume")),
        Mutant("one-loop-without-hbar", "fluctuation determinant of S″ instead of S″/ħ",
               _one_loop_without_hbar, ("two-loop-correction-beta-integral",)),
        Mutant("two-loop-without-sunset", "c₁ = S₃²/(8S₂³) − S₄/(8S₂²): the sunset diagram "
               "dropped", _sunset_missing,
               ("two-loop-correction-beta-integral", "laplace-error-is-two-loop-term")),
        Mutant("two-loop-wrong-sign", "c₁ with the wrong sign", _loop_correction_sign,
               ("two-loop-correction-beta-integral", "laplace-error-is-two-loop-term")),
        Mutant("prior-precision-as-variance", "marginal covariance σ²I + α·XXᵀ (α used as the "
               "prior variance)", _precision_as_variance,
               ("laplace-is-exact-for-gaussians",)),
    ),
)


# =================================================================================================
# The hooks
# =================================================================================================

CORRESPONDENCES = (PATH_INTEGRAL_LAPLACE,)


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    return list(CORRESPONDENCES)


@hookimpl
def physml_catalog_dirs() -> list[Any]:
    return [catalog_folder()]
