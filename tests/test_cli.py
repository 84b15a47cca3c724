"""The command line as a user runs it: output, --json, exit status, messages."""

from __future__ import annotations

import json

import pytest
from conftest import run_physml, verdicts

from physml import cli


def test_version_and_python_dash_m():
    result = run_physml("--version")
    assert result.returncode == 0
    assert result.stdout.strip().startswith("physml 0.")


def test_no_command_is_a_usage_error():
    assert run_physml().returncode == 2


def test_list_shows_every_correspondence_with_regime_and_sides():
    result = run_physml("list")
    assert result.returncode == 0
    assert "gibbs-softmax" in result.stdout
    assert "canonical ensemble" in result.stdout and "softmax over logits" in result.stdout
    assert all(len(line) <= 100 for line in result.stdout.splitlines())


def test_list_json_is_an_array_of_objects_with_the_contract_fields():
    rows = json.loads(run_physml("list", "--json").stdout)
    row = next(r for r in rows if r["id"] == "gibbs-softmax")
    for field in (
        "id",
        "title",
        "title_zh",
        "regime",
        "physics",
        "learning",
        "essay_section",
        "tags",
        "plugin",
    ):
        assert field in row
    assert row["regime"] == "exact" and row["essay_section"] == "1.1"


def test_show_prints_every_part_within_100_columns():
    out = run_physml("show", "gibbs-softmax").stdout
    for heading in (
        "Dictionary",
        "Identities",
        "Assumptions",
        "Parameters",
        "Worked example",
        "Mutants",
        "References",
    ):
        assert heading in out
    assert "吉布斯分布" in out
    assert "physml eval gibbs-softmax" in out
    assert "doi:10.1103/PhysRev.106.620" in out
    assert "tolerance:" in out and "why:" in out
    from physml.render import width

    assert all(width(line) <= 100 for line in out.splitlines())


def test_show_json_carries_catalog_fields_parameters_identities_mutants_and_example():
    data = json.loads(run_physml("show", "gibbs-softmax", "--json").stdout)
    assert data["id"] == "gibbs-softmax"
    assert {p["name"] for p in data["parameters"]} == {"energies", "temperature"}
    identity = data["identities"][0]
    assert {"name", "statement", "regime", "tolerance", "reason"} <= set(identity)
    assert len(data["mutants"]) >= 2
    assert data["worked_example"]["command"] == "physml eval gibbs-softmax"
    assert data["dictionary"][0]["concepts"]


def test_show_gives_a_row_regime_column_only_where_a_row_differs_from_the_entry():
    plain = run_physml("show", "gibbs-softmax").stdout  # every row exact, as the entry
    assert not any(line.startswith("physics") and "regime" in line for line in plain.splitlines())
    out = run_physml("show", "deterministic-annealing").stdout
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("physics") and "learning" in line)
    assert header.split()[-1] == "regime"
    assert any(line.startswith("ground state, T → 0") and line.endswith("limit") for line in lines)
    data = json.loads(run_physml("show", "deterministic-annealing", "--json").stdout)
    regimes = {row["physics"]: row["regime"] for row in data["dictionary"]}
    assert regimes["ground state, T → 0"] == "limit"
    assert regimes["a phase that is stable over a long range of log T"] == "analogy"
    assert regimes["symmetric phase, every codevector at the mean"] == "exact"


def test_show_resolves_aliases_case_insensitively():
    data = json.loads(run_physml("show", "Boltzmann Softmax", "--json").stdout)
    assert data["id"] == "gibbs-softmax"


