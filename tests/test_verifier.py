"""The verifier: passing, failing with a shrunk counterexample, erroring, vacuous, profiles,
mutants, and the JSON report."""

from __future__ import annotations

import json

import attrs
import pytest

from physml import (
    Comparison,
    Correspondence,
    Identity,
    LearningMethod,
    Mutant,
    Parameter,
    PhysicalSystem,
)
from physml.compare import close
from physml.verifier import get_profile, run_identity, verify, verify_many


def _strategy():
    from hypothesis import strategies as st

    return st.fixed_dictionaries({"x": st.floats(-10, 10)})


def _square(p):
    return {"y": p["x"] ** 2}


def _make(check, *, strategy=_strategy, slow=False, max_examples=None) -> Correspondence:
    return Correspondence(
        id="toy",
        regime="exact",
        physics=PhysicalSystem("square", "x²", ("y",), _square),
        learning=LearningMethod("product", "x·x", ("y",), lambda p: {"y": p["x"] * p["x"]}),
        parameters=(Parameter("x", "a number", "real"),),
        example={"x": 1.5},
        strategy=strategy,
        identities=(
            Identity(
                "same",
                "exact",
                check,
                "rtol 0",
                "exact arithmetic",
                slow=slow,
                max_examples=max_examples,
            ),
        ),
        mutants=(
            Mutant("cube", "x³", lambda c: c.with_physics(lambda p: {"y": p["x"] ** 3})),
            Mutant("noop", "unchanged", lambda c: c),
        ),
    )


def _agree(c, p):
    return close(c.learning.observe(p)["y"], c.physics.observe(p)["y"], rtol=1e-15)


def test_passing_identity_reports_examples_and_errors():
    report = verify(_make(_agree), profile="dev", seed=1)
    assert report.status == "passed"
    identity = report.identities[0]
    assert identity.examples >= 10 and identity.max_abs_error == 0.0
    assert identity.counterexample is None and identity.reproduce is None


def test_failing_identity_gives_the_shrunk_counterexample_and_a_reproduce_command():
    def wrong_above_three(c, p):
        return Comparison(holds=p["x"] < 3.0, abs_error=max(0.0, p["x"] - 3.0))

    report = verify(_make(wrong_above_three), profile="dev", seed=1, max_examples=100)
    identity = report.identities[0]
    assert report.status == identity.status == "failed"
    assert identity.counterexample == {"x": 3.0}  # shrunk to the boundary
    assert identity.reproduce == "physml verify toy --profile dev --seed 1"


def test_crash_in_a_check_is_an_error_not_an_exception():
    def crash(c, p):
        raise ZeroDivisionError("boom")

    report = verify(_make(crash), profile="dev", seed=0)
    assert report.status == "error"
    assert "ZeroDivisionError: boom" in report.identities[0].message


def test_strategy_without_valid_examples_is_vacuous_not_passing():
    def nothing():
        from hypothesis import strategies as st

        return st.fixed_dictionaries({"x": st.floats(0, 1)}).filter(lambda p: False)

    c = attrs.evolve(_make(_agree, strategy=nothing), example={"x": 1.5})
    identity = attrs.evolve(c.identities[0], strategy=nothing)
    report = run_identity(c, identity, profile=get_profile("dev"), seed=0)
    assert report.status == "vacuous"


def test_slow_identity_is_skipped_by_default_and_run_by_thorough():
    c = _make(_agree, slow=True)
    assert verify(c, profile="default").identities[0].status == "skipped"
    assert verify(c, profile="thorough", max_examples=5).identities[0].status == "passed"


def test_identity_budget_caps_the_default_profile_and_scales_with_the_others():
    c = _make(_agree, max_examples=4)
    assert verify(c, profile="default").identities[0].budget == 4
    assert verify(c, profile="thorough").identities[0].budget == 40
    assert verify(c, profile="dev").identities[0].budget == 1
    report = verify(c, profile="default")
    assert report.identities[0].examples <= 5  # 4 generated + the worked example


def test_mutants_killed_and_survivors_fail_the_run():
    report = verify(_make(_agree), profile="dev", seed=0, mutants=True)
    killed = {m.name: m.killed for m in report.mutants}
    assert killed == {"cube": True, "noop": False}
    assert report.status == "failed"


