"""The last verification result of each correspondence on this machine.

``physml verify`` records, for every entry it verified, the status, the date, the profile and
the versions that produced it (physml, the entry's plugin, Python, numpy, scipy, hypothesis),
in the physml cache folder (``$PHYSML_CACHE_DIR``; ``off`` keeps nothing). ``physml export``
reads it back to say when each entry was last verified, or takes the same facts from a
``physml verify --report`` file instead.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["from_report", "history_path", "load", "record"]

HISTORY_FILE = "verified.json"
#: The library versions a result carries, besides physml's and the plugin's.
LIBRARIES = ("python", "numpy", "scipy", "hypothesis")


def history_path() -> Path | None:
    """Where the results are kept (:mod:`physml.cache`), or None when caching is off."""
    from physml.cache import cache_file

    return cache_file(HISTORY_FILE)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _plugins(report: Mapping[str, Any]) -> dict[str, str | None]:
    return {p["name"]: p.get("version") for p in report.get("plugins", [])}


def _summaries(
    report: Mapping[str, Any], entry_plugins: Mapping[str, str], date: str
) -> dict[str, dict[str, Any]]:
    """One record per result of a ``physml verify`` JSON report."""
    versions = report.get("versions", {})
    plugin_versions = _plugins(report)
    records = {}
    for result in report.get("results", []):
        identities = result.get("identities", [])
        mutants = result.get("mutants", [])
        plugin = entry_plugins.get(result["id"])
        records[result["id"]] = {
            "id": result["id"],
            "status": result["status"],
            "date": date,
            "profile": report.get("profile"),
            "seed": report.get("seed"),
            "identities_passed": sum(i.get("status") == "passed" for i in identities),
            "identities": len(identities),
            "mutants_killed": sum(bool(m.get("killed")) for m in mutants) if mutants else None,
            "mutants": len(mutants) if mutants else None,
            "versions": {
                "physml": report.get("physml_version"),
                "plugin": plugin,
                "plugin_version": plugin_versions.get(plugin) if plugin else None,
                **{name: versions.get(name) for name in LIBRARIES},
            },
        }
    return records


def load() -> dict[str, dict[str, Any]]:
    """The last result recorded for each entry id; empty when there is none or caching is off."""
    from physml.cache import read_json

    data = read_json(history_path())
    return data if isinstance(data, dict) else {}


def record(report: Mapping[str, Any], entry_plugins: Mapping[str, str]) -> None:
    """Keep each result of a verify report (its JSON form) as its entry's last result.

    ``entry_plugins`` maps entry ids to the name of the plugin that registers them. A cache
    folder that cannot be written only means the next export cannot say when an entry was
    verified, so write errors are ignored.
    """
    path = history_path()
    if path is None:
        return
    from physml.cache import write_json

    records = {**load(), **_summaries(report, entry_plugins, _now())}
    write_json(path, records, indent=1, sort_keys=True)


def from_report(
    report: Mapping[str, Any], entry_plugins: Mapping[str, str], date: str
) -> dict[str, dict[str, Any]]:
    """The same records from a ``physml verify --report`` file, dated ``date`` (its mtime)."""
    return _summaries(report, entry_plugins, date)
