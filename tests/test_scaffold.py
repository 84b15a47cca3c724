"""``physml new``: the generated plugin package, its refusals, and the package installed for
real (built with pip into a private folder), listed, verified and tested as generated."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_physml, run_pytest
from test_contributing import pip_install

from physml.render import width
from physml.scaffold import TEMPLATES, ScaffoldError, entry_point_name, scaffold

ID = "spin-flip-sigmoid"
PACKAGE = "physml_spin_flip_sigmoid"
PHYSICS = "Glauber spin flip"
LEARNING = "logistic unit"
FILES = [
    "pyproject.toml",
    "README.md",
    ".github/workflows/test.yml",
    f"src/{PACKAGE}/__init__.py",
    f"src/{PACKAGE}/plugin.py",
    f"src/{PACKAGE}/catalog/{ID}.yaml",
    "tests/test_plugin.py",
]


def _relative(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_scaffold_writes_the_package_and_returns_its_files(tmp_path):
    root = tmp_path / "pkg"
    written = scaffold(ID, PHYSICS, LEARNING, root)
    assert _relative(written, root) == FILES
    assert sorted(_relative([p for p in root.rglob("*") if p.is_file()], root)) == sorted(FILES)


def test_pyproject_declares_entry_point_classifier_dependency_and_test_extra(tmp_path):
    scaffold(ID, PHYSICS, LEARNING, tmp_path)
    project = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))
    meta = project["project"]
    assert meta["name"] == f"physml-{ID}"
    assert meta["entry-points"]["physml"] == {"spin_flip_sigmoid": f"{PACKAGE}.plugin"}
    assert "Framework :: physml" in meta["classifiers"]
    assert meta["dependencies"][0].startswith("physml")
    assert any(r.startswith("pytest") for r in meta["optional-dependencies"]["test"])
    assert project["tool"]["setuptools"]["package-data"] == {PACKAGE: ["catalog/*.yaml"]}
    assert meta["description"].startswith(f"{PHYSICS} ↔ {LEARNING}")


def test_workflow_installs_with_the_test_extra_and_runs_pytest_physml(tmp_path):
    scaffold(ID, PHYSICS, LEARNING, tmp_path)
    workflow = yaml.safe_load((tmp_path / ".github/workflows/test.yml").read_text())
    steps = workflow["jobs"]["test"]["steps"]
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert uses == ["actions/checkout", "actions/setup-python"]
    assert "${{ matrix.python-version }}" in str(steps[1]["with"]["python-version"])
    runs = [s["run"] for s in steps if "run" in s]
    plugin = entry_point_name(ID)
    assert runs == [
        "pip install -e '.[test]'",
        f"pytest --physml --physml-plugin {plugin}",
        "pytest",
    ]


def test_texts_reach_catalog_and_readme_intact_whatever_they_hold(tmp_path):
    physics = 'Ising spin: "up" or down \\ 自旋 #1'
    learning = "unit: σ(z) 'logistic'"
    scaffold(ID, physics, learning, tmp_path)
    entry = yaml.safe_load((tmp_path / f"src/{PACKAGE}/catalog/{ID}.yaml").read_text("utf-8"))
    assert entry["physics"]["name"] == physics
    assert entry["learning"]["name"] == learning
    assert entry["title"] == f"{physics} ↔ {learning}"
    project = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["description"].startswith(f"{physics} ↔ {learning}")
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert physics in readme and learning in readme


def test_generated_catalog_entry_passes_physml_check(tmp_path):
    scaffold(ID, PHYSICS, LEARNING, tmp_path)
    result = run_physml("check", str(tmp_path / "src" / PACKAGE / "catalog"))
    assert result.returncode == 0, result.stdout
    assert "0 problem(s)" in result.stdout


def test_generated_module_has_replace_comments_and_lazy_imports(tmp_path):
    scaffold(ID, PHYSICS, LEARNING, tmp_path)
    source = (tmp_path / f"src/{PACKAGE}/plugin.py").read_text(encoding="utf-8")
    assert source.count("# REPLACE") >= 5
    imported = set()
    for node in ast.parse(source).body:  # module level only
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported.isdisjoint({"numpy", "scipy", "hypothesis"})
    assert "physml" in imported


def test_generated_python_is_ruff_clean_under_physml_settings(tmp_path):
    pytest.importorskip("ruff")
    long_id = "a-rather-long-correspondence-identifier"
    scaffold(long_id, PHYSICS, LEARNING, tmp_path)
    settings = ["--isolated", "--line-length", "100"]
    rules = ["--select", "E,F,W,I,B,UP,RUF,SIM", "--ignore", "RUF001,RUF002,RUF003"]
    for command in (["check", *settings, *rules], ["format", "--check", *settings]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "."],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_existing_file_is_never_overwritten_and_nothing_is_written(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("mine\n")
    with pytest.raises(ScaffoldError, match=r"README\.md already exists"):
        scaffold(ID, PHYSICS, LEARNING, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]
    assert readme.read_text() == "mine\n"

    result = run_physml("new", ID, "--physics", "p", "--learning", "l", "--output", str(tmp_path))
    assert result.returncode == 2
    assert "README.md already exists" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]


def test_a_file_where_a_folder_belongs_is_refused(tmp_path):
    (tmp_path / "src").write_text("")
    with pytest.raises(ScaffoldError, match="src exists and is not a folder"):
        scaffold(ID, PHYSICS, LEARNING, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["src"]


def test_an_existing_empty_folder_is_used(tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    assert _relative(scaffold(ID, PHYSICS, LEARNING, root), root) == FILES


def test_default_output_is_a_new_folder_named_after_the_id(tmp_path):
    result = run_physml("new", ID, "--physics", PHYSICS, "--learning", LEARNING, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ID / "pyproject.toml").is_file()
    assert f"pip install -e ./{ID}" in result.stdout
    assert all(width(line) <= 100 for line in result.stdout.splitlines())


def test_json_output_names_the_package_and_its_files(tmp_path):
    result = run_physml(
        "new", ID, "--physics", PHYSICS, "--learning", LEARNING, "--output", "out", "--json",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["package"] == PACKAGE and data["distribution"] == f"physml-{ID}"
    assert data["entry_point"] == f"spin_flip_sigmoid = {PACKAGE}.plugin"
    assert data["files"] == FILES and data["output"] == "out"


@pytest.mark.parametrize(
    ("bad", "hint"),
    [("Spin_Flip", "did you mean 'spin-flip'?"), ("x--y", "did you mean 'x-y'?"), ("é", "")],
)
def test_invalid_id_is_a_usage_error_stating_the_rule(tmp_path, bad, hint):
    result = run_physml("new", bad, "--physics", "p", "--learning", "l", cwd=tmp_path)
    assert result.returncode == 2
    assert "lower-case letters and digits, words joined by '-'" in result.stderr
    assert hint in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ["", "   ", "two\nlines", "bell\a"])
def test_empty_or_multiline_side_text_is_refused(tmp_path, text):
    with pytest.raises(ScaffoldError, match="--physics must"):
        scaffold(ID, text, LEARNING, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_an_id_already_registered_is_refused(tmp_path):
    result = run_physml("new", "gibbs-softmax", "--physics", "p", "--learning", "l", cwd=tmp_path)
    assert result.returncode == 2
    assert "'gibbs-softmax' is already registered by the plugin 'thermodynamics'" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_imports_no_heavy_library(tmp_path):
    code = (
        "import sys; from physml.cli import main; "
        f"main(['new', 'x-y', '--physics', 'p', '--learning', 'l', '--output', {str(tmp_path)!r}]);"
        "heavy = ('numpy', 'scipy', 'hypothesis', 'matplotlib'); "
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "[]"


def test_every_template_is_used_and_ships_in_the_wheel():
    folder = ROOT / "physml" / "templates" / "plugin"
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == sorted(TEMPLATES)
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "physml.templates.plugin" in setuptools["packages"]
    patterns = setuptools["package-data"]["physml.templates.plugin"]
    assert all(any(Path(name).match(p) for p in patterns) for name in TEMPLATES)


# -- the generated package, built and installed for real ----------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("generated") / ID
    scaffold(ID, PHYSICS, LEARNING, root)
    site = root.parent / "site"
    pip_install(root, site)
    return root, site


def test_installed_package_is_listed_by_physml(installed):
    _, site = installed
    rows = {r["id"]: r for r in json.loads(run_physml("list", "--json", site=site).stdout)}
    assert rows[ID]["plugin"] == "spin_flip_sigmoid"
    assert rows[ID]["physics"] == PHYSICS and rows[ID]["learning"] == LEARNING
    plugins = {p["name"]: p for p in json.loads(run_physml("plugins", "--json", site=site).stdout)}
    assert plugins["spin_flip_sigmoid"]["status"] == "ok"
    assert plugins["spin_flip_sigmoid"]["distribution"] == f"physml-{ID}"


def test_installed_package_verifies_and_kills_its_mutants(installed):
    _, site = installed
    result = run_physml("verify", ID, "--mutants", "--json", site=site)
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)["results"][0]
    assert report["status"] == "passed"
    assert [m["killed"] for m in report["mutants"]] == [True, True]


def test_installed_package_eval_holds_at_the_worked_example(installed):
    _, site = installed
    evaluated = json.loads(run_physml("eval", ID, "--json", site=site).stdout)
    assert evaluated["identities"][0]["holds"] is True


def test_generated_tests_pass_as_generated(installed):
    root, site = installed
    result = run_pytest("-q", site=site, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
