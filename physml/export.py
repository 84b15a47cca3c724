"""``physml export``: the catalog as Markdown pages, an Obsidian vault, one JSON document or one
self-contained web page.

Export reads the catalog only: nothing is computed, so it is as quick as ``physml list``. Each
format is a function that returns the files it makes (path inside the output folder -> text);
:func:`write_owned` writes them. Into a folder that already holds files, physml writes only the
files it owns: ``.physml-export.json`` lists every file physml wrote with the SHA-256 of what it
wrote. A listed file is updated only while it still has that content; once you edit it, physml
leaves it alone and says so on stderr. A file physml did not write is never overwritten, and
nothing is ever deleted, so an Obsidian vault you keep notes in stays intact.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from physml import __version__
from physml.cli import (
    EXIT_OK,
    UsageError,
    _catalog_from,
    _emit_json,
    _index,
    _read_report,
    _say,
)

__all__ = [
    "MANIFEST",
    "Catalog",
    "ExportResult",
    "cmd_export",
    "html_files",
    "json_files",
    "markdown_files",
    "obsidian_files",
    "write_owned",
]

#: The file that lists what physml wrote into an output folder, with content hashes.
MANIFEST = ".physml-export.json"
#: Names Windows reserves for devices, whatever the extension: never use them as file names.
_RESERVED = {"con", "prn", "aux", "nul", *(f"{d}{i}" for d in ("com", "lpt") for i in range(10))}
_MARK = "physml: generated"


# -- what is exported -------------------------------------------------------------------------


@attrs.frozen
class Catalog:
    """The catalog as the exports see it: exactly ``show --json`` and ``concepts --json``."""

    entries: tuple[dict[str, Any], ...]
    concepts: tuple[dict[str, Any], ...]
    #: Each entry's last verification (see :mod:`physml.history`), by id.
    verified: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)

    @classmethod
    def from_index(
        cls, index: Mapping[str, Any], verified: Mapping[str, Mapping[str, Any]] | None = None
    ) -> Catalog:
        """The same from the cached index (:mod:`physml.index`): no plugin is imported."""
        from physml.vocabulary import concept_usage

        entries = tuple(e["details"]["show"] for e in index["entries"])
        return cls(entries, tuple(concept_usage(_catalog_from(index))), verified or {})

    @property
    def concept_index(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.concepts}

    def rows_with(self, concept_id: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Every (entry, dictionary row) whose row links ``concept_id``."""
        return [
            (entry, row)
            for entry in self.entries
            for row in entry["dictionary"]
            if concept_id in row["concepts"]
        ]

    def by_section(self) -> list[dict[str, Any]]:
        return sorted(self.entries, key=lambda e: (_section_key(e["essay_section"]), e["id"]))


def _row_regime(entry: Mapping[str, Any], row: Mapping[str, Any]) -> str:
    """ " [limit]" where a dictionary row holds more weakly (or strongly) than its entry."""
    regime = row.get("regime", entry["regime"])
    return "" if regime == entry["regime"] else f" [{regime}]"


def _section_key(section: str) -> tuple[int | str, ...]:
    return tuple(int(part) if part.isdigit() else part for part in section.split("."))


def file_stem(identifier: str) -> str:
    """A file name for an id that is valid on every system (ids are slugs already)."""
    stem = re.sub(r"[^a-z0-9-]+", "-", identifier.lower()).strip("-") or "unnamed"
    return f"{stem}-" if stem in _RESERVED else stem


def _reference_link(ref: Mapping[str, Any]) -> str | None:
    from physml.catalog import Reference

    return Reference(**ref).link


def verification_text(entry_id: str, record: Mapping[str, Any] | None) -> str:
    """One sentence: the last result, its date and the versions that produced it."""
    if not record:
        return f"not verified on this machine yet (run `physml verify {entry_id}`)"
    versions = record.get("versions", {})
    plugin = versions.get("plugin")
    parts = [f"physml {versions.get('physml')}"]
    if plugin:
        parts.append(f"plugin {plugin} {versions.get('plugin_version') or ''}".rstrip())
    names = {"python": "Python", "numpy": "numpy", "scipy": "scipy", "hypothesis": "hypothesis"}
    parts += [f"{label} {versions[key]}" for key, label in names.items() if versions.get(key)]
    counts = f"{record.get('identities_passed')}/{record.get('identities')} identities passed"
    if record.get("mutants"):
        counts += f", {record.get('mutants_killed')}/{record.get('mutants')} mutants killed"
    seed = f", seed {record['seed']}" if record.get("seed") is not None else ""
    return (
        f"{record.get('status')} on {_date(record.get('date'))} with profile "
        f"{record.get('profile')}{seed} ({counts}); {', '.join(parts)}"
    )


