"""The data of an entry's figure: what ``physml plot`` draws, with no plotting library in sight.

A plugin gives its correspondence a ``figure`` callable that computes and returns a
:class:`Figure`; ``physml plot ID`` draws it with matplotlib (``physml.plot.draw``) and
``physml plot ID --json`` prints :meth:`Figure.to_json`. The figure holds numbers, not pictures,
so tests can check that what is drawn is what was computed, and so the same data can go to
another plotting library.

A :class:`Figure` is one or more :class:`Panel` objects side by side. A panel has axis labels
and scales, :class:`Series` (a curve or a set of points: what was computed, or what theory
predicts) and :class:`Marker` objects (a labelled vertical or horizontal reference line, such as a
predicted critical temperature)::

    from physml.figure import Figure, Marker, Panel, Series

    def capacity_figure() -> Figure:
        loads, fractions = ...                      # computed by the plugin
        return Figure(
            "Perceptron capacity",
            (
                Panel(
                    "load α = N/d",
                    "fraction of separable labelings",
                    series=(Series("linear program", loads, fractions, style="points"),),
                    markers=(Marker("α_c = 2", 2.0),),
                ),
            ),
            note="seed 0, 200 trials per load",
        )

Coordinates are stored as tuples of floats (numpy arrays are accepted and converted; NaN leaves
a gap in a line). Nothing here imports numpy or matplotlib.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal

import attrs

__all__ = ["ROLES", "SCALES", "STYLES", "Figure", "Marker", "Panel", "Series"]

Style = Literal["line", "points", "step"]
Role = Literal["computed", "theory"]
Scale = Literal["linear", "log"]

#: ``line`` joins the points, ``points`` marks each one, ``step`` draws a staircase that keeps
#: each y until the next x (for a count such as the number of clusters).
STYLES: tuple[str, ...] = ("line", "points", "step")
#: ``computed``: numbers the entry computed (a simulation, an experiment, one of its sides);
#: ``theory``: a closed form or prediction they are compared with (drawn dashed).
ROLES: tuple[str, ...] = ("computed", "theory")
SCALES: tuple[str, ...] = ("linear", "log")


def _floats(values: Iterable[Any]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def _optional_floats(values: Iterable[Any] | None) -> tuple[float, ...] | None:
    return None if values is None else _floats(values)


def _one_of(choices: tuple[str, ...]) -> Any:
    def check(instance: object, attribute: attrs.Attribute, value: object) -> None:
        if value not in choices:
            raise ValueError(
                f"{type(instance).__name__}.{attribute.name} must be one of "
                f"{', '.join(choices)}, got {value!r}"
            )

    return check


def _number(value: float) -> float | str:
    """A float as strict JSON allows it: non-finite values as the strings "nan", "inf", "-inf"."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


@attrs.frozen
class Series:
    """One curve or set of points: ``y`` against ``x``, with an optional ±``error`` bar each.

    ``style`` is ``line``, ``points`` or ``step``; ``role`` is ``computed`` or ``theory``.
    Without a ``group`` a series has a colour of its own.
    """

    label: str
    x: tuple[float, ...] = attrs.field(converter=_floats)
    y: tuple[float, ...] = attrs.field(converter=_floats)
    style: Style = attrs.field(default="line", validator=_one_of(STYLES))
    role: Role = attrs.field(default="computed", validator=_one_of(ROLES))
    #: One standard error (or other stated uncertainty) per point, drawn as an error bar.
    error: tuple[float, ...] | None = attrs.field(default=None, converter=_optional_floats)
    #: Series of one group share a colour: a measurement and the theory it is compared with.
    group: str = ""

    def __attrs_post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise ValueError(
                f"series {self.label!r}: x has {len(self.x)} values and y has {len(self.y)}"
            )
        if self.error is not None and len(self.error) != len(self.y):
            raise ValueError(
                f"series {self.label!r}: {len(self.error)} errors for {len(self.y)} points"
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "style": self.style,
            "role": self.role,
            "x": [_number(v) for v in self.x],
            "y": [_number(v) for v in self.y],
            "error": None if self.error is None else [_number(v) for v in self.error],
            "group": self.group,
        }


@attrs.frozen
class Marker:
    """A labelled reference line: vertical at x = ``value`` or horizontal at y = ``value``."""

    label: str
    value: float = attrs.field(converter=float)
    orientation: Literal["vertical", "horizontal"] = attrs.field(
        default="vertical", validator=_one_of(("vertical", "horizontal"))
    )

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "value": _number(self.value), "orientation": self.orientation}


@attrs.frozen
class Panel:
    """One set of axes: labels, ``linear`` or ``log`` scales, series and markers."""

    xlabel: str
    ylabel: str
    xscale: Scale = attrs.field(default="linear", validator=_one_of(SCALES))
    yscale: Scale = attrs.field(default="linear", validator=_one_of(SCALES))
    series: tuple[Series, ...] = attrs.field(default=(), converter=tuple)
    markers: tuple[Marker, ...] = attrs.field(default=(), converter=tuple)
    title: str = ""

    def __attrs_post_init__(self) -> None:
        labels = [s.label for s in self.series]
        twice = sorted({label for label in labels if labels.count(label) > 1})
        if twice:  # the legend and the tests find a series by its label
            raise ValueError(f"panel {self.title!r}: two series are labelled {twice[0]!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "xlabel": self.xlabel,
            "ylabel": self.ylabel,
            "xscale": self.xscale,
            "yscale": self.yscale,
            "series": [s.to_json() for s in self.series],
            "markers": [m.to_json() for m in self.markers],
        }


@attrs.frozen
class Figure:
    """An entry's figure: a title, panels side by side, and a note (seeds, sizes, sources)."""

    title: str
    panels: tuple[Panel, ...] = attrs.field(converter=tuple)
    note: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.panels:
            raise ValueError(f"figure {self.title!r} has no panel")

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values (non-finite numbers as the strings "nan", "inf", "-inf")."""
        return {
            "title": self.title,
            "note": self.note,
            "panels": [p.to_json() for p in self.panels],
        }
