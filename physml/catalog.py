"""Catalog files: the human description of each correspondence, and the concept vocabulary.

One YAML file per correspondence (``<id>.yaml``) and optionally one ``concepts.yaml`` per folder.
Files are read with PyYAML's safe loader only (the C ``CSafeLoader`` where it is built) and
validated field by field; every problem is a :class:`CatalogError` that names the file and the
field. The schema is documented in CONTRIBUTING.md.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from physml.model import REGIMES, is_slug

if TYPE_CHECKING:
    from importlib.abc import Traversable

__all__ = [
    "CatalogEntry",
    "CatalogError",
    "CatalogProblem",
    "Concept",
    "DictionaryRow",
    "IdentityText",
    "Reference",
    "Side",
    "load_folder",
    "normalise_name",
    "parse_concepts",
    "parse_entry",
]

CONCEPTS_FILE = "concepts.yaml"
SIDES = ("physics", "learning", "both")
#: Dashes and the underscore, which names treat as spaces ("log-likelihood", "fit_intercept").
_DASHES = str.maketrans(dict.fromkeys("_-\u2010\u2011\u2012\u2013\u2014\u2015\ufe58\ufe63", " "))
#: The combining diacritics of Latin, Greek and Cyrillic; other scripts' marks (kana's dakuten)
#: make other letters and are kept.
_ACCENTS = re.compile("[\u0300-\u036f]+")


def normalise_name(text: str) -> str:
    """The form in which names are compared, so that ``Matérn-kernel`` equals ``matern kernel``.

    Compatibility forms unified (NFKC: full-width letters), case folded, accents dropped, dashes
    and underscores read as spaces, spacing collapsed.
    """
    if not text.isascii():
        import unicodedata

        decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
        text = unicodedata.normalize("NFC", _ACCENTS.sub("", decomposed))
    return " ".join(text.lower().translate(_DASHES).split())


@attrs.frozen
class CatalogProblem:
    """One problem in one file: ``field`` is a path such as ``dictionary[2].concepts[0]``."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f": {self.field}" if self.field else ""
        return f"{self.file}{where}: {self.message}"


class CatalogError(ValueError):
    """A catalog file failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[CatalogProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@attrs.frozen
class Side:
    name: str
    description: str


@attrs.frozen
class DictionaryRow:
    """One row of an entry's symbol dictionary.

    ``regime`` is how strongly this row's correspondence holds: ``exact``, ``limit`` or
    ``analogy``. A file may leave it out; :func:`parse_entry` then fills in the entry's regime,
    so a loaded row always has one. ``None`` (a row built by hand) means the entry's regime.
    """

    physics: str
    learning: str
    note: str
    concepts: tuple[str, ...]
    regime: str | None = None


@attrs.frozen
class IdentityText:
    name: str
    statement: str
    regime: str
    note: str = ""


@attrs.frozen
class Reference:
    citation: str
    doi: str | None = None
    arxiv: str | None = None
    url: str | None = None

    @property
    def link(self) -> str | None:
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.arxiv:
            return f"https://arxiv.org/abs/{self.arxiv}"
        return self.url


@attrs.frozen
class CatalogEntry:
    """The catalog's description of one correspondence, as validated from ``<id>.yaml``."""

    id: str
    title: str
    title_zh: str
    regime: str
    summary: str
    physics: Side
    learning: Side
    dictionary: tuple[DictionaryRow, ...]
    identities: tuple[IdentityText, ...]
    assumptions: tuple[str, ...]
    references: tuple[Reference, ...]
    essay_section: str
    tags: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    former_ids: tuple[str, ...] = ()
    path: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self, recurse=True)
        data.pop("path")
        for ref in data["references"]:
            for key in ("doi", "arxiv", "url"):
                if ref[key] is None:
                    del ref[key]
        return data


@attrs.frozen
class Concept:
    """A term of the shared vocabulary (temperature, partition function, ...)."""

    id: str
    en: str
    zh: str
    side: str
    definition: str
    aliases: tuple[str, ...] = ()
    path: str = ""


# -- a tiny schema language: each field is (required, parser) -----------------------------------


class _Invalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message


Parser = Callable[[Any, str], Any]


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(field, f"must be a string, got {_kind(value)}")
    if not value.strip():
        raise _Invalid(field, "must not be empty")
    return value.strip()


def _optional_text(value: Any, field: str) -> str:
    return "" if value is None else _text(value, field)


