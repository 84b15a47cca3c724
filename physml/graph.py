"""The concept graph: physics and learning concepts linked by the catalog's dictionary rows.

``physml graph`` draws it (Graphviz dot, Mermaid or JSON) and ``physml path`` finds the shortest
chains of correspondences between two concepts. Both read the catalog only and compute nothing.

How the graph is built:

- **Nodes** are the concepts of the vocabulary (every one, linked or not), each with its side.
  A concept whose side is ``both`` (temperature, entropy, KL divergence, ...) is one node, drawn
  in a middle column between the physics and the learning columns, in a style of its own.
- **Edges**: a dictionary row links each of its physics-side concepts to each of its
  learning-side concepts. A ``both`` concept counts on either side, so it links to every other
  concept of its row; two physics-only (or two learning-only) concepts of one row are terms of
  one side, not a correspondence, and are not linked. An edge runs from its physics end to its
  learning end (physics, then both, then learning; two ``both`` concepts in row order), but a
  correspondence reads both ways and paths use it both ways.
- **One edge per entry and pair of concepts**: rows of one entry that link the same pair merge
  into one edge keeping every row; another entry linking the same pair gives a parallel edge,
  labelled with its own entry id.
- **Regime** of an edge: the regime of the dictionary rows it rests on (``exact``, ``limit`` or
  ``analogy``, strongest first). A row states its own regime where its correspondence holds only
  in a limit or only as an analogy (or, in a ``limit`` entry, exactly); otherwise it holds as
  strongly as its entry's headline. When rows of one entry link the same pair, the edge takes the
  strongest of them, since that entry does link the pair that strongly; the weaker rows add
  statements about the pair that hold only in a limit or as an analogy. An edge keeps its rows
  strongest first, so its first row is the one its regime rests on.
- **Styles**: dot draws exact edges solid, limit dashed, analogy dotted; Mermaid draws them
  thick (``===``), plain (``---``) and dotted (``-.-``), without arrowheads; JSON gives a
  ``regime`` field. Mermaid node ids are ``c_`` plus the concept id with ``_`` for ``-``.
  mermaid.js refuses diagrams above 500 links or 50,000 characters unless its ``maxEdges`` and
  ``maxTextSize`` settings are raised (a diagram cannot raise them itself), so the Mermaid output
  draws one link per pair of concepts, labelled with all its entries in the strongest regime
  among them, and leaves out unlinked concepts; ``physml graph`` warns if it is still too big.

How paths are found: breadth-first search counts correspondence steps (standard library only).
Each step of a chain goes from one concept to the next through the strongest edge linking the
pair (ties: the first entry id), naming the other entries that link it too. A chain is as strong
as its weakest step: a chain through exact entries is only a limit where one step rests on a row
that holds only in a limit. Among the shortest chains, the strongest come first, then chains in
order of their concept ids; at most :data:`MAX_CHAINS` are listed, with the total count.
"""

from __future__ import annotations

import argparse
import difflib
import io
import itertools
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from physml.catalog import Concept, DictionaryRow
from physml.model import REGIMES
from physml.registry import Registry
from physml.render import indent
from physml.vocabulary import UnknownConcept

__all__ = [
    "MAX_CHAINS",
    "Chain",
    "ConceptGraph",
    "Edge",
    "Node",
    "Step",
    "chain_json",
    "concept_graph",
    "count_shortest_paths",
    "graph_json",
    "mermaid_id",
    "shortest_paths",
    "to_dot",
    "to_mermaid",
]

#: How many shortest chains ``physml path`` lists.
MAX_CHAINS = 5
#: Drawing order of the sides, left to right.
SIDE_ORDER = ("physics", "both", "learning")


def _strength(regime: str) -> int:
    """0 for the strongest regime (exact), larger for weaker ones."""
    return REGIMES.index(regime)


@attrs.frozen
class Node:
    """A concept of the vocabulary."""

    id: str
    en: str
    zh: str
    side: str


