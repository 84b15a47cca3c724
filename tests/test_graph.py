"""The concept graph and its chains: how rows become edges, shortest chains, the three formats."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest
from conftest import run_physml

from physml import cli, get_registry
from physml.catalog import Concept, DictionaryRow
from physml.graph import (
    MAX_CHAINS,
    concept_graph,
    count_shortest_paths,
    mermaid_id,
    shortest_paths,
    to_dot,
    to_mermaid,
)
from physml.render import width
from physml.vocabulary import UnknownConcept, find_concept

# -- a small vocabulary and catalog, built by hand ------------------------------------------------


def _concept(cid: str, side: str) -> Concept:
    return Concept(cid, cid.replace("-", " "), f"{cid}中文", side, f"the concept {cid}")


def _entry(cid: str, regime: str, *rows: list[str] | tuple[list[str], str]) -> SimpleNamespace:
    """An entry whose rows link the concepts given; a row ``(concepts, regime)`` has its own."""
    dictionary = []
    for i, row in enumerate(rows):
        concepts, own = row if isinstance(row, tuple) else (row, None)
        text = (f"{cid} physics {i}", f"{cid} learning {i}", "")
        dictionary.append(DictionaryRow(*text, tuple(concepts), own))
    return SimpleNamespace(
        id=cid, regime=regime, catalog=SimpleNamespace(dictionary=tuple(dictionary))
    )


class _Registry(list):
    """What concept_graph reads from a registry: entries to iterate, and ``concepts``."""

    def __init__(self, concepts: list[Concept], entries: list[SimpleNamespace]) -> None:
        super().__init__(entries)
        self.concepts = {c.id: c for c in concepts}


SIDES = {
    "p-start": "physics",
    "p-end": "physics",
    "p-lonely": "physics",
    "l-analogy": "learning",
    "l-limit": "learning",
    "l-other": "learning",
    "b-one": "both",
    "b-two": "both",
}


@pytest.fixture
def small():
    """p-start reaches p-end through l-limit (limit chain) and l-analogy (analogy chain)."""
    entries = [
        _entry(
            "e-exact", "exact", ["p-start", "l-limit"], ["l-limit", "p-start"], ["b-two", "b-one"]
        ),
        _entry(
            "e-limit", "limit", ["p-start", "l-limit"], ["l-limit", "p-end"], ["p-end", "b-one"]
        ),
        _entry("e-analogy", "analogy", ["p-start", "l-analogy"], ["l-analogy", "p-end"]),
        _entry("e-sides", "exact", ["p-start", "p-end"], ["l-limit", "l-other"]),
    ]
    return concept_graph(_Registry([_concept(k, s) for k, s in SIDES.items()], entries))


def _links(graph) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, e.entry) for e in graph.edges}


def test_every_concept_is_a_node_with_its_side(small):
    assert {n.id: n.side for n in small.nodes.values()} == SIDES
    assert small.degree("p-lonely") == 0


def test_rows_link_physics_to_learning_and_a_both_concept_to_either_side(small):
    links = _links(small)
    assert ("p-start", "l-limit", "e-exact") in links
    assert ("p-end", "b-one", "e-limit") in links  # physics end first
    assert ("b-two", "b-one", "e-exact") in links  # two both-side concepts: row order


def test_two_concepts_of_one_side_in_a_row_are_not_linked(small):
    assert not [link for link in _links(small) if link[2] == "e-sides"]


def test_rows_of_one_entry_merge_and_other_entries_give_parallel_edges(small):
    pair = [e for e in small.edges if {e.source, e.target} == {"p-start", "l-limit"}]
    assert sorted(e.entry for e in pair) == ["e-exact", "e-limit"]
    exact = next(e for e in pair if e.entry == "e-exact")
    assert len(exact.rows) == 2  # two rows of e-exact, written in either order, one edge
    assert {e.entry: e.regime for e in pair} == {"e-exact": "exact", "e-limit": "limit"}


def test_strongest_chains_come_first_and_a_chain_is_as_strong_as_its_weakest_step(small):
    chains = shortest_paths(small, "p-start", "p-end")
    # l-analogy sorts before l-limit, but the limit chain is stronger.
    assert [c.concepts for c in chains] == [
        ("p-start", "l-limit", "p-end"),
        ("p-start", "l-analogy", "p-end"),
    ]
    assert [c.strength for c in chains] == ["limit", "analogy"]
    assert (chains[0].weakest.source, chains[0].weakest.entry) == ("l-limit", "e-limit")
    assert count_shortest_paths(small, "p-start", "p-end") == 2


def test_a_step_goes_through_the_strongest_entry_and_names_the_others(small):
    first = shortest_paths(small, "p-start", "p-end")[0].steps[0]
    assert (first.entry, first.regime) == ("e-exact", "exact")
    assert [e.entry for e in first.alternatives] == ["e-limit"]


def test_a_row_with_its_own_regime_sets_its_edge_and_the_chain_says_so():
    concepts = [_concept(k, s) for k, s in SIDES.items()]
    entries = [
        _entry("e-mixed", "exact", ["p-start", "l-limit"], (["l-limit", "p-end"], "analogy")),
        _entry("e-loose", "limit", (["p-start", "l-other"], "exact"), ["l-other", "p-end"]),
    ]
    graph = concept_graph(_Registry(concepts, entries))
    assert {(e.entry, e.source, e.target): e.regime for e in graph.edges} == {
        ("e-mixed", "p-start", "l-limit"): "exact",  # the entry's regime
        ("e-mixed", "p-end", "l-limit"): "analogy",  # the row's own
        ("e-loose", "p-start", "l-other"): "exact",  # stronger than its limit entry
        ("e-loose", "p-end", "l-other"): "limit",
    }
    chains = shortest_paths(graph, "p-start", "p-end")
    # Both entries' headlines would read exact, then limit; the rows make the e-loose chain
    # (exact, then limit) the stronger one, and the e-mixed chain an analogy.
    assert [(c.concepts[1], c.strength) for c in chains] == [
        ("l-other", "limit"),
        ("l-limit", "analogy"),
    ]
    weakest = chains[1].weakest
    assert (weakest.source, weakest.target, weakest.entry) == ("l-limit", "p-end", "e-mixed")


def test_rows_of_one_entry_on_one_pair_merge_into_the_strongest_first():
    concepts = [_concept("p-a", "physics"), _concept("l-b", "learning")]
    rows = [(["p-a", "l-b"], "analogy"), (["l-b", "p-a"], "limit"), ["p-a", "l-b"]]
    (edge,) = concept_graph(_Registry(concepts, [_entry("e", "limit", *rows)])).edges
    assert edge.regime == "limit"
    assert [r.regime for r in edge.rows] == ["limit", "limit", "analogy"]  # every row resolved
    assert [r.physics for r in edge.rows] == ["e physics 1", "e physics 2", "e physics 0"]


def test_paths_use_a_correspondence_in_either_direction(small):
    (chain,) = shortest_paths(small, "b-two", "p-end")
    assert chain.concepts == ("b-two", "b-one", "p-end")
    assert [(s.source, s.target) for s in chain.steps] == [("b-two", "b-one"), ("b-one", "p-end")]


def test_unlinked_concepts_have_no_chain_and_one_concept_a_chain_of_no_steps(small):
    assert shortest_paths(small, "p-start", "p-lonely") == []
    assert count_shortest_paths(small, "p-start", "p-lonely") == 0
    (same,) = shortest_paths(small, "p-end", "p-end")
    assert same.steps == () and same.strength == "exact" and same.weakest is None


def test_unknown_concept_id_suggests_the_closest():
    graph = concept_graph(_Registry([_concept("p-start", "physics")], []))
    with pytest.raises(UnknownConcept, match="did you mean p-start"):
        shortest_paths(graph, "p-stat", "p-start")


def test_at_most_the_limit_of_chains_in_a_fixed_order_and_the_count_of_all():
    middles = [f"l-{i}" for i in range(8)]
    concepts = [_concept("p-a", "physics"), _concept("p-b", "physics")]
    concepts += [_concept(m, "learning") for m in middles]
    entries = [_entry(f"e-{m}", "exact", ["p-a", m], [m, "p-b"]) for m in reversed(middles)]
    graph = concept_graph(_Registry(concepts, entries))
    chains = shortest_paths(graph, "p-a", "p-b")
    assert [c.concepts[1] for c in chains] == middles[:MAX_CHAINS]
    assert count_shortest_paths(graph, "p-a", "p-b") == len(middles)
    assert len(shortest_paths(graph, "p-a", "p-b", limit=2)) == 2


# -- the real catalog -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog_graph():
    return concept_graph(get_registry())


def test_every_edge_joins_known_concepts_and_carries_its_strongest_row_regime(catalog_graph):
    registry = get_registry()
    assert set(catalog_graph.nodes) == set(registry.concepts)
    order = ["exact", "limit", "analogy"]
    for edge in catalog_graph.edges:
        assert {edge.source, edge.target} <= set(catalog_graph.nodes)
        assert edge.source != edge.target
        regimes = [r.regime for r in edge.rows]
        assert regimes == sorted(regimes, key=order.index)  # strongest first
        assert edge.regime == regimes[0]
        assert all(edge.source in r.concepts and edge.target in r.concepts for r in edge.rows)


def test_catalog_rows_that_hold_only_in_a_limit_or_as_an_analogy_weaken_their_edges(
    catalog_graph,
):
    regimes = {c.id: c.regime for c in get_registry()}
    weaker = {
        (e.entry, frozenset((e.source, e.target))): e.regime
        for e in catalog_graph.edges
        if e.regime != regimes[e.entry]
    }
    # Deterministic annealing: T = 2λ_max is exact, k-means only its T → 0 limit, and the
    # model-selection plateaus an analogy. nngp: a limit entry whose kernel is exact at any width.
    assert weaker[("deterministic-annealing", frozenset(("ground-state", "k-means")))] == "limit"
    key = ("deterministic-annealing", frozenset(("phase-transition", "model-selection")))
    assert weaker[key] == "analogy"
    assert weaker[("nngp", frozenset(("propagator", "nngp-kernel")))] == "exact"
    # The same entry links mean energy and distortion exactly, in another row than the limit.
    (merged,) = [
        e
        for e in catalog_graph.neighbours("distortion")["mean-energy"]
        if e.entry == "deterministic-annealing"
    ]
    assert merged.regime == "exact" and [r.regime for r in merged.rows] == ["exact", "limit"]


def test_issue_example_hopfield_energy_reaches_free_energy(catalog_graph):
    registry = get_registry()
    start = find_concept(registry, "Hopfield energy")  # the network's Lyapunov function
    end = find_concept(registry, "free energy")
    assert start.id == "lyapunov-function" and end.id == "free-energy"
    chains = shortest_paths(catalog_graph, start.id, end.id)
    assert chains
    for chain in chains:
        assert chain.concepts[0] == start.id and chain.concepts[-1] == end.id
        for step, (a, b) in zip(chain.steps, itertools.pairwise(chain.concepts), strict=True):
            assert (step.source, step.target) == (a, b)
            assert {step.edge.source, step.edge.target} == {a, b}
    # The shortest chains (two steps) go through modern-hopfield-attention's log-sum-exp energy
    # and the normaliser. The route through the Ising model is one step longer: ising-hopfield
    # makes the Hopfield energy the Ising model's energy, and the Ising model reaches free energy
    # only through a learning-side concept (its partition function is a Boltzmann machine's
    # normaliser), since two physics-side concepts of one row are not linked.
    assert [c.strength for c in chains] == ["exact"] * len(chains)
    assert all("ising-model" not in c.concepts for c in chains)
    hopfield = catalog_graph.neighbours(start.id)["ising-model"]
    assert "ising-hopfield" in [e.entry for e in hopfield]
    onward = shortest_paths(catalog_graph, "ising-model", end.id)
    assert onward and len(onward[0].steps) == len(chains[0].steps) == 2
    assert onward[0].concepts == ("ising-model", "normalizer", "free-energy")


def test_ising_model_is_one_concept_linked_by_the_rows_about_the_model():
    registry = get_registry()
    assert find_concept(registry, "Ising model").id == "ising-model"
    assert find_concept(registry, "伊辛模型").id == "ising-model"
    linking = {
        c.id for c in registry for row in c.catalog.dictionary if "ising-model" in row.concepts
    }
    assert linking == {
        "boltzmann-machine-ising",
        "gibbs-bogoliubov-elbo",
        "ising-hopfield",
        "mean-field-ising-vi",
    }


# -- the commands ---------------------------------------------------------------------------------


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


_DOT_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|--|[{}\[\];=,]|[A-Za-z_][\w.]*|#?\w+|\S')


def _check_dot(text: str) -> None:
    """A small structural check: balanced braces and strings, every edge's ends declared."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    tokens = [t for line in lines for t in _DOT_TOKEN.findall(line)]
    assert tokens[:2] == ["graph", "physml"]
    depth = 0
    for token in tokens:
        assert token != '"', "unterminated string"
        depth += {"{": 1, "}": -1}.get(token, 0)
        assert depth >= 0
    assert depth == 0
    declared = {m[1] for m in (re.match(r'\s*"([^"]+)" \[label=', line) for line in lines) if m}
    edges = [re.match(r'\s*"([^"]+)" -- "([^"]+)" \[', line) for line in lines]
    edges = [m.groups() for m in edges if m]
    assert edges
    assert {end for edge in edges for end in edge} <= declared


