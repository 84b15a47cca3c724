"""Tolerance-aware comparisons that identity checks return.

The conventions follow the specification: ``rel(a, b) = |a - b| / max(|a|, |b|, tiny)``;
an element agrees when ``|a - b| <= atol`` or ``rel(a, b) <= rtol`` (either tolerance may be a
per-element array computed from the conditioning of the example). NaN never agrees.
"""

from __future__ import annotations

import math
from typing import Any

from physml.model import Comparison

__all__ = ["EPS", "ETA", "at_most", "close", "rate"]

#: float64 machine epsilon.
EPS = 2.220446049250313e-16
#: The smallest subnormal float64, 2⁻¹⁰⁷⁴: below 2⁻¹⁰²² rounding errors are absolute, up to
#: half of this per operation, not relative (gradual underflow).
ETA = 5e-324
_TINY = 1e-300


def close(
    actual: Any,
    expected: Any,
    *,
    atol: Any = 0.0,
    rtol: Any = 0.0,
    scale: float | None = None,
    label: str = "",
) -> Comparison:
    """Compare two numbers or arrays elementwise under an absolute and a relative tolerance.

    Relative errors are taken elementwise, or against ``scale`` when given (for example the
    largest entry of a vector, so that entries near zero are not judged on their own).
    """
    import numpy as np

    a = np.asarray(actual, dtype=float)
    b = np.asarray(expected, dtype=float)
    if a.shape != b.shape:
        return Comparison(
            holds=False,
            abs_error=float("inf"),
            rel_error=float("inf"),
            detail={label or "shape": f"shapes differ: {a.shape} vs {b.shape}"},
        )
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - b)
        both_inf_equal = np.isinf(a) & np.isinf(b) & (a == b)
        diff = np.where(both_inf_equal, 0.0, diff)
        if scale is None:
            denominator = np.maximum(np.maximum(np.abs(a), np.abs(b)), _TINY)
        else:
            denominator = max(float(scale), _TINY)
        rel = np.where(both_inf_equal, 0.0, diff / denominator)
        atol_a = np.asarray(atol, dtype=float)
        rtol_a = np.asarray(rtol, dtype=float)
        ok = (diff <= atol_a) | (rel <= rtol_a)
        allowed = np.maximum(atol_a, rtol_a * (diff / np.where(rel > 0, rel, 1.0)))
        used = np.where(diff == 0, 0.0, diff / np.maximum(allowed, _TINY))
    ok &= ~np.isnan(diff)
    abs_error = float(np.max(diff)) if diff.size else 0.0
    rel_error = float(np.max(rel)) if rel.size else 0.0
    if np.isnan(diff).any():
        abs_error = rel_error = float("nan")
    tolerance_used = float(np.max(used)) if used.size and not np.isnan(used).any() else math.nan
    return Comparison(
        holds=bool(np.all(ok)),
        abs_error=abs_error,
        rel_error=rel_error,
        tolerance_used=tolerance_used,
    )


def at_most(value: Any, bound: Any, *, label: str = "value") -> Comparison:
    """An inequality ``value <= bound`` (elementwise); the error reported is the largest excess."""
    import numpy as np

    v = np.asarray(value, dtype=float)
    b = np.asarray(bound, dtype=float)
    with np.errstate(invalid="ignore"):
        excess = v - b
    holds = bool(np.all(excess <= 0)) and not np.isnan(excess).any()
    worst = float(np.max(excess)) if excess.size else 0.0
    scale = float(np.max(np.abs(b))) if b.size else 1.0
    return Comparison(
        holds=holds,
        abs_error=max(worst, 0.0),
        rel_error=max(worst, 0.0) / max(scale, _TINY),
        detail={label: float(np.max(v)), f"{label}_bound": float(np.min(b))},
    )


def rate(
    errors: Any, controls: Any, *, expected: float, tolerance: float, label: str = "rate"
) -> Comparison:
    """Fit ``log|error| = p log(control) + c`` and check ``|p - expected| <= tolerance``.

    For a ``limit`` identity: ``controls`` is the sweep (a step size, 1/N, a temperature) and
    ``errors`` the deviations observed along it. The report gives the fitted exponent and the
    errors themselves.
    """
    import numpy as np

    e = np.abs(np.asarray(errors, dtype=float))
    h = np.asarray(controls, dtype=float)
    if np.any(e <= 0) or np.any(~np.isfinite(e)):
        return Comparison(
            holds=False,
            abs_error=float("nan"),
            rel_error=float("nan"),
            detail={"errors": e.tolist(), "note": "zero or non-finite error in sweep"},
        )
    slope = float(np.polyfit(np.log(h), np.log(e), 1)[0])
    deviation = abs(slope - expected)
    return Comparison(
        holds=deviation <= tolerance,
        abs_error=deviation,
        rel_error=deviation / abs(expected) if expected else deviation,
        detail={
            f"observed_{label}": slope,
            f"expected_{label}": expected,
            "bound": tolerance,
            "errors": e.tolist(),
            "controls": h.tolist(),
        },
    )