@attrs.frozen
class Edge:
    """The dictionary rows of one entry that link two concepts, strongest first.

    ``regime`` is the strongest of the rows' regimes.
    """

    source: str
    target: str
    entry: str
    regime: str
    rows: tuple[DictionaryRow, ...]

    def other(self, concept: str) -> str:
        """The end of this edge that is not ``concept``."""
        return self.target if concept == self.source else self.source


@attrs.frozen
class ConceptGraph:
    """Concepts (``nodes``, by id) and the entries that link them (``edges``)."""

    nodes: Mapping[str, Node]
    edges: tuple[Edge, ...]
    #: Each concept's edges, whichever end it is; filled by :func:`concept_graph`.
    adjacency: Mapping[str, tuple[Edge, ...]] = attrs.field(repr=False, eq=False)

    def degree(self, concept: str) -> int:
        """How many edges touch ``concept``."""
        return len(self.adjacency[concept])

    def neighbours(self, concept: str) -> dict[str, list[Edge]]:
        """Each concept linked to ``concept``, with its edges strongest first (then by entry)."""
        linked: dict[str, list[Edge]] = {}
        for edge in self.adjacency[concept]:
            linked.setdefault(edge.other(concept), []).append(edge)
        for edges in linked.values():
            edges.sort(key=lambda e: (_strength(e.regime), e.entry))
        return dict(sorted(linked.items()))

    def resolve(self, concept: str) -> str:
        """``concept`` if it is a concept id; else :class:`UnknownConcept` with suggestions."""
        if concept in self.nodes:
            return concept
        close = difflib.get_close_matches(concept, list(self.nodes), n=3, cutoff=0.6)
        raise UnknownConcept(concept, close)


def _row_links(row: DictionaryRow, nodes: Mapping[str, Node]) -> Iterator[tuple[str, str]]:
    """The (source, target) pairs one dictionary row links, physics end first."""
    rank = {side: i for i, side in enumerate(SIDE_ORDER)}
    linked = [cid for cid in dict.fromkeys(row.concepts) if cid in nodes]
    for i, a in enumerate(linked):
        for b in linked[i + 1 :]:
            if {nodes[a].side, nodes[b].side} in ({"physics"}, {"learning"}):
                continue  # two terms of one side, not a correspondence
            # Two "both" concepts keep their row order.
            yield (a, b) if rank[nodes[a].side] <= rank[nodes[b].side] else (b, a)


def _row_regime(row: DictionaryRow, entry_regime: str) -> str:
    """How strongly ``row`` holds: its own regime, else its entry's (rows built by hand)."""
    return row.regime or entry_regime


def concept_graph(registry: Registry) -> ConceptGraph:
    """The graph of ``registry``'s concepts linked by its entries' dictionary rows."""
    nodes = {
        k.id: Node(k.id, k.en, k.zh, k.side)
        for k in sorted(registry.concepts.values(), key=lambda k: k.id)
    }
    found: dict[tuple[str, frozenset[str]], tuple[str, str, list[DictionaryRow]]] = {}
    regimes: dict[str, str] = {}
    for c in registry:
        assert c.catalog is not None
        regimes[c.id] = c.regime
        for written in c.catalog.dictionary:
            # Every row of an edge carries its regime, whether the catalog wrote it or not.
            row = attrs.evolve(written, regime=_row_regime(written, c.regime))
            for source, target in _row_links(row, nodes):
                # Keyed by the unordered pair: the first row fixes a both–both edge's direction.
                key = (c.id, frozenset((source, target)))
                rows = found.setdefault(key, (source, target, []))[2]
                if row not in rows:
                    rows.append(row)
    edges = []
    for (entry, _), (source, target, rows) in found.items():
        # Strongest first (a stable sort: catalog order within one regime).
        rows.sort(key=lambda r: _strength(_row_regime(r, regimes[entry])))
        strongest = _row_regime(rows[0], regimes[entry])
        edges.append(Edge(source, target, entry, strongest, tuple(rows)))
    edges.sort(key=lambda e: (e.entry, e.source, e.target))
    adjacency: dict[str, list[Edge]] = {cid: [] for cid in nodes}
    for edge in edges:
        adjacency[edge.source].append(edge)
        adjacency[edge.target].append(edge)
    return ConceptGraph(nodes, tuple(edges), {k: tuple(v) for k, v in adjacency.items()})


