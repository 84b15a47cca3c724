"""Run identities as hypothesis properties, build reports, run mutants.

Each identity becomes a property over its strategy. Settings come from physml's own profiles
(``dev``, ``default``, ``thorough``), passed as settings objects so that a user's global
hypothesis profiles (its ``ci`` profile, say) are never touched. There is no example database
unless one is asked for, and no deadline: numerical checks are legitimately slow at times.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import random
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from physml.model import (
    Boundary,
    Comparison,
    Correspondence,
    Identity,
    OutsideDomain,
    max_known,
    nanmax,
)

__all__ = [
    "CorrespondenceReport",
    "IdentityReport",
    "MutantReport",
    "Profile",
    "VerificationReport",
    "get_profile",
    "jsonable",
    "verify",
    "verify_many",
]


@attrs.frozen
class Profile:
    """How hard to look: examples per identity, slow checks, derandomization."""

    name: str
    max_examples: int
    include_slow: bool
    derandomize: bool = False
    description: str = ""


def _profiles() -> dict[str, Profile]:
    in_ci = bool(os.environ.get("CI"))
    return {
        "dev": Profile("dev", 10, include_slow=False, description="quick feedback while editing"),
        "default": Profile(
            "default",
            50,
            include_slow=False,
            derandomize=in_ci,
            description="the everyday check; derandomized when CI is set",
        ),
        "thorough": Profile(
            "thorough",
            500,
            include_slow=True,
            description="many more examples, and the slow checks",
        ),
    }


def get_profile(name: str) -> Profile:
    profiles = _profiles()
    if name not in profiles:
        raise ValueError(f"unknown profile '{name}' (choose from {', '.join(profiles)})")
    return profiles[name]


@attrs.define
class IdentityReport:
    name: str
    regime: str
    status: str  # passed | failed | error | vacuous | skipped
    examples: int = 0
    budget: int = 0
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    tolerance_used: float | None = None
    counterexample: dict[str, Any] | None = None
    reproduce: str | None = None
    message: str | None = None
    detail: dict[str, Any] = attrs.Factory(dict)


@attrs.define
class MutantReport:
    name: str
    description: str
    killed: bool
    killed_by: str | None = None
    message: str | None = None
    status: str = "survived"  # killed | survived | not-run

    def __attrs_post_init__(self) -> None:
        if self.killed:
            self.status = "killed"


@attrs.define
class BoundaryReport:
    name: str
    assumption: str
    identity: str
    status: str  # breaks (as declared) | holds (the boundary is wrong) | error | vacuous | not-run
    examples: int = 0
    counterexample: dict[str, Any] | None = None  # the first violating input found to break it
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "breaks"


@attrs.define
class CorrespondenceReport:
    id: str
    status: str  # passed | failed | error | vacuous
    duration_s: float
    identities: list[IdentityReport]
    mutants: list[MutantReport] = attrs.Factory(list)
    boundaries: list[BoundaryReport] = attrs.Factory(list)

    @property
    def ok(self) -> bool:
        return self.status == "passed"


@attrs.define
class VerificationReport:
    physml_version: str
    versions: dict[str, str]
    profile: str
    seed: int | None
    results: list[CorrespondenceReport]
    plugin_errors: list[dict[str, str]] = attrs.Factory(list)
    plugins: list[dict[str, Any]] = attrs.Factory(list)

    @property
    def passed(self) -> int:
        return sum(r.status == "passed" for r in self.results)

    @property
    def failed(self) -> int:
        return sum(r.status in ("failed", "vacuous") for r in self.results)

    @property
    def errors(self) -> int:
        return sum(r.status == "error" for r in self.results) + len(self.plugin_errors)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.errors == 0

    def to_json(self) -> dict[str, Any]:
        data = jsonable(attrs.asdict(self))
        data.update(passed=self.passed, failed=self.failed, errors=self.errors)
        return data


def jsonable(value: Any) -> Any:
    """Plain JSON values: arrays to lists, non-finite floats to "nan", "inf", "-inf"."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return jsonable(value.tolist())
    if hasattr(value, "item") and hasattr(value, "dtype"):
        return jsonable(value.item())
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, complex):
        return {"real": jsonable(value.real), "imag": jsonable(value.imag)}
    return value


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "hypothesis", "pluggy", "attrs", "pyyaml"):
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


class _Fails(AssertionError):
    """Raised inside the property when an identity does not hold."""


