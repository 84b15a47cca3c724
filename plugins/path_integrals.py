"""Path-integral plugin: the saddle-point expansion and Bayesian evidence (5A), and the Euclidean
lattice path integral and Gaussian processes (5B).

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

``path-integral-gp`` (essay §1.2): the imaginary-time path integral of a particle is a Gaussian
process over paths. The free particle's lattice action is Brownian motion's GP prior (kernel
(ħ/m)·min(s, t)), exactly for every lattice size; pinned paths are the Brownian bridge; Mehler's
oscillator kernel, after the ground-state transformation, is the Ornstein–Uhlenbeck GP (kernel
(ħ/2mω)·e^(−ω|s − t|)), whose precision on a grid is the local (tridiagonal) action. With a
potential the lattice converges to the continuum at O(ε²) (a rate identity), as does ⟨x²⟩ on the
thermal circle βħ (a periodic GP).

Why the sides are independent:

* the physics side integrates out the interior lattice points: a banded Cholesky factor of the
  tridiagonal fluctuation operator gives the determinant, the classical path and its propagator,
  and the action is evaluated on the classical path; Mehler's kernel is a closed form in log-space
  hyperbolic functions; precisions are read off the local action link by link; the thermal
  lattice is diagonalised by Fourier modes;
* the learning side works as a GP library does: dense kernel matrices from the kernel functions
  min(s, t) and exp(−|s − t|/ℓ), their Cholesky factors, conditioning by Schur complements, and
  the periodic kernel as a sum over images.

The tests add scipy's normal densities, quadrature of the lattice integral, the Hermite-function
spectral sum of Mehler's kernel (mpmath) and scikit-learn's Matérn-½ kernel and GP regressor.

The module is organised by correspondence (5A, then 5B), each block with its sides, parameters,
strategies, identities and mutants, and one list of correspondences for the hook at the bottom.
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
from physml.compare import EPS, ETA, close
from physml_plugins import physml_catalog_dirs  # noqa: F401 - the shared catalog hook

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
        float(residual @ residual) / (2 * noise)
        + alpha * float(classical @ classical) / 2
        + n / 2 * (LOG_2PI + math.log(noise))
        - d / 2 * (math.log(alpha) - LOG_2PI)
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
    log_evidence = (
        -0.5 * float(whitened @ whitened) - float(np.sum(np.log(np.diag(factor)))) - n / 2 * LOG_2PI
    )

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
    "design",
    "design matrix X: one row per observation, one column per weight",
    "finite reals",
    shape="(n, d)",
    ndim=2,
)
TARGETS = Parameter(
    "targets",
    "observed targets y, one per row of the design",
    "finite reals",
    shape="(n,)",
    ndim=1,
)
PRIOR_PRECISION = Parameter(
    "prior_precision",
    "α: the weights' prior is N(0, I/α); the mass term of the action",
    "α > 0",
    minimum=0.0,
    exclusive=True,
)
NOISE_VARIANCE = Parameter(
    "noise_variance",
    "σ²: the variance of the Gaussian observation noise",
    "σ² > 0",
    minimum=0.0,
    exclusive=True,
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
            "targets", "are too large for the noise variance: ‖y‖²/σ² overflows float64"
        )


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
        params = {
            "design": design.tolist(),
            "targets": targets.tolist(),
            "prior_precision": alpha,
            "noise_variance": noise,
        }
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
        lambda m, a, b: {
            "family": BETA,
            "success_fraction": m / 10,
            "prior_a": 10.0**a,
            "prior_b": 10.0**b,
        },
        st.integers(1, 9),
        st.floats(math.log10(0.5), 1.0),
        st.floats(math.log10(0.5), 1.0),
    )


def non_quadratic_action_strategy() -> Any:
    """Boundary: the Beta integral's action S = −q log θ − (1 − q) log(1 − θ) (uniform prior) at
    one ħ = 1/n, n ∈ [10, 10⁴], with an interior saddle q ∈ [0.1, 0.9] (|c₁| ≥ 0.157 there)."""
    from hypothesis import strategies as st

    return st.builds(
        lambda q, n: {
            "family": BETA,
            "success_fraction": q,
            "prior_a": 1.0,
            "prior_b": 1.0,
            "hbar": 1.0 / n,
        },
        st.floats(0.1, 0.9),
        st.integers(10, 10_000),
    )


LAPLACE_BOUNDARIES = (
    Boundary(
        "non-quadratic-action",
        "a quadratic action (a linear-Gaussian model)",
        "laplace-is-exact-for-gaussians",
        non_quadratic_action_strategy,
        "The saddle point and its one-loop determinant integrate only the Gaussian part of "
        "exp(−S/ħ); the cubic and quartic terms of the Beta integral's action add the two-loop "
        "term c₁ħ = [5S₃²/(24S₂³) − S₄/(8S₂²)]/n to log Z (−0.75/n at q = 1/2: the Laplace "
        "evidence of 5 successes in 10 trials is off by about 0.07).",
        examples=(
            {"family": BETA, "success_fraction": 0.5, "prior_a": 1.0, "prior_b": 1.0, "hbar": 0.1},
        ),
    ),
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
    {
        "design": [[1.0, -1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 2.0]],
        "targets": [3.0, 5.0, 6.0, 8.5],
        "prior_precision": 1000.0,
        "noise_variance": 0.1,
    },
    {
        "design": [[0.5, 2.0, -1.0, 0.0], [1.5, -0.5, 0.25, 3.0]],
        "targets": [1.0, -2.0],
        "prior_precision": 0.01,
        "noise_variance": 2.0,
    },
    {"design": [[2.0]], "targets": [-3.0], "prior_precision": 4.0, "noise_variance": 0.25},
    {
        "design": [[100.0, 0.0], [0.0, 1.0], [100.0, 1.0]],
        "targets": [1.0, 2.0, 3.0],
        "prior_precision": 0.02,
        "noise_variance": 0.0125,
    },
    {
        "design": [[1.0, 0.1], [1.0, 0.2], [1.0, 0.3], [1.0, 0.4], [1.0, 0.5]],
        "targets": [0.52, 0.54, 0.56, 0.58, 0.60],
        "prior_precision": 1e-3,
        "noise_variance": 1e-3,
    },
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
    """LA-1: log Z (saddle + one loop) = Laplace = exact log evidence, for a Gaussian action.

    Given the Beta integral's family at one ħ = 1/n (an action with cubic and quartic terms, the
    uniform prior) it makes the same comparison, which the two-loop term c₁ħ then breaks."""
    phys, learn = _sides(c, params)
    exact = learn["log_evidence"]
    if _is_beta(params):
        atol = 1e-12 * (1 + abs(float(exact)))  # log B and the saddle terms round to ~eps·n
        return close(phys["one_loop_log_z"], exact, atol=atol) & close(
            learn["laplace_log_evidence"], exact, atol=atol
        )
    kappa = conditioning(params)["kappa"]
    atol = max(1e-12, 10 * EPS * kappa) * (1 + abs(exact))
    return close(phys["log_partition_function"], exact, atol=atol) & close(
        learn["laplace_log_evidence"], exact, atol=atol
    )


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
    atol = (
        10
        * (n + d)
        * EPS
        * math.sqrt(cond["condition"])
        * (_norm(w) + residual / math.sqrt(cond["stiffness_min"]))
    )
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
    terms = (
        1
        + abs(action)
        + _data_misfit(params, action) / 2
        + n / 2 * abs(LOG_2PI + math.log(noise))
        + d / 2 * abs(math.log(alpha) - LOG_2PI)
    )
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
    return close(volume, phys["one_loop"], atol=atol) & close(
        occam, phys["one_loop"], atol=atol + 4 * EPS * abs(prior)
    )


# -- identities: the Beta–Bernoulli family (limits ħ = 1/n → 0) ----------------------------------


def _beta_sweep(c: Correspondence, params: dict[str, Any]) -> tuple[Any, dict, dict]:
    """Both sides along n = 10, 20, …, 1280, i.e. ħ = 1/n."""
    import numpy as np

    trials = np.asarray(SWEEP, dtype=float)
    swept = {**params, "hbar": 1.0 / trials}
    phys, learn = _sides(c, swept)
    return trials, phys, learn


def _limit_report(
    trials: Any, scaled: Any, expected: float, bound: Any, rounding: Any
) -> Comparison:
    """|n·r_n − c₁| ≤ bound_n at every n; reports the coefficient, its extrapolation, the rate."""
    import numpy as np

    deviation = np.abs(scaled - expected)
    holds = bool(np.all(deviation <= bound + rounding))
    tail = slice(len(trials) // 2, None)  # the asymptotic half of the sweep, n ≥ 160
    slope = float(
        np.polyfit(np.log(trials[tail]), np.log(np.maximum(deviation[tail], 1e-300)), 1)[0]
    )
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
    constant = prior_shift_constant(
        params["success_fraction"], params["prior_a"], params["prior_b"]
    )
    rounding = 16 * EPS * trials * (1 + np.abs(laplace))
    return _limit_report(trials, scaled, phys["loop_coefficient"], constant / trials, rounding)


# -- mutants ---------------------------------------------------------------------------------------


def _dimension(params: dict[str, Any]) -> int:
    import numpy as np

    return 1 if _is_beta(params) else int(np.shape(params["design"])[1])


def _laplace_without_log_determinant(c: Correspondence) -> Correspondence:
    return c.with_learning_patch(
        lambda p, o: {
            "laplace_log_evidence": o["laplace_log_evidence"] + o["hessian_log_determinant"] / 2
        }
    )


def _laplace_log_determinant_plus(c: Correspondence) -> Correspondence:
    return c.with_learning_patch(
        lambda p, o: {
            "laplace_log_evidence": o["laplace_log_evidence"] + o["hessian_log_determinant"]
        }
    )


def _laplace_without_2pi(c: Correspondence) -> Correspondence:
    return c.with_learning_patch(
        lambda p, o: {
            "laplace_log_evidence": o["laplace_log_evidence"] - _dimension(p) / 2 * LOG_2PI
        }
    )


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
        return {
            "loop_coefficient": c1,
            "two_loop_log_z": o["one_loop_log_z"] + np.asarray(p["hbar"]) * c1,
        }

    return patch


def _sunset_missing(c: Correspondence) -> Correspondence:
    """c₁ = S₃²/(8S₂³) − S₄/(8S₂²): the sunset diagram S₃²G³/12 dropped."""
    return c.with_physics_patch(
        _loop_coefficient_patch(lambda s2, s3, s4: s3**2 / (8 * s2**3) - s4 / (8 * s2**2))
    )


def _loop_correction_sign(c: Correspondence) -> Correspondence:
    return c.with_physics_patch(
        _loop_coefficient_patch(lambda s2, s3, s4: -two_loop_coefficient(s2, s3, s4))
    )


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
        (
            "log_partition_function",
            "classical_solution",
            "classical_action",
            "one_loop",
            "fluctuation_log_determinant",
            "propagator",
            "mode_stiffnesses",
        ),
        path_integral,
    ),
    learning=LearningMethod(
        "Bayesian evidence and the Laplace approximation",
        "The marginal likelihood p(D) of a Bayesian model, exactly and by a Gaussian fitted at "
        "the posterior mode (MAP, Hessian, Occam factor).",
        (
            "log_evidence",
            "laplace_log_evidence",
            "map_estimate",
            "posterior_covariance",
            "log_likelihood_at_map",
            "log_prior_at_map",
            "log_occam_factor",
            "hessian_log_determinant",
        ),
        bayesian_evidence,
    ),
    parameters=(DESIGN, TARGETS, PRIOR_PRECISION, NOISE_VARIANCE),
    translate=model_from_action,
    validate=validate_linear_gaussian,
    example=WORKED_EXAMPLE,
    examples=STRESS_EXAMPLES,
    strategy=linear_gaussian_strategy,
    boundaries=LAPLACE_BOUNDARIES,
    identities=(
        Identity(
            "laplace-is-exact-for-gaussians",
            "exact",
            check_laplace_exact,
            "atol max(1e-12, 10·eps·κ)·(1 + |log p(y)|), κ = ‖X‖₂²/(ασ²)",
            "The n × n Cholesky of σ²I + XXᵀ/α (condition ≤ 1 + κ) loses up to eps·κ relative "
            "in yᵀC⁻¹y; the SVD and QR routes of the other two are better conditioned. Spec 5A "
            "observed 1.3e-9·(1 + |log Z|) at κ ≤ 1e8.",
        ),
        Identity(
            "classical-solution-is-map",
            "exact",
            check_classical_solution,
            "atol 10·(n + d)·eps·√cond(A)·(‖w*‖ + ‖y‖/(σ·√λ_min(A)))",
            "Least-squares perturbation theory for the QR solve of [X/σ; √α·I]w ≈ [y/σ; 0] "
            "(condition √cond(A), residual at most ‖y‖/σ); (n + d)·eps is the Householder "
            "backward error. The SVD side is more accurate.",
        ),
        Identity(
            "propagator-is-posterior-covariance",
            "exact",
            check_propagator,
            "atol 10·(n + d)·eps·cond(A)/λ_min(A) per entry",
            "R⁻¹R⁻ᵀ inverts H = RᵀR: its error is eps·cond(A)·‖A⁻¹‖₂ with ‖A⁻¹‖₂ = 1/λ_min, times "
            "the backward-error factor n + d of QR.",
        ),
        Identity(
            "classical-action-is-map-loss",
            "exact",
            check_classical_action,
            "atol 32·eps·(1 + |S*| + q/2 + (n/2)|log 2πσ²| + (d/2)|log(α/2π)|)",
            "S is stationary at w*, so the two solutions' difference enters only at second "
            "order; what remains is the rounding of a sum of terms of these magnitudes.",
        ),
        Identity(
            "one-loop-is-posterior-volume",
            "exact",
            check_one_loop,
            "atol 16·eps·((n + d)·√cond(A) + d·max|log λ|) (+ 4·eps·|log p(w*)| for the Occam "
            "form)",
            "log det H = 2Σ log|R_ii| inherits the QR backward error relative to √cond(A); the "
            "sum of d logarithms rounds relative to their size.",
        ),
        Identity(
            "two-loop-correction-beta-integral",
            "limit",
            check_beta_two_loop,
            "|n·(log B(nq+1, n(1−q)+1) − one-loop) − c₁| ≤ 2/n for n = 10, 20, …, 1280",
            "The constant 2 is empirical (spec 5A, LA-2): the worst n·|n·r_n − c₁| seen over "
            "q ∈ [0.1, 0.9] is 0.50. Rounding, 16·eps·n·(1 + |log Z|), is added.",
            strategy=beta_uniform_prior_strategy,
            examples=BETA_UNIFORM_EXAMPLES,
        ),
        Identity(
            "laplace-error-is-two-loop-term",
            "limit",
            check_beta_laplace,
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
        Mutant(
            "laplace-without-log-determinant",
            "Laplace evidence without −½ log det H",
            _laplace_without_log_determinant,
            ("laplace-is-exact-for-gaussians", "laplace-error-is-two-loop-term"),
        ),
        Mutant(
            "laplace-log-determinant-plus-sign",
            "Laplace evidence with +½ log det H",
            _laplace_log_determinant_plus,
            ("laplace-is-exact-for-gaussians",),
        ),
        Mutant(
            "laplace-without-2pi",
            "Laplace evidence without the (d/2) log 2π",
            _laplace_without_2pi,
            ("laplace-is-exact-for-gaussians",),
        ),
        Mutant(
            "laplace-at-mle",
            "Laplace expansion about the maximum-likelihood weights instead of the MAP",
            _laplace_at_mle,
            ("laplace-is-exact-for-gaussians",),
        ),
        Mutant(
            "gaussian-integral-without-2pi",
            "one-loop term −½ log det A instead of −½ log det(A/2π)",
            _gaussian_integral_without_2pi,
            ("laplace-is-exact-for-gaussians", "one-loop-is-posterior-volume"),
        ),
        Mutant(
            "one-loop-without-hbar",
            "fluctuation determinant of S″ instead of S″/ħ",
            _one_loop_without_hbar,
            ("two-loop-correction-beta-integral",),
        ),
        Mutant(
            "two-loop-without-sunset",
            "c₁ = S₃²/(8S₂³) − S₄/(8S₂²): the sunset diagram dropped",
            _sunset_missing,
            ("two-loop-correction-beta-integral", "laplace-error-is-two-loop-term"),
        ),
        Mutant(
            "two-loop-wrong-sign",
            "c₁ with the wrong sign",
            _loop_correction_sign,
            ("two-loop-correction-beta-integral", "laplace-error-is-two-loop-term"),
        ),
        Mutant(
            "prior-precision-as-variance",
            "marginal covariance σ²I + α·XXᵀ (α used as the prior variance)",
            _precision_as_variance,
            ("laplace-is-exact-for-gaussians",),
        ),
    ),
)


# =================================================================================================
# 5B. path-integral-gp: Euclidean lattice path integral ↔ Gaussian-process regression
# =================================================================================================

#: Parts of the main parameter family that the identities ask the sides for (a ``family`` key),
#: and the thermal circle's own family.
FREE_PARTICLE = "free-particle"
OSCILLATOR = "oscillator"
TWO_POINT = "two-point"
GROUND_STATE = "ground-state"
THERMAL = "thermal"
#: Lattice sizes of the continuum-limit sweeps (ε = τ/M or βħ/M); ratios are checked for M ≥ 16.
LATTICE_SWEEP = (8, 16, 32, 64, 128)
#: err(M)/err(2M) → 4 for an O(ε²) limit; the spec's band is [3.8, 4.2] (5B(d), PI-5 and PI-6).
RATIO_EXPECTED = 4.0
RATIO_BAND = 0.2
#: The largest lattice accepted: the Gaussian-process side factorises dense (M + 1) × (M + 1)
#: kernel matrices.
MAX_STEPS = 1000
#: The smallest grid spacing accepted, in units of the correlation time 1/ω: below it the OU
#: kernel matrix on the grid (condition number up to (M + 1)·coth(ωΔ/2)) is close to singular.
MIN_SPACING = 1e-4


def _family(params: dict[str, Any]) -> str | None:
    return params.get("family")


def _log_sinh(x: float) -> float:
    """log sinh x for x > 0 without overflow: x + log((1 − e^(−2x))/2)."""
    return x + math.log(-math.expm1(-2 * x) / 2)


def _csch(x: float) -> float:
    """1/sinh x = 2e^(−x)/(1 − e^(−2x)), finite for every x > 0."""
    return 2 * math.exp(-x) / -math.expm1(-2 * x)


def _coth_plus_one(x: float) -> float:
    """coth x + 1 = 2/(1 − e^(−2x))."""
    return 2 / -math.expm1(-2 * x)


# -- physics side: the Euclidean (imaginary-time) lattice path integral --------------------------


def lattice_propagator(
    mass: float,
    hbar: float,
    frequency: float,
    duration: float,
    steps: int,
    start: float,
    end: float,
    *,
    kinetic: str = "eps",
    rule: str = "trapezoid",
) -> dict[str, Any]:
    """K_M(x_b, x_a; τ) = (m/2πħε)^(M/2) ∫ dx₁…dx_(M−1) exp(−S/ħ) on M steps of ε = τ/M.

    S = Σ_j m(x_(j+1) − x_j)²/(2ε) + ε Σ_j w_j V(x_j) with V = ½mω²x² (ω = 0: the free
    particle). The trapezoid rule weighs the interior points by 1 and both ends by ½; the
    left-point rule (a mutant) the start by 1 and the end by 0. The integral over the interior is
    Gaussian with the tridiagonal fluctuation operator A (banded Cholesky, O(M)); it is the
    classical action plus the one-loop determinant:
    log K = (M/2) log(m/2πħε) + ((M − 1)/2) log 2π − ½ log det A − S[x_cl]/ħ.
    ``kinetic="eps2"`` divides the kinetic term by ε² instead of ε (a mutant).
    """
    import numpy as np
    from scipy.linalg import cho_solve_banded, cholesky_banded

    eps = duration / steps
    measure = mass / (hbar * eps)
    c = measure if kinetic == "eps" else mass / (hbar * eps**2)  # link stiffness m/(ħε)
    k = eps * mass * frequency**2 / hbar  # potential stiffness per lattice point, εmω²/ħ
    w_start, w_end = (0.5, 0.5) if rule == "trapezoid" else (1.0, 0.0)
    interior = steps - 1
    if interior:
        banded = np.empty((2, interior))  # upper form: superdiagonal, then diagonal
        banded[0, :] = -c
        banded[0, 0] = 0.0  # not read
        banded[1, :] = 2 * c + k
        upper = cholesky_banded(banded)
        log_det = 2 * float(np.sum(np.log(upper[1])))
        source = np.zeros(interior)
        source[0] += c * start
        source[-1] += c * end
        classical = cho_solve_banded((upper, False), source)
        propagator = cho_solve_banded((upper, False), np.eye(interior))
    else:
        log_det, classical, propagator = 0.0, np.zeros(0), np.zeros((0, 0))
    path = np.concatenate([[start], classical, [end]])
    action = (
        c * float(np.sum(np.diff(path) ** 2)) / 2
        + k * (float(classical @ classical) + w_start * start**2 + w_end * end**2) / 2
    )
    log_kernel = (
        steps / 2 * math.log(measure / (2 * math.pi))
        + interior / 2 * LOG_2PI
        - log_det / 2
        - action
    )
    return {
        "log_kernel": log_kernel,
        "classical_path": classical,
        "pinned_propagator": propagator,
        "classical_action": action,
    }


def mehler_log_kernel(
    mass: float, hbar: float, frequency: float, duration: float, start: float, end: float
) -> float:
    """log K_E(x_b, x_a; τ) of the harmonic oscillator (Mehler), in overflow-free form:
    ½ log(mω/(2πħ sinh ωτ)) − (mω/2ħ)[(x_b − x_a)²/sinh ωτ + (x_a² + x_b²) tanh(ωτ/2)]."""
    x = frequency * duration
    g = mass * frequency / hbar
    quadratic = (end - start) ** 2 * _csch(x) + (start**2 + end**2) * math.tanh(x / 2)
    return 0.5 * (math.log(g / (2 * math.pi)) - _log_sinh(x)) - g * quadratic / 2


def thermal_lattice_variance(
    mass: float, hbar: float, frequency: float, beta: float, steps: int
) -> float:
    """⟨x²⟩ on the periodic lattice of M points around the thermal circle βħ (ε = βħ/M).

    The action S/ħ = Σ_j [m(x_(j+1) − x_j)²/(2ħε) + εmω²x_j²/(2ħ)] (indices mod M) is
    diagonalised by lattice Fourier modes with stiffness (m/ħε)·4 sin²(πk/M) + εmω²/ħ;
    ⟨x_0²⟩ is the mean of their inverses.
    """
    import numpy as np

    eps = beta * hbar / steps
    modes = np.arange(steps)
    stiffness = mass / (hbar * eps) * 4 * np.sin(np.pi * modes / steps) ** 2
    stiffness += eps * mass * frequency**2 / hbar
    return float(np.mean(1 / stiffness))


def _path_quantities(
    params: dict[str, Any],
) -> tuple[float, float, float, float, int, float, float]:
    return (
        float(params["mass"]),
        float(params["hbar"]),
        float(params["frequency"]),
        float(params["duration"]),
        int(params["steps"]),
        float(params["start"]),
        float(params["end"]),
    )


def _free_particle_part(params: dict[str, Any], kinetic: str) -> dict[str, Any]:
    """The free particle on the lattice: pinned paths (kernel, classical path, fluctuation
    propagator) and free-end paths (the action's Hessian Q and the measure)."""
    import numpy as np

    m, hbar, _, tau, steps, x_a, x_b = _path_quantities(params)
    free = lattice_propagator(m, hbar, 0.0, tau, steps, x_a, x_b, kinetic=kinetic)
    # Paths x₁ … x_M with x₀ = x_a fixed and the end free: S/ħ = ½ xᵀQx − …, Q tridiagonal.
    eps = tau / steps
    c = m / (hbar * eps) if kinetic == "eps" else m / (hbar * eps**2)
    diagonal = np.full(steps, 2 * c)
    diagonal[-1] = c
    path_precision = np.diag(diagonal) - c * (np.eye(steps, k=1) + np.eye(steps, k=-1))
    return {
        "lattice_log_propagator": free["log_kernel"],
        "classical_path": free["classical_path"],
        "pinned_propagator": free["pinned_propagator"],
        "path_precision": path_precision,
        "log_path_measure": steps / 2 * math.log(m / (hbar * eps) / (2 * math.pi)),
    }


def _oscillator_part(params: dict[str, Any], kinetic: str, rule: str) -> dict[str, Any]:
    """The oscillator's kernels: the lattice one, Mehler's, and the ground-state factors."""
    m, hbar, w, tau, steps, x_a, x_b = _path_quantities(params)
    g = m * w / hbar  # inverse square of the oscillator length
    lattice = lattice_propagator(m, hbar, w, tau, steps, x_a, x_b, kinetic=kinetic, rule=rule)
    return {
        "lattice_oscillator_log_propagator": lattice["log_kernel"],
        "log_mehler_kernel": mehler_log_kernel(m, hbar, w, tau, x_a, x_b),
        "ground_state_energy": hbar * w / 2,
        # ψ₀(x) ∝ exp(−mωx²/2ħ): log ψ₀(x_b)/ψ₀(x_a), factored to avoid cancellation.
        "log_ground_state_ratio": -g * (x_b - x_a) * (x_b + x_a) / 2,
    }


def _two_point_part(params: dict[str, Any]) -> dict[str, Any]:
    """The ground state's two-point function: the joint density of (x(0), x(τ)) is
    ψ₀(x₀) K_E(x_τ, x₀; τ) ψ₀(x_τ) e^(E₀τ/ħ); its 2 × 2 precision (mω/ħ)·[[coth ωτ + 1,
    −csch ωτ], [−csch ωτ, coth ωτ + 1]] inverted."""
    import numpy as np

    m, hbar, w, tau, *_ = _path_quantities(params)
    x = w * tau
    pair = m * w / hbar * np.array([[_coth_plus_one(x), -_csch(x)], [-_csch(x), _coth_plus_one(x)]])
    covariance = np.linalg.inv(pair)
    return {
        "ground_state_variance": float(covariance[0, 0]),
        "euclidean_correlator": float(covariance[0, 1]),
    }


def _ground_state_part(params: dict[str, Any]) -> dict[str, Any]:
    """Paths drawn from the oscillator's ground state on the grid t_j = jΔ: the density
    ψ₀(x₀) Π K_E(x_(j+1), x_j; Δ) ψ₀(x_M) e^(E₀τ/ħ), its precision and normaliser."""
    import numpy as np

    m, hbar, w, tau, steps, _, _ = _path_quantities(params)
    g = m * w / hbar
    energy = hbar * w / 2
    # Each link is Mehler's exponent, local in j (coth on the diagonal, −csch beside it);
    # ψ₀ adds mω/ħ at both ends.
    x = w * tau / steps
    grid_diagonal = np.full(steps + 1, 2 * g * (_coth_plus_one(x) - 1))
    grid_diagonal[[0, -1]] = g * _coth_plus_one(x)
    grid_precision = np.diag(grid_diagonal) - g * _csch(x) * (
        np.eye(steps + 1, k=1) + np.eye(steps + 1, k=-1)
    )
    grid_normalizer = 0.5 * math.log(g / math.pi) + steps * (
        0.5 * (math.log(g / (2 * math.pi)) - _log_sinh(x)) + energy * (tau / steps) / hbar
    )
    return {
        "ground_state_path_precision": grid_precision,
        "log_ground_state_path_measure": grid_normalizer,
    }


def euclidean_path_integral(
    params: dict[str, Any], *, kinetic: str = "eps", rule: str = "trapezoid"
) -> dict[str, Any]:
    """The physics side: free-particle and oscillator lattices, Mehler's kernel, the ground state.

    Without a ``family`` key, every observable of the main parameters. The identities ask for one
    part (``free-particle``, ``oscillator``, ``two-point`` or ``ground-state``), to stay fast;
    ``thermal`` is the thermal circle's family (⟨x²⟩ on a periodic lattice).
    """
    family = _family(params)
    if family == THERMAL:
        return {
            "thermal_position_variance": thermal_lattice_variance(
                float(params["mass"]),
                float(params["hbar"]),
                float(params["frequency"]),
                float(params["inverse_temperature"]),
                int(params["steps"]),
            )
        }
    observables: dict[str, Any] = {}
    if family in (None, FREE_PARTICLE):
        observables.update(_free_particle_part(params, kinetic))
    if family in (None, OSCILLATOR):
        observables.update(_oscillator_part(params, kinetic, rule))
    if family in (None, TWO_POINT):
        observables.update(_two_point_part(params))
    if family in (None, GROUND_STATE):
        observables.update(_ground_state_part(params))
    return observables


# -- learning side: Gaussian-process regression with the Wiener and OU kernels -------------------


def _gp_log_marginal_likelihood(kernel: Any, residual: Any) -> float:
    """log N(y; μ, K) from the Cholesky factor of K (residual y − μ)."""
    import numpy as np
    from scipy.linalg import cho_factor, solve_triangular

    factor, _ = cho_factor(kernel, lower=True)
    white = solve_triangular(factor, residual, lower=True)
    return (
        -0.5 * float(white @ white)
        - float(np.sum(np.log(np.diag(factor))))
        - len(residual) / 2 * LOG_2PI
    )


def _gp_precision(kernel: Any) -> tuple[Any, float]:
    """K⁻¹ = L⁻ᵀL⁻¹ and −½ log det(2πK), from the Cholesky factor L of the kernel matrix K."""
    import numpy as np
    from scipy.linalg import lapack

    factor = np.linalg.cholesky(kernel)
    n = kernel.shape[0]
    log_normalizer = -float(np.sum(np.log(np.diag(factor)))) - n / 2 * LOG_2PI
    inverse_factor, info = lapack.dtrtri(factor, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"triangular inverse failed (info {info})")
    return inverse_factor.T @ inverse_factor, log_normalizer


def wiener_kernel(diffusion: float, s: Any, t: Any) -> Any:
    """Brownian motion's covariance function k(s, t) = D·min(s, t)."""
    import numpy as np

    return diffusion * np.minimum.outer(np.atleast_1d(s), np.atleast_1d(t))


def ou_kernel(variance: float, length_scale: float, s: Any, t: Any) -> Any:
    """The exponential (Matérn-½, Ornstein–Uhlenbeck) kernel k(s, t) = v·exp(−|s − t|/ℓ)."""
    import numpy as np

    lag = np.abs(np.subtract.outer(np.atleast_1d(s), np.atleast_1d(t)))
    return variance * np.exp(-lag / length_scale)


def _brownian_part(params: dict[str, Any]) -> dict[str, Any]:
    """Brownian motion started at x_a (mean x_a, kernel D·min(s, t)) on t_j = jτ/M: the marginal
    likelihood of the observation x(τ) = x_b, the posterior at t₁ … t_(M−1) given it, and the
    prior precision on t₁ … t_M."""
    import numpy as np

    diffusion, tau = float(params["diffusion"]), float(params["horizon"])
    steps = int(params["grid_size"])
    x_a, x_b = float(params["initial_value"]), float(params["observation"])
    grid = np.arange(steps + 1) * (tau / steps)
    observed = wiener_kernel(diffusion, tau, tau)
    inner = grid[1:-1]
    cross = wiener_kernel(diffusion, inner, tau)
    gain = np.linalg.solve(observed, cross.T).T  # K_*τ K_ττ⁻¹
    prior_precision, log_prior_normalizer = _gp_precision(
        wiener_kernel(diffusion, grid[1:], grid[1:])
    )
    return {
        "brownian_log_marginal_likelihood": _gp_log_marginal_likelihood(
            observed, np.array([x_b - x_a])
        ),
        "bridge_mean": x_a + gain @ np.array([x_b - x_a]),
        "bridge_covariance": wiener_kernel(diffusion, inner, inner) - gain @ cross.T,
        "brownian_prior_precision": prior_precision,
        "log_brownian_prior_normalizer": log_prior_normalizer,
    }


def _ou_transition_part(params: dict[str, Any], ou_variance: str) -> dict[str, Any]:
    """The OU GP conditioned on x(0) = x_a: the density of x(τ) = x_b."""
    v, ell = float(params["stationary_variance"]), float(params["length_scale"])
    tau = float(params["horizon"])
    x_a, x_b = float(params["initial_value"]), float(params["observation"])
    # Conditioning a stationary kernel on one value: the correlation ρ = k(τ)/k(0) and the
    # Schur complement k(0)(1 − ρ²), written as −k(0)·expm1(2 log ρ) (no cancellation at τ ≪ ℓ).
    log_rho = -tau / ell
    rho = math.exp(log_rho)
    shrink = -math.expm1(2 * log_rho) if ou_variance == "exact" else -math.expm1(log_rho)
    conditional_variance = v * shrink
    residual = x_b - rho * x_a
    return {
        "ou_log_transition_density": -0.5 * (LOG_2PI + math.log(conditional_variance))
        - residual**2 / (2 * conditional_variance),
    }


def _ou_kernel_part(params: dict[str, Any]) -> dict[str, Any]:
    """The OU kernel's values at lags 0 and τ."""
    v, ell = float(params["stationary_variance"]), float(params["length_scale"])
    return {
        "ou_stationary_variance": float(ou_kernel(v, ell, 0.0, 0.0)[0, 0]),
        "ou_kernel_at_horizon": float(ou_kernel(v, ell, 0.0, float(params["horizon"]))[0, 0]),
    }


def _ou_grid_part(params: dict[str, Any]) -> dict[str, Any]:
    """The OU kernel matrix on t₀ … t_M: its inverse and −½ log det(2πK)."""
    import numpy as np

    v, ell = float(params["stationary_variance"]), float(params["length_scale"])
    tau, steps = float(params["horizon"]), int(params["grid_size"])
    grid = np.arange(steps + 1) * (tau / steps)
    precision, log_normalizer = _gp_precision(ou_kernel(v, ell, grid, grid))
    return {"ou_grid_precision": precision, "log_ou_grid_normalizer": log_normalizer}


def gaussian_process_regression(
    params: dict[str, Any], *, ou_variance: str = "exact"
) -> dict[str, Any]:
    """The learning side: a Brownian-motion GP (kernel D·min(s, t), mean x_a) and an OU GP
    (kernel v·exp(−|s − t|/ℓ)), on the inputs t_j = jτ/M, from Cholesky factors of dense kernel
    matrices. Family ``thermal``: the OU kernel wrapped around a circle of circumference L (a
    periodic GP), by the method of images; the other families select parts as on the physics
    side. ``ou_variance="single"`` conditions with v(1 − ρ) instead of v(1 − ρ²) (a mutant).
    """
    family = _family(params)
    if family == THERMAL:
        v, ell = float(params["stationary_variance"]), float(params["length_scale"])
        # Σ_n v·e^(−|n|L/ℓ) over the images n ∈ ℤ: v·(1 + 2/(e^(L/ℓ) − 1)).
        return {"periodic_kernel_variance": v * (1 + 2 / math.expm1(float(params["period"]) / ell))}
    observables: dict[str, Any] = {}
    if family in (None, FREE_PARTICLE):
        observables.update(_brownian_part(params))
    if family in (None, OSCILLATOR):
        observables.update(_ou_transition_part(params, ou_variance))
    if family in (None, TWO_POINT):
        observables.update(_ou_kernel_part(params))
    if family in (None, GROUND_STATE):
        observables.update(_ou_grid_part(params))
    return observables


def gp_from_path_integral(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: diffusion ħ/m, stationary variance ħ/(2mω), length scale 1/ω;
    Euclidean time is the GP input; the thermal circle βħ is the period."""
    mass, hbar, frequency = (float(params[k]) for k in ("mass", "hbar", "frequency"))
    shared = {"stationary_variance": hbar / (2 * mass * frequency), "length_scale": 1 / frequency}
    if _family(params) == THERMAL:
        return {"family": THERMAL, **shared, "period": float(params["inverse_temperature"]) * hbar}
    translated = {
        **shared,
        "diffusion": hbar / mass,
        "horizon": float(params["duration"]),
        "grid_size": int(params["steps"]),
        "initial_value": float(params["start"]),
        "observation": float(params["end"]),
    }
    if _family(params) is not None:
        translated["family"] = params["family"]
    return translated


# -- parameters, validation and strategies -------------------------------------------------------

MASS = Parameter(
    "mass",
    "m: the particle's mass (the stiffness of the kinetic term)",
    "m > 0",
    minimum=0.0,
    exclusive=True,
)
HBAR = Parameter(
    "hbar",
    "ħ: Planck's constant, the scale of the fluctuations",
    "ħ > 0",
    minimum=0.0,
    exclusive=True,
)
FREQUENCY = Parameter(
    "frequency",
    "ω: the oscillator's angular frequency, V(x) = ½mω²x² (the free-particle "
    "identities do not use it)",
    "ω > 0",
    minimum=0.0,
    exclusive=True,
)
DURATION = Parameter(
    "duration",
    "τ: the Euclidean (imaginary) time from x_a to x_b",
    "τ > 0",
    minimum=0.0,
    exclusive=True,
)
STEPS = Parameter(
    "steps",
    "M: the number of lattice steps, ε = τ/M",
    f"1 ≤ M ≤ {MAX_STEPS}",
    integer=True,
    minimum=1,
    maximum=MAX_STEPS,
)
START = Parameter("start", "x_a: the path's position at time 0", "finite reals")
END = Parameter("end", "x_b: the path's position at time τ", "finite reals")


def validate_path_gp(values: dict[str, Any]) -> None:
    """The grid is not finer than 1e-4 correlation times, and every scale stays in float64."""
    m, hbar, w, tau, steps, x_a, x_b = _path_quantities(values)
    spacing = w * tau / steps
    if spacing < MIN_SPACING:
        raise ParameterError(
            "steps",
            f"the grid spacing ωτ/M = {spacing:.3g} is below {MIN_SPACING:g} correlation times: "
            "the Ornstein–Uhlenbeck kernel matrix on the grid is numerically singular there; "
            "use fewer steps or a larger duration or frequency",
        )
    with_overflow = [
        ("mass", m * steps / (hbar * tau), "m/(ħε)"),
        ("mass", hbar / m, "ħ/m"),
        ("frequency", m * w / hbar, "mω/ħ"),
        ("frequency", hbar / (m * w), "ħ/(mω)"),
    ]
    for name, value, what in with_overflow:
        if not (math.isfinite(value) and value >= 1e-300):
            raise ParameterError(
                name,
                f"the scale {what} = {value:.3g} is outside float64's range; choose units "
                "in which m, ħ, ω and τ are nearer 1",
            )
    scale = max(m * steps / (hbar * tau), m * w / hbar)
    for name, x in (("start", x_a), ("end", x_b)):
        if not math.isfinite(scale * x * x):
            raise ParameterError(
                name, f"{x:g} is too far out: the action m·x²/(ħε) overflows float64"
            )


def path_gp_strategy() -> Any:
    """Spec 5B(c): m ∈ [1e-2, 1e2], ħ ∈ [1e-2, 10], ω ∈ [1e-2, 10] log-uniform, ωτ ∈ [1e-2, 3]
    log-uniform, M ∈ [1, 60]; endpoints up to 3 natural lengths (√(ħτ/m) or √(ħ/2mω)), sometimes
    both shifted by up to 10 lengths (the cancellation-prone case)."""
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        mass = 10.0 ** draw(st.floats(-2, 2))
        hbar = 10.0 ** draw(st.floats(-2, 1))
        frequency = 10.0 ** draw(st.floats(-2, 1))
        duration = 10.0 ** draw(st.floats(-2, math.log10(3))) / frequency
        steps = draw(st.integers(1, 60))
        if draw(st.booleans()):
            length = math.sqrt(hbar * duration / mass)
        else:
            length = math.sqrt(hbar / (2 * mass * frequency))
        start = draw(st.floats(-3, 3)) * length
        end = draw(st.floats(-3, 3)) * length
        if draw(st.booleans()):
            shift = draw(st.floats(-10, 10)) * length
            start, end = start + shift, end + shift
        return {
            "mass": mass,
            "hbar": hbar,
            "frequency": frequency,
            "duration": duration,
            "steps": steps,
            "start": start,
            "end": end,
        }

    return draw()


def oscillator_sweep_strategy() -> Any:
    """PI-5: m, ħ, ω log-uniform as above and ωτ ∈ [0.1, 3]; the sweep sets M and the probes."""
    from hypothesis import strategies as st

    return st.builds(
        lambda m, h, w, x: {
            "family": OSCILLATOR,
            "mass": 10.0**m,
            "hbar": 10.0**h,
            "frequency": 10.0**w,
            "duration": 10.0**x / 10.0**w,
        },
        st.floats(-2, 2),
        st.floats(-2, 1),
        st.floats(-2, 1),
        st.floats(-1, math.log10(3)),
    )


def thermal_strategy() -> Any:
    """PI-6: m, ħ, ω log-uniform as above and βħω ∈ [0.01, 3]; the sweep sets M."""
    from hypothesis import strategies as st

    return st.builds(
        lambda m, h, w, x: {
            "family": THERMAL,
            "mass": 10.0**m,
            "hbar": 10.0**h,
            "frequency": 10.0**w,
            "inverse_temperature": 10.0**x / (10.0**h * 10.0**w),
        },
        st.floats(-2, 2),
        st.floats(-2, 1),
        st.floats(-2, 1),
        st.floats(-2, math.log10(3)),
    )


# The spec's oscillator (m = ω = ħ = 1, τ = 2, x_a = 0.3, x_b = −0.5) on a lattice of M = 4 steps.
GP_WORKED_EXAMPLE = {
    "mass": 1.0,
    "hbar": 1.0,
    "frequency": 1.0,
    "duration": 2.0,
    "steps": 4,
    "start": 0.3,
    "end": -0.5,
}

# Examples that always run: m, ħ, ω and ε all ≠ 1 (a missing ħ, a swapped ω ↔ 1/ω or a kinetic
# term over ε² are invisible at 1); M = 1 (no interior points); M = 60 at ωτ = 0.01 (the finest
# grid, the most correlated kernel matrix); endpoints ten lengths from the origin; ωτ = 1000
# (sinh and cosh would overflow).
GP_STRESS_EXAMPLES = (
    {
        "mass": 0.3,
        "hbar": 2.5,
        "frequency": 0.7,
        "duration": 3.0,
        "steps": 5,
        "start": 1.2,
        "end": -0.4,
    },
    {
        "mass": 2.0,
        "hbar": 0.1,
        "frequency": 3.0,
        "duration": 0.5,
        "steps": 1,
        "start": 0.1,
        "end": 0.25,
    },
    {
        "mass": 50.0,
        "hbar": 0.02,
        "frequency": 0.01,
        "duration": 1.0,
        "steps": 60,
        "start": 0.05,
        "end": -0.03,
    },
    {
        "mass": 0.01,
        "hbar": 7.0,
        "frequency": 6.0,
        "duration": 0.5,
        "steps": 17,
        "start": 80.0,
        "end": 82.0,
    },
    # A subnormal end point: rounding there is absolute (2⁻¹⁰⁷⁴), not relative.
    {
        "mass": 1.0,
        "hbar": 1.0,
        "frequency": 1.0,
        "duration": 1.0,
        "steps": 4,
        "start": 0.0,
        "end": 1.573364814e-313,
    },
    {
        "mass": 3.0,
        "hbar": 0.5,
        "frequency": 40.0,
        "duration": 25.0,
        "steps": 30,
        "start": 0.1,
        "end": -0.2,
    },
)
OSCILLATOR_EXAMPLES = (
    {"family": OSCILLATOR, "mass": 1.0, "hbar": 1.0, "frequency": 1.0, "duration": 2.0},
    {"family": OSCILLATOR, "mass": 0.4, "hbar": 2.5, "frequency": 1.7, "duration": 1.5},
)
THERMAL_EXAMPLES = (
    {"family": THERMAL, "mass": 1.0, "hbar": 1.0, "frequency": 1.0, "inverse_temperature": 3.0},
    {"family": THERMAL, "mass": 2.0, "hbar": 0.3, "frequency": 2.5, "inverse_temperature": 1.6},
)


# -- identities: exact ---------------------------------------------------------------------------


def _cot_squared(x: float) -> float:
    return 1 / math.tan(x) ** 2


def _part(c: Correspondence, params: dict[str, Any], family: str) -> tuple[dict, dict]:
    """Both sides' observables of one part (``family``) of the main parameters."""
    return _sides(c, {**params, "family": family})


def check_free_particle(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """PI-1: the M-step lattice kernel of the free particle = the Brownian GP's marginal
    likelihood log N(x_b; x_a, ħτ/m), for every M."""
    phys, learn = _part(c, params, FREE_PARTICLE)
    m, hbar, _, tau, steps, x_a, x_b = _path_quantities(params)
    stiffness = m * steps / (hbar * tau)
    action = m * (x_b - x_a) ** 2 / (2 * hbar * tau)
    terms = (
        steps / 2 * abs(math.log(stiffness / (2 * math.pi)))
        + steps * LOG_2PI
        + (steps - 1) / 2 * abs(math.log(stiffness))
        + math.log(steps) / 2
        + action
        + m / (hbar * tau) * abs(x_b - x_a) * max(abs(x_a), abs(x_b))
    )
    expected = learn["brownian_log_marginal_likelihood"]
    atol = 8 * EPS * steps * (1 + abs(expected) + terms)
    return close(phys["lattice_log_propagator"], expected, atol=atol)


def check_brownian_prior(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """The free-end lattice action's Hessian is the inverse of the kernel D·min(t_i, t_j) on the
    grid, and the measure (m/2πħε)^(M/2) is the GP prior's normaliser det(2πK)^(−1/2)."""
    phys, learn = _part(c, params, FREE_PARTICLE)
    m, hbar, _, tau, steps, _, _ = _path_quantities(params)
    stiffness = m * steps / (hbar * tau)
    # Q/c has eigenvalues 4 sin²((2k − 1)π/(4M + 2)), k = 1 … M.
    condition = 1 / math.sin(math.pi / (4 * steps + 2)) ** 2
    precision = close(
        learn["brownian_prior_precision"],
        phys["path_precision"],
        atol=4 * steps * EPS * condition * 2 * stiffness,
    )
    measure = phys["log_path_measure"]
    normalizer = close(
        learn["log_brownian_prior_normalizer"],
        measure,
        atol=8 * EPS * steps * (1 + abs(measure) + steps),
    )
    return (
        Comparison(
            precision.holds,
            precision.abs_error,
            precision.abs_error / (2 * stiffness),
            tolerance_used=precision.tolerance_used,
        )
        & normalizer
    )


def check_bridge(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """PI-2: pinned paths: classical path = GP posterior mean, fluctuation propagator A⁻¹ =
    posterior covariance (ħ/m)(min(s, t) − st/τ) after observing x(τ) = x_b."""
    phys, learn = _part(c, params, FREE_PARTICLE)
    m, hbar, _, tau, steps, x_a, x_b = _path_quantities(params)
    if steps == 1:
        return Comparison(True)  # no interior point: nothing to compare
    condition = _cot_squared(math.pi / (2 * steps))  # of tridiag(−1, 2, −1), size M − 1
    scale = hbar * tau / m
    covariance = close(
        learn["bridge_covariance"],
        phys["pinned_propagator"],
        atol=4 * EPS * (1 + steps * condition) * scale,
    )
    size = max(abs(x_a), abs(x_b))
    # With subnormal end points each rounding is off by up to ETA absolutely, not relatively.
    mean = close(
        learn["bridge_mean"],
        phys["classical_path"],
        atol=4 * (1 + steps * condition) * (EPS * size + ETA),
    )
    return Comparison(
        covariance.holds,
        covariance.abs_error,
        covariance.abs_error / scale,
        tolerance_used=covariance.tolerance_used,
    ) & Comparison(
        mean.holds,
        mean.abs_error,
        mean.abs_error / max(size, 1e-300),
        tolerance_used=mean.tolerance_used,
    )


def _ground_state_transform(phys: dict[str, Any], params: dict[str, Any]) -> float:
    """log K_E + E₀τ/ħ + log ψ₀(x_b)/ψ₀(x_a): the physics prediction of log p_OU."""
    return (
        phys["log_mehler_kernel"]
        + phys["ground_state_energy"] * float(params["duration"]) / float(params["hbar"])
        + phys["log_ground_state_ratio"]
    )


def _mehler_terms(params: dict[str, Any]) -> float:
    """Σ|terms| of log K_E, the ground-state factors and log p_OU: their rounding sets PI-3's
    tolerance."""
    m, hbar, w, tau, _, x_a, x_b = _path_quantities(params)
    x, g = w * tau, m * w / hbar
    conditional = -math.expm1(-2 * x) / (2 * g)  # v(1 − e^(−2ωτ))
    physics = (
        abs(math.log(g / (2 * math.pi))) / 2
        + abs(_log_sinh(x)) / 2
        + x / 2
        + g / 2 * ((x_b - x_a) ** 2 * _csch(x) + (x_a**2 + x_b**2) * math.tanh(x / 2))
        + g / 2 * abs(x_b - x_a) * abs(x_b + x_a)
    )
    learning = abs(math.log(2 * math.pi * conditional)) / 2 + (x_a**2 + x_b**2) / conditional
    return physics + learning


def check_mehler(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """PI-3: log K_E + E₀τ/ħ + log ψ₀(x_b)/ψ₀(x_a) = log N(x_b; x_a e^(−ωτ), v(1 − e^(−2ωτ)))."""
    phys, learn = _part(c, params, OSCILLATOR)
    return close(
        _ground_state_transform(phys, params),
        learn["ou_log_transition_density"],
        atol=16 * EPS * (1 + _mehler_terms(params)),
    )


def check_correlator(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """⟨x(0)²⟩ and ⟨x(0)x(τ)⟩ in the ground state = k(0) and k(τ) of the OU kernel
    v·exp(−ω|s − t|), with v = ħ/(2mω)."""
    phys, learn = _part(c, params, TWO_POINT)
    m, hbar, w, tau, *_ = _path_quantities(params)
    v = hbar / (2 * m * w)
    atol = 8 * EPS * v / math.tanh(w * tau / 2)  # cond of the 2 × 2 precision: coth(ωτ/2)
    return close(phys["ground_state_variance"], learn["ou_stationary_variance"], atol=atol) & close(
        phys["euclidean_correlator"], learn["ou_kernel_at_horizon"], atol=atol
    )


def check_ou_precision(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """PI-4: the ground-state path's local action on t₀ … t_M is the inverse of the OU kernel
    matrix (tridiagonal: the Markov property), with the same normaliser."""
    import numpy as np

    phys, learn = _part(c, params, GROUND_STATE)
    m, hbar, w, tau, steps, _, _ = _path_quantities(params)
    x, g = w * tau / steps, m * w / hbar
    ratio = 1 / math.tanh(x / 2)  # (1 + a)/(1 − a), a = e^(−ωΔ)
    condition = min(ratio, steps + 1) * ratio
    expected = np.asarray(phys["ground_state_path_precision"])
    top = float(np.max(np.abs(expected)))
    precision = close(
        learn["ou_grid_precision"], expected, atol=4 * (steps + 1) * EPS * condition * top
    )
    measure = phys["log_ground_state_path_measure"]
    terms = (
        abs(math.log(g / math.pi)) / 2
        + steps * (abs(math.log(g / (2 * math.pi))) / 2 + abs(_log_sinh(x)) / 2 + x / 2)
        + (steps + 1) * LOG_2PI
    )
    normalizer = close(
        learn["log_ou_grid_normalizer"], measure, atol=8 * EPS * (steps + 1) * (1 + terms + ratio)
    )
    return (
        Comparison(
            precision.holds,
            precision.abs_error,
            precision.abs_error / top,
            tolerance_used=precision.tolerance_used,
        )
        & normalizer
    )


# -- identities: continuum limits ---------------------------------------------------------------


def _ratio_report(errors: Any, label: str, extra: dict[str, Any] | None = None) -> Comparison:
    """err(M)/err(2M) within 4 ± 0.2 for M ≥ 16, for every column of ``errors`` (rows: M)."""
    import numpy as np

    errors = np.asarray(errors, dtype=float).reshape(len(LATTICE_SWEEP), -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = errors[:-1] / errors[1:]
        deviation = np.abs(ratios[1:] - RATIO_EXPECTED)  # M = 16, 32, 64 against 2M
    finite = np.isfinite(deviation)
    index = np.unravel_index(int(np.argmax(np.where(finite, deviation, np.inf))), deviation.shape)
    observed = float(ratios[1:][index])
    worst = float(deviation[index]) if finite[index] else math.inf
    return Comparison(
        bool(finite.all() and np.all(deviation <= RATIO_BAND)),
        abs_error=worst,
        rel_error=worst / RATIO_EXPECTED,
        detail={
            "observed_ratio": observed,
            "expected_ratio": RATIO_EXPECTED,
            "observed_order": float(np.log2(abs(observed))) if observed else -math.inf,
            "expected_order": 2.0,
            "bound": RATIO_BAND,
            "steps": list(LATTICE_SWEEP),
            f"{label}_errors": errors.T.tolist(),
            "ratios": ratios.T.tolist(),
            **(extra or {}),
        },
    )


def check_oscillator_limit(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """PI-5: the trapezoid-rule oscillator lattice converges to Mehler's kernel at O(ε²).

    Both kernels are Gaussian in the endpoints: log K = n − ½p_a x_a² − ½p_b x_b² + q x_a x_b.
    Four probes, (0, 0), (ℓ, 0), (0, ℓ), (ℓ, ℓ) with ℓ = √(ħ/mω), give the error of each
    coefficient, so that no choice of endpoints can hide the leading term.
    """
    import numpy as np

    m, hbar, w = (float(params[k]) for k in ("mass", "hbar", "frequency"))
    ell = math.sqrt(hbar / (m * w))
    probes = ((0.0, 0.0), (ell, 0.0), (0.0, ell), (ell, ell))
    errors = np.empty((len(LATTICE_SWEEP), len(probes)))
    for i, steps in enumerate(LATTICE_SWEEP):
        for j, (x_a, x_b) in enumerate(probes):
            point = {**params, "family": OSCILLATOR, "steps": steps, "start": x_a, "end": x_b}
            phys, learn = _sides(c, point)
            lattice = {**phys, "log_mehler_kernel": phys["lattice_oscillator_log_propagator"]}
            errors[i, j] = (
                _ground_state_transform(lattice, point) - learn["ou_log_transition_density"]
            )
    e00, e10, e01, e11 = errors.T
    coefficients = np.stack([e00, e10 - e00, e01 - e00, e11 - e10 - e01 + e00], axis=1)
    # The negative control: with a potential the lattice is not exact (for the free particle it
    # is, at every M): the error at M = 8 is far above rounding.
    coarse = float(np.max(np.abs(coefficients[0])))
    return _ratio_report(coefficients, "coefficient", {"largest_error_at_8_steps": coarse})


def check_thermal_limit(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """PI-6: ⟨x²⟩ on the periodic lattice → the periodic OU kernel's variance
    (ħ/2mω)·coth(βħω/2) at O(ε²)."""
    import numpy as np

    errors = []
    for steps in LATTICE_SWEEP:
        point = {**params, "steps": steps}
        phys, learn = _sides(c, point)
        errors.append(phys["thermal_position_variance"] - learn["periodic_kernel_variance"])
    return _ratio_report(np.asarray(errors), "variance")


# -- mutants ---------------------------------------------------------------------------------------


def _kinetic_over_eps_squared(c: Correspondence) -> Correspondence:
    return c.with_physics(lambda p: euclidean_path_integral(p, kinetic="eps2"))


def _left_point_rule(c: Correspondence) -> Correspondence:
    return c.with_physics(lambda p: euclidean_path_integral(p, rule="left"))


def _ground_state_energy_missing(c: Correspondence) -> Correspondence:
    return c.with_physics_patch(
        lambda p, o: {"ground_state_energy": 0.0} if "ground_state_energy" in o else {}
    )


def _ou_variance_single_exponent(c: Correspondence) -> Correspondence:
    return c.with_learning(lambda p: gaussian_process_regression(p, ou_variance="single"))


def _ground_state_product(c: Correspondence) -> Correspondence:
    """ψ₀(x_b)·ψ₀(x_a) instead of ψ₀(x_b)/ψ₀(x_a)."""

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if "log_ground_state_ratio" not in o:
            return {}
        g = float(p["mass"]) * float(p["frequency"]) / float(p["hbar"])
        return {"log_ground_state_ratio": -g * (float(p["start"]) ** 2 + float(p["end"]) ** 2) / 2}

    return c.with_physics_patch(patch)


def _retranslated(c: Correspondence, change: Any) -> Correspondence:
    return c.with_translate(lambda p: {**gp_from_path_integral(p), **change(p)})


def _diffusion_without_hbar(c: Correspondence) -> Correspondence:
    return _retranslated(
        c, lambda p: {} if _family(p) == THERMAL else {"diffusion": 1 / float(p["mass"])}
    )


def _rate_as_length_scale(c: Correspondence) -> Correspondence:
    return _retranslated(c, lambda p: {"length_scale": float(p["frequency"])})


def _thermal_circle_without_hbar(c: Correspondence) -> Correspondence:
    return _retranslated(
        c, lambda p: {"period": float(p["inverse_temperature"])} if _family(p) == THERMAL else {}
    )


def _bridge_without_conditioning(c: Correspondence) -> Correspondence:
    """The prior covariance D·min(s, t) at the interior inputs: the endpoint never observed."""
    import numpy as np

    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        if "bridge_covariance" not in o:
            return {}
        inner = np.arange(1, int(p["grid_size"])) * (float(p["horizon"]) / int(p["grid_size"]))
        return {"bridge_covariance": wiener_kernel(float(p["diffusion"]), inner, inner)}

    return c.with_learning_patch(patch)


PATH_INTEGRAL_GP = Correspondence(
    id="path-integral-gp",
    regime="exact",
    physics=PhysicalSystem(
        "Euclidean lattice path integral",
        "The imaginary-time propagator K(x_b, x_a; τ) = ∫ Dx exp(−S[x]/ħ) of a particle of mass m, "
        "free or in a harmonic potential ½mω²x², on a lattice of M steps ε = τ/M; Mehler's "
        "continuum kernel; the oscillator's ground state; the thermal circle of length βħ.",
        (
            "lattice_log_propagator",
            "classical_path",
            "pinned_propagator",
            "path_precision",
            "log_path_measure",
            "lattice_oscillator_log_propagator",
            "log_mehler_kernel",
            "ground_state_energy",
            "log_ground_state_ratio",
            "ground_state_variance",
            "euclidean_correlator",
            "ground_state_path_precision",
            "log_ground_state_path_measure",
            "thermal_position_variance",
        ),
        euclidean_path_integral,
    ),
    learning=LearningMethod(
        "Gaussian-process regression in one input",
        "A GP over time with the Brownian-motion kernel D·min(s, t) or the exponential "
        "(Ornstein–Uhlenbeck, Matérn-½) kernel v·exp(−|s − t|/ℓ): marginal likelihood, posterior "
        "after observing an endpoint, kernel matrices and their inverses on a grid, and the "
        "periodic version of the kernel.",
        (
            "brownian_log_marginal_likelihood",
            "bridge_mean",
            "bridge_covariance",
            "brownian_prior_precision",
            "log_brownian_prior_normalizer",
            "ou_log_transition_density",
            "ou_stationary_variance",
            "ou_kernel_at_horizon",
            "ou_grid_precision",
            "log_ou_grid_normalizer",
            "periodic_kernel_variance",
        ),
        gaussian_process_regression,
    ),
    parameters=(MASS, HBAR, FREQUENCY, DURATION, STEPS, START, END),
    translate=gp_from_path_integral,
    validate=validate_path_gp,
    example=GP_WORKED_EXAMPLE,
    examples=GP_STRESS_EXAMPLES,
    strategy=path_gp_strategy,
    identities=(
        Identity(
            "lattice-propagator-is-brownian-marginal",
            "exact",
            check_free_particle,
            "atol 8·eps·M·(1 + |log p| + Σ|terms|): (M/2)|log(c/2π)|, M log 2π, ½|log det A|, "
            "S_cl/ħ and (m/ħτ)|x_b − x_a|·max|x|, c = m/(ħε)",
            "The lattice side sums M terms of these sizes (the measure, the banded Cholesky's "
            "log-determinant, the classical action over M links); the link differences of the "
            "classical path round relative to max|x|. S is stationary at x_cl, so errors of "
            "the solve enter at second order only.",
        ),
        Identity(
            "lattice-action-is-brownian-prior",
            "exact",
            check_brownian_prior,
            "precision: atol 4·M·eps·cond(Q)·max|Q|, cond(Q) = 1/sin²(π/(4M + 2)); normaliser: "
            "atol 8·eps·M·(1 + |log measure| + M)",
            "K⁻¹ from a Cholesky factor of the dense kernel matrix K = (ħ/m)·min(t_i, t_j) has "
            "relative error n·eps·cond(K), and cond(K) = cond(Q) is known in closed form. The "
            "Cholesky pivots (ħ/m)(t_j − t_(j−1)) are differences, each with relative error up "
            "to j·eps: M²·eps in the log-determinant.",
        ),
        Identity(
            "pinned-paths-are-brownian-bridge",
            "exact",
            check_bridge,
            "atol 4·eps·(1 + M·cot²(π/2M))·(ħτ/m) for the covariance; for the mean "
            "4·(1 + M·cot²(π/2M))·(eps·max(|x_a|, |x_b|) + η), η = 2⁻¹⁰⁷⁴ the subnormal spacing",
            "The banded solve with the tridiagonal A (condition cot²(π/2M)) against the GP's "
            "Schur complement D·(min(s, t) − st/τ), whose entries are at most Dτ.",
        ),
        Identity(
            "mehler-kernel-is-ou-transition",
            "exact",
            check_mehler,
            "atol 16·eps·(1 + Σ|terms|) over the terms of log K_E, E₀τ/ħ, log ψ₀(x_b)/ψ₀(x_a) and "
            "log p_OU (including (x_a² + x_b²)/(v(1 − e^(−2ωτ))))",
            "Both sides are sums of terms that cancel when the endpoints are far out (the "
            "ground-state factor against Mehler's exponent); each term is rounded relative to "
            "itself. sinh and cosh are never formed (log-space forms).",
        ),
        Identity(
            "ground-state-correlator-is-ou-kernel",
            "exact",
            check_correlator,
            "atol 8·eps·coth(ωτ/2)·ħ/(2mω)",
            "The physics side inverts the 2 × 2 precision of (x(0), x(τ)) in the ground state; "
            "its condition number is coth(ωτ/2).",
        ),
        Identity(
            "ground-state-action-is-ou-precision",
            "exact",
            check_ou_precision,
            "precision: atol 4·(M + 1)·eps·cond(K)·max|P| with cond(K) ≤ min(r, M + 1)·r, "
            "r = coth(ωΔ/2); normaliser: atol 8·eps·(M + 1)·(1 + Σ|terms| + r)",
            "The OU kernel matrix on the grid has eigenvalues in [v/r, min(r, M + 1)·v]; its "
            "Cholesky inverse has relative error n·eps·cond(K). Its pivots v(1 − a²) are "
            "differences with relative error up to eps·r each. The local action's entries are "
            "closed forms, exact to a few eps.",
        ),
        Identity(
            "lattice-oscillator-converges-as-eps-squared",
            "limit",
            check_oscillator_limit,
            "err(M)/err(2M) within 4 ± 0.2 for M = 16, 32, 64 (sweep M = 8 … 128), for each "
            "of the four coefficients of the Gaussian kernel in (x_a, x_b)",
            "The trapezoid rule's error is c₂ε² + c₄ε⁴ + …: the ratio is 4(1 + O((ωε)²)), within "
            "0.05 of 4 at ωτ ≤ 3, M ≥ 16 (spec 5B PI-5 observed 3.97, 3.99, 4.00). The "
            "coefficient errors stay at least 1e-8, far above rounding (1e-12).",
            strategy=oscillator_sweep_strategy,
            examples=OSCILLATOR_EXAMPLES,
        ),
        Identity(
            "thermal-lattice-converges-to-periodic-kernel",
            "limit",
            check_thermal_limit,
            "err(M)/err(2M) within 4 ± 0.2 for M = 16, 32, 64 (sweep M = 8 … 128)",
            "The same O(ε²) rate on the thermal circle (spec 5B PI-6 observed 3.98–4.00 at "
            "βħω = 3); at βħω ≤ 3 the O(ε⁴) term moves the ratio by less than 0.03.",
            strategy=thermal_strategy,
            examples=THERMAL_EXAMPLES,
        ),
    ),
    mutants=(
        Mutant(
            "kinetic-term-over-eps-squared",
            "kinetic term m(Δx)²/(2ε²) instead of m(Δx)²/(2ε)",
            _kinetic_over_eps_squared,
            ("lattice-propagator-is-brownian-marginal",),
        ),
        Mutant(
            "left-point-potential-rule",
            "potential summed with the left-point rule instead "
            "of the trapezoid rule: still converges, but at O(ε)",
            _left_point_rule,
            ("lattice-oscillator-converges-as-eps-squared",),
        ),
        Mutant(
            "ground-state-energy-missing",
            "the factor e^(E₀τ/ħ) dropped (E₀ = 0)",
            _ground_state_energy_missing,
            ("mehler-kernel-is-ou-transition",),
        ),
        Mutant(
            "ou-variance-single-exponent",
            "OU transition variance v(1 − e^(−ωτ)) instead of v(1 − e^(−2ωτ))",
            _ou_variance_single_exponent,
            ("mehler-kernel-is-ou-transition",),
        ),
        Mutant(
            "ground-state-product-not-ratio",
            "ψ₀(x_b)·ψ₀(x_a) instead of ψ₀(x_b)/ψ₀(x_a)",
            _ground_state_product,
            ("mehler-kernel-is-ou-transition",),
        ),
        Mutant(
            "diffusion-without-hbar",
            "Brownian kernel (1/m)·min(s, t): ħ dropped",
            _diffusion_without_hbar,
            ("lattice-propagator-is-brownian-marginal",),
        ),
        Mutant(
            "frequency-as-length-scale",
            "OU length scale ℓ = ω instead of 1/ω",
            _rate_as_length_scale,
            (
                "mehler-kernel-is-ou-transition",
                "ground-state-correlator-is-ou-kernel",
                "ground-state-action-is-ou-precision",
            ),
        ),
        Mutant(
            "thermal-circle-without-hbar",
            "periodic kernel with period β instead of βħ",
            _thermal_circle_without_hbar,
            ("thermal-lattice-converges-to-periodic-kernel",),
        ),
        Mutant(
            "bridge-without-conditioning",
            "prior covariance (ħ/m)·min(s, t) where the posterior given the endpoint is meant",
            _bridge_without_conditioning,
            ("pinned-paths-are-brownian-bridge",),
        ),
    ),
)


# =================================================================================================
# The hooks
# =================================================================================================

CORRESPONDENCES = (PATH_INTEGRAL_LAPLACE, PATH_INTEGRAL_GP)


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    return list(CORRESPONDENCES)
