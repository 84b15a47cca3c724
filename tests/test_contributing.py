"""CONTRIBUTING.md works as written.

The walk (the shell blocks marked ``<!-- walk -->``) is run command by command: ``physml new``
scaffolds a package, which is built and installed for real into a private folder, then listed,
checked and verified, and its own tests and ``pytest --physml`` pass. The hand-written plugin
(the blocks marked ``<!-- file: ... -->``) is built, installed and verified the same way.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, contributing_files, run_physml, run_pytest


def walk_commands() -> list[list[str]]:
    """The commands of CONTRIBUTING.md's walk, in order, as argument lists."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- walk -->\n```\w*\n(.*?)```", text, flags=re.S)
    lines = "".join(blocks).replace("\\\n", " ").splitlines()
    return [shlex.split(line, comments=True) for line in lines if line.strip()]


def pip_install(package: Path, site: Path) -> None:
    """Build and install ``package`` into ``site`` as pip would, offline and outside this
    environment (``site`` goes on PYTHONPATH, where its dist-info registers the entry points)."""
    pytest.importorskip("setuptools", minversion="64", reason="builds the package")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--target", str(site), str(package)],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_walk_scaffolds_installs_lists_and_verifies(tmp_path):
    site, cwd = tmp_path / "site", tmp_path / "work"
    cwd.mkdir()
    commands = walk_commands()
    assert commands[0][:2] == ["physml", "new"], "the walk starts with physml new"
    new_id = commands[0][2]
    outputs: dict[str, str] = {}
    for argv in commands:
        match argv:
            case ["physml", *args]:
                result = run_physml(*args, site=site, cwd=cwd)
                assert result.returncode == 0, f"{shlex.join(argv)}\n{result.stdout}{result.stderr}"
                outputs[args[0]] = result.stdout
            case ["pip", "install", "-e", path]:
                pip_install(cwd / path, site)
            case ["cd", path]:
                cwd = cwd / path
            case ["pytest", *args]:
                result = run_pytest(*args, site=site, cwd=cwd)
                assert result.returncode == 0, f"{shlex.join(argv)}\n{result.stdout}"
            case _:
                pytest.fail(f"the walk has a command this test cannot run: {shlex.join(argv)}")
    assert new_id in outputs["list"]
    assert "mutants: 2/2 killed" in outputs["verify"]


def test_the_walk_shows_what_the_scaffold_writes(tmp_path):
    new_id = walk_commands()[0][2]
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    result = run_physml("new", new_id, "--physics", "p", "--learning", "l", "--json", cwd=tmp_path)
    data = json.loads(result.stdout)
    for name in data["files"]:
        assert Path(name).name in text, name
    entry_name, module = data["entry_point"].split(" = ")
    assert f'{entry_name} = "{module}"' in text
    assert "pytest --physml" in text and f"pip install -e ./{new_id}" in text


def test_contributing_spells_out_plugin_catalog_entry_point_and_tests():
    files = contributing_files()
    assert set(files) == {
        "physml_twolevel/__init__.py",
        "physml_twolevel/catalog/two-level-sigmoid.yaml",
        "pyproject.toml",
        "tests/test_twolevel.py",
    }
    assert 'twolevel = "physml_twolevel"' in files["pyproject.toml"]


@pytest.fixture(scope="module")
def hand_written(tmp_path_factory) -> tuple[Path, Path]:
    """The hand-written plugin's files as a package folder, built and installed into a site."""
    package = tmp_path_factory.mktemp("twolevel")
    for relative, content in contributing_files().items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    site = package.parent / f"{package.name}-site"
    pip_install(package, site)
    return package, site


def test_hand_written_plugin_checks_lists_evaluates_and_verifies(hand_written):
    package, site = hand_written
    check = run_physml("check", "physml_twolevel/catalog", site=site, cwd=package)
    assert check.returncode == 0, check.stdout
    assert "two-level-sigmoid" in run_physml("list", site=site).stdout
    plugins = {p["name"]: p for p in json.loads(run_physml("plugins", "--json", site=site).stdout)}
    assert plugins["twolevel"]["status"] == "ok"
    assert plugins["twolevel"]["distribution"] == "physml-twolevel"
    shown = run_physml("show", "two-level-sigmoid", site=site)
    assert shown.returncode == 0 and "二能级系统" in shown.stdout
    evaluated = json.loads(run_physml("eval", "two-level-sigmoid", "--json", site=site).stdout)
    assert evaluated["identities"][0]["holds"] is True
    verified = run_physml("verify", "two-level-sigmoid", "--mutants", site=site)
    assert verified.returncode == 0, verified.stdout
    assert "mutants: 2/2 killed" in verified.stdout


def test_hand_written_test_file_passes_under_pytest(hand_written):
    package, site = hand_written
    result = run_pytest("-q", "tests/test_twolevel.py", site=site, cwd=package)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