def test_dot_output_is_well_formed(capsys, tmp_path):
    code, out, _ = _run(capsys, "graph")
    assert code == 0
    _check_dot(out)
    assert "style=dashed" in out or "style=solid" in out
    assert "subgraph cluster_both" in out
    if shutil.which("dot"):  # Graphviz itself, when it is installed
        (tmp_path / "g.dot").write_text(out, encoding="utf-8")
        done = subprocess.run(["dot", "-Tsvg", str(tmp_path / "g.dot")], capture_output=True)
        assert done.returncode == 0, done.stderr


def test_mermaid_output_uses_safe_ids_and_declares_every_linked_node(capsys):
    code, out, _ = _run(capsys, "graph", "--format", "mermaid")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    declared = set(re.findall(r"^\s+(\S+)\[\"", out, flags=re.M))
    assert declared and all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n) for n in declared)
    links = re.findall(r"^\s+(\S+) (===|---|-\.-)\|([a-z0-9-]+)\| (\S+)$", out, flags=re.M)
    assert links
    assert {n for a, _, _, b in links for n in (a, b)} <= declared
    assert mermaid_id("end") == "c_end"  # never a Mermaid keyword


def test_mermaid_warns_beyond_the_limits_of_mermaid_js(capsys, monkeypatch):
    import physml.graph

    monkeypatch.setattr(physml.graph, "MERMAID_MAX_EDGES", 1)
    code, out, err = _run(capsys, "graph", "--format", "mermaid")
    assert code == 0 and out.startswith("flowchart LR")
    assert "raise maxEdges and maxTextSize" in err


