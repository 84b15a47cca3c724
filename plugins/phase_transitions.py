"""Phase-transitions plugin: the capacity of the perceptron and double descent (essay §2.3).

``perceptron-capacity``: the statistical mechanics of learning counts the labelings that a
perceptron can realise (Cover's function-counting theorem) and finds a SAT/UNSAT transition at
the load α = N/D = 2 (Gardner's capacity); machine learning asks whether random labels can be fitted
with zero training error. Why the two sides are independent:

* the physics side counts with Cover's closed form C(N, D) = 2 Σ_{k<D} binom(N − 1, k), in exact
  integer arithmetic, and the order parameter P(SAT) = C/2^N as a correctly rounded quotient;
* the learning side never sees that formula: it takes the training inputs and decides, labeling
  by labeling, whether a zero-error linear classifier exists, by linear-programming feasibility
  ("find w with y_i w·x_i ≥ 1", scipy's HiGHS) or by an explicit separating w that certifies it.
  For random-label experiments it draws data and labels from a fixed seed and counts the fits.

``double-descent``: min-norm least squares on an isotropic Gaussian design has an expected excess
risk with a pole at the interpolation threshold p = n, the learning-curve analogue of a
divergent susceptibility (critical exponent 1). Why the two sides are independent:

* the physics side evaluates closed forms: the finite-n expectation from the moments of
  (inverse) Wishart matrices, E tr W⁻¹ = p/(n − p − 1), and the thermodynamic-limit curve R(γ);
* the learning side runs the experiment: it draws designs from a fixed seed, forms the fitted
  estimator's linear operator A (β̂ = A y) from the normal equations of the primal (p < n) or the
  kernel form (p > n), and averages its test risk ‖(I − AX)β‖² + σ²‖A‖²_F over the designs, with
  a sample standard error. Single fits use ``numpy.linalg.lstsq``, as a practitioner would.

The tests add scipy.stats.binom, explicit enumerations, scikit-learn's perceptron and
least-squares regressors, and Marchenko–Pastur quadrature as third parties.
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

# =================================================================================================
# perceptron-capacity: Cover's counting theorem, the SAT/UNSAT transition at α = 2
# =================================================================================================

#: Parameter families of the identities that do not take a point set (a ``family`` key).
COUNTING = "counting"
RANDOM_LABELS = "random-labels"
#: The learning side decides up to 2^(N−1) labelings: at most 12 points.
MAX_POINTS = 12
MAX_DIMENSION = 12
#: Smallest accepted σ_min of a D-subset of the equilibrated (lifted) inputs. HiGHS failed to
#: decide some labelings below 1.2e-7 in a scan of 525 near-degenerate point sets: 8 times that.
GENERAL_POSITION_MARGIN = 1e-6
#: The random-label experiment (CAP-4): 200 trials at each grid point, fixed seeds.
RANDOM_LABEL_TRIALS = 200
RANDOM_LABEL_GRID = tuple((d, a) for d in (10, 25) for a in (1.6, 2.0, 2.4))


def cover_count(n_points: int, dimension: int) -> int:
    """C(N, D) = 2 Σ_{k=0}^{D−1} binom(N − 1, k), exactly (Python integers)."""
    total, term = 0, 1  # term = binom(N − 1, k)
    for k in range(min(dimension, n_points)):
        total += term
        term = term * (n_points - 1 - k) // (k + 1)
    return 2 * total


def _pattern_shape(params: dict[str, Any]) -> tuple[int, int]:
    """(N, D): patterns and couplings, from a point set (D = d + affine) or given directly."""
    import numpy as np

    if "points" in params:
        n, d = np.shape(params["points"])
        return int(n), int(d) + int(params.get("affine", 0))
    return int(params["n_points"]), int(params["dimension"])


def gardner_counting(params: dict[str, Any]) -> dict[str, Any]:
    """The physics side: Cover's count of realisable dichotomies and the SAT probability."""
    n, dim = _pattern_shape(params)
    count = cover_count(n, dim)
    return {
        "n_patterns": n,
        "couplings": dim,
        "load": n / dim,
        "cover_count": count,
        # int / int is correctly rounded, even when subnormal; 1 − P is formed exactly too.
        "sat_probability": count / 2**n,
        "unsat_probability": (2**n - count) / 2**n,
    }


def _certifies(inputs: Any, labels: Any, w: Any) -> bool:
    """True when w separates: y_i w·x_i exceeds its own rounding error for every i."""
    import numpy as np

    if w is None:
        return False
    margins = labels * (inputs @ w)
    rounding = 8 * EPS * inputs.shape[1] * np.abs(inputs) @ np.abs(w)
    return bool(np.all(margins > rounding))


def _linear_program(inputs: Any, labels: Any, margin: float) -> tuple[bool, Any]:
    """Feasibility of y_i w·x_i ≥ margin (HiGHS): status 0 feasible, 2 infeasible."""
    import numpy as np
    from scipy.optimize import linprog

    result = linprog(
        np.zeros(inputs.shape[1]),
        A_ub=-(labels[:, None] * inputs),
        b_ub=-margin * np.ones(labels.size),
        bounds=(None, None),
        method="highs",
    )
    if result.status == 0:
        return True, result.x
    if result.status == 2:
        return False, None
    raise RuntimeError(
        f"linprog could not decide separability (status {result.status}: {result.message}); "
        "the points may be nearly in special position"
    )


def _separable(inputs: Any, labels: Any, w: Any, margin: float) -> tuple[bool, Any, int]:
    """Is the labeling realisable? Try the candidate w, then least squares, then an LP.

    Returns (separable, a separating w or None, number of LPs solved).
    """
    import numpy as np

    if _certifies(inputs, labels, w):
        return True, w, 0
    guess = np.linalg.lstsq(inputs, labels, rcond=None)[0]
    if _certifies(inputs, labels, guess):
        return True, guess, 0
    feasible, solution = _linear_program(inputs, labels, margin)
    return feasible, solution, 1


def _equilibrated(inputs: Any) -> Any:
    """Unit-norm columns, then unit-norm rows: a positive factor per feature (w_j → w_j/s_j) or
    per sample changes no label, and keeps the LP well scaled."""
    import numpy as np

    inputs = np.asarray(inputs, dtype=float)
    columns = np.linalg.norm(inputs, axis=0)
    inputs = inputs / np.where(columns > 0, columns, 1.0)
    rows = np.linalg.norm(inputs, axis=1, keepdims=True)
    return inputs / np.where(rows > 0, rows, 1.0)


def count_separable_labelings(inputs: Any, margin: float = 1.0) -> tuple[int, int]:
    """Decide every labeling y ∈ {±1}^N of the rows of ``inputs``; return (count, LPs solved).

    Labelings are enumerated as a tree, one point at a time, with y_0 = +1 (y and −y are
    realisable together). A child inherits its parent's separating w when that w also fits the
    new point; an unrealisable prefix has no realisable extension, so its subtree is pruned.
    """
    import numpy as np

    inputs = _equilibrated(inputs)
    n = inputs.shape[0]
    programs = 0
    realisable = 0
    frontier: list[tuple[tuple[float, ...], Any]] = [((1.0,), inputs[0])]
    while frontier:
        labels, w = frontier.pop()
        k = len(labels)
        if k == n:
            realisable += 1
            continue
        for sign in (1.0, -1.0):
            child = np.array((*labels, sign))
            ok, solution, used = _separable(inputs[: k + 1], child, w, margin)
            programs += used
            if ok:
                frontier.append(((*labels, sign), solution))
    return 2 * realisable, programs


def _random_label_fits(params: dict[str, Any], margin: float) -> dict[str, Any]:
    """Fresh Gaussian inputs and fair ±1 labels per trial; count the zero-error fits."""
    import numpy as np

    d, n, trials = int(params["dimension"]), int(params["n_points"]), int(params["trials"])
    rng = np.random.default_rng(int(params["seed"]))
    fits = programs = 0
    for _ in range(trials):
        inputs = rng.standard_normal((n, d))
        labels = rng.choice([-1.0, 1.0], size=n)
        inputs = inputs / np.linalg.norm(inputs, axis=1, keepdims=True)
        ok, _, used = _separable(inputs, labels, None, margin)
        fits += ok
        programs += used
    return {
        "fitted_trials": fits,
        "trials": trials,
        "zero_error_fraction": fits / trials,
        "linear_programs": programs,
    }