# -- shortest chains --------------------------------------------------------------------------


@attrs.frozen
class Step:
    """One correspondence step of a chain: ``source`` to ``target`` through ``edge``'s entry."""

    source: str
    target: str
    edge: Edge
    #: Other entries linking the same two concepts, strongest first.
    alternatives: tuple[Edge, ...] = ()

    @property
    def entry(self) -> str:
        return self.edge.entry

    @property
    def regime(self) -> str:
        return self.edge.regime


@attrs.frozen
class Chain:
    """A chain of correspondence steps from ``concepts[0]`` to ``concepts[-1]``."""

    concepts: tuple[str, ...]
    steps: tuple[Step, ...]

    @property
    def weakest(self) -> Step | None:
        """The first of the weakest steps (None for a chain of no steps)."""
        if not self.steps:
            return None
        return max(self.steps, key=lambda s: _strength(s.regime))

    @property
    def strength(self) -> str:
        """The regime of the weakest step: a chain is only as strong as that."""
        weakest = self.weakest
        return REGIMES[0] if weakest is None else weakest.regime


def _distances(graph: ConceptGraph, start: str) -> dict[str, int]:
    """Steps from ``start`` to every concept it reaches."""
    distance = {start: 0}
    queue = [start]
    for concept in queue:  # the list grows as the search runs: breadth-first order
        for other in graph.neighbours(concept):
            if other in distance:
                continue
            distance[other] = distance[concept] + 1
            queue.append(other)
    return distance


def _on_shortest(graph: ConceptGraph, start: str, end: str) -> dict[str, dict[str, list[Edge]]]:
    """The steps that lie on some shortest chain from ``start`` to ``end``, by concept."""
    forward = _distances(graph, start)
    if end not in forward:
        return {}
    backward = _distances(graph, end)
    length = forward[end]
    return {
        concept: {
            other: edges
            for other, edges in graph.neighbours(concept).items()
            if backward.get(other) == length - steps - 1
        }
        for concept, steps in forward.items()
        if steps + backward.get(concept, length + 1) == length
    }


def count_shortest_paths(graph: ConceptGraph, start: str, end: str) -> int:
    """How many shortest chains (as sequences of concepts) link ``start`` to ``end``."""
    start, end = graph.resolve(start), graph.resolve(end)
    steps = _on_shortest(graph, start, end)
    if not steps:
        return 0
    forward = _distances(graph, start)
    count = dict.fromkeys(steps, 0)
    count[start] = 1
    for concept in sorted(steps, key=lambda k: forward[k]):
        for other in steps[concept]:
            count[other] += count[concept]
    return count[end]


def shortest_paths(
    graph: ConceptGraph, start: str, end: str, limit: int = MAX_CHAINS
) -> list[Chain]:
    """The shortest chains of correspondences from concept ``start`` to concept ``end``.

    Concepts are given by id. The strongest chains come first (a chain is as strong as its
    weakest step), then chains in order of their concept ids; at most ``limit`` are returned,
    none when the two concepts are not linked. :func:`count_shortest_paths` gives the total.
    """
    start, end = graph.resolve(start), graph.resolve(end)
    on_shortest = _on_shortest(graph, start, end)
    chains: list[Chain] = []
    seen: set[tuple[str, ...]] = set()
    # One pass per regime, weakest allowed step growing: the strongest chains come out first.
    for strongest in range(len(REGIMES)):
        usable = {
            concept: [o for o, edges in linked.items() if _strength(edges[0].regime) <= strongest]
            for concept, linked in on_shortest.items()
        }
        for concepts in _walks(usable, start, end):
            if len(chains) >= limit:
                return chains
            if concepts in seen:
                continue
            seen.add(concepts)
            chains.append(_chain(graph, concepts))
    return chains