def _date(value: Any) -> str:
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# -- Markdown ---------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Text that Markdown shows as written: no accidental emphasis, links, HTML or ``$`` math.

    Only what could start markup is escaped, so the raw note stays readable (E_i, not E\\_i).
    """
    text = re.sub(r"([\\`*$\[\]~])", r"\\\1", text)
    text = re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", text)  # an underscore inside a word is literal
    text = re.sub(r"<(?=[A-Za-z/!?])", r"\\<", text)
    return re.sub(r"^([#>+\-]|\d+\.)(?=\s)", r"\\\1", text)


def _cell(text: str) -> str:
    return _md(" ".join(text.split())).replace("|", "\\|")


def _formula(latex: str) -> str:
    return f"${' '.join(latex.split())}$"


def _entry_body(
    entry: Mapping[str, Any],
    catalog: Catalog,
    *,
    concept_link: Any,
    entry_link: Any,
) -> list[str]:
    """The sections an entry page has in both Markdown flavours."""
    out = [f"# {_md(entry['title'])}", "", _md(entry["title_zh"]), ""]
    meta = (
        f"`{entry['id']}` · regime: **{entry['regime']}** · essay §{entry['essay_section']} · "
        f"plugin: {entry['plugin']}"
    )
    out += [meta, ""]
    also = [*entry["aliases"], *entry["former_ids"]]
    if also:
        out += [f"Also known as: {_md(', '.join(also))}", ""]
    out += [_md(entry["summary"]), ""]
    for side in ("physics", "learning"):
        out += [f"## {side.capitalize()}: {_md(entry[side]['name'])}", ""]
        out += [_md(entry[side]["description"]), ""]
    out += ["## Dictionary", ""]
    for row in entry["dictionary"]:
        links = ", ".join(concept_link(cid) for cid in row["concepts"])
        note = f" ({_md(row['note'])})" if row["note"] else ""
        regime = _row_regime(entry, row)
        out.append(f"- {_md(row['physics'])} ↔ {_md(row['learning'])}{note}{regime}: {links}")
    out += ["", "## Identities", ""]
    for identity in entry["identities"]:
        out.append(
            f"- **{identity['name']}** [{identity['regime']}]: {_formula(identity['statement'])}"
        )
        if identity["note"]:
            out.append(f"  - {_md(identity['note'])}")
        out.append(f"  - tolerance: {_md(str(identity['tolerance']))}")
    if entry["assumptions"]:
        out += ["", "## Assumptions", ""]
        out += [f"- {_md(a)}" for a in entry["assumptions"]]
    out += [
        "",
        "## Last verification",
        "",
        verification_text(entry["id"], catalog.verified.get(entry["id"])),
    ]
    out += ["", "## Worked example", "", "```sh", f"physml eval {entry['id']}", "```", ""]
    out += [
        f"- `{p['name']}` = `{json.dumps(p['example'], ensure_ascii=False)}`: "
        f"{_md(p['description'])}"
        for p in entry["parameters"]
    ]
    out += ["", "## Mutants (wrong versions verification must reject)", ""]
    out += [f"- **{m['name']}**: {_md(m['description'])}" for m in entry["mutants"]]
    out += ["", "## References", ""]
    for ref in entry["references"]:
        link = _reference_link(ref)
        out.append(f"- {_md(ref['citation'])}" + (f" <{link}>" if link else ""))
    related = _related(entry, catalog)
    if related:
        out += ["", "## Related correspondences", ""]
        out += [f"- {entry_link(other)}" for other in related]
    return out


def _related(entry: Mapping[str, Any], catalog: Catalog, limit: int = 5) -> list[dict[str, Any]]:
    """The entries sharing the most concepts with ``entry`` (at least two)."""
    mine = {cid for row in entry["dictionary"] for cid in row["concepts"]}
    scored = []
    for other in catalog.entries:
        if other["id"] == entry["id"]:
            continue
        shared = mine & {cid for row in other["dictionary"] for cid in row["concepts"]}
        if len(shared) >= 2:
            scored.append((-len(shared), other["id"], other))
    return [other for *_, other in sorted(scored, key=lambda s: s[:2])[:limit]]


def markdown_files(catalog: Catalog) -> dict[str, str]:
    """One page per entry (``<id>.md``) and ``index.md``, formulas in ``$...$``."""
    concepts = catalog.concept_index
    mark = (
        f"<!-- {_MARK} by `physml export --format markdown`; edit freely: physml then leaves "
        "this file alone -->"
    )

    def concept_link(cid: str) -> str:
        concept = concepts.get(cid)
        return f"{_md(concept['en'])} ({_md(concept['zh'])})" if concept else _md(cid)

    def entry_link(entry: Mapping[str, Any]) -> str:
        return f"[{_md(entry['title'])}]({file_stem(entry['id'])}.md)"

    files = {}
    for entry in catalog.entries:
        body = _entry_body(entry, catalog, concept_link=concept_link, entry_link=entry_link)
        files[f"{file_stem(entry['id'])}.md"] = "\n".join(
            [mark, "", *body, "", "[All correspondences](index.md)", ""]
        )
    index = [mark, "", "# physml: correspondences between physics and machine learning", ""]
    index += [
        f"{len(catalog.entries)} correspondences, each an executable statement that "
        "`physml verify` checks numerically. Generated by physml "
        f"{__version__}.",
        "",
        "| correspondence | 中文 | regime | § |",
        "|---|---|---|---|",
    ]
    for entry in catalog.by_section():
        index.append(
            f"| {entry_link(entry)} | {_cell(entry['title_zh'])} | {entry['regime']} "
            f"| {entry['essay_section']} |"
        )
    index += ["", "## Concepts", ""]
    for concept in catalog.concepts:
        used = ", ".join(f"[{e}]({file_stem(e)}.md)" for e in concept["entries"]) or "no entry yet"
        index.append(
            f"- **{_md(concept['en'])}** ({_md(concept['zh'])}, {concept['side']}): "
            f"{_md(concept['definition'])} Used in: {used}"
        )
    files["index.md"] = "\n".join([*index, ""])
    return files


# -- Obsidian ---------------------------------------------------------------------------------

OBSIDIAN_INDEX = "physml"
ENTRY_FOLDER = "correspondences"
CONCEPT_FOLDER = "concepts"


def _wikilink(target: str, label: str | None = None) -> str:
    """``[[target|label]]``; a label cannot hold | or ] inside a wikilink."""
    if label is None or label == target:
        return f"[[{target}]]"
    clean = label.replace("|", "/").replace("[", "(").replace("]", ")")
    return f"[[{target}|{clean}]]"


def _front_matter(fields: Mapping[str, Any]) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the C emitter is 20 times faster
    present = {key: value for key, value in fields.items() if value is not None}
    text = yaml.dump(present, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{text}---\n"


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def obsidian_files(catalog: Catalog) -> dict[str, str]:
    """A vault: ``physml.md``, one note per entry and per concept, linked by ``[[wikilinks]]``."""
    concepts = catalog.concept_index

    def entry_target(entry_id: str) -> str:
        return f"{ENTRY_FOLDER}/{file_stem(entry_id)}"

    def concept_target(cid: str) -> str:
        return f"{CONCEPT_FOLDER}/{file_stem(cid)}"

    def concept_link(cid: str) -> str:
        concept = concepts.get(cid)
        if concept is None:  # the registry validates links; keep a dangling id visible, unlinked
            return _md(cid)
        return _wikilink(concept_target(cid), concept["en"])

    def entry_link(entry: Mapping[str, Any]) -> str:
        return _wikilink(entry_target(entry["id"]), entry["title"])

    files = {}
    for entry in catalog.entries:
        record = catalog.verified.get(entry["id"])
        fields = {
            "id": entry["id"],
            "title": entry["title"],
            "title_zh": entry["title_zh"],
            "regime": entry["regime"],
            "essay_section": entry["essay_section"],
            "tags": _unique(
                ["physml", "physml/correspondence", f"regime/{entry['regime']}", *entry["tags"]]
            ),
            "aliases": _unique(
                [entry["title"], entry["title_zh"], *entry["aliases"], *entry["former_ids"]]
            ),
            "verified": record.get("status") if record else "not yet",
            "verified_on": _date(record.get("date")) if record else None,
            "physml": "generated",
        }
        body = _entry_body(entry, catalog, concept_link=concept_link, entry_link=entry_link)
        files[f"{entry_target(entry['id'])}.md"] = "\n".join(
            [
                _front_matter(fields),
                *body,
                "",
                f"Back to {_wikilink(OBSIDIAN_INDEX, 'all correspondences')}",
                "",
            ]
        )
    for concept in catalog.concepts:
        fields = {
            "id": concept["id"],
            "en": concept["en"],
            "zh": concept["zh"],
            "side": concept["side"],
            "tags": ["physml", "physml/concept", f"side/{concept['side']}"],
            "aliases": _unique([concept["en"], concept["zh"], *concept["aliases"]]),
            "physml": "generated",
        }
        out = [_front_matter(fields), f"# {_md(concept['en'])} ({_md(concept['zh'])})", ""]
        out += [f"Side: {concept['side']}.", "", _md(concept["definition"]), ""]
        rows = catalog.rows_with(concept["id"])
        out += ["## In the correspondences", ""]
        if not rows:
            out.append("No dictionary row links this concept yet.")
        for entry, row in rows:
            note = f" ({_md(row['note'])})" if row["note"] else ""
            out.append(
                f"- {entry_link(entry)} [{row.get('regime', entry['regime'])}]: "
                f"{_md(row['physics'])} ↔ {_md(row['learning'])}{note}"
            )
        neighbours = _unique(
            cid for _, row in rows for cid in row["concepts"] if cid != concept["id"]
        )
        if neighbours:
            out += ["", "## Linked concepts", ""]
            out.append(", ".join(concept_link(cid) for cid in sorted(neighbours)))
        out += ["", f"Back to {_wikilink(OBSIDIAN_INDEX, 'all correspondences')}", ""]
        files[f"{concept_target(concept['id'])}.md"] = "\n".join(out)
    index = [
        _front_matter(
            {"tags": ["physml"], "aliases": ["physml index", "physml 索引"], "physml": "generated"}
        ),
        "# physml: correspondences between physics and machine learning",
        "",
        f"{len(catalog.entries)} correspondences, each numerically verified by `physml verify`, "
        f"and {len(catalog.concepts)} concepts (physml {__version__}).",
        "",
        "## Correspondences, by essay section",
        "",
    ]
    for entry in catalog.by_section():
        index.append(
            f"- §{entry['essay_section']} {entry_link(entry)} ({_md(entry['title_zh'])}) "
            f"[{entry['regime']}]"
        )
    for side in ("physics", "learning", "both"):
        index += ["", f"## Concepts: {side}", ""]
        index += [
            f"- {concept_link(c['id'])} ({_md(c['zh'])})"
            for c in catalog.concepts
            if c["side"] == side
        ]
    files[f"{OBSIDIAN_INDEX}.md"] = "\n".join([*index, ""])
    return files


# -- JSON -------------------------------------------------------------------------------------


def catalog_document(catalog: Catalog) -> dict[str, Any]:
    """The whole catalog as one object: ``show --json`` of every entry, ``concepts --json``."""
    return {
        "physml_version": __version__,
        "entries": list(catalog.entries),
        "concepts": list(catalog.concepts),
    }


def json_files(catalog: Catalog) -> dict[str, str]:
    text = json.dumps(catalog_document(catalog), ensure_ascii=False, indent=2, allow_nan=False)
    return {"catalog.json": text + "\n"}


# -- HTML -------------------------------------------------------------------------------------


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def _graph_svg(catalog: Catalog) -> str:
    """Concepts in three columns (physics, both, learning), joined where a dictionary row links
    them; each edge names its entries. Rows are ordered to shorten the edges a little."""
    sides = {"physics": 0, "both": 1, "learning": 2}
    columns: list[list[str]] = [[], [], []]
    for concept in sorted(catalog.concepts, key=lambda c: c["en"].casefold()):
        columns[sides.get(concept["side"], 1)].append(concept["id"])
    edges: dict[tuple[str, str], list[str]] = {}
    for entry in catalog.entries:
        for row in entry["dictionary"]:
            linked = sorted(set(row["concepts"]))
            for i, a in enumerate(linked):
                for b in linked[i + 1 :]:
                    edges.setdefault((a, b), [])
                    if entry["id"] not in edges[(a, b)]:
                        edges[(a, b)].append(entry["id"])
    neighbours: dict[str, set[str]] = {cid: set() for column in columns for cid in column}
    for a, b in edges:
        if a in neighbours and b in neighbours:
            neighbours[a].add(b)
            neighbours[b].add(a)
    # barycentre ordering: each concept moves towards the rows of its neighbours
    position = {cid: i - len(col) / 2 for col in columns for i, cid in enumerate(col)}
    for _ in range(6):
        for column in (columns[1], columns[0], columns[2]):
            column.sort(
                key=lambda cid: _mean([position[n] for n in neighbours[cid]], position[cid])
            )
            position.update({cid: i - len(column) / 2 for i, cid in enumerate(column)})
    step, top, xs, width = 16, 24, (290, 540, 790), 1120
    place = {}
    for col, column in enumerate(columns):
        offset = top + (max(map(len, columns)) - len(column)) * step / 2
        for i, cid in enumerate(column):
            place[cid] = (xs[col], offset + i * step)
    height = top * 2 + max(map(len, columns)) * step
    concepts = catalog.concept_index
    out = [
        f'<svg id="graph" role="img" viewBox="0 0 {width} {height:.0f}" width="{width}" '
        f'height="{height:.0f}" aria-label="concept graph">'
    ]
    for (a, b), entry_ids in sorted(edges.items()):
        if a not in place or b not in place:
            continue
        (x1, y1), (x2, y2) = place[a], place[b]
        if x1 == x2:  # same column: bow outwards so the edge stays visible
            bow = -60 if x1 < xs[1] else 60 if x1 > xs[1] else 40
            d = f"M{x1},{y1:.0f} Q{x1 + bow},{(y1 + y2) / 2:.0f} {x2},{y2:.0f}"
        else:
            d = f"M{x1},{y1:.0f} L{x2},{y2:.0f}"
        label = f"{concepts[a]['en']} — {concepts[b]['en']}: {', '.join(entry_ids)}"
        out.append(
            f'<path class="edge" d="{d}" data-a="{a}" data-b="{b}" '
            f'data-entries="{" ".join(entry_ids)}"><title>{html.escape(label)}</title></path>'
        )
    anchors = ("end", "start", "start")
    shifts = (-7, 7, 7)
    for col, column in enumerate(columns):
        for cid in column:
            x, y = place[cid]
            c = concepts[cid]
            out.append(
                f'<g class="node" data-concept="{cid}" tabindex="0"><circle cx="{x}" cy="{y:.0f}" '
                f'r="4"/><text x="{x + shifts[col]}" y="{y + 4:.0f}" text-anchor="{anchors[col]}">'
                f"{html.escape(c['en'])}</text><title>{html.escape(c['en'])} · "
                f"{html.escape(c['zh'])} ({c['side']}): {html.escape(c['definition'])}</title></g>"
            )
    for col, name in enumerate(("physics", "both sides", "learning")):
        out.append(f'<text class="column" x="{xs[col]}" y="14" text-anchor="middle">{name}</text>')
    out.append("</svg>")
    return "\n".join(out)


_STYLE = """
:root { color-scheme: light dark; --fg: #1d1d1f; --bg: #fdfdfc; --muted: #666; --line: #ddd;
  --accent: #1f5fa8; --edge: rgba(90, 90, 90, .12); }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e8e6; --bg: #161617; --muted: #a0a0a0;
  --line: #3a3a3a; --accent: #7fb2f0; --edge: rgba(200, 200, 200, .12); } }
body { margin: 0 auto; max-width: 62rem; padding: 1rem 1.25rem 4rem; color: var(--fg);
  background: var(--bg); font: 16px/1.5 system-ui, sans-serif; }
header { position: sticky; top: 0; background: var(--bg); padding: .5rem 0;
  border-bottom: 1px solid var(--line); z-index: 1; }
h1 { margin: .2rem 0; font-size: 1.5rem; }
input[type=search] { width: 100%; box-sizing: border-box; font-size: 1.1rem; padding: .45rem .6rem;
  border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
#count { color: var(--muted); margin: .3rem 0 0; font-size: .9rem; }
nav a { margin-right: 1rem; }
a { color: var(--accent); }
article.entry { border-bottom: 1px solid var(--line); padding: .8rem 0; }
article.entry h2 { margin: 0; font-size: 1.2rem; }
.zh, .meta { color: var(--muted); margin: .1rem 0; }
.meta code { color: var(--fg); }
ul.identities { padding-left: 1.2rem; }
ul.identities li { margin: .35rem 0; }
.formula { display: block; overflow-x: auto; padding: .15rem 0; }
math { font-size: 1.05em; }
table { border-collapse: collapse; font-size: .92rem; }
td, th { border-bottom: 1px solid var(--line); padding: .2rem .5rem; text-align: left;
  vertical-align: top; }
.concept-list li { margin: .3rem 0; }
.tag { font-size: .8rem; border: 1px solid var(--line); border-radius: 4px; padding: 0 .3rem;
  margin-right: .2rem; }
#graph-box { overflow: auto; border: 1px solid var(--line); max-height: 80vh; }
#graph .edge { fill: none; stroke: var(--edge); stroke-width: 1; }
#graph .edge.lit { stroke: var(--accent); stroke-width: 2; }
#graph .edge.dim { stroke-opacity: .25; }
#graph .node circle { fill: var(--accent); }
#graph .node text { fill: var(--fg); font-size: 11px; cursor: pointer; paint-order: stroke;
  stroke: var(--bg); stroke-width: 3px; }
#graph .node.lit text { font-weight: bold; }
#graph .column { fill: var(--muted); font-size: 12px; font-weight: bold; }
button.concept { border: none; background: none; color: var(--accent); cursor: pointer;
  padding: 0; font: inherit; text-decoration: underline; }
"""

_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("physml-data").textContent);
  var concepts = {};
  data.concepts.forEach(function (c) { concepts[c.id] = c; });
  var haystack = {};
  data.entries.forEach(function (e) {
    var words = [e.id, e.title, e.title_zh, e.physics.name, e.learning.name]
      .concat(e.aliases, e.former_ids, e.tags);
    e.dictionary.forEach(function (row) {
      row.concepts.forEach(function (id) {
        var c = concepts[id];
        words.push(id);
        if (c) { words.push(c.en, c.zh); }
      });
    });
    haystack[e.id] = words.join("\\n").toLowerCase();
  });
  var box = document.getElementById("q");
  var count = document.getElementById("count");
  var articles = Array.prototype.slice.call(document.querySelectorAll("article.entry"));
  var edges = Array.prototype.slice.call(document.querySelectorAll("#graph .edge"));
  function filter() {
    var terms = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var visible = {};
    var shown = 0;
    articles.forEach(function (a) {
      var hay = haystack[a.dataset.id] || "";
      var ok = terms.every(function (t) { return hay.indexOf(t) >= 0; });
      a.hidden = !ok;
      if (ok) { visible[a.dataset.id] = true; shown += 1; }
    });
    edges.forEach(function (edge) {
      var any = edge.dataset.entries.split(" ").some(function (id) { return visible[id]; });
      edge.classList.toggle("dim", terms.length > 0 && !any);
    });
    count.textContent = shown + " of " + articles.length + " correspondences" +
      (terms.length ? " match \\u201c" + box.value.trim() + "\\u201d" : "");
  }
  function search(text) {
    box.value = text;
    filter();
    try {
      var url = new URL(window.location.href);
      if (text) { url.searchParams.set("q", text); } else { url.searchParams.delete("q"); }
      window.history.replaceState(null, "", url.toString());
    } catch (error) { /* a file:// page may refuse; the search still works */ }
  }
  box.addEventListener("input", function () { search(box.value); });
  document.querySelectorAll("button.concept").forEach(function (b) {
    b.addEventListener("click", function () { search(b.dataset.concept); box.focus(); });
  });
  document.querySelectorAll("#graph .node").forEach(function (node) {
    var id = node.dataset.concept;
    function light(on) {
      node.classList.toggle("lit", on);
      edges.forEach(function (edge) {
        if (edge.dataset.a === id || edge.dataset.b === id) { edge.classList.toggle("lit", on); }
      });
    }
    node.addEventListener("mouseenter", function () { light(true); });
    node.addEventListener("mouseleave", function () { light(false); });
    node.addEventListener("focus", function () { light(true); });
    node.addEventListener("blur", function () { light(false); });
    node.addEventListener("click", function () { search(id); });
  });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { box.value = initial; }
  filter();
})();
"""


def html_files(catalog: Catalog) -> dict[str, str]:
    """One self-contained ``index.html``: no network needed, formulas in MathML."""
    from physml.formulas import to_mathml

    e = html.escape
    concepts = catalog.concept_index
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="physml {__version__}">',
        f"<!-- {_MARK} by `physml export --format html`; edit freely: physml then leaves this "
        "file alone -->",
        "<title>physml: correspondences between physics and machine learning</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>physml: physics ↔ machine learning</h1>",
        '<label for="q">Search ids, titles, 中文, aliases and concepts</label>',
        '<input id="q" type="search" autocomplete="off" placeholder="e.g. fisher, 温度, softmax">',
        f'<p id="count" aria-live="polite">{len(catalog.entries)} correspondences</p>',
        '<nav><a href="#entries">Correspondences</a><a href="#concepts">Concepts</a>'
        '<a href="#graph-section">Graph</a></nav>',
        "</header>",
        '<main><section id="entries">',
    ]
    for entry in catalog.by_section():
        anchor = f"entry-{entry['id']}"
        tags = "".join(f'<span class="tag">{e(t)}</span>' for t in entry["tags"])
        parts += [
            f'<article class="entry" id="{anchor}" data-id="{entry["id"]}">',
            f'<h2><a href="#{anchor}">{e(entry["title"])}</a></h2>',
            f'<p class="zh" lang="zh">{e(entry["title_zh"])}</p>',
            f'<p class="meta"><code>{entry["id"]}</code> · {entry["regime"]} · essay '
            f"§{e(entry['essay_section'])} · {tags}</p>",
            f"<p>{e(entry['summary'])}</p>",
            "<h3>Identities</h3>",
            '<ul class="identities">',
        ]
        for identity in entry["identities"]:
            note = f"<small>{e(identity['note'])}</small>" if identity["note"] else ""
            parts.append(
                f"<li><code>{identity['name']}</code> [{identity['regime']}]"
                f'<span class="formula" title="{e(identity["statement"])}">'
                f"{to_mathml(identity['statement'])}</span>{note}</li>"
            )
        parts.append("</ul>")
        parts += [
            "<details><summary>Dictionary, sides, assumptions and references</summary>",
            f"<p><strong>Physics: {e(entry['physics']['name'])}.</strong> "
            f"{e(entry['physics']['description'])}</p>",
            f"<p><strong>Learning: {e(entry['learning']['name'])}.</strong> "
            f"{e(entry['learning']['description'])}</p>",
            "<table><tr><th>physics</th><th>learning</th><th>concepts</th></tr>",
        ]
        for row in entry["dictionary"]:
            linked = ", ".join(
                f'<button class="concept" type="button" data-concept="{cid}">'
                f"{e(concepts[cid]['en'] if cid in concepts else cid)}</button>"
                for cid in row["concepts"]
            )
            note = f"<br><small>{e(row['note'])}</small>" if row["note"] else ""
            note += f"<br><small>{e(_row_regime(entry, row).strip())}</small>"
            parts.append(
                f"<tr><td>{e(row['physics'])}</td><td>{e(row['learning'])}{note}</td>"
                f"<td>{linked}</td></tr>"
            )
        parts.append("</table>")
        if entry["assumptions"]:
            parts.append(
                "<ul>" + "".join(f"<li>{e(a)}</li>" for a in entry["assumptions"]) + "</ul>"
            )
        parts.append("<ol>")
        for ref in entry["references"]:
            link = _reference_link(ref)
            target = f' <a class="ref" href="{e(link)}">{e(link)}</a>' if link else ""
            parts.append(f"<li>{e(ref['citation'])}{target}</li>")
        parts += [
            "</ol>",
            f"<p>Compute it: <code>physml eval {entry['id']}</code>; check it: "
            f"<code>physml verify {entry['id']}</code></p>",
            "</details>",
            "</article>",
        ]
    parts += ["</section>", '<section id="concepts"><h2>Concepts</h2>', '<ul class="concept-list">']
    for concept in catalog.concepts:
        used = ", ".join(f'<a href="#entry-{i}">{i}</a>' for i in concept["entries"])
        parts.append(
            f'<li><button class="concept" type="button" data-concept="{concept["id"]}">'
            f'{e(concept["en"])}</button> <span lang="zh">{e(concept["zh"])}</span> '
            f"({concept['side']}): {e(concept['definition'])} <small>{used}</small></li>"
        )
    parts += [
        "</ul></section>",
        '<section id="graph-section"><h2>Graph</h2>',
        "<p>Concepts linked where a dictionary row joins them; point at a concept to light its "
        "links, click it to search for it.</p>",
        f'<div id="graph-box">{_graph_svg(catalog)}</div>',
        "</section></main>",
    ]
    data = json.dumps(catalog_document(catalog), ensure_ascii=False, allow_nan=False)
    data = data.replace("</", "<\\/")  # the JSON must not close its own <script> element
    parts += [
        f'<script type="application/json" id="physml-data">{data}</script>',
        f"<script>{_SCRIPT}</script>",
        "</body>",
        "</html>",
        "",
    ]
    return {"index.html": "\n".join(parts)}