def test_unknown_id_exits_2_with_a_suggestion():
    result = run_physml("show", "gibbs-sofmax")
    assert result.returncode == 2
    assert "did you mean gibbs-softmax?" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_worked_example_holds_and_prints_both_sides():
    result = run_physml("eval", "gibbs-softmax", "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert set(data) == {"id", "params", "physics", "learning", "identities"}
    assert data["physics"]["probabilities"] == pytest.approx(data["learning"]["probabilities"])
    assert all(i["holds"] in (True, None) for i in data["identities"])


def test_eval_takes_parameters_from_stdin_and_fills_the_rest_from_the_example():
    result = run_physml(
        "eval", "gibbs-softmax", "--params", "-", "--json", stdin='{"temperature": 2.0}'
    )
    data = json.loads(result.stdout)
    assert data["params"]["temperature"] == 2.0
    assert data["params"]["energies"] == [0.0, 1.0, 2.0]


def test_eval_takes_parameters_from_a_file(tmp_path):
    path = tmp_path / "params.json"
    path.write_text('{"energies": [[0, 1]]}')
    result = run_physml("eval", "gibbs-softmax", "--params", str(path))
    assert result.returncode == 2
    assert "parameter 'energies'" in result.stderr and "1-D" in result.stderr


@pytest.mark.parametrize(
    ("stdin", "words"),
    [
        ('{"temperature": -1}', "parameter 'temperature': must be > 0"),
        ('{"energies": [1, NaN]}', "parameter 'energies': must be finite"),
        ('{"temperature": "hot"}', "parameter 'temperature'"),
        ("[1, 2]", "JSON object"),
        ("{not json", "not valid JSON"),
        ('{"temp": 1}', "did you mean 'temperature'"),
    ],
)
def test_eval_invalid_input_exits_2_with_a_clear_message(stdin, words):
    result = run_physml("eval", "gibbs-softmax", "--params", "-", stdin=stdin)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_bare_verify_is_a_usage_error():
    result = run_physml("verify")
    assert result.returncode == 2
    assert "--all" in result.stderr


def test_verify_unknown_profile_is_a_usage_error():
    assert run_physml("verify", "gibbs-softmax", "--profile", "nightly").returncode == 2


def test_verify_json_has_the_documented_shape():
    result = run_physml("verify", "gibbs-softmax", "--profile", "dev", "--seed", "3", "--json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert {
        "physml_version",
        "versions",
        "profile",
        "seed",
        "results",
        "plugin_errors",
        "passed",
        "failed",
        "errors",
    } <= set(report)
    assert report["seed"] == 3 and report["profile"] == "dev"
    entry = report["results"][0]
    assert {"id", "status", "duration_s", "identities", "mutants"} <= set(entry)
    identity = entry["identities"][0]
    assert {
        "name",
        "regime",
        "status",
        "examples",
        "max_abs_error",
        "max_rel_error",
        "counterexample",
        "reproduce",
    } <= set(identity)
    assert result.stderr == ""  # no progress line when piped


def test_verify_mutants_reports_each_killed():
    report = json.loads(
        run_physml("verify", "gibbs-softmax", "--profile", "dev", "--mutants", "--json").stdout
    )
    mutants = report["results"][0]["mutants"]
    assert mutants and all(m["killed"] for m in mutants)


def test_verify_text_reports_errors_and_summary():
    result = run_physml("verify", "gibbs-softmax", "--profile", "dev", "--max-examples", "3")
    assert result.returncode == 0
    assert "max abs" in result.stdout
    assert "1 passed, 0 failed, 0 errors" in result.stdout


def test_progress_line_goes_to_stderr_only_on_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True, raising=False)
    assert cli.main(["verify", "gibbs-softmax", "--profile", "dev", "--max-examples", "2"]) == 0
    captured = capsys.readouterr()
    assert "[1/1] gibbs-softmax" in captured.err
    assert "gibbs-softmax" in captured.out


def test_plugins_lists_builtin_plugins_with_their_ids():
    rows = json.loads(run_physml("plugins", "--json").stdout)
    thermo = next(r for r in rows if r["name"] == "thermodynamics")
    assert "gibbs-softmax" in thermo["ids"] and thermo["status"] == "ok"
    assert thermo["module"] == "physml_plugins.thermodynamics"
    text = run_physml("plugins").stdout
    assert "thermodynamics" in text


def test_check_validates_the_whole_catalog():
    result = run_physml("check")
    assert result.returncode == 0, result.stdout


def test_check_names_the_file_and_field_of_a_problem(tmp_path):
    good = (cli.Path(__file__).parent.parent / "catalog" / "gibbs-softmax.yaml").read_text()
    numeric = tmp_path / "a" / "gibbs-softmax.yaml"
    typo = tmp_path / "b" / "gibbs-softmax.yaml"
    for path in (numeric, typo):
        path.parent.mkdir()
    numeric.write_text(good.replace('essay_section: "1.1"', "essay_section: 1.1"))
    typo.write_text(good.replace("concepts: [temperature]", "concepts: [temprature]"))
    result = run_physml("check", str(numeric), str(typo), "--json")
    assert result.returncode == 1
    problems = json.loads(result.stdout)["problems"]
    fields = {p["field"]: p["message"] for p in problems}
    assert "quoted string" in fields["essay_section"]
    concept_field = next(f for f in fields if f.startswith("dictionary["))
    assert "did you mean 'temperature'" in fields[concept_field]
    assert all(p["file"].endswith("gibbs-softmax.yaml") for p in problems)


