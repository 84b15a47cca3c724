"""``physml plot``: draw an entry's figure with matplotlib, or print its data as JSON.

An entry has a figure when its plugin gives the correspondence a ``figure`` callable that returns
a :class:`physml.figure.Figure` (data only). :func:`draw` turns that data into a matplotlib
figure, one set of axes per panel, without pyplot and its global state (the Agg canvas), so it
works the same in scripts, notebooks and on machines without a display::

    from physml import get_registry
    from physml.plot import draw, figure_data

    data = figure_data(get_registry().get("double-descent"))
    draw(data).savefig("double-descent.svg")

matplotlib is an optional dependency (``pip install 'physml[plot]'``); ``physml plot ID --json``
needs none.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from physml.figure import Figure, Panel, Series

if TYPE_CHECKING:
    import matplotlib.figure

__all__ = ["MISSING_MATPLOTLIB", "cmd_plot", "draw", "figure_data"]

MISSING_MATPLOTLIB = "physml plot needs matplotlib: pip install 'physml[plot]'"

#: Inches per panel (width, height): panels sit side by side.
PANEL_SIZE = (5.6, 4.4)
#: Inches: room for the title and the note above and below a single panel.
MIN_WIDTH = 7.5


def figure_data(c: Any, **options: Any) -> Figure:
    """The data of correspondence ``c``'s figure, computed by its plugin with ``options``."""
    if c.figure is None:
        raise ValueError(f"{c.id} has no figure")
    figure = c.figure(**options)
    if not isinstance(figure, Figure):
        raise TypeError(
            f"{c.id}: its figure callable returned {type(figure).__name__}, not a "
            "physml.figure.Figure"
        )
    return figure


def _matplotlib() -> Any:
    try:
        import matplotlib
        import matplotlib.backends.backend_agg
        import matplotlib.figure
    except ImportError as error:
        raise ImportError(MISSING_MATPLOTLIB) from error
    return matplotlib


def _draw_series(axes: Any, series: Series, colour: str) -> Any:
    """One series on ``axes``; returns the line that holds its data points."""
    theory = series.role == "theory"
    line_style = "--" if theory else "-"
    many = len(series.x) > 200
    look: dict[str, Any] = {"color": colour, "label": series.label}
    if series.style == "points":
        look.update(linestyle="none", marker="o", markersize=1.5 if many else 4)
    elif series.style == "step":
        look.update(linestyle=line_style, drawstyle="steps-post")
    else:
        look.update(linestyle=line_style, linewidth=1.2 if theory else 1.6)
    if series.error is not None:
        container = axes.errorbar(series.x, series.y, yerr=series.error, capsize=2, **look)
        line = container.lines[0]
    else:
        (line,) = axes.plot(series.x, series.y, **look)
    return line


def _colours(panel: Panel) -> list[str]:
    """matplotlib's colour cycle: one colour per group, or per series outside any group."""
    keys = [series.group or f"series:{index}" for index, series in enumerate(panel.series)]
    first = {key: keys.index(key) for key in reversed(keys)}
    order = sorted(first, key=first.__getitem__)
    return [f"C{order.index(key) % 10}" for key in keys]


def _draw_panel(axes: Any, panel: Panel) -> None:
    for series, colour in zip(panel.series, _colours(panel), strict=True):
        line = _draw_series(axes, series, colour)
        line.set_gid(f"series:{series.label}")
    for marker in panel.markers:
        draw_line = axes.axvline if marker.orientation == "vertical" else axes.axhline
        line = draw_line(marker.value, color="0.35", linestyle=":", linewidth=1.2)
        line.set_label(marker.label)
        line.set_gid(f"marker:{marker.label}")
    axes.set_xscale(panel.xscale)
    axes.set_yscale(panel.yscale)
    axes.set_xlabel(panel.xlabel)
    axes.set_ylabel(panel.ylabel)
    if panel.title:
        axes.set_title(panel.title, fontsize="medium")
    if panel.series or panel.markers:
        axes.legend(fontsize="small")


def draw(figure: Figure) -> matplotlib.figure.Figure:
    """A matplotlib figure of ``figure``: one set of axes per panel, in order, left to right.

    Each series is one line whose data are the series' x and y (gid ``series:LABEL``), each
    marker a reference line (gid ``marker:LABEL``); theory series are dashed. Raises ImportError
    with the install command when matplotlib is missing.
    """
    matplotlib = _matplotlib()
    width, height = PANEL_SIZE
    drawn = matplotlib.figure.Figure(
        figsize=(max(MIN_WIDTH, width * len(figure.panels)), height + (0.4 if figure.note else 0)),
        layout="constrained",
    )
    matplotlib.backends.backend_agg.FigureCanvasAgg(drawn)
    for axes, panel in zip(
        drawn.subplots(1, len(figure.panels), squeeze=False)[0], figure.panels, strict=True
    ):
        _draw_panel(axes, panel)
    drawn.suptitle(figure.title)
    if figure.note:
        drawn.supxlabel(figure.note, fontsize="small", color="0.3", wrap=True)
    return drawn


def _output_format(path: Path, matplotlib: Any) -> str:
    """The image format named by the file's suffix, when matplotlib can write it."""
    supported = matplotlib.backends.backend_agg.FigureCanvasAgg.get_supported_filetypes()
    suffix = path.suffix.lower().lstrip(".")
    if not suffix:
        raise _usage(f"{path}: the suffix names the image format: add .png, .svg or .pdf")
    if suffix not in supported:
        raise _usage(
            f"{path}: no image format '.{suffix}'; use .png, .svg or .pdf "
            f"(matplotlib writes {', '.join(sorted(supported))})"
        )
    return suffix


def _usage(message: str) -> Exception:
    from physml.cli import UsageError

    return UsageError(message)


def cmd_plot(args: argparse.Namespace) -> int:
    from physml.cli import EXIT_OK, _emit_json, _lookup, _registry

    registry = _registry()
    c = _lookup(registry, args.id)
    if c.figure is None:
        having = sorted(other.id for other in registry if other.figure is not None)
        raise _usage(f"{c.id} has no figure; entries with one: {', '.join(having) or 'none'}")
    if args.json:
        if args.output:
            raise _usage("--json prints the figure's data and draws nothing: leave out --output")
        _emit_json({"id": c.id, **figure_data(c).to_json()})
        return EXIT_OK
    try:
        matplotlib = _matplotlib()
    except ImportError as error:
        raise _usage(str(error)) from None
    # Check the output before the computation, which can take seconds.
    output = Path(args.output) if args.output else Path(f"{c.id}.png")
    image_format = _output_format(output, matplotlib)
    folder = output.parent
    if not folder.is_dir():
        raise _usage(f"cannot write {output}: no folder {folder}")
    drawn = draw(figure_data(c))
    try:
        drawn.savefig(output, format=image_format)
    except OSError as error:
        raise _usage(f"cannot write {output}: {error.strerror or error}") from None
    print(f"wrote {output}")
    return EXIT_OK