# -- writing only what physml owns ------------------------------------------------------------


@attrs.define
class ExportResult:
    """What :func:`write_owned` did with each file (paths relative to the output folder)."""

    written: list[str] = attrs.Factory(list)
    updated: list[str] = attrs.Factory(list)
    unchanged: list[str] = attrs.Factory(list)
    #: Files physml wrote earlier and you edited since: left as you made them.
    kept: list[str] = attrs.Factory(list)
    #: Files physml did not write: never touched.
    skipped: list[str] = attrs.Factory(list)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def _write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file beside ``path``, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.physml-tmp")
    try:
        temporary.write_bytes(data)  # open() honours the umask, as the user's other files do
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_owned(folder: Path, files: Mapping[str, str]) -> ExportResult:
    """Write ``files`` into ``folder``, touching only files physml wrote and nobody edited since.

    The manifest keeps the hash of what physml last wrote to each file. A file is (re)written
    when it does not exist, or when its content still has that hash; a file with other content
    is left alone and reported (``kept`` if physml wrote it once, ``skipped`` if it never did).
    A file of identical content is adopted, since writing it would change nothing.
    """
    owned = _read_manifest(folder)
    result = ExportResult()
    for relative, text in sorted(files.items()):
        path = folder / relative
        data = text.encode("utf-8")
        new_hash = _digest(data)
        if path.is_symlink() or (path.exists() and not path.is_file()):
            result.skipped.append(relative)
            continue
        if not path.exists():
            _write_atomically(path, data)
            result.written.append(relative)
        else:
            current = _digest(path.read_bytes())
            if current == new_hash:
                result.unchanged.append(relative)
            elif owned.get(relative) == current:
                _write_atomically(path, data)
                result.updated.append(relative)
            else:
                result.kept.append(relative) if relative in owned else result.skipped.append(
                    relative
                )
                continue
        owned[relative] = new_hash
    manifest = {
        "generator": "physml export",
        "physml_version": __version__,
        "note": "files physml wrote here, with the SHA-256 of what it wrote; physml updates a "
        "file only while it still has that content, and never deletes anything",
        "files": dict(sorted(owned.items())),
    }
    _write_atomically(
        folder / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
    )
    return result