def test_json_graph_has_nodes_and_edges_that_refer_to_them(capsys):
    code, out, _ = _run(capsys, "graph", "--json")
    assert code == 0
    data = json.loads(out)
    assert json.loads(_run(capsys, "graph", "--format", "json")[1]) == data
    nodes = {n["id"]: n for n in data["nodes"]}
    assert {"id", "en", "zh", "side", "degree"} <= set(nodes["temperature"])
    assert data["edges"]
    for edge in data["edges"]:
        assert edge["source"] in nodes and edge["target"] in nodes
        assert edge["regime"] in ("exact", "limit", "analogy") and edge["rows"]
    degree = {k: 0 for k in nodes}
    for edge in data["edges"]:
        degree[edge["source"]] += 1
        degree[edge["target"]] += 1
    assert degree == {k: n["degree"] for k, n in nodes.items()}


def test_graph_formats_agree_on_the_edges(catalog_graph):
    assert to_dot(catalog_graph).count(" -- ") == len(catalog_graph.edges)
    # Mermaid draws one link per pair of concepts, labelled with every entry linking the pair.
    links = re.findall(r"(c_\w+) (===|---|-\.-)\|([^|]+)\| (c_\w+)", to_mermaid(catalog_graph))
    pairs = {(mermaid_id(e.source), mermaid_id(e.target)) for e in catalog_graph.edges}
    assert {(a, b) for a, _, _, b in links} == pairs and len(links) == len(pairs)
    labelled = sum(len(label.split(", ")) for _, _, label, _ in links)
    assert labelled == len(catalog_graph.edges)


