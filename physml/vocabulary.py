"""Concepts across the catalog: which entries use a concept, and its counterparts in each.

Read-only over the registry's catalog entries and concept vocabulary; nothing is computed, so
these answer as fast as ``physml list``.
"""

from __future__ import annotations

import difflib
from typing import Any

from physml.catalog import Concept, normalise_name
from physml.registry import Registry

__all__ = ["UnknownConcept", "concept_usage", "find_concept", "translate"]


class UnknownConcept(LookupError):
    """No concept has this id, name or alias."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {suggestions[0]}?" if suggestions else ""
        super().__init__(f"unknown concept '{name}'{hint}")


def _names(concept: Concept) -> list[str]:
    return [concept.id, concept.en, concept.zh, *concept.aliases]


def find_concept(registry: Registry, name: str) -> Concept:
    """The concept whose id, English or Chinese name, or alias is ``name``.

    Names compare as :func:`physml.catalog.normalise_name` folds them (case, accents, dashes and
    spacing ignored), the form in which the catalog guarantees that each names one concept.
    """
    every = {normalise_name(n): c for c in registry.concepts.values() for n in _names(c)}
    wanted = normalise_name(name)
    if wanted in every:
        return every[wanted]
    close = difflib.get_close_matches(wanted, list(every), n=3, cutoff=0.6)
    raise UnknownConcept(name, list(dict.fromkeys(every[c].id for c in close)))


def concept_usage(registry: Registry) -> list[dict[str, Any]]:
    """Every concept with the entries whose dictionary rows link it."""
    used: dict[str, list[str]] = {cid: [] for cid in registry.concepts}
    for c in registry:
        assert c.catalog is not None
        for row in c.catalog.dictionary:
            for cid in row.concepts:
                if c.id not in used[cid]:
                    used[cid].append(c.id)
    return [
        {
            "id": k.id,
            "en": k.en,
            "zh": k.zh,
            "side": k.side,
            "aliases": list(k.aliases),
            "definition": k.definition,
            "entries": used[k.id],
        }
        for k in sorted(registry.concepts.values(), key=lambda k: k.id)
    ]


def translate(registry: Registry, concept: Concept) -> list[dict[str, Any]]:
    """Every dictionary row linking ``concept``: its physics and learning terms in each entry."""
    rows = []
    for c in registry:
        assert c.catalog is not None
        for row in c.catalog.dictionary:
            if concept.id in row.concepts:
                rows.append(
                    {
                        "id": c.id,
                        "regime": row.regime,
                        "physics": row.physics,
                        "learning": row.learning,
                        "note": row.note,
                    }
                )
    return rows
