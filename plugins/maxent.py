"""Maximum-entropy plugin: Jaynes's principle and multinomial logistic regression.

Two independent computations of one conditional distribution P(y|xᵢ) on n samples and K
classes, under the contract of ``physml eval``: features X (n × d) used as given, hard labels y,
and a Gaussian prior of precision ``l2`` on the K × d multipliers.

* The physics side optimises over probabilities, never over weights: it maximises the conditional
  entropy H(P) = −Σᵢ Σ_y P_iy log P_iy over row-stochastic P subject to the feature–class moment
  constraints XᵀP = XᵀP̃ (P̃ the one-hot labels), relaxed by the prior to the penalty
  ‖Xᵀ(P − P̃)‖²/(2·l2) when l2 > 0. The method is Newton's on the n·K probabilities (the low-rank
  constraint term inverted by the Woodbury identity, so each step solves a d·K system) with a
  fraction-to-the-boundary line search; l2 = 0 is reached by continuation in l2 followed by
  infeasible-start Newton steps on the hard constraints. The Lagrange multipliers are read off
  each step's KKT system. Where the hard constraints leave no interior solution (separable
  labels) the continuation converges to the boundary optimum (a quadratic-penalty method).
* The learning side is maximum likelihood as practitioners compute it: minimise the summed
  cross-entropy plus ‖W‖²/(2C) over the K × d weights by L-BFGS with an analytic gradient, then
  Newton steps; C = 1/l2 is scikit-learn's inverse regularisation strength.

The two sides share no solver code and meet only at the optimum, where convex duality makes them
equal. The tests add scikit-learn's ``LogisticRegression``, SLSQP on the full primal and the
intercept-only closed form as third, independent references.
"""

from __future__ import annotations

import math
from collections import OrderedDict
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

#: Probabilities are kept ≥ this floor on the physics side (their entropy and moment
#: contributions, below 1e-297, are far beneath rounding).
_FLOOR = 1e-300

# -- a small memo: identities ask both sides about the same parameters ---------------------------

_CACHE: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_CACHE_SIZE = 128


def _key(tag: str, params: dict[str, Any]) -> tuple[Any, ...]:
    import numpy as np

    parts: list[Any] = [tag]
    for name in sorted(params):
        array = np.asarray(params[name])
        parts.append((name, array.dtype.str, array.shape, array.tobytes()))
    return tuple(parts)


def _memo(tag: str, params: dict[str, Any], compute: Any) -> dict[str, Any]:
    """``compute(params)``, remembered for the last few parameter sets; callers get copies."""
    import numpy as np

    key = _key(tag, params)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        result = _CACHE[key]
    else:
        result = compute(params)
        _CACHE[key] = result
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in result.items()}


def _design(features: Any) -> Any:
    import numpy as np

    X = np.asarray(features, dtype=float)
    return X.reshape(-1, 1) if X.ndim == 1 else X


def _one_hot(labels: Any, classes: int) -> Any:
    import numpy as np

    y = np.asarray(labels, dtype=np.int64)
    table = np.zeros((y.size, classes))
    table[np.arange(y.size), y] = 1.0
    return table


# -- physics side: maximum entropy over probabilities --------------------------------------------


def _constraint_curvature(X: Any, P: Any) -> Any:
    """Σᵢ xᵢxᵢᵀ ⊗ (diag Pᵢ − PᵢPᵢᵀ), ordered (feature, class): the constraint term seen
    through the entropy's inverse curvature on the simplex (Woodbury's inner matrix)."""
    import numpy as np

    d, K = X.shape[1], P.shape[1]
    curvature = np.empty((d, K, d, K))
    for k in range(K):
        for m in range(k, K):
            weight = -P[:, k] * P[:, m]
            if k == m:
                weight = weight + P[:, k]
            block = X.T @ (X * weight[:, None])
            curvature[:, k, :, m] = block
            curvature[:, m, :, k] = block.T
    return curvature.reshape(d * K, d * K)


def _simplex_project(P: Any, G: Any) -> Any:
    """Rows Pᵢ ⊙ (Gᵢ − ⟨Pᵢ, Gᵢ⟩): the inverse entropy curvature on the simplex applied to G."""
    import numpy as np

    return P * (G - np.sum(P * G, axis=1, keepdims=True) / np.sum(P, axis=1, keepdims=True))


def _relaxed_objective(X: Any, P: Any, targets: Any, l2: float) -> float:
    import numpy as np
    from scipy.special import entr

    value = float(entr(P).sum())
    if l2 > 0:
        residual = X.T @ P - targets
        value -= float(np.sum(residual * residual)) / (2 * l2)
    return value


def _primal_newton(
    X: Any, targets: Any, P: Any, l2: float, max_iter: int = 200
) -> tuple[Any, Any, bool]:
    """Newton's method on max H(P) − ‖XᵀP − targets‖²/(2·l2) over simplex rows; with l2 = 0,
    on max H(P) subject to XᵀP = targets from any start (infeasible-start Newton).

    Each step solves the primal KKT system. With Q the inverse entropy curvature on the simplex
    (``_simplex_project``), the multipliers are Λ = (XᵀQX + l2·I)⁻¹(XᵀQ log P − (XᵀP − targets))
    (Woodbury: a d·K system, not n·K) and the step is ΔP = Q(XΛ − log P). Steps keep P > 0
    (fraction to the boundary, 0.995) and are backtracked on the objective while the Newton
    decrement is large. Returns (P, Λ, converged).
    """
    import warnings

    import numpy as np
    import scipy.linalg as sla

    d = X.shape[1]
    K = P.shape[1]
    gauge = np.kron(np.eye(d), np.full((K, K), 1.0 / K))  # projector onto W → W + v1ᵀ
    objective = _relaxed_objective(X, P, targets, l2)
    multipliers = np.zeros((d, K))
    settled, previous = 0, math.inf
    for _ in range(max_iter):
        log_p = np.log(P)
        residual = X.T @ P - targets
        curvature = _constraint_curvature(X, P) + l2 * np.eye(d * K)
        shift = max(float(np.trace(curvature)) / (d * K), 1e-300)
        rhs = X.T @ _simplex_project(P, log_p) - residual
        try:
            with warnings.catch_warnings():  # near the boundary; failure is detected below
                warnings.simplefilter("ignore", sla.LinAlgWarning)
                solved = sla.solve(curvature + shift * gauge, rhs.ravel(), assume_a="pos")
        except (np.linalg.LinAlgError, ValueError):
            return P, multipliers, False
        multipliers = solved.reshape(d, K)
        step = _simplex_project(P, X @ multipliers - log_p)
        if not np.all(np.isfinite(step)):
            return P, multipliers, False
        gradient = -log_p - (X @ residual / l2 if l2 > 0 else 0.0)
        decrement = float(np.sum(gradient * step))
        live = P > 1e-280
        shrinking = (step < 0) & live
        t = 1.0
        if shrinking.any():
            t = min(1.0, 0.995 * float(np.min(P[shrinking] / -step[shrinking])))
        damped = decrement > 1e-9 * (1.0 + abs(objective))
        if damped:
            while t > 1e-14:
                trial = np.maximum(P + t * step, _FLOOR)
                trial /= trial.sum(axis=1, keepdims=True)
                if _relaxed_objective(X, trial, targets, l2) >= objective + 1e-4 * t * decrement:
                    break
                t *= 0.5
            else:
                return P, multipliers, False
        P = np.maximum(P + t * step, _FLOOR)
        P /= P.sum(axis=1, keepdims=True)
        if l2 == 0 and np.any(P <= 1e-280):
            return P, multipliers, False  # pushed onto the boundary: no interior solution
        objective = _relaxed_objective(X, P, targets, l2)
        if not damped and t == 1.0:
            # Stop when every probability, however small, has settled to ~1e-11 relative, or
            # stagnates at rounding level. (Probabilities far below the others weigh nothing in
            # the decrement and converge last: their log-error e goes to e − log(1 + e).)
            relative = float(np.max(np.abs(step[live]) / P[live]))
            if relative <= 1e-11 or (relative <= 1e-6 and relative >= 0.5 * previous):
                settled += 1
                if settled >= 2:
                    break
            previous = relative
    else:
        if damped or l2 == 0:
            return P, multipliers, False
    feasible = float(np.max(np.abs(X.T @ P - targets))) <= 1e-8 * (
        1.0 + float(np.max(np.abs(targets)))
    )
    return P, multipliers, l2 > 0 or feasible


