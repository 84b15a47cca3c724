"""The built-in boundaries: each breaks its identity, on inputs that really violate its assumption.

A boundary is only informative when both halves are true: the identity fails, and it fails
because the assumption is violated. The second half is checked here with an independent test of
the assumption for every boundary (a commutator, a singular value, a curvature, ...), on the
report's counterexample and on inputs drawn from the boundary's strategy. A boundary whose
strategy respects its assumption must be reported as holding, and fail the run.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import pytest
from conftest import run_physml
from hypothesis import HealthCheck, Phase, given, settings

import physml
from physml import Boundary
from physml.verifier import get_profile, run_boundary
from physml_plugins import (
    associative_memory,
    gaussian_fields,
    information_geometry,
    path_integrals,
    phase_transitions,
    quantum_measurement,
    variational,
)

REGISTRY = physml.load_registry()
BOUNDARIES = [(c, b) for c in REGISTRY for b in c.boundaries]
IDS = [f"{c.id}:{b.name}" for c, b in BOUNDARIES]


def _commutator(a: Any, b: Any) -> float:
    return float(np.max(np.abs(a @ b - b @ a)))


def _noncommuting_measurements(p: dict[str, Any]) -> bool:
    first = quantum_measurement._measurement(p)[p["outcome"]]
    second = quantum_measurement._measurement(p, "second_")[p["second_outcome"]]
    return _commutator(first, second) > 1e-3  # no basis diagonalises both projectors


def _non_diagonal_povm(p: dict[str, Any]) -> bool:
    effects = quantum_measurement._measurement(p)
    return max(float(np.max(np.abs(e - np.diag(np.diag(e))))) for e in effects) > 1e-6


def _non_quadratic_action(p: dict[str, Any]) -> bool:
    s2, s3, s4 = path_integrals.beta_saddle_point(p)["action_derivatives"]
    return s2 > 0 and (abs(s3) > 0 or abs(s4) > 0)  # a saddle, with cubic or quartic terms


def _euclidean_metric(p: dict[str, Any]) -> bool:
    _, jacobian = information_geometry._reparametrised_fields(p)
    # The Euclidean metric of φ is not the pullback of η's: plain gradients differ by JJᵀ.
    identity = np.eye(jacobian.shape[0])
    return p["metric"] == "euclidean" and not np.allclose(jacobian @ jacobian.T, identity)


def _rotating_eigenbasis(p: dict[str, Any]) -> bool:
    from scipy.special import softmax

    basis = information_geometry._complex_vector(p, "eigenbasis")
    rotation = information_geometry._hermitian(p, "rotation")
    levels = np.asarray(p["energies"]) + p["theta"] * np.asarray(p["coupling"])
    # The part of ∂ρ that does not commute with ρ: zero iff [G, ρ] = 0.
    return information_geometry._coherent_term(softmax(-levels), basis, rotation) > 1e-8


def _trial_law_at_another_temperature(p: dict[str, Any]) -> bool:
    return abs(p["trial_temperature"] / p["temperature"] - 1) > 1e-3


def _points_in_special_position(p: dict[str, Any]) -> bool:
    margin, _ = phase_transitions.general_position_margin(phase_transitions._lifted(p))
    return margin < 1e-9


def _anisotropic_design(p: dict[str, Any]) -> bool:
    return float(np.ptp(p["feature_scales"])) > 0


def _free_chain_ends(p: dict[str, Any]) -> bool:
    band = gaussian_fields.chain_precision(p["mass"], p["spacing"], p["sites"], ends=p["ends"])
    exact = math.exp(gaussian_fields.lattice_angle(p["spacing"], p["mass"])) / p["spacing"]
    return abs(band[1, 0] - exact) > 1e-9 * exact


def _self_coupling(p: dict[str, Any]) -> bool:
    diagonal = np.diag(np.asarray(p["couplings"], dtype=float))
    return float(np.max(diagonal * (1 - np.asarray(p["magnetizations"]) ** 2))) > 0


def _near_critical_point(p: dict[str, Any]) -> bool:
    g = p["coupling"] / p["temperature"]
    m, _ = max(
        variational._curie_weiss_solutions(g, p["field"] / p["temperature"]), key=lambda s: s[1]
    )
    return 0 < 1 - g * (1 - m * m) < variational.MIN_CURVATURE


def _overlapping_patterns(p: dict[str, Any]) -> bool:
    patterns = np.asarray(p["patterns"], dtype=float)
    overlaps = patterns @ patterns.T
    return bool(np.any(overlaps - np.diag(np.diag(overlaps)) != 0))


def _unequal_class_sizes(p: dict[str, Any]) -> bool:
    return abs(math.log(p["sample_ratio"])) > 1e-3


#: For every built-in boundary, an independent test that its inputs violate its assumption.
VIOLATES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "noncommuting-measurements": _noncommuting_measurements,
    "non-diagonal-povm": _non_diagonal_povm,
    "non-quadratic-action": _non_quadratic_action,
    "euclidean-metric": _euclidean_metric,
    "rotating-eigenbasis": _rotating_eigenbasis,
    "trial-law-at-another-temperature": _trial_law_at_another_temperature,
    "points-in-special-position": _points_in_special_position,
    "anisotropic-design": _anisotropic_design,
    "free-chain-ends": _free_chain_ends,
    "self-coupling": _self_coupling,
    "near-critical-point": _near_critical_point,
    "overlapping-patterns": _overlapping_patterns,
    "unequal-class-sizes": _unequal_class_sizes,
}


def test_every_built_in_boundary_has_an_independent_violation_test():
    assert sorted(b.name for _, b in BOUNDARIES) == sorted(VIOLATES)


@pytest.mark.parametrize(("c", "boundary"), BOUNDARIES, ids=IDS)
def test_boundary_breaks_its_identity_on_a_violating_input(c, boundary):
    assert boundary.examples, "an explicit example keeps the run fast and the failure on record"
    assert boundary.assumption and boundary.explanation
    report = run_boundary(c, boundary, profile=get_profile("dev"), seed=0)
    assert report.status == "breaks", report.message
    assert report.ok and report.identity == boundary.identity
    assert report.counterexample is not None
    assert VIOLATES[boundary.name](report.counterexample)


@pytest.mark.parametrize(("c", "boundary"), BOUNDARIES, ids=IDS)
def test_boundary_strategy_draws_only_violating_inputs(c, boundary):
    violates = VIOLATES[boundary.name]
    for example in boundary.examples:
        assert violates(dict(example))

    @settings(
        max_examples=4,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(boundary.strategy())
    def drawn(params: dict[str, Any]) -> None:
        assert violates(dict(params))

    drawn()


def test_verify_reports_boundaries_only_when_asked():
    c = REGISTRY.get("path-integral-laplace")
    with_boundaries = physml.verify(c, boundaries=True, profile="dev", seed=0, max_examples=3)
    assert with_boundaries.status == "passed"
    assert [b.name for b in with_boundaries.boundaries] == [b.name for b in c.boundaries]
    assert all(b.status == "breaks" for b in with_boundaries.boundaries)
    assert physml.verify(c, profile="dev", seed=0, max_examples=3).boundaries == []


def test_a_boundary_that_respects_its_assumption_holds_and_fails_the_run():
    c = REGISTRY.get("quantum-fisher-natural-gradient")
    wrong = Boundary(
        "eigenbasis-kept-after-all",
        "a family whose eigenbasis stays put as θ changes",
        "commuting-qfi-is-classical-fisher",
        information_geometry.commuting_thermal_strategy,  # the assumption holds here
        "declared to break, but the strategy never turns the eigenbasis",
        examples=information_geometry.COMMUTING_THERMAL_EXAMPLES[:1],
    )
    assert not any(key.startswith("rotation_") for key in wrong.examples[0])  # no turning
    report = physml.verify(
        attrs.evolve(c, boundaries=(wrong,)),
        boundaries=True,
        profile="dev",
        seed=0,
        max_examples=3,
    )
    assert report.status == "failed"
    (result,) = report.boundaries
    assert result.status == "holds" and not result.ok
    assert "not where it is declared" in result.message


def test_cli_verify_boundaries_json():
    result = run_physml(
        "verify",
        "born-bayes",
        "--boundaries",
        "--json",
        "--profile",
        "dev",
        "--seed",
        "1",
        "--max-examples",
        "3",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    (entry,) = data["results"]
    assert entry["id"] == "born-bayes" and entry["status"] == "passed"
    names = [b.name for b in REGISTRY.get("born-bayes").boundaries]
    assert [b["name"] for b in entry["boundaries"]] == names
    for b in entry["boundaries"]:
        assert set(b) >= {
            "name",
            "assumption",
            "identity",
            "status",
            "examples",
            "counterexample",
            "message",
        }
        assert b["status"] == "breaks" and b["examples"] >= 1
        assert isinstance(b["counterexample"], dict)
    sequential = entry["boundaries"][0]
    assert sequential["identity"] == "commuting-measurements-are-sequential-bayes"
    assert _noncommuting_measurements(sequential["counterexample"])


def test_cli_show_lists_where_it_breaks():
    result = run_physml("show", "born-bayes")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    section = text[text.index("Where it breaks") :]
    assert "noncommuting-measurements: without commuting measurements" in section
    assert "commuting-measurements-are-sequential-bayes fails:" in section
    assert "non-diagonal-povm" in section
    assert all(len(line) <= 100 for line in text.splitlines())
    data = json.loads(run_physml("show", "born-bayes", "--json").stdout)
    assert [b["name"] for b in data["boundaries"]] == [
        "noncommuting-measurements",
        "non-diagonal-povm",
    ]
    assert set(data["boundaries"][0]) == {"name", "assumption", "identity", "explanation"}


def test_show_with_boundaries_imports_no_numerical_library(tmp_path):
    code = (
        "import sys; from physml.cli import main; main(['show', 'born-bayes']); "
        "heavy = ('numpy', 'scipy', 'hypothesis'); "
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    env = {**os.environ, "PHYSML_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stderr.strip().splitlines()[-1] == "[]"


def test_hopfield_boundary_keeps_fields_exact():
    # N a power of two: the crosstalk, not rounding, is what the exact comparison sees.
    (example,) = associative_memory.ISING_HOPFIELD_BOUNDARIES[0].examples
    assert math.log2(len(example["patterns"][0])).is_integer()