def _walks(usable: Mapping[str, Sequence[str]], start: str, end: str) -> Iterator[tuple[str, ...]]:
    """Every walk from ``start`` to ``end`` along ``usable`` steps, in order of concept ids."""
    if start not in usable:
        return
    reaches = {end}  # concepts with a usable way on to the end
    changed = True
    while changed:
        changed = False
        for concept, onward in usable.items():
            if concept not in reaches and any(o in reaches for o in onward):
                reaches.add(concept)
                changed = True
    if start not in reaches:
        return
    stack: list[tuple[str, ...]] = [(start,)]
    while stack:
        walk = stack.pop()
        if walk[-1] == end:
            yield walk
            continue
        onward = [o for o in usable[walk[-1]] if o in reaches]
        stack.extend((*walk, o) for o in reversed(onward))


def _chain(graph: ConceptGraph, concepts: tuple[str, ...]) -> Chain:
    steps = []
    for source, target in itertools.pairwise(concepts):
        best, *others = graph.neighbours(source)[target]
        steps.append(Step(source, target, best, tuple(others)))
    return Chain(concepts, tuple(steps))


# -- formats ----------------------------------------------------------------------------------

_DOT_STYLE = {"exact": "solid", "limit": "dashed", "analogy": "dotted"}
_DOT_NODE = {
    "physics": 'shape=box, style="rounded,filled", fillcolor="#dbe8fb"',
    "both": 'shape=hexagon, style=filled, fillcolor="#ececec"',
    "learning": 'shape=ellipse, style=filled, fillcolor="#fde6c8"',
}
_MERMAID_LINK = {"exact": "===", "limit": "---", "analogy": "-.-"}
_MERMAID_CLASS = {
    "physics": "fill:#dbe8fb,stroke:#3d6fb6",
    "both": "fill:#ececec,stroke:#777777",
    "learning": "fill:#fde6c8,stroke:#c27a1a",
}
#: mermaid.js's default limits (its maxEdges and maxTextSize settings); above them it refuses.
MERMAID_MAX_EDGES, MERMAID_MAX_TEXT = 500, 50_000
_SIDE_TITLE = {"physics": "physics", "both": "both sides", "learning": "learning"}


def _by_side(graph: ConceptGraph) -> Iterator[tuple[str, list[Node]]]:
    for side in SIDE_ORDER:
        yield side, [n for n in graph.nodes.values() if n.side == side]


