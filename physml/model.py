"""The objects a plugin builds: parameters, the two sides, identities, mutants, correspondences.

A correspondence joins a :class:`PhysicalSystem` and a :class:`LearningMethod`. Each side is a
named function from parameters to observables, computed in its own field's terms. The
correspondence translates physics parameters into learning parameters (the symbol dictionary in
code) and states :class:`Identity` checks that compare the two sides. :class:`Mutant` objects are
plausible wrong versions that verification must reject.

Nothing here imports numpy, scipy or hypothesis at module level, so that ``physml list`` stays
fast; the few helpers that need numpy import it where they run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from physml.catalog import CatalogEntry

__all__ = [
    "REGIMES",
    "Comparison",
    "Correspondence",
    "Evaluation",
    "Identity",
    "LearningMethod",
    "Mutant",
    "OutsideDomain",
    "Parameter",
    "ParameterError",
    "PhysicalSystem",
    "Regime",
    "is_slug",
]

Regime = Literal["exact", "limit", "analogy"]
REGIMES: tuple[str, ...] = ("exact", "limit", "analogy")

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

#: A strategy factory: called only when verification runs, so hypothesis is imported lazily.
StrategyFactory = Callable[[], "SearchStrategy[dict[str, Any]]"]
Params = Mapping[str, Any]
Observables = Mapping[str, Any]


def is_slug(text: object) -> bool:
    """True for lower-case slugs such as ``gibbs-softmax`` (the form of ids and identity names)."""
    return isinstance(text, str) and bool(_SLUG.match(text))


def _slug(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if not is_slug(value):
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name} must be a lower-case slug "
            f"like 'gibbs-softmax', got {value!r}"
        )


def _regime(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if value not in REGIMES:
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name} must be one of {', '.join(REGIMES)}, "
            f"got {value!r}"
        )


class OutsideDomain(Exception):
    """Raised by an identity check when an example lies outside the identity's domain.

    The verifier discards the example (as ``hypothesis.assume`` would) and draws another;
    ``physml eval`` reports the identity as not applicable at the given parameters.
    """


class ParameterError(ValueError):
    """An invalid parameter value; the message names the parameter."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"parameter '{parameter}': {message}")
        self.parameter = parameter
        self.reason = message


@attrs.frozen
class Parameter:
    """One input of a correspondence, with the domain users see and the checks ``eval`` runs.

    ``ndim`` is 0 for a scalar. ``minimum``/``maximum`` bound every entry; ``exclusive`` makes
    the minimum strict (a temperature is > 0, a penalty is >= 0). ``neutral``, when set, gives
    the value to use when the user supplies other parameters but not this one (for example unit
    ``weights`` for user-given ``points``); otherwise a missing parameter takes the worked
    example's value.
    """

    name: str
    description: str
    domain: str
    shape: str = "scalar"
    ndim: int = 0
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive: bool = False
    neutral: Callable[[Params], Any] | None = None

    def coerce(self, value: object) -> Any:
        """Convert a JSON-like value to a float, an int or an array; raise ParameterError."""
        import numpy as np

        if isinstance(value, (str, bytes, bool)) or value is None or isinstance(value, Mapping):
            raise ParameterError(self.name, f"expected {self._kind()}, got {_describe(value)}")
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ParameterError(
                self.name,
                f"expected {self._kind()}, got {_describe(value)} (nested lists must be "
                "rectangular and hold only numbers)",
            ) from None
        if array.ndim != self.ndim:
            got = (
                "a scalar" if array.ndim == 0 else f"a {array.ndim}-D array of shape {array.shape}"
            )
            raise ParameterError(self.name, f"expected {self._kind()}, got {got}")
        if array.size == 0:
            raise ParameterError(self.name, "must not be empty")
        bad = ~np.isfinite(array)
        if bad.any():
            where = _where(np.argwhere(bad)[0], array.ndim)
            raise ParameterError(self.name, f"must be finite, got {array[bad].flat[0]}{where}")
        if self.integer:
            if np.any(array != np.round(array)):
                index = np.argwhere(array != np.round(array))[0]
                raise ParameterError(
                    self.name,
                    f"must hold integers, got {array[tuple(index)]}{_where(index, array.ndim)}",
                )
            array = array.astype(np.int64)
        self._check_bounds(array)
        if self.ndim == 0:
            return int(array) if self.integer else float(array)
        return array

    def _check_bounds(self, array: Any) -> None:
        import numpy as np

        if self.minimum is not None:
            low = array <= self.minimum if self.exclusive else array < self.minimum
            if low.any():
                index = np.argwhere(low)[0]
                sign = ">" if self.exclusive else "≥"
                raise ParameterError(
                    self.name,
                    f"must be {sign} {_fmt(self.minimum)} ({self.domain}), got "
                    f"{array[tuple(index)]}{_where(index, array.ndim)}",
                )
        if self.maximum is not None and (array > self.maximum).any():
            index = np.argwhere(array > self.maximum)[0]
            raise ParameterError(
                self.name,
                f"must be ≤ {_fmt(self.maximum)} ({self.domain}), got "
                f"{array[tuple(index)]}{_where(index, array.ndim)}",
            )

    def _kind(self) -> str:
        number = "an integer" if self.integer else "a number"
        if self.ndim == 0:
            return number
        return f"a {self.ndim}-D array of shape {self.shape}"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def _where(index: Any, ndim: int) -> str:
    return "" if ndim == 0 else f" at index {list(int(i) for i in index)}"


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