# -- the command ------------------------------------------------------------------------------

FORMATS = {
    "markdown": (markdown_files, "Markdown pages", "index.md"),
    "obsidian": (obsidian_files, "Obsidian vault", f"{OBSIDIAN_INDEX}.md"),
    "json": (json_files, "JSON document", "catalog.json"),
    "html": (html_files, "web page", "index.html"),
}


def _output_folder(raw: str) -> Path:
    folder = Path(raw)
    if folder.exists():
        if not folder.is_dir():
            raise UsageError(f"{raw} exists and is not a folder")
        return folder
    parent = folder.absolute().parent
    if not parent.is_dir():
        raise UsageError(f"cannot create {raw}: the folder {parent} does not exist")
    try:
        folder.mkdir()
    except OSError as error:
        raise UsageError(f"cannot create {raw}: {error.strerror}") from None
    return folder


def _verifications(args: argparse.Namespace, registry: Any) -> dict[str, Any]:
    """Each entry's last verification: from ``--report FILE``, else from this machine's cache."""
    from physml import history

    plugins = {c.id: c.plugin for c in registry}
    if not getattr(args, "report", None):
        return history.load()
    report = _read_report(args.report)
    stamp = os.path.getmtime(args.report)
    date = datetime.datetime.fromtimestamp(stamp, datetime.UTC).isoformat(timespec="seconds")
    return history.from_report(report, plugins, date)


