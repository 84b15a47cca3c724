"""The ``physml`` command line: list, show, eval, verify, plugins, check, and the commands
that explore the catalog (concepts, translate, search, graph, path, export, plot) or start a
plugin (new), whose handlers live in their own modules and are imported only when they run.

Results go to stdout, messages to stderr. Every command takes ``--json``. Exit status: 0 success,
1 a check failed (or a plugin is broken, for ``verify --all``), 2 bad usage or invalid input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from physml import __version__
from physml.render import WIDTH, colour, indent, table, width

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

ENVIRONMENT = """\
environment:
  PHYSML_DISABLE_PLUGINS  comma-separated plugin (entry-point) names to skip
  CI                      when set, the default verify profile is derandomized
  NO_COLOR                when set, no colour even on a terminal
  PHYSML_CACHE_DIR        physml's cache folder (catalog, registry index, last results);
                          'off' disables the cache

exit status: 0 success; 1 a check failed or errored; 2 bad usage or invalid input
"""


class UsageError(Exception):
    """Bad usage or invalid input: printed without a traceback, exit status 2."""


# -- helpers ------------------------------------------------------------------------------------


def _utf8(stream: TextIO) -> None:
    if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() not in ("utf-8", "utf8"):
        stream.reconfigure(encoding="utf-8")


def _say(message: str) -> None:
    print(f"physml: {message}", file=sys.stderr)


def _emit_json(data: Any, stream: TextIO | None = None) -> None:
    """Strict JSON (non-finite numbers as strings) to ``stream``, stdout by default."""
    from physml.verifier import jsonable

    out = stream or sys.stdout
    json.dump(jsonable(data), out, ensure_ascii=False, indent=2, allow_nan=False)
    out.write("\n")


def _registry() -> Any:
    from physml.registry import get_registry

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry = get_registry()
    for warning in caught:
        _say(f"warning: {warning.message}")
    return registry


def _lookup(registry: Any, name: str) -> Any:
    from physml.registry import UnknownCorrespondence

    try:
        return registry.get(name)
    except UnknownCorrespondence as error:
        raise UsageError(str(error)) from None


def _short(value: Any, limit: int = 60) -> str:
    """A one-line rendering of a number or array for text output."""
    import numpy as np

    if isinstance(value, (list, tuple)) or hasattr(value, "shape"):
        array = np.asarray(value)
        if array.dtype.kind in "fc":
            text = np.array2string(
                array, precision=6, separator=", ", threshold=8, edgeitems=3, max_line_width=10**6
            )
        else:
            text = np.array2string(
                array, separator=", ", threshold=8, edgeitems=3, max_line_width=10**6
            )
        text = " ".join(text.split())
        if array.ndim:
            text += f"  (shape {array.shape})" if array.ndim > 1 or array.size > 8 else ""
        return text if width(text) <= limit or limit <= 0 else text[: limit - 1] + "…"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


# -- list -------------------------------------------------------------------------------------


def _summary(c: Any) -> dict[str, Any]:
    entry = c.catalog
    return {
        "id": c.id,
        "title": entry.title,
        "title_zh": entry.title_zh,
        "regime": c.regime,
        "physics": entry.physics.name,
        "learning": entry.learning.name,
        "essay_section": entry.essay_section,
        "tags": list(entry.tags),
        "plugin": c.plugin,
    }


def _matches(row: dict[str, Any], args: argparse.Namespace) -> bool:
    """The filters of ``physml list``: a section and its subsections, a regime, a tag."""
    section = args.section
    if section and not (
        row["essay_section"] == section or row["essay_section"].startswith(f"{section}.")
    ):
        return False
    if args.regime and row["regime"] != args.regime:
        return False
    return not (args.tag and args.tag not in row["tags"])


def _index() -> dict[str, Any]:
    """The registry as plain data, from the cached index (no plugin imported) when current."""
    from physml.index import cached, snapshot

    def build() -> tuple[dict[str, Any], list[str]]:
        registry = _registry()
        data = snapshot(registry, _details)
        data["warnings"] = [f"plugin '{p}': {e}" for p, e in registry.errors]
        data["names"] = registry.names()
        from physml.search import searchable

        data["searchable"] = searchable(registry)  # what search ranks, as plain data
        return _jsonable(data), registry.catalog_folders

    data, from_cache = cached(build)
    if from_cache:
        for warning in data["warnings"]:  # the same warnings a fresh load prints
            _say(f"warning: {warning}")
    return data


def _details(c: Any) -> dict[str, Any]:
    """What the index keeps of one correspondence: ``list``'s row, ``show``'s data, and the
    statements as Unicode text (so that ``show`` need not load the converter)."""
    from physml.formulas import to_unicode

    shown = show_json(c)
    texts = {i["name"]: to_unicode(i["statement"]) for i in shown["identities"]}
    return {"summary": _summary(c), "show": shown, "statement_text": texts}


def _jsonable(data: Any) -> Any:
    from physml.verifier import jsonable

    return jsonable(data)


def _catalog_from(index: dict[str, Any]) -> Any:
    from physml.index import catalog_registry

    return catalog_registry(index)


def _catalog() -> Any:
    """A registry of catalog entries only (:class:`physml.index.CatalogOnly`), for the commands
    that compute nothing: as fast as ``list``, whatever the plugins import."""
    from physml.index import catalog_registry

    return catalog_registry(_index())


def cmd_list(args: argparse.Namespace) -> int:
    rows = [e["details"]["summary"] for e in _index()["entries"]]
    rows = [row for row in rows if _matches(row, args)]
    if args.json:
        _emit_json(rows)
        return EXIT_OK
    if not rows:
        filtered = args.section or args.regime or args.tag
        print(
            "no correspondence matches these filters"
            if filtered
            else "no correspondences are registered (see `physml plugins`)"
        )
        return EXIT_OK
    print(
        table(
            ["id", "regime", "§", "physics", "learning"],
            [[r["id"], r["regime"], r["essay_section"], r["physics"], r["learning"]] for r in rows],
            flexible=(3, 4),
        )
    )
    print(
        f"\n{len(rows)} correspondence{'' if len(rows) == 1 else 's'}. "
        "`physml show ID` describes one; "
        "`physml verify --all` checks them all."
    )
    return EXIT_OK


# -- show -------------------------------------------------------------------------------------


def _parameter_json(c: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": p.name,
            "description": p.description,
            "domain": p.domain,
            "shape": p.shape,
            "example": c.example[p.name],
        }
        for p in c.parameters
    ]


def _identity_json(c: Any) -> list[dict[str, Any]]:
    text = {i.name: i for i in c.catalog.identities}
    out = []
    for identity in c.identities:
        entry = text[identity.name]
        out.append(
            {
                "name": identity.name,
                "regime": identity.regime,
                "statement": entry.statement,
                "note": entry.note,
                "tolerance": identity.tolerance,
                "reason": identity.reason,
                "own_parameters": identity.strategy is not None,
                "slow": identity.slow,
                "max_examples": identity.max_examples,
            }
        )
    return out


def show_json(c: Any) -> dict[str, Any]:
    data = c.catalog.to_dict()
    data.update(
        plugin=c.plugin,
        parameters=_parameter_json(c),
        identities=_identity_json(c),
        mutants=[
            {"name": m.name, "description": m.description, "killed_by": list(m.killed_by)}
            for m in c.mutants
        ],
        boundaries=[
            {
                "name": b.name,
                "assumption": b.assumption,
                "identity": b.identity,
                "explanation": b.explanation,
            }
            for b in c.boundaries
        ],
        worked_example={"params": dict(c.example), "command": f"physml eval {c.id}"},
        figure=c.figure is not None,
        observables={
            "physics": list(c.physics.observables),
            "learning": list(c.learning.observables),
        },
    )
    return data


def _heading(text: str) -> str:
    return colour(text, "bold")


def cmd_show(args: argparse.Namespace) -> int:
    index = _index()
    meanings = index["names"].get(args.id.strip().casefold(), [])
    if len(meanings) != 1:  # unknown or ambiguous: the registry explains, with suggestions
        meanings = [_lookup(_catalog_from(index), args.id).id]
    details = next(e["details"] for e in index["entries"] if e["id"] == meanings[0])
    data, texts = details["show"], details["statement_text"]
    if args.json:
        _emit_json(data)
        return EXIT_OK
    out: list[str] = []
    c = argparse.Namespace(id=data["id"], regime=data["regime"], plugin=data["plugin"])
    out.append(_heading(indent(f"{c.id}: {data['title']}", "")))
    out.append(indent(data["title_zh"], ""))
    out.append(
        f"regime: {c.regime}    essay section: §{data['essay_section']}    plugin: {c.plugin}"
    )
    if data["tags"]:
        out.append(indent(f"tags: {', '.join(data['tags'])}", ""))
    if data["aliases"] or data["former_ids"]:
        out.append(
            indent(f"also known as: {', '.join([*data['aliases'], *data['former_ids']])}", "")
        )
    out += ["", indent(data["summary"], "")]
    for side in ("physics", "learning"):
        out += [
            "",
            _heading(f"{side.capitalize()}: {data[side]['name']}"),
            indent(data[side]["description"]),
        ]
        observables = data["observables"][side]
        out.append(indent(f"observables: {', '.join(f'{side}.{o}' for o in observables)}"))
    headers = ["physics", "learning", "note"]
    cells = [[r["physics"], r["learning"], r["note"]] for r in data["dictionary"]]
    regimes = [r.get("regime") or c.regime for r in data["dictionary"]]
    if any(regime != c.regime for regime in regimes):  # a column only when some row differs
        headers.append("regime")
        cells = [[*row, regime] for row, regime in zip(cells, regimes, strict=True)]
    out += ["", _heading("Dictionary"), table(headers, cells, flexible=(0, 1, 2))]
    out += ["", _heading("Identities")]
    for i in data["identities"]:
        flags = []
        if i["own_parameters"]:
            flags.append("own parameter family")
        if i["slow"]:
            flags.append("slow: thorough profile")
        extra = f"  ({'; '.join(flags)})" if flags else ""
        out.append(f"  {i['name']}  [{i['regime']}]{extra}")
        out.append(indent(texts[i["name"]], "      "))  # the LaTeX statement as Unicode text
        if i["note"]:
            out.append(indent(i["note"], "      "))
        out.append(indent(f"tolerance: {i['tolerance']}", "      "))
        out.append(indent(f"why: {i['reason']}", "      "))
    if data["assumptions"]:
        out += ["", _heading("Assumptions")]
        out += [indent(a, "  - ") for a in data["assumptions"]]
    if data["boundaries"]:
        out += ["", _heading("Where it breaks (checked by physml verify --boundaries)")]
        for b in data["boundaries"]:
            out.append(indent(f"{b['name']}: without {b['assumption']}", "  - "))
            out.append(indent(f"{b['identity']} fails: {b['explanation']}", "      "))
    out += [
        "",
        _heading("Parameters"),
        table(
            ["name", "shape", "domain", "description"],
            [[p["name"], p["shape"], p["domain"], p["description"]] for p in data["parameters"]],
            flexible=(2, 3),
        ),
    ]
    out += ["", _heading("Worked example")]
    for p in data["parameters"]:
        out.append(indent(f"{p['name']} = {json.dumps(p['example'], ensure_ascii=False)}", "  "))
    out.append(f"  $ physml eval {c.id}")
    out.append(f"  $ physml eval {c.id} --params my-params.json")
    out.append("    (a JSON object of parameter name -> number or nested list; '-' reads stdin)")
    if data["figure"]:
        out.append(f"  figure: physml plot {c.id}")
    out += ["", _heading("Mutants (wrong versions verification must reject)")]
    for m in data["mutants"]:
        killers = f" [killed by {', '.join(m['killed_by'])}]" if m["killed_by"] else ""
        out.append(indent(f"{m['name']}: {m['description']}{killers}", "  - "))
    out += ["", _heading("References")]
    for r in data["references"]:
        ids = [
            f"doi:{r['doi']}" if "doi" in r else "",
            f"arXiv:{r['arxiv']}" if "arxiv" in r else "",
            r.get("url", ""),
        ]
        tail = " ".join(x for x in ids if x)
        out.append(indent(f"{r['citation']}{' ' + tail if tail else ''}", "  - "))
    print("\n".join(out))
    return EXIT_OK


# -- eval -------------------------------------------------------------------------------------


def _read_params(source: str | None) -> dict[str, Any] | None:
    if source is None:
        return None
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read parameters from {source}: {error.strerror}") from None
    where = "standard input" if source == "-" else source
    try:
        params = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{where} is not valid JSON: {error}") from None
    if not isinstance(params, dict):
        raise UsageError(f"{where} must hold a JSON object of parameter name -> value")
    return params


def evaluate_identities(c: Any, evaluation: Any) -> list[dict[str, Any]]:
    """Each identity's agreement at the evaluated parameters (own-family identities: not run)."""
    from hypothesis.errors import UnsatisfiedAssumption

    from physml.model import OutsideDomain

    results = []
    for identity in c.identities:
        row: dict[str, Any] = {"name": identity.name, "regime": identity.regime}
        own_family = identity.strategy is not None
        if identity.slow and own_family:
            row.update(
                holds=None,
                abs_error=None,
                rel_error=None,
                note="slow check on its own parameter family: physml verify --profile thorough",
            )
        elif own_family and not identity.examples:
            row.update(
                holds=None,
                abs_error=None,
                rel_error=None,
                note="checks its own parameter family: run `physml verify`",
            )
        else:
            params = identity.examples[0] if own_family else evaluation.params
            if own_family:
                row["note"] = "own parameter family: checked on its own example"
            try:
                comparison = identity.check(c, dict(params))
            except (UnsatisfiedAssumption, OutsideDomain):
                row.update(
                    holds=None,
                    abs_error=None,
                    rel_error=None,
                    note="these parameters are outside this identity's domain",
                )
            else:
                row.update(
                    holds=comparison.holds,
                    abs_error=comparison.abs_error,
                    rel_error=comparison.rel_error,
                )
                if comparison.detail:
                    row["detail"] = dict(comparison.detail)
        results.append(row)
    return results