@attrs.frozen
class _Side:
    name: str
    description: str
    observables: tuple[str, ...]
    compute: Callable[[Params], Observables]

    def observe(self, params: Params) -> dict[str, Any]:
        """Compute this side's observables for ``params``."""
        return dict(self.compute(params))


@attrs.frozen
class PhysicalSystem(_Side):
    """A physical model: parameters in, observables (name -> number or array) out."""


@attrs.frozen
class LearningMethod(_Side):
    """A machine-learning method with the same shape as :class:`PhysicalSystem`."""


@attrs.frozen
class Comparison:
    """The outcome of one identity check on one example.

    ``abs_error`` and ``rel_error`` are the largest deviations seen; ``detail`` carries what a
    ``limit`` or ``analogy`` identity reports instead (an observed rate and its bound, say).
    """

    holds: bool
    abs_error: float = 0.0
    rel_error: float = 0.0
    detail: Mapping[str, Any] = attrs.field(factory=dict)
    #: The largest error as a fraction of its tolerance (≤ 1 when it holds), where known.
    tolerance_used: float = math.nan

    def __and__(self, other: Comparison) -> Comparison:
        return Comparison(
            holds=self.holds and other.holds,
            abs_error=nanmax(self.abs_error, other.abs_error),
            rel_error=nanmax(self.rel_error, other.rel_error),
            detail={**self.detail, **other.detail},
            tolerance_used=max_known(self.tolerance_used, other.tolerance_used),
        )


def max_known(a: float, b: float) -> float:
    """The larger of two fractions, ignoring an unknown (NaN) one."""
    if math.isnan(a):
        return b
    return a if math.isnan(b) else max(a, b)