def _slug(value: Any, field: str) -> str:
    text = _text(value, field)
    if not is_slug(text):
        raise _Invalid(field, f"must be a lower-case slug like 'gibbs-softmax', got {text!r}")
    return text


def _regime(value: Any, field: str) -> str:
    if value not in REGIMES:
        raise _Invalid(field, f"must be one of {', '.join(REGIMES)}, got {value!r}")
    return str(value)


def _section(value: Any, field: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise _Invalid(
            field,
            f"must be a quoted string such as '1.10', got the number {value!r} "
            "(YAML reads 1.10 as 1.1)",
        )
    return _text(value, field)


def _list_of(item: Parser, *, min_items: int = 0) -> Parser:
    def parse(value: Any, field: str) -> tuple[Any, ...]:
        if value is None:
            value = []
        if not isinstance(value, list):
            raise _Invalid(field, f"must be a list, got {_kind(value)}")
        if len(value) < min_items:
            raise _Invalid(field, f"must have at least {min_items} item(s)")
        return tuple(item(v, f"{field}[{i}]") for i, v in enumerate(value))

    return parse


def _record(fields: Mapping[str, tuple[bool, Parser]], build: Callable[..., Any]) -> Parser:
    def parse(value: Any, field: str) -> Any:
        if not isinstance(value, dict):
            raise _Invalid(field, f"must be a mapping, got {_kind(value)}")
        problems = []
        for key in value:
            if key not in fields:
                hint = difflib.get_close_matches(str(key), list(fields), n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                allowed = ", ".join(fields)
                problems.append(
                    _Invalid(_join(field, key), f"unknown key{suggestion}; allowed: {allowed}")
                )
        parsed = {}
        for key, (required, parser) in fields.items():
            if key not in value or value[key] is None:
                if required:
                    problems.append(_Invalid(_join(field, key), "required field is missing"))
                continue
            try:
                parsed[key] = parser(value[key], _join(field, key))
            except _Invalid as problem:
                problems.append(problem)
            except _Problems as many:
                problems.extend(many.problems)
        if problems:
            raise _Problems(problems)
        return build(**parsed)

    return parse


class _Problems(Exception):
    def __init__(self, problems: list[_Invalid]) -> None:
        self.problems = problems


def _join(parent: str, key: object) -> str:
    return f"{parent}.{key}" if parent else str(key)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _reference(value: Any, field: str) -> Reference:
    ref = _record(
        {
            "citation": (True, _text),
            "doi": (False, _text),
            "arxiv": (False, _text),
            "url": (False, _text),
        },
        Reference,
    )(value, field)
    if ref.doi and (ref.doi.startswith("http") or not ref.doi.startswith("10.")):
        raise _Invalid(f"{field}.doi", f"must be a bare DOI starting '10.', got {ref.doi!r}")
    return ref


_side = _record({"name": (True, _text), "description": (True, _text)}, Side)
_row = _record(
    {
        "physics": (True, _text),
        "learning": (True, _text),
        "note": (False, _optional_text),
        "concepts": (True, _list_of(_slug, min_items=1)),
        "regime": (False, _regime),
    },
    lambda physics, learning, concepts, note="", regime=None: DictionaryRow(
        physics, learning, note, concepts, regime
    ),
)
_identity = _record(
    {
        "name": (True, _slug),
        "statement": (True, _text),
        "regime": (True, _regime),
        "note": (False, _optional_text),
    },
    IdentityText,
)

ENTRY_FIELDS: dict[str, tuple[bool, Parser]] = {
    "id": (True, _slug),
    "former_ids": (False, _list_of(_slug)),
    "title": (True, _text),
    "title_zh": (True, _text),
    "regime": (True, _regime),
    "summary": (True, _text),
    "physics": (True, _side),
    "learning": (True, _side),
    "dictionary": (True, _list_of(_row, min_items=1)),
    "identities": (True, _list_of(_identity, min_items=1)),
    "assumptions": (True, _list_of(_text)),
    "references": (True, _list_of(_reference, min_items=1)),
    "essay_section": (True, _section),
    "tags": (True, _list_of(_slug)),
    "aliases": (False, _list_of(_text)),
}

CONCEPT_FIELDS: dict[str, tuple[bool, Parser]] = {
    "id": (True, _slug),
    "en": (True, _text),
    "zh": (True, _text),
    "side": (
        True,
        lambda v, f: v if v in SIDES else _fail(f, f"must be one of {', '.join(SIDES)}, got {v!r}"),
    ),
    "definition": (True, _text),
    "aliases": (False, _list_of(_text)),
}


def _fail(field: str, message: str) -> Any:
    raise _Invalid(field, message)


# -- loading ------------------------------------------------------------------------------------


def _safe_load(text: str, path: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as error:
        raise CatalogError([CatalogProblem(path, "", f"not valid YAML: {error}")]) from None
    except RecursionError:
        raise CatalogError(
            [CatalogProblem(path, "", "not valid YAML: nested too deeply")]
        ) from None


def _raise(path: str, problems: Iterable[_Invalid]) -> None:
    raise CatalogError([CatalogProblem(path, p.field, p.message) for p in problems])


def parse_entry(text: str, path: str = "<string>") -> CatalogEntry:
    """Validate the YAML text of one catalog entry; raises :class:`CatalogError`."""
    data = _safe_load(text, path)
    if not isinstance(data, dict):
        _raise(path, [_Invalid("", f"the file must hold a mapping of fields, got {_kind(data)}")])
    try:
        entry: CatalogEntry = _record(ENTRY_FIELDS, CatalogEntry)(data, "")
    except _Problems as many:
        _raise(path, many.problems)
    except _Invalid as problem:
        _raise(path, [problem])
    stem = Path(path).name.removesuffix(".yaml")
    if path != "<string>" and entry.id != stem:
        _raise(
            path,
            [
                _Invalid(
                    "id",
                    f"is {entry.id!r} but the file is named {Path(path).name!r}; "
                    f"they must match ({entry.id}.yaml)",
                )
            ],
        )
    names = [i.name for i in entry.identities]
    for index, name in enumerate(names):
        if names.index(name) != index:
            _raise(
                path, [_Invalid(f"identities[{index}].name", f"duplicate identity name {name!r}")]
            )
    # A row without its own regime holds as strongly as the entry's headline says.
    rows = tuple(
        row if row.regime else attrs.evolve(row, regime=entry.regime) for row in entry.dictionary
    )
    return attrs.evolve(entry, dictionary=rows, path=path)


def parse_concepts(text: str, path: str = "<string>") -> tuple[Concept, ...]:
    """Validate the YAML text of a concepts file (``concepts:`` followed by a list)."""
    data = _safe_load(text, path)
    if not isinstance(data, dict) or set(data) != {"concepts"}:
        _raise(
            path, [_Invalid("", "the file must hold one key, 'concepts', with a list of concepts")]
        )
    try:
        concepts = _list_of(_record(CONCEPT_FIELDS, Concept))(data["concepts"], "concepts")
    except _Problems as many:
        _raise(path, many.problems)
    except _Invalid as problem:
        _raise(path, [problem])
    seen: dict[str, int] = {}
    for index, concept in enumerate(concepts):
        if concept.id in seen:
            _raise(
                path, [_Invalid(f"concepts[{index}].id", f"duplicate concept id {concept.id!r}")]
            )
        seen[concept.id] = index
    shared = _shared_names(concepts)
    if shared:
        _raise(path, shared)
    return tuple(attrs.evolve(c, path=path) for c in concepts)


def _shared_names(concepts: tuple[Concept, ...]) -> list[_Invalid]:
    """A name (id, en, zh or alias) must mean one concept, as ``normalise_name`` compares them."""
    owners: dict[str, tuple[str, str]] = {}  # normalised name -> (concept id, field)
    problems = []
    for index, concept in enumerate(concepts):
        names = [("id", concept.id), ("en", concept.en), ("zh", concept.zh)]
        names += [(f"aliases[{k}]", alias) for k, alias in enumerate(concept.aliases)]
        for field, name in names:
            where = f"concepts[{index}].{field}"
            owner, owner_field = owners.setdefault(normalise_name(name), (concept.id, where))
            if owner != concept.id:
                problems.append(
                    _Invalid(
                        where,
                        f"{name!r} of concept '{concept.id}' also names concept '{owner}' "
                        f"({owner_field}); a name must belong to one concept",
                    )
                )
    return problems


def display_path(file: Path | Traversable) -> str:
    """A short path for messages: relative to the working directory when below it."""
    import os

    text = str(file)
    here = os.getcwd() + os.sep
    return text[len(here) :] if text.startswith(here) else text


@attrs.frozen
class Folder:
    """What one catalog folder holds: valid entries, concepts, and the problems found."""

    entries: tuple[CatalogEntry, ...]
    concepts: tuple[Concept, ...]
    problems: tuple[CatalogProblem, ...]


def load_folder(folder: Path | Traversable) -> Folder:
    """Read every ``*.yaml`` in ``folder``; invalid files are reported, never raised.

    Validated results are cached per file (keyed by content) so that
    ``physml list`` does not parse YAML on every run; see :func:`cache_path`.
    """
    entries: list[CatalogEntry] = []
    concepts: tuple[Concept, ...] = ()
    problems: list[CatalogProblem] = []
    cache_file = cache_path(folder)
    cached = _read_cache(cache_file)
    fresh: dict[str, Any] = {}
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    for file in files:
        path = display_path(file)
        try:
            raw = file.read_bytes()
        except OSError as error:
            problems.append(CatalogProblem(path, "", f"cannot be read: {error}"))
            continue
        signature = _signature(raw)
        record = cached.get(file.name)
        if record is None or record.get("signature") != signature:
            record = {"signature": signature, **_parse_file(file.name, raw, path)}
        fresh[file.name] = record
        if record["kind"] == "problems":
            problems.extend(CatalogProblem(path, f, m) for f, m in record["data"])
        elif record["kind"] == "concepts":
            concepts = tuple(_concept(c, path) for c in record["data"])
        else:
            entries.append(_entry(record["data"], path))
    if fresh != cached:
        _write_cache(cache_file, fresh)
    return Folder(tuple(entries), concepts, tuple(problems))


def _parse_file(name: str, raw: bytes, path: str) -> dict[str, Any]:
    try:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CatalogError([CatalogProblem(path, "", "is not UTF-8 text")]) from None
        if name == CONCEPTS_FILE:
            found = parse_concepts(text, path)
            return {"kind": "concepts", "data": [_plain(c) for c in found]}
        return {"kind": "entry", "data": _plain(parse_entry(text, path))}
    except CatalogError as error:
        return {"kind": "problems", "data": [[p.field, p.message] for p in error.problems]}


# -- the cache of validated files -------------------------------------------------------------


def cache_path(folder: Path | Traversable) -> Path | None:
    """The cache file for ``folder`` in physml's cache folder (:mod:`physml.cache`)."""
    import hashlib

    from physml.cache import cache_file

    key = hashlib.sha256(str(folder).encode()).hexdigest()[:20]
    return cache_file(f"catalog-{key}.json")


def _signature(raw: bytes) -> str:
    """What a cached result depends on: the file's content and physml's version."""
    import hashlib

    from physml import __version__

    return f"{__version__}:{hashlib.sha256(raw).hexdigest()}"


def _read_cache(cache_file: Path | None) -> dict[str, Any]:
    from physml.cache import read_json

    data = read_json(cache_file)
    return data if isinstance(data, dict) else {}


def _write_cache(cache_file: Path | None, records: dict[str, Any]) -> None:
    from physml.cache import write_json

    write_json(cache_file, records)


def _plain(obj: Any) -> dict[str, Any]:
    data = attrs.asdict(obj, recurse=True)
    data.pop("path", None)
    return data


def _concept(data: dict[str, Any], path: str) -> Concept:
    return Concept(**{**data, "aliases": tuple(data["aliases"])}, path=path)


def _entry(data: dict[str, Any], path: str) -> CatalogEntry:
    rows = tuple(
        DictionaryRow(
            r["physics"],
            r["learning"],
            r["note"],
            tuple(r["concepts"]),
            r.get("regime") or data["regime"],  # data cached before rows had a regime
        )
        for r in data["dictionary"]
    )
    return CatalogEntry(
        **{k: tuple(data[k]) for k in ("assumptions", "tags", "aliases", "former_ids")},
        **{k: data[k] for k in ("id", "title", "title_zh", "regime", "summary", "essay_section")},
        physics=Side(**data["physics"]),
        learning=Side(**data["learning"]),
        dictionary=rows,
        identities=tuple(IdentityText(**i) for i in data["identities"]),
        references=tuple(Reference(**r) for r in data["references"]),
        path=path,
    )


def check_concept_links(
    entry: CatalogEntry, vocabulary: Mapping[str, Concept]
) -> list[CatalogProblem]:
    """Problems for dictionary rows that link concepts missing from the vocabulary."""
    problems = []
    for r, row in enumerate(entry.dictionary):
        for c, concept in enumerate(row.concepts):
            if concept not in vocabulary:
                hint = difflib.get_close_matches(concept, list(vocabulary), n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                problems.append(
                    CatalogProblem(
                        entry.path,
                        f"dictionary[{r}].concepts[{c}]",
                        f"unknown concept '{concept}'{suggestion}; concepts are defined in "
                        f"{CONCEPTS_FILE}",
                    )
                )
    return problems