@attrs.define
class _Tally:
    examples: int = 0
    max_abs: float = 0.0
    max_rel: float = 0.0
    used: float = math.nan
    last: dict[str, Any] | None = None
    failure: Comparison | None = None
    detail: dict[str, Any] = attrs.Factory(dict)
    detail_closeness: float = -math.inf

    def add(self, comparison: Comparison) -> None:
        self.examples += 1
        # Keep the detail (observed rate, coefficient) of the example closest to its bound:
        # judged by the share of tolerance used where known, else by the relative error.
        closeness = comparison.tolerance_used
        if math.isnan(closeness):
            closeness = comparison.rel_error
        if comparison.detail and (not self.detail or closeness >= self.detail_closeness):
            self.detail = dict(comparison.detail)
            self.detail_closeness = closeness
        self.max_abs = nanmax(self.max_abs, comparison.abs_error)
        self.max_rel = nanmax(self.max_rel, comparison.rel_error)
        self.used = max_known(self.used, comparison.tolerance_used)


def _settings(budget: int, profile: Profile, database: str | None, *, shrink: bool = True) -> Any:
    from hypothesis import HealthCheck, Phase, Verbosity, settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    phases = [Phase.explicit, Phase.reuse, Phase.generate]
    if shrink:
        phases.append(Phase.shrink)
    return settings(
        max_examples=budget,
        derandomize=profile.derandomize,
        database=DirectoryBasedExampleDatabase(database) if database else None,
        deadline=None,
        phases=phases,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


def run_identity(
    c: Correspondence,
    identity: Identity,
    *,
    profile: Profile,
    max_examples: int | None = None,
    seed: int | None = None,
    database: str | None = None,
    shrink: bool = True,
) -> IdentityReport:
    """Run one identity as a hypothesis property and report what happened."""
    from hypothesis import errors, example, given, reject
    from hypothesis import seed as fix_seed

    budget = max_examples if max_examples is not None else profile.max_examples
    if identity.max_examples is not None:
        # An expensive identity's cap is set for the default profile; others scale it.
        scale = budget / _profiles()["default"].max_examples
        budget = min(budget, max(1, round(identity.max_examples * scale)))
    report = IdentityReport(identity.name, identity.regime, "passed", budget=budget)
    if identity.slow and not profile.include_slow:
        report.status = "skipped"
        report.message = "slow check: runs with --profile thorough"
        return report

    tally = _Tally()

    def prop(params: dict[str, Any]) -> None:
        tally.last = params  # cleared on success: an error outside prop has no example
        # An identity with its own strategy checks its own parameter family, which the
        # correspondence's parameter declarations do not describe.
        values = dict(params) if identity.strategy else c.check_params(params)
        try:
            comparison = identity.check(c, values)
        except OutsideDomain:
            reject()  # discard the example, as hypothesis.assume(False) would
        tally.add(comparison)
        if not comparison.holds:
            tally.failure = comparison
            raise _Fails(identity.name)
        tally.last = None

    strategy = identity.strategy() if identity.strategy else c.strategy()
    explicit = identity.examples if identity.strategy else (c.example, *c.examples)
    test = given(strategy)(prop)
    for params in reversed(explicit):
        test = example(params)(test)
    test = _settings(budget, profile, database, shrink=shrink)(test)
    if not profile.derandomize:
        test = fix_seed(seed if seed is not None else 0)(test)

    try:
        test()
    except _Fails:
        report.status = "failed"
    except (errors.Unsatisfiable, errors.FailedHealthCheck) as error:
        report.status = "vacuous"
        report.message = f"no valid example was generated: {_first_line(error)}"
    except Exception as error:  # a crash in a side or a check is reported, not raised
        report.status = "error"
        report.message = f"{type(error).__name__}: {_first_line(error)}"
    if report.status == "passed" and tally.examples == 0:
        report.status = "vacuous"
        report.message = "no example was checked"
    report.examples = tally.examples
    report.max_abs_error = tally.max_abs
    report.max_rel_error = tally.max_rel
    report.tolerance_used = None if math.isnan(tally.used) else tally.used
    report.detail = (tally.failure.detail if tally.failure else tally.detail) or {}
    if report.status in ("failed", "error"):
        report.counterexample = jsonable(tally.last) if tally.last is not None else None
        if report.status == "failed" and tally.failure is not None:
            report.message = (
                f"does not hold: abs error {tally.failure.abs_error:.3g}, "
                f"rel error {tally.failure.rel_error:.3g}"
            )
        if profile.derandomize:
            report.reproduce = f"CI=1 physml verify {c.id} --profile {profile.name}"
        else:
            seed_option = f" --seed {seed}" if seed is not None else ""
            report.reproduce = f"physml verify {c.id} --profile {profile.name}{seed_option}"
    return report


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def run_mutant(
    c: Correspondence,
    mutant: Any,
    *,
    profile: Profile,
    seed: int | None,
    max_examples: int | None = None,
) -> MutantReport:
    """Apply ``mutant`` and run the identities that should reject it; killed when one fails."""
    mutated = mutant.apply(c)
    names = mutant.killed_by or tuple(i.name for i in c.identities)
    for name in names:
        identity = mutated.identity(name)
        if identity.slow and not profile.include_slow:
            continue
        report = run_identity(
            mutated, identity, profile=profile, max_examples=max_examples, seed=seed, shrink=False
        )
        if report.status in ("failed", "error"):
            return MutantReport(mutant.name, mutant.description, True, name, report.message)
    return MutantReport(
        mutant.name, mutant.description, False, message=f"survived: {', '.join(names)} still hold"
    )


def run_boundary(
    c: Correspondence,
    boundary: Boundary,
    *,
    profile: Profile,
    seed: int | None,
    max_examples: int | None = None,
) -> BoundaryReport:
    """Run ``boundary``'s identity over inputs that violate its assumption; it must fail."""
    identity = attrs.evolve(
        c.identity(boundary.identity),
        strategy=boundary.strategy,
        examples=boundary.examples,
        max_examples=boundary.max_examples,
        slow=False,
    )
    run = run_identity(c, identity, profile=profile, max_examples=max_examples, seed=seed)
    report = BoundaryReport(
        boundary.name, boundary.assumption, boundary.identity, run.status, run.examples
    )
    if run.status == "failed":
        report.status = "breaks"
        report.counterexample = run.counterexample
        report.message = run.message
    elif run.status == "passed":
        report.status = "holds"
        report.message = (
            f"{boundary.identity} held on {run.examples} inputs that violate the assumption; "
            "the boundary is not where it is declared"
        )
    else:
        report.message = run.message
    return report


def verify(
    c: Correspondence,
    *,
    profile: str | Profile = "default",
    max_examples: int | None = None,
    seed: int | None = None,
    mutants: bool = False,
    boundaries: bool = False,
    database: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> CorrespondenceReport:
    """Verify every identity of ``c``; with ``mutants``, that each mutant is rejected; with
    ``boundaries``, that each declared boundary breaks the identity it names."""
    chosen = get_profile(profile) if isinstance(profile, str) else profile
    start = time.perf_counter()
    identities = []
    for identity in c.identities:
        if progress:
            progress(f"{c.id}: {identity.name}")
        identities.append(
            run_identity(
                c, identity, profile=chosen, max_examples=max_examples, seed=seed, database=database
            )
        )
    mutant_reports = []
    baseline_ok = all(r.status in ("passed", "skipped") for r in identities)
    if mutants and not baseline_ok:
        mutant_reports = [
            MutantReport(
                m.name,
                m.description,
                False,
                status="not-run",
                message="not run: the correspondence itself does not pass",
            )
            for m in c.mutants
        ]
    elif mutants:
        for mutant in c.mutants:
            if progress:
                progress(f"{c.id}: mutant {mutant.name}")
            mutant_reports.append(
                run_mutant(c, mutant, profile=chosen, seed=seed, max_examples=max_examples)
            )
    boundary_reports = []
    if boundaries:
        for boundary in c.boundaries:
            if not baseline_ok:
                boundary_reports.append(
                    BoundaryReport(
                        boundary.name,
                        boundary.assumption,
                        boundary.identity,
                        "not-run",
                        message="not run: the correspondence itself does not pass",
                    )
                )
                continue
            if progress:
                progress(f"{c.id}: boundary {boundary.name}")
            boundary_reports.append(
                run_boundary(c, boundary, profile=chosen, seed=seed, max_examples=max_examples)
            )
    statuses = {r.status for r in identities}
    if "error" in statuses:
        status = "error"
    elif (
        "failed" in statuses
        or any(not m.killed for m in mutant_reports)
        or any(not b.ok for b in boundary_reports)
    ):
        status = "failed"
    elif "vacuous" in statuses:
        status = "vacuous"
    else:
        status = "passed"
    return CorrespondenceReport(
        c.id,
        status,
        round(time.perf_counter() - start, 3),
        identities,
        mutant_reports,
        boundary_reports,
    )


def verify_many(
    correspondences: Iterable[Correspondence],
    *,
    profile: str = "default",
    max_examples: int | None = None,
    seed: int | None = None,
    mutants: bool = False,
    boundaries: bool = False,
    database: str | None = None,
    plugin_errors: Iterable[tuple[str, str]] = (),
    plugins: Iterable[Any] = (),
    progress: Callable[[str], None] | None = None,
    jobs: int = 1,
    timeout: float | None = None,
    scheduler: str | None = None,
) -> VerificationReport:
    """Verify several correspondences into one report (the shape ``physml verify --json`` prints).

    Without an explicit ``seed`` a random one is drawn and reported, so that any failure can be
    reproduced; a derandomized profile needs no seed. With ``jobs`` > 1 the correspondences are
    verified in that many worker processes, each of which finds them by id in the installed
    registry (:func:`physml.get_registry`); the results are the same as a serial run's.
    ``timeout`` bounds each correspondence's time in its worker (one worker when ``jobs`` is 1):
    one that overruns or crashes its worker is reported as an error and the others go on.
    ``scheduler``, the address of a Dask distributed scheduler, sends the same work to that
    cluster instead (see :mod:`physml.workers`).
    """
    from physml import __version__

    chosen = get_profile(profile)
    if seed is None and not chosen.derandomize:
        seed = random.SystemRandom().randrange(2**32)
    entries = list(correspondences)
    options = {
        "profile": chosen,
        "max_examples": max_examples,
        "seed": seed,
        "mutants": mutants,
        "boundaries": boundaries,
        "database": database,
    }
    ids = [c.id for c in entries]
    if scheduler:
        from physml.workers import verify_on_cluster

        results = verify_on_cluster(ids, options, scheduler, timeout, progress)
    elif (jobs > 1 and len(entries) > 1) or timeout:
        from physml.workers import verify_in_workers

        results = verify_in_workers(ids, options, jobs, timeout, progress)
    else:
        results = [verify(c, progress=progress, **options) for c in entries]
    return VerificationReport(
        physml_version=__version__,
        versions=versions(),
        profile=chosen.name,
        seed=None if chosen.derandomize else seed,
        results=results,
        plugin_errors=[{"plugin": p, "error": e} for p, e in plugin_errors],
        plugins=[
            {"name": p.name, "version": p.version, "distribution": p.distribution} for p in plugins
        ],
    )


#: An identity's error "grew" when it is this many times its old value (and not rounding-level).
GROWTH_FACTOR = 10.0


def compare_reports(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """What changed between two JSON reports: new failures, fixes, errors that grew, additions.

    Both arguments are reports as ``physml verify --json`` prints them. An identity's error grew
    when its share of tolerance used (or, where that is unknown, its largest relative error) is
    at least ``GROWTH_FACTOR`` times the old one.
    """

    def identities(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        return {
            (r["id"], i["name"]): i
            for r in report.get("results", [])
            for i in r.get("identities", [])
        }

    def number(value: Any) -> float:
        try:
            return float(value)
        except (TypeError, ValueError):
            return math.nan

    before, after = identities(old), identities(new)
    changes: dict[str, list[dict[str, Any]]] = {
        "new_failures": [],
        "fixed": [],
        "grew": [],
        "added": [],
        "removed": [],
    }
    for key, now in after.items():
        row = {"id": key[0], "identity": key[1], "status": now["status"]}
        was = before.get(key)
        if was is None:
            changes["added"].append(row)
            continue
        row["was"] = was["status"]
        good = ("passed", "skipped")
        if was["status"] in good and now["status"] not in good:
            changes["new_failures"].append(row)
        elif was["status"] not in good and now["status"] in good:
            changes["fixed"].append(row)
        elif now["status"] == "passed" and was["status"] == "passed":
            metric = "tolerance_used" if now.get("tolerance_used") is not None else "max_rel_error"
            old_value, new_value = number(was.get(metric)), number(now.get(metric))
            if old_value > 0 and new_value >= GROWTH_FACTOR * old_value and new_value > 1e-12:
                changes["grew"].append(
                    {**row, "measure": metric, "old": old_value, "new": new_value}
                )
    for key, was in before.items():
        if key not in after:
            changes["removed"].append({"id": key[0], "identity": key[1], "was": was["status"]})
    return changes
