"""Catalog loading: safe YAML, validation errors that name the file and the field, and a fuzz
test that the loader never fails with anything but its own error."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from physml import catalog
from physml.catalog import CatalogError, parse_concepts, parse_entry

CATALOG = Path(__file__).resolve().parent.parent / "catalog"
GOOD = (CATALOG / "gibbs-softmax.yaml").read_text(encoding="utf-8")


def _problems(text: str, path: str = "catalog/gibbs-softmax.yaml") -> dict[str, str]:
    with pytest.raises(CatalogError) as raised:
        parse_entry(text, path)
    assert all(p.file == path for p in raised.value.problems)
    return {p.field: p.message for p in raised.value.problems}


def test_every_builtin_entry_and_the_vocabulary_are_valid():
    folder = catalog.load_folder(CATALOG)
    assert folder.problems == ()
    assert len(folder.concepts) > 20
    vocabulary = {c.id: c for c in folder.concepts}
    for entry in folder.entries:
        assert catalog.check_concept_links(entry, vocabulary) == []


def test_unknown_key_is_named_with_a_suggestion():
    fields = _problems(GOOD + "titel: typo\n")
    assert "did you mean 'title'" in fields["titel"]


def test_missing_required_field_is_named():
    text = "\n".join(line for line in GOOD.splitlines() if not line.startswith("title_zh:"))
    assert _problems(text)["title_zh"] == "required field is missing"


def test_id_must_match_the_file_name():
    fields = _problems(GOOD, "catalog/gibbs-softmax-v2.yaml")
    assert "gibbs-softmax-v2.yaml" in fields["id"]


def test_nested_field_paths_are_reported():
    fields = _problems(GOOD.replace("regime: limit", "regime: approximate", 1))
    assert any(f.startswith("identities[") and f.endswith("].regime") for f in fields)


FIRST_ROW = "    concepts: [microstate, class-label]\n"


def test_a_row_without_a_regime_holds_as_its_entry_says():
    entry = parse_entry(GOOD, "catalog/gibbs-softmax.yaml")
    assert {row.regime for row in entry.dictionary} == {entry.regime}
    assert {row["regime"] for row in entry.to_dict()["dictionary"]} == {entry.regime}


def test_a_row_regime_is_kept_and_survives_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_CACHE_DIR", str(tmp_path / "cache"))
    text = GOOD.replace(FIRST_ROW, FIRST_ROW + "    regime: limit\n", 1)
    assert parse_entry(text).dictionary[0].regime == "limit"
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "gibbs-softmax.yaml").write_text(text, encoding="utf-8")
    parsed, cached = catalog.load_folder(folder), catalog.load_folder(folder)
    assert cached == parsed
    assert [r.regime for r in cached.entries[0].dictionary[:2]] == ["limit", "exact"]


def test_a_bad_row_regime_is_named_by_file_and_field():
    fields = _problems(GOOD.replace(FIRST_ROW, FIRST_ROW + "    regime: approximate\n", 1))
    assert "must be one of exact, limit, analogy" in fields["dictionary[0].regime"]


def test_numeric_essay_section_is_rejected_with_the_reason():
    assert "1.10" in _problems(GOOD.replace('"1.1"', "1.1"))["essay_section"]


def test_doi_must_be_bare():
    fields = _problems(
        GOOD.replace("doi: 10.1103/PhysRev.106.620", "doi: https://doi.org/10.1103/PhysRev.106.620")
    )
    assert any(f.endswith(".doi") for f in fields)


def test_unsafe_yaml_tags_are_refused():
    fields = _problems("!!python/object/apply:os.system ['echo hi']\n")
    assert "not valid YAML" in fields[""]


def test_duplicate_concepts_are_rejected():
    text = "concepts:\n" + "  - {id: a, en: a, zh: 甲, side: both, definition: d}\n" * 2
    with pytest.raises(CatalogError, match="duplicate concept id 'a'"):
        parse_concepts(text, "concepts.yaml")


def test_a_name_shared_by_two_concepts_is_rejected_naming_both():
    text = (
        "concepts:\n"
        "  - {id: energy, en: energy, zh: 能量, side: physics, definition: d,"
        " aliases: [Energy-Function]}\n"
        "  - {id: lyapunov, en: Lyapunov function, zh: 李雅普诺夫函数, side: both, definition: d,"
        " aliases: [energy  function]}\n"
        "  - {id: kernel, en: Matérn kernel, zh: 马特恩核, side: learning, definition: d}\n"
        "  - {id: matern, en: matern KERNEL, zh: 马特恩, side: learning, definition: d}\n"
    )
    with pytest.raises(CatalogError) as raised:
        parse_concepts(text, "catalog/concepts.yaml")
    problems = {p.field: p for p in raised.value.problems}
    assert set(problems) == {"concepts[1].aliases[0]", "concepts[3].en"}
    shared = problems["concepts[1].aliases[0]"]
    assert shared.file == "catalog/concepts.yaml"
    assert "'lyapunov'" in shared.message and "'energy'" in shared.message
    assert "concepts[0].aliases[0]" in shared.message
    assert "'kernel'" in problems["concepts[3].en"].message  # accents and case are ignored


def test_builtin_concept_names_each_name_one_concept():
    owners: dict[str, str] = {}
    for concept in catalog.load_folder(CATALOG).concepts:
        for name in (concept.id, concept.en, concept.zh, *concept.aliases):
            assert owners.setdefault(catalog.normalise_name(name), concept.id) == concept.id, name


def test_not_utf8_file_is_a_catalog_error(tmp_path):
    (tmp_path / "x.yaml").write_bytes(b"id: \xff\xfe\n")
    folder = catalog.load_folder(tmp_path)
    assert "not UTF-8" in folder.problems[0].message


# -- fuzzing: random YAML documents and random mappings --------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.dates().map(datetime.date.isoformat),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=10), st.integers()), inner, max_size=4),
    ),
    max_leaves=20,
)
field_names = st.sampled_from([*sorted(catalog.ENTRY_FIELDS), "name", "statement", "concepts", "x"])


def _assert_only_catalog_errors(text: str) -> None:
    for parse in (parse_entry, parse_concepts):
        try:
            parse(text, "catalog/fuzz.yaml")
        except CatalogError as error:
            assert error.problems and all(p.file == "catalog/fuzz.yaml" for p in error.problems)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_loader_never_fails_on_random_text_except_with_its_own_error(text):
    _assert_only_catalog_errors(text)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(field_names, values, max_size=12))
def test_loader_never_fails_on_random_mappings_except_with_its_own_error(mapping):
    _assert_only_catalog_errors(yaml.safe_dump(mapping, allow_unicode=True))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(catalog.ENTRY_FIELDS)), values)
def test_replacing_any_field_of_a_valid_entry_fails_only_with_a_catalog_error(field, value):
    data = yaml.safe_load(GOOD)
    data[field] = value
    _assert_only_catalog_errors(yaml.safe_dump(data, allow_unicode=True))


def test_cache_returns_the_same_entries_and_notices_edits(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "catalog"
    folder.mkdir()
    entry = folder / "gibbs-softmax.yaml"
    entry.write_text(GOOD, encoding="utf-8")
    first = catalog.load_folder(folder)
    assert catalog.cache_path(folder).exists()
    second = catalog.load_folder(folder)
    assert second == first and second.entries[0].title_zh == "吉布斯分布 ↔ Softmax 函数"
    entry.write_text(GOOD.replace('essay_section: "1.1"', "essay_section: 1.1"), encoding="utf-8")
    edited = catalog.load_folder(folder)
    assert edited.entries == () and edited.problems[0].field == "essay_section"
    assert catalog.load_folder(folder).problems == edited.problems  # cached problems too


def test_cache_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_CACHE_DIR", "off")
    assert catalog.cache_path(tmp_path) is None
    assert catalog.load_folder(CATALOG).problems == ()