def _solve_maximum_entropy(X: Any, T: Any, l2: float) -> tuple[Any, Any]:
    """The maximiser of H(P) − ‖Xᵀ(P − T)‖²/(2·l2) (l2 = 0: of H(P) subject to XᵀP = XᵀT),
    and its multipliers Λ in the class-centred gauge (NaN when they are infinite)."""
    import numpy as np

    K = T.shape[1]
    targets = X.T @ T
    P = 0.5 * T + 0.5 / K
    # Continuation: from a strong relaxation (l2 of the order ‖X‖²) down to the l2 asked for
    # in steps of 1e6, each stage warm-started from the last; for l2 = 0, Newton on the hard
    # constraints last.
    start = float(np.linalg.norm(X, 2)) ** 2 + 1.0
    level = start
    reached = math.inf
    while level > l2 and level > 1e-14 * start:
        P, _, _ = _primal_newton(X, targets, P, level)
        reached, level = level, level * 1e-6
    boundary = P
    P, multipliers, converged = _primal_newton(X, targets, P, l2, 50 if l2 == 0 else 200)
    if converged and (l2 > 0 or np.all(P > 1e-280)):
        return P, multipliers - multipliers.mean(axis=1, keepdims=True)
    if l2 > 0:
        raise RuntimeError("the relaxed maximum-entropy problem did not converge")
    # No interior solution (separable labels): the optimum lies on the boundary of the simplex
    # and the multipliers are infinite. When the constraints pin P down to the labels (complete
    # separation: a linear program finds no feasible P with any mass off the labels), that is
    # the answer, H = 0. Otherwise the relaxed maximisers converge to it as l2 → 0 (the
    # quadratic-penalty method, entropy error ~ l2): carry the continuation on from the last
    # stage, in finer steps of 100, down to l2 = 1e-24·‖X‖².
    infinite = np.full((X.shape[1], K), np.nan)
    if _largest_mass_off_labels(X, T) <= 1e-8:
        return T.copy(), infinite
    P, level = boundary, min(reached, start) * 1e-2
    while level > 1e-24 * start:
        P, _, _ = _primal_newton(X, targets, P, level, 50)
        level *= 1e-2
    return P, infinite


