"""``physml plot`` and the figures of six entries: the data model, what is drawn (the drawn
artists hold exactly the figure's data), the figure data against independent computations
(Cover's count with scipy.special.comb, the AGS retrieval equation, a velocity Verlet and
two-layer networks written here, numpy's eigenvalues), the files written, and the messages."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, run_physml
from scipy.special import comb, erf, erfinv

from physml import cli, get_registry
from physml import plot as plot_module
from physml.figure import Figure, Marker, Panel, Series
from physml.plot import MISSING_MATPLOTLIB, draw, figure_data

WITH_FIGURES = (
    "deterministic-annealing",
    "perceptron-capacity",
    "double-descent",
    "ising-hopfield",
    "nngp",
    "molecular-dynamics-hmc",
)
#: The cheapest figure (a fraction of a second): the one the command-line tests compute.
QUICK = "molecular-dynamics-hmc"

_computed: dict[str, Figure] = {}


def computed(entry: str) -> Figure:
    """Each entry's figure data, computed once for the whole module."""
    if entry not in _computed:
        _computed[entry] = figure_data(get_registry().get(entry))
    return _computed[entry]


def series(figure: Figure, label: str, panel: int = 0) -> Series:
    return next(s for s in figure.panels[panel].series if s.label == label)


def series_starting(figure: Figure, prefix: str, panel: int = 0) -> Series:
    return next(s for s in figure.panels[panel].series if s.label.startswith(prefix))


def block_matplotlib(code: str) -> str:
    """Python source that runs ``code`` with every import of matplotlib failing."""
    return f"import sys; sys.modules['matplotlib'] = None; {code}"


# -- the data model ------------------------------------------------------------------------------