def cmd_eval(args: argparse.Namespace) -> int:
    from physml.model import ParameterError

    registry = _registry()
    c = _lookup(registry, args.id)
    params = _read_params(args.params)
    try:
        evaluation = c.evaluate(params)
        identities = evaluate_identities(c, evaluation)
    except ParameterError as error:
        raise UsageError(str(error)) from None
    holds = all(r["holds"] is not False for r in identities)
    if args.json:
        _emit_json(
            {
                "id": c.id,
                "params": evaluation.params,
                "physics": evaluation.physics,
                "learning": evaluation.learning,
                "identities": identities,
            }
        )
        return EXIT_OK if holds else EXIT_FAILED
    out = [_heading(indent(f"{c.id}: {c.title}", "")), "", _heading("Parameters")]
    out += [f"  {k} = {_short(v, WIDTH - 6 - width(k))}" for k, v in evaluation.params.items()]
    for side in ("physics", "learning"):
        values = getattr(evaluation, side)
        out += ["", _heading(f"{side.capitalize()} ({getattr(c, side).name})")]
        out += [
            f"  {side}.{k} = {_short(v, WIDTH - 6 - width(side) - width(k))}"
            for k, v in values.items()
        ]
    out += ["", _heading("Identities")]
    rows = []
    for r in identities:
        if r["holds"] is None:
            rows.append([r["name"], "—", "", "", r.get("note", "")])
        else:
            mark = colour("holds", "green") if r["holds"] else colour("FAILS", "red")
            rows.append(
                [
                    r["name"],
                    mark,
                    f"{r['abs_error']:.2e}",
                    f"{r['rel_error']:.2e}",
                    r.get("note", ""),
                ]
            )
    out.append(table(["identity", "result", "abs error", "rel error", "note"], rows, flexible=(4,)))
    print("\n".join(out))
    return EXIT_OK if holds else EXIT_FAILED