def test_output_writes_the_file_and_says_where(capsys, tmp_path):
    target = tmp_path / "concepts.mmd"
    code, out, err = _run(capsys, "graph", "--format", "mermaid", "--output", str(target))
    assert code == 0 and out == ""
    assert str(target) in err
    assert target.read_text(encoding="utf-8").startswith("flowchart LR")


def test_unwritable_output_is_a_usage_error(capsys, tmp_path):
    code, _, err = _run(capsys, "graph", "--output", str(tmp_path / "missing" / "g.dot"))
    assert code == 2 and "cannot write" in err


def test_path_text_names_every_step_and_the_weakest(capsys):
    chinese = get_registry().concepts["free-energy"].zh  # names in either language resolve
    code, out, _ = _run(capsys, "path", "lyapunov-function", chinese)
    assert code == 0
    assert "as strong as its weakest step: exact" in out
    assert chinese in out.splitlines()[0]
    assert all(width(line) <= 100 for line in out.splitlines())


def test_path_json_is_an_array_of_chains_whose_steps_name_their_entry(capsys):
    code, out, _ = _run(capsys, "path", "temperature", "free-energy", "--json")
    assert code == 0
    chains = json.loads(out)
    assert 1 <= len(chains) <= MAX_CHAINS
    for rank, chain in enumerate(chains, 1):
        assert chain["rank"] == rank and chain["total"] >= len(chains)
        assert chain["from"] == "temperature" and chain["to"] == "free-energy"
        assert chain["length"] == len(chain["steps"]) == len(chains[0]["steps"])
        ends = [chain["from"]] + [s["to"] for s in chain["steps"]]
        assert [s["from"] for s in chain["steps"]] == ends[:-1] == chain["concepts"][:-1]
        assert all(s["id"] and s["regime"] and s["rows"] for s in chain["steps"])
        order = ["exact", "limit", "analogy"]  # strongest first
        weakest = max((s["regime"] for s in chain["steps"]), key=order.index)
        assert chain["strength"] == weakest


