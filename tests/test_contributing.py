"""CONTRIBUTING.md's walk works as written: its plugin, catalog entry and tests, taken from the
file itself, install as a separate distribution and verify."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import contributing_files, run_physml


def test_contributing_spells_out_plugin_catalog_entry_point_and_tests():
    files = contributing_files()
    assert set(files) == {
        "physml_twolevel/__init__.py",
        "physml_twolevel/catalog/two-level-sigmoid.yaml",
        "pyproject.toml",
        "tests/test_twolevel.py",
    }
    assert 'twolevel = "physml_twolevel"' in files["pyproject.toml"]


def test_contributing_walk_checks_lists_evaluates_and_verifies(twolevel_site):
    check = run_physml(
        "check", str(twolevel_site / "physml_twolevel" / "catalog"), site=twolevel_site
    )
    assert check.returncode == 0, check.stdout
    assert "two-level-sigmoid" in run_physml("list", site=twolevel_site).stdout
    shown = run_physml("show", "two-level-sigmoid", site=twolevel_site)
    assert shown.returncode == 0 and "二能级系统" in shown.stdout
    evaluated = json.loads(
        run_physml("eval", "two-level-sigmoid", "--json", site=twolevel_site).stdout
    )
    assert evaluated["identities"][0]["holds"] is True
    verified = run_physml("verify", "two-level-sigmoid", "--mutants", site=twolevel_site)
    assert verified.returncode == 0, verified.stdout
    assert "mutants: 2/2 killed" in verified.stdout


def test_contributing_test_file_passes_under_pytest(twolevel_site):
    test_file = twolevel_site / "tests" / "test_twolevel.py"
    test_file.parent.mkdir(exist_ok=True)
    test_file.write_text(contributing_files()["tests/test_twolevel.py"])
    env = {**os.environ, "PYTHONPATH": str(twolevel_site)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True,
        text=True,
        env=env,
        cwd=twolevel_site,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
