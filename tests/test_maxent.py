"""maxent-logistic: the identities, the mutants, and independent references (scikit-learn's
LogisticRegression, SLSQP on the full primal, the intercept-only closed form), the parameter
checks, and the speed on a user-sized data set."""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pytest

import physml_plugins.maxent as maxent
from physml import ParameterError
from physml.testing import assert_mutants_killed, assert_verifies
from physml_plugins.maxent import MAXENT_LOGISTIC, logistic_inputs

C = MAXENT_LOGISTIC


def _dataset(
    n: int, d: int, K: int, *, seed: int, strength: float = 0.5, constant: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Features N(0, 1)·10^U(−1, 1) per column (plus a constant column) and labels drawn from
    a softmax teacher, every class present."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * 10.0 ** rng.uniform(-1, 1, size=d)
    if constant:
        X = np.column_stack([X, np.ones(n)])
    spread = np.sqrt(np.mean(X**2, axis=0))[:, None]
    teacher = rng.standard_normal((X.shape[1], K)) * strength / spread
    logits = X @ teacher
    labels = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    labels[:K] = np.arange(K)
    return X, labels


def _sides(params: dict) -> tuple[dict, dict]:
    values = C.check_params(params)
    return C.physics.observe(values), C.learning.observe(C.translate(values))


# -- (a), (b): the identities hold and every mutant is rejected --------------------------------


def test_maxent_logistic_identities_hold():
    assert_verifies(C, profile="default")


def test_every_maxent_logistic_mutant_is_rejected():
    assert_mutants_killed(C)


# -- (c) scikit-learn (ME-7): both sides equal LogisticRegression.predict_proba -----------------

CASES = [
    # n, d, K, l2, seed: K = 2 exercises C = 2/l2, K ≥ 3 C = 1/l2, l2 = 0 C = ∞
    (40, 3, 2, 0.5, 1),
    (40, 3, 2, 0.0, 2),
    (60, 2, 3, 0.1, 3),
    (60, 2, 3, 0.0, 4),
    (80, 4, 5, 1e-2, 5),
    (120, 3, 4, 0.0, 6),
]


def _scikit_learn(X: np.ndarray, y: np.ndarray, l2: float, solver: str) -> object:
    from sklearn.linear_model import LogisticRegression

    K = int(y.max()) + 1
    # sklearn's binary model has one weight vector w = w₁ − w₀, so its C is 2/l2 for K = 2.
    c_value = np.inf if l2 == 0 else 2.0 / l2 if K == 2 else 1.0 / l2
    model = LogisticRegression(
        fit_intercept=False, C=c_value, tol=1e-12, max_iter=100_000, solver=solver
    )
    return model.fit(X, y)


def _centred_weights(model: object, K: int) -> np.ndarray:
    coef = model.coef_.T
    if K == 2:
        coef = np.column_stack([-coef[:, 0] / 2, coef[:, 0] / 2])
    return coef - coef.mean(axis=1, keepdims=True)


def _reference_error(
    X: np.ndarray, y: np.ndarray, l2: float, P: np.ndarray, W: np.ndarray
) -> np.ndarray:
    """The first-order error of a reference solution's probabilities: the change one Newton
    step from it would make, δW = H⁻¹g on class-centred weights (g = Xᵀ(P − P̃) + l2·W, H the
    summed loss's Hessian, both computed here independently of the plugin), δPᵢ = (diag pᵢ −
    pᵢpᵢᵀ)·Xᵢ δW."""
    N, d = X.shape
    K = P.shape[1]
    gradient = (X.T @ (P - np.eye(K)[y]) + l2 * W).ravel()
    hessian = np.zeros((d * K, d * K))
    for i in range(N):
        hessian += np.kron(np.outer(X[i], X[i]), np.diag(P[i]) - np.outer(P[i], P[i]))
    hessian += l2 * np.eye(d * K)
    basis = np.linalg.svd(np.eye(K) - 1.0 / K)[0][:, : K - 1]
    embed = np.kron(np.eye(d), basis)
    step = embed @ np.linalg.solve(embed.T @ hessian @ embed, embed.T @ gradient)
    logits = X @ step.reshape(d, K)
    return P * (logits - np.sum(P * logits, axis=1, keepdims=True))


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("n", "d", "K", "l2", "seed"), CASES)
def test_both_sides_match_scikit_learn_lbfgs(n, d, K, l2, seed):
    """The spec's configuration (ME-7). sklearn's L-BFGS stops on a relative decrease of the
    loss rather than at tol on the gradient; its own first-order error (one Newton step) sets
    the tolerance, never above the spec's 1e-6 by more than that estimate."""
    X, y = _dataset(n, d, K, seed=seed)
    phys, learn = _sides({"features": X.tolist(), "labels": y.tolist(), "l2": l2})
    model = _scikit_learn(X, y, l2, "lbfgs")
    reference = model.predict_proba(X)
    error = _reference_error(X, y, l2, reference, _centred_weights(model, K))
    atol = 1e-6 + 2 * np.abs(error)
    assert np.max(np.abs(error)) <= 1e-5
    assert np.all(np.abs(phys["probabilities"] - reference) <= atol)
    assert np.all(np.abs(learn["probabilities"] - reference) <= atol)
    # the Newton-corrected reference agrees to second order
    np.testing.assert_allclose(learn["probabilities"], reference - error, rtol=0, atol=1e-8)


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("n", "d", "K", "l2", "seed"), CASES)
def test_both_sides_match_scikit_learn_newton_cholesky(n, d, K, l2, seed):
    """sklearn's Newton solver converges to rounding level: probabilities, weights and the
    maximum-entropy multipliers agree with it tightly (weights in the class-centred gauge)."""
    X, y = _dataset(n, d, K, seed=seed)
    phys, learn = _sides({"features": X.tolist(), "labels": y.tolist(), "l2": l2})
    model = _scikit_learn(X, y, l2, "newton-cholesky")
    reference = model.predict_proba(X)
    weights = _centred_weights(model, K)
    assert np.max(np.abs(_reference_error(X, y, l2, reference, weights))) <= 1e-12
    np.testing.assert_allclose(phys["probabilities"], reference, rtol=0, atol=1e-10)
    np.testing.assert_allclose(learn["probabilities"], reference, rtol=0, atol=1e-10)
    learned = learn["weights"] - learn["weights"].mean(axis=1, keepdims=True)
    np.testing.assert_allclose(learned, weights, rtol=0, atol=1e-9)
    np.testing.assert_allclose(phys["multipliers"], weights, rtol=0, atol=1e-9)


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
def test_the_binary_multinomial_c_mapping_mistake_is_visible_to_scikit_learn():
    """K = 2 with the multinomial mapping C = 1/l2 fits a different model (spec: off by 6e-2)."""
    from sklearn.linear_model import LogisticRegression

    X, y = _dataset(40, 2, 2, seed=11, strength=2.0)
    phys, _ = _sides({"features": X.tolist(), "labels": y.tolist(), "l2": 1.0})
    wrong = LogisticRegression(fit_intercept=False, C=1.0, tol=1e-12, max_iter=100_000)
    wrong.fit(X, y)
    assert np.max(np.abs(phys["probabilities"] - wrong.predict_proba(X))) > 1e-3


