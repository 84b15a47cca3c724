"""Helpers for plugin authors' test suites (pytest or any runner).

    from physml.testing import assert_verifies, assert_mutants_killed

    def test_my_correspondence_verifies():
        assert_verifies(MY_CORRESPONDENCE)

    def test_my_mutants_are_rejected():
        assert_mutants_killed(MY_CORRESPONDENCE)

Both raise AssertionError with the verifier's report (counterexamples included) on failure.
"""

from __future__ import annotations

from typing import Any

from physml.model import Correspondence

__all__ = ["assert_mutants_killed", "assert_verifies"]


def _describe(report: Any) -> str:
    lines = [f"{report.id}: {report.status}"]
    for r in report.identities:
        if r.status not in ("passed", "skipped"):
            lines.append(f"  {r.name}: {r.status}: {r.message}")
            if r.counterexample is not None:
                lines.append(f"    counterexample: {r.counterexample}")
    for m in report.mutants:
        if not m.killed:
            lines.append(f"  mutant {m.name} survived: {m.message}")
    return "\n".join(lines)


def assert_verifies(
    c: Correspondence, *, profile: str = "dev", seed: int = 0, max_examples: int | None = None
) -> Any:
    """Every identity of ``c`` holds (mutants are not run); returns the report."""
    from physml.verifier import verify

    report = verify(c, profile=profile, seed=seed, max_examples=max_examples)
    assert report.status == "passed", _describe(report)
    return report


def assert_mutants_killed(
    c: Correspondence, *, profile: str = "dev", seed: int = 0, max_examples: int | None = None
) -> Any:
    """Every mutant of ``c`` is rejected by the identities it names; returns the reports."""
    from physml.verifier import get_profile, run_mutant

    chosen = get_profile(profile)
    reports = [
        run_mutant(c, m, profile=chosen, seed=seed, max_examples=max_examples) for m in c.mutants
    ]
    survivors = [r for r in reports if not r.killed]
    assert not survivors, "\n".join(f"mutant {r.name} survived: {r.message}" for r in survivors)
    return reports