# -- verify -----------------------------------------------------------------------------------


class _Progress:
    """One self-overwriting status line on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.total = total
        self.done = 0
        self.current = ""

    def entry(self, cid: str) -> None:
        self.done += 1
        self.current = cid

    def __call__(self, message: str) -> None:
        if self.enabled:
            line = f"[{self.done}/{self.total}] {message}"[: WIDTH - 1]
            sys.stderr.write(f"\r\033[K{line}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _limit_summary(detail: dict[str, Any]) -> str:
    """'observed coefficient 0.5 (expected 0.5), bound 0.01' for a limit identity."""
    parts = []
    for key, value in detail.items():
        if key.startswith("observed_"):
            name = key.removeprefix("observed_")
            expected = detail.get(f"expected_{name}")
            against = f" (expected {_number(expected)})" if expected is not None else ""
            parts.append(f"observed {name.replace('_', ' ')} {_number(value)}{against}")
    return ", ".join([*parts, f"bound {_number(detail['bound'])}"])


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.2g}%" if fraction < 10 else f"{fraction:.3g}×"


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _verify_text(report: Any) -> str:
    out = []
    marks = {
        "passed": ("ok", "green"),
        "failed": ("FAILED", "red"),
        "error": ("ERROR", "red"),
        "vacuous": ("VACUOUS", "red"),
        "skipped": ("skipped", "dim"),
    }
    for result in report.results:
        word, tone = marks[result.status]
        out.append(
            f"{colour(result.id, 'bold')}  {colour(word, tone)}  ({result.duration_s:.1f} s)"
        )
        for r in result.identities:
            word, tone = marks[r.status]
            if r.status == "skipped":
                out.append(f"  {colour(word, tone):<8} {r.name}: {r.message}")
                continue
            stats = f"{r.examples} examples"
            if r.budget and r.examples < r.budget and r.status == "passed":
                stats = f"{r.examples}/{r.budget} examples"
            if "bound" in r.detail:
                stats += f", {_limit_summary(r.detail)}"
            else:
                stats += f", max abs {r.max_abs_error:.2e}, max rel {r.max_rel_error:.2e}"
                if r.tolerance_used is not None:
                    stats += f", {_percent(r.tolerance_used)} of tolerance"
            line = indent(f"{r.name}  [{r.regime}]  {stats}", " " * (4 + width(word)))
            out.append(f"  {colour(word, tone)}  {line.lstrip()}")
            if r.status in ("failed", "error", "vacuous") and r.message:
                out.append(indent(r.message, "      "))
            if r.counterexample is not None:
                text = json.dumps(r.counterexample, ensure_ascii=False)
                out.append(
                    indent(
                        f"counterexample: {text[:600]}{'…' if len(text) > 600 else ''}", "      "
                    )
                )
            if r.reproduce:
                out.append(f"      reproduce: {r.reproduce}")
        if result.mutants:
            killed = sum(m.killed for m in result.mutants)
            out.append(f"  mutants: {killed}/{len(result.mutants)} killed")
            for m in result.mutants:
                if m.killed:
                    out.append(f"    {colour('killed', 'green')}    {m.name} (by {m.killed_by})")
                elif m.status == "not-run":
                    out.append(f"    {colour('not run', 'red')}   {m.name}: {m.message}")
                else:
                    out.append(f"    {colour('SURVIVED', 'red')}  {m.name}: {m.description}")
        if result.boundaries:
            broken = sum(b.ok for b in result.boundaries)
            out.append(f"  boundaries: {broken}/{len(result.boundaries)} break as declared")
            for b in result.boundaries:
                if b.ok:
                    out.append(
                        indent(
                            f"{b.name} ({b.identity} fails without {b.assumption})",
                            f"    {colour('breaks', 'green')}    ",
                        )
                    )
                    if b.counterexample is not None:
                        text = json.dumps(b.counterexample, ensure_ascii=False)
                        text = text[:300] + ("…" if len(text) > 300 else "")
                        out.append(indent(f"for example at {text}", "              "))
                else:
                    word = "not run" if b.status == "not-run" else b.status.upper()
                    out.append(indent(f"{b.name}: {b.message}", f"    {colour(word, 'red')}  "))
    for e in report.plugin_errors:
        out.append(colour(f"plugin error: {e['plugin']}: {e['error']}", "red"))
    versions = ", ".join(f"{k} {v}" for k, v in report.versions.items())
    out.append("\n" + indent(f"physml {report.physml_version}; {versions}", ""))
    if report.plugins:
        plugins = ", ".join(
            f"{p['name']} {p['version'] or '(no version)'}"
            + (f" ({p['distribution']})" if p["distribution"] else "")
            for p in report.plugins
        )
        out.append(indent(f"plugins: {plugins}", ""))
    seed = f", seed {report.seed}" if report.seed is not None else ", derandomized"
    out.append(
        f"\nverified {len(report.results)} correspondence(s) with profile "
        f"{report.profile}{seed}: {report.passed} passed, {report.failed} failed, "
        f"{report.errors} errors"
    )
    return "\n".join(out)


def _write_report(report: Any, path: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as stream:
            _emit_json(report.to_json(), stream)
    except OSError as error:
        raise UsageError(f"cannot write the report to {path}: {error.strerror}") from None


def _read_report(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read the report {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise UsageError(f"{path} is not a physml verify report (no 'results' list)")
    return data


def _comparison_text(changes: dict[str, list[dict[str, Any]]], path: str) -> str:
    labels = {
        "new_failures": "new failures",
        "fixed": "fixed",
        "grew": "errors that grew",
        "added": "added",
        "removed": "removed",
    }
    out = [f"\ncompared with {path}:"]
    for key, label in labels.items():
        rows = changes[key]
        out.append(f"  {label}: {len(rows)}")
        for r in rows:
            detail = f" ({r['was']} -> {r['status']})" if "was" in r and "status" in r else ""
            if key == "grew":
                detail = f" ({r['measure']} {r['old']:.3g} -> {r['new']:.3g})"
            out.append(f"    {r['id']} {r['identity']}{detail}")
    return "\n".join(out)


def cmd_verify(args: argparse.Namespace) -> int:
    from physml.verifier import verify_many

    if not args.ids and not args.all:
        raise UsageError("name correspondences to verify, or pass --all")
    if args.ids and args.all:
        raise UsageError("give either correspondence ids or --all, not both")
    if args.max_examples is not None and args.max_examples < 1:
        raise UsageError("--max-examples must be at least 1")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.timeout is not None and not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if args.scheduler:
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise UsageError(
                "--scheduler needs Dask distributed: pip install 'physml[distributed]'"
            )
    earlier = _read_report(args.compare) if args.compare else None  # fail before the long run
    registry = _registry()
    chosen = list(registry) if args.all else [_lookup(registry, name) for name in args.ids]
    chosen = list({c.id: c for c in chosen}.values())
    plugin_errors = registry.errors if args.all else []
    jobs = args.jobs if args.jobs is not None else min(len(chosen), os.cpu_count() or 1)
    progress = _Progress(not args.json, len(chosen))

    def step(message: str) -> None:
        cid = message.split(":", 1)[0]
        if cid != progress.current:
            progress.entry(cid)
        progress(message)

    try:
        report = verify_many(
            chosen,
            profile=args.profile,
            max_examples=args.max_examples,
            seed=args.seed,
            mutants=args.mutants,
            boundaries=args.boundaries,
            database=args.database,
            plugin_errors=plugin_errors,
            plugins=registry.plugins,
            progress=step,
            jobs=jobs,
            timeout=args.timeout,
            scheduler=args.scheduler,
        )
    finally:
        progress.close()
    if args.report:
        _write_report(report, args.report)
    data = report.to_json()
    from physml.history import record  # each entry's last result, which `physml export` shows

    record(data, {c.id: c.plugin for c in chosen})
    if earlier is not None:
        from physml.verifier import compare_reports, jsonable

        data["comparison"] = compare_reports(earlier, jsonable(data))
    if args.json:
        _emit_json(data)
    else:
        print(_verify_text(report))
        if args.compare:
            print(_comparison_text(data["comparison"], args.compare))
    return EXIT_OK if report.ok else EXIT_FAILED


# -- plugins ----------------------------------------------------------------------------------


def cmd_plugins(args: argparse.Namespace) -> int:
    registry = _registry()
    rows = [
        {
            "name": p.name,
            "version": p.version,
            "distribution": p.distribution,
            "module": p.module,
            "status": p.status,
            "ids": list(p.ids),
            "errors": list(p.errors),
        }
        for p in registry.plugins
    ]
    if args.json:
        _emit_json(rows)
        return EXIT_OK
    print(
        table(
            ["plugin", "version", "module", "status", "ids"],
            [
                [r["name"], r["version"] or "", r["module"], r["status"], ", ".join(r["ids"])]
                for r in rows
            ],
            flexible=(2, 4),
        )
    )
    failed = [r for r in rows if r["errors"]]
    for r in failed:
        print(f"\n{colour(r['name'], 'bold')} {colour('errors', 'red')}:")
        for e in r["errors"]:
            print(indent(e, "  - "))
    return EXIT_OK


# -- concepts and translate --------------------------------------------------------------------


def cmd_concepts(args: argparse.Namespace) -> int:
    from physml.vocabulary import concept_usage

    rows = concept_usage(_catalog())
    if args.json:
        _emit_json(rows)
        return EXIT_OK
    for r in rows:
        used = f"{len(r['entries'])} entr{'y' if len(r['entries']) == 1 else 'ies'}"
        print(indent(f"{r['id']}  {r['zh']}  [{r['side']}]  {used}", ""))
        if r["entries"]:
            print(indent(", ".join(r["entries"]), "    "))
    print(f"\n{len(rows)} concepts. `physml translate CONCEPT` shows a concept in every entry.")
    return EXIT_OK


def cmd_translate(args: argparse.Namespace) -> int:
    from physml.vocabulary import UnknownConcept, find_concept, translate

    registry = _catalog()
    try:
        concept = find_concept(registry, args.concept)
    except UnknownConcept as error:
        raise UsageError(str(error)) from None
    rows = translate(registry, concept)
    if args.json:
        _emit_json(rows)
        return EXIT_OK
    print(_heading(indent(f"{concept.en} ({concept.zh}): {concept.definition}", "")))
    if not rows:
        print("no dictionary row links this concept yet")
        return EXIT_OK
    print(
        table(
            ["entry", "regime", "physics", "learning", "note"],
            [[r["id"], r["regime"], r["physics"], r["learning"], r["note"]] for r in rows],
            flexible=(2, 3, 4),
        )
    )
    return EXIT_OK


# -- check ------------------------------------------------------------------------------------


def _catalog_files(paths: Sequence[str]) -> list[Path]:
    files = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(path.glob("*.yaml"))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return files


def cmd_check(args: argparse.Namespace) -> int:
    from physml import catalog
    from physml.registry import match_identities

    registry = _registry()
    problems: list[dict[str, str]] = []
    if not args.paths:
        problems = [{"file": "", "field": p, "message": e} for p, e in registry.errors]
        checked = sum(1 for _ in registry)
    else:
        files = _catalog_files(args.paths)
        vocabulary = dict(registry.concepts)
        entries = []
        for file in files:
            shown = catalog.display_path(file)
            try:
                text = file.read_text(encoding="utf-8")
                if file.name == catalog.CONCEPTS_FILE:
                    vocabulary.update({c.id: c for c in catalog.parse_concepts(text, shown)})
                else:
                    entries.append(catalog.parse_entry(text, shown))
            except catalog.CatalogError as error:
                problems += [
                    {"file": p.file, "field": p.field, "message": p.message} for p in error.problems
                ]
            except (OSError, UnicodeDecodeError) as error:
                problems.append({"file": shown, "field": "", "message": f"cannot be read: {error}"})
        for entry in entries:
            found = catalog.check_concept_links(entry, vocabulary)
            if entry.id in registry:
                found += match_identities(registry.get(entry.id), entry)
            problems += [{"file": p.file, "field": p.field, "message": p.message} for p in found]
        checked = len(files)
    if args.json:
        _emit_json({"checked": checked, "problems": problems})
    else:
        for p in problems:
            where = ": ".join(x for x in (p["file"], p["field"]) if x)
            print(f"{where}: {p['message']}")
        what = "files" if args.paths else "correspondences"
        print(f"{checked} {what} checked, {len(problems)} problem(s)")
    return EXIT_FAILED if problems else EXIT_OK


# -- parser -----------------------------------------------------------------------------------


def _lazy(module: str, name: str) -> Any:
    """A handler imported only when its command runs, so ``physml list`` stays fast."""

    def handler(args: argparse.Namespace) -> int:
        import importlib

        return int(getattr(importlib.import_module(module), name)(args))

    return handler


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"physml: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="physml",
        description="Correspondences between physics and machine learning, each one an "
        "executable, numerically verified statement.",
        epilog=ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"physml {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, handler: Any, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--json", action="store_true", help="print JSON instead of text")
        p.set_defaults(handler=handler)
        return p

    p = command("list", cmd_list, "list every registered correspondence")
    p.add_argument("--section", metavar="S", help="essay section, e.g. 4.2 (or 4 for 4.x)")
    p.add_argument("--regime", choices=("exact", "limit", "analogy"))
    p.add_argument("--tag", metavar="TAG", help="only entries with this tag")
    p = command("show", cmd_show, "describe one correspondence (id, alias or former id)")
    p.add_argument("id")
    p = command("eval", cmd_eval, "compute both sides for the worked example or given parameters")
    p.add_argument("id")
    p.add_argument(
        "--params",
        metavar="FILE|-",
        help="JSON object of parameter name -> number or nested list ('-' for stdin)",
    )
    p = command("verify", cmd_verify, "run the property-based checks of correspondences")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--all", action="store_true", help="verify every registered correspondence")
    p.add_argument("--max-examples", type=int, metavar="N", help="examples per identity")
    p.add_argument("--seed", type=int, metavar="S", help="seed for reproducible example generation")
    p.add_argument("--profile", choices=("dev", "default", "thorough"), default="default")
    p.add_argument(
        "--mutants", action="store_true", help="also check that every declared mutant is rejected"
    )
    p.add_argument(
        "--boundaries",
        action="store_true",
        help="also check that each declared boundary (a violated assumption) breaks its identity",
    )
    p.add_argument("--database", metavar="DIR", help="keep failing examples in this folder")
    p.add_argument("--report", metavar="FILE", help="also write the JSON report to FILE")
    p.add_argument(
        "--compare", metavar="OLD.json", help="show what changed against an earlier JSON report"
    )
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes (default: one per CPU core when verifying several)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="at most S seconds per correspondence; one over it is reported as an error",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on this Dask distributed scheduler, e.g. tcp://host:8786 "
        "(pip install 'physml[distributed]')",
    )
    command("plugins", cmd_plugins, "list the loaded plugins and any that failed")
    command("concepts", cmd_concepts, "list the concept vocabulary and the entries using each")
    p = command(
        "translate",
        cmd_translate,
        "show a concept's counterparts in every entry (id, name or alias, EN or 中文)",
    )
    p.add_argument("concept")
    p = command(
        "search",
        _lazy("physml.search", "cmd_search"),
        "find entries and concepts by words in English or 中文 (typo tolerant)",
    )
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument(
        "--limit",
        type=int,
        default=10,
        metavar="N",
        help="the N best results (and any tied with the N-th)",
    )
    p = command(
        "graph",
        _lazy("physml.graph", "cmd_graph"),
        "the graph of physics and learning concepts linked by correspondences",
    )
    p.add_argument(
        "--format",
        choices=("dot", "mermaid", "json"),
        default="dot",
        help="Graphviz dot (default), a Mermaid flowchart, or JSON (as --json)",
    )
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    p.epilog = (
        "Nodes are concepts: physics on the left, learning on the right, concepts of both sides "
        "in a middle column. A dictionary row links its physics-side concepts to its "
        "learning-side ones (a both-sides concept counts on either side): one edge per entry "
        "and pair of concepts, labelled with the entry id and styled by its rows' regime: "
        "dot solid/dashed/dotted, Mermaid ===/---/-.- for exact/limit/analogy; JSON gives "
        '"nodes" and "edges" with a "regime" field.'
    )
    p = command(
        "path",
        _lazy("physml.graph", "cmd_path"),
        "the shortest chains of correspondences linking two concepts",
    )
    p.add_argument("start", metavar="CONCEPT_A", help="concept id, name or alias (EN or 中文)")
    p.add_argument("end", metavar="CONCEPT_B", help="concept id, name or alias (EN or 中文)")
    p.epilog = (
        "Chains are shortest by number of steps; each step is a dictionary row of one entry "
        "linking two concepts (the graph of `physml graph`), with the row's regime. A chain "
        "is only as strong as its weakest step (exact > limit > analogy); the strongest chains "
        "come first, at most 5. Exit status 1 when no chain links the two concepts."
    )
    p = command(
        "export",
        _lazy("physml.export", "cmd_export"),
        "write the catalog as Markdown pages, an Obsidian vault, one JSON document or a web page",
    )
    p.add_argument("--format", choices=("markdown", "obsidian", "json", "html"), required=True)
    p.add_argument("--output", metavar="DIR", required=True, help="folder to write into")
    p.add_argument(
        "--report",
        metavar="FILE",
        help="markdown and obsidian: take the last verification of each entry from this "
        "`physml verify --report` file instead of this machine's own results",
    )
    p = command(
        "plot",
        _lazy("physml.plot", "cmd_plot"),
        "draw an entry's figure (needs the plot extra: pip install 'physml[plot]')",
    )
    p.add_argument("id")
    p.add_argument("--output", metavar="FILE", help="image file (default: <id>.png)")
    p = command(
        "new",
        _lazy("physml.scaffold", "cmd_new"),
        "start a standalone plugin package for a new correspondence",
    )
    p.add_argument("id", help="the new correspondence's id (lowercase words joined by '-')")
    p.add_argument("--physics", required=True, metavar="TEXT", help="the physics side, in words")
    p.add_argument("--learning", required=True, metavar="TEXT", help="the learning side, in words")
    p.add_argument("--output", metavar="DIR", help="package folder (default: a new folder <id>)")
    p = command("check", cmd_check, "validate catalog YAML files without running anything")
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders (default: every loaded catalog)"
    )
    return parser


def _single_threaded_blas() -> None:
    """Checks multiply small matrices, where BLAS threads cost far more than they bring."""
    import os

    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def main(argv: Sequence[str] | None = None) -> int:
    _single_threaded_blas()  # before numpy is first imported
    _utf8(sys.stdout)
    _utf8(sys.stderr)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except UsageError as error:
        _say(f"{args.command}: {error}")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