# -- (c) SLSQP on the full primal (the spec's recipe), an independent maximum-entropy solver ----


def _slsqp_maximum_entropy(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """max H(P) s.t. row sums 1 and XᵀP = XᵀP̃ for classes 1..K−1 (class K's are implied)."""
    from scipy.optimize import minimize
    from scipy.special import xlogy

    N, d = X.shape
    K = int(y.max()) + 1
    T = np.eye(K)[y]
    rows = np.kron(np.eye(N), np.ones((1, K)))
    features = np.kron(X.T, np.eye(K))
    keep = [j * K + k for j in range(d) for k in range(K - 1)]
    A = np.vstack([rows, features[keep]])
    b = np.concatenate([np.ones(N), (X.T @ T).ravel()[keep]])
    start = 0.5 * T.ravel() + 0.5 / K
    result = minimize(
        lambda p: float(xlogy(p, p).sum()),
        start,
        jac=lambda p: np.log(np.maximum(p, 1e-300)) + 1.0,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * (N * K),
        constraints=[{"type": "eq", "fun": lambda p: A @ p - b, "jac": lambda p: A}],
        options={"ftol": 1e-15, "maxiter": 10_000},
    )
    assert result.status == 0, result.message
    P = result.x.reshape(N, K)
    return P, -float(xlogy(P, P).sum())


@pytest.mark.parametrize(("n", "d", "K", "seed"), [(20, 2, 3, 21), (15, 1, 4, 22), (30, 3, 2, 23)])
def test_both_sides_match_slsqp_on_the_constrained_primal(n, d, K, seed):
    X, y = _dataset(n, d, K, seed=seed, strength=0.3)
    phys, learn = _sides({"features": X.tolist(), "labels": y.tolist(), "l2": 0.0})
    P, entropy = _slsqp_maximum_entropy(X, y)
    assert abs(phys["entropy"] - entropy) <= 1e-9 * max(1.0, entropy) * 10
    assert abs(learn["nll"] - entropy) <= 1e-9 * max(1.0, entropy) * 10
    assert np.max(np.abs(phys["probabilities"] - P)) <= 1e-6
    assert np.max(np.abs(learn["probabilities"] - P)) <= 1e-6


def test_separable_labels_have_zero_maximum_entropy_by_slsqp_and_by_the_physics_side():
    X = np.array([[-2.0, 1.0], [-1.0, 1.0], [1.0, 1.0], [2.0, 1.0], [3.0, 1.0], [-3.0, 1.0]])
    y = np.array([0, 0, 1, 1, 1, 0])
    P, entropy = _slsqp_maximum_entropy(X, y)
    assert entropy <= 1e-8
    phys = C.physics.observe({"features": X, "labels": y, "l2": 0.0})
    assert phys["entropy"] <= 1e-8
    np.testing.assert_allclose(phys["probabilities"], P, atol=1e-6)
    assert np.all(np.isnan(phys["multipliers"]))  # the multipliers are at infinity


# -- (c) the intercept-only closed form (ME-9, the spec's published values) ---------------------


def test_intercept_only_reproduces_the_published_log_odds():
    labels = [0] * 15 + [1] * 10 + [2] * 18 + [3] * 7
    phys, learn = _sides({"features": [[1.0]] * 50, "labels": labels, "l2": 0.0})
    published = [0.76214005, 0.35667494, 0.94446161, 0.0]
    for weights in (learn["weights"][0], phys["multipliers"][0]):
        np.testing.assert_allclose(weights - weights[-1], published, atol=1e-8)
    for P in (phys["probabilities"], learn["probabilities"]):
        np.testing.assert_allclose(P, np.tile([0.30, 0.20, 0.36, 0.14], (50, 1)), atol=1e-12)


# -- the sides are independent: each computes with the other's code unavailable ------------------


def test_the_physics_side_never_calls_the_learning_side(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the maximum-entropy side called the learning side")

    for name in (
        "_fit_logistic",
        "_logistic",
        "_logistic_hessian",
        "_logistic_observables",
        "logistic_regression",
    ):
        monkeypatch.setattr(maxent, name, forbidden)
    X, y = _dataset(30, 2, 3, seed=31)
    for l2 in (0.0, 0.3):
        out = maxent._maxent({"features": X, "labels": y, "l2": l2})
        assert np.all(np.isfinite(out["multipliers"]))


def test_the_learning_side_never_calls_the_physics_side(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the learning side called the maximum-entropy side")

    for name in (
        "_maxent",
        "_primal_newton",
        "_solve_maximum_entropy",
        "_constraint_curvature",
        "_simplex_project",
        "maximum_entropy",
    ):
        monkeypatch.setattr(maxent, name, forbidden)
    X, y = _dataset(30, 2, 3, seed=32)
    for l2 in (0.0, 0.3):
        out = maxent._logistic(logistic_inputs({"features": X, "labels": y, "l2": l2}))
        assert out["gradient_norm"] <= 1e-9


# -- parameters: clear errors that name the parameter -------------------------------------------


def _raises(params: dict, parameter: str, *fragments: str) -> None:
    with pytest.raises(ParameterError) as caught:
        C.check_params(params)
    assert caught.value.parameter == parameter
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_labels_of_the_wrong_length_are_rejected():
    _raises(
        {"features": [[0.0, 1.0]] * 4, "labels": [0, 1, 0], "l2": 1.0},
        "labels",
        "3 entries",
        "4 rows",
    )


def test_a_missing_class_is_rejected():
    _raises(
        {"features": [[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]], "labels": [0, 2, 2], "l2": 1.0},
        "labels",
        "class 1 never occurs",
    )


def test_a_single_class_is_rejected():
    _raises({"features": [[0.0], [1.0]], "labels": [0, 0], "l2": 1.0}, "labels", "two classes")


def test_non_integer_and_negative_labels_are_rejected():
    _raises({"features": [[0.0], [1.0]], "labels": [0, 0.5], "l2": 1.0}, "labels", "integers")
    _raises({"features": [[0.0], [1.0]], "labels": [0, -1], "l2": 1.0}, "labels", "≥ 0")


def test_negative_l2_and_one_dimensional_features_are_rejected():
    _raises({"features": [[0.0], [1.0]], "labels": [0, 1], "l2": -0.1}, "l2", "≥ 0")
    _raises({"features": [0.0, 1.0], "labels": [0, 1], "l2": 0.1}, "features", "2-D")


def test_separable_labels_without_a_prior_are_rejected_naming_labels():
    params = {
        "features": [[-2.0, 1.0], [-1.0, 1.0], [1.0, 1.0], [2.0, 1.0]],
        "labels": [0, 0, 1, 1],
        "l2": 0.0,
    }
    _raises(params, "labels", "separable", "use l2 > 0")
    C.check_params({**params, "l2": 0.01})  # the prior makes the problem well posed


def test_quasi_separable_labels_without_a_prior_are_rejected():
    # a tie at x = 0 (both labels there), the rest separated: quasi-complete separation
    params = {
        "features": [[-2.0, 1.0], [-1.0, 1.0], [0.0, 1.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0]],
        "labels": [0, 0, 0, 1, 1, 1],
        "l2": 0.0,
    }
    _raises(params, "labels", "separable")


def test_collinear_zero_and_surplus_columns_without_a_prior_are_rejected_naming_features():
    X, y = _dataset(30, 2, 3, seed=41, strength=0.2)
    duplicated = np.column_stack([X, 3.0 * X[:, 0]])
    _raises(
        {"features": duplicated.tolist(), "labels": y.tolist(), "l2": 0.0},
        "features",
        "columns 0 and 3 are collinear",
    )
    zero = np.column_stack([X, np.zeros(len(y))])
    _raises(
        {"features": zero.tolist(), "labels": y.tolist(), "l2": 0.0},
        "features",
        "column 3 is all zeros",
    )
    dependent = np.column_stack([X, X[:, 0] + X[:, 1]])
    _raises(
        {"features": dependent.tolist(), "labels": y.tolist(), "l2": 0.0},
        "features",
        "linearly dependent",
    )
    _raises(
        {"features": [[1.0, 2.0, 3.0]] * 2, "labels": [0, 1], "l2": 0.0}, "features", "fewer rows"
    )


def test_collinear_columns_are_fine_with_a_prior_and_both_sides_agree():
    X, y = _dataset(30, 2, 3, seed=42)
    duplicated = np.column_stack([X, X[:, 0]])
    phys, learn = _sides({"features": duplicated.tolist(), "labels": y.tolist(), "l2": 0.5})
    np.testing.assert_allclose(phys["probabilities"], learn["probabilities"], atol=1e-12)
    np.testing.assert_allclose(learn["weights"][0], learn["weights"][3], atol=1e-10)


def test_own_data_without_l2_means_plain_maximum_likelihood():
    X, y = _dataset(40, 2, 3, seed=43, strength=0.3)
    assert C.check_params({"features": X.tolist(), "labels": y.tolist()})["l2"] == 0.0


# -- the command line ------------------------------------------------------------------------------


def _eval(tmp_path, capsys, params: dict | None) -> tuple[int, str, str]:
    from physml.cli import main

    argv = ["eval", "maxent-logistic"]
    if params is not None:
        path = tmp_path / "params.json"
        path.write_text(json.dumps(params), encoding="utf-8")
        argv += ["--params", str(path)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_eval_of_the_worked_example_succeeds(tmp_path, capsys):
    code, out, _ = _eval(tmp_path, capsys, None)
    assert code == 0
    assert "physics.probabilities" in out and "learning.weights" in out


def test_eval_refuses_separable_labels_with_exit_status_2(tmp_path, capsys):
    params = {
        "features": [[-2.0, 1.0], [-1.0, 1.0], [1.0, 1.0], [2.0, 1.0]],
        "labels": [0, 0, 1, 1],
        "l2": 0,
    }
    code, _, err = _eval(tmp_path, capsys, params)
    assert code == 2
    assert "parameter 'labels'" in err and "separable" in err


# -- speed on a user's data: 500 samples, 10 features, 5 classes ---------------------------------


def _seconds(compute, *args) -> tuple[object, float, float]:
    """(result, CPU seconds of this process, wall seconds), with BLAS on one thread so that
    other processes on the machine neither inflate nor hide the cost."""
    import scipy.linalg
    import scipy.optimize  # noqa: F401
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        cpu, wall = time.process_time(), time.perf_counter()
        result = compute(*args)
        return result, time.process_time() - cpu, time.perf_counter() - wall


@pytest.mark.parametrize("l2", [0.0, 1e-3, 1.0])
def test_both_sides_answer_in_seconds_for_500_samples_10_features_5_classes(l2):
    from physml.cli import evaluate_identities

    X, y = _dataset(500, 9, 5, seed=51)  # 9 random columns + a constant one
    raw = {"features": X.tolist(), "labels": y.tolist(), "l2": l2}
    params, validate_cpu, _ = _seconds(C.check_params, raw)
    phys, physics_cpu, physics_wall = _seconds(maxent._maxent, params)  # uncached
    learn, learning_cpu, learning_wall = _seconds(maxent._logistic, logistic_inputs(params))
    evaluation = C.evaluate(raw)
    rows, identities_cpu, _ = _seconds(evaluate_identities, C, evaluation)
    print(
        f"l2={l2}: validation {validate_cpu:.2f} s CPU; physics {physics_cpu:.2f} s CPU "
        f"({physics_wall:.2f} s wall); learning {learning_cpu:.2f} s CPU ({learning_wall:.2f} s "
        f"wall); identities {identities_cpu:.2f} s CPU"
    )
    assert physics_cpu < 3.0
    assert learning_cpu < 3.0
    assert validate_cpu + identities_cpu < 10.0
    assert all(row["holds"] is not False for row in rows)
    np.testing.assert_allclose(phys["probabilities"], learn["probabilities"], atol=1e-10)