def test_series_converts_arrays_and_checks_lengths_and_names():
    s = Series("a", np.arange(3), np.array([1.0, np.nan, 2.0]), error=[0.1, 0.2, 0.3])
    assert s.x == (0.0, 1.0, 2.0) and isinstance(s.x[0], float)
    with pytest.raises(ValueError, match="x has 2 values and y has 3"):
        Series("a", [1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="2 errors for 3 points"):
        Series("a", [1, 2, 3], [1, 2, 3], error=[1, 2])
    with pytest.raises(ValueError, match="style must be one of line, points, step"):
        Series("a", [1], [1], style="bars")
    with pytest.raises(ValueError, match="role must be one of computed, theory"):
        Series("a", [1], [1], role="guess")
    with pytest.raises(ValueError, match="yscale must be one of linear, log"):
        Panel("x", "y", yscale="symlog")
    with pytest.raises(ValueError, match="two series are labelled 'a'"):
        Panel("x", "y", series=(Series("a", [1], [1]), Series("a", [2], [2])))
    with pytest.raises(ValueError, match="no panel"):
        Figure("empty", ())


def test_to_json_is_strict_json_with_non_finite_numbers_as_strings():
    figure = Figure(
        "t",
        (
            Panel(
                "x",
                "y",
                series=(Series("s", [1, 2], [math.nan, math.inf], error=[0.5, 0.5]),),
                markers=(Marker("m", 2.0, orientation="horizontal"),),
            ),
        ),
        note="n",
    )
    data = json.loads(json.dumps(figure.to_json(), allow_nan=False))
    assert data["panels"][0]["series"][0]["y"] == ["nan", "inf"]
    assert data["panels"][0]["markers"] == [
        {"label": "m", "value": 2.0, "orientation": "horizontal"}
    ]
    assert data["note"] == "n" and data["panels"][0]["series"][0]["error"] == [0.5, 0.5]


def test_series_of_one_group_share_a_colour_and_theory_is_dashed():
    figure = Figure(
        "t",
        (
            Panel(
                "x",
                "y",
                series=(
                    Series("measured", [1, 2], [1, 2], style="points", group="g"),
                    Series("other", [1, 2], [2, 3]),
                    Series("predicted", [1, 2], [1, 2], role="theory", group="g"),
                ),
            ),
        ),
    )
    lines = {line.get_gid(): line for line in draw(figure).axes[0].get_lines()}
    measured, other, predicted = (lines[f"series:{k}"] for k in ("measured", "other", "predicted"))
    assert measured.get_color() == predicted.get_color() != other.get_color()
    assert predicted.get_linestyle() == "--" and other.get_linestyle() == "-"
    assert measured.get_linestyle() == "None" and measured.get_marker() == "o"


# -- every entry: the drawn artists are the figure's data -----------------------------------------


def test_the_six_entries_have_figures():
    having = {c.id for c in get_registry() if c.figure is not None}
    assert having >= set(WITH_FIGURES)


@pytest.mark.parametrize("entry", WITH_FIGURES)
def test_drawn_artists_hold_exactly_the_figure_data(entry):
    figure = computed(entry)
    assert figure.note and figure.title.startswith(entry)
    drawn = draw(figure)
    assert len(drawn.axes) == len(figure.panels)
    for axes, panel in zip(drawn.axes, figure.panels, strict=True):
        assert (axes.get_xlabel(), axes.get_ylabel()) == (panel.xlabel, panel.ylabel)
        assert (axes.get_xscale(), axes.get_yscale()) == (panel.xscale, panel.yscale)
        lines = {line.get_gid(): line for line in axes.get_lines() if line.get_gid()}
        assert len(lines) == len(panel.series) + len(panel.markers)
        for s in panel.series:
            line = lines[f"series:{s.label}"]
            np.testing.assert_array_equal(line.get_xdata(), s.x)
            np.testing.assert_array_equal(line.get_ydata(), s.y)
            if s.error is None:  # an error bar's label is its container's (below)
                assert line.get_label() == s.label
        assert len(axes.containers) == sum(s.error is not None for s in panel.series)
        for container in axes.containers:  # error bars: from y − error to y + error
            label = container.get_label()
            s = next(s for s in panel.series if s.label == label)
            segments = container.lines[2][0].get_segments()
            np.testing.assert_allclose(
                [seg[:, 1] for seg in segments],
                np.column_stack([np.subtract(s.y, s.error), np.add(s.y, s.error)]),
                rtol=1e-15,
            )
        for m in panel.markers:
            data = lines[f"marker:{m.label}"]
            along = data.get_xdata() if m.orientation == "vertical" else data.get_ydata()
            assert list(along) == [m.value, m.value]
    assert drawn.get_suptitle() == figure.title


@pytest.mark.parametrize("entry", WITH_FIGURES)
def test_json_of_the_figure_is_its_data(entry):
    figure = computed(entry)
    data = json.loads(json.dumps(figure.to_json(), allow_nan=False))
    assert [len(p["series"]) for p in data["panels"]] == [len(p.series) for p in figure.panels]
    for panel_data, panel in zip(data["panels"], figure.panels, strict=True):
        for series_data, s in zip(panel_data["series"], panel.series, strict=True):
            restored = np.array([float(v) for v in series_data["y"]])
            np.testing.assert_array_equal(restored, s.y)


# -- every entry: files, through the command's own code path --------------------------------------


@pytest.mark.parametrize("entry", WITH_FIGURES)
def test_plot_writes_png_and_svg(entry, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(plot_module, "figure_data", lambda c, **options: computed(c.id))
    for name, start in ((f"{entry}.svg", b"<?xml"), (f"{entry}.png", b"\x89PNG")):
        assert cli.main(["plot", entry, "--output", str(tmp_path / name)]) == 0
        assert (tmp_path / name).read_bytes().startswith(start)
        assert f"wrote {tmp_path / name}" in capsys.readouterr().out
    assert b"<svg" in (tmp_path / f"{entry}.svg").read_bytes()[:1000]


# -- every entry: the figure data against independent computations --------------------------------


def test_annealing_markers_are_twice_the_top_eigenvalue_and_the_splits_follow_them():
    from physml_plugins.clustering import COOLING, figure_points

    figure = computed("deterministic-annealing")
    points = figure_points(0)
    top = np.linalg.eigvalsh(np.cov(points.T, bias=True))[-1]
    first, second = figure.panels[0].markers[:2]
    assert first.value == pytest.approx(2 * top, rel=1e-12)
    staircase = series_starting(figure, "annealed EM")
    temperatures, counts = np.array(staircase.x), np.array(staircase.y)
    assert np.all(np.diff(temperatures) < 0) and counts[0] == 1 and counts[-1] == 5
    # The first split lies within two grid steps below T_c; the split of the pairs (2 → 4)
    # below the per-cluster prediction made at the last two-cluster state, within two steps.
    split = temperatures[np.argmax(counts >= 2)]
    assert COOLING**2 * first.value <= split < first.value
    pairs = temperatures[np.argmax(counts >= 3)]
    assert COOLING**2 * second.value <= pairs < second.value
    # Above T_c every codevector sits at the data mean.
    along = figure.panels[1].series[0]
    hot = np.array(along.x) > first.value
    assert np.max(np.abs(np.array(along.y)[hot])) < 1e-3


def test_capacity_curve_is_covers_count_and_the_fits_follow_it():
    figure = computed("perceptron-capacity")
    cover = series(figure, "Cover: C(N, d)/2^N, d = 25")
    for n in (30, 50, 60):
        expected = 2 * sum(comb(n - 1, k, exact=True) for k in range(25)) / 2**n
        assert cover.y[cover.x.index(n / 25)] == expected
    assert cover.y[cover.x.index(2.0)] == 0.5
    for d in (5, 25):
        fits = series_starting(figure, f"zero-error fits, d = {d}")
        theory = series(figure, f"Cover: C(N, d)/2^N, d = {d}")
        trials = 40
        for load, fraction in zip(fits.x, fits.y, strict=True):
            p = theory.y[theory.x.index(load)]
            z = (fraction - p) / math.sqrt(max(p * (1 - p), 1e-12) / trials)
            assert abs(z) <= 5, (d, load, fraction, p)


def test_double_descent_curve_matches_the_reference_values_and_the_monte_carlo():
    figure = computed("double-descent")
    theory = series_starting(figure, "closed form at n = 40")
    noise2 = 0.25
    # Spec 8(h): n = 40, σ = 0.5, r = 1: p = 20 → 0.263158, p = 80 → 0.756410 (excess risk).
    assert theory.y[theory.x.index(0.5)] == pytest.approx(noise2 + 0.25 * 20 / 19, rel=1e-12)
    assert theory.y[theory.x.index(2.0)] == pytest.approx(noise2 + 0.756410, abs=1e-6)
    assert all(math.isnan(theory.y[theory.x.index(p / 40)]) for p in (39, 40, 41))
    monte_carlo = series_starting(figure, "Monte Carlo")
    for gamma, risk, error in zip(monte_carlo.x, monte_carlo.y, monte_carlo.error, strict=True):
        assert abs(risk - theory.y[theory.x.index(gamma)]) <= 5 * error
    peak = max(risk for gamma, risk in zip(monte_carlo.x, monte_carlo.y, strict=True))
    assert peak > 1.5 > monte_carlo.y[-1]  # a peak near p = n, lower on both sides


def test_retrieval_curve_solves_the_replica_symmetric_equation():
    figure = computed("ising-hopfield")
    (marker,) = figure.panels[0].markers
    assert marker.value == pytest.approx(0.1379, abs=5e-4)  # Amit, Gutfreund, Sompolinsky 1987
    theory = series_starting(figure, "replica-symmetric theory")
    checked = [(a, m) for a, m in zip(theory.x, theory.y, strict=True) if a >= 0.05][::10]
    assert len(checked) >= 8
    for alpha, overlap in checked:  # from α = 0.05 on, m < 1 − 1e-5: erfinv is well conditioned
        y = erfinv(overlap)  # m = erf(y), with erf(y)/y − (2/√π)e^(−y²) = √(2α)
        gap = erf(y) / y - 2 / math.sqrt(math.pi) * math.exp(-y * y)
        assert gap == pytest.approx(math.sqrt(2 * alpha), rel=1e-6, abs=1e-6)
    assert theory.x[-1] == marker.value and max(theory.x) == marker.value
    for n in (200, 800):
        network = series_starting(figure, f"Hopfield network, N = {n}")
        low = [m for alpha, m in zip(network.x, network.y, strict=True) if alpha <= 0.1]
        high = [m for alpha, m in zip(network.x, network.y, strict=True) if alpha >= 0.2]
        assert min(low) >= 0.99 and max(high) < 0.9


def _arc_cosine(kxx: float, kyy: float, kxy: float) -> float:
    """E[relu(u)relu(v)] for (u, v) Gaussian with covariance [[kxx, kxy], [kxy, kyy]]."""
    scale = math.sqrt(kxx * kyy)
    angle = math.acos(max(-1.0, min(1.0, kxy / scale)))
    return scale * (math.sin(angle) + (math.pi - angle) * math.cos(angle)) / (2 * math.pi)


def test_network_covariance_errors_match_networks_simulated_here():
    from physml_plugins.gaussian_fields import FIGURE_NETWORK

    figure = computed("nngp")
    one_layer = figure.panels[0].series[0]
    assert all(abs(v) <= 5 * e for v, e in zip(one_layer.y, one_layer.error, strict=True))
    x = np.asarray(FIGURE_NETWORK["inputs"])
    sw2 = FIGURE_NETWORK["weight_variance"]
    k0 = sw2 * x @ x.T / x.shape[1]
    half = [[_arc_cosine(k0[i, i], k0[j, j], k0[i, j]) for j in range(2)] for i in range(2)]
    k1 = sw2 * np.array(half)
    limit = _arc_cosine(k1[0, 0], k1[1, 1], k1[0, 1])  # σ_v² = 1, no biases
    # Two hidden layers of width 4, every weight drawn: E[f(x)f(y) | hidden] = Σ_k h(x)h(y)/n.
    width, networks = 4, 200_000
    rng = np.random.default_rng(7)
    first = rng.standard_normal((networks, width, 2)) * math.sqrt(sw2 / 2)
    h1 = np.maximum(np.einsum("mkd,pd->mkp", first, x), 0.0)
    second = rng.standard_normal((networks, width, width)) * math.sqrt(sw2 / width)
    h2 = np.maximum(np.einsum("mjk,mkp->mjp", second, h1), 0.0)
    products = np.mean(h2[:, :, 0] * h2[:, :, 1], axis=1)
    mine, mine_error = limit - products.mean(), products.std() / math.sqrt(networks)
    deep = figure.panels[1].series[0]
    at = deep.x.index(width)
    assert abs(deep.y[at] - mine) <= 5 * math.hypot(deep.error[at], mine_error)
    assert mine > 10 * mine_error  # the finite-width bias is resolved, not noise


def _velocity_verlet_energy_error(params: dict, step: float, steps: int) -> float:
    q, p = np.array(params["positions"]), np.array(params["momenta"])
    m, k = np.array(params["masses"]), np.array(params["stiffness"])
    kappa, c = params["quartic"], np.array(params["cosine_amplitudes"])

    def force(q):
        return -k @ q - kappa * q**3 + c * np.sin(q)

    def energy(q, p):
        return 0.5 * q @ k @ q + kappa / 4 * np.sum(q**4) + c @ np.cos(q) + p @ (p / m) / 2

    start, worst, f = energy(q, p), 0.0, force(q)
    for _ in range(steps):
        p_half = p + 0.5 * step * f
        q = q + step * p_half / m
        f = force(q)
        p = p_half + 0.5 * step * f
        worst = max(worst, abs(energy(q, p) - start))
    return worst


def test_energy_error_has_slope_two_and_matches_a_verlet_written_here():
    from physml_plugins.dynamics import MD_EXAMPLE

    figure = computed("molecular-dynamics-hmc")
    largest = series_starting(figure, "MD (velocity Verlet)")
    slope = np.polyfit(np.log(largest.x), np.log(largest.y), 1)[0]
    assert slope == pytest.approx(2.0, abs=0.03)
    step = largest.x[3]
    mine = _velocity_verlet_energy_error(MD_EXAMPLE, step, round(2.0 / step))
    assert largest.y[3] == pytest.approx(mine, rel=1e-6)
    hmc = series_starting(figure, "HMC (leapfrog)")
    end = series(figure, "MD: |H(τ) − H(0)|")
    np.testing.assert_allclose(hmc.y, end.y, rtol=1e-6)
    assert all(a <= b for a, b in zip(end.y, largest.y, strict=True))


# -- the command: JSON, defaults, errors ---------------------------------------------------------


def test_plot_json_prints_the_data_and_needs_no_matplotlib():
    code = block_matplotlib(
        f"from physml.cli import main; sys.exit(main(['plot', '{QUICK}', '--json']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["id"] == QUICK
    assert data == {"id": QUICK, **json.loads(json.dumps(computed(QUICK).to_json()))}


def test_without_matplotlib_plot_says_how_to_install_it(tmp_path):
    code = block_matplotlib(
        "from physml.cli import main; "
        f"sys.exit(main(['plot', '{QUICK}', '--output', r'{tmp_path / 'x.png'}']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 2
    assert MISSING_MATPLOTLIB in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_draw_without_matplotlib_raises_import_error_with_the_install_command(monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install 'physml\[plot\]'"):
        draw(Figure("t", (Panel("x", "y"),)))


def test_plot_defaults_to_id_png_in_the_current_folder(tmp_path):
    result = run_physml("plot", QUICK, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / f"{QUICK}.png").read_bytes().startswith(b"\x89PNG")
    assert result.stdout.strip() == f"wrote {QUICK}.png"


def test_plot_writes_pdf_by_suffix(tmp_path, monkeypatch):
    monkeypatch.setattr(plot_module, "figure_data", lambda c, **options: computed(QUICK))
    assert cli.main(["plot", QUICK, "--output", str(tmp_path / "figure.PDF")]) == 0
    assert (tmp_path / "figure.PDF").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["plot", "gibbs-softmax"], "gibbs-softmax has no figure; entries with one: "),
        (["plot", "perceptron-capacty"], "did you mean"),
        (["plot", QUICK, "--output", "/no/such/folder/x.png"], "cannot write"),
        (["plot", QUICK, "--output", "figure.txt"], "no image format '.txt'"),
        (["plot", QUICK, "--output", "figure"], "add .png, .svg or .pdf"),
        (["plot", QUICK, "--json", "--output", "x.png"], "leave out --output"),
    ],
)
def test_plot_usage_errors_exit_2_before_computing(args, words, monkeypatch, capsys):
    def refuse(c, **options):
        raise AssertionError("computed the figure before checking the arguments")

    monkeypatch.setattr(plot_module, "figure_data", refuse)
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert words in err
    if "no figure" in words:
        assert all(entry in err for entry in WITH_FIGURES)


def test_unwritable_output_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(plot_module, "figure_data", lambda c, **options: computed(QUICK))
    folder = tmp_path / "taken.png"
    folder.mkdir()  # a folder where the image should go: savefig cannot open it
    assert cli.main(["plot", QUICK, "--output", str(folder)]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_show_mentions_the_figure_and_computes_nothing():
    code = (
        "import sys, io, contextlib; from physml.cli import main; out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    main(['show', 'nngp']); main(['show', 'gibbs-softmax', '--json'])\n"
        "import physml.plot, physml.figure\n"
        "print(out.getvalue())\n"
        "heavy = ('numpy', 'scipy', 'hypothesis', 'matplotlib')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stderr.strip().splitlines()[-1] == "[]"
    assert "  figure: physml plot nngp" in result.stdout
    assert '"figure": false' in result.stdout
    shown = json.loads(run_physml("show", "nngp", "--json").stdout)
    assert shown["figure"] is True
