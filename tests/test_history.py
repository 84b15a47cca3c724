"""Each entry's last verification result, kept in the cache folder by `physml verify`."""

from __future__ import annotations

import json

from conftest import run_physml

from physml import history


def _report(*results: tuple[str, str]) -> dict:
    return {
        "physml_version": "0.1.0",
        "versions": {"python": "3.11.7", "numpy": "2.0.0", "scipy": "1.14.0", "hypothesis": "6.1"},
        "profile": "dev",
        "seed": 7,
        "plugins": [{"name": "thermodynamics", "version": "0.1.0", "distribution": "physml"}],
        "results": [
            {
                "id": cid,
                "status": status,
                "identities": [{"name": "a", "status": "passed"}, {"name": "b", "status": status}],
                "mutants": [{"name": "m", "killed": True}],
            }
            for cid, status in results
        ],
    }


def test_record_then_load_keeps_the_last_result_of_each_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_CACHE_DIR", str(tmp_path))
    assert history.load() == {}
    history.record(_report(("gibbs-softmax", "passed")), {"gibbs-softmax": "thermodynamics"})
    history.record(_report(("maxent-logistic", "failed")), {"maxent-logistic": "maxent"})
    history.record(_report(("gibbs-softmax", "failed")), {"gibbs-softmax": "thermodynamics"})
    found = history.load()
    assert history.history_path() == tmp_path / history.HISTORY_FILE
    assert set(found) == {"gibbs-softmax", "maxent-logistic"}
    record = found["gibbs-softmax"]
    assert record["status"] == "failed"  # the last run wins
    assert record["identities_passed"] == 1 and record["identities"] == 2
    assert record["mutants_killed"] == 1 and record["mutants"] == 1
    assert record["profile"] == "dev" and record["seed"] == 7 and record["date"]
    assert record["versions"] == {
        "physml": "0.1.0",
        "plugin": "thermodynamics",
        "plugin_version": "0.1.0",
        "python": "3.11.7",
        "numpy": "2.0.0",
        "scipy": "1.14.0",
        "hypothesis": "6.1",
    }
    assert found["maxent-logistic"]["versions"]["plugin_version"] is None  # not in the report


def test_nothing_is_kept_when_the_cache_is_off(monkeypatch):
    monkeypatch.setenv("PHYSML_CACHE_DIR", "off")
    assert history.history_path() is None
    history.record(_report(("gibbs-softmax", "passed")), {})
    assert history.load() == {}


def test_a_damaged_history_file_reads_as_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSML_CACHE_DIR", str(tmp_path))
    (tmp_path / history.HISTORY_FILE).write_text("{not json", encoding="utf-8")
    assert history.load() == {}
    history.record(_report(("gibbs-softmax", "passed")), {})
    assert set(history.load()) == {"gibbs-softmax"}


def test_from_report_dates_the_results_with_the_given_date():
    found = history.from_report(_report(("a", "passed")), {"a": "thermodynamics"}, "2024-01-02")
    assert found["a"]["date"] == "2024-01-02"
    assert found["a"]["versions"]["plugin"] == "thermodynamics"


def test_verify_records_each_entry_it_verified(tmp_path):
    result = run_physml(
        "verify",
        "gibbs-softmax",
        "--profile",
        "dev",
        "--max-examples",
        "2",
        env={"PHYSML_CACHE_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    kept = json.loads((tmp_path / history.HISTORY_FILE).read_text(encoding="utf-8"))
    record = kept["gibbs-softmax"]
    assert record["status"] == "passed" and record["profile"] == "dev"
    assert record["versions"]["plugin"] == "thermodynamics"
    assert {"physml", "python", "numpy", "scipy", "hypothesis"} <= set(record["versions"])
    assert all(record["versions"][k] for k in ("physml", "python", "numpy", "scipy"))