def _largest_mass_off_labels(X: Any, T: Any) -> float:
    """max Σ_{i, y ≠ yᵢ} P_iy over row-stochastic P with XᵀP = XᵀP̃ (a linear program over the
    n·K probabilities, class K's constraints dropped as implied): 0 when P̃ is the only point
    that satisfies the constraints."""
    import numpy as np
    from scipy import sparse
    from scipy.optimize import linprog

    N, K = T.shape
    d = X.shape[1]
    rows = sparse.kron(sparse.eye(N), np.ones((1, K)))
    moments = sparse.kron(sparse.csr_matrix(X.T), sparse.eye(K)).tocsr()
    keep = np.array([j * K + k for j in range(d) for k in range(K - 1)], dtype=np.int64)
    A = sparse.vstack([rows, moments[keep]]).tocsr()
    b = np.concatenate([np.ones(N), (X.T @ T).ravel()[keep]])
    result = linprog(
        T.ravel() - 1.0,
        A_eq=A,
        b_eq=b,
        bounds=(0.0, 1.0),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    return float(-result.fun) if result.status == 0 else math.inf


def _maxent(params: dict[str, Any], *, joint: bool = False) -> dict[str, Any]:
    import numpy as np
    from scipy.special import entr

    X = _design(params["features"])
    y = np.asarray(params["labels"], dtype=np.int64)
    K = int(y.max()) + 1
    N = y.size
    T = _one_hot(y, K)
    l2 = float(params["l2"])
    if "trial_probabilities" in params:
        P = np.asarray(params["trial_probabilities"], dtype=float)
        multipliers = np.full((X.shape[1], K), np.nan)
    elif joint:
        # max H(p(x, y)) = H(P)/n + log n under the relaxation l2 is max H(P) under l2/n; the
        # multipliers of the joint problem are those of the conditional one divided by n.
        P, multipliers = _solve_maximum_entropy(X, T, l2 / N)
        multipliers = multipliers / N
    else:
        P, multipliers = _solve_maximum_entropy(X, T, l2)
    residual = X.T @ (P - T)
    entropy = float(entr(P).sum())
    if joint:
        entropy = entropy / N + math.log(N)
    penalty = float(np.sum(residual**2)) / (2 * l2) if l2 > 0 else 0.0
    return {
        "probabilities": P,
        "entropy": entropy,
        "objective": entropy - penalty,
        "multipliers": multipliers,
        "moment_residual": residual,
        "data_moments": X.T @ T,
    }


def maximum_entropy(params: dict[str, Any]) -> dict[str, Any]:
    """The maximum-entropy conditional distribution under the (relaxed) moment constraints.

    With ``trial_probabilities`` in ``params`` it evaluates the entropy, the objective and the
    moment residual of that P instead of maximising (for the duality-gap identity).
    """
    return _memo("maxent", params, _maxent)


# -- learning side: maximum-likelihood multinomial logistic regression ---------------------------


def _logistic_hessian(X: Any, P: Any) -> Any:
    """The likelihood's Hessian Σᵢ xᵢxᵢᵀ ⊗ (diag pᵢ − pᵢpᵢᵀ), ordered (feature, class)."""
    N, d = X.shape
    K = P.shape[1]
    Z = (X[:, :, None] * P[:, None, :]).reshape(N, d * K)
    hessian = -(Z.T @ Z)
    for k in range(K):
        hessian[k::K, k::K] += (X * P[:, k : k + 1]).T @ X
    return hessian


def _fit_logistic(
    X: Any, y: Any, K: int, C: float, *, sign: float = 1.0, penalised: Any = None
) -> tuple[Any, int]:
    """Minimise Σᵢ −log softmax(sign·xᵢᵀW)_{yᵢ} + ‖mask∘W‖²/(2C); gauge W[:, K−1] = 0 if C = ∞."""
    import warnings

    import numpy as np
    import scipy.linalg as sla
    from scipy.optimize import minimize
    from scipy.special import log_softmax

    N, d = X.shape
    inverse_c = 0.0 if math.isinf(C) else 1.0 / C
    free = K if inverse_c > 0 else K - 1
    mask = (
        np.ones((d, K))
        if penalised is None
        else np.repeat(np.asarray(penalised, dtype=float)[:, None], K, axis=1)
    )
    rows = np.arange(N)
    target = _one_hot(y, K)

    def unpack(w: Any) -> Any:
        W = np.zeros((d, K))
        W[:, :free] = w.reshape(d, free)
        return W

    def loss_and_gradient(w: Any) -> tuple[float, Any]:
        W = unpack(w)
        log_p = log_softmax(sign * (X @ W), axis=1)
        loss = -float(log_p[rows, y].sum()) + 0.5 * inverse_c * float(np.sum(mask * W * W))
        gradient = sign * (X.T @ (np.exp(log_p) - target)) + inverse_c * mask * W
        return loss, gradient[:, :free].ravel()

    scale = 1.0 + float(np.abs(X).sum())
    result = minimize(
        loss_and_gradient,
        np.zeros(d * free),
        jac=True,
        method="L-BFGS-B",
        options={"maxcor": 30, "gtol": 1e-6 * scale, "ftol": 1e-12, "maxiter": 2_000},
    )
    w = result.x
    loss, gradient = loss_and_gradient(w)
    index = (np.arange(d)[:, None] * K + np.arange(free)[None, :]).ravel()
    settled = 0
    for _ in range(50):  # Newton polish with backtracking
        P = np.exp(log_softmax(sign * (X @ unpack(w)), axis=1))
        hessian = _logistic_hessian(X, P) + inverse_c * np.diag(mask.ravel())
        hessian = hessian[np.ix_(index, index)]
        try:
            with warnings.catch_warnings():  # nearly separable: lstsq below takes over
                warnings.simplefilter("ignore", sla.LinAlgWarning)
                step = sla.solve(hessian, gradient, assume_a="pos")
        except (np.linalg.LinAlgError, ValueError):
            step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        decrement = float(gradient @ step)
        t = 1.0
        if decrement > 1e-9 * (1.0 + abs(loss)):
            while t > 1e-12 and loss_and_gradient(w - t * step)[0] > loss - 1e-4 * t * decrement:
                t *= 0.5
        w = w - t * step
        loss, gradient = loss_and_gradient(w)
        if decrement <= 1e-24 * (1.0 + abs(loss)):
            settled += 1
            if settled >= 2:
                break
    W = unpack(w)
    if inverse_c == 0.0:
        W = W - W.mean(axis=1, keepdims=True)  # report the class-centred gauge, Σ_y W_jy = 0
        logits = sign * (X @ W)
        chosen = logits[rows, y]
        logits[rows, y] = -np.inf
        separated = bool(np.all(chosen > logits.max(axis=1)))
        if separated or float(np.max(np.abs(gradient))) > 1e-6 * scale:
            raise ParameterError(
                "labels",
                "maximum likelihood does not converge: the classes are separable by the "
                "features, so with l2 = 0 the weights run off to infinity; use l2 > 0",
            )
    return W, int(result.nit)


def _logistic_observables(X: Any, y: Any, K: int, C: float, W: Any, sign: float) -> dict[str, Any]:
    import numpy as np
    from scipy.special import log_softmax

    log_p = log_softmax(sign * (X @ W), axis=1)
    P = np.exp(log_p)
    nll = -float(log_p[np.arange(y.size), y].sum())
    inverse_c = 0.0 if math.isinf(C) else 1.0 / C
    gradient = sign * (X.T @ (P - _one_hot(y, K))) + inverse_c * W
    return {
        "probabilities": P,
        "log_probabilities": log_p,
        "weights": W,
        "nll": nll,
        "loss": nll + 0.5 * inverse_c * float(np.sum(W * W)),
        "gradient_norm": float(np.max(np.abs(gradient))),
    }


def _separating_weights(X: Any, y: Any, K: int) -> Any:
    """A linear classifier with every margin xᵢᵀ(w_{yᵢ} − w_k) ≥ 1, by linear programming."""
    import numpy as np
    from scipy.optimize import linprog

    N, d = X.shape
    rows = []
    for i in range(N):
        for k in range(K):
            if k != y[i]:
                row = np.zeros((d, K))
                row[:, y[i]] += X[i]
                row[:, k] -= X[i]
                rows.append(row.ravel())
    A = np.array(rows)
    result = linprog(
        np.zeros(d * K), A_ub=-A, b_ub=-np.ones(len(rows)), bounds=(None, None), method="highs"
    )
    if result.status != 0:
        raise ParameterError("labels", "the labels are not completely separable by the features")
    W = result.x.reshape(d, K)
    return W - W.mean(axis=1, keepdims=True)


def _logistic(
    params: dict[str, Any],
    *,
    sign: float = 1.0,
    drop_constant: bool = False,
    free_constant: bool = False,
) -> dict[str, Any]:
    import numpy as np

    X = _design(params["inputs"])
    y = np.asarray(params["targets"], dtype=np.int64)
    K = int(y.max()) + 1
    C = float(params["C"])
    constant = np.all(X[:1] == X, axis=0) & np.any(X != 0, axis=0)
    used = ~constant if drop_constant else np.ones(X.shape[1], dtype=bool)
    penalised = ~constant if free_constant else None
    if "trial_weights" in params:
        W = np.asarray(params["trial_weights"], dtype=float) * used[:, None]
        return _logistic_observables(X, y, K, C, W, sign)
    if "ray_scales" in params:
        scales = np.asarray(params["ray_scales"], dtype=float)
        W_sep = np.zeros((X.shape[1], K))
        W_sep[used] = _separating_weights(X[:, used], y, K)
        nll = [_logistic_observables(X, y, K, math.inf, s * W_sep, sign)["nll"] for s in scales]
        return {"ray_scales": scales, "ray_nll": np.array(nll), "separating_weights": W_sep}
    W = np.zeros((X.shape[1], K))
    if used.any():
        W[used], _ = _fit_logistic(
            X[:, used], y, K, C, sign=sign, penalised=None if penalised is None else penalised[used]
        )
    return _logistic_observables(X, y, K, C, W, sign)


def logistic_regression(params: dict[str, Any]) -> dict[str, Any]:
    """Multinomial logistic regression fitted by penalised maximum likelihood.

    With ``trial_weights`` it evaluates the model at those weights instead of fitting; with
    ``ray_scales`` (separable labels) it evaluates the likelihood along a separating ray.
    """
    return _memo("logistic", params, _logistic)


def logistic_inputs(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: features → inputs, labels → targets, prior precision l2 → C = 1/l2.

    scikit-learn's convention: minimise ½‖W‖² + C·Σᵢ −log p(yᵢ|xᵢ), the same minimiser as
    Σᵢ −log p(yᵢ|xᵢ) + (l2/2)‖W‖² when C = 1/l2 (C = ∞: no penalty).
    """
    l2 = float(params["l2"])
    translated = {
        "inputs": params["features"],
        "targets": params["labels"],
        "C": 1.0 / l2 if l2 > 0 else math.inf,
    }
    for extra in ("trial_weights", "ray_scales"):
        if extra in params:
            translated[extra] = params[extra]
    return translated


# -- parameters and their cross-checks -----------------------------------------------------------

FEATURES = Parameter(
    "features",
    "input vectors xᵢ, one row per sample, used as given (no bias column is added: append a "
    "constant column for an intercept)",
    "finite reals",
    shape="(n, d)",
    ndim=2,
)
LABELS = Parameter(
    "labels",
    "class of each sample: integers 0..K−1, every class present (K = max label + 1)",
    "integers ≥ 0",
    shape="(n,)",
    ndim=1,
    integer=True,
    minimum=0,
)
L2 = Parameter(
    "l2",
    "precision of the Gaussian prior on the multipliers (weights): penalty (l2/2)‖W‖²; 0 means "
    "exact constraints, plain maximum likelihood (the default when you give your own data)",
    "l2 ≥ 0",
    minimum=0.0,
    neutral=lambda values: 0.0,
)

#: Columns scaled to unit length with a condition number beyond this are collinear for l2 = 0:
#: the multipliers' curvature (conditioned like its square) is then singular in float64.
_COLLINEAR = 1e8


def _separation_margin(X: Any, y: Any, K: int) -> float:
    """Albert–Anderson's test: the largest Σ of margins xᵢᵀ(w_{yᵢ} − w_k) ∈ [0, 1] over all W.

    It is 0 when the labels overlap (a finite maximum-likelihood estimate exists) and ≥ 1 when
    some W separates them, completely or quasi-completely (scale W until its largest margin is
    1); the linear program decides which.
    """
    import numpy as np
    from scipy import sparse
    from scipy.optimize import linprog

    d = X.shape[1]
    sample, other = np.nonzero(np.arange(K)[None, :] != np.asarray(y)[:, None])
    count = sample.size
    columns = np.arange(d)[None, :] * K
    row = np.repeat(np.arange(count), d)
    A = sparse.csr_matrix(
        (
            np.concatenate([X[sample].ravel(), -X[sample].ravel()]),
            (
                np.concatenate([row, row]),
                np.concatenate(
                    [(columns + y[sample][:, None]).ravel(), (columns + other[:, None]).ravel()]
                ),
            ),
        ),
        shape=(count, d * K),
    )
    result = linprog(
        -np.asarray(A.sum(axis=0)).ravel(),
        A_ub=sparse.vstack([A, -A]).tocsr(),
        b_ub=np.concatenate([np.ones(count), np.zeros(count)]),
        bounds=(None, None),
        method="highs",
    )
    return float(-result.fun) if result.status == 0 else math.inf


def _check_identifiable(X: Any) -> None:
    """With l2 = 0 the weights are determined only by linearly independent feature columns."""
    import numpy as np

    n, d = X.shape
    zero = np.flatnonzero(~np.any(X != 0, axis=0))
    if zero.size:
        raise ParameterError(
            "features",
            f"column {zero[0]} is all zeros: with l2 = 0 its weights are not "
            "determined; drop the column or use l2 > 0",
        )
    if n < d:
        raise ParameterError(
            "features",
            f"has fewer rows ({n}) than columns ({d}): with l2 = 0 the weights are "
            "not determined; use l2 > 0",
        )
    unit = X / np.linalg.norm(X, axis=0)
    _, singular, vt = np.linalg.svd(unit, full_matrices=False)
    if singular[-1] <= singular[0] / _COLLINEAR:
        combination = vt[-1]
        involved = np.flatnonzero(np.abs(combination) > 1e-3 * np.max(np.abs(combination)))
        which = (
            f"columns {involved[0]} and {involved[1]} are collinear"
            if involved.size == 2
            else f"columns {', '.join(str(int(j)) for j in involved)} are linearly dependent"
        )
        raise ParameterError(
            "features",
            f"{which} (condition number {singular[0] / singular[-1]:.1e} after "
            "scaling the columns to unit length): with l2 = 0 their weights are not determined "
            "(the moment constraints are redundant); drop a column or use l2 > 0",
        )


def validate_data(values: dict[str, Any]) -> None:
    """One label per row; classes 0..K−1 all present; with l2 = 0, identifiable and overlapping."""
    import numpy as np

    X, y, l2 = values["features"], values["labels"], values["l2"]
    n = X.shape[0]
    if y.size != n:
        raise ParameterError(
            "labels", f"has {y.size} entries but features has {n} rows; give one label per row"
        )
    K = int(y.max()) + 1
    if K < 2:
        raise ParameterError(
            "labels", "every label is 0: a classifier needs at least two classes, labelled 0..K−1"
        )
    missing = np.flatnonzero(np.bincount(y, minlength=K) == 0)
    if missing.size:
        raise ParameterError(
            "labels",
            f"class {missing[0]} never occurs: K = max label + 1 = {K}, so every class "
            f"0..{K - 1} must appear; relabel the classes as consecutive integers",
        )
    if l2 == 0:
        _check_identifiable(X)
        if _cached_margin(X, y, K) >= 0.5:
            raise ParameterError(
                "labels",
                "the classes are linearly separable by the features (a linear program "
                "finds weights with every margin ≥ 0 and some > 0): with l2 = 0 no maximum-"
                "likelihood solution exists (the weights run off to infinity, and the maximum-"
                "entropy solution gives some classes probability 0); use l2 > 0",
            )


def _cached_margin(X: Any, y: Any, K: int) -> float:
    margin = _memo(
        "separation",
        {"features": X, "labels": y},
        lambda p: {"margin": _separation_margin(p["features"], p["labels"], K)},
    )
    return float(margin["margin"])


# -- strategies ----------------------------------------------------------------------------------


def _sample_labels(rng: Any, logits: Any) -> Any:
    import numpy as np

    return np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)


def maxent_strategy() -> Any:
    """n ∈ [5, 40], d ∈ [1, 4] plus sometimes a constant column, K ∈ [2, 5]; features
    N(0, 1)·10^U(−1, 1) per column with cond ≤ 1e6; labels drawn from a random softmax teacher
    (every class present); l2 log-uniform in [1e-3, 1], or l2 = 0 with a certificate that the
    labels overlap (n ≥ 3·d·(K − 1) there, so that most draws do)."""
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        K = draw(st.integers(2, 5))
        d = draw(st.integers(1, 4))
        constant = draw(st.booleans())
        D = d + int(constant)
        hard = draw(st.booleans()) and 3 * D * (K - 1) <= 40
        N = draw(st.integers(max(5, 3 * D * (K - 1)) if hard else 5, 40))
        scales = np.array([10.0 ** draw(st.floats(-1, 1)) for _ in range(d)])
        strength = 10.0 ** draw(st.floats(-1, 0.5))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))  # data, not a statistic
        X = rng.standard_normal((N, d)) * scales
        if constant:
            X = np.column_stack([X, np.full(N, draw(st.sampled_from([1.0, 0.1, 3.0, 10.0])))])
        assume(np.linalg.cond(X) <= 1e6)
        teacher = rng.standard_normal((D, K)) * strength / np.sqrt(np.mean(X**2, axis=0))[:, None]
        labels = _sample_labels(rng, X @ teacher)
        labels[:K] = rng.permutation(K)  # every class present
        if hard:
            l2 = 0.0
            assume(_cached_margin(X, labels, K) < 0.5)
        else:
            l2 = 10.0 ** draw(st.floats(-3, 0))
        return {"features": X.tolist(), "labels": labels.tolist(), "l2": l2}

    return draw()


def separable_strategy() -> Any:
    """Completely separable labels, l2 = 0, n·K ≤ 160, with a constant column: the samples are
    binned into K equal groups along a random direction u, the groups moved apart along u by half
    the spread (so the scores k·uᵀx − c_k with a constant column separate them with a margin), and
    the classes relabelled at random. The ray scales are t = 1, 2, 4, …, 64."""
    import numpy as np
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        K = draw(st.integers(2, 4))
        d = draw(st.integers(1, 3))
        N = draw(st.integers(3 * K, 160 // K))
        scales = np.array([10.0 ** draw(st.floats(-1, 1)) for _ in range(d)])
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))  # data, not a statistic
        X = rng.standard_normal((N, d)) * scales
        u = rng.standard_normal(d) / scales
        groups = np.empty(N, dtype=np.int64)
        groups[np.argsort(X @ u)] = np.arange(N) * K // N
        X += (0.5 * float(np.std(X @ u)) * groups)[:, None] * u / float(u @ u)
        labels = rng.permutation(K)[groups]
        return {
            "features": np.column_stack([X, np.ones(N)]).tolist(),
            "labels": labels.tolist(),
            "l2": 0.0,
            "ray_scales": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0],
        }

    return draw()


def intercept_only_strategy() -> Any:
    """Features = one constant column c (log-uniform in [0.1, 10]), l2 = 0, K ∈ [2, 5] classes
    with counts in [1, 20], in shuffled order."""
    import numpy as np
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        counts = draw(st.lists(st.integers(1, 20), min_size=2, max_size=5))
        c = 10.0 ** draw(st.floats(-1, 1))
        labels = np.repeat(np.arange(len(counts)), counts)
        np.random.default_rng(draw(st.integers(0, 2**32 - 1))).shuffle(labels)
        return {"features": [[c]] * int(labels.size), "labels": labels.tolist(), "l2": 0.0}

    return draw()


# -- tolerances: how far can a computed optimum be from the exact one? ---------------------------


def _data(params: dict[str, Any]) -> tuple[Any, Any, Any, float]:
    import numpy as np

    X = _design(params["features"])
    y = np.asarray(params["labels"], dtype=np.int64)
    return X, y, _one_hot(y, int(y.max()) + 1), float(params["l2"])


def _error_model(X: Any, T: Any, l2: float, P: Any, W: Any) -> dict[str, Any]:
    """Rounding-level bounds on the distance of a computed optimum from the exact one.

    Each side stops when its optimality residual (the gradient Xᵀ(P − P̃) + l2·W, in the units of
    the summed moments) is at rounding level g = γ·‖|X|ᵀ(P + P̃)·(1 + 2·max|z|) + l2·|W|‖, with
    γ = (n + d + 10)·eps (Higham's bound for sums of n products of length d) and (1 + 2·max|z|)
    the relative rounding of softmax probabilities at logits z. Through the smallest curvature
    λ of M = Σᵢ xᵢxᵢᵀ ⊗ (diag pᵢ − pᵢpᵢᵀ) + l2·I on class-centred weights (computed here), that
    moves the weights by δW ≤ 2g/λ (both sides), every logit by δz = max‖xᵢ‖·δW, and every
    probability by δP_iy ≤ P_iy·(2δz + 4γ(1 + 2·max|z|)) (+ the physics side's floor 1e-300).
    """
    import numpy as np

    N, d = X.shape
    K = T.shape[1]
    gamma = (N + d + 10) * EPS
    W = np.nan_to_num(W)
    zmax = float(np.max(np.abs(X) @ np.abs(W)))
    floor = gamma * float(
        np.linalg.norm(np.abs(X).T @ (P + T) * (1.0 + 2.0 * zmax) + l2 * np.abs(W))
    )
    basis = np.linalg.svd(np.eye(K) - 1.0 / K)[0][:, : K - 1]
    embed = np.kron(np.eye(d), basis)
    curvature = embed.T @ (_constraint_curvature(X, P) + l2 * np.eye(d * K)) @ embed
    smallest = max(float(np.linalg.eigvalsh(curvature)[0]), 1e-300)
    weights = 2.0 * floor / smallest
    logits = float(np.max(np.linalg.norm(X, axis=1))) * weights
    relative = 2.0 * logits + 4.0 * gamma * (1.0 + 2.0 * zmax)
    return {
        "gamma": gamma,
        "zmax": zmax,
        "gradient": floor,
        "curvature": smallest,
        "weights": weights,
        "logits": logits,
        "relative": relative,
        "probabilities": P * relative + 2 * _FLOOR,
    }


def _sides(c: Correspondence, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return c.physics.observe(params), c.learning.observe(c.translate(params))


def _kl(P: Any, log_q: Any) -> float:
    """Σᵢ KL(Pᵢ ‖ Qᵢ) from Q's log-probabilities (0·log 0 = 0)."""
    import numpy as np
    from scipy.special import xlogy

    support = P > 0
    return float(xlogy(P, P).sum() - np.sum(P[support] * log_q[support]))


def _logit_sum(X: Any, W: Any) -> float:
    """Σᵢ max_y |X||W|: bounds Σᵢ |log-normaliser| up to n·log K."""
    import numpy as np

    return float(np.sum(np.max(np.abs(X) @ np.abs(np.nan_to_num(W)), axis=1)))


# -- identities ----------------------------------------------------------------------------------


def check_duality_gap(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """NLL(W) − H(P) = Σᵢ KL(Pᵢ ‖ p_W(·|xᵢ)) + ⟨W, Xᵀ(P − P̃)⟩ at trial points, no optimiser."""
    import numpy as np

    X, _, T, _ = _data(params)
    N, d = X.shape
    K = T.shape[1]
    rng = np.random.default_rng(20240601)  # trial points, fixed: not a statistical test
    typical = np.sqrt(np.mean(X**2, axis=0))[:, None]
    trials = [
        (np.full((N, K), 1.0 / K), np.zeros((d, K))),
        (T, rng.standard_normal((d, K)) / typical),
        (rng.dirichlet(np.ones(K), size=N), rng.standard_normal((d, K)) / typical),
        (rng.dirichlet(np.full(K, 0.2), size=N), 20.0 * rng.standard_normal((d, K)) / typical),
    ]
    result = Comparison(True)
    for P, W in trials:
        phys = c.physics.observe({**params, "trial_probabilities": P})
        learn = c.learning.observe(c.translate({**params, "trial_weights": W}))
        kl = _kl(P, learn["log_probabilities"])
        linear = float(np.sum(W * phys["moment_residual"]))
        scale = (
            1.0
            + abs(learn["nll"])
            + abs(phys["entropy"])
            + kl
            + _logit_sum(X, W)
            + N * math.log(K)
            + float(np.sum(np.abs(W) * (np.abs(X).T @ (P + T))))
        )
        result &= close(
            learn["nll"], phys["entropy"] + kl + linear, atol=(d + N * K + 10) * EPS * scale
        )
    return result


def check_moment_matching(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """The fitted model reproduces the maximum-entropy constraints: Xᵀp_W* + l2·W* = XᵀP̃."""
    import numpy as np

    X, _, T, l2 = _data(params)
    phys, learn = _sides(c, params)
    P, W = learn["probabilities"], learn["weights"]
    errors = _error_model(X, T, l2, phys["probabilities"], W)
    atol = 4 * errors["gamma"] * (np.abs(X).T @ (P + T) * (1 + 2 * errors["zmax"]) + l2 * np.abs(W))
    return close(X.T @ P + l2 * W, phys["data_moments"], atol=atol)


def check_strong_duality(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """max_P H(P) − ‖Xᵀ(P − P̃)‖²/(2·l2) = min_W NLL(W) + (l2/2)‖W‖², at the same distribution."""
    import numpy as np

    X, _, T, l2 = _data(params)
    N, K = T.shape
    phys, learn = _sides(c, params)
    P, W = phys["probabilities"], learn["weights"]
    errors = _error_model(X, T, l2, P, W)
    scale = (
        1.0
        + abs(learn["loss"])
        + abs(phys["entropy"])
        + N * math.log(K)
        + _logit_sum(X, W)
        + float(np.sum(np.abs(W) * (np.abs(X).T @ (P + T))))
        + l2 * float(np.sum(W * W))
    )
    # The primal optimum satisfies its moment constraints only to the residual g; through the
    # multipliers W, that moves its value to first order by up to ‖W‖·g.
    agree = close(
        phys["objective"],
        learn["loss"],
        atol=4 * errors["gamma"] * scale
        + errors["gradient"] * (errors["weights"] + float(np.linalg.norm(W))),
    )
    return agree & close(learn["probabilities"], P, atol=errors["probabilities"])


def check_pythagorean(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """For P_t = (1 − t)P̃ + t·P*: H(P*) − H(P_t) = Σᵢ KL(P_t ‖ p_W*) + (1 − t)·l2‖W*‖²."""
    import numpy as np

    X, _, T, l2 = _data(params)
    N = X.shape[0]
    phys, learn = _sides(c, params)
    P_star, W = phys["probabilities"], learn["weights"]
    errors = _error_model(X, T, l2, P_star, W)
    log_star = np.log(np.maximum(P_star, _FLOOR))
    penalty = l2 * float(np.sum(W * W))
    result = Comparison(True)
    for t in (0.0, 0.5, 0.9):
        P_t = (1 - t) * T + t * P_star
        entropy_t = c.physics.observe({**params, "trial_probabilities": P_t})["entropy"]
        kl = _kl(P_t, learn["log_probabilities"])
        scale = (
            1.0
            + abs(phys["entropy"])
            + abs(entropy_t)
            + penalty
            + float(np.sum(P_t * np.abs(learn["log_probabilities"])))
        )
        # −H(P_t) and the Σ P_t log P_t inside the KL cancel exactly; what remains depends on
        # P* through H(P*) and t·Σ P* log p_W, and on W through log p_W and the penalty.
        sensitivity = (
            float(np.sum((1 + (1 + t) * np.abs(log_star)) * errors["probabilities"]))
            + 2 * N * errors["logits"]
            + 2 * l2 * float(np.sum(np.abs(W))) * errors["weights"]
        )
        result &= close(
            phys["entropy"] - entropy_t,
            kl + (1 - t) * penalty,
            atol=4 * errors["gamma"] * scale + sensitivity,
        )
    return result


def check_multipliers(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Λ (from the maximum-entropy KKT system) = W* (class-centred), and Λ fitted by least squares
    to the log-probabilities: log P*_iy − mean_y log P*_iy = xᵢᵀΛ_y."""
    import numpy as np

    X, _, T, l2 = _data(params)
    phys, learn = _sides(c, params)
    P, W = phys["probabilities"], learn["weights"]
    centred = W - W.mean(axis=1, keepdims=True)
    errors = _error_model(X, T, l2, P, W)
    agree = close(phys["multipliers"], centred, atol=errors["weights"])
    if np.any(P <= 1e-280):  # log-probabilities below the floor are not represented
        return agree
    log_p = np.log(P)
    log_p -= log_p.mean(axis=1, keepdims=True)
    fitted, *_ = np.linalg.lstsq(X, log_p, rcond=None)
    singular = np.linalg.svd(X, compute_uv=False)
    error = errors["relative"] + 4 * errors["gamma"] * np.abs(log_p)
    atol = (
        errors["weights"]
        + 2 * float(np.linalg.norm(error)) / singular[-1]
        + 4 * errors["gamma"] * singular[0] / singular[-1] * float(np.max(np.abs(centred)))
    )
    return agree & close(fitted, centred, atol=atol)


def check_relaxation(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """The prior relaxes the constraints: l2·W* = −Xᵀ(P* − P̃), so Σ_y W*_jy = 0, and
    H(P*) = NLL(W*) + l2‖W*‖²."""
    import numpy as np

    X, _, T, l2 = _data(params)
    N, K = T.shape
    phys, learn = _sides(c, params)
    P, W = phys["probabilities"], learn["weights"]
    errors = _error_model(X, T, l2, P, W)
    rounding = 4 * errors["gamma"] * (np.abs(X).T @ (P + T))
    residual_atol = (
        np.abs(X).T @ errors["probabilities"]
        + l2 * errors["weights"]
        + errors["gradient"]
        + rounding
    )
    # Xᵀ(P* − P̃) = −l2·W*, compared as moments: model XᵀP* against data XᵀP̃ − l2·W*.
    data = phys["data_moments"]
    agree = close(data + phys["moment_residual"], data - l2 * W, atol=residual_atol)
    # The class sums are W's component along the gauge direction, where the curvature is l2.
    gauge = K * errors["gradient"] / l2 if l2 > 0 else 0.0
    agree &= close(
        W,
        W - W.mean(axis=1, keepdims=True),
        atol=gauge / K + 4 * errors["gamma"] * float(np.max(np.abs(W))),
    )
    value = learn["nll"] + l2 * float(np.sum(W * W))
    scale = (
        1.0
        + abs(learn["nll"])
        + abs(phys["entropy"])
        + N * math.log(K)
        + _logit_sum(X, W)
        + l2 * float(np.sum(W * W))
    )
    log_p = np.log(np.maximum(P, _FLOOR))
    sensitivity = (
        float(np.sum((1 + np.abs(log_p)) * errors["probabilities"]))
        + 2 * N * errors["logits"]
        + 2 * l2 * float(np.sum(np.abs(W))) * errors["weights"]
    )
    return agree & close(phys["entropy"], value, atol=4 * errors["gamma"] * scale + sensitivity)


def check_separable(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Separable labels, l2 = 0: max H = 0 at P = P̃, and NLL(t·W_sep) ≤ n(K − 1)e^(−t·m) → 0
    decreasingly along a separating ray (margin m > 0): the dual infimum 0 is not attained."""
    import numpy as np

    X, y, T, _ = _data(params)
    N, K = T.shape
    phys, learn = _sides(c, params)
    result = at_most(phys["entropy"], 1e-8, label="max_entropy")
    result &= close(phys["probabilities"], T, atol=1e-6)
    W = learn["separating_weights"]
    logits = X @ W
    chosen = logits[np.arange(N), y]
    logits[np.arange(N), y] = -np.inf
    margin = float(np.min(chosen - logits.max(axis=1)))
    scales = np.asarray(learn["ray_scales"])
    nll = np.asarray(learn["ray_nll"])
    result &= at_most(-margin, 0.0, label="negative_margin")
    bound = N * (K - 1) * np.exp(-scales * margin)
    result &= at_most(nll, bound * (1 + 1e-12) + 1e-300, label="ray_nll")
    decreasing = bool(np.all(np.diff(nll) < 0) or np.all(nll[1:] == 0))
    return Comparison(
        result.holds and decreasing,
        result.abs_error,
        result.rel_error,
        detail={
            "max_entropy": phys["entropy"],
            "margin": margin,
            "ray_nll": nll.tolist(),
            "ray_scales": scales.tolist(),
        },
    )


def check_intercept_only(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """One constant feature c, l2 = 0: P*(y) = n_y/n on every row, and c·(w_k − w_K) =
    log(n_k/n_K) (the multipliers are the log-odds of the class frequencies)."""
    import numpy as np

    X, y, T, _ = _data(params)
    N, K = T.shape
    counts = np.bincount(y, minlength=K)
    frequencies = np.broadcast_to(counts / N, (N, K))
    log_odds = np.log(counts / counts[-1])
    phys, learn = _sides(c, params)
    value = float(X[0, 0])
    smallest = float(np.min(counts)) / N
    p_atol = 16 * EPS * K * (1 + float(np.max(np.abs(log_odds))))
    odds_atol = 64 * (N + 10) * EPS / smallest + 16 * EPS * float(np.max(np.abs(log_odds)))
    result = close(phys["probabilities"], frequencies, atol=p_atol)
    result &= close(learn["probabilities"], frequencies, atol=p_atol)
    for weights in (learn["weights"], phys["multipliers"]):
        w = value * np.asarray(weights)[0]
        result &= close(w - w[-1], log_odds, atol=odds_atol)
    return result


# -- mutants ---------------------------------------------------------------------------------------


def _flipped_sign(c: Correspondence) -> Correspondence:
    return c.with_learning(
        lambda p: _memo("logistic-flipped", p, lambda q: _logistic(q, sign=-1.0))
    )


def _joint_entropy(c: Correspondence) -> Correspondence:
    return c.with_physics(lambda p: _memo("maxent-joint", p, lambda q: _maxent(q, joint=True)))


def _mean_likelihood_c(c: Correspondence) -> Correspondence:
    def translate(params: dict[str, Any]) -> dict[str, Any]:
        translated = logistic_inputs(params)
        translated["C"] = translated["C"] * len(params["labels"])
        return translated

    return c.with_translate(translate)


def _constant_dropped(c: Correspondence) -> Correspondence:
    return c.with_learning(
        lambda p: _memo("logistic-dropped", p, lambda q: _logistic(q, drop_constant=True))
    )


def _constant_unpenalised(c: Correspondence) -> Correspondence:
    return c.with_learning(
        lambda p: _memo("logistic-free", p, lambda q: _logistic(q, free_constant=True))
    )


# -- the correspondence ---------------------------------------------------------------------------

_WORKED_FEATURES = [
    [-1.5, 0.5, 1.0],
    [-1.0, -0.5, 1.0],
    [-2.0, 0.0, 1.0],
    [-0.5, 1.0, 1.0],
    [1.0, 1.5, 1.0],
    [1.5, 0.5, 1.0],
    [0.5, 2.0, 1.0],
    [0.0, 0.5, 1.0],
    [0.5, -1.5, 1.0],
    [1.0, -1.0, 1.0],
    [-0.5, -2.0, 1.0],
    [-1.0, -1.0, 1.0],
]
_WORKED_LABELS = [0, 0, 0, 2, 1, 1, 1, 0, 2, 2, 2, 1]

#: Always checked: hard constraints (l2 = 0) on overlapping classes; K = 2 without a constant
#: column at feature scale 10 and l2 = 1e-3; K = 5 with a constant column 3 and l2 = 1.
STRESS_EXAMPLES = (
    {"features": _WORKED_FEATURES, "labels": _WORKED_LABELS, "l2": 0.0},
    {
        "features": [[-30.0], [-20.0], [-10.0], [-5.0], [5.0], [10.0], [20.0], [30.0]],
        "labels": [0, 0, 1, 0, 1, 0, 1, 1],
        "l2": 1e-3,
    },
    {
        "features": [
            [-2.0, 3.0],
            [-1.5, 3.0],
            [-1.0, 3.0],
            [-0.5, 3.0],
            [0.0, 3.0],
            [0.5, 3.0],
            [1.0, 3.0],
            [1.5, 3.0],
            [2.0, 3.0],
            [2.5, 3.0],
        ],
        "labels": [0, 1, 0, 2, 1, 3, 2, 4, 3, 4],
        "l2": 1.0,
    },
    # Large multipliers (|W| ≈ 17) on a nearly constant column: the primal's value moves by
    # ‖W‖ times its constraint residual.
    {
        "features": [
            [0.014519099424967308, 10.0],
            [-0.015255231621865914, 10.0],
            [0.07395485393189764, 10.0],
            [0.012113676548014386, 10.0],
            [-0.06185813418763457, 10.0],
            [0.04175634551622684, 10.0],
        ],
        "labels": [1, 0, 1, 1, 0, 0],
        "l2": 0.0,
    },
)

_COUNTS_EXAMPLE = {
    "features": [[1.0]] * 50,
    "labels": [0] * 15 + [1] * 10 + [2] * 18 + [3] * 7,
    "l2": 0.0,
}

MAXENT_LOGISTIC = Correspondence(
    id="maxent-logistic",
    regime="exact",
    physics=PhysicalSystem(
        "maximum-entropy conditional distribution",
        "Jaynes's principle: the P(y|xᵢ) of largest conditional entropy whose feature–class "
        "moments Σᵢ xᵢ P(y|xᵢ) equal the data's, the constraints relaxed by a Gaussian prior "
        "of precision l2 on their multipliers.",
        ("probabilities", "entropy", "objective", "multipliers", "moment_residual", "data_moments"),
        maximum_entropy,
    ),
    learning=LearningMethod(
        "multinomial logistic regression",
        "Softmax regression p(y|x) = softmax(xᵀW)_y fitted by maximum likelihood with an L2 "
        "penalty: min ½‖W‖² + C·Σᵢ −log p(yᵢ|xᵢ), C = 1/l2 (scikit-learn's convention).",
        ("probabilities", "log_probabilities", "weights", "nll", "loss", "gradient_norm"),
        logistic_regression,
    ),
    parameters=(FEATURES, LABELS, L2),
    translate=logistic_inputs,
    validate=validate_data,
    example={"features": _WORKED_FEATURES, "labels": _WORKED_LABELS, "l2": 0.1},
    examples=STRESS_EXAMPLES,
    strategy=maxent_strategy,
    identities=(
        Identity(
            "duality-gap-decomposition",
            "exact",
            check_duality_gap,
            "atol (d + n·K + 10)·eps·scale, scale = 1 + |NLL| + |H| + KL + Σᵢ max_y|zᵢ_y| + "
            "n·log K + Σ|W|∘(|X|ᵀ(P + P̃))",
            "An algebraic identity at any P and W, checked at four fixed trial pairs without an "
            "optimiser: every term is a sum of n·K products of length d, whose rounding is "
            "bounded by Higham's γ times the sum of the absolute terms.",
        ),
        Identity(
            "moment-matching",
            "exact",
            check_moment_matching,
            "atol 4γ·(|X|ᵀ(p_W + P̃)·(1 + 2·max|z|) + l2·|W|) per moment, γ = (n + d + 10)·eps",
            "The learning side stops at a rounding-level gradient; the factor (1 + 2·max|z|) is "
            "the relative error of softmax probabilities at logits z.",
        ),
        Identity(
            "strong-duality",
            "exact",
            check_strong_duality,
            "values: atol 4γ·(1 + |loss| + |H| + n·log K + Σᵢ max|zᵢ| + Σ|W|∘(|X|ᵀ(P + P̃)) + "
            "l2‖W‖²) + g·(δW + ‖W‖); probabilities: atol P*·(2δz + 4γ(1 + 2max|z|))",
            "Both optima are reached to a rounding-level gradient g = γ·‖|X|ᵀ(P + P̃)(1 + "
            "2max|z|) + l2|W|‖. Through the smallest curvature λ of the multipliers' problem "
            "(computed for each example) that is δW = 2g/λ in the weights and δz = max‖xᵢ‖·δW "
            "in every logit, a relative error 2δz in every probability. The dual value is "
            "stationary, so only g·δW enters it; the primal meets its moment constraints only "
            "to g, which the multipliers W turn into up to ‖W‖·g in its value.",
        ),
        Identity(
            "pythagorean-identity",
            "exact",
            check_pythagorean,
            "atol 4γ·scale + Σ(1 + (1 + t)|log P*|)·δP + 2n·δz + 2·l2‖W‖₁·δW, at t = 0, 0.5, 0.9",
            "Entropies and KL divergences are not stationary in P: the first-order sensitivity "
            "to the optimisers' errors δP, δz, δW (as in strong-duality), plus rounding.",
        ),
        Identity(
            "multipliers-are-weights",
            "exact",
            check_multipliers,
            "KKT multipliers: atol δW; least squares: atol δW + 2‖δlog P*‖/σ_min(X) + "
            "4γ·cond(X)·max|W|, δlog P* = 2δz + 4γ(1 + 2max|z| + |log P*|)",
            "Both are class-centred (the gauge the prior fixes). The regression of the "
            "log-probabilities on X amplifies their errors by 1/σ_min(X); it is skipped where "
            "a probability is below the 1e-300 floor.",
        ),
        Identity(
            "l2-prior-relaxes-constraints",
            "exact",
            check_relaxation,
            "l2·W*: atol |X|ᵀδP + l2·δW + g + 4γ·|X|ᵀ(P + P̃); class sums: atol g/l2 + "
            "4γ·max|W|; entropy: as pythagorean-identity",
            "First-order propagation of the optimisers' errors (see strong-duality); the class "
            "sums are W's component along the gauge direction, where the curvature is l2, so a "
            "rounding-level gradient g moves them by g/l2.",
        ),
        Identity(
            "separable-labels-no-finite-mle",
            "exact",
            check_separable,
            "max H ≤ 1e-8 and ‖P* − P̃‖∞ ≤ 1e-6; NLL(t·W_sep) ≤ n(K − 1)e^(−t·m) and strictly "
            "decreasing for t = 1, 2, …, 64",
            "The bound is exact for a separator with margin m > 0. When a linear program over "
            "P finds no feasible mass off the labels, the maximum-entropy side returns P̃ "
            "exactly; otherwise its quadratic-penalty continuation has entropy error ~l2. 1e-8 "
            "and 1e-6 are the spec's bounds.",
            strategy=separable_strategy,
            max_examples=10,
            examples=(
                {
                    "features": [
                        [-2.0, 1.0],
                        [-1.0, 1.0],
                        [1.0, 1.0],
                        [2.0, 1.0],
                        [3.0, 1.0],
                        [-3.0, 1.0],
                    ],
                    "labels": [0, 0, 1, 1, 1, 0],
                    "l2": 0.0,
                    "ray_scales": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0],
                },
            ),
        ),
        Identity(
            "intercept-only-class-frequencies",
            "exact",
            check_intercept_only,
            "probabilities: atol 16·eps·K·(1 + max|log-odds|); log-odds: atol 64·(n + 10)·eps/"
            "min(n_y/n) + 16·eps·max|log-odds|",
            "A closed form: the curvature of the intercept-only problem is n·c²·p(1 − p), so a "
            "rounding-level gradient moves the log-odds by ~eps/min p.",
            strategy=intercept_only_strategy,
            max_examples=20,
            examples=(
                _COUNTS_EXAMPLE,
                {"features": [[0.5]] * 9, "labels": [1, 0, 1, 1, 0, 1, 1, 1, 1], "l2": 0.0},
            ),
        ),
    ),
    mutants=(
        Mutant(
            "multiplier-sign-flipped",
            "the model is p ∝ exp(−xᵀW) (sign of the multiplier flipped)",
            _flipped_sign,
            ("multipliers-are-weights", "duality-gap-decomposition"),
        ),
        Mutant(
            "joint-instead-of-conditional-entropy",
            "the entropy of p(x, y) = P_iy/n is maximised instead of the conditional entropy",
            _joint_entropy,
            ("strong-duality",),
        ),
        Mutant(
            "mean-likelihood-c-mapping",
            "C = n/l2: the penalty l2 taken as l2/n, as for a mean (not summed) likelihood",
            _mean_likelihood_c,
            ("strong-duality", "l2-prior-relaxes-constraints"),
        ),
        Mutant(
            "constant-column-dropped",
            "the learner drops the user's constant column (as if it fitted its own intercept)",
            _constant_dropped,
            ("moment-matching", "intercept-only-class-frequencies"),
        ),
        Mutant(
            "constant-column-unpenalised",
            "the constant column's weights are left out of the penalty (an intercept "
            "treated as scikit-learn treats fit_intercept)",
            _constant_unpenalised,
            ("l2-prior-relaxes-constraints", "strong-duality"),
        ),
    ),
)


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    return [MAXENT_LOGISTIC]