def test_default_profile_is_derandomized_when_ci_is_set(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert get_profile("default").derandomize
    report = verify_many([_make(_agree)], profile="default")
    assert report.seed is None
    monkeypatch.delenv("CI")
    assert not get_profile("default").derandomize


def test_same_seed_gives_the_same_examples():
    seen: list[list[float]] = [[], []]

    def record(run):
        def check(c, p):
            seen[run].append(p["x"])
            return Comparison(True)

        return check

    for run in (0, 1):
        verify(_make(record(run)), profile="dev", seed=42)
    assert seen[0] == seen[1]


def test_report_json_is_strict_json_with_non_finite_numbers_as_strings():
    def nan_error(c, p):
        return Comparison(holds=True, abs_error=float("nan"), rel_error=float("inf"))

    data = verify_many([_make(nan_error)], profile="dev", seed=0).to_json()
    text = json.dumps(data, allow_nan=False)
    identity = json.loads(text)["results"][0]["identities"][0]
    assert identity["max_abs_error"] == "nan" and identity["max_rel_error"] == "inf"


def test_verify_does_not_touch_global_hypothesis_profiles():
    from hypothesis import settings

    before = settings.default
    verify(_make(_agree), profile="thorough", max_examples=3)
    assert settings.default is before


def test_correspondence_needs_two_mutants():
    with pytest.raises(ValueError, match="at least two mutants"):
        attrs.evolve(_make(_agree), mutants=())


def test_mutants_are_not_run_when_the_correspondence_itself_fails():
    def never(c, p):
        return Comparison(holds=False)

    report = verify(_make(never), profile="dev", seed=0, mutants=True)
    assert {m.status for m in report.mutants} == {"not-run"}
    assert not any(m.killed for m in report.mutants)


def test_error_in_the_strategy_reports_no_stale_counterexample():
    def exploding():
        from hypothesis import strategies as st

        def boom(x):
            raise ValueError("bad draw")

        return st.fixed_dictionaries({"x": st.floats(0, 1)}).map(boom)

    c = _make(_agree, strategy=exploding)
    c = attrs.evolve(c, example={"x": 0.5})
    report = verify(c, profile="dev", seed=0)
    identity = report.identities[0]
    assert identity.status == "error" and "bad draw" in identity.message
    assert identity.counterexample is None


def test_close_can_measure_relative_error_against_a_scale():
    from physml.compare import close

    elementwise = close([1.0, 1e-20], [1.0, 2e-20], rtol=1e-12)
    against_scale = close([1.0, 1e-20], [1.0, 2e-20], rtol=1e-12, scale=1.0)
    assert not elementwise.holds and against_scale.holds


def test_outside_domain_discards_the_example_and_eval_says_not_applicable():
    from physml import OutsideDomain

    def positive_only(c, p):
        if p["x"] <= 0:
            raise OutsideDomain("x must be positive here")
        return _agree(c, p)

    report = verify(_make(positive_only), profile="dev", seed=0)
    assert report.status == "passed"

    from physml.cli import evaluate_identities

    c = _make(positive_only)
    rows = evaluate_identities(c, c.evaluate({"x": -1.0}))
    assert rows[0]["holds"] is None and "outside" in rows[0]["note"]


def test_compare_reports_finds_new_failures_fixes_growth_and_membership():
    from physml.verifier import compare_reports

    def report(*identities):
        return {
            "results": [
                {
                    "id": "toy",
                    "identities": [
                        {"name": n, "status": s, "tolerance_used": u, "max_rel_error": 0.0}
                        for n, s, u in identities
                    ],
                }
            ]
        }

    old = report(
        ("a", "passed", 0.01), ("b", "failed", None), ("c", "passed", 0.01), ("gone", "passed", 0.1)
    )
    new = report(
        ("a", "failed", None), ("b", "passed", 0.02), ("c", "passed", 0.5), ("fresh", "passed", 0.1)
    )
    changes = compare_reports(old, new)
    assert [r["identity"] for r in changes["new_failures"]] == ["a"]
    assert [r["identity"] for r in changes["fixed"]] == ["b"]
    assert [(r["identity"], r["old"], r["new"]) for r in changes["grew"]] == [("c", 0.01, 0.5)]
    assert [r["identity"] for r in changes["added"]] == ["fresh"]
    assert [r["identity"] for r in changes["removed"]] == ["gone"]
    assert compare_reports(new, new) == {k: [] for k in changes}