def nanmax(a: float, b: float) -> float:
    """The larger of two errors; NaN (a failed comparison) wins."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return max(a, b)


#: An identity's check: given the (possibly mutated) correspondence and valid parameters,
#: compute what it needs from each side and compare.
Check = Callable[["Correspondence", Params], Comparison]


@attrs.frozen
class Identity:
    """A checkable statement relating the two sides.

    ``name`` is the slug the catalog entry uses for the same identity. ``tolerance`` and
    ``reason`` say how closely the sides must agree and why (conditioning, truncation, a
    statistical bound). An identity that needs another parameter family brings its own
    ``strategy`` and ``examples``; one that is expensive caps its ``max_examples`` or is marked
    ``slow`` (run by the thorough profile only).
    """

    name: str = attrs.field(validator=_slug)
    regime: Regime = attrs.field(validator=_regime)
    check: Check
    tolerance: str
    reason: str
    strategy: StrategyFactory | None = None
    examples: tuple[Params, ...] = ()
    max_examples: int | None = None
    slow: bool = False


@attrs.frozen
class Mutant:
    """A plausible wrong version of a correspondence, which verification must reject.

    ``apply`` returns the mutated correspondence (one side, the translation or an observable
    replaced). ``killed_by`` names the identities expected to reject it; the verifier runs
    those (all identities when empty) and reports the mutant killed when one of them fails.
    """

    name: str = attrs.field(validator=_slug)
    description: str
    apply: Callable[[Correspondence], Correspondence]
    killed_by: tuple[str, ...] = ()


@attrs.frozen
class Boundary:
    """Where a correspondence stops holding: an assumption, inputs that violate it, and the
    identity that must then fail.

    ``strategy`` (and ``examples``) generate parameters in ``identity``'s family that violate
    ``assumption``; they are passed to the check as generated, without the correspondence's
    parameter validation (which may reject them). ``physml verify --boundaries`` expects the
    identity to fail on some example: a boundary whose identity holds anyway is itself a failure,
    since the assumption was then not needed or the strategy does not violate it. ``explanation``
    says what goes wrong, for the "where it breaks" part of ``physml show``.
    """

    name: str = attrs.field(validator=_slug)
    assumption: str
    identity: str
    strategy: StrategyFactory
    explanation: str
    examples: tuple[Params, ...] = ()
    max_examples: int | None = None


@attrs.frozen
class Evaluation:
    """Both sides computed at one set of parameters."""

    params: dict[str, Any]
    physics: dict[str, Any]
    learning: dict[str, Any]


Patch = Callable[[Params, dict[str, Any]], Observables]


def _patched(
    compute: Callable[[Params], Observables], patch: Patch
) -> Callable[[Params], Observables]:
    def patched(params: Params) -> dict[str, Any]:
        observables = dict(compute(params))
        observables.update(patch(params, observables))
        return observables

    return patched


def _identity_translation(params: Params) -> dict[str, Any]:
    return dict(params)


@attrs.frozen
class Correspondence:
    """A physics <-> machine-learning pairing with its identities and mutants.

    ``parameters`` are the user-facing (physics-side) inputs; ``translate`` maps them to the
    learning side's inputs (the symbol dictionary in code). ``strategy`` generates valid
    parameters for verification and ``example`` is the worked example ``physml eval`` uses.
    ``validate``, when given, checks relations between parameters (one label per row of
    ``features``) and raises :class:`ParameterError`.

    ``boundaries`` show where the correspondence breaks (:class:`Boundary`). ``figure``, when
    given, returns the data of the entry's figure (a :class:`physml.figure.Figure`) for
    ``physml plot``; it is called with keyword options and must not import matplotlib.

    ``catalog`` and ``plugin`` are filled in by the registry when it joins the implementation
    to its catalog entry.
    """

    id: str = attrs.field(validator=_slug)
    regime: Regime = attrs.field(validator=_regime)
    physics: PhysicalSystem
    learning: LearningMethod
    parameters: tuple[Parameter, ...]
    identities: tuple[Identity, ...]
    mutants: tuple[Mutant, ...]
    example: Mapping[str, Any]
    strategy: StrategyFactory
    translate: Callable[[Params], Params] = _identity_translation
    validate: Callable[[dict[str, Any]], None] | None = None
    examples: tuple[Params, ...] = ()
    boundaries: tuple[Boundary, ...] = ()
    figure: Callable[..., Any] | None = attrs.field(default=None, eq=False, repr=False)
    catalog: CatalogEntry | None = attrs.field(default=None, eq=False, repr=False)
    plugin: str | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        for kind, names in (
            ("parameter", [p.name for p in self.parameters]),
            ("identity", [i.name for i in self.identities]),
            ("mutant", [m.name for m in self.mutants]),
            ("boundary", [b.name for b in self.boundaries]),
        ):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"{self.id}: duplicate {kind} names: {', '.join(duplicates)}")
        if not self.identities:
            raise ValueError(f"{self.id}: a correspondence needs at least one identity")
        if len(self.mutants) < 2:
            raise ValueError(f"{self.id}: a correspondence needs at least two mutants")
        known = {i.name for i in self.identities}
        for mutant in self.mutants:
            unknown = [n for n in mutant.killed_by if n not in known]
            if unknown:
                raise ValueError(
                    f"{self.id}: mutant '{mutant.name}' names unknown identities: "
                    f"{', '.join(unknown)}"
                )
        for boundary in self.boundaries:
            if boundary.identity not in known:
                raise ValueError(
                    f"{self.id}: boundary '{boundary.name}' names unknown identity "
                    f"'{boundary.identity}'"
                )
        missing = [p.name for p in self.parameters if p.name not in self.example]
        if missing:
            raise ValueError(f"{self.id}: the worked example lacks {', '.join(missing)}")

    # -- metadata joined from the catalog -------------------------------------------------------
    @property
    def title(self) -> str:
        return self.catalog.title if self.catalog else self.id

    # -- parameters -----------------------------------------------------------------------------
    def check_params(self, params: Params | None = None) -> dict[str, Any]:
        """Fill in missing parameters and validate all of them.

        Missing parameters take the worked example's values, except those with a ``neutral``
        value when the user gave parameters of their own. Raises :class:`ParameterError`.
        """
        given = dict(params or {})
        known = {p.name for p in self.parameters}
        unknown = sorted(set(given) - known)
        if unknown:
            import difflib

            hint = difflib.get_close_matches(unknown[0], sorted(known), n=1, cutoff=0.5)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            raise ParameterError(
                unknown[0],
                f"unknown parameter for {self.id} (expected: {', '.join(sorted(known))})"
                f"{suggestion}",
            )
        values: dict[str, Any] = {}
        for p in self.parameters:
            if p.name in given:
                values[p.name] = p.coerce(given[p.name])
        for p in self.parameters:
            if p.name in values:
                continue
            if given and p.neutral is not None:
                values[p.name] = p.coerce(p.neutral(values))
            else:
                values[p.name] = p.coerce(self.example[p.name])
        if self.validate is not None:
            self.validate(values)
        return values

    # -- evaluation -----------------------------------------------------------------------------
    def evaluate(self, params: Params | None = None) -> Evaluation:
        """Validate ``params`` (the worked example when None) and compute both sides."""
        values = self.check_params(params)
        return Evaluation(
            params=values,
            physics=self.physics.observe(values),
            learning=self.learning.observe(self.translate(values)),
        )

    def identity(self, name: str) -> Identity:
        for identity in self.identities:
            if identity.name == name:
                return identity
        raise KeyError(name)

    # -- building mutants ------------------------------------------------------------------------
    def with_physics(self, compute: Callable[[Params], Observables]) -> Correspondence:
        """A copy whose physics side computes with ``compute`` (for mutants)."""
        return attrs.evolve(self, physics=attrs.evolve(self.physics, compute=compute))

    def with_learning(self, compute: Callable[[Params], Observables]) -> Correspondence:
        """A copy whose learning side computes with ``compute`` (for mutants)."""
        return attrs.evolve(self, learning=attrs.evolve(self.learning, compute=compute))

    def with_physics_patch(self, patch: Patch) -> Correspondence:
        """A copy whose physics observables are updated by ``patch(params, observables)``."""
        return self.with_physics(_patched(self.physics.compute, patch))

    def with_learning_patch(self, patch: Patch) -> Correspondence:
        """A copy whose learning observables are updated by ``patch(params, observables)``."""
        return self.with_learning(_patched(self.learning.compute, patch))

    def with_translate(self, translate: Callable[[Params], Params]) -> Correspondence:
        """A copy with another physics -> learning translation (for mutants)."""
        return attrs.evolve(self, translate=translate)
