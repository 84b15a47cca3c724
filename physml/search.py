"""``physml search``: ranked matches for words in English or Chinese over entries and concepts.

Searches the ids, titles, Chinese titles, aliases, tags, summaries and the sides' names of catalog
entries, and the ids, names, aliases and definitions of concepts. An entry whose dictionary links
a concept the query names is found through that concept ("free energy" finds every entry whose
dictionary uses free-energy). Reads the catalog only: nothing is computed and no numerical
library is imported.

Text is compared as :func:`physml.catalog.normalise_name` folds it (case, accents, dashes,
full-width forms). A query matches a field exactly, as a phrase, or word by word, where a word may
be a prefix of the field's word or a close spelling of it (difflib); Chinese (and any text written
without spaces) matches as a substring. Every field has a weight, and a result's score is its
best field's match strength times that weight, on a scale of 0 to 100.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import weakref
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from physml.catalog import normalise_name

if TYPE_CHECKING:
    import argparse

    from physml.registry import Registry

__all__ = ["cmd_search", "search", "searchable"]

#: How much a match in each field counts; the names of a thing count most.
ENTRY_WEIGHTS = {
    "id": 1.0,
    "title": 1.0,
    "title_zh": 1.0,
    "aliases": 1.0,
    "former_ids": 0.9,
    "tags": 0.8,
    "physics": 0.7,
    "learning": 0.7,
    "summary": 0.5,
}
CONCEPT_WEIGHTS = {"id": 1.0, "en": 1.0, "zh": 1.0, "aliases": 0.95, "definition": 0.45}
#: Fields that name a concept: only a concept found by its name leads to the entries using it.
CONCEPT_NAMES = frozenset({"id", "en", "zh", "aliases"})
#: An entry reached through a concept ranks just below the concept itself.
THROUGH_CONCEPT = 0.9
#: How close a misspelt word must be to a word of the catalog (difflib's ratio).
TYPO_CUTOFF = 0.8

#: Scripts written without spaces (Chinese, Japanese, Korean): a run of them is one word, apart
#: from adjacent Latin letters, so that "Ising模型" and "Ising 模型" read alike.
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003ffff"
_WORD = re.compile(f"[{_CJK}]+|[^\\W{_CJK}]+")


def _words(folded: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(folded))


def _unspaced(text: str) -> bool:
    """Whether ``text`` has characters of a script written without spaces (Chinese, Japanese)."""
    return any(unicodedata.east_asian_width(ch) in "WF" for ch in text)


@attrs.frozen
class _Field:
    name: str
    value: str  # as written, for display
    words: tuple[str, ...]
    joined: str  # the words joined by single spaces: punctuation ignored


@attrs.frozen
class _Document:
    kind: str  # "entry" | "concept"
    id: str
    title: str
    title_zh: str
    fields: tuple[_Field, ...]


@attrs.frozen
class _Index:
    documents: tuple[_Document, ...]
    vocabulary: frozenset[str]
    #: concept id -> the entries whose dictionary links it, in registry order
    users: dict[str, tuple[str, ...]]


def _field(name: str, value: str) -> _Field:
    words = _words(normalise_name(value))
    return _Field(name, value, words, " ".join(words))


def _fields(named: Iterable[tuple[str, str]]) -> tuple[_Field, ...]:
    return tuple(f for f in (_field(n, v) for n, v in named) if f.words)


def searchable(registry: Registry) -> dict[str, Any]:
    """The text search reads, as plain JSON data that a cache of the registry can keep.

    ``{"entries": [{"id", "title", "title_zh", "aliases", "former_ids", "tags", "physics",
    "learning", "summary", "concepts"}], "concepts": [{"id", "en", "zh", "aliases",
    "definition"}]}``, where an entry's ``concepts`` are those its dictionary links.
    """
    entries = []
    for c in registry:
        entry = c.catalog
        assert entry is not None
        entries.append(
            {
                "id": entry.id,
                "title": entry.title,
                "title_zh": entry.title_zh,
                "aliases": list(entry.aliases),
                "former_ids": list(entry.former_ids),
                "tags": list(entry.tags),
                "physics": entry.physics.name,
                "learning": entry.learning.name,
                "summary": entry.summary,
                "concepts": list(
                    dict.fromkeys(k for row in entry.dictionary for k in row.concepts)
                ),
            }
        )
    concepts = [
        {"id": k.id, "en": k.en, "zh": k.zh, "aliases": list(k.aliases), "definition": k.definition}
        for k in registry.concepts.values()
    ]
    return {"entries": entries, "concepts": concepts}


def _build_index(data: Mapping[str, Any]) -> _Index:
    documents = []
    users: dict[str, list[str]] = {}
    for e in data["entries"]:
        # Where two fields match alike the first is reported: names read better than ids.
        named = [
            ("title", e["title"]),
            ("title_zh", e["title_zh"]),
            *(("aliases", a) for a in e["aliases"]),
            ("id", e["id"]),
            *(("former_ids", f) for f in e["former_ids"]),
            *(("tags", t) for t in e["tags"]),
            ("physics", e["physics"]),
            ("learning", e["learning"]),
            ("summary", e["summary"]),
        ]
        documents.append(_Document("entry", e["id"], e["title"], e["title_zh"], _fields(named)))
        for cid in e["concepts"]:
            users.setdefault(cid, []).append(e["id"])
    for k in data["concepts"]:
        named = [
            ("en", k["en"]),
            ("zh", k["zh"]),
            *(("aliases", a) for a in k["aliases"]),
            ("id", k["id"]),
            ("definition", k["definition"]),
        ]
        documents.append(_Document("concept", k["id"], k["en"], k["zh"], _fields(named)))
    vocabulary = frozenset(w for d in documents for f in d.fields for w in f.words)
    return _Index(tuple(documents), vocabulary, {k: tuple(v) for k, v in users.items()})


_indexes: weakref.WeakKeyDictionary[Registry, _Index] = weakref.WeakKeyDictionary()


def _index(source: Registry | Mapping[str, Any]) -> _Index:
    """Every searchable field, folded once per registry."""
    if isinstance(source, Mapping):
        return _build_index(source)
    if source not in _indexes:
        _indexes[source] = _build_index(searchable(source))
    return _indexes[source]


@attrs.frozen
class _Query:
    text: str  # as typed
    words: tuple[str, ...]
    joined: str
    unspaced: bool
    #: each misspelt word -> {catalog word: similarity} for the catalog's close spellings
    spellings: dict[str, dict[str, float]]


def _query(text: str, vocabulary: frozenset[str]) -> _Query:
    words = _words(normalise_name(text))
    spellings: dict[str, dict[str, float]] = {}
    for word in words:
        # Only a word the catalog does not contain is a typo; short words have too many neighbours.
        if word in vocabulary or len(word) < 5 or _unspaced(word):
            continue
        close = difflib.get_close_matches(word, vocabulary, n=8, cutoff=TYPO_CUTOFF)
        spellings[word] = {c: difflib.SequenceMatcher(None, word, c).ratio() for c in close}
    return _Query(text, words, " ".join(words), _unspaced(text), spellings)


def _word_match(word: str, field: _Field, query: _Query) -> float:
    """How well one query word matches the best word of a field: 1 equal, less for the rest."""
    best = 0.0
    close = query.spellings.get(word, {})
    unspaced = _unspaced(word)
    for candidate in field.words:
        if candidate == word:
            return 1.0
        if len(word) >= 3 and candidate.startswith(word):
            best = max(best, 0.85)
        elif unspaced and word in candidate:
            best = max(best, 0.8)
        elif candidate in close:
            best = max(best, 0.8 * close[candidate])
    return best


def _strength(query: _Query, field: _Field) -> tuple[float, list[float] | None]:
    """How well the whole query matches one field, from 0 (not at all) to 1 (equal).

    Also how well each query word matches a word of the field, unless the query matched whole.
    """
    if field.joined == query.joined:
        return 1.0, None
    coverage = len(query.joined) / len(field.joined)
    if f" {query.joined} " in f" {field.joined} ":
        return 0.75 + 0.2 * coverage, None  # the query as a phrase of whole words
    if query.unspaced and query.joined in field.joined:
        start = 0.05 if field.joined.startswith(query.joined) else 0.0
        return 0.6 + 0.3 * coverage + start, None
    scores = [_word_match(w, field, query) for w in query.words]
    if not all(scores):
        return 0.0, scores
    # Every word, in any order, maybe misspelt; a field the query covers more of ranks higher.
    covered = min(1.0, len(query.words) / len(field.words))
    return 0.35 + 0.25 * sum(scores) / len(scores) + 0.05 * covered, scores


@attrs.frozen
class _Hit:
    score: float
    field: str
    match: str


#: A query whose words are found only in different fields of a document (a title word and a tag)
#: scores at most this much.
ACROSS_FIELDS = 0.3


def _best(query: _Query, document: _Document, weights: dict[str, float]) -> _Hit | None:
    best: _Hit | None = None
    words: list[tuple[float, _Field | None]] = [(0.0, None)] * len(query.words)
    for field in document.fields:
        weight = weights[field.name]
        strength, scores = _strength(query, field)
        if strength > 0 and (best is None or strength * weight > best.score):
            best = _Hit(strength * weight, field.name, field.value)
        for i, score in enumerate(scores or ()):
            if score * weight > words[i][0]:
                words[i] = (score * weight, field)
    if best is None and len(words) > 1 and all(score for score, _ in words):
        fields = list({id(f): f for _, f in words if f is not None}.values())
        best = _Hit(
            ACROSS_FIELDS * sum(score for score, _ in words) / len(words),
            "+".join(dict.fromkeys(f.name for f in fields)),
            " / ".join(f.value for f in fields),
        )
    return best


def search(
    registry: Registry | Mapping[str, Any], query: str, limit: int = 10
) -> list[dict[str, Any]]:
    """Entries and concepts of ``registry`` (or of its :func:`searchable` data) matching ``query``.

    Each result is ``{"kind": "entry" | "concept", "id", "title", "title_zh", "score", "field",
    "match"}``: ``field`` is where the query matched and ``match`` that field's text (for an
    entry found through a concept, ``field`` is ``"concepts"`` and ``match`` the concept's id).
    ``limit`` keeps the ``limit`` best results and any that tie with the last of them, so that
    the entries found through one concept, which score alike, are never cut arbitrarily.

    :raises ValueError: if the query has no words, or ``limit`` is below 1.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    index = _index(registry)
    parsed = _query(query, index.vocabulary)
    if not parsed.words:
        raise ValueError("the query has no words to search for")
    hits: dict[tuple[str, str], _Hit] = {}
    documents = {(d.kind, d.id): d for d in index.documents}
    for document in index.documents:
        weights = ENTRY_WEIGHTS if document.kind == "entry" else CONCEPT_WEIGHTS
        hit = _best(parsed, document, weights)
        if hit is not None:
            hits[(document.kind, document.id)] = hit
    # Among entries tied through a concept, those that also match by their own fields come first.
    own = {key: hit.score for key, hit in hits.items()}
    for (kind, cid), hit in list(hits.items()):
        if kind != "concept" or hit.field not in CONCEPT_NAMES:
            continue
        for entry_id in index.users.get(cid, ()):
            through = _Hit(hit.score * THROUGH_CONCEPT, "concepts", cid)
            current = hits.get(("entry", entry_id))
            if current is None or through.score > current.score:
                hits[("entry", entry_id)] = through
    ranked = sorted(
        hits.items(),
        key=lambda item: (
            -round(100 * item[1].score, 1),
            -own.get(item[0], 0.0),
            item[0][0] != "entry",  # an entry before a concept: the correspondence is the goal
            item[0][1],
        ),
    )
    results = [
        {
            "kind": kind,
            "id": doc_id,
            "title": documents[(kind, doc_id)].title,
            "title_zh": documents[(kind, doc_id)].title_zh,
            "score": round(100 * hit.score, 1),
            "field": hit.field,
            "match": hit.match,
        }
        for (kind, doc_id), hit in ranked
    ]
    return _top_with_ties(results, limit)