def test_path_reports_a_step_that_holds_only_in_a_limit(capsys):
    # deterministic-annealing is headlined exact; its k-means row is the T → 0 limit.
    code, out, _ = _run(capsys, "path", "ground state", "k-means")
    assert code == 0
    assert "as strong as its weakest step: limit (deterministic-annealing)" in out
    assert "[deterministic-annealing, limit]" in out
    code, out, _ = _run(capsys, "path", "ground state", "k-means", "--json")
    (chain,) = json.loads(out)
    assert chain["strength"] == "limit"
    assert [r["regime"] for r in chain["steps"][0]["rows"]] == ["limit"]


def test_path_between_unlinked_concepts_exits_1(capsys, catalog_graph):
    lonely = [n for n in catalog_graph.nodes if catalog_graph.degree(n) == 0]
    if not lonely:
        pytest.skip("every concept is linked")
    code, out, err = _run(capsys, "path", lonely[0], "temperature")
    assert code == 1 and out == ""
    assert "no chain of correspondences links" in err
    code, out, _ = _run(capsys, "path", lonely[0], "temperature", "--json")
    assert code == 1 and json.loads(out) == []


def test_path_unknown_concept_exits_2_with_a_suggestion(capsys):
    code, _, err = _run(capsys, "path", "temprature", "free-energy")
    assert code == 2 and "did you mean temperature?" in err


def test_graph_and_path_import_no_numerical_library():
    code = (
        "import sys\n"
        "from physml.cli import main\n"
        "main(['graph', '--format', 'mermaid']); main(['graph', '--json'])\n"
        "main(['path', 'temperature', 'free-energy', '--json'])\n"
        "main(['path', 'temperature', 'free-energy'])\n"
        "heavy = ('numpy', 'scipy', 'hypothesis', 'matplotlib')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_path_runs_as_a_command():
    result = run_physml("path", "temperature", "free-energy")
    assert result.returncode == 0, result.stderr
    assert "as strong as its weakest step" in result.stdout
