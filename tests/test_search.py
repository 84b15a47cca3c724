"""``physml search``: ranked entries and concepts for English or Chinese words, tolerant of case,
accents, hyphens and typos; entries found through the concepts their dictionaries link."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_physml

from physml import cli, get_registry
from physml.search import search, searchable

CATALOG = Path(__file__).resolve().parent.parent / "catalog"


@pytest.fixture(scope="module")
def registry():
    return get_registry()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI in this process (fast); subprocess tests below cover a fresh interpreter."""
    try:
        code = cli.main(list(args))
    except SystemExit as exit:  # argparse's own usage errors
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def entries(results: list[dict]) -> list[str]:
    return [r["id"] for r in results if r["kind"] == "entry"]


@functools.cache
def catalog_files() -> tuple[dict, ...]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(
        yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        for path in sorted(CATALOG.glob("*.yaml"))
        if path.name != "concepts.yaml"
    )


def entries_linking(concept: str) -> set[str]:
    """Read from the YAML files directly, not through physml: the entries linking ``concept``."""
    return {
        data["id"]
        for data in catalog_files()
        if any(concept in row["concepts"] for row in data["dictionary"])
    }


def test_chinese_query_finds_fisher_natural_gradient(registry):
    results = search(registry, "费舍尔")
    assert entries(results)[0] == "fisher-natural-gradient"
    assert "fisher-information" in [r["id"] for r in results if r["kind"] == "concept"]


def test_free_energy_finds_every_entry_whose_dictionary_uses_it():
    expected = entries_linking("free-energy")
    assert len(expected) >= 5
    result = run_physml("search", "free", "energy", "--json")
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)
    assert results[0] == {
        "kind": "concept",
        "id": "free-energy",
        "title": "free energy",
        "title_zh": "自由能",
        "score": 100.0,
        "field": "en",
        "match": "free energy",
    }
    assert expected <= set(entries(results))
    through = [r for r in results if r["field"] == "concepts"]
    assert through and all(r["match"] == "free-energy" for r in through)


def test_limit_keeps_results_tied_with_the_last(registry):
    results = search(registry, "partition function", limit=2)
    assert entries_linking("partition-function") <= set(entries(results))
    last = results[1]["score"]
    assert all(r["score"] == last for r in results[2:])
    assert len(search(registry, "sampling", limit=3)) >= 3


@pytest.mark.parametrize(
    "query", ["Boltzmann machine", "Boltzmann-machine", "BOLTZMANN machine", "boltzmann_machine"]
)
def test_case_hyphens_and_underscores_do_not_matter(registry, query):
    results = search(registry, query)
    top = {(r["kind"], r["id"]) for r in results if r["score"] == 100}
    assert top == {("entry", "boltzmann-machine-ising"), ("concept", "boltzmann-machine")}


def test_typos_are_tolerated(registry):
    misspelt = search(registry, "Bolzmann")
    assert {"boltzmann-machine-ising", "boltzmann-generator"} <= set(entries(misspelt))
    assert entries(search(registry, "Bolzmann machine"))[0] == "boltzmann-machine-ising"
    assert search(registry, "fisher informaton")[0]["id"] == "fisher-information"


def test_accents_do_not_matter(registry):
    for query in ("Lüders rule", "Luders rule", "LUDERS-RULE"):
        assert search(registry, query)[0]["id"] == "luders-rule"
    assert search(registry, "Matern kernel")[0]["id"] == "matern-kernel"


def test_chinese_title_query_finds_its_entry(registry):
    results = search(registry, "平均场变分推断")
    assert results[0]["id"] == "mean-field-ising-vi" and results[0]["kind"] == "entry"
    assert entries(search(registry, "分子动力学模拟"))[0] == "molecular-dynamics-hmc"


def test_words_in_different_fields_still_match(registry):
    results = search(registry, "gibbs temperature")
    assert "gibbs-softmax" in entries(results)


def test_searchable_data_is_plain_json_that_searches_alike(registry):
    data = json.loads(json.dumps(searchable(registry), ensure_ascii=False))
    for query in ("free energy", "费舍尔", "Bolzmann"):
        assert search(data, query) == search(registry, query)


def test_empty_query_or_limit_below_one_is_a_value_error(registry):
    with pytest.raises(ValueError):
        search(registry, " - _ ")
    with pytest.raises(ValueError):
        search(registry, "energy", limit=0)


def test_json_is_an_array_of_ranked_results_naming_what_matched(registry, capsys):
    code, out, _ = run(capsys, "search", "temperature", "--json", "--limit", "5")
    assert code == 0
    results = json.loads(out)
    assert len(results) >= 5
    registry_ids = set(registry.ids())
    for r in results:
        assert set(r) == {"kind", "id", "title", "title_zh", "score", "field", "match"}
        assert r["kind"] in ("entry", "concept") and 0 < r["score"] <= 100
        if r["kind"] == "entry":
            assert r["id"] in registry_ids
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_text_output_is_a_table_within_100_columns(capsys):
    from physml.render import width

    code, out, _ = run(capsys, "search", "费舍尔")
    assert code == 0
    assert "fisher-natural-gradient" in out and "费舍尔信息矩阵" in out
    assert all(width(line) <= 100 for line in out.splitlines())


def test_no_match_exits_1_with_a_hint(capsys):
    code, out, err = run(capsys, "search", "xylophone", "--json")
    assert code == 1
    assert json.loads(out) == []
    assert "physml concepts" in err
    code, out, err = run(capsys, "search", "qzxv", "temprature")
    assert code == 1 and out == "" and "did you mean temperature" in err


@pytest.mark.parametrize("args", [("",), ("--", "-"), ("energy", "--limit", "0"), ()])
def test_empty_query_or_bad_limit_exits_2(capsys, args):
    code, out, err = run(capsys, "search", *args)
    assert code == 2 and out == ""
    assert "physml" in err and "Traceback" not in err


def test_search_imports_no_heavy_library():
    code = (
        "import sys\n"
        "from physml.cli import main\n"
        "assert main(['search', 'free energy', '--json']) == 0\n"
        "heavy = {'numpy', 'scipy', 'hypothesis', 'matplotlib'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