def test_check_missing_path_is_a_usage_error():
    assert run_physml("check", "no/such/file.yaml").returncode == 2


def test_output_is_utf8_whatever_the_locale():
    result = run_physml("show", "gibbs-softmax", env={"PYTHONIOENCODING": "ascii", "LC_ALL": "C"})
    assert result.returncode == 0
    assert "吉布斯分布" in result.stdout


def test_colour_only_on_a_terminal():
    assert "\033[" not in run_physml("verify", "gibbs-softmax", "--profile", "dev").stdout


def test_parallel_verify_gives_the_same_report_as_serial():
    def run(jobs: str) -> list:
        result = run_physml(
            "verify",
            "gibbs-softmax",
            "maxwell-boltzmann-gaussian",
            "--profile",
            "dev",
            "--seed",
            "5",
            "--jobs",
            jobs,
            "--json",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return verdicts(json.loads(result.stdout))

    assert run("2") == run("1")


def test_jobs_must_be_positive():
    assert run_physml("verify", "--all", "--jobs", "0").returncode == 2


def test_list_filters_by_section_regime_and_tag():
    def ids(*options: str) -> set[str]:
        return {r["id"] for r in json.loads(run_physml("list", "--json", *options).stdout)}

    everything = ids()
    assert ids("--section", "4.2") == {"deterministic-annealing"}
    section_3 = ids("--section", "3")
    assert section_3 and all(cid in everything for cid in section_3)
    assert "gibbs-softmax" not in section_3
    assert ids("--regime", "limit") <= everything
    assert "gibbs-softmax" in ids("--tag", "softmax")
    assert ids("--tag", "no-such-tag") == set()


def test_verify_report_file_is_the_json_report(tmp_path):
    path = tmp_path / "report.json"
    result = run_physml("verify", "gibbs-softmax", "--profile", "dev", "--report", str(path))
    assert result.returncode == 0
    report = json.loads(path.read_text())
    assert report["passed"] == 1 and report["results"][0]["id"] == "gibbs-softmax"
    assert "physml 0." in result.stdout and "numpy" in result.stdout  # versions in the text
    assert "plugins: " in result.stdout and "thermodynamics 0." in result.stdout


def test_show_of_every_entry_fits_100_columns():
    from physml.render import width

    for row in json.loads(run_physml("list", "--json").stdout):
        out = run_physml("show", row["id"]).stdout
        too_wide = [line for line in out.splitlines() if width(line) > 100]
        assert too_wide == [], row["id"]


def test_verify_compare_shows_what_changed_and_rejects_a_bad_report(tmp_path):
    old = tmp_path / "old.json"
    first = run_physml(
        "verify", "gibbs-softmax", "--profile", "dev", "--seed", "1", "--report", str(old)
    )
    assert first.returncode == 0
    again = run_physml(
        "verify",
        "gibbs-softmax",
        "--profile",
        "dev",
        "--seed",
        "1",
        "--compare",
        str(old),
        "--json",
    )
    assert json.loads(again.stdout)["comparison"]["new_failures"] == []
    text = run_physml("verify", "gibbs-softmax", "--profile", "dev", "--compare", str(old))
    assert "compared with" in text.stdout and "new failures: 0" in text.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    refused = run_physml("verify", "gibbs-softmax", "--compare", str(bad))
    assert refused.returncode == 2 and "not a physml verify report" in refused.stderr


def test_concepts_lists_the_vocabulary_with_the_entries_using_each():
    rows = {r["id"]: r for r in json.loads(run_physml("concepts", "--json").stdout)}
    assert rows["temperature"]["zh"] == "温度"
    assert "gibbs-softmax" in rows["temperature"]["entries"]
    fields = {"id", "en", "zh", "side", "aliases", "definition", "entries"}
    assert fields <= set(rows["temperature"])
    assert "温度" in run_physml("concepts").stdout


def test_translate_finds_a_concept_by_english_or_chinese_name_in_every_entry():
    english = json.loads(run_physml("translate", "temperature", "--json").stdout)
    chinese = json.loads(run_physml("translate", "温度", "--json").stdout)
    assert english == chinese
    entries = {row["id"] for row in english}
    assert {"gibbs-softmax", "deterministic-annealing"} <= entries
    gibbs = next(row for row in english if row["id"] == "gibbs-softmax")
    assert gibbs["learning"] == "softmax temperature τ" and gibbs["regime"] == "exact"


def test_translate_unknown_concept_exits_2_with_a_suggestion():
    result = run_physml("translate", "temprature")
    assert result.returncode == 2
    assert "did you mean temperature?" in result.stderr