def cmd_export(args: argparse.Namespace) -> int:
    make, what, start = FORMATS[args.format]
    if getattr(args, "report", None) and args.format not in ("markdown", "obsidian"):
        raise UsageError("--report is for the markdown and obsidian formats, which show it")
    index = _index()
    registry = _catalog_from(index)
    verified = _verifications(args, registry) if args.format in ("markdown", "obsidian") else {}
    catalog = Catalog.from_index(index, verified)
    files = make(catalog)  # before touching the folder: a missing extra fails with nothing written
    folder = _output_folder(args.output)
    try:
        result = write_owned(folder, files)
    except OSError as error:
        raise UsageError(f"cannot write into {args.output}: {error}") from None
    for relative in result.kept:
        _say(
            f"export: warning: left {folder / relative} as it is: "
            "it was edited after physml wrote it"
        )
    for relative in result.skipped:
        _say(f"export: warning: left {folder / relative} as it is: physml did not write it")
    if args.json:
        _emit_json(
            {
                "format": args.format,
                "output": str(folder),
                "start": start,
                "files": len(files),
                **attrs.asdict(result),
                "manifest": MANIFEST,
            }
        )
        return EXIT_OK
    counts = (
        f"{len(result.written)} new, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged"
    )
    left = len(result.kept) + len(result.skipped)
    tail = f"; left {left} file{'' if left == 1 else 's'} as they were (see above)" if left else ""
    plural = "" if len(files) == 1 else "s"
    print(f"exported the {what} to {folder}: {len(files)} file{plural} ({counts}){tail}")
    print(f"start at {folder / start}")
    return EXIT_OK