def _legend(graph: ConceptGraph) -> str:
    return (
        f"physml concept graph: {len(graph.nodes)} concepts, {len(graph.edges)} links "
        "(one per entry and pair of concepts)"
    )


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: ConceptGraph) -> str:
    """Graphviz dot: one cluster per side, edges labelled by entry and styled by regime."""
    out = [
        f"// {_legend(graph)}",
        "// edges: solid exact, dashed limit, dotted analogy; labels are entry ids",
        "graph physml {",
        '  graph [rankdir=LR, fontname="Helvetica"];',
        '  node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for side, nodes in _by_side(graph):
        out.append(f"  subgraph cluster_{side} {{")
        out.append(f"    label={_dot_string(_SIDE_TITLE[side])};")
        out.append(f"    node [{_DOT_NODE[side]}];")
        for n in nodes:
            label = _dot_string(n.en + "\n" + n.zh)
            out.append(f"    {_dot_string(n.id)} [label={label}];")
        out.append("  }")
    for e in graph.edges:
        out.append(
            f"  {_dot_string(e.source)} -- {_dot_string(e.target)} [label={_dot_string(e.entry)}, "
            f"style={_DOT_STYLE[e.regime]}, tooltip={_dot_string(_tooltip(e))}];"
        )
    out.append("}")
    return "\n".join(out) + "\n"


def _tooltip(edge: Edge) -> str:
    return f"{edge.entry} ({edge.regime}): " + "; ".join(
        f"{r.physics} ↔ {r.learning}" + ("" if r.regime == edge.regime else f" ({r.regime})")
        for r in edge.rows
    )


def mermaid_id(concept: str) -> str:
    """A Mermaid node id for a concept id: ``c_`` and the slug with ``_`` for ``-``.

    The prefix keeps ids clear of Mermaid keywords (``end``) and of the subgraph ids; slugs
    hold no ``_``, so distinct concepts keep distinct ids.
    """
    return "c_" + concept.replace("-", "_")


def _mermaid_text(text: str) -> str:
    # Mermaid's entity codes: '#' first, since the others introduce one.
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def to_mermaid(graph: ConceptGraph) -> str:
    """A Mermaid flowchart: one subgraph per side, links labelled by entry, styled by regime."""
    out = [
        "flowchart LR",
        f"  %% {_legend(graph)}",
        "  %% links: === exact, --- limit, -.- analogy; labels are entry ids",
    ]
    for side, style in _MERMAID_CLASS.items():
        out.append(f"  classDef {side} {style}")
    for side, nodes in _by_side(graph):
        linked = [n for n in nodes if graph.degree(n.id)]
        out.append(f'  subgraph side_{side} ["{_SIDE_TITLE[side]}"]')
        out += [
            f'    {mermaid_id(n.id)}["{_mermaid_text(n.en)}<br/>{_mermaid_text(n.zh)}"]:::{side}'
            for n in linked
        ]
        out.append("  end")
    for (source, target), (regime, label) in mermaid_links(graph).items():
        out.append(f"  {mermaid_id(source)} {_MERMAID_LINK[regime]}|{label}| {mermaid_id(target)}")
    return "\n".join(out) + "\n"


def mermaid_links(graph: ConceptGraph) -> dict[tuple[str, str], tuple[str, str]]:
    """One link per pair of concepts: the strongest regime among the edges joining them, and
    every entry that joins them as its label (mermaid.js refuses more than 500 links)."""
    pairs: dict[tuple[str, str], list[Edge]] = {}
    for e in graph.edges:
        pairs.setdefault((e.source, e.target), []).append(e)
    return {
        pair: (
            min((e.regime for e in edges), key=_strength),
            ", ".join(dict.fromkeys(e.entry for e in edges)),
        )
        for pair, edges in pairs.items()
    }


def _rows_json(rows: Sequence[DictionaryRow]) -> list[dict[str, str | None]]:
    return [
        {"physics": r.physics, "learning": r.learning, "note": r.note, "regime": r.regime}
        for r in rows
    ]


def graph_json(graph: ConceptGraph) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...]}``; an edge names its entry in ``id``."""
    return {
        "nodes": [
            {"id": n.id, "en": n.en, "zh": n.zh, "side": n.side, "degree": graph.degree(n.id)}
            for n in graph.nodes.values()
        ],
        "edges": [
            {
                "source": e.source,
                "target": e.target,
                "id": e.entry,
                "regime": e.regime,
                "rows": _rows_json(e.rows),
            }
            for e in graph.edges
        ],
    }


def chain_json(graph: ConceptGraph, chain: Chain, rank: int, total: int) -> dict[str, Any]:
    """One chain for ``physml path --json``; each step names its entry in ``id``."""
    weakest = chain.weakest
    return {
        "rank": rank,
        "total": total,
        "from": chain.concepts[0],
        "to": chain.concepts[-1],
        "concepts": list(chain.concepts),
        "length": len(chain.steps),
        "strength": chain.strength,
        "weakest": None
        if weakest is None
        else {"from": weakest.source, "to": weakest.target, "id": weakest.entry},
        "steps": [
            {
                "from": s.source,
                "to": s.target,
                "id": s.entry,
                "regime": s.regime,
                "rows": _rows_json(s.edge.rows),
                "alternatives": [{"id": e.entry, "regime": e.regime} for e in s.alternatives],
            }
            for s in chain.steps
        ],
    }


# -- commands ---------------------------------------------------------------------------------


def _write(text: str, output: str) -> None:
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        from physml.cli import UsageError

        raise UsageError(f"cannot write {output}: {error.strerror or error}") from None


def cmd_graph(args: argparse.Namespace) -> int:
    from physml.cli import EXIT_OK, _catalog, _emit_json, _say

    graph = concept_graph(_catalog())
    chosen = "json" if args.json else args.format
    if chosen == "json":
        buffer = io.StringIO()
        _emit_json(graph_json(graph), buffer)
        text = buffer.getvalue()
    else:
        text = to_dot(graph) if chosen == "dot" else to_mermaid(graph)
    links = len(mermaid_links(graph)) if chosen == "mermaid" else 0
    if chosen == "mermaid" and (links > MERMAID_MAX_EDGES or len(text) > MERMAID_MAX_TEXT):
        _say(
            f"graph: warning: {links} links and {len(text)} characters exceed "
            f"mermaid.js's defaults ({MERMAID_MAX_EDGES} links, {MERMAID_MAX_TEXT} characters): "
            "raise maxEdges and maxTextSize in its configuration"
        )
    if args.output:
        _write(text, args.output)
        _say(
            f"graph: wrote {args.output} ({chosen}: {len(graph.nodes)} concepts, "
            f"{len(graph.edges)} links)"
        )
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _find(registry: Registry, name: str) -> Concept:
    from physml.cli import UsageError
    from physml.vocabulary import find_concept

    try:
        return find_concept(registry, name)
    except UnknownConcept as error:
        raise UsageError(str(error)) from None


def _reach(graph: ConceptGraph, concept: str) -> str:
    linked = len(_distances(graph, concept)) - 1
    name = graph.nodes[concept].en
    if linked == 0:
        return f"no dictionary row links {name} to another concept"
    return f"{name} reaches {linked} other concept{'' if linked == 1 else 's'}"


def cmd_path(args: argparse.Namespace) -> int:
    from physml.cli import EXIT_FAILED, EXIT_OK, _catalog, _emit_json, _heading, _say

    registry = _catalog()
    start, end = _find(registry, args.start), _find(registry, args.end)
    graph = concept_graph(registry)
    chains = shortest_paths(graph, start.id, end.id)
    total = count_shortest_paths(graph, start.id, end.id)
    if args.json:
        _emit_json([chain_json(graph, c, i, total) for i, c in enumerate(chains, 1)])
    if not chains:
        _say(
            f"path: no chain of correspondences links {start.en} to {end.en} "
            f"({_reach(graph, start.id)}; {_reach(graph, end.id)})"
        )
        return EXIT_FAILED
    if not args.json:
        print(_heading(_path_text_heading(start, end, chains, total)))
        for rank, chain in enumerate(chains, 1):
            print()
            print(_chain_text(graph, chain, rank))
    return EXIT_OK


def _path_text_heading(start: Concept, end: Concept, chains: list[Chain], total: int) -> str:
    length = len(chains[0].steps)
    if length == 0:
        return indent(f"{start.en} ({start.zh}) is one concept: a chain of no steps", "")
    plural = "" if total == 1 else "s"
    shown = f"; the first {len(chains)}, strongest first" if total > len(chains) else ""
    return indent(
        f"{start.en} ({start.zh}) → {end.en} ({end.zh}): {total} shortest chain{plural} of "
        f"{length} step{'' if length == 1 else 's'}{shown}",
        "",
    )


def _chain_text(graph: ConceptGraph, chain: Chain, rank: int) -> str:
    """A chain, its strength, then each step: its entry and regime, and the row it rests on."""
    names = [graph.nodes[c].en for c in chain.concepts]
    out = [indent(f"{rank}. {' → '.join(names)}", "")]
    weakest = chain.weakest
    if weakest is None:
        return "\n".join(out)
    out.append(indent(f"as strong as its weakest step: {weakest.regime} ({weakest.entry})", "   "))
    for s in chain.steps:
        also = f"; also {', '.join(e.entry for e in s.alternatives)}" if s.alternatives else ""
        step = f"{graph.nodes[s.source].en} → {graph.nodes[s.target].en}"
        out.append(indent(f"{step}  [{s.entry}, {s.regime}{also}]", "   - "))
        row = s.edge.rows[0]
        out.append(indent(f"{row.physics} ↔ {row.learning}", "       "))
    return "\n".join(out)