def _top_with_ties(results: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    if len(results) <= limit:
        return results
    last = results[limit - 1]["score"]
    return results[:limit] + [r for r in results[limit:] if r["score"] == last]


def _suggestions(registry: Registry | Mapping[str, Any], query: str) -> list[str]:
    """Catalog names spelt like the query, for "did you mean ...?"."""
    names: dict[str, str] = {}
    for document in _index(registry).documents:
        for field in document.fields:
            if field.name in ("id", "aliases", "en", "zh"):
                names.setdefault(normalise_name(field.value), field.value)
    close = difflib.get_close_matches(normalise_name(query), list(names), n=3, cutoff=0.6)
    return [names[c] for c in close]


def cmd_search(args: argparse.Namespace) -> int:
    from physml.cli import EXIT_FAILED, EXIT_OK, UsageError, _emit_json, _index, _say
    from physml.render import table

    query = " ".join(args.query)
    if not _words(normalise_name(query)):
        raise UsageError("give words to search for, e.g. physml search 'free energy'")
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    registry = _index()["searchable"]  # the cached plain data: no catalog objects to rebuild
    results = search(registry, query, args.limit)
    if args.json:
        _emit_json(results)
    if not results:
        close = _suggestions(registry, query)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        _say(
            f"search: nothing matches '{query}'{hint} "
            "(`physml concepts` lists the vocabulary, `physml list` the entries)"
        )
        return EXIT_FAILED
    if args.json:
        return EXIT_OK
    chinese = _unspaced(query)  # show the Chinese names to a reader who searched in Chinese
    rows = []
    for r in results:
        if r["kind"] == "entry":
            name = r["title_zh"] if chinese else r["title"]
        elif chinese:
            name = f"{r['title_zh']} ({r['title']})"
        else:
            name = f"{r['title']} ({r['title_zh']})"
        single = r["field"] in ("aliases", "tags", "former_ids", "concepts")
        where = f"{r['field']}: {r['match']}" if single else r["field"]
        rows.append([f"{r['score']:.0f}", r["kind"], r["id"], name, where])
    print(table(["score", "kind", "id", "name", "matched"], rows, flexible=(3, 4)))
    count = f"{len(results)} result{'' if len(results) == 1 else 's'}"
    print(
        f"\n{count}. `physml show ID` describes an entry, "
        "`physml translate ID` a concept in every entry."
    )
    return EXIT_OK