def zero_training_error(params: dict[str, Any], margin: float = 1.0) -> dict[str, Any]:
    """The learning side: which labelings a linear classifier fits with zero training error."""
    import numpy as np

    if params.get("family") == RANDOM_LABELS:
        return _random_label_fits(params, margin)
    inputs = np.asarray(params["inputs"], dtype=float)
    count, programs = count_separable_labelings(inputs, margin)
    n = inputs.shape[0]
    return {
        "n_samples": n,
        "n_weights": inputs.shape[1],
        "separable_labelings": count,
        "zero_error_fraction": count / 2**n,
        "linear_programs": programs,
    }


def inputs_from_points(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: patterns ξ^μ are training inputs; a threshold is a constant input."""
    import numpy as np

    if "points" not in params:
        return dict(params)
    points = np.asarray(params["points"], dtype=float)
    if int(params.get("affine", 0)):
        points = np.hstack([points, np.ones((points.shape[0], 1))])
    return {"inputs": points}


# -- parameters, validation and strategies ------------------------------------------------------

POINTS = Parameter(
    "points",
    "the N patterns ξ^μ ∈ ℝ^d (training inputs), one per row; in general position",
    f"finite reals, 1 ≤ N ≤ {MAX_POINTS}, 1 ≤ d ≤ {MAX_DIMENSION}",
    shape="(N, d)",
    ndim=2,
)
AFFINE = Parameter(
    "affine",
    "0: hyperplanes through the origin, w·x = 0; 1: affine ones, w·x + b = 0 (D = d + 1)",
    "0 or 1",
    integer=True,
    minimum=0,
    maximum=1,
)


def _lifted(params: dict[str, Any]) -> Any:
    import numpy as np

    points = np.asarray(params["points"], dtype=float)
    if int(params.get("affine", 0)):
        points = np.hstack([points, np.ones((points.shape[0], 1))])
    return points


def general_position_margin(inputs: Any) -> tuple[float, tuple[int, ...]]:
    """Smallest σ_min over the D-subsets (all rows when N ≤ D) of the equilibrated inputs.

    Zero exactly when some D rows (or, for N ≤ D, the N rows) are linearly dependent: the
    points are then in special position. Returns the margin and the worst subset. Rescaling a
    feature or a sample changes neither general position nor this margin.
    """
    import itertools

    import numpy as np

    inputs = np.asarray(inputs, dtype=float)
    norms = np.linalg.norm(inputs, axis=1)
    if np.any(norms == 0):
        return 0.0, (int(np.argmin(norms)),)
    unit = _equilibrated(inputs)
    n, dim = unit.shape
    size = min(n, dim)
    subsets = list(itertools.combinations(range(n), size))
    blocks = unit[np.array(subsets)]  # (subsets, size, dim)
    smallest = np.linalg.svd(blocks, compute_uv=False)[:, -1]
    worst = int(np.argmin(smallest))
    return float(smallest[worst]), subsets[worst]


def validate_points(values: dict[str, Any]) -> None:
    points = values["points"]
    n, d = points.shape
    if n > MAX_POINTS:
        raise ParameterError(
            "points",
            f"at most {MAX_POINTS} points (the learning side decides up to 2^(N−1) labelings "
            f"by linear programming), got N = {n}",
        )
    if d > MAX_DIMENSION:
        raise ParameterError("points", f"at most {MAX_DIMENSION} coordinates, got d = {d}")
    zero = [int(i) for i in (points == 0).all(axis=1).nonzero()[0]]
    if zero and not values["affine"]:
        raise ParameterError(
            "points",
            f"row {zero[0]} is the zero vector: no hyperplane through the origin "
            "can separate it from anything",
        )
    margin, rows = general_position_margin(_lifted(values))
    if margin < GENERAL_POSITION_MARGIN:
        kind = "affinely" if values["affine"] else "linearly"
        raise ParameterError(
            "points",
            f"not in general position: rows {list(rows)} are {kind} dependent, or nearly "
            f"(smallest singular value {margin:.3g} < {GENERAL_POSITION_MARGIN:g} after scaling "
            "features and rows to unit length, where linear programming can no longer decide "
            "every labeling); Cover's count assumes every min(N, D) of them independent (the "
            "negative control special-position-loses-dichotomies shows what happens otherwise)",
        )


def points_strategy() -> Any:
    """N ≤ 9 Gaussian points in ℝ^d (d ≤ 6), ± a threshold, coordinates rescaled over 4 decades.

    General position is kept with a margin (σ_min > 1e-3 of every D-subset before the rescaling,
    which preserves it), so that HiGHS's tolerances (1e-7) cannot flip a labeling.
    """
    import numpy as np
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(1, 9))
        d = draw(st.integers(1, 6))
        affine = draw(st.integers(0, 1))
        # Not a statistical test: the seed only generates a point set for a property.
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        base = rng.standard_normal((n, d))
        assume(general_position_margin(_lifted({"points": base, "affine": affine}))[0] > 1e-3)
        scales = 10.0 ** np.array(draw(st.lists(st.floats(-2, 2), min_size=d, max_size=d)))
        return {"points": (base * scales).tolist(), "affine": affine}

    return draw()


# Explicit point sets: Gaussian draws rounded to two decimals, each in general position with
# margin > 0.05. They are the spec's instances (C(8, 3) = 58; affine N = 7, d = 2: 44 = C(7, 3)).
EIGHT_IN_3D = [
    [-1.23, 0.27, -0.01],
    [0.5, -1.33, 1.11],
    [0.09, -1.17, -1.36],
    [-1.31, -0.72, 1.19],
    [0.89, -0.54, -0.55],
    [1.93, 0.9, -0.8],
    [-0.15, -0.43, 0.15],
    [0.88, -0.27, 0.37],
]
SEVEN_IN_2D = [
    [-0.36, 1.2],
    [1.4, 0.32],
    [0.41, -0.49],
    [-0.91, -0.9],
    [-1.0, 0.93],
    [-0.06, 0.13],
    [-0.64, -1.09],
]
POINT_EXAMPLES: tuple[dict[str, Any], ...] = (
    {"points": SEVEN_IN_2D, "affine": 1},  # C(7, 3) = 44
    {
        "points": [
            [0.13, -0.13],
            [0.64, 0.1],
            [-0.54, 0.36],
            [1.3, 0.95],
            [-0.7, -1.27],
            [-0.62, 0.04],
        ],
        "affine": 0,
    },  # C(6, 2) = 12
    {"points": [[0.19], [-0.52], [-0.41], [-2.44], [1.8]], "affine": 1},  # thresholds: 10
    {
        "points": [
            [0.13, -0.13, 0.64, 0.1, -0.54],
            [0.36, 1.3, 0.95, -0.7, -1.27],
            [-0.62, 0.04, -2.33, -0.22, -1.25],
        ],
        "affine": 0,
    },  # N ≤ D: all 8
)


def counting_strategy() -> Any:
    """N up to 2000 patterns; the load α = N/D log-uniform over [1/4, 8]."""
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = round(10 ** draw(st.floats(0, math.log10(2000))))
        alpha = 10 ** draw(st.floats(math.log10(0.25), math.log10(8)))
        return {"family": COUNTING, "n_points": n, "dimension": max(1, round(n / alpha))}

    return draw()


def sharpness_strategy() -> Any:
    """Sweep base d₀ ∈ [8, 32] (d = d₀·4^k, k = 0…3) and a distance δ ∈ [0.1, 0.5] from α = 2."""
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        return {
            "family": COUNTING,
            "dimension": draw(st.integers(8, 32)),
            "distance": draw(st.floats(0.1, 0.5)),
        }

    return draw()


def random_labels_strategy() -> Any:
    """A grid point (d, α) of the random-label experiment; its seed is fixed by the check."""
    from hypothesis import strategies as st

    return st.sampled_from(RANDOM_LABEL_GRID).map(
        lambda g: {"family": RANDOM_LABELS, "dimension": g[0], "load": g[1]}
    )


# -- identities ----------------------------------------------------------------------------------


def _count_comparison(counted: int, expected: int, **detail: Any) -> Comparison:
    error = abs(counted - expected)
    return Comparison(
        counted == expected,
        abs_error=float(error),
        rel_error=error / max(expected, 1),
        detail={"counted": counted, "expected": expected, **detail},
    )


def check_cover_count(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """CAP-1: the labelings an LP can realise are exactly Cover's C(N, D), none more or fewer."""
    phys = c.physics.observe(params)
    learn = c.learning.observe(c.translate(params))
    result = _count_comparison(
        learn["separable_labelings"],
        phys["cover_count"],
        linear_programs=learn["linear_programs"],
    )
    # Both fractions are integers over 2^N: they agree exactly when the counts do.
    return result & close(learn["zero_error_fraction"], phys["sat_probability"], rtol=EPS)


def check_binomial_tail(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """CAP-2: C(N, D)/2^N = Pr[Binomial(N − 1, ½) ≤ D − 1]; P(2D, D) = ½; C(N, D) = 2^N, N ≤ D."""
    from scipy.stats import binom

    n, dim = int(params["n_points"]), int(params["dimension"])
    phys = c.physics.observe({"family": COUNTING, "n_points": n, "dimension": dim})
    tail = float(binom.cdf(dim - 1, n - 1, 0.5))
    result = close(phys["sat_probability"], tail, rtol=4 * EPS * n, atol=1e-250)
    half = c.physics.observe({"family": COUNTING, "n_points": 2 * dim, "dimension": dim})
    below = c.physics.observe({"family": COUNTING, "n_points": dim, "dimension": dim})
    half_exact = half["cover_count"] == 2 ** (2 * dim - 1) and half["sat_probability"] == 0.5
    all_below = below["cover_count"] == 2**dim
    return Comparison(
        result.holds and half_exact and all_below,
        result.abs_error,
        result.rel_error,
        detail={
            "sat_probability": phys["sat_probability"],
            "binomial_tail": tail,
            "half_at_twice_dimension": half_exact,
            "all_labelings_when_n_le_dimension": all_below,
        },
    )


def _sharpness_sweep(d0: int) -> tuple[int, ...]:
    return tuple(d0 * 4**k for k in range(4))


def check_sharpness(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """CAP-3: P(2d, d) = ½ at every d; the slope of P(α) at α = 2 grows like √d with coefficient
    1/(2√π); both tails at α = 2 ± δ shrink monotonically as d grows."""
    import numpy as np

    from physml.compare import rate

    d0, delta = int(params["dimension"]), float(params["distance"])
    sweep = _sharpness_sweep(d0)

    def observe(n: int, d: int) -> dict[str, Any]:
        return c.physics.observe({"family": COUNTING, "n_points": n, "dimension": d})

    slopes, upper, lower = [], [], []
    result = Comparison(True)
    for d in sweep:
        result &= close(observe(2 * d, d)["sat_probability"], 0.5, rtol=0.0)
        # Δα = 2/d between N = 2d − 1 and N = 2d + 1; both P are near ½: no cancellation trouble.
        step = observe(2 * d + 1, d)["sat_probability"] - observe(2 * d - 1, d)["sat_probability"]
        slopes.append(abs(step) * d / 2)
        upper.append(observe(math.ceil((2 + delta) * d), d)["sat_probability"])
        lower.append(observe(math.floor((2 - delta) * d), d)["unsat_probability"])
    # |slope| = (√d/(2√π))(1 + 1/(8d) + O(d⁻²)): the fitted exponent is within 1/(4d₀) of ½ and
    # the coefficient at the largest d within 1/(4d) of 1/(2√π).
    growth = rate(slopes, sweep, expected=0.5, tolerance=1 / (4 * d0), label="exponent")
    coefficient = slopes[-1] / math.sqrt(sweep[-1])
    expected = 1 / (2 * math.sqrt(math.pi))
    deviation = abs(coefficient / expected - 1)
    shrinking = bool(np.all(np.diff(upper) < 0) and np.all(np.diff(lower) < 0))
    return Comparison(
        result.holds and growth.holds and deviation <= 1 / (4 * sweep[-1]) and shrinking,
        abs_error=growth.abs_error,
        rel_error=deviation,
        detail={
            **growth.detail,
            "observed_coefficient": coefficient,
            "expected_coefficient": expected,
            "coefficient_bound": 1 / (4 * sweep[-1]),
            "upper_tails": upper,
            "lower_tails": lower,
            "tails_shrink": shrinking,
        },
    )


def check_random_labels(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """CAP-4: the fraction of random ±1 labelings fitted with zero error is P(N, d) (z ≤ 5)."""
    d, load = int(params["dimension"]), float(params["load"])
    n = round(load * d)
    p = c.physics.observe({"family": COUNTING, "n_points": n, "dimension": d})["sat_probability"]
    experiment = {
        "family": RANDOM_LABELS,
        "dimension": d,
        "n_points": n,
        "trials": RANDOM_LABEL_TRIALS,
        "seed": 1000 * d + n,  # fixed per grid point: the verdict never depends on hypothesis
    }
    learn = c.learning.observe(c.translate(experiment))
    error = learn["zero_error_fraction"] - p
    se = math.sqrt(p * (1 - p) / RANDOM_LABEL_TRIALS)  # exact binomial standard error
    z = error / se
    return Comparison(
        abs(z) <= 5,
        abs_error=abs(error),
        rel_error=abs(error) / p,
        detail={
            "observed_fraction": learn["zero_error_fraction"],
            "expected_fraction": p,
            "standard_error": se,
            "observed_z": z,
            "bound": 5,
        },
    )


def check_special_position(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Negative control: put the last point in special position, a positive multiple of x₀ (a
    copy of x₀ for affine separators); with a single point, add such a point. Cover's formula
    for M points in general position then overcounts: the LP finds C(M − 1, D), not C(M, D),
    because that point must share x₀'s label."""
    import numpy as np

    points = np.asarray(params["points"], dtype=float)
    copy = points[0] if int(params["affine"]) else 2.0 * points[0]
    kept = points[:-1] if len(points) > 1 else points
    special = {**params, "points": np.vstack([kept, copy])}
    learn = c.learning.observe(c.translate(special))
    without = c.physics.observe({**params, "points": kept})["cover_count"]
    general = c.physics.observe(special)["cover_count"]
    result = _count_comparison(
        learn["separable_labelings"], without, general_position_count=general
    )
    # C(M, D) − C(M − 1, D) = C(M − 1, D − 1) > 0 unless D = 1 (every point set is the same).
    overcounts = general > without or learn["n_weights"] == 1
    return Comparison(
        result.holds and overcounts, result.abs_error, result.rel_error, result.detail
    )


# -- mutants -------------------------------------------------------------------------------------


def _with_count(count: Any) -> Any:
    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        n, dim = o["n_patterns"], o["couplings"]
        value = count(n, dim)
        return {
            "cover_count": value,
            "sat_probability": value / 2**n,
            "unsat_probability": (2**n - value) / 2**n,
        }

    return patch


def _sum_off_by_one(c: Correspondence) -> Correspondence:
    return c.with_physics_patch(
        _with_count(lambda n, d: 2 * sum(math.comb(n - 1, k) for k in range(d + 1)))
    )


def _binomial_of_n(c: Correspondence) -> Correspondence:
    return c.with_physics_patch(
        _with_count(lambda n, d: 2 * sum(math.comb(n, k) for k in range(d)))
    )


def _intercept_always(c: Correspondence) -> Correspondence:
    def translate(params: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        if "points" not in params:
            return dict(params)
        points = np.asarray(params["points"], dtype=float)
        if not int(params.get("affine", 0)):
            points = np.hstack([points, np.ones((points.shape[0], 1))])
        return inputs_from_points({"points": points, "affine": params.get("affine", 0)})

    return c.with_translate(translate)


def _lp_without_margin(c: Correspondence) -> Correspondence:
    return c.with_learning(lambda p: zero_training_error(p, margin=0.0))


# -- the figure ----------------------------------------------------------------------------------

#: Input dimensions, loads and random-label trials per load of the figure.
FIGURE_DIMENSIONS = (5, 25)
FIGURE_LOADS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5)
FIGURE_TRIALS = 40


def capacity_figure(*, trials: int = FIGURE_TRIALS) -> Figure:
    """The fraction of random labelings fitted with zero training error against the load α = N/d,
    with Cover's P(N, d) = C(N, d)/2^N: the transition sharpens at α_c = 2 as d grows.

    Each point is the learning side's random-label experiment (fresh Gaussian inputs and fair
    labels per trial, decided by linear programming) with the identity's fixed seed 1000·d + N;
    each curve the physics side's exact count at every N.
    """
    series = []
    for d in FIGURE_DIMENSIONS:
        loads, fractions = [], []
        for load in FIGURE_LOADS:
            n = round(load * d)
            experiment = {
                "family": RANDOM_LABELS,
                "dimension": d,
                "n_points": n,
                "trials": trials,
                "seed": 1000 * d + n,
            }
            loads.append(n / d)
            fractions.append(zero_training_error(experiment)["zero_error_fraction"])
        counts = range(1, round(max(FIGURE_LOADS) * d) + 1)
        cover = [
            gardner_counting({"family": COUNTING, "n_points": n, "dimension": d}) for n in counts
        ]
        group = f"d = {d}"
        series.append(
            Series(
                f"zero-error fits, d = {d} (linear program)",
                loads,
                fractions,
                style="points",
                group=group,
            )
        )
        series.append(
            Series(
                f"Cover: C(N, d)/2^N, d = {d}",
                [n / d for n in counts],
                [c["sat_probability"] for c in cover],
                role="theory",
                group=group,
            )
        )
    return Figure(
        "perceptron-capacity: random labels stop fitting at the load α = 2",
        (
            Panel(
                "load α = N/d (patterns per coupling)",
                "fraction of labelings fitted with zero error",
                series=series,
                markers=(Marker("Gardner capacity α_c = 2", 2.0),),
            ),
        ),
        note=f"{trials} random labelings of fresh Gaussian inputs per point, seed 1000·d + N; "
        "homogeneous separators",
    )


# -- where it breaks -----------------------------------------------------------------------------


def special_position_strategy() -> Any:
    """Boundary: a point set of ``points_strategy`` (N ≥ 2, D = d + affine ≥ 2) whose last point
    is put in special position: 2x₀ for hyperplanes through the origin, a copy of x₀ for affine
    ones. The other points stay in general position."""
    import numpy as np
    from hypothesis import assume

    def special(params: dict[str, Any]) -> dict[str, Any]:
        points = np.asarray(params["points"], dtype=float)
        assume(len(points) >= 2 and points.shape[1] + int(params["affine"]) >= 2)
        points[-1] = points[0] if int(params["affine"]) else 2.0 * points[0]
        return {**params, "points": points.tolist()}

    return points_strategy().map(special)


PERCEPTRON_BOUNDARIES = (
    Boundary(
        "points-in-special-position",
        "inputs in general position (every min(N, D) of them linearly independent)",
        "separable-labelings-equal-cover-count",
        special_position_strategy,
        "A point that is a positive multiple of another (or, for affine separators, a copy of "
        "it) must take its label, so it adds no dichotomy: the linear programs find "
        "C(N − 1, D), fewer than Cover's C(N, D) (44 instead of 58 for eight points in ℝ³).",
        examples=({"points": [*EIGHT_IN_3D[:-1], [-2.46, 0.54, -0.02]], "affine": 0},),
        max_examples=3,
    ),
)


PERCEPTRON_CAPACITY = Correspondence(
    id="perceptron-capacity",
    regime="exact",
    physics=PhysicalSystem(
        "perceptron couplings, Gardner volume",
        "N quenched patterns ξ^μ ∈ ℝ^D and couplings J; Cover's count C(N, D) of the "
        "dichotomies with nonzero Gardner volume, and P(SAT) = C/2^N at load α = N/D.",
        ("n_patterns", "couplings", "load", "cover_count", "sat_probability", "unsat_probability"),
        gardner_counting,
    ),
    learning=LearningMethod(
        "zero training error of a linear classifier",
        "Training inputs x_i and labels y_i = ±1: is there w with y_i w·x_i > 0 for all i? "
        "Decided labeling by labeling by linear programming (scipy's HiGHS).",
        ("n_samples", "n_weights", "separable_labelings", "zero_error_fraction", "linear_programs"),
        zero_training_error,
    ),
    parameters=(POINTS, AFFINE),
    translate=inputs_from_points,
    validate=validate_points,
    example={"points": EIGHT_IN_3D, "affine": 0},
    examples=POINT_EXAMPLES,
    strategy=points_strategy,
    boundaries=PERCEPTRON_BOUNDARIES,
    figure=capacity_figure,
    identities=(
        Identity(
            "separable-labelings-equal-cover-count",
            "exact",
            check_cover_count,
            "exact integer equality",
            "Counts are integers. The drawn points are in general position with margin "
            "σ_min > 1e-3 (eval refuses < 1e-6; HiGHS failed only below 1.2e-7), far from "
            "HiGHS's feasibility tolerance (1e-7): no labeling can flip.",
            max_examples=10,
        ),
        Identity(
            "separable-fraction-is-binomial-tail",
            "exact",
            check_binomial_tail,
            "rtol 4·eps·N against scipy.stats.binom.cdf, atol 1e-250; P(2D, D) = ½ and "
            "C(N, D) = 2^N for N ≤ D exactly",
            "Our side is exact integers divided once (correctly rounded). The incomplete beta "
            "function behind binom.cdf exponentiates terms of size ~N·log 2 that cancel to "
            "log P: its rounding is eps·N relative. It flushes results below ~1e-256 to zero.",
            strategy=counting_strategy,
            examples=(
                {"family": COUNTING, "n_points": 12, "dimension": 5},
                {"family": COUNTING, "n_points": 2000, "dimension": 700},
            ),
        ),
        Identity(
            "capacity-transition-sharpens-at-alpha-2",
            "limit",
            check_sharpness,
            "P(2d, d) = ½ exactly; slope exponent ½ within 1/(4d₀) over d = d₀·4^k, k = 0…3; "
            "coefficient within 1/(4d) of 1/(2√π); tails at α = 2 ± δ strictly decreasing",
            "The slope between N = 2d ± 1 is d/4 times two central binomial probabilities, "
            "(√d/(2√π))(1 + 1/(8d) + O(d⁻²)): the bounds are twice the first correction.",
            strategy=sharpness_strategy,
            examples=({"family": COUNTING, "dimension": 10, "distance": 0.2},),
            max_examples=20,
        ),
        Identity(
            "random-labels-fit-with-cover-probability",
            "exact",
            check_random_labels,
            "|z| ≤ 5 with the exact binomial standard error √(P(1 − P)/200)",
            "200 trials per grid point d ∈ {10, 25}, α ∈ {1.6, 2.0, 2.4}, each with its own "
            "fixed seed: the verdict is the same on every run; a false alarm has probability "
            "≈ 6e-7 per grid point.",
            strategy=random_labels_strategy,
            examples=({"family": RANDOM_LABELS, "dimension": 10, "load": 2.0},),
            max_examples=1,
        ),
        Identity(
            "special-position-loses-dichotomies",
            "exact",
            check_special_position,
            "exact integer equality with C(M − 1, D), and C(M, D) > C(M − 1, D) for D ≥ 2",
            "Negative control of the general-position assumption: a point that is a positive "
            "multiple of another must take its label, so it adds no dichotomy.",
            max_examples=4,
        ),
    ),
    mutants=(
        Mutant(
            "cover-sum-off-by-one",
            "C(N, D) = 2 Σ_{k ≤ D} binom(N − 1, k) (one term too many)",
            _sum_off_by_one,
            ("separable-labelings-equal-cover-count", "separable-fraction-is-binomial-tail"),
        ),
        Mutant(
            "cover-binomial-of-n",
            "C(N, D) = 2 Σ_{k < D} binom(N, k) (binom(N, k) instead of binom(N − 1, k))",
            _binomial_of_n,
            ("separable-labelings-equal-cover-count", "separable-fraction-is-binomial-tail"),
        ),
        Mutant(
            "intercept-in-homogeneous-count",
            "the classifier fits an intercept (scikit-learn's default fit_intercept=True) while "
            "the count is for hyperplanes through the origin: C(N, d + 1) against C(N, d)",
            _intercept_always,
            ("separable-labelings-equal-cover-count",),
        ),
        Mutant(
            "lp-without-margin",
            "the LP asks y_i w·x_i ≥ 0, which w = 0 satisfies: every labeling looks separable",
            _lp_without_margin,
            ("separable-labelings-equal-cover-count", "random-labels-fit-with-cover-probability"),
        ),
    ),
)


# =================================================================================================
# double-descent: min-norm least squares, its finite-n expected risk and the interpolation peak
# =================================================================================================

#: Parameter families of identities that do not run the Monte Carlo (a ``family`` key).
SINGLE_FIT = "single-fit"
PEAK = "interpolation-peak"
#: The Monte Carlo needs |p − n| ≥ 6: then E[tr W⁻¹]^k is finite for k ≤ 3 and the CLT is usable.
MIN_GAP = 6
MAX_SIZE = 1000
#: At most this many Gaussian draws (R·n·p) per evaluation, and per chunk held in memory.
MAX_WORK = 2e8
CHUNK = 2_000_000
#: Draws and seed of the verifier's Monte Carlo examples (fixed: never drawn by hypothesis).
VERIFY_DRAWS = 1000
VERIFY_SEED = 0
#: The ridge of the mutant: scikit-learn's Ridge() default alpha.
MUTANT_RIDGE = 1.0
#: Distances ε from the interpolation threshold of the critical sweep: γ = 1 ∓ ε.
CRITICAL_SWEEP = (0.1, 0.05, 0.025, 0.0125)
#: The finite-size sweep: (n, p) scaled by 4, 8, 16, 32, 64 at fixed γ.
SIZE_SWEEP = (4, 8, 16, 32, 64)


def random_design_risk(params: dict[str, Any]) -> dict[str, Any]:
    """The physics side: closed forms from inverse-Wishart moments and the thermodynamic limit.

    E tr W⁻¹ = p/(n − p − 1) for W = XᵀX ~ Wishart_p(n) (p ≤ n − 2); for p ≥ n + 2 the fit sees
    only the n-dimensional row space: a fraction n/p of ‖β‖² is recovered and the noise enters
    through E tr (XXᵀ)⁻¹ = n/(p − n − 1). The limit n, p → ∞ at γ = p/n follows.
    """
    n, p = int(params["n_samples"]), int(params["n_features"])
    noise2, signal2 = float(params["noise"]) ** 2, float(params["signal"]) ** 2
    gamma = p / n
    bias = signal2 * (1 - n / p) if p > n else 0.0
    if p <= n - 2:
        variance = noise2 * p / (n - p - 1)
    elif p >= n + 2:
        variance = noise2 * n / (p - n - 1)
    else:
        variance = math.inf  # p ∈ {n − 1, n, n + 1}: the interpolation peak
    if gamma < 1:
        asymptotic = noise2 * gamma / (1 - gamma)
    elif gamma > 1:
        asymptotic = signal2 * (1 - 1 / gamma) + noise2 / (gamma - 1)
    else:
        asymptotic = math.inf
    return {
        "overparameterisation": gamma,
        "expected_bias": bias,
        "expected_variance": variance,
        "expected_excess_risk": bias + variance,
        "expected_test_risk": noise2 + bias + variance,
        "asymptotic_risk": asymptotic,
    }


def _risk_terms(designs: Any, direction: Any, ridge: float) -> tuple[Any, Any]:
    """Per design: ‖(I − AX)u‖² and ‖A‖²_F of the fitted operator A (β̂ = A y), ridge λ ≥ 0.

    p ≤ n: A = M⁻¹Xᵀ with M = XᵀX + λI, so I − AX = λM⁻¹ and ‖A‖²_F = tr M⁻¹ − λ‖M⁻¹‖²_F.
    p > n: the kernel form A = XᵀK⁻¹ with K = XXᵀ + λI (at λ = 0 the minimum-norm interpolant);
    with z = Xu and w = K⁻¹z, ‖(I − AX)u‖² = 1 − z·w − λ‖w‖² and ‖A‖²_F = tr K⁻¹ − λ‖K⁻¹‖²_F.
    """
    import numpy as np

    _, n, p = designs.shape
    if p <= n:
        gram = np.swapaxes(designs, 1, 2) @ designs + ridge * np.eye(p)
        inverse = np.linalg.inv(gram)
        bias = ridge**2 * np.sum((inverse @ direction) ** 2, axis=1)
    else:
        gram = designs @ np.swapaxes(designs, 1, 2) + ridge * np.eye(n)
        inverse = np.linalg.inv(gram)
        z = designs @ direction
        w = np.einsum("mij,mj->mi", inverse, z)
        bias = 1 - np.sum(z * w, axis=1) - ridge * np.sum(w * w, axis=1)
    variance = np.trace(inverse, axis1=1, axis2=2) - ridge * np.sum(inverse**2, axis=(1, 2))
    return bias, variance


def training_set(params: dict[str, Any]) -> tuple[Any, Any, Any]:
    """One training set (X, y, β) from the seed: X i.i.d. N(0, 1), y = Xβ + σε, ‖β‖ = r."""
    import numpy as np

    n, p = int(params["n_samples"]), int(params["n_features"])
    rng = np.random.default_rng([int(params["seed"]), 1])
    direction = rng.standard_normal(p)
    beta = float(params["signal"]) * direction / np.linalg.norm(direction)
    design = rng.standard_normal((n, p)) * np.asarray(params.get("feature_scales", 1.0))
    targets = design @ beta + float(params["noise"]) * rng.standard_normal(n)
    return design, targets, beta


def _fit(design: Any, targets: Any, ridge: float) -> Any:
    """Least squares as a practitioner calls it: lstsq (minimum norm), or ridge when λ > 0."""
    import numpy as np

    if ridge == 0:
        return np.linalg.lstsq(design, targets, rcond=None)[0]
    n, p = design.shape
    if p <= n:
        return np.linalg.solve(design.T @ design + ridge * np.eye(p), design.T @ targets)
    return design.T @ np.linalg.solve(design @ design.T + ridge * np.eye(n), targets)


def _single_fit(params: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    design, targets, _ = training_set(params)
    coefficients = _fit(design, targets, float(params.get("ridge", 0.0)))
    residual = np.linalg.norm(design @ coefficients - targets) / np.linalg.norm(targets)
    return {
        "coefficients": coefficients,
        "coefficient_norm": float(np.linalg.norm(coefficients)),
        "training_residual": float(residual),
    }


def min_norm_least_squares(params: dict[str, Any]) -> dict[str, Any]:
    """The learning side: fit min-norm least squares on R seeded designs and average the risk.

    The risk given a design is exact in the noise: ‖(I − AX)β‖² + σ²‖A‖²_F (bias² + variance
    of the fitted estimator). The Monte Carlo over designs gives its mean and standard error.
    The features are N(0, 1) unless ``feature_scales`` gives their standard deviations (an
    anisotropic design: the boundary of the closed form).
    """
    import numpy as np

    if params.get("family") == SINGLE_FIT:
        return _single_fit(params)
    n, p = int(params["n_samples"]), int(params["n_features"])
    scales = np.asarray(params.get("feature_scales", np.ones(p)), dtype=float)
    draws, ridge = int(params["draws"]), float(params.get("ridge", 0.0))
    noise2, signal2 = float(params["noise"]) ** 2, float(params["signal"]) ** 2
    rng = np.random.default_rng(int(params["seed"]))
    direction = rng.standard_normal(p)
    direction /= np.linalg.norm(direction)  # β = r·u: any direction, the design is isotropic
    bias, variance = np.empty(draws), np.empty(draws)
    chunk = max(1, CHUNK // (n * p))
    for start in range(0, draws, chunk):
        stop = min(draws, start + chunk)
        designs = rng.standard_normal((stop - start, n, p)) * scales
        bias[start:stop], variance[start:stop] = _risk_terms(designs, direction, ridge)
    bias *= signal2
    variance *= noise2
    risk = bias + variance

    def mean_and_error(x: Any) -> tuple[float, float]:
        return float(x.mean()), float(x.std(ddof=1) / math.sqrt(draws))

    (risk_mean, risk_se), (bias_mean, bias_se), (var_mean, var_se) = map(
        mean_and_error, (risk, bias, variance)
    )
    first = _single_fit(params)
    return {
        "excess_risk_estimate": risk_mean,
        "standard_error": risk_se,
        "bias_estimate": bias_mean,
        "bias_standard_error": bias_se,
        "variance_estimate": var_mean,
        "variance_standard_error": var_se,
        "test_risk_estimate": noise2 + risk_mean,
        "training_residual": first["training_residual"],
        "coefficient_norm": first["coefficient_norm"],
    }


def learning_from_design(params: dict[str, Any]) -> dict[str, Any]:
    """The dictionary in code: same sizes; σ² is label noise, ‖β‖ the signal; ridge λ = 0."""
    return {**params, "ridge": 0.0}


# -- parameters, validation and strategies ------------------------------------------------------

N_SAMPLES = Parameter(
    "n_samples",
    "n, training samples (patterns)",
    f"1 ≤ n ≤ {MAX_SIZE}",
    integer=True,
    minimum=1,
    maximum=MAX_SIZE,
)
N_FEATURES = Parameter(
    "n_features",
    "p, features = weights (couplings); γ = p/n",
    f"1 ≤ p ≤ {MAX_SIZE}, |p − n| ≥ 6",
    integer=True,
    minimum=1,
    maximum=MAX_SIZE,
)
NOISE = Parameter(
    "noise", "σ, label-noise standard deviation", "σ > 0", minimum=0.0, exclusive=True
)
SIGNAL = Parameter("signal", "r = ‖β‖, norm of the true coefficients", "r ≥ 0", minimum=0.0)
DRAWS = Parameter(
    "draws",
    "R, designs drawn by the Monte Carlo (learning side)",
    "100 ≤ R ≤ 1e6",
    integer=True,
    minimum=100,
    maximum=1e6,
)
SEED = Parameter(
    "seed", "seed of the Monte Carlo's designs", "integer ≥ 0", integer=True, minimum=0
)


def validate_design(values: dict[str, Any]) -> None:
    n, p = values["n_samples"], values["n_features"]
    if abs(p - n) < MIN_GAP:
        raise ParameterError(
            "n_features",
            f"must differ from n_samples by at least {MIN_GAP} (got p = {p}, n = {n}): at "
            "|p − n| ≤ 1 the expected risk is infinite (the interpolation peak), and closer than "
            f"{MIN_GAP} the Monte Carlo has too few finite moments for a standard error",
        )
    if values["draws"] * n * p > MAX_WORK:
        raise ParameterError(
            "draws",
            f"R·n·p = {values['draws'] * n * p:.3g} Gaussian draws (R = {values['draws']}) "
            f"exceeds {MAX_WORK:.0e}; at n = {n}, p = {p} take at most "
            f"R = {int(MAX_WORK // (n * p))}",
        )


def design_strategy() -> Any:
    """n ∈ [30, 60], p on either side of the peak (|p − n| ≥ 6, p ≤ 3n); σ, r log-uniform."""
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(30, 60))
        if draw(st.booleans()):
            p = draw(st.integers(1, n - MIN_GAP))
        else:
            p = draw(st.integers(n + MIN_GAP, 3 * n))
        return {
            "n_samples": n,
            "n_features": p,
            "noise": 10 ** draw(st.floats(-1, 0.5)),
            "signal": 10 ** draw(st.floats(-1, 1)),
            "draws": VERIFY_DRAWS,
            "seed": VERIFY_SEED,
        }

    return draw()


DESIGN_EXAMPLES = (
    # Spec 8(f): the finite-n variance σ²p/(n − p − 1) against σ²p/(n − p) is off by 0.013 here.
    {
        "n_samples": 40,
        "n_features": 20,
        "noise": 0.5,
        "signal": 2.0,
        "draws": VERIFY_DRAWS,
        "seed": VERIFY_SEED,
    },
    # Over-parameterised side, r ≠ 1 and σ ≠ 1 (so r ↔ r² and σ ↔ σ² confusions show).
    {
        "n_samples": 40,
        "n_features": 80,
        "noise": 0.3,
        "signal": 2.0,
        "draws": VERIFY_DRAWS,
        "seed": VERIFY_SEED,
    },
)


def single_fit_strategy() -> Any:
    """Any n ≤ 100, p ≤ 200, including p = n (the worst-conditioned square designs)."""
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        n = draw(st.integers(1, 100))
        p = draw(st.one_of(st.just(n), st.integers(1, 200)))
        return {
            "family": SINGLE_FIT,
            "n_samples": n,
            "n_features": p,
            "noise": 10 ** draw(st.floats(-3, 1)),
            "signal": 10 ** draw(st.floats(-2, 2)),
            # Not a statistical test: the seed only generates one training set.
            "seed": draw(st.integers(0, 2**32 - 1)),
        }

    return draw()


def peak_strategy() -> Any:
    """p = n ∈ [30, 60]; signal-to-noise r/σ ≥ 1 (below it the best fit is close to β̂ = 0)."""
    from hypothesis import strategies as st

    @st.composite
    def draw(draw: Any) -> dict[str, Any]:
        noise = 10 ** draw(st.floats(-1, 0.5))
        return {
            "family": PEAK,
            "n_samples": draw(st.integers(30, 60)),
            "noise": noise,
            "signal": noise * 10 ** draw(st.floats(0, 1.5)),
        }

    return draw()


# -- identities ----------------------------------------------------------------------------------


def check_finite_n_risk(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """DD-1: the Monte Carlo of the fitted estimator's risk against the finite-n closed form.

    Bias (r² part) and variance (σ² part) are tested separately, and their sum: |z| ≤ 5 each,
    with the sample standard error over R designs (fixed seed).
    """
    phys = c.physics.observe(params)
    learn = c.learning.observe(c.translate(params))
    detail: dict[str, Any] = {}
    holds, worst_abs, worst_rel, worst_z = True, 0.0, 0.0, 0.0
    for name, estimate, error, expected in (
        ("bias", "bias_estimate", "bias_standard_error", "expected_bias"),
        ("variance", "variance_estimate", "variance_standard_error", "expected_variance"),
        ("risk", "excess_risk_estimate", "standard_error", "expected_excess_risk"),
    ):
        difference = learn[estimate] - phys[expected]
        se = learn[error]
        z = difference / se if se > 0 else (0.0 if difference == 0 else math.inf)
        holds = holds and abs(z) <= 5
        worst_abs = max(worst_abs, abs(difference))
        worst_rel = max(worst_rel, abs(difference) / phys["expected_excess_risk"])
        detail[f"z_{name}"] = z
        worst_z = max(worst_z, abs(z))
    detail["observed_risk"] = learn["excess_risk_estimate"]
    detail["expected_risk"] = phys["expected_excess_risk"]
    detail["observed_largest_abs_z"] = worst_z
    detail["bound"] = 5
    return Comparison(holds, worst_abs, worst_rel, detail)


def _at_scale(params: dict[str, Any], scale: int) -> dict[str, Any]:
    return {
        **params,
        "n_samples": scale * int(params["n_samples"]),
        "n_features": scale * int(params["n_features"]),
    }


def check_asymptotic_curve(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """DD-2: at fixed γ, |finite-n − R(γ)| = C/n·(1 + O(1/(n|1 − γ|))), with C = σ²γ/(1 − γ)²
    (γ < 1) or σ²/(γ − 1)²; checked as the rate 1/n and the coefficient C."""
    from physml.compare import rate

    n, p = int(params["n_samples"]), int(params["n_features"])
    gap = abs(p - n)
    gamma = p / n
    sizes, errors = [], []
    for scale in SIZE_SWEEP:
        phys = c.physics.observe(_at_scale(params, scale))
        sizes.append(scale * n)
        errors.append(abs(phys["expected_excess_risk"] - phys["asymptotic_risk"]))
    # Exactly n·error/C = m/(m − 1) with m = s|p − n|: the local order is 1 + 1/(m − 1).
    order = rate(
        errors,
        [1 / m for m in sizes],
        expected=1.0,
        tolerance=1 / (SIZE_SWEEP[0] * gap - 1),
        label="order",
    )
    noise2 = float(params["noise"]) ** 2
    expected = noise2 * gamma / (1 - gamma) ** 2 if gamma < 1 else noise2 / (gamma - 1) ** 2
    observed = sizes[-1] * errors[-1]
    bound = 1 / (SIZE_SWEEP[-1] * gap - 1) * (1 + 1e-6) + 1e-9
    deviation = abs(observed / expected - 1)
    return Comparison(
        order.holds and deviation <= bound,
        abs_error=order.abs_error,
        rel_error=deviation,
        detail={
            **order.detail,
            "observed_coefficient": observed,
            "expected_coefficient": expected,
            "coefficient_bound": bound,
        },
    )


def check_critical_amplitude(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """DD-3: R(γ) ~ σ²/|1 − γ| at the interpolation threshold (critical exponent 1).

    |1 − γ|·R → σ² from both sides: the deviation is σ²ε below (order 1) and r²ε²/(1 + ε) above
    (order 2), each bounded by σ²ε + r²ε² at every ε of the sweep.
    """
    from physml.compare import rate

    noise2, signal2 = float(params["noise"]) ** 2, float(params["signal"]) ** 2
    size = 1_000_000  # γ = 1 ∓ ε exactly at these ε
    amplitudes: dict[str, list[float]] = {"below": [], "above": []}
    result = Comparison(True)
    for eps in CRITICAL_SWEEP:
        for side, name in ((-1, "below"), (1, "above")):
            p = round(size * (1 + side * eps))
            risk = c.physics.observe({**params, "n_samples": size, "n_features": p})[
                "asymptotic_risk"
            ]
            amplitudes[name].append(eps * risk)
            slack = 16 * EPS * (noise2 + signal2) / eps  # rounding of γ = p/n, relative eps/ε
            result &= at_most(
                abs(eps * risk - noise2),
                noise2 * eps + signal2 * eps**2 + slack,
                label=f"deviation_{name}",
            )
    deviations = {k: [abs(a - noise2) for a in v] for k, v in amplitudes.items()}
    below = rate(deviations["below"], CRITICAL_SWEEP, expected=1.0, tolerance=0.01, label="order")
    eps_max, eps_min = CRITICAL_SWEEP[0], CRITICAL_SWEEP[-1]
    detail: dict[str, Any] = {
        "observed_amplitude_below": amplitudes["below"][-1],
        "expected_amplitude_below": noise2,
        "observed_amplitude_above": amplitudes["above"][-1],
        "expected_amplitude_above": noise2,
        "observed_order_below": below.detail.get("observed_order", math.nan),
        "expected_order_below": 1.0,
        "bound": 0.01,
    }
    holds = result.holds and below.holds
    # Above the threshold the deviation r²ε²/(1 + ε) must stand clear of the rounding slack.
    if signal2 * eps_min**2 > 1e-6 * noise2:
        tolerance = eps_max / (1 + eps_max)
        above = rate(
            deviations["above"], CRITICAL_SWEEP, expected=2.0, tolerance=tolerance, label="order"
        )
        holds = holds and above.holds
        detail["observed_order_above"] = above.detail.get("observed_order", math.nan)
        detail["expected_order_above"] = 2.0
        detail["bound"] = tolerance
    return Comparison(holds, result.abs_error, below.abs_error, detail)


def check_min_norm_fit(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """DD-4: the learner's fit is pinv(X)·y (the minimum-norm solution); for p ≥ n it
    interpolates the training data (zero residual)."""
    import numpy as np

    learn = c.learning.observe(c.translate(params))
    design, targets, _ = training_set(params)
    n, p = design.shape
    singular = np.linalg.svd(design, compute_uv=False)
    kappa = singular[0] / singular[-1]
    reference = np.linalg.pinv(design) @ targets
    residual = np.linalg.norm(design @ reference - targets)
    # Backward-stable least squares: forward error eps·κ·‖β̂‖, plus eps·κ²·‖r‖/‖X‖ with residual.
    size = 8 * EPS * max(n, p)
    tolerance = size * (kappa * np.linalg.norm(reference) + kappa**2 * residual / singular[0])
    result = close(learn["coefficients"], reference, atol=tolerance)
    if p >= n:
        scale = singular[0] * (tolerance + size * np.linalg.norm(reference))
        result &= at_most(
            learn["training_residual"], scale / np.linalg.norm(targets), label="training_residual"
        )
    return result


def check_ridge_peak(c: Correspondence, params: dict[str, Any]) -> Comparison:
    """Negative control: at p = n the min-norm risk is infinite, but ridge with the Bayes-optimal
    λ* = σ²p/r² has finite risk below r² (the risk of predicting β̂ = 0): the peak belongs to
    interpolation, not to the data."""
    n = int(params["n_samples"])
    design = {
        "n_samples": n,
        "n_features": n,
        "noise": params["noise"],
        "signal": params["signal"],
        "draws": VERIFY_DRAWS,
        "seed": VERIFY_SEED,
    }
    phys = c.physics.observe(design)
    optimal = float(params["noise"]) ** 2 * n / float(params["signal"]) ** 2
    learn = c.learning.observe({**c.translate(design), "ridge": optimal})
    null_risk = float(params["signal"]) ** 2
    upper = learn["excess_risk_estimate"] + 5 * learn["standard_error"]
    peak = math.isinf(phys["expected_excess_risk"])
    return Comparison(
        peak and upper < null_risk,
        abs_error=max(0.0, upper - null_risk),
        rel_error=max(0.0, upper / null_risk - 1),
        detail={
            "min_norm_expected_risk": phys["expected_excess_risk"],
            "observed_ridge_risk_over_r2": learn["excess_risk_estimate"] / null_risk,
            "upper_5se_over_r2": upper / null_risk,
            "bound": 1.0,
        },
    )


# -- mutants -------------------------------------------------------------------------------------


def _asymptotic_variance(c: Correspondence) -> Correspondence:
    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        n, q = int(p["n_samples"]), int(p["n_features"])
        noise2 = float(p["noise"]) ** 2
        variance = noise2 * q / (n - q) if q < n else noise2 * n / (q - n) if q > n else math.inf
        return {
            "expected_variance": variance,
            "expected_excess_risk": o["expected_bias"] + variance,
            "expected_test_risk": noise2 + o["expected_bias"] + variance,
        }

    return c.with_physics_patch(patch)


def _bias_dropped(c: Correspondence) -> Correspondence:
    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        noise2 = float(p["noise"]) ** 2
        return {
            "expected_bias": 0.0,
            "expected_excess_risk": o["expected_variance"],
            "expected_test_risk": noise2 + o["expected_variance"],
        }

    return c.with_physics_patch(patch)


def _ridge_as_min_norm(c: Correspondence) -> Correspondence:
    return c.with_learning(
        lambda p: min_norm_least_squares({**p, "ridge": p.get("ridge") or MUTANT_RIDGE})
    )


def _load_for_gamma(c: Correspondence) -> Correspondence:
    def patch(p: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
        gamma = int(p["n_samples"]) / int(p["n_features"])  # α = n/p, the perceptron's load
        noise2, signal2 = float(p["noise"]) ** 2, float(p["signal"]) ** 2
        if gamma < 1:
            return {"asymptotic_risk": noise2 * gamma / (1 - gamma)}
        if gamma > 1:
            return {"asymptotic_risk": signal2 * (1 - 1 / gamma) + noise2 / (gamma - 1)}
        return {"asymptotic_risk": math.inf}

    return c.with_physics_patch(patch)


# -- the figure ----------------------------------------------------------------------------------

#: The figure's training-set size, noise σ, signal r = ‖β‖, largest p, and Monte Carlo designs.
FIGURE_SAMPLES = 40
FIGURE_NOISE = 0.5
FIGURE_SIGNAL = 1.0
FIGURE_MAX_FEATURES = 160
FIGURE_DRAWS = 500


def double_descent_figure(*, draws: int = FIGURE_DRAWS, seed: int = 0) -> Figure:
    """The test risk of min-norm least squares against γ = p/n: the peak at interpolation.

    Points: the learning side's Monte Carlo (``draws`` seeded Gaussian designs per p, ±1 standard
    error), at every fourth p with |p − n| ≥ 6. Curves: the physics side's finite-n closed form
    at every p (infinite, so left out, at p ∈ {n − 1, n, n + 1}) and the limit R(γ).
    """
    n = FIGURE_SAMPLES
    design = {"n_samples": n, "noise": FIGURE_NOISE, "signal": FIGURE_SIGNAL}
    features = range(1, FIGURE_MAX_FEATURES + 1)
    theory = [random_design_risk({**design, "n_features": p}) for p in features]
    gammas = [p / n for p in features]

    def finite(value: float) -> float:
        return value if math.isfinite(value) else math.nan  # a gap in the curve

    noise2 = FIGURE_NOISE**2
    measured = [p for p in range(2, FIGURE_MAX_FEATURES + 1, 4) if abs(p - n) >= MIN_GAP]
    runs = [
        min_norm_least_squares(
            learning_from_design({**design, "n_features": p, "draws": draws, "seed": seed})
        )
        for p in measured
    ]
    return Figure(
        "double-descent: the test risk of min-norm least squares peaks at interpolation, p = n",
        (
            Panel(
                "γ = p/n (parameters per training sample)",
                "test risk σ² + E‖β̂ − β‖²",
                yscale="log",
                series=(
                    Series(
                        "Monte Carlo over Gaussian designs (±1 SE)",
                        [p / n for p in measured],
                        [r["test_risk_estimate"] for r in runs],
                        style="points",
                        error=[r["standard_error"] for r in runs],
                        group="finite n",
                    ),
                    Series(
                        f"closed form at n = {n} (inverse-Wishart moments)",
                        gammas,
                        [finite(t["expected_test_risk"]) for t in theory],
                        role="theory",
                        group="finite n",
                    ),
                    Series(
                        "limit n, p → ∞: σ² + R(γ)",
                        gammas,
                        [finite(noise2 + t["asymptotic_risk"]) for t in theory],
                        role="theory",
                    ),
                ),
                markers=(
                    Marker("interpolation threshold p = n", 1.0),
                    Marker(
                        "σ² + r²: the risk of predicting β̂ = 0",
                        noise2 + FIGURE_SIGNAL**2,
                        orientation="horizontal",
                    ),
                ),
            ),
        ),
        note=f"n = {n}, σ = {FIGURE_NOISE}, r = ‖β‖ = {FIGURE_SIGNAL}; {draws} designs per point, "
        f"seed {seed}",
    )


def _alternating_scales(p: int) -> list[float]:
    """Feature standard deviations with variances alternating 1/4 : 7/4, normalised to mean 1."""
    variances = [1.75 if j % 2 else 0.25 for j in range(p)]
    mean = sum(variances) / p
    return [math.sqrt(v / mean) for v in variances]


def anisotropic_design_strategy() -> Any:
    """Boundary: the designs of ``design_strategy`` (p ≥ 2) with unequal feature variances (mean
    1, alternating 1/4 : 7/4), everything else as verified."""
    from hypothesis import assume

    def anisotropic(params: dict[str, Any]) -> dict[str, Any]:
        p = int(params["n_features"])
        assume(p >= 2)
        return {**params, "feature_scales": _alternating_scales(p)}

    return design_strategy().map(anisotropic)


DOUBLE_DESCENT_BOUNDARIES = (
    Boundary(
        "anisotropic-design",
        "an isotropic Gaussian design (i.i.d. N(0, 1) features)",
        "expected-risk-is-finite-n-formula",
        anisotropic_design_strategy,
        "The closed form rests on the white Wishart moment E tr(XᵀX)⁻¹ = p/(n − p − 1). With "
        "feature variances s_j² (mean 1) the variance term is σ²Σ_j s_j⁻²/(n − p − 1), larger by "
        "Jensen's inequality (×2.3 here), and above the threshold the bias depends on how β "
        "lies along the strong and weak features: double descent remains, on another curve.",
        examples=({**DESIGN_EXAMPLES[0], "feature_scales": _alternating_scales(20)},),
        max_examples=2,
    ),
)


DOUBLE_DESCENT = Correspondence(
    id="double-descent",
    regime="exact",
    physics=PhysicalSystem(
        "random linear model (inverse-Wishart moments, thermodynamic limit)",
        "Isotropic Gaussian patterns, a planted β with ‖β‖ = r and noise temperature σ²; the "
        "expected excess risk from inverse-Wishart moments, its limit R(γ) at γ = p/n, and "
        "the 1/|1 − γ| divergence at γ = 1.",
        (
            "overparameterisation",
            "expected_bias",
            "expected_variance",
            "expected_excess_risk",
            "expected_test_risk",
            "asymptotic_risk",
        ),
        random_design_risk,
    ),
    learning=LearningMethod(
        "minimum-norm least squares (ridgeless regression)",
        "β̂ = X⁺y fitted on R seeded Gaussian designs; the test risk of each fit is averaged "
        "(bias² + variance, exact in the label noise) with its standard error.",
        (
            "excess_risk_estimate",
            "standard_error",
            "bias_estimate",
            "variance_estimate",
            "test_risk_estimate",
            "training_residual",
            "coefficient_norm",
        ),
        min_norm_least_squares,
    ),
    parameters=(N_SAMPLES, N_FEATURES, NOISE, SIGNAL, DRAWS, SEED),
    translate=learning_from_design,
    validate=validate_design,
    example={
        "n_samples": 40,
        "n_features": 80,
        "noise": 0.5,
        "signal": 1.0,
        "draws": 2000,
        "seed": 0,
    },
    examples=DESIGN_EXAMPLES,
    strategy=design_strategy,
    boundaries=DOUBLE_DESCENT_BOUNDARIES,
    figure=double_descent_figure,
    identities=(
        Identity(
            "expected-risk-is-finite-n-formula",
            "exact",
            check_finite_n_risk,
            "|z| ≤ 5 for the bias, the variance and their sum, with the sample standard error "
            "over R designs (R = 1000, seed 0 when verifying)",
            "The closed form is exact in expectation; the Monte Carlo is exact in the noise "
            "and averages over designs. |p − n| ≥ 6 keeps three moments of tr W⁻¹ finite, so "
            "the CLT applies; the seed is fixed, never drawn by hypothesis. Rounding "
            "(eps·κ(XᵀX) relative per design) is far below the statistical error.",
            max_examples=4,
        ),
        Identity(
            "finite-n-risk-approaches-asymptotic-curve",
            "limit",
            check_asymptotic_curve,
            "order 1 in 1/n within 1/(4|p − n| − 1) over (n, p)·{4, …, 64}; coefficient "
            "within 1/(64|p − n| − 1) of σ²γ/(1 − γ)² (γ < 1) or σ²/(γ − 1)² (γ > 1)",
            "Exactly, n·|finite − R(γ)| = C·m/(m − 1) with m = s|p − n|: the bounds are that "
            "correction at the smallest and at the largest scale.",
        ),
        Identity(
            "risk-diverges-at-interpolation-threshold",
            "limit",
            check_critical_amplitude,
            "|ε·R(1 ∓ ε) − σ²| ≤ σ²ε + r²ε² at ε = 0.1 … 0.0125; order 1 below (±0.01) and "
            "2 above (±ε/(1 + ε))",
            "Below, ε·R − σ² = −σ²ε exactly; above, it is r²ε²/(1 + ε): the critical exponent "
            "is 1 and the amplitude is the noise temperature on both sides.",
        ),
        Identity(
            "min-norm-solution-interpolates",
            "exact",
            check_min_norm_fit,
            "‖β̂ − pinv(X)y‖ ≤ 8·eps·max(n, p)·(κ‖β̂‖ + κ²‖r‖/‖X‖); for p ≥ n the relative "
            "training residual ≤ ‖X‖·(that + 8·eps·max(n, p)·‖β̂‖)/‖y‖",
            "lstsq and pinv are backward stable; their forward errors grow with κ(X) "
            "(κ² when the residual r is nonzero). Square designs (p = n) are included.",
            strategy=single_fit_strategy,
            examples=(
                {
                    "family": SINGLE_FIT,
                    "n_samples": 40,
                    "n_features": 80,
                    "noise": 0.5,
                    "signal": 1.0,
                    "seed": 0,
                },
                {
                    "family": SINGLE_FIT,
                    "n_samples": 40,
                    "n_features": 20,
                    "noise": 0.5,
                    "signal": 1.0,
                    "seed": 0,
                },
            ),
        ),
        Identity(
            "optimal-ridge-removes-the-peak",
            "exact",
            check_ridge_peak,
            "min-norm expected risk = ∞ at p = n; ridge (λ* = σ²p/r²) Monte Carlo mean + 5·se "
            "< r² (R = 1000, seed 0)",
            "Negative control of the min-norm assumption. λ* makes ridge the Bayes estimator "
            "for β ~ N(0, r²I/p); the design is rotation invariant, so its risk at ‖β‖ = r is "
            "that Bayes risk, below the r² of β̂ = 0.",
            strategy=peak_strategy,
            examples=({"family": PEAK, "n_samples": 40, "noise": 0.5, "signal": 1.0},),
            max_examples=3,
        ),
    ),
    mutants=(
        Mutant(
            "asymptotic-variance-in-finite-formula",
            "σ²p/(n − p) and σ²n/(p − n) (the n → ∞ forms) instead of σ²p/(n − p − 1) and "
            "σ²n/(p − n − 1)",
            _asymptotic_variance,
            ("expected-risk-is-finite-n-formula", "finite-n-risk-approaches-asymptotic-curve"),
        ),
        Mutant(
            "bias-term-dropped",
            "the over-parameterised risk without its bias r²(1 − n/p)",
            _bias_dropped,
            ("expected-risk-is-finite-n-formula",),
        ),
        Mutant(
            "ridge-passed-as-min-norm",
            "ridge with λ = 1 (scikit-learn's Ridge() default) used as the minimum-norm fit",
            _ridge_as_min_norm,
            ("min-norm-solution-interpolates", "expected-risk-is-finite-n-formula"),
        ),
        Mutant(
            "load-instead-of-overparameterisation",
            "R(γ) evaluated at n/p (the perceptron's load α) instead of γ = p/n",
            _load_for_gamma,
            (
                "finite-n-risk-approaches-asymptotic-curve",
                "risk-diverges-at-interpolation-threshold",
            ),
        ),
    ),
)


@hookimpl
def physml_correspondences() -> list[Correspondence]:
    return [PERCEPTRON_CAPACITY, DOUBLE_DESCENT]
